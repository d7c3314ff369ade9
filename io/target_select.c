/* Rows for the fair-shares analysis (see target_select.h). */
#include "io/target_select.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/expr.h"

int pms_tscope_parse(const char *s)
{
    if (!strcmp(s, "national")) return PMS_TSCOPE_NATIONAL;
    if (!strcmp(s, "region")) return PMS_TSCOPE_REGION;
    if (!strcmp(s, "locality")) return PMS_TSCOPE_LOCALITY;
    return -1;
}

const char *pms_tscope_name(pms_tscope s)
{
    return s == PMS_TSCOPE_REGION ? "region" : s == PMS_TSCOPE_LOCALITY ? "locality" : "national";
}

const char *pms_tscope_column(pms_tscope s)
{
    return s == PMS_TSCOPE_REGION ? "region_code" : s == PMS_TSCOPE_LOCALITY ? "ccg_code" : NULL;
}

void pms_target_rows_free(pms_target_rows *r)
{
    if (!r) return;
    free(r->row), free(r->actual), free(r->need_units), free(r->need), free(r->imd);
    free(r->pool), free(r->pool_name), free(r->loc), free(r->loc_name);
    memset(r, 0, sizeof *r);
}

/* The need expression: a named alternative spelled out, else the text as given. */
static void need_expression(const pms_target_spec *s, char *buf, size_t cap)
{
    if (!strcmp(s->need, "registered"))
        snprintf(buf, cap, "registered_patients");
    else if (!strcmp(s->need, "weighted"))
        snprintf(buf, cap, "weighted_patients");
    else if (!strcmp(s->need, "weighted_imd"))
        /* W x IMD^e; the constant that would make it a relative uplift
         * (divide by the mean IMD^e) cancels in pot x need / sum need. */
        snprintf(buf, cap, "weighted_patients * exp(%.17g * log(%s))", s->elasticity,
                 s->imd ? s->imd : "imd2015");
    else
        snprintf(buf, cap, "%s", s->need);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* idx[i] = position of names[i] among the k sorted distinct names (written
 * to names' first k entries of *uniq, a new array). */
static pms_status index_names(const char **names, size_t n, size_t *idx, const char ***uniq,
                              size_t *k)
{
    const char **u = malloc((n ? n : 1) * sizeof *u);
    if (!u) return PMS_ENOMEM;
    memcpy(u, names, n * sizeof *u);
    qsort(u, n, sizeof *u, cmp_str);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (m == 0 || strcmp(u[i], u[m - 1])) u[m++] = u[i];
    for (size_t i = 0; i < n; i++) {
        const char **hit = bsearch(&names[i], u, m, sizeof *u, cmp_str);
        idx[i] = (size_t)(hit - u);
    }
    *uniq = u;
    *k = m;
    return PMS_OK;
}

static pms_status eval_need(const pms_table *t, const char *expr, double *need, pms_err *err)
{
    pms_expr *e = NULL;
    pms_status st = pms_expr_parse(expr, &e, err);
    size_t undef = 0;
    if (!st) st = pms_expr_eval(e, t, need, &undef, err);
    pms_expr_free(e);
    if (st) {
        char msg[sizeof err->msg];
        snprintf(msg, sizeof msg, "%s", err->msg);
        return pms_err_set(err, st, "need expression '%s': %s", expr, msg);
    }
    return PMS_OK;
}

static int is_blank(const char *s) { return !s || !s[0]; }

pms_status pms_target_rows_select(const pms_table *t, const pms_target_spec *s,
                                  pms_target_rows *r, pms_err *err)
{
    memset(r, 0, sizeof *r);
    need_expression(s, r->need_expr, sizeof r->need_expr);
    const double *v, *imd = NULL;
    const char *const *loc, *const *pool = NULL;
    pms_status st = pms_table_numeric(t, s->value, &v, err);
    if (!st) st = pms_table_text(t, "ccg_code", &loc, err);
    if (!st && pms_tscope_column(s->scope))
        st = pms_table_text(t, pms_tscope_column(s->scope), &pool, err);
    if (!st && s->imd) st = pms_table_numeric(t, s->imd, &imd, err);
    if (st) return st;
    size_t N = t->nrows ? t->nrows : 1;
    double *need = malloc(N * sizeof *need);
    const char **lname = malloc(N * sizeof *lname), **pname = malloc(N * sizeof *pname);
    r->rows = t->nrows;
    r->row = malloc(N * sizeof *r->row);
    r->actual = malloc(N * sizeof *r->actual);
    r->need_units = malloc(N * sizeof *r->need_units);
    r->need = malloc(N * sizeof *r->need);
    r->imd = imd ? malloc(N * sizeof *r->imd) : NULL;
    r->loc = malloc(N * sizeof *r->loc);
    r->pool = pool ? malloc(N * sizeof *r->pool) : NULL;
    if (!need || !lname || !pname || !r->row || !r->actual || !r->need_units || !r->need ||
        (imd && !r->imd) || !r->loc || (pool && !r->pool)) {
        st = pms_err_set(err, PMS_ENOMEM, "out of memory");
        goto done;
    }
    if ((st = eval_need(t, r->need_expr, need, err))) goto done;
    for (size_t i = 0; i < t->nrows; i++) {
        /* Each excluded practice counted once, under the first reason met. */
        if (isnan(v[i])) { r->missing_value++; continue; }
        /* Beyond these, pence or millionths would overflow 64 bits. */
        if (!(fabs(v[i]) <= 1e12)) { r->huge_value++; continue; }
        if (isnan(need[i])) { r->missing_need++; continue; }
        /* Need below half a millionth would round to nothing. */
        if (!(need[i] * PMS_TARGET_NEED_SCALE >= 0.5)) { r->nonpositive_need++; continue; }
        if (!(need[i] <= 1e9)) { r->huge_need++; continue; }
        if (is_blank(loc[i])) { r->missing_locality++; continue; }
        if (pool && is_blank(pool[i])) { r->missing_pool++; continue; }
        r->row[r->n] = i;
        r->actual[r->n] = llround(v[i] * 100);
        r->need[r->n] = need[i];
        r->need_units[r->n] = llround(need[i] * PMS_TARGET_NEED_SCALE);
        if (imd) r->imd[r->n] = imd[i];
        lname[r->n] = loc[i];
        if (pool) pname[r->n] = pool[i];
        r->n++;
    }
    if ((st = index_names(lname, r->n, r->loc, &r->loc_name, &r->nloc))) goto oom;
    if (pool && (st = index_names(pname, r->n, r->pool, &r->pool_name, &r->npool))) goto oom;
    if (!pool) r->npool = 1;
    goto done;
oom:
    st = pms_err_set(err, PMS_ENOMEM, "out of memory");
done:
    free(need), free(lname), free(pname);
    if (st) pms_target_rows_free(r);
    return st;
}

void pms_target_rows_input(const pms_target_rows *r, pms_target_input *in)
{
    memset(in, 0, sizeof *in);
    in->n = r->n;
    in->actual = r->actual;
    in->need_units = r->need_units;
    in->pool = r->pool;
    in->npool = r->npool;
    in->pool_name = r->pool_name;
    in->loc = r->loc;
    in->nloc = r->nloc;
    in->imd = r->imd;
}

size_t pms_target_rows_find_locality(const pms_target_rows *r, const char *code)
{
    if (!code) return (size_t)-1;
    for (size_t l = 0; l < r->nloc; l++)
        if (!strcmp(r->loc_name[l], code)) return l;
    return (size_t)-1;
}

/* A locality's name from the table (ccg_name), or NULL. */
static const char *loc_label(const pms_table *t, const pms_target_rows *r, size_t l)
{
    const char *const *code, *const *name;
    pms_err ignore;
    if (pms_table_text(t, "ccg_code", &code, &ignore) ||
        pms_table_text(t, "ccg_name", &name, &ignore))
        return NULL;
    for (size_t k = 0; k < r->n; k++)
        if (r->loc[k] == l) return name[r->row[k]];
    return NULL;
}

static double pounds(int64_t p) { return (double)p / 100.0; }

pms_out *pms_target_out_practices(const pms_table *t, const pms_target_rows *r,
                                  const pms_target_result *res, const char *lead)
{
    pms_out *o = pms_out_new("practices", "Practices: actual against fair share");
    if (!o) return NULL;
    const char *const *code = NULL, *const *name = NULL;
    pms_err ignore;
    pms_table_text(t, "practice_code", &code, &ignore);
    pms_table_text(t, "practice_name", &name, &ignore);
    int c0 = pms_out_col(o, "practice_code", PMS_OUT_TEXT, 0),
        c1 = pms_out_col(o, "practice_name", PMS_OUT_TEXT, 0),
        c2 = pms_out_col(o, "locality", PMS_OUT_TEXT, 0),
        c3 = pms_out_col(o, "need", PMS_OUT_REAL, 2),
        c4 = pms_out_col(o, "actual", PMS_OUT_MONEY, 2),
        c5 = pms_out_col(o, "target", PMS_OUT_MONEY, 2),
        c6 = pms_out_col(o, "distance", PMS_OUT_MONEY, 2),
        c7 = pms_out_col(o, "distance_pct", PMS_OUT_PCT, 2),
        c8 = r->imd ? pms_out_col(o, "imd", PMS_OUT_REAL, 2) : 0;
    if (c0 < 0 || c1 < 0 || c2 < 0 || c3 < 0 || c4 < 0 || c5 < 0 || c6 < 0 || c7 < 0 || c8 < 0) {
        pms_out_free(o);
        return NULL;
    }
    size_t lead_l = pms_target_rows_find_locality(r, lead);
    /* Two passes: the lead locality's practices first, then the rest, each
     * in table order. */
    for (int pass = 0; pass < 2; pass++)
        for (size_t k = 0; k < r->n; k++) {
            int in_lead = r->loc[k] == lead_l;
            if ((pass == 0) != in_lead) continue;
            if (pms_out_row(o)) {
                pms_out_free(o);
                return NULL;
            }
            size_t i = r->row[k];
            pms_out_set_text(o, c0, code ? code[i] : NULL);
            pms_out_set_text(o, c1, name ? name[i] : NULL);
            pms_out_set_text(o, c2, r->loc_name[r->loc[k]]);
            pms_out_set_num(o, c3, r->need[k]);
            pms_out_set_num(o, c4, pounds(r->actual[k]));
            pms_out_set_num(o, c5, pounds(res->target[k]));
            pms_out_set_num(o, c6, pounds(res->distance[k]));
            pms_out_set_num(o, c7, res->distance_pct[k]);
            if (r->imd) pms_out_set_num(o, c8, r->imd[k]);
        }
    pms_out_footnote(o, "distance = actual - target: positive = more than the fair share "
                        "(over target), negative = less; distance_pct = distance / target.");
    return o;
}

pms_out *pms_target_out_localities(const pms_table *t, const pms_target_rows *r,
                                   const pms_target_result *res, const char *lead)
{
    pms_out *o = pms_out_new("localities", "Localities: practices' actual and fair shares summed");
    if (!o) return NULL;
    int c0 = pms_out_col(o, "locality", PMS_OUT_TEXT, 0),
        c1 = pms_out_col(o, "locality_name", PMS_OUT_TEXT, 0),
        c2 = pms_out_col(o, "practices", PMS_OUT_INT, 0),
        c3 = pms_out_col(o, "actual", PMS_OUT_MONEY, 2),
        c4 = pms_out_col(o, "target", PMS_OUT_MONEY, 2),
        c5 = pms_out_col(o, "distance", PMS_OUT_MONEY, 2),
        c6 = pms_out_col(o, "distance_pct", PMS_OUT_PCT, 2);
    if (c0 < 0 || c1 < 0 || c2 < 0 || c3 < 0 || c4 < 0 || c5 < 0 || c6 < 0) {
        pms_out_free(o);
        return NULL;
    }
    size_t lead_l = pms_target_rows_find_locality(r, lead);
    for (size_t j = 0; j <= r->nloc; j++) {
        /* j = 0 is the lead locality (if any); the rest in code order. */
        size_t l = j == 0 ? lead_l : j - 1;
        if (l >= r->nloc || (j > 0 && l == lead_l)) continue;
        if (pms_out_row(o)) {
            pms_out_free(o);
            return NULL;
        }
        pms_out_set_text(o, c0, r->loc_name[l]);
        pms_out_set_text(o, c1, loc_label(t, r, l));
        pms_out_set_int(o, c2, (long long)res->loc_n[l]);
        pms_out_set_num(o, c3, pounds(res->loc_actual[l]));
        pms_out_set_num(o, c4, pounds(res->loc_target[l]));
        pms_out_set_num(o, c5, pounds(res->loc_actual[l] - res->loc_target[l]));
        pms_out_set_num(o, c6, res->loc_distance_pct[l]);
    }
    return o;
}

pms_out *pms_target_out_pools(const pms_target_rows *r, const pms_target_result *res,
                              pms_tscope scope)
{
    pms_out *o = pms_out_new("pools", "Pots: each scope's money and its fair shares");
    if (!o) return NULL;
    int c0 = pms_out_col(o, "pool", PMS_OUT_TEXT, 0),
        c1 = pms_out_col(o, "practices", PMS_OUT_INT, 0),
        c2 = pms_out_col(o, "pot", PMS_OUT_MONEY, 2),
        c3 = pms_out_col(o, "target_total", PMS_OUT_MONEY, 2);
    int64_t *tt = calloc(r->npool, sizeof *tt);
    if (c0 < 0 || c1 < 0 || c2 < 0 || c3 < 0 || !tt) {
        free(tt);
        pms_out_free(o);
        return NULL;
    }
    /* Summed again here, from the practice targets, so that the table shows
     * the reconciliation rather than restating the pot. */
    for (size_t k = 0; k < r->n; k++) tt[r->pool ? r->pool[k] : 0] += res->target[k];
    for (size_t p = 0; p < r->npool; p++) {
        if (pms_out_row(o)) break;
        pms_out_set_text(o, c0, r->pool ? r->pool_name[p] : "England");
        pms_out_set_int(o, c1, (long long)res->pool_n[p]);
        pms_out_set_num(o, c2, pounds(res->pool_pot[p]));
        pms_out_set_num(o, c3, pounds(tt[p]));
    }
    free(tt);
    pms_out_footnote(o, "Scope %s: each pool's pot is the total of its practices' actual money "
                        "and is shared by need in whole pence (largest remainder), so "
                        "target_total equals pot to the penny.",
                     pms_tscope_name(scope));
    return o;
}

pms_out *pms_target_out_excluded(pms_table *t, const pms_target_rows *r,
                                 const pms_target_spec *s)
{
    int k[3];
    pms_out *o = pms_out_new_excluded(k);
    if (!o) return NULL;
    int cr = k[0], cc = k[1], cn = k[2];
    const struct { size_t n; const char *reason, *col; } why[] = {
        {r->missing_value, "missing value", s->value},
        {r->huge_value, "value beyond +/- 1e12", s->value},
        {r->missing_need, "need missing or undefined", r->need_expr},
        {r->nonpositive_need, "need not positive", r->need_expr},
        {r->huge_need, "need above 1e9", r->need_expr},
        {r->missing_locality, "no locality", "ccg_code"},
        {r->missing_pool, "no region", "region_code"},
    };
    for (size_t j = 0; j < sizeof why / sizeof why[0]; j++) {
        if (!why[j].n) continue;
        if (pms_out_row(o)) break;
        pms_out_set_text(o, cr, why[j].reason);
        pms_out_set_text(o, cc, why[j].col);
        pms_out_set_int(o, cn, (long long)why[j].n);
        pms_table_note(t, "target_excluded", why[j].n, "target: %zu practice%s excluded: %s (%s)",
                       why[j].n, why[j].n == 1 ? "" : "s", why[j].reason, why[j].col);
    }
    pms_out_footnote(o, "%zu of %zu practices used. Each excluded practice is counted once, under "
                        "the first reason in the order listed.",
                     r->n, r->rows);
    return o;
}
