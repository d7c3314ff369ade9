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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand_example),
        cmocka_unit_test(test_spearman_and_national),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_bands),
        cmocka_unit_test(test_pace_floor_and_cap),
        cmocka_unit_test(test_pace_held_back_and_overspend),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
