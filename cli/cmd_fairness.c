/* pmsreview fairness: inequality and concentration of a per-practice amount
 * (issue 4).  Thin: parse options, call io/fairness_table (the selection step,
 * then analysis/inequality, concentration and fairness), print. */
#include <string.h>

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

/* Straight into the library call's options (threads from the common ones). */
static int parse_args(int argc, char **argv, pms_cli_common *c, pms_fair_table_opts *a)
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

int pms_cmd_fairness(int argc, char **argv)
{
    pms_cli_common c;
    pms_cli_common_init(&c, "fairness", argc, argv);
    pms_fair_table_opts fo;
    memset(&fo, 0, sizeof fo);
    fo.ci_level = 0.95;
    fo.seed = 1;
    int rc = parse_args(argc, argv, &c, &fo);
    if (rc || c.help) return rc;
    fo.threads = c.threads;
    pms_table *t = NULL;
    pms_fair_table f;
    memset(&f, 0, sizeof f);
    pms_out *tables[PMS_FAIR_TABLE_MAXOUT] = {NULL};
    size_t ntables = 0;
    pms_err err = {{0}};
    pms_status st;
    if ((rc = pms_cli_open_data(&c, defaults, &t))) goto done;
    st = pms_fair_table_compute(t, &fo, &f, &err);
    if (!st) st = pms_fair_table_out(t, &fo, &f, c.format == PMS_FMT_TEXT, tables, &ntables, &err);
    rc = st ? pms_cli_fail(st, &err) : pms_cli_emit(&c, tables, ntables, t);
done:
    for (size_t i = 0; i < ntables; i++) pms_out_free(tables[i]);
    pms_fair_table_free(&f);
    pms_table_free(t);
    return rc;
}
