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

#include "status.h"

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

#endif
