
/*
 * The fleet layer's HTTP side: egov_redis and egov_redis_sentinel (the
 * connection, read once in the master: addresses resolved, the password
 * file read), the workers' start and exit, the path by which a request
 * waits for a Redis reply, and egov_redis_health.
 */


#include "ngx_http_egov_module.h"
#include "ngx_egov_redis.h"
#include "ngx_egov_redis_parse.h"
#include "ngx_egov_redis_int.h"

#include <ngx_sha1.h>


#define NGX_HTTP_EGOV_REDIS_PORT           6379
#define NGX_HTTP_EGOV_REDIS_SENTINEL_PORT  26379
#define NGX_HTTP_EGOV_REDIS_PREFIX_MAX     64

/*
 * the largest reply a server needs: the entries hash at a reconciliation,
 * about 300 bytes an entry signed (some 200,000 entries)
 */
#define NGX_HTTP_EGOV_REDIS_MAX_REPLY      (64 * 1024 * 1024)
#define NGX_HTTP_EGOV_REDIS_HEALTH_TTL     "60000"


typedef struct {
    ngx_flag_t                      enable;
    ngx_flag_t                      write;
    ngx_msec_t                      timeout;   /* 0: egov_redis's */
    ngx_egov_redis_script_t        *script;
} ngx_http_egov_redis_loc_conf_t;


struct ngx_http_egov_redis_wait_s {
    ngx_http_request_t             *request;   /* NULL once it is gone */
    ngx_pool_cleanup_t             *cleanup;
    ngx_http_egov_redis_resume_pt   resume;
    void                           *data;
    ngx_uint_t                      content;
};


static char *ngx_http_egov_redis(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_egov_redis_sentinel(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_egov_redis_health(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static ngx_int_t ngx_http_egov_redis_addr(ngx_conf_t *cf,
    const char *directive, ngx_str_t *value, in_port_t port,
    ngx_array_t *addrs);
static ngx_int_t ngx_http_egov_redis_secret(ngx_conf_t *cf,
    const char *directive, const char *what, ngx_str_t *name,
    ngx_str_t *secret, ngx_uint_t private);
static ngx_int_t ngx_http_egov_redis_fleet_secret(ngx_conf_t *cf,
    ngx_egov_redis_conf_t *rcf, ngx_str_t *name);
static ngx_int_t ngx_http_egov_redis_word(ngx_conf_t *cf,
    const char *directive, const char *what, ngx_str_t *value,
    size_t max);
static ngx_uint_t ngx_http_egov_redis_param(ngx_str_t *value,
    const char *name, ngx_str_t *rest);

static void ngx_http_egov_redis_wait_gone(void *data);

static ngx_int_t ngx_http_egov_redis_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);
static ngx_int_t ngx_http_egov_redis_health_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_egov_redis_health_resume(ngx_http_request_t *r,
    ngx_egov_redis_status_e status, redisReply *reply, void *data);
static ngx_int_t ngx_http_egov_redis_health_send(ngx_http_request_t *r,
    ngx_egov_redis_status_e status, redisReply *reply);
static u_char *ngx_http_egov_redis_json(u_char *p, ngx_str_t *s);

static void *ngx_http_egov_redis_create_main_conf(ngx_conf_t *cf);
static char *ngx_http_egov_redis_init_main_conf(ngx_conf_t *cf, void *conf);
static void *ngx_http_egov_redis_create_loc_conf(ngx_conf_t *cf);
static ngx_int_t ngx_http_egov_redis_init_process(ngx_cycle_t *cycle);
static void ngx_http_egov_redis_exit_process(ngx_cycle_t *cycle);


/*
 * The write probe: what the fleet features need of Redis, in one round
 * trip: scripts run, and the master takes a write with an expiry (a
 * replica left behind by a failover, maxmemory or a failed save refuse).
 */

static ngx_str_t  ngx_http_egov_redis_health_lua = ngx_string(
    "redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) "
    "return redis.status_reply('OK')");


static ngx_command_t  ngx_http_egov_redis_commands[] = {

    { ngx_string("egov_redis"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_1MORE,
      ngx_http_egov_redis,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("egov_redis_sentinel"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_1MORE,
      ngx_http_egov_redis_sentinel,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("egov_redis_health"),
      NGX_HTTP_LOC_CONF|NGX_CONF_ANY,
      ngx_http_egov_redis_health,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_egov_redis_module_ctx = {
    NULL,                                  /* preconfiguration */
    NULL,                                  /* postconfiguration */

    ngx_http_egov_redis_create_main_conf,  /* create main configuration */
    ngx_http_egov_redis_init_main_conf,    /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_egov_redis_create_loc_conf,   /* create location configuration */
    NULL                                   /* merge location configuration */
};


ngx_module_t  ngx_http_egov_redis_module = {
    NGX_MODULE_V1,
    &ngx_http_egov_redis_module_ctx,       /* module context */
    ngx_http_egov_redis_commands,          /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    ngx_http_egov_redis_init_process,      /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_http_egov_redis_exit_process,      /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_str_t  ngx_http_egov_redis_json_type =
    ngx_string("application/json");


/* directives */

static char *
ngx_http_egov_redis(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_egov_redis_conf_t *rcf = conf;

    ssize_t       size;
    ngx_str_t    *value, rest;
    ngx_int_t     n;
    ngx_uint_t    i;
    ngx_msec_t    ms, *timeout;
    ngx_array_t  *addrs;

    if (rcf->file) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (value[1].len == 8 && ngx_strncmp(value[1].data, "sentinel", 8) == 0)
    {
        rcf->use_sentinel = 1;

    } else {
        if (rcf->sentinels) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "egov_redis: \"%V\" is a fixed address, but "
                               "egov_redis_sentinel is set (in %s:%ui); "
                               "write \"egov_redis sentinel ...\" to take "
                               "the master from the sentinels", &value[1],
                               rcf->sentinel_file, rcf->sentinel_line);
            return NGX_CONF_ERROR;
        }

        addrs = ngx_array_create(cf->temp_pool, 2,
                                 sizeof(ngx_egov_redis_addr_t));
        if (addrs == NULL) {
            return NGX_CONF_ERROR;
        }

        if (ngx_http_egov_redis_addr(cf, "egov_redis", &value[1],
                                     NGX_HTTP_EGOV_REDIS_PORT, addrs)
            != NGX_OK)
        {
            return NGX_CONF_ERROR;
        }

        rcf->addr = *(ngx_egov_redis_addr_t *) addrs->elts;

        if (addrs->nelts > 1) {
            ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                               "egov_redis: \"%V\" has %ui addresses, "
                               "%s is used", &value[1], addrs->nelts,
                               rcf->addr.text);
        }
    }

    for (i = 2; i < cf->args->nelts; i++) {

        if (ngx_http_egov_redis_param(&value[i], "password=", &rest)) {
            if (ngx_http_egov_redis_secret(cf, "egov_redis", "password",
                                           &rest, &rcf->password, 0)
                != NGX_OK)
            {
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (ngx_http_egov_redis_param(&value[i], "secret=", &rest)) {
            if (ngx_http_egov_redis_fleet_secret(cf, rcf, &rest) != NGX_OK) {
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (ngx_http_egov_redis_param(&value[i], "user=", &rest)) {
            if (ngx_http_egov_redis_word(cf, "egov_redis", "user", &rest,
                                         NGX_HTTP_EGOV_REDIS_PREFIX_MAX)
                != NGX_OK)
            {
                return NGX_CONF_ERROR;
            }

            rcf->user = rest;
            continue;
        }

        if (ngx_http_egov_redis_param(&value[i], "max_reply=", &rest)) {
            size = ngx_parse_size(&rest);

            if (size == NGX_ERROR || size < 65536) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "egov_redis: invalid size \"%V\" in "
                                   "\"%V\", a size of 64k or more is "
                                   "expected", &rest, &value[i]);
                return NGX_CONF_ERROR;
            }

            rcf->max_reply = (size_t) size;
            continue;
        }

        if (ngx_http_egov_redis_param(&value[i], "db=", &rest)) {
            n = ngx_atoi(rest.data, rest.len);

            if (n == NGX_ERROR || n > 0x7fffffff) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "egov_redis: invalid db \"%V\", a "
                                   "database number is expected", &rest);
                return NGX_CONF_ERROR;
            }

            rcf->db = n;
            continue;
        }

        if (ngx_http_egov_redis_param(&value[i], "prefix=", &rest)) {
            if (rest.len
                && ngx_http_egov_redis_word(cf, "egov_redis", "prefix", &rest,
                                            NGX_HTTP_EGOV_REDIS_PREFIX_MAX)
                   != NGX_OK)
            {
                return NGX_CONF_ERROR;
            }

            rcf->prefix.len = rest.len;
            rcf->prefix.data = rest.len ? rest.data : (u_char *) "";
            continue;
        }

        timeout = NULL;

        if (ngx_http_egov_redis_param(&value[i], "connect_timeout=", &rest)) {
            timeout = &rcf->connect_timeout;

        } else if (ngx_http_egov_redis_param(&value[i], "timeout=", &rest)) {
            timeout = &rcf->timeout;
        }

        if (timeout) {
            ms = ngx_parse_time(&rest, 0);

            if (ms == (ngx_msec_t) NGX_ERROR || ms == 0) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "egov_redis: invalid time \"%V\" in "
                                   "\"%V\", a time above 0 is expected",
                                   &rest, &value[i]);
                return NGX_CONF_ERROR;
            }

            *timeout = ms;
            continue;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "egov_redis: invalid parameter \"%V\"",
                           &value[i]);
        return NGX_CONF_ERROR;
    }

    if (rcf->user.len && rcf->password.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "egov_redis: \"user=\" needs \"password=\" "
                           "(Redis ACL users authenticate with both)");
        return NGX_CONF_ERROR;
    }

    rcf->enabled = 1;
    rcf->file = cf->conf_file->file.name.data;
    rcf->line = cf->conf_file->line;

    return NGX_CONF_OK;
}


static char *
ngx_http_egov_redis_sentinel(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_egov_redis_conf_t *rcf = conf;

    ngx_str_t   *value, rest;
    ngx_uint_t   i;

    if (rcf->sentinels) {
        return "is duplicate";
    }

    if (rcf->file && !rcf->use_sentinel) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "egov_redis_sentinel: egov_redis (in %s:%ui) "
                           "names a fixed address; write \"egov_redis "
                           "sentinel ...\" to take the master from the "
                           "sentinels", rcf->file, rcf->line);
        return NGX_CONF_ERROR;
    }

    rcf->sentinels = ngx_array_create(cf->pool, 3,
                                      sizeof(ngx_egov_redis_addr_t));
    if (rcf->sentinels == NULL) {
        return NGX_CONF_ERROR;
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {

        if (ngx_http_egov_redis_param(&value[i], "master=", &rest)) {
            if (ngx_http_egov_redis_word(cf, "egov_redis_sentinel",
                                         "master name", &rest, 256)
                != NGX_OK)
            {
                return NGX_CONF_ERROR;
            }

            rcf->master_name = rest;
            continue;
        }

        if (ngx_http_egov_redis_param(&value[i], "password=", &rest)) {
            if (ngx_http_egov_redis_secret(cf, "egov_redis_sentinel",
                                           "password", &rest,
                                           &rcf->sentinel_password, 0)
                != NGX_OK)
            {
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (ngx_strlchr(value[i].data, value[i].data + value[i].len, '=')) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "egov_redis_sentinel: invalid parameter "
                               "\"%V\"", &value[i]);
            return NGX_CONF_ERROR;
        }

        if (ngx_http_egov_redis_addr(cf, "egov_redis_sentinel", &value[i],
                                     NGX_HTTP_EGOV_REDIS_SENTINEL_PORT,
                                     rcf->sentinels)
            != NGX_OK)
        {
            return NGX_CONF_ERROR;
        }
    }

    if (rcf->master_name.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "egov_redis_sentinel: master=NAME is missing");
        return NGX_CONF_ERROR;
    }

    if (rcf->sentinels->nelts == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "egov_redis_sentinel: no sentinel address");
        return NGX_CONF_ERROR;
    }

    rcf->sentinel_file = cf->conf_file->file.name.data;
    rcf->sentinel_line = cf->conf_file->line;

    return NGX_CONF_OK;
}


static char *
ngx_http_egov_redis_health(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_egov_redis_loc_conf_t *hlcf = conf;

    ngx_str_t                 *value, rest;
    ngx_uint_t                 i;
    ngx_msec_t                 ms;
    ngx_egov_redis_conf_t     *rcf;
    ngx_http_core_loc_conf_t  *clcf;

    if (hlcf->enable) {
        return "is duplicate";
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {

        if (value[i].len == 4 && ngx_strncmp(value[i].data, "ping", 4) == 0)
        {
            hlcf->write = 0;
            continue;
        }

        if (value[i].len == 5 && ngx_strncmp(value[i].data, "write", 5) == 0)
        {
            hlcf->write = 1;
            continue;
        }

        if (ngx_http_egov_redis_param(&value[i], "timeout=", &rest)) {
            ms = ngx_parse_time(&rest, 0);

            if (ms == (ngx_msec_t) NGX_ERROR || ms == 0) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "egov_redis_health: invalid time \"%V\", "
                                   "a time above 0 is expected", &rest);
                return NGX_CONF_ERROR;
            }

            hlcf->timeout = ms;
            continue;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "egov_redis_health: invalid parameter \"%V\"",
                           &value[i]);
        return NGX_CONF_ERROR;
    }

    if (hlcf->write) {
        hlcf->script = ngx_egov_redis_script_add(cf,
                                            &ngx_http_egov_redis_health_lua);
        if (hlcf->script == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    hlcf->enable = 1;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_egov_redis_health_handler;

    /* egov_redis may come later in http{}: checked in init_main_conf */

    rcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_egov_redis_module);

    if (rcf->health_file == NULL) {
        rcf->health_file = cf->conf_file->file.name.data;
        rcf->health_line = cf->conf_file->line;
    }

    return NGX_CONF_OK;
}


/*
 * host:port (names resolved now, once, so that a worker never resolves)
 * or unix:/path.  Every address a name has is added.
 */

static ngx_int_t
ngx_http_egov_redis_addr(ngx_conf_t *cf, const char *directive,
    ngx_str_t *value, in_port_t port, ngx_array_t *addrs)
{
    size_t                  len;
    ngx_url_t               u;
    ngx_uint_t              i;
    ngx_egov_redis_addr_t  *a;

    if (value->len >= 5 && ngx_strncasecmp(value->data, (u_char *) "unix:", 5)
                           == 0)
    {
        len = value->len - 5;

        if (len == 0 || len >= NGX_UNIX_ADDRSTRLEN) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "%s: invalid unix socket path in \"%V\"",
                               directive, value);
            return NGX_ERROR;
        }

        a = ngx_array_push(addrs);
        if (a == NULL) {
            return NGX_ERROR;
        }

        ngx_memzero(a, sizeof(ngx_egov_redis_addr_t));

        ngx_memcpy(a->host, value->data + 5, len);
        a->port = 0;
        a->text_len = ngx_cpymem(a->text, value->data, value->len) - a->text;

        return NGX_OK;
    }

    ngx_memzero(&u, sizeof(ngx_url_t));

    u.url = *value;
    u.default_port = port;

    if (ngx_parse_url(cf->pool, &u) != NGX_OK) {
        if (u.err) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "%s: %s in \"%V\"", directive, u.err, value);
        }

        return NGX_ERROR;
    }

    if (u.uri.len || u.naddrs == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "%s: \"%V\" is not host:port or unix:/path",
                           directive, value);
        return NGX_ERROR;
    }

    for (i = 0; i < u.naddrs; i++) {
        a = ngx_array_push(addrs);
        if (a == NULL) {
            return NGX_ERROR;
        }

        ngx_memzero(a, sizeof(ngx_egov_redis_addr_t));

        a->text_len = ngx_sock_ntop(u.addrs[i].sockaddr, u.addrs[i].socklen,
                                    a->text, NGX_SOCKADDR_STRLEN, 1);

        (void) ngx_sock_ntop(u.addrs[i].sockaddr, u.addrs[i].socklen,
                             (u_char *) a->host, NGX_SOCKADDR_STRLEN, 0);

        a->port = ngx_inet_get_port(u.addrs[i].sockaddr);
    }

    return NGX_OK;
}


/*
 * Read by the master when the configuration is read: workers never do.  A
 * private one (the fleet secret) must not be readable by others.
 */

static ngx_int_t
ngx_http_egov_redis_secret(ngx_conf_t *cf, const char *directive,
    const char *what, ngx_str_t *name, ngx_str_t *secret, ngx_uint_t private)
{
    u_char           buf[NGX_EGOV_REDIS_SECRET_MAX + 8];
    ssize_t          n, len;
    ngx_fd_t         fd;
    ngx_int_t        rc;
    ngx_err_t        err;
    ngx_str_t        file;
    ngx_file_info_t  fi;

    file = *name;

    if (file.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "%s: \"%s=\" needs a file name", directive,
                           private ? "secret" : "password");
        return NGX_ERROR;
    }

    if (ngx_conf_full_name(cf->cycle, &file, 1) != NGX_OK) {
        return NGX_ERROR;
    }

    rc = ngx_http_egov_conf_open(cf, file.data, &fd, &fi);

    if (rc == NGX_DECLINED) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "%s: cannot open the %s file \"%s\"",
                           directive, what, file.data);
        return NGX_ERROR;
    }

    if (rc != NGX_OK) {
        return NGX_ERROR;
    }

    /* a password others can read lets them into Redis: said */

    if (!private && (fi.st_mode & S_IROTH)) {
        ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                           "%s: others can read the %s file \"%s\" (mode "
                           "%ui%ui%ui): chmod o-r it", directive, what,
                           file.data, (ngx_uint_t) (fi.st_mode >> 6) & 7,
                           (ngx_uint_t) (fi.st_mode >> 3) & 7,
                           (ngx_uint_t) fi.st_mode & 7);
    }

    if (ngx_http_egov_conf_file_writers(cf, &fi, directive, file.data)
        != NGX_OK)
    {
        (void) ngx_close_file(fd);
        return NGX_ERROR;
    }

    if (private) {
        if (fi.st_mode & (S_IROTH|S_IWOTH)) {
            (void) ngx_close_file(fd);
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "%s: the %s file \"%s\" can be read or "
                               "written by others (mode %ui%ui%ui%ui): "
                               "chmod o-rw it", directive, what, file.data,
                               (ngx_uint_t) (fi.st_mode >> 9) & 7,
                               (ngx_uint_t) (fi.st_mode >> 6) & 7,
                               (ngx_uint_t) (fi.st_mode >> 3) & 7,
                               (ngx_uint_t) fi.st_mode & 7);
            return NGX_ERROR;
        }
    }

    n = ngx_read_fd(fd, buf, sizeof(buf));
    err = ngx_errno;

    (void) ngx_close_file(fd);

    if (n == -1) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, err,
                           "%s: cannot read the %s file \"%s\"",
                           directive, what, file.data);
        return NGX_ERROR;
    }

    len = ((size_t) n == sizeof(buf)) ? NGX_EGOV_REDIS_SECRET_LONG
                                      : ngx_egov_redis_secret(buf, n);

    if (len > 0) {
        secret->data = ngx_pnalloc(cf->pool, len);
        if (secret->data == NULL) {
            ngx_explicit_memzero(buf, sizeof(buf));
            return NGX_ERROR;
        }

        ngx_memcpy(secret->data, buf, len);
        secret->len = len;
    }

    ngx_explicit_memzero(buf, sizeof(buf));

    switch (len) {

    case NGX_EGOV_REDIS_SECRET_EMPTY:
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "%s: the %s file \"%s\" is empty",
                           directive, what, file.data);
        return NGX_ERROR;

    case NGX_EGOV_REDIS_SECRET_LINES:
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "%s: the %s file \"%s\" has more than one "
                           "line", directive, what, file.data);
        return NGX_ERROR;

    case NGX_EGOV_REDIS_SECRET_CONTROL:
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "%s: the %s in \"%s\" has a control "
                           "character", directive, what, file.data);
        return NGX_ERROR;

    case NGX_EGOV_REDIS_SECRET_LONG:
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "%s: the %s in \"%s\" is longer than %d "
                           "bytes", directive, what, file.data,
                           NGX_EGOV_REDIS_SECRET_MAX);
        return NGX_ERROR;

    default:
        return NGX_OK;
    }
}


/*
 * The fleet secret: only the keys derived from it are kept (the secret's
 * bytes are wiped); this server signs as its host name
 */

static ngx_int_t
ngx_http_egov_redis_fleet_secret(ngx_conf_t *cf, ngx_egov_redis_conf_t *rcf,
    ngx_str_t *name)
{
    ngx_int_t  rc;
    ngx_str_t  secret;

    if (rcf->auth) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "egov_redis: \"secret=\" is duplicate");
        return NGX_ERROR;
    }

    ngx_str_null(&secret);

    if (ngx_http_egov_redis_secret(cf, "egov_redis", "fleet secret", name,
                                   &secret, 1)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (secret.len < NGX_EGOV_FLEET_AUTH_SECRET_MIN) {
        ngx_explicit_memzero(secret.data, secret.len);
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "egov_redis: the fleet secret in \"%V\" has %uz "
                           "bytes, at least %d are needed (e.g. "
                           "\"openssl rand -base64 48\")", name, secret.len,
                           NGX_EGOV_FLEET_AUTH_SECRET_MIN);
        return NGX_ERROR;
    }

    rcf->auth = ngx_palloc(cf->pool, sizeof(ngx_egov_fleet_auth_t));
    if (rcf->auth == NULL) {
        ngx_explicit_memzero(secret.data, secret.len);
        return NGX_ERROR;
    }

    rc = ngx_egov_fleet_auth_init(rcf->auth, secret.data, secret.len,
                                  (char *) cf->cycle->hostname.data,
                                  cf->cycle->hostname.len);

    ngx_explicit_memzero(secret.data, secret.len);

    if (rc != 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "egov_redis: the fleet secret could not be "
                           "turned into keys (libcrypto)");
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* a prefix or a name: printable, no space, quote or backslash */

static ngx_int_t
ngx_http_egov_redis_word(ngx_conf_t *cf, const char *directive,
    const char *what, ngx_str_t *value, size_t max)
{
    u_char  *p;

    if (value->len == 0 || value->len > max) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "%s: the %s must have 1 to %uz characters",
                           directive, what, max);
        return NGX_ERROR;
    }

    for (p = value->data; p < value->data + value->len; p++) {
        if (*p <= ' ' || *p >= 0x7f || *p == '"' || *p == '\\') {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "%s: invalid character in the %s \"%V\"",
                               directive, what, value);
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


static ngx_uint_t
ngx_http_egov_redis_param(ngx_str_t *value, const char *name,
    ngx_str_t *rest)
{
    size_t  len;

    len = ngx_strlen(name);

    if (value->len < len || ngx_strncmp(value->data, name, len) != 0) {
        return 0;
    }

    rest->data = value->data + len;
    rest->len = value->len - len;

    return 1;
}


/* what features register while the configuration is read */

ngx_uint_t
ngx_egov_redis_enabled(ngx_conf_t *cf)
{
    ngx_egov_redis_conf_t  *rcf;

    rcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_egov_redis_module);

    return rcf->enabled;
}


ngx_egov_redis_script_t *
ngx_egov_redis_script_add(ngx_conf_t *cf, ngx_str_t *source)
{
    u_char                     sha[20];
    ngx_uint_t                 i;
    ngx_sha1_t                 ctx;
    ngx_egov_redis_conf_t     *rcf;
    ngx_egov_redis_script_t   *script, **s;

    rcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_egov_redis_module);

    script = ngx_pcalloc(cf->pool, sizeof(ngx_egov_redis_script_t));
    if (script == NULL) {
        return NULL;
    }

    ngx_sha1_init(&ctx);
    ngx_sha1_update(&ctx, source->data, source->len);
    ngx_sha1_final(sha, &ctx);

    ngx_hex_dump(script->sha, sha, sizeof(sha));

    /* the same script registered twice is loaded once */

    s = rcf->scripts.elts;

    for (i = 0; i < rcf->scripts.nelts; i++) {
        if (ngx_strncmp(s[i]->sha, script->sha, sizeof(script->sha)) == 0) {
            return s[i];
        }
    }

    script->source.data = ngx_pstrdup(cf->pool, source);
    if (script->source.data == NULL) {
        return NULL;
    }

    script->source.len = source->len;

    s = ngx_array_push(&rcf->scripts);
    if (s == NULL) {
        return NULL;
    }

    *s = script;

    return script;
}


ngx_int_t
ngx_egov_redis_subscribe(ngx_conf_t *cf, ngx_str_t *channel,
    ngx_egov_redis_message_pt handler, void *data)
{
    ngx_egov_redis_sub_t   *sub;
    ngx_egov_redis_conf_t  *rcf;

    rcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_egov_redis_module);

    if (!rcf->enabled) {
        return NGX_DECLINED;
    }

    sub = ngx_array_push(&rcf->subs);
    if (sub == NULL) {
        return NGX_ERROR;
    }

    sub->handler = handler;
    sub->data = data;

    return ngx_egov_redis_conf_key(cf, channel, &sub->channel);
}


ngx_int_t
ngx_egov_redis_on_connected(ngx_conf_t *cf,
    ngx_egov_redis_connected_pt handler, void *data)
{
    ngx_egov_redis_conf_t       *rcf;
    ngx_egov_redis_connected_t  *h;

    rcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_egov_redis_module);

    if (!rcf->enabled) {
        return NGX_DECLINED;
    }

    h = ngx_array_push(&rcf->connected);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->handler = handler;
    h->data = data;

    return NGX_OK;
}


ngx_int_t
ngx_egov_redis_conf_key(ngx_conf_t *cf, ngx_str_t *name, ngx_str_t *key)
{
    u_char                 *p;
    ngx_egov_redis_conf_t  *rcf;

    rcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_egov_redis_module);

    key->len = rcf->prefix.len + name->len;
    key->data = ngx_pnalloc(cf->pool, key->len);
    if (key->data == NULL) {
        return NGX_ERROR;
    }

    p = ngx_cpymem(key->data, rcf->prefix.data, rcf->prefix.len);
    ngx_memcpy(p, name->data, name->len);

    return NGX_OK;
}


/*
 * A request waiting for a reply.  The wait lives outside r->pool: the
 * reply may come after the client left and the pool is gone; a cleanup of
 * the pool tells it so.  ngx_http_test_reading notices a client that
 * closes the connection meanwhile, and finalizes the request.
 */

ngx_http_egov_redis_wait_t *
ngx_http_egov_redis_wait(ngx_http_request_t *r, ngx_uint_t content,
    ngx_http_egov_redis_resume_pt resume, void *data)
{
    ngx_pool_cleanup_t          *cln;
    ngx_http_egov_redis_wait_t  *w;

    w = ngx_alloc(sizeof(ngx_http_egov_redis_wait_t), r->connection->log);
    if (w == NULL) {
        return NULL;
    }

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        ngx_free(w);
        return NULL;
    }

    cln->handler = ngx_http_egov_redis_wait_gone;
    cln->data = w;

    w->request = r;
    w->cleanup = cln;
    w->resume = resume;
    w->data = data;
    w->content = content;

    r->read_event_handler = ngx_http_test_reading;
    r->write_event_handler = ngx_http_request_empty_handler;

    if (content) {
        r->main->count++;
    }

    return w;
}


void
ngx_http_egov_redis_wait_cancel(ngx_http_egov_redis_wait_t *w)
{
    ngx_http_request_t  *r;

    r = w->request;

    w->cleanup->handler = NULL;
    r->read_event_handler = ngx_http_block_reading;

    if (w->content) {
        r->main->count--;
    }

    ngx_free(w);
}


void
ngx_http_egov_redis_wake(ngx_egov_redis_status_e status, redisReply *reply,
    void *data)
{
    ngx_http_egov_redis_wait_t *w = data;

    ngx_int_t            rc;
    ngx_uint_t           content;
    ngx_connection_t    *c;
    ngx_http_request_t  *r;

    r = w->request;

    if (r == NULL) {
        /* the client went away: nobody to tell */
        ngx_free(w);
        return;
    }

    w->cleanup->handler = NULL;
    content = w->content;

    c = r->connection;
    r->read_event_handler = ngx_http_block_reading;

    rc = w->resume(r, status, reply, w->data);

    ngx_free(w);

    if (content || rc != NGX_OK) {
        ngx_http_finalize_request(r, rc);

    } else {
        r->write_event_handler = ngx_http_core_run_phases;
        ngx_http_core_run_phases(r);
    }

    ngx_http_run_posted_requests(c);
}


static void
ngx_http_egov_redis_wait_gone(void *data)
{
    ngx_http_egov_redis_wait_t *w = data;

    w->request = NULL;
}


/* egov_redis_health: for load balancers and monitoring */

static ngx_int_t
ngx_http_egov_redis_health_handler(ngx_http_request_t *r)
{
    u_char                          *p;
    size_t                           lens[3];
    ngx_int_t                        rc;
    ngx_str_t                        name, key;
    const char                      *argv[3];
    ngx_egov_redis_info_t            info;
    ngx_http_egov_redis_wait_t      *w;
    ngx_http_egov_redis_loc_conf_t  *hlcf;
    u_char                           now[NGX_TIME_T_LEN];

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    hlcf = ngx_http_get_module_loc_conf(r, ngx_http_egov_redis_module);

    if (!ngx_egov_redis_ready()) {
        ngx_egov_redis_info(&info);

        if (info.state != NGX_EGOV_REDIS_STATE_CONNECTING) {
            /* the circuit is open: no round trip, an answer at once */
            return ngx_http_egov_redis_health_send(r,
                                       NGX_EGOV_REDIS_CIRCUIT_OPEN, NULL);
        }
    }

    w = ngx_http_egov_redis_wait(r, 1, ngx_http_egov_redis_health_resume,
                                 hlcf);
    if (w == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (hlcf->write) {
        /* one key per server: probes of a fleet do not collide */

        name.len = sizeof("health:") - 1 + ngx_cycle->hostname.len;
        name.data = ngx_pnalloc(r->pool, name.len);
        if (name.data == NULL) {
            ngx_http_egov_redis_wait_cancel(w);
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        p = ngx_cpymem(name.data, "health:", sizeof("health:") - 1);
        ngx_memcpy(p, ngx_cycle->hostname.data, ngx_cycle->hostname.len);

        if (ngx_egov_redis_key(r->pool, &name, &key) != NGX_OK) {
            ngx_http_egov_redis_wait_cancel(w);
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        argv[0] = (const char *) key.data;
        lens[0] = key.len;
        argv[1] = (const char *) now;
        lens[1] = ngx_sprintf(now, "%T", ngx_time()) - now;
        argv[2] = NGX_HTTP_EGOV_REDIS_HEALTH_TTL;
        lens[2] = sizeof(NGX_HTTP_EGOV_REDIS_HEALTH_TTL) - 1;

        rc = ngx_egov_redis_script_call(hlcf->script, hlcf->timeout,
                                        ngx_http_egov_redis_wake, w, 1, 3,
                                        argv, lens);

    } else {
        rc = ngx_egov_redis_command(hlcf->timeout, ngx_http_egov_redis_wake,
                                    w, "PING");
    }

    if (rc != NGX_OK) {
        ngx_http_egov_redis_wait_cancel(w);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return NGX_DONE;
}


static ngx_int_t
ngx_http_egov_redis_health_resume(ngx_http_request_t *r,
    ngx_egov_redis_status_e status, redisReply *reply, void *data)
{
    return ngx_http_egov_redis_health_send(r, status, reply);
}


/* {"redis":"up","rtt_ms":0.214,"master":"10.0.0.5:6379"} */

static ngx_int_t
ngx_http_egov_redis_health_send(ngx_http_request_t *r,
    ngx_egov_redis_status_e status, redisReply *reply)
{
    u_char                 *p;
    size_t                  len;
    ngx_str_t               body, state, error;
    ngx_uint_t              up, all, partial;
    ngx_egov_redis_info_t   info;
    u_char                  workers[64];

    ngx_egov_redis_info(&info);

    up = (status == NGX_EGOV_REDIS_OK);

    /* the server is up for the fleet when every worker is */

    partial = 0;

    if (up && ngx_egov_redis_workers_up(&all) < all) {
        up = 0;
        partial = 1;
    }

    if (partial) {
        ngx_str_set(&state, "connecting");

    } else if (up || info.state == NGX_EGOV_REDIS_STATE_UP) {
        ngx_str_set(&state, "up");

    } else if (info.state == NGX_EGOV_REDIS_STATE_CONNECTING) {
        ngx_str_set(&state, "connecting");

    } else {
        ngx_str_set(&state, "down");
    }

    ngx_str_null(&error);

    if (partial) {
        error.data = workers;
        error.len = ngx_sprintf(workers, "%ui of %ui workers have Redis, "
                                "the others reconnect",
                                ngx_egov_redis_workers_up(&all), all)
                    - workers;

    } else if (status == NGX_EGOV_REDIS_ERROR_REPLY && reply && reply->str) {
        error.data = (u_char *) reply->str;
        error.len = reply->len;

    } else if (!up) {
        error = info.error;

        if (error.len == 0) {
            error.data = (u_char *) ngx_egov_redis_status_text(status);
            error.len = ngx_strlen(error.data);
        }
    }

    len = sizeof("{\"redis\":\"connecting\",\"rtt_ms\":,\"master\":,"
                 "\"error\":}\n") - 1
          + NGX_INT_T_LEN + 4
          + 2 + info.master.len
          + ngx_escape_json(NULL, info.master.data, info.master.len)
          + 2 + error.len + ngx_escape_json(NULL, error.data, error.len);

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    body.data = p;

    p = ngx_sprintf(p, "{\"redis\":\"%V\",\"rtt_ms\":", &state);

    if (up && info.rtt_us) {
        p = ngx_sprintf(p, "%ui.%03ui", info.rtt_us / 1000,
                        info.rtt_us % 1000);

    } else {
        p = ngx_cpymem(p, "null", 4);
    }

    p = ngx_cpymem(p, ",\"master\":", sizeof(",\"master\":") - 1);

    if (info.master.len) {
        p = ngx_http_egov_redis_json(p, &info.master);

    } else {
        p = ngx_cpymem(p, "null", 4);
    }

    if (!up) {
        p = ngx_cpymem(p, ",\"error\":", sizeof(",\"error\":") - 1);
        p = ngx_http_egov_redis_json(p, &error);
    }

    *p++ = '}';
    *p++ = '\n';

    body.len = p - body.data;

    return ngx_http_egov_send(r, up ? NGX_HTTP_OK
                                    : NGX_HTTP_SERVICE_UNAVAILABLE,
                              &ngx_http_egov_redis_json_type, &body);
}


static u_char *
ngx_http_egov_redis_json(u_char *p, ngx_str_t *s)
{
    *p++ = '"';
    p = (u_char *) ngx_escape_json(p, s->data, s->len);
    *p++ = '"';

    return p;
}


/* configuration and workers */

static void *
ngx_http_egov_redis_create_main_conf(ngx_conf_t *cf)
{
    ngx_egov_redis_conf_t  *rcf;

    rcf = ngx_pcalloc(cf->pool, sizeof(ngx_egov_redis_conf_t));
    if (rcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     rcf->enabled = 0;
     *     rcf->use_sentinel = 0;
     *     rcf->password = { 0, NULL };
     *     rcf->db = 0;
     *     rcf->prefix = { 0, NULL };
     *     rcf->sentinels = NULL;
     *     rcf->file = NULL;
     *     rcf->health_file = NULL;
     */

    rcf->connect_timeout = NGX_CONF_UNSET_MSEC;
    rcf->timeout = NGX_CONF_UNSET_MSEC;

    if (ngx_array_init(&rcf->scripts, cf->pool, 2,
                       sizeof(ngx_egov_redis_script_t *))
        != NGX_OK
        || ngx_array_init(&rcf->subs, cf->pool, 2,
                          sizeof(ngx_egov_redis_sub_t))
           != NGX_OK
        || ngx_array_init(&rcf->connected, cf->pool, 2,
                          sizeof(ngx_egov_redis_connected_t))
           != NGX_OK)
    {
        return NULL;
    }

    return rcf;
}


static char *
ngx_http_egov_redis_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_egov_redis_conf_t *rcf = conf;

    ngx_str_t  name;

    if (rcf->sentinels && rcf->file == NULL) {
        /* egov_redis_sentinel alone: the defaults for the rest */
        rcf->enabled = 1;
        rcf->use_sentinel = 1;
    }

    if (rcf->use_sentinel && rcf->sentinels == NULL) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "\"egov_redis sentinel\" needs egov_redis_sentinel "
                      "at the http level, in %s:%ui", rcf->file, rcf->line);
        return NGX_CONF_ERROR;
    }

    if (rcf->health_file && !rcf->enabled) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "egov_redis_health needs egov_redis at the http "
                      "level, in %s:%ui", rcf->health_file,
                      rcf->health_line);
        return NGX_CONF_ERROR;
    }

    if (rcf->prefix.data == NULL) {
        ngx_str_set(&rcf->prefix, "egov:");
    }

    ngx_conf_init_msec_value(rcf->connect_timeout, 1000);
    ngx_conf_init_msec_value(rcf->timeout, 500);

    if (rcf->max_reply == 0) {
        rcf->max_reply = NGX_HTTP_EGOV_REDIS_MAX_REPLY;
    }

    if (rcf->enabled) {
        ngx_str_set(&name, "egov_redis");

        rcf->shm = ngx_shared_memory_add(cf, &name, 8 * ngx_pagesize,
                                         &ngx_http_egov_redis_module);
        if (rcf->shm == NULL) {
            return NGX_CONF_ERROR;
        }

        rcf->shm->init = ngx_http_egov_redis_init_zone;
    }

    if (rcf->enabled && rcf->auth == NULL) {
        ngx_log_error(NGX_LOG_WARN, cf->log, 0,
                      "egov_redis in %s:%ui has no \"secret=\": what the "
                      "fleet reads from Redis is not authenticated, and "
                      "whoever can write to Redis can ban, unban and hold "
                      "back clients (docs/redis.md, \"Trust\")",
                      rcf->file, rcf->line);
    }

    return NGX_CONF_OK;
}


/* the workers' states (ngx_egov_redis_shared_t): kept across reloads */

static ngx_int_t
ngx_http_egov_redis_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_slab_pool_t          *shpool;
    ngx_egov_redis_shared_t  *sh;

    if (data) {
        shm_zone->data = data;
        return NGX_OK;
    }

    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (shm_zone->shm.exists) {
        shm_zone->data = shpool->data;
        return NGX_OK;
    }

    sh = ngx_slab_calloc(shpool, sizeof(ngx_egov_redis_shared_t));
    if (sh == NULL) {
        return NGX_ERROR;
    }

    shpool->data = sh;
    shm_zone->data = sh;

    return NGX_OK;
}


static void *
ngx_http_egov_redis_create_loc_conf(ngx_conf_t *cf)
{
    /*
     * set by ngx_pcalloc():
     *
     *     conf->enable = 0;
     *     conf->write = 0;
     *     conf->timeout = 0;
     *     conf->script = NULL;
     */

    return ngx_pcalloc(cf->pool, sizeof(ngx_http_egov_redis_loc_conf_t));
}


static ngx_int_t
ngx_http_egov_redis_init_process(ngx_cycle_t *cycle)
{
    ngx_egov_redis_conf_t  *rcf;

    rcf = ngx_http_cycle_get_module_main_conf(cycle,
                                              ngx_http_egov_redis_module);

    if (rcf == NULL || !rcf->enabled) {
        return NGX_OK;
    }

    return ngx_egov_redis_init_process(cycle, rcf);
}


static void
ngx_http_egov_redis_exit_process(ngx_cycle_t *cycle)
{
    ngx_egov_redis_exit_process(cycle);
}
