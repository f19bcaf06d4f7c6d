
/*
 * A Set-Cookie header's lifetime as a browser reads it (RFC 6265 section
 * 5.2): attribute names without case, the last valid Max-Age wins, Max-Age
 * beats Expires wherever it stands, an Expires is a cookie-date (5.1.1).
 * Plain C over (pointer, length): unit-tested and fuzzed against a
 * reference reading.
 */


#ifndef _NGX_EGOV_SET_COOKIE_H_INCLUDED_
#define _NGX_EGOV_SET_COOKIE_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>


#define NGX_EGOV_SET_COOKIE_SESSION  0   /* no valid Max-Age or Expires */
#define NGX_EGOV_SET_COOKIE_KEEPS    1   /* stored until a future time */
#define NGX_EGOV_SET_COOKIE_DELETES  2   /* expires at once: a deletion */


/* what the header does to the cookie it names, at "now" */
int ngx_egov_set_cookie_lifetime(const u_char *p, size_t len, time_t now);

/*
 * Is the header a deletion to every reader: a deletion by RFC 6265, and
 * each of its Max-Age and Expires attributes valid, and a deletion by
 * itself (no year of five digits)
 */
int ngx_egov_set_cookie_deletes(const u_char *p, size_t len, time_t now);

/*
 * A cookie-date (RFC 6265 5.1.1) as seconds since the epoch; -1 when it
 * does not parse (the attribute is then ignored).
 */
int64_t ngx_egov_cookie_date(const u_char *p, size_t len);


#endif /* _NGX_EGOV_SET_COOKIE_H_INCLUDED_ */
