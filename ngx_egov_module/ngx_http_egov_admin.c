
/*
 * egov_admin: a small JSON API for security teams (and egovctl).
 *
 *   GET    .../entries[?kind=ban|block]    the active entries
 *   POST   .../entries                     {"address":"192.0.2.0/24",
 *                                           "kind":"ban"|"block",
 *                                           "ttl":SECONDS,"reason":"...",
 *                                           "force":true}
 *   DELETE .../entries?address=CIDR[&kind=ban|block]
 *   GET    .../address?address=IP          one address's status
 *   GET    .../stats                       the counters (as egov_status)
 *
 * A POST names each member once, none other; a prefix has no bits set
 * beyond its length, and is not /0 (that would refuse every address);
 * one wider than NGX_EGOV_CIDR_V4_WIDEST or NGX_EGOV_CIDR_V6_WIDEST
 * (a typo: /1 for /21) needs "force":true.
 * The location itself is not refused by dynamic entries (bans, blocks of
 * this API), so a mistaken one can always be taken back.
 *
 * Every request needs "Authorization: Bearer TOKEN", TOKEN one of
 * egov_admin_token's file (lines "name:token", or one token named
 * "admin"), compared in constant time.  Changes go through the protection
 * API, so with the fleet layer they reach every server; each is written to
 * the audit log (who, what, when, the result), never the token.
 */


#include "ngx_http_egov_protect.h"
#include "ngx_http_egov_admin_guard.h"
#include "ngx_http_egov_fleet.h"
#include "ngx_egov_json.h"
#include "ngx_egov_query.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>


#define NGX_HTTP_EGOV_ADMIN_BODY_MAX   16384
#define NGX_HTTP_EGOV_ADMIN_NODES      64
#define NGX_HTTP_EGOV_ADMIN_TTL_MAX    (366 * 86400)
#define NGX_HTTP_EGOV_ADMIN_NAME_MAX   32     /* a member name echoed back */
#define NGX_HTTP_EGOV_ADMIN_ERROR_LEN  (NGX_EGOV_CIDR_TEXT_LEN + 128)



/* the members of a POST, in ngx_http_egov_admin_names' order */
enum {
    NGX_HTTP_EGOV_ADMIN_ADDRESS = 0,
    NGX_HTTP_EGOV_ADMIN_KIND,
    NGX_HTTP_EGOV_ADMIN_TTL,
    NGX_HTTP_EGOV_ADMIN_REASON,
    NGX_HTTP_EGOV_ADMIN_FORCE,
    NGX_HTTP_EGOV_ADMIN_MEMBERS
};


typedef struct {
    ngx_str_t                   name;
    u_char                      digest[SHA256_DIGEST_LENGTH];
} ngx_http_egov_admin_token_t;


typedef struct {
    ngx_flag_t                  enable;
    ngx_array_t                *tokens;      /* ngx_http_egov_admin_token_t */
    ngx_open_file_t            *audit;
    ngx_http_egov_admin_guard_conf_t  guard;
    u_char                     *file;        /* where egov_admin is */
    ngx_uint_t                  line;
} ngx_http_egov_admin_loc_conf_t;


typedef struct {
    ngx_shm_zone_t             *guard_zone;  /* failed tokens, per address */
} ngx_http_egov_admin_main_conf_t;


static ngx_int_t ngx_http_egov_admin_handler(ngx_http_request_t *r);
static ngx_str_t *ngx_http_egov_admin_auth(ngx_http_request_t *r,
    ngx_http_egov_admin_loc_conf_t *alcf);
static void ngx_http_egov_admin_body(ngx_http_request_t *r);
static uint64_t ngx_http_egov_admin_created(ngx_egov_cidr_t *cidr);
static ngx_int_t ngx_http_egov_admin_add(ngx_http_request_t *r,
    ngx_str_t *who);
static const char *ngx_http_egov_admin_members(ngx_egov_json_t *json,
    long *value, u_char *message);
static const char *ngx_http_egov_admin_prefix(u_char *text, size_t len,
    ngx_egov_cidr_t *cidr, ngx_uint_t add, u_char *message);
static ngx_int_t ngx_http_egov_admin_remove(ngx_http_request_t *r,
    ngx_str_t *who);
static ngx_int_t ngx_http_egov_admin_list(ngx_http_request_t *r);
static ngx_int_t ngx_http_egov_admin_status(ngx_http_request_t *r);
static ngx_int_t ngx_http_egov_admin_arg(ngx_http_request_t *r,
    const char *name, u_char *out, size_t size, ngx_str_t *value);
static ngx_int_t ngx_http_egov_admin_kind_arg(ngx_http_request_t *r,
    ngx_int_t *kind);
static ngx_int_t ngx_http_egov_admin_kind(ngx_str_t *s);
static u_char *ngx_http_egov_admin_entry(u_char *p,
    ngx_http_egov_entry_t *e);
static ngx_int_t ngx_http_egov_admin_error(ngx_http_request_t *r,
    ngx_uint_t status, const char *message);
static ngx_int_t ngx_http_egov_admin_json(ngx_http_request_t *r,
    ngx_uint_t status, u_char *data, size_t len);
static void ngx_http_egov_admin_audit(ngx_http_request_t *r, ngx_str_t *who,
    const char *action, ngx_egov_cidr_t *cidr, ngx_uint_t kind,
    ngx_uint_t ttl, ngx_str_t *reason, const char *result);
static char *ngx_http_egov_admin(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_egov_admin_token(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_egov_admin_audit_log(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_egov_admin_guard(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static ngx_int_t ngx_http_egov_admin_refused(ngx_http_request_t *r,
    time_t retry);
static void *ngx_http_egov_admin_create_main_conf(ngx_conf_t *cf);
static void *ngx_http_egov_admin_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_egov_admin_merge_loc_conf(ngx_conf_t *cf,
    void *parent, void *child);


static ngx_command_t  ngx_http_egov_admin_commands[] = {

    { ngx_string("egov_admin"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_egov_admin,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("egov_admin_token"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_egov_admin_token,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("egov_admin_guard"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_egov_admin_guard,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("egov_admin_audit_log"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_egov_admin_audit_log,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_egov_admin_module_ctx = {
    NULL,                                  /* preconfiguration */
    NULL,                                  /* postconfiguration */

    ngx_http_egov_admin_create_main_conf,  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_egov_admin_create_loc_conf,   /* create location configuration */
    ngx_http_egov_admin_merge_loc_conf     /* merge location configuration */
};


ngx_module_t  ngx_http_egov_admin_module = {
    NGX_MODULE_V1,
    &ngx_http_egov_admin_module_ctx,       /* module context */
    ngx_http_egov_admin_commands,          /* module directives */
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


static ngx_str_t  ngx_http_egov_admin_type = ngx_string("application/json");

static char  *ngx_http_egov_admin_kinds[] = { "", "ban", "block" };

static char  *ngx_http_egov_admin_names[] = {
    "address", "kind", "ttl", "reason", "force"
};


static ngx_int_t
ngx_http_egov_admin_handler(ngx_http_request_t *r)
{
    time_t                            retry;
    ngx_int_t                         rc;
    ngx_str_t                        *who;
    ngx_uint_t                        entries;
    ngx_http_egov_admin_loc_conf_t   *alcf;
    ngx_http_egov_admin_main_conf_t  *amcf;

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_egov_admin_module);
    amcf = ngx_http_get_module_main_conf(r, ngx_http_egov_admin_module);

    /* an address that guessed too often is not even asked for a token */

    if (alcf->guard.failures
        && ngx_http_egov_admin_guard_check(r, amcf->guard_zone, &alcf->guard,
                                           &retry)
           == NGX_BUSY)
    {
        (void) ngx_http_discard_request_body(r);
        return ngx_http_egov_admin_refused(r, retry);
    }

    who = ngx_http_egov_admin_auth(r, alcf);

    if (who == NULL) {
        ngx_table_elt_t  *h;

        (void) ngx_http_discard_request_body(r);

        if (alcf->guard.failures) {
            ngx_http_egov_admin_guard_failed(r, amcf->guard_zone,
                                             &alcf->guard);

        } else {
            ngx_http_egov_stat_inc(NGX_EGOV_STAT_ADMIN_AUTH_FAILED);
        }

        h = ngx_list_push(&r->headers_out.headers);
        if (h == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        h->hash = 1;
        ngx_str_set(&h->key, "WWW-Authenticate");
        ngx_str_set(&h->value, "Bearer realm=\"egov admin\"");
        h->lowcase_key = (u_char *) "www-authenticate";

        return ngx_http_egov_admin_error(r, NGX_HTTP_UNAUTHORIZED,
                                         "a valid bearer token is needed");
    }

    entries = (r->uri.len >= 8
               && ngx_strncmp(r->uri.data + r->uri.len - 8, "/entries", 8)
                  == 0);

    if (r->uri.len >= 6
        && ngx_strncmp(r->uri.data + r->uri.len - 6, "/stats", 6) == 0)
    {
        ngx_str_t  body;

        rc = ngx_http_discard_request_body(r);
        if (rc != NGX_OK) {
            return rc;
        }

        if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
            return ngx_http_egov_admin_error(r, NGX_HTTP_NOT_ALLOWED,
                                             "use GET");
        }

        if (ngx_http_egov_status_json_body(r, &body) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_http_egov_admin_json(r, NGX_HTTP_OK, body.data,
                                        body.len);
    }

    if (!entries
        && !(r->uri.len >= 8
             && ngx_strncmp(r->uri.data + r->uri.len - 8, "/address", 8)
                == 0))
    {
        (void) ngx_http_discard_request_body(r);
        return ngx_http_egov_admin_error(r, NGX_HTTP_NOT_FOUND,
                                         "no such route: use .../entries, "
                                         ".../address or .../stats");
    }

    if (entries && r->method == NGX_HTTP_POST) {

        if (r->headers_in.content_length_n > NGX_HTTP_EGOV_ADMIN_BODY_MAX) {
            (void) ngx_http_discard_request_body(r);
            return ngx_http_egov_admin_error(r,
                                      NGX_HTTP_REQUEST_ENTITY_TOO_LARGE,
                                      "the body is larger than 16 KiB");
        }

        r->request_body_in_single_buf = 1;

        rc = ngx_http_read_client_request_body(r, ngx_http_egov_admin_body);

        if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
            return rc;
        }

        return NGX_DONE;
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    if (entries && r->method == NGX_HTTP_DELETE) {
        return ngx_http_egov_admin_remove(r, who);
    }

    if (r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD)) {
        return entries ? ngx_http_egov_admin_list(r)
                       : ngx_http_egov_admin_status(r);
    }

    return ngx_http_egov_admin_error(r, NGX_HTTP_NOT_ALLOWED,
                                     entries ? "use GET, POST or DELETE"
                                             : "use GET");
}


static ngx_int_t
ngx_http_egov_admin_refused(ngx_http_request_t *r, time_t retry)
{
    ngx_table_elt_t  *h;

    ngx_http_egov_stat_inc(NGX_EGOV_STAT_ADMIN_AUTH_REFUSED);

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    h->value.data = ngx_pnalloc(r->pool, NGX_TIME_T_LEN);
    if (h->value.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    h->hash = 1;
    ngx_str_set(&h->key, "Retry-After");
    h->lowcase_key = (u_char *) "retry-after";
    h->value.len = ngx_sprintf(h->value.data, "%T", retry) - h->value.data;

    return ngx_http_egov_admin_error(r, NGX_HTTP_TOO_MANY_REQUESTS,
                                     "too many requests without a valid "
                                     "token from this address: wait");
}


/* the token's name, or NULL: every token is compared, in constant time */

static ngx_str_t *
ngx_http_egov_admin_auth(ngx_http_request_t *r,
    ngx_http_egov_admin_loc_conf_t *alcf)
{
    ngx_str_t                    *who, token;
    ngx_uint_t                    i;
    ngx_table_elt_t              *h;
    ngx_http_egov_admin_token_t  *t;
    u_char                        digest[SHA256_DIGEST_LENGTH];

    h = r->headers_in.authorization;

    if (h == NULL || h->value.len < 8
        || ngx_strncasecmp(h->value.data, (u_char *) "Bearer ", 7) != 0)
    {
        return NULL;
    }

    token.data = h->value.data + 7;
    token.len = h->value.len - 7;

    while (token.len && token.data[0] == ' ') {
        token.data++;
        token.len--;
    }

    /* digests: the comparison takes as long whatever the length */
    SHA256(token.data, token.len, digest);

    who = NULL;
    t = alcf->tokens->elts;

    for (i = 0; i < alcf->tokens->nelts; i++) {
        if (CRYPTO_memcmp(digest, t[i].digest, SHA256_DIGEST_LENGTH) == 0) {
            who = &t[i].name;
        }
    }

    return who;
}


static void
ngx_http_egov_admin_body(ngx_http_request_t *r)
{
    ngx_str_t                       *who;
    ngx_http_egov_admin_loc_conf_t  *alcf;

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_egov_admin_module);
    who = ngx_http_egov_admin_auth(r, alcf);

    if (who == NULL) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    ngx_http_finalize_request(r, ngx_http_egov_admin_add(r, who));
}


/*
 * An operator's entry's creation time: the clock's, unless this worker
 * made one of the same prefix within that millisecond (nginx's clock is
 * cached per event loop turn, or per timer_resolution): then a
 * millisecond after it, so that an entry made again right after its
 * removal is told from the one removed, by the fleet's removals kept and
 * by a removal's message
 */

static uint64_t
ngx_http_egov_admin_created(ngx_egov_cidr_t *cidr)
{
    uint32_t           hash;
    uint64_t           now, removed;
    ngx_uint_t         i;

    static ngx_uint_t  next;
    static struct {
        uint64_t       at;
        uint32_t       hash;
    }                  last[16];

    now = ngx_http_egov_now_ms();

    /* removed in this millisecond, by another worker too (a fleet secret
       keeps the removals) */

    removed = ngx_http_egov_fleet_removed_created(cidr);

    if (removed >= now) {
        now = removed + 1;
    }

    hash = ngx_crc32_short((u_char *) cidr->addr, sizeof(cidr->addr))
           ^ (uint32_t) cidr->prefix;

    for (i = 0; i < 16; i++) {
        if (last[i].hash == hash && last[i].at >= now) {
            now = last[i].at + 1;
            i = (ngx_uint_t) -1;
        }
    }

    last[next].hash = hash;
    last[next].at = now;
    next = (next + 1) % 16;

    return now;
}


static ngx_int_t
ngx_http_egov_admin_add(ngx_http_request_t *r, ngx_str_t *who)
{
    u_char                  *p, *body;
    size_t                   len;
    long                     v, n, member[NGX_HTTP_EGOV_ADMIN_MEMBERS];
    ngx_int_t                kind;
    const char              *why;
    ngx_str_t                s, reason;
    ngx_buf_t               *b;
    ngx_chain_t             *cl;
    long long                ttl;
    ngx_egov_json_t          json;
    ngx_http_egov_entry_t    e;
    ngx_egov_json_node_t     nodes[NGX_HTTP_EGOV_ADMIN_NODES];
    u_char                   text[NGX_HTTP_EGOV_REASON_LEN * 6];
    u_char                   out[NGX_EGOV_CIDR_TEXT_LEN + 512];

    /*
     * the body, in one piece, from memory: the location's body buffer holds
     * NGX_HTTP_EGOV_ADMIN_BODY_MAX (see the merge), so nothing is read
     * from a file while a worker waits
     */

    len = 0;

    for (cl = r->request_body ? r->request_body->bufs : NULL; cl;
         cl = cl->next)
    {
        if (cl->buf->in_file) {
            ngx_log_error(NGX_LOG_ERR, ngx_http_egov_quiet_log(r), 0,
                          "egov admin: a request body was written to a "
                          "file; it is not read");
            return ngx_http_egov_admin_error(r, 413, "the body is larger "
                                                     "than 16 KiB");
        }

        len += cl->buf->last - cl->buf->pos;
    }

    if (len == 0 || len > NGX_HTTP_EGOV_ADMIN_BODY_MAX) {
        return ngx_http_egov_admin_error(r, len ? 413 : NGX_HTTP_BAD_REQUEST,
                                         len ? "the body is larger than "
                                               "16 KiB"
                                             : "a JSON body is needed");
    }

    body = ngx_pnalloc(r->pool, len);
    if (body == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = body;

    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        p = ngx_cpymem(p, cl->buf->pos, cl->buf->last - cl->buf->pos);
    }

    json.nodes = nodes;
    json.max = NGX_HTTP_EGOV_ADMIN_NODES;

    if (ngx_egov_json_parse(&json, body, len) != 0) {
        p = ngx_snprintf(out, sizeof(out), "bad JSON at byte %uz: %s",
                         json.error_at, json.error);
        *p = '\0';
        return ngx_http_egov_admin_error(r, NGX_HTTP_BAD_REQUEST,
                                         (char *) out);
    }

    if (nodes[0].type != NGX_EGOV_JSON_OBJECT) {
        return ngx_http_egov_admin_error(r, NGX_HTTP_BAD_REQUEST,
                                         "a JSON object is needed");
    }

    why = ngx_http_egov_admin_members(&json, member, out);
    if (why) {
        return ngx_http_egov_admin_error(r, NGX_HTTP_BAD_REQUEST, why);
    }

    ngx_memzero(&e, sizeof(ngx_http_egov_entry_t));

    v = member[NGX_HTTP_EGOV_ADMIN_ADDRESS];
    n = (v >= 0 && nodes[v].type == NGX_EGOV_JSON_STRING
         && nodes[v].len <= NGX_EGOV_CIDR_TEXT_LEN)
        ? ngx_egov_json_string(&nodes[v], text) : -1;

    if (n < 0) {
        return ngx_http_egov_admin_error(r, NGX_HTTP_BAD_REQUEST,
                                         "\"address\" must be an IPv4 or "
                                         "IPv6 address or prefix");
    }

    why = ngx_http_egov_admin_prefix(text, (size_t) n, &e.cidr, 1, out);
    if (why) {
        return ngx_http_egov_admin_error(r, NGX_HTTP_BAD_REQUEST, why);
    }

    v = member[NGX_HTTP_EGOV_ADMIN_FORCE];

    if (v >= 0 && nodes[v].type != NGX_EGOV_JSON_TRUE
        && nodes[v].type != NGX_EGOV_JSON_FALSE)
    {
        return ngx_http_egov_admin_error(r, NGX_HTTP_BAD_REQUEST,
                                         "\"force\" must be true or false");
    }

    if (e.cidr.prefix < ((e.cidr.family == AF_INET)
                         ? NGX_EGOV_CIDR_V4_WIDEST
                         : NGX_EGOV_CIDR_V6_WIDEST)
        && (v < 0 || nodes[v].type != NGX_EGOV_JSON_TRUE))
    {
        return ngx_http_egov_admin_error(r, NGX_HTTP_BAD_REQUEST,
                                         (e.cidr.family == AF_INET)
                                         ? "\"address\" is wider than a /8: "
                                           "add \"force\":true if that is "
                                           "meant"
                                         : "\"address\" is wider than a /16: "
                                           "add \"force\":true if that is "
                                           "meant");
    }

    kind = NGX_HTTP_EGOV_ENTRY_BAN;
    v = member[NGX_HTTP_EGOV_ADMIN_KIND];

    if (v >= 0) {
        s.data = (u_char *) nodes[v].start;
        s.len = nodes[v].len;

        kind = (nodes[v].type == NGX_EGOV_JSON_STRING)
               ? ngx_http_egov_admin_kind(&s) : NGX_ERROR;

        if (kind == NGX_ERROR) {
            return ngx_http_egov_admin_error(r, NGX_HTTP_BAD_REQUEST,
                                             "\"kind\" must be \"ban\" or "
                                             "\"block\"");
        }
    }

    ttl = (kind == NGX_HTTP_EGOV_ENTRY_BAN) ? 3600 : 0;
    v = member[NGX_HTTP_EGOV_ADMIN_TTL];

    if (v >= 0) {
        ttl = ngx_egov_json_uint(&nodes[v]);

        if (ttl < 0 || ttl > NGX_HTTP_EGOV_ADMIN_TTL_MAX
            || (ttl == 0 && kind == NGX_HTTP_EGOV_ENTRY_BAN))
        {
            return ngx_http_egov_admin_error(r, NGX_HTTP_BAD_REQUEST,
                                             "\"ttl\" must be whole seconds "
                                             "up to 366 days (0, forever, "
                                             "for blocks only)");
        }
    }

    ngx_str_set(&reason, "admin");
    v = member[NGX_HTTP_EGOV_ADMIN_REASON];

    if (v >= 0) {
        n = (nodes[v].type == NGX_EGOV_JSON_STRING
             && nodes[v].len <= sizeof(text))
            ? ngx_egov_json_string(&nodes[v], text) : -1;

        if (n < 0 || n > NGX_HTTP_EGOV_REASON_LEN) {
            return ngx_http_egov_admin_error(r, NGX_HTTP_BAD_REQUEST,
                                             "\"reason\" must be a string "
                                             "of at most 64 ASCII "
                                             "characters");
        }

        len = (size_t) n;

        for (p = text; p < text + len; p++) {
            if (*p < 0x20 || *p >= 0x7f) {
                return ngx_http_egov_admin_error(r, NGX_HTTP_BAD_REQUEST,
                                                 "\"reason\" must be "
                                                 "printable ASCII");
            }
        }

        reason.data = ngx_pnalloc(r->pool, len);
        if (reason.data == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        ngx_memcpy(reason.data, text, len);
        reason.len = len;
    }

    e.kind = kind;
    e.origin = NGX_HTTP_EGOV_ORIGIN_ADMIN;
    e.created = ngx_http_egov_admin_created(&e.cidr);
    e.expires = ttl ? e.created + (uint64_t) ttl * 1000 : 0;
    e.bans = (kind == NGX_HTTP_EGOV_ENTRY_BAN) ? 1 : 0;
    e.reason.data = e.reason_data;
    e.reason.len = reason.len;
    ngx_memcpy(e.reason_data, reason.data, reason.len);

    if (ngx_http_egov_entry_add(ngx_http_egov_quiet_log(r), &e) != NGX_OK) {
        ngx_http_egov_admin_audit(r, who, "add", &e.cidr, kind, ttl,
                                  &reason, "failed");
        return ngx_http_egov_admin_error(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                         "not recorded: no egov_ban_zone, "
                                         "or it is full");
    }

    ngx_http_egov_admin_audit(r, who, "add", &e.cidr, kind, ttl, &reason,
                              "ok");

    b = ngx_create_temp_buf(r->pool, 1024);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->last = ngx_http_egov_admin_entry(b->last, &e);

    return ngx_http_egov_admin_json(r, NGX_HTTP_CREATED, b->pos,
                                    b->last - b->pos);
}


/*
 * The members of a POST's object: "value" gets each known one's node (or
 * -1).  An unknown name (a typo such as "tll" would otherwise leave the
 * default of one hour) or a name given twice (JSON parsers differ on which
 * one counts) is refused; names are compared with their escapes decoded.
 * NULL, or why not (written into "message", of ..._ERROR_LEN bytes).
 */

static const char *
ngx_http_egov_admin_members(ngx_egov_json_t *json, long *value,
    u_char *message)
{
    u_char                *p;
    long                   len;
    size_t                 i, k, m;
    ngx_egov_json_node_t  *name;
    u_char                 decoded[NGX_HTTP_EGOV_ADMIN_NAME_MAX];

    for (m = 0; m < NGX_HTTP_EGOV_ADMIN_MEMBERS; m++) {
        value[m] = -1;
    }

    i = 1;

    for (k = 0; k < json->nodes[0].size; k++) {
        name = &json->nodes[i];

        len = (name->len <= sizeof(decoded))
              ? ngx_egov_json_string(name, decoded) : -1;

        for (m = 0; len >= 0 && m < NGX_HTTP_EGOV_ADMIN_MEMBERS; m++) {
            if ((size_t) len == ngx_strlen(ngx_http_egov_admin_names[m])
                && ngx_strncmp(decoded, ngx_http_egov_admin_names[m], len)
                   == 0)
            {
                break;
            }
        }

        if (len < 0 || m == NGX_HTTP_EGOV_ADMIN_MEMBERS) {
            p = ngx_snprintf(message, NGX_HTTP_EGOV_ADMIN_ERROR_LEN - 1,
                             "unknown member \"%*s\": \"address\", "
                             "\"kind\", \"ttl\", \"reason\" and "
                             "\"force\" are known",
                             (size_t) (len < 0 ? 3 : len),
                             len < 0 ? (u_char *) "..." : decoded);
            *p = '\0';
            return (const char *) message;
        }

        if (value[m] >= 0) {
            p = ngx_snprintf(message, NGX_HTTP_EGOV_ADMIN_ERROR_LEN - 1,
                             "\"%s\" is given twice",
                             ngx_http_egov_admin_names[m]);
            *p = '\0';
            return (const char *) message;
        }

        value[m] = (long) (i + 1);

        /* past the name, then past the value */
        i = json->nodes[i + 1].next;
    }

    return NULL;
}


/*
 * An entry's address or prefix, from a POST ("add") or a DELETE: no bits
 * set beyond the prefix (192.0.2.7/24 is most likely a mistake for one
 * address or for 192.0.2.0/24; the answer names the latter); a new entry
 * may not be a /0, which would refuse every client of the portal.  NULL,
 * or why not (in "message" when it names the network).
 */

static const char *
ngx_http_egov_admin_prefix(u_char *text, size_t len, ngx_egov_cidr_t *cidr,
    ngx_uint_t add, u_char *message)
{
    u_char  *p;

    if (ngx_egov_cidr_parse(text, len, cidr) != NGX_EGOV_CIDR_OK) {
        return "\"address\" must be an IPv4 or IPv6 address or prefix";
    }

    if (ngx_egov_cidr_host_bits(text, len, cidr)) {
        p = ngx_sprintf(message, "\"address\" has bits set beyond its "
                        "prefix: the network is ");
        p += ngx_egov_cidr_format(cidr, p, NGX_EGOV_CIDR_TEXT_LEN + 1);
        *p = '\0';
        return (const char *) message;
    }

    if (add && cidr->prefix == 0) {
        return "\"address\" may not be a /0 prefix: it would refuse every "
               "client";
    }

    return NULL;
}


static ngx_int_t
ngx_http_egov_admin_remove(ngx_http_request_t *r, ngx_str_t *who)
{
    ngx_int_t         kind;
    const char       *why;
    ngx_str_t         arg;
    ngx_egov_cidr_t   cidr;
    u_char            text[NGX_EGOV_CIDR_TEXT_LEN];
    u_char            message[NGX_HTTP_EGOV_ADMIN_ERROR_LEN];

    if (ngx_http_egov_admin_arg(r, "address", text, sizeof(text), &arg)
        != NGX_OK)
    {
        return ngx_http_egov_admin_error(r, NGX_HTTP_BAD_REQUEST,
                                         "?address=CIDR is needed");
    }

    why = ngx_http_egov_admin_prefix(text, arg.len, &cidr, 0, message);
    if (why) {
        return ngx_http_egov_admin_error(r, NGX_HTTP_BAD_REQUEST, why);
    }

    if (ngx_http_egov_admin_kind_arg(r, &kind) != NGX_OK) {
        return ngx_http_egov_admin_error(r, NGX_HTTP_BAD_REQUEST,
                                         "\"kind\" must be \"ban\" or "
                                         "\"block\"");
    }

    if (ngx_http_egov_entry_remove(ngx_http_egov_quiet_log(r), &cidr, kind,
                                   NGX_HTTP_EGOV_ORIGIN_ADMIN)
        != NGX_OK)
    {
        ngx_http_egov_admin_audit(r, who, "remove", &cidr, kind, 0, NULL,
                                  "not found");
        return ngx_http_egov_admin_error(r, NGX_HTTP_NOT_FOUND,
                                         "no such entry");
    }

    ngx_http_egov_admin_audit(r, who, "remove", &cidr, kind, 0, NULL, "ok");

    return ngx_http_egov_admin_json(r, NGX_HTTP_OK,
                                    (u_char *) "{\"removed\":true}", 16);
}


static ngx_int_t
ngx_http_egov_admin_list(ngx_http_request_t *r)
{
    u_char                 *p, *data;
    ngx_int_t               kind;
    ngx_uint_t              i;
    ngx_array_t            *list;
    ngx_http_egov_entry_t  *e;

    if (ngx_http_egov_admin_kind_arg(r, &kind) != NGX_OK) {
        return ngx_http_egov_admin_error(r, NGX_HTTP_BAD_REQUEST,
                                         "\"kind\" must be \"ban\" or "
                                         "\"block\"");
    }

    list = ngx_http_egov_entry_list(r->pool, kind);
    if (list == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    data = ngx_pnalloc(r->pool, 32 + list->nelts * 1024);
    if (data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_cpymem(data, "{\"entries\":[", 12);
    e = list->elts;

    for (i = 0; i < list->nelts; i++) {
        if (i) {
            *p++ = ',';
        }

        p = ngx_http_egov_admin_entry(p, &e[i]);
    }

    p = ngx_cpymem(p, "]}", 2);

    return ngx_http_egov_admin_json(r, NGX_HTTP_OK, data, p - data);
}


static ngx_int_t
ngx_http_egov_admin_status(ngx_http_request_t *r)
{
    u_char                       *p, *data;
    ngx_str_t                     arg;
    ngx_egov_cidr_t               addr;
    ngx_http_egov_addr_status_t   st;
    u_char                        text[NGX_EGOV_CIDR_TEXT_LEN];

    if (ngx_http_egov_admin_arg(r, "address", text, sizeof(text), &arg)
        != NGX_OK)
    {
        return ngx_http_egov_admin_error(r, NGX_HTTP_BAD_REQUEST,
                                         "?address=IP is needed");
    }

    if (ngx_egov_cidr_parse(text, arg.len, &addr) != NGX_EGOV_CIDR_OK
        || addr.prefix != ((addr.family == AF_INET) ? 32 : 128))
    {
        return ngx_http_egov_admin_error(r, NGX_HTTP_BAD_REQUEST,
                                         "\"address\" must be one IPv4 or "
                                         "IPv6 address");
    }

    if (ngx_http_egov_addr_status(&addr, &st) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    data = ngx_pnalloc(r->pool, 2048 + st.listed.len * 6);
    if (data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_sprintf(data, "{\"address\":\"");
    p += ngx_egov_cidr_format(&addr, p, NGX_EGOV_CIDR_TEXT_LEN + 1);
    p = ngx_sprintf(p, "\",\"allowlisted\":%s,\"listed\":",
                    st.allowlisted ? "true" : "false");

    if (st.listed.len) {
        *p++ = '"';
        p = (u_char *) ngx_escape_json(p, st.listed.data, st.listed.len);
        *p++ = '"';

    } else {
        p = ngx_cpymem(p, "null", 4);
    }

    p = ngx_sprintf(p, ",\"violations\":%ui,\"bans_so_far\":%ui,"
                    "\"entry\":", st.violations, st.entry.bans);

    if (st.blocked) {
        p = ngx_http_egov_admin_entry(p, &st.entry);

    } else {
        p = ngx_cpymem(p, "null", 4);
    }

    *p++ = '}';

    return ngx_http_egov_admin_json(r, NGX_HTTP_OK, data, p - data);
}


/*
 * An argument of the query, decoded into out (ngx_egov_query.c): NGX_OK;
 * NGX_DECLINED when absent; NGX_ERROR when longer than out
 */

static ngx_int_t
ngx_http_egov_admin_arg(ngx_http_request_t *r, const char *name, u_char *out,
    size_t size, ngx_str_t *value)
{
    int     rc;
    size_t  len;

    value->data = NULL;
    value->len = 0;

    rc = ngx_egov_query_arg(r->args.data, r->args.len, name, out, size,
                            &len);

    if (rc == NGX_EGOV_QUERY_ABSENT) {
        return NGX_DECLINED;
    }

    if (rc == NGX_EGOV_QUERY_TOO_LONG) {
        return NGX_ERROR;
    }

    value->data = out;
    value->len = len;

    return NGX_OK;
}


/* "?kind=ban|block" when given: NGX_OK with *kind (0 without), or NGX_ERROR */

static ngx_int_t
ngx_http_egov_admin_kind_arg(ngx_http_request_t *r, ngx_int_t *kind)
{
    u_char     word[8];
    ngx_int_t  rc;
    ngx_str_t  arg;

    *kind = 0;

    rc = ngx_http_egov_admin_arg(r, "kind", word, sizeof(word), &arg);

    if (rc == NGX_DECLINED) {
        return NGX_OK;
    }

    *kind = (rc == NGX_OK) ? ngx_http_egov_admin_kind(&arg) : NGX_ERROR;

    return (*kind == NGX_ERROR) ? NGX_ERROR : NGX_OK;
}


static ngx_int_t
ngx_http_egov_admin_kind(ngx_str_t *s)
{
    if (s->len == 3 && ngx_strncmp(s->data, "ban", 3) == 0) {
        return NGX_HTTP_EGOV_ENTRY_BAN;
    }

    if (s->len == 5 && ngx_strncmp(s->data, "block", 5) == 0) {
        return NGX_HTTP_EGOV_ENTRY_BLOCK;
    }

    return NGX_ERROR;
}


/* one entry as JSON: at most about 620 bytes */

static u_char *
ngx_http_egov_admin_entry(u_char *p, ngx_http_egov_entry_t *e)
{
    static char  *origins[] = { "", "escalator", "admin", "fleet" };

    p = ngx_sprintf(p, "{\"address\":\"");
    p += ngx_egov_cidr_format(&e->cidr, p, NGX_EGOV_CIDR_TEXT_LEN + 1);
    p = ngx_sprintf(p, "\",\"kind\":\"%s\",\"origin\":\"%s\","
                    "\"operator\":%s,"
                    "\"created\":%uL,\"expires\":%uL,\"bans\":%ui,"
                    "\"reason\":\"",
                    ngx_http_egov_admin_kinds[e->kind < 3 ? e->kind : 0],
                    origins[e->origin < 4 ? e->origin : 0],
                    (e->by_operator || e->kind == NGX_HTTP_EGOV_ENTRY_BLOCK)
                    ? "true" : "false",
                    e->created / 1000, e->expires / 1000, e->bans);
    p = (u_char *) ngx_escape_json(p, e->reason.data, e->reason.len);

    return ngx_cpymem(p, "\"}", 2);
}


static ngx_int_t
ngx_http_egov_admin_error(ngx_http_request_t *r, ngx_uint_t status,
    const char *message)
{
    u_char  *p, *data;
    size_t   len;

    len = ngx_strlen(message);

    data = ngx_pnalloc(r->pool, sizeof("{\"status\":,\"error\":\"\"}")
                                + NGX_INT_T_LEN + len * 6);
    if (data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_sprintf(data, "{\"status\":%ui,\"error\":\"", status);
    p = (u_char *) ngx_escape_json(p, (u_char *) message, len);
    p = ngx_cpymem(p, "\"}", 2);

    return ngx_http_egov_admin_json(r, status, data, p - data);
}


static ngx_int_t
ngx_http_egov_admin_json(ngx_http_request_t *r, ngx_uint_t status,
    u_char *data, size_t len)
{
    ngx_str_t  body;

    body.data = data;
    body.len = len;

    return ngx_http_egov_send(r, status, &ngx_http_egov_admin_type, &body);
}


/* one JSON line per change: when, who, what, the result; no token */

static void
ngx_http_egov_admin_audit(ngx_http_request_t *r, ngx_str_t *who,
    const char *action, ngx_egov_cidr_t *cidr, ngx_uint_t kind,
    ngx_uint_t ttl, ngx_str_t *reason, const char *result)
{
    u_char                          *p, line[1024];
    ngx_http_egov_admin_loc_conf_t  *alcf;

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_egov_admin_module);

    /* a token's name as any text is: escaped (a quote forged "who") */

    p = ngx_snprintf(line, 512, "{\"time\":\"%V\",\"who\":\"",
                     &ngx_cached_http_log_iso8601);
    p = (u_char *) ngx_escape_json(p, who->data, who->len);
    p = ngx_sprintf(p, "\",\"action\":\"%s\",\"address\":\"", action);
    p += ngx_egov_cidr_format(cidr, p, NGX_EGOV_CIDR_TEXT_LEN + 1);
    p = ngx_sprintf(p, "\",\"kind\":\"%s\",\"ttl\":%ui,\"reason\":\"",
                    ngx_http_egov_admin_kinds[kind < 3 ? kind : 0], ttl);

    if (reason) {
        p = (u_char *) ngx_escape_json(p, reason->data,
                                  ngx_min(reason->len,
                                          NGX_HTTP_EGOV_REASON_LEN));
    }

    p = ngx_sprintf(p, "\",\"result\":\"%s\"}\n", result);

    if (alcf->audit == NULL) {
        ngx_log_error(NGX_LOG_NOTICE, ngx_cycle->log, 0,
                      "egov admin audit: %*s", p - line - 1, line);
        return;
    }

    if (ngx_write_fd(alcf->audit->fd, line, p - line) == -1) {
        ngx_log_error(NGX_LOG_ALERT, ngx_cycle->log, ngx_errno,
                      ngx_write_fd_n " to \"%V\" failed", &alcf->audit->name);
    }
}


static char *
ngx_http_egov_admin(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_egov_admin_loc_conf_t *alcf = conf;

    ngx_http_core_loc_conf_t          *clcf;
    ngx_http_egov_admin_main_conf_t   *amcf;
    ngx_http_egov_protect_loc_conf_t  *plcf;

    if (alcf->enable == 1) {
        return "is duplicate";
    }

    plcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_egov_protect_module);
    plcf->admin = 1;

    amcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_egov_admin_module);

    if (amcf->guard_zone == NULL) {
        amcf->guard_zone = ngx_http_egov_admin_guard_zone(cf,
                                                  &ngx_http_egov_admin_module);
        if (amcf->guard_zone == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    alcf->enable = 1;
    alcf->file = cf->conf_file->file.name.data;
    alcf->line = cf->conf_file->line;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_egov_admin_handler;

    return NGX_CONF_OK;
}


/* lines "name:token" (or one bare token, named "admin"); "#" comments */

static char *
ngx_http_egov_admin_token(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_egov_admin_loc_conf_t *alcf = conf;

    u_char                        c, *p, *last, *nl, *colon, *end;
    ngx_str_t                    *value, path, data;
    ngx_uint_t                    i, line;
    ngx_http_egov_admin_token_t  *t;

    if (alcf->tokens != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;
    path = value[1];

    if (ngx_http_egov_conf_file(cf, &path, 0, 65536,
                                NGX_HTTP_EGOV_FILE_SECRET, "egov_admin_token",
                                &data)
        != NGX_CONF_OK)
    {
        return NGX_CONF_ERROR;
    }

    /* for the messages below */
    if (ngx_conf_full_name(cf->cycle, &path, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    alcf->tokens = ngx_array_create(cf->pool, 2,
                                    sizeof(ngx_http_egov_admin_token_t));
    if (alcf->tokens == NULL) {
        return NGX_CONF_ERROR;
    }

    last = data.data + data.len;

    for (p = data.data, line = 1; p < last; p = nl + 1, line++) {
        nl = ngx_strlchr(p, last, '\n');
        if (nl == NULL) {
            nl = last;
        }

        end = nl;

        while (end > p && (end[-1] == '\r' || end[-1] == ' ')) {
            end--;
        }

        while (p < end && *p == ' ') {
            p++;
        }

        if (p == end || *p == '#') {
            continue;
        }

        t = ngx_array_push(alcf->tokens);
        if (t == NULL) {
            return NGX_CONF_ERROR;
        }

        colon = ngx_strlchr(p, end, ':');

        if (colon) {
            t->name.len = colon - p;
            t->name.data = ngx_pnalloc(cf->pool, t->name.len);
            if (t->name.data == NULL) {
                return NGX_CONF_ERROR;
            }

            ngx_memcpy(t->name.data, p, t->name.len);
            p = colon + 1;

        } else {
            ngx_str_set(&t->name, "admin");
        }

        if (end - p < 16 || t->name.len == 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "egov_admin_token \"%V\", line %ui: a token "
                               "must have at least 16 characters and a name",
                               &path, line);
            return NGX_CONF_ERROR;
        }

        /*
         * the name goes into the audit log (JSON-escaped there): any text,
         * Arabic too, up to 64 bytes, but no control character
         */

        for (i = 0; i < t->name.len; i++) {
            c = t->name.data[i];

            if (c < 0x20 || c == 0x7f || t->name.len > 64) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "egov_admin_token \"%V\", line %ui: a "
                                   "token's name is up to 64 bytes, without "
                                   "control characters", &path, line);
                return NGX_CONF_ERROR;
            }
        }

        SHA256(p, end - p, t->digest);
    }

    if (alcf->tokens->nelts == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "egov_admin_token \"%V\" has no token", &path);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_egov_admin_audit_log(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_egov_admin_loc_conf_t *alcf = conf;

    ngx_str_t  *value;

    if (alcf->audit != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    alcf->audit = ngx_conf_open_file(cf->cycle, &value[1]);
    if (alcf->audit == NULL) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* egov_admin_guard failures=N [window=TIME] | off; */

static char *
ngx_http_egov_admin_guard(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_egov_admin_loc_conf_t *alcf = conf;

    ngx_int_t    n;
    ngx_str_t   *value, s;
    ngx_uint_t   i;
    ngx_msec_t   ms;

    if (alcf->guard.failures != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;
    alcf->guard.window = NGX_CONF_UNSET_MSEC;
    alcf->guard.loopback = NGX_CONF_UNSET;

    if (cf->args->nelts == 2 && ngx_strcmp(value[1].data, "off") == 0) {
        alcf->guard.failures = 0;
        return NGX_CONF_OK;
    }

    for (i = 1; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "failures=", 9) == 0) {
            n = ngx_atoi(value[i].data + 9, value[i].len - 9);

            if (n < 1 || n > 1000000) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "egov_admin_guard: failures must be a "
                                   "number from 1, not \"%V\"", &value[i]);
                return NGX_CONF_ERROR;
            }

            alcf->guard.failures = n;
            continue;
        }

        if (ngx_strncmp(value[i].data, "window=", 7) == 0) {
            s.data = value[i].data + 7;
            s.len = value[i].len - 7;
            ms = ngx_parse_time(&s, 0);

            if (ms == (ngx_msec_t) NGX_ERROR || ms < 1000) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "egov_admin_guard: window must be a time "
                                   "of 1s or more, not \"%V\"", &value[i]);
                return NGX_CONF_ERROR;
            }

            alcf->guard.window = ms;
            continue;
        }

        if (ngx_strcmp(value[i].data, "loopback=on") == 0
            || ngx_strcmp(value[i].data, "loopback=off") == 0)
        {
            alcf->guard.loopback = (value[i].data[10] == 'n');
            continue;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "egov_admin_guard: invalid parameter \"%V\", "
                           "expected failures=N, window=TIME, "
                           "loopback=on|off or off", &value[i]);
        return NGX_CONF_ERROR;
    }

    if (alcf->guard.failures == NGX_CONF_UNSET_UINT) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "egov_admin_guard: failures=N is needed");
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static void *
ngx_http_egov_admin_create_main_conf(ngx_conf_t *cf)
{
    return ngx_pcalloc(cf->pool, sizeof(ngx_http_egov_admin_main_conf_t));
}


static void *
ngx_http_egov_admin_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_egov_admin_loc_conf_t  *alcf;

    alcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_egov_admin_loc_conf_t));
    if (alcf == NULL) {
        return NULL;
    }

    alcf->enable = NGX_CONF_UNSET;
    alcf->tokens = NGX_CONF_UNSET_PTR;
    alcf->audit = NGX_CONF_UNSET_PTR;
    alcf->guard.failures = NGX_CONF_UNSET_UINT;
    alcf->guard.window = NGX_CONF_UNSET_MSEC;
    alcf->guard.loopback = NGX_CONF_UNSET;

    return alcf;
}


static char *
ngx_http_egov_admin_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_egov_admin_loc_conf_t *prev = parent;
    ngx_http_egov_admin_loc_conf_t *conf = child;

    if (conf->enable == NGX_CONF_UNSET) {
        conf->enable = 0;
    }

    ngx_conf_merge_ptr_value(conf->tokens, prev->tokens, NULL);
    ngx_conf_merge_ptr_value(conf->audit, prev->audit, NULL);

    if (conf->guard.failures == NGX_CONF_UNSET_UINT) {
        conf->guard = prev->guard;
    }

    ngx_conf_merge_uint_value(conf->guard.failures, prev->guard.failures,
                              NGX_HTTP_EGOV_GUARD_FAILURES);
    ngx_conf_merge_msec_value(conf->guard.window, prev->guard.window,
                              NGX_HTTP_EGOV_GUARD_WINDOW);
    ngx_conf_merge_value(conf->guard.loopback, prev->guard.loopback, 0);

    /*
     * the API's bodies (16 KiB at most) stay in memory: read from a
     * temporary file they would be read while the worker waits
     */

    if (conf->enable == 1) {
        ngx_http_core_loc_conf_t  *core;

        core = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

        if (core->client_body_buffer_size < NGX_HTTP_EGOV_ADMIN_BODY_MAX) {
            core->client_body_buffer_size = NGX_HTTP_EGOV_ADMIN_BODY_MAX;
        }

        core->client_body_in_file_only = 0;     /* off */
    }

    /* an API without a token would be open to anyone: refuse to start */

    if (conf->enable == 1 && conf->tokens == NULL) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "egov_admin in %s:%ui needs egov_admin_token",
                      conf->file, conf->line);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}
