/* ctest-labels: unit */
/* SHA-256: the SHA-NI path against the portable one on every length from 0 to
 * 1000 bytes (all padding cases, one and two tail blocks).  On a CPU without
 * SHA-NI both calls run the portable code, so the comparison would prove
 * nothing: the program exits 77 and ctest reports a skip, not a pass. */
#include "testutil.h"

#include <stdio.h>

#include "io/sha256.h"

static void test_paths_agree(void **state)
{
    (void)state;
    unsigned char buf[1000];
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < sizeof buf; i++) {   /* xorshift32: high-entropy bytes */
        x ^= x << 13; x ^= x >> 17; x ^= x << 5;
        buf[i] = (unsigned char)x;
    }
    for (size_t n = 0; n <= sizeof buf; n++) {
        unsigned char a[32], b[32];
        pms_sha256(buf, n, a);
        pms_sha256_portable(buf, n, b);
        assert_memory_equal(a, b, 32);
    }
}

int main(void)
{
    if (!pms_sha256_accelerated()) {
        printf("SKIP: this CPU has no SHA-NI: only the portable SHA-256 path can run here\n");
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paths_agree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
