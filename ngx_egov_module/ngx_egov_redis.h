
/*
 * The fleet layer's connection to Redis: hiredis's asynchronous API on the
 * nginx event loop, one command connection and one pub/sub connection per
 * worker, reconnect with backoff, a circuit breaker, Sentinel discovery.
 *
 * What features call (bans, fleet limits, the anonymization key, consent
 * proofs):
 *
 * at configuration time (in postconfiguration, all optional):
 *     ngx_egov_redis_enabled(cf)               is egov_redis configured?
 *     ngx_egov_redis_script_add(cf, &source)   a Lua script, loaded on each
 *                                              connection, called by SHA
 *     ngx_egov_redis_subscribe(cf, &channel, handler, data)
 *                                              pub/sub messages; the key
 *                                              prefix is put before channel
 *     ngx_egov_redis_on_connected(cf, handler, data)
 *                                              "usable (again)": resync now
 *     ngx_egov_redis_conf_key(cf, &name, &key) prefix + name, once
 *
 * in a worker:
 *     ngx_egov_redis_command(timeout, handler, data, "SET %b %b", ...)
 *     ngx_egov_redis_command_argv(timeout, handler, data, argc, argv, lens)
 *     ngx_egov_redis_script_call(script, timeout, handler, data, nkeys,
 *                                argc, argv, lens)
 *         "handler" fires exactly once, never from inside the call itself:
 *         with NGX_EGOV_REDIS_OK or _ERROR_REPLY and the reply (valid only
 *         during the call), or with _TIMEOUT, _NOT_CONNECTED, _CIRCUIT_OPEN
 *         and no reply.  "timeout" 0 is egov_redis's timeout=.  The calls
 *         return NGX_ERROR only when out of memory, and then the handler
 *         will not fire.  handler may be NULL (fire and forget).
 *     ngx_egov_redis_ready()       would a command be sent now?  Features
 *                                  that have a local fallback use it to
 *                                  skip the round trip while Redis is down
 *     ngx_egov_redis_info(&info)   state, last round trip, master, error
 *     ngx_egov_redis_key(pool, &name, &key)   prefix + name
 *
 * in an HTTP request that must wait for a reply (at most the timeout):
 *     w = ngx_http_egov_redis_wait(r, 0, resume, data);
 *     ngx_egov_redis_command(0, ngx_http_egov_redis_wake, w, ...);
 *     return NGX_AGAIN;          (a phase handler: it runs again later)
 *   or, in a content handler, ngx_http_egov_redis_wait(r, 1, ...) and
 *     return NGX_DONE;
 *   "resume" is called once if the request is still there (never after
 *   the client went away), with the status and the reply; it stores what
 *   it needs and returns NGX_OK to run the phases again (phase handler),
 *   or the response's rc (content handler), which finalizes the request.
 */


#ifndef _NGX_EGOV_REDIS_H_INCLUDED_
#define _NGX_EGOV_REDIS_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>
#include <ngx_http.h>

#include <hiredis/hiredis.h>
#include <hiredis/async.h>

#include "ngx_egov_fleet_auth.h"


/* a signed message older or newer than this is a replay: dropped */
#define NGX_EGOV_REDIS_REPLAY_WINDOW  30000

/* the most arguments a script call takes (keys and values) */
#define NGX_EGOV_REDIS_SCRIPT_ARGS    320


typedef enum {
    NGX_EGOV_REDIS_OK = 0,             /* a reply, not an error */
    NGX_EGOV_REDIS_ERROR_REPLY,        /* Redis answered with an error */
    NGX_EGOV_REDIS_TIMEOUT,            /* no answer within the timeout */
    NGX_EGOV_REDIS_NOT_CONNECTED,      /* no connection, or it was lost */
    NGX_EGOV_REDIS_CIRCUIT_OPEN        /* refused at once: Redis is down */
} ngx_egov_redis_status_e;


typedef enum {
    NGX_EGOV_REDIS_STATE_OFF = 0,      /* no egov_redis, or exiting */
    NGX_EGOV_REDIS_STATE_CONNECTING,   /* first connection under way */
    NGX_EGOV_REDIS_STATE_UP,
    NGX_EGOV_REDIS_STATE_DOWN          /* circuit open */
} ngx_egov_redis_state_e;


typedef void (*ngx_egov_redis_handler_pt)(ngx_egov_redis_status_e status,
    redisReply *reply, void *data);
typedef void (*ngx_egov_redis_message_pt)(ngx_str_t *channel,
    ngx_str_t *message, void *data);
typedef void (*ngx_egov_redis_connected_pt)(void *data);


/* where to connect: "host" is a numeric address or a unix socket path */

typedef struct {
    u_char                      text[NGX_SOCKADDR_STRLEN + 1];
    size_t                      text_len;     /* "10.0.0.5:6379", "unix:.." */
    char                        host[NGX_SOCKADDR_STRLEN + 1];
    int                         port;         /* 0: unix socket */
} ngx_egov_redis_addr_t;


typedef struct {
    ngx_str_t                   source;
    u_char                      sha[40];      /* SHA1, lower-case hex */
} ngx_egov_redis_script_t;


typedef struct {
    ngx_str_t                   channel;      /* with the prefix */
    ngx_egov_redis_message_pt   handler;
    void                       *data;
} ngx_egov_redis_sub_t;


typedef struct {
    ngx_egov_redis_connected_pt handler;
    void                       *data;
} ngx_egov_redis_connected_t;


/* egov_redis and egov_redis_sentinel: the http{} main configuration */

typedef struct {
    ngx_flag_t                  enabled;
    ngx_flag_t                  use_sentinel; /* "egov_redis sentinel" */
    ngx_egov_redis_addr_t       addr;
    ngx_str_t                   user;         /* ACL user; empty: none */
    ngx_str_t                   password;     /* empty: no AUTH */
    ngx_int_t                   db;
    size_t                      max_reply;    /* bytes; more: link closed */
    ngx_egov_fleet_auth_t      *auth;         /* secret=; NULL: none */
    ngx_shm_zone_t             *shm;          /* the workers' states */
    ngx_str_t                   prefix;
    ngx_msec_t                  connect_timeout;
    ngx_msec_t                  timeout;

    ngx_array_t                *sentinels;    /* ngx_egov_redis_addr_t */
    ngx_str_t                   master_name;
    ngx_str_t                   sentinel_password;

    ngx_array_t                 scripts;      /* ngx_egov_redis_script_t * */
    ngx_array_t                 subs;         /* ngx_egov_redis_sub_t */
    ngx_array_t                 connected;    /* ngx_egov_redis_connected_t */

    u_char                     *file;         /* where egov_redis is */
    ngx_uint_t                  line;
    u_char                     *sentinel_file;
    ngx_uint_t                  sentinel_line;
    u_char                     *health_file;  /* first egov_redis_health */
    ngx_uint_t                  health_line;
} ngx_egov_redis_conf_t;


typedef struct {
    ngx_egov_redis_state_e      state;
    ngx_str_t                   master;       /* "" until it is known */
    ngx_uint_t                  rtt_us;       /* last round trip; 0: none */
    time_t                      since;        /* state changed then */
    ngx_str_t                   error;        /* why down; "" when up */
    ngx_uint_t                  subscribed;   /* pub/sub has every channel */
} ngx_egov_redis_info_t;


/* configuration time: ngx_http_egov_redis.c */
ngx_uint_t ngx_egov_redis_enabled(ngx_conf_t *cf);
ngx_egov_redis_script_t *ngx_egov_redis_script_add(ngx_conf_t *cf,
    ngx_str_t *source);
ngx_int_t ngx_egov_redis_subscribe(ngx_conf_t *cf, ngx_str_t *channel,
    ngx_egov_redis_message_pt handler, void *data);
ngx_int_t ngx_egov_redis_on_connected(ngx_conf_t *cf,
    ngx_egov_redis_connected_pt handler, void *data);
ngx_int_t ngx_egov_redis_conf_key(ngx_conf_t *cf, ngx_str_t *name,
    ngx_str_t *key);

/* a worker: ngx_egov_redis.c */
ngx_int_t ngx_egov_redis_init_process(ngx_cycle_t *cycle,
    ngx_egov_redis_conf_t *conf);
void ngx_egov_redis_exit_process(ngx_cycle_t *cycle);

ngx_int_t ngx_egov_redis_command(ngx_msec_t timeout,
    ngx_egov_redis_handler_pt handler, void *data, const char *fmt, ...);
ngx_int_t ngx_egov_redis_command_argv(ngx_msec_t timeout,
    ngx_egov_redis_handler_pt handler, void *data, int argc,
    const char **argv, const size_t *argvlen);
ngx_int_t ngx_egov_redis_script_call(ngx_egov_redis_script_t *script,
    ngx_msec_t timeout, ngx_egov_redis_handler_pt handler, void *data,
    int nkeys, int argc, const char **argv, const size_t *argvlen);

ngx_uint_t ngx_egov_redis_ready(void);
ngx_uint_t ngx_egov_redis_resync_requested(void);
ngx_uint_t ngx_egov_redis_workers_up(ngx_uint_t *all);
void ngx_egov_redis_info(ngx_egov_redis_info_t *info);
ngx_str_t *ngx_egov_redis_prefix(void);
uint32_t ngx_egov_redis_identity(ngx_str_t *what);
ngx_int_t ngx_egov_redis_key(ngx_pool_t *pool, ngx_str_t *name,
    ngx_str_t *key);
const char *ngx_egov_redis_status_text(ngx_egov_redis_status_e status);
const char *ngx_egov_redis_state_text(ngx_egov_redis_state_e state);

/* the fleet secret: ngx_egov_redis_trust.c */
ngx_uint_t ngx_egov_redis_signed(void);
size_t ngx_egov_redis_sign(const char *type, ngx_str_t *where,
    ngx_str_t *field, u_char *payload, size_t len, u_char *out, size_t size);
ngx_int_t ngx_egov_redis_verify(const char *type, ngx_str_t *where,
    ngx_str_t *field, ngx_msec_t window, ngx_str_t *in, ngx_str_t *payload);
size_t ngx_egov_redis_wrap(ngx_str_t *where, u_char *key, size_t len,
    u_char *out, size_t size);
ngx_int_t ngx_egov_redis_unwrap(ngx_str_t *where, ngx_str_t *in, u_char *key,
    size_t len);


/* HTTP requests waiting for a reply: ngx_http_egov_redis.c */

typedef ngx_int_t (*ngx_http_egov_redis_resume_pt)(ngx_http_request_t *r,
    ngx_egov_redis_status_e status, redisReply *reply, void *data);

typedef struct ngx_http_egov_redis_wait_s  ngx_http_egov_redis_wait_t;

ngx_http_egov_redis_wait_t *ngx_http_egov_redis_wait(ngx_http_request_t *r,
    ngx_uint_t content, ngx_http_egov_redis_resume_pt resume, void *data);
void ngx_http_egov_redis_wake(ngx_egov_redis_status_e status,
    redisReply *reply, void *data);
void ngx_http_egov_redis_wait_cancel(ngx_http_egov_redis_wait_t *w);


#endif /* _NGX_EGOV_REDIS_H_INCLUDED_ */
