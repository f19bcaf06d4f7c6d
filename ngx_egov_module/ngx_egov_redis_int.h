
/*
 * The fleet layer's insides, shared by its files (features use
 * ngx_egov_redis.h):
 *   ngx_egov_redis.c           a worker's start and exit, commands, the
 *                              command link and the circuit breaker
 *   ngx_egov_redis_link.c      hiredis on nginx events: connect, close,
 *                              handshakes, reconnect delays
 *   ngx_egov_redis_pubsub.c    the pub/sub link and the control channel
 *   ngx_egov_redis_sentinel.c  where the master is, and where it moves
 */


#ifndef _NGX_EGOV_REDIS_INT_H_INCLUDED_
#define _NGX_EGOV_REDIS_INT_H_INCLUDED_


#include "ngx_http_egov_module.h"
#include "ngx_egov_redis.h"
#include "ngx_egov_redis_parse.h"
#include "ngx_egov_redis_resp.h"


#define NGX_EGOV_REDIS_BACKOFF_MIN   100
#define NGX_EGOV_REDIS_BACKOFF_MAX   3000

/* a worker waiting to reconnect looks this often whether another is back */
#define NGX_EGOV_REDIS_PEER_POLL     100
#define NGX_EGOV_REDIS_WORKERS_MAX   256


/*
 * What the workers of a server share: which of them have Redis (both
 * links ready), so that egov_redis_health says "up" for the server only
 * when every worker uses the fleet; and a count of comebacks, so that a
 * worker waiting out its backoff reconnects as soon as another did.
 */
typedef struct {
    ngx_atomic_t                    comebacks;
    ngx_atomic_t                    up[NGX_EGOV_REDIS_WORKERS_MAX];
} ngx_egov_redis_shared_t;
#define NGX_EGOV_REDIS_PING_EVERY    10000
#define NGX_EGOV_REDIS_FREE_MAX      64

/* what a handshake reply answers */
#define NGX_EGOV_REDIS_STEP_AUTH     1
#define NGX_EGOV_REDIS_STEP_SELECT   2
#define NGX_EGOV_REDIS_STEP_NAME     3
#define NGX_EGOV_REDIS_STEP_ROLE     4
#define NGX_EGOV_REDIS_STEP_PING     5
#define NGX_EGOV_REDIS_STEP_MASTER   6

#define ngx_egov_redis_step(s)   ((void *) (uintptr_t) NGX_EGOV_REDIS_STEP_##s)


typedef enum {
    NGX_EGOV_REDIS_LINK_IDLE = 0,
    NGX_EGOV_REDIS_LINK_HANDSHAKE,
    NGX_EGOV_REDIS_LINK_READY
} ngx_egov_redis_link_state_e;


typedef struct ngx_egov_redis_link_s  ngx_egov_redis_link_t;

typedef void (*ngx_egov_redis_link_pt)(ngx_egov_redis_link_t *link);
typedef void (*ngx_egov_redis_down_pt)(ngx_egov_redis_link_t *link,
    ngx_egov_redis_link_state_e prev);


struct ngx_egov_redis_link_s {
    redisAsyncContext              *ac;
    ngx_connection_t               *conn;
    ngx_egov_redis_addr_t          *addr;
    const char                     *role;       /* for log lines */
    ngx_egov_redis_link_state_e     state;
    ngx_event_t                     timer;      /* connect timeout, retry */
    ngx_msec_t                      backoff;
    ngx_uint_t                      subs_pending;
    size_t                          reply_bytes; /* of the reply read */
    ngx_msec_t                      retry_at;   /* 0: no retry waiting */
    ngx_atomic_uint_t               comebacks;  /* seen when it began */

    ngx_egov_redis_link_pt          handshake;
    ngx_egov_redis_link_pt          ready;
    ngx_egov_redis_link_pt          retry;
    ngx_egov_redis_down_pt          down;

    unsigned                        closing:1;  /* we are freeing it */
    unsigned                        switching:1; /* to a new master */
    unsigned                        warned:1;
    unsigned                        writing:1;  /* in the write handler */
    unsigned                        too_large:1; /* a reply over the bound */
    unsigned                        unexpected:1; /* a reply no one waits for */
    unsigned                        pubsub:1;   /* the reply read is one */
    unsigned                        unsubscribe:1; /* and says so */

    u_char                          error[160];
};


typedef struct {
    ngx_queue_t                     queue;      /* waiting, or free */
    ngx_event_t                     ev;         /* timeout, or posted */
    ngx_egov_redis_handler_pt       handler;
    void                           *data;
    char                           *cmd;        /* RESP, while kept */
    size_t                          len;
    ngx_egov_redis_script_t        *script;
    uint64_t                        start;      /* microseconds */
    ngx_msec_t                      timeout;
    ngx_egov_redis_status_e         status;     /* of a posted failure */
    unsigned                        in_redis:1; /* hiredis will call back */
    unsigned                        waiting:1;  /* for the connection */
    unsigned                        done:1;     /* the handler fired */
    unsigned                        retried:1;  /* after NOSCRIPT */
} ngx_egov_redis_cmd_t;


typedef struct {
    ngx_egov_redis_conf_t          *conf;
    ngx_log_t                      *log;

    ngx_egov_redis_link_t           cmd;
    ngx_egov_redis_link_t           sub;
    ngx_egov_redis_link_t           sentinel;

    ngx_egov_redis_addr_t           master;
    ngx_uint_t                      have_master;
    ngx_uint_t                      next_sentinel;
    ngx_uint_t                      sentinels_failed;

    ngx_egov_redis_state_e          state;
    time_t                          since;
    ngx_uint_t                      stalled;
    ngx_uint_t                      synced;
    ngx_uint_t                      requested;  /* a resync asked for */
    ngx_uint_t                      exiting;
    ngx_msec_t                      last_reply;
    ngx_uint_t                      rtt_us;
    u_char                          error[160];

    ngx_event_t                     stall;      /* drop a silent link */
    ngx_event_t                     ping;       /* check a quiet link */

    ngx_queue_t                     waiting;    /* for the first connect */
    ngx_queue_t                     free;
    ngx_uint_t                      nfree;

    ngx_egov_redis_sub_t            control;
    ngx_str_t                       name;       /* CLIENT SETNAME */

    ngx_egov_redis_shared_t        *shared;     /* NULL: not yet */
    ngx_uint_t                      shared_up;
} ngx_egov_redis_worker_t;


extern ngx_egov_redis_worker_t  *ngx_egov_redis;


/* ngx_egov_redis_link.c */
void ngx_egov_redis_link_init(ngx_egov_redis_link_t *link, const char *role,
    ngx_log_t *log);
void ngx_egov_redis_connect(ngx_egov_redis_link_t *link);
void ngx_egov_redis_share(void);
void ngx_egov_redis_printable(u_char *text);
void ngx_egov_redis_close(ngx_egov_redis_link_t *link, const char *reason);
void ngx_egov_redis_schedule(ngx_egov_redis_link_t *link, ngx_msec_t delay);
ngx_msec_t ngx_egov_redis_backoff(ngx_egov_redis_link_t *link);
void ngx_egov_redis_link_error(ngx_egov_redis_link_t *link, const char *what,
    redisReply *reply);
void ngx_egov_redis_link_ready(ngx_egov_redis_link_t *link);
void ngx_egov_redis_handshake_reply(redisAsyncContext *ac, void *r,
    void *privdata);
void ngx_egov_redis_auth(ngx_egov_redis_link_t *link, ngx_str_t *user,
    ngx_str_t *password);
void ngx_egov_redis_set_name(ngx_egov_redis_link_t *link);
void ngx_egov_redis_script_loaded(redisAsyncContext *ac, void *r,
    void *privdata);

/* ngx_egov_redis.c */
void ngx_egov_redis_went_down(u_char *reason);
void ngx_egov_redis_synced(void);

/* ngx_egov_redis_pubsub.c */
ngx_int_t ngx_egov_redis_pubsub_init(ngx_cycle_t *cycle,
    ngx_egov_redis_worker_t *w);

/* ngx_egov_redis_sentinel.c */
void ngx_egov_redis_sentinel_init(ngx_egov_redis_worker_t *w);
void ngx_egov_redis_discover(void);
void ngx_egov_redis_master_reply(ngx_egov_redis_link_t *link,
    redisReply *reply);


#endif /* _NGX_EGOV_REDIS_INT_H_INCLUDED_ */
