#include "charts.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "../analysis/regress.h"
#include "../analysis/theilsen.h"
#include "gnuplot.h"

static pms_status open_chart(const pms_chart_info *ci, pms_gp_chart **c, pms_err *err)
{
    pms_status st = pms_gp_chart_new(ci->dir, ci->name, ci->title, ci->xlabel, ci->ylabel, c, err);
    if (!st && ci->source) pms_gp_set_source(*c, ci->source);
    return st;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The p-quantile (type 7) of v[0..n-1], sorted in place (v is scratch). */
static double quantile(double *v, size_t n, double p)
{
    qsort(v, n, sizeof *v, cmp_double);
    double h = (double)(n - 1) * p;
    size_t lo = (size_t)floor(h);
    size_t hi = lo + 1 < n ? lo + 1 : lo;
    return v[lo] + (h - (double)lo) * (v[hi] - v[lo]);
}

pms_status pms_chart_scatter_fit(const pms_chart_info *ci, const double *x, const double *y,
                                 size_t n, const unsigned char *highlight,
                                 const char *highlight_name, double ci_level, pms_err *err)
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
    if (!st) st = pms_theilsen(xs, ys, m, ci_level, &ts, err);
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
    memcpy(tmp, ys, m * sizeof *tmp);
    double p99 = quantile(tmp, m, 0.99), p01 = quantile(tmp, m, 0.01);
    double ytop = p99 + 0.15 * (p99 > 0 ? p99 : -p99);
    double ybot = p01 >= 0 ? 0 : p01 - 0.15 * (ytop - p01);
    size_t above = 0;
    for (size_t i = 0; i < m; i++) above += ys[i] > ytop || ys[i] < ybot;

    /* index 0: other practices; 1: highlighted; 2: fit and band on a grid. */
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
    memcpy(tmp, xs, m * sizeof *tmp);
    double xmed = quantile(tmp, m, 0.5), ymed = ts.intercept + ts.slope * xmed;
    int have_band = !isnan(ts.slope_low) && !isnan(ts.slope_high);
    const int grid = 101;
    for (int g = 0; g < grid; g++) {
        double x0 = xmin + (xmax - xmin) * g / (grid - 1);
        double a = ymed + (have_band ? ts.slope_low : ts.slope) * (x0 - xmed),
               b = ymed + (have_band ? ts.slope_high : ts.slope) * (x0 - xmed);
        pms_gp_num(c, x0);
        pms_gp_num(c, fit.coef[0] + fit.coef[1] * x0);
        pms_gp_num(c, ts.intercept + ts.slope * x0);
        pms_gp_num(c, a < b ? a : b);
        pms_gp_num(c, a < b ? b : a);
        pms_gp_row_end(c);
    }
    pms_gp_block_end(c);

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
    pms_gp_cmd(c, "     DATA index 0 using 1:2 with points pt 5 ps 0.4 lc rgb '#99005EB8' "
                  "title 'Practices in England', \\");
    pms_gp_cmd(c, "     DATA index 2 using 1:3 with lines lw 2.5 lc rgb '" PMS_GP_DARK_BLUE
                  "' title 'Theil-Sen line (robust)', \\");
    pms_gp_cmd(c, "     DATA index 2 using 1:2 with lines lw 1.5 dt 2 lc rgb '" PMS_GP_GREY
                  "' title 'Least-squares line (pulled by outliers)'%s",
               nh ? ", \\" : "");
    if (nh)
        pms_gp_cmd(c, "     DATA index 1 using 1:2 with points pt 7 ps 0.8 lc rgb '" PMS_GP_RED
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
    qsort(v, k, sizeof *v, cmp_lz);
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

static const char *const series_colour[] = {PMS_GP_BLUE, PMS_GP_YELLOW, PMS_GP_LIGHT_BLUE,
                                            PMS_GP_DARK_BLUE, PMS_GP_GREY, PMS_GP_RED};
#define NCOLOUR (sizeof series_colour / sizeof *series_colour)

/* Curves as blocks: each block starts with a header row naming the series
 * (read by columnheader), then x, y rows.  A curve of more than 2000 points
 * is thinned evenly: the picture cannot show more, and the files stay small. */
static void write_curves(pms_gp_chart *c, const pms_chart_curve *curves, size_t n)
{
    for (size_t s = 0; s < n; s++) {
        pms_gp_text(c, "x");
        pms_gp_text(c, curves[s].name);
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
    write_curves(c, curves, ncurves);
    /* Shares are stored as fractions and drawn as percentages. */
    pms_gp_cmd(c, "set xrange [0:100]\nset yrange [0:100]\nset size ratio -1");
    pms_gp_cmd(c, "set format x '%%.0f%%%%'\nset format y '%%.0f%%%%'\nset xtics 20\nset ytics 20");
    pms_gp_cmd(c, "set key outside right center box lc rgb '#D8DDE0'");
    pms_gp_cmd(c, "plot x with lines lw 1.5 dt 2 lc rgb '" PMS_GP_GREY "' title 'Equality', \\");
    for (size_t s = 0; s < ncurves; s++)
        pms_gp_cmd(c, "     DATA index %zu using ($1*100):($2*100) with lines lw %s lc rgb '%s' title "
                      "columnheader(2)%s",
                   s, s == 0 ? "3" : "2", series_colour[s % NCOLOUR],
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
    write_curves(c, curves, ncurves);
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
    if (!isnan(mark_x))
        pms_gp_cmd(c, "set arrow 1 from %.10g, graph 0 to %.10g, graph 1 nohead dt 2 lw 1.5 "
                      "lc rgb '" PMS_GP_RED "'",
                   mark_x, mark_x);
    for (size_t s = 0; s < ncurves; s++)
        pms_gp_cmd(c, "%s DATA index %zu using 1:2 axes %s with linespoints pt 7 ps 0.7 lw 2 "
                      "lc rgb '%s' title columnheader(2)%s",
                   s == 0 ? "plot" : "    ", s, curves[s].y2 ? "x1y2" : "x1y1",
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

pms_status pms_chart_funnel(const pms_chart_info *ci, const double *x, const double *y,
                            size_t n, const unsigned char *outlier, const char *const *labels,
                            size_t nlabel, double target, const double *lim_x,
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
    /* The y range follows the limits, not the most extreme practice. */
    for (size_t k = 0; k < m; k++) {
        pms_gp_num(c, lim_x[k]);
        double v[4] = {lo95 ? lo95[k] : NAN, hi95 ? hi95[k] : NAN, lo998 ? lo998[k] : NAN,
                       hi998 ? hi998[k] : NAN};
        for (int j = 0; j < 4; j++) {
            pms_gp_num(c, v[j]);
            if (!isnan(v[j]) && lim_x[k] >= 0.02 * xmax) {
                if (v[j] < ymin) ymin = v[j];
                if (v[j] > ymax) ymax = v[j];
            }
        }
        pms_gp_row_end(c);
    }
    pms_gp_block_end(c);
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
    /* Limits of tiny practices reach far below zero; the axis need not
     * follow them below the lowest 0.5% of the data. */
    {
        double *tmp = malloc((n ? n : 1) * sizeof *tmp);
        size_t k = 0;
        for (size_t i = 0; tmp && i < n; i++)
            if (!isnan(y[i]) && !isnan(x[i])) tmp[k++] = y[i];
        if (tmp && k) {
            double low = quantile(tmp, k, 0.005);
            double floor_ = low >= 0 ? 0 : low - 0.1 * span;
            if (ylo < floor_) ylo = floor_;
        }
        free(tmp);
    }
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
            if (fabs(px - lx[j]) < 0.09 && fabs(py - ly[j]) < 0.06) crowded = 1;
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
    size_t off = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(y[i]) && !isnan(x[i]) && (y[i] < ylo || y[i] > yhi)) off++;
    pms_gp_cmd(c, "set yrange [%g:%g]\nset xrange [0:%g]", ylo, yhi, xmax * 1.02);
    pms_gp_cmd(c, "set format x \"%%'.0f\"");
    pms_gp_cmd(c, "set key top right box lc rgb '#D8DDE0' opaque");
    if (off)
        pms_gp_cmd(c, "set label 1001 '%zu practice%s outside the range shown.' at graph 0, "
                      "graph 1.035 left font ',9' textcolor rgb '" PMS_GP_GREY "'",
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
    int more = nout > 0 || nlab > 0;
    if (nin)
        /* Squares for the point cloud: see the scatter chart. */
        pms_gp_cmd(c, "     DATA index 0 using 1:2 with points pt 5 ps 0.4 lc rgb '#99005EB8' "
                      "title 'Within limits'%s",
                   more ? ", \\" : "");
    if (nout)
        pms_gp_cmd(c, "     DATA index 1 using 1:2 with points pt 7 ps 0.6 lc rgb '" PMS_GP_RED
                      "' title 'Outside 99.8%% limits'%s",
                   nlab ? ", \\" : "");
    if (nlab)
        pms_gp_cmd(c, "     DATA index 3 using 1:2:3 with labels left offset 0.6,0.3 font ',8' "
                      "textcolor rgb '#231F20' notitle");
    if (!nin && !nout && !nlab) pms_gp_cmd(c, "     NaN notitle");
    free(r);
    return pms_gp_chart_finish(c, err);
}

pms_status pms_chart_categories(const pms_chart_info *ci, const char *const *categories,
                                size_t ncat, const char *const *series, size_t nseries,
                                const double *values, int as_lines, pms_err *err)
{
    if (!ncat || !nseries) return pms_err_set(err, PMS_ETOOFEW, "no values to chart");
    pms_gp_chart *c;
    pms_status st = open_chart(ci, &c, err);
    if (st) return st;
    /* One table: a header row of series names (columnheader), then a row per category. */
    pms_gp_text(c, "category");
    for (size_t s = 0; s < nseries; s++) pms_gp_text(c, series[s]);
    pms_gp_row_end(c);
    double lo = INFINITY, hi = -INFINITY;
    for (size_t k = 0; k < ncat; k++) {
        pms_gp_text(c, categories[k]);
        for (size_t s = 0; s < nseries; s++) {
            double v = values[s * ncat + k];
            pms_gp_num(c, v);
            if (!isnan(v)) {
                if (v < lo) lo = v;
                if (v > hi) hi = v;
            }
        }
        pms_gp_row_end(c);
    }
    pms_gp_cmd(c, "set key top left horizontal box lc rgb '#D8DDE0' opaque");
    pms_gp_cmd(c, "set format y \"%%'.0f\"");
    pms_gp_cmd(c, "set grid noxtics");
    /* Many categories: slanted labels, so that 2014/15, 2015/16 ... do not touch. */
    if (ncat > 7) pms_gp_cmd(c, "set xtics rotate by 35 right font ',9'\nset bmargin 7");
    if (as_lines) {
        double pad = (hi - lo) * 0.25 + 1e-9;
        pms_gp_cmd(c, "set yrange [%g:%g]", lo - pad, hi + pad);
        pms_gp_cmd(c, "set offsets 0.2, 0.2, 0, 0");
        pms_gp_cmd(c, "plot for [s=2:%zu] DATA using 0:s:xtic(1) with linespoints pt 7 ps 1 "
                      "lw 2.5 lc rgb word('%s %s %s %s %s %s', s-1) title columnheader(s)",
                   nseries + 1, series_colour[0], series_colour[1], series_colour[2],
                   series_colour[3], series_colour[4], series_colour[5]);
    } else {
        if (lo > 0) lo = 0;
        /* Headroom for the key above the tallest bar. */
        pms_gp_cmd(c, "set yrange [%g:%g]", lo < 0 ? lo * 1.15 : 0, hi > 0 ? hi * 1.4 : 1);
        pms_gp_cmd(c, "set style data histograms\nset style histogram clustered gap 1\n"
                      "set style fill solid 1.0 noborder\nset boxwidth 0.9");
        pms_gp_cmd(c, "plot for [s=2:%zu] DATA using s:xtic(1) lc rgb word('%s %s %s %s %s %s', "
                      "(s-2)%%6+1) title columnheader(s)",
                   nseries + 1, series_colour[0], series_colour[1], series_colour[2],
                   series_colour[3], series_colour[4], series_colour[5]);
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
    pms_gp_cmd(c, "plot DATA using (0.5*$2):1:(0.5*$2):(0.36):($3 > 0 ? 0xDA291C : 0x005EB8)"
                  ":ytic(4) with boxxyerror lc rgb variable notitle%s",
               isnan(ref) ? "" : ", \\");
    if (!isnan(ref))
        pms_gp_cmd(c, "     NaN with lines lw 2 dt 2 lc rgb '" PMS_GP_DARK_BLUE "' title '%s'",
                   rname);
    return pms_gp_chart_finish(c, err);
}
