
/*
 * Anonymized access logging: variables for log_format that never carry a
 * raw client address, nor personal data of query strings, Referer or
 * User-Agent.  Computed when a log line (or anything else) asks, once per
 * request (nginx caches variable values).
 *
 * $egov_anon_addr follows egov_anon_addr: truncate (a network, not a
 * host), hash (a keyed hash), prefix (Crypto-PAn).  The keys of hash and
 * prefix change every egov_anon_key_rotation: the same address maps to the
 * same value within a period, to unrelated values across periods.  Each
 * period's key is derived from a secret (egov_anon_secret, or one made at
 * start and kept in shared memory, so all workers and reloads agree), or
 * agreed on by the fleet through Redis.
 */


#include "ngx_http_egov_anon.h"
#include "ngx_egov_cidr.h"
#include "ngx_egov_hmac.h"

#include <openssl/hmac.h>
#include <openssl/rand.h>


typedef struct {
    time_t                      period;
    time_t                      second;      /* when "period" was checked */
    ngx_atomic_uint_t           generation;
    ngx_uint_t                  ready;
    u_char                      key[NGX_HTTP_EGOV_ANON_KEY_LEN];
    ngx_egov_hmac_key_t         hash_key;    /* "hash": the key, ready */
    ngx_egov_cryptopan_t        cryptopan;
} ngx_http_egov_anon_keys_t;


static ngx_int_t ngx_http_egov_anon_add_variables(ngx_conf_t *cf);
static ngx_int_t ngx_http_egov_anon_postconfiguration(ngx_conf_t *cf);
static void *ngx_http_egov_anon_create_srv_conf(ngx_conf_t *cf);
static void *ngx_http_egov_anon_create_main_conf(ngx_conf_t *cf);
static char *ngx_http_egov_anon_init_main_conf(ngx_conf_t *cf, void *conf);
static void *ngx_http_egov_anon_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_egov_anon_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static ngx_int_t ngx_http_egov_anon_init_module(ngx_cycle_t *cycle);
static ngx_int_t ngx_http_egov_anon_init_process(ngx_cycle_t *cycle);
static void ngx_http_egov_anon_exit_process(ngx_cycle_t *cycle);
static ngx_int_t ngx_http_egov_anon_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);
static char *ngx_http_egov_anon_addr_mode(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_egov_anon_secret(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_egov_anon_redact_args(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static ngx_http_egov_anon_keys_t *ngx_http_egov_anon_keys(void);
static ngx_int_t ngx_http_egov_anon_addr_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_egov_anon_xff_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_egov_anon_uri_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_egov_anon_referer_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_egov_anon_ua_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static size_t ngx_http_egov_anon_xff_token(
    ngx_http_egov_anon_loc_conf_t *alcf, u_char *start, size_t n,
    u_char *out);
static size_t ngx_http_egov_anon_cidr(ngx_http_egov_anon_loc_conf_t *alcf,
    ngx_egov_cidr_t *addr, u_char *out);
static size_t ngx_http_egov_anon_compute(
    ngx_http_egov_anon_loc_conf_t *alcf, ngx_egov_cidr_t *addr, u_char *out);
static void ngx_http_egov_anon_value(ngx_http_variable_value_t *v, u_char *p,
    size_t len);


static ngx_command_t  ngx_http_egov_anon_commands[] = {

    { ngx_string("egov_anon_addr"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_egov_anon_addr_mode,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("egov_anon_key_rotation"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_egov_anon_main_conf_t, rotation),
      &ngx_http_egov_post_positive_time },

    { ngx_string("egov_anon_secret"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_egov_anon_secret,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("egov_anon_redact_args"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_egov_anon_redact_args,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("egov_anon_error_log"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_egov_anon_loc_conf_t, error_log),
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_egov_anon_module_ctx = {
    ngx_http_egov_anon_add_variables,      /* preconfiguration */
    ngx_http_egov_anon_postconfiguration,  /* postconfiguration */

    ngx_http_egov_anon_create_main_conf,   /* create main configuration */
    ngx_http_egov_anon_init_main_conf,     /* init main configuration */

    ngx_http_egov_anon_create_srv_conf,    /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_egov_anon_create_loc_conf,    /* create location configuration */
    ngx_http_egov_anon_merge_loc_conf      /* merge location configuration */
};


ngx_module_t  ngx_http_egov_anon_module = {
    NGX_MODULE_V1,
    &ngx_http_egov_anon_module_ctx,        /* module context */
    ngx_http_egov_anon_commands,           /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    ngx_http_egov_anon_init_module,        /* init module */
    ngx_http_egov_anon_init_process,       /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_http_egov_anon_exit_process,       /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_http_variable_t  ngx_http_egov_anon_vars[] = {

    { ngx_string("egov_anon_addr"), NULL, ngx_http_egov_anon_addr_variable,
      0, 0, 0 },

    { ngx_string("egov_anon_xff"), NULL, ngx_http_egov_anon_xff_variable,
      0, 0, 0 },

    { ngx_string("egov_anon_uri"), NULL, ngx_http_egov_anon_uri_variable,
      0, 0, 0 },

    { ngx_string("egov_anon_args"), NULL, ngx_http_egov_anon_uri_variable,
      1, 0, 0 },

    { ngx_string("egov_anon_referer"), NULL,
      ngx_http_egov_anon_referer_variable, 0, 0, 0 },

    { ngx_string("egov_anon_ua"), NULL, ngx_http_egov_anon_ua_variable,
      0, 0, 0 },

      ngx_http_null_variable
};


/*
 * Small per-worker caches: visitors send the same User-Agent with every
 * request, and many requests from one address; parsing and 32 AES blocks
 * are worth remembering.  Direct-mapped, overwritten on collision.
 */

#define NGX_HTTP_EGOV_ANON_CACHE     256
#define NGX_HTTP_EGOV_ANON_UA_MAX    256

typedef struct {
    uint32_t                    hash;
    u_short                     len;
    u_char                      out_len;
    u_char                      ua[NGX_HTTP_EGOV_ANON_UA_MAX];
    u_char                      out[NGX_EGOV_ANON_UA_LEN];
} ngx_http_egov_anon_ua_cache_t;

typedef struct {
    ngx_atomic_uint_t           generation;  /* of the keys used */
    time_t                      period;
    ngx_uint_t                  mode;
    ngx_egov_cidr_t             addr;
    u_char                      out_len;
    u_char                      out[NGX_SOCKADDR_STRLEN];
} ngx_http_egov_anon_addr_cache_t;

/* X-Forwarded-For as a whole: behind a proxy every request has one */

#define NGX_HTTP_EGOV_ANON_XFF_MAX   128

/*
 * addresses of one request's X-Forwarded-For written, at most: the last,
 * nearest this server (each may cost an HMAC); those before make one "-"
 */
#define NGX_HTTP_EGOV_ANON_XFF_TOKENS  32
#define NGX_HTTP_EGOV_ANON_XFF_OUT   192

typedef struct {
    uint32_t                    hash;
    u_short                     len;
    u_char                      out_len;
    void                       *conf;        /* the settings it was for */
    time_t                      period;
    ngx_atomic_uint_t           generation;
    u_char                      xff[NGX_HTTP_EGOV_ANON_XFF_MAX];
    u_char                      out[NGX_HTTP_EGOV_ANON_XFF_OUT];
} ngx_http_egov_anon_xff_cache_t;

static ngx_http_egov_anon_ua_cache_t    *ngx_http_egov_anon_ua_cache;
static ngx_http_egov_anon_addr_cache_t  *ngx_http_egov_anon_addr_cache;
static ngx_http_egov_anon_xff_cache_t   *ngx_http_egov_anon_xff_cache;

static ngx_str_t  ngx_http_egov_anon_zone_name = ngx_string("egov_anon");

ngx_uint_t  ngx_http_egov_anon_error_log_used;

/* this worker's key of the current period */
static ngx_http_egov_anon_keys_t  ngx_http_egov_anon_cache;


static ngx_int_t
ngx_http_egov_anon_add_variables(ngx_conf_t *cf)
{
    return ngx_http_egov_add_variables(cf, ngx_http_egov_anon_vars);
}


static ngx_int_t
ngx_http_egov_anon_postconfiguration(ngx_conf_t *cf)
{
    if (ngx_http_egov_anon_log_init(cf) != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_http_egov_anon_fleet_init(cf);
}


static void *
ngx_http_egov_anon_create_srv_conf(ngx_conf_t *cf)
{
    return ngx_pcalloc(cf->pool, sizeof(ngx_http_egov_anon_srv_conf_t));
}


static void *
ngx_http_egov_anon_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_egov_anon_main_conf_t  *amcf;

    /* a new configuration: its merges say again */
    ngx_http_egov_anon_error_log_used = 0;

    amcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_egov_anon_main_conf_t));
    if (amcf == NULL) {
        return NULL;
    }

    amcf->rotation = NGX_CONF_UNSET;

    return amcf;
}


static char *
ngx_http_egov_anon_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_egov_anon_main_conf_t *amcf = conf;

    void  *defaults;

    ngx_conf_init_value(amcf->rotation, 86400);

    /*
     * The http level's own settings anonymize the lines written before a
     * request is read (egov_anon_error_log): they get the defaults that a
     * merge gives every inner level (unset, the address went out as it was)
     */

    defaults = ngx_http_egov_anon_create_loc_conf(cf);
    if (defaults == NULL
        || ngx_http_egov_anon_merge_loc_conf(cf, defaults,
               ngx_http_conf_get_module_loc_conf(cf,
                                                 ngx_http_egov_anon_module))
           != NGX_CONF_OK)
    {
        return NGX_CONF_ERROR;
    }

    amcf->zone = ngx_shared_memory_add(cf, &ngx_http_egov_anon_zone_name,
                                       8 * ngx_pagesize,
                                       &ngx_http_egov_anon_module);
    if (amcf->zone == NULL) {
        return NGX_CONF_ERROR;
    }

    amcf->zone->init = ngx_http_egov_anon_init_zone;
    amcf->zone->data = amcf;

    return NGX_CONF_OK;
}


static void *
ngx_http_egov_anon_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_egov_anon_loc_conf_t  *alcf;

    alcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_egov_anon_loc_conf_t));
    if (alcf == NULL) {
        return NULL;
    }

    alcf->mode = NGX_CONF_UNSET_UINT;
    alcf->v4 = NGX_CONF_UNSET_UINT;
    alcf->v6 = NGX_CONF_UNSET_UINT;
    alcf->redact = NGX_CONF_UNSET_PTR;
    alcf->error_log = NGX_CONF_UNSET;

    return alcf;
}


static char *
ngx_http_egov_anon_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_egov_anon_loc_conf_t *prev = parent;
    ngx_http_egov_anon_loc_conf_t *conf = child;

    if (conf->mode == NGX_CONF_UNSET_UINT) {
        conf->mode = prev->mode;
        conf->v4 = prev->v4;
        conf->v6 = prev->v6;
    }

    ngx_conf_merge_uint_value(conf->mode, prev->mode,
                              NGX_HTTP_EGOV_ANON_TRUNCATE);
    ngx_conf_merge_uint_value(conf->v4, prev->v4, 24);
    ngx_conf_merge_uint_value(conf->v6, prev->v6, 48);
    ngx_conf_merge_ptr_value(conf->redact, prev->redact, NULL);
    ngx_conf_merge_value(conf->error_log, prev->error_log, 0);

    if (conf->error_log) {
        ngx_http_egov_anon_error_log_used = 1;
    }

    return NGX_CONF_OK;
}


/* the error log side needs the listening sockets of the new cycle */

static ngx_int_t
ngx_http_egov_anon_init_module(ngx_cycle_t *cycle)
{
    return ngx_http_egov_anon_log_listening(cycle);
}


static ngx_int_t
ngx_http_egov_anon_init_process(ngx_cycle_t *cycle)
{
    ngx_memzero(&ngx_http_egov_anon_cache, sizeof(ngx_http_egov_anon_keys_t));

    /* without them, every value is computed: slower, not wrong */

    ngx_http_egov_anon_ua_cache = ngx_calloc(NGX_HTTP_EGOV_ANON_CACHE
                                     * sizeof(ngx_http_egov_anon_ua_cache_t),
                                     cycle->log);
    ngx_http_egov_anon_addr_cache = ngx_calloc(NGX_HTTP_EGOV_ANON_CACHE
                                   * sizeof(ngx_http_egov_anon_addr_cache_t),
                                   cycle->log);
    ngx_http_egov_anon_xff_cache = ngx_calloc(NGX_HTTP_EGOV_ANON_CACHE
                                   * sizeof(ngx_http_egov_anon_xff_cache_t),
                                   cycle->log);

    return ngx_http_egov_anon_fleet_start(cycle);
}


static void
ngx_http_egov_anon_exit_process(ngx_cycle_t *cycle)
{
    ngx_egov_cryptopan_free(&ngx_http_egov_anon_cache.cryptopan);

    if (ngx_http_egov_anon_ua_cache) {
        ngx_free(ngx_http_egov_anon_ua_cache);
        ngx_http_egov_anon_ua_cache = NULL;
    }

    if (ngx_http_egov_anon_addr_cache) {
        ngx_free(ngx_http_egov_anon_addr_cache);
        ngx_http_egov_anon_addr_cache = NULL;
    }

    if (ngx_http_egov_anon_xff_cache) {
        ngx_free(ngx_http_egov_anon_xff_cache);
        ngx_http_egov_anon_xff_cache = NULL;
    }
}


/*
 * The secret a server makes for itself lives as long as the zone: across
 * reloads, so the mapping does not change with the configuration.  It is
 * written once, when the zone is made, before any worker reads it.  A
 * secret from a file stays in its cycle's configuration (derived in
 * egov_anon_secret): a reload, even one that fails, never rewrites what
 * running workers read without a lock.
 */

static ngx_int_t
ngx_http_egov_anon_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_http_egov_anon_main_conf_t  *oamcf = data;

    ngx_http_egov_anon_main_conf_t  *amcf;

    amcf = shm_zone->data;
    amcf->shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (oamcf) {
        amcf->sh = oamcf->sh;

    } else if (shm_zone->shm.exists) {
        amcf->sh = amcf->shpool->data;

    } else {
        amcf->sh = ngx_slab_calloc(amcf->shpool,
                                   sizeof(ngx_http_egov_anon_sh_t));
        if (amcf->sh == NULL) {
            return NGX_ERROR;
        }

        amcf->shpool->data = amcf->sh;

        if (RAND_bytes(amcf->sh->secret, NGX_HTTP_EGOV_ANON_KEY_LEN) != 1) {
            ngx_log_error(NGX_LOG_EMERG, shm_zone->shm.log, 0,
                          "egov_anon: RAND_bytes() failed");
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


/* egov_anon_addr truncate [v4=BITS] [v6=BITS] | hash | prefix; */

static char *
ngx_http_egov_anon_addr_mode(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_egov_anon_loc_conf_t *alcf = conf;

    ngx_int_t    n;
    ngx_str_t   *value;
    ngx_uint_t   i;

    if (alcf->mode != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;
    alcf->v4 = 24;
    alcf->v6 = 48;

    if (ngx_strcmp(value[1].data, "hash") == 0) {
        alcf->mode = NGX_HTTP_EGOV_ANON_HASH;

    } else if (ngx_strcmp(value[1].data, "prefix") == 0) {
        alcf->mode = NGX_HTTP_EGOV_ANON_PREFIX;

    } else if (ngx_strcmp(value[1].data, "truncate") == 0) {
        alcf->mode = NGX_HTTP_EGOV_ANON_TRUNCATE;

    } else {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "egov_anon_addr: unknown mode \"%V\", expected "
                           "truncate, hash or prefix", &value[1]);
        return NGX_CONF_ERROR;
    }

    for (i = 2; i < cf->args->nelts; i++) {

        if (alcf->mode != NGX_HTTP_EGOV_ANON_TRUNCATE) {
            goto invalid;
        }

        if (ngx_strncmp(value[i].data, "v4=", 3) == 0) {
            n = ngx_atoi(value[i].data + 3, value[i].len - 3);
            if (n < 0 || n > 32) {
                goto invalid;
            }
            alcf->v4 = n;
            continue;
        }

        if (ngx_strncmp(value[i].data, "v6=", 3) == 0) {
            n = ngx_atoi(value[i].data + 3, value[i].len - 3);
            if (n < 0 || n > 128) {
                goto invalid;
            }
            alcf->v6 = n;
            continue;
        }

        goto invalid;
    }

    if (alcf->v4 == 32 || alcf->v6 == 128) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "egov_anon_addr: truncate keeping every bit "
                           "(v4=32 or v6=128) would log raw addresses");
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "egov_anon_addr: invalid parameter \"%V\" (truncate "
                       "takes v4=0..31 and v6=0..127; hash and prefix take "
                       "none)", &value[i]);
    return NGX_CONF_ERROR;
}


static char *
ngx_http_egov_anon_secret(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_egov_anon_main_conf_t *amcf = conf;

    char       *rv;
    ngx_str_t  *value;

    if (amcf->secret.data) {
        return "is duplicate";
    }

    value = cf->args->elts;

    rv = ngx_http_egov_conf_file(cf, &value[1], 16, 4096,
                                 NGX_HTTP_EGOV_FILE_TRIM
                                 |NGX_HTTP_EGOV_FILE_SECRET,
                                 "egov_anon_secret", &amcf->secret);

    if (rv != NGX_CONF_OK) {
        return rv;
    }

    /* a secret from a file wins, and follows the file across reloads */

    if (HMAC(EVP_sha256(), amcf->secret.data, (int) amcf->secret.len,
             (u_char *) "egov-anon-secret", 16, amcf->derived, NULL)
        == NULL)
    {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_egov_anon_redact_args(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_egov_anon_loc_conf_t *alcf = conf;

    u_char                *p;
    ngx_str_t             *value;
    ngx_uint_t             i;
    ngx_egov_anon_name_t  *name;

    if (alcf->redact == NGX_CONF_UNSET_PTR) {
        alcf->redact = ngx_array_create(cf->pool, 4,
                                        sizeof(ngx_egov_anon_name_t));
        if (alcf->redact == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {
        p = ngx_pnalloc(cf->pool, value[i].len);
        if (p == NULL) {
            return NGX_CONF_ERROR;
        }

        ngx_memcpy(p, value[i].data, value[i].len);

        name = ngx_array_push(alcf->redact);
        if (name == NULL) {
            return NGX_CONF_ERROR;
        }

        name->data = p;
        name->len = ngx_egov_anon_normalize(p, value[i].len);

        if (name->len == 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "egov_anon_redact_args: \"%V\" has no letter "
                               "or digit", &value[i]);
            return NGX_CONF_ERROR;
        }
    }

    return NGX_CONF_OK;
}


time_t
ngx_http_egov_anon_period(time_t now)
{
    ngx_http_egov_anon_main_conf_t  *amcf;

    amcf = ngx_http_cycle_get_module_main_conf(ngx_cycle,
                                               ngx_http_egov_anon_module);

    return now / amcf->rotation;
}


void
ngx_http_egov_anon_set_period_key(time_t period, u_char *key)
{
    ngx_http_egov_anon_fleet_key_t  *k;
    ngx_http_egov_anon_main_conf_t  *amcf;

    amcf = ngx_http_cycle_get_module_main_conf(ngx_cycle,
                                               ngx_http_egov_anon_module);
    if (amcf == NULL || amcf->sh == NULL) {
        return;
    }

    k = &amcf->sh->keys[period % 2];

    ngx_shmtx_lock(&amcf->shpool->mutex);

    if (!k->set || k->period != period
        || ngx_memcmp(k->key, key, NGX_HTTP_EGOV_ANON_KEY_LEN) != 0)
    {
        k->period = period;
        k->set = 1;
        ngx_memcpy(k->key, key, NGX_HTTP_EGOV_ANON_KEY_LEN);
        (void) ngx_atomic_fetch_add(&amcf->sh->generation, 1);
    }

    ngx_shmtx_unlock(&amcf->shpool->mutex);
}


ngx_uint_t
ngx_http_egov_anon_has_period_key(time_t period)
{
    ngx_uint_t                       set;
    ngx_http_egov_anon_fleet_key_t  *k;
    ngx_http_egov_anon_main_conf_t  *amcf;

    amcf = ngx_http_cycle_get_module_main_conf(ngx_cycle,
                                               ngx_http_egov_anon_module);
    if (amcf == NULL || amcf->sh == NULL) {
        return 0;
    }

    k = &amcf->sh->keys[period % 2];

    ngx_shmtx_lock(&amcf->shpool->mutex);
    set = k->set && k->period == period;
    ngx_shmtx_unlock(&amcf->shpool->mutex);

    return set;
}


/*
 * The current period's key: the fleet's if it has one, else derived from
 * the secret; made again when the period or the fleet's keys change.
 */

static ngx_http_egov_anon_keys_t *
ngx_http_egov_anon_keys(void)
{
    time_t                           period;
    u_char                           data[NGX_INT64_LEN + 16], *p;
    ngx_uint_t                       fleet;
    ngx_atomic_uint_t                generation;
    ngx_http_egov_anon_keys_t       *c;
    ngx_http_egov_anon_fleet_key_t  *k;
    ngx_http_egov_anon_main_conf_t  *amcf;

    amcf = ngx_http_cycle_get_module_main_conf(ngx_cycle,
                                               ngx_http_egov_anon_module);
    c = &ngx_http_egov_anon_cache;
    generation = amcf->sh->generation;

    /* a division per address saved: the period changes on a second */

    if (c->ready && c->second == ngx_time() && c->generation == generation) {
        return c;
    }

    period = ngx_time() / amcf->rotation;

    if (c->ready && c->period == period && c->generation == generation) {
        c->second = ngx_time();
        return c;
    }

    k = &amcf->sh->keys[period % 2];
    fleet = 0;

    ngx_shmtx_lock(&amcf->shpool->mutex);

    if (k->set && k->period == period) {
        ngx_memcpy(c->key, k->key, NGX_HTTP_EGOV_ANON_KEY_LEN);
        fleet = 1;
    }

    ngx_shmtx_unlock(&amcf->shpool->mutex);

    if (!fleet) {
        p = ngx_sprintf(data, "egov-anon:%T", period);

        if (HMAC(EVP_sha256(),
                 amcf->secret.len ? amcf->derived : amcf->sh->secret,
                 NGX_HTTP_EGOV_ANON_KEY_LEN,
                 data, p - data, c->key, NULL)
            == NULL)
        {
            return NULL;
        }
    }

    ngx_egov_hmac_key(&c->hash_key, c->key, NGX_HTTP_EGOV_ANON_KEY_LEN);
    ngx_egov_cryptopan_free(&c->cryptopan);

    if (ngx_egov_cryptopan_init(&c->cryptopan, c->key) != 0) {
        c->ready = 0;
        return NULL;
    }

    c->period = period;
    c->second = ngx_time();
    c->generation = generation;
    c->ready = 1;

    return c;
}


/* the anonymized text of an address; NGX_SOCKADDR_STRLEN bytes at most */

size_t
ngx_http_egov_anon_addr(ngx_http_egov_anon_loc_conf_t *alcf,
    struct sockaddr *sa, u_char *out)
{
    ngx_egov_cidr_t  addr;

    if (sa->sa_family == AF_UNIX) {
        return ngx_cpymem(out, "unix", 4) - out;
    }

    if (ngx_egov_cidr_from_sockaddr(sa, &addr) != NGX_EGOV_CIDR_OK) {
        return ngx_cpymem(out, "-", 1) - out;
    }

    return ngx_http_egov_anon_cidr(alcf, &addr, out);
}


static size_t
ngx_http_egov_anon_cidr(ngx_http_egov_anon_loc_conf_t *alcf,
    ngx_egov_cidr_t *addr, u_char *out)
{
    size_t                            n;
    uint32_t                          hash;
    ngx_http_egov_anon_keys_t        *keys;
    ngx_http_egov_anon_addr_cache_t  *c;

    if (alcf->mode == NGX_HTTP_EGOV_ANON_TRUNCATE
        || ngx_http_egov_anon_addr_cache == NULL)
    {
        return ngx_http_egov_anon_compute(alcf, addr, out);
    }

    keys = ngx_http_egov_anon_keys();
    if (keys == NULL) {
        return ngx_cpymem(out, "-", 1) - out;
    }

    hash = ngx_murmur_hash2(addr->addr, 16) ^ (uint32_t) addr->family;
    c = &ngx_http_egov_anon_addr_cache[hash % NGX_HTTP_EGOV_ANON_CACHE];

    if (c->out_len && c->mode == alcf->mode && c->period == keys->period
        && c->generation == keys->generation
        && c->addr.family == addr->family
        && ngx_memcmp(c->addr.addr, addr->addr, 16) == 0)
    {
        return ngx_cpymem(out, c->out, c->out_len) - out;
    }

    c->addr = *addr;
    n = ngx_http_egov_anon_compute(alcf, addr, out);

    c->mode = alcf->mode;
    c->period = keys->period;
    c->generation = keys->generation;
    c->out_len = (u_char) n;
    ngx_memcpy(c->out, out, n);

    return n;
}


static size_t
ngx_http_egov_anon_compute(ngx_http_egov_anon_loc_conf_t *alcf,
    ngx_egov_cidr_t *addr, u_char *out)
{
    int                         rc;
    u_char                      data[17], mac[NGX_EGOV_HMAC_LEN];
    ngx_uint_t                  bits;
    ngx_http_egov_anon_keys_t  *keys;

    ngx_http_egov_stat_inc(NGX_EGOV_STAT_ANON_ADDRESSES);

    switch (alcf->mode) {

    case NGX_HTTP_EGOV_ANON_HASH:
        keys = ngx_http_egov_anon_keys();
        if (keys == NULL) {
            return ngx_cpymem(out, "-", 1) - out;
        }

        data[0] = (u_char) addr->family;
        ngx_memcpy(data + 1, addr->addr, 16);

        ngx_egov_hmac(&keys->hash_key, data,
                      (addr->family == AF_INET) ? 5 : 17, mac);

        return ngx_hex_dump(out, mac, NGX_HTTP_EGOV_ANON_HASH_LEN) - out;

    case NGX_HTTP_EGOV_ANON_PREFIX:
        keys = ngx_http_egov_anon_keys();
        if (keys == NULL) {
            return ngx_cpymem(out, "-", 1) - out;
        }

        rc = (addr->family == AF_INET)
             ? ngx_egov_cryptopan_ipv4(&keys->cryptopan, addr->addr)
             : ngx_egov_cryptopan_ipv6(&keys->cryptopan, addr->addr);

        if (rc != 0) {
            return ngx_cpymem(out, "-", 1) - out;
        }

        break;

    default: /* NGX_HTTP_EGOV_ANON_TRUNCATE */
        bits = (addr->family == AF_INET) ? alcf->v4 : alcf->v6;

        /*
         * 6to4 (2002::/16) carries the client's IPv4 address in its next
         * 32 bits: that address is cut as IPv4 addresses are
         */

        if (addr->family == AF_INET6
            && addr->addr[0] == 0x20 && addr->addr[1] == 0x02)
        {
            bits = ngx_min(bits, 16 + alcf->v4);
        }

        ngx_egov_cidr_mask(addr, bits);
        addr->prefix = (addr->family == AF_INET) ? 32 : 128;
    }

    return ngx_egov_cidr_format(addr, out, NGX_SOCKADDR_STRLEN);
}


static ngx_int_t
ngx_http_egov_anon_addr_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    u_char                         *p;
    ngx_http_egov_anon_loc_conf_t  *alcf;

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_egov_anon_module);

    p = ngx_pnalloc(r->pool, NGX_SOCKADDR_STRLEN);
    if (p == NULL) {
        return NGX_ERROR;
    }

    ngx_http_egov_anon_value(v, p,
                  ngx_http_egov_anon_addr(alcf, r->connection->sockaddr, p));

    return NGX_OK;
}


/*
 * X-Forwarded-For, each address anonymized; what is not an address
 * ("unknown", garbage) becomes "-", never its text.
 */

static ngx_int_t
ngx_http_egov_anon_xff_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    u_char                          *p, *start, *s, *e, *out;
    size_t                           tokens, skip;
    uint32_t                         hash;
    ngx_uint_t                       i, k;
    ngx_array_t                      values;
    ngx_str_t                       *value;
    ngx_list_part_t                 *part;
    ngx_table_elt_t                 *h;
    ngx_http_egov_anon_keys_t       *keys;
    ngx_http_egov_anon_loc_conf_t   *alcf;
    ngx_http_egov_anon_xff_cache_t  *c;

#if (NGX_HTTP_X_FORWARDED_FOR)

    /* nginx keeps them (realip or geo built in): none, nothing to walk */

#if (nginx_version >= 1023000)
    if (r->headers_in.x_forwarded_for == NULL) {
#else
    if (r->headers_in.x_forwarded_for.nelts == 0) {
#endif
        v->not_found = 1;
        return NGX_OK;
    }

#endif

    if (ngx_array_init(&values, r->pool, 2, sizeof(ngx_str_t)) != NGX_OK) {
        return NGX_ERROR;
    }

    /* every X-Forwarded-For header, and how many addresses they hold */

    tokens = 0;
    part = &r->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */ ; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].key.len != sizeof("X-Forwarded-For") - 1
            || ngx_strncasecmp(h[i].key.data, (u_char *) "X-Forwarded-For",
                               sizeof("X-Forwarded-For") - 1) != 0)
        {
            continue;
        }

        value = ngx_array_push(&values);
        if (value == NULL) {
            return NGX_ERROR;
        }

        *value = h[i].value;

        for (k = 0, tokens++; k < value->len; k++) {
            tokens += (value->data[k] == ',');
        }
    }

    if (tokens == 0) {
        v->not_found = 1;
        return NGX_OK;
    }

    skip = (tokens > NGX_HTTP_EGOV_ANON_XFF_TOKENS)
           ? tokens - NGX_HTTP_EGOV_ANON_XFF_TOKENS : 0;
    tokens -= skip;

    out = ngx_pnalloc(r->pool, (tokens + 1) * (NGX_SOCKADDR_STRLEN + 2));
    if (out == NULL) {
        return NGX_ERROR;
    }

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_egov_anon_module);
    value = values.elts;

    /* one header as before: the same answer, unless the keys changed */

    c = NULL;

    if (values.nelts == 1 && value[0].len <= NGX_HTTP_EGOV_ANON_XFF_MAX
        && ngx_http_egov_anon_xff_cache
        && (keys = ngx_http_egov_anon_keys()) != NULL)
    {
        hash = ngx_murmur_hash2(value[0].data, value[0].len);
        c = &ngx_http_egov_anon_xff_cache[hash % NGX_HTTP_EGOV_ANON_CACHE];

        if (c->out_len && c->hash == hash && c->len == value[0].len
            && c->conf == alcf && c->period == keys->period
            && c->generation == keys->generation
            && ngx_memcmp(c->xff, value[0].data, value[0].len) == 0)
        {
            ngx_memcpy(out, c->out, c->out_len);
            ngx_http_egov_anon_value(v, out, c->out_len);
            return NGX_OK;
        }
    }

    p = out;

    if (skip) {
        *p++ = '-';
    }

    for (i = 0; i < values.nelts; i++) {
        start = value[i].data;
        e = start + value[i].len;

        for ( ;; ) {
            for (s = start; s < e && *s != ','; s++) { /* void */ }

            if (skip) {
                skip--;

            } else {
                if (p != out) {
                    *p++ = ',';
                    *p++ = ' ';
                }

                p += ngx_http_egov_anon_xff_token(alcf, start, s - start, p);
            }

            if (s == e) {
                break;
            }

            start = s + 1;
        }
    }

    if (c && p - out <= NGX_HTTP_EGOV_ANON_XFF_OUT) {
        c->hash = hash;
        c->len = (u_short) value[0].len;
        c->conf = alcf;
        c->period = keys->period;
        c->generation = keys->generation;
        ngx_memcpy(c->xff, value[0].data, value[0].len);
        c->out_len = (u_char) (p - out);
        ngx_memcpy(c->out, out, p - out);
    }

    ngx_http_egov_anon_value(v, out, p - out);

    return NGX_OK;
}


/* one X-Forwarded-For token: "v4", "v4:port", "v6", "[v6]:port" */

static size_t
ngx_http_egov_anon_xff_token(ngx_http_egov_anon_loc_conf_t *alcf,
    u_char *start, size_t n, u_char *out)
{
    u_char           *colon, *end;
    ngx_egov_cidr_t   addr;

    while (n && *start == ' ') {
        start++;
        n--;
    }

    while (n && start[n - 1] == ' ') {
        n--;
    }

    end = start + n;

    if (n && start[0] == '[') {
        colon = ngx_strlchr(start, end, ']');
        start++;
        n = (colon ? colon : end) - start;

    } else if (n && ngx_strlchr(start, end, '.')) {
        /* "192.0.2.1:8080", not "::ffff:192.0.2.1" */
        colon = ngx_strlchr(start, end, ':');

        if (colon && ngx_strlchr(colon + 1, end, ':') == NULL) {
            n = colon - start;
        }
    }

    if (n == 0
        || ngx_egov_cidr_parse(start, n, &addr) != NGX_EGOV_CIDR_OK
        || (addr.prefix != 32 && addr.prefix != 128))
    {
        /* not an address ("unknown", garbage): nothing of its text */
        *out = '-';
        return 1;
    }

    return ngx_http_egov_anon_cidr(alcf, &addr, out);
}


/*
 * data 0: $egov_anon_uri (as sent, path and query redacted); 1:
 * $egov_anon_args.  Made once for both, in one buffer (the query right
 * after the path); no copy at all when there is nothing to redact.
 */

static ngx_int_t
ngx_http_egov_anon_uri_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    u_char                         *out, *scratch, *p, *q, *args_start;
    size_t                          size, nextra;
    ngx_str_t                       uri, path, args;
    ngx_uint_t                      plain;
    ngx_egov_anon_name_t           *extra;
    ngx_http_egov_anon_ctx_t       *ctx;
    ngx_http_egov_anon_loc_conf_t  *alcf;

    /* the URI as sent; a query added by a rewrite shows in the args only */

    uri = r->unparsed_uri.len ? r->unparsed_uri : r->uri;
    q = ngx_strlchr(uri.data, uri.data + uri.len, '?');

    path.data = uri.data;
    path.len = q ? (size_t) (q - uri.data) : uri.len;

    if (q) {
        args.data = q + 1;
        args.len = uri.data + uri.len - args.data;

    } else {
        args = r->args;
    }

    plain = ngx_egov_anon_path_plain(path.data, path.len);

    if (plain && args.len == 0) {
        /* nothing to redact: the URI as it is, no copy, no context */

        if (data == 1) {
            v->not_found = 1;
            return NGX_OK;
        }

        ngx_http_egov_anon_value(v, uri.data, uri.len);
        return NGX_OK;
    }

    ctx = ngx_http_get_module_ctx(r, ngx_http_egov_anon_module);

    if (ctx == NULL) {
        ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_egov_anon_ctx_t));
        if (ctx == NULL) {
            return NGX_ERROR;
        }

        ngx_http_set_ctx(r, ctx, ngx_http_egov_anon_module);
    }

    if (ctx->done) {
        goto done;
    }

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_egov_anon_module);
    extra = alcf->redact ? alcf->redact->elts : NULL;
    nextra = alcf->redact ? alcf->redact->nelts : 0;

    size = (plain ? path.len : ngx_egov_anon_path_size(path.data, path.len))
           + 1 + ngx_egov_anon_query_size(args.data, args.len);

    out = ngx_pnalloc(r->pool, size);
    scratch = ngx_pnalloc(r->pool, ngx_max(path.len, args.len) + 1);
    if (out == NULL || scratch == NULL) {
        return NGX_ERROR;
    }

    if (plain) {
        p = ngx_cpymem(out, path.data, path.len);

    } else {
        p = out + ngx_egov_anon_path(path.data, path.len, out, scratch,
                                     extra, nextra);
    }

    if (q) {
        *p++ = '?';
    }

    args_start = p;

    if (args.len) {
        ngx_http_egov_stat_inc(NGX_EGOV_STAT_ANON_QUERIES);
        p += ngx_egov_anon_query(args.data, args.len, p, scratch, extra,
                                 nextra);
    }

    ctx->uri.data = out;
    ctx->uri.len = (q ? p : args_start) - out;
    ctx->args.data = args_start;
    ctx->args.len = p - args_start;
    ctx->done = 1;

done:

    if (data == 1) {
        if (ctx->args.len == 0) {
            v->not_found = 1;
            return NGX_OK;
        }

        ngx_http_egov_anon_value(v, ctx->args.data, ctx->args.len);
        return NGX_OK;
    }

    ngx_http_egov_anon_value(v, ctx->uri.data, ctx->uri.len);
    return NGX_OK;
}


static ngx_int_t
ngx_http_egov_anon_referer_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    u_char           *p;
    size_t            n;
    ngx_table_elt_t  *h;

    h = r->headers_in.referer;

    if (h == NULL || h->value.len == 0) {
        v->not_found = 1;
        return NGX_OK;
    }

    p = ngx_pnalloc(r->pool, h->value.len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    n = ngx_egov_anon_origin(h->value.data, h->value.len, p);

    if (n == 0) {
        /* not an http(s) URL: nothing of it */
        ngx_http_egov_anon_value(v, (u_char *) "-", 1);
        return NGX_OK;
    }

    ngx_http_egov_anon_value(v, p, n);

    return NGX_OK;
}


static ngx_int_t
ngx_http_egov_anon_ua_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    u_char                         *p;
    uint32_t                        hash;
    ngx_table_elt_t                *h;
    ngx_http_egov_anon_ua_cache_t  *c;

    h = r->headers_in.user_agent;

    if (h == NULL || h->value.len == 0) {
        v->not_found = 1;
        return NGX_OK;
    }

    p = ngx_pnalloc(r->pool, NGX_EGOV_ANON_UA_LEN);
    if (p == NULL) {
        return NGX_ERROR;
    }

    if (ngx_http_egov_anon_ua_cache == NULL
        || h->value.len > NGX_HTTP_EGOV_ANON_UA_MAX)
    {
        ngx_http_egov_anon_value(v, p, ngx_egov_anon_ua(h->value.data,
                                                        h->value.len, p));
        return NGX_OK;
    }

    hash = ngx_http_egov_user_agent_hash(&h->value);
    c = &ngx_http_egov_anon_ua_cache[hash % NGX_HTTP_EGOV_ANON_CACHE];

    if (c->out_len == 0 || c->hash != hash || c->len != h->value.len
        || ngx_memcmp(c->ua, h->value.data, h->value.len) != 0)
    {
        c->hash = hash;
        c->len = (u_short) h->value.len;
        ngx_memcpy(c->ua, h->value.data, h->value.len);
        c->out_len = (u_char) ngx_egov_anon_ua(h->value.data, h->value.len,
                                               c->out);
    }

    ngx_memcpy(p, c->out, c->out_len);
    ngx_http_egov_anon_value(v, p, c->out_len);

    return NGX_OK;
}


static void
ngx_http_egov_anon_value(ngx_http_variable_value_t *v, u_char *p, size_t len)
{
    v->data = p;
    v->len = len;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;
}
