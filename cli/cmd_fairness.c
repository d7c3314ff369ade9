/* pmsreview fairness: inequality and concentration of a per-practice amount
 * (issue 4).  Thin: parse options, call io/fairness_table (the selection step,
 * then analysis/inequality, concentration and fairness), print. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/concentration.h"
#include "analysis/fairness.h"
#include "analysis/inequality.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "io/fairness_table.h"

static const char *about =
    "How evenly an amount per practice (e.g. payments per weighted patient) is spread:\n"
    "weighted mean, coefficient of variation, p90/p10, Palma ratio, Hoover index, Gini\n"
    "and the Lorenz curve, Theil T, Theil L and GE(2) with exact between- and within-group\n"
    "parts, Atkinson indices (0.5, 1, 2), the concentration index against a ranking\n"
    "column, per-group rows and, with --bootstrap, percentile and BCa intervals.";

static const char *epilog =
    "Conventions: population forms (no n-1); the Gini is the area form of the weighted\n"
    "Lorenz curve (R ineq::Gini for unit weights); quantiles invert the weighted\n"
    "distribution function (R type 1); Palma = (1 - L(0.9)) / L(0.4) on the Lorenz curve.\n"
    "The concentration index's standard error is the delta-method formula of Kakwani,\n"
    "Wagstaff & van Doorslaer (1997); concentration_index_ci_low/high are BCa bootstrap\n"
    "limits with --bootstrap, else C +- z SE.\n\n"
    "Examples:\n"
    "  # National fairness of 2014/15 funding, CCGs as groups, against deprivation:\n"
    "  pmsreview fairness --value payments_per_weighted --weight weighted_patients \\\n"
    "      --group ccg_code --rank-by imd2015 --bootstrap 1000 --seed 2015\n"
    "  # Bristol only, JSON:\n"
    "  pmsreview fairness --value payments_per_weighted --weight weighted_patients \\\n"
    "      --rank-by imd2015 --where 'ccg_code = 11H' --format json\n\n"
    "Exit status: 0 success; 1 usage or analysis error (e.g. too few practices);\n"
    "2 bad input data.\n";

static const char *const defaults[] = {"nhs-payments/nhs-payments-gp-2014-15.csv",
                                       "practice-imd/practice-imd-fingertips-93553.csv", NULL};

typedef struct {
    const char *value, *weight, *group, *rank;
    unsigned long bootstrap, seed;
    double ci_level;
} fair_args;

static int parse_args(int argc, char **argv, pms_cli_common *c, fair_args *a)
{
    const pms_cli_opt opts[] = {
        {.name = "value", .kind = PMS_ARG_TEXT, .to = &a->value, .flags = PMS_ARG_REQUIRED,
         .meta = "COL",
         .help = "the amount per practice (must be > 0; others are excluded and\n"
                 "counted, since Theil L and Atkinson need positive values)"},
        {.name = "weight", .kind = PMS_ARG_TEXT, .to = &a->weight, .meta = "COL",
         .help = "weights: real numbers such as patients, not replication counts\n"
                 "(practices with a missing or non-positive weight are excluded\n"
                 "and counted); default: every practice weighs 1"},
        {.name = "group", .kind = PMS_ARG_TEXT, .to = &a->group, .meta = "COL",
         .help = "groups for the between/within decompositions and the group rows\n"
                 "(e.g. ccg_code); practices without a group are excluded"},
        {.name = "rank-by", .kind = PMS_ARG_TEXT, .to = &a->rank, .meta = "COL",
         .help = "ranking column for the concentration index, ranked from the\n"
                 "highest value to the lowest (IMD: most deprived first), so a\n"
                 "negative index means the amount is concentrated where the\n"
                 "ranking value is high (the more deprived practices); practices\n"
                 "without a value are left out of the index only"},
        {.name = "bootstrap", .kind = PMS_ARG_UINT, .to = &a->bootstrap, .lo = 2, .hi = 1e7,
         .flags = PMS_ARG_ZERO_OK, .bad = "must be 0 (none) or between 2 and 10000000",
         .meta = "N",
         .help = "N resamples of practices for percentile and BCa intervals of the\n"
                 "Gini, Theil T and the concentration index (default 0: none)"},
        {.name = "seed", .kind = PMS_ARG_UINT, .to = &a->seed, .meta = "S",
         .help = "random seed for --bootstrap (default 1); results do not depend\n"
                 "on --threads"},
        {.name = "ci-level", .kind = PMS_ARG_REAL, .to = &a->ci_level, .lo = 0, .hi = 1,
         .flags = PMS_ARG_LO_OPEN | PMS_ARG_HI_OPEN, .meta = "L",
         .help = "confidence level in (0, 1); default 0.95"},
        PMS_CLI_OPTS_INPUT(c),
        PMS_CLI_OPTS_SELECT(c),
        PMS_CLI_OPT_THREADS(c, "threads for --bootstrap (default: all CPUs)"),
        PMS_CLI_OPT_FORMAT(c, PMS_CLI_HELP_FORMAT),
        PMS_CLI_END};
    const pms_cli_spec spec = {"fairness", about, epilog, 20, opts, NULL, NULL, 0};
    return pms_cli_parse(&spec, argc, argv, &c->help);
}

/* The kept practices and every measure: one library call (io/fairness_table.h). */
typedef pms_fair_table fair_rows;
typedef pms_fair_table fair_results;

/* --- output ------------------------------------------------------------ */

static int col(pms_out *o, const char *k, pms_outkind kind, int dec)
{
    return pms_out_col(o, k, kind, dec);
}

static const char *sign_note(void)
{
    return "concentration index: practices ranked from the highest to the lowest ranking value "
           "(IMD: most deprived first); C < 0 means the amount is concentrated among practices "
           "with high ranking values (the more deprived), C > 0 among those with low ones";
}

/* Cells of the one-row table, collected first: pms_out fixes the columns
 * before the first row. */
typedef struct {
    char key[64];
    pms_outkind kind;
    int dec;
    double v;
    const char *s;
} cellv;

typedef struct { cellv c[72]; size_t n; } cells;

static void put(cells *cs, const char *k, pms_outkind kind, int dec, double v, const char *s)
{
    if (cs->n == sizeof cs->c / sizeof cs->c[0]) return;
    cellv *c = &cs->c[cs->n++];
    snprintf(c->key, sizeof c->key, "%s", k);
    c->kind = kind;
    c->dec = dec;
    c->v = v;
    c->s = s;
}
#define NUM(k, d, v) put(&cs, k, PMS_OUT_REAL, d, v, NULL)
#define INT(k, v) put(&cs, k, PMS_OUT_INT, 0, (double)(v), NULL)
#define TXT(k, v) put(&cs, k, PMS_OUT_TEXT, 0, 0, v)

/* The wide one-row table whose keys issue 4 names (CSV and JSON). */
static pms_out *wide_table(const fair_args *a, const fair_rows *s, const fair_results *f)
{
    cells cs;
    cs.n = 0;
    TXT("value", a->value);
    TXT("weight", a->weight);
    TXT("group", a->group);
    TXT("rank_by", a->rank);
    INT("n", s->n);
    INT("n_excluded", s->rows - s->n);
    const pms_ineq_summary *m = &f->s;
    NUM("total_weight", 1, m->total_weight);
    NUM("mean", 4, m->mean);
    NUM("cv", 6, m->cv);
    NUM("p10", 4, m->p10);
    NUM("p90", 4, m->p90);
    NUM("p90_p10", 6, m->p90_p10);
    NUM("palma", 6, m->palma);
    NUM("hoover", 6, m->hoover);
    NUM("gini", 6, m->gini);
    if (f->has_boot) {
        NUM("gini_ci_low", 6, f->boot.gini.bca_low);
        NUM("gini_ci_high", 6, f->boot.gini.bca_high);
        NUM("gini_pct_low", 6, f->boot.gini.pct_low);
        NUM("gini_pct_high", 6, f->boot.gini.pct_high);
        NUM("gini_boot_se", 6, f->boot.gini.se);
    }
    const struct { const char *k; const pms_ineq_decomp *d; } ge[] = {
        {"theil_t", &m->theil_t}, {"theil_l", &m->theil_l}, {"ge2", &m->ge2}};
    for (size_t j = 0; j < 3; j++) {
        char k[64];
        NUM(ge[j].k, 6, ge[j].d->total);
        if (a->group) {
            snprintf(k, sizeof k, "%s_between", ge[j].k);
            NUM(k, 6, ge[j].d->between);
            snprintf(k, sizeof k, "%s_within", ge[j].k);
            NUM(k, 6, ge[j].d->within);
        }
        if (j == 0 && f->has_boot) {
            NUM("theil_t_ci_low", 6, f->boot.theil_t.bca_low);
            NUM("theil_t_ci_high", 6, f->boot.theil_t.bca_high);
            NUM("theil_t_pct_low", 6, f->boot.theil_t.pct_low);
            NUM("theil_t_pct_high", 6, f->boot.theil_t.pct_high);
            NUM("theil_t_boot_se", 6, f->boot.theil_t.se);
        }
    }
    NUM("atkinson_0_5", 6, m->atkinson_0_5);
    NUM("atkinson_1", 6, m->atkinson_1);
    NUM("atkinson_2", 6, m->atkinson_2);
    if (f->has_conc) {
        NUM("concentration_index", 6, f->conc.ci);
        NUM("concentration_index_se", 6, f->conc.se);
        if (f->has_boot) {
            NUM("concentration_index_ci_low", 6, f->boot.conc.bca_low);
            NUM("concentration_index_ci_high", 6, f->boot.conc.bca_high);
            NUM("concentration_index_pct_low", 6, f->boot.conc.pct_low);
            NUM("concentration_index_pct_high", 6, f->boot.conc.pct_high);
            NUM("concentration_index_boot_se", 6, f->boot.conc.se);
        } else {
            NUM("concentration_index_ci_low", 6, f->conc.ci_low);
            NUM("concentration_index_ci_high", 6, f->conc.ci_high);
        }
        TXT("concentration_index_ci_method",
            f->has_boot ? "bootstrap BCa" : "normal, delta-method SE");
        NUM("generalized_concentration_index", 6, f->conc.generalized);
        NUM("generalized_concentration_index_se", 6, f->conc.se_generalized);
        INT("concentration_n", f->conc_n);
        TXT("concentration_sign", sign_note());
    }
    NUM("ci_level", 3, a->ci_level);
    if (f->has_boot) {
        INT("bootstrap_replicates", a->bootstrap);
        INT("seed", a->seed);
    }
    pms_out *o = pms_out_new("fairness", "Fairness");
    if (!o) return NULL;
    int idx[72];
    for (size_t j = 0; j < cs.n; j++)
        if ((idx[j] = col(o, cs.c[j].key, cs.c[j].kind, cs.c[j].dec)) < 0) {
            pms_out_free(o);
            return NULL;
        }
    if (pms_out_row(o)) {
        pms_out_free(o);
        return NULL;
    }
    for (size_t j = 0; j < cs.n; j++) {
        if (cs.c[j].kind == PMS_OUT_TEXT) pms_out_set_text(o, idx[j], cs.c[j].s);
        else if (cs.c[j].kind == PMS_OUT_INT) pms_out_set_int(o, idx[j], (long long)cs.c[j].v);
        else pms_out_set_num(o, idx[j], cs.c[j].v);
    }
    if (f->has_conc) pms_out_footnote(o, "%s.", sign_note());
    return o;
}
#undef NUM
#undef INT
#undef TXT

/* The same numbers as one row per measure, for reading (text). */
static pms_out *long_table(const fair_args *a, const fair_rows *s, const fair_results *f)
{
    char title[256];
    snprintf(title, sizeof title, "Inequality of %s%s%s (%zu practices)", a->value,
             a->weight ? " weighted by " : "", a->weight ? a->weight : "", s->n);
    pms_out *o = pms_out_new("measures", title);
    if (!o) return NULL;
    int cm = col(o, "measure", PMS_OUT_TEXT, 0), cv = col(o, "value", PMS_OUT_REAL, 6),
        cb = a->group ? col(o, "between", PMS_OUT_REAL, 6) : -1,
        cw = a->group ? col(o, "within", PMS_OUT_REAL, 6) : -1,
        cl = col(o, "ci_low", PMS_OUT_REAL, 6), ch = col(o, "ci_high", PMS_OUT_REAL, 6);
    if (cm < 0 || cv < 0 || cl < 0 || ch < 0) {
        pms_out_free(o);
        return NULL;
    }
    const pms_ineq_summary *m = &f->s;
    struct row { const char *k; double v; const pms_ineq_decomp *d; const pms_boot_ci *b; } rows[] = {
        {"mean", m->mean, NULL, NULL},
        {"cv", m->cv, NULL, NULL},
        {"p10", m->p10, NULL, NULL},
        {"p90", m->p90, NULL, NULL},
        {"p90_p10", m->p90_p10, NULL, NULL},
        {"palma", m->palma, NULL, NULL},
        {"hoover", m->hoover, NULL, NULL},
        {"gini", m->gini, NULL, f->has_boot ? &f->boot.gini : NULL},
        {"theil_t", m->theil_t.total, &m->theil_t, f->has_boot ? &f->boot.theil_t : NULL},
        {"theil_l", m->theil_l.total, &m->theil_l, NULL},
        {"ge2", m->ge2.total, &m->ge2, NULL},
        {"atkinson_0_5", m->atkinson_0_5, NULL, NULL},
        {"atkinson_1", m->atkinson_1, NULL, NULL},
        {"atkinson_2", m->atkinson_2, NULL, NULL},
    };
    for (size_t j = 0; j < sizeof rows / sizeof rows[0]; j++) {
        if (pms_out_row(o)) break;
        pms_out_set_text(o, cm, rows[j].k);
        pms_out_set_num(o, cv, rows[j].v);
        if (rows[j].d && cb >= 0) {
            pms_out_set_num(o, cb, rows[j].d->between);
            pms_out_set_num(o, cw, rows[j].d->within);
        }
        const char *why = rows[j].b ? pms_boot_bca_why(rows[j].b) : NULL;
        if (why) { /* an undefined BCa interval says why, never "-" alone */
            pms_out_set_not_computed(o, cl, why);
            pms_out_set_not_computed(o, ch, why);
        } else if (rows[j].b) {
            pms_out_set_num(o, cl, rows[j].b->bca_low);
            pms_out_set_num(o, ch, rows[j].b->bca_high);
        }
    }
    if (f->has_conc) {
        if (!pms_out_row(o)) {
            pms_out_set_text(o, cm, "concentration_index");
            pms_out_set_num(o, cv, f->conc.ci);
            pms_out_set_num(o, cl, f->has_boot ? f->boot.conc.bca_low : f->conc.ci_low);
            pms_out_set_num(o, ch, f->has_boot ? f->boot.conc.bca_high : f->conc.ci_high);
        }
        if (!pms_out_row(o)) {
            pms_out_set_text(o, cm, "concentration_index_se");
            pms_out_set_num(o, cv, f->conc.se);
        }
        if (!pms_out_row(o)) {
            pms_out_set_text(o, cm, "generalized_concentration_index");
            pms_out_set_num(o, cv, f->conc.generalized);
            double z = f->conc.ci_high - f->conc.ci;   /* z SE */
            double zg = f->conc.se > 0 ? z / f->conc.se : NAN;
            pms_out_set_num(o, cl, f->conc.generalized - zg * f->conc.se_generalized);
            pms_out_set_num(o, ch, f->conc.generalized + zg * f->conc.se_generalized);
        }
        pms_out_footnote(o, "%s.", sign_note());
        pms_out_footnote(o, "The concentration index uses the %zu practices with %s (%zu without "
                            "it are left out of the index only).",
                         f->conc_n, a->rank, s->missing_rank);
    }
    if (f->has_boot)
        pms_out_footnote(o, "ci_low/ci_high: %g%% BCa intervals from %lu bootstrap resamples of "
                            "practices (seed %lu); percentile limits are in the CSV/JSON output.",
                         100 * a->ci_level, a->bootstrap, a->seed);
    else if (f->has_conc)
        pms_out_footnote(o, "ci_low/ci_high: %g%% normal intervals with the Kakwani-Wagstaff-van "
                            "Doorslaer (1997) delta-method SE; --bootstrap N adds bootstrap "
                            "intervals for gini, theil_t and the concentration index.",
                         100 * a->ci_level);
    if (a->group)
        pms_out_footnote(o, "between/within: exact decomposition over %zu groups of %s, each part "
                            "computed directly (they add up to the value).",
                         s->ngroups, a->group);
    return o;
}

static pms_out *lorenz_table(const fair_results *f, int deciles)
{
    pms_out *o = pms_out_new("lorenz", deciles ? "Lorenz curve (deciles; every percentile in CSV/JSON)"
                                               : "Lorenz curve");
    if (!o) return NULL;
    int cp = col(o, "p", PMS_OUT_REAL, 2), cl = col(o, "l", PMS_OUT_REAL, 6);
    if (cp < 0 || cl < 0) {
        pms_out_free(o);
        return NULL;
    }
    for (size_t k = 0; k <= 100; k += deciles ? 10 : 1) {
        if (pms_out_row(o)) break;
        pms_out_set_num(o, cp, f->lp[k]);
        pms_out_set_num(o, cl, f->ll[k]);
    }
    pms_out_footnote(o, "l = share of the amount held by the fraction p of the weight with the "
                        "lowest values (linear between practices).");
    return o;
}

static pms_out *groups_table(const fair_args *a, const fair_rows *s, const pms_ineq_group *g)
{
    char title[160];
    snprintf(title, sizeof title, "Groups (%s)", a->group);
    pms_out *o = pms_out_new("groups", title);
    if (!o) return NULL;
    int cg = col(o, "group", PMS_OUT_TEXT, 0), cn = col(o, "n", PMS_OUT_INT, 0),
        cm = col(o, "mean", PMS_OUT_REAL, 4), cw = col(o, "share_patients", PMS_OUT_PCT, 3),
        cf = col(o, "share_funding", PMS_OUT_PCT, 3), ci = col(o, "gini", PMS_OUT_REAL, 6);
    if (cg < 0 || cn < 0 || cm < 0 || cw < 0 || cf < 0 || ci < 0) {
        pms_out_free(o);
        return NULL;
    }
    for (size_t k = 0; k < s->ngroups; k++) {
        if (pms_out_row(o)) break;
        pms_out_set_text(o, cg, s->gname[k]);
        pms_out_set_int(o, cn, (long long)g[k].n);
        pms_out_set_num(o, cm, g[k].mean);
        pms_out_set_num(o, cw, g[k].share_weight);
        pms_out_set_num(o, cf, g[k].share_amount);
        pms_out_set_num(o, ci, g[k].gini);
    }
    pms_out_footnote(o, "share_patients: the group's share of the weight%s%s; share_funding: its "
                        "share of the weighted amount; gini: inside the group.",
                     a->weight ? " " : "", a->weight ? a->weight : "");
    return o;
}

static pms_out *excluded_table(const fair_rows *s, pms_table *t)
{
    pms_out *o = pms_out_new("excluded", "Practices excluded");
    if (!o) return NULL;
    int cr = col(o, "reason", PMS_OUT_TEXT, 0), cc = col(o, "column", PMS_OUT_TEXT, 0),
        cn = col(o, "practices", PMS_OUT_INT, 0);
    if (cr < 0 || cc < 0 || cn < 0) {
        pms_out_free(o);
        return NULL;
    }
    /* The selection's reasons, in the order rows were tested; a missing
     * ranking value leaves the practice out of the concentration index only. */
    pms_excl why[8];
    size_t nwhy = pms_cases_reasons(&s->cs, &s->spec, why, 8);
    for (size_t j = 0; j < nwhy; j++) {
        int rank = why[j].why == PMS_EXCL_OPTIONAL;
        const char *reason = rank ? "missing (concentration index only)" : why[j].reason;
        const char *tag = rank ? "fairness_missing_rank"
                          : why[j].why == PMS_EXCL_NONPOSITIVE ? "fairness_nonpositive"
                                                               : "fairness_missing";
        if (pms_out_row(o)) break;
        pms_out_set_text(o, cr, reason);
        pms_out_set_text(o, cc, why[j].column);
        pms_out_set_int(o, cn, (long long)why[j].count);
        pms_table_note(t, tag, why[j].count, "fairness: %zu practice%s excluded%s: %s %s",
                       why[j].count, why[j].count == 1 ? "" : "s",
                       rank ? " from the concentration index" : "", why[j].column, reason);
    }
    pms_out_footnote(o, "%zu of %zu practices used. Each excluded practice is counted once, under "
                        "the first reason in the order value, weight, group.",
                     s->n, s->rows);
    return o;
}

int pms_cmd_fairness(int argc, char **argv)
{
    pms_cli_common c;
    pms_cli_common_init(&c, "fairness", argc, argv);
    fair_args a;
    memset(&a, 0, sizeof a);
    a.ci_level = 0.95;
    a.seed = 1;
    int rc = parse_args(argc, argv, &c, &a);
    if (rc || c.help) return rc;
    pms_table *t = NULL;
    pms_fair_table f;
    memset(&f, 0, sizeof f);
    pms_out *tables[5] = {NULL, NULL, NULL, NULL, NULL};
    size_t ntables = 0;
    pms_err err = {{0}};
    pms_status st = PMS_OK;
    pms_fair_table_opts fo = {a.value, a.weight, a.group, a.rank, a.bootstrap, a.seed, c.threads,
                              a.ci_level};
    if ((rc = pms_cli_open_data(&c, defaults, &t))) goto done;
    if ((st = pms_fair_table_compute(t, &fo, &f, &err))) goto fail;
    tables[ntables++] = c.format == PMS_FMT_TEXT ? long_table(&a, &f, &f) : wide_table(&a, &f, &f);
    tables[ntables++] = lorenz_table(&f, c.format == PMS_FMT_TEXT);
    if (a.group) tables[ntables++] = groups_table(&a, &f, f.groups);
    tables[ntables++] = excluded_table(&f, t);
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
    pms_fair_table_free(&f);
    pms_table_free(t);
    return rc;
}
