
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


static size_t ngx_egov_redis_context(u_char *buf, const char *type,
    ngx_str_t *where, ngx_str_t *field);
static void ngx_egov_redis_dropped(int rc, const char *type,
    ngx_str_t *where);


static ngx_uint_t  ngx_egov_redis_logged;    /* bits: 1 << -rc */


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
    u_char                ctx[NGX_EGOV_REDIS_CONTEXT_MAX];
    const unsigned char  *p;

    if (!ngx_egov_redis_signed()) {
        *payload = *in;
        return NGX_OK;
    }

    ctx_len = ngx_egov_redis_context(ctx, type, where, field);

    rc = (ctx_len == 0)
         ? NGX_EGOV_FLEET_AUTH_FORGED
         : ngx_egov_fleet_auth_verify(ngx_egov_redis->conf->auth, ctx,
                                      ctx_len,
                                      (uint64_t) ngx_http_egov_now_ms(),
                                      window, in->data, in->len, &p, &len);

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
