
/*
 * HMAC-SHA-256 (RFC 2104) over SHA-256 states that start after the key's
 * padded block: the same digests as OpenSSL's HMAC(), t/unit/hmac_test.c
 * compares them.
 */


/* the SHA256_* calls are the low-level ones OpenSSL 3 calls deprecated */
#ifndef OPENSSL_SUPPRESS_DEPRECATED
#define OPENSSL_SUPPRESS_DEPRECATED
#endif

#include "ngx_egov_hmac.h"

#include <string.h>

#include <openssl/crypto.h>


#define NGX_EGOV_HMAC_BLOCK  64


void
ngx_egov_hmac_key(ngx_egov_hmac_key_t *k, const unsigned char *key,
    size_t len)
{
    size_t         i;
    unsigned char  block[NGX_EGOV_HMAC_BLOCK], pad[NGX_EGOV_HMAC_BLOCK];

    memset(block, 0, sizeof(block));

    if (len > NGX_EGOV_HMAC_BLOCK) {
        SHA256(key, len, block);

    } else if (len) {
        memcpy(block, key, len);
    }

    for (i = 0; i < NGX_EGOV_HMAC_BLOCK; i++) {
        pad[i] = block[i] ^ 0x36;
    }

    SHA256_Init(&k->inner);
    SHA256_Update(&k->inner, pad, NGX_EGOV_HMAC_BLOCK);

    for (i = 0; i < NGX_EGOV_HMAC_BLOCK; i++) {
        pad[i] = block[i] ^ 0x5c;
    }

    SHA256_Init(&k->outer);
    SHA256_Update(&k->outer, pad, NGX_EGOV_HMAC_BLOCK);

    OPENSSL_cleanse(block, sizeof(block));
    OPENSSL_cleanse(pad, sizeof(pad));
}


void
ngx_egov_hmac_key_clear(ngx_egov_hmac_key_t *k)
{
    OPENSSL_cleanse(k, sizeof(ngx_egov_hmac_key_t));
}


void
ngx_egov_hmac(const ngx_egov_hmac_key_t *k, const void *data, size_t len,
    unsigned char *md)
{
    ngx_egov_hmac_t  h;

    ngx_egov_hmac_start(&h, k);
    ngx_egov_hmac_update(&h, data, len);
    ngx_egov_hmac_final(&h, md);
}


void
ngx_egov_hmac_start(ngx_egov_hmac_t *h, const ngx_egov_hmac_key_t *k)
{
    h->sha = k->inner;
    h->key = k;
}


void
ngx_egov_hmac_update(ngx_egov_hmac_t *h, const void *data, size_t len)
{
    SHA256_Update(&h->sha, data, len);
}


void
ngx_egov_hmac_final(ngx_egov_hmac_t *h, unsigned char *md)
{
    unsigned char  inner[NGX_EGOV_HMAC_LEN];

    SHA256_Final(inner, &h->sha);

    h->sha = h->key->outer;
    SHA256_Update(&h->sha, inner, NGX_EGOV_HMAC_LEN);
    SHA256_Final(md, &h->sha);
}
