/* Stable sorting of indices by a double value, for the statistics that need
 * their units in order (ranks, the Gini and concentration walks, the
 * savings model's Gini at every scenario and option).
 *
 * A least-significant-digit radix sort on the IEEE bits mapped to an
 * unsigned order (negative numbers complemented, -0 taken as +0 so that
 * equal values get equal keys), 8 bits a pass, skipping passes where every
 * key has the same byte.  Several times faster than qsort with a comparator
 * at the report's n ~ 8,000, and stable: ties keep the order they came in,
 * so sorting by y and then by x gives (x, y) order, and the result is the
 * one a stable comparison sort (glibc's qsort, a merge sort) gives.
 * NaN sorts after +infinity (or, with its sign bit set, before -infinity);
 * callers that need a defined place for NaN leave it out first. */
#ifndef PMS_ANALYSIS_SORT_H
#define PMS_ANALYSIS_SORT_H

#include <stddef.h>
#include <stdint.h>

#include "base/status.h"

/* ord[0..n) on entry: the order to refine; on exit stably sorted by
 * v[ord[.]], ascending.  PMS_ENOMEM (ord unchanged) if scratch cannot be had. */
pms_status pms_sort_order(const double *v, size_t n, size_t *ord);

/* ord[j] = j, then pms_sort_order. */
pms_status pms_sort_index(const double *v, size_t n, size_t *ord);

/* v[0..n) itself sorted, ascending, stably: the array a stable comparison
 * sort with (x > y) - (x < y) gives (-0 and +0 tied, in the order given)
 * when v holds no NaN.  PMS_ENOMEM (v unchanged) without scratch. */
pms_status pms_sort_values(double *v, size_t n);

/* ord[0..n) on entry: the order to refine; on exit stably sorted by the
 * unsigned integer key[ord[.]], ascending (for keys that are not doubles:
 * text packed into 8 bytes, io/cases.c).  PMS_ENOMEM (ord unchanged). */
pms_status pms_sort_u64(const uint64_t *key, size_t n, size_t *ord);

/* A value and the unit it belongs to. */
typedef struct {
    double key;
    size_t idx;
} pms_sort_key;

/* k[0..n) stably sorted by key, ascending (so by (key, idx) when idx
 * ascends on entry).  PMS_ENOMEM (k unchanged) without scratch. */
pms_status pms_sort_keys(pms_sort_key *k, size_t n);

#endif
