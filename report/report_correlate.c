/* Report section: correlations of payments per weighted patient with
 * deprivation (main year) and with quality and experience (performance
 * year), nationally and per CCG, with adjusted p-values and verdicts. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/correlate.h"
#include "analysis/padjust.h"
#include "io/cases.h"
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

/* The complete pairs of x and y (the selection step, io/cases.h), grouped by
 * CCG in the order first seen (min_ccg > 0) or not at all.  Every practice is
 * considered: the practice rules were applied when the data was loaded. */
static pms_status pairs(const pms_table *t, const char *x, const char *y, size_t min_ccg,
                        pms_cases *out, pms_err *err)
{
    pms_case_col cols[2] = {{x, NULL, "x", 0, PMS_CASE_NUMBER}, {y, NULL, "y", 0, PMS_CASE_NUMBER}};
    pms_cases_spec sp;
    pms_cases_spec_default(&sp);
    sp.cols = cols;
    sp.ncols = 2;
    if (min_ccg) {
        sp.group = "ccg_code";
        sp.label = "ccg_name";
        sp.order = PMS_GROUPS_FIRST_SEEN;
        sp.min_cases = min_ccg;
    }
    return pms_cases_select(t, &sp, out, err);
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
                         size_t ntested, const char *const *codes, const char *const *names,
                         double nat_rho, pms_err *err)
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

/* The national family: Spearman and Pearson of each variable with payments
 * per weighted patient, Holm-adjusted together. */
typedef struct {
    pms_corr_result res[6];
    size_t excl[6];
    double p[6], padj[6];
    size_t nres;
    double rho, lo, hi;   /* Spearman with deprivation */
    pms_verdict vd;
    char verdict[256];
} nat_part;

/* The per-CCG Spearman correlations with deprivation, BH-adjusted. */
typedef struct {
    pms_cases cs;               /* complete pairs grouped by CCG */
    pms_corr_result *cr;        /* ntested */
    double *cp, *cpa;
    size_t *tested;             /* group ids of the CCGs tested */
    size_t ntested, small;
    size_t shown_pos, shown_neg;
    int loc_done;
    double loc_rho, loc_lo, loc_hi, loc_md;
    size_t loc_n;
    pms_verdict loc_vd;
    char loc_verdict[256];
    const char *loc_name;
} ccg_part;

static void ccg_part_free(ccg_part *C)
{
    pms_cases_free(&C->cs);
    free(C->cr), free(C->cp), free(C->cpa), free(C->tested);
}

static pms_status national_tests(pms_report_ctx *r, const pair_spec *specs, size_t nspec,
                                 nat_part *N, pms_err *err)
{
    pms_corr_opts o;
    pms_corr_opts_default(&o);
    o.ci_level = r->ci_level;
    static const pms_corr_method methods[2] = {PMS_CORR_SPEARMAN, PMS_CORR_PEARSON};
    pms_status st = PMS_OK;
    for (size_t s = 0; s < nspec && !st; s++) {
        pms_cases cs;
        /* payments first: its absence is the error a reader expects */
        if ((st = pairs(specs[s].t, r->measure, specs[s].col, 0, &cs, err))) break;
        size_t missing = cs.excluded;
        if (missing)
            pms_table_note(specs[s].t, "report_correlate_missing", missing,
                           "report (correlations): %zu practices excluded: payments per "
                           "weighted patient or %s missing", missing, specs[s].col);
        for (int k = 0; k < 2 && !st; k++) {
            o.method = methods[k];
            st = pms_corr_test(cs.col[1], cs.col[0], NULL, cs.n, &o, &N->res[N->nres], err);
            N->excl[N->nres] = missing;
            N->p[N->nres] = N->res[N->nres].p_value;
            N->nres++;
        }
        pms_cases_free(&cs);
    }
    /* Holm over the national family (every variable and method). */
    if (!st && N->nres) st = pms_p_adjust(N->p, N->nres, PMS_ADJ_HOLM, N->padj, err);
    return st;
}

static void national_table(pms_report_ctx *r, pms_out *nat, const pair_spec *specs, nat_part *N)
{
    double alpha = 1 - r->ci_level;
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
    N->rho = N->lo = N->hi = NAN;
    N->vd = PMS_VERDICT_NONE;
    for (size_t k = 0; k < N->nres; k++) {
        const pms_corr_result *c = &N->res[k];
        double tost = pms_corr_tost(c, DELTA);
        double md = pms_corr_min_detectable(c->method, c->n_eff, 0, alpha, POWER);
        char v[256];
        pms_verdict vd = pms_corr_verdict(N->padj[k], tost, alpha);
        pms_corr_verdict_text(vd, c, DELTA, md, POWER, alpha, "practices", v, sizeof v);
        const pair_spec *sp = &specs[k / 2];
        pms_out_row(nat);
        pms_out_set_text(nat, nc[0], sp->label);
        pms_out_set_text(nat, nc[1], sp->year);
        pms_out_set_text(nat, nc[2], pms_corr_method_name(c->method));
        pms_out_set_int(nat, nc[3], (long long)c->n);
        pms_out_set_int(nat, nc[4], (long long)N->excl[k]);
        pms_out_set_num(nat, nc[5], c->estimate);
        pms_out_set_num(nat, nc[6], c->ci_low);
        pms_out_set_num(nat, nc[7], c->ci_high);
        pms_out_set_num(nat, nc[8], c->p_value);
        pms_out_set_num(nat, nc[9], N->padj[k]);
        pms_out_set_num(nat, nc[10], tost);
        pms_out_set_text(nat, nc[11], v);
        if (k == 0) {
            N->rho = c->estimate, N->lo = c->ci_low, N->hi = c->ci_high, N->vd = vd;
            snprintf(N->verdict, sizeof N->verdict, "%s", v);
        }
    }
    pms_out_footnote(nat, "Spearman's rho (Bonett-Wright interval) and Pearson's r (Fisher z); "
                          "p two-sided as R's cor.test; Holm-adjusted over the %zu tests; TOST "
                          "equivalence against |correlation| >= %.1f.", N->nres, DELTA);
}

/* Spearman per CCG with enough practices (MIN_CCG) and no constant column. */
static pms_status ccg_tests(pms_report_ctx *r, ccg_part *C, pms_err *err)
{
    pms_status st = pairs(r->main, r->deprivation, r->measure, MIN_CCG, &C->cs, err);
    if (st) return st;
    size_t ng = C->cs.ngroups ? C->cs.ngroups : 1, cap = C->cs.n ? C->cs.n : 1;
    C->cr = calloc(ng, sizeof *C->cr);
    C->cp = malloc(ng * sizeof *C->cp);
    C->cpa = malloc(ng * sizeof *C->cpa);
    C->tested = malloc(ng * sizeof *C->tested);
    double *px = malloc(cap * sizeof *px), *py = malloc(cap * sizeof *py);
    if (!C->cr || !C->cp || !C->cpa || !C->tested || !px || !py)
        st = pms_err_set(err, PMS_ENOMEM, "out of memory");
    pms_corr_opts o;
    pms_corr_opts_default(&o);
    o.ci_level = r->ci_level;
    o.method = PMS_CORR_SPEARMAN;
    for (size_t k = 0; k < C->cs.ngroups && !st; k++) {
        if (C->cs.too_few[k]) {
            C->small++;
            continue;
        }
        size_t m = pms_cases_gather(&C->cs, 0, k, px, 1);
        pms_cases_gather(&C->cs, 1, k, py, 1);
        pms_err e2;
        if (pms_corr_test(px, py, NULL, m, &o, &C->cr[C->ntested], &e2)) {
            C->small++; /* constant within the CCG: no correlation to estimate */
            continue;
        }
        C->cp[C->ntested] = C->cr[C->ntested].p_value;
        C->tested[C->ntested++] = k;
    }
    free(px), free(py);
    if (!st && C->ntested) st = pms_p_adjust(C->cp, C->ntested, PMS_ADJ_BH, C->cpa, err);
    return st;
}

static void ccg_table(pms_report_ctx *r, pms_out *ccg, ccg_part *C)
{
    double alpha = 1 - r->ci_level;
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
    C->loc_rho = C->loc_lo = C->loc_hi = C->loc_md = NAN;
    C->loc_vd = PMS_VERDICT_NONE;
    for (size_t j = 0; j < C->ntested; j++) {
        const pms_corr_result *c = &C->cr[j];
        const char *code = C->cs.group_name[C->tested[j]], *name = C->cs.group_label[C->tested[j]];
        double md = pms_corr_min_detectable(c->method, c->n_eff, 0, alpha, POWER);
        pms_verdict vd = pms_corr_verdict(C->cpa[j], NAN, alpha);
        char v[256];
        pms_corr_verdict_text(vd, c, DELTA, md, POWER, alpha, "practices", v, sizeof v);
        if (vd == PMS_VERDICT_SHOWN || vd == PMS_VERDICT_SHOWN_SMALL)
            c->estimate > 0 ? C->shown_pos++ : C->shown_neg++;
        int is_loc = !strcmp(code, r->locality);
        pms_out_row(ccg);
        pms_out_set_text(ccg, cc[0], code);
        pms_out_set_text(ccg, cc[1], name);
        pms_out_set_int(ccg, cc[2], (long long)c->n);
        pms_out_set_num(ccg, cc[3], c->estimate);
        pms_out_set_num(ccg, cc[4], c->ci_low);
        pms_out_set_num(ccg, cc[5], c->ci_high);
        pms_out_set_num(ccg, cc[6], c->p_value);
        pms_out_set_num(ccg, cc[7], C->cpa[j]);
        pms_out_set_text(ccg, cc[8], v);
        pms_out_set_bool(ccg, cc[9], is_loc);
        pms_out_set_num(ccg, cc[10], md);
        if (is_loc) {
            C->loc_done = 1;
            C->loc_name = name;
            C->loc_rho = c->estimate, C->loc_lo = c->ci_low, C->loc_hi = c->ci_high, C->loc_n = c->n;
            C->loc_vd = vd, C->loc_md = md;
            snprintf(C->loc_verdict, sizeof C->loc_verdict, "%s", v);
        }
    }
    pms_out_footnote(ccg, "CCGs with fewer than %d practices with both values (or a constant "
                          "column) are not tested: %zu. p adjusted over the %zu CCGs tested by "
                          "Benjamini-Hochberg.", MIN_CCG, C->small, C->ntested);
}

static void say_all(pms_report_ctx *r, const nat_part *N, const ccg_part *C)
{
    double alpha = 1 - r->ci_level;
    const char *ln = C->loc_name ? C->loc_name : r->locality;
    if (C->loc_done)
        say_answer(r, ln, C->loc_vd, C->loc_rho, C->loc_lo, C->loc_hi, C->loc_n, C->loc_md, N->rho);
    else
        pms_report_say(r, PMS_SAY_ANSWER,
                       "The data cannot tell: %s has fewer than %d practices with both "
                       "payments and a deprivation score, too few to look for a link.",
                       pms_report_locality(r), MIN_CCG);
    say_england(r, N->vd, N->rho, N->lo, N->hi);
    if (N->nres > 2)
        pms_report_say(r, PMS_SAY_ENGLAND,
                       "In 2018/19 the rank correlation of payments per weighted patient "
                       "with QOF points was %.2f and with patient experience %.2f.",
                       N->res[2].estimate, N->nres > 4 ? N->res[4].estimate : NAN);
    pms_report_say(r, PMS_SAY_ENGLAND,
                   "Taking each of the %zu CCGs with enough practices on its own, %zu show "
                   "a clear positive link with deprivation and %zu a clear negative one "
                   "(allowing for testing so many at once).",
                   C->ntested, C->shown_pos, C->shown_neg);
    pms_report_say(r, PMS_SAY_DETAIL,
                   "Spearman's rho with deprivation: England %.3f (%.0f%% interval %.3f to "
                   "%.3f, Holm-adjusted): %s; %s (%s, %zu practices) %.3f (%.3f to %.3f, "
                   "Benjamini-Hochberg-adjusted over %zu CCGs): %s.",
                   N->rho, 100 * r->ci_level, N->lo, N->hi, N->verdict, ln, r->locality,
                   C->loc_n, C->loc_rho, C->loc_lo, C->loc_hi, C->ntested,
                   C->loc_done ? C->loc_verdict : "not tested");
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

pms_status pms_report_correlate(pms_report_ctx *r, pms_err *err)
{
    pair_spec specs[3] = {{"deprivation (IMD 2015 score)", "2014/15", r->main, r->deprivation},
                          {"QOF points", "2018/19", r->perf, "qof_points"},
                          {"patients with a positive experience (%)", "2018/19", r->perf,
                           "patient_experience"}};
    size_t nspec = r->perf ? 3 : 1;
    pms_out *nat = pms_out_new("national", "England: payments per weighted patient against ...");
    pms_out *ccg = pms_out_new("by_ccg", "By CCG: Spearman's rho of payments per weighted patient "
                                         "and deprivation");
    if (!nat || !ccg) {
        pms_out_free(nat), pms_out_free(ccg);
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    nat_part N;
    ccg_part C;
    memset(&N, 0, sizeof N);
    memset(&C, 0, sizeof C);
    pms_status st = national_tests(r, specs, nspec, &N, err);
    if (!st) national_table(r, nat, specs, &N);
    if (!st) st = ccg_tests(r, &C, err);
    if (!st) ccg_table(r, ccg, &C);
    if (!st && r->charts_on && C.ntested)
        st = forest(r, C.cr, C.tested, C.ntested, C.cs.group_name, C.cs.group_label, N.rho, err);
    pms_out *tabs[2] = {nat, ccg};
    if (!st) st = pms_report_add_tables(r, SHEET, tabs, 2, NULL, err);
    if (!st && N.nres) say_all(r, &N, &C);
    ccg_part_free(&C);
    pms_out_free(nat), pms_out_free(ccg);
    return st;
}
