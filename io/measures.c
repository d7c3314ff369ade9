/* The standard derived measures (doc/methods/measures-and-practices.md),
 * added to a loaded table by pms_table_derive_standard (io/table.h). */
#include "io/table.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pms_status derive_ratio(pms_table *t, const char *name, const char *num,
                               const char *den, int quiet, pms_err *err)
{
    const pms_column *a = pms_table_col(t, num), *b = pms_table_col(t, den);
    if (!a || !b || a->type != PMS_COL_NUM || b->type != PMS_COL_NUM || pms_table_col(t, name))
        return PMS_OK;
    double *v = malloc((t->nrows ? t->nrows : 1) * sizeof *v);
    if (!v) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    size_t bad = 0;
    for (size_t i = 0; i < t->nrows; i++) {
        double d = b->num[i];
        if (isnan(a->num[i]) || isnan(d)) v[i] = NAN;
        else if (d <= 0) {
            v[i] = NAN;
            bad++;
        } else
            v[i] = a->num[i] / d;
    }
    pms_status st = pms_table_add_numeric(t, name, v, err);
    if (!st && bad && !quiet)
        pms_table_note(t, "bad_denominator", bad,
                       "%s: %zu practices have %s <= 0, so %s is missing for them", name, bad,
                       den, name);
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
    const pms_column *c = pms_table_col(t, name);
    if (c && c->type == PMS_COL_NUM) return NULL;
    for (size_t k = 0; k < sizeof measures / sizeof *measures; k++)
        if (!strcmp(measures[k].name, name))
            for (size_t j = 0; j < 3 && measures[k].terms[j]; j++) {
                const char *r = root_missing(t, measures[k].terms[j]);
                if (r) return r;
            }
    return name;
}

static pms_status derive_sum(pms_table *t, const measure_def *m, pms_err *err)
{
    const pms_column *trig = pms_table_col(t, m->trigger);
    if (!trig || trig->type != PMS_COL_NUM || pms_table_col(t, m->name)) return PMS_OK;
    const pms_column *c[3] = {NULL, NULL, NULL};
    for (size_t k = 0; k < 3 && m->terms[k]; k++) {
        c[k] = pms_table_col(t, m->terms[k]);
        if (!c[k] || c[k]->type != PMS_COL_NUM) {
            /* Not a silent zero: the measure is absent, and asking for it says why. */
            const char *raw = root_missing(t, m->terms[k]);
            const pms_column *rc = pms_table_col(t, raw);
            pms_status st = pms_table_note(
                t, "measure_unavailable", 0,
                "%s: cannot be derived: %s has no %scolumn '%s' (canonical name %s)", m->name,
                t->nsources ? t->sources[0].path : "the data", rc ? "numeric " : "",
                input_header(raw), raw);
            return st ? pms_err_set(err, st, "out of memory") : PMS_OK;
        }
    }
    double *v = malloc((t->nrows ? t->nrows : 1) * sizeof *v);
    if (!v) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    for (size_t i = 0; i < t->nrows; i++) {
        double s = 0;
        for (size_t k = 0; k < 3 && c[k]; k++) s += m->sign[k] * c[k]->num[i];
        v[i] = s; /* NaN in any component propagates */
    }
    return pms_table_add_numeric(t, m->name, v, err);
}

/* One note per denominator for the measures added after the first four, whose
 * per-ratio notes would only repeat the same practices. */
static pms_status derive_ratios_quiet(pms_table *t, const char *den, const char *suffix,
                                      pms_err *err)
{
    static const char *const nums[] = {"dispensing_payments", "payments_less_dispensing",
                                       "payments_less_dispensing_premises"};
    pms_status st;
    char name[96];
    int made = 0;
    for (size_t k = 0; k < 3; k++) {
        snprintf(name, sizeof name, "%s_%s", nums[k], suffix);
        if (pms_table_col(t, nums[k]) && !pms_table_col(t, name)) made = 1;
        if ((st = derive_ratio(t, name, nums[k], den, 1, err))) return st;
    }
    if (!strcmp(suffix, "per_registered")) {
        if (pms_table_col(t, "core_payments") && !pms_table_col(t, "core_per_registered")) made = 1;
        if ((st = derive_ratio(t, "core_per_registered", "core_payments", den, 1, err))) return st;
    }
    const pms_column *d = pms_table_col(t, den);
    if (!made || !d || d->type != PMS_COL_NUM) return PMS_OK;
    size_t bad = 0;
    for (size_t i = 0; i < t->nrows; i++) bad += d->num[i] <= 0;
    if (bad)
        pms_table_note(t, "bad_denominator", bad,
                       "*_%s: %zu practices have %s <= 0, so every measure per %s patient is "
                       "missing for them", suffix, bad, den, suffix + 4);
    return PMS_OK;
}

pms_status pms_table_derive_standard(pms_table *t, pms_err *err)
{
    pms_status st;
    if ((st = derive_ratio(t, "payments_per_registered", "total_payments", "registered_patients", 0, err)))
        return st;
    if ((st = derive_ratio(t, "payments_per_weighted", "total_payments", "weighted_patients", 0, err)))
        return st;
    for (size_t k = 0; k < sizeof measures / sizeof *measures; k++)
        if ((st = derive_sum(t, &measures[k], err))) return st;
    if ((st = derive_ratio(t, "core_per_weighted", "core_payments", "weighted_patients", 0, err)))
        return st;
    if ((st = derive_ratios_quiet(t, "weighted_patients", "per_weighted", err))) return st;
    return derive_ratios_quiet(t, "registered_patients", "per_registered", err);
}
