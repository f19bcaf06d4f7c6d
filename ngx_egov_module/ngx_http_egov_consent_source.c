
/*
 * Consent-aware Content-Security-Policy (egov_consent_source): sources of
 * a category (a tag manager's script, an analytics endpoint, a video
 * player's frames) are added to the CSP the module sends only for a visitor
 * whose consent grants that category, and never under Global Privacy
 * Control.  Without that consent the browser itself refuses to load or call
 * them, so the cookies their scripts would write with document.cookie are
 * never written: the edge enforces what a banner script can only hope for.
 *
 * Sources go into the directive of the CSP being sent (the module's, or an
 * egov_header value; report-only too): appended to it when the policy has
 * it, else a new directive made of default-src's sources and the new ones
 * (without default-src the directive is unrestricted: nothing to add).
 * Responses whose CSP depends on consent are not shared by caches.
 */


#include "ngx_http_egov_module.h"
#include "ngx_http_egov_consent.h"


typedef struct {
    ngx_str_t                   category;    /* as written */
    ngx_str_t                   directive;   /* lower case */
    ngx_str_t                   sources;     /* " a b c", a leading space */
    u_char                     *file;
    ngx_uint_t                  line;
} ngx_http_egov_consent_source_t;


/* a directive of the policy, and the sources given to it */
typedef struct {
    ngx_str_t                   name;        /* as written, any case */
    ngx_str_t                   list;        /* its sources, as written */
    size_t                      add;         /* bytes of sources added */
    ngx_uint_t                  none;        /* its list is 'none' */
} ngx_http_egov_csp_directive_t;


static ngx_uint_t ngx_http_egov_consent_source_valid(ngx_str_t *source);
static ngx_int_t ngx_http_egov_consent_csp_parse(ngx_str_t *value,
    ngx_array_t *dirs);
static ngx_http_egov_csp_directive_t *ngx_http_egov_consent_csp_find(
    ngx_array_t *dirs, ngx_str_t *name);
static ngx_http_egov_csp_directive_t *ngx_http_egov_consent_csp_fallback(
    ngx_array_t *dirs, ngx_str_t *name);


static ngx_str_t  ngx_http_egov_consent_default_src =
    ngx_string("default-src");


/*
 * CSP 3's fallbacks: a directive the policy lacks is governed by the
 * first of these it has, then by default-src (found by a helper's review:
 * a script-src-elem made from default-src blocked the page's own scripts
 * that script-src allowed)
 */

typedef struct {
    ngx_str_t                   name;
    ngx_str_t                   chain[3];
} ngx_http_egov_csp_fallback_t;


static ngx_http_egov_csp_fallback_t  ngx_http_egov_csp_fallbacks[] = {
    { ngx_string("script-src-elem"), { ngx_string("script-src") } },
    { ngx_string("script-src-attr"), { ngx_string("script-src") } },
    { ngx_string("style-src-elem"), { ngx_string("style-src") } },
    { ngx_string("style-src-attr"), { ngx_string("style-src") } },
    { ngx_string("worker-src"), { ngx_string("child-src"),
                                  ngx_string("script-src") } },
    { ngx_string("frame-src"), { ngx_string("child-src") } },
    { ngx_null_string, { ngx_null_string } }
};


/* the fetch directives a category's sources may go into */

static ngx_str_t  ngx_http_egov_consent_source_directives[] = {
    ngx_string("child-src"),
    ngx_string("connect-src"),
    ngx_string("font-src"),
    ngx_string("frame-src"),
    ngx_string("img-src"),
    ngx_string("manifest-src"),
    ngx_string("media-src"),
    ngx_string("script-src"),
    ngx_string("script-src-elem"),
    ngx_string("style-src"),
    ngx_string("style-src-elem"),
    ngx_string("worker-src"),
    ngx_null_string
};


/* quoted keywords a source list may carry besides hosts and schemes */

static ngx_str_t  ngx_http_egov_consent_source_keywords[] = {
    ngx_string("'self'"),
    ngx_string("'unsafe-eval'"),
    ngx_string("'wasm-unsafe-eval'"),
    ngx_string("'unsafe-hashes'"),
    ngx_null_string
};


/* egov_consent_source CATEGORY DIRECTIVE SOURCE ...; */

char *
ngx_http_egov_consent_source(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_egov_consent_loc_conf_t *clcf = conf;

    u_char                          *p;
    size_t                           len;
    ngx_str_t                       *value, *d;
    ngx_uint_t                       i;
    ngx_http_egov_consent_source_t  *s;

    value = cf->args->elts;

    if (cf->args->nelts < 4) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "egov_consent_source: a category, a CSP "
                           "directive and at least one source are needed");
        return NGX_CONF_ERROR;
    }

    for (d = ngx_http_egov_consent_source_directives; d->len; d++) {
        if (d->len == value[2].len
            && ngx_strncasecmp(d->data, value[2].data, d->len) == 0)
        {
            break;
        }
    }

    if (d->len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "egov_consent_source: \"%V\" is not a CSP fetch "
                           "directive a category's sources can go into "
                           "(script-src, connect-src, frame-src, img-src, "
                           "...)", &value[2]);
        return NGX_CONF_ERROR;
    }

    len = 0;

    for (i = 3; i < cf->args->nelts; i++) {
        if (!ngx_http_egov_consent_source_valid(&value[i])) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "egov_consent_source: invalid source \"%V\": "
                               "a host or scheme source (https://a.example, "
                               "*.example.om, https:) or 'self', "
                               "'unsafe-eval', 'wasm-unsafe-eval', "
                               "'unsafe-hashes'", &value[i]);
            return NGX_CONF_ERROR;
        }

        len += 1 + value[i].len;
    }

    if (clcf->sources == NULL) {
        clcf->sources = ngx_array_create(cf->pool, 4,
                                     sizeof(ngx_http_egov_consent_source_t));
        if (clcf->sources == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    s = ngx_array_push(clcf->sources);
    if (s == NULL) {
        return NGX_CONF_ERROR;
    }

    s->category = value[1];
    s->directive = *d;
    s->file = cf->conf_file->file.name.data;
    s->line = cf->conf_file->line;

    s->sources.len = len;
    s->sources.data = ngx_pnalloc(cf->pool, len);
    if (s->sources.data == NULL) {
        return NGX_CONF_ERROR;
    }

    p = s->sources.data;

    for (i = 3; i < cf->args->nelts; i++) {
        *p++ = ' ';
        p = ngx_cpymem(p, value[i].data, value[i].len);
    }

    return NGX_CONF_OK;
}


/*
 * Printable, no space, quote but around a known keyword, no ";" or ","
 * (they would end the directive or the policy)
 */

static ngx_uint_t
ngx_http_egov_consent_source_valid(ngx_str_t *source)
{
    u_char     *p;
    ngx_str_t  *k;

    if (source->len == 0 || source->len > 512) {
        return 0;
    }

    if (source->data[0] == '\'') {
        for (k = ngx_http_egov_consent_source_keywords; k->len; k++) {
            if (k->len == source->len
                && ngx_strncasecmp(k->data, source->data, k->len) == 0)
            {
                return 1;
            }
        }

        return 0;
    }

    for (p = source->data; p < source->data + source->len; p++) {
        if (*p <= ' ' || *p >= 0x7f || *p == ';' || *p == ',' || *p == '\''
            || *p == '"' || *p == '\\')
        {
            return 0;
        }
    }

    return 1;
}


/*
 * Inherited as a whole when a level has none of its own; each source's
 * category must be declared where it applies (its index is looked up per
 * request by name: levels may declare categories differently)
 */

ngx_int_t
ngx_http_egov_consent_sources_merge(ngx_conf_t *cf,
    ngx_http_egov_consent_loc_conf_t *prev,
    ngx_http_egov_consent_loc_conf_t *conf)
{
    ngx_uint_t                       i, j, found;
    ngx_http_egov_category_t        *cat;
    ngx_http_egov_consent_source_t  *s;

    if (conf->sources == NULL) {
        conf->sources = prev->sources;
    }

    if (conf->sources == NULL || !conf->enable) {
        return NGX_OK;
    }

    s = conf->sources->elts;
    cat = conf->categories ? conf->categories->elts : NULL;

    for (i = 0; i < conf->sources->nelts; i++) {
        found = 0;

        for (j = 0; cat && j < conf->categories->nelts; j++) {
            if (cat[j].name.len == s[i].category.len
                && ngx_strncmp(cat[j].name.data, s[i].category.data,
                               s[i].category.len) == 0)
            {
                found = 1;
                break;
            }
        }

        if (!found) {
            ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                          "egov_consent_source: the category \"%V\" is not "
                          "declared by egov_consent_categories where it "
                          "applies, in %s:%ui", &s[i].category, s[i].file,
                          s[i].line);
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


/* the bit of a category, by name; 0 when not declared */

static ngx_uint_t
ngx_http_egov_consent_source_bit(ngx_http_egov_consent_loc_conf_t *clcf,
    ngx_str_t *name)
{
    ngx_uint_t                 j;
    ngx_http_egov_category_t  *cat;

    cat = clcf->categories ? clcf->categories->elts : NULL;

    for (j = 0; cat && j < clcf->categories->nelts; j++) {
        if (cat[j].name.len == name->len
            && ngx_strncmp(cat[j].name.data, name->data, name->len) == 0)
        {
            return (ngx_uint_t) 1 << j;
        }
    }

    return 0;
}


/*
 * The CSP value about to be sent, with the sources the visitor's consent
 * grants: *value is replaced by a new string when anything is added.
 */

ngx_int_t
ngx_http_egov_consent_csp(ngx_http_request_t *r, ngx_str_t *value)
{
    u_char                            *p;
    size_t                             len;
    ngx_str_t                          list;
    ngx_uint_t                         i, k, granted, added, none;
    ngx_array_t                        dirs;
    ngx_http_egov_consent_ctx_t       *ctx;
    ngx_http_egov_csp_directive_t     *d, *def;
    ngx_http_egov_consent_source_t    *s;
    ngx_http_egov_consent_loc_conf_t  *clcf;

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_egov_consent_module);

    if (!clcf->enable || clcf->sources == NULL) {
        return NGX_OK;
    }

    /* whatever is granted, the policy depends on the consent cookie */

    if (ngx_http_egov_consent_vary(r) != NGX_OK) {
        return NGX_ERROR;
    }

    ctx = ngx_http_egov_consent_resolve(r, clcf);
    if (ctx == NULL) {
        return NGX_ERROR;
    }

    granted = ngx_http_egov_consent_granted(r, ctx);

    if (granted == 0) {
        return NGX_OK;
    }

    if (ngx_array_init(&dirs, r->pool, 16,
                       sizeof(ngx_http_egov_csp_directive_t))
        != NGX_OK
        || ngx_http_egov_consent_csp_parse(value, &dirs) != NGX_OK)
    {
        return NGX_ERROR;
    }

    s = clcf->sources->elts;
    added = 0;

    for (i = 0; i < clcf->sources->nelts; i++) {

        if (!(granted & ngx_http_egov_consent_source_bit(clcf,
                                                         &s[i].category)))
        {
            continue;
        }

        d = ngx_http_egov_consent_csp_find(&dirs, &s[i].directive);

        if (d == NULL) {
            def = ngx_http_egov_consent_csp_fallback(&dirs, &s[i].directive);

            if (def == NULL) {
                /* nothing it falls back to: it allows everything */
                continue;
            }

            list = def->list;
            none = def->none;

            d = ngx_array_push(&dirs);
            if (d == NULL) {
                return NGX_ERROR;
            }

            d->name = s[i].directive;
            d->list = list;
            d->none = none;
            d->add = 0;
        }

        d->add += s[i].sources.len;
        added = 1;
    }

    if (!added) {
        return NGX_OK;
    }

    /* written again: each directive, its list, then what was added */

    len = 0;
    d = dirs.elts;

    for (i = 0; i < dirs.nelts; i++) {
        len += d[i].name.len + 1 + d[i].list.len + d[i].add + 2;
    }

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    value->data = p;

    for (i = 0; i < dirs.nelts; i++) {
        if (i) {
            *p++ = ';';
            *p++ = ' ';
        }

        p = ngx_cpymem(p, d[i].name.data, d[i].name.len);

        if (d[i].list.len && !(d[i].none && d[i].add)) {
            /* 'none' with other sources would be ignored: it goes */
            *p++ = ' ';
            p = ngx_cpymem(p, d[i].list.data, d[i].list.len);
        }

        if (d[i].add == 0) {
            continue;
        }

        /* the granted sources for it, in the order written */

        for (k = 0; k < clcf->sources->nelts; k++) {
            if (s[k].directive.len == d[i].name.len
                && ngx_strncasecmp(s[k].directive.data, d[i].name.data,
                                   d[i].name.len) == 0
                && (granted & ngx_http_egov_consent_source_bit(clcf,
                                                         &s[k].category)))
            {
                p = ngx_cpymem(p, s[k].sources.data, s[k].sources.len);
            }
        }
    }

    value->len = p - value->data;

    return NGX_OK;
}


/* "a b; c d" into directives: slices of the value, nothing copied */

static ngx_int_t
ngx_http_egov_consent_csp_parse(ngx_str_t *value, ngx_array_t *dirs)
{
    u_char                         *p, *end, *start, *name_end;
    ngx_http_egov_csp_directive_t  *d;

    p = value->data;
    end = value->data + value->len;

    while (p < end) {

        while (p < end && (*p == ' ' || *p == '\t' || *p == ';')) {
            p++;
        }

        if (p == end) {
            break;
        }

        start = p;

        while (p < end && *p != ' ' && *p != '\t' && *p != ';') {
            p++;
        }

        name_end = p;

        while (p < end && (*p == ' ' || *p == '\t')) {
            p++;
        }

        d = ngx_array_push(dirs);
        if (d == NULL) {
            return NGX_ERROR;
        }

        d->name.data = start;
        d->name.len = name_end - start;

        d->list.data = p;

        while (p < end && *p != ';') {
            p++;
        }

        d->list.len = p - d->list.data;

        while (d->list.len
               && (d->list.data[d->list.len - 1] == ' '
                   || d->list.data[d->list.len - 1] == '\t'))
        {
            d->list.len--;
        }

        d->none = (d->list.len == 6
                   && ngx_strncasecmp(d->list.data, (u_char *) "'none'", 6)
                      == 0);
        d->add = 0;
    }

    return NGX_OK;
}


/* the directive that governs "name" when the policy lacks it, or NULL */

static ngx_http_egov_csp_directive_t *
ngx_http_egov_consent_csp_fallback(ngx_array_t *dirs, ngx_str_t *name)
{
    ngx_uint_t                      i, k;
    ngx_http_egov_csp_directive_t  *d;

    for (i = 0; ngx_http_egov_csp_fallbacks[i].name.len; i++) {

        if (ngx_http_egov_csp_fallbacks[i].name.len != name->len
            || ngx_strncasecmp(ngx_http_egov_csp_fallbacks[i].name.data,
                               name->data, name->len)
               != 0)
        {
            continue;
        }

        for (k = 0; k < 3 && ngx_http_egov_csp_fallbacks[i].chain[k].len;
             k++)
        {
            d = ngx_http_egov_consent_csp_find(dirs,
                                     &ngx_http_egov_csp_fallbacks[i].chain[k]);
            if (d) {
                return d;
            }
        }

        break;
    }

    return ngx_http_egov_consent_csp_find(dirs,
                                          &ngx_http_egov_consent_default_src);
}


static ngx_http_egov_csp_directive_t *
ngx_http_egov_consent_csp_find(ngx_array_t *dirs, ngx_str_t *name)
{
    ngx_uint_t                      i;
    ngx_http_egov_csp_directive_t  *d;

    d = dirs->elts;

    for (i = 0; i < dirs->nelts; i++) {
        if (d[i].name.len == name->len
            && ngx_strncasecmp(d[i].name.data, name->data, name->len) == 0)
        {
            return &d[i];
        }
    }

    return NULL;
}
