/* RFC 4180 CSV reading into an in-memory grid of UTF-8 strings.
 *
 * pms_csv_read_file reads the whole file into one buffer and parses it in
 * place (quotes removed, fields NUL-terminated), so a record costs one
 * offset per field and no copies.  The streaming reader used by the table
 * loader (pms_csv_read_file_stream) maps the file read-only instead and
 * hands over cells as spans of the untouched text (doc/loader.md).  Accepts CRLF,
 * LF or CR line ends (mixed), a UTF-8 byte-order mark, and ISO-8859-1 and
 * Windows-1252 files (any file that is not valid UTF-8 is read as
 * Windows-1252 and converted, which is what NHS Digital's older files with
 * a latin-1 pound sign need, and what Excel writes on Windows; a file with
 * no byte in 0x80-0x9F, where the two differ, is named ISO-8859-1).  Blank
 * lines are not records.  Every record must have as many fields as the header;
 * a NUL byte, an unterminated quote or text after a closing quote is an error
 * naming file:line:column.  Files of 4 GiB or more are refused (offsets are
 * 32-bit). */
#ifndef PMS_CSV_H
#define PMS_CSV_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/status.h"

typedef struct {
    char *buf;          /* owned: the UTF-8 text, fields point into it */
    size_t len;
    size_t mapped;      /* streaming: buf is a read-only mapping of this length (0: malloc'd) */
    char *hdrbuf;       /* streaming: the header's fields, copied out and NUL-terminated */
    size_t ncols;       /* fields in the header */
    size_t nrec;        /* data records (header excluded) */
    char **header;      /* ncols header fields */
    /* Cells are stored row by row as 32-bit offsets into buf (half the
     * memory of pointers; row by row is the order of the text they point
     * into, so typing reads the file front to back); use pms_csv_cell. */
    uint32_t *cells;
    size_t stride;      /* offsets per row: ncols */
    long *line;         /* nrec: physical line where each record starts */
    int latin1;         /* not UTF-8, converted: 1 from ISO-8859-1, 2 from Windows-1252
                         * (it has bytes in 0x80-0x9F); pms_csv_encoding names it */
    int bom;            /* a UTF-8 BOM was removed */
    size_t bytes;       /* size of the file as read */
    unsigned char sha256[32];
} pms_csv;

/* The text of a data cell (NUL-terminated, writable in place). */
static inline char *pms_csv_cell(const pms_csv *c, size_t row, size_t col)
{
    return c->buf + c->cells[row * c->stride + col];
}

/* Read and parse a file; `display` is the name used in messages. */
pms_status pms_csv_read_file(const char *path, pms_csv *out, pms_err *err);

/* The name of a file's encoding from pms_csv.latin1 (or pms_source.latin1):
 * "UTF-8", "ISO-8859-1" or "Windows-1252". */
const char *pms_csv_encoding(int latin1);

/* Parse a buffer that the pms_csv takes ownership of (malloc'd, len bytes,
 * need not be NUL-terminated; it is reallocated if conversion is needed). */
pms_status pms_csv_parse(char *buf, size_t len, const char *display, pms_csv *out,
                         pms_err *err);

/* Streaming, for the table loader: the same parse, but rows are handed to
 * the sink in chunks instead of being kept, so the cell offsets of a big
 * file never all exist at once.
 *  on_header: once, after the header, with csv->buf, header, ncols and line
 *    (the line array, filled as rows are read) set, and an upper bound of
 *    the number of rows; the header strings live in csv->buf.
 *  on_rows: rows [first, first + n) as row-major spans of csv->buf: cell
 *    (i, j) is buf[cells[k] .. cells[k + 1]) with k = 2 * ((i - first) * ncols + j),
 *    quotes included for a quoted cell (its text is between them, "" meaning
 *    one quote).  The text is never written (it may be a read-only mapping
 *    of the file), so cells are not NUL-terminated.  The array may be reused for the chunk
 *    after next, so a sink that works on a chunk in the background must be
 *    done with it before returning from the following on_rows call.  The
 *    last call may have n = 0.
 *  on_stop: once, when parsing ends (also on an error, before anything is
 *    freed): the sink waits for any background work.
 * A non-OK status from a callback stops the parse and is returned.  On
 * success `out` is as from pms_csv_parse but with cells NULL, header pointing
 * into hdrbuf, and buf unmodified (pms_csv_free unmaps it).
 * pms_csv_read_file_stream maps a regular file read-only (MAP_PRIVATE);
 * a pipe or other special file is read into memory. */
/* How the streaming parse finds the fields of the rows after the header.
 * Every choice gives the same cells, lines and messages (tested); AUTO, the
 * default, is the fastest the CPU has.  SCALAR: one field at a time, eight
 * bytes at a time (the in-place parse always works so).  WORDS: each 64-byte
 * block classified once into a bit mask of separators, with eight 64-bit
 * words.  AVX2: the same with two 32-byte vectors (WORDS on a CPU without). */
typedef enum { PMS_SPLIT_AUTO = 0, PMS_SPLIT_SCALAR, PMS_SPLIT_WORDS, PMS_SPLIT_AVX2 } pms_split;

/* 1 if this CPU (and build) runs the AVX2 splitter. */
int pms_csv_have_avx2(void);

typedef struct {
    size_t chunk;       /* rows per chunk, >= 1 */
    void *ctx;
    pms_status (*on_header)(void *ctx, const pms_csv *csv, size_t max_rows, pms_err *err);
    pms_status (*on_rows)(void *ctx, const uint32_t *cells, size_t first, size_t n,
                          pms_err *err);
    void (*on_stop)(void *ctx);
    pms_split split;    /* 0 (AUTO) unless a test compares the splitters */
} pms_csv_sink;

pms_status pms_csv_parse_stream(char *buf, size_t len, const char *display,
                                const pms_csv_sink *sink, pms_csv *out, pms_err *err);
pms_status pms_csv_read_file_stream(const char *path, const pms_csv_sink *sink, pms_csv *out,
                                    pms_err *err);

void pms_csv_free(pms_csv *c);

/* Ask for transparent huge pages on a large fresh allocation (no-op elsewhere). */
void pms_hint_hugepages(void *p, size_t n);

/* Number parsing for cells: optional surrounding spaces, sign, "£", thousands
 * separators in groups of three, decimal point, exponent.  Missing markers
 * ("", "-", "*", "NA", "n/a", "..", case-insensitive) give PMS_NUM_MISSING.
 * "nan", "inf", overflow and anything else give PMS_NUM_BAD.  Correctly
 * rounded (fast exact path, else strtod). */
typedef enum { PMS_NUM_OK = 0, PMS_NUM_MISSING, PMS_NUM_BAD } pms_numparse;
pms_numparse pms_parse_number(const char *s, double *out);
/* The same on the span s[0 .. len), which need not be NUL-terminated. */
pms_numparse pms_parse_number_n(const char *s, size_t len, double *out);
/* The same when `avail` >= len bytes may be read from s (the loader passes
 * what is left of the file): the common cell is then read eight bytes at a
 * time. */
pms_numparse pms_parse_number_avail(const char *s, size_t len, size_t avail, double *out);

/* The plain cell those take first: an optional minus, 1-19 digits with an
 * optional decimal point among or after them, nothing else.  1 with its
 * sign in *neg, its digits as one integer in *m and its decimal places in
 * *places (the value is m / 10^places), else 0.  Eight bytes at a time
 * when `avail` >= 18 bytes may be read from s.  (The loader stores such a
 * cell of an integer column as written.) */
int pms_plain_digits(const char *s, size_t len, size_t avail, int *neg, uint64_t *m, int *places);

/* The commonest numeric cell, inline: an optional minus and 1-8 digits,
 * nothing else, when at least 8 bytes may be read after the minus (the
 * loader passes what is left of the file).  1 and the value as an
 * integer (below 10^8; "-0" is 0), or 0, and then the caller goes on to
 * pms_parse_number_avail (a plus, a point, spaces, quotes...).  The eight
 * bytes are tested for digits
 * at once and converted by three multiplications (see io/csv.c,
 * plain_digits_swar); bytes after the cell are shifted out, never taken as
 * part of it. */
static inline int pms_parse_int8_i32(const char *s, size_t len, size_t avail, int32_t *out)
{
    const uint64_t ones = 0x0101010101010101ULL;
    const size_t neg = len && *s == '-';
    s += neg;
    len -= neg;
    if (len - 1 >= 8 || avail - neg < 8) return 0;
    uint64_t w;
    memcpy(&w, s, 8);
    const unsigned pad = 64 - 8 * (unsigned)len;  /* the bits after the cell */
    uint64_t x = w ^ (ones * '0');                /* digits become 0..9 */
    uint64_t nd = (x | ((x & (ones * 0x7F)) + ones * 0x76)) & (ones * 0x80); /* non-digits */
    if (nd << pad) return 0;
    uint64_t d = x << pad;                        /* the digits at the top, zeros before */
    d = ((d & 0x0F0F0F0F0F0F0F0FULL) * 2561) >> 8;
    d = ((d & 0x00FF00FF00FF00FFULL) * 6553601) >> 16;
    d = ((d & 0x0000FFFF0000FFFFULL) * 42949672960001ULL) >> 32;
    /* Below 10^8: an int32, signed without a branch ("-0" is 0). */
    *out = neg ? -(int32_t)d : (int32_t)d;
    return 1;
}

/* The same cells as a double: exactly strtod's (an integer below 10^8 is a
 * double; "-0" is +0.0, as everywhere). */
static inline int pms_parse_int8(const char *s, size_t len, size_t avail, double *out)
{
    int32_t m;
    if (!pms_parse_int8_i32(s, len, avail, &m)) return 0;
    *out = (double)m;
    return 1;
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define PMS_HAVE_INT8_SSE 1
/* pms_parse_int8 with SSE4.1, for code compiled for AVX2 (the loader's
 * typing loop, chosen at run time with pms_csv_have_avx2): the same cells,
 * the same values, in about half the instructions.  The cell's bytes are
 * moved to the top of eight lanes (zeros before them) by one shuffle, tested
 * for digits at once (adding 118 with saturation sets the high bit of any
 * byte but 0-9) and combined in pairs, fours and eights by multiply-adds
 * (as simdjson and fast_float do). */
static const unsigned char pms_int8_shuffle[9][16] __attribute__((aligned(16), unused)) = {
#define PMS_Z 0x80
    {PMS_Z, PMS_Z, PMS_Z, PMS_Z, PMS_Z, PMS_Z, PMS_Z, PMS_Z, PMS_Z, PMS_Z, PMS_Z, PMS_Z, PMS_Z, PMS_Z, PMS_Z, PMS_Z},
    {PMS_Z, PMS_Z, PMS_Z, PMS_Z, PMS_Z, PMS_Z, PMS_Z, 0, PMS_Z, PMS_Z, PMS_Z, PMS_Z, PMS_Z, PMS_Z, PMS_Z, PMS_Z},
    {PMS_Z, PMS_Z, PMS_Z, PMS_Z, PMS_Z, PMS_Z, 0, 1, PMS_Z, PMS_Z, PMS_Z, PMS_Z, PMS_Z, PMS_Z, PMS_Z, PMS_Z},
    {PMS_Z, PMS_Z, PMS_Z, PMS_Z, PMS_Z, 0, 1, 2, PMS_Z, PMS_Z, PMS_Z, PMS_Z, PMS_Z, PMS_Z, PMS_Z, PMS_Z},
    {PMS_Z, PMS_Z, PMS_Z, PMS_Z, 0, 1, 2, 3, PMS_Z, PMS_Z, PMS_Z, PMS_Z, PMS_Z, PMS_Z, PMS_Z, PMS_Z},
    {PMS_Z, PMS_Z, PMS_Z, 0, 1, 2, 3, 4, PMS_Z, PMS_Z, PMS_Z, PMS_Z, PMS_Z, PMS_Z, PMS_Z, PMS_Z},
    {PMS_Z, PMS_Z, 0, 1, 2, 3, 4, 5, PMS_Z, PMS_Z, PMS_Z, PMS_Z, PMS_Z, PMS_Z, PMS_Z, PMS_Z},
    {PMS_Z, 0, 1, 2, 3, 4, 5, 6, PMS_Z, PMS_Z, PMS_Z, PMS_Z, PMS_Z, PMS_Z, PMS_Z, PMS_Z},
    {0, 1, 2, 3, 4, 5, 6, 7, PMS_Z, PMS_Z, PMS_Z, PMS_Z, PMS_Z, PMS_Z, PMS_Z, PMS_Z},
#undef PMS_Z
};

__attribute__((target("sse4.1"))) static inline int
pms_parse_int8_sse_i32(const char *s, size_t len, size_t avail, int32_t *out)
{
    const size_t neg = len && *s == '-';
    s += neg;
    len -= neg;
    if (len - 1 >= 8 || avail - neg < 8) return 0;
    __m128i v = _mm_sub_epi8(_mm_loadl_epi64((const __m128i *)(const void *)s), _mm_set1_epi8('0'));
    v = _mm_shuffle_epi8(v, _mm_load_si128((const __m128i *)(const void *)pms_int8_shuffle[len]));
    if (_mm_movemask_epi8(_mm_adds_epu8(v, _mm_set1_epi8(118)))) return 0;
    v = _mm_maddubs_epi16(v, _mm_set1_epi16(0x010A));     /* bytes 10, 1: pairs */
    v = _mm_madd_epi16(v, _mm_set1_epi32(0x00010064));    /* 100, 1: fours */
    v = _mm_packus_epi32(v, v);
    v = _mm_madd_epi16(v, _mm_set1_epi32(0x00012710));    /* 10000, 1: eight digits */
    v = _mm_sign_epi32(v, _mm_set1_epi32(1 - 2 * (int)neg)); /* "-0" is 0 */
    *out = _mm_cvtsi128_si32(v);
    return 1;
}

__attribute__((target("sse4.1"))) static inline int pms_parse_int8_sse(const char *s, size_t len,
                                                                        size_t avail, double *out)
{
    int32_t m;
    if (!pms_parse_int8_sse_i32(s, len, avail, &m)) return 0;
    *out = (double)m;
    return 1;
}
#endif

/* 1 if the cell is one of the missing markers (after trimming spaces). */
int pms_is_missing_marker(const char *s);
int pms_is_missing_span(const char *s, size_t len);

#endif
