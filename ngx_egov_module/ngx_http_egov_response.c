
/*
 * Helpers for the responses the module writes itself (refusal pages,
 * endpoints) and for the questions filters ask about a response.
 */


#include "ngx_http_egov_module.h"


static ngx_str_t  ngx_http_egov_no_store = ngx_string("no-store");


/* what the module's own answers carry as ngx_http_egov_module's context */
static ngx_uint_t  ngx_http_egov_own_marker;


/*
 * A worker's last value of a header and what was made of it: a browser
 * sends the same headers with each request, and a server the same
 * Content-Type with each page (compared whole, byte for byte)
 */
typedef struct {
    size_t                      len;        /* of value, or 0 */
    ngx_uint_t                  arg;        /* what else the answer used */
    ngx_uint_t                  answer;
    u_char                      value[256];
} ngx_http_egov_memo_t;


static ngx_uint_t ngx_http_egov_type_is_html(ngx_str_t *ct);
static ngx_uint_t ngx_http_egov_type_is_document(ngx_str_t *ct);
static ngx_uint_t ngx_http_egov_type_essence(ngx_str_t *ct, const char *type,
    size_t len);
static ngx_uint_t ngx_http_egov_type_valid(u_char *p, u_char *end);
static void ngx_http_egov_type_last(ngx_str_t *ct, ngx_str_t *last);
static ngx_uint_t ngx_http_egov_type_memo(ngx_http_egov_memo_t *memo,
    ngx_str_t *ct, ngx_uint_t (*is)(ngx_str_t *ct));
static ngx_uint_t ngx_http_egov_memo_hit(ngx_http_egov_memo_t *memo,
    ngx_str_t *value, ngx_uint_t arg);
static void ngx_http_egov_memo_keep(ngx_http_egov_memo_t *memo,
    ngx_str_t *value, ngx_uint_t arg, ngx_uint_t answer);


static ngx_http_egov_memo_t  ngx_http_egov_lang_memo;
static ngx_http_egov_memo_t  ngx_http_egov_ua_memo;
static ngx_http_egov_memo_t  ngx_http_egov_html_memo;
static ngx_http_egov_memo_t  ngx_http_egov_document_memo;


ngx_uint_t
ngx_http_egov_own_answer(ngx_http_request_t *r)
{
    return ngx_http_get_module_ctx(r, ngx_http_egov_module)
           == &ngx_http_egov_own_marker;
}


ngx_int_t
ngx_http_egov_send(ngx_http_request_t *r, ngx_uint_t status,
    ngx_str_t *content_type, ngx_str_t *body)
{
    /* the module's own answers depend on the client: never cache them */

    return ngx_http_egov_send_cached(r, status, content_type, body,
                                     &ngx_http_egov_no_store);
}


/* the same, with the Cache-Control given (the banner's static assets) */

ngx_int_t
ngx_http_egov_send_cached(ngx_http_request_t *r, ngx_uint_t status,
    ngx_str_t *content_type, ngx_str_t *body, ngx_str_t *cache_control)
{
    ngx_int_t         rc;
    ngx_buf_t        *b;
    ngx_chain_t       out;
    ngx_table_elt_t  *cc;

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    r->headers_out.status = status;
    r->headers_out.content_type = *content_type;
    r->headers_out.content_type_len = content_type->len;
    r->headers_out.content_type_lowcase = NULL;
    r->headers_out.content_length_n = body->len;

    if (r->headers_out.content_length) {
        r->headers_out.content_length->hash = 0;
        r->headers_out.content_length = NULL;
    }

    ngx_http_clear_accept_ranges(r);
    ngx_http_clear_last_modified(r);
    ngx_http_clear_etag(r);

    cc = ngx_list_push(&r->headers_out.headers);
    if (cc == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    cc->hash = 1;
    ngx_str_set(&cc->key, "Cache-Control");
    cc->value = *cache_control;
    cc->lowcase_key = (u_char *) "cache-control";

    if (body->len == 0 || r->method == NGX_HTTP_HEAD) {
        r->header_only = 1;
    }

    /* the module's own pages (status, refusals, admin) get no banner */
    ngx_http_set_ctx(r, &ngx_http_egov_own_marker, ngx_http_egov_module);

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_ERROR;
    }

    b->pos = body->data;
    b->last = body->data + body->len;
    b->memory = 1;
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


ngx_uint_t
ngx_http_egov_is_html(ngx_http_request_t *r)
{
    return ngx_http_egov_type_memo(&ngx_http_egov_html_memo,
                                   &r->headers_out.content_type,
                                   ngx_http_egov_type_is_html);
}


/*
 * A document a browser may render and run a script in: HTML, and the XML
 * kinds (SVG, XHTML, any XML), which the headers that guard a page (CSP,
 * frame options) must guard too (found by a helper's review: an uploaded
 * SVG ran its script under no CSP)
 */

ngx_uint_t
ngx_http_egov_is_document(ngx_http_request_t *r)
{
    return ngx_http_egov_type_memo(&ngx_http_egov_document_memo,
                                   &r->headers_out.content_type,
                                   ngx_http_egov_type_is_document);
}


/* a content type's answer, remembered for the next response of that type */

static ngx_uint_t
ngx_http_egov_type_memo(ngx_http_egov_memo_t *memo, ngx_str_t *ct,
    ngx_uint_t (*is)(ngx_str_t *ct))
{
    if (!ngx_http_egov_memo_hit(memo, ct, 0)) {
        ngx_http_egov_memo_keep(memo, ct, 0, is(ct));
    }

    return memo->answer;
}


/* a script's text, a style or JSON: never markup, whatever it holds */

ngx_uint_t
ngx_http_egov_is_script_or_style(ngx_http_request_t *r)
{
    size_t       n;
    ngx_str_t   *ct;
    ngx_uint_t   i;

    static ngx_str_t  types[] = {
        ngx_string("application/javascript"),
        ngx_string("text/javascript"),
        ngx_string("application/x-javascript"),
        ngx_string("application/ecmascript"),
        ngx_string("text/ecmascript"),
        ngx_string("text/css"),
        ngx_string("application/json"),
        ngx_null_string
    };

    ct = &r->headers_out.content_type;

    for (i = 0; types[i].len; i++) {
        n = types[i].len;

        if (ct->len >= n
            && ngx_strncasecmp(ct->data, types[i].data, n) == 0
            && (ct->len == n || ct->data[n] == ';' || ct->data[n] == ' '))
        {
            return 1;
        }
    }

    return 0;
}


static ngx_uint_t
ngx_http_egov_type_is_html(ngx_str_t *ct)
{
    ngx_str_t  last;

    ngx_http_egov_type_last(ct, &last);

    return ngx_http_egov_type_essence(&last, "text/html",
                                      sizeof("text/html") - 1)
           || ngx_http_egov_type_essence(&last, "application/xhtml+xml",
                                         sizeof("application/xhtml+xml") - 1);
}


static ngx_uint_t
ngx_http_egov_type_is_document(ngx_str_t *ct)
{
    u_char     *p, *end;
    ngx_str_t   last;

    ngx_http_egov_type_last(ct, &last);

    if (ngx_http_egov_type_is_html(ct)
        || ngx_http_egov_type_essence(&last, "image/svg+xml",
                                      sizeof("image/svg+xml") - 1)
        || ngx_http_egov_type_essence(&last, "text/xml",
                                      sizeof("text/xml") - 1)
        || ngx_http_egov_type_essence(&last, "text/xsl",
                                      sizeof("text/xsl") - 1)
        || ngx_http_egov_type_essence(&last, "application/xml",
                                      sizeof("application/xml") - 1))
    {
        return 1;
    }

    /* any "+xml" type */

    end = ngx_strlchr(last.data, last.data + last.len, ';');
    if (end == NULL) {
        end = last.data + last.len;
    }

    while (end > last.data && (end[-1] == ' ' || end[-1] == '\t')) {
        end--;
    }

    p = last.data;

    return end - p >= 4 && ngx_strncasecmp(end - 4, (u_char *) "+xml", 4) == 0;
}


/*
 * A Content-Type that is a list ("text/plain, text/html") is its last
 * type to a browser (Fetch's "extract a MIME type"; a third review): the
 * last part, commas within quoted strings (and their backslash-escaped
 * quotes) not counted, that is a valid type and not "*\/\*" (a fourth
 * and a fifth review: "text/html, *\/\*" is HTML, and so is
 * "text/html;a=\"\\\",text/plain\"" and "text/html, text/")
 */

static void
ngx_http_egov_type_last(ngx_str_t *ct, ngx_str_t *last)
{
    u_char      *p, *end, *part;
    ngx_uint_t   quoted;

    *last = *ct;

    end = ct->data + ct->len;
    part = ct->data;
    quoted = 0;

    for (p = ct->data; p <= end; p++) {

        if (p < end && quoted && *p == '\\') {
            p += (p + 1 < end);
            continue;
        }

        if (p < end && *p == '"') {
            quoted = !quoted;
            continue;
        }

        if (p < end && (*p != ',' || quoted)) {
            continue;
        }

        if (ngx_http_egov_type_valid(part, p)) {
            while (*part == ' ' || *part == '\t') {
                part++;
            }

            last->data = part;
            last->len = p - part;
        }

        part = p + 1;
    }
}


/*
 * A part of a list is a type when it is spaces, a token, "/", a token,
 * spaces, and nothing else before ";" (Fetch's "parse a MIME type"), and
 * is not "*\/\*"
 */

static ngx_uint_t
ngx_http_egov_type_valid(u_char *p, u_char *end)
{
    u_char  *type, *subtype;

    while (p < end && (*p == ' ' || *p == '\t')) {
        p++;
    }

    for (type = p; p < end && ngx_http_egov_token_char(*p); p++) {
        /* void */
    }

    if (p == type || p == end || *p != '/') {
        return 0;
    }

    for (subtype = ++p; p < end && ngx_http_egov_token_char(*p); p++) {
        /* void */
    }

    if (p == subtype) {
        return 0;
    }

    if (subtype - type == 2 && *type == '*' && p - subtype == 1
        && *subtype == '*')
    {
        return 0;
    }

    while (p < end && (*p == ' ' || *p == '\t')) {
        p++;
    }

    return p == end || *p == ';';
}


/* HTTP's token (RFC 9110): header names, types, cookie names */

ngx_uint_t
ngx_http_egov_token_char(u_char c)
{
    static const char  specials[] = "!#$%&'*+-.^_`|~";

    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
           || (c != '\0' && ngx_strchr(specials, c) != NULL);
}


/*
 * The type's essence is "type": the type, then nothing, or spaces and tabs
 * and ";" and its parameters ("text/html\t;charset=utf-8" is HTML to a
 * browser)
 */

static ngx_uint_t
ngx_http_egov_type_essence(ngx_str_t *ct, const char *type, size_t len)
{
    u_char  *p, *end;

    if (ct->len < len
        || ngx_strncasecmp(ct->data, (u_char *) type, len) != 0)
    {
        return 0;
    }

    end = ct->data + ct->len;

    for (p = ct->data + len; p < end && (*p == ' ' || *p == '\t'); p++) {
        /* void */
    }

    return p == end || *p == ';';
}


/* the Accept header, however nginx was built */

static ngx_table_elt_t *
ngx_http_egov_accept(ngx_http_request_t *r)
{
#if (NGX_HTTP_HEADERS)
    return r->headers_in.accept;
#else
    return ngx_http_egov_header_in(r, (u_char *) "accept", 6);
#endif
}


/*
 * True when the client asks for JSON at least as much as for HTML: API
 * clients and scripts get a JSON refusal, browsers the page.
 */

ngx_uint_t
ngx_http_egov_prefers_json(ngx_http_request_t *r)
{
    u_char           *p, *last;
    ngx_str_t        *accept;
    ngx_table_elt_t  *h;

    h = ngx_http_egov_accept(r);

    if (h == NULL) {
        return 0;
    }

    accept = &h->value;
    last = accept->data + accept->len;

    p = ngx_strlcasestrn(accept->data, last, (u_char *) "application/json",
                         sizeof("application/json") - 1 - 1);
    if (p == NULL) {
        return 0;
    }

    return ngx_strlcasestrn(accept->data, p, (u_char *) "text/html",
                            sizeof("text/html") - 1 - 1) == NULL;
}


ngx_egov_lang_e
ngx_http_egov_request_lang(ngx_http_request_t *r, ngx_egov_lang_e fallback)
{
    ngx_table_elt_t  *h;

#if (NGX_HTTP_HEADERS)
    h = r->headers_in.accept_language;
#else
    h = ngx_http_egov_header_in(r, (u_char *) "accept-language", 15);
#endif

    if (h == NULL) {
        return fallback;
    }

    if (!ngx_http_egov_memo_hit(&ngx_http_egov_lang_memo, &h->value,
                                fallback))
    {
        ngx_http_egov_memo_keep(&ngx_http_egov_lang_memo, &h->value, fallback,
                                ngx_egov_lang_negotiate(h->value.data,
                                                        h->value.len,
                                                        fallback));
    }

    return (ngx_egov_lang_e) ngx_http_egov_lang_memo.answer;
}


/*
 * The hash of a User-Agent, for the caches of the signatures' verdicts and
 * of the anonymized User-Agent: one request asks twice, and a browser
 * sends the same one with each request
 */

uint32_t
ngx_http_egov_user_agent_hash(ngx_str_t *ua)
{
    if (!ngx_http_egov_memo_hit(&ngx_http_egov_ua_memo, ua, 0)) {
        ngx_http_egov_memo_keep(&ngx_http_egov_ua_memo, ua, 0,
                                ngx_murmur_hash2(ua->data, ua->len));
    }

    return (uint32_t) ngx_http_egov_ua_memo.answer;
}


static ngx_uint_t
ngx_http_egov_memo_hit(ngx_http_egov_memo_t *memo, ngx_str_t *value,
    ngx_uint_t arg)
{
    return memo->len == value->len && memo->len != 0 && memo->arg == arg
           && ngx_memcmp(memo->value, value->data, value->len) == 0;
}


/* an empty value, or one longer than the memo holds, leaves it empty */

static void
ngx_http_egov_memo_keep(ngx_http_egov_memo_t *memo, ngx_str_t *value,
    ngx_uint_t arg, ngx_uint_t answer)
{
    memo->answer = answer;
    memo->arg = arg;

    if (value->len == 0 || value->len > sizeof(memo->value)) {
        memo->len = 0;
        return;
    }

    ngx_memcpy(memo->value, value->data, value->len);
    memo->len = value->len;
}


/* the first request header of that name; "lowcase" is in lower case */

ngx_table_elt_t *
ngx_http_egov_header_in(ngx_http_request_t *r, u_char *lowcase, size_t len)
{
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    part = &r->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */ ; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                return NULL;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].key.len == len
            && ngx_strncmp(h[i].lowcase_key, lowcase, len) == 0)
        {
            return &h[i];
        }
    }
}


/*
 * the first response header of that name, any case (headers added by
 * add_header or other modules may have no lower-case key); removed ones
 * (hash 0) do not count
 */

ngx_table_elt_t *
ngx_http_egov_header_out(ngx_http_request_t *r, u_char *name, size_t len)
{
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    part = &r->headers_out.headers.part;
    h = part->elts;

    for (i = 0; /* void */ ; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                return NULL;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].hash != 0 && h[i].key.len == len
            && ngx_strncasecmp(h[i].key.data, name, len) == 0)
        {
            return &h[i];
        }
    }
}


/* the request's Cookie headers, one by one, whatever nginx's version */

ngx_table_elt_t *
ngx_http_egov_cookie_header(ngx_http_request_t *r, ngx_uint_t i)
{
#if (nginx_version >= 1023000)
    ngx_table_elt_t  *h;

    for (h = r->headers_in.cookie; h && i; h = h->next, i--) { /* void */ }

    return h;
#else
    ngx_table_elt_t  **h;

    if (i >= r->headers_in.cookies.nelts) {
        return NULL;
    }

    h = r->headers_in.cookies.elts;

    return h[i];
#endif
}


/* does the client say it takes HTML (a browser's Accept) */

ngx_uint_t
ngx_http_egov_accepts_html(ngx_http_request_t *r)
{
    ngx_table_elt_t  *h;

    h = ngx_http_egov_accept(r);

    return h && ngx_strlcasestrn(h->value.data, h->value.data + h->value.len,
                                 (u_char *) "text/html",
                                 sizeof("text/html") - 1 - 1)
                != NULL;
}


/* "Retry-After: SECONDS" */

ngx_int_t
ngx_http_egov_retry_after(ngx_http_request_t *r, ngx_msec_t seconds)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
    ngx_str_set(&h->key, "Retry-After");
    h->value.data = ngx_pnalloc(r->pool, NGX_TIME_T_LEN);
    if (h->value.data == NULL) {
        return NGX_ERROR;
    }

    h->value.len = ngx_sprintf(h->value.data, "%M", seconds) - h->value.data;
    h->lowcase_key = (u_char *) "retry-after";

    return NGX_OK;
}
