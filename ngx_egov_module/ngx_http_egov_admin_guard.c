
/*
 * Failed bearer tokens at the admin API.  The API location is exempt from
 * bans and inherited limits (a team can always take back a mistaken ban),
 * so guessing tokens must be slowed here: every failure is logged (the
 * address anonymized as egov_anon_addr says) and counted, and an address
 * (an IPv6 /64) with too many failures in a window is refused, token or
 * not, until the window ends.  Other addresses, and correct tokens from
 * them, are never refused for it.
 *
 * The failures are kept in a small table in shared memory ("egov_admin"):
 * a few slots probed per address, the oldest reused when all are taken,
 * so a flood of addresses costs bounded memory and no walk of the table.
 */


#include "ngx_http_egov_admin_guard.h"
#include "ngx_http_egov_protect.h"
#include "ngx_http_egov_anon.h"


#define NGX_HTTP_EGOV_GUARD_SLOTS     4096
#define NGX_HTTP_EGOV_GUARD_PROBES    8
#define NGX_HTTP_EGOV_GUARD_SHM       (256 * 1024)


typedef struct {
    u_char                      key[16];     /* IPv4, or an IPv6 /64 */
    uint64_t                    start;       /* the window's, epoch ms */
    ngx_uint_t                  failures;
    ngx_uint_t                  used;
} ngx_http_egov_guard_slot_t;


typedef struct {
    ngx_http_egov_guard_slot_t  slot[NGX_HTTP_EGOV_GUARD_SLOTS];
} ngx_http_egov_guard_sh_t;


static ngx_int_t ngx_http_egov_guard_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);
static ngx_http_egov_guard_slot_t *ngx_http_egov_guard_slot(
    ngx_http_egov_guard_sh_t *sh, u_char *key, ngx_uint_t add,
    uint64_t now);
static ngx_int_t ngx_http_egov_guard_key(ngx_http_request_t *r,
    u_char *key);


static ngx_str_t  ngx_http_egov_guard_zone_name = ngx_string("egov_admin");


ngx_shm_zone_t *
ngx_http_egov_admin_guard_zone(ngx_conf_t *cf, void *tag)
{
    ngx_shm_zone_t  *zone;

    zone = ngx_shared_memory_add(cf, &ngx_http_egov_guard_zone_name,
                                 NGX_HTTP_EGOV_GUARD_SHM, tag);
    if (zone == NULL) {
        return NULL;
    }

    zone->init = ngx_http_egov_guard_init_zone;

    return zone;
}


static ngx_int_t
ngx_http_egov_guard_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_slab_pool_t  *shpool;

    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (data || shm_zone->shm.exists) {
        shm_zone->data = shpool->data;
        return NGX_OK;
    }

    shm_zone->data = ngx_slab_calloc(shpool,
                                     sizeof(ngx_http_egov_guard_sh_t));
    if (shm_zone->data == NULL) {
        return NGX_ERROR;
    }

    shpool->data = shm_zone->data;

    return NGX_OK;
}


/* NGX_OK: the address may try a token; NGX_BUSY: refused for *retry s */

ngx_int_t
ngx_http_egov_admin_guard_check(ngx_http_request_t *r, ngx_shm_zone_t *zone,
    ngx_http_egov_admin_guard_conf_t *gc, time_t *retry)
{
    u_char                       key[16];
    uint64_t                     now, end;
    ngx_int_t                    rc;
    ngx_slab_pool_t             *shpool;
    ngx_http_egov_guard_slot_t  *s;

    if (zone == NULL || zone->data == NULL
        || ngx_http_egov_guard_key(r, key) != NGX_OK)
    {
        return NGX_OK;
    }

    shpool = (ngx_slab_pool_t *) zone->shm.addr;
    now = ngx_http_egov_now_ms();
    rc = NGX_OK;

    ngx_shmtx_lock(&shpool->mutex);

    s = ngx_http_egov_guard_slot(zone->data, key, 0, now);

    if (s && s->failures >= gc->failures) {
        end = s->start + gc->window;

        if (now < end) {
            *retry = (time_t) ((end - now + 999) / 1000);
            rc = NGX_BUSY;
        }
    }

    ngx_shmtx_unlock(&shpool->mutex);

    return rc;
}


void
ngx_http_egov_admin_guard_failed(ngx_http_request_t *r, ngx_shm_zone_t *zone,
    ngx_http_egov_admin_guard_conf_t *gc)
{
    u_char                          key[16], text[NGX_SOCKADDR_STRLEN];
    size_t                          len;
    uint64_t                        now;
    ngx_log_t                       log;
    ngx_uint_t                      failures;
    ngx_slab_pool_t                *shpool;
    ngx_http_egov_guard_slot_t     *s;
    ngx_http_egov_anon_loc_conf_t  *alcf;

    ngx_http_egov_stat_inc(NGX_EGOV_STAT_ADMIN_AUTH_FAILED);

    failures = 0;

    if (zone && zone->data && ngx_http_egov_guard_key(r, key) == NGX_OK) {
        shpool = (ngx_slab_pool_t *) zone->shm.addr;
        now = ngx_http_egov_now_ms();

        ngx_shmtx_lock(&shpool->mutex);

        s = ngx_http_egov_guard_slot(zone->data, key, 1, now);

        if (s->start + gc->window <= now) {
            s->start = now;
            s->failures = 0;
        }

        failures = ++s->failures;

        ngx_shmtx_unlock(&shpool->mutex);
    }

    /* the address as the anonymized logs write it; no request line */

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_egov_anon_module);
    len = ngx_http_egov_anon_addr(alcf, r->connection->sockaddr, text);

    log = *r->connection->log;
    log.handler = NULL;
    log.data = NULL;

    ngx_log_error(NGX_LOG_WARN, &log, 0,
                  "egov admin: no valid bearer token from %*s (%ui in this "
                  "window)%s", len, text, failures,
                  failures == gc->failures
                  ? "; the address is refused until the window ends" : "");
}


/*
 * The slot of a key: found among its probes, or (add) an unused one or the
 * one whose window started first, whose count is then forgotten
 */

static ngx_http_egov_guard_slot_t *
ngx_http_egov_guard_slot(ngx_http_egov_guard_sh_t *sh, u_char *key,
    ngx_uint_t add, uint64_t now)
{
    uint32_t                     hash;
    ngx_uint_t                   i;
    ngx_http_egov_guard_slot_t  *s, *victim;

    hash = ngx_murmur_hash2(key, 16);
    victim = NULL;

    for (i = 0; i < NGX_HTTP_EGOV_GUARD_PROBES; i++) {
        s = &sh->slot[(hash + i) % NGX_HTTP_EGOV_GUARD_SLOTS];

        if (s->used && ngx_memcmp(s->key, key, 16) == 0) {
            return s;
        }

        if (victim == NULL || !s->used
            || (victim->used && s->start < victim->start))
        {
            victim = s;
        }
    }

    if (!add) {
        return NULL;
    }

    ngx_memcpy(victim->key, key, 16);
    victim->used = 1;
    victim->start = now;
    victim->failures = 0;

    return victim;
}


/* the client's address (after realip), an IPv6 one cut to its /64 */

static ngx_int_t
ngx_http_egov_guard_key(ngx_http_request_t *r, u_char *key)
{
    ngx_egov_cidr_t  addr;

    if (ngx_egov_cidr_from_sockaddr(r->connection->sockaddr, &addr)
        != NGX_EGOV_CIDR_OK)
    {
        return NGX_DECLINED;
    }

    if (addr.family == AF_INET6) {
        ngx_egov_cidr_mask(&addr, 64);
    }

    ngx_memzero(key, 16);
    ngx_memcpy(key, addr.addr, 16);
    key[15] ^= (addr.family == AF_INET6);

    return NGX_OK;
}
