/* Shared command-line plumbing: the options every data subcommand takes
 * (--data, --where, --derive, --format), error printing and exit codes.
 * Only cli/ writes to stdout and stderr. */
#ifndef PMS_CLI_COMMON_H
#define PMS_CLI_COMMON_H

#include <getopt.h>
#include <stdio.h>

#include "base/status.h"
#include "io/out.h"
#include "io/table.h"

/* getopt_long codes for the shared options (above the char range). */
enum {
    PMS_OPT_DATA = 1000,
    PMS_OPT_WHERE,
    PMS_OPT_DERIVE,
    PMS_OPT_FORMAT,
    PMS_OPT_HELP,
    PMS_OPT_THREADS,
    PMS_OPT_RULES,
    PMS_OPT_MIN_LIST,
    PMS_OPT_YEAR,
    PMS_OPT_FIRST_COMMAND_SPECIFIC = 1100
};

/* Spread into a command's struct option array: */
#define PMS_COMMON_LONG_OPTIONS                               \
    {"data", required_argument, NULL, PMS_OPT_DATA},          \
    {"where", required_argument, NULL, PMS_OPT_WHERE},        \
    {"derive", required_argument, NULL, PMS_OPT_DERIVE},      \
    {"format", required_argument, NULL, PMS_OPT_FORMAT},      \
    {"help", no_argument, NULL, PMS_OPT_HELP},                \
    {"threads", required_argument, NULL, PMS_OPT_THREADS}

/* The practice rules (io/select.h), for the statistics commands (correlate,
 * fairness, funnel, regress, check); savings keeps every contract and does not
 * take them.  Off unless asked for, so results stay as before. */
#define PMS_SELECT_LONG_OPTIONS                               \
    {"rules", no_argument, NULL, PMS_OPT_RULES},              \
    {"min-list", required_argument, NULL, PMS_OPT_MIN_LIST},  \
    {"year", required_argument, NULL, PMS_OPT_YEAR}

/* Their --help lines. */
#define PMS_SELECT_HELP                                                                    \
    "  --rules             count only the practices the rules keep: list and payments > 0,\n" \
    "                      GP practices (not walk-in centres), no atypical flag, open the\n"  \
    "                      whole year, at least --min-list registered patients (each\n"      \
    "                      rule's exclusions are listed with the reason)\n"                   \
    "  --min-list N        with --rules: the list size needed (default 1000; 0 = no minimum)\n" \
    "  --year YYYY         with --rules: the financial year YYYY/YY+1 for the part-year rule\n" \
    "                      (default: the year of the latest opening date in the file)\n"

#define PMS_MAX_DATA 32
#define PMS_MAX_EXPR 64

typedef struct {
    const char *cmd;                   /* subcommand name, for messages */
    const char *data[PMS_MAX_DATA];   size_t ndata;
    const char *where[PMS_MAX_EXPR];  size_t nwhere;
    const char *derive[PMS_MAX_EXPR]; size_t nderive;
    pms_format format;
    int help;
    unsigned threads;                  /* --threads N (0 = all online CPUs); results never depend on it */
    int rules;                         /* --rules: apply the practice rules (io/select.h) */
    double min_list;                   /* --min-list N (-1 = the default, 1000) */
    int year;                          /* --year YYYY (0 = inferred) */
    char command_line[4096];           /* for provenance */
} pms_cli_common;

void pms_cli_common_init(pms_cli_common *c, const char *cmd, int argc, char **argv);

/* Handle a shared option.  Returns 1 if handled, 0 if `opt` is not a shared
 * option, -1 on a usage error (already reported). */
int pms_cli_common_opt(pms_cli_common *c, int opt, const char *arg);

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
/* The usage error for getopt_long's '?' (opterr = 0): "option '--NAME' needs
 * a value" when optopt names an option of `opts` that lacks its argument, else
 * "unknown option 'ARG'".  Returns PMS_EXIT_USAGE. */
int pms_cli_bad_option(const char *cmd, const struct option *opts, int optopt_, const char *arg);

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

/* A single-valued option: store `arg` in *slot, or the usage error
 * "OPT given twice" if it was already set.  Returns 0 or PMS_EXIT_USAGE. */
int pms_cli_once(const char *cmd, const char **slot, const char *arg, const char *opt);

/* A repeatable comma-separated list option (--y a,b --y c): `arg` is copied
 * into bufs[*nbufs] (at most maxbufs copies; the caller frees them), split in
 * place and appended to items[*n] (at most max).  Usage errors: too many
 * options, too many columns, an empty list.  Returns 0 or an exit code. */
int pms_cli_add_list(const char *cmd, const char *opt, const char *arg, char **bufs,
                     size_t *nbufs, size_t maxbufs, const char **items, size_t *n, size_t max);

/* Parse helpers that report usage errors; return 0 on success. */
int pms_cli_parse_double(const char *cmd, const char *opt, const char *s, double *out);
int pms_cli_parse_ulong(const char *cmd, const char *opt, const char *s, unsigned long *out);

/* Write output tables to stdout and check that stdout was written and closed
 * cleanly (writing to /dev/full fails with exit 1).  Returns the exit code. */
int pms_cli_emit(const pms_cli_common *c, pms_out *const *tables, size_t n, const pms_table *prov);

/* Flush standard output at the end of a command: 0, or 1 after printing
 * "pmsreview: write error on standard output: REASON" (e.g. > /dev/full).
 * Prints nothing if an earlier write error on stdout was already reported. */
int pms_cli_stdout_done(void);

#endif
