/* The workbook's shared strings, found in a hash table of our own.
 *
 * Why: worksheet_write_string (libxlsxwriter 1.1.4) finds a cell's string
 * in the workbook's shared strings by allocating an element and a copy of
 * the string, searching a red-black tree of every string so far with
 * strcmp, and freeing both when the string is there already, as it mostly
 * is: the practice tables repeat CCG names, contract types and "[x]" tens of
 * thousands of times.  That was a fifth of the workbook's cost in the
 * report's own thread.  Here a string seen before is found by its hash, its
 * count taken as libxlsxwriter takes it, and its cell made with
 * libxlsxwriter's own functions; a string not seen before goes through
 * lxw_get_sst_index, so the strings are numbered, counted and written
 * exactly as before (the workbook is byte for byte the same:
 * test_sst_cells in tests/test_xlsx.c).  The key is the text before
 * pms_xlsx_cell_text, which is then run once per distinct string.
 *
 * _check_dimensions, _new_string_cell and _insert_cell are libxlsxwriter
 * 1.1.4's own (worksheet.c), exported as io/xlsx_cells.c's _write_cell is;
 * their prototypes are copied from there. */
#include "io/xlsx_sst.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "io/xlsx.h"

lxw_error _check_dimensions(lxw_worksheet *self, lxw_row_t row_num, lxw_col_t col_num,
                            int8_t ignore_row, int8_t ignore_col);
lxw_cell *_new_string_cell(lxw_row_t row_num, lxw_col_t col_num, int32_t string_id,
                           char *sst_string, lxw_format *format);
void _insert_cell(lxw_worksheet *self, lxw_row_t row_num, lxw_col_t col_num, lxw_cell *cell);

/* worksheet.c's limit of a cell's characters (not in its headers). */
#define LXW_STR_MAX 32767

typedef struct {
    uint64_t hash;
    char *key;               /* the text as given; NULL = empty slot */
    struct sst_element *el;  /* NULL for "" */
} slot;

struct pms_xlsx_sst {
    slot *s;
    size_t cap, n; /* cap a power of two, kept at least twice n */
};

pms_xlsx_sst *pms_xlsx_sst_new(void)
{
    pms_xlsx_sst *c = calloc(1, sizeof *c);
    if (c && !(c->s = calloc(c->cap = 1024, sizeof *c->s))) {
        free(c);
        return NULL;
    }
    return c;
}

void pms_xlsx_sst_free(pms_xlsx_sst *c)
{
    if (!c) return;
    for (size_t i = 0; i < c->cap; i++) free(c->s[i].key);
    free(c->s);
    free(c);
}

/* FNV-1a, 64 bits: the strings are short, and only equal ones must meet. */
static uint64_t hash_of(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 0x100000001b3u;
    return h;
}

static slot *find(const pms_xlsx_sst *c, uint64_t h, const char *s)
{
    size_t m = c->cap - 1;
    for (size_t i = (size_t)h & m;; i = (i + 1) & m)
        if (!c->s[i].key || (c->s[i].hash == h && !strcmp(c->s[i].key, s))) return &c->s[i];
}

static int grow(pms_xlsx_sst *c)
{
    pms_xlsx_sst g = {calloc(2 * c->cap, sizeof *c->s), 2 * c->cap, c->n};
    if (!g.s) return -1;
    for (size_t i = 0; i < c->cap; i++)
        if (c->s[i].key) *find(&g, c->s[i].hash, c->s[i].key) = c->s[i];
    free(c->s);
    *c = g;
    return 0;
}

/* A string not seen before: numbered (or found, if some other cell wrote
 * it) by libxlsxwriter, as worksheet_write_string would. */
static lxw_error first_time(lxw_workbook *wb, const char *s, struct sst_element **el)
{
    char *t = pms_xlsx_cell_text(s);
    if (!t) return LXW_ERROR_MEMORY_MALLOC_FAILED;
    lxw_error e = LXW_NO_ERROR;
    *el = NULL;
    if (!*t) {
        /* worksheet_write_string: "" with a format is a blank cell */
    } else if (lxw_utf8_strlen(t) > LXW_STR_MAX) {
        e = LXW_ERROR_MAX_STRING_LENGTH_EXCEEDED;
    } else if (!(*el = lxw_get_sst_index(wb->sst, t, LXW_FALSE))) {
        e = LXW_ERROR_SHARED_STRING_INDEX_NOT_FOUND;
    }
    free(t);
    return e;
}

lxw_error pms_xlsx_sst_get(pms_xlsx_sst *c, lxw_workbook *wb, const char *s,
                           struct sst_element **el)
{
    uint64_t h = hash_of(s, strlen(s));
    slot *p = find(c, h, s);
    if (p->key) {
        *el = p->el;
        if (p->el) wb->sst->string_count++; /* as lxw_get_sst_index counts a repeat */
        return LXW_NO_ERROR;
    }
    lxw_error e = first_time(wb, s, el);
    if (e != LXW_NO_ERROR) return e;
    if (2 * (c->n + 1) > c->cap) {
        if (grow(c)) return LXW_NO_ERROR; /* no room to remember it: found again next time */
        p = find(c, h, s);
    }
    size_t n = strlen(s) + 1;
    if (!(p->key = malloc(n))) return LXW_NO_ERROR;
    memcpy(p->key, s, n);
    p->hash = h;
    p->el = *el;
    c->n++;
    return LXW_NO_ERROR;
}

lxw_error pms_xlsx_sst_cell(lxw_worksheet *ws, lxw_row_t row, lxw_col_t col,
                            const struct sst_element *el, lxw_format *fmt)
{
    lxw_error e = _check_dimensions(ws, row, col, LXW_FALSE, LXW_FALSE);
    if (e != LXW_NO_ERROR) return e;
    lxw_cell *cell = _new_string_cell(row, col, (int32_t)el->index, el->string, fmt);
    if (!cell) return LXW_ERROR_MEMORY_MALLOC_FAILED;
    _insert_cell(ws, row, col, cell);
    return LXW_NO_ERROR;
}
