/* NIST StRD linear regression: all eleven certified sets (Norris, Pontius,
 * NoInt1/2, Filip, Longley, Wampler1-5).  Each coefficient, its standard
 * deviation, the residual SD and R-squared are scored by the log relative
 * error (LRE) and required to match or beat R's lm on the same file
 * (tests/reference/nist_lre.out, from tests/reference/nist_lre.R), plus a floor
 * of our own so that a regression in accuracy shows even where R is weak. */
/* ctest-labels: nist */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/regress.h"
#include "io/nist.h"

static char *r_lre;     /* R's LREs: tests/reference/nist_lre.out */
static char *ceiling;   /* exact solution of the binary data: tests/reference/nist_exact.out */

static int setup(void **state)
{
    (void)state;
    char *p = pms_test_path(PMS_SOURCE_DIR, "tests/reference/nist_lre.out");
    r_lre = pms_test_slurp(p);
    free(p);
    p = pms_test_path(PMS_SOURCE_DIR, "tests/reference/nist_exact.out");
    ceiling = pms_test_slurp(p);
    free(p);
    return r_lre && ceiling ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    free(r_lre);
    free(ceiling);
    return 0;
}

/* Ours must reach R's LRE, or the ceiling if R is above it: the ceiling is the
 * LRE of the exact least-squares solution of the data as rounded to doubles
 * (nist_exact.py), and R can exceed it only by luck (Norris se0: R 14.00,
 * ceiling 13.92; Wampler2 b3: R 14.52, ceiling 13.20).  The 0.05 allows for
 * the 2-decimal printing of both files and for the last bits of our own
 * arithmetic against the exact answer (0.05 digits = 12% of an error of
 * 1e-13).  Everything is capped at 14 because the certified values carry 15
 * significant digits, so beyond 14 an LRE measures the certificate's rounding. */
static int at_least_r(double ours, const char *key, double *r)
{
    *r = pms_ref_value(r_lre, key);
    double target = fmin(*r, pms_ref_value(ceiling, key));
    return fmin(ours, 14.0) >= fmin(target, 14.0) - 0.05;
}

typedef struct {
    const char *name;
    double floor;   /* our own minimum LRE over every statistic of the set */
} nist_set;

/* Floors: what this implementation achieves, rounded down, so that a change
 * that loses digits fails here.  Filip (condition number ~1e15 in raw
 * powers) is the hard one: the issue asks for >= 7. */
static const nist_set sets[] = {
    {"Norris", 12.0},   {"Pontius", 11.0},  {"NoInt1", 13.0},   {"NoInt2", 13.0},
    {"Filip", 7.0},     {"Longley", 12.0},  {"Wampler1", 9.0},  {"Wampler2", 12.0},
    {"Wampler3", 9.0},  {"Wampler4", 7.0},  {"Wampler5", 5.5},
};

static void run_set(const nist_set *s, int *failures)
{
    char rel[256];
    snprintf(rel, sizeof rel, "nist-strd/linear-regression/%s.dat", s->name);
    char *path = pms_test_path(PMS_DATASETS_DIR, rel);
    pms_nist_data *d = NULL;
    pms_err err = {{0}};
    pms_status st = pms_nist_load(path, &d, &err);
    if (st != PMS_OK) print_error("%s\n", err.msg);
    free(path);
    assert_int_equal(st, PMS_OK);
    assert_int_equal(d->kind, PMS_NIST_LINREG);

    size_t k = d->npar - (size_t)d->intercept;
    double *X = malloc(d->n * k * sizeof *X), *y = malloc(d->n * sizeof *y);
    assert_non_null(X);
    assert_non_null(y);
    assert_int_equal(pms_nist_predictors(d, X, y), PMS_OK);
    double *Xc = malloc(d->n * k * sizeof *X), *yc = malloc(d->n * sizeof *y);
    assert_non_null(Xc);
    assert_non_null(yc);
    memcpy(Xc, X, d->n * k * sizeof *X);
    memcpy(yc, y, d->n * sizeof *y);

    pms_reg_opts o;
    pms_reg_opts_default(&o);
    o.intercept = d->intercept;
    pms_reg_result r;
    st = pms_reg_fit(X, d->n, k, y, NULL, &o, &r, &err);
    if (st != PMS_OK) print_error("%s: %s\n", d->name, err.msg);
    assert_int_equal(st, PMS_OK);
    assert_memory_equal(X, Xc, d->n * k * sizeof *X);   /* inputs untouched */
    assert_memory_equal(y, yc, d->n * sizeof *y);
    assert_int_equal(r.p, d->npar);
    assert_int_equal(r.n, d->n);

    double worst = 15, worst_r = 15;
    char key[96], line[2048];
    int len = snprintf(line, sizeof line, "LRE %-8s", d->name);
    for (size_t j = 0; j < d->npar; j++) {
        int idx = (int)j + (d->intercept ? 0 : 1);
        double lb = pms_lre(r.coef[j], d->cert_beta[j]);
        double ls = pms_lre(r.se[j], d->cert_beta_sd[j]);
        double rb, rs;
        snprintf(key, sizeof key, "%s.b%d", d->name, idx);
        if (!at_least_r(lb, key, &rb)) {
            print_error("%s: LRE %.2f below R's %.2f\n", key, lb, rb);
            if (pms_test_numeric_strict()) (*failures)++;
        }
        snprintf(key, sizeof key, "%s.se%d", d->name, idx);
        if (!at_least_r(ls, key, &rs)) {
            print_error("%s: LRE %.2f below R's %.2f\n", key, ls, rs);
            if (pms_test_numeric_strict()) (*failures)++;
        }
        if (!strcmp(d->name, "Filip")) {
            /* Filip's own ceiling: the exact solution once x^k is rounded to
             * double (7.90-7.93); QR in long double should reach it. */
            snprintf(key, sizeof key, "Filip.b%d.dpow", idx);
            double c = pms_ref_value(ceiling, key);
            if (!(lb >= c - 0.05)) {
                print_error("%s: LRE %.2f below the double-powers ceiling %.2f\n", key, lb, c);
                if (pms_test_numeric_strict()) (*failures)++;
            }
        }
        worst = fmin(worst, fmin(lb, ls));
        worst_r = fmin(worst_r, fmin(rb, rs));
        len += snprintf(line + len, sizeof line - (size_t)len, " b%d %.2f/%.2f se %.2f/%.2f", idx,
                        lb, rb, ls, rs);
    }
    double lsd = pms_lre(r.resid_sd, d->cert_resid_sd), lr2 = pms_lre(r.r2, d->cert_r2), rsd, rr2;
    snprintf(key, sizeof key, "%s.resid_sd", d->name);
    if (!at_least_r(lsd, key, &rsd)) {
        print_error("%s: LRE %.2f below R's %.2f\n", key, lsd, rsd);
        if (pms_test_numeric_strict()) (*failures)++;
    }
    snprintf(key, sizeof key, "%s.r2", d->name);
    if (!at_least_r(lr2, key, &rr2)) {
        print_error("%s: LRE %.2f below R's %.2f\n", key, lr2, rr2);
        if (pms_test_numeric_strict()) (*failures)++;
    }
    worst = fmin(worst, fmin(lsd, lr2));
    worst_r = fmin(worst_r, fmin(rsd, rr2));
    print_message("%s sd %.2f/%.2f r2 %.2f/%.2f | min %.2f (R %.2f)\n", line, lsd, rsd, lr2,
                  rr2, worst, worst_r);
    if (!(worst >= s->floor)) {
        print_error("%s: minimum LRE %.2f below the floor %.1f\n", d->name, worst, s->floor);
        if (pms_test_numeric_strict()) (*failures)++;
    }
    /* The ANOVA F where NIST certifies a finite one (Wampler1/2 are exact fits). */
    if (isfinite(d->cert_f) && d->cert_f > 0 && !r.perfect_fit) {
        double lf = pms_lre(r.f, d->cert_f);
        if (!(lf >= fmin(s->floor, 14.0) - 0.5)) {
            print_error("%s: F LRE %.2f\n", d->name, lf);
            if (pms_test_numeric_strict()) (*failures)++;
        }
    }
    pms_reg_result_free(&r);
    free(X);
    free(y);
    free(Xc);
    free(yc);
    pms_nist_free(d);
}

static void test_nist_linear_regression(void **state)
{
    (void)state;
    int failures = 0;
    for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++) run_set(&sets[i], &failures);
    assert_int_equal(failures, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nist_linear_regression),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
