
/*
 * Scanner and probe signatures: regular expressions over the User-Agent,
 * the path, the raw request target, the query string or a header, compiled
 * once at configuration time (with PCRE2's JIT where nginx uses PCRE2).
 * The built-in set is documented in docs/protection.md.
 */


#include "ngx_http_egov_protect.h"


#define NGX_HTTP_EGOV_SIG_UA      1   /* User-Agent */
#define NGX_HTTP_EGOV_SIG_URI     2   /* decoded, normalized path ($uri) */
#define NGX_HTTP_EGOV_SIG_RAW     3   /* request target as sent */
#define NGX_HTTP_EGOV_SIG_ARGS    4   /* query string as sent ($args) */
#define NGX_HTTP_EGOV_SIG_HEADER  5


typedef struct {
    ngx_str_t                   name;
    ngx_uint_t                  field;
    ngx_str_t                   header;      /* lower case */
    ngx_regex_t                *regex;
} ngx_http_egov_sig_t;


struct ngx_http_egov_sigset_s {
    ngx_array_t                 sigs;        /* ngx_http_egov_sig_t */
    ngx_uint_t                  dry_run;
};


typedef struct {
    char                       *name;
    ngx_uint_t                  field;
    char                       *regex;
} ngx_http_egov_sig_builtin_t;


static ngx_int_t ngx_http_egov_sig_compile(ngx_conf_t *cf,
    ngx_http_egov_sig_t *sig, ngx_str_t *regex);
static ngx_http_egov_sigset_t *ngx_http_egov_sig_builtin(ngx_conf_t *cf);


static ngx_http_egov_sig_builtin_t  ngx_http_egov_sig_builtins[] = {

    /* tools that scan sites for weaknesses, by their own User-Agent */
    { "scanner-ua", NGX_HTTP_EGOV_SIG_UA,
      "nikto|sqlmap|\\bnmap\\b|nmap scripting engine|masscan|zgrab|nuclei|"
      "acunetix|nessus|openvas|w3af|wpscan|dirbuster|gobuster|\\bffuf\\b|"
      "fuzz faster u fool|feroxbuster|wfuzz|netsparker|arachni|skipfish|"
      "jaeles|commix|havij|zmeu|joomscan|whatweb|morfeus" },

    /* files and consoles that only a probe asks a portal for */
    { "probe-path", NGX_HTTP_EGOV_SIG_URI,
      "/\\.(?:env|git|svn|hg|bzr|aws|ssh|docker|htpasswd|htaccess|DS_Store"
      "|bash_history|npmrc|vscode|idea)(?:[/.]|$)"
      "|/id_(?:rsa|dsa|ecdsa|ed25519)(?:\\.pub)?$|/sftp-config\\.json$"
      "|/web\\.config$|\\.(?:php|aspx?|jsp)(?:~|\\.(?:bak|old|orig|save|swp))$"
      "|/(?:backup|dump|database|db|wwwroot)"
      "\\.(?:sql|sql\\.gz|zip|rar|7z|tar|tar\\.gz|tgz)$"
      "|/wp-(?:login|config)\\.php|/xmlrpc\\.php|/wp-admin(?:/|$)"
      "|/php-?my-?admin|/pma/|/myadmin/|/phpunit/.*eval-stdin\\.php"
      "|/phpinfo\\.php$|/_ignition/execute-solution|/remote/fgt_lang"
      "|/cgi-bin/luci|/boaform/|/HNAP1(?:/|$)|/actuator/(?:env|heapdump)"
      "|/etc/(?:passwd|shadow)|/proc/self/" },

    /* ../ in any encoding, in the path or the query string */
    { "path-traversal", NGX_HTTP_EGOV_SIG_RAW,
      "(?:\\.\\.|%2e%2e|%2e\\.|\\.%2e|%252e%252e)(?:/|\\\\|%2f|%5c|%252f)" },

    /* system files named in the query string */
    { "sensitive-file", NGX_HTTP_EGOV_SIG_ARGS,
      "etc(?:/|%2f)(?:passwd|shadow)|proc(?:/|%2f)self(?:/|%2f)environ"
      "|win\\.ini|boot\\.ini" },

    { NULL, 0, NULL }
};


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
    ngx_uint_t            i;
    ngx_http_egov_sig_t  *sig;

    value = cf->args->elts;
    field = &value[2];

    if (plcf->custom_signatures == NULL) {
        plcf->custom_signatures = ngx_array_create(cf->pool, 4,
                                                sizeof(ngx_http_egov_sig_t));
        if (plcf->custom_signatures == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    sig = plcf->custom_signatures->elts;

    for (i = 0; i < plcf->custom_signatures->nelts; i++) {
        if (sig[i].name.len == value[1].len
            && ngx_strncmp(sig[i].name.data, value[1].data, value[1].len)
               == 0)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "duplicate egov_signature \"%V\"", &value[1]);
            return NGX_CONF_ERROR;
        }
    }

    sig = ngx_array_push(plcf->custom_signatures);
    if (sig == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(sig, sizeof(ngx_http_egov_sig_t));
    sig->name = value[1];

    if (sig->name.len == 0 || sig->name.len > 32) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "egov_signature: the name must have 1 to 32 "
                           "characters");
        return NGX_CONF_ERROR;
    }

    if (field->len == 2 && ngx_strncmp(field->data, "ua", 2) == 0) {
        sig->field = NGX_HTTP_EGOV_SIG_UA;

    } else if (field->len == 3 && ngx_strncmp(field->data, "uri", 3) == 0) {
        sig->field = NGX_HTTP_EGOV_SIG_URI;

    } else if (field->len == 4 && ngx_strncmp(field->data, "args", 4) == 0) {
        sig->field = NGX_HTTP_EGOV_SIG_ARGS;

    } else if (field->len > 7 && ngx_strncmp(field->data, "header:", 7) == 0)
    {
        sig->field = NGX_HTTP_EGOV_SIG_HEADER;
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
    ngx_int_t             rc;
    ngx_str_t             value;
    ngx_uint_t            i;
    ngx_table_elt_t      *h;
    ngx_http_egov_sig_t  *sig;

    sig = set->sigs.elts;

    for (i = 0; i < set->sigs.nelts; i++) {

        switch (sig[i].field) {

        case NGX_HTTP_EGOV_SIG_UA:
            h = r->headers_in.user_agent;
            if (h == NULL) {
                continue;
            }
            value = h->value;
            break;

        case NGX_HTTP_EGOV_SIG_URI:
            value = r->uri;
            break;

        case NGX_HTTP_EGOV_SIG_RAW:
            value = r->unparsed_uri;
            break;

        case NGX_HTTP_EGOV_SIG_ARGS:
            value = r->args;
            break;

        default: /* NGX_HTTP_EGOV_SIG_HEADER */
            h = ngx_http_egov_header_in(r, sig[i].header.data,
                                        sig[i].header.len);
            if (h == NULL) {
                continue;
            }
            value = h->value;
            break;
        }

        if (value.len == 0) {
            continue;
        }

        rc = ngx_regex_exec(sig[i].regex, &value, NULL, 0);

        if (rc >= 0) {
            return &sig[i].name;
        }

        if (rc != NGX_REGEX_NO_MATCHED) {
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                          ngx_regex_exec_n " failed: %i for signature "
                          "\"%V\"", rc, &sig[i].name);
        }
    }

    return NULL;
}


static ngx_int_t
ngx_http_egov_sig_compile(ngx_conf_t *cf, ngx_http_egov_sig_t *sig,
    ngx_str_t *regex)
{
    ngx_regex_compile_t  rc;
    u_char               errstr[NGX_MAX_CONF_ERRSTR];

    ngx_memzero(&rc, sizeof(ngx_regex_compile_t));

    rc.pattern = *regex;
    rc.pool = cf->pool;
    rc.options = NGX_REGEX_CASELESS;
    rc.err.len = NGX_MAX_CONF_ERRSTR;
    rc.err.data = errstr;

    if (ngx_regex_compile(&rc) != NGX_OK) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "egov_signature \"%V\": %V", &sig->name, &rc.err);
        return NGX_ERROR;
    }

    sig->regex = rc.regex;

#if (NGX_PCRE2)
    /* whatever pcre_jit says: signatures run on every request */
    (void) pcre2_jit_compile(sig->regex, PCRE2_JIT_COMPLETE);
#endif

    return NGX_OK;
}


static ngx_http_egov_sigset_t *
ngx_http_egov_sig_builtin(ngx_conf_t *cf)
{
    ngx_str_t                           regex;
    ngx_http_egov_sig_t                *sig;
    ngx_http_egov_sig_builtin_t        *b;
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

    for (b = ngx_http_egov_sig_builtins; b->name; b++) {
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
