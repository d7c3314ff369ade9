/* ctest-labels: unit */
/* SHA-256 for provenance: FIPS 180-4 example vectors through both paths and a
 * real dataset's digest (from coreutils sha256sum).  The SHA-NI path against
 * the portable one is tests/test_sha256_ni.c (skipped on CPUs without SHA-NI). */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/sha256.h"

static void hex_of(void (*f)(const void *, size_t, unsigned char *), const void *d, size_t n,
                   char hex[65])
{
    unsigned char dig[32];
    f(d, n, dig);
    pms_sha256_hex(dig, hex);
}

static void test_fips_vectors(void **state)
{
    (void)state;
    static const struct { const char *msg; const char *want; } v[] = {
        {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    };
    char hex[65];
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        hex_of(pms_sha256, v[i].msg, strlen(v[i].msg), hex);
        assert_string_equal(hex, v[i].want);
        hex_of(pms_sha256_portable, v[i].msg, strlen(v[i].msg), hex);
        assert_string_equal(hex, v[i].want);
    }
    char *a = malloc(1000000);
    memset(a, 'a', 1000000);
    hex_of(pms_sha256, a, 1000000, hex);
    assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(a);
}

static void test_dataset_digest(void **state)
{
    (void)state;
    char *path = pms_test_path(PMS_DATASETS_DIR, "nhs-payments/nhs-payments-gp-2014-15.csv");
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *buf = malloc((size_t)n);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    char hex[65];
    hex_of(pms_sha256, buf, (size_t)n, hex);   /* sha256sum of the shipped file */
    assert_string_equal(hex, "5c6befeb255f14091fa2022e052cb031485ee639b22d05bda42fb94f7a5a7e6d");
    free(buf);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fips_vectors),
        cmocka_unit_test(test_dataset_digest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
