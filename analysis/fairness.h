/* Bootstrap intervals for the fairness measures: Gini, Theil T and the
 * concentration index, from resamples of units (practices).
 *
 * Method (GUIDE.md): the data are sorted once, by amount for the Gini and by
 * the ranking variable for the concentration index.  A resample is a vector
 * of multiplicities m_i over the units (drawn by pms_boot_multiplicities);
 * unit i then carries mass m_i w_i, so each statistic is one O(n) walk over
 * the fixed order, both statistics written in the area form
 *   S = 1 - sum_b W_b (2 Y_<b + Y_b) / (W Y)
 * over the blocks b of the order (a block = units tied on the ranking
 * variable; for the Gini ties need no blocks), W_b and Y_b the block's mass and
 * amount, Y_<b the amount before it.  Theil T is (sum m w x ln x)/Y - ln(Y/W).
 * The three statistics of a replicate share one resample.
 *
 * Jackknife (for the BCa acceleration) in O(n) overall: removing unit k changes
 * the area sum by its own block term and by 2 a_k times the mass after it.
 *
 * Reproducibility: replicate block b (PMS_BOOT_BLOCK replicates) draws from
 * its own xoshiro256** (Blackman & Vigna 2021) whose four state words are
 * splitmix64 outputs from z = pms_boot_block_seed(seed, b), so the
 * replicates, and hence the intervals, are the same for any number of
 * threads.  A replicate is n unbiased draws in [0, n) (Lemire's
 * multiply-shift with rejection on 32-bit halves of each output, high half
 * first) counted into m; m[j] is the count of the j-th smallest unit by x
 * (ties in input order), so the walk reads the counts in order.  (Before
 * 0.1.0's release the draws came from taus2 through pms_boot_multiplicities
 * and count i belonged to unit i: the same seed now gives other, equally
 * valid, replicates.) */
#ifndef PMS_FAIRNESS_H
#define PMS_FAIRNESS_H

#include <stddef.h>
#include <stdint.h>

#include "analysis/bootstrap.h"
#include "analysis/concentration.h"
#include "base/status.h"

typedef struct {
    size_t replicates;      /* R >= 2 */
    uint64_t seed;
    unsigned threads;       /* 0 = all online CPUs; results do not depend on it */
    double level;           /* e.g. 0.95 */
    const double *rank_by;  /* n ranking values, NaN = not ranked; NULL = no concentration index */
    pms_rank_dir dir;
    /* Optional, caller-owned, for checking and plotting: the replicates
     * (3 R values: Gini, then Theil T, then C, each in replicate order) and the
     * jackknife values (3 n, same layout, unit order).  NULL = not kept. */
    double *keep_replicates, *keep_jackknife;
} pms_fair_boot_opts;

typedef struct {
    pms_boot_ci gini, theil_t, conc;   /* conc.replicates = 0 without rank_by */
    size_t conc_n;                      /* units with a ranking value */
} pms_fair_boot_result;

/* x > 0, w > 0 (NULL = unit).  Nothing is modified.  Errors: PMS_ETOOFEW
 * (n < 2, R < 2, fewer than 2 ranked units), PMS_EDOMAIN (x <= 0, w <= 0,
 * level outside (0, 1)), PMS_ENONFINITE, PMS_ENOMEM. */
pms_status pms_fair_bootstrap(const double *x, const double *w, size_t n,
                              const pms_fair_boot_opts *opts, pms_fair_boot_result *out,
                              pms_err *err);

/* The counts of replicate r (over the x order, as above) for n units,
 * regenerated: for tests and checks.  O((r mod PMS_BOOT_BLOCK + 1) n). */
void pms_fair_counts(uint64_t seed, size_t replicate, size_t n, unsigned *counts);

#endif
