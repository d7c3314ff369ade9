/* Correlations of table columns through the selection step, and the output
 * tables (io/correlate_table.h). */
#include "io/correlate_table.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Everything a run allocates besides the result. */
typedef struct {
    const pms_corr_table_opts *o;
    pms_corr_table_result *R;
    size_t maxrows;
    double *bx, *by, *bw, *bz;   /* one group's cases */
} run;

void pms_corr_table_result_free(pms_corr_table_result *r)
{
    if (!r) return;
    free(r->rows);
    free(r->excluded);
    free(r->nexcluded);
    memset(r, 0, sizeof *r);
}

static size_t need(const pms_corr_table_opts *o)
{
    return o->ncontrol ? o->ncontrol + 4 : 3;
}

/* The selection for one y: x, y, the weight (> 0 or an error), the controls, by. */
static void spec_for(const pms_corr_table_opts *o, size_t j, pms_case_col *cols, pms_cases_spec *sp)
{
    size_t k = 0;
    cols[k++] = (pms_case_col){o->x, NULL, "x", 0, PMS_CASE_NUMBER};
    cols[k++] = (pms_case_col){o->y[j], NULL, "y", 0, PMS_CASE_NUMBER};
    if (o->weight) cols[k++] = (pms_case_col){o->weight, NULL, "weight", 0, PMS_CASE_POSITIVE_OR_FAIL};
    for (size_t c = 0; c < o->ncontrol; c++)
        cols[k++] = (pms_case_col){o->control[c], NULL, "control", c + 1, PMS_CASE_NUMBER};
    pms_cases_spec_default(sp);
    sp->cols = cols;
    sp->ncols = k;
    sp->group = o->by;
    sp->min_cases = need(o);
}

/* "only 2 practices have both 'a' and 'b': too few (need at least 3)" */
static pms_status too_few(const pms_corr_table_opts *o, size_t j, size_t n, pms_err *e)
{
    const char *also = o->weight || o->ncontrol ? " (and the weight/controls)" : "";
    if (n == 0)
        return pms_err_set(e, PMS_ETOOFEW, "no practice has both '%s' and '%s'%s", o->x, o->y[j], also);
    return pms_err_set(e, PMS_ETOOFEW, "only %zu practice%s %s both '%s' and '%s'%s: too few (need at "
                                       "least %zu)",
                       n, n == 1 ? "" : "s", n == 1 ? "has" : "have", o->x, o->y[j], also, need(o));
}

/* One method on one group's cases (in bx, by, bw, bz). */
static pms_status compute_row(run *R, size_t j, pms_corr_table_row *w, pms_err *e)
{
    const pms_corr_table_opts *o = R->o;
    pms_corr_opts co;
    pms_corr_opts_default(&co);
    co.method = w->method;
    co.ci_level = o->ci_level;
    co.x_name = o->x;
    co.y_name = o->y[j];
    co.control_names = o->ncontrol ? o->control : NULL;
    pms_status s;
    if (o->ncontrol)
        s = pms_corr_partial_test(R->bx, R->by, R->bz, o->ncontrol, w->n, &co, &w->r, e);
    else
        s = pms_corr_test(R->bx, R->by, o->weight ? R->bw : NULL, w->n, &co, &w->r, e);
    if (!s && o->boot) {
        if (o->progress) o->progress(o->progress_ctx, R->R->nrows, R->maxrows, o->boot);
        pms_corr_boot_opts bo = {o->boot, o->seed, o->threads, o->ci_level};
        s = pms_corr_bootstrap(R->bx, R->by, o->weight ? R->bw : NULL, w->n, w->method, &bo,
                               &w->boot, NULL, e);
        w->has_boot = s == PMS_OK;
    }
    if (s) return s;
    w->ok = 1;
    w->min_det = pms_corr_min_detectable(w->method, w->r.n_eff, w->r.ncontrols, 1 - o->ci_level,
                                         o->power);
    if (!isnan(o->delta)) w->tost = pms_corr_tost(&w->r, o->delta);
    return PMS_OK;
}

/* Every method for group g of y j.  Without `by` a failure is the call's
 * error; with `by` it is the row's reason. */
static pms_status group_rows(run *R, const pms_cases *cs, size_t j, size_t g, pms_err *err)
{
    const pms_corr_table_opts *o = R->o;
    size_t n = pms_cases_gather(cs, 0, g, R->bx, 1);
    pms_cases_gather(cs, 1, g, R->by, 1);
    if (o->weight) pms_cases_gather(cs, 2, g, R->bw, 1);
    for (size_t k = 0; k < o->ncontrol; k++)
        pms_cases_gather(cs, (o->weight ? 3 : 2) + k, g, R->bz + k, o->ncontrol);
    for (size_t m = 0; m < o->nmethods; m++) {
        pms_corr_table_row *w = &R->R->rows[R->R->nrows++];
        w->yi = j;
        w->group = cs->group_name[g];
        w->method = o->methods[m];
        w->n = n;
        w->n_excluded = cs->group_excluded[g];
        w->min_det = w->tost = w->p_adj = NAN;
        pms_err e = {{0}};
        pms_status s = cs->too_few[g] ? too_few(o, j, n, &e) : compute_row(R, j, w, &e);
        if (s == PMS_ENOMEM) return pms_err_set(err, s, "out of memory");
        if (!s) continue;
        if (!o->by) {
            pms_err_set(err, s, "%s vs %s (%s): %s", o->y[j], o->x, pms_corr_method_name(o->methods[m]),
                        e.msg);
            pms_err_about(err, e.role, e.index, e.column);
            return s;
        }
        snprintf(w->reason, sizeof w->reason, "cannot compute: %s", e.msg);
    }
    return PMS_OK;
}

/* Adjust across the whole family. */
static pms_status adjust_all(const pms_corr_table_opts *o, pms_corr_table_result *R, pms_err *err)
{
    size_t n = R->nrows ? R->nrows : 1;
    double *pv = malloc(n * sizeof *pv), *pa = malloc(n * sizeof *pa);
    pms_status st = pv && pa ? PMS_OK : pms_err_set(err, PMS_ENOMEM, "out of memory");
    for (size_t i = 0; i < R->nrows && !st; i++) pv[i] = R->rows[i].ok ? R->rows[i].r.p_value : NAN;
    if (!st) st = pms_p_adjust(pv, R->nrows, o->adjust, pa, err);
    for (size_t i = 0; i < R->nrows && !st; i++)
        R->rows[i].p_adj = o->adjust == PMS_ADJ_NONE ? NAN : pa[i];
    free(pv);
    free(pa);
    return st;
}

static pms_status one_y(run *R, const pms_table *t, size_t j, pms_err *err)
{
    const pms_corr_table_opts *o = R->o;
    pms_case_col cols[3 + PMS_CT_MAXCTL];
    pms_cases_spec sp;
    pms_cases cs;
    spec_for(o, j, cols, &sp);
    pms_status st = pms_cases_select(t, &sp, &cs, err);
    if (st) return st;
    if (!R->R->rows) {
        R->maxrows = o->ny * cs.ngroups * o->nmethods;
        if (!(R->R->rows = calloc(R->maxrows ? R->maxrows : 1, sizeof *R->R->rows)))
            st = pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    if (!st) R->R->nexcluded[j] = pms_cases_reasons(&cs, &sp, R->R->excluded[j], PMS_CT_MAXREASONS);
    for (size_t g = 0; g < cs.ngroups && !st; g++) st = group_rows(R, &cs, j, g, err);
    pms_cases_free(&cs);
    return st;
}

pms_status pms_corr_table(const pms_table *t, const pms_corr_table_opts *o,
                          pms_corr_table_result *out, pms_err *err)
{
    memset(out, 0, sizeof *out);
    if (!o || !o->x || !o->y || o->ny == 0 || !o->methods || o->nmethods == 0 ||
        o->ncontrol > PMS_CT_MAXCTL || (o->ncontrol && !o->control))
        return pms_err_set(err, PMS_EUSAGE, "correlations need x, at least one y and a method");
    size_t cap = t->nrows ? t->nrows : 1;
    run R = {o, out, 0, NULL, NULL, NULL, NULL};
    R.bx = malloc(cap * sizeof *R.bx);
    R.by = malloc(cap * sizeof *R.by);
    R.bw = malloc(cap * sizeof *R.bw);
    R.bz = malloc(cap * (o->ncontrol ? o->ncontrol : 1) * sizeof *R.bz);
    out->excluded = calloc(o->ny, sizeof *out->excluded);
    out->nexcluded = calloc(o->ny, sizeof *out->nexcluded);
    pms_status st = PMS_OK;
    if (!R.bx || !R.by || !R.bw || !R.bz || !out->excluded || !out->nexcluded)
        st = pms_err_set(err, PMS_ENOMEM, "out of memory");
    /* Every column first, in the order named, so that a missing one is the
     * error before any work is done. */
    const double *v;
    const char *const *g;
    if (!st) st = pms_table_numeric(t, o->x, &v, err);
    for (size_t j = 0; j < o->ny && !st; j++) st = pms_table_numeric(t, o->y[j], &v, err);
    if (!st && o->weight) st = pms_table_numeric(t, o->weight, &v, err);
    for (size_t j = 0; j < o->ncontrol && !st; j++) st = pms_table_numeric(t, o->control[j], &v, err);
    if (!st && o->by) st = pms_table_text(t, o->by, &g, err);
    for (size_t j = 0; j < o->ny && !st; j++) st = one_y(&R, t, j, err);
    if (!st) st = adjust_all(o, out, err);
    free(R.bx), free(R.by), free(R.bw), free(R.bz);
    if (st) pms_corr_table_result_free(out);
    return st;
}

/* ------------------------------------------------------------ output */

static void fmt_p(char *buf, size_t cap, double p)
{
    if (isnan(p)) snprintf(buf, cap, "-");
    else if (p >= 0.001) snprintf(buf, cap, "%.3f", p);
    else if (p > 0) snprintf(buf, cap, "%.1e", p);
    else snprintf(buf, cap, "< 1e-300");
}

static const char *method_title(pms_corr_method m)
{
    return m == PMS_CORR_PEARSON ? "Pearson" : m == PMS_CORR_SPEARMAN ? "Spearman" : "Kendall";
}

static const char *ci_words(const pms_corr_result *r)
{
    switch (r->method) {
    case PMS_CORR_PEARSON: return r->weighted ? "Fisher z, Kish effective n" : "Fisher z";
    case PMS_CORR_SPEARMAN:
        return r->weighted ? "Fisher z, Bonett-Wright variance, Kish effective n"
                           : "Fisher z, Bonett-Wright variance";
    case PMS_CORR_KENDALL: return "Fisher z, Fieller-Hartley-Pearson variance";
    }
    return "";
}

static const char *adjust_title(pms_adjust_method m)
{
    switch (m) {
    case PMS_ADJ_HOLM: return "Holm";
    case PMS_ADJ_BH: return "Benjamini-Hochberg";
    case PMS_ADJ_BY: return "Benjamini-Yekutieli";
    default: return "unadjusted";
    }
}

/* The result in one sentence, as a footnote (without --by). */
static void sentence(pms_out *o, const pms_corr_table_opts *a, const pms_corr_table_row *w, const char *controls,
                     const char *buf)
{
    const pms_corr_result *r = &w->r;
    char ps[32], pa[32], extra[512] = "";
    fmt_p(ps, sizeof ps, r->p_value);
    fmt_p(pa, sizeof pa, w->p_adj);
    size_t l = 0;
    if (a->adjust != PMS_ADJ_NONE)
        l += (size_t)snprintf(extra + l, sizeof extra - l, ", %s-adjusted p = %s",
                              adjust_title(a->adjust), pa);
    if (!isnan(w->tost) && l < sizeof extra)
        l += (size_t)snprintf(extra + l, sizeof extra - l, "; equivalence (|%s| < %g) p = %s",
                              pms_corr_symbol(r->method), a->delta, (fmt_p(pa, sizeof pa, w->tost), pa));
    if (w->has_boot && l < sizeof extra)
        snprintf(extra + l, sizeof extra - l, "; bootstrap (%zu resamples) BCa %.3f to %.3f, "
                                              "percentile %.3f to %.3f",
                 w->boot.replicates, w->boot.bca_low, w->boot.bca_high, w->boot.pct_low,
                 w->boot.pct_high);
    char who[200], excl[64] = "";
    if (w->n_excluded)
        snprintf(excl, sizeof excl, ", %zu excluded for missing values", w->n_excluded);
    if (r->weighted)
        snprintf(who, sizeof who, "n = %zu practices (effective n %.1f, weighted by %s%s)", r->n,
                 r->n_eff, a->weight, excl);
    else
        snprintf(who, sizeof who, "n = %zu practices%s%s%s", r->n, *excl ? " (" : "",
                 *excl ? excl + 2 : "", *excl ? ")" : "");
    char ci[160];
    if (isnan(r->ci_low))
        snprintf(ci, sizeof ci, "no interval at this n");
    else
        snprintf(ci, sizeof ci, "%g%% CI %.3f to %.3f, %s", 100 * a->ci_level, r->ci_low,
                 r->ci_high, ci_words(r));
    pms_out_footnote(o, "%s vs %s: %s%s %s = %.3f (%s), p = %s (%s)%s; %s%s%s. Verdict: %s.",
                     a->y[w->yi], a->x, r->ncontrols ? "partial " : "", method_title(r->method),
                     pms_corr_symbol(r->method), r->estimate, ci, ps,
                     pms_corr_ptype_name(r->p_type), extra, who,
                     r->ncontrols ? ", controlling for " : "", r->ncontrols ? controls : "", buf);
}

enum {
    R_X, R_Y, R_M, R_G, R_N, R_NE, R_E, R_L, R_H, R_CM, R_P, R_PM, R_PA, R_MD, R_EQ, R_V,
    R_W, R_NEFF, R_C, R_B, R_NCOL = R_B + 6
};

/* The results' columns (c[k] -1 for an option's columns not asked for). */
static int results_cols(pms_out *o, const pms_corr_table_opts *a, int *c)
{
    static const struct { const char *k; pms_outkind kind; int dec; } d[R_NCOL] = {
        {"x", PMS_OUT_TEXT, 0}, {"y", PMS_OUT_TEXT, 0}, {"method", PMS_OUT_TEXT, 0},
        {"group", PMS_OUT_TEXT, 0}, {"n", PMS_OUT_INT, 0}, {"n_excluded", PMS_OUT_INT, 0},
        {"estimate", PMS_OUT_REAL, 4}, {"ci_low", PMS_OUT_REAL, 4}, {"ci_high", PMS_OUT_REAL, 4},
        {"ci_method", PMS_OUT_TEXT, 0}, {"p_value", PMS_OUT_REAL, 6}, {"p_method", PMS_OUT_TEXT, 0},
        {"p_adjusted", PMS_OUT_REAL, 6}, {"min_detectable", PMS_OUT_REAL, 3},
        {"equivalence_p", PMS_OUT_REAL, 6}, {"verdict", PMS_OUT_TEXT, 0},
        {"weight", PMS_OUT_TEXT, 0}, {"n_eff", PMS_OUT_REAL, 1}, {"controls", PMS_OUT_TEXT, 0},
        {"boot_replicates", PMS_OUT_INT, 4}, {"boot_se", PMS_OUT_REAL, 4},
        {"boot_pct_low", PMS_OUT_REAL, 4}, {"boot_pct_high", PMS_OUT_REAL, 4},
        {"boot_bca_low", PMS_OUT_REAL, 4}, {"boot_bca_high", PMS_OUT_REAL, 4}};
    for (int k = 0; k < R_NCOL; k++) {
        int want = k < R_W || ((k == R_W || k == R_NEFF) && a->weight) ||
                   (k == R_C && a->ncontrol) || (k >= R_B && a->boot);
        c[k] = -1;
        if (want && (c[k] = pms_out_col(o, d[k].k, d[k].kind, d[k].dec)) < 0) return -1;
    }
    return 0;
}

/* A computed result's numbers, bootstrap and verdict (also written to buf). */
static void result_numbers(pms_out *o, const pms_corr_table_opts *a, const pms_corr_table_row *w,
                           const int *c, char *buf, size_t cap)
{
    const pms_corr_result *r = &w->r;
    double alpha = 1 - a->ci_level;
    pms_out_set_num(o, c[R_E], r->estimate);
    pms_out_set_num(o, c[R_L], r->ci_low);
    pms_out_set_num(o, c[R_H], r->ci_high);
    pms_out_set_text(o, c[R_CM], isnan(r->ci_low) ? NULL : pms_corr_ci_method(r));
    pms_out_set_num(o, c[R_P], r->p_value);
    pms_out_set_text(o, c[R_PM], pms_corr_ptype_name(r->p_type));
    pms_out_set_num(o, c[R_PA], w->p_adj);
    pms_out_set_num(o, c[R_MD], w->min_det);
    pms_out_set_num(o, c[R_EQ], w->tost);
    if (c[R_NEFF] >= 0) pms_out_set_num(o, c[R_NEFF], r->n_eff);
    if (w->has_boot) {
        const int *cb = c + R_B;
        pms_out_set_int(o, cb[0], (long long)w->boot.replicates);
        pms_out_set_num(o, cb[1], w->boot.se);
        pms_out_set_num(o, cb[2], w->boot.pct_low);
        pms_out_set_num(o, cb[3], w->boot.pct_high);
        const char *why = pms_boot_bca_why(&w->boot);
        if (why) { /* an undefined BCa interval says why */
            pms_out_set_not_computed(o, cb[4], why);
            pms_out_set_not_computed(o, cb[5], why);
        } else {
            pms_out_set_num(o, cb[4], w->boot.bca_low);
            pms_out_set_num(o, cb[5], w->boot.bca_high);
        }
    }
    double p = a->adjust == PMS_ADJ_NONE ? r->p_value : w->p_adj;
    pms_verdict v = pms_corr_verdict(p, w->tost, alpha);
    pms_corr_verdict_text(v, r, a->delta, w->min_det, a->power, alpha, "practices", buf, cap);
    pms_out_set_text(o, c[R_V], buf);
}

/* One row per result; without `by` each also in one sentence, as a footnote. */
static pms_out *results_table(const pms_corr_table_opts *a, const pms_corr_table_result *res)
{
    char title[160];
    snprintf(title, sizeof title, "Correlations (%g%% intervals, two-sided tests)", 100 * a->ci_level);
    pms_out *o = pms_out_new("results", title);
    int c[R_NCOL];
    if (!o || results_cols(o, a, c)) {
        pms_out_free(o);
        return NULL;
    }
    char controls[1024] = "";
    for (size_t j = 0; j < a->ncontrol; j++) {
        size_t l = strlen(controls);
        snprintf(controls + l, sizeof controls - l, "%s%s", j ? "," : "", a->control[j]);
    }
    for (size_t i = 0; i < res->nrows; i++) {
        const pms_corr_table_row *w = &res->rows[i];
        if (pms_out_row(o)) {
            pms_out_free(o);
            return NULL;
        }
        pms_out_set_text(o, c[R_X], a->x);
        pms_out_set_text(o, c[R_Y], a->y[w->yi]);
        pms_out_set_text(o, c[R_M], pms_corr_method_name(w->method));
        pms_out_set_text(o, c[R_G], w->group);
        pms_out_set_int(o, c[R_N], (long long)w->n);
        pms_out_set_int(o, c[R_NE], (long long)w->n_excluded);
        if (c[R_W] >= 0) pms_out_set_text(o, c[R_W], a->weight);
        if (c[R_C] >= 0) pms_out_set_text(o, c[R_C], controls);
        if (!w->ok) {
            pms_out_set_text(o, c[R_V], w->reason);
            continue;
        }
        char buf[256];
        result_numbers(o, a, w, c, buf, sizeof buf);
        if (!a->by) sentence(o, a, w, controls, buf);
    }
    double alpha = 1 - a->ci_level;
    pms_out_footnote(o, "p_adjusted: %s across the %zu result%s with a p-value. Verdict at the %g%% level; "
                        "min_detectable is the smallest |correlation| detected with %g%% power.",
                     a->adjust == PMS_ADJ_NONE ? "not asked (adjustment: none)" : adjust_title(a->adjust),
                     res->nrows, res->nrows == 1 ? "" : "s", 100 * alpha, 100 * a->power);
    return o;
}

static pms_out *excluded_table(const pms_corr_table_opts *a, const pms_corr_table_result *res,
                               pms_table *t)
{
    pms_out *o = pms_out_new("excluded", "Practices excluded");
    if (!o) return NULL;
    int cy = pms_out_col(o, "y", PMS_OUT_TEXT, 0), cr = pms_out_col(o, "reason", PMS_OUT_TEXT, 0),
        cc = pms_out_col(o, "column", PMS_OUT_TEXT, 0), cn = pms_out_col(o, "practices", PMS_OUT_INT, 0);
    if (cn < 0) {
        pms_out_free(o);
        return NULL;
    }
    for (size_t j = 0; j < a->ny; j++)
        for (size_t i = 0; i < res->nexcluded[j]; i++) {
            const pms_excl *e = &res->excluded[j][i];
            if (pms_out_row(o)) break;
            pms_out_set_text(o, cy, a->y[j]);
            pms_out_set_text(o, cr, e->reason);
            pms_out_set_text(o, cc, e->column);
            pms_out_set_int(o, cn, (long long)e->count);
            pms_table_note(t, "correlate_missing", e->count,
                           "correlate: %zu practices excluded for %s vs %s: %s missing", e->count,
                           a->y[j], a->x, e->column);
        }
    pms_out_footnote(o, "Of %zu practices. Each excluded practice is counted once, under the first "
                        "reason in the order x, y, weight, controls, group.",
                     t->nrows);
    return o;
}

pms_status pms_corr_table_out(pms_table *t, const pms_corr_table_opts *o,
                              const pms_corr_table_result *r, pms_out *out[PMS_CT_NOUT], pms_err *err)
{
    out[0] = results_table(o, r);
    out[1] = excluded_table(o, r, t);
    size_t n;
    return pms_out_all_or_none(out, PMS_CT_NOUT, &n, err);
}
