#include "report/report.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plots/gnuplot.h"

/* Under every chart drawn from the main year (sections drawing other years set their own). */
static const char *main_source =
    "Source: NHS Digital, NHS Payments to General Practice 2014/15; OHID Fingertips IMD 2015 "
    "by practice (93553).";

static char *vfmt(const char *fmt, va_list ap)
{
    char buf[2048];
    vsnprintf(buf, sizeof buf, fmt, ap);
    /* Names from data may hold newlines or tabs: one sentence stays one line. */
    for (char *p = buf; *p; p++)
        if ((unsigned char)*p < 0x20) *p = ' ';
    size_t n = strlen(buf) + 1;
    char *s = malloc(n);
    if (s) memcpy(s, buf, n);
    return s;
}

static void push(char ***v, size_t *n, char *s)
{
    if (!s) return;
    char **nv = realloc(*v, (*n + 1) * sizeof *nv);
    if (!nv) {
        free(s);
        return;
    }
    *v = nv;
    nv[(*n)++] = s;
}

void pms_report_say(pms_report_ctx *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    push(&r->say, &r->nsay, vfmt(fmt, ap));
    va_end(ap);
}

void pms_report_method(pms_report_ctx *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    push(&r->methods, &r->nmethods, vfmt(fmt, ap));
    va_end(ap);
}

const char *pms_report_money(char *buf, size_t cap, double v, int dec)
{
    if (isnan(v)) {
        snprintf(buf, cap, "n/a");
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
    if (r->main && !pms_table_text(r->main, "ccg_code", &code, &ignore) &&
        !pms_table_text(r->main, "ccg_name", &name, &ignore))
        for (size_t i = 0; i < r->main->nrows && !found; i++)
            if (code[i] && name[i] && !strcmp(code[i], r->locality)) found = name[i];
    if (found) {
        /* Names from data may hold newlines: one line in sentences. */
        snprintf(r->locality_label, sizeof r->locality_label, "%.150s (%.30s)", found,
                 r->locality);
        for (char *p = r->locality_label; *p; p++)
            if ((unsigned char)*p < 0x20) *p = ' ';
    } else {
        snprintf(r->locality_label, sizeof r->locality_label, "%.150s", r->locality);
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

pms_status pms_report_load(pms_report_ctx *r, const char *const *paths, size_t n,
                           const char *const *where, size_t nwhere, pms_table **out,
                           pms_err *err)
{
    pms_data_opts o = {(const char **)paths, n, NULL, 0, (const char **)where, nwhere};
    pms_status st = pms_dataset_open(&o, out, err);
    if (st) return st;
    pms_table **nl = realloc(r->loaded, (r->nloaded + 1) * sizeof *nl);
    if (!nl) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    r->loaded = nl;
    nl[r->nloaded++] = *out;
    return PMS_OK;
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

pms_status pms_report_configure(pms_report_ctx *r, pms_err *err)
{
    static const char *sections[] = {"report", "data.main", "data.performance", "trend",
                                     "savings", NULL};
    static const char *report_keys[] = {"title", "locality", "out", "seed", "bootstrap",
                                        "ci_level", "charts", NULL};
    static const char *data_keys[] = {"payments", "join", "deprivation", NULL};
    static const char *savings_keys[] = {"scenarios", "sweep_from", "sweep_to", "sweep_step",
                                         NULL};
    pms_status st = pms_config_check(r->cfg, sections, "report", report_keys, err);
    if (!st) st = pms_config_check(r->cfg, NULL, "data.main", data_keys, err);
    if (!st) st = pms_config_check(r->cfg, NULL, "data.performance", data_keys, err);
    if (!st) st = pms_config_check(r->cfg, NULL, "savings", savings_keys, err);
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
        for (size_t s = 0; s < t->nsources; s++) {
            pms_out_row(inputs);
            pms_out_set_text(inputs, i0, t->sources[s].path);
            pms_out_set_int(inputs, i1, (long long)t->sources[s].rows);
            pms_out_set_int(inputs, i2, (long long)t->sources[s].columns);
            pms_out_set_text(inputs, i3, t->sources[s].latin1 ? "ISO-8859-1" : "UTF-8");
            pms_out_set_text(inputs, i4, t->sources[s].sha256);
        }
        for (size_t i = 0; i < t->nnotes; i++) {
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

static pms_status write_summary(pms_report_ctx *r, const char *title, pms_err *err)
{
    size_t cap = 256;
    for (size_t i = 0; i < r->nsay; i++) cap += strlen(r->say[i]) + 4;
    for (size_t i = 0; i < r->nmissing_charts; i++) cap += strlen(r->missing_charts[i]) + 64;
    r->summary = malloc(cap + strlen(title));
    if (!r->summary) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    size_t w = (size_t)sprintf(r->summary, "%s\n\n", title);
    for (size_t i = 0; i < r->nsay; i++) w += (size_t)sprintf(r->summary + w, "- %s\n", r->say[i]);
    for (size_t i = 0; i < r->nmissing_charts; i++)
        w += (size_t)sprintf(r->summary + w, "Chart not drawn: %s\n", r->missing_charts[i]);
    char path[4400];
    snprintf(path, sizeof path, "%s/summary.txt", r->dir);
    FILE *f = fopen(path, "w");
    int bad = !f || fputs(r->summary, f) < 0;
    /* fclose once, whatever happened: it flushes, so it can fail too (disk full). */
    if (f && fclose(f) != 0) bad = 1;
    if (bad) return pms_err_set(err, PMS_EIO, "%s: cannot write: %s", path, strerror(errno));
    const char **lines = malloc((r->nsay + r->nmissing_charts + 1) * sizeof *lines);
    char **own = calloc(r->nmissing_charts + 1, sizeof *own);
    if (!lines || !own) {
        free(lines);
        free(own);
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    size_t n = 0;
    lines[n++] = title;
    for (size_t i = 0; i < r->nsay; i++) lines[n++] = r->say[i];
    for (size_t i = 0; i < r->nmissing_charts; i++) {
        size_t len = strlen(r->missing_charts[i]) + 32;
        if ((own[i] = malloc(len))) {
            snprintf(own[i], len, "Chart not drawn: %s", r->missing_charts[i]);
            lines[n++] = own[i];
        }
    }
    pms_status st = pms_xlsx_add_lines(r->x, "Summary", lines, n, err);
    for (size_t i = 0; i < r->nmissing_charts; i++) free(own[i]);
    free(own);
    free(lines);
    return st;
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
    pms_status st = pms_report_load(r, main_paths, n, NULL, 0, &r->main, err);
    if (st) return st;
    const char *pp = pms_config_str(r->cfg, "data.performance", "payments", NULL);
    if (pp && !r->common.ndata) {
        n = 0;
        paths[n++] = pms_report_path(r, pp, p0, sizeof p0);
        const char *j = pms_config_str(r->cfg, "data.performance", "join", NULL);
        if (j) paths[n++] = pms_report_path(r, j, p1, sizeof p1);
        st = pms_report_load(r, paths, n, NULL, 0, &r->perf, err);
    }
    return st;
}

/* Render every registered chart (a gnuplot process each, --threads at a
 * time) and embed the PNGs; a chart that cannot be drawn is named, not fatal. */
static pms_status render_charts(pms_report_ctx *r, pms_err *err)
{
    if (!r->ncharts) {
        pms_status st = pms_gp_runner_finish(r->runner, NULL, err);
        r->runner = NULL;
        return st;
    }
    pms_gp_result *res = calloc(r->ncharts, sizeof *res);
    if (!res) {
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    pms_status st = PMS_OK;
    if (r->runner) {
        st = pms_gp_runner_finish(r->runner, res, err);
        r->runner = NULL;
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
    static const char *gloss[][2] = {
        {"Weighted patients", "the practice list adjusted by the Carr-Hill formula for age, sex, "
                              "need and rurality; funding per weighted patient compares like "
                              "with like"},
        {"IMD", "Index of Multiple Deprivation score of the practice's population; higher is "
                "more deprived"},
        {"Spearman's rho", "a correlation of ranks from -1 to 1; 0 means no monotone relation"},
        {"p-value", "the chance of a result at least this extreme if there were no relation; "
                    "shown as <0.001 when smaller"},
        {"Confidence interval", "the range of values consistent with the data at 95%"},
        {"Gini coefficient", "inequality from 0 (all practices funded alike per weighted patient) "
                             "to 1"},
        {"PMS, GMS, APMS", "the three GP contract types: Personal, General and Alternative "
                           "Provider Medical Services"},
        {"MPIG", "Minimum Practice Income Guarantee, a top-up being phased out"},
    };
    pms_status st = pms_xlsx_set_cover(r->x, &c, err);
    for (size_t i = 0; !st && i < sizeof gloss / sizeof *gloss; i++)
        st = pms_xlsx_add_glossary(r->x, gloss[i][0], gloss[i][1], err);
    return st;
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
            unsigned threads = r->common.threads;
            if (!threads) {
                long c = sysconf(_SC_NPROCESSORS_ONLN);
                threads = c > 0 ? (unsigned)c : 1;
            }
            st = pms_gp_runner_new(r->gnuplot, r->charts_dir, threads, &r->runner, err);
        }
    }

    if (!st) st = load_data(r, err);
    if (!st) st = pms_report_regress(r, err);
    if (!st) st = pms_report_correlate(r, err);
    if (!st) st = pms_report_fairness(r, err);
    if (!st) st = pms_report_funnel(r, err);
    if (!st) st = pms_report_ccg(r, err);
    if (!st) st = pms_report_savings(r, err);
    if (!st) st = pms_report_premium(r, err);
    if (!st) st = pms_report_trend(r, err);
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
    if (!st) st = write_summary(r, title, err);
    if (!st) st = workbook_front(r, err);
    /* On failure, wait for any gnuplot still running before the folder goes. */
    if (r->runner) {
        pms_gp_runner_finish(r->runner, NULL, NULL);
        r->runner = NULL;
    }
    pms_status cst = pms_xlsx_close(r->x, err);
    r->x = NULL;
    return st ? st : cst;
}

void pms_report_ctx_free(pms_report_ctx *r)
{
    /* Never leave a gnuplot running behind: wait for it before returning. */
    if (r->runner) pms_gp_runner_finish(r->runner, NULL, NULL);
    r->runner = NULL;
    if (r->x) pms_xlsx_close(r->x, NULL);
    for (size_t i = 0; i < r->nsay; i++) free(r->say[i]);
    free(r->say);
    for (size_t i = 0; i < r->nmethods; i++) free(r->methods[i]);
    free(r->methods);
    for (size_t i = 0; i < r->nloaded; i++) pms_table_free(r->loaded[i]);
    free(r->loaded);
    for (size_t i = 0; i < r->nmissing_charts; i++) free(r->missing_charts[i]);
    free(r->missing_charts);
    free(r->charts);
    free(r->summary);
    pms_config_free(r->cfg);
}
