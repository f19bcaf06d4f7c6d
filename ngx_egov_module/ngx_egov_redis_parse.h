
/*
 * What the fleet layer reads from outside: Sentinel's "+switch-master"
 * messages, addresses Sentinel announces, the password file.  Plain C over
 * (pointer, length): no nginx types, so it can be unit-tested and fuzzed.
 */


#ifndef _NGX_EGOV_REDIS_PARSE_H_INCLUDED_
#define _NGX_EGOV_REDIS_PARSE_H_INCLUDED_


#include <sys/types.h>
#include <stddef.h>


#define NGX_EGOV_REDIS_HOST_MAX  45      /* INET6_ADDRSTRLEN - 1 */

#define NGX_EGOV_REDIS_SECRET_EMPTY     -1
#define NGX_EGOV_REDIS_SECRET_LINES     -2
#define NGX_EGOV_REDIS_SECRET_CONTROL   -3
#define NGX_EGOV_REDIS_SECRET_LONG      -4

#define NGX_EGOV_REDIS_SECRET_MAX  512


typedef struct {
    const u_char               *name;
    size_t                      name_len;
    const u_char               *host;       /* the new master */
    size_t                      host_len;
    int                         port;
} ngx_egov_redis_switch_t;


/*
 * "<master name> <old ip> <old port> <new ip> <new port>": returns 0 and
 * fills "sw", or -1 when the message is not of that form.
 */
int ngx_egov_redis_parse_switch(const u_char *p, size_t len,
    ngx_egov_redis_switch_t *sw);

/* 1..65535, or -1 */
int ngx_egov_redis_parse_port(const u_char *p, size_t len);

/*
 * 1 when the text is a numeric IPv4 or IPv6 address (inet_pton), so that
 * connecting to it resolves nothing.
 */
int ngx_egov_redis_numeric_host(const u_char *p, size_t len);

/*
 * The password in a password file: its first line, without the line end.
 * Returns its length, or NGX_EGOV_REDIS_SECRET_* when the file is empty,
 * has more than one line, holds a control character or is too long.
 */
ssize_t ngx_egov_redis_secret(const u_char *p, size_t len);


#endif /* _NGX_EGOV_REDIS_PARSE_H_INCLUDED_ */
