
/*
 * The consent banner's body filter: the banner (or the "cookie settings"
 * link) goes in before </body> and, with egov_csp_nonce_inject, the nonce
 * into the page's own <script> and <style> tags.
 *
 * The filter never buffers the page: each buffer is passed on as it comes.
 * Without nonces nothing of the page is copied but what follows "</body" in
 * its buffer: that buffer is cut there and the banner, rendered once per
 * request, goes on between its two parts.  Nonces change many places: the
 * page then goes on as views of its buffers between them (see
 * ngx_http_egov_banner_rewrite).  The beginning of a "</body" cut by the
 * end of a buffer (at most 6 bytes) waits for the next buffer.
 */


#include "ngx_http_egov_banner_filter.h"
#include "ngx_egov_body_find.h"


/* where </body> is looked for in a page whose length is known: its end */
#define NGX_HTTP_EGOV_TAIL      4096


/* where a static page's "</body" is, per worker, per version of a file */
#define NGX_HTTP_EGOV_PAGE_ENDS   64
#define NGX_HTTP_EGOV_FOLLOW_MAX  256

/*
 * A page up to NGX_HTTP_EGOV_PAGE_MAX long is kept whole, per worker and
 * per version of its file, and goes out from that memory in one call with
 * its header, as plain nginx sends a page: writev, sendfile and writev
 * under a cork cost more (20 KB page: 0.76 -> 0.99 of nginx sending the
 * same bytes, bench/scenarios/all-on-page20-vs-same-bytes.pl).  A response
 * holds its page (refs) until its request ends; a page held is never
 * replaced (the next version then goes by sendfile until it is free).
 * At most NGX_HTTP_EGOV_PAGE_ENDS * NGX_HTTP_EGOV_PAGE_MAX bytes a worker.
 */
#define NGX_HTTP_EGOV_PAGE_MAX    32768

/*
 * r->buffered while a page's end is read in a thread: the request must not
 * end meanwhile.  The bit is the image and XSLT filters' too; the banner
 * goes only into HTML pages, which the image filter never has, and it is
 * set and cleared around our own waiting only.
 */
#define NGX_HTTP_EGOV_BUFFERED    0x08

typedef struct {
    ngx_uint_t                    used;
    ngx_http_egov_file_version_t  version;
    off_t                         file_last;   /* the range sent ends here */
    off_t                         file_pos;    /* ... and starts here */
    size_t                        follow_len;  /* bytes from "</body" on */
    u_char                        follow[NGX_HTTP_EGOV_FOLLOW_MAX];
    u_char                       *page;        /* the whole range, */
    size_t                        page_len;    /* or 0 */
    size_t                        page_cap;
    ngx_uint_t                    refs;        /* responses sending it */
    unsigned                      own:1;       /* a request's, not cached */
} ngx_http_egov_page_end_t;


static ngx_int_t ngx_http_egov_banner_body_filter(ngx_http_request_t *r,
    ngx_chain_t *in);
static void ngx_http_egov_buf_cut(ngx_buf_t *b, u_char *at);
static void ngx_http_egov_buf_consume(ngx_buf_t *b);

static ngx_int_t ngx_http_egov_banner_consumed(ngx_http_request_t *r,
    ngx_buf_t *b, ngx_chain_t ***last);
static ngx_int_t ngx_http_egov_banner_flags(ngx_http_request_t *r,
    ngx_buf_t *b, ngx_chain_t ***last);
static ngx_int_t ngx_http_egov_banner_tag(ngx_http_request_t *r,
    ngx_http_egov_banner_filter_t *f, const u_char *tag, size_t len,
    ngx_uint_t held, ngx_chain_t ***last, ngx_buf_t **view);
static ngx_int_t ngx_http_egov_banner_render_insert(ngx_http_request_t *r,
    ngx_http_egov_consent_ctx_t *ctx, ngx_http_egov_banner_filter_t *f);
static ngx_int_t ngx_http_egov_banner_hold(ngx_http_request_t *r,
    ngx_http_egov_banner_filter_t *f, const u_char *p, size_t len);
static ngx_int_t ngx_http_egov_banner_cut(ngx_http_request_t *r,
    ngx_http_egov_banner_filter_t *f, const u_char *held, size_t held_len,
    ngx_buf_t *b, const u_char **seg, ngx_chain_t ***last,
    ngx_buf_t **view);
static ngx_buf_t *ngx_http_egov_banner_view(ngx_http_request_t *r,
    ngx_http_egov_banner_filter_t *f, const u_char *p, const u_char *end,
    ngx_chain_t ***last);
static ngx_int_t ngx_http_egov_banner_file(ngx_http_request_t *r,
    ngx_http_egov_banner_filter_t *f, ngx_buf_t *b, ngx_chain_t ***last);
static ngx_int_t ngx_http_egov_banner_small(ngx_http_request_t *r,
    ngx_http_egov_banner_filter_t *f, ngx_buf_t *b,
    ngx_http_egov_page_end_t *pe, ngx_chain_t ***last);
static ngx_buf_t *ngx_http_egov_banner_then(ngx_http_request_t *r,
    ngx_http_egov_banner_filter_t *f, ngx_buf_t *b, ngx_chain_t ***last);
static void ngx_http_egov_banner_release(void *data);
static ngx_int_t ngx_http_egov_banner_resume(ngx_http_request_t *r,
    ngx_http_egov_banner_filter_t *f);
static ngx_int_t ngx_http_egov_banner_page_end(ngx_http_request_t *r,
    ngx_http_egov_banner_filter_t *f, ngx_buf_t *b,
    ngx_http_egov_page_end_t **end);
static ssize_t ngx_http_egov_banner_read_end(ngx_http_request_t *r,
    ngx_http_egov_banner_filter_t *f, ngx_buf_t *b, size_t size,
    off_t start);
static void ngx_http_egov_banner_record(ngx_http_request_t *r,
    ngx_http_egov_banner_filter_t *f, ngx_buf_t *b);


static ngx_http_output_body_filter_pt  ngx_http_next_body_filter;

/* process memory, made in the worker: nothing of a cycle */
static ngx_http_egov_page_end_t  ngx_http_egov_page_ends[
                                                  NGX_HTTP_EGOV_PAGE_ENDS];

/* how wide the search for "</body" goes on this CPU */
static int  ngx_http_egov_banner_find_level;

static u_char  ngx_http_egov_close_body[] = "</body";

/*
 * What makes a <script> or <iframe> start tag inert when it cannot be
 * rewritten whole: put right after its name (browsers keep the first of
 * two attributes of one name)
 */
static ngx_str_t  ngx_http_egov_inert_script =
    ngx_string(" type=\"text/plain\" data-egov-cut=\"\"");
static ngx_str_t  ngx_http_egov_inert_iframe =
    ngx_string(" hidden=\"\" srcdoc=\"\" data-egov-cut=\"\"");


/* called by the header filter when something is to be inserted */

ngx_int_t
ngx_http_egov_banner_start(ngx_http_request_t *r,
    ngx_http_egov_consent_ctx_t *ctx, off_t length)
{
    u_char                            *p;
    ngx_str_t                          nonce;
    ngx_http_egov_banner_filter_t     *f;

    f = ngx_pcalloc(r->pool, sizeof(ngx_http_egov_banner_filter_t));
    if (f == NULL) {
        return NGX_ERROR;
    }

    if (!(ctx->inject & (NGX_HTTP_EGOV_INJECT_BANNER
                         |NGX_HTTP_EGOV_INJECT_LINK)))
    {
        f->inserted = 1;
    }

    if (ctx->inject & NGX_HTTP_EGOV_INJECT_NONCE) {
        if (ngx_http_egov_csp_nonce(r, &nonce) != NGX_OK) {
            return NGX_ERROR;
        }

        f->nonce_attr.data = ngx_pnalloc(r->pool, nonce.len + 10);
        if (f->nonce_attr.data == NULL) {
            return NGX_ERROR;
        }

        p = ngx_sprintf(f->nonce_attr.data, " nonce=\"%V\"", &nonce);
        f->nonce_attr.len = p - f->nonce_attr.data;
    }

    f->hold = f->hold_small;
    f->hold_cap = NGX_HTTP_EGOV_HOLD_MAX;

    if (ctx->inject & NGX_HTTP_EGOV_INJECT_MARKUP) {
        f->markup = 1;
    }

    f->scan = (f->nonce_attr.len || f->markup);

    /*
     * The page's language from its <html lang>, when the page is read: the
     * banner is rendered when it goes in, in the language known by then
     */
    f->html_lang = (f->scan && ctx->lang_pending);

    if (!f->inserted && !f->html_lang
        && ngx_http_egov_banner_render_insert(r, ctx, f) != NGX_OK)
    {
        return NGX_ERROR;
    }

    ctx->filter = f;

    /*
     * Nonces go into every tag, marked tags change: the whole page must be
     * read, and how long it becomes is known only at its end.  The banner
     * alone goes in once, near the end: when the page's length is known,
     * only its last NGX_HTTP_EGOV_TAIL bytes are searched for </body> (a
     * file goes on as it is, by sendfile, all but that end), and the page
     * keeps a Content-Length, the banner's longer.
     */

    if (f->scan) {
        /* the page in memory, unless it goes from its map: decided by
           ngx_http_egov_banner_early, before nginx reads a file */
        f->remaining = -1;

    } else {
        f->remaining = length;

        if (length >= 0) {
            r->headers_out.content_length_n = length + f->insert.len;
        }
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_egov_banner_body_filter(ngx_http_request_t *r, ngx_chain_t *in)
{
    ngx_int_t                       rc;
    ngx_buf_t                      *b;
    ngx_uint_t                      last_buf;
    ngx_chain_t                    *cl, *out, **last, *tail;
    ngx_http_egov_consent_ctx_t    *ctx;
    ngx_http_egov_banner_filter_t  *f;

    if (r != r->main) {
        return ngx_http_egov_banner_include(r, in);
    }

    ctx = ngx_http_get_module_ctx(r, ngx_http_egov_consent_module);

    if (ctx == NULL || ctx->filter == NULL) {
        return ngx_http_next_body_filter(r, in);
    }

    f = ctx->filter;

    if (f->scan && !f->decided) {
        /* "config" places ngx_http_egov_page_map_module's filter first */
        ngx_log_error(NGX_LOG_ALERT, ngx_http_egov_quiet_log(r), 0,
                      "egov consent: the page map's filter did not run");
        return NGX_ERROR;
    }

    if (f->waiting) {
        if (in) {
            ngx_log_error(NGX_LOG_ERR, ngx_http_egov_quiet_log(r), 0,
                          "egov consent: data after the last buffer");
            return NGX_ERROR;
        }

        return ngx_http_egov_banner_resume(r, f);
    }

    if (in == NULL) {
        /* the client took more: views it was sent free their input */

        rc = ngx_http_next_body_filter(r, NULL);

        if (f->scan) {
            ngx_http_egov_banner_recycle(r, f, NULL);
        }

        return rc;
    }

    /* the banner is in and no nonce is to be added: nothing more to do */

    if (f->inserted && !f->scan && f->hold_len == 0) {
        return ngx_http_next_body_filter(r, in);
    }

    out = NULL;
    last = &out;

    for (cl = in; cl; cl = cl->next) {
        last_buf = cl->buf->last_buf;

        if (f->map) {
            ngx_http_egov_banner_record(r, f, cl->buf);
        }

        rc = f->scan
             ? ngx_http_egov_banner_rewrite(r, f, cl->buf, &last)
             : ngx_http_egov_banner_split(r, f, cl->buf, &last);

        if (rc == NGX_AGAIN) {
            /* the page's end is being read: the last buffer waits */

            f->waiting = cl->buf;
            r->buffered |= NGX_HTTP_EGOV_BUFFERED;

            rc = ngx_http_next_body_filter(r, out);

            if (f->scan) {
                ngx_http_egov_banner_recycle(r, f, out);
            }

            return (rc == NGX_ERROR) ? NGX_ERROR : NGX_AGAIN;
        }

        if (rc != NGX_OK) {
            return NGX_ERROR;
        }

        if (!last_buf || (f->hold_len == 0 && f->inserted)) {
            continue;
        }

        /*
         * the end and no </body>: what was held, then the banner; a tag
         * the page ends in is dropped, as browsers drop it (a marked tag
         * held whole would be made a live one by the banner's ">")
         */

        if (f->hold_len && f->scan && ngx_egov_html_in_tag(&f->html)) {
            ngx_log_error(NGX_LOG_INFO, ngx_http_egov_quiet_log(r), 0,
                          "egov consent: the page ends inside a tag: the "
                          "tag dropped, as browsers do");
            f->hold_len = 0;
        }

        if (f->hold_len) {
            if (ngx_http_egov_banner_link(r, f->hold, f->hold_len, &last)
                != NGX_OK)
            {
                return NGX_ERROR;
            }

            f->hold_len = 0;
        }

        if (!f->inserted
            && ngx_http_egov_banner_insert(r, f, &last) != NGX_OK)
        {
            return NGX_ERROR;
        }

        /* "last" moves to the buffer that is now the last */

        for (tail = out; tail; tail = tail->next) {
            b = tail->buf;

            if (tail->next == NULL) {
                b->last_buf = 1;
                b->last_in_chain = 1;
                break;
            }

            if (b->last_buf) {
                b->last_buf = 0;
                b->last_in_chain = 0;

                if (ngx_buf_size(b) == 0) {
                    b->sync = 1;
                }
            }
        }
    }

    rc = ngx_http_next_body_filter(r, out);

    if (f->scan) {
        ngx_http_egov_banner_recycle(r, f, out);
    }

    return rc;
}


/* a static page's bytes, recorded as they pass for its map */

static void
ngx_http_egov_banner_record(ngx_http_request_t *r,
    ngx_http_egov_banner_filter_t *f, ngx_buf_t *b)
{
    if (ngx_buf_in_memory(b)) {
        ngx_http_egov_page_map_add(f->map, b->pos, b->last - b->pos);

    } else if (ngx_buf_size(b)) {
        f->map->failed = 1;
    }

    if (b->last_buf) {
        ngx_http_egov_page_map_done(r, f->map);
        f->map = NULL;
    }
}


/*
 * The thread that read a page's end is done (nginx's writer calls the
 * filters again): the page's last buffer goes on, with the banner
 */

static ngx_int_t
ngx_http_egov_banner_resume(ngx_http_request_t *r,
    ngx_http_egov_banner_filter_t *f)
{
    ngx_int_t     rc;
    ngx_chain_t  *out, **last;

    out = NULL;
    last = &out;

    rc = ngx_http_egov_banner_file(r, f, f->waiting, &last);

    if (rc == NGX_AGAIN) {
        /* not yet: what was sent before may go on meanwhile */
        rc = ngx_http_next_body_filter(r, NULL);
        return (rc == NGX_ERROR) ? NGX_ERROR : NGX_AGAIN;
    }

    f->waiting = NULL;
    r->buffered &= ~NGX_HTTP_EGOV_BUFFERED;

    if (rc != NGX_OK) {
        return NGX_ERROR;
    }

    rc = ngx_http_next_body_filter(r, out);

    if (f->scan) {
        ngx_http_egov_banner_recycle(r, f, out);
    }

    return rc;
}


/*
 * Without nonces: the buffer goes on as it is, cut where "</body" begins,
 * the banner going in between.  Only what follows "</body" in the buffer is
 * copied: the buffer's owner reuses it once it is sent, so what goes on
 * after the banner must not stay in it.  Of a page whose length is known,
 * buffers before its last NGX_HTTP_EGOV_TAIL bytes go on unread.
 */

ngx_int_t
ngx_http_egov_banner_split(ngx_http_request_t *r,
    ngx_http_egov_banner_filter_t *f, ngx_buf_t *b, ngx_chain_t ***last)
{
    int          partial;
    u_char      *at, *start;
    off_t        skip;
    size_t       len, need, n;
    ngx_buf_t   *tail;

    if (f->inserted) {
        return ngx_http_egov_banner_pass(r, b, last);
    }

    start = b->pos;

    if (f->remaining >= 0) {
        skip = f->remaining - NGX_HTTP_EGOV_TAIL;
        f->remaining -= ngx_buf_size(b);

        if (ngx_buf_in_memory(b) && skip > 0) {
            if (skip >= b->last - b->pos) {
                return ngx_http_egov_banner_pass(r, b, last);
            }

            start += skip;
        }
    }

    if (!ngx_buf_in_memory(b)) {
        return ngx_http_egov_banner_file(r, f, b, last);
    }

    len = b->last - b->pos;

    if (f->hold_len) {

        /* the beginning of "</body" ended the previous buffer: is it one? */

        need = sizeof(ngx_http_egov_close_body) - 1 - f->hold_len;
        n = ngx_min(len, need);

        if (ngx_strncasecmp(b->pos, ngx_http_egov_close_body + f->hold_len, n)
            == 0)
        {
            if (n < need) {
                /* a tiny buffer, still only a beginning: it waits too */
                ngx_memcpy(f->hold + f->hold_len, b->pos, n);
                f->hold_len += n;

                return ngx_http_egov_banner_consumed(r, b, last);
            }

            /* it is: the banner, then what was held, then this buffer */

            if (ngx_http_egov_banner_insert(r, f, last) != NGX_OK
                || ngx_http_egov_banner_link(r, f->hold, f->hold_len, last)
                   != NGX_OK)
            {
                return NGX_ERROR;
            }

            f->hold_len = 0;

            return ngx_http_egov_banner_pass(r, b, last);
        }

        /* it is not: what was held goes on as it was */

        if (ngx_http_egov_banner_link(r, f->hold, f->hold_len, last)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        f->hold_len = 0;
    }

    if (len == 0) {
        return ngx_http_egov_banner_pass(r, b, last);
    }

    at = ngx_egov_find_close_body(start, b->last, &partial,
                                  ngx_http_egov_banner_find_level);

    if (at == NULL) {
        return ngx_http_egov_banner_pass(r, b, last);
    }

    if (partial) {
        f->hold_len = b->last - at;
        ngx_memcpy(f->hold, at, f->hold_len);

        if (at == b->pos) {
            return ngx_http_egov_banner_consumed(r, b, last);
        }

        ngx_http_egov_buf_cut(b, at);

        return ngx_http_egov_banner_pass(r, b, last);
    }

    /* what follows the cut, copied, with the buffer's flags */

    n = b->last - at;

    tail = ngx_create_temp_buf(r->pool, n);
    if (tail == NULL) {
        return NGX_ERROR;
    }

    tail->last = ngx_cpymem(tail->last, at, n);
    tail->last_buf = b->last_buf;
    tail->last_in_chain = b->last_in_chain;
    tail->flush = b->flush;

    if (at == b->pos) {
        ngx_http_egov_buf_consume(b);

    } else {
        ngx_http_egov_buf_cut(b, at);
        b->last_buf = 0;
        b->last_in_chain = 0;

        if (ngx_http_egov_banner_pass(r, b, last) != NGX_OK) {
            return NGX_ERROR;
        }
    }

    if (ngx_http_egov_banner_insert(r, f, last) != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_http_egov_banner_pass(r, tail, last);
}


/*
 * A buffer can be in memory and in a file at once (a filter that asked for
 * memory passes it on): the file view is what sendfile sends, so it must
 * be cut with the memory view, or the whole file goes out around the
 * banner.
 */

static void
ngx_http_egov_buf_cut(ngx_buf_t *b, u_char *at)
{
    if (b->in_file) {
        b->file_last -= b->last - at;
    }

    b->last = at;
}


static void
ngx_http_egov_buf_consume(ngx_buf_t *b)
{
    if (b->in_file) {
        b->file_pos = b->file_last;
    }

    b->pos = b->last;
}


/* the banner as it was rendered, read only: no copy */

ngx_int_t
ngx_http_egov_banner_insert(ngx_http_request_t *r,
    ngx_http_egov_banner_filter_t *f, ngx_chain_t ***last)
{
    ngx_buf_t                    *b;
    ngx_http_egov_consent_ctx_t  *ctx;

    if (f->insert.data == NULL) {
        /* rendered once the page's <html lang> was read, or not found */

        ctx = ngx_http_get_module_ctx(r->main, ngx_http_egov_consent_module);

        if (ctx == NULL
            || ngx_http_egov_banner_render_insert(r, ctx, f) != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_ERROR;
    }

    b->pos = f->insert.data;
    b->last = f->insert.data + f->insert.len;
    b->memory = 1;

    f->inserted = 1;

    return ngx_http_egov_banner_pass(r, b, last);
}


/*
 * A buffer whose bytes all wait in f->hold: consumed, so its owner may
 * reuse it; its flags go on in an empty buffer
 */

static ngx_int_t
ngx_http_egov_banner_consumed(ngx_http_request_t *r, ngx_buf_t *b,
    ngx_chain_t ***last)
{
    ngx_http_egov_buf_consume(b);

    return ngx_http_egov_banner_flags(r, b, last);
}


/* a buffer's last_buf and flush go on in an empty buffer of their own */

static ngx_int_t
ngx_http_egov_banner_flags(ngx_http_request_t *r, ngx_buf_t *b,
    ngx_chain_t ***last)
{
    ngx_buf_t  *e;

    if (!b->last_buf && !b->flush) {
        return NGX_OK;
    }

    e = ngx_calloc_buf(r->pool);
    if (e == NULL) {
        return NGX_ERROR;
    }

    e->last_buf = b->last_buf;
    e->last_in_chain = b->last_in_chain;
    e->flush = b->flush;
    e->sync = !e->flush;

    return ngx_http_egov_banner_pass(r, e, last);
}


/*
 * With nonces: the page is read by ngx_egov_html_scan.c, the nonce goes in
 * before the ">" of every <script> and <style> start tag that has none,
 * the banner before "</body".  Nothing of the page is copied: what goes on
 * are views of the input buffer between those places, and the input is
 * marked sent only when the last view of it is (its shadow), so that the
 * buffer's owner (a static file's reader, proxy buffering, its temporary
 * files) keeps the pace of the client and memory stays bounded; the
 * views' buffers are reused.  What may be "</body" at the end of a buffer
 * (at most 6 bytes) is copied and waits for the next one.
 */

ngx_int_t
ngx_http_egov_banner_rewrite(ngx_http_request_t *r,
    ngx_http_egov_banner_filter_t *f, ngx_buf_t *b, ngx_chain_t ***last)
{
    int            rc;
    unsigned       flags;
    ngx_buf_t     *view;
    ngx_uint_t     changed;
    const u_char  *pos, *seg, *at;

    if (ngx_buf_size(b) == 0 && !b->in_file) {
        /*
         * flags only (flush, sync, the end of a slice): a tag held goes
         * on with the next bytes, as the page's reading does
         */
        return ngx_http_egov_banner_pass(r, b, last);
    }

    if (!ngx_buf_in_memory(b)) {
        return ngx_http_egov_banner_file(r, f, b, last);
    }

    pos = b->pos;
    seg = b->pos;
    view = NULL;
    changed = 0;

    for ( ;; ) {
        flags = (f->inserted ? 0 : NGX_EGOV_HTML_F_BODY)
                | (f->nonce_attr.len ? NGX_EGOV_HTML_F_NONCE : 0)
                | (f->markup ? NGX_EGOV_HTML_F_GATE : 0)
                | (f->html_lang ? NGX_EGOV_HTML_F_HTML : 0);

        at = NULL;
        rc = ngx_egov_html_next(&f->html, &pos, b->last, flags, &at);

        if (rc == NGX_EGOV_HTML_END) {
            break;
        }

        if (rc == NGX_EGOV_HTML_PARTIAL && at == NULL) {
            /* the held beginning goes on in this buffer: it all waits */

            changed = 1;

            if (ngx_http_egov_banner_hold(r, f, b->pos, b->last - b->pos)
                == NGX_OK)
            {
                seg = b->last;
                break;
            }

            /* too long to hold: it goes on as it is, a script made inert */

            rc = ngx_http_egov_banner_cut(r, f, f->hold, f->hold_len, b,
                                          &seg, last, &view);
            if (rc != NGX_OK) {
                return NGX_ERROR;
            }

            f->hold_len = 0;
            ngx_egov_html_drop(&f->html);
            break;
        }

        if (rc == NGX_EGOV_HTML_BODY && at == NULL) {
            /* "</body" began in the held bytes: the banner goes first */

            if (ngx_http_egov_banner_insert(r, f, last) != NGX_OK
                || ngx_http_egov_banner_link(r, f->hold, f->hold_len, last)
                   != NGX_OK)
            {
                return NGX_ERROR;
            }

            f->hold_len = 0;
            changed = 1;
            continue;
        }

        if (rc == NGX_EGOV_HTML_TAG && f->html.lt == NULL) {
            /* a marked tag that began in the held bytes: whole, at last */

            changed = 1;
            seg = at + 1;

            if (ngx_http_egov_banner_hold(r, f, b->pos, at + 1 - b->pos)
                == NGX_OK)
            {
                rc = ngx_http_egov_banner_tag(r, f, f->hold, f->hold_len, 1,
                                              last, NULL);

            } else if (f->html.tag == NGX_EGOV_TAG_HTML) {

                /*
                 * an <html> tag too long to hold: as it is, and the
                 * banner speaks the visitor's language (only marked tags
                 * are made inert)
                 */

                f->html_lang = 0;

                rc = ngx_http_egov_banner_link(r, f->hold, f->hold_len, last);

                if (rc == NGX_OK) {
                    view = ngx_http_egov_banner_view(r, f, b->pos, at + 1,
                                                     last);
                    rc = (view == NULL) ? NGX_ERROR : NGX_OK;
                }

            } else {
                /* too long to rewrite: inert, without its attributes */

                ngx_log_error(NGX_LOG_WARN, ngx_http_egov_quiet_log(r), 0,
                              "egov consent: a marked tag longer than %uz "
                              "bytes was served inert, without its "
                              "attributes", (size_t) NGX_HTTP_EGOV_TAG_MAX);

                rc = (f->html.tag == NGX_EGOV_TAG_IFRAME)
                     ? ngx_http_egov_banner_link(r, (u_char *)
                                        "<iframe hidden=\"\">", 18, last)
                     : ngx_http_egov_banner_link(r, (u_char *)
                                        "<script type=\"text/plain\">", 26,
                                        last);
            }

            if (rc != NGX_OK) {
                return NGX_ERROR;
            }

            f->hold_len = 0;
            continue;
        }

        if (f->hold_len) {
            if (ngx_http_egov_banner_link(r, f->hold, f->hold_len, last)
                != NGX_OK)
            {
                return NGX_ERROR;
            }

            f->hold_len = 0;
        }

        changed = 1;

        if (rc == NGX_EGOV_HTML_TAG) {
            /* a marked tag, whole in this buffer */

            if (f->html.lt > seg) {
                view = ngx_http_egov_banner_view(r, f, seg, f->html.lt, last);
                if (view == NULL) {
                    return NGX_ERROR;
                }
            }

            /* its pieces are views of the input: the last one holds it */

            if (ngx_http_egov_banner_tag(r, f, f->html.lt,
                                         at + 1 - f->html.lt, 0, last, &view)
                != NGX_OK)
            {
                return NGX_ERROR;
            }

            seg = at + 1;
            continue;
        }

        if (at > seg) {
            view = ngx_http_egov_banner_view(r, f, seg, at, last);
            if (view == NULL) {
                return NGX_ERROR;
            }
        }

        seg = at;

        if (rc == NGX_EGOV_HTML_PARTIAL) {
            if (ngx_http_egov_banner_hold(r, f, at, b->last - at) == NGX_OK) {
                seg = b->last;

            } else {
                /* too long to hold: it goes on as it is, made inert */

                if (ngx_http_egov_banner_cut(r, f, NULL, 0, b, &seg, last,
                                             &view)
                    != NGX_OK)
                {
                    return NGX_ERROR;
                }

                ngx_egov_html_drop(&f->html);
            }

            break;
        }

        if (rc == NGX_EGOV_HTML_BODY) {
            if (ngx_http_egov_banner_insert(r, f, last) != NGX_OK) {
                return NGX_ERROR;
            }

            continue;
        }

        /* NGX_EGOV_HTML_NONCE; after "name=", an empty value first */

        if (f->html.pending
            && ngx_http_egov_banner_view(r, f, (u_char *) "\"\"",
                                         (u_char *) "\"\"" + 2, last)
               == NULL)
        {
            return NGX_ERROR;
        }

        if (ngx_http_egov_banner_view(r, f, f->nonce_attr.data,
                                      f->nonce_attr.data + f->nonce_attr.len,
                                      last)
            == NULL)
        {
            return NGX_ERROR;
        }
    }

    if (f->hold_len && seg < b->last) {
        /* held bytes that were no "</body" after all go on first */

        if (ngx_http_egov_banner_link(r, f->hold, f->hold_len, last)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        f->hold_len = 0;
    }

    if (!changed) {
        return ngx_http_egov_banner_pass(r, b, last);
    }

    if (seg < b->last) {
        view = ngx_http_egov_banner_view(r, f, seg, b->last, last);
        if (view == NULL) {
            return NGX_ERROR;
        }
    }

    /* the input is sent when its last view is; without one, now */

    if (view) {
        view->shadow = b;
        view->recycled = b->recycled;

    } else {
        ngx_http_egov_buf_consume(b);
    }

    return ngx_http_egov_banner_flags(r, b, last);
}


/* the banner (or the settings link) in the page's language */

static ngx_int_t
ngx_http_egov_banner_render_insert(ngx_http_request_t *r,
    ngx_http_egov_consent_ctx_t *ctx, ngx_http_egov_banner_filter_t *f)
{
    ngx_http_egov_tpl_t               *tpl;
    ngx_http_egov_consent_loc_conf_t  *clcf;

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_egov_consent_module);

    tpl = (ctx->inject & NGX_HTTP_EGOV_INJECT_BANNER)
          ? &clcf->texts[ctx->lang].banner : &clcf->texts[ctx->lang].link;

    return ngx_http_egov_banner_render(r, clcf, ctx, tpl, &f->insert);
}


/*
 * The first <html> start tag: a page without Content-Language says its
 * language there, and the banner, not yet in, speaks it
 */

void
ngx_http_egov_banner_html_lang(ngx_http_request_t *r,
    ngx_http_egov_banner_filter_t *f, const u_char *tag, size_t len)
{
    int                           lang;
    ngx_egov_html_tag_t           t;
    ngx_http_egov_consent_ctx_t  *ctx;

    f->html_lang = 0;

    ctx = ngx_http_get_module_ctx(r->main, ngx_http_egov_consent_module);

    if (ctx == NULL || !ngx_egov_html_tag_read(tag, len, &t)
        || t.lang.value == NULL)
    {
        return;
    }

    lang = ngx_egov_lang_of_page(t.lang.value, t.lang.value_len);

    if (lang < 0 || (ngx_egov_lang_e) lang == ctx->lang) {
        return;
    }

    /* the banner, not yet rendered (ngx_http_egov_banner_insert), and
       the placeholders of held back iframes speak it */

    ctx->lang = (ngx_egov_lang_e) lang;
}


/*
 * Bytes join those waiting, when they fit: a marked tag cut by the end of
 * a buffer gets room for NGX_HTTP_EGOV_TAG_MAX bytes when it first needs
 * it (most responses never do: a page from its map, a page whose tags are
 * whole in their buffers).  Without memory for it, the tag is too long to
 * hold: it goes on inert.
 */

static ngx_int_t
ngx_http_egov_banner_hold(ngx_http_request_t *r,
    ngx_http_egov_banner_filter_t *f, const u_char *p, size_t len)
{
    u_char  *hold;
    size_t   max;

    if (len > f->hold_cap - f->hold_len) {

        /* a marked tag, or the <html> tag whose lang is read */

        max = (f->markup || f->html_lang) ? NGX_HTTP_EGOV_TAG_MAX
                                          : NGX_HTTP_EGOV_HOLD_MAX;

        if (len > max - f->hold_len || f->hold_cap == max) {
            return NGX_DECLINED;
        }

        hold = ngx_pnalloc(r->pool, max);
        if (hold == NULL) {
            return NGX_DECLINED;
        }

        ngx_memcpy(hold, f->hold, f->hold_len);
        f->hold = hold;
        f->hold_cap = max;
    }

    ngx_memcpy(f->hold + f->hold_len, p, len);
    f->hold_len += len;

    return NGX_OK;
}


/*
 * A <script> or <iframe> start tag too long to hold whole (cut by the end
 * of a buffer, over NGX_HTTP_EGOV_TAG_MAX): whether it is marked may be
 * written after the cut, so, with markup gating, it goes on as written
 * with an attribute that makes it inert right after its name (browsers
 * keep the first of two attributes of one name).  Its beginning is in
 * "held" (copied) or at *seg in b (views); *seg moves past what went on.
 */

static ngx_int_t
ngx_http_egov_banner_cut(ngx_http_request_t *r,
    ngx_http_egov_banner_filter_t *f, const u_char *held, size_t held_len,
    ngx_buf_t *b, const u_char **seg, ngx_chain_t ***last, ngx_buf_t **view)
{
    ngx_str_t      inert;
    ngx_uint_t     in_held;
    const u_char  *p, *start, *end;


    if (!f->markup || f->html.end_tag
        || (f->html.tag != NGX_EGOV_TAG_SCRIPT
            && f->html.tag != NGX_EGOV_TAG_IFRAME))
    {
        return (held_len == 0)
               ? NGX_OK
               : ngx_http_egov_banner_link(r, (u_char *) held, held_len,
                                           last);
    }

    inert = (f->html.tag == NGX_EGOV_TAG_SCRIPT)
            ? ngx_http_egov_inert_script : ngx_http_egov_inert_iframe;

    ngx_log_error(NGX_LOG_WARN, ngx_http_egov_quiet_log(r), 0,
                  (b == NULL)
                  ? "egov consent: an include ends inside a <%s> tag, "
                    "which what follows it may end: served inert"
                  : "egov consent: a <%s> tag longer than %uz bytes, cut "
                    "by the end of a buffer, was served inert",
                  (f->html.tag == NGX_EGOV_TAG_SCRIPT) ? "script" : "iframe",
                  (size_t) NGX_HTTP_EGOV_TAG_MAX);

    /* its name ends at a space, "/" or ">", in what was held or in b */

    in_held = (held_len != 0);
    start = (in_held ? held : *seg) + 1;      /* past its "<" */
    end = in_held ? held + held_len : b->last;

    for ( ;; ) {
        p = ngx_egov_html_name_end(start, end);

        if (p < end || !in_held) {
            break;
        }

        /* the whole of "held" is the name's beginning: it ends in b */

        if (ngx_http_egov_banner_link(r, (u_char *) held, held_len, last)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        in_held = 0;
        start = *seg;
        end = b->last;
    }

    if (in_held) {
        if (ngx_http_egov_banner_link(r, (u_char *) held, p - held, last)
               != NGX_OK
            || ngx_http_egov_banner_link(r, inert.data, inert.len, last)
               != NGX_OK
            || ngx_http_egov_banner_link(r, (u_char *) p, end - p, last)
               != NGX_OK)
        {
            return NGX_ERROR;
        }

        return NGX_OK;
    }

    if (p > *seg) {
        *view = ngx_http_egov_banner_view(r, f, *seg, p, last);
        if (*view == NULL) {
            return NGX_ERROR;
        }
    }

    if (ngx_http_egov_banner_view(r, f, inert.data, inert.data + inert.len,
                                  last)
        == NULL)
    {
        return NGX_ERROR;
    }

    *seg = p;

    return NGX_OK;
}


/*
 * A marked tag as this visitor gets it (ngx_http_egov_consent_markup.c):
 * slices of a tag in the input go on as views of it; a tag that waited in
 * f->hold, which the next one reuses, is copied
 */

static ngx_int_t
ngx_http_egov_banner_tag(ngx_http_request_t *r,
    ngx_http_egov_banner_filter_t *f, const u_char *tag, size_t len,
    ngx_uint_t held, ngx_chain_t ***last, ngx_buf_t **view)
{
    u_char                 *p;
    size_t                  i, n, total;
    ngx_buf_t              *b;
    ngx_egov_html_piece_t   pieces[NGX_EGOV_HTML_PIECES_MAX + 1];

    if (f->html.tag == NGX_EGOV_TAG_HTML) {
        /* <html>: its lang, the tag as it is */
        ngx_http_egov_banner_html_lang(r, f, tag, len);
        pieces[0].data = tag;
        pieces[0].len = len;
        n = 1;

    } else if (ngx_http_egov_markup_tag(r, tag, len, f->html.foreign,
                                        &f->nonce_attr, pieces, &n)
               != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (!held) {
        for (i = 0; i < n; i++) {
            b = ngx_http_egov_banner_view(r, f, pieces[i].data,
                                          pieces[i].data + pieces[i].len,
                                          last);
            if (b == NULL) {
                return NGX_ERROR;
            }

            *view = b;
        }

        return NGX_OK;
    }

    for (total = 0, i = 0; i < n; i++) {
        total += pieces[i].len;
    }

    b = ngx_create_temp_buf(r->pool, total ? total : 1);
    if (b == NULL) {
        return NGX_ERROR;
    }

    for (p = b->last, i = 0; i < n; i++) {
        p = ngx_cpymem(p, pieces[i].data, pieces[i].len);
    }

    b->last = p;

    return ngx_http_egov_banner_pass(r, b, last);
}


/*
 * An include ends with bytes held: what follows it (the page's) may end a
 * marked <script> or <iframe> tag it began, and the tag would be live
 * without its reading; it goes on inert, as a tag too long to hold does.
 * Anything else held goes on as it is.
 */

ngx_int_t
ngx_http_egov_banner_include_end(ngx_http_request_t *r,
    ngx_http_egov_banner_filter_t *f, ngx_chain_t ***last)
{
    int         in_tag;
    ngx_int_t   rc;
    ngx_str_t  *inert;


    in_tag = f->markup && !f->html.end_tag ? ngx_egov_html_in_tag(&f->html)
                                           : 0;

    if (in_tag == 2
        && (f->html.tag == NGX_EGOV_TAG_SCRIPT
            || f->html.tag == NGX_EGOV_TAG_IFRAME))
    {
        /* its name is whole in what is held: no buffer is looked at */
        rc = ngx_http_egov_banner_cut(r, f, f->hold, f->hold_len, NULL, NULL,
                                      last, NULL);

    } else if (in_tag == 1 && f->html.len >= 3 && f->html.len <= 6
               && (ngx_strncmp(f->html.name, "script", f->html.len) == 0
                   || ngx_strncmp(f->html.name, "iframe", f->html.len) == 0))
    {
        /*
         * within its name ("<script", "<scr"): the page may go on with
         * the rest of it and the marking; the inert attributes go after
         * what is held (with the rest of a name after them, it is another
         * element, unknown and harmless)
         */

        ngx_log_error(NGX_LOG_WARN, ngx_http_egov_quiet_log(r), 0,
                      "egov consent: an include ends inside a <%*s tag's "
                      "name, which what follows it may end: served inert",
                      (size_t) f->html.len, f->html.name);

        rc = ngx_http_egov_banner_link(r, f->hold, f->hold_len, last);

        if (rc == NGX_OK) {
            inert = (f->html.name[0] == 's') ? &ngx_http_egov_inert_script
                                             : &ngx_http_egov_inert_iframe;
            rc = ngx_http_egov_banner_link(r, inert->data, inert->len, last);
        }

    } else {
        rc = ngx_http_egov_banner_link(r, f->hold, f->hold_len, last);
    }

    f->hold_len = 0;
    ngx_egov_html_drop(&f->html);

    return rc;
}


/* a read-only view of [p, end), in a buffer and a link reused */

static ngx_buf_t *
ngx_http_egov_banner_view(ngx_http_request_t *r,
    ngx_http_egov_banner_filter_t *f, const u_char *p, const u_char *end,
    ngx_chain_t ***last)
{
    ngx_buf_t    *b;
    ngx_chain_t  *cl;

    cl = ngx_chain_get_free_buf(r->pool, &f->free);
    if (cl == NULL) {
        return NULL;
    }

    b = cl->buf;
    ngx_memzero(b, sizeof(ngx_buf_t));

    b->pos = (u_char *) p;
    b->last = (u_char *) end;
    b->memory = 1;
    b->tag = (ngx_buf_tag_t) &ngx_http_egov_banner_start;

    **last = cl;
    *last = &cl->next;

    return b;
}


/*
 * After the next filters: the views they have sent go back to the free
 * list, and the input a sent view stood for is marked sent
 */

void
ngx_http_egov_banner_recycle(ngx_http_request_t *r,
    ngx_http_egov_banner_filter_t *f, ngx_chain_t *out)
{
    ngx_chain_t  *cl, **ll;

    for (ll = &f->busy; *ll; ll = &(*ll)->next) { /* void */ }

    *ll = out;

    while (f->busy) {
        cl = f->busy;

        if (ngx_buf_size(cl->buf) != 0) {
            break;
        }

        f->busy = cl->next;

        /* a buffer of another's (passed as it came) keeps its shadow */

        if (cl->buf->tag != (ngx_buf_tag_t) &ngx_http_egov_banner_start) {
            ngx_free_chain(r->pool, cl);
            continue;
        }

        if (cl->buf->shadow) {
            ngx_http_egov_buf_consume(cl->buf->shadow);
            cl->buf->shadow = NULL;
        }

        cl->next = f->free;
        f->free = cl;
    }
}


/*
 * A page in a file: where "</body" is in its last NGX_HTTP_EGOV_TAIL bytes
 * and what follows it are kept per worker for each version of a file
 * (device, inode, size, modification time), so the file is read once, not
 * on every request; the page up to there goes on as a file buffer
 * (sendfile).  Earlier file buffers pass untouched (a proxied page
 * buffered to disk comes in several).
 */

static ngx_int_t
ngx_http_egov_banner_file(ngx_http_request_t *r,
    ngx_http_egov_banner_filter_t *f, ngx_buf_t *b, ngx_chain_t ***last)
{
    off_t                        end;
    ngx_int_t                    rc;
    ngx_buf_t                   *mb;
    ngx_http_egov_page_end_t    *pe;

    if (f->hold_len) {
        /* a tag cut between memory and a file: it was not one of ours */
        if (ngx_http_egov_banner_link(r, f->hold, f->hold_len, last)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        f->hold_len = 0;
    }

    if (f->inserted || !b->last_buf || !b->in_file) {
        return ngx_http_egov_banner_pass(r, b, last);
    }

    rc = ngx_http_egov_banner_page_end(r, f, b, &pe);
    if (rc != NGX_OK) {
        return rc;
    }

    if (pe->page_len && pe->file_pos == b->file_pos) {
        return ngx_http_egov_banner_small(r, f, b, pe, last);
    }

    ngx_http_egov_banner_cork(r);

    /* the file up to there, then the banner and what followed */

    end = b->file_last;
    b->file_last = end - pe->follow_len;
    b->last_buf = 0;
    b->last_in_chain = 0;

    if (b->file_last <= b->file_pos) {
        b->file_last = b->file_pos;
        b->in_file = 0;
        b->sync = 1;
    }

    mb = ngx_http_egov_banner_then(r, f, b, last);
    if (mb == NULL) {
        return NGX_ERROR;
    }

    if (pe->follow_len == 0) {
        mb->sync = 1;

    } else if (pe->follow_len <= NGX_HTTP_EGOV_FOLLOW_MAX) {
        /* a copy: another page may take the cache's place before it is sent */
        mb->pos = ngx_pnalloc(r->pool, pe->follow_len);
        if (mb->pos == NULL) {
            return NGX_ERROR;
        }

        mb->last = ngx_cpymem(mb->pos, pe->follow, pe->follow_len);
        mb->memory = 1;

    } else {
        mb->file = b->file;
        mb->file_pos = end - pe->follow_len;
        mb->file_last = end;
        mb->in_file = 1;
    }

    return ngx_http_egov_banner_pass(r, mb, last);
}


/* a whole page from memory: up to "</body", the banner, what follows */

static ngx_int_t
ngx_http_egov_banner_small(ngx_http_request_t *r,
    ngx_http_egov_banner_filter_t *f, ngx_buf_t *b,
    ngx_http_egov_page_end_t *pe, ngx_chain_t ***last)
{
    u_char              *p;
    size_t               head;
    ngx_buf_t           *mb;
    ngx_pool_cleanup_t  *cln;

    p = pe->page;

    if (!pe->own) {

        /* the worker's copy: held until the request ends */

        cln = ngx_pool_cleanup_add(r->pool, 0);
        if (cln == NULL) {
            return NGX_ERROR;
        }

        pe->refs++;
        cln->handler = ngx_http_egov_banner_release;
        cln->data = pe;
    }

    head = pe->page_len - pe->follow_len;

    /* the file's buffer now holds the page up to there, from memory */

    b->file_pos = b->file_last;
    b->in_file = 0;
    b->last_buf = 0;
    b->last_in_chain = 0;

    if (head) {
        b->pos = p;
        b->last = p + head;
        b->memory = 1;

    } else {
        b->sync = 1;
    }

    mb = ngx_http_egov_banner_then(r, f, b, last);
    if (mb == NULL) {
        return NGX_ERROR;
    }

    if (pe->follow_len) {
        mb->pos = p + head;
        mb->last = p + pe->page_len;
        mb->memory = 1;

    } else {
        mb->sync = 1;
    }

    return ngx_http_egov_banner_pass(r, mb, last);
}


/*
 * The page's buffer up to "</body", then the banner: the last buffer, for
 * what follows, or NULL
 */

static ngx_buf_t *
ngx_http_egov_banner_then(ngx_http_request_t *r,
    ngx_http_egov_banner_filter_t *f, ngx_buf_t *b, ngx_chain_t ***last)
{
    ngx_buf_t  *mb;

    if (ngx_http_egov_banner_pass(r, b, last) != NGX_OK
        || ngx_http_egov_banner_insert(r, f, last) != NGX_OK)
    {
        return NULL;
    }

    mb = ngx_calloc_buf(r->pool);
    if (mb == NULL) {
        return NULL;
    }

    mb->last_buf = 1;
    mb->last_in_chain = 1;

    return mb;
}


static void
ngx_http_egov_banner_release(void *data)
{
    ngx_http_egov_page_end_t  *pe = data;

    pe->refs--;
}


/*
 * The end of a page in a file: how many bytes follow "</body" (all of the
 * tail when there is none), from the worker's cache or read once: NGX_AGAIN
 * while a thread reads it
 */

static ngx_int_t
ngx_http_egov_banner_page_end(ngx_http_request_t *r,
    ngx_http_egov_banner_filter_t *f, ngx_buf_t *b,
    ngx_http_egov_page_end_t **end)
{
    int                            partial;
    u_char                        *p, *from;
    off_t                          range, size, start;
    ssize_t                        n;
    ngx_uint_t                     i;
    ngx_file_info_t                fi;
    ngx_http_egov_page_end_t      *pe;
    ngx_http_egov_file_version_t   version;

    /*
     * The version is what the file was before it was read: read first, a
     * change during the read would be kept under the new version's name
     * for good (a thread's read: its resume comes here again, with what
     * was known before it)
     */

    if (f->reading) {
        fi = f->fi;

    } else if (ngx_fd_info(b->file->fd, &fi) == NGX_FILE_ERROR) {
        ngx_log_error(NGX_LOG_ERR, ngx_http_egov_quiet_log(r), ngx_errno,
                      ngx_fd_info_n " \"%V\" failed", &b->file->name);
        return NGX_ERROR;
    }

    i = (ngx_uint_t) ((fi.st_ino ^ fi.st_dev) % NGX_HTTP_EGOV_PAGE_ENDS);
    pe = &ngx_http_egov_page_ends[i];

    ngx_http_egov_file_version(&fi, &version);

    if (!f->reading
        && pe->used && ngx_http_egov_file_version_eq(&pe->version, &version)
        && pe->file_last == b->file_last
        && (pe->page_len == 0 || pe->file_pos == b->file_pos))
    {
        *end = pe;
        return NGX_OK;
    }

    /* a page up to NGX_HTTP_EGOV_PAGE_MAX is read whole, else its end */

    range = b->file_last - b->file_pos;
    size = (range <= NGX_HTTP_EGOV_PAGE_MAX) ? range : NGX_HTTP_EGOV_TAIL;
    start = b->file_last - size;

    n = ngx_http_egov_banner_read_end(r, f, b, (size_t) size, start);

    if (n == NGX_AGAIN) {
        f->fi = fi;
        return NGX_AGAIN;
    }

    if (n != size) {
        ngx_log_error(NGX_LOG_ERR, ngx_http_egov_quiet_log(r), 0,
                      "egov consent: could not read the end of \"%V\"",
                      &b->file->name);
        return NGX_ERROR;
    }

    /* the first "</body" in its last bytes, as in a page through memory */

    from = f->tail + size - ngx_min(size, NGX_HTTP_EGOV_TAIL);

    p = ngx_egov_find_close_body(from, f->tail + size, &partial,
                                 ngx_http_egov_banner_find_level);

    if (p == NULL || partial) {
        p = f->tail + size;
    }

    if (pe->refs) {
        /* the cached page is being sent: this request keeps what it read */

        pe = ngx_pcalloc(r->pool, sizeof(ngx_http_egov_page_end_t));
        if (pe == NULL) {
            return NGX_ERROR;
        }

        pe->own = 1;
    }

    pe->used = 1;
    pe->version = version;
    pe->file_last = b->file_last;
    pe->file_pos = b->file_pos;
    pe->follow_len = (f->tail + size) - p;

    if (pe->follow_len <= NGX_HTTP_EGOV_FOLLOW_MAX) {
        ngx_memcpy(pe->follow, p, pe->follow_len);
    }

    pe->page_len = 0;

    if (start != b->file_pos || size == 0) {
        *end = pe;
        return NGX_OK;
    }

    /* the whole page was read: kept whole */

    if (pe->own) {
        pe->page = f->tail;

    } else if (pe->page_cap < (size_t) size) {
        if (pe->page) {
            ngx_free(pe->page);
        }

        pe->page_cap = 0;
        pe->page = ngx_alloc(NGX_HTTP_EGOV_PAGE_MAX, r->connection->log);

        if (pe->page == NULL) {
            *end = pe;
            return NGX_OK;    /* sent by sendfile */
        }

        pe->page_cap = NGX_HTTP_EGOV_PAGE_MAX;
    }

    if (!pe->own) {
        ngx_memcpy(pe->page, f->tail, (size_t) size);
    }

    pe->page_len = (size_t) size;
    *end = pe;

    return NGX_OK;
}


/*
 * Where the location reads files in threads ("aio threads": the copy
 * filter then gave the file its thread handler), the end is read there,
 * as nginx reads a file itself, the request waiting; elsewhere it is read
 * in the worker, as nginx itself would read it (once per version of a
 * file, 4 KiB).
 */

static ssize_t
ngx_http_egov_banner_read_end(ngx_http_request_t *r,
    ngx_http_egov_banner_filter_t *f, ngx_buf_t *b, size_t size,
    off_t start)
{
    ssize_t  n;

    if (f->tail == NULL) {
        f->tail = ngx_pnalloc(r->pool, ngx_max(size, 1));
        if (f->tail == NULL) {
            return NGX_ERROR;
        }
    }

#if (NGX_THREADS)

    if (b->file->thread_handler) {

        if (f->reading && b->file->thread_task
            && b->file->thread_task->event.active)
        {
            return NGX_AGAIN;    /* still being read */
        }

        n = ngx_thread_read(b->file, f->tail, size, start, r->pool);

        f->reading = (n == NGX_AGAIN);

        return n;
    }

#endif

    n = ngx_read_file(b->file, f->tail, size, start);

    return n;
}


/*
 * The header, the file up to </body>, the banner and the page's end go out
 * by three calls (writev, sendfile, writev); corked, the kernel sends them
 * as full packets, as plain nginx's two calls do, instead of pushing each
 * (measured: 3 to 6 us less worker CPU per 100 KB page).  nginx uncorks
 * when the request ends, as after its own tcp_nopush (keepalive, lingering
 * close and close all flush).  TCP_NODELAY is set first: nginx on Linux
 * does not set it after uncorking, and without it the next response on the
 * connection could wait for a delayed ACK.  Not when a pipelined request
 * is already read (it would hold this response's end until its own), nor
 * over TLS or HTTP/2, where nginx does not send by sendfile.
 */

void
ngx_http_egov_banner_cork(ngx_http_request_t *r)
{
    ngx_connection_t          *c;
    ngx_http_core_loc_conf_t  *clcf;

    c = r->connection;

    if (c->tcp_nopush == NGX_TCP_NOPUSH_SET
        || !c->sendfile
#if (NGX_HTTP_SSL)
        || c->ssl
#endif
#if (NGX_HTTP_V2)
        || r->stream
#endif
        || r->header_in->pos < r->header_in->last)
    {
        return;
    }

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

    if (clcf->tcp_nodelay && ngx_tcp_nodelay(c) != NGX_OK) {
        return;
    }

    if (ngx_tcp_nopush(c->fd) == -1) {
        ngx_log_error(NGX_LOG_INFO, c->log, ngx_socket_errno,
                      ngx_tcp_nopush_n " failed");
        return;
    }

    c->tcp_nopush = NGX_TCP_NOPUSH_SET;

    ngx_log_debug0(NGX_LOG_DEBUG_HTTP, c->log, 0,
                   "egov consent: corked for the banner");
}


ngx_int_t
ngx_http_egov_banner_pass(ngx_http_request_t *r, ngx_buf_t *b,
    ngx_chain_t ***last)
{
    ngx_chain_t  *cl;

    cl = ngx_alloc_chain_link(r->pool);
    if (cl == NULL) {
        return NGX_ERROR;
    }

    cl->buf = b;
    cl->next = NULL;
    **last = cl;
    *last = &cl->next;

    return NGX_OK;
}


/* a copy of the bytes, in a buffer of its own, goes on */

ngx_int_t
ngx_http_egov_banner_link(ngx_http_request_t *r, u_char *data, size_t len,
    ngx_chain_t ***last)
{
    ngx_buf_t  *b;

    b = ngx_create_temp_buf(r->pool, len ? len : 1);
    if (b == NULL) {
        return NGX_ERROR;
    }

    b->last = ngx_cpymem(b->last, data, len);

    return ngx_http_egov_banner_pass(r, b, last);
}


/* the next body filter, for this filter's other files */

ngx_int_t
ngx_http_egov_banner_next(ngx_http_request_t *r, ngx_chain_t *in)
{
    return ngx_http_next_body_filter(r, in);
}


ngx_int_t
ngx_http_egov_banner_init_filter(ngx_conf_t *cf)
{
    ngx_http_egov_banner_find_level = ngx_egov_find_level();

    ngx_http_next_body_filter = ngx_http_top_body_filter;
    ngx_http_top_body_filter = ngx_http_egov_banner_body_filter;

    return NGX_OK;
}

