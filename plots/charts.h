/* The report's charts, built from plain arrays (so they depend on no
 * analysis module but regress.h), each written as NAME.dat + NAME.gp by
 * plots/gnuplot.h and rendered later with pms_gp_render.
 *
 * Every label that comes from data (practice, CCG, scenario or series names)
 * is written to the .dat file and read by gnuplot as a string column
 * (xtic(), ytic(), columnheader(), `with labels`); only the program's own
 * titles, which pass pms_gp_script_text, reach the script.  Inputs are const
 * and never reordered. */
#ifndef PMS_CHARTS_H
#define PMS_CHARTS_H

#include <stddef.h>
#include <stdint.h>

#include "analysis/theilsen.h"
#include "base/status.h"

/* What every chart has: where it goes and what it says. */
typedef struct {
    const char *dir;     /* folder for NAME.dat/.gp (and the rendered files) */
    const char *name;    /* file stem: a-z, 0-9, _ and - */
    const char *title;
    const char *xlabel;  /* with units, e.g. "IMD 2015 score (higher = more deprived)" */
    const char *ylabel;  /* e.g. "£ per weighted patient" */
    const char *source;  /* the source line under the chart */
} pms_chart_info;

/* Scatter of y on x with the Theil-Sen line (analysis/theilsen.h) in bold and
 * its slope interval (level ci_level) as a shaded fan pivoting on the line's
 * point at the median x, and the least-squares line dashed and labelled as
 * such (it follows the outliers the rank statistics ignore), points with highlight[i]
 * drawn in red on top and named `highlight_name` in the key (script-safe
 * copy).  Rows with a NaN are skipped.  The y axis is cut at 1.15 x the 99th
 * percentile so that a handful of tiny practices do not squash the rest; how
 * many points lie above is said on the chart.  Errors from pms_reg_fit and
 * pms_theilsen. */
pms_status pms_chart_scatter_fit(const pms_chart_info *ci, const double *x, const double *y,
                                 size_t n, const unsigned char *highlight,
                                 const char *highlight_name, double ci_level, pms_err *err);

/* The same with the Theil-Sen fit of exactly these points (the rows
 * without a NaN, in order, at ci_level) already computed: ts, not computed
 * again (NULL: computed here). */
pms_status pms_chart_scatter_fit_ts(const pms_chart_info *ci, const double *x, const double *y,
                                    size_t n, const unsigned char *highlight,
                                    const char *highlight_name, double ci_level,
                                    const pms_ts_result *ts, pms_err *err);

/* One curve of a line chart over numbers. */
typedef struct {
    const char *name;   /* data text: goes to the .dat file */
    const double *x, *y;
    size_t n;
    int y2;             /* 1: on the right-hand axis (pms_chart_curves only) */
} pms_chart_curve;

/* Lorenz curves: cumulative share of the population (x) against cumulative
 * share of the money (y), both 0..1, with the line of equality. */
pms_status pms_chart_lorenz(const pms_chart_info *ci, const pms_chart_curve *curves,
                            size_t ncurves, pms_err *err);

/* Lorenz curve of `amount` over `weight` (people): units sorted by
 * amount/weight ascending, from (0,0) to (1,1).  Rows with NaN or weight <= 0
 * are skipped.  *x and *y (n+1 values, *m of them) are freed by the caller. */
pms_status pms_chart_lorenz_points(const double *amount, const double *weight, size_t n,
                                   double **x, double **y, size_t *m, pms_err *err);

/* A line chart of several curves over numbers (e.g. the sweep trade-off:
 * savings and practices losing against the parameter).  Curves with y2 set
 * use a right-hand axis labelled y2label (program text, made script-safe;
 * NULL: none).  mark_x (NaN for none) draws a vertical marker at a chosen value. */
pms_status pms_chart_curves(const pms_chart_info *ci, const pms_chart_curve *curves,
                            size_t ncurves, const char *y2label, double mark_x, pms_err *err);

/* Funnel plot: indicator y against size x, the target line, control limits
 * on a grid (lim_x, m points; lo95/hi95 and lo998/hi998 may be NULL), points
 * outside flagged by outlier[i] != 0 as dark diamonds and, for the `nlabel`
 * most extreme of them (by |y - target|) within the range drawn, labelled
 * with labels[i] (data text, to the .dat file: practice names).  Points with
 * highlight[i] (may be NULL) are drawn on top as large triangles in the
 * highlight colour, named highlight_name in the key (data text: .dat index
 * 4).  The y range follows the limits (beyond 2% of the largest size), and
 * points outside it are counted on the chart. */
pms_status pms_chart_funnel(const pms_chart_info *ci, const double *x, const double *y,
                            size_t n, const unsigned char *outlier, const char *const *labels,
                            size_t nlabel, const unsigned char *highlight,
                            const char *highlight_name, double target, const double *lim_x,
                            const double *lo95, const double *hi95, const double *lo998,
                            const double *hi998, size_t m, pms_err *err);

/* Categories (e.g. years) by series (e.g. scenarios or contract types):
 * values[s * ncat + c].  Names of both are data text.  as_lines: lines with
 * points (trend); else clustered columns (savings by year). */
pms_status pms_chart_categories(const pms_chart_info *ci, const char *const *categories,
                                size_t ncat, const char *const *series, size_t nseries,
                                const double *values, int as_lines, pms_err *err);

/* Horizontal bars, one per label (data text), in the order given, top to
 * bottom; highlight[i] in red.  ref (NaN for none) draws a reference line
 * (e.g. the national figure) named ref_name (script-safe copy). */
pms_status pms_chart_hbars(const pms_chart_info *ci, const char *const *labels,
                           const double *values, const unsigned char *highlight, size_t n,
                           double ref, const char *ref_name, pms_err *err);

/* Forest plot: one row per unit (e.g. CCG), its estimate est[i] with the
 * interval lo[i]..hi[i], sorted by the estimate (lowest at the bottom), a
 * vertical line at ref (NaN: none) named ref_name (script-safe copy) and a
 * dashed line at zero.  Units with highlight[i] are drawn larger, in the
 * highlight colour with a different point shape, and labelled with
 * labels[i] (data text); the others are not named (two hundred names would
 * be unreadable).  Rows with a NaN are skipped.  .dat: index 0 all units
 * (position, est, lo, hi, highlight, label), index 1 the highlighted ones
 * (header row naming the first), index 2 their labels. */
pms_status pms_chart_forest(const pms_chart_info *ci, const char *const *labels,
                            const double *est, const double *lo, const double *hi,
                            const unsigned char *highlight, size_t n, double ref,
                            const char *ref_name, pms_err *err);

/* Waterfall per group (e.g. scenario): premium released, less reinvested,
 * leaves the net saving, each a bar (released from 0 up; reinvested hanging
 * from the top of released down to net; net from 0 up to net).  Money in
 * integer pence; drawn in units of `unit_pence` (100000 for \u00a3k, 1e8 for
 * \u00a3m) with each bar's value printed on it.  The .dat row per group:
 * label, released, reinvested, net (in the unit), then the three in pence
 * (exact integers, so released = reinvested + net can be checked). */
pms_status pms_chart_waterfall(const pms_chart_info *ci, const char *const *labels,
                               const int64_t *released, const int64_t *reinvested,
                               const int64_t *net, size_t n, double unit_pence, pms_err *err);

/* Histograms, one outline per series (values[s][0..counts[s]-1], NaN
 * skipped), in bins of width `bin` over [lo, hi]; values beyond the range
 * are counted in the end bins and the chart says how many.  Each series has
 * its own colour, dash type and point shape.  Vertical marker lines at
 * marks[0..nmarks-1] (e.g. -5 and -10), each labelled with its value and
 * `mark_unit` (program text).  .dat: a block per series, a header row naming
 * it, then (bin centre, count) rows. */
pms_status pms_chart_histograms(const pms_chart_info *ci, const char *const *series,
                                const double *const *values, const size_t *counts,
                                size_t nseries, double bin, double lo, double hi,
                                const double *marks, size_t nmarks, const char *mark_unit,
                                pms_err *err);

/* Points each labelled with labels[i] (data text), e.g. a locality's
 * practices by name, with a horizontal reference line at ref (NaN: none)
 * named ref_name (script-safe copy).  Rows with a NaN are skipped.  .dat:
 * x, y, label per row. */
pms_status pms_chart_labelled_points(const pms_chart_info *ci, const double *x, const double *y,
                                     const char *const *labels, size_t n, double ref,
                                     const char *ref_name, const char *points_name, pms_err *err);

/* Gini coefficient of a Lorenz curve (x, y from 0,0 to 1,1): 1 - sum of
 * (x_i - x_{i-1}) (y_i + y_{i-1}) (trapezoids; exact for the polyline). */
double pms_chart_lorenz_gini(const double *x, const double *y, size_t m);

#endif
