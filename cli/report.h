/* The board report's assembly: a context shared by the sections (one file per
 * section, cli/report_*.c), each of which adds sheets, charts, summary
 * sentences and method notes. */
#ifndef PMS_CLI_REPORT_H
#define PMS_CLI_REPORT_H

#include <time.h>

#include "cli/common.h"
#include "io/config.h"
#include "io/table.h"
#include "io/xlsx.h"

typedef struct {
    pms_cli_common common;
    const char *locality;
    pms_config *cfg;
    char base[4096];     /* folder of the config: its paths are relative to it */
    char dir[4200];      /* the temporary report directory being written */
    time_t created;
    pms_xlsx *x;
    char **say;          /* summary sentences, in order */
    size_t nsay;
    char **methods;      /* Methods sheet lines */
    size_t nmethods;
    pms_table *main;     /* main year joined to deprivation */
    const char *deprivation; /* its deprivation column, e.g. imd2015 */
    pms_table *perf;     /* performance year joined to QOF and the survey */
    pms_table **loaded;  /* every table loaded, for Provenance */
    size_t nloaded;
    char **missing_charts;
    size_t nmissing_charts;
    char *summary;       /* summary.txt as printed */
} pms_report_ctx;

/* Check the config's sections and keys. Returns an exit code (0 = fine). */
int pms_report_configure(pms_report_ctx *r, pms_err *err);
/* Write everything into r->dir. Returns an exit code, having printed any error. */
int pms_report_build(pms_report_ctx *r, pms_err *err);
void pms_report_ctx_free(pms_report_ctx *r);

/* Add a summary sentence / a Methods line (printf-style). */
void pms_report_say(pms_report_ctx *r, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void pms_report_method(pms_report_ctx *r, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Resolve a config path against the config's folder into buf. */
const char *pms_report_path(const pms_report_ctx *r, const char *rel, char *buf, size_t cap);

/* Load data files (already resolved) and remember them for Provenance. */
pms_status pms_report_load(pms_report_ctx *r, const char *const *paths, size_t n,
                           const char *const *where, size_t nwhere, pms_table **out,
                           pms_err *err);

/* Sections. Each returns a status with err filled. */
pms_status pms_report_trend(pms_report_ctx *r, pms_err *err);

#endif
