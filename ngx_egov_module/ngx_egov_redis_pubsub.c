
/*
 * The pub/sub link: a subscribed hiredis context can do nothing else, so
 * it is a connection of its own.  Every worker listens to
 * <prefix>control, and to the channels features asked for.
 */


#include "ngx_egov_redis_int.h"


static void ngx_egov_redis_sub_handshake(ngx_egov_redis_link_t *link);
static void ngx_egov_redis_sub_ready(ngx_egov_redis_link_t *link);
static void ngx_egov_redis_sub_retry(ngx_egov_redis_link_t *link);
static void ngx_egov_redis_sub_down(ngx_egov_redis_link_t *link,
    ngx_egov_redis_link_state_e prev);
static void ngx_egov_redis_message(redisAsyncContext *ac, void *r,
    void *privdata);
static void ngx_egov_redis_control(ngx_str_t *channel, ngx_str_t *message,
    void *data);


ngx_int_t
ngx_egov_redis_pubsub_init(ngx_cycle_t *cycle, ngx_egov_redis_worker_t *w)
{
    u_char     *p;
    ngx_str_t   control = ngx_string("control");

    ngx_egov_redis_link_init(&w->sub, "redis pub/sub", w->log);
    w->sub.handshake = ngx_egov_redis_sub_handshake;
    w->sub.ready = ngx_egov_redis_sub_ready;
    w->sub.retry = ngx_egov_redis_sub_retry;
    w->sub.down = ngx_egov_redis_sub_down;
    w->sub.addr = &w->master;

    /* every worker listens to the fleet's control channel */

    w->control.channel.len = w->conf->prefix.len + control.len;
    w->control.channel.data = ngx_pnalloc(cycle->pool,
                                          w->control.channel.len);
    if (w->control.channel.data == NULL) {
        return NGX_ERROR;
    }

    p = ngx_cpymem(w->control.channel.data, w->conf->prefix.data,
                   w->conf->prefix.len);
    ngx_memcpy(p, control.data, control.len);

    w->control.handler = ngx_egov_redis_control;
    w->control.data = w;

    return NGX_OK;
}


static void
ngx_egov_redis_sub_handshake(ngx_egov_redis_link_t *link)
{
    redisAsyncContext        *ac;
    ngx_uint_t                i, j;
    ngx_egov_redis_sub_t     *sub;
    ngx_egov_redis_conf_t    *conf;
    ngx_egov_redis_worker_t  *w;

    w = ngx_egov_redis;
    ac = link->ac;
    conf = w->conf;

    /* regular replies come before any pub/sub message: these go first */

    ngx_egov_redis_auth(link, &conf->user, &conf->password);
    ngx_egov_redis_set_name(link);

    (void) redisAsyncCommand(ac, ngx_egov_redis_message, NULL,
                             "SUBSCRIBE %b", w->control.channel.data,
                             w->control.channel.len);

    link->subs_pending = 1;

    /* hiredis keeps one callback per channel: one SUBSCRIBE each, and
     * ngx_egov_redis_message() tells every feature that asked */

    sub = conf->subs.elts;

    for (i = 0; i < conf->subs.nelts; i++) {

        for (j = 0; j < i; j++) {
            if (sub[j].channel.len == sub[i].channel.len
                && ngx_strncmp(sub[j].channel.data, sub[i].channel.data,
                               sub[i].channel.len) == 0)
            {
                break;
            }
        }

        if (j < i || (sub[i].channel.len == w->control.channel.len
                      && ngx_strncmp(sub[i].channel.data,
                                     w->control.channel.data,
                                     sub[i].channel.len) == 0))
        {
            continue;
        }

        (void) redisAsyncCommand(ac, ngx_egov_redis_message, NULL,
                                 "SUBSCRIBE %b", sub[i].channel.data,
                                 sub[i].channel.len);
        link->subs_pending++;
    }
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
    redisReply               *reply = r;
    ngx_str_t                 channel, message;
    ngx_uint_t                i;
    redisReply               *type;
    ngx_egov_redis_sub_t     *sub;
    ngx_egov_redis_link_t    *link;
    ngx_egov_redis_worker_t  *w;

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

    w = ngx_egov_redis;

    if (channel.len == w->control.channel.len
        && ngx_strncmp(channel.data, w->control.channel.data, channel.len)
           == 0)
    {
        w->control.handler(&channel, &message, w->control.data);
    }

    sub = w->conf->subs.elts;

    for (i = 0; i < w->conf->subs.nelts; i++) {
        if (sub[i].channel.len == channel.len
            && ngx_strncmp(sub[i].channel.data, channel.data, channel.len)
               == 0)
        {
            sub[i].handler(&channel, &message, sub[i].data);
        }
    }
}


/*
 * "resync" on <prefix>control: features reload their state from Redis,
 * e.g. after an operator changed it there by hand.  With a fleet secret
 * a signed one is done at once; an unsigned one (redis-cli PUBLISH, or
 * anyone who can write to Redis) at most once per
 * NGX_EGOV_REDIS_RESYNC_EVERY per worker: a resync only re-reads signed
 * state, but unbounded it would make every server of the fleet read the
 * whole hash for each message.
 */

#define NGX_EGOV_REDIS_RESYNC_EVERY   10000

static void
ngx_egov_redis_control(ngx_str_t *channel, ngx_str_t *message, void *data)
{
    ngx_egov_redis_worker_t *w = data;

    ngx_str_t          text;
    static ngx_msec_t  last;
    static ngx_uint_t  unsigned_seen;

    text = *message;

    if (ngx_egov_redis_signed()
        && !(message->len == 6 && ngx_strncmp(message->data, "resync", 6) == 0))
    {
        if (ngx_egov_redis_verify("message", channel, NULL,
                                  NGX_EGOV_REDIS_REPLAY_WINDOW, message,
                                  &text)
            != NGX_OK)
        {
            return;
        }

    } else if (ngx_egov_redis_signed()) {

        if (unsigned_seen && ngx_current_msec - last
                             < NGX_EGOV_REDIS_RESYNC_EVERY)
        {
            ngx_log_error(NGX_LOG_INFO, w->log, 0,
                          "egov redis: an unsigned resync on \"%V\" "
                          "ignored: one per %M ms", channel,
                          (ngx_msec_t) NGX_EGOV_REDIS_RESYNC_EVERY);
            return;
        }

        unsigned_seen = 1;
        last = ngx_current_msec;
    }

    if (text.len == 6 && ngx_strncmp(text.data, "resync", 6) == 0) {
        ngx_log_error(NGX_LOG_NOTICE, w->log, 0,
                      "egov redis: resync requested on \"%V\"", channel);

        w->synced = 0;
        w->requested = 1;
        ngx_egov_redis_synced();
        w->requested = 0;
        return;
    }

    ngx_log_error(NGX_LOG_INFO, w->log, 0,
                  "egov redis: unknown message of %uz bytes on \"%V\" "
                  "ignored", message->len, channel);
}
