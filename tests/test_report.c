/* ctest-labels: unit */
/* The board report through its library call, pms_report_run (no argv, no
 * printing): a small run into a temporary folder, the files it writes, the
 * refusal of a folder the report did not write (returned as an error, the
 * folder untouched), and the output folder's swap with and without
 * renameat2(RENAME_EXCHANGE) (report/outdir.c). */
#define _GNU_SOURCE /* mkdtemp, nftw under -std=c11 */
#include "testutil.h"

#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plots/gnuplot.h"
#include "report/outdir.h"
#include "report/report.h"

static char root[1024];

static int rm_one(const char *p, const struct stat *sb, int type, struct FTW *f)
{
    (void)sb;
    (void)type;
    (void)f;
    return remove(p);
}

static int setup(void **state)
{
    (void)state;
    const char *tmp = getenv("PMS_TEST_TMP");
    if (tmp) mkdir(tmp, 0777);
    snprintf(root, sizeof root, "%s/test_report-XXXXXX", tmp ? tmp : "/tmp");
    return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    return nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

/* Settings for a quick run: the 2014/15 main year only, no charts, no bootstrap. */
static void fast_config(char *path, size_t cap)
{
    snprintf(path, cap, "%s/fast.ini", root);
    char text[4096];
    snprintf(text, sizeof text,
             "[report]\ntitle = Library call\ncharts = no\nbootstrap = 0\n[data.main]\n"
             "payments = %s/nhs-payments/nhs-payments-gp-2014-15.csv\n"
             "join = %s/practice-imd/practice-imd-fingertips-93553.csv\n",
             PMS_DATASETS_DIR, PMS_DATASETS_DIR);
    write_file(path, text);
}

static void test_run_writes_report(void **state)
{
    (void)state;
    char config[1100], out[1100], p[1200];
    fast_config(config, sizeof config);
    snprintf(out, sizeof out, "%s/rep", root);
    pms_report_config cfg = {0};
    cfg.config = config;
    cfg.out = out;
    cfg.threads = 1;
    cfg.created = 1700000000;
    pms_report_result res;
    pms_err err = {{0}};
    pms_status st = pms_report_run(&cfg, &res, &err);
    if (st) fail_msg("pms_report_run: %s", err.msg);
    assert_non_null(res.summary);
    assert_string_equal(res.out, out);
    assert_memory_equal(res.summary, "Library call\n\n", 14);
    snprintf(p, sizeof p, "%s/summary.txt", out);
    assert_string_equal(read_file(p), res.summary);
    struct stat sb;
    snprintf(p, sizeof p, "%s/pmsreview-report.xlsx", out);
    assert_int_equal(stat(p, &sb), 0);
    assert_true(sb.st_size > 10000);
    assert_true(pms_outdir_is_marked(out));
    pms_report_result_free(&res);
    /* Again into the same folder: replaced, nothing left beside it. */
    assert_int_equal(pms_report_run(&cfg, &res, &err), PMS_OK);
    pms_report_result_free(&res);
    snprintf(p, sizeof p, "%s/rep.lock", root);
    assert_int_not_equal(access(p, F_OK), 0);
}

static void test_run_refuses_foreign_folder(void **state)
{
    (void)state;
    char config[1100], out[1100], p[1200];
    fast_config(config, sizeof config);
    snprintf(out, sizeof out, "%s/thesis", root);
    mkdir(out, 0777);
    snprintf(p, sizeof p, "%s/thesis.tex", out);
    write_file(p, "\\documentclass{article}\n");
    pms_report_config cfg = {0};
    cfg.config = config;
    cfg.out = out;
    pms_report_result res;
    pms_err err = {{0}};
    assert_int_equal(pms_report_run(&cfg, &res, &err), PMS_EUSAGE);
    assert_int_equal(res.output_failed, 1);
    assert_null(res.summary);
    char want[2200];
    snprintf(want, sizeof want,
             "%s: a folder that pmsreview did not write (it has no .pmsreview-report file) and is "
             "not empty; nothing was changed: choose another output folder, or delete it yourself",
             out);
    assert_string_equal(err.msg, want);
    assert_string_equal(read_file(p), "\\documentclass{article}\n");
    snprintf(p, sizeof p, "%s/thesis.lock", root);
    assert_int_not_equal(access(p, F_OK), 0);
    pms_report_result_free(&res);
}

/* The swap, by the exchange and by the documented fallback: the old report
 * goes, the new one is in place, nothing is left beside it. */
static void swap(int no_exchange)
{
    char out[1100], p[4300];
    snprintf(out, sizeof out, "%s/swap%d", root, no_exchange);
    for (int round = 0; round < 2; round++) {
        pms_outdir o;
        pms_outdir_init(&o);
        o.no_exchange = no_exchange;
        pms_err err = {{0}};
        if (pms_outdir_begin(out, &o, &err)) fail_msg("begin: %s", err.msg);
        snprintf(p, sizeof p, "%s/round", o.tmp);
        write_file(p, round ? "second" : "first");
        if (pms_outdir_commit(&o, &err)) fail_msg("commit: %s", err.msg);
        /* The first round has nothing to replace: no exchange is needed. */
        assert_int_equal(o.used_fallback, round && no_exchange);
        pms_outdir_end(&o);
        snprintf(p, sizeof p, "%s/round", out);
        assert_string_equal(read_file(p), round ? "second" : "first");
    }
    /* Nothing beside it: no lock, no temporary or old folder. */
    char prefix[32];
    snprintf(prefix, sizeof prefix, "swap%d.", no_exchange);
    DIR *d = opendir(root);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (!strncmp(e->d_name, prefix, strlen(prefix))) fail_msg("left behind: %s", e->d_name);
    closedir(d);
}

static void test_swap_exchange(void **state)
{
    (void)state;
    swap(0);
}

static void test_swap_fallback(void **state)
{
    (void)state;
    swap(1);
}

/* A fake gnuplot: the real one behind a filter that adds, after chart
 * funnel's script in the phase `formats` ('png' or 'svg pdf'), a command that
 * fails as a full disk or a missing folder would.  Returns 0 if there is no
 * gnuplot to wrap. */
static int fake_gnuplot(char *path, size_t cap, const char *formats)
{
    char real[4096];
    pms_err err = {{0}};
    unsetenv("PMS_GNUPLOT");
    if (pms_gp_find(real, sizeof real, &err)) return 0;
    snprintf(path, cap, "%s/gnuplot-fails-%c", root, formats[0]);
    char text[8192];
    snprintf(text, sizeof text,
             "#!/bin/sh\n"
             "sed -u -e \"s|^load 'funnel.gp'\\$|&\\nif (FORMATS eq '%s') { set output "
             "'/nonexistent-pmsreview/x' }|\" | '%s'\n",
             formats, real);
    write_file(path, text);
    assert_int_equal(chmod(path, 0755), 0);
    return 1;
}

/* Run the main year with charts through a fake gnuplot (PMS_GNUPLOT). */
static pms_status run_with_fake(const char *formats, const char *out, pms_report_result *res,
                                pms_err *err)
{
    char fake[1200], config[1100];
    if (!fake_gnuplot(fake, sizeof fake, formats)) return (pms_status)-1;
    snprintf(config, sizeof config, "%s/charts.ini", root);
    char text[4096];
    snprintf(text, sizeof text,
             "[report]\ntitle = Charts\ncharts = yes\nbootstrap = 0\n[data.main]\n"
             "payments = %s/nhs-payments/nhs-payments-gp-2014-15.csv\n"
             "join = %s/practice-imd/practice-imd-fingertips-93553.csv\n",
             PMS_DATASETS_DIR, PMS_DATASETS_DIR);
    write_file(config, text);
    pms_report_config cfg = {0};
    cfg.config = config;
    cfg.out = out;
    cfg.threads = 2;
    cfg.created = 1700000000;
    setenv("PMS_GNUPLOT", fake, 1);
    pms_status st = pms_report_run(&cfg, res, err);
    unsetenv("PMS_GNUPLOT");
    return st;
}

/* The PNG is drawn first and the workbook written while the SVG and PDF
 * render.  A chart whose PNG fails is named in the summary and the report
 * stands; one whose SVG or PDF fails after its PNG went into the workbook
 * fails the whole report (nothing written, the chart named), so that no
 * summary says a chart was drawn whose files are missing. */
static void test_chart_failure_rule(void **state)
{
    (void)state;
    char out[1100], p[1200];
    pms_report_result res;
    pms_err err = {{0}};
    snprintf(out, sizeof out, "%s/pngfails", root);
    pms_status st = run_with_fake("png", out, &res, &err);
    if (st == (pms_status)-1) {
        skip();
        return;
    }
    if (st) fail_msg("pms_report_run: %s", err.msg);
    assert_non_null(strstr(res.summary, "Chart not drawn: funnel ("));
    assert_non_null(strstr(res.summary, "funnel plot): gnuplot failed: No such file or directory"));
    snprintf(p, sizeof p, "%s/charts/funnel.png", out);
    assert_int_equal(access(p, F_OK), -1);
    snprintf(p, sizeof p, "%s/charts/scatter_imd.pdf", out);
    assert_int_equal(access(p, F_OK), 0);
    pms_report_result_free(&res);

    snprintf(out, sizeof out, "%s/vectorfails", root);
    st = run_with_fake("svg pdf", out, &res, &err);
    assert_int_equal(st, PMS_EIO);
    assert_int_equal(res.output_failed, 1);
    assert_null(res.summary);
    static const char want[] = "charts/funnel.svg, funnel.pdf: cannot write the chart of the "
                               "funnel plot after its PNG: gnuplot failed: ";
    assert_memory_equal(err.msg, want, sizeof want - 1);
    assert_non_null(strstr(err.msg, "; the report was not written"));
    /* Nothing written: no folder, nothing left beside it. */
    assert_int_equal(access(out, F_OK), -1);
    DIR *d = opendir(root);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (!strncmp(e->d_name, "vectorfails.", 12)) fail_msg("left behind: %s", e->d_name);
    closedir(d);
    pms_report_result_free(&res);
}

/* Read ahead (report/prefetch.c): with 2 threads the data files load on a
 * thread of their own, with 1 in turn; the workbook and summary are the same
 * bytes, and a missing trend year is the same error, returned at the same
 * point (after the main and performance years loaded). */
static char *slurp_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *b = NULL;
    size_t n = 0, cap = 0, k;
    char chunk[65536];
    while ((k = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (n + k > cap) {
            cap = 2 * (n + k);
            b = realloc(b, cap);
            assert_non_null(b);
        }
        memcpy(b + n, chunk, k);
        n += k;
    }
    fclose(f);
    *len = n;
    return b;
}

static pms_status run_trend(const char *trend2, unsigned threads, const char *out,
                            pms_report_result *res, pms_err *err)
{
    char config[1100];
    snprintf(config, sizeof config, "%s/trend.ini", root);
    char text[4096];
    snprintf(text, sizeof text,
             "[report]\ntitle = Read ahead\ncharts = no\nbootstrap = 0\n[data.main]\n"
             "payments = %s/nhs-payments/nhs-payments-gp-2014-15.csv\n"
             "join = %s/practice-imd/practice-imd-fingertips-93553.csv\n"
             "[data.performance]\npayments = %s/nhs-payments/nhs-payments-gp-2018-19.csv\n"
             "join = %s/practice-performance/practice-qof-gpps-2018-19.csv\n"
             "[trend]\n2014/15 = %s/nhs-payments/nhs-payments-gp-2014-15.csv\n"
             "2015/16 = %s/nhs-payments/%s\n",
             PMS_DATASETS_DIR, PMS_DATASETS_DIR, PMS_DATASETS_DIR, PMS_DATASETS_DIR,
             PMS_DATASETS_DIR, PMS_DATASETS_DIR, trend2);
    write_file(config, text);
    pms_report_config cfg = {0};
    cfg.config = config;
    cfg.out = out;
    cfg.threads = threads;
    cfg.created = 1700000000;
    cfg.command_line = "same";
    return pms_report_run(&cfg, res, err);
}

static void test_read_ahead_same(void **state)
{
    (void)state;
    char out[2][1100], p[2400];
    char *wb[2], *sum[2];
    size_t len[2];
    for (unsigned t = 0; t < 2; t++) {
        snprintf(out[t], sizeof out[t], "%s/ahead%u", root, t + 1);
        pms_report_result res;
        pms_err err = {{0}};
        if (run_trend("nhs-payments-gp-2015-16.csv", t + 1, out[t], &res, &err))
            fail_msg("pms_report_run: %s", err.msg);
        pms_report_result_free(&res);
        snprintf(p, sizeof p, "%s/pmsreview-report.xlsx", out[t]);
        wb[t] = slurp_all(p, &len[t]);
        size_t sl;
        snprintf(p, sizeof p, "%s/summary.txt", out[t]);
        sum[t] = slurp_all(p, &sl);
        sum[t] = realloc(sum[t], sl + 1);
        sum[t][sl] = '\0';
    }
    assert_true(len[0] > 100000);
    assert_int_equal(len[0], len[1]);
    assert_memory_equal(wb[0], wb[1], len[0]);
    assert_string_equal(sum[0], sum[1]);
    for (int t = 0; t < 2; t++) free(wb[t]), free(sum[t]);

    char msg[2][1024];
    for (unsigned t = 0; t < 2; t++) {
        snprintf(out[t], sizeof out[t], "%s/aheadbad%u", root, t + 1);
        pms_report_result res;
        pms_err err = {{0}};
        assert_int_equal(run_trend("no-such-year.csv", t + 1, out[t], &res, &err), PMS_EIO);
        assert_int_equal(res.output_failed, 0);
        assert_int_equal(access(out[t], F_OK), -1);
        snprintf(msg[t], sizeof msg[t], "%s", err.msg);
        pms_report_result_free(&res);
    }
    assert_string_equal(msg[0], msg[1]);
    assert_non_null(strstr(msg[0], "/nhs-payments/no-such-year.csv: cannot open: "));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run_writes_report),
        cmocka_unit_test(test_run_refuses_foreign_folder),
        cmocka_unit_test(test_swap_exchange),
        cmocka_unit_test(test_swap_fallback),
        cmocka_unit_test(test_chart_failure_rule),
        cmocka_unit_test(test_read_ahead_same),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
