/* ctest-labels: unit */
/* The practice table: typing, canonical names across every payments layout,
 * joins, the Fingertips pivot, --where/--derive, and NHS Digital's published
 * 2014/15 national totals. */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/expr.h"
#include "io/table.h"

#define FIX PMS_SOURCE_DIR "/tests/fixtures/"
#define DS PMS_DATASETS_DIR "/"

static pms_table *load(const char *path)
{
    pms_table *t = NULL;
    pms_err err = {{0}};
    pms_status st = pms_table_load(path, NULL, &t, &err);
    if (st) print_error("%s\n", err.msg);
    assert_int_equal(st, PMS_OK);
    return t;
}

static double col_at(const pms_table *t, const char *name, size_t i)
{
    const double *v;
    pms_err err = {{0}};
    assert_int_equal(pms_table_numeric(t, name, &v, &err), PMS_OK);
    return v[i];
}

static void test_messy_typing(void **state)
{
    (void)state;
    pms_table *t = load(FIX "messy.csv");
    assert_int_equal(t->nrows, 4);
    const pms_column *code = pms_table_col(t, "practice_code");
    assert_non_null(code);
    assert_string_equal(code->text[0], "A81001"); /* codes are upper-cased */
    assert_true(col_at(t, "registered_patients", 0) == 4179.0);
    assert_true(col_at(t, "global_sum", 0) == 369371.16);
    assert_true(col_at(t, "total_payments", 0) == 612345.67);
    assert_true(isnan(col_at(t, "total_payments", 1))); /* "-" is missing, never zero */
    assert_true(col_at(t, "total_payments", 2) == -1234.5);
    assert_true(isnan(col_at(t, "registered_patients", 3)));
    assert_true(isnan(col_at(t, "weighted_patients", 3)));
    assert_true(isnan(col_at(t, "global_sum", 3)));
    assert_true(isnan(col_at(t, "mpig", 3)));
    assert_true(isnan(col_at(t, "pms_balance", 3)));
    assert_true(col_at(t, "total_payments", 3) == 812.5);
    assert_int_equal(pms_table_col(t, "total_payments")->n_missing, 1);
    assert_int_equal(t->line[3], 6);

    pms_err err = {{0}};
    assert_int_equal(pms_table_derive_standard(t, &err), PMS_OK);
    /* zero list size: missing, and reported */
    assert_true(isnan(col_at(t, "payments_per_weighted", 2)));
    assert_true(fabs(col_at(t, "payments_per_weighted", 0) - 612345.67 / 4771.66) < 1e-12);
    assert_true(col_at(t, "core_payments", 1) == 150000.25);
    int found = 0;
    for (size_t i = 0; i < t->nnotes; i++)
        if (!strcmp(t->notes[i].what, "bad_denominator") &&
            strstr(t->notes[i].detail, "payments_per_weighted") && t->notes[i].count == 1)
            found = 1;
    assert_true(found);
    pms_table_free(t);
}

static void test_latin1_aliases(void **state)
{
    (void)state;
    pms_table *t = load(FIX "latin1.csv");
    assert_int_equal(t->sources[0].latin1, 1);
    assert_true(col_at(t, "global_sum", 0) == 73560.0);
    assert_true(col_at(t, "pms_balance", 1) == 170000.0);
    assert_true(col_at(t, "total_payments", 1) == 260000.5);
    assert_string_equal(pms_table_col(t, "practice_name")->text[0], "Caf\xc3\xa9 Street Surgery");
    pms_table_free(t);
}

static void test_bad_cells(void **state)
{
    (void)state;
    pms_table *t = NULL;
    pms_err err = {{0}};
    assert_int_equal(pms_table_load(FIX "bad_number2.csv", NULL, &t, &err), PMS_EPARSE);
    assert_null(t);
    assert_non_null(strstr(err.msg, "bad_number2.csv:3:2: not a number: '12,3x' (column 'Global Sum')"));
    assert_int_equal(pms_table_load(FIX "dup_header.csv", NULL, &t, &err), PMS_EPARSE);
    assert_non_null(strstr(err.msg, "dup_header.csv:1:3: duplicate column 'global_sum'"));
}

static void test_join_and_notes(void **state)
{
    (void)state;
    pms_table *l = load(FIX "messy.csv");
    pms_table *r = load(FIX "join_right.csv");
    pms_err err = {{0}};
    assert_int_equal(pms_table_join(l, r, &err), PMS_OK);
    pms_table_free(r);
    assert_int_equal(l->nrows, 4);
    assert_true(col_at(l, "qof_points", 0) == 552.54); /* first of the duplicate rows */
    assert_true(isnan(col_at(l, "qof_points", 1)));    /* unmatched */
    assert_true(col_at(l, "qof_points", 2) == 400.5);
    assert_true(isnan(col_at(l, "imd2015", 2)));
    size_t unmatched = 0, dup = 0, unused = 0;
    for (size_t i = 0; i < l->nnotes; i++) {
        if (!strcmp(l->notes[i].what, "unmatched_key")) unmatched = l->notes[i].count;
        if (!strcmp(l->notes[i].what, "duplicate_key")) dup = l->notes[i].count;
        if (!strcmp(l->notes[i].what, "unused_key")) unused = l->notes[i].count;
    }
    assert_int_equal(unmatched, 2);
    assert_int_equal(dup, 1);
    assert_int_equal(unused, 1);
    assert_int_equal(l->nsources, 2);
    pms_table_free(l);
}

static void test_long_pivot(void **state)
{
    (void)state;
    pms_table *t = load(FIX "long.csv");
    assert_int_equal(t->nrows, 3);
    assert_string_equal(pms_table_col(t, "practice_code")->text[1], "A81002");
    assert_true(col_at(t, "imd2010", 0) == 25.5);
    assert_true(col_at(t, "imd2015", 0) == 27.25);
    assert_true(col_at(t, "imd2015", 1) == 31.0);
    assert_true(isnan(col_at(t, "imd2010", 1)));
    assert_true(isnan(col_at(t, "imd2019", 2)));
    pms_table_free(t);
}

static void test_where_derive(void **state)
{
    (void)state;
    const char *data[] = {FIX "messy.csv"};
    const char *derive[] = {"log_reg = log(registered_patients)", "ratio=(global_sum+mpig)/registered_patients"};
    const char *where[] = {"ccg_code=00k", "registered_patients > 100"};
    pms_data_opts o = {data, 1, derive, 2, where, 2};
    pms_table *t = NULL;
    pms_err err = {{0}};
    assert_int_equal(pms_dataset_open(&o, &t, &err), PMS_OK);
    assert_int_equal(t->nrows, 2);
    assert_true(fabs(col_at(t, "log_reg", 1) - log(2385.0)) < 1e-15);
    assert_true(fabs(col_at(t, "ratio", 0) - (369371.16 + 4218.48) / 4179.0) < 1e-12);
    pms_table_free(t);

    const char *bad_where[] = {"ccg_code<5"};
    pms_data_opts o2 = {data, 1, NULL, 0, bad_where, 1};
    assert_int_equal(pms_dataset_open(&o2, &t, &err), PMS_EUSAGE);
    assert_non_null(strstr(err.msg, "only = and != apply"));
    const char *bad_col[] = {"nosuch=1"};
    pms_data_opts o3 = {data, 1, NULL, 0, bad_col, 1};
    assert_int_equal(pms_dataset_open(&o3, &t, &err), PMS_ENOTFOUND);
    const char *bad_expr[] = {"x=log(registered_patients"};
    pms_data_opts o4 = {data, 1, bad_expr, 1, NULL, 0};
    assert_int_equal(pms_dataset_open(&o4, &t, &err), PMS_EUSAGE);
    assert_non_null(strstr(err.msg, "expected ')'"));
    const char *text_expr[] = {"x=practice_name*2"};
    pms_data_opts o5 = {data, 1, text_expr, 1, NULL, 0};
    assert_int_equal(pms_dataset_open(&o5, &t, &err), PMS_EUSAGE);
    assert_null(t);
}

/* NHS Digital's 2014/15 release: 7,959 practices, £7,990,324,160, registered
 * 56,633,982, weighted 56,625,849; by contract GMS 4,480 £4,186,936,974, PMS
 * 3,190 £3,590,588,507, APMS 289 £212,798,679.  The file holds whole pounds,
 * so sums of 7,959 rounded values may differ by up to about ±0.5 x sqrt(n)
 * ~ tens of pounds: the tolerance is £100 on totals, 20 weighted patients. */
static void test_published_2014_15(void **state)
{
    (void)state;
    pms_table *t = load(DS "nhs-payments/nhs-payments-gp-2014-15.csv");
    assert_int_equal(t->nrows, 7959);
    const pms_column *ct = pms_table_col(t, "contract_type");
    const double *tot, *reg, *wt;
    pms_err err = {{0}};
    assert_int_equal(pms_table_numeric(t, "total_payments", &tot, &err), PMS_OK);
    assert_int_equal(pms_table_numeric(t, "registered_patients", &reg, &err), PMS_OK);
    assert_int_equal(pms_table_numeric(t, "weighted_patients", &wt, &err), PMS_OK);
    double all = 0, r = 0, w = 0, by[3] = {0};
    size_t n[3] = {0};
    const char *types[3] = {"GMS", "PMS", "APMS"};
    for (size_t i = 0; i < t->nrows; i++) {
        all += tot[i];
        r += reg[i];
        w += wt[i];
        for (int k = 0; k < 3; k++)
            if (!strcmp(ct->text[i], types[k])) by[k] += tot[i], n[k]++;
    }
    assert_abs(all, 7990324160.0, 100.0);
    assert_true(r == 56633982.0);
    assert_abs(w, 56625849.0, 20.0);
    assert_int_equal(n[0], 4480);
    assert_int_equal(n[1], 3190);
    assert_int_equal(n[2], 289);
    assert_abs(by[0], 4186936974.0, 100.0);
    assert_abs(by[1], 3590588507.0, 100.0);
    assert_abs(by[2], 212798679.0, 100.0);
    assert_abs(all / r, 141.09, 0.005); /* published to the penny */
    pms_table_free(t);
}

static void test_every_layout_same_names(void **state)
{
    (void)state;
    static const char *files[] = {
        "nhs-payments-gp-2014-15.csv", "nhs-payments-gp-2015-16.csv",
        "original-nhs-digital-2015-16.csv", "nhs-payments-gp-2016-17.csv",
        "nhs-payments-gp-2017-18.csv", "nhs-payments-gp-2018-19.csv",
        "nhs-payments-gp-2019-20.csv"};
    static const char *want[] = {
        "practice_code", "practice_name", "ccg_code", "ccg_name", "region_code", "region_name",
        "contract_type", "registered_patients", "weighted_patients", "total_payments",
        "total_payments_net", "global_sum", "mpig", "pms_balance", "premises_payments",
        "seniority", "qof_payments", "deductions", "other_payments", "prescribing_fees"};
    static const size_t rows[] = {7959, 7841, 7841, 7763, 7543, 7279, 7001};
    for (size_t f = 0; f < sizeof files / sizeof *files; f++) {
        char path[512];
        snprintf(path, sizeof path, DS "nhs-payments/%s", files[f]);
        pms_table *t = load(path);
        assert_int_equal(t->nrows, rows[f]);
        for (size_t k = 0; k < sizeof want / sizeof *want; k++) {
            if (!pms_table_col(t, want[k])) print_error("%s lacks %s\n", files[f], want[k]);
            assert_non_null(pms_table_col(t, want[k]));
        }
        pms_err err = {{0}};
        assert_int_equal(pms_table_derive_standard(t, &err), PMS_OK);
        assert_non_null(pms_table_col(t, "core_per_weighted"));
        pms_table_free(t);
    }
    /* The original latin-1 file and its readable rename hold the same numbers. */
    pms_table *a = load(DS "nhs-payments/nhs-payments-gp-2015-16.csv");
    pms_table *b = load(DS "nhs-payments/original-nhs-digital-2015-16.csv");
    assert_int_equal(b->sources[0].latin1, 1);
    for (size_t k = 0; k < sizeof want / sizeof *want; k++) {
        const pms_column *x = pms_table_col(a, want[k]), *y = pms_table_col(b, want[k]);
        for (size_t i = 0; i < a->nrows; i++) {
            if (x->type == PMS_COL_NUM)
                assert_true(x->num[i] == y->num[i] || (isnan(x->num[i]) && isnan(y->num[i])));
            else if (x->text[i] && y->text[i])
                assert_string_equal(x->text[i], y->text[i]);
        }
    }
    pms_table_free(a);
    pms_table_free(b);
}

static void test_real_join(void **state)
{
    (void)state;
    const char *data[] = {DS "nhs-payments/nhs-payments-gp-2014-15.csv",
                          DS "practice-imd/practice-imd-fingertips-93553.csv"};
    const char *where[] = {"ccg_code=11H"};
    pms_data_opts o = {data, 2, NULL, 0, where, 1};
    pms_table *t = NULL;
    pms_err err = {{0}};
    assert_int_equal(pms_dataset_open(&o, &t, &err), PMS_OK);
    assert_int_equal(t->nrows, 55); /* Bristol CCG, as the issue says */
    const double *imd;
    assert_int_equal(pms_table_numeric(t, "imd2015", &imd, &err), PMS_OK);
    pms_table_free(t);

    pms_data_opts all = {data, 2, NULL, 0, NULL, 0};
    assert_int_equal(pms_dataset_open(&all, &t, &err), PMS_OK);
    const double *ppw;
    assert_int_equal(pms_table_numeric(t, "imd2015", &imd, &err), PMS_OK);
    assert_int_equal(pms_table_numeric(t, "payments_per_weighted", &ppw, &err), PMS_OK);
    size_t both = 0;
    for (size_t i = 0; i < t->nrows; i++) both += !isnan(imd[i]) && !isnan(ppw[i]);
    assert_in_range(both, 7700, 7900); /* "about 7,800" */
    pms_table_free(t);
}

/* Issue 17: an alias never takes a name a user could mean literally (pct is
 * not a CCG), and every column is found by its own header's snake_case name
 * as well as by the canonical one. */
static void test_own_header_names(void **state)
{
    (void)state;
    static const char csv[] = "Practice Code,CCG Code,pct,CL,Deprivation score (IMD 2015)\n"
                              "A81001,00K,5D8,430.16,29.14\n"
                              "A81002,00K,5D8,432.74,29.69\n";
    pms_table *t = NULL;
    pms_err err = {{0}};
    assert_int_equal(pms_table_load_mem("mem.csv", csv, sizeof csv - 1, NULL, &t, &err), PMS_OK);
    const pms_column *c = pms_table_col(t, "pct");
    assert_non_null(c);
    assert_string_equal(c->header, "pct");
    assert_string_equal(c->name, "pct");
    assert_string_equal(pms_table_col(t, "ccg_code")->header, "CCG Code");
    assert_string_equal(pms_table_col(t, "cl")->name, "qof_clinical");
    assert_string_equal(pms_table_col(t, "deprivation_score_imd_2015")->name, "imd2015");
    assert_rel(col_at(t, "cl", 1), 432.74, 0);
    assert_null(pms_table_col(t, "nosuch"));
    pms_table_free(t);
}

/* Duplicate and missing practice codes counted over many rows (a hash set
 * of row numbers with collisions): codes are compared upper-cased, so
 * "a12" repeats "A12". */
static void test_duplicate_codes(void **state)
{
    (void)state;
    enum { ROWS = 60000, DISTINCT = 7001 };
    size_t cap = (size_t)ROWS * 24 + 64, w = 0;
    char *csv = malloc(cap);
    assert_non_null(csv);
    w += (size_t)snprintf(csv + w, cap - w, "Practice Code,Total NHS Payments to General Practice\n");
    size_t missing = 0;
    for (size_t i = 0; i < ROWS; i++) {
        if (i % 97 == 5) {
            w += (size_t)snprintf(csv + w, cap - w, "%s,%zu\n", i % 2 ? "" : "NA", i);
            missing++;
            continue;
        }
        size_t k = (i * 7919) % DISTINCT;
        w += (size_t)snprintf(csv + w, cap - w, "%c%zu,%zu\n", i % 5 ? 'Q' : 'q', k, i);
    }
    pms_table *t = NULL;
    pms_err err = {{0}};
    assert_int_equal(pms_table_load_mem("dups.csv", csv, w, NULL, &t, &err), PMS_OK);
    size_t dup = 0, miss = 0;
    for (size_t i = 0; i < t->nnotes; i++) {
        if (!strcmp(t->notes[i].what, "duplicate_key")) dup = t->notes[i].count;
        if (!strcmp(t->notes[i].what, "missing_key")) miss = t->notes[i].count;
    }
    /* Every one of the DISTINCT codes occurs (7919 is prime to 7001, and
     * far more rows than codes have one): the rest repeat. */
    assert_int_equal(miss, missing);
    assert_int_equal(dup, ROWS - missing - DISTINCT);
    pms_table_free(t);
    free(csv);
}

/* pms_table_copy (issue 15): a copy equals a second load of the same files
 * field by field (numbers bit for bit, derived measures computed or not as
 * in the table copied), and it is independent: cutting its rows leaves the
 * table copied as it was.  Exact comparisons: nothing is computed. */
static void test_copy(void **state)
{
    (void)state;
    const char *data[] = {DS "nhs-payments/nhs-payments-gp-2014-15.csv",
                          DS "practice-imd/practice-imd-fingertips-93553.csv"};
    pms_data_opts o = {data, 2, NULL, 0, NULL, 0};
    pms_table *t = NULL, *again = NULL;
    pms_err err = {{0}};
    assert_int_equal(pms_dataset_open(&o, &t, &err), PMS_OK);
    assert_int_equal(pms_dataset_open(&o, &again, &err), PMS_OK);
    /* One derived measure computed before the copy, the others not. */
    size_t lazy = 0;
    for (size_t j = 0; j < t->ncols; j++) lazy += t->cols[j].lazy != NULL;
    assert_true(lazy >= 2);
    const double *v;
    assert_int_equal(pms_table_numeric(t, "payments_per_weighted", &v, &err), PMS_OK);
    assert_int_equal(pms_table_numeric(again, "payments_per_weighted", &v, &err), PMS_OK);
    assert_int_equal(pms_table_note(t, "copy_test", 3, "a note %d", 1), PMS_OK);
    assert_int_equal(pms_table_note(again, "copy_test", 3, "a note %d", 1), PMS_OK);
    pms_table *c = pms_table_copy(t);
    assert_non_null(c);
    size_t uncomputed = 0;
    for (size_t j = 0; j < c->ncols; j++) uncomputed += c->cols[j].lazy && !c->cols[j].num;
    assert_true(uncomputed >= 1); /* copied uncomputed, computed from the copy's own columns */
    pms_test_same_table(c, again, 1);
    /* Independent: the copy cut to half its rows, the original unchanged. */
    unsigned char *keep = malloc(c->nrows);
    assert_non_null(keep);
    for (size_t i = 0; i < c->nrows; i++) keep[i] = i % 2;
    assert_int_equal(pms_table_keep_rows(c, keep, &err), PMS_OK);
    assert_int_equal(c->nrows, t->nrows / 2);
    assert_int_equal(pms_table_note(c, "only_copy", 1, "x"), PMS_OK);
    pms_test_same_table(t, again, 0);
    pms_table *cc = pms_table_copy(c); /* a copy of a cut copy */
    assert_non_null(cc);
    pms_test_same_table(cc, c, 1);
    free(keep);
    pms_table_free(cc);
    pms_table_free(c);
    pms_table_free(again);
    pms_table_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_messy_typing),      cmocka_unit_test(test_latin1_aliases),
        cmocka_unit_test(test_bad_cells),         cmocka_unit_test(test_join_and_notes),
        cmocka_unit_test(test_long_pivot),        cmocka_unit_test(test_where_derive),
        cmocka_unit_test(test_published_2014_15), cmocka_unit_test(test_every_layout_same_names),
        cmocka_unit_test(test_real_join),         cmocka_unit_test(test_own_header_names),
        cmocka_unit_test(test_duplicate_codes),   cmocka_unit_test(test_copy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
