#include "cli/common.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/select.h"
#include "io/utf8.h"

void pms_cli_common_init(pms_cli_common *c, const char *cmd, int argc, char **argv)
{
    memset(c, 0, sizeof *c);
    c->cmd = cmd;
    c->format = PMS_FMT_TEXT;
    c->min_list = -1;
    size_t w = 0;
    w += (size_t)snprintf(c->command_line, sizeof c->command_line, "pmsreview");
    for (int i = 0; i < argc && w < sizeof c->command_line; i++)
        w += (size_t)snprintf(c->command_line + w, sizeof c->command_line - w, " %s", argv[i]);
    pms_utf8_trim_tail(c->command_line); /* a long command line is cut between characters */
}

/* Messages quote names from data and arguments: control characters and
 * ANSI escapes in them are shown as \xNN, never sent to the terminal. */
static void vmessage(const char *fmt, va_list ap)
{
    char small[1024], *big = NULL;
    va_list aq;
    va_copy(aq, ap);
    int n = vsnprintf(small, sizeof small, fmt, aq);
    va_end(aq);
    const char *msg = small;
    if (n >= (int)sizeof small && (big = malloc((size_t)n + 1))) {
        vsnprintf(big, (size_t)n + 1, fmt, ap);
        msg = big;
    }
    fputs("pmsreview: ", stderr);
    pms_utf8_put_visible(stderr, msg, 1);
    free(big);
}

void pms_cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmessage(fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int pms_cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmessage(fmt, ap);
    fprintf(stderr, "\nTry 'pmsreview %s --help'\n", cmd);
    va_end(ap);
    return PMS_EXIT_USAGE;
}

int pms_cli_fail(pms_status s, const pms_err *err)
{
    /* The library names no command; the CLI says which one does the job. */
    if (err && err->msg[0] && !strcmp(err->role, "pace"))
        pms_cli_error("%s; see 'pmsreview target --pace FILE'", err->msg);
    else if (err && err->msg[0]) pms_cli_error("%s", err->msg);
    else pms_cli_error("%s", pms_strerror(s));
    return pms_status_exit_code(s);
}

const char *const pms_cli_formats[] = {"text", "csv", "json", NULL};

const char *pms_cli_datasets_dir(void)
{
    static char found[4200];
    const char *env = getenv("PMS_DATADIR");
    if (env && *env) return env;
    env = getenv("PMS_DATASETS"); /* the older name, kept working */
    if (env && *env) return env;
    /* Beside the running executable: BINDIR/../share/pmsreview once installed. */
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return "datasets";
    exe[n] = '\0';
    char bindir[4096];
    char *slash = strrchr(exe, '/');
    if (slash) *slash = '\0';
    snprintf(bindir, sizeof bindir, "%s", exe);
    /* PREFIX/bin + ../share/pmsreview, written as PREFIX/share/pmsreview. */
    const char *rel = PMS_REL_DATADIR;
    char *up;
    while (!strncmp(rel, "../", 3) && (up = strrchr(exe, '/')) != NULL && up != exe) {
        *up = '\0';
        rel += 3;
    }
    snprintf(found, sizeof found, "%s/%s", exe, rel);
    char probe[4400];
    snprintf(probe, sizeof probe, "%s/default-report.ini", found);
    if (access(probe, R_OK) == 0) return found;
#if defined(PMS_BUILD_BINDIR) && defined(PMS_SOURCE_DATASETS)
    /* The build tree's own executable reads its source tree's datasets/ (and
     * only that one: a copy elsewhere does not). */
    struct stat a, b;
    if (stat(PMS_BUILD_BINDIR, &a) == 0 && stat(bindir, &b) == 0 && a.st_dev == b.st_dev &&
        a.st_ino == b.st_ino)
        return PMS_SOURCE_DATASETS;
#endif
    /* Not found: the install location, so that the error names where it looked. */
    return found;
}

int pms_cli_open_data(pms_cli_common *c, const char *const *defaults, pms_table **out)
{
    static char paths[PMS_MAX_DATA][1024];
    /* Default inputs are resolved against the datasets directory once per process. */
    if (c->ndata == 0 && defaults) {
        const char *dir = pms_cli_datasets_dir();
        for (size_t i = 0; defaults[i] && i < PMS_MAX_DATA; i++) {
            snprintf(paths[i], sizeof paths[i], "%s/%s", dir, defaults[i]);
            c->data[c->ndata++] = paths[i];
        }
    }
    if (c->ndata == 0) return pms_cli_usage(c->cmd, "no --data file given");
    if (!c->rules && (c->min_list >= 0 || c->year))
        return pms_cli_usage(c->cmd, "--min-list and --year go with --rules");
    pms_data_opts o = {c->data, c->ndata, c->derive, c->nderive, c->where, c->nwhere};
    pms_err err = {{0}};
    pms_status st = pms_dataset_open(&o, out, &err);
    if (st) return pms_cli_fail(st, &err);
    if (c->rules) {
        /* The same selection step as the report (io/select.h); each rule's
         * count and reason become notes, printed with the other exclusions. */
        pms_select_opts so;
        pms_select_opts_default(&so);
        if (c->min_list >= 0) so.min_list = c->min_list;
        if (c->min_list == 0) so.on[PMS_SEL_MIN_LIST] = 0;
        so.year = c->year;
        st = pms_select_apply(*out, &so, NULL, &err);
        if (st) {
            pms_table_free(*out);
            *out = NULL;
            return pms_cli_fail(st, &err);
        }
    }
    return 0;
}

int pms_cli_split(char *s, const char **items, int max)
{
    int n = 0;
    char *save = NULL;
    for (char *tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ') tok++;
        size_t len = strlen(tok);
        while (len && tok[len - 1] == ' ') tok[--len] = '\0';
        if (!*tok) continue;
        if (n >= max) return -1;
        items[n++] = tok;
    }
    return n;
}

int pms_cli_parse_double(const char *cmd, const char *opt, const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno || !isfinite(v))
        return pms_cli_usage(cmd, "%s expects a number, not '%s'", opt, s);
    *out = v;
    return 0;
}

/* Once stdout has failed, later writes fail too: say so once per process. */
static int stdout_reported;

int pms_cli_stdout_done(void)
{
    errno = 0;
    if (fflush(stdout) == 0 && !ferror(stdout)) return 0;
    if (!stdout_reported)
        pms_cli_error("write error on standard output: %s", strerror(errno ? errno : EIO));
    stdout_reported = 1;
    return PMS_EXIT_USAGE;
}

int pms_cli_emit(const pms_cli_common *c, pms_out *const *tables, size_t n, const pms_table *prov)
{
    errno = 0;
    pms_status st = pms_out_write(stdout, c->format, tables, n, prov, c->command_line);
    /* A table or note lost to a lack of memory: nothing was written. */
    if (st == PMS_ENOMEM) return pms_cli_fail(st, &(pms_err){{0}});
    int rc = pms_cli_stdout_done();
    if (st && !rc) {
        pms_cli_error("write error on standard output: %s", strerror(EIO));
        stdout_reported = 1;
        rc = PMS_EXIT_USAGE;
    }
    return rc;
}

int pms_cli_add_list(const char *cmd, const char *opt, const char *arg, char **bufs,
                     size_t *nbufs, size_t maxbufs, const char **items, size_t *n, size_t max)
{
    if (*nbufs == maxbufs) return pms_cli_usage(cmd, "too many %s options", opt);
    char *copy = strdup(arg);
    if (!copy) {
        pms_cli_error("out of memory");
        return PMS_EXIT_USAGE;
    }
    bufs[(*nbufs)++] = copy;
    int k = pms_cli_split(copy, items + *n, (int)(max - *n));
    if (k < 0) return pms_cli_usage(cmd, "too many columns in %s (at most %zu)", opt, max);
    if (k == 0) return pms_cli_usage(cmd, "%s needs at least one column name", opt);
    *n += (size_t)k;
    return 0;
}
