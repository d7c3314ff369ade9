/* The standard derived measures (doc/methods/measures-and-practices.md),
 * added to a loaded table by pms_table_derive_standard (io/table.h).
 *
 * A measure is added without its values: a recipe (struct pms_lazy) names
 * its inputs, and the values are computed when the column is first looked
 * up (pms_table_materialize).  `check` and most commands ask for one or two
 * of the fourteen measures, so on a 2-million-row file this saves 224 MB
 * (16 MB a measure) and the page faults of writing them.  The missing
 * counts and the bad-denominator notes are needed at once, so every measure
 * is evaluated here in one pass, a block of rows at a time, without being
 * kept.
 * Evaluation and materialization share eval_memo, so the values are the
 * same doubles, bit for bit, as computing them eagerly. */
#include "io/table.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/table_priv.h"

enum { BLK = 512 }; /* rows per block: a few KiB per level of the recursion */

/* The one place a ratio cell is computed: missing if either side is, or if
 * the denominator is <= 0. */
static inline double ratio_cell(double a, double d)
{
    if (isnan(a) || isnan(d) || d <= 0) return NAN;
    return a / d;
}

/* ---- evaluating columns without values, a block of rows at a time ----
 *
 * A column without its array of doubles (a derived measure not computed
 * yet, a file's column kept as integers) is evaluated BLK rows at a time:
 * a file column converted from its integers, a measure computed from its
 * inputs, evaluated the same way.  Within a block every column is
 * evaluated once and kept for the columns above it, so that counting all
 * the measures in one pass converts each file column once (counted a
 * measure at a time, the columns under them were converted once for every
 * measure built on them: about 59 a row for the fourteen, against 10
 * distinct).  Materializing, counting after pms_table_keep_rows and the
 * counts of pms_table_derive_standard all go through eval_memo, so the
 * values are the same doubles, bit for bit, whichever computed them. */
typedef struct {
    const pms_table *t;
    size_t lo, hi;               /* rows [lo, hi) */
    const double **val;          /* column j's block, once evaluated (NULL: not yet) */
    double **buf;                /* BLK doubles for column j, allocated when first needed */
    const unsigned char *target; /* count these columns' missing (and bad) values */
    const unsigned char *is_den; /* count these columns' values <= 0 */
    size_t *miss, *bad, *den_bad; /* by column */
    int nomem;
} memo_pass;

/* Column j over rows [i0, i0 + n) of the current block; NULL when out of
 * memory. */
static const double *eval_memo(memo_pass *m, size_t j, size_t i0, size_t n)
{
    if (m->val[j]) return m->val[j];
    const pms_column *c = &m->t->cols[j];
    const double *num = col_values(c);
    if (num) return m->val[j] = num + i0;
    if (!m->buf[j] && !(m->buf[j] = malloc(BLK * sizeof **m->buf))) return NULL;
    double *buf = m->buf[j];
    const struct pms_lazy *z = c->lazy;
    if (z->op == PMS_LAZY_INT) pms_i32_values(z->iv + i0, n, z->scale, buf);
    else if (z->op == PMS_LAZY_RATIO) {
        const double *a = eval_memo(m, z->in[0], i0, n), *d = eval_memo(m, z->in[1], i0, n);
        if (!a || !d) return NULL;
        for (size_t i = 0; i < n; i++) buf[i] = ratio_cell(a[i], d[i]);
    } else {
        for (size_t i = 0; i < n; i++) buf[i] = 0;
        for (size_t k = 0; k < z->nin; k++) {
            const double *x = eval_memo(m, z->in[k], i0, n);
            if (!x) return NULL;
            /* As the measures were always summed: NaN in any component propagates. */
            for (size_t i = 0; i < n; i++) buf[i] += z->sign[k] * x[i];
        }
    }
    return m->val[j] = buf;
}

static void memo_free(memo_pass *m)
{
    for (size_t j = 0; m->buf && j < m->t->ncols; j++) free(m->buf[j]);
    free(m->buf);
    free(m->val);
    free(m->miss);
}

static int memo_init(memo_pass *m, const pms_table *t, const unsigned char *target,
                     const unsigned char *is_den)
{
    size_t nc = t->ncols ? t->ncols : 1;
    memset(m, 0, sizeof *m);
    m->t = t, m->target = target, m->is_den = is_den;
    m->val = malloc(nc * sizeof *m->val);
    m->buf = calloc(nc, sizeof *m->buf);
    m->miss = calloc(3 * nc, sizeof *m->miss);
    if (!m->val || !m->buf || !m->miss) {
        memo_free(m);
        return -1;
    }
    m->bad = m->miss + nc, m->den_bad = m->miss + 2 * nc;
    return 0;
}

pms_status pms_table_materialize(const pms_table *t, size_t j)
{
    pms_column *c = &t->cols[j];
    if (!c->lazy || col_values(c)) return PMS_OK;
    double *v = malloc((t->nrows ? t->nrows : 1) * sizeof *v);
    memo_pass m;
    if (!v || memo_init(&m, t, NULL, NULL)) {
        free(v);
        return PMS_ENOMEM;
    }
    for (size_t i0 = 0; i0 < t->nrows; i0 += BLK) {
        size_t n = t->nrows - i0 < BLK ? t->nrows - i0 : BLK;
        memset(m.val, 0, t->ncols * sizeof *m.val);
        const double *x = eval_memo(&m, j, i0, n);
        if (!x) {
            memo_free(&m);
            free(v);
            return PMS_ENOMEM;
        }
        memcpy(v + i0, x, n * sizeof *v);
    }
    memo_free(&m);
    /* Another thread may have computed it meanwhile: the first one stays
     * (both hold the same values), so a pointer handed out stays valid. */
    double *none = NULL;
    if (!__atomic_compare_exchange_n(&c->num, &none, v, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        free(v);
    return PMS_OK;
}

/* The counts of one half of the rows: for each target column its missing
 * cells and, for a ratio, the rows whose inputs are present but whose
 * denominator is <= 0; for each is_den column its values <= 0. */
static void *memo_rows(void *arg)
{
    memo_pass *m = arg;
    const pms_table *t = m->t;
    for (size_t i0 = m->lo; i0 < m->hi && !m->nomem; i0 += BLK) {
        size_t n = m->hi - i0 < BLK ? m->hi - i0 : BLK;
        memset(m->val, 0, t->ncols * sizeof *m->val);
        for (size_t j = 0; j < t->ncols && !m->nomem; j++) {
            if (!m->target[j] && !m->is_den[j]) continue;
            const double *v = eval_memo(m, j, i0, n);
            if (!v) {
                m->nomem = 1;
                break;
            }
            if (m->is_den[j])
                for (size_t i = 0; i < n; i++) m->den_bad[j] += v[i] <= 0;
            if (!m->target[j]) continue;
            for (size_t i = 0; i < n; i++) m->miss[j] += isnan(v[i]) != 0;
            const struct pms_lazy *z = t->cols[j].lazy;
            if (z->op != PMS_LAZY_RATIO) continue;
            /* (Both inputs were evaluated for v: kept in the block.) */
            const double *a = m->val[z->in[0]], *d = m->val[z->in[1]];
            for (size_t i = 0; i < n; i++) m->bad[j] += !isnan(a[i]) && !isnan(d[i]) && d[i] <= 0;
        }
    }
    return NULL;
}

/* memo_rows over every row, on two threads for a big table (each half of
 * the rows; every cell is computed on its own, so the counts are those of
 * one pass): miss, bad and den_bad by column.  -1 when out of memory. */
static int count_pass(const pms_table *t, const unsigned char *target, const unsigned char *is_den,
                      size_t *miss, size_t *bad, size_t *den_bad)
{
    memo_pass h[2];
    if (memo_init(&h[0], t, target, is_den)) return -1;
    if (memo_init(&h[1], t, target, is_den)) {
        memo_free(&h[0]);
        return -1;
    }
    size_t mid = t->nrows / 2 / BLK * BLK;
    h[0].lo = 0, h[0].hi = mid, h[1].lo = mid, h[1].hi = t->nrows;
    pms_table_run2(memo_rows, &h[0], &h[1], pms_table_two_threads(t));
    int nomem = h[0].nomem || h[1].nomem;
    for (size_t j = 0; j < t->ncols; j++) {
        miss[j] = h[0].miss[j] + h[1].miss[j];
        bad[j] = h[0].bad[j] + h[1].bad[j];
        den_bad[j] = h[0].den_bad[j] + h[1].den_bad[j];
    }
    memo_free(&h[0]);
    memo_free(&h[1]);
    return nomem ? -1 : 0;
}

pms_status pms_table_lazy_recount(pms_table *t)
{
    size_t nc = t->ncols ? t->ncols : 1;
    size_t *cnt = calloc(3 * nc, sizeof *cnt);
    unsigned char *target = calloc(2 * nc, 1);
    int fail = !cnt || !target;
    for (size_t j = 0; !fail && j < t->ncols; j++)
        target[j] = t->cols[j].type == PMS_COL_NUM && !col_values(&t->cols[j]);
    if (!fail) fail = count_pass(t, target, target + nc, cnt, cnt + nc, cnt + 2 * nc);
    for (size_t j = 0; !fail && j < t->ncols; j++)
        if (target[j]) t->cols[j].n_missing = cnt[j];
    free(cnt);
    free(target);
    return fail ? PMS_ENOMEM : PMS_OK;
}

/* ---- the notes of pms_table_derive_standard, kept in order until the
 * counts they quote are known ---- */
enum { PEND_RATIO, PEND_DEN, PEND_TEXT };

typedef struct {
    int kind;
    size_t col;              /* PEND_RATIO: the measure; PEND_DEN: the denominator */
    const char *name, *den;  /* PEND_DEN: name is the suffix ("per_weighted") */
    char *text;              /* PEND_TEXT: a measure_unavailable note, in full */
} pending;

typedef struct {
    pending *p;
    size_t n, cap;
} plan;

static int plan_add(plan *pl, pending x)
{
    if (pl->n == pl->cap) {
        size_t cap = pl->cap ? 2 * pl->cap : 8;
        pending *q = realloc(pl->p, cap * sizeof *q);
        if (!q) return -1;
        pl->p = q, pl->cap = cap;
    }
    pl->p[pl->n++] = x;
    return 0;
}

static void plan_free(plan *pl)
{
    for (size_t k = 0; k < pl->n; k++) free(pl->p[k].text);
    free(pl->p);
}

/* A column by name without computing it (a lookup here must not turn the
 * measures it finds into arrays). */
static const pms_column *peek(const pms_table *t, const char *name, size_t *index)
{
    int i = pms_table_col_index(t, name);
    if (i < 0) return NULL;
    if (index) *index = (size_t)i;
    return &t->cols[i];
}

/* Append derived column `name` computed by `recipe` (its counts come later,
 * from count_pass). */
static pms_status add_lazy(pms_table *t, const char *name, const struct pms_lazy *recipe,
                           pms_err *err)
{
    struct pms_lazy *z = malloc(sizeof *z);
    pms_column *c = z ? add_derived_column(t, name) : NULL;
    if (!c) {
        free(z);
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    *z = *recipe;
    c->lazy = z;
    return PMS_OK;
}

static pms_status derive_ratio(pms_table *t, plan *pl, const char *name, const char *num,
                               const char *den, int quiet, pms_err *err)
{
    size_t ia, ib;
    const pms_column *a = peek(t, num, &ia), *b = peek(t, den, &ib);
    if (!a || !b || a->type != PMS_COL_NUM || b->type != PMS_COL_NUM || peek(t, name, NULL))
        return PMS_OK;
    struct pms_lazy z = {PMS_LAZY_RATIO, {ia, ib, 0}, {1, 1, 0}, 2, NULL, 0};
    pms_status st = add_lazy(t, name, &z, err);
    if (!st && !quiet && plan_add(pl, (pending){PEND_RATIO, t->ncols - 1, name, den, NULL}))
        st = pms_err_set(err, PMS_ENOMEM, "out of memory");
    return st;
}

/* The income measures (doc/methods/measures-and-practices.md): sums of a
 * file's payment columns.  A component that is missing in a row makes the
 * measure missing in that row, never zero. */
typedef struct {
    const char *name;
    const char *terms[3];
    int sign[3];
    const char *trigger; /* the measure is expected when the table has this column */
} measure_def;

static const measure_def measures[] = {
    {"dispensing_payments", {"prescribing_fees", "dispensing_fees", "drug_reimbursement"},
     {1, 1, 1}, "total_payments"},
    {"payments_less_dispensing", {"total_payments", "dispensing_payments", NULL}, {1, -1, 0},
     "total_payments"},
    {"payments_less_dispensing_premises",
     {"payments_less_dispensing", "premises_payments", NULL}, {1, -1, 0}, "total_payments"},
    {"core_payments", {"global_sum", "mpig", "pms_balance"}, {1, 1, 1}, "global_sum"},
};

/* Which columns a measure needs, for the message when it cannot be made. */
static const char *const measure_inputs[][2] = {
    {"prescribing_fees", "Prescribing Fee Payments"},
    {"dispensing_fees", "Dispensing Fee Payments"},
    {"drug_reimbursement", "Reimbursement of Drugs"},
    {"premises_payments", "Premises Payments"},
    {"total_payments", "Total NHS Payments to General Practice"},
    {"global_sum", "Global Sum"},
    {"mpig", "MPIG Correction factor"},
    {"pms_balance", "Balance of PMS Expenditure"},
};

static const char *input_header(const char *name)
{
    for (size_t k = 0; k < sizeof measure_inputs / sizeof *measure_inputs; k++)
        if (!strcmp(measure_inputs[k][0], name)) return measure_inputs[k][1];
    return name;
}

/* The file column a measure lacks, following measures built from measures. */
static const char *root_missing(const pms_table *t, const char *name)
{
    const pms_column *c = peek(t, name, NULL);
    if (c && c->type == PMS_COL_NUM) return NULL;
    for (size_t k = 0; k < sizeof measures / sizeof *measures; k++)
        if (!strcmp(measures[k].name, name))
            for (size_t j = 0; j < 3 && measures[k].terms[j]; j++) {
                const char *r = root_missing(t, measures[k].terms[j]);
                if (r) return r;
            }
    return name;
}

static pms_status derive_sum(pms_table *t, plan *pl, const measure_def *m, pms_err *err)
{
    const pms_column *trig = peek(t, m->trigger, NULL);
    if (!trig || trig->type != PMS_COL_NUM || peek(t, m->name, NULL)) return PMS_OK;
    struct pms_lazy z = {PMS_LAZY_SUM, {0, 0, 0}, {0, 0, 0}, 0, NULL, 0};
    for (size_t k = 0; k < 3 && m->terms[k]; k++) {
        const pms_column *c = peek(t, m->terms[k], &z.in[k]);
        if (!c || c->type != PMS_COL_NUM) {
            /* Not a silent zero: the measure is absent, and asking for it says why. */
            const char *raw = root_missing(t, m->terms[k]);
            const pms_column *rc = peek(t, raw, NULL);
            char buf[1024];
            snprintf(buf, sizeof buf,
                     "%s: cannot be derived: %s has no %scolumn '%s' (canonical name %s)",
                     m->name, t->nsources ? t->sources[0].path : "the data",
                     rc ? "numeric " : "", input_header(raw), raw);
            pending x = {PEND_TEXT, 0, NULL, NULL, strdup(buf)};
            if (!x.text || plan_add(pl, x)) {
                free(x.text);
                return pms_err_set(err, PMS_ENOMEM, "out of memory");
            }
            return PMS_OK;
        }
        z.sign[k] = m->sign[k];
        z.nin = k + 1;
    }
    return add_lazy(t, m->name, &z, err);
}

/* One note per denominator for the measures added after the first four, whose
 * per-ratio notes would only repeat the same practices. */
static pms_status derive_ratios_quiet(pms_table *t, plan *pl, const char *den,
                                      const char *suffix, pms_err *err)
{
    static const char *const nums[] = {"dispensing_payments", "payments_less_dispensing",
                                       "payments_less_dispensing_premises"};
    pms_status st;
    char name[96];
    int made = 0;
    for (size_t k = 0; k < 3; k++) {
        snprintf(name, sizeof name, "%s_%s", nums[k], suffix);
        if (peek(t, nums[k], NULL) && !peek(t, name, NULL)) made = 1;
        if ((st = derive_ratio(t, pl, name, nums[k], den, 1, err))) return st;
    }
    if (!strcmp(suffix, "per_registered")) {
        if (peek(t, "core_payments", NULL) && !peek(t, "core_per_registered", NULL)) made = 1;
        if ((st = derive_ratio(t, pl, "core_per_registered", "core_payments", den, 1, err)))
            return st;
    }
    size_t jd;
    const pms_column *d = peek(t, den, &jd);
    if (!made || !d || d->type != PMS_COL_NUM) return PMS_OK;
    if (plan_add(pl, (pending){PEND_DEN, jd, suffix, den, NULL}))
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    return PMS_OK;
}

/* The new columns' counts, then the notes in the order they arose (a
 * bad-denominator note only when some practice has one). */
static pms_status count_and_note(pms_table *t, size_t j0, const plan *pl, pms_err *err)
{
    size_t nc = t->ncols ? t->ncols : 1;
    size_t *cnt = calloc(3 * nc, sizeof *cnt);
    unsigned char *target = calloc(2 * nc, 1), *is_den = target + nc;
    int fail = !cnt || !target;
    for (size_t j = j0; !fail && j < t->ncols; j++) target[j] = 1;
    for (size_t k = 0; !fail && k < pl->n; k++)
        if (pl->p[k].kind == PEND_DEN) is_den[pl->p[k].col] = 1;
    if (!fail) fail = count_pass(t, target, is_den, cnt, cnt + nc, cnt + 2 * nc);
    for (size_t j = j0; !fail && j < t->ncols; j++) t->cols[j].n_missing = cnt[j];
    for (size_t k = 0; !fail && k < pl->n; k++) {
        const pending *x = &pl->p[k];
        size_t bad = x->kind == PEND_RATIO ? cnt[nc + x->col] : cnt[2 * nc + x->col];
        if (x->kind == PEND_TEXT)
            fail = pms_table_note(t, "measure_unavailable", 0, "%s", x->text) != PMS_OK;
        else if (bad && x->kind == PEND_RATIO)
            fail = pms_table_note(t, "bad_denominator", bad,
                                  "%s: %zu practices have %s <= 0, so %s is missing for them",
                                  x->name, bad, x->den, x->name) != PMS_OK;
        else if (bad)
            fail = pms_table_note(t, "bad_denominator", bad,
                                  "*_%s: %zu practices have %s <= 0, so every measure per %s "
                                  "patient is missing for them",
                                  x->name, bad, x->den, x->name + 4) != PMS_OK;
    }
    free(cnt);
    free(target);
    return fail ? pms_err_set(err, PMS_ENOMEM, "out of memory") : PMS_OK;
}

static pms_status derive_all(pms_table *t, plan *pl, pms_err *err)
{
    pms_status st;
    if ((st = derive_ratio(t, pl, "payments_per_registered", "total_payments",
                           "registered_patients", 0, err)) ||
        (st = derive_ratio(t, pl, "payments_per_weighted", "total_payments", "weighted_patients",
                           0, err)))
        return st;
    for (size_t k = 0; k < sizeof measures / sizeof *measures; k++)
        if ((st = derive_sum(t, pl, &measures[k], err))) return st;
    if ((st = derive_ratio(t, pl, "core_per_weighted", "core_payments", "weighted_patients", 0,
                           err)) ||
        (st = derive_ratios_quiet(t, pl, "weighted_patients", "per_weighted", err)))
        return st;
    return derive_ratios_quiet(t, pl, "registered_patients", "per_registered", err);
}

pms_status pms_table_derive_standard(pms_table *t, pms_err *err)
{
    plan pl = {NULL, 0, 0};
    size_t j0 = t->ncols;
    pms_status st = derive_all(t, &pl, err);
    if (!st) st = count_and_note(t, j0, &pl, err);
    plan_free(&pl);
    return st;
}
