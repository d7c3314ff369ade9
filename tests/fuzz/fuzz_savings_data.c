/* libFuzzer: the savings model on fuzzed practice values (the scenario
 * target fuzzes the scenarios on fixed practices).  The input is read as up
 * to 12 practices: per practice one control byte (contract, locality, CCG,
 * whether the numbers are raw doubles or small scaled integers) then five
 * numbers (global sum, MPIG, PMS balance, weighted patients, IMD).  Raw
 * doubles reach NaN, infinities, 1e308 and subnormals; scaled integers reach
 * the model's ordinary paths.  Whatever pms_sav_prepare accepts must run every
 * fixed scenario with the penny identities holding; whatever it refuses must
 * be refused with a message, never overflow (UBSan aborts on that). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/savings.h"

#define MAXP 12

static double take(const uint8_t **p, const uint8_t *end, int raw)
{
    if (raw) {
        double v = 0;
        size_t k = (size_t)(end - *p) < sizeof v ? (size_t)(end - *p) : sizeof v;
        memcpy(&v, *p, k);
        *p += k;
        return v;
    }
    int32_t i = 0;
    size_t k = (size_t)(end - *p) < sizeof i ? (size_t)(end - *p) : sizeof i;
    memcpy(&i, *p, k);
    *p += k;
    return (double)i / 100.0; /* pounds and pence, +-21 million */
}

static void check(const pms_sav_base *b, const pms_sav_result *r)
{
    size_t n = r->n;
    for (size_t k = 0; k < r->nyears; k++) {
        const pms_sav_year *y = &r->year[k];
        int64_t rel = 0, re = 0;
        for (size_t i = 0; i < n; i++) {
            int64_t cut = r->cut[k * n + i], inv = r->reinvest[k * n + i];
            if (cut < 0 || inv < 0) abort();
            if (b->contract[i] == PMS_CONTRACT_PMS &&
                r->core[(k + 1) * n + i] != b->core0[i] - cut + inv)
                abort();
            rel += cut;
            re += inv;
        }
        if (rel != y->released || re != y->reinvested) abort();
        if (y->released != y->reinvested + y->net_saving) abort();
        if (y->reinvested > y->released || y->kept_for_services < 0) abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const cts[] = {"PMS", "GMS", "APMS", "pms "};
    static const char *const locs[] = {"L1", "L2", "", "L3"};
    static const char *const ccgs[] = {"C1", "C2", "C1", "C3"};
    double gs[MAXP], mp[MAXP], pb[MAXP], w[MAXP], imd[MAXP];
    const char *ct[MAXP], *lc[MAXP], *cc[MAXP], *rg[MAXP];
    unsigned char retain[MAXP];
    const uint8_t *p = data, *end = data + size;
    size_t n = 0;
    while (p < end && n < MAXP) {
        uint8_t c = *p++;
        int raw = c & 0x80;
        ct[n] = cts[c & 3];
        lc[n] = locs[(c >> 2) & 3];
        cc[n] = ccgs[(c >> 4) & 3];
        rg[n] = (c & 0x40) ? "R1" : "R2";
        retain[n] = (unsigned char)(c & 1);
        gs[n] = take(&p, end, raw);
        mp[n] = take(&p, end, raw);
        pb[n] = take(&p, end, raw);
        w[n] = take(&p, end, raw);
        imd[n] = take(&p, end, raw);
        if (!raw) w[n] = fabs(w[n]) / 10, imd[n] = fabs(imd[n]) / 1e4;
        n++;
    }
    pms_sav_data d = {n, gs, mp, pb, w, ct, lc, cc, rg, imd, "fuzz.csv", NULL};
    pms_sav_settings s;
    pms_sav_settings_default(&s);
    s.gs_n = 8;
    s.gs_rate[5] = 87.92, s.gs_rate[6] = 88.96, s.gs_rate[7] = 93.46;
    pms_sav_base b;
    pms_err err;
    if (pms_sav_prepare(&d, &s, &b, &err) != PMS_OK) {
        if (!err.msg[0]) abort();
        return 0;
    }
    pms_sav_ws *ws = pms_sav_ws_new(&b);
    if (!ws) abort();
    static const struct {
        pms_sav_method m;
        pms_sav_reinvest r;
        pms_sav_scope sc;
        double a, rpct, keep, prot_pct, prot_wp;
        unsigned years;
    } cases[] = {
        {PMS_SAV_GLIDEPATH, PMS_REINVEST_WEIGHTED, PMS_SCOPE_CCG, 0, 50, 0, 0, 0, 4},
        {PMS_SAV_CAP, PMS_REINVEST_BELOW_GMS, PMS_SCOPE_REGION, 5, 37.5, 2.5, 5, 0, 3},
        {PMS_SAV_PERCENT, PMS_REINVEST_DEPRIVATION, PMS_SCOPE_NATIONAL, 40, 100, 1.25, 0, 4, 2},
        {PMS_SAV_GLIDEPATH, PMS_REINVEST_NONE, PMS_SCOPE_CCG, 1.5, 0, 3, 3, 2, 7},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        pms_sav_scenario sc;
        pms_sav_scenario_default(&sc);
        snprintf(sc.name, sizeof sc.name, "case%zu", k);
        sc.method = cases[k].m;
        sc.reinvest = cases[k].r;
        sc.scope = cases[k].sc;
        sc.years = cases[k].years;
        if (sc.method == PMS_SAV_GLIDEPATH) sc.target = cases[k].a;
        if (sc.method == PMS_SAV_CAP) sc.cap = cases[k].a;
        if (sc.method == PMS_SAV_PERCENT) sc.percent = cases[k].a;
        sc.reinvest_pct = cases[k].rpct;
        sc.keep_for_services = cases[k].keep;
        sc.protect_pct = cases[k].prot_pct;
        sc.protect_per_wp = cases[k].prot_wp;
        sc.max_extension = 3;
        if (k == 1) {
            snprintf(sc.retention_column, sizeof sc.retention_column, "flag");
            sc.retention = 1.75;
            sc.retain = retain;
        }
        pms_sav_result r;
        if (pms_sav_run(&b, &sc, ws, &r, &err) == PMS_OK) {
            check(&b, &r);
            pms_sav_effects e;
            pms_sav_effects_of(&r, &b, (size_t)-1, 4, &e);
            if (e.cum_net != e.cum_released - e.cum_reinvested) abort();
            for (size_t l = 0; l < b.nloc; l++) pms_sav_effects_of(&r, &b, l, 3, &e);
            char buf[64];
            pms_sav_money_short(r.year[0].net_saving, buf, sizeof buf);
            pms_sav_result_free(&r);
        } else if (!err.msg[0]) {
            abort();
        }
        pms_sav_sweep_row row;
        (void)pms_sav_sweep_point(&b, &sc, PMS_SWEEP_REINVEST_PCT, 12.5, ws, &row, &err);
        (void)pms_sav_sweep_point(&b, &sc, PMS_SWEEP_KEEP_FOR_SERVICES, 4.5, ws, &row, &err);
    }
    pms_sav_ws_free(ws);
    pms_sav_base_free(&b);
    return 0;
}
