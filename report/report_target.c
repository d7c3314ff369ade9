/* Report section (issue 18): fair shares.  Each practice's core funding
 * against its share of England's core funding by the weighted list (need =
 * weighted_patients, pot = core_payments, national scope), the localities
 * summed; the Fair_shares sheet, the distance_from_target chart and one
 * summary sentence about the report's locality. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/target.h"
#include "io/target_select.h"
#include "plots/chart_target.h"
#include "report/report.h"

#define SHEET "Fair_shares"

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
done:
    for (size_t i = 0; i < 3; i++) pms_out_free(tabs[i]);
    pms_target_result_free(&res);
    pms_target_rows_free(&s);
    return st;
}
