
/*
 * The fleet layer's connections to Redis, per worker: hiredis's
 * asynchronous API attached to the nginx event loop.
 *
 * Three links, each one hiredis context whose socket is an
 * ngx_connection_t with level-triggered events (hiredis reads 16 KiB at a
 * time and expects to be called again while data is left):
 *   - "cmd": commands, pipelined; a handshake (AUTH, SELECT, CLIENT
 *     SETNAME, ROLE with Sentinel, SCRIPT LOAD, PING) before it is ready;
 *   - "sub": pub/sub (a subscribed context can do nothing else);
 *   - "sentinel": asks a sentinel where the master is and listens for
 *     +switch-master, when egov_redis_sentinel is set.
 *
 * hiredis owns the socket: it closes it when it frees the context, and
 * calls our cleanup hook just before, which gives the ngx_connection_t
 * back without closing anything.  A context may be freed inside
 * redisAsyncHandleRead()/Write(), so nothing is touched after those calls.
 *
 * hiredis 0.14 has no timeouts: each command has an nginx timer, each link
 * a connect timer.  A command timer is not cancelable (a request may wait
 * on it, and it is short); link timers are, so graceful shutdown never
 * waits for them.
 *
 * The circuit breaker: commands are refused at once (CIRCUIT_OPEN) while
 * the command link is down, or while a command has gone unanswered past
 * its timeout ("stalled") until any reply comes back.  A dead Redis thus
 * costs the requests one timeout per state change, and the reconnect
 * handshake is the probe that closes the breaker again.  Each state change
 * is one log line: error when it goes down, notice when it comes back.
 */


#include "ngx_http_egov_module.h"
#include "ngx_egov_redis.h"
#include "ngx_egov_redis_parse.h"


#define NGX_EGOV_REDIS_BACKOFF_MIN   100
#define NGX_EGOV_REDIS_BACKOFF_MAX   3000
#define NGX_EGOV_REDIS_PING_EVERY    10000
#define NGX_EGOV_REDIS_FREE_MAX      64
#define NGX_EGOV_REDIS_SCRIPT_ARGS   64

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

    ngx_egov_redis_link_pt          handshake;
    ngx_egov_redis_link_pt          ready;
    ngx_egov_redis_link_pt          retry;
    ngx_egov_redis_down_pt          down;

    unsigned                        closing:1;  /* we are freeing it */
    unsigned                        switching:1; /* to a new master */
    unsigned                        warned:1;

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
} ngx_egov_redis_worker_t;


static void ngx_egov_redis_connect(ngx_egov_redis_link_t *link);
static void ngx_egov_redis_close(ngx_egov_redis_link_t *link,
    const char *reason);
static void ngx_egov_redis_link_timer(ngx_event_t *ev);
static void ngx_egov_redis_schedule(ngx_egov_redis_link_t *link,
    ngx_msec_t delay);
static ngx_msec_t ngx_egov_redis_backoff(ngx_egov_redis_link_t *link);
static void ngx_egov_redis_link_error(ngx_egov_redis_link_t *link,
    const char *what, redisReply *reply);

static void ngx_egov_redis_read_handler(ngx_event_t *rev);
static void ngx_egov_redis_write_handler(ngx_event_t *wev);
static void ngx_egov_redis_add_read(void *privdata);
static void ngx_egov_redis_del_read(void *privdata);
static void ngx_egov_redis_add_write(void *privdata);
static void ngx_egov_redis_del_write(void *privdata);
static void ngx_egov_redis_cleanup(void *privdata);
static void ngx_egov_redis_on_connect(const redisAsyncContext *ac,
    int status);
static void ngx_egov_redis_handshake_reply(redisAsyncContext *ac, void *r,
    void *privdata);
static void ngx_egov_redis_script_loaded(redisAsyncContext *ac, void *r,
    void *privdata);
static void ngx_egov_redis_link_ready(ngx_egov_redis_link_t *link);

static void ngx_egov_redis_cmd_handshake(ngx_egov_redis_link_t *link);
static void ngx_egov_redis_cmd_ready(ngx_egov_redis_link_t *link);
static void ngx_egov_redis_cmd_retry(ngx_egov_redis_link_t *link);
static void ngx_egov_redis_cmd_down(ngx_egov_redis_link_t *link,
    ngx_egov_redis_link_state_e prev);
static void ngx_egov_redis_went_down(u_char *reason);
static void ngx_egov_redis_stalled(ngx_msec_t timeout);
static void ngx_egov_redis_answers(uint64_t start);
static void ngx_egov_redis_stall_handler(ngx_event_t *ev);
static void ngx_egov_redis_ping_handler(ngx_event_t *ev);
static void ngx_egov_redis_synced(void);

static void ngx_egov_redis_sub_handshake(ngx_egov_redis_link_t *link);
static void ngx_egov_redis_sub_ready(ngx_egov_redis_link_t *link);
static void ngx_egov_redis_sub_retry(ngx_egov_redis_link_t *link);
static void ngx_egov_redis_sub_down(ngx_egov_redis_link_t *link,
    ngx_egov_redis_link_state_e prev);
static void ngx_egov_redis_message(redisAsyncContext *ac, void *r,
    void *privdata);
static void ngx_egov_redis_control(ngx_str_t *channel, ngx_str_t *message,
    void *data);

static void ngx_egov_redis_discover(void);
static void ngx_egov_redis_sentinel_handshake(ngx_egov_redis_link_t *link);
static void ngx_egov_redis_sentinel_ready(ngx_egov_redis_link_t *link);
static void ngx_egov_redis_sentinel_retry(ngx_egov_redis_link_t *link);
static void ngx_egov_redis_sentinel_down(ngx_egov_redis_link_t *link,
    ngx_egov_redis_link_state_e prev);
static void ngx_egov_redis_master_reply(ngx_egov_redis_link_t *link,
    redisReply *reply);
static void ngx_egov_redis_switch_message(redisAsyncContext *ac, void *r,
    void *privdata);
static ngx_int_t ngx_egov_redis_set_master(u_char *host, size_t len,
    int port);

static ngx_egov_redis_cmd_t *ngx_egov_redis_cmd_alloc(void);
static void ngx_egov_redis_cmd_free(ngx_egov_redis_cmd_t *c);
static ngx_int_t ngx_egov_redis_submit(ngx_egov_redis_script_t *script,
    ngx_msec_t timeout, ngx_egov_redis_handler_pt handler, void *data,
    char *cmd, int len);
static ngx_int_t ngx_egov_redis_send(ngx_egov_redis_cmd_t *c);
static void ngx_egov_redis_fail_soon(ngx_egov_redis_cmd_t *c,
    ngx_egov_redis_status_e status);
static void ngx_egov_redis_cmd_failed(ngx_event_t *ev);
static void ngx_egov_redis_cmd_timeout(ngx_event_t *ev);
static void ngx_egov_redis_reply(redisAsyncContext *ac, void *r,
    void *privdata);
static ngx_int_t ngx_egov_redis_script_retry(redisAsyncContext *ac,
    ngx_egov_redis_cmd_t *c);
static void ngx_egov_redis_fail_waiting(ngx_egov_redis_status_e status);
static uint64_t ngx_egov_redis_now_us(void);


static ngx_egov_redis_worker_t  *ngx_egov_redis;

static ngx_str_t  ngx_egov_redis_no_prefix = ngx_null_string;


ngx_int_t
ngx_egov_redis_init_process(ngx_cycle_t *cycle, ngx_egov_redis_conf_t *conf)
{
    u_char                    ch, *p;
    ngx_str_t                 control = ngx_string("control");
    ngx_uint_t                i;
    ngx_egov_redis_link_t    *link;
    ngx_egov_redis_worker_t  *w;

    if (!conf->enabled
        || (ngx_process != NGX_PROCESS_WORKER
            && ngx_process != NGX_PROCESS_SINGLE))
    {
        return NGX_OK;
    }

    w = ngx_pcalloc(cycle->pool, sizeof(ngx_egov_redis_worker_t));
    if (w == NULL) {
        return NGX_ERROR;
    }

    w->conf = conf;
    w->log = cycle->log;

    ngx_queue_init(&w->waiting);
    ngx_queue_init(&w->free);

    w->cmd.role = "redis";
    w->cmd.handshake = ngx_egov_redis_cmd_handshake;
    w->cmd.ready = ngx_egov_redis_cmd_ready;
    w->cmd.retry = ngx_egov_redis_cmd_retry;
    w->cmd.down = ngx_egov_redis_cmd_down;
    w->cmd.addr = &w->master;

    w->sub.role = "redis pub/sub";
    w->sub.handshake = ngx_egov_redis_sub_handshake;
    w->sub.ready = ngx_egov_redis_sub_ready;
    w->sub.retry = ngx_egov_redis_sub_retry;
    w->sub.down = ngx_egov_redis_sub_down;
    w->sub.addr = &w->master;

    w->sentinel.role = "redis sentinel";
    w->sentinel.handshake = ngx_egov_redis_sentinel_handshake;
    w->sentinel.ready = ngx_egov_redis_sentinel_ready;
    w->sentinel.retry = ngx_egov_redis_sentinel_retry;
    w->sentinel.down = ngx_egov_redis_sentinel_down;

    for (i = 0; i < 3; i++) {
        link = (i == 0) ? &w->cmd : (i == 1) ? &w->sub : &w->sentinel;

        link->timer.handler = ngx_egov_redis_link_timer;
        link->timer.data = link;
        link->timer.log = w->log;
        link->timer.cancelable = 1;
    }

    w->stall.handler = ngx_egov_redis_stall_handler;
    w->stall.data = w;
    w->stall.log = w->log;
    w->stall.cancelable = 1;

    w->ping.handler = ngx_egov_redis_ping_handler;
    w->ping.data = w;
    w->ping.log = w->log;
    w->ping.cancelable = 1;

    /* every worker listens to the fleet's control channel */

    w->control.channel.len = conf->prefix.len + control.len;
    w->control.channel.data = ngx_pnalloc(cycle->pool,
                                          w->control.channel.len);
    if (w->control.channel.data == NULL) {
        return NGX_ERROR;
    }

    p = ngx_cpymem(w->control.channel.data, conf->prefix.data,
                   conf->prefix.len);
    ngx_memcpy(p, control.data, control.len);

    w->control.handler = ngx_egov_redis_control;
    w->control.data = w;

    /* "CLIENT LIST" on the Redis side tells which server and worker */

    w->name.data = ngx_pnalloc(cycle->pool,
                               cycle->hostname.len + sizeof("egov--")
                               + NGX_INT_T_LEN);
    if (w->name.data == NULL) {
        return NGX_ERROR;
    }

    p = ngx_cpymem(w->name.data, "egov-", sizeof("egov-") - 1);

    for (i = 0; i < cycle->hostname.len; i++) {
        /* CLIENT SETNAME refuses spaces */
        ch = cycle->hostname.data[i];
        *p++ = (ch > ' ' && ch < 0x7f) ? ch : '_';
    }

    w->name.len = ngx_sprintf(p, "-%P", ngx_pid) - w->name.data;

    w->state = NGX_EGOV_REDIS_STATE_CONNECTING;
    w->since = ngx_time();

    ngx_egov_redis = w;

    /* nothing here may block: the connects are non-blocking */

    if (conf->use_sentinel) {
        ngx_egov_redis_discover();

    } else {
        w->master = conf->addr;
        w->have_master = 1;

        ngx_egov_redis_connect(&w->cmd);
        ngx_egov_redis_connect(&w->sub);
    }

    return NGX_OK;
}


void
ngx_egov_redis_exit_process(ngx_cycle_t *cycle)
{
    ngx_queue_t              *q;
    ngx_egov_redis_cmd_t     *c;
    ngx_egov_redis_worker_t  *w;

    w = ngx_egov_redis;

    if (w == NULL) {
        return;
    }

    w->exiting = 1;
    w->state = NGX_EGOV_REDIS_STATE_OFF;

    ngx_egov_redis_fail_waiting(NGX_EGOV_REDIS_NOT_CONNECTED);

    ngx_egov_redis_close(&w->cmd, "exiting");
    ngx_egov_redis_close(&w->sub, "exiting");
    ngx_egov_redis_close(&w->sentinel, "exiting");

    if (w->cmd.timer.timer_set) {
        ngx_del_timer(&w->cmd.timer);
    }

    if (w->sub.timer.timer_set) {
        ngx_del_timer(&w->sub.timer);
    }

    if (w->sentinel.timer.timer_set) {
        ngx_del_timer(&w->sentinel.timer);
    }

    if (w->stall.timer_set) {
        ngx_del_timer(&w->stall);
    }

    if (w->ping.timer_set) {
        ngx_del_timer(&w->ping);
    }

    while (!ngx_queue_empty(&w->free)) {
        q = ngx_queue_head(&w->free);
        ngx_queue_remove(q);
        c = ngx_queue_data(q, ngx_egov_redis_cmd_t, queue);
        ngx_free(c);
    }

    ngx_egov_redis = NULL;
}


/* links */

static void
ngx_egov_redis_connect(ngx_egov_redis_link_t *link)
{
    ngx_connection_t         *c;
    redisAsyncContext        *ac;
    ngx_egov_redis_addr_t    *addr;
    ngx_egov_redis_worker_t  *w;

    w = ngx_egov_redis;
    addr = link->addr;

    if (link->ac || w->exiting || addr == NULL) {
        return;
    }

    if (link->timer.timer_set) {
        ngx_del_timer(&link->timer);
    }

    link->error[0] = '\0';
    link->state = NGX_EGOV_REDIS_LINK_HANDSHAKE;

    ngx_log_debug2(NGX_LOG_DEBUG_EVENT, w->log, 0,
                   "egov %s: connecting to %s", link->role, addr->text);

    /* numeric addresses only (resolved when the configuration was read):
     * hiredis's getaddrinfo() then has nothing to look up */

    if (addr->port) {
        ac = redisAsyncConnect(addr->host, addr->port);

    } else {
        ac = redisAsyncConnectUnix(addr->host);
    }

    if (ac == NULL) {
        ngx_cpystrn(link->error, (u_char *) "out of memory",
                    sizeof(link->error));
        goto failed;
    }

    if (ac->err) {
        ngx_cpystrn(link->error, (u_char *) ac->errstr, sizeof(link->error));
        redisAsyncFree(ac);
        goto failed;
    }

    c = ngx_get_connection(ac->c.fd, w->log);
    if (c == NULL) {
        ngx_cpystrn(link->error, (u_char *) "no free connection",
                    sizeof(link->error));
        redisAsyncFree(ac);
        goto failed;
    }

    c->data = link;
    c->read->handler = ngx_egov_redis_read_handler;
    c->write->handler = ngx_egov_redis_write_handler;
    c->read->log = w->log;
    c->write->log = w->log;
    c->number = ngx_atomic_fetch_add(ngx_connection_counter, 1);

    link->ac = ac;
    link->conn = c;
    link->closing = 0;

    ac->data = link;
    ac->ev.data = link;
    ac->ev.addRead = ngx_egov_redis_add_read;
    ac->ev.delRead = ngx_egov_redis_del_read;
    ac->ev.addWrite = ngx_egov_redis_add_write;
    ac->ev.delWrite = ngx_egov_redis_del_write;
    ac->ev.cleanup = ngx_egov_redis_cleanup;

    /* only now: setting it asks the hooks for the first write event */
    (void) redisAsyncSetConnectCallback(ac, ngx_egov_redis_on_connect);

    ngx_add_timer(&link->timer, w->conf->connect_timeout);

    link->handshake(link);

    return;

failed:

    link->state = NGX_EGOV_REDIS_LINK_IDLE;
    link->down(link, NGX_EGOV_REDIS_LINK_HANDSHAKE);
}


/* frees the context: now, or when the hiredis callback running returns */

static void
ngx_egov_redis_close(ngx_egov_redis_link_t *link, const char *reason)
{
    if (link->ac == NULL || link->closing) {
        return;
    }

    ngx_cpystrn(link->error, (u_char *) reason, sizeof(link->error));
    link->closing = 1;

    redisAsyncFree(link->ac);
}


static void
ngx_egov_redis_link_timer(ngx_event_t *ev)
{
    ngx_egov_redis_link_t  *link;

    link = ev->data;

    if (link->state == NGX_EGOV_REDIS_LINK_HANDSHAKE) {
        ngx_snprintf(link->error, sizeof(link->error) - 1,
                     "no answer within connect_timeout (%Mms)%Z",
                     ngx_egov_redis->conf->connect_timeout);
        ngx_egov_redis_close(link, (char *) link->error);
        return;
    }

    if (ngx_exiting || ngx_terminate || ngx_egov_redis->exiting) {
        return;
    }

    link->retry(link);
}


static void
ngx_egov_redis_schedule(ngx_egov_redis_link_t *link, ngx_msec_t delay)
{
    if (link->timer.timer_set) {
        ngx_del_timer(&link->timer);
    }

    ngx_add_timer(&link->timer, delay);
}


static ngx_msec_t
ngx_egov_redis_backoff(ngx_egov_redis_link_t *link)
{
    ngx_msec_t  delay;

    delay = link->backoff ? link->backoff * 2 : NGX_EGOV_REDIS_BACKOFF_MIN;

    if (delay > NGX_EGOV_REDIS_BACKOFF_MAX) {
        delay = NGX_EGOV_REDIS_BACKOFF_MAX;
    }

    link->backoff = delay;

    /* servers and workers that lost Redis together do not retry in step */
    return delay - delay / 4 + (ngx_msec_t) ngx_random() % (delay / 2 + 1);
}


/* a handshake reply that makes the link unusable: say why, and close */

static void
ngx_egov_redis_link_error(ngx_egov_redis_link_t *link, const char *what,
    redisReply *reply)
{
    size_t  len;

    len = 0;

    if (reply && reply->str) {
        len = ngx_min(reply->len, sizeof(link->error) - 64);
    }

    ngx_snprintf(link->error, sizeof(link->error) - 1, "%s%s%*s%Z",
                 what, len ? ": " : "", len, reply ? reply->str : "");

    ngx_egov_redis_close(link, (char *) link->error);
}


/* the adapter: hiredis's hooks on nginx events */

static void
ngx_egov_redis_read_handler(ngx_event_t *rev)
{
    ngx_connection_t       *c;
    ngx_egov_redis_link_t  *link;

    c = rev->data;
    link = c->data;

    if (c->close) {
        /* worker_shutdown_timeout closes every connection: so do we, all
         * of them, quietly, and for good */
        ngx_egov_redis->exiting = 1;
        ngx_egov_redis->state = NGX_EGOV_REDIS_STATE_OFF;

        ngx_egov_redis_close(link, "worker shutdown");
        return;
    }

    /* may free the context and the connection: touch nothing after */
    redisAsyncHandleRead(link->ac);
}


static void
ngx_egov_redis_write_handler(ngx_event_t *wev)
{
    ngx_connection_t       *c;
    ngx_egov_redis_link_t  *link;

    c = wev->data;
    link = c->data;

    redisAsyncHandleWrite(link->ac);
}


/*
 * Level-triggered: hiredis reads at most 16 KiB per call and relies on
 * being called again while data is left.  The hooks are idempotent, as
 * hiredis wants; an nginx failure to add an event is logged by nginx, and
 * the connect or command timers then close the link.
 */

static void
ngx_egov_redis_add_read(void *privdata)
{
    ngx_egov_redis_link_t *link = privdata;

    if (!link->conn->read->active) {
        (void) ngx_add_event(link->conn->read, NGX_READ_EVENT,
                             NGX_LEVEL_EVENT);
    }
}


static void
ngx_egov_redis_del_read(void *privdata)
{
    ngx_egov_redis_link_t *link = privdata;

    if (link->conn->read->active) {
        (void) ngx_del_event(link->conn->read, NGX_READ_EVENT,
                             NGX_LEVEL_EVENT);
    }
}


static void
ngx_egov_redis_add_write(void *privdata)
{
    ngx_egov_redis_link_t *link = privdata;

    if (!link->conn->write->active) {
        (void) ngx_add_event(link->conn->write, NGX_WRITE_EVENT,
                             NGX_LEVEL_EVENT);
    }
}


static void
ngx_egov_redis_del_write(void *privdata)
{
    ngx_egov_redis_link_t *link = privdata;

    if (link->conn->write->active) {
        (void) ngx_del_event(link->conn->write, NGX_WRITE_EVENT,
                             NGX_LEVEL_EVENT);
    }
}


/*
 * hiredis is freeing the context: pending callbacks have run (with NULL
 * replies), and the socket is closed right after we return.  The
 * connection goes back to nginx without closing anything.
 */

static void
ngx_egov_redis_cleanup(void *privdata)
{
    ngx_egov_redis_link_t *link = privdata;

    ngx_connection_t             *c;
    redisAsyncContext            *ac;
    ngx_egov_redis_link_state_e   prev;

    c = link->conn;
    ac = link->ac;

    if (!link->closing) {
        /* hiredis gave up by itself: an I/O error, EOF, a protocol error */
        ngx_cpystrn(link->error,
                    (u_char *) ((ac && ac->err && ac->errstr)
                                ? ac->errstr : "connection closed"),
                    sizeof(link->error));
    }

    if (c) {
        if (ngx_del_conn) {
            (void) ngx_del_conn(c, NGX_CLOSE_EVENT);

        } else {
            if (c->read->active) {
                (void) ngx_del_event(c->read, NGX_READ_EVENT,
                                     NGX_CLOSE_EVENT);
            }

            if (c->write->active) {
                (void) ngx_del_event(c->write, NGX_WRITE_EVENT,
                                     NGX_CLOSE_EVENT);
            }
        }

        if (c->read->posted) {
            ngx_delete_posted_event(c->read);
        }

        if (c->write->posted) {
            ngx_delete_posted_event(c->write);
        }

        c->read->closed = 1;
        c->write->closed = 1;

        ngx_free_connection(c);

        /* hiredis closes the socket; nginx must not, nor see it as open */
        c->fd = (ngx_socket_t) -1;
    }

    prev = link->state;

    link->ac = NULL;
    link->conn = NULL;
    link->closing = 0;
    link->state = NGX_EGOV_REDIS_LINK_IDLE;

    if (link->timer.timer_set) {
        ngx_del_timer(&link->timer);
    }

    link->down(link, prev);
}


static void
ngx_egov_redis_on_connect(const redisAsyncContext *ac, int status)
{
    ngx_egov_redis_link_t  *link;

    /* a failed connect is seen by the cleanup hook: nothing to do here */

    link = ac->data;

    ngx_log_debug3(NGX_LOG_DEBUG_EVENT, ngx_cycle->log, 0,
                   "egov %s: tcp connect to %s: %s", link->role,
                   link->addr->text, status == REDIS_OK ? "ok" : "failed");
}


static void
ngx_egov_redis_handshake_reply(redisAsyncContext *ac, void *r,
    void *privdata)
{
    redisReply             *reply = r;
    uintptr_t               step;
    ngx_egov_redis_link_t  *link;

    static const char  *what[] = { "", "AUTH", "SELECT", "CLIENT SETNAME",
                                   "ROLE", "PING",
                                   "SENTINEL get-master-addr-by-name" };

    link = ac->data;
    step = (uintptr_t) privdata;

    if (reply == NULL || link->ac != ac || link->closing) {
        return;
    }

    if (reply->type == REDIS_REPLY_ERROR) {

        if (step == NGX_EGOV_REDIS_STEP_NAME) {
            /* only a convenience for the Redis operator */
            return;
        }

        ngx_egov_redis_link_error(link, what[step], reply);
        return;
    }

    switch (step) {

    case NGX_EGOV_REDIS_STEP_ROLE:

        if (reply->type != REDIS_REPLY_ARRAY || reply->elements == 0
            || reply->element[0]->type != REDIS_REPLY_STRING
            || reply->element[0]->len != 6
            || ngx_strncmp(reply->element[0]->str, "master", 6) != 0)
        {
            ngx_egov_redis_link_error(link,
                "not a master (ROLE), the sentinels will be asked again",
                NULL);
        }

        break;

    case NGX_EGOV_REDIS_STEP_PING:
        ngx_egov_redis_link_ready(link);
        break;

    case NGX_EGOV_REDIS_STEP_MASTER:
        ngx_egov_redis_master_reply(link, reply);
        break;

    default:
        break;
    }
}


static void
ngx_egov_redis_script_loaded(redisAsyncContext *ac, void *r, void *privdata)
{
    redisReply               *reply = r;
    ngx_egov_redis_script_t  *script = privdata;

    if (reply == NULL || reply->type != REDIS_REPLY_ERROR) {
        return;
    }

    /* a script the module ships does not compile: a bug, said loudly */

    ngx_log_error(NGX_LOG_ERR, ngx_egov_redis->log, 0,
                  "egov redis: SCRIPT LOAD of script %*s failed: %*s",
                  (size_t) 12, script->sha, ngx_min(reply->len, 200),
                  reply->str);
}


static void
ngx_egov_redis_link_ready(ngx_egov_redis_link_t *link)
{
    if (link->timer.timer_set) {
        ngx_del_timer(&link->timer);
    }

    link->state = NGX_EGOV_REDIS_LINK_READY;
    link->backoff = 0;
    link->error[0] = '\0';

    link->ready(link);
}


/* the command link */

static void
ngx_egov_redis_cmd_handshake(ngx_egov_redis_link_t *link)
{
    redisAsyncContext         *ac;
    ngx_uint_t                 i;
    ngx_egov_redis_conf_t     *conf;
    ngx_egov_redis_script_t  **script;

    ac = link->ac;
    conf = ngx_egov_redis->conf;

    /* all pipelined: one round trip, answered in order */

    if (conf->password.len) {
        (void) redisAsyncCommand(ac, ngx_egov_redis_handshake_reply,
                                 ngx_egov_redis_step(AUTH),
                                 "AUTH %b", conf->password.data,
                                 conf->password.len);
    }

    if (conf->db) {
        (void) redisAsyncCommand(ac, ngx_egov_redis_handshake_reply,
                                 ngx_egov_redis_step(SELECT),
                                 "SELECT %d", (int) conf->db);
    }

    (void) redisAsyncCommand(ac, ngx_egov_redis_handshake_reply,
                             ngx_egov_redis_step(NAME),
                             "CLIENT SETNAME %b", ngx_egov_redis->name.data,
                             ngx_egov_redis->name.len);

    if (conf->use_sentinel) {
        (void) redisAsyncCommand(ac, ngx_egov_redis_handshake_reply,
                                 ngx_egov_redis_step(ROLE), "ROLE");
    }

    script = conf->scripts.elts;

    for (i = 0; i < conf->scripts.nelts; i++) {
        (void) redisAsyncCommand(ac, ngx_egov_redis_script_loaded, script[i],
                                 "SCRIPT LOAD %b", script[i]->source.data,
                                 script[i]->source.len);
    }

    (void) redisAsyncCommand(ac, ngx_egov_redis_handshake_reply,
                             ngx_egov_redis_step(PING), "PING");
}


static void
ngx_egov_redis_cmd_ready(ngx_egov_redis_link_t *link)
{
    ngx_queue_t              *q;
    ngx_egov_redis_cmd_t     *c;
    ngx_egov_redis_worker_t  *w;

    w = ngx_egov_redis;

    if (w->state == NGX_EGOV_REDIS_STATE_DOWN) {
        ngx_log_error(NGX_LOG_NOTICE, w->log, 0,
                      "egov redis: connected to %s again after %T s, "
                      "fleet features use it again",
                      link->addr->text, ngx_time() - w->since);

    } else {
        ngx_log_error(NGX_LOG_INFO, w->log, 0,
                      "egov redis: connected to %s", link->addr->text);
    }

    w->state = NGX_EGOV_REDIS_STATE_UP;
    w->since = ngx_time();
    w->stalled = 0;
    w->error[0] = '\0';
    w->last_reply = ngx_current_msec;

    /* commands that waited for the first connection go out now */

    while (!ngx_queue_empty(&w->waiting)) {
        q = ngx_queue_head(&w->waiting);
        ngx_queue_remove(q);

        c = ngx_queue_data(q, ngx_egov_redis_cmd_t, queue);
        c->waiting = 0;

        if (ngx_egov_redis_send(c) != NGX_OK) {
            ngx_del_timer(&c->ev);
            ngx_http_egov_stat_inc(NGX_EGOV_STAT_REDIS_ERRORS);
            ngx_egov_redis_fail_soon(c, NGX_EGOV_REDIS_NOT_CONNECTED);
        }
    }

    if (!w->ping.timer_set) {
        ngx_add_timer(&w->ping, NGX_EGOV_REDIS_PING_EVERY);
    }

    ngx_egov_redis_synced();
}


static void
ngx_egov_redis_cmd_retry(ngx_egov_redis_link_t *link)
{
    ngx_http_egov_stat_inc(NGX_EGOV_STAT_REDIS_RECONNECTS);

    if (ngx_egov_redis->conf->use_sentinel) {
        /* the master may have moved while we were away */
        ngx_egov_redis_discover();
        return;
    }

    ngx_egov_redis_connect(link);
}


static void
ngx_egov_redis_cmd_down(ngx_egov_redis_link_t *link,
    ngx_egov_redis_link_state_e prev)
{
    ngx_egov_redis_worker_t  *w;

    w = ngx_egov_redis;
    w->synced = 0;

    if (w->stall.timer_set) {
        ngx_del_timer(&w->stall);
    }

    if (w->ping.timer_set) {
        ngx_del_timer(&w->ping);
    }

    if (w->exiting) {
        return;
    }

    if (link->switching) {
        /* a new master: ngx_egov_redis_set_master() connects to it */
        link->switching = 0;

        if (w->state == NGX_EGOV_REDIS_STATE_UP && !w->stalled) {
            w->state = NGX_EGOV_REDIS_STATE_CONNECTING;
            w->since = ngx_time();
        }

        return;
    }

    if (w->state == NGX_EGOV_REDIS_STATE_DOWN) {
        /* already said: a failed reconnect, or a stalled link dropped */
        ngx_cpystrn(w->error, link->error, sizeof(w->error));

        ngx_log_error(NGX_LOG_INFO, w->log, 0,
                      "egov redis: %s: %s", link->addr->text, link->error);

    } else {
        ngx_egov_redis_went_down(link->error);
    }

    w->stalled = 0;

    if (ngx_exiting || ngx_terminate) {
        return;
    }

    ngx_egov_redis_schedule(link, ngx_egov_redis_backoff(link));
}


/* the breaker opens: one error line, the waiting commands fail */

static void
ngx_egov_redis_went_down(u_char *reason)
{
    ngx_egov_redis_worker_t  *w;

    w = ngx_egov_redis;

    if (reason != w->error) {
        ngx_cpystrn(w->error, reason, sizeof(w->error));
    }

    if (w->state == NGX_EGOV_REDIS_STATE_UP) {
        ngx_log_error(NGX_LOG_ERR, w->log, 0,
                      "egov redis: lost the connection to %s: %s; fleet "
                      "features use their fallback until it is back",
                      w->master.text, reason);

    } else {
        ngx_log_error(NGX_LOG_ERR, w->log, 0,
                      "egov redis: cannot connect to %s: %s; fleet "
                      "features use their fallback until it is reached",
                      w->have_master ? (char *) w->master.text : "Redis",
                      reason);
    }

    ngx_http_egov_stat_inc(NGX_EGOV_STAT_REDIS_CIRCUIT_OPENS);

    w->state = NGX_EGOV_REDIS_STATE_DOWN;
    w->since = ngx_time();
    w->synced = 0;

    ngx_egov_redis_fail_waiting(NGX_EGOV_REDIS_NOT_CONNECTED);
}


/* a command went unanswered past its timeout: fail fast until Redis
 * answers anything, or drop the link if it stays silent */

static void
ngx_egov_redis_stalled(ngx_msec_t timeout)
{
    ngx_egov_redis_worker_t  *w;

    w = ngx_egov_redis;

    if (w->cmd.state != NGX_EGOV_REDIS_LINK_READY || w->stalled) {
        return;
    }

    ngx_log_error(NGX_LOG_ERR, w->log, 0,
                  "egov redis: %s did not answer within %Mms; fleet "
                  "features use their fallback until it answers",
                  w->master.text, timeout);

    ngx_snprintf(w->error, sizeof(w->error) - 1, "no answer within %Mms%Z",
                 timeout);

    ngx_http_egov_stat_inc(NGX_EGOV_STAT_REDIS_CIRCUIT_OPENS);

    w->stalled = 1;
    w->synced = 0;
    w->state = NGX_EGOV_REDIS_STATE_DOWN;
    w->since = ngx_time();

    ngx_add_timer(&w->stall, w->conf->connect_timeout);
}


static void
ngx_egov_redis_answers(uint64_t start)
{
    ngx_egov_redis_worker_t  *w;

    w = ngx_egov_redis;

    w->last_reply = ngx_current_msec;

    if (start) {
        w->rtt_us = (ngx_uint_t) (ngx_egov_redis_now_us() - start);
    }

    if (!w->stalled) {
        return;
    }

    ngx_log_error(NGX_LOG_NOTICE, w->log, 0,
                  "egov redis: %s answers again after %T s, fleet "
                  "features use it again", w->master.text,
                  ngx_time() - w->since);

    w->stalled = 0;
    w->state = NGX_EGOV_REDIS_STATE_UP;
    w->since = ngx_time();
    w->error[0] = '\0';

    if (w->stall.timer_set) {
        ngx_del_timer(&w->stall);
    }

    ngx_egov_redis_synced();
}


static void
ngx_egov_redis_stall_handler(ngx_event_t *ev)
{
    ngx_egov_redis_worker_t  *w;

    w = ev->data;

    if (!w->stalled) {
        return;
    }

    /* a half-open TCP connection never answers: start afresh */

    ngx_snprintf(w->cmd.error, sizeof(w->cmd.error) - 1,
                 "still no answer after %Mms, reconnecting%Z",
                 w->conf->connect_timeout);

    ngx_egov_redis_close(&w->cmd, (char *) w->cmd.error);
}


static void
ngx_egov_redis_ping_handler(ngx_event_t *ev)
{
    ngx_egov_redis_worker_t  *w;

    w = ev->data;

    if (w->exiting || ngx_exiting) {
        return;
    }

    /* a quiet link is checked, so a dead Redis is found in the background
     * rather than by the next request that needs it */

    if (ngx_egov_redis_ready()
        && ngx_current_msec - w->last_reply >= NGX_EGOV_REDIS_PING_EVERY)
    {
        (void) ngx_egov_redis_command(0, NULL, NULL, "PING");
    }

    ngx_add_timer(&w->ping, NGX_EGOV_REDIS_PING_EVERY);
}


/*
 * Features are told each time the fleet layer becomes usable again, with
 * commands and every subscription: what happened meanwhile may have been
 * missed, so they resynchronize.
 */

static void
ngx_egov_redis_synced(void)
{
    ngx_uint_t                   i;
    ngx_egov_redis_worker_t     *w;
    ngx_egov_redis_connected_t  *h;

    w = ngx_egov_redis;

    if (w->synced || w->exiting
        || w->state != NGX_EGOV_REDIS_STATE_UP
        || w->sub.state != NGX_EGOV_REDIS_LINK_READY)
    {
        return;
    }

    w->synced = 1;

    ngx_log_debug0(NGX_LOG_DEBUG_EVENT, w->log, 0, "egov redis: synced");

    h = w->conf->connected.elts;

    for (i = 0; i < w->conf->connected.nelts; i++) {
        h[i].handler(h[i].data);
    }
}


/* the pub/sub link */

static void
ngx_egov_redis_sub_handshake(ngx_egov_redis_link_t *link)
{
    redisAsyncContext        *ac;
    ngx_uint_t                i;
    ngx_egov_redis_sub_t     *sub;
    ngx_egov_redis_conf_t    *conf;
    ngx_egov_redis_worker_t  *w;

    w = ngx_egov_redis;
    ac = link->ac;
    conf = w->conf;

    /* regular replies come before any pub/sub message: these go first */

    if (conf->password.len) {
        (void) redisAsyncCommand(ac, ngx_egov_redis_handshake_reply,
                                 ngx_egov_redis_step(AUTH),
                                 "AUTH %b", conf->password.data,
                                 conf->password.len);
    }

    (void) redisAsyncCommand(ac, ngx_egov_redis_handshake_reply,
                             ngx_egov_redis_step(NAME),
                             "CLIENT SETNAME %b", w->name.data, w->name.len);

    (void) redisAsyncCommand(ac, ngx_egov_redis_message, &w->control,
                             "SUBSCRIBE %b", w->control.channel.data,
                             w->control.channel.len);

    sub = conf->subs.elts;

    for (i = 0; i < conf->subs.nelts; i++) {
        (void) redisAsyncCommand(ac, ngx_egov_redis_message, &sub[i],
                                 "SUBSCRIBE %b", sub[i].channel.data,
                                 sub[i].channel.len);
    }

    link->subs_pending = 1 + conf->subs.nelts;
}


static void
ngx_egov_redis_sub_ready(ngx_egov_redis_link_t *link)
{
    ngx_egov_redis_worker_t  *w;

    w = ngx_egov_redis;

    if (link->warned) {
        ngx_log_error(NGX_LOG_NOTICE, w->log, 0,
                      "egov redis: pub/sub connection to %s is back",
                      link->addr->text);
        link->warned = 0;

    } else {
        ngx_log_debug1(NGX_LOG_DEBUG_EVENT, w->log, 0,
                       "egov redis: subscribed on %s", link->addr->text);
    }

    ngx_egov_redis_synced();
}


static void
ngx_egov_redis_sub_retry(ngx_egov_redis_link_t *link)
{
    if (ngx_egov_redis->have_master) {
        ngx_egov_redis_connect(link);
    }
}


static void
ngx_egov_redis_sub_down(ngx_egov_redis_link_t *link,
    ngx_egov_redis_link_state_e prev)
{
    ngx_egov_redis_worker_t  *w;

    w = ngx_egov_redis;
    w->synced = 0;

    if (w->exiting) {
        return;
    }

    if (link->switching) {
        link->switching = 0;
        return;
    }

    /*
     * When Redis goes away, both links notice: the command link's error
     * line says it.  A pub/sub link that fails while commands work is
     * worth a warning of its own, once.
     */

    if (prev != NGX_EGOV_REDIS_LINK_READY
        && w->state == NGX_EGOV_REDIS_STATE_UP && !link->warned)
    {
        ngx_log_error(NGX_LOG_WARN, w->log, 0,
                      "egov redis: pub/sub connection to %s fails: %s; "
                      "fleet messages are missed until it is back",
                      link->addr->text, link->error);
        link->warned = 1;

    } else {
        ngx_log_error(NGX_LOG_INFO, w->log, 0,
                      "egov redis: pub/sub connection to %s: %s",
                      link->addr->text, link->error);
    }

    if (ngx_exiting || ngx_terminate) {
        return;
    }

    ngx_egov_redis_schedule(link, ngx_egov_redis_backoff(link));
}


static void
ngx_egov_redis_message(redisAsyncContext *ac, void *r, void *privdata)
{
    redisReply             *reply = r;
    ngx_str_t               channel, message;
    redisReply             *type;
    ngx_egov_redis_sub_t   *sub = privdata;
    ngx_egov_redis_link_t  *link;

    link = ac->data;

    if (reply == NULL || link->ac != ac || link->closing
        || reply->type != REDIS_REPLY_ARRAY || reply->elements < 3
        || reply->element[0]->type != REDIS_REPLY_STRING)
    {
        return;
    }

    type = reply->element[0];

    if (type->len == 9 && ngx_strncmp(type->str, "subscribe", 9) == 0) {

        if (link->state == NGX_EGOV_REDIS_LINK_HANDSHAKE
            && --link->subs_pending == 0)
        {
            ngx_egov_redis_link_ready(link);
        }

        return;
    }

    if (type->len != 7 || ngx_strncmp(type->str, "message", 7) != 0
        || reply->element[1]->type != REDIS_REPLY_STRING
        || reply->element[2]->type != REDIS_REPLY_STRING)
    {
        return;
    }

    ngx_http_egov_stat_inc(NGX_EGOV_STAT_REDIS_MESSAGES);

    channel.data = (u_char *) reply->element[1]->str;
    channel.len = reply->element[1]->len;
    message.data = (u_char *) reply->element[2]->str;
    message.len = reply->element[2]->len;

    sub->handler(&channel, &message, sub->data);
}


/* "resync" on <prefix>control: features reload their state from Redis,
 * e.g. after an operator changed it there by hand */

static void
ngx_egov_redis_control(ngx_str_t *channel, ngx_str_t *message, void *data)
{
    ngx_egov_redis_worker_t *w = data;

    if (message->len == 6 && ngx_strncmp(message->data, "resync", 6) == 0) {
        ngx_log_error(NGX_LOG_NOTICE, w->log, 0,
                      "egov redis: resync requested on \"%V\"", channel);

        w->synced = 0;
        ngx_egov_redis_synced();
        return;
    }

    ngx_log_error(NGX_LOG_INFO, w->log, 0,
                  "egov redis: unknown message of %uz bytes on \"%V\" "
                  "ignored", message->len, channel);
}


/* Sentinel: where is the master, and where does it move */

static void
ngx_egov_redis_discover(void)
{
    ngx_egov_redis_link_t    *link;
    ngx_egov_redis_addr_t    *sentinels;
    ngx_egov_redis_worker_t  *w;

    w = ngx_egov_redis;
    link = &w->sentinel;

    if (link->state == NGX_EGOV_REDIS_LINK_HANDSHAKE) {
        /* already asking */
        return;
    }

    if (link->ac) {
        /* a subscribed context cannot ask: ask on a new one */
        link->switching = 1;
        ngx_egov_redis_close(link, "asking again");
        return;
    }

    sentinels = w->conf->sentinels->elts;
    link->addr = &sentinels[w->next_sentinel];

    ngx_egov_redis_connect(link);
}


static void
ngx_egov_redis_sentinel_handshake(ngx_egov_redis_link_t *link)
{
    redisAsyncContext      *ac;
    ngx_egov_redis_conf_t  *conf;

    ac = link->ac;
    conf = ngx_egov_redis->conf;

    if (conf->sentinel_password.len) {
        (void) redisAsyncCommand(ac, ngx_egov_redis_handshake_reply,
                                 ngx_egov_redis_step(AUTH),
                                 "AUTH %b", conf->sentinel_password.data,
                                 conf->sentinel_password.len);
    }

    (void) redisAsyncCommand(ac, ngx_egov_redis_handshake_reply,
                             ngx_egov_redis_step(MASTER),
                             "SENTINEL get-master-addr-by-name %b",
                             conf->master_name.data, conf->master_name.len);

    (void) redisAsyncCommand(ac, ngx_egov_redis_switch_message, link,
                             "SUBSCRIBE +switch-master");
}


static void
ngx_egov_redis_master_reply(ngx_egov_redis_link_t *link, redisReply *reply)
{
    int                       port;
    redisReply               *host, *pr;
    ngx_egov_redis_worker_t  *w;

    w = ngx_egov_redis;

    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2
        || reply->element[0]->type != REDIS_REPLY_STRING
        || reply->element[1]->type != REDIS_REPLY_STRING)
    {
        ngx_snprintf(link->error, sizeof(link->error) - 1,
                     "does not know master \"%V\"%Z",
                     &w->conf->master_name);
        ngx_egov_redis_close(link, (char *) link->error);
        return;
    }

    host = reply->element[0];
    pr = reply->element[1];

    port = ngx_egov_redis_parse_port((u_char *) pr->str, pr->len);

    if (port < 0
        || !ngx_egov_redis_numeric_host((u_char *) host->str, host->len))
    {
        /* a host name would make hiredis resolve it, and block */
        ngx_egov_redis_link_error(link,
            "announces the master by name, not by address "
            "(sentinel resolve-hostnames)", NULL);
        return;
    }

    ngx_egov_redis_link_ready(link);

    if (ngx_egov_redis_set_master((u_char *) host->str, host->len, port)
        != NGX_OK)
    {
        ngx_egov_redis_link_error(link, "announces an invalid address",
                                  NULL);
    }
}


static void
ngx_egov_redis_sentinel_ready(ngx_egov_redis_link_t *link)
{
    ngx_egov_redis_worker_t  *w;

    w = ngx_egov_redis;

    if (link->warned) {
        ngx_log_error(NGX_LOG_NOTICE, w->log, 0,
                      "egov redis: sentinel %s answers, failovers are "
                      "followed again", link->addr->text);
        link->warned = 0;
    }

    w->sentinels_failed = 0;
}


static void
ngx_egov_redis_sentinel_retry(ngx_egov_redis_link_t *link)
{
    ngx_egov_redis_discover();
}


static void
ngx_egov_redis_sentinel_down(ngx_egov_redis_link_t *link,
    ngx_egov_redis_link_state_e prev)
{
    ngx_uint_t                n;
    ngx_egov_redis_worker_t  *w;

    w = ngx_egov_redis;

    if (w->exiting || ngx_exiting || ngx_terminate) {
        return;
    }

    if (link->switching) {
        link->switching = 0;
        ngx_egov_redis_schedule(link, 0);
        return;
    }

    n = w->conf->sentinels->nelts;

    if (prev == NGX_EGOV_REDIS_LINK_READY
        && w->state == NGX_EGOV_REDIS_STATE_UP)
    {
        ngx_log_error(NGX_LOG_WARN, w->log, 0,
                      "egov redis: lost sentinel %s: %s; failovers are not "
                      "followed until a sentinel answers",
                      link->addr->text, link->error);
        link->warned = 1;

    } else {
        ngx_log_error(NGX_LOG_INFO, w->log, 0,
                      "egov redis: sentinel %s: %s",
                      link->addr->text, link->error);
    }

    w->next_sentinel = (w->next_sentinel + 1) % n;

    if (++w->sentinels_failed < n) {
        /* the next sentinel at once */
        ngx_egov_redis_schedule(link, 0);
        return;
    }

    /* none of them answered */

    w->sentinels_failed = 0;

    if (w->state == NGX_EGOV_REDIS_STATE_CONNECTING) {
        ngx_snprintf(w->error, sizeof(w->error) - 1,
                     "no sentinel tells where master \"%V\" is "
                     "(last: %s: %s)%Z", &w->conf->master_name,
                     link->addr->text, link->error);

        ngx_egov_redis_went_down(w->error);
    }

    ngx_egov_redis_schedule(link, ngx_egov_redis_backoff(link));
}


static void
ngx_egov_redis_switch_message(redisAsyncContext *ac, void *r,
    void *privdata)
{
    redisReply               *reply = r;
    redisReply               *msg;
    ngx_egov_redis_link_t    *link;
    ngx_egov_redis_switch_t   sw;
    ngx_egov_redis_worker_t  *w;

    w = ngx_egov_redis;
    link = ac->data;

    if (reply == NULL || link->ac != ac || link->closing
        || reply->type != REDIS_REPLY_ARRAY || reply->elements != 3
        || reply->element[0]->type != REDIS_REPLY_STRING
        || reply->element[0]->len != 7
        || ngx_strncmp(reply->element[0]->str, "message", 7) != 0
        || reply->element[2]->type != REDIS_REPLY_STRING)
    {
        return;
    }

    msg = reply->element[2];

    if (ngx_egov_redis_parse_switch((u_char *) msg->str, msg->len, &sw) != 0)
    {
        ngx_log_error(NGX_LOG_WARN, w->log, 0,
                      "egov redis: sentinel %s sent a +switch-master "
                      "message that is not understood", link->addr->text);
        return;
    }

    if (sw.name_len != w->conf->master_name.len
        || ngx_strncmp(sw.name, w->conf->master_name.data, sw.name_len) != 0)
    {
        return;
    }

    (void) ngx_egov_redis_set_master((u_char *) sw.host, sw.host_len,
                                     sw.port);
}


static ngx_int_t
ngx_egov_redis_set_master(u_char *host, size_t len, int port)
{
    u_char                    text[NGX_SOCKADDR_STRLEN + 1];
    ngx_uint_t                ipv6;
    ngx_egov_redis_addr_t     addr;
    ngx_egov_redis_worker_t  *w;

    w = ngx_egov_redis;

    if (len > NGX_EGOV_REDIS_HOST_MAX) {
        return NGX_ERROR;
    }

    ngx_memzero(&addr, sizeof(ngx_egov_redis_addr_t));

    ngx_memcpy(addr.host, host, len);
    addr.port = port;

    ipv6 = (ngx_strlchr(host, host + len, ':') != NULL);

    addr.text_len = ngx_sprintf(addr.text, ipv6 ? "[%*s]:%d" : "%*s:%d",
                                len, host, port)
                    - addr.text;

    if (w->have_master && addr.text_len == w->master.text_len
        && ngx_strncmp(addr.text, w->master.text, addr.text_len) == 0)
    {
        /* where we are, or were, connected */

        if (w->cmd.ac == NULL) {
            ngx_egov_redis_connect(&w->cmd);
        }

        if (w->sub.ac == NULL) {
            ngx_egov_redis_connect(&w->sub);
        }

        return NGX_OK;
    }

    if (w->have_master) {
        ngx_cpystrn(text, w->master.text, sizeof(text));

        ngx_log_error(NGX_LOG_NOTICE, w->log, 0,
                      "egov redis: master \"%V\" is now %s (was %s), "
                      "following it", &w->conf->master_name, addr.text, text);

        ngx_http_egov_stat_inc(NGX_EGOV_STAT_REDIS_FAILOVERS);

    } else {
        ngx_log_debug2(NGX_LOG_DEBUG_EVENT, w->log, 0,
                       "egov redis: master \"%V\" is %s",
                       &w->conf->master_name, addr.text);
    }

    /* commands in flight on the old master fail (NOT_CONNECTED) */

    if (w->cmd.ac) {
        w->cmd.switching = 1;
        ngx_egov_redis_close(&w->cmd, "the master moved");
    }

    if (w->sub.ac) {
        w->sub.switching = 1;
        ngx_egov_redis_close(&w->sub, "the master moved");
    }

    w->master = addr;
    w->have_master = 1;

    ngx_egov_redis_connect(&w->cmd);
    ngx_egov_redis_connect(&w->sub);

    return NGX_OK;
}


/* commands */

ngx_int_t
ngx_egov_redis_command(ngx_msec_t timeout, ngx_egov_redis_handler_pt handler,
    void *data, const char *fmt, ...)
{
    int       len;
    char     *cmd;
    va_list   args;

    va_start(args, fmt);
    len = redisvFormatCommand(&cmd, fmt, args);
    va_end(args);

    if (len < 0) {
        return NGX_ERROR;
    }

    return ngx_egov_redis_submit(NULL, timeout, handler, data, cmd, len);
}


ngx_int_t
ngx_egov_redis_command_argv(ngx_msec_t timeout,
    ngx_egov_redis_handler_pt handler, void *data, int argc,
    const char **argv, const size_t *argvlen)
{
    int    len;
    char  *cmd;

    len = redisFormatCommandArgv(&cmd, argc, argv, argvlen);

    if (len < 0) {
        return NGX_ERROR;
    }

    return ngx_egov_redis_submit(NULL, timeout, handler, data, cmd, len);
}


ngx_int_t
ngx_egov_redis_script_call(ngx_egov_redis_script_t *script,
    ngx_msec_t timeout, ngx_egov_redis_handler_pt handler, void *data,
    int nkeys, int argc, const char **argv, const size_t *argvlen)
{
    int          i, len;
    char        *cmd;
    u_char       nk[NGX_INT_T_LEN];
    size_t       lens[NGX_EGOV_REDIS_SCRIPT_ARGS + 3];
    const char  *args[NGX_EGOV_REDIS_SCRIPT_ARGS + 3];

    if (argc < 0 || argc > NGX_EGOV_REDIS_SCRIPT_ARGS || nkeys < 0
        || nkeys > argc)
    {
        return NGX_ERROR;
    }

    args[0] = "EVALSHA";
    lens[0] = sizeof("EVALSHA") - 1;
    args[1] = (const char *) script->sha;
    lens[1] = sizeof(script->sha);
    args[2] = (const char *) nk;
    lens[2] = ngx_sprintf(nk, "%d", nkeys) - nk;

    for (i = 0; i < argc; i++) {
        args[i + 3] = argv[i];
        lens[i + 3] = argvlen[i];
    }

    len = redisFormatCommandArgv(&cmd, argc + 3, args, lens);

    if (len < 0) {
        return NGX_ERROR;
    }

    return ngx_egov_redis_submit(script, timeout, handler, data, cmd, len);
}


static ngx_int_t
ngx_egov_redis_submit(ngx_egov_redis_script_t *script, ngx_msec_t timeout,
    ngx_egov_redis_handler_pt handler, void *data, char *cmd, int len)
{
    ngx_egov_redis_cmd_t     *c;
    ngx_egov_redis_worker_t  *w;

    w = ngx_egov_redis;

    c = ngx_egov_redis_cmd_alloc();
    if (c == NULL) {
        redisFreeCommand(cmd);
        return NGX_ERROR;
    }

    c->handler = handler;
    c->data = data;
    c->cmd = cmd;
    c->len = len;
    c->script = script;

    if (w == NULL || w->exiting) {
        ngx_http_egov_stat_inc(NGX_EGOV_STAT_REDIS_REJECTED);
        ngx_egov_redis_fail_soon(c, NGX_EGOV_REDIS_NOT_CONNECTED);
        return NGX_OK;
    }

    if (timeout == 0) {
        timeout = w->conf->timeout;
    }

    c->timeout = timeout;

    if (ngx_egov_redis_ready()) {

        if (ngx_egov_redis_send(c) != NGX_OK) {
            ngx_http_egov_stat_inc(NGX_EGOV_STAT_REDIS_REJECTED);
            ngx_egov_redis_fail_soon(c, NGX_EGOV_REDIS_NOT_CONNECTED);
            return NGX_OK;
        }

        ngx_add_timer(&c->ev, timeout);
        return NGX_OK;
    }

    if (w->state == NGX_EGOV_REDIS_STATE_CONNECTING) {
        /* the first connection, or one to a new master: worth a wait */
        ngx_queue_insert_tail(&w->waiting, &c->queue);
        c->waiting = 1;
        ngx_add_timer(&c->ev, timeout);
        return NGX_OK;
    }

    ngx_http_egov_stat_inc(NGX_EGOV_STAT_REDIS_REJECTED);
    ngx_egov_redis_fail_soon(c, NGX_EGOV_REDIS_CIRCUIT_OPEN);

    return NGX_OK;
}


static ngx_int_t
ngx_egov_redis_send(ngx_egov_redis_cmd_t *c)
{
    ngx_egov_redis_worker_t  *w;

    w = ngx_egov_redis;

    if (w->cmd.ac == NULL || w->cmd.closing
        || redisAsyncFormattedCommand(w->cmd.ac, ngx_egov_redis_reply, c,
                                      c->cmd, c->len)
           != REDIS_OK)
    {
        return NGX_ERROR;
    }

    c->in_redis = 1;
    c->start = ngx_egov_redis_now_us();

    ngx_http_egov_stat_inc(NGX_EGOV_STAT_REDIS_COMMANDS);

    /* kept only to send it again after NOSCRIPT */

    if (c->script == NULL) {
        redisFreeCommand(c->cmd);
        c->cmd = NULL;
    }

    return NGX_OK;
}


/* the handler never runs inside the caller: posted to this loop turn */

static void
ngx_egov_redis_fail_soon(ngx_egov_redis_cmd_t *c,
    ngx_egov_redis_status_e status)
{
    c->status = status;
    c->ev.handler = ngx_egov_redis_cmd_failed;

    ngx_post_event(&c->ev, &ngx_posted_events);
}


static void
ngx_egov_redis_cmd_failed(ngx_event_t *ev)
{
    ngx_egov_redis_cmd_t  *c;

    c = ev->data;
    c->done = 1;

    if (c->handler) {
        c->handler(c->status, NULL, c->data);
    }

    ngx_egov_redis_cmd_free(c);
}


static void
ngx_egov_redis_cmd_timeout(ngx_event_t *ev)
{
    ngx_egov_redis_cmd_t  *c;

    c = ev->data;
    c->done = 1;

    ngx_http_egov_stat_inc(NGX_EGOV_STAT_REDIS_TIMEOUTS);

    if (c->waiting) {
        ngx_queue_remove(&c->queue);
        c->waiting = 0;

    } else if (c->in_redis) {
        ngx_egov_redis_stalled(c->timeout);
    }

    if (c->handler) {
        c->handler(NGX_EGOV_REDIS_TIMEOUT, NULL, c->data);
    }

    /* else hiredis still holds it: freed when the late reply comes */

    if (!c->in_redis) {
        ngx_egov_redis_cmd_free(c);
    }
}


static void
ngx_egov_redis_reply(redisAsyncContext *ac, void *r, void *privdata)
{
    redisReply               *reply = r;
    ngx_egov_redis_cmd_t     *c = privdata;
    ngx_egov_redis_status_e   status;

    c->in_redis = 0;

    if (reply == NULL) {
        /* the context is being freed */
        status = NGX_EGOV_REDIS_NOT_CONNECTED;

        if (!c->done) {
            ngx_http_egov_stat_inc(NGX_EGOV_STAT_REDIS_ERRORS);
        }

    } else {
        ngx_http_egov_stat_inc(NGX_EGOV_STAT_REDIS_REPLIES);
        ngx_egov_redis_answers(c->start);

        if (reply->type == REDIS_REPLY_ERROR) {

            if (c->script && !c->done && !c->retried
                && reply->len >= 8
                && ngx_strncmp(reply->str, "NOSCRIPT", 8) == 0
                && ngx_egov_redis_script_retry(ac, c) == NGX_OK)
            {
                return;
            }

            ngx_http_egov_stat_inc(NGX_EGOV_STAT_REDIS_ERRORS);
            status = NGX_EGOV_REDIS_ERROR_REPLY;

        } else {
            status = NGX_EGOV_REDIS_OK;
        }
    }

    if (!c->done) {
        c->done = 1;

        if (c->ev.timer_set) {
            ngx_del_timer(&c->ev);
        }

        if (c->handler) {
            c->handler(status, reply, c->data);
        }
    }

    ngx_egov_redis_cmd_free(c);
}


/* Redis lost its script cache (restart, SCRIPT FLUSH): load, call again */

static ngx_int_t
ngx_egov_redis_script_retry(redisAsyncContext *ac, ngx_egov_redis_cmd_t *c)
{
    ngx_egov_redis_script_t  *script;

    script = c->script;

    ngx_log_error(NGX_LOG_INFO, ngx_egov_redis->log, 0,
                  "egov redis: script %*s was not loaded, loading it again",
                  (size_t) 12, script->sha);

    if (redisAsyncCommand(ac, ngx_egov_redis_script_loaded, script,
                          "SCRIPT LOAD %b", script->source.data,
                          script->source.len)
        != REDIS_OK
        || redisAsyncFormattedCommand(ac, ngx_egov_redis_reply, c, c->cmd,
                                      c->len)
           != REDIS_OK)
    {
        return NGX_ERROR;
    }

    ngx_http_egov_stat_add(NGX_EGOV_STAT_REDIS_COMMANDS, 2);

    c->retried = 1;
    c->in_redis = 1;

    return NGX_OK;
}


static void
ngx_egov_redis_fail_waiting(ngx_egov_redis_status_e status)
{
    ngx_queue_t              *q;
    ngx_egov_redis_cmd_t     *c;
    ngx_egov_redis_worker_t  *w;

    w = ngx_egov_redis;

    while (!ngx_queue_empty(&w->waiting)) {
        q = ngx_queue_head(&w->waiting);
        ngx_queue_remove(q);

        c = ngx_queue_data(q, ngx_egov_redis_cmd_t, queue);
        c->waiting = 0;

        if (c->ev.timer_set) {
            ngx_del_timer(&c->ev);
        }

        ngx_http_egov_stat_inc(NGX_EGOV_STAT_REDIS_ERRORS);
        ngx_egov_redis_fail_soon(c, status);
    }
}


static ngx_egov_redis_cmd_t *
ngx_egov_redis_cmd_alloc(void)
{
    ngx_queue_t              *q;
    ngx_egov_redis_cmd_t     *c;
    ngx_egov_redis_worker_t  *w;

    w = ngx_egov_redis;

    if (w && !ngx_queue_empty(&w->free)) {
        q = ngx_queue_head(&w->free);
        ngx_queue_remove(q);
        w->nfree--;

        c = ngx_queue_data(q, ngx_egov_redis_cmd_t, queue);

    } else {
        c = ngx_alloc(sizeof(ngx_egov_redis_cmd_t), ngx_cycle->log);
        if (c == NULL) {
            return NULL;
        }
    }

    ngx_memzero(c, sizeof(ngx_egov_redis_cmd_t));

    c->ev.handler = ngx_egov_redis_cmd_timeout;
    c->ev.data = c;
    c->ev.log = ngx_cycle->log;

    return c;
}


static void
ngx_egov_redis_cmd_free(ngx_egov_redis_cmd_t *c)
{
    ngx_egov_redis_worker_t  *w;

    w = ngx_egov_redis;

    if (c->cmd) {
        redisFreeCommand(c->cmd);
        c->cmd = NULL;
    }

    if (w && !w->exiting && w->nfree < NGX_EGOV_REDIS_FREE_MAX) {
        ngx_queue_insert_head(&w->free, &c->queue);
        w->nfree++;
        return;
    }

    ngx_free(c);
}


static uint64_t
ngx_egov_redis_now_us(void)
{
    struct timespec  ts;

    (void) clock_gettime(CLOCK_MONOTONIC, &ts);

    return (uint64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}


/* what features and the status page ask */

ngx_uint_t
ngx_egov_redis_ready(void)
{
    ngx_egov_redis_worker_t  *w;

    w = ngx_egov_redis;

    return w && !w->exiting && w->cmd.state == NGX_EGOV_REDIS_LINK_READY
           && !w->cmd.closing && !w->stalled;
}


void
ngx_egov_redis_info(ngx_egov_redis_info_t *info)
{
    ngx_egov_redis_worker_t  *w;

    ngx_memzero(info, sizeof(ngx_egov_redis_info_t));

    w = ngx_egov_redis;

    if (w == NULL) {
        info->state = NGX_EGOV_REDIS_STATE_OFF;
        return;
    }

    info->state = w->state;
    info->rtt_us = w->rtt_us;
    info->since = w->since;
    info->subscribed = (w->sub.state == NGX_EGOV_REDIS_LINK_READY);

    if (w->have_master) {
        info->master.data = w->master.text;
        info->master.len = w->master.text_len;
    }

    if (w->state != NGX_EGOV_REDIS_STATE_UP) {
        info->error.data = w->error;
        info->error.len = ngx_strlen(w->error);
    }
}


ngx_str_t *
ngx_egov_redis_prefix(void)
{
    if (ngx_egov_redis == NULL) {
        return &ngx_egov_redis_no_prefix;
    }

    return &ngx_egov_redis->conf->prefix;
}


ngx_int_t
ngx_egov_redis_key(ngx_pool_t *pool, ngx_str_t *name, ngx_str_t *key)
{
    u_char     *p;
    ngx_str_t  *prefix;

    prefix = ngx_egov_redis_prefix();

    key->len = prefix->len + name->len;
    key->data = ngx_pnalloc(pool, key->len);
    if (key->data == NULL) {
        return NGX_ERROR;
    }

    p = ngx_cpymem(key->data, prefix->data, prefix->len);
    ngx_memcpy(p, name->data, name->len);

    return NGX_OK;
}


const char *
ngx_egov_redis_status_text(ngx_egov_redis_status_e status)
{
    static const char  *text[] = { "ok", "error reply", "timeout",
                                   "not connected", "circuit open" };

    if ((ngx_uint_t) status >= sizeof(text) / sizeof(text[0])) {
        return "unknown";
    }

    return text[status];
}


const char *
ngx_egov_redis_state_text(ngx_egov_redis_state_e state)
{
    static const char  *text[] = { "off", "connecting", "up", "down" };

    if ((ngx_uint_t) state >= sizeof(text) / sizeof(text[0])) {
        return "unknown";
    }

    return text[state];
}
