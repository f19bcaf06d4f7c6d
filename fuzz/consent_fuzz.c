/* sources: ngx_egov_module/ngx_egov_consent_cookie.c ngx_egov_module/ngx_egov_hmac.c libs: -lcrypto */

/*
 * One input through every parser that sees visitors' bytes: the consent
 * cookie (and what it parses to must format back to itself), the Cookie
 * header walker, Set-Cookie names, return paths and form bodies.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "ngx_egov_consent_cookie.h"

static const u_char         key_bytes[] = "fuzzing key, 32 bytes long......";
static ngx_egov_hmac_key_t  key;
static int                  key_ready;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    u_char             *copy, *buf, *n, *v, out[128];
    size_t              nl, vl, len;
    const u_char       *pos, *cn, *cv;
    ngx_egov_consent_t  c;

    if (!key_ready) {
        ngx_egov_hmac_key(&key, key_bytes, 32);
        key_ready = 1;
    }

    copy = malloc(size ? size : 1);
    buf = malloc(size ? size : 1);
    memcpy(copy, data, size);

    if (ngx_egov_consent_parse(copy, size, &key, &c) == 0) {
        len = ngx_egov_consent_format(&c, &key, out, sizeof(out));
        if (len != size || memcmp(out, copy, size) != 0) {
            abort();
        }
    }

    pos = copy;
    while (ngx_egov_cookie_next(&pos, copy + size, &cn, &nl, &cv, &vl)) {
        if (nl == 0 || cn < copy || cv + vl > copy + size) {
            abort();
        }
    }

    (void) ngx_egov_set_cookie_name(copy, size, &cn, &nl);
    (void) ngx_egov_consent_return_ok(copy, size);

    pos = copy;
    while (ngx_egov_form_next(&pos, copy + size, buf, &n, &nl, &v, &vl)) {
        if (n + nl > buf + size || v + vl > buf + size) {
            abort();
        }
    }

    free(buf);
    free(copy);
    return 0;
}
