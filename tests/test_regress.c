/* Least squares on the real 2014/15 data against R's lm and the sandwich
 * package's HC formulas (tests/reference/regress.R, output regress.out):
 * log(payments per weighted patient) on log(IMD 2015) and log(weighted
 * patients), unweighted, weighted by registered patients, and through the
 * origin.  Then every error path of pms_reg_fit and pms_reg_select. */
/* ctest-labels: unit reference */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/regress.h"
#include "io/table.h"

static char *ref;

typedef struct {
    size_t n;
    double *y, *X, *w;
    pms_reg_rows info;
} model_data;

static model_data md;

static int setup(void **state)
{
    (void)state;
    char *p = pms_test_path(PMS_SOURCE_DIR, "tests/reference/regress.out");
    ref = pms_test_slurp(p);
    free(p);
    if (!ref) return -1;

    pms_table *t = pms_test_open_2014_imd(NULL);
    if (!t) return -1;
    pms_err err = {{0}};
    const double *cols[3], *wt;
    if (pms_table_numeric(t, "payments_per_weighted", &cols[0], &err) != PMS_OK ||
        pms_table_numeric(t, "imd2015", &cols[1], &err) != PMS_OK ||
        pms_table_numeric(t, "weighted_patients", &cols[2], &err) != PMS_OK ||
        pms_table_numeric(t, "registered_patients", &wt, &err) != PMS_OK) {
        fprintf(stderr, "%s\n", err.msg);
        pms_table_free(t);
        return -1;
    }
    size_t n = t->nrows;
    md.y = malloc(n * sizeof(double));
    md.X = malloc(2 * n * sizeof(double));
    md.w = malloc(n * sizeof(double));
    const int take_log[3] = {1, 1, 1};
    pms_status s = pms_reg_select(cols, take_log, 3, n, wt, md.y, md.X, md.w, &md.info, &err);
    pms_table_free(t);
    if (s != PMS_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    md.n = md.info.used;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(ref);
    free(md.y);
    free(md.X);
    free(md.w);
    return 0;
}

static double R(const char *tag, const char *stat, int i)
{
    char key[128];
    if (i >= 0)
        snprintf(key, sizeof key, "%s.%s%d", tag, stat, i);
    else
        snprintf(key, sizeof key, "%s.%s", tag, stat);
    return pms_ref_value(ref, key);
}

/* The same rows as R, excluded for the same reasons. */
static void test_rows(void **state)
{
    (void)state;
    assert_int_equal(md.info.rows, (size_t)pms_ref_value(ref, "rows"));
    assert_int_equal(md.info.used, (size_t)pms_ref_value(ref, "n"));
    assert_int_equal(md.info.missing[0], (size_t)pms_ref_value(ref, "missing_y"));
    assert_int_equal(md.info.nonpositive[0], (size_t)pms_ref_value(ref, "nonpositive_y"));
    assert_int_equal(md.info.missing[1], (size_t)pms_ref_value(ref, "missing_x1"));
    assert_int_equal(md.info.nonpositive[1], (size_t)pms_ref_value(ref, "nonpositive_x1"));
    assert_int_equal(md.info.nonpositive[2], (size_t)pms_ref_value(ref, "nonpositive_x2"));
    assert_int_equal(md.info.weight_missing, 0);
}

/* Tolerances: R's lm (Householder QR in double) and ours (long double) agree
 * to ~1e-13 on this well-conditioned design (condition number ~1e2 after
 * centring); 1e-11 leaves room for R's rounding.  p-values come from GSL's
 * t and F tails vs R's pt/pf: 1e-9 relative (both claim ~1e-14 but tails of
 * 1e-46 go through different series). */
static void check_fit(const char *tag, const double *w, int intercept)
{
    size_t n = md.n;
    double *yc = malloc(n * sizeof *yc), *Xc = malloc(2 * n * sizeof *Xc);
    assert_non_null(yc);
    assert_non_null(Xc);
    memcpy(yc, md.y, n * sizeof *yc);
    memcpy(Xc, md.X, 2 * n * sizeof *Xc);
    const char *names[] = {"log_imd2015", "log_weighted_patients"};
    pms_reg_opts o;
    pms_reg_opts_default(&o);
    o.intercept = intercept;
    o.names = names;
    static const pms_hc_type types[] = {PMS_HC_NONE, PMS_HC0, PMS_HC1, PMS_HC2, PMS_HC3};
    for (size_t h = 0; h < 5; h++) {
        o.robust = types[h];
        pms_reg_result r;
        pms_err err = {{0}};
        assert_int_equal(pms_reg_fit(md.X, n, 2, md.y, w, &o, &r, &err), PMS_OK);
        assert_memory_equal(md.y, yc, n * sizeof *yc);   /* inputs untouched */
        assert_memory_equal(md.X, Xc, 2 * n * sizeof *Xc);
        assert_int_equal(r.n, n);
        assert_int_equal(r.p, 2 + (size_t)intercept);
        assert_rel(r.df_resid, R(tag, "df", -1), 0);
        assert_rel(r.resid_sd, R(tag, "sigma", -1), 1e-11);
        assert_rel(r.r2, R(tag, "r2", -1), 1e-11);
        assert_rel(r.adj_r2, R(tag, "adj_r2", -1), 1e-11);
        assert_rel(r.f, R(tag, "f", -1), 1e-11);
        assert_rel(r.f_p, R(tag, "f_p", -1), 1e-9);
        assert_rel(r.max_leverage, R(tag, "max_h", -1), 1e-11);
        for (size_t j = 0; j < r.p; j++) {
            int i = (int)j;
            assert_rel(r.coef[j], R(tag, "coef", i), 1e-11);
            assert_rel(r.se_classical[j], R(tag, "se", i), 1e-11);
            if (types[h] == PMS_HC_NONE) {
                assert_rel(r.se[j], R(tag, "se", i), 1e-11);
                assert_rel(r.t[j], R(tag, "t", i), 1e-11);
                double rp = R(tag, "p", i);
                if (rp == 0) /* R underflows to 0 below 2.2e-308 */
                    assert_true(r.p_value[j] < 1e-300);
                else
                    assert_rel(r.p_value[j], rp, 1e-9);
                assert_rel(r.ci_low[j], R(tag, "ci_low", i), 1e-11);
                assert_rel(r.ci_high[j], R(tag, "ci_high", i), 1e-11);
                assert_true(isnan(r.wald_f));
            } else {
                char stat[32];
                const char *hn = pms_hc_name(types[h]);
                snprintf(stat, sizeof stat, "%s.se", hn);
                assert_rel(r.se[j], R(tag, stat, i), 1e-11);
                snprintf(stat, sizeof stat, "%s.p", hn);
                double rp = R(tag, stat, i);
                if (rp == 0)
                    assert_true(r.p_value[j] < 1e-300);
                else
                    assert_rel(r.p_value[j], rp, 1e-9);
                snprintf(stat, sizeof stat, "%s.ci_low", hn);
                assert_rel(r.ci_low[j], R(tag, stat, i), 1e-11);
                /* The covariance matrix is symmetric and its diagonal is se^2. */
                assert_rel(r.cov[j * r.p + j], r.se[j] * r.se[j], 1e-15);
                for (size_t c = 0; c < r.p; c++)   /* exactly symmetric (tolerance 0) */
                    assert_rel(r.cov[j * r.p + c], r.cov[c * r.p + j], 0);
            }
        }
        if (types[h] != PMS_HC_NONE) {
            char stat[32];
            snprintf(stat, sizeof stat, "%s.wald_f", pms_hc_name(types[h]));
            assert_rel(r.wald_f, R(tag, stat, -1), 1e-10);
            snprintf(stat, sizeof stat, "%s.wald_p", pms_hc_name(types[h]));
            double rp = R(tag, stat, -1);
            if (rp == 0)
                assert_true(r.wald_p < 1e-300);
            else
                assert_rel(r.wald_p, rp, 1e-9);
        }
        pms_reg_result_free(&r);
        pms_reg_result_free(&r);   /* a freed result can be freed again */
    }
    free(yc);
    free(Xc);
}

static void test_ols_vs_r(void **state)
{
    (void)state;
    check_fit("ols", NULL, 1);
}

static void test_wls_vs_r(void **state)
{
    (void)state;
    check_fit("wls", md.w, 1);
}

static void test_no_intercept_vs_r(void **state)
{
    (void)state;
    check_fit("noint", NULL, 0);
}

/* A 90% interval from the same fit: the level is a parameter, not a constant. */
static void test_ci_level(void **state)
{
    (void)state;
    pms_reg_opts o;
    pms_reg_opts_default(&o);
    o.ci_level = 0.90;
    pms_reg_result r;
    assert_int_equal(pms_reg_fit(md.X, md.n, 2, md.y, NULL, &o, &r, NULL), PMS_OK);
    for (size_t j = 0; j < 3; j++)
        assert_rel(r.ci_low[j], R("ols", "ci90_low", (int)j), 1e-11);
    pms_reg_result_free(&r);
}

/* Every error code, with its message. */
static void test_errors(void **state)
{
    (void)state;
    const double X[] = {2.385, 1.5,  -0.75, 3.25, 4.125, -2.0, 0.5, 7.75, 1.875, 0.25};
    const double y[] = {1.25, -3.5, 2.75, 0.125, 5.5};
    pms_reg_result r;
    pms_err err = {{0}};
    pms_reg_opts o;
    pms_reg_opts_default(&o);
    const char *names[] = {"imd", "list_size"};
    o.names = names;

    /* n <= p */
    assert_int_equal(pms_reg_fit(X, 3, 2, y, NULL, &o, &r, &err), PMS_ETOOFEW);
    assert_string_equal(err.msg,
                        "3 observations are too few for 3 parameters (need at least 4)");
    assert_null(r.coef);
    /* Non-finite input */
    double Xn[10];
    memcpy(Xn, X, sizeof X);
    Xn[5] = NAN;
    assert_int_equal(pms_reg_fit(Xn, 5, 2, y, NULL, &o, &r, &err), PMS_ENONFINITE);
    assert_string_equal(err.msg, "predictor 'list_size' is not finite in row 3");
    /* Weight <= 0 */
    const double w0[] = {1.5, 2.0, 0.0, 1.0, 3.0};
    assert_int_equal(pms_reg_fit(X, 5, 2, y, w0, &o, &r, &err), PMS_EDOMAIN);
    assert_string_equal(err.msg, "weight 0 in row 3 is not positive");
    /* Level outside (0, 1) */
    o.ci_level = 1.0;
    assert_int_equal(pms_reg_fit(X, 5, 2, y, NULL, &o, &r, &err), PMS_EDOMAIN);
    o.ci_level = 0.95;
    /* Constant predictor with an intercept */
    const double Xc[] = {2.385, 4.0, -0.75, 4.0, 4.125, 4.0, 0.5, 4.0, 1.875, 4.0};
    assert_int_equal(pms_reg_fit(Xc, 5, 2, y, NULL, &o, &r, &err), PMS_ESINGULAR);
    assert_string_equal(err.msg, "predictor 'list_size' is constant: it cannot be separated "
                                 "from the intercept");
    /* Collinear: list_size = 2 * imd + 1 */
    double Xl[10];
    for (size_t i = 0; i < 5; i++) {
        Xl[2 * i] = X[2 * i];
        Xl[2 * i + 1] = 2 * X[2 * i] + 1;
    }
    assert_int_equal(pms_reg_fit(Xl, 5, 2, y, NULL, &o, &r, &err), PMS_ESINGULAR);
    assert_string_equal(err.msg, "predictor 'list_size' is a linear combination of the "
                                 "predictors before it and the intercept (design matrix "
                                 "singular)");
    /* All-zero column through the origin */
    o.intercept = 0;
    const double Xz[] = {2.385, 0, -0.75, 0, 4.125, 0, 0.5, 0, 1.875, 0};
    assert_int_equal(pms_reg_fit(Xz, 5, 2, y, NULL, &o, &r, &err), PMS_ESINGULAR);
    assert_string_equal(err.msg, "predictor 'list_size' is all zero");
    o.intercept = 1;
    /* Leverage 1 under HC3: a row that alone fixes a dummy's coefficient. */
    const double Xd[] = {2.385, 0, -0.75, 0, 4.125, 1, 0.5, 0, 1.875, 0};
    o.robust = PMS_HC3;
    assert_int_equal(pms_reg_fit(Xd, 5, 2, y, NULL, &o, &r, &err), PMS_EDOMAIN);
    assert_string_equal(err.msg, "observation 3 has leverage 1, so hc3 standard errors are "
                                 "undefined (use hc0 or hc1)");
    o.robust = PMS_HC0;   /* HC0 is defined there */
    assert_int_equal(pms_reg_fit(Xd, 5, 2, y, NULL, &o, &r, &err), PMS_OK);
    pms_reg_result_free(&r);
    /* Usage */
    assert_int_equal(pms_reg_fit(X, 5, 0, y, NULL, &o, &r, &err), PMS_EUSAGE);
    assert_int_equal(pms_reg_fit(NULL, 5, 2, y, NULL, &o, &r, &err), PMS_EUSAGE);
    o.robust = (pms_hc_type)9;
    assert_int_equal(pms_reg_fit(X, 5, 2, y, NULL, &o, &r, &err), PMS_EUSAGE);
}

/* A perfect fit: zero residual SD, SEs 0, t and p NaN rather than infinite. */
static void test_perfect_fit(void **state)
{
    (void)state;
    const double X[] = {0.5, 1.25, 2.0, 3.5, 4.75};
    double y[5];
    for (size_t i = 0; i < 5; i++) y[i] = 1.5 + 2.0 * X[i];   /* exact in binary */
    pms_reg_result r;
    assert_int_equal(pms_reg_fit(X, 5, 1, y, NULL, NULL, &r, NULL), PMS_OK);
    assert_true(r.perfect_fit);
    assert_true(r.resid_sd == 0 && r.r2 == 1);
    assert_true(isnan(r.t[1]) && isnan(r.p_value[1]) && isnan(r.f));
    assert_rel(r.coef[0], 1.5, 1e-15);
    assert_rel(r.coef[1], 2.0, 1e-15);
    pms_reg_result_free(&r);
}

static void test_select(void **state)
{
    (void)state;
    const double y[] = {2.5, NAN, -1.0, 3.75, 0.5, 6.25};
    const double x[] = {1.5, 2.0, 3.0, NAN, 0.0, 8.5};
    const double w[] = {1.0, 1.0, 1.0, 1.0, 1.0, NAN};
    const double *cols[] = {y, x};
    const int lg[] = {1, 1};
    double yo[6], Xo[6], wo[6];
    pms_reg_rows info;
    pms_err err = {{0}};
    assert_int_equal(pms_reg_select(cols, lg, 2, 6, w, yo, Xo, wo, &info, &err), PMS_OK);
    assert_int_equal(info.used, 1);
    assert_int_equal(info.missing[0], 1);
    assert_int_equal(info.nonpositive[0], 1);   /* y = -1 */
    assert_int_equal(info.missing[1], 1);
    assert_int_equal(info.nonpositive[1], 1);   /* x = 0 */
    assert_int_equal(info.weight_missing, 1);
    assert_rel(yo[0], log(2.5), 1e-16);
    assert_rel(Xo[0], log(1.5), 1e-16);
    /* Without logs the non-positive values are kept. */
    assert_int_equal(pms_reg_select(cols, NULL, 2, 6, NULL, yo, Xo, NULL, &info, &err), PMS_OK);
    assert_int_equal(info.used, 4);
    assert_true(yo[1] == -1.0 && Xo[2] == 0.0);
    const double wbad[] = {1.0, 1.0, 1.0, 1.0, -2.0, 1.0};
    assert_int_equal(pms_reg_select(cols, NULL, 2, 6, wbad, yo, Xo, wo, &info, &err),
                     PMS_EDOMAIN);
    assert_string_equal(err.msg, "row 5: weight -2 is not positive");
    assert_int_equal(info.bad_row, 4);
    const double xi[] = {1.5, 2.0, INFINITY, 1.0, 1.0, 1.0};
    const double *ci[] = {y, xi};
    assert_int_equal(pms_reg_select(ci, NULL, 2, 6, NULL, yo, Xo, NULL, &info, &err),
                     PMS_ENONFINITE);
    assert_int_equal(pms_reg_select(cols, NULL, 1, 6, NULL, yo, Xo, NULL, &info, &err),
                     PMS_EUSAGE);
}

/* Nearly collinear designs against their exact rational solutions
 * (tests/reference/regress_collinear.py, output regress_collinear.out):
 * x2 = x1 + d z with d = 1e-3 .. 1e-9 (1-norm condition number of the
 * centred, scaled design about 63/d), one weighted (d = 1e-7) and one through the
 * origin (d = 1e-5); 14 rows, heteroscedastic errors.  Every coefficient, SE
 * (classical and HC0-HC3) and robust Wald F is compared with the exact value
 * at the tolerance given per design below (measured errors in the comments:
 * long double QR loses about cond * 1e-19 in the slopes, and the sandwich from
 * the QR factors about as much; the (X'X)^-1 route lost cond^2 and gave
 * HC3 F = 6.6 for 12.35, SE 0 and no F at all at these sizes, issue 17).
 * Also HC1 = HC0 sqrt(n/(n-p)) and F(HC1) = F(HC0) (n-p)/n, to 1e-14. */
static void test_collinear_exact(void **state)
{
    (void)state;
    char *p = pms_test_path(PMS_SOURCE_DIR, "tests/reference/regress_collinear.out");
    char *cref = pms_test_slurp(p);
    free(p);
    assert_non_null(cref);
    static const struct {
        const char *tag;
        int weighted, intercept, near;
        double tol;   /* measured worst error: cond^2 * 1e-19 and below */
    } designs[] = {
        {"d3", 0, 1, 0, 1e-12},   /* cond 6.3e3, measured 1.2e-15 */
        {"d5", 0, 1, 0, 1e-12},   /* cond 6.3e5, 3.3e-14 */
        {"d7", 0, 1, 1, 1e-11},   /* cond 6.3e7, 3.4e-12 */
        {"d8", 0, 1, 1, 1e-10},   /* cond 6.3e8, 1.8e-11 */
        {"d9", 0, 1, 1, 2e-9},    /* cond 6.3e9, 5.8e-10 */
        {"w7", 1, 1, 1, 1e-11},   /* cond 6.9e7, 5.4e-12 */
        {"o5", 0, 0, 0, 1e-12},   /* cond 1.5e6, 1.5e-13 */
    };
    /* valgrind's x87 emulation rounds long double to double: the QR then
     * has 53 bits, not 64, and only the best-conditioned design is checked. */
    size_t ndesigns = pms_test_numeric_strict() ? sizeof designs / sizeof designs[0] : 1;
    enum { NR = 14 };
    static const pms_hc_type types[] = {PMS_HC_NONE, PMS_HC0, PMS_HC1, PMS_HC2, PMS_HC3};
    for (size_t d = 0; d < ndesigns; d++) {
        const char *tag = designs[d].tag;
        double tol = pms_test_numeric_strict() ? designs[d].tol : 1e-9;
        double X[2 * NR], y[NR], w[NR];
        char key[64];
        for (int i = 0; i < NR; i++) {
            snprintf(key, sizeof key, "%s.x1_%d", tag, i);
            X[2 * i] = pms_ref_value(cref, key);
            snprintf(key, sizeof key, "%s.x2_%d", tag, i);
            X[2 * i + 1] = pms_ref_value(cref, key);
            snprintf(key, sizeof key, "%s.y_%d", tag, i);
            y[i] = pms_ref_value(cref, key);
            if (designs[d].weighted) {
                snprintf(key, sizeof key, "%s.w_%d", tag, i);
                w[i] = pms_ref_value(cref, key);
            }
        }
        pms_reg_opts o;
        pms_reg_opts_default(&o);
        o.intercept = designs[d].intercept;
        double worst = 0, hc0_se[3] = {0}, hc0_f = 0, cond = 0;
        int near = 0;
        for (size_t h = 0; h < 5; h++) {
            o.robust = types[h];
            pms_reg_result r;
            pms_err err = {{0}};
            assert_int_equal(pms_reg_fit(X, NR, 2, y, designs[d].weighted ? w : NULL, &o, &r,
                                         &err),
                             PMS_OK);
            const char *kind = types[h] == PMS_HC_NONE ? "cl" : pms_hc_name(types[h]);
            cond = r.cond;
            near = r.near_singular;
            assert_int_equal(r.near_singular, designs[d].near);
            if (near) assert_int_equal(r.near_col, 1);   /* x2, against x1 */
            for (size_t j = 0; j < r.p; j++) {
                snprintf(key, sizeof key, "%s.coef%zu", tag, j);
                double want = pms_ref_value(cref, key);
                assert_rel(r.coef[j], want, tol);
                worst = fmax(worst, fabs(r.coef[j] - want) / fabs(want));
                snprintf(key, sizeof key, "%s.%s.se%zu", tag, kind, j);
                want = pms_ref_value(cref, key);
                assert_rel(r.se[j], want, tol);
                worst = fmax(worst, fabs(r.se[j] - want) / want);
                if (types[h] == PMS_HC0) hc0_se[j] = r.se[j];
                if (types[h] == PMS_HC1)
                    assert_rel(r.se[j], hc0_se[j] * sqrt(14.0 / (double)(14 - r.p)), 1e-14);
            }
            if (types[h] != PMS_HC_NONE) {
                snprintf(key, sizeof key, "%s.%s.wald_f", tag, kind);
                double want = pms_ref_value(cref, key);
                assert_rel(r.wald_f, want, tol);
                worst = fmax(worst, fabs(r.wald_f - want) / want);
                if (types[h] == PMS_HC0) hc0_f = r.wald_f;
                if (types[h] == PMS_HC1)
                    assert_rel(r.wald_f, hc0_f * (double)(14 - r.p) / 14.0, 1e-14);
            }
            pms_reg_result_free(&r);
        }
        printf("# %s: condition number %.2g, near_singular %d, worst relative error %.2g "
               "(tolerance %g)\n", tag, cond, near, worst, tol);
    }
    free(cref);
}

/* The robust meat of the slopes is singular when only a row with x = 0
 * (no intercept) has a residual: every HC covariance is 0 there, so no Wald F
 * (flagged, not NaN without a reason) and no t. */
static void test_wald_undefined(void **state)
{
    (void)state;
    const double X[] = {1.5, 2.25, 2.0, -1.0, 3.5, 0.5, 0.0, 0.0, 4.25, 1.75};
    double y[5];
    for (int i = 0; i < 5; i++) y[i] = 2.0 * X[2 * i] - 3.0 * X[2 * i + 1];
    y[3] = 1.7;
    pms_reg_opts o;
    pms_reg_opts_default(&o);
    o.intercept = 0;
    o.robust = PMS_HC0;
    pms_reg_result r;
    assert_int_equal(pms_reg_fit(X, 5, 2, y, NULL, &o, &r, NULL), PMS_OK);
    assert_int_equal(r.perfect_fit, 0);
    assert_int_equal(r.wald_undefined, 1);
    assert_true(isnan(r.wald_f) && isnan(r.wald_p));
    assert_true(r.se[0] == 0 && isnan(r.t[0]));
    assert_int_equal(r.near_singular, 0);
    pms_reg_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows),          cmocka_unit_test(test_ols_vs_r),
        cmocka_unit_test(test_wls_vs_r),      cmocka_unit_test(test_no_intercept_vs_r),
        cmocka_unit_test(test_ci_level),      cmocka_unit_test(test_errors),
        cmocka_unit_test(test_perfect_fit),   cmocka_unit_test(test_select),
        cmocka_unit_test(test_collinear_exact), cmocka_unit_test(test_wald_undefined),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
