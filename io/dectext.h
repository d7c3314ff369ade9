/* Exact decimal text of a double, as glibc's printf writes it, for the
 * formats written by the million in the report: the workbook's numbers
 * (libxlsxwriter's "%.16G", io/xlsx_cells.c, io/xlsx_chart_num.c), the
 * charts' data files ("%.10g", plots/gnuplot.c) and the PDF charts'
 * coordinates (cairo's "%f" and "%.Nf", plots/preload/png_level.c).  glibc converts every
 * double through multiple-precision arithmetic (0.3-0.5 us each); here the
 * common magnitudes are scaled exactly in 128-bit integers instead, and
 * rounded as glibc rounds in the default mode (to nearest, ties to even, on
 * the exact binary value), so the text is byte for byte glibc's.  Anything
 * else (very large or very small magnitudes, NaN, infinities) returns 0 and
 * the caller asks snprintf.  Header-only (static functions), because the
 * gnuplot module is built apart from the library and links against nothing.
 * Checked against snprintf over millions of values (tests/test_dectext.c). */
#ifndef PMS_IO_DECTEXT_H
#define PMS_IO_DECTEXT_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef unsigned __int128 pms_u128;

/* 5^k for k = 0..32 (5^32 < 2^75), from a table of those below 2^64. */
static inline pms_u128 pms_dec_pow5(int k)
{
    static const uint64_t p5[28] = {
        1ULL, 5ULL, 25ULL, 125ULL, 625ULL, 3125ULL, 15625ULL, 78125ULL, 390625ULL,
        1953125ULL, 9765625ULL, 48828125ULL, 244140625ULL, 1220703125ULL, 6103515625ULL,
        30517578125ULL, 152587890625ULL, 762939453125ULL, 3814697265625ULL,
        19073486328125ULL, 95367431640625ULL, 476837158203125ULL, 2384185791015625ULL,
        11920928955078125ULL, 59604644775390625ULL, 298023223876953125ULL,
        1490116119384765625ULL, 7450580596923828125ULL};
    if (k <= 27) return p5[k];
    return (pms_u128)p5[27] * p5[k - 27];
}

/* |v| as m * 2^e, m an integer below 2^53; 0 for zero, NaN or infinity. */
static inline int pms_dec_split(double v, uint64_t *m, int *e)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    int be = (int)((bits >> 52) & 0x7FF);
    uint64_t frac = bits & ((UINT64_C(1) << 52) - 1);
    if (be == 0x7FF || (be == 0 && frac == 0)) return 0;
    *m = be ? frac | (UINT64_C(1) << 52) : frac;
    *e = be ? be - 1075 : -1074;
    return 1;
}

/* floor(m * 2^e * 10^k) for m < 2^53 and -27 <= k <= 32 (so m * 5^k <
 * 2^128), and how the rest compares with one half (-1 below, 0 equal, +1
 * above).  0, or -1 when the result would not fit in 128 bits. */
static inline int pms_dec_scale(uint64_t m, int e, int k, pms_u128 *q, int *half)
{
    if (k < -27 || k > 32) return -1;
    if (k < 0) { /* m * 2^(e+k) / 5^-k: a division, exact in 128 bits */
        pms_u128 num = m, den = pms_dec_pow5(-k);
        int s = e + k;
        if (s >= 0) {
            if (s >= 64) return -1; /* m < 2^53, so m * 2^s < 2^117 */
            num <<= s;
        } else {
            if (-s >= 64 || (den >> (127 + s)) != 0) return -1; /* den * 2^-s < 2^127 */
            den <<= -s;
        }
        pms_u128 rest = num % den;
        *q = num / den;
        *half = 2 * rest < den ? -1 : 2 * rest == den ? 0 : 1;
        return 0;
    }
    pms_u128 p = (pms_u128)m * pms_dec_pow5(k);
    int s = k + e;
    if (s >= 0) {
        if (s >= 127 || (p >> (127 - s)) != 0) return -1;
        *q = p << s;
        *half = -1;
        return 0;
    }
    int r = -s;
    if (r > 128) { /* p < 2^128 < 2^(r-1): all rest, below one half */
        *q = 0;
        *half = -1;
        return 0;
    }
    pms_u128 mid = ((pms_u128)1) << (r - 1);
    pms_u128 rest = r == 128 ? p : p & ((mid << 1) - 1);
    *q = r == 128 ? 0 : p >> r;
    *half = rest < mid ? -1 : rest == mid ? 0 : 1;
    return 0;
}

/* The decimal digits of x, most significant first, into out (at least
 * `width` of them, with leading zeros); returns their number. */
static inline int pms_dec_digits64(uint64_t x, char *out, int width)
{
    static const char pairs[201] = "00010203040506070809101112131415161718192021222324252627282930"
                                   "31323334353637383940414243444546474849505152535455565758596061"
                                   "62636465666768697071727374757677787980818283848586878889909192"
                                   "93949596979899";
    char tmp[24];
    int n = 0;
    while (x >= 100) {
        unsigned r = (unsigned)(x % 100);
        x /= 100;
        tmp[n++] = pairs[2 * r + 1];
        tmp[n++] = pairs[2 * r];
    }
    if (x >= 10) {
        tmp[n++] = pairs[2 * x + 1];
        tmp[n++] = pairs[2 * x];
    } else {
        tmp[n++] = (char)('0' + x);
    }
    while (n < width) tmp[n++] = '0';
    for (int i = 0; i < n; i++) out[i] = tmp[n - 1 - i];
    return n;
}

/* The decimal digits of x (x < 10^38), most significant first, into out;
 * returns their number (at least one). */
static inline int pms_dec_digits(pms_u128 x, char *out)
{
    const uint64_t e19 = 10000000000000000000ULL;
    if (x < (pms_u128)e19) return pms_dec_digits64((uint64_t)x, out, 1);
    int n = pms_dec_digits64((uint64_t)(x / e19), out, 1);
    return n + pms_dec_digits64((uint64_t)(x % e19), out + n, 19);
}

/* 10^k for k = 0..19. */
static inline uint64_t pms_dec_pow10(int k)
{
    uint64_t p = 1;
    while (k-- > 0) p *= 10;
    return p;
}

/* The P significant digits of |v| (finite, non-zero; 1 <= P <= 16),
 * correctly rounded: N in [10^(P-1), 10^P) and its decimal exponent x
 * (|v| ~ N * 10^(x-P+1)).  0 when |v| is outside [1e-17, 1e16), or P out
 * of range. */
static inline int pms_dec_sig(double v, int P, uint64_t *N, int *x)
{
    uint64_t m;
    int e;
    if (P < 1 || P > 16) return 0;
    if (!pms_dec_split(v, &m, &e)) return 0;
    double a = v < 0 ? -v : v;
    if (!(a >= 1e-17 && a < 1e16)) return 0;
    /* A first guess at the exponent from the binary one (log10(2) ~ 0.30103),
     * then corrected by the exact scaled value. */
    int bexp = e + 52;
    for (uint64_t t = m; t < (UINT64_C(1) << 52); t <<= 1) bexp--;
    int g = (int)(bexp * 0.30102999566398120) - (bexp < 0);
    const pms_u128 lo = pms_dec_pow10(P - 1), hi = lo * 10;
    for (int tries = 0; tries < 4; tries++) {
        if (g > 15 || g < -17) { /* the guess, one off at the ends of the range */
            g = g > 15 ? 15 : -17;
            continue;
        }
        pms_u128 q;
        int half;
        if (pms_dec_scale(m, e, P - 1 - g, &q, &half)) {
            g++;
            continue;
        }
        if (q < lo) {
            g--;
            continue;
        }
        if (q >= hi) {
            g++;
            continue;
        }
        if (half > 0 || (half == 0 && (q & 1))) q++;
        if (q == hi) {
            q = lo;
            g++;
        }
        *N = (uint64_t)q;
        *x = g;
        return 1;
    }
    return 0;
}

/* The 16 significant digits of |v|, as pms_dec_sig. */
static inline int pms_dec_sig16(double v, uint64_t *N, int *x)
{
    return pms_dec_sig(v, 16, N, x);
}

/* v as printf("%.PG") (exp 'E') or "%.Pg" (exp 'e') writes it, for
 * 1 <= P <= 16, into out (at least 32 bytes), with its length; 0 when
 * snprintf must be asked instead.  glibc's rules for %g: the exponent X of
 * the value rounded to P digits; "%e" form when X < -4 or X >= P, else
 * "%f" form; trailing zeros dropped, and the '.' with them. */
static inline size_t pms_dec_g(char *out, double v, int P, char exp)
{
    char *o = out;
    if (P < 1 || P > 16) return 0;
    if (v == 0) {
        if (signbit(v)) *o++ = '-';
        *o++ = '0';
        *o = '\0';
        return (size_t)(o - out);
    }
    uint64_t N;
    int x;
    if (!pms_dec_sig(v, P, &N, &x)) return 0;
    if (v < 0) *o++ = '-';
    char d[20];
    pms_dec_digits64(N, d, 1);
    int nd = P;
    while (nd > 1 && d[nd - 1] == '0') nd--;
    if (x < -4 || x >= P) {
        *o++ = d[0];
        if (nd > 1) {
            *o++ = '.';
            memcpy(o, d + 1, (size_t)(nd - 1));
            o += nd - 1;
        }
        *o++ = exp;
        *o++ = x < 0 ? '-' : '+';
        int ax = x < 0 ? -x : x;
        if (ax < 10) *o++ = '0';
        o += pms_dec_digits64((uint64_t)ax, o, 1);
    } else if (x >= 0) {
        memcpy(o, d, (size_t)(x + 1));
        o += x + 1;
        if (nd > x + 1) {
            *o++ = '.';
            memcpy(o, d + x + 1, (size_t)(nd - x - 1));
            o += nd - x - 1;
        }
    } else {
        *o++ = '0';
        *o++ = '.';
        for (int i = 0; i < -x - 1; i++) *o++ = '0';
        memcpy(o, d, (size_t)nd);
        o += nd;
    }
    *o = '\0';
    return (size_t)(o - out);
}

/* v as printf("%.16G") writes it (the workbook's numbers). */
static inline size_t pms_dec_g16(char *out, double v)
{
    return pms_dec_g(out, v, 16, 'E');
}

/* v as printf("%.10g") writes it (the charts' data files). */
static inline size_t pms_dec_g10(char *out, double v)
{
    return pms_dec_g(out, v, 10, 'e');
}

/* v as printf("%.*f", prec) writes it, for 0 <= prec <= 18, into out (cap
 * bytes); its length, or 0 when snprintf must be asked instead (|v| of
 * 2^64 or more, NaN, infinity, or too little room). */
static inline size_t pms_dec_fixed(char *out, size_t cap, double v, int prec)
{
    if (prec < 0 || prec > 18) return 0;
    uint64_t m = 0;
    int e = 0;
    int neg = signbit(v) != 0; /* -0.0 prints as "-0.000000" */
    if (v != 0) {
        if (!pms_dec_split(v, &m, &e)) return 0;
        if (!(v < 18446744073709551616.0 && v > -18446744073709551616.0)) return 0;
    }
    pms_u128 q = 0;
    if (m) {
        int half;
        if (pms_dec_scale(m, e, prec, &q, &half)) return 0;
        if (half > 0 || (half == 0 && (q & 1))) q++;
    }
    char d[48];
    int nd = pms_dec_digits(q, d);
    /* At least prec + 1 digits: the integer part's 0 and the fraction. */
    int want = nd > prec ? nd : prec + 1;
    size_t len = (size_t)neg + (size_t)want + (prec > 0 ? 1 : 0);
    if (len + 1 > cap) return 0;
    char *o = out;
    if (neg) *o++ = '-';
    char full[48];
    memset(full, '0', (size_t)(want - nd));
    memcpy(full + want - nd, d, (size_t)nd);
    int ip = want - prec;
    memcpy(o, full, (size_t)ip);
    o += ip;
    if (prec > 0) {
        *o++ = '.';
        memcpy(o, full + ip, (size_t)prec);
        o += prec;
    }
    *o = '\0';
    return (size_t)(o - out);
}

#endif
