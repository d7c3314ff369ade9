/* Inequality and concentration of a column of a table, and the output tables
 * (io/fairness_table.h). */
#include "io/fairness_table.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
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

/* ------------------------------------------------------------ output */

static int col(pms_out *o, const char *k, pms_outkind kind, int dec)
{
    return pms_out_col(o, k, kind, dec);
}

static const char *sign_note(void)
{
    return "concentration index: practices ranked from the highest to the lowest ranking value "
           "(IMD: most deprived first); C < 0 means the amount is concentrated among practices "
           "with high ranking values (the more deprived), C > 0 among those with low ones";
}

/* Cells of the one-row table, collected first: pms_out fixes the columns
 * before the first row. */
typedef struct {
    char key[64];
    pms_outkind kind;
    int dec;
    double v;
    const char *s;
} cellv;

typedef struct { cellv c[72]; size_t n; } cells;

static void put(cells *cs, const char *k, pms_outkind kind, int dec, double v, const char *s)
{
    if (cs->n == sizeof cs->c / sizeof cs->c[0]) return;
    cellv *c = &cs->c[cs->n++];
    snprintf(c->key, sizeof c->key, "%s", k);
    c->kind = kind;
    c->dec = dec;
    c->v = v;
    c->s = s;
}
#define NUM(k, d, v) put(cs, k, PMS_OUT_REAL, d, v, NULL)
#define INT(k, v) put(cs, k, PMS_OUT_INT, 0, (double)(v), NULL)
#define TXT(k, v) put(cs, k, PMS_OUT_TEXT, 0, 0, v)

/* The concentration index's cells of the wide table. */
static void conc_cells(const pms_fair_table *f, cells *cs)
{
    NUM("concentration_index", 6, f->conc.ci);
    NUM("concentration_index_se", 6, f->conc.se);
    if (f->has_boot) {
        NUM("concentration_index_ci_low", 6, f->boot.conc.bca_low);
        NUM("concentration_index_ci_high", 6, f->boot.conc.bca_high);
        NUM("concentration_index_pct_low", 6, f->boot.conc.pct_low);
        NUM("concentration_index_pct_high", 6, f->boot.conc.pct_high);
        NUM("concentration_index_boot_se", 6, f->boot.conc.se);
    } else {
        NUM("concentration_index_ci_low", 6, f->conc.ci_low);
        NUM("concentration_index_ci_high", 6, f->conc.ci_high);
    }
    TXT("concentration_index_ci_method", f->has_boot ? "bootstrap BCa" : "normal, delta-method SE");
    NUM("generalized_concentration_index", 6, f->conc.generalized);
    NUM("generalized_concentration_index_se", 6, f->conc.se_generalized);
    INT("concentration_n", f->conc_n);
    TXT("concentration_sign", sign_note());
}

/* The cells of the wide table, in column order. */
static void wide_cells(const pms_fair_table_opts *a, const pms_fair_table *f, cells *cs)
{
    const pms_fair_table *s = f;
    TXT("value", a->value);
    TXT("weight", a->weight);
    TXT("group", a->group);
    TXT("rank_by", a->rank);
    INT("n", s->n);
    INT("n_excluded", s->rows - s->n);
    const pms_ineq_summary *m = &f->s;
    NUM("total_weight", 1, m->total_weight);
    NUM("mean", 4, m->mean);
    NUM("cv", 6, m->cv);
    NUM("p10", 4, m->p10);
    NUM("p90", 4, m->p90);
    NUM("p90_p10", 6, m->p90_p10);
    NUM("palma", 6, m->palma);
    NUM("hoover", 6, m->hoover);
    NUM("gini", 6, m->gini);
    if (f->has_boot) {
        NUM("gini_ci_low", 6, f->boot.gini.bca_low);
        NUM("gini_ci_high", 6, f->boot.gini.bca_high);
        NUM("gini_pct_low", 6, f->boot.gini.pct_low);
        NUM("gini_pct_high", 6, f->boot.gini.pct_high);
        NUM("gini_boot_se", 6, f->boot.gini.se);
    }
    const struct { const char *k; const pms_ineq_decomp *d; } ge[] = {
        {"theil_t", &m->theil_t}, {"theil_l", &m->theil_l}, {"ge2", &m->ge2}};
    for (size_t j = 0; j < 3; j++) {
        char k[64];
        NUM(ge[j].k, 6, ge[j].d->total);
        if (a->group) {
            snprintf(k, sizeof k, "%s_between", ge[j].k);
            NUM(k, 6, ge[j].d->between);
            snprintf(k, sizeof k, "%s_within", ge[j].k);
            NUM(k, 6, ge[j].d->within);
        }
        if (j == 0 && f->has_boot) {
            NUM("theil_t_ci_low", 6, f->boot.theil_t.bca_low);
            NUM("theil_t_ci_high", 6, f->boot.theil_t.bca_high);
            NUM("theil_t_pct_low", 6, f->boot.theil_t.pct_low);
            NUM("theil_t_pct_high", 6, f->boot.theil_t.pct_high);
            NUM("theil_t_boot_se", 6, f->boot.theil_t.se);
        }
    }
    NUM("atkinson_0_5", 6, m->atkinson_0_5);
    NUM("atkinson_1", 6, m->atkinson_1);
    NUM("atkinson_2", 6, m->atkinson_2);
    if (f->has_conc) conc_cells(f, cs);
    NUM("ci_level", 3, a->ci_level);
    if (f->has_boot) {
        INT("bootstrap_replicates", a->bootstrap);
        INT("seed", a->seed);
    }
}
#undef NUM
#undef INT
#undef TXT

/* The wide one-row table whose keys issue 4 names (CSV and JSON). */
static pms_out *wide_table(const pms_fair_table_opts *a, const pms_fair_table *f)
{
    cells cs;
    cs.n = 0;
    wide_cells(a, f, &cs);
    pms_out *o = pms_out_new("fairness", "Fairness");
    if (!o) return NULL;
    int idx[72];
    for (size_t j = 0; j < cs.n; j++)
        if ((idx[j] = col(o, cs.c[j].key, cs.c[j].kind, cs.c[j].dec)) < 0) {
            pms_out_free(o);
            return NULL;
        }
    if (pms_out_row(o)) {
        pms_out_free(o);
        return NULL;
    }
    for (size_t j = 0; j < cs.n; j++) {
        if (cs.c[j].kind == PMS_OUT_TEXT) pms_out_set_text(o, idx[j], cs.c[j].s);
        else if (cs.c[j].kind == PMS_OUT_INT) pms_out_set_int(o, idx[j], (long long)cs.c[j].v);
        else pms_out_set_num(o, idx[j], cs.c[j].v);
    }
    if (f->has_conc) pms_out_footnote(o, "%s.", sign_note());
    return o;
}

/* The concentration index's rows of the long table. */
static void conc_rows(pms_out *o, const pms_fair_table *f, int cm, int cv, int cl, int ch)
{
    if (!pms_out_row(o)) {
        pms_out_set_text(o, cm, "concentration_index");
        pms_out_set_num(o, cv, f->conc.ci);
        pms_out_set_num(o, cl, f->has_boot ? f->boot.conc.bca_low : f->conc.ci_low);
        pms_out_set_num(o, ch, f->has_boot ? f->boot.conc.bca_high : f->conc.ci_high);
    }
    if (!pms_out_row(o)) {
        pms_out_set_text(o, cm, "concentration_index_se");
        pms_out_set_num(o, cv, f->conc.se);
    }
    if (!pms_out_row(o)) {
        pms_out_set_text(o, cm, "generalized_concentration_index");
        pms_out_set_num(o, cv, f->conc.generalized);
        double z = f->conc.ci_high - f->conc.ci;   /* z SE */
        double zg = f->conc.se > 0 ? z / f->conc.se : NAN;
        pms_out_set_num(o, cl, f->conc.generalized - zg * f->conc.se_generalized);
        pms_out_set_num(o, ch, f->conc.generalized + zg * f->conc.se_generalized);
    }
}

static void long_notes(pms_out *o, const pms_fair_table_opts *a, const pms_fair_table *f)
{
    if (f->has_conc) {
        pms_out_footnote(o, "%s.", sign_note());
        pms_out_footnote(o, "The concentration index uses the %zu practices with %s (%zu without "
                            "it are left out of the index only).",
                         f->conc_n, a->rank, f->missing_rank);
    }
    if (f->has_boot)
        pms_out_footnote(o, "ci_low/ci_high: %g%% BCa intervals from %lu bootstrap resamples of "
                            "practices (seed %lu); percentile limits are in the CSV/JSON output.",
                         100 * a->ci_level, a->bootstrap, a->seed);
    else if (f->has_conc)
        pms_out_footnote(o, "ci_low/ci_high: %g%% normal intervals with the Kakwani-Wagstaff-van "
                            "Doorslaer (1997) delta-method SE; a bootstrap, when asked for, adds "
                            "bootstrap intervals for gini, theil_t and the concentration index.",
                         100 * a->ci_level);
    if (a->group)
        pms_out_footnote(o, "between/within: exact decomposition over %zu groups of %s, each part "
                            "computed directly (they add up to the value).",
                         f->ngroups, a->group);
}

/* The same numbers as one row per measure, for reading (text). */
static pms_out *long_table(const pms_fair_table_opts *a, const pms_fair_table *f)
{
    char title[256];
    snprintf(title, sizeof title, "Inequality of %s%s%s (%zu practices)", a->value,
             a->weight ? " weighted by " : "", a->weight ? a->weight : "", f->n);
    pms_out *o = pms_out_new("measures", title);
    if (!o) return NULL;
    int cm = col(o, "measure", PMS_OUT_TEXT, 0), cv = col(o, "value", PMS_OUT_REAL, 6),
        cb = a->group ? col(o, "between", PMS_OUT_REAL, 6) : -1,
        cw = a->group ? col(o, "within", PMS_OUT_REAL, 6) : -1,
        cl = col(o, "ci_low", PMS_OUT_REAL, 6), ch = col(o, "ci_high", PMS_OUT_REAL, 6);
    if (cm < 0 || cv < 0 || cl < 0 || ch < 0) {
        pms_out_free(o);
        return NULL;
    }
    const pms_ineq_summary *m = &f->s;
    struct row { const char *k; double v; const pms_ineq_decomp *d; const pms_boot_ci *b; } rows[] = {
        {"mean", m->mean, NULL, NULL},
        {"cv", m->cv, NULL, NULL},
        {"p10", m->p10, NULL, NULL},
        {"p90", m->p90, NULL, NULL},
        {"p90_p10", m->p90_p10, NULL, NULL},
        {"palma", m->palma, NULL, NULL},
        {"hoover", m->hoover, NULL, NULL},
        {"gini", m->gini, NULL, f->has_boot ? &f->boot.gini : NULL},
        {"theil_t", m->theil_t.total, &m->theil_t, f->has_boot ? &f->boot.theil_t : NULL},
        {"theil_l", m->theil_l.total, &m->theil_l, NULL},
        {"ge2", m->ge2.total, &m->ge2, NULL},
        {"atkinson_0_5", m->atkinson_0_5, NULL, NULL},
        {"atkinson_1", m->atkinson_1, NULL, NULL},
        {"atkinson_2", m->atkinson_2, NULL, NULL},
    };
    for (size_t j = 0; j < sizeof rows / sizeof rows[0]; j++) {
        if (pms_out_row(o)) break;
        pms_out_set_text(o, cm, rows[j].k);
        pms_out_set_num(o, cv, rows[j].v);
        if (rows[j].d && cb >= 0) {
            pms_out_set_num(o, cb, rows[j].d->between);
            pms_out_set_num(o, cw, rows[j].d->within);
        }
        const char *why = rows[j].b ? pms_boot_bca_why(rows[j].b) : NULL;
        if (why) { /* an undefined BCa interval says why, never "-" alone */
            pms_out_set_not_computed(o, cl, why);
            pms_out_set_not_computed(o, ch, why);
        } else if (rows[j].b) {
            pms_out_set_num(o, cl, rows[j].b->bca_low);
            pms_out_set_num(o, ch, rows[j].b->bca_high);
        }
    }
    if (f->has_conc) conc_rows(o, f, cm, cv, cl, ch);
    long_notes(o, a, f);
    return o;
}

static pms_out *lorenz_table(const pms_fair_table *f, int deciles)
{
    pms_out *o = pms_out_new("lorenz", deciles ? "Lorenz curve (deciles; every percentile in CSV/JSON)"
                                               : "Lorenz curve");
    if (!o) return NULL;
    int cp = col(o, "p", PMS_OUT_REAL, 2), cl = col(o, "l", PMS_OUT_REAL, 6);
    if (cp < 0 || cl < 0) {
        pms_out_free(o);
        return NULL;
    }
    for (size_t k = 0; k <= 100; k += deciles ? 10 : 1) {
        if (pms_out_row(o)) break;
        pms_out_set_num(o, cp, f->lp[k]);
        pms_out_set_num(o, cl, f->ll[k]);
    }
    pms_out_footnote(o, "l = share of the amount held by the fraction p of the weight with the "
                        "lowest values (linear between practices).");
    return o;
}

static pms_out *groups_table(const pms_fair_table_opts *a, const pms_fair_table *s)
{
    const pms_ineq_group *g = s->groups;
    char title[160];
    snprintf(title, sizeof title, "Groups (%s)", a->group);
    pms_out *o = pms_out_new("groups", title);
    if (!o) return NULL;
    int cg = col(o, "group", PMS_OUT_TEXT, 0), cn = col(o, "n", PMS_OUT_INT, 0),
        cm = col(o, "mean", PMS_OUT_REAL, 4), cw = col(o, "share_patients", PMS_OUT_PCT, 3),
        cf = col(o, "share_funding", PMS_OUT_PCT, 3), ci = col(o, "gini", PMS_OUT_REAL, 6);
    if (cg < 0 || cn < 0 || cm < 0 || cw < 0 || cf < 0 || ci < 0) {
        pms_out_free(o);
        return NULL;
    }
    for (size_t k = 0; k < s->ngroups; k++) {
        if (pms_out_row(o)) break;
        pms_out_set_text(o, cg, s->gname[k]);
        pms_out_set_int(o, cn, (long long)g[k].n);
        pms_out_set_num(o, cm, g[k].mean);
        pms_out_set_num(o, cw, g[k].share_weight);
        pms_out_set_num(o, cf, g[k].share_amount);
        pms_out_set_num(o, ci, g[k].gini);
    }
    pms_out_footnote(o, "share_patients: the group's share of the weight%s%s; share_funding: its "
                        "share of the weighted amount; gini: inside the group.",
                     a->weight ? " " : "", a->weight ? a->weight : "");
    return o;
}

static pms_out *excluded_table(const pms_fair_table *s, pms_table *t)
{
    int k[3];
    pms_out *o = pms_out_new_excluded(k);
    if (!o) return NULL;
    int cr = k[0], cc = k[1], cn = k[2];
    /* The selection's reasons, in the order rows were tested; a missing
     * ranking value leaves the practice out of the concentration index only. */
    pms_excl why[8];
    size_t nwhy = pms_cases_reasons(&s->cs, &s->spec, why, 8);
    for (size_t j = 0; j < nwhy; j++) {
        int rank = why[j].why == PMS_EXCL_OPTIONAL;
        const char *reason = rank ? "missing (concentration index only)" : why[j].reason;
        const char *tag = rank ? "fairness_missing_rank"
                          : why[j].why == PMS_EXCL_NONPOSITIVE ? "fairness_nonpositive"
                                                               : "fairness_missing";
        if (pms_out_row(o)) break;
        pms_out_set_text(o, cr, reason);
        pms_out_set_text(o, cc, why[j].column);
        pms_out_set_int(o, cn, (long long)why[j].count);
        pms_table_note(t, tag, why[j].count, "fairness: %zu practice%s excluded%s: %s %s",
                       why[j].count, why[j].count == 1 ? "" : "s",
                       rank ? " from the concentration index" : "", why[j].column, reason);
    }
    pms_out_footnote(o, "%zu of %zu practices used. Each excluded practice is counted once, under "
                        "the first reason in the order value, weight, group.",
                     s->n, s->rows);
    return o;
}

pms_status pms_fair_table_out(pms_table *t, const pms_fair_table_opts *o, const pms_fair_table *f,
                              int text, pms_out *out[PMS_FAIR_TABLE_MAXOUT], size_t *n, pms_err *err)
{
    size_t k = 0;
    out[k++] = text ? long_table(o, f) : wide_table(o, f);
    out[k++] = lorenz_table(f, text);
    if (o->group) out[k++] = groups_table(o, f);
    out[k++] = excluded_table(f, t);
    return pms_out_all_or_none(out, k, n, err);
}
