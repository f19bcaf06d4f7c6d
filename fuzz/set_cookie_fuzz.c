/* sources: ngx_egov_module/ngx_egov_set_cookie.c */

/*
 * Differential: the Set-Cookie lifetime against a reference reading of
 * RFC 6265 5.2 written the plain way (split, trim, strtoll); a parsed
 * cookie-date formatted back with gmtime_r must parse to itself.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "ngx_egov_set_cookie.h"

#define NOW  1796212800


static char *
trim(char *s, char *e)
{
    while (s < e && (*s == ' ' || *s == '\t')) {
        s++;
    }

    while (e > s && (e[-1] == ' ' || e[-1] == '\t')) {
        e--;
    }

    *e = '\0';
    return s;
}


static int
reference(const uint8_t *data, size_t size)
{
    char       *s, *attr, *next, *eq, *name, *value, *end;
    int         have_max_age = 0, have_expires = 0;
    long long   max_age = 0;
    int64_t     expires = 0, d;

    s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';

    attr = strchr(s, ';');

    while (attr != NULL) {
        attr++;
        next = strchr(attr, ';');
        end = next ? next : attr + strlen(attr);
        if (next) {
            *next = '\0';
        }

        eq = memchr(attr, '=', end - attr);
        if (eq) {
            name = trim(attr, eq);
            value = trim(eq + 1, end);
        } else {
            name = trim(attr, end);
            value = end;
        }

        if (strcasecmp(name, "max-age") == 0) {
            size_t  k = (value[0] == '-') ? 1 : 0, ok = value[k] != '\0';
            for (; value[k]; k++) {
                if (value[k] < '0' || value[k] > '9') {
                    ok = 0;
                }
            }
            if (ok) {
                /* only the sign matters: > 0 or not */
                max_age = (value[0] == '-') ? -1
                          : (strspn(value, "0") == strlen(value) ? 0 : 1);
                have_max_age = 1;
            }

        } else if (strcasecmp(name, "expires") == 0) {
            d = ngx_egov_cookie_date((u_char *) value, strlen(value));
            if (d != -1) {
                expires = d;
                have_expires = 1;
            }
        }

        attr = next;
    }

    free(s);

    if (have_max_age) {
        return max_age <= 0 ? NGX_EGOV_SET_COOKIE_DELETES
                            : NGX_EGOV_SET_COOKIE_KEEPS;
    }

    if (have_expires) {
        return expires <= NOW ? NGX_EGOV_SET_COOKIE_DELETES
                              : NGX_EGOV_SET_COOKIE_KEEPS;
    }

    return NGX_EGOV_SET_COOKIE_SESSION;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int64_t    d, again;
    time_t     t;
    char       buf[64];
    struct tm  tm;

    if (memchr(data, '\0', size) == NULL
        && ngx_egov_set_cookie_lifetime(data, size, NOW)
           != reference(data, size))
    {
        abort();
    }

    /* a deletion to every reader is a deletion to RFC 6265's */

    if (ngx_egov_set_cookie_deletes(data, size, NOW)
        && ngx_egov_set_cookie_lifetime(data, size, NOW)
           != NGX_EGOV_SET_COOKIE_DELETES)
    {
        abort();
    }

    d = ngx_egov_cookie_date(data, size);

    if (d != -1) {
        t = (time_t) d;
        if (gmtime_r(&t, &tm) == NULL) {
            abort();
        }

        strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &tm);
        again = ngx_egov_cookie_date((u_char *) buf, strlen(buf));

        if (again != d) {
            abort();
        }
    }

    return 0;
}
