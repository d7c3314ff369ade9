/* Report section: funnel plot of payments per weighted patient against
 * practice size (weighted patients), with over-dispersed limits and the
 * practices outside them. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/funnel.h"
#include "io/cases.h"
#include "report/report.h"

#define SHEET "Funnel"
#define NLABEL 10 /* outliers named on the chart: more would overlap */

/* The practices with payments per weighted patient and weighted patients > 0
 * (the selection step, io/cases.h), their fit and the columns that name them. */
typedef struct {
    pms_cases cs;
    const double *y, *s;      /* payments per weighted patient, weighted patients */
    const size_t *row;        /* table row of each */
    size_t m;
    const char *const *code, *const *name, *const *ccg;
    pms_funnel_result f;
    size_t top;               /* the widest limits (99.8%) */
    size_t in_loc, listed;    /* outliers outside the widest limits, in the locality / all */
} funnel_part;

static pms_status funnel_fit(pms_report_ctx *r, funnel_part *F, pms_err *err)
{
    pms_err ignore;
    pms_case_col cols[2] = {{r->measure, NULL, "value", 0, PMS_CASE_NUMBER},
                            {r->measure_den, NULL, "size", 0, PMS_CASE_POSITIVE}};
    pms_cases_spec sp;
    pms_cases_spec_default(&sp);
    sp.cols = cols;
    sp.ncols = 2;
    pms_status st = pms_cases_select(r->main, &sp, &F->cs, err);
    if (st) return st;
    pms_table_text(r->main, "practice_code", &F->code, &ignore);
    pms_table_text(r->main, "practice_name", &F->name, &ignore);
    pms_table_text(r->main, "ccg_code", &F->ccg, &ignore);
    F->y = F->cs.col[0], F->s = F->cs.col[1], F->row = F->cs.row, F->m = F->cs.n;
    if (F->cs.excluded)
        pms_table_note(r->main, "report_funnel_excluded", F->cs.excluded,
                       "report (funnel): %zu practices excluded: no weighted patients or "
                       "payments", F->cs.excluded);
    pms_funnel_opts o;
    pms_funnel_opts_default(&o);
    o.type = PMS_FUNNEL_MEAN;
    o.overdispersion = PMS_OD_MULTIPLICATIVE;
    if ((st = pms_funnel_fit(F->y, F->s, F->m, &o, &F->f, err))) return st;
    F->top = F->f.nlevels - 1;
    return PMS_OK;
}

static int in_locality(pms_report_ctx *r, const funnel_part *F, size_t i)
{
    return F->ccg && F->ccg[i] && !strcmp(F->ccg[i], r->locality);
}

static void funnel_tables(pms_report_ctx *r, pms_out *sum, pms_out *list, funnel_part *F)
{
    const pms_funnel_result *f = &F->f;
    size_t top = F->top;
    int a0 = pms_out_col(sum, "practices", PMS_OUT_INT, 0),
        a1 = pms_out_col(sum, "target", PMS_OUT_MONEY, 2),
        a2 = pms_out_col(sum, "sigma", PMS_OUT_REAL, 2),
        a3 = pms_out_col(sum, "phi", PMS_OUT_REAL, 3),
        a4 = pms_out_col(sum, "outside_95", PMS_OUT_INT, 0),
        a5 = pms_out_col(sum, "outside_99_8", PMS_OUT_INT, 0),
        a6 = pms_out_col(sum, "above_99_8", PMS_OUT_INT, 0),
        a7 = pms_out_col(sum, "below_99_8", PMS_OUT_INT, 0);
    pms_out_row(sum);
    pms_out_set_int(sum, a0, (long long)F->m);
    pms_out_set_num(sum, a1, f->target);
    pms_out_set_num(sum, a2, f->sigma);
    pms_out_set_num(sum, a3, f->phi);
    pms_out_set_int(sum, a4, (long long)f->n_outside[0]);
    pms_out_set_int(sum, a5, (long long)f->n_outside[top]);
    pms_out_set_int(sum, a6, (long long)f->n_above[top]);
    pms_out_set_int(sum, a7, (long long)f->n_below[top]);
    pms_out_footnote(sum, "Target = pooled payments per weighted patient; limits target +/- z "
                          "sigma sqrt(phi / weighted patients) (multiplicative over-dispersion, "
                          "z-scores Winsorised at 10%% per tail); %zu practices without weighted "
                          "patients or payments excluded.",
                     F->cs.excluded);
    int l0 = pms_out_col(list, "practice_code", PMS_OUT_TEXT, 0),
        l1 = pms_out_col(list, "practice_name", PMS_OUT_TEXT, 0),
        l2 = pms_out_col(list, "ccg_code", PMS_OUT_TEXT, 0),
        l3 = pms_out_col(list, "weighted_patients", PMS_OUT_REAL, 0),
        l4 = pms_out_col(list, r->measure, PMS_OUT_MONEY, 2),
        l5 = pms_out_col(list, "z", PMS_OUT_REAL, 2),
        l6 = pms_out_col(list, "direction", PMS_OUT_TEXT, 0),
        l7 = pms_out_col(list, "in_locality", PMS_OUT_BOOL, 0);
    for (size_t k = 0; k < f->noutliers; k++) {
        size_t u = f->outliers[k];
        if (f->units[u].outside < (int)f->nlevels) continue; /* outside 95% only */
        size_t i = F->row[u];
        int is_loc = in_locality(r, F, i);
        F->in_loc += is_loc;
        F->listed++;
        pms_out_row(list);
        pms_out_set_text(list, l0, F->code ? F->code[i] : NULL);
        pms_out_set_text(list, l1, F->name ? F->name[i] : NULL);
        pms_out_set_text(list, l2, F->ccg ? F->ccg[i] : NULL);
        pms_out_set_num(list, l3, F->s[u]);
        pms_out_set_num(list, l4, F->y[u]);
        pms_out_set_num(list, l5, f->units[u].z);
        pms_out_set_text(list, l6, f->units[u].direction > 0 ? "above" : "below");
        pms_out_set_bool(list, l7, is_loc);
    }
}

static pms_status funnel_chart(pms_report_ctx *r, const funnel_part *F, pms_err *err)
{
    const pms_funnel_result *f = &F->f;
    size_t g = f->ngrid, top = F->top, m = F->m, cap = m ? m : 1;
    double *lo95 = malloc(g * sizeof *lo95), *hi95 = malloc(g * sizeof *hi95);
    double *lo998 = malloc(g * sizeof *lo998), *hi998 = malloc(g * sizeof *hi998);
    unsigned char *out = calloc(cap, 1), *hl = calloc(cap, 1);
    const char **lab = malloc(cap * sizeof *lab);
    pms_status st = PMS_OK;
    if (!lo95 || !hi95 || !lo998 || !hi998 || !out || !hl || !lab) {
        st = pms_err_set(err, PMS_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t k = 0; k < g; k++) {
        lo95[k] = f->grid_low[k * f->nlevels];
        hi95[k] = f->grid_high[k * f->nlevels];
        lo998[k] = f->grid_low[k * f->nlevels + top];
        hi998[k] = f->grid_high[k * f->nlevels + top];
    }
    for (size_t u = 0; u < m; u++) {
        size_t i = F->row[u];
        out[u] = f->units[u].outside >= (int)f->nlevels;
        /* Named by practice (the code only when the data has no name). */
        lab[u] = F->name && F->name[i] ? F->name[i] : F->code ? F->code[i] : NULL;
        hl[u] = in_locality(r, F, i);
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
    st = pms_chart_funnel(&ci, F->s, F->y, m, out, lab, NLABEL, hl, hname, f->target, f->grid_size,
                          lo95, hi95, lo998, hi998, g, err);
    if (!st) st = pms_report_add_chart(r, "funnel", "funnel plot", SHEET, 1, 10, err);
done:
    free(out), free(lab), free(hl);
    free(lo95), free(hi95), free(lo998), free(hi998);
    return st;
}

static void say_funnel(pms_report_ctx *r, const funnel_part *F)
{
    const pms_funnel_result *f = &F->f;
    size_t top = F->top;
    pms_report_say(r, PMS_SAY_ANSWER,
                   "%s of %s's practices receive unusually much or little per weighted "
                   "patient for their size (outside the limits); in England %zu do (%zu above, "
                   "%zu below).",
                   F->in_loc ? pms_report_count((char[32]){0}, 32, F->in_loc) : "None",
                   pms_report_locality(r), F->listed, f->n_above[top], f->n_below[top]);
    pms_report_say(r, PMS_SAY_DETAIL,
                   "On a funnel plot of payments per weighted patient against practice size "
                   "(target \xc2\xa3%.2f, over-dispersion factor %.1f), %zu practices lie "
                   "outside the 99.8%% limits (%zu above, %zu below), %zu of them in %s.",
                   f->target, f->phi, F->listed, f->n_above[top], f->n_below[top], F->in_loc,
                   pms_report_locality(r));
    pms_report_method(r, "Funnel: Spiegelhalter (2005) funnel plot for a mean, y_i = payments "
                         "per weighted patient, n_i = weighted patients, target theta = sum n_i "
                         "y_i / sum n_i, Var(y_i) = sigma^2/n_i, multiplicative over-dispersion "
                         "phi from z-scores Winsorised at 10%% per tail (Spiegelhalter 2005, "
                         "QSHC), limits theta +/- z sqrt(phi) sigma/sqrt(n) at 95%% and 99.8%%. "
                         "Excluded: %zu practices without weighted patients or payments. The "
                         "chart names the %d most extreme outliers by practice name and marks the locality's "
                         "practices.",
                     F->cs.excluded, NLABEL);
}

pms_status pms_report_funnel(pms_report_ctx *r, pms_err *err)
{
    funnel_part F;
    memset(&F, 0, sizeof F);
    pms_out *sum = NULL, *list = NULL;
    pms_status st = funnel_fit(r, &F, err);
    if (!st) {
        sum = pms_out_new("funnel", "Funnel: payments per weighted patient against weighted patients");
        list = pms_out_new("outliers", "Practices outside the 99.8% limits, most extreme first");
        if (!sum || !list) st = pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    if (!st) {
        funnel_tables(r, sum, list, &F);
        pms_out *tabs[2] = {sum, list};
        st = pms_report_add_tables(r, SHEET, tabs, 2, NULL, err);
    }
    if (!st && r->charts_on) st = funnel_chart(r, &F, err);
    if (!st) say_funnel(r, &F);
    pms_funnel_result_free(&F.f);
    pms_cases_free(&F.cs);
    pms_out_free(sum), pms_out_free(list);
    return st;
}
