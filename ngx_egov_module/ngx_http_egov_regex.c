
/*
 * The module's regular expressions.  nginx's ngx_regex_compile() leaves a
 * PCRE2 pattern whose memory functions allocate only while nginx compiles:
 * a pcre2_jit_compile() called later found no memory, and every signature
 * ran interpreted (a quarter of a worker's CPU on a plain page).  Patterns
 * are compiled here with PCRE2's own allocator, so the JIT works, and every
 * match carries limits: a pattern an operator wrote that backtracks badly
 * costs a bounded time, and says so once.
 */


#include "ngx_http_egov_regex.h"


struct ngx_http_egov_regex_s {
#if (NGX_PCRE2)
    pcre2_code                 *code;
#else
    ngx_regex_t                *regex;
#endif
    ngx_str_t                   name;
    ngx_uint_t                  limit_logged;   /* in this worker */
#if (NGX_PCRE2)
    uint32_t                    min_length;     /* no match if shorter */
    ngx_uint_t                  jit;            /* compiled by the JIT */
#endif
};


#if (NGX_PCRE2)

#define NGX_HTTP_EGOV_REGEX_JIT_STACK  (512 * 1024)


static void ngx_http_egov_regex_cleanup(void *data);
static ngx_int_t ngx_http_egov_regex_init_match(ngx_log_t *log);


/* one of each per worker, made on its first match, never freed */
static pcre2_match_data     *ngx_http_egov_regex_md;
static pcre2_match_context  *ngx_http_egov_regex_mc;
static pcre2_jit_stack      *ngx_http_egov_regex_stack;


ngx_http_egov_regex_t *
ngx_http_egov_regex_compile(ngx_conf_t *cf, ngx_str_t *pattern,
    ngx_uint_t caseless, ngx_str_t *name, ngx_str_t *err)
{
    int                     errcode, rc;
    u_char                  msg[128];
    PCRE2_SIZE              erroff;
    ngx_pool_cleanup_t     *cln;
    ngx_http_egov_regex_t  *re;

    re = ngx_pcalloc(cf->pool, sizeof(ngx_http_egov_regex_t));
    cln = ngx_pool_cleanup_add(cf->pool, 0);

    if (re == NULL || cln == NULL) {
        err->len = 0;
        return NULL;
    }

    re->name = *name;
    re->code = pcre2_compile(pattern->data, pattern->len,
                             caseless ? PCRE2_CASELESS : 0, &errcode,
                             &erroff, NULL);

    if (re->code == NULL) {
        pcre2_get_error_message(errcode, msg, sizeof(msg));

        if (erroff >= pattern->len) {
            err->len = ngx_snprintf(err->data, err->len,
                                    "pcre2_compile() failed: %s in \"%V\"",
                                    msg, pattern)
                       - err->data;

        } else {
            err->len = ngx_snprintf(err->data, err->len,
                                    "pcre2_compile() failed: %s in \"%V\" "
                                    "at \"%*s\"", msg, pattern,
                                    pattern->len - erroff,
                                    pattern->data + erroff)
                       - err->data;
        }

        return NULL;
    }

    cln->handler = ngx_http_egov_regex_cleanup;
    cln->data = re->code;

    /* a shorter subject is not matched: PCRE2 need not be called */

    if (pcre2_pattern_info(re->code, PCRE2_INFO_MINLENGTH, &re->min_length)
        != 0)
    {
        re->min_length = 0;
    }

    rc = pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE);

    re->jit = (rc == 0);

    if (rc != 0) {
        pcre2_get_error_message(rc, msg, sizeof(msg));
        ngx_conf_log_error(NGX_LOG_NOTICE, cf, 0,
                           "egov: \"%V\" runs without PCRE2's JIT: %s",
                           name, msg);
    }

    return re;
}


static void
ngx_http_egov_regex_cleanup(void *data)
{
    pcre2_code_free(data);
}


ngx_int_t
ngx_http_egov_regex_match(ngx_http_egov_regex_t *re, ngx_str_t *s,
    ngx_log_t *log)
{
    int      rc;
    u_char  *subject, msg[128];

    if (s->len < re->min_length) {
        return NGX_DECLINED;
    }

    if (ngx_http_egov_regex_md == NULL
        && ngx_http_egov_regex_init_match(log) != NGX_OK)
    {
        return NGX_ERROR;
    }

    /*
     * the JIT's own entry skips pcre2_match()'s checks of the arguments
     * (an empty ngx_str_t may have no data: never NULL to it)
     */

    subject = s->len ? s->data : (u_char *) "";

    if (re->jit) {
        rc = pcre2_jit_match(re->code, subject, s->len, 0, 0,
                             ngx_http_egov_regex_md, ngx_http_egov_regex_mc);

    } else {
        rc = pcre2_match(re->code, subject, s->len, 0, 0,
                         ngx_http_egov_regex_md, ngx_http_egov_regex_mc);
    }

    if (rc >= 0) {
        return NGX_OK;
    }

    if (rc == PCRE2_ERROR_NOMATCH) {
        return NGX_DECLINED;
    }

    if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT
        || rc == PCRE2_ERROR_HEAPLIMIT || rc == PCRE2_ERROR_JIT_STACKLIMIT)
    {
        ngx_http_egov_stat_inc(NGX_EGOV_STAT_REGEX_LIMITS);

        if (!re->limit_logged) {
            re->limit_logged = 1;
            pcre2_get_error_message(rc, msg, sizeof(msg));
            ngx_log_error(NGX_LOG_WARN, log, 0,
                          "egov: \"%V\" gave up on a %uz-byte input: %s "
                          "(logged once; counted in regex_limits_total)",
                          &re->name, s->len, msg);
        }

        return NGX_BUSY;
    }

    pcre2_get_error_message(rc, msg, sizeof(msg));
    ngx_log_error(NGX_LOG_ERR, log, 0, "egov: pcre2_match() failed for "
                  "\"%V\": %s", &re->name, msg);

    return NGX_ERROR;
}


static ngx_int_t
ngx_http_egov_regex_init_match(ngx_log_t *log)
{
    ngx_http_egov_regex_mc = pcre2_match_context_create(NULL);
    ngx_http_egov_regex_stack = pcre2_jit_stack_create(32 * 1024,
                                          NGX_HTTP_EGOV_REGEX_JIT_STACK,
                                          NULL);
    ngx_http_egov_regex_md = pcre2_match_data_create(1, NULL);

    if (ngx_http_egov_regex_mc == NULL || ngx_http_egov_regex_stack == NULL
        || ngx_http_egov_regex_md == NULL)
    {
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "egov: no memory for PCRE2's match data");

        if (ngx_http_egov_regex_md) {
            pcre2_match_data_free(ngx_http_egov_regex_md);
            ngx_http_egov_regex_md = NULL;
        }

        return NGX_ERROR;
    }

    pcre2_set_match_limit(ngx_http_egov_regex_mc,
                          NGX_HTTP_EGOV_REGEX_MATCH_LIMIT);
    pcre2_set_depth_limit(ngx_http_egov_regex_mc,
                          NGX_HTTP_EGOV_REGEX_DEPTH_LIMIT);
    pcre2_jit_stack_assign(ngx_http_egov_regex_mc, NULL,
                           ngx_http_egov_regex_stack);

    return NGX_OK;
}


#else /* nginx with the old PCRE: its compiler, no limits of ours */


ngx_http_egov_regex_t *
ngx_http_egov_regex_compile(ngx_conf_t *cf, ngx_str_t *pattern,
    ngx_uint_t caseless, ngx_str_t *name, ngx_str_t *err)
{
    ngx_regex_compile_t     rc;
    ngx_http_egov_regex_t  *re;

    re = ngx_pcalloc(cf->pool, sizeof(ngx_http_egov_regex_t));
    if (re == NULL) {
        err->len = 0;
        return NULL;
    }

    ngx_memzero(&rc, sizeof(ngx_regex_compile_t));

    rc.pattern = *pattern;
    rc.pool = cf->pool;
    rc.options = caseless ? NGX_REGEX_CASELESS : 0;
    rc.err = *err;

    if (ngx_regex_compile(&rc) != NGX_OK) {
        *err = rc.err;
        return NULL;
    }

    re->regex = rc.regex;
    re->name = *name;

    return re;
}


ngx_int_t
ngx_http_egov_regex_match(ngx_http_egov_regex_t *re, ngx_str_t *s,
    ngx_log_t *log)
{
    ngx_int_t  rc;

    rc = ngx_regex_exec(re->regex, s, NULL, 0);

    if (rc >= 0) {
        return NGX_OK;
    }

    if (rc == NGX_REGEX_NO_MATCHED) {
        return NGX_DECLINED;
    }

    ngx_log_error(NGX_LOG_ERR, log, 0, ngx_regex_exec_n " failed: %i for "
                  "\"%V\"", rc, &re->name);

    return NGX_ERROR;
}

#endif
