/* Funnel-plot limits, z-scores and over-dispersion (see funnel.h). */
#include "analysis/funnel.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "analysis/sort.h"

typedef long double ld;

void pms_funnel_opts_default(pms_funnel_opts *o)
{
    memset(o, 0, sizeof *o);
    o->type = PMS_FUNNEL_MEAN;
    o->overdispersion = PMS_OD_NONE;
    o->winsorise = 0.1;
    o->levels[0] = 0.95;
    o->levels[1] = 0.998;
    o->nlevels = 2;
    o->grid = 200;
}

void pms_funnel_result_free(pms_funnel_result *r)
{
    if (!r) return;
    free(r->units);
    free(r->outliers);
    free(r->grid_size);
    free(r->grid_low);
    free(r->grid_high);
    r->units = NULL;
    r->outliers = NULL;
    r->grid_size = r->grid_low = r->grid_high = NULL;
}

double pms_funnel_binom_limit(double theta, double n, double p)
{
    unsigned N = (unsigned)n;
    /* Start from the normal approximation, then step to the smallest r with
     * F(r) >= p: a few steps, not a scan from 0. */
    double r0 = floor(n * theta + gsl_cdf_ugaussian_Pinv(p) * sqrt(n * theta * (1 - theta)));
    long r = r0 < 0 ? 0 : r0 > n ? (long)N : (long)r0;
    while (r > 0 && gsl_cdf_binomial_P((unsigned)(r - 1), theta, N) >= p) r--;
    while ((unsigned long)r < N && gsl_cdf_binomial_P((unsigned)r, theta, N) < p) r++;
    double F = gsl_cdf_binomial_P((unsigned)r, theta, N);
    double Fm = r > 0 ? gsl_cdf_binomial_P((unsigned)(r - 1), theta, N) : 0.0;
    double alpha = (F - p) / (F - Fm);
    return ((double)r - alpha) / n;
}

const char *pms_funnel_input_name(pms_funnel_input how)
{
    return how == PMS_FUNNEL_INPUT_COUNT     ? "count"
           : how == PMS_FUNNEL_INPUT_PERCENT ? "percentage"
                                             : "auto";
}

static pms_funnel_row_problem count_problem(double v, double size)
{
    if (v < 0) return PMS_FUNNEL_ROW_NEGATIVE;
    if (v != floor(v)) return PMS_FUNNEL_ROW_FRACTION;
    if (v > size) return PMS_FUNNEL_ROW_ABOVE_SIZE;
    return PMS_FUNNEL_ROW_OK;
}

static pms_funnel_row_problem percent_problem(double v)
{
    return v < 0 ? PMS_FUNNEL_ROW_NEGATIVE : v > 100 ? PMS_FUNNEL_ROW_ABOVE_100 : PMS_FUNNEL_ROW_OK;
}

/* Why not guess from the whole column and then blame the first row past 100:
 * with counts 150/200 (valid) and 60/50 (not), that blamed the valid row
 * (issue 17).  The row that decides is the first one that is not a count. */
pms_status pms_funnel_proportions(const double *value, const double *size, size_t n,
                                  pms_funnel_input how, double *prop,
                                  pms_funnel_input_check *chk)
{
    if (!value || !size || !prop || !chk) return PMS_EUSAGE;
    memset(chk, 0, sizeof *chk);
    for (size_t i = 0; i < n; i++)
        if (size[i] != floor(size[i])) {
            chk->bad = i;
            chk->problem = PMS_FUNNEL_ROW_SIZE_FRACTION;
            return PMS_EDOMAIN;
        }
    pms_funnel_input use = how;
    if (how != PMS_FUNNEL_INPUT_PERCENT) {
        for (size_t i = 0; i < n && !chk->problem; i++)
            if ((chk->problem = count_problem(value[i], size[i]))) chk->bad = i;
        if (!chk->problem) use = PMS_FUNNEL_INPUT_COUNT;
        else if (how == PMS_FUNNEL_INPUT_COUNT) return PMS_EDOMAIN;
        else use = PMS_FUNNEL_INPUT_PERCENT;
    }
    if (use == PMS_FUNNEL_INPUT_PERCENT) {
        for (size_t i = 0; i < n; i++) {
            pms_funnel_row_problem pr = percent_problem(value[i]);
            if (!pr) continue;
            if (how == PMS_FUNNEL_INPUT_AUTO) {
                chk->bad_pct = i;   /* bad/problem stay on the row that is not a count */
            } else {
                chk->bad = i;
                chk->problem = pr;
            }
            return PMS_EDOMAIN;
        }
        chk->problem = PMS_FUNNEL_ROW_OK;
    }
    chk->used = use;
    for (size_t i = 0; i < n; i++)
        prop[i] = use == PMS_FUNNEL_INPUT_COUNT ? value[i] / size[i] : value[i] / 100;
    return PMS_OK;
}

static int cmp_double(const void *a, const void *b)
{
    double u = *(const double *)a, v = *(const double *)b;
    return (u > v) - (u < v);
}

typedef struct { double key; size_t idx; } key_idx;

static int cmp_outlier(const void *a, const void *b)
{
    const key_idx *u = a, *v = b;
    if (u->key != v->key) return (u->key < v->key) - (u->key > v->key);   /* |z| descending */
    return (u->idx > v->idx) - (u->idx < v->idx);
}

/* Limits at size m for level index l given the adjusted-variance rule. */
static void limits_at(const pms_funnel_result *r, double m, size_t l, double *lo, double *hi)
{
    double lev = r->levels[l], theta = r->target;
    if (r->exact) {
        *lo = pms_funnel_binom_limit(theta, m, (1 - lev) / 2);
        *hi = pms_funnel_binom_limit(theta, m, (1 + lev) / 2);
        return;
    }
    double s2 = r->sigma * r->sigma / m;
    if (r->phi_applied) s2 *= r->phi;
    if (r->overdispersion == PMS_OD_ADDITIVE) s2 += r->tau2;
    double z = gsl_cdf_ugaussian_Pinv((1 + lev) / 2), s = sqrt(s2);
    *lo = theta - z * s;
    *hi = theta + z * s;
}

/* Finite inputs can still overflow: sigma^2 of values near 1e200 is inf,
 * and the limits become +-inf.  Such a fit is an error that says why, never
 * limits of inf (issue 11). */
static pms_status all_finite(pms_funnel_result *r, pms_err *err)
{
    int ok = isfinite(r->target) && isfinite(r->sigma) && isfinite(r->phi) && isfinite(r->tau2);
    for (size_t i = 0; i < r->n && ok; i++) {
        const pms_funnel_unit *u = &r->units[i];
        ok = isfinite(u->z) && isfinite(u->se);
        for (size_t l = 0; l < r->nlevels && ok; l++) ok = isfinite(u->low[l]) && isfinite(u->high[l]);
    }
    for (size_t g = 0; g < r->ngrid * r->nlevels && ok; g++)
        ok = isfinite(r->grid_low[g]) && isfinite(r->grid_high[g]);
    if (ok) return PMS_OK;
    pms_funnel_result_free(r);
    return pms_err_set(err, PMS_ENONFINITE,
                       "funnel: limits not computed: the spread of the values overflows "
                       "(values too large for double precision)");
}

/* The options and every unit's value and size, checked before anything is
 * computed. */
static pms_status check_inputs(const double *value, const double *size, size_t n,
                               const pms_funnel_opts *o, pms_err *err)
{
    if (n < 2) return pms_err_set(err, PMS_ETOOFEW, "funnel: %zu unit%s, need 2", n, n == 1 ? "" : "s");
    if (!(o->winsorise >= 0 && o->winsorise < 0.5))
        return pms_err_set(err, PMS_EDOMAIN, "funnel: Winsorising fraction %g is not in [0, 0.5)",
                           o->winsorise);
    if (o->nlevels < 1 || o->nlevels > PMS_FUNNEL_MAXLEVELS)
        return pms_err_set(err, PMS_EDOMAIN, "funnel: %zu limit levels, need 1 to %d", o->nlevels,
                           PMS_FUNNEL_MAXLEVELS);
    for (size_t l = 0; l < o->nlevels; l++) {
        if (!(o->levels[l] > 0 && o->levels[l] < 1))
            return pms_err_set(err, PMS_EDOMAIN, "funnel: limit level %g is not in (0, 1)",
                               o->levels[l]);
        if (l && !(o->levels[l] > o->levels[l - 1]))
            return pms_err_set(err, PMS_EDOMAIN, "funnel: limit levels must increase");
    }
    if (o->grid < 2) return pms_err_set(err, PMS_EDOMAIN, "funnel: the grid needs 2 points or more");
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(value[i]) || !isfinite(size[i]))
            return pms_err_set(err, PMS_ENONFINITE, "funnel: unit %zu: value or size is not finite",
                               i + 1);
        if (!(size[i] > 0))
            return pms_err_set(err, PMS_EDOMAIN, "funnel: unit %zu: size %g is not positive", i + 1,
                               size[i]);
        if (o->type == PMS_FUNNEL_PROPORTION) {
            if (size[i] != floor(size[i]) || size[i] > 4294967295.0)
                return pms_err_set(err, PMS_EDOMAIN,
                                   "funnel: unit %zu: denominator %g is not a whole number", i + 1,
                                   size[i]);
            if (!(value[i] >= 0 && value[i] <= 1))
                return pms_err_set(err, PMS_EDOMAIN,
                                   "funnel: unit %zu: proportion %g is not in [0, 1]", i + 1,
                                   value[i]);
        }
    }
    return PMS_OK;
}

/* The target (the size-weighted mean) and sigma: binomial for proportions,
 * else the size-weighted standard deviation. */
static pms_status target_sigma(const double *value, const double *size, size_t n,
                               const pms_funnel_opts *o, pms_funnel_result *out, pms_err *err)
{
    ld S = 0, Y = 0;
    for (size_t i = 0; i < n; i++) {
        S += size[i];
        Y += (ld)size[i] * value[i];
    }
    ld theta = Y / S;
    out->target = (double)theta;
    if (o->type == PMS_FUNNEL_PROPORTION) {
        if (!(theta > 0 && theta < 1))
            return pms_err_set(err, PMS_EDOMAIN,
                               "funnel: the pooled proportion is %g: no binomial limits", (double)theta);
        out->sigma = (double)sqrtl(theta * (1 - theta));
    } else {
        ld ss = 0;
        for (size_t i = 0; i < n; i++) {
            ld d = value[i] - theta;
            ss += size[i] * d * d;
        }
        out->sigma = (double)sqrtl(ss / (ld)(n - 1));
        if (!(out->sigma > 0))
            return pms_err_set(err, PMS_EDOMAIN, "funnel: every unit has the same value: no spread");
    }
    return PMS_OK;
}

/* zw[0..n) sorted in place as qsort with cmp_double sorts it (glibc's, a
 * stable merge sort): by the stable radix sort of analysis/sort.h, -0 and
 * +0 tied and in the order given; a NaN (a zero sigma), which cmp_double
 * finds equal to everything, keeps the comparison sort, whose order the
 * radix sort cannot reproduce.  PMS_ENOMEM without scratch. */
static pms_status sort_z(double *zw, size_t n)
{
    int nan = 0;
    for (size_t i = 0; i < n; i++) nan |= isnan(zw[i]);
    if (nan) {
        qsort(zw, n, sizeof *zw, cmp_double);
        return PMS_OK;
    }
    return pms_sort_values(zw, n);
}

/* Unadjusted z-scores, Winsorised phi and the DL tau^2 from it, and which
 * adjustment applies; zw is work space for n z-scores.  PMS_ENOMEM. */
static pms_status overdispersion(const double *value, const double *size, size_t n,
                                 const pms_funnel_opts *o, double *zw, pms_funnel_result *out)
{
    ld sw = 0, sw2 = 0;
    for (size_t i = 0; i < n; i++) {
        double s = out->sigma / sqrt(size[i]);
        zw[i] = (value[i] - out->target) / s;
        ld wi = 1 / ((ld)s * s);
        sw += wi;
        sw2 += wi * wi;
    }
    if (sort_z(zw, n)) return PMS_ENOMEM;
    size_t k = (size_t)floor(o->winsorise * (double)n);
    if (2 * k >= n) k = (n - 1) / 2;
    ld zz = 0;
    for (size_t j = 0; j < n; j++) {
        double z = zw[j < k ? k : j >= n - k ? n - k - 1 : j];
        zz += (ld)z * z;
    }
    ld phi = zz / (ld)n;
    out->phi = (double)phi;
    /* With the mean model's sigma and no Winsorising, sum z^2 = I - 1 exactly,
     * so the numerator is 0 up to rounding (~1e-16 I): treat that as 0. */
    ld num = (ld)n * phi - (ld)(n - 1);
    if (num <= 64 * (ld)DBL_EPSILON * (ld)n) num = 0;
    ld tau2 = num / (sw - sw2 / sw);
    out->tau2 = (double)tau2;
    out->phi_applied = o->overdispersion == PMS_OD_MULTIPLICATIVE && out->phi > 1;
    out->tau2_applied = o->overdispersion == PMS_OD_ADDITIVE && out->tau2 > 0;
    /* tau^2 = 0 adds nothing to the variance, so the exact binomial limits
     * still hold and are kept (Spiegelhalter 2005: normal limits are for the
     * adjusted variance only). */
    out->exact = o->type == PMS_FUNNEL_PROPORTION && !out->phi_applied && !out->tau2_applied;
    return PMS_OK;
}

/* Each unit's standard error, z-score and limits, and whether it lies
 * outside them; ko gets the outliers with |z| as key, *no their count. */
static void units_and_outliers(const double *value, const double *size, size_t n,
                               const pms_funnel_opts *o, pms_funnel_result *out, key_idx *ko,
                               size_t *no)
{
    *no = 0;
    for (size_t i = 0; i < n; i++) {
        pms_funnel_unit *u = &out->units[i];
        double s2 = out->sigma * out->sigma / size[i];
        if (out->phi_applied) s2 *= out->phi;
        if (o->overdispersion == PMS_OD_ADDITIVE) s2 += out->tau2;
        u->se = sqrt(s2);
        u->z = (value[i] - out->target) / u->se;
        for (size_t l = 0; l < o->nlevels; l++) {
            limits_at(out, size[i], l, &u->low[l], &u->high[l]);
            int dir = value[i] > u->high[l] ? 1 : value[i] < u->low[l] ? -1 : 0;
            if (dir) {
                u->outside++;
                u->direction = dir;
                out->n_outside[l]++;
                if (dir > 0) out->n_above[l]++;
                else out->n_below[l]++;
            }
        }
        if (u->outside) {
            ko[*no].key = fabs(u->z);
            ko[*no].idx = i;
            (*no)++;
        }
    }
}

/* Limit curves: log-spaced sizes (whole numbers for proportions, where
 * the exact limits need them), the ends being the smallest and largest unit. */
static void limit_curves(const double *size, size_t n, const pms_funnel_opts *o,
                         pms_funnel_result *out)
{
    double lo = size[0], hi = size[0];
    for (size_t i = 1; i < n; i++) {
        if (size[i] < lo) lo = size[i];
        if (size[i] > hi) hi = size[i];
    }
    out->ngrid = o->grid;
    for (size_t g = 0; g < o->grid; g++) {
        double m = g == 0 ? lo : g == o->grid - 1 ? hi
                          : exp(log(lo) + (log(hi) - log(lo)) * (double)g / (double)(o->grid - 1));
        if (o->type == PMS_FUNNEL_PROPORTION) m = round(m);
        out->grid_size[g] = m;
        for (size_t l = 0; l < o->nlevels; l++)
            limits_at(out, m, l, &out->grid_low[g * o->nlevels + l],
                      &out->grid_high[g * o->nlevels + l]);
    }
}

pms_status pms_funnel_fit(const double *value, const double *size, size_t n,
                          const pms_funnel_opts *o, pms_funnel_result *out, pms_err *err)
{
    memset(out, 0, sizeof *out);
    pms_status st = check_inputs(value, size, n, o, err);
    if (st) return st;
    out->n = n;
    out->type = o->type;
    out->overdispersion = o->overdispersion;
    out->nlevels = o->nlevels;
    memcpy(out->levels, o->levels, sizeof out->levels);
    out->winsorise = o->winsorise;
    if ((st = target_sigma(value, size, n, o, out, err))) return st;

    out->units = calloc(n, sizeof *out->units);
    double *zw = malloc(n * sizeof *zw);
    key_idx *ko = malloc(n * sizeof *ko);
    out->grid_size = malloc(o->grid * sizeof *out->grid_size);
    out->grid_low = malloc(o->grid * o->nlevels * sizeof *out->grid_low);
    out->grid_high = malloc(o->grid * o->nlevels * sizeof *out->grid_high);
    if (!out->units || !zw || !ko || !out->grid_size || !out->grid_low || !out->grid_high) {
        free(zw);
        free(ko);
        pms_funnel_result_free(out);
        return pms_err_set(err, PMS_ENOMEM, "funnel: out of memory");
    }
    if (overdispersion(value, size, n, o, zw, out)) {
        free(zw);
        free(ko);
        pms_funnel_result_free(out);
        return pms_err_set(err, PMS_ENOMEM, "funnel: out of memory");
    }
    free(zw);

    size_t no;
    units_and_outliers(value, size, n, o, out, ko, &no);
    qsort(ko, no, sizeof *ko, cmp_outlier);
    out->outliers = malloc((no ? no : 1) * sizeof *out->outliers);
    if (!out->outliers) {
        free(ko);
        pms_funnel_result_free(out);
        return pms_err_set(err, PMS_ENOMEM, "funnel: out of memory");
    }
    for (size_t j = 0; j < no; j++) out->outliers[j] = ko[j].idx;
    out->noutliers = no;
    free(ko);

    limit_curves(size, n, o, out);
    return all_finite(out, err);
}
