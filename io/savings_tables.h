/* The savings command's output tables (pms_out), built from the scenario
 * file and its input (io/savings_input.h): the scenarios run one after
 * another, or one scenario swept over a parameter.  The command parses its
 * options, calls one of these and prints the tables in the order given.
 *
 * Tables of pms_savings_tables_run, in order: the locality first (with
 * opts.loc: its savings by year, the scenarios like for like, its practices
 * before and after), years, fairness (with split_fairness), the like-for-like
 * comparison (England), scenarios, criteria, localities (detail >= LOCALITIES),
 * practices (detail ALL), excluded.  Of pms_savings_tables_sweep: sweep,
 * scenarios (the scenario as written), excluded.
 * Ownership: *out holds the tables; pms_savings_tables_free frees them (a
 * failed call leaves none). */
#ifndef PMS_SAVINGS_TABLES_H
#define PMS_SAVINGS_TABLES_H

#include "analysis/savings.h"
#include "base/status.h"
#include "io/out.h"
#include "io/savings_input.h"
#include "io/scenario.h"
#include "io/table.h"

typedef enum { PMS_SAVINGS_YEARS = 0, PMS_SAVINGS_LOCALITIES, PMS_SAVINGS_ALL } pms_savings_detail;

typedef struct {
    const int *run;              /* the scenarios to run: indices into f->s, in order */
    size_t nrun;
    size_t loc;                  /* the locality to lead with (index in the base), or (size_t)-1 */
    unsigned horizon;            /* years from the data's year compared like for like */
    pms_savings_detail detail;
    int split_fairness;          /* fairness columns in a table of their own (for text) */
} pms_savings_tables_opts;

#define PMS_SAVINGS_MAX_TABLES 12
typedef struct {
    pms_out *t[PMS_SAVINGS_MAX_TABLES];
    size_t n;
} pms_savings_tables;

pms_status pms_savings_tables_run(const pms_scenario_file *f, const pms_savings_input *in,
                                  const pms_table *t, const pms_savings_tables_opts *opts,
                                  pms_savings_tables *out, pms_err *err);

/* Scenario k swept over sp on `threads` threads.  When a point of the sweep
 * fails, *bad is its index (pms_sav_sweep_value names its value), else
 * (size_t)-1. */
pms_status pms_savings_tables_sweep(const pms_scenario_file *f, const pms_savings_input *in,
                                    const pms_table *t, size_t k, const pms_sav_sweep_spec *sp,
                                    unsigned threads, pms_savings_tables *out, size_t *bad,
                                    pms_err *err);

void pms_savings_tables_free(pms_savings_tables *out);

/* The model's exclusions, one row per reason (zero rows included), titled
 * `title`; NULL when out of memory.  The caller adds its footnote. */
pms_out *pms_savings_out_excluded(const pms_sav_base *b, const char *title);

/* The scenario a sweep of p runs: the one called `name` (NULL: the first that
 * uses p), or -1. */
int pms_savings_sweep_pick(const pms_scenario_file *f, pms_sav_param p, const char *name);

/* "Bristol (11H)" for locality l of in's base, or its code alone. */
const char *pms_savings_area_name(const pms_savings_input *in, size_t l, char *buf, size_t cap);

#endif
