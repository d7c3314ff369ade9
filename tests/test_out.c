/* ctest-labels: unit */
/* io/out: the three output formats with hostile values (issue 11): non-finite
 * numbers are never printed as numbers (text "not computed" with the reason,
 * CSV empty, JSON null; JSON checked with a strict parser), the CSV formula
 * guard follows OWASP with a strict number grammar, invalid UTF-8 never
 * leaves, control characters are shown escaped in text, and long text is
 * not cut.  Expected strings are written by hand. */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz_check.h"
#include "io/out.h"

static char *write_fmt(pms_out *o, pms_format fmt)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    pms_out *t[1] = {o};
    assert_int_equal(pms_out_write(f, fmt, t, 1, NULL, NULL), PMS_OK);
    fclose(f);
    return buf;
}

static pms_out *table_with(double v)
{
    pms_out *o = pms_out_new("limits", "Limits");
    int a = pms_out_col(o, "name", PMS_OUT_TEXT, 0), b = pms_out_col(o, "low", PMS_OUT_REAL, 3);
    int c = pms_out_col(o, "share", PMS_OUT_PCT, 1), d = pms_out_col(o, "money", PMS_OUT_MONEY, 2);
    pms_out_row(o);
    pms_out_set_text(o, a, "A");
    pms_out_set_num(o, b, v);
    pms_out_set_num(o, c, v);
    pms_out_set_num(o, d, v);
    return o;
}

static void test_infinity_never_a_number(void **state)
{
    (void)state;
    const double bad[] = {INFINITY, -INFINITY};
    for (int k = 0; k < 2; k++) {
        pms_out *o = table_with(bad[k]);
        char *csv = write_fmt(o, PMS_FMT_CSV), *json = write_fmt(o, PMS_FMT_JSON),
             *text = write_fmt(o, PMS_FMT_TEXT);
        assert_string_equal(csv, "name,low,share,money\nA,,,\n");
        assert_true(fc_json_valid(json, strlen(json)));
        assert_non_null(strstr(json, "\"low\": null, \"share\": null, \"money\": null"));
        assert_non_null(strstr(json, "low: not computed in 1 row: the result is not finite"));
        assert_null(strstr(text, "inf"));
        assert_non_null(strstr(text, "not computed"));
        assert_non_null(strstr(text, "\nlow: not computed in 1 row: the result is not finite (a sum "
                                     "or product overflowed: values too large)\n"));
        free(csv), free(json), free(text);
        pms_out_free(o);
    }
}

static void test_not_computed_reason(void **state)
{
    (void)state;
    pms_out *o = pms_out_new("ci", "Interval");
    int a = pms_out_col(o, "bca_low", PMS_OUT_REAL, 3);
    pms_out_row(o);
    pms_out_set_not_computed(o, a, "every resample lies on one side");
    pms_out_row(o);
    pms_out_set_num(o, a, NAN); /* missing, not "not computed" */
    char *text = write_fmt(o, PMS_FMT_TEXT), *json = write_fmt(o, PMS_FMT_JSON);
    assert_string_equal(text, "Interval\n     bca_low\nnot computed\n           -\n"
                              "bca_low: not computed in 1 row: every resample lies on one side\n");
    assert_true(fc_json_valid(json, strlen(json)));
    assert_string_equal(pms_out_why(o, 0, 0), "every resample lies on one side");
    assert_null(pms_out_why(o, 1, 0));
    free(text), free(json);
    pms_out_free(o);
}

static void test_csv_guard(void **state)
{
    (void)state;
    static const struct { const char *in, *out; } cases[] = {
        {"-2+3+cmd|' /C calc'!A0", "\"'-2+3+cmd|' /C calc'!A0\""}, /* the bypass */
        {"\r=1+2", "\"'\r=1+2\""},
        {"\t=1+2", "\"'\t=1+2\""},
        {"=1+2", "\"'=1+2\""},
        {"+1+cmd", "\"'+1+cmd\""},
        {"@SUM(A1)", "\"'@SUM(A1)\""},
        {"-1.5e3x", "\"'-1.5e3x\""},
        {"-.", "\"'-.\""},
        {"-", "\"'-\""},
        {"-12.5", "-12.5"},  /* plain numbers stay numbers */
        {"+3", "+3"},
        {"-.5e-3", "-.5e-3"},
        {"Dr Smith, Jones", "\"Dr Smith, Jones\""},
        {"bad \xff byte", "bad \xef\xbf\xbd byte"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        pms_out *o = pms_out_new("t", "t");
        int a = pms_out_col(o, "x", PMS_OUT_TEXT, 0);
        pms_out_row(o);
        pms_out_set_text(o, a, cases[i].in);
        char *csv = write_fmt(o, PMS_FMT_CSV);
        char want[128];
        snprintf(want, sizeof want, "x\n%s\n", cases[i].out);
        assert_string_equal(csv, want);
        assert_true(fc_csv_safe(csv, strlen(csv)));
        free(csv);
        pms_out_free(o);
    }
    assert_true(pms_csv_is_number("1e5") && !pms_csv_is_number("1e") && !pms_csv_is_number("."));
}

static void test_text_escapes_and_utf8(void **state)
{
    (void)state;
    pms_out *o = pms_out_new("t", "Names");
    int a = pms_out_col(o, "name", PMS_OUT_TEXT, 0);
    pms_out_row(o);
    pms_out_set_text(o, a, "\x1b[2JEvil\x07 \xff");
    char *text = write_fmt(o, PMS_FMT_TEXT), *json = write_fmt(o, PMS_FMT_JSON);
    assert_string_equal(text, "Names\nname\n\\x1b[2JEvil\\x07 \\xff\n");
    assert_true(fc_json_valid(json, strlen(json)));
    assert_non_null(strstr(json, "\"\\u001b[2JEvil\\u0007 \\ufffd\""));
    free(text), free(json);
    pms_out_free(o);
}

/* Text cells were rendered through a 512-byte buffer: a long name was cut,
 * possibly inside a character. */
static void test_long_text_whole(void **state)
{
    (void)state;
    char name[1201];
    for (int i = 0; i < 400; i++) memcpy(name + 3 * i, "\xe2\x82\xac", 3);
    name[1200] = '\0';
    pms_out *o = pms_out_new("t", "T");
    int a = pms_out_col(o, "n", PMS_OUT_TEXT, 0);
    pms_out_row(o);
    pms_out_set_text(o, a, name);
    char *text = write_fmt(o, PMS_FMT_TEXT);
    assert_non_null(strstr(text, name));
    assert_true(fc_utf8((const unsigned char *)text, strlen(text)));
    free(text);
    pms_out_free(o);
}

/* 1e308 in money: all its digits with separators, never cut. */
static void test_huge_money(void **state)
{
    (void)state;
    pms_out *o = table_with(-1e308);
    char *text = write_fmt(o, PMS_FMT_TEXT);
    assert_non_null(strstr(text, "-\xc2\xa3" "100,000,000,000,000,00"));
    assert_non_null(strstr(text, ",223,118,336.00\n")); /* the double nearest 1e308, exactly */
    free(text);
    pms_out_free(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_infinity_never_a_number),
                                       cmocka_unit_test(test_not_computed_reason),
                                       cmocka_unit_test(test_csv_guard),
                                       cmocka_unit_test(test_text_escapes_and_utf8),
                                       cmocka_unit_test(test_long_text_whole),
                                       cmocka_unit_test(test_huge_money)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
