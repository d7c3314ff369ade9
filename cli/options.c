/* The option-table parser (cli/options.h): getopt_long driven by the rows,
 * one wording for every usage error, --help printed from the same rows. */
#include "cli/options.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/common.h"

/* More rows than any subcommand has; a longer table is a programming error
 * reported as a usage error rather than a crash. */
#define MAXROWS 64

static const pms_cli_opt help_row = {
    "help", 'h', PMS_ARG_FLAG, NULL, NULL, 0, 0, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL,
    "this help"};

static size_t count_rows(const pms_cli_opt *opts)
{
    size_t n = 0;
    while (opts[n].name) n++;
    return n;
}

/* Row i of the table, with --help as the row after the last. */
static const pms_cli_opt *row_at(const pms_cli_spec *s, size_t nrows, size_t i)
{
    return i < nrows ? &s->opts[i] : &help_row;
}

/* "--NAME BAD, not 'ARG'", or the generated range or list of names. */
static int out_of_range(const char *cmd, const pms_cli_opt *o, const char *arg)
{
    if (o->bad) return pms_cli_usage(cmd, "--%s %s, not '%s'", o->name, o->bad, arg);
    if (o->kind == PMS_ARG_ENUM) {
        char list[512];
        size_t len = 0, k = 0;
        while (o->names[k]) k++;
        for (size_t i = 0; i < k && len < sizeof list; i++)
            len += (size_t)snprintf(list + len, sizeof list - len, "%s%s",
                                    i == 0 ? "" : i + 1 == k ? " or " : ", ", o->names[i]);
        return pms_cli_usage(cmd, "--%s expects %s, not '%s'", o->name, list, arg);
    }
    if (isinf(o->hi))
        return pms_cli_usage(cmd, "--%s must be %.10g or more, not '%s'", o->name, o->lo, arg);
    return pms_cli_usage(cmd, "--%s must be between %.10g and %.10g, not '%s'", o->name, o->lo, o->hi,
                         arg);
}

static int in_range(const pms_cli_opt *o, double v)
{
    if (o->lo == 0 && o->hi == 0) return 1;   /* no range given */
    if (v == 0 && (o->flags & PMS_ARG_ZERO_OK)) return 1;
    int lo_ok = (o->flags & PMS_ARG_LO_OPEN) ? v > o->lo : v >= o->lo;
    int hi_ok = (o->flags & PMS_ARG_HI_OPEN) ? v < o->hi : v <= o->hi;
    return lo_ok && hi_ok;
}

static int parse_number(const char *cmd, const pms_cli_opt *o, const char *arg)
{
    double v;
    int bad;
    if (o->kind == PMS_ARG_UINT) {
        char *end;
        errno = 0;
        unsigned long u = strtoul(arg, &end, 10);
        bad = *arg == '-' || end == arg || *end || errno;
        if (bad && !(o->flags & PMS_ARG_BAD_ALL))
            return pms_cli_usage(cmd, "--%s expects a whole number >= 0, not '%s'", o->name, arg);
        v = (double)u;
        if (!bad) *(unsigned long *)o->to = u;
    } else {
        char *end;
        errno = 0;
        v = strtod(arg, &end);
        bad = end == arg || *end || errno || !isfinite(v);
        if (bad && !(o->flags & PMS_ARG_BAD_ALL))
            return pms_cli_usage(cmd, "--%s expects a number, not '%s'", o->name, arg);
        if (!bad) *(double *)o->to = v;
    }
    if (bad || !in_range(o, v)) return out_of_range(cmd, o, arg);
    return 0;
}

/* Store one value of row o.  Returns 0 or the exit code of the usage error. */
static int take(const pms_cli_spec *s, const pms_cli_opt *o, const char *arg)
{
    const char *cmd = s->cmd;
    char opt[80];
    snprintf(opt, sizeof opt, "--%s", o->name);
    switch (o->kind) {
    case PMS_ARG_FLAG: *(int *)o->to = 1; return 0;
    case PMS_ARG_TEXT: *(const char **)o->to = arg; return 0;
    case PMS_ARG_TEXTS:
        if (*o->n >= o->max)
            return pms_cli_usage(cmd, "too many %s %s (at most %zu)", opt,
                                 o->noun ? o->noun : "options", o->max);
        ((const char **)o->to)[(*o->n)++] = arg;
        return 0;
    case PMS_ARG_LIST:
        return pms_cli_add_list(cmd, opt, arg, s->bufs, s->nbufs, s->maxbufs, (const char **)o->to,
                                o->n, o->max);
    case PMS_ARG_UINT:
    case PMS_ARG_REAL: return parse_number(cmd, o, arg);
    case PMS_ARG_ENUM:
        for (int i = 0; o->names[i]; i++)
            if (!strcmp(arg, o->names[i])) {
                *(int *)o->to = i;
                return 0;
            }
        return out_of_range(cmd, o, arg);
    case PMS_ARG_CALL: return o->call(cmd, arg, o->to);
    }
    return 0;
}

static int repeatable(const pms_cli_opt *o)
{
    return o->kind == PMS_ARG_FLAG || o->kind == PMS_ARG_TEXTS || o->kind == PMS_ARG_LIST;
}

/* getopt_long's table from the rows: val = 256 + row index. */
static int build_getopt(const pms_cli_spec *s, size_t nrows, struct option *lo, char *shorts,
                        size_t cap)
{
    size_t k = 0;
    shorts[k++] = ':';   /* a missing value is ':', told apart from an unknown option */
    for (size_t i = 0; i <= nrows; i++) {
        const pms_cli_opt *o = row_at(s, nrows, i);
        int has_arg = o->kind == PMS_ARG_FLAG ? no_argument : required_argument;
        lo[i] = (struct option){o->name, has_arg, NULL, 256 + (int)i};
        if (o->key && k + 3 < cap) {
            shorts[k++] = o->key;
            if (has_arg == required_argument) shorts[k++] = ':';
        }
    }
    lo[nrows + 1] = (struct option){NULL, 0, NULL, 0};
    shorts[k] = '\0';
    return 0;
}

/* The row a getopt value or optopt names, or -1. */
static long row_of(const pms_cli_spec *s, size_t nrows, int val)
{
    if (val >= 256 && (size_t)(val - 256) <= nrows) return val - 256;
    for (size_t i = 0; val > 0 && i <= nrows; i++)
        if (row_at(s, nrows, i)->key == val) return (long)i;
    return -1;
}

static int bad_option(const pms_cli_spec *s, size_t nrows, int c, const char *word)
{
    long r = row_of(s, nrows, optopt);
    if (r >= 0)
        return pms_cli_usage(s->cmd, c == ':' ? "option '--%s' needs a value"
                                              : "option '--%s' takes no value",
                             row_at(s, nrows, (size_t)r)->name);
    if (optopt > 0 && optopt < 256) return pms_cli_usage(s->cmd, "unknown option '-%c'", optopt);
    return pms_cli_usage(s->cmd, "unknown option '%s'", word);
}

int pms_cli_parse(const pms_cli_spec *s, int argc, char **argv, int *help)
{
    size_t nrows = count_rows(s->opts);
    if (nrows >= MAXROWS) return pms_cli_usage(s->cmd, "too many options in the table");
    struct option lo[MAXROWS + 1];
    char shorts[2 * MAXROWS + 2];
    unsigned char seen[MAXROWS + 1] = {0};
    build_getopt(s, nrows, lo, shorts, sizeof shorts);
    int c, rc;
    *help = 0;
    /* 0, not 1: glibc and musl then reset getopt fully, so a process (a
     * test) can parse more than once. */
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
        long r = c == '?' || c == ':' ? -1 : row_of(s, nrows, c);
        if (r < 0) return bad_option(s, nrows, c, argv[optind - 1]);
        const pms_cli_opt *o = row_at(s, nrows, (size_t)r);
        if (o == &help_row) {
            *help = 1;
            continue;
        }
        if (seen[r] && !repeatable(o)) return pms_cli_usage(s->cmd, "--%s given twice", o->name);
        seen[r] = 1;
        if ((rc = take(s, o, optarg))) return rc;
    }
    if (*help) {
        pms_cli_print_help(stdout, s);
        return pms_cli_stdout_done();
    }
    if (optind < argc) return pms_cli_usage(s->cmd, "unexpected argument '%s'", argv[optind]);
    for (size_t i = 0; i < nrows; i++)
        if ((s->opts[i].flags & PMS_ARG_REQUIRED) && !seen[i])
            return pms_cli_usage(s->cmd, "--%s is required", s->opts[i].name);
    return 0;
}

/* ---- --help ---- */

/* "--name META"; with_key: "-h, --help" */
static int label(const pms_cli_opt *o, int with_key, char *buf, size_t cap)
{
    int n = o->key && with_key ? snprintf(buf, cap, "-%c, --%s", o->key, o->name)
                               : snprintf(buf, cap, "--%s", o->name);
    if (o->meta && n >= 0 && (size_t)n < cap) n += snprintf(buf + n, cap - (size_t)n, " %s", o->meta);
    return n;
}

/* The synopsis: required options bare, others in brackets, repeatable
 * values followed by "...", wrapped under the first word at 79 columns. */
static void print_usage(FILE *f, const pms_cli_spec *s, size_t nrows)
{
    char head[64];
    int indent = snprintf(head, sizeof head, "Usage: pmsreview %s", s->cmd);
    fputs(head, f);
    int col = indent;
    for (size_t i = 0; i < nrows; i++) {
        const pms_cli_opt *o = &s->opts[i];
        char form[256], word[300];
        if (o->usage) snprintf(form, sizeof form, "%s", o->usage);
        else if (o->kind == PMS_ARG_ENUM) {
            int n = snprintf(form, sizeof form, "--%s ", o->name);
            for (int k = 0; o->names[k] && n > 0 && (size_t)n < sizeof form; k++)
                n += snprintf(form + n, sizeof form - (size_t)n, "%s%s", k ? "|" : "", o->names[k]);
        } else
            label(o, 0, form, sizeof form);
        int req = (o->flags & PMS_ARG_REQUIRED) != 0;
        int w = snprintf(word, sizeof word, "%s%s%s%s", req ? "" : "[", form, req ? "" : "]",
                         o->kind == PMS_ARG_TEXTS ? "..." : "");
        if (col + 1 + w > 79 && col > indent) {
            fprintf(f, "\n%*s", indent, "");
            col = indent;
        }
        fprintf(f, " %s", word);
        col += 1 + w;
    }
    fputs("\n\n", f);
}

static void print_row(FILE *f, const pms_cli_opt *o, int col)
{
    char lab[160];
    int n = 2 + label(o, 1, lab, sizeof lab);
    fprintf(f, "  %s", lab);
    /* A label too long for the column keeps two spaces before its text. */
    fprintf(f, "%*s", n + 2 <= col ? col - n : 2, "");
    for (const char *p = o->help ? o->help : ""; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        fwrite(p, 1, len, f);
        fputc('\n', f);
        if (!nl) return;
        p = nl + 1;
        fprintf(f, "%*s", col, "");
    }
    fputc('\n', f);
}

void pms_cli_print_help(FILE *f, const pms_cli_spec *s)
{
    size_t nrows = count_rows(s->opts);
    int col = s->col > 0 ? s->col : 22;
    print_usage(f, s, nrows);
    if (s->about && *s->about) fprintf(f, "%s\n\n", s->about);
    fputs("Options:\n", f);
    for (size_t i = 0; i <= nrows; i++) print_row(f, row_at(s, nrows, i), col);
    if (s->epilog && *s->epilog) fprintf(f, "\n%s", s->epilog);
}
