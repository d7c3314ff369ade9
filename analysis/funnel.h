/* Funnel plots for comparing units of different size (Spiegelhalter 2005,
 * "Funnel plots for comparing institutional performance", Stat Med 24,
 * 1185-1202; and "Handling over-dispersion of performance indicators",
 * Qual Saf Health Care 14, 347-351).
 *
 * Each unit i has an indicator y_i and a size n_i.  Under the null every unit
 * has the target theta with standard error s_i = s(n_i):
 *   proportion: y_i = count/denominator in [0, 1], n_i the denominator (whole),
 *     theta = sum y_i n_i / sum n_i (the pooled proportion),
 *     s(n) = sqrt(theta (1 - theta) / n);  limits without over-dispersion are
 *     Spiegelhalter's interpolated exact binomial limits (2005, appendix A.1.1):
 *     for a tail probability p, r_p = the smallest r with F(r) >= p (F the
 *     Binomial(n, theta) distribution function), alpha = (F(r_p) - p) /
 *     (F(r_p) - F(r_p - 1)), limit = (r_p - alpha) / n.
 *   mean: y_i a mean per unit of size (e.g. payments per weighted patient),
 *     n_i the size (weighted patients), theta = sum n_i y_i / sum n_i,
 *     variance model Var(y_i) = sigma^2 / n_i with sigma estimated from the
 *     units, sigma^2 = sum n_i (y_i - theta)^2 / (I - 1) (its moment estimator
 *     under the model), s(n) = sigma / sqrt(n); limits theta +- z s(n).
 * z-scores z_i = (y_i - theta) / s_i.
 *
 * Over-dispersion (Spiegelhalter 2005, QSHC):
 *   multiplicative: phi = (1/I) sum z_w^2, z_w the z-scores Winsorised at the
 *     fraction q in each tail (the floor(q I) lowest set to the next lowest,
 *     the floor(q I) highest to the next highest); applied only if phi > 1 (no
 *     adjustment for under-dispersion, as NHS practice); then s_i -> s_i sqrt(phi)
 *     and limits are normal: theta +- z sqrt(phi) s(n).
 *   additive: tau^2 = (I phi - (I - 1)) / (sum w_i - sum w_i^2 / sum w_i),
 *     w_i = 1/s_i^2, truncated at 0 (the DerSimonian-Laird moment estimator
 *     with the Winsorised phi; with q = 0 it equals metafor's rma(method = "DL")
 *     since the inverse-variance mean is theta), then s_i -> sqrt(s_i^2 + tau^2)
 *     and limits theta +- z sqrt(s(n)^2 + tau^2).
 * With either adjustment the z-scores are recomputed with the adjusted s_i. */
#ifndef PMS_FUNNEL_H
#define PMS_FUNNEL_H

#include <stddef.h>

#include "base/status.h"

typedef enum { PMS_FUNNEL_PROPORTION = 0, PMS_FUNNEL_MEAN = 1 } pms_funnel_type;
typedef enum { PMS_OD_NONE = 0, PMS_OD_MULTIPLICATIVE, PMS_OD_ADDITIVE } pms_funnel_od;

#define PMS_FUNNEL_MAXLEVELS 4

typedef struct {
    pms_funnel_type type;
    pms_funnel_od overdispersion;
    double winsorise;                       /* fraction per tail in [0, 0.5); default 0.1 */
    double levels[PMS_FUNNEL_MAXLEVELS];    /* two-sided coverage, ascending; default 0.95, 0.998 */
    size_t nlevels;
    size_t grid;                            /* points of the limit curves (>= 2); default 200 */
} pms_funnel_opts;

void pms_funnel_opts_default(pms_funnel_opts *o);

typedef struct {
    double z;             /* (y - theta)/s, with the adjusted s */
    double se;            /* s_i, adjusted */
    double low[PMS_FUNNEL_MAXLEVELS], high[PMS_FUNNEL_MAXLEVELS];   /* limits at n_i */
    int outside;          /* number of levels whose limits the unit falls outside (0 = none) */
    int direction;        /* +1 above the upper limit, -1 below the lower, 0 inside */
} pms_funnel_unit;

typedef struct {
    size_t n;
    pms_funnel_type type;
    pms_funnel_od overdispersion;
    size_t nlevels;
    double levels[PMS_FUNNEL_MAXLEVELS];
    double target;        /* theta */
    double sigma;         /* mean: per-unit-of-size SD; proportion: sqrt(theta(1-theta)) */
    double phi;           /* Winsorised estimate (reported whatever the choice) */
    int phi_applied;      /* 1 if multiplicative and phi > 1 (never for additive) */
    double tau2;          /* additive: estimate (0 if truncated); else the estimate too */
    int tau2_applied;     /* 1 if additive and tau2 > 0 (limits normal, widened); with
                             tau2 = 0 a proportion keeps its exact binomial limits */
    double winsorise;
    int exact;            /* 1 if the limits are exact binomial */
    pms_funnel_unit *units;                  /* n, in input order */
    size_t *outliers;     /* indices of units outside the first level, most extreme |z| first */
    size_t noutliers;
    size_t n_outside[PMS_FUNNEL_MAXLEVELS]; /* units outside each level */
    size_t n_above[PMS_FUNNEL_MAXLEVELS], n_below[PMS_FUNNEL_MAXLEVELS];
    size_t ngrid;
    double *grid_size;    /* ngrid sizes, log-spaced from the smallest to the largest unit */
    double *grid_low, *grid_high;   /* ngrid x nlevels, row-major by grid point */
} pms_funnel_result;

/* value[i], size[i] for n units (n >= 2; size > 0, whole for proportions;
 * proportions in [0, 1]).  Nothing is modified.  On success *out holds arrays
 * freed by pms_funnel_result_free.  Errors: PMS_ETOOFEW, PMS_ENONFINITE,
 * PMS_EDOMAIN (size <= 0 or not whole, proportion outside [0, 1], pooled
 * proportion 0 or 1, sigma 0, options out of range), PMS_ENOMEM. */
pms_status pms_funnel_fit(const double *value, const double *size, size_t n,
                          const pms_funnel_opts *opts, pms_funnel_result *out, pms_err *err);

void pms_funnel_result_free(pms_funnel_result *r);

/* Proportions from a column the user gives as counts of the size or as
 * percentages.  AUTO is the stated rule: counts if every value is a whole
 * number from 0 to its size, otherwise percentages, which must then all lie
 * in [0, 100]. */
typedef enum {
    PMS_FUNNEL_INPUT_AUTO = 0,
    PMS_FUNNEL_INPUT_COUNT,     /* value / size */
    PMS_FUNNEL_INPUT_PERCENT    /* value / 100 */
} pms_funnel_input;

/* Why a row breaks the rule (the first such row is reported). */
typedef enum {
    PMS_FUNNEL_ROW_OK = 0,
    PMS_FUNNEL_ROW_SIZE_FRACTION,  /* the size (a denominator) is not a whole number */
    PMS_FUNNEL_ROW_NEGATIVE,       /* a count or percentage below 0 */
    PMS_FUNNEL_ROW_FRACTION,       /* a count that is not a whole number */
    PMS_FUNNEL_ROW_ABOVE_SIZE,     /* a count above its size */
    PMS_FUNNEL_ROW_ABOVE_100       /* a percentage above 100 */
} pms_funnel_row_problem;

typedef struct {
    pms_funnel_input used;           /* COUNT or PERCENT (on success) */
    size_t bad;                      /* the row that breaks the rule (0-based) */
    pms_funnel_row_problem problem;
    /* AUTO only, when neither reading holds: bad/problem is the first row that
     * is not a count (why the column is not counts), and bad_pct the first
     * row that is not a percentage either. */
    size_t bad_pct;
} pms_funnel_input_check;

/* prop[i] = value[i]/size[i] or value[i]/100 as `how` says (prop may not
 * alias).  On PMS_EDOMAIN chk names the row and the problem; the caller adds
 * the file and line.  PMS_EUSAGE for a NULL argument. */
pms_status pms_funnel_proportions(const double *value, const double *size, size_t n,
                                  pms_funnel_input how, double *prop,
                                  pms_funnel_input_check *chk);

/* "auto", "count", "percentage". */
const char *pms_funnel_input_name(pms_funnel_input how);

/* Spiegelhalter's interpolated exact limit for tail probability p in (0, 1):
 * (r_p - alpha)/n under Binomial(n, theta), n >= 1 whole, 0 < theta < 1. */
double pms_funnel_binom_limit(double theta, double n, double p);

#endif
