/* Inequality and concentration of a column of a table (io/fairness_table.h). */
#include "io/fairness_table.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static pms_status select_rows(const pms_fair_table_opts *a, const pms_table *t, pms_fair_table *s,
                               pms_err *err)
{
    pms_case_col *cols = s->cols;
    pms_cases_spec *sp = &s->spec;
    size_t k = 0, kw = 0, kr = 0;
    cols[k++] = (pms_case_col){a->value, NULL, "value", 0, PMS_CASE_POSITIVE};
    if (a->weight) cols[kw = k++] = (pms_case_col){a->weight, NULL, "weight", 0, PMS_CASE_POSITIVE};
    if (a->rank) cols[kr = k++] = (pms_case_col){a->rank, NULL, "rank", 0, PMS_CASE_OPTIONAL};
    pms_cases_spec_default(sp);
    sp->cols = cols;
    sp->ncols = k;
    sp->group = a->group;
    sp->groups_of_cases = 1; /* a group none of whose practices is kept does not exist */
    pms_status st = pms_cases_select(t, sp, &s->cs, err);
    if (st) return st;
    const pms_cases *c = &s->cs;
    s->rows = c->nrows;
    s->n = c->n;
    s->missing_value = c->missing[0];
    s->nonpositive_value = c->nonpositive[0];
    s->missing_weight = a->weight ? c->missing[kw] : 0;
    s->nonpositive_weight = a->weight ? c->nonpositive[kw] : 0;
    s->missing_group = c->no_group;
    s->missing_rank = a->rank ? c->optional_missing[kr] : 0;
    s->x = c->col[0];
    s->w = a->weight ? c->col[kw] : NULL;
    s->r = a->rank ? c->col[kr] : NULL;
    s->g = a->group ? c->group : NULL;
    s->gname = a->group ? c->group_name : NULL;
    s->ngroups = a->group ? c->ngroups : 0;
    return PMS_OK;
}

/* The concentration index over the kept practices that have a ranking value. */
static pms_status concentration(const pms_fair_table_opts *a, pms_fair_table *f, pms_err *err)
{
    const pms_fair_table *s = f;
    double *xr = malloc(s->n * sizeof *xr), *wr = malloc(s->n * sizeof *wr),
           *rr = malloc(s->n * sizeof *rr);
    pms_status st = PMS_OK;
    size_t m = 0;
    if (!xr || !wr || !rr) st = pms_err_set(err, PMS_ENOMEM, "out of memory");
    for (size_t i = 0; i < s->n && !st; i++) {
        if (isnan(s->r[i])) continue;
        xr[m] = s->x[i];
        wr[m] = s->w ? s->w[i] : 1.0;
        rr[m] = s->r[i];
        m++;
    }
    f->conc_n = m;
    if (!st) st = pms_conc_compute(xr, wr, rr, m, PMS_RANK_DESCENDING, a->ci_level, &f->conc, err);
    if (st == PMS_ETOOFEW)
        pms_err_set(err, st, "only %zu practices have %s: too few for a concentration index", m,
                    a->rank);
    if (!st) f->has_conc = 1;
    free(xr);
    free(wr);
    free(rr);
    return st;
}

/* The measures: the summary, the Lorenz curve at 101 points, the groups,
 * the concentration index over the practices with a ranking value, and the
 * bootstrap. */
static pms_status compute(const pms_fair_table_opts *a, pms_fair_table *f, pms_err *err)
{
    const pms_fair_table *s = f;
    pms_ineq_group **grp = &f->groups;
    pms_status st;
    if ((st = pms_ineq_summarise(s->x, s->w, s->g, s->ngroups, s->n, &f->s, err))) return st;
    double *P = malloc((s->n + 1) * sizeof *P), *L = malloc((s->n + 1) * sizeof *L);
    st = P && L ? pms_ineq_lorenz(s->x, s->w, s->n, P, L, err)
                : pms_err_set(err, PMS_ENOMEM, "out of memory");
    for (size_t k = 0; k <= 100 && !st; k++) {
        f->lp[k] = (double)k / 100;
        f->ll[k] = pms_ineq_lorenz_at(P, L, s->n + 1, f->lp[k]);
    }
    free(P);
    free(L);
    if (!st && a->group) {
        if (!(*grp = malloc(s->ngroups * sizeof **grp))) return pms_err_set(err, PMS_ENOMEM, "out of memory");
        st = pms_ineq_groups(s->x, s->w, s->g, s->ngroups, s->n, *grp, err);
    }
    if (!st && a->rank) st = concentration(a, f, err);
    if (!st && a->bootstrap) {
        pms_fair_boot_opts bo = {a->bootstrap, (uint64_t)a->seed, a->threads, a->ci_level,
                                 s->r, PMS_RANK_DESCENDING, NULL, NULL};
        if (!(st = pms_fair_bootstrap(s->x, s->w, s->n, &bo, &f->boot, err))) f->has_boot = 1;
    }
    return st;
}

pms_status pms_fair_table_compute(const pms_table *t, const pms_fair_table_opts *o,
                                  pms_fair_table *out, pms_err *err)
{
    memset(out, 0, sizeof *out);
    if (!o || !o->value) return pms_err_set(err, PMS_EUSAGE, "fairness needs a value column");
    pms_status st = select_rows(o, t, out, err);
    if (!st && out->n < 2)
        st = pms_err_set(err, PMS_ETOOFEW,
                         "only %zu of %zu practices have a positive %s%s%s: too few (need 2)",
                         out->n, out->rows, o->value, o->weight ? " and weight" : "",
                         o->group ? " and a group" : "");
    if (!st) st = compute(o, out, err);
    if (st) pms_fair_table_free(out);
    return st;
}

void pms_fair_table_free(pms_fair_table *f)
{
    if (!f) return;
    pms_cases_free(&f->cs);
    free(f->groups);
    memset(f, 0, sizeof *f);
}
