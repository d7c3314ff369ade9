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

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

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
    pms_table *t = pms_test_open_2014_imd(NULL);
    if (!t) return -1;
    pms_err err = {{0}};
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
    /* datasets/classic/hollander_wolfe_cor_test.csv, R's ?cor.test example */
    char *path = pms_test_path(PMS_DATASETS_DIR, "classic/hollander_wolfe_cor_test.csv");
    pms_table *t = NULL;
    pms_err e = {{0}};
    assert_int_equal(pms_table_load(path, NULL, &t, &e), PMS_OK);
    free(path);
    const double *tx, *ty;
    assert_int_equal(pms_table_numeric(t, "x", &tx, &e), PMS_OK);
    assert_int_equal(pms_table_numeric(t, "y", &ty, &e), PMS_OK);
    assert_int_equal(t->nrows, 9);
    double x[9], y[9];
    memcpy(x, tx, sizeof x);
    memcpy(y, ty, sizeof y);
    pms_table_free(t);
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
    /* R's exact = TRUE for Kendall at n = 60 (EXACT_ALWAYS); 1e-12: exact sums */
    o.method = PMS_CORR_KENDALL;
    o.exact = PMS_CORR_EXACT_ALWAYS;
    assert_int_equal(pms_corr_test(x, y, NULL, 60, &o, &r, NULL), PMS_OK);
    assert_int_equal(r.p_type, PMS_CORR_P_EXACT);
    assert_rel(r.p_value, pms_ref_value(ref, "s60_kendall_exact_p"), 1e-12);
    o.exact = PMS_CORR_EXACT_AUTO;
    assert_int_equal(pms_corr_test(x, y, NULL, 60, &o, &r, NULL), PMS_OK);
    assert_int_equal(r.p_type, PMS_CORR_P_NORMAL);
    /* R's exact = FALSE at n = 12 (EXACT_NEVER): t for Spearman, normal for Kendall */
    for (int i = 1; i <= 12; i++) {
        x[i - 1] = i;
        y[i - 1] = (i * 5) % 13 + 1.25 * i;
    }
    o.exact = PMS_CORR_EXACT_NEVER;
    assert_int_equal(pms_corr_test(x, y, NULL, 12, &o, &r, NULL), PMS_OK);
    assert_int_equal(r.p_type, PMS_CORR_P_NORMAL);
    assert_rel(r.p_value, pms_ref_value(ref, "s12_kendall_approx_p"), 1e-12);
    o.method = PMS_CORR_SPEARMAN;
    assert_int_equal(pms_corr_test(x, y, NULL, 12, &o, &r, NULL), PMS_OK);
    assert_int_equal(r.p_type, PMS_CORR_P_T);
    assert_rel(r.p_value, pms_ref_value(ref, "s12_spearman_approx_p"), 1e-9);
    o.exact = PMS_CORR_EXACT_AUTO;
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

/* Kendall's exact p-value against the exact Mahonian counts
 * (tests/reference/kendall_exact.py, integer arithmetic, output
 * kendall_exact.out) for every number of concordant pairs q = 0..N at
 * n = 4, 7, 12, 20, 35, 49.  y is the permutation of 1..n with N - q
 * inversions (from its Lehmer code), so T = q exactly.  Tolerance 1e-14
 * relative: a sum of at most N probabilities, each built from positive
 * recursions in double (measured worst 1.9e-15).  Strong positive
 * tau is the case that once cancelled (1 - P(T <= q - 1): n = 20, tau = 1
 * gave 4.2e-15 for 8.2e-19, issue 17). */
static void test_kendall_exact_mahonian(void **state)
{
    (void)state;
    char *p = pms_test_path(PMS_SOURCE_DIR, "tests/reference/kendall_exact.out");
    char *txt = pms_test_slurp(p);
    free(p);
    assert_non_null(txt);
    pms_corr_opts o;
    pms_corr_opts_default(&o);
    o.method = PMS_CORR_KENDALL;
    double x[49], y[49];
    size_t lines = 0;
    double worst = 0;
    for (char *line = strtok(txt, "\n"); line; line = strtok(NULL, "\n")) {
        int n;
        long q;
        double want;
        if (line[0] == '#' || sscanf(line, "%d %ld %lg", &n, &q, &want) != 3) continue;
        long N = (long)n * (n - 1) / 2, inv = N - q;
        int used[49] = {0};
        for (int i = 0; i < n; i++) {
            x[i] = 1.5 + 2.25 * i;
            long c = inv < n - 1 - i ? inv : n - 1 - i;   /* Lehmer digit */
            inv -= c;
            int j = 0;
            for (long skip = c;; j++)
                if (!used[j] && skip-- == 0) break;
            used[j] = 1;
            y[i] = 3.0 + 0.5 * j;
        }
        pms_corr_result r;
        assert_int_equal(pms_corr_test(x, y, NULL, (size_t)n, &o, &r, NULL), PMS_OK);
        assert_int_equal(r.p_type, PMS_CORR_P_EXACT);
        assert_true(r.statistic == (double)q);
        assert_rel(r.p_value, want, 1e-14);
        double e = fabs(r.p_value - want) / want;
        if (e > worst) worst = e;
        lines++;
    }
    assert_int_equal(lines, 2060);
    printf("# Kendall exact p: worst relative error %.2g over %zu cases\n", worst, lines);
    free(txt);
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

/* Leave-one-out values from the closed forms against recomputation. */
static void check_jack(const double *x, const double *y, const double *w, size_t n,
                       pms_corr_method m)
{
    double *jack = malloc(n * sizeof(double)), *a = malloc(n * sizeof(double)),
           *b = malloc(n * sizeof(double)), *c = malloc(n * sizeof(double));
    double *cx = malloc(n * sizeof(double));
    memcpy(cx, x, n * sizeof(double));
    pms_err err = {{0}};
    assert_int_equal(pms_corr_jackknife(x, y, w, n, m, jack, &err), PMS_OK);
    assert_memory_equal(cx, x, n * sizeof(double));
    for (size_t i = 0; i < n; i++) {
        size_t k = 0;
        for (size_t j = 0; j < n; j++)
            if (j != i) {
                a[k] = x[j];
                b[k] = y[j];
                if (w) c[k] = w[j];
                k++;
            }
        double want = NAN;
        pms_status s;
        if (m == PMS_CORR_PEARSON)
            s = w ? pms_corr_wpearson(a, b, c, k, &want, NULL) : pms_corr_pearson(a, b, k, &want, NULL);
        else if (m == PMS_CORR_SPEARMAN)
            s = w ? pms_corr_wspearman(a, b, c, k, &want, NULL) : pms_corr_spearman(a, b, k, &want, NULL);
        else
            s = pms_corr_kendall(a, b, k, &want, NULL);
        if (s == PMS_ESINGULAR) {
            assert_true(isnan(jack[i]));
            continue;
        }
        /* 1e-11 absolute: the updates subtract O(n^3) sums of rank products
         * (Spearman) whose rounding is ~1e-16 of them, relative to sums of
         * the same order. */
        assert_abs(jack[i], want, 1e-11);
    }
    free(jack);
    free(a);
    free(b);
    free(c);
    free(cx);
}

static void test_jackknife(void **state)
{
    (void)state;
    enum { N = 97 };
    double x[N], y[N], w[N];
    for (int i = 0; i < N; i++) {
        x[i] = (double)((i * 37) % 23);
        y[i] = (double)((i * 53) % 19) + 0.5 * (double)((i * 11) % 3);
        w[i] = 0.5 + (double)((i * 7) % 5);
    }
    for (int m = 0; m < 3; m++) {
        check_jack(x, y, NULL, N, (pms_corr_method)m);
        check_jack(bri.x, bri.y, NULL, bri.n, (pms_corr_method)m);
        if (m < 2) {
            check_jack(x, y, w, N, (pms_corr_method)m);
            check_jack(bri.x, bri.y, bri.w, bri.n, (pms_corr_method)m);
        }
    }
    /* and against R's leave-one-out Spearman on Bristol */
    double jack[55];
    assert_int_equal(pms_corr_jackknife(bri.x, bri.y, NULL, bri.n, PMS_CORR_SPEARMAN, jack, NULL), PMS_OK);
    assert_rel(jack[0], pms_ref_value(ref, "bri_jack_spearman_1"), 1e-12);
    assert_rel(jack[54], pms_ref_value(ref, "bri_jack_spearman_55"), 1e-12);
    /* a leave-one-out sample with a constant column */
    const double cx[] = {1, 1, 1, 2.5}, cy[] = {3, 1, 2, 4};
    for (int m = 0; m < 3; m++) {
        assert_int_equal(pms_corr_jackknife(cx, cy, NULL, 4, (pms_corr_method)m, jack, NULL), PMS_OK);
        assert_true(isnan(jack[3]) && !isnan(jack[0]));
    }
    pms_err err;
    assert_int_equal(pms_corr_jackknife(cx, cy, NULL, 2, PMS_CORR_PEARSON, jack, &err), PMS_ETOOFEW);
    assert_int_equal(pms_corr_jackknife(cx, cy, cy, 4, PMS_CORR_KENDALL, jack, &err), PMS_EUSAGE);
    assert_int_equal(pms_corr_jackknife(cx, cy, NULL, 4, (pms_corr_method)5, jack, &err), PMS_EUSAGE);
}

/* The first replicate of block 0 is the statistic on the resample drawn from
 * pms_boot_block_seed(seed, 0): rebuild it by expanding the rows. */
static void test_boot_replicates(void **state)
{
    (void)state;
    const size_t n = bri.n, R = 600;
    double *reps = malloc(R * sizeof(double));
    unsigned *cnt = malloc(n * sizeof(unsigned));
    double *ex = malloc(n * sizeof(double)), *ey = malloc(n * sizeof(double)),
           *ew = malloc(n * sizeof(double));
    for (int m = 0; m < 3; m++) {
        for (int weighted = 0; weighted < (m < 2 ? 2 : 1); weighted++) {
            const double *w = weighted ? bri.w : NULL;
            pms_corr_boot_opts bo = {R, 42, 2, 0.95};
            pms_boot_ci ci;
            pms_err err = {{0}};
            assert_int_equal(pms_corr_bootstrap(bri.x, bri.y, w, n, (pms_corr_method)m, &bo, &ci, reps, &err), PMS_OK);
            for (size_t block = 0; block < 3; block += 2) {   /* blocks 0 and 2 */
                void *r = pms_boot_rng_new(42, block);
                pms_boot_multiplicities(r, n, cnt);
                pms_boot_rng_free(r);
                size_t k = 0;
                for (size_t i = 0; i < n; i++)
                    for (unsigned c = 0; c < cnt[i]; c++) {
                        ex[k] = bri.x[i];
                        ey[k] = bri.y[i];
                        ew[k++] = w ? w[i] : 1;
                    }
                double want;
                if (m == 0)
                    assert_int_equal(w ? pms_corr_wpearson(ex, ey, ew, k, &want, NULL) : pms_corr_pearson(ex, ey, k, &want, NULL), PMS_OK);
                else if (m == 1)
                    assert_int_equal(w ? pms_corr_wspearman(ex, ey, ew, k, &want, NULL) : pms_corr_spearman(ex, ey, k, &want, NULL), PMS_OK);
                else
                    assert_int_equal(pms_corr_kendall(ex, ey, k, &want, NULL), PMS_OK);
                /* 1e-12: one-pass sums on centred data against two-pass sums */
                assert_abs(reps[block * PMS_BOOT_BLOCK], want, 1e-12);
            }
            assert_true(ci.pct_low < ci.estimate && ci.estimate < ci.pct_high);
            assert_true(ci.bca_low < ci.bca_high);
            assert_int_equal(ci.replicates, R);
        }
    }
    free(reps);
    free(cnt);
    free(ex);
    free(ey);
    free(ew);
}

static void test_boot_determinism(void **state)
{
    (void)state;
    const size_t R = 1000;
    double *a = malloc(R * sizeof(double)), *b = malloc(R * sizeof(double));
    for (int m = 0; m < 3; m++) {
        pms_boot_ci c1, c2;
        pms_corr_boot_opts bo = {R, 7, 1, 0.95};
        assert_int_equal(pms_corr_bootstrap(bri.x, bri.y, NULL, bri.n, (pms_corr_method)m, &bo, &c1, a, NULL), PMS_OK);
        for (unsigned th = 2; th <= 5; th += 3) {
            bo.threads = th;
            assert_int_equal(pms_corr_bootstrap(bri.x, bri.y, NULL, bri.n, (pms_corr_method)m, &bo, &c2, b, NULL), PMS_OK);
            assert_memory_equal(a, b, R * sizeof(double));
            assert_true(c1.bca_low == c2.bca_low && c1.pct_high == c2.pct_high);
        }
        bo.seed = 8;
        assert_int_equal(pms_corr_bootstrap(bri.x, bri.y, NULL, bri.n, (pms_corr_method)m, &bo, &c2, b, NULL), PMS_OK);
        assert_true(memcmp(a, b, R * sizeof(double)) != 0);
    }
    free(a);
    free(b);
}

/* Against R's boot on Bristol: a different generator, so Monte Carlo
 * agreement only.  With R = 4000 on both sides the sd of a bootstrap SE
 * estimate is about SE/sqrt(2R) ~ 1.1%, and interval ends move by ~0.01. */
static void test_boot_vs_r(void **state)
{
    (void)state;
    pms_corr_boot_opts bo = {4000, 20150401, 2, 0.95};
    pms_boot_ci ci;
    assert_int_equal(pms_corr_bootstrap(bri.x, bri.y, NULL, bri.n, PMS_CORR_SPEARMAN, &bo, &ci, NULL, NULL), PMS_OK);
    assert_rel(ci.se, pms_ref_value(ref, "bri_boot_spearman_se"), 0.06);
    assert_abs(ci.pct_low, pms_ref_value(ref, "bri_boot_spearman_perc_lo"), 0.04);
    assert_abs(ci.pct_high, pms_ref_value(ref, "bri_boot_spearman_perc_hi"), 0.04);
    assert_abs(ci.bca_low, pms_ref_value(ref, "bri_boot_spearman_bca_lo"), 0.04);
    assert_abs(ci.bca_high, pms_ref_value(ref, "bri_boot_spearman_bca_hi"), 0.04);
}

/* The interval code on one fixed replicate vector, fed to boot.ci too. */
static void test_boot_intervals_fixed(void **state)
{
    (void)state;
    double reps[999], jack[50];
    for (int j = 1; j <= 999; j++)
        reps[j - 1] = 0.3 + 0.1 * gsl_cdf_ugaussian_Pinv(((j * 37) % 1000 + 0.5) / 1000) +
                      0.02 * ((j % 7) - 3) / 3.0;
    for (int k = 1; k <= 50; k++) jack[k - 1] = 0.3 + 0.01 * sin(k);
    const double levels[2] = {0.95, 0.9};
    const char *tags[2] = {"boot95", "boot90"};
    for (int l = 0; l < 2; l++) {
        pms_boot_ci ci;
        assert_int_equal(pms_boot_intervals(0.31, reps, 999, jack, 50, levels[l], &ci), PMS_OK);
        /* 1e-12: the same order statistics and normal quantiles as boot */
        assert_rel(ci.pct_low, refv(tags[l], "perc", "lo"), 1e-12);
        assert_rel(ci.pct_high, refv(tags[l], "perc", "hi"), 1e-12);
        assert_rel(ci.bca_low, refv(tags[l], "bca", "lo"), 1e-12);
        assert_rel(ci.bca_high, refv(tags[l], "bca", "hi"), 1e-12);
        assert_rel(ci.accel, pms_ref_value(ref, "boot_accel"), 1e-12);
        assert_rel(ci.bias_z0, pms_ref_value(ref, "boot_z0"), 1e-12);
    }
}

/* Coverage: bivariate normal, rho = 0.5, n = 60; 200 data sets, 499
 * resamples each.  The nominal 95% intervals should cover in 88-99% of data
 * sets (binomial sd 1.5% at 95%; percentile intervals for Spearman are a
 * little short at this n). */
static void test_boot_coverage(void **state)
{
    (void)state;
    enum { N = 60, SETS = 200 };
    double x[N], y[N];
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 2385);
    /* true Spearman rho for a normal with r = 0.5: (6/pi) asin(r/2) */
    const double truth[2] = {0.5, 6 / 3.14159265358979323846 * asin(0.25)};
    int cover[2][2] = {{0, 0}, {0, 0}};
    for (int s = 0; s < SETS; s++) {
        for (int i = 0; i < N; i++) gsl_ran_bivariate_gaussian(r, 1, 1, 0.5, &x[i], &y[i]);
        for (int m = 0; m < 2; m++) {
            pms_corr_boot_opts bo = {499, (uint64_t)s, 1, 0.95};
            pms_boot_ci ci;
            assert_int_equal(pms_corr_bootstrap(x, y, NULL, N, (pms_corr_method)m, &bo, &ci, NULL, NULL), PMS_OK);
            cover[m][0] += ci.pct_low <= truth[m] && truth[m] <= ci.pct_high;
            cover[m][1] += ci.bca_low <= truth[m] && truth[m] <= ci.bca_high;
        }
    }
    gsl_rng_free(r);
    for (int m = 0; m < 2; m++)
        for (int k = 0; k < 2; k++) {
            assert_true(cover[m][k] >= 0.88 * SETS);
            assert_true(cover[m][k] <= 0.99 * SETS);
        }
}

static void test_boot_errors(void **state)
{
    (void)state;
    const double x[] = {1.5, 2.25, 3.125, 4.0, 5.5, 6.75}, y[] = {2.0, 1.0, 4.0, 3.5, 6.0, 5.0};
    const double k[] = {2, 2, 2, 2, 2, 2};
    pms_corr_boot_opts bo = {100, 1, 1, 0.95};
    pms_boot_ci ci;
    pms_err err;
    assert_int_equal(pms_corr_bootstrap(x, y, NULL, 2, PMS_CORR_PEARSON, &bo, &ci, NULL, &err), PMS_ETOOFEW);
    assert_int_equal(pms_corr_bootstrap(k, y, NULL, 6, PMS_CORR_SPEARMAN, &bo, &ci, NULL, &err), PMS_ESINGULAR);
    assert_int_equal(pms_corr_bootstrap(x, y, y, 6, PMS_CORR_KENDALL, &bo, &ci, NULL, &err), PMS_EUSAGE);
    assert_int_equal(pms_corr_bootstrap(x, y, NULL, 6, (pms_corr_method)4, &bo, &ci, NULL, &err), PMS_EUSAGE);
    assert_int_equal(pms_corr_bootstrap(x, y, NULL, 6, PMS_CORR_PEARSON, NULL, &ci, NULL, &err), PMS_EUSAGE);
    const double ix[] = {1, 2, INFINITY, 4, 5, 6};
    assert_int_equal(pms_corr_bootstrap(ix, y, NULL, 6, PMS_CORR_PEARSON, &bo, &ci, NULL, &err), PMS_ENONFINITE);
    bo.level = 1.5;
    assert_int_equal(pms_corr_bootstrap(x, y, NULL, 6, PMS_CORR_PEARSON, &bo, &ci, NULL, &err), PMS_EDOMAIN);
    bo.level = 0.95;
    bo.replicates = 1;
    assert_int_equal(pms_corr_bootstrap(x, y, NULL, 6, PMS_CORR_PEARSON, &bo, &ci, NULL, &err), PMS_EUSAGE);
    /* n = 3 with ties: many resamples have a constant column (NaN replicates) */
    const double tx[] = {1, 1, 2}, ty[] = {1, 2, 2};
    bo.replicates = 400;
    double reps[400];
    assert_int_equal(pms_corr_bootstrap(tx, ty, NULL, 3, PMS_CORR_SPEARMAN, &bo, &ci, reps, &err), PMS_OK);
    size_t finite = 0;
    for (int i = 0; i < 400; i++) finite += isfinite(reps[i]) ? 1 : 0;
    assert_true(finite < 400);
    assert_int_equal(ci.replicates, finite);
}

/* Errors say which input they are about (issue 16): by name in the message
 * when the options give names, and in err.role/index/column always. */
static void test_structured_errors(void **state)
{
    (void)state;
    double x[6] = {1.25, 2.5, 3.75, 5.125, 6.5, 7.875}, y[6] = {2.385, 2.385, 2.385, 2.385, 2.385, 2.385};
    pms_corr_opts o;
    pms_corr_opts_default(&o);
    pms_corr_result r;
    pms_err err = {{0}};
    assert_int_equal(pms_corr_test(x, y, NULL, 6, &o, &r, &err), PMS_ESINGULAR);
    assert_string_equal(err.msg, "y is constant: no correlation is defined");
    assert_string_equal(err.role, "y");
    assert_string_equal(err.column, "");
    o.x_name = "imd2015";
    o.y_name = "ppw";
    o.method = PMS_CORR_KENDALL;
    assert_int_equal(pms_corr_test(x, y, NULL, 6, &o, &r, &err), PMS_ESINGULAR);
    assert_string_equal(err.msg, "'ppw' is constant: no correlation is defined");
    assert_string_equal(err.column, "ppw");
    /* A control that is a linear combination of the ones before it. */
    double yy[8] = {3.1, 1.4, 4.1, 5.9, 2.6, 5.3, 5.8, 9.7}, xx[8] = {2.7, 1.8, 2.8, 1.8, 4.5, 9.0, 4.5, 2.3};
    double Z[16];
    for (int i = 0; i < 8; i++) Z[2 * i] = i * 1.5 + 0.25, Z[2 * i + 1] = 2 * (i * 1.5 + 0.25) + 1;
    const char *ctl[2] = {"w", "w2"};
    o.method = PMS_CORR_PEARSON;
    o.x_name = "a";
    o.y_name = "b";
    o.control_names = ctl;
    assert_int_equal(pms_corr_partial_test(xx, yy, Z, 2, 8, &o, &r, &err), PMS_ESINGULAR);
    assert_string_equal(err.msg, "the controls make the design singular: control 'w2' is a linear "
                                 "combination of the controls before it and the intercept (design "
                                 "matrix singular)");
    assert_string_equal(err.role, "control");
    assert_int_equal(err.index, 2);
    assert_string_equal(err.column, "w2");
    /* Unnamed, the regression's own words, as before. */
    o.control_names = NULL;
    assert_int_equal(pms_corr_partial_test(xx, yy, Z, 2, 8, &o, &r, &err), PMS_ESINGULAR);
    assert_non_null(strstr(err.msg, "predictor 'control 2' is a linear combination of the "
                                    "predictors before it"));
    assert_int_equal(err.index, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_national),      cmocka_unit_test(test_bristol),
        cmocka_unit_test(test_hollander_wolfe), cmocka_unit_test(formula_sets),
        cmocka_unit_test(test_weighted),      cmocka_unit_test(test_partial),
        cmocka_unit_test(test_kendall_bruteforce), cmocka_unit_test(test_midranks),
        cmocka_unit_test(test_kendall_exact_mahonian),
        cmocka_unit_test(test_power_verdict), cmocka_unit_test(test_errors),
        cmocka_unit_test(test_jackknife),     cmocka_unit_test(test_boot_replicates),
        cmocka_unit_test(test_boot_determinism), cmocka_unit_test(test_boot_vs_r),
        cmocka_unit_test(test_boot_intervals_fixed), cmocka_unit_test(test_boot_coverage),
        cmocka_unit_test(test_boot_errors),
        cmocka_unit_test(test_structured_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
