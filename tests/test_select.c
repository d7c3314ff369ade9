/* ctest-labels: unit reference */
/* Which practices count (io/select.c): each rule's exclusions on every real
 * year's file against an independent pandas count (tests/reference/select.py
 * -> select.out), and the rules' edges on small inline files.  Then the
 * selection step (io/cases.c): complete cases, groups and exclusions by
 * reason on every real year against pandas (tests/reference/cases.py ->
 * cases.out), and each reason, order and option on a small inline file.
 * Last, the commands' computations and tables as library calls
 * (io/correlate_table, fairness_table, funnel_table) on inline files. */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/cases.h"
#include "io/correlate_table.h"
#include "io/fairness_table.h"
#include "io/funnel_table.h"
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

/* ---- the selection step (io/cases.h) ---- */

static long ref_count(const char *ref, const char *key)
{
    const char *p = strstr(ref, key);
    assert_non_null(p);
    return strtol(p + strlen(key), NULL, 10);
}

static void test_cases_real_years_against_pandas(void **state)
{
    (void)state;
    char *ref = pms_test_slurp(PMS_SOURCE_DIR "/tests/reference/cases.out");
    for (size_t y = 0; y < sizeof years / sizeof *years; y++) {
        char rel[128], key[160];
        snprintf(rel, sizeof rel, "nhs-payments/nhs-payments-gp-%s.csv", years[y]);
        char *path = pms_test_path(PMS_DATASETS_DIR, rel);
        pms_table *t = NULL;
        pms_err err = {{0}};
        assert_int_equal(pms_table_load(path, NULL, &t, &err), PMS_OK);
        free(path);
        const double *reg;
        assert_int_equal(pms_table_numeric(t, "registered_patients", &reg, &err), PMS_OK);
        unsigned char *keep = malloc(t->nrows);
        assert_non_null(keep);
        for (size_t i = 0; i < t->nrows; i++) keep[i] = reg[i] >= 1000;
        pms_case_col cols[2] = {{"total_payments", NULL, "amount", 0, PMS_CASE_NUMBER},
                                {"weighted_patients", NULL, "weight", 0, PMS_CASE_POSITIVE}};
        pms_cases_spec sp;
        pms_cases_spec_default(&sp);
        sp.cols = cols;
        sp.ncols = 2;
        sp.keep = keep;
        sp.group = "ccg_code";
        pms_cases c;
        assert_int_equal(pms_cases_select(t, &sp, &c, &err), PMS_OK);
        /* counts are exact */
        struct { const char *name; size_t got; } k[] = {
            {"n", c.n}, {"rule", c.rule}, {"missing_total", c.missing[0]},
            {"missing_weighted", c.missing[1]}, {"nonpositive_weighted", c.nonpositive[1]},
            {"no_group", c.no_group}, {"ngroups", c.ngroups}};
        for (size_t j = 0; j < sizeof k / sizeof *k; j++) {
            snprintf(key, sizeof key, "%s %s ", years[y], k[j].name);
            assert_int_equal(k[j].got, ref_count(ref, key));
        }
        assert_int_equal(c.n + c.excluded, t->nrows);
        for (size_t g = 0; g < c.ngroups; g += c.ngroups - 1) {
            snprintf(key, sizeof key, "%s group %s n ", years[y], c.group_name[g]);
            assert_int_equal(c.group_n[g], ref_count(ref, key));
            const char *ex = strstr(strstr(ref, key), "excluded ");
            assert_int_equal(c.group_excluded[g], strtol(ex + 9, NULL, 10));
            if (c.ngroups == 1) break;
        }
        double sum = 0;
        for (size_t i = 0; i < c.n; i++) sum += c.col[0][i];
        snprintf(key, sizeof key, "%s sum_total ", years[y]);
        /* pounds to the penny: the files hold pence, and a different order of
         * summation moves ~8e9 by ~1e-6 at most */
        assert_true(fabs(sum - strtod(strstr(ref, key) + strlen(key), NULL)) < 0.005);
        pms_cases_free(&c);
        free(keep);
        pms_table_free(t);
    }
    free(ref);
}

/* One practice per reason; P8 is dropped by the keep mask. */
static const char reasons_csv[] =
    "practice_code,ccg_code,ccg_name,x,w,r\n"
    "P1,B,Bee,1.5,2,7\n"    /* case (B) */
    "P2,A,,2.5,3,\n"        /* case (A), no r: kept, counted */
    "P3,B,Bee2,,4,1\n"      /* missing x */
    "P4,,,3.5,5,2\n"        /* no group */
    "P5,A,Ay,4.5,0,3\n"     /* w not positive */
    "P6,C,Cee,5.5,,4\n"     /* missing w */
    "P7,A,Ay,6.5,-1,5\n"    /* w not positive */
    "P8,B,Bee,7.5,8,6\n"    /* rule */
    "P9,A,Ay,8.5,9,8\n"     /* case (A) */
    "P10,,,,,\n";           /* missing x (group last) or no group (group first) */

static const unsigned char reasons_keep[10] = {1, 1, 1, 1, 1, 1, 1, 0, 1, 1};

static void reasons_spec(pms_cases_spec *sp, pms_case_col *cols)
{
    cols[0] = (pms_case_col){"x", NULL, "x", 0, PMS_CASE_NUMBER};
    cols[1] = (pms_case_col){"w", NULL, "weight", 0, PMS_CASE_POSITIVE};
    cols[2] = (pms_case_col){"r", NULL, "rank", 0, PMS_CASE_OPTIONAL};
    pms_cases_spec_default(sp);
    sp->cols = cols;
    sp->ncols = 3;
    sp->keep = reasons_keep;
    sp->group = "ccg_code";
    sp->label = "ccg_name";
    sp->min_cases = 2;
}

static void test_cases_reasons_group_last(void **state)
{
    (void)state;
    pms_table *t = mem(reasons_csv);
    pms_case_col cols[3];
    pms_cases_spec sp;
    reasons_spec(&sp, cols);
    pms_cases c;
    pms_err err = {{0}};
    assert_int_equal(pms_cases_select(t, &sp, &c, &err), PMS_OK);
    assert_int_equal(c.nrows, 10);
    assert_int_equal(c.n, 3);
    assert_int_equal(c.excluded, 7);
    assert_int_equal(c.rule, 1);
    assert_int_equal(c.missing[0], 2);   /* P3, P10 */
    assert_int_equal(c.missing[1], 1);   /* P6 */
    assert_int_equal(c.nonpositive[1], 2); /* P5, P7 */
    assert_int_equal(c.nonpositive[0], 0);
    assert_int_equal(c.no_group, 1);     /* P4 */
    assert_int_equal(c.optional_missing[2], 1); /* P2 */
    /* cases in table order, with their rows and groups (sorted: A, B, C) */
    assert_int_equal(c.row[0], 0);
    assert_int_equal(c.row[1], 1);
    assert_int_equal(c.row[2], 8);
    assert_true(c.col[0][0] == 1.5 && c.col[0][1] == 2.5 && c.col[0][2] == 8.5);
    assert_true(isnan(c.col[2][1]));
    assert_int_equal(c.ngroups, 3);
    assert_string_equal(c.group_name[0], "A");
    assert_string_equal(c.group_name[1], "B");
    assert_string_equal(c.group_name[2], "C");
    assert_string_equal(c.group_label[0], "Ay"); /* P2 has no name: the first non-empty */
    assert_string_equal(c.group_label[1], "Bee");
    assert_int_equal(c.group[0], 1);
    assert_int_equal(c.group[1], 0);
    assert_int_equal(c.group_n[0], 2);
    assert_int_equal(c.group_n[1], 1);
    assert_int_equal(c.group_n[2], 0);
    assert_int_equal(c.group_excluded[0], 2); /* P5, P7 */
    assert_int_equal(c.group_excluded[1], 1); /* P3 (P8 is the rule's) */
    assert_int_equal(c.group_excluded[2], 1); /* P6 */
    assert_false(c.too_few[0]);
    assert_true(c.too_few[1]);
    assert_true(c.too_few[2]);
    double v[4];
    assert_int_equal(pms_cases_gather(&c, 0, 0, v, 1), 2);
    assert_true(v[0] == 2.5 && v[1] == 8.5);
    assert_int_equal(pms_cases_gather(&c, 1, PMS_ALL_GROUPS, v, 1), 3);
    assert_true(v[0] == 2 && v[1] == 3 && v[2] == 9);
    assert_int_equal(pms_cases_group_id(&c, "C"), 2);
    assert_int_equal(pms_cases_group_id(&c, "Z"), PMS_NO_GROUP);
    /* the reasons, in the order rows are tested, optional last */
    pms_excl e[8];
    size_t ne = pms_cases_reasons(&c, &sp, e, 8);
    assert_int_equal(ne, 6);
    static const pms_excl_why why[6] = {PMS_EXCL_RULE, PMS_EXCL_MISSING, PMS_EXCL_MISSING,
                                        PMS_EXCL_NONPOSITIVE, PMS_EXCL_NO_GROUP, PMS_EXCL_OPTIONAL};
    static const size_t count[6] = {1, 2, 1, 2, 1, 1};
    static const char *const column[6] = {NULL, "x", "w", "w", "ccg_code", "r"};
    for (size_t j = 0; j < 6; j++) {
        assert_int_equal(e[j].why, why[j]);
        assert_int_equal(e[j].count, count[j]);
        if (column[j]) assert_string_equal(e[j].column, column[j]);
    }
    assert_string_equal(e[3].reason, "not positive");
    assert_int_equal(pms_cases_reasons(&c, &sp, e, 2), 2); /* capped */
    pms_cases_free(&c);
    pms_cases_free(&c); /* a freed result frees again as a no-op */
    pms_table_free(t);
}

static void test_cases_group_first_and_options(void **state)
{
    (void)state;
    pms_table *t = mem(reasons_csv);
    pms_case_col cols[3];
    pms_cases_spec sp;
    reasons_spec(&sp, cols);
    sp.group_first = 1;
    sp.groups_of_cases = 1;
    sp.order = PMS_GROUPS_FIRST_SEEN;
    pms_cases c;
    pms_err err = {{0}};
    assert_int_equal(pms_cases_select(t, &sp, &c, &err), PMS_OK);
    assert_int_equal(c.n, 3);
    assert_int_equal(c.no_group, 2);   /* P4 and P10, before their columns */
    assert_int_equal(c.missing[0], 1); /* P3 only */
    assert_int_equal(c.ngroups, 2);    /* C has no case; B seen first */
    assert_string_equal(c.group_name[0], "B");
    assert_string_equal(c.group_name[1], "A");
    assert_int_equal(c.group_excluded[0], 1);
    assert_int_equal(c.group_excluded[1], 2);
    pms_excl e[8];
    assert_int_equal(pms_cases_reasons(&c, &sp, e, 8), 6);
    assert_int_equal(e[1].why, PMS_EXCL_NO_GROUP);
    pms_cases_free(&c);

    /* Ungrouped practices kept (the trend's "All"), no keep mask, no group order asked. */
    reasons_spec(&sp, cols);
    sp.keep = NULL;
    sp.keep_ungrouped = 1;
    assert_int_equal(pms_cases_select(t, &sp, &c, &err), PMS_OK);
    assert_int_equal(c.n, 5); /* P1, P2, P4, P8, P9 */
    assert_int_equal(c.no_group, 0);
    assert_int_equal(c.group[2], PMS_NO_GROUP);
    assert_int_equal(c.group_n[1], 2); /* B: P1, P8 */
    pms_cases_free(&c);

    /* Without a group column: one group, unnamed, of every case. */
    reasons_spec(&sp, cols);
    sp.group = NULL;
    assert_int_equal(pms_cases_select(t, &sp, &c, &err), PMS_OK);
    assert_int_equal(c.ngroups, 1);
    assert_null(c.group_name[0]);
    assert_int_equal(c.n, 4); /* P4 is now a case */
    assert_int_equal(c.group_n[0], 4);
    assert_int_equal(c.group_excluded[0], 5); /* every column exclusion */
    pms_cases_free(&c);

    /* Arrays already fetched instead of names. */
    const double *xv;
    assert_int_equal(pms_table_numeric(t, "x", &xv, &err), PMS_OK);
    pms_case_col one = {"x", xv, "x", 0, PMS_CASE_POSITIVE};
    pms_cases_spec_default(&sp);
    sp.cols = &one;
    sp.ncols = 1;
    assert_int_equal(pms_cases_select(t, &sp, &c, &err), PMS_OK);
    assert_int_equal(c.n, 8);
    assert_int_equal(c.missing[0], 2);
    pms_cases_free(&c);
    pms_table_free(t);
}

static void test_cases_errors(void **state)
{
    (void)state;
    pms_table *t = mem(reasons_csv);
    pms_case_col cols[3];
    pms_cases_spec sp;
    pms_cases c;
    pms_err err = {{0}};
    /* A weight <= 0 that must be > 0: an error naming role, column and row. */
    reasons_spec(&sp, cols);
    cols[1].need = PMS_CASE_POSITIVE_OR_FAIL;
    assert_int_equal(pms_cases_select(t, &sp, &c, &err), PMS_EDOMAIN);
    assert_string_equal(err.role, "weight");
    assert_string_equal(err.column, "w");
    assert_int_equal(err.row, 5); /* P5, the first to reach w with w <= 0 */
    assert_string_equal(err.msg, "weight 'w' is 0 in row 5: it must be > 0");
    assert_null(c.col); /* nothing left allocated */
    /* A column the table lacks: named, with its role. */
    reasons_spec(&sp, cols);
    cols[0].name = "nope";
    assert_int_equal(pms_cases_select(t, &sp, &c, &err), PMS_ENOTFOUND);
    assert_string_equal(err.role, "x");
    assert_string_equal(err.column, "nope");
    assert_non_null(strstr(err.msg, "nope"));
    /* A group column with no value left: nothing to group by. */
    static const unsigned char none[10] = {0};
    reasons_spec(&sp, cols);
    sp.keep = none;
    assert_int_equal(pms_cases_select(t, &sp, &c, &err), PMS_ETOOFEW);
    assert_string_equal(err.msg, "column 'ccg_code' has no values: nothing to group by");
    assert_string_equal(err.column, "ccg_code");
    /* Bad specs. */
    pms_cases_spec_default(&sp);
    assert_int_equal(pms_cases_select(t, &sp, &c, &err), PMS_EUSAGE);
    pms_table_free(t);
    /* pms_err_set clears what an earlier error said about its input. */
    pms_err_at(&err, PMS_EDOMAIN, "weight", 2, "w", 9, "first");
    assert_int_equal(pms_err_set(&err, PMS_EIO, "second"), PMS_EIO);
    assert_string_equal(err.msg, "second");
    assert_string_equal(err.role, "");
    assert_int_equal(err.index + err.row, 0);
}

/* The index of the table called `name` in out[0..n), or -1. */
static int table_at(pms_out *const *out, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(pms_out_name(out[i]), name)) return (int)i;
    return -1;
}

static int col_at(const pms_out *o, const char *key)
{
    for (size_t j = 0; j < pms_out_ncols(o); j++)
        if (!strcmp(pms_out_key(o, j), key)) return (int)j;
    return -1;
}

/* The commands' computations as library calls, on the same inline file. */
static void test_tables_through_the_step(void **state)
{
    (void)state;
    pms_table *t = mem(reasons_csv);
    pms_err err = {{0}};
    /* fairness: value x > 0, weight w > 0, a group */
    pms_fair_table f;
    pms_fair_table_opts fo = {"x", "w", "ccg_code", NULL, 0, 1, 1, 0.95};
    assert_int_equal(pms_fair_table_compute(t, &fo, &f, &err), PMS_OK);
    assert_int_equal(f.n, 4); /* P1, P2, P8, P9 */
    assert_int_equal(f.missing_value, 2);
    assert_int_equal(f.missing_weight, 1);
    assert_int_equal(f.nonpositive_weight, 2);
    assert_int_equal(f.missing_group, 1);
    assert_int_equal(f.ngroups, 2); /* C has no kept practice */
    assert_string_equal(f.gname[1], "B");
    assert_non_null(f.groups);
    assert_int_equal(f.groups[1].n, 2);
    /* its tables: wide (CSV/JSON) or long (text), the Lorenz curve, groups, excluded */
    pms_out *out[PMS_FAIR_TABLE_MAXOUT];
    size_t nout = 0;
    assert_int_equal(pms_fair_table_out(t, &fo, &f, 0, out, &nout, &err), PMS_OK);
    assert_int_equal(nout, 4);
    assert_int_equal(table_at(out, nout, "fairness"), 0);
    assert_int_equal(pms_out_nrows(out[1]), 101); /* every percentile */
    assert_int_equal(table_at(out, nout, "groups"), 2);
    assert_int_equal(pms_out_nrows(out[2]), 2);
    assert_int_equal(pms_out_nrows(out[3]), 4); /* missing x, w missing, w <= 0, no group */
    for (size_t i = 0; i < nout; i++) pms_out_free(out[i]);
    assert_int_equal(pms_fair_table_out(t, &fo, &f, 1, out, &nout, &err), PMS_OK);
    assert_int_equal(table_at(out, nout, "measures"), 0);
    assert_int_equal(pms_out_nrows(out[1]), 11); /* deciles */
    for (size_t i = 0; i < nout; i++) pms_out_free(out[i]);
    pms_fair_table_free(&f);
    fo.group = "nope";
    assert_int_equal(pms_fair_table_compute(t, &fo, &f, &err), PMS_ENOTFOUND);
    assert_string_equal(err.column, "nope");
    /* correlations by group: a group with too few says so in its row */
    static const char *const ys[1] = {"r"};
    static const pms_corr_method sp[1] = {PMS_CORR_SPEARMAN};
    pms_corr_table_opts co = {"x", ys, 1, sp, 1, NULL, NULL, 0, "ccg_code", 0, 1, 1, 0.95,
                              PMS_ADJ_HOLM, NAN, 0.8, NULL, NULL};
    pms_corr_table_result cr;
    assert_int_equal(pms_corr_table(t, &co, &cr, &err), PMS_OK);
    assert_int_equal(cr.nrows, 3); /* A, B, C */
    assert_string_equal(cr.rows[0].group, "A");
    assert_int_equal(cr.rows[0].n, 3); /* P5, P7, P9 */
    assert_true(cr.rows[0].ok);
    assert_int_equal(cr.rows[1].n, 2); /* B: P1, P8 */
    assert_int_equal(cr.rows[1].n_excluded, 1); /* P3 */
    assert_false(cr.rows[1].ok);
    assert_string_equal(cr.rows[1].reason, "cannot compute: only 2 practices have both 'x' and 'r': "
                                           "too few (need at least 3)");
    assert_true(isnan(cr.rows[1].p_adj));
    assert_int_equal(cr.nexcluded[0], 3); /* missing x (2), missing r (1), no group (1) */
    assert_int_equal(cr.excluded[0][0].count, 2);
    assert_int_equal(cr.excluded[0][2].why, PMS_EXCL_NO_GROUP);
    /* its tables: a row per group (B's says why it has no number), excluded */
    pms_out *cout[PMS_CT_NOUT];
    assert_int_equal(pms_corr_table_out(t, &co, &cr, cout, &err), PMS_OK);
    assert_string_equal(pms_out_name(cout[0]), "results");
    assert_int_equal(pms_out_nrows(cout[0]), 3);
    const char *verdict;
    assert_true(pms_out_get(cout[0], 1, (size_t)col_at(cout[0], "verdict"), NULL, &verdict));
    assert_string_equal(verdict, cr.rows[1].reason);
    assert_int_equal(pms_out_nnotes(cout[0]), 1); /* with by: no sentence per result */
    assert_int_equal(pms_out_nrows(cout[1]), 3);
    for (size_t i = 0; i < PMS_CT_NOUT; i++) pms_out_free(cout[i]);
    pms_corr_table_result_free(&cr);
    /* without a group: one row of every case */
    co.by = NULL;
    assert_int_equal(pms_corr_table(t, &co, &cr, &err), PMS_OK);
    assert_int_equal(cr.nrows, 1);
    assert_int_equal(cr.rows[0].n, 7);
    assert_null(cr.rows[0].group);
    assert_int_equal(pms_corr_table_out(t, &co, &cr, cout, &err), PMS_OK);
    assert_int_equal(pms_out_nnotes(cout[0]), 2); /* the result in one sentence, then the key */
    assert_non_null(strstr(pms_out_note(cout[0], 0), "r vs x: Spearman"));
    for (size_t i = 0; i < PMS_CT_NOUT; i++) pms_out_free(cout[i]);
    pms_corr_table_result_free(&cr);
    /* a weight <= 0 on a practice with x and y: an error at its row */
    co.weight = "w";
    assert_int_equal(pms_corr_table(t, &co, &cr, &err), PMS_EDOMAIN);
    assert_string_equal(err.role, "weight");
    assert_int_equal(err.row, 5);
    assert_null(cr.rows);
    pms_table_free(t);
}

static const char funnel_csv[] =
    "practice_code,k,n\n"
    "F1,3,10\n"     /* kept: 0.3 */
    "F2,4,20\n"     /* kept: 0.2 */
    "F3,,30\n"      /* missing value */
    "F4,5,0\n"      /* size not positive */
    "F5,7,40\n"     /* kept: 0.175 */
    "F6,2,-5\n"     /* size not positive */
    "F7,9,30\n";    /* kept: 0.3 */

/* funnel: the selection, the reading of proportions, the fit and the tables. */
static void test_funnel_table(void **state)
{
    (void)state;
    pms_table *t = mem(funnel_csv);
    pms_err err = {{0}};
    pms_funnel_table_opts o;
    memset(&o, 0, sizeof o);
    o.value = "k";
    o.size = "n";
    pms_funnel_opts_default(&o.fit);
    o.fit.type = PMS_FUNNEL_PROPORTION;
    pms_funnel_table f;
    assert_int_equal(pms_funnel_table_compute(t, &o, &f, &err), PMS_OK);
    assert_int_equal(f.cs.n, 4);
    assert_string_equal(f.input, "count"); /* AUTO: whole numbers from 0 to the size */
    assert_true(f.value[0] == 0.3);     /* 3/10, one correctly rounded division */
    assert_true(f.value[2] == 0.175);   /* 7/40 */
    assert_true(f.size[2] == 40);
    /* The pooled proportion is 23/100 by hand; 1e-15 relative covers the
     * rounding of four products and their sum. */
    assert_rel(f.r.target, 0.23, 1e-15);
    assert_string_equal(f.label[1], "99.8"); /* %g of 100 x the default 0.998 */
    assert_string_equal(f.key[1], "99_8");
    assert_non_null(f.code);
    /* CSV/JSON: all five tables, in order. */
    pms_out *out[PMS_FUNNEL_TABLE_MAXOUT];
    size_t n = 0, notes = t->nnotes;
    assert_int_equal(pms_funnel_table_out(t, &o, &f, 0, out, &n, &err), PMS_OK);
    assert_int_equal(n, 5);
    static const char *const names[5] = {"funnel", "outliers", "units", "limits", "excluded"};
    for (size_t i = 0; i < 5; i++) assert_int_equal(table_at(out, n, names[i]), (int)i);
    double v;
    const char *s;
    assert_true(pms_out_get(out[0], 0, (size_t)col_at(out[0], "n_excluded"), &v, NULL));
    assert_true(v == 3);
    assert_true(pms_out_get(out[0], 0, (size_t)col_at(out[0], "input"), NULL, &s));
    assert_string_equal(s, "count");
    assert_true(col_at(out[0], "outside_99_8") > 0);
    assert_int_equal(col_at(out[0], "tau2_applied"), (int)pms_out_ncols(out[0]) - 1);
    assert_int_equal(pms_out_nrows(out[2]), 4);
    assert_true(pms_out_get(out[2], 2, 0, NULL, &s)); /* the third kept practice */
    assert_string_equal(s, "F5");
    assert_true(col_at(out[3], "high_95") > 0);
    assert_int_equal(pms_out_nrows(out[3]), f.r.ngrid);
    /* excluded: missing value (F3), size not positive (F4, F6); noted on t */
    assert_int_equal(pms_out_nrows(out[4]), 2);
    assert_true(pms_out_get(out[4], 1, 2, &v, NULL));
    assert_true(v == 2);
    assert_int_equal(t->nnotes, notes + 2);
    assert_string_equal(t->notes[notes + 1].what, "funnel_nonpositive");
    for (size_t i = 0; i < n; i++) pms_out_free(out[i]);
    /* text: no units or limit curves */
    assert_int_equal(pms_funnel_table_out(t, &o, &f, 1, out, &n, &err), PMS_OK);
    assert_int_equal(n, 3);
    assert_int_equal(table_at(out, n, "excluded"), 2);
    for (size_t i = 0; i < n; i++) pms_out_free(out[i]);
    pms_funnel_table_free(&f);
    /* Labels as the caller wrote them; keys from them. */
    o.fit.levels[0] = 0.9;
    o.fit.levels[1] = 0.9995;
    o.label[1] = "99.95";
    assert_int_equal(pms_funnel_table_compute(t, &o, &f, &err), PMS_OK);
    assert_string_equal(f.label[0], "90");
    assert_string_equal(f.key[1], "99_95");
    pms_funnel_table_free(&f);
    o.label[1] = "a label far too long";
    assert_int_equal(pms_funnel_table_compute(t, &o, &f, &err), PMS_EUSAGE);
    pms_table_free(t);
}

/* funnel: values that break the reading are errors at their row, by role. */
static void test_funnel_table_errors(void **state)
{
    (void)state;
    pms_table *t = mem("practice_code,k,n\nE1,3,10\nE2,12.5,20\nE3,150,200\nE4,2,10.5\n");
    pms_err err = {{0}};
    pms_funnel_table_opts o;
    memset(&o, 0, sizeof o);
    o.value = "k";
    o.size = "n";
    pms_funnel_opts_default(&o.fit);
    o.fit.type = PMS_FUNNEL_PROPORTION;
    pms_funnel_table f;
    /* A denominator that is not whole comes first, whatever the reading. */
    assert_int_equal(pms_funnel_table_compute(t, &o, &f, &err), PMS_EPARSE);
    assert_string_equal(err.role, "size");
    assert_int_equal(err.row, 4);
    assert_string_equal(err.msg, "sel.csv:5: n is 10.5: a denominator must be a whole number");
    assert_null(f.cs.col); /* nothing left allocated */
    /* AUTO, neither counts (12.5) nor percentages (150): role "input". */
    o.size = "n2";
    pms_table_free(t);
    t = mem("practice_code,k,n2\nE1,3,10\nE2,12.5,20\nE3,150,200\n");
    assert_int_equal(pms_funnel_table_compute(t, &o, &f, &err), PMS_EPARSE);
    assert_string_equal(err.role, "input");
    assert_string_equal(err.column, "k");
    assert_int_equal(err.row, 2);
    assert_string_equal(err.msg, "sel.csv:3: k is 12.5, not a whole number, so the values are not "
                                 "counts; nor percentages (line 4: 150 is not between 0 and 100)");
    /* Counts asked for: the first that is not one. */
    o.input = PMS_FUNNEL_INPUT_COUNT;
    assert_int_equal(pms_funnel_table_compute(t, &o, &f, &err), PMS_EPARSE);
    assert_string_equal(err.role, "value");
    assert_string_equal(err.msg, "sel.csv:3: k is 12.5: a count must be a whole number, 0 or more");
    /* A column the table lacks. */
    o.value = "nope";
    assert_int_equal(pms_funnel_table_compute(t, &o, &f, &err), PMS_ENOTFOUND);
    assert_string_equal(err.column, "nope");
    o.value = NULL;
    assert_int_equal(pms_funnel_table_compute(t, &o, &f, &err), PMS_EUSAGE);
    pms_funnel_table_free(&f); /* a failed call's result is fine to free */
    pms_table_free(t);
}

/* Regression rows through the selection step give what the array-level
 * pms_reg_select gives (counts, order, logs), and a weight <= 0 is an error
 * naming its row. */
static void test_cases_regression(void **state)
{
    (void)state;
    static const char csv[] = "practice_code,y,x1,x2,w\n"
                              "A,2,1,5,1\n"
                              "B,,1,5,1\n"     /* y missing */
                              "C,-3,1,5,1\n"   /* y not positive (logged) */
                              "D,4,,5,1\n"     /* x1 missing */
                              "E,8,2,7,\n"     /* weight missing */
                              "F,16,3,9,2\n"
                              "G,32,5,2,3\n";
    pms_table *t = mem(csv);
    const char *names[3] = {"y", "x1", "x2"};
    const int lg[3] = {1, 0, 0};
    double y[7], X[14], w[7], y2[7], X2[14], w2[7];
    pms_reg_rows a, b;
    pms_err err = {{0}};
    assert_int_equal(pms_cases_regression(t, names, lg, 3, "w", y, X, w, &a, &err), PMS_OK);
    const double *cols[3], *wc;
    for (int j = 0; j < 3; j++) assert_int_equal(pms_table_numeric(t, names[j], &cols[j], &err), 0);
    assert_int_equal(pms_table_numeric(t, "w", &wc, &err), 0);
    assert_int_equal(pms_reg_select(cols, lg, 3, t->nrows, wc, y2, X2, w2, &b, &err), PMS_OK);
    assert_int_equal(a.used, 3);
    assert_int_equal(a.used, b.used);
    assert_int_equal(a.rows, 7);
    assert_int_equal(a.missing[0], 1);
    assert_int_equal(a.nonpositive[0], 1);
    assert_int_equal(a.missing[1], 1);
    assert_int_equal(a.weight_missing, 1);
    for (int j = 0; j < 3; j++) {
        assert_int_equal(a.missing[j], b.missing[j]);
        assert_int_equal(a.nonpositive[j], b.nonpositive[j]);
    }
    for (size_t i = 0; i < a.used; i++) {
        assert_true(y[i] == y2[i] && w[i] == w2[i]);
        assert_true(X[2 * i] == X2[2 * i] && X[2 * i + 1] == X2[2 * i + 1]);
    }
    assert_true(y[1] == log(16.0));
    pms_table_free(t);
    static const char bad[] = "practice_code,y,x1,w\nA,1,1,1\nB,2,2,0\n";
    t = mem(bad);
    assert_int_equal(pms_cases_regression(t, names, lg, 2, "w", y, X, w, &a, &err), PMS_EDOMAIN);
    assert_int_equal(a.bad_row, 1);
    assert_string_equal(err.role, "weight");
    pms_table_free(t);
}

/* Groups numbered as the comparison sort numbered them (io/cases.c sorts
 * the group values by their first 8 bytes, then the runs sharing those):
 * values shorter than, exactly and longer than 8 bytes, sharing prefixes
 * of every length, bytes above 0x7F (UTF-8) that strcmp orders after
 * ASCII; sorted order and first-seen order; the label of each group the
 * first non-empty one in table order. */
static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void test_cases_group_order(void **state)
{
    (void)state;
    static const char *const pool[] = {
        "A",         "AB",        "ABCDEFG",    "ABCDEFGH",   "ABCDEFGHI",  "ABCDEFGHJ",
        "ABCDEFGHIJKLMNOP",       "ABCDEFGHIJKLMNOQ",        "ABCDEFGH\xc3\xa9", "ABCDEFG\xc3\xa9",
        "\xc3\xa9",  "\xc3\xa9t\xc3\xa9", "zz",     "Z",          "00C",        "A81001",
        "NHS Bristol CCG",        "NHS Bristol",             "NHS Bristol North", "B",
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "ABCDEFGHIJKLMNOPQRSTUVWXY", "a", "ab"};
    enum { NPOOL = sizeof pool / sizeof *pool, ROWS = 3000 };
    static char csv[ROWS * 64 + 32];
    static int gof[ROWS];
    static char haslab[ROWS];
    size_t len = (size_t)snprintf(csv, sizeof csv, "g,lab,x\n");
    uint64_t x = 0xD1B54A32D192ED03ULL;
    for (int r = 0; r < ROWS; r++) {
        pms_test_xorshift(&x);
        gof[r] = (int)(x % NPOOL);
        haslab[r] = (x >> 20) % 3 == 0;
        char lab[16] = "";
        if (haslab[r]) snprintf(lab, sizeof lab, "L%d", r);
        len += (size_t)snprintf(csv + len, sizeof csv - len, "%s,%s,%d\n", pool[gof[r]], lab, r);
    }
    pms_table *t = NULL;
    t = mem(csv);
    const char *sorted[NPOOL];
    memcpy(sorted, pool, sizeof sorted);
    qsort(sorted, NPOOL, sizeof *sorted, cmp_cstr);
    for (int order = 0; order < 2; order++) {
        pms_case_col cols[1] = {{"x", NULL, "x", 0, PMS_CASE_NUMBER}};
        pms_cases_spec sp;
        pms_cases_spec_default(&sp);
        sp.cols = cols;
        sp.ncols = 1;
        sp.group = "g";
        sp.label = "lab";
        sp.order = order ? PMS_GROUPS_FIRST_SEEN : PMS_GROUPS_SORTED;
        pms_cases c;
        pms_err err = {{0}};
        assert_int_equal(pms_cases_select(t, &sp, &c, &err), PMS_OK);
        assert_int_equal(c.n, ROWS);
        assert_int_equal(c.ngroups, NPOOL);
        int seen[NPOOL] = {0}, nseen = 0;
        for (int r = 0; r < ROWS; r++) {
            const char *g = pool[gof[r]];
            assert_string_equal(c.group_name[c.group[r]], g);
            if (!seen[gof[r]]++) {
                if (order) assert_int_equal(c.group[r], nseen); /* first seen */
                nseen++;
            }
        }
        for (size_t k = 0; k < NPOOL; k++) {
            if (!order) assert_string_equal(c.group_name[k], sorted[k]);
            const char *want = NULL; /* the first non-empty label in table order */
            char buf[16];
            for (int r = 0; r < ROWS && !want; r++)
                if (haslab[r] && !strcmp(pool[gof[r]], c.group_name[k])) {
                    snprintf(buf, sizeof buf, "L%d", r);
                    want = buf;
                }
            if (want) assert_string_equal(c.group_label[k], want);
            else assert_null(c.group_label[k]);
        }
        pms_cases_free(&c);
    }
    pms_table_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_years_against_pandas),
        cmocka_unit_test(test_rules_edges),
        cmocka_unit_test(test_bad_date_and_missing_columns),
        cmocka_unit_test(test_cases_real_years_against_pandas),
        cmocka_unit_test(test_cases_reasons_group_last),
        cmocka_unit_test(test_cases_group_first_and_options),
        cmocka_unit_test(test_cases_errors),
        cmocka_unit_test(test_tables_through_the_step),
        cmocka_unit_test(test_funnel_table),
        cmocka_unit_test(test_funnel_table_errors),
        cmocka_unit_test(test_cases_regression),
        cmocka_unit_test(test_cases_group_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
