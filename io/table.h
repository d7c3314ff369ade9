/* The practice table: typed columns read from one or more CSV files.
 *
 * A table owns everything it points to.  Numeric columns hold doubles with NaN
 * meaning "missing" (the file said "", "-", "*", "NA", "n/a" or ".."): a
 * missing value is never zero.  Literal "nan"/"inf" cells and overflowing
 * numbers are input errors, so a NaN in a numeric column is always a missing
 * value.  Text columns hold UTF-8 strings, NULL meaning missing.
 *
 * Ownership: pms_table_load/pms_dataset_open create a table that the caller
 * frees with pms_table_free (NULL is a no-op). */
#ifndef PMS_TABLE_H
#define PMS_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "base/status.h"

typedef enum { PMS_COL_NUM = 0, PMS_COL_TEXT = 1 } pms_coltype;

typedef struct {
    char *name;          /* canonical name (aliases.h) or snake_case of the header */
    char *header;        /* the header as written in the file, UTF-8, trimmed */
    int source;          /* index of the input file (0 = the practice table) */
    int field;           /* 1-based field position in that file, 0 for derived columns */
    pms_coltype type;
    double *num;         /* PMS_COL_NUM: nrows values, NaN = missing (NULL: see lazy) */
    char **text;         /* PMS_COL_TEXT: nrows strings, NULL = missing */
    size_t n_missing;    /* cells that are missing (markers, empty, failed join, bad denominator) */
    /* Text columns that are not numbers: the first cell that is not a number,
     * so that asking for one as a number gives "file:line:col: not a number". */
    long bad_line;
    char *bad_value;
    /* Private: num stays NULL until the column is first looked up by name
     * (pms_table_col, pms_table_numeric, pms_table_text) for a derived
     * measure (pms_table_derive_standard), computed then from its inputs,
     * and for a file's numeric column the loader kept as 32-bit integers
     * (doc/loader.md), converted then; n_missing is known from the start. */
    struct pms_lazy *lazy;
} pms_column;

typedef struct {
    char *path;          /* as given on the command line */
    char sha256[65];     /* hex digest of the file's bytes */
    size_t bytes;
    size_t rows;         /* data records read (header excluded) */
    size_t columns;
    int latin1;          /* the file was not UTF-8 and was converted: 1 from ISO-8859-1,
                          * 2 from Windows-1252 (pms_csv_encoding names it) */
    int bom;             /* 1 if a UTF-8 byte-order mark was removed */
    int long_format;     /* 1 if a Fingertips long file was pivoted */
} pms_source;

/* What happened to rows and keys while loading, joining, deriving and filtering. */
typedef struct {
    char *what;          /* short machine-readable tag, e.g. "unmatched_key", "duplicate_key" */
    char *detail;        /* human sentence */
    size_t count;
} pms_note;

typedef struct {
    size_t nrows, ncols, cap_cols;
    pms_column *cols;
    long *line;          /* physical line (1-based) where each row starts in source 0 */
    pms_source *sources;
    size_t nsources;
    pms_note *notes;     /* exclusions and warnings, in the order they arose */
    size_t nnotes;
    /* 1 once a note could not be stored (pms_table_note ran out of memory),
     * whether or not its caller checked: the notes are incomplete, and every
     * writer refuses the table (pms_out_write, the report) rather than
     * write a provenance without it.  Carried over by pms_table_copy and
     * to the left table of a join (pms_table_join). */
    int incomplete;
    /* private: text storage */
    char **blocks;
    size_t nblocks;
    /* private: pms_load_opts.threads as loaded (0 automatic), for the passes
     * over every row after the load (pms_table_two_threads) */
    int threads;
} pms_table;

typedef struct {
    /* Treat these columns as text even if every value parses as a number
     * (codes such as "00K" do not, but codes like "11" would). */
    int keep_codes_text;   /* 1 (default via pms_load_opts_default): *_code columns stay text */
    /* Threads that type the cells while the file is split: 0 (the default)
     * two for files of a million cells or more, else one; 1 always one; 2
     * (or more) two whatever the size (the tests compare the two paths).
     * The table, or the error, is the same either way. */
    int threads;
} pms_load_opts;

void pms_load_opts_default(pms_load_opts *o);

/* Read one CSV file (RFC 4180, CRLF or LF, UTF-8 with or without BOM, or
 * ISO-8859-1) and map its headers through the alias table.  A Fingertips long
 * file (IndicatorID,Year,AreaCode,...,Value) is pivoted to one row per area
 * with one column per year (imd2010, imd2015, ...).  Errors name file:line:col. */
pms_status pms_table_load(const char *path, const pms_load_opts *opts,
                          pms_table **out, pms_err *err);

/* The same from bytes in memory (copied); `display` names them in messages. */
pms_status pms_table_load_mem(const char *display, const void *data, size_t len,
                              const pms_load_opts *opts, pms_table **out, pms_err *err);

void pms_table_free(pms_table *t);

/* A deep copy of t: the same rows, columns (values, text, missing counts,
 * derived measures computed or not), sources, notes and line numbers, owning
 * all of its own memory (freed with pms_table_free), so that one load can
 * serve two uses that change their tables apart (the report's main year with
 * and without the practice rules).  t is not modified; a derived measure not
 * computed in t is copied uncomputed (reading t meanwhile from another thread
 * is safe).  NULL when out of memory. */
pms_table *pms_table_copy(const pms_table *t);

/* Column lookup by name (canonical or snake_case); NULL if absent.  A
 * derived measure not yet computed is computed here (the table is changed
 * through the const pointer, as pms_table_text does; two threads may look it
 * up at once); NULL if that runs out of memory (pms_table_numeric says so). */
const pms_column *pms_table_col(const pms_table *t, const char *name);
int pms_table_col_index(const pms_table *t, const char *name);

/* A numeric column by name, or an error that says why not: no such column
 * (with the closest names), or a text column (with the first non-number and
 * its file:line:col). */
pms_status pms_table_numeric(const pms_table *t, const char *name,
                             const double **values, pms_err *err);
/* A column as text (numbers are formatted back); NULL entries are missing. */
pms_status pms_table_text(const pms_table *t, const char *name,
                          const char *const **values, pms_err *err);

/* Left-join `right` onto `left` by practice code (each table's practice_code
 * column).  Every left row stays; right columns are appended, missing where no
 * key matched.  A right column whose name already exists gets the suffix
 * "_<source index>".  Unmatched and duplicate keys are recorded as notes. */
pms_status pms_table_join(pms_table *left, const pms_table *right, pms_err *err);

/* Append a numeric column (takes ownership of values). */
pms_status pms_table_add_numeric(pms_table *t, const char *name, double *values,
                                 pms_err *err);

/* Add the derived measures payments_per_registered, payments_per_weighted,
 * core_payments, core_per_weighted where their inputs exist; a denominator
 * <= 0 gives a missing value, counted in a note.  Their values are computed
 * when a column is first looked up (pms_table_col, pms_table_numeric), from
 * the inputs as they are then, so they cost no memory until asked for;
 * their missing counts and notes are known at once.  The inputs must not
 * be changed in place afterwards (pms_table_keep_rows keeps them in step). */
pms_status pms_table_derive_standard(pms_table *t, pms_err *err);

/* Keep only rows with keep[i] != 0 (compacts every column). */
pms_status pms_table_keep_rows(pms_table *t, const unsigned char *keep, pms_err *err);

/* Record a note (exclusion or warning) on the table.  PMS_ENOMEM if it
 * cannot be stored; the table is then marked incomplete (see above). */
pms_status pms_table_note(pms_table *t, const char *what, size_t count,
                          const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* Everything a subcommand needs in one call: load data[0], left-join the
 * others, add the standard derived measures, apply --derive then --where. */
typedef struct {
    const char **data;     size_t ndata;
    const char **derive;   size_t nderive;   /* "NAME=EXPR" */
    const char **where;    size_t nwhere;    /* "COL OP VALUE" */
} pms_data_opts;

pms_status pms_dataset_open(const pms_data_opts *opts, pms_table **out, pms_err *err);

/* The same, data[0] being t, already loaded by pms_table_load (as from a
 * pms_table_copy of such a table): t is taken, and freed on failure. */
pms_status pms_dataset_open_from(const pms_data_opts *opts, pms_table *t, pms_table **out,
                                 pms_err *err);

#endif
