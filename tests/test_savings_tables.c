/* io/savings_input (the scenario file bound to the data, its exclusions and
 * hash noted) and io/savings_tables (the savings command's tables), on
 * Bristol's practices (ccg_code 11H) of the 2014/15 data.
 * ctest-labels: unit */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "io/savings_input.h"
#include "io/savings_tables.h"
#include "io/sha256.h"
#include "io/target_options.h"
#include "testutil.h"

/* Two scenarios, then comment lines to 70,000 bytes: past the 64 KiB that
 * the report's old copy of the hashing read. */
static const char head[] =
    "[global_sum]\n2018/19 = 88.96\n2019/20 = 89.88\n2020/21 = 93.46\n\n"
    "[cap5]\nstart_year = 2014/15\nyears = 4\nmethod = cap\ncap = 5\nprotect_max_pct = 5\n"
    "reinvest = weighted\nscope = ccg\n\n"
    "[glide]\nstart_year = 2014/15\nyears = 4\nmethod = glidepath\ntarget = 0\n"
    "reinvest = weighted\nscope = ccg\n";
#define FILE_BYTES 70000
/* SHA-256 of those 70,000 bytes and of their first 64 KiB, by Python's
 * hashlib (tests/reference/savings_tables_hash.py, .out beside it). */
static const char want_hash[] = "8f338a14cf0842e30a548f7e40c094ddbde251792c1117fe2d7224703e2fc5bf";
static const char want_64k[] = "773862fe9b43ff7dde2ba0aef864df6e4eedf008b8aaea55e0f2ca0bbd6b9d5d";

static char path[4096];
static char *bytes;

static void write_file(void)
{
    const char *dir = getenv("PMS_TEST_TMP");
    if (!dir) dir = "/tmp";
    char mk[4200];
    snprintf(mk, sizeof mk, "mkdir -p '%s'", dir);
    assert_int_equal(system(mk), 0);
    snprintf(path, sizeof path, "%s/savings_tables_%ld.ini", dir, (long)getpid());
    bytes = malloc(FILE_BYTES);
    assert_non_null(bytes);
    size_t n = strlen(head);
    memcpy(bytes, head, n);
    for (int i = 0; n < FILE_BYTES; i++) {
        char line[64];
        int k = snprintf(line, sizeof line, "; padding %05d: beyond the first 64 KiB\n", i);
        size_t take = (size_t)k < FILE_BYTES - n ? (size_t)k : FILE_BYTES - n;
        memcpy(bytes + n, line, take);
        n += take;
    }
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(bytes, 1, FILE_BYTES, f), FILE_BYTES);
    assert_int_equal(fclose(f), 0);
}

static int setup(void **state)
{
    (void)state;
    write_file();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(path);
    free(bytes);
    return 0;
}

static const char *note_of(const pms_table *t, const char *what)
{
    for (size_t i = 0; i < t->nnotes; i++)
        if (!strcmp(t->notes[i].what, what)) return t->notes[i].detail;
    return NULL;
}

static void test_input_hash_and_notes(void **state)
{
    (void)state;
    pms_err err = {{0}};
    pms_scenario_file *f = NULL;
    assert_int_equal(pms_scenario_load(path, &f, &err), PMS_OK);
    pms_table *t = pms_test_open_2014_imd("ccg_code = 11H");
    assert_non_null(t);
    pms_savings_input in;
    assert_int_equal(pms_savings_input_open(f, t, "who", "pre_", &in, &err), PMS_OK);
    /* the whole file: against Python's hashlib, and not the first 64 KiB */
    assert_string_equal(in.sha256, want_hash);
    unsigned char dg[32];
    char part[65];
    pms_sha256(bytes, 1 << 16, dg);
    pms_sha256_hex(dg, part);
    assert_string_equal(part, want_64k);   /* the test wrote the bytes Python hashed */
    assert_string_not_equal(in.sha256, part);
    char want[4400];
    snprintf(want, sizeof want, "who: scenarios from %s (SHA-256 %s)", path, want_hash);
    assert_non_null(note_of(t, "scenarios"));
    assert_string_equal(note_of(t, "scenarios"), want);
    /* Bristol: 53 practices, 2 with no core funding (as the savings command notes) */
    assert_int_equal(in.b.n, 53);
    assert_string_equal(note_of(t, "pre_no_core"),
                        "who: 2 practices excluded: no core funding recorded "
                        "(global sum + MPIG + PMS balance <= 0)");
    assert_non_null(in.loc_names);
    char area[128];
    assert_string_equal(pms_savings_area_name(&in, 0, area, sizeof area), "Bristol (11H)");
    pms_savings_input_free(&in);
    pms_savings_input_free(&in);   /* freed twice: a no-op */
    pms_table_free(t);
    pms_scenario_free(f);
}

static void test_input_errors(void **state)
{
    (void)state;
    pms_err err = {{0}};
    pms_scenario_file *f = NULL;
    pms_table *t = pms_test_open_2014_imd("ccg_code = 11H");
    assert_non_null(t);
    /* a locality column the data lacks */
    const char bad[] = "[model]\nlocality = no_such_column\n\n[cap5]\nstart_year = 2014/15\n"
                       "years = 4\nmethod = cap\ncap = 5\n";
    assert_int_equal(pms_scenario_load_mem("bad.ini", bad, strlen(bad), &f, &err), PMS_OK);
    pms_savings_input in;
    assert_int_not_equal(pms_savings_input_open(f, t, "who", "pre_", &in, &err), PMS_OK);
    assert_non_null(strstr(err.msg, "no_such_column"));
    assert_null(in.loc_names);
    assert_int_equal(in.b.n, 0);
    pms_scenario_free(f);
    /* a file that cannot be read again for its hash: an error, not a blank hash */
    char gone[4200];
    snprintf(gone, sizeof gone, "%s.gone", path);
    FILE *fp = fopen(gone, "wb");
    assert_non_null(fp);
    fwrite(head, 1, strlen(head), fp);
    fclose(fp);
    assert_int_equal(pms_scenario_load(gone, &f, &err), PMS_OK);
    unlink(gone);
    memset(&err, 0, sizeof err);
    assert_int_equal(pms_savings_input_open(f, t, "who", "pre_", &in, &err), PMS_EIO);
    assert_non_null(strstr(err.msg, "cannot open"));
    assert_null(note_of(t, "scenarios"));
    pms_scenario_free(f);
    pms_table_free(t);
}

static void test_tables(void **state)
{
    (void)state;
    pms_err err = {{0}};
    pms_scenario_file *f = NULL;
    assert_int_equal(pms_scenario_load(path, &f, &err), PMS_OK);
    pms_table *t = pms_test_open_2014_imd("ccg_code = 11H");
    assert_non_null(t);
    pms_savings_input in;
    assert_int_equal(pms_savings_input_open(f, t, "savings", "savings_", &in, &err), PMS_OK);
    int run[] = {1, 0};
    pms_savings_tables_opts o = {run, 2, 0, 4, PMS_SAVINGS_ALL, 1};
    pms_savings_tables out;
    assert_int_equal(pms_savings_tables_run(f, &in, t, &o, &out, &err), PMS_OK);
    static const char *const names[] = {"locality_years", "comparison", "practice_comparison",
                                        "years", "fairness", "scenarios", "criteria",
                                        "localities", "practices", "excluded"};
    assert_int_equal(out.n, sizeof names / sizeof names[0]);
    for (size_t i = 0; i < out.n; i++) assert_string_equal(pms_out_name(out.t[i]), names[i]);
    pms_savings_tables_free(&out);
    /* England's order: no locality first, years only, fairness in the years */
    pms_savings_tables_opts e = {run, 1, (size_t)-1, 4, PMS_SAVINGS_YEARS, 0};
    assert_int_equal(pms_savings_tables_run(f, &in, t, &e, &out, &err), PMS_OK);
    static const char *const enames[] = {"years", "comparison", "scenarios", "criteria",
                                         "excluded"};
    assert_int_equal(out.n, 5);
    for (size_t i = 0; i < out.n; i++) assert_string_equal(pms_out_name(out.t[i]), enames[i]);
    pms_savings_tables_free(&out);
    /* a sweep whose third point is out of range names that point */
    pms_sav_sweep_spec sp;
    assert_int_equal(pms_sav_sweep_parse("protect_pct=99:101:1", &sp, &err), PMS_OK);
    assert_int_equal(pms_savings_sweep_pick(f, sp.param, "cap5"), 0);
    size_t bad = 0;
    assert_int_not_equal(pms_savings_tables_sweep(f, &in, t, 0, &sp, 1, &out, &bad, &err), PMS_OK);
    assert_int_equal(bad, 2);
    assert_int_equal(out.n, 0);
    assert_int_equal(pms_sav_sweep_parse("cap=0:10:5", &sp, &err), PMS_OK);
    assert_int_equal(pms_savings_tables_sweep(f, &in, t, 0, &sp, 2, &out, &bad, &err), PMS_OK);
    assert_int_equal(bad, (size_t)-1);
    assert_int_equal(out.n, 3);
    assert_string_equal(pms_out_name(out.t[0]), "sweep");
    pms_savings_tables_free(&out);
    pms_savings_input_free(&in);
    pms_table_free(t);
    pms_scenario_free(f);
}

/* pms_target_options_run_keep (issue 15): the runs it keeps are, to the last
 * bit, what pms_sav_run gives on the savings input's base of the same table
 * (what the report's savings section would run), and its scores are those
 * of pms_target_options_run.  Exact comparisons: the same integer model. */
static void same_run(const pms_sav_result *a, const pms_sav_result *b)
{
    assert_int_equal(a->n, b->n);
    assert_int_equal(a->nyears, b->nyears);
    assert_int_equal(a->nloc, b->nloc);
    assert_int_equal(a->unmet, b->unmet);
    assert_int_equal(a->unmet_practices, b->unmet_practices);
    assert_int_equal(a->extension_years, b->extension_years);
    assert_memory_equal(&a->fair_base, &b->fair_base, sizeof a->fair_base);
    assert_memory_equal(a->year, b->year, a->nyears * sizeof *a->year);
    assert_memory_equal(a->core, b->core, (a->nyears + 1) * a->n * sizeof *a->core);
    assert_memory_equal(a->cut, b->cut, a->nyears * a->n * sizeof *a->cut);
    assert_memory_equal(a->reinvest, b->reinvest, a->nyears * a->n * sizeof *a->reinvest);
    assert_memory_equal(a->loc_core, b->loc_core, (a->nyears + 1) * a->nloc * sizeof *a->loc_core);
    assert_memory_equal(a->loc_cut, b->loc_cut, a->nyears * a->nloc * sizeof *a->loc_cut);
    assert_memory_equal(a->loc_reinvest, b->loc_reinvest,
                        a->nyears * a->nloc * sizeof *a->loc_reinvest);
    assert_memory_equal(a->loc_practices, b->loc_practices, a->nloc * sizeof *a->loc_practices);
}

static void test_options_keep_runs(void **state)
{
    (void)state;
    pms_err err = {{0}};
    pms_scenario_file *f = NULL;
    assert_int_equal(pms_scenario_load(path, &f, &err), PMS_OK);
    pms_table *t = pms_test_open_2014_imd(NULL);
    assert_non_null(t);
    pms_target_spec spec = {"weighted", "core_payments", PMS_TSCOPE_NATIONAL, "imd2015",
                            PMS_TARGET_DEFAULT_ELASTICITY};
    pms_target_rows rows;
    if (pms_target_rows_select(t, &spec, &rows, &err)) fail_msg("%s", err.msg);
    pms_target_options plain, kept;
    if (pms_target_options_run(t, &rows, f, "11H", &plain, &err)) fail_msg("%s", err.msg);
    assert_null(plain.runs);
    if (pms_target_options_run_keep(t, &rows, f, "11H", 1, &kept, &err)) fail_msg("%s", err.msg);
    assert_int_equal(kept.n, f->n);
    assert_int_equal(plain.n, kept.n);
    assert_int_equal(plain.scored, kept.scored);
    assert_memory_equal(plain.o, kept.o, plain.n * sizeof *plain.o);
    assert_non_null(kept.runs);
    /* the savings section's own runs, on its own base of the same table */
    pms_savings_input in;
    assert_int_equal(pms_savings_input_open(f, t, "who", "pre_", &in, &err), PMS_OK);
    pms_sav_ws *ws = pms_sav_ws_new(&in.b);
    assert_non_null(ws);
    for (size_t k = 0; k < f->n; k++) {
        unsigned char *flags = NULL;
        pms_sav_scenario sc = f->s[k];
        assert_int_equal(pms_scenario_flags(f, k, t, &flags, &err), PMS_OK);
        sc.retain = flags;
        pms_sav_result res;
        memset(&res, 0, sizeof res);
        assert_int_equal(pms_sav_run(&in.b, &sc, ws, &res, &err), PMS_OK);
        assert_true(res.nyears > 0 && res.year[res.nyears - 1].fair.concentration ==
                                          res.year[res.nyears - 1].fair.concentration);
        same_run(&kept.runs[k], &res);
        assert_string_equal(kept.runs[k].scenario.name, f->s[k].name);
        assert_ptr_equal(kept.runs[k].scenario.retain, f->s[k].retain); /* not freed flags */
        pms_sav_result_free(&res);
        free(flags);
    }
    pms_sav_ws_free(ws);
    pms_savings_input_free(&in);
    pms_target_options_free(&kept);
    pms_target_options_free(&kept); /* twice: a no-op */
    pms_target_options_free(&plain);
    pms_target_rows_free(&rows);
    pms_table_free(t);
    pms_scenario_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_input_hash_and_notes),
        cmocka_unit_test(test_input_errors),
        cmocka_unit_test(test_tables),
        cmocka_unit_test(test_options_keep_runs),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
