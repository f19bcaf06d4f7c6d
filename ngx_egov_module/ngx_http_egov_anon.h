
/*
 * Anonymized logging: $egov_anon_* variables for log_format, the period
 * keys they use, and error_log lines without client addresses.
 */


#ifndef _NGX_HTTP_EGOV_ANON_H_INCLUDED_
#define _NGX_HTTP_EGOV_ANON_H_INCLUDED_


#include "ngx_http_egov_module.h"
#include "ngx_egov_anon_text.h"
#include "ngx_egov_cryptopan.h"


#define NGX_HTTP_EGOV_ANON_TRUNCATE  0
#define NGX_HTTP_EGOV_ANON_HASH      1
#define NGX_HTTP_EGOV_ANON_PREFIX    2

#define NGX_HTTP_EGOV_ANON_KEY_LEN   32
#define NGX_HTTP_EGOV_ANON_HASH_LEN  8      /* bytes printed, as hex */


typedef struct {
    ngx_uint_t                  mode;
    ngx_uint_t                  v4;          /* truncate: bits kept */
    ngx_uint_t                  v6;
    ngx_array_t                *redact;      /* ngx_egov_anon_name_t */
    ngx_flag_t                  error_log;
} ngx_http_egov_anon_loc_conf_t;


/* a server's names (server_name), kept past the configuration's
 * temporary pool, for the error log's Host */
typedef struct {
    ngx_http_server_name_t     *names;
    ngx_uint_t                  nnames;
} ngx_http_egov_anon_srv_conf_t;


/* a request's: its redacted URI and query, made once for both variables;
 * a location's "egov_anon_error_log off" seen by the phases */
typedef struct {
    ngx_str_t                   uri;
    ngx_str_t                   args;
    ngx_uint_t                  done;
    ngx_uint_t                  log_off;
} ngx_http_egov_anon_ctx_t;


/* a period key the fleet agreed on, in shared memory */
typedef struct {
    time_t                      period;
    ngx_uint_t                  set;
    u_char                      key[NGX_HTTP_EGOV_ANON_KEY_LEN];
} ngx_http_egov_anon_fleet_key_t;


typedef struct {
    u_char                      secret[NGX_HTTP_EGOV_ANON_KEY_LEN];
    ngx_atomic_t                generation;  /* fleet keys changed */
    ngx_http_egov_anon_fleet_key_t  keys[2];  /* [period % 2] */
} ngx_http_egov_anon_sh_t;


typedef struct {
    time_t                      rotation;    /* seconds */
    ngx_str_t                   secret;      /* from a file; empty: made */
    u_char                      derived[NGX_HTTP_EGOV_ANON_KEY_LEN];
                                             /* from the file's secret */
    ngx_shm_zone_t             *zone;
    ngx_slab_pool_t            *shpool;
    ngx_http_egov_anon_sh_t    *sh;
    ngx_str_t                   redis_key;   /* "PREFIXanon:key:" */
    void                       *script;      /* fleet: get or make a key */
} ngx_http_egov_anon_main_conf_t;


extern ngx_module_t  ngx_http_egov_anon_module;

/* some level has egov_anon_error_log on */
extern ngx_uint_t    ngx_http_egov_anon_error_log_used;


/*
 * API for the fleet layer: the key of a period (time / rotation), agreed
 * on through Redis, for every worker of this server.  Until a period has
 * one, each server derives its own from its secret.
 */
void ngx_http_egov_anon_set_period_key(time_t period, u_char *key);
time_t ngx_http_egov_anon_period(time_t now);
ngx_uint_t ngx_http_egov_anon_has_period_key(time_t period);

/* ngx_http_egov_anon_log.c: error_log lines */
ngx_int_t ngx_http_egov_anon_log_init(ngx_conf_t *cf);
ngx_int_t ngx_http_egov_anon_log_listening(ngx_cycle_t *cycle);
ngx_uint_t ngx_http_egov_anon_host_plain(ngx_http_request_t *r,
    ngx_str_t *host);

/* ngx_http_egov_anon.c, for the error_log side */
size_t ngx_http_egov_anon_addr(ngx_http_egov_anon_loc_conf_t *alcf,
    struct sockaddr *sa, u_char *out);

/* ngx_http_egov_anon_fleet.c */
ngx_int_t ngx_http_egov_anon_fleet_init(ngx_conf_t *cf);
ngx_int_t ngx_http_egov_anon_fleet_start(ngx_cycle_t *cycle);


#endif /* _NGX_HTTP_EGOV_ANON_H_INCLUDED_ */
