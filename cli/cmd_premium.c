/* pmsreview premium: the PMS premium at a chosen year's global sum prices,
 * nationally and per locality, after the MPIG taper, its correlation with
 * deprivation, and NHS England's 2014 review figures beside ours. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/premium.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "io/savings_tables.h"

static const char *about =
    "The PMS premium: what each PMS practice is paid above the GMS equivalent.\n"
    "  premium = global sum + MPIG + balance of PMS expenditure\n"
    "            - weighted patients x the global sum per weighted patient of YEAR\n"
    "Reported for England and for each locality (CCG): total, per weighted patient,\n"
    "practices above and below the GMS equivalent, quartiles of the premium per\n"
    "weighted patient, the share of the premium held by the top 10% of practices;\n"
    "the same once MPIG has tapered away (GMS MPIG recycled into the GMS global sum\n"
    "pro rata weighted patients, PMS practices' own MPIG removed); Spearman's rho of\n"
    "premium per weighted patient with IMD 2015 with its verdict (correlation shown /\n"
    "no correlation as large as DELTA / inconclusive); and NHS England's \"Review of\n"
    "PMS contracts\" (February 2014) figures beside ours.";

static const char *epilog =
    "Examples:\n"
    "  pmsreview premium --prices 2013/14\n"
    "  pmsreview premium --prices 2013/14 --locality 11H --format json\n\n"
    "Practices left out (and why) are counted in the 'excluded' table: missing\n"
    "values, weighted patients <= 0, no core payment recorded, APMS, no locality.\n\n"
    "Exit status: 0 success; 1 usage error (a year without a rate); 2 bad input data.\n";

static const char *const defaults[] = {"nhs-payments/nhs-payments-gp-2014-15.csv",
                                       "practice-imd/practice-imd-fingertips-93553.csv", NULL};

typedef struct {
    const char *prices, *locality;
    pms_prem_opts o;
} premium_args;

static int parse_args(int argc, char **argv, pms_cli_common *c, premium_args *a)
{
    const pms_cli_opt opts[] = {
        {.name = "prices", .kind = PMS_ARG_TEXT, .to = &a->prices, .meta = "YEAR",
         .help = "global sum year, e.g. 2013/14 (66.25, the review's prices),\n"
                 "2014/15 (73.56, the default: the year of the payments) ...\n"
                 "2020/21 (93.46)"},
        {.name = "locality", .kind = PMS_ARG_TEXT, .to = &a->locality, .meta = "CODE",
         .help = "list this locality (ccg_code) first"},
        {.name = "equivalence", .kind = PMS_ARG_REAL, .to = &a->o.delta, .lo = 0, .hi = 1,
         .flags = PMS_ARG_LO_OPEN | PMS_ARG_HI_OPEN, .meta = "D",
         .help = "margin for 'no correlation as large as D' (default 0.1)"},
        PMS_CLI_OPTS_INPUT(c),
        PMS_CLI_OPT_FORMAT(c, "text (default), csv or json (money in pounds, two decimals)"),
        PMS_CLI_END};
    const pms_cli_spec spec = {"premium", about, epilog, 22, opts, NULL, NULL, 0};
    int rc = pms_cli_parse(&spec, argc, argv, &c->help);
    if (rc || c->help) return rc;
    if (a->prices) {
        int y;
        if (pms_sav_year_parse(a->prices, &y))
            return pms_cli_usage("premium", "--prices expects a year such as 2013/14, not '%s'",
                                 a->prices);
        if (isnan(pms_prem_gs_rate(y)))
            return pms_cli_usage("premium",
                                 "--prices %s: no global sum rate (years 2013/14 to 2020/21)",
                                 a->prices);
        a->o.prices_year = y;
    }
    return 0;
}

/* ------------------------------------------------------------ tables */

enum {
    G_LOC, G_NAME, G_PRAC, G_ABOVE, G_BELOW, G_TOTAL, G_PERW, G_Q1, G_MED, G_Q3, G_TOP10N,
    G_TOP10, G_AFTER, G_AFTERW, G_ABOVEA, G_BELOWA, G_NIMD, G_RHO, G_LO, G_HI, G_P, G_MINDET,
    G_TOST, G_VERDICT, G_N
};

/* The national summary and the locality table share their columns; the
 * summary has the prices first and no locality. */
static pms_out *group_table(const char *name, const char *title, int national, int *col,
                            const pms_prem_result *r, int *pcol)
{
    pms_out *o = pms_out_new(name, title);
    if (!o) return NULL;
    static const struct { const char *k; pms_outkind kind; int dec; } d[G_N] = {
        {"locality", PMS_OUT_TEXT, 0}, {"locality_name", PMS_OUT_TEXT, 0},
        {"pms_practices", PMS_OUT_INT, 0}, {"above_gms", PMS_OUT_INT, 0},
        {"below_gms", PMS_OUT_INT, 0}, {"premium_total", PMS_OUT_MONEY, 2},
        {"premium_per_weighted", PMS_OUT_REAL, 2}, {"q1_per_weighted", PMS_OUT_REAL, 2},
        {"median_per_weighted", PMS_OUT_REAL, 2}, {"q3_per_weighted", PMS_OUT_REAL, 2},
        {"top10pct_practices", PMS_OUT_INT, 0}, {"top10pct_share", PMS_OUT_PCT, 1},
        {"after_taper_total", PMS_OUT_MONEY, 2}, {"after_taper_per_weighted", PMS_OUT_REAL, 2},
        {"above_gms_after_taper", PMS_OUT_INT, 0}, {"below_gms_after_taper", PMS_OUT_INT, 0},
        {"imd_practices", PMS_OUT_INT, 0}, {"imd_rho", PMS_OUT_REAL, 3},
        {"imd_rho_ci_low", PMS_OUT_REAL, 3}, {"imd_rho_ci_high", PMS_OUT_REAL, 3},
        {"imd_p_value", PMS_OUT_REAL, 4}, {"imd_min_detectable", PMS_OUT_REAL, 3},
        {"imd_equivalence_p", PMS_OUT_REAL, 4}, {"imd_verdict", PMS_OUT_TEXT, 0}};
    if (national) {
        pcol[0] = pms_out_col(o, "prices", PMS_OUT_TEXT, 0);
        pcol[1] = pms_out_col(o, "gs_per_weighted", PMS_OUT_REAL, 2);
        pcol[2] = pms_out_col(o, "mpig_uplift_per_weighted", PMS_OUT_REAL, 4);
    }
    int bad = national && (pcol[0] < 0 || pcol[1] < 0 || pcol[2] < 0);
    for (int j = 0; j < G_N; j++) {
        col[j] = national && j <= G_NAME ? -1 : pms_out_col(o, d[j].k, d[j].kind, d[j].dec);
        if (col[j] < 0 && !(national && j <= G_NAME)) bad = 1;
    }
    if (bad) {
        pms_out_free(o);
        return NULL;
    }
    char yl[16];
    if (national) {
        pms_out_footnote(o, "GMS equivalent = weighted patients x %.2f (global sum per weighted "
                            "patient, %s); premium = global sum + MPIG + balance of PMS "
                            "expenditure - GMS equivalent.",
                         r->rate, pms_sav_year_label(r->prices_year, yl, sizeof yl));
        pms_out_footnote(o, "After the MPIG taper: the GMS practices' MPIG (%.0f pounds) "
                            "recycled into the GMS global sum, %.4f per weighted patient, added "
                            "to the GMS equivalent; PMS practices' own MPIG removed.",
                         (double)r->gms_mpig / 100.0, r->uplift_per_weighted);
        pms_out_footnote(o, "imd_rho: Spearman's rho of premium per weighted patient with IMD "
                            "2015 (positive = more premium in more deprived practices; the same "
                            "at any prices); verdict at the %.0f%% level, equivalence margin "
                            "%.2f, min_detectable at %.0f%% power.",
                         100 * r->alpha, r->delta, 100 * r->power);
    }
    return o;
}

static void set_group(pms_out *o, const int *col, const pms_prem_group *g, const pms_prem_result *r)
{
    pms_out_set_int(o, col[G_PRAC], (long long)g->practices);
    pms_out_set_int(o, col[G_ABOVE], (long long)g->above);
    pms_out_set_int(o, col[G_BELOW], (long long)g->below);
    pms_out_set_num(o, col[G_TOTAL], (double)g->premium / 100.0);
    pms_out_set_num(o, col[G_PERW], g->per_weighted);
    pms_out_set_num(o, col[G_Q1], g->q1);
    pms_out_set_num(o, col[G_MED], g->median);
    pms_out_set_num(o, col[G_Q3], g->q3);
    pms_out_set_int(o, col[G_TOP10N], (long long)g->top10_n);
    pms_out_set_num(o, col[G_TOP10], g->top10_share);
    pms_out_set_num(o, col[G_AFTER], (double)g->after / 100.0);
    pms_out_set_num(o, col[G_AFTERW], g->after_per_weighted);
    pms_out_set_int(o, col[G_ABOVEA], (long long)g->above_after);
    pms_out_set_int(o, col[G_BELOWA], (long long)g->below_after);
    pms_out_set_int(o, col[G_NIMD], (long long)g->n_imd);
    if (g->corr_status == PMS_OK) {
        char v[300];
        pms_out_set_num(o, col[G_RHO], g->corr.estimate);
        pms_out_set_num(o, col[G_LO], g->corr.ci_low);
        pms_out_set_num(o, col[G_HI], g->corr.ci_high);
        pms_out_set_num(o, col[G_P], g->corr.p_value);
        pms_out_set_num(o, col[G_MINDET], g->min_detectable);
        pms_out_set_num(o, col[G_TOST], g->tost_p);
        pms_corr_verdict_text(g->verdict, &g->corr, r->delta, g->min_detectable, r->power,
                              r->alpha, "practices", v, sizeof v);
        pms_out_set_text(o, col[G_VERDICT], v);
    } else {
        pms_out_set_text(o, col[G_VERDICT], g->corr_status == PMS_ETOOFEW
                                                ? "not computed: too few practices with IMD"
                                                : pms_strerror(g->corr_status));
    }
}

typedef struct {
    const char *code;
    size_t l;
} loc_key;

static int cmp_code(const void *a, const void *b)
{
    return strcmp(((const loc_key *)a)->code, ((const loc_key *)b)->code);
}

static int add_localities(pms_out *o, const int *col, const pms_prem_result *r,
                          const pms_sav_base *b, const char *const *names, const char *first,
                          int *found)
{
    loc_key *ord = malloc((r->nloc ? r->nloc : 1) * sizeof *ord);
    size_t m = 0;
    if (!ord) return -1;
    for (size_t l = 0; l < r->nloc; l++)
        if (r->loc[l].practices) ord[m++] = (loc_key){b->loc_name[l], l};
    qsort(ord, m, sizeof *ord, cmp_code);
    /* --locality leads */
    for (size_t k = 0; first && k < m; k++)
        if (!strcmp(ord[k].code, first)) {
            loc_key l = ord[k];
            memmove(ord + 1, ord, k * sizeof *ord);
            ord[0] = l;
            *found = 1;
            break;
        }
    /* the name of each locality: that of its first practice in the model */
    for (size_t k = 0; k < m; k++) {
        size_t l = ord[k].l;
        const char *nm = NULL;
        for (size_t i = 0; i < b->n && names && !nm; i++)
            if (b->loc[i] == l) nm = names[b->row[i]];
        if (pms_out_row(o)) {
            free(ord);
            return -1;
        }
        pms_out_set_text(o, col[G_LOC], b->loc_name[l]);
        pms_out_set_text(o, col[G_NAME], nm);
        set_group(o, col, &r->loc[l], r);
    }
    free(ord);
    return 0;
}

static pms_out *review_table(const pms_prem_result *r)
{
    pms_out *o = pms_out_new("review", "NHS England's review (Feb 2014) beside pmsreview");
    if (!o) return NULL;
    int c0 = pms_out_col(o, "figure", PMS_OUT_TEXT, 0), c1 = pms_out_col(o, "unit", PMS_OUT_TEXT, 0),
        c2 = pms_out_col(o, "nhs_england", PMS_OUT_MONEY, 2),
        c3 = pms_out_col(o, "pmsreview", PMS_OUT_MONEY, 2),
        c4 = pms_out_col(o, "difference", PMS_OUT_MONEY, 2),
        c5 = pms_out_col(o, "difference_pct", PMS_OUT_PCT, 1);
    if (c0 < 0 || c1 < 0 || c2 < 0 || c3 < 0 || c4 < 0 || c5 < 0) {
        pms_out_free(o);
        return NULL;
    }
    pms_prem_review_row rows[PMS_PREM_REVIEW_ROWS];
    pms_prem_review(r, rows);
    for (size_t i = 0; i < PMS_PREM_REVIEW_ROWS; i++) {
        if (pms_out_row(o)) {
            pms_out_free(o);
            return NULL;
        }
        pms_out_set_text(o, c0, rows[i].figure);
        pms_out_set_text(o, c1, rows[i].unit);
        pms_out_set_num(o, c2, rows[i].nhse);
        pms_out_set_num(o, c3, rows[i].ours);
        pms_out_set_num(o, c4, rows[i].ours - rows[i].nhse);
        pms_out_set_num(o, c5, (rows[i].ours - rows[i].nhse) / rows[i].nhse);
    }
    char yl[16];
    if (r->prices_year != 2013)
        pms_out_footnote(o, "Prices are %s: only --prices 2013/14 compares like with like.",
                         pms_sav_year_label(r->prices_year, yl, sizeof yl));
    pms_out_footnote(o, "NHS England, Review of PMS contracts (February 2014, gateway 01091), "
                        "from area teams' contract returns at 1 April 2013. Why the figures "
                        "differ: %s.", rows[0].why);
    return o;
}

static pms_out *excluded_table(const pms_sav_base *b, pms_table *t)
{
    pms_out *o = pms_savings_out_excluded(b, "Practices left out");
    if (!o) return NULL;
    pms_sav_exclusion ex[PMS_SAV_NEXCLUSIONS];
    pms_sav_exclusions(b, ex);
    for (size_t i = 0; i < PMS_SAV_NEXCLUSIONS; i++)
        if (ex[i].n)
            pms_table_note(t, "premium_excluded", ex[i].n, "premium: %zu practices left out: %s",
                           ex[i].n, ex[i].why);
    pms_out_footnote(o, "%zu GMS and %zu PMS practices in the model (GMS practices give the MPIG "
                        "recycled after the taper). Practices without a core payment are left "
                        "out rather than counted as a premium of minus their whole GMS "
                        "equivalent: their core money is paid under other headings.",
                     b->n_gms, b->n_pms);
    return o;
}

int pms_cmd_premium(int argc, char **argv)
{
    pms_cli_common c;
    pms_cli_common_init(&c, "premium", argc, argv);
    premium_args a;
    memset(&a, 0, sizeof a);
    pms_prem_opts_default(&a.o);
    int rc = parse_args(argc, argv, &c, &a);
    if (rc || c.help) return rc;
    pms_err err = {{0}};
    pms_status st = PMS_OK;
    pms_table *t = NULL;
    pms_sav_base b;
    memset(&b, 0, sizeof b);
    pms_prem_result r;
    memset(&r, 0, sizeof r);
    pms_out *sum = NULL, *loc = NULL, *rev = NULL, *ex = NULL;
    int scol[G_N], lcol[G_N], pcol[3], found = 0;
    const char *const *names = NULL;

    if ((rc = pms_cli_open_data(&c, defaults, &t))) goto done;
    pms_sav_data d;
    memset(&d, 0, sizeof d);
    d.n = t->nrows;
    const char *const *ct = NULL, *const *lc = NULL;
    if ((st = pms_table_numeric(t, "global_sum", &d.global_sum, &err)) ||
        (st = pms_table_numeric(t, "mpig", &d.mpig, &err)) ||
        (st = pms_table_numeric(t, "pms_balance", &d.pms_balance, &err)) ||
        (st = pms_table_numeric(t, "weighted_patients", &d.weighted, &err)) ||
        (st = pms_table_text(t, "contract_type", &ct, &err)) ||
        (st = pms_table_text(t, "ccg_code", &lc, &err)))
        goto fail;
    if (pms_table_col(t, "ccg_name") && (st = pms_table_text(t, "ccg_name", &names, &err)))
        goto fail;
    if (pms_table_col(t, "imd2015") && (st = pms_table_numeric(t, "imd2015", &d.imd, &err)))
        goto fail;
    d.contract = ct;
    d.locality = lc;
    pms_sav_settings s;
    pms_sav_settings_default(&s);
    if ((st = pms_sav_prepare(&d, &s, &b, &err))) goto fail;
    if ((st = pms_prem_compute(&b, &a.o, &r, &err))) goto fail;
    if (r.national.n_imd < r.n)
        pms_table_note(t, "premium_no_imd", r.n - r.national.n_imd,
                       "premium: %zu PMS practices have no IMD 2015 score: left out of the "
                       "correlation only",
                       r.n - r.national.n_imd);

    char yl[16];
    if (!(sum = group_table("summary", "PMS premium, England (money in pounds)", 1, scol, &r, pcol)) ||
        !(loc = group_table("localities", "PMS premium by locality (CCG; money in pounds)", 0, lcol,
                            &r, NULL)) ||
        !(rev = review_table(&r)) || !(ex = excluded_table(&b, t)))
        goto nomem;
    if (pms_out_row(sum)) goto nomem;
    pms_out_set_text(sum, pcol[0], pms_sav_year_label(r.prices_year, yl, sizeof yl));
    pms_out_set_num(sum, pcol[1], r.rate);
    pms_out_set_num(sum, pcol[2], r.uplift_per_weighted);
    set_group(sum, scol, &r.national, &r);
    if (add_localities(loc, lcol, &r, &b, names, a.locality, &found)) goto nomem;
    if (a.locality && !found) {
        rc = pms_cli_usage("premium", "--locality %s: no PMS practice in the model has that "
                                      "ccg_code",
                           a.locality);
        goto done;
    }
    pms_out *tabs[] = {sum, rev, loc, ex};
    rc = pms_cli_emit(&c, tabs, 4, t);
    goto done;

nomem:
    st = pms_err_set(&err, PMS_ENOMEM, "out of memory");
fail:
    rc = pms_cli_fail(st, &err);
done:
    pms_out_free(sum);
    pms_out_free(loc);
    pms_out_free(rev);
    pms_out_free(ex);
    pms_prem_result_free(&r);
    pms_sav_base_free(&b);
    pms_table_free(t);
    return rc;
}
