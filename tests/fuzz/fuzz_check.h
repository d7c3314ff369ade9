/* Independent checks for the fuzz targets and tests: well-formed UTF-8
 * (written from RFC 3629 again, not io/utf8.c), a strict JSON grammar
 * (RFC 8259: no NaN, Infinity, trailing commas or raw control characters),
 * and the CSV formula guard on every parsed field.  Header-only. */
#ifndef PMS_FUZZ_CHECK_H
#define PMS_FUZZ_CHECK_H

#include <stddef.h>
#include <string.h>

static inline int fc_utf8(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        size_t len = c < 0x80 ? 1 : c < 0xC2 ? 0 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : c < 0xF5 ? 4 : 0;
        if (!len || i + len > n) return 0;
        unsigned cp = len == 1 ? c : len == 2 ? c & 0x1F : len == 3 ? c & 0x0F : c & 0x07;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80) return 0;
            cp = cp << 6 | (s[i + k] & 0x3F);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += len;
    }
    return 1;
}

/* Strict JSON: returns 1 if s[0..n) is exactly one JSON value with blanks. */
typedef struct { const char *p, *e; int depth; } fc_json;
static inline void fc_ws(fc_json *j) { while (j->p < j->e && strchr(" \t\n\r", *j->p) && *j->p) j->p++; }
static inline int fc_value(fc_json *j);
static inline int fc_string(fc_json *j)
{
    if (j->p >= j->e || *j->p != '"') return 0;
    for (j->p++; j->p < j->e; j->p++) {
        unsigned char c = (unsigned char)*j->p;
        if (c == '"') { j->p++; return 1; }
        if (c < 0x20) return 0;
        if (c == '\\') {
            if (++j->p >= j->e) return 0;
            if (*j->p == 'u') {
                for (int k = 0; k < 4; k++)
                    if (++j->p >= j->e || !strchr("0123456789abcdefABCDEF", *j->p) || !*j->p) return 0;
            } else if (!strchr("\"\\/bfnrt", *j->p) || !*j->p) return 0;
        }
    }
    return 0;
}
static inline int fc_digits(fc_json *j)
{
    const char *s = j->p;
    while (j->p < j->e && *j->p >= '0' && *j->p <= '9') j->p++;
    return j->p > s;
}
static inline int fc_number(fc_json *j)
{
    if (j->p < j->e && *j->p == '-') j->p++;
    if (j->p < j->e && *j->p == '0') j->p++;
    else if (!fc_digits(j)) return 0;
    if (j->p < j->e && *j->p == '.') { j->p++; if (!fc_digits(j)) return 0; }
    if (j->p < j->e && (*j->p == 'e' || *j->p == 'E')) {
        j->p++;
        if (j->p < j->e && (*j->p == '+' || *j->p == '-')) j->p++;
        if (!fc_digits(j)) return 0;
    }
    return 1;
}
static inline int fc_lit(fc_json *j, const char *w)
{
    size_t n = strlen(w);
    if ((size_t)(j->e - j->p) < n || memcmp(j->p, w, n)) return 0;
    j->p += n;
    return 1;
}
static inline int fc_seq(fc_json *j, char close, int obj)
{
    j->p++;
    fc_ws(j);
    if (j->p < j->e && *j->p == close) { j->p++; return 1; }
    for (;;) {
        if (obj) {
            if (!fc_string(j)) return 0;
            fc_ws(j);
            if (j->p >= j->e || *j->p != ':') return 0;
            j->p++;
        }
        if (!fc_value(j)) return 0;
        fc_ws(j);
        if (j->p < j->e && *j->p == ',') { j->p++; fc_ws(j); continue; }
        if (j->p < j->e && *j->p == close) { j->p++; return 1; }
        return 0;
    }
}
static inline int fc_value(fc_json *j)
{
    fc_ws(j);
    if (j->p >= j->e || ++j->depth > 64) return 0;
    int ok;
    switch (*j->p) {
    case '{': ok = fc_seq(j, '}', 1); break;
    case '[': ok = fc_seq(j, ']', 0); break;
    case '"': ok = fc_string(j); break;
    case 't': ok = fc_lit(j, "true"); break;
    case 'f': ok = fc_lit(j, "false"); break;
    case 'n': ok = fc_lit(j, "null"); break;
    default: ok = fc_number(j);
    }
    j->depth--;
    return ok;
}
static inline int fc_json_valid(const char *s, size_t n)
{
    fc_json j = {s, s + n, 0};
    if (!fc_value(&j)) return 0;
    fc_ws(&j);
    return j.p == j.e && fc_utf8((const unsigned char *)s, n);
}

/* A plain number as the CSV guard defines it: [-+]?(d+(.d*)?|.d+)([eE][-+]?d+)? */
static inline int fc_plain_number(const char *s, size_t n)
{
    size_t i = 0, d = 0;
    if (i < n && (s[i] == '-' || s[i] == '+')) i++;
    while (i < n && s[i] >= '0' && s[i] <= '9') i++, d++;
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && s[i] >= '0' && s[i] <= '9') i++, d++;
    }
    if (!d) return 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '-' || s[i] == '+')) i++;
        size_t e = i;
        while (i < n && s[i] >= '0' && s[i] <= '9') i++;
        if (i == e) return 0;
    }
    return i == n;
}

/* Parse RFC 4180 CSV; every field must be safe to open in a spreadsheet:
 * not starting with = + - @ TAB CR unless a plain number.  Returns 1 if all
 * fields are safe and the quoting is well-formed. */
static inline int fc_csv_safe(const char *s, size_t n)
{
    char *f = malloc(n + 1);
    if (!f) return 1;
    size_t i = 0;
    int ok = 1;
    while (i < n && ok) {
        size_t w = 0;
        if (s[i] == '"') {
            for (i++;; i++) {
                if (i >= n) { ok = 0; break; }
                if (s[i] == '"') {
                    if (i + 1 < n && s[i + 1] == '"') { f[w++] = '"'; i++; continue; }
                    i++;
                    break;
                }
                f[w++] = s[i];
            }
            if (ok && i < n && s[i] != ',' && s[i] != '\n') ok = 0;
        } else
            while (i < n && s[i] != ',' && s[i] != '\n') f[w++] = s[i++];
        if (ok && w && f[0] && strchr("=+-@\t\r", f[0]) && !fc_plain_number(f, w)) ok = 0;
        if (i < n) i++; /* the separator */
    }
    free(f);
    return ok;
}

#endif
