#include "report/report.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/csv.h"
#include "plots/gnuplot.h"
#include "io/utf8.h"

/* Under every chart drawn from the main year (sections drawing other years set their own). */
static const char *main_source =
    "Source: NHS Digital, NHS Payments to General Practice 2014/15; OHID Fingertips IMD 2015 "
    "by practice (93553).";

static char *vfmt(const char *fmt, va_list ap)
{
    char buf[2048];
    vsnprintf(buf, sizeof buf, fmt, ap);
    pms_utf8_trim_tail(buf); /* a long sentence is cut on a character boundary */
    /* Names from data may hold newlines or tabs: one sentence stays one line. */
    for (char *p = buf; *p; p++)
        if ((unsigned char)*p < 0x20) *p = ' ';
    size_t n = strlen(buf) + 1;
    char *s = malloc(n);
    if (s) memcpy(s, buf, n);
    return s;
}

/* Append s (taken); 1 if it is lost (s NULL, or no memory to keep it). */
static int push(char ***v, size_t *n, char *s)
{
    if (!s) return 1;
    char **nv = realloc(*v, (*n + 1) * sizeof *nv);
    if (!nv) {
        free(s);
        return 1;
    }
    *v = nv;
    nv[(*n)++] = s;
    return 0;
}

/* The sections were written for total payments per weighted patient; with
 * another [report] measure, their sentences name it instead (the phrase
 * "payments per weighted patient" becomes the measure's label), except after
 * "Total NHS " where total payments are meant (the trend). */
static char *name_measure(const pms_report_ctx *r, char *s)
{
    static const char *const phrase[2] = {"payments per weighted patient",
                                          "Payments per weighted patient"};
    if (!s || !r->measure || !strcmp(r->measure, "payments_per_weighted")) return s;
    char out[4096];
    size_t w = 0;
    for (const char *p = s; *p && w + 1 < sizeof out;) {
        int k = !strncmp(p, phrase[0], 29) ? 0 : !strncmp(p, phrase[1], 29) ? 1 : -1;
        if (k >= 0 && !(p - s >= 10 && !strncmp(p - 10, "Total NHS ", 10)) &&
            !(p - s >= 10 && !strncmp(p - 10, "total NHS ", 10))) {
            int n = snprintf(out + w, sizeof out - w, "%c%s", k ? r->measure_label[0] - 32 : r->measure_label[0],
                             r->measure_label + 1);
            if (n < 0 || (size_t)n >= sizeof out - w) break;
            w += (size_t)n;
            p += 29;
        } else
            out[w++] = *p++;
    }
    out[w] = '\0';
    char *t = malloc(w + 1);
    if (!t) { /* out of memory: NULL, never the sentence unrenamed */
        free(s);
        return NULL;
    }
    memcpy(t, out, w + 1);
    free(s);
    return t;
}

pms_status pms_report_add_tables(pms_report_ctx *r, const char *sheet, pms_out *const *tables,
                                 size_t n, pms_xlsx_loc *locs, pms_err *err)
{
    /* Table titles and notes name the report's measure, as its sentences do. */
    for (size_t k = 0; k < n; k++) {
        pms_out *o = tables[k];
        char *t = name_measure(r, strdup(pms_out_title(o)));
        pms_status st = t ? pms_out_set_title(o, t) : PMS_ENOMEM;
        free(t);
        for (size_t i = 0; i < pms_out_nnotes(o) && !st; i++) {
            t = name_measure(r, strdup(pms_out_note(o, i)));
            st = t ? pms_out_set_note(o, i, t) : PMS_ENOMEM;
            free(t);
        }
        if (st) return pms_err_set(err, st, "out of memory");
    }
    return pms_xlsx_add_tables(r->x, sheet, tables, n, locs, err);
}

void pms_report_say(pms_report_ctx *r, pms_say_part part, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = name_measure(r, vfmt(fmt, ap));
    va_end(ap);
    unsigned char *np = s ? realloc(r->say_part, r->nsay + 1) : NULL;
    if (!np) {
        free(s);
        r->lost = 1;
        return;
    }
    r->say_part = np;
    size_t before = r->nsay;
    r->lost |= push(&r->say, &r->nsay, s);
    if (r->nsay > before) np[before] = (unsigned char)part;
}

void pms_report_method(pms_report_ctx *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    r->lost |= push(&r->methods, &r->nmethods, name_measure(r, vfmt(fmt, ap)));
    va_end(ap);
}

const char *pms_report_pvalue(char *buf, size_t cap, double p)
{
    if (isnan(p)) snprintf(buf, cap, "not computed");
    else if (p < 0.001) snprintf(buf, cap, "< 0.001");
    else snprintf(buf, cap, "= %.3g", p);
    return buf;
}

const char *pms_report_money(char *buf, size_t cap, double v, int dec)
{
    if (isnan(v)) {
        snprintf(buf, cap, "n/a");
        return buf;
    }
    /* Never "£inf", and never a long number cut to fit the buffer. */
    if (!isfinite(v)) {
        snprintf(buf, cap, "not computed");
        return buf;
    }
    if (fabs(v) >= 1e15) {
        snprintf(buf, cap, "%s\xc2\xa3%.3e", v < 0 ? "-" : "", fabs(v));
        return buf;
    }
    char digits[64];
    snprintf(digits, sizeof digits, "%.*f", dec, fabs(v));
    /* Thousands separators on the integer part. */
    char *dot = strchr(digits, '.');
    size_t ilen = dot ? (size_t)(dot - digits) : strlen(digits);
    char grouped[96];
    size_t w = 0;
    for (size_t i = 0; i < ilen; i++) {
        if (i && (ilen - i) % 3 == 0) grouped[w++] = ',';
        grouped[w++] = digits[i];
    }
    snprintf(grouped + w, sizeof grouped - w, "%s", dot ? dot : "");
    /* A value that rounds to zero is shown without a sign. */
    int neg = v < 0 && strspn(digits, "0.") != strlen(digits);
    snprintf(buf, cap, "%s\xc2\xa3%s", neg ? "-" : "", grouped);
    return buf;
}

const char *pms_report_locality(pms_report_ctx *r)
{
    if (r->locality_label[0]) return r->locality_label;
    const char *const *code = NULL, *const *name = NULL;
    pms_err ignore;
    const char *found = NULL;
    /* Before the practice rules, so a locality whose practices all fail them keeps its name. */
    const pms_table *src = r->all ? r->all : r->main;
    if (src && !pms_table_text(src, "ccg_code", &code, &ignore) &&
        !pms_table_text(src, "ccg_name", &name, &ignore))
        for (size_t i = 0; i < src->nrows && !found; i++)
            if (code[i] && name[i] && !strcmp(code[i], r->locality)) found = name[i];
    if (found) {
        /* Names from data may hold newlines: one line in sentences. */
        /* cut on character boundaries: a byte cut inside a character breaks
         * the workbook's XML and summary.txt */
        snprintf(r->locality_label, sizeof r->locality_label, "%.*s (%.*s)",
                 (int)pms_utf8_prefix(found, 150), found, (int)pms_utf8_prefix(r->locality, 30),
                 r->locality);
        for (char *p = r->locality_label; *p; p++)
            if ((unsigned char)*p < 0x20) *p = ' ';
    } else {
        pms_utf8_copy(r->locality_label, sizeof r->locality_label, r->locality, 150);
    }
    return r->locality_label;
}

const char *pms_report_count(char *buf, size_t cap, size_t n)
{
    char d[32], g[48];
    snprintf(d, sizeof d, "%zu", n);
    size_t len = strlen(d), w = 0;
    for (size_t i = 0; i < len; i++) {
        if (i && (len - i) % 3 == 0) g[w++] = ',';
        g[w++] = d[i];
    }
    g[w] = '\0';
    snprintf(buf, cap, "%s", g);
    return buf;
}

const char *pms_report_path(const pms_report_ctx *r, const char *rel, char *buf, size_t cap)
{
    /* A path too long for buf is cut; opening it then fails with its name. */
    size_t w = 0;
    const char *parts[3] = {rel[0] == '/' ? "" : r->base, rel[0] == '/' ? "" : "/", rel};
    for (int k = 0; k < 3; k++)
        for (const char *p = parts[k]; *p && w + 1 < cap; p++) buf[w++] = *p;
    if (cap) buf[w] = '\0';
    return buf;
}

/* The context owns every table the sections load (freed with it, listed on
 * Provenance); a table it cannot keep is freed. */
static pms_status keep_loaded(pms_report_ctx *r, pms_table **t, pms_err *err)
{
    pms_table **nl = realloc(r->loaded, (r->nloaded + 1) * sizeof *nl);
    if (!nl) {
        pms_table_free(*t);
        *t = NULL;
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    r->loaded = nl;
    nl[r->nloaded++] = *t;
    return PMS_OK;
}

pms_status pms_report_load(pms_report_ctx *r, const char *const *paths, size_t n,
                           const char *const *where, size_t nwhere, pms_table **out,
                           pms_err *err)
{
    pms_data_opts o = {(const char **)paths, n, NULL, 0, (const char **)where, nwhere};
    pms_status st;
    if (nwhere) st = pms_dataset_open(&o, out, err);
    else if (!pms_report_prefetch_take(r, paths, n, out, &st, err))
        st = pms_report_prefetch_open(r, &o, out, err);
    return st ? st : keep_loaded(r, out, err);
}

/* A copy of a loaded table, registered as a load of its own (Provenance
 * lists each table it was given, as when the files were loaded twice). */
static pms_status keep_copy(pms_report_ctx *r, const pms_table *t, pms_table **out,
                            pms_err *err)
{
    if (!(*out = pms_table_copy(t))) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    return keep_loaded(r, out, err);
}

pms_chart_info pms_report_chart_info(const pms_report_ctx *r, const char *name,
                                     const char *title, const char *xlabel, const char *ylabel)
{
    pms_chart_info ci = {r->charts_dir, name, title, xlabel, ylabel,
                         r->source[0] ? r->source : main_source};
    return ci;
}

pms_status pms_report_add_chart(pms_report_ctx *r, const char *name, const char *what,
                                const char *sheet, unsigned row, unsigned col, pms_err *err)
{
    pms_report_chart *n = realloc(r->charts, (r->ncharts + 1) * sizeof *n);
    if (!n) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    r->charts = n;
    pms_report_chart *c = &n[r->ncharts++];
    memset(c, 0, sizeof *c);
    snprintf(c->name, sizeof c->name, "%s", name);
    snprintf(c->what, sizeof c->what, "%s", what);
    snprintf(c->sheet, sizeof c->sheet, "%s", sheet);
    c->row = row;
    c->col = col;
    /* gnuplot starts now, while the other sections are computed and written. */
    return r->runner ? pms_gp_runner_add(r->runner, name, err) : PMS_OK;
}

/* The measure's parts: X_per_weighted is X / weighted_patients, with the two
 * older names of io/table.c (payments_per_*: total_payments; core_per_*:
 * core_payments). */
static pms_status measure_parts(pms_report_ctx *r, const pms_config_entry *e, pms_err *err)
{
    const char *m = r->measure;
    static const char *const sfx[2][2] = {{"_per_weighted", "weighted_patients"},
                                          {"_per_registered", "registered_patients"}};
    size_t len = strlen(m);
    for (int k = 0; k < 2; k++) {
        size_t sl = strlen(sfx[k][0]);
        if (len <= sl || strcmp(m + len - sl, sfx[k][0])) continue;
        r->measure_den = sfx[k][1];
        snprintf(r->measure_num, sizeof r->measure_num, "%.*s", (int)(len - sl), m);
        if (!strcmp(r->measure_num, "payments")) snprintf(r->measure_num, sizeof r->measure_num, "total_payments");
        if (!strcmp(r->measure_num, "core")) snprintf(r->measure_num, sizeof r->measure_num, "core_payments");
        const char *stem = !strcmp(r->measure_num, "total_payments") ? "total NHS payments"
                           : !strcmp(r->measure_num, "payments_less_dispensing_premises")
                               ? "payments less dispensing and premises"
                           : !strcmp(r->measure_num, "payments_less_dispensing")
                               ? "payments less dispensing"
                           : !strcmp(r->measure_num, "core_payments") ? "core payments" : NULL;
        char buf[96];
        if (!stem) {
            snprintf(buf, sizeof buf, "%s", r->measure_num);
            for (char *p = buf; *p; p++)
                if (*p == '_') *p = ' ';
            stem = buf;
        }
        snprintf(r->measure_label, sizeof r->measure_label, "%s per %s patient", stem,
                 k ? "registered" : "weighted");
        return PMS_OK;
    }
    return pms_err_set(err, PMS_EPARSE,
                       "%s:%d: measure must be a column per weighted or registered patient "
                       "(NAME_per_weighted or NAME_per_registered), not '%s'",
                       r->cfg->path, e ? e->line : 0, m);
}

/* [practices]: which practices count (io/select.h); every rule on by default. */
static pms_status practice_rules(pms_report_ctx *r, pms_err *err)
{
    pms_select_opts_default(&r->sel);
    pms_status st = pms_config_double(r->cfg, "practices", "min_list", 0, 1e6,
                                      &r->sel.min_list, err);
    unsigned long y = 0;
    if (!st) st = pms_config_ulong(r->cfg, "practices", "year", 1990, 2100, &y, err);
    r->sel.year = (int)y;
    if (!st && r->sel.min_list == 0) r->sel.on[PMS_SEL_MIN_LIST] = 0;
    for (int k = 0; k < PMS_SEL_NRULES && !st; k++) {
        if (k == PMS_SEL_MIN_LIST) continue;
        const pms_config_entry *e = pms_config_find(r->cfg, "practices", pms_select_rule_name(k));
        if (!e) continue;
        if (!strcmp(e->value, "yes")) r->sel.on[k] = 1;
        else if (!strcmp(e->value, "no")) r->sel.on[k] = 0;
        else
            st = pms_err_set(err, PMS_EPARSE, "%s:%d: %s must be yes or no, not '%s'",
                             r->cfg->path, e->line, e->key, e->value);
    }
    return st;
}

pms_status pms_report_configure(pms_report_ctx *r, pms_err *err)
{
    static const char *sections[] = {"report", "data.main", "data.performance", "trend",
                                     "savings", "practices", NULL};
    static const char *report_keys[] = {"title", "locality", "out", "seed", "bootstrap",
                                        "ci_level", "charts", "measure", NULL};
    static const char *practice_keys[] = {"min_list", "year", "nonpositive", "practice_type",
                                          "atypical", "part_year", NULL};
    static const char *data_keys[] = {"payments", "join", "deprivation", NULL};
    static const char *savings_keys[] = {"scenarios", "sweep_from", "sweep_to", "sweep_step",
                                         "horizon", NULL};
    pms_status st = pms_config_check(r->cfg, sections, "report", report_keys, err);
    if (!st) st = pms_config_check(r->cfg, NULL, "data.main", data_keys, err);
    if (!st) st = pms_config_check(r->cfg, NULL, "data.performance", data_keys, err);
    if (!st) st = pms_config_check(r->cfg, NULL, "savings", savings_keys, err);
    if (!st) st = pms_config_check(r->cfg, NULL, "practices", practice_keys, err);
    r->measure = pms_config_str(r->cfg, "report", "measure",
                                "payments_less_dispensing_premises_per_weighted");
    if (!st) st = measure_parts(r, pms_config_find(r->cfg, "report", "measure"), err);
    if (!st) st = practice_rules(r, err);
    if (!st && !pms_config_find(r->cfg, "data.main", "payments"))
        st = pms_err_set(err, PMS_EPARSE, "%s: [data.main] needs payments = FILE", r->cfg->path);
    r->ci_level = 0.95;
    r->seed = 20150401;
    r->bootstrap = 1000;
    r->charts_on = 1;
    if (!st) st = pms_config_double(r->cfg, "report", "ci_level", 0.5, 0.999, &r->ci_level, err);
    if (!st) st = pms_config_ulong(r->cfg, "report", "seed", 0, 4294967295UL, &r->seed, err);
    if (!st)
        st = pms_config_ulong(r->cfg, "report", "bootstrap", 0, 1000000, &r->bootstrap, err);
    const pms_config_entry *ch = pms_config_find(r->cfg, "report", "charts");
    if (!st && ch) {
        if (!strcmp(ch->value, "yes")) r->charts_on = 1;
        else if (!strcmp(ch->value, "no")) r->charts_on = 0;
        else
            st = pms_err_set(err, PMS_EPARSE, "%s:%d: charts must be yes or no, not '%s'",
                             r->cfg->path, ch->line, ch->value);
    }
    return st;
}

static pms_status provenance_sheet(pms_report_ctx *r, pms_err *err)
{
    /* Every section has noted its exclusions by now: a note one of them
     * could not store (out of memory, its status unchecked or not) fails
     * the report, so that no workbook is left without it. */
    for (size_t k = 0; k < r->nloaded; k++)
        if (r->loaded[k]->incomplete) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    pms_out *inputs = pms_out_new("inputs", "Input files");
    pms_out *notes = pms_out_new("exclusions", "Rows excluded, joins and warnings");
    pms_out *params = pms_out_new("parameters", "Parameters");
    if (!inputs || !notes || !params) {
        pms_out_free(inputs);
        pms_out_free(notes);
        pms_out_free(params);
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    int i0 = pms_out_col(inputs, "file", PMS_OUT_TEXT, 0),
        i1 = pms_out_col(inputs, "rows", PMS_OUT_INT, 0),
        i2 = pms_out_col(inputs, "columns", PMS_OUT_INT, 0),
        i3 = pms_out_col(inputs, "encoding", PMS_OUT_TEXT, 0),
        i4 = pms_out_col(inputs, "sha256", PMS_OUT_TEXT, 0);
    int n0 = pms_out_col(notes, "data", PMS_OUT_TEXT, 0),
        n1 = pms_out_col(notes, "what", PMS_OUT_TEXT, 0),
        n2 = pms_out_col(notes, "count", PMS_OUT_INT, 0),
        n3 = pms_out_col(notes, "detail", PMS_OUT_TEXT, 0);
    for (size_t k = 0; k < r->nloaded; k++) {
        const pms_table *t = r->loaded[k];
        /* The main year is loaded twice (before and after the practice rules):
         * its files and load notes are listed once, from the copy the rules cut. */
        int twice = t == r->all;
        for (size_t s = 0; s < t->nsources && !twice; s++) {
            pms_out_row(inputs);
            pms_out_set_text(inputs, i0, t->sources[s].path);
            pms_out_set_int(inputs, i1, (long long)t->sources[s].rows);
            pms_out_set_int(inputs, i2, (long long)t->sources[s].columns);
            pms_out_set_text(inputs, i3, pms_csv_encoding(t->sources[s].latin1));
            pms_out_set_text(inputs, i4, t->sources[s].sha256);
        }
        for (size_t i = 0; i < t->nnotes; i++) {
            if (twice && strncmp(t->notes[i].what, "report_", 7)) continue;
            pms_out_row(notes);
            pms_out_set_text(notes, n0, t->sources[0].path);
            pms_out_set_text(notes, n1, t->notes[i].what);
            pms_out_set_int(notes, n2, (long long)t->notes[i].count);
            pms_out_set_text(notes, n3, t->notes[i].detail);
        }
    }
    int p0 = pms_out_col(params, "setting", PMS_OUT_TEXT, 0),
        p1 = pms_out_col(params, "value", PMS_OUT_TEXT, 0);
    char when[64];
    struct tm tm;
    gmtime_r(&r->created, &tm);
    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
    const char *fixed[][2] = {{"toolkit", "pmsreview " PMS_VERSION},
                              {"run at", when},
                              {"command", r->common.command_line},
                              {"config", r->cfg->path},
                              {"locality", r->locality}};
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++) {
        pms_out_row(params);
        pms_out_set_text(params, p0, fixed[i][0]);
        pms_out_set_text(params, p1, fixed[i][1]);
    }
    for (size_t i = 0; i < r->cfg->n; i++) {
        char k[256];
        snprintf(k, sizeof k, "[%s] %s", r->cfg->e[i].section, r->cfg->e[i].key);
        pms_out_row(params);
        pms_out_set_text(params, p0, k);
        pms_out_set_text(params, p1, r->cfg->e[i].value);
    }
    pms_out *tabs[3] = {inputs, notes, params};
    pms_status st = pms_xlsx_add_tables(r->x, "Provenance", tabs, 3, NULL, err);
    for (int i = 0; i < 3; i++) pms_out_free(tabs[i]);
    return st;
}

/* Codes within one edit (a typo) or sharing the first two characters. */
static int close_code(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), i = 0;
    if (la >= 2 && lb >= 2 && !strncmp(a, b, 2)) return 1;
    while (i < la && i < lb && a[i] == b[i]) i++;
    /* one substitution, insertion or deletion */
    return !strcmp(a + i + (la > lb ? 1 : la == lb), b + i + (lb > la ? 1 : la == lb)) &&
           (la + 1 >= lb && lb + 1 >= la);
}

static int cmp_code(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The locality is the set of practices with that CCG code in the base year
 * (before the practice rules: the set is the locality's, the rules choose
 * which count); an unknown code is an error with the nearest codes. */
static pms_status resolve_locality(pms_report_ctx *r, pms_err *err)
{
    const char *const *ccg, *const *pc;
    pms_status st = pms_table_text(r->all, "ccg_code", &ccg, err);
    if (!st) st = pms_table_text(r->all, "practice_code", &pc, err);
    if (st) return st;
    size_t n = r->all->nrows;
    r->loc_codes = malloc((n ? n : 1) * sizeof *r->loc_codes);
    if (!r->loc_codes) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        if (ccg[i] && pc[i] && !strcmp(ccg[i], r->locality)) r->loc_codes[r->nloc_codes++] = pc[i];
    /* Sorted, so that finding them in a year's rows is a binary search
     * (pms_report_locality_rows runs over every year's practices). */
    qsort(r->loc_codes, r->nloc_codes, sizeof *r->loc_codes, cmp_code);
    if (r->nloc_codes) return PMS_OK;
    char near[512] = "";
    size_t w = 0, shown = 0;
    for (size_t i = 0; i < n && shown < 8; i++) {
        if (!ccg[i] || !close_code(r->locality, ccg[i])) continue;
        int dup = 0;
        for (size_t j = 0; j < i && !dup; j++) dup = ccg[j] && !strcmp(ccg[j], ccg[i]);
        if (dup) continue;
        int k = snprintf(near + w, sizeof near - w, "%s%s", shown ? ", " : "", ccg[i]);
        if (k < 0 || (size_t)k >= sizeof near - w) break;
        w += (size_t)k, shown++;
    }
    return pms_err_set(err, PMS_ENOTFOUND, "locality '%s': no practice has that CCG code in %s%s%s%s",
                       r->locality, r->all->sources[0].path, shown ? " (close: " : "", near,
                       shown ? ")" : "");
}

size_t pms_report_locality_rows(const pms_report_ctx *r, const pms_table *t, unsigned char *mark)
{
    const pms_column *pc = pms_table_col(t, "practice_code");
    size_t found = 0;
    for (size_t i = 0; i < t->nrows; i++) {
        mark[i] = 0;
        if (!pc || pc->type != PMS_COL_TEXT || !pc->text[i] || !r->nloc_codes) continue;
        mark[i] = bsearch(&pc->text[i], r->loc_codes, r->nloc_codes, sizeof *r->loc_codes,
                          cmp_code) != NULL;
        found += mark[i];
    }
    return found;
}

const char *pms_report_locality_found(pms_report_ctx *r, const pms_table *t, const char *year,
                                      char *buf, size_t cap)
{
    unsigned char *mark = malloc(t->nrows ? t->nrows : 1);
    size_t found = mark ? pms_report_locality_rows(r, t, mark) : 0;
    free(mark);
    /* The label is "Name (CODE)": insert the base year inside the brackets. */
    const char *lab = pms_report_locality(r);
    size_t ll = strlen(lab);
    char base[16] = "base-year";
    if (r->selres.year) snprintf(base, sizeof base, "%d/%02d", r->selres.year, (r->selres.year + 1) % 100);
    if (ll && lab[ll - 1] == ')')
        snprintf(buf, cap, "%.*s, %s practices): %zu of %zu found in %s", (int)(ll - 1), lab,
                 base, found, r->nloc_codes, year);
    else
        snprintf(buf, cap, "%s (%s practices): %zu of %zu found in %s", lab, base, found,
                 r->nloc_codes, year);
    return buf;
}

/* The summary and Methods lines for the practice rules: the one practice
 * count of the summary, with every exclusion explained here once. */
static void rules_say(pms_report_ctx *r)
{
    const pms_select_result *s = &r->selres;
    static const char *const plain[PMS_SEL_NRULES] = {
        "with no patients or no payments", "that are not GP practices (walk-in centres)",
        "flagged as atypical", "open for only part of the year", "with fewer than %s patients"};
    char a[48], b[48], c[48], d[48], why[700] = "", one[200];
    size_t w = 0;
    for (int k = 0; k < PMS_SEL_NRULES; k++) {
        if (!s->excluded[k]) continue;
        char rule[80];
        snprintf(rule, sizeof rule, plain[k],
                 pms_report_count(d, sizeof d, (size_t)fmax(0, r->sel.min_list)));
        snprintf(one, sizeof one, "%s%s %s", w ? ", " : "",
                 pms_report_count(c, sizeof c, s->excluded[k]), rule);
        if (w + strlen(one) < sizeof why) w += (size_t)snprintf(why + w, sizeof why - w, "%s", one);
    }
    const double *dep = NULL, *y = NULL;
    pms_err ignore;
    size_t nodep = 0;
    if (!pms_table_numeric(r->main, r->deprivation, &dep, &ignore) &&
        !pms_table_numeric(r->main, r->measure, &y, &ignore))
        for (size_t i = 0; i < r->main->nrows; i++) nodep += !isfinite(dep[i]) || !isfinite(y[i]);
    pms_report_say(r, PMS_SAY_ENGLAND,
                   "The comparisons use %s practices in England in 2014/15: of the %s in the "
                   "payments file, %s are left out (%s). "
                   "%s more have no deprivation score or income figure, leaving %s practices "
                   "compared with deprivation. The savings options cover every GMS and PMS "
                   "contract, whatever these rules say.",
                   pms_report_count(a, sizeof a, s->kept), pms_report_count(c, sizeof c, s->nrows),
                   pms_report_count(b, sizeof b, s->nrows - s->kept), w ? why : "none",
                   pms_report_count(one, sizeof one, nodep),
                   pms_report_count(d, sizeof d, s->kept - nodep));
    pms_report_say(r, PMS_SAY_DETAIL, "Income measure: %s (column %s).", r->measure_label,
                   r->measure);
    pms_report_method(r, "Income measure: %s = %s / %s (doc/methods/measures-and-practices.md): "
                         "dispensing_payments = prescribing fee + dispensing fee + reimbursement "
                         "of drugs; payments_less_dispensing = total NHS payments - "
                         "dispensing_payments; payments_less_dispensing_premises = "
                         "payments_less_dispensing - premises payments; core_payments = global "
                         "sum + MPIG + balance of PMS expenditure.",
                     r->measure, r->measure_num, r->measure_den);
    for (int k = 0; k < PMS_SEL_NRULES; k++)
        pms_report_method(r, "Practices: %s.", s->reason[k]);
}

/* The locality's practice counts, explained once: the sections each say
 * "its N practices" for the practices they can use. */
static pms_status locality_counts_say(pms_report_ctx *r, pms_err *err)
{
    const pms_table *t = r->main;
    unsigned char *mark = malloc(t->nrows ? t->nrows : 1);
    if (!mark) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    size_t kept = pms_report_locality_rows(r, t, mark), compared = 0;
    const double *dep = NULL, *y = NULL;
    pms_err ignore;
    if (!pms_table_numeric(t, r->deprivation, &dep, &ignore) &&
        !pms_table_numeric(t, r->measure, &y, &ignore))
        for (size_t i = 0; i < t->nrows; i++)
            compared += mark[i] && isfinite(dep[i]) && isfinite(y[i]);
    free(mark);
    char a[48], b[48], c[48];
    pms_report_say(r, PMS_SAY_ANSWER,
                   "Practice counts: %s has %s practices in the 2014/15 payments file; %s pass "
                   "the practice rules and %s of those have a deprivation score and income "
                   "figure (the comparisons above); fair shares count every practice with core "
                   "funding, and the savings options every GMS and PMS contract, whatever the "
                   "rules say.",
                   pms_report_locality(r), pms_report_count(a, sizeof a, r->nloc_codes),
                   pms_report_count(b, sizeof b, kept), pms_report_count(c, sizeof c, compared));
    return PMS_OK;
}

/* --threads, or every CPU when it is 0: the gnuplot processes and whether
 * files are read ahead. */
static unsigned report_threads(const pms_report_ctx *r)
{
    if (r->common.threads) return r->common.threads;
    long c = sysconf(_SC_NPROCESSORS_ONLN);
    return c > 0 ? (unsigned)c : 1;
}

/* The performance year's files ([data.performance]; none with --data): how
 * many, their paths in buf. */
static size_t perf_paths(pms_report_ctx *r, const char *paths[2], char buf[2][4096])
{
    const char *pq = pms_config_str(r->cfg, "data.performance", "payments", NULL);
    if (!pq || r->common.ndata) return 0;
    size_t n = 0;
    paths[n++] = pms_report_path(r, pq, buf[0], sizeof buf[0]);
    const char *j = pms_config_str(r->cfg, "data.performance", "join", NULL);
    if (j) paths[n++] = pms_report_path(r, j, buf[1], sizeof buf[1]);
    return n;
}

/* The main year: payments joined to deprivation ([data.main] or --data). */
static pms_status load_data(pms_report_ctx *r, pms_err *err)
{
    char p0[4096], p1[4096];
    const char *paths[2];
    const char *const *main_paths = paths;
    size_t n = 0;
    if (r->common.ndata) {
        /* The charts then name the files given, not the shipped sources. */
        size_t w = (size_t)snprintf(r->source, sizeof r->source, "Source: ");
        main_paths = r->common.data;
        n = r->common.ndata;
        for (size_t i = 0; i < r->common.ndata; i++) {
            const char *base = strrchr(r->common.data[i], '/');
            base = base ? base + 1 : r->common.data[i];
            if (w < sizeof r->source)
                w += (size_t)snprintf(r->source + w, sizeof r->source - w, "%s%s",
                                      i ? "; " : "", base);
        }
    } else {
        paths[n++] = pms_report_path(r, pms_config_str(r->cfg, "data.main", "payments", ""), p0,
                                     sizeof p0);
        const char *j = pms_config_str(r->cfg, "data.main", "join", NULL);
        if (j) paths[n++] = pms_report_path(r, j, p1, sizeof p1);
    }
    r->deprivation = pms_config_str(r->cfg, "data.main", "deprivation", "imd2015");
    /* Every file the sections will load is read ahead on a thread of its own
     * (with --threads 1, or one CPU, the sections load them in turn). */
    char qbuf[2][4096];
    const char *perf[2];
    size_t nperf = perf_paths(r, perf, qbuf);
    if (report_threads(r) > 1) {
        pms_status pst = pms_report_prefetch_start(r, n ? main_paths[0] : NULL, perf, nperf, err);
        if (pst) return pst;
    }
    /* Two tables: the statistics use the practices the rules keep, the
     * savings model and the sensitivity table every practice.  One load, and
     * a copy (what a second load gave, without parsing the files again). */
    pms_status st = pms_report_load(r, main_paths, n, NULL, 0, &r->all, err);
    if (!st) st = keep_copy(r, r->all, &r->main, err);
    const double *v;
    if (!st) st = pms_table_numeric(r->main, r->measure, &v, err);
    if (!st) st = resolve_locality(r, err);
    if (!st) st = pms_select_apply(r->main, &r->sel, &r->selres, err);
    if (st) return st;
    if (nperf) {
        st = pms_report_load(r, perf, nperf, NULL, 0, &r->perf, err);
        pms_select_opts po = r->sel;
        po.year = 0; /* the performance file's own year */
        char found[300] = "";
        /* CCG codes changed (11H merged into 15C in 2018): the locality in the
         * performance year is its base-year practices, found by code. */
        if (!st) pms_report_locality_found(r, r->perf, "2018/19", found, sizeof found);
        if (!st) st = pms_select_apply(r->perf, &po, NULL, err);
        if (!st) rules_say(r);
        if (!st) {
            unsigned char *mark = malloc(r->perf->nrows ? r->perf->nrows : 1);
            size_t kept = mark ? pms_report_locality_rows(r, r->perf, mark) : 0;
            free(mark);
            pms_report_say(r, PMS_SAY_DETAIL,
                           "%s (the performance year), %zu of them kept by the practice rules.",
                           found, kept);
        }
        return st;
    }
    if (!st) rules_say(r);
    return st;
}

/* Wait for every registered chart's PNG (the runner draws them first, while
 * the sections compute) and embed them; a chart whose PNG cannot be drawn is
 * named, not fatal.  The SVGs and PDFs go on rendering while the workbook is
 * written (charts_done). */
static pms_status render_charts(pms_report_ctx *r, pms_err *err)
{
    if (!r->ncharts) return PMS_OK;
    pms_gp_result *res = calloc(r->ncharts, sizeof *res);
    if (!res) {
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    pms_status st = PMS_OK;
    if (r->runner) {
        st = pms_gp_runner_wait_png(r->runner, res, err);
        for (size_t i = 0; i < r->ncharts && !st; i++) r->charts[i].png_ok = res[i].ok;
    } else {
        for (size_t i = 0; i < r->ncharts; i++)
            snprintf(res[i].message, sizeof res[i].message, "%.400s",
                     r->gnuplot[0] ? "not rendered" : r->gnuplot_why);
    }
    for (size_t i = 0; i < r->ncharts && !st; i++) {
        const pms_report_chart *c = &r->charts[i];
        if (res[i].ok) {
            char png[4400];
            snprintf(png, sizeof png, "%s/%s.png", r->charts_dir, c->name);
            /* 1600 px wide at 0.5: about 12 columns of the sheet. */
            char title[256], alt[512];
            snprintf(title, sizeof title, "Chart: %s", c->what);
            snprintf(alt, sizeof alt, "Chart of the %s (%s.png); the numbers are in the tables "
                     "of the %s sheets.", c->what, c->name, c->sheet);
            st = pms_xlsx_add_figure(r->x, c->sheet, c->what, title, alt, png, 0.5, err);
        } else {
            char line[1024];
            snprintf(line, sizeof line, "%s (%s): %s", c->name, c->what, res[i].message);
            pms_utf8_trim_tail(line);
            size_t len = strlen(line) + 1;
            char **nv = realloc(r->missing_charts, (r->nmissing_charts + 1) * sizeof *nv);
            char *cp = malloc(len);
            if (!nv || !cp) {
                free(cp);
                if (nv) r->missing_charts = nv;
                st = pms_err_set(err, PMS_ENOMEM, "out of memory");
                break;
            }
            memcpy(cp, line, len);
            r->missing_charts = nv;
            nv[r->nmissing_charts++] = cp;
        }
    }
    free(res);
    return st;
}

/* After the workbook is closed: wait for the SVGs and PDFs.  One that fails
 * after its PNG was drawn (and embedded, and the summary written saying the
 * chart was drawn) fails the whole report, naming the chart, so that no
 * report says a chart was drawn whose files are not there.  A gnuplot
 * without the pdfcairo or svg terminal fails in the PNG phase instead
 * (plots/gnuplot.c), where the chart is named as not drawn. */
static pms_status charts_done(pms_report_ctx *r, pms_err *err)
{
    pms_gp_result *res = calloc(r->ncharts ? r->ncharts : 1, sizeof *res);
    if (!res) {
        pms_gp_runner_finish(r->runner, NULL, NULL);
        r->runner = NULL;
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    pms_status st = pms_gp_runner_finish(r->runner, res, err);
    r->runner = NULL;
    for (size_t i = 0; i < r->ncharts && !st; i++)
        if (r->charts[i].png_ok && !res[i].ok)
            /* "cannot write": the output's failure, not the inputs' (run.c). */
            st = pms_err_set(err, PMS_EIO, "charts/%s.svg, %s.pdf: cannot write the chart of "
                             "the %s after its PNG: %s; the report was not written",
                             r->charts[i].name, r->charts[i].name,
                             r->charts[i].what, res[i].message);
    free(res);
    return st;
}

/* The Cover_sheet and the glossary on the Notes sheet.  The period is read
 * from the main payments file's name ("...-2014-15.csv" -> "2014/15") unless
 * [report] period says it; [report] organisation and contact name the
 * producer. */
static pms_status workbook_front(pms_report_ctx *r, pms_err *err)
{
    char period[16] = "", geo[300];
    const char *pay = pms_config_str(r->cfg, "data.main", "payments", "");
    for (const char *p = pay; *p && !period[0]; p++)
        if (strlen(p) >= 7 && isdigit((unsigned char)p[0]) && isdigit((unsigned char)p[3]) &&
            p[4] == '-' && isdigit((unsigned char)p[5]) && isdigit((unsigned char)p[6]) &&
            (p[0] == '1' || p[0] == '2') && (p == pay || !isdigit((unsigned char)p[-1])))
            snprintf(period, sizeof period, "%.4s/%.2s", p, p + 5);
    snprintf(geo, sizeof geo, "England, with %s as the locality", pms_report_locality(r));
    pms_xlsx_cover c = {
        .period = pms_config_str(r->cfg, "report", "period", period[0] ? period : NULL),
        .geography = geo,
        .about = "The board report's tables and charts on whether GP practice funding follows "
                 "need: one table per worksheet, with the Summary in words and the Methods. "
                 "The Table_of_contents links to every sheet.",
        .source = "NHS Payments to General Practice (NHS Digital) and practice deprivation "
                  "(Fingertips); every input file with its SHA-256 is on the Provenance sheets.",
        .contact = pms_config_str(r->cfg, "report", "contact",
                                  "not given (set [report] contact in the configuration)"),
        .organisation = pms_config_str(r->cfg, "report", "organisation", "pmsreview"),
    };
    /* The summary's terms are added by report_summary.c; these are the
     * tables' own. */
    static const char *gloss[][2] = {
        {"IMD, imd2015", "Index of Multiple Deprivation 2015 score of the practice's population; "
                         "higher is more deprived"},
        {"p-value", "the chance of a result at least this extreme if there were no relation; "
                    "shown as < 0.001 when smaller, otherwise to three significant figures"},
        {"PMS, GMS, APMS", "the three GP contract types: Personal, General and Alternative "
                           "Provider Medical Services"},
    };
    pms_status st = pms_xlsx_set_cover(r->x, &c, err);
    for (size_t i = 0; !st && i < sizeof gloss / sizeof *gloss; i++)
        st = pms_xlsx_add_glossary(r->x, gloss[i][0], gloss[i][1], err);
    return st;
}

/* The printed pack (issue 14: at most 40 A4 pages without the Practices
 * sheet) is the front sheets, the Summary, the tables a board reads, the
 * charts and the Methods.  These stay in the workbook but out of print:
 * tables of every CCG or practice and chart data (their charts are
 * printed), the England detail behind the savings comparison, the
 * sensitivity table, provenance, the gnuplot pictures of the charts drawn
 * natively as well, and the analyst's charts (Lorenz curves per scenario,
 * net saving by year, the sweep, the fair-shares distances).  Measured with
 * LibreOffice 7: 39 pages without Practices, 83 before
 * (tests/cli/report_libreoffice.sh). */
static pms_status print_pack(pms_report_ctx *r, pms_err *err)
{
    static const char *technical[] = {
        "Deprivation model", "Deprivation practices", "Correlations by CCG", "Fairness by CCG",
        "Funnel outliers", "CCGs", "CCGs chart", "Fair_shares", "Savings by year",
        "Savings sweep", "Savings by locality", "Practice comparison", "Savings by practice",
        "Trend", "Trend wide", "Sensitivity", "Provenance",
        "Payments against deprivation", "Highest and lowest CCGs", "Trend by contract type",
        "Lorenz curves after each", "Net saving by year per scenario", "Sweep trade-off",
        "Distance from target by",
        /* The analyst's method notes: the Notes sheet (definitions, glossary)
         * is what the printed pack carries. */
        "Methods"};
    for (size_t i = 0; i < sizeof technical / sizeof *technical; i++) {
        pms_err e;
        /* A sheet the run did not make (no gnuplot, a section skipped) is
         * not an error. */
        if (pms_xlsx_no_print(r->x, technical[i], &e) == PMS_ENOMEM)
            return pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    return PMS_OK;
}

pms_status pms_report_build(pms_report_ctx *r, pms_err *err)
{
    const char *title = pms_config_str(r->cfg, "report", "title", "pmsreview report");
    char path[4400];
    snprintf(path, sizeof path, "%s/pmsreview-report.xlsx", r->dir);
    pms_status st = pms_xlsx_open(path, r->created, title, &r->x, err);
    if (st) return st;
    /* Sheet order is creation order: Summary first, filled in at the end. */
    st = pms_xlsx_add_lines(r->x, "Summary", &title, 1, err);
    if (!st && r->charts_on) {
        snprintf(r->charts_dir, sizeof r->charts_dir, "%s/charts", r->dir);
        if (mkdir(r->charts_dir, 0777) != 0)
            st = pms_err_set(err, PMS_EIO, "%s: cannot create: %s", r->charts_dir,
                             strerror(errno));
        pms_err why;
        if (pms_gp_find(r->gnuplot, sizeof r->gnuplot, &why)) {
            r->gnuplot[0] = '\0';
            snprintf(r->gnuplot_why, sizeof r->gnuplot_why, "%s", why.msg);
        } else if (!st) {
            st = pms_gp_runner_new(r->gnuplot, r->charts_dir, report_threads(r), &r->runner,
                                   err);
            /* The PDFs carry the document time, as the workbook does. */
            if (!st) pms_gp_runner_set_time(r->runner, r->created);
        }
    }

    if (!st) st = load_data(r, err);
    if (!st) st = pms_report_regress(r, err);
    if (!st) st = pms_report_correlate(r, err);
    if (!st) st = pms_report_fairness(r, err);
    if (!st) st = pms_report_funnel(r, err);
    if (!st) st = pms_report_ccg(r, err);
    if (!st) st = pms_report_target(r, err);
    if (!st && r->nloc_codes) st = locality_counts_say(r, err);
    if (!st) st = pms_report_savings(r, err);
    if (!st) st = pms_report_premium(r, err);
    if (!st) st = pms_report_trend(r, err);
    if (!st) st = pms_report_sensitivity(r, err);
    if (!st) st = pms_report_practices(r, err);
    if (!st) st = render_charts(r, err);

    if (!st) {
        const char *head = "Methods";
        const char **lines = malloc((r->nmethods + 1) * sizeof *lines);
        if (!lines) st = pms_err_set(err, PMS_ENOMEM, "out of memory");
        else {
            lines[0] = head;
            for (size_t i = 0; i < r->nmethods; i++) lines[i + 1] = r->methods[i];
            st = pms_xlsx_add_lines(r->x, "Methods", lines, r->nmethods + 1, err);
            free(lines);
        }
    }
    if (!st) st = provenance_sheet(r, err);
    if (!st) st = print_pack(r, err);
    if (!st) st = pms_report_write_summary(r, title, err);
    if (!st) st = workbook_front(r, err);
    /* A sentence of the summary or a line of the Methods that could not be
     * stored: the report is not written without it. */
    if (!st && r->lost) st = pms_err_set(err, PMS_ENOMEM, "out of memory");
    /* gnuplot draws the SVGs and PDFs meanwhile, leaving the workbook a core;
     * on failure too, every gnuplot is waited for before the folder goes. */
    pms_status cst = pms_xlsx_close(r->x, err);
    r->x = NULL;
    if (r->runner) {
        if (!st && !cst) st = charts_done(r, err);
        else pms_gp_runner_finish(r->runner, NULL, NULL);
        r->runner = NULL;
    }
    return st ? st : cst;
}

void pms_report_ctx_free(pms_report_ctx *r)
{
    pms_report_prefetch_stop(r);
    /* Never leave a gnuplot running behind: wait for it before returning. */
    if (r->runner) pms_gp_runner_finish(r->runner, NULL, NULL);
    r->runner = NULL;
    if (r->x) pms_xlsx_close(r->x, NULL);
    for (size_t i = 0; i < r->nsay; i++) free(r->say[i]);
    free(r->say);
    free(r->say_part);
    for (size_t i = 0; i < r->nmethods; i++) free(r->methods[i]);
    free(r->methods);
    for (size_t i = 0; i < r->nloaded; i++) pms_table_free(r->loaded[i]);
    pms_select_result_free(&r->selres);
    for (size_t i = 0; r->sav_runs && i < r->nsav_runs; i++) pms_sav_result_free(&r->sav_runs[i]);
    free(r->sav_runs);
    free(r->loc_codes);
    free(r->loaded);
    for (size_t i = 0; i < r->nmissing_charts; i++) free(r->missing_charts[i]);
    free(r->missing_charts);
    free(r->charts);
    free(r->summary);
    pms_config_free(r->cfg);
}
