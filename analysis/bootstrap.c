/* Bootstrap engine: seeds, multiplicities, percentile and BCa intervals, and
 * the block scheduler that makes results independent of the thread count.
 *
 * The intervals reproduce R's boot package (boot 1.3-28): perc.ci and bca.ci
 * with norm.inter's interpolation on the normal quantile scale, and the
 * acceleration from jackknife influence values, i.e.
 *   boot.ci(b, type = c("perc", "bca"), L = empinf(b, type = "jack")),
 * whose influence values are L_i = (n-1)(t0 - t_(-i)) (boot:::usual.jack) and
 * a = sum L^3 / (6 (sum L^2)^1.5).  Efron & Tibshirani (1993, eq. 14.15) centre
 * on the mean of the t_(-i) instead of t0; the two differ by O(1/n) and we
 * follow R so that an analyst can check us with boot.  boot.ci's own default
 * for L is the regression estimate (empinf type "reg"), which needs the whole
 * replicate matrix. */
#include "analysis/bootstrap.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_cdf.h>
/* gsl_rng_get inline: one indirect call per draw instead of two. */
#define HAVE_INLINE 1
#include <gsl/gsl_rng.h>

/* splitmix64 finaliser (Steele, Lea & Flood 2014): consecutive block numbers
 * give unrelated seeds, and seed 0 is as good as any other. */
static uint64_t mix64(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint64_t pms_boot_block_seed(uint64_t user_seed, uint64_t block)
{
    return mix64(mix64(user_seed) ^ mix64(block + 0x5151u));
}

void *pms_boot_rng_new(uint64_t user_seed, uint64_t block)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_taus2);
    if (!r) return NULL;
    /* GSL's seeding routines use the low 32 bits of the seed: fold the high ones in. */
    uint64_t s = pms_boot_block_seed(user_seed, block);
    gsl_rng_set(r, (unsigned long)((s ^ (s >> 32)) & 0xffffffffu));
    return r;
}

void pms_boot_rng_free(void *rng)
{
    if (rng) gsl_rng_free(rng);
}

/* An unbiased integer in [0, n) from 32-bit draws: Lemire's multiply-shift with
 * rejection (Lemire 2019, "Fast random integer generation in an interval").
 * gsl_rng_uniform_int does a 64-bit division per draw; this does one only on
 * the rare rejection path.  n < 2^32 is checked by the caller. */
static inline uint32_t draw_below(gsl_rng *r, uint32_t n)
{
    uint64_t m = (uint64_t)(uint32_t)gsl_rng_get(r) * n;
    uint32_t lo = (uint32_t)m;
    if (lo < n) {
        uint32_t t = (uint32_t)(-n) % n;
        while (lo < t) {
            m = (uint64_t)(uint32_t)gsl_rng_get(r) * n;
            lo = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
}

void pms_boot_multiplicities(void *rng, size_t n, unsigned *counts)
{
    gsl_rng *r = rng;
    memset(counts, 0, n * sizeof *counts);
    /* draw_below needs the full 32-bit range of the generator. */
    if (gsl_rng_max(r) - gsl_rng_min(r) == 0xffffffffUL && gsl_rng_min(r) == 0 &&
        n <= 0xffffffffu) {
        for (size_t i = 0; i < n; i++) counts[draw_below(r, (uint32_t)n)]++;
    } else {
        for (size_t i = 0; i < n; i++) counts[gsl_rng_uniform_int(r, n)]++;
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* boot:::norm.inter for one alpha on sorted finite replicates t[0..R-1]. */
static double norm_inter(const double *t, size_t R, double alpha)
{
    double rk = (double)(R + 1) * alpha;
    double kd = trunc(rk);
    if (!(kd >= 0)) kd = 0;   /* alpha NaN or negative: treat as the smallest */
    size_t k = kd > (double)R ? R : (size_t)kd;
    if (k == 0) return t[0];
    if (k >= R) return t[R - 1];
    if ((double)k == rk) return t[k - 1];
    double z = gsl_cdf_ugaussian_Pinv(alpha);
    double zk = gsl_cdf_ugaussian_Pinv((double)k / (double)(R + 1));
    double zk1 = gsl_cdf_ugaussian_Pinv((double)(k + 1) / (double)(R + 1));
    double tk = t[k - 1], tk1 = t[k];
    return tk + (z - zk) / (zk1 - zk) * (tk1 - tk);
}

const char *pms_boot_bca_why(const pms_boot_ci *ci)
{
    if (isfinite(ci->bca_low) && isfinite(ci->bca_high)) return NULL;
    if (ci->replicates < 2) return "fewer than 2 bootstrap resamples gave a finite value";
    if (!isfinite(ci->bias_z0))
        return "every bootstrap resample lies on one side of the estimate, so the BCa bias "
               "correction is infinite";
    if (!isfinite(ci->accel))
        return "the jackknife acceleration is undefined: the leave-one-out values are all equal "
               "or overflow";
    return "the BCa interval is not finite";
}

pms_status pms_boot_intervals(double estimate, const double *reps, size_t R,
                              const double *jack, size_t n, double level,
                              pms_boot_ci *out)
{
    out->estimate = estimate;
    out->pct_low = out->pct_high = out->bca_low = out->bca_high = NAN;
    out->bias_z0 = out->accel = out->se = NAN;
    out->replicates = 0;
    if (!(level > 0 && level < 1)) return PMS_EDOMAIN;
    if (!isfinite(estimate)) return PMS_ENONFINITE;
    double *t = malloc((R ? R : 1) * sizeof *t);
    if (!t) return PMS_ENOMEM;
    size_t m = 0, below = 0;
    for (size_t i = 0; i < R; i++)
        if (isfinite(reps[i])) {
            t[m++] = reps[i];
            if (reps[i] < estimate) below++;
        }
    if (m < 2) {
        free(t);
        return PMS_ETOOFEW;
    }
    out->replicates = m;
    qsort(t, m, sizeof *t, cmp_double);

    /* Standard error: sd of the finite replicates, two-pass in long double. */
    long double s = 0, ss = 0;
    for (size_t i = 0; i < m; i++) s += t[i];
    long double mean = s / (long double)m;
    for (size_t i = 0; i < m; i++) {
        long double d = t[i] - mean;
        ss += d * d;
    }
    out->se = (double)sqrtl(ss / (long double)(m - 1));

    double a_lo = (1 - level) / 2, a_hi = (1 + level) / 2;
    out->pct_low = norm_inter(t, m, a_lo);
    out->pct_high = norm_inter(t, m, a_hi);

    /* BCa.  An infinite z0 (every replicate on one side of the estimate) or an
     * undefined acceleration leaves the BCa interval missing, where boot.ci
     * stops with an error: the percentile interval still stands. */
    double z0 = gsl_cdf_ugaussian_Pinv((double)below / (double)m);
    double a = 0;
    if (jack && n > 1) {
        long double s2 = 0, s3 = 0;
        for (size_t i = 0; i < n; i++) {
            long double L = (long double)(n - 1) * ((long double)estimate - jack[i]);
            s2 += L * L;
            s3 += L * L * L;
        }
        a = (double)(s3 / (6 * powl(s2, 1.5L)));
    }
    out->bias_z0 = z0;
    out->accel = a;
    if (isfinite(z0) && isfinite(a)) {
        double zl = gsl_cdf_ugaussian_Pinv(a_lo), zh = gsl_cdf_ugaussian_Pinv(a_hi);
        double al = gsl_cdf_ugaussian_P(z0 + (z0 + zl) / (1 - a * (z0 + zl)));
        double ah = gsl_cdf_ugaussian_P(z0 + (z0 + zh) / (1 - a * (z0 + zh)));
        out->bca_low = norm_inter(t, m, al);
        out->bca_high = norm_inter(t, m, ah);
    }
    free(t);
    return PMS_OK;
}

typedef struct {
    size_t R, nblocks;
    pms_boot_block_fn fn;
    void *ctx;
    pthread_mutex_t lock;
    size_t next;            /* next block to hand out */
    size_t failed_block;    /* lowest failing block, nblocks if none */
    pms_status failed;
} scheduler;

static void *worker(void *arg)
{
    scheduler *s = arg;
    for (;;) {
        pthread_mutex_lock(&s->lock);
        size_t b = s->next;
        /* Blocks after a failure are not started: their results are discarded. */
        int stop = b >= s->nblocks || b > s->failed_block;
        if (!stop) s->next++;
        pthread_mutex_unlock(&s->lock);
        if (stop) return NULL;
        size_t first = b * PMS_BOOT_BLOCK;
        size_t count = s->R - first < PMS_BOOT_BLOCK ? s->R - first : PMS_BOOT_BLOCK;
        pms_status st = s->fn(b, first, count, s->ctx);
        if (st) {
            pthread_mutex_lock(&s->lock);
            /* Keep the lowest failing block's status, so the reported failure
             * does not depend on thread timing. */
            if (b < s->failed_block) {
                s->failed_block = b;
                s->failed = st;
            }
            pthread_mutex_unlock(&s->lock);
        }
    }
}

pms_status pms_boot_run_blocks(size_t R, unsigned threads, pms_boot_block_fn fn, void *ctx)
{
    if (R == 0) return PMS_OK;
    scheduler s = {.R = R, .nblocks = (R + PMS_BOOT_BLOCK - 1) / PMS_BOOT_BLOCK, .fn = fn,
                   .ctx = ctx, .next = 0, .failed = PMS_OK};
    s.failed_block = s.nblocks;
    if (threads == 0) {
        long c = sysconf(_SC_NPROCESSORS_ONLN);
        threads = c > 0 ? (unsigned)c : 1;
    }
    if (threads > s.nblocks) threads = (unsigned)s.nblocks;
    if (threads > 256) threads = 256;
    if (pthread_mutex_init(&s.lock, NULL) != 0) return PMS_ENOMEM;
    pthread_t tid[256];
    unsigned started = 0;
    for (unsigned i = 1; i < threads; i++) {
        if (pthread_create(&tid[started], NULL, worker, &s) != 0) break;
        started++;
    }
    worker(&s);   /* the calling thread works too; fewer threads only costs time */
    for (unsigned i = 0; i < started; i++) pthread_join(tid[i], NULL);
    pthread_mutex_destroy(&s.lock);
    return s.failed;
}
