
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
 * A key over the limit for the whole fleet by more than a sync (every
 * location using the zone would refuse it) is also published on PREFIX
 * "lim:over" as "ZONE KEY AHEAD" (the key in hex, AHEAD microseconds until
 * its TAT, less a sync): every server holds the key back as long and
 * refuses the flood at once, instead of at its own next sync.  The mark
 * expires as the TAT does.  A key is told again only when its TAT moved by
 * more than a sync since.
 *
 * sync=strict is in ngx_http_egov_limit_strict.c.
 */


#include "ngx_http_egov_limit.h"
#include "ngx_egov_redis.h"


#define NGX_HTTP_EGOV_FLEET_BATCH    4096      /* keys per zone and sync */
#define NGX_HTTP_EGOV_FLEET_TTL      60000     /* ms a silent key is kept */
/*
 * What the other servers can have accepted in a sync: each at most its
 * burst and a sync's worth of the rate, for up to this many servers.
 * Redis's count is believed no further: someone who can write it (INCRBY)
 * would otherwise hold a key back for days and feed the escalator.
 */
#define NGX_HTTP_EGOV_FLEET_SERVERS_MAX  64
#define NGX_HTTP_EGOV_OVER_MAX_KEY   256       /* longer keys: not told */
#define NGX_HTTP_EGOV_OVER_MAX_AHEAD (3600 * 1000000ULL)  /* an hour, us */


typedef struct {
    ngx_http_egov_limit_zone_t *zone;
    ngx_event_t                 event;
} ngx_http_egov_limit_sync_t;


typedef struct {
    ngx_http_egov_limit_zone_t *zone;
    uint32_t                    hash;
    uint32_t                    count;
    ngx_str_t                   key;
} ngx_http_egov_limit_sent_t;


static void ngx_http_egov_limit_sync_handler(ngx_event_t *ev);
static ngx_int_t ngx_http_egov_limit_sync_zone(
    ngx_http_egov_limit_zone_t *zone);
static void ngx_http_egov_limit_send(ngx_http_egov_limit_sent_t *sent);
static void ngx_http_egov_limit_total(ngx_egov_redis_status_e status,
    redisReply *reply, void *data);
static void ngx_http_egov_limit_over_publish(ngx_http_egov_limit_zone_t *zone,
    ngx_str_t *key, uint64_t ahead);
static void ngx_http_egov_limit_over_message(ngx_str_t *channel,
    ngx_str_t *message, void *data);


static ngx_str_t  ngx_http_egov_limit_over_name = ngx_string("lim:over");


/* postconfiguration: scope=fleet needs egov_redis */

ngx_int_t
ngx_http_egov_limit_fleet_init(ngx_conf_t *cf, ngx_array_t *zones)
{
    u_char                             *p;
    ngx_str_t                           name, *channel;
    ngx_uint_t                          i;
    ngx_http_egov_limit_zone_t        **zone;
    ngx_http_egov_protect_main_conf_t  *pmcf;

    zone = zones->elts;

    /* in the cycle's conf, not a global: a reload that fails frees it */

    pmcf = ngx_http_conf_get_module_main_conf(cf,
                                              ngx_http_egov_protect_module);
    channel = &pmcf->over_channel;

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
            zone[i]->script = ngx_http_egov_limit_strict_script(cf,
                                                                zone[i]);
            if (zone[i]->script == NULL) {
                return NGX_ERROR;
            }

            continue;
        }

        if (channel->len == 0
            && (ngx_egov_redis_conf_key(cf, &ngx_http_egov_limit_over_name,
                                        channel)
                != NGX_OK
                || ngx_egov_redis_subscribe(cf,
                                            &ngx_http_egov_limit_over_name,
                                            ngx_http_egov_limit_over_message,
                                            zones)
                   != NGX_OK))
        {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
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

    uint64_t                     total, others, now, ahead, slack;
    ngx_http_egov_limit_zone_t  *zone;
    ngx_http_egov_limit_node_t  *node;

    zone = sent->zone;
    ahead = 0;

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
            others = ngx_min(others,
                             NGX_HTTP_EGOV_FLEET_SERVERS_MAX
                             * (zone->max_burst + 2
                                + (uint64_t) zone->sync * 1000
                                  / zone->interval));
        }

        node->fleet_total = total;
        node->synced = 1;

        now = (uint64_t) ngx_current_msec * 1000;

        if (others) {
            node->tat = ngx_max(node->tat, now) + others * zone->interval;
        }

        /*
         * Over for the whole fleet, and by more than a sync: told, unless
         * told about as much.  The others' requests are folded in as if
         * they came now, which may put the TAT up to a sync too late: the
         * mark is a sync earlier, so that it never holds back more than
         * the fleet's true state would (a flood held at the rate is not
         * marked, a flood far over it is).
         */

        slack = zone->sync * 1000;

        if (node->tat > now + zone->max_burst * zone->interval + slack
            && node->tat > node->over_sent + slack)
        {
            node->over_sent = node->tat;

            /* more than an hour ahead is refused where it is read */
            ahead = ngx_min(node->tat - now - slack,
                            NGX_HTTP_EGOV_OVER_MAX_AHEAD);
        }
    }

    ngx_shmtx_unlock(&zone->shpool->mutex);

    if (others) {
        ngx_http_egov_stat_add(NGX_EGOV_STAT_FLEET_LIMIT_OTHERS, others);
    }

    if (ahead) {
        ngx_http_egov_limit_over_publish(zone, &sent->key, ahead);
    }

    ngx_free(sent);
}


static void
ngx_http_egov_limit_over_publish(ngx_http_egov_limit_zone_t *zone,
    ngx_str_t *key, uint64_t ahead)
{
    u_char                             *msg, *p, *out;
    size_t                              lens[3], len;
    const char                         *argv[3];
    ngx_http_egov_protect_main_conf_t  *pmcf;

    pmcf = ngx_http_cycle_get_module_main_conf(ngx_cycle,
                                               ngx_http_egov_protect_module);

    if (key->len > NGX_HTTP_EGOV_OVER_MAX_KEY
        || pmcf == NULL || pmcf->over_channel.len == 0)
    {
        return;
    }

    len = zone->name.len + 2 * key->len + NGX_INT64_LEN + 2;

    msg = ngx_alloc(2 * len + NGX_EGOV_FLEET_AUTH_HEADER_MAX,
                    ngx_cycle->log);
    if (msg == NULL) {
        return;
    }

    p = ngx_cpymem(msg, zone->name.data, zone->name.len);
    *p++ = ' ';
    p = ngx_hex_dump(p, key->data, key->len);
    p = ngx_sprintf(p, " %uL", ahead);

    /* signed after it, with a fleet secret */
    out = msg + len;

    argv[0] = "PUBLISH";
    lens[0] = sizeof("PUBLISH") - 1;
    argv[1] = (const char *) pmcf->over_channel.data;
    lens[1] = pmcf->over_channel.len;
    argv[2] = (const char *) out;
    lens[2] = ngx_egov_redis_sign("message", &pmcf->over_channel, NULL, msg,
                                  p - msg, out,
                                  len + NGX_EGOV_FLEET_AUTH_HEADER_MAX);

    if (lens[2]
        && ngx_egov_redis_command_argv(0, NULL, NULL, 3, argv, lens)
           == NGX_OK)
    {
        ngx_http_egov_stat_inc(NGX_EGOV_STAT_FLEET_LIMIT_OVER_SENT);
    }

    ngx_free(msg);
}


/* "ZONE KEY AHEAD" from a server of the fleet: worker 0 applies it */

static void
ngx_http_egov_limit_over_message(ngx_str_t *channel, ngx_str_t *message,
    void *data)
{
    ngx_array_t *zones = data;

    u_char                       *p, *last, *name, *hex, c, hi, lo;
    size_t                        name_len, hex_len, i;
    uint64_t                      ahead;
    ngx_str_t                     key, text;
    ngx_uint_t                    z;
    ngx_http_egov_limit_zone_t  **zone, *found;
    u_char                        buf[NGX_HTTP_EGOV_OVER_MAX_KEY];

    if (ngx_worker != 0) {
        return;
    }

    if (ngx_egov_redis_verify("message", channel, NULL,
                              NGX_EGOV_REDIS_REPLAY_WINDOW, message, &text)
        != NGX_OK)
    {
        return;
    }

    p = text.data;
    last = p + text.len;

    name = p;

    for ( /* void */ ; p < last && *p != ' '; p++) { /* void */ }

    name_len = p - name;

    if (p == last) {
        goto bad;
    }

    hex = ++p;

    for ( /* void */ ; p < last && *p != ' '; p++) { /* void */ }

    hex_len = p - hex;

    if (p == last || hex_len == 0 || hex_len % 2
        || hex_len > 2 * NGX_HTTP_EGOV_OVER_MAX_KEY)
    {
        goto bad;
    }

    /* AHEAD: digits, at most an hour */

    ahead = 0;

    for (p++; p < last; p++) {
        if (*p < '0' || *p > '9'
            || ahead > (NGX_HTTP_EGOV_OVER_MAX_AHEAD - (*p - '0')) / 10)
        {
            goto bad;
        }

        ahead = ahead * 10 + (*p - '0');
    }

    if (ahead == 0) {
        goto bad;
    }

    for (i = 0; i < hex_len; i += 2) {
        c = hex[i] | 0x20;
        hi = (c >= '0' && c <= '9') ? c - '0'
             : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : 0xff;
        c = hex[i + 1] | 0x20;
        lo = (c >= '0' && c <= '9') ? c - '0'
             : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : 0xff;

        if (hi == 0xff || lo == 0xff) {
            goto bad;
        }

        buf[i / 2] = (u_char) (hi << 4 | lo);
    }

    key.data = buf;
    key.len = hex_len / 2;

    /* a zone this server does not have as a synced fleet zone: not ours */

    found = NULL;
    zone = zones->elts;

    for (z = 0; z < zones->nelts; z++) {
        if (zone[z]->fleet && !zone[z]->strict
            && zone[z]->name.len == name_len
            && ngx_strncmp(zone[z]->name.data, name, name_len) == 0)
        {
            found = zone[z];
            break;
        }
    }

    if (found == NULL) {
        return;
    }

    if (ngx_http_egov_limit_raise(ngx_cycle->log, found, &key,
                                  (uint64_t) ngx_current_msec * 1000 + ahead)
        == NGX_OK)
    {
        ngx_http_egov_stat_inc(NGX_EGOV_STAT_FLEET_LIMIT_OVER_APPLIED);
    }

    return;

bad:

    ngx_http_egov_fleet_malformed(channel, message);
}
