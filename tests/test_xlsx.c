/* ctest-labels: unit */
/* Workbook writer: formats, hostile text written as strings, determinism. */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io/out.h"
#include "io/xlsx.h"

static pms_out *sample(void)
{
    pms_out *o = pms_out_new("practices", "Practices");
    int c0 = pms_out_col(o, "practice_name", PMS_OUT_TEXT, 0);
    int c1 = pms_out_col(o, "core_payments", PMS_OUT_MONEY, 2);
    int c2 = pms_out_col(o, "share", PMS_OUT_PCT, 1);
    int c3 = pms_out_col(o, "gini", PMS_OUT_REAL, 4);
    const char *names[] = {"=cmd|' /C calc'!A0", "@SUM(A1)", "Dr Smith, Jones & Partners", "`touch x`"};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pms_out_row(o), PMS_OK);
        pms_out_set_text(o, c0, names[i]);
        pms_out_set_num(o, c1, 12345.675 * (i + 1));
        pms_out_set_num(o, c2, 0.2385 * i);
        pms_out_set_num(o, c3, i == 2 ? NAN : 0.1234567);
    }
    pms_out_footnote(o, "Money in pounds.");
    return o;
}

static char *write_one(const char *name)
{
    const char *tmp = getenv("PMS_TEST_TMP");
    char *path = malloc(1024);
    snprintf(path, 1024, "%s/%s", tmp ? tmp : "/tmp", name);
    if (tmp) mkdir(tmp, 0777);
    pms_xlsx *x = NULL;
    pms_err err = {{0}};
    assert_int_equal(pms_xlsx_open(path, 1416009600 /* 2014-11-15 */, "test", &x, &err), PMS_OK);
    const char *lines[] = {"Summary", "Funding per weighted patient: £142.30."};
    assert_int_equal(pms_xlsx_add_lines(x, "Summary", lines, 2, &err), PMS_OK);
    pms_out *o = sample();
    pms_xlsx_loc loc;
    assert_int_equal(pms_xlsx_add_tables(x, "Practices", &o, 1, &loc, &err), PMS_OK);
    assert_int_equal(loc.header_row, 1);
    assert_int_equal(loc.first_row, 2);
    assert_int_equal(loc.last_row, 5);
    pms_xlsx_series s = {&loc, 2, 1, "core", 1};
    assert_int_equal(pms_xlsx_add_chart(x, "Practices", 10, 6, PMS_XLSX_SCATTER, "Core", "share",
                                        "£", &s, 1, &err),
                     PMS_OK);
    assert_int_equal(pms_xlsx_close(x, &err), PMS_OK);
    pms_out_free(o);
    return path;
}

static void test_deterministic_zip(void **state)
{
    (void)state;
    char *a = write_one("a.xlsx"), *b = write_one("b.xlsx");
    char *x = pms_test_slurp(a), *y = pms_test_slurp(b);
    struct stat sa, sb;
    assert_int_equal(stat(a, &sa), 0);
    assert_int_equal(stat(b, &sb), 0);
    assert_int_equal(sa.st_size, sb.st_size);
    assert_true(sa.st_size > 1000);
    assert_memory_equal(x, "PK\x03\x04", 4);
    assert_memory_equal(x, y, (size_t)sa.st_size);
    free(x);
    free(y);
    free(a);
    free(b);
}

static void test_unwritable(void **state)
{
    (void)state;
    pms_xlsx *x = NULL;
    pms_err err = {{0}};
    pms_status st = pms_xlsx_open("/nonexistent-dir/r.xlsx", 0, "t", &x, &err);
    if (st == PMS_OK) st = pms_xlsx_close(x, &err); /* libxlsxwriter fails at close */
    assert_int_equal(st, PMS_EIO);
    assert_non_null(strstr(err.msg, "/nonexistent-dir/r.xlsx"));
}

/* Hostile text (issue 11): a 40,000-character cell (libxlsxwriter refused it
 * and the cell stayed blank), invalid UTF-8, control characters, +-inf in a
 * number column, and a title with control characters.  Read back with
 * openpyxl (an independent reader; its XML parser rejects what Excel would):
 * the long cell is cut to at most 32,767 characters and ends with the marker,
 * nothing is blank, and the inf cell says "not computed". */
static void test_hostile_cells_openpyxl(void **state)
{
    (void)state;
    if (system("/usr/bin/python3 -c 'import openpyxl' 2>/dev/null") != 0) skip();
    const char *tmp = getenv("PMS_TEST_TMP");
    char path[1024];
    snprintf(path, sizeof path, "%s/hostile.xlsx", tmp ? tmp : "/tmp");
    if (tmp) mkdir(tmp, 0777);
    pms_xlsx *x = NULL;
    pms_err err = {{0}};
    assert_int_equal(pms_xlsx_open(path, 1416009600, "title \x01\x1b", &x, &err), PMS_OK);
    char *big = malloc(3 * 40000 + 1);
    for (int i = 0; i < 40000; i++) memcpy(big + 3 * i, "\xe2\x82\xac", 3);
    big[3 * 40000] = '\0';
    pms_out *o = pms_out_new("t", "Hostile \x02 title");
    int c0 = pms_out_col(o, "name", PMS_OUT_TEXT, 0), c1 = pms_out_col(o, "v", PMS_OUT_REAL, 2);
    const char *names[] = {big, "bad \xff byte", "ctl \x01\x1b[31m", "cut \xe2\x82"};
    for (int i = 0; i < 4; i++) {
        pms_out_row(o);
        pms_out_set_text(o, c0, names[i]);
        pms_out_set_num(o, c1, i == 3 ? INFINITY : 2.385 * i);
    }
    assert_int_equal(pms_xlsx_add_tables(x, "Data", &o, 1, NULL, &err), PMS_OK);
    assert_int_equal(pms_xlsx_close(x, &err), PMS_OK);
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -c '\n"
             "import openpyxl, sys\n"
             "ws = openpyxl.load_workbook(sys.argv[1])[\"Data\"]\n"
             "v = [ws.cell(row=r, column=1).value for r in range(3, 7)]\n"
             "assert v[0].endswith(\"\u2026 [cut: Excel holds 32,767 characters in a cell]\"), v[0][-60:]\n"
             "assert len(v[0]) <= 32767 and v[0].startswith(\"\u20ac\" * 1000)\n"
             "assert v[1] == \"bad \\ufffd byte\", v[1]\n"
             "assert v[2] == \"ctl \\\\x01\\\\x1b[31m\", v[2]\n"
             "assert v[3] == \"cut \\ufffd\\ufffd\", v[3]\n"
             "assert ws.cell(row=6, column=2).value == \"not computed\"\n"
             "assert ws.cell(row=4, column=2).value == 2.385\n"
             "' %s",
             path);
    assert_int_equal(system(cmd), 0);
    free(big);
    pms_out_free(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_deterministic_zip),
                                       cmocka_unit_test(test_unwritable),
                                       cmocka_unit_test(test_hostile_cells_openpyxl)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
