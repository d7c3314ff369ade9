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

#include "status.h"

typedef struct { double total, between, within; } pms_ineq_decomp;

/* Gini of x (every x >= 0, sum > 0) with weights w (> 0; NULL = unit weights).
 * Descriptive form: equals R ineq::Gini(x) for unit weights; with weights, the area
 * form of the weighted Lorenz curve, G = 1 - sum_i (P_i - P_{i-1}) (L_i + L_{i-1}).
 * n >= 1 (one unit gives 0).  Errors: PMS_ETOOFEW (n = 0), PMS_ENONFINITE,
 * PMS_EDOMAIN (x < 0, sum of x = 0, w <= 0), PMS_ENOMEM. */
pms_status pms_ineq_gini(const double *x, const double *w, size_t n, double *gini, pms_err *err);

/* Theil T (GE(1)) of x (> 0) with weights w (NULL = unit), with its exact between-group
 * and within-group parts computed directly (never within = total - between).
 * group[i] in [0, ngroups); group == NULL means one group (between = 0, within = total).
 *   between = sum_g S_g ln(mu_g/mu),  within = sum_g S_g T_g,
 *   S_g = the group's share of the total amount, T_g the Theil T inside group g.
 * Groups with no member contribute nothing.  Errors: PMS_ETOOFEW (n = 0),
 * PMS_ENONFINITE, PMS_EDOMAIN (x <= 0, w <= 0, group[i] >= ngroups), PMS_ENOMEM. */
pms_status pms_ineq_theil_t(const double *x, const double *w, const size_t *group,
                            size_t ngroups, size_t n, pms_ineq_decomp *out, pms_err *err);

#endif
