#include "config.h"

#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* inih does not pass line numbers to the handler (Debian builds it without
 * INI_HANDLER_LINENO), so the reader counts the lines it hands over: the
 * handler always runs for the line read last. */
typedef struct {
    FILE *f;
    int line;
    pms_config *cfg;
    pms_status st;
    pms_err *err;
    int partial;   /* the last chunk read did not end its line */
    int too_long;  /* line number of a line longer than inih's buffer, or 0 */
} reader_state;

/* inih reads lines of at most INI_MAX_LINE - 1 bytes (200 in Debian's build)
 * and parses the rest of a longer line as a line of its own, so a long line
 * stops the reading with an error of its own instead. */
static char *reader(char *str, int num, void *stream)
{
    reader_state *r = stream;
    char *s = fgets(str, num, r->f);
    if (!s) return s;
    size_t len = strlen(s);
    if (!r->partial) r->line++;
    r->partial = !(len > 0 && s[len - 1] == '\n');
    if (r->partial && len + 1 >= (size_t)num && !feof(r->f)) {
        r->too_long = r->line;
        return NULL;
    }
    return s;
}

static char *dup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

static int handler(void *user, const char *section, const char *key, const char *value)
{
    reader_state *r = user;
    pms_config *c = r->cfg;
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp(c->e[i].section, section) && !strcmp(c->e[i].key, key)) {
            r->st = pms_err_set(r->err, PMS_EPARSE, "%s:%d: '%s' repeats [%s] %s from line %d",
                                c->path, r->line, key, section, key, c->e[i].line);
            return 0;
        }
    pms_config_entry *n = realloc(c->e, (c->n + 1) * sizeof *n);
    if (!n) {
        r->st = pms_err_set(r->err, PMS_ENOMEM, "out of memory");
        return 0;
    }
    c->e = n;
    pms_config_entry *x = &c->e[c->n];
    x->section = dup(section);
    x->key = dup(key);
    x->value = dup(value);
    x->line = r->line;
    if (!x->section || !x->key || !x->value) {
        free(x->section);
        free(x->key);
        free(x->value);
        r->st = pms_err_set(r->err, PMS_ENOMEM, "out of memory");
        return 0;
    }
    c->n++;
    return 1;
}

static pms_status load_stream(FILE *f, const char *path, pms_config **out, pms_err *err)
{
    pms_config *c = calloc(1, sizeof *c);
    if (!c || !(c->path = dup(path))) {
        free(c);
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    reader_state r = {f, 0, c, PMS_OK, err, 0, 0};
    int rc = ini_parse_stream(reader, &r, handler, &r);
    if (r.st == PMS_OK && r.too_long)
        r.st = pms_err_set(err, PMS_EPARSE, "%s:%d: line longer than %d characters", path,
                           r.too_long, 198);
    if (r.st == PMS_OK && rc != 0)
        r.st = pms_err_set(err, PMS_EPARSE, "%s:%d: not a valid INI line (expected [section] "
                           "or key = value)", path, rc > 0 ? rc : r.line);
    if (r.st) {
        pms_config_free(c);
        return r.st;
    }
    *out = c;
    return PMS_OK;
}

pms_status pms_config_load_mem(const char *display, const char *data, size_t len,
                               pms_config **out, pms_err *err)
{
    *out = NULL;
    /* fgets cannot see past a NUL byte: refuse one rather than lose a line's end */
    const char *nul = memchr(data, 0, len);
    if (nul) {
        int line = 1;
        for (const char *p = data; p < nul; p++) line += *p == '\n';
        return pms_err_set(err, PMS_EPARSE, "%s:%d: NUL byte in the file", display, line);
    }
    /* fmemopen needs a non-empty buffer; an empty file has no lines. */
    static char empty[1] = "";
    FILE *f = len ? fmemopen((void *)data, len, "r") : fmemopen(empty, 1, "r");
    if (!f) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    pms_status st = load_stream(f, display, out, err);
    fclose(f);
    return st;
}

pms_status pms_config_load(const char *path, pms_config **out, pms_err *err)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) return pms_err_set(err, PMS_EIO, "%s: cannot open: %s", path, strerror(errno));
    enum { MAX = 16 << 20 };
    size_t cap = 65536, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        len += fread(buf + len, 1, cap - len, f);
        if (len < cap || cap > MAX) break;
        char *nb = realloc(buf, cap * 2);
        if (!nb) free(buf);
        buf = nb;
        cap *= 2;
    }
    if (!buf) {
        fclose(f);
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    int bad = ferror(f);
    fclose(f);
    pms_status st;
    if (bad) st = pms_err_set(err, PMS_EIO, "%s: read error", path);
    else if (len > MAX) st = pms_err_set(err, PMS_EPARSE, "%s: larger than 16 MiB: not a settings file", path);
    else st = pms_config_load_mem(path, buf, len, out, err);
    free(buf);
    return st;
}

void pms_config_free(pms_config *c)
{
    if (!c) return;
    for (size_t i = 0; i < c->n; i++) {
        free(c->e[i].section);
        free(c->e[i].key);
        free(c->e[i].value);
    }
    free(c->e);
    free(c->path);
    free(c);
}

const pms_config_entry *pms_config_find(const pms_config *c, const char *section,
                                        const char *key)
{
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp(c->e[i].section, section) && !strcmp(c->e[i].key, key)) return &c->e[i];
    return NULL;
}

static int section_known(const char *s, const char *const *sections)
{
    for (size_t k = 0; sections[k]; k++) {
        size_t n = strlen(sections[k]);
        if (n && sections[k][n - 1] == '*' ? !strncmp(s, sections[k], n - 1)
                                            : !strcmp(s, sections[k]))
            return 1;
    }
    return 0;
}

pms_status pms_config_check(const pms_config *c, const char *const *sections,
                            const char *section, const char *const *allowed, pms_err *err)
{
    for (size_t i = 0; i < c->n; i++) {
        const pms_config_entry *e = &c->e[i];
        if (sections && !section_known(e->section, sections))
            return pms_err_set(err, PMS_EPARSE, "%s:%d: unknown section [%s]", c->path, e->line,
                               e->section);
        if (section && allowed && !strcmp(e->section, section)) {
            int ok = 0;
            for (size_t k = 0; allowed[k] && !ok; k++) ok = !strcmp(allowed[k], e->key);
            if (!ok)
                return pms_err_set(err, PMS_EPARSE, "%s:%d: unknown key '%s' in [%s]", c->path,
                                   e->line, e->key, e->section);
        }
    }
    return PMS_OK;
}

pms_status pms_config_double(const pms_config *c, const char *section, const char *key,
                             double lo, double hi, double *out, pms_err *err)
{
    const pms_config_entry *e = pms_config_find(c, section, key);
    if (!e) return PMS_OK;
    char *end;
    errno = 0;
    double v = strtod(e->value, &end);
    while (*end == ' ') end++;
    if (end == e->value || *end || errno || !isfinite(v))
        return pms_err_set(err, PMS_EPARSE, "%s:%d: %s must be a number, not '%s'", c->path,
                           e->line, key, e->value);
    if (v < lo || v > hi)
        return pms_err_set(err, PMS_EPARSE, "%s:%d: %s must be between %g and %g, not %g",
                           c->path, e->line, key, lo, hi, v);
    *out = v;
    return PMS_OK;
}

pms_status pms_config_ulong(const pms_config *c, const char *section, const char *key,
                            unsigned long lo, unsigned long hi, unsigned long *out, pms_err *err)
{
    const pms_config_entry *e = pms_config_find(c, section, key);
    if (!e) return PMS_OK;
    char *end;
    errno = 0;
    unsigned long v = strtoul(e->value, &end, 10);
    while (*end == ' ') end++;
    if (end == e->value || *end || errno || e->value[0] == '-')
        return pms_err_set(err, PMS_EPARSE, "%s:%d: %s must be a whole number, not '%s'",
                           c->path, e->line, key, e->value);
    if (v < lo || v > hi)
        return pms_err_set(err, PMS_EPARSE, "%s:%d: %s must be between %lu and %lu, not %lu",
                           c->path, e->line, key, lo, hi, v);
    *out = v;
    return PMS_OK;
}

const char *pms_config_str(const pms_config *c, const char *section, const char *key,
                           const char *dflt)
{
    const pms_config_entry *e = pms_config_find(c, section, key);
    return e ? e->value : dflt;
}
