
/*
 * ngx_http_egov_protect_module: the order of the checks, where they run,
 * what a refusal looks like, and the variables that tell about it.
 *
 * Everything runs in NGX_HTTP_REWRITE_PHASE, once the location is known
 * (so its allowlist can win over everything) and before the location's own
 * "rewrite" and "return" (so locations answered by "return" are protected,
 * which nginx's limit_req, in the preaccess phase, cannot do).  After an
 * internal redirect or "rewrite ... last" to another location, that
 * location's checks run too (a limit zone already counted for the request
 * is not counted again).  See docs/protection.md.
 */


#include "ngx_http_egov_protect.h"
#include "ngx_http_egov_limit.h"
#include "ngx_http_egov_anon.h"


#define NGX_HTTP_EGOV_INCIDENT_ALPHABET  "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

/* the other locations a request is remembered as checked in (nginx allows
   10 internal redirects, NGX_HTTP_MAX_URI_CHANGES) */
#define NGX_HTTP_EGOV_CHECKED  12

/* the dry runs a request is remembered as having said */
#define NGX_HTTP_EGOV_SAID     8


typedef struct {
    ngx_http_egov_decision_e        decision;
    ngx_http_egov_limit_status_e    limit_status;
    ngx_str_t                       reason;
    u_char                          incident[NGX_HTTP_EGOV_INCIDENT_LEN];
    void                           *checked;     /* the location's conf */
    void                          **others;      /* after redirects */
    ngx_uint_t                      nothers;
    ngx_str_t                      *said;        /* dry runs said */
    ngx_uint_t                      nsaid;
    unsigned                        has_incident:1;
    unsigned                        allowlisted:1;
    unsigned                        done:1;
    unsigned                        waiting:1;   /* for Redis: strict */
} ngx_http_egov_protect_state_t;


static ngx_int_t ngx_http_egov_protect_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_egov_protect_addr(ngx_http_request_t *r,
    ngx_http_egov_protect_loc_conf_t *plcf,
    ngx_http_egov_protect_state_t *st, ngx_egov_cidr_t *addr);
static ngx_int_t ngx_http_egov_protect_limits(ngx_http_request_t *r,
    ngx_http_egov_protect_loc_conf_t *plcf,
    ngx_http_egov_protect_state_t *st, ngx_egov_cidr_t *addr,
    ngx_uint_t has_addr);
static ngx_int_t ngx_http_egov_protect_refuse(ngx_http_request_t *r,
    ngx_http_egov_protect_loc_conf_t *plcf,
    ngx_http_egov_protect_state_t *st, ngx_http_egov_decision_e decision,
    ngx_str_t *what, ngx_str_t *name, ngx_uint_t status,
    ngx_msec_t retry_after);
static ngx_int_t ngx_http_egov_protect_ban_challenge(ngx_http_request_t *r,
    ngx_http_egov_protect_state_t *st, ngx_egov_cidr_t *addr,
    ngx_int_t *rc);
static ngx_int_t ngx_http_egov_protect_challenged(ngx_http_request_t *r,
    ngx_http_egov_protect_loc_conf_t *plcf,
    ngx_http_egov_protect_state_t *st);
static ngx_int_t ngx_http_egov_protect_dry_run(ngx_http_request_t *r,
    ngx_http_egov_protect_loc_conf_t *plcf,
    ngx_http_egov_protect_state_t *st, ngx_str_t *what, ngx_str_t *name);
static ngx_int_t ngx_http_egov_protect_note(ngx_http_request_t *r,
    ngx_http_egov_protect_state_t *st, ngx_str_t *what, ngx_str_t *name,
    ngx_uint_t dry_run);
static void ngx_http_egov_protect_violation(ngx_http_request_t *r,
    ngx_http_egov_protect_loc_conf_t *plcf, ngx_egov_cidr_t *addr);
static ngx_uint_t ngx_http_egov_protect_unasked(ngx_http_request_t *r,
    ngx_uint_t account);
static ngx_uint_t ngx_http_egov_header_is(ngx_table_elt_t *h,
    const char *value);
static ngx_uint_t ngx_http_egov_protect_checked(
    ngx_http_egov_protect_state_t *st,
    ngx_http_egov_protect_loc_conf_t *plcf);
static void ngx_http_egov_protect_log(ngx_http_request_t *r,
    ngx_uint_t level, const char *fmt, ngx_str_t *reason,
    ngx_http_egov_protect_state_t *st);
static ngx_int_t ngx_http_egov_protect_limited(ngx_http_request_t *r,
    ngx_http_egov_protect_loc_conf_t *plcf, ngx_http_egov_protect_state_t *st,
    ngx_egov_cidr_t *addr, ngx_uint_t has_addr,
    ngx_http_egov_limit_t *rejected, ngx_msec_t retry_after,
    ngx_uint_t unavailable);
static void ngx_http_egov_protect_delay(ngx_http_request_t *r);
static ngx_http_egov_protect_state_t *ngx_http_egov_protect_state(
    ngx_http_request_t *r);

static ngx_int_t ngx_http_egov_reason_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_egov_incident_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_egov_limit_status_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);

static char *ngx_http_egov_log_level(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_egov_limit_status(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

static ngx_int_t ngx_http_egov_protect_add_variables(ngx_conf_t *cf);
static void *ngx_http_egov_protect_create_main_conf(ngx_conf_t *cf);
static void *ngx_http_egov_protect_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_egov_protect_merge_loc_conf(ngx_conf_t *cf,
    void *parent, void *child);
static ngx_int_t ngx_http_egov_protect_init(ngx_conf_t *cf);
static char *ngx_http_egov_protect_init_main_conf(ngx_conf_t *cf,
    void *conf);


/* how much each status says, by ngx_http_egov_limit_status_e */
static ngx_uint_t  ngx_http_egov_limit_status_rank[] = {
    0,      /* none */
    1,      /* PASSED */
    4,      /* DELAYED */
    5,      /* REJECTED */
    2,      /* DELAYED_DRY_RUN */
    3       /* REJECTED_DRY_RUN */
};

static ngx_str_t  ngx_http_egov_limit_status_names[] = {
    ngx_null_string,
    ngx_string("PASSED"),
    ngx_string("DELAYED"),
    ngx_string("REJECTED"),
    ngx_string("DELAYED_DRY_RUN"),
    ngx_string("REJECTED_DRY_RUN")
};


static ngx_command_t  ngx_http_egov_protect_commands[] = {

    { ngx_string("egov_limit_zone"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_2MORE,
      ngx_http_egov_limit_zone,
      0,
      0,
      NULL },

    { ngx_string("egov_limit"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_egov_limit,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("egov_limit_status"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_egov_limit_status,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_egov_protect_loc_conf_t, limit_status),
      NULL },

    { ngx_string("egov_limit_headers"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_egov_protect_loc_conf_t, limit_headers),
      NULL },

    { ngx_string("egov_log_level"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_egov_log_level,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_egov_protect_loc_conf_t, log_level),
      NULL },

    { ngx_string("egov_blocklist"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_egov_blocklist,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("egov_allowlist"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_egov_allowlist,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("egov_signatures"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_egov_signatures,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("egov_challenge"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_egov_protect_loc_conf_t, challenge),
      NULL },

    { ngx_string("egov_challenge_difficulty"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_egov_challenge_difficulty,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("egov_challenge_ttl"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_egov_protect_main_conf_t, challenge_ttl),
      &ngx_http_egov_post_positive_time },

    { ngx_string("egov_challenge_networks"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_egov_challenge_networks,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("egov_challenge_key"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_egov_challenge_key,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("egov_signatures_data"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_egov_signatures_data,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("egov_signature"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE3,
      ngx_http_egov_signature,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("egov_ban_zone"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_egov_ban_zone,
      0,
      0,
      NULL },

    { ngx_string("egov_ban"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_2MORE,
      ngx_http_egov_ban,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("egov_ban_on"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_egov_ban_on,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("egov_block_page"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_egov_page,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_egov_protect_loc_conf_t, block_page),
      NULL },

    { ngx_string("egov_limit_page"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_egov_page,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_egov_protect_loc_conf_t, limit_page),
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_egov_protect_module_ctx = {
    ngx_http_egov_protect_add_variables,   /* preconfiguration */
    ngx_http_egov_protect_init,            /* postconfiguration */

    ngx_http_egov_protect_create_main_conf, /* create main configuration */
    ngx_http_egov_protect_init_main_conf,  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_egov_protect_create_loc_conf, /* create location configuration */
    ngx_http_egov_protect_merge_loc_conf   /* merge location configuration */
};


ngx_module_t  ngx_http_egov_protect_module = {
    NGX_MODULE_V1,
    &ngx_http_egov_protect_module_ctx,     /* module context */
    ngx_http_egov_protect_commands,        /* module directives */
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


static ngx_http_variable_t  ngx_http_egov_protect_vars[] = {

    { ngx_string("egov_block_reason"), NULL, ngx_http_egov_reason_variable,
      0, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("egov_incident"), NULL, ngx_http_egov_incident_variable,
      0, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("egov_limit_status"), NULL,
      ngx_http_egov_limit_status_variable, 0, NGX_HTTP_VAR_NOCACHEABLE, 0 },

      ngx_http_null_variable
};


static ngx_str_t  ngx_http_egov_what_blocklist = ngx_string("blocklist");
static ngx_str_t  ngx_http_egov_what_dynamic = ngx_string("dynamic");
static ngx_str_t  ngx_http_egov_what_ban = ngx_string("ban");
static ngx_str_t  ngx_http_egov_what_signature = ngx_string("signature");
static ngx_str_t  ngx_http_egov_what_limit = ngx_string("limit");
static ngx_str_t  ngx_http_egov_what_challenge = ngx_string("challenge");


uint64_t
ngx_http_egov_now_ms(void)
{
    ngx_time_t  *tp;

    tp = ngx_timeofday();

    return (uint64_t) tp->sec * 1000 + tp->msec;
}


static ngx_int_t
ngx_http_egov_protect_handler(ngx_http_request_t *r)
{
    ngx_int_t                          rc;
    ngx_uint_t                         has_addr;
    ngx_egov_cidr_t                    addr;
    ngx_http_egov_protect_state_t     *st;
    ngx_http_egov_protect_loc_conf_t  *plcf;

    if (r != r->main) {
        return NGX_DECLINED;
    }

    plcf = ngx_http_get_module_loc_conf(r, ngx_http_egov_protect_module);

    if (plcf->rules == NULL
        || (plcf->rules->blocklists == NULL
            && plcf->rules->allowlists == NULL
            && plcf->rules->signatures == NULL
            && plcf->limits == NULL
            && !plcf->challenge
            && !ngx_http_egov_bans_configured()))
    {
        return NGX_DECLINED;
    }

    st = ngx_http_egov_protect_state(r);
    if (st == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /*
     * Checked in this location already (a delayed request resumed, a
     * "rewrite ... last" to itself); another location's checks run as
     * well: the front controller that try_files or error_page leads to
     * has its own (found by a helper's review: they were skipped)
     */

    if (st->allowlisted
        || (st->done && !st->waiting
            && ngx_http_egov_protect_checked(st, plcf)))
    {
        return NGX_DECLINED;
    }

    /* the address after realip; unix-domain clients have none */

    has_addr = (ngx_egov_cidr_from_sockaddr(r->connection->sockaddr, &addr)
                == NGX_EGOV_CIDR_OK);

    if (st->waiting) {
        /* Redis answered a strict limit: go on with the limits */
        st->waiting = 0;
        return ngx_http_egov_protect_limits(r, plcf, st, &addr, has_addr);
    }

    if (!st->done) {
        st->checked = plcf;

    } else {
        /* an internal redirect: the set is made at the first */

        if (st->others == NULL) {
            st->others = ngx_palloc(r->pool,
                                    NGX_HTTP_EGOV_CHECKED * sizeof(void *));
            if (st->others == NULL) {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }
        }

        if (st->nothers < NGX_HTTP_EGOV_CHECKED) {
            st->others[st->nothers++] = plcf;
        }
    }

    st->done = 1;

    if (has_addr) {
        rc = ngx_http_egov_protect_addr(r, plcf, st, &addr);

        if (rc != NGX_DECLINED || st->allowlisted) {
            return rc;
        }
    }

    /* an answer to a challenge: the pass, and the page again */

    if ((plcf->challenge || ngx_http_egov_limits_challenge(plcf->limits))
        && ngx_http_egov_challenge_answer(r, &rc) == NGX_DONE)
    {
        return rc;
    }

    if (plcf->challenge) {
        rc = ngx_http_egov_protect_challenged(r, plcf, st);

        if (rc != NGX_DECLINED) {
            return rc;
        }
    }

    if (plcf->limits == NULL) {
        return NGX_DECLINED;
    }

    return ngx_http_egov_protect_limits(r, plcf, st, &addr, has_addr);
}


/* this location's checks ran for the request already */

static ngx_uint_t
ngx_http_egov_protect_checked(ngx_http_egov_protect_state_t *st,
    ngx_http_egov_protect_loc_conf_t *plcf)
{
    ngx_uint_t  i;

    if (st->checked == plcf) {
        return 1;
    }

    for (i = 0; i < st->nothers; i++) {
        if (st->others[i] == plcf) {
            return 1;
        }
    }

    return 0;
}


static ngx_int_t
ngx_http_egov_protect_addr(ngx_http_request_t *r,
    ngx_http_egov_protect_loc_conf_t *plcf, ngx_http_egov_protect_state_t *st,
    ngx_egov_cidr_t *addr)
{
    ngx_int_t                    rc;
    ngx_str_t                   *sig;
    ngx_http_egov_entry_t        entry;
    ngx_http_egov_rules_t       *rules;
    ngx_http_egov_blocklist_t   *bl;

    rules = plcf->rules;

    if (ngx_http_egov_allowlisted(rules, addr)) {
        st->allowlisted = 1;
        st->decision = NGX_HTTP_EGOV_DECISION_ALLOWLIST;
        ngx_http_egov_stat_inc(NGX_EGOV_STAT_ALLOWLISTED);
        return NGX_DECLINED;
    }

    bl = ngx_http_egov_blocklisted(rules, addr);

    if (bl) {
        if (!bl->dry_run) {
            ngx_http_egov_stat_inc(NGX_EGOV_STAT_REFUSED_BLOCKLIST);
            ngx_http_egov_label_inc(NGX_HTTP_EGOV_LABEL_LIST, &bl->name);
            return ngx_http_egov_protect_refuse(r, plcf, st,
                                          NGX_HTTP_EGOV_DECISION_BLOCKLIST,
                                          &ngx_http_egov_what_blocklist,
                                          &bl->name, NGX_HTTP_FORBIDDEN, 0);
        }

        if (ngx_http_egov_protect_dry_run(r, plcf, st,
                                          &ngx_http_egov_what_blocklist,
                                          &bl->name)
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    /*
     * Bans and blocks made at run time (the escalator, the admin API, the
     * fleet) spare the admin API itself: a mistaken one, a /16 that holds
     * the security team's address, can always be taken back
     */

    if (!plcf->admin && ngx_http_egov_bans_find(addr, &entry) == NGX_OK) {

        if (entry.kind == NGX_HTTP_EGOV_ENTRY_BAN
            && plcf->ban && plcf->ban->challenge)
        {
            switch (ngx_http_egov_protect_ban_challenge(r, st, addr, &rc)) {

            case NGX_OK:
                goto signatures;

            case NGX_DONE:
                return rc;

            default: /* refused as before */
                break;
            }
        }

        if (entry.kind == NGX_HTTP_EGOV_ENTRY_BAN) {
            ngx_http_egov_stat_inc(NGX_EGOV_STAT_REFUSED_BAN);
            return ngx_http_egov_protect_refuse(r, plcf, st,
                                          NGX_HTTP_EGOV_DECISION_BAN,
                                          &ngx_http_egov_what_ban, NULL,
                                          NGX_HTTP_FORBIDDEN, 0);
        }

        ngx_http_egov_stat_inc(NGX_EGOV_STAT_REFUSED_DYNAMIC);
        return ngx_http_egov_protect_refuse(r, plcf, st,
                                          NGX_HTTP_EGOV_DECISION_DYNAMIC,
                                          &ngx_http_egov_what_dynamic, NULL,
                                          NGX_HTTP_FORBIDDEN, 0);
    }

signatures:

    if (rules->signatures == NULL) {
        return NGX_DECLINED;
    }

    sig = ngx_http_egov_signatures_match(r, rules->signatures);

    if (sig == NULL) {
        return NGX_DECLINED;
    }

    if (ngx_http_egov_sigset_dry_run(rules->signatures)) {
        if (ngx_http_egov_protect_dry_run(r, plcf, st,
                                          &ngx_http_egov_what_signature, sig)
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return NGX_DECLINED;
    }

    ngx_http_egov_stat_inc(NGX_EGOV_STAT_REFUSED_SIGNATURE);
    ngx_http_egov_label_inc(NGX_HTTP_EGOV_LABEL_SIGNATURE, sig);
    ngx_http_egov_protect_violation(r, plcf, addr);

    return ngx_http_egov_protect_refuse(r, plcf, st,
                                        NGX_HTTP_EGOV_DECISION_SIGNATURE,
                                        &ngx_http_egov_what_signature, sig,
                                        NGX_HTTP_FORBIDDEN, 0);
}


static ngx_int_t
ngx_http_egov_protect_limits(ngx_http_request_t *r,
    ngx_http_egov_protect_loc_conf_t *plcf, ngx_http_egov_protect_state_t *st,
    ngx_egov_cidr_t *addr, ngx_uint_t has_addr)
{
    ngx_int_t                       rc;
    ngx_uint_t                      strict;
    ngx_msec_t                      delay, retry_after;
    ngx_http_egov_limit_t          *rejected;
    ngx_http_egov_limit_status_e    status;

    rc = ngx_http_egov_limits_strict(r, plcf->limits, &strict, &retry_after,
                                     &rejected);
    if (rc == NGX_ERROR) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (rc == NGX_DONE) {
        st->waiting = 1;
        return NGX_DONE;
    }

    if (strict == NGX_HTTP_EGOV_STRICT_REFUSED
        || strict == NGX_HTTP_EGOV_STRICT_UNAVAILABLE)
    {
        st->limit_status = NGX_HTTP_EGOV_LIMIT_REJECTED;
        return ngx_http_egov_protect_limited(r, plcf, st, addr, has_addr,
                       rejected, retry_after,
                       strict == NGX_HTTP_EGOV_STRICT_UNAVAILABLE);
    }

    rc = ngx_http_egov_limits_check(r, plcf->limits, &status, &delay,
                                    &retry_after, &rejected);
    if (rc == NGX_ERROR) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (strict == NGX_HTTP_EGOV_STRICT_DRY_RUN
        && status == NGX_HTTP_EGOV_LIMIT_PASSED)
    {
        status = NGX_HTTP_EGOV_LIMIT_REJECTED_DRY_RUN;
    }

    /*
     * after an internal redirect, the status the request had says more
     * when it is worse: a refusal, then a delay, then what a dry run
     * would have done (found by a helper's review: a front controller's
     * PASSED hid the first location's REJECTED_DRY_RUN)
     */

    if (ngx_http_egov_limit_status_rank[status]
        > ngx_http_egov_limit_status_rank[st->limit_status])
    {
        st->limit_status = status;
    }

    if (rc == NGX_BUSY || rc == NGX_ABORT) {
        return ngx_http_egov_protect_limited(r, plcf, st, addr, has_addr,
                                             rejected, retry_after,
                                             rc == NGX_ABORT);
    }

    if (status == NGX_HTTP_EGOV_LIMIT_REJECTED_DRY_RUN
        || status == NGX_HTTP_EGOV_LIMIT_DELAYED_DRY_RUN)
    {
        if (ngx_http_egov_protect_dry_run(r, plcf, st,
                                          &ngx_http_egov_what_limit, NULL)
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    if (plcf->limit_headers && ngx_http_egov_limit_headers(r, NULL) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (delay == 0) {
        return NGX_DECLINED;
    }

    ngx_http_egov_stat_inc(NGX_EGOV_STAT_DELAYED_LIMIT);

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "egov limit: delaying request by %M ms", delay);

    /* resumed by ngx_http_egov_protect_delay(), this handler then passes */

    r->read_event_handler = ngx_http_test_reading;
    r->write_event_handler = ngx_http_egov_protect_delay;

    r->connection->write->delayed = 1;
    ngx_add_timer(r->connection->write, delay);

    return NGX_DONE;
}


/*
 * Over a limit: 429 (egov_limit_status) with Retry-After; or 503 when the
 * fleet's count is unknown and the zone says on_redis_error=deny.
 */

static ngx_int_t
ngx_http_egov_protect_limited(ngx_http_request_t *r,
    ngx_http_egov_protect_loc_conf_t *plcf, ngx_http_egov_protect_state_t *st,
    ngx_egov_cidr_t *addr, ngx_uint_t has_addr,
    ngx_http_egov_limit_t *rejected, ngx_msec_t retry_after,
    ngx_uint_t unavailable)
{
    ngx_int_t  rc;

    if (unavailable) {
        ngx_http_egov_stat_inc(NGX_EGOV_STAT_REFUSED_UNAVAILABLE);

        return ngx_http_egov_protect_refuse(r, plcf, st,
                                            NGX_HTTP_EGOV_DECISION_LIMIT,
                                            &ngx_http_egov_what_limit,
                                    ngx_http_egov_limit_name(rejected),
                                            NGX_HTTP_SERVICE_UNAVAILABLE,
                                            (retry_after + 999) / 1000);
    }

    /*
     * action=challenge: a browser gets the page; a pass over even its
     * higher ceiling is refused as any request
     */

    if (rejected && rejected->challenge
        && !ngx_http_egov_limit_pass_is_spent(r))
    {
        switch (ngx_http_egov_challenge(r, plcf->limit_status,
                                        (retry_after + 999) / 1000, &rc)) {

        case NGX_OK:
            return NGX_DECLINED;

        case NGX_DONE:
            st->decision = NGX_HTTP_EGOV_DECISION_CHALLENGE;
            return rc;

        default: /* NGX_DECLINED: not a browser */
            break;
        }
    }

    ngx_http_egov_stat_inc(NGX_EGOV_STAT_REFUSED_LIMIT);

    /* and by zone, for the status's labels */
    if (rejected && rejected->zone && rejected->zone->sh) {
        (void) ngx_atomic_fetch_add(&rejected->zone->sh->refused, 1);
    }

    if (has_addr) {
        ngx_http_egov_protect_violation(r, plcf, addr);
    }

    if (ngx_http_egov_limit_headers(r, rejected) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_egov_protect_refuse(r, plcf, st,
                                        NGX_HTTP_EGOV_DECISION_LIMIT,
                                        &ngx_http_egov_what_limit,
                                        ngx_http_egov_limit_name(rejected),
                                        plcf->limit_status,
                                        (retry_after + 999) / 1000);
}


/*
 * A ban with action=challenge, for a client of egov_challenge_networks
 * (or any, without them): NGX_OK with a pass (the ban let through), NGX_DONE
 * with the answer's redirect or the page sent (rc), NGX_DECLINED: refuse
 */

static ngx_int_t
ngx_http_egov_protect_ban_challenge(ngx_http_request_t *r,
    ngx_http_egov_protect_state_t *st, ngx_egov_cidr_t *addr, ngx_int_t *rc)
{
    ngx_int_t                           c;
    ngx_http_egov_protect_main_conf_t  *pmcf;

    pmcf = ngx_http_get_module_main_conf(r, ngx_http_egov_protect_module);

    if (pmcf->challenge_networks
        && !ngx_egov_ipset_contains(pmcf->challenge_networks, addr))
    {
        return NGX_DECLINED;
    }

    if (ngx_http_egov_challenge_answer(r, rc) == NGX_DONE) {
        return NGX_DONE;
    }

    c = ngx_http_egov_challenge(r, NGX_HTTP_FORBIDDEN, 0, rc);

    if (c == NGX_DONE) {
        st->decision = NGX_HTTP_EGOV_DECISION_CHALLENGE;
    }

    return c;
}


/*
 * egov_challenge on: a visitor without a pass gets the challenge page
 * (403); a client that is not a browser, the 403 refusal
 */

static ngx_int_t
ngx_http_egov_protect_challenged(ngx_http_request_t *r,
    ngx_http_egov_protect_loc_conf_t *plcf, ngx_http_egov_protect_state_t *st)
{
    ngx_int_t  rc;

    switch (ngx_http_egov_challenge(r, NGX_HTTP_FORBIDDEN, 0, &rc)) {

    case NGX_OK:
        return NGX_DECLINED;

    case NGX_DONE:
        st->decision = NGX_HTTP_EGOV_DECISION_CHALLENGE;
        return rc;

    default:
        return ngx_http_egov_protect_refuse(r, plcf, st,
                                            NGX_HTTP_EGOV_DECISION_CHALLENGE,
                                            &ngx_http_egov_what_challenge,
                                            NULL, NGX_HTTP_FORBIDDEN, 0);
    }
}


static void
ngx_http_egov_protect_delay(ngx_http_request_t *r)
{
    ngx_event_t  *wev;

    wev = r->connection->write;

    if (wev->delayed) {
        /* woken before the time: wait on */

        if (ngx_handle_write_event(wev, 0) != NGX_OK) {
            ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        }

        return;
    }

    if (ngx_handle_read_event(r->connection->read, 0) != NGX_OK) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    r->read_event_handler = ngx_http_block_reading;
    r->write_event_handler = ngx_http_core_run_phases;

    ngx_http_core_run_phases(r);
}


static ngx_int_t
ngx_http_egov_protect_refuse(ngx_http_request_t *r,
    ngx_http_egov_protect_loc_conf_t *plcf, ngx_http_egov_protect_state_t *st,
    ngx_http_egov_decision_e decision, ngx_str_t *what, ngx_str_t *name,
    ngx_uint_t status, ngx_msec_t retry_after)
{
    ngx_str_t  incident;

    st->decision = decision;
    st->done = 1;

    if (ngx_http_egov_protect_note(r, st, what, name, 0) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_http_egov_protect_log(r, plcf->log_level, "refused", &st->reason,
                              st);

    incident.data = st->incident;
    incident.len = NGX_HTTP_EGOV_INCIDENT_LEN;

    return ngx_http_egov_refuse(r, status,
                                status == NGX_HTTP_FORBIDDEN
                                ? plcf->block_page : plcf->limit_page,
                                &incident, retry_after);
}


static ngx_int_t
ngx_http_egov_protect_dry_run(ngx_http_request_t *r,
    ngx_http_egov_protect_loc_conf_t *plcf, ngx_http_egov_protect_state_t *st,
    ngx_str_t *what, ngx_str_t *name)
{
    ngx_uint_t  i;

    if (ngx_http_egov_protect_note(r, st, what, name, 1) != NGX_OK) {
        return NGX_ERROR;
    }

    /* said and counted already, by a location before an internal redirect */

    for (i = 0; i < st->nsaid; i++) {
        if (st->said[i].len == st->reason.len
            && ngx_strncmp(st->said[i].data, st->reason.data,
                           st->reason.len)
               == 0)
        {
            return NGX_OK;
        }
    }

    if (st->said == NULL) {
        st->said = ngx_palloc(r->pool, NGX_HTTP_EGOV_SAID * sizeof(ngx_str_t));
        if (st->said == NULL) {
            return NGX_ERROR;
        }
    }

    if (st->nsaid < NGX_HTTP_EGOV_SAID) {
        st->said[st->nsaid++] = st->reason;
    }

    ngx_http_egov_stat_inc(NGX_EGOV_STAT_DRY_RUN);

    ngx_http_egov_protect_log(r, plcf->log_level,
                              "dry run, would have refused", &st->reason, st);

    return NGX_OK;
}


/* $egov_block_reason and $egov_incident for this decision */

static ngx_int_t
ngx_http_egov_protect_note(ngx_http_request_t *r,
    ngx_http_egov_protect_state_t *st, ngx_str_t *what, ngx_str_t *name,
    ngx_uint_t dry_run)
{
    u_char      *p;
    ngx_uint_t   i;
    u_char       random[NGX_HTTP_EGOV_INCIDENT_LEN];

    st->reason.data = ngx_pnalloc(r->main->pool,
                                  sizeof("dry_run:") + what->len
                                  + (name ? name->len + 1 : 0));
    if (st->reason.data == NULL) {
        return NGX_ERROR;
    }

    p = st->reason.data;

    if (dry_run) {
        p = ngx_cpymem(p, "dry_run:", sizeof("dry_run:") - 1);
    }

    p = ngx_cpymem(p, what->data, what->len);

    if (name) {
        *p++ = ':';
        p = ngx_cpymem(p, name->data, name->len);
    }

    st->reason.len = p - st->reason.data;

    if (st->has_incident) {
        return NGX_OK;
    }

    if (ngx_http_egov_random(ngx_http_egov_quiet_log(r), random,
                                 sizeof(random))
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    for (i = 0; i < NGX_HTTP_EGOV_INCIDENT_LEN; i++) {
        st->incident[i] = NGX_HTTP_EGOV_INCIDENT_ALPHABET[random[i] & 31];
    }

    st->has_incident = 1;

    return NGX_OK;
}


static void
ngx_http_egov_protect_violation(ngx_http_request_t *r,
    ngx_http_egov_protect_loc_conf_t *plcf, ngx_egov_cidr_t *addr)
{
    if (plcf->ban) {
        ngx_http_egov_protect_ban(r, plcf->ban, addr, NULL);
    }
}


/*
 * What a browser fetched without its visitor asking for it: a prefetch
 * (Sec-Purpose or Purpose), anything but a page (Sec-Fetch-Dest other
 * than "document": an image, a script, a frame), or a page another site
 * or a sibling opened without the visitor's click (Sec-Fetch-Site
 * "cross-site" or "same-site" without Sec-Fetch-User "?1").  A client
 * that is no browser can send these too; its requests are refused all the
 * same.
 */

static ngx_uint_t
ngx_http_egov_protect_unasked(ngx_http_request_t *r, ngx_uint_t account)
{
    ngx_table_elt_t  *h;

    h = ngx_http_egov_header_in(r, (u_char *) "sec-purpose",
                                sizeof("sec-purpose") - 1);
    if (h == NULL) {
        h = ngx_http_egov_header_in(r, (u_char *) "purpose",
                                    sizeof("purpose") - 1);
    }

    if (h && ngx_strlcasestrn(h->value.data, h->value.data + h->value.len,
                              (u_char *) "prefetch", sizeof("prefetch") - 2)
             != NULL)
    {
        return 1;
    }

    h = ngx_http_egov_header_in(r, (u_char *) "sec-fetch-dest",
                                sizeof("sec-fetch-dest") - 1);

    if (h && !ngx_http_egov_header_is(h, "document")) {
        return 1;
    }

    h = ngx_http_egov_header_in(r, (u_char *) "sec-fetch-site",
                                sizeof("sec-fetch-site") - 1);

    if (h == NULL
        || !(ngx_http_egov_header_is(h, "cross-site")
             || ngx_http_egov_header_is(h, "same-site")))
    {
        return 0;
    }

    /*
     * an account's login is never sent from another site, even by a
     * click there (a sixth review: one click on another site's button
     * banned the visitor of an account under attack); a sibling's may be
     * (a single sign-on form on www. posting to sso.)
     */

    if (account && ngx_http_egov_header_is(h, "cross-site")) {
        return 1;
    }

    h = ngx_http_egov_header_in(r, (u_char *) "sec-fetch-user",
                                sizeof("sec-fetch-user") - 1);

    return !(h && ngx_http_egov_header_is(h, "?1"));
}


static ngx_uint_t
ngx_http_egov_header_is(ngx_table_elt_t *h, const char *value)
{
    size_t  len;

    len = ngx_strlen(value);

    return h->value.len == len
           && ngx_strncasecmp(h->value.data, (u_char *) value, len) == 0;
}


/*
 * one more violation of a ban policy by an address, or by a key made by
 * that address (egov_ban_on key=); said when it bans
 */

void
ngx_http_egov_protect_ban(ngx_http_request_t *r,
    ngx_http_egov_ban_policy_t *policy, ngx_egov_cidr_t *addr, ngx_str_t *key)
{
    ngx_msec_t              left;
    ngx_http_egov_entry_t   banned;

    /*
     * what a browser fetched without its visitor asking (an image, a
     * script, a frame, a form another site posts into one, a prefetch, a
     * page another site opened on its own) counts towards no ban, neither
     * a refusal of ours nor the application's 401 or 404 (egov_ban_on):
     * any page on the web could otherwise get its visitors, and everyone
     * behind their address, banned here (found by helpers' reviews).  A
     * client that is no browser can send these headers too: its requests
     * are still refused and limited, it is only not banned.  An account's
     * failures (egov_ban_on key=) too: counted for the account, they let
     * a page elsewhere post for one account until it was "under attack"
     * and then ban each visitor it framed (a fifth review); a brute force
     * spread over one account is left to an egov_limit keyed by the
     * account, which refuses whatever the headers say
     */

    if (ngx_http_egov_protect_unasked(r, key != NULL)) {
        ngx_log_error(NGX_LOG_INFO, ngx_http_egov_quiet_log(r), 0,
                      "egov: what a browser fetched without its visitor "
                      "asking (Sec-Fetch-*, Sec-Purpose): not counted "
                      "towards a ban");
        return;
    }

    if (ngx_http_egov_bans_violation(ngx_http_egov_quiet_log(r), policy, addr,
                                     key, &banned)
        != NGX_OK)
    {
        return;
    }

    left = (ngx_msec_t) (banned.expires - ngx_http_egov_now_ms());

    ngx_log_error(NGX_LOG_NOTICE, ngx_cycle->log, 0,
                  "egov: a client was banned for %M s (ban number %ui of "
                  "that address) after %V",
                  (left + 999) / 1000, banned.bans, &banned.reason);
}


/*
 * Refusals are logged without the client's address: this log copy has no
 * handler, so nginx adds neither "client:" nor the request line.
 */

static void
ngx_http_egov_protect_log(ngx_http_request_t *r, ngx_uint_t level,
    const char *fmt, ngx_str_t *reason, ngx_http_egov_protect_state_t *st)
{
    ngx_str_t   host;
    ngx_log_t   log;

    if (r->connection->log->log_level < level) {
        return;
    }

    log = *r->connection->log;
    log.handler = NULL;
    log.data = NULL;

    /* the client's Host is its text: only a host name goes to the log */

    if (r->headers_in.server.len == 0) {
        ngx_str_set(&host, "-");

    } else if (ngx_http_egov_anon_host_plain(r, &r->headers_in.server)) {
        host = r->headers_in.server;

    } else {
        ngx_str_set(&host, "[redacted]");
    }

    ngx_log_error(level, &log, 0, "egov: %s (%V), incident %*s, host: %V",
                  fmt, reason, (size_t) NGX_HTTP_EGOV_INCIDENT_LEN,
                  st->incident, &host);
}


static ngx_http_egov_protect_state_t *
ngx_http_egov_protect_state(ngx_http_request_t *r)
{
    return ngx_http_egov_request_state(r, NGX_HTTP_EGOV_STATE_PROTECT,
                                    sizeof(ngx_http_egov_protect_state_t));
}



static ngx_int_t
ngx_http_egov_reason_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_http_egov_protect_state_t  *st;

    st = ngx_http_egov_protect_state(r);
    if (st == NULL) {
        return NGX_ERROR;
    }

    if (st->reason.len == 0) {
        v->not_found = 1;
        return NGX_OK;
    }

    v->data = st->reason.data;
    v->len = st->reason.len;
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    return NGX_OK;
}


static ngx_int_t
ngx_http_egov_incident_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_http_egov_protect_state_t  *st;

    st = ngx_http_egov_protect_state(r);
    if (st == NULL) {
        return NGX_ERROR;
    }

    if (!st->has_incident) {
        v->not_found = 1;
        return NGX_OK;
    }

    v->data = st->incident;
    v->len = NGX_HTTP_EGOV_INCIDENT_LEN;
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    return NGX_OK;
}


static ngx_int_t
ngx_http_egov_limit_status_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_http_egov_protect_state_t  *st;

    st = ngx_http_egov_protect_state(r);
    if (st == NULL) {
        return NGX_ERROR;
    }

    if (st->limit_status == NGX_HTTP_EGOV_LIMIT_NONE) {
        v->not_found = 1;
        return NGX_OK;
    }

    v->data = ngx_http_egov_limit_status_names[st->limit_status].data;
    v->len = ngx_http_egov_limit_status_names[st->limit_status].len;
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    return NGX_OK;
}


static char *
ngx_http_egov_log_level(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_egov_protect_loc_conf_t *plcf = conf;

    ngx_str_t  *value;
    ngx_uint_t  i;

    static ngx_conf_enum_t  levels[] = {
        { ngx_string("info"), NGX_LOG_INFO },
        { ngx_string("notice"), NGX_LOG_NOTICE },
        { ngx_string("warn"), NGX_LOG_WARN },
        { ngx_string("error"), NGX_LOG_ERR },
        { ngx_null_string, 0 }
    };

    if (plcf->log_level != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;

    for (i = 0; levels[i].name.len; i++) {
        if (levels[i].name.len == value[1].len
            && ngx_strcmp(levels[i].name.data, value[1].data) == 0)
        {
            plcf->log_level = levels[i].value;
            return NGX_CONF_OK;
        }
    }

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid value \"%V\" in \"%V\" directive, it must be "
                       "\"info\", \"notice\", \"warn\" or \"error\"",
                       &value[1], &cmd->name);
    return NGX_CONF_ERROR;
}


static char *
ngx_http_egov_limit_status(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_egov_protect_loc_conf_t *plcf = conf;

    ngx_int_t   n;
    ngx_str_t  *value;

    if (plcf->limit_status != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;
    n = ngx_atoi(value[1].data, value[1].len);

    if (n < 400 || n > 599) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "egov_limit_status: \"%V\" is not a status "
                           "between 400 and 599", &value[1]);
        return NGX_CONF_ERROR;
    }

    plcf->limit_status = n;

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_egov_protect_add_variables(ngx_conf_t *cf)
{
    return ngx_http_egov_add_variables(cf, ngx_http_egov_protect_vars);
}


static void *
ngx_http_egov_protect_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_egov_protect_main_conf_t  *pmcf;

    pmcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_egov_protect_main_conf_t));
    if (pmcf == NULL) {
        return NULL;
    }

    if (ngx_array_init(&pmcf->lists, cf->pool, 4,
                       sizeof(ngx_http_egov_list_t *))
        != NGX_OK
        || ngx_array_init(&pmcf->allowsets, cf->pool, 4,
                          sizeof(ngx_egov_ipset_t *))
           != NGX_OK
        || ngx_array_init(&pmcf->zones, cf->pool, 4,
                          sizeof(ngx_http_egov_limit_zone_t *))
           != NGX_OK
        || ngx_array_init(&pmcf->pending, cf->pool, 4,
                          sizeof(ngx_http_egov_limit_pending_t))
           != NGX_OK)
    {
        return NULL;
    }

    pmcf->challenge_bits = NGX_CONF_UNSET_UINT;
    pmcf->challenge_ttl = NGX_CONF_UNSET;

    return pmcf;
}


static char *
ngx_http_egov_protect_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_egov_protect_main_conf_t  *pmcf = conf;

    if (ngx_http_egov_challenge_init_main(cf, pmcf) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    return ngx_http_egov_limit_resolve(cf, conf);
}


static void *
ngx_http_egov_protect_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_egov_protect_loc_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_http_egov_protect_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     conf->rules = NULL;
     *     conf->blocklists = NULL;
     *     conf->allowlists = NULL;
     *     conf->custom_signatures = NULL;
     *     conf->limits = NULL;
     */

    conf->signature_mode = NGX_CONF_UNSET_UINT;
    conf->limit_status = NGX_CONF_UNSET_UINT;
    conf->limit_headers = NGX_CONF_UNSET;
    conf->log_level = NGX_CONF_UNSET_UINT;
    conf->ban = NGX_CONF_UNSET_PTR;
    conf->ban_on = NGX_CONF_UNSET_PTR;
    conf->block_page = NGX_CONF_UNSET_PTR;
    conf->limit_page = NGX_CONF_UNSET_PTR;
    conf->challenge = NGX_CONF_UNSET;

    return conf;
}


static char *
ngx_http_egov_protect_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child)
{
    ngx_http_egov_protect_loc_conf_t *prev = parent;
    ngx_http_egov_protect_loc_conf_t *conf = child;

    ngx_http_egov_protect_main_conf_t  *pmcf;

    if (ngx_http_egov_rules_merge(cf, prev, conf) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    /*
     * An egov_admin location does not take the outer levels' limits (a
     * bulk import is not a flood, and the API must answer during one); an
     * egov_limit of its own applies
     */

    if (conf->limits == NULL && !conf->admin) {
        conf->limits = prev->limits;
    }

    ngx_conf_merge_uint_value(conf->limit_status, prev->limit_status,
                              NGX_HTTP_TOO_MANY_REQUESTS);
    ngx_conf_merge_value(conf->limit_headers, prev->limit_headers, 0);
    ngx_conf_merge_uint_value(conf->log_level, prev->log_level,
                              NGX_LOG_WARN);
    ngx_conf_merge_ptr_value(conf->ban, prev->ban, NULL);
    ngx_conf_merge_ptr_value(conf->block_page, prev->block_page, NULL);
    ngx_conf_merge_ptr_value(conf->limit_page, prev->limit_page, NULL);
    ngx_conf_merge_value(conf->challenge, prev->challenge, 0);

    pmcf = ngx_http_conf_get_module_main_conf(cf,
                                              ngx_http_egov_protect_module);

    if (conf->ban && pmcf->ban_zone == NULL) {
        /* named where egov_ban is written, not at the http block's end */
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "\"egov_ban\" needs \"egov_ban_zone\" at the http "
                      "level in %s:%ui", conf->ban->file, conf->ban->line);
        return NGX_CONF_ERROR;
    }

    if (ngx_http_egov_ban_on_merge(cf, prev, conf) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_egov_protect_init(ngx_conf_t *cf)
{
    ngx_http_handler_pt        *h;
    ngx_http_core_main_conf_t  *cmcf;

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    /*
     * Handlers of a phase run in reverse order of registration: added
     * after ngx_http_rewrite_module's, this one runs before "return".
     */

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_REWRITE_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_egov_protect_handler;

    /* bans from what the responses say */

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_LOG_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_egov_ban_on_handler;

    return NGX_OK;
}
