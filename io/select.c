#include "io/select.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const rule_names[PMS_SEL_NRULES] = {"nonpositive", "practice_type", "atypical",
                                                       "part_year", "min_list"};

const char *pms_select_rule_name(pms_sel_rule r)
{
    return r < PMS_SEL_NRULES ? rule_names[r] : "?";
}

void pms_select_opts_default(pms_select_opts *o)
{
    for (int k = 0; k < PMS_SEL_NRULES; k++) o->on[k] = 1;
    o->min_list = 1000;
    o->year = 0;
}

void pms_select_opts_none(pms_select_opts *o)
{
    pms_select_opts_default(o);
    for (int k = 0; k < PMS_SEL_NRULES; k++) o->on[k] = 0;
}

void pms_select_result_free(pms_select_result *r)
{
    if (!r) return;
    free(r->keep);
    r->keep = NULL;
}

/* Days since 1 March of year 0: a proleptic Gregorian day count for comparisons. */
static long date_of(int y, int m, int d)
{
    if (m <= 2) y--, m += 12;
    return 365L * y + y / 4 - y / 100 + y / 400 + (153 * (m - 3) + 2) / 5 + d - 1;
}

/* dd/mm/yyyy as NHS Digital writes them, or ISO yyyy-mm-dd; -1 if not a date. */
static long day_number(const char *s)
{
    int d, m, y;
    char tail;
    if (sscanf(s, "%2d/%2d/%4d%c", &d, &m, &y, &tail) != 3 &&
        sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
        return -1;
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1]) return -1;
    return date_of(y, m, d);
}

/* A date column as day numbers (-2 = missing); a bad cell is an error. */
static pms_status dates(const pms_table *t, const char *name, long *out, int *present,
                        pms_err *err)
{
    const pms_column *c = pms_table_col(t, name);
    *present = c && c->type == PMS_COL_TEXT;
    if (!*present) return PMS_OK;
    for (size_t i = 0; i < t->nrows; i++) {
        out[i] = -2;
        if (!c->text[i]) continue;
        out[i] = day_number(c->text[i]);
        if (out[i] < 0)
            return pms_err_set(err, PMS_EPARSE, "%s:%ld:%d: not a date (dd/mm/yyyy): '%.40s' "
                               "(column '%s')",
                               t->nsources ? t->sources[c->source > 0 ? c->source : 0].path
                                           : "(data)",
                               t->line ? t->line[i] : (long)i + 2, c->field, c->text[i],
                               c->header);
    }
    return PMS_OK;
}

static int year_of(long day)
{
    /* The financial year holding `day`: its 1 April is on or before it. */
    int y = 1900;
    while (y < 2200 && date_of(y + 1, 4, 1) <= day) y++;
    return y;
}

static const double *num_col(const pms_table *t, const char *name)
{
    const pms_column *c = pms_table_col(t, name);
    return c && c->type == PMS_COL_NUM ? c->num : NULL;
}

static const char *const *text_col(const pms_table *t, const char *name)
{
    const pms_column *c = pms_table_col(t, name);
    return c && c->type == PMS_COL_TEXT ? (const char *const *)c->text : NULL;
}

static int nonpos(const double *v, size_t i) { return v && !(v[i] > 0); }

static int is_gp_practice(const char *s)
{
    /* "GP practice" in every year's file; case as written varies. */
    const char *want = "gp practice";
    for (; *s && *want; s++, want++)
        if ((*s | 0x20) != *want && !(*s == ' ' && *want == ' ')) return 0;
    return !*s && !*want;
}

/* Does row i fail rule k? */
typedef struct {
    const double *reg, *wt, *tot;
    const char *const *ptype, *const *atyp;
    const long *open, *close;
    long start, end;
    double min_list;
} rule_data;

static int fails(const rule_data *d, int k, size_t i)
{
    switch (k) {
    case PMS_SEL_NONPOSITIVE:
        return nonpos(d->reg, i) || nonpos(d->wt, i) || nonpos(d->tot, i);
    case PMS_SEL_PRACTICE_TYPE:
        return d->ptype[i] && !is_gp_practice(d->ptype[i]);
    case PMS_SEL_ATYPICAL:
        return d->atyp[i] != NULL && strspn(d->atyp[i], "| ") < strlen(d->atyp[i]);
    case PMS_SEL_PART_YEAR:
        return (d->open && d->open[i] > d->start) || (d->close && d->close[i] >= 0 &&
                                                      d->close[i] < d->end);
    case PMS_SEL_MIN_LIST:
        return !(d->reg[i] >= d->min_list);
    }
    return 0;
}

static void describe(pms_select_result *r, const pms_select_opts *o, int k, const char *why)
{
    char y[16];
    snprintf(y, sizeof y, "%d/%02d", r->year, (r->year + 1) % 100);
    const char *what[PMS_SEL_NRULES] = {
        "registered or weighted patients, or total payments, missing or not positive",
        "practice type other than GP practice (walk-in and out-of-hours centres)",
        "flagged with atypical characteristics by NHS Digital",
        NULL, NULL};
    char buf[160];
    if (k == PMS_SEL_PART_YEAR)
        snprintf(buf, sizeof buf, "opened after 1 April or closed before 31 March of %s (%s)",
                 y, r->year_inferred ? "the year of the latest opening date in the file" : "as set");
    else if (k == PMS_SEL_MIN_LIST)
        snprintf(buf, sizeof buf, "fewer than %.0f registered patients", o->min_list);
    else
        snprintf(buf, sizeof buf, "%s", what[k]);
    if (why)
        snprintf(r->reason[k], sizeof r->reason[k], "rule %s not applied: %s", rule_names[k], why);
    else
        snprintf(r->reason[k], sizeof r->reason[k],
                 "rule %s: %zu practices excluded: %s (%zu by this rule alone)", rule_names[k],
                 r->excluded[k], buf, r->alone[k]);
}

pms_status pms_select_rows(const pms_table *t, const pms_select_opts *o, pms_select_result *out,
                           pms_err *err)
{
    memset(out, 0, sizeof *out);
    size_t n = t->nrows;
    out->nrows = n;
    out->keep = malloc(n ? n : 1);
    long *open = malloc((n ? n : 1) * sizeof *open), *close = malloc((n ? n : 1) * sizeof *close);
    if (!out->keep || !open || !close) {
        free(open), free(close), pms_select_result_free(out);
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    rule_data d = {num_col(t, "registered_patients"), num_col(t, "weighted_patients"),
                   num_col(t, "total_payments"), text_col(t, "practice_type"),
                   text_col(t, "atypical_characteristics"), NULL, NULL, 0, 0, o->min_list};
    int has_open, has_close;
    pms_status st = dates(t, "practice_open_date", open, &has_open, err);
    if (!st) st = dates(t, "practice_close_date", close, &has_close, err);
    if (st) {
        free(open), free(close), pms_select_result_free(out);
        return st;
    }
    d.open = has_open ? open : NULL;
    d.close = has_close ? close : NULL;
    out->year = o->year;
    if (!out->year && has_open) {
        long latest = -1;
        for (size_t i = 0; i < n; i++)
            if (open[i] > latest) latest = open[i];
        if (latest >= 0) out->year = year_of(latest), out->year_inferred = 1;
    }
    d.start = date_of(out->year, 4, 1);
    d.end = date_of(out->year + 1, 3, 31);
    const char *why[PMS_SEL_NRULES] = {NULL};
    if (!d.reg && !d.wt && !d.tot) why[PMS_SEL_NONPOSITIVE] = "no list size or payments columns";
    if (!d.ptype) why[PMS_SEL_PRACTICE_TYPE] = "the file has no Practice type column";
    if (!d.atyp) why[PMS_SEL_ATYPICAL] = "the file has no Atypical characteristics column";
    if (!has_open && !has_close) why[PMS_SEL_PART_YEAR] = "the file has no open or close dates";
    else if (!out->year) why[PMS_SEL_PART_YEAR] = "no opening dates to tell the year by";
    if (!d.reg) why[PMS_SEL_MIN_LIST] = "the file has no registered patients column";
    for (int k = 0; k < PMS_SEL_NRULES; k++) {
        if (!o->on[k]) why[k] = "switched off";
        out->applied[k] = why[k] == NULL;
    }
    for (size_t i = 0; i < n; i++) {
        int first = -1;
        for (int k = 0; k < PMS_SEL_NRULES; k++)
            if (out->applied[k] && fails(&d, k, i)) {
                out->alone[k]++;
                if (first < 0) first = k;
            }
        out->keep[i] = first < 0;
        if (first >= 0) out->excluded[first]++;
        else out->kept++;
    }
    for (int k = 0; k < PMS_SEL_NRULES; k++) describe(out, o, k, why[k]);
    free(open), free(close);
    return PMS_OK;
}

pms_status pms_select_apply(pms_table *t, const pms_select_opts *o, pms_select_result *out,
                            pms_err *err)
{
    pms_select_result local;
    pms_select_result *r = out ? out : &local;
    pms_status st = pms_select_rows(t, o, r, err);
    if (st) return st;
    for (int k = 0; k < PMS_SEL_NRULES && !st; k++)
        if (r->applied[k]) {
            char what[32];
            snprintf(what, sizeof what, "rule_%s", rule_names[k]);
            st = pms_table_note(t, what, r->excluded[k], "%s", r->reason[k]);
        }
    if (!st) st = pms_table_keep_rows(t, r->keep, err);
    if (!out) pms_select_result_free(&local);
    return st;
}
