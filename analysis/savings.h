/* PMS review savings scenarios: what removing the PMS premium does to each
 * practice, each locality and the whole area, year by year.
 *
 * All money is integer pence (int64_t).  Every amount shared out between
 * practices is rounded by largest remainder, so practice rows add up exactly
 * to locality totals and to the grand total, and in every year
 *     released == reinvested + net_saving        (to the penny).
 * The model and its defaults are written out in NOTES.md ("Savings scenarios").
 *
 * Years are financial years named by their first calendar year: 2014 is
 * 2014/15 (pms_sav_year_label formats it).
 *
 * Ownership: pms_sav_prepare fills a caller-owned pms_sav_base freed with
 * pms_sav_base_free; pms_sav_run fills a pms_sav_result freed with
 * pms_sav_result_free; pms_sav_ws_new/pms_sav_ws_free pair the scratch space
 * that makes a sweep allocation-free.  Every _free accepts NULL or a zeroed
 * struct. */
#ifndef PMS_SAVINGS_H
#define PMS_SAVINGS_H

#include <stddef.h>
#include <stdint.h>

#include "base/status.h"

typedef enum {
    PMS_SAV_NONE = 0,      /* baseline: the premium is left alone */
    PMS_SAV_GLIDEPATH,     /* premium above `target` removed in equal steps over `years` */
    PMS_SAV_CAP,           /* premium above `cap` removed at once */
    PMS_SAV_PERCENT        /* `percent` % of the premium removed at once */
} pms_sav_method;

typedef enum {
    PMS_REINVEST_NONE = 0, /* everything released is a saving */
    PMS_REINVEST_WEIGHTED, /* pro rata weighted patients (as Bristol did) */
    PMS_REINVEST_DEPRIVATION, /* pro rata weighted patients x IMD 2015 score */
    PMS_REINVEST_BELOW_GMS /* close the gap to the GMS-equivalent first, rest pro rata W */
} pms_sav_reinvest;

typedef enum {
    PMS_SCOPE_CCG = 0,     /* money released in a CCG stays in that CCG (the national rule) */
    PMS_SCOPE_REGION,      /* ... in that NHS England region */
    PMS_SCOPE_NATIONAL     /* one national pool */
} pms_sav_scope;

typedef enum { PMS_CONTRACT_GMS = 0, PMS_CONTRACT_PMS = 1 } pms_sav_contract;

#define PMS_SAV_NAME_MAX 64
#define PMS_SAV_MAX_RATES 64      /* global sum rates: at most 64 consecutive years */
#define PMS_SAV_MAX_EXTENSION 50  /* transitional protection may add at most 50 years */
/* The largest input the model takes, so that every total it forms fits in
 * 64-bit pence with room to spare: a money value of at most 100 billion
 * pounds in magnitude (10^13 pence; all of England's core funding in 2014/15
 * was 4.3 billion) and at most 100 million weighted patients per practice.
 * pms_sav_prepare refuses a row beyond either, naming it. */
#define PMS_SAV_MAX_POUNDS 1e11
#define PMS_SAV_MAX_WEIGHTED 1e8
#define PMS_SAV_MAX_IMD 1000.0

/* Settings shared by every scenario of a file ([model] and [global_sum]). */
typedef struct {
    int base_year;            /* year of the payments data (default 2014 = 2014/15) */
    int mpig_base_year;       /* MPIG tapers by 1/mpig_taper_years of this year's value ... */
    int mpig_taper_years;     /* ... each year from mpig_base_year + 1 (defaults 2013, 7) */
    int gs_first_year;        /* global sum per weighted patient, pounds, for years */
    size_t gs_n;              /*   gs_first_year .. gs_first_year + gs_n - 1; */
    double gs_rate[PMS_SAV_MAX_RATES]; /* NaN = no rate for that year */
} pms_sav_settings;

/* The published figures: 2013/14 66.25, 2014/15 73.56, 2015/16 76.14 (75.77 for
 * April-September and 76.51 from 1 October, blended by months: (6 x 75.77 +
 * 6 x 76.51) / 12), 2016/17 80.59, 2017/18 85.35; base year 2014/15; MPIG
 * tapered by sevenths of its 2013/14 value from 2014/15. */
void pms_sav_settings_default(pms_sav_settings *s);

/* Global sum per weighted patient (pounds) for `year`, or NaN if none. */
double pms_sav_gs_rate(const pms_sav_settings *s, int year);

/* One scenario.  Rates are pounds per weighted patient. */
typedef struct {
    char name[PMS_SAV_NAME_MAX];
    char label[PMS_SAV_NAME_MAX]; /* short human label for charts and sentences ("" = name) */
    char description[256];
    int start_year;           /* first year of change (>= the data's base year) */
    unsigned years;           /* scheduled years, >= 1 */
    pms_sav_method method;
    double target;            /* glidepath: premium kept at the end (0 = to GMS) */
    double cap;               /* cap: premium kept */
    double percent;           /* percent: share of the premium removed, 0..100 */
    char retention_column[PMS_SAV_NAME_MAX]; /* "" = no offer-based retention */
    double retention;         /* flagged practices keep up to this premium on top */
    const unsigned char *retain; /* borrowed: flag per INPUT row (pms_sav_data.n), set by the
                                    caller from retention_column; NULL = nobody flagged */
    double protect_pct;       /* 0 = off; else the reduction grows by at most this % of
                                 the previous year's core funding per year */
    double protect_per_wp;    /* 0 = off; else at most this many pounds per weighted patient */
    unsigned max_extension;   /* protection may extend the schedule by at most this many
                                 years (default 10, at most PMS_SAV_MAX_EXTENSION); what is
                                 still unreleased then is reported as unmet */
    double keep_for_services; /* pounds per weighted patient of each PMS practice's premium
                                 kept as payment for services beyond core (0 = none): the
                                 methods act on the premium above GMS + this */
    pms_sav_reinvest reinvest;
    double reinvest_pct;      /* share of what is released that the rule reinvests, 0..100;
                                 the rest is the net saving.  Rounded per pool (half a
                                 penny up), the pool's share then apportioned by the rule */
    pms_sav_scope scope;
    /* Where each setting came from in the scenario file (0 = default), so
     * that checks against the data can still say FILE:LINE. */
    int line, line_start_year, line_retention, line_reinvest, line_scope, line_reinvest_pct;
} pms_sav_scenario;

/* Scenario defaults: method none, 1 year from 2014/15, no retention or
 * protection (max_extension 10), reinvest none (reinvest_pct 0) within the
 * CCG, nothing kept for services. */
void pms_sav_scenario_default(pms_sav_scenario *s);

/* The practice data, one entry per input row; every pointer is borrowed and
 * must outlive the pms_sav_base built from it.  Money in pounds; NaN (or a
 * NULL string) = missing. */
typedef struct {
    size_t n;
    const double *global_sum, *mpig, *pms_balance, *weighted;
    const char *const *contract;      /* "GMS", "PMS", "APMS", ... (case-insensitive) */
    const char *const *locality;      /* per-locality totals and the between-locality Theil */
    const char *const *ccg;           /* pools for scope ccg (NULL if absent) */
    const char *const *region;        /* pools for scope region (NULL if absent) */
    const double *imd;                /* IMD 2015 score (NULL = none) */
    /* Optional, for messages: where each row came from ("FILE:LINE: ..."). */
    const char *source;               /* file name (NULL = "row N") */
    const long *line;                 /* line of each row in it (NULL = row numbers) */
} pms_sav_data;

/* The practices in the model, with their base-year money in pence.
 * Excluded rows are counted by reason (a row is counted once, under the
 * first reason in this order). */
typedef struct {
    size_t n;                 /* practices in the model */
    size_t *row;              /* input row of each */
    pms_sav_contract *contract;
    double *weighted;         /* W */
    int64_t *wunits;          /* W in hundredths, rounded: the weights of allocations */
    int64_t *gs0, *mpig0, *pmsbal0, *core0; /* pence; core0 = gs0 + mpig0 + pmsbal0 */
    double *imd;              /* NaN = missing */
    size_t *loc, nloc;        /* locality index of each practice, number of localities */
    const char **loc_name;    /* borrowed from the data */
    size_t *ccg, nccg, *region, nregion; /* pool indices (NULL when the column is absent) */
    size_t n_imd;             /* practices with an IMD score */
    size_t excluded_missing;  /* global sum, MPIG, PMS balance or W missing */
    size_t excluded_weighted; /* W <= 0 */
    size_t excluded_core;     /* core funding <= 0 (no core payment recorded) */
    size_t excluded_contract; /* APMS or another contract type (out of scope) */
    size_t excluded_locality; /* no locality code */
    size_t n_pms, n_gms;
    int64_t wunits_total;     /* sum of wunits, for the scenario checks on totals */
    pms_sav_settings settings;
} pms_sav_base;

/* Rows with a value beyond PMS_SAV_MAX_POUNDS, PMS_SAV_MAX_WEIGHTED or, for
 * IMD, outside 0..PMS_SAV_MAX_IMD (or infinite) are refused with PMS_EPARSE
 * and "FILE:LINE: ..." naming the column and the limit; so are totals over
 * the model beyond 2^62 pence. */
pms_status pms_sav_prepare(const pms_sav_data *d, const pms_sav_settings *s,
                           pms_sav_base *out, pms_err *err);
void pms_sav_base_free(pms_sav_base *b);

/* The reasons pms_sav_prepare left practices out, in one wording for every
 * caller (savings, premium, the report): `key` names the reason in
 * provenance notes, `why` says it in words, `n` counts the practices. */
typedef struct {
    size_t n;
    const char *key, *why;
} pms_sav_exclusion;
enum { PMS_SAV_NEXCLUSIONS = 5 };
void pms_sav_exclusions(const pms_sav_base *b, pms_sav_exclusion out[PMS_SAV_NEXCLUSIONS]);

/* Fairness of core funding per weighted patient, weighted by W: Gini,
 * Theil T with its between- and within-locality parts, and the concentration
 * index against IMD 2015 ranked most deprived first (C < 0: funding
 * concentrated in more deprived practices; practices without IMD left out). */
typedef struct {
    double gini;
    double theil_total, theil_between, theil_within;
    double concentration;
} pms_sav_fairness;

/* One scheduled (or extension) year of a scenario. */
typedef struct {
    int year;                 /* financial year, e.g. 2015 = 2015/16 */
    unsigned t;               /* 1 = first year of change */
    int extension;            /* 1 if added by transitional protection */
    int64_t released;         /* premium withheld this year compared with no review */
    int64_t released_new;     /* released minus last year's released */
    int64_t reinvested, net_saving; /* released = reinvested + net_saving */
    int64_t kept_for_services; /* premium kept by PMS practices for services beyond core
                                  (keep_for_services): min(premium, W x keep) summed */
    int64_t target;           /* what the method would withhold without protection */
    int64_t mpig_change;      /* GMS MPIG taper this year against last (<= 0) */
    int64_t core_total;       /* core funding of every practice in the model */
    size_t losing, gaining;   /* core funding below / above last year's */
    size_t losing_over_5pct, losing_over_10pct; /* loss > 5% / > 10% of last year's core */
    int64_t largest_loss;     /* pence, >= 0 */
    size_t largest_loss_practice; /* index into the base (valid if largest_loss > 0) */
    double largest_loss_pct;  /* that loss as a fraction of the practice's core last year */
    size_t eligible;          /* practices that could receive reinvestment this year */
    pms_sav_fairness fair;    /* after this year */
} pms_sav_year;

typedef struct {
    pms_sav_scenario scenario;
    size_t n;                 /* practices (as in the base) */
    size_t nyears;            /* scheduled + extension years */
    unsigned extension_years; /* how long transitional protection extends the schedule */
    size_t unmet_practices;   /* practices still above their target at the end */
    int64_t unmet;            /* pence still to withdraw from them at the end */
    pms_sav_year *year;       /* nyears */
    pms_sav_fairness fair_base; /* the base year, before any change */
    int64_t *core;            /* (nyears + 1) x n: core[t * n + i], t = 0 the base year */
    int64_t *cut;             /* nyears x n: premium withheld from practice i in year t+1 */
    int64_t *reinvest;        /* nyears x n: reinvestment received */
    size_t nloc;
    int64_t *loc_core;        /* (nyears + 1) x nloc */
    int64_t *loc_cut, *loc_reinvest; /* nyears x nloc */
    size_t *loc_practices;    /* nloc */
} pms_sav_result;

/* Scratch space for pms_sav_run/pms_sav_sweep_point (sized for one base). */
typedef struct pms_sav_ws pms_sav_ws;
pms_sav_ws *pms_sav_ws_new(const pms_sav_base *b);
void pms_sav_ws_free(pms_sav_ws *w);

/* Check a scenario against the settings and the base (years with a global
 * sum rate, start not before the data, retention flags present, IMD for
 * deprivation, region codes for scope region).  Messages start with
 * `origin` (e.g. "file.ini:12: ") when the scenario has line numbers. */
pms_status pms_sav_check(const pms_sav_base *b, const pms_sav_scenario *sc,
                         const char *origin_file, pms_err *err);

/* The part of pms_sav_check that needs no data: the scenario's years lie in
 * the data's base year or later and each has a global sum rate. */
pms_status pms_sav_check_years(const pms_sav_settings *s, const pms_sav_scenario *sc,
                               const char *origin_file, pms_err *err);

/* Run one scenario in full. */
pms_status pms_sav_run(const pms_sav_base *b, const pms_sav_scenario *sc, pms_sav_ws *ws,
                       pms_sav_result *out, pms_err *err);
void pms_sav_result_free(pms_sav_result *r);

/* What a sweep records at each grid point. */
typedef struct {
    double value;                   /* the swept parameter */
    int64_t released_final, reinvested_final, net_saving_final; /* last year */
    int64_t net_saving_cumulative;  /* summed over every year */
    size_t losing_over_5pct, losing_over_10pct; /* practices losing that much in some year */
    unsigned extension_years;
    size_t unmet_practices;         /* still above target when the extension ran out */
    double gini_after;              /* after the last year */
} pms_sav_sweep_row;

/* Parameters a sweep can vary. */
typedef enum {
    PMS_SWEEP_TARGET = 0, PMS_SWEEP_CAP, PMS_SWEEP_PERCENT, PMS_SWEEP_RETENTION,
    PMS_SWEEP_PROTECT_PCT, PMS_SWEEP_PROTECT_PER_WP, PMS_SWEEP_REINVEST_PCT,
    PMS_SWEEP_KEEP_FOR_SERVICES
} pms_sav_param;

/* Name <-> parameter ("target", "cap", "percent", "retention", "protect_pct",
 * "protect_per_wp", "reinvest_pct", "keep_for_services"); returns -1 for an
 * unknown name. */
int pms_sav_param_parse(const char *name);
const char *pms_sav_param_name(pms_sav_param p);
/* "target, cap, ... or keep_for_services" (for messages). */
const char *pms_sav_param_list(void);

/* A sweep specification PARAM=FROM:TO:STEP: 0 <= FROM <= TO, STEP > 0, at
 * most PMS_SAV_SWEEP_MAX points.  Messages do not name the option. */
#define PMS_SAV_SWEEP_MAX 100000
typedef struct {
    pms_sav_param param;
    double from, to, step;
    size_t npoints;
} pms_sav_sweep_spec;
pms_status pms_sav_sweep_parse(const char *spec, pms_sav_sweep_spec *out, pms_err *err);
/* The i-th grid value, rounded to 1e-9 so that 0.1 steps print as typed. */
double pms_sav_sweep_value(const pms_sav_sweep_spec *s, size_t i);
/* Whether parameter p applies to scenario sc (0 = it does not; *why then
 * names the reason, e.g. "method cap"). */
int pms_sav_param_applies(pms_sav_param p, const pms_sav_scenario *sc, const char **why);

/* One grid point: the scenario with parameter p set to value.  Allocation-free
 * (every array lives in ws). */
pms_status pms_sav_sweep_point(const pms_sav_base *b, const pms_sav_scenario *sc,
                               pms_sav_param p, double value, pms_sav_ws *ws,
                               pms_sav_sweep_row *out, pms_err *err);

/* A whole sweep: rows[i] for values[i], on `threads` threads (each with its
 * own workspace; the rows do not depend on the number of threads).  On
 * failure *failed is the first failing point. */
pms_status pms_sav_sweep(const pms_sav_base *b, const pms_sav_scenario *sc, pms_sav_param p,
                         const double *values, size_t nvalues, unsigned threads,
                         pms_sav_sweep_row *rows, size_t *failed, pms_err *err);

/* Largest-remainder apportionment of `amount` pence (>= 0) in proportion to
 * weights w[0..k) (>= 0, sum > 0): out[i] = floor(amount w_i / S) plus one
 * penny for the (amount - sum of floors) largest remainders, ties to the
 * lower index.  Exact (128-bit products).  `scratch` holds k size_t.
 * Returns PMS_EDOMAIN for a negative amount or weight or a zero sum. */
pms_status pms_sav_apportion(int64_t amount, const int64_t *w, size_t k, int64_t *out,
                             size_t *scratch);

/* Like-for-like effects of one result, for England (loc = (size_t)-1) or one
 * locality: the first year of change, the recurrent full-year effect once the
 * schedule (and any extension) is complete, and totals over a common horizon
 * of `horizon` years from the data's base year, in which years before the
 * scenario starts count 0 and years after its last repeat the last (the
 * amounts are recurrent).  Never a sum over schedules of different lengths. */
typedef struct {
    int first_year;           /* year of the first change */
    int64_t first_released, first_reinvested, first_net;
    int full_year;            /* the last modelled year */
    int64_t full_released, full_reinvested, full_net;
    int horizon_from, horizon_to; /* years of the horizon (inclusive) */
    int64_t cum_released, cum_reinvested, cum_net;
} pms_sav_effects;
void pms_sav_effects_of(const pms_sav_result *r, const pms_sav_base *b, size_t loc,
                        unsigned horizon, pms_sav_effects *out);

/* Money at a sensible precision for sentences and summaries: "£4.21m",
 * "£534k", "£812", "-£1.05m" (pence rounded half away from zero). */
char *pms_sav_money_short(int64_t pence, char *buf, size_t cap);

/* The scenario's label, or its name when it has none. */
const char *pms_sav_label(const pms_sav_scenario *s);

/* "2014/15" for 2014 (buf of at least 8 bytes); returns buf. */
char *pms_sav_year_label(int year, char *buf, size_t cap);
/* Parse "2014/15" (or "2014"); returns 0 and sets *year, or -1. */
int pms_sav_year_parse(const char *s, int *year);

const char *pms_sav_method_name(pms_sav_method m);
const char *pms_sav_reinvest_name(pms_sav_reinvest r);
const char *pms_sav_scope_name(pms_sav_scope s);

#endif
