#include "io/utf8.h"

#include <string.h>

/* RFC 3629 table 2: the second byte's range depends on the first byte, which
 * rules out overlong forms, surrogates and code points above U+10FFFF. */
size_t pms_utf8_seq(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    if (n == 0) return 0;
    unsigned c = s[0];
    if (c < 0x80) return 1;
    size_t len;
    unsigned lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) len = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
    } else
        return 0;
    if (n < len) return 0;
    if (s[1] < lo || s[1] > hi) return 0;
    for (size_t k = 2; k < len; k++)
        if ((s[k] & 0xC0) != 0x80) return 0;
    return len;
}

int pms_utf8_valid(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t k = pms_utf8_seq(s + i, n - i);
        if (!k) return 0;
        i += k;
    }
    return 1;
}

size_t pms_utf8_prefix(const char *s, size_t max)
{
    size_t n = strnlen(s, max + 4), i = 0;
    while (i < n) {
        size_t k = pms_utf8_seq(s + i, n - i);
        if (!k) k = 1; /* an invalid byte is a unit of its own */
        if (i + k > max) break;
        i += k;
    }
    return i;
}

char *pms_utf8_copy(char *dst, size_t cap, const char *src, size_t max)
{
    if (max > cap - 1) max = cap - 1;
    size_t k = pms_utf8_prefix(src, max);
    memcpy(dst, src, k);
    dst[k] = '\0';
    return dst;
}

char *pms_utf8_trim_tail(char *s)
{
    size_t n = strlen(s);
    /* Look back over at most three continuation bytes for the lead byte. */
    size_t i = n;
    while (i > 0 && n - i < 4 && ((unsigned char)s[i - 1] & 0xC0) == 0x80) i--;
    if (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0xC0 && !pms_utf8_seq(s + i - 1, n - i + 1))
        s[i - 1] = '\0';
    return s;
}

static int is_control(unsigned cp, int keep_newline)
{
    if (cp == '\n') return !keep_newline;
    return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F);
}

static size_t visible(FILE *f, const char *s, int keep_newline)
{
    size_t w = 0, n = strlen(s), i = 0;
    while (i < n) {
        size_t k = pms_utf8_seq(s + i, n - i);
        unsigned cp = k == 1   ? (unsigned char)s[i]
                      : k == 2 ? (((unsigned char)s[i] & 0x1Fu) << 6) | ((unsigned char)s[i + 1] & 0x3Fu)
                               : 0x100;
        if (!k || is_control(cp, keep_newline)) {
            /* C1 controls are two bytes: show both, as the bytes they are. */
            size_t m = k ? k : 1;
            for (size_t j = 0; j < m; j++)
                if (f) fprintf(f, "\\x%02x", (unsigned char)s[i + j]);
            w += 4 * m;
            i += m;
            continue;
        }
        if (f) fwrite(s + i, 1, k, f);
        w++;
        i += k;
    }
    return w;
}

size_t pms_utf8_put_visible(FILE *f, const char *s, int keep_newline)
{
    return visible(f, s, keep_newline);
}

size_t pms_utf8_visible_width(const char *s, int keep_newline)
{
    return visible(NULL, s, keep_newline);
}

int pms_utf8_put_valid(FILE *f, const char *s)
{
    size_t n = strlen(s), i = 0;
    while (i < n) {
        size_t k = pms_utf8_seq(s + i, n - i);
        if (!k) {
            if (fputs("\xef\xbf\xbd", f) == EOF) return EOF;
            i++;
            continue;
        }
        if (fwrite(s + i, 1, k, f) != k) return EOF;
        i += k;
    }
    return 0;
}
