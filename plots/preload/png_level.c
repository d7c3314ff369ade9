/* Preloaded (LD_PRELOAD) into the gnuplot processes that pmsreview starts,
 * never linked into pmsreview or its library.
 *
 * Why: gnuplot's pngcairo terminal has cairo write the PNG, and cairo's PNG
 * writer (cairo_surface_write_to_png_stream) sets no compression, so libpng
 * tries all five row filters on every row and zlib runs at level 6.  On the
 * report's 14 charts (1600x900, mostly flat colour) that was about 0.8 of
 * the 2.1 CPU-s gnuplot spent.  The filter "None" at zlib level 3 gives the
 * same pixels in a file 6% smaller, in 60% of the time (bench/RESULTS.md).
 * Likewise cairo deflates every stream of a PDF (pdfcairo) at level 6; at
 * level 1 the 14 PDFs cost about 0.1 CPU-s less and are 13% larger, with the
 * same streams once inflated.
 *
 * How: cairo calls png_set_IHDR once per image, before any row is written;
 * this definition comes first in the lookup order of a preloaded process, so
 * it runs in its place, calls libpng's own, and then sets the filter and the
 * level, both of which libpng reads when the first row is compressed.  The
 * PDF's streams are started with zlib's deflateInit_ (the deflateInit
 * macro), which is stood in for in the same way; libpng starts its streams
 * with deflateInit2_, which is left alone.  The library calls are looked up
 * at run time, so this file needs no libpng or zlib headers and the module
 * links against nothing: in a process without them (gnuplot built without
 * cairo, a shell) nothing here is ever called.  The prototypes are libpng
 * 1.6's (png.h: png_structrp and png_inforp are pointers, png_uint_32 is a
 * 32-bit unsigned int) and zlib 1.2's (zlib.h: z_streamp is a pointer).
 *
 * The numbers of the PDFs and SVGs: cairo writes every coordinate of a PDF
 * through snprintf ("%f", "%.18f" and "%.*f", cairo-output-stream.c
 * _cairo_dtostr), about 380,000 calls for the report's 14 PDFs, and
 * gnuplot's SVG terminal every point and path through fprintf ("L%.*f,%.*f"
 * and the like, 40,000 calls); glibc converts each number through
 * multiple-precision arithmetic, a fifth of the PDFs' cost.  Both programs
 * are built with _FORTIFY_SOURCE, so the calls go to __snprintf_chk and
 * __fprintf_chk, which are defined here: a format of literal text, "%%",
 * "%d", "%u", "%s" and fixed-point numbers ("%f", "%.Nf", "%.*f", written by
 * io/dectext.h, glibc's bytes exactly: tests/test_dectext.c) is written
 * here; any other (a flag, a width, "%g"), or a number io/dectext.h
 * declines, goes on to glibc's __vsnprintf_chk or __vfprintf_chk with the
 * same arguments, checks included.  zlib's adler32 is stood in for last
 * (below).  png_write.c, part of the same module, writes the PNG file of an
 * opaque picture itself, byte for byte as cairo and libpng do with these
 * settings. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <immintrin.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "io/dectext.h"
#include "plots/preload/preload.h"

#define PNG_FILTER_TYPE_BASE 0 /* png.h: the only filter method PNG has */
#define PNG_FILTER_NONE 0x08   /* png.h: the mask bit of filter "None" */
#define PDF_LEVEL 1            /* zlib level of a PDF's streams: zlib's fastest */

typedef void (*set_ihdr_fn)(void *, void *, uint32_t, uint32_t, int, int, int, int, int);
typedef void (*set_filter_fn)(void *, int, int);
typedef void (*set_level_fn)(void *, int);

__attribute__((visibility("default"))) void png_set_IHDR(void *png, void *info, uint32_t width,
                                                         uint32_t height, int bit_depth,
                                                         int color_type, int interlace,
                                                         int compression, int filter)
{
    set_ihdr_fn real = (set_ihdr_fn)dlsym(RTLD_NEXT, "png_set_IHDR");
    set_filter_fn set_filter = (set_filter_fn)dlsym(RTLD_NEXT, "png_set_filter");
    set_level_fn set_level = (set_level_fn)dlsym(RTLD_NEXT, "png_set_compression_level");
    if (!real) return; /* cannot happen: the caller was linked against libpng */
    real(png, info, width, height, bit_depth, color_type, interlace, compression, filter);
    if (set_filter) set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_NONE);
    if (set_level) set_level(png, PMS_PNG_LEVEL);
}

typedef int (*deflate_init_fn)(void *, int, const char *, int);

__attribute__((visibility("default"))) int deflateInit_(void *strm, int level,
                                                        const char *version, int stream_size)
{
    deflate_init_fn real = (deflate_init_fn)dlsym(RTLD_NEXT, "deflateInit_");
    if (!real) return -2; /* Z_STREAM_ERROR; cannot happen: the caller linked zlib */
    /* Stored (level 0) stays stored. */
    return real(strm, level == 0 ? 0 : PDF_LEVEL, version, stream_size);
}

int __vsnprintf_chk(char *s, size_t maxlen, int flag, size_t slen, const char *fmt, va_list ap);
int __vfprintf_chk(FILE *fp, int flag, const char *fmt, va_list ap);

/* fmt with ap into out (cap bytes, NUL-terminated): its length, or 0 when
 * this declines and glibc must do it: a conversion other than "%%", "%d",
 * "%u", "%s" (not NULL), "%f", "%.Nf" or "%.*f" (no flags, no width), a
 * number io/dectext.h declines, an empty result or too little room. */
static size_t mini_vformat(char *out, size_t cap, const char *fmt, va_list ap)
{
    size_t n = 0;
    for (const char *f = fmt; *f; f++) {
        char tmp[24];
        const char *piece = tmp;
        size_t len;
        if (*f != '%') {
            piece = f;
            len = strcspn(f, "%");
            f += len - 1;
        } else if (f[1] == '%') {
            piece = "%";
            len = 1;
            f++;
        } else if (f[1] == 'd' || f[1] == 'u') {
            long long v = f[1] == 'd' ? (long long)va_arg(ap, int) : (long long)va_arg(ap, unsigned);
            unsigned long long a = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
            len = (size_t)(v < 0);
            tmp[0] = '-';
            len += (size_t)pms_dec_digits64(a, tmp + len, 1);
            f++;
        } else if (f[1] == 's') {
            piece = va_arg(ap, const char *);
            if (!piece) return 0;
            len = strlen(piece);
            f++;
        } else {
            int prec = 6;
            const char *g = f + 1;
            if (g[0] == '.' && g[1] == '*') {
                prec = va_arg(ap, int);
                g += 2;
            } else if (g[0] == '.' && g[1] >= '0' && g[1] <= '9') {
                prec = 0;
                for (g++; *g >= '0' && *g <= '9' && prec < 100; g++) prec = 10 * prec + (*g - '0');
            }
            if (*g != 'f') return 0;
            if (!(len = pms_dec_fixed(tmp, sizeof tmp, va_arg(ap, double), prec))) return 0;
            f = g;
        }
        if (n + len + 1 > cap) return 0;
        memcpy(out + n, piece, len);
        n += len;
    }
    if (!n) return 0;
    out[n] = '\0';
    return n;
}

/* What cairo's PDF writer calls (_cairo_dtostr: "%f", "%.18f", "%.*f") and
 * gnuplot too. */
__attribute__((visibility("default"))) int __snprintf_chk(char *s, size_t maxlen, int flag,
                                                          size_t slen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (slen >= maxlen && fmt) {
        va_list aq;
        va_copy(aq, ap);
        size_t n = mini_vformat(s, maxlen, fmt, aq);
        va_end(aq);
        if (n) {
            va_end(ap);
            return (int)n;
        }
    }
    int r = __vsnprintf_chk(s, maxlen, flag, slen, fmt, ap);
    va_end(ap);
    return r;
}

/* What gnuplot's SVG terminal calls for every point and path
 * ("L%.*f,%.*f", "<use ... translate(%.*f,%.*f) scale(%.2f)'%s/>"). */
__attribute__((visibility("default"))) int __fprintf_chk(FILE *fp, int flag, const char *fmt,
                                                         ...)
{
    va_list ap;
    va_start(ap, fmt);
    char buf[512];
    va_list aq;
    va_copy(aq, ap);
    size_t n = fmt ? mini_vformat(buf, sizeof buf, fmt, aq) : 0;
    va_end(aq);
    int r;
    if (n)
        r = fwrite(buf, 1, n, fp) == n ? (int)n : -1;
    else
        r = __vfprintf_chk(fp, flag, fmt, ap);
    va_end(ap);
    return r;
}

/* zlib's checksum of every byte it deflates (the PNGs' 4 MB of pixels each,
 * the PDFs' streams): zlib 1.2.13 sums them a byte at a time, 6% of a PNG's
 * cost.  deflate calls adler32 through the dynamic linker, so the definition
 * here is the one it gets: 32 bytes a step with AVX2 (the sums of bytes and
 * of bytes weighted 32..1, as in zlib-ng and Chromium), blocks of at most
 * zlib's NMAX (5552) bytes between reductions so no 32-bit lane overflows;
 * zlib's own without AVX2.  The value is the same number (Adler-32 is
 * defined by its sums, RFC 1950); test_preload_adler compares it with
 * zlib's on random buffers. */
#define ADLER_BASE 65521u
#define ADLER_BLOCK 5536 /* NMAX rounded down to a multiple of 32 */

__attribute__((target("avx2"))) static uint64_t hsum32(__m256i v)
{
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    uint32_t l[4];
    _mm_storeu_si128((__m128i *)l, s);
    return (uint64_t)l[0] + l[1] + l[2] + l[3];
}

__attribute__((target("avx2"))) static unsigned long adler_avx2(unsigned long adler,
                                                                const unsigned char *buf,
                                                                size_t len)
{
    uint64_t s1 = adler & 0xffff, s2 = (adler >> 16) & 0xffff;
    const __m256i zero = _mm256_setzero_si256(), ones = _mm256_set1_epi16(1);
    const __m256i w = _mm256_setr_epi8(32, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19,
                                       18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3,
                                       2, 1);
    while (len >= 32) {
        size_t n = len < ADLER_BLOCK ? len - len % 32 : ADLER_BLOCK;
        __m256i vs1 = zero, vps = zero, vs2 = zero;
        for (size_t k = 0; k < n; k += 32) {
            __m256i d = _mm256_loadu_si256((const __m256i *)(buf + k));
            vps = _mm256_add_epi32(vps, vs1); /* the byte sum before this step */
            vs1 = _mm256_add_epi32(vs1, _mm256_sad_epu8(d, zero));
            vs2 = _mm256_add_epi32(vs2, _mm256_madd_epi16(_mm256_maddubs_epi16(d, w), ones));
        }
        s2 = (s2 + s1 * n + 32 * hsum32(vps) + hsum32(vs2)) % ADLER_BASE;
        s1 = (s1 + hsum32(vs1)) % ADLER_BASE;
        buf += n;
        len -= n;
    }
    while (len--) {
        s1 += *buf++;
        s2 += s1;
    }
    return (unsigned long)(s1 % ADLER_BASE | (s2 % ADLER_BASE) << 16);
}

typedef unsigned long (*adler_z_fn)(unsigned long, const unsigned char *, size_t);
typedef unsigned long (*adler_fn)(unsigned long, const unsigned char *, unsigned);


static int adler_fast(const unsigned char *buf, size_t len)
{
    __builtin_cpu_init();
    return buf && len >= 64 && __builtin_cpu_supports("avx2");
}

__attribute__((visibility("default"))) unsigned long adler32_z(unsigned long adler,
                                                              const unsigned char *buf,
                                                              size_t len)
{
    if (adler_fast(buf, len)) return adler_avx2(adler, buf, len);
    adler_z_fn real = (adler_z_fn)pms_preload_lib_fn("adler32_z");
    return real ? real(adler, buf, len) : 0; /* cannot happen: our caller linked zlib */
}

__attribute__((visibility("default"))) unsigned long adler32(unsigned long adler,
                                                            const unsigned char *buf,
                                                            unsigned len)
{
    if (adler_fast(buf, len)) return adler_avx2(adler, buf, len);
    adler_fn real = (adler_fn)pms_preload_lib_fn("adler32");
    return real ? real(adler, buf, len) : 0; /* cannot happen: our caller linked zlib */
}
