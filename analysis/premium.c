#include "analysis/premium.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

__extension__ typedef __int128 i128;

/* The rates of DOMAIN.md.  analysis/savings.c keeps the same figures for
 * 2013/14-2017/18 in pms_sav_settings_default (the scenario file can
 * override them there); test_premium checks the two agree. */
static const double gs_rates[PMS_PREM_LAST_YEAR - PMS_PREM_FIRST_YEAR + 1] = {
    66.25, 73.56, 76.14, 80.59, 85.35, 88.96, 89.88, 93.46};

double pms_prem_gs_rate(int year)
{
    if (year < PMS_PREM_FIRST_YEAR || year > PMS_PREM_LAST_YEAR) return NAN;
    return gs_rates[year - PMS_PREM_FIRST_YEAR];
}

void pms_prem_opts_default(pms_prem_opts *o)
{
    memset(o, 0, sizeof *o);
    o->prices_year = 2014;
    o->rate = NAN;
    o->ci_level = 0.95;
    o->delta = 0.1;
    o->power = 0.8;
    o->min_corr = 10;
}

void pms_prem_result_free(pms_prem_result *r)
{
    if (!r) return;
    free(r->idx);
    free(r->premium);
    free(r->after);
    free(r->per_weighted);
    free(r->loc);
    memset(r, 0, sizeof *r);
}

/* a / b rounded half away from zero, b > 0 (exact). */
static int64_t div_round(i128 a, i128 b)
{
    i128 q = a >= 0 ? (a + b / 2) / b : -((-a + b / 2) / b);
    return (int64_t)q;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int cmp_i64_desc(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x < y) - (x > y);
}

/* R's quantile type 7 of sorted s[0..m), m >= 1. */
static double quantile7(const double *s, size_t m, double p)
{
    double h = (double)(m - 1) * p;
    size_t lo = (size_t)floor(h);
    if (lo + 1 >= m) return s[m - 1];
    return s[lo] + (h - (double)lo) * (s[lo + 1] - s[lo]);
}

/* Scratch for one group: m practices at most. */
typedef struct {
    double *x, *y, *sorted;
    int64_t *money;
} group_ws;

/* Statistics of the practices members[0..m) (indices into r's arrays). */
static pms_status group_stats(const pms_sav_base *b, const pms_prem_result *r,
                              const pms_prem_opts *o, const size_t *members, size_t m,
                              group_ws *w, pms_prem_group *g, pms_err *err)
{
    memset(g, 0, sizeof *g);
    g->practices = m;
    g->corr_status = PMS_ETOOFEW;
    g->per_weighted = g->after_per_weighted = g->q1 = g->median = g->q3 = NAN;
    g->top10_share = g->min_detectable = g->tost_p = NAN;
    if (m == 0) return PMS_OK;
    for (size_t k = 0; k < m; k++) {
        size_t j = members[k], i = r->idx[j];
        g->premium += r->premium[j];
        g->after += r->after[j];
        g->weighted += b->weighted[i];
        g->above += r->premium[j] > 0;
        g->below += r->premium[j] < 0;
        g->above_after += r->after[j] > 0;
        g->below_after += r->after[j] < 0;
        w->sorted[k] = r->per_weighted[j];
        w->money[k] = r->premium[j];
        if (isfinite(b->imd[i])) {
            w->x[g->n_imd] = r->per_weighted[j];
            w->y[g->n_imd] = b->imd[i];
            g->n_imd++;
        }
    }
    g->per_weighted = (double)g->premium / 100.0 / g->weighted;
    g->after_per_weighted = (double)g->after / 100.0 / g->weighted;
    qsort(w->sorted, m, sizeof *w->sorted, cmp_double);
    g->q1 = quantile7(w->sorted, m, 0.25);
    g->median = quantile7(w->sorted, m, 0.5);
    g->q3 = quantile7(w->sorted, m, 0.75);
    /* Which practices are "the top 10%" does not depend on ties: only their sum is used. */
    qsort(w->money, m, sizeof *w->money, cmp_i64_desc);
    g->top10_n = (m + 9) / 10;
    int64_t top = 0;
    for (size_t k = 0; k < g->top10_n; k++) top += w->money[k];
    if (g->premium > 0) g->top10_share = (double)top / (double)g->premium;

    if (g->n_imd < o->min_corr || g->n_imd < 4) return PMS_OK;
    pms_corr_opts co;
    pms_corr_opts_default(&co);
    co.method = PMS_CORR_SPEARMAN;
    co.ci_level = o->ci_level;
    pms_err cerr;
    g->corr_status = pms_corr_test(w->x, w->y, NULL, g->n_imd, &co, &g->corr, &cerr);
    if (g->corr_status == PMS_ENOMEM) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    if (g->corr_status) return PMS_OK; /* e.g. constant premium: no correlation, said so */
    double alpha = 1 - o->ci_level;
    g->min_detectable = pms_corr_min_detectable(PMS_CORR_SPEARMAN, (double)g->n_imd, 0, alpha,
                                                o->power);
    g->tost_p = pms_corr_tost(&g->corr, o->delta);
    g->verdict = pms_corr_verdict(g->corr.p_value, g->tost_p, alpha);
    return PMS_OK;
}

static pms_status check_opts(const pms_prem_opts *o, double *rate, pms_err *err)
{
    *rate = isnan(o->rate) ? pms_prem_gs_rate(o->prices_year) : o->rate;
    if (isnan(*rate))
        return pms_err_set(err, PMS_EDOMAIN,
                           "premium: no global sum rate for %d/%02d (the table has %d/%02d to "
                           "%d/%02d)",
                           o->prices_year, (o->prices_year + 1) % 100, PMS_PREM_FIRST_YEAR,
                           (PMS_PREM_FIRST_YEAR + 1) % 100, PMS_PREM_LAST_YEAR,
                           (PMS_PREM_LAST_YEAR + 1) % 100);
    if (!(*rate > 0) || !isfinite(*rate) || *rate > 1e6)
        return pms_err_set(err, PMS_EDOMAIN, "premium: the global sum rate must be positive, not %g",
                           *rate);
    if (!(o->ci_level > 0 && o->ci_level < 1) || !(o->delta > 0 && o->delta < 1) ||
        !(o->power > 0 && o->power < 1))
        return pms_err_set(err, PMS_EDOMAIN,
                           "premium: ci_level, delta and power must lie between 0 and 1");
    return PMS_OK;
}

/* Each PMS practice's premium before and after the MPIG taper. */
static void practice_premiums(const pms_sav_base *b, pms_prem_result *r)
{
    int64_t rate_u = llround(r->rate * 10000.0); /* 1/10000 pound per W */
    int64_t gms_wunits = 0;
    for (size_t i = 0; i < b->n; i++)
        if (b->contract[i] == PMS_CONTRACT_GMS) {
            r->gms_mpig += b->mpig0[i];
            gms_wunits += b->wunits[i];
            r->gms_weighted += b->weighted[i];
        }
    r->uplift_per_weighted = r->gms_weighted > 0 ? (double)r->gms_mpig / 100.0 / r->gms_weighted : 0;
    size_t k = 0;
    for (size_t i = 0; i < b->n; i++) {
        if (b->contract[i] != PMS_CONTRACT_PMS) continue;
        /* W (hundredths) x rate (1/10000 pound) / 10000 = pence */
        int64_t gms = div_round((i128)b->wunits[i] * rate_u, 10000);
        int64_t up = gms_wunits > 0 ? div_round((i128)r->gms_mpig * b->wunits[i], gms_wunits) : 0;
        r->idx[k] = i;
        r->premium[k] = b->core0[i] - gms;
        r->after[k] = b->core0[i] - b->mpig0[i] - gms - up;
        r->per_weighted[k] = (double)r->premium[k] / 100.0 / b->weighted[i];
        k++;
    }
    r->n = k;
}

pms_status pms_prem_compute(const pms_sav_base *b, const pms_prem_opts *o,
                            pms_prem_result *out, pms_err *err)
{
    memset(out, 0, sizeof *out);
    double rate;
    pms_status st = check_opts(o, &rate, err);
    if (st) return st;
    if (b->n_pms == 0)
        return pms_err_set(err, PMS_ETOOFEW, "premium: no PMS practice in the data");
    out->prices_year = o->prices_year;
    out->rate = rate;
    out->delta = o->delta;
    out->power = o->power;
    out->alpha = 1 - o->ci_level;
    size_t n = b->n_pms, nl = b->nloc ? b->nloc : 1;
    out->idx = malloc(n * sizeof *out->idx);
    out->premium = malloc(n * sizeof *out->premium);
    out->after = malloc(n * sizeof *out->after);
    out->per_weighted = malloc(n * sizeof *out->per_weighted);
    out->loc = calloc(nl, sizeof *out->loc);
    size_t *members = malloc(n * sizeof *members), *start = calloc(nl + 1, sizeof *start);
    group_ws w = {malloc(n * sizeof(double)), malloc(n * sizeof(double)),
                  malloc(n * sizeof(double)), malloc(n * sizeof(int64_t))};
    if (!out->idx || !out->premium || !out->after || !out->per_weighted || !out->loc ||
        !members || !start || !w.x || !w.y || !w.sorted || !w.money) {
        st = pms_err_set(err, PMS_ENOMEM, "out of memory");
        goto done;
    }
    practice_premiums(b, out);
    out->nloc = b->nloc;
    for (size_t j = 0; j < n; j++) members[j] = j;
    if ((st = group_stats(b, out, o, members, n, &w, &out->national, err))) goto done;
    /* Members grouped by locality (counting sort, practice order kept). */
    for (size_t j = 0; j < n; j++) start[b->loc[out->idx[j]] + 1]++;
    for (size_t l = 0; l < b->nloc; l++) start[l + 1] += start[l];
    size_t *fill = calloc(nl, sizeof *fill);
    if (!fill) {
        st = pms_err_set(err, PMS_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t j = 0; j < n; j++) {
        size_t l = b->loc[out->idx[j]];
        members[start[l] + fill[l]++] = j;
    }
    free(fill);
    for (size_t l = 0; l < b->nloc && !st; l++)
        st = group_stats(b, out, o, members + start[l], start[l + 1] - start[l], &w, &out->loc[l],
                         err);
done:
    free(members);
    free(start);
    free(w.x);
    free(w.y);
    free(w.sorted);
    free(w.money);
    if (st) pms_prem_result_free(out);
    return st;
}

void pms_prem_review(const pms_prem_result *r, pms_prem_review_row rows[PMS_PREM_REVIEW_ROWS])
{
    static const char *baseline =
        "the review used area teams' contract-level returns at 1 April 2013 and unpicked from PMS "
        "baselines what GMS pays separately (childhood immunisations, additional-services and "
        "out-of-hours opt-outs, temporary-patient payments, premises and dispensing items); the "
        "public file has 2014/15 payments with none of these adjustments";
    const pms_prem_group *g = &r->national;
    pms_prem_review_row v[PMS_PREM_REVIEW_ROWS] = {
        {"PMS premium above the GMS equivalent", "pounds", 325e6, (double)g->premium / 100.0,
         baseline},
        {"PMS premium per weighted patient", "pounds per weighted patient", 13.52,
         g->per_weighted, baseline},
        {"of which linked to defined enhanced services or KPIs", "pounds", 67e6, NAN,
         "the public file does not say what a PMS baseline pays for"},
        {"premium once MPIG is phased out in GMS", "pounds", 235e6, (double)g->after / 100.0,
         "as above; here GMS MPIG of the payments year is recycled into the GMS global sum "
         "pro rata weighted patients and PMS practices' own MPIG removed"},
        {"premium per weighted patient once MPIG is phased out", "pounds per weighted patient",
         9.80, g->after_per_weighted, "as above"},
        {"fall in the premium from the MPIG taper", "pounds", 90e6,
         (double)(g->premium - g->after) / 100.0,
         "GMS MPIG in 2014/15 had already lost its first seventh; the review's GMS equivalent "
         "is not published practice by practice"}};
    memcpy(rows, v, sizeof v);
}
