/* Correlation estimates, intervals and p-values against R
 * (tests/reference/correlate.R, output correlate.out): the real 2014/15
 * national and Bristol (CCG 11H) data, payments per weighted patient against
 * IMD 2015; Hollander & Wolfe's example; small samples on R's exact paths;
 * a set with many ties; weighted and partial cases.  Then Kendall's
 * merge-sort count against the O(n^2) definition, mid-ranks, and every error
 * path, checking that inputs are never changed. */
/* ctest-labels: unit reference */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/correlate.h"
#include "io/table.h"

static char *ref;

/* The real data: complete cases of (imd2015, payments_per_weighted). */
typedef struct {
    size_t n;
    double *x, *y, *w, *z;   /* imd2015, ppw, registered patients, weighted patients */
} xy_data;

static xy_data nat, bri;

static int setup(void **state)
{
    (void)state;
    char *p = pms_test_path(PMS_SOURCE_DIR, "tests/reference/correlate.out");
    ref = pms_test_slurp(p);
    free(p);
    if (!ref) return -1;
    char *pay = pms_test_path(PMS_DATASETS_DIR, "nhs-payments/nhs-payments-gp-2014-15.csv");
    char *imd = pms_test_path(PMS_DATASETS_DIR, "practice-imd/practice-imd-fingertips-93553.csv");
    const char *data[] = {pay, imd};
    pms_data_opts o = {data, 2, NULL, 0, NULL, 0};
    pms_table *t = NULL;
    pms_err err = {{0}};
    pms_status s = pms_dataset_open(&o, &t, &err);
    free(pay);
    free(imd);
    if (s != PMS_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    const double *x, *y, *w, *z;
    const char *const *ccg;
    if (pms_table_numeric(t, "imd2015", &x, &err) || pms_table_numeric(t, "payments_per_weighted", &y, &err) ||
        pms_table_numeric(t, "registered_patients", &w, &err) ||
        pms_table_numeric(t, "weighted_patients", &z, &err) || pms_table_text(t, "ccg_code", &ccg, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        pms_table_free(t);
        return -1;
    }
    xy_data *sets[2] = {&nat, &bri};
    for (int k = 0; k < 2; k++) {
        xy_data *d = sets[k];
        d->x = malloc(t->nrows * sizeof(double));
        d->y = malloc(t->nrows * sizeof(double));
        d->w = malloc(t->nrows * sizeof(double));
        d->z = malloc(t->nrows * sizeof(double));
        d->n = 0;
        for (size_t i = 0; i < t->nrows; i++) {
            if (isnan(x[i]) || isnan(y[i])) continue;
            if (k == 1 && !(ccg[i] && !strcmp(ccg[i], "11H"))) continue;
            d->x[d->n] = x[i];
            d->y[d->n] = y[i];
            d->w[d->n] = w[i];
            d->z[d->n] = z[i];
            d->n++;
        }
    }
    pms_table_free(t);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(ref);
    xy_data *sets[2] = {&nat, &bri};
    for (int k = 0; k < 2; k++) {
        free(sets[k]->x);
        free(sets[k]->y);
        free(sets[k]->w);
        free(sets[k]->z);
    }
    return 0;
}

static double refv(const char *tag, const char *m, const char *what)
{
    char key[128];
    if (m)
        snprintf(key, sizeof key, "%s_%s_%s", tag, m, what);
    else
        snprintf(key, sizeof key, "%s_%s", tag, what);
    return pms_ref_value(ref, key);
}

/* The three methods on x, y against cor.test and the hand formulas.
 * Tolerances: estimates and intervals 1e-12 relative (both sides sum in
 * double or better; R's cor() of ranks and its O(n^2) Kendall agree to a few
 * ulps times log n); exact p-values 1e-12 (a sum of exact probabilities);
 * t/normal/AS 89 p-values 1e-9 relative (GSL's t and normal tails against
 * R's pt/pnorm: both ~1e-14 in the body, GSL's continued fraction ~1e-11 in
 * the far tail, and the statistic itself carries the estimate's rounding
 * amplified by 1/(1-r^2)). */
static void check3(const char *tag, const double *x, const double *y, size_t n)
{
    static const pms_corr_method ms[3] = {PMS_CORR_PEARSON, PMS_CORR_SPEARMAN, PMS_CORR_KENDALL};
    for (int k = 0; k < 3; k++) {
        const char *m = pms_corr_method_name(ms[k]);
        pms_corr_opts o;
        pms_corr_opts_default(&o);
        o.method = ms[k];
        pms_corr_result r;
        pms_err err = {{0}};
        pms_status s = pms_corr_test(x, y, NULL, n, &o, &r, &err);
        if (s) fprintf(stderr, "%s %s: %s\n", tag, m, err.msg);
        assert_int_equal(s, PMS_OK);
        assert_int_equal(r.n, (size_t)refv(tag, m, "n"));
        assert_rel(r.estimate, refv(tag, m, "est"), 1e-12);
        double pt = r.p_type == PMS_CORR_P_EXACT ? 1e-12 : 1e-9;
        assert_rel(r.p_value, refv(tag, m, "p"), pt);
        /* R reports S for Spearman on every path; the t path here reports t. */
        if (!(ms[k] == PMS_CORR_SPEARMAN && r.p_type == PMS_CORR_P_T))
            assert_rel(r.statistic, refv(tag, m, "stat"), 1e-11);
        if (n > 4) {
            assert_rel(r.ci_low, refv(tag, m, "lo"), 1e-12);
            assert_rel(r.ci_high, refv(tag, m, "hi"), 1e-12);
            assert_rel(pms_corr_min_detectable(ms[k], r.n_eff, 0, 0.05, 0.8), refv(tag, m, "mindet"),
                       1e-13);
            /* TOST p can be 1 - 1e-16: absolute tolerance on a probability. */
            assert_abs(pms_corr_tost(&r, 0.1), refv(tag, m, "tost"), 1e-13);
        }
    }
}

static void test_national(void **state)
{
    (void)state;
    assert_int_equal(nat.n, (size_t)pms_ref_value(ref, "nat_pearson_n"));
    double *cx = malloc(nat.n * sizeof(double)), *cy = malloc(nat.n * sizeof(double));
    memcpy(cx, nat.x, nat.n * sizeof(double));
    memcpy(cy, nat.y, nat.n * sizeof(double));
    check3("nat", nat.x, nat.y, nat.n);
    assert_memory_equal(cx, nat.x, nat.n * sizeof(double));   /* never reordered */
    assert_memory_equal(cy, nat.y, nat.n * sizeof(double));
    free(cx);
    free(cy);
}

static void test_bristol(void **state)
{
    (void)state;
    assert_int_equal(bri.n, 55);
    check3("bri", bri.x, bri.y, bri.n);
}

static void test_hollander_wolfe(void **state)
{
    (void)state;
    /* datasets/classic/hollander_wolfe_cor_test.csv, as in R's ?cor.test */
    const double x[] = {44.4, 45.9, 41.9, 53.3, 44.7, 44.1, 50.7, 45.2, 60.1};
    const double y[] = {2.6, 3.1, 2.5, 5.0, 3.6, 4.0, 5.2, 2.8, 3.8};
    check3("hw", x, y, 9);
    pms_corr_opts o;
    pms_corr_opts_default(&o);
    o.method = PMS_CORR_KENDALL;
    pms_corr_result r;
    assert_int_equal(pms_corr_test(x, y, NULL, 9, &o, &r, NULL), PMS_OK);
    assert_int_equal(r.p_type, PMS_CORR_P_EXACT);
    o.method = PMS_CORR_SPEARMAN;
    assert_int_equal(pms_corr_test(x, y, NULL, 9, &o, &r, NULL), PMS_OK);
    assert_int_equal(r.p_type, PMS_CORR_P_EXACT);
}

#define MAXN 64
static void formula_sets(void **state)
{
    (void)state;
    double x[MAXN], y[MAXN];
    for (int i = 1; i <= 40; i++) {
        x[i - 1] = (i * 7) % 11;
        y[i - 1] = ((i * 5) % 7) + (i % 3);
    }
    check3("ties", x, y, 40);
    for (int i = 1; i <= 12; i++) {
        x[i - 1] = i;
        y[i - 1] = (i * 5) % 13 + 1.25 * i;
    }
    check3("s12", x, y, 12);
    pms_corr_opts o;
    pms_corr_opts_default(&o);
    o.method = PMS_CORR_SPEARMAN;
    pms_corr_result r;
    assert_int_equal(pms_corr_test(x, y, NULL, 12, &o, &r, NULL), PMS_OK);
    assert_int_equal(r.p_type, PMS_CORR_P_AS89);
    for (int i = 1; i <= 30; i++) {
        x[i - 1] = (i * 7) % 31;
        y[i - 1] = (i * 11) % 31 + 0.25 * x[i - 1];
    }
    check3("s30", x, y, 30);
    for (int i = 1; i <= 60; i++) {
        x[i - 1] = (i * 7) % 61;
        y[i - 1] = (i * 13) % 61 + 0.25 * x[i - 1];
    }
    check3("s60", x, y, 60);
    const double a[] = {2.385, 1.07, 3.91, 0.52, 4.4}, b[] = {1.2, 0.3, 2.2, 0.9, 1.8};
    check3("s5", a, b, 5);
}

static void check_weighted(const char *tag, const double *x, const double *y, const double *w,
                           size_t n)
{
    static const pms_corr_method ms[2] = {PMS_CORR_PEARSON, PMS_CORR_SPEARMAN};
    for (int k = 0; k < 2; k++) {
        const char *m = pms_corr_method_name(ms[k]);
        pms_corr_opts o;
        pms_corr_opts_default(&o);
        o.method = ms[k];
        pms_corr_result r;
        pms_err err = {{0}};
        assert_int_equal(pms_corr_test(x, y, w, n, &o, &r, &err), PMS_OK);
        assert_int_equal(r.weighted, 1);
        /* 1e-12: weighted sums in long double here, cov.wt in double. */
        assert_rel(r.n_eff, refv(tag, NULL, "neff"), 1e-12);
        assert_rel(r.estimate, refv(tag, m, "est"), 1e-12);
        assert_rel(r.p_value, refv(tag, m, "p"), 1e-9);
        assert_rel(r.ci_low, refv(tag, m, "lo"), 1e-12);
        assert_rel(r.ci_high, refv(tag, m, "hi"), 1e-12);
        double e2;
        if (ms[k] == PMS_CORR_PEARSON)
            assert_int_equal(pms_corr_wpearson(x, y, w, n, &e2, NULL), PMS_OK);
        else
            assert_int_equal(pms_corr_wspearman(x, y, w, n, &e2, NULL), PMS_OK);
        assert_true(e2 == r.estimate);
    }
}

static void test_weighted(void **state)
{
    (void)state;
    check_weighted("natw", nat.x, nat.y, nat.w, nat.n);
    check_weighted("briw", bri.x, bri.y, bri.w, bri.n);
    double x[30], y[30], w[30];
    for (int i = 1; i <= 30; i++) {
        x[i - 1] = (i * 7) % 31;
        y[i - 1] = (i * 11) % 31 + (i % 4);
        w[i - 1] = 1 + (i % 4) * 0.75;
    }
    check_weighted("w30", x, y, w, 30);
    /* Unit weights give exactly the unweighted coefficients (to rounding). */
    double one[30], r1, r0;
    for (int i = 0; i < 30; i++) one[i] = 1;
    assert_int_equal(pms_corr_wspearman(x, y, one, 30, &r1, NULL), PMS_OK);
    assert_int_equal(pms_corr_spearman(x, y, 30, &r0, NULL), PMS_OK);
    assert_rel(r1, r0, 1e-14);
}

static void check_partial(const char *tag, const double *x, const double *y, const double *Z,
                          size_t k, size_t n)
{
    static const pms_corr_method ms[2] = {PMS_CORR_PEARSON, PMS_CORR_SPEARMAN};
    for (int j = 0; j < 2; j++) {
        const char *m = pms_corr_method_name(ms[j]);
        pms_corr_opts o;
        pms_corr_opts_default(&o);
        o.method = ms[j];
        pms_corr_result r;
        pms_err err = {{0}};
        pms_status s = pms_corr_partial_test(x, y, Z, k, n, &o, &r, &err);
        if (s) fprintf(stderr, "%s\n", err.msg);
        assert_int_equal(s, PMS_OK);
        assert_int_equal(r.ncontrols, k);
        /* 1e-10: residuals from QR here, the inverse correlation matrix in R;
         * the two routes differ by the condition of the controls (~1e-13). */
        assert_rel(r.estimate, refv(tag, m, "est"), 1e-10);
        assert_rel(r.statistic, refv(tag, m, "stat"), 1e-9);
        assert_rel(r.p_value, refv(tag, m, "p"), 1e-8);
        assert_rel(r.ci_low, refv(tag, m, "lo"), 1e-10);
        assert_rel(r.ci_high, refv(tag, m, "hi"), 1e-10);
        assert_true(r.df == (double)n - 2 - (double)k);
    }
}

static void test_partial(void **state)
{
    (void)state;
    check_partial("natp", nat.x, nat.y, nat.z, 1, nat.n);
    check_partial("brip", bri.x, bri.y, bri.z, 1, bri.n);
    double x[30], y[30], Z[60];
    for (int i = 1; i <= 30; i++) {
        x[i - 1] = (i * 7) % 31 + i;
        y[i - 1] = (i * 11) % 31 + i;
        Z[2 * (i - 1)] = i;
        Z[2 * (i - 1) + 1] = (i * i) % 17;
    }
    double cz[60];
    memcpy(cz, Z, sizeof Z);
    check_partial("p30", x, y, Z, 2, 30);
    assert_memory_equal(cz, Z, sizeof Z);
}

/* Knight's count against the definition, on data with ties in x, y and both. */
static void test_kendall_bruteforce(void **state)
{
    (void)state;
    enum { N = 301 };
    double x[N], y[N];
    for (int i = 0; i < N; i++) {
        x[i] = (double)((i * 37) % 23);
        y[i] = (double)((i * 53) % 19) + 0.5 * (double)((i * 11) % 3);
    }
    double c = 0, d = 0, tx = 0, ty = 0;
    for (int i = 0; i < N; i++)
        for (int j = i + 1; j < N; j++) {
            double s = (x[i] - x[j]) * (y[i] - y[j]);
            if (s > 0) c++;
            else if (s < 0) d++;
            if (x[i] == x[j]) tx++;
            if (y[i] == y[j]) ty++;
        }
    double n0 = N * (N - 1) / 2.0;
    double want = (c - d) / sqrt((n0 - tx) * (n0 - ty));
    double tau;
    assert_int_equal(pms_corr_kendall(x, y, N, &tau, NULL), PMS_OK);
    assert_rel(tau, want, 1e-14);   /* integer counts on both sides: rounding only */
}

static void test_midranks(void **state)
{
    (void)state;
    const double x[] = {3.5, 1.25, 3.5, 7, 1.25, 3.5};
    double r[6];
    int ties = 0;
    assert_int_equal(pms_corr_midranks(x, NULL, 6, r, &ties), PMS_OK);
    const double want[] = {4, 1.5, 4, 6, 1.5, 4};
    for (int i = 0; i < 6; i++) assert_true(r[i] == want[i]);
    assert_int_equal(ties, 1);
    /* weighted: weight below plus half the tie group's weight */
    const double w[] = {2, 1, 1, 0.5, 3, 1};
    assert_int_equal(pms_corr_midranks(x, w, 6, r, NULL), PMS_OK);
    const double ww[] = {4 + 2, 2, 4 + 2, 8 + 0.25, 2, 4 + 2};
    for (int i = 0; i < 6; i++) assert_true(r[i] == ww[i]);
    const double u[] = {2.385, 1.5};
    assert_int_equal(pms_corr_midranks(u, NULL, 2, r, &ties), PMS_OK);
    assert_int_equal(ties, 0);
    const double bad[] = {1, INFINITY};
    assert_int_equal(pms_corr_midranks(bad, NULL, 2, r, NULL), PMS_ENONFINITE);
}

static void test_power_verdict(void **state)
{
    (void)state;
    /* The example: 55 practices detect |r| >= 0.37 at 80% power, 5% level. */
    double md = pms_corr_min_detectable(PMS_CORR_PEARSON, 55, 0, 0.05, 0.8);
    assert_rel(md, pms_ref_value(ref, "bri_pearson_mindet"), 1e-13);
    assert_true(isnan(pms_corr_min_detectable(PMS_CORR_PEARSON, 3, 0, 0.05, 0.8)));
    assert_true(isnan(pms_corr_min_detectable(PMS_CORR_KENDALL, 4, 0, 0.05, 0.8)));
    assert_true(isnan(pms_corr_min_detectable(PMS_CORR_PEARSON, 50, 0, 0, 0.8)));
    assert_true(isnan(pms_corr_min_detectable(PMS_CORR_PEARSON, 50, 0, 0.05, 1)));
    assert_true(pms_corr_min_detectable(PMS_CORR_PEARSON, 50, 5, 0.05, 0.8) > md);
    assert_int_equal(pms_corr_verdict(0.01, NAN, 0.05), PMS_VERDICT_SHOWN);
    assert_int_equal(pms_corr_verdict(0.01, 0.001, 0.05), PMS_VERDICT_SHOWN_SMALL);
    assert_int_equal(pms_corr_verdict(0.2, 0.001, 0.05), PMS_VERDICT_EQUIVALENT);
    assert_int_equal(pms_corr_verdict(0.2, 0.3, 0.05), PMS_VERDICT_INCONCLUSIVE);
    assert_int_equal(pms_corr_verdict(0.05, NAN, 0.05), PMS_VERDICT_INCONCLUSIVE);
    assert_int_equal(pms_corr_verdict(NAN, NAN, 0.05), PMS_VERDICT_NONE);
    pms_corr_result r;
    memset(&r, 0, sizeof r);
    r.method = PMS_CORR_PEARSON;
    r.n = 55;
    r.estimate = 0.216;
    char buf[256];
    pms_corr_verdict_text(PMS_VERDICT_INCONCLUSIVE, &r, 0.1, md, 0.8, 0.05, "practices", buf, sizeof buf);
    assert_string_equal(buf, "inconclusive: 55 practices can only detect |r| >= 0.37 (80% power, 5% level)");
    r.estimate = -0.2;
    r.method = PMS_CORR_SPEARMAN;
    pms_corr_verdict_text(PMS_VERDICT_SHOWN, &r, 0.1, md, 0.8, 0.05, "practices", buf, sizeof buf);
    assert_string_equal(buf, "correlation shown (negative)");
    pms_corr_verdict_text(PMS_VERDICT_EQUIVALENT, &r, 0.1, md, 0.8, 0.05, "practices", buf, sizeof buf);
    assert_string_equal(buf, "no correlation as large as |rho| = 0.1");
    r.z_se = 0;
    assert_true(isnan(pms_corr_tost(&r, 0.1)));
    r.z_se = 0.1;
    assert_true(isnan(pms_corr_tost(&r, 1.0)));
}

static void test_errors(void **state)
{
    (void)state;
    const double x[] = {1.5, 2.25, 3.125, 4.0, 5.5, 6.75};
    const double y[] = {2.0, 1.0, 4.0, 3.5, 6.0, 5.0};
    const double k[] = {7, 7, 7, 7, 7, 7};
    double cx[6], cy[6];
    memcpy(cx, x, sizeof x);
    memcpy(cy, y, sizeof y);
    pms_corr_opts o;
    pms_corr_opts_default(&o);
    pms_corr_result r;
    pms_err err = {{0}};
    double v;
    for (int m = 0; m < 3; m++) {
        o.method = (pms_corr_method)m;
        assert_int_equal(pms_corr_test(x, y, NULL, 2, &o, &r, &err), PMS_ETOOFEW);
        assert_int_equal(pms_corr_test(k, y, NULL, 6, &o, &r, &err), PMS_ESINGULAR);
        assert_string_equal(err.msg, "x is constant: no correlation is defined");
        assert_int_equal(pms_corr_test(x, k, NULL, 6, &o, &r, &err), PMS_ESINGULAR);
        assert_string_equal(err.msg, "y is constant: no correlation is defined");
        const double nx[] = {1, NAN, 3, 4, 5, 6}, ix[] = {1, 2, 3, INFINITY, 5, 6};
        assert_int_equal(pms_corr_test(nx, y, NULL, 6, &o, &r, &err), PMS_ENONFINITE);
        assert_int_equal(pms_corr_test(x, ix, NULL, 6, &o, &r, &err), PMS_ENONFINITE);
        assert_string_equal(err.msg, "y[4] is infinite: correlations need finite values");
    }
    /* n = 3 and 4: estimate and p, but no interval where the method has none */
    o.method = PMS_CORR_PEARSON;
    assert_int_equal(pms_corr_test(x, y, NULL, 3, &o, &r, &err), PMS_OK);
    assert_true(isnan(r.ci_low) && isnan(r.ci_high) && !isnan(r.p_value));
    o.method = PMS_CORR_KENDALL;
    assert_int_equal(pms_corr_test(x, y, NULL, 4, &o, &r, &err), PMS_OK);
    assert_true(isnan(r.ci_low));
    /* weights */
    const double w0[] = {1, 2, 0, 1, 1, 1}, w1[] = {1, 2, -3, 1, 1, 1}, wn[] = {1, 2, NAN, 1, 1, 1};
    const double wbig[] = {1e6, 1, 1, 1, 1, 1};
    o.method = PMS_CORR_PEARSON;
    assert_int_equal(pms_corr_test(x, y, w0, 6, &o, &r, &err), PMS_EDOMAIN);
    assert_string_equal(err.msg, "weight[3] is 0: weights must be finite and > 0");
    assert_int_equal(pms_corr_test(x, y, w1, 6, &o, &r, &err), PMS_EDOMAIN);
    assert_int_equal(pms_corr_test(x, y, wn, 6, &o, &r, &err), PMS_EDOMAIN);
    assert_int_equal(pms_corr_test(x, y, wbig, 6, &o, &r, &err), PMS_ETOOFEW);
    assert_int_equal(pms_corr_wpearson(x, y, NULL, 6, &v, &err), PMS_EUSAGE);
    assert_int_equal(pms_corr_wspearman(x, y, NULL, 6, &v, &err), PMS_EUSAGE);
    assert_int_equal(pms_corr_wspearman(x, y, w1, 6, &v, &err), PMS_EDOMAIN);
    o.method = PMS_CORR_KENDALL;
    const double w2[] = {1, 2, 3, 1, 1, 1};
    assert_int_equal(pms_corr_test(x, y, w2, 6, &o, &r, &err), PMS_EUSAGE);
    /* options */
    o.method = PMS_CORR_PEARSON;
    o.ci_level = 1;
    assert_int_equal(pms_corr_test(x, y, NULL, 6, &o, &r, &err), PMS_EDOMAIN);
    o.ci_level = 0.95;
    o.method = (pms_corr_method)7;
    assert_int_equal(pms_corr_test(x, y, NULL, 6, &o, &r, &err), PMS_EUSAGE);
    assert_int_equal(pms_corr_test(x, y, NULL, 6, NULL, &r, &err), PMS_EUSAGE);
    /* point estimates */
    assert_int_equal(pms_corr_pearson(x, y, 1, &v, &err), PMS_ETOOFEW);
    assert_int_equal(pms_corr_spearman(k, y, 6, &v, &err), PMS_ESINGULAR);
    assert_int_equal(pms_corr_kendall(x, k, 6, &v, &err), PMS_ESINGULAR);
    /* partial */
    o.method = PMS_CORR_PEARSON;
    const double Z1[] = {1, 2, 1, 2, 1, 2}, Zc[] = {3, 3, 3, 3, 3, 3};
    double Z2[12];
    for (int i = 0; i < 6; i++) {
        Z2[2 * i] = Z1[i];
        Z2[2 * i + 1] = 2 * Z1[i] + 1;   /* collinear with the first control */
    }
    assert_int_equal(pms_corr_partial_test(x, y, Z2, 2, 6, &o, &r, &err), PMS_ESINGULAR);
    assert_non_null(strstr(err.msg, "the controls make the design singular"));
    assert_int_equal(pms_corr_partial_test(x, y, Zc, 1, 6, &o, &r, &err), PMS_ESINGULAR);
    assert_int_equal(pms_corr_partial_test(x, y, x, 1, 6, &o, &r, &err), PMS_ESINGULAR);
    assert_string_equal(err.msg, "x is a linear combination of the controls: no partial correlation is defined");
    assert_int_equal(pms_corr_partial_test(x, y, Z2, 2, 5, &o, &r, &err), PMS_ETOOFEW);
    const double Zn[] = {1, 2, NAN, 2, 1, 2};
    assert_int_equal(pms_corr_partial_test(x, y, Zn, 1, 6, &o, &r, &err), PMS_ENONFINITE);
    assert_int_equal(pms_corr_partial_test(x, y, NULL, 1, 6, &o, &r, &err), PMS_EUSAGE);
    o.method = PMS_CORR_KENDALL;
    assert_int_equal(pms_corr_partial_test(x, y, Z1, 1, 6, &o, &r, &err), PMS_EUSAGE);
    /* k = 0 is the ordinary test */
    o.method = PMS_CORR_SPEARMAN;
    assert_int_equal(pms_corr_partial_test(x, y, NULL, 0, 6, &o, &r, &err), PMS_OK);
    assert_int_equal(r.ncontrols, 0);
    assert_memory_equal(cx, x, sizeof x);
    assert_memory_equal(cy, y, sizeof y);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_national),      cmocka_unit_test(test_bristol),
        cmocka_unit_test(test_hollander_wolfe), cmocka_unit_test(formula_sets),
        cmocka_unit_test(test_weighted),      cmocka_unit_test(test_partial),
        cmocka_unit_test(test_kendall_bruteforce), cmocka_unit_test(test_midranks),
        cmocka_unit_test(test_power_verdict), cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
