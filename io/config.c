#include "io/config.h"

#include <errno.h>
#include <ini.h>
#include <math.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Entries are found through a hash of "section\0key" (open addressing,
 * linear probing, at most half full), so loading n keys is O(n) and not
 * O(n^2): 10,000 scenarios took 9.5 s to reject a bad last line with the
 * linear search this replaced.  Sections seen are kept in a second table for
 * the repeated-[section] check. */
struct pms_config_index {
    size_t *slot;   /* entry index + 1, 0 = empty */
    size_t nslot;   /* a power of two */
    size_t cap;     /* entries allocated in c->e */
    struct section_seen {
        char *name;
        int line;
    } *sec;
    size_t nsec, nsecslot;
};

static size_t hash2(const char *a, const char *b)
{
    size_t h = 1469598103934665603ULL;
    for (const unsigned char *p = (const unsigned char *)a; *p; p++) h = (h ^ *p) * 1099511628211ULL;
    h = (h ^ 0xFF) * 1099511628211ULL; /* separator that no key holds */
    for (const unsigned char *p = (const unsigned char *)(b ? b : ""); *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    return h;
}

/* The slot for section/key: the one holding it, or the empty one to fill. */
static size_t *find_slot(const pms_config *c, const char *section, const char *key)
{
    const struct pms_config_index *x = c->idx;
    size_t m = x->nslot - 1;
    for (size_t i = hash2(section, key) & m;; i = (i + 1) & m) {
        size_t v = x->slot[i];
        if (!v || (!strcmp(c->e[v - 1].section, section) && !strcmp(c->e[v - 1].key, key)))
            return &x->slot[i];
    }
}

static int index_grow(pms_config *c)
{
    struct pms_config_index *x = c->idx;
    size_t ns = x->nslot ? 2 * x->nslot : 64;
    size_t *old = x->slot, oldn = x->nslot;
    if (!(x->slot = calloc(ns, sizeof *x->slot))) {
        x->slot = old;
        return -1;
    }
    x->nslot = ns;
    for (size_t i = 0; i < oldn; i++)
        if (old[i]) *find_slot(c, c->e[old[i] - 1].section, c->e[old[i] - 1].key) = old[i];
    free(old);
    return 0;
}

/* The section table: NULL-named slots are empty. */
static struct section_seen *section_slot(struct pms_config_index *x, const char *name)
{
    size_t m = x->nsecslot - 1;
    for (size_t i = hash2(name, NULL) & m;; i = (i + 1) & m)
        if (!x->sec[i].name || !strcmp(x->sec[i].name, name)) return &x->sec[i];
}

static int section_grow(struct pms_config_index *x)
{
    size_t ns = x->nsecslot ? 2 * x->nsecslot : 16;
    struct section_seen *old = x->sec;
    size_t oldn = x->nsecslot;
    if (!(x->sec = calloc(ns, sizeof *x->sec))) {
        x->sec = old;
        return -1;
    }
    x->nsecslot = ns;
    for (size_t i = 0; i < oldn; i++)
        if (old[i].name) *section_slot(x, old[i].name) = old[i];
    free(old);
    return 0;
}

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
    int key_since_header; /* a key = value line since the last [section] (inih's
                             prev_name: an indented line may then continue it) */
} reader_state;

/* A [section] line as inih reads it: the name between '[' and the first ']'
 * (cut at 49 bytes, inih's MAX_SECTION - 1).  A section that appeared before
 * is an error, like a repeated key: inih would merge the two silently. */
static int section_line(reader_state *r, const char *s)
{
    const char *p = s;
    /* inih skips what isspace() takes (a form feed too: fuzzing found
     * "\f[report]" merging with an earlier [report]). */
    while (isspace((unsigned char)*p)) p++;
    if (*p != '[' || (p > s && r->key_since_header)) return 0;
    const char *e = strchr(p + 1, ']');
    if (!e) return 0; /* inih reports the bad line */
    char name[50];
    size_t n = (size_t)(e - p - 1) < sizeof name - 1 ? (size_t)(e - p - 1) : sizeof name - 1;
    memcpy(name, p + 1, n);
    name[n] = '\0';
    r->key_since_header = 0;
    if (n == 0) {
        /* [] would continue the keys before the first [section] */
        r->st = pms_err_set(r->err, PMS_EPARSE, "%s:%d: empty section name []", r->cfg->path,
                            r->line);
        return -1;
    }
    struct pms_config_index *x = r->cfg->idx;
    if (2 * (x->nsec + 1) > x->nsecslot && section_grow(x)) {
        r->st = pms_err_set(r->err, PMS_ENOMEM, "out of memory");
        return -1;
    }
    struct section_seen *q = section_slot(x, name);
    if (q->name) {
        r->st = pms_err_set(r->err, PMS_EPARSE,
                            "%s:%d: section [%s] repeats [%s] from line %d (put its keys under "
                            "one [%s])",
                            r->cfg->path, r->line, name, name, q->line, name);
        return -1;
    }
    if (!(q->name = malloc(n + 1))) {
        r->st = pms_err_set(r->err, PMS_ENOMEM, "out of memory");
        return -1;
    }
    memcpy(q->name, name, n + 1);
    q->line = r->line;
    x->nsec++;
    return 0;
}

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
    if (section_line(r, s) < 0) return NULL;
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
    struct pms_config_index *ix = c->idx;
    r->key_since_header = 1;
    if (2 * (c->n + 1) > ix->nslot && index_grow(c)) {
        r->st = pms_err_set(r->err, PMS_ENOMEM, "out of memory");
        return 0;
    }
    size_t *slot = find_slot(c, section, key);
    if (*slot) {
        r->st = pms_err_set(r->err, PMS_EPARSE, "%s:%d: '%s' repeats [%s] %s from line %d",
                            c->path, r->line, key, section, key, c->e[*slot - 1].line);
        return 0;
    }
    if (c->n == ix->cap) {
        size_t nc = ix->cap ? 2 * ix->cap : 16;
        pms_config_entry *n = realloc(c->e, nc * sizeof *n);
        if (!n) {
            r->st = pms_err_set(r->err, PMS_ENOMEM, "out of memory");
            return 0;
        }
        c->e = n;
        ix->cap = nc;
    }
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
    *slot = ++c->n;
    return 1;
}

static pms_status load_stream(FILE *f, const char *path, pms_config **out, pms_err *err)
{
    pms_config *c = calloc(1, sizeof *c);
    if (!c || !(c->idx = calloc(1, sizeof *c->idx)) || !(c->path = dup(path)) || index_grow(c)) {
        pms_config_free(c);
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    reader_state r = {f, 0, c, PMS_OK, err, 0, 0, 0};
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
    if (!f) return pms_err_open(err, path);
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
    if (c->idx) {
        for (size_t i = 0; i < c->idx->nsecslot; i++) free(c->idx->sec[i].name);
        free(c->idx->sec);
        free(c->idx->slot);
        free(c->idx);
    }
    free(c);
}

const pms_config_entry *pms_config_find(const pms_config *c, const char *section,
                                        const char *key)
{
    size_t v = *find_slot(c, section, key);
    return v ? &c->e[v - 1] : NULL;
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
