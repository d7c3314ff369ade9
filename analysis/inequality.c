/* Inequality measures.  Sums run in long double: the shares of 7,800
 * practices are added in one pass, and extended precision keeps the
 * cancellation in 1 - sum(...) (Gini) and in the log terms (Theil) below
 * 1e-15 of the result without a second, compensated pass. */
#include "inequality.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef long double ld;

/* x finite and >= 0 (or > 0 when strict), w finite and > 0. */
static pms_status check_xw(const char *what, const double *x, const double *w, size_t n,
                           int strict, pms_err *err)
{
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i]))
            return pms_err_set(err, PMS_ENONFINITE, "%s: value %zu is not finite", what, i + 1);
        if (strict ? !(x[i] > 0) : !(x[i] >= 0))
            return pms_err_set(err, PMS_EDOMAIN, "%s: value %zu is %s (%.17g)", what, i + 1,
                               strict ? "not positive" : "negative", x[i]);
        if (w) {
            if (!isfinite(w[i]))
                return pms_err_set(err, PMS_ENONFINITE, "%s: weight %zu is not finite", what,
                                   i + 1);
            if (!(w[i] > 0))
                return pms_err_set(err, PMS_EDOMAIN, "%s: weight %zu is not positive (%.17g)",
                                   what, i + 1, w[i]);
        }
    }
    return PMS_OK;
}

typedef struct { double x, w; } xw_pair;

static int cmp_pair_x(const void *a, const void *b)
{
    double u = ((const xw_pair *)a)->x, v = ((const xw_pair *)b)->x;
    return (u > v) - (u < v);
}

pms_status pms_ineq_gini(const double *x, const double *w, size_t n, double *gini, pms_err *err)
{
    if (n == 0) return pms_err_set(err, PMS_ETOOFEW, "Gini: no observations");
    pms_status s = check_xw("Gini", x, w, n, 0, err);
    if (s != PMS_OK) return s;
    xw_pair *p = malloc(n * sizeof *p);
    if (!p) return pms_err_set(err, PMS_ENOMEM, "Gini: out of memory");
    ld W = 0, T = 0;
    for (size_t i = 0; i < n; i++) {
        p[i].x = x[i];
        p[i].w = w ? w[i] : 1.0;
        W += p[i].w;
        T += (ld)p[i].w * p[i].x;
    }
    if (!(T > 0)) {
        free(p);
        return pms_err_set(err, PMS_EDOMAIN, "Gini: the values sum to zero");
    }
    /* Ties need no care: tied units lie on one straight piece of the Lorenz
     * curve, whose area does not depend on their order. */
    qsort(p, n, sizeof *p, cmp_pair_x);
    /* sum_i (P_i - P_{i-1})(L_i + L_{i-1}) = sum_i w_i (2 C_{i-1} + w_i x_i) / (W T),
     * C_{i-1} the amount below unit i. */
    ld C = 0, acc = 0;
    for (size_t i = 0; i < n; i++) {
        ld a = (ld)p[i].w * p[i].x;
        acc += (ld)p[i].w * (2 * C + a);
        C += a;
    }
    free(p);
    *gini = (double)(1 - acc / (W * T));
    return PMS_OK;
}

pms_status pms_ineq_theil_t(const double *x, const double *w, const size_t *group,
                            size_t ngroups, size_t n, pms_ineq_decomp *out, pms_err *err)
{
    if (n == 0) return pms_err_set(err, PMS_ETOOFEW, "Theil T: no observations");
    pms_status s = check_xw("Theil T", x, w, n, 1, err);
    if (s != PMS_OK) return s;
    size_t G = group ? ngroups : 1;
    if (group) {
        if (ngroups == 0) return pms_err_set(err, PMS_EDOMAIN, "Theil T: no groups");
        for (size_t i = 0; i < n; i++)
            if (group[i] >= ngroups)
                return pms_err_set(err, PMS_EDOMAIN,
                                   "Theil T: group %zu of value %zu is not below %zu",
                                   group[i], i + 1, ngroups);
    }
    /* Per group: weight W_g, amount Y_g, and sum of w x ln x. */
    ld *acc = calloc(3 * G, sizeof *acc);
    if (!acc) return pms_err_set(err, PMS_ENOMEM, "Theil T: out of memory");
    ld W = 0, Y = 0, Yl = 0;
    for (size_t i = 0; i < n; i++) {
        size_t g = group ? group[i] : 0;
        ld wi = w ? w[i] : 1.0L, a = wi * x[i], l = a * logl((ld)x[i]);
        acc[3 * g] += wi;
        acc[3 * g + 1] += a;
        acc[3 * g + 2] += l;
        W += wi;
        Y += a;
        Yl += l;
    }
    ld mu = Y / W;
    /* T = sum s_i ln(x_i/mu) = (sum w x ln x)/Y - ln mu; T_g likewise inside g.
     * Both parts are computed from their own definitions. */
    ld between = 0, within = 0;
    for (size_t g = 0; g < G; g++) {
        ld Wg = acc[3 * g], Yg = acc[3 * g + 1];
        if (Wg == 0) continue;
        ld mug = Yg / Wg, Sg = Yg / Y;
        between += Sg * logl(mug / mu);
        within += Sg * (acc[3 * g + 2] / Yg - logl(mug));
    }
    free(acc);
    out->total = (double)(Yl / Y - logl(mu));
    out->between = group ? (double)between : 0.0;
    out->within = (double)within;
    return PMS_OK;
}
