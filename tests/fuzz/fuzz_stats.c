/* libFuzzer: the statistics kernels on arbitrary doubles (NaN, +-inf,
 * subnormals, 1e308, negative zero ...).  The contract under test: a kernel
 * returns an error, or PMS_OK with every result finite; never a NaN or an
 * infinity silently (the output layer would have to print it).
 * Input: byte 0 picks the kernel, the rest are doubles, split in thirds into
 * x, w (or y) and a third array. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/concentration.h"
#include "analysis/correlate.h"
#include "analysis/descriptive.h"
#include "analysis/funnel.h"
#include "analysis/inequality.h"

#define FINITE(v) (isfinite(v) ? (void)0 : abort())

static void funnel(const double *v, const double *s, size_t n, int kind)
{
    pms_funnel_opts o;
    pms_funnel_opts_default(&o);
    o.type = kind & 1 ? PMS_FUNNEL_PROPORTION : PMS_FUNNEL_MEAN;
    o.overdispersion = (pms_funnel_od)((kind >> 1) % 3);
    o.grid = 8;
    pms_funnel_result r;
    pms_err err;
    if (pms_funnel_fit(v, s, n, &o, &r, &err) != PMS_OK) return;
    FINITE(r.target), FINITE(r.sigma), FINITE(r.phi), FINITE(r.tau2);
    for (size_t i = 0; i < n; i++) {
        FINITE(r.units[i].z), FINITE(r.units[i].se);
        for (size_t l = 0; l < r.nlevels; l++) FINITE(r.units[i].low[l]), FINITE(r.units[i].high[l]);
    }
    for (size_t g = 0; g < r.ngrid * r.nlevels; g++) FINITE(r.grid_low[g]), FINITE(r.grid_high[g]);
    for (size_t g = 0; g < r.ngrid; g++) FINITE(r.grid_size[g]);
    pms_funnel_result_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    int which = data[0];
    size_t nd = (size - 1) / sizeof(double);
    if (nd > 3000) nd = 3000;
    double *d = malloc((nd ? nd : 1) * sizeof *d);
    if (!d) return 0;
    memcpy(d, data + 1, nd * sizeof *d);
    size_t n = nd / 3;
    const double *x = d, *w = d + n, *z = d + 2 * n;
    size_t *grp = malloc((n ? n : 1) * sizeof *grp);
    if (!grp) {
        free(d);
        return 0;
    }
    for (size_t i = 0; i < n; i++) grp[i] = (size_t)(fabs(z[i]) < 4 ? fabs(z[i]) : 0);
    pms_err err;
    double r = 0;
    pms_ineq_decomp dec;
    pms_desc_result ds;
    switch (which % 14) {
    case 0: if (!pms_ineq_gini(x, w, n, &r, &err)) FINITE(r); break;
    case 1: if (!pms_ineq_gini(x, NULL, n, &r, &err)) FINITE(r); break;
    case 2:
        if (!pms_ineq_theil_t(x, w, grp, 4, n, &dec, &err))
            FINITE(dec.total), FINITE(dec.between), FINITE(dec.within);
        break;
    case 3:
        if (!pms_ineq_ge(x, w, grp, 4, n, which / 14 % 3, &dec, &err))
            FINITE(dec.total), FINITE(dec.between), FINITE(dec.within);
        break;
    case 4: if (!pms_ineq_atkinson(x, w, n, 0.5 * (which / 14 % 4), &r, &err)) FINITE(r); break;
    case 5: if (!pms_conc_index(x, w, z, n, PMS_RANK_DESCENDING, &r, &err)) FINITE(r); break;
    case 6: if (!pms_desc_mean(x, n, &r)) FINITE(r); break;
    case 7: if (!pms_desc_variance(x, n, PMS_VAR_SAMPLE, &r)) FINITE(r); break;
    case 8: if (!pms_desc_wmean(x, w, n, &r)) FINITE(r); break;
    case 9:
        if (!pms_desc_summary(x, n, PMS_VAR_SAMPLE, &ds)) FINITE(ds.mean), FINITE(ds.sd);
        break;
    case 10: if (!pms_corr_pearson(x, w, n, &r, &err)) FINITE(r); break;
    case 11: if (!pms_corr_spearman(x, w, n, &r, &err)) FINITE(r); break;
    case 12: if (!pms_corr_kendall(x, w, n, &r, &err)) FINITE(r); break;
    default: funnel(x, w, n, which / 14); break;
    }
    free(grp);
    free(d);
    return 0;
}
