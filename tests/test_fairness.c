/* Bootstrap of Gini, Theil T and the concentration index (analysis/fairness.c).
 * The walk over multiplicities is checked against the direct functions on the
 * resampled data (the multiplicities regenerated from the documented seeding),
 * the O(n) jackknife against leave-one-out calls, the intervals against
 * pms_boot_intervals on those values, and the replicates for equality across
 * thread counts.  The interval code itself is tested against R's boot in
 * test_bootstrap.c. */
/* ctest-labels: unit */
#include "testutil.h"

#include <gsl/gsl_rng.h>

#include "analysis/concentration.h"
#include "analysis/fairness.h"
#include "analysis/inequality.h"
#include "fair_data.h"

static fair_data fd;

static int setup(void **state)
{
    (void)state;
    return fair_data_load(&fd);
}

static int teardown(void **state)
{
    (void)state;
    fair_data_free(&fd);
    return 0;
}

#define N 40
static double xs[N], ws[N], rs[N];

static void make_small(void)
{
    for (int i = 0; i < N; i++) {
        xs[i] = 50 + 37.3 * fmod(i * 0.618034, 1.0) + (i % 7) * 4.25;
        ws[i] = 800 + 137.5 * (i % 11);
        rs[i] = (i % 9 == 4) ? NAN : (double)((i * 7) % 13);   /* ties and missing ranks */
    }
}

/* Statistics of the sample in which unit i has mass m_i w_i, by the direct
 * functions (units with m_i = 0 dropped). */
static void direct(const unsigned *m, const double *x, const double *w, const double *r, size_t n,
                   double *g, double *t, double *c)
{
    double *xx = malloc(n * sizeof *xx), *ww = malloc(n * sizeof *ww), *rr = malloc(n * sizeof *rr),
           *xr = malloc(n * sizeof *xr), *wr = malloc(n * sizeof *wr);
    assert_non_null(xx);
    assert_non_null(ww);
    assert_non_null(rr);
    assert_non_null(xr);
    assert_non_null(wr);
    size_t k = 0, kr = 0;
    for (size_t i = 0; i < n; i++) {
        if (m && m[i] == 0) continue;
        double wi = (m ? m[i] : 1) * w[i];
        xx[k] = x[i];
        ww[k] = wi;
        k++;
        if (r && !isnan(r[i])) {
            xr[kr] = x[i];
            wr[kr] = wi;
            rr[kr] = r[i];
            kr++;
        }
    }
    pms_err err = {{0}};
    pms_ineq_decomp d;
    assert_int_equal(pms_ineq_gini(xx, ww, k, g, &err), PMS_OK);
    assert_int_equal(pms_ineq_theil_t(xx, ww, NULL, 0, k, &d, &err), PMS_OK);
    *t = d.total;
    *c = NAN;
    if (r && kr >= 2) assert_int_equal(pms_conc_index(xr, wr, rr, kr, PMS_RANK_DESCENDING, c, &err), PMS_OK);
    free(xx);
    free(ww);
    free(rr);
    free(xr);
    free(wr);
}

/* Sort the indices ord[0..n) by key[ord[i]], ties in index order (merge
 * sort: stable). */
static void sort_by_key(size_t *ord, size_t n, const double *key)
{
    if (n < 2) return;
    size_t h = n / 2;
    sort_by_key(ord, h, key);
    sort_by_key(ord + h, n - h, key);
    size_t *tmp = malloc(n * sizeof *tmp);
    assert_non_null(tmp);
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n) tmp[k++] = key[ord[j]] < key[ord[i]] ? ord[j++] : ord[i++];
    while (i < h) tmp[k++] = ord[i++];
    while (j < n) tmp[k++] = ord[j++];
    memcpy(ord, tmp, n * sizeof *tmp);
    free(tmp);
}

/* Tolerance 1e-12: the walk and the direct functions sum the same terms in
 * different orders (and C by area vs covariance form). */
static void test_replicates_small(void **state)
{
    (void)state;
    make_small();
    double xc[N], wc[N], rc[N];
    memcpy(xc, xs, sizeof xc);
    memcpy(wc, ws, sizeof wc);
    memcpy(rc, rs, sizeof rc);
    const size_t R = 300;   /* two blocks: 256 + 44 */
    double *reps = malloc(3 * R * sizeof *reps), *jack = malloc(3 * N * sizeof *jack);
    assert_non_null(reps);
    assert_non_null(jack);
    pms_fair_boot_opts o = {R, 2015, 1, 0.95, rs, PMS_RANK_DESCENDING, reps, jack};
    pms_fair_boot_result res;
    pms_err err = {{0}};
    assert_int_equal(pms_fair_bootstrap(xs, ws, N, &o, &res, &err), PMS_OK);
    assert_memory_equal(xs, xc, sizeof xc);
    assert_memory_equal(ws, wc, sizeof wc);
    assert_memory_equal(rs, rc, sizeof rc);
    assert_int_equal(res.conc_n, N - 4);   /* i % 9 == 4: i = 4, 13, 22, 31 */

    /* Replicates: regenerate block 0 and block 1 as documented: the
     * multiplicities are drawn over the units in ascending order of x (ties
     * in input order), so position p's count belongs to unit ord[p]. */
    size_t ord[N];
    for (size_t i = 0; i < N; i++) ord[i] = i;
    sort_by_key(ord, N, xs);
    unsigned m[N], mu[N];
    for (size_t k = 0; k < R; k++) {
        if (k % 17 && k != R - 1 && k != PMS_BOOT_BLOCK) continue; /* a spread of replicates */
        pms_fair_counts(2015, k, N, m);
        for (size_t p = 0; p < N; p++) mu[ord[p]] = m[p];
        double g, t, c;
        direct(mu, xs, ws, rs, N, &g, &t, &c);
        assert_rel(reps[k], g, 1e-12);
        assert_rel(reps[R + k], t, 1e-12);
        assert_rel(reps[2 * R + k], c, 1e-12);
    }
    /* Jackknife: leave each unit out in turn. */
    unsigned one[N];
    for (size_t i = 0; i < N; i++) one[i] = 1;
    for (size_t i = 0; i < N; i++) {
        one[i] = 0;
        double g, t, c;
        direct(one, xs, ws, rs, N, &g, &t, &c);
        one[i] = 1;
        assert_rel(jack[i], g, 1e-12);
        assert_rel(jack[N + i], t, 1e-12);
        assert_rel(jack[2 * N + i], c, 1e-12);
    }
    /* Estimates and intervals. */
    double g0, t0, c0;
    direct(NULL, xs, ws, rs, N, &g0, &t0, &c0);
    assert_rel(res.gini.estimate, g0, 1e-13);
    assert_rel(res.theil_t.estimate, t0, 1e-13);
    assert_rel(res.conc.estimate, c0, 1e-13);
    pms_boot_ci ci;
    assert_int_equal(pms_boot_intervals(res.conc.estimate, reps + 2 * R, R, jack + 2 * N, N, 0.95, &ci),
                     PMS_OK);
    assert_rel(ci.bca_low, res.conc.bca_low, 0);
    assert_rel(ci.bca_high, res.conc.bca_high, 0);
    assert_rel(ci.pct_low, res.conc.pct_low, 0);
    assert_true(res.gini.pct_low < g0 && g0 < res.gini.pct_high);
    assert_true(res.gini.bca_low < g0 && g0 < res.gini.bca_high);
    assert_int_equal(res.gini.replicates, R);
    free(reps);
    free(jack);
}

/* The documented resample stream, written out again independently of
 * fairness.c: xoshiro256** from splitmix64 of pms_boot_block_seed, 32-bit
 * halves high first, Lemire's rejection, counted straight into m. */
static uint64_t sm64(uint64_t *z)
{
    uint64_t x = (*z += 0x9e3779b97f4a7c15ULL);
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static void counts_by_hand(uint64_t seed, size_t rep, size_t n, unsigned *m)
{
    uint64_t z = pms_boot_block_seed(seed, rep / PMS_BOOT_BLOCK), s[4];
    for (int k = 0; k < 4; k++) s[k] = sm64(&z);
    uint32_t halves[2];
    int have = 0;
    uint32_t n32 = (uint32_t)n, t = (uint32_t)(0x100000000ULL % n);
    for (size_t r = 0; r <= rep % PMS_BOOT_BLOCK; r++) {
        memset(m, 0, n * sizeof *m);
        for (size_t i = 0; i < n; i++) {
            uint64_t v;
            do {
                if (!have) {
                    uint64_t x1 = s[1] * 5;
                    uint64_t out = ((x1 << 7) | (x1 >> 57)) * 9, tt = s[1] << 17;
                    s[2] ^= s[0], s[3] ^= s[1], s[1] ^= s[2], s[0] ^= s[3], s[2] ^= tt;
                    s[3] = (s[3] << 45) | (s[3] >> 19);
                    halves[0] = (uint32_t)(out >> 32), halves[1] = (uint32_t)out;
                    have = 2;
                }
                v = (uint64_t)halves[2 - have--] * n32;
            } while ((uint32_t)v < t);
            m[v >> 32]++;
        }
    }
}

/* Above 2^17 units the resamples are counted bucket by bucket
 * (fairness.c, resample): the replicates must still be those of the
 * documented stream counted directly (counts_by_hand), checked against the direct
 * functions (tolerance 1e-12 as above). */
static void test_big_resample(void **state)
{
    (void)state;
    const size_t n = ((size_t)1 << 17) + 4099, R = 2;
    /* pms_fair_counts agrees with the hand-written stream, small and big. */
    unsigned *m1 = malloc(n * sizeof *m1), *m2 = malloc(n * sizeof *m2);
    assert_true(m1 && m2);
    pms_fair_counts(5, 300, 1000, m1);
    counts_by_hand(5, 300, 1000, m2);
    assert_memory_equal(m1, m2, 1000 * sizeof *m1);
    pms_fair_counts(5, 1, n, m1);
    counts_by_hand(5, 1, n, m2);
    assert_memory_equal(m1, m2, n * sizeof *m1);
    free(m1), free(m2);
    double *x = malloc(n * sizeof *x), *w = malloc(n * sizeof *w), *rk = malloc(n * sizeof *rk);
    unsigned *m = malloc(n * sizeof *m), *mu = malloc(n * sizeof *mu);
    double reps[3 * 2];
    assert_true(x && w && rk && m && mu);
    uint64_t s = 99;
    for (size_t i = 0; i < n; i++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        x[i] = 50 + (double)((s >> 40) % 100000) / 37.0; /* distinct x for most units */
        w[i] = 1000 + (double)((s >> 20) % 7000);
        rk[i] = (double)((s >> 10) % 5000) / 100.0;
    }
    pms_fair_boot_opts o = {R, 77, 1, 0.95, rk, PMS_RANK_DESCENDING, reps, NULL};
    pms_fair_boot_result res;
    pms_err err = {{0}};
    assert_int_equal(pms_fair_bootstrap(x, w, n, &o, &res, &err), PMS_OK);
    /* The x order, ties in input order (a stable sort by x). */
    size_t *ord = malloc(n * sizeof *ord);
    assert_non_null(ord);
    for (size_t i = 0; i < n; i++) ord[i] = i;
    sort_by_key(ord, n, x);
    for (size_t k = 0; k < R; k++) {
        counts_by_hand(77, k, n, m);
        for (size_t p = 0; p < n; p++) mu[ord[p]] = m[p];
        double g, t, c;
        direct(mu, x, w, rk, n, &g, &t, &c);
        assert_rel(reps[k], g, 1e-12);
        assert_rel(reps[R + k], t, 1e-12);
        /* C is near 0 here (about 4e-4; random ranks): 1 - acc/(W Y) cancels,
         * so the bound is absolute: 1e-12 against double sums' ~1e-14. */
        assert_abs(reps[2 * R + k], c, 1e-12);
    }
    free(ord), free(x), free(w), free(rk), free(m), free(mu);
}

/* National: 1,000 resamples of 7,922 practices; identical on 1 and 3 threads. */
static void test_national_threads(void **state)
{
    (void)state;
    const size_t R = 1000;
    double *r1 = malloc(3 * R * sizeof *r1), *r3 = malloc(3 * R * sizeof *r3);
    assert_non_null(r1);
    assert_non_null(r3);
    pms_fair_boot_opts o = {R, 42, 1, 0.95, fd.imd, PMS_RANK_DESCENDING, r1, NULL};
    pms_fair_boot_result a, b;
    pms_err err = {{0}};
    assert_int_equal(pms_fair_bootstrap(fd.x, fd.w, fd.n, &o, &a, &err), PMS_OK);
    o.threads = 3;
    o.keep_replicates = r3;
    assert_int_equal(pms_fair_bootstrap(fd.x, fd.w, fd.n, &o, &b, &err), PMS_OK);
    assert_memory_equal(r1, r3, 3 * R * sizeof *r1);
    assert_memory_equal(&a, &b, sizeof a);
    double g;
    assert_int_equal(pms_ineq_gini(fd.x, fd.w, fd.n, &g, &err), PMS_OK);
    assert_rel(a.gini.estimate, g, 1e-13);
    assert_true(a.gini.bca_low < g && g < a.gini.bca_high);
    assert_true(a.conc.pct_low < a.conc.estimate && a.conc.estimate < a.conc.pct_high);
    assert_int_equal(a.conc_n, fd.n - 121);
    /* Another seed gives other replicates. */
    o.seed = 43;
    assert_int_equal(pms_fair_bootstrap(fd.x, fd.w, fd.n, &o, &b, &err), PMS_OK);
    assert_true(memcmp(r1, r3, 3 * R * sizeof *r1) != 0);
    /* Without a ranking: no concentration index. */
    o.rank_by = NULL;
    o.keep_replicates = NULL;
    assert_int_equal(pms_fair_bootstrap(fd.x, fd.w, fd.n, &o, &b, &err), PMS_OK);
    assert_int_equal(b.conc.replicates, 0);
    free(r1);
    free(r3);
}

static void test_errors(void **state)
{
    (void)state;
    make_small();
    pms_fair_boot_opts o = {100, 1, 1, 0.95, NULL, PMS_RANK_DESCENDING, NULL, NULL};
    pms_fair_boot_result res;
    pms_err err = {{0}};
    assert_int_equal(pms_fair_bootstrap(xs, ws, 1, &o, &res, &err), PMS_ETOOFEW);
    assert_string_equal(err.msg, "bootstrap: 1 unit, need 2");
    o.replicates = 1;
    assert_int_equal(pms_fair_bootstrap(xs, ws, N, &o, &res, &err), PMS_ETOOFEW);
    assert_string_equal(err.msg, "bootstrap: 1 replicates, need at least 2");
    o.replicates = 100;
    o.level = 0;
    assert_int_equal(pms_fair_bootstrap(xs, ws, N, &o, &res, &err), PMS_EDOMAIN);
    o.level = 0.95;
    const double bad[] = {1.0, -2.0}, nanv[] = {1.0, NAN}, w2[] = {1.0, 0.0}, ok[] = {1.0, 2.0};
    assert_int_equal(pms_fair_bootstrap(bad, NULL, 2, &o, &res, &err), PMS_EDOMAIN);
    assert_string_equal(err.msg, "bootstrap: value 2 is not positive (-2)");
    assert_int_equal(pms_fair_bootstrap(nanv, NULL, 2, &o, &res, &err), PMS_ENONFINITE);
    assert_int_equal(pms_fair_bootstrap(ok, w2, 2, &o, &res, &err), PMS_EDOMAIN);
    const double r1[] = {NAN, 3.0}, rinf[] = {INFINITY, 3.0};
    o.rank_by = r1;
    assert_int_equal(pms_fair_bootstrap(ok, NULL, 2, &o, &res, &err), PMS_ETOOFEW);
    assert_string_equal(err.msg, "bootstrap: 1 ranked unit, need 2");
    o.rank_by = rinf;
    assert_int_equal(pms_fair_bootstrap(ok, NULL, 2, &o, &res, &err), PMS_ENONFINITE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replicates_small),
        cmocka_unit_test(test_national_threads),
        cmocka_unit_test(test_big_resample),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
