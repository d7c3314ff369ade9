/* The option-table parser (cli/options.c): every kind of row, every usage
 * error's wording, --help generated from the rows, and parsing twice in one
 * process.  The CLI's sources are compiled in (they are not in the library).
 * ctest-labels: unit cli */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#ifndef PMS_REL_DATADIR
#define PMS_REL_DATADIR "../share/pmsreview"
#endif
#include "cli/common.c"
#include "cli/options.c"

/* What one parse printed. */
typedef struct {
    int rc, help;
    char out[8192], err[2048];
} parsed;

static void slurp(FILE *f, char *buf, size_t cap)
{
    rewind(f);
    size_t n = fread(buf, 1, cap - 1, f);
    buf[n] = '\0';
}

/* Run pms_cli_parse on a NULL-terminated argument list with stdout and
 * stderr captured. */
static void run(const pms_cli_spec *s, parsed *p, ...)
{
    char *argv[32], store[32][128];
    int argc = 0;
    va_list ap;
    va_start(ap, p);
    snprintf(store[argc], sizeof store[argc], "%s", s->cmd);
    argv[argc] = store[argc];
    argc++;
    for (const char *a; (a = va_arg(ap, const char *)) != NULL && argc < 31; argc++) {
        snprintf(store[argc], sizeof store[argc], "%s", a);
        argv[argc] = store[argc];
    }
    va_end(ap);
    argv[argc] = NULL;
    FILE *o = tmpfile(), *e = tmpfile();
    assert_non_null(o);
    assert_non_null(e);
    fflush(stdout);
    fflush(stderr);
    int so = dup(1), se = dup(2);
    dup2(fileno(o), 1);
    dup2(fileno(e), 2);
    p->rc = pms_cli_parse(s, argc, argv, &p->help);
    fflush(stdout);
    fflush(stderr);
    dup2(so, 1);
    dup2(se, 2);
    close(so);
    close(se);
    clearerr(stdout);
    slurp(o, p->out, sizeof p->out);
    slurp(e, p->err, sizeof p->err);
    fclose(o);
    fclose(e);
}

/* A command with one row of every kind. */
typedef struct {
    const char *y, *files[2];
    size_t nfiles;
    const char *cols[4];
    size_t ncols;
    char *bufs[4];
    size_t nbufs;
    int flag, choice;
    unsigned long boot;
    double level;
    int called;
} args;

static int call_row(const char *cmd, const char *arg, void *to)
{
    if (!strcmp(arg, "no")) return pms_cli_usage(cmd, "--call refuses 'no'");
    ((args *)to)->called++;
    return 0;
}

static const char *const choices[] = {"mean", "proportion", "rate", NULL};

static parsed P;
static args A;

static void spec_of(args *a, pms_cli_opt *rows, pms_cli_spec *s)
{
    const pms_cli_opt t[] = {
        {.name = "y", .kind = PMS_ARG_TEXT, .to = &a->y, .flags = PMS_ARG_REQUIRED, .meta = "COL",
         .help = "the response"},
        {.name = "data", .kind = PMS_ARG_TEXTS, .to = a->files, .n = &a->nfiles, .max = 2,
         .noun = "files", .meta = "FILE", .help = "input\nsecond line of its help"},
        {.name = "x", .kind = PMS_ARG_LIST, .to = a->cols, .n = &a->ncols, .max = 4,
         .meta = "COL,...", .help = "columns"},
        {.name = "flag", .key = 'f', .kind = PMS_ARG_FLAG, .to = &a->flag, .help = "a flag"},
        {.name = "type", .kind = PMS_ARG_ENUM, .to = &a->choice, .names = choices, .meta = "T",
         .help = "the type"},
        {.name = "bootstrap", .key = 'b', .kind = PMS_ARG_UINT, .to = &a->boot, .lo = 2, .hi = 1e7,
         .flags = PMS_ARG_ZERO_OK, .meta = "N", .help = "resamples"},
        {.name = "ci-level", .kind = PMS_ARG_REAL, .to = &a->level, .lo = 0, .hi = 1,
         .flags = PMS_ARG_LO_OPEN | PMS_ARG_HI_OPEN, .meta = "L", .help = "level"},
        {.name = "equivalence", .kind = PMS_ARG_REAL, .to = &a->level, .lo = 0, .hi = 1,
         .flags = PMS_ARG_LO_OPEN | PMS_ARG_HI_OPEN, .bad = "must be between 0 and 1 (a correlation)",
         .meta = "D", .help = "margin"},
        {.name = "call", .kind = PMS_ARG_CALL, .to = a, .call = call_row, .meta = "V",
         .usage = "--call yes|no", .help = "a callback"},
        PMS_CLI_END};
    memcpy(rows, t, sizeof t);
    *s = (pms_cli_spec){"demo", "What demo does.", "Exit status: 0.\n", 20, rows, a->bufs, &a->nbufs, 4};
}

#define ROWS 10
#define PARSE(...)                                    \
    do {                                              \
        pms_cli_opt rows_[ROWS];                      \
        pms_cli_spec spec_;                           \
        for (size_t i_ = 0; i_ < A.nbufs; i_++) free(A.bufs[i_]); \
        memset(&A, 0, sizeof A);                      \
        spec_of(&A, rows_, &spec_);                   \
        run(&spec_, &P, __VA_ARGS__, (const char *)NULL); \
    } while (0)

static void expect_usage(const char *msg)
{
    char want[1024];
    snprintf(want, sizeof want, "pmsreview: %s\nTry 'pmsreview demo --help'\n", msg);
    assert_int_equal(P.rc, PMS_EXIT_USAGE);
    assert_string_equal(P.err, want);
    assert_string_equal(P.out, "");
}

static void test_values(void **state)
{
    (void)state;
    PARSE("--y", "b", "--data", "f1", "--x", "c1, c2", "--data", "f2", "--x", "c3", "-f", "--type",
          "rate", "--bootstrap", "0", "--ci-level", "0.9", "--call", "yes");
    assert_int_equal(P.rc, 0);
    assert_string_equal(P.err, "");
    assert_string_equal(A.y, "b");
    assert_int_equal(A.nfiles, 2);
    assert_string_equal(A.files[1], "f2");
    assert_int_equal(A.ncols, 3);
    assert_string_equal(A.cols[1], "c2");   /* spaces around commas are trimmed */
    assert_string_equal(A.cols[2], "c3");
    assert_int_equal(A.flag, 1);
    assert_int_equal(A.choice, 2);
    assert_int_equal(A.boot, 0);            /* 0 is accepted besides 2..1e7 */
    assert_true(A.level == 0.9);
    assert_int_equal(A.called, 1);
}

static void test_given_twice(void **state)
{
    (void)state;
    PARSE("--y", "a", "--y", "b");
    expect_usage("--y given twice");
    PARSE("--y", "a", "--type", "mean", "--type", "rate");
    expect_usage("--type given twice");
    PARSE("--y", "a", "--call", "yes", "--call", "yes");
    expect_usage("--call given twice");
    /* flags and repeatable rows may repeat */
    PARSE("--y", "a", "--flag", "-f", "--x", "a", "--x", "b");
    assert_int_equal(P.rc, 0);
}

static void test_ranges(void **state)
{
    (void)state;
    PARSE("--y", "a", "--ci-level", "1");
    expect_usage("--ci-level must be between 0 and 1, not '1'");
    PARSE("--y", "a", "--ci-level", "0");
    expect_usage("--ci-level must be between 0 and 1, not '0'");
    PARSE("--y", "a", "--ci-level", "abc");
    expect_usage("--ci-level expects a number, not 'abc'");
    PARSE("--y", "a", "--ci-level", "nan");
    expect_usage("--ci-level expects a number, not 'nan'");
    PARSE("--y", "a", "--equivalence", "1.5");
    expect_usage("--equivalence must be between 0 and 1 (a correlation), not '1.5'");
    PARSE("--y", "a", "--bootstrap", "1");
    expect_usage("--bootstrap must be between 2 and 10000000, not '1'");
    PARSE("--y", "a", "-b", "10000001");
    expect_usage("--bootstrap must be between 2 and 10000000, not '10000001'");
    PARSE("--y", "a", "--bootstrap", "-3");
    expect_usage("--bootstrap expects a whole number >= 0, not '-3'");
    PARSE("--y", "a", "--bootstrap", "7x");
    expect_usage("--bootstrap expects a whole number >= 0, not '7x'");
    PARSE("--y", "a", "--type", "median");
    expect_usage("--type expects mean, proportion or rate, not 'median'");
    PARSE("--y", "a", "--call", "no");
    expect_usage("--call refuses 'no'");
}

static void test_unknown_and_missing(void **state)
{
    (void)state;
    PARSE("--y", "a", "--bogus");
    expect_usage("unknown option '--bogus'");
    PARSE("--y", "a", "-z");
    expect_usage("unknown option '-z'");
    PARSE("--y");
    expect_usage("option '--y' needs a value");
    PARSE("--y", "a", "-b");
    expect_usage("option '--bootstrap' needs a value");
    PARSE("--y", "a", "--flag=1");
    expect_usage("option '--flag' takes no value");
    PARSE("--data", "f");
    expect_usage("--y is required");
    PARSE("--y", "a", "extra");
    expect_usage("unexpected argument 'extra'");
    PARSE("--y", "a", "--data", "1", "--data", "2", "--data", "3");
    expect_usage("too many --data files (at most 2)");
    PARSE("--y", "a", "--x", " , ");
    expect_usage("--x needs at least one column name");
    PARSE("--y", "a", "--x", "a,b,c,d,e");
    expect_usage("too many columns in --x (at most 4)");
    /* a usage error comes before --help */
    PARSE("--help", "--bogus");
    expect_usage("unknown option '--bogus'");
}

static void test_help(void **state)
{
    (void)state;
    PARSE("--help");   /* --y is required, but not for --help */
    assert_int_equal(P.rc, 0);
    assert_int_equal(P.help, 1);
    assert_string_equal(P.err, "");
    const char *want =
        "Usage: pmsreview demo --y COL [--data FILE]... [--x COL,...] [--flag]\n"
        "                      [--type mean|proportion|rate] [--bootstrap N]\n"
        "                      [--ci-level L] [--equivalence D] [--call yes|no]\n"
        "\n"
        "What demo does.\n"
        "\n"
        "Options:\n"
        "  --y COL           the response\n"
        "  --data FILE       input\n"
        "                    second line of its help\n"
        "  --x COL,...       columns\n"
        "  -f, --flag        a flag\n"
        "  --type T          the type\n"
        "  -b, --bootstrap N  resamples\n"
        "  --ci-level L      level\n"
        "  --equivalence D   margin\n"
        "  --call V          a callback\n"
        "  -h, --help        this help\n"
        "\n"
        "Exit status: 0.\n";
    assert_string_equal(P.out, want);
    parsed first = P;
    PARSE("-h");
    assert_int_equal(P.rc, 0);
    assert_string_equal(P.out, first.out);
}

/* Every row of the table is both in --help and accepted by the parser. */
static void test_help_matches_table(void **state)
{
    (void)state;
    pms_cli_opt rows[ROWS];
    pms_cli_spec s;
    args a;
    memset(&a, 0, sizeof a);
    spec_of(&a, rows, &s);
    PARSE("--help");
    for (const pms_cli_opt *o = rows; o->name; o++) {
        char lab[64];
        snprintf(lab, sizeof lab, "--%s", o->name);
        assert_non_null(strstr(P.out, lab));
    }
}

static void test_parse_twice(void **state)
{
    (void)state;
    /* getopt keeps state between calls; the parser resets it */
    PARSE("-fb", "5", "--y", "a");
    assert_int_equal(P.rc, 0);
    assert_int_equal(A.boot, 5);
    assert_int_equal(A.flag, 1);
    PARSE("--y", "a", "-f");
    assert_int_equal(P.rc, 0);
    assert_int_equal(A.boot, 0);
    assert_int_equal(A.flag, 1);
    for (size_t i = 0; i < A.nbufs; i++) free(A.bufs[i]);
    A.nbufs = 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values),          cmocka_unit_test(test_given_twice),
        cmocka_unit_test(test_ranges),          cmocka_unit_test(test_unknown_and_missing),
        cmocka_unit_test(test_help),            cmocka_unit_test(test_help_matches_table),
        cmocka_unit_test(test_parse_twice),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
