/* Distance-from-target chart (see chart_target.h). */
#include "plots/chart_target.h"

#include <math.h>
#include <stdlib.h>

#include "plots/gnuplot.h"

typedef struct {
    double v;
    int hi;
} bar;

static int cmp_bar(const void *a, const void *b)
{
    double x = ((const bar *)a)->v, y = ((const bar *)b)->v;
    return (x > y) - (x < y);
}

/* Copy the finite values, sorted ascending; returns how many. */
static size_t sorted_bars(const double *v, const unsigned char *hi, size_t n, bar *out)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(v[i])) out[m++] = (bar){v[i], hi ? hi[i] != 0 : 0};
    qsort(out, m, sizeof *out, cmp_bar);
    return m;
}

pms_status pms_chart_distance_from_target(const pms_chart_info *ci, const double *loc_pct,
                                          const unsigned char *highlight, size_t nloc,
                                          const double *prac_pct, size_t nprac,
                                          const char *loc_name, pms_err *err)
{
    bar *L = malloc((nloc ? nloc : 1) * sizeof *L), *P = malloc((nprac ? nprac : 1) * sizeof *P);
    if (!L || !P) {
        free(L), free(P);
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    size_t nl = sorted_bars(loc_pct, highlight, nloc, L), np = sorted_bars(prac_pct, NULL, nprac, P);
    if (!nl) {
        free(L), free(P);
        return pms_err_set(err, PMS_ETOOFEW, "no localities to chart");
    }
    pms_gp_chart *c;
    pms_status st = pms_gp_chart_new(ci->dir, ci->name, ci->title, ci->xlabel, ci->ylabel, &c, err);
    if (st) {
        free(L), free(P);
        return st;
    }
    if (ci->source) pms_gp_set_source(c, ci->source);
    /* index 0: other localities (x, %); 1: the highlighted locality, with its
     * name as a header row (data text, read by columnheader); 2: its
     * practices, placed after a gap to the right of the localities. */
    double lo = 0, hi = 0;
    for (size_t k = 0; k < nl; k++) {
        if (L[k].hi) continue;
        pms_gp_num(c, (double)(k + 1));
        pms_gp_num(c, 100 * L[k].v);
        pms_gp_row_end(c);
    }
    pms_gp_block_end(c);
    pms_gp_text(c, "x");
    pms_gp_text(c, loc_name ? loc_name : "Locality");
    pms_gp_row_end(c);
    int any_hi = 0;
    for (size_t k = 0; k < nl; k++) {
        lo = fmin(lo, L[k].v), hi = fmax(hi, L[k].v);
        if (!L[k].hi) continue;
        any_hi = 1;
        pms_gp_num(c, (double)(k + 1));
        pms_gp_num(c, 100 * L[k].v);
        pms_gp_row_end(c);
    }
    if (!any_hi) { /* gnuplot needs a point in a block it plots */
        pms_gp_num(c, NAN);
        pms_gp_num(c, NAN);
        pms_gp_row_end(c);
    }
    pms_gp_block_end(c);
    double gap = nl / 12.0 + 3, x0 = (double)nl + gap;
    /* Practices take as much width as the localities would at 55 bars, at least. */
    double step = np ? fmax(1.0, (double)nl / 2 / (double)np) : 1;
    for (size_t k = 0; k < np; k++) {
        lo = fmin(lo, P[k].v), hi = fmax(hi, P[k].v);
        pms_gp_num(c, x0 + step * (double)k);
        pms_gp_num(c, 100 * P[k].v);
        pms_gp_row_end(c);
    }
    if (!np) {
        pms_gp_num(c, NAN);
        pms_gp_num(c, NAN);
        pms_gp_row_end(c);
    }
    double xmax = x0 + step * (double)(np ? np : 1);
    /* The practices' spread can dwarf the localities': cut the axis at
     * +-60% and say so, so that the localities stay readable. */
    double ytop = fmin(100 * hi * 1.1 + 2, 60), ybot = fmax(100 * lo * 1.1 - 2, -60);
    size_t cut = 0;
    for (size_t k = 0; k < np; k++) cut += 100 * P[k].v > ytop || 100 * P[k].v < ybot;
    for (size_t k = 0; k < nl; k++) cut += 100 * L[k].v > ytop || 100 * L[k].v < ybot;
    pms_gp_cmd(c, "set xrange [0:%g]\nset yrange [%g:%g]", xmax + 1, ybot, ytop);
    pms_gp_cmd(c, "unset xtics\nset grid noxtics ytics\nset format y '%%g%%%%'");
    pms_gp_cmd(c, "set style fill solid 1.0 noborder");
    pms_gp_cmd(c, "set arrow 1 from 0, 0 to %g, 0 nohead lc rgb '#425563' lw 1 front", xmax + 1);
    pms_gp_cmd(c, "set arrow 2 from %g, graph 0 to %g, graph 1 nohead lc rgb '#D8DDE0' lw 1 dt 2",
               (double)nl + gap / 2, (double)nl + gap / 2);
    pms_gp_cmd(c, "set label 1 'All %zu localities, from furthest under to furthest over target' "
                  "at %g, graph 0.97 center font ',9' textcolor rgb '" PMS_GP_GREY "'",
               nl, (double)nl / 2);
    pms_gp_cmd(c, "set label 2 'The locality''s %zu practices' at %g, graph 0.97 center "
                  "font ',9' textcolor rgb '" PMS_GP_GREY "'",
               np, x0 + step * (double)np / 2);
    if (cut)
        pms_gp_cmd(c, "set label 3 '%zu bar%s beyond %.0f%% to %.0f%% cut short' at graph 1, "
                      "graph 0.03 right font ',8' textcolor rgb '" PMS_GP_GREY "'",
                   cut, cut == 1 ? "" : "s", ybot, ytop);
    /* Bottom right of the localities: the bars there point up. */
    pms_gp_cmd(c, "set key at first %g, graph 0.06 right bottom box lc rgb '#D8DDE0' opaque",
               (double)nl);
    /* The highlighted locality: a wider bar and a marker at its end, so that
     * one bar among two hundred can be found. */
    pms_gp_cmd(c, "plot DATA index 0 using 1:2:(0.8) with boxes lc rgb '" PMS_GP_BLUE
                  "' title 'Locality (CCG)', \\");
    pms_gp_cmd(c, "     DATA index 1 using 1:2:(%g) with boxes lc rgb '" PMS_GP_RED
                  "' title columnheader(2), \\", fmax(2.5, (double)nl / 80));
    pms_gp_cmd(c, "     DATA index 1 using 1:2 with points pt 7 ps 1.6 lc rgb '" PMS_GP_RED
                  "' notitle, \\");
    pms_gp_cmd(c, "     DATA index 2 using 1:2:(%g) with boxes lc rgb '#DA291C' fs solid 0.55 "
                  "noborder title 'Its practices'",
               step * 0.8);
    free(L), free(P);
    return pms_gp_chart_finish(c, err);
}
