/* ctest-labels: unit */
/* io/dectext.h against glibc's printf, which it must equal byte for byte:
 * "%.16G" (the workbook's numbers) and "%.*f" for precisions 0 to 18 (the
 * PDF charts' coordinates), over about a million values of every kind the
 * report writes and of every magnitude, ties included.  Each value the fast
 * path must take (|v| in [1e-17, 1e16) for "%.16G", |v| < 2^64 for "%f") is
 * checked to have been taken, so the test fails if the fast path falls back
 * to snprintf instead of matching it. */
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

static long taken_g, taken_f;

/* v through both formatters, against snprintf. */
static void check(double v)
{
    char got[64], want[64];
    double a = fabs(v);
    size_t n = pms_dec_g16(got, v);
    if (v == 0 || (a >= 1e-17 && a < 1e16)) {
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
    assert_true(taken_f > 4000000);
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
    for (size_t i = 0; i < sizeof big / sizeof *big; i++)
        assert_int_equal(pms_dec_g16(out, big[i]), 0);
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
                                       cmocka_unit_test(test_declines)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
