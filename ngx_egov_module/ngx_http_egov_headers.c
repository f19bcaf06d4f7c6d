
/*
 * Security headers: a recommended set on every response (errors, redirects,
 * static and proxied responses alike), operator overrides that merge per
 * header name across levels, removal of headers that reveal software
 * versions, and the per-request CSP nonce $egov_csp_nonce.
 */


#include "ngx_http_egov_module.h"
#include "ngx_http_egov_consent.h"


#define NGX_HTTP_EGOV_HDR_HTML   0x01    /* only on HTML responses */
#define NGX_HTTP_EGOV_HDR_HTTPS  0x02    /* only on requests over TLS */
#define NGX_HTTP_EGOV_HDR_PLAIN  0x04    /* only on requests without TLS */
#define NGX_HTTP_EGOV_HDR_SERVER 0x08    /* "Server", kept apart by nginx */
#define NGX_HTTP_EGOV_HDR_CHECK  0x10    /* variables may bring bad bytes */
#define NGX_HTTP_EGOV_HDR_CSP    0x20    /* a CSP: consent may add sources */

#define NGX_HTTP_EGOV_NONCE_BYTES  16    /* 128 bits */


typedef struct {
    ngx_str_t                   name;
    ngx_str_t                   lowcase;
    ngx_uint_t                  hash;
    ngx_http_complex_value_t   *value;       /* NULL: "off" */
    ngx_str_t                  *parts;       /* NULL, or around nonces */
    ngx_uint_t                  nparts;
    ngx_uint_t                  flags;
} ngx_http_egov_header_t;


typedef struct {
    ngx_array_t                *defaults;    /* ngx_http_egov_header_t */
    ngx_int_t                   realip_addr; /* $realip_remote_addr, or -1 */
} ngx_http_egov_headers_main_conf_t;


typedef struct {
    ngx_flag_t                  enable;
    ngx_flag_t                  report_only;
    ngx_array_t                *own;         /* egov_header at this level */
    ngx_array_t                *overrides;   /* own over the outer levels' */
    ngx_array_t                *effective;   /* what the filter writes */
    uint64_t                    lengths;     /* bit len % 64 of each name */
} ngx_http_egov_headers_loc_conf_t;


typedef struct {
    ngx_str_t                   nonce;
} ngx_http_egov_nonce_state_t;


typedef struct {
    char                       *name;
    char                       *value;
    ngx_uint_t                  flags;
} ngx_http_egov_header_default_t;


static ngx_int_t ngx_http_egov_headers_filter(ngx_http_request_t *r);
static void ngx_http_egov_clear_headers(ngx_http_request_t *r,
    ngx_http_egov_headers_loc_conf_t *hlcf, ngx_uint_t skip);
static ngx_table_elt_t *ngx_http_egov_push_header(ngx_http_request_t *r,
    ngx_http_egov_header_t *hdr, ngx_str_t *value);
static ngx_int_t ngx_http_egov_trim_server(ngx_http_request_t *r);
static ngx_uint_t ngx_http_egov_https(ngx_http_request_t *r);
static ngx_uint_t ngx_http_egov_value_is_valid(ngx_str_t *value);
static ngx_uint_t ngx_http_egov_value_needs_check(ngx_str_t *value);

static ngx_int_t ngx_http_egov_nonce_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);

static char *ngx_http_egov_header(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static ngx_int_t ngx_http_egov_header_init(ngx_conf_t *cf,
    ngx_http_egov_header_t *hdr, ngx_str_t *name, ngx_str_t *value);
static ngx_int_t ngx_http_egov_nonce_template(ngx_conf_t *cf,
    ngx_http_egov_header_t *hdr, ngx_str_t *value);
static ngx_int_t ngx_http_egov_nonce_value(ngx_http_request_t *r,
    ngx_http_egov_header_t *hdr, ngx_str_t *value);
static ngx_uint_t ngx_http_egov_header_flags(ngx_str_t *lowcase);
static ngx_array_t *ngx_http_egov_headers_overlay(ngx_conf_t *cf,
    ngx_array_t *base, ngx_array_t *own);
static ngx_int_t ngx_http_egov_headers_rename(ngx_conf_t *cf,
    ngx_http_egov_header_t *hdr, ngx_str_t *name);

static ngx_int_t ngx_http_egov_headers_add_variables(ngx_conf_t *cf);
static void *ngx_http_egov_headers_create_main_conf(ngx_conf_t *cf);
static char *ngx_http_egov_headers_init_main_conf(ngx_conf_t *cf,
    void *conf);
static void *ngx_http_egov_headers_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_egov_headers_merge_loc_conf(ngx_conf_t *cf,
    void *parent, void *child);
static ngx_int_t ngx_http_egov_headers_init(ngx_conf_t *cf);


/*
 * The recommended set, argued in docs/security-headers.md.  CSP upgrades
 * insecure requests only on HTTPS: on a plain-HTTP site the directive
 * would send every subresource to an https:// URL that does not exist.
 */

static ngx_http_egov_header_default_t  ngx_http_egov_header_defaults[] = {

    { "Strict-Transport-Security", "max-age=63072000; includeSubDomains",
      NGX_HTTP_EGOV_HDR_HTTPS },

    { "X-Content-Type-Options", "nosniff", 0 },

    { "Referrer-Policy", "strict-origin-when-cross-origin", 0 },

    { "Cross-Origin-Resource-Policy", "same-origin", 0 },

    { "X-Permitted-Cross-Domain-Policies", "none", 0 },

    { "X-XSS-Protection", "0", 0 },

#define NGX_HTTP_EGOV_CSP                                                     \
    "default-src 'none'; script-src 'self' 'nonce-$egov_csp_nonce'; "         \
    "style-src 'self' 'nonce-$egov_csp_nonce'; img-src 'self' data:; "        \
    "font-src 'self'; connect-src 'self'; manifest-src 'self'; "              \
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "           \
    "object-src 'none'"

    { "Content-Security-Policy", NGX_HTTP_EGOV_CSP
                                 "; upgrade-insecure-requests",
      NGX_HTTP_EGOV_HDR_HTML|NGX_HTTP_EGOV_HDR_HTTPS },

    { "Content-Security-Policy", NGX_HTTP_EGOV_CSP,
      NGX_HTTP_EGOV_HDR_HTML|NGX_HTTP_EGOV_HDR_PLAIN },

    { "X-Frame-Options", "DENY", NGX_HTTP_EGOV_HDR_HTML },

    { "Cross-Origin-Opener-Policy", "same-origin", NGX_HTTP_EGOV_HDR_HTML },

    { "Permissions-Policy",
      "accelerometer=(), autoplay=(), browsing-topics=(), camera=(), "
      "display-capture=(), encrypted-media=(), fullscreen=(self), "
      "geolocation=(), gyroscope=(), hid=(), magnetometer=(), "
      "microphone=(), midi=(), payment=(), picture-in-picture=(), "
      "screen-wake-lock=(), serial=(), usb=(), xr-spatial-tracking=()",
      NGX_HTTP_EGOV_HDR_HTML },

    { NULL, NULL, 0 }
};


/*
 * Where an operator's value for a known header applies.  Not
 * Strict-Transport-Security: an operator who writes it means it (behind a
 * TLS-terminating proxy every request arrives in plain HTTP), and a
 * browser ignores it on a plain-HTTP response anyway.
 */

static ngx_http_egov_header_default_t  ngx_http_egov_header_scopes[] = {
    { "content-security-policy", NULL, NGX_HTTP_EGOV_HDR_HTML },
    { "content-security-policy-report-only", NULL, NGX_HTTP_EGOV_HDR_HTML },
    { "x-frame-options", NULL, NGX_HTTP_EGOV_HDR_HTML },
    { "cross-origin-opener-policy", NULL, NGX_HTTP_EGOV_HDR_HTML },
    { "permissions-policy", NULL, NGX_HTTP_EGOV_HDR_HTML },
    { NULL, NULL, 0 }
};


/* headers nginx writes itself or that frame the message: not ours to set */

static ngx_str_t  ngx_http_egov_header_reserved[] = {
    ngx_string("content-type"),
    ngx_string("content-length"),
    ngx_string("content-encoding"),
    ngx_string("transfer-encoding"),
    ngx_string("connection"),
    ngx_string("keep-alive"),
    ngx_string("upgrade"),
    ngx_string("trailer"),
    ngx_string("te"),
    ngx_string("date"),
    ngx_string("location"),
    ngx_string("last-modified"),
    ngx_string("set-cookie"),
    ngx_null_string
};


/* headers that only tell an attacker which software, and which version */

/* a bit per name length, len % 64: a header of another length is none */
#define ngx_http_egov_length_bit(len)  ((uint64_t) 1 << ((len) & 63))

static uint64_t   ngx_http_egov_leaky_lengths;

static ngx_str_t  ngx_http_egov_leaky_headers[] = {
    ngx_string("X-Powered-By"),
    ngx_string("X-AspNet-Version"),
    ngx_string("X-AspNetMvc-Version"),
    ngx_string("X-Generator"),
    ngx_string("X-Runtime"),
    ngx_string("X-Backend-Server"),
    ngx_string("SourceMap"),
    ngx_string("X-SourceMap"),
    ngx_null_string
};


static ngx_str_t  ngx_http_egov_csp_name =
    ngx_string("Content-Security-Policy");
static ngx_str_t  ngx_http_egov_csp_ro_name =
    ngx_string("Content-Security-Policy-Report-Only");


static ngx_command_t  ngx_http_egov_headers_commands[] = {

    { ngx_string("egov_security_headers"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_HTTP_LIF_CONF
                        |NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_egov_headers_loc_conf_t, enable),
      NULL },

    { ngx_string("egov_csp_report_only"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_HTTP_LIF_CONF
                        |NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_egov_headers_loc_conf_t, report_only),
      NULL },

    { ngx_string("egov_header"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_HTTP_LIF_CONF
                        |NGX_CONF_TAKE2,
      ngx_http_egov_header,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_egov_headers_filter_module_ctx = {
    ngx_http_egov_headers_add_variables,   /* preconfiguration */
    ngx_http_egov_headers_init,            /* postconfiguration */

    ngx_http_egov_headers_create_main_conf, /* create main configuration */
    ngx_http_egov_headers_init_main_conf,  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_egov_headers_create_loc_conf, /* create location configuration */
    ngx_http_egov_headers_merge_loc_conf   /* merge location configuration */
};


ngx_module_t  ngx_http_egov_headers_filter_module = {
    NGX_MODULE_V1,
    &ngx_http_egov_headers_filter_module_ctx, /* module context */
    ngx_http_egov_headers_commands,        /* module directives */
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


static ngx_http_variable_t  ngx_http_egov_headers_vars[] = {

    { ngx_string("egov_csp_nonce"), NULL, ngx_http_egov_nonce_variable, 0,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

      ngx_http_null_variable
};


static ngx_http_output_header_filter_pt  ngx_http_next_header_filter;


static ngx_int_t
ngx_http_egov_headers_filter(ngx_http_request_t *r)
{
    ngx_str_t                          value;
    ngx_uint_t                         i, skip, own_server, set;
    ngx_table_elt_t                   *h;
    ngx_http_egov_header_t            *hdr;
    ngx_http_egov_headers_loc_conf_t  *hlcf;

    if (r != r->main) {
        return ngx_http_next_header_filter(r);
    }

    hlcf = ngx_http_get_module_loc_conf(r,
                                        ngx_http_egov_headers_filter_module);

    if (hlcf->effective == NULL
        || (!hlcf->enable && hlcf->effective->nelts == 0))
    {
        return ngx_http_next_header_filter(r);
    }

    ngx_http_egov_stat_inc(NGX_EGOV_STAT_RESPONSES);

    /*
     * a 304 carries no page: a proxied one may keep its Content-Type, and
     * a fresh nonce would be merged into the cached page's headers (found
     * by a helper's review)
     */

    skip = (ngx_http_egov_is_document(r)
            && r->headers_out.status != NGX_HTTP_NOT_MODIFIED)
           ? 0 : NGX_HTTP_EGOV_HDR_HTML;

    skip |= ngx_http_egov_https(r) ? NGX_HTTP_EGOV_HDR_PLAIN
                                   : NGX_HTTP_EGOV_HDR_HTTPS;

    ngx_http_egov_clear_headers(r, hlcf, skip);

    own_server = 0;
    set = 0;
    hdr = hlcf->effective->elts;

    for (i = 0; i < hlcf->effective->nelts; i++) {

        if (hdr[i].flags & skip) {
            continue;
        }

        if (hdr[i].value->lengths == NULL) {
            value = hdr[i].value->value;      /* most are constant */

        } else if (hdr[i].parts) {
            if (ngx_http_egov_nonce_value(r, &hdr[i], &value) != NGX_OK) {
                return NGX_ERROR;
            }

        } else if (ngx_http_complex_value(r, hdr[i].value, &value)
                   != NGX_OK)
        {
            return NGX_ERROR;
        }

        /* an empty value is no header, as with add_header */

        if (value.len == 0) {
            continue;
        }

        if ((hdr[i].flags & NGX_HTTP_EGOV_HDR_CHECK)
            && !ngx_http_egov_value_is_valid(&value))
        {
            ngx_log_error(NGX_LOG_ERR, ngx_http_egov_quiet_log(r), 0,
                          "egov_header \"%V\": value has a control "
                          "character, header not sent", &hdr[i].name);
            ngx_http_egov_stat_inc(NGX_EGOV_STAT_HEADERS_INVALID);
            continue;
        }

        if ((hdr[i].flags & NGX_HTTP_EGOV_HDR_CSP)
            && ngx_http_egov_consent_csp(r, &value) != NGX_OK)
        {
            return NGX_ERROR;
        }

        h = ngx_http_egov_push_header(r, &hdr[i], &value);
        if (h == NULL) {
            return NGX_ERROR;
        }

        /* the header filter writes its own Server unless one is set */

        if (hdr[i].flags & NGX_HTTP_EGOV_HDR_SERVER) {
            r->headers_out.server = h;
            own_server = 1;
        }

        set++;
    }

    /* one atomic addition per response, not one per header */

    ngx_http_egov_stat_add(NGX_EGOV_STAT_HEADERS_SET, set);

    if (hlcf->enable && !own_server && ngx_http_egov_trim_server(r) != NGX_OK)
    {
        return NGX_ERROR;
    }

    return ngx_http_next_header_filter(r);
}


/*
 * Did the visitor use HTTPS: TLS here, or "X-Forwarded-Proto: https" from a
 * proxy realip trusts (set_real_ip_from): realip then replaced the
 * address, and $realip_remote_addr, the proxy's, differs from the
 * client's.  A client's own X-Forwarded-Proto, sent past no trusted proxy,
 * counts for nothing.
 */

static ngx_uint_t
ngx_http_egov_https(ngx_http_request_t *r)
{
#if (NGX_HTTP_REALIP)
    ngx_table_elt_t                    *xfp;
    ngx_http_variable_value_t          *v;
    ngx_http_egov_headers_main_conf_t  *hmcf;
#endif

#if (NGX_HTTP_SSL)
    if (r->connection->ssl) {
        return 1;
    }
#endif

#if (NGX_HTTP_REALIP)
    hmcf = ngx_http_get_module_main_conf(r,
                                        ngx_http_egov_headers_filter_module);

    if (hmcf->realip_addr == NGX_ERROR) {
        return 0;
    }

    /* the proxy's address first: without a trusted proxy, no header scan */

    v = ngx_http_get_indexed_variable(r, hmcf->realip_addr);

    if (v == NULL || v->not_found
        || (v->len == r->connection->addr_text.len
            && ngx_strncmp(v->data, r->connection->addr_text.data, v->len)
               == 0))
    {
        return 0;
    }

    xfp = ngx_http_egov_header_in(r, (u_char *) "x-forwarded-proto",
                                  sizeof("x-forwarded-proto") - 1);

    return xfp && xfp->value.len == sizeof("https") - 1
           && ngx_strncasecmp(xfp->value.data, (u_char *) "https",
                              sizeof("https") - 1) == 0;
#else
    return 0;
#endif
}


/*
 * One pass over the headers already set (by the upstream, add_header,
 * other modules): those we are about to set are dropped, so ours replace
 * them instead of doubling them, and with the recommended set on, those
 * that reveal software versions go too.
 */

static void
ngx_http_egov_clear_headers(ngx_http_request_t *r,
    ngx_http_egov_headers_loc_conf_t *hlcf, ngx_uint_t skip)
{
    uint64_t                 bit;
    ngx_str_t               *name;
    ngx_uint_t               i, j;
    ngx_list_part_t         *part;
    ngx_table_elt_t         *h;
    ngx_http_egov_header_t  *hdr;

    hdr = hlcf->effective->elts;
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

        if (h[i].hash == 0) {
            continue;
        }

        bit = ngx_http_egov_length_bit(h[i].key.len);

        for (j = 0; (hlcf->lengths & bit) && j < hlcf->effective->nelts; j++)
        {
            if (!(hdr[j].flags & skip)
                && h[i].key.len == hdr[j].name.len
                && ngx_strncasecmp(h[i].key.data, hdr[j].lowcase.data,
                                   hdr[j].name.len) == 0)
            {
                h[i].hash = 0;
                break;
            }
        }

        if (h[i].hash == 0 || !hlcf->enable
            || !(ngx_http_egov_leaky_lengths & bit))
        {
            continue;
        }

        for (name = ngx_http_egov_leaky_headers; name->len; name++) {
            if (h[i].key.len == name->len
                && ngx_strncasecmp(h[i].key.data, name->data, name->len)
                   == 0)
            {
                h[i].hash = 0;
                ngx_http_egov_stat_inc(NGX_EGOV_STAT_HEADERS_REMOVED);
                break;
            }
        }
    }
}


static ngx_table_elt_t *
ngx_http_egov_push_header(ngx_http_request_t *r, ngx_http_egov_header_t *hdr,
    ngx_str_t *value)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NULL;
    }

    h->hash = hdr->hash;
    h->key = hdr->name;
    h->value = *value;
    h->lowcase_key = hdr->lowcase.data;
#if (nginx_version >= 1023000)
    h->next = NULL;
#endif

    return h;
}


/*
 * "Server: Apache/2.4.41 (Ubuntu)" becomes "Server: Apache", and nginx's own
 * "nginx/1.22.1" becomes "nginx" whatever server_tokens says.
 */

static ngx_int_t
ngx_http_egov_trim_server(ngx_http_request_t *r)
{
    size_t                     len;
    ngx_table_elt_t           *h;
    ngx_http_core_loc_conf_t  *clcf;

    static ngx_http_egov_header_t  server = {
        ngx_string("Server"), ngx_string("server"), 0, NULL, NULL, 0, 0
    };
    static ngx_str_t               product = ngx_string("nginx");

    h = r->headers_out.server;

    if (h == NULL) {
        clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

        if (clcf->server_tokens == NGX_HTTP_SERVER_TOKENS_OFF) {
            return NGX_OK;
        }

        if (server.hash == 0) {
            server.hash = ngx_hash_key(server.lowcase.data,
                                       server.lowcase.len);
        }

        h = ngx_http_egov_push_header(r, &server, &product);
        if (h == NULL) {
            return NGX_ERROR;
        }

        r->headers_out.server = h;
        return NGX_OK;
    }

    if (h->hash == 0) {
        return NGX_OK;
    }

    for (len = 0; len < h->value.len; len++) {
        if (h->value.data[len] == '/' || h->value.data[len] == ' '
            || h->value.data[len] == '(')
        {
            break;
        }
    }

    if (len < h->value.len) {
        h->value.len = len;
        ngx_http_egov_stat_inc(NGX_EGOV_STAT_HEADERS_REMOVED);
    }

    return NGX_OK;
}


static ngx_uint_t
ngx_http_egov_value_is_valid(ngx_str_t *value)
{
    u_char  *p, *last;

    last = value->data + value->len;

    for (p = value->data; p < last; p++) {
        if ((*p < 0x20 && *p != '\t') || *p == 0x7f) {
            return 0;
        }
    }

    return 1;
}


/*
 * Constant parts were checked when the configuration was read; only
 * variables can bring a control character at run time, and ours cannot.
 */

static ngx_uint_t
ngx_http_egov_value_needs_check(ngx_str_t *value)
{
    u_char     *p, *last, *name;
    ngx_str_t  *safe;

    static ngx_str_t  safe_vars[] = {
        ngx_string("egov_csp_nonce"),
        ngx_null_string
    };

    last = value->data + value->len;

    for (p = value->data; p < last; p++) {

        if (*p != '$') {
            continue;
        }

        if (++p < last && *p == '{') {
            p++;
        }

        for (name = p; p < last; p++) {
            if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
                  || (*p >= '0' && *p <= '9') || *p == '_'))
            {
                break;
            }
        }

        for (safe = safe_vars; safe->len; safe++) {
            if ((size_t) (p - name) == safe->len
                && ngx_strncmp(name, safe->data, safe->len) == 0)
            {
                break;
            }
        }

        if (safe->len == 0) {
            return 1;
        }
    }

    return 0;
}


ngx_int_t
ngx_http_egov_csp_nonce(ngx_http_request_t *r, ngx_str_t *nonce)
{
    ngx_str_t                     raw;
    ngx_http_egov_nonce_state_t  *st;
    u_char                        bytes[NGX_HTTP_EGOV_NONCE_BYTES];

    st = ngx_http_egov_request_state(r, NGX_HTTP_EGOV_STATE_NONCE,
                                     sizeof(ngx_http_egov_nonce_state_t));
    if (st == NULL) {
        return NGX_ERROR;
    }

    if (st->nonce.len == 0) {

        if (ngx_http_egov_random(ngx_http_egov_quiet_log(r), bytes,
                                     sizeof(bytes))
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        st->nonce.data = ngx_pnalloc(r->main->pool,
                                  ngx_base64_encoded_length(sizeof(bytes)));
        if (st->nonce.data == NULL) {
            return NGX_ERROR;
        }

        raw.data = bytes;
        raw.len = sizeof(bytes);
        ngx_encode_base64(&st->nonce, &raw);

        ngx_http_egov_stat_inc(NGX_EGOV_STAT_NONCES);
    }

    *nonce = st->nonce;

    return NGX_OK;
}



static ngx_int_t
ngx_http_egov_nonce_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_str_t  nonce;

    if (ngx_http_egov_csp_nonce(r, &nonce) != NGX_OK) {
        return NGX_ERROR;
    }

    v->len = nonce.len;
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;
    v->data = nonce.data;

    return NGX_OK;
}


static char *
ngx_http_egov_header(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_egov_headers_loc_conf_t *hlcf = conf;

    ngx_str_t               *value;
    ngx_uint_t               i;
    ngx_http_egov_header_t  *hdr;

    value = cf->args->elts;

    if (hlcf->own == NULL) {
        hlcf->own = ngx_array_create(cf->pool, 4,
                                     sizeof(ngx_http_egov_header_t));
        if (hlcf->own == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    hdr = hlcf->own->elts;

    for (i = 0; i < hlcf->own->nelts; i++) {
        if (hdr[i].name.len == value[1].len
            && ngx_strncasecmp(hdr[i].name.data, value[1].data,
                               value[1].len) == 0)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "duplicate egov_header \"%V\"", &value[1]);
            return NGX_CONF_ERROR;
        }
    }

    hdr = ngx_array_push(hlcf->own);
    if (hdr == NULL) {
        return NGX_CONF_ERROR;
    }

    if (ngx_http_egov_header_init(cf, hdr, &value[1], &value[2]) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_egov_header_init(ngx_conf_t *cf, ngx_http_egov_header_t *hdr,
    ngx_str_t *name, ngx_str_t *value)
{
    u_char                            *p;
    ngx_str_t                         *reserved;
    ngx_http_compile_complex_value_t   ccv;

    if (name->len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "egov_header: empty header name");
        return NGX_ERROR;
    }

    for (p = name->data; p < name->data + name->len; p++) {
        if (!ngx_http_egov_token_char(*p)) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "egov_header: invalid character in header "
                               "name \"%V\"", name);
            return NGX_ERROR;
        }
    }

    hdr->name = *name;
    hdr->parts = NULL;
    hdr->nparts = 0;
    hdr->lowcase.len = name->len;
    hdr->lowcase.data = ngx_pnalloc(cf->pool, name->len);
    if (hdr->lowcase.data == NULL) {
        return NGX_ERROR;
    }

    hdr->hash = ngx_hash_strlow(hdr->lowcase.data, name->data, name->len);

    for (reserved = ngx_http_egov_header_reserved; reserved->len; reserved++)
    {
        if (reserved->len == name->len
            && ngx_strncmp(reserved->data, hdr->lowcase.data, name->len) == 0)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "egov_header: \"%V\" is managed by nginx "
                               "itself and cannot be set here", name);
            return NGX_ERROR;
        }
    }

    hdr->flags = ngx_http_egov_header_flags(&hdr->lowcase);

    if (name->len == sizeof("server") - 1
        && ngx_strncmp(hdr->lowcase.data, "server", name->len) == 0)
    {
        hdr->flags |= NGX_HTTP_EGOV_HDR_SERVER;
    }

    if (value->len == 3 && ngx_strncmp(value->data, "off", 3) == 0) {
        hdr->value = NULL;
        return NGX_OK;
    }

    if (!ngx_http_egov_value_is_valid(value)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "egov_header \"%V\": the value has a control "
                           "character (line breaks included)", name);
        return NGX_ERROR;
    }

    if (ngx_http_egov_value_needs_check(value)) {
        hdr->flags |= NGX_HTTP_EGOV_HDR_CHECK;
    }

    hdr->value = ngx_palloc(cf->pool, sizeof(ngx_http_complex_value_t));
    if (hdr->value == NULL) {
        return NGX_ERROR;
    }

    ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = value;
    ccv.complex_value = hdr->value;

    if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
        return NGX_ERROR;
    }

    if (hdr->value->lengths) {
        return ngx_http_egov_nonce_template(cf, hdr, value);
    }

    return NGX_OK;
}


/*
 * A value whose only variable is $egov_csp_nonce (the default CSP) is
 * kept as its constant parts: a request's value is then those parts
 * around its nonce, one allocation and copies, without the script engine's
 * two passes over the value (about 500 instructions an HTML response).
 */

static ngx_int_t
ngx_http_egov_nonce_template(ngx_conf_t *cf, ngx_http_egov_header_t *hdr,
    ngx_str_t *value)
{
    u_char       *p, *last, *start;
    size_t        len;
    ngx_str_t    *part;
    ngx_uint_t    braces;
    ngx_array_t   parts;

    static ngx_str_t  nonce = ngx_string("egov_csp_nonce");

    if (ngx_array_init(&parts, cf->pool, 4, sizeof(ngx_str_t)) != NGX_OK) {
        return NGX_ERROR;
    }

    last = value->data + value->len;
    start = value->data;

    for (p = value->data; p < last; p++) {

        if (*p != '$') {
            continue;
        }

        braces = (p + 1 < last && p[1] == '{');
        len = 1 + braces + nonce.len + braces;

        if ((size_t) (last - p) < len
            || ngx_strncmp(p + 1 + braces, nonce.data, nonce.len) != 0
            || (braces && p[len - 1] != '}'))
        {
            return NGX_OK;                /* another variable: the script */
        }

        if (!braces && p + len < last
            && ((p[len] >= 'a' && p[len] <= 'z')
                || (p[len] >= 'A' && p[len] <= 'Z')
                || (p[len] >= '0' && p[len] <= '9') || p[len] == '_'))
        {
            return NGX_OK;                /* "$egov_csp_nonce_x" */
        }

        part = ngx_array_push(&parts);
        if (part == NULL) {
            return NGX_ERROR;
        }

        part->data = start;
        part->len = p - start;

        p += len - 1;
        start = p + 1;
    }

    part = ngx_array_push(&parts);
    if (part == NULL) {
        return NGX_ERROR;
    }

    part->data = start;
    part->len = last - start;

    hdr->parts = parts.elts;
    hdr->nparts = parts.nelts;

    return NGX_OK;
}


static ngx_int_t
ngx_http_egov_nonce_value(ngx_http_request_t *r, ngx_http_egov_header_t *hdr,
    ngx_str_t *value)
{
    u_char      *p;
    size_t       len;
    ngx_str_t    nonce, *part;
    ngx_uint_t   i;

    if (ngx_http_egov_csp_nonce(r, &nonce) != NGX_OK) {
        return NGX_ERROR;
    }

    part = hdr->parts;
    len = nonce.len * (hdr->nparts - 1);

    for (i = 0; i < hdr->nparts; i++) {
        len += part[i].len;
    }

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    value->data = p;
    value->len = len;

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "egov header \"%V\": its parts around the nonce",
                   &hdr->name);

    for (i = 0; /* void */; i++) {
        p = ngx_cpymem(p, part[i].data, part[i].len);

        if (i == hdr->nparts - 1) {
            break;
        }

        p = ngx_cpymem(p, nonce.data, nonce.len);
    }

    return NGX_OK;
}


static ngx_uint_t
ngx_http_egov_header_flags(ngx_str_t *lowcase)
{
    ngx_http_egov_header_default_t  *scope;

    for (scope = ngx_http_egov_header_scopes; scope->name; scope++) {
        if (ngx_strlen(scope->name) == lowcase->len
            && ngx_strncmp(scope->name, lowcase->data, lowcase->len) == 0)
        {
            return scope->flags;
        }
    }

    return 0;
}


/* a copy of "base" where each header of "own" replaces those of its name */

static ngx_array_t *
ngx_http_egov_headers_overlay(ngx_conf_t *cf, ngx_array_t *base,
    ngx_array_t *own)
{
    ngx_uint_t               i, j, n;
    ngx_array_t             *result;
    ngx_http_egov_header_t  *b, *o, *h;

    n = (base ? base->nelts : 0) + (own ? own->nelts : 0);

    result = ngx_array_create(cf->pool, n ? n : 1,
                              sizeof(ngx_http_egov_header_t));
    if (result == NULL) {
        return NULL;
    }

    o = own ? own->elts : NULL;

    if (base) {
        b = base->elts;

        for (i = 0; i < base->nelts; i++) {

            for (j = 0; own && j < own->nelts; j++) {
                if (o[j].lowcase.len == b[i].lowcase.len
                    && ngx_strncmp(o[j].lowcase.data, b[i].lowcase.data,
                                   b[i].lowcase.len) == 0)
                {
                    break;
                }
            }

            if (own && j < own->nelts) {
                continue;
            }

            h = ngx_array_push(result);
            if (h == NULL) {
                return NULL;
            }

            *h = b[i];
        }
    }

    for (j = 0; own && j < own->nelts; j++) {
        h = ngx_array_push(result);
        if (h == NULL) {
            return NULL;
        }

        *h = o[j];
    }

    return result;
}


static ngx_int_t
ngx_http_egov_headers_rename(ngx_conf_t *cf, ngx_http_egov_header_t *hdr,
    ngx_str_t *name)
{
    hdr->name = *name;
    hdr->lowcase.len = name->len;
    hdr->lowcase.data = ngx_pnalloc(cf->pool, name->len);
    if (hdr->lowcase.data == NULL) {
        return NGX_ERROR;
    }

    hdr->hash = ngx_hash_strlow(hdr->lowcase.data, name->data, name->len);

    return NGX_OK;
}


static ngx_int_t
ngx_http_egov_headers_add_variables(ngx_conf_t *cf)
{
    return ngx_http_egov_add_variables(cf, ngx_http_egov_headers_vars);
}


static void *
ngx_http_egov_headers_create_main_conf(ngx_conf_t *cf)
{
    return ngx_pcalloc(cf->pool, sizeof(ngx_http_egov_headers_main_conf_t));
}


static char *
ngx_http_egov_headers_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_egov_headers_main_conf_t *hmcf = conf;

    ngx_str_t                        name, value, *leaky;
    ngx_http_egov_header_t          *hdr;
    ngx_http_egov_header_default_t  *d;

    hmcf->defaults = ngx_array_create(cf->pool, 16,
                                      sizeof(ngx_http_egov_header_t));
    if (hmcf->defaults == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_http_egov_leaky_lengths = 0;

    for (leaky = ngx_http_egov_leaky_headers; leaky->len; leaky++) {
        ngx_http_egov_leaky_lengths |= ngx_http_egov_length_bit(leaky->len);
    }

    for (d = ngx_http_egov_header_defaults; d->name; d++) {
        hdr = ngx_array_push(hmcf->defaults);
        if (hdr == NULL) {
            return NGX_CONF_ERROR;
        }

        name.data = (u_char *) d->name;
        name.len = ngx_strlen(d->name);
        value.data = (u_char *) d->value;
        value.len = ngx_strlen(d->value);

        if (ngx_http_egov_header_init(cf, hdr, &name, &value) != NGX_OK) {
            return NGX_CONF_ERROR;
        }

        hdr->flags = d->flags;
    }

    return NGX_CONF_OK;
}


static void *
ngx_http_egov_headers_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_egov_headers_loc_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_http_egov_headers_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     conf->own = NULL;
     *     conf->overrides = NULL;
     *     conf->effective = NULL;
     *     conf->lengths = 0;
     */

    conf->enable = NGX_CONF_UNSET;
    conf->report_only = NGX_CONF_UNSET;

    return conf;
}


static char *
ngx_http_egov_headers_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child)
{
    ngx_http_egov_headers_loc_conf_t *prev = parent;
    ngx_http_egov_headers_loc_conf_t *conf = child;

    ngx_uint_t                          i, n, own_ro;
    ngx_array_t                        *base, *inherited;
    ngx_http_egov_header_t             *hdr;
    ngx_http_egov_headers_main_conf_t  *hmcf;

    ngx_conf_merge_value(conf->enable, prev->enable, 0);
    ngx_conf_merge_value(conf->report_only, prev->report_only, 0);

    /* the http{} level is never merged itself: its overrides are its own */
    inherited = prev->overrides ? prev->overrides : prev->own;

    if (conf->own == NULL) {
        conf->overrides = inherited;

        if (prev->effective && conf->enable == prev->enable
            && conf->report_only == prev->report_only)
        {
            conf->effective = prev->effective;
            conf->lengths = prev->lengths;
            return NGX_CONF_OK;
        }

    } else {
        conf->overrides = ngx_http_egov_headers_overlay(cf, inherited,
                                                        conf->own);
        if (conf->overrides == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    hmcf = ngx_http_conf_get_module_main_conf(cf,
                                        ngx_http_egov_headers_filter_module);

    base = conf->enable ? hmcf->defaults : NULL;

    conf->effective = ngx_http_egov_headers_overlay(cf, base,
                                                    conf->overrides);
    if (conf->effective == NULL) {
        return NGX_CONF_ERROR;
    }

    /* drop the headers switched "off", rename the CSP if report-only */

    hdr = conf->effective->elts;
    n = 0;

    /*
     * report-only with the operator's own report-only policy: theirs is
     * sent, once (the module's renamed one made it twice)
     */

    own_ro = 0;

    for (i = 0; conf->report_only && i < conf->effective->nelts; i++) {
        own_ro |= (hdr[i].value != NULL
                   && hdr[i].lowcase.len == ngx_http_egov_csp_ro_name.len
                   && ngx_strncasecmp(hdr[i].lowcase.data,
                                      ngx_http_egov_csp_ro_name.data,
                                      ngx_http_egov_csp_ro_name.len)
                      == 0);
    }

    for (i = 0; i < conf->effective->nelts; i++) {
        if (hdr[i].value == NULL) {
            continue;
        }

        if (own_ro
            && hdr[i].lowcase.len == ngx_http_egov_csp_name.len
            && ngx_strncasecmp(hdr[i].lowcase.data,
                               ngx_http_egov_csp_name.data,
                               ngx_http_egov_csp_name.len) == 0)
        {
            continue;
        }

        hdr[n] = hdr[i];

        if (conf->report_only
            && hdr[n].lowcase.len == ngx_http_egov_csp_name.len
            && ngx_strncasecmp(hdr[n].lowcase.data,
                               ngx_http_egov_csp_name.data,
                               ngx_http_egov_csp_name.len) == 0
            && ngx_http_egov_headers_rename(cf, &hdr[n],
                                            &ngx_http_egov_csp_ro_name)
               != NGX_OK)
        {
            return NGX_CONF_ERROR;
        }

        if ((hdr[n].lowcase.len == ngx_http_egov_csp_name.len
             || hdr[n].lowcase.len == ngx_http_egov_csp_ro_name.len)
            && ngx_strncasecmp(hdr[n].lowcase.data,
                               ngx_http_egov_csp_ro_name.data,
                               hdr[n].lowcase.len) == 0)
        {
            hdr[n].flags |= NGX_HTTP_EGOV_HDR_CSP;
        }

        conf->lengths |= ngx_http_egov_length_bit(hdr[n].name.len);
        n++;
    }

    conf->effective->nelts = n;

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_egov_headers_init(ngx_conf_t *cf)
{
    ngx_http_egov_headers_main_conf_t  *hmcf;

#if (NGX_HTTP_REALIP)
    ngx_str_t  realip = ngx_string("realip_remote_addr");
#endif

    hmcf = ngx_http_conf_get_module_main_conf(cf,
                                        ngx_http_egov_headers_filter_module);
    hmcf->realip_addr = NGX_ERROR;

#if (NGX_HTTP_REALIP)
    hmcf->realip_addr = ngx_http_get_variable_index(cf, &realip);
#endif

    ngx_http_next_header_filter = ngx_http_top_header_filter;
    ngx_http_top_header_filter = ngx_http_egov_headers_filter;

    return NGX_OK;
}
