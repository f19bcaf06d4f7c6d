
/*
 * The ban zone: bans, dynamic block-list entries and the violation counts
 * that lead to bans, shared by all workers and kept across reloads.
 *
 * Entries are keyed by prefix (one entry per address or network); a lookup
 * tries each prefix length in use.
 *
 * Queues, each least recently used last.  "kept": what operators made
 * (the admin API's bans, every block-list entry), never evicted.  "queue":
 * what visitors' behaviour made, which an attacker with many addresses can
 * grow: violation counts and the history of expired bans.  "banned":
 * automatic bans in force (the escalator's, and the fleet's bans).  A full
 * zone makes room from the cold end of "queue", one node at a time, and
 * from "banned" only when "queue" is empty: an attacker's addresses can
 * never crowd out an operator's entry, and their one-off violations never
 * a ban in force; no walk of the zone is made under the lock.  Many /64
 * bans in one IPv6 /48 become a ban of the /48.
 *
 * Violations of a key other than the address (egov_ban_on key=, such as an
 * account name) are counted in nodes of their own, in a third queue, "keys",
 * of at most a quarter of the zone: no address family, the first 16 bytes
 * of an HMAC of the key with the zone's secret as their address, so the
 * zone holds no account name; such a node never refuses, is never handed
 * out, and makes room from its own queue only, so that keys, which one
 * client can make up by the thousand, never crowd out a ban.
 */


#include "ngx_http_egov_protect.h"
#include "ngx_egov_hmac.h"

#include <openssl/rand.h>


#define NGX_HTTP_EGOV_TRACK        0      /* counts and history only */

/* prefix by which violations of IPv6 clients are counted and banned */
#define NGX_HTTP_EGOV_BAN_V6_PREFIX  64

/* a full zone is reported at most this often */
#define NGX_HTTP_EGOV_FULL_REPORT  60000

/* nodes evicted at most to make room for one */
#define NGX_HTTP_EGOV_BAN_EVICT    16

/* so many /64 bans in one /48 within the policy's window ban the /48 */
#define NGX_HTTP_EGOV_BAN_V6_AGGREGATE         8
#define NGX_HTTP_EGOV_BAN_V6_AGGREGATE_PREFIX  48

/* how long at most a ban learnt from the fleet or the API is remembered */
#define NGX_HTTP_EGOV_BAN_LEARNT_HISTORY  (7 * 86400000ULL)

/*
 * a ban an operator made: through this server's admin API, or learnt from
 * a fleet with a secret as one (never evicted)
 */
#define ngx_http_egov_ban_by_operator(bn)                                    \
    ((bn)->kind == NGX_HTTP_EGOV_ENTRY_BAN                                  \
     && ((bn)->by_operator || (bn)->origin == NGX_HTTP_EGOV_ORIGIN_ADMIN))

/* the node family of keys' counts (4 and 6: addresses) */
#define NGX_HTTP_EGOV_BAN_KEY_FAMILY  0

#define NGX_HTTP_EGOV_BAN_SECRET_LEN  32


typedef struct {
    ngx_rbtree_node_t           node;
    ngx_queue_t                 queue;
    u_char                      family;      /* 4, 6; 0: a key */
    u_char                      prefix;
    u_char                      kind;
    u_char                      origin;
    u_char                      by_operator; /* learnt: an operator's ban */
    u_char                      reason_len;
    u_char                      addr[16];
    uint32_t                    violations;
    uint32_t                    bans;
    uint64_t                    window_start;
    uint64_t                    created;
    uint64_t                    expires;     /* 0: never (entries only) */
    uint64_t                    forget;      /* history kept until */
    u_char                      reason[NGX_HTTP_EGOV_REASON_LEN];
} ngx_http_egov_ban_node_t;


typedef struct {
    ngx_rbtree_t                rbtree;
    ngx_rbtree_node_t           sentinel;
    ngx_queue_t                 queue;       /* evictable, LRU last */
    ngx_queue_t                 kept;        /* operators' entries */
    ngx_queue_t                 keys;        /* keys' counts, LRU last */
    ngx_uint_t                  keys_n;
    ngx_uint_t                  keys_max;
    ngx_atomic_t                blocking;    /* entries that refuse */
    uint32_t                    plen[2][129];
    uint64_t                    full_reported;
    u_char                      secret[NGX_HTTP_EGOV_BAN_SECRET_LEN];
    ngx_queue_t                 banned;      /* automatic bans, LRU last */
    ngx_queue_t                 history;     /* bans ended, LRU last */
    uint64_t                    evict_reported;
    ngx_atomic_t                changing;    /* changes being told */
    ngx_msec_t                  changing_at; /* the last one began */
} ngx_http_egov_ban_shctx_t;


typedef struct {
    ngx_http_egov_ban_shctx_t  *sh;
    ngx_slab_pool_t            *shpool;
    ngx_egov_hmac_key_t         key_ids;     /* the zone's secret, ready */
} ngx_http_egov_ban_ctx_t;


static ngx_http_egov_ban_ctx_t *ngx_http_egov_ban_ctx(void);
static void ngx_http_egov_ban_carry_over(ngx_shm_zone_t *shm_zone,
    ngx_http_egov_ban_ctx_t *ctx);
static ngx_int_t ngx_http_egov_ban_lock_old(ngx_shm_zone_t *shm_zone,
    ngx_http_egov_ban_ctx_t *octx);
static ngx_uint_t ngx_http_egov_ban_gone(ngx_pid_t pid);
static ngx_int_t ngx_http_egov_ban_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);
static void ngx_http_egov_ban_rbtree_insert(ngx_rbtree_node_t *temp,
    ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel);
static u_char ngx_http_egov_ban_family(ngx_egov_cidr_t *cidr);
static uint32_t ngx_http_egov_ban_hash(ngx_egov_cidr_t *cidr);
static ngx_int_t ngx_http_egov_ban_key_id(ngx_http_egov_ban_ctx_t *ctx,
    ngx_str_t *key, ngx_egov_cidr_t *id);
static ngx_http_egov_ban_node_t *ngx_http_egov_ban_node(ngx_log_t *log,
    ngx_http_egov_ban_ctx_t *ctx, ngx_egov_cidr_t *cidr, uint64_t now);
static ngx_http_egov_ban_node_t *ngx_http_egov_ban_lookup(
    ngx_http_egov_ban_ctx_t *ctx, ngx_egov_cidr_t *cidr, uint32_t hash);
static ngx_http_egov_ban_node_t *ngx_http_egov_ban_create(ngx_log_t *log,
    ngx_http_egov_ban_ctx_t *ctx, ngx_egov_cidr_t *cidr, uint64_t now);
static ngx_queue_t *ngx_http_egov_ban_track_queue(
    ngx_http_egov_ban_ctx_t *ctx, ngx_http_egov_ban_node_t *bn);
static void ngx_http_egov_ban_delete(ngx_http_egov_ban_ctx_t *ctx,
    ngx_http_egov_ban_node_t *bn);
static ngx_uint_t ngx_http_egov_ban_ended(ngx_http_egov_ban_ctx_t *ctx,
    uint64_t now, ngx_uint_t looked);
static void ngx_http_egov_ban_touch(ngx_http_egov_ban_ctx_t *ctx,
    ngx_http_egov_ban_node_t *bn);
static ngx_uint_t ngx_http_egov_ban_counted(ngx_http_egov_ban_node_t *bn,
    ngx_http_egov_ban_policy_t *policy, uint64_t now, ngx_uint_t enough);
static void ngx_http_egov_ban_make(ngx_http_egov_ban_ctx_t *ctx,
    ngx_http_egov_ban_node_t *bn, uint64_t now, uint64_t expires,
    ngx_http_egov_ban_policy_t *policy, const char *reason,
    ngx_http_egov_entry_t *e);
static ngx_int_t ngx_http_egov_ban_aggregate(ngx_log_t *log,
    ngx_http_egov_ban_ctx_t *ctx, ngx_egov_cidr_t *key, uint64_t expires,
    ngx_http_egov_ban_policy_t *policy, uint64_t now,
    ngx_http_egov_entry_t *e);
static void ngx_http_egov_ban_set_kind(ngx_http_egov_ban_ctx_t *ctx,
    ngx_http_egov_ban_node_t *bn, ngx_uint_t kind);
static ngx_uint_t ngx_http_egov_ban_active(ngx_http_egov_ban_node_t *bn,
    uint64_t now);
static void ngx_http_egov_ban_expire(ngx_http_egov_ban_ctx_t *ctx,
    uint64_t now, ngx_uint_t n);
static void ngx_http_egov_ban_export(ngx_http_egov_ban_node_t *bn,
    ngx_http_egov_entry_t *e);
static void ngx_http_egov_ban_notify(ngx_http_egov_ban_ctx_t *ctx,
    ngx_http_egov_entry_event_e event, ngx_http_egov_entry_t *e);
static void ngx_http_egov_ban_changing(ngx_http_egov_ban_ctx_t *ctx,
    ngx_uint_t n);



/*
 * a change told for longer than this was not: its worker died meanwhile
 * (a worker paused that long, by a starved CPU or a debugger, is taken for
 * dead too: its change is then judged by Redis, as before the count)
 */
#define NGX_HTTP_EGOV_BAN_TELLING_MAX  5000


static ngx_str_t  ngx_http_egov_ban_zone_name = ngx_string("egov_bans");

static ngx_http_egov_entry_observer_pt  ngx_http_egov_entry_observer;


char *
ngx_http_egov_ban_zone(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ssize_t                             size;
    ngx_str_t                          *value, s;
    ngx_uint_t                          i;
    ngx_http_egov_ban_ctx_t            *ctx;
    ngx_http_egov_protect_main_conf_t  *pmcf;

    pmcf = ngx_http_conf_get_module_main_conf(cf,
                                              ngx_http_egov_protect_module);

    if (pmcf->ban_zone) {
        return "is duplicate";
    }

    value = cf->args->elts;
    size = 0;

    for (i = 1; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "size=", 5) == 0) {
            s.data = value[i].data + 5;
            s.len = value[i].len - 5;

            size = ngx_parse_size(&s);

            if (size == NGX_ERROR) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "egov_ban_zone: invalid size \"%V\"",
                                   &value[i]);
                return NGX_CONF_ERROR;
            }

            continue;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "egov_ban_zone: invalid parameter \"%V\"",
                           &value[i]);
        return NGX_CONF_ERROR;
    }

    if (size == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "egov_ban_zone: \"size=\" is required");
        return NGX_CONF_ERROR;
    }

    if (size < (ssize_t) (8 * ngx_pagesize)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "egov_ban_zone: size %V is too small, "
                           "the least is %uzk", &value[1],
                           8 * ngx_pagesize / 1024);
        return NGX_CONF_ERROR;
    }

    ctx = ngx_pcalloc(cf->pool, sizeof(ngx_http_egov_ban_ctx_t));
    if (ctx == NULL) {
        return NGX_CONF_ERROR;
    }

    pmcf->ban_zone = ngx_shared_memory_add(cf, &ngx_http_egov_ban_zone_name,
                                           size,
                                           &ngx_http_egov_protect_module);
    if (pmcf->ban_zone == NULL) {
        return NGX_CONF_ERROR;
    }

    if (pmcf->ban_zone->data) {
        return "is duplicate";
    }

    pmcf->ban_zone->init = ngx_http_egov_ban_init_zone;
    pmcf->ban_zone->data = ctx;

    return NGX_CONF_OK;
}


/*
 * egov_ban after=N within=TIME for=TIME [factor=F] [max=TIME]
 *          [action=refuse|challenge];
 */

char *
ngx_http_egov_ban(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_egov_protect_loc_conf_t *plcf = conf;

    ngx_int_t                    n;
    ngx_str_t                   *value, s;
    ngx_uint_t                   i;
    ngx_http_egov_ban_policy_t  *p;

    if (plcf->ban != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    p = ngx_pcalloc(cf->pool, sizeof(ngx_http_egov_ban_policy_t));
    if (p == NULL) {
        return NGX_CONF_ERROR;
    }

    p->file = cf->conf_file->file.name.data;
    p->line = cf->conf_file->line;

    p->factor = 1000;
    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {

        n = ngx_http_egov_ban_threshold(&value[i], &p->after, &p->within);

        if (n == NGX_ERROR) {
            goto invalid;
        }

        if (n == NGX_OK) {
            continue;
        }

        if (ngx_strncmp(value[i].data, "factor=", 7) == 0) {
            n = ngx_atofp(value[i].data + 7, value[i].len - 7, 3);
            if (n < 1000 || n > 100000) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "egov_ban: factor must be between 1 "
                                   "and 100, not \"%V\"", &value[i]);
                return NGX_CONF_ERROR;
            }
            p->factor = n;
            continue;
        }

        if (ngx_strncmp(value[i].data, "for=", 4) == 0) {
            s.data = value[i].data + 4;
            s.len = value[i].len - 4;
            n = ngx_parse_time(&s, 0);
            if (n == NGX_ERROR || n == 0) {
                goto invalid;
            }
            p->duration = n;
            continue;
        }

        if (ngx_strcmp(value[i].data, "action=challenge") == 0) {
            p->challenge = 1;
            continue;
        }

        if (ngx_strcmp(value[i].data, "action=refuse") == 0) {
            p->challenge = 0;
            continue;
        }

        if (ngx_strncmp(value[i].data, "max=", 4) == 0) {
            s.data = value[i].data + 4;
            s.len = value[i].len - 4;
            n = ngx_parse_time(&s, 0);
            if (n == NGX_ERROR || n == 0) {
                goto invalid;
            }
            p->max = n;
            continue;
        }

        goto invalid;
    }

    if (p->after == 0 || p->within == 0 || p->duration == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "egov_ban: \"after=\", \"within=\" and \"for=\" "
                           "are required");
        return NGX_CONF_ERROR;
    }

    if (p->max == 0) {
        p->max = p->duration;

        if (p->factor > 1000) {
            /* five escalations unless told otherwise */
            for (i = 0; i < 5; i++) {
                p->max = p->max * p->factor / 1000;
            }
        }
    }

    if (p->max < p->duration) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "egov_ban: \"max=\" is shorter than \"for=\"");
        return NGX_CONF_ERROR;
    }

    plcf->ban = p;

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "egov_ban: invalid parameter \"%V\"", &value[i]);
    return NGX_CONF_ERROR;
}


/*
 * "after=N" and "within=TIME", as egov_ban and egov_ban_on take them:
 * NGX_OK when taken, NGX_DECLINED when the argument is neither, NGX_ERROR
 * when it is one of them with an invalid value
 */

ngx_int_t
ngx_http_egov_ban_threshold(ngx_str_t *arg, ngx_uint_t *after,
    ngx_msec_t *within)
{
    ngx_int_t  n;
    ngx_str_t  s;

    if (ngx_strncmp(arg->data, "after=", 6) == 0) {
        n = ngx_atoi(arg->data + 6, arg->len - 6);
        if (n <= 0) {
            return NGX_ERROR;
        }

        *after = n;
        return NGX_OK;
    }

    if (ngx_strncmp(arg->data, "within=", 7) == 0) {
        s.data = arg->data + 7;
        s.len = arg->len - 7;

        n = ngx_parse_time(&s, 0);
        if (n == NGX_ERROR || n == 0) {
            return NGX_ERROR;
        }

        *within = n;
        return NGX_OK;
    }

    return NGX_DECLINED;
}


ngx_uint_t
ngx_http_egov_bans_configured(void)
{
    return ngx_http_egov_ban_ctx() != NULL;
}


/* is the address covered by an active ban or dynamic entry */

ngx_int_t
ngx_http_egov_bans_find(ngx_egov_cidr_t *addr, ngx_http_egov_entry_t *found)
{
    uint32_t                   *plen;
    uint64_t                    now;
    ngx_uint_t                  p, max;
    ngx_egov_cidr_t             net;
    ngx_http_egov_ban_ctx_t    *ctx;
    ngx_http_egov_ban_node_t   *bn;

    ctx = ngx_http_egov_ban_ctx();

    if (ctx == NULL || ctx->sh->blocking == 0) {
        return NGX_DECLINED;
    }

    now = ngx_http_egov_now_ms();
    max = (addr->family == AF_INET) ? 32 : 128;

    ngx_shmtx_lock(&ctx->shpool->mutex);

    plen = ctx->sh->plen[addr->family == AF_INET ? 0 : 1];

    for (p = 0; p <= max; p++) {

        if (plen[p] == 0) {
            continue;
        }

        net = *addr;
        ngx_egov_cidr_mask(&net, p);

        bn = ngx_http_egov_ban_lookup(ctx, &net,
                                      ngx_http_egov_ban_hash(&net));

        if (bn == NULL || bn->kind == NGX_HTTP_EGOV_TRACK) {
            continue;
        }

        if (!ngx_http_egov_ban_active(bn, now)) {
            /* an expired ban: keep its history, stop refusing */
            ngx_http_egov_ban_set_kind(ctx, bn, NGX_HTTP_EGOV_TRACK);
            ngx_queue_remove(&bn->queue);
            ngx_queue_insert_tail(ngx_http_egov_ban_track_queue(ctx, bn),
                                  &bn->queue);
            continue;
        }

        if (found) {
            ngx_http_egov_ban_export(bn, found);
        }

        ngx_shmtx_unlock(&ctx->shpool->mutex);

        return NGX_OK;
    }

    ngx_shmtx_unlock(&ctx->shpool->mutex);

    return NGX_DECLINED;
}


/*
 * One more violation by an address (a limit refusal, a signature hit),
 * and, with "key", of that key too (egov_ban_on key=): once the key has had
 * enough within the window, each of its violations until the window ends
 * bans the address that made it.  Returns NGX_OK and fills "banned" when it
 * was one too many.
 */

ngx_int_t
ngx_http_egov_bans_violation(ngx_log_t *log,
    ngx_http_egov_ban_policy_t *policy, ngx_egov_cidr_t *addr,
    ngx_str_t *key, ngx_http_egov_entry_t *banned)
{
    uint64_t                   now, duration;
    ngx_int_t                  aggregated;
    ngx_uint_t                 i, hot;
    ngx_egov_cidr_t            net, id;
    ngx_http_egov_entry_t      wider;
    ngx_http_egov_ban_ctx_t   *ctx;
    ngx_http_egov_ban_node_t  *bn;

    ctx = ngx_http_egov_ban_ctx();

    if (ctx == NULL || policy == NULL) {
        return NGX_DECLINED;
    }

    net = *addr;

    if (net.family == AF_INET6) {
        ngx_egov_cidr_mask(&net, NGX_HTTP_EGOV_BAN_V6_PREFIX);
    }

    if (key && ngx_http_egov_ban_key_id(ctx, key, &id) != NGX_OK) {
        return NGX_ERROR;
    }

    now = ngx_http_egov_now_ms();

    ngx_shmtx_lock(&ctx->shpool->mutex);

    ngx_http_egov_ban_expire(ctx, now, 2);

    /* the key's count, then the address's: either may ban the address */

    hot = 0;

    if (key) {
        bn = ngx_http_egov_ban_node(log, ctx, &id, now);
        hot = (bn && ngx_http_egov_ban_counted(bn, policy, now,
                                               policy->after));
    }

    bn = ngx_http_egov_ban_node(log, ctx, &net, now);
    if (bn == NULL) {
        ngx_shmtx_unlock(&ctx->shpool->mutex);
        return NGX_ERROR;
    }

    if (ngx_http_egov_ban_active(bn, now)) {
        /* already refused: nothing more to count */
        ngx_shmtx_unlock(&ctx->shpool->mutex);
        return NGX_DECLINED;
    }

    if (!ngx_http_egov_ban_counted(bn, policy, now, policy->after) && !hot) {
        ngx_shmtx_unlock(&ctx->shpool->mutex);
        return NGX_DECLINED;
    }

    /* a ban; each repeat lasts "factor" times longer, up to "max" */

    duration = policy->duration;

    for (i = 0; i < bn->bans && duration < policy->max; i++) {
        duration = duration * policy->factor / 1000;
    }

    duration = ngx_min(duration, (uint64_t) policy->max);

    ngx_http_egov_ban_make(ctx, bn, now, now + duration, policy,
                           (hot && bn->violations < policy->after)
                           ? "failures on one key" : "repeated violations",
                           banned);

    aggregated = (net.family == AF_INET6)
                 ? ngx_http_egov_ban_aggregate(log, ctx, &net, bn->expires,
                                               policy, now, &wider)
                 : NGX_DECLINED;

    ngx_http_egov_ban_changing(ctx, (aggregated == NGX_OK) ? 2 : 1);

    ngx_shmtx_unlock(&ctx->shpool->mutex);

    ngx_http_egov_stat_inc(NGX_EGOV_STAT_BANS);
    ngx_http_egov_ban_notify(ctx, NGX_HTTP_EGOV_ENTRY_ADDED, banned);

    if (aggregated == NGX_OK) {
        ngx_http_egov_stat_inc(NGX_EGOV_STAT_BANS_AGGREGATED);
        ngx_log_error(NGX_LOG_WARN, log, 0,
                      "egov: %d IPv6 /64 bans in one /%d: the /%d is "
                      "banned for as long", NGX_HTTP_EGOV_BAN_V6_AGGREGATE,
                      NGX_HTTP_EGOV_BAN_V6_AGGREGATE_PREFIX,
                      NGX_HTTP_EGOV_BAN_V6_AGGREGATE_PREFIX);
        ngx_http_egov_ban_notify(ctx, NGX_HTTP_EGOV_ENTRY_ADDED, &wider);
    }

    return NGX_OK;
}


/* the node of a prefix or key id, made when there is none (the lock held) */

static ngx_http_egov_ban_node_t *
ngx_http_egov_ban_node(ngx_log_t *log, ngx_http_egov_ban_ctx_t *ctx,
    ngx_egov_cidr_t *cidr, uint64_t now)
{
    ngx_http_egov_ban_node_t  *bn;

    bn = ngx_http_egov_ban_lookup(ctx, cidr, ngx_http_egov_ban_hash(cidr));

    if (bn == NULL) {
        return ngx_http_egov_ban_create(log, ctx, cidr, now);
    }

    ngx_http_egov_ban_touch(ctx, bn);

    return bn;
}


/* a key's node id: the first 16 bytes of HMAC-SHA-256(zone secret, key) */

static ngx_int_t
ngx_http_egov_ban_key_id(ngx_http_egov_ban_ctx_t *ctx, ngx_str_t *key,
    ngx_egov_cidr_t *id)
{
    u_char  md[NGX_EGOV_HMAC_LEN];

    ngx_egov_hmac(&ctx->key_ids, key->data, key->len, md);

    id->family = AF_UNSPEC;
    id->prefix = 0;
    ngx_memcpy(id->addr, md, 16);

    return NGX_OK;
}


/*
 * One more /64 ban in its /48, counted in a node of the /48 in the policy's
 * window; the last of NGX_HTTP_EGOV_BAN_V6_AGGREGATE bans the /48 until
 * "expires" (its own end; the /64's node may be evicted to make room for
 * the /48's).  NGX_OK with "e" filled when it did.
 */

static ngx_int_t
ngx_http_egov_ban_aggregate(ngx_log_t *log, ngx_http_egov_ban_ctx_t *ctx,
    ngx_egov_cidr_t *key, uint64_t expires,
    ngx_http_egov_ban_policy_t *policy, uint64_t now,
    ngx_http_egov_entry_t *e)
{
    ngx_egov_cidr_t            net;
    ngx_http_egov_ban_node_t  *bn;

    net = *key;
    ngx_egov_cidr_mask(&net, NGX_HTTP_EGOV_BAN_V6_AGGREGATE_PREFIX);

    bn = ngx_http_egov_ban_lookup(ctx, &net, ngx_http_egov_ban_hash(&net));

    if (bn == NULL) {
        bn = ngx_http_egov_ban_create(log, ctx, &net, now);
        if (bn == NULL) {
            return NGX_DECLINED;
        }

    } else if (bn->kind != NGX_HTTP_EGOV_TRACK) {
        /* the /48 is banned or blocked already */
        return NGX_DECLINED;
    }

    ngx_http_egov_ban_touch(ctx, bn);

    if (!ngx_http_egov_ban_counted(bn, policy, now,
                                   NGX_HTTP_EGOV_BAN_V6_AGGREGATE))
    {
        return NGX_DECLINED;
    }

    ngx_http_egov_ban_make(ctx, bn, now, expires, policy,
                           "neighbouring bans", e);

    return NGX_OK;
}


/*
 * One more in a node's count in the policy's window: whether it reached
 * "enough"; if not, the count is remembered for the window
 */

static ngx_uint_t
ngx_http_egov_ban_counted(ngx_http_egov_ban_node_t *bn,
    ngx_http_egov_ban_policy_t *policy, uint64_t now, ngx_uint_t enough)
{
    if (now - bn->window_start > policy->within) {
        bn->window_start = now;
        bn->violations = 0;
    }

    if (++bn->violations < enough) {
        bn->forget = ngx_max(bn->forget, now + policy->within);
        return 0;
    }

    return 1;
}


/* the node becomes an automatic ban until "expires", exported to "e" */

static void
ngx_http_egov_ban_make(ngx_http_egov_ban_ctx_t *ctx,
    ngx_http_egov_ban_node_t *bn, uint64_t now, uint64_t expires,
    ngx_http_egov_ban_policy_t *policy, const char *reason,
    ngx_http_egov_entry_t *e)
{
    bn->bans++;
    bn->violations = 0;
    bn->origin = NGX_HTTP_EGOV_ORIGIN_ESCALATOR;
    bn->by_operator = 0;
    bn->created = now;
    bn->expires = expires;
    bn->forget = expires + policy->max;
    bn->reason_len = (u_char) ngx_strlen(reason);
    ngx_memcpy(bn->reason, reason, bn->reason_len);

    ngx_http_egov_ban_set_kind(ctx, bn, NGX_HTTP_EGOV_ENTRY_BAN);
    ngx_http_egov_ban_touch(ctx, bn);
    ngx_http_egov_ban_export(bn, e);
}


/* API: add or replace an entry (a ban or a dynamic block-list entry) */

ngx_int_t
ngx_http_egov_entry_add(ngx_log_t *log, ngx_http_egov_entry_t *e)
{
    uint64_t                   now, forget, span;
    ngx_uint_t                 origin;
    ngx_http_egov_ban_ctx_t   *ctx;
    ngx_http_egov_ban_node_t  *bn;

    ctx = ngx_http_egov_ban_ctx();

    if (ctx == NULL) {
        return NGX_DECLINED;
    }

    if (e->kind != NGX_HTTP_EGOV_ENTRY_BAN
        && e->kind != NGX_HTTP_EGOV_ENTRY_BLOCK)
    {
        return NGX_ERROR;
    }

    now = ngx_http_egov_now_ms();

    if (e->expires && e->expires <= now) {
        return NGX_DECLINED;
    }

    ngx_egov_cidr_mask(&e->cidr, e->cidr.prefix);

    ngx_shmtx_lock(&ctx->shpool->mutex);

    ngx_http_egov_ban_expire(ctx, now, 2);

    bn = ngx_http_egov_ban_lookup(ctx, &e->cidr,
                                  ngx_http_egov_ban_hash(&e->cidr));

    if (bn == NULL) {
        bn = ngx_http_egov_ban_create(log, ctx, &e->cidr, now);
        if (bn == NULL) {
            ngx_shmtx_unlock(&ctx->shpool->mutex);
            return NGX_ERROR;
        }
    }

    origin = e->origin;

    /*
     * an entry of this server that comes back from the fleet (its own
     * message, a resync) is the same entry: it keeps its origin, so that
     * an operator's ban is still never evicted and still shown as the
     * operator's, and the fleet layer still knows it was made here
     */

    if (origin != NGX_HTTP_EGOV_ORIGIN_FLEET
        || bn->origin == NGX_HTTP_EGOV_ORIGIN_FLEET
        || bn->kind != e->kind
        || bn->created != e->created)
    {
        bn->origin = (u_char) origin;
    }
    bn->by_operator = (e->kind == NGX_HTTP_EGOV_ENTRY_BAN && e->by_operator);
    bn->created = e->created ? e->created : now;
    bn->expires = e->expires;

    /*
     * a history held is never shortened (the escalator's lasts its max=
     * after the ban: a fleet server applying its own ban again must not
     * forget it at expiry); a ban learnt here is remembered as long again
     * after it ends, so that the next ban of the address escalates on
     * every server, whichever makes it
     */

    forget = e->expires;

    if (e->kind == NGX_HTTP_EGOV_ENTRY_BAN && e->expires > bn->created) {
        span = ngx_min(e->expires - bn->created,
                       NGX_HTTP_EGOV_BAN_LEARNT_HISTORY);
        forget = (forget > UINT64_MAX - span) ? UINT64_MAX : forget + span;
    }

    bn->forget = ngx_max(bn->forget, forget);

    if (e->kind == NGX_HTTP_EGOV_ENTRY_BAN && e->bans > bn->bans) {
        bn->bans = e->bans;
    }

    bn->reason_len = (u_char) ngx_min(e->reason.len,
                                      NGX_HTTP_EGOV_REASON_LEN);
    ngx_memcpy(bn->reason, e->reason.data, bn->reason_len);

    ngx_http_egov_ban_set_kind(ctx, bn, e->kind);
    ngx_http_egov_ban_touch(ctx, bn);
    ngx_http_egov_ban_export(bn, e);

    /* the change's origin, not the entry's: an echo is not told again */

    if (origin != NGX_HTTP_EGOV_ORIGIN_FLEET) {
        ngx_http_egov_ban_changing(ctx, 1);
    }

    ngx_shmtx_unlock(&ctx->shpool->mutex);

    if (origin != NGX_HTTP_EGOV_ORIGIN_FLEET) {
        ngx_http_egov_ban_notify(ctx, NGX_HTTP_EGOV_ENTRY_ADDED, e);
    }

    return NGX_OK;
}


/* API: remove an entry; kind 0 removes whatever entry the prefix has */

ngx_int_t
ngx_http_egov_entry_remove(ngx_log_t *log, ngx_egov_cidr_t *cidr,
    ngx_uint_t kind, ngx_uint_t origin)
{
    return ngx_http_egov_entry_remove_older(log, cidr, kind, 0, origin);
}


/*
 * API: the same, only if the entry was made at "created" or before (0:
 * whenever): a newer one, made since the removal was, stays
 */

ngx_int_t
ngx_http_egov_entry_remove_older(ngx_log_t *log, ngx_egov_cidr_t *cidr,
    ngx_uint_t kind, uint64_t created, ngx_uint_t origin)
{
    ngx_egov_cidr_t            net;
    ngx_http_egov_entry_t      e;
    ngx_http_egov_ban_ctx_t   *ctx;
    ngx_http_egov_ban_node_t  *bn;

    ctx = ngx_http_egov_ban_ctx();

    if (ctx == NULL) {
        return NGX_DECLINED;
    }

    net = *cidr;
    ngx_egov_cidr_mask(&net, net.prefix);

    ngx_shmtx_lock(&ctx->shpool->mutex);

    bn = ngx_http_egov_ban_lookup(ctx, &net, ngx_http_egov_ban_hash(&net));

    if (bn == NULL || bn->kind == NGX_HTTP_EGOV_TRACK
        || (kind && bn->kind != kind)
        || (created && bn->created > created))
    {
        ngx_shmtx_unlock(&ctx->shpool->mutex);
        return NGX_DECLINED;
    }

    ngx_http_egov_ban_export(bn, &e);
    e.origin = origin;

    /* removing forgives: the history goes too */
    ngx_http_egov_ban_delete(ctx, bn);
    ngx_http_egov_ban_changing(ctx, 1);

    ngx_shmtx_unlock(&ctx->shpool->mutex);

    ngx_http_egov_ban_notify(ctx, NGX_HTTP_EGOV_ENTRY_REMOVED, &e);

    return NGX_OK;
}


/*
 * Each active entry of a kind (0: all) in the first "n" queues: operators'
 * entries, automatic bans, then what else visitors' behaviour made
 */

typedef ngx_int_t (*ngx_http_egov_entry_pt)(ngx_http_egov_ban_node_t *bn,
    void *data);

static ngx_int_t
ngx_http_egov_entries_each(ngx_uint_t n, ngx_uint_t kind,
    ngx_http_egov_entry_pt handler, void *data)
{
    uint64_t                   now;
    ngx_uint_t                 i;
    ngx_queue_t               *q, *queues[3];
    ngx_http_egov_ban_ctx_t   *ctx;
    ngx_http_egov_ban_node_t  *bn;

    ctx = ngx_http_egov_ban_ctx();

    if (ctx == NULL) {
        return NGX_OK;
    }

    now = ngx_http_egov_now_ms();

    queues[0] = &ctx->sh->kept;
    queues[1] = &ctx->sh->banned;
    queues[2] = &ctx->sh->queue;

    ngx_shmtx_lock(&ctx->shpool->mutex);

    for (i = 0; i < n && i < 3; i++) {

        for (q = ngx_queue_head(queues[i]);
             q != ngx_queue_sentinel(queues[i]);
             q = ngx_queue_next(q))
        {
            bn = ngx_queue_data(q, ngx_http_egov_ban_node_t, queue);

            if (bn->kind == NGX_HTTP_EGOV_TRACK
                || (kind && bn->kind != kind)
                || !ngx_http_egov_ban_active(bn, now))
            {
                continue;
            }

            if (handler(bn, data) != NGX_OK) {
                ngx_shmtx_unlock(&ctx->shpool->mutex);
                return NGX_ERROR;
            }
        }
    }

    ngx_shmtx_unlock(&ctx->shpool->mutex);

    return NGX_OK;
}


static ngx_int_t
ngx_http_egov_entry_copy(ngx_http_egov_ban_node_t *bn, void *data)
{
    ngx_array_t            *list = data;
    ngx_http_egov_entry_t  *e;

    e = ngx_array_push(list);
    if (e == NULL) {
        return NGX_ERROR;
    }

    ngx_http_egov_ban_export(bn, e);

    return NGX_OK;
}


static ngx_int_t
ngx_http_egov_entry_tally(ngx_http_egov_ban_node_t *bn, void *data)
{
    ngx_uint_t  *n = data;

    n[bn->kind == NGX_HTTP_EGOV_ENTRY_BAN ? 0 : 1]++;

    return NGX_OK;
}


/* API: the active entries of a kind (0: all), copied out */

ngx_array_t *
ngx_http_egov_entry_list(ngx_pool_t *pool, ngx_uint_t kind)
{
    ngx_array_t  *list;

    list = ngx_array_create(pool, 16, sizeof(ngx_http_egov_entry_t));
    if (list == NULL) {
        return NULL;
    }

    if (ngx_http_egov_entries_each(3, kind, ngx_http_egov_entry_copy, list)
        != NGX_OK)
    {
        return NULL;
    }

    return list;
}


/*
 * The bans and blocks in force, counted for the status page: those of
 * operators and the automatic bans only, never the counts and history an
 * attacker's many addresses make (found by a helper's review: a status
 * request walked 300,000 tracked addresses under the zone's lock)
 */

void
ngx_http_egov_entry_count(ngx_uint_t *bans, ngx_uint_t *blocks)
{
    ngx_uint_t  n[2];

    n[0] = 0;
    n[1] = 0;

    (void) ngx_http_egov_entries_each(2, 0, ngx_http_egov_entry_tally, n);

    *bans = n[0];
    *blocks = n[1];
}


/* API: everything the protection knows about one address */

ngx_int_t
ngx_http_egov_addr_status(ngx_egov_cidr_t *addr,
    ngx_http_egov_addr_status_t *status)
{
    ngx_egov_cidr_t            key;
    ngx_http_egov_ban_ctx_t   *ctx;
    ngx_http_egov_ban_node_t  *bn;

    ngx_memzero(status, sizeof(ngx_http_egov_addr_status_t));

    (void) ngx_http_egov_lists_status(addr, status);

    if (ngx_http_egov_bans_find(addr, &status->entry) == NGX_OK) {
        status->blocked = 1;
    }

    ctx = ngx_http_egov_ban_ctx();

    if (ctx == NULL) {
        return NGX_OK;
    }

    key = *addr;

    if (key.family == AF_INET6) {
        ngx_egov_cidr_mask(&key, NGX_HTTP_EGOV_BAN_V6_PREFIX);
    }

    ngx_shmtx_lock(&ctx->shpool->mutex);

    bn = ngx_http_egov_ban_lookup(ctx, &key, ngx_http_egov_ban_hash(&key));

    if (bn) {
        status->violations = bn->violations;

        if (!status->blocked) {
            status->entry.bans = bn->bans;
        }
    }

    ngx_shmtx_unlock(&ctx->shpool->mutex);

    return NGX_OK;
}


void
ngx_http_egov_entry_set_observer(ngx_http_egov_entry_observer_pt observer)
{
    ngx_http_egov_entry_observer = observer;
}


/* the lock held: n changes made, to be told (ngx_http_egov_ban_notify) */

static void
ngx_http_egov_ban_changing(ngx_http_egov_ban_ctx_t *ctx, ngx_uint_t n)
{
    (void) ngx_atomic_fetch_add(&ctx->sh->changing, n);
    ctx->sh->changing_at = ngx_current_msec;
}


/*
 * A change made to the zone is told to the observer (the fleet layer
 * records it for Redis) after the zone's lock is released: until it is,
 * it is counted as being told, so that a reconciliation reading the zone
 * meanwhile knows that a change it sees may not be recorded yet.  Counted
 * with the lock held, by the caller, for each notify that follows.
 */

static void
ngx_http_egov_ban_notify(ngx_http_egov_ban_ctx_t *ctx,
    ngx_http_egov_entry_event_e event, ngx_http_egov_entry_t *e)
{
    ngx_atomic_uint_t  n;

    /* a removal learnt from the fleet too: the fleet layer keeps it */

    if (ngx_http_egov_entry_observer
        && (e->origin != NGX_HTTP_EGOV_ORIGIN_FLEET
            || event == NGX_HTTP_EGOV_ENTRY_REMOVED))
    {
        ngx_http_egov_entry_observer(event, e);
    }

    /* never below 0: a count forgotten (its worker taken for dead) */

    for ( ;; ) {
        n = ctx->sh->changing;

        if (n == 0 || ngx_atomic_cmp_set(&ctx->sh->changing, n, n - 1)) {
            break;
        }
    }
}


/*
 * API: changes made to the zone and not yet told (0: none).  Telling one
 * takes microseconds: one that began more than a second ago never will be
 * (its worker died, between the zone's write and its record), and would
 * keep every reconciliation from trusting Redis until a restart: it is
 * forgotten, and said.
 */

ngx_uint_t
ngx_http_egov_entry_changing(void)
{
    ngx_uint_t                changing;
    ngx_http_egov_ban_ctx_t  *ctx;

    ctx = ngx_http_egov_ban_ctx();

    if (ctx == NULL) {
        return 0;
    }

    ngx_shmtx_lock(&ctx->shpool->mutex);

    changing = (ngx_uint_t) ctx->sh->changing;

    if (changing
        && (ngx_msec_int_t) (ngx_current_msec - ctx->sh->changing_at)
           > NGX_HTTP_EGOV_BAN_TELLING_MAX)
    {
        ctx->sh->changing = 0;
        changing = 0;

        ngx_log_error(NGX_LOG_WARN, ngx_cycle->log, 0,
                      "egov: a change to the ban zone was not told to the "
                      "fleet within 5 seconds (its worker died while making "
                      "it?): forgotten; the next reconciliation makes it "
                      "good");
    }

    ngx_shmtx_unlock(&ctx->shpool->mutex);

    return changing;
}


static ngx_http_egov_ban_ctx_t *
ngx_http_egov_ban_ctx(void)
{
    ngx_http_egov_protect_main_conf_t  *pmcf;

    pmcf = ngx_http_cycle_get_module_main_conf(ngx_cycle,
                                               ngx_http_egov_protect_module);

    if (pmcf == NULL || pmcf->ban_zone == NULL) {
        return NULL;
    }

    return pmcf->ban_zone->data;
}


static ngx_int_t
ngx_http_egov_ban_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_http_egov_ban_ctx_t  *octx = data;

    size_t                    len;
    ngx_http_egov_ban_ctx_t  *ctx;

    ctx = shm_zone->data;

    if (octx) {
        /* a reload: the bans stay */
        ctx->sh = octx->sh;
        ctx->shpool = octx->shpool;
        ctx->key_ids = octx->key_ids;
        return NGX_OK;
    }

    ctx->shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (shm_zone->shm.exists) {
        ctx->sh = ctx->shpool->data;
        ngx_egov_hmac_key(&ctx->key_ids, ctx->sh->secret,
                          NGX_HTTP_EGOV_BAN_SECRET_LEN);
        return NGX_OK;
    }

    ctx->sh = ngx_slab_alloc(ctx->shpool, sizeof(ngx_http_egov_ban_shctx_t));
    if (ctx->sh == NULL) {
        return NGX_ERROR;
    }

    ngx_memzero(ctx->sh, sizeof(ngx_http_egov_ban_shctx_t));
    ctx->shpool->data = ctx->sh;

    if (RAND_bytes(ctx->sh->secret, NGX_HTTP_EGOV_BAN_SECRET_LEN) != 1) {
        ngx_log_error(NGX_LOG_EMERG, shm_zone->shm.log, 0,
                      "egov_ban_zone: no random bytes for its secret");
        return NGX_ERROR;
    }

    ngx_egov_hmac_key(&ctx->key_ids, ctx->sh->secret,
                      NGX_HTTP_EGOV_BAN_SECRET_LEN);

    ngx_rbtree_init(&ctx->sh->rbtree, &ctx->sh->sentinel,
                    ngx_http_egov_ban_rbtree_insert);
    ngx_queue_init(&ctx->sh->queue);
    ngx_queue_init(&ctx->sh->kept);
    ngx_queue_init(&ctx->sh->keys);
    ngx_queue_init(&ctx->sh->banned);
    ngx_queue_init(&ctx->sh->history);

    ctx->sh->keys_max = ngx_max(shm_zone->shm.size / 4
                                / sizeof(ngx_http_egov_ban_node_t), 1);

    len = sizeof(" in egov_ban_zone \"\"") + shm_zone->shm.name.len;

    ctx->shpool->log_ctx = ngx_slab_alloc(ctx->shpool, len);
    if (ctx->shpool->log_ctx == NULL) {
        return NGX_ERROR;
    }

    ngx_sprintf(ctx->shpool->log_ctx, " in egov_ban_zone \"%V\"%Z",
                &shm_zone->shm.name);

    ctx->shpool->log_nomem = 0;

    ngx_http_egov_ban_carry_over(shm_zone, ctx);

    return NGX_OK;
}


/*
 * The old zone's lock, for the carry-over: a worker killed while it held
 * it is not reaped while the master starts a cycle (SIGCHLD waits), so a
 * plain lock could wait for ever (a seventh review).  Tried for a second:
 * a holder that is gone (or a zombie) is unlocked, as nginx does when it
 * reaps one; a lock still held then leaves the old entries where they
 * are, said.
 */

static ngx_uint_t
ngx_http_egov_ban_gone(ngx_pid_t pid)
{
#if (NGX_LINUX)
    int      fd;
    char    *p;
    ssize_t  n;
    char     path[64], stat[128];
#endif

    if (kill(pid, 0) == -1 && ngx_errno == NGX_ESRCH) {
        return 1;
    }

#if (NGX_LINUX)

    /* a worker killed and not yet reaped: a zombie, "Z" after "(name)" */

    ngx_sprintf((u_char *) path, "/proc/%P/stat%Z", pid);

    fd = open(path, O_RDONLY);
    if (fd == -1) {
        return 0;
    }

    n = read(fd, stat, sizeof(stat) - 1);
    close(fd);

    if (n <= 0) {
        return 0;
    }

    stat[n] = '\0';
    p = strrchr(stat, ')');

    return p && p[1] == ' ' && p[2] == 'Z';

#else
    return 0;
#endif
}


static ngx_int_t
ngx_http_egov_ban_lock_old(ngx_shm_zone_t *shm_zone,
    ngx_http_egov_ban_ctx_t *octx)
{
    ngx_uint_t     tries;
    ngx_pid_t      pid;
    ngx_shmtx_t   *mtx;

    mtx = &octx->shpool->mutex;

    for (tries = 0; tries < 1000; tries++) {

        if (ngx_shmtx_trylock(mtx)) {
            return NGX_OK;
        }

#if (NGX_HAVE_ATOMIC_OPS)

        /* fcntl() locks die with their holder; these hold its pid */

        pid = (ngx_pid_t) *mtx->lock;

        if (pid > 0 && ngx_http_egov_ban_gone(pid)) {
            (void) ngx_shmtx_force_unlock(mtx, pid);
            continue;
        }

#endif

        ngx_msleep(1);
    }

    ngx_log_error(NGX_LOG_WARN, shm_zone->shm.log, 0,
                  "egov_ban_zone: its size changed, but the old zone "
                  "stayed locked: its entries were not carried over");

    return NGX_ERROR;
}


/*
 * A size changed at a reload makes nginx a new zone: what is in force and
 * what escalation remembers go into it from the old zone, still mapped
 * while the new cycle starts (a fifth review: sizing the zone during an
 * attack freed every banned address).  Operators' entries first, then
 * automatic bans, then history, each in its order; counts start again.
 */

static void
ngx_http_egov_ban_carry_over(ngx_shm_zone_t *shm_zone,
    ngx_http_egov_ban_ctx_t *ctx)
{
    ngx_uint_t                 i, k, n, lost, most;
    ngx_queue_t               *q, *from[3], *to[3];
    ngx_shm_zone_t            *zone;
    ngx_list_part_t           *part;
    ngx_http_egov_ban_ctx_t   *octx;
    ngx_http_egov_ban_node_t  *bn, *old;

    /* ngx_cycle is the old cycle until the new one has started */

    octx = NULL;
    part = (ngx_list_part_t *) &ngx_cycle->shared_memory.part;
    zone = part->elts;

    for (i = 0; /* void */ ; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }

            part = part->next;
            zone = part->elts;
            i = 0;
        }

        if (zone[i].tag == shm_zone->tag
            && zone[i].shm.name.len == shm_zone->shm.name.len
            && ngx_strncmp(zone[i].shm.name.data, shm_zone->shm.name.data,
                           shm_zone->shm.name.len)
               == 0)
        {
            octx = zone[i].data;
            break;
        }
    }

    if (octx == NULL || octx->sh == NULL) {
        return;
    }

    ngx_memcpy(ctx->sh->secret, octx->sh->secret,
               NGX_HTTP_EGOV_BAN_SECRET_LEN);
    ngx_egov_hmac_key(&ctx->key_ids, ctx->sh->secret,
                      NGX_HTTP_EGOV_BAN_SECRET_LEN);

    from[0] = &octx->sh->kept;
    to[0] = &ctx->sh->kept;
    from[1] = &octx->sh->banned;
    to[1] = &ctx->sh->banned;
    from[2] = &octx->sh->history;
    to[2] = &ctx->sh->history;

    n = 0;
    lost = 0;

    /*
     * the old cycle's workers still run and move nodes between these
     * queues: the walk holds their lock (a sixth review: a ban ending
     * during the walk led it into another queue's sentinel, and the
     * master went round for ever); and it takes no more nodes than the
     * old zone can hold, whatever it finds
     */

    most = octx->shpool->end - (u_char *) octx->shpool;
    most /= sizeof(ngx_http_egov_ban_node_t);

    if (ngx_http_egov_ban_lock_old(shm_zone, octx) != NGX_OK) {
        return;
    }

    for (k = 0; k < 3; k++) {

        for (q = ngx_queue_head(from[k]);
             q != ngx_queue_sentinel(from[k]) && n + lost < most;
             q = ngx_queue_next(q))
        {
            /*
             * a holder killed within its change may have left a queue
             * half made: only what lies in the old zone and links back
             * is read (the walk stops there, said)
             */

            if ((u_char *) q < (u_char *) octx->shpool
                || (u_char *) q >= octx->shpool->end
                    - sizeof(ngx_http_egov_ban_node_t)
                || (u_char *) q->next < (u_char *) octx->shpool
                || (u_char *) q->next >= octx->shpool->end
                || q->next->prev != q)
            {
                lost++;
                break;
            }

            old = ngx_queue_data(q, ngx_http_egov_ban_node_t, queue);

            bn = ngx_slab_alloc(ctx->shpool, sizeof(ngx_http_egov_ban_node_t));
            if (bn == NULL) {
                lost++;
                continue;
            }

            ngx_memcpy(bn, old, sizeof(ngx_http_egov_ban_node_t));

            ngx_rbtree_insert(&ctx->sh->rbtree, &bn->node);
            ngx_queue_insert_tail(to[k], &bn->queue);

            if (bn->kind != NGX_HTTP_EGOV_TRACK) {
                ctx->sh->plen[(bn->family == 4) ? 0 : 1][bn->prefix]++;
                ctx->sh->blocking++;
            }

            n++;
        }
    }

    ngx_shmtx_unlock(&octx->shpool->mutex);

    if (lost) {
        ngx_log_error(NGX_LOG_WARN, shm_zone->shm.log, 0,
                      "egov_ban_zone: its size changed: %ui entries carried "
                      "over, %ui lost (the zone is too small for them)",
                      n, lost);
        return;
    }

    ngx_log_error(NGX_LOG_NOTICE, shm_zone->shm.log, 0,
                  "egov_ban_zone: its size changed: %ui entries carried over",
                  n);
}


static void
ngx_http_egov_ban_rbtree_insert(ngx_rbtree_node_t *temp,
    ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel)
{
    ngx_rbtree_node_t         **p;
    ngx_http_egov_ban_node_t   *bn, *bnt;

    for ( ;; ) {

        if (node->key < temp->key) {
            p = &temp->left;

        } else if (node->key > temp->key) {
            p = &temp->right;

        } else { /* node->key == temp->key */

            bn = (ngx_http_egov_ban_node_t *) node;
            bnt = (ngx_http_egov_ban_node_t *) temp;

            p = (ngx_memcmp(&bn->family, &bnt->family, 2) < 0
                 || (ngx_memcmp(&bn->family, &bnt->family, 2) == 0
                     && ngx_memcmp(bn->addr, bnt->addr, 16) < 0))
                ? &temp->left : &temp->right;
        }

        if (*p == sentinel) {
            break;
        }

        temp = *p;
    }

    *p = node;
    node->parent = temp;
    node->left = sentinel;
    node->right = sentinel;
    ngx_rbt_red(node);
}


static u_char
ngx_http_egov_ban_family(ngx_egov_cidr_t *cidr)
{
    switch (cidr->family) {
    case AF_INET:
        return 4;
    case AF_INET6:
        return 6;
    default:
        return NGX_HTTP_EGOV_BAN_KEY_FAMILY;
    }
}


static uint32_t
ngx_http_egov_ban_hash(ngx_egov_cidr_t *cidr)
{
    u_char  key[18];

    key[0] = ngx_http_egov_ban_family(cidr);
    key[1] = (u_char) cidr->prefix;
    ngx_memcpy(key + 2, cidr->addr, 16);

    return ngx_crc32_short(key, sizeof(key));
}


static ngx_http_egov_ban_node_t *
ngx_http_egov_ban_lookup(ngx_http_egov_ban_ctx_t *ctx, ngx_egov_cidr_t *cidr,
    uint32_t hash)
{
    u_char                     family;
    ngx_rbtree_node_t         *node, *sentinel;
    ngx_http_egov_ban_node_t  *bn;

    family = ngx_http_egov_ban_family(cidr);
    node = ctx->sh->rbtree.root;
    sentinel = ctx->sh->rbtree.sentinel;

    while (node != sentinel) {

        if (hash < node->key) {
            node = node->left;
            continue;
        }

        if (hash > node->key) {
            node = node->right;
            continue;
        }

        bn = (ngx_http_egov_ban_node_t *) node;

        if (bn->family == family && bn->prefix == cidr->prefix
            && ngx_memcmp(bn->addr, cidr->addr, 16) == 0)
        {
            return bn;
        }

        /* the same hash: follow the order the insert used */

        node = (ngx_memcmp(&family, &bn->family, 1) < 0
                || (family == bn->family
                    && ((u_char) cidr->prefix < bn->prefix
                        || ((u_char) cidr->prefix == bn->prefix
                            && ngx_memcmp(cidr->addr, bn->addr, 16) < 0))))
               ? node->left : node->right;
    }

    return NULL;
}


static ngx_http_egov_ban_node_t *
ngx_http_egov_ban_create(ngx_log_t *log, ngx_http_egov_ban_ctx_t *ctx,
    ngx_egov_cidr_t *cidr, uint64_t now)
{
    ngx_uint_t                 tries, key;
    ngx_queue_t               *q, *from;
    ngx_http_egov_ban_node_t  *bn, *old;

    /*
     * room is made from the cold end of what visitors' behaviour made, a
     * node at a time: counts and history first, a ban in force only when
     * none is left; never from operators' entries; a key's count, from
     * the keys' queue only, which holds at most keys_max
     */

    key = (ngx_http_egov_ban_family(cidr) == NGX_HTTP_EGOV_BAN_KEY_FAMILY);
    from = key ? &ctx->sh->keys : &ctx->sh->queue;

    bn = NULL;

    if (!key || ctx->sh->keys_n < ctx->sh->keys_max) {
        bn = ngx_slab_alloc_locked(ctx->shpool,
                                   sizeof(ngx_http_egov_ban_node_t));
    }

    for (tries = 0; bn == NULL && tries < NGX_HTTP_EGOV_BAN_EVICT; tries++) {

        q = ngx_queue_last(from);

        /* no count left: history, then bans ended, then one in force */

        if (q == ngx_queue_sentinel(from) && from == &ctx->sh->queue) {
            from = &ctx->sh->history;
            q = ngx_queue_last(from);
        }

        if (q == ngx_queue_sentinel(from) && from == &ctx->sh->history
            && ngx_http_egov_ban_ended(ctx, now, NGX_HTTP_EGOV_BAN_EVICT)
               == 0)
        {
            from = &ctx->sh->banned;
        }

        q = ngx_queue_last(from);

        if (q == ngx_queue_sentinel(from)) {
            break;
        }

        old = ngx_queue_data(q, ngx_http_egov_ban_node_t, queue);

        if (ngx_http_egov_ban_active(old, now)) {
            ngx_http_egov_stat_inc(NGX_EGOV_STAT_BANS_EVICTED);

            if (now - ctx->sh->evict_reported >= NGX_HTTP_EGOV_FULL_REPORT) {
                ctx->sh->evict_reported = now;
                ngx_log_error(NGX_LOG_WARN, log, 0,
                              "egov_ban_zone: the oldest ban in force made "
                              "room for a new entry, the zone holding no "
                              "count or history left (more are counted in "
                              "bans_evicted_total)");
            }
        }

        ngx_http_egov_ban_delete(ctx, old);

        if (!key || ctx->sh->keys_n < ctx->sh->keys_max) {
            bn = ngx_slab_alloc_locked(ctx->shpool,
                                       sizeof(ngx_http_egov_ban_node_t));
        }
    }

    if (bn == NULL) {
        ngx_http_egov_stat_inc(NGX_EGOV_STAT_BAN_ZONE_FULL);

        if (now - ctx->sh->full_reported >= NGX_HTTP_EGOV_FULL_REPORT) {
            ctx->sh->full_reported = now;
            ngx_log_error(NGX_LOG_ERR, log, 0,
                          "egov_ban_zone is full of operators' entries: a "
                          "new one was not recorded (more are counted in "
                          "ban_zone_full_total)");
        }

        return NULL;
    }

    ngx_memzero(bn, sizeof(ngx_http_egov_ban_node_t));

    bn->family = ngx_http_egov_ban_family(cidr);
    bn->prefix = (u_char) cidr->prefix;
    ngx_memcpy(bn->addr, cidr->addr, 16);
    bn->window_start = now;
    bn->created = now;

    bn->node.key = ngx_http_egov_ban_hash(cidr);
    ngx_rbtree_insert(&ctx->sh->rbtree, &bn->node);
    ngx_queue_insert_head(key ? &ctx->sh->keys : &ctx->sh->queue,
                          &bn->queue);

    if (key) {
        ctx->sh->keys_n++;
    }

    return bn;
}


/*
 * To the head of its queue: "kept" for operators' entries (the admin API's
 * bans, here or, with a fleet secret, learnt from the fleet; every block
 * entry), "banned" for automatic bans (the escalator's, here or
 * elsewhere), "queue" for the rest (counts, history)
 */

static void
ngx_http_egov_ban_touch(ngx_http_egov_ban_ctx_t *ctx,
    ngx_http_egov_ban_node_t *bn)
{
    ngx_uint_t  kept;

    kept = bn->kind == NGX_HTTP_EGOV_ENTRY_BLOCK
           || ngx_http_egov_ban_by_operator(bn);

    ngx_queue_remove(&bn->queue);

    if (bn->family == NGX_HTTP_EGOV_BAN_KEY_FAMILY) {
        ngx_queue_insert_head(&ctx->sh->keys, &bn->queue);
        return;
    }

    ngx_queue_insert_head(kept ? &ctx->sh->kept
                          : (bn->kind == NGX_HTTP_EGOV_ENTRY_BAN)
                            ? &ctx->sh->banned
                            : ngx_http_egov_ban_track_queue(ctx, bn),
                          &bn->queue);
}


/*
 * Bans ended among the last "looked" of those in force (bans of different
 * lengths end out of the queue's order) become history, at the cold end
 * of "queue"; how many did
 */

static ngx_uint_t
ngx_http_egov_ban_ended(ngx_http_egov_ban_ctx_t *ctx, uint64_t now,
    ngx_uint_t looked)
{
    ngx_uint_t                 n;
    ngx_queue_t               *q, *prev;
    ngx_http_egov_ban_node_t  *bn;

    n = 0;
    q = ngx_queue_last(&ctx->sh->banned);

    while (looked-- && q != ngx_queue_sentinel(&ctx->sh->banned)) {

        prev = ngx_queue_prev(q);
        bn = ngx_queue_data(q, ngx_http_egov_ban_node_t, queue);

        if (!ngx_http_egov_ban_active(bn, now)) {
            ngx_http_egov_ban_set_kind(ctx, bn, NGX_HTTP_EGOV_TRACK);
            ngx_queue_remove(&bn->queue);
            ngx_queue_insert_tail(ngx_http_egov_ban_track_queue(ctx, bn),
                                  &bn->queue);
            n++;
        }

        q = prev;
    }

    return n;
}


static void
ngx_http_egov_ban_delete(ngx_http_egov_ban_ctx_t *ctx,
    ngx_http_egov_ban_node_t *bn)
{
    ngx_http_egov_ban_set_kind(ctx, bn, NGX_HTTP_EGOV_TRACK);

    if (bn->family == NGX_HTTP_EGOV_BAN_KEY_FAMILY) {
        ctx->sh->keys_n--;
    }

    ngx_queue_remove(&bn->queue);
    ngx_rbtree_delete(&ctx->sh->rbtree, &bn->node);
    ngx_slab_free_locked(ctx->shpool, bn);
}


/* keeps the per-prefix counts in step with what refuses */

static void
ngx_http_egov_ban_set_kind(ngx_http_egov_ban_ctx_t *ctx,
    ngx_http_egov_ban_node_t *bn, ngx_uint_t kind)
{
    ngx_uint_t  f;

    f = (bn->family == 4) ? 0 : 1;

    if (bn->kind == NGX_HTTP_EGOV_TRACK && kind != NGX_HTTP_EGOV_TRACK) {
        ctx->sh->plen[f][bn->prefix]++;
        ctx->sh->blocking++;

    } else if (bn->kind != NGX_HTTP_EGOV_TRACK
               && kind == NGX_HTTP_EGOV_TRACK)
    {
        ctx->sh->plen[f][bn->prefix]--;
        ctx->sh->blocking--;
    }

    bn->kind = (u_char) kind;
}


static ngx_uint_t
ngx_http_egov_ban_active(ngx_http_egov_ban_node_t *bn, uint64_t now)
{
    return bn->kind != NGX_HTTP_EGOV_TRACK
           && (bn->expires == 0 || bn->expires > now);
}


/* drops a few forgotten nodes from the cold end */

static void
ngx_http_egov_ban_expire(ngx_http_egov_ban_ctx_t *ctx, uint64_t now,
    ngx_uint_t n)
{
    ngx_uint_t                 looked;
    ngx_queue_t               *q, *prev;
    ngx_http_egov_ban_node_t  *bn;

    /* an operator's entry that expired leaves "kept": a look at its tail */

    q = ngx_queue_last(&ctx->sh->kept);

    if (q != ngx_queue_sentinel(&ctx->sh->kept)) {
        bn = ngx_queue_data(q, ngx_http_egov_ban_node_t, queue);

        if (!ngx_http_egov_ban_active(bn, now)) {
            ngx_http_egov_ban_set_kind(ctx, bn, NGX_HTTP_EGOV_TRACK);
            ngx_queue_remove(&bn->queue);
            ngx_queue_insert_tail(ngx_http_egov_ban_track_queue(ctx, bn),
                                  &bn->queue);
        }
    }

    /* bans ended become history: a look at the tail of bans in force */

    (void) ngx_http_egov_ban_ended(ctx, now, 8);

    /* a key's count is forgotten with its window: a look at their tail */

    q = ngx_queue_last(&ctx->sh->keys);

    if (q != ngx_queue_sentinel(&ctx->sh->keys)) {
        bn = ngx_queue_data(q, ngx_http_egov_ban_node_t, queue);

        if (bn->forget <= now) {
            ngx_http_egov_ban_delete(ctx, bn);
        }
    }

    /* history is forgotten in its time: a look at its tail */

    q = ngx_queue_last(&ctx->sh->history);

    if (q != ngx_queue_sentinel(&ctx->sh->history)) {
        bn = ngx_queue_data(q, ngx_http_egov_ban_node_t, queue);

        if (bn->forget <= now) {
            ngx_http_egov_ban_delete(ctx, bn);
        }
    }

    /* active entries are skipped, but only a few nodes are looked at */

    looked = 0;
    q = ngx_queue_last(&ctx->sh->queue);

    while (n && looked++ < 8 && q != ngx_queue_sentinel(&ctx->sh->queue)) {

        prev = ngx_queue_prev(q);
        bn = ngx_queue_data(q, ngx_http_egov_ban_node_t, queue);

        if (!ngx_http_egov_ban_active(bn, now) && bn->forget <= now) {
            ngx_http_egov_ban_delete(ctx, bn);
            n--;
        }

        q = prev;
    }
}


/*
 * Where a node that refuses nothing goes: one with bans behind it keeps
 * the escalation's memory and is evicted only when no plain count is left
 * (found by a helper's review: one-off violations from many addresses
 * evicted it, and the next ban of that address was a first one again)
 */

static ngx_queue_t *
ngx_http_egov_ban_track_queue(ngx_http_egov_ban_ctx_t *ctx,
    ngx_http_egov_ban_node_t *bn)
{
    return bn->bans ? &ctx->sh->history : &ctx->sh->queue;
}


static void
ngx_http_egov_ban_export(ngx_http_egov_ban_node_t *bn,
    ngx_http_egov_entry_t *e)
{
    ngx_memzero(e, sizeof(ngx_http_egov_entry_t));

    e->cidr.family = (bn->family == 4) ? AF_INET : AF_INET6;
    e->cidr.prefix = bn->prefix;
    ngx_memcpy(e->cidr.addr, bn->addr, 16);
    e->kind = bn->kind;
    e->origin = bn->origin;
    e->by_operator = ngx_http_egov_ban_by_operator(bn);
    e->created = bn->created;
    e->expires = bn->expires;
    e->bans = bn->bans;

    ngx_memcpy(e->reason_data, bn->reason, bn->reason_len);
    e->reason.data = e->reason_data;
    e->reason.len = bn->reason_len;
}
