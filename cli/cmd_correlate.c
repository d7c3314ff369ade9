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

typedef pms_corr_table_row corr_row;

static void fmt_p(char *buf, size_t cap, double p)
{
    if (isnan(p)) snprintf(buf, cap, "-");
    else if (p >= 0.001) snprintf(buf, cap, "%.3f", p);
    else if (p > 0) snprintf(buf, cap, "%.1e", p);
    else snprintf(buf, cap, "< 1e-300");
}

static const char *method_title(pms_corr_method m)
{
    return m == PMS_CORR_PEARSON ? "Pearson" : m == PMS_CORR_SPEARMAN ? "Spearman" : "Kendall";
}

static const char *ci_words(const pms_corr_result *r)
{
    switch (r->method) {
    case PMS_CORR_PEARSON: return r->weighted ? "Fisher z, Kish effective n" : "Fisher z";
    case PMS_CORR_SPEARMAN:
        return r->weighted ? "Fisher z, Bonett-Wright variance, Kish effective n"
                           : "Fisher z, Bonett-Wright variance";
    case PMS_CORR_KENDALL: return "Fisher z, Fieller-Hartley-Pearson variance";
    }
    return "";
}

static const char *adjust_title(pms_adjust_method m)
{
    switch (m) {
    case PMS_ADJ_HOLM: return "Holm";
    case PMS_ADJ_BH: return "Benjamini-Hochberg";
    case PMS_ADJ_BY: return "Benjamini-Yekutieli";
    default: return "unadjusted";
    }
}

/* The result in one sentence, as a footnote (without --by). */
static void sentence(pms_out *o, const corr_args *a, const corr_row *w, const char *controls,
                     const char *buf)
{
    const pms_corr_result *r = &w->r;
    char ps[32], pa[32], extra[512] = "";
    fmt_p(ps, sizeof ps, r->p_value);
    fmt_p(pa, sizeof pa, w->p_adj);
    size_t l = 0;
    if (a->adjust != PMS_ADJ_NONE)
        l += (size_t)snprintf(extra + l, sizeof extra - l, ", %s-adjusted p = %s",
                              adjust_title(a->adjust), pa);
    if (!isnan(w->tost) && l < sizeof extra)
        l += (size_t)snprintf(extra + l, sizeof extra - l, "; equivalence (|%s| < %g) p = %s",
                              pms_corr_symbol(r->method), a->delta, (fmt_p(pa, sizeof pa, w->tost), pa));
    if (w->has_boot && l < sizeof extra)
        snprintf(extra + l, sizeof extra - l, "; bootstrap (%zu resamples) BCa %.3f to %.3f, "
                                              "percentile %.3f to %.3f",
                 w->boot.replicates, w->boot.bca_low, w->boot.bca_high, w->boot.pct_low,
                 w->boot.pct_high);
    char who[200], excl[64] = "";
    if (w->n_excluded)
        snprintf(excl, sizeof excl, ", %zu excluded for missing values", w->n_excluded);
    if (r->weighted)
        snprintf(who, sizeof who, "n = %zu practices (effective n %.1f, weighted by %s%s)", r->n,
                 r->n_eff, a->weight, excl);
    else
        snprintf(who, sizeof who, "n = %zu practices%s%s%s", r->n, *excl ? " (" : "",
                 *excl ? excl + 2 : "", *excl ? ")" : "");
    char ci[160];
    if (isnan(r->ci_low))
        snprintf(ci, sizeof ci, "no interval at this n");
    else
        snprintf(ci, sizeof ci, "%g%% CI %.3f to %.3f, %s", 100 * a->ci_level, r->ci_low,
                 r->ci_high, ci_words(r));
    pms_out_footnote(o, "%s vs %s: %s%s %s = %.3f (%s), p = %s (%s)%s; %s%s%s. Verdict: %s.",
                     a->y[w->yi], a->x, r->ncontrols ? "partial " : "", method_title(r->method),
                     pms_corr_symbol(r->method), r->estimate, ci, ps,
                     pms_corr_ptype_name(r->p_type), extra, who,
                     r->ncontrols ? ", controlling for " : "", r->ncontrols ? controls : "", buf);
}

static pms_out *results_table(const corr_args *a, const corr_row *rows, size_t nrows,
                              int sentences)
{
    char title[160];
    snprintf(title, sizeof title, "Correlations (%g%% intervals, two-sided tests)", 100 * a->ci_level);
    pms_out *o = pms_out_new("results", title);
    if (!o) return NULL;
    int cx = pms_out_col(o, "x", PMS_OUT_TEXT, 0), cy = pms_out_col(o, "y", PMS_OUT_TEXT, 0),
        cm = pms_out_col(o, "method", PMS_OUT_TEXT, 0), cg = pms_out_col(o, "group", PMS_OUT_TEXT, 0),
        cn = pms_out_col(o, "n", PMS_OUT_INT, 0), cne = pms_out_col(o, "n_excluded", PMS_OUT_INT, 0),
        ce = pms_out_col(o, "estimate", PMS_OUT_REAL, 4), cl = pms_out_col(o, "ci_low", PMS_OUT_REAL, 4),
        ch = pms_out_col(o, "ci_high", PMS_OUT_REAL, 4),
        ccm = pms_out_col(o, "ci_method", PMS_OUT_TEXT, 0),
        cp = pms_out_col(o, "p_value", PMS_OUT_REAL, 6),
        cpm = pms_out_col(o, "p_method", PMS_OUT_TEXT, 0),
        cpa = pms_out_col(o, "p_adjusted", PMS_OUT_REAL, 6),
        cmd = pms_out_col(o, "min_detectable", PMS_OUT_REAL, 3),
        ceq = pms_out_col(o, "equivalence_p", PMS_OUT_REAL, 6),
        cv = pms_out_col(o, "verdict", PMS_OUT_TEXT, 0);
    int cneff = -1, cw = -1, cc = -1, cb[6] = {-1, -1, -1, -1, -1, -1};
    if (a->weight) {
        cw = pms_out_col(o, "weight", PMS_OUT_TEXT, 0);
        cneff = pms_out_col(o, "n_eff", PMS_OUT_REAL, 1);
    }
    if (a->ncontrol) cc = pms_out_col(o, "controls", PMS_OUT_TEXT, 0);
    if (a->boot) {
        static const char *const keys[6] = {"boot_replicates", "boot_se", "boot_pct_low",
                                            "boot_pct_high", "boot_bca_low", "boot_bca_high"};
        for (int k = 0; k < 6; k++)
            cb[k] = pms_out_col(o, keys[k], k ? PMS_OUT_REAL : PMS_OUT_INT, 4);
    }
    if (cv < 0 || (a->weight && cneff < 0) || (a->ncontrol && cc < 0) || (a->boot && cb[5] < 0)) {
        pms_out_free(o);
        return NULL;
    }
    char controls[1024] = "";
    for (size_t j = 0; j < a->ncontrol; j++) {
        size_t l = strlen(controls);
        snprintf(controls + l, sizeof controls - l, "%s%s", j ? "," : "", a->control[j]);
    }
    double alpha = 1 - a->ci_level;
    for (size_t i = 0; i < nrows; i++) {
        const corr_row *w = &rows[i];
        if (pms_out_row(o)) {
            pms_out_free(o);
            return NULL;
        }
        pms_out_set_text(o, cx, a->x);
        pms_out_set_text(o, cy, a->y[w->yi]);
        pms_out_set_text(o, cm, pms_corr_method_name(w->method));
        pms_out_set_text(o, cg, w->group);
        pms_out_set_int(o, cn, (long long)w->n);
        pms_out_set_int(o, cne, (long long)w->n_excluded);
        if (cw >= 0) pms_out_set_text(o, cw, a->weight);
        if (cc >= 0) pms_out_set_text(o, cc, controls);
        if (!w->ok) {
            pms_out_set_text(o, cv, w->reason);
            continue;
        }
        const pms_corr_result *r = &w->r;
        pms_out_set_num(o, ce, r->estimate);
        pms_out_set_num(o, cl, r->ci_low);
        pms_out_set_num(o, ch, r->ci_high);
        pms_out_set_text(o, ccm, isnan(r->ci_low) ? NULL : pms_corr_ci_method(r));
        pms_out_set_num(o, cp, r->p_value);
        pms_out_set_text(o, cpm, pms_corr_ptype_name(r->p_type));
        pms_out_set_num(o, cpa, w->p_adj);
        pms_out_set_num(o, cmd, w->min_det);
        pms_out_set_num(o, ceq, w->tost);
        if (cneff >= 0) pms_out_set_num(o, cneff, r->n_eff);
        if (w->has_boot) {
            pms_out_set_int(o, cb[0], (long long)w->boot.replicates);
            pms_out_set_num(o, cb[1], w->boot.se);
            pms_out_set_num(o, cb[2], w->boot.pct_low);
            pms_out_set_num(o, cb[3], w->boot.pct_high);
            const char *why = pms_boot_bca_why(&w->boot);
            if (why) { /* an undefined BCa interval says why */
                pms_out_set_not_computed(o, cb[4], why);
                pms_out_set_not_computed(o, cb[5], why);
            } else {
                pms_out_set_num(o, cb[4], w->boot.bca_low);
                pms_out_set_num(o, cb[5], w->boot.bca_high);
            }
        }
        double p = a->adjust == PMS_ADJ_NONE ? r->p_value : w->p_adj;
        pms_verdict v = pms_corr_verdict(p, w->tost, alpha);
        char buf[256];
        pms_corr_verdict_text(v, r, a->delta, w->min_det, a->power, alpha, "practices", buf, sizeof buf);
        pms_out_set_text(o, cv, buf);

        if (sentences) sentence(o, a, w, controls, buf);
    }
    pms_out_footnote(o, "p_adjusted: %s across the %zu result%s with a p-value. Verdict at the %g%% level; "
                        "min_detectable is the smallest |correlation| detected with %g%% power.",
                     a->adjust == PMS_ADJ_NONE ? "not asked (--adjust none)" : adjust_title(a->adjust),
                     nrows, nrows == 1 ? "" : "s", 100 * alpha, 100 * a->power);
    return o;
}

static pms_out *excluded_table(const corr_args *a, const pms_corr_table_result *res, size_t rows,
                               pms_table *t)
{
    pms_out *o = pms_out_new("excluded", "Practices excluded");
    if (!o) return NULL;
    int cy = pms_out_col(o, "y", PMS_OUT_TEXT, 0), cr = pms_out_col(o, "reason", PMS_OUT_TEXT, 0),
        cc = pms_out_col(o, "column", PMS_OUT_TEXT, 0), cn = pms_out_col(o, "practices", PMS_OUT_INT, 0);
    if (cn < 0) {
        pms_out_free(o);
        return NULL;
    }
    for (size_t j = 0; j < a->ny; j++)
        for (size_t i = 0; i < res->nexcluded[j]; i++) {
            const pms_excl *e = &res->excluded[j][i];
            if (pms_out_row(o)) break;
            pms_out_set_text(o, cy, a->y[j]);
            pms_out_set_text(o, cr, e->reason);
            pms_out_set_text(o, cc, e->column);
            pms_out_set_int(o, cn, (long long)e->count);
            pms_table_note(t, "correlate_missing", e->count,
                           "correlate: %zu practices excluded for %s vs %s: %s missing", e->count,
                           a->y[j], a->x, e->column);
        }
    pms_out_footnote(o, "Of %zu practices. Each excluded practice is counted once, under the first "
                        "reason in the order x, y, weight, controls, group.",
                     rows);
    return o;
}

/* ---- the computation (io/correlate_table.h) ---- */

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

static int run(const corr_args *a, const pms_cli_common *c, const pms_table *t,
               pms_corr_table_result *res)
{
    pms_corr_table_opts o = {a->x, a->y, a->ny, a->methods, a->nmethods, a->weight,
                             a->control, a->ncontrol, a->by, a->boot, a->seed, c->threads,
                             a->ci_level, a->adjust, a->delta, a->power, NULL, NULL};
    int tty = a->boot && isatty(STDERR_FILENO);
    if (tty) o.progress = progress;
    pms_err err = {{0}};
    pms_status st = pms_corr_table(t, &o, res, &err);
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
    pms_out *tables[2] = {NULL, NULL};
    if ((rc = pms_cli_open_data(&c, defaults, &t)) || (rc = run(&a, &c, t, &res))) goto done;
    tables[0] = results_table(&a, res.rows, res.nrows, !a.by);
    tables[1] = excluded_table(&a, &res, t->nrows, t);
    if (!tables[0] || !tables[1])
        rc = pms_cli_fail(pms_err_set(&err, PMS_ENOMEM, "out of memory"), &err);
    else
        rc = pms_cli_emit(&c, tables, 2, t);
done:
    for (size_t i = 0; i < 2; i++) pms_out_free(tables[i]);
    pms_corr_table_result_free(&res);
    pms_table_free(t);
    for (size_t i = 0; i < a.nbufs; i++) free(a.bufs[i]);
    return rc;
}
