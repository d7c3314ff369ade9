#include "base/status.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *pms_strerror(pms_status s)
{
    switch (s) {
    case PMS_OK: return "success";
    case PMS_ENOMEM: return "out of memory";
    case PMS_ETOOFEW: return "too few observations";
    case PMS_EDOMAIN: return "argument out of domain";
    case PMS_ENONFINITE: return "non-finite value";
    case PMS_EPARSE: return "parse error";
    case PMS_EIO: return "input/output error";
    case PMS_ESINGULAR: return "singular or constant data";
    case PMS_ENOTFOUND: return "not found";
    case PMS_EUSAGE: return "invalid usage";
    }
    return "unknown status";
}

static void clear_detail(pms_err *err)
{
    err->index = err->row = 0;
    err->role[0] = err->column[0] = '\0';
}

pms_status pms_err_set(pms_err *err, pms_status s, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        clear_detail(err);
    }
    return s;
}

pms_status pms_err_open(pms_err *err, const char *path)
{
    int e = errno;
    return pms_err_set(err, e == ENOMEM ? PMS_ENOMEM : PMS_EIO, "%s: cannot open: %s", path,
                       strerror(e));
}

pms_status pms_err_at(pms_err *err, pms_status s, const char *role, size_t index,
                      const char *column, size_t row, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        pms_err_about(err, role, index, column);
        err->row = row;
    }
    return s;
}

pms_err *pms_err_about(pms_err *err, const char *role, size_t index, const char *column)
{
    if (err) {
        snprintf(err->role, sizeof err->role, "%s", role ? role : "");
        snprintf(err->column, sizeof err->column, "%s", column ? column : "");
        err->index = index;
    }
    return err;
}

void pms_err_clear(pms_err *err)
{
    if (err) memset(err, 0, sizeof *err);
}

int pms_status_exit_code(pms_status s)
{
    switch (s) {
    case PMS_OK: return PMS_EXIT_OK;
    case PMS_EPARSE:
    case PMS_EIO:
    case PMS_ENONFINITE: return PMS_EXIT_DATA;
    default: return PMS_EXIT_USAGE;
    }
}
