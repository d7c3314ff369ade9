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

/* Caller-owned message buffer for errors that need detail. */
typedef struct {
    char msg[1024];
} pms_err;

/* Fill err (if not NULL) printf-style and return s, so that a failing
 * function can end with `return pms_err_set(err, PMS_EPARSE, "...", ...);`. */
pms_status pms_err_set(pms_err *err, pms_status s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Process exit codes used by the command line (documented in --help/README). */
enum { PMS_EXIT_OK = 0, PMS_EXIT_USAGE = 1, PMS_EXIT_DATA = 2 };

/* Map a status to the CLI exit code: bad input data is 2, everything else 1. */
int pms_status_exit_code(pms_status s);

#endif
