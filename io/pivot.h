/* Fingertips long format (IndicatorID, Year/TimePeriod, AreaCode, ..., Value)
 * pivoted to one row per area and one column per indicator-year: imdYYYY for
 * indicator 93553, ind<ID>_<YEAR> (snake_case) otherwise.  Private to the
 * table loader (io/table.c); callers use pms_table_load. */
#ifndef PMS_PIVOT_H
#define PMS_PIVOT_H

#include "base/status.h"
#include "io/csv.h"
#include "io/table.h"

/* Fill the empty table t (its source already added) from the long file csv:
 * column 0 is practice_code (the area codes, upper-cased, in first-seen
 * order), then one numeric column per indicator-year.  ci_* are the 0-based
 * fields of the indicator, year, area and value.  The first value for an area
 * and year is kept and repeats are counted in a note.  Text stays in csv's
 * buffer, which the table owns.  Errors name path:line:column. */
pms_status pms_table_pivot_long(pms_table *t, pms_csv *csv, const char *path, int ci_ind,
                                int ci_year, int ci_area, int ci_val, pms_err *err);

#endif
