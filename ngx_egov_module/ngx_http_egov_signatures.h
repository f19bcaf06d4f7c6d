
/*
 * A scanner or probe signature, as the signatures' files share it: a
 * regular expression (egov_signature, the built-in set) or a set of
 * phrases (egov_signatures_data: OWASP CRS data files) over one field.
 */


#ifndef _NGX_HTTP_EGOV_SIGNATURES_H_INCLUDED_
#define _NGX_HTTP_EGOV_SIGNATURES_H_INCLUDED_


#include "ngx_http_egov_protect.h"
#include "ngx_http_egov_regex.h"
#include "ngx_egov_phrases.h"


typedef struct {
    ngx_str_t                   name;
    ngx_uint_t                  field;
    ngx_str_t                   header;      /* lower case */
    ngx_http_egov_regex_t      *regex;       /* or */
    ngx_egov_phrases_t         *phrases;
} ngx_http_egov_sig_t;


ngx_http_egov_sig_t *ngx_http_egov_sig_push(ngx_conf_t *cf,
    ngx_http_egov_protect_loc_conf_t *plcf, ngx_str_t *name);


#endif /* _NGX_HTTP_EGOV_SIGNATURES_H_INCLUDED_ */
