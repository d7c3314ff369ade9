/* Correlation coefficients, intervals and tests; see correlate.h for the
 * formulas and their sources. */
#include "analysis/correlate.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_rng.h>

#include "analysis/regress.h"
#include "analysis/sort.h"
#include "analysis/tdist.h"

void pms_corr_opts_default(pms_corr_opts *o)
{
    o->method = PMS_CORR_PEARSON;
    o->ci_level = 0.95;
    o->exact = PMS_CORR_EXACT_AUTO;
    o->x_name = o->y_name = NULL;
    o->control_names = NULL;
}

const char *pms_corr_method_name(pms_corr_method m)
{
    switch (m) {
    case PMS_CORR_PEARSON: return "pearson";
    case PMS_CORR_SPEARMAN: return "spearman";
    case PMS_CORR_KENDALL: return "kendall";
    }
    return "?";
}

const char *pms_corr_symbol(pms_corr_method m)
{
    switch (m) {
    case PMS_CORR_PEARSON: return "r";
    case PMS_CORR_SPEARMAN: return "rho";
    case PMS_CORR_KENDALL: return "tau";
    }
    return "?";
}

const char *pms_corr_ptype_name(pms_corr_ptype t)
{
    switch (t) {
    case PMS_CORR_P_T: return "t";
    case PMS_CORR_P_EXACT: return "exact";
    case PMS_CORR_P_AS89: return "AS 89";
    case PMS_CORR_P_NORMAL: return "normal";
    }
    return "?";
}

const char *pms_corr_ci_method(const pms_corr_result *r)
{
    static const char *const names[3][2] = {
        {"fisher-z", "fisher-z kish-n"},
        {"fisher-z bonett-wright", "fisher-z bonett-wright kish-n"},
        {"fisher-z fieller", "fisher-z fieller kish-n"}};
    if ((unsigned)r->method > PMS_CORR_KENDALL) return "?";
    return names[r->method][r->weighted ? 1 : 0];
}

/* ---- checks ---- */

static pms_status check_finite(const double *v, size_t n, const char *name, pms_err *err)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return pms_err_at(err, PMS_ENONFINITE, name, 0, NULL, i + 1,
                              "%s[%zu] is %s: correlations need finite values", name, i + 1,
                              isnan(v[i]) ? "missing (NaN)" : "infinite");
    return PMS_OK;
}

static pms_status check_weights(const double *w, size_t n, pms_err *err)
{
    for (size_t i = 0; i < n; i++)
        if (!(isfinite(w[i]) && w[i] > 0))
            return pms_err_at(err, PMS_EDOMAIN, "weight", 0, NULL, i + 1,
                              "weight[%zu] is %g: weights must be finite and > 0", i + 1, w[i]);
    return PMS_OK;
}

static pms_status check_xy(const double *x, const double *y, const double *w, size_t n,
                           pms_err *err)
{
    if (n < 2) return pms_err_set(err, PMS_ETOOFEW, "%zu observations: a correlation needs at least 2", n);
    pms_status s;
    if ((s = check_finite(x, n, "x", err)) || (s = check_finite(y, n, "y", err))) return s;
    if (w && (s = check_weights(w, n, err))) return s;
    return PMS_OK;
}

/* How a message names x or y: its column ('imd2015') when the options give
 * one, else "x" / "y". */
static const char *subject(const pms_corr_opts *o, int is_y, char *buf, size_t cap)
{
    const char *name = o ? (is_y ? o->y_name : o->x_name) : NULL;
    if (!name) return is_y ? "y" : "x";
    snprintf(buf, cap, "'%s'", name);
    return buf;
}

static pms_status constant_error(const pms_corr_opts *o, int is_y, pms_err *err)
{
    char buf[160];
    return pms_err_at(err, PMS_ESINGULAR, is_y ? "y" : "x", 0,
                      o ? (is_y ? o->y_name : o->x_name) : NULL, 0,
                      "%s is constant: no correlation is defined", subject(o, is_y, buf, sizeof buf));
}

/* ---- Pearson on (optionally weighted) data; the caller has checked inputs ---- */

static pms_status pearson_core(const double *x, const double *y, const double *w, size_t n,
                               double *r, const pms_corr_opts *nm, pms_err *err)
{
    long double sw = 0, sx = 0, sy = 0;
    for (size_t i = 0; i < n; i++) {
        long double wi = w ? w[i] : 1.0L;
        sw += wi;
        sx += wi * x[i];
        sy += wi * y[i];
    }
    long double mx = sx / sw, my = sy / sw;
    long double sxx = 0, syy = 0, sxy = 0;
    for (size_t i = 0; i < n; i++) {
        long double wi = w ? w[i] : 1.0L, dx = x[i] - mx, dy = y[i] - my;
        sxx += wi * dx * dx;
        syy += wi * dy * dy;
        sxy += wi * dx * dy;
    }
    if (!(sxx > 0)) return constant_error(nm, 0, err);
    if (!(syy > 0)) return constant_error(nm, 1, err);
    double v = (double)(sxy / sqrtl(sxx * syy));
    /* finite inputs whose squares overflow even long double give inf/inf */
    if (!isfinite(v))
        return pms_err_set(err, PMS_ENONFINITE, "correlation not computed: the sums of squares "
                                                "overflow (values too large)");
    *r = v > 1 ? 1 : v < -1 ? -1 : v;
    return PMS_OK;
}

pms_status pms_corr_pearson(const double *x, const double *y, size_t n, double *r, pms_err *err)
{
    pms_status s = check_xy(x, y, NULL, n, err);
    return s ? s : pearson_core(x, y, NULL, n, r, NULL, err);
}

pms_status pms_corr_wpearson(const double *x, const double *y, const double *w, size_t n,
                             double *r, pms_err *err)
{
    if (!w) return pms_err_set(err, PMS_EUSAGE, "weighted correlation without weights");
    pms_status s = check_xy(x, y, w, n, err);
    return s ? s : pearson_core(x, y, w, n, r, NULL, err);
}

/* ---- ranks ---- */

pms_status pms_corr_midranks(const double *x, const double *w, size_t n, double *ranks, int *ties)
{
    if (ties) *ties = 0;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i])) return PMS_ENONFINITE;
    size_t *k = malloc((n ? n : 1) * sizeof *k);
    if (!k) return PMS_ENOMEM;
    if (pms_sort_index(x, n, k)) {
        free(k);
        return PMS_ENOMEM;
    }
    double below = 0;   /* weight (or count) strictly below the current group */
    for (size_t a = 0; a < n;) {
        size_t b = a + 1;
        while (b < n && x[k[b]] == x[k[a]]) b++;
        if (b - a > 1 && ties) *ties = 1;
        double rank, gw = 0;
        if (w) {
            for (size_t j = a; j < b; j++) gw += w[k[j]];
            rank = below + gw / 2;
        } else {
            rank = (double)(a + b + 1) / 2;   /* mean of ranks a+1 .. b */
        }
        for (size_t j = a; j < b; j++) ranks[k[j]] = rank;
        below += w ? gw : (double)(b - a);
        a = b;
    }
    free(k);
    return PMS_OK;
}

static pms_status spearman_core(const double *x, const double *y, const double *w, size_t n,
                                double *rho, int *ties, const pms_corr_opts *nm, pms_err *err)
{
    double *rx = malloc(2 * n * sizeof *rx);
    if (!rx) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    double *ry = rx + n;
    int tx = 0, ty = 0;
    pms_status s = pms_corr_midranks(x, w, n, rx, &tx);
    if (!s) s = pms_corr_midranks(y, w, n, ry, &ty);
    if (s) {
        free(rx);
        return pms_err_set(err, s, "%s", pms_strerror(s));
    }
    s = pearson_core(rx, ry, w, n, rho, nm, err);
    if (ties) *ties = tx || ty;
    free(rx);
    return s;
}

pms_status pms_corr_spearman(const double *x, const double *y, size_t n, double *rho, pms_err *err)
{
    pms_status s = check_xy(x, y, NULL, n, err);
    return s ? s : spearman_core(x, y, NULL, n, rho, NULL, NULL, err);
}

pms_status pms_corr_wspearman(const double *x, const double *y, const double *w, size_t n,
                              double *rho, pms_err *err)
{
    if (!w) return pms_err_set(err, PMS_EUSAGE, "weighted correlation without weights");
    pms_status s = check_xy(x, y, w, n, err);
    return s ? s : spearman_core(x, y, w, n, rho, NULL, NULL, err);
}

/* ---- Kendall tau-b, Knight's algorithm ---- */

/* Sort v[0..n) ascending, returning the number of pairs i < j with
 * v[i] > v[j] (strictly: equal values are not swaps).  Insertion sort on runs
 * of 16 (each shift is one inversion), then bottom-up merges alternating
 * between v and tmp, so no level copies back. */
static uint64_t merge_count(double *v, double *tmp, size_t n)
{
    enum { RUN = 16 };
    uint64_t swaps = 0;
    for (size_t lo = 0; lo < n; lo += RUN) {
        size_t hi = lo + RUN < n ? lo + RUN : n;
        for (size_t i = lo + 1; i < hi; i++) {
            double key = v[i];
            size_t j = i;
            while (j > lo && v[j - 1] > key) {
                v[j] = v[j - 1];
                j--;
            }
            swaps += i - j;
            v[j] = key;
        }
    }
    double *src = v, *dst = tmp;
    for (size_t width = RUN; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, o = lo;
            while (i < mid && j < hi) {
                if (src[j] < src[i]) {
                    swaps += mid - i;   /* src[j] jumps every remaining left element */
                    dst[o++] = src[j++];
                } else {
                    dst[o++] = src[i++];
                }
            }
            while (i < mid) dst[o++] = src[i++];
            while (j < hi) dst[o++] = src[j++];
        }
        double *t = src;
        src = dst;
        dst = t;
    }
    if (src != v) memcpy(v, src, n * sizeof *v);
    return swaps;
}

/* Tie structure of a sorted vector: sum t(t-1)/2, and (for R's variance)
 * sum t(t-1)(2t+5), sum t(t-1), sum t(t-1)(t-2) over tie groups of size t. */
typedef struct {
    uint64_t pairs;
    double v25, v1, v2;
} tie_sums;

static void ties_of_sorted(const double *v, size_t n, tie_sums *t)
{
    memset(t, 0, sizeof *t);
    for (size_t a = 0; a < n;) {
        size_t b = a + 1;
        while (b < n && v[b] == v[a]) b++;
        double g = (double)(b - a);
        t->pairs += (uint64_t)(b - a) * (b - a - 1) / 2;
        t->v25 += g * (g - 1) * (2 * g + 5);
        t->v1 += g * (g - 1);
        t->v2 += g * (g - 1) * (g - 2);
        a = b;
    }
}

typedef struct {
    double tau;       /* NaN if x or y is constant */
    int64_t cd;       /* concordant minus discordant pairs */
    tie_sums tx, ty;
} kendall_parts;

/* Knight's count on pairs already sorted by (x, y): xs, ys hold them in that
 * order; ys is sorted in place (tmp: n scratch). */
static void kendall_sorted(const double *xs, double *ys, double *tmp, size_t n, kendall_parts *kp)
{
    uint64_t n3 = 0;   /* pairs tied in both x and y */
    for (size_t a = 0; a < n;) {
        size_t b = a + 1;
        while (b < n && xs[b] == xs[a] && ys[b] == ys[a]) b++;
        n3 += (uint64_t)(b - a) * (b - a - 1) / 2;
        a = b;
    }
    ties_of_sorted(xs, n, &kp->tx);
    uint64_t swaps = merge_count(ys, tmp, n);
    ties_of_sorted(ys, n, &kp->ty);
    uint64_t n0 = (uint64_t)n * (n - 1) / 2;
    /* C - D in exact integer arithmetic (signed: it can be negative). */
    kp->cd = (int64_t)(n0 - kp->tx.pairs - kp->ty.pairs + n3) - 2 * (int64_t)swaps;
    if (kp->tx.pairs == n0 || kp->ty.pairs == n0) {
        kp->tau = NAN;
        return;
    }
    double den = sqrt((double)(n0 - kp->tx.pairs)) * sqrt((double)(n0 - kp->ty.pairs));
    double t = (double)kp->cd / den;
    kp->tau = t > 1 ? 1 : t < -1 ? -1 : t;
}

/* Pairs sorted by (x, y) into xs, ys (n each); perm (if not NULL) receives
 * the observation at each sorted position. */
static pms_status sort_pairs(const double *x, const double *y, size_t n, double *xs, double *ys,
                             size_t *perm)
{
    size_t *ord = malloc((n ? n : 1) * sizeof *ord);
    if (!ord) return PMS_ENOMEM;
    /* by y, then stably by x: (x, y) order */
    if (pms_sort_index(y, n, ord) || pms_sort_order(x, n, ord)) {
        free(ord);
        return PMS_ENOMEM;
    }
    for (size_t j = 0; j < n; j++) {
        xs[j] = x[ord[j]];
        ys[j] = y[ord[j]];
        if (perm) perm[j] = ord[j];
    }
    free(ord);
    return PMS_OK;
}

static pms_status kendall_core(const double *x, const double *y, size_t n, kendall_parts *kp,
                               const pms_corr_opts *nm, pms_err *err)
{
    double *v = calloc(3 * n, sizeof *v);
    if (!v || sort_pairs(x, y, n, v, v + n, NULL)) {
        free(v);
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    kendall_sorted(v, v + n, v + 2 * n, n, kp);
    free(v);
    uint64_t n0 = (uint64_t)n * (n - 1) / 2;
    if (kp->tx.pairs == n0) return constant_error(nm, 0, err);
    if (kp->ty.pairs == n0) return constant_error(nm, 1, err);
    return PMS_OK;
}

pms_status pms_corr_kendall(const double *x, const double *y, size_t n, double *tau, pms_err *err)
{
    pms_status s = check_xy(x, y, NULL, n, err);
    if (s) return s;
    kendall_parts kp;
    if ((s = kendall_core(x, y, n, &kp, NULL, err))) return s;
    *tau = kp.tau;
    return PMS_OK;
}

/* ---- null distributions ---- */

/* Two-sided p from Student t on df (analysis/tdist.c: GSL's own t tail is
 * off by up to 1e-6 relative for df > 30 far in the tail). */
static double t_two_sided(double t, double df)
{
    if (isnan(t)) return NAN;
    return pms_tdist_p2(t, df);
}

/* P(S >= is), or P(S < is) if lower, for Spearman's S = sum d^2 under
 * independence, as AS 89 (Best & Roberts 1975) defines it: complete
 * enumeration of the n! permutations for n <= 9, otherwise the Edgeworth
 * series with the published coefficients. */
static double spearman_tail(int n, double is, int lower)
{
    double pv = lower ? 0.0 : 1.0;
    if (n <= 1 || is <= 0) return pv;
    double n3 = (double)n * ((double)n * n - 1) / 3;   /* largest S */
    if (is > n3) return 1 - pv;
    if (n <= 9) {
        int perm[9];
        for (int i = 0; i < n; i++) perm[i] = i;
        long total = 0, at_least = 0;
        for (;;) {
            long s = 0;
            for (int i = 0; i < n; i++) s += (long)(i - perm[i]) * (i - perm[i]);
            total++;
            if (s >= is) at_least++;
            /* next permutation in lexicographic order */
            int i = n - 2;
            while (i >= 0 && perm[i] > perm[i + 1]) i--;
            if (i < 0) break;
            int j = n - 1;
            while (perm[j] < perm[i]) j--;
            int tmp = perm[i];
            perm[i] = perm[j];
            perm[j] = tmp;
            for (int a = i + 1, b = n - 1; a < b; a++, b--) {
                tmp = perm[a];
                perm[a] = perm[b];
                perm[b] = tmp;
            }
        }
        return (double)(lower ? total - at_least : at_least) / (double)total;
    }
    static const double c1 = .2274, c2 = .2531, c3 = .1745, c4 = .0758, c5 = .1033, c6 = .3932,
                        c7 = .0879, c8 = .0151, c9 = .0072, c10 = .0831, c11 = .0131,
                        c12 = 4.6e-4;
    double y = n, b = 1 / y;
    double x = (6 * (is - 1) * b / (y * y - 1) - 1) * sqrt(y - 1);
    y = x * x;
    double u = x * b *
               (c1 + b * (c2 + c3 * b) +
                y * (-c4 + b * (c5 + c6 * b) -
                     y * b * (c7 + c8 * b - y * (c9 - c10 * b + y * b * (c11 - c12 * y)))));
    y = u / exp(y / 2);
    pv = (lower ? -y : y) + (lower ? gsl_cdf_ugaussian_P(x) : gsl_cdf_ugaussian_Q(x));
    return pv < 0 ? 0 : pv > 1 ? 1 : pv;
}

/* P(T <= q) for T the number of concordant pairs among n untied pairs under
 * independence (the Mahonian distribution of inversions).  Probabilities are
 * built directly, p_m(k) = (1/m) sum_{i<m} p_{m-1}(k-i), so nothing overflows;
 * only k <= q is needed (p_m(k) depends on p_{m-1} at k and below), so the
 * caller asks for the smaller tail and every term stays a sum of positive
 * numbers of its own size.  The upper tail must not be taken as
 * 1 - P(T <= q - 1): that cancels (n = 20, tau = 1 gave 4.2e-15 for the exact
 * 8.2e-19); use P(T >= q) = P(T <= N - q), the distribution being symmetric. */
static double kendall_cdf(double q, int n)
{
    q = floor(q + 1e-7);
    long u = (long)n * (n - 1) / 2;
    if (q < 0) return 0;
    if (q >= (double)u) return 1;
    long top_q = (long)q;
    double *p = calloc((size_t)top_q + 1, sizeof *p), *nx = calloc((size_t)top_q + 1, sizeof *nx);
    if (!p || !nx) {
        free(p);
        free(nx);
        return NAN;
    }
    p[0] = 1;
    for (int m = 2; m <= n; m++) {
        long top = (long)m * (m - 1) / 2;
        if (top > top_q) top = top_q;
        double win = 0;   /* sum of p[k-m+1 .. k] */
        for (long k = 0; k <= top; k++) {
            win += p[k];
            if (k - m >= 0) win -= p[k - m];
            nx[k] = win / m;
        }
        double *t = p;
        p = nx;
        nx = t;
    }
    double c = 0;
    for (long k = 0; k <= top_q; k++) c += p[k];
    free(p);
    free(nx);
    return c > 1 ? 1 : c;
}

#define SPEARMAN_EXACT_MAX 1290   /* R: n(n^2-1) fits its integer arithmetic */
#define KENDALL_EXACT_AUTO 50     /* R: exact = NULL means n < 50 */
#define KENDALL_EXACT_MAX 300     /* EXACT_ALWAYS: the O(n^3) recursion stays under ~30 ms */

static void spearman_p(size_t n, double rho, int ties, pms_corr_exact ex, pms_corr_result *o)
{
    double nn = (double)n, den = (nn * nn * nn - nn) / 6;
    int exact = ex != PMS_CORR_EXACT_NEVER && !ties && n <= SPEARMAN_EXACT_MAX;
    if (exact) {
        double q = (nn * nn * nn - nn) * (1 - rho) / 6;
        /* As R: the lower tail is asked for as P(S < round(q) + 2) = P(S <= q),
         * S taking even values only. */
        double p = q > den ? spearman_tail((int)n, round(q), 0)
                           : spearman_tail((int)n, round(q) + 2, 1);
        o->statistic = q;
        o->df = NAN;
        o->p_value = fmin(1.0, 2 * p);
        o->p_type = n <= 9 ? PMS_CORR_P_EXACT : PMS_CORR_P_AS89;
    } else {
        double t = rho / sqrt((1 - rho * rho) / (nn - 2));
        o->statistic = t;
        o->df = nn - 2;
        o->p_value = t_two_sided(t, nn - 2);
        o->p_type = PMS_CORR_P_T;
    }
}

static pms_status kendall_p(size_t n, const kendall_parts *kp, int ties, pms_corr_exact ex,
                            pms_corr_result *o)
{
    double nn = (double)n, r = kp->tau;
    size_t lim = ex == PMS_CORR_EXACT_ALWAYS ? KENDALL_EXACT_MAX + 1 : KENDALL_EXACT_AUTO;
    if (ex != PMS_CORR_EXACT_NEVER && !ties && n < lim) {
        double q = round((r + 1) * nn * (nn - 1) / 4), p;
        if (q > nn * (nn - 1) / 4)   /* P(T >= q) = P(T <= N - q), by symmetry */
            p = kendall_cdf(nn * (nn - 1) / 2 - q, (int)n);
        else
            p = kendall_cdf(q, (int)n);
        if (isnan(p)) return PMS_ENOMEM;
        o->statistic = q;
        o->p_value = fmin(1.0, 2 * p);
        o->p_type = PMS_CORR_P_EXACT;
    } else {
        double T0 = nn * (nn - 1) / 2, T1 = (double)kp->tx.pairs, T2 = (double)kp->ty.pairs;
        double S = r * sqrt((T0 - T1) * (T0 - T2));
        double v0 = nn * (nn - 1) * (2 * nn + 5);
        double var = (v0 - kp->tx.v25 - kp->ty.v25) / 18 +
                     kp->tx.v1 * kp->ty.v1 / (2 * nn * (nn - 1)) +
                     kp->tx.v2 * kp->ty.v2 / (9 * nn * (nn - 1) * (nn - 2));
        double z = S / sqrt(var);
        o->statistic = z;
        o->p_value = fmin(1.0, 2 * gsl_cdf_ugaussian_Q(fabs(z)));
        o->p_type = PMS_CORR_P_NORMAL;
    }
    o->df = NAN;
    return PMS_OK;
}

/* SE of atanh(estimate) for the interval, with m the (effective) n less the
 * controls; NaN when m is too small. */
static double z_se(pms_corr_method m, double est, double nm)
{
    switch (m) {
    case PMS_CORR_PEARSON: return nm > 3 ? 1 / sqrt(nm - 3) : NAN;
    case PMS_CORR_SPEARMAN: return nm > 3 ? sqrt((1 + est * est / 2) / (nm - 3)) : NAN;
    case PMS_CORR_KENDALL: return nm > 4 ? sqrt(0.437 / (nm - 4)) : NAN;
    }
    return NAN;
}

static void set_interval(pms_corr_result *o, double nm)
{
    o->z_se = z_se(o->method, o->estimate, nm);
    double zq = gsl_cdf_ugaussian_Pinv((1 + o->ci_level) / 2);
    double z = atanh(o->estimate);
    if (isnan(o->z_se)) {
        o->ci_low = o->ci_high = NAN;
    } else {
        o->ci_low = tanh(z - zq * o->z_se);
        o->ci_high = tanh(z + zq * o->z_se);
    }
}

static pms_status check_opts(const pms_corr_opts *opts, pms_err *err)
{
    if (!opts) return pms_err_set(err, PMS_EUSAGE, "no options");
    if ((unsigned)opts->method > PMS_CORR_KENDALL)
        return pms_err_set(err, PMS_EUSAGE, "unknown correlation method %d", (int)opts->method);
    if (!(opts->ci_level > 0 && opts->ci_level < 1))
        return pms_err_set(err, PMS_EDOMAIN, "confidence level %g is not between 0 and 1",
                           opts->ci_level);
    return PMS_OK;
}

static void result_init(pms_corr_result *o, const pms_corr_opts *opts, size_t n)
{
    memset(o, 0, sizeof *o);
    o->method = opts->method;
    o->n = n;
    o->n_eff = (double)n;
    o->ci_level = opts->ci_level;
    o->estimate = o->ci_low = o->ci_high = o->z_se = NAN;
    o->statistic = o->df = o->p_value = NAN;
}


pms_status pms_corr_test(const double *x, const double *y, const double *w, size_t n,
                         const pms_corr_opts *opts, pms_corr_result *out, pms_err *err)
{
    pms_status s = check_opts(opts, err);
    if (s) return s;
    pms_corr_result o;
    result_init(&o, opts, n);
    if (n < 3)
        return pms_err_set(err, PMS_ETOOFEW, "%zu observations: a correlation test needs at least 3", n);
    if ((s = check_xy(x, y, w, n, err))) return s;
    if (w) {
        if (opts->method == PMS_CORR_KENDALL)
            return pms_err_set(err, PMS_EUSAGE, "weighted Kendall's tau is not provided "
                                                "(use pearson or spearman with weights)");
        long double sw = 0, sw2 = 0;
        for (size_t i = 0; i < n; i++) {
            sw += w[i];
            sw2 += (long double)w[i] * w[i];
        }
        o.weighted = 1;
        o.n_eff = (double)(sw * sw / sw2);
        if (!(o.n_eff > 3))
            return pms_err_set(err, PMS_ETOOFEW,
                               "the weights leave an effective n of %.2f: too few for an interval "
                               "or test (need more than 3)",
                               o.n_eff);
    }
    double nn = (double)n;
    switch (opts->method) {
    case PMS_CORR_PEARSON:
        /* ties do not matter to Pearson's test; not looked for */
        if ((s = pearson_core(x, y, w, n, &o.estimate, opts, err))) return s;
        break;
    case PMS_CORR_SPEARMAN:
        if ((s = spearman_core(x, y, w, n, &o.estimate, &o.ties, opts, err))) return s;
        break;
    case PMS_CORR_KENDALL: {
        kendall_parts kp;
        if ((s = kendall_core(x, y, n, &kp, opts, err))) return s;
        o.estimate = kp.tau;
        o.ties = kp.tx.pairs > 0 || kp.ty.pairs > 0;
        if (kendall_p(n, &kp, o.ties, opts->exact, &o)) return pms_err_set(err, PMS_ENOMEM, "out of memory");
        break;
    }
    }
    double r = o.estimate;
    if (w) {
        double df = o.n_eff - 2;
        o.statistic = r / sqrt((1 - r * r) / df);
        o.df = df;
        o.p_value = t_two_sided(o.statistic, df);
        o.p_type = PMS_CORR_P_T;
    } else if (opts->method == PMS_CORR_PEARSON) {
        o.statistic = sqrt(nn - 2) * r / sqrt(1 - r * r);
        o.df = nn - 2;
        o.p_value = t_two_sided(o.statistic, nn - 2);
        o.p_type = PMS_CORR_P_T;
    } else if (opts->method == PMS_CORR_SPEARMAN) {
        spearman_p(n, r, o.ties, opts->exact, &o);
    }
    set_interval(&o, o.n_eff);
    *out = o;
    return PMS_OK;
}

/* Residuals of v on the controls (with an intercept) into e.  Messages name
 * v as `what` ("x" or a column) and the controls by their names in nm. */
static pms_status residualise(const double *v, const double *Z, size_t k, size_t n, double *e,
                              const pms_corr_opts *nm, int is_y, pms_err *err)
{
    pms_reg_opts ro;
    pms_reg_opts_default(&ro);
    pms_reg_result fit;
    memset(&fit, 0, sizeof fit);
    char names[PMS_REG_MAXCOLS][16], wb[160];
    const char *np[PMS_REG_MAXCOLS];
    const char *what = subject(nm, is_y, wb, sizeof wb);
    if (k >= PMS_REG_MAXCOLS)
        return pms_err_set(err, PMS_EUSAGE, "%zu controls: at most %d", k, PMS_REG_MAXCOLS - 1);
    for (size_t j = 0; j < k; j++) {
        snprintf(names[j], sizeof names[j], "control %zu", j + 1);
        np[j] = names[j];
    }
    /* Named controls are called controls; unnamed ones keep the regression's
     * word ("predictor 'control 2'"). */
    ro.names = nm && nm->control_names ? nm->control_names : np;
    if (nm && nm->control_names) ro.role = "control";
    pms_err e2 = {{0}};
    pms_status s = pms_reg_fit(Z, n, k, v, NULL, &ro, &fit, &e2);
    if (s == PMS_ESINGULAR) {
        pms_err_set(err, s, "the controls make the design singular: %s", e2.msg);
        pms_err_about(err, "control", e2.index, e2.column);
        return s;
    }
    if (s) return pms_err_set(err, s, "%s", e2.msg[0] ? e2.msg : pms_strerror(s));
    long double ss0 = 0, ss = 0, mean = 0;
    for (size_t i = 0; i < n; i++) mean += v[i];
    mean /= n;
    for (size_t i = 0; i < n; i++) {
        long double f = fit.coef[0];
        for (size_t j = 0; j < k; j++) f += (long double)fit.coef[j + 1] * Z[i * k + j];
        e[i] = (double)(v[i] - f);
        ss += (long double)e[i] * e[i];
        ss0 += (v[i] - mean) * (v[i] - mean);
    }
    pms_reg_result_free(&fit);
    const char *role = is_y ? "y" : "x", *col = nm ? (is_y ? nm->y_name : nm->x_name) : NULL;
    if (!(ss0 > 0))
        return pms_err_at(err, PMS_ESINGULAR, role, 0, col, 0,
                          "%s is constant: no correlation is defined", what);
    /* Exact collinearity in doubles leaves ~1e-32 of the variance. */
    if (ss <= 1e-24L * ss0)
        return pms_err_at(err, PMS_ESINGULAR, role, 0, col, 0,
                          "%s is a linear combination of the controls: no partial correlation "
                          "is defined",
                          what);
    return PMS_OK;
}

pms_status pms_corr_partial_test(const double *x, const double *y, const double *Z, size_t k,
                                 size_t n, const pms_corr_opts *opts, pms_corr_result *out,
                                 pms_err *err)
{
    pms_status s = check_opts(opts, err);
    if (s) return s;
    if (opts->method == PMS_CORR_KENDALL)
        return pms_err_set(err, PMS_EUSAGE,
                           "partial Kendall's tau is not provided (use pearson or spearman with "
                           "controls)");
    if (k == 0) return pms_corr_test(x, y, NULL, n, opts, out, err);
    if (!Z) return pms_err_set(err, PMS_EUSAGE, "controls without data");
    if (n < k + 4)
        return pms_err_set(err, PMS_ETOOFEW,
                           "%zu observations with %zu control%s: a partial correlation test needs "
                           "at least %zu",
                           n, k, k == 1 ? "" : "s", k + 4);
    if ((s = check_xy(x, y, NULL, n, err))) return s;
    for (size_t i = 0; i < n * k; i++)
        if (!isfinite(Z[i]))
            return pms_err_at(err, PMS_ENONFINITE, "control", i % k + 1, NULL, i / k + 1,
                              "control %zu at observation %zu is not finite", i % k + 1, i / k + 1);
    pms_corr_result o;
    result_init(&o, opts, n);
    o.ncontrols = k;
    double *buf = malloc((4 * n + n * k) * sizeof *buf);
    if (!buf) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    double *ex = buf, *ey = buf + n, *rx = buf + 2 * n, *ry = buf + 3 * n, *rz = buf + 4 * n;
    const double *ux = x, *uy = y, *uz = Z;
    int tx = 0, ty = 0;
    if (opts->method == PMS_CORR_SPEARMAN) {
        double *col = ex, *rk = ey;   /* scratch before the residuals are needed */
        s = pms_corr_midranks(x, NULL, n, rx, &tx);
        if (!s) s = pms_corr_midranks(y, NULL, n, ry, &ty);
        for (size_t j = 0; j < k && !s; j++) {
            for (size_t i = 0; i < n; i++) col[i] = Z[i * k + j];
            s = pms_corr_midranks(col, NULL, n, rk, NULL);
            for (size_t i = 0; i < n && !s; i++) rz[i * k + j] = rk[i];
        }
        if (s) {
            free(buf);
            return pms_err_set(err, s, "%s", pms_strerror(s));
        }
        ux = rx;
        uy = ry;
        uz = rz;
    }
    o.ties = tx || ty;
    if ((s = residualise(ux, uz, k, n, ex, opts, 0, err)) ||
        (s = residualise(uy, uz, k, n, ey, opts, 1, err)) ||
        (s = pearson_core(ex, ey, NULL, n, &o.estimate, opts, err))) {
        free(buf);
        return s;
    }
    free(buf);
    double r = o.estimate, df = (double)n - 2 - (double)k;
    o.statistic = r * sqrt(df / (1 - r * r));
    o.df = df;
    o.p_value = t_two_sided(o.statistic, df);
    o.p_type = PMS_CORR_P_T;
    set_interval(&o, (double)n - (double)k);
    *out = o;
    return PMS_OK;
}

/* ---- power, equivalence, verdict ---- */

double pms_corr_min_detectable(pms_corr_method method, double n_eff, size_t ncontrols,
                               double alpha, double power)
{
    if (!(alpha > 0 && alpha < 1 && power > 0 && power < 1)) return NAN;
    double se0 = z_se(method, 0.0, n_eff - (double)ncontrols);
    if (isnan(se0)) return NAN;
    return tanh((gsl_cdf_ugaussian_Pinv(1 - alpha / 2) + gsl_cdf_ugaussian_Pinv(power)) * se0);
}

double pms_corr_tost(const pms_corr_result *r, double delta)
{
    if (!(delta > 0 && delta < 1) || !(r->z_se > 0) || isnan(r->estimate)) return NAN;
    double z = atanh(r->estimate), d = atanh(delta);
    if (isinf(z)) return 1.0;   /* |estimate| = 1 cannot be inside (-delta, delta) */
    double p_upper = gsl_cdf_ugaussian_P((z - d) / r->z_se);    /* H0: rho >= delta */
    double p_lower = gsl_cdf_ugaussian_Q((z + d) / r->z_se);    /* H0: rho <= -delta */
    return fmax(p_upper, p_lower);
}

pms_verdict pms_corr_verdict(double p, double tost_p, double alpha)
{
    if (isnan(p)) return PMS_VERDICT_NONE;
    int shown = p < alpha, equiv = !isnan(tost_p) && tost_p < alpha;
    if (shown) return equiv ? PMS_VERDICT_SHOWN_SMALL : PMS_VERDICT_SHOWN;
    return equiv ? PMS_VERDICT_EQUIVALENT : PMS_VERDICT_INCONCLUSIVE;
}

char *pms_corr_verdict_text(pms_verdict v, const pms_corr_result *r, double delta,
                            double min_detectable, double power, double alpha,
                            const char *units, char *buf, size_t cap)
{
    const char *sign = r->estimate < 0 ? "negative" : "positive";
    const char *sym = pms_corr_symbol(r->method);
    char who[96];
    if (r->weighted)
        snprintf(who, sizeof who, "an effective %.1f %s", r->n_eff, units ? units : "observations");
    else
        snprintf(who, sizeof who, "%zu %s", r->n, units ? units : "observations");
    switch (v) {
    case PMS_VERDICT_NONE: snprintf(buf, cap, "not computed"); break;
    case PMS_VERDICT_SHOWN: snprintf(buf, cap, "correlation shown (%s)", sign); break;
    case PMS_VERDICT_SHOWN_SMALL:
        snprintf(buf, cap, "correlation shown (%s) but smaller than |%s| = %g", sign, sym, delta);
        break;
    case PMS_VERDICT_EQUIVALENT: snprintf(buf, cap, "no correlation as large as |%s| = %g", sym, delta); break;
    case PMS_VERDICT_INCONCLUSIVE:
        if (isnan(min_detectable))
            snprintf(buf, cap, "inconclusive: %s are too few to estimate power", who);
        else
            snprintf(buf, cap, "inconclusive: %s can only detect |%s| >= %.2f (%g%% power, %g%% level)",
                     who, sym, min_detectable, 100 * power, 100 * alpha);
        break;
    }
    return buf;
}

/* ---- jackknife ---- */

/* Sorted order of v with, at each group start k, gend[k] = one past the end of
 * its tie group (other entries unused). */
static pms_status order_groups(const double *v, size_t n, size_t *ord, size_t *gend)
{
    if (pms_sort_index(v, n, ord)) return PMS_ENOMEM;
    for (size_t a = 0; a < n;) {
        size_t b = a + 1;
        while (b < n && v[ord[b]] == v[ord[a]]) b++;
        gend[a] = b;
        a = b;
    }
    return PMS_OK;
}

/* K_i = sum_j w_j sign(x_j - x_i) sign(y_j - y_i) for every i (w NULL = 1),
 * by two sweeps over the x groups with a Fenwick tree of weights indexed by
 * the dense rank of y: O(n log n). */
static pms_status concordance_each(const double *w, size_t n, const size_t *ox,
                                   const size_t *gx, const size_t *oy, const size_t *gy, double *K)
{
    size_t *ry = malloc((n ? n : 1) * sizeof *ry);
    double *bit = calloc(n + 1, sizeof *bit);
    if (!ry || !bit) {
        free(ry);
        free(bit);
        return PMS_ENOMEM;
    }
    size_t m = 0;
    for (size_t a = 0; a < n; a = gy[a]) {
        m++;
        for (size_t j = a; j < gy[a]; j++) ry[oy[j]] = m;
    }
    for (size_t i = 0; i < n; i++) K[i] = 0;
    for (int pass = 0; pass < 2; pass++) {
        memset(bit, 0, (n + 1) * sizeof *bit);
        double tot = 0;
        /* pass 0: x ascending, tree holds x_j < x_i (sign -1);
         * pass 1: x descending, tree holds x_j > x_i (sign +1). */
        size_t starts = 0;
        size_t *gs = malloc((n ? n : 1) * sizeof *gs);
        if (!gs) {
            free(ry);
            free(bit);
            return PMS_ENOMEM;
        }
        for (size_t a = 0; a < n; a = gx[a]) gs[starts++] = a;
        for (size_t s = 0; s < starts; s++) {
            size_t a = gs[pass ? starts - 1 - s : s], b = gx[a];
            for (size_t j = a; j < b; j++) {
                size_t i = ox[j];
                double lt = 0, le = 0;
                for (size_t q = ry[i] - 1; q > 0; q -= q & -q) lt += bit[q];
                for (size_t q = ry[i]; q > 0; q -= q & -q) le += bit[q];
                double gt = tot - le;
                K[i] += pass ? gt - lt : lt - gt;
            }
            for (size_t j = a; j < b; j++) {
                size_t i = ox[j];
                double wi = w ? w[i] : 1.0;
                for (size_t q = ry[i]; q <= m; q += q & -q) bit[q] += wi;
                tot += wi;
            }
        }
        free(gs);
    }
    free(ry);
    free(bit);
    return PMS_OK;
}

static double ratio_or_nan(double sxy, double sxx, double syy)
{
    if (!(sxx > 0 && syy > 0)) return NAN;
    double r = sxy / sqrt(sxx * syy);
    return r > 1 ? 1 : r < -1 ? -1 : r;
}

static pms_status jack_pearson(const double *x, const double *y, const double *w, size_t n,
                               double *jack)
{
    long double W = 0, sx = 0, sy = 0;
    for (size_t i = 0; i < n; i++) {
        long double wi = w ? w[i] : 1.0L;
        W += wi;
        sx += wi * x[i];
        sy += wi * y[i];
    }
    long double mx = sx / W, my = sy / W, sxx = 0, syy = 0, sxy = 0;
    for (size_t i = 0; i < n; i++) {
        long double wi = w ? w[i] : 1.0L, dx = x[i] - mx, dy = y[i] - my;
        sxx += wi * dx * dx;
        syy += wi * dy * dy;
        sxy += wi * dx * dy;
    }
    for (size_t i = 0; i < n; i++) {
        /* Without i the weighted sums of the deviations are -w_i d_i, so the
         * re-centred sums lose w_i d^2 + (w_i d)^2/(W - w_i). */
        long double wi = w ? w[i] : 1.0L, dx = x[i] - mx, dy = y[i] - my, f = wi * wi / (W - wi);
        jack[i] = ratio_or_nan((double)(sxy - wi * dx * dy - f * dx * dy),
                               (double)(sxx - wi * dx * dx - f * dx * dx),
                               (double)(syy - wi * dy * dy - f * dy * dy));
    }
    return PMS_OK;
}

/* sum_j w_j sign(v_j - v_i) d_j and sum_j w_j sign(v_j - v_i)^2 for every i,
 * from prefix sums over v's sorted groups. */
static void signed_sums(const double *d, const double *w, size_t n, const size_t *ord,
                        const size_t *gend, double *A, double *E)
{
    long double total = 0, wtot = 0;
    for (size_t i = 0; i < n; i++) {
        total += (long double)(w ? w[i] : 1.0) * d[i];
        wtot += w ? w[i] : 1.0;
    }
    long double below = 0;
    for (size_t a = 0; a < n; a = gend[a]) {
        long double g = 0, wg = 0;
        for (size_t j = a; j < gend[a]; j++) {
            double wi = w ? w[ord[j]] : 1.0;
            g += wi * d[ord[j]];
            wg += wi;
        }
        double v = (double)((total - below - g) - below), e = (double)(wtot - wg);
        for (size_t j = a; j < gend[a]; j++) {
            A[ord[j]] = v;
            E[ord[j]] = e;
        }
        below += g;
    }
}

static pms_status jack_spearman(const double *x, const double *y, const double *w, size_t n,
                                double *jack)
{
    size_t *ix = malloc(4 * n * sizeof *ix);
    double *d = malloc(9 * n * sizeof *d);
    if (!ix || !d) {
        free(ix);
        free(d);
        return PMS_ENOMEM;
    }
    size_t *ox = ix, *gx = ix + n, *oy = ix + 2 * n, *gy = ix + 3 * n;
    double *dx = d, *dy = d + n, *A = d + 2 * n, *B = d + 3 * n, *C = d + 4 * n, *D = d + 5 * n,
           *Ex = d + 6 * n, *Ey = d + 7 * n, *K = d + 8 * n;
    pms_status s = order_groups(x, n, ox, gx);
    if (!s) s = order_groups(y, n, oy, gy);
    if (!s) s = pms_corr_midranks(x, w, n, dx, NULL);
    if (!s) s = pms_corr_midranks(y, w, n, dy, NULL);
    if (!s) s = concordance_each(w, n, ox, gx, oy, gy, K);
    if (s) {
        free(ix);
        free(d);
        return s;
    }
    long double W = 0;
    for (size_t i = 0; i < n; i++) W += w ? w[i] : 1.0;
    /* Centre the ranks: the weighted mean of the weighted mid-ranks is W/2;
     * unweighted mid-ranks are 1-based, so their mean is (n+1)/2. */
    double half = w ? (double)(W / 2) : (double)(n + 1) / 2;
    long double sxx = 0, syy = 0, sxy = 0;
    for (size_t i = 0; i < n; i++) {
        double wi = w ? w[i] : 1.0;
        dx[i] -= half;
        dy[i] -= half;
        sxx += wi * (long double)dx[i] * dx[i];
        syy += wi * (long double)dy[i] * dy[i];
        sxy += wi * (long double)dx[i] * dy[i];
    }
    signed_sums(dy, w, n, ox, gx, A, Ex);   /* A_i = sum w_j sx_ij dy_j */
    signed_sums(dx, w, n, ox, gx, C, Ex);   /* C_i = sum w_j sx_ij dx_j; Ex_i = sum w_j sx_ij^2 */
    signed_sums(dx, w, n, oy, gy, B, Ey);   /* B_i = sum w_j sy_ij dx_j */
    signed_sums(dy, w, n, oy, gy, D, Ey);
    for (size_t i = 0; i < n; i++) {
        long double wi = w ? w[i] : 1.0, h = wi / 2, h2 = wi * wi / 4;
        long double Sxy = sxy - wi * dx[i] * dy[i] - h * A[i] - h * B[i] + h2 * K[i];
        long double Sxx = sxx - wi * dx[i] * dx[i] - wi * C[i] + h2 * Ex[i];
        long double Syy = syy - wi * dy[i] * dy[i] - wi * D[i] + h2 * Ey[i];
        jack[i] = ratio_or_nan((double)Sxy, (double)Sxx, (double)Syy);
    }
    free(ix);
    free(d);
    return PMS_OK;
}

static pms_status jack_kendall(const double *x, const double *y, size_t n, double *jack)
{
    size_t *ix = malloc(4 * n * sizeof *ix);
    double *K = malloc(n * sizeof *K);
    double *v = calloc(3 * n, sizeof *v);
    pms_status s = (!ix || !K || !v) ? PMS_ENOMEM : PMS_OK;
    size_t *ox = ix, *gx = ix + n, *oy = ix + 2 * n, *gy = ix + 3 * n;
    if (!s) s = order_groups(x, n, ox, gx);
    if (!s) s = order_groups(y, n, oy, gy);
    if (!s) s = concordance_each(NULL, n, ox, gx, oy, gy, K);
    if (!s) s = sort_pairs(x, y, n, v, v + n, NULL);
    if (s) {
        free(ix);
        free(K);
        free(v);
        return s;
    }
    kendall_parts kp;
    kendall_sorted(v, v + n, v + 2 * n, n, &kp);
    /* tie group size of each observation */
    double *tx = v, *ty = v + n;
    for (size_t a = 0; a < n; a = gx[a])
        for (size_t j = a; j < gx[a]; j++) tx[ox[j]] = (double)(gx[a] - a);
    for (size_t a = 0; a < n; a = gy[a])
        for (size_t j = a; j < gy[a]; j++) ty[oy[j]] = (double)(gy[a] - a);
    double n0 = (double)(n - 1) * (double)(n - 2) / 2;
    for (size_t i = 0; i < n; i++) {
        double S = (double)kp.cd - K[i];
        double n1 = (double)kp.tx.pairs - (tx[i] - 1), n2 = (double)kp.ty.pairs - (ty[i] - 1);
        if (!(n0 - n1 > 0 && n0 - n2 > 0)) {
            jack[i] = NAN;
            continue;
        }
        double t = S / (sqrt(n0 - n1) * sqrt(n0 - n2));
        jack[i] = t > 1 ? 1 : t < -1 ? -1 : t;
    }
    free(ix);
    free(K);
    free(v);
    return PMS_OK;
}

pms_status pms_corr_jackknife(const double *x, const double *y, const double *w, size_t n,
                              pms_corr_method method, double *jack, pms_err *err)
{
    if (n < 3) return pms_err_set(err, PMS_ETOOFEW, "%zu observations: a jackknife needs at least 3", n);
    pms_status s = check_xy(x, y, w, n, err);
    if (s) return s;
    switch (method) {
    case PMS_CORR_PEARSON: s = jack_pearson(x, y, w, n, jack); break;
    case PMS_CORR_SPEARMAN: s = jack_spearman(x, y, w, n, jack); break;
    case PMS_CORR_KENDALL:
        if (w) return pms_err_set(err, PMS_EUSAGE, "weighted Kendall's tau is not provided");
        s = jack_kendall(x, y, n, jack);
        break;
    default: return pms_err_set(err, PMS_EUSAGE, "unknown correlation method %d", (int)method);
    }
    return s ? pms_err_set(err, s, "%s", pms_strerror(s)) : PMS_OK;
}

/* ---- bootstrap ---- */

typedef struct {
    size_t n;
    pms_corr_method method;
    const double *w;
    uint64_t seed;
    double *reps;
    /* Pearson: data centred on the full-sample (weighted) means */
    double *xc, *yc;
    /* Spearman: x and y orders as observation | LAST_IN_GROUP, and the x
     * position of each entry of the y order (compact, read sequentially) */
    uint32_t *xo, *yo, *yx;
    /* Kendall: pairs sorted by (x, y), and the observation at each position */
    double *xs, *ys;
    size_t *perm;
} boot_ctx;

static double rep_pearson(const boot_ctx *c, const unsigned *cnt)
{
    double sw = 0, sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (!cnt[i]) continue;
        double v = c->w ? cnt[i] * c->w[i] : (double)cnt[i], x = c->xc[i], y = c->yc[i];
        sw += v;
        sx += v * x;
        sy += v * y;
        sxx += v * x * x;
        syy += v * y * y;
        sxy += v * x * y;
    }
    /* The data are centred on the full-sample means, so these corrections are
     * small and cost few digits. */
    return ratio_or_nan(sxy - sx * sy / sw, sxx - sx * sx / sw, syy - sy * sy / sw);
}

/* Flag on a sorted-order entry: the last observation of its tie group. */
#define LAST_IN_GROUP 0x80000000u
#define OBS_MASK 0x7fffffffu

static double rep_spearman(const boot_ctx *c, const unsigned *cnt, double *dxs)
{
    const size_t n = c->n;
    const double *w = c->w;
    double V = (double)n;   /* the multiplicities sum to n */
    if (w) {
        V = 0;
        for (size_t i = 0; i < n; i++) V += cnt[i] * w[i];
    }
    /* Weighted mid-ranks below + V_g/2 have weighted mean V/2 for any
     * multiplicities, so one sequential walk per order gives the centred
     * ranks.  dxs is indexed by position in x order; a group with no weight
     * still gets a (finite, unused) value so that 0 * dxs stays 0. */
    double half = V / 2, below = 0, vg = 0, sxx = 0, syy = 0, sxy = 0, cross = 0;
    size_t gs = 0;
    for (size_t k = 0; k < n; k++) {
        uint32_t e = c->xo[k];
        size_t i = e & OBS_MASK;
        vg += w ? cnt[i] * w[i] : (double)cnt[i];
        if (e & LAST_IN_GROUP) {
            double d = below + vg / 2 - half;
            sxx += vg * d * d;
            for (size_t q = gs; q <= k; q++) dxs[q] = d;
            below += vg;
            vg = 0;
            gs = k + 1;
        }
    }
    below = 0;
    for (size_t j = 0; j < n; j++) {
        uint32_t e = c->yo[j];
        size_t i = e & OBS_MASK;
        double v = w ? cnt[i] * w[i] : (double)cnt[i];
        vg += v;
        cross += v * dxs[c->yx[j]];
        if (e & LAST_IN_GROUP) {
            double d = below + vg / 2 - half;
            syy += vg * d * d;
            sxy += d * cross;
            below += vg;
            vg = cross = 0;
        }
    }
    return ratio_or_nan(sxy, sxx, syy);
}

static double rep_kendall(const boot_ctx *c, const unsigned *cnt, double *ex, double *ey,
                          double *tmp)
{
    size_t m = 0;
    for (size_t k = 0; k < c->n; k++)
        for (unsigned r = 0; r < cnt[c->perm[k]]; r++) {
            ex[m] = c->xs[k];
            ey[m++] = c->ys[k];
        }
    kendall_parts kp;
    kendall_sorted(ex, ey, tmp, m, &kp);
    return kp.tau;
}

static pms_status boot_block(size_t block, size_t first, size_t count, void *ctx)
{
    const boot_ctx *c = ctx;
    size_t n = c->n;
    unsigned *cnt = malloc(n * sizeof *cnt);
    double *scratch = malloc(3 * n * sizeof *scratch);
    gsl_rng *rng = pms_boot_rng_new(c->seed, block);
    if (!cnt || !scratch || !rng) {
        free(cnt);
        free(scratch);
        pms_boot_rng_free(rng);
        return PMS_ENOMEM;
    }
    for (size_t r = 0; r < count; r++) {
        pms_boot_multiplicities(rng, n, cnt);
        double v;
        switch (c->method) {
        case PMS_CORR_PEARSON: v = rep_pearson(c, cnt); break;
        case PMS_CORR_SPEARMAN: v = rep_spearman(c, cnt, scratch); break;
        default: v = rep_kendall(c, cnt, scratch, scratch + n, scratch + 2 * n); break;
        }
        c->reps[first + r] = v;
    }
    pms_boot_rng_free(rng);
    free(cnt);
    free(scratch);
    return PMS_OK;
}

pms_status pms_corr_bootstrap(const double *x, const double *y, const double *w, size_t n,
                              pms_corr_method method, const pms_corr_boot_opts *opts,
                              pms_boot_ci *out, double *reps, pms_err *err)
{
    if (!opts || opts->replicates < 2)
        return pms_err_set(err, PMS_EUSAGE, "a bootstrap needs at least 2 replicates");
    if (!(opts->level > 0 && opts->level < 1))
        return pms_err_set(err, PMS_EDOMAIN, "confidence level %g is not between 0 and 1", opts->level);
    if ((unsigned)method > PMS_CORR_KENDALL)
        return pms_err_set(err, PMS_EUSAGE, "unknown correlation method %d", (int)method);
    if (w && method == PMS_CORR_KENDALL)
        return pms_err_set(err, PMS_EUSAGE, "weighted Kendall's tau is not provided");
    if (n < 3) return pms_err_set(err, PMS_ETOOFEW, "%zu observations: a bootstrap needs at least 3", n);
    pms_status s = check_xy(x, y, w, n, err);
    if (s) return s;
    double est;
    switch (method) {
    case PMS_CORR_PEARSON: s = pearson_core(x, y, w, n, &est, NULL, err); break;
    case PMS_CORR_SPEARMAN: s = spearman_core(x, y, w, n, &est, NULL, NULL, err); break;
    default: {
        kendall_parts kp;
        s = kendall_core(x, y, n, &kp, NULL, err);
        est = kp.tau;
    }
    }
    if (s) return s;

    boot_ctx c;
    memset(&c, 0, sizeof c);
    c.n = n;
    c.method = method;
    c.w = w;
    c.seed = opts->seed;
    double *own = reps ? NULL : malloc(opts->replicates * sizeof *own);
    c.reps = reps ? reps : own;
    double *dbuf = malloc(3 * n * sizeof *dbuf);
    size_t *ibuf = malloc(4 * n * sizeof *ibuf);
    uint32_t *u32 = NULL;
    if (!c.reps || !dbuf || !ibuf) {
        s = PMS_ENOMEM;
        goto done;
    }
    double *jack = dbuf + 2 * n;
    if (method == PMS_CORR_PEARSON) {
        c.xc = dbuf;
        c.yc = dbuf + n;
        long double W = 0, sx = 0, sy = 0;
        for (size_t i = 0; i < n; i++) {
            long double wi = w ? w[i] : 1.0L;
            W += wi;
            sx += wi * x[i];
            sy += wi * y[i];
        }
        for (size_t i = 0; i < n; i++) {
            c.xc[i] = (double)(x[i] - sx / W);
            c.yc[i] = (double)(y[i] - sy / W);
        }
    } else if (method == PMS_CORR_SPEARMAN) {
        if (n > OBS_MASK) {
            s = pms_err_set(err, PMS_EUSAGE, "%zu observations: too many for the bootstrap", n);
            goto done;
        }
        size_t *ox = ibuf, *gx = ibuf + n, *oy = ibuf + 2 * n, *gy = ibuf + 3 * n;
        if ((s = order_groups(x, n, ox, gx)) || (s = order_groups(y, n, oy, gy))) goto done;
        u32 = malloc(3 * n * sizeof *u32);
        if (!u32) {
            s = PMS_ENOMEM;
            goto done;
        }
        c.xo = u32;
        c.yo = u32 + n;
        c.yx = u32 + 2 * n;
        for (size_t a = 0; a < n; a = gx[a])
            for (size_t k = a; k < gx[a]; k++)
                c.xo[k] = (uint32_t)ox[k] | (k + 1 == gx[a] ? LAST_IN_GROUP : 0);
        for (size_t a = 0; a < n; a = gy[a])
            for (size_t k = a; k < gy[a]; k++)
                c.yo[k] = (uint32_t)oy[k] | (k + 1 == gy[a] ? LAST_IN_GROUP : 0);
        /* x position of each observation (in gx's slot, no longer needed), then of each y entry */
        for (size_t k = 0; k < n; k++) gx[ox[k]] = k;
        for (size_t j = 0; j < n; j++) c.yx[j] = (uint32_t)gx[oy[j]];
    } else {
        c.xs = dbuf;
        c.ys = dbuf + n;
        c.perm = ibuf;
        if ((s = sort_pairs(x, y, n, c.xs, c.ys, c.perm))) goto done;
    }
    if ((s = pms_boot_run_blocks(opts->replicates, opts->threads, boot_block, &c))) goto done;
    if ((s = pms_corr_jackknife(x, y, w, n, method, jack, err))) goto done;
    s = pms_boot_intervals(est, c.reps, opts->replicates, jack, n, opts->level, out);
    if (s == PMS_ETOOFEW)
        pms_err_set(err, s, "fewer than 2 bootstrap resamples gave a defined correlation");
done:
    if (s == PMS_ENOMEM) pms_err_set(err, s, "out of memory");
    free(own);
    free(dbuf);
    free(ibuf);
    free(u32);
    return s;
}
