/* madvise(MADV_HUGEPAGE) is Linux's; everything else here is C11 + POSIX. */
#define _DEFAULT_SOURCE
#include "io/csv.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/sha256.h"

static int valid_utf8(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        /* ASCII fast path, 8 bytes at a time. */
        while (i + 8 <= n) {
            uint64_t v;
            memcpy(&v, s + i, 8);
            if (v & 0x8080808080808080ULL) break;
            i += 8;
        }
        if (i >= n) break;
        unsigned char c = s[i];
        if (c < 0x80) { i++; continue; }
        size_t k;
        uint32_t cp;
        if ((c & 0xE0) == 0xC0) { k = 1; cp = c & 0x1F; }
        else if ((c & 0xF0) == 0xE0) { k = 2; cp = c & 0x0F; }
        else if ((c & 0xF8) == 0xF0) { k = 3; cp = c & 0x07; }
        else return 0;
        for (size_t j = 1; j <= k; j++) {
            if (i + j >= n || (s[i + j] & 0xC0) != 0x80) return 0;
            cp = cp << 6 | (s[i + j] & 0x3F);
        }
        /* Overlong forms, surrogates and values above U+10FFFF are not UTF-8. */
        if ((k == 1 && cp < 0x80) || (k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
            (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
            return 0;
        i += k + 1;
    }
    return 1;
}

/* Bytes 0x80-0x9F as Windows-1252 reads them (the WHATWG Encoding
 * Standard's index-windows-1252; its five unassigned bytes keep their
 * ISO-8859-1 code points).  ISO-8859-1 has control codes there, which no
 * text file means: a file that has them was written by Windows software
 * (Excel's "CSV" in the ANSI code page), whose curly quotes and dashes
 * would otherwise become invisible controls.  Every other byte b is code
 * point b in both. */
static const uint16_t cp1252_c1[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
    0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

const char *pms_csv_encoding(int latin1)
{
    return latin1 == 2 ? "Windows-1252" : latin1 ? "ISO-8859-1" : "UTF-8";
}

/* s[0..n) read as Windows-1252 (ISO-8859-1 when no byte is in 0x80-0x9F)
 * into a fresh UTF-8 buffer; *c1 set if a byte was in 0x80-0x9F. */
static char *latin1_to_utf8(const unsigned char *s, size_t n, size_t *outlen, int *c1)
{
    size_t extra = 0, ctl = 0;
    for (size_t i = 0; i < n; i++) {
        extra += s[i] >= 0x80;
        if (s[i] >= 0x80 && s[i] < 0xA0) extra += cp1252_c1[s[i] - 0x80] >= 0x800, ctl++;
    }
    char *o = malloc(n + extra + 1);
    if (!o) return NULL;
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned c = s[i];
        if (c >= 0x80 && c < 0xA0) c = cp1252_c1[c - 0x80];
        if (c < 0x80) o[w++] = (char)c;
        else if (c < 0x800) {
            o[w++] = (char)(0xC0 | (c >> 6));
            o[w++] = (char)(0x80 | (c & 0x3F));
        } else {
            o[w++] = (char)(0xE0 | (c >> 12));
            o[w++] = (char)(0x80 | ((c >> 6) & 0x3F));
            o[w++] = (char)(0x80 | (c & 0x3F));
        }
    }
    o[w] = '\0';
    *outlen = w;
    *c1 = ctl > 0;
    return o;
}

void pms_hint_hugepages(void *p, size_t n)
{
    /* Faulting in 4 KiB pages one by one dominated loading big files; a
     * transparent-huge-page hint makes the kernel map (and zero) 2 MiB at a
     * time.  Only the 2 MiB-aligned interior can be advised; failure is harmless. */
#ifdef MADV_HUGEPAGE
    const uintptr_t huge = (uintptr_t)2 << 20;
    uintptr_t a = ((uintptr_t)p + huge - 1) & ~(huge - 1), b = ((uintptr_t)p + n) & ~(huge - 1);
    if (n >= 4 * huge && b > a) madvise((void *)a, b - a, MADV_HUGEPAGE);
#else
    (void)p;
    (void)n;
#endif
}

/* ---- hashing on another core while this one parses ----
 *
 * The parser writes into the buffer (NUL terminators, quotes removed), so it
 * may only touch bytes the hashing thread has already hashed: `done` is the
 * hashed prefix, published with release order; the parser checks it before
 * each write (one comparison with a cached bound) and waits in the rare case
 * it catches up (SHA-NI hashes about 3x faster than the parser reads). */
typedef struct {
    const char *buf;
    size_t len;
    atomic_size_t done;
    unsigned char digest[32];
    pthread_t tid;
    int threaded;
} hasher;

static void *hash_thread(void *arg)
{
    hasher *h = arg;
    pms_sha256_state st;
    pms_sha256_begin(&st);
    const size_t chunk = (size_t)1 << 20; /* a multiple of 64 */
    size_t off = 0;
    while (h->len - off > chunk) {
        pms_sha256_feed(&st, h->buf + off, chunk / 64);
        off += chunk;
        atomic_store_explicit(&h->done, off, memory_order_release);
    }
    pms_sha256_end(&st, h->buf + off, h->len - off, h->digest);
    atomic_store_explicit(&h->done, h->len + 1, memory_order_release);
    return NULL;
}

static void hasher_start(hasher *h, const char *buf, size_t len)
{
    h->buf = buf;
    h->len = len;
    h->threaded = 0;
    atomic_init(&h->done, 0);
    /* Small files: not worth a thread. */
    if (len >= ((size_t)8 << 20) && pthread_create(&h->tid, NULL, hash_thread, h) == 0) {
        h->threaded = 1;
        return;
    }
    hash_thread(h);
}

/* Wait until byte `pos` has been hashed; returns the new bound (exclusive). */
static size_t hasher_wait(hasher *h, size_t pos)
{
    size_t d;
    while ((d = atomic_load_explicit(&h->done, memory_order_acquire)) <= pos) {
        struct timespec ts = {0, 50000};
        nanosleep(&ts, NULL);
    }
    return d;
}

static void hasher_join(hasher *h)
{
    if (h->threaded) pthread_join(h->tid, NULL);
    h->threaded = 0;
}

/* ---- field scanning, eight bytes at a time ----
 * An unquoted field ends at ',', '\n', '\r' or the NUL after the text.  Most
 * fields are short numbers, so the word test mainly saves the per-byte loop
 * on names and addresses.  has_byte is the classic SWAR zero-byte test
 * (exact for the lowest matching byte, which is the one used). */
#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL
static inline uint64_t has_zero(uint64_t v) { return (v - ONES) & ~v & HIGHS; }

static inline size_t scan_unquoted(const char *b, size_t r, size_t n)
{
    while (r + 8 <= n) {
        uint64_t v;
        memcpy(&v, b + r, 8);
        /* No NUL test: a file holding one is refused before the split. */
        uint64_t m = has_zero(v ^ (ONES * ',')) | has_zero(v ^ (ONES * '\n')) |
                     has_zero(v ^ (ONES * '\r'));
        if (m) return r + (size_t)(__builtin_ctzll(m) >> 3);
        r += 8;
    }
    while (r < n && b[r] != ',' && b[r] != '\n' && b[r] != '\r') r++;
    return r;
}

/* ---- field scanning, 64 bytes at a time (the streaming split) ----
 * The bytes of a 64-byte block are classified once into bit masks (bit i
 * for byte i): separators (',', '\n', '\r'), line ends ('\n', '\r') and
 * quotes.  Each unquoted field's end is then the lowest separator bit not
 * yet used, whether it ends the line is one bit test, and whether the next
 * field is quoted another: no byte of the field is looked at.  The masks
 * depend on the bytes alone, not on the quoting state: a quoted field is
 * still read by read_quoted (quote to quote with memchr, exactly as
 * before), and the masks of the block it ends in are still right for the
 * bytes after it.  The classifier is AVX2 where the CPU has it (chosen at
 * run time, so the build runs on any x86-64), else eight SWAR words; the
 * last bytes of the text, fewer than 64, are scanned as before. */
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define PMS_HAVE_AVX2 1
#endif

typedef struct {
    uint64_t sep, eol, quote;
} block_masks;

/* Bit i of the result: byte i of the word is zero (exact for every byte:
 * no borrow crosses bytes, unlike has_zero). */
static inline uint64_t zero_bytes(uint64_t v)
{
    const uint64_t low7 = ONES * 0x7F;
    return ~(((v & low7) + low7) | v) & HIGHS;
}

/* The high bit of each byte of m (bits 7, 15, ..., 63) gathered into the
 * low eight bits, byte 0 first. */
static inline uint64_t gather_highs(uint64_t m)
{
    return ((m >> 7) * 0x0102040810204080ULL) >> 56;
}

static inline block_masks classify_words(const char *p)
{
    block_masks k = {0, 0, 0};
    for (int i = 0; i < 8; i++) {
        uint64_t v;
        memcpy(&v, p + 8 * i, 8);
        uint64_t eol = zero_bytes(v ^ (ONES * '\n')) | zero_bytes(v ^ (ONES * '\r'));
        k.eol |= gather_highs(eol) << (8 * i);
        k.sep |= gather_highs(eol | zero_bytes(v ^ (ONES * ','))) << (8 * i);
        k.quote |= gather_highs(zero_bytes(v ^ (ONES * '"'))) << (8 * i);
    }
    return k;
}

#ifdef PMS_HAVE_AVX2
__attribute__((target("avx2"))) static inline uint64_t mask64(__m256i lo, __m256i hi)
{
    return (uint64_t)(uint32_t)_mm256_movemask_epi8(lo) |
           (uint64_t)(uint32_t)_mm256_movemask_epi8(hi) << 32;
}

__attribute__((target("avx2"))) static inline block_masks classify_avx2(const char *p)
{
    const __m256i comma = _mm256_set1_epi8(','), lf = _mm256_set1_epi8('\n'),
                  cr = _mm256_set1_epi8('\r'), dq = _mm256_set1_epi8('"');
    __m256i a = _mm256_loadu_si256((const __m256i *)p);
    __m256i b = _mm256_loadu_si256((const __m256i *)(p + 32));
    __m256i ea = _mm256_or_si256(_mm256_cmpeq_epi8(a, lf), _mm256_cmpeq_epi8(a, cr));
    __m256i eb = _mm256_or_si256(_mm256_cmpeq_epi8(b, lf), _mm256_cmpeq_epi8(b, cr));
    block_masks k;
    k.eol = mask64(ea, eb);
    k.sep = k.eol | mask64(_mm256_cmpeq_epi8(a, comma), _mm256_cmpeq_epi8(b, comma));
    k.quote = mask64(_mm256_cmpeq_epi8(a, dq), _mm256_cmpeq_epi8(b, dq));
    return k;
}
#endif

/* Count line ends (LF, and CR not followed by LF): an upper bound of the
 * number of records, so the cell array is allocated once. */
static size_t count_line_ends(const char *b, size_t n)
{
    size_t k = 0;
    for (const char *p = b, *e = b + n; (p = memchr(p, '\n', (size_t)(e - p))) != NULL; p++) k++;
    for (const char *p = b, *e = b + n; (p = memchr(p, '\r', (size_t)(e - p))) != NULL; p++)
        k += p + 1 == e || p[1] != '\n';
    return k;
}

/* A mapped file's pages stay in the page cache when dropped from this
 * process: [from, to) is given back (whole pages) once both the parser and
 * the hasher are past it, so that a mapped file never counts in full
 * against the process's memory.  A later read (a cell looked at again)
 * simply faults the page back in from the cache. */
static void release_range(const char *b, size_t mapped, size_t *released, size_t to)
{
#ifdef MADV_DONTNEED
    const size_t page = 4096, step = (size_t)4 << 20;
    if (!mapped) return;
    to &= ~(page - 1);
    if (to > mapped) to = mapped & ~(page - 1);
    if (to < *released + step) return;
    madvise((void *)(uintptr_t)(b + *released), to - *released, MADV_DONTNEED);
    *released = to;
#else
    (void)b;
    (void)mapped;
    (void)released;
    (void)to;
#endif
}

#ifdef PMS_HAVE_AVX2
/* One window of the prescan, 64 bytes at a time: its line ends counted as
 * count_line_ends counts them (LF, and CR not followed by LF inside the
 * window), and whether it holds a NUL byte or a byte above 127 (only then
 * are memchr and valid_utf8 run on it).  Three passes over the window
 * (memchr for NUL, valid_utf8, two memchr for line ends) become one. */
__attribute__((target("avx2,popcnt"))) static size_t scan_window_avx2(const char *b, size_t n,
                                                                     int *nul, int *high)
{
    const __m256i zero = _mm256_setzero_si256(), lf = _mm256_set1_epi8('\n'),
                  cr = _mm256_set1_epi8('\r');
    __m256i z = zero, hi = zero;
    size_t k = 0, i = 0;
    uint64_t cr_before = 0; /* the byte before this block is a CR */
    for (; i + 64 <= n; i += 64) {
        __m256i a = _mm256_loadu_si256((const __m256i *)(b + i));
        __m256i c = _mm256_loadu_si256((const __m256i *)(b + i + 32));
        z = _mm256_or_si256(z, _mm256_or_si256(_mm256_cmpeq_epi8(a, zero), _mm256_cmpeq_epi8(c, zero)));
        hi = _mm256_or_si256(hi, _mm256_or_si256(a, c));
        uint64_t l = mask64(_mm256_cmpeq_epi8(a, lf), _mm256_cmpeq_epi8(c, lf));
        uint64_t r = mask64(_mm256_cmpeq_epi8(a, cr), _mm256_cmpeq_epi8(c, cr));
        /* CRLF counts once: the CRs followed by an LF, here or across blocks. */
        uint64_t crlf = (r << 1 | cr_before) & l;
        k += (size_t)(__builtin_popcountll(l) + __builtin_popcountll(r) - __builtin_popcountll(crlf));
        cr_before = r >> 63;
    }
    int has_nul = !_mm256_testz_si256(z, z), has_high = _mm256_movemask_epi8(hi) != 0;
    for (; i < n; i++) {
        unsigned char ch = (unsigned char)b[i];
        has_nul |= ch == 0;
        has_high |= ch >= 0x80;
        k += ch == '\n' || (ch == '\r' && (i + 1 == n || b[i + 1] != '\n'));
        if (ch == '\n' && cr_before) k--; /* its CR was counted */
        cr_before = 0;
    }
    *nul = has_nul;
    *high = has_high;
    return k;
}
#endif

/* One pass over the bytes before the split, in windows so that a mapped
 * file is given back as it goes: the first NUL byte (or NULL), whether the
 * text is UTF-8, and the number of line ends. */
static const char *prescan(const char *b, size_t n, size_t mapped, int *utf8, size_t *lines)
{
    const size_t win = (size_t)4 << 20;
    size_t w = 0, k = 0, released = 0;
    int ok = 1;
#ifdef PMS_HAVE_AVX2
    const int avx2 = pms_csv_have_avx2();
#endif
    while (w < n) {
        size_t end = n - w > win ? w + win : n;
        /* Never cut a UTF-8 sequence between windows. */
        while (end < n && end > w && ((unsigned char)b[end] & 0xC0) == 0x80) end--;
        if (end == w) end = n - w > win ? w + win : n;
#ifdef PMS_HAVE_AVX2
        if (avx2) {
            int has_nul, high;
            k += scan_window_avx2(b + w, end - w, &has_nul, &high);
            if (has_nul) return memchr(b + w, '\0', end - w);
            if (ok && high) ok = valid_utf8((const unsigned char *)b + w, end - w);
            release_range(b, mapped, &released, end);
            w = end;
            continue;
        }
#endif
        const char *nul = memchr(b + w, '\0', end - w);
        if (nul) return nul;
        if (ok) ok = valid_utf8((const unsigned char *)b + w, end - w);
        k += count_line_ends(b + w, end - w);
        release_range(b, mapped, &released, end);
        w = end;
    }
    *utf8 = ok;
    *lines = k;
    return NULL;
}

static void drop_buffer(char *b, size_t mapped)
{
    if (mapped) munmap(b, mapped);
    else free(b);
}

/* Streaming mode keeps the text read-only: the header's fields are copied
 * out, unquoted and NUL-terminated, into one block (out->hdrbuf). */
static int copy_header(const char *b, const uint32_t *sp, size_t nf, char **header, char **block)
{
    size_t total = 0;
    for (size_t j = 0; j < nf; j++) total += sp[2 * j + 1] - sp[2 * j] + 1;
    char *o = malloc(total ? total : 1), *w = o;
    if (!o) return -1;
    for (size_t j = 0; j < nf; j++) {
        size_t s = sp[2 * j], e = sp[2 * j + 1];
        header[j] = w;
        if (s < e && b[s] == '"') {
            for (size_t i = s + 1; i + 1 < e; i++) {
                *w++ = b[i];
                if (b[i] == '"') i++;
            }
        } else {
            memcpy(w, b + s, e - s);
            w += e - s;
        }
        *w++ = '\0';
    }
    *block = o;
    return 0;
}

/* ---- the parser ----
 * parse_impl runs the phases in order: the prescan (NUL check, encoding,
 * line count), setting up the text (BOM, ISO-8859-1 conversion), the record
 * loop (header first, then the rows, handed to the sink chunk by chunk when
 * streaming) and the tail checks.  Without a sink the text is parsed in place
 * (fields NUL-terminated, quotes removed).  With a sink (streaming) the text
 * is never written: cells are handed over as spans (a start and an end
 * offset each; a quoted cell's span includes its quotes), so the buffer may
 * be a read-only mapping of the file (`mapped` = its length, else 0). */
typedef struct {
    const char *display;
    pms_err *err;
    const pms_csv_sink *sink;
    hasher *hs;
    char *b;            /* the text is b[base .. n) */
    size_t n, base, mapped;
    size_t lim;         /* bytes known hashed: the parser may write below this */
    int span;           /* streaming: cells are spans, the text is not written */
    pms_split split;    /* the rows' splitter: SCALAR (read_record), WORDS or AVX2 */
    size_t cap_rows;    /* an upper bound of the records (line ends + 1) */
    char **header;
    uint32_t *hspan;    /* streaming: the header's spans until copied out */
    char *hdrbuf;
    size_t caphdr;
    uint32_t *cells;
    long *lines;
    size_t ncols, stride, nrec;
    size_t chunk, in_chunk, row_base, rows_held, chunk_pos, released;
    int in_header;
} parser;

/* What the field loop changes at every byte, apart from `parser` so that it
 * stays in registers: its address never leaves the inlined helpers, so the
 * NULs written into the text cannot alias it. */
typedef struct {
    char *b;
    size_t n, pos, lim;
    long line;
    int span;
    size_t mb;          /* block split: k classifies b[mb .. mb + 64) */
    block_masks k;
} cursor;

/* No block yet: pos - NO_BLOCK is far above 64 for any offset below 4 GiB. */
#define NO_BLOCK ((size_t)1 << 62)

/* In-place parsing may write only bytes the hasher is past (see hasher). */
static inline void gate(const parser *p, cursor *c, size_t pos)
{
    if (pos >= c->lim) c->lim = hasher_wait(p->hs, pos);
}

/* Writing the NUL after the text: the hash must be complete. */
static inline void gate_end(const parser *p, cursor *c)
{
    hasher_join(p->hs);
    c->lim = (size_t)-1;
}

static pms_status nomem(const parser *p)
{
    return pms_err_set(p->err, PMS_ENOMEM, "%s: out of memory while reading", p->display);
}

/* A NUL byte would silently cut a field short; it is refused with its place. */
static pms_status refuse_nul(const char *buf, const char *nul, const char *display, pms_err *err)
{
    long line = 1, col = 1;
    for (const char *p = buf; p < nul; p++) {
        if (*p == '\n') line++, col = 1;
        else if (*p == ',') col++;
    }
    return pms_err_set(err, PMS_EPARSE, "%s:%ld:%ld: NUL byte in the file (not a text CSV)",
                       display, line, col);
}

/* Encoding: UTF-8 text is parsed where it is (a BOM is skipped), anything
 * else is converted from Windows-1252 (latin1_to_utf8) into a fresh buffer.  Sets p->b, n, base,
 * mapped and lim, and out->buf, len, mapped, bom and latin1.  On an error
 * the buffer is gone. */
static pms_status set_up_text(parser *p, char *buf, size_t len, int utf8, size_t *line_ends,
                              pms_csv *out)
{
    size_t off = 0;
    if (len >= 3 && (unsigned char)buf[0] == 0xEF && (unsigned char)buf[1] == 0xBB &&
        (unsigned char)buf[2] == 0xBF) {
        out->bom = 1;
        off = 3;
    }
    if (utf8) {
        /* The reader leaves room for the terminating NUL; only a buffer from
         * elsewhere may need to grow, and then it is hashed first.  The
         * streaming parse writes nothing, not even that NUL. */
        char *nb = buf;
        if (!p->span && malloc_usable_size(buf) < len + 1) {
            hasher_join(p->hs);
            nb = realloc(buf, len + 1);
            if (!nb) {
                free(buf);
                return pms_err_set(p->err, PMS_ENOMEM, "%s: out of memory", p->display);
            }
            p->hs->buf = nb;
        }
        /* The NUL after the text is written only once the hash is done. */
        p->b = nb;
        p->base = off; /* the BOM stays in the buffer, before the first cell */
        p->n = len;
    } else {
        hasher_join(p->hs);
        int c1 = 0;
        p->b = latin1_to_utf8((const unsigned char *)buf + off, len - off, &p->n, &c1);
        drop_buffer(buf, p->mapped);
        p->mapped = 0;
        if (!p->b) return pms_err_set(p->err, PMS_ENOMEM, "%s: out of memory", p->display);
        out->latin1 = c1 ? 2 : 1;
        p->base = 0;
        p->lim = (size_t)-1; /* a fresh copy: nothing to wait for */
        *line_ends = count_line_ends(p->b, p->n);
    }
    out->buf = p->b;
    out->len = p->n;
    out->mapped = p->mapped;
    return PMS_OK;
}

/* A quoted field, c->pos at its opening quote.  In place, the quotes are
 * removed and the text NUL-terminated; streaming, only its span is noted.
 * Leaves c->pos after the closing quote, *delim the byte there. */
static inline pms_status read_quoted(const parser *p, cursor *c, size_t nf, size_t *start,
                                     size_t *end, char *delim)
{
    char *const b = c->b;
    const size_t n = c->n;
    const int span = c->span;
    long qline = c->line;
    size_t w = c->pos + 1, r = c->pos + 1;
    *start = span ? c->pos : w;
    for (;;) {
        if (r >= n) {
            /* (*end and *delim set only so that no reader can see them unset) */
            *end = n;
            *delim = '\0';
            return pms_err_set(p->err, PMS_EPARSE,
                               "%s:%ld:%zu: unterminated quoted field (the quote "
                               "opened here is never closed)",
                               p->display, qline, nf + 1);
        }
        /* Copy runs without a quote or line end in one step. */
        const char *q = memchr(b + r, '"', n - r);
        size_t stop = q ? (size_t)(q - b) : n;
        for (size_t k = r; k < stop; k++)
            if (b[k] == '\n' || (b[k] == '\r' && !(k + 1 < n && b[k + 1] == '\n'))) c->line++;
        if (!span && w != r) {
            gate(p, c, stop);
            memmove(b + w, b + r, stop - r);
        }
        w += stop - r;
        r = stop;
        if (r >= n) continue;
        if (r + 1 < n && b[r + 1] == '"') {
            if (!span) {
                gate(p, c, r);
                b[w] = '"';
            }
            w++;
            r += 2;
            continue;
        }
        r++;
        break;
    }
    *delim = r < n ? b[r] : '\0';
    *end = span ? r : w;
    if (*delim != ',' && *delim != '\n' && *delim != '\r' && *delim != '\0')
        return pms_err_set(p->err, PMS_EPARSE, "%s:%ld:%zu: unexpected text after a closing quote",
                           p->display, c->line, nf + 1);
    if (!span) {
        gate(p, c, w);
        if (w < n) b[w] = '\0';
        else {
            /* The closing quote was the last byte: the NUL goes after it. */
            gate_end(p, c);
            b[w] = '\0';
        }
    }
    c->pos = r;
    return PMS_OK;
}

/* An unquoted field from c->pos; leaves c->pos at its delimiter. */
static inline void read_unquoted(const parser *p, cursor *c, size_t *start, size_t *end,
                                 char *delim)
{
    size_t r = scan_unquoted(c->b, c->pos, c->n);
    *start = c->pos;
    *delim = r < c->n ? c->b[r] : '\0';
    *end = r;
    if (!c->span) {
        if (r < c->n) {
            gate(p, c, r);
            c->b[r] = '\0';
        } else {
            gate_end(p, c);
            c->b[c->n] = '\0';
        }
    }
    c->pos = r;
}

/* Header field nf, growing the header arrays as needed. */
static pms_status add_header_field(parser *p, size_t nf, size_t start, size_t end)
{
    if (nf == p->caphdr) {
        size_t nc = p->caphdr ? p->caphdr * 2 : 64;
        char **nh = realloc(p->header, nc * sizeof *nh);
        if (nh) p->header = nh;
        uint32_t *ns = p->span ? realloc(p->hspan, 2 * nc * sizeof *ns) : NULL;
        if (ns) p->hspan = ns;
        if (!nh || (p->span && !ns)) return nomem(p);
        p->caphdr = nc;
    }
    p->header[nf] = p->b + start;
    if (p->span) {
        p->hspan[2 * nf] = (uint32_t)start;
        p->hspan[2 * nf + 1] = (uint32_t)end;
    }
    return PMS_OK;
}

/* The fields of one record, from c->pos to past its line end: the header's
 * are collected, a data record's stored in `row`.  *nfp counts them. */
static inline pms_status read_record(parser *p, cursor *c, uint32_t *row, long rec_line,
                                     size_t *nfp)
{
    const int in_header = p->in_header, span = c->span;
    const size_t ncols = p->ncols, n = c->n;
    size_t nf = 0;
    pms_status st;
    for (;;) {
        size_t start, end;
        char delim;
        if (c->b[c->pos] == '"') {
            st = read_quoted(p, c, nf, &start, &end, &delim);
            if (st) return st;
        } else
            read_unquoted(p, c, &start, &end, &delim);
        /* "a,b," at end of file: one more, empty field after this one. */
        int last_empty = delim == ',' && c->pos + 1 >= n;
        for (int k = 0; k <= last_empty; k++) {
            if (k) {
                start = end = n;
                if (!span) {
                    gate_end(p, c);
                    c->b[n] = '\0';
                }
            }
            if (in_header) {
                st = add_header_field(p, nf, start, end);
                if (st) return st;
            } else if (nf >= ncols) {
                return pms_err_set(p->err, PMS_EPARSE,
                                   "%s:%ld: expected %zu fields as in the header, found "
                                   "more (extra fields)",
                                   p->display, rec_line, ncols);
            } else if (span) {
                row[2 * nf] = (uint32_t)start;
                row[2 * nf + 1] = (uint32_t)end;
            } else
                row[nf] = (uint32_t)start;
            nf++;
        }
        if (last_empty) {
            c->pos = n;
            break;
        }
        if (delim == ',') {
            c->pos++;
            continue;
        }
        if (delim == '\r' && c->pos + 1 < n && c->b[c->pos + 1] == '\n') c->pos++;
        if (c->pos < n) c->pos++;
        c->line++;
        break;
    }
    *nfp = nf;
    return PMS_OK;
}

/* After the header: the cell and line arrays, and (streaming) the header
 * copied out and given to the sink. */
static pms_status begin_rows(parser *p, size_t nf, pms_csv *out)
{
    p->ncols = nf;
    p->in_header = 0;
    p->stride = p->span ? 2 * p->ncols : p->ncols;
    /* Streaming: two chunks of rows, the sink types one while the other
     * fills; otherwise every row. */
    p->rows_held = p->sink ? 2 * p->chunk : p->cap_rows;
    if (p->stride > ((size_t)-1 / sizeof *p->cells) / p->rows_held) return nomem(p);
    p->cells = malloc(p->stride * p->rows_held * sizeof *p->cells);
    p->lines = malloc(p->cap_rows * sizeof *p->lines);
    if (!p->cells || !p->lines) return nomem(p);
    if (!p->sink) {
        pms_hint_hugepages(p->cells, p->stride * p->rows_held * sizeof *p->cells);
        return PMS_OK;
    }
    if (copy_header(p->b, p->hspan, p->ncols, p->header, &p->hdrbuf)) return nomem(p);
    out->hdrbuf = p->hdrbuf;
    out->buf = p->b;
    out->len = p->n;
    out->ncols = p->ncols;
    out->header = p->header;
    out->line = p->lines;
    out->stride = p->stride;
    pms_status st = p->sink->on_header(p->sink->ctx, out, p->cap_rows, p->err);
    out->header = NULL;
    out->line = NULL;
    out->hdrbuf = NULL;
    return st;
}

/* Streaming: a full chunk goes to the sink, and the next fills the other
 * half of the cells array. */
static pms_status hand_off_chunk(parser *p)
{
    const size_t chunk = p->chunk;
    pms_status st = p->sink->on_rows(p->sink->ctx, p->cells + p->row_base * p->stride,
                                     p->nrec - chunk, chunk, p->err);
    if (st) return st;
    p->in_chunk = 0;
    p->row_base = p->row_base ? 0 : chunk;
    /* The chunk before this one is typed: its text may go (once hashed). */
    size_t hashed = atomic_load_explicit(&p->hs->done, memory_order_acquire);
    release_range(p->b, p->mapped, &p->released, hashed < p->chunk_pos ? hashed : p->chunk_pos);
    return PMS_OK;
}

/* A data record is complete: check its width, note its line. */
static inline pms_status end_record(parser *p, size_t nf, long rec_line)
{
    if (nf != p->ncols)
        return pms_err_set(p->err, PMS_EPARSE,
                           "%s:%ld: expected %zu fields as in the header, "
                           "found %zu (truncated row)",
                           p->display, rec_line, p->ncols, nf);
    p->lines[p->nrec++] = rec_line;
    if (p->sink && ++p->in_chunk == p->chunk) return hand_off_chunk(p);
    return PMS_OK;
}

/* ---- the streaming split, 64 bytes at a time (see classify_words) ----
 * For the rows after the header; the header itself and the in-place parse
 * take read_record.  Each step below does what read_record does for the
 * same bytes, in the same order, so that the cells and every message are
 * the same (tests/test_split_simd.c compares the two). */

/* The first ',', '\n' or '\r' at or after pos (n if none) when the
 * current block *mb, *k holds none there: the next blocks are classified.
 * A separator found in a block is its lowest. */
static inline __attribute__((always_inline)) size_t next_block_sep(const char *b, size_t n,
                                                                   size_t pos, size_t *mb,
                                                                   block_masks *k, int avx2)
{
    if (pos - *mb < 64) pos = *mb + 64; /* the rest of this block holds none */
    for (;;) {
        /* Never read past the text: the last bytes are scanned as before. */
        if (n - pos < 64) return scan_unquoted(b, pos, n);
        *mb = pos;
#ifdef PMS_HAVE_AVX2
        *k = avx2 ? classify_avx2(b + pos) : classify_words(b + pos);
#else
        (void)avx2;
        *k = classify_words(b + pos);
#endif
        if (k->sep) return pos + (size_t)__builtin_ctzll(k->sep);
        pos += 64;
    }
}

/* The separators of block mb at or after pos. */
static inline uint64_t seps_from(size_t mb, uint64_t sep, size_t pos)
{
    size_t d = pos - mb; /* huge when pos is before the block (NO_BLOCK) */
    return d < 64 ? sep & (~(uint64_t)0 << d) : 0;
}

static pms_status extra_fields(const parser *p, long rec_line)
{
    return pms_err_set(p->err, PMS_EPARSE,
                       "%s:%ld: expected %zu fields as in the header, found more (extra fields)",
                       p->display, rec_line, p->ncols);
}

/* A quoted field at c->pos, kept out of the loop below (a few cells of a
 * row at most): read_quoted as in read_record. */
static __attribute__((noinline)) pms_status quoted_span(const parser *p, cursor *c, size_t nf,
                                                         size_t *start, size_t *end, char *delim)
{
    return read_quoted(p, c, nf, start, end, delim);
}

/* One data record as spans into row (read_record's streaming case). */
static inline __attribute__((always_inline)) pms_status
record_blocks(const parser *p, cursor *c, uint32_t *row, long rec_line, size_t *nfp, int avx2)
{
    const char *const b = c->b;
    const size_t n = c->n;
    uint32_t *w = row, *const wend = row + 2 * p->ncols;
    size_t pos = c->pos, mb = c->mb;
    block_masks k = c->k;
    /* The block's separators not yet used, all at or after pos: the next
     * field's end is the lowest, and clearing it is the only step a field
     * waits on from the one before. */
    uint64_t rem = seps_from(mb, k.sep, pos);
    for (;;) {
        size_t start = pos, end, d = pos - mb;
        char delim;
        int quoted = d < 64 ? (int)(k.quote >> d) & 1 : b[pos] == '"';
        if (__builtin_expect(!quoted && rem != 0, 1)) {
            uint64_t low = rem & (0 - rem);
            rem ^= low;
            end = mb + (size_t)__builtin_ctzll(low);
            delim = low & k.eol ? b[end] : ',';
        } else if (!quoted) {
            end = next_block_sep(b, n, pos, &mb, &k, avx2);
            /* In a new block, end is its lowest separator; past the last
             * block, the tail is scanned field by field. */
            rem = end - mb < 64 ? k.sep & (k.sep - 1) : 0;
            delim = end < n ? b[end] : '\0';
        } else {
            /* (through other variables, so that these stay in registers) */
            size_t qs, qe;
            char qd;
            c->pos = pos;
            pms_status st = quoted_span(p, c, (size_t)(w - row) / 2, &qs, &qe, &qd);
            if (st) return st;
            start = qs;
            end = qe;
            delim = qd;
            rem = seps_from(mb, k.sep, end + 1);
        }
        /* end is the delimiter's place (n at the end of the text) */
        if (__builtin_expect(w == wend, 0)) return extra_fields(p, rec_line);
        w[0] = (uint32_t)start;
        w[1] = (uint32_t)end;
        w += 2;
        pos = end + 1;
        if (__builtin_expect(delim == ',', 1)) {
            if (__builtin_expect(pos < n, 1)) continue;
            /* "a,b," at the end of the text: one more, empty field. */
            if (w == wend) return extra_fields(p, rec_line);
            w[0] = w[1] = (uint32_t)n;
            w += 2;
            break;
        }
        if (delim == '\r' && pos < n && b[pos] == '\n') pos++;
        else if (end == n) pos = n;
        c->line++;
        break;
    }
    c->pos = pos;
    c->mb = mb;
    c->k = k;
    *nfp = (size_t)(w - row) / 2;
    return PMS_OK;
}

static inline void skip_blank_lines(cursor *c)
{
    while (c->pos < c->n && (c->b[c->pos] == '\n' || c->b[c->pos] == '\r')) {
        if (c->b[c->pos] == '\r' && c->pos + 1 < c->n && c->b[c->pos + 1] == '\n') c->pos++;
        c->pos++;
        c->line++;
    }
}

/* The data records to the end of the text (read_records' loop). */
static inline __attribute__((always_inline)) pms_status rows_blocks(parser *p, cursor *c, int avx2)
{
    for (;;) {
        skip_blank_lines(c);
        if (c->pos >= c->n) return PMS_OK;
        long rec_line = c->line;
        size_t nf = 0;
        if (p->in_chunk == 0) p->chunk_pos = c->pos;
        uint32_t *row = p->cells + (p->row_base + p->in_chunk) * p->stride;
        pms_status st = record_blocks(p, c, row, rec_line, &nf, avx2);
        if (!st) st = end_record(p, nf, rec_line);
        if (st) return st;
    }
}

#ifdef PMS_HAVE_AVX2
__attribute__((target("avx2"))) static pms_status rows_avx2(parser *p, cursor *c)
{
    return rows_blocks(p, c, 1);
}
#endif

static pms_status rows_words(parser *p, cursor *c) { return rows_blocks(p, c, 0); }

/* The record loop: blank lines are skipped, the first record is the header. */
static pms_status read_records(parser *p, pms_csv *out)
{
    cursor c = {p->b, p->n, p->base, p->lim, 1, p->span, NO_BLOCK, {0, 0, 0}};
    const size_t n = c.n;
    for (;;) {
        skip_blank_lines(&c);
        if (c.pos >= n) break;
        if (!p->in_header && p->split != PMS_SPLIT_SCALAR) {
            /* The rows of a streaming parse: 64 bytes at a time. */
#ifdef PMS_HAVE_AVX2
            pms_status st = p->split == PMS_SPLIT_AVX2 ? rows_avx2(p, &c) : rows_words(p, &c);
#else
            pms_status st = rows_words(p, &c);
#endif
            if (st) return st;
            break;
        }
        long rec_line = c.line;
        size_t nf = 0;
        if (!p->in_header && p->in_chunk == 0) p->chunk_pos = c.pos;
        uint32_t *row = p->in_header ? NULL
                        : p->sink    ? p->cells + (p->row_base + p->in_chunk) * p->stride
                                     : p->cells + p->nrec * p->stride;
        pms_status st = read_record(p, &c, row, rec_line, &nf);
        if (!st) st = p->in_header ? begin_rows(p, nf, out) : end_record(p, nf, rec_line);
        if (st) return st;
    }
    p->lim = c.lim;
    return PMS_OK;
}

/* The tail: the last (partial) chunk, an empty file, and the result. */
static pms_status finish(parser *p, pms_csv *out)
{
    if (p->sink && !p->in_header) {
        pms_status st = p->sink->on_rows(p->sink->ctx, p->cells + (p->row_base * p->stride),
                                         p->nrec - p->in_chunk, p->in_chunk, p->err);
        if (st) return st;
    }
    if (p->in_header)
        return pms_err_set(p->err, PMS_EPARSE, "%s:1: empty file (no header row)", p->display);
    if (p->sink) p->sink->on_stop(p->sink->ctx);
    hasher_join(p->hs);
    if (!out->latin1 && !p->span) p->b[p->n] = '\0';
    memcpy(out->sha256, p->hs->digest, 32);
    out->ncols = p->ncols;
    out->nrec = p->nrec;
    out->header = p->header;
    out->hdrbuf = p->hdrbuf;
    out->cells = p->cells;
    out->stride = p->stride;
    out->line = p->lines;
    free(p->hspan);
    if (p->sink) {
        /* Chunks are gone once handed over: no cells to read. */
        free(p->cells);
        out->cells = NULL;
    }
    return PMS_OK;
}

/* After an error in the record loop or the tail: everything goes. */
static pms_status abandon(parser *p, pms_csv *out, pms_status st)
{
    /* The sink may still be reading cells or text: it stops first. */
    if (p->sink && p->cells) p->sink->on_stop(p->sink->ctx);
    hasher_join(p->hs);
    free(p->header);
    free(p->hspan);
    free(p->hdrbuf);
    free(p->cells);
    free(p->lines);
    drop_buffer(p->b, p->mapped);
    memset(out, 0, sizeof *out);
    return st;
}

int pms_csv_have_avx2(void)
{
#ifdef PMS_HAVE_AVX2
    return __builtin_cpu_supports("avx2");
#else
    return 0;
#endif
}

/* AUTO is the widest the CPU has; AVX2 asked for without the CPU having it
 * is WORDS (same results). */
static pms_split choose_split(pms_split want)
{
    if (want == PMS_SPLIT_SCALAR || want == PMS_SPLIT_WORDS) return want;
    return pms_csv_have_avx2() ? PMS_SPLIT_AVX2 : PMS_SPLIT_WORDS;
}

static pms_status parse_impl(char *buf, size_t len, size_t mapped, const char *display,
                             pms_csv *out, pms_err *err, const pms_csv_sink *sink)
{
    memset(out, 0, sizeof *out);
    out->bytes = len;
    if (len >= UINT32_MAX - 16) {
        drop_buffer(buf, mapped);
        return pms_err_set(err, PMS_EIO, "%s: file of 4 GiB or more is not supported", display);
    }
    hasher hs;
    hasher_start(&hs, buf, len);
    parser p = {0};
    p.display = display;
    p.err = err;
    p.sink = sink;
    p.hs = &hs;
    p.mapped = mapped;
    p.span = sink != NULL;
    p.lim = p.span ? (size_t)-1 : 0;
    p.chunk = sink ? sink->chunk : 0;
    p.split = sink ? choose_split(sink->split) : PMS_SPLIT_SCALAR;
    p.in_header = 1;

    int utf8 = 1;
    size_t line_ends = 0;
    const char *nul = prescan(buf, len, mapped, &utf8, &line_ends);
    if (nul) {
        pms_status st = refuse_nul(buf, nul, display, err);
        hasher_join(&hs);
        drop_buffer(buf, mapped);
        return st;
    }
    pms_status st = set_up_text(&p, buf, len, utf8, &line_ends, out);
    if (st) return st;
    p.cap_rows = line_ends + 1;
    st = read_records(&p, out);
    if (!st) st = finish(&p, out);
    return st ? abandon(&p, out, st) : PMS_OK;
}

pms_status pms_csv_parse(char *buf, size_t len, const char *display, pms_csv *out,
                         pms_err *err)
{
    return parse_impl(buf, len, 0, display, out, err, NULL);
}

pms_status pms_csv_parse_stream(char *buf, size_t len, const char *display,
                                const pms_csv_sink *sink, pms_csv *out, pms_err *err)
{
    return parse_impl(buf, len, 0, display, out, err, sink);
}

static pms_status read_all(const char *path, char **bufp, size_t *lenp, pms_err *err);

pms_status pms_csv_read_file(const char *path, pms_csv *out, pms_err *err)
{
    memset(out, 0, sizeof *out);
    char *buf;
    size_t len;
    pms_status st = read_all(path, &buf, &len, err);
    if (st) return st;
    return pms_csv_parse(buf, len, path, out, err);
}

/* Streaming reads a regular file through a read-only private mapping: no
 * copy, no freshly zeroed buffer, and pages given back as the parse moves
 * on.  Pipes, devices and empty files are read into memory instead. */
pms_status pms_csv_read_file_stream(const char *path, const pms_csv_sink *sink, pms_csv *out,
                                    pms_err *err)
{
    memset(out, 0, sizeof *out);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    if (fd >= 0 && fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0 &&
        (uint64_t)sb.st_size <= (uint64_t)SIZE_MAX / 2) {
        size_t len = (size_t)sb.st_size;
        void *p = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
        close(fd);
        if (p != MAP_FAILED) return parse_impl(p, len, len, path, out, err, sink);
    } else if (fd >= 0)
        close(fd);
    char *buf;
    size_t len;
    pms_status st = read_all(path, &buf, &len, err);
    if (st) return st;
    return parse_impl(buf, len, 0, path, out, err, sink);
}

/* The whole file in one malloc'd buffer with a spare byte after it. */
static pms_status read_all(const char *path, char **bufp, size_t *lenp, pms_err *err)
{
    struct stat sb;
    if (stat(path, &sb) != 0)
        return pms_err_set(err, PMS_EIO, "%s: cannot open: %s", path, strerror(errno));
    if (S_ISDIR(sb.st_mode))
        return pms_err_set(err, PMS_EIO, "%s: is a directory, not a CSV file", path);
    FILE *f = fopen(path, "rb");
    if (!f) return pms_err_open(err, path);
    size_t cap = S_ISREG(sb.st_mode) && sb.st_size > 0 ? (size_t)sb.st_size + 1 : 1 << 16;
    size_t len = 0;
    char *buf = malloc(cap);
    if (!buf) {
        fclose(f);
        return pms_err_set(err, PMS_ENOMEM, "%s: out of memory", path);
    }
    for (;;) {
        if (len == cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                fclose(f);
                return pms_err_set(err, PMS_ENOMEM, "%s: out of memory", path);
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0) break;
    }
    int bad = ferror(f);
    int saved = errno;
    fclose(f);
    if (bad) {
        free(buf);
        return pms_err_set(err, PMS_EIO, "%s: read error: %s", path, strerror(saved));
    }
    *bufp = buf;
    *lenp = len;
    return PMS_OK;
}

void pms_csv_free(pms_csv *c)
{
    if (!c) return;
    if (c->buf) drop_buffer(c->buf, c->mapped);
    free(c->hdrbuf);
    free(c->header);
    free(c->cells);
    free(c->line);
    memset(c, 0, sizeof *c);
}

/* The missing markers, on a span (surrounding spaces and tabs allowed). */
int pms_is_missing_span(const char *s, size_t n)
{
    while (n && (*s == ' ' || *s == '\t')) s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
    if (n == 0) return 1;
    if (n > 3) return 0;
    char t[3];
    for (size_t k = 0; k < n; k++) t[k] = (char)(s[k] >= 'A' && s[k] <= 'Z' ? s[k] - 'A' + 'a' : s[k]);
    if (n == 1) return t[0] == '-' || t[0] == '*';
    if (n == 2) return (t[0] == '.' && t[1] == '.') || (t[0] == 'n' && t[1] == 'a');
    return t[0] == 'n' && t[1] == '/' && t[2] == 'a';
}

int pms_is_missing_marker(const char *s) { return pms_is_missing_span(s, strlen(s)); }

static const double pow10_exact[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static inline int is_digit(char c) { return c >= '0' && c <= '9'; }

#define TWO53 ((uint64_t)1 << 53)

/* ---- eight characters at a time (little-endian words) ---- */

/* How many of the eight bytes of w, from the first, are ASCII digits. */
static inline unsigned lead_digits(uint64_t w)
{
    uint64_t x = w ^ (ONES * '0');                       /* digits become 0..9 */
    uint64_t y = (x & (ONES * 0x7F)) + ONES * 0x76;       /* 10..127 set the high bit */
    uint64_t nd = (x | y) & HIGHS;                        /* a non-digit byte's high bit */
    return nd ? (unsigned)__builtin_ctzll(nd) >> 3 : 8;
}

/* The first k (1..8) bytes of w, all digits, as an integer: the digits are
 * moved to the top of the word (zeros shifted in before them) and combined
 * in pairs, fours and eights by three multiplications (Lemire's
 * parse_eight_digits_unrolled, as in simdjson and fast_float). */
static inline uint64_t digits_value(uint64_t w, unsigned k)
{
    /* A byte after the digits may borrow from the bytes after it, never from a digit. */
    uint64_t d = (w - ONES * '0') << (8 * (8 - k));
    d = ((d & 0x0F0F0F0F0F0F0F0FULL) * 2561) >> 8;
    d = ((d & 0x00FF00FF00FF00FFULL) * 6553601) >> 16;
    return ((d & 0x0000FFFF0000FFFFULL) * 42949672960001ULL) >> 32;
}

static const uint64_t pow10_int[9] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};

static inline uint64_t load8(const char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* The plain cell (optional minus, digits, optional point and digits) with
 * at most seven digits before and after the point, read eight bytes at a
 * time: its sign, its digits as one integer and its decimal places; 0 if
 * the cell is not of that form (the caller goes the long way).  Needs 18
 * readable bytes from s. */
static inline int plain_digits_swar(const char *s, const char *se, int *neg, uint64_t *m,
                                    int *frac)
{
    const char *q = s;
    *neg = *q == '-';
    q += *neg;
    uint64_t w = load8(q);
    unsigned k = lead_digits(w);
    if (k == 0 || k == 8) return 0;
    *m = digits_value(w, k);
    q += k;
    *frac = 0;
    if (q < se && *q == '.') {
        q++;
        w = load8(q);
        unsigned f = lead_digits(w);
        if (f == 8) return 0;
        if (f) *m = *m * pow10_int[f] + digits_value(w, f);
        q += f;
        *frac = (int)f;
    }
    return q == se;
}

pms_numparse pms_parse_number_n(const char *s, size_t len, double *out)
{
    return pms_parse_number_avail(s, len, len, out);
}

/* The cell is s[0 .. len): it may be followed by anything (a comma, the
 * next cell, the end of a read-only mapping), so every read is bounded. */
#define AT(p) ((p) < se ? *(p) : '\0')

/* The common cell: an optional minus, at most 19 digits with an optional
 * decimal point, nothing else: its sign, its digits as one integer m (m <
 * 10^19 fits 64 bits) and its decimal places; 0 if the cell is not of that
 * form. */
static inline int plain_digits(const char *s, const char *se, int *neg, uint64_t *m, int *frac)
{
    const char *q = s;
    *neg = q < se && *q == '-';
    q += *neg;
    if (!(q < se && is_digit(*q))) return 0;
    const char *d0 = q;
    /* At most 19 digits, the point not counted. */
    const char *lim = se - d0 > 19 ? d0 + 19 : se;
    *m = 0;
    while (q < lim && is_digit(*q)) *m = *m * 10 + (uint64_t)(*q++ - '0');
    *frac = 0;
    if (q < se && *q == '.') {
        const char *f0 = ++q;
        lim = se - d0 > 20 ? d0 + 20 : se;
        while (q < lim && is_digit(*q)) *m = *m * 10 + (uint64_t)(*q++ - '0');
        *frac = (int)(q - f0);
    }
    return q == se;
}

int pms_plain_digits(const char *s, size_t len, size_t avail, int *neg, uint64_t *m, int *places)
{
    if (avail >= 18 && len && plain_digits_swar(s, s + len, neg, m, places)) return 1;
    return plain_digits(s, s + len, neg, m, places);
}

/* A plain cell's value: exact when its digits m are at most 2^53 and its
 * decimal places at most 22 (Clinger 1990): m and 10^frac are then exact
 * doubles, and one division is correctly rounded, as strtod is.  0 when m
 * is larger (the general path follows). */
static inline int plain_value(int neg, uint64_t m, int frac, double *out)
{
    if (m > TWO53) return 0;
    double v = (double)m;
    if (frac) v /= pow10_exact[frac];
    *out = neg && m ? -v : v;
    return 1;
}

/* The number as the general path reads it: the first 19 significant digits
 * as an integer m, scaled by 10^(exp10 + e). */
typedef struct {
    uint64_t m;
    int sig;        /* significant digits in m */
    int exp10;      /* digits dropped after the 19th, less decimal places kept */
    int any;        /* a digit was seen */
    long e;         /* the written exponent */
} num_parts;

static inline void add_digit(num_parts *np, char c)
{
    np->m = np->m * 10 + (uint64_t)(c - '0');
    if (np->m) np->sig++;
}

/* Sign and pound sign in either order ("-£5", "£-5", "£ 5"), each at most
 * once; returns where the digits start. */
static const char *read_sign(const char *p, const char *se, int *neg)
{
    int signed_ = 0, pound = 0;
    for (int k = 0; k < 2; k++) {
        if (!signed_ && (AT(p) == '-' || AT(p) == '+')) {
            *neg = *p == '-';
            signed_ = 1;
            p++;
        }
        if (!pound && (unsigned char)AT(p) == 0xC2 && (unsigned char)AT(p + 1) == 0xA3) {
            pound = 1;
            p += 2;
            while (AT(p) == ' ') p++;
        }
    }
    return p;
}

/* The integer part with its thousands separators; NULL if they are wrong. */
static const char *read_integer_part(const char *p, const char *se, num_parts *np)
{
    int intdigits = 0;
    int group = -1; /* digits since the last thousands comma; -1 = no comma seen */
    for (;; p++) {
        char c = AT(p);
        if (is_digit(c)) {
            np->any = 1;
            intdigits++;
            if (group >= 0) group++;
            if (np->sig < 19) add_digit(np, c);
            else np->exp10++;
        } else if (c == ',') {
            /* Thousands separator: 1-3 digits before the first comma and exactly
             * three between commas, so "£1,2,3" is not a number. */
            if (group >= 0 ? group != 3 : (intdigits < 1 || intdigits > 3)) return NULL;
            group = 0;
        } else
            break;
    }
    return group >= 0 && group != 3 ? NULL : p;
}

/* The fraction, after a point if there is one. */
static const char *read_fraction(const char *p, const char *se, num_parts *np)
{
    if (AT(p) != '.') return p;
    p++;
    for (; is_digit(AT(p)); p++) {
        np->any = 1;
        if (np->sig < 19) {
            add_digit(np, *p);
            np->exp10--;
        }
    }
    return p;
}

/* The exponent, if there is one; NULL if it has no digits. */
static const char *read_exponent(const char *p, const char *se, num_parts *np)
{
    if (AT(p) != 'e' && AT(p) != 'E') return p;
    p++;
    int eneg = 0;
    if (AT(p) == '+' || AT(p) == '-') eneg = *p++ == '-';
    if (!is_digit(AT(p))) return NULL;
    for (; is_digit(AT(p)); p++)
        if (np->e < 100000) np->e = np->e * 10 + (*p - '0');
    if (eneg) np->e = -np->e;
    return p;
}

/* The value of the parts, unsigned: Clinger's fast path when exact, else
 * strtod on the cell's literal. */
static pms_numparse parts_value(const num_parts *np, const char *s, const char *se, double *v)
{
    long te = np->e + np->exp10;
    if (np->m == 0) {
        *v = 0.0;
    } else if (np->m <= TWO53 && te >= -22 && te <= 22) {
        /* Both operands exact, one correctly rounded op.  (A digit dropped
         * after the 19th leaves m >= 10^18 > 2^53.) */
        *v = (double)np->m;
        *v = te >= 0 ? *v * pow10_exact[te] : *v / pow10_exact[-te];
    } else {
        /* Rebuild a clean literal (no £, commas or spaces) for strtod. */
        char tmp[512];
        size_t w = 0;
        for (const char *q = s; q < se; q++) {
            unsigned char c = (unsigned char)*q;
            if (is_digit((char)c) || c == '.' || c == 'e' || c == 'E' || c == '-' || c == '+') {
                if (w >= sizeof tmp - 1) return PMS_NUM_BAD;
                tmp[w++] = (char)c;
            }
        }
        tmp[w] = '\0';
        char *ep;
        *v = strtod(tmp, &ep);
        if (*ep != '\0' || !isfinite(*v)) return PMS_NUM_BAD;
        *v = fabs(*v); /* the sign is applied by the caller; fabs also clears an underflow's -0 */
    }
    return isfinite(*v) ? PMS_NUM_OK : PMS_NUM_BAD;
}

/* The general path: spaces, missing markers, sign and pound sign, thousands
 * separators, fraction, exponent. */
static pms_numparse general_cell(const char *s, const char *se, double *out)
{
    const char *p = s;
    while (AT(p) == ' ' || AT(p) == '\t') p++;
    if (p == se) return PMS_NUM_MISSING;
    if ((*p == '-' || *p == '*' || *p == '.' || *p == 'N' || *p == 'n') &&
        pms_is_missing_span(p, (size_t)(se - p)))
        return PMS_NUM_MISSING;
    int neg = 0;
    p = read_sign(p, se, &neg);
    num_parts np = {0, 0, 0, 0, 0};
    p = read_integer_part(p, se, &np);
    if (!p) return PMS_NUM_BAD;
    p = read_fraction(p, se, &np);
    if (!np.any) return PMS_NUM_BAD;
    p = read_exponent(p, se, &np);
    if (!p) return PMS_NUM_BAD;
    while (AT(p) == ' ' || AT(p) == '\t') p++;
    if (p != se) return PMS_NUM_BAD;
    double v;
    pms_numparse r = parts_value(&np, s, se, &v);
    if (r != PMS_NUM_OK) return r;
    *out = neg && v != 0.0 ? -v : v;
    return PMS_NUM_OK;
}
#undef AT

/* One pass over the cell: this runs for every numeric cell of every file,
 * so the plain forms come first, eight bytes at a time when the loader says
 * enough bytes may be read, else byte by byte. */
pms_numparse pms_parse_number_avail(const char *s, size_t len, size_t avail, double *out)
{
    int neg, frac;
    uint64_t m;
    if (pms_plain_digits(s, len, avail, &neg, &m, &frac) && plain_value(neg, m, frac, out))
        return PMS_NUM_OK;
    return general_cell(s, s + len, out);
}

pms_numparse pms_parse_number(const char *s, double *out)
{
    return pms_parse_number_n(s, strlen(s), out);
}
