/* ctest-labels: unit */
/* CSV reading and cell parsing: the messy cases real NHS files contain. */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/csv.h"
#include "io/table.h"

#define FIX PMS_SOURCE_DIR "/tests/fixtures/"

static void test_number_forms(void **state)
{
    (void)state;
    double v;
    assert_int_equal(pms_parse_number("2.385", &v), PMS_NUM_OK);
    assert_true(v == 2.385); /* exact: same double as the C literal */
    assert_int_equal(pms_parse_number("  £369,371.16 ", &v), PMS_NUM_OK);
    assert_true(v == 369371.16);
    assert_int_equal(pms_parse_number("-£1,234", &v), PMS_NUM_OK);
    assert_true(v == -1234.0);
    assert_int_equal(pms_parse_number("£-7.5", &v), PMS_NUM_OK);
    assert_true(v == -7.5);
    assert_int_equal(pms_parse_number("1e3", &v), PMS_NUM_OK);
    assert_true(v == 1000.0);
    assert_int_equal(pms_parse_number("5209.497299", &v), PMS_NUM_OK);
    assert_true(v == 5209.497299);
    assert_int_equal(pms_parse_number("-0", &v), PMS_NUM_OK);
    assert_true(v == 0.0 && !signbit(v));
    /* 17 significant digits take the strtod path and must still round correctly */
    assert_int_equal(pms_parse_number("0.10000000000000001", &v), PMS_NUM_OK);
    assert_true(v == 0.10000000000000001);
    assert_int_equal(pms_parse_number("123456789012345678901234", &v), PMS_NUM_OK);
    assert_true(v == 123456789012345678901234.0);
    assert_int_equal(pms_parse_number("4.9e-324", &v), PMS_NUM_OK);
    assert_true(v == 4.9e-324);
}

static void test_missing_and_bad(void **state)
{
    (void)state;
    double v = 2.385;
    const char *missing[] = {"", "  ", "-", "*", "NA", "na", "n/a", "N/A", ".."};
    for (size_t i = 0; i < sizeof missing / sizeof *missing; i++)
        assert_int_equal(pms_parse_number(missing[i], &v), PMS_NUM_MISSING);
    assert_true(v == 2.385); /* untouched on missing */
    const char *bad[] = {"12,3x", "£1,2,3", "1,23", "1234,567", "nan", "NaN", "inf", "-inf",
                         "1e999", "-1e999", "0x10", "1.2.3", "£", "--5", "1e", "12 34", "5%",
                         "e5", "."};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        if (pms_parse_number(bad[i], &v) != PMS_NUM_BAD) print_error("accepted '%s'\n", bad[i]);
        assert_int_equal(pms_parse_number(bad[i], &v), PMS_NUM_BAD);
    }
}

static void test_messy_file(void **state)
{
    (void)state;
    pms_csv c;
    pms_err err = {{0}};
    assert_int_equal(pms_csv_read_file(FIX "messy.csv", &c, &err), PMS_OK);
    assert_int_equal(c.bom, 1);
    assert_int_equal(c.latin1, 0);
    assert_int_equal(c.ncols, 10);
    assert_int_equal(c.nrec, 4); /* trailing blank lines are not records */
    assert_string_equal(c.header[0], "Practice Code");
    assert_string_equal(pms_csv_cell(&c, 0, 1), "Dr Smith, Jones & Partners");
    assert_string_equal(pms_csv_cell(&c, 1, 1), "The \"Old\" Surgery\nHigh Street");
    assert_int_equal(c.line[0], 2);
    assert_int_equal(c.line[1], 3);
    assert_int_equal(c.line[2], 5); /* the quoted newline moved A81003 down a line */
    pms_csv_free(&c);
}

static void test_latin1(void **state)
{
    (void)state;
    pms_csv c;
    pms_err err = {{0}};
    assert_int_equal(pms_csv_read_file(FIX "latin1.csv", &c, &err), PMS_OK);
    assert_int_equal(c.latin1, 1); /* no byte in 0x80-0x9F: ISO-8859-1 */
    assert_string_equal(pms_csv_encoding(c.latin1), "ISO-8859-1");
    assert_string_equal(c.header[5], "GlobalSum_\xc2\xa3");
    assert_string_equal(pms_csv_cell(&c, 0, 1), "Caf\xc3\xa9 Street Surgery");
    pms_csv_free(&c);
}

/* Every byte 0x80-0xFF, a cell each, read as Windows-1252 against Python's
 * cp1252 codec (tests/reference/cp1252.py; exact: the UTF-8 bytes must
 * match), by the in-place reader and the streaming table loader.  A file
 * with a byte in 0x80-0x9F is named Windows-1252 (latin1 2). */
static void test_cp1252(void **state)
{
    (void)state;
    char *ref = pms_test_slurp(PMS_SOURCE_DIR "/tests/reference/cp1252.out");
    assert_non_null(ref);
    const char *path = "test_csv_cp1252.csv";
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs("byte,text\n", f);
    for (int b = 0x80; b < 0x100; b++) fprintf(f, "%02x,<%c>\n", b, b);
    assert_int_equal(fclose(f), 0);
    pms_csv c;
    pms_err err = {{0}};
    assert_int_equal(pms_csv_read_file(path, &c, &err), PMS_OK);
    assert_int_equal(c.latin1, 2);
    assert_string_equal(pms_csv_encoding(c.latin1), "Windows-1252");
    assert_int_equal(c.nrec, 128);
    pms_table *t = NULL;
    const char *const *text;
    assert_int_equal(pms_table_load(path, NULL, &t, &err), PMS_OK);
    assert_int_equal(pms_table_text(t, "text", &text, &err), PMS_OK);
    assert_int_equal(t->nrows, 128);
    const char *line = ref;
    for (size_t i = 0; i < 128; i++) {
        unsigned byte;
        char hex[16], want[8] = "<";
        assert_int_equal(sscanf(line, "%x %15s", &byte, hex), 2);
        assert_int_equal(byte, 0x80 + i);
        size_t k = 1;
        for (const char *h = hex; h[0] && h[1]; h += 2) {
            unsigned v;
            assert_int_equal(sscanf(h, "%2x", &v), 1);
            want[k++] = (char)v;
        }
        want[k++] = '>';
        want[k] = '\0';
        if (strcmp(pms_csv_cell(&c, i, 1), want))
            print_error("byte %02x: got '%s', want '%s'\n", byte, pms_csv_cell(&c, i, 1), want);
        assert_string_equal(pms_csv_cell(&c, i, 1), want);
        assert_string_equal(text[i], want);
        line = strchr(line, '\n') + 1;
    }
    assert_int_equal(t->sources[0].latin1, 2);
    pms_table_free(t);
    pms_csv_free(&c);
    remove(path);
    free(ref);
}

static void expect_error(const char *file, const char *pattern)
{
    pms_csv c;
    pms_err err = {{0}};
    pms_status st = pms_csv_read_file(file, &c, &err);
    assert_int_equal(st, PMS_EPARSE);
    if (!strstr(err.msg, pattern)) print_error("message '%s' lacks '%s'\n", err.msg, pattern);
    assert_non_null(strstr(err.msg, pattern));
    assert_null(c.buf); /* nothing half-built is handed back */
}

static void test_errors(void **state)
{
    (void)state;
    expect_error(FIX "bad_number.csv", "bad_number.csv:3: expected 2 fields as in the header, found more (extra fields)");
    expect_error(FIX "unterminated.csv", "unterminated.csv:2:2: unterminated quoted field");
    expect_error(FIX "after_quote.csv", "after_quote.csv:2:2: unexpected text after a closing quote");
    expect_error(FIX "nul.csv", "nul.csv:2:2: NUL byte");
    expect_error(FIX "empty.csv", "empty.csv:1: empty file");
    pms_csv c;
    pms_err err = {{0}};
    assert_int_equal(pms_csv_read_file(FIX "does-not-exist.csv", &c, &err), PMS_EIO);
    assert_non_null(strstr(err.msg, "does-not-exist.csv: cannot open"));
    assert_int_equal(pms_csv_read_file(FIX, &c, &err), PMS_EIO);
    assert_non_null(strstr(err.msg, "is a directory"));
}

static void test_line_ends(void **state)
{
    (void)state;
    pms_csv c;
    pms_err err = {{0}};
    assert_int_equal(pms_csv_read_file(FIX "mixed_eol.csv", &c, &err), PMS_OK);
    assert_int_equal(c.nrec, 3);
    assert_string_equal(pms_csv_cell(&c, 2, 0), "A3");
    assert_int_equal(c.line[2], 4);
    pms_csv_free(&c);
    assert_int_equal(pms_csv_read_file(FIX "no_final_newline.csv", &c, &err), PMS_OK);
    assert_int_equal(c.nrec, 2);
    assert_string_equal(pms_csv_cell(&c, 1, 1), "");
    pms_csv_free(&c);
    assert_int_equal(pms_csv_read_file(FIX "header_only.csv", &c, &err), PMS_OK);
    assert_int_equal(c.nrec, 0);
    assert_int_equal(c.ncols, 2);
    pms_csv_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_number_forms), cmocka_unit_test(test_missing_and_bad),
        cmocka_unit_test(test_messy_file),   cmocka_unit_test(test_latin1),
        cmocka_unit_test(test_errors),       cmocka_unit_test(test_line_ends),
        cmocka_unit_test(test_cp1252),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
