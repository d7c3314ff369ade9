/* The loader typed on two cores (pms_load_opts.threads = 2, forced even on
 * small files) against one thread (threads = 1): the same table, bit for
 * bit and byte for byte, and the same error, on generated files around the
 * chunk size (8,192 rows) with inferred columns that turn to text in every
 * chunk (first tile, last row of a chunk, the last partial chunk), numeric
 * columns with bad cells in late chunks, text that repeats and text that
 * does not.  Which thread types which columns of a chunk is decided while
 * loading, so each threaded load is run several times.  The first
 * non-number of a column and the error's line are also checked against the
 * generator, so the two paths cannot agree on a wrong answer there.
 * ctest-labels: unit */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "io/table.h"
#include "testutil.h"

enum { CHUNK = 8192, NTURN = 6, REPEAT = 3 };

static uint64_t rng = 1;
static uint32_t rnd(void)
{
    return (uint32_t)(pms_test_xorshift(&rng) >> 11);
}

#define NONE ((size_t)-1)

/* What a file is made of: its rows (0-based data rows), the row at which
 * each inferred column t0..t5 first holds a non-number (NONE: never), and
 * the rows where the numeric columns Global Sum and Seniority hold one. */
typedef struct {
    size_t rows;
    size_t turn[NTURN];
    size_t bad_gs, bad_sen;
    size_t extra_field;      /* a row with one field too many (NONE: none) */
} spec;

/* Line of each data row (a name with a line break in it moves the rest). */
typedef struct {
    char *csv;
    size_t len;
    long *line;
} gen;

static const char *const regions[] = {"North East", "London", "South West", "Midlands",
                                      "East of England", "North West", "South East"};

static void number_cell(pms_test_buf *b, size_t i, int j)
{
    switch (rnd() % 12) {
    case 0: pms_test_printf(b, "%s", (const char *[]){"", "-", " NA ", "n/a", "..", "*"}[rnd() % 6]); break;
    case 1: pms_test_printf(b, "%u.%02u", rnd() % 100000, rnd() % 100); break;
    case 2: pms_test_printf(b, "\"%u,%03u\"", rnd() % 999 + 1, rnd() % 1000); break;
    case 3: pms_test_printf(b, "-%u", rnd() % 1000); break;
    case 4: pms_test_printf(b, "%ue%d", rnd() % 100, (int)(rnd() % 7) - 3); break;
    case 5: pms_test_printf(b, " %u ", rnd() % 1000); break;
    default: pms_test_printf(b, "%zu", (i * 7919 + (size_t)j * 104729) % 100000000); break;
    }
}

static gen make(const spec *sp)
{
    pms_test_buf b = {0};
    gen g = {0};
    g.line = calloc(sp->rows + 1, sizeof *g.line);
    assert_non_null(g.line);
    pms_test_printf(&b, "Practice Code,Practice Name,Region Name,Ward,Global Sum,Seniority");
    for (int j = 0; j < 4; j++) pms_test_printf(&b, ",v%d", j);
    for (int k = 0; k < NTURN; k++) pms_test_printf(&b, ",t%d", k);
    pms_test_printf(&b, ",last\n");
    long line = 2;
    for (size_t i = 0; i < sp->rows; i++) {
        g.line[i] = line;
        /* Codes: distinct, some lower case (they are upper-cased). */
        pms_test_printf(&b, i % 3 ? "P%06zu" : "p%06zu", i);
        /* Names: mostly distinct, quoted, a doubled quote and a comma; one
         * in 50 the same; one in 997 with a line break. */
        if (i % 50 == 0) pms_test_printf(&b, ",The Surgery");
        else if (i % 997 == 0) {
            pms_test_printf(&b, ",\"Dr \"\"%zu\"\",\nNorth\"", i);
            line++;
        } else pms_test_printf(&b, ",\"Surgery %zu, Town\"", i);
        /* Region: runs of 700 rows, the same seven values, a few missing. */
        if (i % 311 == 5) pms_test_printf(&b, ",NA");
        else pms_test_printf(&b, ",%s", regions[(i / 700) % 7]);
        /* Ward: 300 values in random order (inferred: text from row 0). */
        unsigned w = rnd() % 300;
        pms_test_printf(&b, w % 17 ? ",Ward %u" : ", Ward %u ", w);
        pms_test_printf(&b, ",");
        if (i == sp->bad_gs) pms_test_printf(&b, "n/k");
        else number_cell(&b, i, 100);
        pms_test_printf(&b, ",");
        if (i == sp->bad_sen) pms_test_printf(&b, "\"£12,34\""); /* a group of two digits */
        else number_cell(&b, i, 101);
        for (int j = 0; j < 4; j++) {
            pms_test_printf(&b, ",");
            number_cell(&b, i, j);
        }
        for (int k = 0; k < NTURN; k++) {
            pms_test_printf(&b, ",");
            if (i == sp->turn[k]) pms_test_printf(&b, "first %d", k); /* the first non-number */
            else if (sp->turn[k] != NONE && i > sp->turn[k] && rnd() % 5 == 0)
                pms_test_printf(&b, "x%u", rnd() % 40); /* later non-numbers, repeating */
            else number_cell(&b, i, 10 + k);
        }
        pms_test_printf(&b, ",%zu", i);
        if (i == sp->extra_field) pms_test_printf(&b, ",extra");
        pms_test_printf(&b, rnd() % 4 ? "\n" : "\r\n");
        line++;
    }
    g.csv = b.s;
    g.len = b.len;
    return g;
}

/* The same table (pms_test_same_table), and each column's missing count is
 * its number of missing cells.  (Not which columns are computed yet: `a`
 * is compared with several loads, and a file's numeric column kept as
 * integers gets its doubles at the first comparison.) */
static void same_table(const pms_table *a, const pms_table *b)
{
    pms_test_same_table(a, b, 0);
    for (size_t j = 0; j < a->ncols; j++) {
        const pms_column *x = &a->cols[j];
        size_t miss = 0;
        for (size_t i = 0; i < a->nrows; i++)
            miss += x->type == PMS_COL_NUM ? isnan(x->num[i]) : x->text[i] == NULL;
        assert_int_equal(miss, x->n_missing);
    }
}

static pms_status load(const gen *g, int threads, pms_table **t, pms_err *err)
{
    pms_load_opts o;
    pms_load_opts_default(&o);
    o.threads = threads;
    memset(err, 0, sizeof *err);
    return pms_table_load_mem("gen.csv", g->csv, g->len, &o, t, err);
}

/* One file loaded by one thread and, REPEAT times, by two: the same table
 * or the same error.  Returns the one-thread table (NULL on an error, then
 * in *e); the file in *gout if asked for. */
static pms_table *check_spec(const spec *sp, gen *gout, pms_err *e)
{
    gen g = make(sp);
    pms_table *one = NULL;
    pms_err e1;
    pms_status s1 = load(&g, 1, &one, &e1);
    for (int r = 0; r < REPEAT; r++) {
        pms_table *two = NULL;
        pms_err e2;
        pms_status s2 = load(&g, 2, &two, &e2);
        assert_int_equal(s1, s2);
        if (s1 == PMS_OK) same_table(one, two);
        else assert_string_equal(e1.msg, e2.msg);
        pms_table_free(two);
    }
    if (s1 == PMS_OK) {
        /* Against the generator: each t column is text exactly when it
         * turned, and remembers its first non-number in file order. */
        for (int k = 0; k < NTURN; k++) {
            char nm[8], want[16];
            snprintf(nm, sizeof nm, "t%d", k);
            const pms_column *c = pms_table_col(one, nm);
            assert_non_null(c);
            if (sp->turn[k] == NONE || sp->turn[k] >= sp->rows) {
                assert_int_equal(c->type, PMS_COL_NUM);
                continue;
            }
            assert_int_equal(c->type, PMS_COL_TEXT);
            snprintf(want, sizeof want, "first %d", k);
            assert_string_equal(c->bad_value, want);
            assert_int_equal(c->bad_line, g.line[sp->turn[k]]);
            assert_string_equal(c->text[sp->turn[k]], want);
        }
    } else
        assert_null(one);
    if (e) *e = e1;
    if (gout) *gout = g;
    else {
        free(g.csv);
        free(g.line);
    }
    return one;
}

static spec base(size_t rows)
{
    spec s = {rows, {NONE, NONE, NONE, NONE, NONE, NONE}, NONE, NONE, NONE};
    return s;
}

/* Sizes around the chunk and tile sizes; the columns turn in the first
 * tile, on the last row of the first chunk, on the first of the second, in
 * the middle of the third, on the very last row, and never. */
static void test_sizes(void **state)
{
    (void)state;
    static const size_t sizes[] = {1,    2,    15,   16,   17,    8191,  8192,
                                   8193, 8208, 16383, 16384, 16385, 24577, 40000};
    for (size_t z = 0; z < sizeof sizes / sizeof *sizes; z++) {
        rng = 88172645463325252ULL + z;
        size_t n = sizes[z];
        spec s = base(n);
        const size_t at[NTURN] = {1, CHUNK - 1, CHUNK, 2 * CHUNK + 4321, n - 1, NONE};
        for (int k = 0; k < NTURN; k++) s.turn[k] = at[k] < n ? at[k] : NONE;
        if (n == 1) s.turn[0] = 0;
        pms_table_free(check_spec(&s, NULL, NULL));
    }
}

/* Random files of three to six chunks, the columns turning anywhere, two
 * of them in the same chunk, some never. */
static void test_random(void **state)
{
    (void)state;
    for (int f = 0; f < 6; f++) {
        rng = 0x9E3779B97F4A7C15ULL * (uint64_t)(f + 1);
        spec s = base(2 * CHUNK + rnd() % (4 * CHUNK));
        for (int k = 0; k < NTURN; k++) s.turn[k] = rnd() % 5 ? rnd() % s.rows : NONE;
        s.turn[1] = s.turn[0] == NONE ? NONE : s.turn[0] + rnd() % 50;
        pms_table_free(check_spec(&s, NULL, NULL));
    }
}

/* A numeric column (by the alias table) holding a non-number in a late
 * chunk is an error naming that cell; with two such columns, the first by
 * position is named even though the other's bad cell comes first in the
 * file; a bad field count later in the file comes before both. */
static void test_errors(void **state)
{
    (void)state;
    static const struct {
        size_t bad_gs, bad_sen, extra;
        const char *want; /* %ld: the line of the cell named */
    } cases[] = {
        {4 * CHUNK + 17, NONE, NONE, "gen.csv:%ld:5: not a number: 'n/k' (column 'Global Sum')"},
        /* Seniority's bad cell is earlier in the file, later by position. */
        {4 * CHUNK + 17, CHUNK + 3, NONE, "gen.csv:%ld:5: not a number: 'n/k' (column 'Global Sum')"},
        {NONE, 3 * CHUNK - 1, NONE, "gen.csv:%ld:6: not a number: '£12,34' (column 'Seniority')"},
        {17, NONE, 4 * CHUNK + 1, "gen.csv:%ld: expected 17 fields as in the header, found more (extra fields)"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        rng = 7 + k;
        spec s = base(5 * CHUNK + 100);
        s.turn[2] = 3 * CHUNK + 9;
        s.bad_gs = cases[k].bad_gs;
        s.bad_sen = cases[k].bad_sen;
        s.extra_field = cases[k].extra;
        gen g;
        pms_err e;
        assert_null(check_spec(&s, &g, &e));
        size_t at = s.extra_field != NONE ? s.extra_field : s.bad_gs != NONE ? s.bad_gs : s.bad_sen;
        char want[200];
        snprintf(want, sizeof want, cases[k].want, g.line[at]);
        assert_string_equal(e.msg, want);
        free(g.csv);
        free(g.line);
    }
}

/* Files of one and two columns, three chunks and a bit: the balancing may
 * give the worker every column (the main thread then has none). */
static void test_narrow(void **state)
{
    (void)state;
    for (int ncol = 1; ncol <= 2; ncol++) {
        pms_test_buf b = {0};
        pms_test_printf(&b, ncol == 1 ? "a\n" : "a,b\n");
        for (size_t i = 0; i < 3 * CHUNK + 77; i++) {
            if (i == 2 * CHUNK + 5) pms_test_printf(&b, "x%zu", i);
            else pms_test_printf(&b, "%zu", i * 31 % 1000);
            if (ncol == 2) pms_test_printf(&b, ",%s", i % 7 ? "b" : "c");
            pms_test_printf(&b, "\n");
        }
        gen g = {b.s, b.len, NULL};
        pms_table *one = NULL;
        pms_err e1;
        assert_int_equal(load(&g, 1, &one, &e1), PMS_OK);
        assert_int_equal(one->cols[0].type, PMS_COL_TEXT);
        assert_string_equal(one->cols[0].bad_value, "x16389");
        for (int r = 0; r < REPEAT; r++) {
            pms_table *two = NULL;
            pms_err e2;
            assert_int_equal(load(&g, 2, &two, &e2), PMS_OK);
            same_table(one, two);
            pms_table_free(two);
        }
        pms_table_free(one);
        free(b.s);
    }
}

/* The passes over every row after the load, on two threads for a table
 * loaded with two (the duplicate-key check, split by hash; the derived
 * measures' missing counts, split by rows): the same notes and counts as
 * one thread, and the counts the generator knows.  Codes repeat (every 7th
 * row takes an earlier row's code) or are empty (every 11th); payments are
 * missing on every 5th row, weighted patients 0 on every 13th (a bad
 * denominator) and missing on every 17th. */
static void test_after_load(void **state)
{
    (void)state;
    const size_t rows = 3 * CHUNK + 123;
    pms_test_buf b = {0};
    pms_test_printf(&b, "practice_code,total_payments,weighted_patients\n");
    size_t dups = 0, nocode = 0, miss = 0, bad = 0;
    for (size_t i = 0; i < rows; i++) {
        if (i % 11 == 0) nocode++;
        else if (i % 7 == 0 && i > 0) dups++;
        if (i % 11 == 0) pms_test_printf(&b, ",");
        else pms_test_printf(&b, "P%05zu,", i % 7 == 0 && i > 0 ? i / 2 * 3 % i : i);
        /* i / 2 * 3 % i < i is an earlier row's code unless that row had none */
        pms_test_printf(&b, i % 5 ? "%zu.25," : ",", i * 37 % 100000);
        if (i % 17 == 0) pms_test_printf(&b, "\n");
        else pms_test_printf(&b, "%zu\n", i % 13 ? 1000 + i % 900 : 0);
        int pay = i % 5 != 0, w = i % 17 != 0, wpos = w && i % 13 != 0;
        miss += !(pay && wpos);
        bad += pay && w && !wpos;
    }
    gen g = {b.s, b.len, NULL};
    pms_table *t[2] = {NULL, NULL};
    pms_err e;
    for (int k = 0; k < 2; k++) {
        assert_int_equal(load(&g, k + 1, &t[k], &e), PMS_OK);
        assert_int_equal(pms_table_derive_standard(t[k], &e), PMS_OK);
    }
    pms_test_same_table(t[0], t[1], 1);
    /* The generator's counts: a code that repeats one whose row had no code
     * is not a repeat, so the repeats are counted from the table's codes. */
    const pms_column *pc = pms_table_col(t[1], "practice_code");
    assert_non_null(pc);
    unsigned char *had = calloc(100000, 1);
    assert_non_null(had);
    size_t real_dups = 0;
    for (size_t i = 0; i < rows; i++) {
        if (!pc->text[i]) continue;
        size_t num = (size_t)strtoul(pc->text[i] + 1, NULL, 10);
        assert_true(num < 100000);
        real_dups += had[num];
        had[num] = 1;
    }
    free(had);
    assert_true(real_dups > 0 && real_dups <= dups);
    size_t seen = 0;
    for (size_t n = 0; n < t[1]->nnotes; n++) {
        const pms_note *no = &t[1]->notes[n];
        if (!strcmp(no->what, "duplicate_key")) assert_int_equal(no->count, real_dups), seen |= 1;
        if (!strcmp(no->what, "missing_key")) assert_int_equal(no->count, nocode), seen |= 2;
        if (!strcmp(no->what, "bad_denominator") && strstr(no->detail, "payments_per_weighted:"))
            assert_int_equal(no->count, bad), seen |= 4;
    }
    assert_int_equal(seen, 7);
    const pms_column *m = pms_table_col(t[1], "payments_per_weighted");
    assert_non_null(m);
    assert_int_equal(m->n_missing, miss);
    pms_table_free(t[0]);
    pms_table_free(t[1]);
    free(b.s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_random),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_narrow),
        cmocka_unit_test(test_after_load),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
