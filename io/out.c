#include "io/out.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "io/csv.h"
#include "io/dectext.h"
#include "io/utf8.h"

typedef struct {
    char *key;
    pms_outkind kind;
    int decimals;
} outcol;

/* set: 0 missing (no value in the data), 1 a value, NOT_COMPUTED a statistic
 * that could not be computed (s then holds the reason). */
enum { NOT_COMPUTED = 2 };
static const char overflow_why[] = "the result is not finite (a sum or product overflowed: "
                                   "values too large)";

typedef struct {
    int set;
    double num;
    long long i;
    char *s;
} cell;

struct pms_out {
    char *name, *title;
    outcol *cols;
    size_t ncols;
    cell *cells; /* nrows * ncols, row-major */
    size_t nrows, caprows;
    char **notes;
    size_t nnotes;
    /* 1 once something could not be stored (pms_out_incomplete): sticky, so
     * that a caller who ignores a status still cannot have the table written. */
    int incomplete;
};

static char *dup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

pms_out *pms_out_new(const char *name, const char *title)
{
    pms_out *o = calloc(1, sizeof *o);
    if (!o) return NULL;
    o->name = dup(name);
    o->title = dup(title ? title : name);
    if (!o->name || !o->title) {
        pms_out_free(o);
        return NULL;
    }
    return o;
}

void pms_out_free(pms_out *o)
{
    if (!o) return;
    for (size_t i = 0; i < o->nrows * o->ncols; i++) free(o->cells[i].s);
    free(o->cells);
    for (size_t j = 0; j < o->ncols; j++) free(o->cols[j].key);
    free(o->cols);
    for (size_t i = 0; i < o->nnotes; i++) free(o->notes[i]);
    free(o->notes);
    free(o->name);
    free(o->title);
    free(o);
}

pms_out *pms_out_new_excluded(int col[3])
{
    pms_out *o = pms_out_new("excluded", "Practices excluded");
    if (!o) return NULL;
    col[0] = pms_out_col(o, "reason", PMS_OUT_TEXT, 0);
    col[1] = pms_out_col(o, "column", PMS_OUT_TEXT, 0);
    col[2] = pms_out_col(o, "practices", PMS_OUT_INT, 0);
    if (col[0] < 0 || col[1] < 0 || col[2] < 0) {
        pms_out_free(o);
        return NULL;
    }
    return o;
}

pms_status pms_out_all_or_none(pms_out **out, size_t k, size_t *n, pms_err *err)
{
    *n = k;
    for (size_t i = 0; i < k; i++)
        if (!out[i] || out[i]->incomplete) {
            for (size_t j = 0; j < k; j++) {
                pms_out_free(out[j]);
                out[j] = NULL;
            }
            *n = 0;
            return pms_err_set(err, PMS_ENOMEM, "out of memory");
        }
    return PMS_OK;
}

int pms_out_col(pms_out *o, const char *key, pms_outkind kind, int decimals)
{
    if (o->nrows) return -1; /* columns are fixed once rows exist */
    outcol *n = realloc(o->cols, (o->ncols + 1) * sizeof *n);
    if (!n) {
        o->incomplete = 1;
        return -1;
    }
    o->cols = n;
    n[o->ncols].key = dup(key);
    if (!n[o->ncols].key) {
        o->incomplete = 1;
        return -1;
    }
    n[o->ncols].kind = kind;
    n[o->ncols].decimals = decimals;
    return (int)o->ncols++;
}

pms_status pms_out_row(pms_out *o)
{
    if (o->nrows == o->caprows) {
        size_t nc = o->caprows ? o->caprows * 2 : 16;
        cell *c = realloc(o->cells, nc * o->ncols * sizeof *c);
        if (!c && o->ncols) {
            o->incomplete = 1;
            return PMS_ENOMEM;
        }
        o->cells = c;
        o->caprows = nc;
    }
    memset(o->cells + o->nrows * o->ncols, 0, o->ncols * sizeof *o->cells);
    o->nrows++;
    return PMS_OK;
}

static cell *cur(pms_out *o, int col)
{
    if (!o->nrows || col < 0 || (size_t)col >= o->ncols) return NULL;
    return &o->cells[(o->nrows - 1) * o->ncols + (size_t)col];
}

void pms_out_set_text(pms_out *o, int col, const char *s)
{
    cell *c = cur(o, col);
    if (!c) return;
    free(c->s);
    c->s = s ? dup(s) : NULL;
    c->set = c->s != NULL;
    if (s && !c->s) o->incomplete = 1; /* the cell would read as missing */
}

void pms_out_set_num(pms_out *o, int col, double v)
{
    cell *c = cur(o, col);
    if (!c) return;
    if (isinf(v)) {
        pms_out_set_not_computed(o, col, overflow_why);
        return;
    }
    c->num = v;
    c->set = !isnan(v);
}

void pms_out_set_not_computed(pms_out *o, int col, const char *why)
{
    cell *c = cur(o, col);
    if (!c) return;
    free(c->s);
    c->s = dup(why ? why : overflow_why);
    c->num = NAN;
    /* Without memory for the reason the cell is still never a number, and
     * the table is not written. */
    c->set = c->s ? NOT_COMPUTED : 0;
    if (!c->s) o->incomplete = 1;
}

const char *pms_out_why(const pms_out *o, size_t row, size_t col)
{
    const cell *c = &o->cells[row * o->ncols + col];
    return c->set == NOT_COMPUTED ? c->s : NULL;
}

void pms_out_set_int(pms_out *o, int col, long long v)
{
    cell *c = cur(o, col);
    if (!c) return;
    c->i = v;
    c->num = (double)v;
    c->set = 1;
}

void pms_out_set_bool(pms_out *o, int col, int v) { pms_out_set_int(o, col, v ? 1 : 0); }

size_t pms_out_nrows(const pms_out *o) { return o->nrows; }
const char *pms_out_name(const pms_out *o) { return o->name; }
const char *pms_out_title(const pms_out *o) { return o->title; }
size_t pms_out_ncols(const pms_out *o) { return o->ncols; }
const char *pms_out_key(const pms_out *o, size_t col) { return o->cols[col].key; }
pms_outkind pms_out_kind(const pms_out *o, size_t col) { return o->cols[col].kind; }
int pms_out_decimals(const pms_out *o, size_t col) { return o->cols[col].decimals; }
size_t pms_out_nnotes(const pms_out *o) { return o->nnotes; }
const char *pms_out_note(const pms_out *o, size_t i) { return o->notes[i]; }

int pms_out_get(const pms_out *o, size_t row, size_t col, double *v, const char **s)
{
    const cell *c = &o->cells[row * o->ncols + col];
    if (c->set != 1) return 0;
    if (o->cols[col].kind == PMS_OUT_TEXT) *s = c->s;
    else *v = o->cols[col].kind == PMS_OUT_INT || o->cols[col].kind == PMS_OUT_BOOL ? (double)c->i : c->num;
    return 1;
}

int pms_out_incomplete(const pms_out *o) { return o->incomplete; }

pms_status pms_out_check(pms_out *const *tables, size_t n, const pms_table *prov, pms_err *err)
{
    for (size_t k = 0; k < n; k++)
        if (tables[k] && tables[k]->incomplete) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    if (prov && prov->incomplete) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    return PMS_OK;
}

/* A failed set: the status, and the table marked incomplete. */
static pms_status nomem(pms_out *o)
{
    o->incomplete = 1;
    return PMS_ENOMEM;
}

pms_status pms_out_set_title(pms_out *o, const char *title)
{
    char *t = dup(title);
    if (!t) return nomem(o);
    free(o->title);
    o->title = t;
    return PMS_OK;
}

pms_status pms_out_set_note(pms_out *o, size_t i, const char *text)
{
    if (i >= o->nnotes) return PMS_EUSAGE;
    char *t = dup(text);
    if (!t) return nomem(o);
    free(o->notes[i]);
    o->notes[i] = t;
    return PMS_OK;
}

pms_status pms_out_footnote(pms_out *o, const char *fmt, ...)
{
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    pms_utf8_trim_tail(buf); /* a long note is cut on a character boundary */
    char **n = realloc(o->notes, (o->nnotes + 1) * sizeof *n);
    if (!n) return nomem(o);
    o->notes = n;
    if (!(n[o->nnotes] = dup(buf))) return nomem(o);
    o->nnotes++;
    return PMS_OK;
}

/* Thousands separators for the text form of money and counts. */
static void group_digits(char *s, size_t cap)
{
    char *p = s;
    if (*p == '-') p++;
    char *dot = strchr(p, '.');
    size_t intlen = dot ? (size_t)(dot - p) : strlen(p);
    size_t commas = intlen > 3 ? (intlen - 1) / 3 : 0;
    if (!commas || strlen(s) + commas + 1 > cap) return;
    size_t total = strlen(s);
    size_t start = (size_t)(p - s);
    memmove(p + commas, p, total - start + 1);
    char *src = p + commas, *dst = p;
    for (size_t i = 0; i < intlen; i++) {
        *dst++ = *src++;
        size_t left = intlen - i - 1;
        if (left && left % 3 == 0) *dst++ = ',';
    }
}

/* printf("%.*f") text of v, by io/dectext.h where it can (the same bytes,
 * several times faster: a practice table holds tens of thousands). */
static void fixed_text(char *buf, size_t cap, double v, int prec)
{
    if (!pms_dec_fixed(buf, cap, v, prec)) snprintf(buf, cap, "%.*f", prec, v);
}

/* Render a cell; json selects full precision and null for missing. */
static void render(const outcol *c, const cell *x, pms_format fmt, char *buf, size_t cap)
{
    if (x->set != 1 || (c->kind != PMS_OUT_TEXT && c->kind != PMS_OUT_INT &&
                        c->kind != PMS_OUT_BOOL && !isfinite(x->num))) {
        const char *none = x->set == NOT_COMPUTED ? "not computed" : "-";
        snprintf(buf, cap, "%s", fmt == PMS_FMT_JSON ? "null" : fmt == PMS_FMT_CSV ? "" : none);
        return;
    }
    switch (c->kind) {
    case PMS_OUT_TEXT: snprintf(buf, cap, "%s", x->s); return;
    case PMS_OUT_INT:
        snprintf(buf, cap, "%lld", x->i);
        if (fmt == PMS_FMT_TEXT) group_digits(buf, cap);
        return;
    case PMS_OUT_BOOL:
        snprintf(buf, cap, "%s", fmt == PMS_FMT_TEXT ? (x->i ? "yes" : "no") : (x->i ? "true" : "false"));
        return;
    case PMS_OUT_MONEY:
        fixed_text(buf, cap, x->num, 2);
        if (!strcmp(buf, "-0.00")) snprintf(buf, cap, "0.00");
        if (fmt == PMS_FMT_TEXT) {
            group_digits(buf, cap);
            /* "£" (two bytes) after the sign; buffers hold 1e308 with separators */
            size_t at = buf[0] == '-', len = strlen(buf);
            if (len + 3 <= cap) {
                memmove(buf + at + 2, buf + at, len - at + 1);
                memcpy(buf + at, "\xc2\xa3", 2);
            }
        }
        return;
    case PMS_OUT_PCT:
        if (fmt == PMS_FMT_TEXT && !isfinite(100.0 * x->num)) snprintf(buf, cap, "not computed");
        else if (fmt == PMS_FMT_TEXT) snprintf(buf, cap, "%.*f%%", c->decimals, 100.0 * x->num);
        else snprintf(buf, cap, "%.17g", x->num);
        return;
    case PMS_OUT_REAL:
        if (fmt == PMS_FMT_JSON) snprintf(buf, cap, "%.17g", x->num);
        else fixed_text(buf, cap, x->num, c->decimals);
        /* "-0.000" reads as a sign where there is none */
        if (buf[0] == '-' && strspn(buf + 1, "0.") == strlen(buf + 1)) memmove(buf, buf + 1, strlen(buf));
        if (fmt == PMS_FMT_TEXT) group_digits(buf, cap);
        return;
    }
}

void pms_json_string(FILE *f, const char *s)
{
    fputc('"', f);
    size_t n = strlen(s), i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        size_t k = pms_utf8_seq(s + i, n - i);
        if (!k) {
            /* JSON text is UTF-8: an invalid byte becomes U+FFFD */
            fputs("\\ufffd", f);
            i++;
            continue;
        }
        if (k > 1) {
            fwrite(s + i, 1, k, f);
            i += k;
            continue;
        }
        switch (c) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (c < 0x20 || c == 0x7F) fprintf(f, "\\u%04x", c);
            else fputc(c, f);
        }
        i++;
    }
    fputc('"', f);
}

int pms_csv_is_number(const char *s)
{
    /* [-+]? (digits [. digits*] | . digits) ([eE] [-+]? digits)? and nothing else */
    const char *p = s;
    if (*p == '-' || *p == '+') p++;
    size_t d = 0;
    while (isdigit((unsigned char)*p)) p++, d++;
    if (*p == '.') {
        p++;
        while (isdigit((unsigned char)*p)) p++, d++;
    }
    if (!d) return 0;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '-' || *p == '+') p++;
        if (!isdigit((unsigned char)*p)) return 0;
        while (isdigit((unsigned char)*p)) p++;
    }
    return *p == '\0';
}

int pms_csv_needs_guard(const char *s)
{
    /* OWASP "CSV injection": a spreadsheet reads a cell starting with one of
     * these as a formula (TAB and CR because some strip them first); a plain
     * number is data, and the only cells starting with - or + left alone. */
    return strchr("=+-@\t\r", s[0]) && s[0] && !pms_csv_is_number(s);
}

static void csv_field(FILE *f, const char *s)
{
    int need = strpbrk(s, ",\"\n\r") != NULL;
    int formula = pms_csv_needs_guard(s);
    if (!need && !formula) {
        pms_utf8_put_valid(f, s);
        return;
    }
    fputc('"', f);
    if (formula) fputc('\'', f);
    size_t n = strlen(s), i = 0;
    while (i < n) {
        size_t k = pms_utf8_seq(s + i, n - i);
        if (!k) {
            fputs("\xef\xbf\xbd", f); /* U+FFFD for an invalid byte */
            i++;
            continue;
        }
        if (s[i] == '"') fputc('"', f);
        fwrite(s + i, 1, k, f);
        i += k;
    }
    fputc('"', f);
}

/* Text form: control characters and ANSI escapes in names are shown as \xNN,
 * so the terminal never acts on them; width counts what is shown. */
static size_t width(const char *s) { return pms_utf8_visible_width(s, 0); }

static void put_text(FILE *f, const char *s) { pms_utf8_put_visible(f, s, 0); }

/* Notes for cells that could not be computed: one line per column and
 * reason, in lines[0..*n); PMS_ENOMEM (none kept) if a line cannot be made. */
static pms_status not_computed_notes(const pms_out *o, char **lines, size_t max, size_t *nout)
{
    size_t n = 0;
    for (size_t j = 0; j < o->ncols; j++) {
        for (size_t i = 0; i < o->nrows && n < max; i++) {
            const char *why = pms_out_why(o, i, j);
            if (!why) continue;
            int seen = 0;
            size_t count = 0;
            for (size_t r = 0; r < o->nrows; r++) {
                const char *w2 = pms_out_why(o, r, j);
                if (w2 && !strcmp(w2, why)) {
                    if (r < i) seen = 1;
                    count++;
                }
            }
            if (seen) continue;
            size_t len = strlen(o->cols[j].key) + strlen(why) + 64;
            if (!(lines[n] = malloc(len))) {
                while (n) free(lines[--n]);
                *nout = 0;
                return PMS_ENOMEM;
            }
            snprintf(lines[n++], len, "%s: not computed in %zu row%s: %s", o->cols[j].key, count,
                     count == 1 ? "" : "s", why);
        }
    }
    *nout = n;
    return PMS_OK;
}

enum { MAX_NC_NOTES = 32 };

/* What a table's writing needs memory for, allocated before the first byte
 * is written, so that running out of memory leaves no output at all rather
 * than part of one: the text form's column widths and the not-computed
 * notes. */
typedef struct {
    size_t *w;
    char *nc[MAX_NC_NOTES];
    size_t nnc;
} prepared;

static void prepared_free(prepared *p)
{
    free(p->w);
    for (size_t k = 0; k < p->nnc; k++) free(p->nc[k]);
}

static pms_status prepare(const pms_out *o, pms_format fmt, prepared *p)
{
    if (fmt == PMS_FMT_CSV) return PMS_OK; /* CSV needs neither */
    if (not_computed_notes(o, p->nc, MAX_NC_NOTES, &p->nnc)) return PMS_ENOMEM;
    if (fmt != PMS_FMT_TEXT) return PMS_OK;
    size_t *w = p->w = calloc(o->ncols ? o->ncols : 1, sizeof *w);
    if (!w) return PMS_ENOMEM;
    char buf[512];
    for (size_t j = 0; j < o->ncols; j++) w[j] = width(o->cols[j].key);
    for (size_t i = 0; i < o->nrows; i++)
        for (size_t j = 0; j < o->ncols; j++) {
            const cell *x = &o->cells[i * o->ncols + j];
            const char *t = buf;
            if (o->cols[j].kind == PMS_OUT_TEXT && x->set == 1) t = x->s;
            else render(&o->cols[j], x, PMS_FMT_TEXT, buf, sizeof buf);
            size_t k = width(t);
            if (k > w[j]) w[j] = k;
        }
    return PMS_OK;
}

static void write_text(FILE *f, const pms_out *o, const prepared *p)
{
    pms_utf8_put_visible(f, o->title, 1);
    fputc('\n', f);
    const size_t *w = p->w;
    char buf[512];
    /* An empty table's header alone reads like a row: say so instead. */
    if (o->nrows == 0) fputs("(none)\n", f);
    for (size_t j = 0; j < o->ncols && o->nrows; j++) {
        int right = o->cols[j].kind != PMS_OUT_TEXT;
        size_t pad = w[j] - width(o->cols[j].key);
        if (j) fputs("  ", f);
        if (right) fprintf(f, "%*s", (int)pad, "");
        put_text(f, o->cols[j].key);
        if (!right && j + 1 < o->ncols) fprintf(f, "%*s", (int)pad, "");
    }
    if (o->nrows) fputc('\n', f);
    for (size_t i = 0; i < o->nrows; i++) {
        for (size_t j = 0; j < o->ncols; j++) {
            const cell *x = &o->cells[i * o->ncols + j];
            const char *t = buf;
            if (o->cols[j].kind == PMS_OUT_TEXT && x->set == 1) t = x->s;
            else render(&o->cols[j], x, PMS_FMT_TEXT, buf, sizeof buf);
            size_t pad = w[j] - width(t);
            int right = o->cols[j].kind != PMS_OUT_TEXT;
            if (j) fputs("  ", f);
            if (right) fprintf(f, "%*s", (int)pad, "");
            put_text(f, t);
            if (!right && j + 1 < o->ncols) fprintf(f, "%*s", (int)pad, "");
        }
        fputc('\n', f);
    }
    for (size_t k = 0; k < o->nnotes; k++) {
        pms_utf8_put_visible(f, o->notes[k], 1);
        fputc('\n', f);
    }
    for (size_t k = 0; k < p->nnc; k++) {
        pms_utf8_put_visible(f, p->nc[k], 1);
        fputc('\n', f);
    }
}

static void write_csv(FILE *f, const pms_out *o)
{
    char buf[512];
    for (size_t j = 0; j < o->ncols; j++) {
        if (j) fputc(',', f);
        csv_field(f, o->cols[j].key);
    }
    fputc('\n', f);
    for (size_t i = 0; i < o->nrows; i++) {
        for (size_t j = 0; j < o->ncols; j++) {
            if (j) fputc(',', f);
            const cell *x = &o->cells[i * o->ncols + j];
            if (o->cols[j].kind == PMS_OUT_TEXT && x->set == 1) csv_field(f, x->s);
            else {
                render(&o->cols[j], x, PMS_FMT_CSV, buf, sizeof buf);
                fputs(buf, f);
            }
        }
        fputc('\n', f);
    }
}

static void write_json_table(FILE *f, const pms_out *o, const prepared *p)
{
    char buf[512];
    pms_json_string(f, o->name);
    fputs(": [", f);
    for (size_t i = 0; i < o->nrows; i++) {
        fputs(i ? ",\n    {" : "\n    {", f);
        for (size_t j = 0; j < o->ncols; j++) {
            if (j) fputs(", ", f);
            pms_json_string(f, o->cols[j].key);
            fputs(": ", f);
            const cell *x = &o->cells[i * o->ncols + j];
            if (o->cols[j].kind == PMS_OUT_TEXT && x->set == 1) pms_json_string(f, x->s);
            else {
                render(&o->cols[j], x, PMS_FMT_JSON, buf, sizeof buf);
                fputs(buf, f);
            }
        }
        fputc('}', f);
    }
    fputs(o->nrows ? "\n  ]" : "]", f);
    char *const *nc = p->nc;
    size_t nnc = p->nnc;
    if (o->nnotes || nnc) {
        fputs(",\n  ", f);
        char key[300];
        snprintf(key, sizeof key, "%s_notes", o->name);
        pms_json_string(f, key);
        fputs(": [", f);
        for (size_t k = 0; k < o->nnotes + nnc; k++) {
            if (k) fputs(", ", f);
            pms_json_string(f, k < o->nnotes ? o->notes[k] : nc[k - o->nnotes]);
        }
        fputc(']', f);
    }
}

static void write_provenance_json(FILE *f, const pms_table *t, const char *cmdline)
{
    fputs("\"provenance\": {\"toolkit\": ", f);
    pms_json_string(f, "pmsreview " PMS_VERSION);
    if (cmdline) {
        fputs(", \"command\": ", f);
        pms_json_string(f, cmdline);
    }
    if (t) {
        fputs(", \"inputs\": [", f);
        for (size_t i = 0; i < t->nsources; i++) {
            const pms_source *s = &t->sources[i];
            fputs(i ? ", {" : "{", f);
            fputs("\"path\": ", f);
            pms_json_string(f, s->path);
            fprintf(f, ", \"sha256\": \"%s\", \"bytes\": %zu, \"rows\": %zu, \"columns\": %zu, "
                       "\"encoding\": \"%s\"}",
                    s->sha256, s->bytes, s->rows, s->columns,
                    pms_csv_encoding(s->latin1));
        }
        fprintf(f, "], \"rows_analysed\": %zu, \"notes\": [", t->nrows);
        for (size_t i = 0; i < t->nnotes; i++) {
            fputs(i ? ", {" : "{", f);
            fputs("\"what\": ", f);
            pms_json_string(f, t->notes[i].what);
            fprintf(f, ", \"count\": %zu, \"detail\": ", t->notes[i].count);
            pms_json_string(f, t->notes[i].detail);
            fputc('}', f);
        }
        fputc(']', f);
    }
    fputc('}', f);
}

static void write_all(FILE *f, pms_format fmt, pms_out *const *tables, const prepared *p,
                      size_t ntables, const pms_table *prov, const char *command_line)
{
    if (fmt == PMS_FMT_JSON) {
        fputs("{\n  ", f);
        write_provenance_json(f, prov, command_line);
        for (size_t k = 0; k < ntables; k++) {
            fputs(",\n  ", f);
            write_json_table(f, tables[k], &p[k]);
        }
        fputs("\n}\n", f);
    } else if (fmt == PMS_FMT_CSV) {
        for (size_t k = 0; k < ntables; k++) {
            if (k) fputc('\n', f);
            write_csv(f, tables[k]);
        }
    } else {
        for (size_t k = 0; k < ntables; k++) {
            if (k) fputc('\n', f);
            write_text(f, tables[k], &p[k]);
        }
        if (prov) {
            fputs("\nData:\n", f);
            for (size_t i = 0; i < prov->nsources; i++)
            {
                fputs("  ", f);
                put_text(f, prov->sources[i].path);
                fprintf(f, "  (%zu rows, sha256 %.16s...)\n", prov->sources[i].rows,
                        prov->sources[i].sha256);
            }
            for (size_t i = 0; i < prov->nnotes; i++)
            {
                fputs("  note: ", f);
                put_text(f, prov->notes[i].detail);
                fputc('\n', f);
            }
        }
    }
}

pms_status pms_out_write(FILE *f, pms_format fmt, pms_out *const *tables, size_t ntables,
                         const pms_table *prov, const char *command_line)
{
    if (pms_out_check(tables, ntables, prov, NULL)) return PMS_ENOMEM;
    prepared *p = calloc(ntables ? ntables : 1, sizeof *p);
    if (!p) return PMS_ENOMEM;
    for (size_t k = 0; k < ntables; k++)
        if (prepare(tables[k], fmt, &p[k])) {
            for (size_t i = 0; i <= k; i++) prepared_free(&p[i]); /* p[k] in part */
            free(p);
            return PMS_ENOMEM;
        }
    write_all(f, fmt, tables, p, ntables, prov, command_line);
    for (size_t k = 0; k < ntables; k++) prepared_free(&p[k]);
    free(p);
    return ferror(f) ? PMS_EIO : PMS_OK;
}
