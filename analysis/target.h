/* Fair shares: each practice's distance from a need-based target (issue 18).
 *
 * Within each pool (the whole country, a region or a locality, as the scope
 * says) the pot is the practices' actual money, and a practice's fair share is
 *     target_i = pot x need_i / sum over the pool of need_j,
 * apportioned in whole pence by largest remainder (pms_sav_apportion), so the
 * targets of a pool add up to its pot exactly.  Need enters as an integer
 * number of millionths (need_units: the caller rounds need x 1e6), which keeps
 * the apportionment exact; doc/methods/fair-shares.md says why 1e-6 is fine.
 *
 * Sign convention: distance = actual - target, so a positive distance means
 * the practice receives MORE than its fair share ("over target") and a
 * negative one less ("under target"); distance_pct = distance / target.
 *
 * Money is integer pence.  Inputs are const and never reordered; the library
 * never prints.  Ownership: pms_target_compute fills a caller-owned result
 * freed with pms_target_result_free (NULL or a zeroed struct is fine). */
#ifndef PMS_TARGET_H
#define PMS_TARGET_H

#include <stddef.h>
#include <stdint.h>

#include "base/status.h"

/* The scale of need_units: need_units = llround(need x PMS_TARGET_NEED_SCALE). */
#define PMS_TARGET_NEED_SCALE 1e6

typedef struct {
    size_t n;                  /* practices (already filtered: need > 0, value present) */
    const int64_t *actual;     /* n: actual money, pence (may be negative) */
    const int64_t *need_units; /* n: need in millionths, > 0 */
    const size_t *pool;        /* n: pool of each practice (0..npool-1); NULL = one pool */
    size_t npool;
    const char *const *pool_name; /* npool names for messages (NULL: "pool K") */
    const size_t *loc;         /* n: locality of each practice (0..nloc-1) */
    size_t nloc;
    const double *imd;         /* n deprivation scores (NaN = missing), or NULL */
} pms_target_input;

/* How many practices (or localities) lie beyond 5% and 10% of their target. */
typedef struct {
    size_t over5, over10, under5, under10;
} pms_target_bands;

typedef struct {
    size_t n, npool, nloc;
    int64_t *target;           /* n pence */
    int64_t *distance;         /* n pence: actual - target */
    double *distance_pct;      /* n: distance / target (NaN if target is 0) */
    int64_t *pool_pot;         /* npool: sum of actual = sum of target, pence */
    size_t *pool_n;            /* npool practices */
    int64_t *loc_actual, *loc_target; /* nloc pence */
    double *loc_distance_pct;  /* nloc: (actual - target) / target */
    size_t *loc_n;             /* nloc practices */
    int64_t pot;               /* sum of every pool's pot */
    int64_t to_move;           /* half the sum of |distance|: money that would have to move */
    int64_t loc_to_move;       /* the same between localities */
    pms_target_bands bands, loc_bands;
    /* Spearman's rho of distance_pct with the deprivation score, over the
     * practices that have both (NaN if there are fewer than 3 or no IMD). */
    size_t imd_n;
    double imd_rho, imd_ci_low, imd_ci_high, imd_p;
} pms_target_result;

/* Errors: PMS_ETOOFEW (n = 0), PMS_EDOMAIN (a need_units <= 0, a pool or
 * locality index out of range, a pool whose pot is negative; err names the
 * pool by index), PMS_ENOMEM. */
pms_status pms_target_compute(const pms_target_input *in, pms_target_result *out,
                              pms_err *err);
void pms_target_result_free(pms_target_result *r);

/* One position on the distance-from-target axis. */
typedef struct {
    size_t n;                  /* practices */
    int64_t pot;               /* their money, pence */
    int64_t to_move;           /* half the sum of |actual - target| */
    pms_target_bands bands;    /* practices beyond 5% / 10% of target */
} pms_target_axis;

/* How much of the distance from target an option removes: the same
 * practices with their money before (in->actual) and after the option
 * (after[i], pence), each position measured against fair shares of its OWN
 * pot in each pool.  So an option that saves money is judged on how it
 * shares what is left, and its saving is before.pot - after.pot. */
typedef struct {
    pms_target_axis before, after;  /* the pools of `in` (the scope) */
    double removed;                 /* 1 - after.to_move / before.to_move (NaN if 0) */
    /* The focus locality alone: its practices' money shared among them by
     * need (one pool), before and after.  n = 0 without a focus. */
    pms_target_axis loc_before, loc_after;
    double loc_removed;
    /* The focus locality's distance from its share of the scope's pools:
     * sum of (actual - target) / sum of target (NaN without a focus). */
    double loc_distance_pct_before, loc_distance_pct_after;
} pms_target_score;

/* focus_loc: a locality index of `in`, or (size_t)-1.  in->imd is ignored.
 * Errors as pms_target_compute (a pool whose money after is negative). */
pms_status pms_target_score_of(const pms_target_input *in, const int64_t *after, size_t focus_loc,
                               pms_target_score *out, pms_err *err);

/* The bands of one distance_pct (> 0.05 over, < -0.05 under, ...), added to b. */
void pms_target_band_add(pms_target_bands *b, double distance_pct);

#endif
