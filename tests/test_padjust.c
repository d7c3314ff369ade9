/* p.adjust's Holm, BH and BY against R (tests/reference/correlate.R, keys
 * padj_*), then missing values, the m <= 1 case and errors. */
/* ctest-labels: unit reference */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/padjust.h"

static const double pv[10] = {0.0001, 0.012, 0.049, 0.2, 0.0335, 0.75, 0.012, 1e-8, 0.5, 0.04};

static void test_against_r(void **state)
{
    (void)state;
    char *path = pms_test_path(PMS_SOURCE_DIR, "tests/reference/correlate.out");
    char *ref = pms_test_slurp(path);
    free(path);
    assert_non_null(ref);
    const pms_adjust_method ms[3] = {PMS_ADJ_HOLM, PMS_ADJ_BH, PMS_ADJ_BY};
    double copy[10];
    memcpy(copy, pv, sizeof pv);
    for (int m = 0; m < 3; m++) {
        double out[10];
        assert_int_equal(pms_p_adjust(pv, 10, ms[m], out, NULL), PMS_OK);
        for (int i = 0; i < 10; i++) {
            char key[64];
            snprintf(key, sizeof key, "padj_%s_%d", pms_adjust_name(ms[m]), i + 1);
            /* 1e-15: the same few double operations in the same order as R */
            assert_rel(out[i], pms_ref_value(ref, key), 1e-15);
        }
    }
    assert_memory_equal(copy, pv, sizeof pv);
    free(ref);
}

static void test_missing_and_edges(void **state)
{
    (void)state;
    /* NaN is kept and not counted: m = 2 here, as p.adjust(c(0.01, NA, 0.02), "holm") */
    const double p[3] = {0.01, NAN, 0.02};
    double out[3];
    assert_int_equal(pms_p_adjust(p, 3, PMS_ADJ_HOLM, out, NULL), PMS_OK);
    assert_true(out[0] == 0.02 && isnan(out[1]) && out[2] == 0.02);
    assert_int_equal(pms_p_adjust(p, 3, PMS_ADJ_BH, out, NULL), PMS_OK);
    assert_true(out[0] == 0.02 && out[2] == 0.02);
    /* one p-value: unchanged */
    const double one[2] = {0.03, NAN};
    assert_int_equal(pms_p_adjust(one, 2, PMS_ADJ_BY, out, NULL), PMS_OK);
    assert_true(out[0] == 0.03 && isnan(out[1]));
    double all[10];
    assert_int_equal(pms_p_adjust(pv, 10, PMS_ADJ_NONE, all, NULL), PMS_OK);
    assert_true(all[3] == 0.2);
    /* capped at 1 */
    const double big[3] = {0.6, 0.7, 0.9};
    assert_int_equal(pms_p_adjust(big, 3, PMS_ADJ_HOLM, out, NULL), PMS_OK);
    assert_true(out[0] == 1 && out[1] == 1 && out[2] == 1);
    pms_err err = {{0}};
    const double bad[2] = {0.5, 1.5};
    assert_int_equal(pms_p_adjust(bad, 2, PMS_ADJ_BH, out, &err), PMS_EDOMAIN);
    assert_string_equal(err.msg, "p-value 2 is 1.5, outside [0, 1]");
    assert_int_equal(pms_p_adjust(pv, 10, (pms_adjust_method)9, all, &err), PMS_EUSAGE);
    pms_adjust_method m;
    assert_int_equal(pms_adjust_parse("by", &m), 0);
    assert_int_equal(m, PMS_ADJ_BY);
    assert_int_equal(pms_adjust_parse("fdr", &m), 0);
    assert_int_equal(m, PMS_ADJ_BH);
    assert_int_equal(pms_adjust_parse("hommel", &m), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_against_r),
                                       cmocka_unit_test(test_missing_and_edges)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
