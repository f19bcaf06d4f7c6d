
/*
 * One argument of a query string, as the admin API reads "address" and
 * "kind": the first "name=value" pair of that name (names compared as
 * sent), its value percent-decoded.  Plain C over (pointer, length):
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


#endif /* _NGX_EGOV_QUERY_H_INCLUDED_ */
