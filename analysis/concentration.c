/* Concentration index by the covariance formula on weighted fractional ranks.
 * The sort is on a copy (index array): inputs stay in the caller's order. */
#include "analysis/concentration.h"
#include "analysis/sort.h"

#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_cdf.h>

typedef long double ld;

typedef pms_sort_key key_idx;

/* Check x, w (when given) and rank_by (when given) as pms_conc_index
 * always has: unit by unit, the value, then its rank, then its weight. */
static pms_status validate(const double *x, const double *w, const double *rank_by, size_t n,
                           pms_err *err)
{
    if (n < 2) return pms_err_set(err, PMS_ETOOFEW, "concentration index: %zu observation%s, need 2",
                                  n, n == 1 ? "" : "s");
    for (size_t i = 0; i < n; i++) {
        if (x && !isfinite(x[i]))
            return pms_err_set(err, PMS_ENONFINITE, "concentration index: value %zu is not finite",
                               i + 1);
        if (rank_by && !isfinite(rank_by[i]))
            return pms_err_set(err, PMS_ENONFINITE,
                               "concentration index: ranking value %zu is not finite", i + 1);
        if (w && !isfinite(w[i]))
            return pms_err_set(err, PMS_ENONFINITE, "concentration index: weight %zu is not finite",
                               i + 1);
        if (w && !(w[i] > 0))
            return pms_err_set(err, PMS_EDOMAIN,
                               "concentration index: weight %zu is not positive (%.17g)", i + 1,
                               w[i]);
    }
    return PMS_OK;
}

/* An index sorted on the ranking variable (ties kept in input order). */
static key_idx *sort_index(const double *rank_by, size_t n, pms_rank_dir dir, pms_err *err)
{
    key_idx *k = malloc(n * sizeof *k);
    if (!k) {
        pms_err_set(err, PMS_ENOMEM, "concentration index: out of memory");
        return NULL;
    }
    /* Descending = ascending on the negated key: the same tie blocks, reversed. */
    for (size_t i = 0; i < n; i++) {
        k[i].key = dir == PMS_RANK_DESCENDING ? -rank_by[i] : rank_by[i];
        k[i].idx = i;
    }
    if (pms_sort_keys(k, n)) {
        free(k);
        pms_err_set(err, PMS_ENOMEM, "concentration index: out of memory");
        return NULL;
    }
    return k;
}

/* The weights W and amounts Y summed in input order; the mean must be positive. */
static pms_status sums(const double *x, const double *w, size_t n, ld *Wout, ld *Yout,
                       pms_err *err)
{
    ld W = 0, Y = 0;
    for (size_t i = 0; i < n; i++) {
        ld wi = w ? w[i] : 1.0L;
        W += wi;
        Y += wi * x[i];
    }
    if (!(Y / W > 0))
        return pms_err_set(err, PMS_EDOMAIN,
                           "concentration index: the weighted mean of the values is not positive");
    *Wout = W;
    *Yout = Y;
    return PMS_OK;
}

/* Validate, sort an index on the ranking variable and sum the weights W and
 * amounts Y.  On success *out holds the sorted index, freed by the caller. */
static pms_status prepare(const double *x, const double *w, const double *rank_by, size_t n,
                          pms_rank_dir dir, key_idx **out, ld *Wout, ld *Yout, pms_err *err)
{
    pms_status s = validate(x, w, rank_by, n, err);
    if (s) return s;
    key_idx *k = sort_index(rank_by, n, dir, err);
    if (!k) return PMS_ENOMEM;
    if ((s = sums(x, w, n, Wout, Yout, err))) {
        free(k);
        return s;
    }
    *out = k;
    return PMS_OK;
}

/* C from the sorted index.  The weighted mean of R is exactly 1/2 (each tie
 * block's shared rank is its weighted mean), so cov_w(x, R) = sum w_i x_i
 * (R_i - 1/2) / W. */
static double index_sorted(const key_idx *k, const double *x, const double *w, size_t n, ld W,
                           ld mu)
{
    ld before = 0, acc = 0;
    for (size_t a = 0; a < n;) {
        size_t b = a;
        ld Wb = 0, Yb = 0;
        while (b < n && k[b].key == k[a].key) {
            size_t i = k[b].idx;
            ld wi = w ? w[i] : 1.0L;
            Wb += wi;
            Yb += wi * x[i];
            b++;
        }
        ld R = (before + Wb / 2) / W;
        acc += Yb * (R - 0.5L);
        before += Wb;
        a = b;
    }
    return (double)(2 * (acc / W) / mu);
}

struct pms_conc_order {
    size_t n;
    key_idx *k;
};

pms_conc_order *pms_conc_order_new(const double *rank_by, size_t n, pms_rank_dir dir,
                                   pms_err *err)
{
    if (validate(NULL, NULL, rank_by, n, err)) return NULL;
    pms_conc_order *o = malloc(sizeof *o);
    if (!o) {
        pms_err_set(err, PMS_ENOMEM, "concentration index: out of memory");
        return NULL;
    }
    o->n = n;
    if (!(o->k = sort_index(rank_by, n, dir, err))) {
        free(o);
        return NULL;
    }
    return o;
}

void pms_conc_order_free(pms_conc_order *o)
{
    if (!o) return;
    free(o->k);
    free(o);
}

/* C from a sorted index, or the overflow error. */
static pms_status index_of(const key_idx *k, const double *x, const double *w, size_t n, ld W,
                           ld Y, double *ci, pms_err *err)
{
    double v = index_sorted(k, x, w, n, W, Y / W);
    if (!isfinite(v))
        return pms_err_set(err, PMS_ENONFINITE, "concentration index not computed: the sums "
                                                "overflow (values too large)");
    *ci = v;
    return PMS_OK;
}

pms_status pms_conc_index_ordered(const double *x, const double *w, const pms_conc_order *o,
                                  double *ci, pms_err *err)
{
    ld W = 0, Y = 0;
    pms_status s = validate(x, w, NULL, o->n, err);
    if (!s) s = sums(x, w, o->n, &W, &Y, err);
    return s ? s : index_of(o->k, x, w, o->n, W, Y, ci, err);
}

pms_status pms_conc_index(const double *x, const double *w, const double *rank_by, size_t n,
                          pms_rank_dir dir, double *ci, pms_err *err)
{
    key_idx *k = NULL;
    ld W = 0, Y = 0;
    pms_status s = prepare(x, w, rank_by, n, dir, &k, &W, &Y, err);
    if (s != PMS_OK) return s;
    s = index_of(k, x, w, n, W, Y, ci, err);
    free(k);
    return s;
}

const char *pms_conc_sign_convention(pms_rank_dir dir)
{
    return dir == PMS_RANK_DESCENDING
               ? "units ranked from the highest to the lowest ranking value; C < 0 means the "
                 "amount is concentrated among units with high ranking values (ranked first), "
                 "C > 0 among units with low ones"
               : "units ranked from the lowest to the highest ranking value; C < 0 means the "
                 "amount is concentrated among units with low ranking values (ranked first), "
                 "C > 0 among units with high ones";
}

pms_status pms_conc_compute(const double *x, const double *w, const double *rank_by, size_t n,
                            pms_rank_dir dir, double level, pms_conc_result *out, pms_err *err)
{
    if (!(level > 0 && level < 1))
        return pms_err_set(err, PMS_EDOMAIN, "concentration index: level %g is not in (0, 1)",
                           level);
    key_idx *k = NULL;
    ld W = 0, Y = 0;
    pms_status s = prepare(x, w, rank_by, n, dir, &k, &W, &Y, err);
    if (s != PMS_OK) return s;
    ld mu = Y / W, v = 0, vg = 0, before_w = 0, before_y = 0;
    double C = index_sorted(k, x, w, n, W, mu);
    for (size_t a = 0; a < n;) {
        size_t b = a;
        ld Wb = 0, Yb = 0;
        for (; b < n && k[b].key == k[a].key; b++) {
            ld wi = w ? w[k[b].idx] : 1.0L;
            Wb += wi;
            Yb += wi * x[k[b].idx];
        }
        ld R = (before_w + Wb / 2) / W, q0 = before_y / Y, q1 = (before_y + Yb) / Y;
        for (size_t j = a; j < b; j++) {
            size_t i = k[j].idx;
            ld f = (w ? w[i] : 1.0L) / W;
            ld infl = (x[i] / mu) * (2 * R - 1 - C) + 2 - q0 - q1 - 1 - C;
            ld ig = mu * infl + C * (x[i] - mu);
            v += f * f * infl * infl;
            vg += f * f * ig * ig;
        }
        before_w += Wb;
        before_y += Yb;
        a = b;
    }
    free(k);
    double z = gsl_cdf_ugaussian_Pinv((1 + level) / 2);
    out->n = n;
    out->dir = dir;
    out->level = level;
    out->mean = (double)mu;
    out->ci = C;
    out->se = (double)sqrtl(v);
    out->ci_low = C - z * out->se;
    out->ci_high = C + z * out->se;
    out->generalized = (double)(mu * C);
    out->se_generalized = (double)sqrtl(vg);
    return PMS_OK;
}
