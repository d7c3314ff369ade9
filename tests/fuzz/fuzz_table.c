/* libFuzzer: typing, canonical names, the long-format pivot and the join.
 * The input is split at the first 0xFF byte into a practice table and a
 * second file that is left-joined to it.  The practice table is also typed
 * on two threads (pms_load_opts.threads = 2), which must give the same
 * table or the same error. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "io/table.h"

static int same_str(const char *a, const char *b) { return a == b || (a && b && !strcmp(a, b)); }

/* The one-thread and two-thread loads of the same bytes agree. */
static void check_two_threads(const uint8_t *data, size_t n, pms_status st1, const pms_table *a,
                              const pms_err *e1)
{
    pms_load_opts o;
    pms_load_opts_default(&o);
    o.threads = 2;
    pms_table *b = NULL;
    pms_err e2;
    pms_status st2 = pms_table_load_mem("left.csv", data, n, &o, &b, &e2);
    if (st1 != st2) abort();
    if (st1 != PMS_OK) {
        if (strcmp(e1->msg, e2.msg)) abort();
        return;
    }
    if (a->nrows != b->nrows || a->ncols != b->ncols) abort();
    if (a->nrows && memcmp(a->line, b->line, a->nrows * sizeof *a->line)) abort();
    for (size_t j = 0; j < a->ncols; j++) {
        const pms_column *x = &a->cols[j], *y = &b->cols[j];
        if (!same_str(x->name, y->name) || x->type != y->type || x->n_missing != y->n_missing ||
            x->bad_line != y->bad_line || !same_str(x->bad_value, y->bad_value))
            abort();
        if (x->type == PMS_COL_NUM) {
            /* By name: a column kept as integers has its doubles from then. */
            const double *u, *v;
            pms_err e;
            if (pms_table_numeric(a, x->name, &u, &e) || pms_table_numeric(b, y->name, &v, &e) ||
                (a->nrows && memcmp(u, v, a->nrows * sizeof *u)))
                abort();
            continue;
        }
        for (size_t i = 0; i < a->nrows; i++)
            if (!same_str(x->text[i], y->text[i])) abort();
    }
    pms_table_free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *cut = memchr(data, 0xFF, size);
    size_t n1 = cut ? (size_t)(cut - data) : size;
    pms_table *a = NULL, *b = NULL;
    pms_err err;
    pms_status st = pms_table_load_mem("left.csv", data, n1, NULL, &a, &err);
    check_two_threads(data, n1, st, a, &err);
    if (st != PMS_OK) return 0;
    if (cut && pms_table_load_mem("right.csv", cut + 1, size - n1 - 1, NULL, &b, &err) == PMS_OK)
        (void)pms_table_join(a, b, &err);
    (void)pms_table_derive_standard(a, &err);
    const double *v;
    for (size_t j = 0; j < a->ncols; j++) (void)pms_table_numeric(a, a->cols[j].name, &v, &err);
    pms_table_free(b);
    pms_table_free(a);
    return 0;
}
