/* The PMS premium: what each PMS practice is paid above the GMS equivalent,
 * nationally and per locality, at a chosen year's global sum prices; its
 * distribution; what is left once GMS MPIG has tapered away; and its
 * correlation with deprivation (NHS England, "Review of PMS contracts",
 * February 2014, gateway 01091, said there was none).
 *
 * Definitions (doc/methods/premium.md):
 *   core_i      = global sum + MPIG + balance of PMS expenditure (pence)
 *   gms_i       = round(W_i x rate)                    (pence, half up)
 *   premium_i   = core_i - gms_i
 *   After the MPIG taper: GMS MPIG is recycled into the GMS global sum, so
 *   the GMS equivalent rises by the GMS practices' MPIG M (in the data year)
 *   shared out in proportion to weighted patients, and the PMS practice's
 *   own MPIG m_i tapers away as well:
 *   uplift_i    = round(M x W_i / W_gms)               (pence, half up)
 *   after_i     = core_i - m_i - gms_i - uplift_i
 * Money is integer pence, so totals reconcile exactly with an independent
 * recomputation; ratios and quantiles are doubles.
 *
 * Practices come from a pms_sav_base (analysis/savings.h), so the premium
 * and the savings scenarios leave out the same practices for the same
 * reasons (missing values, W <= 0, no core payment recorded, APMS, no
 * locality).
 *
 * Ownership: pms_prem_compute fills a caller-owned pms_prem_result freed with
 * pms_prem_result_free (NULL or a zeroed struct is fine). */
#ifndef PMS_PREMIUM_H
#define PMS_PREMIUM_H

#include <stddef.h>
#include <stdint.h>

#include "analysis/correlate.h"
#include "analysis/savings.h"
#include "base/status.h"

/* Global sum per weighted patient (pounds) of financial year `year` (2013 =
 * 2013/14), or NaN if the table has none.  2013/14 66.25, 2014/15 73.56,
 * 2015/16 76.14 (75.77 to September, 76.51 from October, blended by
 * months), 2016/17 80.59, 2017/18 85.35, 2018/19 88.96, 2019/20 89.88,
 * 2020/21 93.46 (GMS contract agreements; /work/shared/DOMAIN.md). */
double pms_prem_gs_rate(int year);
/* First and last year of that table. */
#define PMS_PREM_FIRST_YEAR 2013
#define PMS_PREM_LAST_YEAR 2020

typedef struct {
    int prices_year;          /* whose global sum rate gives the GMS equivalent */
    double rate;              /* NaN = pms_prem_gs_rate(prices_year); else pounds per W */
    double ci_level;          /* correlation interval level (alpha = 1 - ci_level); 0.95 */
    double delta;             /* equivalence margin for |rho|; 0.1 */
    double power;             /* for the smallest detectable correlation; 0.8 */
    size_t min_corr;          /* practices with IMD a locality needs for its correlation; 10 */
} pms_prem_opts;

void pms_prem_opts_default(pms_prem_opts *o);

/* One group of PMS practices (England, or one locality). */
typedef struct {
    size_t practices;         /* PMS practices in the group */
    size_t above, below;      /* premium > 0 / < 0 (the rest are exactly 0) */
    int64_t premium;          /* pence */
    double weighted;          /* sum of W */
    double per_weighted;      /* premium / W, pounds */
    double q1, median, q3;    /* of premium per weighted patient, R's quantile type 7 */
    size_t top10_n;           /* ceil(practices / 10) */
    double top10_share;       /* their share of the premium (largest premiums first);
                                 NaN when the premium is <= 0 */
    int64_t after;            /* premium after the MPIG taper, pence */
    double after_per_weighted;
    size_t above_after, below_after;
    /* Spearman's rho of premium per weighted patient with IMD (same for any
     * prices year: a shift per W does not change ranks).  corr_status is
     * PMS_OK when computed, PMS_ETOOFEW below min_corr practices with IMD,
     * or the status of pms_corr_test. */
    size_t n_imd;
    pms_status corr_status;
    pms_corr_result corr;
    double min_detectable;    /* smallest |rho| detected with `power` at level alpha */
    double tost_p;            /* equivalence test p for |rho| < delta */
    pms_verdict verdict;
} pms_prem_group;

typedef struct {
    int prices_year;
    double rate;              /* pounds per weighted patient */
    int64_t gms_mpig;         /* MPIG of the GMS practices in the model, pence */
    double gms_weighted;      /* their weighted patients */
    double uplift_per_weighted; /* gms_mpig / gms_weighted, pounds */
    double delta, power, alpha;
    size_t n;                 /* PMS practices */
    size_t *idx;              /* n: index of each into the base */
    int64_t *premium, *after; /* n: pence */
    double *per_weighted;     /* n: premium / W, pounds */
    pms_prem_group national;
    size_t nloc;              /* the base's localities (a locality without PMS practices
                                 has practices = 0) */
    pms_prem_group *loc;      /* nloc, indexed as the base's localities */
} pms_prem_result;

/* Compute everything.  Errors: PMS_EDOMAIN (no rate for the year, a rate
 * <= 0 or non-finite, a bad level/delta/power), PMS_ETOOFEW (no PMS
 * practice in the base), PMS_ENOMEM. */
pms_status pms_prem_compute(const pms_sav_base *b, const pms_prem_opts *o,
                            pms_prem_result *out, pms_err *err);
void pms_prem_result_free(pms_prem_result *r);

/* NHS England's headline figures (Review of PMS contracts, February 2014,
 * gateway 01091, from area teams' contract returns as at 1 April 2013) beside
 * pmsreview's from `r`, with why they differ.  `ours` is NaN where the public
 * file cannot give the figure.  The comparison is like for like only at
 * 2013/14 prices (r->prices_year == 2013). */
typedef struct {
    const char *figure;
    const char *unit;         /* "pounds" or "pounds per weighted patient" */
    double nhse, ours;        /* ours - nhse is the difference */
    const char *why;
} pms_prem_review_row;

#define PMS_PREM_REVIEW_ROWS 6
void pms_prem_review(const pms_prem_result *r, pms_prem_review_row rows[PMS_PREM_REVIEW_ROWS]);

#endif
