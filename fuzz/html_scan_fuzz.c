/* sources: ngx_egov_module/ngx_egov_html_scan.c */

/*
 * The page read at once and read in ranges of any size must give the same
 * places, each within its range; the first byte chooses the range size.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ngx_egov_html_scan.h"


static size_t
found(const uint8_t *page, size_t len, size_t chunk, size_t *out, size_t max)
{
    int              rc;
    unsigned         flags;
    size_t           start, n, held, k;
    const u_char    *p, *pos, *end, *at;
    ngx_egov_html_t  h;

    ngx_egov_html_init(&h);
    held = (size_t) -1;
    flags = NGX_EGOV_HTML_F_NONCE|NGX_EGOV_HTML_F_BODY|NGX_EGOV_HTML_F_GATE
            |NGX_EGOV_HTML_F_HTML;
    k = 0;

    for (start = 0; start < len; start += n) {
        n = (chunk < len - start) ? chunk : len - start;
        p = page + start;
        pos = p;
        end = p + n;

        for ( ;; ) {
            at = NULL;
            rc = ngx_egov_html_next(&h, &pos, end, flags, &at);

            if (pos < p || pos > end || (at && (at < p || at >= end))) {
                abort();
            }

            if (rc == NGX_EGOV_HTML_END) {
                break;
            }

            if (rc == NGX_EGOV_HTML_PARTIAL) {
                if (at) {
                    held = start + (at - p);
                }

                if (held == (size_t) -1 || len - held > len) {
                    abort();
                }

                break;
            }

            if (rc == NGX_EGOV_HTML_TAG && h.lt == NULL
                && held == (size_t) -1)
            {
                abort();
            }

            if (rc == NGX_EGOV_HTML_TAG && h.lt) {
                held = start + (h.lt - p);
            }

            if (rc == NGX_EGOV_HTML_BODY) {
                flags &= ~NGX_EGOV_HTML_F_BODY;

                if (at == NULL && held == (size_t) -1) {
                    abort();
                }
            }

            if (k < max) {
                out[k++] = (at ? start + (size_t) (at - p) : held) * 4
                           + (rc == NGX_EGOV_HTML_BODY)
                           + (rc == NGX_EGOV_HTML_TAG) * 2;
            }

            if (rc == NGX_EGOV_HTML_TAG && k < max) {
                out[k++] = held * 4 + 3;        /* where the tag began */
            }
        }
    }

    return k;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t  chunk, n1, n2, a[256], b[256];

    if (size < 2) {
        return 0;
    }

    chunk = 1 + data[0] % 16;
    data++;
    size--;

    n1 = found(data, size, size, a, 256);
    n2 = found(data, size, chunk, b, 256);

    if (n1 != n2 || memcmp(a, b, n1 * sizeof(size_t)) != 0) {
        abort();
    }

    return 0;
}
