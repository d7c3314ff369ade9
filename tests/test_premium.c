/* analysis/premium: the PMS premium on a hand-worked example (exact pence,
 * rounding, the MPIG uplift), every error code, the rates table against the
 * savings model's, and the real 2014/15 file against an independent pandas
 * recomputation (tests/reference/premium.py -> premium.out) to the penny. */
/* ctest-labels: unit reference */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "analysis/premium.h"

/* Hand example.  Rate 2013/14 = 66.25.
 *   G1 GMS  W 1000.5  GS 60,000  MPIG 4,000     locality A
 *   G2 GMS  W 3000    GS 190,000 MPIG 6,000     locality B
 *   P1 PMS  W 2001    PMS 150,000 MPIG 100      locality A
 *   P2 PMS  W 1500.5  PMS 90,000                locality A
 *   P3 PMS  W 999     PMS 80,000                locality B
 * GMS equivalent: P1 2001 x 66.25 = 132,566.25; P2 1500.5 x 66.25 = 99,408.125
 *   -> 99,408.13 (half up); P3 66,183.75.
 * premium: P1 150,100 - 132,566.25 = 17,533.75; P2 -9,408.13; P3 13,816.25.
 * MPIG recycled: M = 10,000 (1,000,000 p), W_gms = 4000.5.
 *   uplift P1 = 1,000,000 x 2001 / 4000.5 = 500,187.48 p -> 500,187
 *   uplift P2 = 1,000,000 x 1500.5 / 4000.5 = 375,078.11 p -> 375,078
 *   uplift P3 = 1,000,000 x 999 / 4000.5 = 249,718.79 p -> 249,719
 * after: P1 1,753,375 - 10,000 - 500,187 = 1,243,188 p
 *        P2 -940,813 - 375,078 = -1,315,891 p;  P3 1,381,625 - 249,719 = 1,131,906 p. */
static const double gs[] = {60000, 190000, 0, 0, 0}, mp[] = {4000, 6000, 100, 0, 0},
                    pb[] = {0, 0, 150000, 90000, 80000}, wt[] = {1000.5, 3000, 2001, 1500.5, 999},
                    imd[] = {10, 20, 30.5, NAN, 12.25};
static const char *const ct[] = {"GMS", "GMS", "PMS", "pms", "PMS"},
                         *const lc[] = {"A", "B", "A", "A", "B"};

static void base_of(pms_sav_base *b, size_t n, const char *const *contract)
{
    pms_sav_data d = {n, gs, mp, pb, wt, contract, lc, NULL, NULL, imd, NULL, NULL};
    pms_sav_settings s;
    pms_sav_settings_default(&s);
    pms_err err;
    assert_int_equal(pms_sav_prepare(&d, &s, b, &err), PMS_OK);
}

static void test_hand_example(void **state)
{
    (void)state;
    pms_sav_base b;
    base_of(&b, 5, ct);
    pms_prem_opts o;
    pms_prem_opts_default(&o);
    o.prices_year = 2013;
    o.min_corr = 3;
    pms_prem_result r;
    pms_err err;
    assert_int_equal(pms_prem_compute(&b, &o, &r, &err), PMS_OK);
    assert_int_equal(r.n, 3);
    assert_true(r.rate == 66.25);
    const int64_t prem[] = {1753375, -940813, 1381625}, after[] = {1243188, -1315891, 1131906};
    for (size_t j = 0; j < 3; j++) {
        assert_int_equal(r.premium[j], prem[j]);
        assert_int_equal(r.after[j], after[j]);
    }
    assert_int_equal(r.gms_mpig, 1000000);
    assert_rel(r.uplift_per_weighted, 10000.0 / 4000.5, 1e-15);
    const pms_prem_group *g = &r.national;
    assert_int_equal(g->practices, 3);
    assert_int_equal(g->above, 2);
    assert_int_equal(g->below, 1);
    assert_int_equal(g->premium, 1753375 - 940813 + 1381625);
    assert_int_equal(g->after, 1243188 - 1315891 + 1131906);
    assert_rel(g->weighted, 4500.5, 1e-15);
    assert_rel(g->per_weighted, 21941.87 / 4500.5, 1e-14);
    /* per W: -6.2699..., 8.7625..., 13.8301...; type 7 quartiles at h = 0.5, 1, 1.5 */
    double pw[] = {-9408.13 / 1500.5, 17533.75 / 2001, 13816.25 / 999};
    assert_rel(g->median, pw[1], 1e-14);
    assert_rel(g->q1, (pw[0] + pw[1]) / 2, 1e-13);
    assert_rel(g->q3, (pw[1] + pw[2]) / 2, 1e-13);
    assert_int_equal(g->top10_n, 1);
    assert_rel(g->top10_share, 17533.75 / 21941.87, 1e-14);
    /* localities: A = P1, P2; B = P3 */
    assert_int_equal(r.nloc, 2);
    assert_int_equal(r.loc[0].practices, 2);
    assert_int_equal(r.loc[0].premium, 1753375 - 940813);
    assert_int_equal(r.loc[1].premium, 1381625);
    assert_int_equal(r.loc[1].top10_n, 1);
    assert_rel(r.loc[1].top10_share, 1.0, 1e-15);
    /* IMD: P2 has none, so 2 practices nationally < min_corr */
    assert_int_equal(g->n_imd, 2);
    assert_int_equal(g->corr_status, PMS_ETOOFEW);
    /* inputs unchanged */
    assert_true(wt[3] == 1500.5 && isnan(imd[3]) && pb[2] == 150000);

    /* 2014/15 prices: P2's GMS equivalent 1500.5 x 73.56 = 110,376.78 exactly */
    pms_prem_result r2;
    o.prices_year = 2014;
    assert_int_equal(pms_prem_compute(&b, &o, &r2, &err), PMS_OK);
    assert_int_equal(r2.premium[1], 9000000 - 11037678);
    pms_prem_result_free(&r2);
    /* A rate given directly overrides the year's */
    o.rate = 70.125;
    assert_int_equal(pms_prem_compute(&b, &o, &r2, &err), PMS_OK);
    assert_int_equal(r2.premium[2], 8000000 - 7005488); /* 999 x 70.125 = 70,054.875 -> .88 */
    pms_prem_result_free(&r2);
    pms_prem_result_free(&r);
    pms_prem_result_free(&r);   /* twice: a zeroed struct */
    pms_prem_result_free(NULL);
    pms_sav_base_free(&b);
}

static void test_errors(void **state)
{
    (void)state;
    pms_sav_base b;
    base_of(&b, 5, ct);
    pms_prem_opts o;
    pms_prem_opts_default(&o);
    pms_prem_result r;
    pms_err err;
    o.prices_year = 2030;
    assert_int_equal(pms_prem_compute(&b, &o, &r, &err), PMS_EDOMAIN);
    assert_string_equal(err.msg, "premium: no global sum rate for 2030/31 (the table has "
                                 "2013/14 to 2020/21)");
    o.prices_year = 2013;
    o.rate = -1;
    assert_int_equal(pms_prem_compute(&b, &o, &r, &err), PMS_EDOMAIN);
    o.rate = INFINITY;
    assert_int_equal(pms_prem_compute(&b, &o, &r, &err), PMS_EDOMAIN);
    o.rate = NAN;
    o.delta = 1;
    assert_int_equal(pms_prem_compute(&b, &o, &r, &err), PMS_EDOMAIN);
    o.delta = 0.1;
    o.ci_level = 0;
    assert_int_equal(pms_prem_compute(&b, &o, &r, &err), PMS_EDOMAIN);
    pms_sav_base_free(&b);
    /* no PMS practice */
    static const char *const allgms[] = {"GMS", "GMS", "GMS", "GMS", "GMS"};
    base_of(&b, 5, allgms);
    pms_prem_opts_default(&o);
    assert_int_equal(pms_prem_compute(&b, &o, &r, &err), PMS_ETOOFEW);
    assert_string_equal(err.msg, "premium: no PMS practice in the data");
    pms_sav_base_free(&b);
}

/* The table here and the savings model's defaults are the same figures. */
static void test_rates(void **state)
{
    (void)state;
    pms_sav_settings s;
    pms_sav_settings_default(&s);
    for (int y = 2013; y <= 2017; y++) assert_true(pms_prem_gs_rate(y) == pms_sav_gs_rate(&s, y));
    assert_true(pms_prem_gs_rate(2018) == 88.96);
    assert_true(pms_prem_gs_rate(2020) == 93.46);
    assert_true(isnan(pms_prem_gs_rate(2012)) && isnan(pms_prem_gs_rate(2021)));
}

/* ---- the real file against premium.out ---- */

static const char *ref_line(const char *text, const char *prefix)
{
    size_t k = strlen(prefix);
    for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        if (!strncmp(p, prefix, k)) return p + k;
    fail_msg("no reference line '%s'", prefix);
    return NULL;
}

static void real_data(int year, const char *ref)
{
    pms_table *t = pms_test_open_2014_imd(NULL);
    if (!t) skip();
    pms_sav_data d;
    memset(&d, 0, sizeof d);
    d.n = t->nrows;
    const char *const *c = NULL, *const *l = NULL;
    pms_err err;
    assert_int_equal(pms_table_numeric(t, "global_sum", &d.global_sum, &err), PMS_OK);
    assert_int_equal(pms_table_numeric(t, "mpig", &d.mpig, &err), PMS_OK);
    assert_int_equal(pms_table_numeric(t, "pms_balance", &d.pms_balance, &err), PMS_OK);
    assert_int_equal(pms_table_numeric(t, "weighted_patients", &d.weighted, &err), PMS_OK);
    assert_int_equal(pms_table_numeric(t, "imd2015", &d.imd, &err), PMS_OK);
    assert_int_equal(pms_table_text(t, "contract_type", &c, &err), PMS_OK);
    assert_int_equal(pms_table_text(t, "ccg_code", &l, &err), PMS_OK);
    d.contract = c;
    d.locality = l;
    pms_sav_settings s;
    pms_sav_settings_default(&s);
    pms_sav_base b;
    assert_int_equal(pms_sav_prepare(&d, &s, &b, &err), PMS_OK);
    pms_prem_opts o;
    pms_prem_opts_default(&o);
    o.prices_year = year;
    pms_prem_result r;
    assert_int_equal(pms_prem_compute(&b, &o, &r, &err), PMS_OK);

    char key[64];
    snprintf(key, sizeof key, "national %d ", year);
    const char *p = ref_line(ref, key);
    double rate, v[16];
    long long n[9];
    assert_int_equal(sscanf(p, "%lf %lld %lld %lld %lld %lld %lld %lld %lf %lf %lf %lf %lld %lf %lf %lf",
                            &rate, &n[0], &n[1], &n[2], &n[3], &n[4], &n[5], &n[6], &v[0], &v[1],
                            &v[2], &v[3], &n[7], &v[4], &v[5], &v[6]),
                     16);
    const pms_prem_group *g = &r.national;
    assert_true(r.rate == rate);
    /* money: exact pence, both sides integer arithmetic */
    assert_int_equal(g->practices, n[0]);
    assert_int_equal(g->above, n[1]);
    assert_int_equal(g->below, n[2]);
    assert_int_equal(g->premium, n[3]);
    assert_int_equal(g->after, n[4]);
    assert_int_equal(g->above_after, n[5]);
    assert_int_equal(g->below_after, n[6]);
    assert_int_equal(g->top10_n, n[7]);
    /* ratios: the reference prints 10 decimals (values ~1-30: ~1e-11 relative) */
    assert_rel(g->per_weighted, v[0], 1e-10);
    assert_rel(g->q1, v[1], 1e-10);
    assert_rel(g->median, v[2], 1e-10);
    assert_rel(g->q3, v[3], 1e-10);
    assert_rel(g->top10_share, v[4], 1e-9);
    assert_rel(g->after_per_weighted, v[5], 1e-10);
    assert_rel(r.uplift_per_weighted, v[6], 1e-10);
    if (year == 2013) {
        /* Spearman and its test (SciPy; 12 significant digits printed; n > 1290 so the t
         * p-value, the same formula: 1e-9 relative on the p-value for the t tail) */
        double e[6];
        long long m;
        assert_int_equal(sscanf(ref_line(ref, "imd national "), "%lld %lf %lf %lf %lf %lf %lf",
                                &m, &e[0], &e[1], &e[2], &e[3], &e[4], &e[5]),
                         7);
        assert_int_equal(g->n_imd, m);
        assert_int_equal(g->corr_status, PMS_OK);
        assert_rel(g->corr.estimate, e[0], 1e-10);
        assert_rel(g->corr.ci_low, e[1], 1e-10);
        assert_rel(g->corr.ci_high, e[2], 1e-10);
        assert_rel(g->corr.p_value, e[3], 1e-8);
        assert_rel(g->tost_p, e[4], 1e-9);
        assert_rel(g->min_detectable, e[5], 1e-10);
        assert_int_equal(g->verdict, PMS_VERDICT_SHOWN);
    }
    /* every locality: exact pence; rho and interval where the reference has them */
    size_t checked = 0, corr = 0;
    for (size_t k = 0; k < r.nloc; k++) {
        const pms_prem_group *lg = &r.loc[k];
        if (!lg->practices) continue;
        snprintf(key, sizeof key, "locality %d %s ", year, b.loc_name[k]);
        long long q[5];
        assert_int_equal(sscanf(ref_line(ref, key), "%lld %lld %lld %lld %lld", &q[0], &q[1],
                                &q[2], &q[3], &q[4]),
                         5);
        assert_int_equal(lg->practices, q[0]);
        assert_int_equal(lg->above, q[1]);
        assert_int_equal(lg->below, q[2]);
        assert_int_equal(lg->premium, q[3]);
        assert_int_equal(lg->after, q[4]);
        checked++;
        if (year == 2013 && lg->corr_status == PMS_OK) {
            snprintf(key, sizeof key, "imd %s ", b.loc_name[k]);
            double e[3];
            long long m;
            assert_int_equal(sscanf(ref_line(ref, key), "%lld %lf %lf %lf", &m, &e[0], &e[1], &e[2]), 4);
            assert_int_equal(lg->n_imd, m);
            assert_rel(lg->corr.estimate, e[0], 1e-9);
            assert_rel(lg->corr.ci_low, e[1], 1e-9);
            assert_rel(lg->corr.ci_high, e[2], 1e-9);
            corr++;
        }
    }
    size_t reflocs = 0;
    snprintf(key, sizeof key, "locality %d ", year);
    for (const char *q = strstr(ref, key); q; q = strstr(q + 1, key)) reflocs++;
    assert_int_equal(checked, reflocs);
    if (year == 2013) {
        size_t refcorr = 0;
        for (const char *q = strstr(ref, "\nimd "); q; q = strstr(q + 1, "\nimd ")) refcorr++;
        assert_int_equal(corr + 1, refcorr); /* + the national line */
    }
    pms_prem_result_free(&r);
    pms_sav_base_free(&b);
    pms_table_free(t);
}

static void test_real_2013_prices(void **state)
{
    (void)state;
    char *path = pms_test_path(PMS_SOURCE_DIR, "tests/reference/premium.out");
    char *ref = pms_test_slurp(path);
    free(path);
    assert_non_null(ref);
    real_data(2013, ref);
    free(ref);
}

static void test_real_2014_prices(void **state)
{
    (void)state;
    char *path = pms_test_path(PMS_SOURCE_DIR, "tests/reference/premium.out");
    char *ref = pms_test_slurp(path);
    free(path);
    assert_non_null(ref);
    real_data(2014, ref);
    free(ref);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand_example),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_rates),
        cmocka_unit_test(test_real_2013_prices),
        cmocka_unit_test(test_real_2014_prices),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
