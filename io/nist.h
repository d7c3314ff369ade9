/* Reader for NIST Statistical Reference Datasets (StRD) .dat files:
 * univariate summary statistics and linear least-squares regression, with the
 * certified values printed in each file's header.
 *
 * The file says which model to fit only in prose ("y = B0 + B1*x + ... +
 * B10*(x**10)"), so the reader infers it from the certified parameters and the
 * data columns: parameters named B0.. mean an intercept; a single predictor
 * column with more than one slope parameter means a polynomial in x; otherwise
 * one parameter per predictor column.  pms_nist_predictors builds the matching
 * design (without the intercept column).
 *
 * Ownership: pms_nist_load allocates a pms_nist_data freed with
 * pms_nist_free (NULL is a no-op). */
#ifndef PMS_NIST_H
#define PMS_NIST_H

#include <stddef.h>

#include "base/status.h"

typedef enum { PMS_NIST_UNIVARIATE = 0, PMS_NIST_LINREG } pms_nist_kind;

typedef struct {
    char name[64];          /* file name without directory and ".dat" */
    pms_nist_kind kind;
    size_t n;               /* observations */
    size_t ncols;           /* values per data row: 1 (univariate) or 1 + predictors */
    double *data;           /* n * ncols, row-major; column 0 is y */

    /* Univariate certified values. */
    double cert_mean, cert_sd, cert_autocorr1;

    /* Linear regression certified values. */
    size_t npar;            /* parameters, intercept included */
    int intercept;          /* 1 if the model has B0 */
    int degree;             /* > 0: polynomial of this degree in the single predictor */
    double *cert_beta;      /* npar estimates in the file's order (B0 first if present) */
    double *cert_beta_sd;   /* npar standard deviations */
    double cert_resid_sd, cert_r2;
    double cert_df_reg, cert_ss_reg, cert_f;   /* ANOVA table */
    double cert_df_res, cert_ss_res;
} pms_nist_data;

/* Parse a StRD file.  PMS_EIO if it cannot be read, PMS_EPARSE (with
 * file:line in err) if the data or certified values are malformed or their
 * counts disagree with the header. */
pms_status pms_nist_load(const char *path, pms_nist_data **out, pms_err *err);

void pms_nist_free(pms_nist_data *d);

/* Slope columns of a regression file's model, n * (npar - intercept),
 * row-major, into X (caller-allocated): x, x^2, ..., x^degree for
 * polynomials, else the predictor columns.  y (n) is copied too if not NULL. */
pms_status pms_nist_predictors(const pms_nist_data *d, double *X, double *y);

#endif
