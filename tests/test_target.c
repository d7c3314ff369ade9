/* Fair shares (analysis/target.c) on a hand-worked example: every number
 * below is written out in the comments, in whole pence, so the test needs no
 * other implementation; the real-data check against the exact Fraction
 * recomputation is tests/cli/target.sh with tests/reference/target.py. */
/* ctest-labels: unit */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "analysis/pace.h"
#include "analysis/target.h"
#include "io/scenario.h"

/* Pool 0: practices 0-2, actual 100000 + 200001 + 33333 = 333334p, equal
 * need: 333334 / 3 = 111111 r 1, the penny to the lowest index ->
 * 111112, 111111, 111111.  Pool 1: practices 3-4, actual 50000 - 1000 = 49000p,
 * need 3:1 -> 36750, 12250 exactly.  Localities {0,1} and {2,3,4}. */
static const int64_t actual[5] = {100000, 200001, 33333, 50000, -1000};
static const int64_t need[5] = {1000000, 1000000, 1000000, 3000000, 1000000};
static const size_t pool[5] = {0, 0, 0, 1, 1};
static const size_t loc[5] = {0, 0, 1, 1, 1};
static const double imd[5] = {2.385, 30.1, 11.7, 45.2, 8.8};

static pms_target_input input(void)
{
    pms_target_input in = {5, actual, need, pool, 2, NULL, loc, 2, NULL};
    return in;
}

static void test_hand_example(void **state)
{
    (void)state;
    pms_target_input in = input();
    pms_target_result r;
    pms_err err;
    assert_int_equal(pms_target_compute(&in, &r, &err), PMS_OK);
    const int64_t want_t[5] = {111112, 111111, 111111, 36750, 12250};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(r.target[i], want_t[i]);
        assert_int_equal(r.distance[i], actual[i] - want_t[i]);
        assert_rel(r.distance_pct[i], (double)(actual[i] - want_t[i]) / (double)want_t[i], 1e-15);
    }
    assert_int_equal(r.pool_pot[0], 333334);
    assert_int_equal(r.pool_pot[1], 49000);
    assert_int_equal(r.pot, 382334);
    /* |d| = 11112 + 88890 + 77778 + 13250 + 13250 = 204280, half 102140 */
    assert_int_equal(r.to_move, 102140);
    /* pct: -0.1000072, 0.8, -0.7, 0.3605, -1.0816 */
    assert_int_equal(r.bands.over5, 2);
    assert_int_equal(r.bands.over10, 2);
    assert_int_equal(r.bands.under5, 3);
    assert_int_equal(r.bands.under10, 3);
    /* locality 0: 300001 against 222223; locality 1: 82333 against 160111 */
    assert_int_equal(r.loc_actual[0], 300001);
    assert_int_equal(r.loc_target[0], 222223);
    assert_int_equal(r.loc_actual[1], 82333);
    assert_int_equal(r.loc_target[1], 160111);
    assert_int_equal(r.loc_to_move, 77778);
    assert_rel(r.loc_distance_pct[0], 77778.0 / 222223.0, 1e-15);
    assert_int_equal(r.loc_n[1], 3);
    assert_true(isnan(r.imd_rho)); /* no IMD given */
    pms_target_result_free(&r);
    pms_target_result_free(&r); /* a freed (zeroed) result frees again */
    pms_target_result_free(NULL);
}

static void test_spearman_and_national(void **state)
{
    (void)state;
    pms_target_input in = input();
    in.pool = NULL; /* one national pot: 382334p shared 1:1:1:3:1 */
    in.imd = imd;
    pms_target_result r;
    pms_err err;
    assert_int_equal(pms_target_compute(&in, &r, &err), PMS_OK);
    /* 382334 x {1,1,1,3,1} / 7 = 7 x 54619 + 1 over 7: each 1-share is
     * 54619 remainder 1/7, practice 3's is 163857 remainder 3/7; floors add
     * to 382333, and the one penny left goes to the largest remainder,
     * practice 3: 163858. */
    const int64_t want_t[5] = {54619, 54619, 54619, 163858, 54619};
    int64_t sum = 0;
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(r.target[i], want_t[i]);
        sum += r.target[i];
    }
    assert_int_equal(sum, 382334);
    /* distances 45381, 145382, -21286, -113858, -55619 pence; over target
     * x = [0.8309, 2.6617, -0.3897, -0.6948, -1.0183] -> ranks [4, 5, 3, 2, 1];
     * IMD ranks [1, 4, 3, 5, 2];
     * d = [3, 1, 0, -3, -1], sum d^2 = 20, rho = 1 - 6 x 20 / 120 = 0. */
    assert_int_equal(r.imd_n, 5);
    assert_true(fabs(r.imd_rho) < 1e-15);
    pms_target_result_free(&r);
}

static void test_errors(void **state)
{
    (void)state;
    pms_target_result r;
    pms_err err;
    pms_target_input in = input();
    in.n = 0;
    assert_int_equal(pms_target_compute(&in, &r, &err), PMS_ETOOFEW);
    in = input();
    int64_t bad_need[5] = {1000000, 0, 1000000, 1000000, 1000000};
    in.need_units = bad_need;
    assert_int_equal(pms_target_compute(&in, &r, &err), PMS_EDOMAIN);
    assert_string_equal(err.msg, "practice 1: need must be positive");
    in = input();
    size_t bad_pool[5] = {0, 0, 0, 2, 1};
    in.pool = bad_pool;
    assert_int_equal(pms_target_compute(&in, &r, &err), PMS_EDOMAIN);
    in = input();
    const int64_t neg[5] = {100000, 200001, 33333, -50000, -1000};
    const char *names[2] = {"Q44", "Q45"};
    in.actual = neg;
    in.pool_name = names;
    assert_int_equal(pms_target_compute(&in, &r, &err), PMS_EDOMAIN);
    assert_string_equal(err.msg, "Q45: its practices' money adds up to less than zero, so "
                                 "there is no pot to share");
    /* inputs unchanged after every call */
    assert_int_equal(need[1], 1000000);
    assert_int_equal(neg[3], -50000);
}

static void test_bands(void **state)
{
    (void)state;
    pms_target_bands b = {0, 0, 0, 0};
    const double d[] = {0.05, 0.0500001, 0.1, 0.1000001, -0.05, -0.0500001, -0.1, -0.1000001, NAN};
    for (size_t i = 0; i < sizeof d / sizeof d[0]; i++) pms_target_band_add(&b, d[i]);
    /* "more than" 5% / 10%: the boundaries themselves do not count */
    assert_int_equal(b.over5, 3);
    assert_int_equal(b.over10, 1);
    assert_int_equal(b.under5, 3);
    assert_int_equal(b.under10, 1);
}

/* Pace of change on two practices sharing 4000p with equal need (targets
 * 2000 each), worked by hand from pace.h. */
static const int64_t two_actual[2] = {1000, 3000};
static const int64_t two_need[2] = {1000000, 1000000};
static const size_t two_loc[2] = {0, 0};

static pms_pace_scenario scen(double pace, double loss, double gain, double growth, unsigned y)
{
    pms_pace_scenario s;
    pms_pace_scenario_default(&s);
    s.pace = pace, s.max_loss = loss, s.max_gain = gain, s.growth = growth, s.years = y;
    return s;
}

static void test_pace_floor_and_cap(void **state)
{
    (void)state;
    pms_target_input in = {2, two_actual, two_need, NULL, 1, NULL, two_loc, 1, NULL};
    pms_pace_scenario sc = scen(0.5, 0.10, 0.20, 0, 2);
    pms_pace_result r;
    pms_err err;
    assert_int_equal(pms_pace_run(&in, &sc, 0, &r, &err), PMS_OK);
    /* Year 1: wanted 1500 / 2500, i.e. +500 / -500; the cap holds the gain
     * at floor(0.2 x 1000) = 200, the floor the loss at 300; gains 200 less
     * losses 300 is 100 short of the growth 0, so the losses are scaled to
     * 200: 1200, 2800.  Year 2: +400 capped at 240, -400 floored at -280,
     * then scaled to -240: 1440, 2560. */
    const int64_t want[3][2] = {{1000, 3000}, {1200, 2800}, {1440, 2560}};
    for (size_t t = 0; t < 3; t++)
        for (size_t i = 0; i < 2; i++) assert_int_equal(r.money[t * 2 + i], want[t][i]);
    assert_int_equal(r.to_move0, 1000);
    assert_int_equal(r.year[0].to_move, 800);
    assert_int_equal(r.year[1].to_move, 560);
    assert_rel(r.year[0].closed, 0.2, 1e-15);
    assert_int_equal(r.year[0].at_floor, 1);
    assert_int_equal(r.year[0].at_cap, 1);
    assert_int_equal(r.year[0].losing, 1);
    assert_int_equal(r.year[0].gaining, 1);
    assert_int_equal(r.year[0].overspend, 0);
    assert_int_equal(r.year[0].held_back, 0);
    assert_int_equal(r.target[0], 2000);
    /* locality 0 holds both: on target in total */
    assert_rel(r.year[1].loc_distance_pct + 1.0, 1.0, 1e-15);
    pms_pace_result_free(&r);
    pms_pace_result_free(&r);
}

static void test_pace_held_back_and_overspend(void **state)
{
    (void)state;
    pms_target_input in = {2, two_actual, two_need, NULL, 1, NULL, two_loc, 1, NULL};
    pms_pace_result r;
    pms_err err;
    /* Growth 1% = 40p, targets 2020; all the way (pace 1) but no losses and
     * gains of at most 1% (10p): 10p handed out, the losses cannot shrink
     * below 0, so 30p is held back: 1010, 3000 = 4040 - 30. */
    pms_pace_scenario sc = scen(1, 0, 0.01, 0.01, 1);
    assert_int_equal(pms_pace_run(&in, &sc, (size_t)-1, &r, &err), PMS_OK);
    assert_int_equal(r.money[2], 1010);
    assert_int_equal(r.money[3], 3000);
    assert_int_equal(r.year[0].pot, 4040);
    assert_int_equal(r.year[0].held_back, 30);
    assert_true(isnan(r.year[0].loc_distance_pct));
    pms_pace_result_free(&r);
    /* The pot shrinks 5% (-200p), targets 1900: +900 allowed, -1100 floored
     * at -150; the gains would have to fall by 950 but only 900 exist, so
     * nobody gains and 50p is overspent: 1000, 2850 = 3800 + 50. */
    sc = scen(1, 0.05, 1, -0.05, 1);
    assert_int_equal(pms_pace_run(&in, &sc, 0, &r, &err), PMS_OK);
    assert_int_equal(r.money[2], 1000);
    assert_int_equal(r.money[3], 2850);
    assert_int_equal(r.year[0].overspend, 50);
    pms_pace_result_free(&r);
    /* Out-of-range settings name themselves. */
    sc = scen(0, 0.02, 0.05, 0, 5);
    snprintf(sc.name, sizeof sc.name, "slow");
    assert_int_equal(pms_pace_run(&in, &sc, 0, &r, &err), PMS_EDOMAIN);
    assert_string_equal(err.msg, "scenario slow: pace must be above 0% and at most 100%");
    sc = scen(0.5, 0.02, 0.05, 0.06, 5);
    assert_int_equal(pms_pace_run(&in, &sc, 0, &r, &err), PMS_EDOMAIN);
    sc = scen(0.5, 0.02, 0.05, 0, 51);
    assert_int_equal(pms_pace_run(&in, &sc, 0, &r, &err), PMS_EDOMAIN);
}

/* An option scored (pms_target_score_of), worked by hand.  Need 2:1:1:1,
 * one pool, localities {0,1} and {2,3}.
 * Before: 130, 70, 100, 100 (pot 400): targets 160, 80, 80, 80; distances
 *   -30, -10, +20, +20: to_move 40; -18.75%, -12.5% under 10%, +25%, +25%
 *   over 10%.  Locality 0: 200 against 240, -1/6.
 * After: 110, 80, 100, 90 (pot 380): targets 152, 76, 76, 76; distances
 *   -42, +4, +24, +14: to_move 42, removed 1 - 42/40 = -0.05 (the option
 *   moves away from target); -27.6% under, +5.3% over 5% only, +31.6% and
 *   +18.4% over 10%.  Locality 0: 190 against 228, -1/6.
 * Locality 0 alone: before 200 by 2:1 = 133 r 1/3, 66 r 2/3: the penny to
 *   the larger remainder -> 133, 67; distances -3, +3: to_move 3, nobody
 *   beyond 5%.  After 190 = 126 r 2/3, 63 r 1/3 -> 127, 63; distances -17,
 *   +17: to_move 17 (-13.4% under 10%, +27.0% over 10%), removed 1 - 17/3. */
static void test_score_by_hand(void **state)
{
    (void)state;
    const int64_t a0[4] = {130, 70, 100, 100}, a1[4] = {110, 80, 100, 90};
    const int64_t u[4] = {2, 1, 1, 1};
    const size_t l[4] = {0, 0, 1, 1};
    const double im[4] = {1, 2, 3, 4};
    pms_target_input in = {4, a0, u, NULL, 1, NULL, l, 2, im};
    pms_target_score sc;
    pms_err err;
    assert_int_equal(pms_target_score_of(&in, a1, 0, &sc, &err), PMS_OK);
    assert_int_equal(sc.before.n, 4);
    assert_int_equal(sc.before.pot, 400);
    assert_int_equal(sc.after.pot, 380);
    assert_int_equal(sc.before.to_move, 40);
    assert_int_equal(sc.after.to_move, 42);
    assert_abs(sc.removed, -0.05, 1e-15); /* one double division */
    pms_target_bands b0 = {2, 2, 2, 2}, b1 = {3, 2, 1, 1};
    assert_memory_equal(&sc.before.bands, &b0, sizeof b0);
    assert_memory_equal(&sc.after.bands, &b1, sizeof b1);
    assert_abs(sc.loc_distance_pct_before, -1.0 / 6, 1e-15);
    assert_abs(sc.loc_distance_pct_after, -1.0 / 6, 1e-15);
    assert_int_equal(sc.loc_before.n, 2);
    assert_int_equal(sc.loc_before.pot, 200);
    assert_int_equal(sc.loc_after.pot, 190);
    assert_int_equal(sc.loc_before.to_move, 3);
    assert_int_equal(sc.loc_after.to_move, 17);
    assert_abs(sc.loc_removed, 1 - 17.0 / 3, 1e-15);
    pms_target_bands l0 = {0, 0, 0, 0}, l1 = {1, 1, 1, 1};
    assert_memory_equal(&sc.loc_before.bands, &l0, sizeof l0);
    assert_memory_equal(&sc.loc_after.bands, &l1, sizeof l1);
    /* Inputs untouched. */
    assert_int_equal(a0[0], 130);
    assert_int_equal(a1[3], 90);
    /* Without a focus: no locality part. */
    assert_int_equal(pms_target_score_of(&in, a1, (size_t)-1, &sc, &err), PMS_OK);
    assert_int_equal(sc.loc_before.n, 0);
    assert_true(isnan(sc.loc_removed) && isnan(sc.loc_distance_pct_after));
    /* Nothing to move before: removed is undefined, not a division by zero. */
    const int64_t eq[4] = {200, 100, 100, 100};
    in.actual = eq;
    assert_int_equal(pms_target_score_of(&in, a1, (size_t)-1, &sc, &err), PMS_OK);
    assert_true(isnan(sc.removed));
    /* A pool whose money after is negative has no pot: an error. */
    const int64_t neg[4] = {-500, 80, 100, 90};
    in.actual = a0;
    assert_int_equal(pms_target_score_of(&in, neg, (size_t)-1, &sc, &err), PMS_EDOMAIN);
}

/* One scenario file, both kinds (io/scenario.c). */
static void test_scenario_file_both_kinds(void **state)
{
    (void)state;
    static const char ini[] = "[model]\nbase_year = 2014/15\n"
                              "[s]\nstart_year = 2014/15\nyears = 2\nmethod = none\n"
                              "[p]\nlabel = Pace\nmethod = pace\nyears = 3\npace_pct = 40\n"
                              "max_loss_pct = 1.5\nmax_gain_pct = 4\ngrowth_pct = -1\n"
                              "[q]\nmethod = pace\n";
    pms_scenario_file *f = NULL;
    pms_err err;
    assert_int_equal(pms_scenario_load_mem("s.ini", ini, strlen(ini), &f, &err), PMS_OK);
    assert_int_equal(f->n, 1);
    assert_int_equal(f->npace, 2);
    assert_string_equal(f->s[0].name, "s");
    const pms_pace_scenario *p = &f->pace[0], *q = &f->pace[1];
    assert_string_equal(p->name, "p");
    assert_string_equal(p->label, "Pace");
    assert_int_equal(p->line, 9);
    assert_int_equal(p->years, 3);
    assert_abs(p->pace, 0.40, 1e-15);
    assert_abs(p->max_loss, 0.015, 1e-15);
    assert_abs(p->max_gain, 0.04, 1e-15);
    assert_abs(p->growth, -0.01, 1e-15);
    assert_string_equal(q->name, "q");
    assert_int_equal(q->years, 5); /* the defaults */
    assert_abs(q->pace, 0.25, 0);
    assert_abs(q->max_loss, 0.02, 0);
    assert_abs(q->max_gain, 0.05, 0);
    assert_abs(q->growth, 0, 0);
    assert_int_equal(pms_scenario_find(f, "p"), -1);
    assert_int_equal(pms_scenario_find_pace(f, "q"), 1);
    assert_int_equal(pms_scenario_find_pace(f, "s"), -1);
    int k;
    assert_int_equal(pms_scenario_savings_pick(f, NULL, &k, &err), PMS_OK);
    assert_int_equal(pms_scenario_savings_pick(f, "s", &k, &err), PMS_OK);
    assert_int_equal(k, 0);
    assert_int_equal(pms_scenario_savings_pick(f, "p", &k, &err), PMS_ENOTFOUND);
    assert_string_equal(err.msg, "s.ini:9: scenario 'p' is a pace-of-change scenario (method = "
                                 "pace): the fair-shares pace model runs it, not the "
                                 "savings model");
    assert_string_equal(err.role, "pace");
    assert_int_equal(pms_scenario_savings_pick(f, "zz", &k, &err), PMS_ENOTFOUND);
    assert_string_equal(err.msg, "no scenario 'zz' in s.ini");
    pms_scenario_free(f);
    /* Pace alone: read, but the savings model has nothing to run. */
    static const char ponly[] = "[p]\nmethod = pace\n";
    assert_int_equal(pms_scenario_load_mem("p.ini", ponly, strlen(ponly), &f, &err), PMS_OK);
    assert_int_equal(f->n, 0);
    assert_int_equal(f->npace, 1);
    assert_int_equal(pms_scenario_savings_pick(f, NULL, &k, &err), PMS_ENOTFOUND);
    assert_string_equal(err.msg, "p.ini has no savings scenarios, only 1 with method = pace "
                                 "(the fair-shares pace model runs them)");
    pms_scenario_free(f);
}

static void expect_bad(const char *ini, const char *want)
{
    pms_scenario_file *f = NULL;
    pms_err err = {{0}};
    assert_int_equal(pms_scenario_load_mem("b.ini", ini, strlen(ini), &f, &err), PMS_EPARSE);
    assert_string_equal(err.msg, want);
    assert_null(f);
}

static void test_scenario_file_errors(void **state)
{
    (void)state;
    expect_bad("[p]\nmethod = pace\nstart_year = 2014/15\n",
               "b.ini:3: start_year does not apply to method pace");
    expect_bad("[p]\nmethod = pace\ncap = 5\n", "b.ini:3: cap does not apply to method pace");
    expect_bad("[s]\nstart_year = 2014/15\nyears = 2\nmethod = none\nmax_gain_pct = 5\n",
               "b.ini:5: max_gain_pct applies only to method = pace");
    expect_bad("[p]\nmethod = pace\nyears = 51\n", "b.ini:3: years must be between 1 and 50, not 51");
    expect_bad("[p]\nmethod = pace\npace_pct = 0\n",
               "b.ini:3: pace_pct must be between 0.001 and 100, not 0");
    expect_bad("[p]\nmethod = pace\nmax_gain_pct = 1\ngrowth_pct = 2\n",
               "b.ini:2: scenario [p]: growth_pct must lie between -max_loss_pct and max_gain_pct");
    expect_bad("[p]\nmethod = pace\nspeed = 2\n", "b.ini:3: unknown key 'speed' in [p]");
    expect_bad("[p]\nmethod = pace\nlabel = \n", "b.ini:3: label must be 1 to 63 characters, not ''");
    /* A savings section keeps its own messages, in their old order. */
    expect_bad("[s]\nmethod = none\n", "b.ini:2: scenario [s] has no start_year");
    expect_bad("[s]\nstart_year = 2014/15\nyears = 2\n", "b.ini:2: scenario [s] has no method");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand_example),
        cmocka_unit_test(test_spearman_and_national),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_bands),
        cmocka_unit_test(test_pace_floor_and_cap),
        cmocka_unit_test(test_pace_held_back_and_overspend),
        cmocka_unit_test(test_score_by_hand),
        cmocka_unit_test(test_scenario_file_both_kinds),
        cmocka_unit_test(test_scenario_file_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
