/* Least squares by Householder QR in extended precision.
 *
 * Why not the normal equations: forming X'X squares the condition number; on
 * NIST Filip (a degree-10 polynomial, condition number about 1e15 for raw
 * powers) that leaves no correct digit.  Why not plain double QR: Filip's
 * centred, scaled design still has a condition number of 3.8e9, so double QR
 * loses up to 10 of its 16 digits there (Wampler4/5 suffer too).  Householder QR is backward
 * stable, and doing it in long double (64-bit significand on x86-64) buys three
 * more digits at a cost that does not matter for the few thousand rows and
 * handful of columns this toolkit fits.  On Filip the result then equals the
 * exact least-squares solution of the double-rounded powers (LRE 7.9; the
 * rounding of x^k to double is the limit, see NOTES.md).
 *
 * References: Golub & Van Loan, Matrix Computations (4th ed.), 5.2 and 5.3
 * (Householder QR least squares); Lawson & Hanson (1974) ch. 11; Zeileis (2004),
 * "Econometric computing with HC and HAC covariance matrix estimators", JSS 11(10)
 * and the sandwich package's R/vcovHC.R (meatHC) and R/estfun.R (estfun.lm) for
 * the weighted HC formulas. */
#include "regress.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>

#include "tdist.h"

typedef long double ld;

void pms_reg_opts_default(pms_reg_opts *o)
{
    o->intercept = 1;
    o->robust = PMS_HC_NONE;
    o->ci_level = 0.95;
    o->names = NULL;
}

const char *pms_hc_name(pms_hc_type t)
{
    switch (t) {
    case PMS_HC_NONE: return "none";
    case PMS_HC0: return "hc0";
    case PMS_HC1: return "hc1";
    case PMS_HC2: return "hc2";
    case PMS_HC3: return "hc3";
    }
    return "?";
}

void pms_reg_result_free(pms_reg_result *r)
{
    if (!r) return;
    free(r->coef);
    free(r->se);
    free(r->t);
    free(r->p_value);
    free(r->ci_low);
    free(r->ci_high);
    free(r->se_classical);
    free(r->cov);
    r->coef = r->se = r->t = r->p_value = r->ci_low = r->ci_high = NULL;
    r->se_classical = r->cov = NULL;
}

static const char *col_name(const pms_reg_opts *o, size_t j, char *buf, size_t cap)
{
    if (o->names && o->names[j]) return o->names[j];
    snprintf(buf, cap, "x%zu", j + 1);
    return buf;
}

/* out = T M T' for the map from the centred parametrisation (a, b) to the
 * reported one (b0 = a - m'b, b).  M and out are p x p, p = k + 1. */
static void uncentre(const ld *M, const ld *m, size_t k, ld *out)
{
    size_t p = k + 1;
    /* TM: row 0 = M[0,:] - sum_j m_j M[1+j,:]; other rows unchanged. */
    ld *TM = out;
    for (size_t c = 0; c < p; c++) {
        ld s = M[c];
        for (size_t j = 0; j < k; j++) s -= m[j] * M[(1 + j) * p + c];
        TM[c] = s;
    }
    for (size_t r = 1; r < p; r++)
        for (size_t c = 0; c < p; c++) TM[r * p + c] = M[r * p + c];
    /* (TM) T': column 0 = TM[:,0] - sum_j m_j TM[:,1+j]. */
    for (size_t r = 0; r < p; r++) {
        ld s = TM[r * p];
        for (size_t j = 0; j < k; j++) s -= m[j] * TM[r * p + 1 + j];
        TM[r * p] = s;
    }
}

/* Everything the fit allocates, freed in one place. */
typedef struct {
    ld *A, *b, *vhead, *rdiag, *scale, *mean, *Rinv, *coef, *e, *h, *Bc, *M, *tmp, *V, *Vcl, *z;
} work;

static void work_free(work *wk)
{
    free(wk->A); free(wk->b); free(wk->vhead); free(wk->rdiag); free(wk->scale);
    free(wk->mean); free(wk->Rinv); free(wk->coef); free(wk->e); free(wk->h);
    free(wk->Bc); free(wk->M); free(wk->tmp); free(wk->V); free(wk->Vcl); free(wk->z);
}

/* Robust Wald F of the slopes: b_s' V_s^{-1} b_s / q, by Cholesky. */
static void wald_test(const double *coef, const ld *V, size_t p, size_t first,
                      double df2, double *F, double *P)
{
    size_t q = p - first;
    *F = *P = NAN;
    gsl_matrix *S = gsl_matrix_alloc(q, q);
    gsl_vector *bv = gsl_vector_alloc(q), *x = gsl_vector_alloc(q);
    if (S && bv && x) {
        for (size_t i = 0; i < q; i++) {
            gsl_vector_set(bv, i, coef[first + i]);
            for (size_t j = 0; j < q; j++)
                gsl_matrix_set(S, i, j, (double)V[(first + i) * p + first + j]);
        }
        if (gsl_linalg_cholesky_decomp1(S) == 0 && gsl_linalg_cholesky_solve(S, bv, x) == 0) {
            double w = 0;
            for (size_t i = 0; i < q; i++) w += gsl_vector_get(bv, i) * gsl_vector_get(x, i);
            *F = w / (double)q;
            *P = gsl_cdf_fdist_Q(*F, (double)q, df2);
        }
    }
    gsl_matrix_free(S);
    gsl_vector_free(bv);
    gsl_vector_free(x);
}

pms_status pms_reg_fit(const double *X, size_t n, size_t k, const double *y,
                       const double *w, const pms_reg_opts *opts_in, pms_reg_result *out,
                       pms_err *err)
{
    if (!X || !y || !out) return pms_err_set(err, PMS_EUSAGE, "regression: missing argument");
    memset(out, 0, sizeof *out);
    pms_reg_opts opts;
    if (opts_in)
        opts = *opts_in;
    else
        pms_reg_opts_default(&opts);
    if (k == 0) return pms_err_set(err, PMS_EUSAGE, "regression: no predictors");
    if (opts.robust < PMS_HC_NONE || opts.robust > PMS_HC3)
        return pms_err_set(err, PMS_EUSAGE, "regression: unknown robust type");
    if (!(opts.ci_level > 0 && opts.ci_level < 1))
        return pms_err_set(err, PMS_EDOMAIN, "confidence level %g is not in (0, 1)",
                           opts.ci_level);
    int icpt = opts.intercept ? 1 : 0;
    size_t p = k + (size_t)icpt;
    if (n <= p)
        return pms_err_set(err, PMS_ETOOFEW,
                           "%zu observations are too few for %zu parameters (need at least %zu)",
                           n, p, p + 1);
    char nb[32];
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(y[i]))
            return pms_err_set(err, PMS_ENONFINITE, "response is not finite in row %zu", i + 1);
        for (size_t j = 0; j < k; j++)
            if (!isfinite(X[i * k + j]))
                return pms_err_set(err, PMS_ENONFINITE, "predictor '%s' is not finite in row %zu",
                                   col_name(&opts, j, nb, sizeof nb), i + 1);
        if (w && !isfinite(w[i]))
            return pms_err_set(err, PMS_ENONFINITE, "weight is not finite in row %zu", i + 1);
        if (w && !(w[i] > 0))
            return pms_err_set(err, PMS_EDOMAIN, "weight %g in row %zu is not positive", w[i],
                               i + 1);
    }

    work wk = {0};
    pms_status st = PMS_OK;
    wk.A = malloc(n * k * sizeof(ld));
    wk.b = malloc(n * sizeof(ld));
    wk.vhead = malloc(k * sizeof(ld));
    wk.rdiag = malloc(k * sizeof(ld));
    wk.scale = malloc(k * sizeof(ld));
    wk.mean = calloc(k + 1, sizeof(ld));
    wk.Rinv = calloc(k * k, sizeof(ld));
    wk.coef = malloc(k * sizeof(ld));
    wk.e = malloc(n * sizeof(ld));
    wk.h = malloc(n * sizeof(ld));
    wk.Bc = calloc(p * p, sizeof(ld));
    wk.M = calloc(p * p, sizeof(ld));
    wk.tmp = calloc(p * p, sizeof(ld));
    wk.V = calloc(p * p, sizeof(ld));
    wk.Vcl = calloc(p * p, sizeof(ld));
    wk.z = calloc(p, sizeof(ld));
    out->coef = malloc(p * sizeof(double));
    out->se = malloc(p * sizeof(double));
    out->t = malloc(p * sizeof(double));
    out->p_value = malloc(p * sizeof(double));
    out->ci_low = malloc(p * sizeof(double));
    out->ci_high = malloc(p * sizeof(double));
    out->se_classical = malloc(p * sizeof(double));
    out->cov = malloc(p * p * sizeof(double));
    if (!wk.A || !wk.b || !wk.vhead || !wk.rdiag || !wk.scale || !wk.mean || !wk.Rinv ||
        !wk.coef || !wk.e || !wk.h || !wk.Bc || !wk.M || !wk.tmp || !wk.V || !wk.Vcl || !wk.z ||
        !out->coef || !out->se || !out->t || !out->p_value || !out->ci_low || !out->ci_high ||
        !out->se_classical || !out->cov) {
        st = pms_err_set(err, PMS_ENOMEM, "regression: out of memory");
        goto done;
    }

    /* Weighted means (two-pass) of the predictors and y; mean[k] is y's. */
    ld W = 0;
    for (size_t i = 0; i < n; i++) W += w ? (ld)w[i] : 1.0L;
    if (icpt) {
        for (size_t j = 0; j <= k; j++) {
            ld s = 0;
            for (size_t i = 0; i < n; i++)
                s += (w ? (ld)w[i] : 1.0L) * (ld)(j < k ? X[i * k + j] : y[i]);
            ld m = s / W, d = 0;
            for (size_t i = 0; i < n; i++)
                d += (w ? (ld)w[i] : 1.0L) * ((ld)(j < k ? X[i * k + j] : y[i]) - m);
            wk.mean[j] = m + d / W;
        }
    }

    /* A = diag(sqrt w) (X - mean), column-major, each column scaled to unit length. */
    for (size_t j = 0; j < k; j++) {
        ld ss = 0, raw = 0;
        for (size_t i = 0; i < n; i++) {
            ld sw = w ? sqrtl((ld)w[i]) : 1.0L;
            ld a = sw * ((ld)X[i * k + j] - wk.mean[j]);
            wk.A[j * n + i] = a;
            ss += a * a;
            raw += sw * sw * (ld)X[i * k + j] * (ld)X[i * k + j];
        }
        ld s = sqrtl(ss);
        if (!(s > 1e-13L * sqrtl(raw)) || s == 0) {
            st = pms_err_set(err, PMS_ESINGULAR,
                             icpt ? "predictor '%s' is constant: it cannot be separated from the "
                                    "intercept"
                                  : "predictor '%s' is all zero",
                             col_name(&opts, j, nb, sizeof nb));
            goto done;
        }
        wk.scale[j] = s;
        for (size_t i = 0; i < n; i++) wk.A[j * n + i] /= s;
    }
    for (size_t i = 0; i < n; i++) {
        ld sw = w ? sqrtl((ld)w[i]) : 1.0L;
        wk.b[i] = sw * ((ld)y[i] - wk.mean[k]);
    }

    /* Householder QR: H_j = I - beta_j v v', beta_j = 1/(|alpha| (|alpha| + |x_0|)),
     * v stored from the diagonal down, beta_j kept in vhead[j]. */
    for (size_t j = 0; j < k; j++) {
        ld *a = wk.A + j * n;
        ld nrm = 0;
        for (size_t i = j; i < n; i++) nrm += a[i] * a[i];
        nrm = sqrtl(nrm);
        /* The column's distance from the span of the ones before it, relative
         * to its own (unit) length: tiny means collinear. */
        if (!(nrm > PMS_REG_RANK_TOL)) {
            st = pms_err_set(err, PMS_ESINGULAR,
                             "predictor '%s' is a linear combination of the predictors before it%s "
                             "(design matrix singular)",
                             col_name(&opts, j, nb, sizeof nb), icpt ? " and the intercept" : "");
            goto done;
        }
        ld alpha = a[j] > 0 ? -nrm : nrm;
        ld v0 = a[j] - alpha;
        ld beta = 1.0L / (nrm * (nrm + fabsl(a[j])));
        wk.vhead[j] = beta;
        wk.rdiag[j] = alpha;
        a[j] = v0;
        for (size_t l = j + 1; l <= k; l++) {
            ld *c = l < k ? wk.A + l * n : wk.b;
            ld s = 0;
            for (size_t i = j; i < n; i++) s += a[i] * c[i];
            s *= beta;
            for (size_t i = j; i < n; i++) c[i] -= s * a[i];
        }
    }

    /* R^{-1} (upper triangular), then coefficients c = R^{-1} (Q'b)[0:k]. */
    for (size_t j = k; j-- > 0;) {
        wk.Rinv[j * k + j] = 1.0L / wk.rdiag[j];
        for (size_t c = j + 1; c < k; c++) {
            ld s = 0;
            for (size_t l = j + 1; l <= c; l++) s += wk.A[l * n + j] * wk.Rinv[l * k + c];
            wk.Rinv[j * k + c] = -s / wk.rdiag[j];
        }
    }
    for (size_t j = 0; j < k; j++) {
        ld s = 0;
        for (size_t l = j; l < k; l++) s += wk.Rinv[j * k + l] * wk.b[l];
        wk.coef[j] = s / wk.scale[j];
    }
    /* Iterative refinement: the residual of the data (in long double, from
     * the unrounded inputs) projected by the same QR gives a correction.  It
     * recovers some digits the factorisation lost to the design's condition
     * number (Wampler1 and 3: minimum LRE 12.3 -> 12.9 after three steps, O(nk)
     * each).  It cannot remove the error from a large residual (the
     * cond^2 * |r| term of least squares: Wampler4/5 stay at 11.2/9.2). */
    for (int it = 0; it < 3; it++) {
        for (size_t i = 0; i < n; i++) {
            ld sw = w ? sqrtl((ld)w[i]) : 1.0L;
            ld r = (ld)y[i] - wk.mean[k];
            for (size_t j = 0; j < k; j++) r -= ((ld)X[i * k + j] - wk.mean[j]) * wk.coef[j];
            wk.e[i] = sw * r;
        }
        for (size_t j = 0; j < k; j++) {
            const ld *a = wk.A + j * n;
            ld s = 0;
            for (size_t i = j; i < n; i++) s += a[i] * wk.e[i];
            s *= wk.vhead[j];
            for (size_t i = j; i < n; i++) wk.e[i] -= s * a[i];
        }
        for (size_t j = 0; j < k; j++) {
            ld s = 0;
            for (size_t l = j; l < k; l++) s += wk.Rinv[j * k + l] * wk.e[l];
            wk.coef[j] += s / wk.scale[j];
        }
    }
    ld b0 = 0;
    if (icpt) {
        b0 = wk.mean[k];
        for (size_t j = 0; j < k; j++) b0 -= wk.mean[j] * wk.coef[j];
    }

    /* Residuals from the data (not from Q'b), so RSS carries the solution's accuracy. */
    ld rss = 0, tss = 0;
    for (size_t i = 0; i < n; i++) {
        ld r = (ld)y[i] - wk.mean[k];
        for (size_t j = 0; j < k; j++) r -= ((ld)X[i * k + j] - wk.mean[j]) * wk.coef[j];
        wk.e[i] = r;
        ld wi = w ? (ld)w[i] : 1.0L;
        rss += wi * r * r;
        ld yc = (ld)y[i] - wk.mean[k];
        tss += wi * yc * yc;
    }

    /* Bread in centred coordinates: blockdiag(1/W, S^-1 R^-1 R^-T S^-1). */
    size_t o = (size_t)icpt;
    if (icpt) wk.Bc[0] = 1.0L / W;
    for (size_t a = 0; a < k; a++)
        for (size_t c = 0; c < k; c++) {
            ld s = 0;
            for (size_t l = (a > c ? a : c); l < k; l++)
                s += wk.Rinv[a * k + l] * wk.Rinv[c * k + l];
            wk.Bc[(o + a) * p + o + c] = s / (wk.scale[a] * wk.scale[c]);
        }

    /* Leverages h_i = w_i/W + |R^-T a_i|^2, a_i the scaled row of A. */
    ld hmax = 0;
    for (size_t i = 0; i < n; i++) {
        ld sw = w ? sqrtl((ld)w[i]) : 1.0L, h = icpt ? sw * sw / W : 0;
        for (size_t l = 0; l < k; l++) {
            ld u = 0;
            for (size_t j = 0; j <= l; j++)
                u += wk.Rinv[j * k + l] * sw * ((ld)X[i * k + j] - wk.mean[j]) / wk.scale[j];
            h += u * u;
        }
        wk.h[i] = h;
        if (h > hmax) hmax = h;
    }

    double df = (double)(n - p);
    ld s2 = rss / (ld)(n - p);
    for (size_t a = 0; a < p * p; a++) wk.Vcl[a] = s2 * wk.Bc[a];
    if (icpt) uncentre(wk.Vcl, wk.mean, k, wk.tmp), memcpy(wk.Vcl, wk.tmp, p * p * sizeof(ld));

    if (opts.robust != PMS_HC_NONE) {
        for (size_t i = 0; i < n; i++) {
            ld wi = w ? (ld)w[i] : 1.0L, we = wi * wk.e[i], om = we * we;
            switch (opts.robust) {
            case PMS_HC1: om *= (ld)n / (ld)(n - p); break;
            case PMS_HC2:
            case PMS_HC3:
                if (!(1.0L - wk.h[i] > 1e-12L)) {
                    st = pms_err_set(err, PMS_EDOMAIN,
                                     "observation %zu has leverage 1, so %s standard errors are "
                                     "undefined (use hc0 or hc1)",
                                     i + 1, pms_hc_name(opts.robust));
                    goto done;
                }
                om /= (1.0L - wk.h[i]);
                if (opts.robust == PMS_HC3) om /= (1.0L - wk.h[i]);
                break;
            default: break;
            }
            /* z_i in centred coordinates: (1, x_i - m) or x_i. */
            ld *z = wk.z;
            if (icpt) z[0] = 1;
            for (size_t j = 0; j < k; j++) z[o + j] = (ld)X[i * k + j] - wk.mean[j];
            for (size_t a = 0; a < p; a++)
                for (size_t c = a; c < p; c++) wk.M[a * p + c] += om * z[a] * z[c];
        }
        for (size_t a = 0; a < p; a++)
            for (size_t c = 0; c < a; c++) wk.M[a * p + c] = wk.M[c * p + a];
        /* V = Bc M Bc */
        for (size_t a = 0; a < p; a++)
            for (size_t c = 0; c < p; c++) {
                ld s = 0;
                for (size_t l = 0; l < p; l++) s += wk.Bc[a * p + l] * wk.M[l * p + c];
                wk.tmp[a * p + c] = s;
            }
        for (size_t a = 0; a < p; a++)
            for (size_t c = 0; c < p; c++) {
                ld s = 0;
                for (size_t l = 0; l < p; l++) s += wk.tmp[a * p + l] * wk.Bc[l * p + c];
                wk.V[a * p + c] = s;
            }
        if (icpt) uncentre(wk.V, wk.mean, k, wk.tmp), memcpy(wk.V, wk.tmp, p * p * sizeof(ld));
    } else {
        memcpy(wk.V, wk.Vcl, p * p * sizeof(ld));
    }

    out->n = n;
    out->k = k;
    out->p = p;
    out->intercept = icpt;
    out->robust = opts.robust;
    out->ci_level = opts.ci_level;
    out->df_resid = df;
    out->rss = (double)rss;
    if (!icpt) {
        tss = 0;
        for (size_t i = 0; i < n; i++) tss += (w ? (ld)w[i] : 1.0L) * (ld)y[i] * (ld)y[i];
    }
    out->tss = (double)tss;
    out->resid_sd = (double)sqrtl(s2);
    out->perfect_fit = rss == 0;
    out->r2 = tss > 0 ? (double)(1.0L - rss / tss) : NAN;
    out->adj_r2 = tss > 0 ? (double)(1.0L - (rss / tss) * (ld)(n - o) / (ld)(n - p)) : NAN;
    out->f_df1 = (double)k;
    out->f_df2 = df;
    if (rss > 0 && tss > 0) {
        out->f = (double)(((tss - rss) / (ld)k) / s2);
        out->f_p = gsl_cdf_fdist_Q(out->f, (double)k, df);
    } else {
        out->f = out->f_p = NAN;
    }
    out->max_leverage = (double)hmax;
    if (icpt) out->coef[0] = (double)b0;
    for (size_t j = 0; j < k; j++) out->coef[o + j] = (double)wk.coef[j];
    double tq = gsl_cdf_tdist_Qinv((1 - opts.ci_level) / 2, df);
    for (size_t a = 0; a < p; a++) {
        for (size_t c = 0; c < p; c++) out->cov[a * p + c] = (double)wk.V[a * p + c];
        out->se_classical[a] = (double)sqrtl(wk.Vcl[a * p + a] > 0 ? wk.Vcl[a * p + a] : 0);
        out->se[a] = (double)sqrtl(wk.V[a * p + a] > 0 ? wk.V[a * p + a] : 0);
        if (out->se[a] > 0) {
            out->t[a] = out->coef[a] / out->se[a];
            out->p_value[a] = pms_tdist_p2(out->t[a], df);
        } else {
            out->t[a] = out->p_value[a] = NAN;
        }
        out->ci_low[a] = out->coef[a] - tq * out->se[a];
        out->ci_high[a] = out->coef[a] + tq * out->se[a];
    }
    out->wald_f = out->wald_p = NAN;
    if (opts.robust != PMS_HC_NONE && !out->perfect_fit)
        wald_test(out->coef, wk.V, p, o, df, &out->wald_f, &out->wald_p);

done:
    work_free(&wk);
    if (st != PMS_OK) pms_reg_result_free(out);
    return st;
}

pms_status pms_reg_select(const double *const *cols, const int *take_log, size_t ncols,
                          size_t nrows, const double *weight, double *y, double *X, double *w,
                          pms_reg_rows *info, pms_err *err)
{
    if (!cols || !y || !X || !info || (weight && !w))
        return pms_err_set(err, PMS_EUSAGE, "regression: missing argument");
    if (ncols < 2 || ncols > PMS_REG_MAXCOLS)
        return pms_err_set(err, PMS_EUSAGE, "regression: %zu columns (need 2 to %d)", ncols,
                           PMS_REG_MAXCOLS);
    memset(info, 0, sizeof *info);
    info->rows = nrows;
    size_t k = ncols - 1, used = 0;
    for (size_t i = 0; i < nrows; i++) {
        int keep = 1;
        for (size_t j = 0; j < ncols && keep; j++) {
            double v = cols[j][i];
            if (isnan(v)) {
                info->missing[j]++;
                keep = 0;
            } else if (!isfinite(v)) {
                info->bad_row = i;
                return pms_err_set(err, PMS_ENONFINITE, "row %zu: infinite value", i + 1);
            } else if (take_log && take_log[j] && !(v > 0)) {
                info->nonpositive[j]++;
                keep = 0;
            }
        }
        if (keep && weight) {
            if (isnan(weight[i])) {
                info->weight_missing++;
                keep = 0;
            } else if (!isfinite(weight[i])) {
                info->bad_row = i;
                return pms_err_set(err, PMS_ENONFINITE, "row %zu: infinite weight", i + 1);
            } else if (!(weight[i] > 0)) {
                info->bad_row = i;
                return pms_err_set(err, PMS_EDOMAIN, "row %zu: weight %g is not positive", i + 1,
                                   weight[i]);
            }
        }
        if (!keep) continue;
        for (size_t j = 0; j < ncols; j++) {
            double v = cols[j][i];
            if (take_log && take_log[j]) v = log(v);
            if (j == 0)
                y[used] = v;
            else
                X[used * k + j - 1] = v;
        }
        if (weight) w[used] = weight[i];
        used++;
    }
    info->used = used;
    return PMS_OK;
}
