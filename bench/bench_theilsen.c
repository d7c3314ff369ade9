/* Theil-Sen benchmark: pms_theilsen (slope, 95% interval, intercept) on the
 * real 2014/15 practices, payments per weighted patient against IMD 2015 (the
 * report's Deprivation chart; data loaded once, the fit alone timed), and on a
 * synthetic sample of the same size.  Prints the median over RUNS runs of the
 * CPU time per fit (each run repeats the fit REPS times).  With a third
 * argument, writes the real pairs there as "x y" lines, for the SciPy
 * comparison of bench_theilsen.sh.
 * Usage: bench_theilsen DATASETS_DIR [RUNS] [REPS] [DUMP_FILE] */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "analysis/theilsen.h"
#include "io/table.h"
#include "bench/benchutil.h"

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double median_fit(const double *x, const double *y, size_t n, int runs, int reps,
                         pms_ts_result *res)
{
    double *t = malloc((size_t)runs * sizeof *t);
    for (int r = 0; r < runs; r++) {
        double t0 = cpu_now();
        for (int i = 0; i < reps; i++) {
            pms_err err;
            if (pms_theilsen(x, y, n, 0.95, res, &err)) {
                fprintf(stderr, "bench_theilsen: %s\n", err.msg);
                exit(1);
            }
        }
        t[r] = (cpu_now() - t0) / reps;
    }
    double med = pms_bench_median(t, runs);
    free(t);
    return med;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_theilsen DATASETS_DIR [RUNS] [REPS] [DUMP_FILE]\n");
        return 1;
    }
    int runs = argc > 2 ? atoi(argv[2]) : 5, reps = argc > 3 ? atoi(argv[3]) : 10;
    if (runs < 1) runs = 5;
    if (reps < 1) reps = 10;
    char p1[1024], p2[1024];
    snprintf(p1, sizeof p1, "%s/nhs-payments/nhs-payments-gp-2014-15.csv", argv[1]);
    snprintf(p2, sizeof p2, "%s/practice-imd/practice-imd-fingertips-93553.csv", argv[1]);
    const char *data[] = {p1, p2};
    pms_data_opts o = {data, 2, NULL, 0, NULL, 0};
    pms_table *t = NULL;
    pms_err err;
    const double *py, *px;
    if (pms_dataset_open(&o, &t, &err) || pms_table_numeric(t, "payments_per_weighted", &py, &err) ||
        pms_table_numeric(t, "imd2015", &px, &err)) {
        fprintf(stderr, "bench_theilsen: %s\n", err.msg);
        return 1;
    }
    size_t N = t->nrows, n = 0;
    double *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y);
    for (size_t i = 0; i < N; i++)
        if (isfinite(px[i]) && isfinite(py[i])) x[n] = px[i], y[n] = py[i], n++;
    if (argc > 4) {
        FILE *f = fopen(argv[4], "w");
        if (!f) {
            perror(argv[4]);
            return 1;
        }
        for (size_t i = 0; i < n; i++) fprintf(f, "%.17g %.17g\n", x[i], y[i]);
        fclose(f);
    }
    pms_ts_result r;
    double tr = median_fit(x, y, n, runs, reps, &r);
    printf("real n=%zu: median %.2f ms CPU per fit; slope %.17g [%.17g, %.17g]\n", n, tr * 1e3,
           r.slope, r.slope_low, r.slope_high);
    /* Synthetic: the same size, continuous x, heavy-tailed noise. */
    uint64_t s = 12345;
    for (size_t i = 0; i < n; i++) {
        s = s * UINT64_C(6364136223846793005) + 1442695040888963407u;
        double u = (double)(s >> 11) * 0x1p-53;
        s = s * UINT64_C(6364136223846793005) + 1442695040888963407u;
        double v = (double)(s >> 11) * 0x1p-53 - 0.5;
        x[i] = 2 + 70 * u;
        y[i] = 140 - 0.3 * x[i] + 320 * v * v * v;
    }
    double ts = median_fit(x, y, n, runs, reps, &r);
    printf("synthetic n=%zu: median %.2f ms CPU per fit; slope %.17g\n", n, ts * 1e3, r.slope);
    free(x), free(y);
    pms_table_free(t);
    return 0;
}
