/* The two costs every load of a file pays whatever its parser does, each
 * alone, so that bench_load.sh can set them beside the loader's CPU time
 * in the same rounds (issue 15 asks for 500 MB/s per core):
 *   bench_floor sha FILE    map FILE read-only and take its SHA-256 with
 *                           pms_sha256 (SHA-NI when the CPU has it), as the
 *                           loader does for the provenance;
 *   bench_floor touch MB    allocate MB megabytes (10^6 bytes), write one
 *                           byte in every 4 KiB page and free them: the
 *                           kernel's faults and zeroing of a table of that
 *                           size in fresh memory, and its unmapping.
 * The work is done once; /usr/bin/time measures it (CPU = user + system). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/sha256.h"

static int hash_file(const char *path)
{
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) || st.st_size <= 0) {
        fprintf(stderr, "bench_floor: %s: cannot read\n", path);
        return 1;
    }
    void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (p == MAP_FAILED) {
        fprintf(stderr, "bench_floor: %s: cannot map\n", path);
        return 1;
    }
    unsigned char d[32];
    char hex[65];
    pms_sha256(p, (size_t)st.st_size, d);
    pms_sha256_hex(d, hex);
    munmap(p, (size_t)st.st_size);
    printf("%s  %s (%s)\n", hex, path, pms_sha256_accelerated() ? "SHA-NI" : "portable");
    return 0;
}

static int touch(const char *mb)
{
    char *end;
    double m = strtod(mb, &end);
    if (*end || !(m > 0 && m < 1e6)) {
        fprintf(stderr, "bench_floor: touch: %s is not a size in MB\n", mb);
        return 1;
    }
    size_t n = (size_t)(m * 1e6);
    /* (volatile: the stores must not be dropped before the free.) */
    volatile char *p = malloc(n);
    if (!p) {
        fprintf(stderr, "bench_floor: touch: out of memory\n");
        return 1;
    }
    for (size_t i = 0; i < n; i += 4096) p[i] = 1;
    free((void *)p);
    printf("touched %zu bytes\n", n);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "sha")) return hash_file(argv[2]);
    if (argc == 3 && !strcmp(argv[1], "touch")) return touch(argv[2]);
    fprintf(stderr, "usage: bench_floor sha FILE | bench_floor touch MB\n");
    return 1;
}
