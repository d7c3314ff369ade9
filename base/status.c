#include "base/status.h"

#include <stdarg.h>
#include <stdio.h>

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

pms_status pms_err_set(pms_err *err, pms_status s, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return s;
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
