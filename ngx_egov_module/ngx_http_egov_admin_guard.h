
/*
 * The admin API's guard against guessed tokens: failures logged and
 * counted, an address with too many in a window refused until it ends.
 */


#ifndef _NGX_HTTP_EGOV_ADMIN_GUARD_H_INCLUDED_
#define _NGX_HTTP_EGOV_ADMIN_GUARD_H_INCLUDED_


#include "ngx_http_egov_module.h"


#define NGX_HTTP_EGOV_GUARD_FAILURES  10
#define NGX_HTTP_EGOV_GUARD_WINDOW    60000      /* ms */


typedef struct {
    ngx_uint_t                  failures;    /* 0: off */
    ngx_msec_t                  window;
    ngx_flag_t                  loopback;    /* loopback clients refused */
} ngx_http_egov_admin_guard_conf_t;


ngx_shm_zone_t *ngx_http_egov_admin_guard_zone(ngx_conf_t *cf, void *tag);
ngx_int_t ngx_http_egov_admin_guard_check(ngx_http_request_t *r,
    ngx_shm_zone_t *zone, ngx_http_egov_admin_guard_conf_t *gc,
    time_t *retry);
void ngx_http_egov_admin_guard_failed(ngx_http_request_t *r,
    ngx_shm_zone_t *zone, ngx_http_egov_admin_guard_conf_t *gc);


#endif /* _NGX_HTTP_EGOV_ADMIN_GUARD_H_INCLUDED_ */
