/* Shared command-line plumbing: the rows of the options every data
 * subcommand takes (--data, --where, --derive, --format; cli/options.h),
 * error printing and exit codes.
 * Only cli/ writes to stdout and stderr. */
#ifndef PMS_CLI_COMMON_H
#define PMS_CLI_COMMON_H

#include <math.h>
#include <stdio.h>

#include "base/status.h"
#include "cli/options.h"
#include "io/out.h"
#include "io/table.h"

#define PMS_MAX_DATA 32
#define PMS_MAX_EXPR 64

typedef struct {
    const char *cmd;                   /* subcommand name, for messages */
    const char *data[PMS_MAX_DATA];   size_t ndata;
    const char *where[PMS_MAX_EXPR];  size_t nwhere;
    const char *derive[PMS_MAX_EXPR]; size_t nderive;
    int format;                        /* a pms_format: the index of text, csv, json */
    int help;
    unsigned long threads;             /* --threads N (0 = all online CPUs); results never depend on it */
    int rules;                         /* --rules: apply the practice rules (io/select.h) */
    double min_list;                   /* --min-list N (-1 = the default, 1000) */
    unsigned long year;                /* --year YYYY (0 = inferred) */
    char command_line[4096];           /* for provenance */
} pms_cli_common;

void pms_cli_common_init(pms_cli_common *c, const char *cmd, int argc, char **argv);

/* Rows of the shared options for a command's table (cli/options.h), with
 * their usual --help text (the _H macros) or the command's own.  Every data
 * command takes --data, --where, --derive and --format; the statistics
 * commands also take the practice rules (io/select.h: off unless asked for,
 * so results stay as before); savings keeps every contract and does not. */
#define PMS_CLI_HELP_DATA                                                  \
    "input CSV (repeatable; the first is the practice table, others\n"     \
    "are joined on practice code). Default: 2014/15 payments + IMD"
#define PMS_CLI_HELP_DERIVE "add column N computed from others"
#define PMS_CLI_HELP_FORMAT "text (default), csv or json"
#define PMS_CLI_OPT_DATA(c, text)                                                          \
    {.name = "data", .kind = PMS_ARG_TEXTS, .to = (c)->data, .n = &(c)->ndata,            \
     .max = PMS_MAX_DATA, .noun = "files", .meta = "FILE", .help = text}
#define PMS_CLI_OPT_WHERE(c)                                                               \
    {.name = "where", .kind = PMS_ARG_TEXTS, .to = (c)->where, .n = &(c)->nwhere,         \
     .max = PMS_MAX_EXPR, .noun = "clauses", .meta = "'C OP V'",                          \
     .usage = "--where 'COL OP VALUE'",                                                   \
     .help = "keep rows where column C compares to V (= != < <= > >=)"}
#define PMS_CLI_OPT_DERIVE(c, text)                                                        \
    {.name = "derive", .kind = PMS_ARG_TEXTS, .to = (c)->derive, .n = &(c)->nderive,      \
     .max = PMS_MAX_EXPR, .noun = "expressions", .meta = "'N=EXPR'", .help = text}
/* --data, --where and --derive with their usual text. */
#define PMS_CLI_OPTS_INPUT(c)                                                              \
    PMS_CLI_OPT_DATA(c, PMS_CLI_HELP_DATA), PMS_CLI_OPT_WHERE(c),                          \
        PMS_CLI_OPT_DERIVE(c, PMS_CLI_HELP_DERIVE)
#define PMS_CLI_OPTS_SELECT(c)                                                             \
    {.name = "rules", .kind = PMS_ARG_FLAG, .to = &(c)->rules,                             \
     .help = "count only the practices the rules keep: list and payments > 0,\n"           \
             "GP practices (not walk-in centres), no atypical flag, open the\n"            \
             "whole year, at least --min-list registered patients (each\n"                 \
             "rule's exclusions are listed with the reason)"},                             \
    {.name = "min-list", .kind = PMS_ARG_REAL, .to = &(c)->min_list, .lo = 0,              \
     .hi = HUGE_VAL, .bad = "must be 0 or more", .meta = "N",                             \
     .help = "with --rules: the list size needed (default 1000; 0 = no minimum)"},        \
    {.name = "year", .kind = PMS_ARG_UINT, .to = &(c)->year, .lo = 1990, .hi = 2100,       \
     .bad = "must be a financial year's first calendar year (e.g. 2014 for 2014/15)",     \
     .meta = "YYYY",                                                                      \
     .help = "with --rules: the financial year YYYY/YY+1 for the part-year rule\n"         \
             "(default: the year of the latest opening date in the file)"}
#define PMS_CLI_OPT_FORMAT(c, text)                                                        \
    {.name = "format", .kind = PMS_ARG_ENUM, .to = &(c)->format, .names = pms_cli_formats, \
     .bad = "must be text, csv or json", .meta = "FMT", .help = text}
#define PMS_CLI_OPT_THREADS(c, text)                                                       \
    {.name = "threads", .kind = PMS_ARG_UINT, .to = &(c)->threads, .lo = 0, .hi = 256,     \
     .bad = "must be at most 256", .meta = "N", .help = text}
#define PMS_CLI_END {.name = NULL}
/* text, csv, json: the order of pms_format. */
extern const char *const pms_cli_formats[];

/* "pmsreview: MESSAGE" on stderr. */
void pms_cli_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
/* Usage error: one line, then "Try 'pmsreview CMD --help'"; returns PMS_EXIT_USAGE. */
int pms_cli_usage(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Report a library failure (err->msg if set, else pms_strerror) and return its exit code. */
int pms_cli_fail(pms_status s, const pms_err *err);

/* Load, join, derive and filter the --data files; on failure prints the error
 * and returns the exit code (non-zero), else 0 with *out set.  With no --data,
 * `defaults` (NULL-terminated, relative to the datasets directory) are used. */
int pms_cli_open_data(pms_cli_common *c, const char *const *defaults, pms_table **out);

/* Directory holding the shipped datasets: $PMS_DATADIR, else $PMS_DATASETS
 * (older name), else ../share/pmsreview beside the executable (an install),
 * else the source tree's datasets/ when the executable is the build tree's
 * (doc/output.md). */
const char *pms_cli_datasets_dir(void);

/* Split a comma-separated list in place into at most max items; returns count or -1. */
int pms_cli_split(char *s, const char **items, int max);


/* A repeatable comma-separated list option (--y a,b --y c): `arg` is copied
 * into bufs[*nbufs] (at most maxbufs copies; the caller frees them), split in
 * place and appended to items[*n] (at most max).  Usage errors: too many
 * options, too many columns, an empty list.  Returns 0 or an exit code. */
int pms_cli_add_list(const char *cmd, const char *opt, const char *arg, char **bufs,
                     size_t *nbufs, size_t maxbufs, const char **items, size_t *n, size_t max);

/* A number for option `opt`, or the usage error "OPT expects a number, not
 * 'S'" (for the items of a list option; a table row parses its own). */
int pms_cli_parse_double(const char *cmd, const char *opt, const char *s, double *out);

/* Write output tables to stdout and check that stdout was written and closed
 * cleanly (writing to /dev/full fails with exit 1).  Returns the exit code. */
int pms_cli_emit(const pms_cli_common *c, pms_out *const *tables, size_t n, const pms_table *prov);

/* Flush standard output at the end of a command: 0, or 1 after printing
 * "pmsreview: write error on standard output: REASON" (e.g. > /dev/full).
 * Prints nothing if an earlier write error on stdout was already reported. */
int pms_cli_stdout_done(void);

#endif
