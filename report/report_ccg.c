/* Report section: pooled payments per weighted patient by CCG, the 12
 * highest and 12 lowest charted with the locality highlighted. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "io/cases.h"
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

/* Every CCG with a usable practice, highest pooled ratio first. */
typedef struct {
    ccg_row *g;
    size_t m;                 /* CCGs listed */
    size_t excluded, nocode, empty;
    double england;
} ccg_list;

/* Practices with both amounts (weighted patients > 0) and a CCG code, by
 * CCG (the selection step, io/cases.h); CCGs in code order, each summed in
 * table order, then ranked. */
static pms_status ccg_rows(pms_report_ctx *r, ccg_list *L, pms_err *err)
{
    pms_case_col cols[2] = {{r->measure_num, NULL, "amount", 0, PMS_CASE_NUMBER},
                            {r->measure_den, NULL, "weight", 0, PMS_CASE_POSITIVE}};
    pms_cases_spec sp;
    pms_cases_spec_default(&sp);
    sp.cols = cols;
    sp.ncols = 2;
    sp.group = "ccg_code";
    sp.label = "ccg_name";
    sp.group_first = 1;
    pms_cases cs;
    pms_status st = pms_cases_select(r->main, &sp, &cs, err);
    if (st) return st;
    size_t cap = cs.n ? cs.n : 1;
    double *tot = malloc(cap * sizeof *tot), *w = malloc(cap * sizeof *w);
    L->g = calloc(cs.ngroups ? cs.ngroups : 1, sizeof *L->g);
    if (!tot || !w || !L->g) st = pms_err_set(err, PMS_ENOMEM, "out of memory");
    double all_w = 0, all_t = 0;
    for (size_t k = 0; k < cs.ngroups && !st; k++) {
        ccg_row *x = &L->g[L->m];
        size_t n = pms_cases_gather(&cs, 0, k, tot, 1);
        pms_cases_gather(&cs, 1, k, w, 1);
        *x = (ccg_row){cs.group_name[k], cs.group_label[k], n, cs.group_excluded[k], 0, 0, NAN};
        for (size_t i = 0; i < n; i++) {
            x->w += w[i];
            x->tot += tot[i];
            all_w += w[i];
            all_t += tot[i];
        }
        L->excluded += x->excluded;
        /* CCGs with no usable practice are not listed. */
        if (x->w > 0) {
            x->ratio = x->tot / x->w;
            L->m++;
        } else {
            L->empty++;
        }
    }
    L->nocode = cs.no_group;
    L->england = all_w > 0 ? all_t / all_w : NAN;
    free(tot), free(w);
    pms_cases_free(&cs);
    if (st) return st;
    qsort(L->g, L->m, sizeof *L->g, cmp_ratio_desc);
    if (L->excluded)
        pms_table_note(r->main, "report_ccg_excluded", L->excluded,
                       "report (CCGs): %zu practices excluded: no weighted patients or payments",
                       L->excluded);
    if (L->nocode)
        pms_table_note(r->main, "report_ccg_no_code", L->nocode,
                       "report (CCGs): %zu practices excluded: no CCG code", L->nocode);
    return PMS_OK;
}

/* The ranked table; returns the locality's rank (0: not listed). */
static size_t all_table(pms_report_ctx *r, pms_out *all, const ccg_list *L)
{
    const ccg_row *g = L->g;
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
    for (size_t k = 0; k < L->m; k++) {
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
        pms_out_set_num(all, c[7], g[k].ratio / L->england - 1);
        pms_out_set_bool(all, c[8], is_loc);
    }
    pms_out_footnote(all, "Pooled = sum of %s / sum of %s of the "
                          "CCG's practices; England: \xc2\xa3%.2f. %zu practices without weighted "
                          "patients or payments excluded%s.",
                     r->measure_num, r->measure_den, L->england, L->excluded,
                     L->empty ? "; CCGs with none left are not listed" : "");
    return locrank;
}

/* The chart's rows: the top TOPN, the locality if in neither list, the
 * bottom TOPN, with their labels. */
typedef struct {
    size_t *pick, np;
    const char **labels;
    char **own;
    double *vals;
    unsigned char *hl;
    int tc[3];
} chart_rows;

static void chart_rows_free(chart_rows *C)
{
    for (size_t j = 0; j < C->np; j++) free(C->own ? C->own[j] : NULL);
    free(C->own), free(C->labels), free(C->vals), free(C->hl), free(C->pick);
}

static pms_status pick_rows(pms_report_ctx *r, pms_out *top, const ccg_list *L, size_t locrank,
                            chart_rows *C, pms_err *err)
{
    size_t m = L->m;
    if (!(C->pick = malloc((2 * TOPN + 1) * sizeof *C->pick)))
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    for (size_t k = 0; k < m; k++)
        if (k < TOPN || k + TOPN >= m || (locrank && k + 1 == locrank)) C->pick[C->np++] = k;
    C->tc[0] = pms_out_col(top, "ccg", PMS_OUT_TEXT, 0);
    C->tc[1] = pms_out_col(top, r->measure, PMS_OUT_MONEY, 2);
    C->tc[2] = pms_out_col(top, "rank", PMS_OUT_INT, 0);
    size_t np = C->np ? C->np : 1;
    C->labels = malloc(np * sizeof *C->labels);
    C->own = calloc(np, sizeof *C->own);
    C->vals = malloc(np * sizeof *C->vals);
    C->hl = calloc(np, 1);
    if (!C->labels || !C->own || !C->vals || !C->hl) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    for (size_t j = 0; j < C->np; j++) {
        const ccg_row *x = &L->g[C->pick[j]];
        size_t len = strlen(x->code) + (x->name ? strlen(x->name) : 0) + 32;
        if (!(C->own[j] = malloc(len))) return pms_err_set(err, PMS_ENOMEM, "out of memory");
        pms_report_ccg_label(C->own[j], len, x->code, x->name, C->pick[j] + 1);
        C->labels[j] = C->own[j];
        C->vals[j] = x->ratio;
        C->hl[j] = !strcmp(x->code, r->locality);
        pms_out_row(top);
        pms_out_set_text(top, C->tc[0], C->own[j]);
        pms_out_set_num(top, C->tc[1], x->ratio);
        pms_out_set_int(top, C->tc[2], (long long)(C->pick[j] + 1));
    }
    return PMS_OK;
}

static pms_status charts(pms_report_ctx *r, const chart_rows *C, const pms_xlsx_loc *loc,
                         double england, pms_err *err)
{
    pms_status st = PMS_OK;
    char title[256];
    if (C->np) {
        pms_xlsx_series s = {&loc[1], C->tc[0], C->tc[1], "\xc2\xa3 per weighted patient", 0};
        pms_xlsx_chart_look look = {NULL, 0, NAN, NAN};
        for (size_t j = 0; j < C->np; j++)
            if (C->hl[j]) look.highlight = (unsigned)(j + 1); /* the locality's bar */
        snprintf(title, sizeof title, "Highest and lowest CCGs: %s", r->measure_label);
        st = pms_xlsx_add_chart_look(r->x, SHEET, PMS_XLSX_BAR, title, "CCG",
                                     "\xc2\xa3 per weighted patient", &s, 1, &look, err);
    }
    if (!st && C->np && r->charts_on) {
        snprintf(title, sizeof title, "Highest and lowest CCGs: %s, 2014/15", r->measure_label);
        pms_chart_info ci = pms_report_chart_info(
            r, "ccg_bars", title,
            "\xc2\xa3 per weighted patient (pooled over the CCG practices)", "");
        st = pms_chart_hbars(&ci, C->labels, C->vals, C->hl, C->np, england, "England", err);
        if (!st)
            st = pms_report_add_chart(r, "ccg_bars", "highest and lowest CCGs", SHEET, 25, 10, err);
    }
    return st;
}

static void say_ccg(pms_report_ctx *r, const ccg_list *L, size_t locrank)
{
    const ccg_row *g = L->g;
    size_t m = L->m;
    double england = L->england;
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
                     r->measure_num, r->measure_den, L->excluded);
}

pms_status pms_report_ccg(pms_report_ctx *r, pms_err *err)
{
    ccg_list L;
    chart_rows C;
    memset(&L, 0, sizeof L);
    memset(&C, 0, sizeof C);
    pms_out *all = NULL, *top = NULL;
    pms_status st = ccg_rows(r, &L, err);
    if (!st) {
        all = pms_out_new("ccgs", "Payments per weighted patient by CCG (pooled), highest first");
        top = pms_out_new("ccgs_chart", "The 12 highest and 12 lowest CCGs (chart data)");
        if (!all || !top) st = pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    size_t locrank = st ? 0 : all_table(r, all, &L);
    if (!st) st = pick_rows(r, top, &L, locrank, &C, err);
    pms_out *tabs[2] = {all, top};
    pms_xlsx_loc loc[2];
    if (!st) st = pms_report_add_tables(r, SHEET, tabs, 2, loc, err);
    if (!st && C.np) st = charts(r, &C, loc, L.england, err);
    if (!st && L.m) say_ccg(r, &L, locrank);
    chart_rows_free(&C);
    pms_out_free(all), pms_out_free(top);
    free(L.g);
    return st;
}
