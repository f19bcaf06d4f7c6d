
/*
 * Consent cookies this worker has checked.  A returning visitor sends the
 * same cookie with every page, and checking its HMAC cost more than the
 * rest of the request's consent work (two SHA-256 blocks, about 4,700
 * instructions).  A direct-mapped memory by a hash of the value: a hit
 * compares the whole value and the key it was checked with, so a crafted
 * collision only costs its sender a fresh check, and only values whose
 * MAC was right are kept: nothing a client sends is taken for checked.
 */


#include "ngx_http_egov_module.h"
#include "ngx_http_egov_consent.h"


#define NGX_HTTP_EGOV_CONSENT_MEMO  256


typedef struct {
    const ngx_egov_hmac_key_t  *key;        /* the location's, bound */
    u_char                     *key_of;     /* the consent key it is from */
    size_t                      len;
    u_char                      value[NGX_EGOV_CONSENT_VALUE_LEN];
    ngx_egov_consent_t          consent;
} ngx_http_egov_consent_memo_t;


static ngx_http_egov_consent_memo_t  *ngx_http_egov_consent_memo;
static ngx_uint_t                     ngx_http_egov_consent_memo_failed;


/* ngx_egov_consent_parse(), remembered: NGX_EGOV_CONSENT_OK or _BAD */

int
ngx_http_egov_consent_check(ngx_http_egov_consent_loc_conf_t *clcf,
    const ngx_egov_hmac_key_t *key, const u_char *value, size_t len,
    ngx_egov_consent_t *c)
{
    ngx_http_egov_consent_memo_t  *m;

    if (len > NGX_EGOV_CONSENT_VALUE_LEN) {
        return NGX_EGOV_CONSENT_BAD;
    }

    if (ngx_http_egov_consent_memo == NULL
        && !ngx_http_egov_consent_memo_failed)
    {
        ngx_http_egov_consent_memo = ngx_calloc(NGX_HTTP_EGOV_CONSENT_MEMO
                                       * sizeof(ngx_http_egov_consent_memo_t),
                                                ngx_cycle->log);
        ngx_http_egov_consent_memo_failed =
                                        (ngx_http_egov_consent_memo == NULL);
    }

    if (ngx_http_egov_consent_memo == NULL) {
        return ngx_egov_consent_parse(value, len, key, c);
    }

    /* a location's key of its own: its own slot for the same value */

    m = &ngx_http_egov_consent_memo[(ngx_murmur_hash2((u_char *) value, len)
                                     ^ ((uintptr_t) key >> 4))
                                    % NGX_HTTP_EGOV_CONSENT_MEMO];

    if (m->key == key && m->key_of == clcf->cookie_key_of && m->len == len
        && ngx_memcmp(m->value, value, len) == 0)
    {
        *c = m->consent;
        return NGX_EGOV_CONSENT_OK;
    }

    if (ngx_egov_consent_parse(value, len, key, c) != NGX_EGOV_CONSENT_OK) {
        return NGX_EGOV_CONSENT_BAD;
    }

    m->key = key;
    m->key_of = clcf->cookie_key_of;
    m->len = len;
    ngx_memcpy(m->value, value, len);
    m->consent = *c;

    return NGX_EGOV_CONSENT_OK;
}
