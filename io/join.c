/* Left join of one table onto another by practice code (io/table.h). */
#include "io/table.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/table_priv.h"

/* How the left rows found the right ones: match[i] is the right row of left
 * row i, or (size_t)-1. */
typedef struct {
    size_t *match;
    size_t unmatched;    /* left rows with no key there (or no key at all) */
    char example[128];   /* the first unmatched key */
    size_t runused;      /* right keys no left row asked for */
    size_t rdup;         /* right rows repeating a key (the first is used) */
} join_match;

/* Both tables' practice_code columns, or an error naming the file without one. */
static pms_status join_keys(const pms_table *left, const pms_table *right,
                            const pms_column **lk, const pms_column **rk, pms_err *err)
{
    *lk = pms_table_col(left, "practice_code");
    *rk = pms_table_col(right, "practice_code");
    const char *rpath = right->nsources ? right->sources[0].path : "(data)";
    if (!*lk || (*lk)->type != PMS_COL_TEXT)
        return pms_err_set(err, PMS_EPARSE,
                           "%s: the practice table has no practice code column to join on "
                           "(looked for Practice Code, PracticeCode, AreaCode, code, PRAC_CODE)",
                           left->nsources ? left->sources[0].path : "(data)");
    if (!*rk || (*rk)->type != PMS_COL_TEXT)
        return pms_err_set(err, PMS_EPARSE,
                           "%s: no practice code column to join on (looked for Practice Code, "
                           "PracticeCode, AreaCode, code, PRAC_CODE)",
                           rpath);
    return PMS_OK;
}

/* Index the right keys (the first row of a repeated key wins), match every
 * left row, and count the right keys left unused. */
static pms_status join_match_rows(const pms_column *lk, size_t n, const pms_table *right,
                                  const pms_column *rk, join_match *jm, pms_err *err)
{
    strmap m;
    if (strmap_init(&m, right->nrows)) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    for (size_t i = 0; i < right->nrows; i++) {
        if (!rk->text[i]) continue;
        int found;
        size_t *slot = strmap_slot(&m, rk->text[i], &found);
        if (found) jm->rdup++;
        else *slot = i;
    }
    /* A repeated key is counted as a duplicate, not as unused. */
    jm->match = malloc((n ? n : 1) * sizeof *jm->match);
    unsigned char *used = calloc(right->nrows ? right->nrows : 1, 1);
    if (!jm->match || !used) {
        free(used);
        strmap_free(&m);
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        jm->match[i] = (size_t)-1;
        if (!lk->text[i]) {
            jm->unmatched++;
            continue;
        }
        const size_t *r = strmap_find(&m, lk->text[i]);
        if (r) {
            jm->match[i] = *r;
            used[*r] = 1;
        } else {
            if (!jm->unmatched) snprintf(jm->example, sizeof jm->example, "%s", lk->text[i]);
            jm->unmatched++;
        }
    }
    for (size_t i = 0; i < right->nrows; i++) {
        if (!rk->text[i] || used[i]) continue;
        jm->runused += *strmap_find(&m, rk->text[i]) == i;
    }
    strmap_free(&m);
    free(used);
    return PMS_OK;
}

/* Append right column rc to left, row i taking rc's row match[i]. */
static pms_status join_column(pms_table *left, const pms_column *rc, int src_base,
                              const size_t *match, pms_err *err)
{
    size_t n = left->nrows;
    char name[512];
    snprintf(name, sizeof name, "%s", rc->name);
    if (pms_table_col(left, name))
        snprintf(name, sizeof name, "%s_%d", rc->name, src_base + (rc->source > 0 ? rc->source : 0));
    pms_column *c = add_column(left);
    if (!c) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    c->name = xstrdup(name);
    c->header = xstrdup(rc->header);
    c->source = src_base + (rc->source > 0 ? rc->source : 0);
    c->field = rc->field;
    c->type = rc->type;
    c->bad_line = rc->bad_line;
    c->bad_value = xstrdup(rc->bad_value);
    if (!c->name || !c->header || (rc->bad_value && !c->bad_value))
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    if (rc->type == PMS_COL_NUM) {
        c->num = malloc((n ? n : 1) * sizeof *c->num);
        if (!c->num) return pms_err_set(err, PMS_ENOMEM, "out of memory");
        for (size_t i = 0; i < n; i++) {
            c->num[i] = match[i] == (size_t)-1 ? NAN : rc->num[match[i]];
            c->n_missing += isnan(c->num[i]);
        }
    } else {
        c->text = malloc((n ? n : 1) * sizeof *c->text);
        if (!c->text) return pms_err_set(err, PMS_ENOMEM, "out of memory");
        for (size_t i = 0; i < n; i++) {
            /* Text points into right's blocks, which move to left below. */
            c->text[i] = match[i] == (size_t)-1 ? NULL : rc->text[match[i]];
            c->n_missing += c->text[i] == NULL;
        }
    }
    return PMS_OK;
}

/* Keep the right table's text storage alive with the left table, and list
 * its sources after the left's. */
static pms_status join_storage(pms_table *left, const pms_table *right, pms_err *err)
{
    pms_table *r = (pms_table *)right;
    for (size_t b = 0; b < r->nblocks; b++)
        if (add_block(left, r->blocks[b]))
            return pms_err_set(err, PMS_ENOMEM, "out of memory");
        else
            r->blocks[b] = NULL;
    r->nblocks = 0;
    for (size_t s = 0; s < right->nsources; s++) {
        pms_source *ns = realloc(left->sources, (left->nsources + 1) * sizeof *ns);
        if (!ns) return pms_err_set(err, PMS_ENOMEM, "out of memory");
        left->sources = ns;
        ns[left->nsources] = right->sources[s];
        ns[left->nsources].path = xstrdup(right->sources[s].path);
        if (right->sources[s].path && !ns[left->nsources].path)
            return pms_err_set(err, PMS_ENOMEM, "out of memory");
        left->nsources++;
    }
    return PMS_OK;
}

/* The right table's notes, then what the join matched and left out: 0, or
 * -1 when a note cannot be kept (out of memory). */
static int join_notes(pms_table *left, const pms_table *right, size_t n, const join_match *jm)
{
    left->incomplete |= right->incomplete; /* its notes are left's now */
    const char *rpath = right->nsources ? right->sources[0].path : "(data)";
    for (size_t k = 0; k < right->nnotes; k++)
        if (pms_table_note(left, right->notes[k].what, right->notes[k].count, "%s",
                           right->notes[k].detail))
            return -1;
    if (pms_table_note(left, "join", n - jm->unmatched,
                       "%s: %zu of %zu practices matched on practice code", rpath,
                       n - jm->unmatched, n))
        return -1;
    if (jm->unmatched &&
        pms_table_note(left, "unmatched_key", jm->unmatched,
                       "%s: %zu practices have no row there (its columns are missing for "
                       "them; e.g. %s)",
                       rpath, jm->unmatched, jm->example[0] ? jm->example : "a row without a code"))
        return -1;
    if (jm->runused && pms_table_note(left, "unused_key", jm->runused,
                                      "%s: %zu practice codes there are not in the practice table",
                                      rpath, jm->runused))
        return -1;
    if (jm->rdup && pms_table_note(left, "duplicate_key", jm->rdup,
                                   "%s: %zu rows repeat a practice code (the first row is used)",
                                   rpath, jm->rdup))
        return -1;
    return 0;
}

pms_status pms_table_join(pms_table *left, const pms_table *right, pms_err *err)
{
    const pms_column *lk, *rk;
    pms_status st = join_keys(left, right, &lk, &rk, err);
    if (st) return st;
    size_t n = left->nrows;
    join_match jm;
    memset(&jm, 0, sizeof jm);
    if ((st = join_match_rows(lk, n, right, rk, &jm, err))) {
        free(jm.match);
        return st;
    }
    int src_base = (int)left->nsources;
    for (size_t j = 0; j < right->ncols && st == PMS_OK; j++) {
        /* A derived measure of right's not computed yet is computed to be copied. */
        if (pms_table_materialize(right, j)) st = pms_err_set(err, PMS_ENOMEM, "out of memory");
        else if (&right->cols[j] != rk) st = join_column(left, &right->cols[j], src_base, jm.match, err);
    }
    free(jm.match);
    if (st || (st = join_storage(left, right, err))) return st;
    if (join_notes(left, right, n, &jm)) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    return PMS_OK;
}
