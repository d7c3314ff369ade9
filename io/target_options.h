/* The savings scenarios on the fair-shares axis (issue 18): for each savings
 * scenario of a scenario file, how much of the distance from target it
 * removes by its final year.  The savings model (analysis/savings.h, through
 * its public API) runs on the practice table; each practice it models that
 * the target analysis also keeps is scored with the analysis's own need,
 * pools and localities:
 *     before_i = the practice's actual money (the target's --value, pence)
 *     after_i  = before_i + (core funding in the scenario's final year - core
 *                funding in the base year)
 * and each position is measured against fair shares of its own pot
 * (pms_target_score_of), so a cost-saving option is judged on how it shares
 * what is left and its saving is reported beside it.
 * Ownership: pms_target_options_run fills a caller-owned struct freed with
 * pms_target_options_free (NULL or zeroed is fine). */
#ifndef PMS_IO_TARGET_OPTIONS_H
#define PMS_IO_TARGET_OPTIONS_H

#include <stddef.h>

#include "analysis/savings.h"
#include "analysis/target.h"
#include "io/out.h"
#include "io/scenario.h"
#include "io/table.h"
#include "io/target_select.h"

typedef struct {
    const pms_sav_scenario *sc;  /* borrowed from the scenario file */
    int final_year;              /* the scenario's last modelled year (2017 = 2017/18) */
    pms_target_score score;
    /* The model's net saving in that year (released - reinvested, pence),
     * for every practice modelled and for the locality: pot_before -
     * pot_after is this plus the GMS MPIG taper. */
    int64_t net_saving, loc_net_saving;
} pms_target_option;

typedef struct {
    size_t n;                    /* savings scenarios scored, in file order */
    pms_target_option *o;
    size_t model;                /* practices in the savings model */
    size_t scored;               /* of them, kept by the target analysis too */
    size_t outside_model;        /* target practices the model leaves out (APMS, no core...) */
    size_t focus;                /* the locality's index in the rows, or (size_t)-1 */
    /* With pms_target_options_run_keep's keep_runs: the model run of each
     * scenario (n of them, file order, over the model's base), so that a
     * caller reporting the same scenarios on the same table need not run
     * them again (the report's savings section).  runs[k].scenario is f's
     * scenario k (borrowed from f; its retain flags are not kept).  NULL
     * otherwise; a caller may move them out (zeroing each, or runs = NULL). */
    pms_sav_result *runs;
} pms_target_options;

/* Run every savings scenario of f on table t and score it against rows r
 * (selected from t by pms_target_rows_select).  locality: a code of r's
 * localities to score alone too, or NULL.  Errors: the model's (FILE:LINE
 * for a scenario that does not fit the data), PMS_ETOOFEW when no practice is
 * both modelled and in the analysis, PMS_ENOMEM. */
pms_status pms_target_options_run(const pms_table *t, const pms_target_rows *r,
                                  const pms_scenario_file *f, const char *locality,
                                  pms_target_options *out, pms_err *err);
/* The same, keeping each scenario's model run in out->runs when keep_runs
 * (the numbers are those a fresh pms_sav_run gives: the run itself is kept). */
pms_status pms_target_options_run_keep(const pms_table *t, const pms_target_rows *r,
                                       const pms_scenario_file *f, const char *locality,
                                       int keep_runs, pms_target_options *out, pms_err *err);
void pms_target_options_free(pms_target_options *o);

/* The table `options`: per scenario a row for the scope's practices (area:
 * `everyone`, e.g. "England") and, with a focus locality, one for it
 * (area: `local`, e.g. "Bristol (11H)"): label, area, final_year, net_saving,
 * to_move_before, to_move_after, removed, distance_pct_before,
 * distance_pct_after (the locality's distance from its share of the scope's
 * pots; empty on the scope's row), over10_before, over10_after,
 * under10_before, under10_after, practices, pot_before, pot_after, scenario.
 * The first PMS_TARGET_OPTIONS_PRINTED columns are what a board reads. */
#define PMS_TARGET_OPTIONS_PRINTED 9
pms_out *pms_target_out_options(const pms_target_options *o, const char *everyone,
                                const char *local);

#endif
