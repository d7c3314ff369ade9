/* The Excel workbook of the board report, written with libxlsxwriter.
 *
 * Result tables (pms_out) become formatted sheets: bold wrapped header, frozen
 * header row, autofilter, £ with thousands separators, percentages, fixed
 * decimals, column widths from the content.  Text from data files is always
 * written as a string, never as a formula, so a practice called "=cmd|..."
 * cannot run anything.  The document's creation time is a parameter so the
 * same inputs give a byte-identical file. */
#ifndef PMS_XLSX_H
#define PMS_XLSX_H

#include <stddef.h>
#include <time.h>

#include "../analysis/status.h"
#include "out.h"

typedef struct pms_xlsx pms_xlsx;

/* Where a table landed, so charts can refer to its cells (0-based). */
typedef struct {
    char sheet[32];
    unsigned header_row, first_row, last_row; /* last_row < first_row when empty */
    size_t ncols;
} pms_xlsx_loc;

pms_status pms_xlsx_open(const char *path, time_t created, const char *title,
                         pms_xlsx **out, pms_err *err);

/* A sheet of plain lines (Summary, Methods): the first line is a title. */
pms_status pms_xlsx_add_lines(pms_xlsx *x, const char *sheet, const char *const *lines,
                              size_t n, pms_err *err);

/* One or more tables stacked down one sheet, each with its title and notes; the
 * first table's header row is frozen and filtered.  locs (may be NULL) gets
 * one entry per table. */
pms_status pms_xlsx_add_tables(pms_xlsx *x, const char *sheet, pms_out *const *tables,
                               size_t n, pms_xlsx_loc *locs, pms_err *err);

typedef enum { PMS_XLSX_SCATTER, PMS_XLSX_BAR, PMS_XLSX_COLUMN, PMS_XLSX_LINE } pms_xlsx_chartkind;

typedef struct {
    const pms_xlsx_loc *loc;
    int xcol;            /* category / x column within the table */
    int ycol;            /* value column */
    const char *name;
    int trendline;       /* scatter: add a linear trendline */
} pms_xlsx_series;

/* A native Excel chart placed on `sheet` at (row, col). */
pms_status pms_xlsx_add_chart(pms_xlsx *x, const char *sheet, unsigned row, unsigned col,
                              pms_xlsx_chartkind kind, const char *title, const char *xtitle,
                              const char *ytitle, const pms_xlsx_series *series, size_t n,
                              pms_err *err);

/* The same with the value axis fixed to [ymin, ymax] (NaN = automatic), for
 * data with a few extreme values that would squash the rest. */
pms_status pms_xlsx_add_chart_range(pms_xlsx *x, const char *sheet, unsigned row, unsigned col,
                                    pms_xlsx_chartkind kind, const char *title,
                                    const char *xtitle, const char *ytitle,
                                    const pms_xlsx_series *series, size_t n, double ymin,
                                    double ymax, pms_err *err);

/* Embed a PNG at (row, col) of `sheet`, scaled. */
pms_status pms_xlsx_add_image(pms_xlsx *x, const char *sheet, unsigned row, unsigned col,
                              const char *png, double scale, pms_err *err);

/* Print only rows 0..last_row and columns 0..last_col of `sheet` (a long
 * data table stays in the sheet but out of the printed pack).  Every sheet
 * prints A4 landscape, one page wide. */
pms_status pms_xlsx_print_area(pms_xlsx *x, const char *sheet, unsigned last_row,
                               unsigned last_col, pms_err *err);

/* Text as written into a cell, chart title or series name: well-formed UTF-8
 * (invalid bytes become U+FFFD), characters XML 1.0 forbids shown as \xNN,
 * and at most PMS_XLSX_CELL_MAX characters: longer text is cut on a character
 * boundary and ends with "… [cut: Excel holds 32,767 characters in a cell]"
 * (Excel's limit is 32,767; libxlsxwriter refuses longer text).  Malloc'd;
 * NULL when out of memory. */
#define PMS_XLSX_CELL_MAX 32000
char *pms_xlsx_cell_text(const char *s);

/* Write the file and free everything (also on failure). */
pms_status pms_xlsx_close(pms_xlsx *x, pms_err *err);

#endif
