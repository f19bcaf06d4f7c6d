
/*
 * The fleet agrees on each period's anonymization key through Redis, so
 * that $egov_anon_addr (hash, prefix) is the same on every server: worker
 * 0 of each server asks for the keys of the current and the next period;
 * the first server to ask makes one (SET NX), the others get it.  A key
 * lives in Redis for two periods and a minute, then is gone: old logs
 * cannot be mapped back through Redis.  Without Redis, or until the
 * answer, each server uses its own key (docs/anonymized-logging.md).
 *
 * With a fleet secret (egov_redis secret=), a key is stored wrapped
 * (AES-256-GCM, the key's name bound to it): whoever reads Redis or a copy
 * of it learns nothing of it, and a key planted by someone without the
 * secret does not unwrap: the server keeps its own for that period and
 * asks no more.
 */


#include "ngx_http_egov_anon.h"
#include "ngx_egov_redis.h"

#include <openssl/rand.h>


#define NGX_HTTP_EGOV_ANON_FLEET_TICK  1000


static void ngx_http_egov_anon_fleet_tick(ngx_event_t *ev);
static void ngx_http_egov_anon_fleet_ask(time_t period);
static void ngx_http_egov_anon_fleet_reply(ngx_egov_redis_status_e status,
    redisReply *reply, void *data);
static void ngx_http_egov_anon_fleet_connected(void *data);
static size_t ngx_http_egov_anon_fleet_name_of(time_t period, u_char *name,
    size_t size);


static ngx_str_t  ngx_http_egov_anon_fleet_lua = ngx_string(
    "redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) "
    "return redis.call('GET', KEYS[1])");

static ngx_str_t  ngx_http_egov_anon_fleet_name = ngx_string("anon:key:");

static ngx_event_t       ngx_http_egov_anon_fleet_timer;
static ngx_connection_t  ngx_http_egov_anon_fleet_conn;

/* periods whose key in Redis was refused: this server keeps its own */
static time_t            ngx_http_egov_anon_fleet_refused[2] = { -1, -1 };


ngx_int_t
ngx_http_egov_anon_fleet_init(ngx_conf_t *cf)
{
    ngx_http_egov_anon_main_conf_t  *amcf;

    amcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_egov_anon_module);

    if (!ngx_egov_redis_enabled(cf)) {
        return NGX_OK;
    }

    if (ngx_egov_redis_conf_key(cf, &ngx_http_egov_anon_fleet_name,
                                &amcf->redis_key)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    amcf->script = ngx_egov_redis_script_add(cf,
                                             &ngx_http_egov_anon_fleet_lua);
    if (amcf->script == NULL) {
        return NGX_ERROR;
    }

    return ngx_egov_redis_on_connected(cf, ngx_http_egov_anon_fleet_connected,
                                       NULL);
}


ngx_int_t
ngx_http_egov_anon_fleet_start(ngx_cycle_t *cycle)
{
    ngx_http_egov_anon_main_conf_t  *amcf;

    amcf = ngx_http_cycle_get_module_main_conf(cycle,
                                               ngx_http_egov_anon_module);

    if (amcf == NULL || amcf->script == NULL || ngx_worker != 0) {
        return NGX_OK;
    }

    /* nginx's timer debug lines read ev->data as a connection */
    ngx_http_egov_anon_fleet_conn.fd = (ngx_socket_t) -1;

    ngx_memzero(&ngx_http_egov_anon_fleet_timer, sizeof(ngx_event_t));
    ngx_http_egov_anon_fleet_timer.handler = ngx_http_egov_anon_fleet_tick;
    ngx_http_egov_anon_fleet_timer.data = &ngx_http_egov_anon_fleet_conn;
    ngx_http_egov_anon_fleet_timer.log = cycle->log;
    ngx_http_egov_anon_fleet_timer.cancelable = 1;

    ngx_add_timer(&ngx_http_egov_anon_fleet_timer,
                  NGX_HTTP_EGOV_ANON_FLEET_TICK);

    return NGX_OK;
}


static void
ngx_http_egov_anon_fleet_connected(void *data)
{
    if (ngx_worker == 0) {
        ngx_http_egov_anon_fleet_tick(NULL);
    }
}


/* the keys of this period and the next, when missing */

static void
ngx_http_egov_anon_fleet_tick(ngx_event_t *ev)
{
    time_t  period;

    if (ngx_exiting) {
        return;
    }

    if (ngx_egov_redis_ready()) {
        period = ngx_http_egov_anon_period(ngx_time());

        if (!ngx_http_egov_anon_has_period_key(period)
            && period != ngx_http_egov_anon_fleet_refused[period % 2])
        {
            ngx_http_egov_anon_fleet_ask(period);
        }

        if (!ngx_http_egov_anon_has_period_key(period + 1)
            && period + 1 != ngx_http_egov_anon_fleet_refused[(period + 1) % 2])
        {
            ngx_http_egov_anon_fleet_ask(period + 1);
        }
    }

    if (ev) {
        ngx_add_timer(ev, NGX_HTTP_EGOV_ANON_FLEET_TICK);
    }
}


static void
ngx_http_egov_anon_fleet_ask(time_t period)
{
    size_t                           lens[3];
    ngx_str_t                        where;
    const char                      *argv[3];
    ngx_http_egov_anon_main_conf_t  *amcf;
    u_char                           key[NGX_HTTP_EGOV_ANON_KEY_LEN];
    u_char                           value[NGX_EGOV_FLEET_AUTH_WRAPPED_LEN(
                                               NGX_HTTP_EGOV_ANON_KEY_LEN)];
    u_char                           name[256], ttl[NGX_INT64_LEN];

    amcf = ngx_http_cycle_get_module_main_conf(ngx_cycle,
                                               ngx_http_egov_anon_module);

    where.data = name;
    where.len = ngx_http_egov_anon_fleet_name_of(period, name, sizeof(name));

    if (where.len == 0 || RAND_bytes(key, sizeof(key)) != 1) {
        return;
    }

    argv[0] = (const char *) name;
    lens[0] = where.len;
    argv[1] = (const char *) value;

    if (ngx_egov_redis_signed()) {
        lens[1] = ngx_egov_redis_wrap(&where, key, sizeof(key), value,
                                      sizeof(value));
        if (lens[1] == 0) {
            ngx_explicit_memzero(key, sizeof(key));
            return;
        }

    } else {
        lens[1] = ngx_hex_dump(value, key, sizeof(key)) - value;
    }

    ngx_explicit_memzero(key, sizeof(key));

    argv[2] = (const char *) ttl;
    lens[2] = ngx_sprintf(ttl, "%T", (2 * amcf->rotation + 60) * 1000) - ttl;

    (void) ngx_egov_redis_script_call(amcf->script, 0,
                                      ngx_http_egov_anon_fleet_reply,
                                      (void *) (uintptr_t) period, 1, 3,
                                      argv, lens);
}


static void
ngx_http_egov_anon_fleet_reply(ngx_egov_redis_status_e status,
    redisReply *reply, void *data)
{
    time_t      period;
    ngx_int_t   n;
    ngx_str_t   where, value;
    ngx_uint_t  i;
    u_char      key[NGX_HTTP_EGOV_ANON_KEY_LEN], name[256];

    period = (time_t) (uintptr_t) data;

    if (status != NGX_EGOV_REDIS_OK || reply->type != REDIS_REPLY_STRING) {
        /* asked again at the next tick */
        return;
    }

    if (ngx_egov_redis_signed()) {
        where.data = name;
        where.len = ngx_http_egov_anon_fleet_name_of(period, name,
                                                     sizeof(name));
        value.data = (u_char *) reply->str;
        value.len = reply->len;

        if (where.len == 0
            || ngx_egov_redis_unwrap(&where, &value, key, sizeof(key))
               != NGX_OK)
        {
            ngx_http_egov_anon_fleet_refused[period % 2] = period;
            ngx_log_error(NGX_LOG_WARN, ngx_cycle->log, 0,
                          "egov anon: the key of period %T in Redis was not "
                          "made with the fleet secret: this server keeps "
                          "its own for that period", period);
            return;
        }

        goto done;
    }

    if (reply->len != 2 * NGX_HTTP_EGOV_ANON_KEY_LEN) {
        return;
    }

    for (i = 0; i < NGX_HTTP_EGOV_ANON_KEY_LEN; i++) {
        n = ngx_hextoi((u_char *) reply->str + 2 * i, 2);
        if (n == NGX_ERROR) {
            ngx_log_error(NGX_LOG_WARN, ngx_cycle->log, 0,
                          "egov anon: a malformed period key in Redis "
                          "ignored");
            return;
        }

        key[i] = (u_char) n;
    }

done:

    ngx_http_egov_anon_set_period_key(period, key);
    ngx_explicit_memzero(key, sizeof(key));

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, ngx_cycle->log, 0,
                   "egov anon: the fleet's key of period %T", period);
}


/* PREFIX "anon:key:" PERIOD; 0 when too long */

static size_t
ngx_http_egov_anon_fleet_name_of(time_t period, u_char *name, size_t size)
{
    ngx_http_egov_anon_main_conf_t  *amcf;

    amcf = ngx_http_cycle_get_module_main_conf(ngx_cycle,
                                               ngx_http_egov_anon_module);

    if (amcf->redis_key.len > size - NGX_INT64_LEN) {
        return 0;
    }

    return ngx_sprintf(ngx_cpymem(name, amcf->redis_key.data,
                                  amcf->redis_key.len), "%T", period)
           - name;
}
