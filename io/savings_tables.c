/* The savings command's tables (io/savings_tables.h): one scenario run after
 * another, or a sweep, turned into pms_out tables: savings by year, fairness,
 * the scenarios, the review's criteria, localities, the practice schedule,
 * the locality first and the like-for-like comparison. */
#include "io/savings_tables.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double pounds(int64_t p) { return (double)p / 100.0; }

/* "£1,234,567.89" (or "-£...") from pence, exactly. */
static char *money(int64_t p, char *buf, size_t cap)
{
    char digits[32], out[48];
    uint64_t a = p < 0 ? (uint64_t)0 - (uint64_t)p : (uint64_t)p;
    snprintf(digits, sizeof digits, "%llu", (unsigned long long)(a / 100));
    size_t n = strlen(digits), k = 0;
    for (size_t i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0) out[k++] = ',';
        out[k++] = digits[i];
    }
    out[k] = 0;
    snprintf(buf, cap, "%s\u00a3%s.%02u", p < 0 ? "-" : "", out, (unsigned)(a % 100));
    return buf;
}

/* ------------------------------------------------------------ tables */

typedef struct {
    pms_out *years, *fair, *scen, *crit, *loc, *prac, *sweep;
} outs;

static int check_cols(const int *cols, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (cols[i] < 0) return -1;
    return 0;
}

enum {
    Y_SCEN, Y_YEAR, Y_EXT, Y_REL, Y_RELNEW, Y_REINV, Y_NET, Y_TARGET, Y_KEPT, Y_MPIG, Y_CORE, Y_LOSE,
    Y_GAIN, Y_L5, Y_L10, Y_LARGE, Y_LARGEP, Y_LARGEPCT, Y_ELIG, Y_GB, Y_GA, Y_TBB, Y_TBA, Y_TWB,
    Y_TWA, Y_CB, Y_CA, Y_N
};

/* In text the fairness columns go to a table of their own ("fairness", with
 * scenario and year as its first columns, fcol[0..1]) so that lines stay
 * readable; CSV and JSON keep one record per scenario and year. */
static pms_out *years_table(int *col, pms_out **fair, int *fcol)
{
    pms_out *o = pms_out_new("years", "Savings by scenario and year (money in pounds)");
    if (!o) return NULL;
    static const struct { const char *k; pms_outkind kind; int dec; } d[Y_N] = {
        {"scenario", PMS_OUT_TEXT, 0}, {"year", PMS_OUT_TEXT, 0},
        {"extension", PMS_OUT_BOOL, 0}, {"released", PMS_OUT_MONEY, 2},
        {"released_new", PMS_OUT_MONEY, 2}, {"reinvested", PMS_OUT_MONEY, 2},
        {"net_saving", PMS_OUT_MONEY, 2}, {"target_released", PMS_OUT_MONEY, 2},
        {"kept_for_services", PMS_OUT_MONEY, 2},
        {"mpig_change", PMS_OUT_MONEY, 2}, {"core_total", PMS_OUT_MONEY, 2},
        {"practices_losing", PMS_OUT_INT, 0}, {"practices_gaining", PMS_OUT_INT, 0},
        {"losing_over_5pct", PMS_OUT_INT, 0}, {"losing_over_10pct", PMS_OUT_INT, 0},
        {"largest_loss", PMS_OUT_MONEY, 2}, {"largest_loss_practice", PMS_OUT_TEXT, 0},
        {"largest_loss_pct", PMS_OUT_PCT, 2}, {"eligible_for_reinvestment", PMS_OUT_INT, 0},
        {"gini_before", PMS_OUT_REAL, 4}, {"gini_after", PMS_OUT_REAL, 4},
        {"theil_between_before", PMS_OUT_REAL, 5}, {"theil_between_after", PMS_OUT_REAL, 5},
        {"theil_within_before", PMS_OUT_REAL, 5}, {"theil_within_after", PMS_OUT_REAL, 5},
        {"concentration_before", PMS_OUT_REAL, 4}, {"concentration_after", PMS_OUT_REAL, 4}};
    pms_out *fo = o;
    if (fair) {
        fo = *fair = pms_out_new("fairness", "Fairness of core funding per weighted patient, "
                                             "before the review and after each year");
        if (!fo) {
            pms_out_free(o);
            return NULL;
        }
        fcol[0] = pms_out_col(fo, "scenario", PMS_OUT_TEXT, 0);
        fcol[1] = pms_out_col(fo, "year", PMS_OUT_TEXT, 0);
    }
    for (int j = 0; j < Y_N; j++)
        col[j] = pms_out_col(j >= Y_GB ? fo : o, d[j].k, d[j].kind, d[j].dec);
    if (check_cols(col, Y_N) || (fair && check_cols(fcol, 2))) {
        pms_out_free(o);
        if (fair) pms_out_free(*fair), *fair = NULL;
        return NULL;
    }
    pms_out_footnote(o, "released: premium withheld in the year compared with no review "
                        "(recurrent, so it accumulates); released_new: the increase on the year "
                        "before; net_saving = released - reinvested; kept_for_services: premium "
                        "PMS practices keep as payment for services beyond core, not released.");
    pms_out_footnote(o, "Losing/gaining compare each practice's core funding with the year "
                        "before; mpig_change is the GMS MPIG taper, outside released.");
    pms_out_footnote(fo, "Fairness of core funding per weighted patient, weighted by weighted "
                         "patients; Theil T split between and within localities; concentration "
                         "index against IMD 2015 ranked most deprived first (negative = more "
                         "funding per patient in more deprived practices).");
    return o;
}

static const char *code_of(const pms_table *t, const char *col, size_t row)
{
    const char *const *v;
    pms_err e;
    if (pms_table_text(t, col, &v, &e)) return NULL;
    return v[row];
}

static int add_years(pms_out *o, const int *col, pms_out *fo, const int *fcol,
                     const pms_sav_result *r, const pms_sav_base *b, const pms_table *t)
{
    char yl[16];
    for (size_t k = 0; k < r->nyears; k++) {
        const pms_sav_year *y = &r->year[k];
        if (pms_out_row(o)) return -1;
        if (fo) {
            if (pms_out_row(fo)) return -1;
            pms_out_set_text(fo, fcol[0], r->scenario.name);
            pms_out_set_text(fo, fcol[1], pms_sav_year_label(y->year, yl, sizeof yl));
        } else {
            fo = o;
        }
        pms_out_set_text(o, col[Y_SCEN], r->scenario.name);
        pms_out_set_text(o, col[Y_YEAR], pms_sav_year_label(y->year, yl, sizeof yl));
        pms_out_set_bool(o, col[Y_EXT], y->extension);
        pms_out_set_num(o, col[Y_REL], pounds(y->released));
        pms_out_set_num(o, col[Y_RELNEW], pounds(y->released_new));
        pms_out_set_num(o, col[Y_REINV], pounds(y->reinvested));
        pms_out_set_num(o, col[Y_NET], pounds(y->net_saving));
        pms_out_set_num(o, col[Y_TARGET], pounds(y->target));
        pms_out_set_num(o, col[Y_KEPT], pounds(y->kept_for_services));
        pms_out_set_num(o, col[Y_MPIG], pounds(y->mpig_change));
        pms_out_set_num(o, col[Y_CORE], pounds(y->core_total));
        pms_out_set_int(o, col[Y_LOSE], (long long)y->losing);
        pms_out_set_int(o, col[Y_GAIN], (long long)y->gaining);
        pms_out_set_int(o, col[Y_L5], (long long)y->losing_over_5pct);
        pms_out_set_int(o, col[Y_L10], (long long)y->losing_over_10pct);
        pms_out_set_num(o, col[Y_LARGE], pounds(y->largest_loss));
        if (y->largest_loss > 0) {
            pms_out_set_text(o, col[Y_LARGEP], code_of(t, "practice_code", b->row[y->largest_loss_practice]));
            pms_out_set_num(o, col[Y_LARGEPCT], y->largest_loss_pct);
        }
        pms_out_set_int(o, col[Y_ELIG], (long long)y->eligible);
        pms_out_set_num(fo, col[Y_GB], r->fair_base.gini);
        pms_out_set_num(fo, col[Y_GA], y->fair.gini);
        pms_out_set_num(fo, col[Y_TBB], r->fair_base.theil_between);
        pms_out_set_num(fo, col[Y_TBA], y->fair.theil_between);
        pms_out_set_num(fo, col[Y_TWB], r->fair_base.theil_within);
        pms_out_set_num(fo, col[Y_TWA], y->fair.theil_within);
        pms_out_set_num(fo, col[Y_CB], r->fair_base.concentration);
        pms_out_set_num(fo, col[Y_CA], y->fair.concentration);
        if (fo == o) fo = NULL;
    }
    return 0;
}

static void describe(const pms_sav_scenario *s, char *buf, size_t cap)
{
    size_t l = 0;
    switch (s->method) {
    case PMS_SAV_GLIDEPATH:
        l = (size_t)snprintf(buf, cap, "glidepath to GMS + %.2f/wp over %u years", s->target, s->years);
        break;
    case PMS_SAV_CAP: l = (size_t)snprintf(buf, cap, "cap premium at %.2f/wp", s->cap); break;
    case PMS_SAV_PERCENT: l = (size_t)snprintf(buf, cap, "cut premium by %g%%", s->percent); break;
    default: l = (size_t)snprintf(buf, cap, "no change"); break;
    }
    if (l < cap && s->keep_for_services > 0 && s->method != PMS_SAV_NONE)
        l += (size_t)snprintf(buf + l, cap - l, "; %.2f/wp kept for services beyond core",
                              s->keep_for_services);
    if (l < cap && s->reinvest != PMS_REINVEST_NONE && s->reinvest_pct < 100)
        l += (size_t)snprintf(buf + l, cap - l, "; %g%% of what is released reinvested",
                              s->reinvest_pct);
    if (l < cap && s->retention_column[0])
        l += (size_t)snprintf(buf + l, cap - l, "; '%s' practices keep %.2f/wp more",
                              s->retention_column, s->retention);
    if (l < cap && s->protect_pct > 0)
        l += (size_t)snprintf(buf + l, cap - l, "; loss <= %g%% a year", s->protect_pct);
    if (l < cap && s->protect_per_wp > 0)
        l += (size_t)snprintf(buf + l, cap - l, "; loss <= %.2f/wp a year", s->protect_per_wp);
}

enum { S_SCEN, S_LABEL, S_DESC, S_RULE, S_START, S_YEARS, S_EXT, S_END, S_REINV, S_RPCT, S_KEEP,
       S_SCOPE, S_PRAC, S_PMS,
       S_RELF, S_REINVF, S_NETF, S_NETC, S_UNP, S_UN, S_N };

static pms_out *scen_table(int *col)
{
    pms_out *o = pms_out_new("scenarios", "Scenarios (final year; money in pounds)");
    if (!o) return NULL;
    static const struct { const char *k; pms_outkind kind; } d[S_N] = {
        {"scenario", PMS_OUT_TEXT}, {"label", PMS_OUT_TEXT}, {"description", PMS_OUT_TEXT},
        {"rule", PMS_OUT_TEXT}, {"start_year", PMS_OUT_TEXT}, {"years", PMS_OUT_INT},
        {"extension_years", PMS_OUT_INT}, {"last_year", PMS_OUT_TEXT},
        {"reinvest", PMS_OUT_TEXT}, {"reinvest_pct", PMS_OUT_REAL},
        {"keep_for_services", PMS_OUT_MONEY}, {"scope", PMS_OUT_TEXT},
        {"practices", PMS_OUT_INT}, {"pms_practices", PMS_OUT_INT},
        {"released_final", PMS_OUT_MONEY}, {"reinvested_final", PMS_OUT_MONEY},
        {"net_saving_final", PMS_OUT_MONEY}, {"net_saving_cumulative", PMS_OUT_MONEY},
        {"unmet_practices", PMS_OUT_INT}, {"unmet", PMS_OUT_MONEY}};
    for (int j = 0; j < S_N; j++) col[j] = pms_out_col(o, d[j].k, d[j].kind, 2);
    if (check_cols(col, S_N)) {
        pms_out_free(o);
        return NULL;
    }
    return o;
}

static int add_scen(pms_out *o, const int *col, const pms_sav_result *r, const pms_sav_base *b)
{
    const pms_sav_scenario *s = &r->scenario;
    char rule[512], y1[16], y2[16];
    describe(s, rule, sizeof rule);
    const pms_sav_year *last = &r->year[r->nyears - 1];
    int64_t cum = 0;
    for (size_t k = 0; k < r->nyears; k++) cum += r->year[k].net_saving;
    if (pms_out_row(o)) return -1;
    pms_out_set_text(o, col[S_SCEN], s->name);
    pms_out_set_text(o, col[S_LABEL], pms_sav_label(s));
    pms_out_set_text(o, col[S_DESC], s->description);
    pms_out_set_text(o, col[S_RULE], rule);
    pms_out_set_text(o, col[S_START], pms_sav_year_label(s->start_year, y1, sizeof y1));
    pms_out_set_int(o, col[S_YEARS], s->years);
    pms_out_set_int(o, col[S_EXT], r->extension_years);
    pms_out_set_text(o, col[S_END], pms_sav_year_label(last->year, y2, sizeof y2));
    pms_out_set_text(o, col[S_REINV], pms_sav_reinvest_name(s->reinvest));
    pms_out_set_num(o, col[S_RPCT], s->reinvest == PMS_REINVEST_NONE ? 0 : s->reinvest_pct);
    pms_out_set_num(o, col[S_KEEP], s->method == PMS_SAV_NONE ? 0 : s->keep_for_services);
    pms_out_set_text(o, col[S_SCOPE], pms_sav_scope_name(s->scope));
    pms_out_set_int(o, col[S_PRAC], (long long)b->n);
    pms_out_set_int(o, col[S_PMS], (long long)b->n_pms);
    pms_out_set_num(o, col[S_RELF], pounds(last->released));
    pms_out_set_num(o, col[S_REINVF], pounds(last->reinvested));
    pms_out_set_num(o, col[S_NETF], pounds(last->net_saving));
    pms_out_set_num(o, col[S_NETC], pounds(cum));
    pms_out_set_int(o, col[S_UNP], (long long)r->unmet_practices);
    pms_out_set_num(o, col[S_UN], pounds(r->unmet));
    if (r->extension_years)
        pms_out_footnote(o, "Transitional protection extends '%s' by %u year%s, to %s.", s->name,
                         r->extension_years, r->extension_years == 1 ? "" : "s", y2);
    char mb[64];
    if (r->unmet_practices)
        pms_out_footnote(o, "'%s': after %u extra years (max_extension_years) %zu practices "
                            "are still above their target; %s of premium is not withdrawn.",
                         s->name, r->extension_years, r->unmet_practices,
                         money(r->unmet, mb, sizeof mb));
    return 0;
}

enum { C_SCEN, C_NUM, C_CRIT, C_EVID, C_MEAS, C_BEFORE, C_AFTER, C_READ, C_N };

static pms_out *crit_table(int *col)
{
    pms_out *o = pms_out_new("criteria", "The review's five criteria (base year against the last year)");
    if (!o) return NULL;
    static const struct { const char *k; pms_outkind kind; int dec; } d[C_N] = {
        {"scenario", PMS_OUT_TEXT, 0}, {"number", PMS_OUT_INT, 0}, {"criterion", PMS_OUT_TEXT, 0},
        {"evidence", PMS_OUT_TEXT, 0}, {"measure", PMS_OUT_TEXT, 0}, {"before", PMS_OUT_REAL, 5},
        {"after", PMS_OUT_REAL, 5}, {"reading", PMS_OUT_TEXT, 0}};
    for (int j = 0; j < C_N; j++) col[j] = pms_out_col(o, d[j].k, d[j].kind, d[j].dec);
    if (check_cols(col, C_N)) {
        pms_out_free(o);
        return NULL;
    }
    pms_out_footnote(o, "Criteria 1 and 5 concern what the reinvested money buys and cannot be "
                        "judged from payments data: they need the CCG's local evidence.");
    return o;
}

static int crit_row(pms_out *o, const int *col, const char *scen, int num, const char *crit,
                    const char *evid, const char *meas, double before, double after,
                    const char *reading)
{
    if (pms_out_row(o)) return -1;
    pms_out_set_text(o, col[C_SCEN], scen);
    pms_out_set_int(o, col[C_NUM], num);
    pms_out_set_text(o, col[C_CRIT], crit);
    pms_out_set_text(o, col[C_EVID], evid);
    pms_out_set_text(o, col[C_MEAS], meas);
    pms_out_set_num(o, col[C_BEFORE], before);
    pms_out_set_num(o, col[C_AFTER], after);
    pms_out_set_text(o, col[C_READ], reading);
    return 0;
}

static const char *direction(double before, double after, const char *down, const char *up)
{
    if (!isfinite(before) || !isfinite(after)) return "not computed";
    if (fabs(after - before) < 5e-5) return "unchanged";
    return after < before ? down : up;
}

static int add_crit(pms_out *o, const int *col, const pms_sav_result *r, const pms_sav_base *b)
{
    const char *s = r->scenario.name;
    const pms_sav_year *last = &r->year[r->nyears - 1];
    const pms_sav_fairness *f0 = &r->fair_base, *f1 = &last->fair;
    double share = b->n ? (double)last->eligible / (double)b->n : NAN;
    if (r->scenario.reinvest == PMS_REINVEST_NONE) share = 0;
    char read3[160], read1[200], kb[48];
    if (r->scenario.keep_for_services > 0 && r->scenario.method != PMS_SAV_NONE)
        snprintf(read1, sizeof read1,
                 "%s a year of premium kept for services beyond core (%.2f per weighted "
                 "patient); what it buys needs the CCG's service specifications",
                 pms_sav_money_short(last->kept_for_services, kb, sizeof kb),
                 r->scenario.keep_for_services);
    else
        snprintf(read1, sizeof read1, "needs the CCG's service specifications");
    snprintf(read3, sizeof read3, "%zu of %zu practices can receive reinvestment (%s)",
             r->scenario.reinvest == PMS_REINVEST_NONE ? (size_t)0 : last->eligible, b->n,
             pms_sav_reinvest_name(r->scenario.reinvest));
    if (crit_row(o, col, s, 1, "Services beyond core: the reinvestment secures services that "
                               "add value for patients",
                 r->scenario.keep_for_services > 0 ? "numbers and local evidence" : "local evidence",
                 r->scenario.keep_for_services > 0 ? "premium kept for services, pounds a year" : "",
                 NAN, r->scenario.keep_for_services > 0 ? pounds(last->kept_for_services) : NAN,
                 read1) ||
        crit_row(o, col, s, 2, "Reduce health inequalities", "numbers",
                 "concentration index of core funding per weighted patient (IMD 2015)",
                 f0->concentration, f1->concentration,
                 direction(f0->concentration, f1->concentration,
                           "more funding per patient towards deprived practices",
                           "less funding per patient towards deprived practices")) ||
        crit_row(o, col, s, 3, "Equality of opportunity for every practice", "numbers",
                 "share of practices eligible for reinvestment in the last year", NAN, share, read3) ||
        crit_row(o, col, s, 4, "Fair funding between localities", "numbers",
                 "Theil T between localities", f0->theil_between, f1->theil_between,
                 direction(f0->theil_between, f1->theil_between, "fairer between localities",
                           "less fair between localities")) ||
        crit_row(o, col, s, 4, "Fair funding within localities", "numbers",
                 "Theil T within localities", f0->theil_within, f1->theil_within,
                 direction(f0->theil_within, f1->theil_within, "fairer within localities",
                           "less fair within localities")) ||
        crit_row(o, col, s, 4, "Fair funding overall", "numbers", "Gini of core funding per "
                                                                 "weighted patient",
                 f0->gini, f1->gini, direction(f0->gini, f1->gini, "more equal", "less equal")) ||
        crit_row(o, col, s, 5, "Value for money and outcomes: the money supports quality and "
                               "the CCG's strategy",
                 "local evidence", "", NAN, NAN, "needs local outcome and quality evidence"))
        return -1;
    return 0;
}

enum { L_SCEN, L_YEAR, L_LOC, L_NAME, L_PRAC, L_BASE, L_CORE, L_CHG, L_REL, L_REINV, L_NET, L_N };

static pms_out *loc_table(int *col)
{
    pms_out *o = pms_out_new("localities", "Localities by scenario and year (money in pounds)");
    if (!o) return NULL;
    static const struct { const char *k; pms_outkind kind; } d[L_N] = {
        {"scenario", PMS_OUT_TEXT}, {"year", PMS_OUT_TEXT}, {"locality", PMS_OUT_TEXT},
        {"locality_name", PMS_OUT_TEXT}, {"practices", PMS_OUT_INT}, {"core_base", PMS_OUT_MONEY}, {"core", PMS_OUT_MONEY},
        {"change_from_base", PMS_OUT_MONEY}, {"released", PMS_OUT_MONEY},
        {"reinvested", PMS_OUT_MONEY}, {"net_saving", PMS_OUT_MONEY}};
    for (int j = 0; j < L_N; j++) col[j] = pms_out_col(o, d[j].k, d[j].kind, 2);
    if (check_cols(col, L_N)) {
        pms_out_free(o);
        return NULL;
    }
    return o;
}

static int add_loc(pms_out *o, const int *col, const pms_sav_result *r, const pms_sav_base *b,
                   const char *const *loc_names)
{
    char yl[16];
    size_t L = r->nloc;
    for (size_t k = 0; k < r->nyears; k++)
        for (size_t l = 0; l < L; l++) {
            int64_t base = r->loc_core[l], core = r->loc_core[(k + 1) * L + l],
                    rel = r->loc_cut[k * L + l], rei = r->loc_reinvest[k * L + l];
            if (pms_out_row(o)) return -1;
            pms_out_set_text(o, col[L_SCEN], r->scenario.name);
            pms_out_set_text(o, col[L_YEAR], pms_sav_year_label(r->year[k].year, yl, sizeof yl));
            pms_out_set_text(o, col[L_LOC], b->loc_name[l]);
            pms_out_set_text(o, col[L_NAME], loc_names ? loc_names[l] : NULL);
            pms_out_set_int(o, col[L_PRAC], (long long)r->loc_practices[l]);
            pms_out_set_num(o, col[L_BASE], pounds(base));
            pms_out_set_num(o, col[L_CORE], pounds(core));
            pms_out_set_num(o, col[L_CHG], pounds(core - base));
            pms_out_set_num(o, col[L_REL], pounds(rel));
            pms_out_set_num(o, col[L_REINV], pounds(rei));
            pms_out_set_num(o, col[L_NET], pounds(rel - rei));
        }
    return 0;
}

enum { P_SCEN, P_YEAR, P_CODE, P_NAME, P_LOC, P_CT, P_W, P_BASE, P_CORE, P_CHG, P_PCT, P_CHGB,
       P_RED, P_REINV, P_PERW, P_N };

static pms_out *prac_table(int *col)
{
    pms_out *o = pms_out_new("practices", "Practice schedule (money in pounds)");
    if (!o) return NULL;
    static const struct { const char *k; pms_outkind kind; int dec; } d[P_N] = {
        {"scenario", PMS_OUT_TEXT, 0}, {"year", PMS_OUT_TEXT, 0},
        {"practice_code", PMS_OUT_TEXT, 0}, {"practice_name", PMS_OUT_TEXT, 0},
        {"locality", PMS_OUT_TEXT, 0}, {"contract_type", PMS_OUT_TEXT, 0},
        {"weighted_patients", PMS_OUT_REAL, 0}, {"core_base", PMS_OUT_MONEY, 2},
        {"core", PMS_OUT_MONEY, 2}, {"change", PMS_OUT_MONEY, 2}, {"change_pct", PMS_OUT_PCT, 2},
        {"change_from_base", PMS_OUT_MONEY, 2}, {"reduction", PMS_OUT_MONEY, 2},
        {"reinvestment", PMS_OUT_MONEY, 2}, {"core_per_weighted", PMS_OUT_REAL, 2}};
    for (int j = 0; j < P_N; j++) col[j] = pms_out_col(o, d[j].k, d[j].kind, d[j].dec);
    if (check_cols(col, P_N)) {
        pms_out_free(o);
        return NULL;
    }
    pms_out_footnote(o, "change and change_pct against the year before; reduction = premium "
                        "withheld, reinvestment = share of what was released.");
    return o;
}

static int add_prac(pms_out *o, const int *col, const pms_sav_result *r, const pms_sav_base *b,
                    const pms_table *t, size_t only_loc)
{
    const char *const *codes = NULL, *const *names = NULL;
    pms_err e;
    pms_table_text(t, "practice_code", &codes, &e);
    if (pms_table_col(t, "practice_name")) pms_table_text(t, "practice_name", &names, &e);
    char yl[16];
    size_t n = r->n;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < r->nyears && (only_loc == (size_t)-1 || b->loc[i] == only_loc); k++) {
            int64_t base = r->core[i], prev = r->core[k * n + i], cur = r->core[(k + 1) * n + i];
            if (pms_out_row(o)) return -1;
            size_t row = b->row[i];
            pms_out_set_text(o, col[P_SCEN], r->scenario.name);
            pms_out_set_text(o, col[P_YEAR], pms_sav_year_label(r->year[k].year, yl, sizeof yl));
            pms_out_set_text(o, col[P_CODE], codes ? codes[row] : NULL);
            pms_out_set_text(o, col[P_NAME], names ? names[row] : NULL);
            pms_out_set_text(o, col[P_LOC], b->loc_name[b->loc[i]]);
            pms_out_set_text(o, col[P_CT], b->contract[i] == PMS_CONTRACT_PMS ? "PMS" : "GMS");
            pms_out_set_num(o, col[P_W], b->weighted[i]);
            pms_out_set_num(o, col[P_BASE], pounds(base));
            pms_out_set_num(o, col[P_CORE], pounds(cur));
            pms_out_set_num(o, col[P_CHG], pounds(cur - prev));
            pms_out_set_num(o, col[P_PCT], prev > 0 ? (double)(cur - prev) / (double)prev : NAN);
            pms_out_set_num(o, col[P_CHGB], pounds(cur - base));
            pms_out_set_num(o, col[P_RED], pounds(r->cut[k * n + i]));
            pms_out_set_num(o, col[P_REINV], pounds(r->reinvest[k * n + i]));
            pms_out_set_num(o, col[P_PERW], (double)cur / 100.0 / b->weighted[i]);
        }
    return 0;
}

enum { W_SCEN, W_PARAM, W_VAL, W_REL, W_REINV, W_NET, W_NETC, W_L5, W_L10, W_EXT, W_GINI, W_N };

static pms_out *sweep_table(int *col, double step)
{
    /* enough decimals to tell the grid points apart */
    int dec = 2;
    while (dec < 9 && fabs(step * pow(10, dec) - round(step * pow(10, dec))) > 1e-6) dec++;
    pms_out *o = pms_out_new("sweep", "Sweep: savings against losers and the Gini (money in pounds)");
    if (!o) return NULL;
    static const struct { const char *k; pms_outkind kind; int dec; } d[W_N] = {
        {"scenario", PMS_OUT_TEXT, 0}, {"parameter", PMS_OUT_TEXT, 0},
        {"value", PMS_OUT_REAL, -1}, {"released_final", PMS_OUT_MONEY, 2},
        {"reinvested_final", PMS_OUT_MONEY, 2}, {"net_saving_final", PMS_OUT_MONEY, 2},
        {"net_saving_cumulative", PMS_OUT_MONEY, 2}, {"losing_over_5pct", PMS_OUT_INT, 0},
        {"losing_over_10pct", PMS_OUT_INT, 0}, {"extension_years", PMS_OUT_INT, 0},
        {"gini_after", PMS_OUT_REAL, 5}};
    for (int j = 0; j < W_N; j++) col[j] = pms_out_col(o, d[j].k, d[j].kind, d[j].dec < 0 ? dec : d[j].dec);
    if (check_cols(col, W_N)) {
        pms_out_free(o);
        return NULL;
    }
    pms_out_footnote(o, "_final: the last year (including any extension); losing_over_5pct/10pct "
                        "count practices losing that share of core funding in at least one year.");
    return o;
}


pms_out *pms_savings_out_excluded(const pms_sav_base *b, const char *title)
{
    pms_out *o = pms_out_new("excluded", title);
    if (!o) return NULL;
    int cr = pms_out_col(o, "reason", PMS_OUT_TEXT, 0), cn = pms_out_col(o, "practices", PMS_OUT_INT, 0);
    if (cr < 0 || cn < 0) {
        pms_out_free(o);
        return NULL;
    }
    pms_sav_exclusion ex[PMS_SAV_NEXCLUSIONS];
    pms_sav_exclusions(b, ex);
    for (size_t i = 0; i < PMS_SAV_NEXCLUSIONS; i++) {
        if (pms_out_row(o)) break;
        pms_out_set_text(o, cr, ex[i].why);
        pms_out_set_int(o, cn, (long long)ex[i].n);
    }
    return o;
}

static pms_out *excluded_table(const pms_sav_base *b)
{
    pms_out *o = pms_savings_out_excluded(b, "Practices excluded from the model");
    if (o)
        pms_out_footnote(o, "%zu practices modelled (%zu GMS, %zu PMS); %zu have an IMD 2015 score.",
                         b->n, b->n_gms, b->n_pms, b->n_imd);
    return o;
}


/* ------------------------------------------------- the locality first */

const char *pms_savings_area_name(const pms_savings_input *in, size_t l, char *buf, size_t cap)
{
    const char *const *names = in->loc_names;
    if (names && names[l]) snprintf(buf, cap, "%s (%s)", names[l], in->b.loc_name[l]);
    else snprintf(buf, cap, "%s", in->b.loc_name[l]);
    return buf;
}

static double thousands(int64_t p) { return (double)p / 100000.0; }

enum { LY_AREA, LY_SCEN, LY_YEAR, LY_REL, LY_REINV, LY_NET, LY_PRAC, LY_LOSE, LY_GAIN, LY_N };

static pms_out *loc_years_table(int *col, const char *area)
{
    char title[512];
    snprintf(title, sizeof title, "%.400s: savings by scenario and year (\u00a3 thousand)", area);
    pms_out *o = pms_out_new("locality_years", title);
    if (!o) return NULL;
    static const struct { const char *k; pms_outkind kind; int dec; } d[LY_N] = {
        {"locality", PMS_OUT_TEXT, 0},        {"scenario", PMS_OUT_TEXT, 0},
        {"year", PMS_OUT_TEXT, 0},            {"released_k", PMS_OUT_REAL, 1},
        {"reinvested_k", PMS_OUT_REAL, 1},    {"net_saving_k", PMS_OUT_REAL, 1},
        {"practices", PMS_OUT_INT, 0},        {"practices_losing", PMS_OUT_INT, 0},
        {"practices_gaining", PMS_OUT_INT, 0}};
    for (int j = 0; j < LY_N; j++) col[j] = pms_out_col(o, d[j].k, d[j].kind, d[j].dec);
    if (check_cols(col, LY_N)) {
        pms_out_free(o);
        return NULL;
    }
    pms_out_footnote(o, "Money in thousands of pounds (modelled in pence): released = premium "
                        "withheld from the locality's practices, reinvested = what its "
                        "practices receive; net saving = released - reinvested. Losing and "
                        "gaining compare each practice's core funding with the year before.");
    return o;
}

static int add_loc_years(pms_out *o, const int *col, const pms_sav_result *r,
                         const pms_sav_base *b, size_t l, const char *area)
{
    char yl[16];
    size_t n = r->n, L = r->nloc;
    for (size_t k = 0; k < r->nyears; k++) {
        size_t lose = 0, gain = 0;
        for (size_t i = 0; i < n; i++) {
            if (b->loc[i] != l) continue;
            int64_t d = r->core[(k + 1) * n + i] - r->core[k * n + i];
            lose += d < 0;
            gain += d > 0;
        }
        int64_t rel = r->loc_cut[k * L + l], re = r->loc_reinvest[k * L + l];
        if (pms_out_row(o)) return -1;
        pms_out_set_text(o, col[LY_AREA], area);
        pms_out_set_text(o, col[LY_SCEN], pms_sav_label(&r->scenario));
        pms_out_set_text(o, col[LY_YEAR], pms_sav_year_label(r->year[k].year, yl, sizeof yl));
        pms_out_set_num(o, col[LY_REL], thousands(rel));
        pms_out_set_num(o, col[LY_REINV], thousands(re));
        pms_out_set_num(o, col[LY_NET], thousands(rel - re));
        pms_out_set_int(o, col[LY_PRAC], (long long)r->loc_practices[l]);
        pms_out_set_int(o, col[LY_LOSE], (long long)lose);
        pms_out_set_int(o, col[LY_GAIN], (long long)gain);
    }
    return 0;
}

enum { E_AREA, E_SCEN, E_LABEL, E_FY, E_FREL, E_FREINV, E_FNET, E_LY, E_LREL, E_LREINV, E_LNET,
       E_HOR, E_CREL, E_CREINV, E_CNET, E_N };

static pms_out *effects_table(int *col, unsigned horizon)
{
    pms_out *o = pms_out_new("comparison", "Scenarios like for like: first year, full year and "
                                           "a common horizon (\u00a3 thousand)");
    if (!o) return NULL;
    static const struct { const char *k; pms_outkind kind; int dec; } d[E_N] = {
        {"area", PMS_OUT_TEXT, 0},
        {"scenario", PMS_OUT_TEXT, 0},
        {"label", PMS_OUT_TEXT, 0},
        {"first_year", PMS_OUT_TEXT, 0},
        {"first_year_released_k", PMS_OUT_REAL, 1},
        {"first_year_reinvested_k", PMS_OUT_REAL, 1},
        {"first_year_net_saving_k", PMS_OUT_REAL, 1},
        {"full_year", PMS_OUT_TEXT, 0},
        {"full_year_released_k", PMS_OUT_REAL, 1},
        {"full_year_reinvested_k", PMS_OUT_REAL, 1},
        {"full_year_net_saving_k", PMS_OUT_REAL, 1},
        {"horizon", PMS_OUT_TEXT, 0},
        {"horizon_released_k", PMS_OUT_REAL, 1},
        {"horizon_reinvested_k", PMS_OUT_REAL, 1},
        {"horizon_net_saving_k", PMS_OUT_REAL, 1}};
    for (int j = 0; j < E_N; j++) col[j] = pms_out_col(o, d[j].k, d[j].kind, d[j].dec);
    if (check_cols(col, E_N)) {
        pms_out_free(o);
        return NULL;
    }
    pms_out_footnote(o, "first_year: the first year of change; full_year: the recurrent annual "
                        "effect once the schedule (and any extension) is complete; horizon: "
                        "the sum over the same %u years from the data's year for every "
                        "scenario (0 before a scenario starts, its last year repeated after it "
                        "ends; the horizon is an option of the call).",
                     horizon);
    return o;
}

static int add_effects(pms_out *o, const int *col, const pms_sav_scenario *sc,
                       const pms_sav_effects *ep, const char *area)
{
    pms_sav_effects e = *ep;
    char y1[16], y2[16], y3[16], hz[40];
    if (pms_out_row(o)) return -1;
    snprintf(hz, sizeof hz, "%s to %s", pms_sav_year_label(e.horizon_from, y2, sizeof y2),
             pms_sav_year_label(e.horizon_to, y3, sizeof y3));
    pms_out_set_text(o, col[E_AREA], area);
    pms_out_set_text(o, col[E_SCEN], sc->name);
    pms_out_set_text(o, col[E_LABEL], pms_sav_label(sc));
    pms_out_set_text(o, col[E_FY], pms_sav_year_label(e.first_year, y1, sizeof y1));
    pms_out_set_num(o, col[E_FREL], thousands(e.first_released));
    pms_out_set_num(o, col[E_FREINV], thousands(e.first_reinvested));
    pms_out_set_num(o, col[E_FNET], thousands(e.first_net));
    pms_out_set_text(o, col[E_LY], pms_sav_year_label(e.full_year, y1, sizeof y1));
    pms_out_set_num(o, col[E_LREL], thousands(e.full_released));
    pms_out_set_num(o, col[E_LREINV], thousands(e.full_reinvested));
    pms_out_set_num(o, col[E_LNET], thousands(e.full_net));
    pms_out_set_text(o, col[E_HOR], hz);
    pms_out_set_num(o, col[E_CREL], thousands(e.cum_released));
    pms_out_set_num(o, col[E_CREINV], thousands(e.cum_reinvested));
    pms_out_set_num(o, col[E_CNET], thousands(e.cum_net));
    return 0;
}


int pms_savings_sweep_pick(const pms_scenario_file *f, pms_sav_param p, const char *name)
{
    if (name) return pms_scenario_find(f, name);
    for (size_t i = 0; i < f->n; i++) {
        const pms_sav_scenario *s = &f->s[i];
        if (p == PMS_SWEEP_REINVEST_PCT ? s->reinvest != PMS_REINVEST_NONE
            : p == PMS_SWEEP_TARGET || p == PMS_SWEEP_CAP || p == PMS_SWEEP_PERCENT
                ? pms_sav_param_applies(p, s, NULL)
                : s->method != PMS_SAV_NONE)
            return (int)i;
    }
    return -1;
}

/* ------------------------------------------------------------- runs */

/* Everything one run holds; the tables handed out are set to NULL here. */
typedef struct {
    const pms_scenario_file *sf;
    const pms_table *t;
    const pms_sav_base *b;
    const char *const *loc_names;
    pms_sav_ws *ws;
    pms_sav_result r;
    unsigned char *flags;
    size_t loc;               /* the locality first, or (size_t)-1 */
    char area[400];           /* "Bristol (11H)" */
    const int *run;
    size_t nrun;
    outs o;
    pms_out *ly, *eff, *pc, *ex;
    const pms_sav_scenario **pcs;
    pms_sav_effects *eng;     /* England's like-for-like effects, per scenario run */
    int64_t **finals;
    double *values;
    pms_sav_sweep_row *rows;
} savings_state;

static pms_status state_init(savings_state *S, const pms_scenario_file *f,
                             const pms_savings_input *in, const pms_table *t, pms_err *err)
{
    memset(S, 0, sizeof *S);
    S->sf = f;
    S->t = t;
    S->b = &in->b;
    S->loc_names = in->loc_names;
    S->loc = (size_t)-1;
    if (!(S->ws = pms_sav_ws_new(&in->b))) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    return PMS_OK;
}

static void state_free(savings_state *S)
{
    pms_out *all[] = {S->o.years, S->o.fair, S->o.scen, S->o.crit, S->o.loc, S->o.prac,
                      S->o.sweep, S->ly, S->eff, S->pc, S->ex};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) pms_out_free(all[i]);
    for (size_t i = 0; S->finals && i < S->nrun; i++) free(S->finals[i]);
    free(S->finals);
    free(S->pcs);
    free(S->eng);
    pms_sav_result_free(&S->r);
    pms_sav_ws_free(S->ws);
    free(S->flags);
    free(S->values);
    free(S->rows);
}

/* Hand table *p to out (it leaves the state). */
static void give(pms_savings_tables *out, pms_out **p)
{
    if (!*p) return;
    out->t[out->n++] = *p;
    *p = NULL;
}

static pms_status nomem(pms_err *err) { return pms_err_set(err, PMS_ENOMEM, "out of memory"); }

/* The sweep's table: one row per point. */
static pms_status sweep_rows(savings_state *S, const pms_sav_scenario *sc,
                             const pms_sav_sweep_spec *sp, const int *wcol, pms_err *err)
{
    const char *pname = pms_sav_param_name(sp->param);
    pms_out *o = S->o.sweep;
    for (size_t i = 0; i < sp->npoints; i++) {
        const pms_sav_sweep_row *row = &S->rows[i];
        if (pms_out_row(o)) return nomem(err);
        pms_out_set_text(o, wcol[W_SCEN], sc->name);
        pms_out_set_text(o, wcol[W_PARAM], pname);
        pms_out_set_num(o, wcol[W_VAL], row->value);
        pms_out_set_num(o, wcol[W_REL], pounds(row->released_final));
        pms_out_set_num(o, wcol[W_REINV], pounds(row->reinvested_final));
        pms_out_set_num(o, wcol[W_NET], pounds(row->net_saving_final));
        pms_out_set_num(o, wcol[W_NETC], pounds(row->net_saving_cumulative));
        pms_out_set_int(o, wcol[W_L5], (long long)row->losing_over_5pct);
        pms_out_set_int(o, wcol[W_L10], (long long)row->losing_over_10pct);
        pms_out_set_int(o, wcol[W_EXT], row->extension_years);
        pms_out_set_num(o, wcol[W_GINI], row->gini_after);
    }
    return PMS_OK;
}

pms_status pms_savings_tables_sweep(const pms_scenario_file *f, const pms_savings_input *in,
                                    const pms_table *t, size_t k, const pms_sav_sweep_spec *sp,
                                    unsigned threads, pms_savings_tables *out, size_t *bad,
                                    pms_err *err)
{
    savings_state S;
    int wcol[W_N], scol[S_N];
    memset(out, 0, sizeof *out);
    *bad = (size_t)-1;
    pms_status st = state_init(&S, f, in, t, err);
    pms_sav_scenario sc = f->s[k];
    if (st || (st = pms_scenario_flags(f, k, t, &S.flags, err))) goto done;
    sc.retain = S.flags;
    if ((st = pms_sav_check(S.b, &sc, f->path, err))) goto done;
    if (!(S.o.sweep = sweep_table(wcol, sp->step)) || !(S.o.scen = scen_table(scol)) ||
        !(S.values = malloc(sp->npoints * sizeof *S.values)) ||
        !(S.rows = malloc(sp->npoints * sizeof *S.rows))) {
        st = nomem(err);
        goto done;
    }
    for (size_t i = 0; i < sp->npoints; i++) S.values[i] = pms_sav_sweep_value(sp, i);
    size_t at = 0;
    if ((st = pms_sav_sweep(S.b, &sc, sp->param, S.values, sp->npoints, threads, S.rows, &at, err))) {
        *bad = at;
        goto done;
    }
    if ((st = sweep_rows(&S, &sc, sp, wcol, err)) || (st = pms_sav_run(S.b, &sc, S.ws, &S.r, err)))
        goto done;
    if (add_scen(S.o.scen, scol, &S.r, S.b)) {
        st = nomem(err);
        goto done;
    }
    pms_out_footnote(S.o.scen, "The sweep varies %s from %g to %g in steps of %g (%zu points); "
                               "the row above is the scenario as written in the file.",
                     pms_sav_param_name(sp->param), sp->from, sp->to, sp->step, sp->npoints);
    if (!(S.ex = excluded_table(S.b))) {
        st = nomem(err);
        goto done;
    }
    give(out, &S.o.sweep);
    give(out, &S.o.scen);
    give(out, &S.ex);
done:
    state_free(&S);
    if (st) pms_savings_tables_free(out);
    return st;
}

/* Tables for one scenario's result. */
static int add_result(const pms_savings_tables_opts *op, savings_state *S,
                      const int *const cols[], size_t j)
{
    const pms_sav_result *r = &S->r;
    const pms_sav_scenario *sc = &S->sf->s[S->run[j]];
    pms_sav_effects_of(r, S->b, (size_t)-1, op->horizon, &S->eng[j]);
    if (S->ly && add_loc_years(S->ly, cols[0], r, S->b, S->loc, S->area)) return -1;
    if (S->loc != (size_t)-1) {
        pms_sav_effects e;
        pms_sav_effects_of(r, S->b, S->loc, op->horizon, &e);
        if (add_effects(S->eff, cols[1], sc, &e, S->area)) return -1;
    }
    if (S->finals) {
        if (!(S->finals[j] = malloc((r->n ? r->n : 1) * sizeof **S->finals))) return -1;
        memcpy(S->finals[j], r->core + r->nyears * r->n, r->n * sizeof **S->finals);
        S->pcs[j] = sc;
    }
    return 0;
}

typedef struct {
    int y[Y_N], s[S_N], c[C_N], l[L_N], p[P_N], ly[LY_N], e[E_N], f[2];
} run_cols;

static int make_tables(const pms_savings_tables_opts *op, savings_state *S, run_cols *k)
{
    outs *o = &S->o;
    int local = S->loc != (size_t)-1;
    return !(o->years = years_table(k->y, op->split_fairness ? &o->fair : NULL, k->f)) ||
           !(o->scen = scen_table(k->s)) || !(o->crit = crit_table(k->c)) ||
           !(S->eff = effects_table(k->e, op->horizon)) ||
           !(S->eng = calloc(S->nrun ? S->nrun : 1, sizeof *S->eng)) ||
           (local && !(S->ly = loc_years_table(k->ly, S->area))) ||
           (local && (!(S->finals = calloc(S->nrun, sizeof *S->finals)) ||
                      !(S->pcs = calloc(S->nrun, sizeof *S->pcs)))) ||
           (op->detail >= PMS_SAVINGS_LOCALITIES && !(o->loc = loc_table(k->l))) ||
           (op->detail >= PMS_SAVINGS_ALL && !(o->prac = prac_table(k->p)));
}

/* Run every scenario and add its rows. */
static pms_status run_all(const pms_savings_tables_opts *op, savings_state *S, const run_cols *k,
                          pms_err *err)
{
    pms_status st;
    outs *o = &S->o;
    const int *cols[] = {k->ly, k->e};
    for (size_t j = 0; j < S->nrun; j++) {
        pms_sav_scenario sc = S->sf->s[S->run[j]];
        free(S->flags);
        S->flags = NULL;
        if ((st = pms_scenario_flags(S->sf, (size_t)S->run[j], S->t, &S->flags, err))) return st;
        sc.retain = S->flags;
        if ((st = pms_sav_check(S->b, &sc, S->sf->path, err)) ||
            (st = pms_sav_run(S->b, &sc, S->ws, &S->r, err)))
            return st;
        if (add_result(op, S, cols, j) ||
            add_years(o->years, k->y, o->fair, k->f, &S->r, S->b, S->t) ||
            add_scen(o->scen, k->s, &S->r, S->b) || add_crit(o->crit, k->c, &S->r, S->b) ||
            (o->loc && add_loc(o->loc, k->l, &S->r, S->b, S->loc_names)) ||
            (o->prac && add_prac(o->prac, k->p, &S->r, S->b, S->t, S->loc)))
            return nomem(err);
        pms_sav_result_free(&S->r);
    }
    /* England's like-for-like rows, after the locality's */
    for (size_t j = 0; j < S->nrun; j++)
        if (add_effects(S->eff, k->e, &S->sf->s[S->run[j]], &S->eng[j],
                        "England (every practice modelled)"))
            return nomem(err);
    return PMS_OK;
}

pms_status pms_savings_tables_run(const pms_scenario_file *f, const pms_savings_input *in,
                                  const pms_table *t, const pms_savings_tables_opts *op,
                                  pms_savings_tables *out, pms_err *err)
{
    savings_state S;
    run_cols k = {.f = {-1, -1}};
    memset(out, 0, sizeof *out);
    pms_status st = state_init(&S, f, in, t, err);
    if (st) goto done;
    S.run = op->run;
    S.nrun = op->nrun;
    S.loc = op->loc;
    int local = S.loc != (size_t)-1;
    if (local) pms_savings_area_name(in, S.loc, S.area, sizeof S.area);
    if (make_tables(op, &S, &k)) {
        st = nomem(err);
        goto done;
    }
    if ((st = run_all(op, &S, &k, err))) goto done;
    if (local && (st = pms_scenario_practice_comparison(S.b, t, S.loc, S.pcs,
                                                        (const int64_t *const *)S.finals,
                                                        S.nrun, &S.pc, err)))
        goto done;
    if (!(S.ex = excluded_table(S.b))) {
        st = nomem(err);
        goto done;
    }
    /* The locality first; England's comparison after the years without one. */
    give(out, &S.ly);
    if (local) give(out, &S.eff);
    give(out, &S.pc);
    give(out, &S.o.years);
    give(out, &S.o.fair);
    give(out, &S.eff);
    give(out, &S.o.scen);
    give(out, &S.o.crit);
    give(out, &S.o.loc);
    give(out, &S.o.prac);
    give(out, &S.ex);
done:
    state_free(&S);
    if (st) pms_savings_tables_free(out);
    return st;
}

void pms_savings_tables_free(pms_savings_tables *out)
{
    if (!out) return;
    for (size_t i = 0; i < out->n; i++) pms_out_free(out->t[i]);
    out->n = 0;
}
