
/*
 * The last hour at a glance, for the status page: once a minute the
 * counters a person watches (requests refused, bans made, consent
 * decisions) and whether Redis is up are noted in a ring of 60 slots in
 * shared memory.  Every worker looks every 10 seconds; the first to see a
 * new minute takes its slot.  Nothing on the request path.
 */


#include "ngx_http_egov_module.h"
#include "ngx_egov_redis.h"


#define NGX_HTTP_EGOV_HISTORY_TICK  10000    /* ms */


typedef struct {
    ngx_atomic_t                minute;      /* time / 60; 0: empty */
    uint64_t                    value[NGX_HTTP_EGOV_HISTORY_SERIES];
} ngx_http_egov_history_slot_t;


typedef struct {
    ngx_http_egov_history_slot_t  slot[NGX_HTTP_EGOV_HISTORY_MINUTES];
} ngx_http_egov_history_shm_t;


static ngx_int_t ngx_http_egov_history_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);
static void ngx_http_egov_history_tick(ngx_event_t *ev);


static ngx_http_egov_history_shm_t  *ngx_http_egov_history;
static ngx_event_t                   ngx_http_egov_history_timer;


ngx_int_t
ngx_http_egov_history_init_conf(ngx_conf_t *cf)
{
    ngx_str_t        name = ngx_string("egov_history");
    ngx_shm_zone_t  *shm_zone;

    shm_zone = ngx_shared_memory_add(cf, &name, 8 * ngx_pagesize,
                                     &ngx_http_egov_module);
    if (shm_zone == NULL) {
        return NGX_ERROR;
    }

    shm_zone->init = ngx_http_egov_history_init_zone;

    return NGX_OK;
}


static ngx_int_t
ngx_http_egov_history_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_slab_pool_t  *shpool;

    if (data) {
        shm_zone->data = data;
        ngx_http_egov_history = data;
        return NGX_OK;
    }

    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (shm_zone->shm.exists) {
        shm_zone->data = shpool->data;
        ngx_http_egov_history = shpool->data;
        return NGX_OK;
    }

    ngx_http_egov_history = ngx_slab_calloc(shpool,
                                        sizeof(ngx_http_egov_history_shm_t));
    if (ngx_http_egov_history == NULL) {
        return NGX_ERROR;
    }

    shpool->data = ngx_http_egov_history;
    shm_zone->data = ngx_http_egov_history;

    return NGX_OK;
}


/* in each worker: a note now, then every 10 seconds */

void
ngx_http_egov_history_start(ngx_cycle_t *cycle)
{
    if (ngx_http_egov_history == NULL) {
        return;
    }

    ngx_http_egov_history_timer.handler = ngx_http_egov_history_tick;
    ngx_http_egov_history_timer.log = cycle->log;
    ngx_http_egov_history_timer.data = cycle;
    ngx_http_egov_history_timer.cancelable = 1;

    ngx_http_egov_history_tick(&ngx_http_egov_history_timer);
}


/* the watched values as they are now */

void
ngx_http_egov_history_now(uint64_t *value)
{
    ngx_egov_redis_info_t  info;

    value[NGX_HTTP_EGOV_HISTORY_REFUSED] =
                    ngx_http_egov_stat_get(NGX_EGOV_STAT_REFUSED_BLOCKLIST)
                    + ngx_http_egov_stat_get(NGX_EGOV_STAT_REFUSED_DYNAMIC)
                    + ngx_http_egov_stat_get(NGX_EGOV_STAT_REFUSED_BAN)
                    + ngx_http_egov_stat_get(NGX_EGOV_STAT_REFUSED_SIGNATURE)
                    + ngx_http_egov_stat_get(NGX_EGOV_STAT_REFUSED_LIMIT)
                    + ngx_http_egov_stat_get(NGX_EGOV_STAT_REFUSED_UNAVAILABLE);

    value[NGX_HTTP_EGOV_HISTORY_BANS] =
                    ngx_http_egov_stat_get(NGX_EGOV_STAT_BANS);

    value[NGX_HTTP_EGOV_HISTORY_DECISIONS] =
                    ngx_http_egov_stat_get(NGX_EGOV_STAT_CONSENT_ACCEPT)
                    + ngx_http_egov_stat_get(NGX_EGOV_STAT_CONSENT_REJECT)
                    + ngx_http_egov_stat_get(NGX_EGOV_STAT_CONSENT_CHOOSE);

    ngx_egov_redis_info(&info);

    /* 2: up, 1: down, 0: no Redis configured */
    value[NGX_HTTP_EGOV_HISTORY_REDIS] =
                    (info.state == NGX_EGOV_REDIS_STATE_OFF) ? 0
                    : (info.state == NGX_EGOV_REDIS_STATE_UP) ? 2 : 1;
}


static void
ngx_http_egov_history_tick(ngx_event_t *ev)
{
    ngx_atomic_uint_t              minute, seen;
    ngx_http_egov_history_slot_t  *slot;

    minute = (ngx_atomic_uint_t) (ngx_time() / 60);
    slot = &ngx_http_egov_history->slot[minute
                                        % NGX_HTTP_EGOV_HISTORY_MINUTES];
    seen = slot->minute;

    /* the first worker to see a new minute notes it; the others leave it */

    if (seen != minute && ngx_atomic_cmp_set(&slot->minute, seen, minute)) {
        ngx_http_egov_history_now(slot->value);
    }

    if (!ngx_exiting && !ngx_terminate && !ngx_quit) {
        ngx_add_timer(ev, NGX_HTTP_EGOV_HISTORY_TICK);
    }
}


/*
 * The values noted at the start of a minute (time / 60); NGX_DECLINED
 * when nothing was noted then
 */

ngx_int_t
ngx_http_egov_history_at(ngx_atomic_uint_t minute, uint64_t *value)
{
    ngx_uint_t                     i;
    ngx_http_egov_history_slot_t  *slot;

    if (ngx_http_egov_history == NULL || minute == 0) {
        return NGX_DECLINED;
    }

    slot = &ngx_http_egov_history->slot[minute
                                        % NGX_HTTP_EGOV_HISTORY_MINUTES];

    if (slot->minute != minute) {
        return NGX_DECLINED;
    }

    for (i = 0; i < NGX_HTTP_EGOV_HISTORY_SERIES; i++) {
        value[i] = slot->value[i];
    }

    return NGX_OK;
}
