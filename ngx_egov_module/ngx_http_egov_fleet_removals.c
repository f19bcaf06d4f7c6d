
/*
 * Removals made on this server while Redis was away (an unban through the
 * admin API or egovctl during an outage) or that Redis refused to make (an
 * ACL, a full Redis).  Redis still holds the entry, and the reconciliation
 * would apply it again: the removal would be undone.  So each such removal
 * is remembered in shared memory (the "egov_fleet" zone: any worker may
 * make it, worker 0 reconciles), and the reconciliation removes from
 * Redis, and from the fleet, every entry a later removal here names.  An
 * entry made again elsewhere after the removal is newer: it stays.
 *
 * Entries Redis was not told of are remembered the same way (made while
 * the worker's connection was away, refused, not answered, or still on
 * their way: a write is recorded before it is sent): the reconciliation
 * writes those, and takes the absence of any other entry made here for a
 * removal made elsewhere.
 *
 * With a fleet secret, the latest removals applied here (made here or
 * elsewhere) are kept too, after Redis made them: someone who can write
 * to Redis but has not the secret could put an entry's older signed value
 * back over the signed mark its removal left, and the reconciliation
 * would apply it again; it makes the removal again instead.
 *
 * And which fleet this server has reconciled with (ngx_egov_redis_identity:
 * Redis, hash, secret): a server that joins one, by a start or by a reload
 * that changes any of those, brings every entry it holds; a reload that
 * changes none does not write back an entry removed elsewhere while it was
 * not listening.
 */


#include "ngx_http_egov_fleet.h"


#define NGX_HTTP_EGOV_FLEET_REMOVALS  1024
#define NGX_HTTP_EGOV_FLEET_REMOVED    512
#define NGX_HTTP_EGOV_FLEET_SHM       (128 * 1024)


typedef struct {
    ngx_uint_t                     n;
    ngx_uint_t                     dropped;  /* the oldest, when full */
    ngx_uint_t                     dropped_operators;
    ngx_uint_t                     reading;  /* worker 0 reads the hash */
    uint64_t                       seq;      /* the last change's */
    uint32_t                       fleet;    /* reconciled with, once */
    ngx_uint_t                     joined;   /* (ngx_egov_redis_identity) */
    ngx_uint_t                     removed_next;
    ngx_http_egov_fleet_removal_t  removal[NGX_HTTP_EGOV_FLEET_REMOVALS];

    /* the latest removals made in the fleet, kept (a ring) */
    ngx_http_egov_fleet_removal_t  removed[NGX_HTTP_EGOV_FLEET_REMOVED];
} ngx_http_egov_fleet_sh_t;


static ngx_http_egov_fleet_sh_t *ngx_http_egov_fleet_lock(
    ngx_slab_pool_t **shpool);
static ngx_int_t ngx_http_egov_fleet_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);
static void ngx_http_egov_fleet_removals_compact(
    ngx_http_egov_fleet_sh_t *sh);
static ngx_uint_t ngx_http_egov_fleet_named(ngx_array_t *removals,
    ngx_http_egov_entry_t *e, ngx_uint_t added);
static ngx_http_egov_fleet_removal_t *ngx_http_egov_fleet_removal_first(
    ngx_array_t *removals, ngx_http_egov_entry_t *e);
static int ngx_libc_cdecl ngx_http_egov_fleet_removal_cmp(const void *one,
    const void *two);


static ngx_str_t        ngx_http_egov_fleet_zone_name =
    ngx_string("egov_fleet");


ngx_int_t
ngx_http_egov_fleet_removals_init(ngx_conf_t *cf)
{
    ngx_shm_zone_t                   *zone;
    ngx_http_egov_fleet_main_conf_t  *fmcf;

    zone = ngx_shared_memory_add(cf, &ngx_http_egov_fleet_zone_name,
                                 NGX_HTTP_EGOV_FLEET_SHM,
                                 &ngx_http_egov_fleet_module);
    if (zone == NULL) {
        return NGX_ERROR;
    }

    zone->init = ngx_http_egov_fleet_init_zone;

    fmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_egov_fleet_module);
    fmcf->removals = zone;

    return NGX_OK;
}


/* the running cycle's zone, with its data, or NULL */

static ngx_shm_zone_t *
ngx_http_egov_fleet_removals_zone(void)
{
    ngx_http_egov_fleet_main_conf_t  *fmcf;

    fmcf = ngx_http_cycle_get_module_main_conf(ngx_cycle,
                                               ngx_http_egov_fleet_module);

    if (fmcf == NULL || fmcf->removals == NULL
        || fmcf->removals->data == NULL)
    {
        return NULL;
    }

    return fmcf->removals;
}


/* the running cycle's zone data, locked; NULL without one */

static ngx_http_egov_fleet_sh_t *
ngx_http_egov_fleet_lock(ngx_slab_pool_t **shpool)
{
    ngx_shm_zone_t  *zone;

    zone = ngx_http_egov_fleet_removals_zone();
    if (zone == NULL) {
        return NULL;
    }

    *shpool = (ngx_slab_pool_t *) zone->shm.addr;
    ngx_shmtx_lock(&(*shpool)->mutex);

    return zone->data;
}


static ngx_int_t
ngx_http_egov_fleet_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_slab_pool_t           *shpool;
    ngx_http_egov_fleet_sh_t  *sh;

    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (data || shm_zone->shm.exists) {
        /* a reload: the removals not yet made in Redis are kept */
        shm_zone->data = shpool->data;
        return NGX_OK;
    }

    sh = ngx_slab_calloc(shpool, sizeof(ngx_http_egov_fleet_sh_t));
    if (sh == NULL) {
        return NGX_ERROR;
    }

    shpool->data = sh;
    shm_zone->data = sh;

    return NGX_OK;
}


/*
 * any worker: a removal Redis could not be told of, made at "at", or an
 * entry it could not be told of ("added": "at" is the entry's creation
 * time, which tells it from a later one of the same prefix)
 */

uint64_t
ngx_http_egov_fleet_removal_record(ngx_http_egov_entry_t *e,
    ngx_uint_t added, uint64_t at)
{
    uint64_t                   seq;
    ngx_uint_t                 i, operator;
    ngx_slab_pool_t           *shpool;
    ngx_http_egov_fleet_sh_t  *sh;

    operator = ngx_http_egov_fleet_by_operator(e);

    sh = ngx_http_egov_fleet_lock(&shpool);
    if (sh == NULL) {
        return 0;
    }

    if (sh->n == NGX_HTTP_EGOV_FLEET_REMOVALS) {
        ngx_http_egov_fleet_removals_compact(sh);
    }

    if (sh->n == NGX_HTTP_EGOV_FLEET_REMOVALS) {

        /*
         * the oldest automatic change goes (an attacker's addresses can
         * make those by the thousand), an operator's only when nothing
         * else is left
         */

        for (i = 0; i < sh->n && sh->removal[i].operator; i++) {
            /* void */
        }

        if (i == sh->n) {
            i = 0;
            sh->dropped_operators++;
        }

        ngx_memmove(&sh->removal[i], &sh->removal[i + 1],
                    (sh->n - i - 1) * sizeof(ngx_http_egov_fleet_removal_t));
        sh->n--;
        sh->dropped++;
    }

    sh->removal[sh->n].forgotten = 0;
    sh->removal[sh->n].operator = operator;
    sh->removal[sh->n].cidr = e->cidr;
    sh->removal[sh->n].kind = e->kind;
    sh->removal[sh->n].added = added;
    sh->removal[sh->n].time = at;
    sh->removal[sh->n].seq = ++sh->seq;
    sh->n++;

    seq = sh->seq;

    ngx_shmtx_unlock(&shpool->mutex);

    return seq;
}


/* the changes Redis made since they were recorded go, in order */

static void
ngx_http_egov_fleet_removals_compact(ngx_http_egov_fleet_sh_t *sh)
{
    ngx_uint_t  i, n;

    for (i = 0, n = 0; i < sh->n; i++) {
        if (!sh->removal[i].forgotten) {
            sh->removal[n++] = sh->removal[i];
        }
    }

    sh->n = n;
}


/*
 * any worker: Redis made the change recorded as "seq" (a write is recorded
 * before it is sent, so that a reconciliation made meanwhile counts it).
 * While worker 0 reads the hash, the record stays: the read may have been
 * made before the change, and the reconciliation makes it again.
 */

void
ngx_http_egov_fleet_removal_forget(uint64_t seq)
{
    ngx_uint_t                 lo, hi, mid;
    ngx_slab_pool_t           *shpool;
    ngx_http_egov_fleet_sh_t  *sh;

    if (seq == 0) {
        return;
    }

    sh = ngx_http_egov_fleet_lock(&shpool);
    if (sh == NULL) {
        return;
    }

    /* in the order made */

    lo = 0;
    hi = sh->n;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;

        if (sh->removal[mid].seq < seq) {
            lo = mid + 1;

        } else {
            hi = mid;
        }
    }

    if (lo < sh->n && sh->removal[lo].seq == seq && !sh->reading) {
        sh->removal[lo].forgotten = 1;
    }

    ngx_shmtx_unlock(&shpool->mutex);
}


/* worker 0: its read of the hash is sent (1), or answered or failed (0) */

void
ngx_http_egov_fleet_removals_reading(ngx_uint_t reading)
{
    ngx_slab_pool_t           *shpool;
    ngx_http_egov_fleet_sh_t  *sh;

    sh = ngx_http_egov_fleet_lock(&shpool);
    if (sh == NULL) {
        return;
    }

    sh->reading = reading;
    ngx_shmtx_unlock(&shpool->mutex);
}


/*
 * worker 0, reconciling: a copy of the changes remembered, sorted by
 * prefix for ngx_http_egov_fleet_removed() and _unwritten();
 * *lost: whether some were dropped, for want of room, since the last copy
 */

ngx_array_t *
ngx_http_egov_fleet_removals_take(ngx_pool_t *pool, ngx_uint_t *lost)
{
    ngx_uint_t                      i, dropped, operators;
    ngx_array_t                    *a;
    ngx_http_egov_fleet_removal_t  *r;
    ngx_slab_pool_t                *shpool;
    ngx_http_egov_fleet_sh_t       *sh;

    *lost = 0;

    if (ngx_http_egov_fleet_removals_zone() == NULL) {
        return NULL;
    }

    /* allocated before the lock is taken: no worker waits on malloc() */

    a = ngx_array_create(pool,
                         NGX_HTTP_EGOV_FLEET_REMOVALS
                         + NGX_HTTP_EGOV_FLEET_REMOVED,
                         sizeof(ngx_http_egov_fleet_removal_t));
    if (a == NULL) {
        return NULL;
    }

    sh = ngx_http_egov_fleet_lock(&shpool);
    if (sh == NULL) {
        return NULL;
    }

    r = a->elts;

    for (i = 0; i < sh->n; i++) {
        if (!sh->removal[i].forgotten) {
            r[a->nelts++] = sh->removal[i];
        }
    }

    /* and the latest removals, made or not (no sequence: none forgotten) */

    for (i = 0; i < NGX_HTTP_EGOV_FLEET_REMOVED; i++) {
        if (sh->removed[i].time) {
            r[a->nelts] = sh->removed[i];
            r[a->nelts++].seq = 0;
        }
    }

    dropped = sh->dropped;
    operators = sh->dropped_operators;
    sh->dropped = 0;
    sh->dropped_operators = 0;

    ngx_shmtx_unlock(&shpool->mutex);

    ngx_qsort(a->elts, a->nelts, sizeof(ngx_http_egov_fleet_removal_t),
              ngx_http_egov_fleet_removal_cmp);

    if (dropped) {
        *lost = 1;

        ngx_log_error(NGX_LOG_WARN, ngx_cycle->log, 0,
                      "egov fleet: %ui more changes were left for Redis "
                      "to make than could be remembered (%ui of them an "
                      "operator's); entries missing from Redis are kept "
                      "until the next reconciliation", dropped, operators);
    }

    return a;
}


/* the changes taken are in Redis now: forgotten; later ones stay */

void
ngx_http_egov_fleet_removals_done(ngx_array_t *taken)
{
    uint64_t                        last;
    ngx_uint_t                      i, n;
    ngx_slab_pool_t                *shpool;
    ngx_http_egov_fleet_sh_t       *sh;
    ngx_http_egov_fleet_removal_t  *r;

    if (taken == NULL || taken->nelts == 0) {
        return;
    }

    /* taken in sequence, sorted since */

    r = taken->elts;
    last = 0;

    for (i = 0; i < taken->nelts; i++) {
        last = ngx_max(last, r[i].seq);
    }

    sh = ngx_http_egov_fleet_lock(&shpool);
    if (sh == NULL) {
        return;
    }

    for (n = 0; n < sh->n && sh->removal[n].seq <= last; n++) {
        /* void */
    }

    ngx_memmove(&sh->removal[0], &sh->removal[n],
                (sh->n - n) * sizeof(ngx_http_egov_fleet_removal_t));
    sh->n -= n;

    ngx_shmtx_unlock(&shpool->mutex);
}


/*
 * the first change remembered for the entry's prefix, by binary search
 * (a reconciliation looks up every entry: never a scan of them all)
 */

static ngx_http_egov_fleet_removal_t *
ngx_http_egov_fleet_removal_first(ngx_array_t *removals,
    ngx_http_egov_entry_t *e)
{
    ngx_uint_t                      lo, hi, mid;
    ngx_http_egov_fleet_removal_t  *r, key;

    if (removals == NULL || removals->nelts == 0) {
        return NULL;
    }

    r = removals->elts;
    key.cidr = e->cidr;
    lo = 0;
    hi = removals->nelts;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;

        if (ngx_http_egov_fleet_removal_cmp(&r[mid], &key) < 0) {
            lo = mid + 1;

        } else {
            hi = mid;
        }
    }

    if (lo == removals->nelts
        || ngx_http_egov_fleet_removal_cmp(&r[lo], &key) != 0)
    {
        return NULL;
    }

    return &r[lo];
}


/*
 * does a removal here, made after the entry was, name it?  1, or
 * NGX_HTTP_EGOV_FLEET_BY_OPERATOR when one of those is an operator's;
 * 0: none
 */

ngx_uint_t
ngx_http_egov_fleet_removed(ngx_array_t *removals, ngx_http_egov_entry_t *e)
{
    return ngx_http_egov_fleet_named(removals, e, 0);
}


/* is the entry held here one Redis could not be told of?  (0: no) */

ngx_uint_t
ngx_http_egov_fleet_unwritten(ngx_array_t *removals, ngx_http_egov_entry_t *e)
{
    return ngx_http_egov_fleet_named(removals, e, 1);
}


/*
 * a change of the entry's prefix and kind: "added", the entry itself (its
 * creation time); else a removal made at or after it was created
 */

static ngx_uint_t
ngx_http_egov_fleet_named(ngx_array_t *removals, ngx_http_egov_entry_t *e,
    ngx_uint_t added)
{
    ngx_uint_t                      found;
    ngx_http_egov_fleet_removal_t  *r, *last, key;

    r = ngx_http_egov_fleet_removal_first(removals, e);
    if (r == NULL) {
        return 0;
    }

    found = 0;

    last = (ngx_http_egov_fleet_removal_t *) removals->elts
           + removals->nelts;
    key.cidr = e->cidr;

    for ( /* void */ ;
         r < last && ngx_http_egov_fleet_removal_cmp(r, &key) == 0;
         r++)
    {
        if (r->added == added && r->kind == e->kind
            && (added ? r->time == e->created : r->time >= e->created))
        {
            /*
             * an operator's among them wins, wherever the sort put it: a
             * removal learnt from the fleet may come first
             */

            if (r->operator) {
                return NGX_HTTP_EGOV_FLEET_BY_OPERATOR;
            }

            found = 1;
        }
    }

    return found;
}


/* by prefix: family, length, address */

static int ngx_libc_cdecl
ngx_http_egov_fleet_removal_cmp(const void *one, const void *two)
{
    const ngx_http_egov_fleet_removal_t  *a = one;
    const ngx_http_egov_fleet_removal_t  *b = two;

    if (a->cidr.family != b->cidr.family) {
        return (a->cidr.family < b->cidr.family) ? -1 : 1;
    }

    if (a->cidr.prefix != b->cidr.prefix) {
        return (a->cidr.prefix < b->cidr.prefix) ? -1 : 1;
    }

    return ngx_memcmp(a->cidr.addr, b->cidr.addr, 16);
}


/* worker 0: has this server reconciled with this fleet (Redis and key) */

ngx_uint_t
ngx_http_egov_fleet_joined(uint32_t fleet)
{
    ngx_uint_t                 joined;
    ngx_slab_pool_t           *shpool;
    ngx_http_egov_fleet_sh_t  *sh;

    sh = ngx_http_egov_fleet_lock(&shpool);
    if (sh == NULL) {
        return 0;
    }

    joined = (sh->joined && sh->fleet == fleet);
    ngx_shmtx_unlock(&shpool->mutex);

    return joined;
}


void
ngx_http_egov_fleet_set_joined(uint32_t fleet)
{
    ngx_slab_pool_t           *shpool;
    ngx_http_egov_fleet_sh_t  *sh;

    sh = ngx_http_egov_fleet_lock(&shpool);
    if (sh == NULL) {
        return;
    }

    sh->fleet = fleet;
    sh->joined = 1;
    ngx_shmtx_unlock(&shpool->mutex);
}


/*
 * any worker, with a fleet secret: a removal applied here (made here or
 * elsewhere), kept among the latest whether Redis made it or not, as the
 * removed entry's creation time: that value, or an older one, put back is
 * stale; an entry made again since is newer, whatever the clocks say
 */

void
ngx_http_egov_fleet_removal_keep(ngx_http_egov_entry_t *e)
{
    ngx_slab_pool_t                *shpool;
    ngx_http_egov_fleet_sh_t       *sh;
    ngx_http_egov_fleet_removal_t  *r;

    sh = ngx_http_egov_fleet_lock(&shpool);
    if (sh == NULL) {
        return;
    }

    r = &sh->removed[sh->removed_next];
    sh->removed_next = (sh->removed_next + 1) % NGX_HTTP_EGOV_FLEET_REMOVED;

    ngx_memzero(r, sizeof(ngx_http_egov_fleet_removal_t));
    r->cidr = e->cidr;
    r->kind = e->kind;
    r->time = e->created;
    r->operator = ngx_http_egov_fleet_by_operator(e);

    ngx_shmtx_unlock(&shpool->mutex);
}


/*
 * any worker: the creation time of the latest entry of the prefix that
 * was removed here and is kept (0: none), so that one made again in the
 * same millisecond, in any worker, can be made a millisecond later
 */

uint64_t
ngx_http_egov_fleet_removed_created(ngx_egov_cidr_t *cidr)
{
    uint64_t                   latest;
    ngx_uint_t                 i;
    ngx_slab_pool_t           *shpool;
    ngx_http_egov_fleet_sh_t  *sh;

    if (ngx_http_egov_fleet_removals_zone() == NULL) {
        return 0;
    }

    sh = ngx_http_egov_fleet_lock(&shpool);
    if (sh == NULL) {
        return 0;
    }

    latest = 0;

    for (i = 0; i < NGX_HTTP_EGOV_FLEET_REMOVED; i++) {
        if (sh->removed[i].time > latest
            && sh->removed[i].cidr.family == cidr->family
            && sh->removed[i].cidr.prefix == cidr->prefix
            && ngx_memcmp(sh->removed[i].cidr.addr, cidr->addr, 16) == 0)
        {
            latest = sh->removed[i].time;
        }
    }

    ngx_shmtx_unlock(&shpool->mutex);

    return latest;
}


/* worker 0, joining a fleet: the removals kept of another are forgotten */

void
ngx_http_egov_fleet_removals_unkeep(void)
{
    ngx_slab_pool_t           *shpool;
    ngx_http_egov_fleet_sh_t  *sh;

    sh = ngx_http_egov_fleet_lock(&shpool);
    if (sh == NULL) {
        return;
    }

    ngx_memzero(sh->removed, sizeof(sh->removed));
    sh->removed_next = 0;

    ngx_shmtx_unlock(&shpool->mutex);
}
