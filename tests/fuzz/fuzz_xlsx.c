/* libFuzzer: the workbook writer (io/xlsx.c through libxlsxwriter) with
 * hostile strings: invalid UTF-8, control characters, XML metacharacters,
 * text over Excel's 32,767-character limit, +-inf and NaN in number cells.
 * The file is written, unzipped in memory (zlib) and every XML part is
 * checked: well-formed UTF-8, no character XML 1.0 forbids, balanced tags,
 * entities well formed.  A write that fails must say why (no crash, no
 * silent blank cell: the long-cell case is also checked for its marker).
 * Input: split at NUL bytes into strings: sheet lines, a table's title, key
 * and cells, a chart title; 8-byte pieces also feed number cells. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "fuzz_check.h"
#include "io/xlsx.h"

#define CHECK(c) ((c) ? (void)0 : abort())

static unsigned rd16(const unsigned char *p) { return p[0] | p[1] << 8; }
static unsigned long rd32(const unsigned char *p)
{
    return p[0] | p[1] << 8 | (unsigned long)p[2] << 16 | (unsigned long)p[3] << 24;
}

/* Tags balanced, '&' starts an entity, no '<' inside a tag's quotes. */
static int xml_ok(const char *s, size_t n)
{
    if (!fc_utf8((const unsigned char *)s, n)) return 0;
    const char *stack[256];
    size_t lens[256], depth = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') return 0;
        if (c == 0xEF && i + 2 < n && (unsigned char)s[i + 1] == 0xBF && (unsigned char)s[i + 2] >= 0xBE)
            return 0; /* U+FFFE, U+FFFF */
        if (c == '&') {
            size_t j = i + 1;
            if (j < n && s[j] == '#') j++;
            size_t a = j;
            while (j < n && ((s[j] >= 'a' && s[j] <= 'z') || (s[j] >= 'A' && s[j] <= 'F') || (s[j] >= '0' && s[j] <= '9') || s[j] == 'x')) j++;
            if (j == a || j >= n || s[j] != ';') return 0;
            continue;
        }
        if (c != '<') continue;
        size_t j = i + 1;
        char q = 0;
        for (; j < n; j++) {
            if (q) {
                if (s[j] == q) q = 0;
                else if (s[j] == '<') return 0;
            } else if (s[j] == '"' || s[j] == '\'') q = s[j];
            else if (s[j] == '>') break;
        }
        if (j >= n) return 0;
        if (s[i + 1] == '?' || s[i + 1] == '!') { i = j; continue; }
        if (s[i + 1] == '/') {
            size_t l = 0;
            while (i + 2 + l < j && s[i + 2 + l] != ' ') l++;
            if (!depth || lens[depth - 1] != l || memcmp(stack[depth - 1], s + i + 2, l)) return 0;
            depth--;
        } else if (s[j - 1] != '/') {
            size_t l = 0;
            while (i + 1 + l < j && !strchr(" \t\n\r", s[i + 1 + l])) l++;
            if (depth == 256) return 0;
            stack[depth] = s + i + 1;
            lens[depth++] = l;
        }
        i = j;
    }
    return depth == 0;
}

/* Unzip through the central directory and check each .xml/.rels part. */
static void check_zip(const unsigned char *z, size_t n, int want_marker)
{
    CHECK(n >= 22);
    size_t e = n - 22;
    while (e > 0 && rd32(z + e) != 0x06054b50UL) e--;
    CHECK(rd32(z + e) == 0x06054b50UL);
    size_t count = rd16(z + e + 10), off = rd32(z + e + 16);
    int marker = 0;
    for (size_t k = 0; k < count; k++) {
        CHECK(off + 46 <= n && rd32(z + off) == 0x02014b50UL);
        unsigned method = rd16(z + off + 10);
        size_t csize = rd32(z + off + 20), usize = rd32(z + off + 24);
        size_t nlen = rd16(z + off + 28), xlen = rd16(z + off + 30), clen = rd16(z + off + 32);
        size_t loc = rd32(z + off + 42);
        char name[256];
        snprintf(name, sizeof name, "%.*s", (int)(nlen < 255 ? nlen : 255), (const char *)z + off + 46);
        off += 46 + nlen + xlen + clen;
        CHECK(loc + 30 <= n && rd32(z + loc) == 0x04034b50UL);
        size_t data = loc + 30 + rd16(z + loc + 26) + rd16(z + loc + 28);
        CHECK(data + csize <= n);
        if (!strstr(name, ".xml") && !strstr(name, ".rels")) continue;
        char *u = malloc(usize + 1);
        CHECK(u != NULL);
        if (method == 0) {
            CHECK(csize == usize);
            memcpy(u, z + data, usize);
        } else {
            CHECK(method == 8);
            z_stream st;
            memset(&st, 0, sizeof st);
            CHECK(inflateInit2(&st, -15) == Z_OK);
            st.next_in = (unsigned char *)(z + data);
            st.avail_in = (uInt)csize;
            st.next_out = (unsigned char *)u;
            st.avail_out = (uInt)usize;
            int r = inflate(&st, Z_FINISH);
            CHECK(r == Z_STREAM_END && st.total_out == usize);
            inflateEnd(&st);
        }
        u[usize] = '\0';
        if (!xml_ok(u, usize)) {
            fprintf(stderr, "bad XML in %s\n", name);
            abort();
        }
        if (strstr(u, "[cut: Excel holds 32,767 characters in a cell]")) marker = 1;
        free(u);
    }
    if (want_marker) CHECK(marker);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 20000) return 0;
    const char *p = (const char *)data, *end = p + size;
    char *str[64];
    size_t ns = 0;
    while (p <= end && ns < 64) {
        const char *z = memchr(p, 0, (size_t)(end - p));
        if (!z) z = end;
        str[ns] = strndup(p, (size_t)(z - p));
        if (!str[ns]) break;
        ns++;
        p = z + 1;
    }
    int longcell = size > 0 && data[0] == 'L'; /* a cell past Excel's limit */
    char path[64];
    snprintf(path, sizeof path, "/tmp/fuzz_xlsx_%d.xlsx", (int)getpid());
    pms_xlsx *x = NULL;
    pms_err err;
    if (pms_xlsx_open(path, 0, ns ? str[0] : "t", &x, &err) != PMS_OK) abort();
    pms_status st = pms_xlsx_add_lines(x, "Summary", (const char *const *)str, ns, &err);
    pms_out *o = pms_out_new("t", ns > 1 ? str[1] : "title");
    int c0 = pms_out_col(o, ns > 2 ? str[2] : "k", PMS_OUT_TEXT, 0);
    int c1 = pms_out_col(o, "v", PMS_OUT_REAL, 3), c2 = pms_out_col(o, "m", PMS_OUT_MONEY, 2);
    for (size_t i = 3; i < ns; i++) {
        pms_out_row(o);
        pms_out_set_text(o, c0, str[i]);
        double v = NAN;
        if (strlen(str[i]) >= 8) memcpy(&v, str[i], 8);
        else if (str[i][0] == 'I') v = -INFINITY;
        pms_out_set_num(o, c1, v);
        if (str[i][0] == 'W') pms_out_set_not_computed(o, c2, str[i]);
        else pms_out_set_num(o, c2, (double)strlen(str[i]) * 1.25);
    }
    char *big = NULL;
    if (longcell) {
        size_t bn = 40000;
        big = malloc(bn * 3 + 1);
        for (size_t i = 0; i < bn; i++) memcpy(big + 3 * i, "\xe2\x82\xac", 3);
        big[bn * 3] = '\0';
        pms_out_row(o);
        pms_out_set_text(o, c0, big);
    }
    pms_xlsx_loc loc;
    pms_out *tabs[1] = {o};
    if (!st) st = pms_xlsx_add_tables(x, "Data", tabs, 1, &loc, &err);
    pms_xlsx_series s = {&loc, c0, c1, ns > 3 ? str[3] : NULL, 1};
    if (!st) st = pms_xlsx_add_chart(x, "Data", PMS_XLSX_SCATTER, ns > 4 ? str[4] : "c",
                                     ns > 5 ? str[5] : "x", "y", &s, 1, &err);
    pms_status cs = pms_xlsx_close(x, &err);
    if (!st && !cs) {
        FILE *f = fopen(path, "rb");
        CHECK(f != NULL);
        fseek(f, 0, SEEK_END);
        long n = ftell(f);
        fseek(f, 0, SEEK_SET);
        unsigned char *z = malloc((size_t)n);
        CHECK(z && fread(z, 1, (size_t)n, f) == (size_t)n);
        fclose(f);
        check_zip(z, (size_t)n, longcell);
        free(z);
    } else {
        CHECK(err.msg[0]); /* a failure says why */
    }
    unlink(path);
    free(big);
    pms_out_free(o);
    for (size_t i = 0; i < ns; i++) free(str[i]);
    return 0;
}
