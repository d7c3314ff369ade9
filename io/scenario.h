/* The savings scenario file: an INI file (read with inih through io/config)
 * holding the model settings and several named scenarios.
 *
 *   [model]        base_year = 2014/15      ; year of the payments data
 *                  locality = ccg_code      ; column grouping the locality totals
 *                  mpig_base_year = 2013/14 ; MPIG tapers by 1/mpig_taper_years
 *                  mpig_taper_years = 7     ;   of this year's value per year
 *   [global_sum]   2015/16 = 76.14          ; pounds per weighted patient, by year
 *   [NAME]         a scenario: start_year, years, method (required), target, cap,
 *                  percent, retention_column, retention, protect_max_pct,
 *                  protect_max_per_wp, max_extension_years, keep_for_services,
 *                  reinvest, reinvest_pct, scope, label, description
 *                  (every key: doc/methods/savings.md)
 *   [NAME]         method = pace: a pace-of-change scenario (analysis/pace.h) for
 *                  `pmsreview target --pace`: label, description, years,
 *                  pace_pct, max_loss_pct, max_gain_pct, growth_pct
 *                  (doc/methods/fair-shares.md).  Savings-only keys in a pace
 *                  section, and pace-only keys elsewhere, are errors.
 *
 * Every complaint is "FILE:LINE: message" and nothing is half-read.
 * Ownership: pms_scenario_load creates a file freed by pms_scenario_free. */
#ifndef PMS_SCENARIO_H
#define PMS_SCENARIO_H

#include <stddef.h>

#include "analysis/pace.h"
#include "analysis/savings.h"
#include "base/status.h"
#include "io/out.h"
#include "io/table.h"

typedef struct {
    char *path;
    pms_sav_settings settings;
    char locality[PMS_SAV_NAME_MAX];   /* locality column (default ccg_code) */
    int line_locality;
    pms_sav_scenario *s;               /* savings scenarios in file order */
    size_t n;
    pms_pace_scenario *pace;           /* method = pace scenarios in file order */
    size_t npace;                      /* n + npace >= 1 */
} pms_scenario_file;

pms_status pms_scenario_load(const char *path, pms_scenario_file **out, pms_err *err);
/* The same from bytes in memory (for tests and fuzzing); `display` names them. */
pms_status pms_scenario_load_mem(const char *display, const char *data, size_t len,
                                 pms_scenario_file **out, pms_err *err);
void pms_scenario_free(pms_scenario_file *f);

/* Index of the savings scenario called `name` (in f->s), or -1. */
int pms_scenario_find(const pms_scenario_file *f, const char *name);
/* Index of the pace scenario called `name` (in f->pace), or -1. */
int pms_scenario_find_pace(const pms_scenario_file *f, const char *name);

/* For the savings model: *k = the savings scenario called `name`, or, with
 * name NULL, check that f has any.  PMS_ENOTFOUND with a message that says
 * when the name (or every scenario of the file) is a pace scenario, which the
 * savings model does not run. */
pms_status pms_scenario_savings_pick(const pms_scenario_file *f, const char *name, int *k,
                                     pms_err *err);

/* Offer-based retention flags of scenario k, one per table row, from its
 * retention_column: numbers (non-zero = flagged, missing = not) or text
 * yes/no, y/n, true/false, 1/0 (case-insensitive; empty = no).  *flags is
 * NULL when the scenario has no retention column; else the caller frees it.
 * A column not in the table, or another word in it, is "FILE:LINE: ...". */
pms_status pms_scenario_flags(const pms_scenario_file *f, size_t k, const pms_table *t,
                              unsigned char **flags, pms_err *err);

/* Bind the columns the model needs from practice table t into *d (pointers
 * borrowed from t): global_sum, mpig, pms_balance, weighted_patients,
 * contract_type and f's locality column (required), ccg_code, region_code and
 * imd2015 (when present), and the rows' file and lines for messages. */
pms_status pms_scenario_bind(const pms_scenario_file *f, const pms_table *t, pms_sav_data *d,
                             pms_err *err);

/* Names of the localities of base b (indexed as b->loc_name), from the column
 * named like the locality column with _code replaced by _name (ccg_code ->
 * ccg_name); *names is NULL when there is no such column, else the caller
 * frees the array (the strings are borrowed from t; NULL = no name). */
pms_status pms_scenario_locality_names(const pms_scenario_file *f, const pms_table *t,
                                       const pms_sav_base *b, const char ***names, pms_err *err);
/* Index of locality `code` in b, or -1. */
int pms_scenario_locality_find(const pms_sav_base *b, const char *code);

/* One row per practice of locality loc, one group of columns per scenario
 * s: core funding after its final year (final_core[s], indexed as the base),
 * the change in pounds and per cent, and pounds per weighted patient, beside
 * core funding before.  Keys end in the scenario's name. */
pms_status pms_scenario_practice_comparison(const pms_sav_base *b, const pms_table *t, size_t loc,
                                            const pms_sav_scenario *const *sc,
                                            const int64_t *const *final_core, size_t nsc,
                                            pms_out **out, pms_err *err);

/* SHA-256 of the whole scenario file (for provenance), as 64 hex digits. */
pms_status pms_scenario_sha256(const pms_scenario_file *f, char hex[65], pms_err *err);

#endif
