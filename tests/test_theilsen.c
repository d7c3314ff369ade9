/* ctest-labels: unit reference */
/* Theil-Sen line (analysis/theilsen.c) against an independent O(n^2) R
 * implementation (tests/reference/theilsen.R -> theilsen.out), and its errors. */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
