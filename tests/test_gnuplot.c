/* ctest-labels: unit */
/* gnuplot layer: text sanitisers, chart files, the runner (real gnuplot when
 * installed), hostile labels that must never run anything, and the chart
 * builders' data. */
#define _GNU_SOURCE /* dladdr */
#include "testutil.h"

#include <dlfcn.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "plots/charts.h"
#include "plots/gnuplot.h"

static char dir[1024];

static int setup(void **state)
{
    (void)state;
    const char *tmp = getenv("PMS_TEST_TMP");
    if (tmp) mkdir(tmp, 0777);
    snprintf(dir, sizeof dir, "%s/gnuplot-XXXXXX", tmp ? tmp : "/tmp");
    return mkdtemp(dir) ? 0 : -1;
}

static char *slurp(const char *name)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return pms_test_slurp(path);
}

static void test_data_text(void **state)
{
    (void)state;
    char out[64];
    pms_gp_data_text("  A\tB\nC\r\"D\"  ", out, sizeof out);
    assert_string_equal(out, "A B C 'D'");
    pms_gp_data_text("", out, sizeof out);
    assert_string_equal(out, "-");
    pms_gp_data_text(NULL, out, sizeof out);
    assert_string_equal(out, "-");
    /* Cut on a UTF-8 boundary: "£" is 2 bytes and must not be split. */
    pms_gp_data_text("ab\xc2\xa3", out, 4);
    assert_string_equal(out, "ab");
    pms_gp_data_text("x\x01y\x7f", out, sizeof out);
    assert_string_equal(out, "x y");
}

static void test_script_text(void **state)
{
    (void)state;
    char out[128];
    pms_gp_script_text("`touch /tmp/x` system(\"rm -rf /\") $HOME @macro !ls \\ \"", out, sizeof out);
    /* Nothing that could end the string or call out survives. */
    for (const char *p = out; *p; p++) assert_null(strchr("`\"$@!\\\n", *p));
    assert_non_null(strstr(out, "touch /tmp/x"));
    pms_gp_script_text("Dr O'Neil = 5% (\xc2\xa3)", out, sizeof out);
    assert_string_equal(out, "Dr O''Neil = 5% (\xc2\xa3)");
    /* A doubled quote that does not fit is dropped, never left single. */
    pms_gp_script_text("ab'", out, 4);
    assert_string_equal(out, "ab");
    /* Doubling must not leave a UTF-8 sequence cut in half. */
    pms_gp_script_text("''\xc2\xa3", out, 6);
    assert_string_equal(out, "''''");
}

static void test_chart_name(void **state)
{
    (void)state;
    pms_gp_chart *c = NULL;
    pms_err err = {{0}};
    assert_int_equal(pms_gp_chart_new(dir, "../evil", "t", "x", "y", &c, &err), PMS_EUSAGE);
    assert_null(c);
    assert_non_null(strstr(err.msg, "may hold only"));
    assert_int_equal(pms_gp_chart_new(dir, "", "t", "x", "y", &c, &err), PMS_EUSAGE);
    assert_int_equal(pms_gp_chart_new("/nonexistent-dir", "ok", "t", "x", "y", &c, &err), PMS_OK);
    pms_gp_num(c, 1);
    assert_int_equal(pms_gp_chart_finish(c, &err), PMS_EIO);
    assert_non_null(strstr(err.msg, "/nonexistent-dir/ok.dat: cannot write"));
}

static void test_find(void **state)
{
    (void)state;
    char path[4096];
    pms_err err = {{0}};
    char *old = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
    setenv("PATH", "/nonexistent-a:/nonexistent-b", 1);
    unsetenv("PMS_GNUPLOT");
    assert_int_equal(pms_gp_find(path, sizeof path, &err), PMS_ENOTFOUND);
    assert_string_equal(err.msg, "gnuplot is not installed (not found on PATH)");
    setenv("PMS_GNUPLOT", "/nonexistent-gnuplot", 1);
    assert_int_equal(pms_gp_find(path, sizeof path, &err), PMS_ENOTFOUND);
    unsetenv("PMS_GNUPLOT");
    if (old) setenv("PATH", old, 1);
    free(old);
}

/* A title too long for the PNG's width at 14 points gets a smaller font
 * (14 x 72 / characters, UTF-8 counted as characters), so that it is not
 * cut at the edges; titles up to 72 characters keep 14. */
static void test_title_font(void **state)
{
    (void)state;
    static const struct { const char *title; const char *font; } cases[] = {
        {"Short title", "font ',14'"},
        {"Payments less dispensing and premises per weighted patient, 2014/15 (a)", "font ',14'"},
        {"Payments less dispensing and premises per weighted patient by practice size, 2014/15",
         "font ',12'"},
        {"Highest and lowest CCGs: payments less dispensing and premises per weighted patient, "
         "2014/15", "font ',10'"},
        {"\xc2\xa3\xc2\xa3\xc2\xa3\xc2\xa3\xc2\xa3\xc2\xa3\xc2\xa3\xc2\xa3\xc2\xa3\xc2\xa3"
         "\xc2\xa3\xc2\xa3\xc2\xa3\xc2\xa3\xc2\xa3\xc2\xa3\xc2\xa3\xc2\xa3\xc2\xa3\xc2\xa3"
         "\xc2\xa3\xc2\xa3\xc2\xa3\xc2\xa3\xc2\xa3\xc2\xa3\xc2\xa3\xc2\xa3\xc2\xa3\xc2\xa3"
         "\xc2\xa3\xc2\xa3\xc2\xa3\xc2\xa3\xc2\xa3\xc2\xa3\xc2\xa3\xc2\xa3\xc2\xa3\xc2\xa3",
         "font ',14'"}, /* 40 characters in 80 bytes */
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        pms_gp_chart *c = NULL;
        pms_err err = {{0}};
        assert_int_equal(pms_gp_chart_new(dir, "titled", cases[k].title, "x", "y", &c, &err),
                         PMS_OK);
        pms_gp_cmd(c, "plot DATA using 1:2 with points title 'P'");
        pms_gp_num(c, 1);
        pms_gp_num(c, 2);
        pms_gp_row_end(c);
        assert_int_equal(pms_gp_chart_finish(c, &err), PMS_OK);
        char *script = slurp("titled.gp");
        assert_non_null(script);
        char *label = strstr(script, "set label 1003");
        assert_non_null(label);
        char *end = strchr(label, '\n');
        assert_non_null(end);
        *end = '\0';
        if (!strstr(label, cases[k].font)) fprintf(stderr, "%s\n", label);
        assert_non_null(strstr(label, cases[k].font));
        free(script);
    }
}

/* A chart whose labels are hostile: they must reach only the .dat file, and
 * rendering must run nothing. */
static void test_hostile_render(void **state)
{
    (void)state;
    char gp[4096];
    pms_err err = {{0}};
    const char *pwned = "/tmp/pmsreview-test-pwned";
    unlink(pwned);
    const char *labels[4] = {"`touch /tmp/pmsreview-test-pwned`",
                             "system(\"touch /tmp/pmsreview-test-pwned\")",
                             "\"; system('touch /tmp/pmsreview-test-pwned'); \"",
                             "line\nbreak\ttab"};
    const double v[4] = {3.5, 2.25, 1.125, 0.5};
    const unsigned char hl[4] = {0, 1, 0, 0};
    pms_chart_info ci = {dir, "hostile", "Hostile `names` $x", "x", "y", "Source: test"};
    assert_int_equal(pms_chart_hbars(&ci, labels, v, hl, 4, 2.0, "Ref'", &err), PMS_OK);
    char *script = slurp("hostile.gp"), *dat = slurp("hostile.dat");
    assert_null(strstr(script, "touch"));
    assert_null(strstr(script, "`"));
    assert_non_null(strstr(dat, "`touch /tmp/pmsreview-test-pwned`"));
    /* Four data rows and the header: newlines inside a label are gone. */
    size_t lines = 0;
    for (const char *p = dat; *p; p++) lines += *p == '\n';
    assert_int_equal(lines, 5);
    assert_non_null(strstr(dat, "line break tab"));
    free(script);
    free(dat);
    if (pms_gp_find(gp, sizeof gp, &err)) {
        skip();
        return;
    }
    const char *names[1] = {"hostile"};
    pms_gp_result res[1];
    assert_int_equal(pms_gp_render(gp, dir, names, 1, 2, res, &err), PMS_OK);
    assert_true(res[0].ok);
    assert_int_equal(access(pwned, F_OK), -1);
    /* The PNG is a real PNG of the house size. */
    char path[1200];
    snprintf(path, sizeof path, "%s/hostile.png", dir);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    unsigned char h[24];
    assert_int_equal(fread(h, 1, 24, f), 24);
    fclose(f);
    assert_memory_equal(h, "\x89PNG\r\n\x1a\n", 8);
    unsigned w = (unsigned)h[16] << 24 | h[17] << 16 | h[18] << 8 | h[19];
    unsigned ht = (unsigned)h[20] << 24 | h[21] << 16 | h[22] << 8 | h[23];
    assert_int_equal(w, PMS_GP_PNG_WIDTH);
    assert_int_equal(ht, PMS_GP_PNG_HEIGHT);
}

/* A script gnuplot rejects, and one that only warns: both are failures with
 * gnuplot's own words; the other charts of the batch still render. */
static void test_render_failures(void **state)
{
    (void)state;
    char gp[4096];
    pms_err err = {{0}};
    if (pms_gp_find(gp, sizeof gp, &err)) {
        skip();
        return;
    }
    pms_gp_chart *c;
    assert_int_equal(pms_gp_chart_new(dir, "broken", "t", "x", "y", &c, &err), PMS_OK);
    pms_gp_cmd(c, "plot DATA using 1:2 with nonsense");
    pms_gp_num(c, 1);
    pms_gp_num(c, 2);
    assert_int_equal(pms_gp_chart_finish(c, &err), PMS_OK);
    assert_int_equal(pms_gp_chart_new(dir, "warns", "t", "x", "y", &c, &err), PMS_OK);
    pms_gp_cmd(c, "plot DATA using 1:(NaN) with points, x");
    pms_gp_num(c, 1);
    pms_gp_num(c, 2);
    assert_int_equal(pms_gp_chart_finish(c, &err), PMS_OK);
    const double x[3] = {1, 2, 3}, y[3] = {0.2, 0.5, 1};
    pms_chart_curve cv[2] = {{"Curve", x, y, 3, 0}, {"Right", x, x, 3, 1}};
    pms_chart_info ci = {dir, "fine", "Fine", "x", "y", NULL};
    assert_int_equal(pms_chart_curves(&ci, cv, 2, "Right axis `rm -rf`", 2.0, &err), PMS_OK);
    {   /* the right-hand axis label is program text: made script-safe */
        char gpp[1200];
        snprintf(gpp, sizeof gpp, "%s/fine.gp", dir);
        char *gps = pms_test_slurp(gpp);
        assert_non_null(gps);
        assert_null(strchr(gps, '`'));
        assert_non_null(strstr(gps, "set y2label 'Right axis  rm -rf "));
        assert_non_null(strstr(gps, "axes x1y2"));
        free(gps);
    }
    /* A chart whose script ends gnuplot itself: only that chart is lost. */
    assert_int_equal(pms_gp_chart_new(dir, "quits", "t", "x", "y", &c, &err), PMS_OK);
    pms_gp_cmd(c, "exit gnuplot");
    pms_gp_num(c, 1);
    assert_int_equal(pms_gp_chart_finish(c, &err), PMS_OK);
    /* One process (threads = 1) draws all five in turn: each failure is
     * named on its own chart and the next chart still renders. */
    const char *names[5] = {"broken", "warns", "fine", "quits", "fine"};
    pms_gp_result res[5];
    assert_int_equal(pms_gp_render(gp, dir, names, 5, 1, res, &err), PMS_OK);
    assert_false(res[0].ok);
    assert_non_null(strstr(res[0].message, "gnuplot failed: "));
    assert_true(strlen(res[0].message) > strlen("gnuplot failed: ") + 3);
    assert_false(res[1].ok);
    assert_non_null(strstr(res[1].message, "gnuplot warned"));
    assert_true(res[2].ok);
    assert_false(res[3].ok);
    assert_non_null(strstr(res[3].message, "gnuplot stopped"));
    assert_true(res[4].ok);
    /* A chart not drawn leaves no picture (warns.gp did write all three
     * before its warning was seen); its script and data stay. */
    static const char *ext[3] = {"png", "svg", "pdf"};
    for (int k = 0; k < 3; k++) {
        char f[1200];
        snprintf(f, sizeof f, "%s/warns.%s", dir, ext[k]);
        assert_int_equal(access(f, F_OK), -1);
        snprintf(f, sizeof f, "%s/fine.%s", dir, ext[k]);
        assert_int_equal(access(f, F_OK), 0);
    }
    {
        char f[1200];
        snprintf(f, sizeof f, "%s/warns.gp", dir);
        assert_int_equal(access(f, F_OK), 0);
    }
    /* The stderr capture files are cleaned up. */
    char path[1200];
    snprintf(path, sizeof path, "%s/broken.stderr", dir);
    assert_int_equal(access(path, F_OK), -1);
}

/* Render names[0..n) with one runner and `threads` processes, PDF dates
 * stamped, and return the bytes of NAME.ext. */
static void render_stamped(const char *gp, const char *const *names, size_t n, unsigned threads)
{
    pms_err err = {{0}};
    pms_gp_runner *r;
    assert_int_equal(pms_gp_runner_new(gp, dir, threads, &r, &err), PMS_OK);
    pms_gp_runner_set_time(r, 1400000000);
    for (size_t i = 0; i < n; i++) assert_int_equal(pms_gp_runner_add(r, names[i], &err), PMS_OK);
    pms_gp_result res[8];
    assert_int_equal(pms_gp_runner_finish(r, res, &err), PMS_OK);
    for (size_t i = 0; i < n; i++) {
        if (!res[i].ok) fprintf(stderr, "%s: %s\n", names[i], res[i].message);
        assert_true(res[i].ok);
    }
}

static int same_file(const char *a, const char *b)
{
    FILE *f = fopen(a, "rb"), *g = fopen(b, "rb");
    int same = f && g;
    while (same) {
        int x = getc(f), y = getc(g);
        if (x != y) same = 0;
        if (x == EOF || y == EOF) break;
    }
    if (f) fclose(f);
    if (g) fclose(g);
    return same;
}

/* Charts drawn one after another by one long-lived gnuplot (after `reset
 * session`) are byte-identical, in all three formats, to each drawn by a
 * gnuplot of its own: nothing of one chart's settings leaks into the next. */
static void test_pool_same_bytes(void **state)
{
    (void)state;
    char gp[4096];
    pms_err err = {{0}};
    if (pms_gp_find(gp, sizeof gp, &err)) {
        skip();
        return;
    }
    /* Two charts with different settings: log axes, ranges, a key, styles. */
    pms_gp_chart *c;
    assert_int_equal(pms_gp_chart_new(dir, "first", "First", "x", "y", &c, &err), PMS_OK);
    pms_gp_cmd(c, "set logscale y\nset xrange [0:5]\nset key left box\nset style fill solid 0.5");
    pms_gp_cmd(c, "set format y '%%.2f'\nset grid ytics mytics\nset datafile separator ','");
    pms_gp_cmd(c, "set datafile separator '\\t'");
    pms_gp_cmd(c, "plot DATA using 1:2 with boxes ls 2 title 'Bars'");
    for (int i = 1; i <= 4; i++) {
        pms_gp_num(c, i);
        pms_gp_num(c, i * i);
        pms_gp_row_end(c);
    }
    assert_int_equal(pms_gp_chart_finish(c, &err), PMS_OK);
    assert_int_equal(pms_gp_chart_new(dir, "second", "Second", "x", "y", &c, &err), PMS_OK);
    pms_gp_cmd(c, "plot DATA using 1:2 with linespoints ls 1 title 'Line'");
    for (int i = 1; i <= 4; i++) {
        pms_gp_num(c, i);
        pms_gp_num(c, 10 - i);
        pms_gp_row_end(c);
    }
    assert_int_equal(pms_gp_chart_finish(c, &err), PMS_OK);
    static const char *ext[3] = {"png", "svg", "pdf"};
    const char *alone[1] = {"second"};
    render_stamped(gp, alone, 1, 1);
    char a[1200], b[1200];
    for (int k = 0; k < 3; k++) {
        snprintf(a, sizeof a, "%s/second.%s", dir, ext[k]);
        snprintf(b, sizeof b, "%s/second-alone.%s", dir, ext[k]);
        assert_int_equal(rename(a, b), 0);
    }
    const char *both[2] = {"first", "second"};
    render_stamped(gp, both, 2, 1);
    for (int k = 0; k < 3; k++) {
        snprintf(a, sizeof a, "%s/second.%s", dir, ext[k]);
        snprintf(b, sizeof b, "%s/second-alone.%s", dir, ext[k]);
        if (!same_file(a, b)) fprintf(stderr, "second.%s differs after another chart\n", ext[k]);
        assert_true(same_file(a, b));
    }
    /* The runner draws the PNG and then the SVG and PDF in two runs of the
     * script (FORMATS); `gnuplot second.gp` run by hand draws all three in
     * one: the same pictures (the PDF differs only by its date, not stamped
     * by hand).  By hand with the runner's PNG module, so that the PNG's
     * bytes compare; without it, its pixels (test_png_preload). */
    char cmd[6000];
    for (int k = 0; k < 3; k++) {
        snprintf(a, sizeof a, "%s/second.%s", dir, ext[k]);
        assert_int_equal(unlink(a), 0);
    }
    char pre[4096] = "";
    int has_pre = pms_gp_png_preload(gp, pre, sizeof pre);
    snprintf(cmd, sizeof cmd, "cd '%s' && TZ=UTC0 %s%s '%s' second.gp", dir,
             has_pre ? "LD_PRELOAD=" : "", has_pre ? pre : "", gp);
    assert_int_equal(system(cmd), 0);
    for (int k = 0; k < 2; k++) {
        snprintf(a, sizeof a, "%s/second.%s", dir, ext[k]);
        snprintf(b, sizeof b, "%s/second-alone.%s", dir, ext[k]);
        if (!same_file(a, b)) fprintf(stderr, "second.%s differs run by hand\n", ext[k]);
        assert_true(same_file(a, b));
    }
    snprintf(a, sizeof a, "%s/second.pdf", dir);
    struct stat sb;
    assert_int_equal(stat(a, &sb), 0);
    assert_true(sb.st_size > 1000);
}

/* The pixels of an 8-bit RGB or RGBA PNG without interlace (what cairo
 * writes), unfiltered (PNG spec, section 9), and the set of row filters it
 * used as a bit mask; NULL if it is not such a PNG. */
static unsigned char *png_pixels(const char *path, size_t *len, unsigned *filters)
{
    size_t n = 0, zn = 0, zcap = 0;
    char *d = pms_test_slurp_n(path, &n);
    const unsigned char *u = (const unsigned char *)d;
    unsigned char *z = NULL, *raw = NULL, *out = NULL;
    unsigned w = 0, h = 0, bpp = 0;
    for (size_t i = 8; d && i + 12 <= n;) {
        size_t k = (size_t)u[i] << 24 | u[i + 1] << 16 | u[i + 2] << 8 | u[i + 3];
        if (i + 12 + k > n) break;
        if (!memcmp(u + i + 4, "IHDR", 4)) {
            w = (unsigned)u[i + 8] << 24 | u[i + 9] << 16 | u[i + 10] << 8 | u[i + 11];
            h = (unsigned)u[i + 12] << 24 | u[i + 13] << 16 | u[i + 14] << 8 | u[i + 15];
            bpp = u[i + 16] != 8 || u[i + 20] ? 0 : u[i + 17] == 2 ? 3 : u[i + 17] == 6 ? 4 : 0;
        } else if (!memcmp(u + i + 4, "IDAT", 4)) {
            if (zn + k > zcap) z = realloc(z, zcap = 2 * (zn + k));
            assert_non_null(z);
            memcpy(z + zn, u + i + 8, k);
            zn += k;
        }
        i += 12 + k;
    }
    size_t stride = (size_t)w * bpp, rawlen = (stride + 1) * h;
    uLongf got = (uLongf)rawlen;
    if (bpp && h && (raw = malloc(rawlen)) && (out = calloc(h, stride)) &&
        uncompress(raw, &got, z, (uLong)zn) == Z_OK && got == rawlen) {
        *filters = 0;
        for (size_t y = 0; y < h; y++) {
            unsigned ft = raw[y * (stride + 1)];
            const unsigned char *in = raw + y * (stride + 1) + 1;
            unsigned char *row = out + y * stride, *up = y ? row - stride : NULL;
            *filters |= 1u << (ft & 7);
            for (size_t x = 0; x < stride; x++) {
                int a = x >= bpp ? row[x - bpp] : 0, b = up ? up[x] : 0;
                int c = x >= bpp && up ? up[x - bpp] : 0, p = a + b - c;
                int pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
                int pred = ft == 1 ? a : ft == 2 ? b : ft == 3 ? (a + b) / 2
                         : ft == 4 ? (pa <= pb && pa <= pc ? a : pb <= pc ? b : c) : 0;
                row[x] = (unsigned char)(in[x] + pred);
            }
        }
        *len = stride * h;
    } else {
        free(out);
        out = NULL;
    }
    free(raw), free(z), free(d);
    return out;
}

static const char *find_word(const char *p, const char *end, const char *w)
{
    size_t k = strlen(w);
    for (; p + k <= end; p++)
        if (!memcmp(p, w, k)) return p;
    return NULL;
}

/* Every stream of a PDF inflated, one after another, into a buffer of
 * *len bytes (NULL if one does not inflate); *fast: how many of the streams
 * carry zlib's "fastest" level in their header (0x78 0x01), *nstreams how
 * many there are. */
static unsigned char *pdf_streams(const char *path, size_t *len, int *fast, int *nstreams)
{
    size_t n = 0, cap = 1 << 16;
    char *d = pms_test_slurp_n(path, &n);
    unsigned char *out = malloc(cap);
    *len = 0, *fast = 0, *nstreams = 0;
    const char *p = d, *end = d ? d + n : NULL;
    while (d && out && (p = find_word(p, end, "stream"))) {
        int ends = p > d + 2 && !memcmp(p - 3, "end", 3);
        p += 6;
        if (ends || p >= end || (*p != '\n' && *p != '\r')) continue;
        p += *p == '\r' ? 2 : 1;
        if (end - p < 2) break;
        (*nstreams)++;
        *fast += (unsigned char)p[0] == 0x78 && (unsigned char)p[1] == 0x01;
        z_stream z = {0};
        int zr = inflateInit(&z);
        z.next_in = (Bytef *)p;
        z.avail_in = (uInt)(end - p);
        while (zr == Z_OK) {
            if (*len == cap) {
                unsigned char *grown = realloc(out, cap *= 2);
                assert_non_null(grown);
                out = grown;
            }
            z.next_out = out + *len;
            z.avail_out = (uInt)(cap - *len);
            zr = inflate(&z, Z_NO_FLUSH);
            *len = cap - z.avail_out;
        }
        inflateEnd(&z);
        if (zr != Z_STREAM_END) {
            free(out);
            out = NULL;
        }
    }
    free(d);
    return out;
}

/* The PDF drawn with the module (a) and without it (b): the same streams
 * once inflated, each of a's at zlib's fastest level, none of b's. */
static void same_pdf_streams(const char *a, const char *b)
{
    size_t na = 0, nb = 0;
    int fasta = 0, fastb = 0, sa = 0, sb = 0;
    unsigned char *pa = pdf_streams(a, &na, &fasta, &sa), *pb = pdf_streams(b, &nb, &fastb, &sb);
    assert_non_null(pa);
    assert_non_null(pb);
    assert_true(sa >= 2);
    assert_int_equal(sa, sb);
    assert_int_equal(fasta, sa); /* with the module: every stream at level 1 */
    assert_int_equal(fastb, 0);  /* cairo's own: level 6 */
    assert_int_equal(na, nb);
    assert_memory_equal(pa, pb, na);
    free(pa);
    free(pb);
}

/* The module the runner preloads into gnuplot (plots/preload/png_level.c)
 * changes how the PNG and the PDF are compressed, never what they show: the
 * same chart drawn with it and without it has the same pixels, every row
 * filtered with "None" (the module's choice) where cairo's default tries all
 * five and picks others on this chart, and the same PDF streams once
 * inflated, each deflated at zlib's fastest level where cairo's default is
 * level 6 (so a module that did nothing would fail). */
static void test_png_preload(void **state)
{
    (void)state;
    char gp[4096], mod[4096];
    pms_err err = {{0}};
    if (pms_gp_find(gp, sizeof gp, &err)) {
        skip();
        return;
    }
    /* The build tree's module is found for the real gnuplot, and only for it. */
    assert_int_equal(pms_gp_png_preload(gp, mod, sizeof mod), 1);
    char script[1200];
    snprintf(script, sizeof script, "%s/fake-gnuplot.sh", dir);
    FILE *f = fopen(script, "w");
    assert_non_null(f);
    fputs("#!/bin/sh\nexec gnuplot \"$@\"\n", f);
    fclose(f);
    assert_int_equal(pms_gp_png_preload(script, mod, sizeof mod), 0);
    assert_int_equal(setenv("PMS_GNUPLOT_PNG_PRELOAD", script, 1), 0);
    assert_int_equal(pms_gp_png_preload(gp, mod, sizeof mod), 0);
    assert_int_equal(setenv("PMS_GNUPLOT_PNG_PRELOAD", "", 1), 0);
    assert_int_equal(pms_gp_png_preload(gp, mod, sizeof mod), 0);

    /* A chart with gradients and diagonals, where filters other than None pay. */
    pms_gp_chart *c;
    assert_int_equal(pms_gp_chart_new(dir, "pixels", "Pixels", "x", "y", &c, &err), PMS_OK);
    pms_gp_cmd(c, "set style fill transparent solid 0.4");
    pms_gp_cmd(c, "plot DATA using 1:2 with filledcurves y1=0 ls 1 title 'Area', "
                  "DATA using 1:3 with points ls 5 title 'Points'");
    for (int i = 0; i <= 400; i++) {
        pms_gp_num(c, i);
        pms_gp_num(c, sin(i / 20.0) * i);
        pms_gp_num(c, cos(i / 7.0) * 300);
        pms_gp_row_end(c);
    }
    assert_int_equal(pms_gp_chart_finish(c, &err), PMS_OK);
    const char *names[1] = {"pixels"};
    render_stamped(gp, names, 1, 1); /* without the module (the variable is empty) */
    char a[1200], b[1200];
    snprintf(a, sizeof a, "%s/pixels.png", dir);
    snprintf(b, sizeof b, "%s/pixels-plain.png", dir);
    assert_int_equal(rename(a, b), 0);
    char pdfa[1200], pdfb[1200];
    snprintf(pdfa, sizeof pdfa, "%s/pixels.pdf", dir);
    snprintf(pdfb, sizeof pdfb, "%s/pixels-plain.pdf", dir);
    assert_int_equal(rename(pdfa, pdfb), 0);
    char svga[1200], svgb[1200];
    snprintf(svga, sizeof svga, "%s/pixels.svg", dir);
    snprintf(svgb, sizeof svgb, "%s/pixels-plain.svg", dir);
    assert_int_equal(rename(svga, svgb), 0);
    assert_int_equal(unsetenv("PMS_GNUPLOT_PNG_PRELOAD"), 0);
    render_stamped(gp, names, 1, 1); /* with it */
    size_t na = 0, nb = 0;
    unsigned fa = 0, fb = 0;
    unsigned char *pa = png_pixels(a, &na, &fa), *pb = png_pixels(b, &nb, &fb);
    assert_non_null(pa);
    assert_non_null(pb);
    assert_int_equal(na, (size_t)PMS_GP_PNG_WIDTH * PMS_GP_PNG_HEIGHT * 3);
    assert_int_equal(na, nb);
    assert_memory_equal(pa, pb, na);
    assert_int_equal(fa, 1u << 0);      /* with the module: None on every row */
    assert_true(fb & ~(1u << 0));       /* cairo's default: other filters too */
    free(pa);
    free(pb);
    same_pdf_streams(pdfa, pdfb);
    assert_true(same_file(svga, svgb)); /* gnuplot's own SVG, its fprintf through the module */
}


/* The gnuplot module, loaded here beside the test's own libc and zlib, not
 * preloaded, so only calls through the handle reach it; NULL (the test
 * skips) without gnuplot. */
static void *module(void)
{
    char gp[4096], mod[4096];
    pms_err err = {{0}};
    if (pms_gp_find(gp, sizeof gp, &err) || !pms_gp_png_preload(gp, mod, sizeof mod)) return NULL;
    void *h = dlopen(mod, RTLD_NOW | RTLD_LOCAL);
    assert_non_null(h);
    Dl_info di;
    assert_true(dladdr(dlsym(h, "__snprintf_chk"), &di) != 0);
    assert_non_null(strstr(di.dli_fname, "pmsreview-gnuplot-png"));
    return h;
}

/* The module's PNG writer (plots/preload/png_write.c) against cairo and
 * libpng with the module's settings, in gnuplot: the same file, byte for
 * byte, for a chart at the report's size, odd widths (the last pixels of a
 * row written one by one), a picture small enough that libpng shrinks
 * zlib's window, and a transparent one (those two left to cairo). */
static void test_png_writer(void **state)
{
    (void)state;
    char gp[4096], mod[4096];
    pms_err err = {{0}};
    if (pms_gp_find(gp, sizeof gp, &err) || !pms_gp_png_preload(gp, mod, sizeof mod)) {
        skip();
        return;
    }
    static const char *const term[] = {
        "size 1600,900 background '#ffffff'", "size 1001,301 background '#fafafa'",
        "size 97,61", "size 50,40", "size 300,200 transparent"};
    enum { NT = sizeof term / sizeof *term };
    char script[1200];
    snprintf(script, sizeof script, "%s/writer.gp", dir);
    for (int pass = 0; pass < 2; pass++) {
        FILE *f = fopen(script, "w");
        assert_non_null(f);
        for (int t = 0; t < NT; t++)
            fprintf(f, "set terminal pngcairo %s\nset output '%s/w%d-%d.png'\n"
                       "set style fill transparent solid 0.3\n"
                       "plot sin(x) * %d with filledcurves y1=0, cos(x) with points pt 7, "
                       "x / 3 with lines lw 3\n",
                    term[t], dir, t, pass, t + 1);
        fclose(f);
        char cmd[10000];
        snprintf(cmd, sizeof cmd, "%s LD_PRELOAD='%s' '%s' '%s' 2>&1",
                 pass ? "PMS_GNUPLOT_PNG_WRITER=cairo" : "", mod, gp, script);
        assert_int_equal(system(cmd), 0);
    }
    for (int t = 0; t < NT; t++) {
        char a[1200], b[1200];
        snprintf(a, sizeof a, "%s/w%d-0.png", dir, t);
        snprintf(b, sizeof b, "%s/w%d-1.png", dir, t);
        struct stat sa;
        assert_int_equal(stat(a, &sa), 0);
        assert_true(sa.st_size > 100);
        if (!same_file(a, b)) fprintf(stderr, "%s: not what cairo and libpng write\n", term[t]);
        assert_true(same_file(a, b));
    }
}

/* cairo's functions the next test calls, found in libcairo at run time (no
 * cairo headers here; the values are cairo's stable API). */
typedef struct {
    void *(*create)(int format, int w, int h);
    void *(*cr)(void *surface);
    void (*rgba)(void *cr, double r, double g, double b, double a);
    void (*paint)(void *cr);
    void (*rect)(void *cr, double x, double y, double w, double h);
    void (*fill)(void *cr);
    void (*destroy_cr)(void *cr);
    void (*destroy)(void *surface);
    unsigned char *(*data)(void *surface);
    int (*stride)(void *surface);
} cairo_api;

/* Overlapping half-transparent rectangles at fractional places: many
 * colours, so the rows deflate to several IDAT chunks. */
static void draw_rects(const cairo_api *c, void *cr)
{
    for (int k = 0; k < 900; k++) {
        c->rgba(cr, (k % 3) / 2.0, (k % 5) / 4.0, (k % 7) / 6.0, 0.5);
        c->rect(cr, fmod(k * 7.3, 640), fmod(k * 3.1, 200), 11.5 + k % 40, 5.25 + k % 9);
        c->fill(cr);
    }
}

static int collect(void *closure, const unsigned char *data, unsigned int n)
{
    FILE *f = closure;
    return fwrite(data, 1, n, f) == n ? 0 : 11; /* CAIRO_STATUS_WRITE_ERROR */
}

/* One picture through the module's cairo_surface_write_to_png_stream into
 * path: w x h, an opaque (alpha 1) or half-transparent background and
 * rectangles of colour (draw_rects). */
static void write_picture(void *h, const cairo_api *c, const char *path, int w, int hgt,
                          double alpha)
{
    typedef int (*stream_fn)(void *, int (*)(void *, const unsigned char *, unsigned), void *);
    stream_fn ours = (stream_fn)dlsym(h, "cairo_surface_write_to_png_stream");
    assert_non_null(ours);
    void *s = c->create(0 /* ARGB32 */, w, hgt), *cr = c->cr(s);
    c->rgba(cr, 1, 1, 1, alpha);
    c->paint(cr);
    draw_rects(c, cr);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(ours(s, collect, f), 0);
    assert_int_equal(fclose(f), 0);
    c->destroy_cr(cr);
    c->destroy(s);
}

/* The same writer called directly (the module loaded here, cairo with it):
 * an opaque picture comes out with the filter None on every row, as only the
 * module's writer does in this process (libpng here keeps cairo's adaptive
 * filters), its pixels those of the surface, its IDAT chunks 8,192 bytes but
 * the last; a transparent one is cairo's, RGBA. */
static void test_png_writer_direct(void **state)
{
    (void)state;
    void *h = module(), *lc = dlopen("libcairo.so.2", RTLD_NOW | RTLD_GLOBAL);
    if (!h || !lc) {
        if (h) dlclose(h);
        skip(); /* no gnuplot, or no cairo */
        return;
    }
    cairo_api c;
    const char *names[] = {"cairo_image_surface_create", "cairo_create", "cairo_set_source_rgba",
                           "cairo_paint", "cairo_rectangle", "cairo_fill", "cairo_destroy",
                           "cairo_surface_destroy", "cairo_image_surface_get_data",
                           "cairo_image_surface_get_stride"};
    void **slot = (void **)&c;
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        assert_non_null(slot[i] = dlsym(lc, names[i]));
    char path[1200];
    snprintf(path, sizeof path, "%s/direct.png", dir);
    write_picture(h, &c, path, 643, 211, 1.0);
    size_t n = 0;
    unsigned filters = 0;
    unsigned char *px = png_pixels(path, &n, &filters);
    assert_non_null(px);
    assert_int_equal(n, (size_t)643 * 211 * 3);
    assert_int_equal(filters, 1u << 0);
    /* The pixels of the surface, drawn again (cairo draws the same bytes). */
    void *s = c.create(0, 643, 211), *cr = c.cr(s);
    c.rgba(cr, 1, 1, 1, 1);
    c.paint(cr);
    draw_rects(&c, cr);
    const unsigned char *d = c.data(s);
    int stride = c.stride(s);
    for (int y = 0; y < 211; y++)
        for (int x = 0; x < 643; x++) {
            uint32_t p;
            memcpy(&p, d + (size_t)y * (size_t)stride + 4 * (size_t)x, 4);
            const unsigned char *q = px + ((size_t)y * 643 + (size_t)x) * 3;
            assert_int_equal(q[0], (p >> 16) & 0xff);
            assert_int_equal(q[1], (p >> 8) & 0xff);
            assert_int_equal(q[2], p & 0xff);
        }
    c.destroy_cr(cr);
    c.destroy(s);
    free(px);
    size_t len = 0;
    char *file = pms_test_slurp_n(path, &len);
    const unsigned char *u = (const unsigned char *)file;
    size_t idats = 0, last = 0, i = 8;
    for (; i + 12 <= len; i += 12 + ((size_t)u[i] << 24 | u[i + 1] << 16 | u[i + 2] << 8 | u[i + 3])) {
        size_t k = (size_t)u[i] << 24 | u[i + 1] << 16 | u[i + 2] << 8 | u[i + 3];
        if (memcmp(u + i + 4, "IDAT", 4)) continue;
        if (idats++) assert_int_equal(last, 8192);
        last = k;
        assert_true(k > 0 && k <= 8192);
    }
    assert_int_equal(i, len);
    assert_true(idats > 1);
    free(file);
    /* Transparent: left to cairo, which writes RGBA (color type 6). */
    write_picture(h, &c, path, 643, 211, 0.5);
    file = pms_test_slurp_n(path, &len);
    assert_true(len > 26);
    assert_int_equal((unsigned char)file[25], 6);
    free(file);
    dlclose(h);
    /* libcairo stays loaded: its caches are its own, reachable from it. */
}

static uint64_t mod_rng = 0x2545F4914F6CDD1DULL;

static uint64_t mod_next(void)
{
    return pms_test_xorshift(&mod_rng);
}

/* The module's __snprintf_chk (what cairo's PDF writer calls) gives glibc's
 * text for cairo's three number formats and the other conversions it takes,
 * and passes any other format on. */
static void test_preload_snprintf(void **state)
{
    (void)state;
    void *h = module();
    if (!h) {
        skip();
        return;
    }
    typedef int (*chk_fn)(char *, size_t, int, size_t, const char *, ...);
    chk_fn f = (chk_fn)dlsym(h, "__snprintf_chk");
    char got[64], want[64];
    for (int i = 0; i < 200000; i++) {
        uint64_t x = mod_next();
        double v = ((double)(x >> 11) / 9007199254740992.0 - 0.3) * (i % 3 ? 2000 : 0.2);
        int prec = (int)(x % 19);
        assert_int_equal(f(got, sizeof got, 1, sizeof got, "%f", v),
                         snprintf(want, sizeof want, "%f", v));
        assert_string_equal(got, want);
        assert_int_equal(f(got, sizeof got, 1, sizeof got, "%.18f", v),
                         snprintf(want, sizeof want, "%.18f", v));
        assert_string_equal(got, want);
        assert_int_equal(f(got, sizeof got, 1, sizeof got, "%.*f", prec, v),
                         snprintf(want, sizeof want, "%.*f", prec, v));
        assert_string_equal(got, want);
    }
    /* The other conversions it writes itself, with literal text between. */
    assert_int_equal(f(got, sizeof got, 1, sizeof got, "%d %s%%%u", -2147483647 - 1, "x", 7u),
                     15);
    assert_string_equal(got, "-2147483648 x%7");
    assert_int_equal(f(got, sizeof got, 1, sizeof got, "L%.*f,%.*f", 2, 1.005, 2, -0.125), 11);
    assert_string_equal(got, "L1.00,-0.12");
    /* Other formats, and numbers the fast path declines, reach glibc. */
    assert_int_equal(f(got, sizeof got, 1, sizeof got, "%3d|%g|%s", 42, 0.5, "x"), 9);
    assert_string_equal(got, " 42|0.5|x");
    snprintf(want, sizeof want, "%f", 1e30);
    assert_int_equal(f(got, sizeof got, 1, sizeof got, "%f", 1e30), (int)strlen(want));
    assert_string_equal(got, want);
    assert_int_equal(f(got, 4, 1, 4, "%f", 3.25), 8); /* cut short, as snprintf does */
    assert_string_equal(got, "3.2");
    dlclose(h);
}

/* gnuplot's SVG terminal writes through __fprintf_chk: the same bytes as
 * glibc's fprintf, for its formats and for one the module declines. */
static void test_preload_fprintf(void **state)
{
    (void)state;
    void *h = module();
    if (!h) {
        skip();
        return;
    }
    typedef int (*fchk_fn)(FILE *, int, const char *, ...);
    fchk_fn g = (fchk_fn)dlsym(h, "__fprintf_chk");
    assert_non_null(g);
    char *mine = NULL, *theirs = NULL;
    size_t nm = 0, nt = 0;
    FILE *a = open_memstream(&mine, &nm), *b = open_memstream(&theirs, &nt);
    assert_non_null(a);
    assert_non_null(b);
    for (int i = 0; i < 20000; i++) {
        uint64_t x = mod_next();
        double u = (double)(x >> 11) / 9007199254740992.0 * 1200, v = u * 0.5625 - 37;
        const char *use = "\t<use xlink:href='#gpPt%u' transform='translate(%.*f,%.*f) "
                          "scale(%.2f)'%s/>\n";
        assert_int_equal(g(a, 1, "L%.*f,%.*f", 2, u, 2, v), fprintf(b, "L%.*f,%.*f", 2, u, 2, v));
        assert_int_equal(g(a, 1, use, (unsigned)(x % 15), 2, u, 2, v, 4.5, i % 2 ? " x" : ""),
                         fprintf(b, use, (unsigned)(x % 15), 2, u, 2, v, 4.5, i % 2 ? " x" : ""));
        assert_int_equal(g(a, 1, "stroke='rgb(%3d, %3d, %3d)'", i % 256, 7, 255),
                         fprintf(b, "stroke='rgb(%3d, %3d, %3d)'", i % 256, 7, 255));
    }
    assert_int_equal(fclose(a), 0);
    assert_int_equal(fclose(b), 0);
    assert_int_equal(nm, nt);
    assert_memory_equal(mine, theirs, nt);
    free(mine);
    free(theirs);
    dlclose(h);
}

/* zlib's checksum, the same number as zlib's own. */
static void test_preload_adler(void **state)
{
    (void)state;
    void *h = module();
    if (!h) {
        skip();
        return;
    }
    /* Random buffers of every length around the module's 32-byte steps and
     * 5,536-byte blocks, chained from random values, all 0xFF (the largest
     * sums) included. */
    typedef unsigned long (*adler_fn)(unsigned long, const unsigned char *, unsigned);
    adler_fn ad = (adler_fn)dlsym(h, "adler32");
    assert_non_null(ad);
    enum { BIG = 40000 };
    unsigned char *buf = malloc(BIG);
    assert_non_null(buf);
    for (int i = 0; i < BIG; i++) buf[i] = i < 12000 ? 0xFF : (unsigned char)mod_next();
    unsigned long ours = 1, zl = 1;
    for (int i = 0; i < 3000; i++) {
        uint64_t x = mod_next();
        unsigned len = i < 100 ? (unsigned)i : i % 7 == 0 ? (unsigned)(x % BIG) : (unsigned)(x % 12000);
        unsigned off = (unsigned)((x >> 20) % (BIG - len + 1));
        unsigned long start = i % 5 ? zl : (unsigned long)(x >> 40) % 65521 | ((x >> 24) % 65521) << 16;
        ours = ad(start, buf + off, len);
        zl = adler32(start, buf + off, len);
        assert_int_equal(ours, zl);
    }
    assert_int_equal(ad(7, NULL, 0), adler32(7, NULL, 0));
    free(buf);
    dlclose(h);
}

/* The Lorenz points as the comparison sort made them (glibc's qsort, a
 * stable merge sort, by a/w): the same points bit for bit, now that a
 * radix sort orders the units.  Ratios tie often (a = c * w with small
 * integers, so the ties hold different amounts and weights, and their order
 * moves the cumulative sums' roundings), -0 beside +0, negative amounts,
 * infinite ratios, rows skipped for NaN or a weight <= 0; and an infinite
 * amount over an infinite weight, a NaN ratio, which the comparator finds
 * equal to everything. */
typedef struct {
    double r, a, w;
} lz_ref;

static int cmp_lz_ref(const void *a, const void *b)
{
    const lz_ref *x = a, *y = b;
    return (x->r > y->r) - (x->r < y->r);
}

static void lorenz_ref(const double *a, const double *w, size_t n, double *px, double *py,
                       size_t *m)
{
    lz_ref *v = malloc(n * sizeof *v);
    assert_non_null(v);
    size_t k = 0;
    double sa = 0, sw = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(a[i]) || isnan(w[i]) || w[i] <= 0) continue;
        v[k] = (lz_ref){a[i] / w[i], a[i], w[i]};
        sa += a[i], sw += w[i];
        k++;
    }
    qsort(v, k, sizeof *v, cmp_lz_ref);
    px[0] = py[0] = 0;
    double ca = 0, cw = 0;
    for (size_t i = 0; i < k; i++) {
        ca += v[i].a, cw += v[i].w;
        px[i + 1] = cw / sw, py[i + 1] = ca / sa;
    }
    *m = k + 1;
    free(v);
}

static void test_lorenz_order(void **state)
{
    (void)state;
    enum { N = 8000 };
    static double a[N], w[N], rx[N + 1], ry[N + 1];
    uint64_t s = 0x9FB21C651E98DF25ULL;
    for (int kind = 0; kind < 4; kind++) {
        for (size_t i = 0; i < N; i++) {
            pms_test_xorshift(&s);
            double u = (double)(s >> 11) / 9007199254740992.0;
            w[i] = (double)(1 + (s >> 8) % 50) * (kind == 1 ? 0.37 : 1);
            a[i] = (double)((s >> 16) % 9) * w[i];                   /* tied ratios */
            if (kind == 1) a[i] = u * 1e6 + 1;                          /* few ties */
            if (kind == 2 && s % 5 == 0) a[i] = s % 2 ? -0.0 : 0.0;     /* -0 and +0 */
            if (kind == 2 && s % 7 == 0) a[i] = -a[i];                  /* negatives */
            if (s % 97 == 0) w[i] = s % 3 ? 0 : NAN;                    /* skipped */
            if (kind == 3 && s % 101 == 0) a[i] = INFINITY;             /* infinite ratio */
            if (kind == 3 && i == 17) a[i] = w[i] = INFINITY;           /* a NaN ratio */
        }
        a[0] = 1e7, w[0] = 1; /* a positive total */
        double *x, *y;
        size_t m, rm;
        pms_err err = {{0}};
        assert_int_equal(pms_chart_lorenz_points(a, w, N, &x, &y, &m, &err), PMS_OK);
        lorenz_ref(a, w, N, rx, ry, &rm);
        assert_int_equal(m, rm);
        assert_memory_equal(x, rx, m * sizeof *x);
        assert_memory_equal(y, ry, m * sizeof *y);
        free(x), free(y);
    }
}

/* The scatter's y axis (from the 1% and 99% points of y) and its Theil-Sen
 * fan (through the median x), now that the radix sort orders the values:
 * the same text as from quantiles of a comparison sort, over 3,001 points
 * with many ties, zeros of both signs, negatives and outliers. */
static int cmp_dbl_ref(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double quantile_ref(const double *v, size_t n, double p)
{
    double *t = malloc(n * sizeof *t);
    assert_non_null(t);
    memcpy(t, v, n * sizeof *t);
    qsort(t, n, sizeof *t, cmp_dbl_ref);
    double h = (double)(n - 1) * p;
    size_t lo = (size_t)floor(h), hi = lo + 1 < n ? lo + 1 : lo;
    double q = t[lo] + (h - (double)lo) * (t[hi] - t[lo]);
    free(t);
    return q;
}

static void test_scatter_quantiles(void **state)
{
    (void)state;
    enum { N = 3001 };
    static double x[N], y[N];
    uint64_t s = 0xC2B2AE3D27D4EB4FULL;
    for (size_t i = 0; i < N; i++) {
        pms_test_xorshift(&s);
        x[i] = (double)((s >> 8) % 200) * 0.37 + (i % 2 ? 1e-3 : 0);      /* ties */
        y[i] = (double)((s >> 20) % 300) - 40 + ((s >> 40) % 4) * 0.25; /* ties, negatives */
        if (s % 11 == 0) y[i] = s % 2 ? -0.0 : 0.0;
        if (s % 257 == 0) y[i] = 5e4 * (s % 3 ? 1 : -1);                /* outliers */
    }
    const pms_ts_result ts = {.slope = 2, .intercept = 1, .slope_low = 1.5, .slope_high = 2.5,
                              .ci_level = 0.95, .n = N};
    pms_err err = {{0}};
    pms_chart_info ci = {dir, "quant", "Q", "x", "y", "Source: test"};
    assert_int_equal(pms_chart_scatter_fit_ts(&ci, x, y, N, NULL, NULL, 0.95, &ts, &err), PMS_OK);
    double p99 = quantile_ref(y, N, 0.99), p01 = quantile_ref(y, N, 0.01);
    double ytop = p99 + 0.15 * (p99 > 0 ? p99 : -p99);
    double ybot = p01 >= 0 ? 0 : p01 - 0.15 * (ytop - p01);
    char want[256];
    snprintf(want, sizeof want, "set yrange [%g:%g]", ybot, ytop);
    char *gp = slurp("quant.gp");
    if (!strstr(gp, want)) fprintf(stderr, "no \"%s\" in quant.gp\n", want);
    assert_non_null(strstr(gp, want));
    free(gp);
    /* The fan's first grid row, at x = min x. */
    double xmed = quantile_ref(x, N, 0.5), xmin = x[0];
    for (size_t i = 1; i < N; i++) xmin = fmin(xmin, x[i]);
    double ymed = ts.intercept + ts.slope * xmed;
    double a = ymed + ts.slope_low * (xmin - xmed), b = ymed + ts.slope_high * (xmin - xmed);
    snprintf(want, sizeof want, "\t%.10g\t%.10g\n", a < b ? a : b, a < b ? b : a);
    char *dat = slurp("quant.dat");
    if (!strstr(dat, want)) fprintf(stderr, "no \"%s\" in quant.dat\n", want);
    assert_non_null(strstr(dat, want));
    free(dat);
}

static void test_lorenz_points(void **state)
{
    (void)state;
    const double a[4] = {30, 10, 40, 20}, w[4] = {1, 1, 8, 1};
    const double a0[4] = {30, 10, 40, 20}, w0[4] = {1, 1, 8, 1};
    double *x, *y;
    size_t m;
    pms_err err = {{0}};
    assert_int_equal(pms_chart_lorenz_points(a, w, 4, &x, &y, &m, &err), PMS_OK);
    /* Sorted by a/w: 40/8, 10/1, 20/1, 30/1; totals 100 and 11. */
    assert_int_equal(m, 5);
    const double wx[5] = {0, 8.0 / 11, 9.0 / 11, 10.0 / 11, 1}, wy[5] = {0, 0.4, 0.5, 0.7, 1};
    for (size_t i = 0; i < 5; i++) {
        assert_abs(x[i], wx[i], 1e-15); /* one division of small integer sums each */
        assert_abs(y[i], wy[i], 1e-15);
    }
    assert_memory_equal(a, a0, sizeof a);
    assert_memory_equal(w, w0, sizeof w);
    free(x);
    free(y);
    assert_int_equal(pms_chart_lorenz_points(a, w, 1, &x, &y, &m, &err), PMS_ETOOFEW);
}

/* The scatter's band: the fitted line through y = 2 + 3x + small noise, and
 * the band contains the line and widens away from the mean of x. */
static void test_scatter_band(void **state)
{
    (void)state;
    double x[40], y[40];
    unsigned char hl[40] = {0};
    for (int i = 0; i < 40; i++) {
        x[i] = i * 0.5;
        y[i] = 2 + 3 * x[i] + ((i * 7919) % 13 - 6) * 0.1;
    }
    hl[3] = 1;
    pms_err err = {{0}};
    pms_chart_info ci = {dir, "scatter", "S", "x", "y", "Source: test"};
    assert_int_equal(pms_chart_scatter_fit(&ci, x, y, 40, hl, "Bristol \"11H\"", 0.95, &err),
                     PMS_OK);
    char *dat = slurp("scatter.dat");
    /* Block 2 (after the highlighted block's header "x<TAB>Bristol '11H'"). */
    assert_non_null(strstr(dat, "x\tBristol '11H'\n"));
    const char *b2 = dat;
    for (int k = 0; k < 2; k++) b2 = strstr(b2, "\n\n\n") + 3;
    /* Grid columns: x, least squares, Theil-Sen, Theil-Sen interval low, high. */
    double g0, f0, t0, lo0, hi0, gm, fm, tm, lom, him;
    assert_int_equal(sscanf(b2, "%lf\t%lf\t%lf\t%lf\t%lf", &g0, &f0, &t0, &lo0, &hi0), 5);
    const char *mid = b2;
    for (int k = 0; k < 50; k++) mid = strchr(mid, '\n') + 1;
    assert_int_equal(sscanf(mid, "%lf\t%lf\t%lf\t%lf\t%lf", &gm, &fm, &tm, &lom, &him), 5);
    assert_true(lo0 < t0 && t0 < hi0);
    assert_true(hi0 - lo0 > him - lom); /* the slope fan is wider at the edge than at the centre */
    assert_rel(f0, 2, 0.05);            /* least-squares intercept near 2 (noise of +-0.6) */
    assert_abs(t0, 2, 0.6); /* Theil-Sen: median residual 0, within the noise of +-0.6 */
    char *script = slurp("scatter.gp");
    assert_null(strstr(script, "Bristol"));
    assert_non_null(strstr(script, "title 'Theil-Sen line (robust)'"));
    assert_non_null(strstr(script, "title 'Least-squares line (pulled by outliers)'"));
    free(script);
    free(dat);
    /* Too few points: the regression's own error. */
    assert_int_equal(pms_chart_scatter_fit(&ci, x, y, 2, NULL, NULL, 0.95, &err), PMS_ETOOFEW);
}

/* The issue-14 charts: hostile names stay in the .dat files (never in a
 * script), every builder's script renders, and their data is as documented. */
static void test_new_charts(void **state)
{
    (void)state;
    pms_err err = {{0}};
    const char *pwned = "/tmp/pmsreview-test-pwned2";
    unlink(pwned);
    const char *labels[3] = {"`touch /tmp/pmsreview-test-pwned2`",
                             "\"; system('touch /tmp/pmsreview-test-pwned2'); \"",
                             "St Mary's\tSurgery\n"};
    const double est[3] = {0.3, -0.2, 0.1}, lo[3] = {0.1, -0.5, -0.2}, hi[3] = {0.5, 0.1, 0.4};
    const unsigned char hl[3] = {0, 0, 1};
    pms_chart_info ci = {dir, "forest", "Forest", "rho", "units", "Source: test"};
    assert_int_equal(pms_chart_forest(&ci, labels, est, lo, hi, hl, 3, -0.04, "England", &err),
                     PMS_OK);
    char *dat = slurp("forest.dat");
    /* Sorted by the estimate: -0.2 (row 2), 0.1 (the highlighted one), 0.3. */
    assert_non_null(strstr(dat, "\n1\t-0.2\t-0.5\t0.1\t0\t"));
    assert_non_null(strstr(dat, "\n2\t0.1\t-0.2\t0.4\t1\tSt Mary's Surgery\n"));
    assert_non_null(strstr(dat, "\n3\t0.3\t0.1\t0.5\t0\t`touch"));
    free(dat);
    const int64_t rel[2] = {123456789012345, 0}, re[2] = {23456789012345, 0},
                  net[2] = {100000000000000, 0};
    ci.name = "waterfall";
    assert_int_equal(pms_chart_waterfall(&ci, labels, rel, re, net, 2, 1e8, &err), PMS_OK);
    dat = slurp("waterfall.dat");
    /* Pence exactly, beyond the 10 digits of %.10g; a zero bar still says 0. */
    assert_non_null(strstr(dat, "\t123456789012345\t23456789012345\t100000000000000\t"));
    assert_non_null(strstr(dat, "\t0\t0\t0\t0\t0\t0\n"));
    free(dat);
    const double v0[4] = {-12, -6, 0.5, NAN}, v1[2] = {-50, 30};
    const double *vals[2] = {v0, v1};
    const size_t cnt[2] = {4, 2};
    const double marks[2] = {-5, -10};
    ci.name = "hist";
    assert_int_equal(pms_chart_histograms(&ci, labels, vals, cnt, 2, 1, -40, 20, marks, 2, "%",
                                          &err),
                     PMS_OK);
    dat = slurp("hist.dat");
    assert_non_null(strstr(dat, "\n-11.5\t1\n"));
    assert_non_null(strstr(dat, "\n-39.5\t1\n")); /* -50 counted in the end bin */
    assert_non_null(strstr(dat, "\n19.5\t1\n"));  /* 30 too */
    free(dat);
    const double px[3] = {10, 20, NAN}, py[3] = {100, 120, 130};
    ci.name = "points";
    assert_int_equal(pms_chart_labelled_points(&ci, px, py, labels, 3, 110, "Median", "Ours",
                                               &err),
                     PMS_OK);
    const char *names[4] = {"forest", "waterfall", "hist", "points"};
    for (int k = 0; k < 4; k++) {
        char f[64];
        snprintf(f, sizeof f, "%s.gp", names[k]);
        char *script = slurp(f);
        assert_null(strstr(script, "touch"));
        assert_null(strstr(script, "St Mary"));
        free(script);
    }
    /* Gini of the polyline (0,0) (0.5,0.25) (1,1): 1 - (0.5*0.25 + 0.5*1.25) = 0.25. */
    const double gx[3] = {0, 0.5, 1}, gy[3] = {0, 0.25, 1};
    assert_abs(pms_chart_lorenz_gini(gx, gy, 3), 0.25, 1e-15);
    char gp[4096];
    if (pms_gp_find(gp, sizeof gp, &err)) {
        skip();
        return;
    }
    pms_gp_result res[4];
    assert_int_equal(pms_gp_render(gp, dir, names, 4, 2, res, &err), PMS_OK);
    for (int k = 0; k < 4; k++) {
        if (!res[k].ok) fprintf(stderr, "%s: %s\n", names[k], res[k].message);
        assert_true(res[k].ok);
    }
    assert_int_equal(access(pwned, F_OK), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_data_text),     cmocka_unit_test(test_script_text),
        cmocka_unit_test(test_chart_name),    cmocka_unit_test(test_find),
        cmocka_unit_test(test_title_font),
        cmocka_unit_test(test_hostile_render), cmocka_unit_test(test_render_failures),
        cmocka_unit_test(test_pool_same_bytes), cmocka_unit_test(test_png_preload),
        cmocka_unit_test(test_preload_snprintf), cmocka_unit_test(test_preload_fprintf),
        cmocka_unit_test(test_preload_adler), cmocka_unit_test(test_png_writer),
        cmocka_unit_test(test_png_writer_direct),
        cmocka_unit_test(test_lorenz_points), cmocka_unit_test(test_lorenz_order),
        cmocka_unit_test(test_scatter_quantiles), cmocka_unit_test(test_scatter_band),
        cmocka_unit_test(test_new_charts),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
