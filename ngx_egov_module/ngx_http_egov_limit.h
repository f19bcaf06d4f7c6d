
/*
 * Rate limit zones, as the limiter (ngx_http_egov_limit.c), the fleet
 * sync (ngx_http_egov_limit_fleet.c) and the strict fleet limits
 * (ngx_http_egov_limit_strict.c) share them.
 */


#ifndef _NGX_HTTP_EGOV_LIMIT_H_INCLUDED_
#define _NGX_HTTP_EGOV_LIMIT_H_INCLUDED_


#include "ngx_http_egov_protect.h"


#define NGX_HTTP_EGOV_LIMIT_MAX_KEY  65535

/*
 * A solved challenge lets a key go on to this many times its limit's
 * burst (plus one), never over its rate
 */
#define NGX_HTTP_EGOV_LIMIT_PASS_BURSTS  10

/* burst= and delay= at most: their time in microseconds fits 64 bits */
#define NGX_HTTP_EGOV_LIMIT_BURST_MAX  1000000

/* zones a request is remembered as counted in, across internal redirects */
#define NGX_HTTP_EGOV_LIMIT_COUNTED  32

/* on_redis_error= */
#define NGX_HTTP_EGOV_ON_ERROR_LOCAL  0
#define NGX_HTTP_EGOV_ON_ERROR_ALLOW  1
#define NGX_HTTP_EGOV_ON_ERROR_DENY   2


typedef struct {
    ngx_rbtree_node_t           node;
    ngx_queue_t                 queue;
    uint64_t                    tat;         /* microseconds, monotonic */
    ngx_queue_t                 dirty;       /* pending > 0: to sync */
    uint64_t                    fleet_total; /* the fleet's count, last */
    uint64_t                    over_sent;   /* TAT last told the fleet */
    uint64_t                    over_tat;    /* the fleet's "over" mark */
    uint32_t                    pending;     /* accepted since last sync */
    unsigned                    synced:1;    /* fleet_total is known */
    unsigned                    refused:1;   /* its last request was */
    u_short                     len;
    u_char                      data[1];
} ngx_http_egov_limit_node_t;


typedef struct {
    ngx_rbtree_t                rbtree;
    ngx_rbtree_node_t           sentinel;
    ngx_queue_t                 queue;       /* least recently used last */
    ngx_uint_t                  evicting;    /* "full" already logged */
    ngx_queue_t                 dirty;       /* keys with pending counts */
    ngx_atomic_t                refused;     /* requests it refused */
} ngx_http_egov_limit_shctx_t;


struct ngx_http_egov_limit_zone_s {
    ngx_str_t                   name;
    ngx_str_t                   key_text;    /* as configured */
    ngx_http_complex_value_t    key;
    ngx_uint_t                  addr_key;    /* key is the address alone */
    uint64_t                    interval;    /* microseconds per request */
    ngx_uint_t                  rate;        /* requests ... */
    ngx_uint_t                  period;      /* ... per so many seconds */
    ngx_uint_t                  ipv6_prefix;
    ngx_uint_t                  fleet;       /* scope=fleet */
    ngx_msec_t                  sync;        /* sync=TIME */
    ngx_uint_t                  strict;      /* sync=strict */
    ngx_uint_t                  on_error;    /* on_redis_error= */
    ngx_uint_t                  max_burst;   /* the largest egov_limit's */
    void                       *script;      /* strict: the GCRA script */
    ngx_str_t                   strict_bound; /* strict: the most a TAT
                                               is ahead, as text */
    ngx_str_t                   redis_key;   /* "PREFIXlim:NAME:" */
    u_char                     *file;        /* where it is configured */
    ngx_uint_t                  line;
    ngx_shm_zone_t             *shm_zone;
    ngx_http_egov_limit_shctx_t *sh;
    ngx_slab_pool_t            *shpool;
};



/* the zone's key for this request: its address without the script */
ngx_int_t ngx_http_egov_limit_key(ngx_http_request_t *r,
    ngx_http_egov_limit_zone_t *zone, ngx_str_t *key);
ngx_http_egov_limit_node_t *ngx_http_egov_limit_lookup(
    ngx_http_egov_limit_zone_t *zone, ngx_str_t *key, uint32_t hash);
ngx_int_t ngx_http_egov_limit_raise(ngx_log_t *log,
    ngx_http_egov_limit_zone_t *zone, ngx_str_t *key, uint64_t tat);
uint64_t ngx_http_egov_limit_floor(ngx_http_egov_limit_zone_t *zone,
    ngx_str_t *key);

/*
 * one limit by the server's own zone (a strict zone's fallback; "pass": a
 * solved challenge's higher ceiling, NGX_HTTP_EGOV_LIMIT_PASS_BURSTS)
 */
ngx_int_t ngx_http_egov_limit_local(ngx_http_request_t *r,
    ngx_http_egov_limit_t *limit, ngx_str_t *key, ngx_uint_t pass,
    uint64_t *wait);

/* a solved challenge was spent: over even its ceiling, no page again */
void ngx_http_egov_limit_pass_spent(ngx_http_request_t *r);
ngx_uint_t ngx_http_egov_limit_pass_is_spent(ngx_http_request_t *r);

/* ngx_http_egov_fleet_bans.c: what our timers' ev->data points at, and
 * what is done with a malformed message on a fleet channel */
extern ngx_connection_t  ngx_http_egov_fleet_timer_conn;
void ngx_http_egov_fleet_malformed(ngx_str_t *channel, ngx_str_t *message);

/* ngx_http_egov_limit_strict.c */
void *ngx_http_egov_limit_strict_script(ngx_conf_t *cf,
    ngx_http_egov_limit_zone_t *zone);
ngx_int_t ngx_http_egov_limit_strict_args(ngx_conf_t *cf,
    ngx_http_egov_limit_t *limit);

/* ngx_http_egov_limit_fleet.c */
ngx_int_t ngx_http_egov_limit_fleet_init(ngx_conf_t *cf,
    ngx_array_t *zones);
ngx_int_t ngx_http_egov_limit_fleet_start(ngx_cycle_t *cycle,
    ngx_array_t *zones);


/* an egov_limit written before its egov_limit_zone (Debian's conf.d and
 * sites-enabled are read in name order): found once the http block is
 * read */
typedef struct {
    ngx_array_t                *limits;      /* the level's egov_limits */
    ngx_uint_t                  index;
    ngx_str_t                   name;
    u_char                     *file;
    ngx_uint_t                  line;
} ngx_http_egov_limit_pending_t;


char *ngx_http_egov_limit_resolve(ngx_conf_t *cf, void *conf);


#endif /* _NGX_HTTP_EGOV_LIMIT_H_INCLUDED_ */
