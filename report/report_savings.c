/* Report section: the PMS review savings scenarios (analysis/savings.h), the
 * report's locality first: its released, reinvested and net saving by year
 * (in thousands of pounds), the scenarios like for like (first year, full
 * year, a common horizon) for the locality and then England, its practices
 * before and after each scenario; then England by year, every locality, the
 * Lorenz curves after each scenario and the sweep trade-off.  Every scenario
 * in the file is run (no limit). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/savings.h"
#include "io/savings_input.h"
#include "io/scenario.h"
#include "report/report.h"

#define SHEET "Savings"
#define SHEET_LOC "Savings by locality"
#define SHEET_PRAC "Savings by practice"
/* Years a result can span from the data's year: the start lies within the
 * global sum table, then the schedule and its extension. */
#define NYMAX (PMS_SAV_MAX_RATES + 30 + PMS_SAV_MAX_EXTENSION)

static double pounds(int64_t p) { return (double)p / 100.0; }
static double thousands(int64_t p) { return (double)p / 100000.0; }

enum { YC_SCEN, YC_YEAR, YC_REL, YC_REINV, YC_NET, YC_KEPT, YC_CORE, YC_LOSE, YC_L5, YC_LPCT,
       YC_GINI, YC_N };
enum { LY_SCEN, LY_YEAR, LY_REL, LY_REINV, LY_NET, LY_LOSE, LY_GAIN, LY_N };
enum { CM_AREA, CM_SCEN, CM_FY, CM_FNET, CM_FREL, CM_LY, CM_LNET, CM_HOR, CM_HNET, CM_N };
enum { SC_NAME, SC_LABEL, SC_DESC, SC_YEARS, SC_RPCT, SC_KEEP, SC_L5, SC_G0, SC_G1, SC_N };
enum { LO_SCEN, LO_LOC, LO_NAME, LO_PRAC, LO_BEFORE, LO_AFTER, LO_REL, LO_REINV, LO_N };
enum { PR_SCEN, PR_CODE, PR_NAME, PR_CT, PR_W, PR_BEFORE, PR_AFTER, PR_CHG, PR_N };

typedef struct {
    pms_report_ctx *r;
    pms_scenario_file *sf;
    pms_table *t;
    pms_sav_base b;
    pms_sav_ws *ws;
    pms_sav_result res;
    unsigned char *flags;
    const char **loc_names;
    size_t loc;               /* the report's locality in the base, or (size_t)-1 */
    const char *area;         /* "Bristol (11H)" */
    unsigned horizon;
    const char *const *code, *const *ct, *const *lc, *const *pname;
    pms_out *yrs, *lyrs, *cmp, *scen, *loct, *prac, *pcmp, *sweep;
    int yc[YC_N], ly[LY_N], cm[CM_N], sc[SC_N], lo[LO_N], pr[PR_N];
    size_t nscen;
    const char **labels;
    double *net;              /* nscen x NYMAX: net saving by year from the base year, £m */
    size_t nyears;            /* years used in net */
    pms_sav_effects *eng;     /* England's effects per scenario */
    pms_sav_effects *loceff;  /* the locality's (when it is in the model) */
    int64_t **finals;         /* core funding after each scenario's final year */
    const pms_sav_scenario **pcs;
    double *amt, **lx, **ly_;
    size_t *lm, ncurves;
    pms_chart_curve *curves;
} sav_report;

static void sav_free(sav_report *s)
{
    pms_out *all[] = {s->yrs, s->lyrs, s->cmp, s->scen, s->loct, s->prac, s->pcmp, s->sweep};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) pms_out_free(all[i]);
    for (size_t i = 0; s->sf && i <= s->sf->n; i++) {
        if (s->lx) free(s->lx[i]);
        if (s->ly_) free(s->ly_[i]);
        if (s->finals && i < s->sf->n) free(s->finals[i]);
    }
    free(s->lx), free(s->ly_), free(s->lm), free(s->curves), free(s->amt);
    free(s->finals), free(s->pcs), free(s->eng), free(s->loceff), free(s->net), free(s->labels);
    free(s->loc_names);
    free(s->flags);
    pms_sav_result_free(&s->res);
    pms_sav_ws_free(s->ws);
    pms_sav_base_free(&s->b);
    pms_scenario_free(s->sf);
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

/* Data, base, hash, locality and horizon. */
static pms_status prepare(sav_report *s, pms_err *err)
{
    pms_report_ctx *r = s->r;
    pms_status st;
    pms_err ignore;
    pms_savings_input in;
    if ((st = pms_savings_input_open(s->sf, s->t, "report (savings)", "report_savings_", &in, err)))
        return st;
    /* The base and the names move into s (sav_free frees them). */
    s->b = in.b;
    s->loc_names = in.loc_names;
    s->ct = in.d.contract;
    s->lc = in.d.locality;
    if ((st = pms_table_text(s->t, "practice_code", &s->code, err))) return st;
    if (pms_table_col(s->t, "practice_name")) pms_table_text(s->t, "practice_name", &s->pname, &ignore);
    int l = pms_scenario_locality_find(&s->b, r->locality);
    s->loc = l < 0 ? (size_t)-1 : (size_t)l;
    s->area = pms_report_locality(r);
    double h = 4;
    if ((st = pms_config_double(r->cfg, "savings", "horizon", 1, 50, &h, err))) return st;
    if (h != floor(h)) {
        const pms_config_entry *e = pms_config_find(r->cfg, "savings", "horizon");
        return pms_err_set(err, PMS_EPARSE, "%s:%d: horizon must be a whole number of years",
                           r->cfg->path, e ? e->line : 0);
    }
    s->horizon = (unsigned)h;
    size_t n = s->sf->n;
    if (!(s->ws = pms_sav_ws_new(&s->b)) || !(s->labels = calloc(n, sizeof *s->labels)) ||
        !(s->net = calloc(n * NYMAX, sizeof *s->net)) || !(s->eng = calloc(n, sizeof *s->eng)) ||
        !(s->loceff = calloc(n, sizeof *s->loceff)) ||
        !(s->finals = calloc(n, sizeof *s->finals)) || !(s->pcs = calloc(n, sizeof *s->pcs)) ||
        !(s->lx = calloc(n + 1, sizeof *s->lx)) || !(s->ly_ = calloc(n + 1, sizeof *s->ly_)) ||
        !(s->lm = calloc(n + 1, sizeof *s->lm)) || !(s->curves = calloc(n + 1, sizeof *s->curves)) ||
        !(s->amt = malloc((s->b.n ? s->b.n : 1) * sizeof *s->amt)))
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    return PMS_OK;
}

#define COLS(o, c, d, N)                                                                          \
    do {                                                                                          \
        for (int j_ = 0; j_ < (N); j_++)                                                          \
            if (((c)[j_] = pms_out_col((o), (d)[j_].k, (d)[j_].kind, (d)[j_].dec)) < 0) bad = 1; \
    } while (0)

typedef struct { const char *k; pms_outkind kind; int dec; } coldef;

static pms_status make_tables(sav_report *s, pms_err *err)
{
    static const coldef yd[YC_N] = {
        {"scenario", PMS_OUT_TEXT, 0}, {"year", PMS_OUT_TEXT, 0}, {"released", PMS_OUT_MONEY, 2},
        {"reinvested", PMS_OUT_MONEY, 2}, {"net_saving", PMS_OUT_MONEY, 2},
        {"kept_for_services", PMS_OUT_MONEY, 2}, {"core_total", PMS_OUT_MONEY, 2},
        {"losing", PMS_OUT_INT, 0}, {"losing_over_5pct", PMS_OUT_INT, 0},
        {"largest_loss_pct", PMS_OUT_PCT, 1}, {"gini_after", PMS_OUT_REAL, 4}};
    static const coldef lyd[LY_N] = {
        {"scenario", PMS_OUT_TEXT, 0}, {"year", PMS_OUT_TEXT, 0},
        {"released_k", PMS_OUT_REAL, 1}, {"reinvested_k", PMS_OUT_REAL, 1},
        {"net_saving_k", PMS_OUT_REAL, 1}, {"practices_losing", PMS_OUT_INT, 0},
        {"practices_gaining", PMS_OUT_INT, 0}};
    static const coldef cmd[CM_N] = {
        {"area", PMS_OUT_TEXT, 0}, {"scenario", PMS_OUT_TEXT, 0},
        {"first_year", PMS_OUT_TEXT, 0}, {"first_year_net_saving_k", PMS_OUT_REAL, 1},
        {"first_year_released_k", PMS_OUT_REAL, 1}, {"full_year", PMS_OUT_TEXT, 0},
        {"full_year_net_saving_k", PMS_OUT_REAL, 1}, {"horizon", PMS_OUT_TEXT, 0},
        {"horizon_net_saving_k", PMS_OUT_REAL, 1}};
    static const coldef scd[SC_N] = {
        {"scenario", PMS_OUT_TEXT, 0}, {"label", PMS_OUT_TEXT, 0},
        {"description", PMS_OUT_TEXT, 0}, {"years", PMS_OUT_INT, 0},
        {"reinvest_pct", PMS_OUT_REAL, 1}, {"keep_for_services", PMS_OUT_MONEY, 2},
        {"practices_losing_over_5pct", PMS_OUT_INT, 0}, {"gini_before", PMS_OUT_REAL, 4},
        {"gini_after", PMS_OUT_REAL, 4}};
    static const coldef lod[LO_N] = {
        {"scenario", PMS_OUT_TEXT, 0}, {"locality", PMS_OUT_TEXT, 0},
        {"locality_name", PMS_OUT_TEXT, 0}, {"practices", PMS_OUT_INT, 0},
        {"core_before", PMS_OUT_MONEY, 2}, {"core_after", PMS_OUT_MONEY, 2},
        {"withheld_total", PMS_OUT_MONEY, 2}, {"reinvested_total", PMS_OUT_MONEY, 2}};
    static const coldef prd[PR_N] = {
        {"scenario", PMS_OUT_TEXT, 0}, {"practice_code", PMS_OUT_TEXT, 0},
        {"practice_name", PMS_OUT_TEXT, 0}, {"contract_type", PMS_OUT_TEXT, 0},
        {"weighted_patients", PMS_OUT_REAL, 0}, {"core_before", PMS_OUT_MONEY, 2},
        {"core_after", PMS_OUT_MONEY, 2}, {"change", PMS_OUT_PCT, 1}};
    char t1[400];
    snprintf(t1, sizeof t1, "%.300s: savings by scenario and year (\u00a3 thousand)", s->area);
    s->yrs = pms_out_new("by_year", "Savings by year (pounds)");
    s->lyrs = pms_out_new("locality_by_year", t1);
    s->cmp = pms_out_new("comparison", "Scenarios like for like (\u00a3 thousand)");
    s->scen = pms_out_new("scenarios", "Scenarios");
    s->loct = pms_out_new("by_locality", "Savings by locality over the whole schedule (pounds)");
    s->prac = pms_out_new("by_practice", "Practices of the locality: core funding before and after");
    int bad = !s->yrs || !s->lyrs || !s->cmp || !s->scen || !s->loct || !s->prac;
    if (bad) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    COLS(s->yrs, s->yc, yd, YC_N);
    COLS(s->lyrs, s->ly, lyd, LY_N);
    COLS(s->cmp, s->cm, cmd, CM_N);
    COLS(s->scen, s->sc, scd, SC_N);
    COLS(s->loct, s->lo, lod, LO_N);
    COLS(s->prac, s->pr, prd, PR_N);
    return bad ? pms_err_set(err, PMS_ENOMEM, "out of memory") : PMS_OK;
}

static void add_cmp_row(sav_report *s, const char *area, const pms_sav_scenario *sc,
                        const pms_sav_effects *e)
{
    char y1[16], y2[16], y3[16], hz[40];
    snprintf(hz, sizeof hz, "%s to %s", pms_sav_year_label(e->horizon_from, y2, sizeof y2),
             pms_sav_year_label(e->horizon_to, y3, sizeof y3));
    pms_out *o = s->cmp;
    const int *c = s->cm;
    if (pms_out_row(o)) return;
    pms_out_set_text(o, c[CM_AREA], area);
    pms_out_set_text(o, c[CM_SCEN], pms_sav_label(sc));
    pms_out_set_text(o, c[CM_FY], pms_sav_year_label(e->first_year, y1, sizeof y1));
    pms_out_set_num(o, c[CM_FNET], thousands(e->first_net));
    pms_out_set_num(o, c[CM_FREL], thousands(e->first_released));
    pms_out_set_text(o, c[CM_LY], pms_sav_year_label(e->full_year, y1, sizeof y1));
    pms_out_set_num(o, c[CM_LNET], thousands(e->full_net));
    pms_out_set_text(o, c[CM_HOR], hz);
    pms_out_set_num(o, c[CM_HNET], thousands(e->cum_net));
}

/* The locality's rows and sentence for result k. */
/* A scenario that releases nothing still moves money: the MPIG taper runs
 * with or without a review, and the summary says so (issue 14). */
static const char *const mpig_note =
    " (with no review this is the phasing out of MPIG, which happens anyway)";

static int releases_nothing(const pms_sav_result *res)
{
    for (size_t y = 0; y < res->nyears; y++)
        if (res->year[y].released) return 0;
    return 1;
}

static void locality_part(sav_report *s, const pms_sav_scenario *sc, const pms_sav_effects *eng)
{
    const pms_sav_result *res = &s->res;
    size_t n = res->n, L = res->nloc, l = s->loc;
    char m[9][48], y1[16], y2[16], y3[16];
    size_t lose = 0, gain = 0, np = 0;
    for (size_t k = 0; l != (size_t)-1 && k < res->nyears; k++) {
        size_t lk = 0, gk = 0;
        for (size_t i = 0; i < n; i++) {
            if (s->b.loc[i] != l) continue;
            int64_t d = res->core[(k + 1) * n + i] - res->core[k * n + i];
            lk += d < 0;
            gk += d > 0;
        }
        int64_t rel = res->loc_cut[k * L + l], re = res->loc_reinvest[k * L + l];
        if (pms_out_row(s->lyrs)) return;
        pms_out_set_text(s->lyrs, s->ly[LY_SCEN], pms_sav_label(sc));
        pms_out_set_text(s->lyrs, s->ly[LY_YEAR], pms_sav_year_label(res->year[k].year, y1, sizeof y1));
        pms_out_set_num(s->lyrs, s->ly[LY_REL], thousands(rel));
        pms_out_set_num(s->lyrs, s->ly[LY_REINV], thousands(re));
        pms_out_set_num(s->lyrs, s->ly[LY_NET], thousands(rel - re));
        pms_out_set_int(s->lyrs, s->ly[LY_LOSE], (long long)lk);
        pms_out_set_int(s->lyrs, s->ly[LY_GAIN], (long long)gk);
    }
    size_t lose5 = losing_5pct_any_year(res);
    double g1 = res->nyears ? res->year[res->nyears - 1].fair.gini : NAN;
    if (l == (size_t)-1) {
        pms_report_say(s->r, PMS_SAY_ENGLAND,
                       "%s, England: saves %s net in %s, %s a year once complete (%s) "
                       "and %s over %s to %s; %zu practices lose more than 5%% of core "
                       "funding in some year%s; the Gini coefficient of core funding per "
                       "weighted patient goes from %.3f to %.3f.",
                       pms_sav_label(sc), pms_sav_money_short(eng->first_net, m[0], 48),
                       pms_sav_year_label(eng->first_year, y1, sizeof y1),
                       pms_sav_money_short(eng->full_net, m[1], 48),
                       pms_sav_year_label(eng->full_year, y2, sizeof y2),
                       pms_sav_money_short(eng->cum_net, m[2], 48),
                       pms_sav_year_label(eng->horizon_from, y3, sizeof y3),
                       pms_sav_year_label(eng->horizon_to, y1, sizeof y1), lose5,
                       releases_nothing(res) && lose5 ? mpig_note : "", res->fair_base.gini, g1);
        return;
    }
    pms_sav_effects e;
    pms_sav_effects_of(res, &s->b, l, s->horizon, &e);
    add_cmp_row(s, s->area, sc, &e);
    for (size_t i = 0; i < n; i++) {
        if (s->b.loc[i] != l) continue;
        int64_t d = res->core[res->nyears * n + i] - res->core[i];
        np++;
        lose += d < 0;
        gain += d > 0;
    }
    char yf[16], yh1[16], yh2[16];
    pms_report_say(s->r, PMS_SAY_SAVINGS,
                   "%s: %s releases %s in %s, reinvests %s and saves %s net; once complete (%s) "
                   "it saves %s a year, %s over %s to %s; %zu of its %zu practices end with less "
                   "core funding and %zu with more%s.",
                   pms_sav_label(sc), s->area, pms_sav_money_short(e.first_released, m[0], 48),
                   pms_sav_year_label(e.first_year, y1, sizeof y1),
                   pms_sav_money_short(e.first_reinvested, m[1], 48),
                   pms_sav_money_short(e.first_net, m[2], 48),
                   pms_sav_year_label(e.full_year, yf, sizeof yf),
                   pms_sav_money_short(e.full_net, m[3], 48),
                   pms_sav_money_short(e.cum_net, m[4], 48),
                   pms_sav_year_label(e.horizon_from, yh1, sizeof yh1),
                   pms_sav_year_label(e.horizon_to, yh2, sizeof yh2), lose, np, gain,
                   releases_nothing(res) && lose ? mpig_note : "");
    pms_report_say(s->r, PMS_SAY_ENGLAND,
                   "%s, England: saves %s net in %s, %s a year once complete and %s over the "
                   "same years; %zu practices lose more than 5%% of core funding in some "
                   "year%s; the Gini coefficient of core funding per weighted patient goes from "
                   "%.3f to %.3f.",
                   pms_sav_label(sc), pms_sav_money_short(eng->first_net, m[5], 48),
                   pms_sav_year_label(eng->first_year, y2, sizeof y2),
                   pms_sav_money_short(eng->full_net, m[6], 48),
                   pms_sav_money_short(eng->cum_net, m[7], 48), lose5,
                   releases_nothing(res) && lose5 ? mpig_note : "", res->fair_base.gini, g1);
}

/* England's rows for the scenario just run (s->res), and its Lorenz curve. */
static void england_part(sav_report *s, const pms_sav_scenario *sc, size_t k)
{
    const pms_sav_result *res = &s->res;
    char lbl[16];
    for (size_t y = 0; y < res->nyears; y++) {
        const pms_sav_year *yr = &res->year[y];
        pms_out *o = s->yrs;
        const int *c = s->yc;
        if (pms_out_row(o)) return;
        pms_out_set_text(o, c[YC_SCEN], pms_sav_label(sc));
        pms_out_set_text(o, c[YC_YEAR], pms_sav_year_label(yr->year, lbl, sizeof lbl));
        pms_out_set_num(o, c[YC_REL], pounds(yr->released));
        pms_out_set_num(o, c[YC_REINV], pounds(yr->reinvested));
        pms_out_set_num(o, c[YC_NET], pounds(yr->net_saving));
        pms_out_set_num(o, c[YC_KEPT], pounds(yr->kept_for_services));
        pms_out_set_num(o, c[YC_CORE], pounds(yr->core_total));
        pms_out_set_int(o, c[YC_LOSE], (long long)yr->losing);
        pms_out_set_int(o, c[YC_L5], (long long)yr->losing_over_5pct);
        pms_out_set_num(o, c[YC_LPCT], yr->largest_loss > 0 ? yr->largest_loss_pct : 0);
        pms_out_set_num(o, c[YC_GINI], yr->fair.gini);
        int yi = yr->year - s->b.settings.base_year;
        if (yi >= 0 && yi < NYMAX) {
            s->net[k * NYMAX + (size_t)yi] = pounds(yr->net_saving) / 1e6;
            if ((size_t)yi + 1 > s->nyears) s->nyears = (size_t)yi + 1;
        }
    }
    if (pms_out_row(s->scen)) return;
    pms_out_set_text(s->scen, s->sc[SC_NAME], sc->name);
    pms_out_set_text(s->scen, s->sc[SC_LABEL], pms_sav_label(sc));
    pms_out_set_text(s->scen, s->sc[SC_DESC], sc->description);
    pms_out_set_int(s->scen, s->sc[SC_YEARS], (long long)res->nyears);
    pms_out_set_num(s->scen, s->sc[SC_RPCT], sc->reinvest == PMS_REINVEST_NONE ? 0 : sc->reinvest_pct);
    pms_out_set_num(s->scen, s->sc[SC_KEEP], sc->method == PMS_SAV_NONE ? 0 : sc->keep_for_services);
    pms_out_set_int(s->scen, s->sc[SC_L5], (long long)losing_5pct_any_year(res));
    pms_out_set_num(s->scen, s->sc[SC_G0], res->fair_base.gini);
    pms_out_set_num(s->scen, s->sc[SC_G1], res->nyears ? res->year[res->nyears - 1].fair.gini : NAN);
    for (size_t l = 0; l < res->nloc; l++) {
        int64_t cut = 0, re = 0;
        for (size_t y = 0; y < res->nyears; y++) {
            cut += res->loc_cut[y * res->nloc + l];
            re += res->loc_reinvest[y * res->nloc + l];
        }
        pms_out *o = s->loct;
        if (pms_out_row(o)) return;
        pms_out_set_text(o, s->lo[LO_SCEN], pms_sav_label(sc));
        pms_out_set_text(o, s->lo[LO_LOC], s->b.loc_name[l]);
        pms_out_set_text(o, s->lo[LO_NAME], s->loc_names ? s->loc_names[l] : NULL);
        pms_out_set_int(o, s->lo[LO_PRAC], (long long)res->loc_practices[l]);
        pms_out_set_num(o, s->lo[LO_BEFORE], pounds(res->loc_core[l]));
        pms_out_set_num(o, s->lo[LO_AFTER], pounds(res->loc_core[res->nyears * res->nloc + l]));
        pms_out_set_num(o, s->lo[LO_REL], pounds(cut));
        pms_out_set_num(o, s->lo[LO_REINV], pounds(re));
    }
}

/* The practices of the locality, one row per scenario and practice. */
static void practice_part(sav_report *s, const pms_sav_scenario *sc)
{
    const pms_sav_result *res = &s->res;
    for (size_t i = 0; i < s->b.n; i++) {
        size_t row = s->b.row[i];
        if (!s->lc[row] || strcmp(s->lc[row], s->r->locality)) continue;
        int64_t before = res->core[i], after = res->core[res->nyears * res->n + i];
        pms_out *o = s->prac;
        const int *c = s->pr;
        if (pms_out_row(o)) return;
        pms_out_set_text(o, c[PR_SCEN], pms_sav_label(sc));
        pms_out_set_text(o, c[PR_CODE], s->code[row]);
        pms_out_set_text(o, c[PR_NAME], s->pname ? s->pname[row] : NULL);
        pms_out_set_text(o, c[PR_CT], s->ct[row]);
        pms_out_set_num(o, c[PR_W], s->b.weighted[i]);
        pms_out_set_num(o, c[PR_BEFORE], pounds(before));
        pms_out_set_num(o, c[PR_AFTER], pounds(after));
        pms_out_set_num(o, c[PR_CHG], before > 0 ? (double)(after - before) / (double)before : NAN);
    }
}

/* Scenario k's run made by the fair-shares section on the same table and
 * scenario file (the same base: same bind, same settings), or NULL. */
static pms_sav_result *taken_run(sav_report *s, size_t k)
{
    pms_report_ctx *r = s->r;
    if (!r->sav_runs || r->nsav_runs != s->sf->n) return NULL;
    pms_sav_result *p = &r->sav_runs[k];
    return p->core && p->n == s->b.n ? p : NULL;
}

static pms_status run_all(sav_report *s, pms_err *err)
{
    pms_status st;
    pms_err ignore;
    const pms_scenario_file *sf = s->sf;
    for (size_t i = 0; i < s->b.n; i++) s->amt[i] = (double)s->b.core0[i] / 100.0;
    if (s->r->charts_on &&
        !pms_chart_lorenz_points(s->amt, s->b.weighted, s->b.n, &s->lx[0], &s->ly_[0], &s->lm[0],
                                 &ignore))
        s->curves[s->ncurves++] = (pms_chart_curve){"Core funding now", s->lx[0], s->ly_[0], s->lm[0], 0};
    for (size_t k = 0; k < sf->n; k++) {
        pms_sav_scenario sc = sf->s[k];
        free(s->flags);
        s->flags = NULL;
        if ((st = pms_scenario_flags(sf, k, s->t, &s->flags, err))) return st;
        sc.retain = s->flags;
        if ((st = pms_sav_check(&s->b, &sc, sf->path, err))) return st;
        pms_sav_result *pre = taken_run(s, k);
        if (pre) {
            s->res = *pre; /* moved: freed below like a run of our own */
            s->res.scenario = sc; /* as pms_sav_run sets it: ours, with our flags */
            memset(pre, 0, sizeof *pre);
        } else if ((st = pms_sav_run(&s->b, &sc, s->ws, &s->res, err))) {
            return st;
        }
        s->labels[k] = pms_sav_label(&sf->s[k]);
        pms_sav_effects_of(&s->res, &s->b, (size_t)-1, s->horizon, &s->eng[k]);
        locality_part(s, &sf->s[k], &s->eng[k]);
        if (s->loc != (size_t)-1)
            pms_sav_effects_of(&s->res, &s->b, s->loc, s->horizon, &s->loceff[k]);
        england_part(s, &sf->s[k], k);
        practice_part(s, &sf->s[k]);
        size_t n = s->res.n;
        if (!(s->finals[k] = malloc((n ? n : 1) * sizeof **s->finals)))
            return pms_err_set(err, PMS_ENOMEM, "out of memory");
        memcpy(s->finals[k], s->res.core + s->res.nyears * n, n * sizeof **s->finals);
        s->pcs[k] = &sf->s[k];
        if (s->r->charts_on && sc.method != PMS_SAV_NONE) {
            for (size_t i = 0; i < n; i++) s->amt[i] = (double)s->finals[k][i] / 100.0;
            size_t c = s->ncurves;
            if (!pms_chart_lorenz_points(s->amt, s->b.weighted, n, &s->lx[c], &s->ly_[c], &s->lm[c],
                                         &ignore))
                s->curves[s->ncurves++] =
                    (pms_chart_curve){s->labels[k], s->lx[c], s->ly_[c], s->lm[c], 0};
        }
        s->nscen++;
        pms_sav_result_free(&s->res);
    }
    for (size_t k = 0; k < sf->n; k++) add_cmp_row(s, "England", &sf->s[k], &s->eng[k]);
    if (s->loc != (size_t)-1 &&
        (st = pms_scenario_practice_comparison(&s->b, s->t, s->loc, s->pcs,
                                               (const int64_t *const *)s->finals, sf->n, &s->pcmp,
                                               err)))
        return st;
    return PMS_OK;
}

/* The sweep: the first glidepath scenario, its target over the config's range. */
static pms_status sweep_part(sav_report *s, double **sx, double **sy, double **sl, size_t *npts,
                             int *sk, pms_err *err)
{
    pms_report_ctx *r = s->r;
    pms_status st;
    const pms_scenario_file *sf = s->sf;
    *sk = -1;
    for (size_t k = 0; k < sf->n && *sk < 0; k++)
        if (sf->s[k].method == PMS_SAV_GLIDEPATH) *sk = (int)k;
    double from = 0, to = 10, step = 1;
    if ((st = pms_config_double(r->cfg, "savings", "sweep_from", 0, 1000, &from, err)) ||
        (st = pms_config_double(r->cfg, "savings", "sweep_to", 0, 1000, &to, err)) ||
        (st = pms_config_double(r->cfg, "savings", "sweep_step", 0.001, 1000, &step, err)))
        return st;
    if (to < from) {
        const pms_config_entry *e = pms_config_find(r->cfg, "savings", "sweep_to");
        return pms_err_set(err, PMS_EPARSE, "%s:%d: sweep_to (%g) is below sweep_from (%g)",
                           r->cfg->path, e ? e->line : 0, to, from);
    }
    size_t np = (size_t)floor((to - from) / step + 1e-9) + 1;
    if (np > 200) {
        const pms_config_entry *e = pms_config_find(r->cfg, "savings", "sweep_step");
        return pms_err_set(err, PMS_EPARSE,
                           "%s:%d: the sweep from %g to %g in steps of %g has %zu points; the "
                           "report draws at most 200 (raise sweep_step)",
                           r->cfg->path, e ? e->line : 0, from, to, step, np);
    }
    *npts = np;
    *sx = calloc(np, sizeof **sx), *sy = calloc(np, sizeof **sy), *sl = calloc(np, sizeof **sl);
    if (!*sx || !*sy || !*sl) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    if (*sk < 0) return PMS_OK;
    s->sweep = pms_out_new("sweep", "Sweep: the premium kept at the end of the glidepath");
    if (!s->sweep) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    int wc[7] = {pms_out_col(s->sweep, "scenario", PMS_OUT_TEXT, 0),
                 pms_out_col(s->sweep, "target_per_weighted", PMS_OUT_MONEY, 2),
                 pms_out_col(s->sweep, "net_saving_cumulative", PMS_OUT_MONEY, 2),
                 pms_out_col(s->sweep, "released_final_year", PMS_OUT_MONEY, 2),
                 pms_out_col(s->sweep, "practices_losing_over_5pct", PMS_OUT_INT, 0),
                 pms_out_col(s->sweep, "practices_losing_over_10pct", PMS_OUT_INT, 0),
                 pms_out_col(s->sweep, "gini_after", PMS_OUT_REAL, 4)};
    pms_sav_scenario sc = sf->s[*sk];
    free(s->flags);
    s->flags = NULL;
    if ((st = pms_scenario_flags(sf, (size_t)*sk, s->t, &s->flags, err))) return st;
    sc.retain = s->flags;
    for (size_t i = 0; i < np; i++) {
        double v = round((from + (double)i * step) * 1e9) / 1e9;
        pms_sav_sweep_row row;
        if ((st = pms_sav_sweep_point(&s->b, &sc, PMS_SWEEP_TARGET, v, s->ws, &row, err))) return st;
        if (pms_out_row(s->sweep)) return pms_err_set(err, PMS_ENOMEM, "out of memory");
        pms_out_set_text(s->sweep, wc[0], pms_sav_label(&sc));
        pms_out_set_num(s->sweep, wc[1], v);
        pms_out_set_num(s->sweep, wc[2], pounds(row.net_saving_cumulative));
        pms_out_set_num(s->sweep, wc[3], pounds(row.released_final));
        pms_out_set_int(s->sweep, wc[4], (long long)row.losing_over_5pct);
        pms_out_set_int(s->sweep, wc[5], (long long)row.losing_over_10pct);
        pms_out_set_num(s->sweep, wc[6], row.gini_after);
        (*sx)[i] = v;
        (*sy)[i] = pounds(row.released_final) / 1e6;
        (*sl)[i] = (double)row.losing_over_5pct;
    }
    pms_out_footnote(s->sweep, "Scenario %s run with its target (premium kept, pounds per "
                               "weighted patient) from %g to %g in steps of %g.",
                     sc.name, from, to, step);
    return PMS_OK;
}

static pms_status write_tables(sav_report *s, pms_xlsx_loc *where, pms_err *err)
{
    pms_report_ctx *r = s->r;
    pms_status st;
    pms_out_footnote(s->yrs, "England, money in pounds, modelled in pence; released = reinvested "
                             "+ net saving in every year. Years are financial years.");
    pms_out_footnote(s->cmp, "first_year: the first year of change; full_year: the recurrent "
                             "annual effect once the schedule is complete; horizon: the same %u "
                             "years from the data's year for every scenario (0 before it starts, "
                             "its last year repeated after it ends; [savings] horizon).",
                     s->horizon);
    pms_out_footnote(s->prac, "Only the practices of locality %s are listed; every locality's "
                              "totals are on the next sheet and `pmsreview savings` lists them all.",
                     r->locality);
    /* The locality first, then the like-for-like table, then England. */
    size_t nt = 0;
    pms_out *tabs[5];
    if (s->loc != (size_t)-1) tabs[nt++] = s->lyrs;
    tabs[nt++] = s->cmp;
    tabs[nt++] = s->scen;
    tabs[nt++] = s->yrs;
    if (s->sweep) tabs[nt++] = s->sweep;
    if ((st = pms_report_add_tables(r, SHEET, tabs, nt, where, err)) ||
        (st = pms_report_add_tables(r, SHEET_LOC, &s->loct, 1, NULL, err)))
        return st;
    pms_out *pt[2] = {s->pcmp, s->prac};
    if (s->pcmp) st = pms_report_add_tables(r, SHEET_PRAC, pt, 2, NULL, err);
    else st = pms_report_add_tables(r, SHEET_PRAC, &s->prac, 1, NULL, err);
    return st;
}

/* Premium released -> reinvested -> net saving per scenario, in the full
 * year (the recurrent annual effect once each schedule is complete): the
 * locality in £ thousand, England in £ million. */
static pms_status waterfalls(sav_report *s, pms_err *err)
{
    pms_report_ctx *r = s->r;
    size_t n = s->nscen;
    int64_t *v = malloc(3 * n * sizeof *v);
    if (!v) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    pms_status st = PMS_OK;
    for (int area = 0; area < 2 && !st; area++) {
        const pms_sav_effects *e = area == 0 ? s->loceff : s->eng;
        if (area == 0 && s->loc == (size_t)-1) continue;
        for (size_t k = 0; k < n; k++) {
            v[k] = e[k].full_released;
            v[n + k] = e[k].full_reinvested;
            v[2 * n + k] = e[k].full_net;
        }
        char title[300];
        const char *name = area == 0 ? "savings_waterfall" : "savings_waterfall_england";
        snprintf(title, sizeof title, "%.200s: savings a year once complete, by scenario", area == 0 ? s->area : "England");
        pms_chart_info ci = pms_report_chart_info(r, name, title, "",
                                                  area == 0 ? "\u00a3 thousand a year"
                                                            : "\u00a3 million a year");
        st = pms_chart_waterfall(&ci, s->labels, v, v + n, v + 2 * n, n,
                                 area == 0 ? 1e5 : 1e8, err);
        if (!st)
            st = pms_report_add_chart(r, name, area == 0 ? "savings waterfall, the locality"
                                                         : "savings waterfall, England",
                                      SHEET, area == 0 ? 93 : 116, 12, err);
    }
    free(v);
    return st;
}

/* Practice-level change in core funding after each scenario's final year,
 * as a % of the base year, with the 5% and 10% loss lines. */
static pms_status gains_losses(sav_report *s, pms_err *err)
{
    size_t n = s->b.n, ns = s->nscen;
    double *pct = malloc((ns * n > 0 ? ns * n : 1) * sizeof *pct);
    const double **vals = malloc(ns * sizeof *vals);
    size_t *cnt = malloc(ns * sizeof *cnt);
    pms_status st = PMS_OK;
    if (!pct || !vals || !cnt) st = pms_err_set(err, PMS_ENOMEM, "out of memory");
    for (size_t k = 0; k < ns && !st; k++) {
        for (size_t i = 0; i < n; i++) {
            int64_t b = s->b.core0[i];
            pct[k * n + i] = b > 0 ? 100.0 * (double)(s->finals[k][i] - b) / (double)b : NAN;
        }
        vals[k] = pct + k * n;
        cnt[k] = n;
    }
    static const double marks[2] = {-5, -10};
    if (!st) {
        pms_chart_info ci = pms_report_chart_info(
            s->r, "gains_losses",
            "Practices by change in core funding after each scenario (England)",
            "Change in core funding, final year against 2014/15 (%, 1-point bins)",
            "Practices");
        st = pms_chart_histograms(&ci, s->labels, vals, cnt, ns, 1, -30, 15, marks, 2, "%", err);
    }
    if (!st)
        st = pms_report_add_chart(s->r, "gains_losses", "practice-level gains and losses", SHEET,
                                  139, 12, err);
    free(pct), free(vals), free(cnt);
    return st;
}

static pms_status charts(sav_report *s, const pms_xlsx_loc *cmp_loc, const double *sx,
                         const double *sy, const double *sl, size_t npts, int sk, pms_err *err)
{
    pms_report_ctx *r = s->r;
    pms_status st = PMS_OK;
    if (s->nscen) {
        char title[128];
        snprintf(title, sizeof title, "Net saving over %u years by scenario (England)", s->horizon);
        /* England's rows of the like-for-like table are its last nscen rows */
        pms_xlsx_loc l = *cmp_loc;
        size_t skip = s->loc != (size_t)-1 ? s->nscen : 0;
        l.first_row += (unsigned)skip;
        pms_xlsx_series ser = {&l, s->cm[CM_SCEN], s->cm[CM_HNET], "Net saving (\u00a3 thousand)", 0};
        st = pms_xlsx_add_chart(r->x, SHEET, PMS_XLSX_COLUMN, title, "Scenario",
                                "\u00a3 thousand", &ser, 1, err);
    }
    if (st || !r->charts_on || !s->nscen || !s->nyears) return st;
    const char **yl = malloc(s->nyears * sizeof *yl);
    char (*yb)[8] = malloc(s->nyears * sizeof *yb);
    double *flat = malloc(s->nscen * s->nyears * sizeof *flat);
    if (!yl || !yb || !flat) st = pms_err_set(err, PMS_ENOMEM, "out of memory");
    for (size_t y = 0; !st && y < s->nyears; y++) {
        pms_sav_year_label(s->b.settings.base_year + (int)y, yb[y], sizeof yb[y]);
        yl[y] = yb[y];
    }
    for (size_t k = 0; !st && k < s->nscen; k++)
        for (size_t y = 0; y < s->nyears; y++) flat[k * s->nyears + y] = s->net[k * NYMAX + y];
    if (!st) {
        pms_chart_info ci = pms_report_chart_info(r, "savings_by_year",
                                                  "Net saving by year and scenario (England)",
                                                  "Financial year", "\u00a3 million");
        st = pms_chart_categories(&ci, yl, s->nyears, s->labels, s->nscen, flat, 0, err);
    }
    free(yl), free(yb), free(flat);
    if (!st)
        st = pms_report_add_chart(r, "savings_by_year", "net saving by year per scenario", SHEET,
                                  24, 12, err);
    if (!st && s->ncurves > 1) {
        pms_chart_info cl = pms_report_chart_info(
            r, "lorenz_scenarios", "Core funding: Lorenz curves now and after each scenario",
            "Cumulative share of weighted patients (lowest funded first)",
            "Cumulative share of core funding");
        st = pms_chart_lorenz(&cl, s->curves, s->ncurves, err);
        if (!st)
            st = pms_report_add_chart(r, "lorenz_scenarios", "Lorenz curves after each scenario",
                                      SHEET, 47, 12, err);
    }
    if (!st) st = waterfalls(s, err);
    if (!st) st = gains_losses(s, err);
    if (!st && s->sweep && npts > 1) {
        /* The board's trade-off: money released against practices hit hard. */
        pms_chart_curve sc[2] = {{"Premium released in the final year (left)", sx, sy, npts, 0},
                                 {"Practices losing more than 5% in a year (right)", sx, sl,
                                  npts, 1}};
        pms_chart_info cs = pms_report_chart_info(
            r, "sweep", "Trade-off: premium released against practices losing more than 5%",
            "Premium kept at the end of the glidepath (\u00a3 per weighted patient)",
            "Released in the final year (\u00a3 million)");
        st = pms_chart_curves(&cs, sc, 2, "Practices losing more than 5% of core funding",
                              s->sf->s[sk].target, err);
        if (!st) st = pms_report_add_chart(r, "sweep", "sweep trade-off", SHEET, 70, 12, err);
    }
    return st;
}

pms_status pms_report_savings(pms_report_ctx *r, pms_err *err)
{
    const char *rel = pms_config_str(r->cfg, "savings", "scenarios", NULL);
    if (!rel) return PMS_OK;
    char path[4096];
    pms_report_path(r, rel, path, sizeof path);
    sav_report s;
    memset(&s, 0, sizeof s);
    s.r = r;
    s.t = r->all ? r->all : r->main; /* every contract: no practice rules here */
    s.loc = (size_t)-1;
    pms_status st = pms_scenario_load(path, &s.sf, err);
    int any;
    if (!st) st = pms_scenario_savings_pick(s.sf, NULL, &any, err); /* not pace alone */
    double *sx = NULL, *sy = NULL, *sl = NULL;
    size_t npts = 0;
    int sk = -1;
    pms_xlsx_loc where[5];
    if (!st) st = prepare(&s, err);
    if (!st) st = make_tables(&s, err);
    if (!st) st = run_all(&s, err);
    if (!st) st = sweep_part(&s, &sx, &sy, &sl, &npts, &sk, err);
    if (!st) st = write_tables(&s, where, err);
    if (!st) st = charts(&s, &where[s.loc != (size_t)-1 ? 1 : 0], sx, sy, sl, npts, sk, err);
    if (!st)
        pms_report_method(r, "Savings: the PMS premium of a practice in a year = core funding "
                             "(global sum + MPIG + PMS balance) - weighted patients x that year's "
                             "global sum per weighted patient; a scenario may keep part of it for "
                             "services beyond core (keep_for_services), withholds the rest as its "
                             "method says (glidepath, cap, percent), reinvests reinvest_pct %% of "
                             "what is released by its rule within its scope, in integer pence with "
                             "largest-remainder apportionment so released = reinvested + net saving "
                             "to the penny (doc/methods/savings.md). Scenarios are compared on the "
                             "first year, the full year and the same %u-year horizon. Excluded: "
                             "%zu practices with missing money or weighted patients, %zu with "
                             "weighted patients <= 0, %zu without core funding, %zu APMS or other "
                             "contracts, %zu without a locality.",
                          s.horizon, s.b.excluded_missing, s.b.excluded_weighted,
                          s.b.excluded_core, s.b.excluded_contract, s.b.excluded_locality);
    free(sx), free(sy), free(sl);
    sav_free(&s);
    return st;
}
