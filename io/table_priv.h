/* Private to the table's parts (io/table.c, io/pivot.c, io/join.c): the
 * string hash map they index keys with and the helpers that grow a table.
 * Static inline so that each part has its own copy and the library exports
 * no unprefixed names.  Not installed, not for other modules. */
#ifndef PMS_TABLE_PRIV_H
#define PMS_TABLE_PRIV_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

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
    if (m->keys && m->vals) return 0;
    /* Nothing to free for the caller when it fails. */
    free(m->keys);
    free(m->vals);
    m->keys = NULL;
    m->vals = NULL;
    return -1;
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

enum { PMS_LAZY_RATIO = 1, PMS_LAZY_SUM = 2, PMS_LAZY_INT = 3 };

/* How a column without its array of doubles gets one: a derived measure
 * from columns of the same table named by index (columns are only ever
 * appended, so indices stay valid), or a file's column the loader kept as
 * 32-bit integers (PMS_LAZY_INT, below). */
struct pms_lazy {
    int op;                /* PMS_LAZY_RATIO: in[0] / in[1]; PMS_LAZY_SUM: sum of sign[k] * in[k] */
    size_t in[3];
    int sign[3];
    size_t nin;
    int32_t *iv;           /* PMS_LAZY_INT: the cells (owned), see pms_i32_value */
    int scale;
};

/* ---- numeric columns held as 32-bit integers (the loader, io/table.c) ----
 *
 * Most numeric columns of the NHS files are whole pounds or patients, or
 * money in pence: a cell m with k decimals is kept as the integer
 * M = m * 10^(scale - k) with one scale per column, half the memory of a
 * double.  Its double is M / 10^scale, the IEEE division of two exact
 * doubles (|M| < 2^31, 10^scale <= 10^4), correctly rounded: the double
 * nearest the cell's decimal value, which is strtod's (Clinger's fast path,
 * doc/loader.md).  The loader keeps a value only after computing it back
 * with pms_i32_value and comparing, so every value given back is bit for
 * bit the one parsed. */
#define PMS_I32_MISSING INT32_MIN
enum { PMS_I32_MAXSCALE = 4 };

static inline double pms_i32_p10(int k)
{
    static const double p[PMS_I32_MAXSCALE + 1] = {1, 10, 100, 1000, 10000};
    return p[k];
}

static inline double pms_i32_value(int32_t m, int scale)
{
    return m == PMS_I32_MISSING ? NAN : (double)m / pms_i32_p10(scale);
}

/* pms_i32_value of m[0 .. n) into out, two lanes at a time where SSE2 is
 * there (every x86-64): the same conversion and the same IEEE division in
 * each lane, so the same bits.  (GCC's scalar loop converted with a false
 * dependency on the previous value: a third of the derived measures'
 * counting on 2M rows.) */
static inline void pms_i32_values(const int32_t *m, size_t n, int scale, double *out)
{
    size_t i = 0;
#ifdef __SSE2__
    const __m128i miss = _mm_set1_epi32(PMS_I32_MISSING);
    const __m128d nan = _mm_set1_pd(NAN), p = _mm_set1_pd(pms_i32_p10(scale));
    for (; i + 4 <= n; i += 4) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(m + i));
        __m128i is = _mm_cmpeq_epi32(v, miss);
        __m128d lo = _mm_cvtepi32_pd(v), hi = _mm_cvtepi32_pd(_mm_unpackhi_epi64(v, v));
        if (scale) {
            lo = _mm_div_pd(lo, p);
            hi = _mm_div_pd(hi, p);
        }
        __m128d mlo = _mm_castsi128_pd(_mm_unpacklo_epi32(is, is));
        __m128d mhi = _mm_castsi128_pd(_mm_unpackhi_epi32(is, is));
        _mm_storeu_pd(out + i, _mm_or_pd(_mm_andnot_pd(mlo, lo), _mm_and_pd(mlo, nan)));
        _mm_storeu_pd(out + i + 2, _mm_or_pd(_mm_andnot_pd(mhi, hi), _mm_and_pd(mhi, nan)));
    }
#endif
    for (; i < n; i++) out[i] = pms_i32_value(m[i], scale);
}

/* Column j's values, computed now if it is a derived measure or a column
 * kept as integers not yet computed: PMS_OK or PMS_ENOMEM.  Safe when two
 * threads ask at once.  (The integers are kept: another thread may still be
 * converting them.) */
pms_status pms_table_materialize(const pms_table *t, size_t j);

/* The missing values of every numeric column without its values (derived
 * measures not computed, columns kept as integers), counted again in one
 * pass without keeping them (after pms_table_keep_rows): PMS_OK or
 * PMS_ENOMEM. */
pms_status pms_table_lazy_recount(pms_table *t);

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
