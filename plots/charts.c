#include "plots/charts.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "analysis/regress.h"
#include "analysis/sort.h"
#include "analysis/theilsen.h"
#include "plots/gnuplot.h"

static pms_status open_chart(const pms_chart_info *ci, pms_gp_chart **c, pms_err *err)
{
    pms_status st = pms_gp_chart_new(ci->dir, ci->name, ci->title, ci->xlabel, ci->ylabel, c, err);
    if (!st && ci->source) pms_gp_set_source(*c, ci->source);
    return st;
}

/* The p-quantile (type 7) of v[0..n-1], sorted. */
static double quantile(const double *v, size_t n, double p)
{
    double h = (double)(n - 1) * p;
    size_t lo = (size_t)floor(h);
    size_t hi = lo + 1 < n ? lo + 1 : lo;
    return v[lo] + (h - (double)lo) * (v[hi] - v[lo]);
}

/* The scatter chart's data: index 0 the other practices, 1 the highlighted
 * ones, 2 the fits and band on a grid from xmin to xmax. */
static void scatter_data(pms_gp_chart *c, const double *xs, const double *ys,
                         const unsigned char *hs, size_t m, const char *highlight_name,
                         const pms_reg_result *fit, const pms_ts_result *ts, double xmed,
                         double xmin, double xmax)
{
    for (size_t i = 0; i < m; i++)
        if (!hs[i]) {
            pms_gp_num(c, xs[i]);
            pms_gp_num(c, ys[i]);
            pms_gp_row_end(c);
        }
    pms_gp_block_end(c);
    /* The highlighted group's name is data text: a header row read by columnheader. */
    pms_gp_text(c, "x");
    pms_gp_text(c, highlight_name ? highlight_name : "Highlighted");
    pms_gp_row_end(c);
    for (size_t i = 0; i < m; i++)
        if (hs[i]) {
            pms_gp_num(c, xs[i]);
            pms_gp_num(c, ys[i]);
            pms_gp_row_end(c);
        }
    pms_gp_block_end(c);
    /* Grid: x, least squares, Theil-Sen, and the Theil-Sen slope interval as a
     * fan through the line's point at the median x (where the slopes pivot). */
    double ymed = ts->intercept + ts->slope * xmed;
    int have_band = !isnan(ts->slope_low) && !isnan(ts->slope_high);
    const int grid = 101;
    for (int g = 0; g < grid; g++) {
        double x0 = xmin + (xmax - xmin) * g / (grid - 1);
        double a = ymed + (have_band ? ts->slope_low : ts->slope) * (x0 - xmed),
               b = ymed + (have_band ? ts->slope_high : ts->slope) * (x0 - xmed);
        pms_gp_num(c, x0);
        pms_gp_num(c, fit->coef[0] + fit->coef[1] * x0);
        pms_gp_num(c, ts->intercept + ts->slope * x0);
        pms_gp_num(c, a < b ? a : b);
        pms_gp_num(c, a < b ? b : a);
        pms_gp_row_end(c);
    }
    pms_gp_block_end(c);
}

pms_status pms_chart_scatter_fit(const pms_chart_info *ci, const double *x, const double *y,
                                 size_t n, const unsigned char *highlight,
                                 const char *highlight_name, double ci_level, pms_err *err)
{
    return pms_chart_scatter_fit_ts(ci, x, y, n, highlight, highlight_name, ci_level, NULL, err);
}

pms_status pms_chart_scatter_fit_ts(const pms_chart_info *ci, const double *x, const double *y,
                                    size_t n, const unsigned char *highlight,
                                    const char *highlight_name, double ci_level,
                                    const pms_ts_result *given, pms_err *err)
{
    double *xs = malloc((n ? n : 1) * sizeof *xs), *ys = malloc((n ? n : 1) * sizeof *ys),
           *tmp = malloc((n ? n : 1) * sizeof *tmp);
    unsigned char *hs = malloc(n ? n : 1);
    if (!xs || !ys || !tmp || !hs) {
        free(xs), free(ys), free(tmp), free(hs);
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    size_t m = 0, nh = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(x[i]) || isnan(y[i])) continue;
        xs[m] = x[i];
        ys[m] = y[i];
        hs[m] = highlight && highlight[i];
        nh += hs[m];
        m++;
    }
    pms_reg_opts o;
    pms_reg_opts_default(&o);
    o.ci_level = ci_level;
    pms_reg_result fit;
    memset(&fit, 0, sizeof fit);
    pms_status st = pms_reg_fit(xs, m, 1, ys, NULL, &o, &fit, err);
    /* The robust line is the one drawn bold: a few tiny practices paid
     * thousands per patient can turn the least-squares slope around, so that
     * it rises while the rank correlation is negative. */
    pms_ts_result ts;
    if (!st && given) ts = *given;
    else if (!st) st = pms_theilsen(xs, ys, m, ci_level, &ts, err);
    /* The y axis from the 1% and 99% points, the grid split at x's median. */
    double p99 = 0, p01 = 0, xmed = 0;
    if (!st) {
        memcpy(tmp, ys, m * sizeof *tmp);
        if (pms_sort_values(tmp, m)) st = pms_err_set(err, PMS_ENOMEM, "out of memory");
        else p99 = quantile(tmp, m, 0.99), p01 = quantile(tmp, m, 0.01);
    }
    if (!st) {
        memcpy(tmp, xs, m * sizeof *tmp);
        if (pms_sort_values(tmp, m)) st = pms_err_set(err, PMS_ENOMEM, "out of memory");
        else xmed = quantile(tmp, m, 0.5);
    }
    pms_gp_chart *c = NULL;
    if (!st) st = open_chart(ci, &c, err);
    if (st) {
        if (c == NULL && fit.coef) pms_reg_result_free(&fit);
        free(xs), free(ys), free(tmp), free(hs);
        return st;
    }
    double xmin = INFINITY, xmax = -INFINITY;
    for (size_t i = 0; i < m; i++) {
        if (xs[i] < xmin) xmin = xs[i];
        if (xs[i] > xmax) xmax = xs[i];
    }
    double ytop = p99 + 0.15 * (p99 > 0 ? p99 : -p99);
    double ybot = p01 >= 0 ? 0 : p01 - 0.15 * (ytop - p01);
    size_t above = 0;
    for (size_t i = 0; i < m; i++) above += ys[i] > ytop || ys[i] < ybot;

    scatter_data(c, xs, ys, hs, m, highlight_name, &fit, &ts, xmed, xmin, xmax);

    pms_gp_cmd(c, "set yrange [%g:%g]", ybot, ytop);
    pms_gp_cmd(c, "set xrange [%g:%g]", floor(xmin), ceil(xmax));
    pms_gp_cmd(c, "set key top right box lc rgb '#D8DDE0' opaque");
    /* Notes go between the title and the plot, clear of the points. */
    /* Two short notes side by side above the plot (longer ones overlap). */
    pms_gp_cmd(c, "set label 1002 'Theil-Sen slope %.3g (%.0f%%: %.3g to %.3g), least squares "
                  "%.3g, n = %zu' at graph 0, graph 1.035 left font ',9' textcolor rgb '"
                  PMS_GP_DARK_BLUE "'",
               ts.slope, 100 * ci_level, ts.slope_low, ts.slope_high, fit.coef[1], m);
    if (above)
        pms_gp_cmd(c, "set label 1001 '%zu practices outside %.0f to %.0f not shown (in the "
                      "fit)' at graph 0.99, graph 0.04 right front font ',9' textcolor rgb '"
                      PMS_GP_GREY "'",
                   above, ybot, ytop);
    pms_gp_cmd(c, "plot DATA index 2 using 1:4:5 with filledcurves fc rgb '" PMS_GP_LIGHT_BLUE
                  "' fs transparent solid 0.35 noborder title 'Theil-Sen slope, %.0f%% interval', \\",
               100 * ci_level);
    /* Squares (pt 5): a cairo circle is four Bezier arcs, and with ~7,800
     * points it was half of the report's rendering time; at this size the
     * shape cannot be told apart. */
    pms_gp_cmd(c, "     DATA index 0 using 1:2 with points pt 5 ps 0.4 lc rgb '#990072B2' "
                  "title 'Practices in England', \\");
    pms_gp_cmd(c, "     DATA index 2 using 1:3 with lines lw 2.5 lc rgb '" PMS_GP_DARK_BLUE
                  "' title 'Theil-Sen line (robust)', \\");
    pms_gp_cmd(c, "     DATA index 2 using 1:2 with lines lw 1.5 dt 2 lc rgb '" PMS_GP_GREY
                  "' title 'Least-squares line (pulled by outliers)'%s",
               nh ? ", \\" : "");
    if (nh)
        pms_gp_cmd(c, "     DATA index 1 using 1:2 with points pt 9 ps 1.1 lc rgb '" PMS_GP_RED
                      "' title columnheader(2)");
    pms_reg_result_free(&fit);
    free(xs), free(ys), free(tmp), free(hs);
    return pms_gp_chart_finish(c, err);
}

typedef struct {
    double r, a, w;
} lz;

static int cmp_lz(const void *a, const void *b)
{
    const lz *x = a, *y = b;
    return (x->r > y->r) - (x->r < y->r);
}

/* v[0..k) stably by ratio, as glibc's qsort (a merge sort) with cmp_lz
 * sorts it, by the radix sort of analysis/sort.h: -0 and +0 tie in both.
 * A NaN ratio (an infinite amount over an infinite weight), which cmp_lz
 * finds equal to everything, keeps the comparison sort, whose order the
 * radix sort cannot reproduce. */
static pms_status sort_lz(lz *v, size_t k)
{
    double *r = malloc(k * sizeof *r);
    size_t *ord = malloc(k * sizeof *ord);
    lz *t = malloc(k * sizeof *t);
    pms_status st = r && ord && t ? PMS_OK : PMS_ENOMEM;
    int nan = 0;
    for (size_t i = 0; i < k && !st; i++) r[i] = v[i].r, nan |= isnan(v[i].r);
    if (!st && nan) qsort(v, k, sizeof *v, cmp_lz);
    else if (!st && !(st = pms_sort_index(r, k, ord))) {
        for (size_t i = 0; i < k; i++) t[i] = v[ord[i]];
        memcpy(v, t, k * sizeof *v);
    }
    free(r), free(ord), free(t);
    return st;
}

pms_status pms_chart_lorenz_points(const double *amount, const double *weight, size_t n,
                                   double **x, double **y, size_t *m, pms_err *err)
{
    *x = *y = NULL;
    *m = 0;
    lz *v = malloc((n ? n : 1) * sizeof *v);
    if (!v) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    size_t k = 0;
    double sa = 0, sw = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(amount[i]) || isnan(weight[i]) || weight[i] <= 0) continue;
        v[k].a = amount[i];
        v[k].w = weight[i];
        v[k].r = amount[i] / weight[i];
        sa += amount[i];
        sw += weight[i];
        k++;
    }
    if (k < 2 || sa <= 0) {
        free(v);
        return pms_err_set(err, PMS_ETOOFEW, "a Lorenz curve needs at least 2 units with "
                                             "positive totals");
    }
    if (sort_lz(v, k)) {
        free(v);
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    double *px = malloc((k + 1) * sizeof *px), *py = malloc((k + 1) * sizeof *py);
    if (!px || !py) {
        free(px), free(py), free(v);
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    px[0] = py[0] = 0;
    double ca = 0, cw = 0;
    for (size_t i = 0; i < k; i++) {
        ca += v[i].a;
        cw += v[i].w;
        px[i + 1] = cw / sw;
        py[i + 1] = ca / sa;
    }
    free(v);
    *x = px;
    *y = py;
    *m = k + 1;
    return PMS_OK;
}

static const char *const series_colour[] = {PMS_GP_BLUE,  PMS_GP_YELLOW, PMS_GP_LIGHT_BLUE,
                                            PMS_GP_GREEN, PMS_GP_PURPLE, PMS_GP_RED};
#define NCOLOUR (sizeof series_colour / sizeof *series_colour)

/* Curves as blocks: each block starts with a header row naming the series
 * (read by columnheader), then x, y rows.  A curve of more than 2000 points
 * is thinned evenly: the picture cannot show more, and the files stay small. */
static void write_curves(pms_gp_chart *c, const pms_chart_curve *curves, size_t n, int gini)
{
    for (size_t s = 0; s < n; s++) {
        pms_gp_text(c, "x");
        if (gini) {
            /* Lorenz curves that look alike are told apart by their Gini. */
            char name[400];
            snprintf(name, sizeof name, "%.300s (Gini %.3f)", curves[s].name ? curves[s].name : "",
                     pms_chart_lorenz_gini(curves[s].x, curves[s].y, curves[s].n));
            pms_gp_text(c, name);
        } else {
            pms_gp_text(c, curves[s].name);
        }
        pms_gp_row_end(c);
        size_t step = curves[s].n > 2000 ? curves[s].n / 2000 : 1;
        for (size_t i = 0; i < curves[s].n; i++) {
            if (i % step && i + 1 != curves[s].n) continue;
            pms_gp_num(c, curves[s].x[i]);
            pms_gp_num(c, curves[s].y[i]);
            pms_gp_row_end(c);
        }
        pms_gp_block_end(c);
    }
}

pms_status pms_chart_lorenz(const pms_chart_info *ci, const pms_chart_curve *curves,
                            size_t ncurves, pms_err *err)
{
    if (!ncurves) return pms_err_set(err, PMS_ETOOFEW, "no Lorenz curve to draw");
    pms_gp_chart *c;
    pms_status st = open_chart(ci, &c, err);
    if (st) return st;
    write_curves(c, curves, ncurves, 1);
    /* Shares are stored as fractions and drawn as percentages. */
    pms_gp_cmd(c, "set xrange [0:100]\nset yrange [0:100]\nset size ratio -1");
    pms_gp_cmd(c, "set format x '%%.0f%%%%'\nset format y '%%.0f%%%%'\nset xtics 20\nset ytics 20");
    pms_gp_cmd(c, "set key outside right center box lc rgb '#D8DDE0' font ',9'");
    pms_gp_cmd(c, "plot x with lines lw 1.5 dt 2 lc rgb '" PMS_GP_GREY "' title 'Equality', \\");
    for (size_t s = 0; s < ncurves; s++)
        pms_gp_cmd(c, "     DATA index %zu using ($1*100):($2*100) with lines lw %s dt %zu lc rgb '%s' "
                      "title columnheader(2)%s",
                   s, s == 0 ? "3" : "2", s % 5 + 1, series_colour[s % NCOLOUR],
                   s + 1 < ncurves ? ", \\" : "");
    return pms_gp_chart_finish(c, err);
}

pms_status pms_chart_curves(const pms_chart_info *ci, const pms_chart_curve *curves,
                            size_t ncurves, const char *y2label, double mark_x, pms_err *err)
{
    if (!ncurves) return pms_err_set(err, PMS_ETOOFEW, "no curve to draw");
    pms_gp_chart *c;
    pms_status st = open_chart(ci, &c, err);
    if (st) return st;
    write_curves(c, curves, ncurves, 0);
    pms_gp_cmd(c, "set key top right box lc rgb '#D8DDE0' opaque");
    pms_gp_cmd(c, "set format y \"%%'.0f\"");
    int any_y2 = 0;
    for (size_t s = 0; s < ncurves; s++) any_y2 |= curves[s].y2;
    if (any_y2) {
        char lab[256];
        pms_gp_script_text(y2label ? y2label : "", lab, sizeof lab);
        pms_gp_cmd(c, "set border 11 lc rgb '#425563' lw 0.5");
        pms_gp_cmd(c, "set ytics nomirror");
        pms_gp_cmd(c, "set y2tics nomirror textcolor rgb '#425563'");
        pms_gp_cmd(c, "set format y2 \"%%'.0f\"");
        pms_gp_cmd(c, "set y2range [0:*]");
        pms_gp_cmd(c, "set yrange [0:*]");   /* two scales: both from zero, or the eye compares slopes */
        pms_gp_cmd(c, "set y2label '%s' textcolor rgb '#231F20'", lab);
    }
    /* Room either side, so that a marker at the first x does not sit on the y axis. */
    pms_gp_cmd(c, "set offsets graph 0.04, graph 0.04, 0, 0");
    if (!isnan(mark_x))
        pms_gp_cmd(c, "set arrow 1 from %.10g, graph 0 to %.10g, graph 1 nohead dt 2 lw 1.5 "
                      "lc rgb '" PMS_GP_RED "'",
                   mark_x, mark_x);
    for (size_t s = 0; s < ncurves; s++)
        pms_gp_cmd(c, "%s DATA index %zu using 1:2 axes %s with linespoints pt %d ps 0.9 lw 2 "
                      "dt %zu lc rgb '%s' title columnheader(2)%s",
                   s == 0 ? "plot" : "    ", s, curves[s].y2 ? "x1y2" : "x1y1", s % 2 ? 5 : 7,
                   s % 5 + 1,
                   series_colour[s % NCOLOUR], s + 1 < ncurves || !isnan(mark_x) ? ", \\" : "");
    if (!isnan(mark_x))
        pms_gp_cmd(c, "     NaN with lines dt 2 lw 1.5 lc rgb '" PMS_GP_RED "' title 'As in the "
                      "scenario file'");
    return pms_gp_chart_finish(c, err);
}

typedef struct {
    double score;
    size_t i;
} rank;

static int cmp_rank_desc(const void *a, const void *b)
{
    const rank *x = a, *y = b;
    return (x->score < y->score) - (x->score > y->score);
}

/* The funnel's limits block (index 2: x, 95% low and high, 99.8% low and
 * high); the y range follows the limits, not the most extreme practice. */
static void funnel_limits(pms_gp_chart *c, const double *lim_x, const double *lo95,
                          const double *hi95, const double *lo998, const double *hi998,
                          size_t m, double xmax, double *ymin, double *ymax)
{
    for (size_t k = 0; k < m; k++) {
        pms_gp_num(c, lim_x[k]);
        double v[4] = {lo95 ? lo95[k] : NAN, hi95 ? hi95[k] : NAN, lo998 ? lo998[k] : NAN,
                       hi998 ? hi998[k] : NAN};
        for (int j = 0; j < 4; j++) {
            pms_gp_num(c, v[j]);
            if (!isnan(v[j]) && lim_x[k] >= 0.02 * xmax) {
                if (v[j] < *ymin) *ymin = v[j];
                if (v[j] > *ymax) *ymax = v[j];
            }
        }
        pms_gp_row_end(c);
    }
    pms_gp_block_end(c);
}

/* Limits of tiny practices reach far below zero; the axis need not
 * follow them below the lowest 0.5% of the data: *ylo raised to there.
 * PMS_ENOMEM without memory. */
static pms_status funnel_floor(const double *x, const double *y, size_t n, double span,
                               double *ylo)
{
    double *tmp = malloc((n ? n : 1) * sizeof *tmp);
    size_t k = 0;
    if (!tmp) return PMS_ENOMEM;
    for (size_t i = 0; i < n; i++)
        if (!isnan(y[i]) && !isnan(x[i])) tmp[k++] = y[i];
    pms_status st = pms_sort_values(tmp, k);
    if (!st && k) {
        double low = quantile(tmp, k, 0.005);
        double floor_ = low >= 0 ? 0 : low - 0.1 * span;
        if (*ylo < floor_) *ylo = floor_;
    }
    free(tmp);
    return st;
}

/* The labels block (index 3): the most extreme outliers first (r, nr),
 * at most nlabel; returns how many were labelled. */
static size_t funnel_labels(pms_gp_chart *c, const rank *r, size_t nr, const double *x,
                            const double *y, const char *const *labels, size_t nlabel,
                            double xmax, double ylo, double yhi)
{
    size_t nlab = 0;
    double lx[64], ly[64];
    for (size_t k = 0; k < nr && nlab < nlabel && nlab < 64; k++) {
        size_t i = r[k].i;
        /* Only points on the chart can carry a label, and none so close to
         * one already labelled that the two names would overlap. */
        if (y[i] < ylo || y[i] > yhi) continue;
        double px = x[i] / (xmax * 1.02), py = (y[i] - ylo) / (yhi - ylo);
        int crowded = 0;
        for (size_t j = 0; j < nlab; j++)
            if (fabs(px - lx[j]) < 0.2 && fabs(py - ly[j]) < 0.05) crowded = 1; /* names, not codes */
        if (crowded) continue;
        lx[nlab] = px;
        ly[nlab] = py;
        pms_gp_num(c, x[i]);
        pms_gp_num(c, y[i]);
        pms_gp_text(c, labels ? labels[i] : "");
        pms_gp_row_end(c);
        nlab++;
    }
    pms_gp_block_end(c);
    return nlab;
}

/* A block of the highlighted points, headed by a row naming them (read by
 * columnheader); returns how many there were. */
static size_t highlight_block(pms_gp_chart *c, const double *x, const double *y, size_t n,
                              const unsigned char *highlight, const char *highlight_name)
{
    size_t nhl = 0;
    for (size_t i = 0; i < n && highlight; i++) {
        if (!highlight[i] || isnan(x[i]) || isnan(y[i])) continue;
        if (!nhl++) {
            pms_gp_text(c, "x");
            pms_gp_text(c, highlight_name ? highlight_name : "Highlighted");
            pms_gp_row_end(c);
        }
        pms_gp_num(c, x[i]);
        pms_gp_num(c, y[i]);
        pms_gp_row_end(c);
    }
    pms_gp_block_end(c);
    return nhl;
}

pms_status pms_chart_funnel(const pms_chart_info *ci, const double *x, const double *y,
                            size_t n, const unsigned char *outlier, const char *const *labels,
                            size_t nlabel, const unsigned char *highlight,
                            const char *highlight_name, double target, const double *lim_x,
                            const double *lo95, const double *hi95, const double *lo998,
                            const double *hi998, size_t m, pms_err *err)
{
    rank *r = malloc((n ? n : 1) * sizeof *r);
    if (!r) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    pms_gp_chart *c;
    pms_status st = open_chart(ci, &c, err);
    if (st) {
        free(r);
        return st;
    }
    double ymin = INFINITY, ymax = -INFINITY, xmax = 0;
    size_t nin = 0, nout = 0, nr = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(x[i]) || isnan(y[i])) continue;
        if (x[i] > xmax) xmax = x[i];
        if (outlier && outlier[i]) nout++;
        else nin++;
    }
    /* index 0: within limits; 1: outliers; 2: limits; 3: labels. */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < n; i++) {
            if (isnan(x[i]) || isnan(y[i])) continue;
            int out = outlier && outlier[i];
            if (out != pass) continue;
            pms_gp_num(c, x[i]);
            pms_gp_num(c, y[i]);
            pms_gp_row_end(c);
        }
        pms_gp_block_end(c);
    }
    funnel_limits(c, lim_x, lo95, hi95, lo998, hi998, m, xmax, &ymin, &ymax);
    for (size_t i = 0; i < n && outlier; i++) {
        if (!outlier[i] || isnan(x[i]) || isnan(y[i])) continue;
        r[nr].score = fabs(y[i] - target);
        r[nr].i = i;
        nr++;
    }
    qsort(r, nr, sizeof *r, cmp_rank_desc);
    if (!isfinite(ymin)) ymin = target * 0.5, ymax = target * 1.5;
    double span = ymax - ymin;
    double ylo = ymin - 0.35 * span, yhi = ymax + 0.35 * span;
    if (funnel_floor(x, y, n, span, &ylo)) {
        pms_gp_chart_discard(c);
        free(r);
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    size_t nlab = funnel_labels(c, r, nr, x, y, labels, nlabel, xmax, ylo, yhi);
    /* index 4: the highlighted practices, a header row naming them. */
    size_t nhl = highlight_block(c, x, y, n, highlight, highlight_name);
    size_t off = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(y[i]) && !isnan(x[i]) && (y[i] < ylo || y[i] > yhi)) off++;
    pms_gp_cmd(c, "set yrange [%g:%g]\nset xrange [0:%g]", ylo, yhi, xmax * 1.02);
    pms_gp_cmd(c, "set format x \"%%'.0f\"");
    pms_gp_cmd(c, "set key top right box lc rgb '#D8DDE0' opaque");
    /* Bottom right, where the funnel is narrowest and empty: above the plot
     * it ran into the label of a practice near the top of the range. */
    if (off)
        pms_gp_cmd(c, "set label 1001 '%zu practice%s outside the range shown.' at graph 0.99, "
                      "graph 0.04 right front font ',9' textcolor rgb '" PMS_GP_GREY "'",
                   off, off == 1 ? "" : "s");
    pms_gp_cmd(c, "plot %g with lines lw 2 lc rgb '" PMS_GP_DARK_BLUE "' title 'National "
                  "figure', \\", target);
    if (lo998)
        pms_gp_cmd(c, "     DATA index 2 using 1:4 with lines lw 1.5 dt 2 lc rgb '" PMS_GP_GREY
                      "' title '99.8%% limits', DATA index 2 using 1:5 with lines lw 1.5 dt 2 "
                      "lc rgb '" PMS_GP_GREY "' notitle, \\");
    if (lo95)
        pms_gp_cmd(c, "     DATA index 2 using 1:2 with lines lw 1.5 dt 3 lc rgb '" PMS_GP_LIGHT_BLUE
                      "' title '95%% limits', DATA index 2 using 1:3 with lines lw 1.5 dt 3 "
                      "lc rgb '" PMS_GP_LIGHT_BLUE "' notitle, \\");
    int more = nout > 0 || nlab > 0 || nhl > 0;
    if (nin)
        /* Squares for the point cloud: see the scatter chart. */
        pms_gp_cmd(c, "     DATA index 0 using 1:2 with points pt 5 ps 0.4 lc rgb '#990072B2' "
                      "title 'Within limits'%s",
                   more ? ", \\" : "");
    if (nout)
        pms_gp_cmd(c, "     DATA index 1 using 1:2 with points pt 13 ps 0.9 lc rgb '#000000' "
                      "title 'Outside 99.8%% limits'%s",
                   nlab || nhl ? ", \\" : "");
    if (nlab)
        pms_gp_cmd(c, "     DATA index 3 using 1:2:3 with labels left offset 0.6,0.3 font ',8' "
                      "textcolor rgb '#231F20' notitle%s",
                   nhl ? ", \\" : "");
    if (nhl)
        pms_gp_cmd(c, "     DATA index 4 using 1:2 with points pt 9 ps 1.4 lc rgb '" PMS_GP_RED
                      "' title columnheader(2)");
    if (!nin && !nout && !nlab && !nhl) pms_gp_cmd(c, "     NaN notitle");
    free(r);
    return pms_gp_chart_finish(c, err);
}

pms_status pms_chart_categories(const pms_chart_info *ci, const char *const *categories,
                                size_t ncat, const char *const *series, size_t nseries,
                                const double *values, int as_lines, pms_err *err)
{
    if (!ncat || !nseries) return pms_err_set(err, PMS_ETOOFEW, "no values to chart");
    size_t *order = malloc(nseries * sizeof *order);
    if (!order) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    /* A bar series that is zero (or missing) throughout draws no bar: it is
     * left out of the plot and its key (counted in a note) rather than shown
     * as a colour with nothing above it.  Its column stays in the .dat file,
     * after the drawn ones. */
    size_t ndrawn = 0, k = 0;
    for (int pass = 0; pass < 2; pass++)
        for (size_t s = 0; s < nseries; s++) {
            int zero = !as_lines;
            for (size_t j = 0; j < ncat && zero; j++)
                zero = isnan(values[s * ncat + j]) || values[s * ncat + j] == 0;
            if (zero != pass) continue;
            order[k++] = s;
            ndrawn += !zero;
        }
    pms_gp_chart *c;
    pms_status st = open_chart(ci, &c, err);
    if (st) {
        free(order);
        return st;
    }
    /* One table: a header row of series names (columnheader), then a row per category. */
    pms_gp_text(c, "category");
    for (size_t s = 0; s < nseries; s++) pms_gp_text(c, series[order[s]]);
    pms_gp_row_end(c);
    double lo = INFINITY, hi = -INFINITY;
    for (size_t j = 0; j < ncat; j++) {
        pms_gp_text(c, categories[j]);
        for (size_t s = 0; s < nseries; s++) {
            double v = values[order[s] * ncat + j];
            pms_gp_num(c, v);
            if (!isnan(v)) {
                if (v < lo) lo = v;
                if (v > hi) hi = v;
            }
        }
        pms_gp_row_end(c);
    }
    free(order);
    pms_gp_cmd(c, "set key top right vertical box lc rgb '#D8DDE0' opaque");
    pms_gp_cmd(c, "set format y \"%%'.0f\"");
    pms_gp_cmd(c, "set grid noxtics");
    /* Many categories: slanted labels, so that 2014/15, 2015/16 ... do not touch. */
    if (ncat > 7) pms_gp_cmd(c, "set xtics rotate by 35 right font ',9'\nset bmargin 7");
    if (as_lines) {
        double pad = (hi - lo) * 0.25 + 1e-9;
        pms_gp_cmd(c, "set yrange [%g:%g]", lo - pad, hi + pad);
        pms_gp_cmd(c, "set offsets 0.2, 0.2, 0, 0");
        /* Shapes and dash types as well as colours. */
        pms_gp_cmd(c, "plot for [s=2:%zu] DATA using 0:s:xtic(1) with linespoints pt "
                      "(word('7 5 9 11 13 15', (s-2)%%6+1)+0) ps 1.2 dt s-1 lw 2.5 lc rgb "
                      "word('%s %s %s %s %s %s', (s-2)%%6+1) title columnheader(s)",
                   nseries + 1, series_colour[0], series_colour[1], series_colour[2],
                   series_colour[3], series_colour[4], series_colour[5]);
    } else {
        if (lo > 0) lo = 0;
        /* Headroom for the key above the tallest bar. */
        pms_gp_cmd(c, "set yrange [%g:%g]", lo < 0 ? lo * 1.15 : 0, hi > 0 ? hi * 1.4 : 1);
        pms_gp_cmd(c, "set style data histograms\nset style histogram clustered gap 1\n"
                      "set style fill solid 1.0 noborder\nset boxwidth 0.9");
        if (ndrawn < nseries)
            pms_gp_cmd(c, "set label 1001 '%zu of the %zu series are zero throughout and have "
                          "no bars.' at graph 0, graph 1.035 left font ',9' textcolor rgb '"
                          PMS_GP_GREY "'",
                       nseries - ndrawn, nseries);
        if (ndrawn)
            pms_gp_cmd(c, "plot for [s=2:%zu] DATA using s:xtic(1) lc rgb word('%s %s %s %s %s "
                          "%s', (s-2)%%6+1) title columnheader(s)",
                       ndrawn + 1, series_colour[0], series_colour[1], series_colour[2],
                       series_colour[3], series_colour[4], series_colour[5]);
        else
            pms_gp_cmd(c, "plot DATA using (0):xtic(1) lc rgb '#FFFFFF' notitle");
    }
    return pms_gp_chart_finish(c, err);
}

pms_status pms_chart_hbars(const pms_chart_info *ci, const char *const *labels,
                           const double *values, const unsigned char *highlight, size_t n,
                           double ref, const char *ref_name, pms_err *err)
{
    if (!n) return pms_err_set(err, PMS_ETOOFEW, "no bars to chart");
    pms_gp_chart *c;
    pms_status st = open_chart(ci, &c, err);
    if (st) return st;
    /* Rows: position (top = n-1), value, highlight flag, label; then the
     * reference line's name as a header row of its own block. */
    double hi = 0;
    for (size_t i = 0; i < n; i++) {
        pms_gp_num(c, (double)(n - 1 - i));
        pms_gp_num(c, values[i]);
        pms_gp_num(c, highlight && highlight[i] ? 1 : 0);
        pms_gp_text(c, labels[i]);
        pms_gp_row_end(c);
        if (values[i] > hi) hi = values[i];
    }
    char rname[128];
    pms_gp_script_text(ref_name ? ref_name : "", rname, sizeof rname);
    pms_gp_cmd(c, "set yrange [-0.7:%g]\nset xrange [0:%g]", (double)n - 0.3, hi * 1.12);
    pms_gp_cmd(c, "set ytics scale 0 font ',8'\nset grid noytics xtics");
    pms_gp_cmd(c, "set format x \"%%'.0f\"");
    pms_gp_cmd(c, "set style fill solid 1.0 noborder");
    pms_gp_cmd(c, "set key bottom right box lc rgb '#D8DDE0' opaque");
    pms_gp_cmd(c, "set lmargin 34");
    if (!isnan(ref))
        pms_gp_cmd(c, "set arrow 2 from %.10g, graph 0 to %.10g, graph 1 nohead lw 2 dt 2 "
                      "lc rgb '" PMS_GP_DARK_BLUE "' front",
                   ref, ref);
    pms_gp_cmd(c, "plot DATA using (0.5*$2):1:(0.5*$2):(0.36):($3 > 0 ? 0xD55E00 : 0x0072B2)"
                  ":ytic(4) with boxxyerror lc rgb variable notitle, \\");
    pms_gp_cmd(c, "     DATA using ($3 > 0 ? 0.5*$2 : NaN):1:(0.5*$2):(0.36) with boxxyerror "
                  "fs transparent pattern 2 noborder lc rgb '#000000' notitle%s",
               isnan(ref) ? "" : ", \\");
    if (!isnan(ref))
        pms_gp_cmd(c, "     NaN with lines lw 2 dt 2 lc rgb '" PMS_GP_DARK_BLUE "' title '%s'",
                   rname);
    return pms_gp_chart_finish(c, err);
}

typedef struct {
    double est;
    size_t i;
} forest_row;

static int cmp_forest(const void *a, const void *b)
{
    const forest_row *x = a, *y = b;
    if (x->est != y->est) return (x->est > y->est) - (x->est < y->est);
    return (x->i > y->i) - (x->i < y->i); /* ties in input order: stable across runs */
}

pms_status pms_chart_forest(const pms_chart_info *ci, const char *const *labels,
                            const double *est, const double *lo, const double *hi,
                            const unsigned char *highlight, size_t n, double ref,
                            const char *ref_name, pms_err *err)
{
    forest_row *v = malloc((n ? n : 1) * sizeof *v);
    if (!v) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    size_t m = 0, nh = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(est[i]) || isnan(lo[i]) || isnan(hi[i])) continue;
        v[m].est = est[i];
        v[m++].i = i;
        nh += highlight && highlight[i];
    }
    if (!m) {
        free(v);
        return pms_err_set(err, PMS_ETOOFEW, "no estimate to chart");
    }
    pms_gp_chart *c;
    pms_status st = open_chart(ci, &c, err);
    if (st) {
        free(v);
        return st;
    }
    qsort(v, m, sizeof *v, cmp_forest);
    double xmin = 0, xmax = 0;
    for (size_t k = 0; k < m; k++) {
        size_t i = v[k].i;
        pms_gp_num(c, (double)(k + 1));
        pms_gp_num(c, est[i]);
        pms_gp_num(c, lo[i]);
        pms_gp_num(c, hi[i]);
        pms_gp_num(c, highlight && highlight[i] ? 1 : 0);
        pms_gp_text(c, labels ? labels[i] : "");
        pms_gp_row_end(c);
        if (lo[i] < xmin) xmin = lo[i];
        if (hi[i] > xmax) xmax = hi[i];
    }
    pms_gp_block_end(c);
    /* The highlighted units, then their labels; the first one's name heads
     * the block for the key (data text, read by columnheader). */
    for (int pass = 0; pass < 2 && nh; pass++) {
        int header = pass == 0;
        for (size_t k = 0; k < m; k++) {
            size_t i = v[k].i;
            if (!highlight || !highlight[i]) continue;
            if (header) {
                pms_gp_text(c, "position");
                pms_gp_text(c, "estimate");
                pms_gp_text(c, "low");
                pms_gp_text(c, "high");
                pms_gp_text(c, labels ? labels[i] : "Highlighted");
                pms_gp_row_end(c);
                header = 0;
            }
            pms_gp_num(c, (double)(k + 1));
            pms_gp_num(c, est[i]);
            pms_gp_num(c, lo[i]);
            pms_gp_num(c, hi[i]);
            pms_gp_text(c, labels ? labels[i] : "");
            pms_gp_row_end(c);
        }
        pms_gp_block_end(c);
    }
    char rname[128];
    pms_gp_script_text(ref_name ? ref_name : "", rname, sizeof rname);
    double pad = 0.05 * (xmax - xmin);
    pms_gp_cmd(c, "set xrange [%g:%g]\nset yrange [0:%zu]", xmin - pad, xmax + pad, m + 1);
    pms_gp_cmd(c, "unset ytics\nset grid xtics noytics");
    pms_gp_cmd(c, "set key bottom right box lc rgb '#D8DDE0' opaque");
    pms_gp_cmd(c, "set arrow 3 from 0, graph 0 to 0, graph 1 nohead lw 1 dt 3 lc rgb '"
                  PMS_GP_GREY "' back");
    if (!isnan(ref))
        pms_gp_cmd(c, "set arrow 2 from %.10g, graph 0 to %.10g, graph 1 nohead lw 2 dt 2 "
                      "lc rgb '" PMS_GP_DARK_BLUE "' front",
                   ref, ref);
    pms_gp_cmd(c, "set label 1001 '%zu rows, lowest estimate at the bottom; bars: intervals' "
                  "at graph 0, graph 1.035 left font ',9' textcolor rgb '" PMS_GP_GREY "'",
               m);
    pms_gp_cmd(c, "plot DATA index 0 using 2:1:3:4 with xerrorbars pt 7 ps 0.35 lw 0.8 "
                  "lc rgb '#990072B2' title 'Estimate and interval'%s",
               nh || !isnan(ref) ? ", \\" : "");
    if (nh)
        pms_gp_cmd(c, "     DATA index 1 using 2:1:3:4 with xerrorbars pt 5 ps 1.3 lw 3 "
                      "lc rgb '" PMS_GP_RED "' title columnheader(5), \\\n"
                      "     DATA index 2 using 4:1:5 with labels left offset 1,0 font ',11' "
                      "textcolor rgb '" PMS_GP_RED "' notitle%s",
                   !isnan(ref) ? ", \\" : "");
    if (!isnan(ref))
        pms_gp_cmd(c, "     NaN with lines lw 2 dt 2 lc rgb '" PMS_GP_DARK_BLUE "' title '%s'",
                   rname);
    free(v);
    return pms_gp_chart_finish(c, err);
}

/* "1,234.5" style value text for a bar, in the chart's unit. */
static void bar_text(char *out, size_t cap, double v)
{
    double a = fabs(v);
    if (a < 0.005) snprintf(out, cap, "0"); /* a zero bar still shows its value */
    else snprintf(out, cap, a >= 100 ? "%.0f" : a >= 10 ? "%.1f" : "%.2f", v);
}

pms_status pms_chart_waterfall(const pms_chart_info *ci, const char *const *labels,
                               const int64_t *released, const int64_t *reinvested,
                               const int64_t *net, size_t n, double unit_pence, pms_err *err)
{
    if (!n) return pms_err_set(err, PMS_ETOOFEW, "no groups to chart");
    if (!(unit_pence > 0)) return pms_err_set(err, PMS_EUSAGE, "unit must be positive");
    pms_gp_chart *c;
    pms_status st = open_chart(ci, &c, err);
    if (st) return st;
    double top = 0, bot = 0;
    for (size_t g = 0; g < n; g++) {
        double r = (double)released[g] / unit_pence, e = (double)reinvested[g] / unit_pence,
               s = (double)net[g] / unit_pence;
        char t[48];
        pms_gp_text(c, labels[g]);
        pms_gp_num(c, r);
        pms_gp_num(c, e);
        pms_gp_num(c, s);
        /* Pence as exact integers (not %.10g, which would round \u00a3 billions). */
        int64_t p[3] = {released[g], reinvested[g], net[g]};
        for (int k = 0; k < 3; k++) {
            snprintf(t, sizeof t, "%lld", (long long)p[k]);
            pms_gp_text(c, t);
        }
        double vals[3] = {r, e, s};
        for (int k = 0; k < 3; k++) {
            bar_text(t, sizeof t, vals[k]);
            pms_gp_text(c, t);
        }
        pms_gp_row_end(c);
        double vv[3] = {r, s, r - e};
        for (int k = 0; k < 3; k++) {
            if (vv[k] > top) top = vv[k];
            if (vv[k] < bot) bot = vv[k];
        }
    }
    if (top <= bot) top = bot + 1;
    /* Group g occupies x = 4g .. 4g+2: released, reinvested, net. */
    pms_gp_cmd(c, "set xrange [-0.8:%g]\nset yrange [%g:%g]", 4.0 * (double)n - 1.2,
               bot < 0 ? bot * 1.15 : 0, top * 1.6);
    pms_gp_cmd(c, "set format y \"%%'.0f\"\nset grid noxtics ytics");
    pms_gp_cmd(c, "set xtics scale 0 font ',9'%s", n > 4 ? " rotate by 20 right" : "");
    if (n > 4) pms_gp_cmd(c, "set bmargin 9");
    pms_gp_cmd(c, "set key top center horizontal maxrows 1 box lc rgb '#D8DDE0' opaque");
    pms_gp_cmd(c, "set lmargin 12\nset rmargin 4\nset style textbox opaque noborder");
    pms_gp_cmd(c, "set style fill solid 1.0 border lc rgb '#425563'");
    pms_gp_cmd(c, "plot DATA using (4*$0):($2/2):(4*$0-0.45):(4*$0+0.45):(0):2 with boxxyerror "
                  "fs solid 1.0 lc rgb '" PMS_GP_BLUE "' title 'Premium released', \\");
    pms_gp_cmd(c, "     DATA using (4*$0+1):($2-$3/2):(4*$0+0.55):(4*$0+1.45):($2-$3):2:xtic(1) "
                  "with boxxyerror fs pattern 4 lc rgb '" PMS_GP_YELLOW "' title 'less "
                  "reinvested in practices', \\");
    pms_gp_cmd(c, "     DATA using (4*$0+2):($4/2):(4*$0+1.55):(4*$0+2.45):(0):4 with boxxyerror "
                  "fs solid 1.0 lc rgb '" PMS_GP_GREEN "' title '= net saving', \\");
    pms_gp_cmd(c, "     DATA using (4*$0):2:8 with labels offset 0,0.7 font ',8' notitle, \\");
    /* The reinvested value sits inside its hanging bar, clear of the others. */
    pms_gp_cmd(c, "     DATA using (4*$0+1):($3 > 0 ? $2-$3/2 : $2-%g):9 with labels boxed font ',8' "
                  "notitle, \\", 0.04 * top);
    pms_gp_cmd(c, "     DATA using (4*$0+2):4:10 with labels offset 0,0.7 font ',8' notitle");
    return pms_gp_chart_finish(c, err);
}

pms_status pms_chart_histograms(const pms_chart_info *ci, const char *const *series,
                                const double *const *values, const size_t *counts,
                                size_t nseries, double bin, double lo, double hi,
                                const double *marks, size_t nmarks, const char *mark_unit,
                                pms_err *err)
{
    if (!nseries) return pms_err_set(err, PMS_ETOOFEW, "no series to chart");
    if (!(bin > 0) || !(hi > lo)) return pms_err_set(err, PMS_EUSAGE, "bad histogram range");
    size_t nb = (size_t)ceil((hi - lo) / bin - 1e-9);
    if (nb < 1 || nb > 10000) return pms_err_set(err, PMS_EUSAGE, "bad histogram bins");
    size_t *h = malloc(nb * sizeof *h);
    if (!h) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    pms_gp_chart *c;
    pms_status st = open_chart(ci, &c, err);
    if (st) {
        free(h);
        return st;
    }
    size_t beyond = 0, top = 0;
    for (size_t s = 0; s < nseries; s++) {
        memset(h, 0, nb * sizeof *h);
        for (size_t i = 0; i < counts[s]; i++) {
            double v = values[s][i];
            if (isnan(v)) continue;
            double f = floor((v - lo) / bin);
            if (v < lo || v >= hi) beyond++;
            size_t b = f < 0 ? 0 : f >= (double)nb ? nb - 1 : (size_t)f;
            h[b]++;
        }
        pms_gp_text(c, "bin");
        pms_gp_text(c, series[s]);
        pms_gp_row_end(c);
        for (size_t b = 0; b < nb; b++) {
            pms_gp_num(c, lo + ((double)b + 0.5) * bin);
            pms_gp_num(c, (double)h[b]);
            pms_gp_row_end(c);
            if (h[b] > top) top = h[b];
        }
        pms_gp_block_end(c);
    }
    free(h);
    char unit[32];
    pms_gp_script_text(mark_unit ? mark_unit : "", unit, sizeof unit);
    pms_gp_cmd(c, "set xrange [%g:%g]\nset yrange [0:%g]", lo, hi, (double)top * 1.15 + 1);
    pms_gp_cmd(c, "set format y \"%%'.0f\"");
    pms_gp_cmd(c, "set key inside top left box lc rgb '#D8DDE0' opaque font ',9'");
    for (size_t k = 0; k < nmarks && k < 8; k++) {
        pms_gp_cmd(c, "set arrow %zu from %.10g, graph 0 to %.10g, graph 1 nohead lw 1.5 dt %d "
                      "lc rgb '" PMS_GP_RED "' front",
                   10 + k, marks[k], marks[k], k == 0 ? 2 : 4);
        pms_gp_cmd(c, "set label %zu '%g%s' at %.10g, graph 0.5 right offset -0.4,0 font ',10' "
                      "textcolor rgb '" PMS_GP_RED "' front",
                   10 + k, marks[k], unit, marks[k]);
    }
    if (beyond)
        pms_gp_cmd(c, "set label 1001 'Values beyond %g to %g%s are counted in the end bins (%zu "
                      "in all).' at graph 0, graph 1.035 left font ',9' textcolor rgb '"
                      PMS_GP_GREY "'",
                   lo, hi, unit, beyond);
    static const int pt[6] = {7, 5, 9, 11, 13, 15};
    for (size_t s = 0; s < nseries; s++)
        pms_gp_cmd(c, "%s DATA index %zu using 1:2 with histeps lw %s dt %zu lc rgb '%s' "
                      "title columnheader(2), \\\n     DATA index %zu every 5::2 using 1:2 with "
                      "points pt %d ps 0.8 lc rgb '%s' notitle%s",
                   s == 0 ? "plot" : "    ", s, s == 0 ? "3" : "2", s % 5 + 1,
                   series_colour[s % NCOLOUR], s, pt[s % 6], series_colour[s % NCOLOUR],
                   s + 1 < nseries ? ", \\" : "");
    return pms_gp_chart_finish(c, err);
}

/* Label placement for pms_chart_labelled_points: boxes in plot fractions. */
typedef struct {
    double x0, x1, y0, y1;
} lbox;

static int lbox_free(const lbox *b, const lbox *placed, size_t n)
{
    if (b->x0 < 0 || b->x1 > 1 || b->y0 < 0 || b->y1 > 1) return 0;
    for (size_t k = 0; k < n; k++)
        if (b->x0 < placed[k].x1 && placed[k].x0 < b->x1 && b->y0 < placed[k].y1 &&
            placed[k].y0 < b->y1)
            return 0;
    return 1;
}

/* Chooses, most extreme point (from ref) first, a label to the right or the
 * left of each point that overlaps no label already placed; side[i] = 1
 * right, -1 left, 0 none.  Returns how many are left unnamed. */
static size_t place_labels(const double *x, const double *y, const char *const *labels,
                           const size_t *idx, size_t m, double x0, double x1, double y0,
                           double y1, double ref, signed char *side)
{
    rank *r = malloc((m ? m : 1) * sizeof *r);
    lbox *placed = malloc((m ? m : 1) * sizeof *placed);
    if (!r || !placed) {
        free(r), free(placed);
        for (size_t k = 0; k < m; k++) side[k] = 1; /* all named, overlaps or not */
        return 0;
    }
    for (size_t k = 0; k < m; k++) {
        r[k].score = fabs(y[idx[k]] - ref);
        r[k].i = k;
        side[k] = 0;
    }
    qsort(r, m, sizeof *r, cmp_rank_desc);
    size_t np = 0, unnamed = 0;
    for (size_t q = 0; q < m; q++) {
        size_t k = r[q].i, i = idx[k];
        double px = (x[i] - x0) / (x1 - x0), py = (y[i] - y0) / (y1 - y0);
        /* Font 7 on the 1600-pixel PNG: about 0.0065 of the plot's width a character. */
        double w = 0.0072 * (double)(labels && labels[i] ? strlen(labels[i]) : 1) + 0.01;
        lbox right = {px + 0.008, px + 0.008 + w, py - 0.017, py + 0.017},
             left = {px - 0.008 - w, px - 0.008, py - 0.017, py + 0.017};
        if (lbox_free(&right, placed, np)) side[k] = 1, placed[np++] = right;
        else if (lbox_free(&left, placed, np)) side[k] = -1, placed[np++] = left;
        else unnamed++;
    }
    free(r), free(placed);
    return unnamed;
}

pms_status pms_chart_labelled_points(const pms_chart_info *ci, const double *x, const double *y,
                                     const char *const *labels, size_t n, double ref,
                                     const char *ref_name, const char *points_name, pms_err *err)
{
    size_t *idx = malloc((n ? n : 1) * sizeof *idx);
    signed char *side = malloc(n ? n : 1);
    if (!idx || !side) {
        free(idx), free(side);
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    size_t m = 0;
    double ymin = INFINITY, ymax = -INFINITY, xmin = INFINITY, xmax = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        if (isnan(x[i]) || isnan(y[i])) continue;
        idx[m++] = i;
        if (y[i] < ymin) ymin = y[i];
        if (y[i] > ymax) ymax = y[i];
        if (x[i] < xmin) xmin = x[i];
        if (x[i] > xmax) xmax = x[i];
    }
    if (!m) {
        free(idx), free(side);
        return pms_err_set(err, PMS_ETOOFEW, "no points to chart");
    }
    pms_gp_chart *c;
    pms_status st = open_chart(ci, &c, err);
    if (st) {
        free(idx), free(side);
        return st;
    }
    if (!isnan(ref)) {
        if (ref < ymin) ymin = ref;
        if (ref > ymax) ymax = ref;
    }
    double yp = 0.08 * (ymax - ymin) + 1e-9, xp = 0.05 * (xmax - xmin) + 1e-9;
    double x0 = xmin - 3 * xp, x1 = xmax + 3 * xp, y0 = ymin - yp, y1 = ymax + yp;
    size_t unnamed = place_labels(x, y, labels, idx, m, x0, x1, y0, y1,
                                  isnan(ref) ? 0.5 * (ymin + ymax) : ref, side);
    /* index 0: every point (x, y, label); 1: labels to the right; 2: to the left. */
    pms_gp_text(c, "x");
    pms_gp_text(c, "y");
    pms_gp_text(c, points_name ? points_name : "Practices");
    pms_gp_row_end(c);
    for (int blk = 0; blk < 3; blk++) {
        for (size_t k = 0; k < m; k++) {
            size_t i = idx[k];
            if (blk && side[k] != (blk == 1 ? 1 : -1)) continue;
            pms_gp_num(c, x[i]);
            pms_gp_num(c, y[i]);
            pms_gp_text(c, labels ? labels[i] : "");
            pms_gp_row_end(c);
        }
        pms_gp_block_end(c);
    }
    char rname[128];
    pms_gp_script_text(ref_name ? ref_name : "", rname, sizeof rname);
    pms_gp_cmd(c, "set xrange [%g:%g]\nset yrange [%g:%g]", x0, x1, y0, y1);
    pms_gp_cmd(c, "set key bottom right box lc rgb '#D8DDE0' opaque");
    pms_gp_cmd(c, "set format y \"%%'.0f\"");
    if (unnamed)
        pms_gp_cmd(c, "set label 1001 '%zu of %zu points not named here (no room); every one "
                      "is in the table.' at graph 0, graph 1.035 left font ',9' textcolor rgb '"
                      PMS_GP_GREY "'",
                   unnamed, m);
    pms_gp_cmd(c, "plot DATA index 0 using 1:2 with points pt 9 ps 1.4 lc rgb '" PMS_GP_RED
                  "' title columnheader(3), \\");
    pms_gp_cmd(c, "     DATA index 1 using 1:2:3 with labels left offset 0.8,0 font ',7' "
                  "textcolor rgb '#231F20' notitle, \\");
    pms_gp_cmd(c, "     DATA index 2 using 1:2:3 with labels right offset -0.8,0 font ',7' "
                  "textcolor rgb '#231F20' notitle%s",
               isnan(ref) ? "" : ", \\");
    if (!isnan(ref))
        pms_gp_cmd(c, "     %.10g with lines lw 2 dt 2 lc rgb '" PMS_GP_DARK_BLUE "' title '%s'",
                   ref, rname);
    free(idx), free(side);
    return pms_gp_chart_finish(c, err);
}

double pms_chart_lorenz_gini(const double *x, const double *y, size_t m)
{
    double area = 0;
    for (size_t i = 1; i < m; i++) area += (x[i] - x[i - 1]) * (y[i] + y[i - 1]);
    return 1 - area;
}
