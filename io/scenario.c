#include "io/scenario.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "io/config.h"
#include "io/sha256.h"

static const char *const model_keys[] = {"base_year", "locality", "mpig_base_year",
                                         "mpig_taper_years", NULL};
static const char *const scenario_keys[] = {
    "label",          "description",        "start_year",      "years",
    "method",         "target",             "cap",             "percent",
    "retention_column", "retention",        "protect_max_pct", "protect_max_per_wp",
    "max_extension_years", "reinvest",      "reinvest_pct",    "keep_for_services",
    "scope",          "pace_pct",           "max_loss_pct",    "max_gain_pct",
    "growth_pct",     NULL};

static int in_list(const char *k, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (!strcmp(k, list[i])) return 1;
    return 0;
}

/* A rate or percentage: a plain decimal number, >= 0, at most `hi`. */
static pms_status get_number(const pms_config *c, const pms_config_entry *e, double hi,
                             const char *unit, double *out, pms_err *err)
{
    char *end;
    errno = 0;
    double v = strtod(e->value, &end);
    while (*end == ' ') end++;
    if (end == e->value || *end || errno || !isfinite(v) || strpbrk(e->value, "xXnN"))
        return pms_err_set(err, PMS_EPARSE, "%s:%d: %s must be a number, not '%s'", c->path,
                           e->line, e->key, e->value);
    if (v < 0)
        return pms_err_set(err, PMS_EPARSE, "%s:%d: %s is negative (%s): %s must be >= 0",
                           c->path, e->line, e->key, e->value, unit);
    if (v > hi)
        return pms_err_set(err, PMS_EPARSE, "%s:%d: %s must be at most %g, not %s", c->path,
                           e->line, e->key, hi, e->value);
    *out = v + 0.0; /* -0 reads as 0 */
    return PMS_OK;
}

static pms_status get_year(const pms_config *c, const pms_config_entry *e, int *out, pms_err *err)
{
    if (pms_sav_year_parse(e->value, out))
        return pms_err_set(err, PMS_EPARSE,
                           "%s:%d: %s must be a financial year such as 2014/15, not '%s'", c->path,
                           e->line, e->key, e->value);
    return PMS_OK;
}

static pms_status get_choice(const pms_config *c, const pms_config_entry *e,
                             const char *const *names, size_t nnames, int *out, pms_err *err)
{
    for (size_t i = 0; i < nnames; i++)
        if (!strcmp(e->value, names[i])) {
            *out = (int)i;
            return PMS_OK;
        }
    char list[256] = "";
    for (size_t i = 0; i < nnames; i++) {
        size_t l = strlen(list);
        snprintf(list + l, sizeof list - l, "%s%s", names[i],
                 i + 2 < nnames ? ", " : i + 2 == nnames ? " or " : "");
    }
    return pms_err_set(err, PMS_EPARSE, "%s:%d: %s must be %s, not '%s'", c->path, e->line,
                       e->key, list, e->value);
}

static pms_status read_model(const pms_config *c, pms_scenario_file *f, pms_err *err)
{
    pms_status st;
    for (size_t i = 0; i < c->n; i++) {
        const pms_config_entry *e = &c->e[i];
        if (strcmp(e->section, "model")) continue;
        if (!strcmp(e->key, "base_year")) {
            if ((st = get_year(c, e, &f->settings.base_year, err))) return st;
        } else if (!strcmp(e->key, "mpig_base_year")) {
            if ((st = get_year(c, e, &f->settings.mpig_base_year, err))) return st;
        } else if (!strcmp(e->key, "mpig_taper_years")) {
            double v;
            if ((st = get_number(c, e, 100, "a number of years", &v, err))) return st;
            if (v != floor(v) || v < 1)
                return pms_err_set(err, PMS_EPARSE,
                                   "%s:%d: mpig_taper_years must be a whole number from 1 to "
                                   "100, not '%s'",
                                   c->path, e->line, e->value);
            f->settings.mpig_taper_years = (int)v;
        } else if (!strcmp(e->key, "locality")) {
            if (!e->value[0] || strlen(e->value) >= sizeof f->locality)
                return pms_err_set(err, PMS_EPARSE, "%s:%d: locality must name a column",
                                   c->path, e->line);
            snprintf(f->locality, sizeof f->locality, "%s", e->value);
            f->line_locality = e->line;
        }
    }
    return PMS_OK;
}

static pms_status read_rates(const pms_config *c, pms_scenario_file *f, pms_err *err)
{
    int any = 0;
    pms_status st;
    /* Years given override the defaults; the table spans both. */
    pms_sav_settings *s = &f->settings;
    double rate[PMS_SAV_MAX_RATES];
    int lo = s->gs_first_year, hi = s->gs_first_year + (int)s->gs_n - 1;
    for (size_t i = 0; i < c->n; i++) {
        const pms_config_entry *e = &c->e[i];
        if (strcmp(e->section, "global_sum")) continue;
        int y;
        if (pms_sav_year_parse(e->key, &y))
            return pms_err_set(err, PMS_EPARSE,
                               "%s:%d: [global_sum] keys are financial years such as 2015/16, "
                               "not '%s'",
                               c->path, e->line, e->key);
        double v = 0;
        if ((st = get_number(c, e, 1e6, "a global sum rate in pounds per weighted patient", &v,
                             err)))
            return st;
        if (y < lo) lo = y;
        if (y > hi) hi = y;
        if (hi - lo + 1 > PMS_SAV_MAX_RATES)
            return pms_err_set(err, PMS_EPARSE,
                               "%s:%d: [global_sum] spans more than %d years", c->path, e->line,
                               PMS_SAV_MAX_RATES);
        any = 1;
    }
    if (!any) return PMS_OK;
    for (int y = lo; y <= hi; y++) rate[y - lo] = pms_sav_gs_rate(s, y);
    for (size_t i = 0; i < c->n; i++) {
        const pms_config_entry *e = &c->e[i];
        if (strcmp(e->section, "global_sum")) continue;
        int y;
        double v = 0;
        pms_sav_year_parse(e->key, &y);
        get_number(c, e, 1e6, "", &v, err);
        rate[y - lo] = v;
    }
    s->gs_first_year = lo;
    s->gs_n = (size_t)(hi - lo + 1);
    for (size_t i = 0; i < PMS_SAV_MAX_RATES; i++) s->gs_rate[i] = i < s->gs_n ? rate[i] : NAN;
    return PMS_OK;
}

/* "pace" last: read_pace takes those sections (pms_sav_method has no value for it). */
static const char *const method_names[] = {"none", "glidepath", "cap", "percent", "pace"};
static const char *const reinvest_names[] = {"none", "weighted", "deprivation", "below_gms"};
static const char *const scope_names[] = {"ccg", "region", "national"};

/* Keys only a pace-of-change scenario takes, and every key it takes. */
static const char *const pace_only_keys[] = {"pace_pct", "max_loss_pct", "max_gain_pct",
                                             "growth_pct", NULL};
static const char *const pace_keys[] = {"method",       "label",        "description",
                                        "years",        "pace_pct",     "max_loss_pct",
                                        "max_gain_pct", "growth_pct",   NULL};

/* The entries of a savings scenario that later checks refer to. */
typedef struct {
    const pms_config_entry *first, *method, *start, *years, *target, *cap, *pct, *rcol, *ret,
        *reinvest, *rpct, *keep;
} seen_keys;

/* A whole number from lo to hi ("years", "max_extension_years"). */
static pms_status get_whole(const pms_config *c, const pms_config_entry *e, long lo, long hi,
                            unsigned *out, pms_err *err)
{
    char *end;
    errno = 0;
    long y = strtol(e->value, &end, 10);
    while (*end == ' ') end++;
    if (end == e->value || *end || errno || y < lo || y > hi)
        return pms_err_set(err, PMS_EPARSE, "%s:%d: %s must be a whole number from %ld to %ld, "
                                            "not '%s'",
                           c->path, e->line, e->key, lo, hi, e->value);
    *out = (unsigned)y;
    return PMS_OK;
}

static const char *const rate_unit = "a rate in pounds per weighted patient";

/* One key of a savings scenario into sc (the keys are known: from_config
 * refused any other). */
static pms_status read_key(const pms_config *c, const pms_config_entry *e, pms_sav_scenario *sc,
                           seen_keys *k, pms_err *err)
{
    const char *key = e->key;
    int v = 0;
    pms_status st = PMS_OK;
    if (!strcmp(key, "label")) {
        if (!e->value[0] || strlen(e->value) >= sizeof sc->label)
            return pms_err_set(err, PMS_EPARSE, "%s:%d: label must be 1 to %zu characters, not '%s'",
                               c->path, e->line, sizeof sc->label - 1, e->value);
        snprintf(sc->label, sizeof sc->label, "%s", e->value);
    } else if (!strcmp(key, "reinvest_pct")) {
        st = get_number(c, e, 100, "a percentage", &sc->reinvest_pct, err);
        sc->line_reinvest_pct = e->line;
        k->rpct = e;
    } else if (!strcmp(key, "keep_for_services")) {
        st = get_number(c, e, 1e6, rate_unit, &sc->keep_for_services, err);
        k->keep = e;
    } else if (!strcmp(key, "description")) {
        snprintf(sc->description, sizeof sc->description, "%s", e->value);
    } else if (!strcmp(key, "start_year")) {
        st = get_year(c, e, &sc->start_year, err);
        sc->line_start_year = e->line;
        k->start = e;
    } else if (!strcmp(key, "years")) {
        st = get_whole(c, e, 1, 30, &sc->years, err);
        k->years = e;
    } else if (!strcmp(key, "method")) {
        st = get_choice(c, e, method_names, 5, &v, err);
        sc->method = (pms_sav_method)v;
        k->method = e;
    } else if (!strcmp(key, "reinvest")) {
        st = get_choice(c, e, reinvest_names, 4, &v, err);
        sc->reinvest = (pms_sav_reinvest)v;
        sc->line_reinvest = e->line;
        k->reinvest = e;
    } else if (!strcmp(key, "scope")) {
        st = get_choice(c, e, scope_names, 3, &v, err);
        sc->scope = (pms_sav_scope)v;
        sc->line_scope = e->line;
    } else if (!strcmp(key, "target")) {
        st = get_number(c, e, 1e6, rate_unit, &sc->target, err);
        k->target = e;
    } else if (!strcmp(key, "cap")) {
        st = get_number(c, e, 1e6, rate_unit, &sc->cap, err);
        k->cap = e;
    } else if (!strcmp(key, "percent")) {
        st = get_number(c, e, 100, "a percentage", &sc->percent, err);
        k->pct = e;
    } else if (!strcmp(key, "retention")) {
        st = get_number(c, e, 1e6, rate_unit, &sc->retention, err);
        k->ret = e;
    } else if (!strcmp(key, "retention_column")) {
        if (!e->value[0] || strlen(e->value) >= sizeof sc->retention_column)
            return pms_err_set(err, PMS_EPARSE, "%s:%d: retention_column must name a column",
                               c->path, e->line);
        snprintf(sc->retention_column, sizeof sc->retention_column, "%s", e->value);
        sc->line_retention = e->line;
        k->rcol = e;
    } else if (!strcmp(key, "max_extension_years")) {
        st = get_whole(c, e, 0, PMS_SAV_MAX_EXTENSION, &sc->max_extension, err);
    } else if (!strcmp(key, "protect_max_pct")) {
        st = get_number(c, e, 100, "a percentage", &sc->protect_pct, err);
    } else if (!strcmp(key, "protect_max_per_wp")) {
        st = get_number(c, e, 1e6, rate_unit, &sc->protect_per_wp, err);
    } else if (in_list(key, pace_only_keys)) {
        return pms_err_set(err, PMS_EPARSE, "%s:%d: %s applies only to method = pace", c->path,
                           e->line, key);
    }
    return st;
}

/* What a savings scenario needs once every key is read, and the keys that do
 * not fit its method. */
static pms_status check_scenario(const pms_config *c, const char *name, const pms_sav_scenario *sc,
                                 const seen_keys *k, pms_err *err)
{
    const char *missing = !k->start    ? "start_year"
                          : !k->years  ? "years"
                          : !k->method ? "method"
                                       : NULL;
    if (missing)
        return pms_err_set(err, PMS_EPARSE, "%s:%d: scenario [%s] has no %s", c->path,
                           k->first->line, name, missing);
    if (sc->method == PMS_SAV_CAP && !k->cap)
        return pms_err_set(err, PMS_EPARSE,
                           "%s:%d: method cap needs cap = POUNDS (premium kept per weighted "
                           "patient)",
                           c->path, k->method->line);
    if (sc->method == PMS_SAV_PERCENT && !k->pct)
        return pms_err_set(err, PMS_EPARSE,
                           "%s:%d: method percent needs percent = P (share of the premium "
                           "removed)",
                           c->path, k->method->line);
    const pms_config_entry *stray = sc->method != PMS_SAV_CAP && k->cap           ? k->cap
                                    : sc->method != PMS_SAV_PERCENT && k->pct     ? k->pct
                                    : sc->method != PMS_SAV_GLIDEPATH && k->target ? k->target
                                                                                  : NULL;
    if (stray)
        return pms_err_set(err, PMS_EPARSE, "%s:%d: %s does not apply to method %s", c->path,
                           stray->line, stray->key, k->method->value);
    if (k->rpct && sc->reinvest == PMS_REINVEST_NONE)
        return pms_err_set(err, PMS_EPARSE,
                           "%s:%d: reinvest_pct needs reinvest = weighted, deprivation or "
                           "below_gms (%s)",
                           c->path, k->rpct->line,
                           k->reinvest ? "reinvest is none" : "no reinvest is given");
    if (k->keep && sc->method == PMS_SAV_NONE)
        return pms_err_set(err, PMS_EPARSE, "%s:%d: keep_for_services does not apply to method none",
                           c->path, k->keep->line);
    if (k->ret && !k->rcol)
        return pms_err_set(err, PMS_EPARSE,
                           "%s:%d: retention needs retention_column (the column flagging the "
                           "practices that accepted the offer)",
                           c->path, k->ret->line);
    if (k->rcol && !k->ret)
        return pms_err_set(err, PMS_EPARSE,
                           "%s:%d: retention_column needs retention = POUNDS per weighted patient",
                           c->path, k->rcol->line);
    return PMS_OK;
}

/* The savings scenario [name], whose entries start at c->e[at]. */
static pms_status read_scenario(const pms_config *c, const char *name, size_t at,
                                pms_sav_scenario *sc, pms_err *err)
{
    pms_status st;
    pms_sav_scenario_default(sc);
    seen_keys k;
    memset(&k, 0, sizeof k);
    k.first = &c->e[at];
    /* A section's entries are contiguous (io/config refuses a repeated
     * [section]): read from its first entry to its last, O(keys). */
    for (size_t i = at; i < c->n && !strcmp(c->e[i].section, name); i++)
        if ((st = read_key(c, &c->e[i], sc, &k, err))) return st;
    snprintf(sc->name, sizeof sc->name, "%s", name);
    sc->line = k.first->line;
    return check_scenario(c, name, sc, &k, err);
}

/* The method entry of the section starting at c->e[at], or NULL. */
static const pms_config_entry *section_method(const pms_config *c, size_t at)
{
    for (size_t i = at; i < c->n && !strcmp(c->e[i].section, c->e[at].section); i++)
        if (!strcmp(c->e[i].key, "method")) return &c->e[i];
    return NULL;
}

/* The pace-of-change scenario [name] (method = pace), entries from c->e[at]. */
static pms_status read_pace(const pms_config *c, const char *name, size_t at,
                            const pms_config_entry *method, pms_pace_scenario *s, pms_err *err)
{
    pms_pace_scenario_default(s);
    snprintf(s->name, sizeof s->name, "%s", name);
    s->line = method->line;
    for (size_t i = at; i < c->n && !strcmp(c->e[i].section, name); i++) {
        const pms_config_entry *e = &c->e[i];
        if (!in_list(e->key, pace_keys))
            return pms_err_set(err, PMS_EPARSE, "%s:%d: %s does not apply to method pace",
                               c->path, e->line, e->key);
        if (!strcmp(e->key, "label")) {
            if (!e->value[0] || strlen(e->value) >= sizeof s->label)
                return pms_err_set(err, PMS_EPARSE,
                                   "%s:%d: label must be 1 to %zu characters, not '%s'", c->path,
                                   e->line, sizeof s->label - 1, e->value);
            snprintf(s->label, sizeof s->label, "%s", e->value);
        }
    }
    unsigned long years = s->years;
    double pace = 100 * s->pace, loss = 100 * s->max_loss, gain = 100 * s->max_gain,
           growth = 100 * s->growth;
    pms_status st = pms_config_ulong(c, name, "years", 1, PMS_PACE_MAX_YEARS, &years, err);
    if (!st) st = pms_config_double(c, name, "pace_pct", 0.001, 100, &pace, err);
    if (!st) st = pms_config_double(c, name, "max_loss_pct", 0, 100, &loss, err);
    if (!st) st = pms_config_double(c, name, "max_gain_pct", 0, 1000, &gain, err);
    if (!st) st = pms_config_double(c, name, "growth_pct", -100, 1000, &growth, err);
    if (st) return st;
    s->years = (unsigned)years;
    s->pace = pace / 100, s->max_loss = loss / 100, s->max_gain = gain / 100;
    s->growth = growth / 100;
    if (!(s->growth >= -s->max_loss && s->growth <= s->max_gain))
        return pms_err_set(err, PMS_EPARSE,
                           "%s:%d: scenario [%s]: growth_pct must lie between -max_loss_pct "
                           "and max_gain_pct",
                           c->path, s->line, name);
    return PMS_OK;
}

/* Every scenario section (names[j] from c->e[at[j]]) into f: savings
 * scenarios in f->s, pace scenarios in f->pace, each in file order. */
static pms_status read_sections(const pms_config *c, const char *const *names, const size_t *at,
                                size_t nn, pms_scenario_file *f, pms_err *err)
{
    pms_status st;
    if (!(f->s = calloc(nn, sizeof *f->s)) || !(f->pace = calloc(nn, sizeof *f->pace)))
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    for (size_t j = 0; j < nn; j++) {
        const pms_config_entry *m = section_method(c, at[j]);
        if (m && !strcmp(m->value, "pace")) {
            if ((st = read_pace(c, names[j], at[j], m, &f->pace[f->npace], err))) return st;
            f->npace++;
            continue;
        }
        if ((st = read_scenario(c, names[j], at[j], &f->s[f->n], err))) return st;
        f->n++;
        if ((st = pms_sav_check_years(&f->settings, &f->s[f->n - 1], c->path, err))) return st;
    }
    return PMS_OK;
}

static pms_status from_config(const pms_config *c, pms_scenario_file **out, pms_err *err)
{
    pms_status st;
    pms_scenario_file *f = calloc(1, sizeof *f);
    if (!f || !(f->path = strdup(c->path))) {
        free(f);
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    pms_sav_settings_default(&f->settings);
    snprintf(f->locality, sizeof f->locality, "ccg_code");
    /* Keys: known per kind of section, none outside a section. */
    const char **names = calloc(c->n ? c->n : 1, sizeof *names);
    size_t *at = calloc(c->n ? c->n : 1, sizeof *at), nn = 0;
    if (!names || !at) {
        st = pms_err_set(err, PMS_ENOMEM, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < c->n; i++) {
        const pms_config_entry *e = &c->e[i];
        if (!e->section[0]) {
            st = pms_err_set(err, PMS_EPARSE,
                             "%s:%d: '%s' is outside any [section] (put it under [model] or a "
                             "scenario)",
                             c->path, e->line, e->key);
            goto fail;
        }
        int is_model = !strcmp(e->section, "model"), is_gs = !strcmp(e->section, "global_sum");
        if ((is_model && !in_list(e->key, model_keys)) ||
            (!is_model && !is_gs && !in_list(e->key, scenario_keys))) {
            st = pms_err_set(err, PMS_EPARSE, "%s:%d: unknown key '%s' in [%s]", c->path, e->line,
                             e->key, e->section);
            goto fail;
        }
        if (is_model || is_gs) continue;
        /* sections are contiguous: a new name is a new scenario */
        if (!nn || strcmp(names[nn - 1], e->section)) {
            if (strlen(e->section) >= PMS_SAV_NAME_MAX) {
                st = pms_err_set(err, PMS_EPARSE,
                                 "%s:%d: scenario name [%s] is longer than %d characters",
                                 c->path, e->line, e->section, PMS_SAV_NAME_MAX - 1);
                goto fail;
            }
            at[nn] = i;
            names[nn++] = e->section;
        }
    }
    if ((st = read_model(c, f, err)) || (st = read_rates(c, f, err))) goto fail;
    if (nn == 0) {
        st = pms_err_set(err, PMS_EPARSE,
                         "%s: no scenarios: add a [section] with start_year, years and method",
                         c->path);
        goto fail;
    }
    if ((st = read_sections(c, names, at, nn, f, err))) goto fail;
    free(names);
    free(at);
    *out = f;
    return PMS_OK;
fail:
    free(names);
    free(at);
    pms_scenario_free(f);
    return st;
}

pms_status pms_scenario_load(const char *path, pms_scenario_file **out, pms_err *err)
{
    *out = NULL;
    pms_config *c = NULL;
    pms_status st = pms_config_load(path, &c, err);
    if (st) return st;
    st = from_config(c, out, err);
    pms_config_free(c);
    return st;
}

pms_status pms_scenario_load_mem(const char *display, const char *data, size_t len,
                                 pms_scenario_file **out, pms_err *err)
{
    *out = NULL;
    pms_config *c = NULL;
    pms_status st = pms_config_load_mem(display, data, len, &c, err);
    if (st) return st;
    st = from_config(c, out, err);
    pms_config_free(c);
    return st;
}

void pms_scenario_free(pms_scenario_file *f)
{
    if (!f) return;
    free(f->path);
    free(f->s);
    free(f->pace);
    free(f);
}

int pms_scenario_find(const pms_scenario_file *f, const char *name)
{
    for (size_t i = 0; i < f->n; i++)
        if (!strcmp(f->s[i].name, name)) return (int)i;
    return -1;
}

static int word_flag(const char *s)
{
    static const char *const yes[] = {"yes", "y", "true", "1", NULL},
                             *const no[] = {"no", "n", "false", "0", "", NULL};
    while (*s == ' ') s++;
    char w[16];
    size_t n = 0;
    while (s[n] && n < sizeof w - 1) w[n] = s[n], n++;
    w[n] = 0;
    while (n && w[n - 1] == ' ') w[--n] = 0;
    for (size_t i = 0; yes[i]; i++)
        if (!strcasecmp(w, yes[i])) return 1;
    for (size_t i = 0; no[i]; i++)
        if (!strcasecmp(w, no[i])) return 0;
    return -1;
}

pms_status pms_scenario_flags(const pms_scenario_file *f, size_t k, const pms_table *t,
                              unsigned char **flags, pms_err *err)
{
    *flags = NULL;
    const pms_sav_scenario *sc = &f->s[k];
    if (!sc->retention_column[0]) return PMS_OK;
    const pms_column *col = pms_table_col(t, sc->retention_column);
    if (!col)
        return pms_err_set(err, PMS_ENOTFOUND, "%s:%d: retention column '%s' is not in the data",
                           f->path, sc->line_retention, sc->retention_column);
    unsigned char *fl = malloc(t->nrows ? t->nrows : 1);
    if (!fl) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    for (size_t i = 0; i < t->nrows; i++) {
        if (col->type == PMS_COL_NUM) {
            fl[i] = !isnan(col->num[i]) && col->num[i] != 0;
            continue;
        }
        int v = col->text[i] ? word_flag(col->text[i]) : 0;
        if (v < 0) {
            pms_err_set(err, PMS_EPARSE,
                        "%s:%d: retention column '%s' holds '%s' (line %ld of %s): use yes/no "
                        "or 1/0",
                        f->path, sc->line_retention, sc->retention_column, col->text[i],
                        t->line ? t->line[i] : 0L, t->nsources ? t->sources[0].path : "the data");
            free(fl);
            return PMS_EPARSE;
        }
        fl[i] = (unsigned char)v;
    }
    *flags = fl;
    return PMS_OK;
}

pms_status pms_scenario_bind(const pms_scenario_file *f, const pms_table *t, pms_sav_data *d,
                             pms_err *err)
{
    memset(d, 0, sizeof *d);
    d->n = t->nrows;
    pms_status st;
    if ((st = pms_table_numeric(t, "global_sum", &d->global_sum, err)) ||
        (st = pms_table_numeric(t, "mpig", &d->mpig, err)) ||
        (st = pms_table_numeric(t, "pms_balance", &d->pms_balance, err)) ||
        (st = pms_table_numeric(t, "weighted_patients", &d->weighted, err)) ||
        (st = pms_table_text(t, "contract_type", &d->contract, err)))
        return st;
    if (!pms_table_col(t, f->locality))
        return f->line_locality
                   ? pms_err_set(err, PMS_ENOTFOUND, "%s:%d: locality column '%s' is not in the data",
                                 f->path, f->line_locality, f->locality)
                   : pms_err_set(err, PMS_ENOTFOUND,
                                 "the data has no '%s' column (the default locality; set locality "
                                 "in [model] of %s)",
                                 f->locality, f->path);
    if ((st = pms_table_text(t, f->locality, &d->locality, err))) return st;
    /* Optional columns: absent is fine, present but of the wrong kind is not. */
    if (pms_table_col(t, "ccg_code") && (st = pms_table_text(t, "ccg_code", &d->ccg, err)))
        return st;
    if (pms_table_col(t, "region_code") && (st = pms_table_text(t, "region_code", &d->region, err)))
        return st;
    if (pms_table_col(t, "imd2015") && (st = pms_table_numeric(t, "imd2015", &d->imd, err)))
        return st;
    d->source = t->nsources ? t->sources[0].path : NULL;
    d->line = t->line;
    return PMS_OK;
}

pms_status pms_scenario_sha256(const pms_scenario_file *f, char hex[65], pms_err *err)
{
    FILE *fp = fopen(f->path, "rb");
    if (!fp) return pms_err_open(err, f->path);
    size_t cap = 1 << 16, len = 0;
    unsigned char *buf = malloc(cap);
    while (buf) {
        len += fread(buf + len, 1, cap - len, fp);
        if (len < cap) break;
        unsigned char *nb = realloc(buf, cap * 2);
        if (!nb) free(buf);
        buf = nb;
        cap *= 2;
    }
    int bad = !buf ? 0 : ferror(fp);
    fclose(fp);
    if (!buf) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    if (bad) {
        free(buf);
        return pms_err_set(err, PMS_EIO, "%s: read error", f->path);
    }
    unsigned char dg[32];
    pms_sha256(buf, len, dg);
    pms_sha256_hex(dg, hex);
    free(buf);
    return PMS_OK;
}

pms_status pms_scenario_locality_names(const pms_scenario_file *f, const pms_table *t,
                                       const pms_sav_base *b, const char ***names, pms_err *err)
{
    *names = NULL;
    char col[PMS_SAV_NAME_MAX + 8];
    size_t L = strlen(f->locality);
    if (L < 5 || strcmp(f->locality + L - 5, "_code")) return PMS_OK;
    snprintf(col, sizeof col, "%.*s_name", (int)(L - 5), f->locality);
    const char *const *v = NULL;
    if (!pms_table_col(t, col) || pms_table_text(t, col, &v, err)) return PMS_OK;
    const char **nm = calloc(b->nloc ? b->nloc : 1, sizeof *nm);
    if (!nm) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    for (size_t i = 0; i < b->n; i++) {
        const char *s = v[b->row[i]];
        if (!nm[b->loc[i]] && s && s[0]) nm[b->loc[i]] = s;
    }
    *names = nm;
    return PMS_OK;
}

int pms_scenario_locality_find(const pms_sav_base *b, const char *code)
{
    for (size_t l = 0; l < b->nloc; l++)
        if (!strcmp(b->loc_name[l], code)) return (int)l;
    return -1;
}

enum { PC_CODE, PC_NAME, PC_CT, PC_W, PC_BEFORE, PC_PERW, PC_N };

pms_status pms_scenario_practice_comparison(const pms_sav_base *b, const pms_table *t, size_t loc,
                                            const pms_sav_scenario *const *sc,
                                            const int64_t *const *final_core, size_t nsc,
                                            pms_out **out, pms_err *err)
{
    *out = NULL;
    const char *const *codes = NULL, *const *names = NULL;
    pms_err ignore;
    if (pms_table_col(t, "practice_code")) pms_table_text(t, "practice_code", &codes, &ignore);
    if (pms_table_col(t, "practice_name")) pms_table_text(t, "practice_name", &names, &ignore);
    pms_out *o = pms_out_new("practice_comparison",
                             "Practices of the locality: core funding before and after each "
                             "scenario's final year (pounds)");
    if (!o) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    int c[PC_N] = {pms_out_col(o, "practice_code", PMS_OUT_TEXT, 0),
                   pms_out_col(o, "practice_name", PMS_OUT_TEXT, 0),
                   pms_out_col(o, "contract_type", PMS_OUT_TEXT, 0),
                   pms_out_col(o, "weighted_patients", PMS_OUT_REAL, 0),
                   pms_out_col(o, "core_before", PMS_OUT_MONEY, 2),
                   pms_out_col(o, "per_weighted_before", PMS_OUT_REAL, 2)};
    int *sc_col = malloc((nsc ? nsc : 1) * 4 * sizeof *sc_col), bad = !sc_col;
    for (size_t j = 0; j < PC_N; j++) bad |= c[j] < 0;
    for (size_t s = 0; s < nsc && !bad; s++) {
        static const char *const what[4] = {"core_after", "change", "change_pct",
                                            "per_weighted_after"};
        static const pms_outkind kind[4] = {PMS_OUT_MONEY, PMS_OUT_MONEY, PMS_OUT_PCT,
                                            PMS_OUT_REAL};
        for (int k = 0; k < 4; k++) {
            char key[PMS_SAV_NAME_MAX + 32];
            snprintf(key, sizeof key, "%s_%s", what[k], sc[s]->name);
            bad |= (sc_col[s * 4 + (size_t)k] = pms_out_col(o, key, kind[k], 2)) < 0;
        }
    }
    for (size_t i = 0; i < b->n && !bad; i++) {
        if (b->loc[i] != loc) continue;
        size_t row = b->row[i];
        int64_t before = b->core0[i];
        if (pms_out_row(o)) {
            bad = 1;
            break;
        }
        pms_out_set_text(o, c[PC_CODE], codes ? codes[row] : NULL);
        pms_out_set_text(o, c[PC_NAME], names ? names[row] : NULL);
        pms_out_set_text(o, c[PC_CT], b->contract[i] == PMS_CONTRACT_PMS ? "PMS" : "GMS");
        pms_out_set_num(o, c[PC_W], b->weighted[i]);
        pms_out_set_num(o, c[PC_BEFORE], (double)before / 100.0);
        pms_out_set_num(o, c[PC_PERW], (double)before / 100.0 / b->weighted[i]);
        for (size_t s = 0; s < nsc; s++) {
            int64_t after = final_core[s][i];
            pms_out_set_num(o, sc_col[s * 4], (double)after / 100.0);
            pms_out_set_num(o, sc_col[s * 4 + 1], (double)(after - before) / 100.0);
            pms_out_set_num(o, sc_col[s * 4 + 2],
                            before > 0 ? (double)(after - before) / (double)before : NAN);
            pms_out_set_num(o, sc_col[s * 4 + 3], (double)after / 100.0 / b->weighted[i]);
        }
    }
    free(sc_col);
    if (bad) {
        pms_out_free(o);
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    pms_out_footnote(o, "core funding = global sum + MPIG + PMS balance; _after: in the "
                        "scenario's final modelled year (including any extension); change and "
                        "change_pct against before; per_weighted: pounds per weighted patient.");
    *out = o;
    return PMS_OK;
}

int pms_scenario_find_pace(const pms_scenario_file *f, const char *name)
{
    for (size_t i = 0; i < f->npace; i++)
        if (!strcmp(f->pace[i].name, name)) return (int)i;
    return -1;
}

pms_status pms_scenario_savings_pick(const pms_scenario_file *f, const char *name, int *k,
                                     pms_err *err)
{
    *k = -1;
    if (!name) {
        if (f->n) return PMS_OK;
        return pms_err_at(err, PMS_ENOTFOUND, "pace", 0, NULL, 0,
                          "%s has no savings scenarios, only %zu with method = pace (the "
                          "fair-shares pace model runs them)",
                          f->path, f->npace);
    }
    if ((*k = pms_scenario_find(f, name)) >= 0) return PMS_OK;
    int p = pms_scenario_find_pace(f, name);
    if (p >= 0)
        return pms_err_at(err, PMS_ENOTFOUND, "pace", 0, NULL, 0,
                          "%s:%d: scenario '%s' is a pace-of-change scenario (method = pace): "
                          "the fair-shares pace model runs it, not the savings model",
                          f->path, f->pace[p].line, name);
    return pms_err_set(err, PMS_ENOTFOUND, "no scenario '%s' in %s", name, f->path);
}
