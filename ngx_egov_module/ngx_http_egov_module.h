
/*
 * ngx_egov_module: a government portal's published rules, enforced at the
 * edge.  Declarations shared by the modules of ngx_http_egov_module.so.
 */


#ifndef _NGX_HTTP_EGOV_MODULE_H_INCLUDED_
#define _NGX_HTTP_EGOV_MODULE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_egov_lang.h"


#define NGX_HTTP_EGOV_VERSION  "0.1.0"

/* the challenge's pass: the module's own cookie, necessary to consent */
#define NGX_HTTP_EGOV_PASS_COOKIE  "egov_pass"


/*
 * Counters shared by all workers (one shared memory zone, "egov_stats").
 * A feature adds its counters here and their names in ngx_http_egov_stats.c,
 * in the same order.
 */

typedef enum {
    NGX_EGOV_STAT_RESPONSES = 0,       /* responses seen by header filter */
    NGX_EGOV_STAT_HEADERS_SET,         /* security headers written */
    NGX_EGOV_STAT_HEADERS_REMOVED,     /* leaky headers removed */
    NGX_EGOV_STAT_HEADERS_INVALID,     /* runtime values refused */
    NGX_EGOV_STAT_NONCES,              /* CSP nonces generated */

    NGX_EGOV_STAT_ALLOWLISTED,         /* requests let through unchecked */
    NGX_EGOV_STAT_REFUSED_BLOCKLIST,   /* 403: static block list */
    NGX_EGOV_STAT_REFUSED_DYNAMIC,     /* 403: dynamic block-list entry */
    NGX_EGOV_STAT_REFUSED_BAN,         /* 403: banned address */
    NGX_EGOV_STAT_REFUSED_SIGNATURE,   /* 403: scanner or probe */
    NGX_EGOV_STAT_REFUSED_LIMIT,       /* 429: over a rate limit */
    NGX_EGOV_STAT_REFUSED_UNAVAILABLE, /* 503: fleet count unknown, deny */
    NGX_EGOV_STAT_DELAYED_LIMIT,       /* delayed by a rate limit */
    NGX_EGOV_STAT_DRY_RUN,             /* would have been refused */
    NGX_EGOV_STAT_BANS,                /* bans made by the escalator */
    NGX_EGOV_STAT_BAN_ZONE_FULL,       /* bans or entries not recorded */
    NGX_EGOV_STAT_LIMIT_EVICTIONS,     /* limiter keys evicted (zone full) */

    NGX_EGOV_STAT_CONSENT_BANNERS,     /* banners shown */
    NGX_EGOV_STAT_CONSENT_ACCEPT,      /* decisions: accept all */
    NGX_EGOV_STAT_CONSENT_REJECT,      /* decisions: reject optional */
    NGX_EGOV_STAT_CONSENT_CHOOSE,      /* decisions: chosen categories */
    NGX_EGOV_STAT_CONSENT_HELD_BACK,   /* Set-Cookie held back */
    NGX_EGOV_STAT_CONSENT_EXPIRED,     /* refused cookies expired */
    NGX_EGOV_STAT_CONSENT_PROOFS,      /* proofs Redis took */
    NGX_EGOV_STAT_CONSENT_PROOFS_LOST, /* proofs Redis did not take */
    NGX_EGOV_STAT_REDIS_COMMANDS,      /* commands sent to Redis */
    NGX_EGOV_STAT_REDIS_REPLIES,       /* replies, error replies included */
    NGX_EGOV_STAT_REDIS_ERRORS,        /* error replies, lost commands */
    NGX_EGOV_STAT_REDIS_TIMEOUTS,      /* no reply within the timeout */
    NGX_EGOV_STAT_REDIS_REJECTED,      /* refused at once: circuit open */
    NGX_EGOV_STAT_REDIS_RECONNECTS,    /* connect attempts after a failure */
    NGX_EGOV_STAT_REDIS_CIRCUIT_OPENS, /* the breaker opened */
    NGX_EGOV_STAT_REDIS_MESSAGES,      /* pub/sub messages received */
    NGX_EGOV_STAT_REDIS_FAILOVERS,     /* master moves followed */
    NGX_EGOV_STAT_FLEET_SENT,          /* entry changes sent to the fleet */
    NGX_EGOV_STAT_FLEET_APPLIED,       /* fleet entry changes applied here */
    NGX_EGOV_STAT_FLEET_INVALID,       /* malformed fleet messages, fields */
    NGX_EGOV_STAT_FLEET_LIMIT_SYNCED,  /* limiter key counts sent */
    NGX_EGOV_STAT_FLEET_LIMIT_OTHERS,  /* requests other servers accepted */
    NGX_EGOV_STAT_ANON_ADDRESSES,      /* addresses anonymized */
    NGX_EGOV_STAT_ANON_QUERIES,        /* query strings redacted */
    NGX_EGOV_STAT_ANON_ERROR_LINES,    /* error_log lines cleaned */
    NGX_EGOV_STAT_FLEET_LIMIT_STRICT,  /* strict checks Redis answered */
    NGX_EGOV_STAT_FLEET_LIMIT_FALLBACKS, /* strict checks Redis failed */
    NGX_EGOV_STAT_FLEET_LIMIT_OVER_SENT, /* "over" marks published */
    NGX_EGOV_STAT_FLEET_LIMIT_OVER_APPLIED, /* "over" marks applied here */
    NGX_EGOV_STAT_FLEET_LIMIT_HELD,    /* strict refusals kept, no Redis */
    NGX_EGOV_STAT_REGEX_LIMITS,        /* matches that reached a limit */
    NGX_EGOV_STAT_ADMIN_AUTH_FAILED,   /* admin API: no valid token */
    NGX_EGOV_STAT_ADMIN_AUTH_REFUSED,  /* admin API: too many failures */
    NGX_EGOV_STAT_BANS_EVICTED,        /* automatic bans evicted (full) */
    NGX_EGOV_STAT_BANS_AGGREGATED,     /* /64 bans made a /48 ban */
    NGX_EGOV_STAT_FLEET_FORGED,        /* not signed with the secret */
    NGX_EGOV_STAT_FLEET_STALE,         /* signed, outside the window */
    NGX_EGOV_STAT_REDIS_TOO_LARGE,     /* replies over max_reply */
    NGX_EGOV_STAT_CONSENT_MARKUP_INERT,  /* marked tags served inert */
    NGX_EGOV_STAT_CONSENT_MARKUP_ACTIVE, /* marked tags activated */
    NGX_EGOV_STAT_CHALLENGES_SHOWN,    /* proof-of-work pages sent */
    NGX_EGOV_STAT_CHALLENGES_SOLVED,   /* right answers: a pass given */
    NGX_EGOV_STAT_CHALLENGES_FAILED,   /* wrong, late or moved answers */
    NGX_EGOV_STAT_CHALLENGE_PASSED,    /* requests a pass let through */
    NGX_EGOV_STAT_REDIS_UNEXPECTED,    /* replies no command waits for */

    NGX_EGOV_STAT_MAX
} ngx_egov_stat_e;


typedef struct {
    ngx_str_t                   name;
    ngx_str_t                   help;
} ngx_egov_stat_info_t;


extern ngx_module_t  ngx_http_egov_module;
extern ngx_module_t  ngx_http_egov_headers_filter_module;
extern ngx_module_t  ngx_http_egov_redis_module;


/* ngx_http_egov_stats.c */
ngx_int_t ngx_http_egov_stats_init_conf(ngx_conf_t *cf);
void ngx_http_egov_stat_add(ngx_egov_stat_e stat, ngx_atomic_int_t n);
ngx_atomic_uint_t ngx_http_egov_stat_get(ngx_egov_stat_e stat);
ngx_egov_stat_info_t *ngx_http_egov_stat_info(ngx_egov_stat_e stat);
time_t ngx_http_egov_stats_started(void);

/* ngx_http_egov_history.c: the last hour, a note a minute */
#define NGX_HTTP_EGOV_HISTORY_MINUTES    60
#define NGX_HTTP_EGOV_HISTORY_SERIES     4
#define NGX_HTTP_EGOV_HISTORY_REFUSED    0   /* counters: per-minute ... */
#define NGX_HTTP_EGOV_HISTORY_BANS       1   /* ... differences */
#define NGX_HTTP_EGOV_HISTORY_DECISIONS  2
#define NGX_HTTP_EGOV_HISTORY_REDIS      3   /* 2 up, 1 down, 0 none */

ngx_int_t ngx_http_egov_history_init_conf(ngx_conf_t *cf);
void ngx_http_egov_history_start(ngx_cycle_t *cycle);
void ngx_http_egov_history_now(uint64_t *value);
ngx_int_t ngx_http_egov_history_at(ngx_atomic_uint_t minute,
    uint64_t *value);

/* ngx_http_egov_labels.c: refusals by the name of what refused */
#define NGX_HTTP_EGOV_LABELS_MAX        256
#define NGX_HTTP_EGOV_LABEL_LIST        1
#define NGX_HTTP_EGOV_LABEL_SIGNATURE   2

ngx_int_t ngx_http_egov_labels_init_conf(ngx_conf_t *cf);
void ngx_http_egov_label_inc(ngx_uint_t family, ngx_str_t *name);
ngx_int_t ngx_http_egov_label_get(ngx_uint_t i, ngx_uint_t *family,
    ngx_str_t *name, ngx_atomic_uint_t *count);

/* ngx_http_egov_consent.c: 1 key from a file, 0 generated, -1 no consent */
ngx_int_t ngx_http_egov_consent_key_state(void);

/* ngx_http_egov_status_charts.c: that hour as SVG, for the status page */
size_t ngx_http_egov_status_charts_len(void);
u_char *ngx_http_egov_status_charts(u_char *p);

#define ngx_http_egov_stat_inc(stat)  ngx_http_egov_stat_add(stat, 1)


/*
 * Per-request state that must survive internal redirects (which zero
 * r->ctx).  One cleanup of the main request's pool, as the realip module
 * keeps its own, holds a slot for each feature's state, made zeroed when
 * it is first asked for.
 */

typedef enum {
    NGX_HTTP_EGOV_STATE_PROTECT = 0,
    NGX_HTTP_EGOV_STATE_LIMIT,
    NGX_HTTP_EGOV_STATE_STRICT,
    NGX_HTTP_EGOV_STATE_NONCE,
    NGX_HTTP_EGOV_STATE_N
} ngx_http_egov_state_e;

void *ngx_http_egov_request_state(ngx_http_request_t *r,
    ngx_http_egov_state_e which, size_t size);

/*
 * The request's log without what nginx adds to each line (the client's
 * address, the request line with its query, the referrer): the module's
 * own lines name no visitor (egov_anon_error_log anonymizes nginx's)
 */
ngx_log_t *ngx_http_egov_quiet_log(ngx_http_request_t *r);

/* unpredictable bytes from OpenSSL's CSPRNG, drawn in batches */
ngx_int_t ngx_http_egov_random(ngx_log_t *log, u_char *buf, size_t n);


/* ngx_http_egov_response.c: the module's own responses */
ngx_uint_t ngx_http_egov_own_answer(ngx_http_request_t *r);
ngx_int_t ngx_http_egov_send(ngx_http_request_t *r, ngx_uint_t status,
    ngx_str_t *content_type, ngx_str_t *body);
ngx_int_t ngx_http_egov_send_cached(ngx_http_request_t *r, ngx_uint_t status,
    ngx_str_t *content_type, ngx_str_t *body, ngx_str_t *cache_control);
ngx_uint_t ngx_http_egov_is_html(ngx_http_request_t *r);
ngx_uint_t ngx_http_egov_is_document(ngx_http_request_t *r);
ngx_uint_t ngx_http_egov_token_char(u_char c);
ngx_uint_t ngx_http_egov_is_script_or_style(ngx_http_request_t *r);
ngx_uint_t ngx_http_egov_prefers_json(ngx_http_request_t *r);
ngx_uint_t ngx_http_egov_accepts_html(ngx_http_request_t *r);
ngx_int_t ngx_http_egov_retry_after(ngx_http_request_t *r,
    ngx_msec_t seconds);
ngx_table_elt_t *ngx_http_egov_cookie_header(ngx_http_request_t *r,
    ngx_uint_t i);
ngx_egov_lang_e ngx_http_egov_request_lang(ngx_http_request_t *r,
    ngx_egov_lang_e fallback);
uint32_t ngx_http_egov_user_agent_hash(ngx_str_t *ua);
ngx_table_elt_t *ngx_http_egov_header_in(ngx_http_request_t *r,
    u_char *lowcase, size_t len);
ngx_table_elt_t *ngx_http_egov_header_out(ngx_http_request_t *r,
    u_char *name, size_t len);

/* ngx_http_egov_headers.c */
ngx_int_t ngx_http_egov_csp_nonce(ngx_http_request_t *r, ngx_str_t *nonce);

/* ngx_http_egov_module.c: a feature's variables, at preconfiguration */
ngx_int_t ngx_http_egov_add_variables(ngx_conf_t *cf,
    ngx_http_variable_t *vars);

/* ngx_http_egov_module.c: the post of a ngx_conf_set_sec_slot directive
 * whose time must be 1s or more (nginx -t names the file and line) */
extern ngx_conf_post_t  ngx_http_egov_post_positive_time;

/* ngx_http_egov_conf_file.c: a small file a directive names */
#define NGX_HTTP_EGOV_FILE_TRIM    0x01   /* a trailing newline dropped */
#define NGX_HTTP_EGOV_FILE_SECRET  0x02   /* warned about if others read it */

ngx_int_t ngx_http_egov_conf_open(ngx_conf_t *cf, u_char *path,
    ngx_fd_t *fd, ngx_file_info_t *fi);
ngx_int_t ngx_http_egov_conf_file_writers(ngx_conf_t *cf,
    ngx_file_info_t *fi, const char *what, u_char *path);
char *ngx_http_egov_conf_file(ngx_conf_t *cf, ngx_str_t *name, size_t min,
    size_t max, ngx_uint_t trim, const char *what, ngx_str_t *out);

/* ngx_http_egov_status.c: the status as JSON (egov_status, admin API) */
ngx_int_t ngx_http_egov_status_json_body(ngx_http_request_t *r,
    ngx_str_t *out);


#endif /* _NGX_HTTP_EGOV_MODULE_H_INCLUDED_ */
