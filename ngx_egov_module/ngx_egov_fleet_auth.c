
/*
 * Signing, checking, wrapping and unwrapping what the fleet keeps in Redis
 * (ngx_egov_fleet_auth.h).
 */


#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "ngx_egov_fleet_auth.h"


/* what is signed is short: a ban, a mark; longer is refused, not cut */
#define NGX_EGOV_FLEET_AUTH_INPUT_MAX  4096
#define NGX_EGOV_FLEET_AUTH_NONCE      12
#define NGX_EGOV_FLEET_AUTH_TAG        16
#define NGX_EGOV_FLEET_AUTH_WRAP_MAX   64
#define NGX_EGOV_FLEET_AUTH_RAW_MAX                                         \
    (NGX_EGOV_FLEET_AUTH_NONCE + NGX_EGOV_FLEET_AUTH_WRAP_MAX               \
     + NGX_EGOV_FLEET_AUTH_TAG)


static int ngx_egov_fleet_auth_mac(const ngx_egov_fleet_auth_t *a,
    const unsigned char *ctx, size_t ctx_len, const unsigned char *head,
    size_t head_len, const unsigned char *payload, size_t payload_len,
    unsigned char *hex);
static void ngx_egov_fleet_auth_hex(unsigned char *out,
    const unsigned char *in, size_t len);
static int ngx_egov_fleet_auth_unhex(unsigned char *out,
    const unsigned char *in, size_t len);


static const char  ngx_egov_fleet_auth_mac_label[] =
    "egov fleet v1: message authentication";
static const char  ngx_egov_fleet_auth_wrap_label[] =
    "egov fleet v1: key wrapping";


int
ngx_egov_fleet_auth_init(ngx_egov_fleet_auth_t *a,
    const unsigned char *secret, size_t secret_len, const char *sender,
    size_t sender_len)
{
    size_t         i;
    unsigned int   len;
    unsigned char  mac_key[NGX_EGOV_FLEET_AUTH_KEY_LEN];

    memset(a, 0, sizeof(ngx_egov_fleet_auth_t));

    if (secret_len < NGX_EGOV_FLEET_AUTH_SECRET_MIN || secret_len > 0x7fff) {
        return -1;
    }

    if (HMAC(EVP_sha256(), secret, (int) secret_len,
             (const unsigned char *) ngx_egov_fleet_auth_mac_label,
             sizeof(ngx_egov_fleet_auth_mac_label) - 1, mac_key, &len)
        == NULL
        || len != NGX_EGOV_FLEET_AUTH_KEY_LEN
        || HMAC(EVP_sha256(), secret, (int) secret_len,
                (const unsigned char *) ngx_egov_fleet_auth_wrap_label,
                sizeof(ngx_egov_fleet_auth_wrap_label) - 1, a->wrap_key,
                &len)
           == NULL
        || len != NGX_EGOV_FLEET_AUTH_KEY_LEN)
    {
        OPENSSL_cleanse(a, sizeof(ngx_egov_fleet_auth_t));
        OPENSSL_cleanse(mac_key, sizeof(mac_key));
        return -1;
    }

    ngx_egov_hmac_key(&a->mac, mac_key, sizeof(mac_key));
    OPENSSL_cleanse(mac_key, sizeof(mac_key));

    for (i = 0; i < sender_len && a->sender_len < sizeof(a->sender); i++) {
        if ((sender[i] >= 'a' && sender[i] <= 'z')
            || (sender[i] >= 'A' && sender[i] <= 'Z')
            || (sender[i] >= '0' && sender[i] <= '9')
            || sender[i] == '.' || sender[i] == '-')
        {
            a->sender[a->sender_len++] = sender[i];
        }
    }

    if (a->sender_len == 0) {
        a->sender[a->sender_len++] = '-';
    }

    return 0;
}


size_t
ngx_egov_fleet_auth_sign(const ngx_egov_fleet_auth_t *a,
    const unsigned char *ctx, size_t ctx_len, uint64_t now_ms,
    const unsigned char *payload, size_t payload_len, unsigned char *out,
    size_t out_size)
{
    char           digits[21];
    size_t         n, head_len;
    unsigned char  head[NGX_EGOV_FLEET_AUTH_HEADER_MAX];
    unsigned char  mac[64];

    /* "egov1 TIME SENDER " */

    n = sizeof(digits);

    do {
        digits[--n] = (char) ('0' + now_ms % 10);
        now_ms /= 10;
    } while (now_ms);

    memcpy(head, "egov1 ", 6);
    head_len = 6;
    memcpy(head + head_len, digits + n, sizeof(digits) - n);
    head_len += sizeof(digits) - n;
    head[head_len++] = ' ';
    memcpy(head + head_len, a->sender, a->sender_len);
    head_len += a->sender_len;
    head[head_len++] = ' ';

    if (head_len + 64 + 1 + payload_len > out_size
        || ngx_egov_fleet_auth_mac(a, ctx, ctx_len, head, head_len, payload,
                                   payload_len, mac)
           != 0)
    {
        return 0;
    }

    memcpy(out, head, head_len);
    memcpy(out + head_len, mac, 64);
    out[head_len + 64] = ' ';
    memcpy(out + head_len + 65, payload, payload_len);

    return head_len + 65 + payload_len;
}


int
ngx_egov_fleet_auth_verify(const ngx_egov_fleet_auth_t *a,
    const unsigned char *ctx, size_t ctx_len, uint64_t now_ms,
    uint64_t window_ms, const unsigned char *in, size_t len,
    const unsigned char **payload, size_t *payload_len)
{
    size_t               i, head_len, sender_len;
    uint64_t             t;
    unsigned char        mac[64];
    const unsigned char  *p, *end;

    if (len < 6 || memcmp(in, "egov1 ", 6) != 0) {
        return NGX_EGOV_FLEET_AUTH_UNSIGNED;
    }

    p = in + 6;
    end = in + len;

    /* TIME: 1 to 20 digits, no overflow */

    t = 0;

    for (i = 0; p < end && *p >= '0' && *p <= '9'; p++, i++) {
        if (i == 20 || t > (UINT64_MAX - (uint64_t) (*p - '0')) / 10) {
            return NGX_EGOV_FLEET_AUTH_FORGED;
        }

        t = t * 10 + (uint64_t) (*p - '0');
    }

    if (i == 0 || p == end || *p++ != ' ') {
        return NGX_EGOV_FLEET_AUTH_FORGED;
    }

    /* SENDER */

    for (sender_len = 0; p < end && *p != ' '; p++, sender_len++) {
        if (sender_len == NGX_EGOV_FLEET_AUTH_SENDER_MAX
            || *p <= ' ' || *p >= 0x7f)
        {
            return NGX_EGOV_FLEET_AUTH_FORGED;
        }
    }

    if (sender_len == 0 || p == end) {
        return NGX_EGOV_FLEET_AUTH_FORGED;
    }

    head_len = (size_t) (++p - in);

    /* MAC, then the payload */

    if ((size_t) (end - p) < 65 || p[64] != ' '
        || ngx_egov_fleet_auth_mac(a, ctx, ctx_len, in, head_len, p + 65,
                                   (size_t) (end - p - 65), mac)
           != 0
        || CRYPTO_memcmp(mac, p, 64) != 0)
    {
        return NGX_EGOV_FLEET_AUTH_FORGED;
    }

    if (window_ms
        && (t + window_ms < now_ms || t > now_ms + window_ms))
    {
        return NGX_EGOV_FLEET_AUTH_STALE;
    }

    *payload = p + 65;
    *payload_len = (size_t) (end - p - 65);

    return NGX_EGOV_FLEET_AUTH_OK;
}


size_t
ngx_egov_fleet_auth_wrap(const ngx_egov_fleet_auth_t *a,
    const unsigned char *ctx, size_t ctx_len, const unsigned char *key,
    size_t key_len, unsigned char *out, size_t out_size)
{
    int              n, ok;
    EVP_CIPHER_CTX  *c;
    unsigned char    raw[NGX_EGOV_FLEET_AUTH_RAW_MAX];

    if (key_len == 0 || key_len > NGX_EGOV_FLEET_AUTH_WRAP_MAX
        || ctx_len > 0x7fffffff
        || out_size < NGX_EGOV_FLEET_AUTH_WRAPPED_LEN(key_len)
        || RAND_bytes(raw, NGX_EGOV_FLEET_AUTH_NONCE) != 1)
    {
        return 0;
    }

    c = EVP_CIPHER_CTX_new();
    if (c == NULL) {
        return 0;
    }

    ok = EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, a->wrap_key, raw) == 1
         && EVP_EncryptUpdate(c, NULL, &n, ctx, (int) ctx_len) == 1
         && EVP_EncryptUpdate(c, raw + NGX_EGOV_FLEET_AUTH_NONCE, &n, key,
                              (int) key_len) == 1
         && (size_t) n == key_len
         && EVP_EncryptFinal_ex(c, raw + NGX_EGOV_FLEET_AUTH_NONCE + n, &n)
            == 1
         && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG,
                                NGX_EGOV_FLEET_AUTH_TAG,
                                raw + NGX_EGOV_FLEET_AUTH_NONCE + key_len)
            == 1;

    EVP_CIPHER_CTX_free(c);

    if (!ok) {
        OPENSSL_cleanse(raw, sizeof(raw));
        return 0;
    }

    ngx_egov_fleet_auth_hex(out, raw, NGX_EGOV_FLEET_AUTH_NONCE + key_len
                                      + NGX_EGOV_FLEET_AUTH_TAG);
    OPENSSL_cleanse(raw, sizeof(raw));

    return NGX_EGOV_FLEET_AUTH_WRAPPED_LEN(key_len);
}


int
ngx_egov_fleet_auth_unwrap(const ngx_egov_fleet_auth_t *a,
    const unsigned char *ctx, size_t ctx_len, const unsigned char *in,
    size_t len, unsigned char *key, size_t key_len)
{
    int              n, ok;
    EVP_CIPHER_CTX  *c;
    unsigned char    raw[NGX_EGOV_FLEET_AUTH_RAW_MAX];
    unsigned char    plain[NGX_EGOV_FLEET_AUTH_WRAP_MAX + 16];

    if (key_len == 0 || key_len > NGX_EGOV_FLEET_AUTH_WRAP_MAX
        || ctx_len > 0x7fffffff
        || len != NGX_EGOV_FLEET_AUTH_WRAPPED_LEN(key_len)
        || ngx_egov_fleet_auth_unhex(raw, in, len) != 0)
    {
        return -1;
    }

    c = EVP_CIPHER_CTX_new();
    if (c == NULL) {
        return -1;
    }

    ok = EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, a->wrap_key, raw) == 1
         && EVP_DecryptUpdate(c, NULL, &n, ctx, (int) ctx_len) == 1
         && EVP_DecryptUpdate(c, plain, &n, raw + NGX_EGOV_FLEET_AUTH_NONCE,
                              (int) key_len) == 1
         && (size_t) n == key_len
         && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG,
                                NGX_EGOV_FLEET_AUTH_TAG,
                                raw + NGX_EGOV_FLEET_AUTH_NONCE + key_len)
            == 1
         && EVP_DecryptFinal_ex(c, plain + n, &n) == 1;

    EVP_CIPHER_CTX_free(c);

    if (ok) {
        memcpy(key, plain, key_len);
    }

    OPENSSL_cleanse(plain, sizeof(plain));

    return ok ? 0 : -1;
}


/* HMAC-SHA256 of the context's length and bytes, the header, the payload */

static int
ngx_egov_fleet_auth_mac(const ngx_egov_fleet_auth_t *a,
    const unsigned char *ctx, size_t ctx_len, const unsigned char *head,
    size_t head_len, const unsigned char *payload, size_t payload_len,
    unsigned char *hex)
{
    unsigned char    len[4], md[NGX_EGOV_HMAC_LEN];
    ngx_egov_hmac_t  h;

    if (ctx_len > NGX_EGOV_FLEET_AUTH_INPUT_MAX
        || head_len > NGX_EGOV_FLEET_AUTH_INPUT_MAX
        || payload_len > NGX_EGOV_FLEET_AUTH_INPUT_MAX
        || 4 + ctx_len + head_len + payload_len
           > NGX_EGOV_FLEET_AUTH_INPUT_MAX)
    {
        return -1;
    }

    len[0] = (unsigned char) (ctx_len >> 24);
    len[1] = (unsigned char) (ctx_len >> 16);
    len[2] = (unsigned char) (ctx_len >> 8);
    len[3] = (unsigned char) ctx_len;

    ngx_egov_hmac_start(&h, &a->mac);
    ngx_egov_hmac_update(&h, len, sizeof(len));
    ngx_egov_hmac_update(&h, ctx, ctx_len);
    ngx_egov_hmac_update(&h, head, head_len);
    ngx_egov_hmac_update(&h, payload, payload_len);
    ngx_egov_hmac_final(&h, md);

    ngx_egov_fleet_auth_hex(hex, md, 32);

    return 0;
}


static void
ngx_egov_fleet_auth_hex(unsigned char *out, const unsigned char *in,
    size_t len)
{
    static const char  digits[] = "0123456789abcdef";

    while (len--) {
        *out++ = (unsigned char) digits[*in >> 4];
        *out++ = (unsigned char) digits[*in++ & 0xf];
    }
}


static int
ngx_egov_fleet_auth_unhex(unsigned char *out, const unsigned char *in,
    size_t len)
{
    size_t         i;
    unsigned char  c, v;

    for (i = 0; i < len; i++) {
        c = in[i];

        if (c >= '0' && c <= '9') {
            v = (unsigned char) (c - '0');

        } else if (c >= 'a' && c <= 'f') {
            v = (unsigned char) (c - 'a' + 10);

        } else {
            return -1;
        }

        if (i % 2) {
            out[i / 2] |= v;

        } else {
            out[i / 2] = (unsigned char) (v << 4);
        }
    }

    return 0;
}
