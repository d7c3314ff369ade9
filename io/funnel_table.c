/* A funnel plot of a table's column and its output tables (io/funnel_table.h). */
#include "io/funnel_table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ computation */

/* The label of each level ("99.8") and its key ("99_8"). */
static pms_status labels(const pms_funnel_table_opts *o, pms_funnel_table *f, pms_err *err)
{
    for (size_t l = 0; l < o->fit.nlevels && l < PMS_FUNNEL_MAXLEVELS; l++) {
        int k = o->label[l] ? snprintf(f->label[l], sizeof f->label[l], "%s", o->label[l])
                            : snprintf(f->label[l], sizeof f->label[l], "%g", 100 * o->fit.levels[l]);
        if (k < 0 || (size_t)k >= sizeof f->label[l])
            return pms_err_set(err, PMS_EUSAGE, "funnel: the label of level %zu is too long", l + 1);
        memcpy(f->key[l], f->label[l], sizeof f->key[l]);
        for (char *p = f->key[l]; *p; p++)
            if (*p == '.') *p = '_';
    }
    return PMS_OK;
}

/* Values that break the reading asked for: the file and line of the row
 * that breaks it, what it is, and what the reading wanted. */
static pms_status input_error(const pms_funnel_table_opts *o, const pms_table *t,
                              const pms_funnel_table *f, const pms_funnel_input_check *k,
                              pms_err *err)
{
    const char *src = t->nsources ? t->sources[0].path : "input";
    const size_t *rows = f->cs.row;
    long line = t->line ? (long)t->line[rows[k->bad]] : 0;
    double v = f->value[k->bad], s = f->size[k->bad];
    size_t row = rows[k->bad] + 1;
    if (k->problem == PMS_FUNNEL_ROW_SIZE_FRACTION)
        return pms_err_at(err, PMS_EPARSE, "size", 0, o->size, row,
                          "%s:%ld: %s is %g: a denominator must be a whole number", src, line,
                          o->size, s);
    if (o->input == PMS_FUNNEL_INPUT_PERCENT)
        return pms_err_at(err, PMS_EPARSE, "value", 0, o->value, row,
                          "%s:%ld: %s is %g: a percentage must be between 0 and 100", src, line,
                          o->value, v);
    if (o->input == PMS_FUNNEL_INPUT_COUNT) {
        if (k->problem == PMS_FUNNEL_ROW_ABOVE_SIZE)
            return pms_err_at(err, PMS_EPARSE, "value", 0, o->value, row,
                              "%s:%ld: %s is %g: a count cannot be more than %s (%g)", src, line,
                              o->value, v, o->size, s);
        return pms_err_at(err, PMS_EPARSE, "value", 0, o->value, row,
                          "%s:%ld: %s is %g: a count must be a whole number, 0 or more", src, line,
                          o->value, v);
    }
    char why[160];
    if (k->problem == PMS_FUNNEL_ROW_ABOVE_SIZE)
        snprintf(why, sizeof why, ", more than %s (%g)", o->size, s);
    else
        snprintf(why, sizeof why, ", %s",
                 k->problem == PMS_FUNNEL_ROW_NEGATIVE ? "negative" : "not a whole number");
    long pline = t->line ? (long)t->line[rows[k->bad_pct]] : 0;
    return pms_err_at(err, PMS_EPARSE, "input", 0, o->value, row,
                      "%s:%ld: %s is %g%s, so the values are not counts; nor percentages (line "
                      "%ld: %g is not between 0 and 100)",
                      src, line, o->value, v, why, pline, f->value[k->bad_pct]);
}

/* For PMS_FUNNEL_PROPORTION: the values as proportions of the sizes, in the
 * selection's column; f->input says how they were read. */
static pms_status to_proportions(const pms_funnel_table_opts *o, const pms_table *t,
                                 pms_funnel_table *f, pms_err *err)
{
    size_t n = f->cs.n;
    pms_funnel_input_check chk;
    double *prop = malloc((n ? n : 1) * sizeof *prop);
    if (!prop) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    pms_status st = pms_funnel_proportions(f->value, f->size, n, o->input, prop, &chk);
    if (st == PMS_OK) memcpy(f->cs.col[0], prop, n * sizeof *prop);
    free(prop);
    if (st != PMS_OK) return input_error(o, t, f, &chk, err);
    f->input = pms_funnel_input_name(chk.used);
    return PMS_OK;
}

pms_status pms_funnel_table_compute(const pms_table *t, const pms_funnel_table_opts *o,
                                    pms_funnel_table *out, pms_err *err)
{
    memset(out, 0, sizeof *out);
    if (!t || !o || !o->value || !o->size)
        return pms_err_set(err, PMS_EUSAGE, "funnel needs a value and a size column");
    pms_status st = labels(o, out, err);
    out->cols[0] = (pms_case_col){o->value, NULL, "value", 0, PMS_CASE_NUMBER};
    out->cols[1] = (pms_case_col){o->size, NULL, "size", 0, PMS_CASE_POSITIVE};
    pms_cases_spec_default(&out->spec);
    out->spec.cols = out->cols;
    out->spec.ncols = 2;
    if (!st) st = pms_cases_select(t, &out->spec, &out->cs, err);
    if (!st) {
        out->value = out->cs.col[0];
        out->size = out->cs.col[1];
        out->input = o->fit.type == PMS_FUNNEL_MEAN ? "mean" : "count";
        pms_err ignore; /* without practice codes the tables leave them blank */
        if (pms_table_col(t, "practice_code") &&
            pms_table_text(t, "practice_code", &out->code, &ignore))
            out->code = NULL;
        if (o->fit.type == PMS_FUNNEL_PROPORTION) st = to_proportions(o, t, out, err);
    }
    if (!st) st = pms_funnel_fit(out->value, out->size, out->cs.n, &o->fit, &out->r, err);
    if (st) pms_funnel_table_free(out);
    return st;
}

void pms_funnel_table_free(pms_funnel_table *f)
{
    if (!f) return;
    pms_funnel_result_free(&f->r);
    pms_cases_free(&f->cs);
    memset(f, 0, sizeof *f);
}

/* ------------------------------------------------------------ output */

static const char *od_name(pms_funnel_od od)
{
    return od == PMS_OD_MULTIPLICATIVE ? "multiplicative" : od == PMS_OD_ADDITIVE ? "additive" : "none";
}

enum { S_TYPE, S_VAL, S_SIZE, S_IN, S_N, S_X, S_T, S_S, S_OD, S_W, S_PHI, S_PA, S_TAU, S_LIM, S_N0 };

/* The summary's columns; per level (after S_N0) outside, above, below, then
 * tau2_applied last (issue 17) so that CSV columns before it keep their places. */
static int summary_cols(pms_out *o, const pms_funnel_table *f, int *c, int *lev, int *c_ta)
{
    static const struct { const char *k; pms_outkind kind; int dec; } d[S_N0] = {
        {"type", PMS_OUT_TEXT, 0},      {"value", PMS_OUT_TEXT, 0},
        {"size", PMS_OUT_TEXT, 0},      {"input", PMS_OUT_TEXT, 0},
        {"n", PMS_OUT_INT, 0},          {"n_excluded", PMS_OUT_INT, 0},
        {"target", PMS_OUT_REAL, 6},    {"sigma", PMS_OUT_REAL, 6},
        {"overdispersion", PMS_OUT_TEXT, 0}, {"winsorise", PMS_OUT_REAL, 3},
        {"phi", PMS_OUT_REAL, 6},       {"phi_applied", PMS_OUT_BOOL, 0},
        {"tau2", PMS_OUT_REAL, 8},      {"limits", PMS_OUT_TEXT, 0}};
    for (int j = 0; j < S_N0; j++)
        if ((c[j] = pms_out_col(o, d[j].k, d[j].kind, d[j].dec)) < 0) return -1;
    static const char *const per[3] = {"outside", "above", "below"};
    for (size_t l = 0; l < f->r.nlevels; l++)
        for (int j = 0; j < 3; j++) {
            char k[48];
            snprintf(k, sizeof k, "%s_%s", per[j], f->key[l]);
            if ((lev[3 * l + (size_t)j] = pms_out_col(o, k, PMS_OUT_INT, 0)) < 0) return -1;
        }
    *c_ta = pms_out_col(o, "tau2_applied", PMS_OUT_BOOL, 0);
    return *c_ta < 0 ? -1 : 0;
}

static void summary_notes(pms_out *o, const pms_funnel_table_opts *a, const pms_funnel_table *f)
{
    const pms_funnel_result *r = &f->r;
    if (r->type == PMS_FUNNEL_MEAN)
        pms_out_footnote(o, "Target: the %s-weighted mean of %s. Variance model: Var = sigma^2 / "
                            "%s, sigma estimated from the practices (sum size (value - target)^2 "
                            "/ (I - 1)).", a->size, a->value, a->size);
    else
        pms_out_footnote(o, "Target: the pooled proportion. Without an over-dispersion adjustment "
                            "the limits are Spiegelhalter's interpolated exact binomial limits.");
    pms_out_footnote(o, "phi = mean squared z-score after Winsorising %g%% in each tail; "
                        "tau2 = DerSimonian-Laird estimate from phi (0 if negative). %s",
                     100 * r->winsorise,
                     r->overdispersion == PMS_OD_MULTIPLICATIVE
                         ? (r->phi_applied ? "Limits widened by sqrt(phi)."
                                           : "phi <= 1: no adjustment applied.")
                     : r->overdispersion == PMS_OD_ADDITIVE
                         ? (r->tau2_applied ? "Limits use variance + tau2. tau2_applied says so; "
                                              "phi_applied is for the multiplicative model."
                                            : "tau2 = 0: no adjustment applied (exact limits "
                                              "kept for proportions).")
                                                            : "No over-dispersion adjustment asked for.");
    if (a->fit.type == PMS_FUNNEL_PROPORTION)
        pms_out_footnote(o, "Values read as %ss of %s; the value, target and limits are proportions (0 to 1).",
                         f->input, a->size);
}

/* Columns are fixed before the first row: define them all, then fill. */
static pms_out *summary_table(const pms_funnel_table_opts *a, const pms_funnel_table *f,
                              size_t excluded)
{
    const pms_funnel_result *r = &f->r;
    pms_out *o = pms_out_new("funnel", "Funnel plot");
    int c[S_N0], lev[3 * PMS_FUNNEL_MAXLEVELS], c_ta;
    if (!o || summary_cols(o, f, c, lev, &c_ta) || pms_out_row(o)) {
        pms_out_free(o);
        return NULL;
    }
    pms_out_set_text(o, c[S_TYPE], r->type == PMS_FUNNEL_PROPORTION ? "proportion" : "mean");
    pms_out_set_text(o, c[S_VAL], a->value);
    pms_out_set_text(o, c[S_SIZE], a->size);
    pms_out_set_text(o, c[S_IN], f->input);
    pms_out_set_int(o, c[S_N], (long long)r->n);
    pms_out_set_int(o, c[S_X], (long long)excluded);
    pms_out_set_num(o, c[S_T], r->target);
    pms_out_set_num(o, c[S_S], r->sigma);
    pms_out_set_text(o, c[S_OD], od_name(r->overdispersion));
    pms_out_set_num(o, c[S_W], r->winsorise);
    pms_out_set_num(o, c[S_PHI], r->phi);
    pms_out_set_bool(o, c[S_PA], r->phi_applied);
    pms_out_set_num(o, c[S_TAU], r->tau2);
    pms_out_set_bool(o, c_ta, r->tau2_applied);
    pms_out_set_text(o, c[S_LIM], r->exact ? "exact binomial, interpolated" : "normal");
    for (size_t l = 0; l < r->nlevels; l++) {
        pms_out_set_int(o, lev[3 * l], (long long)r->n_outside[l]);
        pms_out_set_int(o, lev[3 * l + 1], (long long)r->n_above[l]);
        pms_out_set_int(o, lev[3 * l + 2], (long long)r->n_below[l]);
    }
    summary_notes(o, a, f);
    return o;
}

/* low_K and high_K for every level, with `dec` decimals. */
static int limit_cols(pms_out *o, const pms_funnel_table *f, int dec, int *cl, int *ch)
{
    for (size_t l = 0; l < f->r.nlevels; l++) {
        char k[48];
        snprintf(k, sizeof k, "low_%s", f->key[l]);
        cl[l] = pms_out_col(o, k, PMS_OUT_REAL, dec);
        snprintf(k, sizeof k, "high_%s", f->key[l]);
        ch[l] = pms_out_col(o, k, PMS_OUT_REAL, dec);
        if (cl[l] < 0 || ch[l] < 0) return -1;
    }
    return 0;
}

/* Practices idx[0..count) (idx NULL: all, in order). */
static pms_out *units_table(const char *name, const char *title, const pms_funnel_table *f,
                            const size_t *idx, size_t count)
{
    const pms_funnel_result *r = &f->r;
    pms_out *o = pms_out_new(name, title);
    if (!o) return NULL;
    int cc = pms_out_col(o, "practice_code", PMS_OUT_TEXT, 0),
        cv = pms_out_col(o, "value", PMS_OUT_REAL, 4), cs = pms_out_col(o, "size", PMS_OUT_REAL, 1),
        cz = pms_out_col(o, "z", PMS_OUT_REAL, 3);
    int cl[PMS_FUNNEL_MAXLEVELS], ch[PMS_FUNNEL_MAXLEVELS];
    int bad = cc < 0 || cv < 0 || cs < 0 || cz < 0 || limit_cols(o, f, 4, cl, ch);
    int co = bad ? -1 : pms_out_col(o, "outside", PMS_OUT_TEXT, 0),
        cd = bad ? -1 : pms_out_col(o, "direction", PMS_OUT_TEXT, 0);
    if (bad || co < 0 || cd < 0) {
        pms_out_free(o);
        return NULL;
    }
    for (size_t j = 0; j < count; j++) {
        size_t i = idx ? idx[j] : j;
        const pms_funnel_unit *u = &r->units[i];
        if (pms_out_row(o)) break;
        pms_out_set_text(o, cc, f->code ? f->code[f->cs.row[i]] : NULL);
        pms_out_set_num(o, cv, f->value[i]);
        pms_out_set_num(o, cs, f->size[i]);
        pms_out_set_num(o, cz, u->z);
        for (size_t l = 0; l < r->nlevels; l++) {
            pms_out_set_num(o, cl[l], u->low[l]);
            pms_out_set_num(o, ch[l], u->high[l]);
        }
        pms_out_set_text(o, co, u->outside ? f->label[u->outside - 1] : "");
        pms_out_set_text(o, cd, u->direction > 0 ? "above" : u->direction < 0 ? "below" : "");
    }
    if (idx)
        pms_out_footnote(o, "Practices outside the %s%% limits, largest |z| first; 'outside' is the "
                            "widest limits they fall outside.", f->label[0]);
    return o;
}

static pms_out *grid_table(const pms_funnel_table *f)
{
    const pms_funnel_result *r = &f->r;
    pms_out *o = pms_out_new("limits", "Limit curves");
    if (!o) return NULL;
    int cs = pms_out_col(o, "size", PMS_OUT_REAL, 1);
    int cl[PMS_FUNNEL_MAXLEVELS], ch[PMS_FUNNEL_MAXLEVELS];
    if (cs < 0 || limit_cols(o, f, 6, cl, ch)) {
        pms_out_free(o);
        return NULL;
    }
    for (size_t g = 0; g < r->ngrid; g++) {
        if (pms_out_row(o)) break;
        pms_out_set_num(o, cs, r->grid_size[g]);
        for (size_t l = 0; l < r->nlevels; l++) {
            pms_out_set_num(o, cl[l], r->grid_low[g * r->nlevels + l]);
            pms_out_set_num(o, ch[l], r->grid_high[g * r->nlevels + l]);
        }
    }
    return o;
}

static pms_out *excluded_table(const pms_funnel_table *f, pms_table *t)
{
    int k[3];
    pms_out *xo = pms_out_new_excluded(k);
    if (!xo) return NULL;
    int xr = k[0], xc = k[1], xn = k[2];
    pms_excl ex[4];
    size_t nex = pms_cases_reasons(&f->cs, &f->spec, ex, 4);
    for (size_t j = 0; j < nex; j++) {
        if (pms_out_row(xo)) break;
        pms_out_set_text(xo, xr, ex[j].reason);
        pms_out_set_text(xo, xc, ex[j].column);
        pms_out_set_int(xo, xn, (long long)ex[j].count);
        pms_table_note(t, ex[j].why == PMS_EXCL_NONPOSITIVE ? "funnel_nonpositive" : "funnel_missing",
                       ex[j].count, "funnel: %zu practices excluded: %s %s", ex[j].count,
                       ex[j].column, ex[j].reason);
    }
    pms_out_footnote(xo, "%zu of %zu practices used.", f->cs.n, t->nrows);
    return xo;
}

pms_status pms_funnel_table_out(pms_table *t, const pms_funnel_table_opts *o,
                                const pms_funnel_table *f, int text,
                                pms_out *out[PMS_FUNNEL_TABLE_MAXOUT], size_t *n, pms_err *err)
{
    size_t k = 0;
    out[k++] = summary_table(o, f, t->nrows - f->cs.n);
    out[k++] = units_table("outliers", "Outliers", f, f->r.outliers, f->r.noutliers);
    if (!text) {
        out[k++] = units_table("units", "Practices", f, NULL, f->cs.n);
        out[k++] = grid_table(f);
    }
    out[k++] = excluded_table(f, t);
    return pms_out_all_or_none(out, k, n, err);
}
