
/*
 * Cookie consent: what the consent module's files share.
 */


#ifndef _NGX_HTTP_EGOV_CONSENT_H_INCLUDED_
#define _NGX_HTTP_EGOV_CONSENT_H_INCLUDED_


#include "ngx_http_egov_module.h"
#include "ngx_egov_consent_cookie.h"
#include "ngx_http_egov_regex.h"
#include "ngx_egov_html_tag.h"


#define NGX_HTTP_EGOV_CONSENT_NECESSARY  -1     /* never held back */
#define NGX_HTTP_EGOV_CONSENT_UNKNOWN    -2     /* no mapping names it */

#define NGX_HTTP_EGOV_CONSENT_SECURE_AUTO  2

#define NGX_HTTP_EGOV_CONSENT_OPT_IN  1
#define NGX_HTTP_EGOV_CONSENT_NOTICE  2

/* consent cookies read per request, at most (an HMAC each) */
#define NGX_HTTP_EGOV_CONSENT_TRIES   8


/* what the body filter inserts */
#define NGX_HTTP_EGOV_INJECT_BANNER  0x01
#define NGX_HTTP_EGOV_INJECT_LINK    0x02
#define NGX_HTTP_EGOV_INJECT_NONCE   0x04
#define NGX_HTTP_EGOV_INJECT_MARKUP  0x08


#define NGX_HTTP_EGOV_MEMO_ROOM    768   /* return path, embed's texts */
#define NGX_HTTP_EGOV_MEMO_NONCES  8
#define NGX_HTTP_EGOV_MEMO_SLOTS   4     /* renderings kept a template */


typedef struct ngx_http_egov_banner_memo_s  ngx_http_egov_banner_memo_t;


/* a template compiled into literal parts and per-request placeholders */
typedef struct {
    ngx_array_t                 parts;       /* ngx_http_egov_tpl_part_t */
    size_t                      literal_len;
    ngx_http_egov_banner_memo_t *memo;       /* per worker, or NULL */
} ngx_http_egov_tpl_t;


/*
 * What a banner (or an embed's place) rendered from a template depends on,
 * but for its nonce: the template is of one language and level (levels
 * share one only when their categories are the same)
 */
typedef struct {
    ngx_uint_t                  granted;
    ngx_uint_t                  state;       /* chosen, signalled */
    size_t                      nonce_len;
    ngx_str_t                   ret;         /* the return path */
    ngx_str_t                   title;       /* an embed's, or empty */
    ngx_str_t                   src;
    ngx_uint_t                  categories;
    ngx_uint_t                  refused;     /* the browser refuses all
                                                (an embed's form follows) */
} ngx_http_egov_memo_key_t;


typedef struct {
    ngx_str_t                   name;
    ngx_http_egov_regex_t      *regex;
    ngx_int_t                   category;    /* index, or NECESSARY */
    ngx_str_t                   domain;      /* expired there too */
    ngx_str_t                   path;        /* expired on it, or "/" */
} ngx_http_egov_cookie_map_t;


typedef struct {
    ngx_str_t                   name;
    ngx_str_t                   title[NGX_EGOV_LANG_MAX];
    ngx_str_t                   text[NGX_EGOV_LANG_MAX];
} ngx_http_egov_category_t;


/* the banner, link and page of one language, ready for requests */
typedef struct {
    ngx_http_egov_tpl_t         banner;
    ngx_http_egov_tpl_t         link;
    ngx_http_egov_tpl_t         page;
    ngx_http_egov_tpl_t         embed;       /* a held back embed's place */
    ngx_str_t                   words[6];    /* see ngx_http_egov_banner.c */
} ngx_http_egov_consent_texts_t;


typedef struct {
    ngx_flag_t                  enable;
    ngx_array_t                *categories;  /* ngx_http_egov_category_t */
    ngx_egov_hmac_key_t         cookie_key;  /* bound to categories */
    u_char                     *cookie_key_of;   /* the key it is from */
    ngx_uint_t                  version;
    ngx_str_t                   cookie_name;
    time_t                      max_age;
    ngx_uint_t                  secure;
    ngx_flag_t                  dnt;
    ngx_array_t                *maps;        /* egov_consent_cookie, own */
    ngx_array_t                *all_maps;    /* own + built-in, merged */
    ngx_flag_t                  unknown_allow;
    ngx_int_t                   lang;        /* -1: auto */
    ngx_str_t                   policy_url;
    ngx_str_t                   path;
    ngx_flag_t                  nonce_inject;
    ngx_str_t                  *banner_file; /* egov_consent_banner */
    ngx_open_file_t            *proof_log;
    ngx_uint_t                  proof_redis; /* stream length; 0: none */
    ngx_http_egov_consent_texts_t  *texts;   /* [NGX_EGOV_LANG_MAX] */
    ngx_array_t                *sources;     /* egov_consent_source */
    ngx_str_t                   cookie_domain; /* "": host-only */
    ngx_uint_t                  mode;        /* opt-in, notice */
    ngx_flag_t                  markup;      /* egov_consent_markup */
    ngx_flag_t                  page_map;    /* egov_consent_page_map */
} ngx_http_egov_consent_loc_conf_t;


typedef struct {
    ngx_str_t                   key;         /* HMAC key */
    ngx_shm_zone_t             *zone;        /* key (if generated), inventory */
    ngx_array_t                *builtin;     /* ngx_http_egov_cookie_map_t */
    time_t                      started;     /* for gpc.json's lastUpdate */
    ngx_uint_t                  used;        /* egov_consent on somewhere */
} ngx_http_egov_consent_main_conf_t;


/* a held back embed, for its placeholder */
typedef struct {
    ngx_str_t                   title;       /* as the page wrote them */
    ngx_str_t                   src;         /* "": no link to it */
    ngx_uint_t                  categories;  /* bits */
    ngx_uint_t                  allow;       /* a form to allow it */
} ngx_http_egov_embed_t;


/* the visitor's consent, worked out once per request */
typedef struct {
    unsigned                    resolved:1;
    unsigned                    decided:1;   /* a valid consent cookie */
    unsigned                    crowded:1;   /* too many to read */
    unsigned                    signal:1;    /* Sec-GPC (or DNT) refused */
    unsigned                    gpc:1;       /* "Sec-GPC: 1", decided or not */
    unsigned                    own_page:1;  /* the settings page itself */
    unsigned                    expired:1;   /* refused cookies expired */
    unsigned                    lang_pending:1;  /* <html lang> may say */
    ngx_uint_t                  granted;     /* bits of categories */
    ngx_egov_consent_t          cookie;
    ngx_uint_t                  inject;      /* NGX_HTTP_EGOV_INJECT_* */
    ngx_egov_lang_e             lang;
    void                       *filter;      /* the body filter's state */
} ngx_http_egov_consent_ctx_t;


extern ngx_module_t  ngx_http_egov_consent_module;
extern ngx_str_t     ngx_egov_banner_assets[][2];

ngx_str_t *ngx_http_egov_asset(const char *name);


/* ngx_http_egov_consent_endpoint.c */
ngx_int_t ngx_http_egov_consent_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_egov_consent_granted_str(ngx_http_request_t *r,
    ngx_http_egov_consent_loc_conf_t *clcf, ngx_http_egov_consent_ctx_t *ctx,
    ngx_str_t *out);

/* ngx_http_egov_consent.c */
ngx_int_t ngx_http_egov_consent_cookie_key(
    ngx_http_egov_consent_loc_conf_t *clcf, const ngx_egov_hmac_key_t **key);

/* ngx_http_egov_consent_memo.c: a consent cookie checked, remembered */
int ngx_http_egov_consent_check(ngx_http_egov_consent_loc_conf_t *clcf,
    const ngx_egov_hmac_key_t *key, const u_char *value, size_t len,
    ngx_egov_consent_t *c);

/* ngx_http_egov_consent_gate.c */
ngx_int_t ngx_http_egov_consent_gate_init(ngx_conf_t *cf);

/* ngx_http_egov_consent_variables.c */
ngx_int_t ngx_http_egov_consent_add_variables(ngx_conf_t *cf);

/* ngx_http_egov_consent_gate.c: will the filter change this 200 page */
ngx_uint_t ngx_http_egov_consent_changes(ngx_http_request_t *r);

/* ngx_http_egov_consent_expire.c */
ngx_int_t ngx_http_egov_consent_expire(ngx_http_request_t *r,
    ngx_http_egov_consent_loc_conf_t *clcf, ngx_uint_t granted);

/* ngx_http_egov_consent_markup.c */
ngx_int_t ngx_http_egov_markup_tag(ngx_http_request_t *r, const u_char *tag,
    size_t len, ngx_uint_t foreign, ngx_str_t *nonce_attr,
    ngx_egov_html_piece_t *out, size_t *n);

/* ngx_http_egov_consent_source.c */
char *ngx_http_egov_consent_source(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
ngx_int_t ngx_http_egov_consent_sources_merge(ngx_conf_t *cf,
    ngx_http_egov_consent_loc_conf_t *prev,
    ngx_http_egov_consent_loc_conf_t *conf);
ngx_int_t ngx_http_egov_consent_csp(ngx_http_request_t *r, ngx_str_t *value);

/* ngx_http_egov_consent.c */
ngx_http_egov_consent_ctx_t *ngx_http_egov_consent_resolve(
    ngx_http_request_t *r, ngx_http_egov_consent_loc_conf_t *clcf);
ngx_int_t ngx_http_egov_consent_vary(ngx_http_request_t *r);
ngx_uint_t ngx_http_egov_consent_granted(ngx_http_request_t *r,
    ngx_http_egov_consent_ctx_t *ctx);
ngx_uint_t ngx_http_egov_consent_refused(ngx_http_request_t *r,
    ngx_http_egov_consent_ctx_t *ctx);
ngx_int_t ngx_http_egov_consent_classify_map(
    ngx_http_egov_consent_loc_conf_t *clcf, u_char *name, size_t len,
    ngx_http_egov_cookie_map_t **found);
/*
 * own: the module's expiry of a cookie the request carried (its name is
 * the visitor's, not one the portal sets: kept out of the inventory)
 */
ngx_int_t ngx_http_egov_consent_add_cookie(ngx_http_request_t *r,
    ngx_str_t *value, ngx_uint_t own);
ngx_uint_t ngx_http_egov_consent_own_expiry(ngx_table_elt_t *h);
ngx_int_t ngx_http_egov_consent_classify(
    ngx_http_egov_consent_loc_conf_t *clcf, u_char *name, size_t len);

/* ngx_http_egov_banner.c */
ngx_int_t ngx_http_egov_banner_compile(ngx_conf_t *cf,
    ngx_http_egov_consent_loc_conf_t *clcf);
ngx_int_t ngx_http_egov_banner_render(ngx_http_request_t *r,
    ngx_http_egov_consent_loc_conf_t *clcf, ngx_http_egov_consent_ctx_t *ctx,
    ngx_http_egov_tpl_t *tpl, ngx_str_t *out);
ngx_int_t ngx_http_egov_banner_memo_get(ngx_http_egov_tpl_t *tpl,
    ngx_http_egov_memo_key_t *key, ngx_str_t *nonce, ngx_pool_t *pool,
    ngx_str_t *out);
void ngx_http_egov_banner_memo_put(ngx_http_egov_tpl_t *tpl,
    ngx_http_egov_memo_key_t *key, ngx_str_t *text, size_t *nonce_at,
    ngx_uint_t nonces, ngx_log_t *log);
ngx_int_t ngx_http_egov_banner_render_embed(ngx_http_request_t *r,
    ngx_http_egov_consent_loc_conf_t *clcf, ngx_http_egov_consent_ctx_t *ctx,
    ngx_http_egov_embed_t *embed, ngx_str_t *out);
ngx_int_t ngx_http_egov_banner_asset(ngx_http_request_t *r,
    ngx_http_egov_consent_loc_conf_t *clcf);

/* ngx_http_egov_banner_filter.c */
ngx_int_t ngx_http_egov_banner_init_filter(ngx_conf_t *cf);
ngx_int_t ngx_http_egov_banner_start(ngx_http_request_t *r,
    ngx_http_egov_consent_ctx_t *ctx, off_t length);

/* ngx_http_egov_inventory.c */
ngx_int_t ngx_http_egov_inventory_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);
void ngx_http_egov_inventory_record(ngx_http_egov_consent_main_conf_t *cmcf,
    u_char *name, size_t len, ngx_str_t *category, ngx_uint_t held);
u_char *ngx_http_egov_inventory_key(ngx_http_egov_consent_main_conf_t *cmcf);
char *ngx_http_egov_inventory(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);


/* ngx_http_egov_consent_proof.c: proofs to a Redis stream */
void ngx_http_egov_consent_proof_redis(ngx_http_request_t *r,
    ngx_uint_t maxlen, u_char *proof, size_t len);

#endif /* _NGX_HTTP_EGOV_CONSENT_H_INCLUDED_ */
