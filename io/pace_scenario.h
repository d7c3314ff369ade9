/* Pace-of-change scenarios (analysis/pace.h) from an INI file.  The savings
 * scenario file may hold them: a section with `method = pace` is a pace
 * scenario; sections with another method, [model] and [global_sum] belong to
 * io/scenario.c and are skipped here.  Keys of a pace section: method,
 * description, years, pace_pct, max_loss_pct, max_gain_pct, growth_pct
 * (percentages; defaults as pms_pace_scenario_default).  Errors name
 * FILE:LINE. */
#ifndef PMS_PACE_SCENARIO_H
#define PMS_PACE_SCENARIO_H

#include <stddef.h>

#include "analysis/pace.h"
#include "base/status.h"

/* *out is malloc'd (free() it; NULL when *n is 0). */
pms_status pms_pace_load(const char *path, pms_pace_scenario **out, size_t *n, pms_err *err);

#endif
