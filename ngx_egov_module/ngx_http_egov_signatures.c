
/*
 * Scanner and probe signatures: regular expressions over the User-Agent,
 * the path, the raw request target, the query string or a header, compiled
 * once at configuration time (ngx_http_egov_regex.c: PCRE2's JIT, limits).
 * The built-in set is documented in docs/protection.md; its patterns are
 * in ngx_egov_signatures_builtin.c.
 */


#include "ngx_http_egov_signatures.h"
#include "ngx_egov_signatures_builtin.h"
#include "ngx_egov_query.h"


struct ngx_http_egov_sigset_s {
    ngx_array_t                 sigs;        /* ngx_http_egov_sig_t */
    ngx_uint_t                  dry_run;
};


/*
 * A per-worker memory of the User-Agent signatures' verdict: a visitor
 * sends the same User-Agent with every request, and matching it against
 * the scanner names is the costliest step of a browser's request (about
 * 0.9 us of 17 on a small response).  Direct-mapped, overwritten on
 * collision, compared byte for byte: a crafted collision costs its sender
 * one fresh match, never a wrong verdict.
 */

#define NGX_HTTP_EGOV_SIG_UA_CACHE    256
#define NGX_HTTP_EGOV_SIG_UA_MAX      256
#define NGX_HTTP_EGOV_SIG_NONE        -1
#define NGX_HTTP_EGOV_SIG_UNKNOWN     -2

typedef struct {
    ngx_http_egov_sigset_t     *set;
    ngx_cycle_t                *cycle;      /* the set's configuration */
    uint32_t                    hash;
    u_short                     len;
    ngx_uint_t                  gave_up;    /* a pattern gave up on it */
    ngx_int_t                   hit;        /* first matching, or NONE */
    u_char                      ua[NGX_HTTP_EGOV_SIG_UA_MAX];
} ngx_http_egov_sig_ua_cache_t;


static ngx_int_t ngx_http_egov_sig_ua_verdict(ngx_http_request_t *r,
    ngx_http_egov_sigset_t *set);
static ngx_int_t ngx_http_egov_sig_ua_match(ngx_http_request_t *r,
    ngx_http_egov_sigset_t *set, ngx_str_t *ua, ngx_uint_t *gave_up);
static ngx_uint_t ngx_http_egov_sig_hit(ngx_log_t **log,
    ngx_http_request_t *r, ngx_http_egov_sig_t *sig, ngx_str_t *value);
static ngx_int_t ngx_http_egov_sig_test(ngx_http_egov_sig_t *sig,
    ngx_str_t *value, ngx_log_t *log);
static ngx_int_t ngx_http_egov_sig_compile(ngx_conf_t *cf,
    ngx_http_egov_sig_t *sig, ngx_str_t *regex);
static ngx_http_egov_sigset_t *ngx_http_egov_sig_builtin(ngx_conf_t *cf);


static ngx_http_egov_sig_ua_cache_t  *ngx_http_egov_sig_ua_cache;
static ngx_uint_t                     ngx_http_egov_sig_ua_cache_failed;


char *
ngx_http_egov_signatures(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_egov_protect_loc_conf_t *plcf = conf;

    ngx_str_t  *value;

    if (plcf->signature_mode != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "on") == 0) {
        plcf->signature_mode = NGX_HTTP_EGOV_SIG_ON;

    } else if (ngx_strcmp(value[1].data, "off") == 0) {
        plcf->signature_mode = NGX_HTTP_EGOV_SIG_OFF;

    } else if (ngx_strcmp(value[1].data, "dry_run") == 0) {
        plcf->signature_mode = NGX_HTTP_EGOV_SIG_DRY_RUN;

    } else {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid value \"%V\" in \"%V\" directive, "
                           "it must be \"on\", \"off\" or \"dry_run\"",
                           &value[1], &cmd->name);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* egov_signature NAME ua|uri|args|header:NAME REGEX; */

char *
ngx_http_egov_signature(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_egov_protect_loc_conf_t *plcf = conf;

    ngx_str_t            *value, *field;
    ngx_http_egov_sig_t  *sig;

    value = cf->args->elts;
    field = &value[2];

    sig = ngx_http_egov_sig_push(cf, plcf, &value[1]);
    if (sig == NULL) {
        return NGX_CONF_ERROR;
    }

    if (sig->name.len == 0 || sig->name.len > 32) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "egov_signature: the name must have 1 to 32 "
                           "characters");
        return NGX_CONF_ERROR;
    }

    if (field->len == 2 && ngx_strncmp(field->data, "ua", 2) == 0) {
        sig->field = NGX_EGOV_SIG_UA;

    } else if (field->len == 3 && ngx_strncmp(field->data, "uri", 3) == 0) {
        sig->field = NGX_EGOV_SIG_URI;

    } else if (field->len == 4 && ngx_strncmp(field->data, "args", 4) == 0) {
        sig->field = NGX_EGOV_SIG_ARGS;

    } else if (field->len > 7 && ngx_strncmp(field->data, "header:", 7) == 0)
    {
        sig->field = NGX_EGOV_SIG_HEADER;
        sig->header.len = field->len - 7;
        sig->header.data = ngx_pnalloc(cf->pool, sig->header.len);
        if (sig->header.data == NULL) {
            return NGX_CONF_ERROR;
        }

        ngx_strlow(sig->header.data, field->data + 7, sig->header.len);

    } else {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "egov_signature \"%V\": the field must be \"ua\", "
                           "\"uri\", \"args\" or \"header:NAME\", not \"%V\"",
                           &value[1], field);
        return NGX_CONF_ERROR;
    }

    if (ngx_http_egov_sig_compile(cf, sig, &value[3]) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/*
 * The signatures a level checks: the built-in set when switched on (or to
 * dry run), and the level's own; with the mode unset, own ones only.
 */

ngx_http_egov_sigset_t *
ngx_http_egov_sigset_compile(ngx_conf_t *cf, ngx_uint_t mode,
    ngx_array_t *custom)
{
    ngx_uint_t               n;
    ngx_http_egov_sig_t     *sig;
    ngx_http_egov_sigset_t  *set, *builtin;

    if (mode == NGX_HTTP_EGOV_SIG_OFF
        || (mode == NGX_CONF_UNSET_UINT && custom == NULL))
    {
        return NULL;
    }

    builtin = NULL;

    if (mode != NGX_CONF_UNSET_UINT) {
        builtin = ngx_http_egov_sig_builtin(cf);
        if (builtin == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    n = (builtin ? builtin->sigs.nelts : 0) + (custom ? custom->nelts : 0);

    set = ngx_pcalloc(cf->pool, sizeof(ngx_http_egov_sigset_t));
    if (set == NULL) {
        return NGX_CONF_ERROR;
    }

    if (ngx_array_init(&set->sigs, cf->pool, n, sizeof(ngx_http_egov_sig_t))
        != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    if (builtin) {
        sig = ngx_array_push_n(&set->sigs, builtin->sigs.nelts);
        if (sig == NULL) {
            return NGX_CONF_ERROR;
        }

        ngx_memcpy(sig, builtin->sigs.elts,
                   builtin->sigs.nelts * sizeof(ngx_http_egov_sig_t));
    }

    if (custom) {
        sig = ngx_array_push_n(&set->sigs, custom->nelts);
        if (sig == NULL) {
            return NGX_CONF_ERROR;
        }

        ngx_memcpy(sig, custom->elts,
                   custom->nelts * sizeof(ngx_http_egov_sig_t));
    }

    set->dry_run = (mode == NGX_HTTP_EGOV_SIG_DRY_RUN);

    return set;
}


ngx_uint_t
ngx_http_egov_sigset_dry_run(ngx_http_egov_sigset_t *set)
{
    return set->dry_run;
}


/* the name of the first signature the request matches, or NULL */

ngx_str_t *
ngx_http_egov_signatures_match(ngx_http_request_t *r,
    ngx_http_egov_sigset_t *set)
{
    u_char               *dst, *q;
    ngx_int_t             ua_hit;
    ngx_str_t             value, decoded, query;
    ngx_log_t            *log;
    ngx_uint_t            i, k;
    ngx_list_part_t      *part;
    ngx_table_elt_t      *h;
    ngx_http_egov_sig_t  *sig;

    sig = set->sigs.elts;
    log = NULL;
    ngx_str_null(&decoded);
    ua_hit = NGX_HTTP_EGOV_SIG_UNKNOWN;

    for (i = 0; i < set->sigs.nelts; i++) {

        switch (sig[i].field) {

        case NGX_EGOV_SIG_UA:
            if (ua_hit == NGX_HTTP_EGOV_SIG_UNKNOWN) {
                ua_hit = ngx_http_egov_sig_ua_verdict(r, set);
            }

            if (ua_hit == (ngx_int_t) i) {
                return &sig[i].name;
            }

            continue;

        case NGX_EGOV_SIG_URI:
            value = r->uri;
            break;

        case NGX_EGOV_SIG_RAW:

            /*
             * the path and the query apart: the query's "?" is then no
             * character before its dots ("?..././" is traversal, a fifth
             * review; "Why?.../" within a query is an ellipsis)
             */

            value = r->unparsed_uri;
            q = ngx_strlchr(value.data, value.data + value.len, '?');

            if (q != NULL) {
                query.data = q + 1;
                query.len = value.data + value.len - query.data;
                value.len = q - value.data;

                if (ngx_http_egov_sig_hit(&log, r, &sig[i], &query)) {
                    return &sig[i].name;
                }
            }

            break;

        case NGX_EGOV_SIG_ARGS:

            /*
             * as sent, then decoded once ("pass%77d", "win%2eini"; a
             * second encoding is left to the pattern's own "%2f")
             */

            if (ngx_http_egov_sig_hit(&log, r, &sig[i], &r->args)) {
                return &sig[i].name;
            }

            if (ngx_strlchr(r->args.data, r->args.data + r->args.len, '%')
                == NULL)
            {
                continue;
            }

            /* decoded once for all the signatures of the query */

            if (decoded.data == NULL) {
                decoded.data = ngx_pnalloc(r->pool, r->args.len);
                if (decoded.data == NULL) {
                    continue;
                }

                dst = ngx_egov_query_unescape(decoded.data, r->args.data,
                                              r->args.len);
                decoded.len = dst - decoded.data;
            }

            value = decoded;
            break;

        default: /* NGX_EGOV_SIG_HEADER: each one of that name */

            part = &r->headers_in.headers.part;
            h = part->elts;

            for (k = 0; /* void */ ; k++) {

                if (k >= part->nelts) {
                    if (part->next == NULL) {
                        break;
                    }

                    part = part->next;
                    h = part->elts;
                    k = 0;
                }

                if (h[k].key.len == sig[i].header.len
                    && ngx_strncmp(h[k].lowcase_key, sig[i].header.data,
                                   sig[i].header.len)
                       == 0
                    && ngx_http_egov_sig_hit(&log, r, &sig[i], &h[k].value))
                {
                    return &sig[i].name;
                }
            }

            continue;
        }

        if (ngx_http_egov_sig_hit(&log, r, &sig[i], &value)) {
            return &sig[i].name;
        }
    }

    return NULL;
}


/*
 * An input that makes a signature give up is taken as a hit: it was made
 * to be expensive, and the mode (on or dry run) decides
 */

static ngx_uint_t
ngx_http_egov_sig_hit(ngx_log_t **log, ngx_http_request_t *r,
    ngx_http_egov_sig_t *sig, ngx_str_t *value)
{
    ngx_int_t  rc;

    if (value->len == 0) {
        return 0;
    }

    /* the request's log without its context, made once per request */

    if (*log == NULL) {
        *log = ngx_http_egov_quiet_log(r);
    }

    rc = ngx_http_egov_sig_test(sig, value, *log);

    return (rc == NGX_OK || rc == NGX_BUSY);
}


/* the index of the first User-Agent signature the request matches */

static ngx_int_t
ngx_http_egov_sig_ua_verdict(ngx_http_request_t *r,
    ngx_http_egov_sigset_t *set)
{
    uint32_t                       hash;
    ngx_uint_t                     gave_up;
    ngx_table_elt_t               *h;
    ngx_http_egov_sig_ua_cache_t  *c;

    h = r->headers_in.user_agent;

    if (h == NULL || h->value.len == 0) {
        return NGX_HTTP_EGOV_SIG_NONE;
    }

    if (h->value.len > NGX_HTTP_EGOV_SIG_UA_MAX) {
        return ngx_http_egov_sig_ua_match(r, set, &h->value, &gave_up);
    }

    if (ngx_http_egov_sig_ua_cache == NULL) {
        if (ngx_http_egov_sig_ua_cache_failed) {
            return ngx_http_egov_sig_ua_match(r, set, &h->value, &gave_up);
        }

        ngx_http_egov_sig_ua_cache =
                          ngx_calloc(NGX_HTTP_EGOV_SIG_UA_CACHE
                                     * sizeof(ngx_http_egov_sig_ua_cache_t),
                                     r->connection->log);
        if (ngx_http_egov_sig_ua_cache == NULL) {
            ngx_http_egov_sig_ua_cache_failed = 1;
            return ngx_http_egov_sig_ua_match(r, set, &h->value, &gave_up);
        }
    }

    hash = ngx_http_egov_user_agent_hash(&h->value);
    c = &ngx_http_egov_sig_ua_cache[hash % NGX_HTTP_EGOV_SIG_UA_CACHE];

    if (c->set != set || c->cycle != (ngx_cycle_t *) ngx_cycle
        || c->hash != hash || c->len != h->value.len
        || ngx_memcmp(c->ua, h->value.data, h->value.len) != 0)
    {
        c->set = set;
        c->cycle = (ngx_cycle_t *) ngx_cycle;
        c->hash = hash;
        c->len = (u_short) h->value.len;
        ngx_memcpy(c->ua, h->value.data, h->value.len);
        c->hit = ngx_http_egov_sig_ua_match(r, set, &h->value, &c->gave_up);

    } else if (c->gave_up) {
        /* counted each time, as if it were matched again */
        ngx_http_egov_stat_inc(NGX_EGOV_STAT_REGEX_LIMITS);
    }

    return c->hit;
}


static ngx_int_t
ngx_http_egov_sig_ua_match(ngx_http_request_t *r, ngx_http_egov_sigset_t *set,
    ngx_str_t *ua, ngx_uint_t *gave_up)
{
    ngx_int_t             rc;
    ngx_uint_t            i;
    ngx_http_egov_sig_t  *sig;

    *gave_up = 0;
    sig = set->sigs.elts;

    for (i = 0; i < set->sigs.nelts; i++) {

        if (sig[i].field != NGX_EGOV_SIG_UA) {
            continue;
        }

        rc = ngx_http_egov_sig_test(&sig[i], ua, ngx_http_egov_quiet_log(r));

        /* gave up: taken as a hit, as for the other fields */

        *gave_up = (rc == NGX_BUSY);

        if (rc == NGX_OK || *gave_up) {
            return (ngx_int_t) i;
        }
    }

    return NGX_HTTP_EGOV_SIG_NONE;
}


/*
 * A new signature of a level (egov_signature, egov_signatures_data),
 * zeroed but for its name; NULL if the level has one of that name (said)
 */

ngx_http_egov_sig_t *
ngx_http_egov_sig_push(ngx_conf_t *cf, ngx_http_egov_protect_loc_conf_t *plcf,
    ngx_str_t *name)
{
    ngx_uint_t            i;
    ngx_http_egov_sig_t  *sig;

    if (plcf->custom_signatures == NULL) {
        plcf->custom_signatures = ngx_array_create(cf->pool, 4,
                                                sizeof(ngx_http_egov_sig_t));
        if (plcf->custom_signatures == NULL) {
            return NULL;
        }
    }

    sig = plcf->custom_signatures->elts;

    for (i = 0; i < plcf->custom_signatures->nelts; i++) {
        if (sig[i].name.len == name->len
            && ngx_strncmp(sig[i].name.data, name->data, name->len) == 0)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "duplicate signature \"%V\" at this level",
                               name);
            return NULL;
        }
    }

    sig = ngx_array_push(plcf->custom_signatures);
    if (sig == NULL) {
        return NULL;
    }

    ngx_memzero(sig, sizeof(ngx_http_egov_sig_t));
    sig->name = *name;

    return sig;
}


/* NGX_OK: a hit; NGX_BUSY: a regular expression gave up; NGX_DECLINED */

static ngx_int_t
ngx_http_egov_sig_test(ngx_http_egov_sig_t *sig, ngx_str_t *value,
    ngx_log_t *log)
{
    if (sig->phrases) {
        return (ngx_egov_phrases_find(sig->phrases, value->data, value->len)
                >= 0)
               ? NGX_OK : NGX_DECLINED;
    }

    return ngx_http_egov_regex_match(sig->regex, value, log);
}


static ngx_int_t
ngx_http_egov_sig_compile(ngx_conf_t *cf, ngx_http_egov_sig_t *sig,
    ngx_str_t *regex)
{
    ngx_str_t   err, *samples;
    ngx_uint_t  i;
    u_char      errstr[NGX_MAX_CONF_ERRSTR];

    /* a site's paths, and its clients' User-Agents (a seventh review) */

    static ngx_str_t  paths[] = {
        ngx_string("/"),
        ngx_string("/q"),
        ngx_string("/x-9_Z.html")
    };

    /* as many as paths: one count for both */
    static ngx_str_t  agents[] = {
        ngx_string("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36"),
        ngx_string("curl/8.0"),
        ngx_string("q")
    };

    err.len = NGX_MAX_CONF_ERRSTR;
    err.data = errstr;

    sig->regex = ngx_http_egov_regex_compile(cf, regex, 1, &sig->name, &err);

    if (sig->regex == NULL) {
        if (err.len) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "egov_signature \"%V\": %V", &sig->name,
                               &err);
        }

        return NGX_ERROR;
    }

    /*
     * a path's that matches three unlike paths, or a User-Agent's that
     * matches a browser's, curl's and a letter, matches every request: a
     * typo ("", ".*", ".", "/") that would refuse the whole site (a fifth
     * review);
     * a header's or a query's matches only the requests that send one
     * ("" for "any X-Debug", ".*" for "any Proxy"), which is meant; an
     * empty value is never matched (a sixth review)
     */

    if (sig->field != NGX_EGOV_SIG_URI && sig->field != NGX_EGOV_SIG_UA) {
        return NGX_OK;
    }

    samples = (sig->field == NGX_EGOV_SIG_URI) ? paths : agents;

    for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        if (ngx_http_egov_regex_match(sig->regex, &samples[i], cf->log)
            != NGX_OK)
        {
            return NGX_OK;
        }
    }

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "egov_signature \"%V\": \"%V\" matches every value, "
                       "so every request",
                       &sig->name, regex);

    return NGX_ERROR;
}


static ngx_http_egov_sigset_t *
ngx_http_egov_sig_builtin(ngx_conf_t *cf)
{
    ngx_str_t                           regex;
    ngx_http_egov_sig_t                *sig;
    const ngx_egov_sig_builtin_t       *b;
    ngx_http_egov_protect_main_conf_t  *pmcf;

    pmcf = ngx_http_conf_get_module_main_conf(cf,
                                              ngx_http_egov_protect_module);

    if (pmcf->builtin) {
        return pmcf->builtin;
    }

    pmcf->builtin = ngx_pcalloc(cf->pool, sizeof(ngx_http_egov_sigset_t));
    if (pmcf->builtin == NULL) {
        return NULL;
    }

    if (ngx_array_init(&pmcf->builtin->sigs, cf->pool, 4,
                       sizeof(ngx_http_egov_sig_t))
        != NGX_OK)
    {
        return NULL;
    }

    for (b = ngx_egov_sig_builtins; b->name; b++) {
        sig = ngx_array_push(&pmcf->builtin->sigs);
        if (sig == NULL) {
            return NULL;
        }

        ngx_memzero(sig, sizeof(ngx_http_egov_sig_t));
        sig->name.data = (u_char *) b->name;
        sig->name.len = ngx_strlen(b->name);
        sig->field = b->field;

        regex.data = (u_char *) b->regex;
        regex.len = ngx_strlen(b->regex);

        if (ngx_http_egov_sig_compile(cf, sig, &regex) != NGX_OK) {
            return NULL;
        }
    }

    return pmcf->builtin;
}
