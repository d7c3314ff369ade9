/* Bootstrap of Gini, Theil T and the concentration index by multiplicity
 * vectors over a fixed sort (see fairness.h for the method). */
#include "analysis/fairness.h"
#include "analysis/sort.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>



typedef long double ld;

typedef pms_sort_key key_idx;

typedef struct {
    size_t n, nr;
    const double *w;
    double *a, *l;          /* w x and w x ln x, per unit */
    size_t *ox;             /* units by x ascending (ties in input order) */
    size_t *orank;          /* ranked units in rank order */
    size_t *bstart;         /* block starts in orank, nblocks + 1 entries */
    size_t nblocks;
    size_t R;
    double *rep_g, *rep_t, *rep_c;
    uint64_t seed;
    /* A resample's multiplicity vector m is indexed by position in x order
     * (ox), not by unit: the units are exchangeable, so drawing positions
     * is drawing units, and the Gini and Theil walk then reads m and xs
     * front to back.  Only the concentration walk, in rank order, reads m
     * at scattered places (rs[j].p), prefetched ahead. */
    struct xunit { double w, a, l; } *xs;             /* by x ascending */
    struct runit { double w, a; size_t p; } *rs;      /* ranked units in rank order; p: x position */
} boot_ctx;

static ld wt(const boot_ctx *c, size_t i) { return c->w ? c->w[i] : 1.0L; }

#if defined(__GNUC__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)0)
#endif

/* Statistics of a resample with multiplicities m over the x order, in
 * double (a replicate needs no more: the sums' relative error is about
 * 1e-16 sqrt(n), far below the bootstrap's own spread; the estimate itself
 * is summed in long double by stats()).
 *
 * The area sum acc = sum_j w_j (2 C_j + a_j), C_j the amount before j, is a
 * chain through C; it is cut into LANES stretches walked side by side, each
 * from C = 0, and joined exactly: a stretch whose amount before it is P
 * adds 2 P W_lane.  No test for m_j = 0 (a third of the units, at random: a
 * mispredicted branch each): a unit of zero mass adds exact zeros. */
enum { LANES = 4 };

static void walk_x(const struct xunit *xs, const unsigned *m, size_t n, double *acc_out,
                   double *W_out, double *Y_out, double *Yl_out)
{
    double acc[LANES] = {0}, cum[LANES] = {0}, W[LANES] = {0}, Yl[LANES] = {0};
    size_t L = n / LANES;
    for (size_t i = 0; i < L; i++)
        for (int q = 0; q < LANES; q++) {
            size_t j = (size_t)q * L + i;
            double k = m[j], wi = k * xs[j].w, ai = k * xs[j].a;
            acc[q] += wi * (2 * cum[q] + ai);
            cum[q] += ai;
            W[q] += wi;
            Yl[q] += k * xs[j].l;
        }
    for (size_t j = (size_t)LANES * L; j < n; j++) { /* the tail joins the last lane */
        double k = m[j], wi = k * xs[j].w, ai = k * xs[j].a;
        acc[LANES - 1] += wi * (2 * cum[LANES - 1] + ai);
        cum[LANES - 1] += ai;
        W[LANES - 1] += wi;
        Yl[LANES - 1] += k * xs[j].l;
    }
    double A = 0, P = 0, Wt = 0, Ylt = 0;
    for (int q = 0; q < LANES; q++) {
        A += acc[q] + 2 * P * W[q];
        P += cum[q];
        Wt += W[q];
        Ylt += Yl[q];
    }
    *acc_out = A, *W_out = Wt, *Y_out = P, *Yl_out = Ylt;
}

static void stats_resample(const boot_ctx *c, const unsigned *m, double *g, double *t,
                           double *ci)
{
    enum { AHEAD = 16 };
    double acc, W, Y, Yl;
    walk_x(c->xs, m, c->n, &acc, &W, &Y, &Yl);
    *g = 1 - acc / (W * Y);
    *t = Yl / Y - log(Y / W);
    if (!c->orank) {
        *ci = NAN;
        return;
    }
    const struct runit *rs = c->rs;
    double Wr = 0, Yr = 0, cum = 0;
    acc = 0;
    for (size_t b = 0; b < c->nblocks; b++) {
        double Wb = 0, Yb = 0;
        for (size_t j = c->bstart[b]; j < c->bstart[b + 1]; j++) {
            if (j + AHEAD < c->nr) PREFETCH(&m[rs[j + AHEAD].p]);
            double k = m[rs[j].p];
            Wb += k * rs[j].w;
            Yb += k * rs[j].a;
        }
        acc += Wb * (2 * cum + Yb);
        cum += Yb;
        Wr += Wb;
        Yr += Yb;
    }
    /* A resample with no ranked unit (only possible for tiny samples) has
     * no index: NaN, dropped and counted out by pms_boot_intervals. */
    *ci = Yr > 0 ? 1 - acc / (Wr * Yr) : NAN;
}

/* Statistics of the sample itself, in the same order as stats_resample. */
static void stats(const boot_ctx *c, double *g, double *t, double *ci)
{
    ld W = 0, Y = 0, Yl = 0, acc = 0, cum = 0;
    for (size_t j = 0; j < c->n; j++) {
        size_t i = c->ox[j];
        ld wi = wt(c, i), ai = c->a[i];
        acc += wi * (2 * cum + ai);
        cum += ai;
        W += wi;
        Y += ai;
        Yl += c->l[i];
    }
    *g = (double)(1 - acc / (W * Y));
    *t = (double)(Yl / Y - logl(Y / W));
    if (!c->orank) {
        *ci = NAN;
        return;
    }
    ld Wr = 0, Yr = 0;
    acc = cum = 0;
    for (size_t b = 0; b < c->nblocks; b++) {
        ld Wb = 0, Yb = 0;
        for (size_t j = c->bstart[b]; j < c->bstart[b + 1]; j++) {
            size_t i = c->orank[j];
            Wb += wt(c, i);
            Yb += c->a[i];
        }
        acc += Wb * (2 * cum + Yb);
        cum += Yb;
        Wr += Wb;
        Yr += Yb;
    }
    *ci = Yr > 0 ? (double)(1 - acc / (Wr * Yr)) : NAN;
}

/* The resample generator: xoshiro256** (Blackman & Vigna 2021), inline, one
 * per block of PMS_BOOT_BLOCK replicates, its state filled by splitmix64 from
 * pms_boot_block_seed(seed, block), so the replicates are the same for any
 * number of threads.  Drawing dominated the resample (an indirect call into
 * GSL's taus2 per draw); this costs about 1 ns per draw. */
typedef struct { uint64_t s[4]; uint32_t spare; int has_spare; } fair_rng;

static uint64_t splitmix(uint64_t *z)
{
    uint64_t x = (*z += 0x9e3779b97f4a7c15ULL);
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static void rng_seed(fair_rng *r, uint64_t seed, uint64_t block)
{
    uint64_t z = pms_boot_block_seed(seed, block);
    for (int k = 0; k < 4; k++) r->s[k] = splitmix(&z);
    r->has_spare = 0;
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline uint64_t next64(fair_rng *r)
{
    uint64_t *s = r->s, out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return out;
}

/* 32-bit draws, two per 64-bit output (high half first). */
static inline uint32_t next32(fair_rng *r)
{
    if (r->has_spare) {
        r->has_spare = 0;
        return r->spare;
    }
    uint64_t v = next64(r);
    r->spare = (uint32_t)v;
    r->has_spare = 1;
    return (uint32_t)(v >> 32);
}

/* Unbiased in [0, n): Lemire's multiply-shift with rejection (Lemire 2019),
 * t = 2^32 mod n precomputed. */
static inline uint32_t draw(fair_rng *r, uint32_t n, uint32_t t)
{
    uint64_t m = (uint64_t)next32(r) * n;
    while ((uint32_t)m < t) m = (uint64_t)next32(r) * n;
    return (uint32_t)(m >> 32);
}

/* Above this many units the counts (4 bytes each) outgrow the core's
 * cache and counting straight into them costs a cache miss per draw. */
#define BIG_N ((size_t)1 << 17)
enum { SPAN_BITS = 12 }; /* a bucket spans 4096 positions: 16 KB of counts */

/* One resample: n draws counted into counts[0..n) (n < 2^32).  Above BIG_N
 * the draws are written out (scratch: 2n + n/4096 + 2 words), scattered into
 * buckets of 4096 positions and counted bucket by bucket, so every increment
 * hits a 16 KB window: three sequential passes instead of n random
 * increments, the same counts. */
static void resample(fair_rng *r, size_t n, unsigned *counts, uint32_t *scratch)
{
    uint32_t n32 = (uint32_t)n, t = (uint32_t)(-n32) % n32;
    memset(counts, 0, n * sizeof *counts);
    if (n < BIG_N) {
        for (size_t i = 0; i < n; i++) counts[draw(r, n32, t)]++;
        return;
    }
    uint32_t *d = scratch, *sorted = scratch + n, *start = scratch + 2 * n;
    size_t nb = (n >> SPAN_BITS) + 1;
    memset(start, 0, (nb + 1) * sizeof *start);
    for (size_t i = 0; i < n; i++) {
        d[i] = draw(r, n32, t);
        start[(d[i] >> SPAN_BITS) + 1]++;
    }
    for (size_t b = 0; b < nb; b++) start[b + 1] += start[b];
    for (size_t i = 0; i < n; i++) sorted[start[d[i] >> SPAN_BITS]++] = d[i];
    for (size_t i = 0; i < n; i++) counts[sorted[i]]++;
}

static size_t scratch_words(size_t n) { return n < BIG_N ? 1 : 2 * n + (n >> SPAN_BITS) + 2; }

void pms_fair_counts(uint64_t seed, size_t replicate, size_t n, unsigned *counts)
{
    fair_rng r;
    rng_seed(&r, seed, replicate / PMS_BOOT_BLOCK);
    uint32_t *scratch = malloc(scratch_words(n) * sizeof *scratch);
    if (!scratch) return;
    for (size_t k = 0; k <= replicate % PMS_BOOT_BLOCK; k++) resample(&r, n, counts, scratch);
    free(scratch);
}

static pms_status run_block(size_t block, size_t first, size_t count, void *vctx)
{
    boot_ctx *c = vctx;
    fair_rng r;
    rng_seed(&r, c->seed, block);
    unsigned *m = malloc(c->n * sizeof *m);
    uint32_t *scratch = malloc(scratch_words(c->n) * sizeof *scratch);
    if (!m || !scratch) {
        free(m);
        free(scratch);
        return PMS_ENOMEM;
    }
    for (size_t k = 0; k < count; k++) {
        resample(&r, c->n, m, scratch); /* m[j]: copies of the unit at x position j */
        size_t j = first + k;
        stats_resample(c, m, &c->rep_g[j], &c->rep_t[j], &c->rep_c[j]);
    }
    free(m);
    free(scratch);
    return PMS_OK;
}

/* Leave-one-out values of the three statistics, O(n) in all. */
static void jackknife(const boot_ctx *c, double *jg, double *jt, double *jc, double cest)
{
    ld W = 0, Y = 0, Yl = 0, acc = 0, cum = 0;
    for (size_t j = 0; j < c->n; j++) {
        size_t i = c->ox[j];
        ld wi = wt(c, i), ai = c->a[i];
        acc += wi * (2 * cum + ai);
        cum += ai;
        W += wi;
        Y += ai;
        Yl += c->l[i];
    }
    ld cw = 0;
    cum = 0;
    for (size_t j = 0; j < c->n; j++) {
        size_t i = c->ox[j];
        ld wi = wt(c, i), ai = c->a[i];
        cw += wi;
        /* Unit i's own term, and 2 a_i for every unit of mass after it. */
        ld acc_i = acc - wi * (2 * cum + ai) - 2 * ai * (W - cw);
        cum += ai;
        jg[i] = (double)(1 - acc_i / ((W - wi) * (Y - ai)));
        jt[i] = (double)((Yl - c->l[i]) / (Y - ai) - logl((Y - ai) / (W - wi)));
    }
    if (!c->orank) return;
    for (size_t i = 0; i < c->n; i++) jc[i] = cest;   /* unranked units leave C unchanged */
    ld Wr = 0, Yr = 0;
    acc = cum = 0;
    for (size_t b = 0; b < c->nblocks; b++) {
        ld Wb = 0, Yb = 0;
        for (size_t j = c->bstart[b]; j < c->bstart[b + 1]; j++) {
            Wb += wt(c, c->orank[j]);
            Yb += c->a[c->orank[j]];
        }
        acc += Wb * (2 * cum + Yb);
        cum += Yb;
        Wr += Wb;
        Yr += Yb;
    }
    ld cwb = 0, Ybefore = 0;
    for (size_t b = 0; b < c->nblocks; b++) {
        ld Wb = 0, Yb = 0;
        for (size_t j = c->bstart[b]; j < c->bstart[b + 1]; j++) {
            Wb += wt(c, c->orank[j]);
            Yb += c->a[c->orank[j]];
        }
        cwb += Wb;
        for (size_t j = c->bstart[b]; j < c->bstart[b + 1]; j++) {
            size_t i = c->orank[j];
            ld wi = wt(c, i), ai = c->a[i];
            ld acc_i = acc - Wb * (2 * Ybefore + Yb) + (Wb - wi) * (2 * Ybefore + Yb - ai) -
                       2 * ai * (Wr - cwb);
            ld Wri = Wr - wi, Yri = Yr - ai;
            jc[i] = Yri > 0 && Wri > 0 ? (double)(1 - acc_i / (Wri * Yri)) : NAN;
        }
        Ybefore += Yb;
    }
}

static pms_status check_args(const double *x, const double *w, size_t n,
                             const pms_fair_boot_opts *o, pms_err *err)
{
    if (n < 2) return pms_err_set(err, PMS_ETOOFEW, "bootstrap: %zu unit%s, need 2", n,
                                  n == 1 ? "" : "s");
    if (n > 0xffffffffu)
        return pms_err_set(err, PMS_EUSAGE, "bootstrap: %zu units, at most 2^32 - 1", n);
    if (o->replicates < 2)
        return pms_err_set(err, PMS_ETOOFEW, "bootstrap: %zu replicates, need at least 2",
                           o->replicates);
    if (!(o->level > 0 && o->level < 1))
        return pms_err_set(err, PMS_EDOMAIN, "bootstrap: level %g is not in (0, 1)", o->level);
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i]) || (w && !isfinite(w[i])))
            return pms_err_set(err, PMS_ENONFINITE, "bootstrap: value or weight %zu is not finite",
                               i + 1);
        if (!(x[i] > 0))
            return pms_err_set(err, PMS_EDOMAIN, "bootstrap: value %zu is not positive (%.17g)",
                               i + 1, x[i]);
        if (w && !(w[i] > 0))
            return pms_err_set(err, PMS_EDOMAIN, "bootstrap: weight %zu is not positive (%.17g)",
                               i + 1, w[i]);
        if (o->rank_by && isinf(o->rank_by[i]))
            return pms_err_set(err, PMS_ENONFINITE, "bootstrap: ranking value %zu is infinite",
                               i + 1);
    }
    return PMS_OK;
}

static void ctx_free(boot_ctx *c)
{
    free(c->a);
    free(c->l);
    free(c->ox);
    free(c->xs);
    free(c->rs);
    free(c->orank);
    free(c->bstart);
    free(c->rep_g);
    free(c->rep_t);
    free(c->rep_c);
}

/* The rank order and its blocks of ties, in k (scratch, n entries). */
static pms_status rank_order(boot_ctx *c, const pms_fair_boot_opts *o, key_idx *k,
                             pms_fair_boot_result *out, pms_err *err)
{
    size_t nr = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (isnan(o->rank_by[i])) continue;
        k[nr].key = o->dir == PMS_RANK_DESCENDING ? -o->rank_by[i] : o->rank_by[i];
        k[nr].idx = i;
        nr++;
    }
    out->conc_n = nr;
    if (nr < 2)
        return pms_err_set(err, PMS_ETOOFEW, "bootstrap: %zu ranked unit%s, need 2", nr,
                           nr == 1 ? "" : "s");
    if (pms_sort_keys(k, nr)) return PMS_ENOMEM;
    c->orank = malloc(nr * sizeof *c->orank);
    c->bstart = malloc((nr + 1) * sizeof *c->bstart);
    if (!c->orank || !c->bstart) return PMS_ENOMEM;
    c->nr = nr;
    for (size_t j = 0; j < nr; j++) {
        c->orank[j] = k[j].idx;
        if (j == 0 || k[j].key != k[j - 1].key) c->bstart[c->nblocks++] = j;
    }
    c->bstart[c->nblocks] = nr;
    return PMS_OK;
}

/* Sort once (by x; by the ranking variable) and lay the data out in walk
 * order. */
static pms_status ctx_build(boot_ctx *c, const double *x, const double *w,
                            const pms_fair_boot_opts *o, pms_fair_boot_result *out, pms_err *err)
{
    size_t n = c->n;
    key_idx *k = malloc(n * sizeof *k);
    size_t *xpos = malloc(n * sizeof *xpos);
    c->a = malloc(n * sizeof *c->a);
    c->l = malloc(n * sizeof *c->l);
    c->ox = malloc(n * sizeof *c->ox);
    c->xs = malloc(n * sizeof *c->xs);
    pms_status st = PMS_ENOMEM;
    if (!k || !xpos || !c->a || !c->l || !c->ox || !c->xs) goto done;
    for (size_t i = 0; i < n; i++) {
        c->a[i] = (w ? w[i] : 1.0) * x[i];
        c->l[i] = c->a[i] * log(x[i]);
        k[i].key = x[i];
        k[i].idx = i;
    }
    if (pms_sort_keys(k, n)) goto done; /* st is PMS_ENOMEM */
    for (size_t j = 0; j < n; j++) {
        size_t i = k[j].idx;
        c->ox[j] = i;
        xpos[i] = j;
        c->xs[j].w = w ? w[i] : 1.0;
        c->xs[j].a = c->a[i];
        c->xs[j].l = c->l[i];
    }
    if (o->rank_by) {
        if ((st = rank_order(c, o, k, out, err)) != PMS_OK) goto done;
        st = PMS_ENOMEM;
        if (!(c->rs = malloc(c->nr * sizeof *c->rs))) goto done;
        for (size_t j = 0; j < c->nr; j++) {
            size_t i = c->orank[j];
            c->rs[j].w = w ? w[i] : 1.0;
            c->rs[j].a = c->a[i];
            c->rs[j].p = xpos[i];
        }
    }
    st = PMS_OK;
done:
    free(k);
    free(xpos);
    return st;
}

pms_status pms_fair_bootstrap(const double *x, const double *w, size_t n,
                              const pms_fair_boot_opts *o, pms_fair_boot_result *out,
                              pms_err *err)
{
    memset(out, 0, sizeof *out);
    pms_status st = check_args(x, w, n, o, err);
    if (st) return st;
    boot_ctx c;
    memset(&c, 0, sizeof c);
    c.n = n;
    c.w = w;
    c.R = o->replicates;
    c.seed = o->seed;
    double *jg = malloc(n * sizeof *jg), *jt = malloc(n * sizeof *jt),
           *jc = malloc(n * sizeof *jc);
    c.rep_g = malloc(c.R * sizeof *c.rep_g);
    c.rep_t = malloc(c.R * sizeof *c.rep_t);
    c.rep_c = malloc(c.R * sizeof *c.rep_c);
    st = PMS_ENOMEM;
    if (!c.rep_g || !c.rep_t || !c.rep_c || !jg || !jt || !jc) goto done;
    if ((st = ctx_build(&c, x, w, o, out, err)) != PMS_OK) goto done;
    double g0, t0, c0;
    stats(&c, &g0, &t0, &c0);
    if ((st = pms_boot_run_blocks(c.R, o->threads, run_block, &c)) != PMS_OK) {
        pms_err_set(err, st, "bootstrap: %s", pms_strerror(st));
        goto done;
    }
    jackknife(&c, jg, jt, jc, c0);
    if (o->keep_replicates) {
        memcpy(o->keep_replicates, c.rep_g, c.R * sizeof *c.rep_g);
        memcpy(o->keep_replicates + c.R, c.rep_t, c.R * sizeof *c.rep_t);
        memcpy(o->keep_replicates + 2 * c.R, c.rep_c, c.R * sizeof *c.rep_c);
    }
    if (o->keep_jackknife) {
        memcpy(o->keep_jackknife, jg, n * sizeof *jg);
        memcpy(o->keep_jackknife + n, jt, n * sizeof *jt);
        for (size_t i = 0; i < n; i++) o->keep_jackknife[2 * n + i] = o->rank_by ? jc[i] : NAN;
    }
    if ((st = pms_boot_intervals(g0, c.rep_g, c.R, jg, n, o->level, &out->gini)) ||
        (st = pms_boot_intervals(t0, c.rep_t, c.R, jt, n, o->level, &out->theil_t)) ||
        (o->rank_by &&
         (st = pms_boot_intervals(c0, c.rep_c, c.R, jc, n, o->level, &out->conc)))) {
        pms_err_set(err, st, "bootstrap intervals: %s", pms_strerror(st));
        goto done;
    }
    st = PMS_OK;
done:
    if (st == PMS_ENOMEM && (!err || !err->msg[0]))
        pms_err_set(err, st, "bootstrap: out of memory");
    ctx_free(&c);
    free(jg);
    free(jt);
    free(jc);
    return st;
}
