/* pmsreview target: each practice's and locality's distance from a fair,
 * need-based share of the pot (issue 18).  Thin: select rows
 * (io/target_select.c), call analysis/target, print. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/pace.h"
#include "analysis/target.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "io/target_select.h"
#include "io/scenario.h"
#include "io/target_options.h"

static const char *about =
    "Fair shares: within each pool of the scope the pot (the practices' total of --value)\n"
    "is shared in proportion to need, target = pot x need / sum of need, in whole pence by\n"
    "largest remainder so that the targets add up to the pot exactly.  For each practice\n"
    "and each locality (CCG): actual, target, distance = actual - target (positive = over\n"
    "target) and distance as a share of target; the money that would have to move to put\n"
    "everyone on target (half the sum of |distance|); how many practices and localities\n"
    "are more than 5% and 10% over and under; Spearman's rho of distance_pct with IMD.";

static const char *epilog =
    "Practices with a missing value, a missing, non-positive or undefined need, or no\n"
    "locality (or region, for --scope region) are excluded and counted by reason.\n"
    "Money is in pounds with pence; distance_pct is a fraction in CSV/JSON.\n\n"
    "Examples:\n"
    "  # Bristol's practices against England's weighted-list shares of core funding:\n"
    "  pmsreview target --locality 11H\n"
    "  # How much of that distance each savings scenario, and each pace scenario, removes:\n"
    "  pmsreview target --locality 11H --scenarios datasets/pms-review-scenarios.ini \\\n"
    "      --pace datasets/pms-review-scenarios.ini\n"
    "  # Total payments, shared within each region, with a deprivation uplift, JSON:\n"
    "  pmsreview target --need weighted_imd --elasticity 0.3 --value total_payments \\\n"
    "      --scope region --format json\n\n"
    "Exit status: 0 success; 1 usage or analysis error; 2 bad input data.\n";

static const char *const defaults[] = {"nhs-payments/nhs-payments-gp-2014-15.csv",
                                       "practice-imd/practice-imd-fingertips-93553.csv", NULL};

typedef struct {
    pms_target_spec spec;
    const char *imd, *locality, *pace, *scenarios;
} target_args;

static const char *const scope_names[] = {"national", "region", "locality", NULL};

static int parse_args(int argc, char **argv, pms_cli_common *c, target_args *a)
{
    int scope = -1;
    a->spec.elasticity = NAN;
    const pms_cli_opt opts[] = {
        {.name = "need", .kind = PMS_ARG_TEXT, .to = &a->spec.need, .meta = "NEED",
         .help = "a numeric column, an expression over columns (as --derive), or\n"
                 "a named alternative:\n"
                 "  weighted      weighted_patients (the Carr-Hill weighted list,\n"
                 "                as the global sum uses; the default)\n"
                 "  registered    registered_patients (a naive baseline)\n"
                 "  weighted_imd  weighted_patients x IMD^E: the weighted list with a\n"
                 "                deprivation uplift (1% higher IMD score, about E%\n"
                 "                more need); practices without IMD are excluded"},
        {.name = "elasticity", .kind = PMS_ARG_REAL, .to = &a->spec.elasticity, .lo = 0, .hi = 5,
         .meta = "E",
         .help = "E for weighted_imd, 0 to 5 (default 0.2: illustrative, not from\n"
                 "a published formula)"},
        {.name = "value", .kind = PMS_ARG_TEXT, .to = &a->spec.value, .meta = "COL",
         .help = "the money shared (default core_payments = global sum + MPIG +\n"
                 "PMS balance; e.g. total_payments)"},
        {.name = "scope", .kind = PMS_ARG_ENUM, .to = &scope, .names = scope_names, .meta = "S",
         .bad = "must be national, region or locality",
         .help = "national (default: one pot for England), region (region_code)\n"
                 "or locality (ccg_code: each CCG's pot shared within it)"},
        {.name = "imd", .kind = PMS_ARG_TEXT, .to = &a->imd, .meta = "COL", .usage = "--imd COL|none",
         .help = "deprivation score for weighted_imd and the correlation (default\n"
                 "imd2015 when present; 'none' for no correlation)"},
        {.name = "locality", .kind = PMS_ARG_TEXT, .to = &a->locality, .meta = "CODE",
         .help = "list this CCG first and summarise it"},
        {.name = "pace", .kind = PMS_ARG_TEXT, .to = &a->pace, .meta = "FILE",
         .help = "pace of change: run every scenario of FILE with method = pace\n"
                 "(keys years, pace_pct, max_loss_pct, max_gain_pct, growth_pct;\n"
                 "see doc/methods/fair-shares.md) from the actual money towards\n"
                 "the targets, within the scope, year by year.  FILE is a savings\n"
                 "scenario file (the shipped datasets/pms-review-scenarios.ini\n"
                 "holds two pace scenarios); its other scenarios are left alone"},
        {.name = "scenarios", .kind = PMS_ARG_TEXT, .to = &a->scenarios, .meta = "FILE",
         .help = "score every savings scenario of FILE on the same axis: the money\n"
                 "to move and the practices beyond 10% before and after its final\n"
                 "year, each against fair shares of its own total (a saving is\n"
                 "shown apart), for the scope and for --locality on its own"},
        PMS_CLI_OPTS_INPUT(c),
        PMS_CLI_OPT_FORMAT(c, PMS_CLI_HELP_FORMAT),
        PMS_CLI_END};
    const pms_cli_spec spec = {"target", about, epilog, 20, opts, NULL, NULL, 0};
    int rc = pms_cli_parse(&spec, argc, argv, &c->help);
    if (rc || c->help) return rc;
    if (scope >= 0) a->spec.scope = (pms_tscope)pms_tscope_parse(scope_names[scope]);
    if (!isnan(a->spec.elasticity)) {
        if (!a->spec.need || strcmp(a->spec.need, "weighted_imd"))
            return pms_cli_usage("target", "--elasticity applies only to --need weighted_imd");
    } else {
        a->spec.elasticity = PMS_TARGET_DEFAULT_ELASTICITY;
    }
    if (a->imd && !strcmp(a->imd, "none") && a->spec.need && !strcmp(a->spec.need, "weighted_imd"))
        return pms_cli_usage("target", "--need weighted_imd needs an IMD column, not --imd none");
    return 0;
}

/* The summary: cells collected once, written as one wide row (CSV, JSON) or
 * one row per measure (text). */
typedef struct {
    const char *key;
    pms_outkind kind;
    double v;
    const char *s;
} cell;

#define MAXCELLS 48
typedef struct { cell c[MAXCELLS]; size_t n; } cells;

static void put(cells *cs, const char *k, pms_outkind kind, double v, const char *s)
{
    if (cs->n < MAXCELLS) cs->c[cs->n++] = (cell){k, kind, v, s};
}

static void bands(cells *cs, const char *const *keys, const pms_target_bands *b, size_t n)
{
    const size_t v[4] = {b->over5, b->over10, b->under5, b->under10};
    for (size_t j = 0; j < 4; j++) {
        put(cs, keys[2 * j], PMS_OUT_INT, (double)v[j], NULL);
        put(cs, keys[2 * j + 1], PMS_OUT_PCT, n ? (double)v[j] / (double)n : NAN, NULL);
    }
}

static void summary_cells(cells *cs, const target_args *a, const pms_target_rows *r,
                          const pms_target_result *res)
{
    static const char *pk[] = {"practices_over_5pct", "share_practices_over_5pct",
                               "practices_over_10pct", "share_practices_over_10pct",
                               "practices_under_5pct", "share_practices_under_5pct",
                               "practices_under_10pct", "share_practices_under_10pct"};
    static const char *lk[] = {"localities_over_5pct", "share_localities_over_5pct",
                               "localities_over_10pct", "share_localities_over_10pct",
                               "localities_under_5pct", "share_localities_under_5pct",
                               "localities_under_10pct", "share_localities_under_10pct"};
    put(cs, "need", PMS_OUT_TEXT, 0, r->need_expr);
    put(cs, "value", PMS_OUT_TEXT, 0, a->spec.value);
    put(cs, "scope", PMS_OUT_TEXT, 0, pms_tscope_name(a->spec.scope));
    put(cs, "practices", PMS_OUT_INT, (double)r->n, NULL);
    put(cs, "practices_excluded", PMS_OUT_INT, (double)(r->rows - r->n), NULL);
    put(cs, "localities", PMS_OUT_INT, (double)r->nloc, NULL);
    put(cs, "pools", PMS_OUT_INT, (double)r->npool, NULL);
    put(cs, "pot", PMS_OUT_MONEY, (double)res->pot / 100, NULL);
    put(cs, "to_move", PMS_OUT_MONEY, (double)res->to_move / 100, NULL);
    put(cs, "to_move_share", PMS_OUT_PCT, res->pot ? (double)res->to_move / (double)res->pot : NAN,
        NULL);
    put(cs, "locality_to_move", PMS_OUT_MONEY, (double)res->loc_to_move / 100, NULL);
    bands(cs, pk, &res->bands, r->n);
    bands(cs, lk, &res->loc_bands, r->nloc);
    if (r->imd) {
        put(cs, "imd_column", PMS_OUT_TEXT, 0, a->spec.imd);
        put(cs, "imd_practices", PMS_OUT_INT, (double)res->imd_n, NULL);
        put(cs, "imd_spearman", PMS_OUT_REAL, res->imd_rho, NULL);
        put(cs, "imd_spearman_ci_low", PMS_OUT_REAL, res->imd_ci_low, NULL);
        put(cs, "imd_spearman_ci_high", PMS_OUT_REAL, res->imd_ci_high, NULL);
        put(cs, "imd_spearman_p", PMS_OUT_REAL, res->imd_p, NULL);
    }
    size_t l = pms_target_rows_find_locality(r, a->locality);
    if (l != (size_t)-1) {
        pms_target_bands b = {0, 0, 0, 0};
        for (size_t k = 0; k < r->n; k++)
            if (r->loc[k] == l) pms_target_band_add(&b, res->distance_pct[k]);
        put(cs, "locality", PMS_OUT_TEXT, 0, a->locality);
        put(cs, "locality_practices", PMS_OUT_INT, (double)res->loc_n[l], NULL);
        put(cs, "locality_actual", PMS_OUT_MONEY, (double)res->loc_actual[l] / 100, NULL);
        put(cs, "locality_target", PMS_OUT_MONEY, (double)res->loc_target[l] / 100, NULL);
        put(cs, "locality_distance_pct", PMS_OUT_PCT, res->loc_distance_pct[l], NULL);
        put(cs, "locality_practices_over_10pct", PMS_OUT_INT, (double)b.over10, NULL);
        put(cs, "locality_practices_under_10pct", PMS_OUT_INT, (double)b.under10, NULL);
    }
}

static int decimals(pms_outkind k) { return k == PMS_OUT_REAL ? 4 : k == PMS_OUT_INT ? 0 : 2; }

static pms_out *summary_table(const cells *cs, int wide)
{
    pms_out *o = pms_out_new("summary", "Distance from a need-based target");
    if (!o) return NULL;
    if (wide) {
        int idx[MAXCELLS];
        for (size_t j = 0; j < cs->n; j++)
            if ((idx[j] = pms_out_col(o, cs->c[j].key, cs->c[j].kind, decimals(cs->c[j].kind))) < 0)
                goto fail;
        if (pms_out_row(o)) goto fail;
        for (size_t j = 0; j < cs->n; j++) {
            const cell *c = &cs->c[j];
            if (c->kind == PMS_OUT_TEXT) pms_out_set_text(o, idx[j], c->s);
            else if (c->kind == PMS_OUT_INT) pms_out_set_int(o, idx[j], (long long)c->v);
            else pms_out_set_num(o, idx[j], c->v);
        }
        return o;
    }
    /* Text: measure and value, the value formatted as its own kind would be. */
    int cm = pms_out_col(o, "measure", PMS_OUT_TEXT, 0), cv = pms_out_col(o, "value", PMS_OUT_TEXT, 0);
    if (cm < 0 || cv < 0) goto fail;
    for (size_t j = 0; j < cs->n; j++) {
        const cell *c = &cs->c[j];
        char buf[64];
        if (c->kind == PMS_OUT_TEXT) snprintf(buf, sizeof buf, "%s", c->s ? c->s : "-");
        else if (isnan(c->v)) snprintf(buf, sizeof buf, "-");
        else if (c->kind == PMS_OUT_INT) snprintf(buf, sizeof buf, "%.0f", c->v);
        else if (c->kind == PMS_OUT_MONEY) snprintf(buf, sizeof buf, "%.2f", c->v);
        else if (c->kind == PMS_OUT_PCT) snprintf(buf, sizeof buf, "%.2f%%", 100 * c->v);
        else snprintf(buf, sizeof buf, "%.4f", c->v);
        if (pms_out_row(o)) goto fail;
        pms_out_set_text(o, cm, c->key);
        pms_out_set_text(o, cv, c->s && c->kind == PMS_OUT_TEXT && strlen(c->s) >= sizeof buf ? c->s : buf);
    }
    return o;
fail:
    pms_out_free(o);
    return NULL;
}

/* The pace-of-change scenarios, year by year (one table for all). */
static pms_status pace_table(const target_args *a, const pms_target_rows *r, pms_out **out,
                             pms_err *err)
{
    pms_scenario_file *f = NULL;
    pms_status st = pms_scenario_load(a->pace, &f, err);
    if (st) return st;
    const pms_pace_scenario *sc = f->pace;
    size_t nsc = f->npace;
    if (!nsc) {
        pms_scenario_free(f);
        return pms_err_set(err, PMS_ENOTFOUND, "%s: no scenario with method = pace", a->pace);
    }
    pms_out *o = pms_out_new("pace", "Pace of change towards the fair shares, year by year");
    const char *k[] = {"scenario", "year", "pot", "to_move", "closed", "practices_over_10pct",
                       "practices_under_10pct", "losing", "gaining", "at_floor", "at_cap",
                       "overspend", "held_back", "locality_distance_pct"};
    const pms_outkind kind[] = {PMS_OUT_TEXT, PMS_OUT_INT, PMS_OUT_MONEY, PMS_OUT_MONEY,
                                PMS_OUT_PCT, PMS_OUT_INT, PMS_OUT_INT, PMS_OUT_INT, PMS_OUT_INT,
                                PMS_OUT_INT, PMS_OUT_INT, PMS_OUT_MONEY, PMS_OUT_MONEY,
                                PMS_OUT_PCT};
    size_t ncol = a->locality ? 14 : 13;
    int col[14];
    for (size_t j = 0; o && j < ncol; j++)
        if ((col[j] = pms_out_col(o, k[j], kind[j], kind[j] == PMS_OUT_PCT ? 2 : 2)) < 0) {
            pms_out_free(o);
            o = NULL;
        }
    if (!o) {
        pms_scenario_free(f);
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    pms_target_input in;
    pms_target_rows_input(r, &in);
    size_t focus = pms_target_rows_find_locality(r, a->locality);
    for (size_t s = 0; s < nsc && !st; s++) {
        pms_pace_result pr;
        if ((st = pms_pace_run(&in, &sc[s], focus, &pr, err))) {
            char msg[sizeof err->msg];
            snprintf(msg, sizeof msg, "%s", err->msg);
            pms_err_set(err, st, "%s:%d: %s", a->pace, sc[s].line, msg);
            break;
        }
        for (size_t t = 0; t < pr.nyears && !st; t++) {
            const pms_pace_year *Y = &pr.year[t];
            if ((st = pms_out_row(o))) break;
            const double v[14] = {0, Y->t, (double)Y->pot / 100, (double)Y->to_move / 100,
                                  Y->closed, (double)Y->bands.over10, (double)Y->bands.under10,
                                  (double)Y->losing, (double)Y->gaining, (double)Y->at_floor,
                                  (double)Y->at_cap, (double)Y->overspend / 100,
                                  (double)Y->held_back / 100, Y->loc_distance_pct};
            pms_out_set_text(o, col[0], sc[s].name);
            for (size_t j = 1; j < ncol; j++) {
                if (kind[j] == PMS_OUT_INT) pms_out_set_int(o, col[j], (long long)v[j]);
                else pms_out_set_num(o, col[j], v[j]);
            }
        }
        pms_pace_result_free(&pr);
    }
    pms_scenario_free(f);
    if (st) {
        pms_out_free(o);
        return st == PMS_ENOMEM ? pms_err_set(err, st, "out of memory") : st;
    }
    pms_out_footnote(o, "Each year every practice moves pace_pct of the way from its money "
                        "(grown with the pot) to its fair share, no practice losing more than "
                        "max_loss_pct or gaining more than max_gain_pct of last year's money; "
                        "gains (or losses) are scaled so that each pool spends its pot. "
                        "closed = share of the starting to_move closed.");
    *out = o;
    return PMS_OK;
}

/* Every savings scenario of --scenarios on the fair-shares axis. */
static pms_status options_table(const target_args *a, const pms_table *t,
                                const pms_target_rows *r, pms_out **out, pms_err *err)
{
    pms_scenario_file *f = NULL;
    pms_target_options o;
    memset(&o, 0, sizeof o);
    pms_status st = pms_scenario_load(a->scenarios, &f, err);
    int k;
    if (!st) st = pms_scenario_savings_pick(f, NULL, &k, err);
    if (!st) st = pms_target_options_run(t, r, f, a->locality, &o, err);
    if (!st) {
        const char *everyone = a->spec.scope == PMS_TSCOPE_NATIONAL ? "England"
                               : a->spec.scope == PMS_TSCOPE_REGION ? "England, within each region"
                                                                    : "England, within each CCG";
        if (!(*out = pms_target_out_options(&o, everyone, a->locality)))
            st = pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    pms_target_options_free(&o);
    pms_scenario_free(f);
    return st;
}

int pms_cmd_target(int argc, char **argv)
{
    pms_cli_common c;
    pms_cli_common_init(&c, "target", argc, argv);
    target_args a;
    memset(&a, 0, sizeof a);
    a.spec.need = NULL;
    a.spec.elasticity = PMS_TARGET_DEFAULT_ELASTICITY;
    int rc = parse_args(argc, argv, &c, &a);
    if (rc || c.help) return rc;
    if (!a.spec.need) a.spec.need = "weighted";
    if (!a.spec.value) a.spec.value = "core_payments";
    pms_table *t = NULL;
    pms_target_rows r;
    pms_target_result res;
    memset(&r, 0, sizeof r);
    memset(&res, 0, sizeof res);
    pms_out *tables[7] = {NULL, NULL, NULL, NULL, NULL, NULL, NULL};
    size_t ntables = 0;
    pms_err err = {{0}};
    pms_status st = PMS_OK;
    cells *cs = calloc(1, sizeof *cs);
    if (!cs) {
        pms_cli_error("out of memory");
        return PMS_EXIT_USAGE;
    }
    if ((rc = pms_cli_open_data(&c, defaults, &t))) goto done;
    if (!a.imd) a.spec.imd = pms_table_col(t, "imd2015") ? "imd2015" : NULL;
    else if (strcmp(a.imd, "none")) a.spec.imd = a.imd;
    if (!strcmp(a.spec.need, "weighted_imd") && !a.spec.imd) {
        st = pms_err_set(&err, PMS_ENOTFOUND,
                         "--need weighted_imd: no IMD column (imd2015 is not in the data; "
                         "join one with --data or name it with --imd)");
        goto fail;
    }
    if ((st = pms_target_rows_select(t, &a.spec, &r, &err))) goto fail;
    if (a.locality && pms_target_rows_find_locality(&r, a.locality) == (size_t)-1) {
        st = pms_err_set(&err, PMS_ENOTFOUND, "--locality %s: no practice in scope has that ccg_code",
                         a.locality);
        goto fail;
    }
    pms_target_input in;
    pms_target_rows_input(&r, &in);
    if (!r.n) {
        st = pms_err_set(&err, PMS_ETOOFEW, "no practice of %zu has both %s and a positive need",
                         r.rows, a.spec.value);
        goto fail;
    }
    if ((st = pms_target_compute(&in, &res, &err))) goto fail;
    summary_cells(cs, &a, &r, &res);
    tables[ntables++] = summary_table(cs, c.format != PMS_FMT_TEXT);
    tables[ntables++] = pms_target_out_localities(t, &r, &res, a.locality);
    tables[ntables++] = pms_target_out_practices(t, &r, &res, a.locality);
    tables[ntables++] = pms_target_out_pools(&r, &res, a.spec.scope);
    tables[ntables++] = pms_target_out_excluded(t, &r, &a.spec);
    if (a.pace && (st = pace_table(&a, &r, &tables[ntables++], &err))) goto fail;
    if (a.scenarios && (st = options_table(&a, t, &r, &tables[ntables++], &err))) goto fail;
    for (size_t i = 0; i < ntables; i++)
        if (!tables[i]) {
            st = pms_err_set(&err, PMS_ENOMEM, "out of memory");
            goto fail;
        }
    rc = pms_cli_emit(&c, tables, ntables, t);
    goto done;
fail:
    rc = pms_cli_fail(st, &err);
done:
    for (size_t i = 0; i < ntables; i++) pms_out_free(tables[i]);
    free(cs);
    pms_target_result_free(&res);
    pms_target_rows_free(&r);
    pms_table_free(t);
    return rc;
}
