
/*
 * The consent cookie and the other untrusted bytes consent deals with:
 * Cookie and Set-Cookie headers, the consent form, the return path.
 * Plain C over (pointer, length), OpenSSL for the HMAC, no nginx types:
 * unit-tested and fuzzed on its own.
 */


#ifndef _NGX_EGOV_CONSENT_COOKIE_H_INCLUDED_
#define _NGX_EGOV_CONSENT_COOKIE_H_INCLUDED_


#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

#include "ngx_egov_hmac.h"


#define NGX_EGOV_CONSENT_OK        0
#define NGX_EGOV_CONSENT_BAD      -1

#define NGX_EGOV_CONSENT_MAX_CATEGORIES  16
#define NGX_EGOV_CONSENT_RECEIPT_LEN     12
#define NGX_EGOV_CONSENT_MAC_LEN         22     /* 128 bits, base64url */

/* "1.4294967295.18446744073709551615.ffff.RECEIPT012345.MAC" */
#define NGX_EGOV_CONSENT_VALUE_LEN  (2 + 11 + 21 + 5 + 13 \
                                     + NGX_EGOV_CONSENT_MAC_LEN)


typedef struct {
    unsigned        version;       /* the policy version consented to */
    uint64_t        time;          /* when, in seconds since the epoch */
    unsigned        granted;       /* bit i: optional category i */
    u_char          receipt[NGX_EGOV_CONSENT_RECEIPT_LEN];
} ngx_egov_consent_t;


/*
 * "1.VERSION.TIME.GRANTED.RECEIPT.MAC": decimal version and time, the
 * granted categories as hexadecimal bits, a receipt id of base32
 * characters, and the first 128 bits of HMAC-SHA-256 over everything
 * before it, in base64url.  Returns the length written, 0 on error.
 */
size_t ngx_egov_consent_format(const ngx_egov_consent_t *c,
    const ngx_egov_hmac_key_t *key, u_char *buf, size_t size);

/* NGX_EGOV_CONSENT_OK only for a well-formed value with a valid MAC */
int ngx_egov_consent_parse(const u_char *p, size_t len,
    const ngx_egov_hmac_key_t *key, ngx_egov_consent_t *c);


/*
 * Walks a Cookie header ("a=1; b=2"): each call gives the next cookie's
 * name and value and returns 1, or returns 0 at the end.  Malformed pairs
 * (no "=", empty name) are skipped.
 */
int ngx_egov_cookie_next(const u_char **pos, const u_char *end,
    const u_char **name, size_t *name_len, const u_char **value,
    size_t *value_len);

/* the name of the cookie a Set-Cookie value sets; 0 if there is none */
int ngx_egov_set_cookie_name(const u_char *p, size_t len,
    const u_char **name, size_t *name_len);

/*
 * Is this a path of this site to send the visitor back to: it must start
 * with one "/" (not "//", not "/\"), have no control characters nor
 * backslashes, and be at most 2048 bytes.  Never an open redirect.
 */
int ngx_egov_consent_return_ok(const u_char *p, size_t len);

/*
 * Walks an application/x-www-form-urlencoded body; names and values are
 * percent-decoded into "buf" (which needs len bytes at most).
 */
int ngx_egov_form_next(const u_char **pos, const u_char *end, u_char *buf,
    u_char **name, size_t *name_len, u_char **value, size_t *value_len);


#endif /* _NGX_EGOV_CONSENT_COOKIE_H_INCLUDED_ */
