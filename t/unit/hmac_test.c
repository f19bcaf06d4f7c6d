/* sources: ngx_egov_module/ngx_egov_hmac.c libs: -lcrypto */

/*
 * The prepared-key HMAC-SHA-256 gives OpenSSL's HMAC() digests: keys
 * empty, short, of one block and longer (hashed first), messages empty and
 * over several blocks, in one call and in parts; RFC 4231's test case 2.
 */

#include <stdio.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include "tap.h"
#include "ngx_egov_hmac.h"


static int
same_as_openssl(const unsigned char *key, size_t key_len,
    const unsigned char *msg, size_t len)
{
    size_t               cut;
    unsigned int         md_len;
    unsigned char        want[32], got[32], parts[32];
    ngx_egov_hmac_t      h;
    ngx_egov_hmac_key_t  k;

    if (HMAC(EVP_sha256(), key, (int) key_len, msg, len, want, &md_len)
        == NULL)
    {
        return 0;
    }

    ngx_egov_hmac_key(&k, key, key_len);
    ngx_egov_hmac(&k, msg, len, got);

    cut = len / 3;
    ngx_egov_hmac_start(&h, &k);
    ngx_egov_hmac_update(&h, msg, cut);
    ngx_egov_hmac_update(&h, msg + cut, len - cut);
    ngx_egov_hmac_final(&h, parts);

    /* the key serves again, unchanged by a use */
    ngx_egov_hmac(&k, msg, len, got);

    return memcmp(want, got, 32) == 0 && memcmp(want, parts, 32) == 0;
}


int
main(void)
{
    size_t         kl, ml, i;
    char           name[64];
    unsigned char  key[200], msg[300], md[32];
    static const unsigned char  rfc_md[32] = {
        0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e, 0x6a, 0x04, 0x24,
        0x26, 0x08, 0x95, 0x75, 0xc7, 0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27,
        0x39, 0x83, 0x9d, 0xec, 0x58, 0xb9, 0x64, 0xec, 0x38, 0x43
    };
    ngx_egov_hmac_key_t  k;

    for (i = 0; i < sizeof(key); i++) {
        key[i] = (unsigned char) (i * 7 + 1);
    }

    for (i = 0; i < sizeof(msg); i++) {
        msg[i] = (unsigned char) (i * 13 + 5);
    }

    {
        static const size_t  key_lens[] = { 0, 1, 16, 32, 63, 64, 65, 200 };
        static const size_t  msg_lens[] = { 0, 1, 55, 56, 64, 100, 300 };

        for (kl = 0; kl < sizeof(key_lens) / sizeof(key_lens[0]); kl++) {
            for (ml = 0; ml < sizeof(msg_lens) / sizeof(msg_lens[0]); ml++) {
                snprintf(name, sizeof(name), "key of %zu, message of %zu",
                         key_lens[kl], msg_lens[ml]);
                ok(same_as_openssl(key, key_lens[kl], msg, msg_lens[ml]),
                   name);
            }
        }
    }

    ngx_egov_hmac_key(&k, (const unsigned char *) "Jefe", 4);
    ngx_egov_hmac(&k, "what do ya want for nothing?", 28, md);
    ok(memcmp(md, rfc_md, 32) == 0, "RFC 4231 test case 2");

    ngx_egov_hmac_key_clear(&k);
    for (i = 0; i < sizeof(k) && ((unsigned char *) &k)[i] == 0; i++) {
        /* void */
    }
    ok(i == sizeof(k), "a cleared key is zeroes");

    return done_testing();
}
