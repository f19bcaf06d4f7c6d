
/*
 * The fleet layer's connections to Redis, per worker (hiredis's
 * asynchronous API on the nginx event loop): a worker's start and exit,
 * the command link, commands and the circuit breaker.
 *
 * The command link is pipelined; before it is ready, a handshake (AUTH,
 * SELECT, CLIENT SETNAME, ROLE with Sentinel, SCRIPT LOAD, PING) in one
 * round trip.  Commands sent before the first connection is ready wait
 * for it, within their own timeouts.
 *
 * hiredis 0.14 has no timeouts: each command has an nginx timer, each link
 * a connect timer.  A command timer is not cancelable (a request may wait
 * on it, and it is short); the others are, so that graceful shutdown
 * never waits for them.
 *
 * The circuit breaker: commands are refused at once (CIRCUIT_OPEN) while
 * the command link is down, or while a command has gone unanswered past
 * its timeout ("stalled") until any reply comes back.  A dead Redis thus
 * costs the requests one timeout per state change, and the reconnect
 * handshake is the probe that closes the breaker again.  Each state change
 * is one log line: error when it goes down, notice when it comes back.
 */


#include "ngx_egov_redis_int.h"


static void ngx_egov_redis_cmd_handshake(ngx_egov_redis_link_t *link);
static void ngx_egov_redis_cmd_ready(ngx_egov_redis_link_t *link);
static void ngx_egov_redis_cmd_retry(ngx_egov_redis_link_t *link);
static void ngx_egov_redis_cmd_down(ngx_egov_redis_link_t *link,
    ngx_egov_redis_link_state_e prev);
static void ngx_egov_redis_stalled(ngx_msec_t timeout);
static void ngx_egov_redis_answers(uint64_t start);
static void ngx_egov_redis_stall_handler(ngx_event_t *ev);
static void ngx_egov_redis_ping_handler(ngx_event_t *ev);
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
static ngx_egov_redis_cmd_t *ngx_egov_redis_cmd_alloc(void);
static void ngx_egov_redis_cmd_free(ngx_egov_redis_cmd_t *c);
static uint64_t ngx_egov_redis_now_us(void);


ngx_egov_redis_worker_t  *ngx_egov_redis;

static ngx_str_t  ngx_egov_redis_no_prefix = ngx_null_string;


ngx_int_t
ngx_egov_redis_init_process(ngx_cycle_t *cycle, ngx_egov_redis_conf_t *conf)
{
    u_char                    ch, *p;
    ngx_uint_t                i;
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

    ngx_egov_redis_link_init(&w->cmd, "redis", w->log);
    w->cmd.handshake = ngx_egov_redis_cmd_handshake;
    w->cmd.ready = ngx_egov_redis_cmd_ready;
    w->cmd.retry = ngx_egov_redis_cmd_retry;
    w->cmd.down = ngx_egov_redis_cmd_down;
    w->cmd.addr = &w->master;

    if (ngx_egov_redis_pubsub_init(cycle, w) != NGX_OK) {
        return NGX_ERROR;
    }

    ngx_egov_redis_sentinel_init(w);

    w->stall.handler = ngx_egov_redis_stall_handler;
    w->stall.data = w;
    w->stall.log = w->log;
    w->stall.cancelable = 1;

    w->ping.handler = ngx_egov_redis_ping_handler;
    w->ping.data = w;
    w->ping.log = w->log;
    w->ping.cancelable = 1;

    /* the name CLIENT SETNAME gives: egov-HOSTNAME-PID */

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

    /* this worker has no Redis yet, whatever the last one in its place had */

    if (conf->shm && conf->shm->data) {
        w->shared = conf->shm->data;

        if (ngx_worker < NGX_EGOV_REDIS_WORKERS_MAX) {
            w->shared->up[ngx_worker] = 0;
        }
    }

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

    ngx_egov_redis_auth(link, &conf->user, &conf->password);

    if (conf->db) {
        (void) redisAsyncCommand(ac, ngx_egov_redis_handshake_reply,
                                 ngx_egov_redis_step(SELECT),
                                 "SELECT %d", (int) conf->db);
    }

    ngx_egov_redis_set_name(link);

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
    w->stalled = 0;

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

    if (ngx_exiting || ngx_terminate) {
        return;
    }

    ngx_egov_redis_schedule(link, ngx_egov_redis_backoff(link));
}


/* the breaker opens: one error line, the waiting commands fail */

void
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

    ngx_egov_redis_share();
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

    ngx_egov_redis_share();

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

    ngx_egov_redis_share();

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

void
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


/* is the resync under way one asked for (not a link made again)? */

ngx_uint_t
ngx_egov_redis_resync_requested(void)
{
    return ngx_egov_redis && ngx_egov_redis->requested;
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

    len = ngx_egov_redis_resp_argv(&cmd, argc, argv, argvlen);

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

    len = ngx_egov_redis_resp_argv(&cmd, argc + 3, args, lens);

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

/* how many of this server's workers have Redis, of "all" */

ngx_uint_t
ngx_egov_redis_workers_up(ngx_uint_t *all)
{
    ngx_uint_t                i, n, up;
    ngx_core_conf_t          *ccf;
    ngx_egov_redis_worker_t  *w;

    ccf = (ngx_core_conf_t *) ngx_get_conf(ngx_cycle->conf_ctx,
                                           ngx_core_module);

    n = (ngx_process == NGX_PROCESS_SINGLE)
        ? 1 : (ngx_uint_t) ccf->worker_processes;
    n = ngx_min(n, NGX_EGOV_REDIS_WORKERS_MAX);
    *all = n;

    w = ngx_egov_redis;

    if (w == NULL || w->shared == NULL) {
        return n;
    }

    for (i = 0, up = 0; i < n; i++) {
        up += (w->shared->up[i] != 0);
    }

    return up;
}


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


/*
 * Which Redis and what in it, for what a server must not carry over to
 * another (a reload that points it elsewhere, or that adds, changes or
 * drops the fleet secret): a CRC32 of the address, or Sentinel's master
 * name and Sentinels, the database, a MAC made with the secret (not the
 * secret) and "what"; 0 without Redis
 */

uint32_t
ngx_egov_redis_identity(ngx_str_t *what)
{
    size_t                  n;
    uint32_t                crc;
    ngx_uint_t              i;
    ngx_egov_redis_addr_t  *s;
    ngx_egov_redis_conf_t  *conf;
    u_char                  mac[NGX_EGOV_FLEET_AUTH_HEADER_MAX];

    if (ngx_egov_redis == NULL) {
        return 0;
    }

    conf = ngx_egov_redis->conf;

    ngx_crc32_init(crc);

    if (conf->use_sentinel) {
        ngx_crc32_update(&crc, conf->master_name.data,
                         conf->master_name.len);

        s = conf->sentinels ? conf->sentinels->elts : NULL;

        for (i = 0; s && i < conf->sentinels->nelts; i++) {
            ngx_crc32_update(&crc, s[i].text, s[i].text_len);
        }

    } else {
        ngx_crc32_update(&crc, conf->addr.text, conf->addr.text_len);
    }

    if (conf->auth) {
        n = ngx_egov_fleet_auth_sign(conf->auth, (u_char *) "identity", 8,
                                     0, (u_char *) "", 0, mac, sizeof(mac));
        ngx_crc32_update(&crc, mac, n);
    }

    ngx_crc32_update(&crc, (u_char *) &conf->db, sizeof(ngx_int_t));
    ngx_crc32_update(&crc, what->data, what->len);
    ngx_crc32_final(crc);

    return crc;
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
