/* Report section: pooled payments per weighted patient by CCG, the 12
 * highest and 12 lowest charted with the locality highlighted. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "io/utf8.h"

#define SHEET "CCGs"

void pms_report_ccg_label(char *out, size_t cap, const char *code, const char *name, size_t rank)
{
    /* "11H NHS Bristol CCG (#31)": long names are cut so the axis stays
     * readable, on a character boundary (a cut byte breaks the workbook). */
    const char *nm = name ? name : "";
    int cut = (int)pms_utf8_prefix(nm, 34);
    snprintf(out, cap, "%s %.*s%s (#%zu)", code, cut, nm, nm[cut] ? "..." : "", rank);
    pms_utf8_trim_tail(out);
}
#define TOPN 12

typedef struct {
    const char *code, *name;
    size_t n, excluded;
    double w, tot;
    double ratio;
} ccg_row;

static int cmp_ratio_desc(const void *a, const void *b)
{
    const ccg_row *x = a, *y = b;
    if (x->ratio != y->ratio) return (x->ratio < y->ratio) - (x->ratio > y->ratio);
    return strcmp(x->code, y->code);
}

static int cmp_code(const void *a, const void *b)
{
    const ccg_row *x = a, *y = b;
    return strcmp(x->code, y->code);
}

pms_status pms_report_ccg(pms_report_ctx *r, pms_err *err)
{
    const pms_table *t = r->main;
    const double *tot, *w;
    const char *const *code, *const *name = NULL;
    pms_err ignore;
    pms_status st = pms_table_numeric(t, r->measure_num, &tot, err);
    if (!st) st = pms_table_numeric(t, r->measure_den, &w, err);
    if (!st) st = pms_table_text(t, "ccg_code", &code, err);
    if (st) return st;
    pms_table_text(t, "ccg_name", &name, &ignore);

    /* Group by code: sort row indices' codes once (a CCG list is small). */
    ccg_row *g = calloc(t->nrows ? t->nrows : 1, sizeof *g);
    if (!g) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    size_t ng = 0, nocode = 0;
    for (size_t i = 0; i < t->nrows; i++) {
        if (!code[i]) {
            nocode++;
            continue;
        }
        g[ng].code = code[i];
        g[ng].name = name ? name[i] : NULL;
        int bad = isnan(tot[i]) || isnan(w[i]) || w[i] <= 0;
        g[ng].n = !bad;
        g[ng].excluded = bad;
        g[ng].w = bad ? 0 : w[i];
        g[ng].tot = bad ? 0 : tot[i];
        ng++;
    }
    qsort(g, ng, sizeof *g, cmp_code);
    size_t m = 0;
    double all_w = 0, all_t = 0;
    for (size_t i = 0; i < ng; i++) {
        all_w += g[i].w;
        all_t += g[i].tot;
        if (m && !strcmp(g[m - 1].code, g[i].code)) {
            g[m - 1].n += g[i].n;
            g[m - 1].excluded += g[i].excluded;
            g[m - 1].w += g[i].w;
            g[m - 1].tot += g[i].tot;
            if (!g[m - 1].name) g[m - 1].name = g[i].name;
        } else {
            g[m++] = g[i];
        }
    }
    size_t excluded = 0;
    for (size_t k = 0; k < m; k++) {
        g[k].ratio = g[k].w > 0 ? g[k].tot / g[k].w : NAN;
        excluded += g[k].excluded;
    }
    /* CCGs with no usable practice sort last (NaN compares as neither). */
    size_t usable = 0;
    for (size_t k = 0; k < m; k++)
        if (!isnan(g[k].ratio)) g[usable++] = g[k];
    size_t empty = m - usable;
    m = usable;
    qsort(g, m, sizeof *g, cmp_ratio_desc);
    double england = all_w > 0 ? all_t / all_w : NAN;
    if (excluded)
        pms_table_note(r->main, "report_ccg_excluded", excluded,
                       "report (CCGs): %zu practices excluded: no weighted patients or payments",
                       excluded);
    if (nocode)
        pms_table_note(r->main, "report_ccg_no_code", nocode,
                       "report (CCGs): %zu practices excluded: no CCG code", nocode);

    pms_out *all = pms_out_new("ccgs", "Payments per weighted patient by CCG (pooled), highest first");
    pms_out *top = pms_out_new("ccgs_chart", "The 12 highest and 12 lowest CCGs (chart data)");
    if (!all || !top) {
        pms_out_free(all), pms_out_free(top), free(g);
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    int c[9] = {pms_out_col(all, "rank", PMS_OUT_INT, 0),
                pms_out_col(all, "ccg_code", PMS_OUT_TEXT, 0),
                pms_out_col(all, "ccg_name", PMS_OUT_TEXT, 0),
                pms_out_col(all, "practices", PMS_OUT_INT, 0),
                pms_out_col(all, "weighted_patients", PMS_OUT_REAL, 0),
                pms_out_col(all, "total_payments", PMS_OUT_MONEY, 2),
                pms_out_col(all, r->measure, PMS_OUT_MONEY, 2),
                pms_out_col(all, "difference_from_england", PMS_OUT_PCT, 1),
                pms_out_col(all, "is_locality", PMS_OUT_BOOL, 0)};
    size_t locrank = 0;
    for (size_t k = 0; k < m; k++) {
        int is_loc = !strcmp(g[k].code, r->locality);
        if (is_loc) locrank = k + 1;
        pms_out_row(all);
        pms_out_set_int(all, c[0], (long long)(k + 1));
        pms_out_set_text(all, c[1], g[k].code);
        pms_out_set_text(all, c[2], g[k].name);
        pms_out_set_int(all, c[3], (long long)g[k].n);
        pms_out_set_num(all, c[4], g[k].w);
        pms_out_set_num(all, c[5], g[k].tot);
        pms_out_set_num(all, c[6], g[k].ratio);
        pms_out_set_num(all, c[7], g[k].ratio / england - 1);
        pms_out_set_bool(all, c[8], is_loc);
    }
    pms_out_footnote(all, "Pooled = sum of %s / sum of %s of the "
                          "CCG's practices; England: \xc2\xa3%.2f. %zu practices without weighted "
                          "patients or payments excluded%s.",
                     r->measure_num, r->measure_den, england, excluded, empty ? "; CCGs with none left are not listed" : "");
    /* Chart rows: top 20, the locality if in neither list, bottom 20. */
    size_t *pick = malloc((2 * TOPN + 1) * sizeof *pick), np = 0;
    if (!pick) {
        pms_out_free(all), pms_out_free(top), free(g);
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    for (size_t k = 0; k < m; k++)
        if (k < TOPN || k + TOPN >= m || (locrank && k + 1 == locrank)) pick[np++] = k;
    int tc[3] = {pms_out_col(top, "ccg", PMS_OUT_TEXT, 0),
                 pms_out_col(top, r->measure, PMS_OUT_MONEY, 2),
                 pms_out_col(top, "rank", PMS_OUT_INT, 0)};
    const char **labels = malloc((np ? np : 1) * sizeof *labels);
    char **own = calloc(np ? np : 1, sizeof *own);
    double *vals = malloc((np ? np : 1) * sizeof *vals);
    unsigned char *hl = calloc(np ? np : 1, 1);
    if (!labels || !own || !vals || !hl) st = pms_err_set(err, PMS_ENOMEM, "out of memory");
    for (size_t j = 0; j < np && !st; j++) {
        const ccg_row *x = &g[pick[j]];
        size_t len = strlen(x->code) + (x->name ? strlen(x->name) : 0) + 32;
        own[j] = malloc(len);
        if (!own[j]) {
            st = pms_err_set(err, PMS_ENOMEM, "out of memory");
            break;
        }
        pms_report_ccg_label(own[j], len, x->code, x->name, pick[j] + 1);
        labels[j] = own[j];
        vals[j] = x->ratio;
        hl[j] = !strcmp(x->code, r->locality);
        pms_out_row(top);
        pms_out_set_text(top, tc[0], own[j]);
        pms_out_set_num(top, tc[1], x->ratio);
        pms_out_set_int(top, tc[2], (long long)(pick[j] + 1));
    }
    pms_out *tabs[2] = {all, top};
    pms_xlsx_loc loc[2];
    if (!st) st = pms_report_add_tables(r, SHEET, tabs, 2, loc, err);
    if (!st && np) {
        pms_xlsx_series s = {&loc[1], tc[0], tc[1], "\xc2\xa3 per weighted patient", 0};
        pms_xlsx_chart_look look = {NULL, 0, NAN, NAN};
        for (size_t j = 0; j < np; j++)
            if (hl[j]) look.highlight = (unsigned)(j + 1); /* the locality's bar */
        char title[256];
        snprintf(title, sizeof title, "Highest and lowest CCGs: %s", r->measure_label);
        st = pms_xlsx_add_chart_look(r->x, SHEET, PMS_XLSX_BAR, title, "CCG",
                                     "\xc2\xa3 per weighted patient", &s, 1, &look, err);
    }
    if (!st && np && r->charts_on) {
        char title[256];
        snprintf(title, sizeof title, "Highest and lowest CCGs: %s, 2014/15", r->measure_label);
        pms_chart_info ci = pms_report_chart_info(
            r, "ccg_bars", title,
            "\xc2\xa3 per weighted patient (pooled over the CCG practices)", "");
        st = pms_chart_hbars(&ci, labels, vals, hl, np, england, "England", err);
        if (!st)
            st = pms_report_add_chart(r, "ccg_bars", "highest and lowest CCGs", SHEET, 25, 10, err);
    }
    if (!st && m) {
        pms_report_say(r, PMS_SAY_ENGLAND,
                       "Across %zu CCGs, pooled payments per weighted patient ranged from "
                       "\xc2\xa3%.2f (%s) to \xc2\xa3%.2f (%s); England as a whole: \xc2\xa3%.2f.",
                       m, g[m - 1].ratio, g[m - 1].code, g[0].ratio, g[0].code, england);
        if (locrank)
            pms_report_say(r, PMS_SAY_ANSWER,
                           "%s's practices receive \xc2\xa3%.2f per weighted patient, %.1f%% "
                           "%s than England as a whole (\xc2\xa3%.2f): number %zu of %zu CCGs, "
                           "highest first.",
                           pms_report_locality(r), g[locrank - 1].ratio,
                           100 * fabs(g[locrank - 1].ratio / england - 1),
                           g[locrank - 1].ratio >= england ? "more" : "less", england, locrank, m);
        pms_report_method(r, "CCGs: pooled payments per weighted patient = sum of %s / sum of "
                             "%s over the CCG's practices "
                             "(practices with no weighted patients excluded: %zu); ranked "
                             "highest first; the difference from England is the ratio to the "
                             "pooled England figure minus 1.",
                         r->measure_num, r->measure_den, excluded);
    }
    for (size_t j = 0; j < np; j++) free(own ? own[j] : NULL);
    free(own), free(labels), free(vals), free(hl), free(pick);
    pms_out_free(all), pms_out_free(top);
    free(g);
    return st;
}
