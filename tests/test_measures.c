/* ctest-labels: unit reference */
/* The income measures (io/table.c, doc/methods/measures-and-practices.md) on
 * every real year's file against an independent pandas computation
 * (tests/reference/measures.py -> measures.out), a missing input column as a
 * clear message, and the 2022/23 header remap. */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/table.h"

static const char *years[] = {"2014-15", "2015-16", "2016-17", "2017-18", "2018-19",
                              "2019-20", "2020-21", "2021-22", "2022-23"};
static const char *names[] = {
    "dispensing_payments", "payments_less_dispensing", "payments_less_dispensing_premises",
    "core_payments", "dispensing_payments_per_weighted", "dispensing_payments_per_registered",
    "payments_less_dispensing_per_weighted", "payments_less_dispensing_per_registered",
    "payments_less_dispensing_premises_per_weighted",
    "payments_less_dispensing_premises_per_registered", "core_per_weighted",
    "core_per_registered", "payments_per_weighted"};
static const char *practices[] = {"Y02873", "A81001", "L81004", "D82044"};

static pms_table *open_year(const char *y)
{
    char rel[128];
    snprintf(rel, sizeof rel, "nhs-payments/nhs-payments-gp-%s.csv", y);
    char *path = pms_test_path(PMS_DATASETS_DIR, rel);
    pms_table *t = NULL;
    pms_err err = {{0}};
    pms_status st = pms_table_load(path, NULL, &t, &err);
    if (!st) st = pms_table_derive_standard(t, &err);
    if (st) print_error("%s\n", err.msg);
    free(path);
    assert_int_equal(st, PMS_OK);
    return t;
}

static void test_against_pandas(void **state)
{
    (void)state;
    char *ref = pms_test_slurp(PMS_SOURCE_DIR "/tests/reference/measures.out");
    for (size_t y = 0; y < sizeof years / sizeof *years; y++) {
        pms_table *t = open_year(years[y]);
        const char *const *code = NULL;
        pms_err err;
        assert_int_equal(pms_table_text(t, "practice_code", &code, &err), PMS_OK);
        for (size_t m = 0; m < sizeof names / sizeof *names; m++) {
            const double *v;
            if (pms_table_numeric(t, names[m], &v, &err)) print_error("%s\n", err.msg);
            assert_int_equal(pms_table_numeric(t, names[m], &v, &err), PMS_OK);
            double n = 0, s = 0, ss = 0;
            for (size_t i = 0; i < t->nrows; i++)
                if (!isnan(v[i])) n++, s += v[i], ss += v[i] * v[i];
            char key[160];
            snprintf(key, sizeof key, "%s %s n", years[y], names[m]);
            assert_true(n == pms_ref_value(ref, key)); /* same rows missing: exact */
            /* Sums of ~7,000 terms in another order (pandas sums pairwise): the
             * rounding differs by a few ulps per term, far below 1e-11. */
            snprintf(key, sizeof key, "%s %s sum", years[y], names[m]);
            assert_rel(s, pms_ref_value(ref, key), 1e-11);
            snprintf(key, sizeof key, "%s %s sumsq", years[y], names[m]);
            assert_rel(ss, pms_ref_value(ref, key), 1e-11);
            for (size_t p = 0; p < sizeof practices / sizeof *practices; p++) {
                snprintf(key, sizeof key, "%s %s at %s", years[y], names[m], practices[p]);
                if (!strstr(ref, key)) continue; /* not in that year's file */
                size_t i = 0;
                while (i < t->nrows && !(code[i] && !strcmp(code[i], practices[p]))) i++;
                assert_true(i < t->nrows);
                double want = pms_ref_value(ref, key);
                /* The same operations in the same order: equal to the last bit
                 * or both missing. */
                if (isnan(want)) assert_true(isnan(v[i]));
                else assert_rel(v[i], want, 1e-15);
            }
        }
        pms_table_free(t);
    }
    free(ref);
}

/* A payments file without the drug columns: the measures are absent and asking
 * for one names the column it needs, instead of treating drugs as zero. */
static void test_missing_column_message(void **state)
{
    (void)state;
    const char csv[] = "Practice Code,Total NHS Payments to General Practice,Premises Payments,"
                       "Number of Weighted Patients (Last Known Figure)\n"
                       "A1,1000.5,10,20\nA2,2000.25,30,40\n";
    pms_table *t = NULL;
    pms_err err = {{0}};
    assert_int_equal(pms_table_load_mem("nodrugs.csv", csv, sizeof csv - 1, NULL, &t, &err), PMS_OK);
    assert_int_equal(pms_table_derive_standard(t, &err), PMS_OK);
    assert_non_null(pms_table_col(t, "payments_per_weighted"));
    assert_null(pms_table_col(t, "payments_less_dispensing"));
    const double *v;
    assert_int_equal(pms_table_numeric(t, "payments_less_dispensing_premises_per_weighted", &v, &err),
                     PMS_ENOTFOUND);
    assert_string_equal(err.msg,
                        "no column 'payments_less_dispensing_premises_per_weighted': "
                        "payments_less_dispensing_premises cannot be derived: nodrugs.csv has no "
                        "column 'Prescribing Fee Payments' (canonical name prescribing_fees)");
    /* A missing component in one row makes that row missing, not zero. */
    const char csv2[] = "Practice Code,Total NHS Payments to General Practice,Prescribing Fee Payments,"
                        "Dispensing Fee Payments,Reimbursement of Drugs,Premises Payments\n"
                        "A1,1000.5,1,2,3,10\nA2,2000.25,-,2,3,30\n";
    pms_table *u = NULL;
    assert_int_equal(pms_table_load_mem("gap.csv", csv2, sizeof csv2 - 1, NULL, &u, &err), PMS_OK);
    assert_int_equal(pms_table_derive_standard(u, &err), PMS_OK);
    assert_int_equal(pms_table_numeric(u, "payments_less_dispensing_premises", &v, &err), PMS_OK);
    assert_rel(v[0], 1000.5 - 6 - 10, 1e-15);
    assert_true(isnan(v[1]));
    pms_table_free(u);
    pms_table_free(t);
}

/* 2022/23: "Code" and "CCG NAME" hold the PCN; "Sub ICB NAME" is the locality name. */
static void test_2022_remap(void **state)
{
    (void)state;
    pms_table *t = open_year("2022-23");
    const char *const *pcn, *const *ccg, *const *pc;
    pms_err err;
    assert_int_equal(pms_table_text(t, "pcn_code", &pcn, &err), PMS_OK);
    assert_int_equal(pms_table_text(t, "ccg_name", &ccg, &err), PMS_OK);
    assert_int_equal(pms_table_text(t, "practice_code", &pc, &err), PMS_OK);
    assert_string_equal(pc[0], "A81001");
    assert_string_equal(pcn[0], "U89141");
    assert_string_equal(ccg[0], "NHS NORTH EAST AND NORTH CUMBRIA ICB - 16C");
    assert_int_equal(t->nrows, 6669);
    int said = 0;
    for (size_t i = 0; i < t->nnotes; i++) said |= !strcmp(t->notes[i].what, "layout_remap");
    assert_true(said);
    pms_table_free(t);
    /* The same four names elsewhere in another order are not the known layout. */
    const char csv[] = "CCG Code,Sub ICB NAME,Code,PCN NAME\nX,Y,A1,Z\n";
    assert_int_equal(pms_table_load_mem("other.csv", csv, sizeof csv - 1, NULL, &t, &err), PMS_OK);
    assert_non_null(pms_table_col(t, "practice_code"));
    assert_null(pms_table_col(t, "pcn_code"));
    pms_table_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_against_pandas),
        cmocka_unit_test(test_missing_column_message),
        cmocka_unit_test(test_2022_remap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
