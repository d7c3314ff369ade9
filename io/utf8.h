/* UTF-8 text handling shared by every writer: cutting text on a character
 * boundary, checking it, and showing control characters visibly.
 *
 * Names come from data files and configs and may hold any byte.  A byte cut
 * in the middle of a multibyte character makes the workbook's XML invalid
 * (spreadsheets then refuse or drop rows) and summary.txt invalid UTF-8, so
 * every truncation in the toolkit goes through pms_utf8_prefix or
 * pms_utf8_copy, and writers replace what is still invalid. */
#ifndef PMS_UTF8_H
#define PMS_UTF8_H

#include <stddef.h>
#include <stdio.h>

/* Length of the valid UTF-8 sequence starting at s (at most n bytes): 1 to 4,
 * or 0 when s does not start a well-formed character (stray continuation
 * byte, overlong form, surrogate, beyond U+10FFFF, cut short). */
size_t pms_utf8_seq(const char *s, size_t n);

/* 1 if s[0..n) is well-formed UTF-8 (RFC 3629), else 0. */
int pms_utf8_valid(const char *s, size_t n);

/* Bytes of the longest prefix of the NUL-terminated s that is at most max
 * bytes long and does not end inside a character (an invalid byte counts as
 * a character of its own).  Use as printf("%.*s", (int)pms_utf8_prefix(s, 34), s). */
size_t pms_utf8_prefix(const char *s, size_t max);

/* Copy at most max bytes of src (and less than cap) into dst, cut on a
 * character boundary, NUL-terminated; returns dst.  cap must be >= 1. */
char *pms_utf8_copy(char *dst, size_t cap, const char *src, size_t max);

/* Drop an incomplete character from the end of s (what snprintf leaves when
 * it truncates); returns s. */
char *pms_utf8_trim_tail(char *s);

/* Write s to f for a terminal or a text file: control characters (C0 except
 * newline when keep_newline, DEL, C1) as \xNN, each invalid byte as \xNN, so
 * an ANSI escape in a name cannot reach the terminal.  Returns the number of
 * characters written (the display width for alignment). */
size_t pms_utf8_put_visible(FILE *f, const char *s, int keep_newline);

/* The width pms_utf8_put_visible would write, without writing. */
size_t pms_utf8_visible_width(const char *s, int keep_newline);

/* Write s with every invalid byte replaced by U+FFFD (for CSV and JSON,
 * which must be valid UTF-8).  Returns 0, or EOF on a write error. */
int pms_utf8_put_valid(FILE *f, const char *s);

#endif
