
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

/*
 * a full batch of distinct keys is 5 arguments a key: the Redis layer
 * must take them all (a fifth review: it took 256, and a turn of 52
 * distinct keys or more went to on_redis_error whole)
 */
#if (5 * NGX_HTTP_EGOV_STRICT_BATCH > NGX_EGOV_REDIS_SCRIPT_ARGS)
#error "a strict batch has more arguments than a script call takes"
#endif

/* the most the zone's traffic puts a key's TAT ahead of now, us */
#define ngx_http_egov_strict_bound(zone)                                     \
    ((uint64_t) ((zone)->max_burst + 1) * (zone)->interval)


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
    ngx_array_t                *limits;      /* the location's, asked */

    /* asked in a location before an internal redirect: not again
       (NGX_HTTP_EGOV_LIMIT_COUNTED, made at the first redirect) */
    ngx_http_egov_limit_zone_t **counted;
    ngx_uint_t                  ncounted;
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


/* a request waiting for a batch's answer: its slot and place in it */
typedef struct {
    ngx_http_egov_redis_wait_t      *wait;
    ngx_uint_t                       slot;
    ngx_uint_t                       rank;
} ngx_http_egov_strict_asker_t;


/* a batch sent: who waits for which slot of the answer */
typedef struct {
    ngx_uint_t                       n;        /* requests */
    ngx_uint_t                       slots;
    ngx_http_egov_strict_asker_t     asker[1];
} ngx_http_egov_strict_sent_t;


static ngx_int_t ngx_http_egov_limit_strict_counted(ngx_http_request_t *r,
    ngx_http_egov_limit_strict_t *ctx);
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
static void ngx_http_egov_limit_strict_unsent(ngx_http_egov_strict_batch_t *b,
    ngx_uint_t n);
static ngx_uint_t ngx_http_egov_limit_strict_valid(redisReply *reply,
    ngx_http_egov_strict_sent_t *sent);
static void ngx_http_egov_limit_strict_answers(ngx_egov_redis_status_e status,
    redisReply *reply, void *data);
static ngx_int_t ngx_http_egov_limit_strict_resume(ngx_http_request_t *r,
    ngx_egov_redis_status_e status, redisReply *reply, void *data);
static ngx_int_t ngx_http_egov_limit_strict_fallback(ngx_http_request_t *r,
    ngx_http_egov_limit_t *limit, ngx_str_t *key, uint64_t *wait);


static ngx_http_egov_strict_batch_t  ngx_http_egov_strict_batch;
static time_t                        ngx_http_egov_strict_invalid_logged;


/*
 * GCRA on Redis's clock, microseconds.  A batch comes as slots: KEYS[i] a
 * key's TAT, ARGV[4i-3] its interval, ARGV[4i-2] its burst tolerance,
 * ARGV[4i-1] how many requests asked in a row (a flood from one address, or
 * many visitors behind one address, ask the same key many times in one
 * turn), ARGV[4i] the most the zone's traffic puts a TAT ahead of now (its
 * largest burst's tolerance and an interval): a TAT read from Redis that
 * is further ahead, or not a number, was not written by this script (it
 * is planted) and counts for nothing.  Slots are decided in order, each request of a slot in turn, as if
 * they had come one by one: the first requests of a slot pass, the others
 * are refused.  Returns {passed1, wait1, passed2, wait2, ...}, the wait
 * being for the refused ones.  A key is read and written once per call, a
 * number argument converted once (the slots of a limit share theirs: with
 * a key per slot and 4 to 16 slots a call, 7% to 13% fewer instructions of
 * Redis than converting each, callgrind).
 */

static ngx_str_t  ngx_http_egov_limit_gcra_lua = ngx_string(
    "local t = redis.call('TIME') "
    "local now = tonumber(t[1]) * 1000000 + tonumber(t[2]) "
    "local out, tats, changed, num = {}, {}, {}, {} "
    "for i = 1, #KEYS do "
      "local k = KEYS[i] "
      "local a, b, c, d = ARGV[4 * i - 3], ARGV[4 * i - 2], "
                         "ARGV[4 * i - 1], ARGV[4 * i] "
      "local interval, tau, count, bound = num[a], num[b], num[c], num[d] "
      "if interval == nil then interval = tonumber(a) num[a] = interval end "
      "if tau == nil then tau = tonumber(b) num[b] = tau end "
      "if count == nil then count = tonumber(c) num[c] = count end "
      "if bound == nil then bound = tonumber(d) num[d] = bound end "
      "local tat = tats[k] "
      "if tat == nil then "
        "tat = tonumber(redis.call('GET', k) or '0') or 0 "
        "if tat ~= tat or tat > now + bound then tat = 0 end "
      "end "
      "if tat < now then tat = now end "
      "local passed = 0 "
      "while passed < count and tat - now <= tau do "
        "tat = tat + interval "
        "passed = passed + 1 "
      "end "
      "tats[k] = tat "
      "if passed > 0 then changed[k] = true end "
      "out[2 * i - 1] = passed "
      "out[2 * i] = (passed < count) and (tat - tau - now) or 0 "
    "end "
    "for i = 1, #KEYS do "
      "local k = KEYS[i] "
      "if changed[k] then "
        "changed[k] = nil "
        "redis.call('SET', k, string.format('%d', tats[k]), 'PX', "
                   "string.format('%d', (tats[k] - now) / 1000 + 1000)) "
      "end "
    "end "
    "return out");


/* postconfiguration, for each strict zone: the script, loaded once */

void *
ngx_http_egov_limit_strict_script(ngx_conf_t *cf,
    ngx_http_egov_limit_zone_t *zone)
{
    u_char  *p;

    /* every egov_limit of the zone is known: its largest burst too */

    p = ngx_pnalloc(cf->pool, NGX_INT64_LEN);
    if (p == NULL) {
        return NULL;
    }

    zone->strict_bound.data = p;
    zone->strict_bound.len = ngx_sprintf(p, "%uL",
                                         ngx_http_egov_strict_bound(zone))
                             - p;

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
    ngx_uint_t                     i;
    ngx_http_egov_limit_t         *limit;
    ngx_http_egov_limit_strict_t  *ctx;

    *result = NGX_HTTP_EGOV_STRICT_PASSED;

    limit = limits->elts;

    for (i = 0; i < limits->nelts && !limit[i].zone->strict; i++) {
        /* void */
    }

    if (i == limits->nelts) {
        return NGX_OK;
    }

    ctx = ngx_http_egov_request_state(r, NGX_HTTP_EGOV_STATE_STRICT,
                                      sizeof(ngx_http_egov_limit_strict_t));
    if (ctx == NULL) {
        return NGX_ERROR;
    }

    if (ctx->limits != limits) {
        if (ngx_http_egov_limit_strict_counted(r, ctx) != NGX_OK) {
            return NGX_ERROR;
        }

        ctx->limits = limits;
        ctx->next = 0;
        ctx->answered = 0;
    }

    for ( /* void */ ; ctx->next < limits->nelts; ctx->next++) {

        if (!limit[ctx->next].zone->strict
            || (limit[ctx->next].methods
                && !(limit[ctx->next].methods & r->method)))
        {
            continue;
        }

        for (i = 0; i < ctx->ncounted; i++) {
            if (ctx->counted[i] == limit[ctx->next].zone) {
                break;
            }
        }

        if (i < ctx->ncounted) {
            continue;
        }

        if (ngx_http_egov_limit_key(r, limit[ctx->next].zone, &key)
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

        /*
         * at most what the zone's traffic makes: an answer not from our
         * script (the script takes a planted TAT for nothing) would hold
         * the key back for as long as it says
         */

        ctx->wait = ngx_min(ctx->wait,
                            ngx_http_egov_strict_bound(limit[ctx->next].zone));
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

            if (rc == NGX_DECLINED && limit[ctx->next].dry_run) {
                ctx->dry_run = 1;
                continue;
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

            /*
             * a solved challenge: this limit, and only this one, goes on
             * to the pass's higher ceiling, counted by this server's own
             * zone (Redis knows nothing of passes), never over its rate
             */

            if (limit[ctx->next].challenge
                && ngx_http_egov_challenge_passed(r))
            {
                rc = ngx_http_egov_limit_local(r, &limit[ctx->next], &key, 1,
                                               &wait);
                if (rc == NGX_ERROR) {
                    return NGX_ERROR;
                }

                if (rc == NGX_OK) {
                    continue;
                }

                ngx_http_egov_limit_pass_spent(r);
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
 * An internal redirect to another location: the strict zones the last one
 * asked about (it let the request through all of them) are not asked again
 */

static ngx_int_t
ngx_http_egov_limit_strict_counted(ngx_http_request_t *r,
    ngx_http_egov_limit_strict_t *ctx)
{
    ngx_uint_t              i;
    ngx_http_egov_limit_t  *limit;

    if (ctx->limits == NULL) {
        return NGX_OK;
    }

    if (ctx->counted == NULL) {
        ctx->counted = ngx_palloc(r->pool, NGX_HTTP_EGOV_LIMIT_COUNTED
                                  * sizeof(ngx_http_egov_limit_zone_t *));
        if (ctx->counted == NULL) {
            return NGX_ERROR;
        }
    }

    limit = ctx->limits->elts;

    for (i = 0; i < ctx->limits->nelts; i++) {
        if (limit[i].zone->strict
            && (limit[i].methods == 0 || (limit[i].methods & r->method))
            && ctx->ncounted < NGX_HTTP_EGOV_LIMIT_COUNTED)
        {
            ctx->counted[ctx->ncounted++] = limit[i].zone;
        }
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

    (void) ngx_http_egov_limit_raise(ngx_http_egov_quiet_log(r), limit->zone,
                                     key, ctx->asked + ctx->wait + tau);
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
    u_char                           *counts, *c;
    size_t                            lens[5 * NGX_HTTP_EGOV_STRICT_BATCH];
    ngx_int_t                         rc;
    ngx_uint_t                        i, n, s, a, rank;
    const char                       *argv[5 * NGX_HTTP_EGOV_STRICT_BATCH];
    ngx_http_egov_strict_sent_t      *sent;
    ngx_http_egov_strict_batch_t     *b;
    ngx_http_egov_strict_question_t  *q, *first;
    u_char                            text[NGX_HTTP_EGOV_STRICT_BATCH
                                           * NGX_INT_T_LEN];

    b = &ngx_http_egov_strict_batch;
    n = b->n;

    if (n == 0) {
        return;
    }

    b->n = 0;

    sent = ngx_alloc(sizeof(ngx_http_egov_strict_sent_t)
                     + (n - 1) * sizeof(ngx_http_egov_strict_asker_t),
                     ngx_cycle->log);

    if (sent == NULL) {
        b->used = 0;
        ngx_http_egov_limit_strict_unsent(b, n);
        return;
    }

    /*
     * Questions in a row for one key of one limit make one slot: the keys
     * first (KEYS), then each slot's interval, tolerance and count
     */

    s = 0;
    rank = 0;
    first = NULL;

    for (i = 0; i < n; i++) {
        q = &b->question[i];

        if (first && q->limit == first->limit && q->len == first->len
            && ngx_memcmp(b->text + q->offset, b->text + first->offset,
                          q->len)
               == 0)
        {
            rank++;

        } else {
            first = q;
            rank = 0;

            argv[s] = (const char *) b->text + q->offset;
            lens[s] = q->len;
            s++;
        }

        sent->asker[i].wait = q->wait;
        sent->asker[i].slot = s - 1;
        sent->asker[i].rank = rank;
    }

    counts = text;

    for (i = 0; i < n; i++) {
        if (i + 1 < n && sent->asker[i + 1].slot == sent->asker[i].slot) {
            continue;
        }

        /* the last request of its slot: the slot's arguments */

        q = &b->question[i];
        a = s + 4 * sent->asker[i].slot;

        argv[a] = (const char *) q->limit->strict_interval.data;
        lens[a] = q->limit->strict_interval.len;
        argv[a + 1] = (const char *) q->limit->strict_tau.data;
        lens[a + 1] = q->limit->strict_tau.len;

        c = ngx_sprintf(counts, "%ui", sent->asker[i].rank + 1);
        argv[a + 2] = (const char *) counts;
        lens[a + 2] = c - counts;
        counts = c;

        argv[a + 3] = (const char *) q->limit->zone->strict_bound.data;
        lens[a + 3] = q->limit->zone->strict_bound.len;
    }

    sent->n = n;
    sent->slots = s;

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, ngx_cycle->log, 0,
                   "egov limit: %ui strict questions in %ui slots", n, s);

    rc = ngx_egov_redis_script_call(b->script, 0,
                                    ngx_http_egov_limit_strict_answers,
                                    sent, (int) s, (int) (5 * s), argv, lens);

    /* the command is formatted: the text is free for the next batch */

    b->used = 0;

    if (rc == NGX_OK) {
        return;
    }

    ngx_free(sent);

    ngx_http_egov_limit_strict_unsent(b, n);
}


/*
 * No memory: each request gets the Redis failure policy (a request woken
 * may ask again, into the batch: the waits are taken first)
 */

static void
ngx_http_egov_limit_strict_unsent(ngx_http_egov_strict_batch_t *b,
    ngx_uint_t n)
{
    ngx_uint_t                   i;
    ngx_http_egov_redis_wait_t  *wait[NGX_HTTP_EGOV_STRICT_BATCH];

    ngx_log_error(NGX_LOG_ERR, ngx_cycle->log, 0,
                  "egov limit: %ui strict questions could not be sent", n);

    for (i = 0; i < n; i++) {
        wait[i] = b->question[i].wait;
    }

    for (i = 0; i < n; i++) {
        ngx_http_egov_redis_wake(NGX_EGOV_REDIS_NOT_CONNECTED, NULL, wait[i]);
    }
}


/*
 * The batch's answer: each request gets a pair as if it had asked alone,
 * passed if it came among the first "passed" of its slot, else refused
 * with the slot's wait.
 */

static void
ngx_http_egov_limit_strict_answers(ngx_egov_redis_status_e status,
    redisReply *reply, void *data)
{
    ngx_http_egov_strict_sent_t *sent = data;

    long long                      passed;
    ngx_uint_t                     i, slot;
    redisReply                     one, pair[2], *elements[2];
    ngx_http_egov_strict_asker_t  *a;

    if (status == NGX_EGOV_REDIS_OK
        && !ngx_http_egov_limit_strict_valid(reply, sent))
    {
        status = NGX_EGOV_REDIS_ERROR_REPLY;
    }

    /* at most a line a second: a Redis that answers so answers every call */

    if (status == NGX_EGOV_REDIS_ERROR_REPLY && reply
        && reply->type != REDIS_REPLY_ERROR
        && ngx_http_egov_strict_invalid_logged != ngx_time())
    {
        ngx_http_egov_strict_invalid_logged = ngx_time();

        ngx_log_error(NGX_LOG_ERR, ngx_cycle->log, 0,
                      "egov limit: the strict script's answer is not "
                      "valid (%ui questions in %ui slots, %uz values): "
                      "on_redis_error decides", sent->n, sent->slots,
                      (size_t) (reply->type == REDIS_REPLY_ARRAY
                                ? reply->elements : 0));
    }

    ngx_memzero(&one, sizeof(redisReply));
    ngx_memzero(pair, sizeof(pair));

    one.type = REDIS_REPLY_ARRAY;
    one.elements = 2;
    one.element = elements;
    elements[0] = &pair[0];
    elements[1] = &pair[1];
    pair[0].type = REDIS_REPLY_INTEGER;
    pair[1].type = REDIS_REPLY_INTEGER;

    for (i = 0; i < sent->n; i++) {
        a = &sent->asker[i];

        if (status != NGX_EGOV_REDIS_OK) {
            ngx_http_egov_redis_wake(status, reply, a->wait);
            continue;
        }

        slot = a->slot;
        passed = reply->element[2 * slot]->integer;

        if ((long long) a->rank < passed) {
            pair[0].integer = 1;
            pair[1].integer = 0;

        } else {
            pair[0].integer = 0;
            pair[1].integer = reply->element[2 * slot + 1]->integer;
        }

        ngx_http_egov_redis_wake(status, &one, a->wait);
    }

    ngx_free(sent);
}


/* two integers per slot, no more passed than asked, no negative wait */

static ngx_uint_t
ngx_http_egov_limit_strict_valid(redisReply *reply,
    ngx_http_egov_strict_sent_t *sent)
{
    ngx_uint_t   i, slot, count;
    redisReply  *passed, *wait;

    if (reply->type != REDIS_REPLY_ARRAY
        || reply->elements != 2 * sent->slots)
    {
        return 0;
    }

    for (i = 0; i < sent->n; i++) {

        if (i + 1 < sent->n && sent->asker[i + 1].slot == sent->asker[i].slot) {
            continue;
        }

        slot = sent->asker[i].slot;
        count = sent->asker[i].rank + 1;
        passed = reply->element[2 * slot];
        wait = reply->element[2 * slot + 1];

        if (passed->type != REDIS_REPLY_INTEGER
            || wait->type != REDIS_REPLY_INTEGER
            || passed->integer < 0 || (ngx_uint_t) passed->integer > count
            || wait->integer < 0)
        {
            return 0;
        }
    }

    return 1;
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
        return ngx_http_egov_limit_local(r, limit, key, 0, wait);
    }
}

