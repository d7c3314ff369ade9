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
 * The PDF's numbers: cairo writes every coordinate of a PDF through
 * snprintf ("%f", "%.18f" and "%.*f", cairo-output-stream.c _cairo_dtostr),
 * about 380,000 calls for the report's 14 PDFs, and glibc converts each
 * through multiple-precision arithmetic: a quarter of the PDFs' cost.
 * cairo is built with _FORTIFY_SOURCE, so its calls go to __snprintf_chk,
 * which is defined here: those three formats are written by io/dectext.h,
 * which gives glibc's bytes exactly (tests/test_dectext.c), and every other
 * call, or a number it does not take, goes on to glibc's __vsnprintf_chk
 * with the same arguments, checks included. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "io/dectext.h"

#define PNG_FILTER_TYPE_BASE 0 /* png.h: the only filter method PNG has */
#define PNG_FILTER_NONE 0x08   /* png.h: the mask bit of filter "None" */
#define LEVEL 3                /* zlib level: same size as cairo's default, far faster */
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
    if (set_level) set_level(png, LEVEL);
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

/* The precision of one of cairo's number formats, -2 for "%.*f" (the
 * precision is an argument), -1 for any other format. */
static int fixed_format(const char *fmt)
{
    if (fmt[0] != '%') return -1;
    if (strcmp(fmt, "%f") == 0) return 6;
    if (strcmp(fmt, "%.18f") == 0) return 18;
    if (strcmp(fmt, "%.*f") == 0) return -2;
    return -1;
}

__attribute__((visibility("default"))) int __snprintf_chk(char *s, size_t maxlen, int flag,
                                                          size_t slen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int prec = slen >= maxlen && fmt ? fixed_format(fmt) : -1;
    if (prec != -1) {
        va_list aq;
        va_copy(aq, ap);
        if (prec == -2) prec = va_arg(aq, int);
        double d = va_arg(aq, double);
        va_end(aq);
        size_t n = pms_dec_fixed(s, maxlen, d, prec);
        if (n) {
            va_end(ap);
            return (int)n;
        }
    }
    int r = __vsnprintf_chk(s, maxlen, flag, slen, fmt, ap);
    va_end(ap);
    return r;
}
