#include "io/expr.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/csv.h"

/* A tiny AST evaluated column-at-a-time; expressions are short, data long. */
typedef enum { E_NUM, E_COL, E_NEG, E_ADD, E_SUB, E_MUL, E_DIV, E_FUN } ekind;
typedef enum { F_LOG, F_EXP, F_SQRT, F_ABS } efun;

struct pms_expr {
    ekind kind;
    double num;
    char *col;
    efun fun;
    struct pms_expr *a, *b;
};

typedef struct {
    const char *src, *p;
    pms_err *err;
    pms_status st;
    int depth;
} parser;

static int strcasecmp_portable(const char *a, const char *b)
{
    for (;; a++, b++) {
        int x = (unsigned char)*a, y = (unsigned char)*b;
        if (x >= 'A' && x <= 'Z') x += 'a' - 'A';
        if (y >= 'A' && y <= 'Z') y += 'a' - 'A';
        if (x != y || !x) return x - y;
    }
}

static pms_expr *node(ekind k)
{
    pms_expr *e = calloc(1, sizeof *e);
    if (e) e->kind = k;
    return e;
}

void pms_expr_free(pms_expr *e)
{
    if (!e) return;
    pms_expr_free(e->a);
    pms_expr_free(e->b);
    free(e->col);
    free(e);
}

static void skip(parser *ps)
{
    while (*ps->p == ' ' || *ps->p == '\t') ps->p++;
}

static pms_expr *fail(parser *ps, pms_status st, const char *what)
{
    if (ps->st == PMS_OK)
        ps->st = pms_err_set(ps->err, st, "expression '%s', at character %ld: %s", ps->src,
                             (long)(ps->p - ps->src) + 1, what);
    return NULL;
}

static pms_expr *parse_sum(parser *ps);

static int is_ident_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static int is_ident(char c) { return is_ident_start(c) || (c >= '0' && c <= '9'); }

static pms_expr *parse_atom(parser *ps)
{
    skip(ps);
    /* Deep nesting would exhaust the stack; no real expression needs this. */
    if (++ps->depth > 200) return fail(ps, PMS_EUSAGE, "nested too deeply");
    pms_expr *e = NULL;
    char c = *ps->p;
    if (c == '(') {
        ps->p++;
        e = parse_sum(ps);
        if (!e) return NULL;
        skip(ps);
        if (*ps->p != ')') {
            pms_expr_free(e);
            return fail(ps, PMS_EUSAGE, "expected ')'");
        }
        ps->p++;
    } else if (c == '-' || c == '+') {
        ps->p++;
        pms_expr *a = parse_atom(ps);
        if (!a) return NULL;
        if (c == '+') e = a;
        else {
            e = node(E_NEG);
            if (!e) {
                pms_expr_free(a);
                return fail(ps, PMS_ENOMEM, "out of memory");
            }
            e->a = a;
        }
    } else if ((c >= '0' && c <= '9') || c == '.') {
        const char *start = ps->p;
        while ((*ps->p >= '0' && *ps->p <= '9') || *ps->p == '.') ps->p++;
        if ((*ps->p == 'e' || *ps->p == 'E') &&
            ((ps->p[1] >= '0' && ps->p[1] <= '9') ||
             ((ps->p[1] == '-' || ps->p[1] == '+') && ps->p[2] >= '0' && ps->p[2] <= '9'))) {
            ps->p += 2;
            while (*ps->p >= '0' && *ps->p <= '9') ps->p++;
        }
        char buf[64];
        size_t len = (size_t)(ps->p - start);
        if (len >= sizeof buf) return fail(ps, PMS_EUSAGE, "number too long");
        memcpy(buf, start, len);
        buf[len] = '\0';
        double v;
        if (pms_parse_number(buf, &v) != PMS_NUM_OK) return fail(ps, PMS_EUSAGE, "bad number");
        e = node(E_NUM);
        if (!e) return fail(ps, PMS_ENOMEM, "out of memory");
        e->num = v;
    } else if (is_ident_start(c)) {
        const char *start = ps->p;
        while (is_ident(*ps->p)) ps->p++;
        size_t len = (size_t)(ps->p - start);
        skip(ps);
        if (*ps->p == '(') {
            static const struct { const char *name; efun f; } funs[] = {
                {"log", F_LOG}, {"exp", F_EXP}, {"sqrt", F_SQRT}, {"abs", F_ABS}};
            int fi = -1;
            for (int k = 0; k < 4; k++)
                if (strlen(funs[k].name) == len && !strncmp(funs[k].name, start, len)) fi = k;
            if (fi < 0) return fail(ps, PMS_EUSAGE, "unknown function (log, exp, sqrt, abs)");
            ps->p++;
            pms_expr *a = parse_sum(ps);
            if (!a) return NULL;
            skip(ps);
            if (*ps->p != ')') {
                pms_expr_free(a);
                return fail(ps, PMS_EUSAGE, "expected ')' after the function argument");
            }
            ps->p++;
            e = node(E_FUN);
            if (!e) {
                pms_expr_free(a);
                return fail(ps, PMS_ENOMEM, "out of memory");
            }
            e->fun = funs[fi].f;
            e->a = a;
        } else {
            e = node(E_COL);
            if (!e || !(e->col = malloc(len + 1))) {
                free(e);
                return fail(ps, PMS_ENOMEM, "out of memory");
            }
            memcpy(e->col, start, len);
            e->col[len] = '\0';
        }
    } else {
        return fail(ps, PMS_EUSAGE, c ? "unexpected character" : "unexpected end");
    }
    ps->depth--;
    return e;
}

static pms_expr *parse_product(parser *ps)
{
    pms_expr *l = parse_atom(ps);
    while (l) {
        skip(ps);
        char c = *ps->p;
        if (c != '*' && c != '/') break;
        ps->p++;
        pms_expr *r = parse_atom(ps);
        if (!r) {
            pms_expr_free(l);
            return NULL;
        }
        pms_expr *e = node(c == '*' ? E_MUL : E_DIV);
        if (!e) {
            pms_expr_free(l);
            pms_expr_free(r);
            return fail(ps, PMS_ENOMEM, "out of memory");
        }
        e->a = l;
        e->b = r;
        l = e;
    }
    return l;
}

static pms_expr *parse_sum(parser *ps)
{
    pms_expr *l = parse_product(ps);
    while (l) {
        skip(ps);
        char c = *ps->p;
        if (c != '+' && c != '-') break;
        ps->p++;
        pms_expr *r = parse_product(ps);
        if (!r) {
            pms_expr_free(l);
            return NULL;
        }
        pms_expr *e = node(c == '+' ? E_ADD : E_SUB);
        if (!e) {
            pms_expr_free(l);
            pms_expr_free(r);
            return fail(ps, PMS_ENOMEM, "out of memory");
        }
        e->a = l;
        e->b = r;
        l = e;
    }
    return l;
}

pms_status pms_expr_parse(const char *text, pms_expr **out, pms_err *err)
{
    parser ps = {text, text, err, PMS_OK, 0};
    *out = NULL;
    pms_expr *e = parse_sum(&ps);
    if (!e) return ps.st ? ps.st : pms_err_set(err, PMS_EUSAGE, "bad expression '%s'", text);
    skip(&ps);
    if (*ps.p) {
        pms_expr_free(e);
        fail(&ps, PMS_EUSAGE, "unexpected text after the expression");
        return ps.st;
    }
    *out = e;
    return PMS_OK;
}

/* Evaluate into v; `undef` marks rows that became missing by arithmetic. */
static pms_status eval(const pms_expr *e, const pms_table *t, double *v, unsigned char *undef,
                       pms_err *err)
{
    size_t n = t->nrows;
    switch (e->kind) {
    case E_NUM:
        for (size_t i = 0; i < n; i++) v[i] = e->num;
        return PMS_OK;
    case E_COL: {
        const double *c;
        pms_status st = pms_table_numeric(t, e->col, &c, err);
        if (st) return st;
        memcpy(v, c, n * sizeof *v);
        return PMS_OK;
    }
    default: break;
    }
    pms_status st = eval(e->a, t, v, undef, err);
    if (st) return st;
    if (e->kind == E_NEG) {
        for (size_t i = 0; i < n; i++) v[i] = -v[i];
        return PMS_OK;
    }
    if (e->kind == E_FUN) {
        for (size_t i = 0; i < n; i++) {
            double x = v[i];
            if (isnan(x)) continue;
            switch (e->fun) {
            case F_LOG: v[i] = x > 0 ? log(x) : NAN; break;
            case F_SQRT: v[i] = x >= 0 ? sqrt(x) : NAN; break;
            case F_EXP: v[i] = exp(x); break;
            case F_ABS: v[i] = fabs(x); break;
            }
            if (!isfinite(v[i])) {
                v[i] = NAN;
                undef[i] = 1;
            }
        }
        return PMS_OK;
    }
    double *w = malloc((n ? n : 1) * sizeof *w);
    if (!w) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    st = eval(e->b, t, w, undef, err);
    if (!st)
        for (size_t i = 0; i < n; i++) {
            double a = v[i], b = w[i], r;
            if (isnan(a) || isnan(b)) {
                v[i] = NAN;
                continue;
            }
            switch (e->kind) {
            case E_ADD: r = a + b; break;
            case E_SUB: r = a - b; break;
            case E_MUL: r = a * b; break;
            default: r = b != 0 ? a / b : NAN; break;
            }
            if (!isfinite(r)) {
                r = NAN;
                undef[i] = 1;
            }
            v[i] = r;
        }
    free(w);
    return st;
}

pms_status pms_expr_eval(const pms_expr *e, const pms_table *t, double *out,
                         size_t *n_undefined, pms_err *err)
{
    unsigned char *undef = calloc(t->nrows ? t->nrows : 1, 1);
    if (!undef) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    pms_status st = eval(e, t, out, undef, err);
    size_t k = 0;
    for (size_t i = 0; i < t->nrows; i++) k += undef[i] && isnan(out[i]);
    free(undef);
    if (n_undefined) *n_undefined = k;
    return st;
}

pms_status pms_derive_split(const char *spec, char *name, size_t cap, const char **expr,
                            pms_err *err)
{
    const char *eq = strchr(spec, '=');
    if (!eq) return pms_err_set(err, PMS_EUSAGE, "derive expression '%s': expected NAME=EXPRESSION", spec);
    const char *s = spec, *e = eq;
    while (*s == ' ') s++;
    while (e > s && e[-1] == ' ') e--;
    size_t len = (size_t)(e - s);
    if (len == 0 || len >= cap || !is_ident_start(*s))
        return pms_err_set(err, PMS_EUSAGE, "derive expression '%s': the name must be a letter followed "
                           "by letters, digits or '_'", spec);
    for (size_t i = 0; i < len; i++)
        if (!is_ident(s[i]))
            return pms_err_set(err, PMS_EUSAGE, "derive expression '%s': the name must be a letter "
                               "followed by letters, digits or '_'", spec);
    memcpy(name, s, len);
    name[len] = '\0';
    *expr = eq + 1;
    return PMS_OK;
}

pms_status pms_where_apply(const pms_table *t, const char *clause, unsigned char *keep,
                           pms_where_report *rep, pms_err *err)
{
    static const char *ops[] = {"!=", "<=", ">=", "==", "=", "<", ">"};
    memset(rep, 0, sizeof *rep);
    const char *best = NULL;
    int op = -1;
    for (const char *p = clause; *p && !best; p++)
        for (int k = 0; k < 7; k++)
            if (!strncmp(p, ops[k], strlen(ops[k]))) {
                best = p;
                op = k;
                break;
            }
    if (!best)
        return pms_err_set(err, PMS_EUSAGE, "where expression '%s': expected COLUMN OP VALUE with OP "
                           "one of = != < <= > >=", clause);
    char col[256], val[512];
    const char *s = clause, *e = best;
    while (*s == ' ') s++;
    while (e > s && e[-1] == ' ') e--;
    size_t len = (size_t)(e - s);
    if (len == 0 || len >= sizeof col)
        return pms_err_set(err, PMS_EUSAGE, "where expression '%s': missing column name", clause);
    memcpy(col, s, len);
    col[len] = '\0';
    s = best + strlen(ops[op]);
    while (*s == ' ') s++;
    snprintf(val, sizeof val, "%s", s);
    len = strlen(val);
    while (len && val[len - 1] == ' ') val[--len] = '\0';
    if (len >= 2 && (val[0] == '\'' || val[0] == '"') && val[len - 1] == val[0]) {
        memmove(val, val + 1, len - 2);
        val[len - 2] = '\0';
    }
    if (op == 3) op = 4; /* == is = */
    const pms_column *c = pms_table_col(t, col);
    if (!c) return pms_err_set(err, PMS_ENOTFOUND, "where expression '%s': no column '%s' in the data", clause, col);
    if (c->type == PMS_COL_NUM) {
        double x;
        if (pms_parse_number(val, &x) != PMS_NUM_OK)
            return pms_err_set(err, PMS_EUSAGE, "where expression '%s': '%s' is numeric, so the value "
                               "must be a number, not '%s'", clause, col, val);
        for (size_t i = 0; i < t->nrows; i++) {
            if (!keep[i]) continue;
            double v = c->num[i];
            if (isnan(v)) {
                keep[i] = 0;
                rep->n_missing++;
                continue;
            }
            int ok;
            switch (op) {
            case 0: ok = v != x; break;
            case 1: ok = v <= x; break;
            case 2: ok = v >= x; break;
            case 4: ok = v == x; break;
            case 5: ok = v < x; break;
            default: ok = v > x; break;
            }
            if (!ok) {
                keep[i] = 0;
                rep->n_failed++;
            }
        }
        return PMS_OK;
    }
    if (op != 0 && op != 4)
        return pms_err_set(err, PMS_EUSAGE, "where expression '%s': '%s' is text; only = and != apply",
                           clause, col);
    for (size_t i = 0; i < t->nrows; i++) {
        if (!keep[i]) continue;
        const char *v = c->text[i];
        if (!v) {
            keep[i] = 0;
            rep->n_missing++;
            continue;
        }
        /* Codes are stored upper-case; compare codes without regard to case. */
        int eq = strcasecmp_portable(v, val) == 0;
        if ((op == 4) != eq) {
            keep[i] = 0;
            rep->n_failed++;
        }
    }
    return PMS_OK;
}
