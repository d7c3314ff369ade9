/* The Fingertips long format pivoted to one row per area (see io/pivot.h). */
#include "io/pivot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/aliases.h"
#include "io/table_priv.h"
#include "io/utf8.h"

/* Fingertips long format: IndicatorID, Year/TimePeriod, AreaCode, ..., Value.
 * One row per area, one column per indicator-year (imdYYYY for 93553). */
pms_status pms_table_pivot_long(pms_table *t, pms_csv *csv, const char *path, int ci_ind,
                             int ci_year, int ci_area, int ci_val, pms_err *err)
{
    size_t n = csv->nrec;
    strmap areas = {0}, keys = {0};
    pms_status st = PMS_OK;
    size_t *row_of = malloc((n ? n : 1) * sizeof *row_of);
    size_t *col_of = malloc((n ? n : 1) * sizeof *col_of);
    char **names = NULL;
    size_t nnames = 0;
    if (!row_of || !col_of || strmap_init(&areas, n) || strmap_init(&keys, 64)) {
        st = pms_err_set(err, PMS_ENOMEM, "out of memory");
        goto done;
    }
    char **area_code = malloc((n ? n : 1) * sizeof *area_code);
    long *area_line = malloc((n ? n : 1) * sizeof *area_line);
    if (!area_code || !area_line) {
        free(area_code);
        free(area_line);
        st = pms_err_set(err, PMS_ENOMEM, "out of memory");
        goto done;
    }
    size_t nareas = 0;
    for (size_t i = 0; i < n; i++) {
        char *code = clean_text(pms_csv_cell(csv, i, (size_t)ci_area));
        if (!code) {
            free(area_code);
            free(area_line);
            st = pms_err_set(err, PMS_EPARSE, "%s:%ld:%d: missing area code", path,
                             csv->line[i], ci_area + 1);
            goto done;
        }
        upcase(code);
        int found;
        size_t *slot = strmap_slot(&areas, code, &found);
        if (!found) {
            *slot = nareas;
            area_code[nareas] = code;
            area_line[nareas] = csv->line[i];
            nareas++;
        }
        row_of[i] = *slot;
        char *ind = clean_text(pms_csv_cell(csv, i, (size_t)ci_ind));
        char *yr = clean_text(pms_csv_cell(csv, i, (size_t)ci_year));
        char name[128];
        if (ind && !strcmp(ind, "93553"))
            snprintf(name, sizeof name, "imd%s", yr ? yr : "");
        else {
            char raw[128];
            snprintf(raw, sizeof raw, "ind%s_%s", ind ? ind : "", yr ? yr : "");
            pms_snake_case(raw, name, sizeof name);
        }
        /* Look up by a stack copy first; only a new name gets a heap copy,
         * which the map then points at. */
        size_t kidx = (size_t)-1;
        for (size_t s = (size_t)hash_str(name) & (keys.cap - 1); keys.keys[s];
             s = (s + 1) & (keys.cap - 1))
            if (!strcmp(keys.keys[s], name)) {
                kidx = keys.vals[s];
                break;
            }
        if (kidx == (size_t)-1) {
            char **nn = nnames < 200 ? realloc(names, (nnames + 1) * sizeof *nn) : NULL;
            if (nn) names = nn;
            if (!nn || !(names[nnames] = xstrdup(name))) {
                free(area_code);
                free(area_line);
                st = nnames >= 200
                         ? pms_err_set(err, PMS_EPARSE,
                                       "%s: more than 200 indicator-years in a long file", path)
                         : pms_err_set(err, PMS_ENOMEM, "out of memory");
                goto done;
            }
            *strmap_slot(&keys, names[nnames], &found) = nnames;
            kidx = nnames++;
        }
        col_of[i] = kidx;
    }
    t->nrows = nareas;
    t->line = area_line;
    pms_column *pc = add_column(t);
    if (!pc) {
        free(area_code);
        st = pms_err_set(err, PMS_ENOMEM, "out of memory");
        goto done;
    }
    pc->name = xstrdup("practice_code");
    pc->header = xstrdup(csv->header[ci_area]);
    pc->field = ci_area + 1;
    pc->type = PMS_COL_TEXT;
    pc->text = area_code;
    if (!pc->name || !pc->header) {
        st = pms_err_set(err, PMS_ENOMEM, "out of memory");
        goto done;
    }
    size_t dups = 0;
    for (size_t k = 0; k < nnames; k++) {
        pms_column *c = add_column(t);
        if (!c) {
            st = pms_err_set(err, PMS_ENOMEM, "out of memory");
            goto done;
        }
        c->name = xstrdup(names[k]);
        c->header = xstrdup(csv->header[ci_val]);
        c->field = ci_val + 1;
        c->type = PMS_COL_NUM;
        c->num = malloc((nareas ? nareas : 1) * sizeof *c->num);
        if (!c->name || !c->header || !c->num) {
            st = pms_err_set(err, PMS_ENOMEM, "out of memory");
            goto done;
        }
        for (size_t r = 0; r < nareas; r++) c->num[r] = NAN;
    }
    for (size_t i = 0; i < n; i++) {
        char *cell = pms_csv_cell(csv, i, (size_t)ci_val);
        double v;
        pms_numparse r = pms_parse_number(cell, &v);
        if (r == PMS_NUM_BAD) {
            st = pms_err_set(err, PMS_EPARSE, "%s:%ld:%d: not a number: '%.*s' (column '%s')",
                             path, csv->line[i], ci_val + 1, (int)pms_utf8_prefix(cell, 40), cell,
                             csv->header[ci_val]);
            goto done;
        }
        if (r == PMS_NUM_MISSING) continue;
        double *dst = &t->cols[1 + col_of[i]].num[row_of[i]];
        if (!isnan(*dst)) {
            dups++;
            continue; /* the first value for an area and year is kept, and counted */
        }
        *dst = v;
    }
    for (size_t k = 0; k < nnames; k++) {
        pms_column *c = &t->cols[1 + k];
        for (size_t r = 0; r < nareas; r++) c->n_missing += isnan(c->num[r]);
    }
    if (dups)
        pms_table_note(t, "duplicate_key", dups,
                       "%s: %zu repeated area-year values (the first is used)", path, dups);
    pms_table_note(t, "pivot", nareas,
                   "%s: long format pivoted to %zu areas x %zu indicator-years", path, nareas,
                   nnames);
done:
    for (size_t k = 0; k < nnames; k++) free(names[k]);
    free(names);
    strmap_free(&areas);
    strmap_free(&keys);
    free(row_of);
    free(col_of);
    return st;
}
