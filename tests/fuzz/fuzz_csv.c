/* libFuzzer: the CSV reader and the number parser on arbitrary bytes.
 * Differential: the streaming parser (read-only text, cells as spans, the
 * table loader's path) must find exactly the cells the in-place parser
 * finds, and fail on exactly the same inputs with the same message; a
 * number read from a span (eight bytes at a time where room allows) must be
 * the number read from the cell as a C string, and the loader's inline 1-8
 * digit paths may take only such a number.  The streaming parse runs with
 * the block splitter twice (AVX2 where the CPU has it, SWAR words), so the
 * in-place parse's field-by-field splitter is the reference for both.  A
 * difference aborts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/csv.h"

typedef struct {
    const pms_csv *ref; /* the in-place parse, or NULL if it failed */
    const char *text;
    size_t len, ncols;
    char *tmp;
} diff_ctx;

static pms_status on_header(void *vctx, const pms_csv *csv, size_t max_rows, pms_err *err)
{
    diff_ctx *d = vctx;
    (void)max_rows;
    (void)err;
    d->text = csv->buf;
    d->len = csv->len;
    d->ncols = csv->ncols;
    /* The text may be longer than the input (ISO-8859-1 converted). */
    if (!(d->tmp = malloc(csv->len + 1))) abort();
    if (d->ref && d->ref->ncols != csv->ncols) abort();
    for (size_t j = 0; d->ref && j < csv->ncols; j++)
        if (strcmp(d->ref->header[j], csv->header[j])) abort();
    return PMS_OK;
}

static pms_status on_rows(void *vctx, const uint32_t *cells, size_t first, size_t n,
                          pms_err *err)
{
    diff_ctx *d = vctx;
    (void)err;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d->ncols; j++) {
            uint32_t s = cells[2 * (i * d->ncols + j)], e = cells[2 * (i * d->ncols + j) + 1];
            if (s > e || e > d->len) abort();
            /* The cell's text, unquoted. */
            size_t w = 0;
            if (s < e && d->text[s] == '"') {
                for (size_t k = s + 1; k + 1 < e; k++) {
                    d->tmp[w++] = d->text[k];
                    if (d->text[k] == '"') k++;
                }
            } else {
                memcpy(d->tmp, d->text + s, e - s);
                w = e - s;
            }
            d->tmp[w] = '\0';
            if (d->ref && strcmp(pms_csv_cell(d->ref, first + i, j), d->tmp)) abort();
            double a = 1.5, b = 2.5;
            pms_numparse ra = pms_parse_number(d->tmp, &a);
            pms_numparse rb = s == e || d->text[s] == '"'
                                  ? pms_parse_number_n(d->tmp, w, &b)
                                  : pms_parse_number_avail(d->text + s, e - s, d->len - s, &b);
            if (ra != rb || (ra == PMS_NUM_OK && memcmp(&a, &b, sizeof a))) abort();
            /* The loader's inline 1-8 digit paths take a cell only if it is
             * a number, and give the same bits. */
            if (s < e && d->text[s] != '"') {
                double c8 = 3.5;
                if (pms_parse_int8(d->text + s, e - s, d->len - s, &c8) &&
                    (ra != PMS_NUM_OK || memcmp(&a, &c8, sizeof a)))
                    abort();
#ifdef PMS_HAVE_INT8_SSE
                if (pms_csv_have_avx2() && pms_parse_int8_sse(d->text + s, e - s, d->len - s, &c8) &&
                    (ra != PMS_NUM_OK || memcmp(&a, &c8, sizeof a)))
                    abort();
#endif
            }
        }
    return PMS_OK;
}

static void on_stop(void *vctx) { (void)vctx; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size ? size : 1);
    if (!buf) abort();
    memcpy(buf, data, size);
    pms_csv c, c2;
    pms_err err = {{0}}, err2 = {{0}};
    pms_status st = pms_csv_parse(buf, size, "fuzz.csv", &c, &err);
    if (st == PMS_OK) {
        for (size_t j = 0; j < c.ncols; j++)
            for (size_t i = 0; i < c.nrec; i++) {
                double v;
                (void)pms_parse_number(pms_csv_cell(&c, i, j), &v);
            }
    }
    /* The in-place parse splits field by field (the scalar splitter); the
     * streaming parse splits the rows 64 bytes at a time, with AVX2 where
     * the CPU has it (AUTO) and with SWAR words (WORDS). */
    static const pms_split splits[] = {PMS_SPLIT_AUTO, PMS_SPLIT_WORDS};
    for (size_t k = 0; k < sizeof splits / sizeof *splits; k++) {
        diff_ctx d = {0};
        d.ref = st == PMS_OK ? &c : NULL;
        char *buf2 = malloc(size ? size : 1);
        if (!buf2) abort();
        memcpy(buf2, data, size);
        /* Small chunks, so that several are handed over. */
        pms_csv_sink sink = {3, &d, on_header, on_rows, on_stop, splits[k]};
        pms_status st2 = pms_csv_parse_stream(buf2, size, "fuzz.csv", &sink, &c2, &err2);
        if (st != st2 || (st && strcmp(err.msg, err2.msg))) {
            fprintf(stderr, "in place: %d %s\nstreaming (split %d): %d %s\n", (int)st,
                    st ? err.msg : "", (int)splits[k], (int)st2, st2 ? err2.msg : "");
            abort();
        }
        if (st == PMS_OK) {
            if (c.nrec != c2.nrec || memcmp(c.sha256, c2.sha256, 32)) abort();
            for (size_t i = 0; i < c.nrec; i++)
                if (c.line[i] != c2.line[i]) abort();
            pms_csv_free(&c2);
        }
        free(d.tmp);
    }
    if (st == PMS_OK) pms_csv_free(&c);
    return 0;
}
