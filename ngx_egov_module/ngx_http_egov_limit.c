
/*
 * Rate limits: the generic cell rate algorithm (GCRA) per key, in shared
 * memory zones shared by all workers and kept across reloads.  Each key
 * keeps one number, its theoretical arrival time (TAT): a request is
 * allowed when it comes no earlier than TAT - burst * interval.
 */


#include "ngx_http_egov_limit.h"
#include "ngx_egov_redis.h"


/* what one request did to one limit, kept to report and to roll back */
typedef struct {
    ngx_http_egov_limit_t      *limit;
    ngx_str_t                   key;
    uint32_t                    hash;
    uint64_t                    tat;         /* after this request */
    unsigned                    committed:1;
    unsigned                    applies:1;
    unsigned                    pass:1;      /* a solved challenge's */
} ngx_http_egov_limit_state_t;


typedef struct {
    ngx_http_egov_limit_state_t *states;
    ngx_uint_t                   n;

    /* counted in a location before an internal redirect: not again
       (NGX_HTTP_EGOV_LIMIT_COUNTED, made at the first redirect) */
    ngx_http_egov_limit_zone_t **counted;
    ngx_uint_t                   ncounted;

    ngx_uint_t                   pass_spent;
} ngx_http_egov_limit_ctx_t;


static ngx_int_t ngx_http_egov_limit_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);
static void ngx_http_egov_limit_rbtree_insert(ngx_rbtree_node_t *temp,
    ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel);
static ngx_int_t ngx_http_egov_limit_account(ngx_log_t *log,
    ngx_http_egov_limit_state_t *st, uint64_t now, uint64_t *wait);
static void ngx_http_egov_limit_rollback(ngx_http_egov_limit_state_t *st);
static void ngx_http_egov_limit_free(ngx_http_egov_limit_zone_t *zone,
    ngx_http_egov_limit_node_t *node);
static ngx_http_egov_limit_node_t *ngx_http_egov_limit_keep(ngx_log_t *log,
    ngx_http_egov_limit_zone_t *zone, ngx_http_egov_limit_node_t *node,
    ngx_str_t *key, uint32_t hash, uint64_t now);
static ngx_http_egov_limit_node_t *ngx_http_egov_limit_alloc(ngx_log_t *log,
    ngx_http_egov_limit_zone_t *zone, size_t size, uint64_t now);
static ngx_int_t ngx_http_egov_limit_count(ngx_str_t *arg, size_t skip);
static ngx_int_t ngx_http_egov_limit_key_variable(ngx_conf_t *cf,
    ngx_str_t *key, ngx_uint_t prefix, ngx_str_t *result);
static ngx_int_t ngx_http_egov_binary_addr(ngx_http_request_t *r,
    ngx_uint_t prefix, ngx_str_t *bytes);
static ngx_int_t ngx_http_egov_binary_addr_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);


static ngx_str_t  ngx_http_egov_methods[] = {
    ngx_string("GET"), ngx_string("HEAD"), ngx_string("POST"),
    ngx_string("PUT"), ngx_string("DELETE"), ngx_string("MKCOL"),
    ngx_string("COPY"), ngx_string("MOVE"), ngx_string("OPTIONS"),
    ngx_string("PROPFIND"), ngx_string("PROPPATCH"), ngx_string("LOCK"),
    ngx_string("UNLOCK"), ngx_string("PATCH"), ngx_string("TRACE"),
    ngx_null_string
};

static ngx_uint_t  ngx_http_egov_method_bits[] = {
    NGX_HTTP_GET, NGX_HTTP_HEAD, NGX_HTTP_POST, NGX_HTTP_PUT,
    NGX_HTTP_DELETE, NGX_HTTP_MKCOL, NGX_HTTP_COPY, NGX_HTTP_MOVE,
    NGX_HTTP_OPTIONS, NGX_HTTP_PROPFIND, NGX_HTTP_PROPPATCH, NGX_HTTP_LOCK,
    NGX_HTTP_UNLOCK, NGX_HTTP_PATCH, NGX_HTTP_TRACE
};


/* "methods=GET,POST,...": their NGX_HTTP_* bits (a directive's option) */

ngx_int_t
ngx_http_egov_methods_parse(ngx_conf_t *cf, ngx_str_t *value,
    const char *directive, ngx_uint_t *methods)
{
    u_char      *p, *last, *comma;
    ngx_uint_t   m;

    p = value->data + sizeof("methods=") - 1;
    last = value->data + value->len;
    *methods = 0;

    while (p < last) {
        comma = ngx_strlchr(p, last, ',');
        if (comma == NULL) {
            comma = last;
        }

        for (m = 0; ngx_http_egov_methods[m].len; m++) {
            if (ngx_http_egov_methods[m].len == (size_t) (comma - p)
                && ngx_strncasecmp(ngx_http_egov_methods[m].data, p,
                                   comma - p) == 0)
            {
                break;
            }
        }

        if (ngx_http_egov_methods[m].len == 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "%s: unknown method \"%*s\"", directive,
                               comma - p, p);
            return NGX_ERROR;
        }

        *methods |= ngx_http_egov_method_bits[m];
        p = comma + 1;
    }

    if (*methods == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "%s: \"%V\" names no method", directive, value);
        return NGX_ERROR;
    }

    /* as limit_except: GET covers HEAD, which does a GET's work */

    if (*methods & NGX_HTTP_GET) {
        *methods |= NGX_HTTP_HEAD;
    }

    return NGX_OK;
}


/*
 * egov_limit_zone name=NAME key=KEY rate=N r/s|r/m|r/h size=SIZE, or as
 * limit_req_zone writes it: egov_limit_zone KEY zone=NAME:SIZE rate=...
 *                 [ipv6_prefix=64];
 * "rate=10r/s" and "rate=10 r/s" are both accepted.
 */

char *
ngx_http_egov_limit_zone(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    u_char                             *p, c;
    ssize_t                             size;
    ngx_int_t                           n;
    ngx_str_t                          *value, s, key, unit, rate;
    ngx_uint_t                          i, j, per, on_error;
    ngx_http_egov_limit_zone_t         *zone, **zp;
    ngx_http_compile_complex_value_t    ccv;
    ngx_http_egov_protect_main_conf_t  *pmcf;

    pmcf = ngx_http_conf_get_module_main_conf(cf,
                                              ngx_http_egov_protect_module);

    zone = ngx_pcalloc(cf->pool, sizeof(ngx_http_egov_limit_zone_t));
    if (zone == NULL) {
        return NGX_CONF_ERROR;
    }

    value = cf->args->elts;
    size = 0;
    key.len = 0;
    rate.len = 0;
    unit.len = 0;
    zone->ipv6_prefix = 64;
    on_error = 0;

    for (i = 1; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "name=", 5) == 0) {
            zone->name.data = value[i].data + 5;
            zone->name.len = value[i].len - 5;
            continue;
        }

        /* limit_req_zone's way: "$binary_remote_addr zone=NAME:10m" */

        if (i == 1 && value[i].data[0] == '$') {
            key = value[i];
            continue;
        }

        if (ngx_strncmp(value[i].data, "zone=", 5) == 0) {
            zone->name.data = value[i].data + 5;
            p = ngx_strlchr(zone->name.data, value[i].data + value[i].len,
                            ':');

            if (p == NULL) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "egov_limit_zone: invalid \"%V\", "
                                   "expected zone=NAME:SIZE", &value[i]);
                return NGX_CONF_ERROR;
            }

            zone->name.len = p - zone->name.data;
            s.data = p + 1;
            s.len = value[i].data + value[i].len - s.data;
            size = ngx_parse_size(&s);

            if (size == NGX_ERROR || size < (ssize_t) (8 * ngx_pagesize)) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "egov_limit_zone: invalid size \"%V\", "
                                   "the least is %uzk", &s,
                                   8 * ngx_pagesize / 1024);
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "key=", 4) == 0) {
            key.data = value[i].data + 4;
            key.len = value[i].len - 4;
            continue;
        }

        if (ngx_strncmp(value[i].data, "size=", 5) == 0) {
            s.data = value[i].data + 5;
            s.len = value[i].len - 5;
            size = ngx_parse_size(&s);
            if (size == NGX_ERROR || size < (ssize_t) (8 * ngx_pagesize)) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "egov_limit_zone: invalid size \"%V\", "
                                   "the least is %uzk", &value[i],
                                   8 * ngx_pagesize / 1024);
                return NGX_CONF_ERROR;
            }
            continue;
        }

        if (ngx_strncmp(value[i].data, "rate=", 5) == 0) {
            rate.data = value[i].data + 5;
            rate.len = value[i].len - 5;

            /* "rate=10 r/s": the unit is the next argument */
            p = ngx_strlchr(rate.data, rate.data + rate.len, 'r');

            if (p == NULL && i + 1 < cf->args->nelts) {
                unit = value[++i];

            } else if (p) {
                unit.data = p;
                unit.len = rate.data + rate.len - p;
                rate.len = p - rate.data;
            }

            continue;
        }

        if (ngx_strcmp(value[i].data, "scope=fleet") == 0) {
            zone->fleet = 1;
            continue;
        }

        if (ngx_strcmp(value[i].data, "scope=local") == 0) {
            zone->fleet = 0;
            continue;
        }

        if (ngx_strncmp(value[i].data, "sync=", 5) == 0) {
            s.data = value[i].data + 5;
            s.len = value[i].len - 5;

            if (s.len == 6 && ngx_strncmp(s.data, "strict", 6) == 0) {
                zone->strict = 1;
                zone->sync = NGX_CONF_UNSET_MSEC;
                continue;
            }

            zone->sync = ngx_parse_time(&s, 0);

            if (zone->sync == (ngx_msec_t) NGX_ERROR || zone->sync < 10
                || zone->sync > 60000)
            {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "egov_limit_zone: invalid \"%V\", "
                                   "expected 10ms to 60s", &value[i]);
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "on_redis_error=", 15) == 0) {
            s.data = value[i].data + 15;
            s.len = value[i].len - 15;

            if (s.len == 5 && ngx_strncmp(s.data, "local", 5) == 0) {
                zone->on_error = NGX_HTTP_EGOV_ON_ERROR_LOCAL;

            } else if (s.len == 5 && ngx_strncmp(s.data, "allow", 5) == 0) {
                zone->on_error = NGX_HTTP_EGOV_ON_ERROR_ALLOW;

            } else if (s.len == 4 && ngx_strncmp(s.data, "deny", 4) == 0) {
                zone->on_error = NGX_HTTP_EGOV_ON_ERROR_DENY;

            } else {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "egov_limit_zone: invalid \"%V\", "
                                   "expected local, allow or deny",
                                   &value[i]);
                return NGX_CONF_ERROR;
            }

            on_error = 1;
            continue;
        }

        if (ngx_strncmp(value[i].data, "ipv6_prefix=", 12) == 0) {
            n = ngx_atoi(value[i].data + 12, value[i].len - 12);
            if (n < 1 || n > 128) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "egov_limit_zone: ipv6_prefix must be "
                                   "1 to 128, not \"%V\"", &value[i]);
                return NGX_CONF_ERROR;
            }
            zone->ipv6_prefix = n;
            continue;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "egov_limit_zone: invalid parameter \"%V\", "
                           "expected name=NAME key=KEY rate=RATE size=SIZE "
                           "(or KEY zone=NAME:SIZE rate=RATE, as "
                           "limit_req_zone), scope=, sync=, on_redis_error=, "
                           "ipv6_prefix=", &value[i]);
        return NGX_CONF_ERROR;
    }

    if (zone->name.len == 0 || key.len == 0 || rate.len == 0 || size == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "egov_limit_zone: \"name=\", \"key=\", \"rate=\" "
                           "and \"size=\" are required (or, as "
                           "limit_req_zone: KEY zone=NAME:SIZE rate=RATE)");
        return NGX_CONF_ERROR;
    }

    /* the name goes into Redis keys, messages, JSON and metric labels */

    for (j = 0; j < zone->name.len; j++) {
        c = zone->name.data[j];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.')
            || j == 64)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "egov_limit_zone: invalid name \"%V\": up to "
                               "64 letters, digits, \"_\", \"-\" and \".\"",
                               &zone->name);
            return NGX_CONF_ERROR;
        }
    }

    if ((zone->sync || on_error) && !zone->fleet) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "egov_limit_zone: \"%s\" needs \"scope=fleet\"",
                           zone->sync ? "sync=" : "on_redis_error=");
        return NGX_CONF_ERROR;
    }

    if (zone->strict) {
        zone->sync = 0;

    } else if (zone->fleet && zone->sync == 0) {
        zone->sync = 250;
    }

    zone->file = cf->conf_file->file.name.data;
    zone->line = cf->conf_file->line;

    n = ngx_atoi(rate.data, rate.len);

    if (unit.len == 3 && ngx_strncmp(unit.data, "r/s", 3) == 0) {
        per = 1;

    } else if (unit.len == 3 && ngx_strncmp(unit.data, "r/m", 3) == 0) {
        per = 60;

    } else if (unit.len == 3 && ngx_strncmp(unit.data, "r/h", 3) == 0) {
        per = 3600;

    } else {
        per = 0;
    }

    if (n <= 0 || per == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "egov_limit_zone \"%V\": invalid rate \"%V%V\", "
                           "expected N r/s, N r/m or N r/h",
                           &zone->name, &rate, &unit);
        return NGX_CONF_ERROR;
    }

    zone->rate = n;
    zone->period = per;
    zone->interval = (uint64_t) per * 1000000 / n;

    if (zone->interval == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "egov_limit_zone \"%V\": rate is too high",
                           &zone->name);
        return NGX_CONF_ERROR;
    }

    zp = pmcf->zones.elts;

    for (j = 0; j < pmcf->zones.nelts; j++) {
        if (zp[j]->name.len == zone->name.len
            && ngx_strncmp(zp[j]->name.data, zone->name.data,
                           zone->name.len) == 0)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "egov_limit_zone \"%V\" is duplicate",
                               &zone->name);
            return NGX_CONF_ERROR;
        }
    }

    zone->key_text = key;

    /* the address alone, the usual key, is read without the script */

    zone->addr_key = (key.len == sizeof("$binary_remote_addr") - 1
                      && ngx_strncmp(key.data, "$binary_remote_addr",
                                     key.len) == 0)
                     || (key.len == sizeof("${binary_remote_addr}") - 1
                         && ngx_strncmp(key.data, "${binary_remote_addr}",
                                        key.len) == 0);

    /* $binary_remote_addr: IPv6 clients grouped by prefix */

    if (ngx_http_egov_limit_key_variable(cf, &key, zone->ipv6_prefix, &s)
        != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &s;
    ccv.complex_value = &zone->key;

    if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    s.len = sizeof("egov_limit_") - 1 + zone->name.len;
    s.data = ngx_pnalloc(cf->pool, s.len);
    if (s.data == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_sprintf(s.data, "egov_limit_%V", &zone->name);

    zone->shm_zone = ngx_shared_memory_add(cf, &s, size,
                                           &ngx_http_egov_protect_module);
    if (zone->shm_zone == NULL) {
        return NGX_CONF_ERROR;
    }

    if (zone->shm_zone->data) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "egov_limit_zone \"%V\" is duplicate",
                           &zone->name);
        return NGX_CONF_ERROR;
    }

    zone->shm_zone->init = ngx_http_egov_limit_init_zone;
    zone->shm_zone->data = zone;

    zp = ngx_array_push(&pmcf->zones);
    if (zp == NULL) {
        return NGX_CONF_ERROR;
    }

    *zp = zone;

    return NGX_CONF_OK;
}


/*
 * egov_limit zone=NAME [burst=N] [nodelay | delay=N]
 *            [methods=GET,POST,...] [dry_run];
 */


/*
 * The number after "burst=" or "delay=": NGX_ERROR when it is none,
 * NGX_DECLINED when it is over NGX_HTTP_EGOV_LIMIT_BURST_MAX (digits that
 * overflow too)
 */

static ngx_int_t
ngx_http_egov_limit_count(ngx_str_t *arg, size_t skip)
{
    u_char     *p;
    ngx_int_t   n;

    if (arg->len == skip) {
        return NGX_ERROR;
    }

    for (p = arg->data + skip; p < arg->data + arg->len; p++) {
        if (*p < '0' || *p > '9') {
            return NGX_ERROR;
        }
    }

    n = ngx_atoi(arg->data + skip, arg->len - skip);

    if (n == NGX_ERROR || n > NGX_HTTP_EGOV_LIMIT_BURST_MAX) {
        return NGX_DECLINED;
    }

    return n;
}

char *
ngx_http_egov_limit(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_egov_protect_loc_conf_t *plcf = conf;

    ngx_int_t                           n;
    ngx_str_t                          *value, name;
    ngx_uint_t                          i, nodelay;
    ngx_http_egov_limit_t              *limit;
    ngx_http_egov_limit_pending_t      *pending;
    ngx_http_egov_protect_main_conf_t  *pmcf;

    pmcf = ngx_http_conf_get_module_main_conf(cf,
                                              ngx_http_egov_protect_module);

    if (plcf->limits == NULL) {
        plcf->limits = ngx_array_create(cf->pool, 2,
                                        sizeof(ngx_http_egov_limit_t));
        if (plcf->limits == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    limit = ngx_array_push(plcf->limits);
    if (limit == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(limit, sizeof(ngx_http_egov_limit_t));

    value = cf->args->elts;
    name.len = 0;
    nodelay = 0;

    for (i = 1; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "zone=", 5) == 0) {
            name.data = value[i].data + 5;
            name.len = value[i].len - 5;
            continue;
        }

        if (ngx_strncmp(value[i].data, "burst=", 6) == 0) {
            n = ngx_http_egov_limit_count(&value[i], 6);
            if (n == NGX_ERROR) {
                goto invalid;
            }
            if (n == NGX_DECLINED) {
                goto too_many;
            }
            limit->burst = n;
            continue;
        }

        if (ngx_strncmp(value[i].data, "delay=", 6) == 0) {
            n = ngx_http_egov_limit_count(&value[i], 6);
            if (n == NGX_ERROR) {
                goto invalid;
            }
            if (n == NGX_DECLINED) {
                goto too_many;
            }
            limit->delay = n;
            continue;
        }

        if (ngx_strcmp(value[i].data, "nodelay") == 0) {
            nodelay = 1;
            continue;
        }

        if (ngx_strcmp(value[i].data, "dry_run") == 0) {
            limit->dry_run = 1;
            continue;
        }

        if (ngx_strcmp(value[i].data, "action=challenge") == 0) {
            limit->challenge = 1;
            continue;
        }

        if (ngx_strcmp(value[i].data, "action=refuse") == 0) {
            limit->challenge = 0;
            continue;
        }

        if (ngx_strncmp(value[i].data, "methods=", 8) == 0) {
            if (ngx_http_egov_methods_parse(cf, &value[i], "egov_limit",
                                            &limit->methods)
                != NGX_OK)
            {
                return NGX_CONF_ERROR;
            }

            continue;
        }

        goto invalid;
    }

    if (name.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "egov_limit: \"zone=\" is required");
        return NGX_CONF_ERROR;
    }

    if (nodelay && limit->delay) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "egov_limit: \"nodelay\" and \"delay=\" "
                           "cannot be used together");
        return NGX_CONF_ERROR;
    }

    if (nodelay) {
        limit->delay = NGX_MAX_INT32_VALUE;
    }

    /* a zone declared later in the http block is found at its end */

    pending = ngx_array_push(&pmcf->pending);
    if (pending == NULL) {
        return NGX_CONF_ERROR;
    }

    pending->limits = plcf->limits;
    pending->index = plcf->limits->nelts - 1;
    pending->name = name;
    pending->file = cf->conf_file->file.name.data;
    pending->line = cf->conf_file->line;

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "egov_limit: invalid parameter \"%V\", expected "
                       "zone=NAME, burst=N, nodelay, delay=N, methods=LIST",
                       &value[i]);
    return NGX_CONF_ERROR;

too_many:

    /*
     * the time a burst stands for is burst times the interval, ten times
     * that with a challenge's pass, in microseconds: a burst far larger
     * wrapped that arithmetic (a fifth review)
     */

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "egov_limit: \"%V\" must be from 0 to %d",
                       &value[i], NGX_HTTP_EGOV_LIMIT_BURST_MAX);
    return NGX_CONF_ERROR;
}


/*
 * The end of the http block: each egov_limit gets its zone, wherever in
 * the block the zone was declared (as limit_req finds limit_req_zone's)
 */

char *
ngx_http_egov_limit_resolve(ngx_conf_t *cf, void *conf)
{
    ngx_http_egov_protect_main_conf_t *pmcf = conf;

    ngx_uint_t                      i, j, k;
    ngx_http_egov_limit_t          *limit, *limits;
    ngx_http_egov_limit_zone_t    **zp;
    ngx_http_egov_limit_pending_t  *pending;

    pending = pmcf->pending.elts;
    zp = pmcf->zones.elts;

    for (i = 0; i < pmcf->pending.nelts; i++) {

        limits = pending[i].limits->elts;
        limit = &limits[pending[i].index];

        for (j = 0; j < pmcf->zones.nelts; j++) {
            if (zp[j]->name.len == pending[i].name.len
                && ngx_strncmp(zp[j]->name.data, pending[i].name.data,
                               pending[i].name.len)
                   == 0)
            {
                limit->zone = zp[j];
                break;
            }
        }

        if (limit->zone == NULL) {
            ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                          "egov_limit: unknown zone \"%V\" (declare it "
                          "with egov_limit_zone in the http block) in %s:%ui",
                          &pending[i].name, pending[i].file, pending[i].line);
            return NGX_CONF_ERROR;
        }

        /* a key is over the fleet's limit when every use refuses */

        if (limit->zone->max_burst < limit->burst) {
            limit->zone->max_burst = limit->burst;
        }

        if (limit->zone->strict
            && ngx_http_egov_limit_strict_args(cf, limit) != NGX_OK)
        {
            return NGX_CONF_ERROR;
        }
    }

    /* a zone used twice at one level */

    for (i = 0; i < pmcf->pending.nelts; i++) {

        limits = pending[i].limits->elts;

        for (k = 0; k < pending[i].index; k++) {
            if (limits[k].zone == limits[pending[i].index].zone) {
                ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                              "egov_limit: zone \"%V\" is used twice at "
                              "this level in %s:%ui", &pending[i].name,
                              pending[i].file, pending[i].line);
                return NGX_CONF_ERROR;
            }
        }
    }

    return NGX_CONF_OK;
}


/*
 * Every limit that applies must pass.  Each is accounted as it passes; if
 * a later one refuses, the earlier ones are given their request back.
 */

ngx_int_t
ngx_http_egov_limits_check(ngx_http_request_t *r, ngx_array_t *limits,
    ngx_http_egov_limit_status_e *status, ngx_msec_t *delay,
    ngx_msec_t *retry_after, ngx_http_egov_limit_t **rejected)
{
    uint64_t                      now, wait, max_delay;
    ngx_int_t                     rc;
    ngx_uint_t                    i, j;
    ngx_http_egov_limit_t        *limit;
    ngx_http_egov_limit_ctx_t    *ctx;
    ngx_http_egov_limit_state_t  *st;

    *status = NGX_HTTP_EGOV_LIMIT_PASSED;
    *delay = 0;
    *retry_after = 0;
    *rejected = NULL;

    ctx = ngx_http_egov_request_state(r, NGX_HTTP_EGOV_STATE_LIMIT,
                                      sizeof(ngx_http_egov_limit_ctx_t));
    if (ctx == NULL) {
        return NGX_ERROR;
    }

    /* an internal redirect: the zones the last location counted */

    if (ctx->states && ctx->counted == NULL) {
        ctx->counted = ngx_palloc(r->pool, NGX_HTTP_EGOV_LIMIT_COUNTED
                                  * sizeof(ngx_http_egov_limit_zone_t *));
        if (ctx->counted == NULL) {
            return NGX_ERROR;
        }
    }

    for (i = 0; ctx->states && i < ctx->n; i++) {
        if (ctx->states[i].applies
            && ctx->ncounted < NGX_HTTP_EGOV_LIMIT_COUNTED)
        {
            ctx->counted[ctx->ncounted++] = ctx->states[i].limit->zone;
        }
    }

    ctx->states = ngx_pcalloc(r->pool, limits->nelts
                                       * sizeof(ngx_http_egov_limit_state_t));
    if (ctx->states == NULL) {
        return NGX_ERROR;
    }

    ctx->n = limits->nelts;

    limit = limits->elts;
    now = (uint64_t) ngx_current_msec * 1000;
    max_delay = 0;

    for (i = 0; i < limits->nelts; i++) {
        st = &ctx->states[i];
        st->limit = &limit[i];

        if (limit[i].methods && !(limit[i].methods & r->method)) {
            continue;
        }

        /* sync=strict: decided by Redis, ngx_http_egov_limits_strict() */

        if (limit[i].zone->strict) {
            continue;
        }

        for (j = 0; j < ctx->ncounted; j++) {
            if (ctx->counted[j] == limit[i].zone) {
                break;
            }
        }

        if (j < ctx->ncounted) {
            continue;
        }

        if (limit[i].zone->fleet
            && limit[i].zone->on_error != NGX_HTTP_EGOV_ON_ERROR_LOCAL
            && !ngx_egov_redis_ready())
        {
            if (limit[i].zone->on_error == NGX_HTTP_EGOV_ON_ERROR_ALLOW) {
                continue;
            }

            /* "deny": refused while the fleet's count is unknown; a dry
               run only says it would be */

            if (limit[i].dry_run) {
                *status = NGX_HTTP_EGOV_LIMIT_REJECTED_DRY_RUN;
                continue;
            }

            for (j = 0; j < i; j++) {
                ngx_http_egov_limit_rollback(&ctx->states[j]);
            }

            *status = NGX_HTTP_EGOV_LIMIT_REJECTED;
            *retry_after = 1000;
            *rejected = &limit[i];

            return NGX_ABORT;
        }

        if (ngx_http_egov_limit_key(r, limit[i].zone, &st->key) != NGX_OK) {
            return NGX_ERROR;
        }

        /* as limit_req: an empty key is not limited */

        if (st->key.len == 0) {
            continue;
        }

        if (st->key.len > NGX_HTTP_EGOV_LIMIT_MAX_KEY) {
            ngx_log_error(NGX_LOG_ERR, ngx_http_egov_quiet_log(r), 0,
                          "egov_limit: the key of zone \"%V\" is longer "
                          "than %d bytes, not limited",
                          &limit[i].zone->name, NGX_HTTP_EGOV_LIMIT_MAX_KEY);
            continue;
        }

        st->applies = 1;
        st->hash = ngx_crc32_short(st->key.data, st->key.len);

        rc = ngx_http_egov_limit_account(ngx_http_egov_quiet_log(r), st, now,
                                         &wait);

        if (rc == NGX_ERROR) {
            return NGX_ERROR;
        }

        if (rc == NGX_BUSY) {

            if (limit[i].dry_run) {
                *status = NGX_HTTP_EGOV_LIMIT_REJECTED_DRY_RUN;
                continue;
            }

            /*
             * a solved challenge lets this limit, and only this one, go
             * on to its higher ceiling, never over its rate: a pass is no
             * licence for unlimited traffic (found by a helper's review:
             * one proof of work let a client through for as long as the
             * pass lasted).  Such a request is delayed as the last one
             * within the burst is, not more
             */

            if (limit[i].challenge && ngx_http_egov_challenge_passed(r)) {
                st->pass = 1;

                rc = ngx_http_egov_limit_account(ngx_http_egov_quiet_log(r),
                                                 st, now, &wait);
                if (rc == NGX_ERROR) {
                    return NGX_ERROR;
                }

                if (rc == NGX_OK) {
                    wait = ngx_min(wait, (uint64_t) limit[i].burst
                                         * limit[i].zone->interval);

                } else {
                    ctx->pass_spent = 1;
                }
            }

            if (rc == NGX_BUSY) {
                for (j = 0; j < i; j++) {
                    ngx_http_egov_limit_rollback(&ctx->states[j]);
                }

                *status = NGX_HTTP_EGOV_LIMIT_REJECTED;
                *retry_after = (ngx_msec_t) ((wait + 999) / 1000);
                *rejected = &limit[i];

                return NGX_BUSY;
            }
        }

        /* NGX_OK: wait is how long this request's slot is away */

        if (wait > (uint64_t) limit[i].delay * limit[i].zone->interval) {
            wait -= (uint64_t) limit[i].delay * limit[i].zone->interval;

            if (limit[i].dry_run) {
                if (*status == NGX_HTTP_EGOV_LIMIT_PASSED) {
                    *status = NGX_HTTP_EGOV_LIMIT_DELAYED_DRY_RUN;
                }
                continue;
            }

            max_delay = ngx_max(max_delay, wait);
        }
    }

    if (max_delay) {
        *delay = (ngx_msec_t) ((max_delay + 999) / 1000);

        if (*status == NGX_HTTP_EGOV_LIMIT_PASSED
            || *status == NGX_HTTP_EGOV_LIMIT_DELAYED_DRY_RUN)
        {
            *status = NGX_HTTP_EGOV_LIMIT_DELAYED;
        }
    }

    return NGX_OK;
}


/*
 * RateLimit-Policy and RateLimit (draft-ietf-httpapi-ratelimit-headers):
 * each zone is a policy of burst + 1 requests per the time they take to
 * come back at the zone's rate.
 */

ngx_int_t
ngx_http_egov_limit_headers(ngx_http_request_t *r,
    ngx_http_egov_limit_t *rejected)
{
    u_char                       *policy, *state, *pp, *ps;
    size_t                        len;
    uint64_t                      now, quota, window, used, remaining, reset;
    ngx_uint_t                    i;
    ngx_table_elt_t              *h;
    ngx_http_egov_limit_ctx_t    *ctx;
    ngx_http_egov_limit_state_t  *st;
    ngx_http_egov_limit_zone_t   *zone;

    ctx = ngx_http_egov_request_state(r, NGX_HTTP_EGOV_STATE_LIMIT,
                                      sizeof(ngx_http_egov_limit_ctx_t));
    if (ctx == NULL || ctx->states == NULL) {
        return NGX_OK;
    }

    len = 0;

    for (i = 0; i < ctx->n; i++) {
        if (ctx->states[i].applies) {
            len += ctx->states[i].limit->zone->name.len
                   + sizeof("\"\";q=;w=, ") - 1 + 2 * NGX_INT64_LEN;
        }
    }

    if (len == 0) {
        return NGX_OK;
    }

    policy = ngx_pnalloc(r->pool, len);
    state = ngx_pnalloc(r->pool, len);
    if (policy == NULL || state == NULL) {
        return NGX_ERROR;
    }

    pp = policy;
    ps = state;
    now = (uint64_t) ngx_current_msec * 1000;

    for (i = 0; i < ctx->n; i++) {
        st = &ctx->states[i];

        if (!st->applies) {
            continue;
        }

        zone = st->limit->zone;
        quota = st->limit->burst + 1;
        window = (quota * zone->interval + 999999) / 1000000;

        /* how much of the burst the key has used, in requests */

        used = (st->tat > now) ? (st->tat - now + zone->interval - 1)
                                 / zone->interval
                               : 0;
        remaining = (used < quota && st->limit != rejected)
                    ? quota - used : 0;
        reset = (st->tat > now) ? (st->tat - now + 999999) / 1000000 : 0;

        if (pp != policy) {
            *pp++ = ','; *pp++ = ' ';
            *ps++ = ','; *ps++ = ' ';
        }

        pp = ngx_sprintf(pp, "\"%V\";q=%uL;w=%uL", &zone->name, quota,
                         window ? window : 1);
        ps = ngx_sprintf(ps, "\"%V\";r=%uL;t=%uL", &zone->name, remaining,
                         reset);
    }

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
    ngx_str_set(&h->key, "RateLimit-Policy");
    h->value.data = policy;
    h->value.len = pp - policy;
    h->lowcase_key = (u_char *) "ratelimit-policy";

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
    ngx_str_set(&h->key, "RateLimit");
    h->value.data = state;
    h->value.len = ps - state;
    h->lowcase_key = (u_char *) "ratelimit";

    return NGX_OK;
}


ngx_str_t *
ngx_http_egov_limit_name(ngx_http_egov_limit_t *limit)
{
    return &limit->zone->name;
}


static ngx_int_t
ngx_http_egov_limit_account(ngx_log_t *log, ngx_http_egov_limit_state_t *st,
    uint64_t now, uint64_t *wait)
{
    uint64_t                     own, tat, tau;
    ngx_http_egov_limit_zone_t  *zone;
    ngx_http_egov_limit_node_t  *node;

    zone = st->limit->zone;

    if (st->pass) {
        tau = ((uint64_t) st->limit->burst + 1) * zone->interval
              * NGX_HTTP_EGOV_LIMIT_PASS_BURSTS - zone->interval;

    } else {
        tau = (uint64_t) st->limit->burst * zone->interval;
    }

    ngx_shmtx_lock(&zone->shpool->mutex);

    node = ngx_http_egov_limit_lookup(zone, &st->key, st->hash);

    /*
     * "own": this server's TAT (with what the fleet's syncs told it);
     * the fleet's "over" mark only holds requests back, it is not added
     */

    own = (node && node->tat > now) ? node->tat : now;
    tat = (node && node->over_tat > own) ? node->over_tat : own;

    if (tat > now + tau) {
        /* refused: allowed again once TAT - tau comes */
        *wait = tat - tau - now;
        st->tat = tat;

        if (node) {
            /*
             * a key refused is in use: never the least recently used, or
             * new keys would evict it and its limit would start again;
             * marked, for eviction to pass it over while it owes time
             */
            ngx_queue_remove(&node->queue);
            ngx_queue_insert_head(&zone->sh->queue, &node->queue);
            node->refused = 1;
        }
        ngx_shmtx_unlock(&zone->shpool->mutex);
        return NGX_BUSY;
    }

    *wait = tat - now;

    node = ngx_http_egov_limit_keep(log, zone, node, &st->key, st->hash, now);
    if (node == NULL) {
        ngx_shmtx_unlock(&zone->shpool->mutex);
        return NGX_ERROR;
    }

    node->tat = own + zone->interval;
    node->refused = 0;
    st->tat = ngx_max(node->tat, node->over_tat);
    st->committed = 1;

    /* the fleet learns of it at the next sync */

    if (zone->sync && node->pending++ == 0) {
        ngx_queue_insert_tail(&zone->sh->dirty, &node->dirty);
    }

    ngx_shmtx_unlock(&zone->shpool->mutex);

    return NGX_OK;
}


ngx_int_t
ngx_http_egov_limit_local(ngx_http_request_t *r, ngx_http_egov_limit_t *limit,
    ngx_str_t *key, ngx_uint_t pass, uint64_t *wait)
{
    ngx_http_egov_limit_state_t  st;

    ngx_memzero(&st, sizeof(ngx_http_egov_limit_state_t));

    st.limit = limit;
    st.key = *key;
    st.hash = ngx_crc32_short(key->data, key->len);
    st.applies = 1;
    st.pass = pass ? 1 : 0;

    return ngx_http_egov_limit_account(ngx_http_egov_quiet_log(r), &st,
                                       (uint64_t) ngx_current_msec * 1000,
                                       wait);
}


void
ngx_http_egov_limit_pass_spent(ngx_http_request_t *r)
{
    ngx_http_egov_limit_ctx_t  *ctx;

    ctx = ngx_http_egov_request_state(r, NGX_HTTP_EGOV_STATE_LIMIT,
                                      sizeof(ngx_http_egov_limit_ctx_t));
    if (ctx) {
        ctx->pass_spent = 1;
    }
}


ngx_uint_t
ngx_http_egov_limit_pass_is_spent(ngx_http_request_t *r)
{
    ngx_http_egov_limit_ctx_t  *ctx;

    ctx = ngx_http_egov_request_state(r, NGX_HTTP_EGOV_STATE_LIMIT,
                                      sizeof(ngx_http_egov_limit_ctx_t));

    return ctx ? ctx->pass_spent : 0;
}


static void
ngx_http_egov_limit_rollback(ngx_http_egov_limit_state_t *st)
{
    ngx_http_egov_limit_zone_t  *zone;
    ngx_http_egov_limit_node_t  *node;

    if (!st->committed) {
        return;
    }

    zone = st->limit->zone;

    ngx_shmtx_lock(&zone->shpool->mutex);

    node = ngx_http_egov_limit_lookup(zone, &st->key, st->hash);

    if (node && node->tat >= zone->interval) {
        node->tat -= zone->interval;

        if (node->pending && --node->pending == 0) {
            ngx_queue_remove(&node->dirty);
        }
    }

    ngx_shmtx_unlock(&zone->shpool->mutex);

    st->tat -= zone->interval;
    st->committed = 0;
}


/*
 * The key's node, most recently used now: "node" as looked up, or a new one
 * when it is NULL (NULL if there is no room).  The zone is locked.
 */

static ngx_http_egov_limit_node_t *
ngx_http_egov_limit_keep(ngx_log_t *log, ngx_http_egov_limit_zone_t *zone,
    ngx_http_egov_limit_node_t *node, ngx_str_t *key, uint32_t hash,
    uint64_t now)
{
    size_t  size;

    if (node) {
        ngx_queue_remove(&node->queue);
        ngx_queue_insert_head(&zone->sh->queue, &node->queue);
        return node;
    }

    size = offsetof(ngx_http_egov_limit_node_t, data) + key->len;

    node = ngx_http_egov_limit_alloc(log, zone, size, now);
    if (node == NULL) {
        return NULL;
    }

    node->node.key = hash;
    node->tat = 0;
    node->over_tat = 0;
    node->pending = 0;
    node->synced = 0;
    node->refused = 0;
    node->fleet_total = 0;
    node->over_sent = 0;
    node->len = (u_short) key->len;
    ngx_memcpy(node->data, key->data, key->len);

    ngx_rbtree_insert(&zone->sh->rbtree, &node->node);
    ngx_queue_insert_head(&zone->sh->queue, &node->queue);

    return node;
}


/*
 * The fleet says a key is over its limit: here too, requests are held back
 * until "tat" (so this server refuses the flood at once), the key made if
 * new.  It is a floor, not added to the key's own TAT: the counts behind
 * it reach this server at its next sync too.
 */

ngx_int_t
ngx_http_egov_limit_raise(ngx_log_t *log, ngx_http_egov_limit_zone_t *zone,
    ngx_str_t *key, uint64_t tat)
{
    uint32_t                     hash;
    uint64_t                     now;
    ngx_http_egov_limit_node_t  *node;

    hash = ngx_crc32_short(key->data, key->len);
    now = (uint64_t) ngx_current_msec * 1000;

    ngx_shmtx_lock(&zone->shpool->mutex);

    node = ngx_http_egov_limit_lookup(zone, key, hash);

    node = ngx_http_egov_limit_keep(log, zone, node, key, hash, now);
    if (node == NULL) {
        ngx_shmtx_unlock(&zone->shpool->mutex);
        return NGX_ERROR;
    }

    if (node->over_tat < tat) {
        node->over_tat = tat;
    }

    /* what the fleet knows already is not told again from here */

    if (node->over_sent < tat) {
        node->over_sent = tat;
    }

    ngx_shmtx_unlock(&zone->shpool->mutex);

    return NGX_OK;
}


/* the floor the fleet set under a key's TAT ("over" marks, strict
 * refusals), in microseconds of ngx_current_msec; 0 when none */

uint64_t
ngx_http_egov_limit_floor(ngx_http_egov_limit_zone_t *zone, ngx_str_t *key)
{
    uint32_t                     hash;
    uint64_t                     floor;
    ngx_http_egov_limit_node_t  *node;

    hash = ngx_crc32_short(key->data, key->len);

    ngx_shmtx_lock(&zone->shpool->mutex);

    node = ngx_http_egov_limit_lookup(zone, key, hash);
    floor = node ? node->over_tat : 0;

    ngx_shmtx_unlock(&zone->shpool->mutex);

    return floor;
}


/*
 * Room for a new key: keys whose TAT has passed hold nothing a fresh key
 * would not, so they go first; when the zone is full, the least recently
 * used keys are evicted (logged once per zone), never the request refused.
 */

static ngx_http_egov_limit_node_t *
ngx_http_egov_limit_alloc(ngx_log_t *log, ngx_http_egov_limit_zone_t *zone,
    size_t size, uint64_t now)
{
    ngx_uint_t                   n, evicted, passed;
    ngx_queue_t                 *q;
    ngx_http_egov_limit_node_t  *old, *node;

    for (n = 0; n < 2 && !ngx_queue_empty(&zone->sh->queue); n++) {
        q = ngx_queue_last(&zone->sh->queue);
        old = ngx_queue_data(q, ngx_http_egov_limit_node_t, queue);

        if (old->tat > now || old->over_tat > now) {
            break;
        }

        ngx_http_egov_limit_free(zone, old);
    }

    evicted = 0;
    passed = 0;

    for ( ;; ) {
        node = ngx_slab_alloc_locked(zone->shpool, size);

        if (node || ngx_queue_empty(&zone->sh->queue) || evicted >= 16) {
            break;
        }

        q = ngx_queue_last(&zone->sh->queue);
        old = ngx_queue_data(q, ngx_http_egov_limit_node_t, queue);

        /*
         * a key refused and still owing time is passed over (a fifth
         * review: refused once, then left alone while new keys came, it
         * was evicted and its limit started again); a few at most, then
         * the least recently used goes whatever it owes, so that new keys
         * still get in: a flood must then be refused itself, burst + 2
         * requests a key, to evict a refused one
         */

        if (old->refused && passed < 16
            && ngx_max(old->tat, old->over_tat) > now)
        {
            ngx_queue_remove(q);
            ngx_queue_insert_head(&zone->sh->queue, q);
            passed++;
            continue;
        }

        ngx_http_egov_limit_free(zone, old);

        evicted++;
    }

    if (evicted) {
        ngx_http_egov_stat_add(NGX_EGOV_STAT_LIMIT_EVICTIONS, evicted);

        if (!zone->sh->evicting) {
            zone->sh->evicting = 1;
            ngx_log_error(NGX_LOG_WARN, log, 0,
                          "egov_limit_zone \"%V\" is full: the least "
                          "recently used keys are evicted (logged once)",
                          &zone->name);
        }
    }

    if (node == NULL) {
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "egov_limit_zone \"%V\": no room for a key of %uz "
                      "bytes", &zone->name, size);
    }

    return node;
}


static void
ngx_http_egov_limit_free(ngx_http_egov_limit_zone_t *zone,
    ngx_http_egov_limit_node_t *node)
{
    ngx_queue_remove(&node->queue);

    if (node->pending) {
        ngx_queue_remove(&node->dirty);
    }

    ngx_rbtree_delete(&zone->sh->rbtree, &node->node);
    ngx_slab_free_locked(zone->shpool, node);
}


ngx_http_egov_limit_node_t *
ngx_http_egov_limit_lookup(ngx_http_egov_limit_zone_t *zone, ngx_str_t *key,
    uint32_t hash)
{
    ngx_int_t                    rc;
    ngx_rbtree_node_t           *node, *sentinel;
    ngx_http_egov_limit_node_t  *ln;

    node = zone->sh->rbtree.root;
    sentinel = zone->sh->rbtree.sentinel;

    while (node != sentinel) {

        if (hash < node->key) {
            node = node->left;
            continue;
        }

        if (hash > node->key) {
            node = node->right;
            continue;
        }

        ln = (ngx_http_egov_limit_node_t *) node;

        rc = ngx_memn2cmp(key->data, ln->data, key->len, (size_t) ln->len);

        if (rc == 0) {
            return ln;
        }

        node = (rc < 0) ? node->left : node->right;
    }

    return NULL;
}


static void
ngx_http_egov_limit_rbtree_insert(ngx_rbtree_node_t *temp,
    ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel)
{
    ngx_rbtree_node_t           **p;
    ngx_http_egov_limit_node_t   *ln, *lnt;

    for ( ;; ) {

        if (node->key < temp->key) {
            p = &temp->left;

        } else if (node->key > temp->key) {
            p = &temp->right;

        } else { /* node->key == temp->key */

            ln = (ngx_http_egov_limit_node_t *) node;
            lnt = (ngx_http_egov_limit_node_t *) temp;

            p = (ngx_memn2cmp(ln->data, lnt->data, ln->len, lnt->len) < 0)
                ? &temp->left : &temp->right;
        }

        if (*p == sentinel) {
            break;
        }

        temp = *p;
    }

    *p = node;
    node->parent = temp;
    node->left = sentinel;
    node->right = sentinel;
    ngx_rbt_red(node);
}


static ngx_int_t
ngx_http_egov_limit_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_http_egov_limit_zone_t  *ozone = data;

    size_t                       len;
    ngx_http_egov_limit_zone_t  *zone;

    zone = shm_zone->data;

    if (ozone) {
        if (ozone->key_text.len != zone->key_text.len
            || ngx_strncmp(ozone->key_text.data, zone->key_text.data,
                           zone->key_text.len) != 0)
        {
            ngx_log_error(NGX_LOG_EMERG, shm_zone->shm.log, 0,
                          "egov_limit_zone \"%V\" uses the \"%V\" key "
                          "while previously it used the \"%V\" key",
                          &zone->name, &zone->key_text, &ozone->key_text);
            return NGX_ERROR;
        }

        zone->sh = ozone->sh;
        zone->shpool = ozone->shpool;

        return NGX_OK;
    }

    zone->shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (shm_zone->shm.exists) {
        zone->sh = zone->shpool->data;
        return NGX_OK;
    }

    zone->sh = ngx_slab_alloc(zone->shpool,
                              sizeof(ngx_http_egov_limit_shctx_t));
    if (zone->sh == NULL) {
        return NGX_ERROR;
    }

    ngx_memzero(zone->sh, sizeof(ngx_http_egov_limit_shctx_t));
    zone->shpool->data = zone->sh;

    ngx_rbtree_init(&zone->sh->rbtree, &zone->sh->sentinel,
                    ngx_http_egov_limit_rbtree_insert);
    ngx_queue_init(&zone->sh->queue);
    ngx_queue_init(&zone->sh->dirty);

    len = sizeof(" in egov_limit_zone \"\"") + shm_zone->shm.name.len;

    zone->shpool->log_ctx = ngx_slab_alloc(zone->shpool, len);
    if (zone->shpool->log_ctx == NULL) {
        return NGX_ERROR;
    }

    ngx_sprintf(zone->shpool->log_ctx, " in egov_limit_zone \"%V\"%Z",
                &zone->name);

    /* evictions say what happens; the slab's own "no memory" is noise */
    zone->shpool->log_nomem = 0;

    return NGX_OK;
}


/*
 * "$binary_remote_addr" in a key becomes "$egov_binary_remote_addr_64"
 * (for ipv6_prefix=64): the same bytes for IPv4 clients, the first 64 bits
 * for IPv6 ones, so one host cannot rotate through its own subnet.
 */

static ngx_int_t
ngx_http_egov_limit_key_variable(ngx_conf_t *cf, ngx_str_t *key,
    ngx_uint_t prefix, ngx_str_t *result)
{
    u_char               *p, *last, *r;
    size_t                len;
    ngx_str_t             name;
    ngx_http_variable_t  *v;

    static ngx_str_t  plain = ngx_string("$binary_remote_addr");
    static ngx_str_t  braced = ngx_string("${binary_remote_addr}");

    if (ngx_strlcasestrn(key->data, key->data + key->len,
                         (u_char *) "binary_remote_addr",
                         sizeof("binary_remote_addr") - 2) == NULL)
    {
        *result = *key;
        return NGX_OK;
    }

    name.data = ngx_pnalloc(cf->pool, sizeof("egov_binary_remote_addr_128"));
    if (name.data == NULL) {
        return NGX_ERROR;
    }

    name.len = ngx_sprintf(name.data, "egov_binary_remote_addr_%ui", prefix)
               - name.data;

    v = ngx_http_add_variable(cf, &name, NGX_HTTP_VAR_CHANGEABLE);
    if (v == NULL) {
        return NGX_ERROR;
    }

    v->get_handler = ngx_http_egov_binary_addr_variable;
    v->data = prefix;

    /* each 19-byte "$binary_remote_addr" grows by at most 10 bytes */
    len = 2 * key->len + 64;

    result->data = ngx_pnalloc(cf->pool, len);
    if (result->data == NULL) {
        return NGX_ERROR;
    }

    p = key->data;
    last = key->data + key->len;
    r = result->data;

    while (p < last) {

        if ((size_t) (last - p) >= braced.len
            && ngx_strncmp(p, braced.data, braced.len) == 0)
        {
            r = ngx_sprintf(r, "${%V}", &name);
            p += braced.len;
            continue;
        }

        if ((size_t) (last - p) >= plain.len
            && ngx_strncmp(p, plain.data, plain.len) == 0
            && (p + plain.len == last
                || !(isalnum(p[plain.len]) || p[plain.len] == '_')))
        {
            r = ngx_sprintf(r, "$%V", &name);
            p += plain.len;
            continue;
        }

        *r++ = *p++;
    }

    result->len = r - result->data;

    return NGX_OK;
}


ngx_int_t
ngx_http_egov_limit_key(ngx_http_request_t *r,
    ngx_http_egov_limit_zone_t *zone, ngx_str_t *key)
{
    if (zone->addr_key) {
        return ngx_http_egov_binary_addr(r, zone->ipv6_prefix, key);
    }

    return ngx_http_complex_value(r, &zone->key, key);
}


/* the client's address as bytes, an IPv6 one cut to its prefix */

static ngx_int_t
ngx_http_egov_binary_addr(ngx_http_request_t *r, ngx_uint_t prefix,
    ngx_str_t *bytes)
{
    ngx_egov_cidr_t  addr;

    if (ngx_egov_cidr_from_sockaddr(r->connection->sockaddr, &addr)
        != NGX_EGOV_CIDR_OK)
    {
        /* a unix-domain client: as $binary_remote_addr, no address */
        ngx_str_null(bytes);
        return NGX_OK;
    }

    if (addr.family == AF_INET6) {
        ngx_egov_cidr_mask(&addr, (unsigned) prefix);
    }

    bytes->len = (addr.family == AF_INET) ? 4 : 16;

    bytes->data = ngx_pnalloc(r->pool, bytes->len);
    if (bytes->data == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(bytes->data, addr.addr, bytes->len);

    return NGX_OK;
}


static ngx_int_t
ngx_http_egov_binary_addr_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_str_t  bytes;

    if (ngx_http_egov_binary_addr(r, data, &bytes) != NGX_OK) {
        return NGX_ERROR;
    }

    if (bytes.len == 0) {
        v->not_found = 1;
        return NGX_OK;
    }

    v->len = bytes.len;
    v->data = bytes.data;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;

    return NGX_OK;
}



/* does a limit of these answer with a challenge (action=challenge) */

ngx_uint_t
ngx_http_egov_limits_challenge(ngx_array_t *limits)
{
    ngx_uint_t              i;
    ngx_http_egov_limit_t  *limit;

    if (limits == NULL) {
        return 0;
    }

    limit = limits->elts;

    for (i = 0; i < limits->nelts; i++) {
        if (limit[i].challenge) {
            return 1;
        }
    }

    return 0;
}
