/* libFuzzer: the report's settings file (INI through inih and io/config)
 * checked by pms_report_configure, as `pmsreview report --config` does.
 * Asserts the reader's invariants on anything it accepts: no two entries with
 * the same section and key, each section's entries contiguous (a repeated
 * [section] is refused), every entry found by pms_config_find. */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/config.h"
#include "report/report.h"

static int devnull = -1;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pms_config *c = NULL;
    pms_err err;
    if (pms_config_load_mem("fuzz.ini", (const char *)data, size, &c, &err) != PMS_OK) {
        if (!memchr(err.msg, ':', sizeof err.msg)) abort(); /* every error names FILE:... */
        return 0;
    }
    for (size_t i = 0; i < c->n; i++) {
        if (pms_config_find(c, c->e[i].section, c->e[i].key) != &c->e[i]) abort();
        if (i && strcmp(c->e[i].section, c->e[i - 1].section))
            for (size_t j = 0; j + 1 < i; j++)
                if (!strcmp(c->e[j].section, c->e[i].section)) abort(); /* merged section */
    }
    pms_report_ctx r;
    memset(&r, 0, sizeof r);
    r.cfg = c;
    /* pms_report_configure prints its error as the CLI does: keep it quiet */
    if (devnull < 0) devnull = open("/dev/null", O_WRONLY);
    int saved = dup(2);
    dup2(devnull, 2);
    (void)pms_report_configure(&r, &err);
    dup2(saved, 2);
    close(saved);
    (void)pms_config_str(c, "report", "title", "");
    pms_report_ctx_free(&r); /* frees the config */
    return 0;
}
