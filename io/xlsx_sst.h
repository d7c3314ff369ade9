/* The workbook's shared strings, found in a hash table of our own (internal
 * to io/xlsx.c; see io/xlsx_sst.c for why). */
#ifndef PMS_XLSX_SST_H
#define PMS_XLSX_SST_H

#include <xlsxwriter.h>

typedef struct pms_xlsx_sst pms_xlsx_sst;

/* NULL when out of memory. */
pms_xlsx_sst *pms_xlsx_sst_new(void);
void pms_xlsx_sst_free(pms_xlsx_sst *c);

/* What a text cell of `s` holds, and counted once more in the workbook's
 * strings exactly as worksheet_write_string counts it: the shared string of
 * pms_xlsx_cell_text(s) in *el, or *el = NULL for "" (a blank cell).
 * LXW_NO_ERROR or libxlsxwriter's error for that string. */
lxw_error pms_xlsx_sst_get(pms_xlsx_sst *c, lxw_workbook *wb, const char *s,
                           struct sst_element **el);

/* The cell worksheet_write_string writes for el (not NULL), at (row, col). */
lxw_error pms_xlsx_sst_cell(lxw_worksheet *ws, lxw_row_t row, lxw_col_t col,
                            const struct sst_element *el, lxw_format *fmt);

#endif
