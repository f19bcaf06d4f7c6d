
/*
 * Fleet-wide rate limits, sync=strict: for low-rate, high-value routes,
 * every request asks Redis.  A script runs GCRA on Redis's own clock
 * (TIME), so every server of the fleet shares one exact state.  The
 * request waits at most egov_redis's timeout; when Redis fails (or the
 * circuit is open: no round trip), on_redis_error= decides: "local" (the
 * server's own limiter), "allow" or "deny" (503).
 *
 * The questions of one turn of the worker's event loop go together: each
 * request adds its key to a batch, and the batch is sent as one script call
 * when the turn's events have been handled (a posted event), so that under
 * load Redis runs one script for many requests instead of one each.  The
 * script decides the keys one after the other, atomically, as the same
 * requests sent one by one would be decided; every request gets its own
 * answer and waits no longer than it would alone.
 */


#include "ngx_http_egov_limit.h"
#include "ngx_egov_redis.h"


#define NGX_HTTP_EGOV_STRICT_BATCH  64     /* keys per script call */


/* a request's way through its strict limits, one round trip each */
typedef struct {
    ngx_uint_t                  next;        /* the limit asked or to ask */
    ngx_uint_t                  answered;    /* "answer" is for "next" */
    ngx_uint_t                  answer;      /* NGX_HTTP_EGOV_STRICT_* */
    ngx_uint_t                  failed;      /* Redis failed: on_error */
    ngx_uint_t                  dry_run;     /* a dry-run limit refused */
    ngx_uint_t                  held;        /* refused with no question */
    uint64_t                    asked;       /* us, ngx_current_msec's */
    uint64_t                    wait;        /* us until allowed again */
} ngx_http_egov_limit_strict_t;


/* one question waiting for the batch to go: the key and its limit */
typedef struct {
    ngx_http_egov_redis_wait_t *wait;
    ngx_http_egov_limit_t      *limit;
    size_t                      offset;      /* of the key in the text */
    size_t                      len;
} ngx_http_egov_strict_question_t;


/*
 * The batch keeps its own copy of the questions' text (it may go after
 * a request is gone), in one buffer kept for the worker's life
 */
typedef struct {
    ngx_event_t                      flush;
    void                            *script;
    ngx_uint_t                       n;
    u_char                          *text;
    size_t                           used;
    size_t                           size;
    ngx_http_egov_strict_question_t  question[NGX_HTTP_EGOV_STRICT_BATCH];
} ngx_http_egov_strict_batch_t;


/* a batch sent: who waits for which pair of the answer */
typedef struct {
    ngx_uint_t                       n;
    ngx_http_egov_redis_wait_t      *wait[1];
} ngx_http_egov_strict_sent_t;


static void ngx_http_egov_limit_strict_keep(ngx_http_request_t *r,
    ngx_http_egov_limit_t *limit, ngx_str_t *key,
    ngx_http_egov_limit_strict_t *ctx);
static ngx_uint_t ngx_http_egov_limit_strict_held(
    ngx_http_egov_limit_t *limit, ngx_str_t *key,
    ngx_http_egov_limit_strict_t *ctx);
static ngx_int_t ngx_http_egov_limit_strict_ask(ngx_http_request_t *r,
    ngx_http_egov_limit_strict_t *ctx, ngx_http_egov_limit_t *limit,
    ngx_str_t *key);
static void ngx_http_egov_limit_strict_flush(ngx_event_t *ev);
static void ngx_http_egov_limit_strict_answers(ngx_egov_redis_status_e status,
    redisReply *reply, void *data);
static ngx_int_t ngx_http_egov_limit_strict_resume(ngx_http_request_t *r,
    ngx_egov_redis_status_e status, redisReply *reply, void *data);
static ngx_int_t ngx_http_egov_limit_strict_fallback(ngx_http_request_t *r,
    ngx_http_egov_limit_t *limit, ngx_str_t *key, uint64_t *wait);
static void ngx_http_egov_limit_strict_tag(void *data);


static ngx_http_egov_strict_batch_t  ngx_http_egov_strict_batch;


/*
 * GCRA on Redis's clock, microseconds, for each key of the batch in turn:
 * KEYS[i] the key's TAT, ARGV[2i-1] its interval, ARGV[2i] its burst
 * tolerance.  Returns {allowed1, wait1, allowed2, wait2, ...}.  A key asked
 * several times in one batch (a flood from one address) is read once and
 * written once, with the TAT its last question left.
 */

static ngx_str_t  ngx_http_egov_limit_gcra_lua = ngx_string(
    "local t = redis.call('TIME') "
    "local now = tonumber(t[1]) * 1000000 + tonumber(t[2]) "
    "local out, tats, changed = {}, {}, {} "
    "for i = 1, #KEYS do "
      "local k = KEYS[i] "
      "local tat = tats[k] "
      "if tat == nil then "
        "tat = tonumber(redis.call('GET', k) or '0') "
      "end "
      "local interval = tonumber(ARGV[2 * i - 1]) "
      "local tau = tonumber(ARGV[2 * i]) "
      "if tat < now then tat = now end "
      "tats[k] = tat "
      "if tat - now > tau then "
        "out[2 * i - 1] = 0 "
        "out[2 * i] = tat - tau - now "
      "else "
        "tats[k] = tat + interval "
        "changed[k] = true "
        "out[2 * i - 1] = 1 "
        "out[2 * i] = tat - now "
      "end "
    "end "
    "for i = 1, #KEYS do "
      "local k = KEYS[i] "
      "if changed[k] then "
        "changed[k] = nil "
        "redis.call('SET', k, string.format('%d', tats[k]), 'PX', "
                   "math.floor((tats[k] - now) / 1000) + 1000) "
      "end "
    "end "
    "return out");


/* postconfiguration, for each strict zone: the script, loaded once */

void *
ngx_http_egov_limit_strict_script(ngx_conf_t *cf)
{
    return ngx_egov_redis_script_add(cf, &ngx_http_egov_limit_gcra_lua);
}


/* egov_limit of a strict zone: the script's arguments, written once */

ngx_int_t
ngx_http_egov_limit_strict_args(ngx_conf_t *cf, ngx_http_egov_limit_t *limit)
{
    u_char  *p;

    p = ngx_pnalloc(cf->pool, 2 * NGX_INT64_LEN);
    if (p == NULL) {
        return NGX_ERROR;
    }

    limit->strict_interval.data = p;
    p = ngx_sprintf(p, "%uL", limit->zone->interval);
    limit->strict_interval.len = p - limit->strict_interval.data;

    limit->strict_tau.data = p;
    p = ngx_sprintf(p, "%uL", (uint64_t) limit->burst * limit->zone->interval);
    limit->strict_tau.len = p - limit->strict_tau.data;

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

        if (!ctx->answered
            && !ngx_http_egov_limit_strict_held(&limit[ctx->next], &key, ctx))
        {
            rc = ngx_http_egov_limit_strict_ask(r, ctx, &limit[ctx->next],
                                                &key);
            if (rc != NGX_DECLINED) {
                return rc;
            }

            /* no round trip: the circuit is open */
        }

        ctx->answered = 0;
        wait = ctx->wait;

        if (!ctx->failed && !ctx->held
            && ctx->answer == NGX_HTTP_EGOV_STRICT_REFUSED)
        {
            ngx_http_egov_limit_strict_keep(r, &limit[ctx->next], &key, ctx);
        }

        ctx->held = 0;

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


/*
 * A refusal from Redis says the key's TAT is at least now + wait + tau, and
 * a TAT only grows: until then the key is refused by this limit, and by any
 * limit of the zone with a smaller tolerance, whatever Redis would say.  So
 * it is kept as the key's floor, in the time of the question (Redis's clock
 * read it later: the floor is never above the real TAT), and a flood from
 * one key costs Redis one question per refusal period, not one per request.
 */

static void
ngx_http_egov_limit_strict_keep(ngx_http_request_t *r,
    ngx_http_egov_limit_t *limit, ngx_str_t *key,
    ngx_http_egov_limit_strict_t *ctx)
{
    uint64_t  tau;

    tau = (uint64_t) limit->burst * limit->zone->interval;

    (void) ngx_http_egov_limit_raise(r->connection->log, limit->zone, key,
                                     ctx->asked + ctx->wait + tau);
}


/* a floor kept (or marked by the fleet) still refuses: no question */

static ngx_uint_t
ngx_http_egov_limit_strict_held(ngx_http_egov_limit_t *limit, ngx_str_t *key,
    ngx_http_egov_limit_strict_t *ctx)
{
    uint64_t  floor, now, tau;

    floor = ngx_http_egov_limit_floor(limit->zone, key);
    now = (uint64_t) ngx_current_msec * 1000;
    tau = (uint64_t) limit->burst * limit->zone->interval;

    if (floor <= now + tau) {
        return 0;
    }

    ngx_http_egov_stat_inc(NGX_EGOV_STAT_FLEET_LIMIT_HELD);

    ctx->held = 1;
    ctx->answer = NGX_HTTP_EGOV_STRICT_REFUSED;
    ctx->wait = floor - tau - now;

    return 1;
}


/* the question goes into this turn's batch: NGX_DONE, or NGX_DECLINED */

static ngx_int_t
ngx_http_egov_limit_strict_ask(ngx_http_request_t *r,
    ngx_http_egov_limit_strict_t *ctx, ngx_http_egov_limit_t *limit,
    ngx_str_t *key)
{
    u_char                           *p, *text;
    size_t                            need, size;
    ngx_str_t                        *prefix;
    ngx_egov_redis_info_t             info;
    ngx_http_egov_redis_wait_t       *w;
    ngx_http_egov_strict_batch_t     *b;
    ngx_http_egov_strict_question_t  *q;

    if (!ngx_egov_redis_ready()) {
        ngx_egov_redis_info(&info);

        if (info.state != NGX_EGOV_REDIS_STATE_CONNECTING) {
            ctx->failed = 1;
            return NGX_DECLINED;
        }
    }

    b = &ngx_http_egov_strict_batch;
    ctx->asked = (uint64_t) ngx_current_msec * 1000;

    if (b->n == NGX_HTTP_EGOV_STRICT_BATCH) {
        ngx_http_egov_limit_strict_flush(&b->flush);
    }

    q = &b->question[b->n];
    prefix = &limit->zone->redis_key;

    need = prefix->len + key->len;

    if (b->used + need > b->size) {
        size = ngx_max(b->size * 2, ngx_max(b->used + need, 4096));

        text = ngx_alloc(size, r->connection->log);
        if (text == NULL) {
            return NGX_ERROR;
        }

        if (b->text) {
            ngx_memcpy(text, b->text, b->used);
            ngx_free(b->text);
        }

        b->text = text;
        b->size = size;
    }

    q->offset = b->used;
    q->len = need;
    q->limit = limit;

    p = ngx_cpymem(b->text + b->used, prefix->data, prefix->len);
    ngx_memcpy(p, key->data, key->len);

    w = ngx_http_egov_redis_wait(r, 0, ngx_http_egov_limit_strict_resume,
                                 ctx);
    if (w == NULL) {
        return NGX_ERROR;
    }

    b->used += need;
    q->wait = w;
    b->script = limit->zone->script;
    b->n++;

    if (!b->flush.posted) {
        b->flush.handler = ngx_http_egov_limit_strict_flush;
        b->flush.data = b;
        b->flush.log = ngx_cycle->log;

        ngx_post_event(&b->flush, &ngx_posted_events);
    }

    return NGX_DONE;
}


/* the end of the turn (or a full batch): one script call for all */

static void
ngx_http_egov_limit_strict_flush(ngx_event_t *ev)
{
    size_t                            lens[3 * NGX_HTTP_EGOV_STRICT_BATCH];
    ngx_int_t                         rc;
    ngx_uint_t                        i, n;
    const char                       *argv[3 * NGX_HTTP_EGOV_STRICT_BATCH];
    ngx_http_egov_redis_wait_t       *wait[NGX_HTTP_EGOV_STRICT_BATCH];
    ngx_http_egov_strict_sent_t      *sent;
    ngx_http_egov_strict_batch_t     *b;
    ngx_http_egov_strict_question_t  *q;

    b = &ngx_http_egov_strict_batch;
    n = b->n;

    if (n == 0) {
        return;
    }

    b->n = 0;

    sent = ngx_alloc(sizeof(ngx_http_egov_strict_sent_t)
                     + (n - 1) * sizeof(ngx_http_egov_redis_wait_t *),
                     ngx_cycle->log);

    /* the keys first (KEYS), then each key's interval and tolerance */

    for (i = 0; i < n; i++) {
        q = &b->question[i];

        argv[i] = (const char *) b->text + q->offset;
        lens[i] = q->len;
        argv[n + 2 * i] = (const char *) q->limit->strict_interval.data;
        lens[n + 2 * i] = q->limit->strict_interval.len;
        argv[n + 2 * i + 1] = (const char *) q->limit->strict_tau.data;
        lens[n + 2 * i + 1] = q->limit->strict_tau.len;

        wait[i] = q->wait;
    }

    rc = NGX_ERROR;

    if (sent) {
        sent->n = n;
        ngx_memcpy(sent->wait, wait, n * sizeof(ngx_http_egov_redis_wait_t *));

        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, ngx_cycle->log, 0,
                       "egov limit: %ui strict questions in one call", n);

        rc = ngx_egov_redis_script_call(b->script, 0,
                                        ngx_http_egov_limit_strict_answers,
                                        sent, (int) n, (int) (3 * n), argv,
                                        lens);
    }

    /* the command is formatted: the text is free for the next batch */

    b->used = 0;

    if (rc == NGX_OK) {
        return;
    }

    /*
     * no memory: each request gets the Redis failure policy (a request
     * woken may ask again, into the batch: "wait" is a copy)
     */

    ngx_log_error(NGX_LOG_ERR, ngx_cycle->log, 0,
                  "egov limit: %ui strict questions could not be sent", n);

    for (i = 0; i < n; i++) {
        ngx_http_egov_redis_wake(NGX_EGOV_REDIS_NOT_CONNECTED, NULL, wait[i]);
    }

    if (sent) {
        ngx_free(sent);
    }
}


/* the batch's answer: each request gets its pair, as if asked alone */

static void
ngx_http_egov_limit_strict_answers(ngx_egov_redis_status_e status,
    redisReply *reply, void *data)
{
    ngx_http_egov_strict_sent_t *sent = data;

    ngx_uint_t   i;
    redisReply   one;

    if (status == NGX_EGOV_REDIS_OK
        && (reply->type != REDIS_REPLY_ARRAY
            || reply->elements != 2 * sent->n))
    {
        ngx_log_error(NGX_LOG_ERR, ngx_cycle->log, 0,
                      "egov limit: the strict script answered %ui "
                      "questions with %uz values", sent->n,
                      (size_t) (reply->type == REDIS_REPLY_ARRAY
                                ? reply->elements : 0));
        status = NGX_EGOV_REDIS_ERROR_REPLY;
    }

    ngx_memzero(&one, sizeof(redisReply));
    one.type = REDIS_REPLY_ARRAY;
    one.elements = 2;

    for (i = 0; i < sent->n; i++) {

        if (status == NGX_EGOV_REDIS_OK) {
            one.element = &reply->element[2 * i];
            ngx_http_egov_redis_wake(status, &one, sent->wait[i]);

        } else {
            ngx_http_egov_redis_wake(status, reply, sent->wait[i]);
        }
    }

    ngx_free(sent);
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
