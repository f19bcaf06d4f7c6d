
/*
 * The consent gate, a header filter: Set-Cookie headers of categories the
 * visitor has not granted are removed from every response, cookies of
 * them the request still carries are expired, and an HTML page is marked
 * for the banner (or its settings link) and not shared by caches.
 */


#include "ngx_http_egov_consent.h"
#include "ngx_egov_set_cookie.h"


static ngx_int_t ngx_http_egov_consent_header_filter(ngx_http_request_t *r);
static void ngx_http_egov_consent_gate(ngx_http_request_t *r,
    ngx_http_egov_consent_loc_conf_t *clcf, ngx_http_egov_consent_ctx_t *ctx);
static ngx_str_t *ngx_http_egov_consent_cat_name(
    ngx_http_egov_consent_loc_conf_t *clcf, ngx_int_t cat);
static ngx_uint_t ngx_http_egov_consent_injectable(ngx_http_request_t *r);
static void ngx_http_egov_consent_page_lang(ngx_http_request_t *r,
    ngx_http_egov_consent_ctx_t *ctx);
static ngx_int_t ngx_http_egov_consent_cacheable(ngx_http_request_t *r);


static ngx_http_output_header_filter_pt  ngx_http_next_header_filter;


ngx_int_t
ngx_http_egov_consent_gate_init(ngx_conf_t *cf)
{
    ngx_http_next_header_filter = ngx_http_top_header_filter;
    ngx_http_top_header_filter = ngx_http_egov_consent_header_filter;

    return NGX_OK;
}


static ngx_int_t
ngx_http_egov_consent_header_filter(ngx_http_request_t *r)
{
    off_t                              length;
    ngx_http_egov_consent_ctx_t       *ctx;
    ngx_http_egov_consent_loc_conf_t  *clcf;

    if (r != r->main) {
        return ngx_http_next_header_filter(r);
    }

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_egov_consent_module);

    if (!clcf->enable) {
        return ngx_http_next_header_filter(r);
    }

    /*
     * Nothing to decide: no page to change, no Set-Cookie to hold back
     * and no cookie of the visitor's to expire; the consent is not read
     * (it negotiates a language, derives a key, looks for GPC)
     */

    if (ngx_http_get_module_ctx(r, ngx_http_egov_consent_module) == NULL
        && ngx_http_egov_cookie_header(r, 0) == NULL
        && ngx_http_egov_header_out(r, (u_char *) "Set-Cookie",
                                    sizeof("Set-Cookie") - 1)
           == NULL
        && !ngx_http_egov_consent_injectable(r))
    {
        return ngx_http_next_header_filter(r);
    }

    ctx = ngx_http_egov_consent_resolve(r, clcf);
    if (ctx == NULL) {
        return NGX_ERROR;
    }

    ngx_http_egov_consent_gate(r, clcf, ctx);

    /* cookies of categories not granted that the visitor still carries */

    if (!ctx->expired) {
        ctx->expired = 1;

        if (ngx_http_egov_consent_expire(r, clcf,
                                         ngx_http_egov_consent_granted(r, ctx))
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    ctx->inject = 0;

    if (!ctx->own_page && !ngx_http_egov_own_answer(r)
        && ngx_http_egov_consent_injectable(r))
    {

        if (r->headers_out.status == NGX_HTTP_OK) {
            ctx->inject = (ctx->decided || ctx->signal)
                          ? NGX_HTTP_EGOV_INJECT_LINK
                          : NGX_HTTP_EGOV_INJECT_BANNER;
        }

        if (clcf->nonce_inject) {
            ctx->inject |= NGX_HTTP_EGOV_INJECT_NONCE;
        }

        if (clcf->markup) {
            ctx->inject |= NGX_HTTP_EGOV_INJECT_MARKUP;
        }
    }

    if (ctx->inject == 0) {
        return ngx_http_next_header_filter(r);
    }

    /*
     * The body changes: its length is the banner's filter's to say, ranges
     * do not apply (a Range header gets the whole changed page: a range of
     * the file would be the page without its banner and gating, or,
     * spliced with the changed page, neither), and a validator would let
     * a 304 pair an old page with a new nonce.  The page now depends on
     * the visitor: no shared cache may keep it.
     */

    length = r->headers_out.content_length_n;

    /* "auto": the page's own language first, then the visitor's */

    if (clcf->lang < 0) {
        ngx_http_egov_consent_page_lang(r, ctx);
    }

    ngx_http_clear_content_length(r);
    ngx_http_clear_accept_ranges(r);
    ngx_http_clear_last_modified(r);
    ngx_http_clear_etag(r);

    if (ngx_http_egov_consent_cacheable(r) != NGX_OK
        || ngx_http_egov_banner_start(r, ctx, length) != NGX_OK)
    {
        return NGX_ERROR;
    }

    if ((ctx->inject & NGX_HTTP_EGOV_INJECT_BANNER)
        && r->method != NGX_HTTP_HEAD)
    {
        ngx_http_egov_stat_inc(NGX_EGOV_STAT_CONSENT_BANNERS);
    }

    return ngx_http_next_header_filter(r);
}


/* every Set-Cookie of a category the visitor has not granted goes */

static void
ngx_http_egov_consent_gate(ngx_http_request_t *r,
    ngx_http_egov_consent_loc_conf_t *clcf, ngx_http_egov_consent_ctx_t *ctx)
{
    size_t                              nl;
    ngx_int_t                           cat;
    ngx_uint_t                          i, allowed, granted;
    const u_char                       *n;
    ngx_list_part_t                    *part;
    ngx_table_elt_t                    *h;
    ngx_http_egov_consent_main_conf_t  *cmcf;

    cmcf = ngx_http_get_module_main_conf(r, ngx_http_egov_consent_module);

    /* GPC refuses what the visitor chose before, as the CSP does */

    granted = ngx_http_egov_consent_granted(r, ctx);

    part = &r->headers_out.headers.part;
    h = part->elts;

    for (i = 0; /* void */ ; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                return;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        /*
         * the module's own expiry of a cookie the request carried: a
         * removal, so allowed, and not in the inventory, which lists the
         * cookies the portal sets, not the names visitors send
         */

        if (h[i].hash == 0
            || ngx_http_egov_consent_own_expiry(&h[i])
            || h[i].key.len != sizeof("Set-Cookie") - 1
            || ngx_strncasecmp(h[i].key.data, (u_char *) "Set-Cookie",
                               sizeof("Set-Cookie") - 1) != 0
            || !ngx_egov_set_cookie_name(h[i].value.data, h[i].value.len,
                                         &n, &nl))
        {
            continue;
        }

        cat = ngx_http_egov_consent_classify(clcf, (u_char *) n, nl);

        if (cat == NGX_HTTP_EGOV_CONSENT_NECESSARY
            || ngx_egov_set_cookie_deletes(h[i].value.data, h[i].value.len,
                                           ngx_time()))
        {
            /* removing a cookie never needs consent: "removing" as every
             * browser reads the attributes, the last Max-Age first */
            allowed = 1;

        } else if (cat == NGX_HTTP_EGOV_CONSENT_UNKNOWN) {
            allowed = clcf->unknown_allow;

        } else {
            allowed = (granted & (1u << cat)) != 0;
        }

        ngx_http_egov_inventory_record(cmcf, (u_char *) n, nl,
                                       ngx_http_egov_consent_cat_name(clcf,
                                                                      cat),
                                       !allowed);

        if (allowed) {
            continue;
        }

        h[i].hash = 0;
        ngx_http_egov_stat_inc(NGX_EGOV_STAT_CONSENT_HELD_BACK);

        ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "egov consent: held back cookie \"%*s\"", nl, n);
    }
}


static ngx_str_t *
ngx_http_egov_consent_cat_name(ngx_http_egov_consent_loc_conf_t *clcf,
    ngx_int_t cat)
{
    ngx_http_egov_category_t  *c;

    static ngx_str_t  necessary = ngx_string("necessary");
    static ngx_str_t  unclassified = ngx_string("unclassified");

    if (cat == NGX_HTTP_EGOV_CONSENT_NECESSARY) {
        return &necessary;
    }

    if (cat < 0 || clcf->categories == NULL
        || (ngx_uint_t) cat >= clcf->categories->nelts)
    {
        return &unclassified;
    }

    c = clcf->categories->elts;

    return &c[cat].name;
}


/*
 * Before nginx's not_modified filter (ngx_http_egov_validators.c): will
 * the filter change this page?  Then the file's validators are not its.
 */

ngx_uint_t
ngx_http_egov_consent_changes(ngx_http_request_t *r)
{
    ngx_http_egov_consent_ctx_t       *ctx;
    ngx_http_egov_consent_loc_conf_t  *clcf;

    if (r != r->main || r->headers_out.status != NGX_HTTP_OK) {
        return 0;
    }

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_egov_consent_module);
    ctx = ngx_http_get_module_ctx(r, ngx_http_egov_consent_module);

    return clcf->enable
           && (ctx == NULL || !ctx->own_page)
           && !ngx_http_egov_own_answer(r)
           && ngx_http_egov_consent_injectable(r);
}


/*
 * Would the banner (or nonces) go into this response?  A HEAD is answered
 * as its GET would be, headers and all (RFC 9110, 9.3.2: the same
 * Content-Length, no validators, the same caching), with no body.
 */

static ngx_uint_t
ngx_http_egov_consent_injectable(ngx_http_request_t *r)
{
    if ((r->header_only && r->method != NGX_HTTP_HEAD)
        || r->headers_out.status == NGX_HTTP_NO_CONTENT
        || r->headers_out.status == NGX_HTTP_NOT_MODIFIED
        || r->headers_out.status == NGX_HTTP_PARTIAL_CONTENT
        || !ngx_http_egov_is_html(r))
    {
        return 0;
    }

    /*
     * a Range the slice module serves: it fetched only the slices the
     * range needs, so the response is no whole page to change; the range
     * filter cuts it, as without the module
     */

    if (r->headers_in.range && r->subrequest_ranges) {
        return 0;
    }

    /* compressed by the upstream: not ours to rewrite */

    if (r->headers_out.content_encoding
        && r->headers_out.content_encoding->value.len
        && r->headers_out.content_encoding->hash)
    {
        return 0;
    }

    return 1;
}


/*
 * The language a page says it is in (Content-Language, its first tag):
 * the banner speaks it, whatever the browser prefers, when it is one the
 * banner has
 */

static void
ngx_http_egov_consent_page_lang(ngx_http_request_t *r,
    ngx_http_egov_consent_ctx_t *ctx)
{
    int               lang;
    ngx_table_elt_t  *h;

    h = ngx_http_egov_header_out(r, (u_char *) "Content-Language",
                                 sizeof("Content-Language") - 1);
    if (h == NULL) {
        /* the page's <html lang> may say, as the page streams by */
        ctx->lang_pending = 1;
        return;
    }

    lang = ngx_egov_lang_of_page(h->value.data, h->value.len);

    if (lang >= 0) {
        ctx->lang = (ngx_egov_lang_e) lang;
    }
}


/* a response that depends on the visitor's consent: not shared by caches */

ngx_int_t
ngx_http_egov_consent_vary(ngx_http_request_t *r)
{
    return ngx_http_egov_consent_cacheable(r);
}


/* "Cache-Control: private" unless the response is already not stored */

static ngx_int_t
ngx_http_egov_consent_cacheable(ngx_http_request_t *r)
{
    ngx_uint_t        i, vary;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h, *cc;

    part = &r->headers_out.headers.part;
    h = part->elts;
    vary = 0;

    for (i = 0; /* void */ ; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].hash == 0) {
            continue;
        }

        if (h[i].key.len == sizeof("Cache-Control") - 1
            && ngx_strncasecmp(h[i].key.data, (u_char *) "Cache-Control",
                               sizeof("Cache-Control") - 1) == 0)
        {
            if (ngx_strlcasestrn(h[i].value.data,
                                 h[i].value.data + h[i].value.len,
                                 (u_char *) "no-store",
                                 sizeof("no-store") - 2))
            {
                return NGX_OK;
            }

            h[i].hash = 0;
            continue;
        }

        if (h[i].key.len == sizeof("Vary") - 1
            && ngx_strncasecmp(h[i].key.data, (u_char *) "Vary", 4) == 0
            && ngx_strlcasestrn(h[i].value.data,
                                h[i].value.data + h[i].value.len,
                                (u_char *) "cookie", sizeof("cookie") - 2))
        {
            vary = 1;
        }
    }

    cc = ngx_list_push(&r->headers_out.headers);
    if (cc == NULL) {
        return NGX_ERROR;
    }

    cc->hash = 1;
    ngx_str_set(&cc->key, "Cache-Control");
    ngx_str_set(&cc->value, "private, no-cache");
    cc->lowcase_key = (u_char *) "cache-control";
#if (nginx_version >= 1023000)
    cc->next = NULL;
#endif

    if (vary) {
        return NGX_OK;
    }

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
    ngx_str_set(&h->key, "Vary");
    ngx_str_set(&h->value, "Cookie");
    h->lowcase_key = (u_char *) "vary";
#if (nginx_version >= 1023000)
    h->next = NULL;
#endif

    return NGX_OK;
}
