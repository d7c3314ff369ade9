/* Report section: the PMS review savings scenarios (analysis/savings.h) by
 * year, by locality and, for the report's locality, by practice; Lorenz
 * curves of core funding after each scenario; the sweep trade-off. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/savings.h"
#include "report/report.h"
#include "io/scenario.h"
#include "io/sha256.h"

#define SHEET "Savings"
#define SHEET_LOC "Savings by locality"
#define SHEET_PRAC "Savings by practice"
#define MAXSCEN 16
#define MAXYEARS 64

static double pounds(int64_t p) { return (double)p / 100.0; }

static void note_exclusions(pms_table *t, const pms_sav_base *b)
{
    struct {
        size_t n;
        const char *what, *why;
    } ex[] = {{b->excluded_missing, "report_savings_missing",
               "global sum, MPIG, PMS balance or weighted patients missing"},
              {b->excluded_weighted, "report_savings_weighted", "weighted patients <= 0"},
              {b->excluded_core, "report_savings_no_core",
               "no core funding recorded (global sum + MPIG + PMS balance <= 0)"},
              {b->excluded_contract, "report_savings_contract",
               "APMS or other contract (out of scope)"},
              {b->excluded_locality, "report_savings_locality", "no locality code"}};
    for (size_t i = 0; i < sizeof ex / sizeof ex[0]; i++)
        if (ex[i].n)
            pms_table_note(t, ex[i].what, ex[i].n, "report (savings): %zu practices excluded: %s",
                           ex[i].n, ex[i].why);
}

/* Practices whose core funding falls by more than 5% in some year. */
static size_t losing_5pct_any_year(const pms_sav_result *r)
{
    size_t k = 0;
    for (size_t i = 0; i < r->n; i++)
        for (size_t t = 1; t <= r->nyears; t++) {
            int64_t before = r->core[(t - 1) * r->n + i], after = r->core[t * r->n + i];
            if (before > 0 && (double)(before - after) > 0.05 * (double)before) {
                k++;
                break;
            }
        }
    return k;
}

pms_status pms_report_savings(pms_report_ctx *r, pms_err *err)
{
    const char *rel = pms_config_str(r->cfg, "savings", "scenarios", NULL);
    if (!rel) return PMS_OK;
    char path[4096];
    pms_report_path(r, rel, path, sizeof path);
    pms_scenario_file *sf = NULL;
    pms_status st = pms_scenario_load(path, &sf, err);
    if (st) return st;
    pms_table *t = r->all ? r->all : r->main; /* every contract: no practice rules here */
    pms_sav_data d;
    memset(&d, 0, sizeof d);
    d.n = t->nrows;
    const char *const *ct = NULL, *const *lc = NULL, *const *cc = NULL, *const *rg = NULL,
                      *const *code = NULL, *const *pname = NULL;
    pms_err ignore;
    pms_sav_base b;
    memset(&b, 0, sizeof b);
    pms_sav_ws *ws = NULL;
    pms_sav_result res;
    memset(&res, 0, sizeof res);
    unsigned char *flags = NULL;
    pms_out *yrs = NULL, *scen = NULL, *loc = NULL, *prac = NULL, *sweep = NULL;
    double *lx[MAXSCEN + 1] = {0}, *ly[MAXSCEN + 1] = {0};
    size_t lm[MAXSCEN + 1] = {0};
    pms_chart_curve curves[MAXSCEN + 1];
    size_t ncurves = 0;
    const char *years_lbl[MAXYEARS];
    char years_buf[MAXYEARS][8];
    double *net = NULL;
    const char *scen_names[MAXSCEN];
    size_t nscen = 0, nyears = 0;
    int first_year = 0;

    if ((st = pms_table_numeric(t, "global_sum", &d.global_sum, err)) ||
        (st = pms_table_numeric(t, "mpig", &d.mpig, err)) ||
        (st = pms_table_numeric(t, "pms_balance", &d.pms_balance, err)) ||
        (st = pms_table_numeric(t, "weighted_patients", &d.weighted, err)) ||
        (st = pms_table_text(t, "contract_type", &ct, err)) ||
        (st = pms_table_text(t, "practice_code", &code, err)))
        goto done;
    if (!pms_table_col(t, sf->locality)) {
        st = pms_err_set(err, PMS_ENOTFOUND, "%s:%d: locality column '%s' is not in the data",
                         sf->path, sf->line_locality, sf->locality);
        goto done;
    }
    if ((st = pms_table_text(t, sf->locality, &lc, err))) goto done;
    pms_table_text(t, "practice_name", &pname, &ignore);
    if (pms_table_col(t, "ccg_code")) pms_table_text(t, "ccg_code", &cc, &ignore);
    if (pms_table_col(t, "region_code")) pms_table_text(t, "region_code", &rg, &ignore);
    if (pms_table_col(t, "imd2015")) pms_table_numeric(t, "imd2015", &d.imd, &ignore);
    d.contract = ct;
    d.locality = lc;
    d.ccg = cc;
    d.region = rg;
    if ((st = pms_sav_prepare(&d, &sf->settings, &b, err))) goto done;
    note_exclusions(t, &b);
    {
        FILE *fp = fopen(sf->path, "rb");
        if (fp) {
            static unsigned char buf[65536];
            unsigned char dg[32];
            size_t len = fread(buf, 1, sizeof buf, fp);
            fclose(fp);
            char hex[65];
            pms_sha256(buf, len, dg);
            pms_sha256_hex(dg, hex);
            pms_table_note(t, "scenarios", sf->n, "report (savings): scenarios from %s (SHA-256 %s)",
                           sf->path, hex);
        }
    }
    if (!(ws = pms_sav_ws_new(&b))) {
        st = pms_err_set(err, PMS_ENOMEM, "out of memory");
        goto done;
    }
    yrs = pms_out_new("by_year", "Savings by year (pounds)");
    scen = pms_out_new("scenarios", "Scenarios");
    loc = pms_out_new("by_locality", "Savings by locality over the whole schedule (pounds)");
    prac = pms_out_new("by_practice", "Practices of the locality: core funding before and after");
    net = calloc(MAXSCEN * MAXYEARS, sizeof *net);
    if (!yrs || !scen || !loc || !prac || !net) {
        st = pms_err_set(err, PMS_ENOMEM, "out of memory");
        goto done;
    }
    int yc[10] = {pms_out_col(yrs, "scenario", PMS_OUT_TEXT, 0),
                  pms_out_col(yrs, "year", PMS_OUT_TEXT, 0),
                  pms_out_col(yrs, "released", PMS_OUT_MONEY, 2),
                  pms_out_col(yrs, "reinvested", PMS_OUT_MONEY, 2),
                  pms_out_col(yrs, "net_saving", PMS_OUT_MONEY, 2),
                  pms_out_col(yrs, "core_total", PMS_OUT_MONEY, 2),
                  pms_out_col(yrs, "losing", PMS_OUT_INT, 0),
                  pms_out_col(yrs, "losing_over_5pct", PMS_OUT_INT, 0),
                  pms_out_col(yrs, "largest_loss_pct", PMS_OUT_PCT, 1),
                  pms_out_col(yrs, "gini_after", PMS_OUT_REAL, 4)};
    int sc_[8] = {pms_out_col(scen, "scenario", PMS_OUT_TEXT, 0),
                  pms_out_col(scen, "description", PMS_OUT_TEXT, 0),
                  pms_out_col(scen, "years", PMS_OUT_INT, 0),
                  pms_out_col(scen, "net_saving_total", PMS_OUT_MONEY, 2),
                  pms_out_col(scen, "net_saving_first_4_years", PMS_OUT_MONEY, 2),
                  pms_out_col(scen, "practices_losing_over_5pct", PMS_OUT_INT, 0),
                  pms_out_col(scen, "gini_before", PMS_OUT_REAL, 4),
                  pms_out_col(scen, "gini_after", PMS_OUT_REAL, 4)};
    int lcx[7] = {pms_out_col(loc, "scenario", PMS_OUT_TEXT, 0),
                  pms_out_col(loc, "locality", PMS_OUT_TEXT, 0),
                  pms_out_col(loc, "practices", PMS_OUT_INT, 0),
                  pms_out_col(loc, "core_before", PMS_OUT_MONEY, 2),
                  pms_out_col(loc, "core_after", PMS_OUT_MONEY, 2),
                  pms_out_col(loc, "withheld_total", PMS_OUT_MONEY, 2),
                  pms_out_col(loc, "reinvested_total", PMS_OUT_MONEY, 2)};
    int pc[8] = {pms_out_col(prac, "scenario", PMS_OUT_TEXT, 0),
                 pms_out_col(prac, "practice_code", PMS_OUT_TEXT, 0),
                 pms_out_col(prac, "practice_name", PMS_OUT_TEXT, 0),
                 pms_out_col(prac, "contract_type", PMS_OUT_TEXT, 0),
                 pms_out_col(prac, "weighted_patients", PMS_OUT_REAL, 0),
                 pms_out_col(prac, "core_before", PMS_OUT_MONEY, 2),
                 pms_out_col(prac, "core_after", PMS_OUT_MONEY, 2),
                 pms_out_col(prac, "change", PMS_OUT_PCT, 1)};
    /* Core funding per weighted patient now, for the Lorenz chart. */
    double *amt = malloc((b.n ? b.n : 1) * sizeof *amt);
    if (!amt) {
        st = pms_err_set(err, PMS_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < b.n; i++) amt[i] = (double)b.core0[i] / 100.0;
    if (r->charts_on && !pms_chart_lorenz_points(amt, b.weighted, b.n, &lx[0], &ly[0], &lm[0], &ignore))
        curves[ncurves++] = (pms_chart_curve){"Core funding now", lx[0], ly[0], lm[0], 0};

    for (size_t k = 0; k < sf->n && k < MAXSCEN && !st; k++) {
        pms_sav_scenario sc = sf->s[k];
        free(flags);
        flags = NULL;
        if ((st = pms_scenario_flags(sf, k, t, &flags, err))) break;
        sc.retain = flags;
        if ((st = pms_sav_check(&b, &sc, sf->path, err))) break;
        if ((st = pms_sav_run(&b, &sc, ws, &res, err))) break;
        scen_names[nscen] = sf->s[k].name;
        int64_t total = 0, first4 = 0, rel4 = 0, re4 = 0;
        for (size_t y = 0; y < res.nyears; y++) {
            const pms_sav_year *yr = &res.year[y];
            char lbl[8];
            pms_sav_year_label(yr->year, lbl, sizeof lbl);
            pms_out_row(yrs);
            pms_out_set_text(yrs, yc[0], sc.name);
            pms_out_set_text(yrs, yc[1], lbl);
            pms_out_set_num(yrs, yc[2], pounds(yr->released));
            pms_out_set_num(yrs, yc[3], pounds(yr->reinvested));
            pms_out_set_num(yrs, yc[4], pounds(yr->net_saving));
            pms_out_set_num(yrs, yc[5], pounds(yr->core_total));
            pms_out_set_int(yrs, yc[6], (long long)yr->losing);
            pms_out_set_int(yrs, yc[7], (long long)yr->losing_over_5pct);
            pms_out_set_num(yrs, yc[8], yr->largest_loss > 0 ? yr->largest_loss_pct : 0);
            pms_out_set_num(yrs, yc[9], yr->fair.gini);
            total += yr->net_saving;
            if (y < 4) {
                first4 += yr->net_saving;
                rel4 += yr->released;
                re4 += yr->reinvested;
            }
            if (!first_year) first_year = yr->year;
            int yi = yr->year - first_year;
            if (yi >= 0 && yi < MAXYEARS) {
                if ((size_t)yi + 1 > nyears) nyears = (size_t)yi + 1;
                net[nscen * MAXYEARS + (size_t)yi] = pounds(yr->released) / 1e6;
            }
        }
        size_t lose5 = losing_5pct_any_year(&res);
        double gini_after = res.nyears ? res.year[res.nyears - 1].fair.gini : NAN;
        pms_out_row(scen);
        pms_out_set_text(scen, sc_[0], sc.name);
        pms_out_set_text(scen, sc_[1], sc.description);
        pms_out_set_int(scen, sc_[2], (long long)res.nyears);
        pms_out_set_num(scen, sc_[3], pounds(total));
        pms_out_set_num(scen, sc_[4], pounds(first4));
        pms_out_set_int(scen, sc_[5], (long long)lose5);
        pms_out_set_num(scen, sc_[6], res.fair_base.gini);
        pms_out_set_num(scen, sc_[7], gini_after);
        char m1[40], m2[40], m3[40];
        pms_report_say(r, "Scenario %s: over its first 4 years it releases %s of PMS premium, "
                          "reinvests %s and saves %s net (%zu years in all, net saving %s); %zu "
                          "practices lose more than 5%% of core funding in some year; the Gini of "
                          "core funding per weighted patient goes from %.3f to %.3f.",
                       sc.name, pms_report_money(m1, sizeof m1, pounds(rel4), 0),
                       pms_report_money(m2, sizeof m2, pounds(re4), 0),
                       pms_report_money(m3, sizeof m3, pounds(first4), 0), res.nyears,
                       pms_report_money((char[40]){0}, 40, pounds(total), 0), lose5,
                       res.fair_base.gini, gini_after);
        for (size_t l = 0; l < res.nloc; l++) {
            int64_t cut = 0, re = 0;
            for (size_t y = 0; y < res.nyears; y++) {
                cut += res.loc_cut[y * res.nloc + l];
                re += res.loc_reinvest[y * res.nloc + l];
            }
            pms_out_row(loc);
            pms_out_set_text(loc, lcx[0], sc.name);
            pms_out_set_text(loc, lcx[1], b.loc_name[l]);
            pms_out_set_int(loc, lcx[2], (long long)res.loc_practices[l]);
            pms_out_set_num(loc, lcx[3], pounds(res.loc_core[l]));
            pms_out_set_num(loc, lcx[4], pounds(res.loc_core[res.nyears * res.nloc + l]));
            pms_out_set_num(loc, lcx[5], pounds(cut));
            pms_out_set_num(loc, lcx[6], pounds(re));
        }
        for (size_t i = 0; i < b.n; i++) {
            size_t row = b.row[i];
            if (!lc[row] || strcmp(lc[row], r->locality)) continue;
            int64_t before = res.core[i], after = res.core[res.nyears * res.n + i];
            pms_out_row(prac);
            pms_out_set_text(prac, pc[0], sc.name);
            pms_out_set_text(prac, pc[1], code[row]);
            pms_out_set_text(prac, pc[2], pname ? pname[row] : NULL);
            pms_out_set_text(prac, pc[3], ct[row]);
            pms_out_set_num(prac, pc[4], b.weighted[i]);
            pms_out_set_num(prac, pc[5], pounds(before));
            pms_out_set_num(prac, pc[6], pounds(after));
            pms_out_set_num(prac, pc[7], before > 0 ? (double)(after - before) / (double)before : NAN);
        }
        if (r->charts_on && sc.method != PMS_SAV_NONE && ncurves < MAXSCEN + 1) {
            for (size_t i = 0; i < b.n; i++) amt[i] = (double)res.core[res.nyears * res.n + i] / 100.0;
            size_t c = ncurves;
            if (!pms_chart_lorenz_points(amt, b.weighted, b.n, &lx[c], &ly[c], &lm[c], &ignore))
                curves[ncurves++] = (pms_chart_curve){sf->s[k].name, lx[c], ly[c], lm[c], 0};
        }
        nscen++;
        pms_sav_result_free(&res);
    }
    free(amt);
    if (st) goto done;
    pms_out_footnote(yrs, "Money in pounds, modelled in pence; released = reinvested + net "
                          "saving in every year. Years are financial years.");
    pms_out_footnote(prac, "Only the practices of locality %s are listed; every locality's "
                           "totals are on the next sheet and `pmsreview savings` lists them all.",
                     r->locality);

    /* The sweep: the first scenario with a glidepath, its target from the config's range. */
    int sk = -1;
    for (size_t k = 0; k < sf->n; k++)
        if (sf->s[k].method == PMS_SAV_GLIDEPATH) {
            sk = (int)k;
            break;
        }
    double from = 0, to = 10, step = 1;
    if ((st = pms_config_double(r->cfg, "savings", "sweep_from", 0, 1000, &from, err)) ||
        (st = pms_config_double(r->cfg, "savings", "sweep_to", 0, 1000, &to, err)) ||
        (st = pms_config_double(r->cfg, "savings", "sweep_step", 0.001, 1000, &step, err)))
        goto done;
    if (to < from) {
        const pms_config_entry *e = pms_config_find(r->cfg, "savings", "sweep_to");
        st = pms_err_set(err, PMS_EPARSE, "%s:%d: sweep_to (%g) is below sweep_from (%g)",
                         r->cfg->path, e ? e->line : 0, to, from);
        goto done;
    }
    size_t npts = (size_t)floor((to - from) / step + 1e-9) + 1;
    if (npts > 200) npts = 200;
    double *sx = calloc(npts, sizeof *sx), *sy = calloc(npts, sizeof *sy),
           *sl = calloc(npts, sizeof *sl);
    if (!sx || !sy || !sl) {
        free(sx), free(sy), free(sl);
        st = pms_err_set(err, PMS_ENOMEM, "out of memory");
        goto done;
    }
    if (sk >= 0) {
        sweep = pms_out_new("sweep", "Sweep: the premium kept at the end of the glidepath");
        int wc[7] = {pms_out_col(sweep, "scenario", PMS_OUT_TEXT, 0),
                     pms_out_col(sweep, "target_per_weighted", PMS_OUT_MONEY, 2),
                     pms_out_col(sweep, "net_saving_cumulative", PMS_OUT_MONEY, 2),
                     pms_out_col(sweep, "released_final_year", PMS_OUT_MONEY, 2),
                     pms_out_col(sweep, "practices_losing_over_5pct", PMS_OUT_INT, 0),
                     pms_out_col(sweep, "practices_losing_over_10pct", PMS_OUT_INT, 0),
                     pms_out_col(sweep, "gini_after", PMS_OUT_REAL, 4)};
        pms_sav_scenario sc = sf->s[sk];
        free(flags);
        flags = NULL;
        if (!(st = pms_scenario_flags(sf, (size_t)sk, t, &flags, err))) {
            sc.retain = flags;
            for (size_t i = 0; i < npts && !st; i++) {
                double v = round((from + (double)i * step) * 1e9) / 1e9;
                pms_sav_sweep_row row;
                if ((st = pms_sav_sweep_point(&b, &sc, PMS_SWEEP_TARGET, v, ws, &row, err))) break;
                pms_out_row(sweep);
                pms_out_set_text(sweep, wc[0], sc.name);
                pms_out_set_num(sweep, wc[1], v);
                pms_out_set_num(sweep, wc[2], pounds(row.net_saving_cumulative));
                pms_out_set_num(sweep, wc[3], pounds(row.released_final));
                pms_out_set_int(sweep, wc[4], (long long)row.losing_over_5pct);
                pms_out_set_int(sweep, wc[5], (long long)row.losing_over_10pct);
                pms_out_set_num(sweep, wc[6], row.gini_after);
                sx[i] = v;
                sy[i] = pounds(row.released_final) / 1e6;
                sl[i] = (double)row.losing_over_5pct;
            }
        }
        pms_out_footnote(sweep, "Scenario %s run with its target (premium kept, pounds per "
                                "weighted patient) from %g to %g in steps of %g.",
                         sc.name, from, to, step);
    }
    pms_out *tabs[3] = {scen, yrs, sweep};
    pms_xlsx_loc where[3];
    if (!st) st = pms_xlsx_add_tables(r->x, SHEET, tabs, sweep ? 3 : 2, where, err);
    if (!st) st = pms_xlsx_add_tables(r->x, SHEET_LOC, &loc, 1, NULL, err);
    if (!st) st = pms_xlsx_add_tables(r->x, SHEET_PRAC, &prac, 1, NULL, err);
    if (!st && nscen) {
        pms_xlsx_series s = {&where[0], sc_[0], sc_[4], "Net saving, first 4 years", 0};
        st = pms_xlsx_add_chart(r->x, SHEET, 1, 11, PMS_XLSX_COLUMN,
                                "Net saving over the first 4 years by scenario", "Scenario",
                                "\xc2\xa3", &s, 1, err);
    }
    if (!st && r->charts_on && nscen && nyears) {
        for (size_t y = 0; y < nyears; y++) {
            pms_sav_year_label(first_year + (int)y, years_buf[y], sizeof years_buf[y]);
            years_lbl[y] = years_buf[y];
        }
        double *flat = malloc(nscen * nyears * sizeof *flat);
        if (!flat) st = pms_err_set(err, PMS_ENOMEM, "out of memory");
        for (size_t s = 0; s < nscen && !st; s++)
            for (size_t y = 0; y < nyears; y++) flat[s * nyears + y] = net[s * MAXYEARS + y];
        pms_chart_info ci = pms_report_chart_info(r, "savings_by_year",
                                                  "PMS premium released by year and scenario",
                                                  "Financial year", "\xc2\xa3 million");
        if (!st) st = pms_chart_categories(&ci, years_lbl, nyears, scen_names, nscen, flat, 0, err);
        free(flat);
        if (!st)
            st = pms_report_add_chart(r, "savings_by_year", "savings by year per scenario", SHEET,
                                      24, 11, err);
        if (!st && ncurves > 1) {
            pms_chart_info cl = pms_report_chart_info(
                r, "lorenz_scenarios", "Core funding: Lorenz curves now and after each scenario",
                "Cumulative share of weighted patients (lowest funded first)",
                "Cumulative share of core funding");
            st = pms_chart_lorenz(&cl, curves, ncurves, err);
            if (!st)
                st = pms_report_add_chart(r, "lorenz_scenarios", "Lorenz curves after each scenario",
                                          SHEET, 47, 11, err);
        }
        if (!st && sweep && npts > 1) {
            /* The board's trade-off: money released against practices hit hard. */
            pms_chart_curve sc[2] = {{"Premium released in the final year (left)", sx, sy, npts, 0},
                                     {"Practices losing more than 5% in a year (right)", sx, sl,
                                      npts, 1}};
            pms_chart_info cs = pms_report_chart_info(
                r, "sweep", "Trade-off: premium released against practices losing more than 5%",
                "Premium kept at the end of the glidepath (\xc2\xa3 per weighted patient)",
                "Released in the final year (\xc2\xa3 million)");
            st = pms_chart_curves(&cs, sc, 2, "Practices losing more than 5% of core funding",
                                  sf->s[sk].target, err);
            if (!st) st = pms_report_add_chart(r, "sweep", "sweep trade-off", SHEET, 70, 11, err);
        }
    }
    free(sx), free(sy), free(sl);
    if (!st)
        pms_report_method(r, "Savings: the PMS premium of a practice in a year = core funding "
                             "(global sum + MPIG + PMS balance) - weighted patients x that year's "
                             "global sum per weighted patient; each scenario withholds it as its "
                             "method says (glidepath, cap, percent), reinvests by its rule within "
                             "its scope, in integer pence with largest-remainder apportionment so "
                             "released = reinvested + net saving to the penny (NOTES.md, Savings). "
                             "Excluded: %zu practices with missing money or weighted patients, %zu "
                             "with weighted patients <= 0, %zu without core funding, %zu APMS or "
                             "other contracts, %zu without a locality.",
                         b.excluded_missing, b.excluded_weighted, b.excluded_core,
                         b.excluded_contract, b.excluded_locality);
done:
    for (size_t c = 0; c < MAXSCEN + 1; c++) free(lx[c]), free(ly[c]);
    free(net);
    pms_out_free(yrs), pms_out_free(scen), pms_out_free(loc), pms_out_free(prac),
        pms_out_free(sweep);
    pms_sav_result_free(&res);
    pms_sav_ws_free(ws);
    pms_sav_base_free(&b);
    free(flags);
    pms_scenario_free(sf);
    return st;
}
