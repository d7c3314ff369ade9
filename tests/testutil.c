#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int pms_test_numeric_strict(void)
{
    /* valgrind preloads its vgpreload_*.so into the program it runs. */
    const char *p = getenv("LD_PRELOAD");
    return !(p && strstr(p, "vgpreload"));
}

/* Under valgrind the tolerances below 1e-6 are widened to 1e-6: its x87
 * emulation keeps 64-bit, not 80-bit, long doubles, so the library's
 * extended-precision paths lose their extra digits there.  Memory errors are
 * what valgrind checks; ctest checks the numbers at full tolerance. */
static double effective_tol(double tol)
{
    return !pms_test_numeric_strict() && tol < 1e-6 ? 1e-6 : tol;
}

void pms_assert_rel(double got, double want, double tol, const char *expr,
                    const char *file, int line)
{
    tol = effective_tol(tol);
    double scale = fabs(want) > 1e-300 ? fabs(want) : 1e-300;
    if (!(fabs(got - want) <= tol * scale) && !(isnan(got) && isnan(want))) {
        print_error("%s:%d: %s = %.17g, want %.17g (rel tol %g)\n", file, line, expr, got,
                    want, tol);
        _fail(file, line);
    }
}

void pms_assert_abs(double got, double want, double tol, const char *expr,
                    const char *file, int line)
{
    tol = effective_tol(tol);
    if (!(fabs(got - want) <= tol) && !(isnan(got) && isnan(want))) {
        print_error("%s:%d: %s = %.17g, want %.17g (abs tol %g)\n", file, line, expr, got,
                    want, tol);
        _fail(file, line);
    }
}

double pms_lre(double got, double want)
{
    double d = fabs(got - want);
    if (d == 0) return 15.0;
    double l = want != 0 ? -log10(d / fabs(want)) : -log10(d);
    return l > 15.0 ? 15.0 : l;
}

char *pms_test_path(const char *root, const char *rel)
{
    size_t n = strlen(root) + strlen(rel) + 2;
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s/%s", root, rel);
    return p;
}

char *pms_test_slurp_n(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        print_error("cannot open %s\n", path);
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    if (buf) buf[n] = '\0';
    if (buf && len) *len = (size_t)n;
    fclose(f);
    return buf;
}

char *pms_test_slurp(const char *path) { return pms_test_slurp_n(path, NULL); }

double pms_ref_value(const char *text, const char *key)
{
    size_t k = strlen(key);
    const char *p = text;
    while (p && *p) {
        if (strncmp(p, key, k) == 0 && (p[k] == ' ' || p[k] == '\t'))
            return strtod(p + k, NULL);
        p = strchr(p, '\n');
        if (p) p++;
    }
    print_error("reference key not found: %s\n", key);
    fail();
    return NAN;
}

pms_table *pms_test_open_2014_imd(const char *where)
{
    char *pay = pms_test_path(PMS_DATASETS_DIR, "nhs-payments/nhs-payments-gp-2014-15.csv");
    char *imd = pms_test_path(PMS_DATASETS_DIR, "practice-imd/practice-imd-fingertips-93553.csv");
    const char *data[] = {pay, imd};
    const char *w[] = {where};
    pms_data_opts o = {data, 2, NULL, 0, where ? w : NULL, where ? 1 : 0};
    pms_table *t = NULL;
    pms_err err = {{0}};
    pms_status s = pms_dataset_open(&o, &t, &err);
    free(pay);
    free(imd);
    if (s != PMS_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return NULL;
    }
    return t;
}

void pms_test_printf(pms_test_buf *b, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        assert_true(n >= 0);
        if ((size_t)n < b->cap - b->len) {
            b->len += (size_t)n;
            return;
        }
        b->cap = b->cap ? 2 * b->cap : 1 << 16;
        b->s = realloc(b->s, b->cap);
        assert_non_null(b->s);
    }
}

void pms_test_same_table(const pms_table *a, const pms_table *b, int state)
{
    pms_err err = {{0}};
    assert_int_equal(a->nrows, b->nrows);
    assert_int_equal(a->ncols, b->ncols);
    assert_int_equal(a->nsources, b->nsources);
    assert_int_equal(a->nnotes, b->nnotes);
    assert_true(!a->line == !b->line);
    if (a->line) assert_memory_equal(a->line, b->line, a->nrows * sizeof *a->line);
    for (size_t s = 0; s < a->nsources; s++) {
        assert_string_equal(a->sources[s].path, b->sources[s].path);
        assert_string_equal(a->sources[s].sha256, b->sources[s].sha256);
        assert_int_equal(a->sources[s].bytes, b->sources[s].bytes);
        assert_int_equal(a->sources[s].rows, b->sources[s].rows);
        assert_int_equal(a->sources[s].columns, b->sources[s].columns);
        assert_int_equal(a->sources[s].latin1, b->sources[s].latin1);
        assert_int_equal(a->sources[s].bom, b->sources[s].bom);
        assert_int_equal(a->sources[s].long_format, b->sources[s].long_format);
    }
    for (size_t i = 0; i < a->nnotes; i++) {
        assert_string_equal(a->notes[i].what, b->notes[i].what);
        assert_string_equal(a->notes[i].detail, b->notes[i].detail);
        assert_int_equal(a->notes[i].count, b->notes[i].count);
    }
    for (size_t j = 0; j < a->ncols; j++) {
        const pms_column *x = &a->cols[j], *y = &b->cols[j];
        assert_string_equal(x->name, y->name);
        assert_true(!x->header == !y->header);
        if (x->header) assert_string_equal(x->header, y->header);
        assert_int_equal(x->source, y->source);
        assert_int_equal(x->field, y->field);
        assert_int_equal(x->type, y->type);
        assert_int_equal(x->n_missing, y->n_missing);
        assert_int_equal(x->bad_line, y->bad_line);
        assert_true(!x->bad_value == !y->bad_value);
        if (x->bad_value) assert_string_equal(x->bad_value, y->bad_value);
        assert_true(!x->lazy == !y->lazy);
        if (state) assert_true(!x->num == !y->num); /* computed in both or in neither */
        assert_true(!x->text == !y->text);
        for (size_t i = 0; x->text && i < a->nrows; i++) {
            assert_true(!x->text[i] == !y->text[i]);
            if (x->text[i]) assert_string_equal(x->text[i], y->text[i]);
        }
        if (x->type != PMS_COL_NUM) continue;
        const double *u, *v;
        assert_int_equal(pms_table_numeric(a, x->name, &u, &err), PMS_OK);
        assert_int_equal(pms_table_numeric(b, y->name, &v, &err), PMS_OK);
        assert_memory_equal(u, v, a->nrows * sizeof *u);
    }
}
