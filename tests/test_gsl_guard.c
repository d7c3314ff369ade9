/* ctest-labels: unit */
/* The library never aborts its caller through GSL's default error handler
 * (issue 16 item 7).  This program installs no handler of its own, as a test,
 * a benchmark or a fuzzer would not, and reaches a GSL error through the
 * library: the robust Wald test of a fit whose HC0 covariance is exactly zero
 * while the fit is not perfect (no intercept; the only non-zero residual is at
 * x = 0, so it adds nothing to the sandwich's meat).  GSL's Cholesky then
 * reports "matrix is not positive definite"; with GSL's default handler that
 * is abort(), which is what this test caught before analysis/gsl_guard.c. */
#include "testutil.h"

#include <math.h>

#include <gsl/gsl_errno.h>

#include "analysis/gsl_guard.h"
#include "analysis/regress.h"

static void test_singular_cholesky_does_not_abort(void **state)
{
    (void)state;
    /* y = 2.3 x exactly except at x = 0. */
    const double X[] = {0, 1.25, 2.5, 3.75}, y[] = {5.5, 2.875, 5.75, 8.625};
    pms_reg_opts o;
    pms_reg_opts_default(&o);
    o.robust = PMS_HC0;
    o.intercept = 0;
    pms_reg_result r;
    pms_err err = {{0}};
    assert_int_equal(pms_reg_fit(X, 4, 1, y, NULL, &o, &r, &err), PMS_OK);
    assert_int_equal(r.perfect_fit, 0);
    assert_rel(r.coef[0], 2.3, 1e-15);     /* sum xy / sum x^2, exact up to rounding */
    assert_rel(r.rss, 30.25, 1e-15);       /* 5.5^2 */
    assert_true(r.se[0] == 0);             /* the zero sandwich */
    assert_true(isnan(r.wald_f) && isnan(r.wald_p)); /* not computed, not a crash */
    pms_reg_result_free(&r);
}

/* The guard is on before main and stays idempotent when called again. */
static void test_guard_installed(void **state)
{
    (void)state;
    pms_gsl_guard();
    pms_gsl_guard();
    /* GSL's default is NULL (abort); the guard installed its "off" handler. */
    gsl_error_handler_t *was = gsl_set_error_handler_off();
    assert_non_null(was);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_singular_cholesky_does_not_abort),
        cmocka_unit_test(test_guard_installed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
