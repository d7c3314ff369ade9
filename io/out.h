/* Result tables printed as aligned text, CSV or JSON.
 *
 * Every subcommand builds one or more pms_out tables (named columns, typed
 * cells) and hands them to pms_out_write, so that the three formats stay
 * consistent and the text form is what an analyst pastes into a paper.
 *
 * JSON shape: {"provenance": {...}, "<table name>": [ {col: value, ...}, ... ], ...}
 * Missing numbers are null in JSON, empty in CSV and "-" in text; numbers that
 * could not be computed (non-finite) likewise, "not computed" in text, with the
 * reason in a note.  Output is
 * deterministic: numbers are printed with a fixed rule (see pms_out_col), and
 * nothing time-dependent is written. */
#ifndef PMS_OUT_H
#define PMS_OUT_H

#include <stdio.h>

#include "base/status.h"
#include "io/table.h"

typedef enum { PMS_FMT_TEXT = 0, PMS_FMT_CSV, PMS_FMT_JSON } pms_format;

/* How a column's numbers are written.  REAL uses `decimals` fixed decimals in
 * text and CSV; in JSON a REAL is written with 17 significant digits (%.17g)
 * so that no precision is lost, except MONEY, written with exactly two
 * decimals (pounds and pence). */
typedef enum {
    PMS_OUT_TEXT = 0,
    PMS_OUT_INT,
    PMS_OUT_REAL,
    PMS_OUT_MONEY,   /* pounds, two decimals; "£" and thousands separators in text */
    PMS_OUT_PCT,     /* a fraction shown as percent in text (x100, "%"), raw fraction in CSV/JSON */
    PMS_OUT_BOOL
} pms_outkind;

typedef struct pms_out pms_out;

/* name: the JSON key for the table (e.g. "results"); title: heading in text form. */
pms_out *pms_out_new(const char *name, const char *title);
void pms_out_free(pms_out *o);

/* Out of memory while a table is built: a cell's text, a row, a column, a
 * footnote, a note or the title that could not be stored marks the table
 * incomplete (sticky; whatever the caller did with the status), and every
 * writer refuses an incomplete table (PMS_ENOMEM, "out of memory"): an
 * output is complete or absent, never short of a row, cell or note, even
 * when a caller ignored a status.  A practice table whose note could not be
 * stored is marked the same way (pms_table.incomplete). */
int pms_out_incomplete(const pms_out *o);

/* PMS_ENOMEM ("out of memory") if any of the n tables (NULL entries
 * skipped) or `prov` (may be NULL) is incomplete, else PMS_OK.  What
 * pms_out_write, pms_out_all_or_none and the workbook check. */
pms_status pms_out_check(pms_out *const *tables, size_t n, const pms_table *prov, pms_err *err);

/* The k tables a call built (out[0..k)): if any is NULL or incomplete (out
 * of memory), free them all, set *n to 0 and fail; else set *n to k. */
pms_status pms_out_all_or_none(pms_out **out, size_t k, size_t *n, pms_err *err);

/* The "excluded" table every command prints ("Practices excluded": reason,
 * column, practices); col gets the three column indices.  NULL when out of
 * memory. */
pms_out *pms_out_new_excluded(int col[3]);

/* Define a column; returns its index or -1 on allocation failure. */
int pms_out_col(pms_out *o, const char *key, pms_outkind kind, int decimals);

/* Start a new row; cells are then set by column index. Unset cells are missing. */
pms_status pms_out_row(pms_out *o);
void pms_out_set_text(pms_out *o, int col, const char *s);    /* copied; NULL = missing */
void pms_out_set_num(pms_out *o, int col, double v);          /* NaN = missing */
void pms_out_set_int(pms_out *o, int col, long long v);
void pms_out_set_bool(pms_out *o, int col, int v);
/* A statistic that could not be computed, with the reason (copied; NULL: an
 * overflow).  Text shows "not computed" and a note "KEY: not computed in N
 * rows: WHY" after the table; CSV an empty cell; JSON null and the note in
 * "<name>_notes"; the workbook "not computed".  pms_out_set_num with +-inf
 * does the same with the reason "the result is not finite (... overflowed)":
 * no format ever prints nan or inf as a number. */
void pms_out_set_not_computed(pms_out *o, int col, const char *why);
/* The reason a cell was not computed, or NULL. */
const char *pms_out_why(const pms_out *o, size_t row, size_t col);

size_t pms_out_nrows(const pms_out *o);

/* Free-text lines printed after the table in text form only (e.g. verdicts
 * and footnotes); in JSON they appear as "<name>_notes": [...]. */
pms_status pms_out_footnote(pms_out *o, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Write tables in the chosen format.  `prov` may be NULL; when given, JSON
 * carries a "provenance" object (inputs with SHA-256 and row counts, notes),
 * and text ends with a short provenance block.  In CSV, several tables are
 * separated by a blank line and each starts with its header row.
 * Returns PMS_EIO if writing failed (e.g. /dev/full), PMS_ENOMEM if a table
 * or prov is incomplete (pms_out_incomplete) or the writer's own memory ran
 * out: then nothing at all was written. */
pms_status pms_out_write(FILE *f, pms_format fmt, pms_out *const *tables, size_t ntables,
                         const pms_table *prov, const char *command_line);

/* Read access for other writers (the Excel workbook). */
const char *pms_out_name(const pms_out *o);
const char *pms_out_title(const pms_out *o);
/* Replace the title / footnote i (copied), e.g. to name a measure in words. */
pms_status pms_out_set_title(pms_out *o, const char *title);
pms_status pms_out_set_note(pms_out *o, size_t i, const char *text);
size_t pms_out_ncols(const pms_out *o);
const char *pms_out_key(const pms_out *o, size_t col);
pms_outkind pms_out_kind(const pms_out *o, size_t col);
int pms_out_decimals(const pms_out *o, size_t col);
/* 1 and the value if the cell is set (text cells fill *s, others *v), else 0. */
int pms_out_get(const pms_out *o, size_t row, size_t col, double *v, const char **s);
size_t pms_out_nnotes(const pms_out *o);
const char *pms_out_note(const pms_out *o, size_t i);

/* JSON string escaping helper (also used by other writers); invalid UTF-8
 * bytes become \ufffd, so the output always parses. */
void pms_json_string(FILE *f, const char *s);

/* CSV injection guard (OWASP): 1 if a cell starts with = + - @ TAB or CR and
 * is not a plain number ([-+]?digits[.digits][e[-+]digits]); such a cell is
 * written quoted with a leading apostrophe: "'=1+2". */
int pms_csv_needs_guard(const char *s);
int pms_csv_is_number(const char *s);

#endif
