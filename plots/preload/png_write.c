/* Part of the gnuplot module (see png_level.c): the PNG file of an opaque
 * picture written here, byte for byte as cairo 1.16 and libpng 1.6 write it
 * with png_level.c's settings, in about half of their time.
 *
 * Why: gnuplot's pngcairo terminal hands its picture to cairo's
 * cairo_surface_write_to_png_stream, which scans every pixel for
 * transparency, then lets libpng call back into cairo for every row to turn
 * its 32-bit pixels into bytes, copies each row twice more (the filler byte
 * dropped, the filter byte added) and deflates it.  For the report's 1600x900
 * charts that was about a fifth of all gnuplot's time, most of it outside
 * zlib.  Here one pass turns the pixels into the rows libpng would deflate
 * (a filter byte of 0, "None", as png_level.c asks, then red, green and blue:
 * cairo's convert_data_to_bytes and libpng's filler), failing on the first
 * pixel that is not opaque, and the rows are deflated with the parameters
 * libpng chooses (png_deflate_claim: png_level.c's level, method 8, window
 * bits 15, memory level 8, the default strategy when the only filter is
 * None), a row at a time, into IDAT chunks of libpng's 8,192 bytes (PNG_ZBUF_SIZE), after the
 * IHDR and the white bKGD cairo sets.  tests/test_gnuplot.c's
 * test_png_writer compares the file with the one libpng writes, byte for
 * byte.  (Opaque: cairo scans every pixel first, and so does this; only
 * then is anything written.)
 *
 * Anything else is left to cairo, with nothing written yet: a surface in
 * error, not an image, of another format, with a transparent pixel, or of
 * at most 16,384 bytes of rows (libpng then shrinks zlib's window and
 * rewrites the stream's first byte, which is not done here).  So does every
 * picture when PMS_GNUPLOT_PNG_WRITER=cairo (the test's comparison).  The
 * functions of cairo and zlib are looked up at run time, as in png_level.c;
 * the cairo values used (CAIRO_SURFACE_TYPE_IMAGE 0, CAIRO_FORMAT_ARGB32 0
 * and RGB24 1, CAIRO_STATUS_NO_MEMORY 1) are part of its stable API. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <immintrin.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "plots/preload/preload.h"

typedef int (*cairo_write_fn)(void *closure, const unsigned char *data, unsigned int length);
typedef int (*write_stream_fn)(void *surface, cairo_write_fn write, void *closure);
typedef int (*surface_int_fn)(void *surface);
typedef unsigned char *(*surface_data_fn)(void *surface);
typedef void (*surface_void_fn)(void *surface);

enum { CAIRO_OK = 0, CAIRO_NO_MEMORY = 1, SURFACE_IMAGE = 0, FORMAT_ARGB32 = 0, FORMAT_RGB24 = 1 };
enum { ZBUF = 8192 };  /* libpng's PNG_ZBUF_SIZE: the size of each IDAT chunk but the last */


/* Whether every pixel is opaque (an RGB24 picture always is): cairo's
 * _cairo_image_analyze_transparency, whose answer makes the PNG RGB.  A
 * pixel is a native 32-bit word, 0xAARRGGBB. */
static int opaque(const unsigned char *data, int format, size_t w, size_t h, size_t stride)
{
    if (format == FORMAT_RGB24) return 1;
    uint32_t alpha = 0xff000000u;
    for (size_t y = 0; y < h && alpha == 0xff000000u; y++)
        for (size_t x = 0; x < w; x++) {
            uint32_t p;
            memcpy(&p, data + y * stride + 4 * x, 4);
            alpha &= p;
        }
    return alpha == 0xff000000u;
}

/* Pixels [0, k) of a row into RGB bytes, four at a time (a byte shuffle of
 * each 16 bytes, little-endian BGRA, into 12); k, a multiple of four that
 * leaves at least two pixels (6 bytes), as each 16-byte store runs 4 bytes
 * past its 12. */
__attribute__((target("ssse3"))) static size_t rgb_ssse3(unsigned char *o,
                                                         const unsigned char *in, size_t w)
{
    const __m128i pick = _mm_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1);
    size_t k = w >= 2 ? (w - 2) / 4 * 4 : 0;
    for (size_t x = 0; x < k; x += 4, o += 12) {
        __m128i p = _mm_loadu_si128((const __m128i *)(in + 4 * x));
        _mm_storeu_si128((__m128i *)o, _mm_shuffle_epi8(p, pick));
    }
    return k;
}

/* One row as libpng deflates it: the filter byte 0 ("None"), then red,
 * green and blue of each pixel (cairo's convert_data_to_bytes, then
 * libpng's filler byte dropped). */
static void rgb_row(unsigned char *o, const unsigned char *in, size_t w, int ssse3)
{
    *o++ = 0;
    size_t x = 0;
    if (ssse3) x = rgb_ssse3(o, in, w), o += 3 * x;
    for (; x < w; x++, o += 3) {
        uint32_t p;
        memcpy(&p, in + 4 * x, 4);
        o[0] = (unsigned char)(p >> 16), o[1] = (unsigned char)(p >> 8), o[2] = (unsigned char)p;
    }
}

/* zlib's functions, found at run time. */
typedef struct {
    uLong (*crc32)(uLong, const Bytef *, uInt);
    int (*init2)(z_streamp, int, int, int, int, int, const char *, int);
    int (*deflate)(z_streamp, int);
    int (*end)(z_streamp);
} zfns;

static int find_zlib(zfns *z)
{
    *(void **)&z->crc32 = pms_preload_lib_fn("crc32");
    *(void **)&z->init2 = pms_preload_lib_fn("deflateInit2_");
    *(void **)&z->deflate = pms_preload_lib_fn("deflate");
    *(void **)&z->end = pms_preload_lib_fn("deflateEnd");
    return z->crc32 && z->init2 && z->deflate && z->end;
}

static void be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24), p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8), p[3] = (unsigned char)v;
}

/* One chunk through the caller's write function: length, type, data, CRC. */
static int chunk(const zfns *zf, cairo_write_fn write, void *closure, const char *type,
                 const unsigned char *data, uint32_t n)
{
    unsigned char head[8], tail[4];
    be32(head, n);
    memcpy(head + 4, type, 4);
    uLong crc = zf->crc32(zf->crc32(0, NULL, 0), head + 4, 4);
    if (n) crc = zf->crc32(crc, data, (uInt)n);
    be32(tail, (uint32_t)crc);
    int st = write(closure, head, 8);
    if (!st && n) st = write(closure, data, n);
    return st ? st : write(closure, tail, 4);
}

/* The rows deflated into IDAT chunks as libpng cuts them: each time its
 * 8,192-byte buffer is full, and what is left at the end (never empty).
 * A row at a time, as libpng gives them to zlib. */
static int idat(const zfns *zf, cairo_write_fn write, void *closure, const unsigned char *data,
                size_t w, size_t h, size_t stride)
{
    size_t row = 1 + 3 * w;
    unsigned char *buf = malloc(row), out[ZBUF];
    z_stream z;
    memset(&z, 0, sizeof z);
    if (!buf || zf->init2(&z, PMS_PNG_LEVEL, Z_DEFLATED, 15, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
                          (int)sizeof z) != Z_OK) {
        free(buf);
        return CAIRO_NO_MEMORY;
    }
    z.next_out = out, z.avail_out = ZBUF;
    int st = CAIRO_OK, ret = Z_OK;
    __builtin_cpu_init();
    int ssse3 = __builtin_cpu_supports("ssse3");
    for (size_t y = 0; y <= h && !st && ret != Z_STREAM_END; y++) {
        int flush = y < h ? Z_NO_FLUSH : Z_FINISH;
        if (y < h) rgb_row(buf, data + y * stride, w, ssse3);
        z.next_in = buf, z.avail_in = y < h ? (uInt)row : 0;
        do {
            ret = zf->deflate(&z, flush);
            if (ret != Z_OK && ret != Z_STREAM_END && ret != Z_BUF_ERROR) {
                st = CAIRO_NO_MEMORY;
            } else if (z.avail_out == 0) {
                st = chunk(zf, write, closure, "IDAT", out, ZBUF);
                z.next_out = out, z.avail_out = ZBUF;
            }
        } while (!st && ret != Z_STREAM_END && (z.avail_in || (flush == Z_FINISH && ret == Z_OK)));
    }
    if (!st && z.avail_out < ZBUF) st = chunk(zf, write, closure, "IDAT", out, ZBUF - z.avail_out);
    zf->end(&z);
    free(buf);
    return st;
}

/* The whole file; 1 if written here (*status its outcome), 0 if left to
 * cairo with nothing written. */
static int write_opaque(void *surface, cairo_write_fn write, void *closure, int *status)
{
#define CAIRO_FN(type, name) ((type)pms_preload_lib_fn("cairo_" name))
    const char *who = getenv("PMS_GNUPLOT_PNG_WRITER");
    surface_int_fn st_of = CAIRO_FN(surface_int_fn, "surface_status"),
                   type_of = CAIRO_FN(surface_int_fn, "surface_get_type"),
                   format_of = CAIRO_FN(surface_int_fn, "image_surface_get_format"),
                   width_of = CAIRO_FN(surface_int_fn, "image_surface_get_width"),
                   height_of = CAIRO_FN(surface_int_fn, "image_surface_get_height"),
                   stride_of = CAIRO_FN(surface_int_fn, "image_surface_get_stride");
    surface_data_fn data_of = CAIRO_FN(surface_data_fn, "image_surface_get_data");
    surface_void_fn flush = CAIRO_FN(surface_void_fn, "surface_flush");
#undef CAIRO_FN
    if ((who && !strcmp(who, "cairo")) || !st_of || !type_of || !format_of || !width_of ||
        !height_of || !stride_of || !data_of || !flush || !surface || st_of(surface) != CAIRO_OK ||
        type_of(surface) != SURFACE_IMAGE)
        return 0;
    flush(surface);
    int format = format_of(surface), w = width_of(surface), h = height_of(surface);
    int stride = stride_of(surface);
    const unsigned char *data = data_of(surface);
    if ((format != FORMAT_ARGB32 && format != FORMAT_RGB24) || w <= 0 || h <= 0 ||
        stride < 4 * w || !data || (size_t)h * (1 + 3 * (size_t)w) <= 16384)
        return 0;
    zfns zf;
    if (!find_zlib(&zf) || !opaque(data, format, (size_t)w, (size_t)h, (size_t)stride)) return 0;
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    /* IHDR: width, height, 8 bits, RGB, deflate, filter method 0, no interlace. */
    unsigned char ihdr[13] = {0, 0, 0, 0, 0, 0, 0, 0, 8, 2, 0, 0, 0};
    be32(ihdr, (uint32_t)w), be32(ihdr + 4, (uint32_t)h);
    static const unsigned char bkgd[6] = {0, 0xff, 0, 0xff, 0, 0xff}; /* cairo's white */
    int st = write(closure, sig, 8);
    if (!st) st = chunk(&zf, write, closure, "IHDR", ihdr, 13);
    if (!st) st = chunk(&zf, write, closure, "bKGD", bkgd, 6);
    if (!st) st = idat(&zf, write, closure, data, (size_t)w, (size_t)h, (size_t)stride);
    if (!st) st = chunk(&zf, write, closure, "IEND", NULL, 0);
    *status = st;
    return 1;
}

__attribute__((visibility("default"))) int cairo_surface_write_to_png_stream(void *surface,
                                                                             cairo_write_fn write,
                                                                             void *closure)
{
    int status = CAIRO_OK;
    if (write && write_opaque(surface, write, closure, &status)) return status;
    write_stream_fn real = (write_stream_fn)pms_preload_lib_fn("cairo_surface_write_to_png_stream");
    return real ? real(surface, write, closure) : CAIRO_NO_MEMORY; /* the caller linked cairo */
}
