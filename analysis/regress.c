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
#include "analysis/regress.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "analysis/tdist.h"

typedef long double ld;

void pms_reg_opts_default(pms_reg_opts *o)
{
    o->intercept = 1;
    o->robust = PMS_HC_NONE;
    o->ci_level = 0.95;
    o->names = NULL;
    o->role = "predictor";
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

/* Everything the fit allocates, freed in one place. */
typedef struct {
    ld *A, *b, *vhead, *rdiag, *scale, *mean, *Rinv, *coef, *e, *cq, *E, *G, *tmp, *V, *Vcl, *q;
} work;

static void work_free(work *wk)
{
    free(wk->A); free(wk->b); free(wk->vhead); free(wk->rdiag); free(wk->scale);
    free(wk->mean); free(wk->Rinv); free(wk->coef); free(wk->e); free(wk->cq);
    free(wk->E); free(wk->G); free(wk->tmp); free(wk->V); free(wk->Vcl); free(wk->q);
}

/* out = A B' for p x p row-major A, B (long double). */
static void mul_abt(const ld *A, const ld *B, size_t p, ld *out)
{
    for (size_t a = 0; a < p; a++)
        for (size_t c = 0; c < p; c++) {
            ld s = 0;
            for (size_t l = 0; l < p; l++) s += A[a * p + l] * B[c * p + l];
            out[a * p + c] = s;
        }
}

/* Robust Wald F of the slopes from the QR factors.  With c = Q'y for the k
 * slope columns and G the meat Q' Omega Q, the slopes are S^-1 R^-1 c and
 * their covariance S^-1 R^-1 G_ss R^-T S^-1, so
 *   b_s' V_ss^-1 b_s = c' G_ss^-1 c:
 * the design's condition number cancels exactly and only the meat, a
 * well-conditioned k x k matrix in the orthonormal basis, is solved
 * (Cholesky in long double).  Inverting V_ss itself squares the condition
 * number: at cond 2e5 that gave F = 6.60 for the exact 12.35 (issue 17).
 * Returns 0, or -1 if G_ss is not positive definite (F undefined). */
static int wald_from_qr(const ld *G, size_t p, size_t o, const ld *cq, size_t k, ld *F)
{
    ld L[PMS_REG_MAXCOLS * PMS_REG_MAXCOLS], z[PMS_REG_MAXCOLS];
    if (k > PMS_REG_MAXCOLS) return -1;
    for (size_t a = 0; a < k; a++)
        for (size_t c = 0; c <= a; c++) {
            ld s = G[(o + a) * p + o + c];
            for (size_t l = 0; l < c; l++) s -= L[a * k + l] * L[c * k + l];
            if (a == c) {
                if (!(s > 0)) return -1;
                L[a * k + a] = sqrtl(s);
            } else {
                L[a * k + c] = s / L[c * k + c];
            }
        }
    ld w = 0;   /* c' G^-1 c = |L^-1 c|^2 */
    for (size_t a = 0; a < k; a++) {
        ld s = cq[a];
        for (size_t l = 0; l < a; l++) s -= L[a * k + l] * z[l];
        z[a] = s / L[a * k + a];
        w += z[a] * z[a];
    }
    *F = w / (ld)k;
    return 0;
}

/* 1-norm condition number of the k x k upper triangular R (column c of R is
 * A[c*n + 0..c-1] above rdiag[c]) times that of R^-1. */
static double cond1(const work *wk, size_t n, size_t k)
{
    ld nr = 0, ni = 0;
    for (size_t c = 0; c < k; c++) {
        ld sr = fabsl(wk->rdiag[c]), si = 0;
        for (size_t j = 0; j < c; j++) sr += fabsl(wk->A[c * n + j]);
        for (size_t j = 0; j <= c; j++) si += fabsl(wk->Rinv[j * k + c]);
        if (sr > nr) nr = sr;
        if (si > ni) ni = si;
    }
    return (double)(nr * ni);
}

/* Classical and robust covariances from the QR factors, never from (X'X)^-1.
 * In the centred parametrisation (a, b) the weighted design is Q R with
 * R = blockdiag(sqrt W, R_c S) (the centred columns are orthogonal to
 * sqrt(w)), so with E = T blockdiag(1/sqrt W, S^-1 R_c^-1), T the map to
 * (b0 = a - m'b, b):
 *   classical V = s^2 E E',   robust V = E (Q' Omega Q) E' = E G E',
 * G = sum_i omega_i q_i q_i', q_i the i-th row of Q (its slope part is
 * R_c^-T of the scaled row), h_i = |q_i|^2.  G is as well conditioned as the
 * residuals allow whatever the design, and both products are sums of
 * squares, so no variance comes out negative or zero by cancellation. */
static pms_status covariances(const double *X, const double *w, size_t n, size_t k, int icpt,
                              ld W, ld s2, pms_hc_type hc, work *wk, ld *hmax, pms_err *err)
{
    size_t o = (size_t)icpt, p = k + o;
    memset(wk->E, 0, p * p * sizeof(ld));
    memset(wk->G, 0, p * p * sizeof(ld));
    if (icpt) wk->E[0] = 1.0L / sqrtl(W);
    for (size_t l = 0; l < k; l++) {
        ld s = 0;
        for (size_t j = 0; j <= l; j++) {
            wk->E[(o + j) * p + o + l] = wk->Rinv[j * k + l] / wk->scale[j];
            s += wk->mean[j] * wk->E[(o + j) * p + o + l];
        }
        if (icpt) wk->E[o + l] = -s;
    }
    *hmax = 0;
    for (size_t i = 0; i < n; i++) {
        ld sw = w ? sqrtl((ld)w[i]) : 1.0L, h = 0, *q = wk->q;
        if (icpt) q[0] = sw / sqrtl(W), h = q[0] * q[0];
        for (size_t l = 0; l < k; l++) {
            ld u = 0;
            for (size_t j = 0; j <= l; j++)
                u += wk->Rinv[j * k + l] * sw * ((ld)X[i * k + j] - wk->mean[j]) / wk->scale[j];
            q[o + l] = u;
            h += u * u;
        }
        if (h > *hmax) *hmax = h;
        if (hc == PMS_HC_NONE) continue;
        ld om = sw * sw * wk->e[i] * wk->e[i];   /* (w e)^2 for the unwhitened row */
        switch (hc) {
        case PMS_HC1: om *= (ld)n / (ld)(n - p); break;
        case PMS_HC2:
        case PMS_HC3:
            if (!(1.0L - h > 1e-12L))
                return pms_err_set(err, PMS_EDOMAIN,
                                   "observation %zu has leverage 1, so %s standard errors are "
                                   "undefined (use hc0 or hc1)",
                                   i + 1, pms_hc_name(hc));
            om /= (1.0L - h);
            if (hc == PMS_HC3) om /= (1.0L - h);
            break;
        default: break;
        }
        for (size_t a = 0; a < p; a++)
            for (size_t c = a; c < p; c++) wk->G[a * p + c] += om * q[a] * q[c];
    }
    for (size_t a = 0; a < p; a++)
        for (size_t c = 0; c < a; c++) wk->G[a * p + c] = wk->G[c * p + a];
    mul_abt(wk->E, wk->E, p, wk->Vcl);
    for (size_t a = 0; a < p * p; a++) wk->Vcl[a] *= s2;
    if (hc == PMS_HC_NONE) {
        memcpy(wk->V, wk->Vcl, p * p * sizeof(ld));
    } else {
        /* tmp = E G; V = tmp E' */
        for (size_t a = 0; a < p; a++)
            for (size_t c = 0; c < p; c++) {
                ld s = 0;
                for (size_t l = 0; l < p; l++) s += wk->E[a * p + l] * wk->G[l * p + c];
                wk->tmp[a * p + c] = s;
            }
        mul_abt(wk->tmp, wk->E, p, wk->V);
        for (size_t a = 0; a < p; a++)   /* exactly symmetric */
            for (size_t c = 0; c < a; c++) wk->V[a * p + c] = wk->V[c * p + a];
    }
    return PMS_OK;
}

/* What messages call a column: "predictor", or the caller's word ("control"). */
static const char *role_of(const pms_reg_opts *o)
{
    return o->role ? o->role : "predictor";
}

/* The arguments and every input value, checked before anything is allocated. */
static pms_status check_inputs(const double *X, size_t n, size_t k, const double *y,
                               const double *w, const pms_reg_opts *opts, pms_err *err)
{
    if (k == 0) return pms_err_set(err, PMS_EUSAGE, "regression: no predictors");
    if (opts->robust < PMS_HC_NONE || opts->robust > PMS_HC3)
        return pms_err_set(err, PMS_EUSAGE, "regression: unknown robust type");
    if (!(opts->ci_level > 0 && opts->ci_level < 1))
        return pms_err_set(err, PMS_EDOMAIN, "confidence level %g is not in (0, 1)",
                           opts->ci_level);
    size_t p = k + (opts->intercept ? 1 : 0);
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
                return pms_err_at(err, PMS_ENONFINITE, role_of(opts), j + 1,
                                  opts->names ? opts->names[j] : NULL, i + 1,
                                  "%s '%s' is not finite in row %zu", role_of(opts),
                                  col_name(opts, j, nb, sizeof nb), i + 1);
        if (w && !isfinite(w[i]))
            return pms_err_set(err, PMS_ENONFINITE, "weight is not finite in row %zu", i + 1);
        if (w && !(w[i] > 0))
            return pms_err_set(err, PMS_EDOMAIN, "weight %g in row %zu is not positive", w[i],
                               i + 1);
    }
    return PMS_OK;
}

/* The work space and the result's arrays; 0, or -1 if any allocation failed
 * (the caller frees what was allocated). */
static int fit_alloc(work *wk, size_t n, size_t k, size_t p, pms_reg_result *out)
{
    wk->A = malloc(n * k * sizeof(ld));
    wk->b = malloc(n * sizeof(ld));
    wk->vhead = malloc(k * sizeof(ld));
    wk->rdiag = malloc(k * sizeof(ld));
    wk->scale = malloc(k * sizeof(ld));
    wk->mean = calloc(k + 1, sizeof(ld));
    wk->Rinv = calloc(k * k, sizeof(ld));
    wk->coef = malloc(k * sizeof(ld));
    wk->e = malloc(n * sizeof(ld));
    wk->cq = malloc(k * sizeof(ld));
    wk->E = calloc(p * p, sizeof(ld));
    wk->G = calloc(p * p, sizeof(ld));
    wk->tmp = calloc(p * p, sizeof(ld));
    wk->V = calloc(p * p, sizeof(ld));
    wk->Vcl = calloc(p * p, sizeof(ld));
    wk->q = calloc(p, sizeof(ld));
    out->coef = malloc(p * sizeof(double));
    out->se = malloc(p * sizeof(double));
    out->t = malloc(p * sizeof(double));
    out->p_value = malloc(p * sizeof(double));
    out->ci_low = malloc(p * sizeof(double));
    out->ci_high = malloc(p * sizeof(double));
    out->se_classical = malloc(p * sizeof(double));
    out->cov = malloc(p * p * sizeof(double));
    if (!wk->A || !wk->b || !wk->vhead || !wk->rdiag || !wk->scale || !wk->mean || !wk->Rinv ||
        !wk->coef || !wk->e || !wk->cq || !wk->E || !wk->G || !wk->tmp || !wk->V || !wk->Vcl ||
        !wk->q || !out->coef || !out->se || !out->t || !out->p_value || !out->ci_low ||
        !out->ci_high || !out->se_classical || !out->cov)
        return -1;
    return 0;
}

/* Weighted means (two-pass) of the predictors and y into wk->mean (mean[k]
 * is y's; all zero without an intercept); returns the total weight W. */
static ld weighted_means(const double *X, const double *y, const double *w, size_t n, size_t k,
                         int icpt, work *wk)
{
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
            wk->mean[j] = m + d / W;
        }
    }
    return W;
}

/* A = diag(sqrt w) (X - mean), column-major, each column scaled to unit
 * length; b = diag(sqrt w) (y - mean). */
static pms_status scaled_design(const double *X, const double *y, const double *w, size_t n,
                                size_t k, int icpt, const pms_reg_opts *opts, work *wk,
                                pms_err *err)
{
    char nb[32];
    for (size_t j = 0; j < k; j++) {
        ld ss = 0, raw = 0;
        for (size_t i = 0; i < n; i++) {
            ld sw = w ? sqrtl((ld)w[i]) : 1.0L;
            ld a = sw * ((ld)X[i * k + j] - wk->mean[j]);
            wk->A[j * n + i] = a;
            ss += a * a;
            raw += sw * sw * (ld)X[i * k + j] * (ld)X[i * k + j];
        }
        ld s = sqrtl(ss);
        if (!(s > 1e-13L * sqrtl(raw)) || s == 0)
            return pms_err_at(err, PMS_ESINGULAR, role_of(opts), j + 1,
                              opts->names ? opts->names[j] : NULL, 0,
                              icpt ? "%s '%s' is constant: it cannot be separated from the "
                                     "intercept"
                                   : "%s '%s' is all zero",
                              role_of(opts), col_name(opts, j, nb, sizeof nb));
        wk->scale[j] = s;
        for (size_t i = 0; i < n; i++) wk->A[j * n + i] /= s;
    }
    for (size_t i = 0; i < n; i++) {
        ld sw = w ? sqrtl((ld)w[i]) : 1.0L;
        wk->b[i] = sw * ((ld)y[i] - wk->mean[k]);
    }
    return PMS_OK;
}

/* Householder QR: H_j = I - beta_j v v', beta_j = 1/(|alpha| (|alpha| + |x_0|)),
 * v stored from the diagonal down, beta_j kept in vhead[j]; b becomes Q'b. */
static pms_status householder_qr(size_t n, size_t k, int icpt, const pms_reg_opts *opts,
                                 work *wk, pms_err *err)
{
    char nb[32];
    for (size_t j = 0; j < k; j++) {
        ld *a = wk->A + j * n;
        ld nrm = 0;
        for (size_t i = j; i < n; i++) nrm += a[i] * a[i];
        nrm = sqrtl(nrm);
        /* The column's distance from the span of the ones before it, relative
         * to its own (unit) length: tiny means collinear. */
        if (!(nrm > PMS_REG_RANK_TOL))
            return pms_err_at(err, PMS_ESINGULAR, role_of(opts), j + 1,
                              opts->names ? opts->names[j] : NULL, 0,
                              "%s '%s' is a linear combination of the %ss before it%s "
                              "(design matrix singular)",
                              role_of(opts), col_name(opts, j, nb, sizeof nb), role_of(opts),
                              icpt ? " and the intercept" : "");
        ld alpha = a[j] > 0 ? -nrm : nrm;
        ld v0 = a[j] - alpha;
        ld beta = 1.0L / (nrm * (nrm + fabsl(a[j])));
        wk->vhead[j] = beta;
        wk->rdiag[j] = alpha;
        a[j] = v0;
        for (size_t l = j + 1; l <= k; l++) {
            ld *c = l < k ? wk->A + l * n : wk->b;
            ld s = 0;
            for (size_t i = j; i < n; i++) s += a[i] * c[i];
            s *= beta;
            for (size_t i = j; i < n; i++) c[i] -= s * a[i];
        }
    }
    return PMS_OK;
}

/* R^{-1} (upper triangular), then the slopes c = R^{-1} (Q'b)[0:k] (unscaled
 * into wk->coef), refined against the data's residual. */
static void solve_slopes(const double *X, const double *y, const double *w, size_t n, size_t k,
                         work *wk)
{
    for (size_t j = k; j-- > 0;) {
        wk->Rinv[j * k + j] = 1.0L / wk->rdiag[j];
        for (size_t c = j + 1; c < k; c++) {
            ld s = 0;
            for (size_t l = j + 1; l <= c; l++) s += wk->A[l * n + j] * wk->Rinv[l * k + c];
            wk->Rinv[j * k + c] = -s / wk->rdiag[j];
        }
    }
    for (size_t j = 0; j < k; j++) {
        ld s = 0;
        for (size_t l = j; l < k; l++) s += wk->Rinv[j * k + l] * wk->b[l];
        wk->coef[j] = s / wk->scale[j];
        wk->cq[j] = wk->b[j];   /* Q'y, kept in step with coef for the Wald F */
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
            ld r = (ld)y[i] - wk->mean[k];
            for (size_t j = 0; j < k; j++) r -= ((ld)X[i * k + j] - wk->mean[j]) * wk->coef[j];
            wk->e[i] = sw * r;
        }
        for (size_t j = 0; j < k; j++) {
            const ld *a = wk->A + j * n;
            ld s = 0;
            for (size_t i = j; i < n; i++) s += a[i] * wk->e[i];
            s *= wk->vhead[j];
            for (size_t i = j; i < n; i++) wk->e[i] -= s * a[i];
        }
        for (size_t j = 0; j < k; j++) {
            ld s = 0;
            for (size_t l = j; l < k; l++) s += wk->Rinv[j * k + l] * wk->e[l];
            wk->coef[j] += s / wk->scale[j];
            wk->cq[j] += wk->e[j];
        }
    }
}

/* Residuals from the data (not from Q'b), so RSS carries the solution's
 * accuracy; wk->e gets the unweighted residuals, *tss the centred total. */
static void residuals(const double *X, const double *y, const double *w, size_t n, size_t k,
                      work *wk, ld *rss, ld *tss)
{
    *rss = *tss = 0;
    for (size_t i = 0; i < n; i++) {
        ld r = (ld)y[i] - wk->mean[k];
        for (size_t j = 0; j < k; j++) r -= ((ld)X[i * k + j] - wk->mean[j]) * wk->coef[j];
        wk->e[i] = r;
        ld wi = w ? (ld)w[i] : 1.0L;
        *rss += wi * r * r;
        ld yc = (ld)y[i] - wk->mean[k];
        *tss += wi * yc * yc;
    }
}

/* Fit statistics: R^2, adjusted R^2 and the classical F (tss is the
 * uncentred total without an intercept). */
static void fit_summary(pms_reg_result *out, size_t n, size_t k, size_t p, int icpt,
                        const pms_reg_opts *opts, ld rss, ld tss, ld s2, ld hmax)
{
    size_t o = (size_t)icpt;
    double df = (double)(n - p);
    out->n = n;
    out->k = k;
    out->p = p;
    out->intercept = icpt;
    out->robust = opts->robust;
    out->ci_level = opts->ci_level;
    out->df_resid = df;
    out->rss = (double)rss;
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
}

/* The coefficient table (estimates, standard errors, t, p, interval), the
 * robust Wald F, and the design's conditioning. */
static void fit_coefficients(pms_reg_result *out, size_t n, size_t k, const work *wk, ld b0)
{
    size_t p = out->p, o = (size_t)out->intercept;
    double df = out->df_resid;
    if (out->intercept) out->coef[0] = (double)b0;
    for (size_t j = 0; j < k; j++) out->coef[o + j] = (double)wk->coef[j];
    double tq = gsl_cdf_tdist_Qinv((1 - out->ci_level) / 2, df);
    for (size_t a = 0; a < p; a++) {
        for (size_t c = 0; c < p; c++) out->cov[a * p + c] = (double)wk->V[a * p + c];
        out->se_classical[a] = (double)sqrtl(wk->Vcl[a * p + a] > 0 ? wk->Vcl[a * p + a] : 0);
        out->se[a] = (double)sqrtl(wk->V[a * p + a] > 0 ? wk->V[a * p + a] : 0);
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
    out->wald_undefined = 0;
    if (out->robust != PMS_HC_NONE && !out->perfect_fit) {
        ld F;
        if (wald_from_qr(wk->G, p, o, wk->cq, k, &F) == 0) {
            out->wald_f = (double)F;
            out->wald_p = gsl_cdf_fdist_Q(out->wald_f, (double)k, df);
        } else {
            out->wald_undefined = 1;
        }
    }
    out->cond = cond1(wk, n, k);
    out->near_singular = 0;
    for (size_t j = 0; j < k; j++)
        if (fabsl(wk->rdiag[j]) < PMS_REG_NEAR_TOL && !out->near_singular)
            out->near_singular = 1, out->near_col = j;
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
    pms_status st = check_inputs(X, n, k, y, w, &opts, err);
    if (st) return st;
    int icpt = opts.intercept ? 1 : 0;
    size_t p = k + (size_t)icpt;

    work wk = {0};
    if (fit_alloc(&wk, n, k, p, out)) {
        st = pms_err_set(err, PMS_ENOMEM, "regression: out of memory");
        goto done;
    }
    ld W = weighted_means(X, y, w, n, k, icpt, &wk);
    if ((st = scaled_design(X, y, w, n, k, icpt, &opts, &wk, err)) ||
        (st = householder_qr(n, k, icpt, &opts, &wk, err)))
        goto done;
    solve_slopes(X, y, w, n, k, &wk);
    ld b0 = 0;
    if (icpt) {
        b0 = wk.mean[k];
        for (size_t j = 0; j < k; j++) b0 -= wk.mean[j] * wk.coef[j];
    }
    ld rss, tss;
    residuals(X, y, w, n, k, &wk, &rss, &tss);

    ld s2 = rss / (ld)(n - p), hmax = 0;
    st = covariances(X, w, n, k, icpt, W, s2, opts.robust, &wk, &hmax, err);
    if (st != PMS_OK) goto done;
    if (!icpt) {
        tss = 0;
        for (size_t i = 0; i < n; i++) tss += (w ? (ld)w[i] : 1.0L) * (ld)y[i] * (ld)y[i];
    }
    fit_summary(out, n, k, p, icpt, &opts, rss, tss, s2, hmax);
    fit_coefficients(out, n, k, &wk, b0);

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
