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

void pms_load_opts_default(pms_load_opts *o) { o->keep_codes_text = 1; }

static void column_free(pms_column *c)
{
    free(c->name);
    free(c->header);
    free(c->num);
    free(c->text);
    free(c->bad_value);
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
    if (!n) return PMS_ENOMEM;
    t->notes = n;
    pms_note *x = &t->notes[t->nnotes];
    x->what = xstrdup(what);
    x->detail = xstrdup(buf);
    x->count = count;
    if (!x->what || !x->detail) {
        free(x->what);
        free(x->detail);
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
    return i < 0 ? NULL : &t->cols[i];
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
    double **num;          /* numeric so far (or for good) */
    char ***text;          /* text columns */
    size_t *miss;
    size_t *bad;           /* first row that is not a number, SIZE_MAX if none */
    char **bad_value;      /* its text */
    unsigned char *kind;   /* pms_colkind of the header */
} typed_cols;

static void typed_free(typed_cols *ty)
{
    for (size_t j = 0; j < ty->ncols; j++) {
        if (ty->num) free(ty->num[j]);
        if (ty->text) free(ty->text[j]);
        if (ty->bad_value) free(ty->bad_value[j]);
    }
    free(ty->num);
    free(ty->text);
    free(ty->miss);
    free(ty->bad);
    free(ty->bad_value);
    free(ty->kind);
    memset(ty, 0, sizeof *ty);
}

static pms_status table_from_csv(const char *path, pms_csv csv, const pms_load_opts *opts,
                                 typed_cols *typed, pms_table **out, pms_err *err);

/* ---- streaming load: type each chunk of rows while the next is split ----
 *
 * The splitter (io/csv.c) hands over chunks of CHUNK rows as row-major cell
 * offsets; a worker thread types chunk k (numbers converted into their
 * columns, text cells cleaned) while the main thread splits chunk k+1, so
 * the two cores share the work and the offsets of the whole file never
 * exist at once (0.64x the file for 53 columns).  A column whose kind is
 * inferred keeps its offsets while it is still numeric, in case a later
 * cell turns it into text; a column the alias table calls numeric does not
 * need them (a non-number there is an error).  Long-format files (pivoted
 * later) keep every offset, as the plain parser does. */
enum { CHUNK = 8192 };
enum { ST_NUM = 0, ST_TEXT, ST_DEAD }; /* DEAD: a numeric-kind column that failed */

typedef struct {
    const char *path;
    int keep_codes_text;
    char *buf;
    const long *lines;
    size_t ncols, max_rows;
    int long_format;
    uint32_t *all;         /* long format: every row's offsets */
    size_t nall;
    typed_cols ty;
    uint32_t **offs;       /* inferred columns still numeric: offsets of every row */
    unsigned char *state, *is_code;
    size_t *cand, ncand, *tcols, ntcols;
    int threaded;
    pthread_t tid;
    int running;
    const uint32_t *jcells;
    size_t jfirst, jn;
    pms_status jst;
} stream_ctx;

static pms_status stream_header(void *vctx, const pms_csv *csv, size_t max_rows, pms_err *err)
{
    stream_ctx *x = vctx;
    size_t nc = csv->ncols;
    x->buf = csv->buf;
    x->lines = csv->line;
    x->ncols = nc;
    x->max_rows = max_rows;
    int ci_ind = find_header(csv, "indicatorid"), ci_area = find_header(csv, "areacode"),
        ci_val = find_header(csv, "value"), ci_year = find_header(csv, "year");
    if (ci_year < 0) ci_year = find_header(csv, "timeperiod");
    x->long_format = ci_ind >= 0 && ci_area >= 0 && ci_val >= 0 && ci_year >= 0;
    if (x->long_format) {
        x->all = malloc((max_rows ? max_rows : 1) * nc * sizeof *x->all);
        return x->all ? PMS_OK : pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    size_t m = nc ? nc : 1;
    typed_cols *ty = &x->ty;
    ty->ncols = nc;
    ty->num = calloc(m, sizeof *ty->num);
    ty->text = calloc(m, sizeof *ty->text);
    ty->miss = calloc(m, sizeof *ty->miss);
    ty->bad = malloc(m * sizeof *ty->bad);
    ty->bad_value = calloc(m, sizeof *ty->bad_value);
    ty->kind = calloc(m, 1);
    x->offs = calloc(m, sizeof *x->offs);
    x->state = calloc(m, 1);
    x->is_code = calloc(m, 1);
    x->cand = malloc(m * sizeof *x->cand);
    x->tcols = malloc(m * sizeof *x->tcols);
    if (!ty->num || !ty->text || !ty->miss || !ty->bad || !ty->bad_value || !ty->kind ||
        !x->offs || !x->state || !x->is_code || !x->cand || !x->tcols)
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    size_t rows = max_rows ? max_rows : 1;
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
            x->tcols[x->ntcols++] = j;
        } else {
            if (!(ty->num[j] = malloc(rows * sizeof **ty->num))) goto nomem;
            pms_hint_hugepages(ty->num[j], rows * sizeof **ty->num);
            if (kind == PMS_KIND_INFER && !(x->offs[j] = malloc(rows * sizeof **x->offs)))
                goto nomem;
            x->state[j] = ST_NUM;
            x->cand[x->ncand++] = j;
        }
    }
    x->threaded = max_rows * nc >= ((size_t)1 << 20);
    return PMS_OK;
nomem:
    return pms_err_set(err, PMS_ENOMEM, "out of memory");
}

/* A column found not to be a number at row `bad`: a numeric-kind column is
 * dead (an error if it comes to be reported); an inferred one becomes text,
 * its earlier rows from the kept offsets, the rest of this chunk from cells. */
static pms_status stream_to_text(stream_ctx *x, size_t c, const uint32_t *cells, size_t first,
                                 size_t n)
{
    typed_cols *ty = &x->ty;
    size_t bad = ty->bad[c];
    const char *cell = x->buf + cells[(bad - first) * x->ncols + c];
    if (!(ty->bad_value[c] = xstrdup(cell))) return PMS_ENOMEM;
    free(ty->num[c]);
    ty->num[c] = NULL;
    if (ty->kind[c] == PMS_KIND_NUM) {
        x->state[c] = ST_DEAD;
        return PMS_OK;
    }
    char **txt = malloc((x->max_rows ? x->max_rows : 1) * sizeof *txt);
    if (!txt) return PMS_ENOMEM;
    size_t miss = 0;
    for (size_t i = 0; i < first + n; i++) {
        uint32_t o = i < first ? x->offs[c][i] : cells[(i - first) * x->ncols + c];
        char *s = clean_text(x->buf + o);
        if (s && x->is_code[c]) upcase(s);
        txt[i] = s;
        miss += s == NULL;
    }
    free(x->offs[c]);
    x->offs[c] = NULL;
    ty->text[c] = txt;
    ty->miss[c] = miss;
    x->state[c] = ST_TEXT;
    x->tcols[x->ntcols++] = c;
    return PMS_OK;
}

static pms_status stream_type(stream_ctx *x, const uint32_t *cells, size_t first, size_t n)
{
    typed_cols *ty = &x->ty;
    size_t nc = x->ncols, nt = x->ntcols;
    size_t failed[64], nfailed = 0;
    pms_status st = PMS_OK;
    for (size_t i = first; i < first + n; i++) {
        const uint32_t *row = cells + (i - first) * nc;
        for (size_t k = 0; k < x->ncand; k++) {
            size_t c = x->cand[k];
            if (x->offs[c]) x->offs[c][i] = row[c];
            double *v = &ty->num[c][i];
            pms_numparse r = pms_parse_number(x->buf + row[c], v);
            if (r == PMS_NUM_OK) continue;
            if (r == PMS_NUM_MISSING) {
                *v = NAN;
                ty->miss[c]++;
                continue;
            }
            ty->bad[c] = i;
            x->cand[k--] = x->cand[--x->ncand];
            if (nfailed == sizeof failed / sizeof *failed) {
                /* Convert now rather than remember more (rows after i in
                 * this chunk come from cells). */
                if ((st = stream_to_text(x, c, cells, first, n))) return st;
            } else
                failed[nfailed++] = c;
        }
        for (size_t k = 0; k < nt; k++) {
            size_t c = x->tcols[k];
            char *s = clean_text(x->buf + row[c]);
            if (s && x->is_code[c]) upcase(s);
            ty->text[c][i] = s;
            ty->miss[c] += s == NULL;
        }
    }
    for (size_t k = 0; k < nfailed; k++)
        if ((st = stream_to_text(x, failed[k], cells, first, n))) return st;
    return PMS_OK;
}

static void *stream_worker(void *arg)
{
    stream_ctx *x = arg;
    x->jst = stream_type(x, x->jcells, x->jfirst, x->jn);
    return NULL;
}

static pms_status stream_wait(stream_ctx *x)
{
    if (x->running) {
        pthread_join(x->tid, NULL);
        x->running = 0;
    }
    return x->jst;
}

static pms_status stream_rows(void *vctx, const uint32_t *cells, size_t first, size_t n,
                              pms_err *err)
{
    stream_ctx *x = vctx;
    if (x->long_format) {
        memcpy(x->all + first * x->ncols, cells, n * x->ncols * sizeof *cells);
        x->nall = first + n;
        return PMS_OK;
    }
    /* The previous chunk must be typed before its cells are reused, and
     * before this one (columns change state in row order). */
    if (stream_wait(x)) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    if (!n) return PMS_OK;
    if (x->threaded) {
        x->jcells = cells;
        x->jfirst = first;
        x->jn = n;
        if (pthread_create(&x->tid, NULL, stream_worker, x) == 0) {
            x->running = 1;
            return PMS_OK;
        }
    }
    if (stream_type(x, cells, first, n)) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    return PMS_OK;
}

static void stream_stop(void *vctx) { (void)stream_wait(vctx); }

static void stream_free(stream_ctx *x)
{
    for (size_t j = 0; x->offs && j < x->ncols; j++) free(x->offs[j]);
    free(x->offs);
    free(x->state);
    free(x->is_code);
    free(x->cand);
    free(x->tcols);
    free(x->all);
    typed_free(&x->ty);
}

/* Split, type and name in one go (see stream_ctx). */
static pms_status load_stream(const char *path, char *buf, size_t len, const pms_load_opts *opts,
                              pms_table **out, pms_err *err)
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
    pms_csv_sink sink = {CHUNK, &x, stream_header, stream_rows, stream_stop};
    pms_csv csv;
    pms_status st = buf ? pms_csv_parse_stream(buf, len, path, &sink, &csv, err)
                        : pms_csv_read_file_stream(path, &sink, &csv, err);
    if (st) {
        stream_free(&x);
        return st;
    }
    if (x.long_format) {
        csv.cells = x.all;
        x.all = NULL;
        stream_free(&x);
        return table_from_csv(path, csv, opts, NULL, out, err);
    }
    /* Numeric columns that stayed so no longer need their offsets. */
    for (size_t j = 0; j < x.ncols; j++) {
        free(x.offs[j]);
        x.offs[j] = NULL;
    }
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
    char *buf = malloc(len ? len : 1);
    if (!buf) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    if (len) memcpy(buf, data, len);
    return load_stream(display, buf, len, opts, out, err);
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
    for (size_t j = 0; j < n; j++) {
        pms_column *c = &t->cols[j];
        c->n_missing = ty->miss[j];
        if (ty->num[j]) {
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
    if (add_block(t, csv.buf)) {
        pms_csv_free(&csv);
        free(t);
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    /* The table owns the text buffer from here on; csv.buf stays set for
     * reading cells and is cleared before pms_csv_free. */

    int ci_ind = find_header(&csv, "indicatorid"), ci_area = find_header(&csv, "areacode"),
        ci_val = find_header(&csv, "value"), ci_year = find_header(&csv, "year");
    if (ci_year < 0) ci_year = find_header(&csv, "timeperiod");
    int long_format = ci_ind >= 0 && ci_area >= 0 && ci_val >= 0 && ci_year >= 0;
    if (add_source(t, path, &csv, long_format)) {
        st = pms_err_set(err, PMS_ENOMEM, "out of memory");
        goto fail;
    }
    if (long_format) {
        st = pms_table_pivot_long(t, &csv, path, ci_ind, ci_year, ci_area, ci_val, err);
        if (st) goto fail;
    } else {
        t->nrows = csv.nrec;
        t->line = csv.line;
        csv.line = NULL;
        strmap seen;
        pms_colkind *kinds = malloc((csv.ncols ? csv.ncols : 1) * sizeof *kinds);
        const char **layout = malloc((csv.ncols ? csv.ncols : 1) * sizeof *layout);
        if (!kinds || !layout || strmap_init(&seen, csv.ncols)) {
            free(kinds);
            free(layout);
            st = pms_err_set(err, PMS_ENOMEM, "out of memory");
            goto fail;
        }
        const char *remap = pms_alias_layout((const char *const *)csv.header, csv.ncols, layout);
        if (remap) pms_table_note(t, "layout_remap", 4, "%s: %s", path, remap);
        /* Name every column, then type them all in one pass.  An error in
         * naming column k (a duplicate) is reported only if no column before
         * k fails typing, the order in which they were found before. */
        pms_err name_err;
        pms_status name_st = PMS_OK;
        size_t named = 0;
        for (size_t j = 0; j < csv.ncols && !st && !name_st; j++) {
            pms_column *c = add_column(t);
            if (!c) {
                st = pms_err_set(err, PMS_ENOMEM, "out of memory");
                break;
            }
            char hdr[512];
            snprintf(hdr, sizeof hdr, "%s", csv.header[j]);
            char *h = hdr;
            while (*h == ' ') h++;
            size_t hl = strlen(h);
            while (hl && h[hl - 1] == ' ') h[--hl] = '\0';
            name_st = name_column(t, c, h, (int)j + 1, path, &seen, &kinds[j], layout[j],
                                  &name_err);
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
        if (st) goto fail;
    }
    for (size_t j = 0; j < t->ncols; j++) t->cols[j].source = 0;
    csv.buf = NULL;
    pms_csv_free(&csv);

    const pms_column *pc = pms_table_col(t, "practice_code");
    if (pc && pc->type == PMS_COL_TEXT) {
        strmap m;
        if (strmap_init(&m, t->nrows) == 0) {
            size_t dups = 0, miss = 0;
            for (size_t i = 0; i < t->nrows; i++) {
                if (!pc->text[i]) {
                    miss++;
                    continue;
                }
                int found;
                strmap_slot(&m, pc->text[i], &found);
                dups += found;
            }
            strmap_free(&m);
            if (dups)
                pms_table_note(t, "duplicate_key", dups,
                               "%s: %zu rows repeat a practice code seen earlier in the file",
                               path, dups);
            if (miss)
                pms_table_note(t, "missing_key", miss, "%s: %zu rows have no practice code",
                               path, miss);
        } else {
            st = pms_err_set(err, PMS_ENOMEM, "out of memory");
            goto fail;
        }
    }
    *out = t;
    return PMS_OK;
fail:
    csv.buf = NULL;
    pms_csv_free(&csv);
    pms_table_free(t);
    return st;
}

pms_status pms_table_numeric(const pms_table *t, const char *name, const double **values,
                             pms_err *err)
{
    const pms_column *c = pms_table_col(t, name);
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
    *values = c->num;
    return PMS_OK;
}

pms_status pms_table_text(const pms_table *t, const char *name, const char *const **values,
                          pms_err *err)
{
    const pms_column *c = pms_table_col(t, name);
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
    for (size_t i = 0; i < n; i++) {
        if (isnan(c->num[i])) {
            txt[i] = NULL;
            continue;
        }
        txt[i] = blk + i * 32;
        snprintf(txt[i], 32, "%.15g", c->num[i]);
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
    pms_column *c = add_column(t);
    if (!c || !(c->name = xstrdup(name)) || !(c->header = xstrdup(name))) {
        if (c) {
            free(c->name);
            t->ncols--;
        }
        free(values);
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    c->type = PMS_COL_NUM;
    c->num = values;
    c->source = -1;
    for (size_t i = 0; i < t->nrows; i++) c->n_missing += isnan(values[i]);
    return PMS_OK;
}

pms_status pms_table_keep_rows(pms_table *t, const unsigned char *keep, pms_err *err)
{
    (void)err;
    size_t w = 0;
    for (size_t i = 0; i < t->nrows; i++) {
        if (!keep[i]) continue;
        for (size_t j = 0; j < t->ncols; j++) {
            pms_column *c = &t->cols[j];
            if (c->num) c->num[w] = c->num[i];
            if (c->text) c->text[w] = c->text[i];
        }
        if (t->line) t->line[w] = t->line[i];
        w++;
    }
    t->nrows = w;
    for (size_t j = 0; j < t->ncols; j++) {
        pms_column *c = &t->cols[j];
        c->n_missing = 0;
        for (size_t i = 0; i < w; i++)
            c->n_missing += c->type == PMS_COL_NUM ? isnan(c->num[i]) : c->text[i] == NULL;
    }
    return PMS_OK;
}

pms_status pms_dataset_open(const pms_data_opts *o, pms_table **out, pms_err *err)
{
    *out = NULL;
    if (o->ndata == 0) return pms_err_set(err, PMS_EUSAGE, "no data file given");
    pms_table *t = NULL;
    pms_status st = pms_table_load(o->data[0], NULL, &t, err);
    if (st) return st;
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
        if (undef)
            pms_table_note(t, "undefined", undef,
                           "derived column %s: %zu rows undefined (division by zero or log/sqrt of "
                           "a value outside its domain), set missing",
                           name, undef);
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
            pms_table_note(t, "where", rep.n_failed + rep.n_missing,
                           "where expression '%s' excluded %zu rows (%zu did not satisfy it, %zu had "
                           "the column missing)",
                           o->where[i], rep.n_failed + rep.n_missing, rep.n_failed,
                           rep.n_missing);
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
