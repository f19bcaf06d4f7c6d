
/*
 * The module's regular expressions (signatures, cookie categories): PCRE2
 * with its JIT whatever "pcre_jit" says, a match limit and a depth limit
 * on every match, a limit reached logged once and counted.
 */


#ifndef _NGX_HTTP_EGOV_REGEX_H_INCLUDED_
#define _NGX_HTTP_EGOV_REGEX_H_INCLUDED_


#include "ngx_http_egov_module.h"


/* backtracking steps and nesting one match may take */
#define NGX_HTTP_EGOV_REGEX_MATCH_LIMIT  100000
#define NGX_HTTP_EGOV_REGEX_DEPTH_LIMIT  1000


typedef struct ngx_http_egov_regex_s  ngx_http_egov_regex_t;


/*
 * NULL with "err" set (nginx's own wording: "pcre2_compile() failed: ...")
 * when the pattern does not compile, with err->len 0 when memory failed;
 * "name" is what the log calls it
 */
ngx_http_egov_regex_t *ngx_http_egov_regex_compile(ngx_conf_t *cf,
    ngx_str_t *pattern, ngx_uint_t caseless, ngx_str_t *name,
    ngx_str_t *err);

/*
 * NGX_OK: matched; NGX_DECLINED: did not; NGX_BUSY: a limit was reached
 * (logged once per pattern and worker, counted); NGX_ERROR: logged
 */
ngx_int_t ngx_http_egov_regex_match(ngx_http_egov_regex_t *re,
    ngx_str_t *s, ngx_log_t *log);


#endif /* _NGX_HTTP_EGOV_REGEX_H_INCLUDED_ */
