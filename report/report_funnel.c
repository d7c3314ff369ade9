/* Report section: funnel plot of payments per weighted patient against
 * practice size (weighted patients), with over-dispersed limits and the
 * practices outside them. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/funnel.h"
#include "report/report.h"

#define SHEET "Funnel"
#define NLABEL 10 /* outliers named on the chart: more would overlap */

pms_status pms_report_funnel(pms_report_ctx *r, pms_err *err)
{
    const pms_table *t = r->main;
    const double *ppw, *w;
    const char *const *code = NULL, *const *name = NULL, *const *ccg = NULL;
    pms_err ignore;
    pms_status st = pms_table_numeric(t, r->measure, &ppw, err);
    if (!st) st = pms_table_numeric(t, r->measure_den, &w, err);
    if (st) return st;
    pms_table_text(t, "practice_code", &code, &ignore);
    pms_table_text(t, "practice_name", &name, &ignore);
    pms_table_text(t, "ccg_code", &ccg, &ignore);
    size_t n = t->nrows, cap = n ? n : 1;
    double *y = malloc(cap * sizeof *y), *s = malloc(cap * sizeof *s);
    size_t *row = malloc(cap * sizeof *row);
    unsigned char *out = calloc(cap, 1), *hl = calloc(cap, 1);
    const char **lab = malloc(cap * sizeof *lab);
    pms_funnel_result f;
    memset(&f, 0, sizeof f);
    pms_out *sum = NULL, *list = NULL;
    double *lo95 = NULL, *hi95 = NULL, *lo998 = NULL, *hi998 = NULL;
    if (!y || !s || !row || !out || !lab || !hl) {
        st = pms_err_set(err, PMS_ENOMEM, "out of memory");
        goto done;
    }
    size_t m = 0, excluded = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(ppw[i]) || isnan(w[i]) || w[i] <= 0) {
            excluded++;
            continue;
        }
        y[m] = ppw[i];
        s[m] = w[i];
        row[m++] = i;
    }
    if (excluded)
        pms_table_note(r->main, "report_funnel_excluded", excluded,
                       "report (funnel): %zu practices excluded: no weighted patients or "
                       "payments", excluded);
    pms_funnel_opts o;
    pms_funnel_opts_default(&o);
    o.type = PMS_FUNNEL_MEAN;
    o.overdispersion = PMS_OD_MULTIPLICATIVE;
    if ((st = pms_funnel_fit(y, s, m, &o, &f, err))) goto done;
    size_t top = f.nlevels - 1; /* the widest limits (99.8%) */
    sum = pms_out_new("funnel", "Funnel: payments per weighted patient against weighted patients");
    list = pms_out_new("outliers", "Practices outside the 99.8% limits, most extreme first");
    if (!sum || !list) {
        st = pms_err_set(err, PMS_ENOMEM, "out of memory");
        goto done;
    }
    int a0 = pms_out_col(sum, "practices", PMS_OUT_INT, 0),
        a1 = pms_out_col(sum, "target", PMS_OUT_MONEY, 2),
        a2 = pms_out_col(sum, "sigma", PMS_OUT_REAL, 2),
        a3 = pms_out_col(sum, "phi", PMS_OUT_REAL, 3),
        a4 = pms_out_col(sum, "outside_95", PMS_OUT_INT, 0),
        a5 = pms_out_col(sum, "outside_99_8", PMS_OUT_INT, 0),
        a6 = pms_out_col(sum, "above_99_8", PMS_OUT_INT, 0),
        a7 = pms_out_col(sum, "below_99_8", PMS_OUT_INT, 0);
    pms_out_row(sum);
    pms_out_set_int(sum, a0, (long long)m);
    pms_out_set_num(sum, a1, f.target);
    pms_out_set_num(sum, a2, f.sigma);
    pms_out_set_num(sum, a3, f.phi);
    pms_out_set_int(sum, a4, (long long)f.n_outside[0]);
    pms_out_set_int(sum, a5, (long long)f.n_outside[top]);
    pms_out_set_int(sum, a6, (long long)f.n_above[top]);
    pms_out_set_int(sum, a7, (long long)f.n_below[top]);
    pms_out_footnote(sum, "Target = pooled payments per weighted patient; limits target +/- z "
                          "sigma sqrt(phi / weighted patients) (multiplicative over-dispersion, "
                          "z-scores Winsorised at 10%% per tail); %zu practices without weighted "
                          "patients or payments excluded.",
                     excluded);
    int l0 = pms_out_col(list, "practice_code", PMS_OUT_TEXT, 0),
        l1 = pms_out_col(list, "practice_name", PMS_OUT_TEXT, 0),
        l2 = pms_out_col(list, "ccg_code", PMS_OUT_TEXT, 0),
        l3 = pms_out_col(list, "weighted_patients", PMS_OUT_REAL, 0),
        l4 = pms_out_col(list, r->measure, PMS_OUT_MONEY, 2),
        l5 = pms_out_col(list, "z", PMS_OUT_REAL, 2),
        l6 = pms_out_col(list, "direction", PMS_OUT_TEXT, 0),
        l7 = pms_out_col(list, "in_locality", PMS_OUT_BOOL, 0);
    size_t in_loc = 0, listed = 0;
    for (size_t k = 0; k < f.noutliers; k++) {
        size_t u = f.outliers[k];
        if (f.units[u].outside < (int)f.nlevels) continue; /* outside 95% only */
        size_t i = row[u];
        int is_loc = ccg && ccg[i] && !strcmp(ccg[i], r->locality);
        in_loc += is_loc;
        listed++;
        pms_out_row(list);
        pms_out_set_text(list, l0, code ? code[i] : NULL);
        pms_out_set_text(list, l1, name ? name[i] : NULL);
        pms_out_set_text(list, l2, ccg ? ccg[i] : NULL);
        pms_out_set_num(list, l3, w[i]);
        pms_out_set_num(list, l4, ppw[i]);
        pms_out_set_num(list, l5, f.units[u].z);
        pms_out_set_text(list, l6, f.units[u].direction > 0 ? "above" : "below");
        pms_out_set_bool(list, l7, is_loc);
    }
    pms_out *tabs[2] = {sum, list};
    if ((st = pms_report_add_tables(r, SHEET, tabs, 2, NULL, err))) goto done;
    if (r->charts_on) {
        size_t g = f.ngrid;
        lo95 = malloc(g * sizeof *lo95), hi95 = malloc(g * sizeof *hi95);
        lo998 = malloc(g * sizeof *lo998), hi998 = malloc(g * sizeof *hi998);
        if (!lo95 || !hi95 || !lo998 || !hi998) {
            st = pms_err_set(err, PMS_ENOMEM, "out of memory");
            goto done;
        }
        for (size_t k = 0; k < g; k++) {
            lo95[k] = f.grid_low[k * f.nlevels];
            hi95[k] = f.grid_high[k * f.nlevels];
            lo998[k] = f.grid_low[k * f.nlevels + top];
            hi998[k] = f.grid_high[k * f.nlevels + top];
        }
        for (size_t u = 0; u < m; u++) {
            out[u] = f.units[u].outside >= (int)f.nlevels;
            /* Named by practice (the code only when the data has no name). */
            lab[u] = name && name[row[u]] ? name[row[u]] : code ? code[row[u]] : NULL;
            hl[u] = ccg && ccg[row[u]] && !strcmp(ccg[row[u]], r->locality);
        }
        char title[256];
        /* "Payments less dispensing and premises per weighted patient by practice
         * size, 2014/15": the chart says it is a funnel; the title must fit. */
        snprintf(title, sizeof title, "%c%s by practice size, 2014/15", toupper((unsigned char)r->measure_label[0]),
                 r->measure_label + 1);
        pms_chart_info ci = pms_report_chart_info(
            r, "funnel", title,
            "Weighted patients (practice size)", "\xc2\xa3 per weighted patient");
        char hname[240];
        snprintf(hname, sizeof hname, "%s practices", pms_report_locality(r));
        st = pms_chart_funnel(&ci, s, y, m, out, lab, NLABEL, hl, hname, f.target, f.grid_size,
                              lo95, hi95, lo998, hi998, g, err);
        if (!st) st = pms_report_add_chart(r, "funnel", "funnel plot", SHEET, 1, 10, err);
        if (st) goto done;
    }
    pms_report_say(r, PMS_SAY_ANSWER,
                   "%s of %s's practices receive unusually much or little per weighted "
                   "patient for their size (outside the limits); in England %zu do (%zu above, "
                   "%zu below).",
                   in_loc ? pms_report_count((char[32]){0}, 32, in_loc) : "None",
                   pms_report_locality(r), listed, f.n_above[top], f.n_below[top]);
    pms_report_say(r, PMS_SAY_DETAIL,
                   "On a funnel plot of payments per weighted patient against practice size "
                   "(target \xc2\xa3%.2f, over-dispersion factor %.1f), %zu practices lie "
                   "outside the 99.8%% limits (%zu above, %zu below), %zu of them in %s.",
                   f.target, f.phi, listed, f.n_above[top], f.n_below[top], in_loc,
                   pms_report_locality(r));
    pms_report_method(r, "Funnel: Spiegelhalter (2005) funnel plot for a mean, y_i = payments "
                         "per weighted patient, n_i = weighted patients, target theta = sum n_i "
                         "y_i / sum n_i, Var(y_i) = sigma^2/n_i, multiplicative over-dispersion "
                         "phi from z-scores Winsorised at 10%% per tail (Spiegelhalter 2005, "
                         "QSHC), limits theta +/- z sqrt(phi) sigma/sqrt(n) at 95%% and 99.8%%. "
                         "Excluded: %zu practices without weighted patients or payments. The "
                         "chart names the %d most extreme outliers by practice name and marks the locality's "
                         "practices.",
                     excluded, NLABEL);
done:
    pms_funnel_result_free(&f);
    pms_out_free(sum), pms_out_free(list);
    free(y), free(s), free(row), free(out), free(lab), free(hl);
    free(lo95), free(hi95), free(lo998), free(hi998);
    return st;
}
