
/*
 * The fleet module: bans and dynamic block-list entries shared by the
 * servers of a fleet (this file), and the start of fleet-wide rate limits
 * (ngx_http_egov_limit_fleet.c).
 *
 * Redis holds them in one hash, PREFIX "entries": the field is the prefix
 * ("192.0.2.1/32"), the value "KIND CREATED EXPIRES BANS REASON" (times in
 * epoch milliseconds, EXPIRES 0 for never).  A change made on a server (the
 * escalator, the admin API) is written there and published on the channel
 * of the same name as "+ FIELD VALUE" or "- FIELD KIND"; every server
 * applies the messages to its own ban zone, so requests read local shared
 * memory only and never wait for Redis.
 *
 * Worker 0 of each server reconciles after every (re)connection and every
 * minute: what Redis holds is applied, entries made here while Redis was
 * away or that it refused to store are written, and expired fields are
 * deleted.  Pub/sub gives at most once delivery; the reconciliation bounds
 * what a lost message costs.
 *
 * A removal must reach a server that missed its message too.  Without a
 * fleet secret, a fleet entry Redis no longer holds is removed.  With one,
 * absence proves nothing (anyone who can write to Redis can HDEL or DEL):
 * a removal leaves a signed mark in the field instead ("- KIND REMOVED
 * EXPIRES", kept until the entry would have expired, or
 * NGX_HTTP_EGOV_FLEET_MARK for a permanent one), and only such a mark
 * removes an entry; an entry merely absent stays until it expires here.
 */


#include "ngx_http_egov_fleet.h"
#include "ngx_egov_fleet_msg.h"
#include "ngx_egov_redis.h"


#define NGX_HTTP_EGOV_FLEET_TICK        1000
#define NGX_HTTP_EGOV_FLEET_RESYNC      60      /* ticks */

/* how long a removal's mark outlives a permanent entry's removal (ms) */
#define NGX_HTTP_EGOV_FLEET_MARK        (7 * 86400 * 1000ULL)

/* "+ FIELD KIND CREATED EXPIRES BANS REASON" */
#define NGX_HTTP_EGOV_FLEET_VALUE_LEN                                        \
    (4 * (NGX_INT64_LEN + 1) + NGX_HTTP_EGOV_REASON_LEN)
#define NGX_HTTP_EGOV_FLEET_MSG_LEN                                          \
    (2 + NGX_EGOV_CIDR_TEXT_LEN + 1 + NGX_HTTP_EGOV_FLEET_VALUE_LEN)
#define NGX_HTTP_EGOV_FLEET_SIGNED_LEN                                       \
    (NGX_EGOV_FLEET_AUTH_HEADER_MAX + NGX_HTTP_EGOV_FLEET_MSG_LEN)




typedef struct {
    ngx_http_egov_entry_t      *entry;
    ngx_uint_t                  seen;        /* Redis holds it too */
} ngx_http_egov_fleet_local_t;


/* a write to the hash, until Redis answers it */
typedef struct {
    ngx_egov_cidr_t             cidr;
    ngx_uint_t                  kind;
    ngx_uint_t                  added;
    ngx_uint_t                  origin;      /* the change's */
    ngx_uint_t                  by_operator;
    uint64_t                    time;        /* the entry's creation, or
                                                the removal's time */
    uint64_t                    seq;         /* its record until then */
} ngx_http_egov_fleet_store_t;


static void *ngx_http_egov_fleet_create_main_conf(ngx_conf_t *cf);
static ngx_int_t ngx_http_egov_fleet_postconfiguration(ngx_conf_t *cf);
static ngx_int_t ngx_http_egov_fleet_init_process(ngx_cycle_t *cycle);
static void ngx_http_egov_fleet_observe(ngx_http_egov_entry_event_e event,
    ngx_http_egov_entry_t *e);
static void ngx_http_egov_fleet_publish(ngx_http_egov_fleet_main_conf_t *fmcf,
    ngx_http_egov_entry_t *e, ngx_uint_t added);
static void ngx_http_egov_fleet_store(int argc, const char **argv,
    const size_t *lens, ngx_http_egov_entry_t *e, ngx_uint_t added);
static void ngx_http_egov_fleet_stored(ngx_egov_redis_status_e status,
    redisReply *reply, void *data);
static void ngx_http_egov_fleet_unset(ngx_http_egov_fleet_main_conf_t *fmcf,
    redisReply *field, redisReply *value);
static void ngx_http_egov_fleet_message(ngx_str_t *channel,
    ngx_str_t *message, void *data);
static void ngx_http_egov_fleet_connected(void *data);
static void ngx_http_egov_fleet_tick(ngx_event_t *ev);
static void ngx_http_egov_fleet_resync(ngx_http_egov_fleet_main_conf_t *fmcf);
static void ngx_http_egov_fleet_resync_reply(ngx_egov_redis_status_e status,
    redisReply *reply, void *data);
static void ngx_http_egov_fleet_reconcile(
    ngx_http_egov_fleet_main_conf_t *fmcf, redisReply *reply,
    ngx_pool_t *pool);
static ngx_http_egov_fleet_local_t *ngx_http_egov_fleet_find(
    ngx_http_egov_fleet_local_t *local, ngx_uint_t n, ngx_egov_cidr_t *cidr);
static int ngx_libc_cdecl ngx_http_egov_fleet_cmp(const void *one,
    const void *two);
static void ngx_http_egov_fleet_entry(ngx_egov_fleet_msg_t *m,
    ngx_http_egov_entry_t *e);
static u_char *ngx_http_egov_fleet_value(u_char *p, ngx_http_egov_entry_t *e);
static ngx_http_egov_fleet_main_conf_t *ngx_http_egov_fleet_conf(void);


static ngx_http_module_t  ngx_http_egov_fleet_module_ctx = {
    NULL,                                  /* preconfiguration */
    ngx_http_egov_fleet_postconfiguration, /* postconfiguration */

    ngx_http_egov_fleet_create_main_conf,  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    NULL,                                  /* create location configuration */
    NULL                                   /* merge location configuration */
};


ngx_module_t  ngx_http_egov_fleet_module = {
    NGX_MODULE_V1,
    &ngx_http_egov_fleet_module_ctx,       /* module context */
    NULL,                                  /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    ngx_http_egov_fleet_init_process,      /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_str_t  ngx_http_egov_fleet_name = ngx_string("entries");

/*
 * A field the reconciliation read as expired, or as an entry removed here,
 * is deleted only if it still holds what was read: a server may have
 * written the prefix again meanwhile (an escalated ban made as the last
 * one ended), and a plain HDEL would delete that one from the fleet.
 */
static ngx_str_t  ngx_http_egov_fleet_unset_lua = ngx_string(
    "if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then "
    "return redis.call('HDEL', KEYS[1], ARGV[1]) end return 0");

/*
 * nginx's timer debug lines read ev->data as a connection: timers of ours
 * point at this one, whose fd says "none"
 */
ngx_connection_t    ngx_http_egov_fleet_timer_conn;

static ngx_event_t  ngx_http_egov_fleet_timer;
static ngx_http_egov_fleet_main_conf_t  *ngx_http_egov_fleet_mcf;
static ngx_uint_t   ngx_http_egov_fleet_ticks;
static ngx_uint_t   ngx_http_egov_fleet_busy;
static ngx_uint_t   ngx_http_egov_fleet_again;   /* asked while busy */

/*
 * The read a connection asks for, at most one a tick: a Redis that kills
 * the links again and again (CLIENT KILL) made worker 0 read and
 * reconcile the whole hash as often; one asked for sooner waits for the
 * tick
 */
static ngx_msec_t   ngx_http_egov_fleet_connected_read;
static ngx_uint_t   ngx_http_egov_fleet_connected_pending;

/*
 * Entries added from messages, and their count when the last resync's read
 * was sent: a read's reply may be handled after a message Redis sent later
 * (two connections), so its snapshot can lack what that message added
 */
static ngx_uint_t   ngx_http_egov_fleet_heard;
static ngx_uint_t   ngx_http_egov_fleet_heard_at_read;
static ngx_uint_t   ngx_http_egov_fleet_deferred;

/*
 * Which entries made here Redis lacks because it was never told: every
 * change Redis was not told of is remembered (the "egov_fleet" zone), and
 * until this server has reconciled once with this Redis and key (the zone
 * outlives a reload and says which: ngx_egov_redis_identity), every entry
 * made here counts.  A time
 * cannot say it: a command connection back before the subscription, or
 * one worker's connection away while worker 0's is not, left entries out.
 */
static ngx_uint_t   ngx_http_egov_fleet_reconciled;
static ngx_uint_t   ngx_http_egov_fleet_reconciling;
static ngx_uint_t   ngx_http_egov_fleet_absent;

/*
 * The last read was put off: another worker's change to the ban zone was
 * being recorded (its record follows the zone's write by microseconds)
 */
static ngx_uint_t   ngx_http_egov_fleet_unsettled;


static void *
ngx_http_egov_fleet_create_main_conf(ngx_conf_t *cf)
{
    return ngx_pcalloc(cf->pool, sizeof(ngx_http_egov_fleet_main_conf_t));
}


/* shared only when the server has both a ban zone and Redis */

static ngx_int_t
ngx_http_egov_fleet_postconfiguration(ngx_conf_t *cf)
{
    ngx_http_egov_fleet_main_conf_t    *fmcf;
    ngx_http_egov_protect_main_conf_t  *pmcf;

    fmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_egov_fleet_module);
    pmcf = ngx_http_conf_get_module_main_conf(cf,
                                              ngx_http_egov_protect_module);

    if (ngx_http_egov_limit_fleet_init(cf, &pmcf->zones) != NGX_OK) {
        return NGX_ERROR;
    }

    if (pmcf->ban_zone == NULL || !ngx_egov_redis_enabled(cf)) {
        return NGX_OK;
    }

    if (ngx_egov_redis_conf_key(cf, &ngx_http_egov_fleet_name, &fmcf->key)
        != NGX_OK
        || ngx_egov_redis_subscribe(cf, &ngx_http_egov_fleet_name,
                                    ngx_http_egov_fleet_message, fmcf)
           != NGX_OK
        || ngx_egov_redis_on_connected(cf, ngx_http_egov_fleet_connected,
                                       fmcf)
           != NGX_OK
        || ngx_http_egov_fleet_removals_init(cf) != NGX_OK)
    {
        return NGX_ERROR;
    }

    fmcf->unset = ngx_egov_redis_script_add(cf,
                                            &ngx_http_egov_fleet_unset_lua);
    if (fmcf->unset == NULL) {
        return NGX_ERROR;
    }

    fmcf->enabled = 1;

    return NGX_OK;
}


static ngx_int_t
ngx_http_egov_fleet_init_process(ngx_cycle_t *cycle)
{
    ngx_http_egov_fleet_main_conf_t    *fmcf;
    ngx_http_egov_protect_main_conf_t  *pmcf;

    ngx_http_egov_fleet_timer_conn.fd = (ngx_socket_t) -1;

    pmcf = ngx_http_cycle_get_module_main_conf(cycle,
                                               ngx_http_egov_protect_module);

    if (pmcf && ngx_http_egov_limit_fleet_start(cycle, &pmcf->zones)
                != NGX_OK)
    {
        return NGX_ERROR;
    }

    fmcf = ngx_http_egov_fleet_conf();

    if (fmcf == NULL || !fmcf->enabled) {
        ngx_http_egov_entry_set_observer(NULL);
        return NGX_OK;
    }

    ngx_http_egov_entry_set_observer(ngx_http_egov_fleet_observe);

    if (ngx_worker != 0) {
        return NGX_OK;
    }

    ngx_http_egov_fleet_reconciled = 0;
    ngx_http_egov_fleet_ticks = 0;
    ngx_http_egov_fleet_busy = 0;
    ngx_http_egov_fleet_again = 0;
    ngx_http_egov_fleet_deferred = 0;

    ngx_memzero(&ngx_http_egov_fleet_timer, sizeof(ngx_event_t));
    ngx_http_egov_fleet_mcf = fmcf;

    ngx_http_egov_fleet_timer.handler = ngx_http_egov_fleet_tick;
    ngx_http_egov_fleet_timer.data = &ngx_http_egov_fleet_timer_conn;
    ngx_http_egov_fleet_timer.log = cycle->log;
    ngx_http_egov_fleet_timer.cancelable = 1;

    ngx_add_timer(&ngx_http_egov_fleet_timer, NGX_HTTP_EGOV_FLEET_TICK);

    return NGX_OK;
}


/* a change made on this server, in any worker: tell the fleet */

static void
ngx_http_egov_fleet_observe(ngx_http_egov_entry_event_e event,
    ngx_http_egov_entry_t *e)
{
    ngx_http_egov_fleet_main_conf_t  *fmcf;

    fmcf = ngx_http_egov_fleet_conf();

    if (fmcf == NULL || !fmcf->enabled) {
        return;
    }

    /* kept, so that an older signed value put back is not applied again */

    if (event == NGX_HTTP_EGOV_ENTRY_REMOVED && ngx_egov_redis_signed()) {
        ngx_http_egov_fleet_removal_keep(e);
    }

    if (e->origin == NGX_HTTP_EGOV_ORIGIN_FLEET) {
        /* learnt from the fleet: not told back */
        return;
    }

    /*
     * while Redis is away, the change is remembered, and the
     * reconciliation makes it later
     */

    if (!ngx_egov_redis_ready()) {

        /*
         * an entry made is remembered too: this worker's connection may
         * be away while worker 0's, which reconciles, is not
         */

        if (event == NGX_HTTP_EGOV_ENTRY_ADDED) {
            (void) ngx_http_egov_fleet_removal_record(e, 1, e->created);
            return;
        }

        (void) ngx_http_egov_fleet_removal_record(e, 0,
                                                  ngx_http_egov_now_ms());

        ngx_log_error(NGX_LOG_NOTICE, ngx_cycle->log, 0,
                      "egov fleet: an entry removed while Redis is away; "
                      "the fleet is told when Redis is back");
        return;
    }

    ngx_http_egov_fleet_publish(fmcf, e, event == NGX_HTTP_EGOV_ENTRY_ADDED);
}


/*
 * "+ FIELD VALUE" or "- FIELD KIND" on the channel, the value in the hash;
 * with a fleet secret, each signed for where it goes
 */

static void
ngx_http_egov_fleet_publish(ngx_http_egov_fleet_main_conf_t *fmcf,
    ngx_http_egov_entry_t *e, ngx_uint_t added)
{
    u_char       *p, *mark;
    size_t        lens[4];
    uint64_t      now;
    ngx_str_t     field;
    const char   *argv[4];
    u_char        msg[NGX_HTTP_EGOV_FLEET_MSG_LEN];
    u_char        value[NGX_HTTP_EGOV_FLEET_VALUE_LEN];
    u_char        out[NGX_HTTP_EGOV_FLEET_SIGNED_LEN];

    p = ngx_cpymem(msg, added ? "+ " : "- ", 2);
    p += ngx_egov_cidr_format(&e->cidr, p, NGX_EGOV_CIDR_TEXT_LEN + 1);

    field.data = msg + 2;
    field.len = p - msg - 2;

    argv[1] = (const char *) fmcf->key.data;
    lens[1] = fmcf->key.len;
    argv[2] = (const char *) field.data;
    lens[2] = field.len;

    *p++ = ' ';

    if (added) {
        p = ngx_http_egov_fleet_value(p, e);

        argv[0] = "HSET";
        lens[0] = sizeof("HSET") - 1;
        argv[3] = (const char *) out;
        lens[3] = ngx_egov_redis_sign("entry", &fmcf->key, &field,
                                      field.data + field.len + 1,
                                      p - field.data - field.len - 1,
                                      out, sizeof(out));

        if (lens[3] == 0) {
            return;
        }

        ngx_http_egov_fleet_store(4, argv, lens, e, 1);

    } else {
        /* the entry removed: not a newer one of the prefix, made since */
        p = ngx_sprintf(p, "%ui %uL", e->kind, e->created);

        if (ngx_egov_redis_signed()) {
            /* a signed mark: only it removes the entry at a resync */

            now = ngx_http_egov_now_ms();
            mark = ngx_sprintf(value, "- %ui %uL %uL", e->kind, now,
                               (e->expires > now)
                               ? e->expires
                               : now + NGX_HTTP_EGOV_FLEET_MARK);

            argv[0] = "HSET";
            lens[0] = sizeof("HSET") - 1;
            argv[3] = (const char *) out;
            lens[3] = ngx_egov_redis_sign("entry", &fmcf->key, &field,
                                          value, mark - value,
                                          out, sizeof(out));

            if (lens[3]) {
                ngx_http_egov_fleet_store(4, argv, lens, e, 0);
            }

        } else {
            argv[0] = "HDEL";
            lens[0] = sizeof("HDEL") - 1;

            ngx_http_egov_fleet_store(3, argv, lens, e, 0);
        }
    }

    argv[0] = "PUBLISH";
    lens[0] = sizeof("PUBLISH") - 1;
    argv[2] = (const char *) out;
    lens[2] = ngx_egov_redis_sign("message", &fmcf->key, NULL, msg, p - msg,
                                  out, sizeof(out));

    if (lens[2]
        && ngx_egov_redis_command_argv(0, NULL, NULL, 3, argv, lens)
           == NGX_OK)
    {
        ngx_http_egov_stat_inc(NGX_EGOV_STAT_FLEET_SENT);
    }
}


/*
 * A write to the hash that Redis refuses or loses while the connection is
 * up (an ACL, "OOM command not allowed" from a full Redis, a timeout) is
 * left to the next reconciliation, as one made while Redis was away: else
 * that reconciliation would take an entry missing from Redis for one
 * removed elsewhere, and an entry still there for one added elsewhere
 */

static void
ngx_http_egov_fleet_store(int argc, const char **argv, const size_t *lens,
    ngx_http_egov_entry_t *e, ngx_uint_t added)
{
    uint64_t                      time;
    ngx_http_egov_fleet_store_t  *st;

    time = added ? e->created : ngx_http_egov_now_ms();

    st = ngx_alloc(sizeof(ngx_http_egov_fleet_store_t), ngx_cycle->log);
    if (st == NULL) {
        (void) ngx_http_egov_fleet_removal_record(e, added, time);
        return;
    }

    st->cidr = e->cidr;
    st->kind = e->kind;
    st->added = added;
    st->origin = e->origin;
    st->by_operator = e->by_operator;
    st->time = time;

    /*
     * recorded until Redis answers: a reconciliation that reads the hash
     * meanwhile (worker 0's connection, maybe before this one's command)
     * makes the change again rather than undo it.  A reconciliation's own
     * changes go before its next read, on the same connection.
     */

    st->seq = ngx_http_egov_fleet_reconciling
              ? 0 : ngx_http_egov_fleet_removal_record(e, added, time);

    if (ngx_egov_redis_command_argv(0, ngx_http_egov_fleet_stored, st,
                                    argc, argv, lens)
        != NGX_OK)
    {
        /* out of memory: the handler will not fire; the record stays */
        ngx_free(st);
    }
}


static void
ngx_http_egov_fleet_stored(ngx_egov_redis_status_e status,
    redisReply *reply, void *data)
{
    ngx_http_egov_fleet_store_t *st = data;

    size_t                  n;
    ngx_str_t               why;
    ngx_http_egov_entry_t   e;

    static time_t           logged;
    static ngx_uint_t       quiet;

    if (status == NGX_EGOV_REDIS_OK) {
        ngx_http_egov_fleet_removal_forget(st->seq);
        ngx_free(st);
        return;
    }

    /* recorded again: a reconciliation may have taken the first record */

    ngx_memzero(&e, sizeof(ngx_http_egov_entry_t));
    e.cidr = st->cidr;
    e.kind = st->kind;
    e.origin = st->origin;
    e.by_operator = st->by_operator;
    e.created = st->time;

    ngx_http_egov_fleet_removal_forget(st->seq);
    (void) ngx_http_egov_fleet_removal_record(&e, st->added, st->time);

    /*
     * at most a line a second (a Redis that refuses every write would
     * have one per entry at each reconciliation); none when the worker
     * exits, which fails what it still waits for
     */

    if (ngx_exiting || ngx_terminate || ngx_quit
        || logged == ngx_time())
    {
        quiet++;
        ngx_free(st);
        return;
    }

    logged = ngx_time();

    /* Redis's error code ("NOPERM", "OOM"): its own words may be anything */

    why.data = (u_char *) ngx_egov_redis_status_text(status);
    why.len = ngx_strlen(why.data);

    if (status == NGX_EGOV_REDIS_ERROR_REPLY && reply && reply->str) {
        for (n = 0; n < reply->len && n < 16
                    && reply->str[n] >= 'A' && reply->str[n] <= 'Z'; n++)
        {
            /* void */
        }

        if (n) {
            why.data = (u_char *) reply->str;
            why.len = n;
        }
    }

    ngx_log_error(NGX_LOG_WARN, ngx_cycle->log, 0,
                  "egov fleet: Redis refused to %s an entry (%V); the next "
                  "reconciliation %s it (%ui more since the last line)",
                  st->added ? "store" : "remove", &why,
                  st->added ? "writes" : "removes", quiet);

    quiet = 0;
    ngx_free(st);
}


/* HDEL of a field that still holds the value read (fire and forget) */

static void
ngx_http_egov_fleet_unset(ngx_http_egov_fleet_main_conf_t *fmcf,
    redisReply *field, redisReply *value)
{
    size_t       lens[3];
    const char  *argv[3];

    argv[0] = (const char *) fmcf->key.data;
    lens[0] = fmcf->key.len;
    argv[1] = field->str;
    lens[1] = field->len;
    argv[2] = value->str;
    lens[2] = value->len;

    (void) ngx_egov_redis_script_call(fmcf->unset, 0, NULL, NULL, 1, 3,
                                      argv, lens);
}


/* a message from the fleet (this server's own included: applying is
 * idempotent); worker 0 applies it to the zone all workers share */

static void
ngx_http_egov_fleet_message(ngx_str_t *channel, ngx_str_t *message,
    void *data)
{
    ngx_str_t               text;
    ngx_egov_fleet_msg_t    m;
    ngx_http_egov_entry_t   e;

    if (ngx_worker != 0) {
        return;
    }

    if (ngx_egov_redis_verify("message", channel, NULL,
                              NGX_EGOV_REDIS_REPLAY_WINDOW, message, &text)
        != NGX_OK)
    {
        return;
    }

    if (ngx_egov_fleet_msg_parse(text.data, text.len, &m)
        != NGX_EGOV_FLEET_OK)
    {
        goto bad;
    }

    if (!m.add) {
        /*
         * the entry removed, or any older one; a newer one of the prefix
         * was made since (the removal's message may come after it, or be
         * made again by a reconciliation) and stays
         */

        if (ngx_http_egov_entry_remove_older(ngx_cycle->log, &m.cidr,
                                             m.kind, m.created,
                                             NGX_HTTP_EGOV_ORIGIN_FLEET)
            == NGX_OK)
        {
            ngx_http_egov_stat_inc(NGX_EGOV_STAT_FLEET_APPLIED);
        }

        return;
    }

    ngx_http_egov_fleet_entry(&m, &e);

    if (ngx_http_egov_entry_add(ngx_cycle->log, &e) == NGX_OK) {
        ngx_http_egov_stat_inc(NGX_EGOV_STAT_FLEET_APPLIED);
    }

    ngx_http_egov_fleet_heard++;

    return;

bad:

    ngx_http_egov_fleet_malformed(channel, message);
}


/* on any fleet channel: counted and logged, never shown (an address?) */

void
ngx_http_egov_fleet_malformed(ngx_str_t *channel, ngx_str_t *message)
{
    ngx_http_egov_stat_inc(NGX_EGOV_STAT_FLEET_INVALID);

    ngx_log_error(NGX_LOG_WARN, ngx_cycle->log, 0,
                  "egov fleet: ignored a malformed message of %uz bytes "
                  "on \"%V\"", message->len, channel);
}


static void
ngx_http_egov_fleet_connected(void *data)
{
    ngx_http_egov_fleet_main_conf_t  *fmcf = data;

    if (ngx_worker != 0) {
        return;
    }

    if (!ngx_egov_redis_resync_requested()
        && ngx_http_egov_fleet_connected_read
        && ngx_current_msec - ngx_http_egov_fleet_connected_read
           < NGX_HTTP_EGOV_FLEET_TICK)
    {
        ngx_http_egov_fleet_connected_pending = 1;
        return;
    }

    ngx_http_egov_fleet_connected_read = ngx_current_msec;
    ngx_http_egov_fleet_resync(fmcf);
}


static void
ngx_http_egov_fleet_tick(ngx_event_t *ev)
{
    ngx_http_egov_fleet_main_conf_t  *fmcf = ngx_http_egov_fleet_mcf;

    if (ngx_exiting) {
        return;
    }

    if (ngx_egov_redis_ready()
        && (++ngx_http_egov_fleet_ticks >= NGX_HTTP_EGOV_FLEET_RESYNC
            || ngx_http_egov_fleet_connected_pending))
    {
        ngx_http_egov_fleet_ticks = 0;
        ngx_http_egov_fleet_connected_pending = 0;
        ngx_http_egov_fleet_connected_read = ngx_current_msec;
        ngx_http_egov_fleet_resync(fmcf);
    }

    ngx_add_timer(ev, NGX_HTTP_EGOV_FLEET_TICK);
}


/*
 * A resync asked for while one is under way (a tick's read sent just
 * before Redis went away, answered after it came back) is made when that
 * one ends: the read that follows a reconnection must start after this
 * server subscribed again, or a message published in between is missed
 */

static void
ngx_http_egov_fleet_resync(ngx_http_egov_fleet_main_conf_t *fmcf)
{
    if (ngx_http_egov_fleet_busy) {
        ngx_http_egov_fleet_again = 1;
        return;
    }

    ngx_http_egov_fleet_again = 0;

    if (ngx_egov_redis_command(0, ngx_http_egov_fleet_resync_reply, fmcf,
                               "HGETALL %b", fmcf->key.data,
                               fmcf->key.len)
        == NGX_OK)
    {
        ngx_http_egov_fleet_busy = 1;
        ngx_http_egov_fleet_heard_at_read = ngx_http_egov_fleet_heard;
        ngx_http_egov_fleet_removals_reading(1);
    }
}


static void
ngx_http_egov_fleet_resync_reply(ngx_egov_redis_status_e status,
    redisReply *reply, void *data)
{
    ngx_http_egov_fleet_main_conf_t *fmcf = data;

    ngx_pool_t  *pool;

    ngx_http_egov_fleet_busy = 0;

    /*
     * after a reload: the new worker 0 reads and reconciles, and the
     * zone's "reading" mark is its own; this read may predate changes the
     * new workers made and saw answered, and clearing the mark would let
     * them forget changes its read does not have
     */

    if (ngx_exiting) {
        ngx_log_error(NGX_LOG_INFO, ngx_cycle->log, 0,
                      "egov fleet: exiting: the shared entries read "
                      "are left to the new worker 0");
        return;
    }

    if (status != NGX_EGOV_REDIS_OK) {
        /* the next connection or tick tries again, or the one asked */
        ngx_log_error(NGX_LOG_INFO, ngx_cycle->log, 0,
                      "egov fleet: reading the shared entries failed: %s",
                      ngx_egov_redis_status_text(status));

    } else if (reply->type != REDIS_REPLY_ARRAY || reply->elements % 2) {
        ngx_log_error(NGX_LOG_ERR, ngx_cycle->log, 0,
                      "egov fleet: \"%V\" in Redis is not a hash", &fmcf->key);

    } else {
        pool = ngx_create_pool(4096, ngx_cycle->log);

        if (pool) {
            ngx_http_egov_fleet_reconciling = 1;
            ngx_http_egov_fleet_reconcile(fmcf, reply, pool);
            ngx_http_egov_fleet_reconciling = 0;

            ngx_destroy_pool(pool);
        }
    }

    ngx_http_egov_fleet_removals_reading(0);

    if (ngx_http_egov_fleet_again) {
        ngx_http_egov_fleet_resync(fmcf);
    }
}


static void
ngx_http_egov_fleet_reconcile(ngx_http_egov_fleet_main_conf_t *fmcf,
    redisReply *reply, ngx_pool_t *pool)
{
    size_t                        i;
    uint32_t                      fleet;
    uint64_t                      now;
    ngx_str_t                     name, stored, text;
    ngx_uint_t                    n, applied, removed, written, invalid,
                                  unmade, absent, absent_changed,
                                  trust_absence, late, deferred, lost,
                                  joining, by, settled;
    redisReply                   *field, *value;
    ngx_array_t                  *entries, *removals;
    ngx_egov_fleet_msg_t          m;
    ngx_http_egov_entry_t         e, *le;
    ngx_http_egov_fleet_local_t  *local, *l;

    entries = ngx_http_egov_entry_list(pool, 0);
    if (entries == NULL) {
        return;
    }

    /*
     * A change this list holds may not be recorded yet: an entry made and
     * not recorded would be taken for one removed elsewhere, one removed
     * for one added elsewhere.  The hash is read again, once; if changes
     * are still being told then, what Redis lacks is kept this time.
     */

    settled = (ngx_http_egov_entry_changing() == 0);

    if (!settled && !ngx_http_egov_fleet_unsettled) {
        ngx_http_egov_fleet_unsettled = 1;
        ngx_http_egov_fleet_again = 1;

        ngx_log_error(NGX_LOG_INFO, ngx_cycle->log, 0,
                      "egov fleet: entries are being changed here: the "
                      "shared entries are read again");
        return;
    }

    ngx_http_egov_fleet_unsettled = 0;

    n = entries->nelts;
    le = entries->elts;

    local = ngx_palloc(pool, (n + 1) * sizeof(ngx_http_egov_fleet_local_t));
    if (local == NULL) {
        return;
    }

    for (i = 0; i < n; i++) {
        local[i].entry = &le[i];
        local[i].seen = 0;
    }

    ngx_qsort(local, n, sizeof(ngx_http_egov_fleet_local_t),
              ngx_http_egov_fleet_cmp);

    now = ngx_http_egov_now_ms();
    applied = 0;
    removed = 0;
    written = 0;
    invalid = 0;
    unmade = 0;
    absent = 0;

    /* without a fleet secret, an entry Redis lost was removed elsewhere */
    trust_absence = !ngx_egov_redis_signed() && settled;

    /* unless a message added it after this snapshot was taken */
    late = (ngx_http_egov_fleet_heard != ngx_http_egov_fleet_heard_at_read);
    deferred = 0;

    /*
     * a server new to this fleet brings what it holds (and forgets the
     * removals it kept of another); one reloaded, and so new to this
     * process only, does not: what Redis lacks of it was removed
     * elsewhere, maybe while it was not listening
     */

    fleet = ngx_egov_redis_identity(&fmcf->key);
    joining = !ngx_http_egov_fleet_reconciled
              && !ngx_http_egov_fleet_joined(fleet);

    if (joining) {
        ngx_http_egov_fleet_removals_unkeep();
    }

    removals = ngx_http_egov_fleet_removals_take(pool, &lost);

    if (lost) {
        /* a change forgotten may be why an entry is missing: kept */
        trust_absence = 0;
    }

    for (i = 0; i < reply->elements; i += 2) {
        field = reply->element[i];
        value = reply->element[i + 1];

        if (field->type != REDIS_REPLY_STRING
            || value->type != REDIS_REPLY_STRING)
        {
            invalid++;
            continue;
        }

        name.data = (u_char *) field->str;
        name.len = field->len;
        stored.data = (u_char *) value->str;
        stored.len = value->len;

        if (ngx_egov_redis_verify("entry", &fmcf->key, &name, 0, &stored,
                                  &text)
            != NGX_OK)
        {
            /* counted as forged; Redis's copy is left for the operator */
            continue;
        }

        if (ngx_egov_fleet_entry_parse(name.data, name.len, text.data,
                                       text.len, &m)
            != NGX_EGOV_FLEET_OK)
        {
            invalid++;
            continue;
        }

        ngx_http_egov_fleet_entry(&m, &e);

        if (e.expires && e.expires <= now) {
            /* whoever sees it first deletes it (a removal's mark too) */
            ngx_http_egov_fleet_unset(fmcf, field, value);
            continue;
        }

        l = ngx_http_egov_fleet_find(local, n, &e.cidr);

        if (!m.add) {
            /* a signed removal: the entry held here goes, if older */

            if (l == NULL) {
                continue;
            }

            l->seen = 1;

            if ((m.kind == 0 || l->entry->kind == m.kind)
                && l->entry->created <= m.created
                && ngx_http_egov_entry_remove(ngx_cycle->log,
                                              &l->entry->cidr,
                                              l->entry->kind,
                                              NGX_HTTP_EGOV_ORIGIN_FLEET)
                   == NGX_OK)
            {
                removed++;
            }

            continue;
        }

        by = ngx_http_egov_fleet_removed(removals, &e);

        if (by && (l == NULL || l->entry->created <= e.created)) {
            /*
             * removed here, after it was made: Redis was not told, or
             * this very value was put back over the removal's mark (an
             * entry made again here since is newer: written below).  An
             * operator's removal is still one when Redis refuses it again.
             */
            if (!ngx_egov_redis_signed()) {
                ngx_http_egov_fleet_unset(fmcf, field, value);
            }

            if (by == NGX_HTTP_EGOV_FLEET_BY_OPERATOR) {
                e.origin = NGX_HTTP_EGOV_ORIGIN_ADMIN;
            }

            ngx_http_egov_fleet_publish(fmcf, &e, 0);
            unmade++;
            continue;
        }

        if (l) {
            l->seen = 1;

            /*
             * newer here: made here again while Redis was away or refused
             * it (written), or learnt from a message sent after this read
             */

            if (l->entry->created > e.created) {
                if (l->entry->origin != NGX_HTTP_EGOV_ORIGIN_FLEET) {
                    ngx_http_egov_fleet_publish(fmcf, l->entry, 1);
                    written++;
                }

                continue;
            }

            /* the same entry (and kept from eviction, or not, alike) */

            if (l->entry->kind == e.kind && l->entry->expires == e.expires
                && l->entry->created == e.created
                && (l->entry->by_operator == e.by_operator
                    || l->entry->origin != NGX_HTTP_EGOV_ORIGIN_FLEET))
            {
                continue;
            }
        }

        if (l == NULL && !settled) {
            /* maybe removed here, not yet recorded: the next read decides */
            continue;
        }

        if (ngx_http_egov_entry_add(ngx_cycle->log, &e) == NGX_OK) {
            applied++;
        }
    }

    /*
     * What this server holds and Redis does not: entries made here that
     * Redis was not told of (away, refusing) go to the fleet; the others
     * were removed meanwhile by another server, whose message this server
     * missed (without a fleet secret), or were deleted by someone who can
     * write to Redis: with a secret, only a signed mark removes them, and
     * they stay until they expire.  (A write still on its way to Redis,
     * on another worker's connection, is recorded until Redis answers.)
     */

    for (i = 0; i < n; i++) {
        l = &local[i];

        if (l->seen) {
            continue;
        }

        if (ngx_http_egov_fleet_unwritten(removals, l->entry)
            || (l->entry->origin != NGX_HTTP_EGOV_ORIGIN_FLEET && joining))
        {
            ngx_http_egov_fleet_publish(fmcf, l->entry, 1);
            written++;
            continue;
        }

        if (!trust_absence) {
            absent++;
            continue;
        }

        if (late && l->entry->origin == NGX_HTTP_EGOV_ORIGIN_FLEET) {
            deferred++;
            continue;
        }

        if (ngx_http_egov_entry_remove(ngx_cycle->log, &l->entry->cidr,
                                       l->entry->kind,
                                       NGX_HTTP_EGOV_ORIGIN_FLEET)
            == NGX_OK)
        {
            removed++;
        }
    }

    ngx_http_egov_fleet_reconciled = 1;
    ngx_http_egov_fleet_set_joined(fleet);
    ngx_http_egov_fleet_removals_done(removals);

    /* read again at once, but once: then the periodic resync decides */

    if (deferred && !ngx_http_egov_fleet_deferred) {
        ngx_http_egov_fleet_again = 1;
    }

    ngx_http_egov_fleet_deferred = (deferred != 0);

    ngx_http_egov_stat_add(NGX_EGOV_STAT_FLEET_APPLIED, applied + removed);
    ngx_http_egov_stat_add(NGX_EGOV_STAT_FLEET_INVALID, invalid);

    if (invalid) {
        ngx_log_error(NGX_LOG_WARN, ngx_cycle->log, 0,
                      "egov fleet: %ui malformed fields in \"%V\" ignored",
                      invalid, &fmcf->key);
    }

    /* said when the number changes, not at every resync */

    absent_changed = (absent != ngx_http_egov_fleet_absent);
    ngx_http_egov_fleet_absent = absent;

    if (absent && absent_changed) {
        ngx_log_error(NGX_LOG_WARN, ngx_cycle->log, 0,
                      "egov fleet: %ui entries held here are missing from "
                      "\"%V\" without a signed removal: kept until they "
                      "expire", absent, &fmcf->key);
    }

    ngx_log_error(NGX_LOG_INFO, ngx_cycle->log, 0,
                  "egov fleet: %uz shared entries: %ui applied, %ui removed "
                  "here, %ui written from here, %ui removed from here",
                  reply->elements / 2, applied, removed, written, unmade);
}


static ngx_http_egov_fleet_local_t *
ngx_http_egov_fleet_find(ngx_http_egov_fleet_local_t *local, ngx_uint_t n,
    ngx_egov_cidr_t *cidr)
{
    int                           rc;
    ngx_uint_t                    lo, hi, mid;
    ngx_http_egov_entry_t         key;
    ngx_http_egov_fleet_local_t   probe;

    key.cidr = *cidr;
    probe.entry = &key;

    lo = 0;
    hi = n;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        rc = ngx_http_egov_fleet_cmp(&probe, &local[mid]);

        if (rc == 0) {
            return &local[mid];
        }

        if (rc < 0) {
            hi = mid;

        } else {
            lo = mid + 1;
        }
    }

    return NULL;
}


static int ngx_libc_cdecl
ngx_http_egov_fleet_cmp(const void *one, const void *two)
{
    const ngx_egov_cidr_t  *a, *b;

    a = &((const ngx_http_egov_fleet_local_t *) one)->entry->cidr;
    b = &((const ngx_http_egov_fleet_local_t *) two)->entry->cidr;

    if (a->family != b->family) {
        return a->family < b->family ? -1 : 1;
    }

    if (a->prefix != b->prefix) {
        return a->prefix < b->prefix ? -1 : 1;
    }

    return ngx_memcmp(a->addr, b->addr, 16);
}


/* an entry to add, from a message or the hash (ngx_egov_fleet_msg.c) */

static void
ngx_http_egov_fleet_entry(ngx_egov_fleet_msg_t *m, ngx_http_egov_entry_t *e)
{
    ngx_memzero(e, sizeof(ngx_http_egov_entry_t));

    e->cidr = m->cidr;
    e->kind = m->kind;
    e->created = m->created;
    e->expires = m->expires;
    e->bans = m->bans;
    e->origin = NGX_HTTP_EGOV_ORIGIN_FLEET;

    /* kept from eviction only when no one without the secret could say so */
    e->by_operator = m->by_operator && ngx_egov_redis_signed();

    e->reason.len = ngx_min(m->reason_len, NGX_HTTP_EGOV_REASON_LEN);
    e->reason.data = e->reason_data;
    ngx_memcpy(e->reason_data, m->reason, e->reason.len);
}


static u_char *
ngx_http_egov_fleet_value(u_char *p, ngx_http_egov_entry_t *e)
{
    size_t  len;

    len = ngx_min(e->reason.len, NGX_HTTP_EGOV_REASON_LEN);

    /* kind 3 only where it is believed (and understood: a fleet upgraded) */

    p = ngx_sprintf(p, "%ui %uL %uL %ui ",
                    (e->kind == NGX_HTTP_EGOV_ENTRY_BAN && e->by_operator
                     && ngx_egov_redis_signed())
                    ? NGX_EGOV_FLEET_OPERATOR : e->kind,
                    e->created, e->expires, ngx_min(e->bans, 1000));

    return ngx_cpymem(p, e->reason.data, len);
}


static ngx_http_egov_fleet_main_conf_t *
ngx_http_egov_fleet_conf(void)
{
    return ngx_http_cycle_get_module_main_conf(ngx_cycle,
                                               ngx_http_egov_fleet_module);
}
