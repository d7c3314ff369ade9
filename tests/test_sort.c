/* ctest-labels: unit */
/* analysis/sort.h against a stable comparison sort (glibc's qsort on (value,
 * index), which the callers used before): the same order, ties included,
 * for values of every sign and magnitude, many ties, -0 beside +0, and
 * infinities. */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/sort.h"

typedef struct {
    double v;
    size_t i;
} pair;

static int cmp_pair(const void *a, const void *b)
{
    const pair *x = a, *y = b;
    if (x->v != y->v) return x->v < y->v ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

static uint64_t state = 0x853C49E6748FEA9BULL;

static double draw(int kind)
{
    pms_test_xorshift(&state);
    double u = (double)(state >> 11) / 9007199254740992.0;
    switch (kind) {
    case 0: return (u - 0.5) * pow(10, (int)(state % 40) - 20); /* every magnitude, both signs */
    case 1: return (double)(state % 17) - 8;                    /* many ties */
    case 2: return state % 3 == 0 ? 0.0 : state % 3 == 1 ? -0.0 : u; /* -0 beside +0 */
    default: return state % 50 == 0 ? (state & 64 ? INFINITY : -INFINITY) : u * 1e6;
    }
}

static void test_against_qsort(void **st)
{
    (void)st;
    const size_t sizes[] = {0, 1, 2, 7, 1000, 8000, 100000};
    for (int kind = 0; kind < 4; kind++)
        for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
            size_t n = sizes[s];
            double *v = malloc((n + 1) * sizeof *v);
            size_t *ord = malloc((n + 1) * sizeof *ord);
            pair *p = malloc((n + 1) * sizeof *p);
            pms_sort_key *k = malloc((n + 1) * sizeof *k);
            for (size_t i = 0; i < n; i++) {
                v[i] = draw(kind);
                p[i] = (pair){v[i], i};
                k[i] = (pms_sort_key){v[i], i};
            }
            qsort(p, n, sizeof *p, cmp_pair);
            assert_int_equal(pms_sort_index(v, n, ord), PMS_OK);
            assert_int_equal(pms_sort_keys(k, n), PMS_OK);
            double *w = malloc((n + 1) * sizeof *w);
            memcpy(w, v, n * sizeof *v);
            assert_int_equal(pms_sort_values(w, n), PMS_OK); /* -0 and +0 in the order given */
            for (size_t j = 0; j < n; j++) {
                assert_int_equal(ord[j], p[j].i);
                assert_int_equal(k[j].idx, p[j].i);
                assert_memory_equal(&k[j].key, &v[p[j].i], sizeof(double));
                assert_memory_equal(&w[j], &v[p[j].i], sizeof(double));
            }
            free(w);
            free(v);
            free(ord);
            free(p);
            free(k);
        }
}

/* pms_sort_order refines the order it is given: sorting by y, then by x,
 * gives (x, y) order. */
static void test_refine(void **st)
{
    (void)st;
    enum { N = 5000 };
    static double x[N], y[N];
    static size_t ord[N];
    for (size_t i = 0; i < N; i++) {
        x[i] = draw(1);
        y[i] = draw(1);
    }
    assert_int_equal(pms_sort_index(y, N, ord), PMS_OK);
    assert_int_equal(pms_sort_order(x, N, ord), PMS_OK);
    for (size_t j = 1; j < N; j++) {
        size_t a = ord[j - 1], b = ord[j];
        assert_true(x[a] < x[b] || (x[a] == x[b] && (y[a] < y[b] || (y[a] == y[b] && a < b))));
    }
}

typedef struct {
    uint64_t k;
    size_t i;
} upair;

static int cmp_upair(const void *a, const void *b)
{
    const upair *x = a, *y = b;
    if (x->k != y->k) return x->k < y->k ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

/* pms_sort_u64 against a stable qsort on (key, index): keys of every width
 * (so that a byte every key shares is skipped, and the top bit is set), and
 * many ties. */
static void test_u64(void **st)
{
    (void)st;
    const size_t sizes[] = {0, 1, 2, 7, 1000, 8000, 100000};
    for (int kind = 0; kind < 3; kind++)
        for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
            size_t n = sizes[s];
            uint64_t *k = malloc((n + 1) * sizeof *k);
            size_t *ord = malloc((n + 1) * sizeof *ord);
            upair *p = malloc((n + 1) * sizeof *p);
            for (size_t i = 0; i < n; i++) {
                pms_test_xorshift(&state);
                k[i] = kind == 0   ? state
                       : kind == 1 ? (state % 23) << 40 | 0x4142430000000000ULL
                                   : (state & 0xFF00FF0000000000ULL) | (state % 5);
                p[i] = (upair){k[i], i};
                ord[i] = i;
            }
            qsort(p, n, sizeof *p, cmp_upair);
            assert_int_equal(pms_sort_u64(k, n, ord), PMS_OK);
            for (size_t j = 0; j < n; j++) assert_int_equal(ord[j], p[j].i);
            free(k);
            free(ord);
            free(p);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_against_qsort),
                                       cmocka_unit_test(test_refine),
                                       cmocka_unit_test(test_u64)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
