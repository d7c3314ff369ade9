#include "xlsx.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xlsxwriter.h>

#include "utf8.h"

struct pms_xlsx {
    lxw_workbook *wb;
    char *path;
    lxw_format *title, *header, *wrap, *text, *integer, *money, *pct, *real[7], *note;
};

/* Excel holds at most 32,767 characters in a cell (libxlsxwriter refuses a
 * longer string and the cell stays blank): longer text is cut on a character
 * boundary at PMS_XLSX_CELL_MAX characters and ends with a visible marker. */
#define CUT_MARK "\xe2\x80\xa6 [cut: Excel holds 32,767 characters in a cell]"

/* The text as it may go into the sheet XML: well-formed UTF-8 (an invalid
 * byte becomes U+FFFD), no character XML 1.0 forbids (C0 controls other than
 * TAB and LF, U+FFFE, U+FFFF are shown as \xNN), at most PMS_XLSX_CELL_MAX
 * characters with the marker.  Malloc'd; NULL when out of memory. */
char *pms_xlsx_cell_text(const char *s)
{
    size_t n = strlen(s), cap = 4 * n + sizeof CUT_MARK + 1, w = 0, chars = 0, i = 0;
    char *d = malloc(cap);
    if (!d) return NULL;
    while (i < n) {
        if (chars >= PMS_XLSX_CELL_MAX) {
            memcpy(d + w, CUT_MARK, sizeof CUT_MARK);
            return d;
        }
        size_t k = pms_utf8_seq(s + i, n - i);
        unsigned char c = (unsigned char)s[i];
        if (!k) {
            memcpy(d + w, "\xef\xbf\xbd", 3);
            w += 3, i++, chars++;
        } else if ((k == 1 && c < 0x20 && c != '\t' && c != '\n') ||
                   (k == 3 && c == 0xEF && (unsigned char)s[i + 1] == 0xBF &&
                    (unsigned char)s[i + 2] >= 0xBE)) {
            for (size_t j = 0; j < k; j++) w += (size_t)sprintf(d + w, "\\x%02x", (unsigned char)s[i + j]);
            i += k, chars += 4 * k;
        } else {
            memcpy(d + w, s + i, k);
            w += k, i += k, chars++;
        }
    }
    d[w] = '\0';
    return d;
}

static pms_status lxw_fail(pms_err *err, lxw_error e, const char *sheet, const char *what)
{
    return pms_err_set(err, e == LXW_ERROR_MEMORY_MALLOC_FAILED ? PMS_ENOMEM : PMS_EIO,
                       "workbook sheet '%s': cannot write %s: %s", sheet, what, lxw_strerror(e));
}

/* Every string cell goes through here: cleaned, never a formula, checked. */
static pms_status put_string(lxw_worksheet *ws, const char *sheet, lxw_row_t row, lxw_col_t col,
                             const char *s, lxw_format *fmt, pms_err *err)
{
    char *t = pms_xlsx_cell_text(s);
    if (!t) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    lxw_error e = worksheet_write_string(ws, row, col, t, fmt);
    free(t);
    return e == LXW_NO_ERROR ? PMS_OK : lxw_fail(err, e, sheet, "a text cell");
}

static lxw_worksheet *sheet_get(pms_xlsx *x, const char *name)
{
    lxw_worksheet *ws = workbook_get_worksheet_by_name(x->wb, name);
    if (ws) return ws;
    ws = workbook_add_worksheet(x->wb, name);
    if (ws) {
        /* Printed (or converted to PDF) for a board pack: A4 landscape, one
         * page wide, as many pages down as it takes. */
        worksheet_set_landscape(ws);
        worksheet_set_paper(ws, 9);
        worksheet_fit_to_pages(ws, 1, 0);
        worksheet_set_margins(ws, 0.4, 0.4, 0.5, 0.5);
    }
    return ws;
}

pms_status pms_xlsx_print_area(pms_xlsx *x, const char *sheet, unsigned last_row,
                               unsigned last_col, pms_err *err)
{
    lxw_worksheet *ws = sheet_get(x, sheet);
    if (!ws) return pms_err_set(err, PMS_EUSAGE, "cannot add sheet '%s'", sheet);
    if (worksheet_print_area(ws, 0, 0, last_row, (lxw_col_t)last_col) != LXW_NO_ERROR)
        return pms_err_set(err, PMS_EUSAGE, "bad print area on '%s'", sheet);
    return PMS_OK;
}

pms_status pms_xlsx_open(const char *path, time_t created, const char *title, pms_xlsx **out,
                         pms_err *err)
{
    *out = NULL;
    pms_xlsx *x = calloc(1, sizeof *x);
    if (!x) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    x->path = malloc(strlen(path) + 1);
    if (!x->path) {
        free(x);
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    strcpy(x->path, path);
    lxw_workbook_options opt = {.constant_memory = LXW_FALSE, .tmpdir = NULL,
                                .use_zip64 = LXW_FALSE};
    x->wb = workbook_new_opt(path, &opt);
    if (!x->wb) {
        free(x->path);
        free(x);
        return pms_err_set(err, PMS_EIO, "%s: cannot create the workbook", path);
    }
    /* A fixed creation time makes the file a function of its inputs only. */
    lxw_doc_properties props = {0};
    /* The title may come from a config: cleaned like a cell for docProps/core.xml. */
    char *clean = pms_xlsx_cell_text(title ? title : "pmsreview report");
    props.title = clean ? clean : "pmsreview report";
    props.author = "pmsreview";
    props.created = created;
    int bad = !clean || workbook_set_properties(x->wb, &props) != LXW_NO_ERROR;
    free(clean); /* libxlsxwriter keeps its own copy */

    x->title = workbook_add_format(x->wb);
    format_set_bold(x->title);
    format_set_font_size(x->title, 14);
    format_set_font_color(x->title, 0x003087);
    x->header = workbook_add_format(x->wb);
    format_set_bold(x->header);
    format_set_text_wrap(x->header);
    format_set_bg_color(x->header, 0x005EB8);
    format_set_font_color(x->header, LXW_COLOR_WHITE);
    format_set_align(x->header, LXW_ALIGN_VERTICAL_TOP);
    x->wrap = workbook_add_format(x->wb);
    format_set_text_wrap(x->wrap);
    format_set_align(x->wrap, LXW_ALIGN_VERTICAL_TOP);
    x->text = workbook_add_format(x->wb);
    x->integer = workbook_add_format(x->wb);
    format_set_num_format(x->integer, "#,##0");
    x->money = workbook_add_format(x->wb);
    format_set_num_format(x->money, "\xc2\xa3#,##0.00;[Red]-\xc2\xa3#,##0.00");
    x->pct = workbook_add_format(x->wb);
    format_set_num_format(x->pct, "0.0%");
    static const char *dec[7] = {"#,##0", "#,##0.0", "#,##0.00", "0.000", "0.0000",
                                 "0.00000", "0.000000"};
    for (int k = 0; k < 7; k++) {
        x->real[k] = workbook_add_format(x->wb);
        format_set_num_format(x->real[k], dec[k]);
    }
    x->note = workbook_add_format(x->wb);
    bad |= !x->title || !x->header || !x->wrap || !x->text || !x->integer || !x->money ||
           !x->pct || !x->note;
    for (int k = 0; k < 7; k++) bad |= !x->real[k];
    if (bad) {
        /* the workbook is not written: nothing half-made is left behind */
        lxw_workbook_free(x->wb);
        free(x->path);
        free(x);
        return pms_err_set(err, PMS_ENOMEM, "%s: cannot set up the workbook (out of memory)", path);
    }
    format_set_italic(x->note);
    format_set_font_color(x->note, 0x425563);
    *out = x;
    return PMS_OK;
}

pms_status pms_xlsx_add_lines(pms_xlsx *x, const char *sheet, const char *const *lines,
                              size_t n, pms_err *err)
{
    lxw_worksheet *ws = sheet_get(x, sheet);
    if (!ws) return pms_err_set(err, PMS_EUSAGE, "cannot add sheet '%s'", sheet);
    lxw_error e = worksheet_set_column(ws, 0, 0, 110, x->wrap);
    if (e) return lxw_fail(err, e, sheet, "the column width");
    for (size_t i = 0; i < n; i++) {
        pms_status st = put_string(ws, sheet, (lxw_row_t)i, 0, lines[i],
                                   i == 0 ? x->title : x->wrap, err);
        if (st) return st;
        /* Spreadsheets do not grow a row for wrapped text they did not lay
         * out themselves: give each line the height of its wrapped text
         * (about 100 characters per line in a 110-wide column; Excel's
         * largest row is 409 points). */
        size_t len = strlen(lines[i]), wrapped = len / 100 + 1;
        double h = i == 0 ? 22 : 15.0 * (double)wrapped + 3;
        if ((e = worksheet_set_row(ws, (lxw_row_t)i, h > 409 ? 409 : h, NULL)))
            return lxw_fail(err, e, sheet, "a row height");
    }
    return PMS_OK;
}

static lxw_format *num_format(pms_xlsx *x, pms_outkind k, int dec)
{
    switch (k) {
    case PMS_OUT_INT: return x->integer;
    case PMS_OUT_MONEY: return x->money;
    case PMS_OUT_PCT: return x->pct;
    case PMS_OUT_REAL: return x->real[dec < 0 ? 0 : dec > 6 ? 6 : dec];
    default: return x->text;
    }
}

pms_status pms_xlsx_add_tables(pms_xlsx *x, const char *sheet, pms_out *const *tables,
                               size_t n, pms_xlsx_loc *locs, pms_err *err)
{
    lxw_worksheet *ws = sheet_get(x, sheet);
    if (!ws) return pms_err_set(err, PMS_EUSAGE, "cannot add sheet '%s'", sheet);
    lxw_row_t row = 0;
    double width[64] = {0};
    size_t maxcols = 0;
    for (size_t k = 0; k < n; k++) {
        const pms_out *o = tables[k];
        size_t nc = pms_out_ncols(o), nr = pms_out_nrows(o);
        if (nc > maxcols) maxcols = nc;
        pms_status st = put_string(ws, sheet, row, 0, pms_out_title(o), x->title, err);
        if (st) return st;
        row++;
        lxw_row_t header = row;
        for (size_t j = 0; j < nc; j++) {
            if ((st = put_string(ws, sheet, row, (lxw_col_t)j, pms_out_key(o, j), x->header, err)))
                return st;
            /* Keys have no spaces to wrap at: the column fits the whole key. */
            double w = (double)strlen(pms_out_key(o, j)) * 1.05 + 2;
            if (j < 64 && w > width[j]) width[j] = w;
        }
        row++;
        lxw_row_t first = row;
        for (size_t i = 0; i < nr; i++, row++)
            for (size_t j = 0; j < nc; j++) {
                double v = NAN;
                const char *s = NULL;
                if (!pms_out_get(o, i, j, &v, &s)) {
                    /* A statistic that could not be computed says so (the
                     * reason is in the table's notes). */
                    if (pms_out_why(o, i, j) &&
                        (st = put_string(ws, sheet, row, (lxw_col_t)j, "not computed", x->text, err)))
                        return st;
                    continue;
                }
                pms_outkind kind = pms_out_kind(o, j);
                double w;
                lxw_error e;
                if (kind == PMS_OUT_TEXT) {
                    /* Never a formula, whatever the text starts with. */
                    if ((st = put_string(ws, sheet, row, (lxw_col_t)j, s, x->text, err))) return st;
                    w = (double)strlen(s) + 2;
                    e = LXW_NO_ERROR;
                } else if (kind == PMS_OUT_BOOL) {
                    e = worksheet_write_boolean(ws, row, (lxw_col_t)j, v != 0, x->text);
                    w = 6;
                } else {
                    e = worksheet_write_number(ws, row, (lxw_col_t)j, v,
                                               num_format(x, kind, pms_out_decimals(o, j)));
                    w = kind == PMS_OUT_MONEY ? 16 : 12;
                }
                if (e) return lxw_fail(err, e, sheet, "a cell");
                if (j < 64 && w > width[j]) width[j] = w;
            }
        if (k == 0) {
            worksheet_freeze_panes(ws, header + 1, 0);
            lxw_error e = nc ? worksheet_autofilter(ws, header, 0, row > first ? row - 1 : header,
                                                    (lxw_col_t)(nc - 1))
                             : LXW_NO_ERROR;
            if (e) return lxw_fail(err, e, sheet, "the autofilter");
        }
        if (locs) {
            snprintf(locs[k].sheet, sizeof locs[k].sheet, "%s", sheet);
            locs[k].header_row = header;
            locs[k].first_row = first;
            locs[k].last_row = row > first ? row - 1 : first - 1;
            locs[k].ncols = nc;
        }
        for (size_t m = 0; m < pms_out_nnotes(o); m++, row++)
            if ((st = put_string(ws, sheet, row, 0, pms_out_note(o, m), x->note, err))) return st;
        /* the reasons for cells that could not be computed */
        for (size_t j = 0; j < nc; j++)
            for (size_t i = 0; i < nr; i++) {
                const char *why = pms_out_why(o, i, j);
                if (!why) continue;
                int seen = 0;
                for (size_t r = 0; r < i && !seen; r++)
                    seen = pms_out_why(o, r, j) && !strcmp(pms_out_why(o, r, j), why);
                if (seen) continue;
                size_t len = strlen(why) + strlen(pms_out_key(o, j)) + 32;
                char *t = malloc(len);
                if (!t) return pms_err_set(err, PMS_ENOMEM, "out of memory");
                snprintf(t, len, "%s: not computed: %s", pms_out_key(o, j), why);
                st = put_string(ws, sheet, row++, 0, t, x->note, err);
                free(t);
                if (st) return st;
            }
        row++; /* a blank row between tables */
    }
    lxw_error e = worksheet_set_row(ws, 1, 30, NULL);
    for (size_t j = 0; j < maxcols && j < 64 && !e; j++)
        e = worksheet_set_column(ws, (lxw_col_t)j, (lxw_col_t)j, width[j] > 60 ? 60 : width[j], NULL);
    return e ? lxw_fail(err, e, sheet, "the layout") : PMS_OK;
}

pms_status pms_xlsx_add_chart(pms_xlsx *x, const char *sheet, unsigned row, unsigned col,
                              pms_xlsx_chartkind kind, const char *title, const char *xtitle,
                              const char *ytitle, const pms_xlsx_series *series, size_t n,
                              pms_err *err)
{
    return pms_xlsx_add_chart_range(x, sheet, row, col, kind, title, xtitle, ytitle, series, n,
                                    NAN, NAN, err);
}

pms_status pms_xlsx_add_chart_range(pms_xlsx *x, const char *sheet, unsigned row, unsigned col,
                                    pms_xlsx_chartkind kind, const char *title,
                                    const char *xtitle, const char *ytitle,
                                    const pms_xlsx_series *series, size_t n, double ymin,
                                    double ymax, pms_err *err)
{
    static const uint8_t types[] = {LXW_CHART_SCATTER, LXW_CHART_BAR, LXW_CHART_COLUMN,
                                    LXW_CHART_LINE};
    static const lxw_color_t palette[] = {0x005EB8, 0xFFB81C, 0x00A499, 0x41B6E6,
                                          0x003087, 0x425563, 0x0072CE};
    lxw_worksheet *ws = sheet_get(x, sheet);
    if (!ws) return pms_err_set(err, PMS_EUSAGE, "cannot add sheet '%s'", sheet);
    lxw_chart *ch = workbook_add_chart(x->wb, types[kind]);
    if (!ch) return pms_err_set(err, PMS_ENOMEM, "cannot add a chart");
    /* Titles may hold names from the data: cleaned like cells (libxlsxwriter
     * copies them). */
    char *t[3] = {pms_xlsx_cell_text(title ? title : ""), pms_xlsx_cell_text(xtitle ? xtitle : ""),
                  pms_xlsx_cell_text(ytitle ? ytitle : "")};
    if (!t[0] || !t[1] || !t[2]) {
        free(t[0]), free(t[1]), free(t[2]);
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    if (title) chart_title_set_name(ch, t[0]);
    if (xtitle) chart_axis_set_name(ch->x_axis, t[1]);
    if (ytitle) chart_axis_set_name(ch->y_axis, t[2]);
    free(t[0]), free(t[1]), free(t[2]);
    for (size_t k = 0; k < n; k++) {
        const pms_xlsx_series *s = &series[k];
        if (s->loc->last_row < s->loc->first_row) continue;
        lxw_chart_series *cs = chart_add_series(ch, NULL, NULL);
        if (!cs) return pms_err_set(err, PMS_ENOMEM, "cannot add a chart series");
        chart_series_set_categories(cs, s->loc->sheet, s->loc->first_row, (lxw_col_t)s->xcol,
                                    s->loc->last_row, (lxw_col_t)s->xcol);
        chart_series_set_values(cs, s->loc->sheet, s->loc->first_row, (lxw_col_t)s->ycol,
                                s->loc->last_row, (lxw_col_t)s->ycol);
        if (s->name) {
            char *nm = pms_xlsx_cell_text(s->name);
            if (!nm) return pms_err_set(err, PMS_ENOMEM, "out of memory");
            chart_series_set_name(cs, nm);
            free(nm);
        }
        lxw_color_t c = palette[k % (sizeof palette / sizeof *palette)];
        if (kind == PMS_XLSX_SCATTER) {
            chart_series_set_marker_type(cs, LXW_CHART_MARKER_CIRCLE);
            chart_series_set_marker_size(cs, 3);
            lxw_chart_fill fill = {.color = c, .transparency = 40};
            lxw_chart_line line = {.color = c};
            chart_series_set_marker_fill(cs, &fill);
            chart_series_set_marker_line(cs, &line);
            if (s->trendline) {
                chart_series_set_trendline(cs, LXW_CHART_TRENDLINE_TYPE_LINEAR, 0);
                lxw_chart_line tl = {.color = 0x003087, .width = 2};
                chart_series_set_trendline_line(cs, &tl);
            }
        } else {
            lxw_chart_fill fill = {.color = c};
            lxw_chart_line line = {.color = c, .width = 2.25};
            if (kind == PMS_XLSX_LINE) chart_series_set_line(cs, &line);
            else chart_series_set_fill(cs, &fill);
        }
    }
    if (!isnan(ymin)) chart_axis_set_min(ch->y_axis, ymin);
    if (!isnan(ymax)) chart_axis_set_max(ch->y_axis, ymax);
    if (n <= 1) chart_legend_set_position(ch, LXW_CHART_LEGEND_NONE);
    else chart_legend_set_position(ch, LXW_CHART_LEGEND_BOTTOM);
    lxw_chart_options opt = {.x_scale = 1.6, .y_scale = 1.5};
    if (worksheet_insert_chart_opt(ws, row, (lxw_col_t)col, ch, &opt) != LXW_NO_ERROR)
        return pms_err_set(err, PMS_EUSAGE, "cannot place the chart '%s'", title);
    return PMS_OK;
}

pms_status pms_xlsx_add_image(pms_xlsx *x, const char *sheet, unsigned row, unsigned col,
                              const char *png, double scale, pms_err *err)
{
    lxw_worksheet *ws = sheet_get(x, sheet);
    if (!ws) return pms_err_set(err, PMS_EUSAGE, "cannot add sheet '%s'", sheet);
    lxw_image_options opt = {.x_scale = scale, .y_scale = scale};
    if (worksheet_insert_image_opt(ws, row, (lxw_col_t)col, png, &opt) != LXW_NO_ERROR)
        return pms_err_set(err, PMS_EIO, "%s: cannot embed the image", png);
    return PMS_OK;
}

pms_status pms_xlsx_close(pms_xlsx *x, pms_err *err)
{
    if (!x) return PMS_OK;
    lxw_error e = workbook_close(x->wb);
    pms_status st = PMS_OK;
    if (e != LXW_NO_ERROR)
        st = pms_err_set(err, PMS_EIO, "%s: cannot write the workbook: %s", x->path,
                         lxw_strerror(e));
    free(x->path);
    free(x);
    return st;
}
