
/*
 * The built-in scanner and probe signatures: plain data, so that the unit
 * tests can hold every pattern to a budget of work on adversarial input
 * (each must run in time linear in what it reads) without nginx.
 */


#ifndef _NGX_EGOV_SIGNATURES_BUILTIN_H_INCLUDED_
#define _NGX_EGOV_SIGNATURES_BUILTIN_H_INCLUDED_


#define NGX_EGOV_SIG_UA      1   /* User-Agent */
#define NGX_EGOV_SIG_URI     2   /* decoded, normalized path ($uri) */
#define NGX_EGOV_SIG_RAW     3   /* request target as sent */
#define NGX_EGOV_SIG_ARGS    4   /* query string as sent ($args) */
#define NGX_EGOV_SIG_HEADER  5


typedef struct {
    const char  *name;
    int          field;
    const char  *regex;          /* PCRE2, matched without case */
} ngx_egov_sig_builtin_t;


/* ends with a NULL name */
extern const ngx_egov_sig_builtin_t  ngx_egov_sig_builtins[];


#endif /* _NGX_EGOV_SIGNATURES_BUILTIN_H_INCLUDED_ */
