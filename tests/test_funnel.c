/* Funnel limits, z-scores and over-dispersion against tests/reference/funnel.R
 * (base-R forms of Spiegelhalter 2005, tau^2 also from metafor's DL), on 12
 * hand-sized proportions and on 2014/15 payments per weighted patient. */
/* ctest-labels: unit reference */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/funnel.h"
#include "io/table.h"

static char *ref;
static double *my, *mn;
static size_t mcount, mrows, mmissing;

static int setup(void **state)
{
    (void)state;
    char *p = pms_test_path(PMS_SOURCE_DIR, "tests/reference/funnel.out");
    ref = pms_test_slurp(p);
    free(p);
    if (!ref) return -1;
    char *pay = pms_test_path(PMS_DATASETS_DIR, "nhs-payments/nhs-payments-gp-2014-15.csv");
    const char *data[] = {pay};
    pms_data_opts o = {data, 1, NULL, 0, NULL, 0};
    pms_table *t = NULL;
    pms_err err = {{0}};
    pms_status s = pms_dataset_open(&o, &t, &err);
    free(pay);
    if (s != PMS_OK) return -1;
    const double *v, *w;
    if (pms_table_numeric(t, "payments_per_weighted", &v, &err) ||
        pms_table_numeric(t, "weighted_patients", &w, &err)) {
        pms_table_free(t);
        return -1;
    }
    mrows = t->nrows;
    my = malloc(mrows * sizeof *my);
    mn = malloc(mrows * sizeof *mn);
    for (size_t i = 0; i < mrows; i++) {
        if (isnan(v[i])) {
            mmissing++;
            continue;
        }
        my[mcount] = v[i];
        mn[mcount] = w[i];
        mcount++;
    }
    pms_table_free(t);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(ref);
    free(my);
    free(mn);
    return 0;
}

static const double cnt[] = {12, 30, 7, 55, 21, 3, 40, 18, 66, 9, 25, 14};
static const double den[] = {150, 260, 90, 400, 210, 60, 300, 170, 420, 120, 200, 95};

static double refk(const char *fmt, const char *tag, const char *od, const char *lev,
                   const char *what)
{
    char k[160];
    snprintf(k, sizeof k, fmt, tag, od, lev, what);
    return pms_ref_value(ref, k);
}

/* Tolerances: theta, sigma, phi and tau^2 are sums of a few to 7,923 terms:
 * 1e-12 relative.  Exact binomial limits go through GSL's and R's binomial
 * distribution functions (both accurate to ~1e-14 relative): 1e-10 relative on
 * the interpolated limits.  Normal limits: 1e-12. */
static void check(const char *tag, const double *y, const double *n, size_t m,
                  pms_funnel_type type, double q)
{
    static const char *odn[] = {"none", "multiplicative", "additive"};
    static const char *levn[] = {"0.95", "0.998"};
    double *yc = malloc(m * sizeof *yc);
    assert_non_null(yc);
    memcpy(yc, y, m * sizeof *yc);
    for (int od = 0; od < 3; od++) {
        pms_funnel_opts o;
        pms_funnel_opts_default(&o);
        o.type = type;
        o.winsorise = q;
        o.overdispersion = (pms_funnel_od)od;
        pms_funnel_result r;
        pms_err err = {{0}};
        assert_int_equal(pms_funnel_fit(y, n, m, &o, &r, &err), PMS_OK);
        assert_memory_equal(y, yc, m * sizeof *yc);
        char k[96];
        snprintf(k, sizeof k, "%s.theta", tag);
        assert_rel(r.target, pms_ref_value(ref, k), 1e-13);
        snprintf(k, sizeof k, "%s.sigma", tag);
        assert_rel(r.sigma, pms_ref_value(ref, k), 1e-12);
        snprintf(k, sizeof k, "%s.phi", tag);
        assert_rel(r.phi, pms_ref_value(ref, k), 1e-12);
        snprintf(k, sizeof k, "%s.tau2", tag);
        assert_rel(r.tau2, pms_ref_value(ref, k), 1e-11);
        if (q == 0) {
            snprintf(k, sizeof k, "%s.tau2_metafor", tag);
            assert_rel(r.tau2, pms_ref_value(ref, k), 1e-10);   /* metafor sums in another order */
        }
        double tol = r.exact ? 1e-10 : 1e-12;
        for (size_t l = 0; l < 2; l++) {
            assert_int_equal(r.n_above[l], (size_t)refk("%s.%s.%s.%s", tag, odn[od], levn[l], "above"));
            assert_int_equal(r.n_below[l], (size_t)refk("%s.%s.%s.%s", tag, odn[od], levn[l], "below"));
            assert_int_equal(r.n_outside[l], r.n_above[l] + r.n_below[l]);
            assert_rel(r.units[0].low[l], refk("%s.%s.%s.%s", tag, odn[od], levn[l], "low1"), tol);
            assert_rel(r.units[0].high[l], refk("%s.%s.%s.%s", tag, odn[od], levn[l], "high1"), tol);
            assert_rel(r.units[m - 1].low[l], refk("%s.%s.%s.%s", tag, odn[od], levn[l], "lowlast"), tol);
            assert_rel(r.units[m - 1].high[l], refk("%s.%s.%s.%s", tag, odn[od], levn[l], "highlast"), tol);
        }
        snprintf(k, sizeof k, "%s.%s.z1", tag, odn[od]);
        assert_rel(r.units[0].z, pms_ref_value(ref, k), 1e-12);
        /* Outlier list: every unit outside the 95% limits, |z| descending. */
        assert_int_equal(r.noutliers, r.n_outside[0]);
        for (size_t j = 1; j < r.noutliers; j++)
            assert_true(fabs(r.units[r.outliers[j - 1]].z) >= fabs(r.units[r.outliers[j]].z));
        double zmax = 0;
        for (size_t i = 0; i < m; i++) zmax = fmax(zmax, fabs(r.units[i].z));
        snprintf(k, sizeof k, "%s.%s.zmax", tag, odn[od]);
        assert_rel(zmax, pms_ref_value(ref, k), 1e-12);
        /* Grid: ends at the smallest and largest size, limits widen as size falls. */
        assert_int_equal(r.ngrid, 200);
        for (size_t g = 1; g < r.ngrid; g++) {
            assert_true(r.grid_size[g] >= r.grid_size[g - 1]);
            assert_true(r.grid_high[g * 2 + 1] - r.grid_low[g * 2 + 1] <=
                        r.grid_high[(g - 1) * 2 + 1] - r.grid_low[(g - 1) * 2 + 1] + 1e-12);
        }
        pms_funnel_result_free(&r);
    }
    free(yc);
}

static void test_proportion(void **state)
{
    (void)state;
    double p[12];
    for (int i = 0; i < 12; i++) p[i] = cnt[i] / den[i];
    check("prop", p, den, 12, PMS_FUNNEL_PROPORTION, 0.1);
    check("prop0", p, den, 12, PMS_FUNNEL_PROPORTION, 0.0);
    /* Interpolated exact limits. */
    assert_rel(pms_funnel_binom_limit(0.1, 50, 0.025), pms_ref_value(ref, "binom.l025_n50"), 1e-10);
    assert_rel(pms_funnel_binom_limit(0.1, 50, 0.975), pms_ref_value(ref, "binom.l975_n50"), 1e-10);
    assert_rel(pms_funnel_binom_limit(0.23, 1000, 0.999), pms_ref_value(ref, "binom.l999_n1000"), 1e-10);
    assert_rel(pms_funnel_binom_limit(0.4, 7, 0.001), pms_ref_value(ref, "binom.l001_n7"), 1e-10);
}

static void test_mean_national(void **state)
{
    (void)state;
    assert_int_equal(mrows, (size_t)pms_ref_value(ref, "mean.rows"));
    assert_int_equal(mmissing, (size_t)pms_ref_value(ref, "mean.missing"));
    assert_int_equal(mcount, (size_t)pms_ref_value(ref, "mean.n"));
    check("mean", my, mn, mcount, PMS_FUNNEL_MEAN, 0.1);
    check("mean0", my, mn, mcount, PMS_FUNNEL_MEAN, 0.0);
}

/* Known: units all on target are never outside; a unit far out is flagged
 * above at every level and tops the outlier list. */
static void test_known(void **state)
{
    (void)state;
    /* 40 units near 10 and one at 14: with sigma from the units, |z| can
     * reach sqrt(I - 1) at most, so a lone outlier needs company to show. */
    double y[41], n[41];
    for (int i = 0; i < 40; i++) {
        y[i] = 10.0 + 0.05 * ((i * 7) % 11 - 5);
        n[i] = 100 + 10 * (i % 5);
    }
    y[40] = 14.0;
    n[40] = 160;
    pms_funnel_opts o;
    pms_funnel_opts_default(&o);
    pms_funnel_result r;
    pms_err err = {{0}};
    assert_int_equal(pms_funnel_fit(y, n, 41, &o, &r, &err), PMS_OK);
    assert_int_equal(r.units[40].direction, 1);
    assert_int_equal(r.units[40].outside, 2);
    assert_int_equal(r.outliers[0], 40);
    assert_int_equal(r.units[0].outside, 0);
    pms_funnel_result_free(&r);
    pms_funnel_result_free(NULL);
}

static void test_errors(void **state)
{
    (void)state;
    pms_funnel_opts o;
    pms_funnel_opts_default(&o);
    pms_funnel_result r;
    pms_err err = {{0}};
    const double y[] = {0.1, 0.2, 0.3}, n[] = {10, 20, 30};
    assert_int_equal(pms_funnel_fit(y, n, 1, &o, &r, &err), PMS_ETOOFEW);
    assert_string_equal(err.msg, "funnel: 1 unit, need 2");
    o.winsorise = 0.5;
    assert_int_equal(pms_funnel_fit(y, n, 3, &o, &r, &err), PMS_EDOMAIN);
    assert_string_equal(err.msg, "funnel: Winsorising fraction 0.5 is not in [0, 0.5)");
    pms_funnel_opts_default(&o);
    o.nlevels = 0;
    assert_int_equal(pms_funnel_fit(y, n, 3, &o, &r, &err), PMS_EDOMAIN);
    pms_funnel_opts_default(&o);
    o.levels[1] = 1.0;
    assert_int_equal(pms_funnel_fit(y, n, 3, &o, &r, &err), PMS_EDOMAIN);
    assert_string_equal(err.msg, "funnel: limit level 1 is not in (0, 1)");
    o.levels[0] = 0.99;
    o.levels[1] = 0.95;
    assert_int_equal(pms_funnel_fit(y, n, 3, &o, &r, &err), PMS_EDOMAIN);
    assert_string_equal(err.msg, "funnel: limit levels must increase");
    pms_funnel_opts_default(&o);
    o.grid = 1;
    assert_int_equal(pms_funnel_fit(y, n, 3, &o, &r, &err), PMS_EDOMAIN);
    pms_funnel_opts_default(&o);
    const double ynan[] = {0.1, NAN, 0.3}, n0[] = {10, 0, 30}, nfrac[] = {10, 20.5, 30},
                 ybig[] = {0.1, 1.5, 0.3}, yeq[] = {2, 2, 2}, yzero[] = {0, 0, 0};
    assert_int_equal(pms_funnel_fit(ynan, n, 3, &o, &r, &err), PMS_ENONFINITE);
    assert_string_equal(err.msg, "funnel: unit 2: value or size is not finite");
    assert_int_equal(pms_funnel_fit(y, n0, 3, &o, &r, &err), PMS_EDOMAIN);
    assert_string_equal(err.msg, "funnel: unit 2: size 0 is not positive");
    assert_int_equal(pms_funnel_fit(yeq, n, 3, &o, &r, &err), PMS_EDOMAIN);
    assert_string_equal(err.msg, "funnel: every unit has the same value: no spread");
    o.type = PMS_FUNNEL_PROPORTION;
    assert_int_equal(pms_funnel_fit(y, nfrac, 3, &o, &r, &err), PMS_EDOMAIN);
    assert_string_equal(err.msg, "funnel: unit 2: denominator 20.5 is not a whole number");
    assert_int_equal(pms_funnel_fit(ybig, n, 3, &o, &r, &err), PMS_EDOMAIN);
    assert_string_equal(err.msg, "funnel: unit 2: proportion 1.5 is not in [0, 1]");
    assert_int_equal(pms_funnel_fit(yzero, n, 3, &o, &r, &err), PMS_EDOMAIN);
    assert_string_equal(err.msg, "funnel: the pooled proportion is 0: no binomial limits");
}

/* Counts or percentages (issue 17): the row reported is the one that breaks
 * the rule, and each explicit reading checks only its own rule. */
static void test_input_rule(void **state)
{
    (void)state;
    const double v[] = {150, 60, 12}, sz[] = {200, 50, 90};
    double prop[3];
    pms_funnel_input_check k;
    /* auto: row 1 (60 of 50) is not a count; row 0 (150) is not a percentage */
    assert_int_equal(pms_funnel_proportions(v, sz, 3, PMS_FUNNEL_INPUT_AUTO, prop, &k), PMS_EDOMAIN);
    assert_int_equal(k.bad, 1);
    assert_int_equal(k.problem, PMS_FUNNEL_ROW_ABOVE_SIZE);
    assert_int_equal(k.bad_pct, 0);
    assert_int_equal(pms_funnel_proportions(v, sz, 3, PMS_FUNNEL_INPUT_COUNT, prop, &k), PMS_EDOMAIN);
    assert_int_equal(k.bad, 1);
    assert_int_equal(k.problem, PMS_FUNNEL_ROW_ABOVE_SIZE);
    assert_int_equal(pms_funnel_proportions(v, sz, 3, PMS_FUNNEL_INPUT_PERCENT, prop, &k), PMS_EDOMAIN);
    assert_int_equal(k.bad, 0);
    assert_int_equal(k.problem, PMS_FUNNEL_ROW_ABOVE_100);
    /* valid counts read as counts in auto; the same numbers as percentages when asked */
    const double c[] = {12, 30, 7}, n[] = {150, 260, 90};
    assert_int_equal(pms_funnel_proportions(c, n, 3, PMS_FUNNEL_INPUT_AUTO, prop, &k), PMS_OK);
    assert_int_equal(k.used, PMS_FUNNEL_INPUT_COUNT);
    assert_true(prop[1] == 30.0 / 260.0);
    assert_int_equal(pms_funnel_proportions(c, n, 3, PMS_FUNNEL_INPUT_PERCENT, prop, &k), PMS_OK);
    assert_int_equal(k.used, PMS_FUNNEL_INPUT_PERCENT);
    assert_true(prop[1] == 0.30);
    /* auto falls to percentages when a value is not whole */
    const double p[] = {8.0, 11.5384615, 7};
    assert_int_equal(pms_funnel_proportions(p, n, 3, PMS_FUNNEL_INPUT_AUTO, prop, &k), PMS_OK);
    assert_int_equal(k.used, PMS_FUNNEL_INPUT_PERCENT);
    assert_int_equal(pms_funnel_proportions(p, n, 3, PMS_FUNNEL_INPUT_COUNT, prop, &k), PMS_EDOMAIN);
    assert_int_equal(k.bad, 1);
    assert_int_equal(k.problem, PMS_FUNNEL_ROW_FRACTION);
    const double neg[] = {8, -1, 7};
    assert_int_equal(pms_funnel_proportions(neg, n, 3, PMS_FUNNEL_INPUT_PERCENT, prop, &k), PMS_EDOMAIN);
    assert_int_equal(k.problem, PMS_FUNNEL_ROW_NEGATIVE);
    const double fn[] = {150, 260.5, 90};
    assert_int_equal(pms_funnel_proportions(c, fn, 3, PMS_FUNNEL_INPUT_AUTO, prop, &k), PMS_EDOMAIN);
    assert_int_equal(k.bad, 1);
    assert_int_equal(k.problem, PMS_FUNNEL_ROW_SIZE_FRACTION);
    assert_int_equal(pms_funnel_proportions(NULL, fn, 3, PMS_FUNNEL_INPUT_AUTO, prop, &k), PMS_EUSAGE);
    assert_string_equal(pms_funnel_input_name(PMS_FUNNEL_INPUT_PERCENT), "percentage");
    assert_string_equal(pms_funnel_input_name(PMS_FUNNEL_INPUT_AUTO), "auto");
}

/* Additive over-dispersion with tau^2 = 0 keeps the exact binomial limits
 * (tests/reference/funnel_additive0.R, base R): an under-dispersed set, phi
 * 0.0026, tau^2 truncated to 0.  tau2_applied and phi_applied are both false;
 * with a positive tau^2 tau2_applied is true and phi_applied still false (it
 * is the multiplicative model's flag).  1e-10 on the exact limits, as above. */
static void test_additive_tau2_zero(void **state)
{
    (void)state;
    char *p = pms_test_path(PMS_SOURCE_DIR, "tests/reference/funnel_additive0.out");
    char *u = pms_test_slurp(p);
    free(p);
    assert_non_null(u);
    const double c[] = {18, 31, 11, 48, 25, 7, 36, 20, 50, 14, 24, 11};
    double y[12];
    for (int i = 0; i < 12; i++) y[i] = c[i] / den[i];
    pms_funnel_opts o;
    pms_funnel_opts_default(&o);
    o.type = PMS_FUNNEL_PROPORTION;
    o.overdispersion = PMS_OD_ADDITIVE;
    pms_funnel_result r;
    assert_int_equal(pms_funnel_fit(y, den, 12, &o, &r, NULL), PMS_OK);
    assert_rel(r.phi, pms_ref_value(u, "u.phi"), 1e-12);
    assert_true(r.tau2 == 0 && !r.tau2_applied && !r.phi_applied && r.exact);
    static const char *lev[] = {"0.95", "0.998"};
    char k[64];
    for (size_t l = 0; l < 2; l++) {
        snprintf(k, sizeof k, "u.%s.low1", lev[l]);
        assert_rel(r.units[0].low[l], pms_ref_value(u, k), 1e-10);
        snprintf(k, sizeof k, "u.%s.high1", lev[l]);
        assert_rel(r.units[0].high[l], pms_ref_value(u, k), 1e-10);
        snprintf(k, sizeof k, "u.%s.lowlast", lev[l]);
        assert_rel(r.units[11].low[l], pms_ref_value(u, k), 1e-10);
        snprintf(k, sizeof k, "u.%s.highlast", lev[l]);
        assert_rel(r.units[11].high[l], pms_ref_value(u, k), 1e-10);
    }
    pms_funnel_result_free(&r);
    /* The over-dispersed hand set: tau^2 > 0 is applied, and says so. */
    for (int i = 0; i < 12; i++) y[i] = cnt[i] / den[i];
    assert_int_equal(pms_funnel_fit(y, den, 12, &o, &r, NULL), PMS_OK);
    assert_true(r.tau2 > 0 && r.tau2_applied && !r.phi_applied && !r.exact);
    pms_funnel_result_free(&r);
    free(u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_proportion),
        cmocka_unit_test(test_mean_national),
        cmocka_unit_test(test_known),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_input_rule),
        cmocka_unit_test(test_additive_tau2_zero),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
