/* Inequality of a distribution of non-negative amounts over weighted units
 * (practices weighted by their patients): Gini, the generalised entropy
 * family (Theil T, Theil L, GE(2)) with exact between/within-group parts, and
 * the other summaries of issue 4.
 *
 * Weights are real numbers (patients), not replication counts: every measure
 * is that of the distribution in which unit i carries mass w_i, so integer
 * weights give the same value as repeating unit i w_i times.  w == NULL means
 * unit weights, and then each measure equals its unweighted textbook form
 * (R's ineq package, tests/reference/inequality.R).
 *
 * Conventions (all population forms, no n/(n-1) corrections):
 *   W = sum w_i, mu = sum w_i x_i / W, s_i = w_i x_i / (W mu) the share of unit i.
 *   Gini: 1 - sum_i (P_i - P_{i-1}) (L_i + L_{i-1}) over x sorted ascending,
 *         P = cumulative weight share, L = cumulative amount share (area form).
 *   Theil T = GE(1) = sum_i s_i ln(x_i/mu).
 * References: Cowell (2011) Measuring Inequality, 3rd ed., ch. 3 and
 *   Technical Appendix A.3 (decomposition of GE(alpha)); Shorrocks (1980)
 *   Econometrica 48(3) 613-625. */
#ifndef PMS_INEQUALITY_H
#define PMS_INEQUALITY_H

#include <stddef.h>

#include "base/status.h"

typedef struct { double total, between, within; } pms_ineq_decomp;

/* Gini of x (every x >= 0, sum > 0) with weights w (> 0; NULL = unit weights).
 * Descriptive form: equals R ineq::Gini(x) for unit weights; with weights, the area
 * form of the weighted Lorenz curve, G = 1 - sum_i (P_i - P_{i-1}) (L_i + L_{i-1}).
 * n >= 1 (one unit gives 0).  Errors: PMS_ETOOFEW (n = 0), PMS_ENONFINITE,
 * PMS_EDOMAIN (x < 0, sum of x = 0, w <= 0), PMS_ENOMEM. */
pms_status pms_ineq_gini(const double *x, const double *w, size_t n, double *gini, pms_err *err);

/* The same Gini for x already in ascending order (checked: PMS_EUSAGE if
 * not), without the copy and sort: for callers that keep their units sorted
 * between calls, such as a savings sweep.  Same value, to the bit, as
 * pms_ineq_gini on the same sequence. */
pms_status pms_ineq_gini_sorted(const double *x, const double *w, size_t n, double *gini,
                                pms_err *err);

/* Theil T (GE(1)) of x (> 0) with weights w (NULL = unit), with its exact between-group
 * and within-group parts computed directly (never within = total - between).
 * group[i] in [0, ngroups); group == NULL means one group (between = 0, within = total).
 *   between = sum_g S_g ln(mu_g/mu),  within = sum_g S_g T_g,
 *   S_g = the group's share of the total amount, T_g the Theil T inside group g.
 * Groups with no member contribute nothing.  Errors: PMS_ETOOFEW (n = 0),
 * PMS_ENONFINITE, PMS_EDOMAIN (x <= 0, w <= 0, group[i] >= ngroups), PMS_ENOMEM. */
pms_status pms_ineq_theil_t(const double *x, const double *w, const size_t *group,
                            size_t ngroups, size_t n, pms_ineq_decomp *out, pms_err *err);

/* Generalised entropy GE(alpha) for alpha = 0 (Theil L, the mean log
 * deviation), 1 (Theil T) or 2 (half the squared CV), with exact parts
 * (Shorrocks 1980; Cowell 2011, A.3), v_g = W_g/W, s_g = Y_g/Y:
 *   GE(a) = 1/(a(a-1)) [sum_i (w_i/W)(x_i/mu)^a - 1],  GE(0) = sum (w_i/W) ln(mu/x_i),
 *   within = sum_g v_g^(1-a) s_g^a GE_g,  between = GE(a) of the distribution
 *   in which every unit of g has mu_g.  GE(2) is computed from squared
 *   deviations (two passes), never as a difference of raw moments.
 * x > 0 for alpha = 0 and 1; x >= 0 (mean > 0) for alpha = 2.
 * Errors as pms_ineq_theil_t, plus PMS_EDOMAIN for another alpha. */
pms_status pms_ineq_ge(const double *x, const double *w, const size_t *group, size_t ngroups,
                       size_t n, int alpha, pms_ineq_decomp *out, pms_err *err);

/* Atkinson index with inequality aversion eps >= 0 (x > 0 when eps >= 1):
 *   A = 1 - [sum (w_i/W)(x_i/mu)^(1-eps)]^(1/(1-eps)),  A(1) = 1 - exp(sum (w_i/W) ln x_i)/mu. */
pms_status pms_ineq_atkinson(const double *x, const double *w, size_t n, double eps, double *a,
                             pms_err *err);

/* Weighted quantile: the inverse of the weighted distribution function,
 * Q(p) = x_(k) with k the first unit (x ascending) whose cumulative weight
 * reaches p W.  With unit weights this is R's quantile(x, p, type = 1)
 * (Hyndman & Fan 1996, definition 1), including R's fuzz of 4 ulps when p W
 * falls on a cumulative weight.  p in [0, 1]; Q(0) = min x. */
pms_status pms_ineq_quantile(const double *x, const double *w, size_t n, double p, double *q,
                             pms_err *err);

/* Lorenz curve: the n + 1 vertices (P_0, L_0) = (0, 0), ..., (1, 1) over x
 * ascending (P cumulative weight share, L cumulative amount share).  P and L
 * are caller arrays of n + 1.  x >= 0 with a positive sum. */
pms_status pms_ineq_lorenz(const double *x, const double *w, size_t n, double *P, double *L,
                           pms_err *err);

/* L(p) on the piecewise-linear Lorenz curve through those vertices. */
double pms_ineq_lorenz_at(const double *P, const double *L, size_t npoints, double p);

/* Everything issue 4 reports for one distribution.  Conventions:
 *   cv = sqrt(sum (w_i/W)(x_i - mu)^2) / mu (population form, as ineq::var.coeff);
 *   p90_p10 = Q(0.9)/Q(0.1) with the quantile above;
 *   palma = (1 - L(0.9)) / L(0.4), the top 10% of patients' share of the amount
 *     over the bottom 40%'s, on the Lorenz curve (a unit straddling 0.4 or 0.9
 *     is split pro rata, so weights need not fall on the cut points);
 *   hoover = (1/2) sum |s_i - w_i/W| = sum (w_i/W)|x_i - mu| / (2 mu), the share
 *     of the amount that would have to move to equalise (ineq::RS for unit weights);
 *   atkinson[0..2] for eps = 0.5, 1, 2.
 * Needs x > 0 (Theil L, Atkinson 1 and 2).  group may be NULL (one group). */
typedef struct {
    size_t n;
    double total_weight, total_amount;   /* W, sum w x */
    double mean, cv, p10, p90, p90_p10, palma, hoover, gini;
    pms_ineq_decomp theil_t, theil_l, ge2;
    double atkinson_0_5, atkinson_1, atkinson_2;
} pms_ineq_summary;

pms_status pms_ineq_summarise(const double *x, const double *w, const size_t *group,
                              size_t ngroups, size_t n, pms_ineq_summary *out, pms_err *err);

/* One row per group (rows[ngroups], caller-owned): members, weighted mean,
 * share of the weight (patients) and of the amount (funding), and the Gini
 * inside the group (NaN for an empty group). */
typedef struct {
    size_t n;
    double weight, mean, share_weight, share_amount, gini;
} pms_ineq_group;

pms_status pms_ineq_groups(const double *x, const double *w, const size_t *group, size_t ngroups,
                           size_t n, pms_ineq_group *rows, pms_err *err);

#endif
