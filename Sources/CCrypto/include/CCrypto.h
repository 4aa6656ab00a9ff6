#ifndef CHALK_CCRYPTO_H
#define CHALK_CCRYPTO_H
#include <stddef.h>
#include <stdint.h>

/// Streaming SHA-256 over OpenSSL's libcrypto (hardware-accelerated where the CPU allows).
/// libcrypto is linked anyway for libcurl's TLS, so hashing costs no extra dependency.
typedef struct chalk_sha256_ctx chalk_sha256_ctx;

chalk_sha256_ctx *chalk_sha256_new(void);
int chalk_sha256_update(chalk_sha256_ctx *ctx, const void *data, size_t len);
/// Writes 32 bytes to out and frees ctx.
int chalk_sha256_final(chalk_sha256_ctx *ctx, uint8_t out[32]);
void chalk_sha256_free(chalk_sha256_ctx *ctx);
/// One-shot convenience.
int chalk_sha256(const void *data, size_t len, uint8_t out[32]);

#endif
