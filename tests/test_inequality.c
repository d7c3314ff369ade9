/* Inequality measures against tests/reference/inequality.R (base-R forms of
 * R's ineq package, and independent pairwise / repeated-unit forms), on small
 * hand-checkable sets and on the real 2014/15 payments per weighted patient.
 * Then the known values (equal amounts -> 0, one unit holds all -> (n-1)/n),
 * the decomposition identity, and every error path. */
/* ctest-labels: unit reference */
#include "testutil.h"

#include "analysis/inequality.h"
#include "fair_data.h"

static char *ref;
static fair_data fd;

static int setup(void **state)
{
    (void)state;
    char *p = pms_test_path(PMS_SOURCE_DIR, "tests/reference/inequality.out");
    ref = pms_test_slurp(p);
    free(p);
    if (!ref) return -1;
    return fair_data_load(&fd);
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
static const size_t g5[] = {0, 1, 0, 1, 1};

/* Tolerance 1e-14 relative on five values: R sums in double (error ~1e-16
 * per term), we in long double; the results agree to a few ulps. */
static void test_gini_small(void **state)
{
    (void)state;
    double xc[5], wc[5], g;
    memcpy(xc, x5, sizeof xc);
    memcpy(wc, w5, sizeof wc);
    pms_err err = {{0}};
    assert_int_equal(pms_ineq_gini(x5, NULL, 5, &g, &err), PMS_OK);
    assert_rel(g, REF("small.gini_unit"), 1e-14);
    assert_int_equal(pms_ineq_gini(x5, w5, 5, &g, &err), PMS_OK);
    assert_rel(g, REF("small.gini_w"), 1e-14);
    assert_rel(g, REF("small.gini_w_pairs"), 1e-14);
    assert_memory_equal(x5, xc, sizeof xc);   /* inputs untouched (x5 has a tie) */
    assert_memory_equal(w5, wc, sizeof wc);
    /* Integer weights are masses: the same as repeating each unit. */
    const double xi[] = {3.5, 1.25, 9.0}, wi[] = {2, 3, 1};
    assert_int_equal(pms_ineq_gini(xi, wi, 3, &g, &err), PMS_OK);
    assert_rel(g, REF("rep.gini_repeated"), 1e-14);
}

static void test_gini_known(void **state)
{
    (void)state;
    pms_err err = {{0}};
    double g;
    const double eq[] = {4.75, 4.75, 4.75, 4.75}, w[] = {1.5, 2.25, 0.5, 3.0};
    assert_int_equal(pms_ineq_gini(eq, w, 4, &g, &err), PMS_OK);
    assert_abs(g, 0.0, 1e-15);   /* equal amounts: rounding only */
    /* One unit of n holds everything: (n-1)/n with unit weights. */
    const double one[] = {0, 0, 0, 0, 0, 0, 12.5};
    assert_int_equal(pms_ineq_gini(one, NULL, 7, &g, &err), PMS_OK);
    assert_rel(g, 6.0 / 7.0, 1e-15);
    /* ... and 1 - w_top/W with weights (the Lorenz curve jumps at the end). */
    const double wo[] = {1, 2, 1, 1, 3, 1, 0.5};
    assert_int_equal(pms_ineq_gini(one, wo, 7, &g, &err), PMS_OK);
    assert_rel(g, 1 - 0.5 / 9.5, 1e-15);
    assert_int_equal(pms_ineq_gini(one + 6, NULL, 1, &g, &err), PMS_OK);
    assert_abs(g, 0.0, 0);
}

/* National: 7,922 practices. R's area form and its pairwise O(n^2) form
 * differ by 2e-15 relative (summation order); 1e-13 covers both. */
static void test_gini_national(void **state)
{
    (void)state;
    assert_int_equal(fd.rows, (size_t)REF("rows"));
    assert_int_equal(fd.n, (size_t)REF("n"));
    assert_int_equal(fd.missing, (size_t)REF("missing_value"));
    assert_int_equal(fd.nonpositive, (size_t)REF("nonpositive_value"));
    pms_err err = {{0}};
    double g;
    assert_int_equal(pms_ineq_gini(fd.x, NULL, fd.n, &g, &err), PMS_OK);
    assert_rel(g, REF("nat.gini_unit"), 1e-13);
    assert_int_equal(pms_ineq_gini(fd.x, fd.w, fd.n, &g, &err), PMS_OK);
    assert_rel(g, REF("nat.gini_w"), 1e-13);
    assert_rel(g, REF("nat.gini_w_pairs"), 1e-13);
}

/* Theil: logs of ratios near 1 lose a few digits in R's double sums;
 * 1e-13 relative on the totals, 1e-12 on the smaller parts. */
static void test_theil_t(void **state)
{
    (void)state;
    pms_err err = {{0}};
    pms_ineq_decomp d;
    assert_int_equal(pms_ineq_theil_t(x5, NULL, NULL, 0, 5, &d, &err), PMS_OK);
    assert_rel(d.total, REF("small.theil_t_unit"), 1e-14);
    assert_rel(d.total, REF("small.theil_t_ineq"), 1e-14);
    assert_abs(d.between, 0.0, 0);
    assert_rel(d.within, d.total, 1e-15);
    assert_int_equal(pms_ineq_theil_t(x5, w5, g5, 2, 5, &d, &err), PMS_OK);
    assert_rel(d.total, REF("small.theil_t_w"), 1e-14);
    assert_rel(d.between, REF("small.theil_t_between"), 1e-14);
    assert_rel(d.within, REF("small.theil_t_within"), 1e-13);
    assert_rel(d.between + d.within, d.total, 1e-15);   /* identity, parts computed apart */

    assert_int_equal(pms_ineq_theil_t(fd.x, fd.w, fd.group, fd.ngroups, fd.n, &d, &err), PMS_OK);
    assert_int_equal(fd.ngroups, (size_t)REF("nat.ngroups"));
    assert_rel(d.total, REF("nat.theil_t_w"), 1e-13);
    assert_rel(d.between, REF("nat.theil_t_between"), 1e-12);
    assert_rel(d.within, REF("nat.theil_t_within"), 1e-12);
    assert_rel(d.between + d.within, d.total, 1e-14);
    assert_int_equal(pms_ineq_theil_t(fd.x, NULL, NULL, 0, fd.n, &d, &err), PMS_OK);
    assert_rel(d.total, REF("nat.theil_t_unit"), 1e-13);

    /* Equal amounts: 0; one group per unit: all between. Unused groups ignored. */
    const double eq[] = {3.25, 3.25, 3.25};
    const size_t gi[] = {0, 3, 1};
    assert_int_equal(pms_ineq_theil_t(eq, NULL, gi, 4, 3, &d, &err), PMS_OK);
    assert_abs(d.total, 0.0, 1e-16);
    assert_abs(d.between, 0.0, 1e-16);
    assert_abs(d.within, 0.0, 1e-16);
    const size_t own[] = {0, 1, 2, 3, 4};
    assert_int_equal(pms_ineq_theil_t(x5, w5, own, 5, 5, &d, &err), PMS_OK);
    assert_rel(d.between, REF("small.theil_t_w"), 1e-14);
    assert_abs(d.within, 0.0, 1e-16);
}

static void test_errors(void **state)
{
    (void)state;
    pms_err err = {{0}};
    double g;
    pms_ineq_decomp d;
    const double bad_neg[] = {1.5, -0.25}, zero[] = {0.0, 0.0}, nanx[] = {1.5, NAN};
    const double inf_w[] = {1.0, INFINITY}, neg_w[] = {1.0, -2.0}, one[] = {1.5, 2.5};
    assert_int_equal(pms_ineq_gini(one, NULL, 0, &g, &err), PMS_ETOOFEW);
    assert_string_equal(err.msg, "Gini: no observations");
    assert_int_equal(pms_ineq_gini(bad_neg, NULL, 2, &g, &err), PMS_EDOMAIN);
    assert_string_equal(err.msg, "Gini: value 2 is negative (-0.25)");
    assert_int_equal(pms_ineq_gini(zero, NULL, 2, &g, &err), PMS_EDOMAIN);
    assert_string_equal(err.msg, "Gini: the values sum to zero");
    assert_int_equal(pms_ineq_gini(nanx, NULL, 2, &g, &err), PMS_ENONFINITE);
    assert_string_equal(err.msg, "Gini: value 2 is not finite");
    assert_int_equal(pms_ineq_gini(one, inf_w, 2, &g, &err), PMS_ENONFINITE);
    assert_string_equal(err.msg, "Gini: weight 2 is not finite");
    assert_int_equal(pms_ineq_gini(one, neg_w, 2, &g, &err), PMS_EDOMAIN);
    assert_string_equal(err.msg, "Gini: weight 2 is not positive (-2)");

    assert_int_equal(pms_ineq_theil_t(one, NULL, NULL, 0, 0, &d, &err), PMS_ETOOFEW);
    assert_int_equal(pms_ineq_theil_t(zero, NULL, NULL, 0, 2, &d, &err), PMS_EDOMAIN);
    assert_string_equal(err.msg, "Theil T: value 1 is not positive (0)");
    assert_int_equal(pms_ineq_theil_t(nanx, NULL, NULL, 0, 2, &d, &err), PMS_ENONFINITE);
    assert_int_equal(pms_ineq_theil_t(one, neg_w, NULL, 0, 2, &d, &err), PMS_EDOMAIN);
    const size_t gbad[] = {0, 2};
    assert_int_equal(pms_ineq_theil_t(one, NULL, gbad, 2, 2, &d, &err), PMS_EDOMAIN);
    assert_string_equal(err.msg, "Theil T: group 2 of value 2 is not below 2");
    assert_int_equal(pms_ineq_theil_t(one, NULL, gbad, 0, 2, &d, &err), PMS_EDOMAIN);
    assert_string_equal(err.msg, "Theil T: no groups");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gini_small),    cmocka_unit_test(test_gini_known),
        cmocka_unit_test(test_gini_national), cmocka_unit_test(test_theil_t),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
