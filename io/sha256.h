/* SHA-256 (FIPS 180-4) for provenance: each input file's digest goes into the
 * report so a reader can tell exactly which data a number came from. */
#ifndef PMS_SHA256_H
#define PMS_SHA256_H

#include <stddef.h>
#include <stdint.h>

void pms_sha256(const void *data, size_t len, unsigned char digest[32]);
/* The portable implementation, and whether pms_sha256 uses the CPU's SHA
 * extensions instead; both exist so tests can check the two agree. */
void pms_sha256_portable(const void *data, size_t len, unsigned char digest[32]);
int pms_sha256_accelerated(void);
/* The same in pieces: begin, feed whole 64-byte blocks, end with the rest
 * (any length); the digest equals pms_sha256 of the concatenation. */
typedef struct {
    uint32_t h[8];
    uint64_t len;
    void (*blocks)(uint32_t *, const unsigned char *, size_t);
} pms_sha256_state;
void pms_sha256_begin(pms_sha256_state *s);
void pms_sha256_feed(pms_sha256_state *s, const void *data, size_t nblocks);
void pms_sha256_end(pms_sha256_state *s, const void *rest, size_t n, unsigned char digest[32]);

void pms_sha256_hex(const unsigned char digest[32], char hex[65]);

#endif
