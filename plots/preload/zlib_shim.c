/* The zlib half of the module preloaded into gnuplot (with png_level.c; see
 * its comment for how a preloaded definition stands in for a library's).
 *
 * Whole-buffer deflate for the PDFs.  cairo deflates every stream of a PDF
 * through zlib's deflate, a piece at a time; libdeflate compresses a whole
 * buffer in one call, on the PDFs' drawing operators in about half zlib's
 * time at its level 1, and smaller.  So the streams cairo starts with
 * deflateInit_ are followed here: deflate with Z_NO_FLUSH only gathers the
 * input (all of it taken, nothing written), and with Z_FINISH the gathered
 * bytes are compressed by libdeflate in zlib's format, header and Adler-32
 * included, and handed out in as many calls as the caller's output buffer
 * needs, Z_STREAM_END with the last byte, as zlib does.  zlib's own stream
 * is still made, reset and ended beside it.  Any other flush mode on a
 * stream that holds gathered input fails it (Z_STREAM_ERROR: cairo uses
 * none); on a fresh stream it, and everything after, goes to zlib.  Without
 * libdeflate (dlopen of libdeflate.so.0 fails) zlib does all, at level 1.
 * The PNGs' rows (libpng starts its streams with deflateInit2_) stay with
 * zlib: on their long runs of one colour zlib is the faster (the 14 charts'
 * 60.5 MB of rows: zlib level 3 143 ms, libdeflate level 1 181 ms).  The
 * streams inflate to the same bytes (test_png_preload compares them).
 *
 * State: the followed streams and libdeflate's compressor live in this
 * process's globals, which is sound in a gnuplot: it draws on one thread,
 * one picture at a time. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define PDF_LEVEL 1 /* zlib level of a PDF's streams without libdeflate: zlib's fastest */

typedef size_t (*ld_bound_fn)(void *, size_t);
typedef size_t (*ld_zlib_fn)(void *, const void *, size_t, void *, size_t);
typedef void *(*ld_alloc_fn)(int);

static struct {
    int tried;
    void *compressor; /* level 1 */
    ld_bound_fn bound;
    ld_zlib_fn compress;
} ld;

/* libdeflate, loaded at the first stream: 1 if it is there. */
static int ld_ready(void)
{
    if (!ld.tried) {
        ld.tried = 1;
        void *h = dlopen("libdeflate.so.0", RTLD_NOW | RTLD_LOCAL);
        ld_alloc_fn alloc = h ? (ld_alloc_fn)dlsym(h, "libdeflate_alloc_compressor") : NULL;
        ld.bound = h ? (ld_bound_fn)dlsym(h, "libdeflate_zlib_compress_bound") : NULL;
        ld.compress = h ? (ld_zlib_fn)dlsym(h, "libdeflate_zlib_compress") : NULL;
        if (alloc && ld.bound && ld.compress) ld.compressor = alloc(1);
    }
    return ld.compressor != NULL;
}

/* A followed stream: its input so far, then its compressed bytes. */
typedef struct shim {
    z_streamp strm;
    unsigned char *in, *out;
    size_t n, cap, m, sent;
    int finished; /* out[0 .. m) is being handed out */
    struct shim *next;
} shim;

static shim *shims;

static shim **find(z_streamp strm)
{
    shim **p = &shims;
    while (*p && (*p)->strm != strm) p = &(*p)->next;
    return p;
}

static void clear(shim *s)
{
    free(s->in);
    free(s->out);
    s->in = s->out = NULL;
    s->n = s->cap = s->m = s->sent = 0;
    s->finished = 0;
}

static void follow(z_streamp strm)
{
    if (!ld_ready() || *find(strm)) return;
    shim *s = calloc(1, sizeof *s);
    if (!s) return; /* zlib does it */
    s->strm = strm;
    s->next = shims;
    shims = s;
}

static void unfollow(z_streamp strm)
{
    shim **p = find(strm), *s = *p;
    if (!s) return;
    *p = s->next;
    clear(s);
    free(s);
}

/* zlib's own function `name`: the next definition after this module when
 * it is preloaded; the program's when the module was loaded with dlopen
 * (the tests), never this module's. */
static void *zlib_fn(const char *name)
{
    void *f = dlsym(RTLD_NEXT, name);
    if (!f) f = dlsym(RTLD_DEFAULT, name);
    Dl_info of_f, of_us;
    if (f && dladdr(f, &of_f) && dladdr((void *)zlib_fn, &of_us) &&
        of_f.dli_fbase == of_us.dli_fbase)
        return NULL;
    return f;
}

typedef int (*init_fn)(z_streamp, int, const char *, int);
typedef int (*stream_fn)(z_streamp);
typedef int (*deflate_fn)(z_streamp, int);

__attribute__((visibility("default"))) int deflateInit_(z_streamp strm, int level,
                                                        const char *version, int stream_size)
{
    init_fn real = (init_fn)zlib_fn("deflateInit_");
    if (!real) return Z_STREAM_ERROR; /* cannot happen: the caller linked zlib */
    /* Stored (level 0) stays stored, and zlib's. */
    int r = real(strm, level == 0 ? 0 : PDF_LEVEL, version, stream_size);
    if (r == Z_OK && level != 0) follow(strm);
    return r;
}

/* Take the caller's input into s. */
static int gather(shim *s, z_streamp strm)
{
    size_t k = strm->avail_in;
    if (s->n + k > s->cap) {
        size_t cap = s->cap ? s->cap : 1 << 16;
        while (cap < s->n + k) cap *= 2;
        unsigned char *b = realloc(s->in, cap);
        if (!b) return Z_MEM_ERROR;
        s->in = b;
        s->cap = cap;
    }
    memcpy(s->in + s->n, strm->next_in, k);
    s->n += k;
    strm->next_in += k;
    strm->total_in += k;
    strm->avail_in = 0;
    return Z_OK;
}

/* Compress what s gathered (once), then hand out as much as fits. */
static int finish(shim *s, z_streamp strm)
{
    if (!s->finished) {
        size_t cap = ld.bound(ld.compressor, s->n);
        if (!(s->out = malloc(cap ? cap : 1))) return Z_MEM_ERROR;
        if (!(s->m = ld.compress(ld.compressor, s->in, s->n, s->out, cap))) return Z_STREAM_ERROR;
        s->finished = 1;
    }
    size_t k = s->m - s->sent < strm->avail_out ? s->m - s->sent : strm->avail_out;
    memcpy(strm->next_out, s->out + s->sent, k);
    s->sent += k;
    strm->next_out += k;
    strm->avail_out -= (uInt)k;
    strm->total_out += k;
    return s->sent == s->m ? Z_STREAM_END : Z_OK;
}

__attribute__((visibility("default"))) int deflate(z_streamp strm, int flush)
{
    shim *s = *find(strm);
    if (s && flush != Z_NO_FLUSH && flush != Z_FINISH) {
        if (s->n || s->finished) return Z_STREAM_ERROR;
        unfollow(strm);
        s = NULL;
    }
    if (!s) {
        deflate_fn real = (deflate_fn)zlib_fn("deflate");
        return real ? real(strm, flush) : Z_STREAM_ERROR;
    }
    if (!s->finished && strm->avail_in) {
        int r = gather(s, strm);
        if (r != Z_OK) return r;
    }
    return flush == Z_FINISH ? finish(s, strm) : Z_OK;
}

__attribute__((visibility("default"))) int deflateReset(z_streamp strm)
{
    shim *s = *find(strm);
    if (s) clear(s);
    stream_fn real = (stream_fn)zlib_fn("deflateReset");
    return real ? real(strm) : Z_STREAM_ERROR;
}

__attribute__((visibility("default"))) int deflateEnd(z_streamp strm)
{
    unfollow(strm);
    stream_fn real = (stream_fn)zlib_fn("deflateEnd");
    return real ? real(strm) : Z_STREAM_ERROR;
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

__attribute__((visibility("default"))) uLong adler32_z(uLong adler, const Bytef *buf,
                                                      z_size_t len)
{
    if (adler_fast(buf, len)) return adler_avx2(adler, buf, len);
    adler_z_fn real = (adler_z_fn)zlib_fn("adler32_z");
    return real ? real(adler, buf, len) : 0; /* cannot happen: our caller linked zlib */
}

__attribute__((visibility("default"))) uLong adler32(uLong adler, const Bytef *buf, uInt len)
{
    if (adler_fast(buf, len)) return adler_avx2(adler, buf, len);
    adler_fn real = (adler_fn)zlib_fn("adler32");
    return real ? real(adler, buf, len) : 0; /* cannot happen: our caller linked zlib */
}
