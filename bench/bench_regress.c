/* Regression benchmark: the elasticity model on the real 2014/15 data (load
 * once, then time the fit alone), classical and HC3, and NIST Filip.
 * Prints the median over RUNS runs of the time per fit (each run repeats the
 * fit REPS times so that the clock resolution does not matter).
 * Usage: bench_regress DATASETS_DIR [RUNS] [REPS] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "analysis/regress.h"
#include "io/nist.h"
#include "io/table.h"
#include "bench/benchutil.h"

static double median_fit(const double *X, size_t n, size_t k, const double *y, const double *w,
                         const pms_reg_opts *o, int runs, int reps)
{
    double *t = malloc((size_t)runs * sizeof *t);
    for (int r = 0; r < runs; r++) {
        double t0 = pms_bench_now();
        for (int i = 0; i < reps; i++) {
            pms_reg_result res;
            pms_err err;
            if (pms_reg_fit(X, n, k, y, w, o, &res, &err)) {
                fprintf(stderr, "bench_regress: %s\n", err.msg);
                exit(1);
            }
            pms_reg_result_free(&res);
        }
        t[r] = (pms_bench_now() - t0) / reps;
    }
    double med = pms_bench_median(t, runs);
    free(t);
    return med;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_regress DATASETS_DIR [RUNS] [REPS]\n");
        return 1;
    }
    int runs = argc > 2 ? atoi(argv[2]) : 5, reps = argc > 3 ? atoi(argv[3]) : 20;
    if (runs < 1) runs = 5;
    if (reps < 1) reps = 20;
    char p1[1024], p2[1024], p3[1024];
    snprintf(p1, sizeof p1, "%s/nhs-payments/nhs-payments-gp-2014-15.csv", argv[1]);
    snprintf(p2, sizeof p2, "%s/practice-imd/practice-imd-fingertips-93553.csv", argv[1]);
    snprintf(p3, sizeof p3, "%s/nist-strd/linear-regression/Filip.dat", argv[1]);
    const char *data[] = {p1, p2};
    pms_data_opts o = {data, 2, NULL, 0, NULL, 0};
    pms_table *t = NULL;
    pms_err err;
    if (pms_dataset_open(&o, &t, &err)) {
        fprintf(stderr, "bench_regress: %s\n", err.msg);
        return 1;
    }
    const double *cols[3], *wt;
    if (pms_table_numeric(t, "payments_per_weighted", &cols[0], &err) ||
        pms_table_numeric(t, "imd2015", &cols[1], &err) ||
        pms_table_numeric(t, "weighted_patients", &cols[2], &err) ||
        pms_table_numeric(t, "registered_patients", &wt, &err)) {
        fprintf(stderr, "bench_regress: %s\n", err.msg);
        return 1;
    }
    size_t N = t->nrows;
    double *y = malloc(N * sizeof *y), *X = malloc(2 * N * sizeof *X), *w = malloc(N * sizeof *w);
    const int lg[3] = {1, 1, 1};
    pms_reg_rows info;
    if (pms_reg_select(cols, lg, 3, N, wt, y, X, w, &info, &err)) {
        fprintf(stderr, "bench_regress: %s\n", err.msg);
        return 1;
    }
    pms_reg_opts ro;
    pms_reg_opts_default(&ro);
    double tc = median_fit(X, info.used, 2, y, NULL, &ro, runs, reps);
    ro.robust = PMS_HC3;
    double th = median_fit(X, info.used, 2, y, NULL, &ro, runs, reps);
    double tw = median_fit(X, info.used, 2, y, w, &ro, runs, reps);
    printf("fit n=%zu k=2 classical: median %.1f us\n", info.used, tc * 1e6);
    printf("fit n=%zu k=2 hc3: median %.1f us\n", info.used, th * 1e6);
    printf("fit n=%zu k=2 weighted hc3: median %.1f us\n", info.used, tw * 1e6);

    pms_nist_data *d = NULL;
    if (pms_nist_load(p3, &d, &err)) {
        fprintf(stderr, "bench_regress: %s\n", err.msg);
        return 1;
    }
    double *fx = malloc(d->n * 10 * sizeof *fx), *fy = malloc(d->n * sizeof *fy);
    pms_nist_predictors(d, fx, fy);
    pms_reg_opts_default(&ro);
    double tf = median_fit(fx, d->n, 10, fy, NULL, &ro, runs, reps * 10);
    printf("fit Filip n=%zu k=10: median %.1f us\n", d->n, tf * 1e6);
    free(fx);
    free(fy);
    pms_nist_free(d);
    free(y);
    free(X);
    free(w);
    pms_table_free(t);
    return 0;
}
