/* Report section: NHS England's "Review of PMS contracts" (February 2014)
 * reproduced from the public file (analysis/premium.h) at the review's
 * 2013/14 prices: each headline figure beside ours and why they differ, the
 * deprivation claim tested, and the locality's own premium. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "analysis/premium.h"
#include "report/report.h"

#define SHEET "The national review, reproduced"
#define PRICES 2013 /* the review's: global sum 2013/14 */

static pms_status review_rows(pms_out *o, const pms_prem_result *r)
{
    int c[5] = {pms_out_col(o, "figure", PMS_OUT_TEXT, 0),
                pms_out_col(o, "nhs_england", PMS_OUT_MONEY, 2),
                pms_out_col(o, "pmsreview_public_data", PMS_OUT_MONEY, 2),
                pms_out_col(o, "difference", PMS_OUT_MONEY, 2),
                pms_out_col(o, "why_they_differ", PMS_OUT_TEXT, 0)};
    pms_prem_review_row rows[PMS_PREM_REVIEW_ROWS];
    pms_prem_review(r, rows);
    for (size_t i = 0; i < PMS_PREM_REVIEW_ROWS; i++) {
        if (pms_out_row(o)) return PMS_ENOMEM;
        char f[200];
        snprintf(f, sizeof f, "%s (%s)", rows[i].figure, rows[i].unit);
        pms_out_set_text(o, c[0], f);
        /* pounds to the penny (a double like 99,622,320.949999 would show in Excel) */
        int money = !strcmp(rows[i].unit, "pounds");
        double ours = money ? round(rows[i].ours * 100) / 100 : rows[i].ours;
        pms_out_set_num(o, c[1], rows[i].nhse);
        pms_out_set_num(o, c[2], ours);
        pms_out_set_num(o, c[3], money ? round((ours - rows[i].nhse) * 100) / 100
                                       : ours - rows[i].nhse);
        char w[700];
        snprintf(w, sizeof w, "%s%s", isnan(rows[i].ours) ? "not in the public file: " : "",
                 rows[i].why);
        pms_out_set_text(o, c[4], w);
    }
    return PMS_OK;
}

static void corr_words(const pms_prem_group *g, const pms_prem_result *r, char *buf, size_t cap)
{
    if (g->corr_status != PMS_OK) {
        snprintf(buf, cap, "not computed: %zu practices with IMD", g->n_imd);
        return;
    }
    char v[300];
    pms_corr_verdict_text(g->verdict, &g->corr, r->delta, g->min_detectable, r->power, r->alpha,
                          "practices", v, sizeof v);
    snprintf(buf, cap, "rho %+.3f (%.0f%% CI %+.3f to %+.3f), %zu practices: %s",
             g->corr.estimate, 100 * g->corr.ci_level, g->corr.ci_low, g->corr.ci_high, g->n_imd,
             v);
}

static pms_status deprivation_rows(pms_out *o, const pms_prem_result *r, const pms_prem_group *lg,
                                   const char *locname)
{
    int c[3] = {pms_out_col(o, "area", PMS_OUT_TEXT, 0),
                pms_out_col(o, "nhs_england", PMS_OUT_TEXT, 0),
                pms_out_col(o, "pmsreview_public_data", PMS_OUT_TEXT, 0)};
    char w[500];
    if (pms_out_row(o)) return PMS_ENOMEM;
    pms_out_set_text(o, c[0], "England");
    pms_out_set_text(o, c[1], "no relationship between PMS expenditure and deprivation "
                              "(premium distributed at random against IMD)");
    corr_words(&r->national, r, w, sizeof w);
    pms_out_set_text(o, c[2], w);
    if (lg) {
        if (pms_out_row(o)) return PMS_ENOMEM;
        pms_out_set_text(o, c[0], locname);
        pms_out_set_text(o, c[1], "not published by locality");
        corr_words(lg, r, w, sizeof w);
        pms_out_set_text(o, c[2], w);
    }
    return PMS_OK;
}

static pms_status own_rows(pms_out *o, const pms_prem_group *g, const char *name)
{
    static const struct { const char *k; pms_outkind kind; int dec; } d[] = {
        {"area", PMS_OUT_TEXT, 0}, {"pms_practices", PMS_OUT_INT, 0},
        {"above_gms", PMS_OUT_INT, 0}, {"below_gms", PMS_OUT_INT, 0},
        {"premium_total", PMS_OUT_MONEY, 2}, {"premium_per_weighted", PMS_OUT_MONEY, 2},
        {"median_per_weighted", PMS_OUT_MONEY, 2}, {"top10pct_share", PMS_OUT_PCT, 1},
        {"after_taper_total", PMS_OUT_MONEY, 2}, {"after_taper_per_weighted", PMS_OUT_MONEY, 2}};
    int c[10];
    for (int j = 0; j < 10; j++) c[j] = pms_out_col(o, d[j].k, d[j].kind, d[j].dec);
    if (pms_out_row(o)) return PMS_ENOMEM;
    pms_out_set_text(o, c[0], name);
    pms_out_set_int(o, c[1], (long long)g->practices);
    pms_out_set_int(o, c[2], (long long)g->above);
    pms_out_set_int(o, c[3], (long long)g->below);
    pms_out_set_num(o, c[4], (double)g->premium / 100.0);
    pms_out_set_num(o, c[5], g->per_weighted);
    pms_out_set_num(o, c[6], g->median);
    pms_out_set_num(o, c[7], g->top10_share);
    pms_out_set_num(o, c[8], (double)g->after / 100.0);
    pms_out_set_num(o, c[9], g->after_per_weighted);
    return PMS_OK;
}

pms_status pms_report_premium(pms_report_ctx *r, pms_err *err)
{
    pms_table *t = r->all ? r->all : r->main; /* every contract, as pmsreview premium: money is never dropped */
    static const char *need[] = {"global_sum", "mpig", "pms_balance", "weighted_patients",
                                 "contract_type", "ccg_code"};
    for (size_t i = 0; i < sizeof need / sizeof *need; i++)
        if (!pms_table_col(t, need[i])) {
            pms_report_method(r, "The national review, reproduced: not drawn, the main data has "
                                 "no '%s' column.",
                              need[i]);
            return PMS_OK;
        }
    pms_sav_data d;
    memset(&d, 0, sizeof d);
    d.n = t->nrows;
    const char *const *ct = NULL, *const *lc = NULL;
    pms_err ignore;
    pms_status st;
    if ((st = pms_table_numeric(t, "global_sum", &d.global_sum, err)) ||
        (st = pms_table_numeric(t, "mpig", &d.mpig, err)) ||
        (st = pms_table_numeric(t, "pms_balance", &d.pms_balance, err)) ||
        (st = pms_table_numeric(t, "weighted_patients", &d.weighted, err)) ||
        (st = pms_table_text(t, "contract_type", &ct, err)) ||
        (st = pms_table_text(t, "ccg_code", &lc, err)))
        return st;
    if (r->deprivation && pms_table_col(t, r->deprivation))
        pms_table_numeric(t, r->deprivation, &d.imd, &ignore);
    d.contract = ct;
    d.locality = lc;
    pms_sav_settings s;
    pms_sav_settings_default(&s);
    pms_sav_base b;
    pms_prem_result res;
    memset(&res, 0, sizeof res);
    if ((st = pms_sav_prepare(&d, &s, &b, err))) return st;
    pms_prem_opts o;
    pms_prem_opts_default(&o);
    o.prices_year = PRICES;
    o.ci_level = r->ci_level;
    if ((st = pms_prem_compute(&b, &o, &res, err))) {
        pms_sav_base_free(&b);
        return st;
    }
    const pms_prem_group *lg = NULL;
    for (size_t l = 0; l < b.nloc; l++)
        if (r->locality && !strcmp(b.loc_name[l], r->locality) && res.loc[l].practices)
            lg = &res.loc[l];
    const char *locname = pms_report_locality(r);
    pms_out *rev = pms_out_new("national_review", "The national review, reproduced from public "
                                                  "data (2013/14 global sum prices)");
    pms_out *dep = pms_out_new("deprivation_claim", "The review's deprivation claim, tested");
    pms_out *own = pms_out_new("locality_premium", "The locality's own premium beside England's");
    if (!rev || !dep || !own) st = pms_err_set(err, PMS_ENOMEM, "out of memory");
    if (!st && (review_rows(rev, &res) || deprivation_rows(dep, &res, lg, locname) ||
                own_rows(own, &res.national, "England") || (lg && own_rows(own, lg, locname))))
        st = pms_err_set(err, PMS_ENOMEM, "out of memory");
    if (!st) {
        pms_out_footnote(rev, "NHS England, Review of PMS contracts (February 2014, gateway "
                              "01091): area teams' contract returns as at 1 April 2013. "
                              "pmsreview: NHS Digital payments 2014/15, %zu PMS practices "
                              "(practices without a core payment left out), GMS equivalent = "
                              "weighted patients x %.2f.",
                         res.n, res.rate);
        pms_out_footnote(dep, "Spearman's rho of premium per weighted patient with the IMD score "
                              "(positive = more premium in more deprived practices). 'No "
                              "relationship' is a claim of absence: only an equivalence test "
                              "(|rho| < %.2f) can support it.",
                         res.delta);
        pms_out *tabs[3] = {rev, dep, own};
        st = pms_report_add_tables(r, SHEET, tabs, 3, NULL, err);
    }
    if (!st) {
        char tot[48], pw[48], np[32];
        /* \xc2\xa3m for a national total (issue 14): "£416.8m". */
        snprintf(tot, sizeof tot, "\xc2\xa3%.1fm", (double)res.national.premium / 1e8);
        pms_report_money(pw, sizeof pw, res.national.per_weighted, 2);
        pms_report_say(r, PMS_SAY_ENGLAND, "At the review's 2013/14 prices the public file gives a PMS premium of "
                          "%s (%s per weighted patient) over %s PMS practices, against NHS "
                          "England's \xc2\xa3" "325m (\xc2\xa3" "13.52); its correlation with "
                          "deprivation is %+.2f.",
                       tot, pw, pms_report_count(np, sizeof np, res.n),
                       res.national.corr.estimate);
        pms_report_method(r, "National review reproduced: premium = global sum + MPIG + balance "
                             "of PMS expenditure - weighted patients x %.2f (2013/14); after the "
                             "MPIG taper the GMS practices' MPIG is recycled into the GMS "
                             "equivalent pro rata weighted patients (%.4f per weighted patient) "
                             "and PMS practices' own MPIG removed (doc/methods/premium.md).",
                         res.rate, res.uplift_per_weighted);
    }
    pms_out_free(rev);
    pms_out_free(dep);
    pms_out_free(own);
    pms_prem_result_free(&res);
    pms_sav_base_free(&b);
    return st;
}
