
/*
 * egov_anon_error_log on: nginx's error_log lines without client
 * addresses or personal data of request lines.
 *
 * nginx ends a connection's error lines with ", client: ADDR" from the log
 * context's connection, then, for a request, r->log_handler adds the
 * server, the request line, the upstream, the host and the referrer.  So:
 *   - the log context points at a shadow connection whose addr_text is the
 *     anonymized address (installed when the connection is set up, and
 *     kept up to date per request, after realip, in the post-read, rewrite
 *     and access phases);
 *   - r->log_handler is ours: the request line and the upstream's URI with
 *     their path and query redacted, the referrer cut to its origin.
 * Lines written before the phases have seen a request (a bad request line
 * or header, a client gone while waiting) follow the http level's
 * setting: the connection's log handler, ours too, sets the request's
 * before nginx's writes the line.
 */


#include "ngx_http_egov_anon.h"


static void ngx_http_egov_anon_init_connection(ngx_connection_t *c);
static u_char *ngx_http_egov_anon_log_error(ngx_log_t *log, u_char *buf,
    size_t len);
static void ngx_http_egov_anon_shadow(ngx_connection_t *c,
    ngx_http_egov_anon_loc_conf_t *alcf, ngx_uint_t on);
static ngx_int_t ngx_http_egov_anon_log_phase(ngx_http_request_t *r);
static u_char *ngx_http_egov_anon_log_request(ngx_http_request_t *r,
    ngx_http_request_t *sr, u_char *buf, size_t len);
static u_char *ngx_http_egov_anon_log_uri(u_char *buf, size_t len,
    const char *fmt, ngx_str_t *pre, ngx_str_t *line,
    ngx_http_egov_anon_loc_conf_t *alcf, ngx_http_request_t *request_line);
static ngx_uint_t ngx_http_egov_anon_line_clean(ngx_http_request_t *r,
    ngx_str_t *line, u_char *s, u_char *sp);
static ngx_uint_t ngx_http_egov_anon_server_name(ngx_http_request_t *r,
    u_char *host, size_t len);


static ngx_str_t  ngx_http_egov_anon_marker =
    ngx_string(NGX_EGOV_ANON_MARKER);


static ngx_connection_handler_pt  ngx_http_egov_anon_orig_init;
static ngx_log_handler_pt         ngx_http_egov_anon_orig_error;
static ngx_http_log_handler_pt    ngx_http_egov_anon_orig_log;
static ngx_http_egov_anon_loc_conf_t  *ngx_http_egov_anon_http_conf;


/* postconfiguration: phase handlers, if any level switched it on */

ngx_int_t
ngx_http_egov_anon_log_init(ngx_conf_t *cf)
{
    ngx_uint_t                      i;
    ngx_http_handler_pt            *h;
    ngx_http_core_srv_conf_t      **cscfp;
    ngx_http_core_main_conf_t      *cmcf;
    ngx_http_egov_anon_srv_conf_t  *ascf;

    static ngx_uint_t  phases[] = {
        NGX_HTTP_POST_READ_PHASE, NGX_HTTP_REWRITE_PHASE,
        NGX_HTTP_ACCESS_PHASE
    };

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    /*
     * each server's names, for the Host: server_names lives in the
     * configuration's temporary pool, gone once the cycle runs; the names
     * and their regular expressions themselves are in its pool
     */

    cscfp = cmcf->servers.elts;

    for (i = 0; i < cmcf->servers.nelts; i++) {
        ascf = cscfp[i]->ctx->srv_conf[ngx_http_egov_anon_module.ctx_index];

        ascf->nnames = cscfp[i]->server_names.nelts;
        ascf->names = ngx_palloc(cf->pool, ascf->nnames
                                           * sizeof(ngx_http_server_name_t)
                                           + 1);
        if (ascf->names == NULL) {
            return NGX_ERROR;
        }

        ngx_memcpy(ascf->names, cscfp[i]->server_names.elts,
                   ascf->nnames * sizeof(ngx_http_server_name_t));
    }

    if (!ngx_http_egov_anon_error_log_used) {
        return NGX_OK;
    }

    for (i = 0; i < sizeof(phases) / sizeof(phases[0]); i++) {
        h = ngx_array_push(&cmcf->phases[phases[i]].handlers);
        if (h == NULL) {
            return NGX_ERROR;
        }

        *h = ngx_http_egov_anon_log_phase;
    }

    return NGX_OK;
}


/* init_module: connections of the new cycle get the shadow from the start */

ngx_int_t
ngx_http_egov_anon_log_listening(ngx_cycle_t *cycle)
{
    ngx_uint_t            i;
    ngx_listening_t      *ls;
    ngx_http_conf_ctx_t  *ctx;

    ngx_http_egov_anon_http_conf = NULL;

    ctx = (ngx_http_conf_ctx_t *) cycle->conf_ctx[ngx_http_module.index];

    if (ctx == NULL || !ngx_http_egov_anon_error_log_used) {
        return NGX_OK;
    }

    ngx_http_egov_anon_http_conf =
                         ctx->loc_conf[ngx_http_egov_anon_module.ctx_index];

    if (!ngx_http_egov_anon_http_conf->error_log) {
        return NGX_OK;
    }

    ls = cycle->listening.elts;

    for (i = 0; i < cycle->listening.nelts; i++) {

        if (ls[i].handler == ngx_http_egov_anon_init_connection) {
            continue;
        }

        if (ls[i].handler != ngx_http_init_connection) {
            /* not ours to change (another module's listener) */
            continue;
        }

        ngx_http_egov_anon_orig_init = ls[i].handler;
        ls[i].handler = ngx_http_egov_anon_init_connection;
    }

    return NGX_OK;
}


static void
ngx_http_egov_anon_init_connection(ngx_connection_t *c)
{
    ngx_http_egov_anon_orig_init(c);

    /* it may have failed, and closed the connection */

    if (c->destroyed || c->fd == (ngx_socket_t) -1 || c->log == NULL
        || c->log->handler == NULL || ngx_http_egov_anon_http_conf == NULL)
    {
        return;
    }

    ngx_http_egov_anon_shadow(c, ngx_http_egov_anon_http_conf, 1);

    ngx_http_egov_anon_orig_error = c->log->handler;
    c->log->handler = ngx_http_egov_anon_log_error;
}


/*
 * The connection's lines: a request the phases have not seen yet gets our
 * request line handler (a location that says "off" is left alone), then
 * nginx's handler writes the line
 */

static u_char *
ngx_http_egov_anon_log_error(ngx_log_t *log, u_char *buf, size_t len)
{
    ngx_connection_t          *conn;
    ngx_http_request_t        *r;
    ngx_http_log_ctx_t        *ctx;
    ngx_http_egov_anon_ctx_t  *actx;

    ctx = log->data;
    r = ctx->request;
    actx = r ? ngx_http_get_module_ctx(r, ngx_http_egov_anon_module) : NULL;

    if (r && r->log_handler != ngx_http_egov_anon_log_request
        && (actx == NULL || !actx->log_off))
    {
        ngx_http_egov_anon_orig_log = r->log_handler;
        r->log_handler = ngx_http_egov_anon_log_request;
    }

    /*
     * A line of no request in a location that says "off": the address as
     * the http level says, though the context holds it as it is (found
     * by a helper's review): an HTTP/2 stream's own connection (no shadow
     * yet; a shadow has no pool of its own), or a keep-alive connection's
     * next request after a location that said "off"
     */

    conn = ctx->connection;

    if (ngx_http_egov_anon_http_conf
        && ngx_http_egov_anon_http_conf->error_log
        && (actx == NULL || !actx->log_off))
    {
        if (conn->pool) {
            ngx_http_egov_anon_shadow(conn, ngx_http_egov_anon_http_conf, 1);

        } else if (conn->addr_text.data != (u_char *) (conn + 1)
                   && conn->data)
        {
            ngx_http_egov_anon_shadow(conn->data,
                                      ngx_http_egov_anon_http_conf, 1);
        }
    }

    return ngx_http_egov_anon_orig_error(log, buf, len);
}


/*
 * The log context's connection becomes a shadow of "c" whose address text
 * is anonymized ("on"), or the raw one again ("off").
 */

static void
ngx_http_egov_anon_shadow(ngx_connection_t *c,
    ngx_http_egov_anon_loc_conf_t *alcf, ngx_uint_t on)
{
    ngx_connection_t    *shadow;
    ngx_http_log_ctx_t  *ctx;

    ctx = c->log->data;

    if (ctx == NULL) {
        return;
    }

    shadow = ctx->connection;

    if (shadow == c) {
        if (!on) {
            return;
        }

        shadow = ngx_pcalloc(c->pool,
                             sizeof(ngx_connection_t) + NGX_SOCKADDR_STRLEN);
        if (shadow == NULL) {
            return;
        }

        shadow->listening = c->listening;
        shadow->data = c;
        shadow->addr_text.data = (u_char *) (shadow + 1);
        ctx->connection = shadow;
    }

    if (on) {
        shadow->addr_text.len = ngx_http_egov_anon_addr(alcf, c->sockaddr,
                                                  shadow->addr_text.data);

    } else {
        shadow->addr_text = c->addr_text;
    }
}


static ngx_int_t
ngx_http_egov_anon_log_phase(ngx_http_request_t *r)
{
    ngx_http_egov_anon_ctx_t       *ctx;
    ngx_http_egov_anon_loc_conf_t  *alcf;

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_egov_anon_module);

    if (r->log_handler != ngx_http_egov_anon_log_request) {
        if (!alcf->error_log) {
            return NGX_DECLINED;
        }

        ngx_http_egov_anon_orig_log = r->log_handler;
    }

    ngx_http_egov_anon_shadow(r->connection, alcf, alcf->error_log);

    r->log_handler = alcf->error_log ? ngx_http_egov_anon_log_request
                                     : ngx_http_egov_anon_orig_log;

    if (!alcf->error_log && ngx_http_egov_anon_http_conf
        && ngx_http_egov_anon_http_conf->error_log)
    {
        /* the connection's log handler leaves this request's lines raw */

        ctx = ngx_http_get_module_ctx(r, ngx_http_egov_anon_module);

        if (ctx == NULL) {
            ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_egov_anon_ctx_t));
            if (ctx == NULL) {
                return NGX_ERROR;
            }

            ngx_http_set_ctx(r, ctx, ngx_http_egov_anon_module);
        }

        ctx->log_off = 1;
    }

    return NGX_DECLINED;
}


/* as nginx's own, with the request line, upstream and referrer cleaned */

static u_char *
ngx_http_egov_anon_log_request(ngx_http_request_t *r, ngx_http_request_t *sr,
    u_char *buf, size_t len)
{
    u_char                         *p, *o;
    size_t                          n;
    ngx_str_t                       pre;
    ngx_http_upstream_t            *u;
    ngx_http_core_srv_conf_t       *cscf;
    ngx_http_egov_anon_loc_conf_t  *alcf;

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_egov_anon_module);
    cscf = ngx_http_get_module_srv_conf(r, ngx_http_core_module);

    ngx_http_egov_stat_inc(NGX_EGOV_STAT_ANON_ERROR_LINES);

    p = ngx_snprintf(buf, len, ", server: %V", &cscf->server_name);
    len -= p - buf;
    buf = p;

    /* a request line nginx refused is still only in the buffer */

    if (r->request_line.data == NULL && r->request_start) {
        for (p = r->request_start; p < r->header_in->last; p++) {
            if (*p == CR || *p == LF) {
                break;
            }
        }

        r->request_line.len = p - r->request_start;
        r->request_line.data = r->request_start;
    }

    if (r->request_line.len) {
        pre.len = 0;
        p = ngx_http_egov_anon_log_uri(buf, len, ", request: \"%V%*s\"", &pre,
                                       &r->request_line, alcf, r);
        len -= p - buf;
        buf = p;
    }

    if (r != sr) {
        pre.len = 0;
        p = ngx_http_egov_anon_log_uri(buf, len, ", subrequest: \"%V%*s\"",
                                       &pre, &sr->uri, alcf, NULL);
        len -= p - buf;
        buf = p;
    }

    u = sr->upstream;

    if (u && u->peer.name) {
        n = u->schema.len + u->peer.name->len;

        o = ngx_pnalloc(r->pool, n);
        if (o) {
            pre.data = o;
            pre.len = ngx_cpymem(ngx_cpymem(o, u->schema.data, u->schema.len),
                                 u->peer.name->data, u->peer.name->len)
                      - o;

            p = ngx_http_egov_anon_log_uri(buf, len, ", upstream: \"%V%*s\"",
                                           &pre, &u->uri, alcf, NULL);
            len -= p - buf;
            buf = p;
        }
    }

    /* a host name as DNS has them, or an address; anything else is the
       client's text ("Host: me@example.om") */

    if (r->headers_in.host) {
        p = ngx_snprintf(buf, len, ", host: \"%V\"",
                         ngx_http_egov_anon_host_plain(
                             r, &r->headers_in.host->value)
                         ? &r->headers_in.host->value
                         : &ngx_http_egov_anon_marker);
        len -= p - buf;
        buf = p;
    }

    if (r->headers_in.referer) {
        o = ngx_pnalloc(r->pool, r->headers_in.referer->value.len);

        if (o) {
            n = ngx_egov_anon_origin(r->headers_in.referer->value.data,
                                     r->headers_in.referer->value.len, o);
            if (n) {
                p = ngx_snprintf(buf, len, ", referrer: \"%*s\"", n, o);
                len -= p - buf;
                buf = p;
            }
        }
    }

    return buf;
}


/*
 * "fmt" gets "pre" and the line with its URI redacted: the path from the
 * line's first "/" (or a "?" before it: "GET ?q HTTP/1.1") up to "?" or a
 * space (" HTTP/1.1" of a request line), then the query
 */

static u_char *
ngx_http_egov_anon_log_uri(u_char *buf, size_t len, const char *fmt,
    ngx_str_t *pre, ngx_str_t *line, ngx_http_egov_anon_loc_conf_t *alcf,
    ngx_http_request_t *request_line)
{
    u_char                *s, *q, *end, *sp, *out, *scratch, *p;
    size_t                 n, nextra;
    ngx_str_t              method;
    ngx_uint_t             plain;
    ngx_egov_anon_name_t  *extra;

    end = line->data + line->len;

    for (s = line->data; s < end && *s != '/' && *s != '?'; s++) {
        /* void */
    }

    for (sp = s; sp < end && *sp != ' '; sp++) { /* void */ }

    /*
     * a request line nginx refused may be anything ("GET /a b=me@x.om
     * HTTP/1.1", "GET me@x.om/x HTTP/1.1"): unless it is a method, one
     * space, the target and a version, only its method goes out
     */

    if (request_line
        && !ngx_http_egov_anon_line_clean(request_line, line, s, sp))
    {
        for (p = line->data; p < s && *p >= 'A' && *p <= 'Z'; p++) {
            /* void */
        }

        method.data = line->data;
        method.len = p - line->data;

        return ngx_snprintf(buf, len, fmt, &method,
                            sizeof(" " NGX_EGOV_ANON_MARKER) - 1,
                            " " NGX_EGOV_ANON_MARKER);
    }

    q = ngx_strlchr(s, sp, '?');
    plain = ngx_egov_anon_path_plain(s, (q ? q : sp) - s);

    if (plain && q == NULL) {
        return ngx_snprintf(buf, len, fmt, pre, line->len, line->data);
    }

    n = ngx_egov_anon_path_size(s, (q ? q : sp) - s) + 1
        + (q ? ngx_egov_anon_query_size(q + 1, sp - q - 1) : 0);

    out = ngx_alloc(line->len + n, ngx_cycle->log);
    scratch = ngx_alloc(line->len + 1, ngx_cycle->log);

    if (out == NULL || scratch == NULL) {
        if (out) {
            ngx_free(out);
        }

        return ngx_snprintf(buf, len, fmt, pre,
                            sizeof(NGX_EGOV_ANON_MARKER) - 1,
                            NGX_EGOV_ANON_MARKER);
    }

    extra = alcf->redact ? alcf->redact->elts : NULL;
    nextra = alcf->redact ? alcf->redact->nelts : 0;

    p = ngx_cpymem(out, line->data, s - line->data);

    if (plain) {
        p = ngx_cpymem(p, s, q - s);

    } else {
        p += ngx_egov_anon_path(s, (q ? q : sp) - s, p, scratch, extra,
                                nextra);
    }

    if (q) {
        *p++ = '?';
        p += ngx_egov_anon_query(q + 1, sp - q - 1, p, scratch, extra,
                                 nextra);
    }

    p = ngx_cpymem(p, sp, end - sp);

    buf = ngx_snprintf(buf, len, fmt, pre, (size_t) (p - out), out);

    ngx_free(out);
    ngx_free(scratch);

    return buf;
}


/*
 * "METHOD /target" or "METHOD http://host/target" (an absolute URI), and
 * nothing or " HTTP/d.d" after the target
 */

static ngx_uint_t
ngx_http_egov_anon_line_clean(ngx_http_request_t *r, ngx_str_t *line,
    u_char *s, u_char *sp)
{
    u_char     *p, *end;
    ngx_str_t   authority;

    end = line->data + line->len;

    for (p = line->data; p < s && *p >= 'A' && *p <= 'Z'; p++) {
        /* void */
    }

    if (p == line->data || p == s || *p++ != ' ') {
        return 0;
    }

    if (p != s) {
        if (!(s - p == 5 && ngx_strncasecmp(p, (u_char *) "http:", 5) == 0)
            && !(s - p == 6
                 && ngx_strncasecmp(p, (u_char *) "https:", 6) == 0))
        {
            return 0;
        }

        /* the authority: a host, no "user:password@" (a third review) */

        if (sp - s < 2 || s[1] != '/') {
            return 0;
        }

        authority.data = s + 2;
        p = ngx_strlchr(authority.data, sp, '/');
        authority.len = (p ? p : sp) - authority.data;

        if (!ngx_http_egov_anon_host_plain(r, &authority)) {
            return 0;
        }
    }

    return sp == end
           || (end - sp == sizeof(" HTTP/1.1") - 1
               && ngx_strncmp(sp, " HTTP/", sizeof(" HTTP/") - 1) == 0
               && sp[6] >= '0' && sp[6] <= '9' && sp[7] == '.'
               && sp[8] >= '0' && sp[8] <= '9');
}


/*
 * A Host that may go to the log: one of the server's own names
 * (server_name: exact, wildcard or regular expression), an IPv4 address,
 * or an IPv6 address within brackets; then a port of at most five digits,
 * up to 65535.  Anything else is the client's text ("me@example.om",
 * "96891234567", "x-968-9123-4567.om"): a seventh review found that no
 * rule on the shape of a name told phone numbers from cloud host names
 * ("ec2-203-113-145-210..."), while the server's names are what a browser
 * sends
 */

ngx_uint_t
ngx_http_egov_anon_host_plain(ngx_http_request_t *r, ngx_str_t *host)
{
    u_char      c, *p, *q, *end, *colon, *start;
    ngx_uint_t  named, port;
#if (NGX_HAVE_INET6)
    u_char      addr[16];
#endif

    p = host->data;
    end = host->data + host->len;

    /* a port is judged apart: ":" and digits (a fourth review) */

    for (colon = end; colon > p && colon[-1] >= '0' && colon[-1] <= '9';
         colon--)
    {
        /* void */
    }

    if (colon > p && colon < end && colon[-1] == ':'
        && (colon - 1 == p || colon[-2] == ']'
            || ngx_strlchr(p, colon - 1, ':') == NULL))
    {
        if (end - colon > 5) {
            return 0;
        }

        port = 0;

        for (q = colon; q < end; q++) {
            port = port * 10 + (*q - '0');
        }

        if (port > 65535) {
            return 0;
        }

        end = colon - 1;
    }

    if (p == end) {
        return 0;
    }

    /* an IPv6 literal: an address nginx reads as one */

    if (*p == '[') {
#if (NGX_HAVE_INET6)
        return end - p >= 4 && end[-1] == ']'
               && ngx_inet6_addr(p + 1, end - p - 2, addr) == NGX_OK;
#else
        return 0;
#endif
    }

    start = p;
    named = 0;

    for ( /* void */ ; p < end; p++) {
        c = *p;

        if ((c >= '0' && c <= '9') || c == '.') {
            continue;
        }

        if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') {
            named = 1;
            continue;
        }

        if (c != '-' && c != '_') {
            return 0;
        }
    }

    if (!named) {
        /*
         * digits alone are an IPv4 address or nothing ("9123.4567"), its
         * parts up to 255 ("968.912.345.67" is a phone number; a seventh
         * review)
         */
        return ngx_inet_addr(start, end - start) != INADDR_NONE;
    }

    return ngx_http_egov_anon_server_name(r, start, end - start);
}


/*
 * Is the name one of the request's server's names (server_name): exact,
 * "*.example.om" (a name below it), ".example.om" (it and those below),
 * "www.example.*" (a name after it), or a regular expression (matched
 * without its captures: no variable changes)
 */

static ngx_uint_t
ngx_http_egov_anon_server_name(ngx_http_request_t *r, u_char *host,
    size_t len)
{
    size_t                          n;
    u_char                         *d;
    ngx_str_t                       s;
    ngx_uint_t                      i;
    ngx_http_server_name_t         *sn;
    ngx_http_egov_anon_srv_conf_t  *ascf;
    u_char                          name[256];

    /* no allocation: a log handler may run while the request ends */

    if (len > sizeof(name)) {
        return 0;
    }

    ngx_strlow(name, host, len);

    /* a fully qualified name's dot */

    if (len > 1 && name[len - 1] == '.') {
        len--;
    }

    ascf = ngx_http_get_module_srv_conf(r, ngx_http_egov_anon_module);
    sn = ascf->names;

    for (i = 0; i < ascf->nnames; i++) {

#if (NGX_PCRE)
        if (sn[i].regex) {
            s.data = name;
            s.len = len;

            if (ngx_regex_exec(sn[i].regex->regex, &s, NULL, 0) >= 0) {
                return 1;
            }

            continue;
        }
#endif

        d = sn[i].name.data;
        n = sn[i].name.len;

        if (n == len && ngx_strncmp(d, name, len) == 0) {
            return 1;
        }

        if (n < 2) {
            continue;
        }

        if (d[0] == '*' && d[1] == '.' && len > n - 1
            && ngx_strncmp(name + len - (n - 1), d + 1, n - 1) == 0)
        {
            return 1;
        }

        if (d[0] == '.'
            && ((len == n - 1 && ngx_strncmp(name, d + 1, len) == 0)
                || (len > n && ngx_strncmp(name + len - n, d, n) == 0)))
        {
            return 1;
        }

        if (d[n - 1] == '*' && d[n - 2] == '.' && len > n - 1
            && ngx_strncmp(name, d, n - 1) == 0)
        {
            return 1;
        }
    }

    return 0;
}
