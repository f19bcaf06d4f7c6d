
/*
 * Refusals counted by the name of what refused: the block list, the
 * signature.  The names are the configuration's (list names, signature
 * names), never a visitor's bytes; up to NGX_HTTP_EGOV_LABELS_MAX of
 * them are kept in shared memory, a counter each, for the status's
 * labels (egov_requests_refused_total{reason="signature",signature=...}).
 * A name met for the first time takes a slot under the zone's lock; after
 * that, counting is one atomic add.
 */


#include "ngx_http_egov_module.h"


#define NGX_HTTP_EGOV_LABEL_LEN   64


typedef struct {
    ngx_atomic_t                count;
    ngx_atomic_t                used;        /* name and family written */
    ngx_uint_t                  family;
    size_t                      len;
    u_char                      name[NGX_HTTP_EGOV_LABEL_LEN];
} ngx_http_egov_label_t;


typedef struct {
    ngx_http_egov_label_t       label[NGX_HTTP_EGOV_LABELS_MAX];
} ngx_http_egov_labels_shm_t;


static ngx_int_t ngx_http_egov_labels_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);


static ngx_http_egov_labels_shm_t  *ngx_http_egov_labels;
static ngx_slab_pool_t             *ngx_http_egov_labels_pool;


ngx_int_t
ngx_http_egov_labels_init_conf(ngx_conf_t *cf)
{
    ngx_str_t        name = ngx_string("egov_labels");
    ngx_shm_zone_t  *shm_zone;

    shm_zone = ngx_shared_memory_add(cf, &name,
                                     sizeof(ngx_http_egov_labels_shm_t)
                                     + 8 * ngx_pagesize,
                                     &ngx_http_egov_module);
    if (shm_zone == NULL) {
        return NGX_ERROR;
    }

    shm_zone->init = ngx_http_egov_labels_init_zone;

    return NGX_OK;
}


static ngx_int_t
ngx_http_egov_labels_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_slab_pool_t  *shpool;

    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;
    ngx_http_egov_labels_pool = shpool;

    if (data) {
        shm_zone->data = data;
        ngx_http_egov_labels = data;
        return NGX_OK;
    }

    if (shm_zone->shm.exists) {
        shm_zone->data = shpool->data;
        ngx_http_egov_labels = shpool->data;
        return NGX_OK;
    }

    ngx_http_egov_labels = ngx_slab_calloc(shpool,
                                         sizeof(ngx_http_egov_labels_shm_t));
    if (ngx_http_egov_labels == NULL) {
        return NGX_ERROR;
    }

    shpool->data = ngx_http_egov_labels;
    shm_zone->data = ngx_http_egov_labels;

    return NGX_OK;
}


void
ngx_http_egov_label_inc(ngx_uint_t family, ngx_str_t *name)
{
    size_t                  len;
    uint32_t                hash;
    ngx_uint_t              i, k;
    ngx_http_egov_label_t  *l;

    if (ngx_http_egov_labels == NULL || name == NULL || name->len == 0) {
        return;
    }

    len = ngx_min(name->len, NGX_HTTP_EGOV_LABEL_LEN);

    /* cut at a character's start: a name is UTF-8 ("قائمة.netset") */

    while (len < name->len && len && (name->data[len] & 0xc0) == 0x80) {
        len--;
    }

    hash = ngx_crc32_short(name->data, len) + (uint32_t) family;

    for (k = 0; k < NGX_HTTP_EGOV_LABELS_MAX; k++) {
        i = (hash + k) % NGX_HTTP_EGOV_LABELS_MAX;
        l = &ngx_http_egov_labels->label[i];

        if (!l->used) {
            /* a new name: its slot, taken under the lock */

            ngx_shmtx_lock(&ngx_http_egov_labels_pool->mutex);

            if (!l->used) {
                l->family = family;
                l->len = len;
                ngx_memcpy(l->name, name->data, len);
                ngx_memory_barrier();
                l->used = 1;
            }

            ngx_shmtx_unlock(&ngx_http_egov_labels_pool->mutex);
        }

        if (l->family == family && l->len == len
            && ngx_memcmp(l->name, name->data, len) == 0)
        {
            (void) ngx_atomic_fetch_add(&l->count, 1);
            return;
        }
    }

    /* all taken: the total of the reason still counts it */
}


/* the i-th name in use, NGX_DECLINED for an empty slot */

ngx_int_t
ngx_http_egov_label_get(ngx_uint_t i, ngx_uint_t *family, ngx_str_t *name,
    ngx_atomic_uint_t *count)
{
    ngx_http_egov_label_t  *l;

    if (ngx_http_egov_labels == NULL || i >= NGX_HTTP_EGOV_LABELS_MAX) {
        return NGX_DECLINED;
    }

    l = &ngx_http_egov_labels->label[i];

    if (!l->used) {
        return NGX_DECLINED;
    }

    *family = l->family;
    name->data = l->name;
    name->len = l->len;
    *count = l->count;

    return NGX_OK;
}
