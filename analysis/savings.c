#include "analysis/savings.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/concentration.h"
#include "analysis/inequality.h"
#include "analysis/sort.h"

__extension__ typedef __int128 i128;

/* ---------------------------------------------------------------- names */

const char *pms_sav_method_name(pms_sav_method m)
{
    switch (m) {
    case PMS_SAV_GLIDEPATH: return "glidepath";
    case PMS_SAV_CAP: return "cap";
    case PMS_SAV_PERCENT: return "percent";
    default: return "none";
    }
}

const char *pms_sav_reinvest_name(pms_sav_reinvest r)
{
    switch (r) {
    case PMS_REINVEST_WEIGHTED: return "weighted";
    case PMS_REINVEST_DEPRIVATION: return "deprivation";
    case PMS_REINVEST_BELOW_GMS: return "below_gms";
    default: return "none";
    }
}

const char *pms_sav_scope_name(pms_sav_scope s)
{
    switch (s) {
    case PMS_SCOPE_REGION: return "region";
    case PMS_SCOPE_NATIONAL: return "national";
    default: return "ccg";
    }
}

static const char *const param_names[] = {"target",         "cap",
                                          "percent",        "retention",
                                          "protect_pct",    "protect_per_wp",
                                          "reinvest_pct",   "keep_for_services"};
#define NPARAMS (sizeof param_names / sizeof param_names[0])

int pms_sav_param_parse(const char *name)
{
    for (size_t i = 0; i < NPARAMS; i++)
        if (!strcmp(name, param_names[i])) return (int)i;
    return -1;
}

const char *pms_sav_param_name(pms_sav_param p)
{
    return (size_t)p < NPARAMS ? param_names[p] : "?";
}

const char *pms_sav_param_list(void)
{
    return "target, cap, percent, retention, protect_pct, protect_per_wp, reinvest_pct or "
           "keep_for_services";
}

int pms_sav_param_applies(pms_sav_param p, const pms_sav_scenario *sc, const char **why)
{
    int ok = 1;
    switch (p) {
    case PMS_SWEEP_TARGET: ok = sc->method == PMS_SAV_GLIDEPATH; break;
    case PMS_SWEEP_CAP: ok = sc->method == PMS_SAV_CAP; break;
    case PMS_SWEEP_PERCENT: ok = sc->method == PMS_SAV_PERCENT; break;
    case PMS_SWEEP_RETENTION:
        if (!sc->retention_column[0]) {
            if (why) *why = "no retention_column";
            return 0;
        }
        break;
    case PMS_SWEEP_REINVEST_PCT:
        if (sc->reinvest == PMS_REINVEST_NONE) {
            if (why) *why = "reinvest none";
            return 0;
        }
        break;
    case PMS_SWEEP_KEEP_FOR_SERVICES: ok = sc->method != PMS_SAV_NONE; break;
    default: break;
    }
    if (!ok && why) *why = "method";
    return ok;
}

pms_status pms_sav_sweep_parse(const char *spec, pms_sav_sweep_spec *out, pms_err *err)
{
    memset(out, 0, sizeof *out);
    const char *eq = strchr(spec, '=');
    char name[64];
    if (!eq || (size_t)(eq - spec) >= sizeof name)
        return pms_err_set(err, PMS_EUSAGE, "expects PARAM=FROM:TO:STEP, not '%s'", spec);
    memcpy(name, spec, (size_t)(eq - spec));
    name[eq - spec] = 0;
    int p = pms_sav_param_parse(name);
    if (p < 0)
        return pms_err_set(err, PMS_EUSAGE, "unknown parameter '%s' (%s)", name,
                           pms_sav_param_list());
    double v[3];
    const char *q = eq + 1;
    for (int i = 0; i < 3; i++) {
        char *end;
        errno = 0;
        v[i] = strtod(q, &end);
        if (end == q || errno || !isfinite(v[i]) || (i < 2 ? *end != ':' : *end != 0))
            return pms_err_set(err, PMS_EUSAGE, "expects PARAM=FROM:TO:STEP, not '%s'", spec);
        q = end + 1;
    }
    if (v[0] < 0 || v[1] < v[0] || !(v[2] > 0))
        return pms_err_set(err, PMS_EUSAGE, "needs 0 <= FROM <= TO and STEP > 0, not '%s'", spec);
    /* (TO - FROM) / STEP may overflow to infinity for a tiny step: that is
     * more points than allowed, not a number to convert */
    double np = floor((v[1] - v[0]) / v[2] * (1 + 1e-12) + 1e-9) + 1;
    if (!(np <= PMS_SAV_SWEEP_MAX))
        return pms_err_set(err, PMS_EUSAGE, "would run %.0f points (at most %d)", np,
                           PMS_SAV_SWEEP_MAX);
    out->param = (pms_sav_param)p;
    out->from = v[0];
    out->to = v[1];
    out->step = v[2];
    out->npoints = (size_t)np;
    return PMS_OK;
}

double pms_sav_sweep_value(const pms_sav_sweep_spec *s, size_t i)
{
    double v = s->from + (double)i * s->step;
    /* beyond 1e15 a billionth is below the double's resolution anyway */
    return fabs(v) < 1e15 ? round(v * 1e9) / 1e9 : v;
}

const char *pms_sav_label(const pms_sav_scenario *s)
{
    return s->label[0] ? s->label : s->name;
}

char *pms_sav_money_short(int64_t pence, char *buf, size_t cap)
{
    uint64_t a = pence < 0 ? (uint64_t)0 - (uint64_t)pence : (uint64_t)pence;
    const char *sign = pence < 0 ? "-" : "";
    double pounds = (double)a / 100.0;
    if (pounds >= 999.5e6) snprintf(buf, cap, "%s\u00a3%.2fbn", sign, pounds / 1e9);
    else if (pounds >= 9.995e6) snprintf(buf, cap, "%s\u00a3%.1fm", sign, pounds / 1e6);
    else if (pounds >= 999.5e3) snprintf(buf, cap, "%s\u00a3%.2fm", sign, pounds / 1e6);
    else if (pounds >= 9999.5) snprintf(buf, cap, "%s\u00a3%.0fk", sign, pounds / 1e3);
    else snprintf(buf, cap, "%s\u00a3%.0f", sign, pounds);
    if (!strcmp(buf, "-\u00a30")) snprintf(buf, cap, "\u00a30");
    return buf;
}

char *pms_sav_year_label(int year, char *buf, size_t cap)
{
    snprintf(buf, cap, "%04d/%02d", year, (year + 1) % 100);
    return buf;
}

int pms_sav_year_parse(const char *s, int *year)
{
    while (*s == ' ') s++;
    int y = 0, digits = 0;
    while (isdigit((unsigned char)*s) && digits < 5) y = y * 10 + (*s++ - '0'), digits++;
    if (digits != 4 || y < 1900 || y > 2199) return -1;
    if (*s == '/') {
        s++;
        if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1])) return -1;
        int yy = (s[0] - '0') * 10 + (s[1] - '0');
        if (yy != (y + 1) % 100) return -1;
        s += 2;
    }
    while (*s == ' ') s++;
    if (*s) return -1;
    *year = y;
    return 0;
}

/* ------------------------------------------------------------- settings */

void pms_sav_settings_default(pms_sav_settings *s)
{
    memset(s, 0, sizeof *s);
    s->base_year = 2014;
    s->mpig_base_year = 2013;
    s->mpig_taper_years = 7;
    s->gs_first_year = 2013;
    s->gs_n = 5;
    static const double rates[] = {66.25, 73.56, 76.14, 80.59, 85.35};
    for (size_t i = 0; i < PMS_SAV_MAX_RATES; i++) s->gs_rate[i] = i < 5 ? rates[i] : NAN;
}

double pms_sav_gs_rate(const pms_sav_settings *s, int year)
{
    if (year < s->gs_first_year || (size_t)(year - s->gs_first_year) >= s->gs_n) return NAN;
    return s->gs_rate[year - s->gs_first_year];
}

void pms_sav_scenario_default(pms_sav_scenario *s)
{
    memset(s, 0, sizeof *s);
    s->start_year = 2014;
    s->years = 1;
    s->method = PMS_SAV_NONE;
    s->reinvest = PMS_REINVEST_NONE;
    s->reinvest_pct = 100; /* applies only once reinvest names a rule */
    s->scope = PMS_SCOPE_CCG;
    s->max_extension = 10;
}

/* --------------------------------------------------------------- integer */

/* a / b rounded half away from zero, b > 0.  128-bit division is a library
 * call, so 64-bit operands (always, on real data) take the fast path. */
static int64_t div_round(i128 a, i128 b)
{
    if (a > -((i128)1 << 62) && a < ((i128)1 << 62) && b < ((i128)1 << 62)) {
        int64_t x = (int64_t)a, y = (int64_t)b;
        return x >= 0 ? (x + y / 2) / y : -((-x + y / 2) / y);
    }
    i128 q = a >= 0 ? (a + b / 2) / b : -((-a + b / 2) / b);
    return (int64_t)q;
}

/* floor(a x / b) for a, x >= 0, b > 0, with the same fast path. */
static int64_t mul_div(int64_t a, int64_t x, int64_t b)
{
    int64_t p;
    if (!__builtin_mul_overflow(a, x, &p)) return p / b;
    return (int64_t)((i128)a * x / b);
}

/* Pounds (or percent) to an integer count of 1/10000ths: rates are given to
 * at most a few decimals, and every product below is then exact integer
 * arithmetic that a reference implementation can repeat. */
static int64_t to_units4(double v) { return (int64_t)llround(v * 10000.0); }

/* Pence for W (in hundredths, wunits) patients at rate_u (1/10000 pound) per
 * patient: W x rate x 100 = wunits x rate_u / 10000, rounded half up. */
static int64_t wp_pence(int64_t wunits, int64_t rate_u)
{
    int64_t p;
    if (wunits >= 0 && rate_u >= 0 && !__builtin_mul_overflow(wunits, rate_u, &p) &&
        p <= INT64_MAX - 5000)
        return (p + 5000) / 10000;
    return div_round((i128)wunits * rate_u, 10000);
}

/* ------------------------------------------------------------ apportion */

static int rem_before(const int64_t *rem, size_t a, size_t b)
{
    return rem[a] > rem[b] || (rem[a] == rem[b] && a < b);
}

/* Reorder idx[0..m) so that its first r entries are the r largest by
 * rem_before (quickselect, median of three; deterministic). */
static void select_top(size_t *idx, size_t m, size_t r, const int64_t *rem)
{
    size_t lo = 0, hi = m; /* the r-th boundary lies in [lo, hi) */
    while (hi - lo > 1 && r > lo && r < hi) {
        size_t mid = lo + (hi - lo) / 2, a = idx[lo], b = idx[mid], c = idx[hi - 1], p;
        if (rem_before(rem, a, b))
            p = rem_before(rem, b, c) ? b : (rem_before(rem, a, c) ? c : a);
        else
            p = rem_before(rem, a, c) ? a : (rem_before(rem, b, c) ? c : b);
        /* three-way partition around p: before | p | after */
        size_t i = lo, j = lo, k = hi;
        while (j < k) {
            size_t v = idx[j];
            if (v == p) {
                j++;
            } else if (rem_before(rem, v, p)) {
                idx[j] = idx[i];
                idx[i] = v;
                i++;
                j++;
            } else {
                k--;
                idx[j] = idx[k];
                idx[k] = v;
            }
        }
        /* [lo,i) before p, [i,j) == p (exactly one), [j,hi) after */
        if (r <= i) hi = i;
        else if (r <= j) return;
        else lo = j;
    }
}

/* Reorder key[0..m) (distinct values) so that its first r entries are the
 * r largest: quickselect with a branch-free partition, since which side a
 * remainder falls is a coin toss the processor cannot predict.  Invariant:
 * everything in [0, lo) beats everything in [lo, m), everything in [0, hi)
 * beats everything in [hi, m), lo <= r < hi. */
static void select_top_keys(int64_t *key, size_t m, size_t r)
{
    size_t lo = 0, hi = m;
    while (r > lo && r < hi) {
        int64_t a = key[lo], b = key[lo + (hi - lo) / 2], c = key[hi - 1];
        int64_t p = a > b ? (b > c ? b : (a > c ? c : a)) : (a > c ? a : (b > c ? c : b));
        size_t i = lo;
        for (size_t j = lo; j < hi; j++) {
            int64_t v = key[j];
            key[j] = key[i];
            key[i] = v;
            i += (size_t)(v > p);
        }
        /* [lo, i) > p >= [i, hi), and p, the largest of [i, hi), is there */
        if (r < i) {
            hi = i;
        } else if (r == i) {
            return;
        } else {
            size_t k = i;
            while (key[k] != p) k++;
            key[k] = key[i];
            key[i] = p;
            lo = i + 1;
        }
    }
}

/* Apportion with `rem` as caller scratch (k int64) as well. */
/* The apportionment proper: w[0..k) >= 0 with sum S64 > 0 (checked by the
 * caller), amount >= 0. */
static void apportion_known(int64_t amount, const int64_t *restrict w, size_t k, int64_t S64,
                            int64_t *restrict out, size_t *scratch, int64_t *restrict rem)
{
    int64_t given = 0;
    double invS = 1.0 / (double)S64;
    int bits = 1;
    while (bits < 62 && ((size_t)1 << bits) < k) bits++;
    /* One integer per practice orders by remainder, then lower index:
     * rem << bits | (k - 1 - i), when it fits in 63 bits. */
    int pack = S64 < ((int64_t)1 << (62 - bits));
    for (size_t i = 0; i < k; i++) {
        int64_t p, q, r;
        if (!__builtin_mul_overflow(amount, w[i], &p)) {
            /* quotient from a double estimate, corrected exactly: an integer
             * division costs more than everything else here */
            q = (int64_t)((double)p * invS);
            r = p - q * S64;
            while (r < 0) r += S64, q--;
            while (r >= S64) r -= S64, q++;
        } else {
            i128 num = (i128)amount * w[i];
            q = (int64_t)(num / S64);
            r = (int64_t)(num % S64);
        }
        out[i] = q;
        rem[i] = pack ? r << bits | (int64_t)(k - 1 - i) : r;
        given += q;
    }
    /* sum rem = (amount - given) S and each rem < S, so more than
     * amount - given practices have a remainder: the pennies always fit. */
    size_t r = (size_t)(amount - given);
    if (r == 0) return;
    if (pack) {
        int64_t mask = ((int64_t)1 << bits) - 1;
        select_top_keys(rem, k, r);
        for (size_t j = 0; j < r; j++) out[k - 1 - (size_t)(rem[j] & mask)]++;
        return;
    }
    size_t m = 0;
    for (size_t i = 0; i < k; i++)
        if (rem[i] > 0) scratch[m++] = i;
    select_top(scratch, m, r, rem);
    for (size_t j = 0; j < r; j++) out[scratch[j]]++;
}

/* Apportion with `rem` as caller scratch (k int64) as well. */
static pms_status apportion(int64_t amount, const int64_t *w, size_t k, int64_t *out,
                            size_t *scratch, int64_t *rem)
{
    if (amount < 0) return PMS_EDOMAIN;
    i128 S = 0;
    for (size_t i = 0; i < k; i++) {
        if (w[i] < 0) return PMS_EDOMAIN;
        S += w[i];
    }
    if (S <= 0 || S > INT64_MAX) return PMS_EDOMAIN;
    apportion_known(amount, w, k, (int64_t)S, out, scratch, rem);
    return PMS_OK;
}

pms_status pms_sav_apportion(int64_t amount, const int64_t *w, size_t k, int64_t *out,
                             size_t *scratch)
{
    int64_t *rem = malloc((k ? k : 1) * sizeof *rem);
    if (!rem) return PMS_ENOMEM;
    pms_status st = apportion(amount, w, k, out, scratch, rem);
    free(rem);
    return st;
}

/* -------------------------------------------------------------- prepare */

static int is_contract(const char *s, const char *want)
{
    if (!s) return 0;
    while (*s == ' ') s++;
    size_t n = strlen(want);
    for (size_t i = 0; i < n; i++)
        if (toupper((unsigned char)s[i]) != want[i]) return 0;
    for (s += n; *s == ' '; s++) {}
    return *s == 0;
}

/* Codes to dense indices in order of first appearance (n small: a linear
 * scan over distinct codes, cached on the previous row's code). */
static pms_status index_codes(const char *const *codes, const size_t *rows, size_t n,
                              size_t *idx, const char ***names, size_t *nnames)
{
    const char **nm = malloc((n ? n : 1) * sizeof *nm);
    if (!nm) return PMS_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const char *c = codes[rows[i]];
        size_t j = k;
        if (i > 0 && !strcmp(nm[idx[i - 1]], c)) {
            j = idx[i - 1];
        } else {
            for (j = 0; j < k; j++)
                if (!strcmp(nm[j], c)) break;
        }
        if (j == k) nm[k++] = c;
        idx[i] = j;
    }
    *names = nm;
    *nnames = k;
    return PMS_OK;
}

void pms_sav_exclusions(const pms_sav_base *b, pms_sav_exclusion out[PMS_SAV_NEXCLUSIONS])
{
    const pms_sav_exclusion ex[PMS_SAV_NEXCLUSIONS] = {
        {b->excluded_missing, "missing", "global sum, MPIG, PMS balance or weighted patients missing"},
        {b->excluded_weighted, "weighted", "weighted patients <= 0"},
        {b->excluded_core, "no_core", "no core funding recorded (global sum + MPIG + PMS balance <= 0)"},
        {b->excluded_contract, "contract", "APMS or other contract (not GMS or PMS)"},
        {b->excluded_locality, "locality", "no locality code"}};
    memcpy(out, ex, sizeof ex);
}

void pms_sav_base_free(pms_sav_base *b)
{
    if (!b) return;
    free(b->row);
    free(b->contract);
    free(b->weighted);
    free(b->wunits);
    free(b->gs0);
    free(b->mpig0);
    free(b->pmsbal0);
    free(b->core0);
    free(b->imd);
    free(b->loc);
    free(b->loc_name);
    free(b->ccg);
    free(b->region);
    memset(b, 0, sizeof *b);
}

static int64_t pence(double pounds) { return (int64_t)llround(pounds * 100.0); }

/* "FILE:LINE: " or "row N: " for input row i. */
static const char *row_origin(const pms_sav_data *d, size_t i, char *buf, size_t cap)
{
    if (d->source && d->line) snprintf(buf, cap, "%s:%ld: ", d->source, d->line[i]);
    else if (d->source) snprintf(buf, cap, "%s: row %zu: ", d->source, i + 1);
    else snprintf(buf, cap, "row %zu: ", i + 1);
    return buf;
}

/* Values beyond what the integer model can hold are refused, never
 * overflowed: NaN is missing (handled by the caller), anything else must be
 * finite and within the limits of savings.h. */
static pms_status check_row_limits(const pms_sav_data *d, size_t i, pms_err *err)
{
    static const char *const what[] = {"global sum", "MPIG", "PMS balance"};
    const double v[] = {d->global_sum[i], d->mpig[i], d->pms_balance[i]};
    char o[1200];
    for (int k = 0; k < 3; k++)
        if (!isnan(v[k]) && !(fabs(v[k]) <= PMS_SAV_MAX_POUNDS))
            return pms_err_set(err, PMS_EPARSE,
                               "%s%s %g is beyond what the savings model holds (at most "
                               "100,000,000,000 pounds in magnitude, so that every total fits in "
                               "64-bit pence)",
                               row_origin(d, i, o, sizeof o), what[k], v[k]);
    double w = d->weighted[i];
    if (!isnan(w) && !(fabs(w) <= PMS_SAV_MAX_WEIGHTED))
        return pms_err_set(err, PMS_EPARSE,
                           "%sweighted patients %g is beyond what the savings model holds (at "
                           "most 100,000,000 a practice)",
                           row_origin(d, i, o, sizeof o), w);
    double im = d->imd ? d->imd[i] : NAN;
    if (!isnan(im) && !(im >= 0 && im <= PMS_SAV_MAX_IMD))
        return pms_err_set(err, PMS_EPARSE,
                           "%sIMD score %g is outside 0 to 1,000 (the savings model weights "
                           "reinvestment by it)",
                           row_origin(d, i, o, sizeof o), im);
    return PMS_OK;
}

/* The base's arrays for up to d->n practices; -1 if any allocation failed
 * (the caller frees). */
static int base_alloc(const pms_sav_data *d, pms_sav_base *out)
{
    size_t n = d->n ? d->n : 1;
    out->row = malloc(n * sizeof *out->row);
    out->contract = malloc(n * sizeof *out->contract);
    out->weighted = malloc(n * sizeof *out->weighted);
    out->wunits = malloc(n * sizeof *out->wunits);
    out->gs0 = malloc(n * sizeof *out->gs0);
    out->mpig0 = malloc(n * sizeof *out->mpig0);
    out->pmsbal0 = malloc(n * sizeof *out->pmsbal0);
    out->core0 = malloc(n * sizeof *out->core0);
    out->imd = malloc(n * sizeof *out->imd);
    out->loc = malloc(n * sizeof *out->loc);
    if (d->ccg) out->ccg = malloc(n * sizeof *out->ccg);
    if (d->region) out->region = malloc(n * sizeof *out->region);
    if (!out->row || !out->contract || !out->weighted || !out->wunits || !out->gs0 ||
        !out->mpig0 || !out->pmsbal0 || !out->core0 || !out->imd || !out->loc ||
        (d->ccg && !out->ccg) || (d->region && !out->region))
        return -1;
    return 0;
}

/* The practices the model holds, in pence, each exclusion counted by reason. */
static void base_rows(const pms_sav_data *d, pms_sav_base *out)
{
    size_t k = 0;
    for (size_t i = 0; i < d->n; i++) {
        double gs = d->global_sum[i], mp = d->mpig[i], pb = d->pms_balance[i],
               w = d->weighted[i];
        if (isnan(gs) || isnan(mp) || isnan(pb) || isnan(w)) {
            out->excluded_missing++;
            continue;
        }
        if (!(w > 0)) {
            out->excluded_weighted++;
            continue;
        }
        int64_t g = pence(gs), m = pence(mp), p = pence(pb);
        if (g + m + p <= 0) {
            out->excluded_core++;
            continue;
        }
        pms_sav_contract ct;
        if (is_contract(d->contract[i], "GMS")) ct = PMS_CONTRACT_GMS;
        else if (is_contract(d->contract[i], "PMS")) ct = PMS_CONTRACT_PMS;
        else {
            out->excluded_contract++;
            continue;
        }
        if (!d->locality[i] || !d->locality[i][0]) {
            out->excluded_locality++;
            continue;
        }
        out->row[k] = i;
        out->contract[k] = ct;
        out->weighted[k] = w;
        out->wunits[k] = (int64_t)llround(w * 100.0);
        out->gs0[k] = g;
        out->mpig0[k] = m;
        out->pmsbal0[k] = p;
        out->core0[k] = g + m + p;
        double im = d->imd ? d->imd[i] : NAN;
        out->imd[k] = isfinite(im) ? im : NAN;
        out->n_imd += isfinite(im) ? 1 : 0;
        if (ct == PMS_CONTRACT_PMS) out->n_pms++;
        else out->n_gms++;
        k++;
    }
    out->n = k;
}

/* Totals over the model: each value is bounded, but many of them could
 * still add up beyond int64; 2^62 leaves room for the sums of a year.
 * Returns 0, or -1 if they do not fit. */
static int base_totals(pms_sav_base *out)
{
    i128 money = 0, wsum = 0;
    for (size_t j = 0; j < out->n; j++) {
        money += (out->gs0[j] < 0 ? -(i128)out->gs0[j] : out->gs0[j]) +
                 (out->mpig0[j] < 0 ? -(i128)out->mpig0[j] : out->mpig0[j]) +
                 (out->pmsbal0[j] < 0 ? -(i128)out->pmsbal0[j] : out->pmsbal0[j]);
        wsum += out->wunits[j];
    }
    if (money > ((i128)1 << 62) || wsum * (i128)PMS_SAV_MAX_IMD > ((i128)1 << 62)) return -1;
    out->wunits_total = (int64_t)wsum;
    return 0;
}

/* A pool index (CCG or region) for each kept practice.  A missing code is
 * its own pool "" so that money never moves between unknown places.
 * Returns 0, or -1 if out of memory. */
static int base_pools(const char *const *codes, size_t nrows, const pms_sav_base *out,
                      size_t *idx, size_t *npool)
{
    const char **tmp = NULL;
    size_t ntmp;
    const char **c = malloc(nrows * sizeof *c);
    if (!c) return -1;
    for (size_t i = 0; i < nrows; i++) c[i] = codes[i] ? codes[i] : "";
    pms_status st = index_codes(c, out->row, out->n, idx, &tmp, &ntmp);
    free(c);
    if (st) return -1;
    free(tmp);
    *npool = ntmp;
    return 0;
}

pms_status pms_sav_prepare(const pms_sav_data *d, const pms_sav_settings *s,
                           pms_sav_base *out, pms_err *err)
{
    memset(out, 0, sizeof *out);
    if (!d->global_sum || !d->mpig || !d->pms_balance || !d->weighted || !d->contract ||
        !d->locality)
        return pms_err_set(err, PMS_EUSAGE, "savings: global sum, MPIG, PMS balance, weighted "
                                            "patients, contract type and locality are required");
    for (size_t i = 0; i < d->n; i++) {
        pms_status st = check_row_limits(d, i, err);
        if (st) return st;
    }
    out->settings = *s;
    if (base_alloc(d, out)) goto nomem;
    base_rows(d, out);
    if (base_totals(out)) {
        pms_sav_base_free(out);
        return pms_err_set(err, PMS_EPARSE,
                           "savings: the practices' money or weighted patients add up beyond "
                           "what the model holds in 64-bit pence (totals must stay below 2^62 "
                           "pence)");
    }
    if (out->n == 0) {
        pms_sav_base_free(out);
        return pms_err_set(err, PMS_ETOOFEW, "savings: no GMS or PMS practice has core funding "
                                             "and weighted patients");
    }
    if (index_codes(d->locality, out->row, out->n, out->loc, &out->loc_name, &out->nloc))
        goto nomem;
    if (d->ccg && base_pools(d->ccg, d->n, out, out->ccg, &out->nccg)) goto nomem;
    if (d->region && base_pools(d->region, d->n, out, out->region, &out->nregion)) goto nomem;
    return PMS_OK;
nomem:
    pms_sav_base_free(out);
    return pms_err_set(err, PMS_ENOMEM, "out of memory");
}

/* ------------------------------------------------------------ workspace */

#define YEAR_SLOTS (PMS_SAV_MAX_RATES + PMS_SAV_MAX_EXTENSION + 32)

struct pms_sav_ws {
    size_t n;
    int64_t *cut_prev, *cut, *tgt_prev, *tgt, *pre, *reinv, *core_prev, *core;
    int64_t *w, *alloc, *rem, *depunits;
    size_t *scratch;
    /* pools: members grouped by pool in index order, per scope */
    size_t *order[3], *start[3], npool[3];
    int64_t *pool_amount;
    double *x, *wt, *xi, *wi, *rank;
    unsigned char *lost5, *lost10;
    size_t *gorder; /* practices in ascending order of the last funding per patient seen */
    /* The practices with a deprivation score ranked by it, made on the first
     * full fairness of this base and reused by every run after (the ranking
     * never changes; only the amounts do); conc_tried once it was tried. */
    pms_conc_order *conc;
    size_t conc_m;
    int conc_tried;
    size_t *pms, npms; /* indices of the PMS practices */
    /* Weights of the weighted and deprivation reinvestment in pool order, per
     * scope, with their pool sums and counts of positive weights. */
    int64_t *pw[3][2], *psum[3][2];
    size_t *ppos[3][2];
    /* Per-year quantities that no scenario parameter changes, built the first
     * time a year is seen (slot = year - base year): each practice's
     * GMS-equivalent at a year's global sum rate, and GMS core funding with
     * that year's MPIG. */
    int64_t *gm[YEAR_SLOTS], *gmspre[YEAR_SLOTS], gm_rate[YEAR_SLOTS], mpig_total[YEAR_SLOTS];
};

void pms_sav_ws_free(pms_sav_ws *w)
{
    if (!w) return;
    int64_t *ia[] = {w->cut_prev, w->cut, w->tgt_prev, w->tgt, w->pre, w->reinv, w->core_prev,
                     w->core, w->w, w->alloc, w->rem, w->depunits, w->pool_amount};
    for (size_t i = 0; i < sizeof ia / sizeof ia[0]; i++) free(ia[i]);
    for (int s = 0; s < 3; s++) {
        free(w->order[s]);
        free(w->start[s]);
    }
    free(w->scratch);
    free(w->x);
    free(w->wt);
    free(w->xi);
    free(w->wi);
    free(w->rank);
    free(w->lost5);
    free(w->lost10);
    free(w->gorder);
    pms_conc_order_free(w->conc);
    free(w->pms);
    for (int sc = 0; sc < 3; sc++)
        for (int k = 0; k < 2; k++) {
            free(w->pw[sc][k]);
            free(w->psum[sc][k]);
            free(w->ppos[sc][k]);
        }
    for (size_t k = 0; k < YEAR_SLOTS; k++) {
        free(w->gm[k]);
        free(w->gmspre[k]);
    }
    free(w);
}

/* Counting sort of practices by pool, stable (so ties in an apportionment go
 * to the practice that comes first in the data). */
static int build_pools(const size_t *pool, size_t npool, size_t n, size_t **order,
                       size_t **start)
{
    *order = malloc((n ? n : 1) * sizeof **order);
    *start = calloc(npool + 1, sizeof **start);
    if (!*order || !*start) return -1;
    for (size_t i = 0; i < n; i++) (*start)[(pool ? pool[i] : 0) + 1]++;
    for (size_t p = 0; p < npool; p++) (*start)[p + 1] += (*start)[p];
    size_t *fill = malloc((npool ? npool : 1) * sizeof *fill);
    if (!fill) return -1;
    memcpy(fill, *start, npool * sizeof *fill);
    for (size_t i = 0; i < n; i++) (*order)[fill[pool ? pool[i] : 0]++] = i;
    free(fill);
    return 0;
}

pms_sav_ws *pms_sav_ws_new(const pms_sav_base *b)
{
    pms_sav_ws *w = calloc(1, sizeof *w);
    if (!w) return NULL;
    size_t n = b->n ? b->n : 1;
    w->n = b->n;
    int64_t **ia[] = {&w->cut_prev, &w->cut, &w->tgt_prev, &w->tgt, &w->pre, &w->reinv,
                      &w->core_prev, &w->core, &w->w, &w->alloc, &w->rem, &w->depunits};
    for (size_t i = 0; i < sizeof ia / sizeof ia[0]; i++)
        if (!(*ia[i] = malloc(n * sizeof **ia[i]))) goto fail;
    w->scratch = malloc(n * sizeof *w->scratch);
    w->x = malloc(n * sizeof *w->x);
    w->wt = malloc(n * sizeof *w->wt);
    w->xi = malloc(n * sizeof *w->xi);
    w->wi = malloc(n * sizeof *w->wi);
    w->rank = malloc(n * sizeof *w->rank);
    w->lost5 = malloc(n);
    w->lost10 = malloc(n);
    w->gorder = malloc(n * sizeof *w->gorder);
    if (w->gorder)
        for (size_t i = 0; i < b->n; i++) w->gorder[i] = i;
    if (!w->gorder || !w->scratch || !w->x || !w->wt || !w->xi || !w->wi || !w->rank || !w->lost5 ||
        !w->lost10)
        goto fail;
    size_t np[3] = {b->ccg ? b->nccg : 1, b->region ? b->nregion : 1, 1};
    const size_t *pl[3] = {b->ccg, b->region, NULL};
    size_t maxp = 1;
    for (int s = 0; s < 3; s++) {
        w->npool[s] = np[s];
        if (build_pools(pl[s], np[s], b->n, &w->order[s], &w->start[s])) goto fail;
        if (np[s] > maxp) maxp = np[s];
    }
    if (!(w->pool_amount = malloc(maxp * sizeof *w->pool_amount))) goto fail;
    /* W x IMD in hundredths of a weighted patient: the deprivation weights. */
    for (size_t i = 0; i < b->n; i++)
        w->depunits[i] = isnan(b->imd[i]) ? 0 : (int64_t)floor(b->weighted[i] * b->imd[i] * 100.0 + 0.5);
    if (!(w->pms = malloc(n * sizeof *w->pms))) goto fail;
    for (size_t i = 0; i < b->n; i++)
        if (b->contract[i] == PMS_CONTRACT_PMS) w->pms[w->npms++] = i;
    for (int sc = 0; sc < 3; sc++)
        for (int k = 0; k < 2; k++) {
            size_t np1 = w->npool[sc] + 1;
            w->pw[sc][k] = malloc(n * sizeof **w->pw);
            w->psum[sc][k] = calloc(np1, sizeof **w->psum);
            w->ppos[sc][k] = calloc(np1, sizeof **w->ppos);
            if (!w->pw[sc][k] || !w->psum[sc][k] || !w->ppos[sc][k]) goto fail;
            for (size_t p = 0; p < w->npool[sc]; p++)
                for (size_t j = w->start[sc][p]; j < w->start[sc][p + 1]; j++) {
                    size_t i = w->order[sc][j];
                    int64_t v = k == 0 ? b->wunits[i] : w->depunits[i];
                    w->pw[sc][k][j] = v;
                    w->psum[sc][k][p] += v;
                    w->ppos[sc][k][p] += v > 0;
                }
        }
    return w;
fail:
    pms_sav_ws_free(w);
    return NULL;
}

/* ---------------------------------------------------------------- check */

static const char *gs_hint = "add it to [global_sum]";

#define ORIGIN(line) (file && (line) > 0 ? (snprintf(o, sizeof o, "%s:%d: ", file, (line)), o) : "")

pms_status pms_sav_check_years(const pms_sav_settings *s, const pms_sav_scenario *sc,
                               const char *file, pms_err *err)
{
    char o[1100] = "", y1[16], y2[16];
    if (sc->years < 1)
        return pms_err_set(err, PMS_EDOMAIN, "%sscenario '%s' needs at least 1 year",
                           ORIGIN(sc->line), sc->name);
    if (sc->start_year < s->base_year)
        return pms_err_set(err, PMS_EDOMAIN, "%sstart_year %s is before the payments data (%s)",
                           ORIGIN(sc->line_start_year),
                           pms_sav_year_label(sc->start_year, y1, sizeof y1),
                           pms_sav_year_label(s->base_year, y2, sizeof y2));
    for (unsigned t = 0; t < sc->years; t++) {
        int y = sc->start_year + (int)t;
        double r = pms_sav_gs_rate(s, y);
        if (!isfinite(r))
            return pms_err_set(err, PMS_EDOMAIN,
                               "%syear %s of scenario '%s' has no global sum rate (%s)",
                               ORIGIN(sc->line_start_year ? sc->line_start_year : sc->line),
                               pms_sav_year_label(y, y1, sizeof y1), sc->name, gs_hint);
    }
    return PMS_OK;
}

pms_status pms_sav_check(const pms_sav_base *b, const pms_sav_scenario *sc,
                         const char *file, pms_err *err)
{
    char o[1100] = "";
    pms_status st = pms_sav_check_years(&b->settings, sc, file, err);
    if (st) return st;
    if (sc->retention_column[0] && !sc->retain)
        return pms_err_set(err, PMS_ENOTFOUND, "%sretention column '%s' is not in the data",
                           ORIGIN(sc->line_retention), sc->retention_column);
    if (sc->reinvest == PMS_REINVEST_DEPRIVATION && b->n_imd == 0)
        return pms_err_set(err, PMS_ENOTFOUND,
                           "%sreinvest = deprivation needs the imd2015 column (join the practice "
                           "IMD file to the data)",
                           ORIGIN(sc->line_reinvest));
    if (sc->reinvest != PMS_REINVEST_NONE && sc->scope == PMS_SCOPE_CCG && !b->ccg)
        return pms_err_set(err, PMS_ENOTFOUND, "%sscope = ccg needs the ccg_code column",
                           ORIGIN(sc->line_scope ? sc->line_scope : sc->line_reinvest));
    if (sc->reinvest != PMS_REINVEST_NONE && sc->scope == PMS_SCOPE_REGION && !b->region)
        return pms_err_set(err, PMS_ENOTFOUND, "%sscope = region needs the region_code column",
                           ORIGIN(sc->line_scope));
    if (!(sc->target >= 0) || !(sc->cap >= 0) || !(sc->retention >= 0) ||
        !(sc->protect_per_wp >= 0) || !(sc->percent >= 0 && sc->percent <= 100) ||
        !(sc->protect_pct >= 0 && sc->protect_pct <= 100) || sc->target > 1e6 || sc->cap > 1e6 ||
        sc->max_extension > PMS_SAV_MAX_EXTENSION ||
        sc->retention > 1e6 || sc->protect_per_wp > 1e6 || !(sc->keep_for_services >= 0) ||
        sc->keep_for_services > 1e6 || !(sc->reinvest_pct >= 0 && sc->reinvest_pct <= 100))
        return pms_err_set(err, PMS_EDOMAIN,
                           "%sscenario '%s': rates must be between 0 and 1,000,000 pounds per "
                           "weighted patient and percentages between 0 and 100",
                           ORIGIN(sc->line), sc->name);
    /* Every amount a year forms is at most the weighted list times the
     * largest rate in play: that total must fit in 64-bit pence too. */
    double rmax = 0;
    for (unsigned t = 0; t < sc->years; t++) {
        double g = pms_sav_gs_rate(&b->settings, sc->start_year + (int)t);
        if (g > rmax) rmax = g;
    }
    double rsum = rmax + sc->target + sc->cap + sc->retention + sc->keep_for_services +
                  sc->protect_per_wp;
    if ((double)b->wunits_total * rsum > 4e18)
        return pms_err_set(err, PMS_EDOMAIN,
                           "%sscenario '%s': weighted patients x rates add up beyond what 64-bit "
                           "pence can hold",
                           ORIGIN(sc->line), sc->name);
#undef ORIGIN
    return PMS_OK;
}

/* ------------------------------------------------------------ fairness */

/* The Gini needs its inputs sorted; pms_ineq_gini_sorted takes them so and
 * does not sort again.  A sweep's neighbouring points change few
 * practices' ranks, so the order of the point before, repaired by insertion
 * sort, is this point's order at little cost (a full sort when too much has
 * moved).  Ties are ordered by practice, so the order handed over depends on
 * this point's values alone, never on the points before (or on threads). */
static pms_status sort_order(size_t *ord, const double *v, size_t n)
{
    size_t budget = 16 * n, moves = 0;
    for (size_t j = 1; j < n; j++) {
        size_t cur = ord[j], k = j;
        double x = v[cur];
        while (k > 0 && (v[ord[k - 1]] > x || (v[ord[k - 1]] == x && ord[k - 1] > cur))) {
            ord[k] = ord[k - 1];
            k--;
            if (++moves > budget) break;
        }
        ord[k] = cur;
        if (moves > budget) return pms_sort_index(v, n, ord); /* by value, then practice */
    }
    return PMS_OK;
}

static pms_status fairness(const pms_sav_base *b, pms_sav_ws *ws, const int64_t *core,
                           int full, pms_sav_fairness *f, pms_err *err)
{
    size_t n = b->n, m = 0;
    double *v = ws->rank; /* funding per weighted patient by practice */
    for (size_t i = 0; i < n; i++) v[i] = (double)core[i] / 100.0 / b->weighted[i];
    if (sort_order(ws->gorder, v, n)) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    for (size_t j = 0; j < n; j++) {
        size_t i = ws->gorder[j];
        ws->x[j] = v[i];
        ws->wt[j] = b->weighted[i];
    }
    f->theil_total = f->theil_between = f->theil_within = f->concentration = NAN;
    pms_status st = pms_ineq_gini_sorted(ws->x, ws->wt, n, &f->gini, err);
    if (st || !full) return st;
    for (size_t i = 0; i < n; i++) {
        ws->x[i] = v[i];
        ws->wt[i] = b->weighted[i];
    }
    pms_ineq_decomp d;
    if ((st = pms_ineq_theil_t(ws->x, ws->wt, b->loc, b->nloc, n, &d, err))) return st;
    f->theil_total = d.total;
    f->theil_between = d.between;
    f->theil_within = d.within;
    for (size_t i = 0; i < n; i++)
        if (!isnan(b->imd[i])) {
            ws->xi[m] = ws->x[i];
            ws->wi[m] = ws->wt[i];
            ws->rank[m] = b->imd[i];
            m++;
        }
    if (m >= 2 && !ws->conc_tried) {
        pms_err ignore;
        ws->conc_tried = 1; /* a ranking it cannot sort takes the full call below every time */
        ws->conc = pms_conc_order_new(ws->rank, m, PMS_RANK_DESCENDING, &ignore);
        ws->conc_m = m;
    }
    if (m >= 2 && ws->conc && ws->conc_m == m)
        st = pms_conc_index_ordered(ws->xi, ws->wi, ws->conc, &f->concentration, err);
    else if (m >= 2)
        st = pms_conc_index(ws->xi, ws->wi, ws->rank, m, PMS_RANK_DESCENDING, &f->concentration,
                            err);
    return st;
}

/* ------------------------------------------------------------ the model */

/* MPIG of a GMS practice in `year`: the base value scaled from the base
 * year's remaining sevenths to this year's (never below zero). */
static int64_t mpig_in(const pms_sav_settings *s, int64_t mpig0, int year)
{
    int kb = s->mpig_taper_years - (s->base_year - s->mpig_base_year);
    int k = s->mpig_taper_years - (year - s->mpig_base_year);
    if (kb <= 0) return mpig0; /* taper over before the data: nothing left to taper */
    if (k < 0) k = 0;
    if (k >= kb) return mpig0;
    return div_round((i128)mpig0 * k, kb);
}

/* The cached GMS-equivalents at rate gs_u (of year yr), GMS core funding in
 * year y and the GMS practices' total MPIG that year; -1 if out of memory. */
static int year_tables(const pms_sav_base *b, pms_sav_ws *ws, int y, int yr, int64_t gs_u,
                       const int64_t **gm, const int64_t **gmspre, int64_t *mpig_total)
{
    const pms_sav_settings *s = &b->settings;
    size_t n = b->n, ky = (size_t)(y - s->base_year), kr = (size_t)(yr - s->base_year);
    if (ky >= YEAR_SLOTS || kr >= YEAR_SLOTS) return -1;
    if (!ws->gm[kr] || ws->gm_rate[kr] != gs_u) {
        if (!ws->gm[kr] && !(ws->gm[kr] = malloc((n ? n : 1) * sizeof **ws->gm))) return -1;
        for (size_t i = 0; i < n; i++) ws->gm[kr][i] = wp_pence(b->wunits[i], gs_u);
        ws->gm_rate[kr] = gs_u;
    }
    if (!ws->gmspre[ky]) {
        int64_t *p = malloc((n ? n : 1) * sizeof *p), ch = 0;
        if (!p) return -1;
        for (size_t i = 0; i < n; i++) {
            if (b->contract[i] != PMS_CONTRACT_GMS) {
                p[i] = 0;
                continue;
            }
            int64_t m = mpig_in(s, b->mpig0[i], y);
            ch += m;
            p[i] = b->gs0[i] + m + b->pmsbal0[i];
        }
        ws->gmspre[ky] = p;
        ws->mpig_total[ky] = ch;
    }
    *gm = ws->gm[kr];
    *gmspre = ws->gmspre[ky];
    *mpig_total = ws->mpig_total[ky];
    return 0;
}

typedef struct {
    pms_sav_result *r; /* NULL in a sweep */
    pms_sav_sweep_row *row;
} sink;

static pms_status grow(pms_sav_result *r, size_t nyears, size_t n, size_t nloc)
{
    size_t ny = nyears;
    pms_sav_year *y = realloc(r->year, ny * sizeof *y);
    if (!y) return PMS_ENOMEM;
    r->year = y;
    int64_t *c = realloc(r->core, (ny + 1) * n * sizeof *c);
    if (!c) return PMS_ENOMEM;
    r->core = c;
    if (!(c = realloc(r->cut, ny * n * sizeof *c))) return PMS_ENOMEM;
    r->cut = c;
    if (!(c = realloc(r->reinvest, ny * n * sizeof *c))) return PMS_ENOMEM;
    r->reinvest = c;
    if (!(c = realloc(r->loc_core, (ny + 1) * nloc * sizeof *c))) return PMS_ENOMEM;
    r->loc_core = c;
    if (!(c = realloc(r->loc_cut, ny * nloc * sizeof *c))) return PMS_ENOMEM;
    r->loc_cut = c;
    if (!(c = realloc(r->loc_reinvest, ny * nloc * sizeof *c))) return PMS_ENOMEM;
    r->loc_reinvest = c;
    return PMS_OK;
}

/* A scenario's settings in the model's fixed-point units (1/10,000 of a
 * pound per weighted patient, or of one), and the pools it reinvests in. */
typedef struct {
    unsigned N;                  /* the scenario's years, before any extension */
    int ylast;                   /* the year whose GMS rate later years keep */
    int64_t tau_u, ret_u, pct_u, keep_u, rpct_u, prot_pct_u, prot_wp_u;
    int protect;                 /* a cut is limited year by year */
    pms_sav_scope scope;
    const size_t *order, *pstart;
    size_t npool;
} sim_params;

static void sim_params_init(const pms_sav_base *b, const pms_sav_scenario *sc,
                            const pms_sav_ws *ws, sim_params *sp)
{
    sp->N = sc->years;
    sp->ylast = sc->start_year + (int)sp->N - 1;
    sp->tau_u = sc->method == PMS_SAV_GLIDEPATH ? to_units4(sc->target)
                : sc->method == PMS_SAV_CAP     ? to_units4(sc->cap)
                                                : 0;
    sp->ret_u = to_units4(sc->retention);
    sp->pct_u = to_units4(sc->percent / 100.0);
    sp->keep_u = sc->method != PMS_SAV_NONE ? to_units4(sc->keep_for_services) : 0;
    sp->rpct_u = sc->reinvest == PMS_REINVEST_NONE ? 0 : to_units4(sc->reinvest_pct / 100.0);
    sp->prot_pct_u = to_units4(sc->protect_pct / 100.0);
    sp->prot_wp_u = to_units4(sc->protect_per_wp);
    sp->protect = sp->prot_pct_u > 0 || sp->prot_wp_u > 0;
    pms_sav_scope scope = sc->scope;
    if (scope == PMS_SCOPE_CCG && !b->ccg) scope = PMS_SCOPE_NATIONAL;
    if (scope == PMS_SCOPE_REGION && !b->region) scope = PMS_SCOPE_NATIONAL;
    sp->scope = scope;
    sp->order = ws->order[scope];
    sp->pstart = ws->start[scope];
    sp->npool = ws->npool[scope];
}

/* Before year 1: nothing cut yet, core funding as in the base year (and, for
 * a full result, the base year's core, localities and fairness). */
static pms_status sim_start(const pms_sav_base *b, pms_sav_ws *ws, sink *out, pms_err *err)
{
    size_t n = b->n;
    memset(ws->cut_prev, 0, n * sizeof *ws->cut_prev);
    memset(ws->cut, 0, n * sizeof *ws->cut);
    memset(ws->tgt_prev, 0, n * sizeof *ws->tgt_prev);
    memset(ws->tgt, 0, n * sizeof *ws->tgt);
    memcpy(ws->core_prev, b->core0, n * sizeof *ws->core_prev);
    memset(ws->lost5, 0, n);
    memset(ws->lost10, 0, n);
    if (out->r) {
        pms_sav_result *r = out->r;
        r->n = n;
        r->nloc = b->nloc;
        if (grow(r, 1, n, b->nloc)) return pms_err_set(err, PMS_ENOMEM, "out of memory");
        memcpy(r->core, b->core0, n * sizeof *r->core);
        memset(r->loc_core, 0, b->nloc * sizeof *r->loc_core);
        for (size_t i = 0; i < n; i++) r->loc_core[b->loc[i]] += b->core0[i];
        return fairness(b, ws, b->core0, 1, &r->fair_base, err);
    }
    return PMS_OK;
}

/* Year t's cut of each PMS practice: the target withdrawal T (never below
 * last year's), limited by the protection; ws->pre gets funding before
 * reinvestment.  Adds to the year's totals; *pending says a protection held
 * a cut below its target. */
static void year_cuts(const pms_sav_base *b, const pms_sav_scenario *sc, const sim_params *sp,
                      pms_sav_ws *ws, int64_t gs_u, unsigned tt, const int64_t *gmseq,
                      const int64_t *gmspre, pms_sav_year *Y, int *pending)
{
    size_t n = b->n;
    unsigned N = sp->N;
    /* GMS practices: this year's MPIG, never a cut (their cut stays 0) */
    memcpy(ws->pre, gmspre, n * sizeof *ws->pre);
    for (size_t j = 0; j < ws->npms; j++) {
        size_t i = ws->pms[j];
        int64_t T = 0;
        if (sc->method != PMS_SAV_NONE) {
            int keep = sc->retain && sc->retain[b->row[i]];
            int64_t floor_p =
                wp_pence(b->wunits[i], gs_u + sp->keep_u + sp->tau_u + (keep ? sp->ret_u : 0));
            int64_t X = b->core0[i] - floor_p;
            if (X < 0) X = 0;
            if (sp->keep_u > 0) {
                /* the first keep_for_services pounds of premium above GMS */
                int64_t prem = b->core0[i] - gmseq[i], svc = wp_pence(b->wunits[i], sp->keep_u);
                Y->kept_for_services += prem <= 0 ? 0 : prem < svc ? prem : svc;
            }
            switch (sc->method) {
            case PMS_SAV_GLIDEPATH: T = mul_div(X, tt, N); break;
            case PMS_SAV_CAP: T = X; break;
            case PMS_SAV_PERCENT: T = mul_div(X, sp->pct_u, 10000); break;
            default: break;
            }
        }
        /* Money once withdrawn is not handed back when the GMS rate rises. */
        if (T < ws->tgt_prev[i]) T = ws->tgt_prev[i];
        int64_t c = T;
        if (sp->protect) {
            int64_t base = b->core0[i] - ws->cut_prev[i], lim = INT64_MAX;
            if (sp->prot_pct_u > 0) lim = mul_div(base, sp->prot_pct_u, 10000);
            if (sp->prot_wp_u > 0) {
                int64_t l2 = wp_pence(b->wunits[i], sp->prot_wp_u);
                if (l2 < lim) lim = l2;
            }
            if (c > ws->cut_prev[i] + lim) c = ws->cut_prev[i] + lim;
        }
        if (c < T) *pending = 1;
        ws->tgt[i] = T;
        ws->cut[i] = c;
        ws->pre[i] = b->core0[i] - c;
        Y->released += c;
        Y->target += T;
    }
}

/* Below-GMS reinvestment in one pool of k practices from a: the gaps to GMS
 * first, then (with money over) the rest pro rata weighted patients.  al
 * gets each practice's share; *eligible counts who could receive. */
static pms_status reinvest_below_gms(const pms_sav_base *b, const sim_params *sp, pms_sav_ws *ws,
                                     const int64_t *gmseq, size_t a, size_t k, int64_t A,
                                     size_t *eligible, int *none, pms_err *err)
{
    const size_t *order = sp->order;
    int64_t *wv = ws->w + a, *al = ws->alloc + a, S = 0;
    size_t below = 0;
    for (size_t j = 0; j < k; j++) {
        size_t i = order[a + j];
        int64_t gap = gmseq[i] - ws->pre[i];
        wv[j] = gap > 0 ? gap : 0;
        S += wv[j];
        below += wv[j] > 0;
    }
    /* with more money than gaps, everyone shares the rest */
    *eligible += A > S ? k : below;
    *none = A == 0;
    if (A == 0) return PMS_OK;
    if (S >= A) {
        if (apportion(A, wv, k, al, ws->scratch, ws->rem))
            return pms_err_set(err, PMS_EDOMAIN, "savings: bad apportionment");
    } else {
        /* everyone below GMS reaches it; the rest pro rata W */
        int64_t rest = A - S;
        for (size_t j = 0; j < k; j++) ws->reinv[order[a + j]] = wv[j];
        for (size_t j = 0; j < k; j++) wv[j] = b->wunits[order[a + j]];
        if (apportion(rest, wv, k, al, ws->scratch, ws->rem))
            return pms_err_set(err, PMS_EDOMAIN, "savings: bad apportionment");
        for (size_t j = 0; j < k; j++) al[j] += ws->reinv[order[a + j]];
    }
    return PMS_OK;
}

/* Reinvestment, pool by pool, into ws->reinv. */
static pms_status year_reinvest(const pms_sav_base *b, const pms_sav_scenario *sc,
                                const sim_params *sp, pms_sav_ws *ws, const int64_t *gmseq,
                                pms_sav_year *Y, pms_err *err)
{
    const size_t *order = sp->order, *pstart = sp->pstart;
    pms_sav_scope scope = sp->scope;
    int64_t reinvested = 0;
    size_t eligible = 0;
    memset(ws->reinv, 0, b->n * sizeof *ws->reinv);
    if (sc->reinvest != PMS_REINVEST_NONE) {
        for (size_t p = 0; p < sp->npool; p++) {
            size_t a = pstart[p], e = pstart[p + 1], k = e - a;
            int64_t A = 0, S = 0;
            for (size_t j = a; j < e; j++) A += ws->cut[order[j]];
            /* the pool's share to reinvest, half a penny up; the rest is saved */
            if (sp->rpct_u != 10000) A = (int64_t)(((i128)A * sp->rpct_u + 5000) / 10000);
            int64_t *al = ws->alloc + a;
            if (sc->reinvest == PMS_REINVEST_BELOW_GMS) {
                int none;
                pms_status st =
                    reinvest_below_gms(b, sp, ws, gmseq, a, k, A, &eligible, &none, err);
                if (st) return st;
                if (none) continue;
            } else {
                int kind = sc->reinvest == PMS_REINVEST_WEIGHTED ? 0 : 1;
                S = ws->psum[scope][kind][p];
                eligible += ws->ppos[scope][kind][p];
                if (A == 0 || S == 0) continue;  /* nobody to reinvest in: a saving */
                apportion_known(A, ws->pw[scope][kind] + a, k, S, al, ws->scratch, ws->rem);
            }
            for (size_t j = 0; j < k; j++) {
                ws->reinv[order[a + j]] = al[j];
                reinvested += al[j];
            }
        }
    }
    Y->reinvested = reinvested;
    Y->eligible = eligible;
    return PMS_OK;
}

/* Each practice's core funding this year, into ws->core, and who gains and
 * loses against last year (ws->lost5/lost10 remember any year's loss). */
static void year_changes(size_t n, pms_sav_ws *ws, pms_sav_year *Y)
{
    const int64_t *restrict pre = ws->pre, *restrict rei = ws->reinv, *restrict cprev = ws->core_prev;
    int64_t *restrict cnow = ws->core;
    unsigned char *restrict l5 = ws->lost5, *restrict l10 = ws->lost10;
    /* Counters in locals and without branches: whether a practice loses
     * is as unpredictable as a coin. */
    int64_t total = 0, worst = 0;
    size_t losing = 0, gaining = 0, o5 = 0, o10 = 0, worst_i = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t c = pre[i] + rei[i], prev = cprev[i], d = c - prev;
        cnow[i] = c;
        total += c;
        losing += d < 0;
        gaining += d > 0;
        /* loss > 5% of last year's core: 100 (-d) > 5 prev, in integers;
         * |d|, prev < 2^56 on any real data, so 64-bit products suffice */
        int small = d > -((int64_t)1 << 56) && prev < ((int64_t)1 << 56) &&
                    prev > -((int64_t)1 << 56);
        unsigned char f5, f10;
        if (small) {
            f5 = -d * 100 > prev * 5;
            f10 = -d * 100 > prev * 10;
        } else {
            f5 = (i128)(-d) * 100 > (i128)prev * 5;
            f10 = (i128)(-d) * 100 > (i128)prev * 10;
        }
        f5 &= d < 0;
        f10 &= d < 0;
        o5 += f5;
        o10 += f10;
        l5[i] |= f5;
        l10[i] |= f10;
        if (-d > worst) worst = -d, worst_i = i;
    }
    Y->core_total = total;
    Y->losing = losing;
    Y->gaining = gaining;
    Y->losing_over_5pct = o5;
    Y->losing_over_10pct = o10;
    if (worst > 0) {
        Y->largest_loss = worst;
        Y->largest_loss_practice = worst_i;
        Y->largest_loss_pct = (double)worst / (double)cprev[worst_i];
    }
}

/* A full result keeps year t whole: totals, fairness, each practice's core,
 * cut and reinvestment, and their sums by locality. */
static pms_status year_record(const pms_sav_base *b, pms_sav_ws *ws, pms_sav_result *r,
                              unsigned t, pms_sav_year *Y, pms_err *err)
{
    size_t n = b->n;
    pms_status st;
    if (grow(r, t, n, b->nloc)) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    if ((st = fairness(b, ws, ws->core, 1, &Y->fair, err))) return st;
    r->year[t - 1] = *Y;
    r->nyears = t;
    memcpy(r->core + (size_t)t * n, ws->core, n * sizeof *ws->core);
    memcpy(r->cut + (size_t)(t - 1) * n, ws->cut, n * sizeof *ws->cut);
    memcpy(r->reinvest + (size_t)(t - 1) * n, ws->reinv, n * sizeof *ws->reinv);
    int64_t *lc = r->loc_core + (size_t)t * b->nloc, *lu = r->loc_cut + (size_t)(t - 1) * b->nloc,
            *lr = r->loc_reinvest + (size_t)(t - 1) * b->nloc;
    memset(lc, 0, b->nloc * sizeof *lc);
    memset(lu, 0, b->nloc * sizeof *lu);
    memset(lr, 0, b->nloc * sizeof *lr);
    for (size_t i = 0; i < n; i++) {
        lc[b->loc[i]] += ws->core[i];
        lu[b->loc[i]] += ws->cut[i];
        lr[b->loc[i]] += ws->reinv[i];
    }
    return PMS_OK;
}

/* This year's cuts, targets and core become last year's. */
static void year_swap(pms_sav_ws *ws)
{
    int64_t *sw = ws->cut_prev;
    ws->cut_prev = ws->cut;
    ws->cut = sw;
    sw = ws->tgt_prev;
    ws->tgt_prev = ws->tgt;
    ws->tgt = sw;
    sw = ws->core_prev;
    ws->core_prev = ws->core;
    ws->core = sw;
}

/* After the last year: the practices whose cut stayed below target (and by
 * how much), and over the whole run who ever lost over 5% and 10%. */
static pms_status sim_finish(const pms_sav_base *b, pms_sav_ws *ws, sink *out, unsigned N,
                             pms_err *err)
{
    size_t n = b->n;
    size_t un = 0;
    int64_t gap = 0;
    for (size_t i = 0; i < n; i++)
        if (ws->cut[i] < ws->tgt[i]) un++, gap += ws->tgt[i] - ws->cut[i];
    if (out->r) out->r->unmet_practices = un, out->r->unmet = gap;
    if (out->row) out->row->unmet_practices = un;
    if (out->row) {
        size_t c5 = 0, c10 = 0;
        for (size_t i = 0; i < n; i++) c5 += ws->lost5[i], c10 += ws->lost10[i];
        out->row->losing_over_5pct = c5;
        out->row->losing_over_10pct = c10;
    }
    if (out->r) {
        out->r->extension_years = out->r->nyears > N ? (unsigned)(out->r->nyears - N) : 0;
        size_t *lp = calloc(b->nloc ? b->nloc : 1, sizeof *lp);
        if (!lp) return pms_err_set(err, PMS_ENOMEM, "out of memory");
        for (size_t i = 0; i < n; i++) lp[b->loc[i]]++;
        out->r->loc_practices = lp;
    }
    return PMS_OK;
}

static pms_status simulate(const pms_sav_base *b, const pms_sav_scenario *sc, pms_sav_ws *ws,
                           sink *out, pms_err *err)
{
    const pms_sav_settings *s = &b->settings;
    size_t n = b->n;
    pms_status st;
    sim_params sp;
    sim_params_init(b, sc, ws, &sp);
    unsigned N = sp.N;
    if ((st = sim_start(b, ws, out, err))) return st;
    int64_t net_cum = 0, last_released = 0, mpig_prev = 0;
    for (size_t i = 0; i < n; i++)
        if (b->contract[i] == PMS_CONTRACT_GMS) mpig_prev += b->mpig0[i];
    for (unsigned t = 1;; t++) {
        int y = sc->start_year + (int)t - 1;
        int yr = y < sp.ylast ? y : sp.ylast;
        int64_t gs_u = to_units4(pms_sav_gs_rate(s, yr));
        unsigned tt = t < N ? t : N;
        int64_t mpig_total;
        const int64_t *gmseq, *gmspre;
        if (year_tables(b, ws, y, yr, gs_u, &gmseq, &gmspre, &mpig_total))
            return pms_err_set(err, PMS_ENOMEM, "out of memory");
        pms_sav_year Y;
        memset(&Y, 0, sizeof Y);
        Y.year = y;
        Y.t = t;
        Y.extension = t > N;
        /* the taper against the year before (the base year before year 1,
         * however many years lie between) */
        Y.mpig_change = mpig_total - mpig_prev;
        mpig_prev = mpig_total;
        int pending = 0;
        year_cuts(b, sc, &sp, ws, gs_u, tt, gmseq, gmspre, &Y, &pending);
        if ((st = year_reinvest(b, sc, &sp, ws, gmseq, &Y, err))) return st;
        Y.released_new = Y.released - last_released;
        Y.net_saving = Y.released - Y.reinvested;
        year_changes(n, ws, &Y);
        net_cum += Y.net_saving;
        last_released = Y.released;
        int last = t >= N && (!pending || t >= N + sc->max_extension);
        if (out->r) {
            if ((st = year_record(b, ws, out->r, t, &Y, err))) return st;
        } else if (last) {
            if ((st = fairness(b, ws, ws->core, 0, &Y.fair, err))) return st;
        }
        if (out->row) {
            pms_sav_sweep_row *w = out->row;
            w->released_final = Y.released;
            w->reinvested_final = Y.reinvested;
            w->net_saving_final = Y.net_saving;
            w->net_saving_cumulative = net_cum;
            w->extension_years = t > N ? t - N : 0;
            w->gini_after = Y.fair.gini;
        }
        if (last) break;
        year_swap(ws);
    }
    return sim_finish(b, ws, out, N, err);
}

void pms_sav_result_free(pms_sav_result *r)
{
    if (!r) return;
    free(r->year);
    free(r->core);
    free(r->cut);
    free(r->reinvest);
    free(r->loc_core);
    free(r->loc_cut);
    free(r->loc_reinvest);
    free(r->loc_practices);
    memset(r, 0, sizeof *r);
}

pms_status pms_sav_run(const pms_sav_base *b, const pms_sav_scenario *sc, pms_sav_ws *ws,
                       pms_sav_result *out, pms_err *err)
{
    memset(out, 0, sizeof *out);
    pms_status st = pms_sav_check(b, sc, NULL, err);
    if (st) return st;
    out->scenario = *sc;
    sink k = {out, NULL};
    st = simulate(b, sc, ws, &k, err);
    if (st) pms_sav_result_free(out);
    return st;
}

pms_status pms_sav_sweep_point(const pms_sav_base *b, const pms_sav_scenario *sc,
                               pms_sav_param p, double value, pms_sav_ws *ws,
                               pms_sav_sweep_row *out, pms_err *err)
{
    pms_sav_scenario s = *sc;
    switch (p) {
    case PMS_SWEEP_TARGET: s.target = value; break;
    case PMS_SWEEP_CAP: s.cap = value; break;
    case PMS_SWEEP_PERCENT: s.percent = value; break;
    case PMS_SWEEP_RETENTION: s.retention = value; break;
    case PMS_SWEEP_PROTECT_PCT: s.protect_pct = value; break;
    case PMS_SWEEP_PROTECT_PER_WP: s.protect_per_wp = value; break;
    case PMS_SWEEP_REINVEST_PCT: s.reinvest_pct = value; break;
    case PMS_SWEEP_KEEP_FOR_SERVICES: s.keep_for_services = value; break;
    default: return pms_err_set(err, PMS_EUSAGE, "savings: unknown sweep parameter");
    }
    memset(out, 0, sizeof *out);
    out->value = value;
    pms_status st = pms_sav_check(b, &s, NULL, err);
    if (st) return st;
    sink k = {NULL, out};
    return simulate(b, &s, ws, &k, err);
}

/* ------------------------------------------------------ threaded sweep */

typedef struct {
    const pms_sav_base *b;
    const pms_sav_scenario *sc;
    pms_sav_param p;
    const double *values;
    size_t from, to, failed;
    pms_sav_sweep_row *rows;
    pms_status st;
    pms_err err;
} sweep_job;

static void *sweep_worker(void *arg)
{
    sweep_job *j = arg;
    pms_sav_ws *ws = pms_sav_ws_new(j->b);
    if (!ws) {
        j->failed = j->from;
        j->st = pms_err_set(&j->err, PMS_ENOMEM, "out of memory");
        return NULL;
    }
    for (size_t i = j->from; i < j->to; i++) {
        j->st = pms_sav_sweep_point(j->b, j->sc, j->p, j->values[i], ws, &j->rows[i], &j->err);
        if (j->st) {
            j->failed = i;
            break;
        }
    }
    pms_sav_ws_free(ws);
    return NULL;
}

pms_status pms_sav_sweep(const pms_sav_base *b, const pms_sav_scenario *sc, pms_sav_param p,
                         const double *values, size_t nvalues, unsigned threads,
                         pms_sav_sweep_row *rows, size_t *failed, pms_err *err)
{
    if (threads < 1) threads = 1;
    if (threads > 64) threads = 64;
    if ((size_t)threads > nvalues) threads = nvalues ? (unsigned)nvalues : 1;
    sweep_job jobs[64];
    pthread_t tid[64];
    int started[64] = {0};
    for (unsigned k = 0; k < threads; k++) {
        /* contiguous blocks: neighbouring points share most of their order */
        jobs[k] = (sweep_job){b, sc, p, values, nvalues * k / threads, nvalues * (k + 1) / threads,
                              0, rows, PMS_OK, {{0}}};
        if (k > 0 && pthread_create(&tid[k], NULL, sweep_worker, &jobs[k]) == 0) started[k] = 1;
    }
    sweep_worker(&jobs[0]);
    for (unsigned k = 1; k < threads; k++) {
        if (started[k]) pthread_join(tid[k], NULL);
        else sweep_worker(&jobs[k]); /* no thread: do the block here */
    }
    /* the first failing point, whatever the number of threads */
    for (unsigned k = 0; k < threads; k++)
        if (jobs[k].st) {
            if (failed) *failed = jobs[k].failed;
            if (err) *err = jobs[k].err;
            return jobs[k].st;
        }
    return PMS_OK;
}

/* ------------------------------------------------------- like for like */

/* Released and reinvested in year index k, England or one locality. */
static void year_amounts(const pms_sav_result *r, size_t loc, size_t k, int64_t *rel,
                         int64_t *re)
{
    if (loc == (size_t)-1) {
        *rel = r->year[k].released;
        *re = r->year[k].reinvested;
    } else {
        *rel = r->loc_cut[k * r->nloc + loc];
        *re = r->loc_reinvest[k * r->nloc + loc];
    }
}

void pms_sav_effects_of(const pms_sav_result *r, const pms_sav_base *b, size_t loc,
                        unsigned horizon, pms_sav_effects *out)
{
    memset(out, 0, sizeof *out);
    if (!r->nyears) return;
    if (horizon < 1) horizon = 1;
    size_t last = r->nyears - 1;
    out->first_year = r->year[0].year;
    year_amounts(r, loc, 0, &out->first_released, &out->first_reinvested);
    out->first_net = out->first_released - out->first_reinvested;
    out->full_year = r->year[last].year;
    year_amounts(r, loc, last, &out->full_released, &out->full_reinvested);
    out->full_net = out->full_released - out->full_reinvested;
    out->horizon_from = b->settings.base_year;
    out->horizon_to = b->settings.base_year + (int)horizon - 1;
    for (int y = out->horizon_from; y <= out->horizon_to; y++) {
        if (y < r->year[0].year) continue; /* before the scenario starts: no change */
        size_t k = (size_t)(y - r->year[0].year);
        if (k > last) k = last;            /* after it ends: the recurrent last year */
        int64_t rel, re;
        year_amounts(r, loc, k, &rel, &re);
        out->cum_released += rel;
        out->cum_reinvested += re;
    }
    out->cum_net = out->cum_released - out->cum_reinvested;
}
