/* sources: ngx_egov_module/ngx_egov_redis_parse.c */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "ngx_egov_redis_parse.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    u_char                   *copy;
    ssize_t                   n;
    ngx_egov_redis_switch_t   sw;

    /* an exact-size copy, so any read past the end is caught */
    copy = malloc(size ? size : 1);
    memcpy(copy, data, size);

    if (ngx_egov_redis_parse_switch(copy, size, &sw) == 0) {
        if (sw.name < copy || sw.name + sw.name_len > copy + size
            || sw.host < copy || sw.host + sw.host_len > copy + size
            || sw.port < 1 || sw.port > 65535
            || !ngx_egov_redis_numeric_host(sw.host, sw.host_len))
        {
            abort();
        }
    }

    n = ngx_egov_redis_secret(copy, size);
    if (n > (ssize_t) size || n > NGX_EGOV_REDIS_SECRET_MAX) {
        abort();
    }

    (void) ngx_egov_redis_parse_port(copy, size);

    free(copy);
    return 0;
}
