/* Correlation benchmark on the real 2014/15 data (imd2015 vs payments per
 * weighted patient, the ~7,800 complete practices; load once, time the
 * computation alone):
 *   - Pearson, Spearman and Kendall, each with its analytic interval and
 *     p-value (pms_corr_test), and the three together;
 *   - BCa bootstrap of Spearman with R replicates on T threads (resamples +
 *     the O(n log n) jackknife + intervals), and of Pearson and Kendall.
 * Prints medians over RUNS runs.
 * Usage: bench_correlate DATASETS_DIR [RUNS] [REPS] [R] [THREADS] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "analysis/correlate.h"
#include "io/table.h"
#include "bench/benchutil.h"

static void fail(const char *what, const pms_err *e)
{
    fprintf(stderr, "bench_correlate: %s: %s\n", what, e->msg);
    exit(1);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_correlate DATASETS_DIR [RUNS] [REPS] [R] [THREADS]\n");
        return 1;
    }
    int runs = argc > 2 ? atoi(argv[2]) : 5, reps = argc > 3 ? atoi(argv[3]) : 20;
    long R = argc > 4 ? atol(argv[4]) : 10000;
    unsigned threads = argc > 5 ? (unsigned)atoi(argv[5]) : 2;
    if (runs < 1) runs = 5;
    if (reps < 1) reps = 20;
    if (R < 2) R = 10000;
    char p1[1024], p2[1024];
    snprintf(p1, sizeof p1, "%s/nhs-payments/nhs-payments-gp-2014-15.csv", argv[1]);
    snprintf(p2, sizeof p2, "%s/practice-imd/practice-imd-fingertips-93553.csv", argv[1]);
    const char *data[] = {p1, p2};
    pms_data_opts o = {data, 2, NULL, 0, NULL, 0};
    pms_table *t = NULL;
    pms_err err = {{0}};
    if (pms_dataset_open(&o, &t, &err)) fail("load", &err);
    const double *xc, *yc;
    if (pms_table_numeric(t, "imd2015", &xc, &err) || pms_table_numeric(t, "payments_per_weighted", &yc, &err))
        fail("columns", &err);
    size_t n = 0;
    double *x = malloc(t->nrows * sizeof *x), *y = malloc(t->nrows * sizeof *y);
    for (size_t i = 0; i < t->nrows; i++)
        if (!isnan(xc[i]) && !isnan(yc[i])) {
            x[n] = xc[i];
            y[n++] = yc[i];
        }
    double *tm = malloc((size_t)runs * sizeof *tm);
    static const char *const names[3] = {"pearson", "spearman", "kendall"};
    double all = 0;
    for (int m = 0; m < 3; m++) {
        pms_corr_opts co;
        pms_corr_opts_default(&co);
        co.method = (pms_corr_method)m;
        for (int r = 0; r < runs; r++) {
            double t0 = pms_bench_now();
            for (int k = 0; k < reps; k++) {
                pms_corr_result res;
                if (pms_corr_test(x, y, NULL, n, &co, &res, &err)) fail(names[m], &err);
            }
            tm[r] = (pms_bench_now() - t0) / reps;
        }
        double med = pms_bench_median(tm, runs);
        all += med;
        printf("%s n=%zu estimate+interval+p: median %.3f ms\n", names[m], n, med * 1e3);
    }
    printf("three coefficients with analytic intervals n=%zu: %.3f ms\n", n, all * 1e3);
    for (int m = 0; m < 3; m++) {
        int br = m == 1 ? runs : (runs < 3 ? runs : 3);
        for (int r = 0; r < br; r++) {
            pms_corr_boot_opts bo = {(size_t)R, 1, threads, 0.95};
            pms_boot_ci ci;
            double t0 = pms_bench_now();
            if (pms_corr_bootstrap(x, y, NULL, n, (pms_corr_method)m, &bo, &ci, NULL, &err))
                fail("bootstrap", &err);
            tm[r] = pms_bench_now() - t0;
        }
        printf("%s BCa bootstrap R=%ld threads=%u n=%zu: median %.3f s\n", names[m], R, threads, n,
               pms_bench_median(tm, br));
    }
    free(tm);
    free(x);
    free(y);
    pms_table_free(t);
    return 0;
}
