/* RFC 4180 CSV reading into an in-memory grid of UTF-8 strings.
 *
 * pms_csv_read_file reads the whole file into one buffer and parses it in
 * place (quotes removed, fields NUL-terminated), so a record costs one
 * offset per field and no copies.  The streaming reader used by the table
 * loader (pms_csv_read_file_stream) maps the file read-only instead and
 * hands over cells as spans of the untouched text (doc/loader.md).  Accepts CRLF,
 * LF or CR line ends (mixed), a UTF-8 byte-order mark, and ISO-8859-1 files
 * (any file that is not valid UTF-8 is read as ISO-8859-1 and converted, which
 * is what NHS Digital's older files with a latin-1 pound sign need).  Blank
 * lines are not records.  Every record must have as many fields as the header;
 * a NUL byte, an unterminated quote or text after a closing quote is an error
 * naming file:line:column.  Files of 4 GiB or more are refused (offsets are
 * 32-bit). */
#ifndef PMS_CSV_H
#define PMS_CSV_H

#include <stddef.h>
#include <stdint.h>

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
    int latin1;         /* converted from ISO-8859-1 */
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

/* 1 if the cell is one of the missing markers (after trimming spaces). */
int pms_is_missing_marker(const char *s);
int pms_is_missing_span(const char *s, size_t len);

#endif
