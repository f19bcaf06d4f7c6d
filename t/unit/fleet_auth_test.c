/* sources: ngx_egov_module/ngx_egov_fleet_auth.c ngx_egov_module/ngx_egov_hmac.c libs: -lcrypto */

/*
 * The fleet's signatures and wrapped keys: what one server signs, another
 * with the same secret accepts; a text altered anywhere, moved to another
 * context, signed with another secret, too old or from the future, or with
 * a malformed header is refused; a key wrapped for one period does not
 * unwrap for another.
 */

#include <stdint.h>
#include "tap.h"
#include "ngx_egov_fleet_auth.h"

#define S(s)  (const unsigned char *) (s), sizeof(s) - 1

static const unsigned char  secret[] =
    "a fleet secret of more than thirty-two bytes, for the tests";
static const unsigned char  other[] =
    "another portal's fleet secret, also long enough for the tests";

#define NOW  1764700000000ULL


static int
verify(ngx_egov_fleet_auth_t *a, const char *ctx, uint64_t now,
    uint64_t window, const unsigned char *in, size_t len,
    const unsigned char **p, size_t *plen)
{
    return ngx_egov_fleet_auth_verify(a, (const unsigned char *) ctx,
                                      strlen(ctx), now, window, in, len,
                                      p, plen);
}


int
main(void)
{
    int                    rc;
    size_t                 n, m, plen, i;
    unsigned char          out[512], copy[512], w[256];
    unsigned char          key[32], back[32];
    const unsigned char   *p;
    ngx_egov_fleet_auth_t  a, b, c;

    ok(ngx_egov_fleet_auth_init(&a, S("too short: 31 bytes, not 32...")
                                , "web-1", 5) == -1,
       "a secret shorter than 32 bytes is refused");
    ok(ngx_egov_fleet_auth_init(&a, secret, sizeof(secret) - 1, "web-1", 5)
       == 0, "a secret of 32 bytes or more");
    ok(ngx_egov_fleet_auth_init(&b, secret, sizeof(secret) - 1,
                                "web 2/\"x\"", 9) == 0
       && b.sender_len == 5 && memcmp(b.sender, "web2x", 5) == 0,
       "a sender's name kept to letters, digits, dots and dashes");
    ok(ngx_egov_fleet_auth_init(&c, other, sizeof(other) - 1, "", 0) == 0
       && c.sender_len == 1 && c.sender[0] == '-', "an empty name is \"-\"");

    n = ngx_egov_fleet_auth_sign(&a, S("egov:entries"), NOW,
                                 S("+ 192.0.2.1/32 1 1 0 1 x"), out,
                                 sizeof(out));
    ok(n > 0 && memcmp(out, "egov1 1764700000000 web-1 ", 26) == 0
       && out[26 + 64] == ' '
       && memcmp(out + 27 + 64, "+ 192.0.2.1/32 1 1 0 1 x", 24) == 0
       && n == 27 + 64 + 24, "signed: header, MAC, payload");

    rc = verify(&b, "egov:entries", NOW + 1000, 30000, out, n, &p, &plen);
    ok(rc == NGX_EGOV_FLEET_AUTH_OK && plen == 24
       && memcmp(p, "+ 192.0.2.1/32 1 1 0 1 x", 24) == 0,
       "another server with the secret accepts it, the payload as sent");

    ok(verify(&b, "egov:entries", NOW, 0, out, n, &p, &plen)
       == NGX_EGOV_FLEET_AUTH_OK, "no window: no time check");
    ok(verify(&b, "egov:entries", NOW + 30001, 30000, out, n, &p, &plen)
       == NGX_EGOV_FLEET_AUTH_STALE, "older than the window: stale");
    ok(verify(&b, "egov:entries", NOW - 30001, 30000, out, n, &p, &plen)
       == NGX_EGOV_FLEET_AUTH_STALE, "from the future beyond it: stale");
    ok(verify(&b, "egov:entries", NOW + 30000, 30000, out, n, &p, &plen)
       == NGX_EGOV_FLEET_AUTH_OK, "at the window's edge: accepted");

    ok(verify(&c, "egov:entries", NOW, 30000, out, n, &p, &plen)
       == NGX_EGOV_FLEET_AUTH_FORGED, "another secret: forged");
    ok(verify(&b, "egov:lim:over", NOW, 30000, out, n, &p, &plen)
       == NGX_EGOV_FLEET_AUTH_FORGED, "another context: forged");
    ok(verify(&b, "other:entries", NOW, 30000, out, n, &p, &plen)
       == NGX_EGOV_FLEET_AUTH_FORGED, "another prefix: forged");

    /* every byte altered, one at a time: never accepted */

    m = 0;
    for (i = 0; i < n; i++) {
        memcpy(copy, out, n);
        copy[i] ^= (i % 2) ? 0x01 : 0x20;
        if (verify(&b, "egov:entries", NOW, 30000, copy, n, &p, &plen)
            == NGX_EGOV_FLEET_AUTH_OK)
        {
            m++;
        }
    }
    is_int(m, 0, "a byte altered anywhere: never accepted (%zu tried)", n);

    ok(verify(&b, "egov:entries", NOW, 30000, out, n - 1, &p, &plen)
       == NGX_EGOV_FLEET_AUTH_FORGED, "cut short: forged");
    memcpy(copy, out, n);
    copy[n] = 'x';
    ok(verify(&b, "egov:entries", NOW, 30000, copy, n + 1, &p, &plen)
       == NGX_EGOV_FLEET_AUTH_FORGED, "a byte added: forged");

    ok(verify(&b, "egov:entries", NOW, 30000,
              S("+ 0.0.0.0/0 1 1 0 1 x"), &p, &plen)
       == NGX_EGOV_FLEET_AUTH_UNSIGNED, "no header: unsigned");
    ok(verify(&b, "egov:entries", NOW, 30000, S("egov1"), &p, &plen)
       == NGX_EGOV_FLEET_AUTH_UNSIGNED, "a bare \"egov1\": unsigned");
    ok(verify(&b, "e", NOW, 30000, S("egov1 "), &p, &plen)
       == NGX_EGOV_FLEET_AUTH_FORGED, "a header of nothing: forged");
    ok(verify(&b, "e", NOW, 30000,
              S("egov1 123456789012345678901 a 00 x"), &p, &plen)
       == NGX_EGOV_FLEET_AUTH_FORGED, "a time of 21 digits");
    ok(verify(&b, "e", NOW, 30000,
              S("egov1 99999999999999999999 a 00 x"), &p, &plen)
       == NGX_EGOV_FLEET_AUTH_FORGED, "a time beyond 64 bits");
    ok(verify(&b, "e", NOW, 30000,
              S("egov1 1 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa 00 x"), &p, &plen)
       == NGX_EGOV_FLEET_AUTH_FORGED, "a sender of 33 characters");
    ok(verify(&b, "e", NOW, 30000, S("egov1 1  x"), &p, &plen)
       == NGX_EGOV_FLEET_AUTH_FORGED, "an empty sender");

    ok(ngx_egov_fleet_auth_sign(&a, S("c"), NOW, S("payload"), out, 90) == 0,
       "an output too small: nothing signed");

    /* keys wrapped */

    for (i = 0; i < sizeof(key); i++) {
        key[i] = (unsigned char) (i * 7 + 3);
    }

    n = ngx_egov_fleet_auth_wrap(&a, S("egov:anon:key:1700"), key,
                                 sizeof(key), w, sizeof(w));
    is_int(n, NGX_EGOV_FLEET_AUTH_WRAPPED_LEN(32), "a key wrapped: %zu hex", n);

    for (i = 0, m = 0; i + 6 <= n; i++) {
        m += (memcmp(w + i, "030a11", 6) == 0);
    }
    is_int(m, 0, "the key is not in it as it is");

    ok(ngx_egov_fleet_auth_unwrap(&b, S("egov:anon:key:1700"), w, n, back,
                                  sizeof(back)) == 0
       && memcmp(back, key, sizeof(key)) == 0,
       "unwrapped by another server with the secret");
    ok(ngx_egov_fleet_auth_unwrap(&b, S("egov:anon:key:1701"), w, n, back,
                                  sizeof(back)) == -1,
       "not as the key of another period");
    ok(ngx_egov_fleet_auth_unwrap(&c, S("egov:anon:key:1700"), w, n, back,
                                  sizeof(back)) == -1,
       "not with another secret");

    memcpy(copy, w, n);
    copy[40] = (copy[40] == 'a') ? 'b' : 'a';
    ok(ngx_egov_fleet_auth_unwrap(&b, S("egov:anon:key:1700"), copy, n, back,
                                  sizeof(back)) == -1, "altered: refused");
    memset(copy, '0', n);
    ok(ngx_egov_fleet_auth_unwrap(&b, S("egov:anon:key:1700"), copy, n, back,
                                  sizeof(back)) == -1,
       "a key planted in clear (hex of the right length): refused");
    ok(ngx_egov_fleet_auth_unwrap(&b, S("egov:anon:key:1700"), w, n - 2,
                                  back, sizeof(back)) == -1,
       "cut short: refused");
    memcpy(copy, w, n);
    copy[0] = 'A';
    ok(ngx_egov_fleet_auth_unwrap(&b, S("egov:anon:key:1700"), copy, n, back,
                                  sizeof(back)) == -1,
       "upper-case or other than hex: refused");

    m = ngx_egov_fleet_auth_wrap(&a, S("egov:anon:key:1700"), key,
                                 sizeof(key), copy, sizeof(copy));
    ok(m == n && memcmp(copy, w, n) != 0,
       "wrapped twice: two different texts (a fresh nonce each)");

    return done_testing();
}
