/* Report section (issue 18): fair shares.  Each practice's core funding
 * against its share of England's core funding by the weighted list (need =
 * weighted_patients, pot = core_payments, national scope), the localities
 * summed; the Fair_shares sheet, the distance_from_target chart and one
 * summary sentence about the report's locality. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/target.h"
#include "io/config.h"
#include "io/scenario.h"
#include "io/target_options.h"
#include "io/target_select.h"
#include "plots/chart_target.h"
#include "report/report.h"

#define SHEET "Fair_shares"
#define OPTIONS_SHEET "Fair_shares_options"

/* The chart: every locality's distance, the report's locality highlighted,
 * and its practices. */
static pms_status chart(pms_report_ctx *r, const pms_target_rows *s, const pms_target_result *res,
                        size_t l, pms_err *err)
{
    unsigned char *hi = calloc(s->nloc ? s->nloc : 1, 1);
    double *pp = malloc((s->n ? s->n : 1) * sizeof *pp);
    if (!hi || !pp) {
        free(hi), free(pp);
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    size_t np = 0;
    if (l != (size_t)-1) {
        hi[l] = 1;
        for (size_t k = 0; k < s->n; k++)
            if (s->loc[k] == l) pp[np++] = res->distance_pct[k];
    }
    pms_chart_info ci = pms_report_chart_info(
        r, "distance_from_target",
        "Distance from a fair share of core funding (weighted list), by locality and practice",
        "Localities (CCGs), then the locality's practices, each sorted by distance",
        "Actual minus fair share, % of fair share");
    pms_status st = pms_chart_distance_from_target(&ci, res->loc_distance_pct, hi, s->nloc, pp, np,
                                                   pms_report_locality(r), err);
    if (!st)
        st = pms_report_add_chart(r, "distance_from_target",
                                  "distance from target by locality and practice", SHEET, 1, 11,
                                  err);
    free(hi), free(pp);
    return st;
}

static void sentence(pms_report_ctx *r, const pms_target_rows *s, const pms_target_result *res,
                     size_t l)
{
    if (l == (size_t)-1) {
        pms_report_say(r, PMS_SAY_ANSWER, "Under the weighted-list formula, %s has no practice with core "
                          "funding and a weighted list in the data, so its fair share is not "
                          "computed.", pms_report_locality(r));
        return;
    }
    pms_target_bands b = {0, 0, 0, 0};
    for (size_t k = 0; k < s->n; k++)
        if (s->loc[k] == l) pms_target_band_add(&b, res->distance_pct[k]);
    double d = res->loc_distance_pct[l];
    char over[16], under[16];
    pms_report_say(r, PMS_SAY_ANSWER,
                   "Under the weighted-list formula the practices of %s receive %.1f%% %s than "
                   "their fair share of England's core funding; %s of its %zu practices are more than "
                   "10%% above theirs and %s more than 10%% below.",
                   pms_report_locality(r), fabs(100 * d), d < 0 ? "less" : "more",
                   pms_report_count(over, sizeof over, b.over10), res->loc_n[l],
                   pms_report_count(under, sizeof under, b.under10));
}

/* The option removing the largest share of a distance (England's, or the
 * locality's own with loc), or -1. */
static int best_option(const pms_target_options *o, int loc)
{
    int best = -1;
    for (size_t k = 0; k < o->n; k++) {
        double v = loc ? o->o[k].score.loc_removed : o->o[k].score.removed;
        if (!isnan(v) && (best < 0 || v > (loc ? o->o[best].score.loc_removed
                                               : o->o[best].score.removed)))
            best = (int)k;
    }
    return best;
}

static void options_sentence(pms_report_ctx *r, const pms_target_options *o)
{
    int e = best_option(o, 0), l = o->focus != (size_t)-1 ? best_option(o, 1) : -1;
    if (e < 0) return;
    const pms_target_option *E = &o->o[e];
    char moved[48], saved[48], yr[16], local[300] = "", base[120] = "", net[80] = "";
    if (l >= 0)
        snprintf(local, sizeof local, ", and '%s' the most among the practices of %s (%.1f%%)",
                 pms_sav_label(o->o[l].sc), pms_report_locality(r),
                 100 * o->o[l].score.loc_removed);
    for (size_t k = 0; k < o->n; k++)
        if (o->o[k].sc->method == PMS_SAV_NONE)
            snprintf(base, sizeof base, "; with no review (the MPIG taper alone) it is %.1f%%",
                     100 * o->o[k].score.removed);
    if (E->net_saving > 0)
        snprintf(net, sizeof net, " (saving %s a year)",
                 pms_sav_money_short(E->net_saving, saved, sizeof saved));
    pms_report_say(r, PMS_SAY_SAVINGS,
                   "Against fair shares of what each option leaves to share (weighted list), "
                   "'%s'%s removes the most of the distance from target across England: %.1f%% "
                   "of the %s that would have to move between practices, by %s%s%s.",
                   pms_sav_label(E->sc), net, 100 * E->score.removed,
                   pms_sav_money_short(E->score.before.to_move, moved, sizeof moved),
                   pms_sav_year_label(E->final_year, yr, sizeof yr), local, base);
}

/* The savings scenarios of [savings] scenarios on the same axis: the
 * Fair_shares_options sheet (one table) and one sentence. */
static pms_status options(pms_report_ctx *r, const pms_table *t, const pms_target_rows *s,
                          pms_err *err)
{
    const char *rel = pms_config_str(r->cfg, "savings", "scenarios", NULL);
    if (!rel) return PMS_OK;
    char path[4096];
    pms_report_path(r, rel, path, sizeof path);
    pms_scenario_file *f = NULL;
    pms_target_options o;
    memset(&o, 0, sizeof o);
    pms_out *tab = NULL;
    int k;
    pms_status st = pms_scenario_load(path, &f, err);
    if (!st) st = pms_scenario_savings_pick(f, NULL, &k, err);
    if (!st) st = pms_target_options_run_keep(t, s, f, r->locality, !r->sav_runs, &o, err);
    if (!st && o.runs) {
        /* The savings section reports these same runs: hand them over. */
        r->sav_runs = o.runs, r->nsav_runs = o.n;
        o.runs = NULL;
    }
    if (!st && !(tab = pms_target_out_options(&o, "England", pms_report_locality(r))))
        st = pms_err_set(err, PMS_ENOMEM, "out of memory");
    if (!st) st = pms_report_add_tables(r, OPTIONS_SHEET, &tab, 1, NULL, err);
    if (!st) st = pms_xlsx_print_cols(r->x, OPTIONS_SHEET, PMS_TARGET_OPTIONS_PRINTED - 1, err);
    if (!st) {
        options_sentence(r, &o);
        pms_report_method(r, "Fair shares of the savings options: each savings scenario's core "
                             "funding in its final year, practice by practice (the savings "
                             "model's %zu practices), against fair shares of that year's own "
                             "total by the weighted list, beside the base year against its "
                             "own; removed = the share of the money to move that the scenario "
                             "removes; the net saving is shown apart. See "
                             "doc/methods/fair-shares.md.",
                          o.scored);
    }
    pms_out_free(tab);
    pms_target_options_free(&o);
    pms_scenario_free(f);
    return st;
}

pms_status pms_report_target(pms_report_ctx *r, pms_err *err)
{
    /* Every contract's money, as 'pmsreview target' shares it: a fair share is
     * of the whole pot, not of what the practice rules keep for the statistics. */
    pms_table *t = r->all ? r->all : r->main;
    if (!pms_table_col(t, "core_payments") || !pms_table_col(t, "weighted_patients")) {
        /* Said on the Methods sheet rather than failing the whole report. */
        pms_report_method(r, "Fair shares: not computed: the main data has no core funding "
                             "(global sum, MPIG and PMS balance) or no weighted patients.");
        return PMS_OK;
    }
    const char *imd = r->deprivation && pms_table_col(t, r->deprivation) ? r->deprivation
                                                                             : NULL;
    pms_target_spec spec = {"weighted", "core_payments", PMS_TSCOPE_NATIONAL, imd,
                            PMS_TARGET_DEFAULT_ELASTICITY};
    pms_target_rows s;
    pms_target_result res;
    memset(&res, 0, sizeof res);
    pms_out *tabs[3] = {NULL, NULL, NULL};
    pms_status st = pms_target_rows_select(t, &spec, &s, err);
    if (st) return st;
    pms_target_input in;
    pms_target_rows_input(&s, &in);
    if ((st = pms_target_compute(&in, &res, err))) goto done;
    size_t l = pms_target_rows_find_locality(&s, r->locality);
    tabs[0] = pms_target_out_localities(t, &s, &res, r->locality);
    tabs[1] = pms_target_out_practices(t, &s, &res, r->locality);
    tabs[2] = pms_target_out_excluded(t, &s, &spec);
    if (!tabs[0] || !tabs[1] || !tabs[2]) {
        st = pms_err_set(err, PMS_ENOMEM, "out of memory");
        goto done;
    }
    if ((st = pms_report_add_tables(r, SHEET, tabs, 3, NULL, err))) goto done;
    if (r->charts_on && (st = chart(r, &s, &res, l, err))) goto done;
    sentence(r, &s, &res, l);
    char pot[48], moved[48];
    pms_report_method(r, "Fair shares: each practice's fair share of England's core funding "
                         "(global sum + MPIG + PMS balance; pot %s over %zu practices) is pot x "
                         "weighted patients / total weighted patients, in whole pence by largest "
                         "remainder so that the shares add up to the pot exactly; distance = "
                         "actual - fair share (positive = over target). %s would have to move "
                         "to put every practice on target. Excluded: %zu practices (no core "
                         "funding figure or no weighted patients). See "
                         "doc/methods/fair-shares.md.",
                      pms_report_money(pot, sizeof pot, (double)res.pot / 100, 0), s.n,
                      pms_report_money(moved, sizeof moved, (double)res.to_move / 100, 0),
                      s.rows - s.n);
    st = options(r, t, &s, err);
done:
    for (size_t i = 0; i < 3; i++) pms_out_free(tabs[i]);
    pms_target_result_free(&res);
    pms_target_rows_free(&s);
    return st;
}
