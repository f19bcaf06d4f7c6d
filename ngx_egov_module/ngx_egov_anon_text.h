
/*
 * The text side of anonymized logging: query strings with sensitive values
 * replaced by a marker, a Referer cut to its origin, a User-Agent cut to
 * browser family, major version and OS family.  Plain C over (pointer,
 * length), no nginx types: what they read comes from visitors, so they are
 * unit-tested and fuzzed alone.
 */


#ifndef _NGX_EGOV_ANON_TEXT_H_INCLUDED_
#define _NGX_EGOV_ANON_TEXT_H_INCLUDED_


#include <sys/types.h>
#include <stddef.h>


#define NGX_EGOV_ANON_MARKER      "[redacted]"
#define NGX_EGOV_ANON_MARKER_LEN  (sizeof(NGX_EGOV_ANON_MARKER) - 1)

/* a digit run this long (separators allowed) is an ID or phone number */
#define NGX_EGOV_ANON_DIGITS      8

#define NGX_EGOV_ANON_UA_LEN      48


typedef struct {
    const u_char   *data;      /* lower case, letters and digits only */
    size_t          len;
} ngx_egov_anon_name_t;


/* how long ngx_egov_anon_query()'s output may be */
size_t ngx_egov_anon_query_size(const u_char *args, size_t len);

/*
 * "a=1&password=x&q=me%40example.com" becomes
 * "a=1&password=[redacted]&q=[redacted]": the values of sensitive names
 * (built in, or "extra", normalized as ngx_egov_anon_normalize() does) and
 * values that hold an e-mail address or a long digit run, after decoding
 * (percent-encoding, twice, and "+").  "scratch" has room for "len" bytes.
 * Returns the output's length.
 */
size_t ngx_egov_anon_query(const u_char *args, size_t len, u_char *out,
    u_char *scratch, const ngx_egov_anon_name_t *extra, size_t nextra);

/*
 * "/users/me@example.com/orders/96891234/x;jsessionid=ABC" becomes
 * "/users/[redacted]/orders/[redacted]/x;jsessionid=[redacted]": path
 * segments holding an e-mail address or a long digit run (decoded), and a
 * segment's ";" parameters as query arguments.  "out" has room for
 * ngx_egov_anon_path_size(), "scratch" for "len" bytes.  A path that
 * ngx_egov_anon_path_plain() says is plain has nothing to redact.
 */
size_t ngx_egov_anon_path_size(const u_char *path, size_t len);
int ngx_egov_anon_path_plain(const u_char *path, size_t len);
size_t ngx_egov_anon_path(const u_char *path, size_t len, u_char *out,
    u_char *scratch, const ngx_egov_anon_name_t *extra, size_t nextra);

/* "Pass_Word" -> "password", in place; returns the new length */
size_t ngx_egov_anon_normalize(u_char *name, size_t len);

/*
 * "https://user:pw@www.example.com:8443/path?q" becomes
 * "https://www.example.com:8443";
 * 0 when it is not an absolute http(s) URL.  "out" has room for "len".
 */
size_t ngx_egov_anon_origin(const u_char *url, size_t len, u_char *out);

/* "Chrome 120 / Windows"; at most NGX_EGOV_ANON_UA_LEN bytes */
size_t ngx_egov_anon_ua(const u_char *ua, size_t len, u_char *out);


#endif /* _NGX_EGOV_ANON_TEXT_H_INCLUDED_ */
