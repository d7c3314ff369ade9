/* The savings model's input: a scenario file's model bound to a practice
 * table, the base built from it, the exclusions noted in the table with their
 * reasons, and the scenario file's SHA-256 noted for provenance.  One
 * function for the savings command and the report's savings section, which
 * had a copy each.
 * Ownership: pms_savings_input_open fills *in; pms_savings_input_free frees it. */
#ifndef PMS_SAVINGS_INPUT_H
#define PMS_SAVINGS_INPUT_H

#include "analysis/savings.h"
#include "base/status.h"
#include "io/scenario.h"
#include "io/table.h"

typedef struct {
    pms_sav_data d;            /* the bound columns (borrowed from the table) */
    pms_sav_base b;            /* the practices modelled */
    const char **loc_names;    /* name of each locality of b, or NULL (no _name column) */
    char sha256[65];           /* of the whole scenario file, hex */
} pms_savings_input;

/* Bind t to f's model, prepare the base and note in t (pms_table_note):
 *   PREFIX + KEY  "WHO: N practices excluded: REASON"   (each pms_sav_exclusions reason)
 *   scenarios     "WHO: scenarios from PATH (SHA-256 HEX)"
 * where who is e.g. "savings" and prefix "savings_".  A missing column or a
 * file that cannot be read again for its hash is an error (nothing is left
 * allocated). */
pms_status pms_savings_input_open(const pms_scenario_file *f, pms_table *t, const char *who,
                                  const char *prefix, pms_savings_input *in, pms_err *err);
void pms_savings_input_free(pms_savings_input *in);

#endif
