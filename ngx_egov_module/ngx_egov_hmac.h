
/*
 * HMAC-SHA-256 with the key's two padded blocks hashed once, when the key
 * is made: a message then costs its own blocks and two more.  OpenSSL's
 * one-call HMAC() fetches the digest and hashes the key again at each
 * call (1.26 us against 0.15 us for 100 bytes on the bench machine), and
 * the consent cookie of every returning visitor, the fleet's messages and
 * entries and the hashed log addresses were paying it per use.
 * Plain C and OpenSSL, no nginx types: unit-tested and fuzzed with the
 * code that uses it.
 */


#ifndef _NGX_EGOV_HMAC_H_INCLUDED_
#define _NGX_EGOV_HMAC_H_INCLUDED_


#include <stddef.h>

#include <openssl/sha.h>


#define NGX_EGOV_HMAC_LEN  32


/* a key, ready: as secret as the key itself */
typedef struct {
    SHA256_CTX  inner;
    SHA256_CTX  outer;
} ngx_egov_hmac_key_t;

/* one message being hashed in parts */
typedef struct {
    SHA256_CTX                  sha;
    const ngx_egov_hmac_key_t  *key;
} ngx_egov_hmac_t;


void ngx_egov_hmac_key(ngx_egov_hmac_key_t *k, const unsigned char *key,
    size_t len);
void ngx_egov_hmac_key_clear(ngx_egov_hmac_key_t *k);

void ngx_egov_hmac(const ngx_egov_hmac_key_t *k, const void *data,
    size_t len, unsigned char *md);

void ngx_egov_hmac_start(ngx_egov_hmac_t *h, const ngx_egov_hmac_key_t *k);
void ngx_egov_hmac_update(ngx_egov_hmac_t *h, const void *data, size_t len);
void ngx_egov_hmac_final(ngx_egov_hmac_t *h, unsigned char *md);


#endif /* _NGX_EGOV_HMAC_H_INCLUDED_ */
