/* --derive and --where expressions.
 *
 * --derive NAME=EXPR: EXPR is arithmetic over numeric columns: numbers,
 * column names, + - * /, unary minus, parentheses and the functions log (natural),
 * exp, sqrt, abs.  A missing operand, division by zero or log/sqrt outside
 * the domain gives a missing value, counted so the caller can report it.
 *
 * --where COLUMN OP VALUE with OP one of = == != < <= > >=: on a numeric column
 * VALUE is a number; on a text column only = and != are allowed and VALUE is
 * compared exactly (surrounding spaces and quotes removed).  A row whose
 * COLUMN is missing does not satisfy the clause. */
#ifndef PMS_EXPR_H
#define PMS_EXPR_H

#include <stddef.h>

#include "base/status.h"
#include "io/table.h"

typedef struct pms_expr pms_expr;

pms_status pms_expr_parse(const char *text, pms_expr **out, pms_err *err);
void pms_expr_free(pms_expr *e);

/* Evaluate for every row of t into out[t->nrows]; *n_undefined counts rows
 * whose value is missing although every column it reads was present
 * (division by zero, log of a non-positive number). */
pms_status pms_expr_eval(const pms_expr *e, const pms_table *t, double *out,
                         size_t *n_undefined, pms_err *err);

/* Split "NAME=EXPR"; name must be a valid identifier. */
pms_status pms_derive_split(const char *spec, char *name, size_t cap, const char **expr,
                            pms_err *err);

typedef struct {
    size_t n_failed;    /* rows with the column present that did not satisfy it */
    size_t n_missing;   /* rows where the column was missing */
} pms_where_report;

/* AND the clause into keep[t->nrows] (rows already 0 stay 0; counts cover
 * rows still kept before this clause). */
pms_status pms_where_apply(const pms_table *t, const char *clause, unsigned char *keep,
                           pms_where_report *rep, pms_err *err);

#endif
