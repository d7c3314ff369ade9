/* Inequality measures.  Sums run in long double: the shares of 7,800
 * practices are added in one pass, and extended precision keeps the
 * cancellation in 1 - sum(...) (Gini) and in the log terms (Theil) below
 * 1e-15 of the result without a second, compensated pass. */
#include "analysis/inequality.h"
#include "analysis/sort.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef long double ld;

/* Finite inputs can still overflow a sum or product (x w near 1e308 in
 * double, or its square): the result is then an error, never inf or NaN. */
static pms_status finite_or(double v, double *out, const char *what, pms_err *err)
{
    if (!isfinite(v))
        return pms_err_set(err, PMS_ENONFINITE, "%s not computed: the sums overflow (values "
                                                "too large for double precision)", what);
    *out = v;
    return PMS_OK;
}

static pms_status decomp_finite(pms_ineq_decomp *d, const char *what, pms_err *err)
{
    double t;
    if (finite_or(d->total, &t, what, err) || finite_or(d->between, &t, what, err) ||
        finite_or(d->within, &t, what, err)) {
        d->total = d->between = d->within = NAN;
        return PMS_ENONFINITE;
    }
    return PMS_OK;
}

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

/* A copy of (x, w) sorted by x (stable: ties in input order), with W = sum w
 * and T = sum w x; NULL if out of memory. */
static xw_pair *sorted_pairs(const double *x, const double *w, size_t n, ld *W, ld *T)
{
    xw_pair *p = malloc(n * sizeof *p);
    size_t *ord = malloc((n ? n : 1) * sizeof *ord);
    if (!p || !ord || pms_sort_index(x, n, ord)) {
        free(p);
        free(ord);
        return NULL;
    }
    *W = *T = 0;
    for (size_t i = 0; i < n; i++) {
        *W += w ? w[i] : 1.0;
        *T += (ld)(w ? w[i] : 1.0) * x[i];
    }
    for (size_t j = 0; j < n; j++) {
        p[j].x = x[ord[j]];
        p[j].w = w ? w[ord[j]] : 1.0;
    }
    free(ord);
    return p;
}

/* Ties need no care: tied units lie on one straight piece of the Lorenz
 * curve, whose area does not depend on their order.
 * sum_i (P_i - P_{i-1})(L_i + L_{i-1}) = sum_i w_i (2 C_{i-1} + w_i x_i) / (W T),
 * C_{i-1} the amount below unit i. */
static inline void gini_step(ld w, double x, ld *C, ld *acc)
{
    ld a = w * x;
    *acc += w * (2 * *C + a);
    *C += a;
}

static double gini_sorted(const xw_pair *p, size_t n, ld W, ld T)
{
    ld C = 0, acc = 0;
    for (size_t i = 0; i < n; i++) gini_step(p[i].w, p[i].x, &C, &acc);
    return (double)(1 - acc / (W * T));
}

/* R's type 1 takes j = floor(np + 4 eps) and steps up only if np > j + 4 eps;
 * the same fuzz on the weight scale keeps p = k/n on x_(k). */
static double quantile_sorted(const xw_pair *s, size_t n, ld W, double p)
{
    ld target = (ld)p * W - 4 * (ld)DBL_EPSILON * W, cum = 0;
    size_t k = 0;
    for (; k < n - 1; k++) {
        cum += s[k].w;
        if (cum >= target && cum > 0) break;
    }
    return s[k].x;
}

static void lorenz_sorted(const xw_pair *p, size_t n, ld W, ld T, double *P, double *L)
{
    ld cw = 0, ca = 0;
    P[0] = L[0] = 0;
    for (size_t i = 0; i < n; i++) {
        cw += p[i].w;
        ca += (ld)p[i].w * p[i].x;
        P[i + 1] = (double)(cw / W);
        L[i + 1] = (double)(ca / T);
    }
    P[n] = L[n] = 1;   /* exactly, whatever the rounding of the sums */
}

pms_status pms_ineq_gini(const double *x, const double *w, size_t n, double *gini, pms_err *err)
{
    if (n == 0) return pms_err_set(err, PMS_ETOOFEW, "Gini: no observations");
    pms_status s = check_xw("Gini", x, w, n, 0, err);
    if (s != PMS_OK) return s;
    ld W, T;
    xw_pair *p = sorted_pairs(x, w, n, &W, &T);
    if (!p) return pms_err_set(err, PMS_ENOMEM, "Gini: out of memory");
    if (!(T > 0)) {
        free(p);
        return pms_err_set(err, PMS_EDOMAIN, "Gini: the values sum to zero");
    }
    double g = gini_sorted(p, n, W, T);
    free(p);
    return finite_or(g, gini, "Gini", err);
}

pms_status pms_ineq_gini_sorted(const double *x, const double *w, size_t n, double *gini,
                                pms_err *err)
{
    if (n == 0) return pms_err_set(err, PMS_ETOOFEW, "Gini: no observations");
    pms_status s = check_xw("Gini", x, w, n, 0, err);
    if (s != PMS_OK) return s;
    ld W = 0, T = 0;
    for (size_t i = 0; i < n; i++) {
        if (i && x[i] < x[i - 1])
            return pms_err_set(err, PMS_EUSAGE, "Gini: value %zu is below the one before: "
                                                "the values are not in ascending order", i + 1);
        ld wi = w ? w[i] : 1.0;
        W += wi;
        T += wi * x[i];
    }
    if (!(T > 0)) return pms_err_set(err, PMS_EDOMAIN, "Gini: the values sum to zero");
    ld C = 0, acc = 0;
    for (size_t i = 0; i < n; i++) gini_step(w ? w[i] : 1.0, x[i], &C, &acc);
    return finite_or((double)(1 - acc / (W * T)), gini, "Gini", err);
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
    return decomp_finite(out, "Theil T", err);
}

static pms_status check_groups(const char *what, const size_t *group, size_t ngroups, size_t n,
                               pms_err *err)
{
    if (!group) return PMS_OK;
    if (ngroups == 0) return pms_err_set(err, PMS_EDOMAIN, "%s: no groups", what);
    for (size_t i = 0; i < n; i++)
        if (group[i] >= ngroups)
            return pms_err_set(err, PMS_EDOMAIN, "%s: group %zu of value %zu is not below %zu", what,
                               group[i], i + 1, ngroups);
    return PMS_OK;
}

/* Theil L: GE(0) = sum (w/W) ln(mu/x); parts from group weights and means. */
static pms_status ge0(const double *x, const double *w, const size_t *group, size_t G, size_t n,
                      pms_ineq_decomp *out, pms_err *err)
{
    ld *acc = calloc(3 * G, sizeof *acc);   /* W_g, Y_g, sum w ln x */
    if (!acc) return pms_err_set(err, PMS_ENOMEM, "Theil L: out of memory");
    ld W = 0, Y = 0, Wl = 0;
    for (size_t i = 0; i < n; i++) {
        size_t g = group ? group[i] : 0;
        ld wi = w ? w[i] : 1.0L, l = wi * logl((ld)x[i]);
        acc[3 * g] += wi;
        acc[3 * g + 1] += wi * x[i];
        acc[3 * g + 2] += l;
        W += wi;
        Y += wi * x[i];
        Wl += l;
    }
    ld mu = Y / W, between = 0, within = 0;
    for (size_t g = 0; g < G; g++) {
        ld Wg = acc[3 * g];
        if (Wg == 0) continue;
        ld mug = acc[3 * g + 1] / Wg, vg = Wg / W;
        between += vg * logl(mu / mug);
        within += vg * (logl(mug) - acc[3 * g + 2] / Wg);
    }
    free(acc);
    out->total = (double)(logl(mu) - Wl / W);
    out->between = group ? (double)between : 0.0;
    out->within = (double)within;
    return decomp_finite(out, "Theil L", err);
}

/* GE(2) = var_w / (2 mu^2): within = sum_g sum_{i in g} w (x - mu_g)^2 / (2 W mu^2),
 * between = sum_g W_g (mu_g - mu)^2 / (2 W mu^2), each from its own deviations. */
static pms_status ge2(const double *x, const double *w, const size_t *group, size_t G, size_t n,
                      pms_ineq_decomp *out, pms_err *err)
{
    ld *acc = calloc(3 * G, sizeof *acc);   /* W_g, Y_g -> mu_g, sum w (x - mu_g)^2 */
    if (!acc) return pms_err_set(err, PMS_ENOMEM, "GE(2): out of memory");
    ld W = 0, Y = 0;
    for (size_t i = 0; i < n; i++) {
        size_t g = group ? group[i] : 0;
        ld wi = w ? w[i] : 1.0L;
        acc[3 * g] += wi;
        acc[3 * g + 1] += wi * x[i];
        W += wi;
        Y += wi * x[i];
    }
    ld mu = Y / W;
    if (!(mu > 0)) {
        free(acc);
        return pms_err_set(err, PMS_EDOMAIN, "GE(2): the values sum to zero");
    }
    for (size_t g = 0; g < G; g++)
        if (acc[3 * g] > 0) acc[3 * g + 1] /= acc[3 * g];
    ld tot = 0;
    for (size_t i = 0; i < n; i++) {
        size_t g = group ? group[i] : 0;
        ld wi = w ? w[i] : 1.0L, d = x[i] - mu, dg = x[i] - acc[3 * g + 1];
        tot += wi * d * d;
        acc[3 * g + 2] += wi * dg * dg;
    }
    ld between = 0, within = 0, den = 2 * W * mu * mu;
    for (size_t g = 0; g < G; g++) {
        if (acc[3 * g] == 0) continue;
        ld d = acc[3 * g + 1] - mu;
        between += acc[3 * g] * d * d;
        within += acc[3 * g + 2];
    }
    free(acc);
    out->total = (double)(tot / den);
    out->between = group ? (double)(between / den) : 0.0;
    out->within = (double)(within / den);
    return decomp_finite(out, "GE(2)", err);
}

pms_status pms_ineq_ge(const double *x, const double *w, const size_t *group, size_t ngroups,
                       size_t n, int alpha, pms_ineq_decomp *out, pms_err *err)
{
    if (alpha == 1) return pms_ineq_theil_t(x, w, group, ngroups, n, out, err);
    const char *what = alpha == 0 ? "Theil L" : "GE(2)";
    if (alpha != 0 && alpha != 2)
        return pms_err_set(err, PMS_EDOMAIN, "GE(%d): only alpha = 0, 1, 2 are provided", alpha);
    if (n == 0) return pms_err_set(err, PMS_ETOOFEW, "%s: no observations", what);
    pms_status s = check_xw(what, x, w, n, alpha == 0, err);
    if (s == PMS_OK) s = check_groups(what, group, ngroups, n, err);
    if (s != PMS_OK) return s;
    size_t G = group ? ngroups : 1;
    return alpha == 0 ? ge0(x, w, group, G, n, out, err) : ge2(x, w, group, G, n, out, err);
}

pms_status pms_ineq_atkinson(const double *x, const double *w, size_t n, double eps, double *a,
                             pms_err *err)
{
    if (n == 0) return pms_err_set(err, PMS_ETOOFEW, "Atkinson: no observations");
    if (!(eps >= 0) || !isfinite(eps))
        return pms_err_set(err, PMS_EDOMAIN, "Atkinson: aversion %g is not a finite number >= 0",
                           eps);
    pms_status s = check_xw("Atkinson", x, w, n, eps >= 1, err);
    if (s != PMS_OK) return s;
    ld W = 0, Y = 0;
    for (size_t i = 0; i < n; i++) {
        ld wi = w ? w[i] : 1.0L;
        W += wi;
        Y += wi * x[i];
    }
    ld mu = Y / W;
    if (!(mu > 0)) return pms_err_set(err, PMS_EDOMAIN, "Atkinson: the values sum to zero");
    ld acc = 0;
    for (size_t i = 0; i < n; i++) {
        ld wi = w ? w[i] : 1.0L, r = x[i] / mu;
        /* sqrt and 1/r for the usual 0.5 and 2: exact where powl rounds. */
        acc += wi * (eps == 1 ? logl(r) : eps == 0.5 ? sqrtl(r) : eps == 2 ? 1 / r
                                                  : powl(r, 1 - (ld)eps));
    }
    acc /= W;
    /* The equally distributed equivalent over the mean, computed on x/mu so
     * that large amounts do not overflow powl. */
    return finite_or((double)(1 - (eps == 1 ? expl(acc) : powl(acc, 1 / (1 - (ld)eps)))), a,
                     "Atkinson index", err);
}

pms_status pms_ineq_quantile(const double *x, const double *w, size_t n, double p, double *q,
                             pms_err *err)
{
    if (n == 0) return pms_err_set(err, PMS_ETOOFEW, "quantile: no observations");
    if (!(p >= 0 && p <= 1)) return pms_err_set(err, PMS_EDOMAIN, "quantile: p = %g is not in [0, 1]", p);
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i]))
            return pms_err_set(err, PMS_ENONFINITE, "quantile: value %zu is not finite", i + 1);
        if (w && !isfinite(w[i]))
            return pms_err_set(err, PMS_ENONFINITE, "quantile: weight %zu is not finite", i + 1);
        if (w && !(w[i] > 0))
            return pms_err_set(err, PMS_EDOMAIN, "quantile: weight %zu is not positive (%.17g)",
                               i + 1, w[i]);
    }
    ld W, T;
    xw_pair *s = sorted_pairs(x, w, n, &W, &T);
    if (!s) return pms_err_set(err, PMS_ENOMEM, "quantile: out of memory");
    *q = quantile_sorted(s, n, W, p);
    free(s);
    return PMS_OK;
}

pms_status pms_ineq_lorenz(const double *x, const double *w, size_t n, double *P, double *L,
                           pms_err *err)
{
    if (n == 0) return pms_err_set(err, PMS_ETOOFEW, "Lorenz curve: no observations");
    pms_status s = check_xw("Lorenz curve", x, w, n, 0, err);
    if (s != PMS_OK) return s;
    ld W, T;
    xw_pair *p = sorted_pairs(x, w, n, &W, &T);
    if (!p) return pms_err_set(err, PMS_ENOMEM, "Lorenz curve: out of memory");
    if (!(T > 0)) {
        free(p);
        return pms_err_set(err, PMS_EDOMAIN, "Lorenz curve: the values sum to zero");
    }
    lorenz_sorted(p, n, W, T, P, L);
    free(p);
    return PMS_OK;
}

double pms_ineq_lorenz_at(const double *P, const double *L, size_t npoints, double p)
{
    if (p <= 0) return 0;
    if (p >= 1) return 1;
    /* Binary search for the segment P[k-1] < p <= P[k]. */
    size_t lo = 0, hi = npoints - 1;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (P[mid] < p) lo = mid;
        else hi = mid;
    }
    double dp = P[hi] - P[lo];
    return dp > 0 ? L[lo] + (L[hi] - L[lo]) * (p - P[lo]) / dp : L[hi];
}

pms_status pms_ineq_summarise(const double *x, const double *w, const size_t *group,
                              size_t ngroups, size_t n, pms_ineq_summary *out, pms_err *err)
{
    memset(out, 0, sizeof *out);
    if (n == 0) return pms_err_set(err, PMS_ETOOFEW, "inequality: no observations");
    pms_status s = check_xw("inequality", x, w, n, 1, err);
    if (s == PMS_OK) s = check_groups("inequality", group, ngroups, n, err);
    if (s != PMS_OK) return s;
    ld W = 0, Y = 0;
    for (size_t i = 0; i < n; i++) {
        ld wi = w ? w[i] : 1.0L;
        W += wi;
        Y += wi * x[i];
    }
    ld mu = Y / W, ss = 0, ad = 0;
    for (size_t i = 0; i < n; i++) {
        ld wi = w ? w[i] : 1.0L, d = x[i] - mu;
        ss += wi * d * d;
        ad += wi * fabsl(d);
    }
    out->n = n;
    out->total_weight = (double)W;
    out->total_amount = (double)Y;
    out->mean = (double)mu;
    out->cv = (double)(sqrtl(ss / W) / mu);
    out->hoover = (double)(ad / W / (2 * mu));
    /* One sort serves the Lorenz curve, Palma, the quantiles and the Gini. */
    ld Ws, Ts;
    xw_pair *sp = sorted_pairs(x, w, n, &Ws, &Ts);
    double *P = malloc((n + 1) * sizeof *P), *L = malloc((n + 1) * sizeof *L);
    if (!sp || !P || !L) {
        free(sp);
        free(P);
        free(L);
        return pms_err_set(err, PMS_ENOMEM, "inequality: out of memory");
    }
    lorenz_sorted(sp, n, Ws, Ts, P, L);
    double l40 = pms_ineq_lorenz_at(P, L, n + 1, 0.4), l90 = pms_ineq_lorenz_at(P, L, n + 1, 0.9);
    out->palma = l40 > 0 ? (1 - l90) / l40 : NAN;
    out->p10 = quantile_sorted(sp, n, Ws, 0.1);
    out->p90 = quantile_sorted(sp, n, Ws, 0.9);
    out->p90_p10 = out->p90 / out->p10;
    out->gini = gini_sorted(sp, n, Ws, Ts);
    free(sp);
    free(P);
    free(L);
    if (s == PMS_OK) s = pms_ineq_theil_t(x, w, group, ngroups, n, &out->theil_t, err);
    if (s == PMS_OK) s = pms_ineq_ge(x, w, group, ngroups, n, 0, &out->theil_l, err);
    if (s == PMS_OK) s = pms_ineq_ge(x, w, group, ngroups, n, 2, &out->ge2, err);
    if (s == PMS_OK) s = pms_ineq_atkinson(x, w, n, 0.5, &out->atkinson_0_5, err);
    if (s == PMS_OK) s = pms_ineq_atkinson(x, w, n, 1.0, &out->atkinson_1, err);
    if (s == PMS_OK) s = pms_ineq_atkinson(x, w, n, 2.0, &out->atkinson_2, err);
    return s;
}

typedef struct { size_t g; double x, w; } gxw;

static int cmp_gxw(const void *a, const void *b)
{
    const gxw *u = a, *v = b;
    if (u->g != v->g) return (u->g > v->g) - (u->g < v->g);
    return (u->x > v->x) - (u->x < v->x);
}

pms_status pms_ineq_groups(const double *x, const double *w, const size_t *group, size_t ngroups,
                           size_t n, pms_ineq_group *rows, pms_err *err)
{
    if (n == 0) return pms_err_set(err, PMS_ETOOFEW, "groups: no observations");
    if (!group) return pms_err_set(err, PMS_EDOMAIN, "groups: no group column");
    pms_status s = check_xw("groups", x, w, n, 0, err);
    if (s == PMS_OK) s = check_groups("groups", group, ngroups, n, err);
    if (s != PMS_OK) return s;
    gxw *p = malloc(n * sizeof *p);
    if (!p) return pms_err_set(err, PMS_ENOMEM, "groups: out of memory");
    ld W = 0, Y = 0;
    for (size_t i = 0; i < n; i++) {
        p[i].g = group[i];
        p[i].x = x[i];
        p[i].w = w ? w[i] : 1.0;
        W += p[i].w;
        Y += (ld)p[i].w * x[i];
    }
    if (!(Y > 0)) {
        free(p);
        return pms_err_set(err, PMS_EDOMAIN, "groups: the values sum to zero");
    }
    qsort(p, n, sizeof *p, cmp_gxw);
    for (size_t g = 0; g < ngroups; g++)
        rows[g] = (pms_ineq_group){0, 0, NAN, 0, 0, NAN};
    /* Each group is a run of the sorted array: the Gini walk of
     * pms_ineq_gini on that run. */
    for (size_t a = 0; a < n;) {
        size_t b = a, g = p[a].g;
        ld Wg = 0, Yg = 0, acc = 0;
        for (; b < n && p[b].g == g; b++) {
            ld ai = (ld)p[b].w * p[b].x;
            acc += (ld)p[b].w * (2 * Yg + ai);
            Wg += p[b].w;
            Yg += ai;
        }
        rows[g].n = b - a;
        rows[g].weight = (double)Wg;
        rows[g].mean = (double)(Yg / Wg);
        rows[g].share_weight = (double)(Wg / W);
        rows[g].share_amount = (double)(Yg / Y);
        rows[g].gini = Yg > 0 ? (double)(1 - acc / (Wg * Yg)) : NAN;
        a = b;
    }
    free(p);
    return PMS_OK;
}
