
/*
 * $egov_consent (the visitor's choice: "granted" categories, or "none",
 * "undecided") and $egov_consent_CATEGORY ("1" or "0"), for log_format,
 * map and the application.
 */


#include "ngx_http_egov_consent.h"


static ngx_int_t ngx_http_egov_consent_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_egov_consent_category_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);


static ngx_http_variable_t  ngx_http_egov_consent_vars[] = {

    { ngx_string("egov_consent"), NULL, ngx_http_egov_consent_variable,
      0, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("egov_consent_"), NULL,
      ngx_http_egov_consent_category_variable,
      0, NGX_HTTP_VAR_NOCACHEABLE|NGX_HTTP_VAR_PREFIX, 0 },

      ngx_http_null_variable
};


static ngx_int_t
ngx_http_egov_consent_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_str_t                          s;
    ngx_http_egov_consent_ctx_t       *ctx;
    ngx_http_egov_consent_loc_conf_t  *clcf;

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_egov_consent_module);

    if (!clcf->enable) {
        v->not_found = 1;
        return NGX_OK;
    }

    ctx = ngx_http_egov_consent_resolve(r, clcf);
    if (ctx == NULL
        || ngx_http_egov_consent_granted_str(r, clcf, ctx, &s) != NGX_OK)
    {
        return NGX_ERROR;
    }

    v->data = s.data;
    v->len = s.len;
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    return NGX_OK;
}


/* $egov_consent_analytics: "1" or "0" */

static ngx_int_t
ngx_http_egov_consent_category_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_str_t *name = (ngx_str_t *) data;

    ngx_str_t                          cat;
    ngx_uint_t                         i;
    ngx_http_egov_category_t          *c;
    ngx_http_egov_consent_ctx_t       *ctx;
    ngx_http_egov_consent_loc_conf_t  *clcf;

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_egov_consent_module);

    cat.data = name->data + sizeof("egov_consent_") - 1;
    cat.len = name->len - (sizeof("egov_consent_") - 1);

    v->data = (u_char *) "0";

    if (clcf->enable && clcf->categories) {
        ctx = ngx_http_egov_consent_resolve(r, clcf);
        if (ctx == NULL) {
            return NGX_ERROR;
        }

        c = clcf->categories->elts;

        for (i = 0; i < clcf->categories->nelts; i++) {
            if (c[i].name.len == cat.len
                && ngx_strncmp(c[i].name.data, cat.data, cat.len) == 0
                && (ngx_http_egov_consent_granted(r, ctx) & (1u << i)))
            {
                v->data = (u_char *) "1";
            }
        }
    }

    v->len = 1;
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    return NGX_OK;
}


ngx_int_t
ngx_http_egov_consent_add_variables(ngx_conf_t *cf)
{
    return ngx_http_egov_add_variables(cf, ngx_http_egov_consent_vars);
}
