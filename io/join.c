/* Left join of one table onto another by practice code (io/table.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/table.h"
#include "io/table_priv.h"

pms_status pms_table_join(pms_table *left, const pms_table *right, pms_err *err)
{
    const pms_column *lk = pms_table_col(left, "practice_code");
    const pms_column *rk = pms_table_col(right, "practice_code");
    const char *rpath = right->nsources ? right->sources[0].path : "(data)";
    if (!lk || lk->type != PMS_COL_TEXT)
        return pms_err_set(err, PMS_EPARSE,
                           "%s: the practice table has no practice code column to join on "
                           "(looked for Practice Code, PracticeCode, AreaCode, code, PRAC_CODE)",
                           left->nsources ? left->sources[0].path : "(data)");
    if (!rk || rk->type != PMS_COL_TEXT)
        return pms_err_set(err, PMS_EPARSE,
                           "%s: no practice code column to join on (looked for Practice Code, "
                           "PracticeCode, AreaCode, code, PRAC_CODE)",
                           rpath);
    strmap m;
    if (strmap_init(&m, right->nrows)) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    size_t rdup = 0;
    for (size_t i = 0; i < right->nrows; i++) {
        if (!rk->text[i]) continue;
        int found;
        size_t *slot = strmap_slot(&m, rk->text[i], &found);
        if (found) rdup++;
        else *slot = i;
    }
    /* A repeated key is counted as a duplicate, not as unused. */
    size_t n = left->nrows;
    size_t *match = malloc((n ? n : 1) * sizeof *match);
    unsigned char *used = calloc(right->nrows ? right->nrows : 1, 1);
    if (!match || !used) {
        free(match);
        free(used);
        strmap_free(&m);
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    size_t unmatched = 0;
    char example[128] = "";
    for (size_t i = 0; i < n; i++) {
        match[i] = (size_t)-1;
        if (!lk->text[i]) {
            unmatched++;
            continue;
        }
        size_t h = (size_t)hash_str(lk->text[i]) & (m.cap - 1);
        while (m.keys[h]) {
            if (!strcmp(m.keys[h], lk->text[i])) {
                match[i] = m.vals[h];
                used[match[i]] = 1;
                break;
            }
            h = (h + 1) & (m.cap - 1);
        }
        if (match[i] == (size_t)-1) {
            if (!unmatched) snprintf(example, sizeof example, "%s", lk->text[i]);
            unmatched++;
        }
    }
    size_t runused = 0;
    for (size_t i = 0; i < right->nrows; i++) {
        if (!rk->text[i] || used[i]) continue;
        int found;
        size_t h = (size_t)hash_str(rk->text[i]) & (m.cap - 1), first = i;
        for (found = 0; m.keys[h]; h = (h + 1) & (m.cap - 1))
            if (!strcmp(m.keys[h], rk->text[i])) {
                first = m.vals[h];
                break;
            }
        (void)found;
        runused += first == i;
    }
    strmap_free(&m);
    free(used);

    int src_base = (int)left->nsources;
    pms_status st = PMS_OK;
    for (size_t j = 0; j < right->ncols && st == PMS_OK; j++) {
        const pms_column *rc = &right->cols[j];
        if (rc == rk) continue;
        char name[512];
        snprintf(name, sizeof name, "%s", rc->name);
        if (pms_table_col(left, name))
            snprintf(name, sizeof name, "%s_%d", rc->name, src_base + (rc->source > 0 ? rc->source : 0));
        pms_column *c = add_column(left);
        if (!c) {
            st = pms_err_set(err, PMS_ENOMEM, "out of memory");
            break;
        }
        c->name = xstrdup(name);
        c->header = xstrdup(rc->header);
        c->source = src_base + (rc->source > 0 ? rc->source : 0);
        c->field = rc->field;
        c->type = rc->type;
        c->bad_line = rc->bad_line;
        c->bad_value = xstrdup(rc->bad_value);
        if (!c->name || !c->header || (rc->bad_value && !c->bad_value)) {
            st = pms_err_set(err, PMS_ENOMEM, "out of memory");
            break;
        }
        if (rc->type == PMS_COL_NUM) {
            c->num = malloc((n ? n : 1) * sizeof *c->num);
            if (!c->num) {
                st = pms_err_set(err, PMS_ENOMEM, "out of memory");
                break;
            }
            for (size_t i = 0; i < n; i++) {
                c->num[i] = match[i] == (size_t)-1 ? NAN : rc->num[match[i]];
                c->n_missing += isnan(c->num[i]);
            }
        } else {
            c->text = malloc((n ? n : 1) * sizeof *c->text);
            if (!c->text) {
                st = pms_err_set(err, PMS_ENOMEM, "out of memory");
                break;
            }
            for (size_t i = 0; i < n; i++) {
                /* Text points into right's blocks, which move to left below. */
                c->text[i] = match[i] == (size_t)-1 ? NULL : rc->text[match[i]];
                c->n_missing += c->text[i] == NULL;
            }
        }
    }
    free(match);
    if (st) return st;
    /* Keep the right table's text storage alive with the left table. */
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
        left->nsources++;
    }
    for (size_t k = 0; k < right->nnotes; k++)
        pms_table_note(left, right->notes[k].what, right->notes[k].count, "%s",
                       right->notes[k].detail);
    pms_table_note(left, "join", n - unmatched,
                   "%s: %zu of %zu practices matched on practice code", rpath, n - unmatched, n);
    if (unmatched)
        pms_table_note(left, "unmatched_key", unmatched,
                       "%s: %zu practices have no row there (its columns are missing for "
                       "them; e.g. %s)",
                       rpath, unmatched, example[0] ? example : "a row without a code");
    if (runused)
        pms_table_note(left, "unused_key", runused,
                       "%s: %zu practice codes there are not in the practice table", rpath,
                       runused);
    if (rdup)
        pms_table_note(left, "duplicate_key", rdup,
                       "%s: %zu rows repeat a practice code (the first row is used)", rpath,
                       rdup);
    return PMS_OK;
}
