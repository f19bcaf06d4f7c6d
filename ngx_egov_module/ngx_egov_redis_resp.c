
/*
 * Commands in RESP (see ngx_egov_redis_resp.h).
 */


#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "ngx_egov_redis_resp.h"


#define NGX_EGOV_RESP_DIGITS  20        /* of a 64-bit size_t */


static char *ngx_egov_redis_resp_decimal(char *p, size_t n);


int
ngx_egov_redis_resp_argv(char **target, int argc, const char **argv,
    const size_t *argvlen)
{
    int      i;
    char    *cmd, *p;
    size_t   len;

    if (argc < 0) {
        return -1;
    }

    len = 1 + NGX_EGOV_RESP_DIGITS + 2;

    for (i = 0; i < argc; i++) {
        if (argvlen[i] > INT_MAX) {
            return -1;
        }

        len += 1 + NGX_EGOV_RESP_DIGITS + 2 + argvlen[i] + 2;

        if (len > INT_MAX) {
            return -1;
        }
    }

    cmd = malloc(len);
    if (cmd == NULL) {
        return -1;
    }

    p = cmd;
    *p++ = '*';
    p = ngx_egov_redis_resp_decimal(p, (size_t) argc);
    *p++ = '\r'; *p++ = '\n';

    for (i = 0; i < argc; i++) {
        *p++ = '$';
        p = ngx_egov_redis_resp_decimal(p, argvlen[i]);
        *p++ = '\r'; *p++ = '\n';

        if (argvlen[i]) {
            memcpy(p, argv[i], argvlen[i]);
            p += argvlen[i];
        }

        *p++ = '\r'; *p++ = '\n';
    }

    *target = cmd;

    return (int) (p - cmd);
}


static char *
ngx_egov_redis_resp_decimal(char *p, size_t n)
{
    char  *start, *end, c;

    start = p;

    do {
        *p++ = (char) ('0' + n % 10);
        n /= 10;
    } while (n);

    /* the digits came least significant first */

    for (end = p - 1; start < end; start++, end--) {
        c = *start;
        *start = *end;
        *end = c;
    }

    return p;
}
