
/*
 * Bans from what the responses say (egov_ban_on status=401,403 ...): a
 * response with one of the statuses, from the upstream or from nginx (a
 * failed login's 401, another module's 403, a probe's 404), is a violation
 * of the client's address (IPv6 by /64) and feeds the ban escalator of
 * egov_ban, here and, through Redis, on the fleet.  With key= (an account
 * name, say) they are the key's violations too: once it has had after=
 * within=, each further one in that window bans the address that made it,
 * so a password tried on one account from many addresses bans them one by
 * one.
 * Counted in the log phase, O(1): the ban zone's node of the address (and
 * of the key).  The module's own refusals already count where they are
 * made; allowlisted clients and the admin API never do.
 */


#include "ngx_http_egov_protect.h"


#define NGX_HTTP_EGOV_STATUS_MIN  100
#define NGX_HTTP_EGOV_STATUS_MAX  599

/* a longer key is no account name: not counted */
#define NGX_HTTP_EGOV_BAN_ON_MAX_KEY  1024


struct ngx_http_egov_ban_on_s {
    u_char                      statuses[(NGX_HTTP_EGOV_STATUS_MAX + 8) / 8];
    ngx_uint_t                  methods;     /* 0: every method */
    ngx_http_complex_value_t   *key;         /* NULL: the address */
    ngx_uint_t                  after;       /* 0: egov_ban's */
    ngx_msec_t                  within;      /* 0: egov_ban's */
    ngx_http_egov_ban_policy_t *policy;      /* egov_ban's, with those */
    ngx_http_egov_ban_policy_t *from;        /* the egov_ban it is from */
    u_char                     *file;
    ngx_uint_t                  line;
};


/*
 * egov_ban_on status=CODE[,CODE...] [after=N] [within=TIME] [key=KEY]
 *             [methods=METHOD[,METHOD...]];
 */

char *
ngx_http_egov_ban_on(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_egov_protect_loc_conf_t *plcf = conf;

    u_char                            *p, *last, *comma;
    ngx_int_t                          n;
    ngx_str_t                         *value;
    ngx_uint_t                         i, codes;
    ngx_http_egov_ban_on_t            *bo;
    ngx_http_compile_complex_value_t   ccv;

    if (plcf->ban_on != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    bo = ngx_pcalloc(cf->pool, sizeof(ngx_http_egov_ban_on_t));
    if (bo == NULL) {
        return NGX_CONF_ERROR;
    }

    value = cf->args->elts;
    codes = 0;

    for (i = 1; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "status=", 7) == 0) {
            p = value[i].data + 7;
            last = value[i].data + value[i].len;

            while (p < last) {
                comma = ngx_strlchr(p, last, ',');
                if (comma == NULL) {
                    comma = last;
                }

                n = ngx_atoi(p, comma - p);

                if (n < NGX_HTTP_EGOV_STATUS_MIN
                    || n > NGX_HTTP_EGOV_STATUS_MAX)
                {
                    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                       "egov_ban_on: invalid status \"%*s\" "
                                       "in \"%V\", a code from 100 to 599 "
                                       "is expected", comma - p, p,
                                       &value[i]);
                    return NGX_CONF_ERROR;
                }

                bo->statuses[n / 8] |= (u_char) (1 << (n % 8));
                codes++;
                p = comma + 1;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "key=", 4) == 0) {

            if (value[i].len == 4) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "egov_ban_on: \"key=\" names no key (such "
                                   "as \"key=$arg_user\")");
                return NGX_CONF_ERROR;
            }

            bo->key = ngx_palloc(cf->pool, sizeof(ngx_http_complex_value_t));
            if (bo->key == NULL) {
                return NGX_CONF_ERROR;
            }

            value[i].data += 4;
            value[i].len -= 4;

            ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

            ccv.cf = cf;
            ccv.value = &value[i];
            ccv.complex_value = bo->key;

            if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "methods=", 8) == 0) {
            if (ngx_http_egov_methods_parse(cf, &value[i], "egov_ban_on",
                                            &bo->methods)
                != NGX_OK)
            {
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (ngx_http_egov_ban_threshold(&value[i], &bo->after, &bo->within)
            != NGX_OK)
        {
            goto invalid;
        }
    }

    if (codes == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "egov_ban_on: \"status=\" is required (such as "
                           "\"status=401\")");
        return NGX_CONF_ERROR;
    }

    bo->file = cf->conf_file->file.name.data;
    bo->line = cf->conf_file->line;

    plcf->ban_on = bo;

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "egov_ban_on: invalid parameter \"%V\"", &value[i]);
    return NGX_CONF_ERROR;
}


/*
 * Inherited; where it applies, egov_ban must too (its for=, factor=, max=,
 * and its after= and within= unless egov_ban_on gives its own)
 */

ngx_int_t
ngx_http_egov_ban_on_merge(ngx_conf_t *cf,
    ngx_http_egov_protect_loc_conf_t *prev,
    ngx_http_egov_protect_loc_conf_t *conf)
{
    ngx_http_egov_ban_on_t  *bo;

    ngx_conf_merge_ptr_value(conf->ban_on, prev->ban_on, NULL);

    if (conf->ban_on == NULL) {
        return NGX_OK;
    }

    if (conf->ban == NULL) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "egov_ban_on needs egov_ban where it applies (its "
                      "for=, factor= and max= make the ban), in %s:%ui",
                      conf->ban_on->file, conf->ban_on->line);
        return NGX_ERROR;
    }

    if (conf->ban_on->from == conf->ban) {
        return NGX_OK;
    }

    /* a level of its own: the same thresholds over another egov_ban */

    bo = ngx_palloc(cf->pool, sizeof(ngx_http_egov_ban_on_t));
    if (bo == NULL) {
        return NGX_ERROR;
    }

    *bo = *conf->ban_on;

    bo->policy = ngx_palloc(cf->pool, sizeof(ngx_http_egov_ban_policy_t));
    if (bo->policy == NULL) {
        return NGX_ERROR;
    }

    *bo->policy = *conf->ban;
    bo->from = conf->ban;

    if (bo->after) {
        bo->policy->after = bo->after;
    }

    if (bo->within) {
        bo->policy->within = bo->within;
    }

    conf->ban_on = bo;

    return NGX_OK;
}


/* the log phase: one more violation when the status is one of them */

ngx_int_t
ngx_http_egov_ban_on_handler(ngx_http_request_t *r)
{
    u_char                            *dst, *src;
    ngx_str_t                          key, raw;
    ngx_uint_t                         status;
    ngx_egov_cidr_t                    addr;
    ngx_http_egov_ban_on_t            *bo;
    ngx_http_egov_protect_loc_conf_t  *plcf;

    if (r != r->main) {
        return NGX_OK;
    }

    plcf = ngx_http_get_module_loc_conf(r, ngx_http_egov_protect_module);
    bo = plcf->ban_on;

    if (bo == NULL || plcf->admin
        || (bo->methods && !(bo->methods & r->method)))
    {
        return NGX_OK;
    }

    status = r->headers_out.status;

    if (status < NGX_HTTP_EGOV_STATUS_MIN || status > NGX_HTTP_EGOV_STATUS_MAX
        || !(bo->statuses[status / 8] & (1 << (status % 8))))
    {
        return NGX_OK;
    }

    /* the module's own refusals counted where they were made */

    if (ngx_http_egov_own_answer(r)) {
        return NGX_OK;
    }

    if (ngx_egov_cidr_from_sockaddr(r->connection->sockaddr, &addr)
        != NGX_EGOV_CIDR_OK
        || (plcf->rules && ngx_http_egov_allowlisted(plcf->rules, &addr)))
    {
        return NGX_OK;
    }

    if (bo->key == NULL) {
        ngx_http_egov_protect_ban(r, bo->policy, &addr, NULL);
        return NGX_OK;
    }

    if (ngx_http_complex_value(r, bo->key, &raw) != NGX_OK) {
        return NGX_ERROR;
    }

    /* a request without the key counts for its address only */

    if (raw.len == 0 || raw.len > NGX_HTTP_EGOV_BAN_ON_MAX_KEY) {
        ngx_http_egov_protect_ban(r, bo->policy, &addr, NULL);
        return NGX_OK;
    }

    /*
     * one account however it is written: "%61mina", "Amina" and "amina"
     * are one key (an argument comes percent-encoded, as sent)
     */

    key.data = ngx_pnalloc(r->pool, raw.len);
    if (key.data == NULL) {
        return NGX_ERROR;
    }

    dst = key.data;
    src = raw.data;
    ngx_unescape_uri(&dst, &src, raw.len, 0);
    key.len = dst - key.data;
    ngx_strlow(key.data, key.data, key.len);

    ngx_http_egov_protect_ban(r, bo->policy, &addr, &key);

    return NGX_OK;
}
