/* Helpers shared by the cmocka test programs.  Include after cmocka.h's
 * prerequisites (stdarg.h, stddef.h, setjmp.h, stdint.h). */
#ifndef PMS_TESTUTIL_H
#define PMS_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

/* |got - want| <= tol * max(|want|, tiny): relative tolerance, stated at each call. */
#define assert_rel(got, want, tol) pms_assert_rel((got), (want), (tol), #got, __FILE__, __LINE__)
/* |got - want| <= tol: absolute tolerance, for values near zero. */
#define assert_abs(got, want, tol) pms_assert_abs((got), (want), (tol), #got, __FILE__, __LINE__)

void pms_assert_rel(double got, double want, double tol, const char *expr,
                    const char *file, int line);
void pms_assert_abs(double got, double want, double tol, const char *expr,
                    const char *file, int line);

/* 0 when running under valgrind (whose x87 emulation has 64-bit long
 * doubles): precision comparisons then relax (see testutil.c), 1 otherwise. */
int pms_test_numeric_strict(void);

/* Log relative error, -log10(|got - want| / |want|), capped at 15 (NIST StRD's score). */
double pms_lre(double got, double want);

/* Path of a file under datasets/ or the source tree; static buffer per call site not
 * needed: returns a malloc'd string the test frees. */
char *pms_test_path(const char *root, const char *rel);

/* Read a whole reference file (tests/reference/...) as a malloc'd NUL-terminated string. */
char *pms_test_slurp(const char *path);
/* The same for any file, its length in *len (may be NULL): binary files too. */
char *pms_test_slurp_n(const char *path, size_t *len);

/* A growing text buffer for generated test inputs: pms_test_printf appends
 * (the test fails if memory runs out); free b->s when done. */
typedef struct {
    char *s;
    size_t len, cap;
} pms_test_buf;
void pms_test_printf(pms_test_buf *b, const char *fmt, ...);

/* The next value of a xorshift64 generator (13, 7, 17) in *state (not 0):
 * generated test data that is the same on every run. */
static inline uint64_t pms_test_xorshift(uint64_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return *state;
}

/* Look up "key value" lines in a reference output: returns the number after
 * `key` on the line that starts with it (keys are unique per file); fails the
 * test if absent. */
double pms_ref_value(const char *text, const char *key);

/* The real 2014/15 payments joined to practice IMD (datasets/), optionally
 * filtered by one --where expression, through pms_dataset_open; NULL (with the
 * message on stderr) if it cannot be loaded.  Free with pms_table_free. */
#include "io/table.h"
pms_table *pms_test_open_2014_imd(const char *where);

/* Two tables are the same, field by field: sources, notes, line numbers,
 * every column's name, header, kind, missing count and first non-number,
 * every text cell byte for byte and every number bit for bit (derived
 * measures computed for the comparison).  state: also require that the
 * same derived measures were already computed in both. */
void pms_test_same_table(const pms_table *a, const pms_table *b, int state);

#endif
