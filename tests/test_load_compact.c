/* Numeric cells come back from the loader bit for bit as strtod reads the
 * bare number, whatever the loader stores while loading (a compact store
 * may keep a column as 32-bit integers with one decimal scale, rescale it
 * when a cell needs more places and widen it to doubles when a cell cannot
 * be held).  Only the public API is used: pms_table_load_mem (one thread
 * and two), pms_table_numeric, pms_table_col, pms_table_text,
 * pms_table_copy and pms_table_keep_rows.
 *
 * Generated files of 5, 17, 8,193, 20,000 and 40,000 rows (the loader
 * works in chunks of 8,192 rows and tiles of 16), each twice with the
 * events below at other rows: in the first tile, on the last row of a
 * chunk, on the first of the next, late, on the last row.  One column per
 * event, so each is seen on its own:
 *   whole numbers of 1-8 digits, '0' frequent; whole numbers up to
 *   +-2,147,483,646 and, at the event row, +-2,147,483,647,
 *   +-2,147,483,648, 4,294,967,296 or 10^15; money with 2 decimals from
 *   the first row;
 *   whole numbers, then 1 decimal late, then 3 decimals later; whole
 *   numbers up to 30,000,000 then "0.01" (a rescale that overflows) and up
 *   to 21,474,836 then "0.01" (one that fits); small numbers then one cell
 *   with 5, 6 or 17 decimals, an exponent (1e-7, 5e2, 1.5E300, -2e-343),
 *   |M| = 2^31 - 1 at scale 1 or 4, more than 19 digits; the decorations
 *   the loader accepts (pound sign, thousands commas, spaces, '+', leading
 *   zeros, "-0", quotes); 1 to 4 decimals mixed with the places allowed
 *   growing through the file; a column mostly missing and one all missing;
 *   a column of numbers that turns to text at the event row (its earlier
 *   cells come back as written).  Missing markers are mixed into every
 *   column and counted.
 *
 * Each value is compared by its bits with strtod of the literal with the
 * pound sign, commas, spaces and quotes removed (-0 read as +0.0); a
 * missing cell must be a NaN (any NaN: the header promises NaN, not one
 * bit pattern).  Two threads give the same table as one; pms_table_copy
 * the same values; pms_table_keep_rows with every third row dropped the
 * kept values and missing counts.
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

#define NONE ((size_t)-1)

static uint64_t rng = 1;
static uint32_t rnd(void)
{
    return (uint32_t)(pms_test_xorshift(&rng) >> 11);
}

/* How a column's cells are made (see cell()). */
typedef enum {
    K_NAME,    /* text "p123" */
    K_INT,     /* whole numbers of 1-8 digits, signed, '0' frequent */
    K_EDGE,    /* whole numbers up to the int32 edges; the special at the event */
    K_MONEY,   /* 2 decimals from the first row */
    K_LATEDEC, /* whole, then 1 decimal at the event, 3 at the second event */
    K_BIG,     /* whole numbers up to `big`, the special at the event */
    K_BIGPOS,  /* the same, never negative */
    K_BIGNEG,  /* the same, never positive (each side of the rescale's overflow test) */
    K_SPECIAL, /* small numbers, the special at the event and now and then after */
    K_DECOR,   /* pound signs, commas, spaces, '+', quotes, leading zeros, -0 */
    K_PLACES,  /* 0 to 4 decimals, the places allowed growing through the file */
    K_MOSTLY,  /* mostly missing */
    K_ALLMISS, /* only missing markers */
    K_TURN     /* numbers, then "abc" at the event: a text column */
} kind;

typedef struct {
    const char *name;
    kind k;
    const char *special;
    long big;
} colspec;

static const colspec cols[] = {
    {"name", K_NAME, NULL, 0},
    {"a", K_INT, NULL, 0},
    /* Up to +-2,147,483,646 (2^31 - 2, the most a compact cell holds:
     * INT32_MIN is the missing value and the store keeps |M| < 2^31 - 1),
     * then at the event a cell that no 32-bit cell holds. */
    {"b0", K_EDGE, NULL, 0},
    {"b1", K_EDGE, "2147483647", 0},
    {"b2", K_EDGE, "-2147483647", 0},
    {"b3", K_EDGE, "2147483648", 0},
    {"b4", K_EDGE, "-2147483648", 0},
    {"b5", K_EDGE, "4294967296", 0},
    {"b6", K_EDGE, "1000000000000000", 0},
    {"c", K_MONEY, NULL, 0},
    {"d", K_LATEDEC, NULL, 0},
    {"e1", K_BIG, "0.01", 30000000},  /* 30,000,000 x 100 > 2^31: doubles */
    {"e2", K_BIG, "0.01", 21474836},  /* 21,474,836 x 100 < 2^31 - 1: fits */
    {"e3", K_BIGPOS, "0.01", 30000000},
    {"e4", K_BIGNEG, "-0.01", 30000000},
    {"f0", K_SPECIAL, "0.12345", 0},
    {"f1", K_SPECIAL, "0.123456", 0},
    {"f2", K_SPECIAL, "3.14159265358979323", 0},
    {"f3", K_SPECIAL, "1e-7", 0},
    {"f4", K_SPECIAL, "5e2", 0},
    {"f5", K_SPECIAL, "1.5E300", 0},
    {"f6", K_SPECIAL, "-2e-343", 0},  /* underflows: +0.0 */
    {"f7", K_SPECIAL, "2.500000", 0}, /* 6 places written, 1 needed */
    {"f8", K_SPECIAL, "214748364.7", 0},  /* M = 2^31 - 1 at scale 1 */
    {"f9", K_SPECIAL, "-214748.3647", 0}, /* M = -(2^31 - 1) at scale 4 */
    {"f10", K_SPECIAL, "214748364.6", 0},
    {"f11", K_SPECIAL, "-0.0001", 0},
    {"f12", K_SPECIAL, "123456789012345678901234567890", 0}, /* > 19 digits */
    {"f13", K_SPECIAL, "0.30000000000000004", 0},
    {"f14", K_SPECIAL, "-1.5e-5", 0},
    {"g", K_DECOR, NULL, 0},
    {"h", K_MOSTLY, NULL, 0},
    {"m", K_ALLMISS, NULL, 0},
    {"t", K_TURN, NULL, 0},
    {"j", K_PLACES, NULL, 0},
};
enum { NC = sizeof cols / sizeof *cols };

/* A file: its rows, the event row and the second event row (K_LATEDEC). */
typedef struct {
    size_t rows, ev, ev2;
} spec;

/* The file and, for every cell, its literal as written (offsets into lit). */
typedef struct {
    spec sp;
    char *csv;
    size_t len;
    pms_test_buf lit;
    size_t *off;      /* rows * NC offsets into lit.s */
    double *want;     /* rows * NC: strtod of the bare literal, NaN if missing */
    unsigned char *miss; /* rows * NC: 1 if the generator wrote a missing marker */
} gen;

static const char *const markers[] = {"", "-", "NA", "n/a", "..", "*", " NA ", "na", "N/A"};

static const char *const decor[] = {
    "\"\xc2\xa3" "1,234\"", "-\xc2\xa3" "5", " 12 ", "+7", "\"1,234,567.89\"", "00042", "-0",
    "-0.00", "\"1,234\"", "\xc2\xa3-5", "\"\xc2\xa3 5\"", "+0", "-0.0", "\" 3.5 \"",
    "\xc2\xa3" "0.99", "\"42\"", "-00.50", "\t8\t", "+\xc2\xa3" "12.25", "0000"};

/* Writes the literal of cell (i, c) to b; returns 1 if it is a missing marker. */
static int cell(pms_test_buf *b, const gen *g, size_t i, size_t c)
{
    const colspec *cs = &cols[c];
    const spec *sp = &g->sp;
    int at_ev = i == sp->ev, at_ev2 = i == sp->ev2;
    int after = sp->ev != NONE && i > sp->ev;
    int event_row = at_ev || (at_ev2 && cs->k == K_LATEDEC);
    unsigned r = rnd();
    if (cs->k == K_ALLMISS || (!event_row && (r % 16 == 0 || (cs->k == K_MOSTLY && r % 3)))) {
        pms_test_printf(b, "%s", markers[rnd() % (sizeof markers / sizeof *markers)]);
        return 1;
    }
    const char *sign = rnd() % 3 ? "" : "-";
    if (cs->k == K_BIGPOS || cs->k == K_BIGNEG) sign = cs->k == K_BIGPOS ? "" : "-";
    switch (cs->k) {
    case K_NAME: pms_test_printf(b, "p%zu", i); break;
    case K_INT:
        if (rnd() % 4 == 0) pms_test_printf(b, "0");
        else {
            static const uint32_t mod[8] = {10, 100, 1000, 10000, 100000, 1000000, 10000000,
                                            100000000};
            pms_test_printf(b, "%s%u", sign, rnd() % mod[rnd() % 8] + 1);
        }
        break;
    case K_EDGE:
        if ((at_ev || (after && rnd() % 100 == 0)) && cs->special)
            pms_test_printf(b, "%s", cs->special);
        else {
            static const char *const edge[] = {"2147483646", "-2147483646", "2147483645",
                                               "-2147483645", "0"};
            if (rnd() % 2) pms_test_printf(b, "%s", edge[rnd() % 5]);
            else pms_test_printf(b, "%s%u", sign, rnd() % 2147483646u);
        }
        break;
    case K_MONEY: {
        static const char *const money[] = {"111.44", "-67.1", "5.50", "5.5", "0.05"};
        if (i < 5 || rnd() % 4 == 0) pms_test_printf(b, "%s", money[(i + rnd()) % 5]);
        else pms_test_printf(b, "%s%u.%02u", sign, rnd() % 1000000, rnd() % 100);
        break;
    }
    case K_LATEDEC: {
        int places = at_ev2 || (sp->ev2 != NONE && i > sp->ev2 && rnd() % 2) ? 3
                     : at_ev || (after && rnd() % 2)                         ? 1
                                                                             : 0;
        unsigned w = rnd() % 100000;
        if (places == 0) pms_test_printf(b, "%s%u", sign, w);
        else if (places == 1) pms_test_printf(b, "%s%u.%u", sign, w, rnd() % 9 + 1);
        else pms_test_printf(b, "%s%u.%03u", sign, w, rnd() % 999 + 1);
        break;
    }
    case K_BIG:
    case K_BIGPOS:
    case K_BIGNEG:
        if (at_ev) pms_test_printf(b, "%s", cs->special);
        else if (after && rnd() % 3 == 0)
            pms_test_printf(b, "%s%u.%02u", sign, rnd() % 100000, rnd() % 100);
        else if (rnd() % 4 == 0) pms_test_printf(b, "%s%ld", sign, cs->big);
        else pms_test_printf(b, "%s%u", sign, rnd() % (uint32_t)cs->big);
        break;
    case K_SPECIAL:
        if (at_ev || (after && rnd() % 50 == 0)) pms_test_printf(b, "%s", cs->special);
        else if (rnd() % 2) pms_test_printf(b, "%s%u", sign, rnd() % 10000);
        else pms_test_printf(b, "%s%u.%u", sign, rnd() % 10000, rnd() % 10);
        break;
    case K_DECOR:
        switch (rnd() % 4) {
        case 0: pms_test_printf(b, "\"%s\xc2\xa3%u,%03u.%02u\"", sign, rnd() % 999 + 1, rnd() % 1000, rnd() % 100); break;
        case 1: pms_test_printf(b, "%u", rnd() % 1000); break;
        default: pms_test_printf(b, "%s", decor[rnd() % (sizeof decor / sizeof *decor)]); break;
        }
        break;
    case K_PLACES: {
        unsigned maxp = 1 + (unsigned)(i * 4 / sp->rows), places = rnd() % (maxp + 1);
        static const unsigned p10[5] = {1, 10, 100, 1000, 10000};
        if (places == 0) pms_test_printf(b, "%s%u", sign, rnd() % 100000);
        else pms_test_printf(b, "%s%u.%0*u", sign, rnd() % 100000, (int)places, rnd() % p10[places]);
        break;
    }
    case K_MOSTLY: pms_test_printf(b, "%s%u.%u", sign, rnd() % 1000, rnd() % 10); break;
    case K_ALLMISS: break; /* not reached */
    case K_TURN:
        if (at_ev) pms_test_printf(b, "abc");
        else if (after && rnd() % 3 == 0) pms_test_printf(b, "x%u", rnd() % 40);
        else if (rnd() % 4 == 0) pms_test_printf(b, "%s", decor[rnd() % (sizeof decor / sizeof *decor)]);
        else pms_test_printf(b, "%s%u.%02u", sign, rnd() % 100000, rnd() % 100);
        break;
    }
    return 0;
}

/* strtod of the literal without pound signs, commas, spaces, tabs and
 * quotes, -0 read as +0.0. */
static double bare_value(const char *s)
{
    char tmp[128];
    size_t w = 0;
    for (; *s; s++) {
        if ((unsigned char)s[0] == 0xC2 && (unsigned char)s[1] == 0xA3) {
            s++;
            continue;
        }
        if (*s == ',' || *s == ' ' || *s == '\t' || *s == '"') continue;
        assert_true(w < sizeof tmp - 1);
        tmp[w++] = *s;
    }
    tmp[w] = '\0';
    char *end;
    double v = strtod(tmp, &end);
    assert_true(end != tmp && *end == '\0'); /* the generator wrote a number */
    return v == 0.0 ? 0.0 : v;
}

/* The text a text column keeps: the literal unquoted and trimmed. */
static void text_value(const char *s, char *out, size_t cap)
{
    size_t n = strlen(s);
    if (n >= 2 && s[0] == '"' && s[n - 1] == '"') s++, n -= 2;
    while (n && (*s == ' ' || *s == '\t')) s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
    assert_true(n < cap);
    memcpy(out, s, n);
    out[n] = '\0';
}

/* Appends n bytes (and keeps a NUL after them): printf for every cell of
 * 40,000 rows would be most of this test's time. */
static void put(pms_test_buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        while (b->len + n + 1 > b->cap) b->cap = b->cap ? 2 * b->cap : 1 << 16;
        b->s = realloc(b->s, b->cap);
        assert_non_null(b->s);
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static gen make(spec sp, uint64_t seed)
{
    gen g = {0};
    g.sp = sp;
    rng = seed;
    size_t n = sp.rows * NC;
    g.off = malloc(n * sizeof *g.off);
    g.want = malloc(n * sizeof *g.want);
    g.miss = malloc(n);
    assert_true(g.off && g.want && g.miss);
    pms_test_buf b = {0};
    for (size_t c = 0; c < NC; c++) pms_test_printf(&b, "%s%s", c ? "," : "", cols[c].name);
    pms_test_printf(&b, "\n");
    for (size_t i = 0; i < sp.rows; i++) {
        for (size_t c = 0; c < NC; c++) {
            size_t k = i * NC + c, at = g.lit.len;
            g.miss[k] = (unsigned char)cell(&g.lit, &g, i, c);
            g.off[k] = at;
            if (c) put(&b, ",", 1);
            put(&b, g.lit.s + at, g.lit.len - at);
            put(&g.lit, "", 1); /* the literal's NUL */
        }
        if (rnd() % 4) put(&b, "\n", 1);
        else put(&b, "\r\n", 2);
    }
    /* Expected values once all literals are written (lit.s moves as it grows). */
    for (size_t k = 0; k < n; k++) {
        kind kk = cols[k % NC].k;
        g.want[k] = g.miss[k] || kk == K_NAME || kk == K_TURN ? NAN : bare_value(g.lit.s + g.off[k]);
    }
    g.csv = b.s;
    g.len = b.len;
    return g;
}

static void gen_free(gen *g)
{
    free(g->csv);
    free(g->lit.s);
    free(g->off);
    free(g->want);
    free(g->miss);
}

/* The table t holds the rows of g with keep[i] != 0 (keep NULL: all),
 * every value bit for bit, every missing count. */
static void check_values(const pms_table *t, const gen *g, const unsigned char *keep)
{
    size_t kept = 0;
    for (size_t i = 0; i < g->sp.rows; i++) kept += !keep || keep[i];
    assert_int_equal(t->nrows, kept);
    assert_int_equal(t->ncols, NC);
    for (size_t c = 0; c < NC; c++) {
        const colspec *cs = &cols[c];
        const pms_column *col = pms_table_col(t, cs->name);
        assert_non_null(col);
        pms_err err = {{0}};
        int text = cs->k == K_NAME || (cs->k == K_TURN && g->sp.ev < g->sp.rows);
        const double *v = NULL;
        const char *const *s = NULL;
        size_t miss = 0;
        if (text) {
            assert_int_equal(col->type, PMS_COL_TEXT);
            assert_int_equal(pms_table_text(t, cs->name, &s, &err), PMS_OK);
            if (cs->k == K_TURN) {
                /* As a number: an error naming the first non-number. */
                assert_int_not_equal(pms_table_numeric(t, cs->name, &v, &err), PMS_OK);
                assert_non_null(strstr(err.msg, "'abc'"));
                assert_string_equal(col->bad_value, "abc");
                assert_int_equal(col->bad_line, (long)g->sp.ev + 2);
            }
        } else {
            assert_int_equal(col->type, PMS_COL_NUM);
            assert_int_equal(pms_table_numeric(t, cs->name, &v, &err), PMS_OK);
        }
        for (size_t i = 0, r = 0; i < g->sp.rows; i++) {
            if (keep && !keep[i]) continue;
            size_t k = i * NC + c;
            const char *lit = g->lit.s + g->off[k];
            miss += g->miss[k];
            if (text) {
                char want[128];
                text_value(lit, want, sizeof want);
                if (g->miss[k]) {
                    if (s[r]) fail_msg("%s row %zu '%s': '%s', not missing", cs->name, i, lit, s[r]);
                } else if (!s[r] || strcmp(s[r], want))
                    fail_msg("%s row %zu '%s': '%s', not '%s'", cs->name, i, lit,
                             s[r] ? s[r] : "(missing)", want);
            } else if (g->miss[k]) {
                if (!isnan(v[r])) fail_msg("%s row %zu '%s': %.17g, not missing", cs->name, i, lit, v[r]);
            } else if (memcmp(&v[r], &g->want[k], sizeof(double)))
                fail_msg("%s row %zu '%s': %a, not %a", cs->name, i, lit, v[r], g->want[k]);
            r++;
        }
        assert_int_equal(col->n_missing, miss);
    }
}

static pms_table *load(const gen *g, int threads)
{
    pms_load_opts o;
    pms_load_opts_default(&o);
    o.threads = threads;
    pms_err err = {{0}};
    pms_table *t = NULL;
    pms_status s = pms_table_load_mem("gen.csv", g->csv, g->len, &o, &t, &err);
    if (s != PMS_OK) fail_msg("load (%d threads): %s", threads, err.msg);
    return t;
}

static void check_spec(spec sp, uint64_t seed)
{
    gen g = make(sp, seed);
    pms_table *one = load(&g, 1), *two = load(&g, 2);
    check_values(one, &g, NULL);
    /* The other tables against `one`, bit for bit (state 0: a column may
     * be turned into doubles when first looked up, so whether it has been
     * is not compared). */
    pms_test_same_table(one, two, 0);
    pms_table_free(two);

    pms_table *cp = pms_table_copy(one);
    assert_non_null(cp);
    pms_test_same_table(one, cp, 0);

    unsigned char *keep = malloc(sp.rows);
    assert_non_null(keep);
    for (size_t i = 0; i < sp.rows; i++) keep[i] = i % 3 != 2;
    pms_err err = {{0}};
    assert_int_equal(pms_table_keep_rows(cp, keep, &err), PMS_OK);
    check_values(cp, &g, keep);
    check_values(one, &g, NULL); /* the copy's change left the original alone */
    free(keep);
    pms_table_free(cp);
    pms_table_free(one);
    gen_free(&g);
}

/* The event rows: first tile, last row of a chunk (8,191), first row of the
 * next (8,192), late (10,000, 15,000, 30,000) and the last row. */
static void test_compact(void **state)
{
    (void)state;
    static const spec specs[] = {
        {5, 0, 4},           {5, 4, NONE},        {17, 15, 16},     {17, 3, NONE},
        {8193, 8191, 8192},  {8193, 8192, NONE},  {20000, 10000, 16384},
        {20000, 1, 19999},   {40000, 15000, 30000}, {40000, 39999, NONE},
    };
    for (size_t k = 0; k < sizeof specs / sizeof *specs; k++)
        check_spec(specs[k], 0x2545F4914F6CDD1DULL + 7919 * k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compact),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
