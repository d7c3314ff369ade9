/* explicit_bzero (glibc 2.25) */
#define _DEFAULT_SOURCE
#include "io/table.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/aliases.h"
#include "io/csv.h"
#include "io/expr.h"
#include "io/pivot.h"
#include "io/sha256.h"
#include "io/table_priv.h"
#include "io/utf8.h"

/* ---- table basics ---- */

void pms_load_opts_default(pms_load_opts *o)
{
    o->keep_codes_text = 1;
    o->threads = 0;
}

static void column_free(pms_column *c)
{
    free(c->name);
    free(c->header);
    free(c->num);
    free(c->text);
    free(c->bad_value);
    if (c->lazy) free(c->lazy->iv);
    free(c->lazy);
}

void pms_table_free(pms_table *t)
{
    if (!t) return;
    for (size_t i = 0; i < t->ncols; i++) column_free(&t->cols[i]);
    free(t->cols);
    free(t->line);
    for (size_t i = 0; i < t->nsources; i++) free(t->sources[i].path);
    free(t->sources);
    for (size_t i = 0; i < t->nnotes; i++) {
        free(t->notes[i].what);
        free(t->notes[i].detail);
    }
    free(t->notes);
    for (size_t i = 0; i < t->nblocks; i++) free(t->blocks[i]);
    free(t->blocks);
    free(t);
}

pms_status pms_table_note(pms_table *t, const char *what, size_t count, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    pms_utf8_trim_tail(buf); /* notes quote names: cut between characters */
    pms_note *n = realloc(t->notes, (t->nnotes + 1) * sizeof *n);
    t->incomplete |= !n; /* sticky: a writer refuses the table (io/table.h) */
    if (!n) return PMS_ENOMEM;
    t->notes = n;
    pms_note *x = &t->notes[t->nnotes];
    x->what = xstrdup(what);
    x->detail = xstrdup(buf);
    x->count = count;
    if (!x->what || !x->detail) {
        free(x->what);
        free(x->detail);
        t->incomplete = 1;
        return PMS_ENOMEM;
    }
    t->nnotes++;
    return PMS_OK;
}

int pms_table_col_index(const pms_table *t, const char *name)
{
    for (size_t i = 0; i < t->ncols; i++)
        if (!strcmp(t->cols[i].name, name)) return (int)i;
    /* Failing that, the snake_case form of a file column's own header: a
     * column the alias table renamed (PCT -> ccg_code once) stays reachable by
     * the name its header gives it (issue 17). */
    char buf[512];
    for (size_t i = 0; i < t->ncols; i++) {
        if (t->cols[i].source < 0 || !t->cols[i].header) continue;
        pms_snake_case(t->cols[i].header, buf, sizeof buf);
        if (!strcmp(buf, name)) return (int)i;
    }
    return -1;
}

const pms_column *pms_table_col(const pms_table *t, const char *name)
{
    int i = pms_table_col_index(t, name);
    if (i < 0 || pms_table_materialize(t, (size_t)i)) return NULL;
    return &t->cols[i];
}

static int ends_with(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && !strcmp(s + a - b, suf);
}

/* Give a column its names; fails on a duplicate, which would make a lookup
 * by name ambiguous. */
static pms_status name_column(pms_table *t, pms_column *c, const char *header, int field,
                              const char *path, strmap *seen, pms_colkind *kind,
                              const char *layout_name, pms_err *err)
{
    char buf[512];
    const pms_alias_info *a = layout_name ? NULL : pms_alias_lookup(header);
    /* A known layout (aliases.c) names the column whatever its header says. */
    for (size_t k = 0; layout_name && pms_alias_at(k); k++)
        if (!strcmp(pms_alias_at(k)->canonical, layout_name)) a = pms_alias_at(k);
    if (a) {
        snprintf(buf, sizeof buf, "%s", a->canonical);
        *kind = a->kind;
    } else {
        pms_snake_case(header, buf, sizeof buf);
        if (!strcmp(buf, "column")) snprintf(buf, sizeof buf, "column_%d", field);
        *kind = PMS_KIND_INFER;
    }
    c->name = xstrdup(buf);
    c->header = xstrdup(header);
    c->field = field;
    if (!c->name || !c->header) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    /* A hash of names keeps this linear: hostile files have 100,000 columns. */
    int found;
    size_t *slot = strmap_slot(seen, c->name, &found);
    if (found) {
        const pms_column *first = &t->cols[*slot];
        return pms_err_set(err, PMS_EPARSE,
                           "%s:1:%d: duplicate column '%s' (header '%s' means the same as "
                           "field %d, '%s')",
                           path, field, c->name, header, first->field, first->header);
    }
    *slot = t->ncols - 1;
    return PMS_OK;
}

static int find_header(const pms_csv *csv, const char *key)
{
    char k[256];
    for (size_t j = 0; j < csv->ncols; j++) {
        pms_alias_key(csv->header[j], k, sizeof k);
        if (!strcmp(k, key)) return (int)j;
    }
    return -1;
}

static pms_status add_source(pms_table *t, const char *path, const pms_csv *csv, int long_format)
{
    pms_source *s = realloc(t->sources, (t->nsources + 1) * sizeof *s);
    if (!s) return PMS_ENOMEM;
    t->sources = s;
    pms_source *x = &s[t->nsources];
    memset(x, 0, sizeof *x);
    x->path = xstrdup(path);
    if (!x->path) return PMS_ENOMEM;
    pms_sha256_hex(csv->sha256, x->sha256);
    x->bytes = csv->bytes;
    x->rows = csv->nrec;
    x->columns = csv->ncols;
    x->latin1 = csv->latin1;
    x->bom = csv->bom;
    x->long_format = long_format;
    t->nsources++;
    return PMS_OK;
}

/* Columns typed while the file was being split (streaming load). */
typedef struct {
    size_t ncols;
    int32_t **iv;          /* numeric so far, as integers (pms_i32_value) */
    unsigned char *scale;  /* their decimal scale, 0 to PMS_I32_MAXSCALE */
    double **num;          /* numeric so far, as doubles (a cell iv could not hold) */
    char ***text;          /* text columns */
    size_t *miss;
    size_t *bad;           /* first row that is not a number, SIZE_MAX if none */
    char **bad_value;      /* its text */
    unsigned char *kind;   /* pms_colkind of the header */
    struct text_arena *arena[2]; /* the text cells, one arena a typing thread;
                                  * the table takes the blocks */
} typed_cols;

static void arena_free(struct text_arena *a);

static void typed_free(typed_cols *ty)
{
    for (size_t j = 0; j < ty->ncols; j++) {
        if (ty->num) free(ty->num[j]);
        if (ty->iv) free(ty->iv[j]);
        if (ty->text) free(ty->text[j]);
        if (ty->bad_value) free(ty->bad_value[j]);
    }
    free(ty->num);
    free(ty->iv);
    free(ty->scale);
    free(ty->text);
    free(ty->miss);
    free(ty->bad);
    free(ty->bad_value);
    free(ty->kind);
    arena_free(ty->arena[0]);
    arena_free(ty->arena[1]);
    memset(ty, 0, sizeof *ty);
}

static pms_status table_from_csv(const char *path, pms_csv csv, const pms_load_opts *opts,
                                 typed_cols *typed, pms_table **out, pms_err *err);

/* Text cells are copied out of the (read-only) file into blocks of this
 * arena, which the table then owns; within a column, equal cells share one
 * copy (see intern_put). */
typedef struct text_arena {
    char **blocks;
    size_t nblocks, cap;
    char *cur;
    size_t left;
} text_arena;

static char *arena_put(text_arena *a, const char *s, size_t n, int up)
{
    if (n + 1 > a->left) {
        size_t sz = n + 1 > ((size_t)1 << 20) ? n + 1 : (size_t)1 << 20;
        if (a->nblocks == a->cap) {
            size_t nc = a->cap ? 2 * a->cap : 16;
            char **nb = realloc(a->blocks, nc * sizeof *nb);
            if (!nb) return NULL;
            a->blocks = nb;
            a->cap = nc;
        }
        char *blk = malloc(sz);
        if (!blk) return NULL;
        a->blocks[a->nblocks++] = blk;
        a->cur = blk;
        a->left = sz;
    }
    char *o = a->cur;
    memcpy(o, s, n);
    o[n] = '\0';
    if (up) upcase(o);
    a->cur += n + 1;
    a->left -= n + 1;
    return o;
}

static void arena_free(struct text_arena *a)
{
    if (!a) return;
    for (size_t i = 0; i < a->nblocks; i++) free(a->blocks[i]);
    free(a->blocks);
    free(a);
}

/* One text column's distinct cells (open addressing).  Columns such as
 * region, CCG or contract type repeat a few values millions of times; a
 * column whose cells are mostly distinct (practice codes) stops interning
 * after 65,536 distinct values and just copies. */
typedef struct {
    uint64_t key;          /* hash (high 32 bits) and length (low 32) */
    char *text;            /* NULL: empty slot */
} intern_slot;

typedef struct {
    intern_slot *slot;     /* key and text side by side: one cache line per probe */
    size_t cap, used, looks;
    int off;
    char *last;            /* the previous cell's copy */
    size_t last_n;
} interner;

static uint64_t hash_span(const char *s, size_t n)
{
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ n;
    while (n >= 8) {
        uint64_t v;
        memcpy(&v, s, 8);
        h = (h ^ v) * 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
        s += 8;
        n -= 8;
    }
    uint64_t v = 0;
    memcpy(&v, s, n);
    h = (h ^ v) * 0xc4ceb9fe1a85ec53ULL;
    return h ^ (h >> 29);
}

static int intern_grow(interner *in)
{
    size_t nc = in->cap ? 2 * in->cap : 256;
    /* Written before it is read: calloc's fresh pages would be mapped to the
     * shared zero page by the first probe and copied at the first insert, a
     * second fault with a TLB flush on every core (0.04 s of the report's
     * read-ahead).  explicit_bzero, because GCC turns malloc and a memset
     * to zero into calloc. */
    intern_slot *ns = malloc(nc * sizeof *ns);
    if (!ns) return -1;
    explicit_bzero(ns, nc * sizeof *ns);
    for (size_t i = 0; i < in->cap; i++) {
        if (!in->slot[i].text) continue;
        size_t k = (in->slot[i].key >> 32) & (nc - 1);
        while (ns[k].text) k = (k + 1) & (nc - 1);
        ns[k] = in->slot[i];
    }
    free(in->slot);
    in->slot = ns;
    in->cap = nc;
    return 0;
}

/* a[0 .. n) == b[0 .. n), inline: the cells compared are short, and a
 * call to memcmp cost more than the comparison. */
static inline int same_bytes(const char *a, const char *b, size_t n)
{
    uint64_t u, v;
    if (n >= 8) {
        for (size_t i = 0; i + 8 < n; i += 8) {
            memcpy(&u, a + i, 8);
            memcpy(&v, b + i, 8);
            if (u != v) return 0;
        }
        memcpy(&u, a + n - 8, 8); /* the last eight, overlapping */
        memcpy(&v, b + n - 8, 8);
        return u == v;
    }
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i]) return 0;
    return 1;
}

/* The copy of s[0 .. n) (already upper-cased if a code) in the arena,
 * shared with an equal earlier cell of the column.  h: its hash_span with
 * the low bit set if the caller has it already, else 0. */
static char *intern_put(interner *in, text_arena *a, const char *s, size_t n, uint64_t h)
{
    if (in->off || n > UINT32_MAX) return arena_put(a, s, n, 0);
    /* Files are sorted by region and CCG: a cell often repeats the one above. */
    if (in->last && in->last_n == n && same_bytes(in->last, s, n)) return in->last;
    in->looks++;
    if (2 * (in->used + 1) > in->cap) {
        if (in->used >= ((size_t)1 << 16) && 2 * in->used > in->looks) {
            in->off = 1; /* mostly distinct: interning would only cost */
            free(in->slot);
            in->slot = NULL;
            return arena_put(a, s, n, 0);
        }
        if (intern_grow(in)) return NULL;
    }
    uint64_t key = ((h ? h : hash_span(s, n)) & 0xFFFFFFFF00000000ULL) | n;
    size_t k = (key >> 32) & (in->cap - 1);
    for (; in->slot[k].text; k = (k + 1) & (in->cap - 1))
        if (in->slot[k].key == key && same_bytes(in->slot[k].text, s, n)) {
            in->last = in->slot[k].text;
            in->last_n = n;
            return in->last;
        }
    char *o = arena_put(a, s, n, 0);
    if (!o) return NULL;
    in->last = o;
    in->last_n = n;
    in->slot[k].text = o;
    in->slot[k].key = key;
    in->used++;
    return o;
}

/* ---- streaming load: type each chunk of rows while the next is split ----
 *
 * The splitter (io/csv.c) hands over chunks of CHUNK rows as row-major cell
 * spans of the read-only text.  Numbers are converted straight from the text
 * into their columns, text cells trimmed and copied out, so no cell array
 * for the whole file ever exists.  On big files a worker thread types chunk
 * k while the main thread splits chunk k+1; the main thread then types the
 * rest of chunk k beside the worker (the worker its first columns, the
 * main thread the others: see stream_worker), so both cores type.  Only the
 * start of each row is kept (4 bytes a row): if a cell of an inferred column
 * later turns out not to be a number, the column's earlier cells are found
 * again from there.
 * Long-format (Fingertips) files are re-read by the in-place parser and
 * pivoted (they are small). */
enum { CHUNK = 8192 };
enum { ST_NUM = 0, ST_TEXT, ST_DEAD, ST_FAILED }; /* DEAD: a numeric-kind column that
                                                    * failed; FAILED: found not numeric
                                                    * in the chunk being typed */

/* What one typing thread owns: the arena its text cells are copied into,
 * the buffer a quoted cell is unquoted into, the columns it found not
 * numeric in the chunk it types. */
typedef struct {
    struct text_arena *arena;
    char *scratch;
    size_t scap;
    size_t *failed;
} typer;

typedef struct {
    const char *path;
    int keep_codes_text;
    int threads;           /* pms_load_opts.threads */
    const char *buf;
    size_t len;
    const long *lines;
    size_t ncols, max_rows;
    int long_format;       /* found at the header: the load restarts in place */
    typed_cols ty;
    uint32_t *rowstart;    /* offset of each row's first cell */
    interner *intern;      /* per column */
    unsigned char *state, *is_code;
    typer w[2];            /* [0] the main thread, [1] the worker */
    size_t split;          /* two threads: the worker types columns [0, split) */
    int threaded;
    pthread_t tid;
    int running;
    /* The chunk being typed: its cells, rows [jfirst, jfirst + jn), the
     * worker's columns [0, jsplit), whether the worker is done and whether
     * a thread ran out of memory (atomic). */
    const uint32_t *jcells;
    size_t jfirst, jn, jsplit;
    int wdone, jfail;
} stream_ctx;

static pms_status stream_header(void *vctx, const pms_csv *csv, size_t max_rows, pms_err *err)
{
    stream_ctx *x = vctx;
    size_t nc = csv->ncols;
    x->buf = csv->buf;
    x->len = csv->len;
    x->lines = csv->line;
    x->ncols = nc;
    x->max_rows = max_rows;
    int ci_ind = find_header(csv, "indicatorid"), ci_area = find_header(csv, "areacode"),
        ci_val = find_header(csv, "value"), ci_year = find_header(csv, "year");
    if (ci_year < 0) ci_year = find_header(csv, "timeperiod");
    x->long_format = ci_ind >= 0 && ci_area >= 0 && ci_val >= 0 && ci_year >= 0;
    if (x->long_format) return pms_err_set(err, PMS_EUSAGE, "long format: read in place");
    size_t m = nc ? nc : 1;
    size_t rows = max_rows ? max_rows : 1;
    typed_cols *ty = &x->ty;
    ty->ncols = nc;
    ty->num = calloc(m, sizeof *ty->num);
    ty->iv = calloc(m, sizeof *ty->iv);
    ty->scale = calloc(m, 1);
    ty->text = calloc(m, sizeof *ty->text);
    ty->miss = calloc(m, sizeof *ty->miss);
    ty->bad = malloc(m * sizeof *ty->bad);
    ty->bad_value = calloc(m, sizeof *ty->bad_value);
    ty->kind = calloc(m, 1);
    x->intern = calloc(m, sizeof *x->intern);
    x->rowstart = malloc(rows * sizeof *x->rowstart);
    x->state = calloc(m, 1);
    x->is_code = calloc(m, 1);
    if (!ty->num || !ty->iv || !ty->scale || !ty->text || !ty->miss || !ty->bad ||
        !ty->bad_value || !ty->kind || !x->intern || !x->rowstart || !x->state || !x->is_code)
        goto nomem;
    for (int k = 0; k < 2; k++) {
        if (!(ty->arena[k] = calloc(1, sizeof *ty->arena[k]))) goto nomem;
        x->w[k].arena = ty->arena[k];
        if (!(x->w[k].failed = malloc(m * sizeof *x->w[k].failed))) goto nomem;
    }
    for (size_t j = 0; j < nc; j++) {
        /* The same name and kind as name_column will give. */
        char hdr[512], name[512];
        snprintf(hdr, sizeof hdr, "%s", csv->header[j]);
        char *h = hdr;
        while (*h == ' ') h++;
        size_t hl = strlen(h);
        while (hl && h[hl - 1] == ' ') h[--hl] = '\0';
        const pms_alias_info *a = pms_alias_lookup(h);
        pms_colkind kind = a ? a->kind : PMS_KIND_INFER;
        if (a) snprintf(name, sizeof name, "%s", a->canonical);
        else pms_snake_case(h, name, sizeof name);
        ty->kind[j] = (unsigned char)kind;
        ty->bad[j] = SIZE_MAX;
        x->is_code[j] = !strcmp(name, "practice_code") || ends_with(name, "_code");
        if (kind == PMS_KIND_INFER && x->keep_codes_text &&
            (ends_with(name, "code") || ends_with(name, "_cd") || ends_with(name, "_id")))
            kind = PMS_KIND_TEXT;
        if (kind == PMS_KIND_TEXT) {
            if (!(ty->text[j] = malloc(rows * sizeof **ty->text))) goto nomem;
            x->state[j] = ST_TEXT;
        } else {
            if (!(ty->iv[j] = malloc(rows * sizeof **ty->iv))) goto nomem;
            x->state[j] = ST_NUM;
        }
    }
    x->threaded = pms_two_threads(x->threads, max_rows * nc);
    x->split = (nc + 1) / 2;
    return PMS_OK;
nomem:
    return pms_err_set(err, PMS_ENOMEM, "out of memory");
}

/* A cell's text, without its quotes ("" unescaped into w's scratch buffer):
 * NULL only when out of memory. */
static const char *cell_text(const stream_ctx *x, typer *w, uint32_t s, uint32_t e, size_t *n)
{
    const char *b = x->buf;
    if (s == e || b[s] != '"') {
        *n = e - s;
        return b + s;
    }
    if (e - s > w->scap) {
        char *ns = realloc(w->scratch, e - s);
        if (!ns) return NULL;
        w->scratch = ns;
        w->scap = e - s;
    }
    size_t k = 0;
    for (size_t i = s + 1; i + 1 < e; i++) {
        w->scratch[k++] = b[i];
        if (b[i] == '"') i++;
    }
    *n = k;
    return w->scratch;
}

/* Where the cell starting at s ends (the text was split before, so it is
 * well formed). */
static uint32_t cell_end(const stream_ctx *x, size_t s)
{
    const char *b = x->buf;
    size_t n = x->len;
    if (s < n && b[s] == '"') {
        for (s++;;) {
            const char *q = memchr(b + s, '"', n - s);
            if (!q) return (uint32_t)n;
            s = (size_t)(q - b) + 1;
            if (s < n && b[s] == '"') s++;
            else return (uint32_t)s;
        }
    }
    while (s < n && b[s] != ',' && b[s] != '\n' && b[s] != '\r') s++;
    return (uint32_t)s;
}

/* Cell (i, c) found again from the start of row i. */
static void cell_again(const stream_ctx *x, size_t i, size_t c, uint32_t *s, uint32_t *e)
{
    size_t p = x->rowstart[i];
    for (size_t j = 0;; j++) {
        uint32_t end = cell_end(x, p);
        if (j == c) {
            *s = (uint32_t)p;
            *e = end;
            return;
        }
        p = end < x->len ? end + 1 : end; /* past the comma */
    }
}

/* A text cell: trimmed, NULL if a missing marker, codes upper-cased,
 * copied into w's arena.  *nomem is set when out of memory.  Column c is
 * typed by one thread at a time, so its interner needs no lock. */
static char *text_cell(stream_ctx *x, typer *w, size_t c, uint32_t s, uint32_t e, uint64_t h,
                       int *nomem)
{
    size_t n;
    const char *t = cell_text(x, w, s, e, &n);
    if (!t) {
        *nomem = 1;
        return NULL;
    }
    while (n && (*t == ' ' || *t == '\t')) t++, n--;
    while (n && (t[n - 1] == ' ' || t[n - 1] == '\t')) n--;
    if (n <= 3 && pms_is_missing_span(t, n)) return NULL;
    char *o;
    if (x->is_code[c]) {
        /* Codes are upper-cased before they are compared (they are short). */
        char up[64];
        if (n > sizeof up) o = arena_put(w->arena, t, n, 1);
        else {
            for (size_t k = 0; k < n; k++) up[k] = t[k] >= 'a' && t[k] <= 'z' ? (char)(t[k] - 'a' + 'A') : t[k];
            o = intern_put(&x->intern[c], w->arena, up, n, 0);
        }
    } else
        o = intern_put(&x->intern[c], w->arena, t, n, h);
    if (!o) *nomem = 1;
    return o;
}

/* Start loading the interner slot a text cell will probe while other
 * cells are typed, which hides the cache miss (a column of thousands of
 * distinct names does not stay in cache).  Returns the hash of the trimmed
 * cell with the low bit set (intern_put's h), or 0 when the cell will not
 * be looked up by these bytes (a code is upper-cased first, a quoted cell
 * unquoted). */
static inline uint64_t text_prefetch(const stream_ctx *x, size_t c, uint32_t s, uint32_t e)
{
    const interner *in = &x->intern[c];
    if (in->off || !in->cap || x->is_code[c] || s == e || x->buf[s] == '"') return 0;
    const char *t = x->buf + s;
    size_t n = e - s;
    while (n && (*t == ' ' || *t == '\t')) t++, n--;
    while (n && (t[n - 1] == ' ' || t[n - 1] == '\t')) n--;
    uint64_t h = hash_span(t, n);
    __builtin_prefetch(&in->slot[(h >> 32) & (in->cap - 1)]);
    return h | 1;
}

/* A column found not to be a number at row `bad`: a numeric-kind column is
 * dead (an error if it comes to be reported); an inferred one becomes text,
 * its earlier rows found again from their row starts, the rest of this
 * chunk from cells. */
static pms_status stream_to_text(stream_ctx *x, typer *w, size_t c, const uint32_t *cells,
                                 size_t first, size_t n)
{
    typed_cols *ty = &x->ty;
    size_t bad = ty->bad[c], nc2 = 2 * x->ncols, len;
    const uint32_t *bc = cells + (bad - first) * nc2 + 2 * c;
    const char *cell = cell_text(x, w, bc[0], bc[1], &len);
    if (!cell || !(ty->bad_value[c] = malloc(len + 1))) return PMS_ENOMEM;
    memcpy(ty->bad_value[c], cell, len);
    ty->bad_value[c][len] = '\0';
    free(ty->num[c]);
    free(ty->iv[c]);
    ty->num[c] = NULL;
    ty->iv[c] = NULL;
    if (ty->kind[c] == PMS_KIND_NUM) {
        x->state[c] = ST_DEAD;
        return PMS_OK;
    }
    char **txt = malloc((x->max_rows ? x->max_rows : 1) * sizeof *txt);
    if (!txt) return PMS_ENOMEM;
    size_t miss = 0;
    int nomem = 0;
    for (size_t i = 0; i < first + n && !nomem; i++) {
        uint32_t s, e;
        if (i < first) cell_again(x, i, c, &s, &e);
        else {
            s = cells[(i - first) * nc2 + 2 * c];
            e = cells[(i - first) * nc2 + 2 * c + 1];
        }
        txt[i] = text_cell(x, w, c, s, e, 0, &nomem);
        miss += txt[i] == NULL;
    }
    if (nomem) {
        free(txt);
        return PMS_ENOMEM;
    }
    ty->text[c] = txt;
    ty->miss[c] = miss;
    x->state[c] = ST_TEXT;
    return PMS_OK;
}

/* A numeric cell into *v: quoted cells are unquoted first. */
static inline pms_numparse num_cell(const stream_ctx *x, typer *w, uint32_t s, uint32_t e,
                                    double *v)
{
    if (s < e && x->buf[s] == '"') {
        size_t n;
        const char *t = cell_text(x, w, s, e, &n);
        return t ? pms_parse_number_n(t, n, v) : PMS_NUM_BAD;
    }
    return pms_parse_number_avail(x->buf + s, e - s, x->len - s, v);
}

/* Typing goes a tile of rows at a time, column by column within the tile:
 * the tile's text and spans stay in cache while each column's values are
 * written one after another (row by row, every cell of a row went to a
 * different column, 53 streams of stores at once, and the stores waited).
 * 16 rows of the 2014/15 layout are 5 KB of text and 7 KB of spans, which
 * stay in the first-level cache with the next tile's (prefetched); 64 rows
 * (48 KB) did not, and cost a fifth more (perf, against the hashing). */
enum { TILE = 16 };

/* A cell of 1-8 digits with an optional minus, inline: with SSE4.1 in the
 * AVX2 build of the typing loop, else eight bytes as a word (io/csv.h). */
static inline __attribute__((always_inline)) int int8_cell(const char *p, size_t len,
                                                           size_t avail, int sse, int32_t *m)
{
#ifdef PMS_HAVE_INT8_SSE
    return sse ? pms_parse_int8_sse_i32(p, len, avail, m) : pms_parse_int8_i32(p, len, avail, m);
#else
    (void)sse;
    return pms_parse_int8_i32(p, len, avail, m);
#endif
}

/* Numeric column c over the tile's rows [i0, i0 + tn), as doubles: the
 * first row that is not a number, or SIZE_MAX.  Most cells are 1-8
 * digits, read inline (with SSE4.1 in the AVX2 build of this loop, else
 * eight bytes as a word); the rest take the full parser. */
static inline __attribute__((always_inline)) size_t
num_tile_body(stream_ctx *x, typer *w, size_t c, const uint32_t *tc, size_t i0, size_t tn,
              int sse)
{
    const size_t nc2 = 2 * x->ncols;
    const char *buf = x->buf;
    double *v = x->ty.num[c] + i0;
    const uint32_t *sp = tc + 2 * c;
    size_t miss = 0, bad = SIZE_MAX;
    for (size_t i = 0; i < tn; i++, sp += nc2) {
        uint32_t s = sp[0], e = sp[1];
        int32_t m;
        if (int8_cell(buf + s, e - s, x->len - s, sse, &m)) {
            v[i] = m;
            continue;
        }
        pms_numparse r = num_cell(x, w, s, e, &v[i]);
        if (r == PMS_NUM_OK) continue;
        if (r == PMS_NUM_MISSING) {
            v[i] = NAN;
            miss++;
            continue;
        }
        bad = i0 + i;
        break;
    }
    x->ty.miss[c] += miss;
    return bad;
}

/* d as an integer m with m / 10^k == d exactly as pms_i32_value computes
 * it (never the missing marker): 1, or 0 if it cannot be. */
static inline int i32_fits(double d, int k, int32_t *m)
{
    double y = d * pms_i32_p10(k);
    if (!(fabs(y) <= 2147483647.0)) return 0;
    int32_t r = (int32_t)(y + (y < 0 ? -0.5 : 0.5)); /* the nearest, or as good: checked */
    if (pms_i32_value(r, k) != d) return 0;
    *m = r;
    return 1;
}

enum { I32_STORED, I32_MISSING, I32_ROOM, I32_BAD };

/* A cell of a column held as integers at scale k that is not 1-8 digits:
 * stored in *out (I32_STORED, I32_MISSING), or I32_ROOM with its value in
 * *d when the column cannot hold it at that scale, or I32_BAD.  Out of line,
 * so that the loop over the common cells keeps its values in registers. */
static __attribute__((noinline)) int i32_cell(stream_ctx *x, typer *w, uint32_t s, uint32_t e,
                                              int k, int32_t *out, double *d)
{
    /* A plain decimal with no more places than the scale is stored as
     * it is written: m / 10^dp and M / 10^k are the same number, whose
     * nearest double both give (the IEEE division of exact operands). */
    uint64_t pm;
    int neg, dp;
    if (pms_plain_digits(x->buf + s, e - s, x->len - s, &neg, &pm, &dp) && dp <= k &&
        pm <= INT32_MAX) {
        int64_t M = (int64_t)pm * (int64_t)pms_i32_p10(k - dp); /* below 2^45 */
        if (M <= INT32_MAX) {
            *out = (int32_t)(neg ? -M : M);
            return I32_STORED;
        }
    }
    pms_numparse r = num_cell(x, w, s, e, d);
    if (r == PMS_NUM_MISSING) {
        *out = PMS_I32_MISSING;
        return I32_MISSING;
    }
    if (r != PMS_NUM_OK) return I32_BAD;
    return i32_fits(*d, k, out) ? I32_STORED : I32_ROOM;
}

/* The same as num_tile_body for a column still held as integers at scale
 * k, up to the first cell it cannot hold at that scale: its index in the
 * tile in *stop (tn if none) and its value in *d. */
static inline __attribute__((always_inline)) size_t
i32_tile_body(stream_ctx *x, typer *w, size_t c, const uint32_t *tc, size_t i0, size_t tn,
              int sse, int whole_only, size_t *stop, double *d)
{
    const size_t nc2 = 2 * x->ncols, len = x->len;
    const char *buf = x->buf;
    int32_t *v = x->ty.iv[c] + i0, *const v0 = v, *const vend = v + tn;
    const int k = whole_only ? 0 : x->ty.scale[c];
    const int64_t f = (int64_t)pms_i32_p10(k);
    const uint32_t *sp = tc + 2 * c;
    size_t miss = 0, bad = SIZE_MAX;
    for (; v < vend; v++, sp += nc2) {
        uint32_t s = sp[0], e = sp[1];
        int32_t m;
        int whole = int8_cell(buf + s, e - s, len - s, sse, &m);
        if (whole && whole_only) {
            *v = m;
            continue;
        }
        if (whole) {
            int64_t M = (int64_t)m * f; /* |m| < 10^8: no overflow */
            if (M <= INT32_MAX && M >= -INT32_MAX) {
                *v = (int32_t)M;
                continue;
            }
            *d = m;
            break;
        }
        int r = i32_cell(x, w, s, e, k, v, d);
        if (r == I32_STORED) continue;
        if (r == I32_MISSING) {
            miss++;
            continue;
        }
        if (r == I32_BAD) bad = i0 + (size_t)(v - v0);
        break;
    }
    x->ty.miss[c] += miss;
    *stop = (size_t)(v - v0);
    return bad;
}

/* Column c's rows [0, r) cannot hold value d at row r at their scale: a
 * larger scale if d and every earlier cell fit it (the earlier cells
 * multiplied by a power of ten, which keeps their values), storing d.
 * 1, or 0 when the column must become doubles. */
static int i32_rescale(stream_ctx *x, size_t c, size_t r, double d)
{
    int32_t *v = x->ty.iv[c], m;
    const int k0 = x->ty.scale[c];
    for (int k = k0 + 1; k <= PMS_I32_MAXSCALE; k++) {
        if (!i32_fits(d, k, &m)) continue;
        const int32_t f = (int32_t)pms_i32_p10(k - k0), lim = INT32_MAX / f;
        for (size_t i = 0; i < r; i++)
            if (v[i] != PMS_I32_MISSING && (v[i] > lim || v[i] < -lim)) return 0;
        for (size_t i = 0; i < r; i++)
            if (v[i] != PMS_I32_MISSING) v[i] *= f;
        x->ty.scale[c] = (unsigned char)k;
        v[r] = m;
        return 1;
    }
    return 0;
}

/* Column c from integers to doubles, its rows [0, r) converted: -1 when
 * out of memory. */
static int i32_widen(stream_ctx *x, size_t c, size_t r)
{
    typed_cols *ty = &x->ty;
    double *v = malloc((x->max_rows ? x->max_rows : 1) * sizeof *v);
    if (!v) return -1;
    pms_i32_values(ty->iv[c], r, ty->scale[c], v);
    free(ty->iv[c]);
    ty->iv[c] = NULL;
    ty->num[c] = v;
    return 0;
}

#define ROW_NOMEM (SIZE_MAX - 1) /* num_tile: out of memory */

/* Numeric column c over the tile's rows: as integers while it can be (a
 * cell that needs a larger scale rescales the column), then as doubles. */
static inline __attribute__((always_inline)) size_t
num_tile_any(stream_ctx *x, typer *w, size_t c, const uint32_t *tc, size_t i0, size_t tn,
             int sse)
{
    const size_t nc2 = 2 * x->ncols;
    size_t done = 0;
    while (x->ty.iv[c] && done < tn) {
        size_t stop;
        double d;
        /* (The commonest case, scale 0, compiled apart: no multiplication.) */
        size_t bad = x->ty.scale[c]
                         ? i32_tile_body(x, w, c, tc + done * nc2, i0 + done, tn - done, sse, 0,
                                         &stop, &d)
                         : i32_tile_body(x, w, c, tc + done * nc2, i0 + done, tn - done, sse, 1,
                                         &stop, &d);
        done += stop;
        if (bad != SIZE_MAX || done == tn) return bad;
        if (i32_rescale(x, c, i0 + done, d)) done++;
        else if (i32_widen(x, c, i0 + done)) return ROW_NOMEM;
    }
    if (done == tn) return SIZE_MAX;
    return num_tile_body(x, w, c, tc + done * nc2, i0 + done, tn - done, sse);
}

#ifdef PMS_HAVE_INT8_SSE
__attribute__((target("avx2"))) static size_t num_tile_avx2(stream_ctx *x, typer *w, size_t c,
                                                           const uint32_t *tc, size_t i0,
                                                           size_t tn)
{
    return num_tile_any(x, w, c, tc, i0, tn, 1);
}
#endif

static size_t num_tile(stream_ctx *x, typer *w, size_t c, const uint32_t *tc, size_t i0,
                       size_t tn, int avx2)
{
#ifdef PMS_HAVE_INT8_SSE
    if (avx2) return num_tile_avx2(x, w, c, tc, i0, tn);
#else
    (void)avx2;
#endif
    return num_tile_any(x, w, c, tc, i0, tn, 0);
}

/* Text column c over the tile's rows; -1 when out of memory.  A cell with
 * the same bytes as the one above it (files are sorted by region and CCG:
 * most of a column's cells repeat the one above) shares its copy at once;
 * the others' hashes are computed and their slots prefetched first, and the
 * hash is not computed again. */
static int text_tile(stream_ctx *x, typer *w, size_t c, const uint32_t *tc, size_t i0,
                     size_t tn)
{
    const size_t nc2 = 2 * x->ncols;
    const char *b = x->buf;
    const uint32_t *sp = tc + 2 * c;
    uint64_t h[TILE];
    unsigned char same[TILE];
    for (size_t i = 0; i < tn; i++) {
        uint32_t s = sp[i * nc2], e = sp[i * nc2 + 1];
        same[i] = i > 0 && e - s == sp[(i - 1) * nc2 + 1] - sp[(i - 1) * nc2] &&
                  same_bytes(b + s, b + sp[(i - 1) * nc2], e - s);
        h[i] = same[i] ? 0 : text_prefetch(x, c, s, e);
    }
    char **out = x->ty.text[c] + i0;
    size_t miss = 0;
    int nomem = 0;
    for (size_t i = 0; i < tn; i++, sp += nc2) {
        out[i] = same[i] ? out[i - 1] : text_cell(x, w, c, sp[0], sp[1], h[i], &nomem);
        miss += out[i] == NULL;
    }
    x->ty.miss[c] += miss;
    return nomem ? -1 : 0;
}

/* The next tile's spans and text of columns [c0, c1) start coming from the
 * shared cache (the splitter read them) while this one is typed: column by
 * column, a tile is read in strides the hardware does not foresee.
 * (Inline: as a function of its own, GCC finds it has no effect.) */
static inline __attribute__((always_inline)) void
tile_prefetch(const stream_ctx *x, const uint32_t *tc, size_t left, size_t c0, size_t c1)
{
    const size_t tn = left < TILE ? left : TILE, nc2 = 2 * x->ncols;
    if (c0 == 0 && c1 == x->ncols) {
        /* All the columns: the tile's spans and text are each one run. */
        const char *s = (const char *)tc, *e = (const char *)(tc + tn * nc2);
        for (; s < e; s += 64) __builtin_prefetch(s);
        size_t t0 = tc[0], t1 = tc[(tn - 1) * nc2 + nc2 - 1];
        for (const char *p = x->buf + t0; p < x->buf + t1; p += 64) __builtin_prefetch(p);
        return;
    }
    for (size_t i = 0; i < tn; i++) {
        const uint32_t *r = tc + i * nc2;
        uintptr_t s = (uintptr_t)(r + 2 * c0) & ~(uintptr_t)63, e = (uintptr_t)(r + 2 * c1);
        for (; s < e; s += 64) __builtin_prefetch((const void *)s);
        uintptr_t p = (uintptr_t)(x->buf + r[2 * c0]) & ~(uintptr_t)63;
        for (uintptr_t q = (uintptr_t)(x->buf + r[2 * c1 - 1]); p < q; p += 64)
            __builtin_prefetch((const void *)p);
    }
}

/* Columns [c0, c1) over the chunk's rows [first, first + n), a tile at a
 * time.  A column found not to be a number is skipped from there and, after
 * the loop, typed by stream_to_text for all of the chunk's rows (so a
 * column that becomes text in this chunk is typed once). */
static pms_status type_cols(stream_ctx *x, typer *w, const uint32_t *cells, size_t first,
                            size_t n, size_t c0, size_t c1)
{
    const size_t nc2 = 2 * x->ncols;
    size_t nfailed = 0;
    pms_status st;
    const int avx2 = pms_csv_have_avx2();
    if (c0 >= c1) return PMS_OK; /* (the worker has them all; no span of column c1 to read) */
    for (size_t t0 = 0; t0 < n; t0 += TILE) {
        const size_t tn = n - t0 < TILE ? n - t0 : TILE;
        const uint32_t *tc = cells + t0 * nc2;
        if (t0 + TILE < n) tile_prefetch(x, cells + (t0 + TILE) * nc2, n - t0 - TILE, c0, c1);
        for (size_t c = c0; c < c1; c++) {
            if (x->state[c] == ST_NUM) {
                size_t bad = num_tile(x, w, c, tc, first + t0, tn, avx2);
                if (bad == SIZE_MAX) continue;
                if (bad == ROW_NOMEM) return PMS_ENOMEM;
                x->ty.bad[c] = bad;
                x->state[c] = ST_FAILED;
                w->failed[nfailed++] = c;
            } else if (x->state[c] == ST_TEXT) {
                if (text_tile(x, w, c, tc, first + t0, tn)) return PMS_ENOMEM;
            }
        }
    }
    for (size_t k = 0; k < nfailed; k++)
        if ((st = stream_to_text(x, w, w->failed[k], cells, first, n))) return st;
    return PMS_OK;
}

/* Two threads type a chunk's columns: the worker [0, jsplit), the main
 * thread [jsplit, ncols) once it has split the next chunk.  Each column is
 * typed by one thread in a chunk, its rows in order, and a chunk is typed
 * before the next is begun (the worker is joined before the next chunk is
 * handed over): so a column's interner, missing count and state are never
 * touched by two threads at once, and its first non-number is the first in
 * file order. */
static void *stream_worker(void *arg)
{
    stream_ctx *x = arg;
    if (type_cols(x, &x->w[1], x->jcells, x->jfirst, x->jn, 0, x->jsplit))
        __atomic_store_n(&x->jfail, 1, __ATOMIC_RELAXED);
    __atomic_store_n(&x->wdone, 1, __ATOMIC_RELEASE);
    return NULL;
}

/* The chunk handed over last, typed to its end: the main thread (which has
 * split the next one meanwhile) types its columns, then waits for the
 * worker's.  The split moves by one column towards whichever thread
 * finished last, so that the two finish together (the columns differ in
 * cost, and the main thread also splits). */
static pms_status stream_wait(stream_ctx *x)
{
    if (x->running) {
        if (type_cols(x, &x->w[0], x->jcells, x->jfirst, x->jn, x->jsplit, x->ncols))
            __atomic_store_n(&x->jfail, 1, __ATOMIC_RELAXED);
        if (__atomic_load_n(&x->wdone, __ATOMIC_ACQUIRE)) {
            if (x->split < x->ncols) x->split++;
        } else if (x->split > 1)
            x->split--;
        pthread_join(x->tid, NULL);
        x->running = 0;
    }
    return __atomic_load_n(&x->jfail, __ATOMIC_RELAXED) ? PMS_ENOMEM : PMS_OK;
}

static pms_status stream_rows(void *vctx, const uint32_t *cells, size_t first, size_t n,
                              pms_err *err)
{
    stream_ctx *x = vctx;
    /* The previous chunk must be typed before its cells are reused, and
     * before this one (columns change state in row order). */
    if (stream_wait(x)) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    if (!n) return PMS_OK;
    const size_t nc2 = 2 * x->ncols;
    for (size_t i = 0; i < n; i++) x->rowstart[first + i] = cells[i * nc2];
    x->jcells = cells;
    x->jfirst = first;
    x->jn = n;
    x->jsplit = x->split;
    __atomic_store_n(&x->wdone, 0, __ATOMIC_RELAXED);
    if (x->threaded && pthread_create(&x->tid, NULL, stream_worker, x) == 0) {
        x->running = 1;
        return PMS_OK;
    }
    if (type_cols(x, &x->w[0], cells, first, n, 0, x->ncols))
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    return PMS_OK;
}

static void stream_stop(void *vctx) { (void)stream_wait(vctx); }

/* The streaming scratch (row starts, interners, unquoting buffers): freed
 * as soon as the file is split and typed, before the table is built, so
 * that it is not alive with the duplicate-key check (note_key_problems). */
static void stream_free_scratch(stream_ctx *x)
{
    for (size_t j = 0; x->intern && j < x->ncols; j++) free(x->intern[j].slot);
    free(x->intern);
    free(x->rowstart);
    free(x->state);
    free(x->is_code);
    x->intern = NULL;
    x->rowstart = NULL;
    x->state = x->is_code = NULL;
    for (int k = 0; k < 2; k++) {
        free(x->w[k].scratch);
        free(x->w[k].failed);
        x->w[k].scratch = NULL;
        x->w[k].failed = NULL;
        x->w[k].scap = 0;
    }
}

static void stream_free(stream_ctx *x)
{
    stream_free_scratch(x);
    typed_free(&x->ty);
}

/* Split, type and name in one go (see stream_ctx).  The file (or a copy of
 * `data`) is read by the streaming parser; a long-format file is read again
 * by the in-place parser and pivoted. */
static pms_status load_stream(const char *path, const void *data, size_t len,
                              const pms_load_opts *opts, pms_table **out, pms_err *err)
{
    pms_load_opts defo;
    if (!opts) {
        pms_load_opts_default(&defo);
        opts = &defo;
    }
    stream_ctx x;
    memset(&x, 0, sizeof x);
    x.path = path;
    x.keep_codes_text = opts->keep_codes_text;
    x.threads = opts->threads;
    pms_csv_sink sink = {CHUNK, &x, stream_header, stream_rows, stream_stop, PMS_SPLIT_AUTO};
    pms_csv csv;
    pms_status st;
    if (data) {
        char *buf = malloc(len ? len : 1);
        if (!buf) return pms_err_set(err, PMS_ENOMEM, "out of memory");
        if (len) memcpy(buf, data, len);
        st = pms_csv_parse_stream(buf, len, path, &sink, &csv, err);
    } else
        st = pms_csv_read_file_stream(path, &sink, &csv, err);
    if (st && x.long_format) {
        stream_free(&x);
        if (data) {
            char *buf = malloc(len ? len : 1);
            if (!buf) return pms_err_set(err, PMS_ENOMEM, "out of memory");
            if (len) memcpy(buf, data, len);
            st = pms_csv_parse(buf, len, path, &csv, err);
        } else
            st = pms_csv_read_file(path, &csv, err);
        return st ? st : table_from_csv(path, csv, opts, NULL, out, err);
    }
    if (st) {
        stream_free(&x);
        return st;
    }
    stream_free_scratch(&x);
    st = table_from_csv(path, csv, opts, &x.ty, out, err);
    stream_free(&x);
    return st;
}

pms_status pms_table_load(const char *path, const pms_load_opts *opts, pms_table **out,
                          pms_err *err)
{
    *out = NULL;
    return load_stream(path, NULL, 0, opts, out, err);
}

pms_status pms_table_load_mem(const char *display, const void *data, size_t len,
                              const pms_load_opts *opts, pms_table **out, pms_err *err)
{
    *out = NULL;
    static const char empty = 0;
    return load_stream(display, data ? data : &empty, len, opts, out, err);
}

/* Columns typed while streaming become the table's, in the order the
 * column-by-column typing found errors: the first numeric-kind column (of
 * the first n) holding a non-number is the error. */
static pms_status take_typed(pms_table *t, typed_cols *ty, size_t n, const char *path,
                             pms_err *err)
{
    for (size_t j = 0; j < n; j++) {
        pms_column *c = &t->cols[j];
        if (ty->kind[j] == PMS_KIND_NUM && ty->bad[j] != SIZE_MAX) {
            char shown[64];
            pms_utf8_copy(shown, sizeof shown, ty->bad_value[j], sizeof shown);
            return pms_err_set(err, PMS_EPARSE, "%s:%ld:%d: not a number: '%s' (column '%s')",
                               path, t->line[ty->bad[j]], c->field, shown, c->header);
        }
    }
    /* The text cells live in the arena's blocks, which the table now owns. */
    for (int a = 0; a < 2; a++)
        for (size_t i = 0; ty->arena[a] && i < ty->arena[a]->nblocks; i++) {
            if (add_block(t, ty->arena[a]->blocks[i]))
                return pms_err_set(err, PMS_ENOMEM, "out of memory");
            ty->arena[a]->blocks[i] = NULL;
        }
    for (size_t j = 0; j < n; j++) {
        pms_column *c = &t->cols[j];
        c->n_missing = ty->miss[j];
        if (ty->iv[j]) {
            /* Kept as integers: doubles when first looked up (table_priv.h). */
            if (!(c->lazy = calloc(1, sizeof *c->lazy)))
                return pms_err_set(err, PMS_ENOMEM, "out of memory");
            c->type = PMS_COL_NUM;
            c->lazy->op = PMS_LAZY_INT;
            c->lazy->iv = ty->iv[j];
            c->lazy->scale = ty->scale[j];
            ty->iv[j] = NULL;
        } else if (ty->num[j]) {
            c->type = PMS_COL_NUM;
            c->num = ty->num[j];
            ty->num[j] = NULL;
        } else {
            c->type = PMS_COL_TEXT;
            c->text = ty->text[j];
            ty->text[j] = NULL;
            if (ty->bad[j] != SIZE_MAX) {
                c->bad_line = t->line[ty->bad[j]];
                c->bad_value = ty->bad_value[j];
                ty->bad_value[j] = NULL;
            }
        }
    }
    return PMS_OK;
}

/* A wide file: every column named (aliases of older layouts applied), then
 * the columns typed while streaming taken over.  An error in naming column k
 * (a duplicate) is reported only if no column before k fails typing, the
 * order in which they were found before. */
static pms_status name_wide_columns(pms_table *t, pms_csv *csv, const char *path,
                                    typed_cols *typed, pms_err *err)
{
    pms_status st = PMS_OK;
    t->nrows = csv->nrec;
    t->line = csv->line;
    csv->line = NULL;
    strmap seen;
    pms_colkind *kinds = malloc((csv->ncols ? csv->ncols : 1) * sizeof *kinds);
    const char **layout = malloc((csv->ncols ? csv->ncols : 1) * sizeof *layout);
    if (!kinds || !layout || strmap_init(&seen, csv->ncols)) {
        free(kinds);
        free(layout);
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    const char *remap = pms_alias_layout((const char *const *)csv->header, csv->ncols, layout);
    if (remap && pms_table_note(t, "layout_remap", 4, "%s: %s", path, remap)) {
        free(kinds);
        free(layout);
        strmap_free(&seen);
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    pms_err name_err;
    pms_status name_st = PMS_OK;
    size_t named = 0;
    for (size_t j = 0; j < csv->ncols && !st && !name_st; j++) {
        pms_column *c = add_column(t);
        if (!c) {
            st = pms_err_set(err, PMS_ENOMEM, "out of memory");
            break;
        }
        char hdr[512];
        snprintf(hdr, sizeof hdr, "%s", csv->header[j]);
        char *h = hdr;
        while (*h == ' ') h++;
        size_t hl = strlen(h);
        while (hl && h[hl - 1] == ' ') h[--hl] = '\0';
        name_st = name_column(t, c, h, (int)j + 1, path, &seen, &kinds[j], layout[j], &name_err);
        if (!name_st) named = j + 1;
    }
    strmap_free(&seen);
    free(layout);
    /* Only a long-format file comes without typed columns (see load_stream). */
    if (!st)
        st = typed ? take_typed(t, typed, named, path, err)
                   : pms_err_set(err, PMS_EUSAGE, "%s: columns were not typed", path);
    free(kinds);
    if (!st && name_st) {
        if (err) *err = name_err;
        st = name_st;
    }
    return st;
}

void pms_table_run2(void *(*fn)(void *), void *a, void *b, int two)
{
    pthread_t tid;
    int started = two && pthread_create(&tid, NULL, fn, b) == 0;
    fn(a);
    if (started)
        pthread_join(tid, NULL);
    else
        fn(b);
}

/* Half of the duplicate-key check: the distinct codes among those whose
 * hash has top bit `part` (so the two halves never share a code, and
 * distinct codes add up whatever the order the rows are seen in). */
typedef struct {
    const pms_column *pc;
    size_t nrows, distinct, miss;
    unsigned part;
    int nomem;
} key_half;

static void *key_half_scan(void *arg)
{
    key_half *h = arg;
    /* A set of row numbers (4 bytes a slot: 8 MB a half for 2M rows, as
     * much as the one set for all the codes took), a quarter full with half
     * the codes, and never full even if every code fell in this half. */
    size_t cap = 16;
    while (cap < h->nrows + 16) cap <<= 1;
    uint32_t *set = malloc(cap * sizeof *set);
    if (!set) {
        h->nomem = 1;
        return NULL;
    }
    memset(set, 0xff, cap * sizeof *set);
    const char *const *text = (const char *const *)h->pc->text;
    /* A batch of rows at a time: their slots are prefetched first, so that
     * the cache misses of a batch overlap instead of following each other
     * (half the time on 2M distinct codes). */
    enum { BATCH = 16 };
    for (size_t i0 = 0; i0 < h->nrows; i0 += BATCH) {
        size_t m = h->nrows - i0 < BATCH ? h->nrows - i0 : BATCH, slot[BATCH];
        for (size_t j = 0; j < m; j++) {
            const char *code = text[i0 + j];
            uint64_t hv = code ? hash_str(code) : 0;
            slot[j] = code && (unsigned)(hv >> 63) == h->part ? (size_t)hv & (cap - 1) : SIZE_MAX;
            h->miss += !code && h->part == 0; /* counted by one half */
            if (slot[j] != SIZE_MAX) __builtin_prefetch(&set[slot[j]]);
        }
        for (size_t j = 0; j < m; j++) {
            if (slot[j] == SIZE_MAX) continue;
            const char *code = text[i0 + j];
            size_t k = slot[j];
            /* Equal cells often share one copy (the loader interns them). */
            while (set[k] != UINT32_MAX && text[set[k]] != code && strcmp(text[set[k]], code))
                k = (k + 1) & (cap - 1);
            if (set[k] == UINT32_MAX) {
                set[k] = (uint32_t)(i0 + j);
                h->distinct++;
            }
        }
    }
    free(set);
    return NULL;
}

/* Notes on the practice code column: rows that repeat a code seen earlier
 * (every row with a code but the first of each), rows without one.  Fails
 * only for want of memory.  The codes are split in two halves by hash, on
 * two threads for a big table (0.16 s on one thread at 2M rows before the
 * halves and the prefetching). */
static pms_status note_key_problems(pms_table *t, const char *path, pms_err *err)
{
    const pms_column *pc = pms_table_col(t, "practice_code");
    if (!pc || pc->type != PMS_COL_TEXT) return PMS_OK;
    if (t->nrows >= UINT32_MAX) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    key_half h[2] = {{pc, t->nrows, 0, 0, 0, 0}, {pc, t->nrows, 0, 0, 1, 0}};
    pms_table_run2(key_half_scan, &h[0], &h[1], pms_table_two_threads(t));
    if (h[0].nomem || h[1].nomem) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    size_t miss = h[0].miss, dups = t->nrows - miss - h[0].distinct - h[1].distinct;
    /* (A note that cannot be kept is an error, not a silent omission.) */
    if ((dups && pms_table_note(t, "duplicate_key", dups,
                                "%s: %zu rows repeat a practice code seen earlier in the file",
                                path, dups)) ||
        (miss && pms_table_note(t, "missing_key", miss, "%s: %zu rows have no practice code",
                                path, miss)))
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    return PMS_OK;
}

/* Build a table from a parsed file; takes ownership of csv's storage.  With
 * `typed`, the columns were typed while streaming and csv has no cells. */
static pms_status table_from_csv(const char *path, pms_csv csv, const pms_load_opts *opts,
                                 typed_cols *typed, pms_table **out, pms_err *err)
{
    pms_load_opts defo;
    if (!opts) {
        pms_load_opts_default(&defo);
        opts = &defo;
    }
    pms_status st = PMS_OK;
    pms_table *t = calloc(1, sizeof *t);
    if (!t) {
        pms_csv_free(&csv);
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    t->threads = opts->threads;
    /* In-place parse (long format): the table owns the text buffer from
     * here on; csv.buf stays set for reading cells and is cleared before
     * pms_csv_free.  Streaming: the text cells were copied out, and the
     * file's text (a mapping) goes with pms_csv_free. */
    if (!typed && add_block(t, csv.buf)) {
        pms_csv_free(&csv);
        free(t);
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    }

    int ci_ind = find_header(&csv, "indicatorid"), ci_area = find_header(&csv, "areacode"),
        ci_val = find_header(&csv, "value"), ci_year = find_header(&csv, "year");
    if (ci_year < 0) ci_year = find_header(&csv, "timeperiod");
    int long_format = ci_ind >= 0 && ci_area >= 0 && ci_val >= 0 && ci_year >= 0;
    if (add_source(t, path, &csv, long_format)) {
        st = pms_err_set(err, PMS_ENOMEM, "out of memory");
        goto fail;
    }
    if (long_format)
        st = pms_table_pivot_long(t, &csv, path, ci_ind, ci_year, ci_area, ci_val, err);
    else
        st = name_wide_columns(t, &csv, path, typed, err);
    if (st) goto fail;
    for (size_t j = 0; j < t->ncols; j++) t->cols[j].source = 0;
    if (!typed) csv.buf = NULL;
    pms_csv_free(&csv);

    st = note_key_problems(t, path, err);
    if (st) goto fail;
    *out = t;
    return PMS_OK;
fail:
    if (!typed) csv.buf = NULL;
    pms_csv_free(&csv);
    pms_table_free(t);
    return st;
}

pms_status pms_table_numeric(const pms_table *t, const char *name, const double **values,
                             pms_err *err)
{
    int ci = pms_table_col_index(t, name);
    if (ci >= 0 && pms_table_materialize(t, (size_t)ci))
        return pms_err_set(err, PMS_ENOMEM, "out of memory computing column '%s'", name);
    const pms_column *c = ci < 0 ? NULL : &t->cols[ci];
    if (!c) {
        /* A derived measure whose input column the file lacks: say which. */
        const char *why = NULL;
        size_t best = 0;
        for (size_t i = 0; i < t->nnotes; i++) {
            const char *d = t->notes[i].detail;
            size_t k = strcspn(d, ":");
            /* core_per_weighted comes from core_payments: match on the stem too. */
            size_t stem = !strncmp(d, "core_payments:", 14) ? 4 : k;
            if (!strcmp(t->notes[i].what, "measure_unavailable") && k > best &&
                !strncmp(name, d, stem) && (name[stem] == '\0' || name[stem] == '_'))
                why = d, best = k;
        }
        if (why)
            return pms_err_set(err, PMS_ENOTFOUND, "no column '%s': %.*s %s", name, (int)best,
                               why, why + best + 2);
        /* Suggest names sharing the first letters: typos are the usual cause. */
        char hint[512] = "";
        size_t w = 0, shown = 0;
        for (size_t i = 0; i < t->ncols && shown < 6; i++) {
            if (t->cols[i].type != PMS_COL_NUM) continue;
            if (strncmp(t->cols[i].name, name, 3) == 0 || strstr(t->cols[i].name, name)) {
                int k = snprintf(hint + w, sizeof hint - w, "%s%s", shown ? ", " : "",
                                 t->cols[i].name);
                if (k < 0 || (size_t)k >= sizeof hint - w) break;
                w += (size_t)k;
                shown++;
            }
        }
        return pms_err_set(err, PMS_ENOTFOUND, "no column '%s' in the data%s%s%s", name,
                           shown ? " (did you mean: " : "", hint, shown ? ")" : "");
    }
    if (c->type != PMS_COL_NUM) {
        if (c->bad_value)
            return pms_err_set(err, PMS_EPARSE, "%s:%ld:%d: column '%s' is not numeric: '%.*s' is not a number",
                               t->sources[c->source].path, c->bad_line, c->field, name,
                               (int)pms_utf8_prefix(c->bad_value, 40), c->bad_value);
        return pms_err_set(err, PMS_EUSAGE, "column '%s' is text, not a number", name);
    }
    *values = col_values(c); /* may have been computed by another thread just now */
    return PMS_OK;
}

pms_status pms_table_text(const pms_table *t, const char *name, const char *const **values,
                          pms_err *err)
{
    int ci = pms_table_col_index(t, name);
    if (ci >= 0 && pms_table_materialize(t, (size_t)ci))
        return pms_err_set(err, PMS_ENOMEM, "out of memory computing column '%s'", name);
    const pms_column *c = ci < 0 ? NULL : &t->cols[ci];
    if (!c) return pms_err_set(err, PMS_ENOTFOUND, "no column '%s' in the data", name);
    if (c->type == PMS_COL_TEXT) {
        *values = (const char *const *)c->text;
        return PMS_OK;
    }
    /* Numbers used as group labels: format them once into a block the table owns. */
    pms_column *mc = (pms_column *)c;
    size_t n = t->nrows;
    char *blk = malloc(n * 32 + 1);
    char **txt = malloc((n ? n : 1) * sizeof *txt);
    if (!blk || !txt || add_block((pms_table *)t, blk)) {
        free(blk);
        free(txt);
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    const double *num = col_values(c);
    for (size_t i = 0; i < n; i++) {
        if (isnan(num[i])) {
            txt[i] = NULL;
            continue;
        }
        txt[i] = blk + i * 32;
        snprintf(txt[i], 32, "%.15g", num[i]);
    }
    free(mc->text);
    mc->text = txt;
    *values = (const char *const *)txt;
    return PMS_OK;
}

pms_status pms_table_add_numeric(pms_table *t, const char *name, double *values, pms_err *err)
{
    if (pms_table_col(t, name)) {
        free(values);
        return pms_err_set(err, PMS_EUSAGE, "column '%s' already exists", name);
    }
    pms_column *c = add_derived_column(t, name);
    if (!c) {
        free(values);
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    c->num = values;
    for (size_t i = 0; i < t->nrows; i++) c->n_missing += isnan(values[i]);
    return PMS_OK;
}

pms_status pms_table_keep_rows(pms_table *t, const unsigned char *keep, pms_err *err)
{
    size_t w = 0;
    for (size_t i = 0; i < t->nrows; i++) {
        if (!keep[i]) continue;
        for (size_t j = 0; j < t->ncols; j++) {
            pms_column *c = &t->cols[j];
            if (c->num) c->num[w] = c->num[i];
            if (c->text) c->text[w] = c->text[i];
            if (c->lazy && c->lazy->iv) c->lazy->iv[w] = c->lazy->iv[i];
        }
        if (t->line) t->line[w] = t->line[i];
        w++;
    }
    t->nrows = w;
    for (size_t j = 0; j < t->ncols; j++) {
        pms_column *c = &t->cols[j];
        if (c->type == PMS_COL_NUM && !c->num) continue; /* below */
        c->n_missing = 0;
        for (size_t i = 0; i < w; i++)
            c->n_missing += c->type == PMS_COL_NUM ? isnan(c->num[i]) : c->text[i] == NULL;
    }
    /* A derived measure not computed yet follows its inputs, now kept; a
     * column kept as integers, its integers. */
    if (pms_table_lazy_recount(t)) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    return PMS_OK;
}

pms_status pms_dataset_open(const pms_data_opts *o, pms_table **out, pms_err *err)
{
    *out = NULL;
    if (o->ndata == 0) return pms_err_set(err, PMS_EUSAGE, "no data file given");
    pms_table *t = NULL;
    pms_status st = pms_table_load(o->data[0], NULL, &t, err);
    return st ? st : pms_dataset_open_from(o, t, out, err);
}

pms_status pms_dataset_open_from(const pms_data_opts *o, pms_table *t, pms_table **out,
                                 pms_err *err)
{
    *out = NULL;
    pms_status st = PMS_OK;
    for (size_t i = 1; i < o->ndata; i++) {
        pms_table *r = NULL;
        st = pms_table_load(o->data[i], NULL, &r, err);
        if (!st) st = pms_table_join(t, r, err);
        pms_table_free(r);
        if (st) goto fail;
    }
    if ((st = pms_table_derive_standard(t, err))) goto fail;
    for (size_t i = 0; i < o->nderive; i++) {
        char name[128];
        const char *expr;
        pms_expr *e = NULL;
        if ((st = pms_derive_split(o->derive[i], name, sizeof name, &expr, err))) goto fail;
        if ((st = pms_expr_parse(expr, &e, err))) goto fail;
        double *v = malloc((t->nrows ? t->nrows : 1) * sizeof *v);
        size_t undef = 0;
        if (!v) {
            pms_expr_free(e);
            st = pms_err_set(err, PMS_ENOMEM, "out of memory");
            goto fail;
        }
        st = pms_expr_eval(e, t, v, &undef, err);
        pms_expr_free(e);
        if (st) {
            free(v);
            goto fail;
        }
        if ((st = pms_table_add_numeric(t, name, v, err))) goto fail;
        if (undef && pms_table_note(t, "undefined", undef,
                                    "derived column %s: %zu rows undefined (division by zero or "
                                    "log/sqrt of a value outside its domain), set missing",
                                    name, undef)) {
            st = pms_err_set(err, PMS_ENOMEM, "out of memory");
            goto fail;
        }
    }
    if (o->nwhere) {
        unsigned char *keep = malloc(t->nrows ? t->nrows : 1);
        if (!keep) {
            st = pms_err_set(err, PMS_ENOMEM, "out of memory");
            goto fail;
        }
        memset(keep, 1, t->nrows);
        for (size_t i = 0; i < o->nwhere; i++) {
            pms_where_report rep;
            if ((st = pms_where_apply(t, o->where[i], keep, &rep, err))) {
                pms_err_about(err, "where", i + 1, NULL);
                free(keep);
                goto fail;
            }
            if (pms_table_note(t, "where", rep.n_failed + rep.n_missing,
                               "where expression '%s' excluded %zu rows (%zu did not satisfy it, "
                               "%zu had the column missing)",
                               o->where[i], rep.n_failed + rep.n_missing, rep.n_failed,
                               rep.n_missing)) {
                st = pms_err_set(err, PMS_ENOMEM, "out of memory");
                free(keep);
                goto fail;
            }
        }
        size_t before = t->nrows;
        st = pms_table_keep_rows(t, keep, err);
        free(keep);
        if (st) goto fail;
        /* Nothing left is a mistake to say, not a "too few" from each statistic later. */
        if (t->nrows == 0 && before > 0) {
            char list[512] = "";
            size_t w = 0;
            for (size_t i = 0; i < o->nwhere && w < sizeof list; i++) {
                int k = snprintf(list + w, sizeof list - w, "%s'%s'", i ? " and " : "", o->where[i]);
                if (k > 0) w += (size_t)k;
            }
            st = pms_err_at(err, PMS_ENOTFOUND, "where", 0, NULL, 0,
                            "the where expression%s %s match%s none of the %zu rows of %s",
                            o->nwhere > 1 ? "s" : "", list, o->nwhere > 1 ? "" : "es", before,
                            t->sources[0].path);
            goto fail;
        }
    }
    *out = t;
    return PMS_OK;
fail:
    pms_table_free(t);
    return st;
}

/* ---- copying a table ---- */

/* Column c of src into d (zeroed), its text cells copied into *arena from
 * *pos on.  0, or -1 when out of memory (d then holds what was allocated). */
static int column_copy(pms_column *d, const pms_column *c, size_t nrows, char *arena, size_t *pos)
{
    d->source = c->source, d->field = c->field, d->type = c->type;
    d->n_missing = c->n_missing, d->bad_line = c->bad_line;
    if ((c->name && !(d->name = xstrdup(c->name))) ||
        (c->header && !(d->header = xstrdup(c->header))) ||
        (c->bad_value && !(d->bad_value = xstrdup(c->bad_value))))
        return -1;
    if (c->lazy) {
        if (!(d->lazy = malloc(sizeof *d->lazy))) return -1;
        *d->lazy = *c->lazy;
        d->lazy->iv = NULL;
        if (c->lazy->iv) {
            if (!(d->lazy->iv = malloc((nrows ? nrows : 1) * sizeof *d->lazy->iv))) return -1;
            memcpy(d->lazy->iv, c->lazy->iv, nrows * sizeof *d->lazy->iv);
        }
    }
    const double *num = col_values(c); /* NULL: not computed yet (lazy) */
    if (num) {
        if (!(d->num = malloc((nrows ? nrows : 1) * sizeof *d->num))) return -1;
        memcpy(d->num, num, nrows * sizeof *d->num);
    }
    if (c->text) {
        if (!(d->text = malloc((nrows ? nrows : 1) * sizeof *d->text))) return -1;
        for (size_t i = 0; i < nrows; i++) {
            if (!c->text[i]) {
                d->text[i] = NULL;
                continue;
            }
            size_t len = strlen(c->text[i]) + 1;
            memcpy(arena + *pos, c->text[i], len);
            d->text[i] = arena + *pos;
            *pos += len;
        }
    }
    return 0;
}

/* Sources, notes and line numbers of t into c. */
static int meta_copy(pms_table *c, const pms_table *t)
{
    c->incomplete = t->incomplete; /* a copy lacks the same note */
    if (t->line) {
        if (!(c->line = malloc((t->nrows ? t->nrows : 1) * sizeof *c->line))) return -1;
        memcpy(c->line, t->line, t->nrows * sizeof *c->line);
    }
    if (t->nsources) {
        if (!(c->sources = calloc(t->nsources, sizeof *c->sources))) return -1;
        for (size_t i = 0; i < t->nsources; i++, c->nsources++) {
            c->sources[i] = t->sources[i];
            c->sources[i].path = NULL;
            if (t->sources[i].path && !(c->sources[i].path = xstrdup(t->sources[i].path)))
                return -1;
        }
    }
    if (t->nnotes) {
        if (!(c->notes = calloc(t->nnotes, sizeof *c->notes))) return -1;
        for (size_t i = 0; i < t->nnotes; i++, c->nnotes++) {
            c->notes[i].count = t->notes[i].count;
            c->notes[i].what = xstrdup(t->notes[i].what);
            c->notes[i].detail = xstrdup(t->notes[i].detail);
            if (!c->notes[i].what || !c->notes[i].detail) {
                c->nnotes++; /* freed with the others */
                return -1;
            }
        }
    }
    return 0;
}

pms_table *pms_table_copy(const pms_table *t)
{
    pms_table *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->nrows = t->nrows;
    c->threads = t->threads;
    /* Every text cell in one block of the copy's own. */
    size_t bytes = 1;
    for (size_t j = 0; j < t->ncols; j++)
        for (size_t i = 0; t->cols[j].text && i < t->nrows; i++)
            if (t->cols[j].text[i]) bytes += strlen(t->cols[j].text[i]) + 1;
    char *arena = malloc(bytes);
    if (!arena || add_block(c, arena)) {
        free(arena);
        goto fail;
    }
    if (meta_copy(c, t)) goto fail;
    if (!(c->cols = calloc(t->ncols ? t->ncols : 1, sizeof *c->cols))) goto fail;
    c->cap_cols = t->ncols ? t->ncols : 1;
    size_t pos = 0;
    for (size_t j = 0; j < t->ncols; j++) {
        c->ncols++; /* freed with the others from here */
        if (column_copy(&c->cols[j], &t->cols[j], t->nrows, arena, &pos)) goto fail;
    }
    return c;
fail:
    pms_table_free(c);
    return NULL;
}
