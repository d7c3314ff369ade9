/* The numbers cached in the workbook's charts, written without printf.
 *
 * Why: libxlsxwriter 1.1.4 writes every number of a chart's cached data
 * (<c:numCache>, <c:numLit>) through _chart_write_v_num, which formats it
 * with snprintf "%.16G" (glibc's multiple-precision conversion) and writes
 * it with three fprintf calls.  The report's charts cache thousands of
 * points.  Here the text comes from io/dectext.h, glibc's "%.16G" bytes
 * exactly, and is written with one fwrite: the chart parts are byte for
 * byte the same (tests/test_xlsx_chart_num.c).
 *
 * How: as io/xlsx_cells.c does for _write_cell.  libxlsxwriter exports
 * _chart_write_v_num and calls it through the dynamic linker (from
 * _chart_write_pt and _chart_write_num_pt), so a program's own definition
 * comes first; CMake pulls this file into every program linking the
 * library ("-u").  A number io/dectext.h declines (NaN, infinities, |v|
 * outside [1e-17, 1e16)) is passed on to libxlsxwriter's own function
 * (found with RTLD_NEXT).  libxlsxwriter 1.1.4's chart.c:
 *     char data[LXW_ATTR_32];
 *     lxw_sprintf_dbl(data, number);        (snprintf "%.16G")
 *     lxw_xml_data_element(self->file, "c:v", data, NULL);
 * and lxw_xml_data_element writes "<c:v>", the text XML-escaped (a number's
 * text has nothing to escape), "</c:v>". */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <xlsxwriter.h>

#include "io/dectext.h"

typedef void (*chart_write_v_num_fn)(lxw_chart *, double);

void _chart_write_v_num(lxw_chart *self, double number);

void _chart_write_v_num(lxw_chart *self, double number)
{
    /* <c:v>-1.234567890123456E-17</c:v> */
    char line[64];
    memcpy(line, "<c:v>", 5);
    size_t n = pms_dec_g16(line + 5, number);
    if (n) {
        memcpy(line + 5 + n, "</c:v>", 6);
        fwrite(line, 1, n + 11, self->file);
        return;
    }
    chart_write_v_num_fn real = (chart_write_v_num_fn)dlsym(RTLD_NEXT, "_chart_write_v_num");
    if (real) real(self, number);
}
