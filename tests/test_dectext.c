/* ctest-labels: unit */
/* io/dectext.h against glibc's printf, which it must equal byte for byte:
 * "%.16G" (the workbook's numbers), "%.10g" (the charts' data files), "%.*f"
 * for precisions 0 to 18 (the PDF charts' coordinates), and "%.Pg"/"%.PG"
 * for every P from 1 to 16, over more than a million values of every kind
 * the report writes and of every magnitude, ties included.  Each value the
 * fast path must take (|v| in [1e-17, 1e16) for "%g", |v| < 2^64 for "%f")
 * is checked to have been taken, so the test fails if the fast path falls
 * back to snprintf instead of matching it. */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "io/dectext.h"

static uint64_t state = 0x9E3779B97F4A7C15ULL;

static uint64_t next(void)
{
    return pms_test_xorshift(&state);
}

static double unit(void)
{
    return (double)(next() >> 11) / 9007199254740992.0;
}

static long taken_g, taken_g10, taken_f;

/* The fast path's range for "%g": zero and |v| in [1e-17, 1e16). */
static int in_g_range(double v)
{
    double a = fabs(v);
    return v == 0 || (a >= 1e-17 && a < 1e16);
}

/* v as "%.10g" against snprintf; 1 if the fast path took it. */
static int check_g10(double v)
{
    char got[64], want[64];
    size_t n = pms_dec_g10(got, v);
    if (in_g_range(v)) {
        if (!n) fprintf(stderr, "%%.10g of %a not taken\n", v);
        assert_true(n > 0);
    }
    if (!n) return 0;
    taken_g10++;
    snprintf(want, sizeof want, "%.10g", v);
    if (strcmp(got, want)) fprintf(stderr, "%%.10g of %a: %s, glibc %s\n", v, got, want);
    assert_string_equal(got, want);
    assert_int_equal(n, strlen(want));
    return 1;
}

/* v through every formatter, against snprintf. */
static void check(double v)
{
    char got[64], want[64];
    double a = fabs(v);
    size_t n = pms_dec_g16(got, v);
    if (in_g_range(v)) {
        if (!n) fprintf(stderr, "%%.16G of %a not taken\n", v);
        assert_true(n > 0);
    }
    if (n) {
        taken_g++;
        snprintf(want, sizeof want, "%.16G", v);
        if (strcmp(got, want)) fprintf(stderr, "%%.16G of %a: %s, glibc %s\n", v, got, want);
        assert_string_equal(got, want);
        assert_int_equal(n, strlen(want));
    }
    check_g10(v);
    static const int precs[] = {6, 18, 3, 0, 1, 2, 9, 12, 17};
    for (size_t i = 0; i < sizeof precs / sizeof *precs; i++) {
        n = pms_dec_fixed(got, sizeof got, v, precs[i]);
        if (a < 18446744073709551616.0 && !isnan(v)) {
            if (!n) fprintf(stderr, "%%.%df of %a not taken\n", precs[i], v);
            assert_true(n > 0);
        }
        if (!n) continue;
        taken_f++;
        snprintf(want, sizeof want, "%.*f", precs[i], v);
        if (strcmp(got, want)) fprintf(stderr, "%%.%df of %a: %s, glibc %s\n", precs[i], v, got, want);
        assert_string_equal(got, want);
        assert_int_equal(n, strlen(want));
    }
}

/* Random values of the kinds a report holds, and of every magnitude. */
static void test_random(void **st)
{
    (void)st;
    for (int i = 0; i < 60000; i++) {
        double v;
        uint64_t bits = next();
        memcpy(&v, &bits, sizeof v); /* any double at all */
        if (!isnan(v) && fabs(v) < 1e30) check(v);
        check(pow(10, -20 + 40 * unit()) * (next() & 1 ? -1 : 1)); /* log-uniform, both signs */
        check((double)(int64_t)(next() % 2000000001) / 100.0 - 1e7); /* pounds and pence */
        check((double)(next() % 100000000) / 1000.0);
        check((double)(next() >> 11)); /* integers up to 2^53 */
        check(unit() * 1600);          /* chart coordinates */
        check(unit() * 0.1);           /* cairo's "%.18f" range */
        check(1.0 / (double)(next() % 100000 + 1)); /* shares and rates */
    }
    assert_true(taken_g > 400000);
    assert_true(taken_g10 > 400000);
    assert_true(taken_f > 4000000);
}

/* "%.10g" by itself over another 700,000 values, the kinds written to the
 * charts' data files (shares, rates, money per patient, list sizes, fitted
 * lines) and exact halves at the 10th significant digit: an 11-digit value
 * ending in 5, as n + r/2^j with n of 11 - j digits (glibc rounds the exact
 * binary value, ties to even); and the values either side of every
 * 10-digit rounding that carries into a new power of ten. */
static void test_g10(void **st)
{
    (void)st;
    long before = taken_g10;
    for (int i = 0; i < 50000; i++) {
        uint64_t bits = next();
        double v;
        memcpy(&v, &bits, sizeof v);
        check_g10(v);                                            /* any double at all */
        check_g10(pow(10, -18 + 35 * unit()) * (next() & 1 ? -1 : 1)); /* log-uniform */
        check_g10(unit());                                       /* Lorenz shares */
        check_g10((double)(int64_t)(next() % 2000000001) / 100.0 - 1e7);
        check_g10((double)(next() % 60000));                     /* list sizes */
        check_g10((double)(next() >> 11) * (next() & 1 ? -1 : 1)); /* integers to 2^53 */
        check_g10(1.0 / (double)(next() % 100000 + 1) * 150.0);  /* funnel limits */
        int j = 1 + (int)(next() % 9);
        uint64_t lo = 1, r = 2 * (next() % ((uint64_t)1 << (j - 1))) + 1;
        for (int d = 0; d < 10 - j; d++) lo *= 10;
        uint64_t n = lo + next() % (9 * lo);
        double tie = (double)n + (double)r / (double)((uint64_t)1 << j);
        check_g10(tie);                                          /* a tie at the 10th digit */
        check_g10(-tie);
        check_g10(nextafter(tie, 0));
        check_g10(nextafter(tie, INFINITY));
        check_g10((double)(1000000000 + next() % 9000000000) * 10 + 5); /* 11 digits, ...5 */
        check_g10(ldexp(tie, -(int)(next() % 40)));              /* scaled by 2^-k: not ties */
        check_g10((double)(next() % 1000000000) / 1e9);           /* 9-place decimals */
        check_g10((double)(int64_t)(next() % 20000001 - 10000000) / 1000.0);
    }
    for (int k = -17; k <= 16; k++) {
        double p = pow(10, k), c = 9.9999999995 * pow(10, k - 1); /* rounds up to 10^k */
        const double around[] = {p, nextafter(p, 0), nextafter(p, INFINITY), c,
                                 nextafter(c, 0), nextafter(c, INFINITY), 5 * p, 1.5 * p};
        for (size_t i = 0; i < sizeof around / sizeof *around; i++) {
            check_g10(around[i]);
            check_g10(-around[i]);
        }
    }
    assert_true(taken_g10 - before > 700000);
    char out[64];
    assert_int_equal(pms_dec_g10(out, 1e-5), 5);
    assert_string_equal(out, "1e-05");
    assert_int_equal(pms_dec_g10(out, 9999999999.5), 5);
    assert_string_equal(out, "1e+10");
    assert_int_equal(pms_dec_g10(out, 1234567890.5), 10); /* a tie, to even */
    assert_string_equal(out, "1234567890");
    assert_int_equal(pms_dec_g10(out, 0.0001), 6);
    assert_string_equal(out, "0.0001");
    assert_int_equal(pms_dec_g10(out, -0.0), 2);
    assert_string_equal(out, "-0");
    assert_int_equal(pms_dec_g10(out, 2.5), 3);
    assert_string_equal(out, "2.5");
}

/* pms_dec_g for every precision 1 to 16, both cases, against snprintf. */
static void test_g_precisions(void **st)
{
    (void)st;
    for (int i = 0; i < 40000; i++) {
        double v = pow(10, -18 + 35 * unit()) * (next() & 1 ? -1 : 1);
        if (i % 4 == 1) v = (double)(int64_t)(next() % 2000001) / 8.0 - 1e5; /* ties */
        if (i % 4 == 2) memcpy(&v, &(uint64_t){next()}, sizeof v);
        for (int P = 1; P <= 16; P++) {
            char got[64], want[64];
            char up = (char)(next() & 1 ? 'E' : 'e');
            size_t n = pms_dec_g(got, v, P, up);
            if (in_g_range(v)) assert_true(n > 0);
            if (!n) continue;
            snprintf(want, sizeof want, up == 'E' ? "%.*G" : "%.*g", P, v);
            if (strcmp(got, want)) fprintf(stderr, "%%.%d%c of %a: %s, glibc %s\n", P, up == 'E' ? 'G' : 'g', v, got, want);
            assert_string_equal(got, want);
        }
    }
}

/* Exact halves at the last digit kept: rounded to even, as glibc does; and
 * the neighbours of every power of ten, where the exponent is decided. */
static void test_ties_and_edges(void **st)
{
    (void)st;
    for (int i = 0; i < 20000; i++) {
        check((double)(next() >> 12) + 0.5);          /* 17 digits ending in 5 */
        check(((double)(next() >> 14) + 0.25) / 1024); /* 2 to 4 extra binary places */
        check((double)(next() % 100000) + 0.5);       /* %.0f ties */
        check((double)(next() % 1000000) / 8 + 0.0625);
    }
    for (int k = -17; k <= 17; k++) {
        double p = pow(10, k);
        check(p);
        check(-p);
        check(nextafter(p, 0));
        check(nextafter(p, INFINITY));
    }
    const double fixed[] = {0.0,    -0.0,  0.5,   1.5,  2.5,    0.125, 0.0005, 0.0015,
                            1e-5,   1e-4,  9.9999999999999995e15, 9999999999999998.0,
                            1e15,   0.1,   0.3,   2.675, 1.005,  1e-17, 1.0000000000000002,
                            0.49999999999999994,  123456789012345.67, -1e-7};
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++) check(fixed[i]);
    char out[64];
    assert_int_equal(pms_dec_g16(out, 1e-5), 5);
    assert_string_equal(out, "1E-05");
    assert_int_equal(pms_dec_g16(out, -0.0), 2);
    assert_string_equal(out, "-0");
    assert_int_equal(pms_dec_fixed(out, sizeof out, 2.5, 0), 1);
    assert_string_equal(out, "2");
}

/* What the fast path leaves to snprintf: it says so (0) instead of writing. */
static void test_declines(void **st)
{
    (void)st;
    char out[64];
    const double big[] = {NAN, INFINITY, -INFINITY, 1e16, 1e300, 1e-18, 5e-324};
    for (size_t i = 0; i < sizeof big / sizeof *big; i++) {
        assert_int_equal(pms_dec_g16(out, big[i]), 0);
        assert_int_equal(pms_dec_g10(out, big[i]), 0);
    }
    assert_int_equal(pms_dec_g(out, 1.0, 0, 'e'), 0);
    assert_int_equal(pms_dec_g(out, 1.0, 17, 'e'), 0);
    assert_int_equal(pms_dec_fixed(out, sizeof out, NAN, 6), 0);
    assert_int_equal(pms_dec_fixed(out, sizeof out, 1e20, 6), 0);
    assert_int_equal(pms_dec_fixed(out, sizeof out, 1.0, 19), 0);
    assert_int_equal(pms_dec_fixed(out, sizeof out, 1.0, -1), 0);
    assert_int_equal(pms_dec_fixed(out, 8, 123.456, 6), 0); /* "123.456000" needs 11 bytes */
    assert_int_equal(pms_dec_fixed(out, 11, 123.456, 6), 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_random),
                                       cmocka_unit_test(test_ties_and_edges),
                                       cmocka_unit_test(test_g10),
                                       cmocka_unit_test(test_g_precisions),
                                       cmocka_unit_test(test_declines)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
