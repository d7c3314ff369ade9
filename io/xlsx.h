/* The Excel workbook of the board report, written with libxlsxwriter.
 *
 * The layout follows the Government Analysis Function's "Releasing statistics
 * in spreadsheets": Cover_sheet, Table_of_contents and Notes come first
 * (created at open, filled at close), then one table per sheet.  Each table
 * sheet has its title in A1, a description in A2, its notes in column A above
 * the table and nothing below; the table is an Excel Table (one header row,
 * autofilter, a meaningful name), missing cells say "[x]", and it prints A4
 * landscape with the header row repeated and "Page N of M" in the footer,
 * never scaled below 75% (8 pt text).  Numbers are formatted by what they
 * are: money in £ (pence only for values under £1,000 such as £ per patient,
 * whole pounds up to £1m, £m above), p-values as "< 0.001" or three
 * significant figures, percentages as percentages.  Charts and images go on
 * sheets of their own with alt text.  Text from data files is always
 * written as a string, never as a formula, so a practice called "=cmd|..."
 * cannot run anything.  The document's creation time is a parameter so the
 * same inputs give a byte-identical file. */
#ifndef PMS_XLSX_H
#define PMS_XLSX_H

#include <stddef.h>
#include <time.h>

#include "base/status.h"
#include "io/out.h"

typedef struct pms_xlsx pms_xlsx;

/* Where a table landed, so charts can refer to its cells (0-based). */
typedef struct {
    char sheet[32];
    unsigned header_row, first_row, last_row; /* last_row < first_row when empty */
    size_t ncols;
} pms_xlsx_loc;

pms_status pms_xlsx_open(const char *path, time_t created, const char *title,
                         pms_xlsx **out, pms_err *err);

/* What the Cover_sheet says (any field may be NULL).  The title in A1 is the
 * open() title followed by period and geography.  organisation is also the
 * document's author and company. */
typedef struct {
    const char *period;       /* e.g. "2014/15" */
    const char *geography;    /* e.g. "England, with Bristol (11H) as the locality" */
    const char *about;        /* what the workbook is, one paragraph */
    const char *source;
    const char *contact;
    const char *organisation;
} pms_xlsx_cover;

/* Copies every string; may be called any time before close. */
pms_status pms_xlsx_set_cover(pms_xlsx *x, const pms_xlsx_cover *c, pms_err *err);

/* A glossary entry on the Notes sheet (copied). */
pms_status pms_xlsx_add_glossary(pms_xlsx *x, const char *term, const char *meaning,
                                 pms_err *err);

/* A sheet of plain lines (Summary, Methods): the first line is its title, in
 * A1.  Calling it again for the same sheet rewrites it (the Summary is created
 * first and filled last). */
pms_status pms_xlsx_add_lines(pms_xlsx *x, const char *sheet, const char *const *lines,
                              size_t n, pms_err *err);

/* Tables of one section, one sheet each: the sheet is named `sheet` when
 * there is one table, else `sheet` and the table's name ("CCGs ccgs chart"),
 * at most 31 characters and unique.  Footnotes become [note N] (listed on the
 * Notes sheet too).  locs (may be NULL) gets one entry per table: the sheet it
 * landed on and its rows. */
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

/* How a chart marks the locality (pms_xlsx_add_chart_look). */
typedef struct {
    const int *role;    /* per series, or NULL: 0 plain; 1 the locality (vermillion
                           triangles on a scatter, a thick line); 2 a reference (black dashes) */
    unsigned highlight; /* bar/column: the 1-based point of the locality (vermillion,
                           hatched), 0 = none */
    double ymin, ymax;  /* the value axis, NaN = automatic */
} pms_xlsx_chart_look;

/* A native Excel chart on a sheet of its own named after `sheet` ("Chart
 * CCGs"), with the title in A1 and alt text.  xtitle names the categories
 * (or x), ytitle the values, whatever the orientation: a bar chart lists its
 * categories down the page in table order, first at the top, every label
 * shown. */
pms_status pms_xlsx_add_chart(pms_xlsx *x, const char *sheet, pms_xlsx_chartkind kind,
                              const char *title, const char *xtitle, const char *ytitle,
                              const pms_xlsx_series *series, size_t n, pms_err *err);

/* The same with the locality marked and the value axis fixed (look may be
 * NULL). */
pms_status pms_xlsx_add_chart_look(pms_xlsx *x, const char *sheet, pms_xlsx_chartkind kind,
                                   const char *title, const char *xtitle, const char *ytitle,
                                   const pms_xlsx_series *series, size_t n,
                                   const pms_xlsx_chart_look *look, pms_err *err);

/* Embed a PNG, scaled, on a sheet of its own named `name` (whole words, at
 * most 31 characters; NULL: "Chart <sheet>"), with `title` in A1 and `alt`
 * as its alt text (both may be NULL). */
pms_status pms_xlsx_add_figure(pms_xlsx *x, const char *sheet, const char *name,
                               const char *title, const char *alt, const char *png, double scale,
                               pms_err *err);

/* The same without a title or alt text of its own (row and col ignored). */
pms_status pms_xlsx_add_image(pms_xlsx *x, const char *sheet, unsigned row, unsigned col,
                              const char *png, double scale, pms_err *err);

/* Print only rows 0..last_row and columns 0..last_col of the sheets made from
 * `sheet` that run longer (a long data table stays in the workbook but out of
 * the printed pack). */
pms_status pms_xlsx_print_area(pms_xlsx *x, const char *sheet, unsigned last_row,
                               unsigned last_col, pms_err *err);

/* Print only columns 0..last_col of the table sheets made from `sheet` (the
 * columns a board reads; the rest stay in the workbook). */
pms_status pms_xlsx_print_cols(pms_xlsx *x, const char *sheet, unsigned last_col, pms_err *err);

/* Keep the sheets made from `sheet` (a section name or a sheet name) out of
 * the printed pack: their print area becomes one empty cell, which
 * LibreOffice (empty pages suppressed, its default) and Excel (nothing to
 * print) skip when the whole workbook is printed.  Their description in A2
 * and in the Table_of_contents says so.  For technical tables (every CCG or
 * practice, chart data, provenance) that a board does not read on paper. */
pms_status pms_xlsx_no_print(pms_xlsx *x, const char *sheet, pms_err *err);

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
