
/*
 * ngx_http_egov_module: the core of ngx_http_egov_module.so.  It owns what
 * the feature modules share: the counters zone and per-request state that
 * survives internal redirects.  Features live in modules of their own.
 */


#include "ngx_http_egov_module.h"


static ngx_int_t ngx_http_egov_postconfiguration(ngx_conf_t *cf);


static ngx_http_module_t  ngx_http_egov_module_ctx = {
    NULL,                                  /* preconfiguration */
    ngx_http_egov_postconfiguration,       /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    NULL,                                  /* create location configuration */
    NULL                                   /* merge location configuration */
};


ngx_module_t  ngx_http_egov_module = {
    NGX_MODULE_V1,
    &ngx_http_egov_module_ctx,             /* module context */
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


static ngx_int_t
ngx_http_egov_postconfiguration(ngx_conf_t *cf)
{
    return ngx_http_egov_stats_init_conf(cf);
}


void *
ngx_http_egov_request_state(ngx_http_request_t *r, ngx_pool_cleanup_pt tag,
    size_t size)
{
    ngx_pool_cleanup_t  *cln;

    r = r->main;

    for (cln = r->pool->cleanup; cln; cln = cln->next) {
        if (cln->handler == tag) {
            return cln->data;
        }
    }

    cln = ngx_pool_cleanup_add(r->pool, size);
    if (cln == NULL) {
        return NULL;
    }

    ngx_memzero(cln->data, size);
    cln->handler = tag;

    return cln->data;
}
