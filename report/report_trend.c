/* Report section: payments per weighted patient by contract type, every year. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "io/utf8.h"
#include "report/report.h"

#define TYPES 4
static const char *type_names[TYPES] = {"GMS", "PMS", "APMS", "All"};

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
    if (!n) return NAN;
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

pms_status pms_report_trend(pms_report_ctx *r, pms_err *err)
{
    pms_out *longt = pms_out_new("trend", "Total NHS payments per weighted patient by contract type");
    pms_out *wide = pms_out_new("trend_wide", "Pooled total NHS payments per weighted patient (chart data)");
    if (!longt || !wide) {
        pms_out_free(longt);
        pms_out_free(wide);
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    int c_year = pms_out_col(longt, "year", PMS_OUT_TEXT, 0),
        c_type = pms_out_col(longt, "contract_type", PMS_OUT_TEXT, 0),
        c_n = pms_out_col(longt, "practices", PMS_OUT_INT, 0),
        c_ex = pms_out_col(longt, "excluded", PMS_OUT_INT, 0),
        c_w = pms_out_col(longt, "weighted_patients", PMS_OUT_REAL, 0),
        c_tot = pms_out_col(longt, "total_payments", PMS_OUT_MONEY, 2),
        c_pool = pms_out_col(longt, "payments_per_weighted", PMS_OUT_MONEY, 2),
        c_med = pms_out_col(longt, "median_per_weighted", PMS_OUT_MONEY, 2);
    int w_year = pms_out_col(wide, "year", PMS_OUT_TEXT, 0);
    int w_col[TYPES];
    for (int k = 0; k < TYPES; k++) w_col[k] = pms_out_col(wide, type_names[k], PMS_OUT_MONEY, 2);

    /* The locality followed by its base-year practice codes into each year. */
    pms_out *loct = pms_out_new("locality_trend", "The locality's base-year practices in every year");
    if (!loct) {
        pms_out_free(longt), pms_out_free(wide);
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    int l_year = pms_out_col(loct, "year", PMS_OUT_TEXT, 0),
        l_found = pms_out_col(loct, "practices_found", PMS_OUT_INT, 0),
        l_of = pms_out_col(loct, "of_base_year", PMS_OUT_INT, 0),
        l_pool = pms_out_col(loct, "payments_per_weighted", PMS_OUT_MONEY, 2);
    char follow[1024] = "";
    size_t fw = 0;
    pms_status st = PMS_OK;
    double first[TYPES] = {NAN, NAN, NAN, NAN}, last[TYPES] = {NAN, NAN, NAN, NAN};
    const char *first_year = NULL, *last_year = NULL;
    /* Chart data: years by contract type. */
    const char *years[64];
    double vals[TYPES][64];
    size_t ny = 0;
    for (size_t e = 0; e < r->cfg->n && !st; e++) {
        const pms_config_entry *ce = &r->cfg->e[e];
        if (strcmp(ce->section, "trend")) continue;
        char path[4096];
        const char *paths[1] = {pms_report_path(r, ce->value, path, sizeof path)};
        pms_table *t = NULL;
        if ((st = pms_report_load(r, paths, 1, NULL, 0, &t, err))) break;
        const pms_column *ct = pms_table_col(t, "contract_type");
        const double *tot, *w;
        if ((st = pms_table_numeric(t, "total_payments", &tot, err)) ||
            (st = pms_table_numeric(t, "weighted_patients", &w, err)))
            break;
        if (!ct || ct->type != PMS_COL_TEXT) {
            st = pms_err_set(err, PMS_ENOTFOUND, "%s: no contract type column", path);
            break;
        }
        double sum_t[TYPES] = {0}, sum_w[TYPES] = {0};
        size_t n[TYPES] = {0}, ex[TYPES] = {0};
        double *ratios = malloc((t->nrows ? t->nrows : 1) * sizeof *ratios);
        if (!ratios) {
            st = pms_err_set(err, PMS_ENOMEM, "out of memory");
            break;
        }
        pms_out_row(wide);
        pms_out_set_text(wide, w_year, ce->key);
        for (int k = 0; k < TYPES; k++) {
            size_t m = 0;
            for (size_t i = 0; i < t->nrows; i++) {
                const char *ty = ct->text[i] ? ct->text[i] : "";
                /* "All" counts every practice, whatever its contract type. */
                if (k < 3 && strcmp(ty, type_names[k])) continue;
                if (isnan(tot[i]) || isnan(w[i]) || w[i] <= 0) {
                    ex[k]++;
                    continue;
                }
                n[k]++;
                sum_t[k] += tot[i];
                sum_w[k] += w[i];
                ratios[m++] = tot[i] / w[i];
            }
            double pooled = sum_w[k] > 0 ? sum_t[k] / sum_w[k] : NAN;
            pms_out_row(longt);
            pms_out_set_text(longt, c_year, ce->key);
            pms_out_set_text(longt, c_type, type_names[k]);
            pms_out_set_int(longt, c_n, (long long)n[k]);
            pms_out_set_int(longt, c_ex, (long long)ex[k]);
            pms_out_set_num(longt, c_w, sum_w[k]);
            pms_out_set_num(longt, c_tot, sum_t[k]);
            pms_out_set_num(longt, c_pool, pooled);
            pms_out_set_num(longt, c_med, median(ratios, m));
            pms_out_set_num(wide, w_col[k], pooled);
            if (ny < 64) vals[k][ny] = pooled;
            if (!first_year || !strcmp(first_year, ce->key)) first[k] = pooled;
            last[k] = pooled;
        }
        unsigned char *mark = malloc(t->nrows ? t->nrows : 1);
        if (!mark) {
            free(ratios);
            st = pms_err_set(err, PMS_ENOMEM, "out of memory");
            break;
        }
        size_t found = pms_report_locality_rows(r, t, mark);
        double lt = 0, lw = 0;
        for (size_t i = 0; i < t->nrows; i++)
            if (mark[i] && !isnan(tot[i]) && w[i] > 0) lt += tot[i], lw += w[i];
        free(mark);
        pms_out_row(loct);
        pms_out_set_text(loct, l_year, ce->key);
        pms_out_set_int(loct, l_found, (long long)found);
        pms_out_set_int(loct, l_of, (long long)r->nloc_codes);
        pms_out_set_num(loct, l_pool, lw > 0 ? lt / lw : NAN);
        if (fw < sizeof follow) {
            int k = snprintf(follow + fw, sizeof follow - fw, "%s%zu in %s", fw ? ", " : "", found,
                             ce->key);
            if (k > 0) fw += (size_t)k;
        }
        if (ny < 64) years[ny++] = ce->key;
        if (!first_year) first_year = ce->key;
        last_year = ce->key;
        free(ratios);
    }
    pms_out_footnote(longt, "Pooled = total payments / weighted patients of the group; median = "
                            "median of practice-level ratios. Practices with 0 or missing "
                            "weighted patients or payments are excluded (counted).");
    pms_out_footnote(loct, "A locality is a set of practices: those with its code in the base year, "
                           "followed by practice code (CCGs merged, e.g. 11H into 15C in April "
                           "2018). Pooled total NHS payments / weighted patients of those found.");
    pms_xlsx_loc loc[3];
    pms_out *tabs[3] = {longt, wide, loct};
    if (!st) st = pms_report_add_tables(r, "Trend", tabs, 3, loc, err);
    if (!st && fw) {
        char lab[300];
        pms_report_locality_found(r, r->main, "the base year", lab, sizeof lab);
        /* "Bristol (11H, 2014/15 practices): 54 of 55 found in the base year" -> keep the head. */
        char *colon = strstr(lab, "): ");
        if (colon) colon[1] = '\0';
        pms_report_say(r, PMS_SAY_DETAIL, "Followed by practice code across CCG changes, %s: of %zu, %s.", lab,
                       r->nloc_codes, follow);
    }
    if (!st && first_year) {
        /* The three contract types and all practices (a black dashed line). */
        pms_xlsx_series s[TYPES];
        for (int k = 0; k < TYPES; k++)
            s[k] = (pms_xlsx_series){&loc[1], 0, w_col[k], k == 3 ? "All practices" : type_names[k],
                                     0};
        static const int role[TYPES] = {0, 0, 0, 2};
        pms_xlsx_chart_look look = {role, 0, NAN, NAN};
        st = pms_xlsx_add_chart_look(r->x, "Trend", PMS_XLSX_LINE,
                                     "Total NHS payments per weighted patient by contract type",
                                     "Year", "\xc2\xa3 per weighted patient", s, TYPES, &look, err);
    }
    if (!st && ny && r->charts_on) {
        double flat[TYPES * 64];
        for (int k = 0; k < TYPES; k++) memcpy(flat + (size_t)k * ny, vals[k], ny * sizeof(double));
        pms_chart_info ci = pms_report_chart_info(r, "trend_contract",
                                                  "Payments per weighted patient by contract type",
                                                  "Financial year", "\xc2\xa3 per weighted patient");
        char src[200];
        snprintf(src, sizeof src, "Source: NHS Digital, NHS Payments to General Practice, %s to %s. "
                                  "Pooled: total payments / weighted patients.",
                 first_year, last_year);
        pms_utf8_trim_tail(src); /* years are [trend] keys from the config */
        ci.source = src;
        st = pms_chart_categories(&ci, years, ny, type_names, TYPES, flat, 1, err);
        if (!st)
            st = pms_report_add_chart(r, "trend_contract", "trend by contract type", "Trend",
                                      34, 10, err);
    }
    if (!st && first_year && last_year) {
        pms_report_say(r, PMS_SAY_ENGLAND,
                       "Total NHS payments per weighted patient were \xc2\xa3%.2f in %s and "
                       "\xc2\xa3%.2f in %s. PMS practices received \xc2\xa3%.2f per weighted "
                       "patient against \xc2\xa3%.2f for GMS in %s (a gap of \xc2\xa3%.2f), and "
                       "\xc2\xa3%.2f against \xc2\xa3%.2f in %s.",
                       first[3], first_year, last[3], last_year, first[1], first[0], first_year,
                       first[1] - first[0], last[1], last[0], last_year);
        pms_report_method(r, "Trend: for each year's NHS Payments to General Practice file, "
                             "pooled payments per weighted patient = sum of total NHS payments / "
                             "sum of weighted patients over the practices of each contract type "
                             "(\"All\" includes every practice, also UNKNOWN contract types), "
                             "excluding practices with 0 or missing weighted patients; the median "
                             "of practice-level ratios is shown beside it.");
    }
    pms_out_free(longt);
    pms_out_free(wide);
    pms_out_free(loct);
    return st;
}
