/* sources: ngx_egov_module/ngx_egov_fleet_auth.c ngx_egov_module/ngx_egov_hmac.c libs: -lcrypto */

/*
 * Signed texts and wrapped keys from Redis, whoever wrote them: checking
 * never reads outside the input, a payload accepted lies inside it, a text
 * the fuzzer makes up is never accepted (it cannot know the key), and what
 * a server signs, another accepts with the payload it signed.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "ngx_egov_fleet_auth.h"


static const unsigned char  secret[] =
    "the fuzzer's fleet secret: thirty-two bytes or more";


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int             ready;
    static ngx_egov_fleet_auth_t  a;
    size_t                 plen, n;
    unsigned char          out[8192], key[32];
    const unsigned char   *p;

    if (!ready) {
        if (ngx_egov_fleet_auth_init(&a, secret, sizeof(secret) - 1, "fuzz",
                                     4) != 0)
        {
            abort();
        }

        ready = 1;
    }

    /* made up: never accepted */

    if (ngx_egov_fleet_auth_verify(&a, (const unsigned char *) "ctx", 3,
                                   1000, 0, data, size, &p, &plen)
        == NGX_EGOV_FLEET_AUTH_OK)
    {
        abort();
    }

    if (ngx_egov_fleet_auth_unwrap(&a, (const unsigned char *) "ctx", 3, data,
                                   size, key, sizeof(key))
        == 0)
    {
        abort();
    }

    /* signed here: accepted there, the same payload */

    n = ngx_egov_fleet_auth_sign(&a, (const unsigned char *) "ctx", 3,
                                 size, data, size, out, sizeof(out));

    if (n == 0) {
        if (size <= 4000) {
            abort();
        }

        return 0;
    }

    if (ngx_egov_fleet_auth_verify(&a, (const unsigned char *) "ctx", 3,
                                   size + 5, 10, out, n, &p, &plen)
        != NGX_EGOV_FLEET_AUTH_OK
        || plen != size || p != out + n - size
        || memcmp(p, data, size) != 0)
    {
        abort();
    }

    return 0;
}
