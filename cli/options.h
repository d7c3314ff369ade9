/* One option table per subcommand.  Each option is a row: its long name (and
 * short letter, if any), its kind, where its value goes, the values it
 * accepts, and the words --help shows for it.  pms_cli_parse reads argv
 * against the table once, with one wording for every usage error, and prints
 * --help from the same rows, so an option cannot be accepted without being
 * documented, nor documented without being accepted (HACKING.md, "Adding a
 * subcommand").
 *
 * Usage errors, each one line plus "Try 'pmsreview CMD --help'", exit 1:
 *   unknown option '--bogus'            option '--x' needs a value
 *   option '--help' takes no value      --x given twice
 *   --x is required                     unexpected argument 'extra'
 *   --ci-level expects a number, not 'abc'
 *   --bootstrap expects a whole number >= 0, not '-1'
 *   --ci-level must be between 0 and 1, not '1.5'   (or the row's own words)
 *   --robust expects hc0, hc1, hc2 or hc3, not 'hc4'
 *   too many --data files (at most 32)  and the list errors of pms_cli_add_list */
#ifndef PMS_CLI_OPTIONS_H
#define PMS_CLI_OPTIONS_H

#include <stddef.h>
#include <stdio.h>

typedef enum {
    PMS_ARG_FLAG,   /* no value: *(int *)to = 1; may be repeated */
    PMS_ARG_TEXT,   /* one value, kept as given: *(const char **)to */
    PMS_ARG_TEXTS,  /* repeatable value: appended to (const char **)to, count *n, at most max */
    PMS_ARG_LIST,   /* repeatable comma-separated list: its items appended to
                     * (const char **)to, count *n, at most max (pms_cli_add_list) */
    PMS_ARG_UINT,   /* whole number >= 0 within [lo, hi]: *(unsigned long *)to */
    PMS_ARG_REAL,   /* finite number within lo..hi (see the flags): *(double *)to */
    PMS_ARG_ENUM,   /* one of `names`: *(int *)to = its index */
    PMS_ARG_CALL    /* parsed by call(cmd, arg, to): 0 or an exit code (already reported) */
} pms_arg_kind;

enum {
    PMS_ARG_REQUIRED = 1 << 0,  /* "--NAME is required" unless given (or --help) */
    PMS_ARG_LO_OPEN = 1 << 1,   /* the range excludes lo (e.g. 0 < L < 1) */
    PMS_ARG_HI_OPEN = 1 << 2,   /* the range excludes hi */
    PMS_ARG_ZERO_OK = 1 << 3,   /* 0 is accepted besides the range (0 = none) */
    PMS_ARG_BAD_ALL = 1 << 4    /* `bad` also answers a value that is not a number */
};

typedef struct {
    const char *name;           /* long name without "--"; NULL ends the table */
    char key;                   /* short option letter, 0 for none */
    pms_arg_kind kind;
    void *to;                   /* where the value goes (see the kinds) */
    size_t *n;                  /* TEXTS, LIST: the count so far */
    size_t max;                 /* TEXTS, LIST: capacity of `to` */
    double lo, hi;              /* UINT, REAL: the range (inclusive unless flagged;
                                 * lo = hi = 0: any value) */
    unsigned flags;
    const char *const *names;   /* ENUM: the accepted words, NULL-terminated */
    const char *bad;            /* the complaint for a value outside the range or the
                                 * names: "--NAME BAD, not 'ARG'"; NULL: generated */
    const char *noun;           /* TEXTS: "too many --NAME NOUN (at most MAX)"; NULL: options */
    int (*call)(const char *cmd, const char *arg, void *to);
    const char *meta;           /* "COL" in "--y COL"; NULL for FLAG */
    const char *usage;          /* the synopsis form, if not "--NAME META" */
    const char *help;           /* its --help text; '\n' starts an indented line */
} pms_cli_opt;

typedef struct {
    const char *cmd;            /* the subcommand, for messages and Usage */
    const char *about;          /* what it does: the paragraphs between Usage and Options */
    const char *epilog;         /* after the options: notes, examples, exit status */
    int col;                    /* column of the options' help text (0: 22) */
    const pms_cli_opt *opts;    /* the table, ended by a row with name NULL */
    char **bufs;                /* LIST: copies of the arguments, split in place; */
    size_t *nbufs, maxbufs;     /*   the caller frees bufs[0 .. *nbufs) */
} pms_cli_spec;

/* Parse argv[1..] against spec; every subcommand also takes -h/--help, shown
 * last.  Returns 0, or PMS_EXIT_USAGE after reporting a usage error on
 * stderr.  With --help (and no usage error) *help is set, the help is printed
 * to stdout and the return is the exit code of writing it (0, or 1 if
 * stdout failed); the command then stops. */
int pms_cli_parse(const pms_cli_spec *spec, int argc, char **argv, int *help);

/* The --help text generated from spec (Usage, about, Options, epilog). */
void pms_cli_print_help(FILE *f, const pms_cli_spec *spec);

#endif
