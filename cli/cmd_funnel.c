/* pmsreview funnel: Spiegelhalter funnel-plot limits, z-scores and outliers
 * for a per-practice indicator against practice size (issue 4).  Thin: parse
 * options, call io/funnel_table (the selection step, the reading of
 * proportions, analysis/funnel), print. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/funnel.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "io/funnel_table.h"

static const char *about =
    "Funnel plot of an indicator per practice against its size (Spiegelhalter 2005):\n"
    "the target, control limits at each size, each practice's z-score, which limits it\n"
    "falls outside and a list of outliers, most extreme first.  CSV/JSON also hold every\n"
    "practice and the limit curves on a grid of 200 sizes, which is what the plot draws.";

static const char *epilog =
    "Practices with a missing value or size, or a size <= 0, are excluded and counted.\n\n"
    "Examples:\n"
    "  # Payments per weighted patient against list size, with over-dispersion:\n"
    "  pmsreview funnel --value payments_per_weighted --size weighted_patients \\\n"
    "      --overdispersion multiplicative\n"
    "  # A proportion: practices' QOF exceptions over eligible patients:\n"
    "  pmsreview funnel --data qof.csv --value exceptions --size eligible --type proportion \\\n"
    "      --overdispersion additive --format json\n\n"
    "Exit status: 0 success; 1 usage or analysis error; 2 bad input data.\n";

static const char *const defaults[] = {"nhs-payments/nhs-payments-gp-2014-15.csv",
                                       "practice-imd/practice-imd-fingertips-93553.csv", NULL};

typedef struct {
    pms_funnel_table_opts o;                       /* columns, fit, reading, labels */
    char label[PMS_FUNNEL_MAXLEVELS][PMS_FUNNEL_LABEL];   /* --limits as given: "99.8" */
} funnel_args;

/* --limits L,L: a CALL row of the option table. */
static int limits_opt(const char *cmd, const char *arg, void *to)
{
    funnel_args *a = to;
    char *copy = strdup(arg);
    if (!copy) {
        pms_cli_error("out of memory");
        return PMS_EXIT_USAGE;
    }
    const char *items[PMS_FUNNEL_MAXLEVELS + 1];
    int k = pms_cli_split(copy, items, PMS_FUNNEL_MAXLEVELS);
    int rc = 0;
    if (k <= 0) {
        rc = pms_cli_usage(cmd, "--limits expects 1 to %d percentages such as 95,99.8, not '%s'",
                           PMS_FUNNEL_MAXLEVELS, arg);
    }
    for (int i = 0; i < k && !rc; i++) {
        double v;
        if (pms_cli_parse_double(cmd, "--limits", items[i], &v)) {
            rc = PMS_EXIT_USAGE;
            break;
        }
        if (!(v > 0 && v < 100)) {
            rc = pms_cli_usage(cmd, "--limits: %s is not a percentage between 0 and 100",
                               items[i]);
            break;
        }
        if (i && !(v > a->o.fit.levels[i - 1] * 100)) {
            rc = pms_cli_usage(cmd, "--limits must increase, as in 95,99.8");
            break;
        }
        a->o.fit.levels[i] = v / 100;
        snprintf(a->label[i], sizeof a->label[i], "%g", v);
        a->o.label[i] = a->label[i];
    }
    if (!rc) a->o.fit.nlevels = (size_t)k;
    free(copy);
    return rc;
}

static const char *const type_names[] = {"mean", "proportion", NULL};
static const char *const od_names[] = {"none", "multiplicative", "additive", NULL};
static const char *const input_names[] = {"auto", "count", "percentage", NULL};

static int parse_args(int argc, char **argv, pms_cli_common *c, funnel_args *a)
{
    int type = a->o.fit.type == PMS_FUNNEL_PROPORTION, input = -1;
    int od = a->o.fit.overdispersion == PMS_OD_MULTIPLICATIVE ? 1
             : a->o.fit.overdispersion == PMS_OD_ADDITIVE     ? 2
                                                           : 0;
    const pms_cli_opt opts[] = {
        {.name = "value", .kind = PMS_ARG_TEXT, .to = &a->o.value, .flags = PMS_ARG_REQUIRED,
         .meta = "COL",
         .help = "the indicator: for --type mean a mean per unit of size (e.g.\n"
                 "payments_per_weighted); for --type proportion a count, or a\n"
                 "percentage, of --size, as --input says"},
        {.name = "size", .kind = PMS_ARG_TEXT, .to = &a->o.size, .flags = PMS_ARG_REQUIRED,
         .meta = "COL", .help = "the practice's size: weighted patients, or the denominator"},
        {.name = "type", .kind = PMS_ARG_ENUM, .to = &type, .names = type_names, .meta = "T",
         .help = "mean (default): target = size-weighted mean, limits\n"
                 "target +- z sigma/sqrt(size), sigma^2 = sum size (value -\n"
                 "target)^2 / (I - 1) estimated from the practices;\n"
                 "proportion: target = pooled proportion, interpolated exact\n"
                 "binomial limits (Spiegelhalter 2005, appendix A.1.1)"},
        {.name = "input", .kind = PMS_ARG_ENUM, .to = &input, .names = input_names, .meta = "I",
         .help = "--type proportion: count (value/size: whole numbers 0 to size),\n"
                 "percentage (value/100: 0 to 100) or auto (default: counts if\n"
                 "every value is a whole number from 0 to its size, else\n"
                 "percentages); a value that breaks the rule is an error naming\n"
                 "its line"},
        {.name = "limits", .kind = PMS_ARG_CALL, .to = a, .call = limits_opt, .meta = "L,L",
         .usage = "--limits 95,99.8",
         .help = "two-sided coverage of the limits in percent (default 95,99.8)"},
        {.name = "overdispersion", .kind = PMS_ARG_ENUM, .to = &od, .names = od_names,
         .meta = "M",
         .help = "none (default); multiplicative: variance x phi, phi = mean of\n"
                 "the squared Winsorised z-scores, applied only if phi > 1;\n"
                 "additive: variance + tau^2, the DerSimonian-Laird estimate from\n"
                 "phi (Spiegelhalter 2005, QSHC 14:347); both give normal limits"},
        {.name = "winsorise", .kind = PMS_ARG_REAL, .to = &a->o.fit.winsorise, .lo = 0, .hi = 0.5,
         .flags = PMS_ARG_HI_OPEN, .bad = "must be at least 0 and below 0.5", .meta = "Q",
         .help = "fraction of z-scores Winsorised in each tail for phi (default\n"
                 "0.1; 0 for none)"},
        PMS_CLI_OPTS_INPUT(c),
        PMS_CLI_OPTS_SELECT(c),
        PMS_CLI_OPT_FORMAT(c, PMS_CLI_HELP_FORMAT),
        PMS_CLI_END};
    const pms_cli_spec spec = {"funnel", about, epilog, 20, opts, NULL, NULL, 0};
    int rc = pms_cli_parse(&spec, argc, argv, &c->help);
    if (rc || c->help) return rc;
    static const pms_funnel_od ods[] = {PMS_OD_NONE, PMS_OD_MULTIPLICATIVE, PMS_OD_ADDITIVE};
    static const pms_funnel_input inputs[] = {PMS_FUNNEL_INPUT_AUTO, PMS_FUNNEL_INPUT_COUNT,
                                              PMS_FUNNEL_INPUT_PERCENT};
    a->o.fit.type = type ? PMS_FUNNEL_PROPORTION : PMS_FUNNEL_MEAN;
    a->o.fit.overdispersion = ods[od];
    if (input >= 0) a->o.input = inputs[input];
    if (input >= 0 && a->o.fit.type != PMS_FUNNEL_PROPORTION)
        return pms_cli_usage("funnel", "--input applies to --type proportion only");
    return 0;
}

/* A proportion's values read AUTO that are neither counts nor percentages:
 * the library's message, and how to choose a reading. */
static int input_error(const pms_err *err)
{
    pms_cli_error("%s. Say which they are with --input count or --input percentage", err->msg);
    return pms_status_exit_code(PMS_EPARSE);
}

int pms_cmd_funnel(int argc, char **argv)
{
    pms_cli_common c;
    pms_cli_common_init(&c, "funnel", argc, argv);
    funnel_args a;
    memset(&a, 0, sizeof a);
    pms_funnel_opts_default(&a.o.fit);
    int rc = parse_args(argc, argv, &c, &a);
    if (rc || c.help) return rc;
    pms_table *t = NULL;
    pms_funnel_table f;
    memset(&f, 0, sizeof f);
    pms_out *tables[PMS_FUNNEL_TABLE_MAXOUT] = {NULL};
    size_t ntables = 0;
    pms_err err = {{0}};
    pms_status st;
    if ((rc = pms_cli_open_data(&c, defaults, &t))) goto done;
    st = pms_funnel_table_compute(t, &a.o, &f, &err);
    if (!st) st = pms_funnel_table_out(t, &a.o, &f, c.format == PMS_FMT_TEXT, tables, &ntables, &err);
    if (st == PMS_EPARSE && !strcmp(err.role, "input")) rc = input_error(&err);
    else rc = st ? pms_cli_fail(st, &err) : pms_cli_emit(&c, tables, ntables, t);
done:
    for (size_t i = 0; i < ntables; i++) pms_out_free(tables[i]);
    pms_funnel_table_free(&f);
    pms_table_free(t);
    return rc;
}
