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

/* ISO-8859-1 maps byte b to code point b, so conversion is mechanical. */
static char *latin1_to_utf8(const unsigned char *s, size_t n, size_t *outlen)
{
    size_t extra = 0;
    for (size_t i = 0; i < n; i++) extra += s[i] >= 0x80;
    char *o = malloc(n + extra + 1);
    if (!o) return NULL;
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        if (c < 0x80) o[w++] = (char)c;
        else {
            o[w++] = (char)(0xC0 | (c >> 6));
            o[w++] = (char)(0x80 | (c & 0x3F));
        }
    }
    o[w] = '\0';
    *outlen = w;
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

/* One pass over the bytes before the split, in windows so that a mapped
 * file is given back as it goes: the first NUL byte (or NULL), whether the
 * text is UTF-8, and the number of line ends. */
static const char *prescan(const char *b, size_t n, size_t mapped, int *utf8, size_t *lines)
{
    const size_t win = (size_t)4 << 20;
    size_t w = 0, k = 0, released = 0;
    int ok = 1;
    while (w < n) {
        size_t end = n - w > win ? w + win : n;
        /* Never cut a UTF-8 sequence between windows. */
        while (end < n && end > w && ((unsigned char)b[end] & 0xC0) == 0x80) end--;
        if (end == w) end = n - w > win ? w + win : n;
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

/* Parse buf[0 .. len).  Without a sink the text is parsed in place (fields
 * NUL-terminated, quotes removed).  With a sink (streaming) the text is
 * never written: cells are handed over as spans (a start and an end offset
 * each; a quoted cell's span includes its quotes), so the buffer may be a
 * read-only mapping of the file (`mapped` = its length, else 0). */
static pms_status parse_impl(char *buf, size_t len, size_t mapped, const char *display,
                             pms_csv *out, pms_err *err, const pms_csv_sink *sink)
{
    memset(out, 0, sizeof *out);
    out->bytes = len;
    const int span = sink != NULL;
    if (len >= UINT32_MAX - 16) {
        drop_buffer(buf, mapped);
        return pms_err_set(err, PMS_EIO, "%s: file of 4 GiB or more is not supported", display);
    }
    hasher hs;
    hasher_start(&hs, buf, len);
    size_t lim = span ? (size_t)-1 : 0; /* bytes known hashed: the parser may write below this */
#define GATE(pos) \
    do { \
        if ((pos) >= lim) lim = hasher_wait(&hs, (pos)); \
    } while (0)

    int utf8 = 1;
    size_t line_ends = 0;
    /* A NUL byte would silently cut a field short; refuse it with its place. */
    const char *nul = prescan(buf, len, mapped, &utf8, &line_ends);
    if (nul) {
        long line = 1, col = 1;
        for (const char *p = buf; p < nul; p++) {
            if (*p == '\n') line++, col = 1;
            else if (*p == ',') col++;
        }
        hasher_join(&hs);
        drop_buffer(buf, mapped);
        return pms_err_set(err, PMS_EPARSE, "%s:%ld:%ld: NUL byte in the file (not a text CSV)",
                           display, line, col);
    }
    size_t off = 0;
    if (len >= 3 && (unsigned char)buf[0] == 0xEF && (unsigned char)buf[1] == 0xBB &&
        (unsigned char)buf[2] == 0xBF) {
        out->bom = 1;
        off = 3;
    }
    char *b;
    size_t n, base; /* the text is b[base .. n) */
    if (utf8) {
        /* The reader leaves room for the terminating NUL; only a buffer from
         * elsewhere may need to grow, and then it is hashed first.  The
         * streaming parse writes nothing, not even that NUL. */
        char *nb = buf;
        if (!span && malloc_usable_size(buf) < len + 1) {
            hasher_join(&hs);
            nb = realloc(buf, len + 1);
            if (!nb) {
                free(buf);
                return pms_err_set(err, PMS_ENOMEM, "%s: out of memory", display);
            }
            hs.buf = nb;
        }
        /* The NUL after the text is written only once the hash is done. */
        b = nb;
        base = off; /* the BOM stays in the buffer, before the first cell */
        n = len;
    } else {
        hasher_join(&hs);
        b = latin1_to_utf8((const unsigned char *)buf + off, len - off, &n);
        drop_buffer(buf, mapped);
        mapped = 0;
        if (!b) return pms_err_set(err, PMS_ENOMEM, "%s: out of memory", display);
        out->latin1 = 1;
        base = 0;
        lim = (size_t)-1; /* a fresh copy: nothing to wait for */
        line_ends = count_line_ends(b, n);
    }
    out->buf = b;
    out->len = n;
    out->mapped = mapped;

    size_t cap_rows = line_ends + 1;
    char **header = NULL;
    uint32_t *hspan = NULL; /* streaming: the header's spans until copied out */
    char *hdrbuf = NULL;
    uint32_t *cells = NULL;
    long *lines = NULL;
    size_t pos = base, ncols = 0, nrec = 0, caphdr = 0, stride = 0;
    size_t chunk = sink ? sink->chunk : 0, in_chunk = 0, row_base = 0, rows_held = 0;
    size_t chunk_pos = 0, released = 0;
    long line = 1;
    int in_header = 1;
    pms_status st = PMS_OK;

    for (;;) {
        while (pos < n && (b[pos] == '\n' || b[pos] == '\r')) {
            if (b[pos] == '\r' && pos + 1 < n && b[pos + 1] == '\n') pos++;
            pos++;
            line++;
        }
        if (pos >= n) break;
        long rec_line = line;
        size_t nf = 0;
        if (!in_header && in_chunk == 0) chunk_pos = pos;
        uint32_t *row = in_header ? NULL
                        : sink ? cells + (row_base + in_chunk) * stride
                               : cells + nrec * stride;
        for (;;) {
            size_t start, end;
            char delim;
            if (b[pos] == '"') {
                long qline = line;
                size_t w = pos + 1, r = pos + 1;
                start = span ? pos : w;
                for (;;) {
                    if (r >= n) {
                        st = pms_err_set(err, PMS_EPARSE,
                                         "%s:%ld:%zu: unterminated quoted field (the quote "
                                         "opened here is never closed)",
                                         display, qline, nf + 1);
                        goto fail;
                    }
                    /* Copy runs without a quote or line end in one step. */
                    const char *q = memchr(b + r, '"', n - r);
                    size_t stop = q ? (size_t)(q - b) : n;
                    for (size_t k = r; k < stop; k++)
                        if (b[k] == '\n' || (b[k] == '\r' && !(k + 1 < n && b[k + 1] == '\n')))
                            line++;
                    if (!span && w != r) {
                        GATE(stop);
                        memmove(b + w, b + r, stop - r);
                    }
                    w += stop - r;
                    r = stop;
                    if (r >= n) continue;
                    if (r + 1 < n && b[r + 1] == '"') {
                        if (!span) {
                            GATE(r);
                            b[w] = '"';
                        }
                        w++;
                        r += 2;
                        continue;
                    }
                    r++;
                    break;
                }
                delim = r < n ? b[r] : '\0';
                if (delim != ',' && delim != '\n' && delim != '\r' && delim != '\0') {
                    st = pms_err_set(err, PMS_EPARSE,
                                     "%s:%ld:%zu: unexpected text after a closing quote",
                                     display, line, nf + 1);
                    goto fail;
                }
                end = span ? r : w;
                if (!span) {
                    GATE(w);
                    if (w < n) b[w] = '\0';
                    else {
                        /* The closing quote was the last byte: the NUL goes after it. */
                        hasher_join(&hs);
                        lim = (size_t)-1;
                        b[w] = '\0';
                    }
                }
                pos = r;
            } else {
                start = pos;
                size_t r = scan_unquoted(b, pos, n);
                delim = r < n ? b[r] : '\0';
                end = r;
                if (!span) {
                    if (r < n) {
                        GATE(r);
                        b[r] = '\0';
                    } else {
                        hasher_join(&hs);
                        lim = (size_t)-1;
                        b[n] = '\0';
                    }
                }
                pos = r;
            }
            /* "a,b," at end of file: one more, empty field after this one. */
            int last_empty = delim == ',' && pos + 1 >= n;
            for (int k = 0; k <= last_empty; k++) {
                if (k) {
                    start = end = n;
                    if (!span) {
                        hasher_join(&hs);
                        lim = (size_t)-1;
                        b[n] = '\0';
                    }
                }
                if (in_header) {
                    if (nf == caphdr) {
                        size_t nc = caphdr ? caphdr * 2 : 64;
                        char **nh = realloc(header, nc * sizeof *nh);
                        if (nh) header = nh;
                        uint32_t *ns = span ? realloc(hspan, 2 * nc * sizeof *ns) : NULL;
                        if (ns) hspan = ns;
                        if (!nh || (span && !ns)) goto nomem;
                        caphdr = nc;
                    }
                    header[nf] = b + start;
                    if (span) {
                        hspan[2 * nf] = (uint32_t)start;
                        hspan[2 * nf + 1] = (uint32_t)end;
                    }
                } else {
                    if (nf >= ncols) {
                        st = pms_err_set(err, PMS_EPARSE,
                                         "%s:%ld: expected %zu fields as in the header, found "
                                         "more (extra fields)",
                                         display, rec_line, ncols);
                        goto fail;
                    }
                    if (span) {
                        row[2 * nf] = (uint32_t)start;
                        row[2 * nf + 1] = (uint32_t)end;
                    } else
                        row[nf] = (uint32_t)start;
                }
                nf++;
            }
            if (last_empty) {
                pos = n;
                break;
            }
            if (delim == ',') {
                pos++;
                continue;
            }
            if (delim == '\r' && pos + 1 < n && b[pos + 1] == '\n') pos++;
            if (pos < n) pos++;
            line++;
            break;
        }
        if (in_header) {
            ncols = nf;
            in_header = 0;
            stride = span ? 2 * ncols : ncols;
            /* Streaming: two chunks of rows, the sink types one while the
             * other fills; otherwise every row. */
            rows_held = sink ? 2 * chunk : cap_rows;
            if (stride > ((size_t)-1 / sizeof *cells) / rows_held) goto nomem;
            cells = malloc(stride * rows_held * sizeof *cells);
            lines = malloc(cap_rows * sizeof *lines);
            if (!cells || !lines) goto nomem;
            if (!sink) pms_hint_hugepages(cells, stride * rows_held * sizeof *cells);
            if (sink) {
                if (copy_header(b, hspan, ncols, header, &hdrbuf)) goto nomem;
                out->hdrbuf = hdrbuf;
                out->buf = b;
                out->len = n;
                out->ncols = ncols;
                out->header = header;
                out->line = lines;
                out->stride = stride;
                st = sink->on_header(sink->ctx, out, cap_rows, err);
                out->header = NULL;
                out->line = NULL;
                out->hdrbuf = NULL;
                if (st) goto fail;
            }
            continue;
        }
        if (nf != ncols) {
            st = pms_err_set(err, PMS_EPARSE, "%s:%ld: expected %zu fields as in the header, "
                             "found %zu (truncated row)",
                             display, rec_line, ncols, nf);
            goto fail;
        }
        lines[nrec++] = rec_line;
        if (sink && ++in_chunk == chunk) {
            st = sink->on_rows(sink->ctx, cells + row_base * stride, nrec - chunk, chunk, err);
            if (st) goto fail;
            in_chunk = 0;
            /* The other half of the cells array takes the next chunk. */
            row_base = row_base ? 0 : chunk;
            /* The chunk before this one is typed: its text may go (once hashed). */
            size_t hashed = atomic_load_explicit(&hs.done, memory_order_acquire);
            release_range(b, mapped, &released, hashed < chunk_pos ? hashed : chunk_pos);
        }
    }
    if (sink && !in_header) {
        st = sink->on_rows(sink->ctx, cells + (row_base * stride), nrec - in_chunk, in_chunk, err);
        if (st) goto fail;
    }
    if (in_header) {
        st = pms_err_set(err, PMS_EPARSE, "%s:1: empty file (no header row)", display);
        goto fail;
    }
    if (sink) sink->on_stop(sink->ctx);
    hasher_join(&hs);
    if (!out->latin1 && !span) b[n] = '\0';
    memcpy(out->sha256, hs.digest, 32);
    out->ncols = ncols;
    out->nrec = nrec;
    out->header = header;
    out->hdrbuf = hdrbuf;
    out->cells = cells;
    out->stride = stride;
    out->line = lines;
    free(hspan);
    if (sink) {
        /* Chunks are gone once handed over: no cells to read. */
        free(cells);
        out->cells = NULL;
    }
    return PMS_OK;
nomem:
    st = pms_err_set(err, PMS_ENOMEM, "%s: out of memory while reading", display);
fail:
    /* The sink may still be reading cells or text: it stops first. */
    if (sink && cells) sink->on_stop(sink->ctx);
    hasher_join(&hs);
    free(header);
    free(hspan);
    free(hdrbuf);
    free(cells);
    free(lines);
    drop_buffer(b, mapped);
    memset(out, 0, sizeof *out);
    return st;
#undef GATE
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
    if (!f) return pms_err_set(err, PMS_EIO, "%s: cannot open: %s", path, strerror(errno));
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
 * at most eight digits before and after the point, read eight bytes at a
 * time; 0 if the cell is not of that form (the caller goes the long way).
 * Needs 18 readable bytes from s. */
static inline int plain_cell_swar(const char *s, const char *se, double *out)
{
    const char *q = s;
    int neg = *q == '-';
    q += neg;
    uint64_t w = load8(q);
    unsigned k = lead_digits(w);
    if (k == 0 || k == 8) return 0;
    uint64_t m = digits_value(w, k);
    q += k;
    unsigned frac = 0;
    if (q < se && *q == '.') {
        q++;
        w = load8(q);
        frac = lead_digits(w);
        if (frac == 8) return 0;
        if (frac) m = m * pow10_int[frac] + digits_value(w, frac);
        q += frac;
    }
    if (q != se) return 0;
    /* m < 10^16: exact up to 2^53, and 10^frac is exact (Clinger, as below). */
    if (m > TWO53) return 0;
    double v = (double)m;
    if (frac) v /= pow10_exact[frac];
    *out = neg && m ? -v : v;
    return 1;
}

pms_numparse pms_parse_number_n(const char *s, size_t len, double *out)
{
    return pms_parse_number_avail(s, len, len, out);
}

/* One pass over the cell: this runs for every numeric cell of every file. */
pms_numparse pms_parse_number_avail(const char *s, size_t len, size_t avail, double *out)
{
    if (avail >= 18 && len && plain_cell_swar(s, s + len, out)) return PMS_NUM_OK;

    /* The cell is s[0 .. len): it may be followed by anything (a comma, the
     * next cell, the end of a read-only mapping), so every read is bounded. */
    const char *const se = s + len;
#define AT(p) ((p) < se ? *(p) : '\0')
    /* The common cell first: an optional minus, at most 19 digits with an
     * optional decimal point, nothing else.  Exact when the digits, read as
     * an integer m, are at most 2^53 and the decimal places at most 22
     * (Clinger 1990): m and 10^k are then exact doubles, and one division is
     * correctly rounded, as strtod is.  Anything else takes the general path
     * below. */
    {
        const char *q = s;
        int neg = q < se && *q == '-';
        q += neg;
        if (q < se && is_digit(*q)) {
            const char *d0 = q;
            /* At most 19 digits (m < 10^19 fits 64 bits), the point not counted. */
            const char *lim = se - d0 > 19 ? d0 + 19 : se;
            uint64_t m = 0;
            while (q < lim && is_digit(*q)) m = m * 10 + (uint64_t)(*q++ - '0');
            int frac = 0;
            if (q < se && *q == '.') {
                const char *f0 = ++q;
                lim = se - d0 > 20 ? d0 + 20 : se;
                while (q < lim && is_digit(*q)) m = m * 10 + (uint64_t)(*q++ - '0');
                frac = (int)(q - f0);
            }
            if (q == se && m <= TWO53) {
                double v = (double)m;
                if (frac) v /= pow10_exact[frac];
                *out = neg && v != 0.0 ? -v : v;
                return PMS_NUM_OK;
            }
        }
    }
    const char *p = s;
    while (AT(p) == ' ' || AT(p) == '\t') p++;
    if (p == se) return PMS_NUM_MISSING;
    if ((*p == '-' || *p == '*' || *p == '.' || *p == 'N' || *p == 'n') &&
        pms_is_missing_span(p, (size_t)(se - p)))
        return PMS_NUM_MISSING;
    int neg = 0, signed_ = 0, pound = 0;
    /* Sign and pound sign in either order ("-£5", "£-5", "£ 5"), each at most once. */
    for (int k = 0; k < 2; k++) {
        if (!signed_ && (AT(p) == '-' || AT(p) == '+')) {
            neg = *p == '-';
            signed_ = 1;
            p++;
        }
        if (!pound && (unsigned char)AT(p) == 0xC2 && (unsigned char)AT(p + 1) == 0xA3) {
            pound = 1;
            p += 2;
            while (AT(p) == ' ') p++;
        }
    }
    uint64_t m = 0;
    int sig = 0, exp10 = 0, any = 0, intdigits = 0;
    int group = -1; /* digits since the last thousands comma; -1 = no comma seen */
    for (;; p++) {
        char c = AT(p);
        if (is_digit(c)) {
            any = 1;
            intdigits++;
            if (group >= 0) group++;
            if (sig < 19) {
                m = m * 10 + (uint64_t)(c - '0');
                if (m) sig++;
            } else
                exp10++;
        } else if (c == ',') {
            /* Thousands separator: 1-3 digits before the first comma and exactly
             * three between commas, so "£1,2,3" is not a number. */
            if (group >= 0 ? group != 3 : (intdigits < 1 || intdigits > 3)) return PMS_NUM_BAD;
            group = 0;
        } else
            break;
    }
    if (group >= 0 && group != 3) return PMS_NUM_BAD;
    if (AT(p) == '.') {
        p++;
        for (; is_digit(AT(p)); p++) {
            any = 1;
            if (sig < 19) {
                m = m * 10 + (uint64_t)(*p - '0');
                if (m) sig++;
                exp10--;
            }
        }
    }
    if (!any) return PMS_NUM_BAD;
    long e = 0;
    if (AT(p) == 'e' || AT(p) == 'E') {
        p++;
        int eneg = 0;
        if (AT(p) == '+' || AT(p) == '-') eneg = *p++ == '-';
        if (!is_digit(AT(p))) return PMS_NUM_BAD;
        for (; is_digit(AT(p)); p++)
            if (e < 100000) e = e * 10 + (*p - '0');
        if (eneg) e = -e;
    }
    while (AT(p) == ' ' || AT(p) == '\t') p++;
    if (p != se) return PMS_NUM_BAD;
    long te = e + exp10;
    double v;
    if (m == 0) {
        v = 0.0;
    } else if (m <= TWO53 && te >= -22 && te <= 22) {
        /* Clinger's fast path: both operands exact, one correctly rounded op.
         * (A digit dropped after the 19th leaves m >= 10^18 > 2^53.) */
        v = (double)m;
        v = te >= 0 ? v * pow10_exact[te] : v / pow10_exact[-te];
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
        v = strtod(tmp, &ep);
        if (*ep != '\0' || !isfinite(v)) return PMS_NUM_BAD;
        v = fabs(v); /* the sign is applied below; fabs also clears an underflow's -0 */
    }
    if (!isfinite(v)) return PMS_NUM_BAD;
    *out = neg && v != 0.0 ? -v : v;
    return PMS_NUM_OK;
}
#undef AT

pms_numparse pms_parse_number(const char *s, double *out)
{
    return pms_parse_number_n(s, strlen(s), out);
}
