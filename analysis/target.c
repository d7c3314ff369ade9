/* Fair shares and distance from target (see target.h). */
#include "analysis/target.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/correlate.h"
#include "analysis/savings.h"

void pms_target_result_free(pms_target_result *r)
{
    if (!r) return;
    free(r->target);
    free(r->distance);
    free(r->distance_pct);
    free(r->pool_pot);
    free(r->pool_n);
    free(r->loc_actual);
    free(r->loc_target);
    free(r->loc_distance_pct);
    free(r->loc_n);
    memset(r, 0, sizeof *r);
}

void pms_target_band_add(pms_target_bands *b, double d)
{
    if (isnan(d)) return;
    b->over5 += d > 0.05;
    b->over10 += d > 0.10;
    b->under5 += d < -0.05;
    b->under10 += d < -0.10;
}

static pms_status alloc_result(pms_target_result *r, size_t n, size_t npool, size_t nloc)
{
    r->n = n, r->npool = npool, r->nloc = nloc;
    r->target = malloc(n * sizeof *r->target);
    r->distance = malloc(n * sizeof *r->distance);
    r->distance_pct = malloc(n * sizeof *r->distance_pct);
    r->pool_pot = calloc(npool, sizeof *r->pool_pot);
    r->pool_n = calloc(npool, sizeof *r->pool_n);
    r->loc_actual = calloc(nloc ? nloc : 1, sizeof *r->loc_actual);
    r->loc_target = calloc(nloc ? nloc : 1, sizeof *r->loc_target);
    r->loc_distance_pct = calloc(nloc ? nloc : 1, sizeof *r->loc_distance_pct);
    r->loc_n = calloc(nloc ? nloc : 1, sizeof *r->loc_n);
    if (!r->target || !r->distance || !r->distance_pct || !r->pool_pot || !r->pool_n ||
        !r->loc_actual || !r->loc_target || !r->loc_distance_pct || !r->loc_n)
        return PMS_ENOMEM;
    return PMS_OK;
}

/* Targets pool by pool: the practices of each pool gathered in input order
 * (a counting sort by pool), apportioned, scattered back. */
static pms_status apportion_pools(const pms_target_input *in, pms_target_result *r, pms_err *err)
{
    size_t n = in->n, np = r->npool;
    size_t *start = calloc(np + 1, sizeof *start), *order = malloc(n * sizeof *order),
           *scratch = malloc(n * sizeof *scratch);
    int64_t *w = malloc(n * sizeof *w), *out = malloc(n * sizeof *out);
    pms_status st = PMS_OK;
    if (!start || !order || !scratch || !w || !out) {
        st = pms_err_set(err, PMS_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        size_t p = in->pool ? in->pool[i] : 0;
        start[p + 1]++;
        r->pool_pot[p] += in->actual[i];
        r->pool_n[p]++;
    }
    for (size_t p = 0; p < np; p++) start[p + 1] += start[p];
    size_t *fill = scratch; /* borrowed as the write cursor, reused below */
    memcpy(fill, start, np * sizeof *fill);
    for (size_t i = 0; i < n; i++) order[fill[in->pool ? in->pool[i] : 0]++] = i;
    for (size_t p = 0; p < np; p++) {
        size_t a = start[p], k = start[p + 1] - a;
        if (!k) continue;
        if (r->pool_pot[p] < 0) {
            char name[32];
            snprintf(name, sizeof name, "pool %zu", p);
            st = pms_err_set(err, PMS_EDOMAIN,
                             "%s: its practices' money adds up to less than zero, so there is "
                             "no pot to share", in->pool_name ? in->pool_name[p] : name);
            goto done;
        }
        for (size_t j = 0; j < k; j++) w[j] = in->need_units[order[a + j]];
        pms_status ap = pms_sav_apportion(r->pool_pot[p], w, k, out, scratch);
        if (ap) {
            st = ap == PMS_ENOMEM ? pms_err_set(err, ap, "out of memory")
                                  : pms_err_set(err, PMS_EDOMAIN, "pool %zu: total need is out of range", p);
            goto done;
        }
        for (size_t j = 0; j < k; j++) r->target[order[a + j]] = out[j];
    }
done:
    free(start), free(order), free(scratch), free(w), free(out);
    return st;
}

/* Spearman's rho of distance_pct with IMD over the practices with both. */
static pms_status imd_correlation(const pms_target_input *in, pms_target_result *r,
                                  pms_err *err)
{
    r->imd_rho = r->imd_ci_low = r->imd_ci_high = r->imd_p = NAN;
    if (!in->imd) return PMS_OK;
    double *x = malloc(in->n * sizeof *x), *y = malloc(in->n * sizeof *y);
    if (!x || !y) {
        free(x), free(y);
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    size_t m = 0;
    for (size_t i = 0; i < in->n; i++) {
        if (isnan(in->imd[i]) || isnan(r->distance_pct[i])) continue;
        x[m] = r->distance_pct[i];
        y[m++] = in->imd[i];
    }
    r->imd_n = m;
    pms_status st = PMS_OK;
    if (m >= 4) {
        pms_corr_opts o;
        pms_corr_opts_default(&o);
        o.method = PMS_CORR_SPEARMAN;
        pms_corr_result c;
        pms_err ignore;
        /* A constant column (every practice exactly on target) has no rank
         * correlation: left NaN rather than failing the whole analysis. */
        st = pms_corr_test(x, y, NULL, m, &o, &c, &ignore);
        if (st == PMS_OK) {
            r->imd_rho = c.estimate;
            r->imd_ci_low = c.ci_low;
            r->imd_ci_high = c.ci_high;
            r->imd_p = c.p_value;
        } else if (st == PMS_ESINGULAR) {
            st = PMS_OK;
        } else {
            pms_err_set(err, st, "%s", ignore.msg);
        }
    }
    free(x), free(y);
    return st;
}

pms_status pms_target_compute(const pms_target_input *in, pms_target_result *out, pms_err *err)
{
    memset(out, 0, sizeof *out);
    if (!in->n) return pms_err_set(err, PMS_ETOOFEW, "no practices to share the pot between");
    size_t np = in->pool ? in->npool : 1;
    if (!np) return pms_err_set(err, PMS_EDOMAIN, "no pools");
    for (size_t i = 0; i < in->n; i++) {
        if (in->need_units[i] <= 0)
            return pms_err_set(err, PMS_EDOMAIN, "practice %zu: need must be positive", i);
        if ((in->pool && in->pool[i] >= np) || in->loc[i] >= in->nloc)
            return pms_err_set(err, PMS_EDOMAIN, "practice %zu: pool or locality out of range",
                               i);
    }
    pms_status st = alloc_result(out, in->n, np, in->nloc);
    if (st) {
        pms_target_result_free(out);
        return pms_err_set(err, st, "out of memory");
    }
    if ((st = apportion_pools(in, out, err))) goto fail;
    int64_t moved = 0;
    for (size_t i = 0; i < in->n; i++) {
        int64_t d = in->actual[i] - out->target[i];
        out->distance[i] = d;
        out->distance_pct[i] = out->target[i] ? (double)d / (double)out->target[i] : NAN;
        moved += d > 0 ? d : -d;
        pms_target_band_add(&out->bands, out->distance_pct[i]);
        size_t l = in->loc[i];
        out->loc_actual[l] += in->actual[i];
        out->loc_target[l] += out->target[i];
        out->loc_n[l]++;
    }
    for (size_t p = 0; p < np; p++) out->pot += out->pool_pot[p];
    /* Within each pool the distances add to zero, so the sum of |d| is even:
     * the halving is exact. */
    out->to_move = moved / 2;
    int64_t lmoved = 0;
    for (size_t l = 0; l < in->nloc; l++) {
        int64_t d = out->loc_actual[l] - out->loc_target[l];
        lmoved += d > 0 ? d : -d;
        out->loc_distance_pct[l] =
            out->loc_target[l] ? (double)d / (double)out->loc_target[l] : NAN;
        if (out->loc_n[l]) pms_target_band_add(&out->loc_bands, out->loc_distance_pct[l]);
    }
    out->loc_to_move = lmoved / 2;
    if ((st = imd_correlation(in, out, err))) goto fail;
    return PMS_OK;
fail:
    pms_target_result_free(out);
    return st;
}

static double removed(int64_t before, int64_t after)
{
    return before ? 1 - (double)after / (double)before : NAN;
}

/* One position: compute the targets of `in` and keep the summary. */
static pms_status axis_of(const pms_target_input *in, pms_target_axis *a, double *loc_pct,
                          size_t focus, pms_err *err)
{
    pms_target_result r;
    pms_status st = pms_target_compute(in, &r, err);
    if (st) return st;
    a->n = in->n, a->pot = r.pot, a->to_move = r.to_move, a->bands = r.bands;
    if (loc_pct) *loc_pct = focus < r.nloc ? r.loc_distance_pct[focus] : NAN;
    pms_target_result_free(&r);
    return PMS_OK;
}

/* The focus locality's practices as one pool of their own. */
static pms_status locality_axes(const pms_target_input *in, const int64_t *after, size_t focus,
                                pms_target_score *out, pms_err *err)
{
    size_t m = 0;
    for (size_t i = 0; i < in->n; i++) m += in->loc[i] == focus;
    if (!m) return PMS_OK;
    int64_t *a0 = malloc(m * sizeof *a0), *a1 = malloc(m * sizeof *a1),
            *u = malloc(m * sizeof *u);
    size_t *loc = calloc(m, sizeof *loc);
    pms_status st = PMS_OK;
    if (!a0 || !a1 || !u || !loc) {
        st = pms_err_set(err, PMS_ENOMEM, "out of memory");
        goto done;
    }
    m = 0;
    for (size_t i = 0; i < in->n; i++)
        if (in->loc[i] == focus) a0[m] = in->actual[i], a1[m] = after[i], u[m++] = in->need_units[i];
    pms_target_input sub = {m, a0, u, NULL, 1, NULL, loc, 1, NULL};
    if ((st = axis_of(&sub, &out->loc_before, NULL, 0, err))) goto done;
    sub.actual = a1;
    if ((st = axis_of(&sub, &out->loc_after, NULL, 0, err))) goto done;
    out->loc_removed = removed(out->loc_before.to_move, out->loc_after.to_move);
done:
    free(a0), free(a1), free(u), free(loc);
    return st;
}

pms_status pms_target_score_of(const pms_target_input *in, const int64_t *after, size_t focus,
                               pms_target_score *out, pms_err *err)
{
    memset(out, 0, sizeof *out);
    out->removed = out->loc_removed = NAN;
    out->loc_distance_pct_before = out->loc_distance_pct_after = NAN;
    pms_target_input x = *in;
    x.imd = NULL; /* no correlation needed */
    pms_status st = axis_of(&x, &out->before, &out->loc_distance_pct_before, focus, err);
    x.actual = after;
    if (!st) st = axis_of(&x, &out->after, &out->loc_distance_pct_after, focus, err);
    if (st) return st;
    out->removed = removed(out->before.to_move, out->after.to_move);
    return focus < in->nloc ? locality_axes(in, after, focus, out, err) : PMS_OK;
}
