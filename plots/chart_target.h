/* The fair-shares chart (issue 18): distance from target, in % of target,
 * for every locality sorted from the furthest under to the furthest over
 * with one locality highlighted, and beside them that locality's practices,
 * sorted the same way.  Written as NAME.dat + NAME.gp (plots/gnuplot.h). */
#ifndef PMS_CHART_TARGET_H
#define PMS_CHART_TARGET_H

#include <stddef.h>

#include "plots/charts.h"

/* loc_pct[nloc] and prac_pct[nprac] are fractions (0.05 = 5% over target);
 * highlight[nloc] marks the locality (at most one is expected); loc_name
 * (data text, to the .dat file) names it in the key.  NaN values are left
 * out.  Inputs are not reordered. */
pms_status pms_chart_distance_from_target(const pms_chart_info *ci, const double *loc_pct,
                                          const unsigned char *highlight, size_t nloc,
                                          const double *prac_pct, size_t nprac,
                                          const char *loc_name, pms_err *err);

#endif
