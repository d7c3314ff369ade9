/* ctest-labels: unit */
/* Workbook writer: formats, hostile text written as strings, determinism. */
#define _GNU_SOURCE /* dladdr, RTLD_DEFAULT */
#include "testutil.h"

#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libdeflate.h>
#include <xlsxwriter.h>

#include "io/out.h"
#include "io/xlsx.h"

static pms_out *sample(void)
{
    pms_out *o = pms_out_new("practices", "Practices");
    int c0 = pms_out_col(o, "practice_name", PMS_OUT_TEXT, 0);
    int c1 = pms_out_col(o, "core_payments", PMS_OUT_MONEY, 2);
    int c2 = pms_out_col(o, "share", PMS_OUT_PCT, 1);
    int c3 = pms_out_col(o, "gini", PMS_OUT_REAL, 4);
    const char *names[] = {"=cmd|' /C calc'!A0", "@SUM(A1)", "Dr Smith, Jones & Partners", "`touch x`"};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pms_out_row(o), PMS_OK);
        pms_out_set_text(o, c0, names[i]);
        pms_out_set_num(o, c1, 12345.675 * (i + 1));
        pms_out_set_num(o, c2, 0.2385 * i);
        pms_out_set_num(o, c3, i == 2 ? NAN : 0.1234567);
    }
    pms_out_footnote(o, "Money in pounds.");
    return o;
}

static char *write_one(const char *name)
{
    const char *tmp = getenv("PMS_TEST_TMP");
    char *path = malloc(1024);
    snprintf(path, 1024, "%s/%s", tmp ? tmp : "/tmp", name);
    if (tmp) mkdir(tmp, 0777);
    pms_xlsx *x = NULL;
    pms_err err = {{0}};
    assert_int_equal(pms_xlsx_open(path, 1416009600 /* 2014-11-15 */, "test", &x, &err), PMS_OK);
    const char *lines[] = {"Summary", "Funding per weighted patient: £142.30."};
    assert_int_equal(pms_xlsx_add_lines(x, "Summary", lines, 2, &err), PMS_OK);
    pms_out *o = sample();
    pms_xlsx_loc loc;
    assert_int_equal(pms_xlsx_add_tables(x, "Practices", &o, 1, &loc, &err), PMS_OK);
    /* Title, description, one note, then the header. */
    assert_string_equal(loc.sheet, "Practices");
    assert_int_equal(loc.header_row, 3);
    assert_int_equal(loc.first_row, 4);
    assert_int_equal(loc.last_row, 7);
    pms_xlsx_series s = {&loc, 2, 1, "core", 1};
    assert_int_equal(pms_xlsx_add_chart(x, "Practices", PMS_XLSX_SCATTER, "Core", "share",
                                        "£", &s, 1, &err),
                     PMS_OK);
    assert_int_equal(pms_xlsx_close(x, &err), PMS_OK);
    pms_out_free(o);
    return path;
}

static void test_deterministic_zip(void **state)
{
    (void)state;
    char *a = write_one("a.xlsx"), *b = write_one("b.xlsx");
    char *x = pms_test_slurp(a), *y = pms_test_slurp(b);
    struct stat sa, sb;
    assert_int_equal(stat(a, &sa), 0);
    assert_int_equal(stat(b, &sb), 0);
    assert_int_equal(sa.st_size, sb.st_size);
    assert_true(sa.st_size > 1000);
    assert_memory_equal(x, "PK\x03\x04", 4);
    assert_memory_equal(x, y, (size_t)sa.st_size);
    free(x);
    free(y);
    free(a);
    free(b);
}

static unsigned le(const unsigned char *p, int n)
{
    unsigned v = 0;
    for (int i = n - 1; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

/* A 1x1 white PNG, for a picture part. */
static const unsigned char png1x1[] = {
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44,
    0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00, 0x90,
    0x77, 0x53, 0xde, 0x00, 0x00, 0x00, 0x0c, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8,
    0xff, 0xff, 0x3f, 0x00, 0x05, 0xfe, 0x02, 0xfe, 0x0d, 0xef, 0x46, 0xb8, 0x00, 0x00, 0x00,
    0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};

/* A deflated part, found by its central directory entry c: it inflates to
 * its recorded size and CRC-32, and io/xlsx_zip.c wrote it (libdeflate at
 * level 1 gives exactly its bytes). */
static void check_part(const unsigned char *z, size_t n, const unsigned char *c)
{
    unsigned crc = le(c + 16, 4), csize = le(c + 20, 4), usize = le(c + 24, 4);
    unsigned loc = le(c + 42, 4);
    assert_true(loc + 30 <= n);
    const unsigned char *data = z + loc + 30 + le(z + loc + 26, 2) + le(z + loc + 28, 2);
    assert_true(data + csize <= z + n);
    unsigned char *raw = malloc(usize + 1), *again = NULL;
    assert_non_null(raw);
    struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
    struct libdeflate_compressor *k = libdeflate_alloc_compressor(1);
    assert_non_null(d);
    assert_non_null(k);
    size_t got = 0;
    assert_int_equal(libdeflate_deflate_decompress(d, data, csize, raw, usize, &got), 0);
    assert_int_equal(got, usize);
    assert_int_equal(libdeflate_crc32(0, raw, usize), crc);
    size_t cap = libdeflate_deflate_compress_bound(k, usize);
    again = malloc(cap);
    assert_non_null(again);
    assert_int_equal(libdeflate_deflate_compress(k, raw, usize, again, cap), csize);
    assert_memory_equal(again, data, csize);
    libdeflate_free_decompressor(d);
    libdeflate_free_compressor(k);
    free(raw);
    free(again);
}

/* io/xlsx_zip.c deflates every part with libdeflate at level 1 (check_part)
 * and has minizip record level 1 in the general purpose flag (bits 1 and 2
 * both set, "super fast"; level 6, libxlsxwriter's own, leaves both clear);
 * io/xlsx_deflate.c has the pictures stored (method 0).  Read from the
 * central directory, which lists every part. */
static void test_fast_deflate(void **state)
{
    (void)state;
    Dl_info di; /* the workbook's parts go through io/xlsx_zip.c */
    assert_true(dladdr(dlsym(RTLD_DEFAULT, "_add_file_to_zip"), &di) != 0);
    assert_null(strstr(di.dli_fname, "libxlsxwriter"));
    const char *tmp = getenv("PMS_TEST_TMP");
    char path[1024], png[1024];
    snprintf(path, sizeof path, "%s/fast.xlsx", tmp ? tmp : "/tmp");
    snprintf(png, sizeof png, "%s/fast.png", tmp ? tmp : "/tmp");
    if (tmp) mkdir(tmp, 0777);
    FILE *f = fopen(png, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(png1x1, 1, sizeof png1x1, f), sizeof png1x1);
    assert_int_equal(fclose(f), 0);
    pms_xlsx *x = NULL;
    pms_err err = {{0}};
    assert_int_equal(pms_xlsx_open(path, 1416009600, "test", &x, &err), PMS_OK);
    const char *lines[] = {"Summary", "Funding per weighted patient: £142.30."};
    assert_int_equal(pms_xlsx_add_lines(x, "Summary", lines, 2, &err), PMS_OK);
    assert_int_equal(pms_xlsx_add_figure(x, "Summary", NULL, "A picture", "alt", png, 1, &err),
                     PMS_OK);
    assert_int_equal(pms_xlsx_close(x, &err), PMS_OK);
    size_t n = 0;
    const unsigned char *z = (const unsigned char *)pms_test_slurp_n(path, &n);
    assert_true(n > 22);
    const unsigned char *end = z + n - 22; /* no archive comment */
    assert_memory_equal(end, "PK\x05\x06", 4);
    unsigned parts = le(end + 10, 2), off = le(end + 16, 4), deflated = 0, stored = 0;
    assert_true(parts > 5);
    for (unsigned i = 0; i < parts; i++) {
        assert_true(off + 46 <= n);
        const unsigned char *c = z + off;
        assert_memory_equal(c, "PK\x01\x02", 4);
        unsigned method = le(c + 10, 2), namelen = le(c + 28, 2);
        int media = namelen > 9 && memcmp(c + 46, "xl/media/", 9) == 0;
        if (media) {
            assert_int_equal(method, 0);
            stored++;
        } else {
            assert_int_equal(method, 8);
            assert_int_equal(le(c + 8, 2) & 6, 6);
            check_part(z, n, c);
            deflated++;
        }
        off += 46 + namelen + le(c + 30, 2) + le(c + 32, 2);
    }
    assert_int_equal(stored, 1);
    assert_int_equal(deflated + stored, parts);
    free((void *)z);
}

static void test_unwritable(void **state)
{
    (void)state;
    pms_xlsx *x = NULL;
    pms_err err = {{0}};
    pms_status st = pms_xlsx_open("/nonexistent-dir/r.xlsx", 0, "t", &x, &err);
    if (st == PMS_OK) st = pms_xlsx_close(x, &err); /* libxlsxwriter fails at close */
    assert_int_equal(st, PMS_EIO);
    assert_non_null(strstr(err.msg, "/nonexistent-dir/r.xlsx"));
}

/* Text that libxlsxwriter writes raw into XML parts other than cells (found
 * by fuzz_xlsx): a column key becomes the Excel Table's header in
 * xl/tables/, a chart title becomes the drawing's alt text, a sheet name goes
 * into workbook.xml.  With control characters in each, every XML part must
 * still parse (Python's strict parser, as Excel's). */
static void test_hostile_parts_xml(void **state)
{
    (void)state;
    if (system("/usr/bin/python3 -c 'import xml.etree.ElementTree' 2>/dev/null") != 0) skip();
    const char *tmp = getenv("PMS_TEST_TMP");
    char path[1024];
    snprintf(path, sizeof path, "%s/hostile-parts.xlsx", tmp ? tmp : "/tmp");
    if (tmp) mkdir(tmp, 0777);
    pms_xlsx *x = NULL;
    pms_err err = {{0}};
    assert_int_equal(pms_xlsx_open(path, 1416009600, "t", &x, &err), PMS_OK);
    pms_out *o = pms_out_new("t", "title");
    int c0 = pms_out_col(o, "key\x01\x19 \xe2\x82", PMS_OUT_TEXT, 0),
        c1 = pms_out_col(o, "v", PMS_OUT_REAL, 2);
    pms_out_row(o);
    pms_out_set_text(o, c0, "a");
    pms_out_set_num(o, c1, 2.385);
    pms_xlsx_loc loc;
    assert_int_equal(pms_xlsx_add_tables(x, "Data\x02 sheet 'x'", &o, 1, &loc, &err), PMS_OK);
    pms_xlsx_series sr = {&loc, c0, c1, "series\x03", 1};
    assert_int_equal(pms_xlsx_add_chart(x, "Data", PMS_XLSX_SCATTER, "chart\x04\xd5",
                                        "x\x05", "y", &sr, 1, &err),
                     PMS_OK);
    /* A title long enough that the alt text built from it is cut: the cut
     * must fall between characters (3-byte euro signs, 301 of them). */
    char longt[1000];
    for (int i = 0; i < 301; i++) memcpy(longt + 3 * i, "\xe2\x82\xac", 3);
    longt[903] = '\0';
    assert_int_equal(pms_xlsx_add_chart(x, "Data", PMS_XLSX_SCATTER, longt, "x", "y", &sr,
                                        1, &err),
                     PMS_OK);
    assert_int_equal(pms_xlsx_close(x, &err), PMS_OK);
    pms_out_free(o);
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -c '\n"
             "import sys, zipfile, xml.etree.ElementTree as ET\n"
             "z = zipfile.ZipFile(sys.argv[1])\n"
             "parts = [n for n in z.namelist() if n.endswith((\".xml\", \".rels\"))]\n"
             "assert any(n.startswith(\"xl/tables/\") for n in parts), parts\n"
             "assert any(n.startswith(\"xl/drawings/\") for n in parts), parts\n"
             "for n in parts: ET.fromstring(z.read(n))\n"
             "' %s",
             path);
    assert_int_equal(system(cmd), 0);
}

/* Hostile text (issue 11): a 40,000-character cell (libxlsxwriter refused it
 * and the cell stayed blank), invalid UTF-8, control characters, +-inf in a
 * number column, and a title with control characters.  Read back with
 * openpyxl (an independent reader; its XML parser rejects what Excel would):
 * the long cell is cut to at most 32,767 characters and ends with the marker,
 * nothing is blank, and the inf cell says "not computed". */
static void test_hostile_cells_openpyxl(void **state)
{
    (void)state;
    if (system("/usr/bin/python3 -c 'import openpyxl' 2>/dev/null") != 0) skip();
    const char *tmp = getenv("PMS_TEST_TMP");
    char path[1024];
    snprintf(path, sizeof path, "%s/hostile.xlsx", tmp ? tmp : "/tmp");
    if (tmp) mkdir(tmp, 0777);
    pms_xlsx *x = NULL;
    pms_err err = {{0}};
    assert_int_equal(pms_xlsx_open(path, 1416009600, "title \x01\x1b", &x, &err), PMS_OK);
    char *big = malloc(3 * 40000 + 1);
    for (int i = 0; i < 40000; i++) memcpy(big + 3 * i, "\xe2\x82\xac", 3);
    big[3 * 40000] = '\0';
    pms_out *o = pms_out_new("t", "Hostile \x02 title");
    int c0 = pms_out_col(o, "name", PMS_OUT_TEXT, 0), c1 = pms_out_col(o, "v", PMS_OUT_REAL, 2);
    const char *names[] = {big, "bad \xff byte", "ctl \x01\x1b[31m", "cut \xe2\x82"};
    for (int i = 0; i < 4; i++) {
        pms_out_row(o);
        pms_out_set_text(o, c0, names[i]);
        pms_out_set_num(o, c1, i == 3 ? INFINITY : 2.385 * i);
    }
    assert_int_equal(pms_xlsx_add_tables(x, "Data", &o, 1, NULL, &err), PMS_OK);
    assert_int_equal(pms_xlsx_close(x, &err), PMS_OK);
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -c '\n"
             "import openpyxl, sys\n"
             "ws = openpyxl.load_workbook(sys.argv[1])[\"Data\"]\n"
             "h = [r for r in range(1, 20) if ws.cell(row=r, column=1).value == \"name\"][0]\n"
             "v = [ws.cell(row=r, column=1).value for r in range(h + 1, h + 5)]\n"
             "assert v[0].endswith(\"\u2026 [cut: Excel holds 32,767 characters in a cell]\"), v[0][-60:]\n"
             "assert len(v[0]) <= 32767 and v[0].startswith(\"\u20ac\" * 1000)\n"
             "assert v[1] == \"bad \\ufffd byte\", v[1]\n"
             "assert v[2] == \"ctl \\\\x01\\\\x1b[31m\", v[2]\n"
             "assert v[3] == \"cut \\ufffd\\ufffd\", v[3]\n"
             "assert ws.cell(row=h + 4, column=2).value == \"not computed\"\n"
             "assert ws.cell(row=h + 2, column=2).value == 2.385\n"
             "' %s",
             path);
    assert_int_equal(system(cmd), 0);
    free(big);
    pms_out_free(o);
}

static pms_out *small(const char *name, int rows)
{
    pms_out *o = pms_out_new(name, name);
    int c0 = pms_out_col(o, "what", PMS_OUT_TEXT, 0);
    int c1 = pms_out_col(o, "p_value", PMS_OUT_REAL, 6);
    int c2 = pms_out_col(o, "total", PMS_OUT_MONEY, 2);
    for (int i = 0; i < rows; i++) {
        pms_out_row(o);
        pms_out_set_text(o, c0, "a");
        pms_out_set_num(o, c1, i ? 0.0123 : 1e-9);
        pms_out_set_num(o, c2, i ? NAN : 4.2e9);
    }
    return o;
}

/* The text of one member of the package, via unzip; NULL if unzip is absent. */
static char *member(const char *path, const char *name)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "unzip -p '%s' '%s' 2>/dev/null", path, name);
    FILE *f = popen(cmd, "r");
    if (!f) return NULL;
    size_t cap = 1 << 20, n = 0;
    char *buf = malloc(cap);
    n = fread(buf, 1, cap - 1, f);
    buf[n] = '\0';
    if (pclose(f) != 0 || n == 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* One table per sheet with meaningful unique names, the front sheets first,
 * each table an Excel Table with print titles, formats by what a number is. */
static void test_layout(void **state)
{
    (void)state;
    const char *tmp = getenv("PMS_TEST_TMP");
    char path[1024];
    snprintf(path, sizeof path, "%s/layout.xlsx", tmp ? tmp : "/tmp");
    pms_xlsx *x = NULL;
    pms_err err = {{0}};
    assert_int_equal(pms_xlsx_open(path, 1416009600, "Review", &x, &err), PMS_OK);
    const char *lines[] = {"Summary", "One line."};
    assert_int_equal(pms_xlsx_add_lines(x, "Summary", lines, 2, &err), PMS_OK);
    pms_out *t[3] = {small("national_review", 2), small("deprivation_claim", 0),
                     small("by_ccg", 3)};
    pms_xlsx_loc loc[3];
    assert_int_equal(pms_xlsx_add_tables(x, "The national review, reproduced", t, 3, loc, &err),
                     PMS_OK);
    assert_string_equal(loc[0].sheet, "National review");
    assert_string_equal(loc[1].sheet, "Deprivation claim");
    assert_string_equal(loc[2].sheet, "By CCG");
    assert_true(loc[1].last_row < loc[1].first_row); /* empty, though a row says so */
    assert_int_equal(pms_xlsx_add_tables(x, "Savings", t, 2, loc, &err), PMS_OK);
    assert_string_equal(loc[0].sheet, "Savings national review");
    assert_int_equal(pms_xlsx_add_tables(x, "Savings", t, 2, loc, &err), PMS_OK);
    assert_string_equal(loc[0].sheet, "Savings national review 2");
    /* A sheet whose name reads as a cell still gets a valid Table name. */
    assert_int_equal(pms_xlsx_add_tables(x, "CCG1", t, 1, loc, &err), PMS_OK);
    assert_string_equal(loc[0].sheet, "CCG1");
    pms_xlsx_series s = {&loc[0], 1, 2, "total", 0};
    assert_int_equal(pms_xlsx_add_chart(x, "Savings", PMS_XLSX_COLUMN, "Totals", "p", "£",
                                        &s, 1, &err),
                     PMS_OK);
    assert_int_equal(pms_xlsx_add_glossary(x, "Gini", "inequality", &err), PMS_OK);
    pms_xlsx_cover c = {.period = "2014/15", .geography = "England", .organisation = "Org"};
    assert_int_equal(pms_xlsx_set_cover(x, &c, &err), PMS_OK);
    assert_int_equal(pms_xlsx_close(x, &err), PMS_OK);
    for (int i = 0; i < 3; i++) pms_out_free(t[i]);

    char *wbx = member(path, "xl/workbook.xml");
    if (!wbx) skip(); /* no unzip */
    char *a = strstr(wbx, "name=\"Cover_sheet\""), *b = strstr(wbx, "name=\"Table_of_contents\""),
         *n = strstr(wbx, "name=\"Notes\""), *sum = strstr(wbx, "name=\"Summary\"");
    assert_true(a && b && n && sum && a < b && b < n && n < sum);
    /* Print titles on every table sheet: 8 tables + ToC + Notes. */
    size_t titles = 0;
    for (char *p = wbx; (p = strstr(p, "_xlnm.Print_Titles")); p++) titles++;
    assert_int_equal(titles, 10);
    free(wbx);
    char *t10 = member(path, "xl/tables/table10.xml"), *t11 = member(path, "xl/tables/table11.xml");
    assert_non_null(t10);
    assert_null(t11);
    free(t10);
    char *tabs = member(path, "xl/tables/*.xml");
    assert_non_null(strstr(tabs, "name=\"T_CCG1\""));
    assert_null(strstr(tabs, "name=\"CCG1\""));
    assert_non_null(strstr(tabs, "name=\"National_review\""));
    free(tabs);
    char *st = member(path, "xl/styles.xml");
    assert_non_null(strstr(st, "[&lt;0.001]&quot;&lt; 0.001&quot;;0.000"));
    assert_non_null(strstr(st, "0.0000")); /* 0.0123 to three significant figures */
    assert_non_null(strstr(st, ",,&quot;m&quot;")); /* £4.2bn in millions */
    free(st);
    char *ss = member(path, "xl/sharedStrings.xml");
    assert_non_null(strstr(ss, "[x]"));
    assert_non_null(strstr(ss, "Review, 2014/15, England"));
    free(ss);
    char *custom = member(path, "docProps/custom.xml");
    assert_non_null(custom);
    assert_non_null(strstr(custom, "en-GB"));
    free(custom);
}

/* The printed pack and the native charts' marks: a sheet kept out of print
 * has one empty cell as its print area and says so; a bar chart lists its
 * categories from the top with every label, the category title on the
 * vertical axis and the locality's bar hatched; a reference line is black
 * and dashed; numbers by kind (a "taper" total is not per patient, tost_p is
 * a p-value, a log-log row is not money). */
static void test_print_and_look(void **state)
{
    (void)state;
    if (system("/usr/bin/python3 -c 'import openpyxl' 2>/dev/null") != 0) skip();
    const char *tmp = getenv("PMS_TEST_TMP");
    char path[1024];
    snprintf(path, sizeof path, "%s/look.xlsx", tmp ? tmp : "/tmp");
    if (tmp) mkdir(tmp, 0777);
    pms_xlsx *x = NULL;
    pms_err err = {{0}};
    assert_int_equal(pms_xlsx_open(path, 1416009600, "Look", &x, &err), PMS_OK);
    pms_out *o = pms_out_new("bars", "Bars");
    int c0 = pms_out_col(o, "scope", PMS_OUT_TEXT, 0);
    int c1 = pms_out_col(o, "after_taper_total", PMS_OUT_MONEY, 2);
    int c2 = pms_out_col(o, "tost_p", PMS_OUT_REAL, 6);
    int c3 = pms_out_col(o, "residual_sd", PMS_OUT_MONEY, 2);
    const char *scope[] = {"England", "Bristol", "England, log-log (elasticity)"};
    for (int i = 0; i < 3; i++) {
        pms_out_row(o);
        pms_out_set_text(o, c0, scope[i]);
        pms_out_set_num(o, c1, 334622320.95 / (i + 1));
        pms_out_set_num(o, c2, 2.5e-7 * (i + 1));
        pms_out_set_num(o, c3, i == 2 ? 0.3134 : 38.797);
    }
    pms_out *t[2] = {o, small("detail", 2)};
    pms_xlsx_loc loc[2];
    assert_int_equal(pms_xlsx_add_tables(x, "Bars", t, 2, loc, &err), PMS_OK);
    pms_xlsx_series s = {&loc[0], c0, c1, "total", 0};
    pms_xlsx_chart_look look = {NULL, 2, NAN, NAN};
    assert_int_equal(pms_xlsx_add_chart_look(x, "Bars", PMS_XLSX_BAR, "Bars", "Area", "Pounds",
                                             &s, 1, &look, &err),
                     PMS_OK);
    static const int role[2] = {0, 2};
    pms_xlsx_series l[2] = {{&loc[0], c0, c1, "one", 0}, {&loc[0], c0, c3, "All practices", 0}};
    look = (pms_xlsx_chart_look){role, 0, NAN, NAN};
    assert_int_equal(pms_xlsx_add_chart_look(x, "Lines", PMS_XLSX_LINE, "Lines", "Year", "Pounds",
                                             l, 2, &look, &err),
                     PMS_OK);
    assert_int_equal(pms_xlsx_no_print(x, "Bars detail", &err), PMS_OK);
    assert_int_equal(pms_xlsx_no_print(x, "No such sheet", &err), PMS_EUSAGE);
    assert_int_equal(pms_xlsx_close(x, &err), PMS_OK);
    pms_out_free(t[0]);
    pms_out_free(t[1]);

    char *wbx = member(path, "xl/workbook.xml");
    if (!wbx) skip(); /* no unzip */
    assert_non_null(strstr(wbx, "'Bars detail'!$XFD$1"));
    assert_null(strstr(wbx, "Bars!$XFD$1"));
    free(wbx);
    char *ss = member(path, "xl/sharedStrings.xml");
    assert_non_null(strstr(ss, "Not in the printed pack"));
    assert_non_null(strstr(ss, "(not printed)"));
    free(ss);
    char *bar = member(path, "xl/charts/chart1.xml");
    assert_non_null(bar);
    char *cat = strstr(bar, "<c:catAx>"), *val = strstr(bar, "<c:valAx>");
    assert_true(cat && val);
    /* The category title "Area" is in the category axis, "Pounds" in the value axis. */
    char *area = strstr(bar, ">Area<"), *pounds = strstr(bar, ">Pounds<");
    assert_true(area && pounds);
    assert_true(cat < val ? (area > cat && area < val && pounds > val)
                          : (area > cat && pounds > val && pounds < cat));
    assert_non_null(strstr(cat, "<c:orientation val=\"maxMin\"/>"));
    assert_non_null(strstr(bar, "<c:tickLblSkip val=\"1\"/>"));
    char *dpt = strstr(bar, "<c:dPt><c:idx val=\"1\"/>");
    assert_non_null(dpt);
    assert_non_null(strstr(dpt, "D55E00"));
    free(bar);
    char *line = member(path, "xl/charts/chart2.xml");
    assert_non_null(line);
    assert_non_null(strstr(line, "<a:srgbClr val=\"000000\"/>"));
    assert_non_null(strstr(line, "<a:prstDash val=\"dash\"/>"));
    free(line);
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -c '\n"
             "import openpyxl, sys\n"
             "ws = openpyxl.load_workbook(sys.argv[1])[\"Bars\"]\n"
             "h = [r for r in range(1, 20) if ws.cell(row=r, column=1).value == \"scope\"][0]\n"
             "f = lambda r, c: ws.cell(row=h + r, column=c).number_format\n"
             "assert f(1, 2).endswith(\",,\\\"m\\\"\"), f(1, 2)\n"
             "assert f(1, 3) == \"[<0.001]\\\"< 0.001\\\";0.000\", f(1, 3)\n"
             "assert f(1, 4).startswith(\"\\u00a3\"), f(1, 4)\n"
             "assert not f(3, 4).startswith(\"\\u00a3\"), f(3, 4)\n"
             "' %s",
             path);
    assert_int_equal(system(cmd), 0);
}


/* io/xlsx_cells.c stands in for libxlsxwriter's _write_cell: the symbol the
 * library calls is ours, and every cell's XML is what libxlsxwriter 1.1.4
 * writes (worksheet.c: "%.16G" numbers, A1 names, the cell's, row's or
 * column's style, shared-string ids, booleans, formatted blanks), built here
 * with snprintf for 4,000 rows of numbers of every magnitude and sign. */
/* A new workbook at PMS_TEST_TMP/name (path into path), once the function
 * libxlsxwriter calls as `symbol` is checked to be ours, not its own. */
static lxw_workbook *standin_workbook(const char *symbol, const char *name, char path[1024])
{
    Dl_info di;
    assert_true(dladdr(dlsym(RTLD_DEFAULT, symbol), &di) != 0);
    assert_null(strstr(di.dli_fname, "libxlsxwriter"));
    const char *tmp = getenv("PMS_TEST_TMP");
    snprintf(path, 1024, "%s/%s", tmp ? tmp : "/tmp", name);
    lxw_workbook *wb = workbook_new(path);
    assert_non_null(wb);
    return wb;
}

static void test_cells_text(void **state)
{
    (void)state;
    char path[1024];
    lxw_workbook *wb = standin_workbook("_write_cell", "cells.xlsx", path);
    lxw_worksheet *ws = workbook_add_worksheet(wb, NULL);
    lxw_format *money = workbook_add_format(wb), *bold = workbook_add_format(wb);
    format_set_num_format(money, "#,##0.00");
    format_set_bold(bold);
    worksheet_set_column(ws, 3, 3, 12, bold);
    enum { ROWS = 4000 };
    static double v[ROWS][3];
    uint64_t x = 88172645463325252ULL;
    for (int r = 0; r < ROWS; r++) {
        for (int k = 0; k < 3; k++) {
            pms_test_xorshift(&x);
            double u = (double)(x >> 11) / 9007199254740992.0;
            v[r][k] = k == 0   ? pow(10, -22 + 44 * u) * (x & 1 ? -1 : 1)
                      : k == 1 ? (double)(int64_t)(x % 2000000001) / 100 - 1e7
                               : (r % 7 ? u * 1e6 : (double)(x >> 11));
        }
        char text[8];
        snprintf(text, sizeof text, "s%d", r % 5);
        worksheet_write_number(ws, (lxw_row_t)r, 0, v[r][0], NULL);
        worksheet_write_number(ws, (lxw_row_t)r, 1, v[r][1], money);
        worksheet_write_string(ws, (lxw_row_t)r, 2, text, NULL);
        worksheet_write_number(ws, (lxw_row_t)r, 3, v[r][2], NULL);
        worksheet_write_boolean(ws, (lxw_row_t)r, 4, r & 1, money);
        worksheet_write_blank(ws, (lxw_row_t)r, 5, money);
        if (r % 100 == 0) worksheet_write_formula(ws, (lxw_row_t)r, 6, "=1+1", NULL);
    }
    worksheet_write_number(ws, 1048575, 16383, -0.0, bold);
    int sm = lxw_format_get_xf_index(money), sb = lxw_format_get_xf_index(bold);
    assert_true(sm > 0 && sb > 0 && sm != sb);
    assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
    char *xml = member(path, "xl/worksheets/sheet1.xml");
    if (!xml) {
        skip(); /* no unzip */
        return;
    }
    const char *p = xml;
    for (int r = 0; r < ROWS; r++) {
        char want[1024], head[32];
        int n = snprintf(want, sizeof want,
                         "<c r=\"A%d\"><v>%.16G</v></c><c r=\"B%d\" s=\"%d\"><v>%.16G</v></c>"
                         "<c r=\"C%d\" t=\"s\"><v>%d</v></c><c r=\"D%d\" s=\"%d\"><v>%.16G</v></c>"
                         "<c r=\"E%d\" s=\"%d\" t=\"b\"><v>%d</v></c><c r=\"F%d\" s=\"%d\"/>",
                         r + 1, v[r][0], r + 1, sm, v[r][1], r + 1, r % 5, r + 1, sb, v[r][2],
                         r + 1, sm, r & 1, r + 1, sm);
        if (r % 100 == 0)
            snprintf(want + n, sizeof want - (size_t)n, "<c r=\"G%d\"><f>1+1</f><v>0</v></c>",
                     r + 1);
        snprintf(head, sizeof head, "<row r=\"%d\"", r + 1);
        p = strstr(p, head);
        assert_non_null(p);
        p = strchr(p, '>') + 1;
        if (strncmp(p, want, strlen(want)) || strncmp(p + strlen(want), "</row>", 6))
            fprintf(stderr, "row %d:\n%.*s\nwanted\n%s\n", r + 1, (int)strlen(want), p, want);
        assert_memory_equal(p, want, strlen(want));
        assert_memory_equal(p + strlen(want), "</row>", 6);
    }
    char last[64];
    snprintf(last, sizeof last, "<c r=\"XFD1048576\" s=\"%d\"><v>-0</v></c></row>", sb);
    assert_non_null(strstr(p, last));
    free(xml);
}

/* The text of a shared string or cell value as the XML has it: &amp; &lt;
 * &gt; &quot; undone (libxlsxwriter writes no other entity). */
static char *xml_text(const char *p, const char *end)
{
    char *d = malloc((size_t)(end - p) + 1), *w = d;
    static const char *ent[][2] = {{"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}};
    while (p < end) {
        int done = 0;
        for (int k = 0; k < 4 && !done; k++)
            if (!strncmp(p, ent[k][0], strlen(ent[k][0]))) {
                *w++ = ent[k][1][0];
                p += strlen(ent[k][0]);
                done = 1;
            }
        if (!done) *w++ = *p++;
    }
    *w = '\0';
    return d;
}

/* The workbook's shared strings in order, and its count attribute. */
static size_t read_sst(const char *xml, char ***out, unsigned *count)
{
    assert_int_equal(sscanf(strstr(xml, "count=\"") + 7, "%u", count), 1);
    size_t n = 0, cap = 1024;
    char **v = malloc(cap * sizeof *v);
    for (const char *p = xml; (p = strstr(p, "<si><t")); n++) {
        p = strchr(p + 4, '>') + 1; /* past <si><t ...> */
        const char *e = strstr(p, "</t></si>");
        if (n == cap) v = realloc(v, (cap *= 2) * sizeof *v);
        v[n] = xml_text(p, e);
        p = e;
    }
    *out = v;
    return n;
}

/* A cell reference "C12" as (row, col), both from 0. */
static void cell_ref(const char *r, int *row, int *col)
{
    *col = 0;
    for (; *r >= 'A' && *r <= 'Z'; r++) *col = *col * 26 + (*r - 'A' + 1);
    (*col)--;
    *row = atoi(r) - 1;
}

enum { SST_ROWS = 600, SST_COLS = 5, SST_BODY = 5 /* header row 4: title, desc, 2 notes */ };

/* The table of test_sst_cells: repeated and unique text, "", a control
 * character, a text past Excel's limit, missing and uncomputed cells. */
static pms_out *sst_table(char *longtext)
{
    static const char *ccg[] = {"Bristol", "North Somerset", "South Glos & <Avon>", "[x]",
                                "Bath", "  spaced  ", "Swindon"};
    pms_out *o = pms_out_new("sst", "Shared strings");
    int c0 = pms_out_col(o, "ccg", PMS_OUT_TEXT, 0), c1 = pms_out_col(o, "name", PMS_OUT_TEXT, 0);
    int c2 = pms_out_col(o, "amount", PMS_OUT_MONEY, 2), c3 = pms_out_col(o, "r", PMS_OUT_REAL, 3);
    int c4 = pms_out_col(o, "flag", PMS_OUT_BOOL, 0);
    for (int i = 0; i < SST_ROWS; i++) {
        char name[64];
        snprintf(name, sizeof name, i == 333 ? "ctl\x01%d" : "Practice %d", i / 2);
        pms_out_row(o);
        pms_out_set_text(o, c0, ccg[i % 7]);
        pms_out_set_text(o, c1, i % 50 == 7 ? NULL : i % 77 == 5 ? "" : i == 401 ? longtext : name);
        pms_out_set_num(o, c2, i % 10 == 3 ? NAN : 1000.5 * i);
        if (i % 13 == 4) pms_out_set_not_computed(o, c3, "too few practices");
        else pms_out_set_num(o, c3, 0.001 * i);
        pms_out_set_bool(o, c4, i & 1);
    }
    pms_out_footnote(o, "Bristol");
    return o;
}

/* io/xlsx_sst.c finds a table's shared strings in a hash table of its own
 * and makes their cells with libxlsxwriter's functions: every text, "[x]"
 * and "not computed" cell must show its own text, "" a blank, the strings
 * be numbered in the order they first appear column by column (as when
 * each cell went through worksheet_write_string), and the workbook's
 * string count be the number of string cells, as libxlsxwriter counts. */
static void test_sst_cells(void **state)
{
    (void)state;
    const char *tmp = getenv("PMS_TEST_TMP");
    char path[1024];
    snprintf(path, sizeof path, "%s/sst.xlsx", tmp ? tmp : "/tmp");
    char *longtext = malloc(40000);
    memset(longtext, 'L', 39999);
    longtext[39999] = '\0';
    pms_xlsx *x = NULL;
    pms_err err = {{0}};
    assert_int_equal(pms_xlsx_open(path, 1416009600, "test", &x, &err), PMS_OK);
    const char *lines[] = {"Bristol", "[x]"}; /* seen first outside the table */
    assert_int_equal(pms_xlsx_add_lines(x, "Lines", lines, 2, &err), PMS_OK);
    pms_out *o = sst_table(longtext);
    pms_xlsx_loc loc;
    assert_int_equal(pms_xlsx_add_tables(x, "Table", &o, 1, &loc, &err), PMS_OK);
    assert_int_equal(loc.first_row, SST_BODY);
    assert_int_equal(pms_xlsx_close(x, &err), PMS_OK);
    char *sstxml = member(path, "xl/sharedStrings.xml");
    if (!sstxml) {
        skip(); /* no unzip */
        return;
    }
    char **sst;
    unsigned count, unique;
    size_t nsst = read_sst(sstxml, &sst, &count);
    assert_int_equal(sscanf(strstr(sstxml, "uniqueCount=\"") + 13, "%u", &unique), 1);
    assert_int_equal(unique, nsst);
    for (size_t a = 0; a < nsst; a++)
        for (size_t b = a + 1; b < nsst; b++) assert_string_not_equal(sst[a], sst[b]);
    /* Every sheet's string cells: their number is the workbook's count. */
    unsigned cells = 0;
    int idx[SST_ROWS][SST_COLS], blank[SST_ROWS][SST_COLS];
    memset(idx, -1, sizeof idx);
    memset(blank, 0, sizeof blank);
    for (int k = 1; k <= 5; k++) {
        char part[64];
        snprintf(part, sizeof part, "xl/worksheets/sheet%d.xml", k);
        char *xml = member(path, part);
        assert_non_null(xml);
        for (const char *p = xml; (p = strstr(p, "<c r=\"")); p++) {
            int row, col;
            cell_ref(p + 6, &row, &col);
            const char *end = strchr(p, '>');
            int is_s = !!memmem(p, (size_t)(end - p), " t=\"s\"", 6);
            cells += (unsigned)is_s;
            if (k != 5 || row < SST_BODY || row >= SST_BODY + SST_ROWS) continue;
            if (is_s) idx[row - SST_BODY][col] = atoi(strstr(p, "<v>") + 3);
            blank[row - SST_BODY][col] = end[-1] == '/';
        }
        free(xml);
    }
    assert_int_equal(cells, count);
    /* Each cell's text, and the order of first appearance, column by column. */
    int seen_max = -1;
    char *seen = calloc(nsst, 1);
    for (int j = 0; j < SST_COLS; j++)
        for (int i = 0; i < SST_ROWS; i++) {
            double v;
            const char *s = NULL;
            int here = pms_out_get(o, (size_t)i, (size_t)j, &v, &s);
            pms_outkind kind = pms_out_kind(o, (size_t)j);
            if (here && kind != PMS_OUT_TEXT) {
                assert_int_equal(idx[i][j], -1);
                continue;
            }
            if (here && !*s) {
                assert_true(blank[i][j] && idx[i][j] == -1);
                continue;
            }
            char *want = pms_xlsx_cell_text(here ? s : pms_out_why(o, (size_t)i, (size_t)j) ? "not computed" : "[x]");
            assert_in_range(idx[i][j], 0, nsst - 1);
            assert_string_equal(sst[idx[i][j]], want);
            free(want);
            if (!seen[idx[i][j]] && idx[i][j] > 1) { /* 0, 1: the Lines sheet's */
                assert_true(idx[i][j] > seen_max);
                seen_max = idx[i][j];
            }
            seen[idx[i][j]] = 1;
        }
    assert_true(seen_max > 300);
    for (size_t a = 0; a < nsst; a++) free(sst[a]);
    free(sst), free(seen), free(sstxml), free(longtext);
    pms_out_free(o);
}

/* io/xlsx_cells.c writes each row's start tag in place of libxlsxwriter's
 * _write_row: the symbol is ours, and every <row> is what 1.1.4 writes
 * (worksheet.c: r, spans, s and customFormat, ht as "%.16G", hidden,
 * customHeight, outlineLevel, collapsed, in that order; an empty tag for a
 * row without cells), built here with snprintf for 3,000 rows of every mix. */
static void test_rows_text(void **state)
{
    (void)state;
    char path[1024];
    lxw_workbook *wb = standin_workbook("_write_row", "rows.xlsx", path);
    lxw_worksheet *ws = workbook_add_worksheet(wb, NULL);
    lxw_format *bold = workbook_add_format(wb);
    format_set_bold(bold);
    enum { ROWS = 3000 };
    static double ht[ROWS];
    static int fmt[ROWS], hid[ROWS], lev[ROWS], col[ROWS], cells[ROWS];
    uint64_t x = 0x9E3779B97F4A7C15ULL;
    for (int r = 0; r < ROWS; r++) {
        pms_test_xorshift(&x);
        ht[r] = x % 4 == 0 ? 15.0 : x % 4 == 1 ? (double)(x >> 40) / 1e4 : (double)(1 + (x >> 8) % 400) / 4;
        fmt[r] = (x >> 3) & 1, hid[r] = ((x >> 4) & 7) == 0, lev[r] = (int)((x >> 7) % 8);
        col[r] = ((x >> 10) & 3) == 0, cells[r] = ((x >> 12) & 3) != 0;
        lxw_row_col_options o = {.hidden = (uint8_t)hid[r], .level = (uint8_t)lev[r],
                                 .collapsed = (uint8_t)col[r]};
        if (cells[r]) {
            worksheet_write_number(ws, (lxw_row_t)r, 0, r, NULL);
            worksheet_write_number(ws, (lxw_row_t)r, 2, r, NULL);
        }
        worksheet_set_row_opt(ws, (lxw_row_t)r, ht[r], fmt[r] ? bold : NULL, &o);
    }
    int sb = lxw_format_get_xf_index(bold);
    assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
    char *xml = member(path, "xl/worksheets/sheet1.xml");
    if (!xml) {
        skip(); /* no unzip */
        return;
    }
    const char *p = xml;
    for (int r = 0; r < ROWS; r++) {
        char want[512];
        int n = snprintf(want, sizeof want, "<row r=\"%d\"", r + 1);
        if (cells[r]) n += snprintf(want + n, sizeof want - (size_t)n, " spans=\"1:3\"");
        if (fmt[r]) n += snprintf(want + n, sizeof want - (size_t)n, " s=\"%d\" customFormat=\"1\"", sb);
        if (ht[r] != 15.0) n += snprintf(want + n, sizeof want - (size_t)n, " ht=\"%.16G\"", ht[r]);
        if (hid[r]) n += snprintf(want + n, sizeof want - (size_t)n, " hidden=\"1\"");
        if (ht[r] != 15.0) n += snprintf(want + n, sizeof want - (size_t)n, " customHeight=\"1\"");
        if (lev[r]) n += snprintf(want + n, sizeof want - (size_t)n, " outlineLevel=\"%d\"", lev[r]);
        if (col[r]) n += snprintf(want + n, sizeof want - (size_t)n, " collapsed=\"1\"");
        snprintf(want + n, sizeof want - (size_t)n, "%s", cells[r] ? ">" : "/>");
        p = strstr(p, "<row ");
        assert_non_null(p);
        if (strncmp(p, want, strlen(want)))
            fprintf(stderr, "row %d:\n%.*s\nwanted\n%s\n", r + 1, (int)strlen(want), p, want);
        assert_memory_equal(p, want, strlen(want));
        p++;
    }
    free(xml);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_deterministic_zip),
                                       cmocka_unit_test(test_fast_deflate),
                                       cmocka_unit_test(test_cells_text),
                                       cmocka_unit_test(test_sst_cells),
                                       cmocka_unit_test(test_rows_text),
                                       cmocka_unit_test(test_layout),
                                       cmocka_unit_test(test_print_and_look),
                                       cmocka_unit_test(test_unwritable),
                                       cmocka_unit_test(test_hostile_cells_openpyxl),
                                       cmocka_unit_test(test_hostile_parts_xml)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
