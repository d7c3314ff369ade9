/* The board report's assembly: a context shared by the sections (one file per
 * section, report/report_*.c), each of which adds sheets, charts, summary
 * sentences and method notes. */
#ifndef PMS_REPORT_REPORT_H
#define PMS_REPORT_REPORT_H

#include <time.h>

#include "cli/common.h"
#include "io/config.h"
#include "io/table.h"
#include "io/xlsx.h"
#include "plots/charts.h"

typedef struct pms_report_chart {
    char name[49];
    char what[160];      /* what it shows, for the list of charts not drawn */
    char sheet[32];      /* where its PNG goes in the workbook */
    unsigned row, col;
} pms_report_chart;

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
    char **missing_charts;  /* "NAME (what it shows): why not drawn" */
    size_t nmissing_charts;
    /* Charts: each section writes NAME.dat/.gp into charts/ and registers the
     * chart; all are rendered together (in parallel) at the end and their PNGs
     * embedded where the section asked. */
    int charts_on;           /* [report] charts = yes */
    char charts_dir[4300];
    char gnuplot[4096];      /* path of gnuplot, "" if absent */
    char gnuplot_why[1100];   /* why not, when absent */
    struct pms_report_chart *charts;
    size_t ncharts;
    struct pms_gp_runner *runner; /* renders each chart as soon as it is registered */
    double ci_level;
    unsigned long seed, bootstrap;
    char source[512];
    char locality_label[200];        /* chart source line when --data replaces the shipped data */
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

/* "£1,234.56" / "-£0.35" with dec decimals (0-4) into buf (at least 40 bytes). */
const char *pms_report_money(char *buf, size_t cap, double v, int dec);

/* "Bristol (11H)": the locality's CCG name from the main data with its code,
 * or the code alone when the data has no name for it. */
const char *pms_report_locality(pms_report_ctx *r);

/* "11H NHS Bristol CCG (#31)": a CCG's chart label, the name cut at 34 bytes
 * on a character boundary with "..." (name may be NULL). */
void pms_report_ccg_label(char *out, size_t cap, const char *code, const char *name, size_t rank);

/* "7,802": a count with thousands separators into buf. */
const char *pms_report_count(char *buf, size_t cap, size_t n);

/* Resolve a config path against the config's folder into buf. */
const char *pms_report_path(const pms_report_ctx *r, const char *rel, char *buf, size_t cap);

/* Load data files (already resolved) and remember them for Provenance. */
pms_status pms_report_load(pms_report_ctx *r, const char *const *paths, size_t n,
                           const char *const *where, size_t nwhere, pms_table **out,
                           pms_err *err);

/* The chart info for NAME: the charts folder and the report's source line. */
pms_chart_info pms_report_chart_info(const pms_report_ctx *r, const char *name,
                                     const char *title, const char *xlabel, const char *ylabel);
/* Register a chart whose .dat/.gp were written, to embed at (row, col) of sheet. */
pms_status pms_report_add_chart(pms_report_ctx *r, const char *name, const char *what,
                                const char *sheet, unsigned row, unsigned col, pms_err *err);

/* Sections. Each returns a status with err filled. */
pms_status pms_report_regress(pms_report_ctx *r, pms_err *err);
pms_status pms_report_ccg(pms_report_ctx *r, pms_err *err);
pms_status pms_report_correlate(pms_report_ctx *r, pms_err *err);
pms_status pms_report_fairness(pms_report_ctx *r, pms_err *err);
pms_status pms_report_funnel(pms_report_ctx *r, pms_err *err);
pms_status pms_report_savings(pms_report_ctx *r, pms_err *err);
pms_status pms_report_trend(pms_report_ctx *r, pms_err *err);

#endif
