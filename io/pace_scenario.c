/* Pace-of-change scenarios from an INI file (see pace_scenario.h). */
#include "io/pace_scenario.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/config.h"

static const char *const keys[] = {"method", "description", "years", "pace_pct",
                                   "max_loss_pct", "max_gain_pct", "growth_pct", NULL};

static int is_pace(const pms_config *c, const char *section)
{
    const pms_config_entry *m = pms_config_find(c, section, "method");
    return m && !strcmp(m->value, "pace");
}

/* One pace section into *s. */
static pms_status read_one(const pms_config *c, const char *sec, pms_pace_scenario *s,
                           pms_err *err)
{
    pms_pace_scenario_default(s);
    if (strlen(sec) >= sizeof s->name)
        return pms_err_set(err, PMS_EPARSE, "%s:%d: scenario name [%s] is too long (at most %zu "
                                            "characters)",
                           c->path, pms_config_find(c, sec, "method")->line, sec,
                           sizeof s->name - 1);
    snprintf(s->name, sizeof s->name, "%s", sec);
    s->line = pms_config_find(c, sec, "method")->line;
    pms_status st = pms_config_check(c, NULL, sec, keys, err);
    unsigned long years = s->years;
    double pace = 100 * s->pace, loss = 100 * s->max_loss, gain = 100 * s->max_gain,
           growth = 100 * s->growth;
    if (!st) st = pms_config_ulong(c, sec, "years", 1, PMS_PACE_MAX_YEARS, &years, err);
    if (!st) st = pms_config_double(c, sec, "pace_pct", 0.001, 100, &pace, err);
    if (!st) st = pms_config_double(c, sec, "max_loss_pct", 0, 100, &loss, err);
    if (!st) st = pms_config_double(c, sec, "max_gain_pct", 0, 1000, &gain, err);
    if (!st) st = pms_config_double(c, sec, "growth_pct", -100, 1000, &growth, err);
    if (st) return st;
    s->years = (unsigned)years;
    s->pace = pace / 100, s->max_loss = loss / 100, s->max_gain = gain / 100;
    s->growth = growth / 100;
    if (!(s->growth >= -s->max_loss && s->growth <= s->max_gain))
        return pms_err_set(err, PMS_EPARSE,
                           "%s:%d: scenario [%s]: growth_pct must lie between -max_loss_pct "
                           "and max_gain_pct",
                           c->path, s->line, sec);
    return PMS_OK;
}

pms_status pms_pace_load(const char *path, pms_pace_scenario **out, size_t *n, pms_err *err)
{
    *out = NULL;
    *n = 0;
    pms_config *c = NULL;
    pms_status st = pms_config_load(path, &c, err);
    if (st) return st;
    pms_pace_scenario *v = malloc((c->n ? c->n : 1) * sizeof *v);
    if (!v) {
        pms_config_free(c);
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    size_t k = 0;
    for (size_t i = 0; i < c->n && !st; i++) {
        const char *sec = c->e[i].section;
        if (!sec[0] || !is_pace(c, sec)) continue;
        int seen = 0; /* each section once, at its first entry */
        for (size_t j = 0; j < i && !seen; j++) seen = !strcmp(c->e[j].section, sec);
        if (!seen) st = read_one(c, sec, &v[k++], err);
    }
    pms_config_free(c);
    if (st) {
        free(v);
        return st;
    }
    *out = v;
    *n = k;
    return PMS_OK;
}
