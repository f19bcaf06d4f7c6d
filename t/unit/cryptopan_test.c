/* sources: ngx_egov_module/ngx_egov_cryptopan.c libs: -lcrypto */

/*
 * The reference vectors of the original Crypto-PAn implementation
 * (t/unit/data/cryptopan-ipv4-vectors.tsv) must come out exactly; IPv6
 * must preserve prefixes too.
 */

#include <arpa/inet.h>
#include <stdlib.h>
#include "tap.h"
#include "ngx_egov_cryptopan.h"


static int
hex_key(const char *hex, unsigned char *key)
{
    unsigned  i, v;

    if (strlen(hex) != 2 * NGX_EGOV_CRYPTOPAN_KEY_LEN) {
        return -1;
    }

    for (i = 0; i < NGX_EGOV_CRYPTOPAN_KEY_LEN; i++) {
        if (sscanf(hex + 2 * i, "%2x", &v) != 1) {
            return -1;
        }
        key[i] = (unsigned char) v;
    }

    return 0;
}


static unsigned
common_prefix(const unsigned char *a, const unsigned char *b, unsigned n)
{
    unsigned  i;

    for (i = 0; i < n * 8; i++) {
        if (((a[i / 8] ^ b[i / 8]) >> (7 - i % 8)) & 1) {
            break;
        }
    }

    return i;
}


int
main(void)
{
    FILE                  *f;
    char                   line[256], raw[64], want[64], got[64], hex[80];
    unsigned               n, bad, i;
    unsigned char          key[NGX_EGOV_CRYPTOPAN_KEY_LEN], a[16], b[16];
    unsigned char          a6[16], b6[16];
    ngx_egov_cryptopan_t   cp;

    f = fopen("t/unit/data/cryptopan-ipv4-vectors.tsv", "r");
    ok(f != NULL, "the reference vectors are there");
    if (f == NULL) {
        return 1;
    }

    hex[0] = '\0';
    n = 0;
    bad = 0;

    while (fgets(line, sizeof(line), f)) {
        if (sscanf(line, "# key_hex %79s", hex) == 1) {
            ok(hex_key(hex, key) == 0, "the key is 32 bytes of hex");
            ok(ngx_egov_cryptopan_init(&cp, key) == 0, "init");
            continue;
        }

        if (line[0] == '#' || sscanf(line, "%63s %63s", raw, want) != 2
            || strcmp(raw, "raw") == 0)
        {
            continue;
        }

        if (inet_pton(AF_INET, raw, a) != 1
            || ngx_egov_cryptopan_ipv4(&cp, a) != 0
            || inet_ntop(AF_INET, a, got, sizeof(got)) == NULL
            || strcmp(got, want) != 0)
        {
            printf("# %s: got %s, want %s\n", raw, got, want);
            bad++;
        }

        n++;
    }

    fclose(f);

    ok(n >= 100, "%u reference vectors read", n);
    ok(bad == 0, "every vector reproduced exactly (%u wrong)", bad);

    /* prefix preservation: v4 and v6 */

    inet_pton(AF_INET, "192.0.2.77", a);
    inet_pton(AF_INET, "192.0.3.5", b);
    i = common_prefix(a, b, 4);
    ngx_egov_cryptopan_ipv4(&cp, a);
    ngx_egov_cryptopan_ipv4(&cp, b);
    is_int(common_prefix(a, b, 4), i, "IPv4: a shared prefix of %u bits stays", i);

    inet_pton(AF_INET6, "2001:db8:1234:5678::1", a6);
    inet_pton(AF_INET6, "2001:db8:1234:ffff::2", b6);
    i = common_prefix(a6, b6, 16);
    memcpy(a, a6, 16);
    ngx_egov_cryptopan_ipv6(&cp, a6);
    ngx_egov_cryptopan_ipv6(&cp, b6);
    is_int(common_prefix(a6, b6, 16), i, "IPv6: a shared prefix of %u bits stays", i);
    ok(memcmp(a, a6, 16) != 0, "IPv6: the address changed");

    memcpy(b, a, 16);
    ngx_egov_cryptopan_ipv6(&cp, b);
    ok(memcmp(b, a6, 16) == 0, "IPv6: the same address, the same result");

    key[0] ^= 1;
    ngx_egov_cryptopan_free(&cp);
    ngx_egov_cryptopan_init(&cp, key);
    ngx_egov_cryptopan_ipv6(&cp, a);
    ok(memcmp(a, a6, 16) != 0, "another key, another result");
    ngx_egov_cryptopan_free(&cp);

    return done_testing();
}
