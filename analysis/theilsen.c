#include "analysis/theilsen.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "analysis/sort.h"

/* The slopes are q_ij = (y_j - y_i)/(x_j - x_i) computed in doubles (as R and
 * SciPy compute them), and the results are exact order statistics of those N
 * doubles, found in three steps (doc/methods/theil-sen.md):
 *   1. a random sample of pairs gives, for each wanted rank, a bracket (lo, hi]
 *      that very probably holds it;
 *   2. one merge sort counts the points' inversions of z = y - t1 x for a t1 a
 *      little below lo, and a second, from that order to the order of
 *      y - t2 x for a t2 a little above hi, lists the pairs whose order differs
 *      (the set E); every slope in (lo, hi] is in E, and outside E the rounded
 *      test z_j <= z_i at t1 agrees with q_ij <= lo (error bounds below), so
 *      the exact count of slopes <= lo follows from the first count and E;
 *   3. the wanted ranks are selected among the slopes of E in (lo, hi].
 * A rank outside its bracket (unlucky sample) widens the bracket and retries. */

typedef struct {
    double z;
    size_t i;
} ts_item;

typedef struct {
    double *v;
    size_t n, cap;
} ts_vec;

typedef struct {
    size_t n;
    double *x, *y;          /* sorted by x, then by y */
    double *z1, *z2;        /* y - t x at t1 and t2 */
    ts_item *a, *b;         /* merge sort buffers */
    double ax, ay, dxmin;   /* max |x|, max |y|, smallest gap between distinct x */
    double bound;           /* every slope lies in [-bound, bound] */
    double npairs;
    ts_vec cand;            /* slopes of E in (lo, hi] */
    uint64_t rng;
} ts_ws;

/* The slope of the pair, i before j in x order: the same expression as the
 * brute-force references (negating both differences would give the same bits). */
static inline double slope_of(const ts_ws *ws, size_t i, size_t j)
{
    return (ws->y[j] - ws->y[i]) / (ws->x[j] - ws->x[i]);
}

static uint64_t rng_next(uint64_t *s) /* splitmix64 */
{
    uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static int vec_push(ts_vec *v, double d)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? 2 * v->cap : 4096;
        double *p = realloc(v->v, cap * sizeof *p);
        if (!p) return -1;
        v->v = p, v->cap = cap;
    }
    v->v[v->n++] = d;
    return 0;
}

/* ---- Selection ---------------------------------------------------------- */

/* Rearranges v[0..n) so that v[k] is its (k+1)-th smallest, everything before
 * it <= and after it >=.  Three-way partitions, so ties cost nothing. */
static void select_kth(double *v, size_t n, size_t k)
{
    size_t lo = 0, hi = n; /* the answer is in [lo, hi) */
    while (hi - lo > 1) {
        double a = v[lo], b = v[lo + (hi - lo) / 2], c = v[hi - 1];
        double p = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
        size_t lt = lo, i = lo, gt = hi;
        while (i < gt) {
            double d = v[i];
            if (d < p) v[i++] = v[lt], v[lt++] = d;
            else if (d > p) v[i] = v[--gt], v[gt] = d;
            else i++;
        }
        if (k < lt) hi = lt;
        else if (k >= gt) lo = gt;
        else return;
    }
}

/* ---- Counting and listing by merge sort --------------------------------- */

/* Sorts the points by (z1 ascending, index descending) into ws->a and returns
 * the inversions: pairs i < j (x order) with z1[j] <= z1[i]. */
static double sort_count(ts_ws *ws)
{
    size_t n = ws->n;
    ts_item *a = ws->a, *b = ws->b;
    for (size_t i = 0; i < n; i++) a[i].z = ws->z1[i], a[i].i = i;
    double c = 0;
    for (size_t w = 1; w < n; w *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * w) {
            size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            size_t i = lo, j = mid, k = lo;
            size_t inv = 0;
            while (i < mid && j < hi) { /* the right one has the larger index */
                int right = a[j].z <= a[i].z;
                b[k++] = right ? a[j] : a[i];
                inv += right ? mid - i : 0;
                j += (size_t)right, i += (size_t)!right;
            }
            c += (double)inv;
            while (i < mid) b[k++] = a[i++];
            while (j < hi) b[k++] = a[j++];
        }
        ts_item *t = a; a = b, b = t;
    }
    if (a != ws->a) memcpy(ws->a, a, n * sizeof *a);
    return c;
}

/* The rounded count at t, for guidance only: pairs i < j (x order) with
 * z[j] <= z[i] for z = y - t x, including the few that rounding or equal x
 * misplace.  A merge sort of doubles in ws->z1 with ws->z2 as scratch. */
static double rough_count(ts_ws *ws, double t)
{
    size_t n = ws->n;
    double *a = ws->z1, *b = ws->z2, c = 0;
    for (size_t i = 0; i < n; i++) a[i] = ws->y[i] - t * ws->x[i];
    for (size_t w = 1; w < n; w *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * w) {
            size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            size_t i = lo, j = mid, k = lo;
            size_t inv = 0;
            while (i < mid && j < hi) { /* branch-free: the order is unpredictable */
                double l = a[i], r = a[j];
                int right = r <= l;
                b[k++] = right ? r : l;
                inv += right ? mid - i : 0;
                j += (size_t)right, i += (size_t)!right;
            }
            c += (double)inv;
            while (i < mid) b[k++] = a[i++];
            while (j < hi) b[k++] = a[j++];
        }
        double *s = a; a = b, b = s;
    }
    return c;
}

typedef struct {
    double lo, hi;
    double pred;  /* pairs of E with distinct x and z1[j] <= z1[i] */
    double le;    /* pairs of E with distinct x and q <= lo */
} ts_tally;

static int visit(ts_ws *ws, size_t p, size_t r, ts_tally *t)
{
    size_t i = p < r ? p : r, j = p < r ? r : p;
    if (ws->x[i] == ws->x[j]) return 0;
    double q = slope_of(ws, i, j);
    t->pred += ws->z1[j] <= ws->z1[i];
    if (q <= t->lo) t->le++;
    else if (q <= t->hi) return vec_push(&ws->cand, q);
    return 0;
}

/* From the order of ws->a (by t1) merge sorts by (z2 ascending, index
 * descending), visiting every pair whose two orders differ: the set E. */
static int list_changes(ts_ws *ws, ts_tally *t)
{
    size_t n = ws->n;
    ts_item *a = ws->a, *b = ws->b;
    for (size_t i = 0; i < n; i++) a[i].z = ws->z2[a[i].i];
    for (size_t w = 1; w < n; w *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * w) {
            size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) {
                if (a[j].z < a[i].z || (a[j].z == a[i].z && a[j].i > a[i].i)) {
                    for (size_t l = i; l < mid; l++)
                        if (visit(ws, a[l].i, a[j].i, t)) return -1;
                    b[k++] = a[j++];
                } else
                    b[k++] = a[i++];
            }
            while (i < mid) b[k++] = a[i++];
            while (j < hi) b[k++] = a[j++];
        }
        ts_item *s = a; a = b, b = s;
    }
    return 0;
}

/* Pairs with equal x among those counted by sort_count: within a group of
 * equal x the points are sorted by y, so z1 is non-decreasing and a pair
 * counts only when its z1 are equal. */
static double tied_counted(const ts_ws *ws)
{
    double c = 0;
    for (size_t i = 0; i < ws->n;) {
        size_t j = i + 1, run = 1;
        for (; j < ws->n && ws->x[j] == ws->x[i]; j++) {
            if (ws->z1[j] == ws->z1[j - 1]) run++;
            else c += (double)run * (double)(run - 1) / 2, run = 1;
        }
        c += (double)run * (double)(run - 1) / 2;
        i = j;
    }
    return c;
}

/* ---- Error bounds ------------------------------------------------------- */

/* How far (in slope) from t a pair's true slope s can be while the rounded
 * test z_j <= z_i at t disagrees with s <= t: each z = fl(y - fl(t x)) is
 * within u (|y| + 2|t x|) (+ an underflow term) of y - t x, and
 * z_j - z_i = (s - t)(x_j - x_i) with x_j - x_i >= dxmin. */
static double werr(const ts_ws *ws, double t)
{
    const double u = DBL_EPSILON / 2;
    double m = ws->ay + 2 * fabs(t) * ws->ax;
    return (2.5 * u * m + 0x1p-1070) / ws->dxmin;
}

/* |q - s| for a pair whose true slope is s: two rounded differences and a
 * rounded quotient, each a relative error <= u (differences that underflow are
 * exact), plus the quotient's underflow. */
static double qerr(double s)
{
    return 4 * (DBL_EPSILON / 2) * fabs(s) + 0x1p-1070;
}

/* A margin d such that at t -/+ d the rounded tests agree with the exact
 * comparisons for every pair whose slope is on the far side of t; 0 when the
 * scale of the data leaves none (the caller then falls back). */
static double margin(const ts_ws *ws, double t)
{
    double d = 16 * (werr(ws, t) + qerr(t)) + 4 * DBL_EPSILON * fabs(t);
    for (int it = 0; it < 64 && isfinite(d); it++, d *= 2) {
        double far = fabs(t) + d;
        if (d > 2 * (werr(ws, far) + qerr(far)) && isfinite(ws->ay + 2 * far * ws->ax)) return d;
    }
    return 0;
}

/* ---- One bracket -------------------------------------------------------- */

/* Exact count of slopes <= lo into *below and the slopes in (lo, hi] into
 * ws->cand.  Returns 1 when the scale defeats the error bounds, -1 when out of
 * memory. */
static int bracket(ts_ws *ws, double lo, double hi, double *below)
{
    double d1 = margin(ws, lo), d2 = margin(ws, hi);
    if (d1 == 0 || d2 == 0) return 1;
    double t1 = lo - d1, t2 = hi + d2;
    if (!(lo - t1 >= d1 / 2 && t2 - hi >= d2 / 2)) return 1;
    for (size_t i = 0; i < ws->n; i++) {
        ws->z1[i] = ws->y[i] - t1 * ws->x[i];
        ws->z2[i] = ws->y[i] - t2 * ws->x[i];
    }
    double c1 = sort_count(ws) - tied_counted(ws);
    ts_tally t = {lo, hi, 0, 0};
    ws->cand.n = 0;
    if (list_changes(ws, &t)) return -1;
    *below = c1 - t.pred + t.le;
    return 0;
}

/* ---- Ranks -------------------------------------------------------------- */

#define TS_MAXR 4

typedef struct {
    double rank[TS_MAXR]; /* 1-based, ascending */
    double *out[TS_MAXR];
    int nr;
} ts_ranks;

/* Slow exact fallback for data whose scale defeats the bounds (values near
 * the overflow threshold, x gaps 2^-49 of |x|): bisection on the doubles,
 * counting the slopes <= t pair by pair. */
static double count_le_brute(const ts_ws *ws, double t)
{
    double c = 0;
    for (size_t i = 0; i < ws->n; i++)
        for (size_t j = i + 1; j < ws->n; j++)
            if (ws->x[j] != ws->x[i]) c += slope_of(ws, i, j) <= t;
    return c;
}

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

static double kth_brute(const ts_ws *ws, double k)
{
    uint64_t a = key_of(-INFINITY) - 1, b = key_of(INFINITY); /* count(a) < k <= count(b) */
    while (b - a > 1) {
        uint64_t m = a + (b - a) / 2;
        if (count_le_brute(ws, double_of(m)) >= k) b = m;
        else a = m;
    }
    double r = double_of(b);
    return r == 0 ? 0.0 : r; /* the slope itself is +0, never -0 */
}

/* Every slope, when there are few: no sampling needed. */
static int all_slopes(ts_ws *ws, const ts_ranks *R)
{
    ws->cand.n = 0;
    for (size_t i = 0; i < ws->n; i++) {
        size_t j = i + 1;
        while (j < ws->n && ws->x[j] == ws->x[i]) j++;
        for (; j < ws->n; j++)
            if (vec_push(&ws->cand, slope_of(ws, i, j))) return -1;
    }
    size_t from = 0;
    for (int r = 0; r < R->nr; r++) {
        size_t k = (size_t)R->rank[r] - 1;
        select_kth(ws->cand.v + from, ws->cand.n - from, k - from);
        *R->out[r] = ws->cand.v[k];
        from = k;
    }
    return 0;
}

/* A bracket value below (dir < 0) or above the sample's (k+1)-th smallest v:
 * the midpoint between v and the next distinct sample value, so that the
 * bracket's end avoids tied slopes; far past the sample's ends.
 * Selection, not a sort: the sample is rearranged. */
static double edge(double *s, size_t m, double kk, int dir, double far)
{
    if (kk < 0 || kk >= (double)m) return far;
    size_t k = (size_t)kk;
    select_kth(s, m, k);
    double v = s[k], w = far;
    int found = 0;
    if (dir < 0) {
        for (size_t i = 0; i < k; i++)
            if (s[i] < v && (!found || s[i] > w)) w = s[i], found = 1;
    } else {
        for (size_t i = k + 1; i < m; i++)
            if (s[i] > v && (!found || s[i] < w)) w = s[i], found = 1;
    }
    return found ? v + (w - v) / 2 : far;
}

/* The ranks ra..rb-1 of R from the bracket (lo, hi] if they fall in it:
 * 0 done, 2 not in it, 1 fall back, -1 out of memory. */
static int try_bracket(ts_ws *ws, const ts_ranks *R, int ra, int rb, double lo, double hi)
{
    double below;
    int st = bracket(ws, lo, hi, &below);
    if (st) return st;
    if (!(below < R->rank[ra] && R->rank[rb - 1] <= below + (double)ws->cand.n)) return 2;
    size_t from = 0;
    for (int r = ra; r < rb; r++) {
        size_t k = (size_t)(R->rank[r] - below) - 1;
        select_kth(ws->cand.v + from, ws->cand.n - from, k - from);
        *R->out[r] = ws->cand.v[k];
        from = k;
    }
    return 0;
}

/* The sample's slopes inside (lo, hi), and the bracket they suggest for ranks
 * a..b when the (rounded) counts at lo and hi are cl and ch: interpolation
 * between the two counts, +/- 3 standard deviations of the sample's ranks. */
static int refine(const double *s, size_t m, double lo, double hi, double cl, double ch,
                  double ra, double rb, double *lo1, double *hi1)
{
    size_t K = 0;
    for (size_t i = 0; i < m; i++) K += s[i] > lo && s[i] < hi;
    double *t = malloc((K ? K : 1) * sizeof *t);
    if (!t) return -1;
    K = 0;
    for (size_t i = 0; i < m; i++)
        if (s[i] > lo && s[i] < hi) t[K++] = s[i];
    double g0 = (ra - 0.5 - cl) / (ch - cl), g1 = (rb - 0.5 - cl) / (ch - cl), k = (double)K;
    double p0 = g0 * k - 3 * sqrt(k * g0 * (1 - g0)) - 2, p1 = g1 * k + 3 * sqrt(k * g1 * (1 - g1)) + 2;
    *lo1 = edge(t, K, floor(p0), -1, lo);
    *hi1 = edge(t, K, ceil(p1), 1, hi);
    free(t);
    return 0;
}

/* The ranks ra..rb-1 of R from one bracket, widening it until they fall in.
 * s is the sample of m slopes.  1: fall back; -1: out of memory.  The first
 * bracket, from the sample alone, holds about 6N/sqrt(m) slopes; two rounded
 * counts at its ends narrow it by interpolation among the sample's slopes
 * inside, to a few times N/m, before the exact count and listing. */
static int solve_group(ts_ws *ws, const ts_ranks *R, int ra, int rb, double *s, size_t m)
{
    double N = ws->npairs;
    for (double c = 3; ; c *= 2) {
        double f0 = (R->rank[ra] - 0.5) / N, f1 = (R->rank[rb - 1] - 0.5) / N;
        double p0 = f0 * (double)m - c * sqrt((double)m * f0 * (1 - f0)) - 1;
        double p1 = f1 * (double)m + c * sqrt((double)m * f1 * (1 - f1)) + 1;
        int whole = c > 100;
        double lo = whole ? -ws->bound : edge(s, m, floor(p0), -1, -ws->bound);
        double hi = whole ? ws->bound : edge(s, m, ceil(p1), 1, ws->bound);
        if (c == 3) {
            double cl = rough_count(ws, lo), ch = rough_count(ws, hi), lo1, hi1;
            if (cl < R->rank[ra] && R->rank[rb - 1] <= ch) {
                if (refine(s, m, lo, hi, cl, ch, R->rank[ra], R->rank[rb - 1], &lo1, &hi1)) return -1;
                int st = try_bracket(ws, R, ra, rb, lo1, hi1);
                if (st != 2) return st;
            }
        }
        int st = try_bracket(ws, R, ra, rb, lo, hi);
        if (st != 2) return st;
        if (whole) return 1; /* cannot happen: the bounds hold every slope */
    }
}

/* Sample size: enough that a bracket holds about 3N/sqrt(m) slopes, a few
 * times n, while sampling stays cheaper than a merge sort pass or two. */
static size_t sample_size(size_t n)
{
    size_t m = 4 * n;
    return m < 4096 ? 4096 : m > (1u << 18) ? (1u << 18) : m;
}

/* The order statistics R of the slopes, exactly. */
static int order_stats(ts_ws *ws, ts_ranks *R)
{
    size_t m = sample_size(ws->n);
    if (ws->npairs <= 4.0 * (double)m) return all_slopes(ws, R);
    double *s = malloc(m * sizeof *s);
    if (!s) return -1;
    size_t got = 0;
    for (size_t tries = 0; got < m && tries < 8 * m; tries++) {
        size_t i = (size_t)(rng_next(&ws->rng) % ws->n), j = (size_t)(rng_next(&ws->rng) % ws->n);
        if (ws->x[i] == ws->x[j]) continue;
        s[got++] = i < j ? slope_of(ws, i, j) : slope_of(ws, j, i);
    }
    int st = 0;
    /* Ranks closer than a narrowed bracket's width share it. */
    double width = 64 * ws->npairs / (double)(got ? got : 1);
    for (int a = 0; a < R->nr && !st;) {
        int b = a + 1;
        while (b < R->nr && R->rank[b] - R->rank[b - 1] < width) b++;
        st = got ? solve_group(ws, R, a, b, s, got) : 1;
        a = b;
    }
    free(s);
    if (st > 0)
        for (int r = 0; r < R->nr; r++) *R->out[r] = kth_brute(ws, R->rank[r]);
    return st < 0 ? -1 : 0;
}

/* Sum over groups of equal values of f(group size); v sorted. */
static void tie_sums(const double *v, size_t n, double s[3])
{
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

/* The median as of the sorted values (the mean of the middle two for even
 * n), by selection; v is rearranged. */
static double median_of(double *v, size_t n)
{
    select_kth(v, n, n / 2);
    if (n % 2) return v[n / 2];
    double below = v[0];
    for (size_t i = 1; i < n / 2; i++) below = fmax(below, v[i]);
    return (below + v[n / 2]) / 2;
}

/* Values all within a factor 2 of one c (times in seconds since 1970, say)
 * are moved to v - c, exactly (Sterbenz): the differences, hence the slopes,
 * keep every bit, and the error bounds, proportional to max |v|, shrink. */
static void shift_exact(double *v, size_t n)
{
    double lo = v[0], hi = v[0];
    for (size_t i = 1; i < n; i++) lo = fmin(lo, v[i]), hi = fmax(hi, v[i]);
    double c = lo > 0 && hi <= 2 * lo ? lo : hi < 0 && lo >= 2 * hi ? hi : 0;
    if (c != 0)
        for (size_t i = 0; i < n; i++) v[i] -= c;
}

/* Sorts the points by x then y into ws, and finds the pairs, the scale and
 * the bound on the slopes. */
static pms_status prepare(ts_ws *ws, const double *x, const double *y, pms_err *err)
{
    size_t n = ws->n;
    /* By y, then stably by x: (x, y) order, ties (-0 and +0 alike) in the
     * order given, as a stable comparison sort by (x, y) gives. */
    size_t *ord = malloc(n * sizeof *ord);
    if (!ord || pms_sort_index(y, n, ord) || pms_sort_order(x, n, ord)) {
        free(ord);
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) ws->x[i] = x[ord[i]], ws->y[i] = y[ord[i]];
    free(ord);
    shift_exact(ws->x, n);
    shift_exact(ws->y, n);
    double xtied = 0, ymin = INFINITY, ymax = -INFINITY;
    ws->dxmin = INFINITY;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && ws->x[j] == ws->x[i]) j++;
        xtied += (double)(j - i) * (double)(j - i - 1) / 2;
        if (j < n && ws->x[j] - ws->x[i] < ws->dxmin) ws->dxmin = ws->x[j] - ws->x[i];
        i = j;
    }
    for (size_t i = 0; i < n; i++) {
        ymin = fmin(ymin, ws->y[i]), ymax = fmax(ymax, ws->y[i]);
        ws->ax = fmax(ws->ax, fabs(ws->x[i])), ws->ay = fmax(ws->ay, fabs(ws->y[i]));
    }
    ws->npairs = (double)n * (double)(n - 1) / 2 - xtied;
    if (ws->npairs < 1) return pms_err_set(err, PMS_ESINGULAR, "Theil-Sen: every x is the same, so no slope");
    /* |q| <= (ymax - ymin)/dxmin, up to the three roundings. */
    ws->bound = (ymax - ymin) / ws->dxmin * (1 + 1e-9) + 0x1p-1000;
    /* The gaps themselves are rounded: shrink the smallest so werr stays an upper bound. */
    ws->dxmin *= 1 - DBL_EPSILON;
    return PMS_OK;
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
    ts_ws ws = {.n = n, .rng = UINT64_C(0x5EED) ^ (uint64_t)n};
    ws.x = malloc(n * sizeof(double)), ws.y = malloc(n * sizeof(double));
    ws.z1 = malloc(n * sizeof(double)), ws.z2 = malloc(n * sizeof(double));
    ws.a = malloc(n * sizeof *ws.a), ws.b = malloc(n * sizeof *ws.b);
    pms_status st = PMS_OK;
    if (!ws.x || !ws.y || !ws.z1 || !ws.z2 || !ws.a || !ws.b) {
        st = pms_err_set(err, PMS_ENOMEM, "out of memory");
        goto done;
    }
    if ((st = prepare(&ws, x, y, err))) goto done;
    double npairs = ws.npairs;

    /* Kendall's Var(S) with ties in x (t) and y (u). */
    double sx[3], sy[3], nn = (double)n;
    size_t *ord = malloc(n * sizeof *ord);
    if (!ord || pms_sort_index(y, n, ord)) {
        free(ord);
        st = pms_err_set(err, PMS_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) ws.z2[i] = y[ord[i]]; /* y sorted, for its ties */
    free(ord);
    tie_sums(ws.x, n, sx); /* sorted by x already */
    tie_sums(ws.z2, n, sy);
    double v = (nn * (nn - 1) * (2 * nn + 5) - sx[0] - sy[0]) / 18;
    if (n > 2) v += sx[1] * sy[1] / (9 * nn * (nn - 1) * (nn - 2));
    v += sx[2] * sy[2] / (2 * nn * (nn - 1));
    out->var_s = v;
    double c = gsl_cdf_ugaussian_Pinv((1 + ci_level) / 2) * sqrt(v);
    double rlo = nearbyint((npairs - c) / 2), rhi = nearbyint((npairs + c) / 2 + 1);

    /* The wanted ranks: both bounds when inside 1..N, and the median (the
     * middle two for an even N); sorted, since a bound can share a rank with
     * the median when N is tiny or the level near 0. */
    double k = floor((npairs + 1) / 2), mid2 = 0;
    int even = fmod(npairs, 2) == 0;
    out->slope_low = out->slope_high = NAN;
    ts_ranks R = {{0}, {0}, 0};
    if (rlo >= 1 && rlo <= npairs) R.rank[R.nr] = rlo, R.out[R.nr++] = &out->slope_low;
    R.rank[R.nr] = k, R.out[R.nr++] = &out->slope;
    if (even) R.rank[R.nr] = k + 1, R.out[R.nr++] = &mid2;
    if (rhi >= 1 && rhi <= npairs) R.rank[R.nr] = rhi, R.out[R.nr++] = &out->slope_high;
    for (int i = 1; i < R.nr; i++)
        for (int j = i; j > 0 && R.rank[j] < R.rank[j - 1]; j--) {
            double tr = R.rank[j];
            double *to = R.out[j];
            R.rank[j] = R.rank[j - 1], R.out[j] = R.out[j - 1];
            R.rank[j - 1] = tr, R.out[j - 1] = to;
        }
    if (order_stats(&ws, &R)) {
        st = pms_err_set(err, PMS_ENOMEM, "out of memory");
        goto done;
    }
    if (even) out->slope = (out->slope + mid2) / 2;

    for (size_t i = 0; i < n; i++) ws.z1[i] = y[i] - out->slope * x[i];
    out->intercept = median_of(ws.z1, n);
    out->ci_level = ci_level;
    out->n = n;
    out->npairs = npairs;
done:
    free(ws.x), free(ws.y), free(ws.z1), free(ws.z2), free(ws.a), free(ws.b), free(ws.cand.v);
    return st;
}
