/* A funnel plot of a table's column against practice size: the selection
 * step (io/cases.h), proportions read as counts or percentages, the fit
 * (analysis/funnel.h) and the command's output tables (issue 16: what
 * `pmsreview funnel` computes, as a library call; the command only parses
 * options and prints).
 *
 * The practices kept have the value and a size > 0; the others are counted
 * under their first reason in the order value, size.  For a proportion the
 * values are read as opts.input says (pms_funnel_proportions): when they
 * break the rule the call fails with PMS_EPARSE and a message naming the
 * file and line; err.role is "size" for a denominator that is not whole,
 * "input" when, read AUTO, the values are neither counts nor percentages (the
 * caller says how to choose a reading), else "value"; err.row is the table
 * row (1-based) and err.column the column.
 *
 * Ownership: pms_funnel_table_compute fills a caller's result, freed with
 * pms_funnel_table_free (a zeroed result is fine to free; a failed call
 * leaves nothing allocated).  Names point into the table or the options. */
#ifndef PMS_FUNNEL_TABLE_H
#define PMS_FUNNEL_TABLE_H

#include <stddef.h>

#include "analysis/funnel.h"
#include "base/status.h"
#include "io/cases.h"
#include "io/out.h"
#include "io/table.h"

typedef struct {
    const char *value;          /* the indicator */
    const char *size;           /* the practice's size, or the denominator */
    pms_funnel_opts fit;        /* type, over-dispersion, levels, ... */
    pms_funnel_input input;     /* PMS_FUNNEL_PROPORTION: how to read the values */
    /* How each level is written ("99.8"), as the user gave it, or NULL: %g of
     * 100 x the level.  Keys use it with '.' as '_' ("low_99_8"). */
    const char *label[PMS_FUNNEL_MAXLEVELS];
} pms_funnel_table_opts;

/* 16 bytes hold any %g of a percentage and any label the options allow. */
#define PMS_FUNNEL_LABEL 16

typedef struct {
    pms_cases cs;                 /* the selection: cs.n practices, cs.row their table rows */
    pms_case_col cols[2];
    pms_cases_spec spec;
    const double *value, *size;   /* cs.n each; proportions (0 to 1) for PMS_FUNNEL_PROPORTION */
    const char *const *code;      /* practice_code by table row, or NULL without the column */
    const char *input;            /* how the values were read: "mean", "count", "percentage" */
    pms_funnel_result r;
    char label[PMS_FUNNEL_MAXLEVELS][PMS_FUNNEL_LABEL];   /* "99.8" */
    char key[PMS_FUNNEL_MAXLEVELS][PMS_FUNNEL_LABEL];     /* "99_8" */
} pms_funnel_table;

/* Errors: those of pms_cases_select (a column the table lacks ...), PMS_EPARSE
 * for values that break the proportion reading (above), those of
 * pms_funnel_fit (PMS_ETOOFEW ...), PMS_EUSAGE (no value or size column, a
 * label too long). */
pms_status pms_funnel_table_compute(const pms_table *t, const pms_funnel_table_opts *o,
                                    pms_funnel_table *out, pms_err *err);

void pms_funnel_table_free(pms_funnel_table *f);

/* The command's tables, in order: "funnel" (the summary, one row), "outliers"
 * (outside the first level, largest |z| first), unless `text` also "units"
 * (every practice) and "limits" (the curves on the fit's grid), then
 * "excluded" (one row per reason, each also recorded on t with
 * pms_table_note).  *n is how many; on failure (PMS_ENOMEM) none are left. */
#define PMS_FUNNEL_TABLE_MAXOUT 5
pms_status pms_funnel_table_out(pms_table *t, const pms_funnel_table_opts *o,
                                const pms_funnel_table *f, int text,
                                pms_out *out[PMS_FUNNEL_TABLE_MAXOUT], size_t *n, pms_err *err);

#endif
