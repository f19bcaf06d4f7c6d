
/*
 * What the fleet reads from Redis, held to the fleet secret (egov_redis
 * secret=): texts signed where they are written and checked where they are
 * read, period keys wrapped.  Without a secret, texts go as they are.
 *
 * A text's context says what and where it is ("msg" and the channel,
 * "entry" and the hash and its field, "key" and the key's name): a text
 * copied from one place to another does not verify there.  What is
 * dropped is counted (fleet_forged_total, fleet_stale_total) and logged
 * once per kind and worker: a flood of forgeries must not flood the log.
 */


#include "ngx_egov_redis_int.h"
#include "ngx_http_egov_protect.h"


#define NGX_EGOV_REDIS_CONTEXT_MAX  512

/*
 * Messages seen within the replay window, by their MAC's first 64 bits:
 * a signed message sent again within it (by whoever can publish) is seen
 * once.  8192 slots a worker, 8 looked at for each: room for more than a
 * fleet's messages in a window; one pushed out early may be replayed.
 */
#define NGX_EGOV_REDIS_SEEN         8192
#define NGX_EGOV_REDIS_SEEN_PROBES  8

#define NGX_EGOV_FLEET_AUTH_REPLAYED  -4


typedef struct {
    uint64_t                    mac;
    uint64_t                    until;       /* ms; 0: free */
} ngx_egov_redis_seen_t;


static size_t ngx_egov_redis_context(u_char *buf, const char *type,
    ngx_str_t *where, ngx_str_t *field);
static void ngx_egov_redis_dropped(int rc, const char *type,
    ngx_str_t *where);
static ngx_int_t ngx_egov_redis_seen(const u_char *payload, uint64_t now,
    ngx_msec_t window);


static ngx_uint_t  ngx_egov_redis_logged;    /* bits: 1 << -rc */

static ngx_egov_redis_seen_t  *ngx_egov_redis_seen_table;


ngx_uint_t
ngx_egov_redis_signed(void)
{
    return ngx_egov_redis && ngx_egov_redis->conf->auth;
}


size_t
ngx_egov_redis_sign(const char *type, ngx_str_t *where, ngx_str_t *field,
    u_char *payload, size_t len, u_char *out, size_t size)
{
    size_t  ctx_len;
    u_char  ctx[NGX_EGOV_REDIS_CONTEXT_MAX];

    if (!ngx_egov_redis_signed()) {
        if (len > size) {
            return 0;
        }

        ngx_memcpy(out, payload, len);
        return len;
    }

    ctx_len = ngx_egov_redis_context(ctx, type, where, field);
    if (ctx_len == 0) {
        return 0;
    }

    return ngx_egov_fleet_auth_sign(ngx_egov_redis->conf->auth, ctx, ctx_len,
                                    (uint64_t) ngx_http_egov_now_ms(),
                                    payload, len, out, size);
}


/*
 * NGX_OK and the payload, or NGX_DECLINED: dropped, counted and logged.
 * window: a message (NGX_EGOV_REDIS_REPLAY_WINDOW), or 0 for what is
 * stored.
 */

ngx_int_t
ngx_egov_redis_verify(const char *type, ngx_str_t *where, ngx_str_t *field,
    ngx_msec_t window, ngx_str_t *in, ngx_str_t *payload)
{
    int                   rc;
    size_t                ctx_len, len;
    uint64_t              now;
    u_char                ctx[NGX_EGOV_REDIS_CONTEXT_MAX];
    const unsigned char  *p;

    if (!ngx_egov_redis_signed()) {
        *payload = *in;
        return NGX_OK;
    }

    ctx_len = ngx_egov_redis_context(ctx, type, where, field);
    now = ngx_http_egov_now_ms();

    rc = (ctx_len == 0)
         ? NGX_EGOV_FLEET_AUTH_FORGED
         : ngx_egov_fleet_auth_verify(ngx_egov_redis->conf->auth, ctx,
                                      ctx_len, now, window, in->data,
                                      in->len, &p, &len);

    if (rc == NGX_EGOV_FLEET_AUTH_OK && window
        && ngx_egov_redis_seen(p, now, window) != NGX_OK)
    {
        rc = NGX_EGOV_FLEET_AUTH_REPLAYED;
    }

    if (rc != NGX_EGOV_FLEET_AUTH_OK) {
        ngx_egov_redis_dropped(rc, type, where);
        return NGX_DECLINED;
    }

    payload->data = (u_char *) p;
    payload->len = len;

    return NGX_OK;
}


/* a key wrapped into out (hex), its length; 0: no secret, or a failure */

size_t
ngx_egov_redis_wrap(ngx_str_t *where, u_char *key, size_t len, u_char *out,
    size_t size)
{
    size_t  ctx_len;
    u_char  ctx[NGX_EGOV_REDIS_CONTEXT_MAX];

    if (!ngx_egov_redis_signed()) {
        return 0;
    }

    ctx_len = ngx_egov_redis_context(ctx, "key", where, NULL);
    if (ctx_len == 0) {
        return 0;
    }

    return ngx_egov_fleet_auth_wrap(ngx_egov_redis->conf->auth, ctx, ctx_len,
                                    key, len, out, size);
}


/* NGX_OK and the key, or NGX_DECLINED: not made with the secret (counted) */

ngx_int_t
ngx_egov_redis_unwrap(ngx_str_t *where, ngx_str_t *in, u_char *key,
    size_t len)
{
    size_t  ctx_len;
    u_char  ctx[NGX_EGOV_REDIS_CONTEXT_MAX];

    ctx_len = ngx_egov_redis_context(ctx, "key", where, NULL);

    if (ctx_len == 0
        || ngx_egov_fleet_auth_unwrap(ngx_egov_redis->conf->auth, ctx,
                                      ctx_len, in->data, in->len, key, len)
           != 0)
    {
        ngx_egov_redis_dropped(NGX_EGOV_FLEET_AUTH_FORGED, "key", where);
        return NGX_DECLINED;
    }

    return NGX_OK;
}


static size_t
ngx_egov_redis_context(u_char *buf, const char *type, ngx_str_t *where,
    ngx_str_t *field)
{
    u_char  *p;
    size_t   len;

    len = ngx_strlen(type) + 1 + where->len
          + (field ? 1 + field->len : 0);

    if (len > NGX_EGOV_REDIS_CONTEXT_MAX) {
        return 0;
    }

    p = ngx_cpymem(buf, type, ngx_strlen(type));
    *p++ = ' ';
    p = ngx_cpymem(p, where->data, where->len);

    if (field) {
        *p++ = ' ';
        p = ngx_cpymem(p, field->data, field->len);
    }

    return p - buf;
}


static void
ngx_egov_redis_dropped(int rc, const char *type, ngx_str_t *where)
{
    ngx_uint_t   bit;
    const char  *why;

    if (rc == NGX_EGOV_FLEET_AUTH_STALE) {
        ngx_http_egov_stat_inc(NGX_EGOV_STAT_FLEET_STALE);
        why = "signed longer ago (or later) than the replay window: "
              "a replay, or clocks apart (fleet_stale_total)";

    } else if (rc == NGX_EGOV_FLEET_AUTH_REPLAYED) {
        ngx_http_egov_stat_inc(NGX_EGOV_STAT_FLEET_STALE);
        why = "seen before, within the replay window: sent again by "
              "someone who can publish (fleet_stale_total)";

    } else {
        ngx_http_egov_stat_inc(NGX_EGOV_STAT_FLEET_FORGED);
        why = (rc == NGX_EGOV_FLEET_AUTH_UNSIGNED)
              ? "not signed: written by someone without the fleet secret "
                "(fleet_forged_total)"
              : "not signed with this fleet's secret: forged, altered, "
                "moved or another portal's (fleet_forged_total)";
    }

    bit = (ngx_uint_t) 1 << (-rc);

    if (ngx_egov_redis_logged & bit) {
        return;
    }

    ngx_egov_redis_logged |= bit;

    ngx_log_error(NGX_LOG_WARN, ngx_cycle->log, 0,
                  "egov fleet: dropped a %s from \"%V\", %s; logged once",
                  type, where, why);
}


/*
 * A verified message's MAC (the 64 hex digits before its payload), seen
 * for the first time within the window: NGX_OK, and kept until the window
 * has passed; NGX_DECLINED: seen.  Without memory, messages pass as
 * before (the window still bounds replays).
 */

static ngx_int_t
ngx_egov_redis_seen(const u_char *payload, uint64_t now, ngx_msec_t window)
{
    u_char                  c;
    uint64_t                mac;
    ngx_uint_t              i, slot, take;
    const u_char           *hex;
    ngx_egov_redis_seen_t  *t;

    if (ngx_egov_redis_seen_table == NULL) {
        ngx_egov_redis_seen_table = ngx_calloc(NGX_EGOV_REDIS_SEEN
                                               * sizeof(ngx_egov_redis_seen_t),
                                               ngx_cycle->log);
        if (ngx_egov_redis_seen_table == NULL) {
            return NGX_OK;
        }
    }

    /* "MAC PAYLOAD": a verified text has its 64 hex digits there */

    hex = payload - 1 - 64;
    mac = 0;

    for (i = 0; i < 16; i++) {
        c = hex[i];
        mac = (mac << 4) | (uint64_t) ((c <= '9') ? c - '0' : c - 'a' + 10);
    }

    t = ngx_egov_redis_seen_table;
    slot = (ngx_uint_t) (mac % NGX_EGOV_REDIS_SEEN);
    take = slot;

    for (i = 0; i < NGX_EGOV_REDIS_SEEN_PROBES; i++) {
        slot = (slot + (i ? 1 : 0)) % NGX_EGOV_REDIS_SEEN;

        if (t[slot].until > now && t[slot].mac == mac) {
            return NGX_DECLINED;
        }

        /* the free, the expired, else the soonest to expire */

        if (t[slot].until < t[take].until) {
            take = slot;
        }
    }

    t[take].mac = mac;
    t[take].until = now + 2 * (uint64_t) window;

    return NGX_OK;
}
