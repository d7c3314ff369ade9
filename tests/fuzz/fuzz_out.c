/* libFuzzer: the result-table writers (io/out.c) in all three formats with
 * hostile strings (invalid UTF-8, control characters, ANSI escapes, formula
 * text) and hostile numbers (+-inf, NaN, 1e308, subnormals).
 * Asserts: every format is well-formed UTF-8; JSON parses with a strict
 * parser (so no nan/inf); every CSV field passes the formula guard; the text
 * form has no control character but newline (no escape reaches a terminal).
 * Input: byte 0 = number of columns (1-6) and byte 1.. their kinds; the rest
 * split at NUL bytes into cell pieces (text: the piece; numbers: its first 8
 * bytes as a double, or a special value picked by its first byte). */
#define _GNU_SOURCE
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "io/out.h"

static const double special[] = {INFINITY, -INFINITY, NAN, 1e308, -1e308, 5e-324, -0.0, 1.7976931348623157e308, 0.1};

static double number(const char *p, size_t n)
{
    if (n >= 8) {
        double v;
        memcpy(&v, p, 8);
        return v;
    }
    return special[(n ? (unsigned char)p[0] : 0) % (sizeof special / sizeof *special)];
}

static void check(pms_out *o, pms_format fmt)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return;
    pms_out *t[1] = {o};
    pms_out_write(f, fmt, t, 1, NULL, "pmsreview fuzz \x1b[31m\xff");
    fclose(f);
    if (!fc_utf8((const unsigned char *)buf, len)) abort();
    if (fmt == PMS_FMT_JSON && !fc_json_valid(buf, len)) abort();
    if (fmt == PMS_FMT_CSV && !fc_csv_safe(buf, len)) abort();
    if (fmt == PMS_FMT_TEXT)
        for (size_t i = 0; i < len; i++) {
            unsigned char c = (unsigned char)buf[i];
            if ((c < 0x20 && c != '\n') || c == 0x7F) abort();
            /* C1 controls (U+0080-U+009F, C2 80-9F) act on some terminals too */
            if (c == 0xC2 && i + 1 < len && (unsigned char)buf[i + 1] < 0xA0) abort();
        }
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    size_t nc = data[0] % 6 + 1;
    if (size < 1 + nc) return 0;
    /* pieces */
    const char *p = (const char *)data + 1 + nc, *end = (const char *)data + size;
    size_t np = 0;
    const char *piece[512];
    size_t plen[512];
    while (p <= end && np < 512) {
        const char *z = memchr(p, 0, (size_t)(end - p));
        if (!z) z = end;
        piece[np] = p;
        plen[np++] = (size_t)(z - p);
        p = z + 1;
    }
    size_t k = 0;
    char s[4096];
#define NEXT_STR() (k < np ? (snprintf(s, sizeof s, "%.*s", (int)(plen[k] < 4000 ? plen[k] : 4000), piece[k]), k++, s) : "")
    pms_out *o = pms_out_new("t\x1b\xff", NEXT_STR());
    if (!o) return 0;
    int col[6];
    for (size_t j = 0; j < nc; j++) col[j] = pms_out_col(o, NEXT_STR(), (pms_outkind)(data[1 + j] % 6), data[1 + j] / 6 % 8);
    while (k < np) {
        if (pms_out_row(o)) break;
        for (size_t j = 0; j < nc && k < np; j++) {
            pms_outkind kind = (pms_outkind)(data[1 + j] % 6);
            if (kind == PMS_OUT_TEXT) pms_out_set_text(o, col[j], NEXT_STR());
            else if (kind == PMS_OUT_INT) pms_out_set_int(o, col[j], (long long)(plen[k++] * 1000003ULL) - 7);
            else if (kind == PMS_OUT_BOOL) pms_out_set_bool(o, col[j], (int)(plen[k++] & 1));
            else if (plen[k] == 1 && piece[k][0] == 'W') pms_out_set_not_computed(o, col[j], NEXT_STR());
            else pms_out_set_num(o, col[j], number(piece[k], plen[k])), k++;
        }
    }
    if (np > 2) pms_out_footnote(o, "%s", plen[np - 1] ? "note \x1b]0;title\x07 \xe2\x82" : "x");
    check(o, PMS_FMT_TEXT);
    check(o, PMS_FMT_CSV);
    check(o, PMS_FMT_JSON);
    pms_out_free(o);
    return 0;
}
