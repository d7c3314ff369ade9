/* Concentration index of an amount against a ranking variable (Wagstaff,
 * van Doorslaer & Paci 1991; Kakwani, Wagstaff & van Doorslaer 1997,
 * J. Econometrics 77, 87-103; O'Donnell et al. 2008, Analyzing Health
 * Equity Using Household Survey Data, ch. 8).
 *
 * Sign convention: units are ranked by rank_by in the direction asked, and
 * C > 0 means x is concentrated among units ranked LAST (high fractional
 * rank); C < 0 among units ranked FIRST.  With PMS_RANK_DESCENDING on an IMD
 * score the most deprived practice comes first, so C < 0 means funding is
 * concentrated in the more deprived practices. */
#ifndef PMS_CONCENTRATION_H
#define PMS_CONCENTRATION_H

#include <stddef.h>

#include "base/status.h"

typedef enum { PMS_RANK_ASCENDING = 0, PMS_RANK_DESCENDING = 1 } pms_rank_dir;

/* Concentration index of x against rank_by with weighted fractional ranks
 * (R_i = (W_{<i} + w_i/2)/W; tied rank_by values share their mean fractional rank),
 * C = 2 cov_w(x, R) / mean_w(x).  PMS_RANK_DESCENDING puts the largest rank_by first:
 * for an IMD score (higher = more deprived) that ranks most deprived -> least deprived,
 * so C < 0 means x is concentrated in the more deprived practices.
 * The shared rank of a tie block is the weight-weighted mean of its members'
 * ranks, (W_{before block} + W_block/2)/W, which does not depend on the order
 * inside the block.  cov_w(a, b) = sum w_i (a_i - abar)(b_i - bbar) / W.
 * Errors: PMS_ETOOFEW (n < 2), PMS_ENONFINITE (x, w or rank_by),
 * PMS_EDOMAIN (w <= 0, mean_w(x) <= 0), PMS_ENOMEM.  Inputs are not modified. */
pms_status pms_conc_index(const double *x, const double *w, const double *rank_by, size_t n,
                          pms_rank_dir dir, double *ci, pms_err *err);

/* The order pms_conc_index sorts the units in, made once for many indices
 * on the same ranking (e.g. every run of the savings model ranks the same
 * practices by the same IMD score).  pms_conc_order_new sorts rank_by
 * (PMS_RANK_DESCENDING: largest first; ties in input order, as
 * pms_conc_index); NULL with err set on PMS_ETOOFEW (n < 2), PMS_ENONFINITE
 * (a ranking value) or PMS_ENOMEM.  rank_by is not kept. */
typedef struct pms_conc_order pms_conc_order;
pms_conc_order *pms_conc_order_new(const double *rank_by, size_t n, pms_rank_dir dir,
                                   pms_err *err);
void pms_conc_order_free(pms_conc_order *o);
/* pms_conc_index of x (n = the order's n, the same units in the same
 * positions as the rank_by the order was made from): the same value to the
 * last bit, and the same errors for x and w. */
pms_status pms_conc_index_ordered(const double *x, const double *w, const pms_conc_order *o,
                                  double *ci, pms_err *err);

/* The index with its generalised form and standard errors.
 * se: the delta-method SE of Kakwani, Wagstaff & van Doorslaer (1997, eq. 14),
 *   var(C) = (1/n) [(1/n) sum a_i^2 - (1 + C)^2],
 *   a_i = (x_i/mu)(2 R_i - 1 - C) + 2 - q_{i-1} - q_i,
 *   q_i the cumulative share of x up to unit i in rank order; with weights it
 *   is the linearisation variance sum_i f_i^2 (a_i - 1 - C)^2, f_i = w_i/W,
 *   which equals the formula above for unit weights.  Units of a tie block
 *   share its end points q_{before}, q_{after}.  The practices are the
 *   sampling units; weights are masses, not counts.
 * generalized = mu C (Wagstaff, van Doorslaer & Watanabe 2003), in the units
 *   of x; se_generalized from its influence function mu (a_i - 1 - C) + C (x_i - mu).
 * ci_low/ci_high: C +- z se at `level` (normal approximation). */
typedef struct {
    size_t n;
    pms_rank_dir dir;
    double level;
    double mean;                  /* weighted mean of x */
    double ci;                    /* C, see the sign convention above */
    double se;
    double ci_low, ci_high;
    double generalized, se_generalized;
} pms_conc_result;

/* Errors as pms_conc_index, plus PMS_EDOMAIN for level outside (0, 1). */
pms_status pms_conc_compute(const double *x, const double *w, const double *rank_by, size_t n,
                            pms_rank_dir dir, double level, pms_conc_result *out, pms_err *err);

/* "most deprived first"-style wording is the caller's; this names the rule. */
const char *pms_conc_sign_convention(pms_rank_dir dir);

#endif
