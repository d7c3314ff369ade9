/* Stand-ins for malloc, calloc, realloc and free shared by the
 * out-of-memory tests (test_load_oom, test_out_oom): once armed, the
 * allocation numbered fail_at returns NULL (errno ENOMEM, as glibc's);
 * `live` counts the blocks allocated and not freed, so that a call that
 * fails can be checked to have freed all it allocated; while `sites` is
 * set, each allocation's return address is kept there.  glibc's __libc_*
 * do the work.  AddressSanitizer and valgrind stand in for malloc
 * themselves: PMS_OOM_SKIP is defined under the former, and standing_in()
 * is 0 under the latter; a test then exits 77 (PMS_OOM_MAIN_SKIP). Include
 * once, in the test's one source file. */
#ifndef PMS_OOM_STANDIN_H
#define PMS_OOM_STANDIN_H

#include <errno.h>
#include <stddef.h>
#include <stdio.h>

#if defined(__SANITIZE_ADDRESS__)
#define PMS_OOM_SKIP 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PMS_OOM_SKIP 1
#endif
#endif

#ifndef PMS_OOM_SKIP
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);

static long counted, live;
/* (volatile: the compiler takes malloc for the C library's, which could
 * not read them, and would drop a store made just before a call.) */
static volatile long fail_at = -1;
static volatile int armed;
static void **sites;
static size_t nsites, capsites;
static void *failed_site;

static void *note_site(void *where)
{
    if (sites && nsites < capsites) sites[nsites++] = where;
    return where;
}

static int fail_now(void *where)
{
    if (!armed) return 0;
    note_site(where);
    if (__atomic_add_fetch(&counted, 1, __ATOMIC_RELAXED) != fail_at) return 0;
    failed_site = where;
    errno = ENOMEM; /* as glibc's malloc: fopen's failure says why */
    return 1;
}

static void *counted_block(void *p)
{
    if (p) __atomic_add_fetch(&live, 1, __ATOMIC_RELAXED);
    return p;
}

#define PMS_OOM_CALLER __builtin_return_address(0)
void *malloc(size_t n) { return fail_now(PMS_OOM_CALLER) ? NULL : counted_block(__libc_malloc(n)); }
void *calloc(size_t n, size_t m)
{
    return fail_now(PMS_OOM_CALLER) ? NULL : counted_block(__libc_calloc(n, m));
}
void *realloc(void *p, size_t n)
{
    if (fail_now(PMS_OOM_CALLER)) return NULL;
    void *q = __libc_realloc(p, n);
    if (!p) counted_block(q);
    else if (!n) __atomic_sub_fetch(&live, 1, __ATOMIC_RELAXED);
    return q;
}
void free(void *p)
{
    if (p) __atomic_sub_fetch(&live, 1, __ATOMIC_RELAXED);
    __libc_free(p);
}

/* 1 if the allocations of this program come to the functions above (not
 * so under valgrind, which replaces them wherever they are). */
static int standing_in(void)
{
    counted = 0, fail_at = 1, armed = 1;
    void *volatile p = malloc(16);
    armed = 0;
    free(p);
    return p == NULL;
}
#endif

/* The start of main: exit 77 (a skip) where the stand-ins cannot work. */
#ifdef PMS_OOM_SKIP
#define PMS_OOM_MAIN_SKIP()                                                                   \
    do {                                                                                      \
        printf("skipped: this test stands in for malloc, as AddressSanitizer does\n");       \
        return 77;                                                                            \
    } while (0)
#else
#define PMS_OOM_MAIN_SKIP()                                                                   \
    do {                                                                                      \
        if (!standing_in()) {                                                                 \
            printf("skipped: malloc is replaced by another tool (valgrind?)\n");              \
            return 77;                                                                        \
        }                                                                                     \
    } while (0)
#endif

#endif
