/* Ordinary and weighted least squares with classical and
 * heteroscedasticity-consistent (HC0-HC3) standard errors.
 *
 * Method: with an intercept, y and every predictor are centred on their
 * (weighted) means, which removes the intercept's collinearity with the other
 * columns; each column is then scaled to unit length, and the system is solved
 * by Householder QR carried out in extended precision (long double).  The
 * intercept and its covariances come back from the means exactly.  See
 * NOTES.md for the accuracy on the NIST StRD sets (Filip, Longley,
 * Wampler1-5) compared with R's lm.
 *
 * Model: y = b0 + X b + e, Var(e_i) = sigma^2 / w_i (weights w > 0 are
 * precision weights, as lm(weights = w)).  Conventions, all as R's lm/summary.lm:
 *   residual SD  s = sqrt(sum w e^2 / (n - p)),  p = parameters incl. intercept;
 *   R^2 = 1 - RSS/TSS with TSS about the weighted mean, or sum(w y^2) without an
 *   intercept (the uncentred R^2 that NIST certifies for NoInt1/NoInt2);
 *   adjusted R^2 = 1 - (1 - R^2) (n - i)/(n - p), i = 1 with intercept else 0;
 *   F = ((TSS - RSS)/(p - i)) / s^2 on (p - i, n - p) df (always classical).
 * Robust covariances follow R's sandwich::vcovHC for lm objects:
 *   V = B (sum_i omega_i z_i z_i') B,  B = (Z'WZ)^{-1},  omega_i = (w_i e_i)^2 times
 *   1 (HC0), n/(n-p) (HC1), 1/(1-h_i) (HC2), 1/(1-h_i)^2 (HC3),
 *   h_i = w_i z_i' B z_i,
 * computed from the QR factors of the weighted design, sqrt(W) Z = Q R, as
 * V = R^-1 (Q' Omega Q) R^-T, never from (Z'WZ)^-1, and the robust Wald F as
 * c' (Q' Omega Q)_ss^-1 c / q with c = Q'y (slope rows): see regress.c and
 * doc/methods/regression.md for why and for the accuracy on nearly collinear
 * designs.
 * t tests and intervals use Student's t on n - p df for both (as
 * lmtest::coeftest does for lm); with robust SEs a Wald F test of all slopes
 * is given as well (as lmtest::waldtest(..., vcov = vcovHC)). */
#ifndef PMS_REGRESS_H
#define PMS_REGRESS_H

#include <stddef.h>

#include "base/status.h"

typedef enum {
    PMS_HC_NONE = 0,   /* classical SEs only */
    PMS_HC0,           /* White (1980) */
    PMS_HC1,           /* HC0 * n/(n-p) (Stata's "robust") */
    PMS_HC2,           /* MacKinnon & White (1985), leverage-corrected */
    PMS_HC3            /* MacKinnon & White (1985), jackknife-like; sandwich's default */
} pms_hc_type;

typedef struct {
    int intercept;              /* 1 (default): fit b0; 0: regression through the origin */
    pms_hc_type robust;         /* which SEs se/t/p/ci report; default PMS_HC_NONE */
    double ci_level;            /* confidence level in (0, 1); default 0.95 */
    const char *const *names;   /* k predictor names for messages, or NULL ("x1", ...) */
    const char *role;           /* what messages call a column: "predictor" (default) or, for
                                   a partial correlation, "control"; also err->role */
} pms_reg_opts;

void pms_reg_opts_default(pms_reg_opts *o);

typedef struct {
    size_t n;            /* observations */
    size_t k;            /* predictor columns */
    size_t p;            /* parameters: k + intercept */
    int intercept;
    pms_hc_type robust;
    double ci_level;
    /* Arrays of p, intercept first (when fitted), then the predictors in order. */
    double *coef;
    double *se;          /* robust if asked, else classical */
    double *t, *p_value; /* two-sided, Student t on df_resid; NaN if se = 0 */
    double *ci_low, *ci_high;
    double *se_classical;
    double *cov;         /* p x p row-major covariance behind `se` */
    double df_resid;     /* n - p */
    double rss;          /* weighted residual sum of squares */
    double tss;          /* total sum of squares (centred with intercept) */
    double resid_sd;
    double r2, adj_r2;
    double f, f_p;       /* classical F and its p-value; NaN when RSS = 0 */
    double f_df1, f_df2;
    double wald_f, wald_p;  /* robust Wald F of all slopes (NaN if robust = NONE, on a
                               perfect fit, or when wald_undefined) */
    int wald_undefined;     /* 1 if the robust meat of the slopes is singular (e.g. fewer
                               non-zero residuals than slopes): no Wald F */
    double max_leverage;    /* max h_i */
    int perfect_fit;        /* 1 if RSS = 0: SEs are 0 and t, p are NaN */
    double cond;            /* 1-norm condition number of the centred, unit-length
                               predictor columns (after the weights), from R and
                               R^-1 */
    int near_singular;      /* 1 if some predictor is within PMS_REG_NEAR_TOL of the span
                               of the ones before it (and the intercept): numerically
                               almost rank-deficient.  The results still hold (see
                               doc/methods/regression.md) but the caller must say so */
    size_t near_col;        /* that predictor (0-based among the k), if near_singular */
} pms_reg_result;

/* Fit y on the k columns of X (n x k, row-major).  w: n precision weights
 * (finite, > 0) or NULL.  Nothing is modified.  On success *out holds arrays
 * freed with pms_reg_result_free; on failure *out holds none.
 * Errors: PMS_ETOOFEW (n <= p), PMS_ENONFINITE, PMS_EDOMAIN (weight <= 0,
 * ci_level outside (0,1), an observation with leverage 1 under HC2/HC3),
 * PMS_ESINGULAR (a constant predictor with an intercept, or a predictor that is
 * a linear combination of the others; err names it), PMS_ENOMEM, PMS_EUSAGE. */
pms_status pms_reg_fit(const double *X, size_t n, size_t k, const double *y,
                       const double *w, const pms_reg_opts *opts, pms_reg_result *out,
                       pms_err *err);

void pms_reg_result_free(pms_reg_result *r);

/* Choosing the rows of a model from columns with missing values (NaN).
 * Column 0 is the response, columns 1..ncols-1 the predictors, in the order
 * the user named them.  A row is used if every column is present (and > 0
 * where take_log[j] asks for the natural log) and the weight, if any, is
 * present.  An excluded row is counted once, under the first reason met in
 * that order: missing column 0, non-positive column 0 (log), missing column
 * 1, ... then a missing weight. */
#define PMS_REG_MAXCOLS 64

typedef struct {
    size_t rows;                           /* rows offered */
    size_t used;                           /* rows kept: the n of the fit */
    size_t missing[PMS_REG_MAXCOLS];       /* by column */
    size_t nonpositive[PMS_REG_MAXCOLS];   /* by column, only where logged */
    size_t weight_missing;
    size_t bad_row;                        /* on PMS_EDOMAIN/PMS_ENONFINITE: the row (0-based) */
} pms_reg_rows;

/* Fill y (used), X (used x (ncols-1), row-major) and, if weight is not NULL,
 * w (used) with the kept rows, logged where asked; nrows-sized buffers.
 * Errors: PMS_EUSAGE (ncols < 2 or > PMS_REG_MAXCOLS), PMS_ENONFINITE (an
 * infinite value: the table never holds one, so it is a caller's bug),
 * PMS_EDOMAIN (a present weight <= 0: err names the row, 1-based). */
pms_status pms_reg_select(const double *const *cols, const int *take_log, size_t ncols,
                          size_t nrows, const double *weight, double *y, double *X, double *w,
                          pms_reg_rows *info, pms_err *err);

/* "none", "hc0", ... */
const char *pms_hc_name(pms_hc_type t);

/* Relative size below which a column counts as a linear combination of the
 * columns before it: |R_jj| of the centred, unit-length column.  Exact
 * collinearity in double data leaves about 1e-16; the most ill-conditioned
 * NIST set (Filip, condition number 3.8e9 once centred and scaled) has a
 * smallest |R_jj| of 6.1e-8 (measured, NOTES.md), which R's lm, with
 * its tolerance of 1e-7, takes for collinearity. */
#define PMS_REG_RANK_TOL 1e-13

/* Relative distance (|R_jj| of the centred, unit-length column) below which
 * a fit is flagged near_singular: R's lm, with its tolerance of 1e-7, would
 * drop such a column as collinear and print NA.  The numerics hold well past
 * it (exact rational references at condition number 6e10 agree to 1e-9,
 * tests/test_regress.c), but the slopes of such columns rest on the last
 * digits of the data and the user must be told rather than read a
 * coefficient of 4e8 without comment. */
#define PMS_REG_NEAR_TOL 1e-7

#endif
