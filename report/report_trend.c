/* Report section: payments per weighted patient by contract type, every year. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_statistics_double.h>

#include "io/cases.h"
#include "io/utf8.h"
#include "report/report.h"

#define TYPES 4
static const char *type_names[TYPES] = {"GMS", "PMS", "APMS", "All"};

/* The middle value, or the mean of the middle two, as R's median: GSL's
 * selection, in place (v is scratch). */
static double median(double *v, size_t n)
{
    return n ? gsl_stats_median(v, 1, n) : NAN;
}

/* The section's tables, and what the charts and sentences need of them. */
typedef struct {
    pms_out *longt, *wide, *loct;
    int c_year, c_type, c_n, c_ex, c_w, c_tot, c_pool, c_med;
    int w_year, w_col[TYPES];
    int l_year, l_found, l_of, l_pool;
    char follow[1024];
    size_t fw;
    double first[TYPES], last[TYPES];
    const char *first_year, *last_year;
    const char *years[64];       /* chart data: years by contract type */
    double vals[TYPES][64];
    size_t ny;
} trend_state;

static pms_status trend_tables(trend_state *T, pms_err *err)
{
    T->longt = pms_out_new("trend", "Total NHS payments per weighted patient by contract type");
    T->wide = pms_out_new("trend_wide", "Pooled total NHS payments per weighted patient (chart data)");
    /* The locality followed by its base-year practice codes into each year. */
    T->loct = pms_out_new("locality_trend", "The locality's base-year practices in every year");
    if (!T->longt || !T->wide || !T->loct) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    T->c_year = pms_out_col(T->longt, "year", PMS_OUT_TEXT, 0);
    T->c_type = pms_out_col(T->longt, "contract_type", PMS_OUT_TEXT, 0);
    T->c_n = pms_out_col(T->longt, "practices", PMS_OUT_INT, 0);
    T->c_ex = pms_out_col(T->longt, "excluded", PMS_OUT_INT, 0);
    T->c_w = pms_out_col(T->longt, "weighted_patients", PMS_OUT_REAL, 0);
    T->c_tot = pms_out_col(T->longt, "total_payments", PMS_OUT_MONEY, 2);
    T->c_pool = pms_out_col(T->longt, "payments_per_weighted", PMS_OUT_MONEY, 2);
    T->c_med = pms_out_col(T->longt, "median_per_weighted", PMS_OUT_MONEY, 2);
    T->w_year = pms_out_col(T->wide, "year", PMS_OUT_TEXT, 0);
    for (int k = 0; k < TYPES; k++) T->w_col[k] = pms_out_col(T->wide, type_names[k], PMS_OUT_MONEY, 2);
    T->l_year = pms_out_col(T->loct, "year", PMS_OUT_TEXT, 0);
    T->l_found = pms_out_col(T->loct, "practices_found", PMS_OUT_INT, 0);
    T->l_of = pms_out_col(T->loct, "of_base_year", PMS_OUT_INT, 0);
    T->l_pool = pms_out_col(T->loct, "payments_per_weighted", PMS_OUT_MONEY, 2);
    for (int k = 0; k < TYPES; k++) T->first[k] = T->last[k] = NAN;
    return PMS_OK;
}

/* One row per contract type: the practices with total payments and weighted
 * patients > 0 (the selection step, io/cases.h), grouped by contract type;
 * "All" counts every practice, whatever its contract type. */
static pms_status type_rows(trend_state *T, const char *year, const pms_cases *cs, pms_err *err)
{
    double *ratios = malloc((cs->n ? cs->n : 1) * sizeof *ratios);
    if (!ratios) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    pms_out_row(T->wide);
    pms_out_set_text(T->wide, T->w_year, year);
    for (int k = 0; k < TYPES; k++) {
        size_t g = k < 3 ? pms_cases_group_id(cs, type_names[k]) : PMS_ALL_GROUPS;
        size_t m = 0, ex = k < 3 ? (g == PMS_NO_GROUP ? 0 : cs->group_excluded[g]) : cs->excluded;
        double sum_t = 0, sum_w = 0;
        for (size_t i = 0; i < cs->n && (k == 3 || g != PMS_NO_GROUP); i++) {
            if (k < 3 && cs->group[i] != g) continue;
            sum_t += cs->col[0][i];
            sum_w += cs->col[1][i];
            ratios[m++] = cs->col[0][i] / cs->col[1][i];
        }
        double pooled = sum_w > 0 ? sum_t / sum_w : NAN;
        pms_out_row(T->longt);
        pms_out_set_text(T->longt, T->c_year, year);
        pms_out_set_text(T->longt, T->c_type, type_names[k]);
        pms_out_set_int(T->longt, T->c_n, (long long)m);
        pms_out_set_int(T->longt, T->c_ex, (long long)ex);
        pms_out_set_num(T->longt, T->c_w, sum_w);
        pms_out_set_num(T->longt, T->c_tot, sum_t);
        pms_out_set_num(T->longt, T->c_pool, pooled);
        pms_out_set_num(T->longt, T->c_med, median(ratios, m));
        pms_out_set_num(T->wide, T->w_col[k], pooled);
        if (T->ny < 64) T->vals[k][T->ny] = pooled;
        if (!T->first_year || !strcmp(T->first_year, year)) T->first[k] = pooled;
        T->last[k] = pooled;
    }
    free(ratios);
    return PMS_OK;
}

/* The locality's base-year practices found in this year, pooled. */
static pms_status locality_row(pms_report_ctx *r, trend_state *T, const char *year,
                               const pms_table *t, const pms_cases *cs, pms_err *err)
{
    unsigned char *mark = malloc(t->nrows ? t->nrows : 1);
    if (!mark) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    size_t found = pms_report_locality_rows(r, t, mark);
    double lt = 0, lw = 0;
    for (size_t i = 0; i < cs->n; i++)
        if (mark[cs->row[i]]) lt += cs->col[0][i], lw += cs->col[1][i];
    free(mark);
    pms_out_row(T->loct);
    pms_out_set_text(T->loct, T->l_year, year);
    pms_out_set_int(T->loct, T->l_found, (long long)found);
    pms_out_set_int(T->loct, T->l_of, (long long)r->nloc_codes);
    pms_out_set_num(T->loct, T->l_pool, lw > 0 ? lt / lw : NAN);
    if (T->fw < sizeof T->follow) {
        int k = snprintf(T->follow + T->fw, sizeof T->follow - T->fw, "%s%zu in %s",
                         T->fw ? ", " : "", found, year);
        if (k > 0) T->fw += (size_t)k;
    }
    return PMS_OK;
}

static pms_status trend_year(pms_report_ctx *r, trend_state *T, const pms_config_entry *ce,
                             pms_err *err)
{
    char path[4096];
    const char *paths[1] = {pms_report_path(r, ce->value, path, sizeof path)};
    pms_table *t = NULL;
    pms_status st = pms_report_load(r, paths, 1, NULL, 0, &t, err);
    if (st) return st;
    pms_case_col cols[2] = {{"total_payments", NULL, "amount", 0, PMS_CASE_NUMBER},
                            {"weighted_patients", NULL, "weight", 0, PMS_CASE_POSITIVE}};
    pms_cases_spec sp;
    pms_cases_spec_default(&sp);
    sp.cols = cols;
    sp.ncols = 2;
    sp.group = "contract_type";
    sp.keep_ungrouped = 1;
    pms_cases cs;
    memset(&cs, 0, sizeof cs);
    const pms_column *ct = pms_table_col(t, "contract_type");
    if (!ct || ct->type != PMS_COL_TEXT) {
        /* the columns first: their absence is the error a reader expects */
        const double *v;
        if (!(st = pms_table_numeric(t, "total_payments", &v, err)) &&
            !(st = pms_table_numeric(t, "weighted_patients", &v, err)))
            st = pms_err_set(err, PMS_ENOTFOUND, "%s: no contract type column", path);
    }
    if (!st) st = pms_cases_select(t, &sp, &cs, err);
    if (!st) st = type_rows(T, ce->key, &cs, err);
    if (!st) st = locality_row(r, T, ce->key, t, &cs, err);
    if (!st) {
        if (T->ny < 64) T->years[T->ny++] = ce->key;
        if (!T->first_year) T->first_year = ce->key;
        T->last_year = ce->key;
    }
    pms_cases_free(&cs);
    return st; /* t stays with r, for Provenance */
}

static pms_status trend_charts(pms_report_ctx *r, trend_state *T, const pms_xlsx_loc *loc,
                               pms_err *err)
{
    pms_status st = PMS_OK;
    if (T->first_year) {
        /* The three contract types and all practices (a black dashed line). */
        pms_xlsx_series s[TYPES];
        for (int k = 0; k < TYPES; k++)
            s[k] = (pms_xlsx_series){&loc[1], 0, T->w_col[k],
                                     k == 3 ? "All practices" : type_names[k], 0};
        static const int role[TYPES] = {0, 0, 0, 2};
        pms_xlsx_chart_look look = {role, 0, NAN, NAN};
        st = pms_xlsx_add_chart_look(r->x, "Trend", PMS_XLSX_LINE,
                                     "Total NHS payments per weighted patient by contract type",
                                     "Year", "\xc2\xa3 per weighted patient", s, TYPES, &look, err);
    }
    if (!st && T->ny && r->charts_on) {
        double flat[TYPES * 64];
        for (int k = 0; k < TYPES; k++) memcpy(flat + (size_t)k * T->ny, T->vals[k], T->ny * sizeof(double));
        pms_chart_info ci = pms_report_chart_info(r, "trend_contract",
                                                  "Payments per weighted patient by contract type",
                                                  "Financial year", "\xc2\xa3 per weighted patient");
        char src[200];
        snprintf(src, sizeof src, "Source: NHS Digital, NHS Payments to General Practice, %s to %s. "
                                  "Pooled: total payments / weighted patients.",
                 T->first_year, T->last_year);
        pms_utf8_trim_tail(src); /* years are [trend] keys from the config */
        ci.source = src;
        st = pms_chart_categories(&ci, T->years, T->ny, type_names, TYPES, flat, 1, err);
        if (!st)
            st = pms_report_add_chart(r, "trend_contract", "trend by contract type", "Trend",
                                      34, 10, err);
    }
    return st;
}

static void say_trend(pms_report_ctx *r, const trend_state *T)
{
    const double *first = T->first, *last = T->last;
    pms_report_say(r, PMS_SAY_ENGLAND,
                   "Total NHS payments per weighted patient were \xc2\xa3%.2f in %s and "
                   "\xc2\xa3%.2f in %s. PMS practices received \xc2\xa3%.2f per weighted "
                   "patient against \xc2\xa3%.2f for GMS in %s (a gap of \xc2\xa3%.2f), and "
                   "\xc2\xa3%.2f against \xc2\xa3%.2f in %s.",
                   first[3], T->first_year, last[3], T->last_year, first[1], first[0],
                   T->first_year, first[1] - first[0], last[1], last[0], T->last_year);
    pms_report_method(r, "Trend: for each year's NHS Payments to General Practice file, "
                         "pooled payments per weighted patient = sum of total NHS payments / "
                         "sum of weighted patients over the practices of each contract type "
                         "(\"All\" includes every practice, also UNKNOWN contract types), "
                         "excluding practices with 0 or missing weighted patients; the median "
                         "of practice-level ratios is shown beside it.");
}

pms_status pms_report_trend(pms_report_ctx *r, pms_err *err)
{
    trend_state *T = calloc(1, sizeof *T);
    if (!T) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    pms_status st = trend_tables(T, err);
    for (size_t e = 0; e < r->cfg->n && !st; e++)
        if (!strcmp(r->cfg->e[e].section, "trend")) st = trend_year(r, T, &r->cfg->e[e], err);
    if (T->longt) {
        pms_out_footnote(T->longt, "Pooled = total payments / weighted patients of the group; median = "
                                   "median of practice-level ratios. Practices with 0 or missing "
                                   "weighted patients or payments are excluded (counted).");
        pms_out_footnote(T->loct, "A locality is a set of practices: those with its code in the base year, "
                                  "followed by practice code (CCGs merged, e.g. 11H into 15C in April "
                                  "2018). Pooled total NHS payments / weighted patients of those found.");
    }
    pms_xlsx_loc loc[3];
    pms_out *tabs[3] = {T->longt, T->wide, T->loct};
    if (!st) st = pms_report_add_tables(r, "Trend", tabs, 3, loc, err);
    if (!st && T->fw) {
        char lab[300];
        pms_report_locality_found(r, r->main, "the base year", lab, sizeof lab);
        /* "Bristol (11H, 2014/15 practices): 54 of 55 found in the base year" -> keep the head. */
        char *colon = strstr(lab, "): ");
        if (colon) colon[1] = '\0';
        pms_report_say(r, PMS_SAY_DETAIL, "Followed by practice code across CCG changes, %s: of %zu, %s.", lab,
                       r->nloc_codes, T->follow);
    }
    if (!st) st = trend_charts(r, T, loc, err);
    if (!st && T->first_year && T->last_year) say_trend(r, T);
    pms_out_free(T->longt);
    pms_out_free(T->wide);
    pms_out_free(T->loct);
    free(T);
    return st;
}
