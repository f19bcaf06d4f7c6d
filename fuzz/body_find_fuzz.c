/* sources: ngx_egov_module/ngx_egov_body_find.c */

/*
 * Each input is a page's bytes: every level of the search this CPU has
 * must find what a byte-by-byte search finds.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "ngx_egov_body_find.h"

static u_char *
naive(u_char *p, u_char *end, int *partial)
{
    size_t  i, n;
    u_char  c;

    for ( /* void */ ; p < end; p++) {
        n = (size_t) (end - p) < 6 ? (size_t) (end - p) : 6;

        for (i = 0; i < n; i++) {
            c = p[i];
            if (c >= 'A' && c <= 'Z') {
                c |= 0x20;
            }
            if (c != (u_char) "</body"[i]) {
                break;
            }
        }

        if (i == n) {
            *partial = (n < 6);
            return p;
        }
    }

    return NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int      level, best, want_partial, got_partial;
    u_char  *buf, *want, *got;

    /* a copy of its own size, so reading past the end is caught */
    buf = malloc(size ? size : 1);
    memcpy(buf, data, size);

    best = ngx_egov_find_level();
    want_partial = 0;
    want = naive(buf, buf + size, &want_partial);

    for (level = NGX_EGOV_FIND_PLAIN; level <= best; level++) {
        got = ngx_egov_find_close_body(buf, buf + size, &got_partial, level);

        if (got != want || (want && got_partial != want_partial)) {
            abort();
        }
    }

    free(buf);
    return 0;
}
