/* Pace of change (issue 18): move every practice part of the way to its
 * fair share each year, with a floor on losses and a cap on gains, keeping
 * each pool's total at its pot (cost-neutral) or growing it at a set rate.
 *
 * Year t, in each pool, all money in integer pence:
 *   pot_t     = pot_{t-1} + round(pot_{t-1} x growth)
 *   target_t  = pot_t shared by need (largest remainder, as analysis/target.h)
 *   wanted_i  = (1 - pace) x prev_i x (1 + growth) + pace x target_t,i
 *     (the status quo grown with the pot, moved a share `pace` of the way to
 *     target; these add up to pot_t), as a change d_i = wanted_i - prev_i
 *     rounded to pence and clamped to [-max_loss |prev_i|, +max_gain |prev_i|]
 *     (each bound rounded towards zero);
 *   then the pool is put back on its pot: if the clamped gains P less the
 *     clamped losses N exceed the growth money G (floors cost money), the
 *     gains are scaled down to N + G, apportioned in pence in proportion to
 *     the clamped gains; if they fall short (caps held money back), the losses
 *     are scaled down to P - G the same way.  Scaling towards zero keeps every
 *     practice inside its floor and cap.  When even no gains (or no losses)
 *     cannot balance the pool, the difference is reported: `overspend` (the
 *     floors cost more than the growth) or `held_back` (the caps cannot absorb
 *     the growth).
 * Sign convention as target.h: distance = actual - target, positive = over.
 *
 * Ownership: pms_pace_run fills a caller-owned result freed with
 * pms_pace_result_free (NULL or zeroed is fine).  Inputs are const. */
#ifndef PMS_PACE_H
#define PMS_PACE_H

#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "analysis/target.h"

#define PMS_PACE_NAME_MAX 64
#define PMS_PACE_MAX_YEARS 50

typedef struct {
    char name[PMS_PACE_NAME_MAX];
    char label[PMS_PACE_NAME_MAX]; /* short human label ("" = the name) */
    unsigned years;      /* 1 .. PMS_PACE_MAX_YEARS */
    double pace;         /* share of the distance closed each year, (0, 1] */
    double max_loss;     /* floor: largest loss a year, fraction of last year's money, >= 0 */
    double max_gain;     /* cap: largest gain a year, fraction, >= growth */
    double growth;       /* pot growth a year, fraction (0 = cost-neutral), >= -max_loss */
    int line;            /* where its section starts in the file (0 = not from a file) */
} pms_pace_scenario;

/* years 5, pace 0.25, max_loss 0.02, max_gain 0.05, growth 0. */
void pms_pace_scenario_default(pms_pace_scenario *s);

typedef struct {
    unsigned t;                /* 1 = first year of change */
    int64_t pot;               /* every pool's pot summed */
    int64_t to_move;           /* half the sum of |actual - target| after this year */
    double closed;             /* 1 - to_move / to_move before any change */
    pms_target_bands bands;    /* practices beyond 5% / 10% of target */
    size_t losing, gaining;    /* money below / above last year's */
    size_t at_floor, at_cap;   /* held by the floor / the cap (before rebalancing) */
    int64_t overspend, held_back; /* pence the pools could not balance (see above) */
    double loc_distance_pct;   /* the chosen locality's distance (NaN if none) */
} pms_pace_year;

typedef struct {
    size_t n, nyears;
    pms_pace_year *year;       /* nyears */
    int64_t to_move0;          /* before any change */
    int64_t *money;            /* (nyears + 1) x n: money[t * n + i], t = 0 the base */
    int64_t *target;           /* nyears x n: target in year t+1 */
} pms_pace_result;

/* in: the practices as for pms_target_compute (actual = the base year);
 * focus_loc: a locality index for loc_distance_pct, or (size_t)-1.
 * Errors: PMS_EDOMAIN for a scenario out of range (err names the setting) or
 * a pool with a negative pot, PMS_ETOOFEW for no practices, PMS_ENOMEM. */
pms_status pms_pace_run(const pms_target_input *in, const pms_pace_scenario *sc,
                        size_t focus_loc, pms_pace_result *out, pms_err *err);
void pms_pace_result_free(pms_pace_result *r);

#endif
