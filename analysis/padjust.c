/* p-value adjustment; see padjust.h for the formulas (R's p.adjust). */
#include "analysis/padjust.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *pms_adjust_name(pms_adjust_method m)
{
    switch (m) {
    case PMS_ADJ_NONE: return "none";
    case PMS_ADJ_HOLM: return "holm";
    case PMS_ADJ_BH: return "bh";
    case PMS_ADJ_BY: return "by";
    }
    return "?";
}

int pms_adjust_parse(const char *s, pms_adjust_method *m)
{
    static const pms_adjust_method all[] = {PMS_ADJ_NONE, PMS_ADJ_HOLM, PMS_ADJ_BH, PMS_ADJ_BY};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (!strcmp(s, pms_adjust_name(all[i]))) {
            *m = all[i];
            return 0;
        }
    if (!strcmp(s, "fdr")) {   /* R's alias */
        *m = PMS_ADJ_BH;
        return 0;
    }
    return -1;
}

typedef struct {
    double p;
    size_t i;
} keyed;

/* Ascending p; equal p keep input order (R's order() is stable). */
static int cmp_up(const void *a, const void *b)
{
    const keyed *x = a, *y = b;
    if (x->p != y->p) return x->p < y->p ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

pms_status pms_p_adjust(const double *p, size_t n, pms_adjust_method m, double *out, pms_err *err)
{
    if ((unsigned)m > PMS_ADJ_BY) return pms_err_set(err, PMS_EUSAGE, "unknown adjustment method");
    size_t lp = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(p[i])) continue;
        if (!(p[i] >= 0 && p[i] <= 1))
            return pms_err_set(err, PMS_EDOMAIN, "p-value %zu is %g, outside [0, 1]", i + 1, p[i]);
        lp++;
    }
    if (m == PMS_ADJ_NONE || lp <= 1) {
        memmove(out, p, n * sizeof *out);
        return PMS_OK;
    }
    keyed *k = malloc(lp * sizeof *k);
    if (!k) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    for (size_t i = 0, j = 0; i < n; i++) {
        if (isnan(p[i])) {
            out[i] = NAN;
            continue;
        }
        k[j].p = p[i];
        k[j++].i = i;
    }
    qsort(k, lp, sizeof *k, cmp_up);
    double mm = (double)lp;
    if (m == PMS_ADJ_HOLM) {
        double run = 0;
        for (size_t j = 0; j < lp; j++) {   /* rank i = j + 1 */
            double v = (mm - (double)j) * k[j].p;
            if (v > run) run = v;
            out[k[j].i] = run < 1 ? run : 1;
        }
    } else {
        double q = 1;
        if (m == PMS_ADJ_BY) {
            q = 0;
            for (size_t j = lp; j >= 1; j--) q += 1.0 / (double)j;   /* small terms first */
        }
        double run = INFINITY;
        for (size_t j = lp; j-- > 0;) {   /* from the largest p down */
            double v = q * mm / (double)(j + 1) * k[j].p;
            if (v < run) run = v;
            out[k[j].i] = run < 1 ? run : 1;
        }
    }
    free(k);
    return PMS_OK;
}
