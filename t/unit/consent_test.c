/* sources: ngx_egov_module/ngx_egov_consent_cookie.c ngx_egov_module/ngx_egov_hmac.c libs: -lcrypto */

#include <stdlib.h>
#include "tap.h"
#include "ngx_egov_consent_cookie.h"

#define S(s)  (const u_char *) (s), sizeof(s) - 1

static const u_char         key_bytes[] = "0123456789abcdef0123456789abcdef";
static ngx_egov_hmac_key_t  key_store, other_store;
static ngx_egov_hmac_key_t *key = &key_store;


static int
parses(const char *v, ngx_egov_consent_t *c)
{
    return ngx_egov_consent_parse((const u_char *) v, strlen(v), key, c)
           == NGX_EGOV_CONSENT_OK;
}


static int
cookies(const char *header, const char *want)
{
    char           got[512];
    size_t         nl, vl;
    const u_char  *pos, *end, *n, *v;

    got[0] = '\0';
    pos = (const u_char *) header;
    end = pos + strlen(header);

    while (ngx_egov_cookie_next(&pos, end, &n, &nl, &v, &vl)) {
        snprintf(got + strlen(got), sizeof(got) - strlen(got), "[%.*s=%.*s]",
                 (int) nl, n, (int) vl, v);
    }

    if (strcmp(got, want) != 0) {
        printf("# %s: got %s want %s\n", header, got, want);
        return 0;
    }
    return 1;
}


static int
form(const char *body, const char *want)
{
    char           got[512];
    u_char         buf[512], *n, *v;
    size_t         nl, vl;
    const u_char  *pos, *end;

    got[0] = '\0';
    pos = (const u_char *) body;
    end = pos + strlen(body);

    while (ngx_egov_form_next(&pos, end, buf, &n, &nl, &v, &vl)) {
        snprintf(got + strlen(got), sizeof(got) - strlen(got), "[%.*s=%.*s]",
                 (int) nl, n, (int) vl, v);
    }

    if (strcmp(got, want) != 0) {
        printf("# %s: got %s want %s\n", body, got, want);
        return 0;
    }
    return 1;
}


int
main(void)
{
    size_t              len;
    u_char              buf[128], bad[128];
    const u_char       *n;
    size_t              nl;
    ngx_egov_consent_t  c, back;

    ngx_egov_hmac_key(&key_store, key_bytes, 32);
    ngx_egov_hmac_key(&other_store, (const u_char *) "other key", 9);

    memset(&c, 0, sizeof(c));
    c.version = 3;
    c.time = 1795000000;
    c.granted = 0x5;
    memcpy(c.receipt, "7K2M9QX4PDAB", 12);

    len = ngx_egov_consent_format(&c, key, buf, sizeof(buf));
    ok(len > 0, "formats: %s", buf);
    ok(strncmp((char *) buf, "1.3.1795000000.5.7K2M9QX4PDAB.", 30) == 0,
       "readable fields before the MAC");
    is_int(len, 30 + NGX_EGOV_CONSENT_MAC_LEN, "MAC is 22 characters");
    ok(ngx_egov_consent_parse(buf, len, key, &back) == 0,
       "parses back");
    ok(back.version == 3 && back.time == 1795000000 && back.granted == 5
       && memcmp(back.receipt, c.receipt, 12) == 0, "same values");

    /* tampering: every single-byte change is refused */
    {
        size_t  i;
        int     accepted = 0;

        for (i = 0; i < len; i++) {
            memcpy(bad, buf, len);
            bad[i] = (bad[i] == 'A') ? 'B' : 'A';
            if (ngx_egov_consent_parse(bad, len, key, &back) == 0) {
                accepted++;
            }
        }
        is_int(accepted, 0, "no tampered value is accepted");
    }

    ok(!parses("1.3.1795000000.7.7K2M9QX4PDAB.AAAAAAAAAAAAAAAAAAAAAA", &back),
       "granting more with an old MAC fails");
    ok(ngx_egov_consent_parse(buf, len, &other_store, &back) != 0,
       "another key fails");
    ok(!parses("", &back), "empty");
    ok(!parses("1.", &back), "truncated");
    ok(!parses("2.3.1795000000.5.7K2M9QX4PDAB.AAAAAAAAAAAAAAAAAAAAAA", &back),
       "unknown format version");
    ok(!parses("1.03.1795000000.5.7K2M9QX4PDAB.AAAAAAAAAAAAAAAAAAAAAA", &back),
       "leading zero");
    ok(!parses("1.3.1795000000.10000.7K2M9QX4PDAB.AAAAAAAAAAAAAAAAAAAAAA",
               &back), "too many categories");
    ok(!parses("1.99999999999.1.5.7K2M9QX4PDAB.AAAAAAAAAAAAAAAAAAAAAA",
               &back), "version overflow");
    ok(!parses("1.3.1795000000.5.7k2m9qx4pdab.AAAAAAAAAAAAAAAAAAAAAA", &back),
       "receipt in lower case");
    ok(!parses("1.3.1795000000.5.7K2M9QX4PDA.AAAAAAAAAAAAAAAAAAAAAAA", &back),
       "short receipt");
    ok(!parses("1.3.1795000000.5.7K2M9QX4PDAB.AAAAAAAAAAAAAAAAAAAAA", &back),
       "short MAC");
    ok(!parses("1.3.-1.5.7K2M9QX4PDAB.AAAAAAAAAAAAAAAAAAAAAA", &back),
       "negative time");
    ok(!parses("1...5.7K2M9QX4PDAB.AAAAAAAAAAAAAAAAAAAAAA", &back),
       "empty fields");
    ok(ngx_egov_consent_format(&c, key, buf, 40) == 0,
       "a too small buffer is refused");

    /* Cookie headers */
    ok(cookies("a=1; b=2", "[a=1][b=2]"), "two cookies");
    ok(cookies("  a = 1 ;b=\"quoted\";;c=", "[a=1][b=quoted][c=]"),
       "spaces, quotes, empty pairs and values");
    ok(cookies("novalue; d=4", "[d=4]"), "a pair without =");
    ok(cookies("=x; e=5", "[e=5]"), "an empty name");
    ok(cookies("", ""), "empty header");
    ok(cookies(";;;", ""), "only separators");
    ok(cookies("f=a=b", "[f=a=b]"), "= in a value");

    /* Set-Cookie */
    ok(ngx_egov_set_cookie_name(S("_ga=GA1.2.3; Path=/; Max-Age=63072000"),
                                &n, &nl) && nl == 3
       && memcmp(n, "_ga", 3) == 0, "Set-Cookie name");
    ok(ngx_egov_set_cookie_name(S(" sid = x"), &n, &nl) && nl == 3,
       "Set-Cookie name with spaces");
    ok(!ngx_egov_set_cookie_name(S("Path=/"), &n, &nl) || nl == 4,
       "a lone attribute is a name");
    ok(!ngx_egov_set_cookie_name(S("garbage"), &n, &nl), "no =");
    ok(!ngx_egov_set_cookie_name(S("; a=b"), &n, &nl), "empty first pair");

    /* return paths */
    ok(ngx_egov_consent_return_ok(S("/services/renew?id=3")), "a path");
    ok(ngx_egov_consent_return_ok(S("/")), "the root");
    ok(!ngx_egov_consent_return_ok(S("//evil.example/")),
       "protocol-relative URL");
    ok(!ngx_egov_consent_return_ok(S("/\\evil.example/")), "/\\ form");
    ok(!ngx_egov_consent_return_ok(S("https://evil.example/")), "absolute");
    ok(!ngx_egov_consent_return_ok(S("/a\r\nSet-Cookie: x=1")), "CRLF");
    ok(!ngx_egov_consent_return_ok(S("/a b")), "space");
    ok(!ngx_egov_consent_return_ok(S("")), "empty");
    ok(!ngx_egov_consent_return_ok(S("javascript:alert(1)")), "a scheme");

    /* form bodies */
    ok(form("action=accept&return=%2Fservices%3Fa%3D1", 
            "[action=accept][return=/services?a=1]"), "percent-decoding");
    ok(form("c=analytics&c=marketing", "[c=analytics][c=marketing]"),
       "repeated names");
    ok(form("a=b+c&&d&e=%zz%4", "[a=b c][d=][e=%zz%4]"),
       "plus, empty pair, no value, bad escapes kept");
    ok(form("", ""), "empty body");

    return done_testing();
}
