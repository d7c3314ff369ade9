/* ctest-labels: unit reference */
/* Which practices count (io/select.c): each rule's exclusions on every real
 * year's file against an independent pandas count (tests/reference/select.py
 * -> select.out), and the rules' edges on small inline files. */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/select.h"
#include "io/table.h"

static const char *years[] = {"2014-15", "2015-16", "2016-17", "2017-18", "2018-19",
                              "2019-20", "2020-21", "2021-22", "2022-23"};

static void test_real_years_against_pandas(void **state)
{
    (void)state;
    char *ref = pms_test_slurp(PMS_SOURCE_DIR "/tests/reference/select.out");
    for (size_t y = 0; y < sizeof years / sizeof *years; y++) {
        char rel[128], key[128];
        snprintf(rel, sizeof rel, "nhs-payments/nhs-payments-gp-%s.csv", years[y]);
        char *path = pms_test_path(PMS_DATASETS_DIR, rel);
        pms_table *t = NULL;
        pms_err err = {{0}};
        assert_int_equal(pms_table_load(path, NULL, &t, &err), PMS_OK);
        free(path);
        pms_select_opts o;
        pms_select_opts_default(&o);
        pms_select_result r;
        assert_int_equal(pms_select_rows(t, &o, &r, &err), PMS_OK);
        snprintf(key, sizeof key, "%s year", years[y]);
        assert_int_equal(r.year, (int)pms_ref_value(ref, key));
        assert_true(r.year_inferred);
        for (int k = 0; k < PMS_SEL_NRULES; k++) {
            snprintf(key, sizeof key, "%s %s alone", years[y], pms_select_rule_name(k));
            if (!strstr(ref, key)) { /* the file lacks the rule's columns */
                assert_false(r.applied[k]);
                continue;
            }
            assert_true(r.applied[k]);
            /* Counts: exact. */
            assert_int_equal(r.alone[k], (size_t)pms_ref_value(ref, key));
            snprintf(key, sizeof key, "%s %s first", years[y], pms_select_rule_name(k));
            assert_int_equal(r.excluded[k], (size_t)pms_ref_value(ref, key));
        }
        snprintf(key, sizeof key, "%s kept", years[y]);
        assert_int_equal(r.kept, (size_t)pms_ref_value(ref, key));
        /* Applying keeps exactly those rows and notes each applied rule. */
        size_t kept = r.kept;
        pms_select_result_free(&r);
        assert_int_equal(pms_select_apply(t, &o, NULL, &err), PMS_OK);
        assert_int_equal(t->nrows, kept);
        int noted = 0;
        for (size_t i = 0; i < t->nnotes; i++) noted += !strncmp(t->notes[i].what, "rule_", 5);
        assert_true(noted >= 3);
        pms_table_free(t);
    }
    free(ref);
}

static pms_table *mem(const char *csv)
{
    pms_table *t = NULL;
    pms_err err = {{0}};
    pms_status st = pms_table_load_mem("sel.csv", csv, strlen(csv), NULL, &t, &err);
    if (st) print_error("%s\n", err.msg);
    assert_int_equal(st, PMS_OK);
    return t;
}

static const char small[] =
    "Practice Code,Practice Open Date,Practice Close Date,Practice type,Atypical characteristics,"
    "Number of Registered Patients (Last Known Figure),Number of Weighted Patients (Last Known Figure),"
    "Total NHS Payments to General Practice\n"
    "A1,01/04/1974,,GP practice,,5230,5100.5,612345.67\n"   /* kept */
    "A2,02/04/2020,,GP practice,,5230,5100.5,612345.67\n"   /* opened after 1 April */
    "A3,01/04/1974,30/03/2021,GP practice,,5230,5100.5,1\n" /* closed before 31 March */
    "A4,01/04/1974,31/03/2021,GP Practice,,999,5100.5,2\n"  /* full year; list 999 */
    "A5,01/04/1974,,Walk in centre,,5230,5100.5,3\n"
    "A6,01/04/1974,,GP practice,| Part year of data |,5230,5100.5,4\n"
    "A7,01/04/1974,,GP practice,,5230,0,5\n"                /* no weighted patients */
    "A8,01/04/1974,31/07/2019,GP practice,,1000,5100.5,6\n"; /* closed a year before */

static void test_rules_edges(void **state)
{
    (void)state;
    pms_table *t = mem(small);
    pms_select_opts o;
    pms_select_opts_default(&o);
    pms_select_result r;
    pms_err err = {{0}};
    assert_int_equal(pms_select_rows(t, &o, &r, &err), PMS_OK);
    assert_int_equal(r.year, 2020); /* latest opening 02/04/2020 */
    static const unsigned char want[8] = {1, 0, 0, 0, 0, 0, 0, 0};
    assert_memory_equal(r.keep, want, 8);
    assert_int_equal(r.excluded[PMS_SEL_NONPOSITIVE], 1);
    assert_int_equal(r.excluded[PMS_SEL_PRACTICE_TYPE], 1);
    assert_int_equal(r.excluded[PMS_SEL_ATYPICAL], 1);
    assert_int_equal(r.excluded[PMS_SEL_PART_YEAR], 3);
    assert_int_equal(r.excluded[PMS_SEL_MIN_LIST], 1);
    assert_string_equal(r.reason[PMS_SEL_MIN_LIST],
                        "rule min_list: 1 practices excluded: fewer than 1000 registered "
                        "patients (1 by this rule alone)");
    pms_select_result_free(&r);
    /* Switched off, a rule removes nothing and says why; a stated year moves part_year. */
    o.on[PMS_SEL_MIN_LIST] = 0;
    o.year = 2019;
    assert_int_equal(pms_select_rows(t, &o, &r, &err), PMS_OK);
    assert_false(r.applied[PMS_SEL_MIN_LIST]);
    assert_string_equal(r.reason[PMS_SEL_MIN_LIST], "rule min_list not applied: switched off");
    /* In 2019/20, A2 opened after the year and A8 closed within it; A3 and A4
     * were open all year; A4 now stays (no list rule). */
    assert_int_equal(r.keep[3], 1);
    assert_int_equal(r.keep[7], 0);
    assert_false(r.year_inferred);
    pms_select_result_free(&r);
    /* No rule at all: everything kept (the savings model's view). */
    pms_select_opts_none(&o);
    assert_int_equal(pms_select_rows(t, &o, &r, &err), PMS_OK);
    assert_int_equal(r.kept, 8);
    pms_select_result_free(&r);
    pms_table_free(t);
}

static void test_bad_date_and_missing_columns(void **state)
{
    (void)state;
    pms_table *t = mem("Practice Code,Practice Open Date,Number of Registered Patients (Last Known Figure)\n"
                       "A1,01/04/1974,5000\nA2,31/02/2015,4000\n");
    pms_select_opts o;
    pms_select_opts_default(&o);
    pms_select_result r;
    pms_err err = {{0}};
    assert_int_equal(pms_select_rows(t, &o, &r, &err), PMS_EPARSE);
    assert_string_equal(err.msg, "sel.csv:3:2: not a date (dd/mm/yyyy): '31/02/2015' (column "
                                 "'Practice Open Date')");
    pms_table_free(t);
    t = mem("Practice Code,Number of Registered Patients (Last Known Figure)\nA1,5000\nA2,40\n");
    assert_int_equal(pms_select_rows(t, &o, &r, &err), PMS_OK);
    assert_false(r.applied[PMS_SEL_PART_YEAR]);
    assert_false(r.applied[PMS_SEL_ATYPICAL]);
    assert_string_equal(r.reason[PMS_SEL_PART_YEAR],
                        "rule part_year not applied: the file has no open or close dates");
    assert_int_equal(r.kept, 1);
    pms_select_result_free(&r);
    pms_table_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_years_against_pandas),
        cmocka_unit_test(test_rules_edges),
        cmocka_unit_test(test_bad_date_and_missing_columns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
