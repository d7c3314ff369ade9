/* ctest-labels: unit */
/* io/utf8: well-formedness (RFC 3629 table 2), cutting on a character
 * boundary at every position of 1- to 4-byte characters, visible control
 * characters.  Expected values are written out by hand from the RFC. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz_check.h"
#include "io/utf8.h"

static void test_seq(void **state)
{
    (void)state;
    assert_int_equal(pms_utf8_seq("A", 1), 1);
    assert_int_equal(pms_utf8_seq("\xc2\xa3", 2), 2);          /* £ */
    assert_int_equal(pms_utf8_seq("\xe2\x82\xac", 3), 3);      /* € */
    assert_int_equal(pms_utf8_seq("\xf0\x9f\x8f\xa5", 4), 4);  /* 🏥 */
    assert_int_equal(pms_utf8_seq("\xc2", 1), 0);              /* cut short */
    assert_int_equal(pms_utf8_seq("\x80", 1), 0);              /* stray continuation */
    assert_int_equal(pms_utf8_seq("\xc0\xaf", 2), 0);          /* overlong '/' */
    assert_int_equal(pms_utf8_seq("\xe0\x80\xaf", 3), 0);      /* overlong */
    assert_int_equal(pms_utf8_seq("\xed\xa0\x80", 3), 0);      /* surrogate U+D800 */
    assert_int_equal(pms_utf8_seq("\xf4\x90\x80\x80", 4), 0);  /* U+110000 */
    assert_int_equal(pms_utf8_seq("\xff", 1), 0);
    assert_true(pms_utf8_valid("Caf\xc3\xa9 \xe2\x82\xac", 9));
    assert_false(pms_utf8_valid("Caf\xc3", 4));
}

/* Every byte budget across a k-byte character: the prefix never ends inside it. */
static void test_prefix_every_cut(void **state)
{
    (void)state;
    static const char *chars[] = {"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x8f\xa5"};
    for (int c = 0; c < 3; c++) {
        size_t k = strlen(chars[c]);
        for (size_t at = 0; at < 8; at++) {
            char s[32];
            memset(s, 'a', at);
            memcpy(s + at, chars[c], k);
            strcpy(s + at + k, "zz");
            for (size_t max = 0; max <= at + k + 2; max++) {
                size_t n = pms_utf8_prefix(s, max);
                size_t want = max < at ? max : max < at + k ? at : max;
                assert_int_equal(n, want);
                assert_true(fc_utf8((const unsigned char *)s, n));
                char d[32];
                pms_utf8_copy(d, sizeof d, s, max);
                assert_int_equal(strlen(d), want);
                char small[8];
                pms_utf8_copy(small, sizeof small, s, 100); /* the buffer bounds it too */
                assert_true(strlen(small) < sizeof small);
                assert_true(fc_utf8((const unsigned char *)small, strlen(small)));
            }
            /* what snprintf leaves: every truncation of s, then the tail trimmed */
            for (size_t cut = 0; cut <= at + k; cut++) {
                char t[32];
                snprintf(t, cut + 1, "%s", s);
                pms_utf8_trim_tail(t);
                assert_true(fc_utf8((const unsigned char *)t, strlen(t)));
                assert_int_equal(strlen(t), cut < at || cut == at + k ? cut : at);
            }
        }
    }
}

static void test_visible(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    size_t w = pms_utf8_put_visible(f, "a\x1b[31mb\tc\xff\xc2\x9b\xc2\xa3\n", 1);
    fclose(f);
    assert_string_equal(buf, "a\\x1b[31mb\\x09c\\xff\\xc2\\x9b\xc2\xa3\n");
    assert_int_equal(w, strlen("a\\x1b[31mb\\x09c\\xff\\xc2\\x9b") + 2);
    assert_int_equal(pms_utf8_visible_width("\xe2\x82\xac\x07", 0), 5);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_seq),
                                       cmocka_unit_test(test_prefix_every_cut),
                                       cmocka_unit_test(test_visible)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
