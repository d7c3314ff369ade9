/* The Fingertips long format pivoted to one row per area (see io/pivot.h). */
#include "io/pivot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/aliases.h"
#include "io/table_priv.h"
#include "io/utf8.h"

/* Where each record of the long file goes: the area row and the
 * indicator-year column.  The area codes and lines pass to the table once it
 * has rows; until then they are freed here. */
typedef struct {
    strmap areas, keys;
    size_t *row_of, *col_of;  /* per record */
    char **names;             /* indicator-year column names, in first-seen order */
    size_t nnames;
    char **area_code;         /* per area, in first-seen order */
    long *area_line;          /* the line where each area first appears */
    size_t nareas;
} pivot_work;

static void pivot_work_free(pivot_work *w)
{
    for (size_t k = 0; k < w->nnames; k++) free(w->names[k]);
    free(w->names);
    strmap_free(&w->areas);
    strmap_free(&w->keys);
    free(w->row_of);
    free(w->col_of);
    free(w->area_code);
    free(w->area_line);
}

/* The column name of record i: imdYYYY for indicator 93553, else the
 * snake_case of ind<ID>_<YEAR>. */
static void indicator_year_name(pms_csv *csv, size_t i, int ci_ind, int ci_year, char *name,
                                size_t cap)
{
    char *ind = clean_text(pms_csv_cell(csv, i, (size_t)ci_ind));
    char *yr = clean_text(pms_csv_cell(csv, i, (size_t)ci_year));
    if (ind && !strcmp(ind, "93553"))
        snprintf(name, cap, "imd%s", yr ? yr : "");
    else {
        char raw[128];
        snprintf(raw, sizeof raw, "ind%s_%s", ind ? ind : "", yr ? yr : "");
        pms_snake_case(raw, name, cap);
    }
}

/* The column index of an indicator-year name, added if new (at most 200). */
static pms_status indicator_year_column(pivot_work *w, const char *name, const char *path,
                                        size_t *kidx, pms_err *err)
{
    /* Look up by a stack copy first; only a new name gets a heap copy,
     * which the map then points at. */
    const size_t *known = strmap_find(&w->keys, name);
    if (known) {
        *kidx = *known;
        return PMS_OK;
    }
    size_t nnames = w->nnames;
    char **nn = nnames < 200 ? realloc(w->names, (nnames + 1) * sizeof *nn) : NULL;
    if (nn) w->names = nn;
    if (!nn || !(w->names[nnames] = xstrdup(name)))
        return nnames >= 200
                   ? pms_err_set(err, PMS_EPARSE,
                                 "%s: more than 200 indicator-years in a long file", path)
                   : pms_err_set(err, PMS_ENOMEM, "out of memory");
    int found;
    *strmap_slot(&w->keys, w->names[nnames], &found) = nnames;
    *kidx = w->nnames++;
    return PMS_OK;
}

/* First pass: number the areas and the indicator-years, record by record. */
static pms_status pivot_index(pivot_work *w, pms_csv *csv, const char *path, int ci_ind,
                              int ci_year, int ci_area, pms_err *err)
{
    for (size_t i = 0; i < csv->nrec; i++) {
        char *code = clean_text(pms_csv_cell(csv, i, (size_t)ci_area));
        if (!code)
            return pms_err_set(err, PMS_EPARSE, "%s:%ld:%d: missing area code", path,
                               csv->line[i], ci_area + 1);
        upcase(code);
        int found;
        size_t *slot = strmap_slot(&w->areas, code, &found);
        if (!found) {
            *slot = w->nareas;
            w->area_code[w->nareas] = code;
            w->area_line[w->nareas] = csv->line[i];
            w->nareas++;
        }
        w->row_of[i] = *slot;
        char name[128];
        indicator_year_name(csv, i, ci_ind, ci_year, name, sizeof name);
        pms_status st = indicator_year_column(w, name, path, &w->col_of[i], err);
        if (st) return st;
    }
    return PMS_OK;
}

/* The table's columns: practice_code (the areas), then one numeric column
 * per indicator-year, all missing until filled. */
static pms_status pivot_columns(pms_table *t, pivot_work *w, const pms_csv *csv, int ci_area,
                                int ci_val, pms_err *err)
{
    size_t nareas = w->nareas;
    t->nrows = nareas;
    t->line = w->area_line;
    w->area_line = NULL;
    pms_column *pc = add_column(t);
    if (!pc) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    pc->name = xstrdup("practice_code");
    pc->header = xstrdup(csv->header[ci_area]);
    pc->field = ci_area + 1;
    pc->type = PMS_COL_TEXT;
    pc->text = w->area_code;
    w->area_code = NULL;
    if (!pc->name || !pc->header) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    for (size_t k = 0; k < w->nnames; k++) {
        pms_column *c = add_column(t);
        if (!c) return pms_err_set(err, PMS_ENOMEM, "out of memory");
        c->name = xstrdup(w->names[k]);
        c->header = xstrdup(csv->header[ci_val]);
        c->field = ci_val + 1;
        c->type = PMS_COL_NUM;
        c->num = malloc((nareas ? nareas : 1) * sizeof *c->num);
        if (!c->name || !c->header || !c->num)
            return pms_err_set(err, PMS_ENOMEM, "out of memory");
        for (size_t r = 0; r < nareas; r++) c->num[r] = NAN;
    }
    return PMS_OK;
}

/* Second pass: each record's value into its cell; *dups counts repeats. */
static pms_status pivot_values(pms_table *t, const pivot_work *w, pms_csv *csv,
                               const char *path, int ci_val, size_t *dups, pms_err *err)
{
    for (size_t i = 0; i < csv->nrec; i++) {
        char *cell = pms_csv_cell(csv, i, (size_t)ci_val);
        double v;
        pms_numparse r = pms_parse_number(cell, &v);
        if (r == PMS_NUM_BAD)
            return pms_err_set(err, PMS_EPARSE, "%s:%ld:%d: not a number: '%.*s' (column '%s')",
                               path, csv->line[i], ci_val + 1, (int)pms_utf8_prefix(cell, 40),
                               cell, csv->header[ci_val]);
        if (r == PMS_NUM_MISSING) continue;
        double *dst = &t->cols[1 + w->col_of[i]].num[w->row_of[i]];
        if (!isnan(*dst)) {
            (*dups)++;
            continue; /* the first value for an area and year is kept, and counted */
        }
        *dst = v;
    }
    return PMS_OK;
}

pms_status pms_table_pivot_long(pms_table *t, pms_csv *csv, const char *path, int ci_ind,
                                int ci_year, int ci_area, int ci_val, pms_err *err)
{
    size_t n = csv->nrec;
    pivot_work w;
    memset(&w, 0, sizeof w);
    pms_status st = PMS_OK;
    w.row_of = malloc((n ? n : 1) * sizeof *w.row_of);
    w.col_of = malloc((n ? n : 1) * sizeof *w.col_of);
    if (!w.row_of || !w.col_of || strmap_init(&w.areas, n) || strmap_init(&w.keys, 64)) {
        st = pms_err_set(err, PMS_ENOMEM, "out of memory");
        goto done;
    }
    w.area_code = malloc((n ? n : 1) * sizeof *w.area_code);
    w.area_line = malloc((n ? n : 1) * sizeof *w.area_line);
    if (!w.area_code || !w.area_line) {
        st = pms_err_set(err, PMS_ENOMEM, "out of memory");
        goto done;
    }
    size_t dups = 0;
    if ((st = pivot_index(&w, csv, path, ci_ind, ci_year, ci_area, err)) ||
        (st = pivot_columns(t, &w, csv, ci_area, ci_val, err)) ||
        (st = pivot_values(t, &w, csv, path, ci_val, &dups, err)))
        goto done;
    for (size_t k = 0; k < w.nnames; k++) {
        pms_column *c = &t->cols[1 + k];
        for (size_t r = 0; r < w.nareas; r++) c->n_missing += isnan(c->num[r]);
    }
    if ((dups && pms_table_note(t, "duplicate_key", dups,
                                "%s: %zu repeated area-year values (the first is used)", path,
                                dups)) ||
        pms_table_note(t, "pivot", w.nareas,
                       "%s: long format pivoted to %zu areas x %zu indicator-years", path,
                       w.nareas, w.nnames))
        st = pms_err_set(err, PMS_ENOMEM, "out of memory");
done:
    pivot_work_free(&w);
    return st;
}
