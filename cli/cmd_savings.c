/* pmsreview savings: PMS review scenarios year by year: money released,
 * reinvested and saved, who loses and gains, locality totals, the practice
 * schedule, the fairness of core funding after each year, the review's five
 * criteria, and parameter sweeps.  Options in; the scenario file bound to
 * the data (io/savings_input) and the tables built (io/savings_tables); out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/savings.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "io/savings_input.h"
#include "io/savings_tables.h"
#include "io/scenario.h"

static const char *about =
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
    "whole pence and shared out by largest remainder.";

static const char *epilog =
    "Examples:\n"
    "  pmsreview savings --locality 11H\n"
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

typedef struct {
    const char *scenarios;
    const char **sel;         /* --scenario NAMEs (argv strings), any number */
    size_t nsel;
    const char *sweep;
    pms_sav_sweep_spec spec;
    int detail;               /* a pms_savings_detail, or -1: by --format */
    const char *locality;     /* --locality CODE */
    unsigned long horizon;    /* --horizon YEARS (default 4) */
} savings_args;

static int sweep_opt(const char *cmd, const char *arg, void *to)
{
    savings_args *a = to;
    pms_err e = {{0}};
    if (pms_sav_sweep_parse(arg, &a->spec, &e)) return pms_cli_usage(cmd, "--sweep %s", e.msg);
    a->sweep = arg;
    return 0;
}

static const char *const detail_names[] = {"years", "localities", "all", NULL};

static int parse_args(int argc, char **argv, pms_cli_common *c, savings_args *a)
{
    /* every --scenario fits: there are fewer than argc of them */
    if (!(a->sel = calloc((size_t)argc + 1, sizeof *a->sel)))
        return pms_cli_usage("savings", "out of memory");
    const pms_cli_opt opts[] = {
        {.name = "scenarios", .kind = PMS_ARG_TEXT, .to = &a->scenarios, .meta = "FILE",
         .usage = "--scenarios FILE.ini",
         .help = "scenario file (INI); default datasets/pms-review-scenarios.ini"},
        {.name = "scenario", .kind = PMS_ARG_TEXTS, .to = a->sel, .n = &a->nsel,
         .max = (size_t)argc, .meta = "NAME",
         .help = "run only this scenario (repeatable; any number)"},
        {.name = "locality", .kind = PMS_ARG_TEXT, .to = &a->locality, .meta = "CODE",
         .help = "lead with this locality (a value of the locality column, e.g.\n"
                 "11H): its savings by year in pounds thousand, the scenarios\n"
                 "like for like, its practices before and after each scenario"},
        {.name = "horizon", .kind = PMS_ARG_UINT, .to = &a->horizon, .lo = 1, .hi = 50,
         .flags = PMS_ARG_BAD_ALL, .bad = "expects a whole number of years from 1 to 50",
         .meta = "YEARS",
         .help = "years from the data's year over which scenarios are compared\n"
                 "like for like (default 4)"},
        {.name = "sweep", .kind = PMS_ARG_CALL, .to = a, .call = sweep_opt, .meta = "P=A:B:S",
         .usage = "--sweep PARAM=FROM:TO:STEP",
         .help = "run one scenario for P = A, A+S, ..., B and tabulate savings\n"
                 "against practices losing > 5% and the Gini after. P is target,\n"
                 "cap, percent, retention, protect_pct, protect_per_wp,\n"
                 "reinvest_pct or keep_for_services.\n"
                 "Without --scenario the first scenario using P is swept"},
        {.name = "detail", .kind = PMS_ARG_ENUM, .to = &a->detail, .names = detail_names,
         .meta = "LEVEL",
         .help = "years (years, scenarios, criteria), localities (and locality\n"
                 "totals) or all (and every practice's schedule: for England\n"
                 "about 220,000 rows, so narrow it with --where). Default:\n"
                 "localities in text, all in CSV and JSON"},
        PMS_CLI_OPTS_INPUT(c),
        PMS_CLI_OPT_FORMAT(c, "text (default), csv or json (money in pounds, two decimals)"),
        PMS_CLI_OPT_THREADS(c, "threads for --sweep (0 = all CPUs; results do not depend on it)"),
        PMS_CLI_END};
    const pms_cli_spec spec = {"savings", about, epilog, 22, opts, NULL, NULL, 0};
    int rc = pms_cli_parse(&spec, argc, argv, &c->help);
    if (rc || c->help) return rc;
    if (a->sweep && a->nsel > 1)
        return pms_cli_usage("savings", "--sweep runs one scenario: give at most one --scenario");
    return 0;
}


/* Everything one run of the command holds, freed in one place. */
typedef struct {
    pms_scenario_file *sf;
    pms_table *t;
    pms_savings_input in;
    int *run;                 /* the scenarios to run, indices into sf */
    size_t nrun;
    size_t loc;               /* the --locality's index in the base, or (size_t)-1 */
    pms_savings_tables out;
} savings_state;

static void state_free(savings_state *S)
{
    pms_savings_tables_free(&S->out);
    pms_savings_input_free(&S->in);
    free(S->run);
    pms_table_free(S->t);
    pms_scenario_free(S->sf);
}

/* The sweep's one scenario, or a usage error. */
static int sweep_scenario(const savings_args *a, const pms_scenario_file *sf, int *out)
{
    int k = pms_savings_sweep_pick(sf, a->spec.param, a->nsel ? a->sel[0] : NULL);
    const char *pname = pms_sav_param_name(a->spec.param);
    if (k < 0)
        return a->nsel ? pms_cli_usage("savings", "no scenario '%s' in %s", a->sel[0], a->scenarios)
                       : pms_cli_usage("savings",
                                       "--sweep %s: no scenario in %s uses it (name one with "
                                       "--scenario)",
                                       pname, a->scenarios);
    const char *why = NULL;
    if (!pms_sav_param_applies(a->spec.param, &sf->s[k], &why)) {
        char m[64];
        const char *method = pms_sav_method_name(sf->s[k].method);
        if (!strcmp(why, "method")) snprintf(m, sizeof m, "method %s", method);
        else snprintf(m, sizeof m, "method %s, %s", method, why);
        return pms_cli_usage("savings", "--sweep %s does not apply to scenario '%s' (%s)", pname,
                             sf->s[k].name, m);
    }
    *out = k;
    return 0;
}

/* The scenarios to run, in order: the sweep's one, those named, or all. */
static int choose_scenarios(const savings_args *a, savings_state *S)
{
    const pms_scenario_file *sf = S->sf;
    if (!(S->run = malloc((sf->n + a->nsel + 1) * sizeof *S->run)))
        return pms_cli_usage("savings", "out of memory");
    /* Pace scenarios (method = pace) share the file but not the model. */
    pms_err e;
    int k0;
    for (size_t i = 0; i <= a->nsel; i++)
        if (pms_scenario_savings_pick(sf, i < a->nsel ? a->sel[i] : NULL, &k0, &e))
            return pms_cli_usage("savings", "%s%s", e.msg,
                                 strcmp(e.role, "pace") ? "" : "; see 'pmsreview target --pace FILE'");
    if (a->sweep) {
        int rc = sweep_scenario(a, sf, &S->run[0]);
        S->nrun = !rc;
        return rc;
    }
    for (size_t i = 0; i < a->nsel; i++) {
        int k = pms_scenario_find(sf, a->sel[i]);
        if (k < 0) return pms_cli_usage("savings", "no scenario '%s' in %s", a->sel[i], a->scenarios);
        S->run[S->nrun++] = k;
    }
    for (size_t i = 0; !a->nsel && i < sf->n; i++) S->run[S->nrun++] = (int)i;
    return 0;
}

/* Load the data and bind it to the model; find the --locality. */
static pms_status setup(pms_cli_common *c, const savings_args *a, savings_state *S, int *rc,
                        pms_err *err)
{
    pms_status st;
    if ((*rc = pms_cli_open_data(c, defaults, &S->t))) return PMS_OK;
    if ((st = pms_savings_input_open(S->sf, S->t, "savings", "savings_", &S->in, err))) return st;
    const pms_sav_base *b = &S->in.b;
    if (b->n_imd < b->n)
        pms_table_note(S->t, "savings_no_imd", b->n - b->n_imd,
                       "savings: %zu practices have no IMD 2015 score: left out of the "
                       "concentration index and of deprivation reinvestment",
                       b->n - b->n_imd);
    S->loc = (size_t)-1;
    if (a->locality) {
        int l = pms_scenario_locality_find(b, a->locality);
        if (l < 0)
            *rc = pms_cli_usage("savings", "--locality %s: no practice in the model has %s = %s",
                                a->locality, S->sf->locality, a->locality);
        S->loc = (size_t)l;
    }
    return PMS_OK;
}

static pms_status run_sweep(const pms_cli_common *c, const savings_args *a, savings_state *S,
                            pms_err *err)
{
    unsigned th = c->threads ? (unsigned)c->threads : (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
    size_t bad;
    pms_status st = pms_savings_tables_sweep(S->sf, &S->in, S->t, (size_t)S->run[0], &a->spec, th,
                                             &S->out, &bad, err);
    if (st && bad != (size_t)-1) {
        char m[1024];
        snprintf(m, sizeof m, "%s", err->msg);
        return pms_err_set(err, st, "--sweep %s = %g: %s", pms_sav_param_name(a->spec.param),
                           pms_sav_sweep_value(&a->spec, bad), m);
    }
    return st;
}

int pms_cmd_savings(int argc, char **argv)
{
    pms_cli_common c;
    pms_cli_common_init(&c, "savings", argc, argv);
    savings_args a;
    memset(&a, 0, sizeof a);
    a.detail = -1;
    a.horizon = 4;
    int rc = parse_args(argc, argv, &c, &a);
    if (rc || c.help) {
        free(a.sel);
        return rc;
    }
    /* Text is read on a screen or pasted into a paper: every practice's schedule
     * for England would bury the answer, so it is asked for explicitly there. */
    if (a.detail < 0) a.detail = c.format == PMS_FMT_TEXT ? PMS_SAVINGS_LOCALITIES : PMS_SAVINGS_ALL;
    pms_err err = {{0}};
    pms_status st = PMS_OK;
    savings_state S;
    memset(&S, 0, sizeof S);
    char spath[1100];
    if (!a.scenarios) {
        snprintf(spath, sizeof spath, "%s/pms-review-scenarios.ini", pms_cli_datasets_dir());
        a.scenarios = spath;
    }
    if (!(st = pms_scenario_load(a.scenarios, &S.sf, &err)) && !(rc = choose_scenarios(&a, &S)) &&
        !(st = setup(&c, &a, &S, &rc, &err)) && !rc) {
        pms_savings_tables_opts o = {S.run, S.nrun, S.loc, (unsigned)a.horizon,
                                     (pms_savings_detail)a.detail, c.format == PMS_FMT_TEXT};
        st = a.sweep ? run_sweep(&c, &a, &S, &err)
                     : pms_savings_tables_run(S.sf, &S.in, S.t, &o, &S.out, &err);
        if (!st) rc = pms_cli_emit(&c, S.out.t, S.out.n, S.t);
    }
    if (st) rc = pms_cli_fail(st, &err);
    state_free(&S);
    free(a.sel);
    return rc;
}
