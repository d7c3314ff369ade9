/* The 2014/15 sample shared by the fairness tests (header-only, static):
 * payments per weighted patient weighted by weighted patients, CCG as the
 * group, IMD 2015 as the ranking.  A practice is kept when its value is
 * present and positive, as tests/reference/inequality.R does. */
#ifndef PMS_TEST_FAIR_DATA_H
#define PMS_TEST_FAIR_DATA_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/table.h"

typedef struct {
    size_t rows, n, missing, nonpositive, ngroups;
    double *x, *w, *imd;   /* n each; imd NaN where missing */
    size_t *group;         /* n, CCG index in first-seen order */
    char **names;          /* ngroups CCG codes */
} fair_data;

static inline void fair_data_free(fair_data *d)
{
    free(d->x);
    free(d->w);
    free(d->imd);
    free(d->group);
    for (size_t g = 0; g < d->ngroups; g++) free(d->names[g]);
    free(d->names);
    memset(d, 0, sizeof *d);
}

static inline size_t fair_group(const fair_data *d, const char *code)
{
    for (size_t g = 0; g < d->ngroups; g++)
        if (!strcmp(d->names[g], code)) return g;
    return (size_t)-1;
}

static inline int fair_data_load(fair_data *d)
{
    memset(d, 0, sizeof *d);
    pms_table *t = pms_test_open_2014_imd(NULL);
    if (!t) return -1;
    pms_err err = {{0}};
    const double *v, *w, *r;
    const char *const *ccg;
    if (pms_table_numeric(t, "payments_per_weighted", &v, &err) != PMS_OK ||
        pms_table_numeric(t, "weighted_patients", &w, &err) != PMS_OK ||
        pms_table_numeric(t, "imd2015", &r, &err) != PMS_OK ||
        pms_table_text(t, "ccg_code", &ccg, &err) != PMS_OK) {
        fprintf(stderr, "%s\n", err.msg);
        pms_table_free(t);
        return -1;
    }
    size_t N = t->nrows;
    d->rows = N;
    d->x = malloc(N * sizeof *d->x);
    d->w = malloc(N * sizeof *d->w);
    d->imd = malloc(N * sizeof *d->imd);
    d->group = malloc(N * sizeof *d->group);
    const char **names = malloc(N * sizeof *names);
    if (!d->x || !d->w || !d->imd || !d->group || !names) {
        free(names);
        pms_table_free(t);
        return -1;
    }
    for (size_t i = 0; i < N; i++) {
        if (isnan(v[i])) {
            d->missing++;
            continue;
        }
        if (!(v[i] > 0)) {
            d->nonpositive++;
            continue;
        }
        size_t g = 0;
        while (g < d->ngroups && strcmp(names[g], ccg[i]) != 0) g++;
        if (g == d->ngroups) names[d->ngroups++] = ccg[i];
        d->x[d->n] = v[i];
        d->w[d->n] = w[i];
        d->imd[d->n] = r[i];
        d->group[d->n] = g;
        d->n++;
    }
    d->names = malloc((d->ngroups ? d->ngroups : 1) * sizeof *d->names);
    for (size_t g = 0; d->names && g < d->ngroups; g++) d->names[g] = strdup(names[g]);
    free(names);
    pms_table_free(t);
    return d->names ? 0 : -1;
}

/* The cmocka group setup shared by test_inequality and test_concentration:
 * the R reference values (tests/reference/inequality.out) and the data. */
static inline int fair_data_load_with_ref(fair_data *d, char **ref)
{
    char *p = pms_test_path(PMS_SOURCE_DIR, "tests/reference/inequality.out");
    *ref = pms_test_slurp(p);
    free(p);
    if (!*ref) return -1;
    return fair_data_load(d);
}

#endif
