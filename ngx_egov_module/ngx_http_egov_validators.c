
/*
 * A page the consent filter changes (its banner, nonces, gated tags) is
 * not the file: the filter clears the file's ETag and Last-Modified.  But
 * nginx's not_modified filter compares a request's If-None-Match,
 * If-Modified-Since, If-Match and If-Unmodified-Since with them before
 * the consent filter runs, and a browser that kept the unchanged page
 * (before the module was on) would be told 304 and keep it, without the
 * banner and the gating, until the file changes.  This filter, placed
 * after ngx_http_not_modified_filter_module (see "config"), runs before
 * it and turns the comparison off for such pages.
 */


#include "ngx_http_egov_consent.h"


static ngx_int_t ngx_http_egov_validators_init(ngx_conf_t *cf);
static ngx_int_t ngx_http_egov_validators_header_filter(
    ngx_http_request_t *r);


static ngx_http_module_t  ngx_http_egov_validators_module_ctx = {
    NULL,                                  /* preconfiguration */
    ngx_http_egov_validators_init,         /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    NULL,                                  /* create location configuration */
    NULL                                   /* merge location configuration */
};


/* placed after ngx_http_not_modified_filter_module: see "config" */

ngx_module_t  ngx_http_egov_validators_module = {
    NGX_MODULE_V1,
    &ngx_http_egov_validators_module_ctx,  /* module context */
    NULL,                                  /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    NULL,                                  /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_http_output_header_filter_pt  ngx_http_next_header_filter;


static ngx_int_t
ngx_http_egov_validators_header_filter(ngx_http_request_t *r)
{
    ngx_http_headers_in_t  *in;

    in = &r->headers_in;

    if ((in->if_none_match || in->if_modified_since || in->if_match
         || in->if_unmodified_since)
        && ngx_http_egov_consent_changes(r))
    {
        r->disable_not_modified = 1;
    }

    return ngx_http_next_header_filter(r);
}


static ngx_int_t
ngx_http_egov_validators_init(ngx_conf_t *cf)
{
    ngx_http_next_header_filter = ngx_http_top_header_filter;
    ngx_http_top_header_filter = ngx_http_egov_validators_header_filter;

    return NGX_OK;
}
