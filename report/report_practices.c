/* The Practices sheet and practices.csv (issue 14): one row per practice in
 * the main year's file, the locality's first, with its inputs, each income
 * measure, the derived per-patient values and the practice rule that removed
 * it from the statistics, if any. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"

typedef struct {
    const char *key;
    pms_outkind kind;
    int decimals;
} col_spec;

/* Text columns first, then numbers; a column the file lacks is left empty. */
static const col_spec cols[] = {
    {"practice_code", PMS_OUT_TEXT, 0},
    {"practice_name", PMS_OUT_TEXT, 0},
    {"ccg_code", PMS_OUT_TEXT, 0},
    {"ccg_name", PMS_OUT_TEXT, 0},
    {"contract_type", PMS_OUT_TEXT, 0},
    {"registered_patients", PMS_OUT_INT, 0},
    {"weighted_patients", PMS_OUT_REAL, 1},
    {NULL, PMS_OUT_REAL, 2}, /* the deprivation column, r->deprivation */
    {"total_payments", PMS_OUT_MONEY, 0},
    {"payments_less_dispensing", PMS_OUT_MONEY, 0},
    {"payments_less_dispensing_premises", PMS_OUT_MONEY, 0},
    {"core_payments", PMS_OUT_MONEY, 0},
    {"payments_per_weighted", PMS_OUT_MONEY, 2},
    {"payments_less_dispensing_per_weighted", PMS_OUT_MONEY, 2},
    {"payments_less_dispensing_premises_per_weighted", PMS_OUT_MONEY, 2},
    {"core_per_weighted", PMS_OUT_MONEY, 2},
    {"payments_per_registered", PMS_OUT_MONEY, 2},
};
#define NCOLS (sizeof cols / sizeof cols[0])

/* Each row's first failed rule (-1: kept), in io/select's order: each rule
 * evaluated alone, the first that fails is the one pms_select_apply counts. */
static pms_status first_rule(const pms_report_ctx *r, int *rule, pms_err *err)
{
    const pms_table *t = r->all;
    for (size_t i = 0; i < t->nrows; i++) rule[i] = -1;
    for (int k = 0; k < PMS_SEL_NRULES; k++) {
        if (!r->sel.on[k]) continue;
        pms_select_opts o;
        pms_select_opts_none(&o);
        o.on[k] = 1;
        o.min_list = r->sel.min_list;
        o.year = r->selres.year ? r->selres.year : r->sel.year;
        pms_select_result res;
        memset(&res, 0, sizeof res);
        pms_status st = pms_select_rows(t, &o, &res, err);
        if (st) {
            pms_select_result_free(&res);
            return st;
        }
        for (size_t i = 0; i < t->nrows; i++)
            if (rule[i] < 0 && res.keep && !res.keep[i]) rule[i] = k;
        pms_select_result_free(&res);
    }
    return PMS_OK;
}

static void put_row(pms_out *o, const int *oc, const pms_column *const *src, size_t i,
                    int in_loc, int rule)
{
    for (size_t c = 0; c < NCOLS; c++) {
        const pms_column *s = src[c];
        if (!s) continue;
        if (s->type == PMS_COL_TEXT)
            pms_out_set_text(o, oc[c], s->text[i]);
        else if (cols[c].kind == PMS_OUT_INT && s->num[i] == s->num[i])
            pms_out_set_int(o, oc[c], (long long)s->num[i]);
        else
            pms_out_set_num(o, oc[c], s->num[i]);
    }
    pms_out_set_bool(o, oc[NCOLS], in_loc);
    pms_out_set_text(o, oc[NCOLS + 1], rule < 0 ? NULL : pms_select_rule_name((pms_sel_rule)rule));
}

static pms_status fill(pms_report_ctx *r, pms_out *o, const int *rule, pms_err *err)
{
    const pms_table *t = r->all;
    const pms_column *src[NCOLS];
    int oc[NCOLS + 2];
    for (size_t c = 0; c < NCOLS; c++) {
        const char *key = cols[c].key ? cols[c].key : r->deprivation;
        src[c] = pms_table_col(t, key);
        oc[c] = pms_out_col(o, key, cols[c].kind, cols[c].decimals);
    }
    oc[NCOLS] = pms_out_col(o, "in_locality", PMS_OUT_BOOL, 0);
    oc[NCOLS + 1] = pms_out_col(o, "removed_by_rule", PMS_OUT_TEXT, 0);
    unsigned char *mark = malloc(t->nrows ? t->nrows : 1);
    if (!mark) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    pms_report_locality_rows(r, t, mark);
    /* The locality's practices first, then England, each in file order. */
    for (int pass = 1; pass >= 0; pass--)
        for (size_t i = 0; i < t->nrows; i++) {
            if (mark[i] != pass) continue;
            if (pms_out_row(o)) {
                free(mark);
                return pms_err_set(err, PMS_ENOMEM, "out of memory");
            }
            put_row(o, oc, src, i, pass, rule[i]);
        }
    free(mark);
    return PMS_OK;
}

static pms_status write_csv(pms_report_ctx *r, pms_out *o, pms_err *err)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/practices.csv", r->dir);
    FILE *f = fopen(path, "w");
    if (!f) return pms_err_set(err, PMS_EIO, "%s: cannot write: %s", path, strerror(errno));
    pms_status st = pms_out_write(f, PMS_FMT_CSV, &o, 1, NULL, NULL);
    if (fclose(f) != 0 && !st) st = PMS_EIO;
    /* A table short of a cell or row (out of memory) was not written. */
    if (st == PMS_ENOMEM) return pms_err_set(err, st, "out of memory");
    if (st) return pms_err_set(err, PMS_EIO, "%s: cannot write: %s", path, strerror(errno));
    return PMS_OK;
}

pms_status pms_report_practices(pms_report_ctx *r, pms_err *err)
{
    pms_out *o = pms_out_new("practices", "Practices in the main year, the locality's first");
    int *rule = malloc((r->all->nrows ? r->all->nrows : 1) * sizeof *rule);
    if (!o || !rule) {
        pms_out_free(o);
        free(rule);
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    pms_status st = first_rule(r, rule, err);
    if (!st) st = fill(r, o, rule, err);
    if (!st) {
        size_t out = 0;
        const char *file = strrchr(r->all->sources[0].path, '/');
        file = file ? file + 1 : r->all->sources[0].path;
        for (size_t i = 0; i < r->all->nrows; i++) out += rule[i] >= 0;
        pms_out_footnote(o, "One row per practice in %s; the statistics use the %zu with no "
                            "removed_by_rule (the practice rules, Methods sheet); the savings "
                            "model uses every contract. Money in pounds; per_weighted and "
                            "per_registered are pounds per patient.",
                         file, r->all->nrows - out);
        st = pms_report_add_tables(r, "Practices", &o, 1, NULL, err);
    }
    if (!st) st = write_csv(r, o, err);
    if (!st)
        pms_report_method(r, "Practices sheet (also practices.csv): every practice of the main "
                             "year, the locality's first; removed_by_rule names the first "
                             "practice rule it fails, in the order nonpositive, practice_type, "
                             "atypical, part_year, min_list.");
    free(rule);
    pms_out_free(o);
    return st;
}
