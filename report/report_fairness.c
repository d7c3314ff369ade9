/* Report section: how evenly payments per weighted patient are spread:
 * Gini, Theil T split into between- and within-CCG parts, the concentration
 * index against deprivation, per-CCG rows and the Lorenz curves. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/concentration.h"
#include "analysis/fairness.h"
#include "analysis/inequality.h"
#include "io/cases.h"
#include "io/utf8.h"
#include "report/report.h"

#define SHEET "Fairness"

/* The sample: positive payments per weighted patient, positive weighted
 * patients and a CCG (the selection step, io/cases.h).  Theil needs x > 0;
 * the same practices are used for every measure; the concentration index
 * also leaves out those without a deprivation score. */
typedef struct {
    pms_cases cs;
    const double *x, *wx, *rk, *am; /* payments per weighted patient, weights, IMD, amounts */
    size_t m, nmiss, nonpos, nimd;
    double *sx, *sw, *ix;           /* the cases with an IMD score; then scratch per CCG */
    double *la, *lw;                /* the locality's amounts and weights */
    size_t nloc;
} fair_sample;

static void fair_sample_free(fair_sample *S)
{
    pms_cases_free(&S->cs);
    free(S->sx), free(S->sw), free(S->ix), free(S->la), free(S->lw);
}

static pms_status fair_select(pms_report_ctx *r, fair_sample *S, pms_err *err)
{
    pms_case_col cols[4] = {{r->measure_den, NULL, "weight", 0, PMS_CASE_POSITIVE},
                            {r->measure, NULL, "value", 0, PMS_CASE_POSITIVE},
                            {r->deprivation, NULL, "rank", 0, PMS_CASE_OPTIONAL},
                            {r->measure_num, NULL, "amount", 0, PMS_CASE_OPTIONAL}};
    pms_cases_spec sp;
    pms_cases_spec_default(&sp);
    sp.cols = cols;
    sp.ncols = 4;
    sp.group = "ccg_code";
    sp.label = "ccg_name";
    sp.order = PMS_GROUPS_FIRST_SEEN;
    sp.group_first = 1;
    sp.groups_of_cases = 1;
    pms_status st = pms_cases_select(r->main, &sp, &S->cs, err);
    if (st) return st;
    const pms_cases *c = &S->cs;
    S->m = c->n;
    S->wx = c->col[0], S->x = c->col[1], S->rk = c->col[2], S->am = c->col[3];
    S->nmiss = c->no_group + c->missing[0] + c->nonpositive[0] + c->missing[1];
    S->nonpos = c->nonpositive[1];
    size_t cap = S->m ? S->m : 1;
    S->sx = malloc(cap * sizeof *S->sx), S->sw = malloc(cap * sizeof *S->sw);
    S->ix = malloc(cap * sizeof *S->ix), S->la = malloc(cap * sizeof *S->la);
    S->lw = malloc(cap * sizeof *S->lw);
    if (!S->sx || !S->sw || !S->ix || !S->la || !S->lw) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    for (size_t i = 0; i < S->m; i++) {
        if (!strcmp(c->group_name[c->group[i]], r->locality)) {
            S->la[S->nloc] = S->am[i];
            S->lw[S->nloc++] = S->wx[i];
        }
        if (!isnan(S->rk[i])) {
            S->sx[S->nimd] = S->x[i];
            S->sw[S->nimd] = S->wx[i];
            S->ix[S->nimd++] = S->rk[i];
        }
    }
    if (S->nmiss)
        pms_table_note(r->main, "report_fairness_missing", S->nmiss,
                       "report (fairness): %zu practices excluded: no weighted patients, "
                       "payments or CCG", S->nmiss);
    if (S->nonpos)
        pms_table_note(r->main, "report_fairness_nonpositive", S->nonpos,
                       "report (fairness): %zu practices excluded: payments per weighted "
                       "patient <= 0 (Theil T needs positive amounts)", S->nonpos);
    return PMS_OK;
}

/* The national measures and their bootstrap intervals. */
typedef struct {
    double gini, conc;
    pms_ineq_decomp th;
    pms_fair_boot_result bo;
    int have_boot;
} fair_national;

static pms_status fair_measures(pms_report_ctx *r, const fair_sample *S, fair_national *F,
                                pms_err *err)
{
    const pms_cases *c = &S->cs;
    pms_status st;
    if ((st = pms_ineq_gini(S->x, S->wx, S->m, &F->gini, err)) ||
        (st = pms_ineq_theil_t(S->x, S->wx, c->group, c->ngroups, S->m, &F->th, err)) ||
        (st = pms_conc_index(S->sx, S->sw, S->ix, S->nimd, PMS_RANK_DESCENDING, &F->conc, err)))
        return st;
    /* Bootstrap (BCa) intervals: [report] bootstrap resamples of practices,
     * seeded by [report] seed; the same for any --threads. */
    if (r->bootstrap >= 2) {
        pms_fair_boot_opts bopt = {r->bootstrap, r->seed, r->common.threads, r->ci_level, S->rk,
                                   PMS_RANK_DESCENDING, NULL, NULL};
        if ((st = pms_fair_bootstrap(S->x, S->wx, S->m, &bopt, &F->bo, err))) return st;
        F->have_boot = 1;
    }
    return PMS_OK;
}

static void summary_table(pms_report_ctx *r, pms_out *sum, const fair_sample *S,
                          const fair_national *F)
{
    int s0 = pms_out_col(sum, "measure", PMS_OUT_TEXT, 0),
        s1 = pms_out_col(sum, "value", PMS_OUT_REAL, 4),
        s2 = pms_out_col(sum, "share_of_total", PMS_OUT_PCT, 1),
        s3 = pms_out_col(sum, "practices", PMS_OUT_INT, 0),
        s4 = pms_out_col(sum, "bca_low", PMS_OUT_REAL, 4),
        s5 = pms_out_col(sum, "bca_high", PMS_OUT_REAL, 4);
    const pms_ineq_decomp *th = &F->th;
    struct {
        const char *name;
        double v, share;
        size_t n;
    } rows[5] = {{"Gini", F->gini, NAN, S->m},
                 {"Theil T", th->total, 1, S->m},
                 {"Theil T: between CCGs", th->between, th->between / th->total, S->m},
                 {"Theil T: within CCGs", th->within, th->within / th->total, S->m},
                 {"Concentration index against IMD (most deprived first)", F->conc, NAN, S->nimd}};
    for (int k = 0; k < 5; k++) {
        pms_out_row(sum);
        pms_out_set_text(sum, s0, rows[k].name);
        pms_out_set_num(sum, s1, rows[k].v);
        pms_out_set_num(sum, s2, rows[k].share);
        pms_out_set_int(sum, s3, (long long)rows[k].n);
        const pms_boot_ci *bc = k == 0 ? &F->bo.gini : k == 1 ? &F->bo.theil_t : k == 4 ? &F->bo.conc : NULL;
        if (F->have_boot && bc && pms_boot_bca_why(bc)) {
            pms_out_set_not_computed(sum, s4, pms_boot_bca_why(bc));
            pms_out_set_not_computed(sum, s5, pms_boot_bca_why(bc));
        } else if (F->have_boot && bc && bc->replicates) {
            pms_out_set_num(sum, s4, bc->bca_low);
            pms_out_set_num(sum, s5, bc->bca_high);
        }
    }
    if (F->have_boot)
        pms_out_footnote(sum, "BCa %.0f%% intervals from %lu bootstrap resamples of practices "
                              "(seed %lu).",
                         100 * r->ci_level, r->bootstrap, r->seed);
    pms_out_footnote(sum, "Excluded: %zu practices without weighted patients, payments or CCG; "
                          "%zu with payments per weighted patient <= 0; the concentration index "
                          "also leaves out %zu without %s.",
                     S->nmiss, S->nonpos, S->m - S->nimd, r->deprivation);
    pms_out_footnote(sum, "Concentration index < 0: payments per weighted patient are higher in "
                          "the more deprived practices.");
}

/* One row per CCG; returns the locality's Gini (NaN if it has no row). */
static double ccg_table(pms_report_ctx *r, pms_out *per, fair_sample *S)
{
    const pms_cases *c = &S->cs;
    pms_err ignore;
    int p0 = pms_out_col(per, "ccg_code", PMS_OUT_TEXT, 0),
        p1 = pms_out_col(per, "ccg_name", PMS_OUT_TEXT, 0),
        p2 = pms_out_col(per, "practices", PMS_OUT_INT, 0),
        p3 = pms_out_col(per, r->measure, PMS_OUT_MONEY, 2),
        p4 = pms_out_col(per, "gini", PMS_OUT_REAL, 4),
        p5 = pms_out_col(per, "theil_t", PMS_OUT_REAL, 4),
        p6 = pms_out_col(per, "share_of_payments", PMS_OUT_PCT, 2),
        p7 = pms_out_col(per, "contribution_to_within", PMS_OUT_REAL, 5),
        p8 = pms_out_col(per, "is_locality", PMS_OUT_BOOL, 0);
    double total_amount = 0;
    for (size_t i = 0; i < S->m; i++) total_amount += S->x[i] * S->wx[i];
    double loc_gini = NAN;
    for (size_t g = 0; g < c->ngroups; g++) {
        size_t k = pms_cases_gather(c, 1, g, S->sx, 1);
        pms_cases_gather(c, 0, g, S->sw, 1);
        double a = 0, ww = 0;
        for (size_t i = 0; i < k; i++) {
            a += S->sx[i] * S->sw[i];
            ww += S->sw[i];
        }
        double gg = NAN;
        pms_ineq_decomp tg = {NAN, NAN, NAN};
        pms_ineq_gini(S->sx, S->sw, k, &gg, &ignore);
        pms_ineq_theil_t(S->sx, S->sw, NULL, 1, k, &tg, &ignore);
        int is_loc = !strcmp(c->group_name[g], r->locality);
        if (is_loc) loc_gini = gg;
        pms_out_row(per);
        pms_out_set_text(per, p0, c->group_name[g]);
        pms_out_set_text(per, p1, c->group_label[g]);
        pms_out_set_int(per, p2, (long long)k);
        pms_out_set_num(per, p3, a / ww);
        pms_out_set_num(per, p4, gg);
        pms_out_set_num(per, p5, tg.total);
        pms_out_set_num(per, p6, a / total_amount);
        pms_out_set_num(per, p7, a / total_amount * tg.total);
        pms_out_set_bool(per, p8, is_loc);
    }
    pms_out_footnote(per, "contribution_to_within = share_of_payments x theil_t; these sum to "
                          "the within-CCG part.");
    return loc_gini;
}

/* Lorenz curves of England and (with at least 2 practices) the locality. */
static pms_status lorenz_chart(pms_report_ctx *r, const fair_sample *S, pms_err *err)
{
    pms_err ignore;
    double *cx[2] = {NULL, NULL}, *cy[2] = {NULL, NULL};
    size_t cm[2] = {0, 0};
    pms_chart_curve curves[2];
    size_t nc = 0;
    pms_status st = pms_chart_lorenz_points(S->am, S->wx, S->m, &cx[0], &cy[0], &cm[0], err);
    if (!st) curves[nc++] = (pms_chart_curve){"England", cx[0], cy[0], cm[0], 0};
    char lname[160];
    pms_utf8_copy(lname, sizeof lname, r->locality, sizeof lname);
    size_t g = pms_cases_group_id(&S->cs, r->locality);
    if (g != PMS_NO_GROUP && S->cs.group_label[g])
        pms_utf8_copy(lname, sizeof lname, S->cs.group_label[g], sizeof lname);
    if (!st && S->nloc >= 2 &&
        !pms_chart_lorenz_points(S->la, S->lw, S->nloc, &cx[1], &cy[1], &cm[1], &ignore))
        curves[nc++] = (pms_chart_curve){lname, cx[1], cy[1], cm[1], 0};
    if (!st) {
        pms_chart_info ci = pms_report_chart_info(
            r, "lorenz", "Lorenz curve: payments against weighted patients, 2014/15",
            "Cumulative share of weighted patients (lowest paid practices first)",
            "Cumulative share of payments");
        st = pms_chart_lorenz(&ci, curves, nc, err);
    }
    if (!st) st = pms_report_add_chart(r, "lorenz", "Lorenz curves", SHEET, 1, 11, err);
    for (int k = 0; k < 2; k++) free(cx[k]), free(cy[k]);
    return st;
}

static void say_fairness(pms_report_ctx *r, const fair_sample *S, const fair_national *F,
                         double loc_gini)
{
    char gci[320] = "";
    const char *why = F->have_boot ? pms_boot_bca_why(&F->bo.gini) : NULL;
    double gini = F->gini, conc = F->conc;
    /* never "nan to nan": an interval that cannot be computed says why */
    if (why)
        snprintf(gci, sizeof gci, ", %.0f%% interval not computed (%s)", 100 * r->ci_level, why);
    else if (F->have_boot)
        snprintf(gci, sizeof gci, ", %.0f%% interval %.3f to %.3f", 100 * r->ci_level,
                 F->bo.gini.bca_low, F->bo.gini.bca_high);
    pms_report_say(r, PMS_SAY_ENGLAND,
                   "Across England's practices payments per weighted patient have a Gini "
                   "coefficient of %.3f%s (each practice weighted by its patients; 0 = all "
                   "equal).", gini, gci);
    pms_report_say(r, PMS_SAY_DETAIL,
                   "Gini over %s practices. Theil's index is %.4f, of which %.0f%% lies "
                   "between CCGs and %.0f%% within them.",
                   pms_report_count((char[32]){0}, 32, S->m), F->th.total,
                   100 * F->th.between / F->th.total, 100 * F->th.within / F->th.total);
    if (!isnan(loc_gini))
        pms_report_say(r, PMS_SAY_ANSWER,
                       "Payments per weighted patient are %s evenly spread among %s's "
                       "practices than across England (Gini coefficient %.3f against %.3f).",
                       loc_gini <= gini ? "more" : "less", pms_report_locality(r), loc_gini,
                       gini);
    pms_report_say(r, PMS_SAY_ENGLAND,
                   "The concentration index of payments per weighted patient against "
                   "deprivation is %.4f (%s: %s).",
                   conc, conc < 0 ? "negative" : "positive",
                   conc < 0 ? "payments per patient lean towards the more deprived practices"
                            : "payments per patient lean towards the less deprived practices");
    pms_report_method(r, "Fairness: Gini = 1 - sum (P_i - P_i-1)(L_i + L_i-1) over practices "
                         "sorted by payment per weighted patient, each weighted by its "
                         "weighted patients (area under the weighted Lorenz curve); Theil T "
                         "= sum s_i ln(x_i/mu) split exactly into between-CCG sum S_g "
                         "ln(mu_g/mu) and within-CCG sum S_g T_g (Shorrocks 1980; Cowell "
                         "2011); concentration index C = 2 cov_w(x, R)/mean_w(x) with "
                         "practices ranked from most to least deprived (Kakwani, Wagstaff & "
                         "van Doorslaer 1997); BCa bootstrap intervals (Efron 1987) from %lu "
                         "resamples of practices, seed %lu. Excluded: %zu practices without "
                         "weighted patients, payments or CCG, %zu with payments <= 0.",
                     r->bootstrap, r->seed, S->nmiss, S->nonpos);
}

pms_status pms_report_fairness(pms_report_ctx *r, pms_err *err)
{
    fair_sample S;
    fair_national F;
    memset(&S, 0, sizeof S);
    memset(&F, 0, sizeof F);
    pms_out *sum = NULL, *per = NULL;
    pms_status st = fair_select(r, &S, err);
    if (!st) st = fair_measures(r, &S, &F, err);
    if (!st) {
        sum = pms_out_new("inequality", "Inequality of payments per weighted patient "
                                        "(practices weighted by weighted patients)");
        per = pms_out_new("by_ccg", "By CCG");
        if (!sum || !per) st = pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    double loc_gini = NAN;
    if (!st) {
        summary_table(r, sum, &S, &F);
        loc_gini = ccg_table(r, per, &S);
        pms_out *tabs[2] = {sum, per};
        st = pms_report_add_tables(r, SHEET, tabs, 2, NULL, err);
    }
    if (!st && r->charts_on) st = lorenz_chart(r, &S, err);
    if (!st) say_fairness(r, &S, &F, loc_gini);
    pms_out_free(sum), pms_out_free(per);
    fair_sample_free(&S);
    return st;
}
