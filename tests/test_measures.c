/* ctest-labels: unit reference */
/* The income measures (io/table.c, doc/methods/measures-and-practices.md) on
 * every real year's file against an independent pandas computation
 * (tests/reference/measures.py -> measures.out), a missing input column as a
 * clear message, and the 2022/23 header remap.  The measures are computed
 * when first asked for (io/measures.c): that they hold no array before,
 * equal the formulas bit for bit after (also after rows are dropped, in a
 * join, and asked for by two threads at once). */
#include "testutil.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
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

/* The notes of the derived measures come in the order the measures are
 * derived, a measure that cannot be derived between two bad denominators,
 * although the bad-denominator counts are made after every measure is
 * added (one pass); and each measure's missing count is its own. */
static void test_notes_in_order(void **state)
{
    (void)state;
    /* (The expected notes are those the build before the one-pass counting
     * printed for this file with `pmsreview check`.) */
    const char csv[] = "Practice Code,Total NHS Payments to General Practice,"
                       "Number of Registered Patients (Last Known Figure),"
                       "Number of Weighted Patients (Last Known Figure),Global Sum,"
                       "MPIG Correction factor,Balance of PMS Expenditure,Premises Payments\n"
                       "A1,100,0,10,5,1,1,1\nA2,200,20,0,6,1,1,2\nA3,300,30,-1,7,1,1,3\n"
                       "A4,-,40,4,8,1,1,4\nA5,-,0,0,9,1,1,5\n";
    static const struct {
        const char *what;
        size_t count;
        const char *detail;
    } want[] = {
        {"bad_denominator", 1, "payments_per_registered: 1 practices have registered_patients <= 0, "
                               "so payments_per_registered is missing for them"},
        {"bad_denominator", 2, "payments_per_weighted: 2 practices have weighted_patients <= 0, so "
                               "payments_per_weighted is missing for them"},
        {"measure_unavailable", 0, "dispensing_payments: cannot be derived: mu.csv has no column "
                                   "'Prescribing Fee Payments' (canonical name prescribing_fees)"},
        {"measure_unavailable", 0, "payments_less_dispensing: cannot be derived: mu.csv has no "
                                   "column 'Prescribing Fee Payments' (canonical name "
                                   "prescribing_fees)"},
        {"measure_unavailable", 0, "payments_less_dispensing_premises: cannot be derived: mu.csv "
                                   "has no column 'Prescribing Fee Payments' (canonical name "
                                   "prescribing_fees)"},
        {"bad_denominator", 3, "core_per_weighted: 3 practices have weighted_patients <= 0, so "
                               "core_per_weighted is missing for them"},
        {"bad_denominator", 2, "*_per_registered: 2 practices have registered_patients <= 0, so "
                               "every measure per registered patient is missing for them"},
    };
    pms_table *t = NULL;
    pms_err err = {{0}};
    assert_int_equal(pms_table_load_mem("mu.csv", csv, sizeof csv - 1, NULL, &t, &err), PMS_OK);
    size_t before = t->nnotes;
    assert_int_equal(pms_table_derive_standard(t, &err), PMS_OK);
    assert_int_equal(t->nnotes - before, sizeof want / sizeof *want);
    for (size_t k = 0; k < sizeof want / sizeof *want; k++) {
        const pms_note *n = &t->notes[before + k];
        assert_string_equal(n->what, want[k].what);
        assert_int_equal(n->count, want[k].count);
        assert_string_equal(n->detail, want[k].detail);
    }
    /* Missing: a denominator <= 0, or the total missing (A4, A5). */
    assert_int_equal(pms_table_col(t, "payments_per_registered")->n_missing, 3);
    assert_int_equal(pms_table_col(t, "payments_per_weighted")->n_missing, 4);
    assert_int_equal(pms_table_col(t, "core_per_weighted")->n_missing, 3);
    assert_int_equal(pms_table_col(t, "core_per_registered")->n_missing, 2);
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

/* Every derived measure, with the formula it was always computed by, in
 * the same operations and order (a sum starts from 0 and adds +-1 times
 * each term; a ratio is missing when either side is or the denominator is
 * <= 0): the lazily computed values must be these doubles exactly. */
typedef struct {
    const char *name;
    char op;              /* 'r' ratio, 's' sum */
    const char *in[3];
    int sign[3];
} formula;

static const formula formulas[] = {
    {"payments_per_registered", 'r', {"total_payments", "registered_patients"}, {1, 1}},
    {"payments_per_weighted", 'r', {"total_payments", "weighted_patients"}, {1, 1}},
    {"dispensing_payments", 's', {"prescribing_fees", "dispensing_fees", "drug_reimbursement"}, {1, 1, 1}},
    {"payments_less_dispensing", 's', {"total_payments", "dispensing_payments"}, {1, -1}},
    {"payments_less_dispensing_premises", 's', {"payments_less_dispensing", "premises_payments"}, {1, -1}},
    {"core_payments", 's', {"global_sum", "mpig", "pms_balance"}, {1, 1, 1}},
    {"core_per_weighted", 'r', {"core_payments", "weighted_patients"}, {1, 1}},
    {"dispensing_payments_per_weighted", 'r', {"dispensing_payments", "weighted_patients"}, {1, 1}},
    {"payments_less_dispensing_per_weighted", 'r', {"payments_less_dispensing", "weighted_patients"}, {1, 1}},
    {"payments_less_dispensing_premises_per_weighted", 'r', {"payments_less_dispensing_premises", "weighted_patients"}, {1, 1}},
    {"dispensing_payments_per_registered", 'r', {"dispensing_payments", "registered_patients"}, {1, 1}},
    {"payments_less_dispensing_per_registered", 'r', {"payments_less_dispensing", "registered_patients"}, {1, 1}},
    {"payments_less_dispensing_premises_per_registered", 'r', {"payments_less_dispensing_premises", "registered_patients"}, {1, 1}},
    {"core_per_registered", 'r', {"core_payments", "registered_patients"}, {1, 1}},
};
enum { NFORM = sizeof formulas / sizeof *formulas };

static int same_double(double a, double b)
{
    if (isnan(a) || isnan(b)) return isnan(a) && isnan(b);
    return memcmp(&a, &b, sizeof a) == 0;
}

/* Formula f over the table's rows, its inputs asked for by name (a derived
 * input is then computed too, and checked in its own turn). */
static double *expected(pms_table *t, const formula *f)
{
    const double *in[3] = {NULL, NULL, NULL};
    pms_err err;
    for (size_t k = 0; k < 3 && f->in[k]; k++)
        assert_int_equal(pms_table_numeric(t, f->in[k], &in[k], &err), PMS_OK);
    double *v = malloc((t->nrows ? t->nrows : 1) * sizeof *v);
    assert_non_null(v);
    for (size_t i = 0; i < t->nrows; i++) {
        if (f->op == 'r') {
            double a = in[0][i], d = in[1][i];
            v[i] = isnan(a) || isnan(d) || d <= 0 ? NAN : a / d;
            continue;
        }
        double s = 0;
        for (size_t k = 0; k < 3 && in[k]; k++) s += f->sign[k] * in[k][i];
        v[i] = s;
    }
    return v;
}

/* The derived columns of t hold no values yet; n_missing is known. */
static size_t assert_all_lazy(const pms_table *t)
{
    size_t n = 0;
    for (size_t j = 0; j < t->ncols; j++)
        if (t->cols[j].source < 0) {
            assert_null(t->cols[j].num);
            n++;
        }
    return n;
}

/* Each measure asked for computes it, equal to its formula bit for bit,
 * with as many missing cells as it said before it was computed. */
static void assert_formulas(pms_table *t, size_t want_cols)
{
    size_t seen = 0;
    for (size_t m = 0; m < NFORM; m++) {
        int j = pms_table_col_index(t, formulas[m].name);
        if (j < 0) continue;
        seen++;
        size_t said = t->cols[j].n_missing;
        double *want = expected(t, &formulas[m]);
        const double *v;
        pms_err err;
        assert_int_equal(pms_table_numeric(t, formulas[m].name, &v, &err), PMS_OK);
        assert_ptr_equal(v, t->cols[j].num);
        size_t miss = 0;
        for (size_t i = 0; i < t->nrows; i++) {
            if (!same_double(v[i], want[i]))
                fail_msg("%s row %zu: %.17g, formula %.17g", formulas[m].name, i, v[i], want[i]);
            miss += isnan(v[i]) != 0;
        }
        assert_int_equal(miss, said);
        free(want);
    }
    assert_int_equal(seen, want_cols);
}

/* Edge cases no real file has: missing components, zero and negative
 * denominators, a sum that overflows to infinity, -0.0, a subnormal denominator. */
static const char edge_csv[] =
    "Practice Code,Total NHS Payments to General Practice,Prescribing Fee Payments,"
    "Dispensing Fee Payments,Reimbursement of Drugs,Premises Payments,Global Sum,"
    "MPIG Correction factor,Balance of PMS Expenditure,"
    "Number of Registered Patients (Last Known Figure),"
    "Number of Weighted Patients (Last Known Figure)\n"
    "A1,1000.5,1.25,2,3.1,10,700.3,0.1,0.2,1234,1500.75\n"
    "A2,2000.25,-,2,3,30,800,,5,0,-3\n"
    "A3,-,1,1,1,1,1,1,1,-,7\n"
    "A4,1e308,1e308,1e308,1,1,1e308,1e308,-1e308,3,0.5\n"
    "A5,0.3,0.1,0.2,0,0.1,-0.0,0,0,3,1e-300\n";

static void test_lazy_equal_formulas(void **state)
{
    (void)state;
    for (size_t y = 0; y < sizeof years / sizeof *years; y++) {
        pms_table *t = open_year(years[y]);
        assert_int_equal(assert_all_lazy(t), NFORM);
        assert_formulas(t, NFORM);
        pms_table_free(t);
    }
    pms_table *t = NULL;
    pms_err err = {{0}};
    assert_int_equal(pms_table_load_mem("edge.csv", edge_csv, sizeof edge_csv - 1, NULL, &t, &err), PMS_OK);
    assert_int_equal(pms_table_derive_standard(t, &err), PMS_OK);
    assert_int_equal(assert_all_lazy(t), NFORM);
    /* Counted before any value exists: A2 (registered 0, weighted -3), A3
     * (total and registered missing). */
    assert_int_equal(pms_table_col_index(t, "payments_per_registered") >= 0, 1);
    assert_int_equal(t->cols[pms_table_col_index(t, "payments_per_registered")].n_missing, 2);
    size_t bad = 0;
    for (size_t i = 0; i < t->nnotes; i++)
        if (!strcmp(t->notes[i].what, "bad_denominator") &&
            !strncmp(t->notes[i].detail, "payments_per_weighted:", 22))
            bad = t->notes[i].count;
    assert_int_equal(bad, 1);
    assert_formulas(t, NFORM);
    const double *v;
    assert_int_equal(pms_table_numeric(t, "payments_less_dispensing", &v, &err), PMS_OK);
    assert_true(isinf(v[3]) && v[3] < 0); /* 1e308 - (1e308 + 1e308 + 1) */
    pms_table_free(t);
}

/* Rows dropped before a measure is first asked for (--where): it is
 * computed from the rows kept, equal to dropping the same rows from the
 * values computed first; its missing count follows. */
static void test_lazy_after_keep_rows(void **state)
{
    (void)state;
    pms_table *a = open_year("2014-15"), *b = open_year("2014-15");
    size_t n = a->nrows;
    unsigned char *keep = malloc(n);
    assert_non_null(keep);
    const double *reg;
    pms_err err;
    assert_int_equal(pms_table_numeric(a, "registered_patients", &reg, &err), PMS_OK);
    for (size_t i = 0; i < n; i++) keep[i] = i % 3 != 1 && !(reg[i] > 12000);
    /* a: every measure computed, then rows dropped; b: rows dropped first,
     * except one measure computed before (both ways in one table). */
    double **full = calloc(NFORM, sizeof *full);
    assert_non_null(full);
    for (size_t m = 0; m < NFORM; m++) {
        const double *v;
        assert_int_equal(pms_table_numeric(a, formulas[m].name, &v, &err), PMS_OK);
        full[m] = malloc(n * sizeof **full);
        assert_non_null(full[m]);
        memcpy(full[m], v, n * sizeof **full);
    }
    const double *early;
    assert_int_equal(pms_table_numeric(b, "core_payments", &early, &err), PMS_OK);
    assert_int_equal(pms_table_keep_rows(a, keep, &err), PMS_OK);
    assert_int_equal(pms_table_keep_rows(b, keep, &err), PMS_OK);
    assert_int_equal(a->nrows, b->nrows);
    assert_true(b->nrows < n && b->nrows > n / 2);
    for (size_t m = 0; m < NFORM; m++) {
        int j = pms_table_col_index(b, formulas[m].name);
        assert_true(j >= 0);
        size_t said = b->cols[j].n_missing;
        assert_int_equal(said, a->cols[j].n_missing);
        const double *v;
        assert_int_equal(pms_table_numeric(b, formulas[m].name, &v, &err), PMS_OK);
        size_t w = 0, miss = 0;
        for (size_t i = 0; i < n; i++) {
            if (!keep[i]) continue;
            assert_true(same_double(v[w], full[m][i]));
            miss += isnan(v[w]) != 0;
            w++;
        }
        assert_int_equal(w, b->nrows);
        assert_int_equal(miss, said);
        free(full[m]);
    }
    assert_formulas(b, NFORM);
    free(full);
    free(keep);
    pms_table_free(a);
    pms_table_free(b);
}

/* A table whose measures are not computed yet, joined onto another: they
 * are computed to be copied. */
static void test_lazy_join(void **state)
{
    (void)state;
    pms_table *r = open_year("2014-15");
    pms_table *l = NULL;
    pms_err err = {{0}};
    char *path = pms_test_path(PMS_DATASETS_DIR, "nhs-payments/nhs-payments-gp-2014-15.csv");
    assert_int_equal(pms_table_load(path, NULL, &l, &err), PMS_OK);
    free(path);
    size_t before = l->ncols;
    assert_int_equal(pms_table_join(l, r, &err), PMS_OK);
    const double *got, *want;
    /* Same file both sides, one row per practice: row i matches row i. */
    assert_int_equal(pms_table_numeric(l, "payments_less_dispensing_premises_per_weighted", &got, &err), PMS_OK);
    assert_int_equal(pms_table_numeric(r, "payments_less_dispensing_premises_per_weighted", &want, &err), PMS_OK);
    assert_true(l->ncols > before);
    for (size_t i = 0; i < l->nrows; i++) assert_true(same_double(got[i], want[i]));
    pms_table_free(l);
    pms_table_free(r);
}

/* Two threads asking for the same measure at once get the same array. */
typedef struct {
    pms_table *t;
    const double *v;
    pms_status st;
} asker;

static void *ask(void *arg)
{
    asker *a = arg;
    pms_err err;
    a->st = pms_table_numeric(a->t, "payments_less_dispensing_premises_per_registered", &a->v, &err);
    return NULL;
}

static void test_lazy_two_threads(void **state)
{
    (void)state;
    for (int round = 0; round < 20; round++) {
        pms_table *t = open_year("2018-19");
        asker x = {t, NULL, PMS_EIO}, y = {t, NULL, PMS_EIO};
        pthread_t tx, ty;
        assert_int_equal(pthread_create(&tx, NULL, ask, &x), 0);
        assert_int_equal(pthread_create(&ty, NULL, ask, &y), 0);
        pthread_join(tx, NULL);
        pthread_join(ty, NULL);
        assert_int_equal(x.st, PMS_OK);
        assert_int_equal(y.st, PMS_OK);
        assert_ptr_equal(x.v, y.v);
        pms_table_free(t);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_against_pandas),
        cmocka_unit_test(test_missing_column_message),
        cmocka_unit_test(test_notes_in_order),
        cmocka_unit_test(test_2022_remap),
        cmocka_unit_test(test_lazy_equal_formulas),
        cmocka_unit_test(test_lazy_after_keep_rows),
        cmocka_unit_test(test_lazy_join),
        cmocka_unit_test(test_lazy_two_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
