
/*
 * ngx_http_egov_module: the core of ngx_http_egov_module.so.  It owns what
 * the feature modules share: the counters zone and per-request state that
 * survives internal redirects.  Features live in modules of their own.
 */


#include "ngx_http_egov_module.h"

#include <openssl/rand.h>


#define NGX_HTTP_EGOV_RANDOM_POOL  1024


static ngx_int_t ngx_http_egov_postconfiguration(ngx_conf_t *cf);
static ngx_int_t ngx_http_egov_init_process(ngx_cycle_t *cycle);
static void ngx_http_egov_request_states(void *data);
static char *ngx_http_egov_positive_time(ngx_conf_t *cf, void *post,
    void *data);


/*
 * Random bytes (CSP nonces, incident references, receipts) drawn from
 * OpenSSL's CSPRNG in batches: one RAND_bytes() call per request costs more
 * than a header filter.  Each worker empties the pool when it starts, so no
 * two processes ever hand out the same bytes.
 */
static u_char      ngx_http_egov_random_pool[NGX_HTTP_EGOV_RANDOM_POOL];
static ngx_uint_t  ngx_http_egov_random_used = NGX_HTTP_EGOV_RANDOM_POOL;


ngx_conf_post_t  ngx_http_egov_post_positive_time = {
    ngx_http_egov_positive_time
};


static ngx_http_module_t  ngx_http_egov_module_ctx = {
    NULL,                                  /* preconfiguration */
    ngx_http_egov_postconfiguration,       /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    NULL,                                  /* create location configuration */
    NULL                                   /* merge location configuration */
};


ngx_module_t  ngx_http_egov_module = {
    NGX_MODULE_V1,
    &ngx_http_egov_module_ctx,             /* module context */
    NULL,                                  /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    ngx_http_egov_init_process,            /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_int_t
ngx_http_egov_postconfiguration(ngx_conf_t *cf)
{
    if (ngx_http_egov_history_init_conf(cf) != NGX_OK
        || ngx_http_egov_labels_init_conf(cf) != NGX_OK)
    {
        return NGX_ERROR;
    }

    return ngx_http_egov_stats_init_conf(cf);
}


/* one per worker: a line is written before the next one is asked for */

ngx_log_t *
ngx_http_egov_quiet_log(ngx_http_request_t *r)
{
    static ngx_log_t  log;

    log = *r->connection->log;
    log.handler = NULL;
    log.data = NULL;

    return &log;
}


void *
ngx_http_egov_request_state(ngx_http_request_t *r,
    ngx_http_egov_state_e which, size_t size)
{
    void                **states;
    ngx_pool_cleanup_t   *cln;

    r = r->main;
    states = NULL;

    for (cln = r->pool->cleanup; cln; cln = cln->next) {
        if (cln->handler == ngx_http_egov_request_states) {
            states = cln->data;
            break;
        }
    }

    if (states == NULL) {
        cln = ngx_pool_cleanup_add(r->pool,
                                   NGX_HTTP_EGOV_STATE_N * sizeof(void *));
        if (cln == NULL) {
            return NULL;
        }

        states = cln->data;
        ngx_memzero(states, NGX_HTTP_EGOV_STATE_N * sizeof(void *));
        cln->handler = ngx_http_egov_request_states;
    }

    if (states[which] == NULL) {
        states[which] = ngx_pcalloc(r->pool, size);
    }

    return states[which];
}


static void
ngx_http_egov_request_states(void *data)
{
    /* only marks the module's request state among the pool's cleanups */
}


ngx_int_t
ngx_http_egov_random(ngx_log_t *log, u_char *buf, size_t n)
{
    size_t   chunk;
    u_char  *p;

    while (n) {

        if (ngx_http_egov_random_used == NGX_HTTP_EGOV_RANDOM_POOL) {

            if (RAND_bytes(ngx_http_egov_random_pool,
                           NGX_HTTP_EGOV_RANDOM_POOL)
                != 1)
            {
                ngx_log_error(NGX_LOG_ALERT, log, 0,
                              "egov: RAND_bytes() failed");
                return NGX_ERROR;
            }

            ngx_http_egov_random_used = 0;
        }

        chunk = ngx_min(n, NGX_HTTP_EGOV_RANDOM_POOL
                           - ngx_http_egov_random_used);
        p = ngx_http_egov_random_pool + ngx_http_egov_random_used;

        buf = ngx_cpymem(buf, p, chunk);

        /* bytes handed out are not kept in memory any longer than needed */
        ngx_explicit_memzero(p, chunk);

        ngx_http_egov_random_used += chunk;
        n -= chunk;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_egov_init_process(ngx_cycle_t *cycle)
{
    ngx_explicit_memzero(ngx_http_egov_random_pool,
                         NGX_HTTP_EGOV_RANDOM_POOL);
    ngx_http_egov_random_used = NGX_HTTP_EGOV_RANDOM_POOL;

    ngx_http_egov_history_start(cycle);

    return NGX_OK;
}


/* a feature's variables, from its table ending in ngx_http_null_variable */

ngx_int_t
ngx_http_egov_add_variables(ngx_conf_t *cf, ngx_http_variable_t *vars)
{
    ngx_http_variable_t  *var, *v;

    for (v = vars; v->name.len; v++) {
        var = ngx_http_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return NGX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return NGX_OK;
}


/* a time directive's value, checked where it is written: 1s or more */

static char *
ngx_http_egov_positive_time(ngx_conf_t *cf, void *post, void *data)
{
    time_t  *sp = data;

    if (*sp < 1) {
        return "must be at least 1s";
    }

    return NGX_CONF_OK;
}
