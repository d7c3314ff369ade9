#include "analysis/theilsen.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

typedef struct {
    size_t n;
    double *x, *y;        /* sorted by x, then by y */
    double *z, *tmp;      /* scratch for the counts */
    double tied;          /* pairs with equal x and equal y: counted by every count, not slopes */
} ts_ws;

static int cmp_xy(const void *a, const void *b)
{
    const double *p = a, *q = b;
    if (p[0] != q[0]) return p[0] < q[0] ? -1 : 1;
    return (p[1] > q[1]) - (p[1] < q[1]);
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Pairs i < j (in the array's order) with z[j] <= z[i], by merge sort. */
static double count_desc(double *z, double *tmp, size_t n)
{
    double c = 0;
    for (size_t w = 1; w < n; w *= 2) {
        for (size_t lo = 0; lo + w < n; lo += 2 * w) {
            size_t mid = lo + w, hi = lo + 2 * w < n ? lo + 2 * w : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) {
                /* z[j] <= z[i]: j pairs with every remaining left element. */
                if (z[j] <= z[i]) {
                    c += (double)(mid - i);
                    tmp[k++] = z[j++];
                } else
                    tmp[k++] = z[i++];
            }
            while (i < mid) tmp[k++] = z[i++];
            while (j < hi) tmp[k++] = z[j++];
            memcpy(z + lo, tmp + lo, (hi - lo) * sizeof *z);
        }
    }
    return c;
}

/* Pairs with x_i != x_j whose slope is <= t: in x order, slope_ij <= t exactly
 * when y_j - t x_j <= y_i - t x_i.  Pairs with equal x sit sorted by y, so
 * they count only when their y are equal too: subtracted once (ws->tied). */
static double count_le(ts_ws *ws, double t)
{
    for (size_t i = 0; i < ws->n; i++) ws->z[i] = ws->y[i] - t * ws->x[i];
    return count_desc(ws->z, ws->tmp, ws->n) - ws->tied;
}

/* Doubles as unsigned integers in the same order, so that bisection on the
 * integers ends at adjacent doubles within 64 steps whatever the range. */
static uint64_t key_of(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u >> 63 ? ~u : u | (UINT64_C(1) << 63);
}

static double double_of(uint64_t u)
{
    u = u >> 63 ? u & ~(UINT64_C(1) << 63) : ~u;
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

/* The k-th smallest slope (1-based): the smallest t with count_le(t) >= k. */
static double kth_slope(ts_ws *ws, double k, double lo, double hi)
{
    uint64_t a = key_of(lo), b = key_of(hi); /* count_le(lo) < k <= count_le(hi) */
    while (b - a > 1) {
        uint64_t m = a + (b - a) / 2;
        if (count_le(ws, double_of(m)) >= k) b = m;
        else a = m;
    }
    return double_of(b);
}

/* Sum over groups of equal values of f(group size). */
static void tie_sums(double *v, size_t n, double s[3])
{
    qsort(v, n, sizeof *v, cmp_d);
    s[0] = s[1] = s[2] = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && v[j] == v[i]) j++;
        double t = (double)(j - i);
        s[0] += t * (t - 1) * (2 * t + 5);
        s[1] += t * (t - 1) * (t - 2);
        s[2] += t * (t - 1);
        i = j;
    }
}

static double median_sorted(const double *v, size_t n)
{
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

pms_status pms_theilsen(const double *x, const double *y, size_t n, double ci_level,
                        pms_ts_result *out, pms_err *err)
{
    memset(out, 0, sizeof *out);
    if (!(ci_level > 0 && ci_level < 1))
        return pms_err_set(err, PMS_EDOMAIN, "confidence level must be in (0, 1), not %g", ci_level);
    if (n < 2) return pms_err_set(err, PMS_ETOOFEW, "Theil-Sen needs at least 2 points, not %zu", n);
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]) || !isfinite(y[i]))
            return pms_err_set(err, PMS_ENONFINITE, "Theil-Sen: point %zu is not finite", i + 1);
    double *xy = malloc(2 * n * sizeof *xy);
    ts_ws ws = {n, malloc(n * sizeof(double)), malloc(n * sizeof(double)),
                malloc(n * sizeof(double)), malloc(n * sizeof(double)), 0};
    pms_status st = PMS_OK;
    if (!xy || !ws.x || !ws.y || !ws.z || !ws.tmp) {
        st = pms_err_set(err, PMS_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) xy[2 * i] = x[i], xy[2 * i + 1] = y[i];
    qsort(xy, n, 2 * sizeof *xy, cmp_xy);
    for (size_t i = 0; i < n; i++) ws.x[i] = xy[2 * i], ws.y[i] = xy[2 * i + 1];
    /* Pairs with equal x: no slope.  Of those, pairs with equal y too are the
     * ones count_desc still counts. */
    double xtied = 0, mindx = INFINITY;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && ws.x[j] == ws.x[i]) j++;
        double g = (double)(j - i);
        xtied += g * (g - 1) / 2;
        for (size_t a = i; a < j;) {
            size_t b = a;
            while (b < j && ws.y[b] == ws.y[a]) b++;
            double h = (double)(b - a);
            ws.tied += h * (h - 1) / 2;
            a = b;
        }
        if (j < n && ws.x[j] - ws.x[i] < mindx) mindx = ws.x[j] - ws.x[i];
        i = j;
    }
    double npairs = (double)n * (double)(n - 1) / 2 - xtied;
    if (npairs < 1) {
        st = pms_err_set(err, PMS_ESINGULAR, "Theil-Sen: every x is the same, so no slope");
        goto done;
    }
    double ymin = INFINITY, ymax = -INFINITY;
    for (size_t i = 0; i < n; i++) ymin = fmin(ymin, y[i]), ymax = fmax(ymax, y[i]);
    /* Every slope lies within +/- (range of y) / (smallest gap in x). */
    double bound = (ymax - ymin) / mindx * (1 + 1e-9) + DBL_MIN;
    double lo = -bound * 2 - 1, hi = bound * 2 + 1;
    double k = floor((npairs + 1) / 2);
    out->slope = kth_slope(&ws, k, lo, hi);
    if (fmod(npairs, 2) == 0) out->slope = (out->slope + kth_slope(&ws, k + 1, lo, hi)) / 2;

    /* Kendall's Var(S) with ties in x (t) and y (u). */
    double sx[3], sy[3], nn = (double)n;
    for (size_t i = 0; i < n; i++) ws.z[i] = x[i], ws.tmp[i] = y[i];
    tie_sums(ws.z, n, sx);
    tie_sums(ws.tmp, n, sy);
    double v = (nn * (nn - 1) * (2 * nn + 5) - sx[0] - sy[0]) / 18;
    if (n > 2) v += sx[1] * sy[1] / (9 * nn * (nn - 1) * (nn - 2));
    v += sx[2] * sy[2] / (2 * nn * (nn - 1));
    out->var_s = v;
    double c = gsl_cdf_ugaussian_Pinv((1 + ci_level) / 2) * sqrt(v);
    double rlo = nearbyint((npairs - c) / 2), rhi = nearbyint((npairs + c) / 2 + 1);
    out->slope_low = rlo >= 1 && rlo <= npairs ? kth_slope(&ws, rlo, lo, hi) : NAN;
    out->slope_high = rhi >= 1 && rhi <= npairs ? kth_slope(&ws, rhi, lo, hi) : NAN;

    for (size_t i = 0; i < n; i++) ws.z[i] = y[i] - out->slope * x[i];
    qsort(ws.z, n, sizeof *ws.z, cmp_d);
    out->intercept = median_sorted(ws.z, n);
    out->ci_level = ci_level;
    out->n = n;
    out->npairs = npairs;
done:
    free(xy), free(ws.x), free(ws.y), free(ws.z), free(ws.tmp);
    return st;
}
