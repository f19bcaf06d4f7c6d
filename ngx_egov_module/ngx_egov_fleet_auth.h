
/*
 * Trust between the servers of a fleet, over a Redis they do not trust:
 * what one server writes there for the others (a message, a stored entry)
 * is signed with a key derived from the fleet secret, which Redis never
 * sees, and what must stay secret (a period's anonymization key) is
 * encrypted with another.
 *
 * A signed text is "egov1 TIME SENDER MAC PAYLOAD": TIME in epoch
 * milliseconds, SENDER the signing server's name, MAC the HMAC-SHA256 (in
 * lower-case hex) of the context, then "egov1 TIME SENDER " and PAYLOAD.
 * The context is where the text was found (the channel, the hash and its
 * field): a text moved elsewhere does not verify.  A wrapped key is the hex
 * of a 12-byte nonce, the AES-256-GCM ciphertext and its 16-byte tag, the
 * context as associated data.
 *
 * Plain C over (pointer, length) with OpenSSL's libcrypto: unit-tested and
 * fuzzed.
 */


#ifndef _NGX_EGOV_FLEET_AUTH_H_INCLUDED_
#define _NGX_EGOV_FLEET_AUTH_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>

#include "ngx_egov_hmac.h"


#define NGX_EGOV_FLEET_AUTH_SECRET_MIN  32
#define NGX_EGOV_FLEET_AUTH_KEY_LEN     32
#define NGX_EGOV_FLEET_AUTH_SENDER_MAX  32

/* "egov1 " TIME " " SENDER " " MAC " " */
#define NGX_EGOV_FLEET_AUTH_HEADER_MAX                                       \
    (6 + 20 + 1 + NGX_EGOV_FLEET_AUTH_SENDER_MAX + 1 + 64 + 1)

/* a wrapped key of N bytes, in hex */
#define NGX_EGOV_FLEET_AUTH_WRAPPED_LEN(n)  (2 * (12 + (n) + 16))

#define NGX_EGOV_FLEET_AUTH_OK          0
#define NGX_EGOV_FLEET_AUTH_UNSIGNED   -1    /* no "egov1 " header */
#define NGX_EGOV_FLEET_AUTH_FORGED     -2    /* a header, a wrong MAC */
#define NGX_EGOV_FLEET_AUTH_STALE      -3    /* signed, out of the window */


typedef struct {
    ngx_egov_hmac_key_t  mac;
    unsigned char        wrap_key[NGX_EGOV_FLEET_AUTH_KEY_LEN];
    char                 sender[NGX_EGOV_FLEET_AUTH_SENDER_MAX];
    size_t               sender_len;
} ngx_egov_fleet_auth_t;


/*
 * The keys from the secret (at least NGX_EGOV_FLEET_AUTH_SECRET_MIN
 * bytes); the sender's name is kept to letters, digits, "." and "-" and
 * cut to NGX_EGOV_FLEET_AUTH_SENDER_MAX ("-" when nothing is left).
 * Returns 0, or -1 (secret too short, libcrypto failed).
 */
int ngx_egov_fleet_auth_init(ngx_egov_fleet_auth_t *a,
    const unsigned char *secret, size_t secret_len, const char *sender,
    size_t sender_len);

/* the signed text into out; returns its length, 0 when out is too small */
size_t ngx_egov_fleet_auth_sign(const ngx_egov_fleet_auth_t *a,
    const unsigned char *ctx, size_t ctx_len, uint64_t now_ms,
    const unsigned char *payload, size_t payload_len, unsigned char *out,
    size_t out_size);

/*
 * A signed text checked: its payload in *payload, *payload_len.  With a
 * window (ms), a text signed more than that before or after now is STALE;
 * 0: no time check (stored entries).
 */
int ngx_egov_fleet_auth_verify(const ngx_egov_fleet_auth_t *a,
    const unsigned char *ctx, size_t ctx_len, uint64_t now_ms,
    uint64_t window_ms, const unsigned char *in, size_t len,
    const unsigned char **payload, size_t *payload_len);

/* key_len bytes wrapped into out (hex); returns its length, 0 on failure */
size_t ngx_egov_fleet_auth_wrap(const ngx_egov_fleet_auth_t *a,
    const unsigned char *ctx, size_t ctx_len, const unsigned char *key,
    size_t key_len, unsigned char *out, size_t out_size);

/* returns 0 and the key_len bytes in key, or -1: not made with the secret */
int ngx_egov_fleet_auth_unwrap(const ngx_egov_fleet_auth_t *a,
    const unsigned char *ctx, size_t ctx_len, const unsigned char *in,
    size_t len, unsigned char *key, size_t key_len);


#endif /* _NGX_EGOV_FLEET_AUTH_H_INCLUDED_ */
