/* Correlations of table columns: one x against each y, for each method and
 * (with a group column) each group, through the selection step (io/cases.h),
 * with p-values adjusted across the whole family (issue 16: what `pmsreview
 * correlate` computes, as a library call; the command only parses options
 * and prints).
 *
 * For each y the cases are the practices with x, y, the weight and every
 * control present (and a group, with `by`), each excluded practice counted
 * once under its first reason in the order x, y, weight, controls, group.  A
 * weight <= 0 on a practice that has x and y is an input error (PMS_EDOMAIN,
 * err.role "weight", err.row the table row, 1-based), not an exclusion.
 *
 * Without `by` a result that cannot be computed (too few practices, a
 * constant column, collinear controls) is the call's error, err.msg naming y,
 * x and the method; with `by` it is that row's `reason` and the others go on.
 *
 * pms_corr_table_out turns a result into the command's tables (pms_out).
 *
 * Ownership: pms_corr_table fills a caller's result, freed with
 * pms_corr_table_result_free (a zeroed result is fine to free). */
#ifndef PMS_CORRELATE_TABLE_H
#define PMS_CORRELATE_TABLE_H

#include <stddef.h>

#include "analysis/correlate.h"
#include "analysis/padjust.h"
#include "io/cases.h"
#include "io/out.h"
#include "io/table.h"

#define PMS_CT_MAXCTL 32
#define PMS_CT_MAXREASONS (PMS_CT_MAXCTL + 4)

typedef struct {
    const char *x;
    const char *const *y;
    size_t ny;
    const pms_corr_method *methods;
    size_t nmethods;
    const char *weight;            /* NULL: unweighted */
    const char *const *control;    /* ncontrol columns for a partial correlation */
    size_t ncontrol;               /* at most PMS_CT_MAXCTL */
    const char *by;                /* group column, or NULL */
    unsigned long boot;            /* bootstrap resamples (0: none) */
    unsigned long seed;
    unsigned threads;
    double ci_level;               /* in (0, 1) */
    pms_adjust_method adjust;
    double delta;                  /* equivalence margin, NaN: no TOST */
    double power;                  /* for the smallest detectable correlation */
    /* Called before each bootstrap (long work), e.g. for a progress line:
     * row is the 1-based result about to be resampled, of nrows at most. */
    void (*progress)(void *ctx, size_t row, size_t nrows, unsigned long resamples);
    void *progress_ctx;
} pms_corr_table_opts;

typedef struct {
    size_t yi;              /* index into y */
    const char *group;      /* NULL without `by` */
    pms_corr_method method;
    size_t n, n_excluded;   /* cases, and practices of the group excluded */
    int ok;
    char reason[1200];      /* why it could not be computed (ok == 0) */
    pms_corr_result r;
    double min_det, tost, p_adj;  /* p_adj NaN with PMS_ADJ_NONE */
    pms_boot_ci boot;
    int has_boot;
} pms_corr_table_row;

typedef struct {
    pms_corr_table_row *rows;
    size_t nrows;
    pms_excl (*excluded)[PMS_CT_MAXREASONS]; /* per y: the reasons, in test order */
    size_t *nexcluded;                        /* per y: how many */
} pms_corr_table_result;

pms_status pms_corr_table(const pms_table *t, const pms_corr_table_opts *o,
                          pms_corr_table_result *out, pms_err *err);

void pms_corr_table_result_free(pms_corr_table_result *r);

/* The command's tables, in order: "results" (one row per result, the verdict
 * in words; without `by` each result also in one sentence, as a footnote) and
 * "excluded" (one row per y and reason, each also recorded on t with
 * pms_table_note).  On failure (PMS_ENOMEM) none are left. */
#define PMS_CT_NOUT 2
pms_status pms_corr_table_out(pms_table *t, const pms_corr_table_opts *o,
                              const pms_corr_table_result *r, pms_out *out[PMS_CT_NOUT], pms_err *err);

#endif
