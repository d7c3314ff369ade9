/* Which practices count: explicit, named rules that choose the practices for
 * the statistics, each exclusion counted with its reason.
 *
 * This is the one selection step that report sections and CLI commands call
 * (issue 16: columns -> complete cases -> groups starts here).  The savings
 * model does not use it: it models every contract, so money is never dropped.
 *
 * Rules, in the order a practice is tested (an excluded practice is counted
 * once, under the first rule it fails; `alone` counts each rule by itself):
 *   nonpositive    registered or weighted list, or total payments, missing or <= 0
 *   practice_type  "Practice type" other than GP practice (walk-in centres; 2016/17 on)
 *   atypical       any "Atypical characteristics" flag (part year, no patients,
 *                  large change in list size; 2016/17 on)
 *   part_year      opened after 1 April or closed before 31 March of the
 *                  financial year (open/close date columns), so paid for part of it
 *   min_list       fewer registered patients than the minimum (default 1,000)
 * A rule whose columns the file lacks is not applied, and says so. */
#ifndef PMS_SELECT_H
#define PMS_SELECT_H

#include <stddef.h>

#include "io/table.h"

typedef enum {
    PMS_SEL_NONPOSITIVE = 0,
    PMS_SEL_PRACTICE_TYPE,
    PMS_SEL_ATYPICAL,
    PMS_SEL_PART_YEAR,
    PMS_SEL_MIN_LIST,
    PMS_SEL_NRULES
} pms_sel_rule;

typedef struct {
    int on[PMS_SEL_NRULES];  /* 1 = apply the rule (all 1 by default) */
    double min_list;         /* registered patients needed; default 1000 */
    int year;                /* financial year by its first calendar year (2014 = 2014/15);
                                0 = the year holding the latest open date in the file */
} pms_select_opts;

typedef struct {
    size_t nrows, kept;
    size_t excluded[PMS_SEL_NRULES]; /* under the first rule failed */
    size_t alone[PMS_SEL_NRULES];    /* what each rule would remove by itself */
    int applied[PMS_SEL_NRULES];     /* 0: switched off, or the file lacks its columns */
    char reason[PMS_SEL_NRULES][240]; /* a sentence per rule, for provenance and Methods */
    int year, year_inferred;         /* the financial year used by part_year */
    unsigned char *keep;             /* nrows flags (1 = kept); owned, pms_select_result_free */
} pms_select_result;

void pms_select_opts_default(pms_select_opts *o);
/* All rules off: every practice kept (the savings model's view). */
void pms_select_opts_none(pms_select_opts *o);

/* Short name of a rule ("min_list"), as in config keys and notes. */
const char *pms_select_rule_name(pms_sel_rule r);

/* Evaluate the rules on t without changing it.  A date that is not dd/mm/yyyy
 * (or yyyy-mm-dd) is an input error naming file, line and column. */
pms_status pms_select_rows(const pms_table *t, const pms_select_opts *o,
                           pms_select_result *out, pms_err *err);

/* pms_select_rows, then keep only the selected rows of t and record one note
 * per applied rule ("rule_<name>", count, reason). out may be NULL. */
pms_status pms_select_apply(pms_table *t, const pms_select_opts *o, pms_select_result *out,
                            pms_err *err);

void pms_select_result_free(pms_select_result *r);

#endif
