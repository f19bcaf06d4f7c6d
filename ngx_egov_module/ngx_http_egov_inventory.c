
/*
 * The cookie inventory: every cookie name the portal was seen setting,
 * with its category (or "unclassified"), how often it was set and how
 * often held back, in shared memory, readable as JSON by the operator
 * (egov_consent_inventory), so a privacy officer sees what the portal
 * really sets.  The same zone keeps the consent key when none is given.
 */


#include "ngx_http_egov_consent.h"

#include <openssl/rand.h>


#define NGX_HTTP_EGOV_INVENTORY_SLOTS  1024   /* a power of two */
#define NGX_HTTP_EGOV_INVENTORY_NAME   64
#define NGX_HTTP_EGOV_INVENTORY_CAT    32


typedef struct {
    u_char                      name[NGX_HTTP_EGOV_INVENTORY_NAME];
    u_char                      category[NGX_HTTP_EGOV_INVENTORY_CAT];
    u_char                      name_len;
    u_char                      category_len;
    ngx_atomic_t                set;
    ngx_atomic_t                held;
} ngx_http_egov_inventory_entry_t;


typedef struct {
    u_char                      key[32];
    ngx_atomic_t                names;
    ngx_atomic_t                dropped;     /* names there was no room for */
    ngx_http_egov_inventory_entry_t  slots[NGX_HTTP_EGOV_INVENTORY_SLOTS];
} ngx_http_egov_inventory_shm_t;


static ngx_int_t ngx_http_egov_inventory_handler(ngx_http_request_t *r);
static int ngx_libc_cdecl ngx_http_egov_inventory_cmp(const void *a,
    const void *b);


ngx_int_t
ngx_http_egov_inventory_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_slab_pool_t                *shpool;
    ngx_http_egov_inventory_shm_t  *inv;

    if (data) {
        /* a reload: the key and the inventory stay */
        shm_zone->data = data;
        return NGX_OK;
    }

    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (shm_zone->shm.exists) {
        shm_zone->data = shpool->data;
        return NGX_OK;
    }

    inv = ngx_slab_calloc(shpool, sizeof(ngx_http_egov_inventory_shm_t));
    if (inv == NULL) {
        return NGX_ERROR;
    }

    /*
     * A key generated here, in the master, before the workers start: all
     * of them agree on it, and it lasts as long as the zone (until nginx
     * stops).  Set egov_consent_key for a key that outlives a restart and
     * that a fleet can share.
     */

    if (RAND_bytes(inv->key, sizeof(inv->key)) != 1) {
        ngx_log_error(NGX_LOG_EMERG, shm_zone->shm.log, 0,
                      "egov consent: RAND_bytes() failed for the key");
        return NGX_ERROR;
    }

    shpool->data = inv;
    shm_zone->data = inv;

    return NGX_OK;
}


u_char *
ngx_http_egov_inventory_key(ngx_http_egov_consent_main_conf_t *cmcf)
{
    ngx_http_egov_inventory_shm_t  *inv;

    if (cmcf->zone == NULL || cmcf->zone->data == NULL) {
        return NULL;
    }

    inv = cmcf->zone->data;

    return inv->key;
}


void
ngx_http_egov_inventory_record(ngx_http_egov_consent_main_conf_t *cmcf,
    u_char *name, size_t len, ngx_str_t *category, ngx_uint_t held)
{
    uint32_t                          hash;
    ngx_uint_t                        i, slot;
    ngx_slab_pool_t                  *shpool;
    ngx_http_egov_inventory_shm_t    *inv;
    ngx_http_egov_inventory_entry_t  *e;

    if (cmcf->zone == NULL || cmcf->zone->data == NULL) {
        return;
    }

    inv = cmcf->zone->data;
    shpool = (ngx_slab_pool_t *) cmcf->zone->shm.addr;

    len = ngx_min(len, NGX_HTTP_EGOV_INVENTORY_NAME);
    hash = ngx_crc32_short(name, len);

    ngx_shmtx_lock(&shpool->mutex);

    /* open addressing, linear probing; a full table drops new names */

    for (i = 0; i < NGX_HTTP_EGOV_INVENTORY_SLOTS; i++) {
        slot = (hash + i) & (NGX_HTTP_EGOV_INVENTORY_SLOTS - 1);
        e = &inv->slots[slot];

        if (e->name_len == 0) {
            ngx_memcpy(e->name, name, len);
            e->name_len = (u_char) len;
            inv->names++;
            break;
        }

        if (e->name_len == len && ngx_memcmp(e->name, name, len) == 0) {
            break;
        }
    }

    if (i == NGX_HTTP_EGOV_INVENTORY_SLOTS) {
        inv->dropped++;
        ngx_shmtx_unlock(&shpool->mutex);
        return;
    }

    e->category_len = (u_char) ngx_min(category->len,
                                       NGX_HTTP_EGOV_INVENTORY_CAT);
    ngx_memcpy(e->category, category->data, e->category_len);

    e->set++;

    if (held) {
        e->held++;
    }

    ngx_shmtx_unlock(&shpool->mutex);
}


char *
ngx_http_egov_inventory(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_core_loc_conf_t  *clcf;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_egov_inventory_handler;

    return NGX_CONF_OK;
}


/*
 * {"cookies":[{"name":"_ga","category":"analytics","set":12,
 *   "held_back":10}, ...],"names":1,"dropped":0}, sorted by name.
 */

static ngx_int_t
ngx_http_egov_inventory_handler(ngx_http_request_t *r)
{
    u_char                             *p;
    size_t                              size;
    ngx_str_t                           body;
    ngx_uint_t                          i, n;
    ngx_slab_pool_t                    *shpool;
    ngx_http_egov_inventory_shm_t      *inv;
    ngx_http_egov_inventory_entry_t    *copy;
    ngx_http_egov_consent_main_conf_t  *cmcf;

    static ngx_str_t  type = ngx_string("application/json");

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    cmcf = ngx_http_get_module_main_conf(r, ngx_http_egov_consent_module);

    if (cmcf->zone == NULL || cmcf->zone->data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    inv = cmcf->zone->data;
    shpool = (ngx_slab_pool_t *) cmcf->zone->shm.addr;

    copy = ngx_palloc(r->pool, sizeof(inv->slots));
    if (copy == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    n = 0;

    ngx_shmtx_lock(&shpool->mutex);

    for (i = 0; i < NGX_HTTP_EGOV_INVENTORY_SLOTS; i++) {
        if (inv->slots[i].name_len) {
            copy[n++] = inv->slots[i];
        }
    }

    ngx_shmtx_unlock(&shpool->mutex);

    ngx_qsort(copy, n, sizeof(ngx_http_egov_inventory_entry_t),
              ngx_http_egov_inventory_cmp);

    /* names are escaped: an upstream may set any bytes */

    size = sizeof("{\"cookies\":[],\"names\":,\"dropped\":}\n")
           + 2 * NGX_ATOMIC_T_LEN;

    for (i = 0; i < n; i++) {
        size += sizeof("{\"name\":\"\",\"category\":\"\",\"set\":,"
                       "\"held_back\":},")
                + 6 * (copy[i].name_len + copy[i].category_len)
                + 2 * NGX_ATOMIC_T_LEN;
    }

    body.data = ngx_pnalloc(r->pool, size);
    if (body.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_cpymem(body.data, "{\"cookies\":[", sizeof("{\"cookies\":[") - 1);

    for (i = 0; i < n; i++) {
        if (i) {
            *p++ = ',';
        }

        p = ngx_cpymem(p, "{\"name\":\"", sizeof("{\"name\":\"") - 1);
        p = (u_char *) ngx_escape_json(p, copy[i].name, copy[i].name_len);

        p = ngx_cpymem(p, "\",\"category\":\"",
                       sizeof("\",\"category\":\"") - 1);
        p = (u_char *) ngx_escape_json(p, copy[i].category,
                                       copy[i].category_len);

        p = ngx_sprintf(p, "\",\"set\":%uA,\"held_back\":%uA}",
                        copy[i].set, copy[i].held);
    }

    p = ngx_sprintf(p, "],\"names\":%uA,\"dropped\":%uA}\n", inv->names,
                    inv->dropped);

    body.len = p - body.data;

    return ngx_http_egov_send(r, NGX_HTTP_OK, &type, &body);
}


static int ngx_libc_cdecl
ngx_http_egov_inventory_cmp(const void *a, const void *b)
{
    const ngx_http_egov_inventory_entry_t  *ea = a, *eb = b;

    return ngx_memn2cmp((u_char *) ea->name, (u_char *) eb->name,
                        ea->name_len, eb->name_len);
}
