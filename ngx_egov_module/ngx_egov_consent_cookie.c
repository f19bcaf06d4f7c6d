
/*
 * The consent cookie, Cookie and Set-Cookie headers, the consent form and
 * the return path.
 */


#include "ngx_egov_consent_cookie.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>


static const char  ngx_egov_b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";


static int ngx_egov_consent_mac(const u_char *data, size_t len,
    const ngx_egov_hmac_key_t *key, u_char *mac);
static int ngx_egov_consent_number(const u_char **p, const u_char *end,
    int base, uint64_t max, uint64_t *n);
static int ngx_egov_hex(u_char c);
static int ngx_egov_cookie_space(u_char c);


size_t
ngx_egov_consent_format(const ngx_egov_consent_t *c,
    const ngx_egov_hmac_key_t *key, u_char *buf, size_t size)
{
    int  n;

    if (size < NGX_EGOV_CONSENT_VALUE_LEN + 1
        || c->granted >= (1u << NGX_EGOV_CONSENT_MAX_CATEGORIES))
    {
        return 0;
    }

    n = snprintf((char *) buf, size, "1.%u.%llu.%x.%.*s.", c->version,
                 (unsigned long long) c->time, c->granted,
                 NGX_EGOV_CONSENT_RECEIPT_LEN, (const char *) c->receipt);

    if (n <= 0 || (size_t) n + NGX_EGOV_CONSENT_MAC_LEN + 1 > size) {
        return 0;
    }

    /* the MAC covers everything before it, the final dot included */

    if (ngx_egov_consent_mac(buf, n, key, buf + n)
        != NGX_EGOV_CONSENT_OK)
    {
        return 0;
    }

    buf[n + NGX_EGOV_CONSENT_MAC_LEN] = '\0';

    return n + NGX_EGOV_CONSENT_MAC_LEN;
}


int
ngx_egov_consent_parse(const u_char *p, size_t len,
    const ngx_egov_hmac_key_t *key, ngx_egov_consent_t *c)
{
    size_t          i, signed_len;
    uint64_t        n;
    const u_char   *start, *end;
    u_char          mac[NGX_EGOV_CONSENT_MAC_LEN];

    if (len > NGX_EGOV_CONSENT_VALUE_LEN || len < 2 + NGX_EGOV_CONSENT_MAC_LEN
        || p[0] != '1' || p[1] != '.')
    {
        return NGX_EGOV_CONSENT_BAD;
    }

    start = p;
    end = p + len;
    p += 2;

    if (ngx_egov_consent_number(&p, end, 10, 0xffffffffULL, &n)
        != NGX_EGOV_CONSENT_OK)
    {
        return NGX_EGOV_CONSENT_BAD;
    }

    c->version = (unsigned) n;

    if (ngx_egov_consent_number(&p, end, 10, UINT64_MAX / 2, &c->time)
        != NGX_EGOV_CONSENT_OK)
    {
        return NGX_EGOV_CONSENT_BAD;
    }

    if (ngx_egov_consent_number(&p, end, 16,
                                (1u << NGX_EGOV_CONSENT_MAX_CATEGORIES) - 1,
                                &n)
        != NGX_EGOV_CONSENT_OK)
    {
        return NGX_EGOV_CONSENT_BAD;
    }

    c->granted = (unsigned) n;

    if ((size_t) (end - p) != NGX_EGOV_CONSENT_RECEIPT_LEN + 1
                              + NGX_EGOV_CONSENT_MAC_LEN
        || p[NGX_EGOV_CONSENT_RECEIPT_LEN] != '.')
    {
        return NGX_EGOV_CONSENT_BAD;
    }

    for (i = 0; i < NGX_EGOV_CONSENT_RECEIPT_LEN; i++) {
        if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'A' && p[i] <= 'Z'))) {
            return NGX_EGOV_CONSENT_BAD;
        }
    }

    memcpy(c->receipt, p, NGX_EGOV_CONSENT_RECEIPT_LEN);

    p += NGX_EGOV_CONSENT_RECEIPT_LEN + 1;
    signed_len = p - start;

    if (ngx_egov_consent_mac(start, signed_len, key, mac)
        != NGX_EGOV_CONSENT_OK)
    {
        return NGX_EGOV_CONSENT_BAD;
    }

    if (CRYPTO_memcmp(mac, p, NGX_EGOV_CONSENT_MAC_LEN) != 0) {
        return NGX_EGOV_CONSENT_BAD;
    }

    return NGX_EGOV_CONSENT_OK;
}


static int
ngx_egov_consent_mac(const u_char *data, size_t len,
    const ngx_egov_hmac_key_t *key, u_char *mac)
{
    size_t    i;
    uint32_t  v;
    u_char    md[NGX_EGOV_HMAC_LEN];

    ngx_egov_hmac(key, data, len, md);

    /* 16 bytes as 22 base64url characters, without padding */

    for (i = 0; i < 5; i++) {
        v = ((uint32_t) md[i * 3] << 16) | ((uint32_t) md[i * 3 + 1] << 8)
            | md[i * 3 + 2];
        *mac++ = ngx_egov_b64url[(v >> 18) & 63];
        *mac++ = ngx_egov_b64url[(v >> 12) & 63];
        *mac++ = ngx_egov_b64url[(v >> 6) & 63];
        *mac++ = ngx_egov_b64url[v & 63];
    }

    v = (uint32_t) md[15] << 16;
    *mac++ = ngx_egov_b64url[(v >> 18) & 63];
    *mac = ngx_egov_b64url[(v >> 12) & 63];

    return NGX_EGOV_CONSENT_OK;
}


/* digits up to the next dot, which is consumed; no leading zeros */

static int
ngx_egov_consent_number(const u_char **p, const u_char *end, int base,
    uint64_t max, uint64_t *n)
{
    int            d;
    const u_char  *s;

    s = *p;
    *n = 0;

    while (s < end && *s != '.') {
        d = (base == 16) ? ngx_egov_hex(*s)
                         : (*s >= '0' && *s <= '9') ? *s - '0' : -1;

        if (d < 0 || (s != *p && *n == 0) || *n > (max - d) / base) {
            return NGX_EGOV_CONSENT_BAD;
        }

        *n = *n * base + d;
        s++;
    }

    if (s == *p || s == end) {
        return NGX_EGOV_CONSENT_BAD;
    }

    *p = s + 1;

    return NGX_EGOV_CONSENT_OK;
}


static int
ngx_egov_hex(u_char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }

    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }

    return -1;
}


static int
ngx_egov_cookie_space(u_char c)
{
    return c == ' ' || c == '\t';
}


int
ngx_egov_cookie_next(const u_char **pos, const u_char *end,
    const u_char **name, size_t *name_len, const u_char **value,
    size_t *value_len)
{
    const u_char  *p, *eq, *semi, *n, *ne, *v, *ve;

    for (p = *pos; p < end; p = semi + 1) {

        semi = memchr(p, ';', end - p);
        if (semi == NULL) {
            semi = end;
        }

        eq = memchr(p, '=', semi - p);

        *pos = (semi < end) ? semi + 1 : end;

        if (eq == NULL) {
            if (semi == end) {
                return 0;
            }
            continue;
        }

        for (n = p; n < eq && ngx_egov_cookie_space(*n); n++) { /* void */ }
        for (ne = eq; ne > n && ngx_egov_cookie_space(ne[-1]); ne--) {
            /* void */
        }

        for (v = eq + 1; v < semi && ngx_egov_cookie_space(*v); v++) {
            /* void */
        }
        for (ve = semi; ve > v && ngx_egov_cookie_space(ve[-1]); ve--) {
            /* void */
        }

        /* a quoted value: the quotes are not part of it */
        if (ve - v >= 2 && *v == '"' && ve[-1] == '"') {
            v++;
            ve--;
        }

        if (ne == n) {
            if (semi == end) {
                return 0;
            }
            continue;
        }

        *name = n;
        *name_len = ne - n;
        *value = v;
        *value_len = ve - v;

        return 1;
    }

    *pos = end;

    return 0;
}


int
ngx_egov_set_cookie_name(const u_char *p, size_t len, const u_char **name,
    size_t *name_len)
{
    const u_char  *end, *eq, *semi, *n, *ne;

    end = p + len;

    semi = memchr(p, ';', len);
    if (semi == NULL) {
        semi = end;
    }

    eq = memchr(p, '=', semi - p);
    if (eq == NULL) {
        return 0;
    }

    for (n = p; n < eq && ngx_egov_cookie_space(*n); n++) { /* void */ }
    for (ne = eq; ne > n && ngx_egov_cookie_space(ne[-1]); ne--) { /* void */ }

    if (ne == n) {
        return 0;
    }

    *name = n;
    *name_len = ne - n;

    return 1;
}


int
ngx_egov_consent_return_ok(const u_char *p, size_t len)
{
    size_t  i;

    if (len == 0 || len > 2048 || p[0] != '/') {
        return 0;
    }

    if (len > 1 && (p[1] == '/' || p[1] == '\\')) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        if (p[i] < 0x21 || p[i] == 0x7f || p[i] == '\\') {
            return 0;
        }
    }

    return 1;
}


int
ngx_egov_form_next(const u_char **pos, const u_char *end, u_char *buf,
    u_char **name, size_t *name_len, u_char **value, size_t *value_len)
{
    int            h, l;
    u_char        *o, **out[2];
    size_t        *out_len[2];
    unsigned       part;
    const u_char  *p, *amp, *eq, *stop;

    out[0] = name;
    out[1] = value;
    out_len[0] = name_len;
    out_len[1] = value_len;

    for (p = *pos; p < end; p = amp + 1) {

        amp = memchr(p, '&', end - p);
        if (amp == NULL) {
            amp = end;
        }

        *pos = (amp < end) ? amp + 1 : end;

        if (amp == p) {
            if (amp == end) {
                break;
            }
            continue;
        }

        eq = memchr(p, '=', amp - p);
        o = buf;

        for (part = 0; part < 2; part++) {
            stop = (part == 0) ? (eq ? eq : amp) : amp;
            *out[part] = o;

            while (p < stop) {
                if (*p == '+') {
                    *o++ = ' ';
                    p++;

                } else if (*p == '%' && stop - p >= 3
                           && (h = ngx_egov_hex(p[1] | 0x20)) >= 0
                           && (l = ngx_egov_hex(p[2] | 0x20)) >= 0)
                {
                    *o++ = (u_char) (h * 16 + l);
                    p += 3;

                } else {
                    *o++ = *p++;
                }
            }

            *out_len[part] = o - *out[part];

            if (part == 0) {
                if (eq == NULL) {
                    *value = o;
                    *value_len = 0;
                    break;
                }
                p = eq + 1;
            }
        }

        return 1;
    }

    *pos = end;

    return 0;
}
