/* Preloaded (LD_PRELOAD) into the gnuplot processes that pmsreview starts,
 * never linked into pmsreview or its library.
 *
 * Why: gnuplot's pngcairo terminal has cairo write the PNG, and cairo's PNG
 * writer (cairo_surface_write_to_png_stream) sets no compression, so libpng
 * tries all five row filters on every row and zlib runs at level 6.  On the
 * report's 14 charts (1600x900, mostly flat colour) that was about 0.8 of
 * the 2.1 CPU-s gnuplot spent.  The filter "None" at zlib level 3 gives the
 * same pixels in a file 6% smaller, in 60% of the time (bench/RESULTS.md).
 * Likewise cairo deflates every stream of a PDF (pdfcairo) at level 6:
 * zlib_shim.c, the module's other half, has libdeflate do it at level 1.
 *
 * How: cairo calls png_set_IHDR once per image, before any row is written;
 * this definition comes first in the lookup order of a preloaded process, so
 * it runs in its place, calls libpng's own, and then sets the filter and the
 * level, both of which libpng reads when the first row is compressed.  The
 * library calls are looked up at run time, so the module links against
 * nothing: in a process without them (gnuplot built without cairo, a shell)
 * nothing here is ever called.  The prototypes are libpng 1.6's (png.h:
 * png_structrp and png_inforp are pointers, png_uint_32 is a 32-bit
 * unsigned int).
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
 * same arguments, checks included. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "io/dectext.h"

#define PNG_FILTER_TYPE_BASE 0 /* png.h: the only filter method PNG has */
#define PNG_FILTER_NONE 0x08   /* png.h: the mask bit of filter "None" */
#define LEVEL 3                /* zlib level: same size as cairo's default, far faster */

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
    if (set_level) set_level(png, LEVEL);
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
