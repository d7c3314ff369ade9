/* From the practice table to the arrays pms_target_compute takes: the need
 * (a column, an expression or a named alternative), the money in pence, the
 * pools of the scope and the localities, with every excluded practice counted
 * under its reason.  Shared by `pmsreview target` and the report's section. */
#ifndef PMS_IO_TARGET_SELECT_H
#define PMS_IO_TARGET_SELECT_H

#include <stddef.h>
#include <stdint.h>

#include "analysis/target.h"
#include "io/out.h"
#include "io/table.h"

typedef enum { PMS_TSCOPE_NATIONAL = 0, PMS_TSCOPE_REGION, PMS_TSCOPE_LOCALITY } pms_tscope;

/* Default deprivation elasticity of the weighted_imd need: illustrative, not
 * taken from any published formula (doc/methods/fair-shares.md). */
#define PMS_TARGET_DEFAULT_ELASTICITY 0.2

typedef struct {
    const char *need;       /* column, expression, or registered | weighted | weighted_imd */
    const char *value;      /* money column (pounds) */
    pms_tscope scope;
    const char *imd;        /* deprivation column (NULL: none) */
    double elasticity;      /* for weighted_imd */
} pms_target_spec;

typedef struct {
    size_t rows, n;
    size_t *row;            /* n: table row of each practice kept */
    int64_t *actual;        /* n pence */
    int64_t *need_units;    /* n millionths */
    double *need;           /* n */
    double *imd;            /* n (NaN missing), NULL without an IMD column */
    size_t *pool, npool;    /* NULL for national */
    const char **pool_name; /* npool, borrowed from the table */
    size_t *loc, nloc;
    const char **loc_name;  /* nloc, sorted, borrowed from the table */
    char need_expr[512];    /* the expression the need was computed from */
    size_t missing_value, huge_value, missing_need, nonpositive_need, huge_need;
    size_t missing_locality, missing_pool;
} pms_target_rows;

/* "national", "region", "locality" <-> scope; -1 if unknown. */
int pms_tscope_parse(const char *s);
const char *pms_tscope_name(pms_tscope s);
/* The pool column of a scope (NULL for national). */
const char *pms_tscope_column(pms_tscope s);

pms_status pms_target_rows_select(const pms_table *t, const pms_target_spec *s,
                                  pms_target_rows *out, pms_err *err);
void pms_target_rows_free(pms_target_rows *r);

/* Fill the library's input from the rows (pointers borrowed). */
void pms_target_rows_input(const pms_target_rows *r, pms_target_input *in);

/* Output tables (io/out.h), shared by the command and the report.  lead: a
 * locality code to put first (NULL: none); t gives practice codes and names.
 *   practices:  practice_code, practice_name, locality, need, actual, target,
 *               distance, distance_pct[, imd]
 *   localities: locality, locality_name, practices, actual, target, distance,
 *               distance_pct
 *   pools:      pool, practices, pot, target_total (the reconciliation)
 *   excluded:   reason, column, practices (also noted on t for provenance) */
pms_out *pms_target_out_practices(const pms_table *t, const pms_target_rows *r,
                                  const pms_target_result *res, const char *lead);
pms_out *pms_target_out_localities(const pms_table *t, const pms_target_rows *r,
                                   const pms_target_result *res, const char *lead);
pms_out *pms_target_out_pools(const pms_target_rows *r, const pms_target_result *res,
                              pms_tscope scope);
pms_out *pms_target_out_excluded(pms_table *t, const pms_target_rows *r,
                                 const pms_target_spec *s);

/* Index of locality `code` among r->loc_name, or (size_t)-1. */
size_t pms_target_rows_find_locality(const pms_target_rows *r, const char *code);

#endif
