
/*
 * One argument of a query string, as the admin API reads "address" and
 * "kind": the first "name=value" pair of that name (names compared as
 * sent), its value percent-decoded; and a whole query string decoded, as
 * signatures read it.  Plain C over (pointer, length):
 * unit-tested and fuzzed.
 */


#ifndef _NGX_EGOV_QUERY_H_INCLUDED_
#define _NGX_EGOV_QUERY_H_INCLUDED_


#include <sys/types.h>
#include <stddef.h>


#define NGX_EGOV_QUERY_FOUND    1
#define NGX_EGOV_QUERY_ABSENT   0
#define NGX_EGOV_QUERY_TOO_LONG -1   /* decoded, longer than "size" */


/*
 * The decoded value of "name" into out[0 .. size), its length in *len.
 * "%XX" is a byte (a NUL too: what reads the value must refuse it);
 * a "%" not followed by two hex digits is kept as it is; "+" stays "+".
 */
int ngx_egov_query_arg(const u_char *args, size_t args_len,
    const char *name, u_char *out, size_t size, size_t *len);

/*
 * src[0 .. len) percent-decoded once into dst (room for len bytes), as
 * backends decode (PHP, Python, Java): a "%" not followed by two hex
 * digits is kept as it is (nginx's ngx_unescape_uri() drops it, and what
 * it hid would reach the backend unseen).  Returns the end of dst.
 */
u_char *ngx_egov_query_unescape(u_char *dst, const u_char *src, size_t len);


#endif /* _NGX_EGOV_QUERY_H_INCLUDED_ */
