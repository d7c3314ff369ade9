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
 *                  protect_max_per_wp, reinvest, scope, description
 *
 * Every complaint is "FILE:LINE: message" and nothing is half-read.
 * Ownership: pms_scenario_load creates a file freed by pms_scenario_free. */
#ifndef PMS_SCENARIO_H
#define PMS_SCENARIO_H

#include <stddef.h>

#include "../analysis/savings.h"
#include "../analysis/status.h"
#include "table.h"

typedef struct {
    char *path;
    pms_sav_settings settings;
    char locality[PMS_SAV_NAME_MAX];   /* locality column (default ccg_code) */
    int line_locality;
    pms_sav_scenario *s;               /* scenarios in file order */
    size_t n;
} pms_scenario_file;

pms_status pms_scenario_load(const char *path, pms_scenario_file **out, pms_err *err);
/* The same from bytes in memory (for tests and fuzzing); `display` names them. */
pms_status pms_scenario_load_mem(const char *display, const char *data, size_t len,
                                 pms_scenario_file **out, pms_err *err);
void pms_scenario_free(pms_scenario_file *f);

/* Index of the scenario called `name`, or -1. */
int pms_scenario_find(const pms_scenario_file *f, const char *name);

/* Offer-based retention flags of scenario k, one per table row, from its
 * retention_column: numbers (non-zero = flagged, missing = not) or text
 * yes/no, y/n, true/false, 1/0 (case-insensitive; empty = no).  *flags is
 * NULL when the scenario has no retention column; else the caller frees it.
 * A column not in the table, or another word in it, is "FILE:LINE: ...". */
pms_status pms_scenario_flags(const pms_scenario_file *f, size_t k, const pms_table *t,
                              unsigned char **flags, pms_err *err);

#endif
