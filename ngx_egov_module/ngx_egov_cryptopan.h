
/*
 * Crypto-PAn: prefix-preserving address anonymization (Xu, Fan, Ammar,
 * Moon, 2002), with AES-128 from OpenSSL, for IPv4 and IPv6.  Two
 * addresses that share a k-bit prefix map to two that share a k-bit
 * prefix, and nothing else of the real address shows.  Plain C, no nginx
 * types: unit-tested against the reference vectors.
 */


#ifndef _NGX_EGOV_CRYPTOPAN_H_INCLUDED_
#define _NGX_EGOV_CRYPTOPAN_H_INCLUDED_


#include <stdint.h>

#include <openssl/evp.h>


#define NGX_EGOV_CRYPTOPAN_KEY_LEN  32   /* AES key, then the pad's seed */


typedef struct {
    EVP_CIPHER_CTX             *aes;
    unsigned char               pad[16];
} ngx_egov_cryptopan_t;


/* 0 on success, -1 if OpenSSL fails */
int ngx_egov_cryptopan_init(ngx_egov_cryptopan_t *cp,
    const unsigned char key[NGX_EGOV_CRYPTOPAN_KEY_LEN]);
void ngx_egov_cryptopan_free(ngx_egov_cryptopan_t *cp);

/* in place, network byte order: 4 bytes, or 16 bytes */
int ngx_egov_cryptopan_ipv4(ngx_egov_cryptopan_t *cp, unsigned char addr[4]);
int ngx_egov_cryptopan_ipv6(ngx_egov_cryptopan_t *cp,
    unsigned char addr[16]);


#endif /* _NGX_EGOV_CRYPTOPAN_H_INCLUDED_ */
