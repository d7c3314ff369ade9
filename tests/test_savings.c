/* The savings model: a three-practice case worked by hand, transitional
 * protection extending the schedule, largest-remainder properties, the penny
 * identities on the real national data for every shipped scenario and year,
 * an independent recomputation (tests/reference/savings.py, exact integer and
 * Fraction arithmetic; output savings.out) compared to the penny, and every
 * scenario-file error with its exact message. */
/* ctest-labels: unit reference */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/savings.h"
#include "io/scenario.h"
#include "io/table.h"

/* ------------------------------------------------ three practices by hand */

/* A: PMS, W 1000, core £100,000 (PMS balance)   -> £100.00 per weighted patient
 * B: PMS, W 2000, core £150,000                 -> £75.00
 * C: GMS, W 1500, global sum £110,340 (= 1500 x 73.56) + MPIG £7,000
 * One CCG.  Glidepath to GMS over 2 years from 2014/15, reinvested pro rata W
 * nationally.  In pence:
 * 2014/15 (rate 73.56, step 1 of 2):
 *   A: GMS-eq 1000 x 7356 = 7,356,000; excess 2,644,000; cut 1/2 = 1,322,000
 *   B: GMS-eq 14,712,000; excess 288,000; cut 144,000
 *   C: MPIG unchanged (2014/15 already carries the first seventh's cut)
 *   released 1,466,000 shared 1:2:1.5 -> quotas 325,777.78 / 651,555.56 /
 *   488,666.67: floors leave 2 pence, to the largest remainders A (.78) and
 *   C (.67): 325,778 / 651,555 / 488,667.
 *   core A 10,000,000 - 1,322,000 + 325,778 = 9,003,778 (loses 9.96%)
 *        B 15,000,000 - 144,000 + 651,555 = 15,507,555
 *        C 11,734,000 + 488,667 = 12,222,667
 * 2015/16 (rate 76.14, step 2 of 2):
 *   A: GMS-eq 7,614,000; excess 2,386,000; cut all of it
 *   B: excess 0 at the new rate, but money once withdrawn stays withdrawn:
 *      cut stays 144,000
 *   C: MPIG 700,000 x 5/6 = 583,333.33 -> 583,333 (change -116,667)
 *   released 2,530,000 -> quotas 562,222.22 / 1,124,444.44 / 843,333.33,
 *   one penny left, to B: 562,222 / 1,124,445 / 843,333.
 *   core A 7,614,000 + 562,222 = 8,176,222 (loses 827,556 = 9.19%)
 *        B 14,856,000 + 1,124,445 = 15,980,445
 *        C 11,617,333 + 843,333 = 12,460,666;  total 36,617,333 */
static const double h_gs[] = {0, 0, 110340}, h_mpig[] = {0, 0, 7000},
                    h_pb[] = {100000, 150000, 0}, h_w[] = {1000, 2000, 1500};
static const char *const h_ct[] = {"PMS", "pms ", "GMS"}, *const h_loc[] = {"X", "X", "X"};

static void hand_base(pms_sav_base *b)
{
    pms_sav_data d = {3, h_gs, h_mpig, h_pb, h_w, h_ct, h_loc, h_loc, NULL, NULL, NULL, NULL};
    pms_sav_settings s;
    pms_sav_settings_default(&s);
    pms_err err;
    assert_int_equal(pms_sav_prepare(&d, &s, b, &err), PMS_OK);
    assert_int_equal(b->n, 3);
}

static void test_hand_glidepath(void **state)
{
    (void)state;
    pms_sav_base b;
    hand_base(&b);
    pms_sav_scenario sc;
    pms_sav_scenario_default(&sc);
    snprintf(sc.name, sizeof sc.name, "hand");
    sc.method = PMS_SAV_GLIDEPATH;
    sc.years = 2;
    sc.reinvest = PMS_REINVEST_WEIGHTED;
    sc.scope = PMS_SCOPE_NATIONAL;
    pms_sav_ws *ws = pms_sav_ws_new(&b);
    pms_sav_result r;
    pms_err err;
    assert_int_equal(pms_sav_run(&b, &sc, ws, &r, &err), PMS_OK);
    assert_int_equal(r.nyears, 2);
    assert_int_equal(r.extension_years, 0);
    const int64_t want_cut[2][3] = {{1322000, 144000, 0}, {2386000, 144000, 0}};
    const int64_t want_re[2][3] = {{325778, 651555, 488667}, {562222, 1124445, 843333}};
    const int64_t want_core[3][3] = {{10000000, 15000000, 11734000},
                                     {9003778, 15507555, 12222667},
                                     {8176222, 15980445, 12460666}};
    for (int t = 0; t < 3; t++)
        for (int i = 0; i < 3; i++) {
            assert_int_equal(r.core[t * 3 + i], want_core[t][i]);
            if (t < 2) {
                assert_int_equal(r.cut[t * 3 + i], want_cut[t][i]);
                assert_int_equal(r.reinvest[t * 3 + i], want_re[t][i]);
            }
        }
    assert_int_equal(r.year[0].year, 2014);
    assert_int_equal(r.year[1].year, 2015);
    assert_int_equal(r.year[0].released, 1466000);
    assert_int_equal(r.year[0].reinvested, 1466000);
    assert_int_equal(r.year[0].net_saving, 0);
    assert_int_equal(r.year[1].released, 2530000);
    assert_int_equal(r.year[1].released_new, 2530000 - 1466000);
    assert_int_equal(r.year[1].mpig_change, -116667);
    assert_int_equal(r.year[1].core_total, 36617333);
    assert_int_equal(r.year[0].losing, 1);
    assert_int_equal(r.year[0].gaining, 2);
    assert_int_equal(r.year[0].losing_over_5pct, 1);
    assert_int_equal(r.year[0].losing_over_10pct, 0);
    assert_int_equal(r.year[0].largest_loss, 996222);
    assert_int_equal(r.year[0].largest_loss_practice, 0);
    assert_rel(r.year[0].largest_loss_pct, 0.0996222, 1e-12); /* one division */
    assert_int_equal(r.year[1].largest_loss, 827556);
    assert_int_equal(r.year[1].losing_over_5pct, 1);
    assert_int_equal(r.year[1].eligible, 3);
    assert_int_equal(r.loc_core[2], 36617333);
    pms_sav_result_free(&r);

    /* No reinvestment: everything released is a saving. */
    sc.reinvest = PMS_REINVEST_NONE;
    assert_int_equal(pms_sav_run(&b, &sc, ws, &r, &err), PMS_OK);
    assert_int_equal(r.year[1].net_saving, 2530000);
    assert_int_equal(r.year[1].reinvested, 0);
    assert_int_equal(r.core[2 * 3 + 0], 7614000);
    pms_sav_result_free(&r);

    /* below_gms: nobody is below the GMS-equivalent in 2014/15 (C sits at it
     * plus MPIG), so all of the money goes pro rata W as above. */
    sc.reinvest = PMS_REINVEST_BELOW_GMS;
    assert_int_equal(pms_sav_run(&b, &sc, ws, &r, &err), PMS_OK);
    assert_int_equal(r.reinvest[0], 325778);
    /* 2015/16: C is 11,617,333 against a GMS-equivalent of 1500 x 7614 =
     * 11,421,000: not below; B is 14,856,000 against 15,228,000: 372,000
     * below, lifted first; the other 2,158,000 pro rata W:
     * 479,555.56 / 959,111.11 / 719,333.33 -> one penny to A. */
    assert_int_equal(r.reinvest[3 + 0], 479556);
    assert_int_equal(r.reinvest[3 + 1], 372000 + 959111);
    assert_int_equal(r.reinvest[3 + 2], 719333);
    pms_sav_result_free(&r);

    /* Cap at £10 per weighted patient above GMS, at once, percent 50. */
    sc.method = PMS_SAV_CAP;
    sc.cap = 10;
    sc.years = 1;
    sc.reinvest = PMS_REINVEST_NONE;
    assert_int_equal(pms_sav_run(&b, &sc, ws, &r, &err), PMS_OK);
    /* A: 10,000,000 - 1000 x 8356 = 1,644,000; B below the cap: 0 */
    assert_int_equal(r.cut[0], 1644000);
    assert_int_equal(r.cut[1], 0);
    pms_sav_result_free(&r);
    sc.method = PMS_SAV_PERCENT;
    sc.percent = 37.5;
    assert_int_equal(pms_sav_run(&b, &sc, ws, &r, &err), PMS_OK);
    /* floor(0.375 x 2,644,000) = 991,500; floor(0.375 x 288,000) = 108,000 */
    assert_int_equal(r.cut[0], 991500);
    assert_int_equal(r.cut[1], 108000);
    pms_sav_result_free(&r);

    /* Starting two years after the data: C's MPIG 700,000 x 4/6 = 466,666.67
     * in 2016/17, and the first year's taper is against the base year. */
    sc.method = PMS_SAV_NONE;
    sc.start_year = 2016;
    assert_int_equal(pms_sav_run(&b, &sc, ws, &r, &err), PMS_OK);
    assert_int_equal(r.core[3 + 2], 11034000 + 466667);
    assert_int_equal(r.year[0].mpig_change, 466667 - 700000);
    assert_int_equal(r.year[0].losing, 1);
    pms_sav_result_free(&r);

    pms_sav_ws_free(ws);
    pms_sav_base_free(&b);
}

/* Protection: cap 0 at once, but no practice may lose more than 10% of its
 * core funding in a year.  A's 2,644,000 then takes three years:
 * 1,000,000 (10% of 10,000,000), +900,000 (10% of 9,000,000) = 1,900,000,
 * +810,000 would pass the target, so 2,644,000.  B's 288,000 fits in year 1.
 * The one scheduled year becomes three: extension 2 years. */
static void test_protection_extends(void **state)
{
    (void)state;
    pms_sav_base b;
    hand_base(&b);
    pms_sav_scenario sc;
    pms_sav_scenario_default(&sc);
    sc.method = PMS_SAV_CAP;
    sc.cap = 0;
    sc.years = 1;
    sc.protect_pct = 10;
    pms_sav_ws *ws = pms_sav_ws_new(&b);
    pms_sav_result r;
    pms_err err;
    assert_int_equal(pms_sav_run(&b, &sc, ws, &r, &err), PMS_OK);
    assert_int_equal(r.nyears, 3);
    assert_int_equal(r.extension_years, 2);
    assert_int_equal(r.year[0].extension, 0);
    assert_int_equal(r.year[1].extension, 1);
    assert_int_equal(r.year[2].year, 2016);
    assert_int_equal(r.cut[0], 1000000);
    assert_int_equal(r.cut[3], 1900000);
    assert_int_equal(r.cut[6], 2644000);
    assert_int_equal(r.cut[1], 288000);
    assert_int_equal(r.year[0].released, 1288000);
    assert_int_equal(r.year[2].released, 2932000);
    assert_int_equal(r.year[0].target, 2932000);
    assert_int_equal(r.year[0].losing_over_10pct, 0);
    assert_int_equal(r.unmet_practices, 0);
    pms_sav_result_free(&r);

    /* At most one extra year: 744,000 left unreleased from A. */
    sc.max_extension = 1;
    assert_int_equal(pms_sav_run(&b, &sc, ws, &r, &err), PMS_OK);
    assert_int_equal(r.nyears, 2);
    assert_int_equal(r.unmet_practices, 1);
    assert_int_equal(r.unmet, 744000);
    pms_sav_result_free(&r);

    /* Per weighted patient: at most £5 x 1000 = 500,000 a year from A:
     * 6 years (5 x 500,000 + 144,000), B's 288,000 < 2000 x 5 at once. */
    sc.protect_pct = 0;
    sc.protect_per_wp = 5;
    sc.max_extension = 10;
    assert_int_equal(pms_sav_run(&b, &sc, ws, &r, &err), PMS_OK);
    assert_int_equal(r.nyears, 6);
    assert_int_equal(r.extension_years, 5);
    assert_int_equal(r.cut[4 * 3], 2500000);
    assert_int_equal(r.cut[5 * 3], 2644000);

    /* A sweep point of the same scenario reports the same final year. */
    pms_sav_sweep_row row;
    assert_int_equal(pms_sav_sweep_point(&b, &sc, PMS_SWEEP_PROTECT_PER_WP, 5, ws, &row, &err),
                     PMS_OK);
    assert_int_equal(row.released_final, r.year[5].released);
    assert_int_equal(row.extension_years, 5);
    assert_int_equal(row.losing_over_5pct, 1);
    pms_sav_result_free(&r);
    pms_sav_ws_free(ws);
    pms_sav_base_free(&b);
}

/* ---------------------------------------------------- largest remainder */

static uint64_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 33;
}

static void test_apportion(void **state)
{
    (void)state;
    int64_t out[64], w[64];
    size_t scratch[64];
    /* ties go to the lower index */
    int64_t eq[3] = {7, 7, 7};
    assert_int_equal(pms_sav_apportion(2, eq, 3, out, scratch), PMS_OK);
    assert_int_equal(out[0], 1);
    assert_int_equal(out[1], 1);
    assert_int_equal(out[2], 0);
    /* zero weights get nothing, even with pennies to spare */
    int64_t z[4] = {0, 3, 0, 3};
    assert_int_equal(pms_sav_apportion(5, z, 4, out, scratch), PMS_OK);
    assert_int_equal(out[0] + out[2], 0);
    assert_int_equal(out[1], 3);
    assert_int_equal(out[3], 2);
    /* properties on random cases: exact sum, each share within a penny of
     * its quota (floor or ceiling), larger weight never gets less */
    uint64_t seed = 2385;
    for (int rep = 0; rep < 2000; rep++) {
        size_t k = 1 + lcg(&seed) % 64;
        int64_t amount = (int64_t)(lcg(&seed) % 100000000000ULL);
        int64_t S = 0;
        for (size_t i = 0; i < k; i++) S += w[i] = (int64_t)(lcg(&seed) % 1000);
        if (S == 0) w[0] = S = 1;
        int64_t copy[64];
        memcpy(copy, w, k * sizeof *w);
        assert_int_equal(pms_sav_apportion(amount, w, k, out, scratch), PMS_OK);
        assert_memory_equal(copy, w, k * sizeof *w); /* weights untouched */
        int64_t sum = 0;
        for (size_t i = 0; i < k; i++) {
            sum += out[i];
            __int128 lo = (__int128)amount * w[i] / S;
            assert_true(out[i] == (int64_t)lo || out[i] == (int64_t)lo + 1);
            for (size_t j = 0; j < k; j++)
                if (w[j] > w[i]) assert_true(out[j] >= out[i]);
        }
        assert_int_equal(sum, amount);
    }
    /* weights so large that products need 128 bits and keys cannot be packed:
     * 7 pennies over three equal weights of 1e18 -> 3, 2, 2 */
    int64_t big[3] = {1000000000000000000LL, 1000000000000000000LL, 1000000000000000000LL};
    assert_int_equal(pms_sav_apportion(7, big, 3, out, scratch), PMS_OK);
    assert_int_equal(out[0], 3);
    assert_int_equal(out[1], 2);
    assert_int_equal(out[2], 2);
    int64_t big2[3] = {3000000000000000000LL, 1000000000000000000LL, 2000000000000000000LL};
    /* quotas 50.5, 16.83, 33.67 of 101: floors 50+16+33 = 99; the two pennies
     * go to .83 and .67 */
    assert_int_equal(pms_sav_apportion(101, big2, 3, out, scratch), PMS_OK);
    assert_int_equal(out[0], 50);
    assert_int_equal(out[1], 17);
    assert_int_equal(out[2], 34);
    /* errors */
    int64_t neg[2] = {1, -1}, zero[2] = {0, 0};
    assert_int_equal(pms_sav_apportion(-1, eq, 3, out, scratch), PMS_EDOMAIN);
    assert_int_equal(pms_sav_apportion(5, neg, 2, out, scratch), PMS_EDOMAIN);
    assert_int_equal(pms_sav_apportion(5, zero, 2, out, scratch), PMS_EDOMAIN);
}

/* --------------------------------------------------------- real data */

static pms_table *nat, *bri;
static char *refout;

static pms_table *open_data(const char *where)
{
    return pms_test_open_2014_imd(where);
}

static int setup(void **state)
{
    (void)state;
    nat = open_data(NULL);
    bri = open_data("ccg_code = 11H");
    char *p = pms_test_path(PMS_SOURCE_DIR, "tests/reference/savings.out");
    refout = pms_test_slurp(p);
    free(p);
    return nat && bri && refout ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    pms_table_free(nat);
    pms_table_free(bri);
    free(refout);
    return 0;
}

typedef struct {
    pms_sav_data d;
    const char *const *codes;
} tdata;

static void table_data(const pms_table *t, tdata *x)
{
    pms_err err;
    memset(x, 0, sizeof *x);
    x->d.n = t->nrows;
    assert_int_equal(pms_table_numeric(t, "global_sum", &x->d.global_sum, &err), PMS_OK);
    assert_int_equal(pms_table_numeric(t, "mpig", &x->d.mpig, &err), PMS_OK);
    assert_int_equal(pms_table_numeric(t, "pms_balance", &x->d.pms_balance, &err), PMS_OK);
    assert_int_equal(pms_table_numeric(t, "weighted_patients", &x->d.weighted, &err), PMS_OK);
    assert_int_equal(pms_table_numeric(t, "imd2015", &x->d.imd, &err), PMS_OK);
    assert_int_equal(pms_table_text(t, "contract_type", &x->d.contract, &err), PMS_OK);
    assert_int_equal(pms_table_text(t, "ccg_code", &x->d.locality, &err), PMS_OK);
    assert_int_equal(pms_table_text(t, "ccg_code", &x->d.ccg, &err), PMS_OK);
    assert_int_equal(pms_table_text(t, "region_code", &x->d.region, &err), PMS_OK);
    assert_int_equal(pms_table_text(t, "practice_code", &x->codes, &err), PMS_OK);
}

static uint64_t chk(const int64_t *v, size_t n)
{
    const unsigned __int128 mod = (((unsigned __int128)1) << 61) - 1;
    __int128 s = 0;
    for (size_t i = 0; i < n; i++) s = (s + (__int128)(i + 1) * v[i]) % (__int128)mod;
    if (s < 0) s += (__int128)mod;
    return (uint64_t)s;
}

/* Every identity the model promises, for one result. */
static void check_identities(const pms_sav_base *b, const pms_sav_result *r)
{
    size_t n = r->n, L = r->nloc;
    int64_t *pool_rel = calloc(b->nccg + b->nregion + 1, sizeof *pool_rel),
            *pool_re = calloc(b->nccg + b->nregion + 1, sizeof *pool_re);
    for (size_t k = 0; k < r->nyears; k++) {
        const pms_sav_year *y = &r->year[k];
        int64_t rel = 0, re = 0, core = 0, lcore = 0, lcut = 0, lre = 0;
        for (size_t i = 0; i < n; i++) {
            rel += r->cut[k * n + i];
            re += r->reinvest[k * n + i];
            core += r->core[(k + 1) * n + i];
            /* core = base - cut + reinvestment (+ MPIG taper for GMS) */
            if (b->contract[i] == PMS_CONTRACT_PMS)
                assert_int_equal(r->core[(k + 1) * n + i],
                                 b->core0[i] - r->cut[k * n + i] + r->reinvest[k * n + i]);
            else
                assert_int_equal(r->cut[k * n + i], 0);
            assert_true(r->cut[k * n + i] >= 0 && r->reinvest[k * n + i] >= 0);
        }
        for (size_t l = 0; l < L; l++) {
            lcore += r->loc_core[(k + 1) * L + l];
            lcut += r->loc_cut[k * L + l];
            lre += r->loc_reinvest[k * L + l];
        }
        assert_int_equal(rel, y->released);
        assert_int_equal(re, y->reinvested);
        assert_int_equal(y->released, y->reinvested + y->net_saving);
        assert_int_equal(core, y->core_total);
        assert_int_equal(lcore, y->core_total);
        assert_int_equal(lcut, y->released);
        assert_int_equal(lre, y->reinvested);
        assert_int_equal(y->released_new, y->released - (k ? r->year[k - 1].released : 0));
        assert_true(y->released <= y->target);
        /* within a CCG, reinvest_pct of what is released there is reinvested
         * there, to half a penny (all of it at 100%: no net saving) */
        if (r->scenario.reinvest == PMS_REINVEST_WEIGHTED && r->scenario.scope == PMS_SCOPE_CCG) {
            memset(pool_rel, 0, b->nccg * sizeof *pool_rel);
            memset(pool_re, 0, b->nccg * sizeof *pool_re);
            for (size_t i = 0; i < n; i++) {
                pool_rel[b->ccg[i]] += r->cut[k * n + i];
                pool_re[b->ccg[i]] += r->reinvest[k * n + i];
            }
            int64_t pct4 = llround(r->scenario.reinvest_pct * 100); /* 1/100 of a per cent */
            for (size_t p = 0; p < b->nccg; p++) {
                __int128 d = (__int128)pool_re[p] * 10000 - (__int128)pool_rel[p] * pct4;
                assert_true(d <= 5000 && d >= -5000);
                if (pct4 == 10000) assert_int_equal(pool_rel[p], pool_re[p]);
            }
            if (pct4 == 10000) assert_int_equal(y->net_saving, 0);
            else if (y->released > 0) assert_true(y->net_saving > 0);
        }
    }
    for (size_t l = 0; l < L; l++) {
        int64_t s = 0;
        for (size_t i = 0; i < n; i++)
            if (b->loc[i] == l) s += r->core[i];
        assert_int_equal(s, r->loc_core[l]);
    }
    free(pool_rel);
    free(pool_re);
}

static void run_file(const pms_table *t, const char *ini, int national)
{
    tdata x;
    table_data(t, &x);
    /* inputs must be unchanged by prepare and run */
    size_t n = x.d.n;
    double *gs_copy = malloc(n * sizeof *gs_copy);
    memcpy(gs_copy, x.d.global_sum, n * sizeof *gs_copy);
    pms_scenario_file *f = NULL;
    pms_err err = {{0}};
    char *path = pms_test_path(PMS_SOURCE_DIR, ini);
    if (pms_scenario_load(path, &f, &err)) fail_msg("%s", err.msg);
    free(path);
    pms_sav_base b;
    assert_int_equal(pms_sav_prepare(&x.d, &f->settings, &b, &err), PMS_OK);
    pms_sav_ws *ws = pms_sav_ws_new(&b);
    char key[256];
    size_t nfair = 0;
    for (size_t k = 0; k < f->n; k++) {
        pms_sav_scenario sc = f->s[k];
        unsigned char *flags = NULL;
        assert_int_equal(pms_scenario_flags(f, k, t, &flags, &err), PMS_OK);
        sc.retain = flags;
        pms_sav_result r;
        if (pms_sav_run(&b, &sc, ws, &r, &err)) fail_msg("%s", err.msg);
        check_identities(&b, &r);
        if (refout && !strstr(ini, "datasets/")) {
            for (size_t y = 0; y < r.nyears; y++) {
                const pms_sav_year *Y = &r.year[y];
                if (national) {
                    snprintf(key, sizeof key, "total %s %d ", sc.name, Y->year);
                    const char *line = strstr(refout, key);
                    if (!line) fail_msg("no reference line '%s'", key);
                    char want[512], got[512];
                    sscanf(line, "%511[^\n]", want);
                    snprintf(got, sizeof got,
                             "total %s %d %lld %lld %lld %lld %zu %zu %zu %zu %lld %d %zu %llu "
                             "%llu %llu %lld",
                             sc.name, Y->year, (long long)Y->released, (long long)Y->reinvested,
                             (long long)Y->net_saving, (long long)Y->core_total, Y->losing,
                             Y->gaining, Y->losing_over_5pct, Y->losing_over_10pct,
                             (long long)Y->largest_loss, Y->extension,
                             y + 1 == r.nyears ? r.unmet_practices : (size_t)0,
                             (unsigned long long)chk(r.core + (y + 1) * b.n, b.n),
                             (unsigned long long)chk(r.cut + y * b.n, b.n),
                             (unsigned long long)chk(r.reinvest + y * b.n, b.n),
                             (long long)Y->kept_for_services);
                    assert_string_equal(got, want);
                } else {
                    for (size_t i = 0; i < b.n; i++) {
                        snprintf(key, sizeof key, "practice %s %s %d ", sc.name,
                                 x.codes[b.row[i]], Y->year);
                        const char *line = strstr(refout, key);
                        if (!line) fail_msg("no reference line '%s'", key);
                        long long core, cut, re;
                        assert_int_equal(sscanf(line + strlen(key), "%lld %lld %lld", &core, &cut, &re), 3);
                        assert_int_equal(r.core[(y + 1) * b.n + i], core);
                        assert_int_equal(r.cut[y * b.n + i], cut);
                        assert_int_equal(r.reinvest[y * b.n + i], re);
                    }
                }
            }
            /* Fairness after each year against the textbook formulas in
             * savings.py: 1e-9 relative, as the sums over 7,461 practices are
             * taken in different orders (math.fsum there). */
            for (size_t y = 0; national && y <= r.nyears; y++) {
                snprintf(key, sizeof key, "fair %s %d ", sc.name, y ? r.year[y - 1].year : 0);
                const char *line = strstr(refout, key);
                if (!line) continue;
                double want[5];
                assert_int_equal(sscanf(line + strlen(key), "%lf %lf %lf %lf %lf", &want[0],
                                        &want[1], &want[2], &want[3], &want[4]),
                                 5);
                const pms_sav_fairness *fr = y ? &r.year[y - 1].fair : &r.fair_base;
                assert_rel(fr->gini, want[0], 1e-9);
                assert_rel(fr->theil_total, want[1], 1e-9);
                assert_rel(fr->theil_between, want[2], 1e-9);
                assert_rel(fr->theil_within, want[3], 1e-9);
                assert_rel(fr->concentration, want[4], 1e-9);
                nfair++;
            }
            /* the reference has no more years than we do */
            if (national) {
                snprintf(key, sizeof key, "total %s %d ", sc.name, r.year[r.nyears - 1].year + 1);
                assert_null(strstr(refout, key));
            }
        }
        pms_sav_result_free(&r);
        free(flags);
    }
    if (national && !strstr(ini, "datasets/")) assert_int_equal(nfair, 9);
    assert_memory_equal(gs_copy, x.d.global_sum, n * sizeof *gs_copy);
    free(gs_copy);
    pms_sav_ws_free(ws);
    pms_sav_base_free(&b);
    pms_scenario_free(f);
}

static void test_national_shipped(void **state)
{
    (void)state;
    run_file(nat, "datasets/pms-review-scenarios.ini", 1);
}

static void test_national_reference(void **state)
{
    (void)state;
    run_file(nat, "tests/reference/savings.ini", 1);
}

static void test_bristol_reference(void **state)
{
    (void)state;
    run_file(bri, "tests/reference/savings.ini", 0);
}

/* The base: who is in and who is out, national 2014/15. */
static void test_base_counts(void **state)
{
    (void)state;
    tdata x;
    table_data(nat, &x);
    pms_sav_settings s;
    pms_sav_settings_default(&s);
    pms_sav_base b;
    pms_err err;
    assert_int_equal(pms_sav_prepare(&x.d, &s, &b, &err), PMS_OK);
    /* 7,959 rows: 36 with W <= 0 (17 GMS, 13 PMS, 6 APMS); then 232 with no
     * core payment (8 GMS, 171 PMS, 53 APMS); then the other 230 APMS
     * (counted independently with Python's csv module). */
    assert_int_equal(b.n + b.excluded_missing + b.excluded_weighted + b.excluded_core +
                         b.excluded_contract + b.excluded_locality,
                     7959);
    assert_int_equal(b.excluded_weighted, 36);
    assert_int_equal(b.excluded_core, 232);
    assert_int_equal(b.excluded_contract, 230);
    assert_int_equal(b.n, 7461);
    assert_int_equal(b.n_pms, 3006);
    pms_sav_base_free(&b);
}

/* A sweep point is the full run's last year, to the penny and to the bit
 * (the Gini gets its inputs in the same sorted order), whatever the number
 * of threads and whichever point came before. */
static void test_sweep_matches_run(void **state)
{
    (void)state;
    tdata x;
    table_data(nat, &x);
    pms_scenario_file *f = NULL;
    pms_err err;
    char *p = pms_test_path(PMS_DATASETS_DIR, "pms-review-scenarios.ini");
    assert_int_equal(pms_scenario_load(p, &f, &err), PMS_OK);
    free(p);
    pms_sav_base b;
    assert_int_equal(pms_sav_prepare(&x.d, &f->settings, &b, &err), PMS_OK);
    pms_sav_ws *ws = pms_sav_ws_new(&b);
    const int k = pms_scenario_find(f, "cap5");
    const double values[] = {7.25, 0, 2.5, 30, 7.25};
    pms_sav_sweep_row one[5], two[5];
    assert_int_equal(pms_sav_sweep(&b, &f->s[k], PMS_SWEEP_CAP, values, 5, 1, one, NULL, &err),
                     PMS_OK);
    assert_int_equal(pms_sav_sweep(&b, &f->s[k], PMS_SWEEP_CAP, values, 5, 2, two, NULL, &err),
                     PMS_OK);
    assert_memory_equal(one, two, sizeof one);
    assert_memory_equal(&one[0], &one[4], sizeof one[0]); /* same value, other neighbours */
    for (int i = 0; i < 4; i++) {
        pms_sav_scenario sc = f->s[k];
        sc.cap = values[i];
        pms_sav_result r;
        assert_int_equal(pms_sav_run(&b, &sc, ws, &r, &err), PMS_OK);
        const pms_sav_year *last = &r.year[r.nyears - 1];
        assert_int_equal(one[i].released_final, last->released);
        assert_int_equal(one[i].reinvested_final, last->reinvested);
        assert_int_equal(one[i].net_saving_final, last->net_saving);
        assert_int_equal(one[i].extension_years, r.extension_years);
        assert_int_equal(one[i].unmet_practices, r.unmet_practices);
        assert_true(one[i].gini_after == last->fair.gini);
        /* practices losing > 5% / 10% in some year, from the schedule */
        size_t c5 = 0, c10 = 0;
        for (size_t j = 0; j < r.n; j++) {
            int l5 = 0, l10 = 0;
            for (size_t t = 0; t < r.nyears; t++) {
                int64_t prev = r.core[t * r.n + j], d = prev - r.core[(t + 1) * r.n + j];
                l5 |= d * 100 > prev * 5;
                l10 |= d * 100 > prev * 10;
            }
            c5 += (size_t)l5;
            c10 += (size_t)l10;
        }
        assert_int_equal(one[i].losing_over_5pct, c5);
        assert_int_equal(one[i].losing_over_10pct, c10);
        pms_sav_result_free(&r);
    }
    /* a failing point is reported as the first failing one */
    const double bad[] = {1, 2, -1, 3, -2};
    size_t at = 99;
    assert_int_equal(pms_sav_sweep(&b, &f->s[k], PMS_SWEEP_CAP, bad, 5, 2, one, &at, &err),
                     PMS_EDOMAIN);
    assert_int_equal(at, 2);
    pms_sav_ws_free(ws);
    pms_sav_base_free(&b);
    pms_scenario_free(f);
}

/* ------------------------------------------------------------ errors */

static void test_model_errors(void **state)
{
    (void)state;
    pms_sav_settings s;
    pms_sav_settings_default(&s);
    pms_sav_base b;
    pms_err err;
    pms_sav_data d = {3, h_gs, h_mpig, h_pb, h_w, h_ct, h_loc, NULL, NULL, NULL, NULL, NULL};
    d.locality = NULL;
    assert_int_equal(pms_sav_prepare(&d, &s, &b, &err), PMS_EUSAGE);
    const double nanw[3] = {NAN, -1, 0};
    pms_sav_data d2 = {3, h_gs, h_mpig, h_pb, nanw, h_ct, h_loc, NULL, NULL, NULL, NULL, NULL};
    assert_int_equal(pms_sav_prepare(&d2, &s, &b, &err), PMS_ETOOFEW);
    assert_string_equal(err.msg, "savings: no GMS or PMS practice has core funding and weighted "
                                 "patients");

    hand_base(&b);
    pms_sav_ws *ws = pms_sav_ws_new(&b);
    pms_sav_scenario sc;
    pms_sav_scenario_default(&sc);
    snprintf(sc.name, sizeof sc.name, "e");
    pms_sav_result r;
    sc.start_year = 2013;
    assert_int_equal(pms_sav_run(&b, &sc, ws, &r, &err), PMS_EDOMAIN);
    assert_string_equal(err.msg, "start_year 2013/14 is before the payments data (2014/15)");
    sc.start_year = 2016;
    sc.years = 3;
    assert_int_equal(pms_sav_check(&b, &sc, "s.ini", &err), PMS_EDOMAIN);
    assert_string_equal(err.msg, "year 2018/19 of scenario 'e' has no global sum rate (add it to "
                                 "[global_sum])");
    sc.years = 1;
    sc.line_reinvest = 7;
    sc.reinvest = PMS_REINVEST_DEPRIVATION;
    assert_int_equal(pms_sav_check(&b, &sc, "s.ini", &err), PMS_ENOTFOUND);
    assert_string_equal(err.msg, "s.ini:7: reinvest = deprivation needs the imd2015 column (join "
                                 "the practice IMD file to the data)");
    sc.reinvest = PMS_REINVEST_WEIGHTED;
    sc.scope = PMS_SCOPE_REGION;
    sc.line_scope = 8;
    assert_int_equal(pms_sav_check(&b, &sc, "s.ini", &err), PMS_ENOTFOUND);
    assert_string_equal(err.msg, "s.ini:8: scope = region needs the region_code column");
    sc.scope = PMS_SCOPE_NATIONAL;
    snprintf(sc.retention_column, sizeof sc.retention_column, "offer");
    sc.line_retention = 9;
    assert_int_equal(pms_sav_check(&b, &sc, "s.ini", &err), PMS_ENOTFOUND);
    assert_string_equal(err.msg, "s.ini:9: retention column 'offer' is not in the data");
    sc.retention_column[0] = 0;
    sc.cap = -1;
    assert_int_equal(pms_sav_check(&b, &sc, NULL, &err), PMS_EDOMAIN);
    sc.cap = 0;
    pms_sav_sweep_row row;
    assert_int_equal(pms_sav_sweep_point(&b, &sc, (pms_sav_param)99, 1, ws, &row, &err), PMS_EUSAGE);
    assert_int_equal(pms_sav_sweep_point(&b, &sc, PMS_SWEEP_PERCENT, 101, ws, &row, &err),
                     PMS_EDOMAIN);
    assert_int_equal(pms_sav_param_parse("cap"), PMS_SWEEP_CAP);
    assert_int_equal(pms_sav_param_parse("nope"), -1);
    char yl[16];
    assert_string_equal(pms_sav_year_label(2019, yl, sizeof yl), "2019/20");
    assert_string_equal(pms_sav_year_label(1999, yl, sizeof yl), "1999/00");
    int y;
    assert_int_equal(pms_sav_year_parse("2015/16", &y), 0);
    assert_int_equal(y, 2015);
    assert_int_equal(pms_sav_year_parse("2015", &y), 0);
    assert_int_equal(pms_sav_year_parse("2015/17", &y), -1);
    assert_int_equal(pms_sav_year_parse("15/16", &y), -1);
    pms_sav_ws_free(ws);
    pms_sav_base_free(&b);
}

/* text is a string literal (it may hold a NUL byte) */
#define expect_ini(text, st, want) expect_ini_n(text, sizeof(text) - 1, st, want)

static void expect_ini_n(const char *text, size_t len, pms_status want_st, const char *want)
{
    pms_scenario_file *f = NULL;
    pms_err err = {{0}};
    pms_status st = pms_scenario_load_mem("s.ini", text, len, &f, &err);
    if (st != want_st || strcmp(err.msg, want)) {
        fail_msg("ini:\n%s\ngot %d '%s'\nwant %d '%s'", text, st, err.msg, want_st, want);
    }
    assert_null(f);
}

static void test_scenario_errors(void **state)
{
    (void)state;
    const pms_status P = PMS_EPARSE;
    expect_ini("[a]\nstart_year = 2014/15\nyears = 4\nmethod = glidepath\nfoo = 1\n", P,
               "s.ini:5: unknown key 'foo' in [a]");
    expect_ini("[model]\nbase = 2014/15\n", P, "s.ini:2: unknown key 'base' in [model]");
    expect_ini("[a]\nstart_year = 2014/15\nyears = 4\nmethod = cap\ncap = -5\n", P,
               "s.ini:5: cap is negative (-5): a rate in pounds per weighted patient must be >= 0");
    expect_ini("[a]\nstart_year = 2014/15\nyears = 4\nmethod = glidepath\ntarget = -0.5\n", P,
               "s.ini:5: target is negative (-0.5): a rate in pounds per weighted patient must be "
               ">= 0");
    expect_ini("[global_sum]\n2015/16 = -76.14\n[a]\nstart_year = 2014/15\nyears = 1\nmethod = none\n",
               P, "s.ini:2: 2015/16 is negative (-76.14): a global sum rate in pounds per weighted "
                  "patient must be >= 0");
    expect_ini("[a]\nstart_year = 2014/15\nyears = 4\nmethod = cap\ncap = five\n", P,
               "s.ini:5: cap must be a number, not 'five'");
    expect_ini("[a]\nstart_year = 2014/15\nyears = 4\nmethod = percent\npercent = 120\n", P,
               "s.ini:5: percent must be at most 100, not 120");
    expect_ini("[a]\nstart_year = 2013/14\nyears = 4\nmethod = none\n", PMS_EDOMAIN,
               "s.ini:2: start_year 2013/14 is before the payments data (2014/15)");
    expect_ini("[a]\nstart_year = 2016/17\nyears = 4\nmethod = none\n", PMS_EDOMAIN,
               "s.ini:2: year 2018/19 of scenario 'a' has no global sum rate (add it to "
               "[global_sum])");
    expect_ini("[a]\nstart_year = 2014-15\nyears = 4\nmethod = none\n", P,
               "s.ini:2: start_year must be a financial year such as 2014/15, not '2014-15'");
    expect_ini("[a]\nstart_year = 2014/15\nyears = 0\nmethod = none\n", P,
               "s.ini:3: years must be a whole number from 1 to 30, not '0'");
    expect_ini("[a]\nstart_year = 2014/15\nyears = 4\nmethod = slash\n", P,
               "s.ini:4: method must be none, glidepath, cap, percent or pace, not 'slash'");
    expect_ini("[a]\nstart_year = 2014/15\nyears = 4\nmethod = none\nreinvest = all\n", P,
               "s.ini:5: reinvest must be none, weighted, deprivation or below_gms, not 'all'");
    expect_ini("[a]\nstart_year = 2014/15\nyears = 4\nmethod = none\nscope = world\n", P,
               "s.ini:5: scope must be ccg, region or national, not 'world'");
    expect_ini("[a]\nyears = 4\nmethod = none\n", P, "s.ini:2: scenario [a] has no start_year");
    expect_ini("[a]\nstart_year = 2014/15\nmethod = none\n", P, "s.ini:2: scenario [a] has no years");
    expect_ini("[a]\nstart_year = 2014/15\nyears = 2\n", P, "s.ini:2: scenario [a] has no method");
    expect_ini("[a]\nstart_year = 2014/15\nyears = 2\nmethod = cap\n", P,
               "s.ini:4: method cap needs cap = POUNDS (premium kept per weighted patient)");
    expect_ini("[a]\nstart_year = 2014/15\nyears = 2\nmethod = percent\n", P,
               "s.ini:4: method percent needs percent = P (share of the premium removed)");
    expect_ini("[a]\nstart_year = 2014/15\nyears = 2\nmethod = glidepath\ncap = 3\n", P,
               "s.ini:5: cap does not apply to method glidepath");
    expect_ini("[a]\nstart_year = 2014/15\nyears = 2\nmethod = cap\ncap = 3\nretention = 2\n", P,
               "s.ini:6: retention needs retention_column (the column flagging the practices "
               "that accepted the offer)");
    expect_ini("[a]\nstart_year = 2014/15\nyears = 2\nmethod = cap\ncap = 3\nretention_column = x\n",
               P, "s.ini:6: retention_column needs retention = POUNDS per weighted patient");
    expect_ini("[a]\nstart_year = 2014/15\nyears = 2\nmethod = none\nmax_extension_years = 51\n", P,
               "s.ini:5: max_extension_years must be a whole number from 0 to 50, not '51'");
    expect_ini("[global_sum]\n2015-16 = 76\n[a]\nstart_year = 2014/15\nyears = 1\nmethod = none\n", P,
               "s.ini:2: [global_sum] keys are financial years such as 2015/16, not '2015-16'");
    expect_ini("[model]\nbase_year = 2014/15\n", P,
               "s.ini: no scenarios: add a [section] with start_year, years and method");
    expect_ini("", P, "s.ini: no scenarios: add a [section] with start_year, years and method");
    expect_ini("method = none\n[a]\n", P,
               "s.ini:1: 'method' is outside any [section] (put it under [model] or a scenario)");
    expect_ini("[a]\nstart_year = 2014/15\nyears = 4\nyears = 5\nmethod = none\n", P,
               "s.ini:4: 'years' repeats [a] years from line 3");
    expect_ini("[a\nyears = 4\n", P,
               "s.ini:1: not a valid INI line (expected [section] or key = value)");
    expect_ini("[a]\nstart_year = 2014/15\nyears = 2\0\nmethod = none\n", P,
               "s.ini:3: NUL byte in the file");
    {
        char longl[400];
        snprintf(longl, sizeof longl, "[a]\nstart_year = 2014/15\ndescription = %0250d\nyears = 1\n", 7);
        expect_ini_n(longl, strlen(longl), P, "s.ini:3: line longer than 198 characters");
    }
    expect_ini("[model]\nmpig_taper_years = 2.5\n", P,
               "s.ini:2: mpig_taper_years must be a whole number from 1 to 100, not '2.5'");

    /* file errors */
    pms_scenario_file *f = NULL;
    pms_err err;
    assert_int_equal(pms_scenario_load("/nonexistent/s.ini", &f, &err), PMS_EIO);
    assert_string_equal(err.msg, "/nonexistent/s.ini: cannot open: No such file or directory");

    /* a good file: defaults, overrides, file order */
    const char *ok =
        "[model]\nbase_year = 2015/16\nlocality = region_code\n"
        "[global_sum]\n2018/19 = 87.92\n"
        "[b]\nstart_year = 2015/16\nyears = 4\nmethod = cap\ncap = 2.5\nscope = national\n"
        "[a]\nstart_year = 2015/16\nyears = 1\nmethod = percent\npercent = 40\n"
        "retention_column = dispensing_practice\nretention = 3\nreinvest = below_gms\n";
    assert_int_equal(pms_scenario_load_mem("ok.ini", ok, strlen(ok), &f, &err), PMS_OK);
    assert_int_equal(f->n, 2);
    assert_string_equal(f->s[0].name, "b");
    assert_int_equal(f->s[0].method, PMS_SAV_CAP);
    assert_true(f->s[0].cap == 2.5);
    assert_int_equal(f->s[0].scope, PMS_SCOPE_NATIONAL);
    assert_int_equal(f->s[0].line, 7);
    assert_int_equal(f->s[1].reinvest, PMS_REINVEST_BELOW_GMS);
    assert_string_equal(f->locality, "region_code");
    assert_int_equal(f->settings.base_year, 2015);
    assert_true(pms_sav_gs_rate(&f->settings, 2018) == 87.92);
    assert_true(pms_sav_gs_rate(&f->settings, 2015) == 76.14);
    assert_true(isnan(pms_sav_gs_rate(&f->settings, 2019)));
    assert_int_equal(pms_scenario_find(f, "a"), 1);
    assert_int_equal(pms_scenario_find(f, "c"), -1);
    /* retention flags from a Yes/No column; a missing column names the line */
    unsigned char *flags = NULL;
    assert_int_equal(pms_scenario_flags(f, 1, bri, &flags, &err), PMS_OK);
    assert_non_null(flags);
    free(flags);
    snprintf(f->s[1].retention_column, sizeof f->s[1].retention_column, "offer");
    assert_int_equal(pms_scenario_flags(f, 1, bri, &flags, &err), PMS_ENOTFOUND);
    assert_string_equal(err.msg, "ok.ini:17: retention column 'offer' is not in the data");
    snprintf(f->s[1].retention_column, sizeof f->s[1].retention_column, "practice_name");
    assert_int_equal(pms_scenario_flags(f, 1, bri, &flags, &err), PMS_EPARSE);
    assert_non_null(strstr(err.msg, "ok.ini:17: retention column 'practice_name' holds '"));
    pms_scenario_free(f);

    /* the shipped file reads */
    char *p = pms_test_path(PMS_DATASETS_DIR, "pms-review-scenarios.ini");
    assert_int_equal(pms_scenario_load(p, &f, &err), PMS_OK);
    free(p);
    assert_int_equal(f->n, 7);
    assert_true(pms_sav_gs_rate(&f->settings, 2018) == 88.96); /* not the 87.92 first announced */
    assert_true(pms_sav_gs_rate(&f->settings, 2019) == 89.88);
    assert_true(pms_sav_gs_rate(&f->settings, 2020) == 93.46);
    for (size_t k = 0; k < f->n; k++) assert_true(f->s[k].label[0] != 0);
    int q = pms_scenario_find(f, "qipp4_half");
    assert_true(q >= 0);
    assert_true(f->s[q].reinvest_pct == 50);
    assert_string_equal(pms_sav_label(&f->s[q]), "QIPP: half saved, half reinvested");
    pms_scenario_free(f);

    /* the new keys */
    expect_ini("[a]\nstart_year = 2014/15\nyears = 1\nmethod = cap\ncap = 1\nreinvest_pct = 50\n",
               PMS_EPARSE,
               "s.ini:6: reinvest_pct needs reinvest = weighted, deprivation or below_gms (no "
               "reinvest is given)");
    expect_ini("[a]\nstart_year = 2014/15\nyears = 1\nmethod = cap\ncap = 1\nreinvest = none\n"
               "reinvest_pct = 50\n",
               PMS_EPARSE,
               "s.ini:7: reinvest_pct needs reinvest = weighted, deprivation or below_gms "
               "(reinvest is none)");
    expect_ini("[a]\nstart_year = 2014/15\nyears = 1\nmethod = cap\ncap = 1\nreinvest = weighted\n"
               "reinvest_pct = 100.5\n",
               PMS_EPARSE, "s.ini:7: reinvest_pct must be at most 100, not 100.5");
    expect_ini("[a]\nstart_year = 2014/15\nyears = 1\nmethod = none\nkeep_for_services = 2\n",
               PMS_EPARSE, "s.ini:5: keep_for_services does not apply to method none");
    expect_ini("[a]\nstart_year = 2014/15\nyears = 1\nmethod = cap\ncap = 1\nkeep_for_services = -2\n",
               PMS_EPARSE,
               "s.ini:6: keep_for_services is negative (-2): a rate in pounds per weighted "
               "patient must be >= 0");
    expect_ini("[a]\nlabel =\nstart_year = 2014/15\nyears = 1\nmethod = none\n", PMS_EPARSE,
               "s.ini:2: label must be 1 to 63 characters, not ''");
}

/* ---------------------------------------------------- issue 13 and 11 */

/* The hand base, glidepath over 2 years, reinvest_pct 50, keep 2.50/wp.
 * 2014/15 (73.56): A's floor = 1000 x (73.56 + 2.50) = 7,606,000p; premium
 *   above it 2,394,000, half of it cut: 1,197,000.  B's floor 15,212,000 is
 *   above its core: no cut.  Kept for services: A min(2,644,000, 250,000) +
 *   B min(288,000, 500,000) = 538,000.  Half of 1,197,000 = 598,500
 *   reinvested 1:2:1.5 = 133,000 / 266,000 / 199,500 (exact).
 * 2015/16 (76.14): A's floor 7,864,000, cut all 2,136,000; B has no premium
 *   above GMS (15,228,000): kept 250,000.  1,068,000 reinvested: quotas
 *   237,333.33 / 474,666.67 / 356,000, the penny to B.
 * Horizon 4 from 2014/15: 2014/15, 2015/16 and 2015/16's amounts twice more. */
static void test_reinvest_pct_keep(void **state)
{
    (void)state;
    pms_sav_base b;
    hand_base(&b);
    pms_sav_scenario sc;
    pms_sav_scenario_default(&sc);
    snprintf(sc.name, sizeof sc.name, "half");
    sc.method = PMS_SAV_GLIDEPATH;
    sc.years = 2;
    sc.reinvest = PMS_REINVEST_WEIGHTED;
    sc.reinvest_pct = 50;
    sc.keep_for_services = 2.5;
    sc.scope = PMS_SCOPE_NATIONAL;
    pms_sav_ws *ws = pms_sav_ws_new(&b);
    pms_sav_result r;
    pms_err err;
    assert_int_equal(pms_sav_run(&b, &sc, ws, &r, &err), PMS_OK);
    assert_int_equal(r.nyears, 2);
    const int64_t want_cut[2][3] = {{1197000, 0, 0}, {2136000, 0, 0}};
    const int64_t want_re[2][3] = {{133000, 266000, 199500}, {237333, 474667, 356000}};
    for (int t = 0; t < 2; t++)
        for (int i = 0; i < 3; i++) {
            assert_int_equal(r.cut[t * 3 + i], want_cut[t][i]);
            assert_int_equal(r.reinvest[t * 3 + i], want_re[t][i]);
        }
    assert_int_equal(r.year[0].released, 1197000);
    assert_int_equal(r.year[0].reinvested, 598500);
    assert_int_equal(r.year[0].net_saving, 598500);
    assert_int_equal(r.year[0].kept_for_services, 538000);
    assert_int_equal(r.year[1].reinvested, 1068000);
    assert_int_equal(r.year[1].net_saving, 1068000);
    assert_int_equal(r.year[1].kept_for_services, 250000);
    pms_sav_effects e;
    pms_sav_effects_of(&r, &b, (size_t)-1, 4, &e);
    assert_int_equal(e.first_year, 2014);
    assert_int_equal(e.first_net, 598500);
    assert_int_equal(e.full_year, 2015);
    assert_int_equal(e.full_released, 2136000);
    assert_int_equal(e.full_net, 1068000);
    assert_int_equal(e.horizon_from, 2014);
    assert_int_equal(e.horizon_to, 2017);
    assert_int_equal(e.cum_released, 1197000 + 3 * 2136000);
    assert_int_equal(e.cum_reinvested, 598500 + 3 * 1068000);
    assert_int_equal(e.cum_net, e.cum_released - e.cum_reinvested);
    pms_sav_effects_of(&r, &b, 0, 1, &e); /* the one locality, one year */
    assert_int_equal(e.cum_released, 1197000);
    assert_int_equal(e.cum_reinvested, 598500);
    /* the sweep point gives what the run gives */
    pms_sav_sweep_row row;
    pms_sav_scenario full = sc;
    full.reinvest_pct = 100;
    assert_int_equal(pms_sav_sweep_point(&b, &full, PMS_SWEEP_REINVEST_PCT, 50, ws, &row, &err),
                     PMS_OK);
    assert_int_equal(row.net_saving_final, 1068000);
    assert_int_equal(row.net_saving_cumulative, 598500 + 1068000);
    full.keep_for_services = 0;
    assert_int_equal(pms_sav_sweep_point(&b, &full, PMS_SWEEP_KEEP_FOR_SERVICES, 2.5, ws, &row,
                                         &err),
                     PMS_OK);
    assert_int_equal(row.released_final, 2136000);
    pms_sav_result_free(&r);
    /* a later start counts nothing before it in the horizon */
    sc.start_year = 2015;
    sc.years = 1;
    assert_int_equal(pms_sav_run(&b, &sc, ws, &r, &err), PMS_OK);
    pms_sav_effects_of(&r, &b, (size_t)-1, 2, &e);
    assert_int_equal(e.first_year, 2015);
    assert_int_equal(e.cum_released, e.first_released);
    pms_sav_result_free(&r);
    /* out of range */
    sc.reinvest_pct = 100.5;
    assert_int_equal(pms_sav_check(&b, &sc, NULL, &err), PMS_EDOMAIN);
    pms_sav_ws_free(ws);
    pms_sav_base_free(&b);
}

/* The shipped QIPP option: a net saving in 2014/15, and in every locality
 * and year the reinvestment is half of what is released, within a penny. */
static void test_shipped_qipp(void **state)
{
    (void)state;
    tdata x;
    table_data(nat, &x);
    pms_scenario_file *f = NULL;
    pms_err err = {{0}};
    char *path = pms_test_path(PMS_DATASETS_DIR, "pms-review-scenarios.ini");
    assert_int_equal(pms_scenario_load(path, &f, &err), PMS_OK);
    free(path);
    pms_sav_base b;
    assert_int_equal(pms_sav_prepare(&x.d, &f->settings, &b, &err), PMS_OK);
    pms_sav_ws *ws = pms_sav_ws_new(&b);
    pms_sav_result r;
    int k = pms_scenario_find(f, "qipp4_half");
    assert_int_equal(pms_sav_run(&b, &f->s[k], ws, &r, &err), PMS_OK);
    assert_int_equal(r.year[0].year, 2014);
    assert_true(r.year[0].net_saving > 0);
    for (size_t y = 0; y < r.nyears; y++)
        for (size_t l = 0; l < r.nloc; l++) {
            int64_t rel = r.loc_cut[y * r.nloc + l], re = r.loc_reinvest[y * r.nloc + l];
            assert_true(llabs(2 * re - rel) <= 2);
        }
    pms_sav_result_free(&r);
    pms_sav_ws_free(ws);
    pms_sav_base_free(&b);
    pms_scenario_free(f);
}

/* Values beyond what pence in int64 hold are refused at input, with the
 * file, line and limit (they overflowed before: UBSan aborted, the Release
 * build said "no GMS or PMS practice has core funding"). */
static void test_input_limits(void **state)
{
    (void)state;
    pms_sav_settings s;
    pms_sav_settings_default(&s);
    pms_sav_base b;
    pms_err err;
    static const long lines[3] = {2, 3, 5};
    double gs[3] = {0, 0, 6e16}, w[3] = {1000, 2000, 1500}, imd[3] = {10, 20, 30};
    pms_sav_data d = {3, gs, h_mpig, h_pb, w, h_ct, h_loc, h_loc, NULL, imd, "pay.csv", lines};
    assert_int_equal(pms_sav_prepare(&d, &s, &b, &err), PMS_EPARSE);
    assert_string_equal(err.msg, "pay.csv:5: global sum 6e+16 is beyond what the savings model "
                                 "holds (at most 100,000,000,000 pounds in magnitude, so that "
                                 "every total fits in 64-bit pence)");
    gs[2] = 110340;
    w[1] = 1e308;
    assert_int_equal(pms_sav_prepare(&d, &s, &b, &err), PMS_EPARSE);
    assert_string_equal(err.msg, "pay.csv:3: weighted patients 1e+308 is beyond what the savings "
                                 "model holds (at most 100,000,000 a practice)");
    w[1] = INFINITY;
    assert_int_equal(pms_sav_prepare(&d, &s, &b, &err), PMS_EPARSE);
    w[1] = 2000;
    imd[0] = -3;
    d.line = NULL;
    assert_int_equal(pms_sav_prepare(&d, &s, &b, &err), PMS_EPARSE);
    assert_string_equal(err.msg, "pay.csv: row 1: IMD score -3 is outside 0 to 1,000 (the "
                                 "savings model weights reinvestment by it)");
    imd[0] = 10;
    gs[2] = -1e11; /* at the limit: taken (and then excluded: no core funding) */
    assert_int_equal(pms_sav_prepare(&d, &s, &b, &err), PMS_OK);
    assert_int_equal(b.excluded_core, 1);
    pms_sav_base_free(&b);
}

static void test_sweep_spec(void **state)
{
    (void)state;
    pms_sav_sweep_spec sp;
    pms_err err;
    assert_int_equal(pms_sav_sweep_parse("reinvest_pct=0:100:12.5", &sp, &err), PMS_OK);
    assert_int_equal(sp.param, PMS_SWEEP_REINVEST_PCT);
    assert_int_equal(sp.npoints, 9);
    assert_true(pms_sav_sweep_value(&sp, 8) == 100);
    assert_int_equal(pms_sav_sweep_parse("keep_for_services=0:0.3:0.1", &sp, &err), PMS_OK);
    assert_int_equal(sp.npoints, 4);
    assert_true(pms_sav_sweep_value(&sp, 3) == 0.3); /* as typed, not 0.30000000000000004 */
    assert_int_equal(pms_sav_sweep_parse("cap=0:1", &sp, &err), PMS_EUSAGE);
    assert_string_equal(err.msg, "expects PARAM=FROM:TO:STEP, not 'cap=0:1'");
    assert_int_equal(pms_sav_sweep_parse("cap=0:1e300:1e-300", &sp, &err), PMS_EUSAGE);
    assert_string_equal(err.msg, "would run inf points (at most 100000)");
    assert_int_equal(pms_sav_sweep_parse("cap=5:1:1", &sp, &err), PMS_EUSAGE);
    assert_int_equal(pms_sav_sweep_parse("speed=1:2:1", &sp, &err), PMS_EUSAGE);
    char m[48];
    assert_string_equal(pms_sav_money_short(4212345678, m, sizeof m), "\u00a342.1m");
    assert_string_equal(pms_sav_money_short(53440000, m, sizeof m), "\u00a3534k");
    assert_string_equal(pms_sav_money_short(81200, m, sizeof m), "\u00a3812");
    assert_string_equal(pms_sav_money_short(-105000000, m, sizeof m), "-\u00a31.05m");
    assert_string_equal(pms_sav_money_short(1234567890000, m, sizeof m), "\u00a312.35bn");
    assert_string_equal(pms_sav_money_short(-10, m, sizeof m), "\u00a30");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand_glidepath),
        cmocka_unit_test(test_protection_extends),
        cmocka_unit_test(test_apportion),
        cmocka_unit_test(test_base_counts),
        cmocka_unit_test(test_national_shipped),
        cmocka_unit_test(test_national_reference),
        cmocka_unit_test(test_bristol_reference),
        cmocka_unit_test(test_sweep_matches_run),
        cmocka_unit_test(test_model_errors),
        cmocka_unit_test(test_reinvest_pct_keep),
        cmocka_unit_test(test_shipped_qipp),
        cmocka_unit_test(test_input_limits),
        cmocka_unit_test(test_sweep_spec),
        cmocka_unit_test(test_scenario_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
