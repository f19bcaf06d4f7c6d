
/*
 * egov_redis_sentinel: a sentinel says where the master is (SENTINEL
 * get-master-addr-by-name), and the same connection, subscribed to
 * +switch-master, says where it moves.  A subscribed context cannot ask
 * again: asking again means a new connection.  The sentinels are tried
 * in turn; their answers must be numeric addresses (a name would make
 * hiredis resolve it, and block).
 */


#include "ngx_egov_redis_int.h"


static void ngx_egov_redis_sentinel_handshake(ngx_egov_redis_link_t *link);
static void ngx_egov_redis_sentinel_ready(ngx_egov_redis_link_t *link);
static void ngx_egov_redis_sentinel_retry(ngx_egov_redis_link_t *link);
static void ngx_egov_redis_sentinel_down(ngx_egov_redis_link_t *link,
    ngx_egov_redis_link_state_e prev);
static void ngx_egov_redis_switch_message(redisAsyncContext *ac, void *r,
    void *privdata);
static ngx_int_t ngx_egov_redis_set_master(u_char *host, size_t len,
    int port);


void
ngx_egov_redis_sentinel_init(ngx_egov_redis_worker_t *w)
{
    ngx_egov_redis_link_init(&w->sentinel, "redis sentinel", w->log);
    w->sentinel.handshake = ngx_egov_redis_sentinel_handshake;
    w->sentinel.ready = ngx_egov_redis_sentinel_ready;
    w->sentinel.retry = ngx_egov_redis_sentinel_retry;
    w->sentinel.down = ngx_egov_redis_sentinel_down;
}


void
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

    ngx_egov_redis_auth(link, NULL, &conf->sentinel_password);

    (void) redisAsyncCommand(ac, ngx_egov_redis_handshake_reply,
                             ngx_egov_redis_step(MASTER),
                             "SENTINEL get-master-addr-by-name %b",
                             conf->master_name.data, conf->master_name.len);

    (void) redisAsyncCommand(ac, ngx_egov_redis_switch_message, link,
                             "SUBSCRIBE +switch-master");
}


void
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

    /* commands in flight on the old master fail (NOT_CONNECTED); new ones
     * wait for the new master, within their timeouts */

    if (w->state == NGX_EGOV_REDIS_STATE_UP) {
        w->state = NGX_EGOV_REDIS_STATE_CONNECTING;
        w->since = ngx_time();
        w->synced = 0;
    }

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
