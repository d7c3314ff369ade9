/* Report section: how evenly payments per weighted patient are spread:
 * Gini, Theil T split into between- and within-CCG parts, the concentration
 * index against deprivation, per-CCG rows and the Lorenz curves. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/concentration.h"
#include "analysis/fairness.h"
#include "analysis/inequality.h"
#include "io/utf8.h"
#include "report/report.h"

#define SHEET "Fairness"

pms_status pms_report_fairness(pms_report_ctx *r, pms_err *err)
{
    const pms_table *t = r->main;
    const double *ppw, *w, *imd, *tot;
    const char *const *code, *const *cname = NULL;
    pms_err ignore;
    pms_status st = pms_table_numeric(t, r->measure, &ppw, err);
    if (!st) st = pms_table_numeric(t, r->measure_den, &w, err);
    if (!st) st = pms_table_numeric(t, r->measure_num, &tot, err);
    if (!st) st = pms_table_numeric(t, r->deprivation, &imd, err);
    if (!st) st = pms_table_text(t, "ccg_code", &code, err);
    if (st) return st;
    pms_table_text(t, "ccg_name", &cname, &ignore);
    size_t n = t->nrows, cap = n ? n : 1;
    double *x = malloc(cap * sizeof *x), *wx = malloc(cap * sizeof *wx),
           *ix = malloc(cap * sizeof *ix), *sx = malloc(cap * sizeof *sx),
           *sw = malloc(cap * sizeof *sw), *am = malloc(cap * sizeof *am),
           *lw = malloc(cap * sizeof *lw), *la = malloc(cap * sizeof *la),
           *rk = malloc(cap * sizeof *rk);
    size_t *grp = malloc(cap * sizeof *grp);
    const char **codes = malloc(cap * sizeof *codes), **names = malloc(cap * sizeof *names);
    if (!x || !wx || !ix || !sx || !sw || !am || !grp || !codes || !names || !lw || !la || !rk) {
        st = pms_err_set(err, PMS_ENOMEM, "out of memory");
        goto out;
    }
    /* The sample: positive payments per weighted patient and a CCG.  Theil
     * needs x > 0; the same practices are used for every measure. */
    size_t m = 0, nmiss = 0, nonpos = 0, ncodes = 0, nimd = 0, nloc = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(ppw[i]) || isnan(w[i]) || w[i] <= 0 || !code[i]) {
            nmiss++;
            continue;
        }
        if (ppw[i] <= 0) {
            nonpos++;
            continue;
        }
        size_t g = 0;
        while (g < ncodes && strcmp(codes[g], code[i])) g++;
        if (g == ncodes) {
            codes[ncodes] = code[i];
            names[ncodes++] = cname ? cname[i] : NULL;
        }
        x[m] = ppw[i];
        wx[m] = w[i];
        rk[m] = imd[i];
        grp[m] = g;
        am[m] = tot[i];
        if (!strcmp(code[i], r->locality)) {
            la[nloc] = tot[i];
            lw[nloc++] = w[i];
        }
        if (!isnan(imd[i])) {
            sx[nimd] = ppw[i];
            sw[nimd] = w[i];
            ix[nimd++] = imd[i];
        }
        m++;
    }
    if (nmiss)
        pms_table_note(r->main, "report_fairness_missing", nmiss,
                       "report (fairness): %zu practices excluded: no weighted patients, "
                       "payments or CCG", nmiss);
    if (nonpos)
        pms_table_note(r->main, "report_fairness_nonpositive", nonpos,
                       "report (fairness): %zu practices excluded: payments per weighted "
                       "patient <= 0 (Theil T needs positive amounts)", nonpos);
    double gini, conc;
    pms_ineq_decomp th;
    if ((st = pms_ineq_gini(x, wx, m, &gini, err)) ||
        (st = pms_ineq_theil_t(x, wx, grp, ncodes, m, &th, err)) ||
        (st = pms_conc_index(sx, sw, ix, nimd, PMS_RANK_DESCENDING, &conc, err)))
        goto out;
    /* Bootstrap (BCa) intervals: [report] bootstrap resamples of practices,
     * seeded by [report] seed; the same for any --threads. */
    pms_fair_boot_result bo;
    memset(&bo, 0, sizeof bo);
    int have_boot = 0;
    if (r->bootstrap >= 2) {
        pms_fair_boot_opts bopt = {r->bootstrap, r->seed, r->common.threads, r->ci_level, rk,
                                   PMS_RANK_DESCENDING, NULL, NULL};
        if ((st = pms_fair_bootstrap(x, wx, m, &bopt, &bo, err))) goto out;
        have_boot = 1;
    }

    pms_out *sum = pms_out_new("inequality", "Inequality of payments per weighted patient "
                                             "(practices weighted by weighted patients)");
    pms_out *per = pms_out_new("by_ccg", "By CCG");
    if (!sum || !per) {
        pms_out_free(sum), pms_out_free(per);
        st = pms_err_set(err, PMS_ENOMEM, "out of memory");
        goto out;
    }
    int s0 = pms_out_col(sum, "measure", PMS_OUT_TEXT, 0),
        s1 = pms_out_col(sum, "value", PMS_OUT_REAL, 4),
        s2 = pms_out_col(sum, "share_of_total", PMS_OUT_PCT, 1),
        s3 = pms_out_col(sum, "practices", PMS_OUT_INT, 0),
        s4 = pms_out_col(sum, "bca_low", PMS_OUT_REAL, 4),
        s5 = pms_out_col(sum, "bca_high", PMS_OUT_REAL, 4);
    struct {
        const char *name;
        double v, share;
        size_t n;
    } rows[5] = {{"Gini", gini, NAN, m},
                 {"Theil T", th.total, 1, m},
                 {"Theil T: between CCGs", th.between, th.between / th.total, m},
                 {"Theil T: within CCGs", th.within, th.within / th.total, m},
                 {"Concentration index against IMD (most deprived first)", conc, NAN, nimd}};
    for (int k = 0; k < 5; k++) {
        pms_out_row(sum);
        pms_out_set_text(sum, s0, rows[k].name);
        pms_out_set_num(sum, s1, rows[k].v);
        pms_out_set_num(sum, s2, rows[k].share);
        pms_out_set_int(sum, s3, (long long)rows[k].n);
        const pms_boot_ci *bc = k == 0 ? &bo.gini : k == 1 ? &bo.theil_t : k == 4 ? &bo.conc : NULL;
        if (have_boot && bc && pms_boot_bca_why(bc)) {
            pms_out_set_not_computed(sum, s4, pms_boot_bca_why(bc));
            pms_out_set_not_computed(sum, s5, pms_boot_bca_why(bc));
        } else if (have_boot && bc && bc->replicates) {
            pms_out_set_num(sum, s4, bc->bca_low);
            pms_out_set_num(sum, s5, bc->bca_high);
        }
    }
    if (have_boot)
        pms_out_footnote(sum, "BCa %.0f%% intervals from %lu bootstrap resamples of practices "
                              "(seed %lu).",
                         100 * r->ci_level, r->bootstrap, r->seed);
    pms_out_footnote(sum, "Excluded: %zu practices without weighted patients, payments or CCG; "
                          "%zu with payments per weighted patient <= 0; the concentration index "
                          "also leaves out %zu without %s.",
                     nmiss, nonpos, m - nimd, r->deprivation);
    pms_out_footnote(sum, "Concentration index < 0: payments per weighted patient are higher in "
                          "the more deprived practices.");
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
    for (size_t i = 0; i < m; i++) total_amount += x[i] * wx[i];
    double loc_gini = NAN;
    for (size_t g = 0; g < ncodes && !st; g++) {
        size_t k = 0;
        double a = 0, ww = 0;
        for (size_t i = 0; i < m; i++)
            if (grp[i] == g) {
                sx[k] = x[i];
                sw[k++] = wx[i];
                a += x[i] * wx[i];
                ww += wx[i];
            }
        double gg = NAN;
        pms_ineq_decomp tg = {NAN, NAN, NAN};
        pms_ineq_gini(sx, sw, k, &gg, &ignore);
        pms_ineq_theil_t(sx, sw, NULL, 1, k, &tg, &ignore);
        int is_loc = !strcmp(codes[g], r->locality);
        if (is_loc) loc_gini = gg;
        pms_out_row(per);
        pms_out_set_text(per, p0, codes[g]);
        pms_out_set_text(per, p1, names[g]);
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
    pms_out *tabs[2] = {sum, per};
    st = pms_report_add_tables(r, SHEET, tabs, 2, NULL, err);
    if (!st && r->charts_on) {
        double *cx[2] = {NULL, NULL}, *cy[2] = {NULL, NULL};
        size_t cm[2] = {0, 0};
        pms_chart_curve curves[2];
        size_t nc = 0;
        st = pms_chart_lorenz_points(am, wx, m, &cx[0], &cy[0], &cm[0], err);
        if (!st) curves[nc++] = (pms_chart_curve){"England", cx[0], cy[0], cm[0], 0};
        char lname[160];
        pms_utf8_copy(lname, sizeof lname, r->locality, sizeof lname);
        for (size_t g = 0; g < ncodes; g++)
            if (!strcmp(codes[g], r->locality) && names[g])
                pms_utf8_copy(lname, sizeof lname, names[g], sizeof lname);
        if (!st && nloc >= 2 &&
            !pms_chart_lorenz_points(la, lw, nloc, &cx[1], &cy[1], &cm[1], &ignore))
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
    }
    if (!st) {
        char gci[320] = "";
        const char *why = have_boot ? pms_boot_bca_why(&bo.gini) : NULL;
        /* never "nan to nan": an interval that cannot be computed says why */
        if (why)
            snprintf(gci, sizeof gci, ", %.0f%% interval not computed (%s)", 100 * r->ci_level,
                     why);
        else if (have_boot)
            snprintf(gci, sizeof gci, ", %.0f%% interval %.3f to %.3f", 100 * r->ci_level,
                     bo.gini.bca_low, bo.gini.bca_high);
        pms_report_say(r, PMS_SAY_ENGLAND,
                       "Across England's practices payments per weighted patient have a Gini "
                       "coefficient of %.3f%s (each practice weighted by its patients; 0 = all "
                       "equal).", gini, gci);
        pms_report_say(r, PMS_SAY_DETAIL,
                       "Gini over %s practices. Theil's index is %.4f, of which %.0f%% lies "
                       "between CCGs and %.0f%% within them.",
                       pms_report_count((char[32]){0}, 32, m), th.total,
                       100 * th.between / th.total, 100 * th.within / th.total);
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
                         r->bootstrap, r->seed, nmiss, nonpos);
    }
    pms_out_free(sum), pms_out_free(per);
out:
    free(x), free(wx), free(ix), free(sx), free(sw), free(am), free(grp), free(codes),
        free(names), free(lw), free(la), free(rk);
    return st;
}
