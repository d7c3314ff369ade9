#include "analysis/sort.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    uint64_t k;
    size_t i;
} rkey;

static uint64_t sort_key(double v)
{
    if (v == 0) v = 0.0;
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    return (u >> 63) ? ~u : u | 0x8000000000000000ULL;
}

/* Sort a[0..n) stably by k, with b[0..n) as scratch; returns the buffer
 * holding the result (a or b).  The eight byte histograms are counted in
 * one pass; a byte every key shares costs no pass. */
static rkey *radix(rkey *a, rkey *b, size_t n)
{
    size_t count[8][256] = {{0}};
    for (size_t j = 0; j < n; j++)
        for (int p = 0; p < 8; p++) count[p][(a[j].k >> (8 * p)) & 0xff]++;
    for (int p = 0; p < 8; p++) {
        size_t *c = count[p], pos = 0;
        if (n && c[(a[0].k >> (8 * p)) & 0xff] == n) continue;
        for (int d = 0; d < 256; d++) {
            size_t t = c[d];
            c[d] = pos;
            pos += t;
        }
        for (size_t j = 0; j < n; j++) b[c[(a[j].k >> (8 * p)) & 0xff]++] = a[j];
        rkey *t = a;
        a = b;
        b = t;
    }
    return a;
}

/* ord[0..n) refined by the keys of v (doubles) or of key (integers),
 * whichever is given: the one radix pass of pms_sort_order and
 * pms_sort_u64. */
static pms_status refine(const double *v, const uint64_t *key, size_t n, size_t *ord)
{
    rkey *a = malloc((n ? 2 * n : 1) * sizeof *a);
    if (!a) return PMS_ENOMEM;
    for (size_t j = 0; j < n; j++) {
        a[j].i = ord[j];
        a[j].k = v ? sort_key(v[ord[j]]) : key[ord[j]];
    }
    rkey *r = radix(a, a + n, n);
    for (size_t j = 0; j < n; j++) ord[j] = r[j].i;
    free(a);
    return PMS_OK;
}

pms_status pms_sort_order(const double *v, size_t n, size_t *ord)
{
    return refine(v, NULL, n, ord);
}

pms_status pms_sort_u64(const uint64_t *key, size_t n, size_t *ord)
{
    return refine(NULL, key, n, ord);
}

pms_status pms_sort_index(const double *v, size_t n, size_t *ord)
{
    for (size_t j = 0; j < n; j++) ord[j] = j;
    return pms_sort_order(v, n, ord);
}

pms_status pms_sort_values(double *v, size_t n)
{
    size_t *ord = malloc((n ? n : 1) * sizeof *ord);
    double *t = malloc((n ? n : 1) * sizeof *t);
    pms_status st = ord && t ? pms_sort_index(v, n, ord) : PMS_ENOMEM;
    if (!st) {
        for (size_t i = 0; i < n; i++) t[i] = v[ord[i]];
        memcpy(v, t, n * sizeof *v);
    }
    free(ord), free(t);
    return st;
}

pms_status pms_sort_keys(pms_sort_key *k, size_t n)
{
    rkey *a = malloc((n ? 2 * n : 1) * sizeof *a);
    pms_sort_key *c = malloc((n ? n : 1) * sizeof *c);
    if (!a || !c) {
        free(a);
        free(c);
        return PMS_ENOMEM;
    }
    for (size_t j = 0; j < n; j++) {
        a[j].i = j;
        a[j].k = sort_key(k[j].key);
    }
    rkey *r = radix(a, a + n, n);
    for (size_t j = 0; j < n; j++) c[j] = k[r[j].i];
    memcpy(k, c, n * sizeof *k);
    free(a);
    free(c);
    return PMS_OK;
}
