#include "plots/gnuplot.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ; /* POSIX: not declared by <unistd.h> without _GNU_SOURCE */
#include "io/utf8.h"

/* A growing text buffer; `failed` remembers an allocation failure so that the
 * many small appends need no checks and finish reports it once. */
typedef struct {
    char *s;
    size_t len, cap;
    int failed;
} buf;

static void buf_add(buf *b, const char *s, size_t n)
{
    if (b->failed) return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (b->len + n + 1 > cap) cap *= 2;
        char *ns = realloc(b->s, cap);
        if (!ns) {
            b->failed = 1;
            return;
        }
        b->s = ns;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void buf_vprintf(buf *b, const char *fmt, va_list ap)
{
    char tmp[2048];
    va_list aq;
    va_copy(aq, ap);
    int n = vsnprintf(tmp, sizeof tmp, fmt, aq);
    va_end(aq);
    if (n < 0) {
        b->failed = 1;
        return;
    }
    if ((size_t)n < sizeof tmp) {
        buf_add(b, tmp, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big) {
        b->failed = 1;
        return;
    }
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    buf_add(b, big, (size_t)n);
    free(big);
}

static void buf_printf(buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(b, fmt, ap);
    va_end(ap);
}

struct pms_gp_chart {
    char *dir;
    char name[49];
    char title[256], xlabel[128], ylabel[128], source[320];
    buf dat, script;
    int cells; /* cells written on the current data row */
};

pms_status pms_gp_find(char *path, size_t cap, pms_err *err)
{
    const char *forced = getenv("PMS_GNUPLOT");
    if (forced && *forced) {
        if (access(forced, X_OK) == 0) {
            snprintf(path, cap, "%s", forced);
            return PMS_OK;
        }
        return pms_err_set(err, PMS_ENOTFOUND, "gnuplot is not installed (PMS_GNUPLOT=%s is "
                           "not an executable)", forced);
    }
    const char *p = getenv("PATH");
    if (!p) p = "/usr/bin:/bin";
    while (*p) {
        const char *e = strchr(p, ':');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        char cand[4096];
        /* An empty PATH entry means the current directory. */
        if (n == 0) snprintf(cand, sizeof cand, "./gnuplot");
        else snprintf(cand, sizeof cand, "%.*s/gnuplot", (int)n, p);
        struct stat sb;
        if (stat(cand, &sb) == 0 && S_ISREG(sb.st_mode) && access(cand, X_OK) == 0) {
            snprintf(path, cap, "%s", cand);
            return PMS_OK;
        }
        if (!e) break;
        p = e + 1;
    }
    return pms_err_set(err, PMS_ENOTFOUND, "gnuplot is not installed (not found on PATH)");
}

/* The next character of in for a .dat or script string: its length k (0 at
 * the end), or a space (*sp = 1) for a byte that is not well-formed UTF-8 or
 * a C1 control, so that no invalid UTF-8 reaches a chart or its files. */
static size_t next_char(const char *in, size_t n, size_t i, int *sp)
{
    size_t k = pms_utf8_seq(in + i, n - i);
    *sp = !k || (k == 2 && (unsigned char)in[i] == 0xC2 && (unsigned char)in[i + 1] < 0xA0);
    return k ? k : 1;
}

void pms_gp_data_text(const char *in, char *out, size_t cap)
{
    if (!cap) return;
    if (!in) in = "";
    while (*in == ' ' || *in == '\t' || *in == '\r' || *in == '\n') in++;
    size_t n = strlen(in), w = 0;
    for (size_t i = 0; i < n;) {
        int sp;
        size_t k = next_char(in, n, i, &sp);
        if (w + (sp ? 1 : k) >= cap) break; /* cut on a character boundary */
        if (sp || k > 1) {
            if (sp) out[w++] = ' ';
            else memcpy(out + w, in + i, k), w += k;
            i += k;
            continue;
        }
        unsigned char ch = (unsigned char)in[i++];
        if (ch < 0x20 || ch == 0x7F) ch = ' ';
        else if (ch == '"') ch = '\'';
        out[w++] = (char)ch;
    }
    while (w > 0 && out[w - 1] == ' ') w--;
    out[w] = '\0';
    if (w == 0 && cap >= 2) snprintf(out, cap, "-");
}

void pms_gp_script_text(const char *in, char *out, size_t cap)
{
    if (!cap) return;
    if (!in) in = "";
    static const char ok[] = " .,:;()/-+%&=_";
    size_t n = strlen(in), w = 0;
    for (size_t i = 0; i < n;) {
        int sp;
        size_t k = next_char(in, n, i, &sp);
        unsigned char ch = (unsigned char)in[i];
        i += k;
        if (!sp && k > 1) {
            if (w + k >= cap) break; /* cut on a character boundary */
            memcpy(out + w, in + i - k, k);
            w += k;
            continue;
        }
        if (ch == '\'' && !sp) {
            /* Doubled, it is a literal quote inside a single-quoted string. */
            if (w + 2 >= cap) break;
            out[w++] = '\'';
            out[w++] = '\'';
            continue;
        }
        if (w + 1 >= cap) break;
        int keep = !sp && ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                           (ch >= '0' && ch <= '9') || (ch && strchr(ok, ch)));
        out[w++] = keep ? (char)ch : ' ';
    }
    out[w] = '\0';
}

pms_status pms_gp_chart_new(const char *dir, const char *name, const char *title,
                            const char *xlabel, const char *ylabel, pms_gp_chart **out,
                            pms_err *err)
{
    *out = NULL;
    size_t n = strlen(name);
    if (n == 0 || n > 48)
        return pms_err_set(err, PMS_EUSAGE, "chart name '%s' must have 1 to 48 characters", name);
    for (size_t i = 0; i < n; i++)
        if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
              name[i] == '_' || name[i] == '-'))
            return pms_err_set(err, PMS_EUSAGE, "chart name '%s' may hold only a-z, 0-9, _ and -",
                               name);
    pms_gp_chart *c = calloc(1, sizeof *c);
    if (!c || !(c->dir = malloc(strlen(dir) + 1))) {
        free(c);
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    strcpy(c->dir, dir);
    memcpy(c->name, name, n + 1);
    pms_gp_script_text(title, c->title, sizeof c->title);
    pms_gp_script_text(xlabel, c->xlabel, sizeof c->xlabel);
    pms_gp_script_text(ylabel, c->ylabel, sizeof c->ylabel);
    buf_printf(&c->dat, "# Data for %s.gp: tab-separated, series separated by two blank "
               "lines (gnuplot index 0, 1, ...).\n", name);
    *out = c;
    return PMS_OK;
}

void pms_gp_num(pms_gp_chart *c, double v)
{
    if (c->cells++) buf_add(&c->dat, "\t", 1);
    if (isnan(v) || isinf(v)) buf_add(&c->dat, "NaN", 3);
    else buf_printf(&c->dat, "%.10g", v);
}

void pms_gp_text(pms_gp_chart *c, const char *s)
{
    char clean[512];
    pms_gp_data_text(s, clean, sizeof clean);
    if (c->cells++) buf_add(&c->dat, "\t", 1);
    buf_add(&c->dat, clean, strlen(clean));
}

void pms_gp_row_end(pms_gp_chart *c)
{
    buf_add(&c->dat, "\n", 1);
    c->cells = 0;
}

void pms_gp_block_end(pms_gp_chart *c)
{
    if (c->cells) pms_gp_row_end(c);
    buf_add(&c->dat, "\n\n", 2);
}

void pms_gp_cmd(pms_gp_chart *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&c->script, fmt, ap);
    va_end(ap);
    buf_add(&c->script, "\n", 1);
}

void pms_gp_set_source(pms_gp_chart *c, const char *source)
{
    pms_gp_script_text(source, c->source, sizeof c->source);
}

void pms_gp_chart_discard(pms_gp_chart *c)
{
    if (!c) return;
    free(c->dat.s);
    free(c->script.s);
    free(c->dir);
    free(c);
}

static pms_status write_file(const char *path, const buf *b, pms_err *err)
{
    FILE *f = fopen(path, "w");
    if (!f) return pms_err_set(err, PMS_EIO, "%s: cannot write: %s", path, strerror(errno));
    int bad = b->len && fwrite(b->s, 1, b->len, f) != b->len;
    int e = errno;
    if (fclose(f) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    if (bad) return pms_err_set(err, PMS_EIO, "%s: cannot write: %s", path, strerror(e));
    return PMS_OK;
}

/* The terminals: the same drawing at three resolutions.  Fonts are given in
 * points for the 10-inch PDF; fontscale keeps their size relative to the
 * picture the same in the PNG and SVG. */
static const char *const terminals[3][2] = {
    {"png", "set terminal pngcairo size 1600,900 font 'DejaVu Sans,11' fontscale 2.0 "
            "linewidth 2 noenhanced background '#ffffff'"},
    {"svg", "set terminal svg size 1200,675 dynamic font 'DejaVu Sans,11' fontscale 1.3 "
            "linewidth 1.5 noenhanced background '#ffffff'"},
    {"pdf", "set terminal pdfcairo size 10in,5.625in font 'DejaVu Sans,11' linewidth 1.2 "
            "noenhanced"},
};

pms_status pms_gp_chart_finish(pms_gp_chart *c, pms_err *err)
{
    if (!c) return PMS_OK;
    if (c->cells) pms_gp_row_end(c);
    buf g = {0};
    buf_printf(&g,
               "# pmsreview chart '%s'.  Restyle freely, then re-run in this folder with\n"
               "#   gnuplot %s.gp\n"
               "# which writes %s.png (slides), %s.svg and %s.pdf (print).\n"
               "# The data is in %s.dat; labels are read from it as string columns.\n",
               c->name, c->name, c->name, c->name, c->name, c->name);
    buf_printf(&g, "DATA = '%s.dat'\n", c->name);
    /* No `set encoding utf8`: under LC_ALL=C gnuplot then warns (iconv), while
     * the cairo and svg terminals take the UTF-8 bytes (the pound sign) as
     * they are. */
    buf_printf(&g, "set datafile separator \"\\t\"\nset datafile missing "
                   "'NaN'\n%s\nset output '%s.png'\n",
               terminals[0][1], c->name);
    /* House style: NHS palette, light grid, no box, titles and units. */
    buf_printf(&g,
               "set style line 1 lc rgb '" PMS_GP_BLUE "' lw 2 pt 7 ps 0.6\n"
               "set style line 2 lc rgb '" PMS_GP_DARK_BLUE "' lw 2 pt 5 ps 0.6\n"
               "set style line 3 lc rgb '" PMS_GP_LIGHT_BLUE "' lw 2 pt 9 ps 0.6\n"
               "set style line 4 lc rgb '" PMS_GP_GREY "' lw 2 pt 13 ps 0.6\n"
               "set style line 5 lc rgb '" PMS_GP_RED "' lw 2 pt 7 ps 0.9\n"
               "set style line 6 lc rgb '" PMS_GP_YELLOW "' lw 2 pt 11 ps 0.6\n"
               "set border 3 lc rgb '#425563' lw 0.5\n"
               "set tics nomirror textcolor rgb '#425563'\n"
               "set grid lc rgb '#D8DDE0' lw 0.5 dt 1\n"
               "set key noopaque textcolor rgb '#231F20'\n"
               /* Centred on the picture, not the plot area, so a wide left margin
                * (long bar labels) cannot push it off the edge. */
               "set label 1003 '%s' at screen 0.5, screen 0.955 center font ',14' "
               "textcolor rgb '" PMS_GP_DARK_BLUE "'\n"
               "set xlabel '%s' textcolor rgb '#231F20'\n"
               "set ylabel '%s' textcolor rgb '#231F20'\n"
               "set bmargin 5\nset tmargin 4.5\n",
               c->title, c->xlabel, c->ylabel);
    if (c->source[0])
        buf_printf(&g, "set label 1000 '%s' at screen 0.01, screen 0.025 left font ',8' "
                       "textcolor rgb '" PMS_GP_GREY "'\n",
                   c->source);
    if (c->script.len) buf_add(&g, c->script.s, c->script.len);
    for (int t = 1; t < 3; t++)
        buf_printf(&g, "%s\nset output '%s.%s'\nreplot\n", terminals[t][1], c->name,
                   terminals[t][0]);
    buf_add(&g, "unset output\n", 13);

    pms_status st = PMS_OK;
    if (g.failed || c->dat.failed || c->script.failed)
        st = pms_err_set(err, PMS_ENOMEM, "out of memory");
    char path[4200];
    if (!st) {
        snprintf(path, sizeof path, "%s/%s.dat", c->dir, c->name);
        st = write_file(path, &c->dat, err);
    }
    if (!st) {
        snprintf(path, sizeof path, "%s/%s.gp", c->dir, c->name);
        st = write_file(path, &g, err);
    }
    free(g.s);
    pms_gp_chart_discard(c);
    return st;
}

/* Read at most cap-1 bytes of the first line of a file. */
static void first_line(const char *path, char *out, size_t cap)
{
    out[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f) return;
    if (fgets(out, (int)cap, f)) out[strcspn(out, "\r\n")] = '\0';
    pms_utf8_trim_tail(out); /* gnuplot may echo UTF-8 from a title: cut whole */
    fclose(f);
}

static long file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (long)sb.st_size : -1;
}

/* Overwrite the date in each "/KEY (D:YYYYMMDDHHmmSS<zone>)" of a PDF by t in
 * UTC.  cairo writes the zone as "Z" or "+HH'mm'"; the latter becomes
 * "+00'00'", so every byte keeps its offset.  Returns 0, or -1 if the file
 * could not be read or written (a date it does not recognise is left alone). */
static int pdf_set_date(const char *path, time_t t)
{
    FILE *f = fopen(path, "r+b");
    if (!f) return -1;
    char *d = NULL;
    long n = -1;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (d = malloc((size_t)n + 1)) && fread(d, 1, (size_t)n, f) == (size_t)n)
        d[n] = '\0';
    else {
        free(d);
        fclose(f);
        return -1;
    }
    struct tm tm;
    char stamp[16];
    if (!gmtime_r(&t, &tm) || strftime(stamp, sizeof stamp, "%Y%m%d%H%M%S", &tm) != 14) {
        free(d);
        fclose(f);
        return -1; /* a year outside 0000-9999 has no PDF date */
    }
    int rc = 0;
    static const char *const keys[2] = {"/CreationDate (D:", "/ModDate (D:"};
    for (int k = 0; k < 2 && !rc; k++) {
        size_t kl = strlen(keys[k]);
        /* PDF bytes may hold NULs: search with memcmp, not strstr. */
        for (long i = 0; i + (long)kl + 15 <= n; i++) {
            if (memcmp(d + i, keys[k], kl) != 0) continue;
            char *p = d + i + kl;
            int digits = 1;
            for (int j = 0; j < 14; j++) digits &= p[j] >= '0' && p[j] <= '9';
            if (!digits) continue;
            char zone[8] = "";
            size_t zl = 0;
            if (p[14] == 'Z') zl = 0;
            else if ((p[14] == '+' || p[14] == '-') && i + (long)kl + 21 <= n && p[17] == '\'') {
                zl = p[20] == '\'' ? 7 : 6;
                memcpy(zone, "+00'00'", zl);
            } else
                continue;
            memcpy(p, stamp, 14);
            if (zl) memcpy(p + 14, zone, zl);
            if (fseek(f, i + (long)kl, SEEK_SET) != 0 || fwrite(p, 1, 14 + zl, f) != 14 + zl)
                rc = -1;
            break;
        }
    }
    free(d);
    if (fclose(f) != 0) rc = -1;
    return rc;
}

static void finish_one(const char *dir, const char *name, int status, const time_t *stamp,
                       pms_gp_result *res)
{
    char path[4200], line[400];
    snprintf(path, sizeof path, "%s/%s.stderr", dir, name);
    long errbytes = file_size(path);
    first_line(path, line, sizeof line);
    unlink(path);
    res->ok = 0;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
        snprintf(res->message, sizeof res->message, "gnuplot could not be started");
        return;
    }
    if (!WIFEXITED(status)) {
        snprintf(res->message, sizeof res->message, "gnuplot was killed by signal %d",
                 WIFSIGNALED(status) ? WTERMSIG(status) : 0);
        return;
    }
    if (WEXITSTATUS(status) != 0) {
        snprintf(res->message, sizeof res->message, "gnuplot failed (exit status %d): %s",
                 WEXITSTATUS(status), line[0] ? line : "no message");
        pms_utf8_trim_tail(res->message);
        return;
    }
    /* Our scripts produce no warnings: anything on stderr means a chart that
     * may be wrong, so it is not trusted. */
    if (errbytes > 0) {
        snprintf(res->message, sizeof res->message, "gnuplot warned: %s", line);
        pms_utf8_trim_tail(res->message);
        return;
    }
    static const char *ext[3] = {"png", "svg", "pdf"};
    for (int k = 0; k < 3; k++) {
        snprintf(path, sizeof path, "%s/%s.%s", dir, name, ext[k]);
        if (file_size(path) <= 0) {
            snprintf(res->message, sizeof res->message, "gnuplot did not write %s.%s", name,
                     ext[k]);
            return;
        }
    }
    if (stamp) {
        snprintf(path, sizeof path, "%s/%s.pdf", dir, name);
        if (pdf_set_date(path, *stamp) != 0) {
            snprintf(res->message, sizeof res->message, "cannot set the date of %s.pdf", name);
            return;
        }
    }
    res->ok = 1;
    res->message[0] = '\0';
}

struct pms_gp_runner {
    char *gnuplot, *dir;
    unsigned threads;
    char (*names)[49];      /* every chart added, in order */
    pms_gp_result *results;
    pid_t *pid;             /* per chart: 0 = not started or reaped */
    size_t n, cap, next;    /* next: first chart not yet started */
    size_t active;
    pms_status st;          /* a start failure, reported by finish */
    int stamped;            /* PDFs get the date `stamp` (pms_gp_runner_set_time) */
    char **envp;            /* gnuplot's environment: ours with TZ=UTC0 */
    time_t stamp;
    pms_err err;
};

pms_status pms_gp_runner_new(const char *gnuplot, const char *dir, unsigned threads,
                             pms_gp_runner **out, pms_err *err)
{
    *out = NULL;
    pms_gp_runner *r = calloc(1, sizeof *r);
    if (!r || !(r->gnuplot = malloc(strlen(gnuplot) + 1)) || !(r->dir = malloc(strlen(dir) + 1))) {
        if (r) free(r->gnuplot);
        free(r);
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    strcpy(r->gnuplot, gnuplot);
    strcpy(r->dir, dir);
    r->threads = threads ? threads : 1;
    /* gnuplot runs in UTC so that cairo writes the PDF date's zone as "Z"
     * whatever the user's TZ: the same document time gives the same bytes. */
    size_t ne = 0;
    while (environ[ne]) ne++;
    r->envp = malloc((ne + 2) * sizeof *r->envp);
    if (!r->envp) {
        free(r->gnuplot);
        free(r->dir);
        free(r);
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    size_t w = 0;
    for (size_t i = 0; i < ne; i++)
        if (strncmp(environ[i], "TZ=", 3) != 0) r->envp[w++] = environ[i];
    r->envp[w++] = (char *)"TZ=UTC0";
    r->envp[w] = NULL;
    *out = r;
    return PMS_OK;
}

void pms_gp_runner_set_time(pms_gp_runner *r, time_t t)
{
    r->stamped = 1;
    r->stamp = t;
}

/* Reap whichever of our children have ended (never blocks), then start
 * queued charts while a slot is free. */
static void pump(pms_gp_runner *r)
{
    for (size_t i = 0; i < r->next; i++) {
        if (r->pid[i] == 0) continue;
        int status = 0;
        pid_t w = waitpid(r->pid[i], &status, WNOHANG);
        if (w == 0 || (w < 0 && errno == EINTR)) continue;
        if (w < 0) status = 127 << 8;
        finish_one(r->dir, r->names[i], status, r->stamped ? &r->stamp : NULL, &r->results[i]);
        r->pid[i] = 0;
        r->active--;
    }
    while (r->next < r->n && r->active < r->threads && !r->st) {
        /* Everything the child needs is prepared before fork: after it, only
         * async-signal-safe calls. */
        char script[64], errname[64];
        snprintf(script, sizeof script, "%s.gp", r->names[r->next]);
        snprintf(errname, sizeof errname, "%s.stderr", r->names[r->next]);
        pid_t pid = fork();
        if (pid < 0) {
            r->st = pms_err_set(&r->err, PMS_EIO, "cannot start gnuplot: %s", strerror(errno));
            return;
        }
        if (pid == 0) {
            if (chdir(r->dir) != 0) _exit(126);
            int fd = open(errname, O_WRONLY | O_CREAT | O_TRUNC, 0600);
            int nul = open("/dev/null", O_RDWR);
            if (fd < 0 || nul < 0) _exit(126);
            dup2(nul, 0);
            dup2(nul, 1);
            dup2(fd, 2);
            char *argv[3] = {(char *)"gnuplot", script, NULL};
            execve(r->gnuplot, argv, r->envp);
            _exit(127);
        }
        r->pid[r->next++] = pid;
        r->active++;
    }
}

pms_status pms_gp_runner_add(pms_gp_runner *r, const char *name, pms_err *err)
{
    if (strlen(name) > 48) return pms_err_set(err, PMS_EUSAGE, "chart name '%s' too long", name);
    if (r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 16;
        char(*nn)[49] = realloc(r->names, cap * sizeof *nn);
        if (nn) r->names = nn;
        pms_gp_result *nr = realloc(r->results, cap * sizeof *nr);
        if (nr) r->results = nr;
        pid_t *np = realloc(r->pid, cap * sizeof *np);
        if (np) r->pid = np;
        if (!nn || !nr || !np) return pms_err_set(err, PMS_ENOMEM, "out of memory");
        r->cap = cap;
    }
    snprintf(r->names[r->n], sizeof r->names[r->n], "%s", name);
    r->results[r->n].ok = 0;
    snprintf(r->results[r->n].message, sizeof r->results[r->n].message, "not rendered");
    r->pid[r->n] = 0;
    r->n++;
    pump(r);
    return PMS_OK;
}

pms_status pms_gp_runner_finish(pms_gp_runner *r, pms_gp_result *results, pms_err *err)
{
    if (!r) return PMS_OK;
    for (;;) {
        pump(r);
        if (r->active == 0 && (r->next == r->n || r->st)) break;
        struct timespec ts = {0, 2000000}; /* 2 ms: small against a chart's ~100 ms */
        nanosleep(&ts, NULL);
    }
    if (results && r->n) memcpy(results, r->results, r->n * sizeof *results);
    pms_status st = r->st;
    if (st && err) *err = r->err;
    free(r->names);
    free(r->results);
    free(r->pid);
    free(r->envp);
    free(r->gnuplot);
    free(r->dir);
    free(r);
    return st;
}

pms_status pms_gp_render(const char *gnuplot, const char *dir, const char *const *names,
                         size_t n, unsigned threads, pms_gp_result *results, pms_err *err)
{
    pms_gp_runner *r;
    pms_status st = pms_gp_runner_new(gnuplot, dir, threads, &r, err);
    for (size_t i = 0; i < n && !st; i++) st = pms_gp_runner_add(r, names[i], err);
    if (st) {
        pms_gp_runner_finish(r, NULL, NULL);
        return st;
    }
    return pms_gp_runner_finish(r, results, err);
}
