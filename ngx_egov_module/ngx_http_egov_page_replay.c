
/*
 * A static page sent from its map (ngx_http_egov_page_map.c): decided
 * before nginx reads the page's file, by the map's filter, which comes
 * before nginx's copy filter.  The response is made of views of the
 * page's bytes between its places, and at each place what this visitor
 * gets (a nonce, a marked tag's rewrite, the banner), as the consent
 * filter would have made it of the file's bytes.
 */


#include "ngx_http_egov_banner_filter.h"


/* views of a page sent from its map are allocated so many at a time */
#define NGX_HTTP_EGOV_REPLAY_BLOCK  16

/* a run of a page sent from its map this long goes by sendfile */
#define NGX_HTTP_EGOV_SENDFILE_MIN  32768


/* a response being made of a page's map */
typedef struct {
    ngx_chain_t                *out;
    ngx_chain_t               **last;
    ngx_http_egov_page_map_t   *map;
    ngx_buf_t                  *run;         /* the last buffer, of the page */
    ngx_buf_t                  *longest;     /* the longest run of it */
    size_t                      longest_len;
    ngx_buf_t                  *bufs;        /* made a block at a time */
    ngx_chain_t                *links;
    ngx_uint_t                  nfree;
} ngx_http_egov_replay_t;


static ngx_int_t ngx_http_egov_page_replay(ngx_http_request_t *r,
    ngx_http_egov_banner_filter_t *f, ngx_http_egov_page_map_t *map,
    ngx_chain_t **in);
static ngx_int_t ngx_http_egov_replay_bytes(ngx_http_request_t *r,
    ngx_http_egov_replay_t *rp, const u_char *p, const u_char *end);
static ngx_int_t ngx_http_egov_replay_sendfile(ngx_http_request_t *r,
    ngx_http_egov_replay_t *rp);


/*
 * Before nginx reads a page's file (ngx_http_egov_page_map_module's
 * filter, first of the response's body): a static page whose map is known
 * goes out from it, else the page is read into memory for the filter to
 * scan, and, when it is a static file, recorded for the next requests
 */

ngx_int_t
ngx_http_egov_banner_early(ngx_http_request_t *r, ngx_chain_t **in)
{
    ngx_int_t                          rc;
    ngx_http_egov_page_map_t          *map;
    ngx_http_egov_consent_ctx_t       *ctx;
    ngx_http_egov_banner_filter_t     *f;
    ngx_http_egov_consent_loc_conf_t  *clcf;

    ctx = ngx_http_get_module_ctx(r->main, ngx_http_egov_consent_module);

    if (ctx == NULL || ctx->filter == NULL) {
        return NGX_OK;
    }

    f = ctx->filter;

    if (r != r->main) {
        /* an include's markup is read as the page's (banner_include.c) */

        if (f->markup || f->nonce_attr.len) {
            r->filter_need_in_memory = 1;
        }

        return NGX_OK;
    }

    if (!f->scan || f->decided) {
        return NGX_OK;
    }

    f->decided = 1;

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_egov_consent_module);

    map = NULL;
    rc = clcf->page_map ? ngx_http_egov_page_map_get(r, *in, &map)
                        : NGX_DECLINED;

    if (rc == NGX_OK) {
        return ngx_http_egov_page_replay(r, f, map, in);
    }

    if (rc == NGX_ERROR) {
        return NGX_ERROR;
    }

    f->map = map;
    r->filter_need_in_memory = 1;

    return NGX_OK;
}


/*
 * The page from its map, as ngx_http_egov_banner_rewrite would have made
 * it of the file's bytes: the places this request does not look for are
 * left as the page has them.  The file's buffer is not sent.
 */

static ngx_int_t
ngx_http_egov_page_replay(ngx_http_request_t *r,
    ngx_http_egov_banner_filter_t *f, ngx_http_egov_page_map_t *map,
    ngx_chain_t **in)
{
    size_t                        i, n;
    ngx_buf_t                    *b;
    ngx_uint_t                    k, granted;
    const u_char                 *page, *seg;
    ngx_http_egov_replay_t        rp;
    ngx_egov_html_piece_t         pieces[NGX_EGOV_HTML_PIECES_MAX + 1];
    ngx_http_egov_page_place_t   *pl;
    ngx_http_egov_consent_ctx_t  *ctx;

    ngx_memzero(&rp, sizeof(ngx_http_egov_replay_t));
    rp.last = &rp.out;
    rp.map = map;

    /* what this visitor granted, once (GPC is a header to look up) */

    ctx = ngx_http_get_module_ctx(r->main, ngx_http_egov_consent_module);
    granted = ngx_http_egov_consent_granted(r, ctx);

    page = map->page;
    seg = page;

    for (k = 0; k < map->nplaces; k++) {
        pl = &map->places[k];

        switch (pl->kind) {

        case NGX_EGOV_HTML_BODY:
            if (f->inserted) {
                continue;
            }

            if (ngx_http_egov_replay_bytes(r, &rp, seg, page + pl->lt)
                != NGX_OK
                || ngx_http_egov_banner_insert(r, f, &rp.last) != NGX_OK)
            {
                return NGX_ERROR;
            }

            rp.run = NULL;
            seg = page + pl->lt;
            continue;

        case NGX_EGOV_HTML_NONCE:
            break;

        default: /* NGX_EGOV_HTML_TAG */

            if (pl->tag == NGX_EGOV_TAG_HTML) {
                if (f->html_lang) {
                    ngx_http_egov_banner_html_lang(r, f, page + pl->lt,
                                                   pl->gt + 1 - pl->lt);
                }

                continue;
            }

            if (!f->markup) {
                if (!pl->nonce) {
                    continue;
                }

                break;    /* a nonce's place, as without markup */
            }

            if (ngx_http_egov_replay_bytes(r, &rp, seg, page + pl->lt)
                != NGX_OK
                || ngx_http_egov_markup_mapped(r, map, pl, granted,
                                               &f->nonce_attr, pieces, &n)
                   != NGX_OK)
            {
                return NGX_ERROR;
            }

            for (i = 0; i < n; i++) {
                if (ngx_http_egov_replay_bytes(r, &rp, pieces[i].data,
                                               pieces[i].data + pieces[i].len)
                    != NGX_OK)
                {
                    return NGX_ERROR;
                }
            }

            seg = page + pl->gt + 1;
            continue;
        }

        /* a nonce before the ">"; after "name=", an empty value first */

        if (f->nonce_attr.len == 0) {
            continue;
        }

        if (ngx_http_egov_replay_bytes(r, &rp, seg, page + pl->gt) != NGX_OK
            || (pl->pending
                && ngx_http_egov_replay_bytes(r, &rp, (u_char *) "\"\"",
                                              (u_char *) "\"\"" + 2)
                   != NGX_OK)
            || ngx_http_egov_replay_bytes(r, &rp, f->nonce_attr.data,
                                          f->nonce_attr.data
                                          + f->nonce_attr.len)
               != NGX_OK)
        {
            return NGX_ERROR;
        }

        seg = page + pl->gt;
    }

    if (ngx_http_egov_replay_bytes(r, &rp, seg, page + map->len) != NGX_OK
        || (!f->inserted && ngx_http_egov_banner_insert(r, f, &rp.last)
                            != NGX_OK))
    {
        return NGX_ERROR;
    }

    /* the file's buffer stays here, its last_buf goes on in the last one */

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_ERROR;
    }

    b->last_buf = 1;
    b->last_in_chain = 1;
    b->sync = 1;

    if (ngx_http_egov_banner_pass(r, b, &rp.last) != NGX_OK
        || ngx_http_egov_replay_sendfile(r, &rp) != NGX_OK)
    {
        return NGX_ERROR;
    }

    (*in)->buf->file_pos = (*in)->buf->file_last;

    /* the consent filter lets it all pass */

    f->scan = 0;
    f->inserted = 1;
    f->html_lang = 0;

    *in = rp.out;

    return NGX_OK;
}


/*
 * Bytes of a response sent from a page's map: a view of the page right
 * after the previous one grows it (a tag this visitor gets as written
 * joins the runs around it)
 */

static ngx_int_t
ngx_http_egov_replay_bytes(ngx_http_request_t *r, ngx_http_egov_replay_t *rp,
    const u_char *p, const u_char *end)
{
    ngx_buf_t    *b;
    ngx_chain_t  *cl;

    if (p == end) {
        return NGX_OK;
    }

    if (rp->run && rp->run->last == p) {
        rp->run->last = (u_char *) end;

    } else {
        if (rp->nfree == 0) {
            /* one allocation for many views: a page has many places */

            rp->bufs = ngx_palloc(r->pool, NGX_HTTP_EGOV_REPLAY_BLOCK
                                           * sizeof(ngx_buf_t));
            rp->links = ngx_palloc(r->pool, NGX_HTTP_EGOV_REPLAY_BLOCK
                                            * sizeof(ngx_chain_t));
            if (rp->bufs == NULL || rp->links == NULL) {
                return NGX_ERROR;
            }

            rp->nfree = NGX_HTTP_EGOV_REPLAY_BLOCK;
        }

        rp->nfree--;
        b = rp->bufs++;
        cl = rp->links++;

        ngx_memzero(b, sizeof(ngx_buf_t));

        b->pos = (u_char *) p;
        b->last = (u_char *) end;
        b->memory = 1;

        cl->buf = b;
        cl->next = NULL;
        *rp->last = cl;
        rp->last = &cl->next;

        rp->run = (p >= rp->map->page && end <= rp->map->page + rp->map->len)
                  ? b : NULL;
    }

    if (rp->run && (size_t) (rp->run->last - rp->run->pos) > rp->longest_len)
    {
        rp->longest = rp->run;
        rp->longest_len = rp->run->last - rp->run->pos;
    }

    return NGX_OK;
}


/*
 * The longest run of the page goes by sendfile, from the map's sealed
 * copy of the page (never the page's file, which may be rewritten in
 * place), where nginx sends files so and the run is long enough to be
 * worth two more system calls; corked, the response goes in one packet
 * less, and the run is not copied into the socket (measured, a 100 KB
 * page from its map: worker CPU 1.46 -> 1.21 of plain nginx's sendfile).
 * One run only: many under a cork met delayed ACKs.
 */

static ngx_int_t
ngx_http_egov_replay_sendfile(ngx_http_request_t *r,
    ngx_http_egov_replay_t *rp)
{
    ngx_buf_t   *b;
    ngx_file_t  *file;

    b = rp->longest;

    if (b == NULL || !rp->map->sealed
        || rp->longest_len < NGX_HTTP_EGOV_SENDFILE_MIN
        || !r->connection->sendfile
#if (NGX_HTTP_SSL)
        || r->connection->ssl
#endif
#if (NGX_HTTP_V2)
        || r->stream
#endif
        )
    {
        return NGX_OK;
    }

    /* a file of this request's: nginx's aio writes its task into it */

    file = ngx_pcalloc(r->pool, sizeof(ngx_file_t));
    if (file == NULL) {
        return NGX_ERROR;
    }

    file->fd = rp->map->fd;
    ngx_str_set(&file->name, "egov page map");
    file->log = r->connection->log;

    /* in memory too: where nginx does not send by sendfile, from there */

    b->in_file = 1;
    b->file = file;
    b->file_pos = b->pos - rp->map->page;
    b->file_last = b->last - rp->map->page;

    ngx_http_egov_banner_cork(r);

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "egov consent: %uz bytes of the page from its sealed copy",
                   rp->longest_len);

    return NGX_OK;
}
