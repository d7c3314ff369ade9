#include "out.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *key;
    pms_outkind kind;
    int decimals;
} outcol;

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

int pms_out_col(pms_out *o, const char *key, pms_outkind kind, int decimals)
{
    if (o->nrows) return -1; /* columns are fixed once rows exist */
    outcol *n = realloc(o->cols, (o->ncols + 1) * sizeof *n);
    if (!n) return -1;
    o->cols = n;
    n[o->ncols].key = dup(key);
    if (!n[o->ncols].key) return -1;
    n[o->ncols].kind = kind;
    n[o->ncols].decimals = decimals;
    return (int)o->ncols++;
}

pms_status pms_out_row(pms_out *o)
{
    if (o->nrows == o->caprows) {
        size_t nc = o->caprows ? o->caprows * 2 : 16;
        cell *c = realloc(o->cells, nc * o->ncols * sizeof *c);
        if (!c && o->ncols) return PMS_ENOMEM;
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
}

void pms_out_set_num(pms_out *o, int col, double v)
{
    cell *c = cur(o, col);
    if (!c) return;
    c->num = v;
    c->set = !isnan(v);
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
    if (!c->set) return 0;
    if (o->cols[col].kind == PMS_OUT_TEXT) *s = c->s;
    else *v = o->cols[col].kind == PMS_OUT_INT || o->cols[col].kind == PMS_OUT_BOOL ? (double)c->i : c->num;
    return 1;
}

pms_status pms_out_footnote(pms_out *o, const char *fmt, ...)
{
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char **n = realloc(o->notes, (o->nnotes + 1) * sizeof *n);
    if (!n) return PMS_ENOMEM;
    o->notes = n;
    if (!(n[o->nnotes] = dup(buf))) return PMS_ENOMEM;
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

/* Render a cell; json selects full precision and null for missing. */
static void render(const outcol *c, const cell *x, pms_format fmt, char *buf, size_t cap)
{
    if (!x->set) {
        snprintf(buf, cap, "%s", fmt == PMS_FMT_JSON ? "null" : fmt == PMS_FMT_CSV ? "" : "-");
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
        snprintf(buf, cap, "%.2f", x->num);
        if (!strcmp(buf, "-0.00")) snprintf(buf, cap, "0.00");
        if (fmt == PMS_FMT_TEXT) {
            group_digits(buf, cap);
            char tmp[96];
            if (buf[0] == '-') snprintf(tmp, sizeof tmp, "-\xc2\xa3%s", buf + 1);
            else snprintf(tmp, sizeof tmp, "\xc2\xa3%s", buf);
            snprintf(buf, cap, "%s", tmp);
        }
        return;
    case PMS_OUT_PCT:
        if (fmt == PMS_FMT_TEXT) snprintf(buf, cap, "%.*f%%", c->decimals, 100.0 * x->num);
        else snprintf(buf, cap, "%.17g", x->num);
        return;
    case PMS_OUT_REAL:
        if (fmt == PMS_FMT_JSON) snprintf(buf, cap, "%.17g", x->num);
        else snprintf(buf, cap, "%.*f", c->decimals, x->num);
        /* "-0.000" reads as a sign where there is none */
        if (buf[0] == '-' && strspn(buf + 1, "0.") == strlen(buf + 1)) memmove(buf, buf + 1, strlen(buf));
        if (fmt == PMS_FMT_TEXT) group_digits(buf, cap);
        return;
    }
}

void pms_json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (*p < 0x20) fprintf(f, "\\u%04x", *p);
            else fputc(*p, f);
        }
    }
    fputc('"', f);
}

static void csv_field(FILE *f, const char *s)
{
    /* Quote when needed; a leading = + - @ would make a spreadsheet run a formula. */
    int need = strpbrk(s, ",\"\n\r") != NULL;
    int formula = (s[0] == '=' || s[0] == '+' || s[0] == '@' ||
                   (s[0] == '-' && !(s[1] >= '0' && s[1] <= '9') && s[1] != '.' && s[1]));
    if (!need && !formula) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    if (formula) fputc('\'', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* Display width of UTF-8 text: count code points, not bytes. */
static size_t width(const char *s)
{
    size_t w = 0;
    for (; *s; s++) w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}

static void write_text(FILE *f, const pms_out *o)
{
    fprintf(f, "%s\n", o->title);
    size_t *w = calloc(o->ncols ? o->ncols : 1, sizeof *w);
    if (!w) return;
    char buf[512];
    for (size_t j = 0; j < o->ncols; j++) w[j] = width(o->cols[j].key);
    for (size_t i = 0; i < o->nrows; i++)
        for (size_t j = 0; j < o->ncols; j++) {
            render(&o->cols[j], &o->cells[i * o->ncols + j], PMS_FMT_TEXT, buf, sizeof buf);
            size_t k = width(buf);
            if (k > w[j]) w[j] = k;
        }
    /* An empty table's header alone reads like a row: say so instead. */
    if (o->nrows == 0) fputs("(none)\n", f);
    for (size_t j = 0; j < o->ncols && o->nrows; j++) {
        int right = o->cols[j].kind != PMS_OUT_TEXT;
        size_t pad = w[j] - width(o->cols[j].key);
        if (j) fputs("  ", f);
        if (right) fprintf(f, "%*s", (int)pad, "");
        fputs(o->cols[j].key, f);
        if (!right && j + 1 < o->ncols) fprintf(f, "%*s", (int)pad, "");
    }
    if (o->nrows) fputc('\n', f);
    for (size_t i = 0; i < o->nrows; i++) {
        for (size_t j = 0; j < o->ncols; j++) {
            render(&o->cols[j], &o->cells[i * o->ncols + j], PMS_FMT_TEXT, buf, sizeof buf);
            size_t pad = w[j] - width(buf);
            int right = o->cols[j].kind != PMS_OUT_TEXT;
            if (j) fputs("  ", f);
            if (right) fprintf(f, "%*s", (int)pad, "");
            fputs(buf, f);
            if (!right && j + 1 < o->ncols) fprintf(f, "%*s", (int)pad, "");
        }
        fputc('\n', f);
    }
    for (size_t k = 0; k < o->nnotes; k++) fprintf(f, "%s\n", o->notes[k]);
    free(w);
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
            if (o->cols[j].kind == PMS_OUT_TEXT && x->set) csv_field(f, x->s);
            else {
                render(&o->cols[j], x, PMS_FMT_CSV, buf, sizeof buf);
                fputs(buf, f);
            }
        }
        fputc('\n', f);
    }
}

static void write_json_table(FILE *f, const pms_out *o)
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
            if (o->cols[j].kind == PMS_OUT_TEXT && x->set) pms_json_string(f, x->s);
            else {
                render(&o->cols[j], x, PMS_FMT_JSON, buf, sizeof buf);
                fputs(buf, f);
            }
        }
        fputc('}', f);
    }
    fputs(o->nrows ? "\n  ]" : "]", f);
    if (o->nnotes) {
        fputs(",\n  ", f);
        char key[300];
        snprintf(key, sizeof key, "%s_notes", o->name);
        pms_json_string(f, key);
        fputs(": [", f);
        for (size_t k = 0; k < o->nnotes; k++) {
            if (k) fputs(", ", f);
            pms_json_string(f, o->notes[k]);
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
                    s->latin1 ? "ISO-8859-1" : "UTF-8");
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

pms_status pms_out_write(FILE *f, pms_format fmt, pms_out *const *tables, size_t ntables,
                         const pms_table *prov, const char *command_line)
{
    if (fmt == PMS_FMT_JSON) {
        fputs("{\n  ", f);
        write_provenance_json(f, prov, command_line);
        for (size_t k = 0; k < ntables; k++) {
            fputs(",\n  ", f);
            write_json_table(f, tables[k]);
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
            write_text(f, tables[k]);
        }
        if (prov) {
            fputs("\nData:\n", f);
            for (size_t i = 0; i < prov->nsources; i++)
                fprintf(f, "  %s  (%zu rows, sha256 %.16s...)\n", prov->sources[i].path,
                        prov->sources[i].rows, prov->sources[i].sha256);
            for (size_t i = 0; i < prov->nnotes; i++)
                fprintf(f, "  note: %s\n", prov->notes[i].detail);
        }
    }
    return ferror(f) ? PMS_EIO : PMS_OK;
}
