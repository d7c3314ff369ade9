/* pmsreview funnel: Spiegelhalter funnel-plot limits, z-scores and outliers
 * for a per-practice indicator against practice size (issue 4). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/funnel.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "io/cases.h"

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
    const char *value, *size;
    pms_funnel_opts fo;
    pms_funnel_input input;
    int input_set;
    char limit_names[PMS_FUNNEL_MAXLEVELS][16];   /* "95", "99_8" for keys */
    char limit_text[PMS_FUNNEL_MAXLEVELS][16];    /* "95", "99.8" for text */
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
        if (i && !(v > a->fo.levels[i - 1] * 100)) {
            rc = pms_cli_usage(cmd, "--limits must increase, as in 95,99.8");
            break;
        }
        a->fo.levels[i] = v / 100;
        snprintf(a->limit_text[i], sizeof a->limit_text[i], "%g", v);
        snprintf(a->limit_names[i], sizeof a->limit_names[i], "%g", v);
        for (char *p = a->limit_names[i]; *p; p++)
            if (*p == '.') *p = '_';
    }
    if (!rc) a->fo.nlevels = (size_t)k;
    free(copy);
    return rc;
}

static const char *const type_names[] = {"mean", "proportion", NULL};
static const char *const od_names[] = {"none", "multiplicative", "additive", NULL};
static const char *const input_names[] = {"auto", "count", "percentage", NULL};

static int parse_args(int argc, char **argv, pms_cli_common *c, funnel_args *a)
{
    int type = a->fo.type == PMS_FUNNEL_PROPORTION, input = -1;
    int od = a->fo.overdispersion == PMS_OD_MULTIPLICATIVE ? 1
             : a->fo.overdispersion == PMS_OD_ADDITIVE     ? 2
                                                           : 0;
    const pms_cli_opt opts[] = {
        {.name = "value", .kind = PMS_ARG_TEXT, .to = &a->value, .flags = PMS_ARG_REQUIRED,
         .meta = "COL",
         .help = "the indicator: for --type mean a mean per unit of size (e.g.\n"
                 "payments_per_weighted); for --type proportion a count, or a\n"
                 "percentage, of --size, as --input says"},
        {.name = "size", .kind = PMS_ARG_TEXT, .to = &a->size, .flags = PMS_ARG_REQUIRED,
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
        {.name = "winsorise", .kind = PMS_ARG_REAL, .to = &a->fo.winsorise, .lo = 0, .hi = 0.5,
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
    a->fo.type = type ? PMS_FUNNEL_PROPORTION : PMS_FUNNEL_MEAN;
    a->fo.overdispersion = ods[od];
    a->input_set = input >= 0;
    if (a->input_set) a->input = inputs[input];
    if (a->input_set && a->fo.type != PMS_FUNNEL_PROPORTION)
        return pms_cli_usage("funnel", "--input applies to --type proportion only");
    return 0;
}

static const char *od_name(pms_funnel_od od)
{
    return od == PMS_OD_MULTIPLICATIVE ? "multiplicative" : od == PMS_OD_ADDITIVE ? "additive" : "none";
}

/* Columns are fixed before the first row: define them all, then fill. */
static pms_out *summary_table(const funnel_args *a, const pms_funnel_result *r, size_t excluded,
                              const char *input)
{
    pms_out *o = pms_out_new("funnel", "Funnel plot");
    if (!o) return NULL;
    int c_type = pms_out_col(o, "type", PMS_OUT_TEXT, 0),
        c_val = pms_out_col(o, "value", PMS_OUT_TEXT, 0),
        c_size = pms_out_col(o, "size", PMS_OUT_TEXT, 0),
        c_in = pms_out_col(o, "input", PMS_OUT_TEXT, 0),
        c_n = pms_out_col(o, "n", PMS_OUT_INT, 0),
        c_x = pms_out_col(o, "n_excluded", PMS_OUT_INT, 0),
        c_t = pms_out_col(o, "target", PMS_OUT_REAL, 6),
        c_s = pms_out_col(o, "sigma", PMS_OUT_REAL, 6),
        c_od = pms_out_col(o, "overdispersion", PMS_OUT_TEXT, 0),
        c_w = pms_out_col(o, "winsorise", PMS_OUT_REAL, 3),
        c_phi = pms_out_col(o, "phi", PMS_OUT_REAL, 6),
        c_pa = pms_out_col(o, "phi_applied", PMS_OUT_BOOL, 0),
        c_tau = pms_out_col(o, "tau2", PMS_OUT_REAL, 8),
        c_lim = pms_out_col(o, "limits", PMS_OUT_TEXT, 0);
    int c_out[PMS_FUNNEL_MAXLEVELS], c_ab[PMS_FUNNEL_MAXLEVELS], c_be[PMS_FUNNEL_MAXLEVELS];
    int bad = c_type < 0 || c_val < 0 || c_size < 0 || c_in < 0 || c_n < 0 || c_x < 0 || c_t < 0 ||
              c_s < 0 || c_od < 0 || c_w < 0 || c_phi < 0 || c_pa < 0 || c_tau < 0 || c_lim < 0;
    for (size_t l = 0; l < r->nlevels && !bad; l++) {
        char k[48];
        snprintf(k, sizeof k, "outside_%s", a->limit_names[l]);
        c_out[l] = pms_out_col(o, k, PMS_OUT_INT, 0);
        snprintf(k, sizeof k, "above_%s", a->limit_names[l]);
        c_ab[l] = pms_out_col(o, k, PMS_OUT_INT, 0);
        snprintf(k, sizeof k, "below_%s", a->limit_names[l]);
        c_be[l] = pms_out_col(o, k, PMS_OUT_INT, 0);
        bad = c_out[l] < 0 || c_ab[l] < 0 || c_be[l] < 0;
    }
    /* Added last (issue 17) so that CSV columns before it keep their places. */
    int c_ta = pms_out_col(o, "tau2_applied", PMS_OUT_BOOL, 0);
    if (bad || c_ta < 0 || pms_out_row(o)) {
        pms_out_free(o);
        return NULL;
    }
    pms_out_set_text(o, c_type, r->type == PMS_FUNNEL_PROPORTION ? "proportion" : "mean");
    pms_out_set_text(o, c_val, a->value);
    pms_out_set_text(o, c_size, a->size);
    pms_out_set_text(o, c_in, input);
    pms_out_set_int(o, c_n, (long long)r->n);
    pms_out_set_int(o, c_x, (long long)excluded);
    pms_out_set_num(o, c_t, r->target);
    pms_out_set_num(o, c_s, r->sigma);
    pms_out_set_text(o, c_od, od_name(r->overdispersion));
    pms_out_set_num(o, c_w, r->winsorise);
    pms_out_set_num(o, c_phi, r->phi);
    pms_out_set_bool(o, c_pa, r->phi_applied);
    pms_out_set_num(o, c_tau, r->tau2);
    pms_out_set_bool(o, c_ta, r->tau2_applied);
    pms_out_set_text(o, c_lim, r->exact ? "exact binomial, interpolated" : "normal");
    for (size_t l = 0; l < r->nlevels; l++) {
        pms_out_set_int(o, c_out[l], (long long)r->n_outside[l]);
        pms_out_set_int(o, c_ab[l], (long long)r->n_above[l]);
        pms_out_set_int(o, c_be[l], (long long)r->n_below[l]);
    }
    if (r->type == PMS_FUNNEL_MEAN)
        pms_out_footnote(o, "Target: the %s-weighted mean of %s. Variance model: Var = sigma^2 / "
                            "%s, sigma estimated from the practices (sum size (value - target)^2 "
                            "/ (I - 1)).", a->size, a->value, a->size);
    else
        pms_out_footnote(o, "Target: the pooled proportion. Without an over-dispersion adjustment "
                            "the limits are Spiegelhalter's interpolated exact binomial limits.");
    pms_out_footnote(o, "phi = mean squared z-score after Winsorising %g%% in each tail; "
                        "tau2 = DerSimonian-Laird estimate from phi (0 if negative). %s",
                     100 * r->winsorise,
                     r->overdispersion == PMS_OD_MULTIPLICATIVE
                         ? (r->phi_applied ? "Limits widened by sqrt(phi)."
                                           : "phi <= 1: no adjustment applied.")
                     : r->overdispersion == PMS_OD_ADDITIVE
                         ? (r->tau2_applied ? "Limits use variance + tau2. tau2_applied says so; "
                                              "phi_applied is for the multiplicative model."
                                            : "tau2 = 0: no adjustment applied (exact limits "
                                              "kept for proportions).")
                                                            : "No adjustment asked for (--overdispersion).");
    return o;
}

static pms_out *units_table(const char *name, const char *title, const funnel_args *a,
                            const pms_funnel_result *r, const size_t *rows, const double *y,
                            const double *sz, const char *const *code, const size_t *idx,
                            size_t count)
{
    pms_out *o = pms_out_new(name, title);
    if (!o) return NULL;
    int cc = pms_out_col(o, "practice_code", PMS_OUT_TEXT, 0),
        cv = pms_out_col(o, "value", PMS_OUT_REAL, 4), cs = pms_out_col(o, "size", PMS_OUT_REAL, 1),
        cz = pms_out_col(o, "z", PMS_OUT_REAL, 3);
    int cl[PMS_FUNNEL_MAXLEVELS], ch[PMS_FUNNEL_MAXLEVELS];
    int bad = cc < 0 || cv < 0 || cs < 0 || cz < 0;
    for (size_t l = 0; l < r->nlevels && !bad; l++) {
        char k[48];
        snprintf(k, sizeof k, "low_%s", a->limit_names[l]);
        cl[l] = pms_out_col(o, k, PMS_OUT_REAL, 4);
        snprintf(k, sizeof k, "high_%s", a->limit_names[l]);
        ch[l] = pms_out_col(o, k, PMS_OUT_REAL, 4);
        bad = cl[l] < 0 || ch[l] < 0;
    }
    int co = pms_out_col(o, "outside", PMS_OUT_TEXT, 0), cd = pms_out_col(o, "direction", PMS_OUT_TEXT, 0);
    if (bad || co < 0 || cd < 0) {
        pms_out_free(o);
        return NULL;
    }
    for (size_t j = 0; j < count; j++) {
        size_t i = idx ? idx[j] : j;
        const pms_funnel_unit *u = &r->units[i];
        if (pms_out_row(o)) break;
        pms_out_set_text(o, cc, code ? code[rows[i]] : NULL);
        pms_out_set_num(o, cv, y[i]);
        pms_out_set_num(o, cs, sz[i]);
        pms_out_set_num(o, cz, u->z);
        for (size_t l = 0; l < r->nlevels; l++) {
            pms_out_set_num(o, cl[l], u->low[l]);
            pms_out_set_num(o, ch[l], u->high[l]);
        }
        pms_out_set_text(o, co, u->outside ? a->limit_text[u->outside - 1] : "");
        pms_out_set_text(o, cd, u->direction > 0 ? "above" : u->direction < 0 ? "below" : "");
    }
    if (idx)
        pms_out_footnote(o, "Practices outside the %s%% limits, largest |z| first; 'outside' is the "
                            "widest limits they fall outside.", a->limit_text[0]);
    return o;
}

static pms_out *grid_table(const funnel_args *a, const pms_funnel_result *r)
{
    pms_out *o = pms_out_new("limits", "Limit curves");
    if (!o) return NULL;
    int cs = pms_out_col(o, "size", PMS_OUT_REAL, 1);
    int cl[PMS_FUNNEL_MAXLEVELS], ch[PMS_FUNNEL_MAXLEVELS];
    int bad = cs < 0;
    for (size_t l = 0; l < r->nlevels && !bad; l++) {
        char k[48];
        snprintf(k, sizeof k, "low_%s", a->limit_names[l]);
        cl[l] = pms_out_col(o, k, PMS_OUT_REAL, 6);
        snprintf(k, sizeof k, "high_%s", a->limit_names[l]);
        ch[l] = pms_out_col(o, k, PMS_OUT_REAL, 6);
        bad = cl[l] < 0 || ch[l] < 0;
    }
    if (bad) {
        pms_out_free(o);
        return NULL;
    }
    for (size_t g = 0; g < r->ngrid; g++) {
        if (pms_out_row(o)) break;
        pms_out_set_num(o, cs, r->grid_size[g]);
        for (size_t l = 0; l < r->nlevels; l++) {
            pms_out_set_num(o, cl[l], r->grid_low[g * r->nlevels + l]);
            pms_out_set_num(o, ch[l], r->grid_high[g * r->nlevels + l]);
        }
    }
    return o;
}

/* The message for a value that breaks the --input rule: the file and line of
 * the row that breaks it, what it is, and what the rule wanted. */
static pms_status input_error(const funnel_args *a, const char *src, const pms_table *t,
                              const size_t *rows, const double *y, const double *sz,
                              const pms_funnel_input_check *k, pms_err *err)
{
    long line = t->line ? (long)t->line[rows[k->bad]] : 0;
    double v = y[k->bad], s = sz[k->bad];
    if (k->problem == PMS_FUNNEL_ROW_SIZE_FRACTION)
        return pms_err_set(err, PMS_EPARSE, "%s:%ld: %s is %g: a denominator must be a whole number",
                           src, line, a->size, s);
    if (a->input == PMS_FUNNEL_INPUT_PERCENT)
        return pms_err_set(err, PMS_EPARSE, "%s:%ld: %s is %g: a percentage must be between 0 and 100",
                           src, line, a->value, v);
    if (a->input == PMS_FUNNEL_INPUT_COUNT) {
        if (k->problem == PMS_FUNNEL_ROW_ABOVE_SIZE)
            return pms_err_set(err, PMS_EPARSE, "%s:%ld: %s is %g: a count cannot be more than %s (%g)",
                               src, line, a->value, v, a->size, s);
        return pms_err_set(err, PMS_EPARSE, "%s:%ld: %s is %g: a count must be a whole number, 0 or more",
                           src, line, a->value, v);
    }
    char why[160];
    if (k->problem == PMS_FUNNEL_ROW_ABOVE_SIZE)
        snprintf(why, sizeof why, ", more than %s (%g)", a->size, s);
    else
        snprintf(why, sizeof why, ", %s", k->problem == PMS_FUNNEL_ROW_NEGATIVE ? "negative" : "not a whole number");
    long pline = t->line ? (long)t->line[rows[k->bad_pct]] : 0;
    return pms_err_set(err, PMS_EPARSE,
                       "%s:%ld: %s is %g%s, so the values are not counts; nor percentages (line %ld: "
                       "%g is not between 0 and 100). Say which they are with --input count or "
                       "--input percentage",
                       src, line, a->value, v, why, pline, y[k->bad_pct]);
}

/* The practices with a value and a size > 0 (the selection step, io/cases.h). */
static pms_status select_units(const funnel_args *a, const pms_table *t, pms_case_col *cols,
                               pms_cases_spec *sp, pms_cases *cs, pms_err *err)
{
    cols[0] = (pms_case_col){a->value, NULL, "value", 0, PMS_CASE_NUMBER};
    cols[1] = (pms_case_col){a->size, NULL, "size", 0, PMS_CASE_POSITIVE};
    pms_cases_spec_default(sp);
    sp->cols = cols;
    sp->ncols = 2;
    return pms_cases_select(t, sp, cs, err);
}

/* For --type proportion: the values as proportions of the sizes, in place;
 * *input says how they were read. */
static pms_status to_proportions(const funnel_args *a, const pms_table *t, pms_cases *cs,
                                 const char **input, pms_err *err)
{
    double *y = cs->col[0], *sz = cs->col[1];
    size_t n = cs->n;
    pms_funnel_input_check chk;
    double *prop = malloc((n ? n : 1) * sizeof *prop);
    if (!prop) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    pms_status st = pms_funnel_proportions(y, sz, n, a->input, prop, &chk);
    if (st == PMS_OK) memcpy(y, prop, n * sizeof *y);
    free(prop);
    if (st != PMS_OK)
        return input_error(a, t->nsources ? t->sources[0].path : "input", t, cs->row, y, sz, &chk,
                           err);
    *input = pms_funnel_input_name(chk.used);
    return PMS_OK;
}

static pms_out *excluded_table(const pms_cases *cs, const pms_cases_spec *sp, pms_table *t)
{
    pms_out *xo = pms_out_new("excluded", "Practices excluded");
    int xr = xo ? pms_out_col(xo, "reason", PMS_OUT_TEXT, 0) : -1,
        xc = xo ? pms_out_col(xo, "column", PMS_OUT_TEXT, 0) : -1,
        xn = xo ? pms_out_col(xo, "practices", PMS_OUT_INT, 0) : -1;
    if (xn < 0 || xr < 0 || xc < 0) {
        pms_out_free(xo);
        return NULL;
    }
    pms_excl ex[4];
    size_t nex = pms_cases_reasons(cs, sp, ex, 4);
    for (size_t j = 0; j < nex; j++) {
        if (pms_out_row(xo)) break;
        pms_out_set_text(xo, xr, ex[j].reason);
        pms_out_set_text(xo, xc, ex[j].column);
        pms_out_set_int(xo, xn, (long long)ex[j].count);
        pms_table_note(t, ex[j].why == PMS_EXCL_NONPOSITIVE ? "funnel_nonpositive" : "funnel_missing",
                       ex[j].count, "funnel: %zu practices excluded: %s %s", ex[j].count,
                       ex[j].column, ex[j].reason);
    }
    pms_out_footnote(xo, "%zu of %zu practices used.", cs->n, t->nrows);
    return xo;
}

int pms_cmd_funnel(int argc, char **argv)
{
    pms_cli_common c;
    pms_cli_common_init(&c, "funnel", argc, argv);
    funnel_args a;
    memset(&a, 0, sizeof a);
    pms_funnel_opts_default(&a.fo);
    snprintf(a.limit_names[0], sizeof a.limit_names[0], "95");
    snprintf(a.limit_names[1], sizeof a.limit_names[1], "99_8");
    snprintf(a.limit_text[0], sizeof a.limit_text[0], "95");
    snprintf(a.limit_text[1], sizeof a.limit_text[1], "99.8");
    int rc = parse_args(argc, argv, &c, &a);
    if (rc || c.help) return rc;
    pms_table *t = NULL;
    pms_funnel_result r;
    memset(&r, 0, sizeof r);
    pms_cases cs;
    memset(&cs, 0, sizeof cs);
    pms_case_col cols[2];
    pms_cases_spec sp;
    pms_out *tables[5] = {NULL, NULL, NULL, NULL, NULL};
    size_t ntables = 0;
    pms_err err = {{0}};
    pms_status st = PMS_OK;
    const char *input = a.fo.type == PMS_FUNNEL_MEAN ? "mean" : "count";
    const char *const *code = NULL;

    if ((rc = pms_cli_open_data(&c, defaults, &t))) goto done;
    if ((st = select_units(&a, t, cols, &sp, &cs, &err))) goto fail;
    if (pms_table_col(t, "practice_code")) pms_table_text(t, "practice_code", &code, &err);
    if (a.fo.type == PMS_FUNNEL_PROPORTION && (st = to_proportions(&a, t, &cs, &input, &err)))
        goto fail;
    const double *y = cs.col[0], *sz = cs.col[1];
    if ((st = pms_funnel_fit(y, sz, cs.n, &a.fo, &r, &err))) goto fail;
    tables[ntables++] = summary_table(&a, &r, t->nrows - cs.n, input);
    tables[ntables++] = units_table("outliers", "Outliers", &a, &r, cs.row, y, sz, code, r.outliers,
                                    r.noutliers);
    if (c.format != PMS_FMT_TEXT) {
        tables[ntables++] = units_table("units", "Practices", &a, &r, cs.row, y, sz, code, NULL, cs.n);
        tables[ntables++] = grid_table(&a, &r);
    }
    tables[ntables++] = excluded_table(&cs, &sp, t);
    for (size_t i = 0; i < ntables; i++)
        if (!tables[i]) {
            st = pms_err_set(&err, PMS_ENOMEM, "out of memory");
            goto fail;
        }
    if (a.fo.type == PMS_FUNNEL_PROPORTION)
        pms_out_footnote(tables[0], "Values read as %ss of %s; the value, target and limits are proportions (0 to 1).", input, a.size);
    rc = pms_cli_emit(&c, tables, ntables, t);
    goto done;

fail:
    rc = pms_cli_fail(st, &err);
done:
    for (size_t i = 0; i < ntables; i++) pms_out_free(tables[i]);
    pms_funnel_result_free(&r);
    pms_cases_free(&cs);
    pms_table_free(t);
    return rc;
}
