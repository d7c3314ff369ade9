/* Concentration index against tests/reference/inequality.R: the covariance
 * formula on weighted fractional ranks in base R, cross-checked there with the
 * convenient regression (O'Donnell et al. 2008, eq. 8.7), on a small set with
 * a tie and on 2014/15 payments per weighted patient ranked by IMD 2015. */
/* ctest-labels: unit reference */
#include "testutil.h"

#include "analysis/concentration.h"
#include "fair_data.h"

static char *ref;
static fair_data fd;

static int setup(void **state)
{
    (void)state;
    return fair_data_load_with_ref(&fd, &ref);
}

static int teardown(void **state)
{
    (void)state;
    free(ref);
    fair_data_free(&fd);
    return 0;
}

#define REF(k) pms_ref_value(ref, k)

static const double x5[] = {2.385, 7.1, 0.45, 13.9, 7.1};
static const double w5[] = {1.5, 0.25, 3.75, 2.0, 1.125};
static const double r5[] = {31.2, 12.5, 44.0, 12.5, 8.3};   /* a tie at 12.5 */

/* 1e-14 relative: five terms, R in double, ours in long double. */
static void test_small(void **state)
{
    (void)state;
    double xc[5], wc[5], rc[5], c;
    memcpy(xc, x5, sizeof xc);
    memcpy(wc, w5, sizeof wc);
    memcpy(rc, r5, sizeof rc);
    pms_err err = {{0}};
    assert_int_equal(pms_conc_index(x5, w5, r5, 5, PMS_RANK_ASCENDING, &c, &err), PMS_OK);
    assert_rel(c, REF("small.conc_asc"), 1e-14);
    assert_int_equal(pms_conc_index(x5, w5, r5, 5, PMS_RANK_DESCENDING, &c, &err), PMS_OK);
    assert_rel(c, REF("small.conc_desc"), 1e-14);
    assert_rel(c, REF("small.conc_desc_reg"), 1e-14);
    assert_int_equal(pms_conc_index(x5, NULL, r5, 5, PMS_RANK_DESCENDING, &c, &err), PMS_OK);
    assert_rel(c, REF("small.conc_unit_desc"), 1e-14);
    assert_memory_equal(x5, xc, sizeof xc);
    assert_memory_equal(w5, wc, sizeof wc);
    assert_memory_equal(r5, rc, sizeof rc);
}

static void test_known(void **state)
{
    (void)state;
    pms_err err = {{0}};
    double c, g;
    /* Ranked by itself the concentration index is the Gini (unit weights:
     * 2 cov(x, (i - 1/2)/n)/mu = ineq's Gini). */
    const double x[] = {0.5, 1.75, 3.0, 8.25};
    assert_int_equal(pms_conc_index(x, NULL, x, 4, PMS_RANK_ASCENDING, &c, &err), PMS_OK);
    g = 2.0 * (1 * 0.5 + 2 * 1.75 + 3 * 3.0 + 4 * 8.25) / (4 * 13.5) - 1 - 0.25;
    assert_rel(c, g, 1e-15);
    /* Equal amounts: 0 whatever the ranking. */
    const double eq[] = {2.5, 2.5, 2.5, 2.5};
    assert_int_equal(pms_conc_index(eq, NULL, x, 4, PMS_RANK_DESCENDING, &c, &err), PMS_OK);
    assert_abs(c, 0.0, 1e-16);
    /* All ranking values tied: one shared rank 1/2, so 0. */
    assert_int_equal(pms_conc_index(x, NULL, eq, 4, PMS_RANK_ASCENDING, &c, &err), PMS_OK);
    assert_abs(c, 0.0, 1e-16);
}

/* The national practices with an IMD score: amounts, weights, ranks. */
static size_t national_rows(double **x, double **w, double **r)
{
    size_t n = 0;
    *x = malloc(fd.n * sizeof **x);
    *w = malloc(fd.n * sizeof **w);
    *r = malloc(fd.n * sizeof **r);
    assert_non_null(*x);
    assert_non_null(*w);
    assert_non_null(*r);
    for (size_t i = 0; i < fd.n; i++) {
        if (isnan(fd.imd[i])) continue;
        (*x)[n] = fd.x[i];
        (*w)[n] = fd.w[i];
        (*r)[n] = fd.imd[i];
        n++;
    }
    return n;
}

/* National: 7,801 practices with an IMD score.  R's covariance sum and ours
 * agree to ~1e-15 absolute on an index of 0.028; 1e-12 relative. */
static void test_national(void **state)
{
    (void)state;
    double *x, *w, *r;
    size_t n = national_rows(&x, &w, &r);
    assert_int_equal(fd.n - n, (size_t)REF("conc.missing_rank"));
    assert_int_equal(n, (size_t)REF("conc.n"));
    pms_err err = {{0}};
    double c;
    assert_int_equal(pms_conc_index(x, w, r, n, PMS_RANK_DESCENDING, &c, &err), PMS_OK);
    assert_rel(c, REF("nat.conc_desc"), 1e-12);
    assert_rel(c, REF("nat.conc_desc_reg"), 1e-12);
    assert_int_equal(pms_conc_index(x, w, r, n, PMS_RANK_ASCENDING, &c, &err), PMS_OK);
    assert_rel(c, REF("nat.conc_asc"), 1e-12);
    assert_int_equal(pms_conc_index(x, NULL, r, n, PMS_RANK_DESCENDING, &c, &err), PMS_OK);
    assert_rel(c, REF("nat.conc_unit_desc"), 1e-12);
    free(x);
    free(w);
    free(r);
}

static void test_errors(void **state)
{
    (void)state;
    pms_err err = {{0}};
    double c;
    const double x[] = {1.5, 2.5}, r[] = {3.0, 1.0};
    const double nan2[] = {1.5, NAN}, negw[] = {1.0, 0.0}, negx[] = {-1.5, 1.0};
    assert_int_equal(pms_conc_index(x, NULL, r, 1, PMS_RANK_ASCENDING, &c, &err), PMS_ETOOFEW);
    assert_string_equal(err.msg, "concentration index: 1 observation, need 2");
    assert_int_equal(pms_conc_index(nan2, NULL, r, 2, PMS_RANK_ASCENDING, &c, &err),
                     PMS_ENONFINITE);
    assert_string_equal(err.msg, "concentration index: value 2 is not finite");
    assert_int_equal(pms_conc_index(x, NULL, nan2, 2, PMS_RANK_ASCENDING, &c, &err),
                     PMS_ENONFINITE);
    assert_string_equal(err.msg, "concentration index: ranking value 2 is not finite");
    assert_int_equal(pms_conc_index(x, nan2, r, 2, PMS_RANK_ASCENDING, &c, &err),
                     PMS_ENONFINITE);
    assert_int_equal(pms_conc_index(x, negw, r, 2, PMS_RANK_ASCENDING, &c, &err), PMS_EDOMAIN);
    assert_string_equal(err.msg, "concentration index: weight 2 is not positive (0)");
    assert_int_equal(pms_conc_index(negx, NULL, r, 2, PMS_RANK_ASCENDING, &c, &err),
                     PMS_EDOMAIN);
    assert_string_equal(err.msg,
                        "concentration index: the weighted mean of the values is not positive");
}


/* The order made once (pms_conc_order_new) gives pms_conc_index's value to
 * the last bit (exact equality, no tolerance: the same sums in the same
 * order), for many amounts on one ranking, on the national data (IMD ties)
 * and the small set (a tie), both directions, weighted and not. */
static void check_ordered(const double *x, const double *w, const double *r, size_t n)
{
    pms_err err = {{0}};
    double *xs = malloc(n * sizeof *xs);
    assert_non_null(xs);
    for (int dir = 0; dir < 2; dir++) {
        pms_conc_order *o = pms_conc_order_new(r, n, (pms_rank_dir)dir, &err);
        assert_non_null(o);
        for (int rep = 0; rep < 5; rep++) {
            /* a different amount each time, as the savings model's years */
            for (size_t i = 0; i < n; i++) xs[i] = x[i] * (1 + 0.01 * rep * (double)(i % 7));
            for (int wt = 0; wt < 2; wt++) {
                double a = NAN, b = NAN;
                const double *ww = wt ? w : NULL;
                assert_int_equal(pms_conc_index(xs, ww, r, n, (pms_rank_dir)dir, &a, &err), PMS_OK);
                assert_int_equal(pms_conc_index_ordered(xs, ww, o, &b, &err), PMS_OK);
                assert_memory_equal(&a, &b, sizeof a);
            }
        }
        pms_conc_order_free(o);
    }
    free(xs);
}

static void test_ordered(void **state)
{
    (void)state;
    check_ordered(x5, w5, r5, 5);
    double *x, *w, *r;
    size_t n = national_rows(&x, &w, &r);
    check_ordered(x, w, r, n);
    /* the order must matter: the same amounts in another unit order differ */
    pms_err err = {{0}};
    pms_conc_order *o = pms_conc_order_new(r, n, PMS_RANK_DESCENDING, &err);
    double a, b;
    assert_int_equal(pms_conc_index_ordered(x, w, o, &a, &err), PMS_OK);
    double t = x[0];
    x[0] = x[n - 1], x[n - 1] = t;
    assert_int_equal(pms_conc_index_ordered(x, w, o, &b, &err), PMS_OK);
    assert_true(a != b);
    pms_conc_order_free(o);
    free(x);
    free(w);
    free(r);
}

static void test_ordered_errors(void **state)
{
    (void)state;
    pms_err err = {{0}};
    double c = 7;
    const double x[] = {1.5, 2.5}, r[] = {3.0, 1.0};
    const double nan2[] = {1.5, NAN}, negw[] = {1.0, 0.0}, negx[] = {-1.5, 1.0};
    assert_null(pms_conc_order_new(r, 1, PMS_RANK_ASCENDING, &err));
    assert_string_equal(err.msg, "concentration index: 1 observation, need 2");
    assert_null(pms_conc_order_new(nan2, 2, PMS_RANK_ASCENDING, &err));
    assert_string_equal(err.msg, "concentration index: ranking value 2 is not finite");
    pms_conc_order *o = pms_conc_order_new(r, 2, PMS_RANK_ASCENDING, &err);
    assert_non_null(o);
    assert_int_equal(pms_conc_index_ordered(nan2, NULL, o, &c, &err), PMS_ENONFINITE);
    assert_string_equal(err.msg, "concentration index: value 2 is not finite");
    assert_int_equal(pms_conc_index_ordered(x, negw, o, &c, &err), PMS_EDOMAIN);
    assert_string_equal(err.msg, "concentration index: weight 2 is not positive (0)");
    assert_int_equal(pms_conc_index_ordered(negx, NULL, o, &c, &err), PMS_EDOMAIN);
    assert_string_equal(err.msg,
                        "concentration index: the weighted mean of the values is not positive");
    assert_true(c == 7); /* untouched on error */
    pms_conc_order_free(o);
    pms_conc_order_free(NULL);
}

/* SEs against the R forms: 1e-12 relative (sums of squared influence values;
 * R and we order the same terms differently). */
static void test_se(void **state)
{
    (void)state;
    pms_err err = {{0}};
    pms_conc_result r;
    assert_int_equal(pms_conc_compute(x5, NULL, r5, 5, PMS_RANK_DESCENDING, 0.95, &r, &err), PMS_OK);
    assert_rel(r.ci, REF("small.conc_C"), 1e-14);
    assert_rel(r.se, REF("small.conc_se"), 1e-12);
    assert_rel(r.se, REF("small.conc_se_kwvd"), 1e-12);   /* KWvD's unit-weight formula */
    assert_rel(r.generalized, REF("small.conc_gen"), 1e-14);
    assert_rel(r.se_generalized, REF("small.conc_se_gen"), 1e-12);
    assert_rel(r.ci_high - r.ci, 1.959963984540054 * r.se, 1e-12);
    assert_rel(r.ci - r.ci_low, 1.959963984540054 * r.se, 1e-12);
    assert_int_equal(pms_conc_compute(x5, w5, r5, 5, PMS_RANK_DESCENDING, 0.95, &r, &err), PMS_OK);
    assert_rel(r.ci, REF("smallw.conc_C"), 1e-14);
    assert_rel(r.se, REF("smallw.conc_se"), 1e-12);
    assert_rel(r.generalized, REF("smallw.conc_gen"), 1e-14);
    assert_rel(r.se_generalized, REF("smallw.conc_se_gen"), 1e-12);
    assert_rel(r.mean, REF("smallw.mean"), 1e-15);
    assert_int_equal(pms_conc_compute(x5, w5, r5, 5, PMS_RANK_DESCENDING, 1.0, &r, &err),
                     PMS_EDOMAIN);
    assert_string_equal(err.msg, "concentration index: level 1 is not in (0, 1)");
    assert_int_equal(pms_conc_compute(x5, w5, r5, 1, PMS_RANK_DESCENDING, 0.9, &r, &err),
                     PMS_ETOOFEW);
    assert_non_null(strstr(pms_conc_sign_convention(PMS_RANK_DESCENDING), "highest to the lowest"));
    assert_non_null(strstr(pms_conc_sign_convention(PMS_RANK_ASCENDING), "lowest to the highest"));
}

static void test_se_national(void **state)
{
    (void)state;
    double *x, *w, *r;
    size_t n = national_rows(&x, &w, &r);
    pms_err err = {{0}};
    pms_conc_result c;
    assert_int_equal(pms_conc_compute(x, w, r, n, PMS_RANK_DESCENDING, 0.95, &c, &err), PMS_OK);
    assert_rel(c.se, REF("nat.conc_se"), 1e-11);
    assert_rel(c.generalized, REF("nat.conc_gen"), 1e-12);
    assert_rel(c.se_generalized, REF("nat.conc_se_gen"), 1e-11);
    assert_int_equal(pms_conc_compute(x, NULL, r, n, PMS_RANK_DESCENDING, 0.95, &c, &err), PMS_OK);
    assert_rel(c.se, REF("natu.conc_se_kwvd"), 1e-11);
    assert_rel(c.se_generalized, REF("natu.conc_se_gen"), 1e-11);
    free(x);
    free(w);
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small),
        cmocka_unit_test(test_known),
        cmocka_unit_test(test_national),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_ordered),
        cmocka_unit_test(test_ordered_errors),
        cmocka_unit_test(test_se),
        cmocka_unit_test(test_se_national),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
