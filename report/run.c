/* pms_report_run: settings -> checked output folder -> report written into a
 * temporary folder beside it -> swapped into place.  Nothing is printed. */
#include <stdlib.h>
#include <string.h>

#include "analysis/gsl_guard.h"
#include "report/outdir.h"
#include "report/report.h"

void pms_report_result_free(pms_report_result *res)
{
    if (!res) return;
    free(res->summary);
    res->summary = NULL;
}

/* Paths in the settings file are relative to its folder. */
static void config_base(const char *config, char *base, size_t cap)
{
    snprintf(base, cap, "%s", config);
    char *slash = strrchr(base, '/');
    if (slash == base) base[1] = '\0';
    else if (slash) *slash = '\0';
    else snprintf(base, cap, ".");
}

/* Settings file, its checks, locality, output folder: everything that can be
 * refused before any work. */
static pms_status settings(const pms_report_config *cfg, pms_report_ctx *r, char *out,
                           size_t cap, pms_err *err)
{
    char defconf[4096];
    const char *config = cfg->config;
    if (!config) {
        if (!cfg->datadir)
            return pms_err_set(err, PMS_EUSAGE, "no settings file and no datasets folder given");
        snprintf(defconf, sizeof defconf, "%s/default-report.ini", cfg->datadir);
        config = defconf;
    }
    pms_status st = pms_config_load(config, &r->cfg, err);
    if (st) return st;
    config_base(config, r->base, sizeof r->base);
    st = pms_report_configure(r, err);
    if (st) return st;
    r->locality = cfg->locality ? cfg->locality
                                : pms_config_str(r->cfg, "report", "locality", "11H");
    /* An `out =` in the settings is relative to the settings file, like its
     * data paths; with none (the shipped settings have none: their folder may
     * be read-only), ./board-report in the working folder. */
    const char *o = pms_config_str(r->cfg, "report", "out", NULL);
    if (cfg->out) snprintf(out, cap, "%s", cfg->out);
    else if (o) pms_report_path(r, o, out, cap);
    else snprintf(out, cap, "board-report");
    /* A cut name would be another folder: refuse it rather than write there. */
    if (strlen(out) + 1 >= cap)
        return pms_err_set(err, PMS_EUSAGE, "%.200s...: output folder name too long", out);
    return PMS_OK;
}

pms_status pms_report_run(const pms_report_config *cfg, pms_report_result *res, pms_err *err)
{
    memset(res, 0, sizeof *res);
    pms_gsl_guard();
    pms_report_ctx r;
    memset(&r, 0, sizeof r);
    r.common.data = cfg->data;
    r.common.ndata = cfg->ndata;
    r.common.threads = cfg->threads;
    r.common.command_line = cfg->command_line ? cfg->command_line : "";
    r.created = cfg->created;
    pms_outdir od;
    pms_outdir_init(&od);
    pms_status st = settings(cfg, &r, res->out, sizeof res->out, err);
    if (st == PMS_EUSAGE) res->output_failed = 1;
    if (!st) {
        st = pms_outdir_begin(res->out, &od, err);
        if (st) res->output_failed = 1;
    }
    if (!st) {
        snprintf(r.dir, sizeof r.dir, "%s", od.tmp);
        st = pms_report_build(&r, err);
        /* Disk full or no permission while writing is the output's fault,
         * not the inputs'. */
        if (st == PMS_EIO && strstr(err->msg, "cannot write")) res->output_failed = 1;
    }
    if (!st) {
        st = pms_outdir_commit(&od, err);
        if (st) res->output_failed = 1;
    }
    pms_outdir_end(&od);
    if (!st) {
        res->summary = r.summary;
        r.summary = NULL;
    }
    pms_report_ctx_free(&r);
    return st;
}
