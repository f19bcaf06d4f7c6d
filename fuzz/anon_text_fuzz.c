/* sources: ngx_egov_module/ngx_egov_anon_text.c */

/*
 * Each input is a query string, a path, a Referer and a User-Agent at
 * once: the outputs must stay within their bounds, a redacted query or
 * path must not grow beyond what ngx_egov_anon_query_size() and
 * ngx_egov_anon_path_size() promised, and a path that
 * ngx_egov_anon_path_plain() passes (the variables then skip the work)
 * must come out unchanged.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "ngx_egov_anon_text.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t   bound, n;
    u_char  *out, *scratch, ua[NGX_EGOV_ANON_UA_LEN];

    bound = ngx_egov_anon_query_size(data, size);
    n = ngx_egov_anon_path_size(data, size);
    out = malloc((n > bound ? n : bound) + 1);
    scratch = malloc(size + 1);

    n = ngx_egov_anon_query(data, size, out, scratch, NULL, 0);
    if (n > bound) {
        abort();
    }

    bound = ngx_egov_anon_path_size(data, size);
    n = ngx_egov_anon_path(data, size, out, scratch, NULL, 0);
    if (n > bound) {
        abort();
    }

    if (ngx_egov_anon_path_plain(data, size)
        && (n != size || memcmp(out, data, size) != 0))
    {
        abort();
    }

    n = ngx_egov_anon_origin(data, size, out);
    if (n > size) {
        abort();
    }

    n = ngx_egov_anon_ua(data, size, ua);
    if (n > NGX_EGOV_ANON_UA_LEN) {
        abort();
    }

    free(out);
    free(scratch);
    return 0;
}
