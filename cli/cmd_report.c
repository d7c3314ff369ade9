/* pmsreview report: from the real datasets to what goes in front of a board:
 * an Excel workbook, gnuplot charts and a summary, written to a temporary
 * directory and moved into place only when complete. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "report/report.h"
#include "io/config.h"
#include "io/xlsx.h"

static const char *help =
    "Usage: pmsreview report [--config FILE.ini] [--data FILE]... [--locality CODE]\n"
    "                        [--out DIR] [--threads N]\n\n"
    "Write the board report: DIR/pmsreview-report.xlsx (Summary, one sheet per\n"
    "analysis, Methods, Provenance), DIR/charts/ (PNG, SVG and PDF with their gnuplot\n"
    "scripts and data) and DIR/summary.txt, which is also printed. Everything is\n"
    "written to a temporary directory first and moved into place when complete, so a\n"
    "failure leaves the previous report as it was.\n\n"
    "Options:\n"
    "  --config FILE   report settings (default: datasets/default-report.ini)\n"
    "  --data FILE     replace the main year's data (repeatable: payments, then joins)\n"
    "  --locality CODE CCG code of the locality to highlight (default from the config: 11H)\n"
    "  --out DIR       output directory (default: board-report)\n"
    "  --threads N     threads for bootstrap and charts (results do not depend on it)\n"
    "  --help          this help\n\n"
    "The document time is SOURCE_DATE_EPOCH when set (for byte-identical reruns), else now.\n\n"
    "Exit status: 0 success; 1 usage error or the report could not be written;\n"
    "2 bad input data.\n";

enum { OPT_CONFIG = PMS_OPT_FIRST_COMMAND_SPECIFIC, OPT_LOCALITY, OPT_OUT };

static int rm_rf(const char *path)
{
    struct stat sb;
    if (lstat(path, &sb) != 0) return errno == ENOENT ? 0 : -1;
    if (S_ISDIR(sb.st_mode)) {
        DIR *d = opendir(path);
        if (!d) return -1;
        struct dirent *e;
        int rc = 0;
        while ((e = readdir(d)) != NULL) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
            char sub[4096];
            snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
            if (rm_rf(sub)) rc = -1;
        }
        closedir(d);
        return rmdir(path) || rc ? -1 : 0;
    }
    return unlink(path);
}

/* Move the finished report into place, keeping the old one until the new one is there. */
static int install(const char *tmp, const char *out)
{
    char old[4200];
    struct stat sb;
    int had_old = stat(out, &sb) == 0;
    if (had_old) {
        snprintf(old, sizeof old, "%s.old-%ld", out, (long)getpid());
        if (rename(out, old) != 0) return -1;
    }
    if (rename(tmp, out) != 0) {
        if (had_old) rename(old, out);
        return -1;
    }
    if (had_old) rm_rf(old);
    return 0;
}

int pms_cmd_report(int argc, char **argv)
{
    static const struct option opts[] = {PMS_COMMON_LONG_OPTIONS,
                                         {"config", required_argument, NULL, OPT_CONFIG},
                                         {"locality", required_argument, NULL, OPT_LOCALITY},
                                         {"out", required_argument, NULL, OPT_OUT},
                                         {NULL, 0, NULL, 0}};
    pms_report_ctx r;
    memset(&r, 0, sizeof r);
    pms_cli_common_init(&r.common, "report", argc, argv);
    const char *config = NULL, *out = NULL;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        int k = pms_cli_common_opt(&r.common, opt, optarg);
        if (k < 0) return PMS_EXIT_USAGE;
        if (k > 0) continue;
        switch (opt) {
        case OPT_CONFIG: config = optarg; break;
        case OPT_LOCALITY: r.locality = optarg; break;
        case OPT_OUT: out = optarg; break;
        default: return pms_cli_usage("report", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (r.common.help) {
        fputs(help, stdout);
        return pms_cli_stdout_done();
    }
    if (optind < argc) return pms_cli_usage("report", "unexpected argument '%s'", argv[optind]);
    if (r.common.nwhere || r.common.nderive)
        return pms_cli_usage("report", "--where and --derive do not apply to the report");

    pms_err err = {{0}};
    char defconf[4096];
    if (!config) {
        snprintf(defconf, sizeof defconf, "%s/default-report.ini", pms_cli_datasets_dir());
        config = defconf;
    }
    pms_status st = pms_config_load(config, &r.cfg, &err);
    if (st) return pms_cli_fail(st, &err);
    /* Paths in the config are relative to its folder. */
    snprintf(r.base, sizeof r.base, "%s", config);
    char *slash = strrchr(r.base, '/');
    if (slash) *slash = '\0';
    else snprintf(r.base, sizeof r.base, ".");
    int rc = pms_report_configure(&r, &err);
    if (rc) {
        pms_config_free(r.cfg);
        return rc;
    }
    if (!out) out = pms_config_str(r.cfg, "report", "out", "board-report");
    if (!r.locality) r.locality = pms_config_str(r.cfg, "report", "locality", "11H");
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    r.created = sde && *sde ? (time_t)strtoll(sde, NULL, 10) : time(NULL);

    /* The temporary directory sits beside the output so the final rename is
     * within one filesystem. */
    char tmpl[4200];
    snprintf(tmpl, sizeof tmpl, "%s.tmp-XXXXXX", out);
    if (!mkdtemp(tmpl)) {
        pms_cli_error("%s: cannot create the report directory: %s", out, strerror(errno));
        pms_config_free(r.cfg);
        return PMS_EXIT_USAGE;
    }
    /* mkdtemp makes it private; the finished report is an ordinary folder. */
    mode_t mask = umask(0);
    umask(mask);
    chmod(tmpl, 0777 & ~mask);
    snprintf(r.dir, sizeof r.dir, "%s", tmpl);
    rc = pms_report_build(&r, &err);
    if (rc == 0 && install(tmpl, out) != 0) {
        pms_cli_error("%s: cannot move the finished report into place: %s", out,
                      strerror(errno));
        rc = PMS_EXIT_USAGE;
    }
    if (rc != 0) rm_rf(tmpl);
    if (rc == 0) {
        fputs(r.summary ? r.summary : "", stdout);
        if (fflush(stdout) != 0 || ferror(stdout)) {
            pms_cli_error("write error on standard output: %s", strerror(errno ? errno : EIO));
            rc = PMS_EXIT_USAGE;
        }
    }
    pms_report_ctx_free(&r);
    return rc;
}
