/* The streaming loader on inputs big enough for its threads: typing chunk by
 * chunk on a worker while the next chunk is split, hashing on another core,
 * the file read through a read-only mapping (or from a pipe).  Expected values are computed
 * here from the cells generated (strtod of the cell text, which
 * test_numparse shows the parser matches bit for bit), so every comparison is
 * exact.
 * ctest-labels: unit */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "io/sha256.h"
#include "io/table.h"
#include "testutil.h"

enum { ROWS = 40000, LATE = 30001 };

/* 40,000 rows x 30 columns (1.2M cells: the threaded path, five chunks).
 * Columns: practice code, a quoted name (commas, doubled quotes, and a line
 * break in every 1000th), "Global Sum" (numeric by the alias table), 26
 * inferred numeric columns with missing markers, and "note", inferred, all
 * numbers until row LATE, which says "n.k.". */
static char *make_csv(size_t *len, long *late_line)
{
    pms_test_buf b = {0};
    pms_test_printf(&b, "Practice Code,Practice Name,Global Sum");
    for (int j = 0; j < 26; j++) pms_test_printf(&b, ",v%d", j);
    pms_test_printf(&b, ",note\r\n");
    long line = 2;
    for (int i = 1; i <= ROWS; i++) {
        if (i == LATE) *late_line = line;
        if (i % 1000 == 0) {
            pms_test_printf(&b, "p%05d,\"Dr \"\"A\"\", B\nC\",", i);
            line++;
        } else
            pms_test_printf(&b, "p%05d,\"Surgery %d, Town\",", i, i);
        pms_test_printf(&b, "\"\xc2\xa3%d,%03d.%02d\"", i % 999 + 1, i % 1000, i % 100);
        for (int j = 0; j < 26; j++) {
            if ((i + j) % 97 == 0) pms_test_printf(&b, ",-");
            else pms_test_printf(&b, ",%d.%02d", i * (j + 1) % 100003, (i + j) % 100);
        }
        if (i == LATE) pms_test_printf(&b, ",n.k.\r\n");
        else pms_test_printf(&b, ",%d\r\n", i);
        line++;
    }
    *len = b.len;
    return b.s;
}

static void test_streaming_types_every_chunk(void **state)
{
    (void)state;
    size_t len;
    long late_line = 0;
    char *csv = make_csv(&len, &late_line);
    pms_table *t = NULL;
    pms_err err = {{0}};
    assert_int_equal(pms_table_load_mem("big.csv", csv, len, NULL, &t, &err), PMS_OK);
    assert_int_equal(t->nrows, ROWS);
    const pms_column *code = pms_table_col(t, "practice_code");
    const pms_column *name = pms_table_col(t, "practice_name");
    const pms_column *gs = pms_table_col(t, "global_sum");
    const pms_column *note = pms_table_col(t, "note");
    assert_non_null(code);
    assert_non_null(name);
    assert_non_null(gs);
    assert_non_null(note);
    assert_int_equal(gs->type, PMS_COL_NUM);
    /* "note" became text at row LATE: every earlier row keeps its text. */
    assert_int_equal(note->type, PMS_COL_TEXT);
    assert_int_equal(note->bad_line, late_line);
    assert_string_equal(note->bad_value, "n.k.");
    size_t miss_v3 = 0;
    for (int i = 1; i <= ROWS; i++) {
        size_t r = (size_t)i - 1;
        char want[64];
        snprintf(want, sizeof want, "P%05d", i); /* codes are upper-cased */
        assert_string_equal(code->text[r], want);
        if (i % 1000 == 0) assert_string_equal(name->text[r], "Dr \"A\", B\nC");
        else {
            snprintf(want, sizeof want, "Surgery %d, Town", i);
            assert_string_equal(name->text[r], want);
        }
        snprintf(want, sizeof want, "%d%03d.%02d", i % 999 + 1, i % 1000, i % 100);
        assert_true(gs->num[r] == strtod(want, NULL));
        if (i == LATE) assert_string_equal(note->text[r], "n.k."); /* not a missing marker */
        else {
            snprintf(want, sizeof want, "%d", i);
            assert_string_equal(note->text[r], want);
        }
        for (int j = 0; j < 26; j++) {
            char nm[8];
            snprintf(nm, sizeof nm, "v%d", j);
            const pms_column *v = pms_table_col(t, nm);
            assert_int_equal(v->type, PMS_COL_NUM);
            if ((i + j) % 97 == 0) {
                assert_true(isnan(v->num[r]));
                if (j == 3) miss_v3++;
            } else {
                snprintf(want, sizeof want, "%d.%02d", i * (j + 1) % 100003, (i + j) % 100);
                assert_true(v->num[r] == strtod(want, NULL));
            }
        }
    }
    assert_int_equal(pms_table_col(t, "v3")->n_missing, miss_v3);
    pms_table_free(t);
    free(csv);
}

/* Text cells: spaces trimmed, missing markers NULL, anything else kept. */
static void test_late_text_value(void **state)
{
    (void)state;
    pms_table *t = NULL;
    pms_err err = {{0}};
    const char *csv = "a,b\n1,x\n2, n.k. \n3,-\n";
    assert_int_equal(pms_table_load_mem("s.csv", csv, strlen(csv), NULL, &t, &err), PMS_OK);
    const pms_column *b = pms_table_col(t, "b");
    assert_string_equal(b->text[1], "n.k.");
    assert_null(b->text[2]);
    pms_table_free(t);
}

/* A non-number in a numeric-kind column, late in a big file and after a
 * quoted line break: the error names the physical line and the field. */
static void test_streaming_error_line(void **state)
{
    (void)state;
    size_t len;
    long late_line = 0;
    char *csv = make_csv(&len, &late_line);
    /* Replace row LATE's Global Sum by a non-number of the same length. */
    char needle[64];
    snprintf(needle, sizeof needle, "\"\xc2\xa3%d,%03d.%02d\"", LATE % 999 + 1, LATE % 1000,
             LATE % 100);
    char tag[16];
    snprintf(tag, sizeof tag, "p%05d,", LATE);
    char *row = strstr(csv, tag);
    assert_non_null(row);
    char *cell = strstr(row, needle);
    assert_non_null(cell);
    memset(cell + 1, 'x', strlen(needle) - 2);
    pms_table *t = NULL;
    pms_err err = {{0}};
    assert_int_equal(pms_table_load_mem("big.csv", csv, len, NULL, &t, &err), PMS_EPARSE);
    char want[160];
    snprintf(want, sizeof want, "big.csv:%ld:3: not a number: '", late_line);
    assert_memory_equal(err.msg, want, strlen(want));
    assert_null(t);
    /* A truncated row later in the file is reported first, as before: the
     * file is split before its columns are typed. */
    *strrchr(csv, ',') = ';'; /* the last row has a field too few */
    assert_int_equal(pms_table_load_mem("big.csv", csv, len, NULL, &t, &err), PMS_EPARSE);
    assert_non_null(strstr(err.msg, "found 29 (truncated row)"));
    free(csv);
}

/* The digest is of the bytes as given, although the parser removes quotes and
 * writes NULs into its buffer while another thread hashes it (>= 8 MB). */
static void test_hash_while_parsing(void **state)
{
    (void)state;
    pms_test_buf b = {0};
    pms_test_printf(&b, "Practice Code,Practice Name,x\n");
    for (int i = 0; b.len < ((size_t)9 << 20); i++)
        pms_test_printf(&b, "p%06d,\"Dr \"\"%d\"\", and partners\",%d.5\n", i, i, i);
    unsigned char d[32];
    char want[65];
    pms_sha256(b.s, b.len, d);
    pms_sha256_hex(d, want);
    pms_table *t = NULL;
    pms_err err = {{0}};
    assert_int_equal(pms_table_load_mem("h.csv", b.s, b.len, NULL, &t, &err), PMS_OK);
    assert_string_equal(t->sources[0].sha256, want);
    assert_string_equal(pms_table_col(t, "practice_name")->text[7], "Dr \"7\", and partners");
    pms_table_free(t);
    free(b.s);
}

static char *write_temp(const char *data, size_t len)
{
    char *path = strdup("/tmp/pms_test_loader_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    close(fd);
    return path;
}

/* The file read through a mapping gives the table the copy in memory gives. */
static void test_mapped_file_equals_memory(void **state)
{
    (void)state;
    size_t len;
    long late_line = 0;
    char *csv = make_csv(&len, &late_line);
    char *path = write_temp(csv, len);
    pms_table *a = NULL, *b = NULL;
    pms_err err = {{0}};
    assert_int_equal(pms_table_load(path, NULL, &a, &err), PMS_OK);
    assert_int_equal(pms_table_load_mem(path, csv, len, NULL, &b, &err), PMS_OK);
    pms_test_same_table(a, b, 1);
    assert_int_equal(pms_table_col(a, "note")->bad_line, late_line);
    pms_table_free(a);
    pms_table_free(b);
    unlink(path);
    free(path);
    free(csv);
}

/* A pipe cannot be mapped: it is read into memory, with the same result. */
static void test_pipe_input(void **state)
{
    (void)state;
    const char *csv = "Practice Code,x,y\nA1,1.5,\"2,500\"\na2,-,3\n";
    int fd[2];
    assert_int_equal(pipe(fd), 0);
    assert_int_equal(write(fd[1], csv, strlen(csv)), (ssize_t)strlen(csv));
    close(fd[1]);
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd[0]);
    pms_table *t = NULL;
    pms_err err = {{0}};
    assert_int_equal(pms_table_load(path, NULL, &t, &err), PMS_OK);
    close(fd[0]);
    assert_int_equal(t->nrows, 2);
    assert_string_equal(pms_table_col(t, "practice_code")->text[1], "A2");
    assert_true(pms_table_col(t, "x")->num[0] == 1.5);
    assert_true(isnan(pms_table_col(t, "x")->num[1]));
    assert_true(pms_table_col(t, "y")->num[0] == 2500.0);
    pms_table_free(t);
}

/* The last cell is a number ending exactly at a page boundary of the
 * mapping (no line end after it): nothing may be read past the file. */
static void test_number_at_page_end(void **state)
{
    (void)state;
    char *csv = malloc(4096);
    const char *head = "a,b\n";
    size_t n = strlen(head);
    memcpy(csv, head, n);
    while (n < 4096 - 40) {
        memcpy(csv + n, "1,2.25\n", 7);
        n += 7;
    }
    memcpy(csv + n, "7,", 2);
    n += 2;
    memset(csv + n, '9', 4096 - n); /* one long number up to the last byte */
    csv[n] = '3';
    char *path = write_temp(csv, 4096);
    pms_table *t = NULL;
    pms_err err = {{0}};
    assert_int_equal(pms_table_load(path, NULL, &t, &err), PMS_OK);
    char last[64];
    memcpy(last, csv + n, 4096 - n);
    last[4096 - n] = '\0';
    assert_true(pms_table_col(t, "b")->num[t->nrows - 1] == strtod(last, NULL));
    pms_table_free(t);
    /* The same with a short last number (the eight-byte reader's case). */
    memcpy(csv + 4096 - 4, "\n5,6", 4);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(csv, 1, 4096, f), 4096);
    fclose(f);
    assert_int_equal(pms_table_load(path, NULL, &t, &err), PMS_OK);
    assert_true(pms_table_col(t, "b")->num[t->nrows - 1] == 6.0);
    pms_table_free(t);
    unlink(path);
    free(path);
    free(csv);
}

/* An inferred column of quoted numbers that turns to text in a later chunk:
 * its earlier cells are found again in the file, quotes removed. */
static void test_quoted_column_turns_text(void **state)
{
    (void)state;
    pms_test_buf b = {0};
    pms_test_printf(&b, "Practice Code,\"memo, as written\",Global Sum\n");
    for (int i = 0; i < 3 * 8192 + 5; i++) {
        if (i == 2 * 8192 + 3) pms_test_printf(&b, "q%d,\"see \"\"note\"\"\",%d\n", i, i);
        else pms_test_printf(&b, "q%d,\"%d,%03d\",%d\n", i, i / 1000 + 1, i % 1000, i);
    }
    char *path = write_temp(b.s, b.len);
    pms_table *t = NULL;
    pms_err err = {{0}};
    assert_int_equal(pms_table_load(path, NULL, &t, &err), PMS_OK);
    const pms_column *m = pms_table_col(t, "memo_as_written");
    assert_non_null(m);
    assert_int_equal(m->type, PMS_COL_TEXT);
    assert_string_equal(m->bad_value, "see \"note\"");
    for (int i = 0; i < 3 * 8192 + 5; i++) {
        char want[32];
        if (i == 2 * 8192 + 3) snprintf(want, sizeof want, "see \"note\"");
        else snprintf(want, sizeof want, "%d,%03d", i / 1000 + 1, i % 1000);
        assert_string_equal(m->text[i], want);
        assert_true(pms_table_col(t, "global_sum")->num[i] == i);
    }
    pms_table_free(t);
    unlink(path);
    free(path);
    free(b.s);
}

/* A file of 4 GiB or more is refused at once, with its wording, before a
 * byte is read (a sparse file: no disk space, and all NULs, which the old
 * reader only reported after reading all of it into memory). */
static void test_refuse_4gib(void **state)
{
    (void)state;
    char path[] = "/tmp/pms_test_4gib_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    int ok = ftruncate(fd, (off_t)((uint64_t)4 << 30) + 10) == 0;
    close(fd);
    if (!ok) {
        unlink(path);
        skip();
    }
    pms_table *t = NULL;
    pms_err err = {{0}};
    assert_int_equal(pms_table_load(path, NULL, &t, &err), PMS_EIO);
    char want[128];
    snprintf(want, sizeof want, "%s: file of 4 GiB or more is not supported", path);
    assert_string_equal(err.msg, want);
    assert_null(t);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_streaming_types_every_chunk),
        cmocka_unit_test(test_late_text_value),
        cmocka_unit_test(test_streaming_error_line),
        cmocka_unit_test(test_hash_while_parsing),
        cmocka_unit_test(test_mapped_file_equals_memory),
        cmocka_unit_test(test_pipe_input),
        cmocka_unit_test(test_number_at_page_end),
        cmocka_unit_test(test_quoted_column_turns_text),
        cmocka_unit_test(test_refuse_4gib),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
