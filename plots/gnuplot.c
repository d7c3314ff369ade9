#include "plots/gnuplot.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ; /* POSIX: not declared by <unistd.h> without _GNU_SOURCE */
#include "io/dectext.h"
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

/* Class, byte order and machine of an ELF file (e_ident[4..5], e_machine):
 * 0 if `path` is not a readable ELF file. */
static int elf_kind(const char *path, unsigned char kind[4])
{
    unsigned char h[20];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t n = read(fd, h, sizeof h);
    close(fd);
    if (n != (ssize_t)sizeof h || memcmp(h, "\177ELF", 4) != 0) return 0;
    kind[0] = h[4], kind[1] = h[5], kind[2] = h[18], kind[3] = h[19];
    return 1;
}

int pms_gp_png_preload(const char *gnuplot, char *path, size_t cap)
{
    /* Only into a gnuplot of the same ELF kind as the module: a module the
     * dynamic loader cannot take makes it print an error on every start,
     * which would fail every chart.  A script in front of gnuplot (as the
     * tests' fake ones) gets none. */
    unsigned char gk[4], sk[4];
    if (!elf_kind(gnuplot, gk)) return 0;
    const char *env = getenv("PMS_GNUPLOT_PNG_PRELOAD");
    /* Beside the running program once installed (BINDIR/../lib/pmsreview, the
     * same wherever the prefix went), the build tree's (for its own programs
     * and tests, even with an older version installed), and where it was
     * meant to be installed (a program of another's linking the library). */
    char exe[4096], beside[4400] = "";
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    char *slash = n > 0 ? (exe[n] = '\0', strrchr(exe, '/')) : NULL;
    if (slash) {
        *slash = '\0';
        snprintf(beside, sizeof beside, "%s/%s", exe, PMS_GP_PRELOAD_REL);
    }
    const char *cand[4] = {env, env ? NULL : beside, env ? NULL : PMS_GP_PRELOAD_BUILT,
                           env ? NULL : PMS_GP_PRELOAD_INSTALLED};
    for (int k = 0; k < 4; k++) {
        if (!cand[k] || !*cand[k] || strlen(cand[k]) >= cap) continue;
        /* LD_PRELOAD splits its list at spaces and colons. */
        if (strpbrk(cand[k], " :")) continue;
        if (elf_kind(cand[k], sk) && !memcmp(gk, sk, sizeof gk)) {
            snprintf(path, cap, "%s", cand[k]);
            return 1;
        }
    }
    return 0;
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
    if (isnan(v) || isinf(v)) {
        buf_add(&c->dat, "NaN", 3);
        return;
    }
    /* "%.10g" through io/dectext.h (glibc's bytes, without its
     * multiple-precision conversion); snprintf for what it declines. */
    char num[32];
    size_t n = pms_dec_g10(num, v);
    if (n) buf_add(&c->dat, num, n);
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
    {"png", "pngcairo size 1600,900 font 'DejaVu Sans,11' fontscale 2.0 "
            "linewidth 2 noenhanced background '#ffffff'"},
    {"svg", "svg size 1200,675 dynamic font 'DejaVu Sans,11' fontscale 1.3 "
            "linewidth 1.5 noenhanced background '#ffffff'"},
    {"pdf", "pdfcairo size 10in,5.625in font 'DejaVu Sans,11' linewidth 1.2 "
            "noenhanced"},
};

/* The title's font size: 14 points, smaller for a title too long to fit
 * the PNG's width at that size (about 78 characters of DejaVu Sans at 14
 * points and fontscale 2 fill its 1,600 pixels; 72 leaves a margin), so
 * that no title is cut at the edges.  Never below 9. */
static int title_font(const char *t)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)t; *p; p++) n += (*p & 0xC0) != 0x80;
    if (n <= 72) return 14;
    size_t f = 14 * 72 / n;
    return f < 9 ? 9 : (int)f;
}

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
    buf_printf(&g, "set datafile separator \"\\t\"\nset datafile missing 'NaN'\n");
    /* gnuplot otherwise sets and clears a SIGFPE handler (two system calls)
     * around every `using` expression of every data line: a third of the
     * Lorenz chart's time.  The scripts' expressions are products of
     * doubles, which raise no signal on the machines gnuplot runs on. */
    buf_printf(&g, "set datafile nofpe_trap\n");
    /* FORMATS picks the pictures: all three when the script is run alone; the
     * runner draws the PNG first (the workbook needs it) and the SVG and PDF
     * in a second run.  The first format is drawn by the plot command, the
     * others by replot (gnuplot 5.4: the same bytes either way). */
    buf_printf(&g, "# The pictures to write, in this order (pmsreview draws the PNG first, the "
                   "SVG and PDF later).\nif (!exists('FORMATS')) FORMATS = 'png svg pdf'\n");
    for (int t = 0; t < 3; t++)
        buf_printf(&g, "TERM_%s = \"%s\"\n", terminals[t][0], terminals[t][1]);
    buf_printf(&g, "OUTPUT(k) = sprintf(\"set terminal %%s; set output '%s.%%s'\", "
                   "value('TERM_'.word(FORMATS, k)), word(FORMATS, k))\neval OUTPUT(1)\n",
               c->name);
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
               "set label 1003 '%s' at screen 0.5, screen 0.955 center font ',%d' "
               "textcolor rgb '" PMS_GP_DARK_BLUE "'\n"
               "set xlabel '%s' textcolor rgb '#231F20'\n"
               "set ylabel '%s' textcolor rgb '#231F20'\n"
               "set bmargin 5\nset tmargin 4.5\n",
               c->title, title_font(c->title), c->xlabel, c->ylabel);
    if (c->source[0])
        buf_printf(&g, "set label 1000 '%s' at screen 0.01, screen 0.025 left font ',8' "
                       "textcolor rgb '" PMS_GP_GREY "'\n",
                   c->source);
    if (c->script.len) buf_add(&g, c->script.s, c->script.len);
    buf_printf(&g, "do for [k = 2:words(FORMATS)] {\n    eval OUTPUT(k)\n    replot\n}\n"
                   "unset output\n");

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

/* A chart that gives no answer for this long is abandoned (its process
 * killed): normal charts take well under a second. */
#define PMS_GP_TIMEOUT_S 300

/* How one chart's run ended, as the runner saw it. */
typedef struct {
    int died;          /* gnuplot ended before the chart's end marker */
    int status;        /* its wait status then */
    long gp_errno;     /* GPVAL_ERRNO after the chart: non-zero = an error */
    char errmsg[400];  /* GPVAL_ERRMSG */
    char first[400];   /* first non-blank line gnuplot wrote on stderr meanwhile */
    int said;          /* it wrote something other than blanks on stderr */
    int timed_out;     /* killed after PMS_GP_TIMEOUT_S without an answer */
} chart_end;

/* A chart is drawn in two phases (two runs of its script): the PNG, which
 * the workbook embeds, then the SVG and PDF.  Each phase's files: */
static const char *const phase_ext[2][3] = {{"png", NULL, NULL}, {"svg", "pdf", NULL}};
static const char *const phase_formats[2] = {"png", "svg pdf"};

static void judge_one(const char *dir, const char *name, int phase, const chart_end *e,
                      const time_t *stamp, pms_gp_result *res);

static void unlink_ext(const char *dir, const char *name, const char *ext)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s.%s", dir, name, ext);
    unlink(path);
}

/* A chart not drawn leaves no picture behind (complete or absent: a PNG
 * written before a later error, or a file cut short by a dying gnuplot, is
 * not a chart); its .dat and .gp stay, to be re-run by hand.  A failed PNG
 * phase removes all three; a failed vector phase its SVG and PDF (the PNG,
 * which a workbook may be reading, goes in pms_gp_runner_finish). */
static void finish_one(const char *dir, const char *name, int phase, const chart_end *e,
                       const time_t *stamp, pms_gp_result *res)
{
    judge_one(dir, name, phase, e, stamp, res);
    if (res->ok) return;
    if (phase == 0) unlink_ext(dir, name, "png");
    unlink_ext(dir, name, "svg");
    unlink_ext(dir, name, "pdf");
}

static void judge_one(const char *dir, const char *name, int phase, const chart_end *e,
                      const time_t *stamp, pms_gp_result *res)
{
    char path[4200];
    res->ok = 0;
    if (e->died) {
        if (e->timed_out)
            snprintf(res->message, sizeof res->message, "gnuplot gave no answer within %d s",
                     PMS_GP_TIMEOUT_S);
        else if (WIFEXITED(e->status) && WEXITSTATUS(e->status) == 127)
            snprintf(res->message, sizeof res->message, "gnuplot could not be started");
        else if (WIFSIGNALED(e->status))
            snprintf(res->message, sizeof res->message, "gnuplot was killed by signal %d",
                     WTERMSIG(e->status));
        else
            snprintf(res->message, sizeof res->message, "gnuplot stopped (exit status %d): %s",
                     WIFEXITED(e->status) ? WEXITSTATUS(e->status) : -1,
                     e->first[0] ? e->first : "no message");
        pms_utf8_trim_tail(res->message);
        return;
    }
    if (e->gp_errno != 0) {
        snprintf(res->message, sizeof res->message, "gnuplot failed: %s",
                 e->errmsg[0] ? e->errmsg : e->first[0] ? e->first : "no message");
        pms_utf8_trim_tail(res->message);
        return;
    }
    /* Our scripts produce no warnings: anything on stderr means a chart that
     * may be wrong, so it is not trusted. */
    if (e->said) {
        snprintf(res->message, sizeof res->message, "gnuplot warned: %s", e->first);
        pms_utf8_trim_tail(res->message);
        return;
    }
    for (int k = 0; phase_ext[phase][k]; k++) {
        snprintf(path, sizeof path, "%s/%s.%s", dir, name, phase_ext[phase][k]);
        if (file_size(path) <= 0) {
            snprintf(res->message, sizeof res->message, "gnuplot did not write %s.%s", name,
                     phase_ext[phase][k]);
            return;
        }
    }
    if (stamp && phase == 1) {
        snprintf(path, sizeof path, "%s/%s.pdf", dir, name);
        if (pdf_set_date(path, *stamp) != 0) {
            snprintf(res->message, sizeof res->message, "cannot set the date of %s.pdf", name);
            return;
        }
    }
    res->ok = 1;
    res->message[0] = '\0';
}

/* The runner keeps up to `threads` gnuplot processes alive and feeds each
 * phase of a chart (its PNG, later its SVG and PDF) to an idle one through
 * its standard input:
 *   reset session / reset errors / FORMATS = 'png' (or 'svg pdf') /
 *   load 'NAME.gp' / unset output / set print
 *   print sprintf('MARK %d %s', GPVAL_ERRNO, GPVAL_ERRMSG)
 * gnuplot reading commands from a pipe goes on after an error, so a failed
 * chart costs only itself; the marker line on stderr ends the chart, and what
 * came before it on stderr is the chart's own (warnings, the error's
 * context).  A process that dies takes only its current chart with it; the
 * next chart starts a new one.  Starting gnuplot and its fonts costs about
 * 0.06 CPU-s, once per process instead of once per chart.  `reset session`
 * restores every setting the scripts use (they set no linetype, locale or
 * encoding, which it would keep), so a chart drawn after others is
 * byte-identical to `gnuplot NAME.gp` run alone (checked by test_gnuplot).
 *
 * A service thread does all process work (spawn, write, poll, reap), so
 * charts start the moment a process is free, not at the caller's next call.
 * Children are reaped only by pid, never with wait(-1). */
/* One chart: its name and the verdict of each phase.  The PNGs go first:
 * a chart's SVG and PDF are drawn only when no PNG waits, and only if its
 * PNG was drawn. */
typedef struct {
    char name[49];
    pms_gp_result png, vec;
    unsigned char png_ended, vec_sent, vec_ended;
} gp_job;

typedef struct {
    pid_t pid;            /* 0 = no process in this slot */
    int in, err;          /* our ends of its stdin (socket) and stderr (pipe) */
    long chart;           /* chart being drawn, -1 = idle */
    int phase;            /* of that chart: 0 PNG, 1 SVG and PDF */
    time_t since;         /* when it was sent */
    char *text;           /* stderr read but not yet consumed */
    size_t len, cap;
} worker;

struct pms_gp_runner {
    char *gnuplot, *dir;
    unsigned threads;
    gp_job *jobs;           /* every chart added, in order */
    size_t n, cap, next;    /* next: first chart whose PNG is not yet sent */
    size_t png_done;        /* charts whose PNG phase has ended */
    worker *w;              /* threads slots */
    pthread_mutex_t mu;     /* guards jobs, n, cap, next, png_done, closing, st */
    pthread_cond_t done_cv; /* signalled when a PNG phase ends or the runner fails */
    pthread_t thread;
    int wake[2];            /* add and finish poke the thread through this pipe */
    int closing;
    pms_status st;          /* a failure of the runner itself, reported by finish */
    int stamped;            /* PDFs get the date `stamp` (pms_gp_runner_set_time) */
    char **envp;            /* gnuplot's environment: ours with TZ=UTC0 (and preload) */
    char *preload;          /* "LD_PRELOAD=..." for gnuplot's PNG writer, or NULL */
    time_t stamp;
    char mark[64];          /* end-of-chart marker, unlikely in any message */
    pms_err err;
};

static void cloexec(int fd) { fcntl(fd, F_SETFD, FD_CLOEXEC); }

/* Start a gnuplot reading commands from a socket, in the charts folder.
 * Only the service thread forks, and every descriptor of ours is
 * close-on-exec, so a worker holds no other worker's pipes. */
static int spawn(pms_gp_runner *r, worker *w)
{
    int in[2], er[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, in) != 0) return -1;
    if (pipe(er) != 0) {
        close(in[0]);
        close(in[1]);
        return -1;
    }
    for (int k = 0; k < 2; k++) cloexec(in[k]), cloexec(er[k]);
    pid_t pid = fork();
    if (pid < 0) {
        close(in[0]), close(in[1]), close(er[0]), close(er[1]);
        return -1;
    }
    if (pid == 0) { /* only async-signal-safe calls from here */
        if (chdir(r->dir) != 0) _exit(126);
        int nul = open("/dev/null", O_WRONLY);
        if (nul < 0 || dup2(in[1], 0) < 0 || dup2(nul, 1) < 0 || dup2(er[1], 2) < 0) _exit(126);
        char *argv[2] = {(char *)"gnuplot", NULL};
        execve(r->gnuplot, argv, r->envp);
        _exit(127);
    }
    close(in[1]);
    close(er[1]);
    w->pid = pid;
    w->in = in[0];
    w->err = er[0];
    w->chart = -1;
    w->len = 0;
    return 0;
}

/* Close a worker: EOF on its stdin ends gnuplot; then its stderr to EOF and
 * its status.  kill: end it first (an unanswered chart).  Returns the wait
 * status. */
static int retire(worker *w, int kill_it)
{
    int status = 0;
    if (kill_it) kill(w->pid, SIGKILL);
    close(w->in);
    char tmp[4096];
    for (;;) {
        ssize_t k = read(w->err, tmp, sizeof tmp);
        if (k > 0 || (k < 0 && errno == EINTR)) continue;
        break;
    }
    close(w->err);
    while (waitpid(w->pid, &status, 0) < 0 && errno == EINTR) continue;
    w->pid = 0;
    w->chart = -1;
    w->len = 0;
    return status;
}

/* Send a phase of chart `name` to worker w: 0, or -1 if the process cannot
 * take it. */
static int send_chart(pms_gp_runner *r, worker *w, const char *name, int phase)
{
    /* The svg terminal keeps its last line width and colour mode from one
     * plot to the next (gnuplot 5.4 svg.trm: SVG_LineWidth, SVG_color_mode),
     * and they show in the next file's first <g>.  A tiny plot to /dev/null
     * ending on line width 1, then `clear` (colour mode back to default),
     * leaves them as a fresh gnuplot has them, so a chart's SVG does not
     * depend on the chart drawn before it in the same process. */
    /* `set terminal pdfcairo` first: a gnuplot without that terminal fails
     * the PNG phase (the chart is named as not drawn) rather than the vector
     * phase, which ends after the workbook is written. */
    char cmd[800];
    int k = snprintf(cmd, sizeof cmd,
                     "reset session\nset terminal pdfcairo\nset terminal svg\n"
                     "set output '/dev/null'\nunset border\n"
                     "unset tics\nunset key\nset yrange [0:2]\nplot 1 with lines lw 1 notitle\n"
                     "clear\nunset output\n"
                     "reset session\nreset errors\nFORMATS = '%s'\nload '%s.gp'\n"
                     "unset output\nset print\n"
                     "print sprintf('%s %%d %%s', GPVAL_ERRNO, GPVAL_ERRMSG)\n",
                     phase_formats[phase], name, r->mark);
    for (int off = 0; off < k;) {
        ssize_t s = send(w->in, cmd + off, (size_t)(k - off), MSG_NOSIGNAL);
        if (s < 0 && errno == EINTR) continue;
        if (s <= 0) return -1;
        off += (int)s;
    }
    return 0;
}

/* Judge chart i from e and the stderr text gnuplot wrote for it
 * (text[0..upto)). */
static void end_chart(pms_gp_runner *r, long i, int phase, const char *text, size_t upto,
                      chart_end *e)
{
    for (size_t a = 0; a < upto;) {
        size_t j = a;
        while (j < upto && text[j] != '\n') j++;
        while (a < j && (text[a] == ' ' || text[a] == '\t' || text[a] == '\r')) a++;
        if (a < j) {
            e->said = 1;
            if (!e->first[0]) {
                size_t m = j - a < sizeof e->first - 1 ? j - a : sizeof e->first - 1;
                memcpy(e->first, text + a, m);
                e->first[m] = '\0';
                pms_utf8_trim_tail(e->first);
            }
        }
        a = j + 1;
    }
    char name[49];
    pthread_mutex_lock(&r->mu);
    memcpy(name, r->jobs[i].name, sizeof name);
    pthread_mutex_unlock(&r->mu);
    pms_gp_result res;
    finish_one(r->dir, name, phase, e, r->stamped ? &r->stamp : NULL, &res);
    pthread_mutex_lock(&r->mu);
    if (phase == 0) {
        r->jobs[i].png = res;
        r->jobs[i].png_ended = 1;
        r->png_done++;
        pthread_cond_broadcast(&r->done_cv);
    } else {
        r->jobs[i].vec = res;
        r->jobs[i].vec_ended = 1;
    }
    pthread_mutex_unlock(&r->mu);
}

/* Worker w's chart ends with its process (EOF, or killed after the
 * timeout): reap it, then judge the chart on the stderr text it left. */
static void end_chart_died(pms_gp_runner *r, worker *w, long chart, chart_end *e, int kill_it)
{
    size_t len = w->len;
    char *text = w->text;
    w->text = NULL; /* retire keeps the buffer: hand it over for the verdict */
    int phase = w->phase;
    e->status = retire(w, kill_it);
    e->timed_out = kill_it;
    end_chart(r, chart, phase, text ? text : "", text ? len : 0, e);
    w->text = text;
}

/* Read what worker w wrote on stderr; end its chart at the marker or at
 * EOF (the process died). */
static void drain(pms_gp_runner *r, worker *w)
{
    if (w->len + 4096 + 1 > w->cap) {
        size_t cap = w->cap ? 2 * w->cap : 8192;
        char *t = realloc(w->text, cap);
        if (!t) { /* keep going without the text: the chart is still judged */
            w->len = 0;
        } else {
            w->text = t;
            w->cap = cap;
        }
    }
    ssize_t k = w->cap > w->len + 1 ? read(w->err, w->text + w->len, w->cap - w->len - 1) : 0;
    if (k < 0 && errno == EINTR) return;
    if (k <= 0) { /* EOF: gnuplot ended; its chart, if any, goes with it */
        long chart = w->chart;
        chart_end e = {0};
        e.died = 1;
        if (chart >= 0) end_chart_died(r, w, chart, &e, 0);
        else retire(w, 0);
        return;
    }
    w->len += (size_t)k;
    w->text[w->len] = '\0';
    size_t ml = strlen(r->mark);
    for (size_t i = 0; i < w->len;) { /* the marker, at the start of a line */
        char *nl = memchr(w->text + i, '\n', w->len - i);
        if (!nl) break;
        size_t j = (size_t)(nl - w->text);
        if (w->chart >= 0 && j - i > ml && !memcmp(w->text + i, r->mark, ml) &&
            w->text[i + ml] == ' ') {
            chart_end e = {0};
            w->text[j] = '\0';
            char *p = w->text + i + ml + 1, *q;
            e.gp_errno = strtol(p, &q, 10);
            if (*q == ' ') q++;
            snprintf(e.errmsg, sizeof e.errmsg, "%s", q);
            pms_utf8_trim_tail(e.errmsg);
            end_chart(r, w->chart, w->phase, w->text, i, &e);
            w->chart = -1;
            memmove(w->text, w->text + j + 1, w->len - j - 1);
            w->len -= j + 1;
            i = 0;
            continue;
        }
        i = j + 1;
    }
}

/* The next phase to draw (under the lock): the first PNG not sent, else
 * the first chart whose PNG was drawn and whose SVG and PDF were not sent;
 * -1 if none.  *phase gets which. */
static long next_job(pms_gp_runner *r, int *phase)
{
    if (r->next < r->n) {
        *phase = 0;
        return (long)r->next;
    }
    for (size_t i = 0; i < r->n; i++)
        if (r->jobs[i].png_ended && r->jobs[i].png.ok && !r->jobs[i].vec_sent) {
            *phase = 1;
            return (long)i;
        }
    return -1;
}

/* Hand queued phases to idle workers, starting processes as needed. */
static void dispatch(pms_gp_runner *r)
{
    pthread_mutex_lock(&r->mu);
    int phase;
    long i;
    /* SVGs and PDFs take one process fewer (at least one) until finish: the
     * caller, still computing or writing its workbook, keeps a core of its
     * own; PNGs, which it waits for, take every process. */
    unsigned vec_limit = !r->closing && r->threads > 1 ? r->threads - 1 : r->threads;
    while (!r->st && (i = next_job(r, &phase)) >= 0) {
        unsigned vec_busy = 0;
        for (unsigned k = 0; k < r->threads; k++)
            vec_busy += r->w[k].pid && r->w[k].chart >= 0 && r->w[k].phase == 1;
        if (phase == 1 && vec_busy >= vec_limit) break;
        worker *w = NULL;
        for (unsigned k = 0; k < r->threads && !w; k++)
            if (r->w[k].pid && r->w[k].chart < 0) w = &r->w[k];
        for (unsigned k = 0; k < r->threads && !w; k++)
            if (!r->w[k].pid) w = &r->w[k];
        if (!w) break;
        gp_job *j = &r->jobs[i];
        if (phase == 0) r->next++;
        else j->vec_sent = 1;
        int ok = w->pid || spawn(r, w) == 0;
        if (ok && send_chart(r, w, j->name, phase) != 0) {
            retire(w, 1);
            ok = 0;
        }
        if (!ok) {
            pms_gp_result res = {0, ""};
            snprintf(res.message, sizeof res.message, "gnuplot could not be started: %s",
                     strerror(errno));
            if (phase == 0) {
                j->png = res;
                j->png_ended = 1;
                r->png_done++;
                pthread_cond_broadcast(&r->done_cv);
            } else {
                j->vec = res;
                j->vec_ended = 1;
            }
            continue;
        }
        w->chart = i;
        w->phase = phase;
        w->since = time(NULL);
    }
    pthread_mutex_unlock(&r->mu);
}

static void *serve(void *arg)
{
    pms_gp_runner *r = arg;
    struct pollfd *pf = malloc((r->threads + 1) * sizeof *pf);
    /* Start every process now: gnuplot's start-up (fonts) then overlaps the
     * caller's work before the first chart (a failure here is retried, and
     * reported, when a chart needs the process). */
    for (unsigned k = 0; k < r->threads; k++)
        if (spawn(r, &r->w[k]) != 0) r->w[k].pid = 0;
    for (;;) {
        dispatch(r);
        pthread_mutex_lock(&r->mu);
        int busy = 0;
        for (unsigned k = 0; k < r->threads; k++) busy |= r->w[k].pid && r->w[k].chart >= 0;
        int ph;
        int done = r->closing && !busy && (next_job(r, &ph) < 0 || r->st);
        if (!pf && !r->st) r->st = pms_err_set(&r->err, PMS_ENOMEM, "out of memory");
        if (r->st) pthread_cond_broadcast(&r->done_cv);
        pthread_mutex_unlock(&r->mu);
        if (done || !pf) break;
        nfds_t np = 0;
        pf[np++] = (struct pollfd){r->wake[0], POLLIN, 0};
        for (unsigned k = 0; k < r->threads; k++)
            if (r->w[k].pid) pf[np++] = (struct pollfd){r->w[k].err, POLLIN, 0};
        if (poll(pf, np, 1000) < 0 && errno != EINTR) {
            struct timespec ts = {0, 10000000};
            nanosleep(&ts, NULL);
        }
        if (pf[0].revents) {
            char tmp[64];
            while (read(r->wake[0], tmp, sizeof tmp) < 0 && errno == EINTR) continue;
        }
        np = 1;
        for (unsigned k = 0; k < r->threads; k++) {
            worker *w = &r->w[k];
            if (!w->pid) continue;
            if (pf[np++].revents) drain(r, w);
            if (w->pid && w->chart >= 0 && time(NULL) - w->since > PMS_GP_TIMEOUT_S) {
                chart_end e = {0};
                e.died = 1;
                end_chart_died(r, w, w->chart, &e, 1);
            }
        }
    }
    for (unsigned k = 0; k < r->threads; k++)
        if (r->w[k].pid) retire(&r->w[k], 0);
    free(pf);
    return NULL;
}

/* The runner's own allocations, for a runner that could not start. */
static void runner_drop(pms_gp_runner *r)
{
    free(r->preload), free(r->envp), free(r->gnuplot), free(r->dir), free(r->w), free(r);
}

/* r->preload: the module that makes gnuplot's PNGs cheaper to write, ahead
 * of any LD_PRELOAD of ours (which gnuplot then still gets); none if there
 * is no module for this gnuplot.  -1 when out of memory. */
static int preload_env(pms_gp_runner *r, const char *gnuplot)
{
    char mod[4096];
    if (!pms_gp_png_preload(gnuplot, mod, sizeof mod)) return 0;
    const char *prev = getenv("LD_PRELOAD");
    size_t n = strlen(mod) + (prev ? strlen(prev) : 0) + 16;
    if (!(r->preload = malloc(n))) return -1;
    snprintf(r->preload, n, "LD_PRELOAD=%s%s%s", mod, prev && *prev ? ":" : "",
             prev ? prev : "");
    return 0;
}

pms_status pms_gp_runner_new(const char *gnuplot, const char *dir, unsigned threads,
                             pms_gp_runner **out, pms_err *err)
{
    *out = NULL;
    pms_gp_runner *r = calloc(1, sizeof *r);
    if (!r) return pms_err_set(err, PMS_ENOMEM, "out of memory");
    r->threads = threads ? threads : 1;
    r->wake[0] = r->wake[1] = -1;
    size_t ne = 0;
    while (environ[ne]) ne++;
    if (!(r->gnuplot = malloc(strlen(gnuplot) + 1)) || !(r->dir = malloc(strlen(dir) + 1)) ||
        !(r->w = calloc(r->threads, sizeof *r->w)) ||
        !(r->envp = malloc((ne + 3) * sizeof *r->envp)) || preload_env(r, gnuplot) != 0) {
        runner_drop(r);
        return pms_err_set(err, PMS_ENOMEM, "out of memory");
    }
    strcpy(r->gnuplot, gnuplot);
    strcpy(r->dir, dir);
    for (unsigned k = 0; k < r->threads; k++) r->w[k].chart = -1;
    /* gnuplot runs in UTC so that cairo writes the PDF date's zone as "Z"
     * whatever the user's TZ: the same document time gives the same bytes. */
    size_t w = 0;
    for (size_t i = 0; i < ne; i++)
        if (strncmp(environ[i], "TZ=", 3) != 0 &&
            !(r->preload && strncmp(environ[i], "LD_PRELOAD=", 11) == 0))
            r->envp[w++] = environ[i];
    r->envp[w++] = (char *)"TZ=UTC0";
    if (r->preload) r->envp[w++] = r->preload;
    r->envp[w] = NULL;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    snprintf(r->mark, sizeof r->mark, "pmsreview-chart-end-%lx-%lx-%lx", (long)getpid(),
             (long)now.tv_nsec, (long)((uintptr_t)r >> 4));
    if (pipe(r->wake) != 0) {
        pms_status st = pms_err_set(err, PMS_EIO, "cannot start the chart runner: %s",
                                    strerror(errno));
        runner_drop(r);
        return st;
    }
    for (int k = 0; k < 2; k++) {
        cloexec(r->wake[k]);
        fcntl(r->wake[k], F_SETFL, fcntl(r->wake[k], F_GETFL) | O_NONBLOCK);
    }
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->done_cv, NULL);
    int e = pthread_create(&r->thread, NULL, serve, r);
    if (e) {
        pthread_cond_destroy(&r->done_cv);
        pthread_mutex_destroy(&r->mu);
        close(r->wake[0]), close(r->wake[1]);
        runner_drop(r);
        return pms_err_set(err, PMS_EIO, "cannot start the chart runner: %s", strerror(e));
    }
    *out = r;
    return PMS_OK;
}

void pms_gp_runner_set_time(pms_gp_runner *r, time_t t)
{
    pthread_mutex_lock(&r->mu);
    r->stamped = 1;
    r->stamp = t;
    pthread_mutex_unlock(&r->mu);
}

static void poke(pms_gp_runner *r)
{
    char c = 1;
    while (write(r->wake[1], &c, 1) < 0 && errno == EINTR) continue;
}

pms_status pms_gp_runner_add(pms_gp_runner *r, const char *name, pms_err *err)
{
    if (strlen(name) > 48) return pms_err_set(err, PMS_EUSAGE, "chart name '%s' too long", name);
    pthread_mutex_lock(&r->mu);
    if (r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 16;
        gp_job *nj = realloc(r->jobs, cap * sizeof *nj);
        if (!nj) {
            pthread_mutex_unlock(&r->mu);
            return pms_err_set(err, PMS_ENOMEM, "out of memory");
        }
        r->jobs = nj;
        r->cap = cap;
    }
    gp_job *j = &r->jobs[r->n];
    memset(j, 0, sizeof *j);
    snprintf(j->name, sizeof j->name, "%s", name);
    snprintf(j->png.message, sizeof j->png.message, "not rendered");
    snprintf(j->vec.message, sizeof j->vec.message, "not rendered");
    r->n++;
    pthread_mutex_unlock(&r->mu);
    poke(r);
    return PMS_OK;
}

pms_status pms_gp_runner_wait_png(pms_gp_runner *r, pms_gp_result *results, pms_err *err)
{
    pthread_mutex_lock(&r->mu);
    while (r->png_done < r->n && !r->st) pthread_cond_wait(&r->done_cv, &r->mu);
    for (size_t i = 0; results && i < r->n; i++) results[i] = r->jobs[i].png;
    pms_status st = r->st;
    if (st && err) *err = r->err;
    pthread_mutex_unlock(&r->mu);
    return st;
}

pms_status pms_gp_runner_finish(pms_gp_runner *r, pms_gp_result *results, pms_err *err)
{
    if (!r) return PMS_OK;
    pthread_mutex_lock(&r->mu);
    r->closing = 1;
    pthread_mutex_unlock(&r->mu);
    poke(r);
    pthread_join(r->thread, NULL);
    for (size_t i = 0; i < r->n; i++) {
        const gp_job *j = &r->jobs[i];
        /* A chart is drawn when both phases were; its PNG goes if the SVG
         * and PDF failed (no caller reads it any more). */
        int vec_failed = j->png.ok && !(j->vec_ended && j->vec.ok);
        for (int k = 0; vec_failed && k < 3; k++)
            unlink_ext(r->dir, j->name, k == 0 ? "png" : k == 1 ? "svg" : "pdf");
        if (results) results[i] = !j->png.ok ? j->png : j->vec;
    }
    pms_status st = r->st;
    if (st && err) *err = r->err;
    for (unsigned k = 0; k < r->threads; k++) free(r->w[k].text);
    pthread_cond_destroy(&r->done_cv);
    pthread_mutex_destroy(&r->mu);
    close(r->wake[0]);
    close(r->wake[1]);
    free(r->w);
    free(r->jobs);
    free(r->preload);
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
    if (st) return st;
    for (size_t i = 0; i < n && !st; i++) st = pms_gp_runner_add(r, names[i], err);
    if (st) {
        pms_gp_runner_finish(r, NULL, NULL);
        return st;
    }
    return pms_gp_runner_finish(r, results, err);
}
