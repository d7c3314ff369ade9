/* Pace of change (see pace.h). */
#include "analysis/pace.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/savings.h"

void pms_pace_scenario_default(pms_pace_scenario *s)
{
    memset(s, 0, sizeof *s);
    s->years = 5;
    s->pace = 0.25;
    s->max_loss = 0.02;
    s->max_gain = 0.05;
    s->growth = 0;
}

void pms_pace_result_free(pms_pace_result *r)
{
    if (!r) return;
    free(r->year), free(r->money), free(r->target);
    memset(r, 0, sizeof *r);
}

static pms_status check(const pms_pace_scenario *s, pms_err *err)
{
    const char *bad = !(s->years >= 1 && s->years <= PMS_PACE_MAX_YEARS) ? "years must be 1 to 50"
                      : !(s->pace > 0 && s->pace <= 1)    ? "pace must be above 0% and at most 100%"
                      : !(s->max_loss >= 0 && s->max_loss <= 1) ? "the floor (max_loss) must be 0% to 100%"
                      : !(s->max_gain >= 0 && s->max_gain <= 10) ? "the cap (max_gain) must be 0% to 1000%"
                      : !(s->growth >= -s->max_loss && s->growth <= s->max_gain)
                          ? "growth must lie between minus the floor and the cap, so that "
                            "growing with the pot is allowed"
                          : NULL;
    return bad ? pms_err_set(err, PMS_EDOMAIN, "scenario %s: %s", s->name, bad) : PMS_OK;
}

/* Scratch for one run. */
typedef struct {
    size_t *start, *order, *scratch;
    int64_t *w, *out, *d;
} pace_ws;

/* Put one pool back on its pot: d[] are the clamped changes of its k
 * practices (order[a..a+k)), growth the money the pool must hand out.
 * Fails only for want of memory (the apportionment's). */
static pms_status rebalance(pace_ws *s, size_t k, int64_t growth, int64_t *over, int64_t *held)
{
    int64_t P = 0, N = 0;
    for (size_t j = 0; j < k; j++) {
        if (s->d[j] > 0) P += s->d[j];
        else N -= s->d[j];
    }
    int64_t excess = P - N - growth; /* > 0: too much handed out */
    int sign = excess > 0 ? 1 : -1;  /* 1: scale the gains; -1: scale the losses */
    if (excess == 0) return PMS_OK;
    int64_t have = sign > 0 ? P : N, cut = sign > 0 ? excess : -excess;
    if (cut > have) {
        /* Even none of them cannot balance: report the rest. */
        if (sign > 0) *over += cut - have;
        else *held += cut - have;
        cut = have;
    }
    if (!have) return PMS_OK;
    for (size_t j = 0; j < k; j++) s->w[j] = sign * s->d[j] > 0 ? sign * s->d[j] : 0;
    pms_status st = pms_sav_apportion(have - cut, s->w, k, s->out, s->scratch);
    if (st) return st;
    for (size_t j = 0; j < k; j++)
        if (s->w[j]) s->d[j] = sign * s->out[j];
    return PMS_OK;
}

/* Clamp bound: frac x |v| in pence, rounded towards zero. */
static int64_t bound(int64_t v, double frac)
{
    return (int64_t)floor(frac * (double)(v < 0 ? -v : v));
}

/* One year in one pool (practices order[a..a+k)).  Fails for want of
 * memory, or if the pool's need is 0 (pms_target_compute refuses that
 * before). */
static pms_status pool_year(const pms_target_input *in, const pms_pace_scenario *sc, pace_ws *s,
                      size_t a, size_t k, const int64_t *prev, int64_t *next, int64_t *tgt,
                      pms_pace_year *Y)
{
    int64_t pot0 = 0;
    for (size_t j = 0; j < k; j++) pot0 += prev[s->order[a + j]];
    int64_t growth = llround((double)pot0 * sc->growth), pot = pot0 + growth;
    for (size_t j = 0; j < k; j++) s->w[j] = in->need_units[s->order[a + j]];
    int64_t *target = s->out;
    pms_status st = pms_sav_apportion(pot < 0 ? 0 : pot, s->w, k, target, s->scratch);
    if (st) return st;
    for (size_t j = 0; j < k; j++) tgt[s->order[a + j]] = target[j];
    for (size_t j = 0; j < k; j++) {
        size_t i = s->order[a + j];
        double wanted = (1 - sc->pace) * (double)prev[i] * (1 + sc->growth) +
                        sc->pace * (double)target[j];
        int64_t d = llround(wanted - (double)prev[i]);
        int64_t lo = -bound(prev[i], sc->max_loss), hi = bound(prev[i], sc->max_gain);
        if (d < lo) d = lo, Y->at_floor++;
        if (d > hi) d = hi, Y->at_cap++;
        s->d[j] = d;
    }
    if ((st = rebalance(s, k, growth, &Y->overspend, &Y->held_back))) return st;
    for (size_t j = 0; j < k; j++) {
        size_t i = s->order[a + j];
        next[i] = prev[i] + s->d[j];
        Y->losing += s->d[j] < 0;
        Y->gaining += s->d[j] > 0;
    }
    Y->pot += pot;
    return PMS_OK;
}

static void year_distances(const pms_target_input *in, const int64_t *money, const int64_t *tgt,
                           size_t focus, pms_pace_year *Y)
{
    int64_t moved = 0, la = 0, lt = 0;
    for (size_t i = 0; i < in->n; i++) {
        int64_t d = money[i] - tgt[i];
        moved += d > 0 ? d : -d;
        if (tgt[i]) pms_target_band_add(&Y->bands, (double)d / (double)tgt[i]);
        if (in->loc[i] == focus) la += money[i], lt += tgt[i];
    }
    Y->to_move = moved / 2;
    Y->loc_distance_pct = lt ? (double)(la - lt) / (double)lt : NAN;
}

static pms_status ws_new(pace_ws *s, size_t n, size_t np)
{
    s->start = calloc(np + 1, sizeof *s->start);
    s->order = malloc(n * sizeof *s->order);
    s->scratch = malloc(n * sizeof *s->scratch);
    s->w = malloc(n * sizeof *s->w);
    s->out = malloc(n * sizeof *s->out);
    s->d = malloc(n * sizeof *s->d);
    return s->start && s->order && s->scratch && s->w && s->out && s->d ? PMS_OK : PMS_ENOMEM;
}

static void ws_free(pace_ws *s)
{
    free(s->start), free(s->order), free(s->scratch), free(s->w), free(s->out), free(s->d);
}

pms_status pms_pace_run(const pms_target_input *in, const pms_pace_scenario *sc, size_t focus,
                        pms_pace_result *out, pms_err *err)
{
    memset(out, 0, sizeof *out);
    pms_status st = check(sc, err);
    if (st) return st;
    /* The base year's fair shares, with every input check of the target model. */
    pms_target_result base;
    if ((st = pms_target_compute(in, &base, err))) return st;
    size_t n = in->n, np = base.npool, T = sc->years;
    pace_ws s;
    memset(&s, 0, sizeof s);
    out->n = n, out->nyears = T, out->to_move0 = base.to_move;
    out->year = calloc(T, sizeof *out->year);
    out->money = malloc((T + 1) * n * sizeof *out->money);
    out->target = malloc(T * n * sizeof *out->target);
    if (ws_new(&s, n, np) || !out->year || !out->money || !out->target) {
        st = pms_err_set(err, PMS_ENOMEM, "out of memory");
        goto done;
    }
    /* Practices grouped by pool in input order (counting sort). */
    for (size_t i = 0; i < n; i++) s.start[(in->pool ? in->pool[i] : 0) + 1]++;
    for (size_t p = 0; p < np; p++) s.start[p + 1] += s.start[p];
    memcpy(s.scratch, s.start, np * sizeof *s.scratch);
    for (size_t i = 0; i < n; i++) s.order[s.scratch[in->pool ? in->pool[i] : 0]++] = i;
    memcpy(out->money, in->actual, n * sizeof *out->money);
    for (size_t t = 0; t < T; t++) {
        pms_pace_year *Y = &out->year[t];
        Y->t = (unsigned)t + 1;
        const int64_t *prev = out->money + t * n;
        int64_t *next = out->money + (t + 1) * n, *tgt = out->target + t * n;
        for (size_t p = 0; p < np; p++) {
            size_t a = s.start[p], k = s.start[p + 1] - a;
            if (k && (st = pool_year(in, sc, &s, a, k, prev, next, tgt, Y))) {
                st = st == PMS_ENOMEM
                         ? pms_err_set(err, st, "out of memory")
                         : pms_err_set(err, st, "pool %zu: total need is out of range", p);
                goto done;
            }
        }
        year_distances(in, next, tgt, focus, Y);
        Y->closed = base.to_move ? 1 - (double)Y->to_move / (double)base.to_move : NAN;
    }
done:
    ws_free(&s);
    pms_target_result_free(&base);
    if (st) pms_pace_result_free(out);
    return st;
}
