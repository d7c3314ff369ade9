/* Report section: correlations of payments per weighted patient with
 * deprivation (main year) and with quality and experience (performance
 * year), nationally and per CCG, with adjusted p-values and verdicts. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/correlate.h"
#include "analysis/padjust.h"
#include "report/report.h"

#define SHEET "Correlations"
#define DELTA 0.1   /* smallest correlation that matters (equivalence margin) */
#define POWER 0.8
#define MIN_CCG 10  /* practices a CCG needs for its own correlation */

typedef struct {
    const char *label; /* what is correlated with payments per weighted patient */
    const char *year;
    pms_table *t;
    const char *col;
} pair_spec;

/* The complete pairs of x and y; counts what is missing. */
static size_t pairs(const double *x, const double *y, const unsigned char *keep, size_t n,
                    double *px, double *py, size_t *missing)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (keep && !keep[i]) continue;
        if (isnan(x[i]) || isnan(y[i])) {
            if (missing) (*missing)++;
            continue;
        }
        px[m] = x[i];
        py[m] = y[i];
        m++;
    }
    return m;
}

/* The locality's answer in plain words, the "absence of evidence" case
 * first (issue 14): a board reads this bullet before any other. */
static void say_answer(pms_report_ctx *r, const char *ln, pms_verdict vd, double rho, double lo,
                       double hi, size_t n, double md, double nat_rho)
{
    const char *loc = pms_report_locality(r);
    if (vd == PMS_VERDICT_SHOWN || vd == PMS_VERDICT_SHOWN_SMALL)
        pms_report_say(r, PMS_SAY_ANSWER,
                       "%s in %s: across its %zu practices, those with more deprived patients "
                       "receive %s payments per weighted patient (rank correlation %.2f, 95%% "
                       "interval %.2f to %.2f)%s.",
                       rho > 0 ? "Funding follows need" : "Funding runs against need", loc, n,
                       rho > 0 ? "higher" : "lower", rho, lo, hi,
                       vd == PMS_VERDICT_SHOWN_SMALL ? ", though the link is weak" : "");
    else if (vd == PMS_VERDICT_EQUIVALENT)
        pms_report_say(r, PMS_SAY_ANSWER,
                       "In %s payments per weighted patient have no link with deprivation large "
                       "enough to matter (rank correlation %.2f, 95%% interval %.2f to %.2f, "
                       "across %zu practices): funding neither follows nor runs against need.",
                       loc, rho, lo, hi, n);
    else if (nat_rho >= lo && nat_rho <= hi)
        /* The question that started the toolkit: a locality that "shows no
         * correlation" may simply be too small to see the national one. */
        pms_report_say(r, PMS_SAY_ANSWER,
                       "The data cannot tell. In %s payments per weighted patient show no clear "
                       "link with deprivation (rank correlation %.2f, 95%% interval %.2f to "
                       "%.2f), but its %zu practices could only reveal a link of %.2f or "
                       "stronger, and England's is %.2f, which lies inside that interval. So "
                       "%s's lack of a link is absence of evidence, not evidence of absence.",
                       loc, rho, lo, hi, n, md, nat_rho, ln);
    else
        pms_report_say(r, PMS_SAY_ANSWER,
                       "The data cannot tell. In %s payments per weighted patient show no clear "
                       "link with deprivation (rank correlation %.2f, 95%% interval %.2f to "
                       "%.2f): its %zu practices could only reveal a link of %.2f or stronger.",
                       loc, rho, lo, hi, n, md);
}

static void say_england(pms_report_ctx *r, pms_verdict vd, double rho, double lo, double hi)
{
    const char *how = vd == PMS_VERDICT_SHOWN_SMALL ? "slightly " : "";
    if (vd == PMS_VERDICT_SHOWN || vd == PMS_VERDICT_SHOWN_SMALL)
        pms_report_say(r, PMS_SAY_ENGLAND,
                       "Across England, practices with more deprived patients receive %s%s "
                       "payments per weighted patient (rank correlation %.2f, 95%% interval "
                       "%.2f to %.2f)%s.",
                       how, rho > 0 ? "higher" : "lower", rho, lo, hi,
                       vd == PMS_VERDICT_SHOWN_SMALL ? ": a real link, but too weak to matter" : "");
    else
        pms_report_say(r, PMS_SAY_ENGLAND,
                       "Across England, payments per weighted patient show %s link with "
                       "deprivation (rank correlation %.2f, 95%% interval %.2f to %.2f).",
                       vd == PMS_VERDICT_EQUIVALENT ? "no" : "no clear", rho, lo, hi);
}

/* The forest plot of the per-CCG Spearman correlations: each CCG's rho and
 * interval, sorted, England's rho as a line, the locality named. */
static pms_status forest(pms_report_ctx *r, const pms_corr_result *cr, const size_t *tested,
                         size_t ntested, const char **codes, const char **names, double nat_rho,
                         pms_err *err)
{
    double *est = malloc(ntested * sizeof *est), *lo = malloc(ntested * sizeof *lo),
           *hi = malloc(ntested * sizeof *hi);
    const char **lab = malloc(ntested * sizeof *lab);
    unsigned char *hl = malloc(ntested);
    char (*text)[200] = malloc(ntested * sizeof *text);
    pms_status st = PMS_OK;
    if (!est || !lo || !hi || !lab || !hl || !text) st = pms_err_set(err, PMS_ENOMEM, "out of memory");
    for (size_t j = 0; j < ntested && !st; j++) {
        const char *code = codes[tested[j]], *name = names[tested[j]];
        est[j] = cr[j].estimate, lo[j] = cr[j].ci_low, hi[j] = cr[j].ci_high;
        hl[j] = !strcmp(code, r->locality);
        snprintf(text[j], sizeof text[j], "%s%s%s%s", name ? name : code, name ? " (" : "",
                 name ? code : "", name ? ")" : "");
        lab[j] = text[j];
    }
    if (!st) {
        char title[200], ref[96];
        snprintf(title, sizeof title, "Each CCG: rank correlation of practice income with "
                                      "deprivation, 2014/15");
        snprintf(ref, sizeof ref, "England: rho %.2f", nat_rho);
        char xl[96];
        snprintf(xl, sizeof xl, "Spearman's rho with the IMD 2015 score (%.0f%% interval)",
                 100 * r->ci_level);
        pms_chart_info ci = pms_report_chart_info(r, "forest_ccg", title, xl,
                                                  "CCGs, lowest rho at the bottom");
        st = pms_chart_forest(&ci, lab, est, lo, hi, hl, ntested, nat_rho, ref, err);
    }
    if (!st)
        st = pms_report_add_chart(r, "forest_ccg", "per-CCG correlations (forest plot)", SHEET,
                                  1, 13, err);
    free(est), free(lo), free(hi), free(lab), free(hl), free(text);
    return st;
}

pms_status pms_report_correlate(pms_report_ctx *r, pms_err *err)
{
    pair_spec specs[3] = {{"deprivation (IMD 2015 score)", "2014/15", r->main, r->deprivation},
                          {"QOF points", "2018/19", r->perf, "qof_points"},
                          {"patients with a positive experience (%)", "2018/19", r->perf,
                           "patient_experience"}};
    size_t nspec = r->perf ? 3 : 1;
    static const pms_corr_method methods[2] = {PMS_CORR_SPEARMAN, PMS_CORR_PEARSON};
    double alpha = 1 - r->ci_level;
    pms_corr_opts o;
    pms_corr_opts_default(&o);
    o.ci_level = r->ci_level;

    pms_out *nat = pms_out_new("national", "England: payments per weighted patient against ...");
    pms_out *ccg = pms_out_new("by_ccg", "By CCG: Spearman's rho of payments per weighted patient "
                                         "and deprivation");
    if (!nat || !ccg) {
        pms_out_free(nat), pms_out_free(ccg);
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    int nc[12] = {pms_out_col(nat, "variable", PMS_OUT_TEXT, 0),
                  pms_out_col(nat, "year", PMS_OUT_TEXT, 0),
                  pms_out_col(nat, "method", PMS_OUT_TEXT, 0),
                  pms_out_col(nat, "n", PMS_OUT_INT, 0),
                  pms_out_col(nat, "excluded", PMS_OUT_INT, 0),
                  pms_out_col(nat, "estimate", PMS_OUT_REAL, 4),
                  pms_out_col(nat, "ci_low", PMS_OUT_REAL, 4),
                  pms_out_col(nat, "ci_high", PMS_OUT_REAL, 4),
                  pms_out_col(nat, "p_value", PMS_OUT_REAL, 6),
                  pms_out_col(nat, "p_holm", PMS_OUT_REAL, 6),
                  pms_out_col(nat, "tost_p", PMS_OUT_REAL, 6),
                  pms_out_col(nat, "verdict", PMS_OUT_TEXT, 0)};
    pms_status st = PMS_OK;
    size_t maxn = r->main->nrows;
    if (r->perf && r->perf->nrows > maxn) maxn = r->perf->nrows;
    double *px = malloc((maxn ? maxn : 1) * sizeof *px), *py = malloc((maxn ? maxn : 1) * sizeof *py);
    pms_corr_result res[6];
    size_t excl[6] = {0};
    double p[6], padj[6];
    size_t nres = 0;
    if (!px || !py) st = pms_err_set(err, PMS_ENOMEM, "out of memory");
    for (size_t s = 0; s < nspec && !st; s++) {
        const double *x, *y;
        if ((st = pms_table_numeric(specs[s].t, r->measure, &y, err)) ||
            (st = pms_table_numeric(specs[s].t, specs[s].col, &x, err)))
            break;
        size_t missing = 0;
        size_t m = pairs(x, y, NULL, specs[s].t->nrows, px, py, &missing);
        if (missing)
            pms_table_note(specs[s].t, "report_correlate_missing", missing,
                           "report (correlations): %zu practices excluded: payments per "
                           "weighted patient or %s missing", missing, specs[s].col);
        for (int k = 0; k < 2 && !st; k++) {
            o.method = methods[k];
            st = pms_corr_test(px, py, NULL, m, &o, &res[nres], err);
            excl[nres] = missing;
            p[nres] = res[nres].p_value;
            nres++;
        }
    }
    /* Holm over the national family (every variable and method). */
    if (!st && nres) st = pms_p_adjust(p, nres, PMS_ADJ_HOLM, padj, err);
    double nat_rho = NAN, nat_lo = NAN, nat_hi = NAN;
    pms_verdict nat_vd = PMS_VERDICT_NONE;
    char nat_verdict[256] = "";
    for (size_t k = 0; k < nres && !st; k++) {
        const pms_corr_result *c = &res[k];
        double tost = pms_corr_tost(c, DELTA);
        double md = pms_corr_min_detectable(c->method, c->n_eff, 0, alpha, POWER);
        char v[256];
        pms_verdict vd = pms_corr_verdict(padj[k], tost, alpha);
        pms_corr_verdict_text(vd, c, DELTA, md, POWER, alpha, "practices", v, sizeof v);
        const pair_spec *sp = &specs[k / 2];
        pms_out_row(nat);
        pms_out_set_text(nat, nc[0], sp->label);
        pms_out_set_text(nat, nc[1], sp->year);
        pms_out_set_text(nat, nc[2], pms_corr_method_name(c->method));
        pms_out_set_int(nat, nc[3], (long long)c->n);
        pms_out_set_int(nat, nc[4], (long long)excl[k]);
        pms_out_set_num(nat, nc[5], c->estimate);
        pms_out_set_num(nat, nc[6], c->ci_low);
        pms_out_set_num(nat, nc[7], c->ci_high);
        pms_out_set_num(nat, nc[8], c->p_value);
        pms_out_set_num(nat, nc[9], padj[k]);
        pms_out_set_num(nat, nc[10], tost);
        pms_out_set_text(nat, nc[11], v);
        if (k == 0) {
            nat_rho = c->estimate, nat_lo = c->ci_low, nat_hi = c->ci_high, nat_vd = vd;
            snprintf(nat_verdict, sizeof nat_verdict, "%s", v);
        }
    }
    pms_out_footnote(nat, "Spearman's rho (Bonett-Wright interval) and Pearson's r (Fisher z); "
                          "p two-sided as R's cor.test; Holm-adjusted over the %zu tests; TOST "
                          "equivalence against |correlation| >= %.1f.", nres, DELTA);

    /* Per CCG: Spearman with deprivation, BH across CCGs. */
    int cc[11] = {pms_out_col(ccg, "ccg_code", PMS_OUT_TEXT, 0),
                  pms_out_col(ccg, "ccg_name", PMS_OUT_TEXT, 0),
                  pms_out_col(ccg, "n", PMS_OUT_INT, 0),
                  pms_out_col(ccg, "rho", PMS_OUT_REAL, 4),
                  pms_out_col(ccg, "ci_low", PMS_OUT_REAL, 4),
                  pms_out_col(ccg, "ci_high", PMS_OUT_REAL, 4),
                  pms_out_col(ccg, "p_value", PMS_OUT_REAL, 6),
                  pms_out_col(ccg, "p_bh", PMS_OUT_REAL, 6),
                  pms_out_col(ccg, "verdict", PMS_OUT_TEXT, 0),
                  pms_out_col(ccg, "is_locality", PMS_OUT_BOOL, 0),
                  pms_out_col(ccg, "min_detectable", PMS_OUT_REAL, 3)};
    const char *const *code = NULL, *const *cname = NULL;
    const double *x = NULL, *y = NULL;
    pms_err ignore;
    if (!st) st = pms_table_text(r->main, "ccg_code", &code, err);
    if (!st) st = pms_table_numeric(r->main, r->measure, &y, err);
    if (!st) st = pms_table_numeric(r->main, r->deprivation, &x, err);
    if (!st) pms_table_text(r->main, "ccg_name", &cname, &ignore);
    size_t n = r->main->nrows;
    /* CCG codes in first-seen order: the list of distinct codes is small. */
    const char **codes = calloc(n ? n : 1, sizeof *codes), **names = calloc(n ? n : 1, sizeof *names);
    unsigned char *keep = malloc(n ? n : 1);
    pms_corr_result *cr = calloc(n ? n : 1, sizeof *cr);
    double *cp = malloc((n ? n : 1) * sizeof *cp), *cpa = malloc((n ? n : 1) * sizeof *cpa);
    size_t ncodes = 0, ntested = 0, small = 0;
    if (!st && (!codes || !names || !keep || !cr || !cp || !cpa))
        st = pms_err_set(err, PMS_ENOMEM, "out of memory");
    for (size_t i = 0; i < n && !st; i++) {
        if (!code[i]) continue;
        size_t k = 0;
        while (k < ncodes && strcmp(codes[k], code[i])) k++;
        if (k == ncodes) {
            codes[ncodes] = code[i];
            names[ncodes++] = cname ? cname[i] : NULL;
        }
    }
    size_t *tested = malloc((ncodes ? ncodes : 1) * sizeof *tested);
    if (!st && !tested) st = pms_err_set(err, PMS_ENOMEM, "out of memory");
    for (size_t k = 0; k < ncodes && !st; k++) {
        for (size_t i = 0; i < n; i++) keep[i] = code[i] && !strcmp(code[i], codes[k]);
        size_t m = pairs(x, y, keep, n, px, py, NULL);
        if (m < MIN_CCG) {
            small++;
            continue;
        }
        o.method = PMS_CORR_SPEARMAN;
        pms_err e2;
        if (pms_corr_test(px, py, NULL, m, &o, &cr[ntested], &e2)) {
            small++; /* constant within the CCG: no correlation to estimate */
            continue;
        }
        cp[ntested] = cr[ntested].p_value;
        tested[ntested++] = k;
    }
    if (!st && ntested) st = pms_p_adjust(cp, ntested, PMS_ADJ_BH, cpa, err);
    size_t shown_pos = 0, shown_neg = 0;
    int loc_done = 0;
    double loc_rho = NAN, loc_lo = NAN, loc_hi = NAN;
    char loc_verdict[256] = "";
    size_t loc_n = 0;
    pms_verdict loc_vd = PMS_VERDICT_NONE;
    double loc_md = NAN;
    const char *loc_name = NULL;
    for (size_t j = 0; j < ntested && !st; j++) {
        const pms_corr_result *c = &cr[j];
        double md = pms_corr_min_detectable(c->method, c->n_eff, 0, alpha, POWER);
        pms_verdict vd = pms_corr_verdict(cpa[j], NAN, alpha);
        char v[256];
        pms_corr_verdict_text(vd, c, DELTA, md, POWER, alpha, "practices", v, sizeof v);
        if (vd == PMS_VERDICT_SHOWN || vd == PMS_VERDICT_SHOWN_SMALL)
            c->estimate > 0 ? shown_pos++ : shown_neg++;
        int is_loc = !strcmp(codes[tested[j]], r->locality);
        pms_out_row(ccg);
        pms_out_set_text(ccg, cc[0], codes[tested[j]]);
        pms_out_set_text(ccg, cc[1], names[tested[j]]);
        pms_out_set_int(ccg, cc[2], (long long)c->n);
        pms_out_set_num(ccg, cc[3], c->estimate);
        pms_out_set_num(ccg, cc[4], c->ci_low);
        pms_out_set_num(ccg, cc[5], c->ci_high);
        pms_out_set_num(ccg, cc[6], c->p_value);
        pms_out_set_num(ccg, cc[7], cpa[j]);
        pms_out_set_text(ccg, cc[8], v);
        pms_out_set_bool(ccg, cc[9], is_loc);
        pms_out_set_num(ccg, cc[10], md);
        if (is_loc) {
            loc_done = 1;
            loc_name = names[tested[j]];
            loc_rho = c->estimate, loc_lo = c->ci_low, loc_hi = c->ci_high, loc_n = c->n;
            loc_vd = vd, loc_md = md;
            snprintf(loc_verdict, sizeof loc_verdict, "%s", v);
        }
    }
    if (!st && r->charts_on && ntested) st = forest(r, cr, tested, ntested, codes, names, nat_rho, err);
    pms_out_footnote(ccg, "CCGs with fewer than %d practices with both values (or a constant "
                          "column) are not tested: %zu. p adjusted over the %zu CCGs tested by "
                          "Benjamini-Hochberg.", MIN_CCG, small, ntested);
    pms_out *tabs[2] = {nat, ccg};
    if (!st) st = pms_report_add_tables(r, SHEET, tabs, 2, NULL, err);
    if (!st && nres) {
        const char *ln = loc_name ? loc_name : r->locality;
        if (loc_done)
            say_answer(r, ln, loc_vd, loc_rho, loc_lo, loc_hi, loc_n, loc_md, nat_rho);
        else
            pms_report_say(r, PMS_SAY_ANSWER,
                           "The data cannot tell: %s has fewer than %d practices with both "
                           "payments and a deprivation score, too few to look for a link.",
                           pms_report_locality(r), MIN_CCG);
        say_england(r, nat_vd, nat_rho, nat_lo, nat_hi);
        if (nres > 2)
            pms_report_say(r, PMS_SAY_ENGLAND,
                           "In 2018/19 the rank correlation of payments per weighted patient "
                           "with QOF points was %.2f and with patient experience %.2f.",
                           res[2].estimate, nres > 4 ? res[4].estimate : NAN);
        pms_report_say(r, PMS_SAY_ENGLAND,
                       "Taking each of the %zu CCGs with enough practices on its own, %zu show "
                       "a clear positive link with deprivation and %zu a clear negative one "
                       "(allowing for testing so many at once).",
                       ntested, shown_pos, shown_neg);
        pms_report_say(r, PMS_SAY_DETAIL,
                       "Spearman's rho with deprivation: England %.3f (%.0f%% interval %.3f to "
                       "%.3f, Holm-adjusted): %s; %s (%s, %zu practices) %.3f (%.3f to %.3f, "
                       "Benjamini-Hochberg-adjusted over %zu CCGs): %s.",
                       nat_rho, 100 * r->ci_level, nat_lo, nat_hi, nat_verdict, ln, r->locality,
                       loc_n, loc_rho, loc_lo, loc_hi, ntested,
                       loc_done ? loc_verdict : "not tested");
        pms_report_method(r, "Correlations: Spearman's rho (Pearson r of mid-ranks; interval "
                             "tanh(atanh(rho) +/- z sqrt((1 + rho^2/2)/(n - 3))), Bonett & Wright "
                             "2000) and Pearson's r (Fisher z interval); p-values as R's cor.test; "
                             "national p Holm-adjusted, per-CCG p Benjamini-Hochberg-adjusted "
                             "(R p.adjust); verdict: shown if adjusted p < %.2f, no correlation "
                             "as large as %.1f if the TOST p < %.2f, else inconclusive with the "
                             "smallest correlation detectable at %.0f%% power. Excluded: "
                             "practices missing either value; CCGs with fewer than %d practices.",
                         alpha, DELTA, alpha, 100 * POWER, MIN_CCG);
    }
    free(tested);
    free(codes), free(names), free(keep), free(cr), free(cp), free(cpa);
    free(px), free(py);
    pms_out_free(nat), pms_out_free(ccg);
    return st;
}
