/* Bootstrap of Gini, Theil T and the concentration index by multiplicity
 * vectors over a fixed sort (see fairness.h for the method). */
#include "analysis/fairness.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* gsl_rng_get inline, as in bootstrap.c. */
#define HAVE_INLINE 1
#include <gsl/gsl_rng.h>

typedef long double ld;

typedef struct { double key; size_t idx; } key_idx;

static int cmp_key(const void *a, const void *b)
{
    const key_idx *u = a, *v = b;
    if (u->key != v->key) return (u->key > v->key) - (u->key < v->key);
    return (u->idx > v->idx) - (u->idx < v->idx);
}

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

/* Statistics of a resample with multiplicities m over the x order: the same
 * sums in the same order as stats() below.  No test for m = 0 (a third of
 * the units, at random: a mispredicted branch each): a unit of zero mass
 * adds exact zeros to every sum, so the result is the same to the bit. */
static void stats_resample(const boot_ctx *c, const unsigned *m, double *g, double *t,
                           double *ci)
{
    enum { AHEAD = 16 };
    ld W = 0, Y = 0, Yl = 0, acc = 0, cum = 0;
    const struct xunit *xs = c->xs;
    size_t n = c->n;
    for (size_t j = 0; j < n; j++) {
        ld k = m[j];
        ld wi = k * (ld)xs[j].w, ai = k * (ld)xs[j].a;
        acc += wi * (2 * cum + ai);
        cum += ai;
        W += wi;
        Y += ai;
        Yl += k * (ld)xs[j].l;
    }
    *g = (double)(1 - acc / (W * Y));
    *t = (double)(Yl / Y - logl(Y / W));
    if (!c->orank) {
        *ci = NAN;
        return;
    }
    const struct runit *rs = c->rs;
    ld Wr = 0, Yr = 0;
    acc = cum = 0;
    for (size_t b = 0; b < c->nblocks; b++) {
        ld Wb = 0, Yb = 0;
        for (size_t j = c->bstart[b]; j < c->bstart[b + 1]; j++) {
            if (j + AHEAD < c->nr) PREFETCH(&m[rs[j + AHEAD].p]);
            ld k = m[rs[j].p];
            Wb += k * (ld)rs[j].w;
            Yb += k * (ld)rs[j].a;
        }
        acc += Wb * (2 * cum + Yb);
        cum += Yb;
        Wr += Wb;
        Yr += Yb;
    }
    /* A resample with no ranked unit (only possible for tiny samples) has
     * no index: NaN, dropped and counted out by pms_boot_intervals. */
    *ci = Yr > 0 ? (double)(1 - acc / (Wr * Yr)) : NAN;
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

/* Above this many units the counts (4 bytes each) outgrow the core's
 * cache and drawing straight into them costs a cache miss per draw. */
#define BIG_N ((size_t)1 << 17)
enum { SPAN_BITS = 12 }; /* a bucket spans 4096 positions: 16 KB of counts */

/* pms_boot_multiplicities(r, n, counts) for large n, count for count the same
 * (the same draws: Lemire's multiply-shift with rejection on the generator's
 * 32-bit output, copied from bootstrap.c's draw_below), but cache-friendly:
 * the draws are written out, scattered into buckets of 4096 positions, and
 * counted bucket by bucket, so every increment hits a 16 KB window.
 * Three sequential passes instead of n random increments.  Checked against
 * pms_boot_multiplicities by test_fairness (test_big_resample). */
static void multiplicities_big(gsl_rng *r, size_t n, unsigned *counts, uint32_t *draw,
                               uint32_t *sorted, size_t *start)
{
    uint32_t n32 = (uint32_t)n, t = (uint32_t)(-n32) % n32;
    size_t nb = (n >> SPAN_BITS) + 1;
    memset(start, 0, (nb + 1) * sizeof *start);
    for (size_t i = 0; i < n; i++) {
        uint64_t m = (uint64_t)(uint32_t)gsl_rng_get(r) * n32;
        while ((uint32_t)m < t) m = (uint64_t)(uint32_t)gsl_rng_get(r) * n32;
        uint32_t v = (uint32_t)(m >> 32);
        draw[i] = v;
        start[(v >> SPAN_BITS) + 1]++;
    }
    for (size_t b = 0; b < nb; b++) start[b + 1] += start[b];
    for (size_t i = 0; i < n; i++) sorted[start[draw[i] >> SPAN_BITS]++] = draw[i];
    memset(counts, 0, n * sizeof *counts);
    for (size_t i = 0; i < n; i++) counts[sorted[i]]++;
}

/* bootstrap.c draws this way only from a full 32-bit generator (taus2 is). */
static int big_ok(const gsl_rng *r, size_t n)
{
    return n >= BIG_N && n <= 0xffffffffu && gsl_rng_min(r) == 0 &&
           gsl_rng_max(r) == 0xffffffffUL;
}

static pms_status run_block(size_t block, size_t first, size_t count, void *vctx)
{
    boot_ctx *c = vctx;
    gsl_rng *r = pms_boot_rng_new(c->seed, block);
    unsigned *m = malloc(c->n * sizeof *m);
    int big = r && big_ok(r, c->n);
    uint32_t *draw = big ? malloc(2 * c->n * sizeof *draw) : NULL;
    size_t *start = big ? malloc(((c->n >> SPAN_BITS) + 2) * sizeof *start) : NULL;
    if (!r || !m || (big && (!draw || !start))) {
        pms_boot_rng_free(r);
        free(m);
        free(draw);
        free(start);
        return PMS_ENOMEM;
    }
    for (size_t k = 0; k < count; k++) {
        /* m[j]: copies of the unit at x position j */
        if (big) multiplicities_big(r, c->n, m, draw, draw + c->n, start);
        else pms_boot_multiplicities(r, c->n, m);
        size_t j = first + k;
        stats_resample(c, m, &c->rep_g[j], &c->rep_t[j], &c->rep_c[j]);
    }
    pms_boot_rng_free(r);
    free(m);
    free(draw);
    free(start);
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
    qsort(k, nr, sizeof *k, cmp_key);
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
    qsort(k, n, sizeof *k, cmp_key);
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
