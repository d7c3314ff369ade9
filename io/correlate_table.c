/* Correlations of table columns through the selection step (io/correlate_table.h). */
#include "io/correlate_table.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Everything a run allocates besides the result. */
typedef struct {
    const pms_corr_table_opts *o;
    pms_corr_table_result *R;
    size_t maxrows;
    double *bx, *by, *bw, *bz;   /* one group's cases */
} run;

void pms_corr_table_result_free(pms_corr_table_result *r)
{
    if (!r) return;
    free(r->rows);
    free(r->excluded);
    free(r->nexcluded);
    memset(r, 0, sizeof *r);
}

static size_t need(const pms_corr_table_opts *o)
{
    return o->ncontrol ? o->ncontrol + 4 : 3;
}

/* The selection for one y: x, y, the weight (> 0 or an error), the controls, by. */
static void spec_for(const pms_corr_table_opts *o, size_t j, pms_case_col *cols, pms_cases_spec *sp)
{
    size_t k = 0;
    cols[k++] = (pms_case_col){o->x, NULL, "x", 0, PMS_CASE_NUMBER};
    cols[k++] = (pms_case_col){o->y[j], NULL, "y", 0, PMS_CASE_NUMBER};
    if (o->weight) cols[k++] = (pms_case_col){o->weight, NULL, "weight", 0, PMS_CASE_POSITIVE_OR_FAIL};
    for (size_t c = 0; c < o->ncontrol; c++)
        cols[k++] = (pms_case_col){o->control[c], NULL, "control", c + 1, PMS_CASE_NUMBER};
    pms_cases_spec_default(sp);
    sp->cols = cols;
    sp->ncols = k;
    sp->group = o->by;
    sp->min_cases = need(o);
}

/* "only 2 practices have both 'a' and 'b': too few (need at least 3)" */
static pms_status too_few(const pms_corr_table_opts *o, size_t j, size_t n, pms_err *e)
{
    const char *also = o->weight || o->ncontrol ? " (and the weight/controls)" : "";
    if (n == 0)
        return pms_err_set(e, PMS_ETOOFEW, "no practice has both '%s' and '%s'%s", o->x, o->y[j], also);
    return pms_err_set(e, PMS_ETOOFEW, "only %zu practice%s %s both '%s' and '%s'%s: too few (need at "
                                       "least %zu)",
                       n, n == 1 ? "" : "s", n == 1 ? "has" : "have", o->x, o->y[j], also, need(o));
}

/* One method on one group's cases (in bx, by, bw, bz). */
static pms_status compute_row(run *R, size_t j, pms_corr_table_row *w, pms_err *e)
{
    const pms_corr_table_opts *o = R->o;
    pms_corr_opts co;
    pms_corr_opts_default(&co);
    co.method = w->method;
    co.ci_level = o->ci_level;
    co.x_name = o->x;
    co.y_name = o->y[j];
    co.control_names = o->ncontrol ? o->control : NULL;
    pms_status s;
    if (o->ncontrol)
        s = pms_corr_partial_test(R->bx, R->by, R->bz, o->ncontrol, w->n, &co, &w->r, e);
    else
        s = pms_corr_test(R->bx, R->by, o->weight ? R->bw : NULL, w->n, &co, &w->r, e);
    if (!s && o->boot) {
        if (o->progress) o->progress(o->progress_ctx, R->R->nrows, R->maxrows, o->boot);
        pms_corr_boot_opts bo = {o->boot, o->seed, o->threads, o->ci_level};
        s = pms_corr_bootstrap(R->bx, R->by, o->weight ? R->bw : NULL, w->n, w->method, &bo,
                               &w->boot, NULL, e);
        w->has_boot = s == PMS_OK;
    }
    if (s) return s;
    w->ok = 1;
    w->min_det = pms_corr_min_detectable(w->method, w->r.n_eff, w->r.ncontrols, 1 - o->ci_level,
                                         o->power);
    if (!isnan(o->delta)) w->tost = pms_corr_tost(&w->r, o->delta);
    return PMS_OK;
}

/* Every method for group g of y j.  Without `by` a failure is the call's
 * error; with `by` it is the row's reason. */
static pms_status group_rows(run *R, const pms_cases *cs, size_t j, size_t g, pms_err *err)
{
    const pms_corr_table_opts *o = R->o;
    size_t n = pms_cases_gather(cs, 0, g, R->bx, 1);
    pms_cases_gather(cs, 1, g, R->by, 1);
    if (o->weight) pms_cases_gather(cs, 2, g, R->bw, 1);
    for (size_t k = 0; k < o->ncontrol; k++)
        pms_cases_gather(cs, (o->weight ? 3 : 2) + k, g, R->bz + k, o->ncontrol);
    for (size_t m = 0; m < o->nmethods; m++) {
        pms_corr_table_row *w = &R->R->rows[R->R->nrows++];
        w->yi = j;
        w->group = cs->group_name[g];
        w->method = o->methods[m];
        w->n = n;
        w->n_excluded = cs->group_excluded[g];
        w->min_det = w->tost = w->p_adj = NAN;
        pms_err e = {{0}};
        pms_status s = cs->too_few[g] ? too_few(o, j, n, &e) : compute_row(R, j, w, &e);
        if (s == PMS_ENOMEM) return pms_err_set(err, s, "out of memory");
        if (!s) continue;
        if (!o->by) {
            pms_err_set(err, s, "%s vs %s (%s): %s", o->y[j], o->x, pms_corr_method_name(o->methods[m]),
                        e.msg);
            pms_err_about(err, e.role, e.index, e.column);
            return s;
        }
        snprintf(w->reason, sizeof w->reason, "cannot compute: %s", e.msg);
    }
    return PMS_OK;
}

/* Adjust across the whole family. */
static pms_status adjust_all(const pms_corr_table_opts *o, pms_corr_table_result *R, pms_err *err)
{
    size_t n = R->nrows ? R->nrows : 1;
    double *pv = malloc(n * sizeof *pv), *pa = malloc(n * sizeof *pa);
    pms_status st = pv && pa ? PMS_OK : pms_err_set(err, PMS_ENOMEM, "out of memory");
    for (size_t i = 0; i < R->nrows && !st; i++) pv[i] = R->rows[i].ok ? R->rows[i].r.p_value : NAN;
    if (!st) st = pms_p_adjust(pv, R->nrows, o->adjust, pa, err);
    for (size_t i = 0; i < R->nrows && !st; i++)
        R->rows[i].p_adj = o->adjust == PMS_ADJ_NONE ? NAN : pa[i];
    free(pv);
    free(pa);
    return st;
}

static pms_status one_y(run *R, const pms_table *t, size_t j, pms_err *err)
{
    const pms_corr_table_opts *o = R->o;
    pms_case_col cols[3 + PMS_CT_MAXCTL];
    pms_cases_spec sp;
    pms_cases cs;
    spec_for(o, j, cols, &sp);
    pms_status st = pms_cases_select(t, &sp, &cs, err);
    if (st) return st;
    if (!R->R->rows) {
        R->maxrows = o->ny * cs.ngroups * o->nmethods;
        if (!(R->R->rows = calloc(R->maxrows ? R->maxrows : 1, sizeof *R->R->rows)))
            st = pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    if (!st) R->R->nexcluded[j] = pms_cases_reasons(&cs, &sp, R->R->excluded[j], PMS_CT_MAXREASONS);
    for (size_t g = 0; g < cs.ngroups && !st; g++) st = group_rows(R, &cs, j, g, err);
    pms_cases_free(&cs);
    return st;
}

pms_status pms_corr_table(const pms_table *t, const pms_corr_table_opts *o,
                          pms_corr_table_result *out, pms_err *err)
{
    memset(out, 0, sizeof *out);
    if (!o || !o->x || !o->y || o->ny == 0 || !o->methods || o->nmethods == 0 ||
        o->ncontrol > PMS_CT_MAXCTL || (o->ncontrol && !o->control))
        return pms_err_set(err, PMS_EUSAGE, "correlations need x, at least one y and a method");
    size_t cap = t->nrows ? t->nrows : 1;
    run R = {o, out, 0, NULL, NULL, NULL, NULL};
    R.bx = malloc(cap * sizeof *R.bx);
    R.by = malloc(cap * sizeof *R.by);
    R.bw = malloc(cap * sizeof *R.bw);
    R.bz = malloc(cap * (o->ncontrol ? o->ncontrol : 1) * sizeof *R.bz);
    out->excluded = calloc(o->ny, sizeof *out->excluded);
    out->nexcluded = calloc(o->ny, sizeof *out->nexcluded);
    pms_status st = PMS_OK;
    if (!R.bx || !R.by || !R.bw || !R.bz || !out->excluded || !out->nexcluded)
        st = pms_err_set(err, PMS_ENOMEM, "out of memory");
    /* Every column first, in the order named, so that a missing one is the
     * error before any work is done. */
    const double *v;
    const char *const *g;
    if (!st) st = pms_table_numeric(t, o->x, &v, err);
    for (size_t j = 0; j < o->ny && !st; j++) st = pms_table_numeric(t, o->y[j], &v, err);
    if (!st && o->weight) st = pms_table_numeric(t, o->weight, &v, err);
    for (size_t j = 0; j < o->ncontrol && !st; j++) st = pms_table_numeric(t, o->control[j], &v, err);
    if (!st && o->by) st = pms_table_text(t, o->by, &g, err);
    for (size_t j = 0; j < o->ny && !st; j++) st = one_y(&R, t, j, err);
    if (!st) st = adjust_all(o, out, err);
    free(R.bx), free(R.by), free(R.bw), free(R.bz);
    if (st) pms_corr_table_result_free(out);
    return st;
}
