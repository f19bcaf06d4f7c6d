
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
 * a few slots probed per address, placed by an HMAC with the table's own
 * random secret (no one can choose addresses that share another's
 * slots), so a flood of addresses costs bounded memory and no walk of the
 * table.  When all of an address's slots are taken, the one reused is an
 * unused one, else one whose window ended, else the one with the fewest
 * failures: an address refused keeps its slot while others still count.
 */


#include "ngx_http_egov_admin_guard.h"
#include "ngx_http_egov_protect.h"
#include "ngx_http_egov_anon.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>


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
    u_char                      secret[32];  /* places the slots */
} ngx_http_egov_guard_sh_t;


static ngx_int_t ngx_http_egov_guard_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);
static ngx_http_egov_guard_slot_t *ngx_http_egov_guard_slot(
    ngx_http_egov_guard_sh_t *sh, u_char *key,
    ngx_http_egov_admin_guard_conf_t *gc, ngx_uint_t add, uint64_t now);
static ngx_uint_t ngx_http_egov_guard_rank(ngx_http_egov_guard_slot_t *s,
    ngx_http_egov_admin_guard_conf_t *gc, uint64_t now);
static ngx_int_t ngx_http_egov_guard_key(ngx_http_request_t *r,
    ngx_http_egov_admin_guard_conf_t *gc, u_char *key);


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
    ngx_slab_pool_t           *shpool;
    ngx_http_egov_guard_sh_t  *sh;

    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (data || shm_zone->shm.exists) {
        shm_zone->data = shpool->data;
        return NGX_OK;
    }

    sh = ngx_slab_calloc(shpool, sizeof(ngx_http_egov_guard_sh_t));
    if (sh == NULL) {
        return NGX_ERROR;
    }

    if (RAND_bytes(sh->secret, sizeof(sh->secret)) != 1) {
        ngx_log_error(NGX_LOG_EMERG, shm_zone->shm.log, 0,
                      "egov_admin_guard: no random bytes for its secret");
        return NGX_ERROR;
    }

    shm_zone->data = sh;
    shpool->data = sh;

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
        || ngx_http_egov_guard_key(r, gc, key) != NGX_OK)
    {
        return NGX_OK;
    }

    shpool = (ngx_slab_pool_t *) zone->shm.addr;
    now = ngx_http_egov_now_ms();
    rc = NGX_OK;

    ngx_shmtx_lock(&shpool->mutex);

    s = ngx_http_egov_guard_slot(zone->data, key, gc, 0, now);

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
    ngx_uint_t                      failures, counted;
    ngx_slab_pool_t                *shpool;
    ngx_http_egov_guard_slot_t     *s;
    ngx_http_egov_anon_loc_conf_t  *alcf;

    ngx_http_egov_stat_inc(NGX_EGOV_STAT_ADMIN_AUTH_FAILED);

    failures = 0;
    counted = (zone && zone->data
               && ngx_http_egov_guard_key(r, gc, key) == NGX_OK);

    if (counted) {
        shpool = (ngx_slab_pool_t *) zone->shm.addr;
        now = ngx_http_egov_now_ms();

        ngx_shmtx_lock(&shpool->mutex);

        s = ngx_http_egov_guard_slot(zone->data, key, gc, 1, now);

        if (s) {
            if (s->start + gc->window <= now) {
                s->start = now;
                s->failures = 0;
            }

            failures = ++s->failures;
        }

        ngx_shmtx_unlock(&shpool->mutex);
    }

    /* the address as the anonymized logs write it; no request line */

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_egov_anon_module);
    len = ngx_http_egov_anon_addr(alcf, r->connection->sockaddr, text);

    log = *r->connection->log;
    log.handler = NULL;
    log.data = NULL;

    if (!counted) {
        ngx_log_error(NGX_LOG_WARN, &log, 0,
                      "egov admin: no valid bearer token from %*s (a "
                      "loopback or unix-socket client, or no guard: never "
                      "refused for it)", len, text);
        return;
    }

    ngx_log_error(NGX_LOG_WARN, &log, 0,
                  "egov admin: no valid bearer token from %*s (%ui in this "
                  "window)%s", len, text, failures,
                  failures == gc->failures
                  ? "; the address is refused until the window ends" : "");
}


/*
 * The slot of a key: found among its probes, or (add) the best of them to
 * reuse, whose count is then forgotten; NULL when it has none
 */

static ngx_http_egov_guard_slot_t *
ngx_http_egov_guard_slot(ngx_http_egov_guard_sh_t *sh, u_char *key,
    ngx_http_egov_admin_guard_conf_t *gc, ngx_uint_t add, uint64_t now)
{
    uint32_t                     hash;
    ngx_uint_t                   i, rank, best;
    unsigned int                 len;
    ngx_http_egov_guard_slot_t  *s, *victim;
    u_char                       md[EVP_MAX_MD_SIZE];

    if (HMAC(EVP_sha256(), sh->secret, sizeof(sh->secret), key, 16, md, &len)
        == NULL)
    {
        return NULL;
    }

    hash = (uint32_t) md[0] << 24 | md[1] << 16 | md[2] << 8 | md[3];
    victim = NULL;
    best = 0;

    for (i = 0; i < NGX_HTTP_EGOV_GUARD_PROBES; i++) {
        s = &sh->slot[(hash + i) % NGX_HTTP_EGOV_GUARD_SLOTS];

        if (s->used && ngx_memcmp(s->key, key, 16) == 0) {
            return s;
        }

        rank = ngx_http_egov_guard_rank(s, gc, now);

        if (victim == NULL || rank < best
            || (rank == best && s->start < victim->start))
        {
            victim = s;
            best = rank;
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


/*
 * How much a slot's reuse would lose: nothing (unused, or its window
 * ended), then its failures; an address refused, the most of all
 */

static ngx_uint_t
ngx_http_egov_guard_rank(ngx_http_egov_guard_slot_t *s,
    ngx_http_egov_admin_guard_conf_t *gc, uint64_t now)
{
    if (!s->used || s->start + gc->window <= now) {
        return 0;
    }

    if (s->failures >= gc->failures) {
        return NGX_MAX_UINT32_VALUE;
    }

    return s->failures;
}


/*
 * The client's address (after realip), an IPv6 one cut to its /64.  None
 * for a unix socket's client, nor, unless loopback=on, for a loopback
 * address: every local process shares it, the security team's egovctl
 * too, and any of them could keep the team out
 */

static ngx_int_t
ngx_http_egov_guard_key(ngx_http_request_t *r,
    ngx_http_egov_admin_guard_conf_t *gc, u_char *key)
{
    ngx_egov_cidr_t  addr;

    static u_char    v6_loopback[16] = { 0, 0, 0, 0, 0, 0, 0, 0,
                                         0, 0, 0, 0, 0, 0, 0, 1 };

    if (ngx_egov_cidr_from_sockaddr(r->connection->sockaddr, &addr)
        != NGX_EGOV_CIDR_OK)
    {
        return NGX_DECLINED;
    }

    if (!gc->loopback
        && ((addr.family == AF_INET && addr.addr[0] == 127)
            || (addr.family == AF_INET6
                && ngx_memcmp(addr.addr, v6_loopback, 16) == 0)))
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
