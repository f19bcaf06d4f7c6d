
/*
 * Fleet-wide rate limits (egov_limit_zone ... scope=fleet sync=TIME).
 *
 * Each server decides every request from its own shared memory, as for a
 * local zone, and counts the requests it accepted per key.  Every TIME,
 * worker 0 sends the counts of the keys that changed to Redis (INCRBY on
 * one counter per key, pipelined) and gets the fleet's total back; what
 * the other servers accepted meanwhile is added to the key's theoretical
 * arrival time, as if those requests had come here.  So every server
 * refuses a key the fleet as a whole has used up, with no network wait on
 * the request path.  Accuracy: the other servers' requests are learnt at
 * most TIME late (plus a round trip), so a flood starting on several
 * servers at once may pass up to TIME x rate x (servers - 1) requests too
 * many before it is held to the rate.  When Redis is away, each server
 * limits alone (the counts of that time are dropped, not sent late: a late
 * burst of counts would refuse innocent requests after recovery).
 *
 * sync=strict: for low-rate, high-value routes, each request asks Redis:
 * one script runs GCRA on Redis's own clock (TIME), so every server of the
 * fleet shares one exact state.  The request waits at most egov_redis's
 * timeout; when Redis fails (or the circuit is open: no round trip),
 * on_redis_error= decides: "local" (the server's own limiter), "allow" or
 * "deny" (503).
 */


#include "ngx_http_egov_limit.h"
#include "ngx_egov_redis.h"


#define NGX_HTTP_EGOV_FLEET_BATCH    4096      /* keys per zone and sync */
#define NGX_HTTP_EGOV_FLEET_TTL      60000     /* ms a silent key is kept */
#define NGX_HTTP_EGOV_FLEET_MAX_OTHERS  1000000   /* keeps TAT sane */


typedef struct {
    ngx_http_egov_limit_zone_t *zone;
    ngx_event_t                 event;
} ngx_http_egov_limit_sync_t;


/* a request's way through its strict limits, one round trip each */
typedef struct {
    ngx_uint_t                  next;        /* the limit asked or to ask */
    ngx_uint_t                  answered;    /* "answer" is for "next" */
    ngx_uint_t                  answer;      /* NGX_HTTP_EGOV_STRICT_* */
    ngx_uint_t                  failed;      /* Redis failed: on_error */
    ngx_uint_t                  dry_run;     /* a dry-run limit refused */
    uint64_t                    wait;        /* us until allowed again */
} ngx_http_egov_limit_strict_t;


typedef struct {
    ngx_http_egov_limit_zone_t *zone;
    uint32_t                    hash;
    uint32_t                    count;
    ngx_str_t                   key;
} ngx_http_egov_limit_sent_t;


static ngx_int_t ngx_http_egov_limit_strict_ask(ngx_http_request_t *r,
    ngx_http_egov_limit_strict_t *ctx, ngx_http_egov_limit_t *limit,
    ngx_str_t *key);
static ngx_int_t ngx_http_egov_limit_strict_resume(ngx_http_request_t *r,
    ngx_egov_redis_status_e status, redisReply *reply, void *data);
static ngx_int_t ngx_http_egov_limit_strict_fallback(ngx_http_request_t *r,
    ngx_http_egov_limit_t *limit, ngx_str_t *key, uint64_t *wait);
static void ngx_http_egov_limit_strict_tag(void *data);
static void ngx_http_egov_limit_sync_handler(ngx_event_t *ev);
static ngx_int_t ngx_http_egov_limit_sync_zone(
    ngx_http_egov_limit_zone_t *zone);
static void ngx_http_egov_limit_send(ngx_http_egov_limit_sent_t *sent);
static void ngx_http_egov_limit_total(ngx_egov_redis_status_e status,
    redisReply *reply, void *data);


/*
 * GCRA on Redis's clock, microseconds: KEYS[1] the key's TAT, ARGV[1] the
 * interval, ARGV[2] the burst tolerance.  Returns {allowed, wait}.
 */

static ngx_str_t  ngx_http_egov_limit_gcra_lua = ngx_string(
    "local t = redis.call('TIME') "
    "local now = tonumber(t[1]) * 1000000 + tonumber(t[2]) "
    "local tat = tonumber(redis.call('GET', KEYS[1]) or '0') "
    "local interval = tonumber(ARGV[1]) "
    "local tau = tonumber(ARGV[2]) "
    "if tat < now then tat = now end "
    "if tat - now > tau then return {0, tat - tau - now} end "
    "local new = tat + interval "
    "redis.call('SET', KEYS[1], string.format('%d', new), 'PX', "
    "math.floor((new - now) / 1000) + 1000) "
    "return {1, tat - now}");


/* postconfiguration: scope=fleet needs egov_redis */

ngx_int_t
ngx_http_egov_limit_fleet_init(ngx_conf_t *cf, ngx_array_t *zones)
{
    u_char                       *p;
    ngx_str_t                     name;
    ngx_uint_t                    i;
    ngx_http_egov_limit_zone_t  **zone;

    zone = zones->elts;

    for (i = 0; i < zones->nelts; i++) {

        if (!zone[i]->fleet) {
            continue;
        }

        if (!ngx_egov_redis_enabled(cf)) {
            ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                          "egov_limit_zone \"%V\": \"scope=fleet\" needs "
                          "egov_redis at the http level in %s:%ui",
                          &zone[i]->name, zone[i]->file, zone[i]->line);
            return NGX_ERROR;
        }

        name.len = sizeof("lim::") - 1 + zone[i]->name.len;
        name.data = ngx_pnalloc(cf->pool, name.len);
        if (name.data == NULL) {
            return NGX_ERROR;
        }

        p = ngx_cpymem(name.data, "lim:", 4);
        p = ngx_cpymem(p, zone[i]->name.data, zone[i]->name.len);
        *p = ':';

        if (ngx_egov_redis_conf_key(cf, &name, &zone[i]->redis_key)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        if (zone[i]->strict) {
            zone[i]->script = ngx_egov_redis_script_add(cf,
                                            &ngx_http_egov_limit_gcra_lua);
            if (zone[i]->script == NULL) {
                return NGX_ERROR;
            }
        }
    }

    return NGX_OK;
}


/*
 * The strict limits of a request, in order: NGX_DONE while Redis is asked
 * (the phase handler runs again with the answer), NGX_OK when they are
 * decided; "result" then says how.
 */

ngx_int_t
ngx_http_egov_limits_strict(ngx_http_request_t *r, ngx_array_t *limits,
    ngx_uint_t *result, ngx_msec_t *retry_after,
    ngx_http_egov_limit_t **rejected)
{
    uint64_t                       wait;
    ngx_int_t                      rc;
    ngx_str_t                      key;
    ngx_http_egov_limit_t         *limit;
    ngx_http_egov_limit_strict_t  *ctx;

    *result = NGX_HTTP_EGOV_STRICT_PASSED;

    ctx = ngx_http_egov_request_state(r, ngx_http_egov_limit_strict_tag,
                                      sizeof(ngx_http_egov_limit_strict_t));
    if (ctx == NULL) {
        return NGX_ERROR;
    }

    limit = limits->elts;

    for ( /* void */ ; ctx->next < limits->nelts; ctx->next++) {

        if (!limit[ctx->next].zone->strict
            || (limit[ctx->next].methods
                && !(limit[ctx->next].methods & r->method)))
        {
            continue;
        }

        if (ngx_http_complex_value(r, &limit[ctx->next].zone->key, &key)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        if (key.len == 0 || key.len > NGX_HTTP_EGOV_LIMIT_MAX_KEY) {
            continue;
        }

        if (!ctx->answered) {
            rc = ngx_http_egov_limit_strict_ask(r, ctx, &limit[ctx->next],
                                                &key);
            if (rc != NGX_DECLINED) {
                return rc;
            }

            /* no round trip: the circuit is open */
        }

        ctx->answered = 0;
        wait = ctx->wait;

        if (ctx->failed) {
            ctx->failed = 0;
            ngx_http_egov_stat_inc(NGX_EGOV_STAT_FLEET_LIMIT_FALLBACKS);

            rc = ngx_http_egov_limit_strict_fallback(r, &limit[ctx->next],
                                                     &key, &wait);
            if (rc == NGX_ERROR) {
                return NGX_ERROR;
            }

            if (rc == NGX_DECLINED) {
                *result = NGX_HTTP_EGOV_STRICT_UNAVAILABLE;
                *retry_after = 1000;
                *rejected = &limit[ctx->next];
                return NGX_OK;
            }

            ctx->answer = (rc == NGX_BUSY) ? NGX_HTTP_EGOV_STRICT_REFUSED
                                           : NGX_HTTP_EGOV_STRICT_PASSED;
        }

        if (ctx->answer == NGX_HTTP_EGOV_STRICT_REFUSED) {

            if (limit[ctx->next].dry_run) {
                ctx->dry_run = 1;
                continue;
            }

            *result = NGX_HTTP_EGOV_STRICT_REFUSED;
            *retry_after = (ngx_msec_t) ((wait + 999) / 1000);
            *rejected = &limit[ctx->next];
            return NGX_OK;
        }
    }

    if (ctx->dry_run) {
        *result = NGX_HTTP_EGOV_STRICT_DRY_RUN;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_egov_limit_strict_ask(ngx_http_request_t *r,
    ngx_http_egov_limit_strict_t *ctx, ngx_http_egov_limit_t *limit,
    ngx_str_t *key)
{
    u_char                      *p;
    size_t                       lens[3];
    ngx_str_t                   *prefix;
    const char                  *argv[3];
    ngx_egov_redis_info_t        info;
    ngx_http_egov_redis_wait_t  *w;
    u_char                       interval[NGX_INT64_LEN];
    u_char                       tau[NGX_INT64_LEN];

    if (!ngx_egov_redis_ready()) {
        ngx_egov_redis_info(&info);

        if (info.state != NGX_EGOV_REDIS_STATE_CONNECTING) {
            ctx->failed = 1;
            return NGX_DECLINED;
        }
    }

    prefix = &limit->zone->redis_key;

    p = ngx_pnalloc(r->pool, prefix->len + key->len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(ngx_cpymem(p, prefix->data, prefix->len), key->data,
               key->len);

    argv[0] = (const char *) p;
    lens[0] = prefix->len + key->len;
    argv[1] = (const char *) interval;
    lens[1] = ngx_sprintf(interval, "%uL", limit->zone->interval) - interval;
    argv[2] = (const char *) tau;
    lens[2] = ngx_sprintf(tau, "%uL",
                          (uint64_t) limit->burst * limit->zone->interval)
              - tau;

    w = ngx_http_egov_redis_wait(r, 0, ngx_http_egov_limit_strict_resume,
                                 ctx);
    if (w == NULL) {
        return NGX_ERROR;
    }

    if (ngx_egov_redis_script_call(limit->zone->script, 0,
                                   ngx_http_egov_redis_wake, w, 1, 3,
                                   argv, lens)
        != NGX_OK)
    {
        ngx_http_egov_redis_wait_cancel(w);
        return NGX_ERROR;
    }

    return NGX_DONE;
}


static ngx_int_t
ngx_http_egov_limit_strict_resume(ngx_http_request_t *r,
    ngx_egov_redis_status_e status, redisReply *reply, void *data)
{
    ngx_http_egov_limit_strict_t *ctx = data;

    ctx->answered = 1;
    ctx->failed = 0;
    ctx->wait = 0;

    if (status != NGX_EGOV_REDIS_OK
        || reply->type != REDIS_REPLY_ARRAY || reply->elements != 2
        || reply->element[0]->type != REDIS_REPLY_INTEGER
        || reply->element[1]->type != REDIS_REPLY_INTEGER
        || reply->element[1]->integer < 0)
    {
        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "egov limit: strict check failed: %s",
                       ngx_egov_redis_status_text(status));
        ctx->failed = 1;
        return NGX_OK;
    }

    ngx_http_egov_stat_inc(NGX_EGOV_STAT_FLEET_LIMIT_STRICT);

    ctx->answer = reply->element[0]->integer ? NGX_HTTP_EGOV_STRICT_PASSED
                                             : NGX_HTTP_EGOV_STRICT_REFUSED;
    ctx->wait = (uint64_t) reply->element[1]->integer;

    return NGX_OK;
}


/* Redis failed: NGX_OK or NGX_BUSY as decided, NGX_DECLINED for "deny" */

static ngx_int_t
ngx_http_egov_limit_strict_fallback(ngx_http_request_t *r,
    ngx_http_egov_limit_t *limit, ngx_str_t *key, uint64_t *wait)
{
    *wait = 0;

    switch (limit->zone->on_error) {

    case NGX_HTTP_EGOV_ON_ERROR_ALLOW:
        return NGX_OK;

    case NGX_HTTP_EGOV_ON_ERROR_DENY:
        return NGX_DECLINED;

    default: /* NGX_HTTP_EGOV_ON_ERROR_LOCAL */
        return ngx_http_egov_limit_local(r, limit, key, wait);
    }
}


static void
ngx_http_egov_limit_strict_tag(void *data)
{
    /* only marks the strict limits' state among the pool's cleanups */
}


/* init_process: worker 0 syncs every fleet zone of the server */

ngx_int_t
ngx_http_egov_limit_fleet_start(ngx_cycle_t *cycle, ngx_array_t *zones)
{
    ngx_uint_t                    i;
    ngx_http_egov_limit_sync_t   *sync;
    ngx_http_egov_limit_zone_t  **zone;

    if (ngx_worker != 0) {
        return NGX_OK;
    }

    zone = zones->elts;

    for (i = 0; i < zones->nelts; i++) {

        if (zone[i]->sync == 0) {
            continue;
        }

        sync = ngx_pcalloc(cycle->pool, sizeof(ngx_http_egov_limit_sync_t));
        if (sync == NULL) {
            return NGX_ERROR;
        }

        sync->zone = zone[i];
        sync->event.handler = ngx_http_egov_limit_sync_handler;
        sync->event.data = &ngx_http_egov_fleet_timer_conn;
        sync->event.log = cycle->log;
        sync->event.cancelable = 1;

        ngx_add_timer(&sync->event, zone[i]->sync);
    }

    return NGX_OK;
}


static void
ngx_http_egov_limit_sync_handler(ngx_event_t *ev)
{
    ngx_http_egov_limit_sync_t  *sync;

    sync = (ngx_http_egov_limit_sync_t *)
               ((u_char *) ev - offsetof(ngx_http_egov_limit_sync_t, event));

    if (ngx_exiting) {
        return;
    }

    if (ngx_http_egov_limit_sync_zone(sync->zone) != NGX_OK) {
        ngx_log_error(NGX_LOG_ALERT, ev->log, 0,
                      "egov_limit_zone \"%V\": fleet sync out of memory",
                      &sync->zone->name);
    }

    ngx_add_timer(ev, sync->zone->sync);
}


/*
 * Takes the pending counts out of the zone (under its lock, copies only)
 * and sends them after unlocking.
 */

static ngx_int_t
ngx_http_egov_limit_sync_zone(ngx_http_egov_limit_zone_t *zone)
{
    ngx_uint_t                    i, n, send;
    ngx_queue_t                  *q;
    ngx_http_egov_limit_node_t   *node;
    ngx_http_egov_limit_sent_t  **batch, *sent;

    batch = ngx_alloc(NGX_HTTP_EGOV_FLEET_BATCH * sizeof(void *),
                      ngx_cycle->log);
    if (batch == NULL) {
        return NGX_ERROR;
    }

    send = ngx_egov_redis_ready();
    n = 0;

    ngx_shmtx_lock(&zone->shpool->mutex);

    while (n < NGX_HTTP_EGOV_FLEET_BATCH && !ngx_queue_empty(&zone->sh->dirty))
    {
        q = ngx_queue_head(&zone->sh->dirty);
        node = ngx_queue_data(q, ngx_http_egov_limit_node_t, dirty);

        ngx_queue_remove(q);

        if (send) {
            sent = ngx_alloc(sizeof(ngx_http_egov_limit_sent_t) + node->len,
                             ngx_cycle->log);
            if (sent == NULL) {
                ngx_queue_insert_head(&zone->sh->dirty, q);
                break;
            }

            sent->zone = zone;
            sent->hash = (uint32_t) node->node.key;
            sent->count = node->pending;
            sent->key.len = node->len;
            sent->key.data = (u_char *) (sent + 1);
            ngx_memcpy(sent->key.data, node->data, node->len);

            batch[n++] = sent;
        }

        node->pending = 0;
    }

    ngx_shmtx_unlock(&zone->shpool->mutex);

    for (i = 0; i < n; i++) {
        ngx_http_egov_limit_send(batch[i]);
    }

    ngx_free(batch);

    if (n) {
        ngx_http_egov_stat_add(NGX_EGOV_STAT_FLEET_LIMIT_SYNCED, n);
    }

    return NGX_OK;
}


static void
ngx_http_egov_limit_send(ngx_http_egov_limit_sent_t *sent)
{
    u_char       *key;
    size_t        lens[3], len;
    const char   *argv[3];
    ngx_str_t    *prefix;
    u_char        count[NGX_INT32_LEN], ttl[NGX_INT32_LEN];

    prefix = &sent->zone->redis_key;
    len = prefix->len + sent->key.len;

    key = ngx_alloc(len, ngx_cycle->log);
    if (key == NULL) {
        ngx_free(sent);
        return;
    }

    ngx_memcpy(ngx_cpymem(key, prefix->data, prefix->len), sent->key.data,
               sent->key.len);

    argv[0] = "INCRBY";
    lens[0] = sizeof("INCRBY") - 1;
    argv[1] = (const char *) key;
    lens[1] = len;
    argv[2] = (const char *) count;
    lens[2] = ngx_sprintf(count, "%uD", sent->count) - count;

    if (ngx_egov_redis_command_argv(0, ngx_http_egov_limit_total, sent,
                                    3, argv, lens)
        != NGX_OK)
    {
        ngx_free(sent);
        ngx_free(key);
        return;
    }

    argv[0] = "PEXPIRE";
    lens[0] = sizeof("PEXPIRE") - 1;
    argv[2] = (const char *) ttl;
    lens[2] = ngx_sprintf(ttl, "%ui", (ngx_uint_t) NGX_HTTP_EGOV_FLEET_TTL
                                      + sent->zone->period * 1000)
              - ttl;

    (void) ngx_egov_redis_command_argv(0, NULL, NULL, 3, argv, lens);

    ngx_free(key);
}


/* the fleet's total for the key: what the others accepted is added */

static void
ngx_http_egov_limit_total(ngx_egov_redis_status_e status, redisReply *reply,
    void *data)
{
    ngx_http_egov_limit_sent_t *sent = data;

    uint64_t                     total, others, now;
    ngx_http_egov_limit_zone_t  *zone;
    ngx_http_egov_limit_node_t  *node;

    zone = sent->zone;

    if (status != NGX_EGOV_REDIS_OK || reply->type != REDIS_REPLY_INTEGER
        || reply->integer < 0)
    {
        ngx_free(sent);
        return;
    }

    total = (uint64_t) reply->integer;
    others = 0;

    ngx_shmtx_lock(&zone->shpool->mutex);

    node = ngx_http_egov_limit_lookup(zone, &sent->key, sent->hash);

    if (node) {

        /* the first reply, or Redis forgot the key: a new base */

        if (node->synced && total >= node->fleet_total + sent->count) {
            others = total - node->fleet_total - sent->count;
            others = ngx_min(others, NGX_HTTP_EGOV_FLEET_MAX_OTHERS);
        }

        node->fleet_total = total;
        node->synced = 1;

        if (others) {
            now = (uint64_t) ngx_current_msec * 1000;
            node->tat = ngx_max(node->tat, now) + others * zone->interval;
        }
    }

    ngx_shmtx_unlock(&zone->shpool->mutex);

    if (others) {
        ngx_http_egov_stat_add(NGX_EGOV_STAT_FLEET_LIMIT_OTHERS, others);
    }

    ngx_free(sent);
}
