
/*
 * What the fleet layer reads from outside: Sentinel messages and the
 * password file.
 */


#include "ngx_egov_redis_parse.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>


static const u_char *ngx_egov_redis_word(const u_char *p, const u_char *end,
    const u_char **word, size_t *len);


int
ngx_egov_redis_parse_switch(const u_char *p, size_t len,
    ngx_egov_redis_switch_t *sw)
{
    int            i;
    size_t         wlen[5], rest;
    const u_char  *end, *word[5], *extra;

    end = p + len;

    for (i = 0; i < 5; i++) {
        p = ngx_egov_redis_word(p, end, &word[i], &wlen[i]);

        if (wlen[i] == 0) {
            return -1;
        }
    }

    /* nothing may follow the five words */

    (void) ngx_egov_redis_word(p, end, &extra, &rest);

    if (rest != 0) {
        return -1;
    }

    if (ngx_egov_redis_parse_port(word[2], wlen[2]) < 0
        || !ngx_egov_redis_numeric_host(word[3], wlen[3]))
    {
        return -1;
    }

    sw->port = ngx_egov_redis_parse_port(word[4], wlen[4]);
    if (sw->port < 0) {
        return -1;
    }

    sw->name = word[0];
    sw->name_len = wlen[0];
    sw->host = word[3];
    sw->host_len = wlen[3];

    return 0;
}


/* the next space-separated word; "len" is 0 when there is none */

static const u_char *
ngx_egov_redis_word(const u_char *p, const u_char *end, const u_char **word,
    size_t *len)
{
    while (p < end && *p == ' ') {
        p++;
    }

    *word = p;

    while (p < end && *p != ' ') {
        p++;
    }

    *len = p - *word;

    return p;
}


int
ngx_egov_redis_parse_port(const u_char *p, size_t len)
{
    int     port;
    size_t  i;

    if (len == 0 || len > 5) {
        return -1;
    }

    port = 0;

    for (i = 0; i < len; i++) {
        if (p[i] < '0' || p[i] > '9') {
            return -1;
        }

        port = port * 10 + (p[i] - '0');
    }

    if (port < 1 || port > 65535) {
        return -1;
    }

    return port;
}


/*
 * inet_pton(), not a look at the characters: "cafe.db" is made of hex
 * letters and dots, and hiredis would resolve it with getaddrinfo() in a
 * worker
 */

int
ngx_egov_redis_numeric_host(const u_char *p, size_t len)
{
    char    text[NGX_EGOV_REDIS_HOST_MAX + 1];
    u_char  addr[16];

    if (len == 0 || len > NGX_EGOV_REDIS_HOST_MAX
        || memchr(p, '\0', len) != NULL)
    {
        return 0;
    }

    memcpy(text, p, len);
    text[len] = '\0';

    return inet_pton(AF_INET, text, addr) == 1
           || inet_pton(AF_INET6, text, addr) == 1;
}


ssize_t
ngx_egov_redis_secret(const u_char *p, size_t len)
{
    size_t         n;
    const u_char  *end, *q;

    end = p + len;

    for (q = p; q < end && *q != '\n'; q++) {
        /* void */
    }

    n = q - p;

    if (n && p[n - 1] == '\r') {
        n--;
    }

    /* after the first line, only empty lines (an editor's final newline) */

    for ( /* void */ ; q < end; q++) {
        if (*q != '\n' && *q != '\r') {
            return NGX_EGOV_REDIS_SECRET_LINES;
        }
    }

    if (n == 0) {
        return NGX_EGOV_REDIS_SECRET_EMPTY;
    }

    if (n > NGX_EGOV_REDIS_SECRET_MAX) {
        return NGX_EGOV_REDIS_SECRET_LONG;
    }

    for (q = p; q < p + n; q++) {
        if (*q < 0x20 || *q == 0x7f) {
            return NGX_EGOV_REDIS_SECRET_CONTROL;
        }
    }

    return (ssize_t) n;
}
