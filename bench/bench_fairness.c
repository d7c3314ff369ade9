/* Fairness benchmark on the real 2014/15 data (loaded once): every inequality
 * measure with CCG decompositions; the concentration index with its SE; the
 * bootstrap of Gini, Theil T and C with 1,000 resamples on 1 thread and on all
 * CPUs; and, for scale, the same resamples done the naive way (a sort per
 * resample through pms_ineq_gini / pms_conc_index); then the weighted Gini
 * bootstrap alone (with Theil T, no ranking) of 10,000 resamples, the task of
 * bench/gini_boot_numpy.py, wall and CPU time, 1 thread and all CPUs.
 * Medians of RUNS runs.  Usage: bench_fairness DATASETS_DIR [RUNS [gini]]
 * (gini: only the 10,000-resample Gini bootstrap, for bench_gini_boot.sh). */
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

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* The sample: practices with a positive payment per weighted patient. */
typedef struct {
    size_t n, ng, m;                  /* practices, CCGs, practices with an IMD score */
    double *x, *w, *rk;               /* value, weight, IMD (NaN when missing) */
    size_t *g;                        /* CCG number */
    double *xr, *wr, *rr;             /* the m practices with an IMD score */
    pms_table *t;
} sample;

static void die(const pms_err *e)
{
    fprintf(stderr, "bench_fairness: %s\n", e->msg);
    exit(1);
}

static void load_sample(const char *dir, sample *s)
{
    char p1[1024], p2[1024];
    snprintf(p1, sizeof p1, "%s/nhs-payments/nhs-payments-gp-2014-15.csv", dir);
    snprintf(p2, sizeof p2, "%s/practice-imd/practice-imd-fingertips-93553.csv", dir);
    const char *data[] = {p1, p2};
    pms_data_opts o = {data, 2, NULL, 0, NULL, 0};
    pms_err err;
    memset(s, 0, sizeof *s);
    if (pms_dataset_open(&o, &s->t, &err)) die(&err);
    const double *v, *w, *r;
    const char *const *ccg;
    if (pms_table_numeric(s->t, "payments_per_weighted", &v, &err) ||
        pms_table_numeric(s->t, "weighted_patients", &w, &err) ||
        pms_table_numeric(s->t, "imd2015", &r, &err) || pms_table_text(s->t, "ccg_code", &ccg, &err))
        die(&err);
    size_t N = s->t->nrows;
    s->x = malloc(N * sizeof *s->x), s->w = malloc(N * sizeof *s->w);
    s->rk = malloc(N * sizeof *s->rk), s->g = malloc(N * sizeof *s->g);
    s->xr = malloc(N * sizeof *s->xr), s->wr = malloc(N * sizeof *s->wr);
    s->rr = malloc(N * sizeof *s->rr);
    const char **names = malloc(N * sizeof *names);
    if (!s->x || !s->w || !s->rk || !s->g || !s->xr || !s->wr || !s->rr || !names) exit(1);
    for (size_t i = 0; i < N; i++) {
        if (!(v[i] > 0)) continue;
        size_t k = 0;
        while (k < s->ng && strcmp(names[k], ccg[i])) k++;
        if (k == s->ng) names[s->ng++] = ccg[i];
        s->x[s->n] = v[i];
        s->w[s->n] = w[i];
        s->rk[s->n] = r[i];
        s->g[s->n] = k;
        if (!isnan(r[i])) {
            s->xr[s->m] = v[i];
            s->wr[s->m] = w[i];
            s->rr[s->m] = r[i];
            s->m++;
        }
        s->n++;
    }
    free(names);
}

static void sample_free(sample *s)
{
    free(s->x), free(s->w), free(s->rk), free(s->g), free(s->xr), free(s->wr), free(s->rr);
    pms_table_free(s->t);
}

/* Every measure with decompositions, and the concentration index with its SE. */
static void bench_measures(const sample *s, int runs, double *tm)
{
    pms_err err;
    for (int k = 0; k < runs; k++) {
        double t0 = pms_bench_now();
        for (int j = 0; j < 50; j++) {
            pms_ineq_summary q;
            if (pms_ineq_summarise(s->x, s->w, s->g, s->ng, s->n, &q, &err)) die(&err);
        }
        tm[k] = (pms_bench_now() - t0) / 50;
    }
    printf("all inequality measures, %zu practices, %zu CCGs: median %.1f us\n", s->n, s->ng,
           pms_bench_median(tm, runs) * 1e6);
    for (int k = 0; k < runs; k++) {
        double t0 = pms_bench_now();
        for (int j = 0; j < 50; j++) {
            pms_conc_result c;
            if (pms_conc_compute(s->xr, s->wr, s->rr, s->m, PMS_RANK_DESCENDING, 0.95, &c, &err))
                die(&err);
        }
        tm[k] = (pms_bench_now() - t0) / 50;
    }
    printf("concentration index + SE, %zu practices: median %.1f us\n", s->m,
           pms_bench_median(tm, runs) * 1e6);
}

/* pms_fair_bootstrap of R resamples (rank_by NULL: Gini and Theil T only),
 * 1 thread then all CPUs: median wall and CPU seconds. */
static void bench_boot(const sample *s, size_t R, const double *rank_by, const char *what,
                       int runs, double *tm)
{
    double *cpu = malloc((size_t)runs * sizeof *cpu);
    if (!cpu) exit(1);
    pms_err err;
    for (unsigned th = 1; th != 2; th = th ? 0 : 2) {
        for (int k = 0; k < runs; k++) {
            pms_fair_boot_opts bo = {R, 2015, th, 0.95, rank_by, PMS_RANK_DESCENDING, NULL, NULL};
            pms_fair_boot_result br;
            double t0 = pms_bench_now(), c0 = cpu_now();
            if (pms_fair_bootstrap(s->x, s->w, s->n, &bo, &br, &err)) die(&err);
            tm[k] = pms_bench_now() - t0;
            cpu[k] = cpu_now() - c0;
        }
        double wall = pms_bench_median(tm, runs);
        printf("bootstrap %zu resamples (%s; percentile + BCa), %zu practices, %s: median %.4f s "
               "(CPU %.4f s)\n",
               R, what, s->n, th == 1 ? "1 thread" : "all CPUs", wall,
               pms_bench_median(cpu, runs));
    }
    free(cpu);
}

/* Funnel, mean type, multiplicative over-dispersion, 200-point grid. */
static void bench_funnel(const sample *s, int runs, double *tm)
{
    pms_err err;
    for (int k = 0; k < runs; k++) {
        pms_funnel_opts fo;
        pms_funnel_opts_default(&fo);
        fo.overdispersion = PMS_OD_MULTIPLICATIVE;
        double t0 = pms_bench_now();
        for (int j = 0; j < 20; j++) {
            pms_funnel_result fr;
            if (pms_funnel_fit(s->x, s->w, s->n, &fo, &fr, &err)) die(&err);
            pms_funnel_result_free(&fr);
        }
        tm[k] = (pms_bench_now() - t0) / 20;
    }
    printf("funnel (mean, multiplicative, 200-point grid), %zu practices: median %.1f us\n", s->n,
           pms_bench_median(tm, runs) * 1e6);
}

/* Naive: expand multiplicities into weights and call the sorting functions,
 * 100 resamples, scaled to 1,000. */
static void bench_naive(const sample *s, int runs, double *tm)
{
    size_t n = s->n;
    pms_err err;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    unsigned *mult = malloc(n * sizeof *mult);
    double *xx = malloc(n * sizeof *xx), *ww = malloc(n * sizeof *ww), *rx = malloc(n * sizeof *rx),
           *xw = malloc(n * sizeof *xw), *wx = malloc(n * sizeof *wx);
    if (!rng || !mult || !xx || !ww || !rx || !xw || !wx) exit(1);
    for (int k = 0; k < runs; k++) {
        double t0 = pms_bench_now();
        for (int j = 0; j < 100; j++) {
            pms_boot_multiplicities(rng, n, mult);
            size_t q = 0, qr = 0;
            for (size_t i = 0; i < n; i++) {
                if (!mult[i]) continue;
                xx[q] = s->x[i];
                ww[q] = mult[i] * s->w[i];
                q++;
                if (!isnan(s->rk[i])) {
                    xw[qr] = s->x[i];
                    wx[qr] = mult[i] * s->w[i];
                    rx[qr] = s->rk[i];
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
    free(mult), free(xx), free(ww), free(rx), free(xw), free(wx);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_fairness DATASETS_DIR [RUNS]\n");
        return 1;
    }
    int runs = argc > 2 ? atoi(argv[2]) : 5;
    if (runs < 1) runs = 5;
    sample s;
    load_sample(argv[1], &s);
    double *tm = malloc((size_t)runs * sizeof *tm);
    if (!tm) return 1;
    if (argc < 4 || strcmp(argv[3], "gini") != 0) {
        bench_measures(&s, runs, tm);
        bench_boot(&s, 1000, s.rk, "Gini, Theil T, C", runs, tm);
        bench_funnel(&s, runs, tm);
        bench_naive(&s, runs, tm);
    }
    bench_boot(&s, 10000, NULL, "weighted Gini with Theil T", runs, tm);
    free(tm);
    sample_free(&s);
    return 0;
}
