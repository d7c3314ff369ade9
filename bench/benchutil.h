/* Shared by the benchmark programs: a monotonic clock and the median of the
 * runs (the mean of the middle two for an even count). */
#ifndef PMS_BENCHUTIL_H
#define PMS_BENCHUTIL_H

#include <stdlib.h>
#include <time.h>

static inline double pms_bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static inline int pms_bench_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Sorts t in place. */
static inline double pms_bench_median(double *t, int runs)
{
    qsort(t, (size_t)runs, sizeof *t, pms_bench_cmp);
    return runs % 2 ? t[runs / 2] : 0.5 * (t[runs / 2 - 1] + t[runs / 2]);
}

#endif
