/* sources: ngx_egov_module/ngx_egov_query.c */

/*
 * The admin API's query strings: an argument's value is decoded within its
 * buffer (a guard byte after it must stay), and agrees with a plain
 * reference decoding.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "ngx_egov_query.h"


static int
hex(int c)
{
    return (c >= '0' && c <= '9') ? c - '0'
           : (c >= 'a' && c <= 'f') ? c - 'a' + 10
           : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
}


/* the first "name=" piece, decoded, or -1 */

static long
reference(const uint8_t *a, size_t n, const char *name, uint8_t *out)
{
    size_t  i, j, k, nl;
    long    o;

    nl = strlen(name);

    for (i = 0; i <= n; i = j + 1) {
        for (j = i; j < n && a[j] != '&'; j++) { /* void */ }

        if (j - i > nl && memcmp(a + i, name, nl) == 0 && a[i + nl] == '=') {
            for (o = 0, k = i + nl + 1; k < j; k++) {
                if (a[k] == '%' && j - k >= 3 && hex(a[k + 1]) >= 0
                    && hex(a[k + 2]) >= 0)
                {
                    out[o++] = (uint8_t) (hex(a[k + 1]) * 16 + hex(a[k + 2]));
                    k += 2;

                } else {
                    out[o++] = a[k];
                }
            }

            return o;
        }

        if (j == n) {
            break;
        }
    }

    return -1;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int      rc;
    long     want;
    size_t   len, room;
    uint8_t  out[65], ref[4096];

    if (size > sizeof(ref)) {
        return 0;
    }

    room = size ? data[0] % 64 : 0;
    out[room] = 0xa5;

    rc = ngx_egov_query_arg(data, size, "address", out, room, &len);
    want = reference(data, size, "address", ref);

    if (out[room] != 0xa5) {
        abort();
    }

    if (want < 0) {
        if (rc != NGX_EGOV_QUERY_ABSENT) {
            abort();
        }

    } else if ((size_t) want > room) {
        if (rc != NGX_EGOV_QUERY_TOO_LONG) {
            abort();
        }

    } else if (rc != NGX_EGOV_QUERY_FOUND || len != (size_t) want
               || memcmp(out, ref, len) != 0)
    {
        abort();
    }

    return 0;
}
