/* Private to the table's parts (io/table.c, io/pivot.c, io/join.c): the
 * string hash map they index keys with and the helpers that grow a table.
 * Static inline so that each part has its own copy and the library exports
 * no unprefixed names.  Not installed, not for other modules. */
#ifndef PMS_TABLE_PRIV_H
#define PMS_TABLE_PRIV_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "io/csv.h"
#include "io/table.h"

/* ---- small string hash map: key -> row index, for joins and pivots ---- */

typedef struct {
    const char **keys;
    size_t *vals;
    size_t cap, n;
} strmap;

static inline uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static inline int strmap_init(strmap *m, size_t expected)
{
    size_t cap = 16;
    while (cap < expected * 2 + 16) cap <<= 1;
    m->keys = calloc(cap, sizeof *m->keys);
    m->vals = malloc(cap * sizeof *m->vals);
    m->cap = cap;
    m->n = 0;
    return m->keys && m->vals ? 0 : -1;
}

static inline void strmap_free(strmap *m)
{
    free(m->keys);
    free(m->vals);
}

/* Returns a pointer to the slot's value; *found says whether the key was there. */
static inline size_t *strmap_slot(strmap *m, const char *key, int *found)
{
    size_t i = (size_t)hash_str(key) & (m->cap - 1);
    while (m->keys[i]) {
        if (!strcmp(m->keys[i], key)) {
            *found = 1;
            return &m->vals[i];
        }
        i = (i + 1) & (m->cap - 1);
    }
    *found = 0;
    m->keys[i] = key;
    m->n++;
    return &m->vals[i];
}

/* The value stored for key, or NULL if the key is not in the map. */
static inline size_t *strmap_find(const strmap *m, const char *key)
{
    for (size_t i = (size_t)hash_str(key) & (m->cap - 1); m->keys[i]; i = (i + 1) & (m->cap - 1))
        if (!strcmp(m->keys[i], key)) return &m->vals[i];
    return NULL;
}

/* ---- growing a table ---- */

static inline char *xstrdup(const char *s)
{
    if (!s) return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

static inline pms_column *add_column(pms_table *t)
{
    if (t->ncols == t->cap_cols) {
        size_t nc = t->cap_cols ? t->cap_cols * 2 : 32;
        pms_column *n = realloc(t->cols, nc * sizeof *n);
        if (!n) return NULL;
        t->cols = n;
        t->cap_cols = nc;
    }
    pms_column *c = &t->cols[t->ncols++];
    memset(c, 0, sizeof *c);
    return c;
}

/* A new numeric column of the program's own (no source field), named and
 * headed `name`; NULL, and the table as it was, if out of memory. */
static inline pms_column *add_derived_column(pms_table *t, const char *name)
{
    pms_column *c = add_column(t);
    if (!c) return NULL;
    if (!(c->name = xstrdup(name)) || !(c->header = xstrdup(name))) {
        free(c->name);
        t->ncols--;
        return NULL;
    }
    c->type = PMS_COL_NUM;
    c->source = -1;
    return c;
}

static inline int add_block(pms_table *t, char *block)
{
    char **n = realloc(t->blocks, (t->nblocks + 1) * sizeof *n);
    if (!n) return -1;
    t->blocks = n;
    t->blocks[t->nblocks++] = block;
    return 0;
}

/* Trim spaces in place and map missing markers to NULL. */
static inline char *clean_text(char *s)
{
    while (*s == ' ' || *s == '\t') s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) s[--n] = '\0';
    if (pms_is_missing_marker(s)) return NULL;
    return s;
}

static inline void upcase(char *s)
{
    for (; *s; s++)
        if (*s >= 'a' && *s <= 'z') *s = (char)(*s - 'a' + 'A');
}

/* ---- derived measures computed when first asked for (io/measures.c) ---- */

enum { PMS_LAZY_RATIO = 1, PMS_LAZY_SUM = 2 };

/* How a derived column is computed, from columns of the same table named
 * by index (columns are only ever appended, so indices stay valid). */
struct pms_lazy {
    int op;                /* PMS_LAZY_RATIO: in[0] / in[1]; PMS_LAZY_SUM: sum of sign[k] * in[k] */
    size_t in[3];
    int sign[3];
    size_t nin;
};

/* Column j's values, computed now if it is a derived measure not yet
 * computed: PMS_OK or PMS_ENOMEM.  Safe when two threads ask at once. */
pms_status pms_table_materialize(const pms_table *t, size_t j);

/* The missing values of derived column j, counted without keeping its
 * values (after pms_table_keep_rows). */
size_t pms_table_lazy_missing(const pms_table *t, size_t j);

/* Whether work over `cells` cells takes a second thread, by
 * pms_load_opts.threads: 0 automatic (a million cells or more), 1 never,
 * 2 always. */
static inline int pms_two_threads(int threads, size_t cells)
{
    return threads >= 2 || (threads <= 0 && cells >= ((size_t)1 << 20));
}

/* Whether a pass over every row of t (missing counts of the derived
 * measures, the duplicate-key check) takes a second thread: the loader's
 * rule for typing, with the threads t was loaded with. */
static inline int pms_table_two_threads(const pms_table *t)
{
    return pms_two_threads(t->threads, t->nrows * t->ncols);
}

/* fn(a) on this thread and fn(b) on a second one at once when `two`, else
 * (or if no thread can be started) one after the other.  a and b must not
 * share anything fn writes. */
void pms_table_run2(void *(*fn)(void *), void *a, void *b, int two);

/* A column's values array, NULL while a derived measure is not computed. */
static inline double *col_values(const pms_column *c)
{
    return __atomic_load_n(&c->num, __ATOMIC_ACQUIRE);
}

#endif
