/* Descriptive statistics: mean, variance, standard deviation, lag-1
 * autocorrelation, weighted mean and variance.
 *
 * Accuracy first: every function takes two passes over the data (a
 * compensated sum for the first estimate of the mean, then a correction pass),
 * because the textbook one-pass formula sum(x^2) - n*mean^2 loses every digit
 * on data such as NIST NumAcc4 (values near 1e7 that differ in the 8th digit).
 * Checked against the NIST StRD certified values (tests/test_nist_univariate.c).
 *
 * Inputs are const and never reordered.  Every function checks n and
 * finiteness before computing and returns a status; outputs are written only
 * on success. */
#ifndef PMS_DESCRIPTIVE_H
#define PMS_DESCRIPTIVE_H

#include <stddef.h>

#include "base/status.h"

/* Denominator of a variance: an explicit convention, never a hidden default. */
typedef enum {
    PMS_VAR_SAMPLE = 0,     /* n - 1 (R's var/sd, NIST's "denom. = n-1") */
    PMS_VAR_POPULATION      /* n (maximum likelihood) */
} pms_var_denom;

/* Denominator of a weighted variance, with V1 = sum(w), V2 = sum(w^2). */
typedef enum {
    PMS_WVAR_RELIABILITY = 0, /* V1 - V2/V1: unbiased for reliability weights; R's
                                 cov.wt(method = "unbiased"), GSL's gsl_stats_wvariance */
    PMS_WVAR_FREQUENCY,       /* V1 - 1: weights are integer counts of repeated rows */
    PMS_WVAR_POPULATION       /* V1: R's cov.wt(method = "ML") */
} pms_wvar_denom;

typedef struct {
    size_t n;
    double mean;
    double variance;   /* with the denominator asked for */
    double sd;
    double autocorr1;  /* lag-1 autocorrelation, NIST's definition; NaN if n < 2 or
                          the data are constant */
} pms_desc_result;

/* Mean of n >= 1 finite values. PMS_ETOOFEW for n = 0, PMS_ENONFINITE for NaN/Inf. */
pms_status pms_desc_mean(const double *x, size_t n, double *mean);

/* Variance about the mean: n >= 2 for PMS_VAR_SAMPLE, n >= 1 for POPULATION. */
pms_status pms_desc_variance(const double *x, size_t n, pms_var_denom denom, double *var);

/* Lag-1 autocorrelation as NIST StRD (and R's acf) define it:
 *   r1 = sum_{i=2..n} (x_i - m)(x_{i-1} - m) / sum_{i=1..n} (x_i - m)^2.
 * n >= 2; PMS_ESINGULAR if the data are constant (0/0). */
pms_status pms_desc_autocorr1(const double *x, size_t n, double *r1);

/* All of the above in one call (n >= 2).  autocorr1 is NaN for constant data,
 * which is not an error here because mean and sd are still defined. */
pms_status pms_desc_summary(const double *x, size_t n, pms_var_denom denom,
                            pms_desc_result *out);

/* Weighted mean sum(w x)/sum(w); weights must be finite and > 0 (PMS_EDOMAIN). */
pms_status pms_desc_wmean(const double *x, const double *w, size_t n, double *mean);

/* Weighted variance sum(w (x - m_w)^2) / denominator.  PMS_ETOOFEW if the
 * denominator is not positive (n < 2, or frequency weights summing to <= 1). */
pms_status pms_desc_wvariance(const double *x, const double *w, size_t n,
                              pms_wvar_denom denom, double *var);

#endif
