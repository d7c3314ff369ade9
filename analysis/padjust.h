/* Multiple-testing adjustment of p-values, as R's p.adjust.
 *
 * With m the number of p-values that are not missing (NaN entries are kept as
 * NaN and not counted, as R's p.adjust with its default n), p_(1) <= ... <=
 * p_(m) sorted ascending (ties keep their input order):
 *   Holm (1979):  p~_(i) = min(1, max_{j <= i} (m + 1 - j) p_(j))
 *   Benjamini & Hochberg (1995):  p~_(i) = min(1, min_{j >= i} m/j p_(j))
 *   Benjamini & Yekutieli (2001): the BH values times q = sum_{k=1..m} 1/k
 *     (inside the min, as R: min(1, min_{j >= i} q m/j p_(j))).
 * With m <= 1 the p-values are returned unchanged, as R does. */
#ifndef PMS_PADJUST_H
#define PMS_PADJUST_H

#include <stddef.h>

#include "base/status.h"

typedef enum { PMS_ADJ_NONE = 0, PMS_ADJ_HOLM, PMS_ADJ_BH, PMS_ADJ_BY } pms_adjust_method;

/* Adjust p[n] into out[n] (may not alias p; p is not modified).
 * Errors: PMS_EDOMAIN (a p-value outside [0, 1]; err names its position),
 * PMS_EUSAGE (unknown method), PMS_ENOMEM. */
pms_status pms_p_adjust(const double *p, size_t n, pms_adjust_method m, double *out,
                        pms_err *err);

/* "none", "holm", "bh", "by"; parse returns 0 on success. */
const char *pms_adjust_name(pms_adjust_method m);
int pms_adjust_parse(const char *s, pms_adjust_method *m);

#endif
