/* pms_parse_number against strtod over millions of generated cells.
 *
 * The loader's numbers must be the doubles strtod gives (correct rounding),
 * whatever path the parser takes: the plain-cell fast path, Clinger's path
 * for exponents, or the strtod fallback for long mantissas.  strtod (glibc,
 * correctly rounded in every case) is the independent implementation; the
 * comparison is bit for bit (tolerance zero).  The generator uses a fixed
 * seed, so a failure names a reproducible cell.  Decorations the parser
 * accepts and strtod does not (pound sign, thousands separators, spaces) are
 * added to a cell whose undecorated text is what strtod reads.
 *
 * The loader's inline paths for 1-8 digit cells (pms_parse_int8 and its
 * SSE4.1 twin) are checked on every generated cell against the full parser
 * (check_int8): they must take exactly the cells of 1-8 digits and give the
 * same bits; test_int8_bytes puts every byte value at every place.
 *
 * One deliberate difference: "-0" and other negative zeros give +0.0, so that
 * no output ever shows "-0" (tested below).
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

#include "io/csv.h"

static uint64_t rng_state = 0x5eed2015u;
static uint64_t next(void)
{
    /* splitmix64: fixed seed, same sequence everywhere. */
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
static unsigned below(unsigned n) { return (unsigned)(next() % n); }

static size_t failures;

/* The loader's inline paths for 1-8 digit cells (pms_parse_int8, and its
 * SSE4.1 twin where the CPU has it) on the span s[0 .. n) with `avail`
 * readable bytes: they must take exactly the cells of an optional minus and
 * 1-8 ASCII digits when eight bytes may be read after the minus, and give
 * then what the full parser gives (r, v; "-0" is +0). */
static void check_int8(const char *s, size_t n, size_t avail, pms_numparse r, double v)
{
    size_t neg = n && s[0] == '-', nd = 0;
    while (neg + nd < n && s[neg + nd] >= '0' && s[neg + nd] <= '9') nd++;
    int want = nd >= 1 && nd <= 8 && neg + nd == n && avail >= neg + 8;
    double a = 777.0;
    int took = pms_parse_int8(s, n, avail, &a);
    int ok = took == want && (!took || (r == PMS_NUM_OK && memcmp(&a, &v, sizeof a) == 0));
#ifdef PMS_HAVE_INT8_SSE
    if (pms_csv_have_avx2()) {
        double b = 888.0;
        int took2 = pms_parse_int8_sse(s, n, avail, &b);
        ok = ok && took2 == want && (!took2 || memcmp(&b, &v, sizeof b) == 0);
    }
#endif
    if (!ok && failures++ < 10)
        fprintf(stderr, "'%.*s' (avail %zu): inline 1-8 digit path took %d, value %.17g; parser %d %.17g\n",
                (int)n, s, avail, took, a, (int)r, v);
}

/* Compare the parser on `cell` with strtod on `plain`. */
static void check(const char *cell, const char *plain)
{
    double got = 12345.678, want;
    char *end;
    want = strtod(plain, &end);
    if (*end != '\0') {
        fprintf(stderr, "generator bug: strtod does not read all of '%s'\n", plain);
        failures++;
        return;
    }
    pms_numparse r = pms_parse_number(cell, &got);
    /* The loader's way: the cell as a span inside the file's text, followed
     * by more text (digits the parser must not read as its own), with the
     * eight-byte reader allowed (avail) or not. */
    {
        /* Exactly the cell's bytes in their own block: a read past them is
         * a heap overflow under the sanitizers. */
        size_t n = strlen(cell);
        char *own = malloc(n ? n : 1);
        memcpy(own, cell, n);
        double got3 = 54321.0;
        pms_numparse r3 = pms_parse_number_n(own, n, &got3);
        free(own);
        if (r3 != r || (r == PMS_NUM_OK && memcmp(&got, &got3, sizeof got) != 0)) {
            if (failures++ < 10) fprintf(stderr, "'%s': exact-size span parse differs\n", cell);
            return;
        }
    }
    for (int way = 0; way < 4; way++) {
        char span[600];
        size_t n = strlen(cell);
        if (n + 32 < sizeof span) {
            memcpy(span, cell, n);
            memcpy(span + n, way & 1 ? ",98765432109876543210987" : "198765432109876543210987", 25);
            double got2 = 54321.0;
            pms_numparse r2 = pms_parse_number_avail(span, n, way & 2 ? n : n + 24, &got2);
            if (r2 != r || (r == PMS_NUM_OK && memcmp(&got, &got2, sizeof got) != 0)) {
                if (failures++ < 10)
                    fprintf(stderr, "'%s': span parse %d %.17g, string parse %d %.17g\n", cell,
                            (int)r2, got2, (int)r, got);
                return;
            }
            check_int8(span, n, way & 2 ? n : n + 24, r, got);
        }
    }
    if (!isfinite(want)) {
        if (r != PMS_NUM_BAD) {
            if (failures++ < 10) fprintf(stderr, "'%s': overflow not refused\n", cell);
        }
        return;
    }
    if (want == 0.0) want = 0.0; /* negative zero becomes +0 by design */
    if (r != PMS_NUM_OK || memcmp(&got, &want, sizeof got) != 0) {
        if (failures++ < 10)
            fprintf(stderr, "'%s': got %.17g (status %d), strtod('%s') = %.17g\n", cell, got,
                    (int)r, plain, want);
    }
}

/* A random digit string of exactly n digits (first may be 0 if lead0). */
static void digits(char *out, int n, int lead0)
{
    for (int i = 0; i < n; i++) out[i] = (char)('0' + (i == 0 && !lead0 ? 1 + below(9) : below(10)));
    out[n] = '\0';
}

/* Integer part with thousands separators: "1234567" -> "1,234,567". */
static void group3(const char *in, char *out)
{
    size_t n = strlen(in), w = 0;
    for (size_t i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0) out[w++] = ',';
        out[w++] = in[i];
    }
    out[w] = '\0';
}

/* Plain decimals of 1-19 significant digits, the bulk of real files, with a
 * decimal point anywhere and an optional sign. */
static void test_plain_decimals(void **state)
{
    (void)state;
    failures = 0;
    char d[64], plain[96];
    for (long k = 0; k < 2000000; k++) {
        int n = 1 + (int)below(19);
        digits(d, n, below(8) == 0);
        int point = (int)below((unsigned)n + 1); /* digits before the point */
        const char *sign = below(4) == 0 ? "-" : "";
        if (point == n) snprintf(plain, sizeof plain, "%s%s", sign, d);
        else snprintf(plain, sizeof plain, "%s%.*s.%s", sign, point, d, d + point);
        check(plain, plain);
    }
    assert_int_equal(failures, 0);
}

/* The cells the loader reads eight bytes at a time: an optional minus, 1-9
 * digits (leading zeros allowed), an optional point and 0-9 decimals, so
 * both sides of every length limit of that path (8 digits) are crossed. */
static void test_short_plain(void **state)
{
    (void)state;
    failures = 0;
    char d[16], f[16], plain[64];
    for (long k = 0; k < 2000000; k++) {
        int ni = 1 + (int)below(9), nf = (int)below(10);
        digits(d, ni, below(4) == 0);
        digits(f, nf, 1);
        const char *sign = below(3) == 0 ? "-" : "";
        int point = nf > 0 || below(8) == 0; /* "5." too */
        snprintf(plain, sizeof plain, "%s%s%s%s", sign, d, point ? "." : "", f);
        check(plain, plain);
    }
    static const char *const edge[] = {"0", "-0", "0.", "-0.", "00000000", "99999999",
                                       "9007199254740992", "9007199254740993", "12345678.12345678",
                                       "1.00000000", "-99999999.99999999"};
    for (size_t i = 0; i < sizeof edge / sizeof *edge; i++) check(edge[i], edge[i]);
    assert_int_equal(failures, 0);
}

/* 17 to 25 digit mantissas: beyond 2^53, past the 19 digits the parser
 * accumulates, so the fallback must take over exactly. */
static void test_long_mantissas(void **state)
{
    (void)state;
    failures = 0;
    char d[64], plain[96];
    for (long k = 0; k < 1000000; k++) {
        int n = 17 + (int)below(9);
        digits(d, n, 0);
        int point = (int)below((unsigned)n + 1);
        if (point == n) snprintf(plain, sizeof plain, "%s", d);
        else snprintf(plain, sizeof plain, "%.*s.%s", point, d, d + point);
        check(plain, plain);
    }
    assert_int_equal(failures, 0);
}

/* Exponents from -350 to 350 (underflow to zero and subnormals, Clinger's
 * range |e| <= 22, overflow refused). */
static void test_exponents(void **state)
{
    (void)state;
    failures = 0;
    char d[64], plain[128];
    for (long k = 0; k < 1000000; k++) {
        int n = 1 + (int)below(20);
        digits(d, n, 0);
        int e = k % 3 == 0 ? (int)below(701) - 350 : (int)below(61) - 30;
        int point = (int)below((unsigned)n + 1);
        char m[80];
        if (point == n) snprintf(m, sizeof m, "%s", d);
        else snprintf(m, sizeof m, "%.*s.%s", point, d, d + point);
        snprintf(plain, sizeof plain, "%s%s%c%d", below(3) == 0 ? "-" : "", m,
                 below(2) ? 'e' : 'E', e);
        check(plain, plain);
    }
    assert_int_equal(failures, 0);
}

/* Exactly halfway between two adjacent doubles, where rounding to even
 * decides: odd integers in (2^53, 2^54), their decimal scalings, and the
 * exact decimal midpoints of random doubles (long double holds the 54-bit
 * midpoint exactly; %.70Le prints it exactly when it has <= 71 digits, else
 * at least to a digit strtod must round correctly). */
static void test_halfway(void **state)
{
    (void)state;
    failures = 0;
    char plain[160];
    for (long k = 0; k < 500000; k++) {
        uint64_t odd = (((uint64_t)1 << 53) + (next() % ((uint64_t)1 << 53))) | 1u;
        snprintf(plain, sizeof plain, "%llu", (unsigned long long)odd);
        check(plain, plain);
        int e = (int)below(40) - 20;
        snprintf(plain, sizeof plain, "%llue%d", (unsigned long long)odd, e);
        check(plain, plain);
        double x = ldexp((double)(next() >> 11), (int)below(200) - 100);
        long double mid = ((long double)x + (long double)nextafter(x, INFINITY)) / 2;
        snprintf(plain, sizeof plain, "%.70Le", mid);
        check(plain, plain);
    }
    check("9007199254740993", "9007199254740993");     /* 2^53 + 1: ties to even, down */
    check("9007199254740995", "9007199254740995");     /* ties to even, up */
    check("9007199254740992", "9007199254740992");     /* 2^53: still the fast path */
    check("0.1", "0.1");
    check("2.2250738585072011e-308", "2.2250738585072011e-308");
    check("4.9e-324", "4.9e-324");
    check("1.7976931348623157e308", "1.7976931348623157e308");
    check("1.7976931348623159e308", "1.7976931348623159e308"); /* overflows: refused */
    assert_int_equal(failures, 0);
}

/* What the files have and strtod does not read: "£", thousands separators,
 * surrounding spaces; the value must be strtod's of the bare number. */
static void test_decorated(void **state)
{
    (void)state;
    failures = 0;
    char d[64], g[96], cell[160], plain[96];
    for (long k = 0; k < 1000000; k++) {
        int n = 1 + (int)below(15);
        digits(d, n, 0);
        group3(d, g);
        char frac[8] = "";
        if (below(2)) {
            digits(frac, 2, 1);
        }
        int neg = below(4) == 0;
        snprintf(plain, sizeof plain, "%s%s%s%s", neg ? "-" : "", d, frac[0] ? "." : "", frac);
        const char *pre[4] = {"", "\xc2\xa3", " \xc2\xa3", "  "};
        const char *post[3] = {"", " ", "\t"};
        const char *p = pre[below(4)], *q = post[below(3)];
        if (neg && below(2))
            snprintf(cell, sizeof cell, "%s-%s%s%s%s", "\xc2\xa3", g, frac[0] ? "." : "", frac, q);
        else
            snprintf(cell, sizeof cell, "%s%s%s%s%s%s", p, neg ? "-" : "", below(2) ? g : d,
                     frac[0] ? "." : "", frac, q);
        check(cell, plain);
    }
    assert_int_equal(failures, 0);
}

/* The inline 1-8 digit paths byte by byte: every byte value at every place
 * of cells of every length 1-9, followed by every kind of byte (digits
 * after the cell must not be read as its own), checked against the parser
 * by check_int8; and every length of a block that ends where the cell does
 * (eight readable bytes needed, never more). */
static void test_int8_bytes(void **state)
{
    (void)state;
    failures = 0;
    static const char after[] = {'7', ',', '"', '\0', ' ', (char)0xC2, '.', '\n'};
    char span[32];
    for (size_t len = 1; len <= 10; len++)
        for (size_t pos = 0; pos < len; pos++)
            for (int byte = 0; byte < 256; byte++)
                for (size_t a = 0; a < sizeof after; a++) {
                    for (size_t i = 0; i < len; i++) span[i] = (char)('0' + (i * 7 + len) % 10);
                    span[pos] = (char)byte;
                    memset(span + len, after[a], sizeof span - len);
                    double v = 4321.0;
                    pms_numparse r = pms_parse_number_avail(span, len, sizeof span, &v);
                    check_int8(span, len, sizeof span, r, v);
                }
    for (size_t len = 1; len <= 10; len++)
        for (size_t avail = len; avail <= 11; avail++) {
            char *own = malloc(avail); /* a read past avail is a heap overflow under ASan */
            assert_non_null(own);
            memset(own, '3', avail);
            if (avail % 2) own[0] = '-';
            double v = 4321.0;
            pms_numparse r = pms_parse_number_n(own, len, &v);
            check_int8(own, len, avail, r, v);
            free(own);
        }
    assert_int_equal(failures, 0);
}

static void test_zero_and_refusals(void **state)
{
    (void)state;
    double v = 1;
    const char *zeros[] = {"-0", "-0.0", "-0e5", "-0.000", "0", "0.0", "-£0", "-0,000"};
    for (size_t i = 0; i < sizeof zeros / sizeof *zeros; i++) {
        v = 1;
        assert_int_equal(pms_parse_number(zeros[i], &v), PMS_NUM_OK);
        assert_true(v == 0.0 && !signbit(v));
    }
    const char *bad[] = {"1,23", "12,3456", "1e", "--1", "1.2.3", "nan", "inf", "1e400",
                         "0x10", "1 2", ",123", "1,234,56"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(pms_parse_number(bad[i], &v), PMS_NUM_BAD);
    const char *missing[] = {"", "-", " ", "NA", "n/a", "..", "*"};
    for (size_t i = 0; i < sizeof missing / sizeof *missing; i++)
        assert_int_equal(pms_parse_number(missing[i], &v), PMS_NUM_MISSING);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_decimals), cmocka_unit_test(test_short_plain), cmocka_unit_test(test_long_mantissas),
        cmocka_unit_test(test_exponents),      cmocka_unit_test(test_halfway),
        cmocka_unit_test(test_decorated),      cmocka_unit_test(test_zero_and_refusals),
        cmocka_unit_test(test_int8_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
