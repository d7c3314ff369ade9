/* pmsreview savings: PMS review scenarios year by year: money released,
 * reinvested and saved, who loses and gains, locality totals, the practice
 * schedule, the fairness of core funding after each year, the review's five
 * criteria, and parameter sweeps. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/savings.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "io/scenario.h"
#include "io/sha256.h"

static const char *help =
    "Usage: pmsreview savings [--scenarios FILE.ini] [--scenario NAME]...\n"
    "                         [--sweep PARAM=FROM:TO:STEP] [--detail years|localities|all]\n"
    "                         [--data FILE]... [--where 'COL OP VALUE']... [--derive 'N=EXPR']...\n"
    "                         [--format text|csv|json]\n\n"
    "Model the PMS contract review: for each scenario and year, the PMS premium\n"
    "released, reinvested and saved (released = reinvested + net saving, to the\n"
    "penny), practices losing and gaining core funding, losing more than 5% and\n"
    "10% of it, the largest loss; totals per locality; each practice's core funding\n"
    "year by year; the fairness of core funding per weighted patient after each\n"
    "year beside the starting values (Gini, between- and within-locality Theil T,\n"
    "concentration index against IMD 2015); and a check against the review's five\n"
    "criteria.\n\n"
    "Core funding = global sum + MPIG + balance of PMS expenditure (2014/15 payments).\n"
    "A PMS practice's premium in a year = core funding - weighted patients x the\n"
    "global sum per weighted patient of that year. GMS MPIG falls by a seventh of\n"
    "its 2013/14 value each year. APMS practices are out of scope. Money is kept in\n"
    "whole pence and shared out by largest remainder.\n\n"
    "Options:\n"
    "  --scenarios FILE    scenario file (INI); default datasets/pms-review-scenarios.ini\n"
    "  --scenario NAME     run only this scenario (repeatable)\n"
    "  --sweep P=A:B:S     run one scenario for P = A, A+S, ..., B and tabulate savings\n"
    "                      against practices losing > 5% and the Gini after. P is target,\n"
    "                      cap, percent, retention, protect_pct or protect_per_wp.\n"
    "                      Without --scenario the first scenario using P is swept\n"
    "  --detail LEVEL      years (years, scenarios, criteria), localities (and locality\n"
    "                      totals) or all (and every practice's schedule: for England\n"
    "                      about 220,000 rows, so narrow it with --where). Default:\n"
    "                      localities in text, all in CSV and JSON\n"
    "  --data FILE         input CSV (repeatable; the first is the practice table, others\n"
    "                      are joined on practice code). Default: 2014/15 payments + IMD\n"
    "  --where 'C OP V'    keep rows where column C compares to V (= != < <= > >=)\n"
    "  --derive 'N=EXPR'   add column N computed from others\n"
    "  --format FMT        text (default), csv or json (money in pounds, two decimals)\n"
    "  --threads N         threads for --sweep (0 = all CPUs; results do not depend on it)\n"
    "  --help              this help\n\n"
    "Examples:\n"
    "  pmsreview savings --where 'ccg_code = 11H' --detail localities\n"
    "  pmsreview savings --scenario glidepath4_gms_weighted --format json\n"
    "  pmsreview savings --sweep cap=0:30:0.5 --scenario cap5 --format csv\n\n"
    "Scenario files: see datasets/pms-review-scenarios.ini; every mistake in one is\n"
    "reported as FILE:LINE: message and nothing is written.\n\n"
    "Exit status: 0 success; 1 usage error, or a scenario that does not fit the data\n"
    "(a year without a global sum rate, a missing column); 2 bad input data or a\n"
    "malformed scenario file.\n";

static const char *const defaults[] = {"nhs-payments/nhs-payments-gp-2014-15.csv",
                                       "practice-imd/practice-imd-fingertips-93553.csv", NULL};

enum { OPT_SCENARIOS = PMS_OPT_FIRST_COMMAND_SPECIFIC, OPT_SCENARIO, OPT_SWEEP, OPT_DETAIL };
enum { DETAIL_YEARS = 0, DETAIL_LOCALITIES, DETAIL_ALL };

#define MAXSEL 64

typedef struct {
    const char *scenarios;
    const char *sel[MAXSEL];
    size_t nsel;
    const char *sweep;
    int sweep_param;
    double from, to, step;
    size_t npoints;
    int detail;
} savings_args;

static int parse_sweep(savings_args *a, const char *s)
{
    const char *eq = strchr(s, '=');
    char name[64];
    if (!eq || (size_t)(eq - s) >= sizeof name)
        return pms_cli_usage("savings", "--sweep expects PARAM=FROM:TO:STEP, not '%s'", s);
    memcpy(name, s, (size_t)(eq - s));
    name[eq - s] = 0;
    a->sweep_param = pms_sav_param_parse(name);
    if (a->sweep_param < 0)
        return pms_cli_usage("savings",
                             "--sweep: unknown parameter '%s' (target, cap, percent, retention, "
                             "protect_pct or protect_per_wp)",
                             name);
    double v[3];
    const char *p = eq + 1;
    for (int i = 0; i < 3; i++) {
        char *end;
        errno = 0;
        v[i] = strtod(p, &end);
        if (end == p || errno || !isfinite(v[i]) || (i < 2 ? *end != ':' : *end != 0))
            return pms_cli_usage("savings", "--sweep expects PARAM=FROM:TO:STEP, not '%s'", s);
        p = end + 1;
    }
    if (v[0] < 0 || v[1] < v[0] || !(v[2] > 0))
        return pms_cli_usage("savings", "--sweep needs 0 <= FROM <= TO and STEP > 0, not '%s'", s);
    double np = floor((v[1] - v[0]) / v[2] * (1 + 1e-12) + 1e-9) + 1;
    if (np > 100000)
        return pms_cli_usage("savings", "--sweep would run %.0f points (at most 100000)", np);
    a->from = v[0];
    a->to = v[1];
    a->step = v[2];
    a->npoints = (size_t)np;
    a->sweep = s;
    return 0;
}

static int parse_args(int argc, char **argv, pms_cli_common *c, savings_args *a)
{
    static const struct option opts[] = {PMS_COMMON_LONG_OPTIONS,
                                         {"scenarios", required_argument, NULL, OPT_SCENARIOS},
                                         {"scenario", required_argument, NULL, OPT_SCENARIO},
                                         {"sweep", required_argument, NULL, OPT_SWEEP},
                                         {"detail", required_argument, NULL, OPT_DETAIL},
                                         {NULL, 0, NULL, 0}};
    int opt, rc;
    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        int r = pms_cli_common_opt(c, opt, optarg);
        if (r < 0) return PMS_EXIT_USAGE;
        if (r > 0) continue;
        switch (opt) {
        case OPT_SCENARIOS:
            if ((rc = pms_cli_once("savings", &a->scenarios, optarg, "--scenarios"))) return rc;
            break;
        case OPT_SCENARIO:
            if (a->nsel == MAXSEL) return pms_cli_usage("savings", "too many --scenario options");
            a->sel[a->nsel++] = optarg;
            break;
        case OPT_SWEEP:
            if (a->sweep) return pms_cli_usage("savings", "--sweep given twice");
            if ((rc = parse_sweep(a, optarg))) return rc;
            break;
        case OPT_DETAIL:
            if (!strcmp(optarg, "years")) a->detail = DETAIL_YEARS;
            else if (!strcmp(optarg, "localities")) a->detail = DETAIL_LOCALITIES;
            else if (!strcmp(optarg, "all")) a->detail = DETAIL_ALL;
            else
                return pms_cli_usage("savings",
                                     "--detail expects years, localities or all, not '%s'", optarg);
            break;
        default: return pms_cli_bad_option("savings", opts, optopt, argv[optind - 1]);
        }
    }
    if (c->help) return 0;
    if (optind < argc) return pms_cli_usage("savings", "unexpected argument '%s'", argv[optind]);
    if (a->sweep && a->nsel > 1)
        return pms_cli_usage("savings", "--sweep runs one scenario: give at most one --scenario");
    return 0;
}

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

static int check_cols(pms_out *o, const int *cols, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (cols[i] < 0) return -1;
    (void)o;
    return 0;
}

enum {
    Y_SCEN, Y_YEAR, Y_EXT, Y_REL, Y_RELNEW, Y_REINV, Y_NET, Y_TARGET, Y_MPIG, Y_CORE, Y_LOSE,
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
    if (check_cols(o, col, Y_N) || (fair && check_cols(fo, fcol, 2))) {
        pms_out_free(o);
        if (fair) pms_out_free(*fair), *fair = NULL;
        return NULL;
    }
    pms_out_footnote(o, "released: premium withheld in the year compared with no review "
                        "(recurrent, so it accumulates); released_new: the increase on the year "
                        "before; net_saving = released - reinvested.");
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
    if (l < cap && s->retention_column[0])
        l += (size_t)snprintf(buf + l, cap - l, "; '%s' practices keep %.2f/wp more",
                              s->retention_column, s->retention);
    if (l < cap && s->protect_pct > 0)
        l += (size_t)snprintf(buf + l, cap - l, "; loss <= %g%% a year", s->protect_pct);
    if (l < cap && s->protect_per_wp > 0)
        l += (size_t)snprintf(buf + l, cap - l, "; loss <= %.2f/wp a year", s->protect_per_wp);
}

enum { S_SCEN, S_DESC, S_RULE, S_START, S_YEARS, S_EXT, S_END, S_REINV, S_SCOPE, S_PRAC, S_PMS,
       S_RELF, S_REINVF, S_NETF, S_NETC, S_UNP, S_UN, S_N };

static pms_out *scen_table(int *col)
{
    pms_out *o = pms_out_new("scenarios", "Scenarios (final year; money in pounds)");
    if (!o) return NULL;
    static const struct { const char *k; pms_outkind kind; } d[S_N] = {
        {"scenario", PMS_OUT_TEXT}, {"description", PMS_OUT_TEXT}, {"rule", PMS_OUT_TEXT},
        {"start_year", PMS_OUT_TEXT}, {"years", PMS_OUT_INT}, {"extension_years", PMS_OUT_INT},
        {"last_year", PMS_OUT_TEXT}, {"reinvest", PMS_OUT_TEXT}, {"scope", PMS_OUT_TEXT},
        {"practices", PMS_OUT_INT}, {"pms_practices", PMS_OUT_INT},
        {"released_final", PMS_OUT_MONEY}, {"reinvested_final", PMS_OUT_MONEY},
        {"net_saving_final", PMS_OUT_MONEY}, {"net_saving_cumulative", PMS_OUT_MONEY},
        {"unmet_practices", PMS_OUT_INT}, {"unmet", PMS_OUT_MONEY}};
    for (int j = 0; j < S_N; j++) col[j] = pms_out_col(o, d[j].k, d[j].kind, 2);
    if (check_cols(o, col, S_N)) {
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
    pms_out_set_text(o, col[S_DESC], s->description);
    pms_out_set_text(o, col[S_RULE], rule);
    pms_out_set_text(o, col[S_START], pms_sav_year_label(s->start_year, y1, sizeof y1));
    pms_out_set_int(o, col[S_YEARS], s->years);
    pms_out_set_int(o, col[S_EXT], r->extension_years);
    pms_out_set_text(o, col[S_END], pms_sav_year_label(last->year, y2, sizeof y2));
    pms_out_set_text(o, col[S_REINV], pms_sav_reinvest_name(s->reinvest));
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
    if (check_cols(o, col, C_N)) {
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
    char read3[160];
    snprintf(read3, sizeof read3, "%zu of %zu practices can receive reinvestment (%s)",
             r->scenario.reinvest == PMS_REINVEST_NONE ? (size_t)0 : last->eligible, b->n,
             pms_sav_reinvest_name(r->scenario.reinvest));
    if (crit_row(o, col, s, 1, "Services beyond core: the reinvestment secures services that "
                               "add value for patients",
                 "local evidence", "", NAN, NAN, "needs the CCG's service specifications") ||
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

enum { L_SCEN, L_YEAR, L_LOC, L_PRAC, L_BASE, L_CORE, L_CHG, L_REL, L_REINV, L_NET, L_N };

static pms_out *loc_table(int *col)
{
    pms_out *o = pms_out_new("localities", "Localities by scenario and year (money in pounds)");
    if (!o) return NULL;
    static const struct { const char *k; pms_outkind kind; } d[L_N] = {
        {"scenario", PMS_OUT_TEXT}, {"year", PMS_OUT_TEXT}, {"locality", PMS_OUT_TEXT},
        {"practices", PMS_OUT_INT}, {"core_base", PMS_OUT_MONEY}, {"core", PMS_OUT_MONEY},
        {"change_from_base", PMS_OUT_MONEY}, {"released", PMS_OUT_MONEY},
        {"reinvested", PMS_OUT_MONEY}, {"net_saving", PMS_OUT_MONEY}};
    for (int j = 0; j < L_N; j++) col[j] = pms_out_col(o, d[j].k, d[j].kind, 2);
    if (check_cols(o, col, L_N)) {
        pms_out_free(o);
        return NULL;
    }
    return o;
}

static int add_loc(pms_out *o, const int *col, const pms_sav_result *r, const pms_sav_base *b)
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
    if (check_cols(o, col, P_N)) {
        pms_out_free(o);
        return NULL;
    }
    pms_out_footnote(o, "change and change_pct against the year before; reduction = premium "
                        "withheld, reinvestment = share of what was released.");
    return o;
}

static int add_prac(pms_out *o, const int *col, const pms_sav_result *r, const pms_sav_base *b,
                    const pms_table *t)
{
    const char *const *codes = NULL, *const *names = NULL;
    pms_err e;
    pms_table_text(t, "practice_code", &codes, &e);
    if (pms_table_col(t, "practice_name")) pms_table_text(t, "practice_name", &names, &e);
    char yl[16];
    size_t n = r->n;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < r->nyears; k++) {
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
    if (check_cols(o, col, W_N)) {
        pms_out_free(o);
        return NULL;
    }
    pms_out_footnote(o, "_final: the last year (including any extension); losing_over_5pct/10pct "
                        "count practices losing that share of core funding in at least one year.");
    return o;
}

/* ------------------------------------------------------------- main */

static void note_exclusions(pms_table *t, const pms_sav_base *b)
{
    struct { size_t n; const char *what, *why; } ex[] = {
        {b->excluded_missing, "savings_missing", "global sum, MPIG, PMS balance or weighted patients missing"},
        {b->excluded_weighted, "savings_weighted", "weighted patients <= 0"},
        {b->excluded_core, "savings_no_core", "no core funding recorded (global sum + MPIG + PMS balance <= 0)"},
        {b->excluded_contract, "savings_contract", "APMS or other contract (out of scope)"},
        {b->excluded_locality, "savings_locality", "no locality code"}};
    for (size_t i = 0; i < sizeof ex / sizeof ex[0]; i++)
        if (ex[i].n)
            pms_table_note(t, ex[i].what, ex[i].n, "savings: %zu practices excluded: %s", ex[i].n,
                           ex[i].why);
    if (b->n_imd < b->n)
        pms_table_note(t, "savings_no_imd", b->n - b->n_imd,
                       "savings: %zu practices have no IMD 2015 score: left out of the "
                       "concentration index and of deprivation reinvestment",
                       b->n - b->n_imd);
}

static pms_out *excluded_table(const pms_sav_base *b)
{
    pms_out *o = pms_out_new("excluded", "Practices excluded from the model");
    if (!o) return NULL;
    int cr = pms_out_col(o, "reason", PMS_OUT_TEXT, 0), cn = pms_out_col(o, "practices", PMS_OUT_INT, 0);
    if (cr < 0 || cn < 0) {
        pms_out_free(o);
        return NULL;
    }
    struct { size_t n; const char *why; } ex[] = {
        {b->excluded_missing, "global sum, MPIG, PMS balance or weighted patients missing"},
        {b->excluded_weighted, "weighted patients <= 0"},
        {b->excluded_core, "no core funding recorded"},
        {b->excluded_contract, "APMS or other contract (out of scope)"},
        {b->excluded_locality, "no locality code"}};
    for (size_t i = 0; i < sizeof ex / sizeof ex[0]; i++) {
        if (pms_out_row(o)) break;
        pms_out_set_text(o, cr, ex[i].why);
        pms_out_set_int(o, cn, (long long)ex[i].n);
    }
    pms_out_footnote(o, "%zu practices modelled (%zu GMS, %zu PMS); %zu have an IMD 2015 score.",
                     b->n, b->n_gms, b->n_pms, b->n_imd);
    return o;
}

static int pick_sweep_scenario(const savings_args *a, const pms_scenario_file *f)
{
    if (a->nsel == 1) return pms_scenario_find(f, a->sel[0]);
    pms_sav_method want = a->sweep_param == PMS_SWEEP_TARGET    ? PMS_SAV_GLIDEPATH
                          : a->sweep_param == PMS_SWEEP_CAP     ? PMS_SAV_CAP
                          : a->sweep_param == PMS_SWEEP_PERCENT ? PMS_SAV_PERCENT
                                                                : PMS_SAV_NONE;
    for (size_t i = 0; i < f->n; i++)
        if (want == PMS_SAV_NONE ? f->s[i].method != PMS_SAV_NONE : f->s[i].method == want)
            return (int)i;
    return -1;
}

int pms_cmd_savings(int argc, char **argv)
{
    pms_cli_common c;
    pms_cli_common_init(&c, "savings", argc, argv);
    savings_args a;
    memset(&a, 0, sizeof a);
    a.detail = -1;
    int rc = parse_args(argc, argv, &c, &a);
    /* Text is read on a screen or pasted into a paper: every practice's schedule
     * for England would bury the answer, so it is asked for explicitly there. */
    if (a.detail < 0) a.detail = c.format == PMS_FMT_TEXT ? DETAIL_LOCALITIES : DETAIL_ALL;
    if (rc || c.help) {
        if (!rc) {
            fputs(help, stdout);
            rc = pms_cli_stdout_done();
        }
        return rc;
    }

    pms_err err = {{0}};
    pms_status st = PMS_OK;
    pms_scenario_file *sf = NULL;
    pms_table *t = NULL;
    pms_sav_base b;
    memset(&b, 0, sizeof b);
    pms_sav_ws *ws = NULL;
    pms_sav_result r;
    memset(&r, 0, sizeof r);
    outs o = {0};
    unsigned char *flags = NULL;
    const char **loc = NULL, **ccg = NULL, **reg = NULL;
    int ycol[Y_N], scol[S_N], ccol[C_N], lcol[L_N], pcol[P_N], wcol[W_N];
    pms_out *ex = NULL;
    char spath[1100];
    double *values = NULL;
    pms_sav_sweep_row *rows = NULL;

    if (!a.scenarios) {
        snprintf(spath, sizeof spath, "%s/pms-review-scenarios.ini", pms_cli_datasets_dir());
        a.scenarios = spath;
    }
    if ((st = pms_scenario_load(a.scenarios, &sf, &err))) goto fail;
    int run[MAXSEL], nrun = 0;
    if (a.sweep) {
        int k = pick_sweep_scenario(&a, sf);
        if (k < 0) {
            rc = a.nsel ? pms_cli_usage("savings", "no scenario '%s' in %s", a.sel[0], a.scenarios)
                        : pms_cli_usage("savings",
                                        "--sweep %s: no scenario in %s uses it (name one with "
                                        "--scenario)",
                                        pms_sav_param_name((pms_sav_param)a.sweep_param),
                                        a.scenarios);
            goto done;
        }
        pms_sav_method m = sf->s[k].method;
        if ((a.sweep_param == PMS_SWEEP_TARGET && m != PMS_SAV_GLIDEPATH) ||
            (a.sweep_param == PMS_SWEEP_CAP && m != PMS_SAV_CAP) ||
            (a.sweep_param == PMS_SWEEP_PERCENT && m != PMS_SAV_PERCENT) ||
            (a.sweep_param == PMS_SWEEP_RETENTION && !sf->s[k].retention_column[0])) {
            rc = pms_cli_usage("savings", "--sweep %s does not apply to scenario '%s' (method %s%s)",
                               pms_sav_param_name((pms_sav_param)a.sweep_param), sf->s[k].name,
                               pms_sav_method_name(m),
                               a.sweep_param == PMS_SWEEP_RETENTION ? ", no retention_column" : "");
            goto done;
        }
        run[nrun++] = k;
    } else if (a.nsel) {
        for (size_t i = 0; i < a.nsel; i++) {
            int k = pms_scenario_find(sf, a.sel[i]);
            if (k < 0) {
                rc = pms_cli_usage("savings", "no scenario '%s' in %s", a.sel[i], a.scenarios);
                goto done;
            }
            run[nrun++] = k;
        }
    } else {
        for (size_t i = 0; i < sf->n && nrun < MAXSEL; i++) run[nrun++] = (int)i;
    }

    if ((rc = pms_cli_open_data(&c, defaults, &t))) goto done;

    /* Columns. */
    pms_sav_data d;
    memset(&d, 0, sizeof d);
    d.n = t->nrows;
    const char *const *ct = NULL, *const *lc = NULL, *const *cc = NULL, *const *rg = NULL;
    if ((st = pms_table_numeric(t, "global_sum", &d.global_sum, &err)) ||
        (st = pms_table_numeric(t, "mpig", &d.mpig, &err)) ||
        (st = pms_table_numeric(t, "pms_balance", &d.pms_balance, &err)) ||
        (st = pms_table_numeric(t, "weighted_patients", &d.weighted, &err)) ||
        (st = pms_table_text(t, "contract_type", &ct, &err)) ||
        (st = pms_table_text(t, "practice_code", &cc, &err)))
        goto fail;
    if (!pms_table_col(t, sf->locality)) {
        st = sf->line_locality
                 ? pms_err_set(&err, PMS_ENOTFOUND, "%s:%d: locality column '%s' is not in the data",
                               sf->path, sf->line_locality, sf->locality)
                 : pms_err_set(&err, PMS_ENOTFOUND,
                               "the data has no '%s' column (the default locality; set locality "
                               "in [model] of %s)",
                               sf->locality, sf->path);
        goto fail;
    }
    if ((st = pms_table_text(t, sf->locality, &lc, &err))) goto fail;
    d.contract = ct;
    d.locality = lc;
    cc = NULL;
    if (pms_table_col(t, "ccg_code") && (st = pms_table_text(t, "ccg_code", &cc, &err))) goto fail;
    if (pms_table_col(t, "region_code") && (st = pms_table_text(t, "region_code", &rg, &err)))
        goto fail;
    d.ccg = cc;
    d.region = rg;
    if (pms_table_col(t, "imd2015") && (st = pms_table_numeric(t, "imd2015", &d.imd, &err)))
        goto fail;
    (void)loc;
    (void)ccg;
    (void)reg;
    if ((st = pms_sav_prepare(&d, &sf->settings, &b, &err))) goto fail;
    note_exclusions(t, &b);
    {
        /* The scenario file belongs to the provenance too. */
        FILE *fp = fopen(sf->path, "rb");
        if (fp) {
            unsigned char buf[65536], dg[32];
            size_t len = fread(buf, 1, sizeof buf, fp);
            fclose(fp);
            char hex[65];
            pms_sha256(buf, len, dg);
            pms_sha256_hex(dg, hex);
            pms_table_note(t, "scenarios", sf->n, "savings: scenarios from %s (SHA-256 %s%s)",
                           sf->path, hex, len == sizeof buf ? ", first 64 KiB" : "");
        }
    }
    if (!(ws = pms_sav_ws_new(&b))) {
        st = pms_err_set(&err, PMS_ENOMEM, "out of memory");
        goto fail;
    }

    if (a.sweep) {
        pms_sav_scenario sc = sf->s[run[0]];
        if ((st = pms_scenario_flags(sf, (size_t)run[0], t, &flags, &err))) goto fail;
        sc.retain = flags;
        if ((st = pms_sav_check(&b, &sc, sf->path, &err))) goto fail;
        if (!(o.sweep = sweep_table(wcol, a.step)) || !(o.scen = scen_table(scol))) goto nomem;
        values = malloc(a.npoints * sizeof *values);
        rows = malloc(a.npoints * sizeof *rows);
        if (!values || !rows) goto nomem;
        for (size_t i = 0; i < a.npoints; i++)
            values[i] = round((a.from + (double)i * a.step) * 1e9) / 1e9; /* 0.1 steps print as typed */
        unsigned th = c.threads ? c.threads : (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
        size_t bad = 0;
        if ((st = pms_sav_sweep(&b, &sc, (pms_sav_param)a.sweep_param, values, a.npoints, th, rows,
                                &bad, &err))) {
            char m[1024];
            snprintf(m, sizeof m, "%s", err.msg);
            pms_err_set(&err, st, "--sweep %s = %g: %s",
                        pms_sav_param_name((pms_sav_param)a.sweep_param), values[bad], m);
            goto fail;
        }
        for (size_t i = 0; i < a.npoints; i++) {
            const pms_sav_sweep_row *row = &rows[i];
            if (pms_out_row(o.sweep)) goto nomem;
            pms_out_set_text(o.sweep, wcol[W_SCEN], sc.name);
            pms_out_set_text(o.sweep, wcol[W_PARAM], pms_sav_param_name((pms_sav_param)a.sweep_param));
            pms_out_set_num(o.sweep, wcol[W_VAL], row->value);
            pms_out_set_num(o.sweep, wcol[W_REL], pounds(row->released_final));
            pms_out_set_num(o.sweep, wcol[W_REINV], pounds(row->reinvested_final));
            pms_out_set_num(o.sweep, wcol[W_NET], pounds(row->net_saving_final));
            pms_out_set_num(o.sweep, wcol[W_NETC], pounds(row->net_saving_cumulative));
            pms_out_set_int(o.sweep, wcol[W_L5], (long long)row->losing_over_5pct);
            pms_out_set_int(o.sweep, wcol[W_L10], (long long)row->losing_over_10pct);
            pms_out_set_int(o.sweep, wcol[W_EXT], row->extension_years);
            pms_out_set_num(o.sweep, wcol[W_GINI], row->gini_after);
        }
        if ((st = pms_sav_run(&b, &sc, ws, &r, &err))) goto fail;
        if (add_scen(o.scen, scol, &r, &b)) goto nomem;
        pms_out_footnote(o.scen, "The sweep varies %s from %g to %g in steps of %g (%zu points); "
                                 "the row above is the scenario as written in the file.",
                         pms_sav_param_name((pms_sav_param)a.sweep_param), a.from, a.to, a.step,
                         a.npoints);
        if (!(ex = excluded_table(&b))) goto nomem;
        pms_out *tabs[] = {o.sweep, o.scen, ex};
        rc = pms_cli_emit(&c, tabs, 3, t);
        goto done;
    }

    int fcol[2] = {-1, -1};
    if (!(o.years = years_table(ycol, c.format == PMS_FMT_TEXT ? &o.fair : NULL, fcol)) ||
        !(o.scen = scen_table(scol)) || !(o.crit = crit_table(ccol)))
        goto nomem;
    if (a.detail >= DETAIL_LOCALITIES && !(o.loc = loc_table(lcol))) goto nomem;
    if (a.detail >= DETAIL_ALL && !(o.prac = prac_table(pcol))) goto nomem;
    for (int j = 0; j < nrun; j++) {
        pms_sav_scenario sc = sf->s[run[j]];
        free(flags);
        if ((st = pms_scenario_flags(sf, (size_t)run[j], t, &flags, &err))) goto fail;
        sc.retain = flags;
        if ((st = pms_sav_check(&b, &sc, sf->path, &err))) goto fail;
        if ((st = pms_sav_run(&b, &sc, ws, &r, &err))) goto fail;
        if (add_years(o.years, ycol, o.fair, fcol, &r, &b, t) || add_scen(o.scen, scol, &r, &b) ||
            add_crit(o.crit, ccol, &r, &b) || (o.loc && add_loc(o.loc, lcol, &r, &b)) ||
            (o.prac && add_prac(o.prac, pcol, &r, &b, t)))
            goto nomem;
        pms_sav_result_free(&r);
    }
    if (!(ex = excluded_table(&b))) goto nomem;
    pms_out *tabs[7];
    size_t nt = 0;
    tabs[nt++] = o.years;
    if (o.fair) tabs[nt++] = o.fair;
    tabs[nt++] = o.scen;
    tabs[nt++] = o.crit;
    if (o.loc) tabs[nt++] = o.loc;
    if (o.prac) tabs[nt++] = o.prac;
    tabs[nt++] = ex;
    rc = pms_cli_emit(&c, tabs, nt, t);
    goto done;

nomem:
    st = pms_err_set(&err, PMS_ENOMEM, "out of memory");
fail:
    rc = pms_cli_fail(st, &err);
done:
    pms_out_free(o.years);
    pms_out_free(o.fair);
    pms_out_free(o.scen);
    pms_out_free(o.crit);
    pms_out_free(o.loc);
    pms_out_free(o.prac);
    pms_out_free(o.sweep);
    pms_out_free(ex);
    pms_sav_result_free(&r);
    pms_sav_ws_free(ws);
    pms_sav_base_free(&b);
    free(flags);
    free(values);
    free(rows);
    pms_table_free(t);
    pms_scenario_free(sf);
    return rc;
}
