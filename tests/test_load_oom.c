/* Running out of memory anywhere while a file is loaded, its numeric
 * columns kept as integers (rescaled, widened to doubles), its measures
 * derived and counted, a column looked up and rows kept: every allocation
 * in turn is made to fail, once, and the call must then return PMS_OK with
 * the table it gives without the failure, or PMS_ENOMEM with nothing
 * leaked or half-built (never a crash or another status); the same for
 * pms_dataset_open (files joined, --derive, --where).  One thread, so
 * that the n-th allocation is the same one every time.
 *
 * The test stands in for malloc, calloc, realloc and free (tests/oom_standin.h; glibc's
 * __libc_* do the work), so it cannot run under AddressSanitizer or
 * valgrind, which stand in for them themselves: there it exits 77 (a
 * skip; tests/valgrind.sh and the ASan run of .ci/run say so).
 * ctest-labels: unit */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "io/table.h"
#include "testutil.h"

#include "oom_standin.h"

#ifndef PMS_OOM_SKIP

/* A file whose columns go through every state: whole numbers; pence from
 * the first row; whole numbers then one, then three decimals (two
 * rescales); numbers then more than four decimals (widened to doubles);
 * numbers then a word (text); the payment columns the measures need. */
static char *make_csv(size_t rows, size_t *len)
{
    pms_test_buf b = {0};
    pms_test_printf(&b, "Practice Code,CCG Code,Total NHS Payments to General Practice,"
                        "Number of Registered Patients (Last Known Figure),"
                        "Number of Weighted Patients (Last Known Figure),Global Sum,"
                        "MPIG Correction factor,Balance of PMS Expenditure,Premises Payments,"
                        "Prescribing Fee Payments,Dispensing Fee Payments,Reimbursement of Drugs,"
                        "whole,pence,late,wide,turn\n");
    for (size_t i = 0; i < rows; i++) {
        pms_test_printf(&b, "P%05zu,%s,%zu.%02zu,%zu,%zu.5,%zu,%s,0,%zu,1,2,3,", i,
                        i % 3 ? "11H" : "15C", 1000 + i, i % 100, i % 7 ? 5000 + i : 0,
                        4000 + i, 300 + i, i % 11 ? "7" : "-", i % 13);
        pms_test_printf(&b, "%zu,%zu.%02zu,", i * 37 % 1000, i, i % 100);
        if (i < rows / 3) pms_test_printf(&b, "%zu,", i);
        else if (i < 2 * rows / 3) pms_test_printf(&b, "%zu.%zu,", i, i % 10);
        else pms_test_printf(&b, "%zu.%03zu,", i, i % 1000);
        if (i < rows / 2) pms_test_printf(&b, "%zu,", i);
        else pms_test_printf(&b, "%zu.123456,", i);
        if (i < rows - 3) pms_test_printf(&b, "%zu\n", i);
        else pms_test_printf(&b, "word%zu\n", i);
    }
    *len = b.len;
    return b.s;
}

/* A second file to join: deprivation for most practices, a code twice, a
 * code the practice table lacks. */
static const char right_csv[] = "Practice Code,imd2015\nP00001,12.5\nP00002,30.25\nP00002,1\n"
                                "P00007,-\nZ99999,8\n";

/* Load, join, derive, look up a measure and a file column, keep two rows
 * in three: the first status that is not PMS_OK, or PMS_OK and *out. */
static pms_status run(const char *csv, size_t len, pms_table **out)
{
    pms_load_opts o;
    pms_load_opts_default(&o);
    o.threads = 1;
    pms_err err;
    pms_table *t = NULL, *r = NULL;
    pms_status st = pms_table_load_mem("oom.csv", csv, len, &o, &t, &err);
    if (st) return st;
    if ((st = pms_table_load_mem("imd.csv", right_csv, sizeof right_csv - 1, &o, &r, &err)) ||
        (st = pms_table_join(t, r, &err))) {
        pms_table_free(r);
        pms_table_free(t);
        return st;
    }
    pms_table_free(r);
    const double *v;
    if ((st = pms_table_derive_standard(t, &err)) ||
        (st = pms_table_numeric(t, "payments_per_weighted", &v, &err)) ||
        (st = pms_table_numeric(t, "late", &v, &err))) {
        pms_table_free(t);
        return st;
    }
    unsigned char *keep = malloc(t->nrows ? t->nrows : 1);
    if (!keep) {
        pms_table_free(t);
        return PMS_ENOMEM;
    }
    for (size_t i = 0; i < t->nrows; i++) keep[i] = i % 3 != 0;
    st = pms_table_keep_rows(t, keep, &err);
    free(keep);
    if (st) {
        pms_table_free(t);
        return st;
    }
    *out = t;
    return PMS_OK;
}

/* One way of making a table, from what it is given. */
typedef pms_status (*maker)(const void *arg, pms_table **out);

/* make() with each of its allocations failing in turn, against the table it
 * makes without a failure: the count of allocations. */
static long fail_each(maker make, const void *arg)
{
    pms_table *ref = NULL;
    assert_int_equal(make(arg, &ref), PMS_OK);
    long n = 1, nomem = 0;
    for (;; n++) {
        pms_table *t = NULL;
        long live0 = live;
        counted = 0, fail_at = n, armed = 1;
        pms_status st = make(arg, &t);
        armed = 0;
        int failed = counted >= n;
        if (st == PMS_ENOMEM) {
            assert_true(failed);
            assert_null(t);
            if (live != live0) printf("allocation %ld: %ld blocks left allocated\n", n, live - live0);
            assert_int_equal(live, live0); /* nothing leaked */
            nomem++;
            continue;
        }
        assert_int_equal(st, PMS_OK);
        pms_test_same_table(ref, t, 0);
        pms_table_free(t);
        if (!failed) break; /* every allocation has failed once */
    }
    printf("allocations: %ld, of which %ld made the call fail\n", n - 1, nomem);
    assert_true(nomem > 20);
    pms_table_free(ref);
    return n - 1;
}

typedef struct {
    const char *csv;
    size_t len;
} mem_file;

static pms_status run_mem(const void *arg, pms_table **out)
{
    const mem_file *f = arg;
    return run(f->csv, f->len, out);
}

static void test_every_allocation_fails_once(void **state)
{
    (void)state;
    mem_file f;
    char *csv = make_csv(20000, &f.len); /* three chunks of 8,192 rows */
    f.csv = csv;
    pms_table *ref = NULL;
    assert_int_equal(run(csv, f.len, &ref), PMS_OK);
    assert_int_equal(ref->cols[16].type, PMS_COL_TEXT); /* "turn" became text */
    pms_table_free(ref);
    fail_each(run_mem, &f);
    free(csv);
}

/* What a command does first (pms_dataset_open): two files from disk,
 * joined, measures, a --derive with undefined rows and a --where. */
static pms_status run_dataset(const void *arg, pms_table **out)
{
    return pms_dataset_open(arg, out, &(pms_err){{0}});
}

static void write_file(const char *path, const char *s, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(s, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static void test_dataset_open_fails_cleanly(void **state)
{
    (void)state;
    char dir[] = "/tmp/pms-oom-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char main_path[64], imd_path[64];
    snprintf(main_path, sizeof main_path, "%s/main.csv", dir);
    snprintf(imd_path, sizeof imd_path, "%s/imd.csv", dir);
    size_t len;
    char *csv = make_csv(3000, &len);
    write_file(main_path, csv, len);
    write_file(imd_path, right_csv, sizeof right_csv - 1);
    const char *data[] = {main_path, imd_path};
    const char *derive[] = {"lw=log(whole)"}; /* whole is 0 in some rows: undefined */
    const char *where[] = {"ccg_code=11H"};
    pms_data_opts o;
    memset(&o, 0, sizeof o);
    o.data = data, o.ndata = 2;
    o.derive = derive, o.nderive = 1;
    o.where = where, o.nwhere = 1;
    fail_each(run_dataset, &o);
    free(csv);
    remove(main_path);
    remove(imd_path);
    remove(dir);
}

#endif

int main(void)
{
    PMS_OOM_MAIN_SKIP();
#ifndef PMS_OOM_SKIP
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_allocation_fails_once),
        cmocka_unit_test(test_dataset_open_fails_cleanly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
#endif
}
