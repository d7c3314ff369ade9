/* Running out of memory while a command builds and writes its tables
 * (correlate, fairness, funnel, target, savings' input and tables: the
 * library calls of cli/cmd_*.c) or while the report records its exclusions: every
 * allocation after the data are loaded is made to fail, once, in turn, and
 * the run must then give exactly the bytes it gives without the failure
 * (text and JSON, with the provenance), or PMS_ENOMEM with nothing written
 * and nothing leaked; never an output short of a note, a row, a cell or a
 * footnote.  Callers ignore some of those statuses: what they failed to
 * store marks its table incomplete, and the writers refuse such a table
 * (io/out.h, io/table.h).
 *
 * The report (pms_report_run, charts off, into a temporary folder) makes
 * about 50,000 allocations, and libxlsxwriter crashes when some of its own
 * fail (lxw_worksheet_new frees a half-built worksheet), so there only the
 * allocations that store a note (pms_table_note), a footnote, title or row
 * of a table, a summary sentence or Methods line, and every 64th text
 * cell, fail in turn (found by their return address): each must leave no report folder, no temporary folder
 * and no leak, or the very files of the run without a failure.
 *
 * One thread, so that the n-th allocation is the same one every time.  The
 * stand-ins for malloc, calloc, realloc and free are tests/oom_standin.h's
 * (glibc's __libc_* do the work), so this cannot run
 * under AddressSanitizer or valgrind, which stand in for them themselves:
 * there it exits 77 (a skip).
 * ctest-labels: unit */
#define _GNU_SOURCE /* fmemopen, mkdtemp, nftw */
#include <dirent.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analysis/pace.h"
#include "analysis/target.h"
#include "io/correlate_table.h"
#include "io/fairness_table.h"
#include "io/funnel_table.h"
#include "io/out.h"
#include "io/savings_input.h"
#include "io/savings_tables.h"
#include "io/scenario.h"
#include "io/table.h"
#include "io/target_select.h"
#include "report/report.h"
#include "testutil.h"

#include "oom_standin.h"

#ifndef PMS_OOM_SKIP

/* The 2014/15 payments of one CCG (Bristol, 55 practices) with IMD joined
 * and a measure missing for the less deprived ("odd" is undefined where
 * imd2015 <= 20), so that every command has exclusions to note. */
static pms_table *base;
static pms_scenario_file *scenarios;

/* What a command does after its data are loaded, written in one format to
 * f: the first status that is not PMS_OK, or PMS_OK.  t is the run's own
 * copy of the data (the commands note their exclusions in it). */
typedef pms_status (*command)(pms_table *t, pms_format fmt, FILE *f);

static const char *const cmdline = "pmsreview test_out_oom";

static pms_status run_correlate(pms_table *t, pms_format fmt, FILE *f)
{
    const char *y[] = {"odd", "payments_per_weighted"};
    const pms_corr_method m[] = {PMS_CORR_PEARSON, PMS_CORR_SPEARMAN, PMS_CORR_KENDALL};
    pms_corr_table_opts o = {"imd2015", y, 2, m, 3, NULL, NULL, 0, NULL, 0, 1, 1, 0.95,
                             PMS_ADJ_HOLM, NAN, 0.8, NULL, NULL};
    pms_corr_table_result r;
    memset(&r, 0, sizeof r);
    pms_out *out[PMS_CT_NOUT] = {NULL};
    pms_err err = {{0}};
    pms_status st = pms_corr_table(t, &o, &r, &err);
    if (!st) st = pms_corr_table_out(t, &o, &r, out, &err);
    if (!st) st = pms_out_write(f, fmt, out, PMS_CT_NOUT, t, cmdline);
    for (size_t i = 0; i < PMS_CT_NOUT; i++) pms_out_free(out[i]);
    pms_corr_table_result_free(&r);
    return st;
}

static pms_status run_fairness(pms_table *t, pms_format fmt, FILE *f)
{
    pms_fair_table_opts o = {"payments_per_weighted", "weighted_patients", "contract_type",
                             "odd", 0, 1, 1, 0.95};
    pms_fair_table r;
    memset(&r, 0, sizeof r);
    pms_out *out[PMS_FAIR_TABLE_MAXOUT] = {NULL};
    size_t n = 0;
    pms_err err = {{0}};
    pms_status st = pms_fair_table_compute(t, &o, &r, &err);
    if (!st) st = pms_fair_table_out(t, &o, &r, fmt == PMS_FMT_TEXT, out, &n, &err);
    if (!st) st = pms_out_write(f, fmt, out, n, t, cmdline);
    for (size_t i = 0; i < n; i++) pms_out_free(out[i]);
    pms_fair_table_free(&r);
    return st;
}

static pms_status run_funnel(pms_table *t, pms_format fmt, FILE *f)
{
    pms_funnel_table_opts o;
    memset(&o, 0, sizeof o);
    o.value = "odd";
    o.size = "weighted_patients";
    pms_funnel_opts_default(&o.fit);
    pms_funnel_table r;
    memset(&r, 0, sizeof r);
    pms_out *out[PMS_FUNNEL_TABLE_MAXOUT] = {NULL};
    size_t n = 0;
    pms_err err = {{0}};
    pms_status st = pms_funnel_table_compute(t, &o, &r, &err);
    if (!st) st = pms_funnel_table_out(t, &o, &r, fmt == PMS_FMT_TEXT, out, &n, &err);
    if (!st) st = pms_out_write(f, fmt, out, n, t, cmdline);
    for (size_t i = 0; i < n; i++) pms_out_free(out[i]);
    pms_funnel_table_free(&r);
    return st;
}

/* As cli/cmd_target.c: the need missing where "odd" is. */
static pms_status run_target(pms_table *t, pms_format fmt, FILE *f)
{
    pms_target_spec s = {"odd", "core_payments", PMS_TSCOPE_NATIONAL, "imd2015",
                         PMS_TARGET_DEFAULT_ELASTICITY};
    pms_target_rows r;
    pms_target_result res;
    memset(&r, 0, sizeof r);
    memset(&res, 0, sizeof res);
    pms_out *out[4] = {NULL};
    size_t n = 0;
    pms_err err = {{0}};
    pms_status st = pms_target_rows_select(t, &s, &r, &err);
    if (!st) {
        pms_target_input in;
        pms_target_rows_input(&r, &in);
        st = pms_target_compute(&in, &res, &err);
    }
    if (!st) {
        out[n++] = pms_target_out_localities(t, &r, &res, "11H");
        out[n++] = pms_target_out_practices(t, &r, &res, "11H");
        out[n++] = pms_target_out_pools(&r, &res, s.scope);
        out[n++] = pms_target_out_excluded(t, &r, &s);
        size_t k;
        st = pms_out_all_or_none(out, n, &k, &err);
        n = k;
    }
    if (!st) st = pms_out_write(f, fmt, out, n, t, cmdline);
    for (size_t i = 0; i < n; i++) pms_out_free(out[i]);
    pms_target_result_free(&res);
    pms_target_rows_free(&r);
    if (st && st != PMS_ENOMEM) printf("(%s)\n", err.msg);
    return st;
}

/* Each pace-of-change scenario of the file run on Bristol's fair shares
 * (pms_pace_run, what `target --pace` tabulates), every year's figures and
 * every practice's money then printed: a failed apportionment must fail
 * the run, not leave a year's targets or changes unset. */
static pms_status run_pace(pms_table *t, pms_format fmt, FILE *f)
{
    (void)fmt;
    pms_target_spec s = {"odd", "core_payments", PMS_TSCOPE_NATIONAL, "imd2015",
                         PMS_TARGET_DEFAULT_ELASTICITY};
    pms_target_rows r;
    memset(&r, 0, sizeof r);
    pms_err err = {{0}};
    pms_pace_result pr[4];
    size_t npr = 0;
    pms_status st = pms_target_rows_select(t, &s, &r, &err);
    assert_true(scenarios->npace >= 1 && scenarios->npace <= 4);
    if (!st) {
        pms_target_input in;
        pms_target_rows_input(&r, &in);
        for (; npr < scenarios->npace; npr++)
            if ((st = pms_pace_run(&in, &scenarios->pace[npr], (size_t)-1, &pr[npr], &err))) break;
    }
    for (size_t k = 0; !st && k < npr; k++) { /* (printing allocates nothing) */
        for (size_t y = 0; y < pr[k].nyears; y++) {
            const pms_pace_year *Y = &pr[k].year[y];
            fprintf(f, "%zu %zu: %lld %lld %.17g %zu %zu %zu %zu %lld %lld\n", k, y,
                    (long long)Y->pot, (long long)Y->to_move, Y->closed, Y->losing, Y->gaining,
                    Y->at_floor, Y->at_cap, (long long)Y->overspend, (long long)Y->held_back);
        }
        for (size_t i = 0; i < (pr[k].nyears + 1) * pr[k].n; i++)
            fprintf(f, "%lld%c", (long long)pr[k].money[i], i % 16 == 15 ? '\n' : ' ');
        for (size_t i = 0; i < pr[k].nyears * pr[k].n; i++)
            fprintf(f, "%lld%c", (long long)pr[k].target[i], i % 16 == 15 ? '\n' : ' ');
    }
    for (size_t k = 0; k < npr; k++) pms_pace_result_free(&pr[k]);
    pms_target_rows_free(&r);
    if (st && st != PMS_ENOMEM) printf("(%s)\n", err.msg);
    return st;
}

/* The savings model's input (the command's and the report's): its
 * exclusions and the scenario file noted, then the provenance written. */
static pms_status run_savings_input(pms_table *t, pms_format fmt, FILE *f)
{
    pms_savings_input in;
    pms_err err = {{0}};
    pms_status st = pms_savings_input_open(scenarios, t, "savings", "savings_", &in, &err);
    if (st && st != PMS_ENOMEM) printf("(%s)\n", err.msg);
    if (st) return st; /* nothing left allocated */
    st = pms_out_write(f, fmt, NULL, 0, t, cmdline);
    pms_savings_input_free(&in);
    return st;
}

/* As cli/cmd_savings.c: two scenarios, Bristol first, by locality. */
static pms_status run_savings(pms_table *t, pms_format fmt, FILE *f)
{
    pms_savings_input in;
    pms_err err = {{0}};
    pms_status st = pms_savings_input_open(scenarios, t, "savings", "savings_", &in, &err);
    if (st) return st;
    int run[2];
    size_t nrun = scenarios->n < 2 ? scenarios->n : 2; /* two: the cost is per run */
    for (size_t i = 0; i < nrun; i++) run[i] = (int)i;
    int l = pms_scenario_locality_find(&in.b, "11H");
    assert_true(l >= 0);
    /* (Every practice's schedule, --detail all, would make 12,000 allocations.) */
    pms_savings_tables_opts o = {run, nrun, (size_t)l, 4, PMS_SAVINGS_LOCALITIES,
                                 fmt == PMS_FMT_TEXT};
    pms_savings_tables out;
    memset(&out, 0, sizeof out);
    st = pms_savings_tables_run(scenarios, &in, t, &o, &out, &err);
    if (!st) st = pms_out_write(f, fmt, out.t, out.n, t, cmdline);
    if (st && st != PMS_ENOMEM) printf("(%s)\n", err.msg);
    pms_savings_tables_free(&out);
    pms_savings_input_free(&in);
    return st;
}

/* Output goes to a fixed buffer, unbuffered, so that writing allocates
 * nothing of its own (a memstream's growth would fail as PMS_EIO). */
static char outbuf[1 << 22];

static size_t run_once(command cmd, pms_format fmt, FILE *f, long fail, pms_status *st,
                       int *failed)
{
    pms_table *t = pms_table_copy(base);
    assert_non_null(t);
    assert_int_equal(fseek(f, 0, SEEK_SET), 0);
    clearerr(f);
    counted = 0, fail_at = fail, armed = fail >= 0;
    *st = cmd(t, fmt, f);
    armed = 0;
    *failed = fail >= 0 && counted >= fail;
    long len = ftell(f);
    assert_true(len >= 0);
    pms_table_free(t);
    return (size_t)len;
}

/* cmd with each allocation failing in turn, against its output without a
 * failure: the count of allocations. */
static long fail_each(const char *name, command cmd, pms_format fmt)
{
    FILE *f = fmemopen(outbuf, sizeof outbuf, "w");
    assert_non_null(f);
    assert_int_equal(setvbuf(f, NULL, _IONBF, 0), 0);
    pms_status st;
    int failed;
    size_t reflen = run_once(cmd, fmt, f, -1, &st, &failed);
    assert_int_equal(st, PMS_OK);
    assert_true(reflen > 0 && reflen < sizeof outbuf - 1);
    char *ref = malloc(reflen);
    assert_non_null(ref);
    memcpy(ref, outbuf, reflen);
    long n = 1, nomem = 0;
    for (;; n++) {
        long live0 = live;
        size_t len = run_once(cmd, fmt, f, n, &st, &failed);
        if (live != live0) printf("%s: allocation %ld: %ld blocks left allocated\n", name, n, live - live0);
        assert_int_equal(live, live0); /* nothing leaked */
        if (st == PMS_ENOMEM) {
            assert_true(failed);
            if (len) printf("%s: allocation %ld: %zu bytes written, then out of memory\n", name, n, len);
            assert_int_equal(len, 0); /* nothing half-written */
            nomem++;
            continue;
        }
        if (st != PMS_OK) printf("%s: allocation %ld: status %d\n", name, n, (int)st);
        assert_int_equal(st, PMS_OK);
        if (len != reflen || memcmp(outbuf, ref, reflen))
            printf("%s: allocation %ld failed, yet the output was written, %zu bytes (%zu "
                   "without the failure)\n", name, n, len, reflen);
        assert_int_equal(len, reflen);
        assert_memory_equal(outbuf, ref, reflen);
        if (!failed) break; /* every allocation has failed once */
    }
    printf("%s (%s): allocations: %ld, of which %ld made the run fail\n", name,
           fmt == PMS_FMT_JSON ? "json" : fmt == PMS_FMT_CSV ? "csv" : "text", n - 1, nomem);
    assert_true(nomem > 5);
    free(ref);
    fclose(f);
    return n - 1;
}

static int setup(void **state)
{
    (void)state;
    const char *data[] = {PMS_DATASETS_DIR "/nhs-payments/nhs-payments-gp-2014-15.csv",
                          PMS_DATASETS_DIR "/practice-imd/practice-imd-fingertips-93553.csv"};
    const char *derive[] = {"odd=log(imd2015-20)"};
    const char *where[] = {"ccg_code=11H"};
    pms_data_opts o = {data, 2, derive, 1, where, 1};
    pms_err err = {{0}};
    if (pms_dataset_open(&o, &base, &err)) {
        printf("cannot load: %s\n", err.msg);
        return -1;
    }
    if (pms_scenario_load(PMS_DATASETS_DIR "/pms-review-scenarios.ini", &scenarios, &err)) {
        printf("cannot load: %s\n", err.msg);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    pms_table_free(base);
    pms_scenario_free(scenarios);
    return 0;
}

static void every_format(const char *name, command cmd)
{
    fail_each(name, cmd, PMS_FMT_TEXT);
    fail_each(name, cmd, PMS_FMT_JSON);
}

static void test_correlate(void **state)
{
    (void)state;
    every_format("correlate", run_correlate);
}

static void test_fairness(void **state)
{
    (void)state;
    every_format("fairness", run_fairness);
}

static void test_funnel(void **state)
{
    (void)state;
    every_format("funnel", run_funnel);
}

static void test_target(void **state)
{
    (void)state;
    every_format("target", run_target);
}

static void test_pace(void **state)
{
    (void)state;
    fail_each("pace", run_pace, PMS_FMT_TEXT);
}

static void test_savings_input(void **state)
{
    (void)state;
    every_format("savings input", run_savings_input);
}

/* ---- The report ---- */

static char root[1024];

static int rm_one(const char *p, const struct stat *sb, int type, struct FTW *f)
{
    (void)sb, (void)type, (void)f;
    return remove(p);
}

static void rm_tree(const char *p) { nftw(p, rm_one, 16, FTW_DEPTH | FTW_PHYS); }

/* Line 1 and the lines of the rows t keeps (keep[i], source 0) of a CSV
 * file, copied to `to`; a long file (IMD: by_code) keeps its header and the
 * lines naming one of those practices. */
static void copy_lines(const char *from, const char *to, const pms_table *t,
                       const unsigned char *keep, int by_code)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    assert_non_null(in);
    assert_non_null(out);
    const char *const *codes = NULL;
    assert_int_equal(pms_table_text(t, "practice_code", &codes, &(pms_err){{0}}), PMS_OK);
    static char line[1 << 16];
    long ln = 0;
    size_t next = 0;
    while (fgets(line, sizeof line, in)) {
        ln++;
        int k = ln == 1;
        if (!by_code) {
            while (next < t->nrows && t->line[next] < ln) next++;
            k |= next < t->nrows && t->line[next] == ln && keep[next];
        } else {
            for (size_t i = 0; i < t->nrows && !k; i++) k = keep[i] && strstr(line, codes[i]);
        }
        if (k) fputs(line, out);
    }
    fclose(in);
    assert_int_equal(fclose(out), 0);
}

/* The practices of the report's data: Bristol's (the locality), and every
 * practice without IMD 2015 or with no weighted patients, so that each
 * section has exclusions to note. */
static void report_data(const char *pay, const char *imd)
{
    const char *data[] = {PMS_DATASETS_DIR "/nhs-payments/nhs-payments-gp-2014-15.csv",
                          PMS_DATASETS_DIR "/practice-imd/practice-imd-fingertips-93553.csv"};
    pms_data_opts o = {data, 2, NULL, 0, NULL, 0};
    pms_table *t = NULL;
    pms_err err = {{0}};
    assert_int_equal(pms_dataset_open(&o, &t, &err), PMS_OK);
    const double *dep, *wt;
    const char *const *ccg;
    assert_int_equal(pms_table_numeric(t, "imd2015", &dep, &err), PMS_OK);
    assert_int_equal(pms_table_numeric(t, "weighted_patients", &wt, &err), PMS_OK);
    assert_int_equal(pms_table_text(t, "ccg_code", &ccg, &err), PMS_OK);
    unsigned char *keep = malloc(t->nrows);
    assert_non_null(keep);
    for (size_t i = 0; i < t->nrows; i++)
        keep[i] = (ccg[i] && !strcmp(ccg[i], "11H")) || isnan(dep[i]) || !(wt[i] > 0);
    copy_lines(data[0], pay, t, keep, 0);
    copy_lines(data[1], imd, t, keep, 1);
    free(keep);
    pms_table_free(t);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0, k;
    char *b = malloc(cap);
    assert_non_null(b);
    while ((k = fread(b + n, 1, cap - n, f)) > 0) {
        n += k;
        if (n == cap) {
            b = realloc(b, cap *= 2);
            assert_non_null(b);
        }
    }
    fclose(f);
    *len = n;
    return b;
}

/* The files a report writes (charts off), compared byte for byte. */
static const char *const report_files[] = {"summary.txt", "practices.csv", "pmsreview-report.xlsx",
                                           ".pmsreview-report"};
enum { NFILES = sizeof report_files / sizeof *report_files };

static pms_status run_report(const char *config, const char *out, pms_err *err)
{
    pms_report_config cfg = {0};
    cfg.config = config;
    cfg.out = out;
    cfg.threads = 1; /* no read-ahead thread: the n-th allocation is always the same */
    cfg.created = 1700000000;
    cfg.command_line = cmdline;
    pms_report_result res;
    pms_status st = pms_report_run(&cfg, &res, err);
    pms_report_result_free(&res);
    return st;
}

/* Folder entries of root other than the config and data files. */
static int leftovers(void)
{
    int n = 0;
    DIR *d = opendir(root);
    assert_non_null(d);
    for (struct dirent *e; (e = readdir(d));)
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && !strstr(e->d_name, ".csv") &&
             !strstr(e->d_name, ".ini") && strcmp(e->d_name, "ref");
    closedir(d);
    return n;
}

static void test_savings(void **state)
{
    (void)state;
    every_format("savings", run_savings);
}

static void test_report(void **state)
{
    (void)state;
    const char *tmp = getenv("PMS_TEST_TMP");
    if (tmp) mkdir(tmp, 0777);
    snprintf(root, sizeof root, "%s/test_out_oom-XXXXXX", tmp ? tmp : "/tmp");
    assert_non_null(mkdtemp(root));
    char pay[1100], imd[1100], config[1100], ref[1100], out[1100], p[1200];
    snprintf(pay, sizeof pay, "%s/payments.csv", root);
    snprintf(imd, sizeof imd, "%s/imd.csv", root);
    report_data(pay, imd);
    snprintf(config, sizeof config, "%s/oom.ini", root);
    FILE *f = fopen(config, "w");
    assert_non_null(f);
    fprintf(f, "[report]\ntitle = Out of memory\nlocality = 11H\ncharts = no\nbootstrap = 0\n"
               "measure = payments_less_dispensing_premises_per_weighted\n"
               "[data.main]\npayments = %s\njoin = %s\ndeprivation = imd2015\n"
               "[savings]\nscenarios = %s\nsweep_from = 0\nsweep_to = 2\nsweep_step = 1\n",
            pay, imd, PMS_DATASETS_DIR "/pms-review-scenarios.ini");
    assert_int_equal(fclose(f), 0);
    snprintf(ref, sizeof ref, "%s/ref", root);
    snprintf(out, sizeof out, "%s/out", root);
    pms_err err = {{0}};
    pms_status st = run_report(config, ref, &err);
    if (st) fail_msg("pms_report_run: %s", err.msg);
    char *want[NFILES];
    size_t wantlen[NFILES];
    for (size_t i = 0; i < NFILES; i++) {
        snprintf(p, sizeof p, "%s/%s", ref, report_files[i]);
        assert_non_null(want[i] = slurp(p, &wantlen[i]));
    }
    /* The allocations that store a note: the places pms_table_note and the
     * footnotes, titles and rows of a pms_out allocate from; then those of
     * a text cell (thousands in a report: every 64th is failed). */
    void *notes[96], *cells[64];
    size_t nnotes = 0, ncells = 0;
    {
        pms_table *t = pms_table_copy(base);
        pms_out *o = pms_out_new("x", "x");
        assert_non_null(t);
        assert_non_null(o);
        assert_true(pms_out_col(o, "x", PMS_OUT_TEXT, 0) >= 0);
        sites = notes, nsites = 0, capsites = 96;
        counted = 0, fail_at = -1, armed = 1;
        for (int k = 0; k < 2; k++) {
            pms_table_note(t, "x", 1, "note %d", k);
            pms_out_footnote(o, "note %d", k);
            pms_out_set_title(o, "title");
            pms_out_set_note(o, 0, "note");
        }
        for (int k = 0; k < 40; k++) pms_out_row(o);
        /* The summary's sentences and the Methods' lines, renamed for the
         * report's measure. */
        pms_report_ctx rc;
        memset(&rc, 0, sizeof rc);
        rc.measure = "payments_less_dispensing_premises_per_weighted";
        snprintf(rc.measure_label, sizeof rc.measure_label, "income per weighted patient");
        for (int k = 0; k < 2; k++) {
            pms_report_say(&rc, (pms_say_part)0, "payments per weighted patient %d", k);
            pms_report_method(&rc, "payments per weighted patient %d", k);
        }
        nnotes = nsites;
        assert_true(nnotes < 96);
        sites = cells, nsites = 0, capsites = 64;
        pms_out_set_text(o, 0, "cell");
        pms_out_set_not_computed(o, 0, "why");
        armed = 0;
        ncells = nsites;
        sites = NULL;
        assert_int_equal(rc.nsay, 2);
        assert_int_equal(rc.nmethods, 2);
        for (int k = 0; k < 2; k++) free(rc.say[k]), free(rc.methods[k]);
        free(rc.say), free(rc.say_part), free(rc.methods);
        pms_out_free(o);
        pms_table_free(t);
    }
    /* Every allocation of a report, by where it is made. */
    capsites = 1 << 20;
    void **all = sites = malloc(capsites * sizeof *all);
    assert_non_null(all);
    nsites = 0, counted = 0, fail_at = -1, armed = 1;
    st = run_report(config, out, &err);
    armed = 0;
    sites = NULL;
    assert_int_equal(st, PMS_OK);
    assert_true(nsites < capsites);
    size_t total = nsites;
    rm_tree(out);
    long runs = 0, nomem = 0;
    size_t cell = 0;
    for (size_t a = 0; a < total; a++) {
        int note = 0;
        for (size_t k = 0; k < nnotes && !note; k++) note = all[a] == notes[k];
        for (size_t k = 0; k < ncells && !note; k++)
            if (all[a] == cells[k]) note = cell++ % 64 == 0;
        if (!note) continue;
        long n = (long)a + 1;
        runs++;
        long live0 = live;
        counted = 0, fail_at = n, armed = 1;
        failed_site = NULL;
        st = run_report(config, out, &err);
        armed = 0;
        assert_ptr_equal(failed_site, all[a]); /* the same allocation as measured */
        if (live != live0) printf("report: allocation %ld: %ld blocks left allocated\n", n, live - live0);
        assert_int_equal(live, live0);
        assert_int_equal(leftovers(), st == PMS_OK); /* no temporary folder left */
        if (st == PMS_ENOMEM) {
            assert_int_not_equal(access(out, F_OK), 0); /* nothing written */
            nomem++;
            continue;
        }
        if (st) printf("report: allocation %ld: %s\n", n, err.msg);
        assert_int_equal(st, PMS_OK);
        for (size_t i = 0; i < NFILES; i++) {
            size_t len;
            snprintf(p, sizeof p, "%s/%s", out, report_files[i]);
            char *got = slurp(p, &len);
            assert_non_null(got);
            if (len != wantlen[i] || memcmp(got, want[i], len))
                printf("report: allocation %ld failed, yet %s was written (%zu bytes, %zu "
                       "without the failure)\n", n, report_files[i], len, wantlen[i]);
            assert_int_equal(len, wantlen[i]);
            assert_memory_equal(got, want[i], len);
            free(got);
        }
        rm_tree(out);
    }
    printf("report: %zu allocations, %ld of them failed in turn (storing a note, footnote, "
           "title or row, or every 64th text cell), %ld made the report fail\n", total, runs,
           nomem);
    assert_true(nomem > 20);
    free(all);

    for (size_t i = 0; i < NFILES; i++) free(want[i]);
    rm_tree(root);
}

#endif

int main(void)
{
    PMS_OOM_MAIN_SKIP();
#ifndef PMS_OOM_SKIP
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_correlate),
        cmocka_unit_test(test_fairness),
        cmocka_unit_test(test_funnel),
        cmocka_unit_test(test_target),
        cmocka_unit_test(test_pace),
        cmocka_unit_test(test_savings_input),
        cmocka_unit_test(test_savings),
        cmocka_unit_test(test_report),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
#endif
}
