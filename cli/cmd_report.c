/* pmsreview report: options in, pms_report_run (report/), summary out.  The
 * report library does the work, including the output folder's safety rules
 * (doc/output.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "report/report.h"

static const char *about =
    "Write the board report: DIR/pmsreview-report.xlsx (Summary, one sheet per\n"
    "analysis, Methods, Provenance), DIR/charts/ (PNG, SVG and PDF with their gnuplot\n"
    "scripts and data) and DIR/summary.txt, which is also printed. Everything is\n"
    "written to a temporary folder beside DIR and swapped into place when complete,\n"
    "so a failure leaves the previous report as it was.\n\n"
    "DIR is replaced only if a report wrote it (it holds .pmsreview-report) or it is\n"
    "empty; any other file or folder there is refused, untouched. A symbolic link is\n"
    "followed. Two runs into one DIR at once: the second is refused.";

static const char *epilog =
    "The document time is SOURCE_DATE_EPOCH when set (for byte-identical reruns), else now.\n"
    "The data folder is $PMS_DATADIR when set, else the one installed with pmsreview.\n\n"
    "Exit status: 0 success; 1 usage error or the report could not be written;\n"
    "2 bad input data.\n";

int pms_cmd_report(int argc, char **argv)
{
    pms_cli_common c;
    pms_cli_common_init(&c, "report", argc, argv);
    pms_report_config cfg;
    memset(&cfg, 0, sizeof cfg);
    const pms_cli_opt opts[] = {
        {.name = "config", .kind = PMS_ARG_TEXT, .to = &cfg.config, .meta = "FILE",
         .usage = "--config FILE.ini",
         .help = "report settings; its relative paths (data, out =) are relative\n"
                 "to its folder (default: default-report.ini in the data folder)"},
        PMS_CLI_OPT_DATA(&c, "replace the main year's data (repeatable: payments, then joins)"),
        {.name = "locality", .kind = PMS_ARG_TEXT, .to = &cfg.locality, .meta = "CODE",
         .help = "CCG code of the locality to highlight (default from the config: 11H)"},
        {.name = "out", .kind = PMS_ARG_TEXT, .to = &cfg.out, .meta = "DIR",
         .help = "output folder (default: out = in the config, else board-report)"},
        PMS_CLI_OPT_THREADS(&c, "threads for bootstrap and charts (results do not depend on it)"),
        PMS_CLI_END};
    const pms_cli_spec spec = {"report", about, epilog, 19, opts, NULL, NULL, 0};
    int rc = pms_cli_parse(&spec, argc, argv, &c.help);
    if (rc || c.help) return rc;

    cfg.datadir = pms_cli_datasets_dir();
    cfg.data = c.data;
    cfg.ndata = c.ndata;
    cfg.threads = c.threads;
    cfg.command_line = c.command_line;
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    cfg.created = sde && *sde ? (time_t)strtoll(sde, NULL, 10) : time(NULL);

    pms_report_result res;
    pms_err err = {{0}};
    pms_status st = pms_report_run(&cfg, &res, &err);
    if (st) {
        rc = pms_cli_fail(st, &err);
        /* Output that could not be written is exit 1, as documented; exit 2
         * stays for input data that is bad. */
        if (res.output_failed) rc = PMS_EXIT_USAGE;
    } else {
        fputs(res.summary ? res.summary : "", stdout);
        if (fflush(stdout) != 0 || ferror(stdout)) {
            pms_cli_error("write error on standard output: %s", strerror(errno ? errno : EIO));
            rc = PMS_EXIT_USAGE;
        }
    }
    pms_report_result_free(&res);
    return rc;
}
