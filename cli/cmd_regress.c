/* pmsreview regress: least squares with classical or robust (HC0-HC3)
 * standard errors, on columns of the practice table, optionally logged. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/regress.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "io/cases.h"

static const char *about =
    "Ordinary (or weighted) least squares of --y on the --x columns: coefficients,\n"
    "standard errors, t, two-sided p, confidence intervals, R-squared, adjusted\n"
    "R-squared, F and the residual SD, as R's lm and summary.lm report them.";

static const char *epilog =
    "Rows missing any model column (or the weight) are excluded and counted by reason.\n"
    "The fit is Householder QR in extended precision on centred, scaled columns.\n\n"
    "Examples:\n"
    "  # Elasticity of payments per weighted patient with respect to deprivation:\n"
    "  pmsreview regress --y payments_per_weighted --x imd2015,weighted_patients \\\n"
    "      --log payments_per_weighted,imd2015,weighted_patients --robust hc3\n"
    "  pmsreview regress --data payments.csv --data imd.csv --y core_per_weighted \\\n"
    "      --x imd2015 --weight registered_patients --where 'ccg_code = 11H'\n\n"
    "Exit status: 0 success; 1 usage or analysis error (e.g. a singular design);\n"
    "2 bad input data.\n";

static const char *const defaults[] = {"nhs-payments/nhs-payments-gp-2014-15.csv",
                                       "practice-imd/practice-imd-fingertips-93553.csv", NULL};

#define MAXX (PMS_REG_MAXCOLS - 1)

typedef struct {
    const char *y;
    const char *x[MAXX];
    size_t nx;
    const char *log[PMS_REG_MAXCOLS];
    size_t nlog;
    const char *weight;
    pms_hc_type robust;
    int intercept, no_intercept;
    double ci_level;
    char *bufs[2 * PMS_REG_MAXCOLS];   /* copies of list arguments, split in place */
    size_t nbufs;
} regress_args;

static const char *const robust_names[] = {"none", "hc0", "hc1", "hc2", "hc3", NULL};

static int parse_args(int argc, char **argv, pms_cli_common *c, regress_args *a)
{
    int robust = 0;
    const pms_cli_opt opts[] = {
        {.name = "y", .kind = PMS_ARG_TEXT, .to = &a->y, .flags = PMS_ARG_REQUIRED, .meta = "COL",
         .help = "response column"},
        {.name = "x", .kind = PMS_ARG_LIST, .to = a->x, .n = &a->nx, .max = MAXX,
         .flags = PMS_ARG_REQUIRED, .meta = "COL[,COL...]", .help = "predictor columns (repeatable)"},
        {.name = "log", .kind = PMS_ARG_LIST, .to = a->log, .n = &a->nlog, .max = PMS_REG_MAXCOLS,
         .meta = "COL,...",
         .help = "use the natural log of these model columns; practices with\n"
                 "a value <= 0 there are excluded and counted"},
        {.name = "weight", .kind = PMS_ARG_TEXT, .to = &a->weight, .meta = "COL",
         .help = "precision weights (e.g. registered_patients), as lm(weights =);\n"
                 "a weight <= 0 is an error (exclude such rows with --where)"},
        {.name = "robust", .kind = PMS_ARG_ENUM, .to = &robust, .names = robust_names,
         .bad = "expects hc0, hc1, hc2 or hc3", .meta = "TYPE", .usage = "--robust hc0|hc1|hc2|hc3",
         .help = "heteroscedasticity-consistent SEs, as R's sandwich::vcovHC:\n"
                 "hc0 (White), hc1 (hc0 x n/(n-p)), hc2, hc3 (leverage-adjusted);\n"
                 "t tests, intervals and a Wald F of all slopes then use them"},
        {.name = "no-intercept", .kind = PMS_ARG_FLAG, .to = &a->no_intercept,
         .help = "regression through the origin (R-squared is then uncentred)"},
        {.name = "ci-level", .kind = PMS_ARG_REAL, .to = &a->ci_level, .lo = 0, .hi = 1,
         .flags = PMS_ARG_LO_OPEN | PMS_ARG_HI_OPEN, .meta = "L",
         .help = "confidence level in (0, 1); default 0.95"},
        PMS_CLI_OPTS_INPUT(c),
        PMS_CLI_OPTS_SELECT(c),
        PMS_CLI_OPT_FORMAT(c, PMS_CLI_HELP_FORMAT),
        PMS_CLI_END};
    const pms_cli_spec spec = {"regress", about, epilog, 22, opts, a->bufs, &a->nbufs,
                               sizeof a->bufs / sizeof a->bufs[0]};
    int rc = pms_cli_parse(&spec, argc, argv, &c->help);
    if (rc || c->help) return rc;
    static const pms_hc_type hc[] = {PMS_HC_NONE, PMS_HC0, PMS_HC1, PMS_HC2, PMS_HC3};
    a->robust = hc[robust];
    a->intercept = !a->no_intercept;
    for (size_t j = 0; j < a->nx; j++) {
        if (!strcmp(a->x[j], a->y))
            return pms_cli_usage("regress", "'%s' is both the response and a predictor", a->y);
        for (size_t l = 0; l < j; l++)
            if (!strcmp(a->x[j], a->x[l]))
                return pms_cli_usage("regress", "predictor '%s' is named twice", a->x[j]);
    }
    for (size_t i = 0; i < a->nlog; i++) {
        int found = !strcmp(a->log[i], a->y);
        for (size_t j = 0; j < a->nx && !found; j++) found = !strcmp(a->log[i], a->x[j]);
        if (!found)
            return pms_cli_usage("regress", "--log column '%s' is not --y or one of --x",
                                 a->log[i]);
    }
    return 0;
}

static int is_logged(const regress_args *a, const char *name)
{
    for (size_t i = 0; i < a->nlog; i++)
        if (!strcmp(a->log[i], name)) return 1;
    return 0;
}

static void term_name(const regress_args *a, const char *name, char *buf, size_t cap)
{
    if (is_logged(a, name))
        snprintf(buf, cap, "log(%s)", name);
    else
        snprintf(buf, cap, "%s", name);
}

static pms_out *coef_table(const regress_args *a, const pms_reg_result *r, char names[][160])
{
    char title[256];
    snprintf(title, sizeof title, "Coefficients (%s standard errors, %g%% intervals)",
             r->robust == PMS_HC_NONE ? "classical" : pms_hc_name(r->robust),
             100 * r->ci_level);
    pms_out *o = pms_out_new("coefficients", title);
    if (!o) return NULL;
    /* Enough decimals for 4 significant digits of the smallest estimate or SE. */
    double smallest = INFINITY;
    for (size_t j = 0; j < r->p; j++) {
        if (fabs(r->coef[j]) > 0) smallest = fmin(smallest, fabs(r->coef[j]));
        if (r->se[j] > 0) smallest = fmin(smallest, r->se[j]);
    }
    int dec = isfinite(smallest) ? 3 - (int)floor(log10(smallest)) : 6;
    if (dec < 4) dec = 4;
    if (dec > 12) dec = 12;
    int ct = pms_out_col(o, "term", PMS_OUT_TEXT, 0), ce = pms_out_col(o, "estimate", PMS_OUT_REAL, dec),
        cs = pms_out_col(o, "std_error", PMS_OUT_REAL, dec), cz = pms_out_col(o, "t", PMS_OUT_REAL, 3),
        cp = pms_out_col(o, "p_value", PMS_OUT_REAL, 6),
        cl = pms_out_col(o, "ci_low", PMS_OUT_REAL, dec), ch = pms_out_col(o, "ci_high", PMS_OUT_REAL, dec),
        cc = pms_out_col(o, "se_classical", PMS_OUT_REAL, dec);
    if (ct < 0 || ce < 0 || cs < 0 || cz < 0 || cp < 0 || cl < 0 || ch < 0 || cc < 0) {
        pms_out_free(o);
        return NULL;
    }
    for (size_t j = 0; j < r->p; j++) {
        if (pms_out_row(o)) {
            pms_out_free(o);
            return NULL;
        }
        pms_out_set_text(o, ct, names[j]);
        pms_out_set_num(o, ce, r->coef[j]);
        pms_out_set_num(o, cs, r->se[j]);
        pms_out_set_num(o, cz, r->t[j]);
        pms_out_set_num(o, cp, r->p_value[j]);
        pms_out_set_num(o, cl, r->ci_low[j]);
        pms_out_set_num(o, ch, r->ci_high[j]);
        pms_out_set_num(o, cc, r->se_classical[j]);
    }
    int logy = is_logged(a, a->y);
    size_t nlogx = 0;
    for (size_t j = 0; j < a->nx; j++) nlogx += (size_t)is_logged(a, a->x[j]);
    if (logy && nlogx)
        pms_out_footnote(o, "A log(x) coefficient with log(%s) is an elasticity: the %% change in "
                            "%s for a 1%% change in x, other predictors held fixed.",
                         a->y, a->y);
    if (r->robust != PMS_HC_NONE)
        pms_out_footnote(o, "std_error is %s (R's sandwich::vcovHC); t, p and intervals use it with "
                            "Student's t on %.0f df; se_classical assumes constant variance.",
                         pms_hc_name(r->robust), r->df_resid);
    if (r->perfect_fit)
        pms_out_footnote(o, "The fit is exact (residual SD 0): t and p are undefined.");
    return o;
}

static pms_out *model_table(const regress_args *a, const pms_reg_result *r, const char *yname,
                            size_t excluded)
{
    pms_out *o = pms_out_new("model", "Model");
    if (!o) return NULL;
    int cy = pms_out_col(o, "response", PMS_OUT_TEXT, 0), cn = pms_out_col(o, "n", PMS_OUT_INT, 0),
        cx = pms_out_col(o, "n_excluded", PMS_OUT_INT, 0),
        cpar = pms_out_col(o, "parameters", PMS_OUT_INT, 0),
        cdf = pms_out_col(o, "df_residual", PMS_OUT_INT, 0),
        cr2 = pms_out_col(o, "r_squared", PMS_OUT_REAL, 4),
        ca2 = pms_out_col(o, "adj_r_squared", PMS_OUT_REAL, 4),
        csd = pms_out_col(o, "residual_sd", PMS_OUT_REAL, 6),
        cf = pms_out_col(o, "f", PMS_OUT_REAL, 3), cfp = pms_out_col(o, "f_p_value", PMS_OUT_REAL, 6),
        cwf = pms_out_col(o, "robust_wald_f", PMS_OUT_REAL, 3),
        cwp = pms_out_col(o, "robust_wald_p_value", PMS_OUT_REAL, 6),
        cse = pms_out_col(o, "se_type", PMS_OUT_TEXT, 0),
        cw = pms_out_col(o, "weight", PMS_OUT_TEXT, 0),
        ci = pms_out_col(o, "intercept", PMS_OUT_BOOL, 0),
        cl = pms_out_col(o, "ci_level", PMS_OUT_REAL, 3),
        ck = pms_out_col(o, "condition_number", PMS_OUT_REAL, 1),
        cns = pms_out_col(o, "near_singular", PMS_OUT_BOOL, 0);
    if (cl < 0 || ck < 0 || cns < 0 || pms_out_row(o)) {
        pms_out_free(o);
        return NULL;
    }
    pms_out_set_text(o, cy, yname);
    pms_out_set_int(o, cn, (long long)r->n);
    pms_out_set_int(o, cx, (long long)excluded);
    pms_out_set_int(o, cpar, (long long)r->p);
    pms_out_set_int(o, cdf, (long long)r->df_resid);
    pms_out_set_num(o, cr2, r->r2);
    pms_out_set_num(o, ca2, r->adj_r2);
    pms_out_set_num(o, csd, r->resid_sd);
    pms_out_set_num(o, cf, r->f);
    pms_out_set_num(o, cfp, r->f_p);
    pms_out_set_num(o, cwf, r->wald_f);
    pms_out_set_num(o, cwp, r->wald_p);
    pms_out_set_text(o, cse, r->robust == PMS_HC_NONE ? "classical" : pms_hc_name(r->robust));
    pms_out_set_text(o, cw, a->weight);
    pms_out_set_bool(o, ci, r->intercept);
    pms_out_set_num(o, cl, r->ci_level);
    pms_out_set_num(o, ck, r->cond);
    pms_out_set_bool(o, cns, r->near_singular);
    if (r->near_singular)
        pms_out_footnote(o, "The predictors are nearly collinear: %s is within 1e-7 (relative) of "
                            "the span of the predictors before it%s (condition number %.3g after "
                            "centring and scaling; R's lm would drop it and print NA). The "
                            "numbers are computed accurately, but their separate coefficients "
                            "rest on the last digits of the data.",
                         a->x[r->near_col], r->intercept ? " and the intercept" : "", r->cond);
    if (r->wald_undefined)
        pms_out_footnote(o, "robust_wald_f is undefined: the robust covariance of the slopes is "
                            "singular (too few non-zero residuals to estimate it).");
    pms_out_footnote(o, "F on (%.0f, %.0f) df tests all slopes together assuming constant "
                        "variance%s.",
                     r->f_df1, r->f_df2,
                     r->robust != PMS_HC_NONE ? "; robust_wald_f is the same test with the "
                                                "robust covariance (lmtest::waldtest)"
                                              : "");
    if (!r->intercept)
        pms_out_footnote(o, "Without an intercept R-squared is 1 - RSS/sum(w y^2) (uncentred), "
                            "as R reports it; it is not comparable with a model with one.");
    return o;
}

static pms_out *excluded_table(const regress_args *a, const char *const *cols, size_t ncols,
                               const pms_reg_rows *info, pms_table *t)
{
    int k[3];
    pms_out *o = pms_out_new_excluded(k);
    if (!o) return NULL;
    int cr = k[0], cc = k[1], cn = k[2];
    for (size_t j = 0; j <= ncols; j++) {
        for (int kind = 0; kind < 2; kind++) {
            size_t count = j == ncols ? (kind ? 0 : info->weight_missing)
                                      : (kind ? info->nonpositive[j] : info->missing[j]);
            if (!count) continue;
            const char *col = j == ncols ? a->weight : cols[j];
            const char *reason = kind ? "not positive (log)" : "missing";
            if (pms_out_row(o)) break;
            pms_out_set_text(o, cr, reason);
            pms_out_set_text(o, cc, col);
            pms_out_set_int(o, cn, (long long)count);
            pms_table_note(t, kind ? "regress_nonpositive_log" : "regress_missing", count,
                           "regress: %zu practices excluded: %s %s", count, col, reason);
        }
    }
    pms_out_footnote(o, "%zu of %zu practices used. Each excluded practice is counted once, "
                        "under the first reason in the order response, predictors, weight.",
                     info->used, info->rows);
    return o;
}

int pms_cmd_regress(int argc, char **argv)
{
    pms_cli_common c;
    pms_cli_common_init(&c, "regress", argc, argv);
    regress_args a;
    memset(&a, 0, sizeof a);
    a.intercept = 1;
    a.ci_level = 0.95;
    a.robust = PMS_HC_NONE;
    int rc = parse_args(argc, argv, &c, &a);
    if (rc || c.help) {
        for (size_t i = 0; i < a.nbufs; i++) free(a.bufs[i]);
        return rc;
    }

    pms_table *t = NULL;
    pms_reg_result r;
    memset(&r, 0, sizeof r);
    double *y = NULL, *X = NULL, *w = NULL;
    pms_out *tables[3] = {NULL, NULL, NULL};
    char (*names)[160] = NULL;
    pms_err err = {{0}};
    pms_status st = PMS_OK;

    if ((rc = pms_cli_open_data(&c, defaults, &t))) goto done;

    size_t ncols = a.nx + 1;
    const char *colnames[PMS_REG_MAXCOLS];
    int take_log[PMS_REG_MAXCOLS];
    colnames[0] = a.y;
    for (size_t j = 0; j < a.nx; j++) colnames[j + 1] = a.x[j];
    for (size_t j = 0; j < ncols; j++) take_log[j] = is_logged(&a, colnames[j]);

    size_t n = t->nrows ? t->nrows : 1;
    y = malloc(n * sizeof *y);
    X = malloc(n * a.nx * sizeof *X);
    w = a.weight ? malloc(n * sizeof *w) : NULL;
    names = calloc(a.nx + 1, sizeof *names);
    if (!y || !X || (a.weight && !w) || !names) {
        st = pms_err_set(&err, PMS_ENOMEM, "out of memory");
        goto fail;
    }
    pms_reg_rows info;
    if ((st = pms_cases_regression(t, colnames, take_log, ncols, a.weight, y, X, w, &info, &err))) {
        /* Name the weight column and the file line of the bad row. */
        if (st == PMS_EDOMAIN && a.weight) {
            size_t row = info.bad_row;
            long line = t->line ? t->line[row] : 0;
            const double *wcol = NULL;
            pms_err e2;
            double v = pms_table_numeric(t, a.weight, &wcol, &e2) ? NAN : wcol[row];
            pms_err_set(&err, st,
                        "weight '%s' is %g for practice at line %ld of %s: weights must be > 0 "
                        "(exclude such practices with --where '%s > 0')",
                        a.weight, v, line, t->nsources ? t->sources[0].path : "input", a.weight);
        }
        goto fail;
    }
    const char *xnames[MAXX];
    char tn[160];
    size_t o = (size_t)a.intercept;
    if (a.intercept) snprintf(names[0], sizeof names[0], "(Intercept)");
    for (size_t j = 0; j < a.nx; j++) {
        term_name(&a, a.x[j], names[o + j], sizeof names[o + j]);
        xnames[j] = names[o + j];
    }
    size_t p = a.nx + o;
    if (info.used <= p) {
        st = pms_err_set(&err, PMS_ETOOFEW,
                         "only %zu of %zu practices have every model column%s: too few for %zu "
                         "parameters (need at least %zu)",
                         info.used, info.rows, a.nlog ? " (and positive logged values)" : "", p,
                         p + 1);
        goto fail;
    }
    pms_reg_opts ro;
    pms_reg_opts_default(&ro);
    ro.intercept = a.intercept;
    ro.robust = a.robust;
    ro.ci_level = a.ci_level;
    ro.names = xnames;
    if ((st = pms_reg_fit(X, info.used, a.nx, y, w, &ro, &r, &err))) goto fail;

    term_name(&a, a.y, tn, sizeof tn);
    tables[0] = coef_table(&a, &r, names);
    tables[1] = model_table(&a, &r, tn, info.rows - info.used);
    tables[2] = excluded_table(&a, colnames, ncols, &info, t);
    if (!tables[0] || !tables[1] || !tables[2]) {
        st = pms_err_set(&err, PMS_ENOMEM, "out of memory");
        goto fail;
    }
    rc = pms_cli_emit(&c, tables, 3, t);
    goto done;

fail:
    rc = pms_cli_fail(st, &err);
done:
    for (size_t i = 0; i < 3; i++) pms_out_free(tables[i]);
    pms_reg_result_free(&r);
    free(y);
    free(X);
    free(w);
    free(names);
    pms_table_free(t);
    for (size_t i = 0; i < a.nbufs; i++) free(a.bufs[i]);
    return rc;
}
