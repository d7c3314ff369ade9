/* pmsreview correlate: Pearson, Spearman and Kendall correlations of one
 * column with others, nationally or per group, with intervals, p-values as
 * R's cor.test, adjustment across everything printed, the smallest
 * detectable correlation, an equivalence test and a verdict in words. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/correlate.h"
#include "analysis/padjust.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "io/correlate_table.h"

static const char *about =
    "Correlation of --x with each --y column, for each method and (with --by) each\n"
    "group: the estimate, a confidence interval, a two-sided p-value as R's cor.test,\n"
    "the p-value adjusted across every result printed, the smallest correlation the\n"
    "sample could detect, and a verdict in plain words.";

static const char *epilog =
    "Intervals: Fisher z; for Spearman with the Bonett-Wright variance (1 + rho^2/2)/(n-3),\n"
    "for Kendall the Fieller-Hartley-Pearson variance 0.437/(n-4).  p-values: t test\n"
    "(Pearson); Spearman exact (n <= 9) or AS 89 (n <= 1290) without ties, else t;\n"
    "Kendall exact for n < 50 without ties, else normal with tie-corrected variance.\n\n"
    "Verdict (alpha = 1 - ci-level): 'correlation shown' if the adjusted p < alpha;\n"
    "'no correlation as large as D' if the TOST p < alpha (both can hold: shown but\n"
    "smaller than D); otherwise 'inconclusive', with the smallest |correlation| the\n"
    "sample detects at the given power.  Rows missing x, y, the weight or a control\n"
    "are excluded and counted by reason.\n\n"
    "Examples:\n"
    "  # Does payment per weighted patient correlate with deprivation, nationally?\n"
    "  pmsreview correlate --x imd2015 --y payments_per_weighted --equivalence 0.1\n"
    "  # In Bristol (CCG 11H), with bootstrap intervals:\n"
    "  pmsreview correlate --x imd2015 --y payments_per_weighted \\\n"
    "      --where 'ccg_code = 11H' --method spearman --bootstrap 10000 --seed 7\n"
    "  # Every CCG, Benjamini-Hochberg across all of them, as JSON:\n"
    "  pmsreview correlate --x imd2015 --y payments_per_weighted --by ccg_code \\\n"
    "      --method spearman --adjust bh --format json\n"
    "  # Weighted by list size, and partial given practice size:\n"
    "  pmsreview correlate --x imd2015 --y payments_per_weighted --weight registered_patients\n"
    "  pmsreview correlate --x imd2015 --y payments_per_weighted --control weighted_patients\n\n"
    "Exit status: 0 success; 1 usage error, or data that cannot give a correlation\n"
    "(a constant column, too few practices, a weight <= 0, controls that make the\n"
    "design singular), as regress and fairness; 2 bad input data (a malformed file).\n";

static const char *const defaults[] = {"nhs-payments/nhs-payments-gp-2014-15.csv",
                                       "practice-imd/practice-imd-fingertips-93553.csv", NULL};

#define MAXY 64
#define MAXCTL PMS_CT_MAXCTL

typedef struct {
    const char *x;
    const char *y[MAXY];
    size_t ny;
    pms_corr_method methods[3];
    size_t nmethods;
    const char *weight;
    const char *control[MAXCTL];
    size_t ncontrol;
    const char *by;
    unsigned long boot;
    unsigned long seed;
    double ci_level;
    pms_adjust_method adjust;
    double delta;   /* NaN: not asked */
    double power;
    char *bufs[2 * MAXY];
    size_t nbufs;
} corr_args;

/* --method LIST: a CALL row of the option table. */
static int method_opt(const char *cmd, const char *arg, void *to)
{
    corr_args *a = to;
    char buf[128];
    if (strlen(arg) >= sizeof buf) return pms_cli_usage(cmd, "--method list too long");
    strcpy(buf, arg);
    const char *items[8];
    int k = pms_cli_split(buf, items, 8);
    if (k <= 0) return pms_cli_usage(cmd, "--method needs pearson, spearman or kendall");
    a->nmethods = 0;
    for (int i = 0; i < k; i++) {
        pms_corr_method m;
        if (!strcmp(items[i], "pearson")) m = PMS_CORR_PEARSON;
        else if (!strcmp(items[i], "spearman")) m = PMS_CORR_SPEARMAN;
        else if (!strcmp(items[i], "kendall")) m = PMS_CORR_KENDALL;
        else
            return pms_cli_usage(cmd,
                                 "--method expects pearson, spearman or kendall, not '%s'", items[i]);
        for (size_t j = 0; j < a->nmethods; j++)
            if (a->methods[j] == m)
                return pms_cli_usage(cmd, "method '%s' is named twice", items[i]);
        if (a->nmethods == 3) return pms_cli_usage(cmd, "too many methods");
        a->methods[a->nmethods++] = m;
    }
    return 0;
}

static int adjust_opt(const char *cmd, const char *arg, void *m)
{
    if (pms_adjust_parse(arg, m))
        return pms_cli_usage(cmd, "--adjust expects none, holm, bh or by, not '%s'", arg);
    return 0;
}

static int parse_args(int argc, char **argv, pms_cli_common *c, corr_args *a)
{
    const pms_cli_opt opts[] = {
        {.name = "x", .kind = PMS_ARG_TEXT, .to = &a->x, .flags = PMS_ARG_REQUIRED, .meta = "COL",
         .help = "the first variable (e.g. imd2015)"},
        {.name = "y", .kind = PMS_ARG_LIST, .to = a->y, .n = &a->ny, .max = MAXY,
         .flags = PMS_ARG_REQUIRED, .meta = "COL[,COL...]",
         .help = "the second variable(s) (repeatable)"},
        {.name = "method", .kind = PMS_ARG_CALL, .to = a, .call = method_opt, .meta = "LIST",
         .usage = "--method pearson,spearman,kendall",
         .help = "pearson, spearman, kendall (default: all three; pearson and\n"
                 "spearman with --weight or --control)"},
        {.name = "weight", .kind = PMS_ARG_TEXT, .to = &a->weight, .meta = "COL",
         .help = "weighted Pearson, and Spearman as weighted Pearson of weighted\n"
                 "mid-ranks; intervals and tests use Kish's effective n\n"
                 "(sum w)^2/sum w^2; a weight <= 0 is an error"},
        {.name = "control", .kind = PMS_ARG_LIST, .to = a->control, .n = &a->ncontrol,
         .max = MAXCTL, .meta = "COL,...",
         .help = "partial correlation given these columns (Pearson, or Spearman\n"
                 "on ranks), df reduced by their number as R's ppcor; not with\n"
                 "--weight (no weighted partial correlation is offered)"},
        {.name = "by", .kind = PMS_ARG_TEXT, .to = &a->by, .meta = "COL",
         .help = "one result per value of COL (e.g. ccg_code)"},
        {.name = "bootstrap", .kind = PMS_ARG_UINT, .to = &a->boot, .lo = 2, .hi = 1e7,
         .meta = "N",
         .help = "add percentile and BCa intervals from N paired resamples\n"
                 "(use 2000 or more for BCa); not with --control"},
        {.name = "seed", .kind = PMS_ARG_UINT, .to = &a->seed, .meta = "S",
         .help = "bootstrap seed (default 1); results do not depend on --threads"},
        {.name = "ci-level", .kind = PMS_ARG_REAL, .to = &a->ci_level, .lo = 0, .hi = 1,
         .flags = PMS_ARG_LO_OPEN | PMS_ARG_HI_OPEN, .meta = "L",
         .help = "confidence level in (0, 1); default 0.95; the test level is 1 - L"},
        {.name = "adjust", .kind = PMS_ARG_CALL, .to = &a->adjust, .call = adjust_opt,
         .meta = "M", .usage = "--adjust none|holm|bh|by",
         .help = "p-value adjustment across all results printed: holm (default),\n"
                 "bh (Benjamini-Hochberg), by (Benjamini-Yekutieli) or none"},
        {.name = "equivalence", .kind = PMS_ARG_REAL, .to = &a->delta, .lo = 0, .hi = 1,
         .flags = PMS_ARG_LO_OPEN | PMS_ARG_HI_OPEN,
         .bad = "must be between 0 and 1 (a correlation)", .meta = "D",
         .help = "also test |correlation| < D (0 < D < 1) by two one-sided tests\n"
                 "on the Fisher z scale (TOST)"},
        {.name = "power", .kind = PMS_ARG_REAL, .to = &a->power, .lo = 0, .hi = 1,
         .flags = PMS_ARG_LO_OPEN | PMS_ARG_HI_OPEN, .meta = "P",
         .help = "power for the smallest detectable correlation; default 0.8"},
        PMS_CLI_OPTS_INPUT(c),
        PMS_CLI_OPTS_SELECT(c),
        PMS_CLI_OPT_FORMAT(c, PMS_CLI_HELP_FORMAT),
        PMS_CLI_OPT_THREADS(c, "threads for the bootstrap (default: all CPUs)"),
        PMS_CLI_END};
    const pms_cli_spec spec = {"correlate", about, epilog, 22, opts, a->bufs, &a->nbufs,
                               sizeof a->bufs / sizeof a->bufs[0]};
    int rc = pms_cli_parse(&spec, argc, argv, &c->help);
    if (rc || c->help) return rc;
    int explicit_methods = a->nmethods > 0;
    for (size_t j = 0; j < a->ny; j++) {
        if (!strcmp(a->y[j], a->x))
            return pms_cli_usage("correlate", "'%s' is both --x and --y", a->x);
        for (size_t l = 0; l < j; l++)
            if (!strcmp(a->y[j], a->y[l]))
                return pms_cli_usage("correlate", "--y column '%s' is named twice", a->y[j]);
    }
    for (size_t j = 0; j < a->ncontrol; j++) {
        if (!strcmp(a->control[j], a->x))
            return pms_cli_usage("correlate", "'%s' is both --x and a control", a->x);
        for (size_t l = 0; l < a->ny; l++)
            if (!strcmp(a->control[j], a->y[l]))
                return pms_cli_usage("correlate", "'%s' is both --y and a control", a->y[l]);
        for (size_t l = 0; l < j; l++)
            if (!strcmp(a->control[j], a->control[l]))
                return pms_cli_usage("correlate", "control '%s' is named twice", a->control[j]);
    }
    if (!explicit_methods) {
        a->methods[0] = PMS_CORR_PEARSON;
        a->methods[1] = PMS_CORR_SPEARMAN;
        a->methods[2] = PMS_CORR_KENDALL;
        a->nmethods = (a->weight || a->ncontrol) ? 2 : 3;
    }
    for (size_t m = 0; m < a->nmethods; m++)
        if (a->methods[m] == PMS_CORR_KENDALL && (a->weight || a->ncontrol))
            return pms_cli_usage("correlate", "kendall cannot be combined with %s (use pearson or "
                                              "spearman)",
                                 a->weight ? "--weight" : "--control");
    if (a->weight && a->ncontrol)
        return pms_cli_usage("correlate", "--weight and --control cannot be combined");
    if (a->boot && a->ncontrol)
        return pms_cli_usage("correlate", "--bootstrap cannot be combined with --control");
    return 0;
}

/* A progress line when stderr is a terminal only: long work. */
static void progress(void *ctx, size_t row, size_t nrows, unsigned long resamples)
{
    (void)ctx;
    fprintf(stderr, "\rbootstrap: result %zu of %zu (%lu resamples)...", row, nrows, resamples);
}

/* A weight <= 0: the error names the file and line, and how to leave such
 * practices out. */
static int weight_error(const corr_args *a, const pms_table *t, const pms_err *e)
{
    const double *wcol = NULL;
    pms_err ignore;
    size_t i = e->row ? e->row - 1 : 0;
    pms_table_numeric(t, a->weight, &wcol, &ignore);
    pms_cli_error("%s:%ld: weight '%s' is %g: weights must be > 0 (exclude such practices with "
                  "--where '%s > 0')",
                  t->nsources ? t->sources[0].path : "input", t->line ? t->line[i] : 0L, a->weight,
                  wcol && i < t->nrows ? wcol[i] : NAN, a->weight);
    return PMS_EXIT_USAGE;
}

/* The computation (io/correlate_table.h), with a progress line for the bootstrap. */
static int run(const corr_args *a, pms_corr_table_opts *o, const pms_table *t,
               pms_corr_table_result *res)
{
    int tty = a->boot && isatty(STDERR_FILENO);
    o->progress = tty ? progress : NULL;
    pms_err err = {{0}};
    pms_status st = pms_corr_table(t, o, res, &err);
    if (tty) fputs("\r\033[K", stderr);
    if (st == PMS_EDOMAIN && !strcmp(err.role, "weight")) return weight_error(a, t, &err);
    return st ? pms_cli_fail(st, &err) : 0;
}

int pms_cmd_correlate(int argc, char **argv)
{
    pms_cli_common c;
    pms_cli_common_init(&c, "correlate", argc, argv);
    corr_args a;
    memset(&a, 0, sizeof a);
    a.ci_level = 0.95;
    a.adjust = PMS_ADJ_HOLM;
    a.delta = NAN;
    a.power = 0.8;
    a.seed = 1;
    int rc = parse_args(argc, argv, &c, &a);
    if (rc || c.help) {
        for (size_t i = 0; i < a.nbufs; i++) free(a.bufs[i]);
        return rc;
    }
    pms_table *t = NULL;
    pms_err err = {{0}};
    pms_corr_table_result res;
    memset(&res, 0, sizeof res);
    pms_corr_table_opts o = {a.x, a.y, a.ny, a.methods, a.nmethods, a.weight, a.control,
                             a.ncontrol, a.by, a.boot, a.seed, c.threads, a.ci_level, a.adjust,
                             a.delta, a.power, NULL, NULL};
    pms_out *tables[PMS_CT_NOUT] = {NULL};
    if ((rc = pms_cli_open_data(&c, defaults, &t)) || (rc = run(&a, &o, t, &res))) goto done;
    pms_status st = pms_corr_table_out(t, &o, &res, tables, &err);
    rc = st ? pms_cli_fail(st, &err) : pms_cli_emit(&c, tables, PMS_CT_NOUT, t);
done:
    for (size_t i = 0; i < PMS_CT_NOUT; i++) pms_out_free(tables[i]);
    pms_corr_table_result_free(&res);
    pms_table_free(t);
    for (size_t i = 0; i < a.nbufs; i++) free(a.bufs[i]);
    return rc;
}
