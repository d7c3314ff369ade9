/* Correlation: Pearson r, Spearman rho, Kendall tau-b; weighted and partial
 * forms; confidence intervals, p-values as R's cor.test, the smallest
 * detectable correlation, an equivalence (TOST) test and a plain verdict.
 *
 * Point estimates
 *   Pearson r: two-pass (centred) sums, so that large common offsets cost no
 *     digits.
 *   Spearman rho: Pearson r of mid-ranks (ties share the mean of the ranks
 *     they span), as R's cor(rank(x), rank(y)).
 *   Kendall tau-b: Knight's (1966) O(n log n) algorithm: sort by (x, y), count
 *     the discordant pairs as the swaps of a merge sort by y, then
 *       tau_b = (n0 - n1 - n2 + n3 - 2 swaps) / sqrt((n0 - n1)(n0 - n2)),
 *     n0 = n(n-1)/2, n1 / n2 tied pairs in x / y, n3 pairs tied in both; the
 *     same value as R's cor(method = "kendall").
 *   Weighted Pearson: weighted means and cross-products, sum w (x-mx)(y-my)
 *     / sqrt(sum w (x-mx)^2 sum w (y-my)^2), as R's cov.wt(cor = TRUE).
 *   Weighted Spearman: weighted Pearson of weighted mid-ranks.  The weighted
 *     mid-rank of x_i is the midpoint of its tie group on the cumulative
 *     weight scale:  R_i = sum_{x_j < x_i} w_j + (1/2) sum_{x_j = x_i} w_j.
 *     With unit weights R_i is the ordinary mid-rank minus 1/2, a shift that
 *     Pearson's r ignores, so unit weights give exactly Spearman's rho; the
 *     ranks are invariant to scaling the weights.
 *   Partial (controls z_1..z_k): the correlation of the residuals of x and of
 *     y after least squares on the controls with an intercept, which equals
 *     R's ppcor::pcor (-P_12 / sqrt(P_11 P_22) from the inverse correlation
 *     matrix).  Spearman partial: the same on mid-ranks of every column.
 *
 * Intervals (two-sided, level L, zq = Phi^-1((1+L)/2)): tanh(atanh(est) +- zq se)
 *   Pearson   se^2 = 1/(n - 3)                      (Fisher 1921)
 *   Spearman  se^2 = (1 + rho^2/2)/(n - 3)          (Bonett & Wright 2000)
 *   Kendall   se^2 = 0.437/(n - 4)                  (Fieller, Hartley & Pearson 1957)
 *   partial   n replaced by n - k (k controls), as ppcor reduces the df.
 *   weighted  n replaced by Kish's effective n, n_eff = (sum w)^2 / sum w^2.
 *
 * p-values (two-sided), as R 4.2's cor.test.default:
 *   Pearson: t = r sqrt(df/(1 - r^2)) on df = n - 2.
 *   Spearman: S = (n^3 - n)(1 - rho)/6; without ties and n <= 1290 R's
 *     "exact" path: exact permutation distribution for n <= 9, the AS 89
 *     Edgeworth series (Best & Roberts 1975) for 10 <= n <= 1290; otherwise
 *     t = rho sqrt((n-2)/(1-rho^2)) on n - 2 df.
 *   Kendall: without ties and n < 50 exact: T = round((tau+1) n(n-1)/4)
 *     concordant pairs, the permutation distribution of the number of
 *     inversions; otherwise z = S / sqrt(var S) with R's tie-corrected
 *     variance (no continuity correction).
 *   partial (ppcor): t = r sqrt((n-2-k)/(1-r^2)) on n - 2 - k df.
 *   weighted: t on n_eff - 2 df (an approximation; no R counterpart).
 *
 * Inputs are const and never reordered; nothing is printed. */
#ifndef PMS_CORRELATE_H
#define PMS_CORRELATE_H

#include <stddef.h>

#include <stdint.h>

#include "analysis/bootstrap.h"
#include "base/status.h"

typedef enum { PMS_CORR_PEARSON = 0, PMS_CORR_SPEARMAN, PMS_CORR_KENDALL } pms_corr_method;

/* When to use the exact null distribution (R's cor.test argument `exact`). */
typedef enum {
    PMS_CORR_EXACT_AUTO = 0,  /* as R's exact = NULL: Spearman n <= 1290, Kendall n < 50, no ties */
    PMS_CORR_EXACT_NEVER,     /* always the asymptotic form */
    PMS_CORR_EXACT_ALWAYS     /* exact/AS 89 whenever there are no ties (Kendall: n <= 300) */
} pms_corr_exact;

/* How the p-value was obtained. */
typedef enum {
    PMS_CORR_P_T = 0,        /* Student t */
    PMS_CORR_P_EXACT,        /* exact permutation distribution */
    PMS_CORR_P_AS89,         /* Spearman, Edgeworth series (AS 89) */
    PMS_CORR_P_NORMAL        /* Kendall, normal approximation with tie-corrected variance */
} pms_corr_ptype;

typedef struct {
    pms_corr_method method;
    double ci_level;          /* in (0, 1); default 0.95 */
    pms_corr_exact exact;     /* default PMS_CORR_EXACT_AUTO */
    /* Column names for messages (default NULL: "x", "y", "control K"); an
     * error about one input also names it in err->role/index/column. */
    const char *x_name, *y_name;
    const char *const *control_names; /* k names, or NULL */
} pms_corr_opts;

void pms_corr_opts_default(pms_corr_opts *o);

typedef struct {
    pms_corr_method method;
    size_t n;             /* observations used */
    size_t ncontrols;     /* k: partial correlation controls (0 if none) */
    int weighted;
    double n_eff;         /* Kish effective n if weighted, else n */
    double estimate;      /* r, rho or tau-b; positive = x and y rise together */
    double ci_level;
    double ci_low, ci_high;  /* NaN when n is too small for the interval */
    double z_se;          /* SE of atanh(estimate) behind the interval (see above) */
    double statistic;     /* t (Pearson, partial, weighted, Spearman t), S (Spearman
                             exact/AS 89), T (Kendall exact) or z (Kendall normal) */
    double df;            /* for t, else NaN */
    double p_value;       /* two-sided */
    pms_corr_ptype p_type;
    int ties;             /* 1 if x or y has tied values (rank methods; 0 for Pearson,
                             whose test does not depend on ties) */
} pms_corr_result;

/* ---- point estimates (no allocation beyond O(n) scratch) ----
 * Errors: PMS_ETOOFEW (n < 2), PMS_ENONFINITE (NaN or infinity), PMS_ESINGULAR
 * (x or y constant: err says which), PMS_EDOMAIN (a weight <= 0 or non-finite),
 * PMS_ENOMEM. */
pms_status pms_corr_pearson(const double *x, const double *y, size_t n, double *r, pms_err *err);
pms_status pms_corr_spearman(const double *x, const double *y, size_t n, double *rho,
                             pms_err *err);
pms_status pms_corr_kendall(const double *x, const double *y, size_t n, double *tau,
                            pms_err *err);
pms_status pms_corr_wpearson(const double *x, const double *y, const double *w, size_t n,
                             double *r, pms_err *err);
pms_status pms_corr_wspearman(const double *x, const double *y, const double *w, size_t n,
                              double *rho, pms_err *err);

/* Mid-ranks (1..n, ties averaged) of x into ranks[n]; with w not NULL the
 * weighted mid-ranks defined above.  Returns 1 in *ties (if not NULL) when x
 * has a tie.  Errors: PMS_ENOMEM, PMS_ENONFINITE. */
pms_status pms_corr_midranks(const double *x, const double *w, size_t n, double *ranks,
                             int *ties);

/* ---- tests and intervals ----
 * The full result for one method.  w: n weights (> 0) or NULL.  Needs n >= 3
 * (Kendall's interval needs n >= 5, the others n >= 4; below that the
 * interval is NaN).  Errors as above, plus PMS_EDOMAIN for a bad ci_level,
 * PMS_ETOOFEW when a weighted n_eff <= 3. */
pms_status pms_corr_test(const double *x, const double *y, const double *w, size_t n,
                         const pms_corr_opts *opts, pms_corr_result *out, pms_err *err);

/* Partial correlation of x and y given the k columns of Z (n x k, row-major).
 * Pearson or Spearman only (PMS_EUSAGE for Kendall); no weights.  Needs
 * n - k >= 4.  PMS_ESINGULAR if the controls are collinear or constant (err
 * names the control by its 1-based position) or if x or y is a linear
 * combination of the controls. */
pms_status pms_corr_partial_test(const double *x, const double *y, const double *Z, size_t k,
                                 size_t n, const pms_corr_opts *opts, pms_corr_result *out,
                                 pms_err *err);

/* ---- power, equivalence and verdict ---- */

/* The smallest |correlation| that a two-sided level-alpha test detects with
 * probability `power`, on the method's Fisher z scale with its null variance
 * (Pearson 1/(m-3), Spearman 1/(m-3), Kendall 0.437/(m-4), m = n_eff - k):
 *   tanh((z_{1-alpha/2} + z_power) * se0).
 * NaN if m is too small or alpha/power are outside (0, 1). */
double pms_corr_min_detectable(pms_corr_method method, double n_eff, size_t ncontrols,
                               double alpha, double power);

/* TOST p-value for H0: |rho| >= delta (0 < delta < 1) against |rho| < delta,
 * on the Fisher z scale with the result's z_se:
 *   p = max(Phi((atanh r - atanh delta)/se), 1 - Phi((atanh r + atanh delta)/se)).
 * NaN if the result has no z_se or delta is outside (0, 1). */
double pms_corr_tost(const pms_corr_result *r, double delta);

typedef enum {
    PMS_VERDICT_NONE = 0,     /* nothing computed */
    PMS_VERDICT_SHOWN,        /* p (adjusted) < alpha */
    PMS_VERDICT_SHOWN_SMALL,  /* p < alpha and TOST p < alpha: real but smaller than delta */
    PMS_VERDICT_EQUIVALENT,   /* p >= alpha and TOST p < alpha */
    PMS_VERDICT_INCONCLUSIVE  /* neither */
} pms_verdict;

/* Decision rule (alpha = 1 - ci_level): correlation shown if p < alpha (the
 * adjusted p when a family is adjusted); "no correlation as large as delta"
 * if the TOST p < alpha; both may hold (shown but small); otherwise
 * inconclusive.  tost_p NaN = equivalence not asked. */
pms_verdict pms_corr_verdict(double p, double tost_p, double alpha);

/* The verdict in plain words into buf, e.g. "correlation shown (negative)",
 * "no correlation as large as 0.1", "inconclusive: 55 practices can only
 * detect |r| >= 0.37 (80% power, 5% level)".  `units` names the observations
 * ("practices").  Returns buf. */
char *pms_corr_verdict_text(pms_verdict v, const pms_corr_result *r, double delta,
                            double min_detectable, double power, double alpha,
                            const char *units, char *buf, size_t cap);

/* ---- bootstrap and jackknife ----
 * Paired resampling of (x, y[, w]) rows.  A resample is a vector of
 * multiplicities c over the observations (analysis/bootstrap.h); the
 * statistic is the weighted one with weights c_i (times w_i if weighted):
 *   Pearson: one pass over centred data, O(n);
 *   Spearman: x and y are sorted once; the weighted mid-ranks of a resample
 *     come from one cumulative walk over each order, O(n) per resample (the
 *     mean mid-rank is always half the total weight, so the centred ranks need
 *     no extra pass);
 *   Kendall: the pairs are sorted by (x, y) once; the resample, expanded in
 *     that order, is already sorted, so only the merge count remains,
 *     O(n log n) per resample.  Not weighted.
 * Replicates are identical for a given seed on any number of threads (blocks
 * of PMS_BOOT_BLOCK replicates, each seeded with pms_boot_block_seed).
 * The BCa acceleration uses the jackknife (pms_corr_jackknife). */
typedef struct {
    size_t replicates;   /* R >= 2 */
    uint64_t seed;
    unsigned threads;    /* 0 = all online CPUs; results never depend on it */
    double level;        /* in (0, 1) */
} pms_corr_boot_opts;

/* Leave-one-out estimates jack[i] (the coefficient without observation i), in
 * O(n log n) overall rather than n recomputations: closed forms that update
 * the full-sample sums.  Pearson: downdated centred sums.  Spearman: without
 * observation i every other mid-rank drops by w_i/2 sign(x_j - x_i) about the
 * new mean, so the centred cross-products need per-observation sums
 * sum_j w_j sign(x_j - x_i) d_j (prefix sums over the sorted order) and
 * sum_j w_j sign(x_j - x_i) sign(y_j - y_i) (a Fenwick tree over y ranks).
 * Kendall: S_(-i) = S - that concordance sum, with the tie counts of i's
 * groups removed.  A leave-one-out sample with a constant column gives NaN. */
pms_status pms_corr_jackknife(const double *x, const double *y, const double *w, size_t n,
                              pms_corr_method method, double *jack, pms_err *err);

/* Bootstrap percentile and BCa intervals for the coefficient.  reps: NULL or
 * a caller buffer of opts->replicates values that receives the replicates
 * (NaN for a resample whose x or y is constant; such replicates are left out
 * of the intervals and out->replicates counts the others).
 * Errors: as pms_corr_test, PMS_EUSAGE (weighted Kendall, R < 2),
 * PMS_EDOMAIN (level), PMS_ETOOFEW (fewer than 2 finite replicates). */
pms_status pms_corr_bootstrap(const double *x, const double *y, const double *w, size_t n,
                              pms_corr_method method, const pms_corr_boot_opts *opts,
                              pms_boot_ci *out, double *reps, pms_err *err);

/* Names: "pearson", "spearman", "kendall"; the interval's method, e.g.
 * "fisher-z", "fisher-z bonett-wright", "fisher-z fieller", with
 * " kish-n" for weighted; the p-value's method. */
const char *pms_corr_method_name(pms_corr_method m);
const char *pms_corr_ci_method(const pms_corr_result *r);
const char *pms_corr_ptype_name(pms_corr_ptype t);
/* The symbol for the coefficient: "r", "rho", "tau". */
const char *pms_corr_symbol(pms_corr_method m);

#endif
