/* libFuzzer: the text helpers that cut and clean names for labels: the
 * gnuplot .dat and script text (plots/gnuplot.c), the report's CCG label,
 * locality label and money text, the workbook's cell text and io/utf8.
 * Asserts: output is well-formed UTF-8 (always for the cleaners; whenever
 * the input is for the cutters), fits its buffer, and script text keeps
 * only the characters gnuplot cannot act on.
 * Input: byte 0 = a buffer size, byte 1 = a code length, then the name. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "io/utf8.h"
#include "io/xlsx.h"
#include "plots/gnuplot.h"
#include "report/report.h"

#define CHECK(c) ((c) ? (void)0 : abort())

static void locality(const char *code, const char *name)
{
    /* a one-row table through the CSV loader, as the report reads it */
    size_t n = 2 * (strlen(code) + strlen(name)) + 64, w = 0;
    char *csv = malloc(n);
    if (!csv) return;
    w += (size_t)snprintf(csv, n, "CCG Code,CCG Name\n\"");
    for (const char *p = code; *p; p++) {
        if (*p == '"') csv[w++] = '"';
        csv[w++] = *p;
    }
    w += (size_t)snprintf(csv + w, n - w, "\",\"");
    for (const char *p = name; *p; p++) {
        if (*p == '"') csv[w++] = '"';
        csv[w++] = *p;
    }
    w += (size_t)snprintf(csv + w, n - w, "\"\n");
    pms_table *t = NULL;
    pms_err err;
    if (pms_table_load_mem("fuzz.csv", csv, w, NULL, &t, &err) == PMS_OK) {
        pms_report_ctx r;
        memset(&r, 0, sizeof r);
        r.main = t;
        r.locality = code;
        const char *lab = pms_report_locality(&r);
        CHECK(strlen(lab) < sizeof r.locality_label);
        /* the loader may have read the file as Latin-1: compare with what it kept */
        const char *const *nm = NULL;
        int valid_in = pms_table_text(t, "ccg_name", &nm, &err) == PMS_OK && nm[0] &&
                       fc_utf8((const unsigned char *)nm[0], strlen(nm[0])) &&
                       fc_utf8((const unsigned char *)code, strlen(code));
        if (valid_in) CHECK(fc_utf8((const unsigned char *)lab, strlen(lab)));
        pms_table_free(t);
    }
    free(csv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || size > 70000) return 0;
    size_t cap = (size_t)data[0] + 1, clen = data[1] % 16;
    char *s = malloc(size - 1);
    if (!s) return 0;
    memcpy(s, data + 2, size - 2);
    s[size - 2] = '\0';
    size_t len = strlen(s);
    int valid = fc_utf8((const unsigned char *)s, len);
    char *out = malloc(cap + 64);
    if (!out) {
        free(s);
        return 0;
    }

    pms_gp_data_text(s, out, cap);
    CHECK(strlen(out) < cap);
    CHECK(fc_utf8((const unsigned char *)out, strlen(out)));
    for (const char *p = out; *p; p++) CHECK((unsigned char)*p >= 0x20 && *p != 0x7F && *p != '"');

    pms_gp_script_text(s, out, cap);
    CHECK(strlen(out) < cap);
    CHECK(fc_utf8((const unsigned char *)out, strlen(out)));
    for (const char *p = out; *p; p++) {
        CHECK(!strchr("\"`$!\\@#{}[]<>|~^*?", *p) || !*p);
        CHECK((unsigned char)*p >= 0x20 && *p != 0x7F);
        if (*p == '\'') CHECK(p[1] == '\''), p++; /* quotes come doubled */
    }

    size_t k = pms_utf8_prefix(s, cap);
    CHECK(k <= cap && k <= len);
    if (valid) CHECK(fc_utf8((const unsigned char *)s, k));
    pms_utf8_copy(out, cap, s, cap);
    CHECK(strlen(out) < cap);
    if (valid) CHECK(fc_utf8((const unsigned char *)out, strlen(out)));
    CHECK(pms_utf8_valid(s, len) == valid);

    /* a code and a name from the input, the label as the CCG chart makes it */
    char code[17];
    snprintf(code, sizeof code, "%.*s", (int)(clen < len ? clen : len), s);
    const char *name = s + strlen(code);
    pms_report_ccg_label(out, cap, code, name, (size_t)data[0] * 977);
    CHECK(strlen(out) < cap);
    if (valid && fc_utf8((const unsigned char *)code, strlen(code)))
        CHECK(fc_utf8((const unsigned char *)out, strlen(out)));
    if (len < 4096) locality(code, name);

    if (len >= 8) {
        double v;
        memcpy(&v, s, 8);
        char m[48];
        pms_report_money(m, sizeof m, v, data[0] % 5);
        CHECK(!strstr(m, "inf") && !strstr(m, "nan"));
        CHECK(fc_utf8((const unsigned char *)m, strlen(m)));
        if (isfinite(v) && fabs(v) < 1e15) CHECK(strlen(m) + 1 < sizeof m); /* never cut */
    }

    char *x = pms_xlsx_cell_text(s);
    if (x) {
        size_t xl = strlen(x), chars = 0;
        CHECK(fc_utf8((const unsigned char *)x, xl));
        for (size_t i = 0; i < xl; i++) {
            unsigned char c = (unsigned char)x[i];
            CHECK(c >= 0x20 || c == '\t' || c == '\n');
            chars += (c & 0xC0) != 0x80;
            if (c == 0xEF && i + 2 < xl) CHECK(!((unsigned char)x[i + 1] == 0xBF && (unsigned char)x[i + 2] >= 0xBE));
        }
        CHECK(chars <= 32767);
        free(x);
    }
    free(out);
    free(s);
    return 0;
}
