/* Report section: does the conclusion depend on the income measure or on the
 * practice rules?  For each of total payments, less dispensing, less
 * dispensing and premises, and core payments (per weighted patient), with and
 * without the rules: the national and locality Spearman rho with deprivation,
 * the Gini coefficient and the concentration index against deprivation. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/concentration.h"
#include "analysis/correlate.h"
#include "analysis/inequality.h"
#include "io/cases.h"
#include "report/report.h"

#define SHEET "Sensitivity"
#define MIN_LOC 10 /* practices a locality needs for its own correlation (as Correlations) */

static const struct {
    const char *col, *label;
} measures[4] = {
    {"payments_per_weighted", "total NHS payments"},
    {"payments_less_dispensing_per_weighted", "less dispensing"},
    {"payments_less_dispensing_premises_per_weighted", "less dispensing and premises"},
    {"core_per_weighted", "core payments (global sum + MPIG + PMS baseline)"},
};

typedef struct {
    pms_corr_result nat, loc;
    int nat_ok, loc_ok;
    double gini, conc;
    size_t n;
} sens_row;

/* "negative", "positive" or "no clear sign" from the interval. */
static const char *sign_of(const sens_row *s)
{
    if (!s->nat_ok) return "not computed";
    return s->nat.ci_high < 0 ? "negative" : s->nat.ci_low > 0 ? "positive" : "no clear sign";
}

/* The complete cases of `cols` (the selection step, io/cases.h), within
 * the rows flagged in keep (NULL: all). */
static pms_status cases_of(const pms_table *t, pms_case_col *cols, size_t ncols,
                           const unsigned char *keep, pms_cases *cs, pms_err *err)
{
    pms_cases_spec sp;
    pms_cases_spec_default(&sp);
    sp.cols = cols;
    sp.ncols = ncols;
    sp.keep = keep;
    return pms_cases_select(t, &sp, cs, err);
}

static pms_status one_row(pms_report_ctx *r, const pms_table *t, const char *col, sens_row *out,
                          pms_err *err)
{
    memset(out, 0, sizeof *out);
    out->gini = out->conc = NAN;
    size_t n = t->nrows;
    unsigned char *loc = malloc(n ? n : 1);
    if (!loc) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    pms_report_locality_rows(r, t, loc);
    pms_corr_opts o;
    pms_corr_opts_default(&o);
    o.method = PMS_CORR_SPEARMAN;
    o.ci_level = r->ci_level;
    pms_err e2;
    pms_case_col rc[2] = {{r->deprivation, NULL, "x", 0, PMS_CASE_NUMBER},
                          {col, NULL, "y", 0, PMS_CASE_NUMBER}};
    pms_status st = PMS_OK;
    for (int scope = 0; scope < 2 && !st; scope++) {
        pms_cases cs;
        if ((st = cases_of(t, rc, 2, scope ? loc : NULL, &cs, err))) break;
        if (scope == 0) out->n = cs.n;
        if (scope == 0 || cs.n >= MIN_LOC) {
            int ok = pms_corr_test(cs.col[0], cs.col[1], NULL, cs.n, &o,
                                   scope ? &out->loc : &out->nat, &e2) == PMS_OK;
            if (scope) out->loc_ok = ok;
            else out->nat_ok = ok;
        }
        pms_cases_free(&cs);
    }
    free(loc);
    /* Gini and concentration: positive amounts, weighted by weighted patients. */
    pms_case_col gc[3] = {{col, NULL, "value", 0, PMS_CASE_POSITIVE},
                          {"weighted_patients", NULL, "weight", 0, PMS_CASE_POSITIVE},
                          {r->deprivation, NULL, "rank", 0, PMS_CASE_NUMBER}};
    pms_cases cs;
    if (!st && !(st = cases_of(t, gc, 3, NULL, &cs, err))) {
        if (cs.n >= 2) {
            if (pms_ineq_gini(cs.col[0], cs.col[1], cs.n, &out->gini, &e2)) out->gini = NAN;
            if (pms_conc_index(cs.col[0], cs.col[1], cs.col[2], cs.n, PMS_RANK_DESCENDING,
                               &out->conc, &e2))
                out->conc = NAN;
        }
        pms_cases_free(&cs);
    }
    return st;
}

static void put_row(pms_out *o, const int *k, const char *measure, const char *col,
                    const char *rules, const sens_row *s)
{
    pms_out_row(o);
    pms_out_set_text(o, k[0], measure);
    pms_out_set_text(o, k[1], col);
    pms_out_set_text(o, k[2], rules);
    pms_out_set_int(o, k[3], (long long)s->n);
    if (s->nat_ok) {
        pms_out_set_num(o, k[4], s->nat.estimate);
        pms_out_set_num(o, k[5], s->nat.ci_low);
        pms_out_set_num(o, k[6], s->nat.ci_high);
    }
    if (s->loc_ok) {
        pms_out_set_int(o, k[7], (long long)s->loc.n);
        pms_out_set_num(o, k[8], s->loc.estimate);
        pms_out_set_num(o, k[9], s->loc.ci_low);
        pms_out_set_num(o, k[10], s->loc.ci_high);
    }
    pms_out_set_num(o, k[11], s->gini);
    pms_out_set_num(o, k[12], s->conc);
    pms_out_set_text(o, k[13], sign_of(s));
}

static void say(pms_report_ctx *r, const sens_row rows[2][4])
{
    int same = 1, rules_same = 1;
    for (int m = 1; m < 4; m++) same &= !strcmp(sign_of(&rows[0][m]), sign_of(&rows[0][0]));
    for (int m = 0; m < 4; m++) rules_same &= !strcmp(sign_of(&rows[0][m]), sign_of(&rows[1][m]));
    double lo = INFINITY, hi = -INFINITY;
    for (int m = 0; m < 4; m++)
        if (rows[0][m].nat_ok) lo = fmin(lo, rows[0][m].nat.estimate), hi = fmax(hi, rows[0][m].nat.estimate);
    if (same)
        pms_report_say(r, PMS_SAY_ENGLAND,
                       "What counts as income does not change England's answer: the rank "
                       "correlation with deprivation is %s for every income measure (total, "
                       "less dispensing, less dispensing and premises, core; %.2f to %.2f).",
                       sign_of(&rows[0][0]), lo, hi);
    else
        pms_report_say(r, PMS_SAY_ENGLAND,
                       "What counts as income changes England's answer: the rank correlation "
                       "with deprivation is %s for total payments (%.2f), %s for payments less "
                       "dispensing (%.2f), %s for payments less dispensing and premises (%.2f) "
                       "and %s for core payments (%.2f).",
                       sign_of(&rows[0][0]), rows[0][0].nat.estimate, sign_of(&rows[0][1]),
                       rows[0][1].nat.estimate, sign_of(&rows[0][2]), rows[0][2].nat.estimate,
                       sign_of(&rows[0][3]), rows[0][3].nat.estimate);
    pms_report_say(r, PMS_SAY_DETAIL,
                   "Without the practice rules the sign of the national correlation %s "
                   "(total payments: rho %.3f with the rules, %.3f without).",
                   rules_same ? "is the same for every measure" : "changes for at least one measure",
                   rows[0][0].nat.estimate, rows[1][0].nat.estimate);
}

pms_status pms_report_sensitivity(pms_report_ctx *r, pms_err *err)
{
    pms_out *o = pms_out_new("sensitivity", "Does the conclusion depend on the income measure "
                                            "or on the practice rules?");
    pms_status st = PMS_OK;
    if (!o) st = pms_err_set(err, PMS_ENOMEM, "out of memory");
    static const char *const names[14] = {
        "measure", "column", "practice_rules", "practices", "rho_england", "rho_low", "rho_high",
        "locality_practices", "rho_locality", "rho_locality_low", "rho_locality_high", "gini",
        "concentration_index", "national_sign"};
    static const pms_outkind types[14] = {PMS_OUT_TEXT, PMS_OUT_TEXT, PMS_OUT_TEXT, PMS_OUT_INT,
                                           PMS_OUT_REAL, PMS_OUT_REAL, PMS_OUT_REAL, PMS_OUT_INT,
                                           PMS_OUT_REAL, PMS_OUT_REAL, PMS_OUT_REAL, PMS_OUT_REAL,
                                           PMS_OUT_REAL, PMS_OUT_TEXT};
    int k[14];
    for (int j = 0; j < 14 && !st; j++) k[j] = pms_out_col(o, names[j], types[j], 4);
    sens_row rows[2][4];
    for (int rules = 0; rules < 2 && !st; rules++)
        for (int m = 0; m < 4 && !st; m++) {
            st = one_row(r, rules ? r->all : r->main, measures[m].col, &rows[rules][m], err);
            if (!st)
                put_row(o, k, measures[m].label, measures[m].col,
                        rules ? "none (every practice)" : "applied", &rows[rules][m]);
        }
    if (!st) {
        pms_out_footnote(o, "Spearman's rho with %s (%.0f%% Bonett-Wright interval); the locality "
                            "is %s's base-year practices (not computed below %d). Gini and the "
                            "concentration index (most deprived first; < 0: more to the more "
                            "deprived) weight practices by weighted patients and use positive "
                            "amounts only.",
                         r->deprivation, 100 * r->ci_level, pms_report_locality(r), MIN_LOC);
        pms_out *tabs[1] = {o};
        st = pms_report_add_tables(r, SHEET, tabs, 1, NULL, err);
    }
    if (!st) {
        say(r, (const sens_row(*)[4])rows);
        pms_report_method(r, "Sensitivity: the national and locality Spearman correlations, Gini "
                             "and concentration index recomputed for four income measures per "
                             "weighted patient, with and without the practice rules; the sign of "
                             "the national correlation is 'negative' or 'positive' when its "
                             "interval excludes 0.");
    }
    pms_out_free(o);
    return st;
}
