
/*
 * The consent endpoint (egov_consent_path, no location needed): a choice
 * posted from the banner's form, with or without JavaScript, becomes the
 * signed consent cookie, a proof record and the expiry of what is no
 * longer granted; GET answers the settings page (or the state as JSON);
 * /.well-known/gpc.json says Global Privacy Control is honoured.
 */


#include "ngx_http_egov_consent.h"
#include "ngx_egov_redis.h"


#define NGX_HTTP_EGOV_RECEIPT_ALPHABET  "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


static ngx_int_t ngx_http_egov_consent_endpoint(ngx_http_request_t *r,
    ngx_http_egov_consent_loc_conf_t *clcf);
static void ngx_http_egov_consent_body(ngx_http_request_t *r);
static ngx_int_t ngx_http_egov_consent_decide(ngx_http_request_t *r,
    ngx_http_egov_consent_loc_conf_t *clcf);
static ngx_int_t ngx_http_egov_consent_same_origin(ngx_http_request_t *r);
static ngx_int_t ngx_http_egov_consent_set_cookie(ngx_http_request_t *r,
    ngx_http_egov_consent_loc_conf_t *clcf, ngx_egov_consent_t *c);
static void ngx_http_egov_consent_proof(ngx_http_request_t *r,
    ngx_http_egov_consent_loc_conf_t *clcf, ngx_egov_consent_t *c,
    ngx_str_t *how);
static ngx_int_t ngx_http_egov_consent_page(ngx_http_request_t *r,
    ngx_http_egov_consent_loc_conf_t *clcf);
static ngx_int_t ngx_http_egov_consent_json(ngx_http_request_t *r,
    ngx_http_egov_consent_loc_conf_t *clcf, ngx_http_egov_consent_ctx_t *ctx);
static ngx_int_t ngx_http_egov_gpc_json(ngx_http_request_t *r);


static ngx_str_t  ngx_http_egov_gpc_path = ngx_string("/.well-known/gpc.json");


ngx_int_t
ngx_http_egov_consent_handler(ngx_http_request_t *r)
{
    ngx_int_t                          rc;
    ngx_http_egov_consent_loc_conf_t  *clcf;

    if (r != r->main) {
        return NGX_DECLINED;
    }

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_egov_consent_module);

    if (!clcf->enable) {
        return NGX_DECLINED;
    }

    if (r->uri.len == clcf->path.len
        && ngx_strncmp(r->uri.data, clcf->path.data, r->uri.len) == 0)
    {
        return ngx_http_egov_consent_endpoint(r, clcf);
    }

    rc = ngx_http_egov_banner_asset(r, clcf);

    if (rc != NGX_DECLINED) {
        return rc;
    }

    if (r->uri.len == ngx_http_egov_gpc_path.len
        && ngx_strncmp(r->uri.data, ngx_http_egov_gpc_path.data,
                       r->uri.len) == 0)
    {
        return ngx_http_egov_gpc_json(r);
    }

    return NGX_DECLINED;
}


static ngx_int_t
ngx_http_egov_consent_endpoint(ngx_http_request_t *r,
    ngx_http_egov_consent_loc_conf_t *clcf)
{
    ngx_int_t                     rc;
    ngx_table_elt_t              *h;
    ngx_http_egov_consent_ctx_t  *ctx;

    if (r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD)) {

        if (ngx_http_egov_prefers_json(r)) {
            ctx = ngx_http_egov_consent_resolve(r, clcf);
            if (ctx == NULL) {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }

            return ngx_http_egov_consent_json(r, clcf, ctx);
        }

        return ngx_http_egov_consent_page(r, clcf);
    }

    if (r->method != NGX_HTTP_POST) {
        h = ngx_list_push(&r->headers_out.headers);
        if (h == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        h->hash = 1;
        ngx_str_set(&h->key, "Allow");
        ngx_str_set(&h->value, "GET, HEAD, POST");
        h->lowcase_key = (u_char *) "allow";

        return NGX_HTTP_NOT_ALLOWED;
    }

    /*
     * The body is read outside the content phase: the request is counted
     * once more by ngx_http_read_client_request_body(), which the
     * finalization with NGX_DONE below gives back, as the content phase
     * would.
     */

    if (r->headers_in.content_length_n > 4096) {
        return NGX_HTTP_REQUEST_ENTITY_TOO_LARGE;
    }

    rc = ngx_http_read_client_request_body(r, ngx_http_egov_consent_body);

    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        return rc;
    }

    ngx_http_finalize_request(r, NGX_DONE);

    return NGX_DONE;
}


static void
ngx_http_egov_consent_body(ngx_http_request_t *r)
{
    ngx_http_egov_consent_loc_conf_t  *clcf;

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_egov_consent_module);

    ngx_http_finalize_request(r, ngx_http_egov_consent_decide(r, clcf));
}


static ngx_int_t
ngx_http_egov_consent_decide(ngx_http_request_t *r,
    ngx_http_egov_consent_loc_conf_t *clcf)
{
    u_char                       *buf, *n, *v;
    size_t                        size, nl, vl;
    ngx_str_t                     ret, how, empty;
    ngx_buf_t                    *b;
    ngx_uint_t                    i, action, granted, all;
    ngx_chain_t                  *cl;
    const u_char                 *pos, *end;
    ngx_egov_consent_t            c;
    ngx_table_elt_t              *h;
    ngx_http_egov_category_t     *cat;
    ngx_http_egov_consent_ctx_t  *ctx;
    u_char                        body[4096];
    u_char                        random[NGX_EGOV_CONSENT_RECEIPT_LEN];

    static ngx_str_t  html_type = ngx_string("text/html");

    if (ngx_http_egov_consent_same_origin(r) != NGX_OK) {
        ngx_log_error(NGX_LOG_WARN, ngx_http_egov_quiet_log(r), 0,
                      "egov consent: a decision posted from another site "
                      "was refused");
        return NGX_HTTP_FORBIDDEN;
    }

    /*
     * the form, at most 4 KiB of it, from memory only: a body nginx wrote
     * to a temporary file (larger than client_body_buffer_size) would be
     * read while the worker waits; a decision is a few hundred bytes
     */

    size = 0;

    if (r->request_body && r->request_body->bufs) {
        for (cl = r->request_body->bufs; cl && size < sizeof(body);
             cl = cl->next)
        {
            b = cl->buf;

            if (b->in_file) {
                ngx_log_error(NGX_LOG_INFO, ngx_http_egov_quiet_log(r), 0,
                              "egov consent: a decision larger than "
                              "client_body_buffer_size was refused");
                return NGX_HTTP_REQUEST_ENTITY_TOO_LARGE;
            }

            nl = ngx_min((size_t) (b->last - b->pos), sizeof(body) - size);
            ngx_memcpy(body + size, b->pos, nl);
            size += nl;
        }
    }

    buf = ngx_pnalloc(r->pool, size ? size : 1);
    if (buf == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    action = 0;
    granted = 0;
    ngx_str_set(&ret, "/");
    all = clcf->categories ? (1u << clcf->categories->nelts) - 1 : 0;
    cat = clcf->categories ? clcf->categories->elts : NULL;

    pos = body;
    end = body + size;

    while (ngx_egov_form_next(&pos, end, buf, &n, &nl, &v, &vl)) {

        if (nl == 6 && ngx_strncmp(n, "action", 6) == 0) {
            action = (vl == 6 && ngx_strncmp(v, "accept", 6) == 0) ? 1
                   : (vl == 6 && ngx_strncmp(v, "reject", 6) == 0) ? 2
                   : (vl == 4 && ngx_strncmp(v, "save", 4) == 0) ? 3 : 0;

        } else if (nl == 1 && n[0] == 'c') {
            for (i = 0; cat && i < clcf->categories->nelts; i++) {
                if (cat[i].name.len == vl
                    && ngx_strncmp(cat[i].name.data, v, vl) == 0)
                {
                    granted |= 1u << i;
                }
            }

        } else if (nl == 6 && ngx_strncmp(n, "return", 6) == 0) {
            if (ngx_egov_consent_return_ok(v, vl)) {
                ret.data = ngx_pnalloc(r->pool, vl);
                if (ret.data == NULL) {
                    return NGX_HTTP_INTERNAL_SERVER_ERROR;
                }

                ngx_memcpy(ret.data, v, vl);
                ret.len = vl;
            }
        }

        /* the next pair is decoded into the buffer again */
    }

    switch (action) {

    case 1:
        granted = all;
        ngx_str_set(&how, "accept");
        ngx_http_egov_stat_inc(NGX_EGOV_STAT_CONSENT_ACCEPT);
        break;

    case 2:
        granted = 0;
        ngx_str_set(&how, "reject");
        ngx_http_egov_stat_inc(NGX_EGOV_STAT_CONSENT_REJECT);
        break;

    case 3:
        ngx_str_set(&how, "choose");
        ngx_http_egov_stat_inc(NGX_EGOV_STAT_CONSENT_CHOOSE);
        break;

    default:
        ngx_log_error(NGX_LOG_INFO, ngx_http_egov_quiet_log(r), 0,
                      "egov consent: a decision without a valid action "
                      "was refused");
        return NGX_HTTP_BAD_REQUEST;
    }

    ngx_memzero(&c, sizeof(ngx_egov_consent_t));
    c.version = (unsigned) clcf->version;
    c.time = ngx_time();
    c.granted = (unsigned) granted;

    if (ngx_http_egov_random(ngx_http_egov_quiet_log(r), random,
                                 sizeof(random))
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    for (i = 0; i < NGX_EGOV_CONSENT_RECEIPT_LEN; i++) {
        c.receipt[i] = NGX_HTTP_EGOV_RECEIPT_ALPHABET[random[i] & 31];
    }

    /* the new choice applies to this response already */

    ctx = ngx_http_egov_consent_resolve(r, clcf);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->expired = 1;

    ctx->decided = 1;
    ctx->granted = granted;
    ctx->cookie = c;

    /* expired as GPC says: an "accept" under it grants nothing in force */

    if (ngx_http_egov_consent_set_cookie(r, clcf, &c) != NGX_OK
        || ngx_http_egov_consent_expire(r, clcf,
                                        ngx_http_egov_consent_granted(r, ctx))
           != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_http_egov_consent_proof(r, clcf, &c, &how);

    if (ngx_http_egov_prefers_json(r)) {
        return ngx_http_egov_consent_json(r, clcf, ctx);
    }

    /* without JavaScript: back to the page, never anywhere else */

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    h->hash = 1;
    ngx_str_set(&h->key, "Location");
    h->value = ret;
    h->lowcase_key = (u_char *) "location";
    r->headers_out.location = h;

    ngx_str_null(&empty);

    return ngx_http_egov_send(r, NGX_HTTP_SEE_OTHER, &html_type, &empty);
}


/*
 * A page of another site must not be able to consent for the visitor: the
 * decision must come from this site (Origin, or Referer when a browser
 * sends no Origin), by host.
 */

static ngx_int_t
ngx_http_egov_consent_same_origin(ngx_http_request_t *r)
{
    u_char           *p, *last;
    ngx_str_t        *host;
    ngx_table_elt_t  *h;

    if (r->headers_in.host == NULL) {
        return NGX_DECLINED;
    }

    host = &r->headers_in.host->value;

    h = ngx_http_egov_header_in(r, (u_char *) "origin", 6);

    if (h == NULL) {
        h = r->headers_in.referer;
    }

    if (h == NULL) {
        return NGX_DECLINED;
    }

    p = h->value.data;
    last = h->value.data + h->value.len;

    p = ngx_strlcasestrn(p, last, (u_char *) "://", 3 - 1);
    if (p == NULL) {
        return NGX_DECLINED;
    }

    p += 3;

    if ((size_t) (last - p) < host->len
        || ngx_strncasecmp(p, host->data, host->len) != 0)
    {
        return NGX_DECLINED;
    }

    p += host->len;

    return (p == last || *p == '/') ? NGX_OK : NGX_DECLINED;
}


static ngx_int_t
ngx_http_egov_consent_set_cookie(ngx_http_request_t *r,
    ngx_http_egov_consent_loc_conf_t *clcf, ngx_egov_consent_t *c)
{
    u_char                     *p;
    size_t                      len;
    ngx_str_t                   cookie;
    ngx_uint_t                  secure;
    const ngx_egov_hmac_key_t  *key;

    if (ngx_http_egov_consent_cookie_key(clcf, &key) != NGX_OK) {
        return NGX_ERROR;
    }

    secure = clcf->secure;

    if (secure == NGX_HTTP_EGOV_CONSENT_SECURE_AUTO) {
#if (NGX_HTTP_SSL)
        secure = (r->connection->ssl != NULL);
#else
        secure = 0;
#endif
    }

    len = clcf->cookie_name.len + 1 + NGX_EGOV_CONSENT_VALUE_LEN + 1
          + sizeof("; Domain=; Path=/; Max-Age=; SameSite=Lax; HttpOnly; "
                   "Secure") - 1
          + clcf->cookie_domain.len + NGX_TIME_T_LEN;

    cookie.data = ngx_pnalloc(r->pool, len);
    if (cookie.data == NULL) {
        return NGX_ERROR;
    }

    p = ngx_cpymem(cookie.data, clcf->cookie_name.data,
                   clcf->cookie_name.len);
    *p++ = '=';

    len = ngx_egov_consent_format(c, key, p, NGX_EGOV_CONSENT_VALUE_LEN + 1);
    if (len == 0) {
        return NGX_ERROR;
    }

    p += len;

    if (clcf->cookie_domain.len) {
        /* shared by the portal's subdomains */
        p = ngx_sprintf(p, "; Domain=%V", &clcf->cookie_domain);
    }

    p = ngx_sprintf(p, "; Path=/; Max-Age=%T; SameSite=Lax; HttpOnly%s",
                    clcf->max_age, secure ? "; Secure" : "");

    cookie.len = p - cookie.data;

    return ngx_http_egov_consent_add_cookie(r, &cookie, 0);
}


/*
 * Proof of consent: when, which policy version, what was chosen, how, and
 * the receipt id the visitor's cookie also holds.  Nothing about who.
 */

static void
ngx_http_egov_consent_proof(ngx_http_request_t *r,
    ngx_http_egov_consent_loc_conf_t *clcf, ngx_egov_consent_t *c,
    ngx_str_t *how)
{
    u_char                    *line, *p;
    size_t                     len;
    ngx_uint_t                 i, first;
    ngx_http_egov_category_t  *cat;

    if (clcf->proof_log == NULL && clcf->proof_redis == 0) {
        return;
    }

    len = sizeof("{\"time\":\"\",\"version\":,\"choice\":\"\",\"receipt\":\"\","
                 "\"granted\":[],\"refused\":[]}\n") - 1
          + sizeof("1970-09-28T12:00:00+06:00") + NGX_INT_T_LEN + how->len
          + NGX_EGOV_CONSENT_RECEIPT_LEN;

    cat = clcf->categories ? clcf->categories->elts : NULL;

    for (i = 0; cat && i < clcf->categories->nelts; i++) {
        len += cat[i].name.len + 3;
    }

    line = ngx_pnalloc(r->pool, len);
    if (line == NULL) {
        return;
    }

    p = ngx_sprintf(line, "{\"time\":\"%*s\",\"version\":%ui,"
                    "\"choice\":\"%V\",\"receipt\":\"%*s\",\"granted\":[",
                    ngx_cached_http_log_iso8601.len,
                    ngx_cached_http_log_iso8601.data, (ngx_uint_t) c->version,
                    how, (size_t) NGX_EGOV_CONSENT_RECEIPT_LEN, c->receipt);

    for (first = 1, i = 0; cat && i < clcf->categories->nelts; i++) {
        if (c->granted & (1u << i)) {
            p = ngx_sprintf(p, "%s\"%V\"", first ? "" : ",", &cat[i].name);
            first = 0;
        }
    }

    p = ngx_cpymem(p, "],\"refused\":[", sizeof("],\"refused\":[") - 1);

    for (first = 1, i = 0; cat && i < clcf->categories->nelts; i++) {
        if (!(c->granted & (1u << i))) {
            p = ngx_sprintf(p, "%s\"%V\"", first ? "" : ",", &cat[i].name);
            first = 0;
        }
    }

    p = ngx_cpymem(p, "]}\n", 3);

    if (clcf->proof_redis) {
        ngx_http_egov_consent_proof_redis(r, clcf->proof_redis, line,
                                          p - line - 1);
        return;
    }

    if (ngx_write_fd(clcf->proof_log->fd, line, p - line) == -1) {
        ngx_log_error(NGX_LOG_ALERT, ngx_http_egov_quiet_log(r), ngx_errno,
                      ngx_write_fd_n " to \"%V\" failed",
                      &clcf->proof_log->name);
    }
}


static ngx_int_t
ngx_http_egov_consent_page(ngx_http_request_t *r,
    ngx_http_egov_consent_loc_conf_t *clcf)
{
    ngx_str_t                     body;
    ngx_http_egov_consent_ctx_t  *ctx;

    static ngx_str_t  type = ngx_string("text/html; charset=utf-8");

    ctx = ngx_http_egov_consent_resolve(r, clcf);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* ?lang=ar or ?lang=en: the language switch of the page */

    if (r->args.len >= 7) {
        if (ngx_strlcasestrn(r->args.data, r->args.data + r->args.len,
                             (u_char *) "lang=ar", 7 - 1))
        {
            ctx->lang = NGX_EGOV_LANG_AR;

        } else if (ngx_strlcasestrn(r->args.data, r->args.data + r->args.len,
                                    (u_char *) "lang=en", 7 - 1))
        {
            ctx->lang = NGX_EGOV_LANG_EN;
        }
    }

    if (ngx_http_egov_banner_render(r, clcf, ctx, &clcf->texts[ctx->lang].page,
                                    &body)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* the page is all about consent: no banner nor link in it */
    ctx->own_page = 1;

    return ngx_http_egov_send(r, NGX_HTTP_OK, &type, &body);
}


static ngx_int_t
ngx_http_egov_consent_json(ngx_http_request_t *r,
    ngx_http_egov_consent_loc_conf_t *clcf, ngx_http_egov_consent_ctx_t *ctx)
{
    u_char     *p;
    ngx_str_t   body, granted;

    static ngx_str_t  type = ngx_string("application/json");

    if (ngx_http_egov_consent_granted_str(r, clcf, ctx, &granted) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    body.data = ngx_pnalloc(r->pool, granted.len + 128
                                     + NGX_EGOV_CONSENT_RECEIPT_LEN);
    if (body.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_sprintf(body.data, "{\"consent\":\"%V\",\"version\":%ui",
                    &granted, clcf->version);

    if (ctx->decided) {
        p = ngx_sprintf(p, ",\"receipt\":\"%*s\"",
                        (size_t) NGX_EGOV_CONSENT_RECEIPT_LEN,
                        ctx->cookie.receipt);
    }

    p = ngx_sprintf(p, ",\"gpc\":%s}",
                    ngx_http_egov_consent_refused(r, ctx) ? "true" : "false");

    body.len = p - body.data;

    return ngx_http_egov_send(r, NGX_HTTP_OK, &type, &body);
}


/* https://privacycg.github.io/gpc-spec/: support is discoverable */

static ngx_int_t
ngx_http_egov_gpc_json(ngx_http_request_t *r)
{
    u_char                             *p;
    ngx_str_t                           body;
    ngx_tm_t                            tm;
    ngx_http_egov_consent_main_conf_t  *cmcf;

    static ngx_str_t  type = ngx_string("application/json");

    cmcf = ngx_http_get_module_main_conf(r, ngx_http_egov_consent_module);

    body.data = ngx_pnalloc(r->pool, 64);
    if (body.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_gmtime(cmcf->started, &tm);

    p = ngx_sprintf(body.data,
                    "{\"gpc\":true,\"lastUpdate\":\"%4d-%02d-%02d\"}",
                    tm.ngx_tm_year, tm.ngx_tm_mon, tm.ngx_tm_mday);

    body.len = p - body.data;

    return ngx_http_egov_send(r, NGX_HTTP_OK, &type, &body);
}


/* "analytics,marketing", "none" or "unset" */

ngx_int_t
ngx_http_egov_consent_granted_str(ngx_http_request_t *r,
    ngx_http_egov_consent_loc_conf_t *clcf, ngx_http_egov_consent_ctx_t *ctx,
    ngx_str_t *out)
{
    u_char                    *p;
    size_t                     len;
    ngx_uint_t                 i, granted;
    ngx_http_egov_category_t  *cat;

    if (!ctx->decided && !ctx->signal) {
        ngx_str_set(out, "unset");
        return NGX_OK;
    }

    granted = ngx_http_egov_consent_granted(r, ctx);

    if (granted == 0) {
        ngx_str_set(out, "none");
        return NGX_OK;
    }

    cat = clcf->categories->elts;
    len = 0;

    for (i = 0; i < clcf->categories->nelts; i++) {
        len += cat[i].name.len + 1;
    }

    out->data = ngx_pnalloc(r->pool, len);
    if (out->data == NULL) {
        return NGX_ERROR;
    }

    p = out->data;

    for (i = 0; i < clcf->categories->nelts; i++) {
        if (granted & (1u << i)) {
            if (p != out->data) {
                *p++ = ',';
            }
            p = ngx_cpymem(p, cat[i].name.data, cat[i].name.len);
        }
    }

    out->len = p - out->data;

    return NGX_OK;
}
