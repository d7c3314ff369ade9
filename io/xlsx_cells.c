/* The workbook's number and text cells, and its rows, written without printf.
 *
 * Why: libxlsxwriter 1.1.4 writes each cell of a sheet's XML with fprintf,
 * its number as "%.16G", which glibc converts through multiple-precision
 * arithmetic.  The default report's workbook has about 300,000 cells, and
 * writing them was a third of the workbook's cost on the report's
 * critical path.  Here a number cell's text comes from io/dectext.h, which
 * gives glibc's "%.16G" bytes exactly (checked over millions of values), and
 * the rest of the cell is copied, not formatted: the sheets are byte for
 * byte the same (test_cells_text in tests/test_xlsx.c).
 *
 * How: libxlsxwriter writes every cell through its own function _write_cell,
 * which it exports and calls through the dynamic linker (it is built
 * without hidden visibility).  A program's own definition comes first in
 * the lookup, so the call lands here, as with zipOpenNewFileInZip4_64 in
 * io/xlsx_deflate.c; CMake pulls this file into every program linking the
 * library ("-u").  Number, shared-string and boolean cells (what the report
 * writes in bulk) and blanks with a format are written here; every other
 * kind (formulas), and a number io/dectext.h declines, is passed on to
 * libxlsxwriter's own _write_cell (found with RTLD_NEXT).  The structures
 * read are those of the installed <xlsxwriter/worksheet.h>, the same
 * version as the library, and this file follows libxlsxwriter 1.1.4's
 * worksheet.c (_write_cell, _write_number_cell, _write_string_cell,
 * lxw_rowcol_to_cell).
 *
 * Each row's start tag (<row r="7" spans="1:30">) likewise: libxlsxwriter's
 * _write_row builds it as a list of attributes, each malloc'd and formatted
 * with snprintf, then printed with fprintf; here it is copied together,
 * in the same order with the same text (test_cells_text). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <xlsxwriter.h>

#include "io/dectext.h"

typedef void (*write_cell_fn)(lxw_worksheet *, lxw_cell *, lxw_format *);
typedef void (*write_row_fn)(lxw_worksheet *, lxw_row *, char *);

void _write_cell(lxw_worksheet *self, lxw_cell *cell, lxw_format *row_format);
void _write_row(lxw_worksheet *self, lxw_row *row, char *spans);

/* "A1"-style name of a cell, as lxw_rowcol_to_cell writes it; its length. */
static size_t cell_name(char *out, lxw_row_t row, lxw_col_t col)
{
    char rev[8];
    int n = 0;
    for (unsigned c = (unsigned)col + 1; c; c = (c - 1) / 26) {
        unsigned r = c % 26;
        rev[n++] = (char)('A' + (r ? r : 26) - 1);
    }
    for (int i = 0; i < n; i++) out[i] = rev[n - 1 - i];
    return (size_t)n + (size_t)pms_dec_digits64((uint64_t)row + 1, out + n, 1);
}

static char *put(char *o, const char *s, size_t n)
{
    memcpy(o, s, n);
    return o + n;
}

#define PUT(o, lit) put((o), (lit), sizeof(lit) - 1)

/* The style index, found as libxlsxwriter finds it: the cell's format,
 * else its row's, else its column's. */
static int32_t style_of(lxw_worksheet *self, lxw_cell *cell, lxw_format *row_format)
{
    if (cell->format) return lxw_format_get_xf_index(cell->format);
    if (row_format) return lxw_format_get_xf_index(row_format);
    if (cell->col_num < self->col_formats_max && self->col_formats[cell->col_num])
        return lxw_format_get_xf_index(self->col_formats[cell->col_num]);
    return 0;
}

/* The cell's element into line (at least 128 bytes): its length, or 0 for
 * a cell left to libxlsxwriter. */
static size_t cell_xml(char *line, lxw_worksheet *self, lxw_cell *cell, lxw_format *row_format)
{
    char num[40];
    size_t nlen = 0;
    switch (cell->type) {
    case NUMBER_CELL:
        if (!(nlen = pms_dec_g16(num, cell->u.number))) return 0;
        break;
    case STRING_CELL:
        if (cell->u.string_id < 0) return 0;
        break;
    case BOOLEAN_CELL:
        break;
    case BLANK_CELL:
        if (!cell->format) return 0; /* libxlsxwriter writes nothing */
        break;
    default:
        return 0;
    }
    int32_t style = style_of(self, cell, row_format);
    if (style < 0) return 0;
    char *o = PUT(line, "<c r=\"");
    o += cell_name(o, cell->row_num, cell->col_num);
    if (style) {
        o = PUT(o, "\" s=\"");
        o += pms_dec_digits64((uint64_t)style, o, 1);
    }
    switch (cell->type) {
    case NUMBER_CELL:
        o = PUT(o, "\"><v>");
        o = put(o, num, nlen);
        break;
    case STRING_CELL:
        o = PUT(o, "\" t=\"s\"><v>");
        o += pms_dec_digits64((uint64_t)cell->u.string_id, o, 1);
        break;
    case BOOLEAN_CELL:
        o = PUT(o, "\" t=\"b\"><v>");
        *o++ = cell->u.number == 0.0 ? '0' : '1';
        break;
    default: /* BLANK_CELL */
        return (size_t)(PUT(o, "\"/>") - line);
    }
    return (size_t)(PUT(o, "</v></c>") - line);
}

void _write_cell(lxw_worksheet *self, lxw_cell *cell, lxw_format *row_format)
{
    /* <c r="XFD1048576" s="2147483647" t="s"><v>-1.234567890123456E-17</v></c> */
    char line[128];
    size_t n = cell_xml(line, self, cell, row_format);
    if (n) {
        fwrite_unlocked(line, 1, n, self->file); /* one thread writes a workbook */
        return;
    }
    write_cell_fn real = (write_cell_fn)dlsym(RTLD_NEXT, "_write_cell");
    if (real) real(self, cell, row_format);
}

/* The <row> element's start, as libxlsxwriter 1.1.4's _write_row writes it
 * (worksheet.c; attributes through lxw_xml_start_tag or lxw_xml_empty_tag,
 * numbers "%d" and "%.16G"), into line (at least 256 bytes): its length, or
 * 0 to leave it to libxlsxwriter (spans holding a character XML escapes,
 * or longer than Excel's "16384:16384"; a height io/dectext.h declines). */
static size_t row_xml(char *line, lxw_worksheet *self, lxw_row *row, const char *spans)
{
    double height = row->height_changed ? row->height : self->default_row_height;
    int custom = height != LXW_DEF_ROW_HEIGHT;
    char ht[40];
    size_t htlen = 0, splen = spans ? strlen(spans) : 0;
    if (splen > 11 || (spans && strpbrk(spans, "&<>\"\n"))) return 0;
    if (custom && !(htlen = pms_dec_g16(ht, height))) return 0;
    int32_t xf = row->format ? lxw_format_get_xf_index(row->format) : 0;
    if (xf < 0) return 0;
    char *o = PUT(line, "<row r=\"");
    o += pms_dec_digits64((uint64_t)row->row_num + 1, o, 1);
    if (spans) o = put(PUT(o, "\" spans=\""), spans, splen);
    if (xf) {
        o = PUT(o, "\" s=\"");
        o += pms_dec_digits64((uint64_t)xf, o, 1);
    }
    if (row->format) o = PUT(o, "\" customFormat=\"1");
    if (custom) o = put(PUT(o, "\" ht=\""), ht, htlen);
    if (row->hidden) o = PUT(o, "\" hidden=\"1");
    if (custom) o = PUT(o, "\" customHeight=\"1");
    if (row->level) {
        o = PUT(o, "\" outlineLevel=\"");
        o += pms_dec_digits64(row->level, o, 1);
    }
    if (row->collapsed) o = PUT(o, "\" collapsed=\"1");
    if (self->excel_version == 2010) o = PUT(o, "\" x14ac:dyDescent=\"0.25");
    o = row->data_changed ? PUT(o, "\">") : PUT(o, "\"/>");
    return (size_t)(o - line);
}

void _write_row(lxw_worksheet *self, lxw_row *row, char *spans)
{
    char line[256];
    size_t n = row_xml(line, self, row, spans);
    if (n) {
        fwrite_unlocked(line, 1, n, self->file); /* one thread writes a workbook */
        return;
    }
    write_row_fn real = (write_row_fn)dlsym(RTLD_NEXT, "_write_row");
    if (real) real(self, row, spans);
}
