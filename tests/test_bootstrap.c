/* ctest-labels: unit reference */
/* The bootstrap engine: intervals against R's boot.ci on the same replicates,
 * reproducibility across thread counts, multiplicities, and every error code. */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "analysis/bootstrap.h"

static char *ref;

/* "key N v1 ... vN" -> malloc'd vector. */
static double *ref_vec(const char *key, size_t *n)
{
    size_t kl = strlen(key);
    for (const char *p = ref; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        if (strncmp(p, key, kl) == 0 && p[kl] == ' ') {
            char *e;
            *n = strtoul(p + kl + 1, &e, 10);
            double *v = malloc(*n * sizeof *v);
            for (size_t i = 0; i < *n; i++) v[i] = strtod(e, &e);
            return v;
        }
    }
    fail_msg("no vector %s in bootstrap.out", key);
    return NULL;
}

static double val(const char *fmt, size_t R, double conf, const char *what)
{
    char k[128];
    if (what) snprintf(k, sizeof k, fmt, R, conf, what);
    else snprintf(k, sizeof k, fmt, R);
    return pms_ref_value(ref, k);
}

static void test_intervals_match_boot_ci(void **state)
{
    (void)state;
    size_t nj;
    double *jack = ref_vec("jack", &nj);
    const size_t Rs[] = {999, 1000, 200};
    for (size_t r = 0; r < 3; r++) {
        size_t R;
        char key[32];
        snprintf(key, sizeof key, "t.R%zu", Rs[r]);
        double *t = ref_vec(key, &R);
        double *copy = malloc(R * sizeof *copy);
        memcpy(copy, t, R * sizeof *t);
        double t0 = val("t0.R%zu", Rs[r], 0, NULL);
        const double confs[] = {0.95, 0.9};
        for (int c = 0; c < 2; c++) {
            pms_boot_ci ci;
            assert_int_equal(pms_boot_intervals(t0, t, R, jack, nj, confs[c], &ci), PMS_OK);
            /* boot.ci prints %.17g of the same double arithmetic; qnorm vs GSL's
             * Pinv differ in the last bits, scaled by the interpolation: 1e-12. */
            assert_rel(ci.pct_low, val("R%zu.c%g.%s", R, confs[c], "pct_low"), 1e-12);
            assert_rel(ci.pct_high, val("R%zu.c%g.%s", R, confs[c], "pct_high"), 1e-12);
            assert_rel(ci.bca_low, val("R%zu.c%g.%s", R, confs[c], "bca_low"), 1e-12);
            assert_rel(ci.bca_high, val("R%zu.c%g.%s", R, confs[c], "bca_high"), 1e-12);
            assert_int_equal(ci.replicates, R);
        }
        pms_boot_ci ci;
        assert_int_equal(pms_boot_intervals(t0, t, R, jack, nj, 0.95, &ci), PMS_OK);
        assert_rel(ci.se, val("R%zu.se", R, 0, NULL), 1e-13);     /* sd(), two-pass */
        assert_rel(ci.bias_z0, val("R%zu.z0", R, 0, NULL), 1e-13);
        assert_rel(ci.accel, val("R%zu.accel", R, 0, NULL), 1e-12);
        assert_memory_equal(copy, t, R * sizeof *t);   /* replicates not reordered */
        free(copy);
        free(t);
    }
    free(jack);
}

static void test_nonfinite_replicates_dropped(void **state)
{
    (void)state;
    size_t R, nj;
    double *t = ref_vec("t.R1000", &R);
    double *jack = ref_vec("jack", &nj);
    double t0 = pms_ref_value(ref, "t0.R1000");
    /* Same values plus NaN and infinities: the intervals are those of the 1000 finite. */
    double *u = malloc((R + 3) * sizeof *u);
    memcpy(u, t, R * sizeof *t);
    u[R] = NAN;
    u[R + 1] = INFINITY;
    u[R + 2] = -INFINITY;
    pms_boot_ci a, b;
    assert_int_equal(pms_boot_intervals(t0, t, R, jack, nj, 0.95, &a), PMS_OK);
    assert_int_equal(pms_boot_intervals(t0, u, R + 3, jack, nj, 0.95, &b), PMS_OK);
    assert_int_equal(b.replicates, R);
    assert_true(a.bca_low == b.bca_low && a.pct_high == b.pct_high);
    /* Without jackknife values the acceleration is 0 (the BC interval). */
    assert_int_equal(pms_boot_intervals(t0, t, R, NULL, 0, 0.95, &a), PMS_OK);
    assert_true(a.accel == 0);
    assert_true(a.bca_low != b.bca_low);
    free(u);
    free(t);
    free(jack);
}

static void test_errors(void **state)
{
    (void)state;
    double t[4] = {1.25, 2.5, 3.75, 5.125};
    pms_boot_ci ci;
    assert_int_equal(pms_boot_intervals(2.4, t, 4, NULL, 0, 1.0, &ci), PMS_EDOMAIN);
    assert_int_equal(pms_boot_intervals(2.4, t, 4, NULL, 0, 0.0, &ci), PMS_EDOMAIN);
    assert_int_equal(pms_boot_intervals(2.4, t, 4, NULL, 0, NAN, &ci), PMS_EDOMAIN);
    assert_int_equal(pms_boot_intervals(NAN, t, 4, NULL, 0, 0.95, &ci), PMS_ENONFINITE);
    assert_true(isnan(ci.pct_low) && isnan(ci.bca_high));
    assert_int_equal(pms_boot_intervals(2.4, t, 1, NULL, 0, 0.95, &ci), PMS_ETOOFEW);
    double nan4[4] = {NAN, NAN, 1.5, NAN};
    assert_int_equal(pms_boot_intervals(2.4, nan4, 4, NULL, 0, 0.95, &ci), PMS_ETOOFEW);
    /* Every replicate above the estimate: z0 = -inf, BCa undefined (boot.ci
     * stops); the percentile interval is still given, the BCa one is missing. */
    assert_int_equal(pms_boot_intervals(0.5, t, 4, NULL, 0, 0.95, &ci), PMS_OK);
    assert_true(isinf(ci.bias_z0));
    assert_true(isnan(ci.bca_low) && isnan(ci.bca_high));
    assert_true(ci.pct_low == 1.25 && ci.pct_high == 5.125);  /* extreme order statistics */
}

static void test_multiplicities(void **state)
{
    (void)state;
    const size_t n = 53, reps = 4000;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, pms_boot_block_seed(7, 3));
    unsigned *c = malloc(n * sizeof *c);
    double *tot = calloc(n, sizeof *tot);
    for (size_t k = 0; k < reps; k++) {
        pms_boot_multiplicities(r, n, c);
        size_t s = 0;
        for (size_t i = 0; i < n; i++) {
            s += c[i];
            tot[i] += c[i];
        }
        assert_int_equal(s, n);
    }
    /* Each index is drawn Binomial(reps*n, 1/n) times: mean reps, sd ~ sqrt(reps).
     * 5 sd bounds make a false alarm ~1e-5 over 53 indices, and catch an
     * off-by-one that never draws index n-1 or draws 0 twice as often. */
    for (size_t i = 0; i < n; i++) assert_true(fabs(tot[i] - (double)reps) < 5 * sqrt((double)reps));
    /* Another generator with a non-32-bit range takes the GSL path; still sums to n. */
    gsl_rng *r2 = gsl_rng_alloc(gsl_rng_ran0);
    pms_boot_multiplicities(r2, n, c);
    size_t s = 0;
    for (size_t i = 0; i < n; i++) s += c[i];
    assert_int_equal(s, n);
    gsl_rng_free(r2);
    gsl_rng_free(r);
    free(c);
    free(tot);
}

static void test_seeds(void **state)
{
    (void)state;
    assert_true(pms_boot_block_seed(1, 0) != pms_boot_block_seed(1, 1));
    assert_true(pms_boot_block_seed(1, 0) != pms_boot_block_seed(2, 0));
    assert_true(pms_boot_block_seed(0, 0) != 0);
    assert_true(pms_boot_block_seed(42, 9) == pms_boot_block_seed(42, 9));
}

/* A toy statistic per replicate: the mean of a resample, written at its index. */
typedef struct {
    const double *x;
    size_t n;
    double *out;
    uint64_t seed;
    size_t fail_block;   /* a block that reports an error, or SIZE_MAX */
} toy;

static pms_status toy_block(size_t block, size_t first, size_t count, void *ctx)
{
    toy *t = ctx;
    if (block == t->fail_block) return PMS_EDOMAIN;
    if (t->fail_block != SIZE_MAX && block == t->fail_block + 2) return PMS_ENOMEM;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, pms_boot_block_seed(t->seed, block));
    unsigned *c = malloc(t->n * sizeof *c);
    for (size_t k = 0; k < count; k++) {
        pms_boot_multiplicities(r, t->n, c);
        double s = 0;
        for (size_t i = 0; i < t->n; i++) s += c[i] * t->x[i];
        t->out[first + k] = s / (double)t->n;
    }
    free(c);
    gsl_rng_free(r);
    return PMS_OK;
}

static void test_threads_do_not_change_results(void **state)
{
    (void)state;
    double x[29];
    for (int i = 0; i < 29; i++) x[i] = 70.25 + 3.5 * sin(1.7 * i) + 0.01 * i * i;
    const size_t R = 3 * PMS_BOOT_BLOCK + 17;   /* a partial last block */
    double *a = malloc(R * sizeof *a), *b = malloc(R * sizeof *b), *c = malloc(R * sizeof *c);
    toy ta = {x, 29, a, 99, SIZE_MAX}, tb = {x, 29, b, 99, SIZE_MAX}, tc = {x, 29, c, 100, SIZE_MAX};
    assert_int_equal(pms_boot_run_blocks(R, 1, toy_block, &ta), PMS_OK);
    assert_int_equal(pms_boot_run_blocks(R, 4, toy_block, &tb), PMS_OK);
    assert_int_equal(pms_boot_run_blocks(R, 0, toy_block, &tc), PMS_OK);
    assert_memory_equal(a, b, R * sizeof *a);
    assert_true(memcmp(a, c, R * sizeof *a) != 0);   /* another seed, other resamples */
    for (size_t i = 0; i < R; i++) assert_true(isfinite(a[i]));
    /* The lowest failing block's status is returned, whatever the thread count. */
    toy tf = {x, 29, a, 99, 1};
    assert_int_equal(pms_boot_run_blocks(R, 1, toy_block, &tf), PMS_EDOMAIN);
    assert_int_equal(pms_boot_run_blocks(R, 3, toy_block, &tf), PMS_EDOMAIN);
    assert_int_equal(pms_boot_run_blocks(0, 2, toy_block, &tf), PMS_OK);
    free(a);
    free(b);
    free(c);
}

int main(void)
{
    char *path = pms_test_path(PMS_SOURCE_DIR, "tests/reference/bootstrap.out");
    ref = pms_test_slurp(path);
    free(path);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_intervals_match_boot_ci),
        cmocka_unit_test(test_nonfinite_replicates_dropped),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_multiplicities),
        cmocka_unit_test(test_seeds),
        cmocka_unit_test(test_threads_do_not_change_results),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    free(ref);
    return rc;
}
