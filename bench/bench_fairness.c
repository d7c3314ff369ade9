/* Fairness benchmark on the real 2014/15 data (loaded once): every inequality
 * measure with CCG decompositions; the concentration index with its SE; the
 * bootstrap of Gini, Theil T and C with 1,000 resamples on 1 thread and on all
 * CPUs; and, for scale, the same resamples done the naive way (a sort per
 * resample through pms_ineq_gini / pms_conc_index).  Medians of RUNS runs.
 * Usage: bench_fairness DATASETS_DIR [RUNS] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_rng.h>

#include "analysis/concentration.h"
#include "analysis/fairness.h"
#include "analysis/funnel.h"
#include "analysis/inequality.h"
#include "io/table.h"
#include "bench/benchutil.h"

static void die(const pms_err *e)
{
    fprintf(stderr, "bench_fairness: %s\n", e->msg);
    exit(1);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_fairness DATASETS_DIR [RUNS]\n");
        return 1;
    }
    int runs = argc > 2 ? atoi(argv[2]) : 5;
    if (runs < 1) runs = 5;
    char p1[1024], p2[1024];
    snprintf(p1, sizeof p1, "%s/nhs-payments/nhs-payments-gp-2014-15.csv", argv[1]);
    snprintf(p2, sizeof p2, "%s/practice-imd/practice-imd-fingertips-93553.csv", argv[1]);
    const char *data[] = {p1, p2};
    pms_data_opts o = {data, 2, NULL, 0, NULL, 0};
    pms_table *t = NULL;
    pms_err err;
    if (pms_dataset_open(&o, &t, &err)) die(&err);
    const double *v, *w, *r;
    const char *const *ccg;
    if (pms_table_numeric(t, "payments_per_weighted", &v, &err) ||
        pms_table_numeric(t, "weighted_patients", &w, &err) ||
        pms_table_numeric(t, "imd2015", &r, &err) || pms_table_text(t, "ccg_code", &ccg, &err))
        die(&err);
    size_t N = t->nrows, n = 0, ng = 0;
    double *x = malloc(N * sizeof *x), *wt = malloc(N * sizeof *wt), *rk = malloc(N * sizeof *rk);
    size_t *g = malloc(N * sizeof *g);
    const char **names = malloc(N * sizeof *names);
    for (size_t i = 0; i < N; i++) {
        if (!(v[i] > 0)) continue;
        size_t k = 0;
        while (k < ng && strcmp(names[k], ccg[i])) k++;
        if (k == ng) names[ng++] = ccg[i];
        x[n] = v[i];
        wt[n] = w[i];
        rk[n] = r[i];
        g[n] = k;
        n++;
    }
    double *tm = malloc((size_t)runs * sizeof *tm);

    /* All measures with decompositions: 50 repetitions per run. */
    for (int k = 0; k < runs; k++) {
        double t0 = pms_bench_now();
        for (int j = 0; j < 50; j++) {
            pms_ineq_summary s;
            if (pms_ineq_summarise(x, wt, g, ng, n, &s, &err)) die(&err);
        }
        tm[k] = (pms_bench_now() - t0) / 50;
    }
    printf("all inequality measures, %zu practices, %zu CCGs: median %.1f us\n", n, ng,
           pms_bench_median(tm, runs) * 1e6);

    size_t m = 0;
    double *xr = malloc(n * sizeof *xr), *wr = malloc(n * sizeof *wr), *rr = malloc(n * sizeof *rr);
    for (size_t i = 0; i < n; i++)
        if (!isnan(rk[i])) {
            xr[m] = x[i];
            wr[m] = wt[i];
            rr[m] = rk[i];
            m++;
        }
    for (int k = 0; k < runs; k++) {
        double t0 = pms_bench_now();
        for (int j = 0; j < 50; j++) {
            pms_conc_result c;
            if (pms_conc_compute(xr, wr, rr, m, PMS_RANK_DESCENDING, 0.95, &c, &err)) die(&err);
        }
        tm[k] = (pms_bench_now() - t0) / 50;
    }
    printf("concentration index + SE, %zu practices: median %.1f us\n", m, pms_bench_median(tm, runs) * 1e6);

    for (unsigned th = 1; th != 2; th = th ? 0 : 2) {
        for (int k = 0; k < runs; k++) {
            pms_fair_boot_opts bo = {1000, 2015, th, 0.95, rk, PMS_RANK_DESCENDING, NULL, NULL};
            pms_fair_boot_result br;
            double t0 = pms_bench_now();
            if (pms_fair_bootstrap(x, wt, n, &bo, &br, &err)) die(&err);
            tm[k] = pms_bench_now() - t0;
        }
        printf("bootstrap 1000 resamples (Gini, Theil T, C; percentile + BCa), %s: median %.4f s\n",
               th == 1 ? "1 thread" : "all CPUs", pms_bench_median(tm, runs));
    }

    /* Funnel, mean type, multiplicative over-dispersion, 200-point grid. */
    for (int k = 0; k < runs; k++) {
        pms_funnel_opts fo;
        pms_funnel_opts_default(&fo);
        fo.overdispersion = PMS_OD_MULTIPLICATIVE;
        double t0 = pms_bench_now();
        for (int j = 0; j < 20; j++) {
            pms_funnel_result fr;
            if (pms_funnel_fit(x, wt, n, &fo, &fr, &err)) die(&err);
            pms_funnel_result_free(&fr);
        }
        tm[k] = (pms_bench_now() - t0) / 20;
    }
    printf("funnel (mean, multiplicative, 200-point grid), %zu practices: median %.1f us\n", n,
           pms_bench_median(tm, runs) * 1e6);

    /* Naive: expand multiplicities into weights and call the sorting
     * functions, 100 resamples, scaled to 1,000. */
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    unsigned *mult = malloc(n * sizeof *mult);
    double *xx = malloc(n * sizeof *xx), *ww = malloc(n * sizeof *ww), *rx = malloc(n * sizeof *rx),
           *xw = malloc(n * sizeof *xw), *wx = malloc(n * sizeof *wx);
    for (int k = 0; k < runs; k++) {
        double t0 = pms_bench_now();
        for (int j = 0; j < 100; j++) {
            pms_boot_multiplicities(rng, n, mult);
            size_t q = 0, qr = 0;
            for (size_t i = 0; i < n; i++) {
                if (!mult[i]) continue;
                xx[q] = x[i];
                ww[q] = mult[i] * wt[i];
                q++;
                if (!isnan(rk[i])) {
                    xw[qr] = x[i];
                    wx[qr] = mult[i] * wt[i];
                    rx[qr] = rk[i];
                    qr++;
                }
            }
            double gg, cc;
            pms_ineq_decomp d;
            if (pms_ineq_gini(xx, ww, q, &gg, &err) ||
                pms_ineq_theil_t(xx, ww, NULL, 0, q, &d, &err) ||
                pms_conc_index(xw, wx, rx, qr, PMS_RANK_DESCENDING, &cc, &err))
                die(&err);
        }
        tm[k] = (pms_bench_now() - t0) * 10;
    }
    printf("naive bootstrap (sort per resample), 1000 resamples, 1 thread: median %.4f s\n",
           pms_bench_median(tm, runs));
    gsl_rng_free(rng);
    free(mult);
    free(xx);
    free(ww);
    free(rx);
    free(xw);
    free(wx);
    free(x);
    free(wt);
    free(rk);
    free(g);
    free(names);
    free(xr);
    free(wr);
    free(rr);
    free(tm);
    pms_table_free(t);
    return 0;
}
