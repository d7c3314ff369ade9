/* The selection step: columns -> complete cases -> groups -> exclusions
 * (io/cases.h).  Two passes over the rows: the first decides each row's fate
 * and counts reasons, the second numbers the groups and fills the cases. */
#include "io/cases.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/sort.h"

enum { ROW_RULE = 0, ROW_COLUMN, ROW_NO_GROUP, ROW_CASE };

void pms_cases_spec_default(pms_cases_spec *s)
{
    memset(s, 0, sizeof *s);
    s->order = PMS_GROUPS_SORTED;
}

void pms_cases_free(pms_cases *c)
{
    if (!c) return;
    if (c->col)
        for (size_t k = 0; k < c->ncols; k++) free(c->col[k]);
    free(c->col);
    free(c->row);
    free(c->group);
    free(c->group_name);
    free(c->group_label);
    free(c->group_n);
    free(c->group_excluded);
    free(c->too_few);
    memset(c, 0, sizeof *c);
}

static int has_text(const char *const *v, size_t i)
{
    return v && v[i] && v[i][0];
}

/* A row's fate, counting its reason; PMS_EDOMAIN for a value that must be > 0. */
static pms_status classify(const pms_cases_spec *s, const double *const *vals,
                           const char *const *gv, size_t i, pms_cases *c, unsigned char *fate,
                           pms_err *err)
{
    int grouped = !gv || has_text(gv, i) || s->keep_ungrouped;
    if (s->keep && !s->keep[i]) {
        c->rule++;
        *fate = ROW_RULE;
        return PMS_OK;
    }
    if (s->group_first && !grouped) {
        c->no_group++;
        *fate = ROW_NO_GROUP;
        return PMS_OK;
    }
    for (size_t k = 0; k < s->ncols; k++) {
        const pms_case_col *cs = &s->cols[k];
        double v = vals[k][i];
        if (cs->need == PMS_CASE_OPTIONAL) continue;
        if (isnan(v)) {
            c->missing[k]++;
            *fate = ROW_COLUMN;
            return PMS_OK;
        }
        if (cs->need == PMS_CASE_POSITIVE && !(v > 0)) {
            c->nonpositive[k]++;
            *fate = ROW_COLUMN;
            return PMS_OK;
        }
        if (cs->need == PMS_CASE_POSITIVE_OR_FAIL && !(v > 0))
            return pms_err_at(err, PMS_EDOMAIN, cs->role, cs->index, cs->name, i + 1,
                              "%s '%s' is %g in row %zu: it must be > 0", cs->role ? cs->role : "value",
                              cs->name ? cs->name : "?", v, i + 1);
    }
    if (!grouped) {
        c->no_group++;
        *fate = ROW_NO_GROUP;
        return PMS_OK;
    }
    *fate = ROW_CASE;
    return PMS_OK;
}

typedef struct {
    const char *v;
    size_t row;
} keyrow;

static int cmp_keyrow(const void *a, const void *b)
{
    const keyrow *x = a, *y = b;
    int d = strcmp(x->v, y->v);
    return d ? d : (x->row > y->row) - (x->row < y->row);
}

/* The first 8 bytes of s, big-endian, zero-padded: keys order as strcmp
 * orders the strings' first 8 bytes (unsigned char, a shorter string first),
 * and two equal keys with a zero low byte are two equal strings. */
static uint64_t text_key(const char *s)
{
    uint64_t k = 0;
    int i = 0;
    for (; i < 8 && s[i]; i++) k = k << 8 | (unsigned char)s[i];
    return i ? k << (8 * (8 - i)) : 0;
}

/* e[0..m), rows ascending, sorted as qsort with cmp_keyrow sorts it (a
 * total order, so there is one answer): a stable radix sort by the first
 * 8 bytes (the report's group values, CCG and practice codes, are
 * shorter), then comparison sorts of the runs that share all 8. */
static pms_status sort_keyrows(keyrow *e, size_t m)
{
    uint64_t *key = malloc((m ? m : 1) * sizeof *key);
    size_t *ord = malloc((m ? m : 1) * sizeof *ord);
    keyrow *t = malloc((m ? m : 1) * sizeof *t);
    pms_status st = key && ord && t ? PMS_OK : PMS_ENOMEM;
    for (size_t j = 0; j < m && !st; j++) key[j] = text_key(e[j].v), ord[j] = j;
    if (!st) st = pms_sort_u64(key, m, ord);
    if (!st) {
        for (size_t j = 0; j < m; j++) t[j] = e[ord[j]];
        memcpy(e, t, m * sizeof *e);
        for (size_t i = 0, j; i < m; i = j) {
            uint64_t k = key[ord[i]];
            for (j = i + 1; j < m && key[ord[j]] == k; j++) {}
            if ((k & 0xFF) && j - i > 1) qsort(e + i, j - i, sizeof *e, cmp_keyrow);
        }
    }
    free(key), free(ord), free(t);
    return st;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Number the distinct values of the eligible rows: names[] sorted, ids[]
 * the id of each sorted name (its rank, or its rank by first row). */
typedef struct {
    const char **sorted; /* distinct values, sorted */
    size_t *id;          /* id of sorted[j] */
    size_t n;
} group_index;

static pms_status index_groups(const pms_cases_spec *s, const char *const *gv, size_t nrows,
                               const unsigned char *fate, group_index *gi, pms_err *err)
{
    keyrow *e = malloc((nrows ? nrows : 1) * sizeof *e);
    size_t m = 0;
    if (!e) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    for (size_t i = 0; i < nrows; i++) {
        if (fate[i] == ROW_RULE || !has_text(gv, i)) continue;
        if (s->groups_of_cases && fate[i] != ROW_CASE) continue;
        e[m].v = gv[i];
        e[m++].row = i;
    }
    if (sort_keyrows(e, m)) {
        free(e);
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    gi->sorted = malloc((m ? m : 1) * sizeof *gi->sorted);
    gi->id = malloc((m ? m : 1) * sizeof *gi->id);
    keyrow *first = malloc((m ? m : 1) * sizeof *first);
    if (!gi->sorted || !gi->id || !first) {
        free(e), free(first);
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    gi->n = 0;
    for (size_t j = 0; j < m; j++)
        if (j == 0 || strcmp(e[j].v, e[j - 1].v)) {
            gi->sorted[gi->n] = e[j].v;
            /* (first row, sorted position): sorting these by row gives the
             * order first seen */
            first[gi->n] = (keyrow){NULL, e[j].row};
            gi->id[gi->n] = gi->n;
            gi->n++;
        }
    if (s->order == PMS_GROUPS_FIRST_SEEN) {
        size_t *pos = malloc((gi->n ? gi->n : 1) * sizeof *pos);
        if (!pos) {
            free(e), free(first);
            return pms_err_set(err, PMS_ENOMEM, "out of memory");
        }
        /* rank of each distinct value's first row among all first rows */
        for (size_t j = 0; j < gi->n; j++) pos[j] = j;
        for (size_t j = 1; j < gi->n; j++) { /* insertion sort by first row: few groups */
            size_t p = pos[j], l = j;
            while (l > 0 && first[pos[l - 1]].row > first[p].row) {
                pos[l] = pos[l - 1];
                l--;
            }
            pos[l] = p;
        }
        for (size_t r = 0; r < gi->n; r++) gi->id[pos[r]] = r;
        free(pos);
    }
    free(e), free(first);
    return PMS_OK;
}

static size_t group_of(const group_index *gi, const char *const *gv, size_t i)
{
    if (!has_text(gv, i)) return PMS_NO_GROUP;
    const char **hit = bsearch(&gv[i], gi->sorted, gi->n, sizeof *gi->sorted, cmp_str);
    return hit ? gi->id[hit - gi->sorted] : PMS_NO_GROUP;
}

static pms_status alloc_cases(pms_cases *c, size_t ncols, size_t nrows, size_t ngroups,
                              pms_err *err)
{
    size_t cap = nrows ? nrows : 1, gcap = ngroups ? ngroups : 1;
    c->ncols = ncols;
    c->col = calloc(ncols, sizeof *c->col);
    c->row = malloc(cap * sizeof *c->row);
    c->group = malloc(cap * sizeof *c->group);
    c->group_name = calloc(gcap, sizeof *c->group_name);
    c->group_label = calloc(gcap, sizeof *c->group_label);
    c->group_n = calloc(gcap, sizeof *c->group_n);
    c->group_excluded = calloc(gcap, sizeof *c->group_excluded);
    c->too_few = calloc(gcap, 1);
    int bad = !c->col || !c->row || !c->group || !c->group_name || !c->group_label ||
              !c->group_n || !c->group_excluded || !c->too_few;
    for (size_t k = 0; k < ncols && !bad; k++) bad = !(c->col[k] = malloc(cap * sizeof **c->col));
    return bad ? pms_err_set(err, PMS_ENOMEM, "out of memory") : PMS_OK;
}

static pms_status fetch(const pms_table *t, const pms_cases_spec *s, const double **vals,
                        const char *const **gv, const char *const **lab, pms_err *err)
{
    pms_status st;
    if (!s->cols || s->ncols == 0 || s->ncols > PMS_CASES_MAXCOLS)
        return pms_err_set(err, PMS_EUSAGE, "a selection needs 1 to %d columns", PMS_CASES_MAXCOLS);
    for (size_t k = 0; k < s->ncols; k++) {
        vals[k] = s->cols[k].values;
        if (vals[k]) continue;
        if (!s->cols[k].name) return pms_err_set(err, PMS_EUSAGE, "column %zu has no name or values", k + 1);
        if ((st = pms_table_numeric(t, s->cols[k].name, &vals[k], err))) {
            pms_err_about(err, s->cols[k].role, s->cols[k].index, s->cols[k].name);
            return st;
        }
    }
    *gv = NULL;
    *lab = NULL;
    if (s->group && (st = pms_table_text(t, s->group, gv, err))) {
        pms_err_about(err, "group", 0, s->group);
        return st;
    }
    pms_err ignore;
    if (s->group && s->label && pms_table_col(t, s->label)) pms_table_text(t, s->label, lab, &ignore);
    return PMS_OK;
}

static void fill(pms_cases *c, const pms_cases_spec *s, const double *const *vals,
                 const char *const *gv, const char *const *lab, const group_index *gi,
                 const unsigned char *fate)
{
    for (size_t i = 0; i < c->nrows; i++) {
        if (fate[i] == ROW_RULE) continue;
        size_t g = gv ? group_of(gi, gv, i) : 0;
        if (g != PMS_NO_GROUP && lab && !c->group_label[g] && has_text(lab, i) &&
            (!s->groups_of_cases || fate[i] == ROW_CASE))
            c->group_label[g] = lab[i];
        if (fate[i] == ROW_COLUMN && g != PMS_NO_GROUP) c->group_excluded[g]++;
        if (fate[i] != ROW_CASE) continue;
        for (size_t k = 0; k < s->ncols; k++) {
            c->col[k][c->n] = vals[k][i];
            if (s->cols[k].need == PMS_CASE_OPTIONAL && isnan(vals[k][i])) c->optional_missing[k]++;
        }
        c->row[c->n] = i;
        c->group[c->n] = g;
        if (g != PMS_NO_GROUP) c->group_n[g]++;
        c->n++;
    }
}

pms_status pms_cases_select(const pms_table *t, const pms_cases_spec *spec, pms_cases *out,
                            pms_err *err)
{
    memset(out, 0, sizeof *out);
    const double *vals[PMS_CASES_MAXCOLS];
    const char *const *gv, *const *lab;
    pms_status st = fetch(t, spec, vals, &gv, &lab, err);
    if (st) return st;
    size_t N = t->nrows;
    out->nrows = N;
    unsigned char *fate = malloc(N ? N : 1);
    group_index gi = {NULL, NULL, 0};
    if (!fate) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    for (size_t i = 0; i < N && !st; i++) st = classify(spec, vals, gv, i, out, &fate[i], err);
    if (!st && gv) st = index_groups(spec, gv, N, fate, &gi, err);
    if (!st && gv && !spec->groups_of_cases && gi.n == 0)
        st = pms_err_at(err, PMS_ETOOFEW, "group", 0, spec->group, 0,
                        "column '%s' has no values: nothing to group by", spec->group);
    out->ngroups = gv ? gi.n : 1;
    if (!st) st = alloc_cases(out, spec->ncols, N, out->ngroups, err);
    if (!st) {
        for (size_t j = 0; j < gi.n; j++) out->group_name[gi.id[j]] = gi.sorted[j];
        fill(out, spec, vals, gv, lab, &gi, fate);
        out->excluded = N - out->n;
        for (size_t g = 0; g < out->ngroups; g++) out->too_few[g] = out->group_n[g] < spec->min_cases;
    }
    free(fate);
    free(gi.sorted);
    free(gi.id);
    if (st) pms_cases_free(out);
    return st;
}

size_t pms_cases_gather(const pms_cases *c, size_t k, size_t g, double *out, size_t stride)
{
    size_t m = 0;
    if (k >= c->ncols) return 0;
    for (size_t i = 0; i < c->n; i++)
        if (g == PMS_ALL_GROUPS || c->group[i] == g) out[stride * m++] = c->col[k][i];
    return m;
}

size_t pms_cases_group_id(const pms_cases *c, const char *name)
{
    for (size_t g = 0; g < c->ngroups; g++)
        if (name && c->group_name[g] && !strcmp(c->group_name[g], name)) return g;
    return PMS_NO_GROUP;
}

static size_t add_reason(pms_excl *out, size_t m, size_t cap, pms_excl_why why, size_t col,
                         const char *column, const char *reason, size_t count)
{
    if (!count) return m;
    if (m < cap) out[m] = (pms_excl){why, col, column, reason, count};
    return m + 1;
}

size_t pms_cases_reasons(const pms_cases *c, const pms_cases_spec *spec, pms_excl *out,
                         size_t cap)
{
    size_t m = 0;
    m = add_reason(out, m, cap, PMS_EXCL_RULE, SIZE_MAX, NULL, "excluded by a rule", c->rule);
    if (spec->group_first)
        m = add_reason(out, m, cap, PMS_EXCL_NO_GROUP, SIZE_MAX, spec->group, "missing", c->no_group);
    for (size_t k = 0; k < spec->ncols && k < c->ncols; k++) {
        m = add_reason(out, m, cap, PMS_EXCL_MISSING, k, spec->cols[k].name, "missing", c->missing[k]);
        m = add_reason(out, m, cap, PMS_EXCL_NONPOSITIVE, k, spec->cols[k].name, "not positive",
                       c->nonpositive[k]);
    }
    if (!spec->group_first)
        m = add_reason(out, m, cap, PMS_EXCL_NO_GROUP, SIZE_MAX, spec->group, "missing", c->no_group);
    for (size_t k = 0; k < spec->ncols && k < c->ncols; k++)
        m = add_reason(out, m, cap, PMS_EXCL_OPTIONAL, k, spec->cols[k].name, "missing (kept)",
                       c->optional_missing[k]);
    return m < cap ? m : cap;
}

pms_status pms_cases_regression(const pms_table *t, const char *const *names,
                                const int *take_log, size_t ncols, const char *weight, double *y,
                                double *X, double *w, pms_reg_rows *info, pms_err *err)
{
    if (ncols < 2 || ncols > PMS_REG_MAXCOLS)
        return pms_err_set(err, PMS_EUSAGE, "regression: %zu columns (need 2 to %d)", ncols,
                           PMS_REG_MAXCOLS);
    pms_case_col cols[PMS_REG_MAXCOLS + 1];
    for (size_t j = 0; j < ncols; j++)
        cols[j] = (pms_case_col){names[j], NULL, j ? "predictor" : "response", j,
                                 take_log[j] ? PMS_CASE_POSITIVE : PMS_CASE_NUMBER};
    if (weight) cols[ncols] = (pms_case_col){weight, NULL, "weight", 0, PMS_CASE_POSITIVE_OR_FAIL};
    pms_cases_spec sp;
    pms_cases_spec_default(&sp);
    sp.cols = cols;
    sp.ncols = ncols + (weight != NULL);
    pms_cases cs;
    memset(info, 0, sizeof *info);
    info->rows = t->nrows;
    pms_status st = pms_cases_select(t, &sp, &cs, err);
    if (st) {
        if (st == PMS_EDOMAIN && err && err->row) info->bad_row = err->row - 1;
        return st;
    }
    for (size_t j = 0; j < ncols; j++) {
        info->missing[j] = cs.missing[j];
        info->nonpositive[j] = cs.nonpositive[j];
    }
    if (weight) info->weight_missing = cs.missing[ncols];
    info->used = cs.n;
    size_t k = ncols - 1;
    for (size_t i = 0; i < cs.n; i++) {
        for (size_t j = 0; j < ncols; j++) {
            double v = take_log[j] ? log(cs.col[j][i]) : cs.col[j][i];
            if (j == 0) y[i] = v;
            else X[i * k + j - 1] = v;
        }
        if (weight) w[i] = cs.col[ncols][i];
    }
    pms_cases_free(&cs);
    return PMS_OK;
}
