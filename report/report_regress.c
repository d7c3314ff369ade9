/* Report section: payments per weighted patient against deprivation (OLS
 * with HC3 intervals), nationally and in the locality, with the scatter. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/regress.h"
#include "analysis/theilsen.h"
#include "io/utf8.h"
#include "report/report.h"

#define SHEET "Deprivation"

typedef struct {
    pms_reg_result fit;
    int ok;
    size_t n;
    pms_ts_result ts; /* the robust line the summary leads with (ts_ok) */
    int ts_ok;
} scope_fit;

static pms_status fit_scope(const double *imd, const double *pay, const unsigned char *keep,
                            size_t nrows, double ci_level, scope_fit *out, pms_err *err)
{
    double *x = malloc((nrows ? nrows : 1) * sizeof *x), *y = malloc((nrows ? nrows : 1) * sizeof *y);
    if (!x || !y) {
        free(x), free(y);
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    size_t n = 0;
    for (size_t i = 0; i < nrows; i++)
        if (keep[i]) {
            x[n] = imd[i];
            y[n] = pay[i];
            n++;
        }
    pms_reg_opts o;
    pms_reg_opts_default(&o);
    o.robust = PMS_HC3;
    o.ci_level = ci_level;
    out->n = n;
    pms_err e2;
    pms_status st = pms_reg_fit(x, n, 1, y, NULL, &o, &out->fit, &e2);
    out->ok = st == PMS_OK;
    pms_err e3;
    out->ts_ok = st == PMS_OK && pms_theilsen(x, y, n, ci_level, &out->ts, &e3) == PMS_OK;
    free(x), free(y);
    /* Too few practices in a locality is a finding, not a failure. */
    if (st == PMS_ETOOFEW || st == PMS_ESINGULAR) st = PMS_OK;
    if (st) pms_err_set(err, st, "%s", e2.msg);
    return st;
}

static void coef_rows(pms_out *o, const int *c, const char *scope, const char *dep,
                      const scope_fit *f)
{
    if (!f->ok) return;
    for (size_t k = 0; k < 2; k++) {
        pms_out_row(o);
        pms_out_set_text(o, c[0], scope);
        pms_out_set_text(o, c[1], k == 0 ? "(Intercept)" : dep);
        pms_out_set_num(o, c[2], f->fit.coef[k]);
        pms_out_set_num(o, c[3], f->fit.se[k]);
        pms_out_set_num(o, c[4], f->fit.se_classical[k]);
        pms_out_set_num(o, c[5], f->fit.t[k]);
        pms_out_set_num(o, c[6], f->fit.p_value[k]);
        pms_out_set_num(o, c[7], f->fit.ci_low[k]);
        pms_out_set_num(o, c[8], f->fit.ci_high[k]);
    }
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The locality's practices by name: the report's measure against
 * deprivation, with England's median as a line. */
static pms_status locality_points(pms_report_ctx *r, const double *imd, const double *pay,
                                  const unsigned char *all, const unsigned char *loc,
                                  const char *const *code, const char *const *name, size_t n,
                                  const char *ylab, const char *locname, pms_err *err)
{
    double *x = malloc((n ? n : 1) * sizeof *x), *y = malloc((n ? n : 1) * sizeof *y),
           *tmp = malloc((n ? n : 1) * sizeof *tmp);
    const char **lab = malloc((n ? n : 1) * sizeof *lab);
    pms_status st = PMS_OK;
    if (!x || !y || !tmp || !lab) st = pms_err_set(err, PMS_ENOMEM, "out of memory");
    size_t m = 0, k = 0;
    for (size_t i = 0; i < n && !st; i++) {
        if (!all[i]) continue;
        tmp[k++] = pay[i];
        if (!loc[i]) continue;
        x[m] = imd[i], y[m] = pay[i];
        lab[m++] = name && name[i] ? name[i] : code ? code[i] : "";
    }
    double med = NAN;
    if (!st && k) {
        qsort(tmp, k, sizeof *tmp, cmp_dbl);
        med = k % 2 ? tmp[k / 2] : 0.5 * (tmp[k / 2 - 1] + tmp[k / 2]);
    }
    if (!st && m) {
        char title[300], ref[96], pts[240];
        snprintf(title, sizeof title, "%.200s: each practice's income against deprivation, "
                 "2014/15", locname);
        snprintf(ref, sizeof ref, "England median: \u00a3%.2f", med);
        snprintf(pts, sizeof pts, "%.200s practices (%zu)", locname, m);
        pms_chart_info ci = pms_report_chart_info(
            r, "locality_practices", title,
            "IMD 2015 score of the practice population (higher = more deprived)", ylab);
        st = pms_chart_labelled_points(&ci, x, y, lab, m, med, ref, pts, err);
        if (!st)
            st = pms_report_add_chart(r, "locality_practices", "the locality's practices by name",
                                      SHEET, 48, 10, err);
    }
    free(x), free(y), free(tmp), free(lab);
    return st;
}

/* The section's data: the columns, which practices are in each fit and
 * why the others are not, and the three fits. */
typedef struct {
    const double *pay, *imd;
    const char *const *ccg, *const *code, *const *name, *const *ccgname;
    size_t nrows;
    unsigned char *all, *loc;   /* in the national fit; and in the locality */
    size_t miss_pay, miss_imd, nonpos;
    const char *locname;        /* the locality's CCG name, if the data has one */
    scope_fit nat, lf, el;      /* England, the locality, England log-log */
} dep_data;

/* Which practices each fit takes: a practice is counted once, under the
 * first reason it is left out, in the order of the model's columns. */
static pms_status select_rows(pms_report_ctx *r, dep_data *d, pms_err *err)
{
    size_t nrows = d->nrows;
    d->all = calloc(nrows ? nrows : 1, 1);
    d->loc = calloc(nrows ? nrows : 1, 1);
    if (!d->all || !d->loc) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    for (size_t i = 0; i < nrows; i++) {
        int in_loc = d->ccg[i] && !strcmp(d->ccg[i], r->locality);
        if (in_loc && d->ccgname && d->ccgname[i] && !d->locname) d->locname = d->ccgname[i];
        /* Counted once, under the first reason, in the order of the model's columns. */
        if (isnan(d->pay[i])) {
            d->miss_pay++;
            continue;
        }
        if (isnan(d->imd[i])) {
            d->miss_imd++;
            continue;
        }
        d->all[i] = 1;
        d->loc[i] = (unsigned char)in_loc;
    }
    if (d->miss_pay)
        pms_table_note(r->main, "report_regress_missing", d->miss_pay,
                       "report (deprivation): %zu practices excluded: payments_per_weighted "
                       "missing (no weighted patients)", d->miss_pay);
    if (d->miss_imd)
        pms_table_note(r->main, "report_regress_missing", d->miss_imd,
                       "report (deprivation): %zu practices excluded: %s missing", d->miss_imd,
                       r->deprivation);
    return PMS_OK;
}

/* The elasticity: log payments on log deprivation, the form published
 * studies of GP payments estimate.  Unlike the line above it is not pulled
 * by the handful of tiny practices paid thousands per weighted patient. */
static pms_status fit_elasticity(pms_report_ctx *r, dep_data *d, pms_err *err)
{
    size_t nrows = d->nrows;
    double *lpay = calloc(nrows ? nrows : 1, sizeof *lpay);
    double *limd = calloc(nrows ? nrows : 1, sizeof *limd);
    unsigned char *pos = calloc(nrows ? nrows : 1, 1);
    if (!lpay || !limd || !pos) {
        free(lpay), free(limd), free(pos);
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < nrows; i++) {
        lpay[i] = limd[i] = NAN;
        if (!d->all[i]) continue;
        if (!(d->pay[i] > 0) || !(d->imd[i] > 0)) {
            d->nonpos++;
            continue;
        }
        lpay[i] = log(d->pay[i]);
        limd[i] = log(d->imd[i]);
        pos[i] = 1;
    }
    pms_status st = fit_scope(limd, lpay, pos, nrows, r->ci_level, &d->el, err);
    free(lpay), free(limd), free(pos);
    if (st) return st;
    if (d->nonpos)
        pms_table_note(r->main, "report_regress_nonpositive", d->nonpos,
                       "report (deprivation): %zu practices left out of the log-log "
                       "(elasticity) fit: payments per weighted patient or %s <= 0",
                       d->nonpos, r->deprivation);
    return PMS_OK;
}

/* The coefficients table: least squares for each scope, then the Theil-Sen
 * lines. */
static void coef_table(pms_report_ctx *r, const dep_data *d, const char *locscope, pms_out *coef)
{
    int cc[9] = {pms_out_col(coef, "scope", PMS_OUT_TEXT, 0),
                 pms_out_col(coef, "term", PMS_OUT_TEXT, 0),
                 pms_out_col(coef, "estimate", PMS_OUT_REAL, 4),
                 pms_out_col(coef, "std_error_hc3", PMS_OUT_REAL, 4),
                 pms_out_col(coef, "std_error_classical", PMS_OUT_REAL, 4),
                 pms_out_col(coef, "t", PMS_OUT_REAL, 3),
                 pms_out_col(coef, "p_value", PMS_OUT_REAL, 6),
                 pms_out_col(coef, "ci_low", PMS_OUT_REAL, 4),
                 pms_out_col(coef, "ci_high", PMS_OUT_REAL, 4)};
    coef_rows(coef, cc, "England", r->deprivation, &d->nat);
    coef_rows(coef, cc, locscope, r->deprivation, &d->lf);
    char logdep[64];
    snprintf(logdep, sizeof logdep, "log(%s)", r->deprivation);
    coef_rows(coef, cc, "England, log-log (elasticity)", logdep, &d->el);
    const scope_fit *tsf[2] = {&d->nat, &d->lf};
    const char *tss[2] = {"England, Theil-Sen", NULL};
    char locts[200];
    snprintf(locts, sizeof locts, "%s, Theil-Sen", locscope);
    tss[1] = locts;
    for (int k = 0; k < 2; k++) {
        if (!tsf[k]->ts_ok) continue;
        pms_out_row(coef);
        pms_out_set_text(coef, cc[0], tss[k]);
        pms_out_set_text(coef, cc[1], r->deprivation);
        pms_out_set_num(coef, cc[2], tsf[k]->ts.slope);
        pms_out_set_num(coef, cc[7], tsf[k]->ts.slope_low);
        pms_out_set_num(coef, cc[8], tsf[k]->ts.slope_high);
        pms_out_row(coef);
        pms_out_set_text(coef, cc[0], tss[k]);
        pms_out_set_text(coef, cc[1], "(Intercept)");
        pms_out_set_num(coef, cc[2], tsf[k]->ts.intercept);
    }
    pms_out_footnote(coef, "estimate in pounds per weighted patient (intercept) and pounds per "
                           "point of %s (slope); p from Student t on n - 2 df with HC3 SEs. "
                           "Log-log rows: log payments per weighted patient on log %s, so the "
                           "slope is an elasticity (%% change in payments per 1%% change in "
                           "the score).",
                     r->deprivation, r->deprivation);
}

/* The fit table: one row per scope that could be fitted. */
static void model_table(pms_report_ctx *r, const dep_data *d, const char *locscope,
                        pms_out *model)
{
    int mc[7] = {pms_out_col(model, "scope", PMS_OUT_TEXT, 0),
                 pms_out_col(model, "n", PMS_OUT_INT, 0),
                 pms_out_col(model, "r_squared", PMS_OUT_REAL, 4),
                 pms_out_col(model, "adj_r_squared", PMS_OUT_REAL, 4),
                 pms_out_col(model, "residual_sd", PMS_OUT_MONEY, 2),
                 pms_out_col(model, "robust_wald_f", PMS_OUT_REAL, 3),
                 pms_out_col(model, "robust_wald_p", PMS_OUT_REAL, 6)};
    const scope_fit *fits[3] = {&d->nat, &d->lf, &d->el};
    const char *scopes[3] = {"England", locscope, "England, log-log (elasticity)"};
    for (int k = 0; k < 3; k++) {
        if (!fits[k]->ok) continue;
        pms_out_row(model);
        pms_out_set_text(model, mc[0], scopes[k]);
        pms_out_set_int(model, mc[1], (long long)fits[k]->n);
        pms_out_set_num(model, mc[2], fits[k]->fit.r2);
        pms_out_set_num(model, mc[3], fits[k]->fit.adj_r2);
        pms_out_set_num(model, mc[4], fits[k]->fit.resid_sd);
        pms_out_set_num(model, mc[5], fits[k]->fit.wald_f);
        pms_out_set_num(model, mc[6], fits[k]->fit.wald_p);
    }
    pms_out_footnote(model, "%zu practices excluded: %zu without payments per weighted patient, "
                            "%zu without %s.",
                     d->miss_pay + d->miss_imd, d->miss_pay, d->miss_imd, r->deprivation);
}

/* The practices table: every practice in the national fit with its fitted
 * value, the locality's first, so the chart marks them as a series; pc gets
 * the column indices (the workbook chart plots pc[3], pc[4]).  Returns the
 * number of the locality's rows. */
static size_t practice_table(pms_report_ctx *r, const dep_data *d, pms_out *prac, int pc[7])
{
    pc[0] = pms_out_col(prac, "practice_code", PMS_OUT_TEXT, 0);
    pc[1] = pms_out_col(prac, "practice_name", PMS_OUT_TEXT, 0);
    pc[2] = pms_out_col(prac, "ccg_code", PMS_OUT_TEXT, 0);
    pc[3] = pms_out_col(prac, r->deprivation, PMS_OUT_REAL, 1);
    pc[4] = pms_out_col(prac, r->measure, PMS_OUT_MONEY, 2);
    pc[5] = pms_out_col(prac, "fitted", PMS_OUT_MONEY, 2);
    pc[6] = pms_out_col(prac, "in_locality", PMS_OUT_BOOL, 0);
    size_t nlocrows = 0;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < d->nrows; i++) {
            if (!d->all[i] || (d->loc[i] != 0) == pass) continue;
            nlocrows += !pass;
            pms_out_row(prac);
            pms_out_set_text(prac, pc[0], d->code ? d->code[i] : NULL);
            pms_out_set_text(prac, pc[1], d->name ? d->name[i] : NULL);
            pms_out_set_text(prac, pc[2], d->ccg[i]);
            pms_out_set_num(prac, pc[3], d->imd[i]);
            pms_out_set_num(prac, pc[4], d->pay[i]);
            pms_out_set_num(prac, pc[5], d->nat.fit.coef[0] + d->nat.fit.coef[1] * d->imd[i]);
            pms_out_set_bool(prac, pc[6], d->loc[i]);
        }
    return nlocrows;
}

/* The gnuplot charts: the national scatter with its fits, and the
 * locality's practices by name. */
static pms_status regress_charts(pms_report_ctx *r, const dep_data *d, pms_err *err)
{
    /* "Payments less dispensing and premises against deprivation": the
     * measure without "per weighted patient", which the y axis says. */
    char title[200];
    snprintf(title, sizeof title, "%c%s", r->measure_label[0] - 32, r->measure_label + 1);
    char *per = strstr(title, " per ");
    if (per) snprintf(per, sizeof title - (size_t)(per - title), " against deprivation, 2014/15");
    char ylab[64];
    snprintf(ylab, sizeof ylab, "\xc2\xa3 per %s patient",
             strcmp(r->measure_den, "registered_patients") ? "weighted" : "registered");
    pms_chart_info ci = pms_report_chart_info(
        r, "scatter_imd", title,
        "IMD 2015 score of the practice population (higher = more deprived)", ylab);
    char hl[200];
    snprintf(hl, sizeof hl, "%s practices", d->locname ? d->locname : r->locality);
    pms_utf8_trim_tail(hl);
    /* The national fit is of the same points (d->all: both values
     * present), so its Theil-Sen line is not computed again. */
    pms_status st = pms_chart_scatter_fit_ts(&ci, d->imd, d->pay, d->nrows, d->loc, hl,
                                             r->ci_level, d->nat.ts_ok ? &d->nat.ts : NULL, err);
    /* The scatter's rows are only those in the fit. */
    if (!st)
        st = pms_report_add_chart(r, "scatter_imd", "payments against deprivation", SHEET,
                                  25, 10, err);
    if (!st)
        st = locality_points(r, d->imd, d->pay, d->all, d->loc, d->code, d->name, d->nrows, ylab,
                             d->locname ? d->locname : r->locality, err);
    return st;
}

/* The summary's sentences and the Methods line. */
static void regress_say(pms_report_ctx *r, const dep_data *d)
{
    const scope_fit *nat = &d->nat, *lf = &d->lf, *el = &d->el;
    const char *locname = d->locname;
    const pms_reg_result *f = &nat->fit;
    char m1[40], m2[40], m3[40];
    /* The robust line leads: it agrees with the rank correlation, while
     * least squares follows a handful of tiny practices. */
    if (nat->ts_ok)
        pms_report_say(r, PMS_SAY_DETAIL,
                       "Across %s practices in England in 2014/15, the robust (Theil-Sen) "
                       "line of payments per weighted patient on deprivation has a slope of "
                       "%s per IMD 2015 point (%.0f%% interval %s to %s), the line drawn on "
                       "the scatter.",
                       pms_report_count((char[32]){0}, 32, nat->n),
                       pms_report_money(m1, sizeof m1, nat->ts.slope, 2), 100 * r->ci_level,
                       pms_report_money(m2, sizeof m2, nat->ts.slope_low, 2),
                       pms_report_money(m3, sizeof m3, nat->ts.slope_high, 2));
    pms_report_say(r, PMS_SAY_DETAIL,
                   "Least squares gives %s per point (%.0f%% interval %s to %s, HC3 robust, "
                   "p %s; R\xc2\xb2 = %.4f): it is pulled by a few very small practices "
                   "with very high payments per weighted patient, which the Theil-Sen line "
                   "and the rank correlation below are not.",
                   pms_report_money(m1, sizeof m1, f->coef[1], 2), 100 * r->ci_level,
                   pms_report_money(m2, sizeof m2, f->ci_low[1], 2),
                   pms_report_money(m3, sizeof m3, f->ci_high[1], 2),
                   pms_report_pvalue((char[32]){0}, 32, f->p_value[1]), f->r2);
    if (el->ok)
        pms_report_say(r, PMS_SAY_DETAIL,
                       "On the log scale, which the outliers do not drive, a 10%% higher "
                       "deprivation score goes with payments per weighted patient %.1f%% "
                       "%s (elasticity %.3f, %.0f%% interval %.3f to %.3f, HC3 robust, "
                       "p %s, %zu practices).",
                       100 * fabs(pow(1.1, el->fit.coef[1]) - 1),
                       el->fit.coef[1] < 0 ? "lower" : "higher", el->fit.coef[1],
                       100 * r->ci_level, el->fit.ci_low[1], el->fit.ci_high[1],
                       pms_report_pvalue((char[32]){0}, 32, el->fit.p_value[1]), el->n);
    if (lf->ok && lf->ts_ok) {
        char m4[40];
        pms_report_say(r, PMS_SAY_DETAIL,
                       "In %s (%s, %zu practices) the Theil-Sen slope was %s per IMD point "
                       "(%.0f%% interval %s to %s; least squares %s).",
                       locname ? locname : r->locality, r->locality, lf->n,
                       pms_report_money(m1, sizeof m1, lf->ts.slope, 2), 100 * r->ci_level,
                       pms_report_money(m2, sizeof m2, lf->ts.slope_low, 2),
                       pms_report_money(m3, sizeof m3, lf->ts.slope_high, 2),
                       pms_report_money(m4, sizeof m4, lf->fit.coef[1], 2));
    }
    else
        pms_report_say(r, PMS_SAY_DETAIL, "Locality %s has too few practices (%zu) with payments and "
                          "deprivation for a fitted line.", r->locality, lf->n);
    pms_report_method(r, "Deprivation: ordinary least squares of payments per weighted "
                         "patient (%s / %s) on the practice's "
                         "%s score, y = b0 + b1 x + e, by Householder QR; standard errors "
                         "HC3 (MacKinnon & White 1985; R sandwich::vcovHC), intervals and p "
                         "from Student t on n - 2 df. Excluded: practices without weighted "
                         "patients (%zu) or without a deprivation score (%zu). The chart's "
                         "band is the %.0f%% confidence interval of the mean, "
                         "yhat +/- t sqrt(x0' V x0) with the classical V. Elasticity: "
                         "the same fit of log(payments per weighted patient) on log(%s), "
                         "HC3; practices with either value <= 0 left out (%zu). Theil-Sen "
                         "line (the scatter's bold line): median of pairwise slopes, Sen's "
                         "rank interval (doc/methods/theil-sen.md).",
                     r->measure_num, r->measure_den, r->deprivation, d->miss_pay, d->miss_imd,
                     100 * r->ci_level, r->deprivation, d->nonpos);
}

/* The tables, the workbook's native scatter and the print area, then the
 * gnuplot charts and the sentences. */
static pms_status regress_output(pms_report_ctx *r, const dep_data *d, pms_err *err)
{
    char locscope[160];
    snprintf(locscope, sizeof locscope, "%s%s%s%s", r->locality, d->locname ? " (" : "",
             d->locname ? d->locname : "", d->locname ? ")" : "");
    pms_utf8_trim_tail(locscope);
    pms_out *coef = pms_out_new("coefficients", "Payments per weighted patient on deprivation: "
                                                "least squares, HC3 robust intervals");
    pms_out *model = pms_out_new("model", "Fit");
    pms_out *prac = pms_out_new("practices", "Practices in the fit");
    if (!coef || !model || !prac) {
        pms_out_free(coef), pms_out_free(model), pms_out_free(prac);
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    coef_table(r, d, locscope, coef);
    model_table(r, d, locscope, model);
    int pc[7];
    size_t nlocrows = practice_table(r, d, prac, pc);
    pms_out *tabs[3] = {coef, model, prac};
    pms_xlsx_loc where[3];
    pms_status st = pms_report_add_tables(r, SHEET, tabs, 3, where, err);
    if (!st) {
        /* Other practices with the fitted line, then the locality's. */
        pms_xlsx_loc others = where[2], mine = where[2];
        others.first_row += (unsigned)nlocrows;
        mine.last_row = mine.first_row + (unsigned)nlocrows - 1;
        char locs[200];
        snprintf(locs, sizeof locs, "%s practices", locscope);
        /* The locality's series first: LibreOffice draws the first series
         * on top (the triangles were hidden under the circles). */
        pms_xlsx_series s[2] = {{&mine, pc[3], pc[4], locs, 0},
                                {&others, pc[3], pc[4], "Other practices", 1}};
        static const int role[2] = {1, 0};
        /* The axis stops at 400: a handful of tiny practices reach 35,000. */
        pms_xlsx_chart_look look = {role, 0, 0, 400};
        if (!nlocrows) look.role = role + 1; /* no locality rows: the others only */
        char title[256];
        snprintf(title, sizeof title, "%c%s and deprivation", toupper((unsigned char)r->measure_label[0]),
                 r->measure_label + 1);
        st = pms_xlsx_add_chart_look(r->x, SHEET, PMS_XLSX_SCATTER, title, "IMD 2015 score",
                                     "\xc2\xa3 per weighted patient", nlocrows ? s : s + 1,
                                     nlocrows ? 2 : 1, &look, err);
    }
    /* The printed pack shows the fit and the charts; the practice rows stay
     * in the sheet (7,800 of them would be 150 pages). */
    if (!st) st = pms_xlsx_print_area(r->x, SHEET, 50, 22, err);
    if (!st && r->charts_on) st = regress_charts(r, d, err);
    if (!st) regress_say(r, d);
    pms_out_free(coef), pms_out_free(model), pms_out_free(prac);
    return st;
}

pms_status pms_report_regress(pms_report_ctx *r, pms_err *err)
{
    const pms_table *t = r->main;
    dep_data d;
    memset(&d, 0, sizeof d);
    pms_status st = pms_table_numeric(t, r->measure, &d.pay, err);
    if (!st) st = pms_table_numeric(t, r->deprivation, &d.imd, err);
    if (st) return st;
    pms_err ignore;
    if ((st = pms_table_text(t, "ccg_code", &d.ccg, err))) return st;
    pms_table_text(t, "practice_code", &d.code, &ignore);
    pms_table_text(t, "practice_name", &d.name, &ignore);
    pms_table_text(t, "ccg_name", &d.ccgname, &ignore);
    d.nrows = t->nrows;

    if ((st = select_rows(r, &d, err))) goto done;
    st = fit_scope(d.imd, d.pay, d.all, d.nrows, r->ci_level, &d.nat, err);
    if (!st) st = fit_scope(d.imd, d.pay, d.loc, d.nrows, r->ci_level, &d.lf, err);
    if (st) goto done;
    if (!d.nat.ok) {
        st = pms_err_set(err, PMS_ETOOFEW, "too few practices with payments and %s to fit a line",
                         r->deprivation);
        goto done;
    }
    if ((st = fit_elasticity(r, &d, err))) goto done;
    st = regress_output(r, &d, err);
done:
    if (d.nat.ok) pms_reg_result_free(&d.nat.fit);
    if (d.lf.ok) pms_reg_result_free(&d.lf.fit);
    if (d.el.ok) pms_reg_result_free(&d.el.fit);
    free(d.all), free(d.loc);
    return st;
}
