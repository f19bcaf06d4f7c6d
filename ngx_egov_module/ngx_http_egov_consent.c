
/*
 * ngx_http_egov_consent_module: cookie consent enforced at the edge.
 *
 * The visitor's choice lives in a signed cookie; Set-Cookie headers of
 * categories not granted are removed from every response; the consent
 * endpoint (no location needed) records a choice from the banner's form,
 * with or without JavaScript; Global Privacy Control counts as "reject".
 * This file: the module, its directives and configuration, the visitor's
 * consent worked out once per request.  The endpoint, the gate (a header
 * filter), the variables, the expiry of refused cookies and the
 * consent-aware CSP have files of their own (ngx_http_egov_consent_*.c);
 * the banner is ngx_http_egov_banner.c.
 */


#include "ngx_http_egov_consent.h"
#include "ngx_egov_redis.h"
#include "ngx_egov_set_cookie.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>


#define NGX_HTTP_EGOV_CONSENT_KEY_MIN   32
#define NGX_HTTP_EGOV_CONSENT_ZONE      (512 * 1024)


typedef struct {
    char                       *category;
    char                       *regex;
} ngx_http_egov_cookie_builtin_t;


static ngx_str_t *ngx_http_egov_consent_key(void);


static char *ngx_http_egov_consent_categories(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_egov_consent_cookie(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_egov_consent_key_file(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static ngx_uint_t ngx_http_egov_consent_prefixed(ngx_str_t *name,
    char *prefix);
static char *ngx_http_egov_consent_secure(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_egov_consent_unknown(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_egov_consent_lang(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_egov_consent_path(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_egov_consent_file(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_egov_consent_log(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static ngx_uint_t ngx_http_egov_consent_domain_valid(ngx_str_t *domain);
static char *ngx_http_egov_consent_mode(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_egov_consent_cookie_domain(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static ngx_int_t ngx_http_egov_consent_map(ngx_conf_t *cf,
    ngx_array_t *maps, ngx_str_t *regex, ngx_int_t category);
static char *ngx_http_egov_consent_cookie_name(ngx_conf_t *cf, void *post,
    void *data);


static ngx_conf_post_t  ngx_http_egov_consent_cookie_name_post = {
    ngx_http_egov_consent_cookie_name
};

/* the consent cookie holds the version as a 32-bit number */
static ngx_conf_num_bounds_t  ngx_http_egov_consent_version_bounds = {
    ngx_conf_check_num_bounds, 1, 4294967295
};

static void *ngx_http_egov_consent_create_main_conf(ngx_conf_t *cf);
static char *ngx_http_egov_consent_init_main_conf(ngx_conf_t *cf,
    void *conf);
static void *ngx_http_egov_consent_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_egov_consent_merge_loc_conf(ngx_conf_t *cf,
    void *parent, void *child);
static ngx_int_t ngx_http_egov_consent_init(ngx_conf_t *cf);


/*
 * Well-known cookies, by category (docs/consent.md lists them).  They
 * apply when the category is declared with egov_consent_categories; a
 * cookie of a category not declared can never be consented to, and is
 * always held back.
 */

static ngx_http_egov_cookie_builtin_t  ngx_http_egov_cookie_builtins[] = {

    /* Google Analytics, Matomo/Piwik, Hotjar, Microsoft Clarity, Yandex
     * Metrica, Adobe Analytics, Mixpanel, Segment, Amplitude */
    { "analytics",
      "^(?:_ga|_ga_\\w+|_gid|_gat\\w*|__utm[abcvz]|_pk_\\w+(?:\\.\\w+)*"
      "|mtm_\\w+|_hj\\w+|_clck|_clsk|CLID|ANONCHK|SM|_ym_\\w+|s_cc|s_sq"
      "|s_vi|AMCV_\\S+|mp_\\S+|ajs_\\w+|amp_\\w+)$" },

    /* Google Ads and DoubleClick, Meta, Microsoft Advertising, LinkedIn,
     * TikTok, HubSpot, Twitter/X */
    { "marketing",
      "^(?:_gcl_\\w+|IDE|DSID|test_cookie|__gads|__gpi|_fbp|_fbc|fr|MUID"
      "|_uetsid|_uetvid|bcookie|lidc|li_\\w+|UserMatchHistory"
      "|AnalyticsSyncHistory|_ttp|__hstc|__hssc|__hssrc|hubspotutk"
      "|personalization_id|guest_id)$" },

    { NULL, NULL }
};


static ngx_command_t  ngx_http_egov_consent_commands[] = {

    { ngx_string("egov_consent"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_egov_consent_loc_conf_t, enable),
      NULL },

    { ngx_string("egov_consent_categories"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_egov_consent_categories,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("egov_consent_version"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_egov_consent_loc_conf_t, version),
      &ngx_http_egov_consent_version_bounds },

    { ngx_string("egov_consent_cookie_name"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_egov_consent_loc_conf_t, cookie_name),
      &ngx_http_egov_consent_cookie_name_post },

    { ngx_string("egov_consent_max_age"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_egov_consent_loc_conf_t, max_age),
      &ngx_http_egov_post_positive_time },

    { ngx_string("egov_consent_cookie_domain"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_egov_consent_cookie_domain,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("egov_consent_mode"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_egov_consent_mode,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("egov_consent_secure"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_egov_consent_secure,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("egov_consent_key"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_egov_consent_key_file,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("egov_consent_dnt"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_egov_consent_loc_conf_t, dnt),
      NULL },

    { ngx_string("egov_consent_cookie"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_2MORE,
      ngx_http_egov_consent_cookie,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("egov_consent_source"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_2MORE,
      ngx_http_egov_consent_source,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("egov_consent_unknown"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_egov_consent_unknown,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("egov_consent_lang"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_egov_consent_lang,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("egov_consent_policy_url"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_egov_consent_loc_conf_t, policy_url),
      NULL },

    { ngx_string("egov_consent_path"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_egov_consent_path,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("egov_csp_nonce_inject"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_egov_consent_loc_conf_t, nonce_inject),
      NULL },

    { ngx_string("egov_consent_markup"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_egov_consent_loc_conf_t, markup),
      NULL },

    { ngx_string("egov_consent_page_map"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_egov_consent_loc_conf_t, page_map),
      NULL },

    { ngx_string("egov_consent_banner"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_egov_consent_file,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_egov_consent_loc_conf_t, banner_file),
      NULL },

    { ngx_string("egov_consent_log"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE12,
      ngx_http_egov_consent_log,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("egov_consent_inventory"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_egov_inventory,
      0,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_egov_consent_module_ctx = {
    ngx_http_egov_consent_add_variables,   /* preconfiguration */
    ngx_http_egov_consent_init,            /* postconfiguration */

    ngx_http_egov_consent_create_main_conf, /* create main configuration */
    ngx_http_egov_consent_init_main_conf,  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_egov_consent_create_loc_conf, /* create location configuration */
    ngx_http_egov_consent_merge_loc_conf   /* merge location configuration */
};


ngx_module_t  ngx_http_egov_consent_module = {
    NGX_MODULE_V1,
    &ngx_http_egov_consent_module_ctx,     /* module context */
    ngx_http_egov_consent_commands,        /* module directives */
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


/*
 * A cookie name (RFC 6265's token) of 1 to 64 bytes, and not the
 * challenge's pass (a fifth review: "a; Domain=evil.example; x" went into
 * the Set-Cookie line as attributes)
 */

static char *
ngx_http_egov_consent_cookie_name(ngx_conf_t *cf, void *post, void *data)
{
    ngx_str_t  *name = data;

    u_char  *p;

    for (p = name->data; p < name->data + name->len; p++) {
        if (!ngx_http_egov_token_char(*p)) {
            break;
        }
    }

    if (name->len == 0 || name->len > 64 || p < name->data + name->len) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "egov_consent_cookie_name \"%V\": a cookie name "
                           "is 1 to 64 letters, digits and "
                           "!#$%%&'*+-.^_`|~", name);
        return NGX_CONF_ERROR;
    }

    if (name->len == sizeof(NGX_HTTP_EGOV_PASS_COOKIE) - 1
        && ngx_strncmp(name->data, NGX_HTTP_EGOV_PASS_COOKIE, name->len) == 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "egov_consent_cookie_name \"%V\": the "
                           "challenge's pass is named so", name);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* does a cookie's name begin with a prefix browsers give a meaning to */

static ngx_uint_t
ngx_http_egov_consent_prefixed(ngx_str_t *name, char *prefix)
{
    size_t  n;

    n = ngx_strlen(prefix);

    return name->len > n
           && ngx_strncasecmp(name->data, (u_char *) prefix, n) == 0;
}


/* the visitor's consent: a valid cookie, or a privacy signal, or nothing */

ngx_http_egov_consent_ctx_t *
ngx_http_egov_consent_resolve(ngx_http_request_t *r,
    ngx_http_egov_consent_loc_conf_t *clcf)
{
    size_t                        nl, vl;
    uint64_t                      now;
    ngx_str_t                    *key;
    const ngx_egov_hmac_key_t    *ck;
    ngx_str_t                     found[NGX_HTTP_EGOV_CONSENT_TRIES];
    ngx_uint_t                    i, all, n_found;
    ngx_egov_consent_t            c;
    const u_char                 *pos, *end, *n, *v;
    ngx_table_elt_t              *h;
    ngx_http_egov_consent_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r->main, ngx_http_egov_consent_module);

    if (ctx && ctx->resolved) {
        return ctx;
    }

    if (ctx == NULL) {
        ctx = ngx_pcalloc(r->main->pool, sizeof(ngx_http_egov_consent_ctx_t));
        if (ctx == NULL) {
            return NULL;
        }

        ngx_http_set_ctx(r->main, ctx, ngx_http_egov_consent_module);
    }

    ctx->resolved = 1;
    ctx->lang = (clcf->lang >= 0)
                ? (ngx_egov_lang_e) clcf->lang
                : ngx_http_egov_request_lang(r, NGX_EGOV_LANG_AR);

    key = ngx_http_egov_consent_key();
    now = ngx_time();
    all = clcf->categories ? (1u << clcf->categories->nelts) - 1 : 0;

    if (key && ngx_http_egov_consent_cookie_key(clcf, &ck) != NGX_OK) {
        key = NULL;
    }

    n_found = 0;

    for (i = 0; key && (h = ngx_http_egov_cookie_header(r, i)); i++) {

        pos = h->value.data;
        end = h->value.data + h->value.len;

        while (ngx_egov_cookie_next(&pos, end, &n, &nl, &v, &vl)) {

            if (nl != clcf->cookie_name.len
                || ngx_strncmp(n, clcf->cookie_name.data, nl) != 0)
            {
                continue;
            }

            if (n_found < NGX_HTTP_EGOV_CONSENT_TRIES) {
                found[n_found].data = (u_char *) v;
                found[n_found].len = vl;
            }

            n_found++;
        }
    }

    /*
     * each costs an HMAC, and cookie tossing needs a few: more is no
     * choice to read (a tossed one beyond the bound could hide the
     * visitor's): none is, nothing optional is granted, not even by
     * implied consent, and the banner asks
     */

    if (n_found > NGX_HTTP_EGOV_CONSENT_TRIES) {
        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "egov consent: %ui consent cookies, none read",
                       n_found);
        ctx->crowded = 1;
        n_found = 0;
    }

    for (i = 0; i < n_found; i++) {

        /* invalid, tampered, expired or outdated: no decision yet */

        if (ngx_http_egov_consent_check(clcf, ck, found[i].data,
                                        found[i].len, &c)
            != NGX_EGOV_CONSENT_OK)
        {
            ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                           "egov consent: invalid consent cookie");
            continue;
        }

        if (c.version != clcf->version
            || c.time + clcf->max_age < now
            || c.time > now + 86400)
        {
            continue;
        }

        /*
         * Several valid ones: another site of the domain may have set one
         * for all its subdomains, or for a longer path, which the browser
         * sends first ("cookie tossing"; a __Host- name prevents it): the
         * narrowest choice holds
         */

        if (!ctx->decided) {
            ctx->decided = 1;
            ctx->cookie = c;
            ctx->granted = c.granted & all;

        } else {
            ctx->granted &= c.granted;
        }
    }

    /* Global Privacy Control, looked up once (and DNT if asked) */

    h = ngx_http_egov_header_in(r, (u_char *) "sec-gpc", 7);

    ctx->gpc = (h && h->value.len == 1 && h->value.data[0] == '1');

    if (ctx->decided) {
        return ctx;
    }

    ctx->signal = ctx->gpc;

    if (clcf->dnt) {
        h = ngx_http_egov_header_in(r, (u_char *) "dnt", 3);

        if (h && h->value.len == 1 && h->value.data[0] == '1') {
            ctx->signal = 1;
        }
    }

    /* implied consent: all until the visitor refuses (or signals) */

    if (clcf->mode == NGX_HTTP_EGOV_CONSENT_NOTICE && !ctx->signal
        && !ctx->crowded)
    {
        ctx->granted = all;
    }

    return ctx;
}


/*
 * What the page may load for this visitor: the categories granted, none
 * while the browser sends Global Privacy Control (it outranks an earlier
 * choice, as the CSP's sources and the markup treat it)
 */

ngx_uint_t
ngx_http_egov_consent_granted(ngx_http_request_t *r,
    ngx_http_egov_consent_ctx_t *ctx)
{
    return ngx_http_egov_consent_refused(r, ctx) ? 0 : ctx->granted;
}


/* the browser refuses all, whatever was chosen before */

ngx_uint_t
ngx_http_egov_consent_refused(ngx_http_request_t *r,
    ngx_http_egov_consent_ctx_t *ctx)
{
    return ctx->signal || ctx->gpc;
}


ngx_int_t
ngx_http_egov_consent_classify(ngx_http_egov_consent_loc_conf_t *clcf,
    u_char *name, size_t len)
{
    ngx_http_egov_cookie_map_t  *map;

    return ngx_http_egov_consent_classify_map(clcf, name, len, &map);
}


/* the category of a cookie, and the mapping that says so (or NULL) */

ngx_int_t
ngx_http_egov_consent_classify_map(ngx_http_egov_consent_loc_conf_t *clcf,
    u_char *name, size_t len, ngx_http_egov_cookie_map_t **found)
{
    ngx_str_t                    s;
    ngx_uint_t                   i;
    ngx_http_egov_cookie_map_t  *map;

    *found = NULL;

    /* the module's own: the consent cookie, the challenge's pass */

    if ((len == clcf->cookie_name.len
         && ngx_strncmp(name, clcf->cookie_name.data, len) == 0)
        || (len == sizeof(NGX_HTTP_EGOV_PASS_COOKIE) - 1
            && ngx_strncmp(name, NGX_HTTP_EGOV_PASS_COOKIE, len) == 0))
    {
        return NGX_HTTP_EGOV_CONSENT_NECESSARY;
    }

    if (clcf->all_maps == NULL) {
        return NGX_HTTP_EGOV_CONSENT_UNKNOWN;
    }

    s.data = name;
    s.len = len;
    map = clcf->all_maps->elts;

    for (i = 0; i < clcf->all_maps->nelts; i++) {
        /* a limit reached: not this category (logged, counted) */

        if (ngx_http_egov_regex_match(map[i].regex, &s, ngx_cycle->log)
            == NGX_OK)
        {
            *found = &map[i];
            return map[i].category;
        }
    }

    return NGX_HTTP_EGOV_CONSENT_UNKNOWN;
}


/* the lower-case name of the module's own expiry lines: their mark */
static u_char  ngx_http_egov_consent_expiry_key[] = "set-cookie";


ngx_int_t
ngx_http_egov_consent_add_cookie(ngx_http_request_t *r, ngx_str_t *value,
    ngx_uint_t own)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
    ngx_str_set(&h->key, "Set-Cookie");
    h->value = *value;
    h->lowcase_key = own ? ngx_http_egov_consent_expiry_key
                         : (u_char *) "set-cookie";
#if (nginx_version >= 1023000)
    h->next = NULL;
#endif

    return NGX_OK;
}


ngx_uint_t
ngx_http_egov_consent_own_expiry(ngx_table_elt_t *h)
{
    return h->lowcase_key == ngx_http_egov_consent_expiry_key;
}


/* the HMAC key: from egov_consent_key, else generated in shared memory */

static ngx_str_t *
ngx_http_egov_consent_key(void)
{
    ngx_http_egov_consent_main_conf_t  *cmcf;

    static ngx_str_t  shared;

    cmcf = ngx_http_cycle_get_module_main_conf(ngx_cycle,
                                               ngx_http_egov_consent_module);
    if (cmcf == NULL) {
        return NULL;
    }

    if (cmcf->key.len) {
        return &cmcf->key;
    }

    shared.data = ngx_http_egov_inventory_key(cmcf);
    shared.len = NGX_HTTP_EGOV_CONSENT_KEY_MIN;

    return shared.data ? &shared : NULL;
}


/*
 * The key consent cookies of a location are signed with: the consent key,
 * bound to the location's category names in their order.  Granted
 * categories are bits by position: a list reordered (or renamed) without
 * a new policy version would move a visitor's consent to other categories;
 * bound this way, a cookie made under another list is not valid, and the
 * visitor is asked again.  Derived once per worker and location.
 */

ngx_int_t
ngx_http_egov_consent_cookie_key(ngx_http_egov_consent_loc_conf_t *clcf,
    const ngx_egov_hmac_key_t **out)
{
    u_char                     md[NGX_EGOV_HMAC_LEN];
    ngx_str_t                 *key;
    ngx_uint_t                 i;
    ngx_egov_hmac_t            h;
    ngx_egov_hmac_key_t        consent_key;
    ngx_http_egov_category_t  *cat;

    key = ngx_http_egov_consent_key();
    if (key == NULL) {
        return NGX_ERROR;
    }

    *out = &clcf->cookie_key;

    if (clcf->cookie_key_of == key->data) {
        return NGX_OK;
    }

    ngx_egov_hmac_key(&consent_key, key->data, key->len);
    ngx_egov_hmac_start(&h, &consent_key);
    ngx_egov_hmac_update(&h, "egov-consent-categories:",
                         sizeof("egov-consent-categories:") - 1);

    cat = clcf->categories ? clcf->categories->elts : NULL;

    for (i = 0; cat && i < clcf->categories->nelts; i++) {
        ngx_egov_hmac_update(&h, cat[i].name.data, cat[i].name.len);
        ngx_egov_hmac_update(&h, " ", 1);
    }

    ngx_egov_hmac_final(&h, md);
    ngx_egov_hmac_key_clear(&consent_key);

    ngx_egov_hmac_key(&clcf->cookie_key, md, sizeof(md));

    /* the digest is a key here: neither it nor the state holding it stays */
    ngx_explicit_memzero(md, sizeof(md));
    ngx_explicit_memzero(&h, sizeof(h));

    clcf->cookie_key_of = key->data;

    return NGX_OK;
}


/* egov_consent_categories analytics preferences marketing; */

static char *
ngx_http_egov_consent_categories(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_egov_consent_loc_conf_t *clcf = conf;

    u_char                    *p;
    ngx_str_t                 *value;
    ngx_uint_t                 i, j;
    ngx_http_egov_category_t  *cat;

    if (clcf->categories) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (cf->args->nelts - 1 > NGX_EGOV_CONSENT_MAX_CATEGORIES) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "egov_consent_categories: at most %d categories",
                           NGX_EGOV_CONSENT_MAX_CATEGORIES);
        return NGX_CONF_ERROR;
    }

    clcf->categories = ngx_array_create(cf->pool, cf->args->nelts - 1,
                                        sizeof(ngx_http_egov_category_t));
    if (clcf->categories == NULL) {
        return NGX_CONF_ERROR;
    }

    for (i = 1; i < cf->args->nelts; i++) {

        for (p = value[i].data; p < value[i].data + value[i].len; p++) {
            if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')
                  || *p == '_'))
            {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "egov_consent_categories: \"%V\": a name "
                                   "has lower-case letters, digits and "
                                   "\"_\" only", &value[i]);
                return NGX_CONF_ERROR;
            }
        }

        if (value[i].len == 0 || value[i].len > 32
            || (value[i].len == 9
                && ngx_strncmp(value[i].data, "necessary", 9) == 0))
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "egov_consent_categories: \"%V\" cannot be "
                               "an optional category", &value[i]);
            return NGX_CONF_ERROR;
        }

        cat = clcf->categories->elts;

        for (j = 0; j < clcf->categories->nelts; j++) {
            if (cat[j].name.len == value[i].len
                && ngx_strncmp(cat[j].name.data, value[i].data,
                               value[i].len) == 0)
            {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "egov_consent_categories: \"%V\" is "
                                   "given twice", &value[i]);
                return NGX_CONF_ERROR;
            }
        }

        cat = ngx_array_push(clcf->categories);
        if (cat == NULL) {
            return NGX_CONF_ERROR;
        }

        ngx_memzero(cat, sizeof(ngx_http_egov_category_t));
        cat->name = value[i];
    }

    return NGX_CONF_OK;
}


/* egov_consent_cookie CATEGORY PATTERN ...; */

static char *
ngx_http_egov_consent_cookie(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_egov_consent_loc_conf_t *clcf = conf;

    u_char                       *p;
    ngx_int_t                     category;
    ngx_str_t                    *value, domain, path;
    ngx_uint_t                    i, first, patterns;
    ngx_http_egov_category_t     *cat;
    ngx_http_egov_cookie_map_t   *map;

    value = cf->args->elts;

    if (value[1].len == 9 && ngx_strncmp(value[1].data, "necessary", 9) == 0)
    {
        category = NGX_HTTP_EGOV_CONSENT_NECESSARY;

    } else {
        category = NGX_CONF_UNSET;
        cat = clcf->categories ? clcf->categories->elts : NULL;

        for (i = 0; cat && i < clcf->categories->nelts; i++) {
            if (cat[i].name.len == value[1].len
                && ngx_strncmp(cat[i].name.data, value[1].data,
                               value[1].len) == 0)
            {
                category = i;
            }
        }

        if (category == NGX_CONF_UNSET) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "egov_consent_cookie: unknown category \"%V\" "
                               "(\"necessary\" or one of "
                               "egov_consent_categories, given before at "
                               "this level)", &value[1]);
            return NGX_CONF_ERROR;
        }
    }

    if (clcf->maps == NULL) {
        clcf->maps = ngx_array_create(cf->pool, 4,
                                      sizeof(ngx_http_egov_cookie_map_t));
        if (clcf->maps == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    /* domain= and path=: where the cookies are expired besides */

    ngx_str_null(&domain);
    ngx_str_null(&path);
    first = clcf->maps->nelts;
    patterns = 0;

    for (i = 2; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "domain=", 7) == 0) {
            domain.data = value[i].data + 7;
            domain.len = value[i].len - 7;

            if (!ngx_http_egov_consent_domain_valid(&domain)) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "egov_consent_cookie: invalid domain "
                                   "\"%V\": a domain name in lower case, "
                                   "such as \".example.om\"", &value[i]);
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "path=", 5) == 0) {
            path.data = value[i].data + 5;
            path.len = value[i].len - 5;

            for (p = path.data; p < path.data + path.len; p++) {
                if (*p <= ' ' || *p >= 0x7f || *p == ';' || *p == ',') {
                    break;
                }
            }

            if (path.len == 0 || path.data[0] != '/'
                || p != path.data + path.len)
            {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "egov_consent_cookie: invalid path "
                                   "\"%V\": a path beginning with \"/\", "
                                   "without spaces, \";\" or \",\"",
                                   &value[i]);
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (ngx_http_egov_consent_map(cf, clcf->maps, &value[i], category)
            != NGX_OK)
        {
            return NGX_CONF_ERROR;
        }

        patterns++;
    }

    if (patterns == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "egov_consent_cookie: no cookie name pattern");
        return NGX_CONF_ERROR;
    }

    map = clcf->maps->elts;

    for (i = first; i < clcf->maps->nelts; i++) {
        map[i].domain = domain;
        map[i].path = path;
    }

    return NGX_CONF_OK;
}


/* a cookie Domain: lower-case letters, digits, "." and "-", a dot in it */

static ngx_uint_t
ngx_http_egov_consent_domain_valid(ngx_str_t *domain)
{
    u_char  *p;

    for (p = domain->data; p < domain->data + domain->len; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')
              || *p == '.' || *p == '-'))
        {
            return 0;
        }
    }

    return domain->len > 0 && domain->len <= 253
           && ngx_strlchr(domain->data + 1, domain->data + domain->len, '.')
              != NULL;
}


static char *
ngx_http_egov_consent_mode(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_egov_consent_loc_conf_t *clcf = conf;

    ngx_str_t  *value;

    if (clcf->mode != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (value[1].len == 6 && ngx_strncmp(value[1].data, "opt-in", 6) == 0) {
        clcf->mode = NGX_HTTP_EGOV_CONSENT_OPT_IN;

    } else if (value[1].len == 6
               && ngx_strncmp(value[1].data, "notice", 6) == 0)
    {
        clcf->mode = NGX_HTTP_EGOV_CONSENT_NOTICE;

    } else {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "egov_consent_mode: invalid mode \"%V\", "
                           "\"opt-in\" or \"notice\" expected",
                           &value[1]);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_egov_consent_cookie_domain(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_egov_consent_loc_conf_t *clcf = conf;

    ngx_str_t  *value;

    if (clcf->cookie_domain.data) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (!ngx_http_egov_consent_domain_valid(&value[1])) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "egov_consent_cookie_domain: invalid domain "
                           "\"%V\": the portal's parent domain in lower "
                           "case, such as \"example.om\"", &value[1]);
        return NGX_CONF_ERROR;
    }

    clcf->cookie_domain = value[1];

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_egov_consent_map(ngx_conf_t *cf, ngx_array_t *maps,
    ngx_str_t *regex, ngx_int_t category)
{
    ngx_str_t                    err;
    ngx_http_egov_cookie_map_t  *map;
    u_char                       errstr[NGX_MAX_CONF_ERRSTR];

    map = ngx_array_push(maps);
    if (map == NULL) {
        return NGX_ERROR;
    }

    err.len = NGX_MAX_CONF_ERRSTR;
    err.data = errstr;

    map->regex = ngx_http_egov_regex_compile(cf, regex, 0, regex, &err);

    if (map->regex == NULL) {
        if (err.len) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "egov_consent_cookie: %V", &err);
        }

        return NGX_ERROR;
    }

    map->name = *regex;
    map->category = category;
    ngx_str_null(&map->domain);
    ngx_str_null(&map->path);

    return NGX_OK;
}


static char *
ngx_http_egov_consent_key_file(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_egov_consent_main_conf_t *cmcf = conf;

    ngx_str_t  *value;

    if (cmcf->key.len) {
        return "is duplicate";
    }

    value = cf->args->elts;

    /* a key written with "echo" or "openssl rand -base64" ends a line */

    return ngx_http_egov_conf_file(cf, &value[1],
                                   NGX_HTTP_EGOV_CONSENT_KEY_MIN, 4096,
                                   NGX_HTTP_EGOV_FILE_TRIM
                                   |NGX_HTTP_EGOV_FILE_SECRET,
                                   "egov_consent_key", &cmcf->key);
}


static char *
ngx_http_egov_consent_secure(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_egov_consent_loc_conf_t *clcf = conf;

    ngx_str_t  *value;

    if (clcf->secure != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "on") == 0) {
        clcf->secure = 1;

    } else if (ngx_strcmp(value[1].data, "off") == 0) {
        clcf->secure = 0;

    } else if (ngx_strcmp(value[1].data, "auto") == 0) {
        clcf->secure = NGX_HTTP_EGOV_CONSENT_SECURE_AUTO;

    } else {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid value \"%V\" in \"%V\" directive, "
                           "it must be \"on\", \"off\" or \"auto\"",
                           &value[1], &cmd->name);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_egov_consent_unknown(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_egov_consent_loc_conf_t *clcf = conf;

    ngx_str_t  *value;

    if (clcf->unknown_allow != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "allow") == 0) {
        clcf->unknown_allow = 1;

    } else if (ngx_strcmp(value[1].data, "deny") == 0) {
        clcf->unknown_allow = 0;

    } else {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid value \"%V\" in \"%V\" directive, "
                           "it must be \"allow\" or \"deny\"",
                           &value[1], &cmd->name);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_egov_consent_lang(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_egov_consent_loc_conf_t *clcf = conf;

    ngx_str_t  *value;

    if (clcf->lang != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "auto") == 0) {
        clcf->lang = -1;

    } else if (ngx_strcmp(value[1].data, "ar") == 0) {
        clcf->lang = NGX_EGOV_LANG_AR;

    } else if (ngx_strcmp(value[1].data, "en") == 0) {
        clcf->lang = NGX_EGOV_LANG_EN;

    } else {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid value \"%V\" in \"%V\" directive, "
                           "it must be \"auto\", \"ar\" or \"en\"",
                           &value[1], &cmd->name);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_egov_consent_path(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_egov_consent_loc_conf_t *clcf = conf;

    ngx_str_t  *value;

    if (clcf->path.data) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (!ngx_egov_consent_return_ok(value[1].data, value[1].len)
        || ngx_strlchr(value[1].data, value[1].data + value[1].len, '?')
        || ngx_strlchr(value[1].data, value[1].data + value[1].len, '"')
        || ngx_strlchr(value[1].data, value[1].data + value[1].len, '<'))
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "egov_consent_path: \"%V\" is not a plain path "
                           "starting with \"/\"", &value[1]);
        return NGX_CONF_ERROR;
    }

    clcf->path = value[1];

    return NGX_CONF_OK;
}


/* egov_consent_banner FILE: the operator's template, read once */

static char *
ngx_http_egov_consent_file(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    char  *p = conf;

    ngx_str_t  *value, **field, *content;

    field = (ngx_str_t **) (p + cmd->offset);

    if (*field != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    content = ngx_palloc(cf->pool, sizeof(ngx_str_t));
    if (content == NULL) {
        return NGX_CONF_ERROR;
    }

    if (ngx_http_egov_conf_file(cf, &value[1], 1, 256 * 1024, 0,
                                (char *) cmd->name.data, content)
        != NGX_CONF_OK)
    {
        return NGX_CONF_ERROR;
    }

    *field = content;

    return NGX_CONF_OK;
}


static char *
ngx_http_egov_consent_log(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_egov_consent_loc_conf_t *clcf = conf;

    ngx_int_t   n;
    ngx_str_t  *value;

    if (clcf->proof_log != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    clcf->proof_redis = 0;

    if (ngx_strcmp(value[1].data, "off") == 0 && cf->args->nelts == 2) {
        clcf->proof_log = NULL;
        return NGX_CONF_OK;
    }

    /* "redis [maxlen=N]": a Redis stream the fleet shares */

    if (ngx_strcmp(value[1].data, "redis") == 0) {
        clcf->proof_log = NULL;
        clcf->proof_redis = 100000;

        if (cf->args->nelts == 3) {
            if (ngx_strncmp(value[2].data, "maxlen=", 7) != 0) {
                return "has an invalid parameter, expected \"maxlen=N\"";
            }

            n = ngx_atoi(value[2].data + 7, value[2].len - 7);
            if (n < 100) {
                return "has an invalid \"maxlen=\", expected 100 or more";
            }

            clcf->proof_redis = n;
        }

        if (!ngx_egov_redis_enabled(cf)) {
            return "redis needs egov_redis at the http level, given before";
        }

        return NGX_CONF_OK;
    }

    if (cf->args->nelts == 3) {
        return "takes one file, \"off\" or \"redis [maxlen=N]\"";
    }

    clcf->proof_log = ngx_conf_open_file(cf->cycle, &value[1]);
    if (clcf->proof_log == NULL) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static void *
ngx_http_egov_consent_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_egov_consent_main_conf_t  *cmcf;

    cmcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_egov_consent_main_conf_t));
    if (cmcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     cmcf->key = { 0, NULL };
     *     cmcf->zone = NULL;
     *     cmcf->builtin = NULL;
     */

    return cmcf;
}


static char *
ngx_http_egov_consent_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_egov_consent_main_conf_t *cmcf = conf;

    ngx_str_t                        name, regex;
    ngx_http_egov_cookie_builtin_t  *b;

    static ngx_str_t  zone_name = ngx_string("egov_consent");

    cmcf->started = ngx_time();

    /* the generated key and the inventory, shared by all workers */

    cmcf->zone = ngx_shared_memory_add(cf, &zone_name,
                                       NGX_HTTP_EGOV_CONSENT_ZONE,
                                       &ngx_http_egov_consent_module);
    if (cmcf->zone == NULL) {
        return NGX_CONF_ERROR;
    }

    cmcf->zone->init = ngx_http_egov_inventory_init_zone;

    cmcf->builtin = ngx_array_create(cf->pool, 2,
                                     sizeof(ngx_http_egov_cookie_map_t));
    if (cmcf->builtin == NULL) {
        return NGX_CONF_ERROR;
    }

    for (b = ngx_http_egov_cookie_builtins; b->category; b++) {
        regex.data = (u_char *) b->regex;
        regex.len = ngx_strlen(b->regex);

        /* the category index is found per level, by name, at merge time */
        if (ngx_http_egov_consent_map(cf, cmcf->builtin, &regex,
                                      NGX_HTTP_EGOV_CONSENT_UNKNOWN)
            != NGX_OK)
        {
            return NGX_CONF_ERROR;
        }

        name.data = (u_char *) b->category;
        name.len = ngx_strlen(b->category);

        ((ngx_http_egov_cookie_map_t *) cmcf->builtin->elts)
            [cmcf->builtin->nelts - 1].name = name;
    }

    return NGX_CONF_OK;
}


static void *
ngx_http_egov_consent_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_egov_consent_loc_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_http_egov_consent_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     conf->categories = NULL;
     *     conf->cookie_name = { 0, NULL };
     *     conf->maps = NULL;
     *     conf->all_maps = NULL;
     *     conf->policy_url = { 0, NULL };
     *     conf->path = { 0, NULL };
     *     conf->texts = NULL;
     */

    conf->enable = NGX_CONF_UNSET;
    conf->version = NGX_CONF_UNSET_UINT;
    conf->max_age = NGX_CONF_UNSET;
    conf->secure = NGX_CONF_UNSET_UINT;
    conf->dnt = NGX_CONF_UNSET;
    conf->mode = NGX_CONF_UNSET_UINT;
    conf->unknown_allow = NGX_CONF_UNSET;
    conf->lang = NGX_CONF_UNSET;
    conf->nonce_inject = NGX_CONF_UNSET;
    conf->markup = NGX_CONF_UNSET;
    conf->page_map = NGX_CONF_UNSET;
    conf->banner_file = NGX_CONF_UNSET_PTR;
    conf->proof_log = NGX_CONF_UNSET_PTR;

    return conf;
}


static char *
ngx_http_egov_consent_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child)
{
    ngx_http_egov_consent_loc_conf_t *prev = parent;
    ngx_http_egov_consent_loc_conf_t *conf = child;

    ngx_uint_t                          i, j, same;
    ngx_http_egov_category_t           *cat;
    ngx_http_egov_cookie_map_t         *map, *b;
    ngx_http_egov_consent_main_conf_t  *cmcf;

    ngx_conf_merge_value(conf->enable, prev->enable, 0);

    if (conf->enable) {
        /* consent is in use: the status says where its key comes from */
        ((ngx_http_egov_consent_main_conf_t *)
         ngx_http_conf_get_module_main_conf(cf, ngx_http_egov_consent_module))
            ->used = 1;
    }
    ngx_conf_merge_uint_value(conf->version, prev->version, 1);
    ngx_conf_merge_str_value(conf->cookie_name, prev->cookie_name,
                             "egov_consent");
    ngx_conf_merge_sec_value(conf->max_age, prev->max_age, 182 * 86400);
    ngx_conf_merge_uint_value(conf->secure, prev->secure,
                              NGX_HTTP_EGOV_CONSENT_SECURE_AUTO);
    ngx_conf_merge_value(conf->dnt, prev->dnt, 0);
    ngx_conf_merge_uint_value(conf->mode, prev->mode,
                              NGX_HTTP_EGOV_CONSENT_OPT_IN);
    ngx_conf_merge_str_value(conf->cookie_domain, prev->cookie_domain, "");

    /*
     * A __Host- or __Secure- name: browsers keep the cookie only when it
     * is Secure, a __Host- one only without a Domain, so that no other
     * site of the domain can set it (cookie tossing)
     */

    if (ngx_http_egov_consent_prefixed(&conf->cookie_name, "__Secure-")
        || ngx_http_egov_consent_prefixed(&conf->cookie_name, "__Host-"))
    {
        if (conf->secure == 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "egov_consent_cookie_name \"%V\": browsers "
                               "keep such a cookie only with Secure "
                               "(egov_consent_secure off)",
                               &conf->cookie_name);
            return NGX_CONF_ERROR;
        }

        conf->secure = 1;
    }

    if (ngx_http_egov_consent_prefixed(&conf->cookie_name, "__Host-")
        && conf->cookie_domain.len)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "egov_consent_cookie_name \"%V\": a __Host- "
                           "cookie cannot be shared by subdomains "
                           "(egov_consent_cookie_domain \"%V\")",
                           &conf->cookie_name, &conf->cookie_domain);
        return NGX_CONF_ERROR;
    }

    ngx_conf_merge_value(conf->unknown_allow, prev->unknown_allow, 1);
    ngx_conf_merge_value(conf->lang, prev->lang, -1);
    ngx_conf_merge_str_value(conf->policy_url, prev->policy_url, "");
    ngx_conf_merge_str_value(conf->path, prev->path, "/.egov/consent");
    ngx_conf_merge_value(conf->nonce_inject, prev->nonce_inject, 0);
    ngx_conf_merge_value(conf->markup, prev->markup, 0);
    ngx_conf_merge_value(conf->page_map, prev->page_map, 1);
    ngx_conf_merge_ptr_value(conf->banner_file, prev->banner_file, NULL);
    if (conf->proof_log == NGX_CONF_UNSET_PTR) {
        conf->proof_log = prev->proof_log;
        conf->proof_redis = prev->proof_redis;
    }

    ngx_conf_merge_ptr_value(conf->proof_log, prev->proof_log, NULL);

    same = 1;

    if (conf->categories == NULL) {
        conf->categories = prev->categories;

    } else {
        same = 0;
    }

    if (conf->maps == NULL) {
        conf->maps = prev->maps;

    } else {
        same = 0;
    }

    if (same && prev->all_maps) {
        conf->all_maps = prev->all_maps;

    } else {
        /* the level's own mappings first, then the built-in ones */

        cmcf = ngx_http_conf_get_module_main_conf(cf,
                                                ngx_http_egov_consent_module);

        conf->all_maps = ngx_array_create(cf->pool, 4,
                                          sizeof(ngx_http_egov_cookie_map_t));
        if (conf->all_maps == NULL) {
            return NGX_CONF_ERROR;
        }

        if (conf->maps) {
            map = ngx_array_push_n(conf->all_maps, conf->maps->nelts);
            if (map == NULL) {
                return NGX_CONF_ERROR;
            }

            ngx_memcpy(map, conf->maps->elts,
                       conf->maps->nelts * sizeof(ngx_http_egov_cookie_map_t));
        }

        b = cmcf->builtin->elts;
        cat = conf->categories ? conf->categories->elts : NULL;

        for (i = 0; i < cmcf->builtin->nelts; i++) {
            map = ngx_array_push(conf->all_maps);
            if (map == NULL) {
                return NGX_CONF_ERROR;
            }

            *map = b[i];

            /* a category not declared can never be granted */
            map->category = NGX_EGOV_CONSENT_MAX_CATEGORIES;

            for (j = 0; cat && j < conf->categories->nelts; j++) {
                if (cat[j].name.len == b[i].name.len
                    && ngx_strncmp(cat[j].name.data, b[i].name.data,
                                   b[i].name.len) == 0)
                {
                    map->category = j;
                }
            }
        }
    }

    if (ngx_http_egov_consent_sources_merge(cf, prev, conf) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    if (!conf->enable) {
        return NGX_CONF_OK;
    }

    if (prev->texts && same && conf->banner_file == prev->banner_file
        && conf->path.data == prev->path.data
        && conf->policy_url.data == prev->policy_url.data)
    {
        conf->texts = prev->texts;
        return NGX_CONF_OK;
    }

    if (ngx_http_egov_banner_compile(cf, conf) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_egov_consent_init(ngx_conf_t *cf)
{
    ngx_http_handler_pt        *h;
    ngx_http_core_main_conf_t  *cmcf;

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    /* the endpoint answers in the rewrite phase: no location is needed */

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_REWRITE_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_egov_consent_handler;

    if (ngx_http_egov_consent_gate_init(cf) != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_http_egov_banner_init_filter(cf);
}


/*
 * Where the consent key comes from, for the status: 1 a file
 * (egov_consent_key), 0 made at start (a choice does not survive a restart
 * nor cross a fleet), -1 consent is not used
 */

ngx_int_t
ngx_http_egov_consent_key_state(void)
{
    ngx_http_egov_consent_main_conf_t  *cmcf;

    cmcf = ngx_http_cycle_get_module_main_conf(ngx_cycle,
                                               ngx_http_egov_consent_module);

    if (cmcf == NULL || !cmcf->used) {
        return -1;
    }

    return cmcf->key.len ? 1 : 0;
}
