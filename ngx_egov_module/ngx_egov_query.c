
/*
 * A query string's argument for the admin API, decoded in one pass into a
 * bounded buffer: a request can neither overrun it nor have a longer value
 * cut silently (too long is said); a query string decoded for signatures.
 */


#include "ngx_egov_query.h"

#include <string.h>


static int ngx_egov_query_hex(u_char c);


int
ngx_egov_query_arg(const u_char *args, size_t args_len, const char *name,
    u_char *out, size_t size, size_t *len)
{
    int            hi, lo;
    size_t         nlen, n;
    const u_char  *p, *end, *v, *vend;

    nlen = strlen(name);
    end = args + args_len;
    *len = 0;

    for (p = args; p < end; p = vend + 1) {

        for (vend = p; vend < end && *vend != '&'; vend++) { /* void */ }

        if ((size_t) (vend - p) <= nlen || memcmp(p, name, nlen) != 0
            || p[nlen] != '=')
        {
            continue;
        }

        n = 0;

        for (v = p + nlen + 1; v < vend; v++) {

            if (n == size) {
                return NGX_EGOV_QUERY_TOO_LONG;
            }

            if (*v == '%' && vend - v >= 3
                && (hi = ngx_egov_query_hex(v[1])) >= 0
                && (lo = ngx_egov_query_hex(v[2])) >= 0)
            {
                out[n++] = (u_char) (hi << 4 | lo);
                v += 2;
                continue;
            }

            out[n++] = *v;
        }

        *len = n;

        return NGX_EGOV_QUERY_FOUND;
    }

    return NGX_EGOV_QUERY_ABSENT;
}


u_char *
ngx_egov_query_unescape(u_char *dst, const u_char *src, size_t len)
{
    int            hi, lo;
    const u_char  *end;

    for (end = src + len; src < end; src++) {

        if (*src == '%' && end - src >= 3
            && (hi = ngx_egov_query_hex(src[1])) >= 0
            && (lo = ngx_egov_query_hex(src[2])) >= 0)
        {
            *dst++ = (u_char) (hi << 4 | lo);
            src += 2;
            continue;
        }

        *dst++ = *src;
    }

    return dst;
}


static int
ngx_egov_query_hex(u_char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }

    c |= 0x20;

    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }

    return -1;
}
