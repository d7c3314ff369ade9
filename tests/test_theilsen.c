/* ctest-labels: unit reference */
/* Theil-Sen line (analysis/theilsen.c) against an independent O(n^2) R
 * implementation (tests/reference/theilsen.R -> theilsen.out), and its errors. */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stdint.h>

#include <gsl/gsl_cdf.h>

#include "analysis/theilsen.h"

static char *ref;

static void check(const char *name, const double *x, const double *y, size_t n, double level)
{
    pms_ts_result r;
    pms_err err = {{0}};
    double *cx = malloc(n * sizeof *cx), *cy = malloc(n * sizeof *cy);
    memcpy(cx, x, n * sizeof *cx);
    memcpy(cy, y, n * sizeof *cy);
    assert_int_equal(pms_theilsen(x, y, n, level, &r, &err), PMS_OK);
    assert_memory_equal(cx, x, n * sizeof *cx); /* inputs unchanged */
    assert_memory_equal(cy, y, n * sizeof *cy);
    free(cx), free(cy);
    char k[64];
    /* Slopes are order statistics of the same pairwise quotients: the
     * bisection ends on the exact double, or within an ulp or two where
     * y - t x rounds (1e-12 relative is far wider than that). */
    snprintf(k, sizeof k, "%s slope", name);
    assert_rel(r.slope, pms_ref_value(ref, k), 1e-12);
    snprintf(k, sizeof k, "%s low", name);
    assert_rel(r.slope_low, pms_ref_value(ref, k), 1e-12);
    snprintf(k, sizeof k, "%s high", name);
    assert_rel(r.slope_high, pms_ref_value(ref, k), 1e-12);
    snprintf(k, sizeof k, "%s intercept", name);
    assert_abs(r.intercept, pms_ref_value(ref, k), 1e-9); /* a median of y - b x; ties can make it 0 */
    snprintf(k, sizeof k, "%s varS", name);
    assert_rel(r.var_s, pms_ref_value(ref, k), 1e-14);
    snprintf(k, sizeof k, "%s N", name);
    assert_true(r.npairs == pms_ref_value(ref, k));
}

static void test_hollander_wolfe(void **state)
{
    (void)state;
    const double x[] = {44.4, 45.9, 41.9, 53.3, 44.7, 44.1, 50.7, 45.2, 60.1};
    const double y[] = {2.6, 3.1, 2.5, 5.0, 3.6, 4.0, 5.2, 2.8, 3.8};
    check("hw", x, y, 9, 0.95);
}

static void test_ties_outlier(void **state)
{
    (void)state;
    double x[400], y[400];
    for (int i = 0; i < 400; i++) {
        x[i] = (double)((i * 37) % 101) / 4;
        y[i] = 2.385 * x[i] + ((i * 53) % 17) - 8 + ((i % 7) == 0) * 0.5;
    }
    y[0] = 5000;
    check("ties", x, y, 400, 0.90);
}

static void test_big(void **state)
{
    (void)state;
    size_t n = 1500;
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    for (size_t i = 0; i < n; i++) {
        x[i] = 10 + 70 * fmod((double)i * 0.6180339887498949, 1);
        double u = fmod((double)i * 0.7548776662466927, 1) - 0.5;
        y[i] = 150 - 0.35 * x[i] + 40 * (u * u * u) * 8;
    }
    check("big", x, y, n, 0.95);
    free(x), free(y);
}

/* The definition itself, by brute force: every slope (y_j - y_i)/(x_j - x_i)
 * of the pairs with x_i < x_j as a double (as SciPy: a zero slope is +0),
 * sorted; the
 * order statistics at the ranks of the header, the median of an even count as
 * (a + b)/2.  The ranks of the bounds come from r->var_s (tested against R
 * above).  Exact: the same doubles, so the same bits. */
static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void brute(const double *x, const double *y, size_t n, double level, const pms_ts_result *r,
                  double out[3])
{
    double *q = malloc(n * (n - 1) / 2 * sizeof *q);
    size_t N = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (x[i] < x[j]) q[N++] = (y[j] - y[i]) / (x[j] - x[i]);
            else if (x[i] > x[j]) q[N++] = (y[i] - y[j]) / (x[i] - x[j]);
    assert_true((double)N == r->npairs);
    qsort(q, N, sizeof *q, cmp_dbl);
    out[0] = N % 2 ? q[N / 2] : (q[N / 2 - 1] + q[N / 2]) / 2;
    double c = gsl_cdf_ugaussian_Pinv((1 + level) / 2) * sqrt(r->var_s);
    double rlo = nearbyint(((double)N - c) / 2), rhi = nearbyint(((double)N + c) / 2 + 1);
    out[1] = rlo >= 1 && rlo <= (double)N ? q[(size_t)rlo - 1] : NAN;
    out[2] = rhi >= 1 && rhi <= (double)N ? q[(size_t)rhi - 1] : NAN;
    free(q);
}

static uint64_t rnd(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static double unif(uint64_t *s) { return (double)(rnd(s) >> 11) * 0x1p-53; }

static void same_bits(double a, double b, const char *what, int kind, size_t n, uint64_t seed)
{
    if (memcmp(&a, &b, sizeof a) != 0 && !(isnan(a) && isnan(b)))
        fail_msg("%s differs: %.17g vs brute force %.17g (kind %d, n %zu, seed %llu)", what, a, b,
                 kind, n, (unsigned long long)seed);
}

/* Random data of several shapes against the brute force, bit for bit:
 * kind 0 continuous; 1 a coarse grid in x and y (many tied x, tied y and
 * tied slopes); 2 like the report's data (IMD scores to 3 decimals, pounds
 * to the penny, a few wild practices); 3 x near 1.7e9 (epoch seconds: the
 * exact shift); 4 x near 0 and near 1e16 with gaps 4 (error bounds too
 * wide: the slow exact fallback);
 * 5 y constant in blocks (slope 0 tied many times).  n >= 700 takes the
 * sampled path, smaller n the list of every slope. */
static void gen(int kind, size_t n, uint64_t *s, double *x, double *y)
{
    for (size_t i = 0; i < n; i++) {
        double u = unif(s), v = unif(s) - 0.5;
        switch (kind) {
        case 0: x[i] = u * 10 - 3, y[i] = 2 * x[i] + v * v * v * 40; break;
        case 1: x[i] = floor(u * 30) / 4, y[i] = floor(x[i] * 3 + v * 20) / 2; break;
        case 2:
            x[i] = round((2 + 70 * u * u) * 1000) / 1000;
            y[i] = round((140 - 0.3 * x[i] + 60 * v * v * v) * 100) / 100;
            if (rnd(s) % 200 == 0) y[i] = round(unif(s) * 500000) / 100;
            break;
        case 3: x[i] = 1.7e9 + floor(u * 1e6), y[i] = x[i] * 1e-6 + v; break;
        case 4:
            x[i] = (rnd(s) % 2 ? 1e16 : 0) + floor(u * 4000) * 4;
            y[i] = floor(u * 4000) + v;
            break;
        default: x[i] = u, y[i] = floor(u * 5) + (rnd(s) % 3 == 0) * v; break;
        }
    }
}

static void test_brute_force(void **state)
{
    (void)state;
    const size_t sizes[] = {2, 3, 5, 17, 120, 700, 1300, 2000};
    const double levels[] = {0.95, 0.90, 0.999, 0.5};
    size_t cap = 2000;
    double *x = malloc(cap * sizeof *x), *y = malloc(cap * sizeof *y);
    for (int kind = 0; kind < 6; kind++)
        for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++)
            for (uint64_t seed = 1; seed <= 3; seed++) {
                size_t n = sizes[si];
                /* Keep the test quick: 2 million slopes sorted, the fallback's 64 passes. */
                if ((n == 2000 && seed > 1) || (kind == 4 && n > 700)) continue;
                uint64_t s = seed * 1000 + (uint64_t)kind * 100 + n;
                gen(kind, n, &s, x, y);
                double level = levels[(seed + si) % 4];
                pms_ts_result r;
                pms_err err = {{0}};
                pms_status st = pms_theilsen(x, y, n, level, &r, &err);
                if (st == PMS_ESINGULAR) continue; /* every x equal: tiny n on a grid */
                assert_int_equal(st, PMS_OK);
                double b[3];
                brute(x, y, n, level, &r, b);
                same_bits(r.slope, b[0], "slope", kind, n, seed);
                same_bits(r.slope_low, b[1], "lower bound", kind, n, seed);
                same_bits(r.slope_high, b[2], "upper bound", kind, n, seed);
            }
    free(x), free(y);
}

static void test_errors(void **state)
{
    (void)state;
    pms_ts_result r;
    pms_err err = {{0}};
    const double x[] = {1.5, 1.5, 1.5}, y[] = {2.385, 3.5, 4.25}, bad[] = {1, NAN, 2};
    assert_int_equal(pms_theilsen(x, y, 1, 0.95, &r, &err), PMS_ETOOFEW);
    assert_int_equal(pms_theilsen(x, y, 3, 0.95, &r, &err), PMS_ESINGULAR);
    assert_string_equal(err.msg, "Theil-Sen: every x is the same, so no slope");
    assert_int_equal(pms_theilsen(bad, y, 3, 0.95, &r, &err), PMS_ENONFINITE);
    assert_int_equal(pms_theilsen(y, y, 3, 1.0, &r, &err), PMS_EDOMAIN);
    /* Two points: one slope; the interval's ranks fall outside 1..1 (R: NA). */
    const double x2[] = {1, 3}, y2[] = {2, 7};
    assert_int_equal(pms_theilsen(x2, y2, 2, 0.95, &r, &err), PMS_OK);
    assert_rel(r.slope, 2.5, 1e-15);
    assert_true(isnan(r.slope_low));
}

static int setup(void **state)
{
    (void)state;
    ref = pms_test_slurp(PMS_SOURCE_DIR "/tests/reference/theilsen.out");
    return ref ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    free(ref);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hollander_wolfe),
        cmocka_unit_test(test_ties_outlier),
        cmocka_unit_test(test_big),
        cmocka_unit_test(test_brute_force),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
