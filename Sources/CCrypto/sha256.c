#include "CCrypto.h"
#include <openssl/evp.h>

struct chalk_sha256_ctx { EVP_MD_CTX *md; };

chalk_sha256_ctx *chalk_sha256_new(void) {
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (!md) return NULL;
    if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) { EVP_MD_CTX_free(md); return NULL; }
    chalk_sha256_ctx *ctx = (chalk_sha256_ctx *)OPENSSL_malloc(sizeof *ctx);
    if (!ctx) { EVP_MD_CTX_free(md); return NULL; }
    ctx->md = md;
    return ctx;
}

int chalk_sha256_update(chalk_sha256_ctx *ctx, const void *data, size_t len) {
    if (len == 0) return 1;
    return EVP_DigestUpdate(ctx->md, data, len);
}

int chalk_sha256_final(chalk_sha256_ctx *ctx, uint8_t out[32]) {
    unsigned int n = 0;
    int ok = EVP_DigestFinal_ex(ctx->md, out, &n);
    chalk_sha256_free(ctx);
    return ok == 1 && n == 32;
}

void chalk_sha256_free(chalk_sha256_ctx *ctx) {
    if (!ctx) return;
    EVP_MD_CTX_free(ctx->md);
    OPENSSL_free(ctx);
}

int chalk_sha256(const void *data, size_t len, uint8_t out[32]) {
    unsigned int n = 0;
    return EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) == 1 && n == 32;
}
