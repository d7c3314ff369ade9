/* Status codes shared by every pmsreview module.
 *
 * Zero is success, as with libxlsxwriter's lxw_error.  Functions that can fail
 * for a reason a user must see (a bad cell, an unknown column) also take a
 * pms_err, filled with a complete message such as
 *   "payments.csv:812:15: not a number: '12,3x' (column 'Global Sum')"
 * so that the CLI only has to print it.  The library itself never prints. */
#ifndef PMS_STATUS_H
#define PMS_STATUS_H

#include <stddef.h>

typedef enum {
    PMS_OK = 0,
    PMS_ENOMEM,     /* allocation failed */
    PMS_ETOOFEW,    /* too few observations for the statistic */
    PMS_EDOMAIN,    /* argument outside the statistic's domain (weight <= 0, level not in (0,1), ...) */
    PMS_ENONFINITE, /* an input value is infinite or NaN where a finite value is required */
    PMS_EPARSE,     /* input text could not be parsed (CSV, number, expression, INI) */
    PMS_EIO,        /* a file could not be read or written */
    PMS_ESINGULAR,  /* design matrix singular, constant column, zero variance */
    PMS_ENOTFOUND,  /* a named column, group or scenario does not exist */
    PMS_EUSAGE      /* inconsistent options passed by the caller */
} pms_status;

/* A static English description of a status; never NULL. */
const char *pms_strerror(pms_status s);

/* Caller-owned error detail: the message, and which input it is about.
 *
 * msg is a complete sentence.  The other fields say, for an error about one
 * input, which one (issue 16: a caller names it in its own terms, e.g. a CLI
 * flag or a column, without parsing msg):
 *   role    the input's part in the call: "x", "y", "weight", "control",
 *           "predictor", "value", "where", "derive", ... ("" = none)
 *   index   1-based position among inputs of that role (control 2), 0 = n/a
 *   row     1-based observation or table row the error is at, 0 = n/a
 *   column  the data column's name when the library knows it ("" = unknown)
 * The members sit in an anonymous struct led by a scalar so that the usual
 * `pms_err e = {{0}}` zero-initialises all of them without a warning. */
typedef struct {
    struct {
        size_t index;
        size_t row;
        char role[16];
        char column[128];
        char msg[1024];
    };
} pms_err;

/* Fill err (if not NULL) printf-style and return s, so that a failing
 * function can end with `return pms_err_set(err, PMS_EPARSE, "...", ...);`.
 * The structured fields (role, index, row, column) are cleared. */
pms_status pms_err_set(pms_err *err, pms_status s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* "PATH: cannot open: REASON" from errno after a failed open of path:
 * PMS_ENOMEM when the open itself ran out of memory (fopen allocates), else
 * PMS_EIO.  Call it before anything that may change errno. */
pms_status pms_err_open(pms_err *err, const char *path);

/* pms_err_set that also records which input the error is about (role, index,
 * column as pms_err_about; row 1-based or 0). */
pms_status pms_err_at(pms_err *err, pms_status s, const char *role, size_t index,
                      const char *column, size_t row, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 7, 8)))
#endif
    ;

/* Record which input err (if not NULL) is about: role (may be NULL), 1-based
 * index and column (may be NULL); leaves msg and row alone.  Returns err. */
pms_err *pms_err_about(pms_err *err, const char *role, size_t index, const char *column);

/* Clear every field of err (if not NULL). */
void pms_err_clear(pms_err *err);

/* Process exit codes used by the command line (documented in --help/README). */
enum { PMS_EXIT_OK = 0, PMS_EXIT_USAGE = 1, PMS_EXIT_DATA = 2 };

/* Map a status to the CLI exit code: bad input data is 2, everything else 1. */
int pms_status_exit_code(pms_status s);

#endif
