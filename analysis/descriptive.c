/* Descriptive statistics by two-pass, compensated algorithms.
 *
 * References: Chan, Golub & LeVeque (1983), "Algorithms for computing the
 * sample variance: analysis and recommendations", Am. Stat. 37:242-247 (the
 * corrected two-pass formula); Neumaier (1974) for the compensated sum;
 * NIST StRD univariate summary statistics for the autocorrelation definition. */
#include "analysis/descriptive.h"

#include <math.h>

/* Neumaier's compensated sum: keeps the low-order bits that a plain running
 * sum drops when terms are much smaller than the total (NumAcc3/4). */
typedef struct {
    double s, c;
} ksum;

static void ksum_add(ksum *k, double v)
{
    double t = k->s + v;
    if (fabs(k->s) >= fabs(v))
        k->c += (k->s - t) + v;
    else
        k->c += (v - t) + k->s;
    k->s = t;
}

static double ksum_value(const ksum *k) { return k->s + k->c; }

static pms_status check_finite(const double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i])) return PMS_ENONFINITE;
    return PMS_OK;
}

/* The mean, refined by a second pass: the first estimate carries the rounding
 * of the sum; adding the mean of the deviations from it removes that error
 * (as R's mean.default does). */
static double mean_two_pass(const double *x, size_t n)
{
    ksum k = {0, 0};
    for (size_t i = 0; i < n; i++) ksum_add(&k, x[i]);
    double m = ksum_value(&k) / (double)n;
    ksum d = {0, 0};
    for (size_t i = 0; i < n; i++) ksum_add(&d, x[i] - m);
    return m + ksum_value(&d) / (double)n;
}

/* Sum of squared deviations about m, with the Chan-Golub-LeVeque correction
 * term that cancels the error left in m; accumulated in long double because
 * the sum of many similar squares otherwise carries n roundings. */
static double sumsq_dev(const double *x, size_t n, double m)
{
    long double s2 = 0, s1 = 0;
    for (size_t i = 0; i < n; i++) {
        long double d = (long double)x[i] - m;
        s1 += d;
        s2 += d * d;
    }
    long double ss = s2 - s1 * s1 / (long double)n;
    return (double)(ss > 0 ? ss : 0);
}

pms_status pms_desc_mean(const double *x, size_t n, double *mean)
{
    if (!x || !mean) return PMS_EUSAGE;
    if (n == 0) return PMS_ETOOFEW;
    pms_status s = check_finite(x, n);
    if (s != PMS_OK) return s;
    double m = mean_two_pass(x, n);
    /* finite inputs can still overflow a sum (1e308 + 1e308): an error, never inf */
    if (!isfinite(m)) return PMS_ENONFINITE;
    *mean = m;
    return PMS_OK;
}

pms_status pms_desc_variance(const double *x, size_t n, pms_var_denom denom, double *var)
{
    if (!x || !var) return PMS_EUSAGE;
    if (denom != PMS_VAR_SAMPLE && denom != PMS_VAR_POPULATION) return PMS_EUSAGE;
    if (n < (denom == PMS_VAR_SAMPLE ? 2u : 1u)) return PMS_ETOOFEW;
    pms_status s = check_finite(x, n);
    if (s != PMS_OK) return s;
    double m = mean_two_pass(x, n);
    double ss = sumsq_dev(x, n, m);
    double v = ss / (double)(denom == PMS_VAR_SAMPLE ? n - 1 : n);
    if (!isfinite(m) || !isfinite(v)) return PMS_ENONFINITE; /* overflow */
    *var = v;
    return PMS_OK;
}

/* Numerator and denominator of r1 about the (accurate) mean m; the lagged
 * products are accumulated in long double, as the squares are. */
static void autocorr_parts(const double *x, size_t n, double m, double *num, double *den)
{
    long double a = 0;
    for (size_t i = 1; i < n; i++)
        a += ((long double)x[i] - m) * ((long double)x[i - 1] - m);
    *num = (double)a;
    *den = sumsq_dev(x, n, m);
}

pms_status pms_desc_autocorr1(const double *x, size_t n, double *r1)
{
    if (!x || !r1) return PMS_EUSAGE;
    if (n < 2) return PMS_ETOOFEW;
    pms_status s = check_finite(x, n);
    if (s != PMS_OK) return s;
    double num, den;
    autocorr_parts(x, n, mean_two_pass(x, n), &num, &den);
    if (!isfinite(num) || !isfinite(den)) return PMS_ENONFINITE; /* overflow */
    if (!(den > 0)) return PMS_ESINGULAR;
    *r1 = num / den;
    return PMS_OK;
}

pms_status pms_desc_summary(const double *x, size_t n, pms_var_denom denom,
                            pms_desc_result *out)
{
    if (!x || !out) return PMS_EUSAGE;
    if (denom != PMS_VAR_SAMPLE && denom != PMS_VAR_POPULATION) return PMS_EUSAGE;
    if (n < 2) return PMS_ETOOFEW;
    pms_status s = check_finite(x, n);
    if (s != PMS_OK) return s;
    double m = mean_two_pass(x, n);
    double num, den;
    autocorr_parts(x, n, m, &num, &den);
    if (!isfinite(m) || !isfinite(den) || !isfinite(num) ||
        !isfinite(den / (double)(denom == PMS_VAR_SAMPLE ? n - 1 : n)))
        return PMS_ENONFINITE; /* a sum overflowed */
    out->n = n;
    out->mean = m;
    out->variance = den / (double)(denom == PMS_VAR_SAMPLE ? n - 1 : n);
    out->sd = sqrt(out->variance);
    out->autocorr1 = den > 0 ? num / den : NAN;
    return PMS_OK;
}

static pms_status check_weights(const double *x, const double *w, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i]) || !isfinite(w[i])) return PMS_ENONFINITE;
        if (!(w[i] > 0)) return PMS_EDOMAIN;
    }
    return PMS_OK;
}

static double wmean_two_pass(const double *x, const double *w, size_t n, double *sumw)
{
    ksum sw = {0, 0}, swx = {0, 0};
    for (size_t i = 0; i < n; i++) {
        ksum_add(&sw, w[i]);
        ksum_add(&swx, w[i] * x[i]);
    }
    double W = ksum_value(&sw);
    double m = ksum_value(&swx) / W;
    ksum d = {0, 0};
    for (size_t i = 0; i < n; i++) ksum_add(&d, w[i] * (x[i] - m));
    *sumw = W;
    return m + ksum_value(&d) / W;
}

pms_status pms_desc_wmean(const double *x, const double *w, size_t n, double *mean)
{
    if (!x || !w || !mean) return PMS_EUSAGE;
    if (n == 0) return PMS_ETOOFEW;
    pms_status s = check_weights(x, w, n);
    if (s != PMS_OK) return s;
    double W, m = wmean_two_pass(x, w, n, &W);
    if (!isfinite(m)) return PMS_ENONFINITE; /* sum of w x or of w overflowed */
    *mean = m;
    return PMS_OK;
}

pms_status pms_desc_wvariance(const double *x, const double *w, size_t n,
                              pms_wvar_denom denom, double *var)
{
    if (!x || !w || !var) return PMS_EUSAGE;
    if (denom != PMS_WVAR_RELIABILITY && denom != PMS_WVAR_FREQUENCY &&
        denom != PMS_WVAR_POPULATION)
        return PMS_EUSAGE;
    if (n == 0 || (denom != PMS_WVAR_POPULATION && n < 2)) return PMS_ETOOFEW;
    pms_status s = check_weights(x, w, n);
    if (s != PMS_OK) return s;
    double W;
    double m = wmean_two_pass(x, w, n, &W);
    ksum s1 = {0, 0}, s2 = {0, 0}, sw2 = {0, 0};
    for (size_t i = 0; i < n; i++) {
        double d = x[i] - m;
        ksum_add(&s1, w[i] * d);
        ksum_add(&s2, w[i] * d * d);
        ksum_add(&sw2, w[i] * w[i]);
    }
    double c = ksum_value(&s1);
    double ss = ksum_value(&s2) - c * c / W;
    if (ss < 0) ss = 0;
    double den;
    switch (denom) {
    case PMS_WVAR_RELIABILITY: den = W - ksum_value(&sw2) / W; break;
    case PMS_WVAR_FREQUENCY: den = W - 1; break;
    default: den = W; break;
    }
    if (!isfinite(m) || !isfinite(ss) || !isfinite(den)) return PMS_ENONFINITE; /* overflow */
    if (!(den > 0)) return PMS_ETOOFEW;
    if (!isfinite(ss / den)) return PMS_ENONFINITE;
    *var = ss / den;
    return PMS_OK;
}
