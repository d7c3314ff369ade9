/* The one selection step every statistic takes (issue 16):
 *   columns -> complete cases -> groups -> exclusions with reasons.
 *
 * Given a practice table, the columns a statistic needs (by name, or arrays
 * already fetched), an optional keep mask (e.g. pms_select_rows' keep: the
 * practice rules) and an optional group column, pms_cases_select returns
 * caller-owned arrays of the complete cases in table order, a group id per
 * case with the groups' names, the count of excluded rows per reason, and a
 * "too few" flag per group.  Commands and report sections print from these;
 * none repeats the loop.
 *
 * A row is tested in this order and counted once, under the first reason it
 * fails (so counts add up: n + excluded = nrows):
 *   rule       keep[i] == 0
 *   no group   no value (NULL or "") in the group column   (if group_first)
 *   per column, in the order given:
 *     missing        the value is NaN (a missing cell)
 *     not positive   the value is <= 0 (PMS_CASE_POSITIVE)
 *   no group   as above                                       (otherwise)
 * A PMS_CASE_OPTIONAL column never excludes a row: its NaNs stay in the case
 * arrays and are counted (optional_missing) among the cases.
 * PMS_CASE_POSITIVE_OR_FAIL makes a value <= 0 on a row that reached the
 * column an input error (PMS_EDOMAIN; err names role, column and row) rather
 * than an exclusion, as a weight <= 0 is for correlate.
 *
 * Groups are the distinct values of the group column, over the rows that
 * pass the rule (and, with groups_of_cases, only over complete cases),
 * numbered in sorted order of their values or in the order first seen.
 * Without a group column there is one group, named NULL, holding every case.
 *
 * Ownership: pms_cases_select fills a caller's pms_cases; pms_cases_free
 * releases it (a zeroed struct is fine to free).  Names point into the table,
 * which must outlive the result. */
#ifndef PMS_CASES_H
#define PMS_CASES_H

#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "analysis/regress.h"
#include "io/table.h"

#define PMS_CASES_MAXCOLS 64
#define PMS_NO_GROUP SIZE_MAX   /* group of an ungrouped case (keep_ungrouped) */
#define PMS_ALL_GROUPS SIZE_MAX /* pms_cases_gather: every case */

typedef enum {
    PMS_CASE_NUMBER = 0,       /* a missing value excludes the row */
    PMS_CASE_POSITIVE,         /* ... and so does a value <= 0 ("not positive") */
    PMS_CASE_POSITIVE_OR_FAIL, /* missing excludes; a value <= 0 is an error */
    PMS_CASE_OPTIONAL          /* never excludes: missing values kept as NaN, counted */
} pms_case_need;

typedef struct {
    const char *name;      /* table column (numeric); also names it in reasons and errors */
    const double *values;  /* nrows values already fetched, or NULL to read `name` */
    const char *role;      /* its part in the statistic ("x", "weight", ...), for errors */
    size_t index;          /* 1-based position among columns of that role, or 0 */
    pms_case_need need;
} pms_case_col;

typedef enum { PMS_GROUPS_SORTED = 0, PMS_GROUPS_FIRST_SEEN } pms_group_order;

typedef struct {
    const pms_case_col *cols;
    size_t ncols;                 /* 1 to PMS_CASES_MAXCOLS */
    const unsigned char *keep;    /* nrows flags, 0 = excluded by a rule; NULL = keep all */
    const char *group;            /* text column, or NULL for one group of every case */
    const char *label;            /* text column naming each group (first non-empty value in
                                     table order, e.g. ccg_name), or NULL */
    pms_group_order order;
    int group_first;              /* 1: test the group before the columns */
    int groups_of_cases;          /* 1: only values held by a complete case make groups */
    int keep_ungrouped;           /* 1: a row without a group is still a case, in group
                                     PMS_NO_GROUP (it is not excluded) */
    size_t min_cases;             /* a group with fewer cases is "too few" (0: never) */
} pms_cases_spec;

void pms_cases_spec_default(pms_cases_spec *s);

typedef struct {
    size_t nrows;                 /* rows of the table */
    size_t n;                     /* complete cases */
    size_t ncols;
    double **col;                 /* ncols arrays of n values, table order (col[k][i]) */
    size_t *row;                  /* n table rows (0-based) of the cases */
    size_t *group;                /* n group ids (0 without a group column) */
    size_t ngroups;
    const char **group_name;      /* ngroups values of the group column (NULL without one) */
    const char **group_label;     /* ngroups labels, NULL where none */
    size_t *group_n;              /* cases per group */
    size_t *group_excluded;       /* rows of the group excluded by a column (not the rule) */
    unsigned char *too_few;       /* group_n < min_cases */
    size_t excluded;              /* nrows - n */
    size_t rule;                  /* excluded by keep */
    size_t no_group;              /* excluded for lack of a group */
    size_t missing[PMS_CASES_MAXCOLS];          /* per column, first reason */
    size_t nonpositive[PMS_CASES_MAXCOLS];
    size_t optional_missing[PMS_CASES_MAXCOLS]; /* NaNs kept in an optional column */
} pms_cases;

/* Errors: PMS_ENOTFOUND (a column is absent: err names it; also a group
 * column with no value in any row: nothing to group by, PMS_ETOOFEW),
 * PMS_EPARSE (a column is not of the type needed), PMS_EDOMAIN (a
 * POSITIVE_OR_FAIL value <= 0: err.role, err.column, err.row), PMS_EUSAGE,
 * PMS_ENOMEM.  On error out is left freed. */
pms_status pms_cases_select(const pms_table *t, const pms_cases_spec *spec, pms_cases *out,
                            pms_err *err);

void pms_cases_free(pms_cases *c);

/* Copy column k of the cases in group g (PMS_ALL_GROUPS: all) into
 * out[0], out[stride], ...; returns the count.  Table order is kept. */
size_t pms_cases_gather(const pms_cases *c, size_t k, size_t g, double *out, size_t stride);

/* The id of the group named `name`, or PMS_NO_GROUP. */
size_t pms_cases_group_id(const pms_cases *c, const char *name);

/* One reason rows were excluded, for an "excluded" table. */
typedef enum {
    PMS_EXCL_RULE = 0,
    PMS_EXCL_NO_GROUP,
    PMS_EXCL_MISSING,
    PMS_EXCL_NONPOSITIVE,
    PMS_EXCL_OPTIONAL /* kept, but missing an optional column */
} pms_excl_why;

typedef struct {
    pms_excl_why why;
    size_t col;          /* spec column index, or SIZE_MAX (rule, group) */
    const char *column;  /* the column's name (the group column for NO_GROUP; NULL for a rule) */
    const char *reason;  /* "excluded by a rule", "missing", "not positive" */
    size_t count;
} pms_excl;

/* The reasons with a non-zero count, in the order rows are tested (optional
 * columns last), into out (at most cap); returns how many. */
size_t pms_cases_reasons(const pms_cases *c, const pms_cases_spec *spec, pms_excl *out,
                         size_t cap);

/* A regression's rows through the selection step: names[0] the response,
 * names[1..ncols) the predictors, each logged where take_log[j] (a value <= 0
 * is then excluded as not positive); weight (a column name, or NULL) must be
 * > 0 where present (else PMS_EDOMAIN, info->bad_row the 0-based row).  Fills
 * y, X (row-major, ncols - 1 columns) and w (if weight) with the used rows,
 * nrows-sized buffers, and info with the counts pms_reg_select gives. */
pms_status pms_cases_regression(const pms_table *t, const char *const *names,
                                const int *take_log, size_t ncols, const char *weight, double *y,
                                double *X, double *w, pms_reg_rows *info, pms_err *err);

#endif
