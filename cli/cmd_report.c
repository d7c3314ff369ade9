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

static const char *help =
    "Usage: pmsreview report [--config FILE.ini] [--data FILE]... [--locality CODE]\n"
    "                        [--out DIR] [--threads N]\n\n"
    "Write the board report: DIR/pmsreview-report.xlsx (Summary, one sheet per\n"
    "analysis, Methods, Provenance), DIR/charts/ (PNG, SVG and PDF with their gnuplot\n"
    "scripts and data) and DIR/summary.txt, which is also printed. Everything is\n"
    "written to a temporary folder beside DIR and swapped into place when complete,\n"
    "so a failure leaves the previous report as it was.\n\n"
    "DIR is replaced only if a report wrote it (it holds .pmsreview-report) or it is\n"
    "empty; any other file or folder there is refused, untouched. A symbolic link is\n"
    "followed. Two runs into one DIR at once: the second is refused.\n\n"
    "Options:\n"
    "  --config FILE   report settings; its relative paths (data, out =) are relative\n"
    "                  to its folder (default: default-report.ini in the data folder)\n"
    "  --data FILE     replace the main year's data (repeatable: payments, then joins)\n"
    "  --locality CODE CCG code of the locality to highlight (default from the config: 11H)\n"
    "  --out DIR       output folder (default: out = in the config, else board-report)\n"
    "  --threads N     threads for bootstrap and charts (results do not depend on it)\n"
    "  --help          this help\n\n"
    "The document time is SOURCE_DATE_EPOCH when set (for byte-identical reruns), else now.\n"
    "The data folder is $PMS_DATADIR when set, else the one installed with pmsreview.\n\n"
    "Exit status: 0 success; 1 usage error or the report could not be written;\n"
    "2 bad input data.\n";

enum { OPT_CONFIG = PMS_OPT_FIRST_COMMAND_SPECIFIC, OPT_LOCALITY, OPT_OUT };

int pms_cmd_report(int argc, char **argv)
{
    static const struct option opts[] = {PMS_COMMON_LONG_OPTIONS,
                                         {"config", required_argument, NULL, OPT_CONFIG},
                                         {"locality", required_argument, NULL, OPT_LOCALITY},
                                         {"out", required_argument, NULL, OPT_OUT},
                                         {NULL, 0, NULL, 0}};
    pms_cli_common c;
    pms_cli_common_init(&c, "report", argc, argv);
    pms_report_config cfg;
    memset(&cfg, 0, sizeof cfg);
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        int k = pms_cli_common_opt(&c, opt, optarg);
        if (k < 0) return PMS_EXIT_USAGE;
        if (k > 0) continue;
        switch (opt) {
        case OPT_CONFIG: cfg.config = optarg; break;
        case OPT_LOCALITY: cfg.locality = optarg; break;
        case OPT_OUT: cfg.out = optarg; break;
        default: return pms_cli_usage("report", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (c.help) {
        fputs(help, stdout);
        return pms_cli_stdout_done();
    }
    if (optind < argc) return pms_cli_usage("report", "unexpected argument '%s'", argv[optind]);
    if (c.nwhere || c.nderive)
        return pms_cli_usage("report", "--where and --derive do not apply to the report");

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
    int rc = 0;
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
