/* Inequality and concentration of a per-practice amount in a table: the
 * selection step (io/cases.h) then every fairness measure (issue 16: what
 * `pmsreview fairness` computes, as a library call; the command only parses
 * options and prints).
 *
 * The practices kept have the value and (if given) the weight present and
 * > 0 (Theil L and Atkinson need positive values) and (if given) a group;
 * each excluded practice is counted once under its first reason in the order
 * value, weight, group.  A missing ranking value leaves a practice out of the
 * concentration index only (counted in missing_rank).  Groups are numbered in
 * sorted order of their values, and only groups with a kept practice exist.
 *
 * pms_fair_table_out turns a result into the command's tables (pms_out).
 *
 * Ownership: pms_fair_table_compute fills a caller's result, freed with
 * pms_fair_table_free (a zeroed result is fine to free).  Names point into
 * the table. */
#ifndef PMS_FAIRNESS_TABLE_H
#define PMS_FAIRNESS_TABLE_H

#include <stddef.h>

#include "analysis/concentration.h"
#include "analysis/fairness.h"
#include "analysis/inequality.h"
#include "io/cases.h"
#include "io/out.h"
#include "io/table.h"

typedef struct {
    const char *value;        /* the amount per practice */
    const char *weight;       /* or NULL: every practice weighs 1 */
    const char *group;        /* or NULL */
    const char *rank;         /* ranking column for the concentration index, or NULL */
    unsigned long bootstrap;  /* resamples (0: none) */
    unsigned long seed;
    unsigned threads;
    double ci_level;
} pms_fair_table_opts;

typedef struct {
    /* the selection */
    pms_cases cs;
    pms_case_col cols[3];
    pms_cases_spec spec;
    size_t rows, n;
    size_t missing_value, nonpositive_value, missing_weight, nonpositive_weight, missing_group;
    size_t missing_rank;          /* among kept rows: left out of the concentration index */
    double *x, *w, *r;            /* n each (w NULL without weight, r NULL without rank) */
    size_t *g;                    /* n group indices, NULL without group */
    const char **gname;           /* ngroups names */
    size_t ngroups;
    /* the measures */
    pms_ineq_summary s;
    pms_ineq_group *groups;       /* ngroups, NULL without group */
    int has_conc;
    pms_conc_result conc;         /* against rank, most deprived (highest) first */
    size_t conc_n;
    int has_boot;
    pms_fair_boot_result boot;
    double lp[101], ll[101];      /* the Lorenz curve at p = 0, 0.01, ..., 1 */
} pms_fair_table;

/* Errors: those of pms_cases_select; PMS_ETOOFEW (fewer than 2 practices
 * kept, or too few with a ranking value); the measures' errors. */
pms_status pms_fair_table_compute(const pms_table *t, const pms_fair_table_opts *o,
                                  pms_fair_table *out, pms_err *err);

void pms_fair_table_free(pms_fair_table *f);

/* The command's tables, in order: for `text` "measures" (one row per
 * measure) and the Lorenz curve at deciles, else "fairness" (one wide row
 * whose keys issue 4 names) and the Lorenz curve at every percentile; then
 * "groups" (with a group column) and "excluded" (one row per reason, each
 * also recorded on t with pms_table_note).  *n is how many; on failure
 * (PMS_ENOMEM) none are left. */
#define PMS_FAIR_TABLE_MAXOUT 4
pms_status pms_fair_table_out(pms_table *t, const pms_fair_table_opts *o, const pms_fair_table *f,
                              int text, pms_out *out[PMS_FAIR_TABLE_MAXOUT], size_t *n, pms_err *err);

#endif
