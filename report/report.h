/* The board report, a library part (pmsreview_report):
 *  - the public call, pms_report_run(), which a program (the CLI, a test)
 *    calls with a settings struct; it never prints and never exits;
 *  - below it, the assembly shared by the sections (one file per section,
 *    report/report_*.c), each of which adds sheets, charts, summary sentences
 *    and method notes to a pms_report_ctx. */
#ifndef PMS_REPORT_REPORT_H
#define PMS_REPORT_REPORT_H

#include <stdio.h>
#include <time.h>

#include "analysis/savings.h"
#include "base/status.h"
#include "io/config.h"
#include "io/out.h"
#include "io/select.h"
#include "io/table.h"
#include "io/xlsx.h"
#include "plots/charts.h"

/* What to run.  Relative paths in the settings file (data files, `out =`)
 * resolve against the settings file's folder; the others against the working
 * folder. */
typedef struct {
    const char *config;        /* settings (INI); NULL: default-report.ini in datadir */
    const char *datadir;       /* the shipped datasets folder; needed when config is NULL */
    const char *const *data;   /* these files replace [data.main] (payments, then joins) */
    size_t ndata;
    const char *locality;      /* CCG code to highlight; NULL: [report] locality, else 11H */
    const char *out;           /* output folder; NULL: [report] out, else ./board-report */
    unsigned threads;          /* bootstrap and chart threads, 0 = all online CPUs */
    time_t created;            /* document time written into the workbook */
    const char *command_line;  /* recorded in Provenance; NULL = "" */
} pms_report_config;

typedef struct {
    char *summary;             /* summary.txt's text (NULL on failure) */
    char out[4096];            /* the folder written, as given */
    int output_failed;         /* the failure was writing the output, not reading the inputs */
} pms_report_result;

/* Write the report into cfg->out, replacing it only if it is a folder a
 * report wrote (marker file .pmsreview-report) or an empty folder; anything
 * else there is refused (PMS_EUSAGE) before any work, untouched.  The new
 * report appears in one atomic swap: on failure the previous report is as it
 * was.  A second run into the same folder meanwhile is refused (PMS_EUSAGE).
 * Errors: PMS_EPARSE (settings), PMS_EIO (files), PMS_ENOTFOUND (columns)...,
 * with err filled.  Free *res with pms_report_result_free, success or not. */
pms_status pms_report_run(const pms_report_config *cfg, pms_report_result *res, pms_err *err);
void pms_report_result_free(pms_report_result *res);

/* ---- For the sections (report/report_*.c) ---- */

typedef struct pms_report_chart {
    char name[49];
    char what[160];      /* what it shows, for the list of charts not drawn */
    char sheet[32];      /* where its PNG goes in the workbook */
    unsigned row, col;
    int png_ok;          /* its PNG was drawn and embedded */
} pms_report_chart;

/* The caller's inputs as the sections see them (the name `common` is the
 * CLI options struct it once was). */
typedef struct {
    const char *const *data;   /* files replacing [data.main] */
    size_t ndata;
    unsigned threads;          /* 0 = all online CPUs; results never depend on it */
    const char *command_line;  /* for Provenance */
} pms_report_inputs;

typedef struct {
    pms_report_inputs common;
    const char *locality;
    pms_config *cfg;
    char base[4096];     /* folder of the config: its paths are relative to it */
    char dir[4200];      /* the temporary report directory being written */
    time_t created;
    pms_xlsx *x;
    char **say;          /* summary sentences, in the order said */
    unsigned char *say_part; /* each sentence's pms_say_part */
    size_t nsay;
    char **methods;      /* Methods sheet lines */
    size_t nmethods;
    int lost;            /* 1 once a sentence or method line could not be stored
                            (out of memory): the report then fails, never
                            written without it */
    pms_table *main;     /* main year joined to deprivation */
    const char *deprivation; /* its deprivation column, e.g. imd2015 */
    pms_table *perf;     /* performance year joined to QOF and the survey */
    pms_table *all;      /* the main year before the practice rules: the savings model
                            keeps every contract; the sensitivity table compares */
    const char *measure; /* [report] measure, e.g. payments_less_dispensing_premises_per_weighted */
    char measure_num[96];   /* its numerator column (total_payments for payments_per_weighted) */
    const char *measure_den; /* weighted_patients or registered_patients */
    char measure_label[160]; /* "payments less dispensing and premises per weighted patient" */
    pms_select_opts sel;     /* [practices] rules */
    pms_select_result selres; /* what they removed from the main year */
    /* The locality as a set of practices: its practice codes in the main
     * (base) year, sorted (strcmp), followed into every other year. */
    const char **loc_codes;
    size_t nloc_codes;
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
    struct pms_report_prefetch *prefetch; /* data files read ahead (report/prefetch.c) */
    /* The savings model's run of each [savings] scenario on the main year
     * (every contract), made by the fair-shares section and taken over by the
     * savings section, which would otherwise run the same scenarios on the
     * same base again (issue 15).  NULL when fair shares did not run them. */
    pms_sav_result *sav_runs;
    size_t nsav_runs;
    double ci_level;
    unsigned long seed, bootstrap;
    char source[512];
    char locality_label[200];        /* chart source line when --data replaces the shipped data */
    char *summary;       /* summary.txt as printed */
} pms_report_ctx;

/* summary.txt and the Summary sheet from the sentences said, by part, with
 * a glossary of the terms they use (report_summary.c). */
pms_status pms_report_write_summary(pms_report_ctx *r, const char *title, pms_err *err);
/* The Practices sheet and practices.csv (report_practices.c). */
pms_status pms_report_practices(pms_report_ctx *r, pms_err *err);
/* Check the config's sections and keys (FILE:LINE errors, PMS_EPARSE). */
pms_status pms_report_configure(pms_report_ctx *r, pms_err *err);
/* Write everything into r->dir. */
pms_status pms_report_build(pms_report_ctx *r, pms_err *err);
void pms_report_ctx_free(pms_report_ctx *r);

/* The parts of the summary, in the order a board reads them (issue 14):
 * the answer for the locality first, then its savings options, England for
 * context, and the technical detail (test names, adjustments, slopes) last.
 * Sentences outside PMS_SAY_DETAIL use plain words: any technical term kept
 * there is explained in the glossary at the end. */
typedef enum {
    PMS_SAY_ANSWER = 0,  /* does funding follow need in the locality, and can the data tell? */
    PMS_SAY_SAVINGS,     /* the savings options for the locality */
    PMS_SAY_ENGLAND,     /* England for context */
    PMS_SAY_DETAIL,      /* technical detail */
    PMS_SAY_NPARTS
} pms_say_part;

/* pms_xlsx_add_tables with the titles and notes naming the report's measure
 * (tables are changed in place). */
pms_status pms_report_add_tables(pms_report_ctx *r, const char *sheet, pms_out *const *tables,
                                 size_t n, pms_xlsx_loc *locs, pms_err *err);

/* Add a summary sentence to a part / a Methods line (printf-style). */
void pms_report_say(pms_report_ctx *r, pms_say_part part, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
void pms_report_method(pms_report_ctx *r, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* "£1,234.56" / "-£0.35" with dec decimals (0-4) into buf (at least 40 bytes). */
const char *pms_report_money(char *buf, size_t cap, double v, int dec);
/* A p-value as the workbook shows it, with its sign: "= 0.00297" (three
 * significant figures) or "< 0.001". */
const char *pms_report_pvalue(char *buf, size_t cap, double p);

/* "Bristol (11H)": the locality's CCG name from the main data with its code,
 * or the code alone when the data has no name for it. */
const char *pms_report_locality(pms_report_ctx *r);

/* "11H NHS Bristol CCG (#31)": a CCG's chart label, the name cut at 34 bytes
 * on a character boundary with "..." (name may be NULL). */
void pms_report_ccg_label(char *out, size_t cap, const char *code, const char *name, size_t rank);

/* "7,802": a count with thousands separators into buf. */
const char *pms_report_count(char *buf, size_t cap, size_t n);

/* Mark the rows of t whose practice is one of the locality's base-year
 * practices (t may be any year); returns how many of them t holds. */
size_t pms_report_locality_rows(const pms_report_ctx *r, const pms_table *t, unsigned char *mark);

/* "Bristol (11H, 2014/15 practices): 52 of 55 found in 2018/19" into buf. */
const char *pms_report_locality_found(pms_report_ctx *r, const pms_table *t, const char *year,
                                      char *buf, size_t cap);

/* Resolve a config path against the config's folder into buf. */
const char *pms_report_path(const pms_report_ctx *r, const char *rel, char *buf, size_t cap);

/* Load data files (already resolved) and remember them for Provenance. */
pms_status pms_report_load(pms_report_ctx *r, const char *const *paths, size_t n,
                           const char *const *where, size_t nwhere, pms_table **out,
                           pms_err *err);

/* Read ahead (report/prefetch.c): start a thread loading the performance
 * year's files (nperf may be 0) and every [trend] year's, while the caller
 * loads the main year's itself (main_first: its first file, or NULL).
 * Stop it and free what no section took.  take: if paths are among them,
 * the table (or the load's failure, in *st and err) and 1; else 0 (the
 * caller loads them, with open: pms_dataset_open, a first file that begins
 * other loads too parsed only once). */
typedef struct pms_report_prefetch pms_report_prefetch;
pms_status pms_report_prefetch_start(pms_report_ctx *r, const char *main_first,
                                     const char *const *perf_paths, size_t nperf, pms_err *err);
pms_status pms_report_prefetch_open(pms_report_ctx *r, const pms_data_opts *o, pms_table **out,
                                    pms_err *err);
void pms_report_prefetch_stop(pms_report_ctx *r);
int pms_report_prefetch_take(pms_report_ctx *r, const char *const *paths, size_t n,
                             pms_table **out, pms_status *st, pms_err *err);

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
pms_status pms_report_premium(pms_report_ctx *r, pms_err *err);
pms_status pms_report_sensitivity(pms_report_ctx *r, pms_err *err);
pms_status pms_report_target(pms_report_ctx *r, pms_err *err);

#endif
