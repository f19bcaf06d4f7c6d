
/*
 * Withdrawal that removes cookies: whenever the visitor's consent does not
 * grant a category (a refusal, a withdrawal, a new policy version, an
 * expired consent, GPC), every cookie of that category the request carries
 * is expired in the response.  A browser deletes a cookie only for the
 * Domain and Path it was set with, and scripts set theirs for the parent
 * domain (_ga on ".example.om"): each is expired host-only and for every
 * parent domain of the host, on "/" and on the path its mapping names
 * (egov_consent_cookie ... domain= path=).  Domains a browser would refuse
 * (a public suffix) are ignored by it.  Bounded: a request cannot make the
 * response grow beyond NGX_HTTP_EGOV_EXPIRE_MAX lines.
 */


#include "ngx_http_egov_module.h"
#include "ngx_http_egov_consent.h"


#define NGX_HTTP_EGOV_EXPIRE_MAX      48     /* Set-Cookie lines */
#define NGX_HTTP_EGOV_EXPIRE_LABELS   8      /* parent domains at most */

#define NGX_HTTP_EGOV_PREFIX_NONE     0
#define NGX_HTTP_EGOV_PREFIX_SECURE   1      /* "__Secure-" */
#define NGX_HTTP_EGOV_PREFIX_HOST     2      /* "__Host-" */


static ngx_uint_t ngx_http_egov_consent_prefix(const u_char *name,
    size_t len);
static ngx_int_t ngx_http_egov_consent_expire_one(ngx_http_request_t *r,
    const u_char *name, size_t len, ngx_str_t *domain, ngx_str_t *path,
    ngx_uint_t prefix);
static ngx_uint_t ngx_http_egov_consent_domains(ngx_http_request_t *r,
    ngx_str_t *domains);


static ngx_str_t  ngx_http_egov_consent_root = ngx_string("/");


ngx_int_t
ngx_http_egov_consent_expire(ngx_http_request_t *r,
    ngx_http_egov_consent_loc_conf_t *clcf, ngx_uint_t granted)
{
    size_t                       nl, vl;
    ngx_int_t                    cat;
    ngx_str_t                    domains[NGX_HTTP_EGOV_EXPIRE_LABELS + 1];
    ngx_str_t                   *path;
    ngx_uint_t                   i, j, nd, lines, per, prefix;
    const u_char                *pos, *end, *n, *v;
    ngx_table_elt_t             *h;
    ngx_http_egov_cookie_map_t  *map;

    nd = 0;
    lines = 0;

    for (i = 0; (h = ngx_http_egov_cookie_header(r, i)); i++) {

        pos = h->value.data;
        end = h->value.data + h->value.len;

        while (ngx_egov_cookie_next(&pos, end, &n, &nl, &v, &vl)) {

            cat = ngx_http_egov_consent_classify_map(clcf, (u_char *) n, nl,
                                                     &map);

            if (cat == NGX_HTTP_EGOV_CONSENT_NECESSARY
                || (cat == NGX_HTTP_EGOV_CONSENT_UNKNOWN
                    && clcf->unknown_allow)
                || (cat >= 0 && (granted & (1u << cat))))
            {
                continue;
            }

            if (nd == 0) {
                nd = ngx_http_egov_consent_domains(r, domains);
            }

            path = (map && map->path.len) ? &map->path
                                           : &ngx_http_egov_consent_root;

            /* host-only, each parent domain, the mapping's own domain */

            prefix = ngx_http_egov_consent_prefix(n, nl);

            /* "__Host-": host-only on "/" is all a browser takes */

            per = (prefix == NGX_HTTP_EGOV_PREFIX_HOST)
                  ? 1 : 1 + (nd - 1) + ((map && map->domain.len) ? 1 : 0);

            if (lines + per > NGX_HTTP_EGOV_EXPIRE_MAX) {
                ngx_log_error(NGX_LOG_INFO, ngx_http_egov_quiet_log(r), 0,
                              "egov consent: more refused cookies than "
                              "%d Set-Cookie lines can expire; the rest "
                              "at the next request",
                              NGX_HTTP_EGOV_EXPIRE_MAX);
                return NGX_OK;
            }

            lines += per;

            if (prefix == NGX_HTTP_EGOV_PREFIX_HOST) {
                if (ngx_http_egov_consent_expire_one(r, n, nl, NULL,
                                                 &ngx_http_egov_consent_root,
                                                 prefix)
                    != NGX_OK)
                {
                    return NGX_ERROR;
                }

                ngx_http_egov_stat_inc(NGX_EGOV_STAT_CONSENT_EXPIRED);
                continue;
            }

            for (j = 0; j < nd; j++) {
                if (ngx_http_egov_consent_expire_one(r, n, nl,
                                                     j ? &domains[j] : NULL,
                                                     path, prefix)
                    != NGX_OK)
                {
                    return NGX_ERROR;
                }
            }

            if (map && map->domain.len
                && ngx_http_egov_consent_expire_one(r, n, nl, &map->domain,
                                                    path, prefix)
                   != NGX_OK)
            {
                return NGX_ERROR;
            }

            ngx_http_egov_stat_inc(NGX_EGOV_STAT_CONSENT_EXPIRED);
        }
    }

    return NGX_OK;
}


/*
 * A name's prefix, read without case as browsers read it: a "__Secure-"
 * or "__Host-" cookie is only taken, a deletion too, with Secure (a fifth
 * review: Chromium kept both when their expiry lines had none)
 */

static ngx_uint_t
ngx_http_egov_consent_prefix(const u_char *name, size_t len)
{
    if (len >= sizeof("__Secure-") - 1
        && ngx_strncasecmp((u_char *) name, (u_char *) "__Secure-",
                           sizeof("__Secure-") - 1)
           == 0)
    {
        return NGX_HTTP_EGOV_PREFIX_SECURE;
    }

    if (len >= sizeof("__Host-") - 1
        && ngx_strncasecmp((u_char *) name, (u_char *) "__Host-",
                           sizeof("__Host-") - 1)
           == 0)
    {
        return NGX_HTTP_EGOV_PREFIX_HOST;
    }

    return NGX_HTTP_EGOV_PREFIX_NONE;
}


static ngx_int_t
ngx_http_egov_consent_expire_one(ngx_http_request_t *r, const u_char *name,
    size_t len, ngx_str_t *domain, ngx_str_t *path, ngx_uint_t prefix)
{
    u_char     *p;
    ngx_str_t   cookie;

    cookie.len = len + sizeof("=; Domain=; Path=; Max-Age=0; "
                              "Expires=Thu, 01 Jan 1970 00:00:00 GMT"
                              "; Secure") - 1
                 + (domain ? domain->len : 0) + path->len;

    cookie.data = ngx_pnalloc(r->pool, cookie.len);
    if (cookie.data == NULL) {
        return NGX_ERROR;
    }

    p = ngx_sprintf(cookie.data, "%*s=", len, name);

    if (domain) {
        p = ngx_sprintf(p, "; Domain=%V", domain);
    }

    p = ngx_sprintf(p, "; Path=%V; Max-Age=0; "
                    "Expires=Thu, 01 Jan 1970 00:00:00 GMT", path);

    if (prefix != NGX_HTTP_EGOV_PREFIX_NONE) {
        p = ngx_cpymem(p, "; Secure", sizeof("; Secure") - 1);
    }

    cookie.len = p - cookie.data;

    return ngx_http_egov_consent_add_cookie(r, &cookie, 1);
}


/*
 * [0] stands for host-only; then the host and each parent domain of two
 * labels or more ("www.portal.example.om", "portal.example.om",
 * "example.om").  An address has no parent domains.
 */

static ngx_uint_t
ngx_http_egov_consent_domains(ngx_http_request_t *r, ngx_str_t *domains)
{
    u_char      *p, *last, *dot;
    ngx_str_t    host;
    ngx_uint_t   n, digits;

    n = 1;
    host = r->headers_in.server;

    if (host.len == 0 || host.data[0] == '[') {
        return n;
    }

    digits = 1;

    for (p = host.data; p < host.data + host.len; p++) {
        if (!((*p >= '0' && *p <= '9') || *p == '.')) {
            digits = 0;
            break;
        }
    }

    if (digits) {
        return n;
    }

    p = host.data;
    last = host.data + host.len;

    while (p < last && n <= NGX_HTTP_EGOV_EXPIRE_LABELS) {
        dot = ngx_strlchr(p, last, '.');

        if (dot == NULL) {
            break;          /* a single label: a TLD, or "localhost" */
        }

        domains[n].data = p;
        domains[n].len = last - p;
        n++;

        p = dot + 1;
    }

    return n;
}
