#include "io/savings_input.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pms_status note_exclusions(pms_table *t, const pms_sav_base *b, const char *who,
                                  const char *prefix)
{
    pms_sav_exclusion ex[PMS_SAV_NEXCLUSIONS];
    pms_sav_exclusions(b, ex);
    for (size_t i = 0; i < PMS_SAV_NEXCLUSIONS; i++)
        if (ex[i].n) {
            char what[96];
            snprintf(what, sizeof what, "%s%s", prefix, ex[i].key);
            if (pms_table_note(t, what, ex[i].n, "%s: %zu practices excluded: %s", who, ex[i].n,
                               ex[i].why))
                return PMS_ENOMEM;
        }
    return PMS_OK;
}

pms_status pms_savings_input_open(const pms_scenario_file *f, pms_table *t, const char *who,
                                  const char *prefix, pms_savings_input *in, pms_err *err)
{
    memset(in, 0, sizeof *in);
    const char *const *codes;
    pms_status st;
    if ((st = pms_scenario_bind(f, t, &in->d, err)) ||
        (st = pms_table_text(t, "practice_code", &codes, err)) ||
        (st = pms_sav_prepare(&in->d, &f->settings, &in->b, err)))
        goto fail;
    if ((st = pms_scenario_sha256(f, in->sha256, err)) ||
        (st = pms_scenario_locality_names(f, t, &in->b, &in->loc_names, err)))
        goto fail;
    if (note_exclusions(t, &in->b, who, prefix) ||
        pms_table_note(t, "scenarios", f->n, "%s: scenarios from %s (SHA-256 %s)", who, f->path,
                       in->sha256) ||
        (f->npace && pms_table_note(t, "pace_scenarios", f->npace,
                                    "%s: %zu pace-of-change scenarios of %s (method = pace) left "
                                    "to the fair-shares pace model", who, f->npace, f->path))) {
        st = pms_err_set(err, PMS_ENOMEM, "out of memory");
        goto fail;
    }
    return PMS_OK;
fail:
    pms_savings_input_free(in);
    return st;
}

void pms_savings_input_free(pms_savings_input *in)
{
    if (!in) return;
    pms_sav_base_free(&in->b);
    free(in->loc_names);
    memset(in, 0, sizeof *in);
}
