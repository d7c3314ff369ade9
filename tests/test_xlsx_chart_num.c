/* ctest-labels: unit */
/* io/xlsx_chart_num.c stands in for libxlsxwriter's _chart_write_v_num: the
 * symbol the library calls is ours, and every number a chart caches is
 * written as libxlsxwriter 1.1.4 writes it ("<c:v>", snprintf "%.16G",
 * "</c:v>"), checked here against snprintf for the cached x and y values of
 * a scatter chart of 6,000 points of every magnitude and sign, including
 * values io/dectext.h leaves to libxlsxwriter's own function (|v| of 1e16
 * and more, below 1e-17, subnormal) and -0. */
#define _GNU_SOURCE
#include "testutil.h"

#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <xlsxwriter.h>

/* The text of one member of the package, via unzip; NULL if unzip is absent. */
static char *member(const char *path, const char *name)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "unzip -p '%s' '%s' 2>/dev/null", path, name);
    FILE *f = popen(cmd, "r");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0, got;
    char *buf = malloc(cap);
    while (buf && (got = fread(buf + n, 1, cap - 1 - n, f)) > 0) {
        n += got;
        if (n + 1 == cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
                buf = NULL;
            }
            buf = nb;
        }
    }
    if (pclose(f) != 0 || !buf || n == 0) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

/* The cache of column col (0 = A): "<c:numCache>...</c:numCache>" as
 * libxlsxwriter writes it, "%.16G" by snprintf. */
static char *want_cache(const double *v, int n)
{
    size_t cap = (size_t)n * 64 + 256, len = 0;
    char *w = malloc(cap);
    assert_non_null(w);
    len += (size_t)snprintf(w + len, cap - len,
                            "<c:numCache><c:formatCode>General</c:formatCode>"
                            "<c:ptCount val=\"%d\"/>", n);
    for (int i = 0; i < n; i++)
        len += (size_t)snprintf(w + len, cap - len, "<c:pt idx=\"%d\"><c:v>%.16G</c:v></c:pt>", i,
                                v[i]);
    snprintf(w + len, cap - len, "</c:numCache>");
    return w;
}

static void test_chart_numbers(void **state)
{
    (void)state;
    Dl_info di;
    assert_true(dladdr(dlsym(RTLD_DEFAULT, "_chart_write_v_num"), &di) != 0);
    assert_null(strstr(di.dli_fname, "libxlsxwriter"));
    const char *tmp = getenv("PMS_TEST_TMP");
    char path[1024];
    if (tmp) mkdir(tmp, 0777);
    snprintf(path, sizeof path, "%s/chart_num.xlsx", tmp ? tmp : "/tmp");
    lxw_workbook *wb = workbook_new(path);
    assert_non_null(wb);
    lxw_worksheet *ws = workbook_add_worksheet(wb, NULL);
    enum { ROWS = 6000 };
    static double v[2][ROWS];
    uint64_t x = 0x2545F4914F6CDD1DULL;
    const double edge[] = {-0.0, 0.0, 1e16, -1e16, 1e300, 1e-17, 9.999999999999999e-18,
                           5e-324, 2.2250738585072014e-308, 9999999999999998.0, 0.1, 1e-5,
                           123456789012345.67, -1.0000000000000002};
    for (int r = 0; r < ROWS; r++) {
        pms_test_xorshift(&x);
        double u = (double)(x >> 11) / 9007199254740992.0;
        v[0][r] = r % 3 ? (double)(int64_t)(x % 2000000001) / 100 - 1e7 : u * 60000;
        pms_test_xorshift(&x);
        v[1][r] = pow(10, -22 + 44 * ((double)(x >> 11) / 9007199254740992.0)) * (x & 1 ? -1 : 1);
        if (r < (int)(sizeof edge / sizeof *edge)) v[1][r] = edge[r];
        worksheet_write_number(ws, (lxw_row_t)r, 0, v[0][r], NULL);
        worksheet_write_number(ws, (lxw_row_t)r, 1, v[1][r], NULL);
    }
    lxw_chart *ch = workbook_add_chart(wb, LXW_CHART_SCATTER);
    assert_non_null(ch);
    char cats[64], vals[64];
    snprintf(cats, sizeof cats, "=Sheet1!$A$1:$A$%d", ROWS);
    snprintf(vals, sizeof vals, "=Sheet1!$B$1:$B$%d", ROWS);
    assert_non_null(chart_add_series(ch, cats, vals));
    assert_int_equal(worksheet_insert_chart(ws, 0, 3, ch), LXW_NO_ERROR);
    assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
    char *xml = member(path, "xl/charts/chart1.xml");
    if (!xml) {
        skip(); /* no unzip */
        return;
    }
    char *p = xml;
    for (int k = 0; k < 2; k++) {
        char *w = want_cache(v[k], ROWS);
        p = strstr(p, "<c:numCache>");
        assert_non_null(p);
        size_t wl = strlen(w);
        if (strncmp(p, w, wl)) {
            size_t i = 0;
            while (p[i] == w[i]) i++;
            fprintf(stderr, "cache %d differs at %zu:\n%.80s\nwanted\n%.80s\n", k, i,
                    p + (i > 40 ? i - 40 : 0), w + (i > 40 ? i - 40 : 0));
        }
        assert_memory_equal(p, w, wl);
        p += wl;
        free(w);
    }
    free(xml);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_chart_numbers)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
