/* sources: ngx_egov_module/ngx_egov_cidr.c */

/*
 * Each input is a list file: every line is parsed; what parses must format
 * and parse back to the same prefix, and the frozen set must contain the
 * first and last address of every prefix added.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "ngx_egov_cidr.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t            i, n;
    u_char           *copy, text[64];
    const u_char     *p, *end, *nl;
    ngx_egov_cidr_t   c, back, *added;
    ngx_egov_ipset_t *set;

    copy = malloc(size ? size : 1);
    memcpy(copy, data, size);
    added = malloc(sizeof(ngx_egov_cidr_t) * (size + 1));
    set = ngx_egov_ipset_create();
    n = 0;

    for (p = copy, end = copy + size; p < end; p = nl + 1) {
        nl = memchr(p, '\n', end - p);
        if (nl == NULL) {
            nl = end;
        }

        if (ngx_egov_cidr_parse_line(p, nl - p, &c) != NGX_EGOV_CIDR_OK) {
            continue;
        }

        if (ngx_egov_cidr_format(&c, text, sizeof(text)) == 0
            || ngx_egov_cidr_parse(text, strlen((char *) text), &back) != 0
            || memcmp(&back, &c, sizeof(c)) != 0)
        {
            abort();
        }

        ngx_egov_ipset_add(set, &c);
        added[n++] = c;
    }

    ngx_egov_ipset_freeze(set);

    for (i = 0; i < n; i++) {
        c = added[i];
        c.prefix = (c.family == AF_INET) ? 32 : 128;
        if (!ngx_egov_ipset_contains(set, &c)) {
            abort();
        }
    }

    ngx_egov_ipset_free(set);
    free(added);
    free(copy);
    return 0;
}
