
/*
 * What the fleet module's files share: the changes made on this server
 * that Redis was not told of (away, or refusing them), kept in shared
 * memory (ngx_http_egov_fleet_removals.c) so that the reconciliation makes
 * them in Redis too instead of undoing them.
 */


#ifndef _NGX_HTTP_EGOV_FLEET_H_INCLUDED_
#define _NGX_HTTP_EGOV_FLEET_H_INCLUDED_


#include "ngx_http_egov_limit.h"
#include "ngx_egov_redis.h"


typedef struct {
    ngx_egov_cidr_t             cidr;
    ngx_uint_t                  kind;
    ngx_uint_t                  added;       /* an entry, not a removal */
    ngx_uint_t                  forgotten;   /* Redis made it since */
    ngx_uint_t                  operator;    /* an operator's change */
    uint64_t                    time;        /* epoch ms: the removal's;
                                                "added", or a removal
                                                kept: the entry's
                                                creation */
    uint64_t                    seq;         /* in the order made */
} ngx_http_egov_fleet_removal_t;


/*
 * Reached through ngx_cycle, never kept in a global: a reload that fails
 * after its postconfiguration frees its cycle, and a worker respawned
 * later would read the freed memory.
 */
typedef struct {
    ngx_flag_t                  enabled;
    ngx_str_t                   key;         /* the hash and the channel */
    ngx_shm_zone_t             *removals;    /* the "egov_fleet" zone */
    ngx_egov_redis_script_t    *unset;       /* delete a field if as read */
} ngx_http_egov_fleet_main_conf_t;


extern ngx_module_t  ngx_http_egov_fleet_module;


ngx_int_t ngx_http_egov_fleet_removals_init(ngx_conf_t *cf);
uint64_t ngx_http_egov_fleet_removal_record(ngx_http_egov_entry_t *e,
    ngx_uint_t added, uint64_t at);
void ngx_http_egov_fleet_removal_forget(uint64_t seq);
void ngx_http_egov_fleet_removal_keep(ngx_http_egov_entry_t *e);
void ngx_http_egov_fleet_removals_unkeep(void);
void ngx_http_egov_fleet_removals_reading(ngx_uint_t reading);
ngx_array_t *ngx_http_egov_fleet_removals_take(ngx_pool_t *pool,
    ngx_uint_t *lost);
void ngx_http_egov_fleet_removals_done(ngx_array_t *taken);
ngx_uint_t ngx_http_egov_fleet_joined(uint32_t fleet);
void ngx_http_egov_fleet_set_joined(uint32_t fleet);
ngx_uint_t ngx_http_egov_fleet_unwritten(ngx_array_t *removals,
    ngx_http_egov_entry_t *e);
/* a change an operator made (the admin API, a block) */
#define ngx_http_egov_fleet_by_operator(e)                                   \
    ((e)->origin == NGX_HTTP_EGOV_ORIGIN_ADMIN || (e)->by_operator          \
     || (e)->kind == NGX_HTTP_EGOV_ENTRY_BLOCK)

#define NGX_HTTP_EGOV_FLEET_BY_OPERATOR  2

uint64_t ngx_http_egov_fleet_removed_created(ngx_egov_cidr_t *cidr);
ngx_uint_t ngx_http_egov_fleet_removed(ngx_array_t *removals,
    ngx_http_egov_entry_t *e);


#endif /* _NGX_HTTP_EGOV_FLEET_H_INCLUDED_ */
