
/*
 * A static page's map.  With nonces or markup gating, the consent filter
 * must read every byte of a page: a file would be read into memory and
 * scanned on every request.  For a static file, the map keeps, per worker
 * and per version of the file, the page's bytes and the places where the
 * filter changes it (nonces, marked tags, "</body", "<html>"), found once
 * by reading the page whole with every kind of place looked for.  A later
 * request for that version goes out from the map
 * (ngx_http_egov_banner_early): views of the page's bytes between the
 * places, and at each place what this visitor gets, before nginx reads the
 * file (this module's filter comes before nginx's copy filter).
 *
 * A page is recorded as it passes the consent filter the first time:
 * its bytes are kept as they come, read into memory by nginx (with its
 * aio), and scanned once at the end.  The version is taken before the
 * bytes are read, so a change during the read costs one more recording,
 * never a stale page kept.  At most NGX_HTTP_EGOV_MAPS pages of up to
 * NGX_HTTP_EGOV_MAP_PAGE_MAX bytes a worker; a page in use is never
 * replaced (another version is then scanned on each request until it is
 * free).
 */


#include "ngx_http_egov_page_map.h"

#if (NGX_LINUX)
#include <sys/mman.h>
#endif


#define NGX_HTTP_EGOV_MAPS            32
#define NGX_HTTP_EGOV_MAP_PAGE_MAX    (256 * 1024)
#define NGX_HTTP_EGOV_MAP_PLACES_MAX  2048

/* the marked tags' rewrites kept, at most (16 bytes each) */
#define NGX_HTTP_EGOV_MAP_PIECES_MAX  8192

#define NGX_HTTP_EGOV_MAP_FLAGS  (NGX_EGOV_HTML_F_BODY|NGX_EGOV_HTML_F_GATE \
                                  |NGX_EGOV_HTML_F_HTML|NGX_EGOV_HTML_F_NONCE)


static ngx_int_t ngx_http_egov_page_map_hold(ngx_http_request_t *r,
    ngx_http_egov_page_map_t *map);
static void ngx_http_egov_page_map_release(void *data);
static ngx_int_t ngx_http_egov_page_map_scan(ngx_http_egov_page_map_t *map,
    ngx_log_t *log);
static ngx_int_t ngx_http_egov_page_map_marks(ngx_http_egov_page_map_t *map,
    ngx_log_t *log);
static void *ngx_http_egov_page_map_room(void *elts, ngx_uint_t n,
    ngx_uint_t *cap, ngx_uint_t more, size_t size, ngx_uint_t max,
    ngx_log_t *log);
static void ngx_http_egov_page_map_seal(ngx_http_egov_page_map_t *map,
    ngx_log_t *log);
static ngx_int_t ngx_http_egov_page_map_init(ngx_conf_t *cf);
static ngx_int_t ngx_http_egov_page_map_body_filter(ngx_http_request_t *r,
    ngx_chain_t *in);


static ngx_http_module_t  ngx_http_egov_page_map_module_ctx = {
    NULL,                                  /* preconfiguration */
    ngx_http_egov_page_map_init,           /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    NULL,                                  /* create location configuration */
    NULL                                   /* merge location configuration */
};


/* placed after ngx_http_copy_filter_module: see "config" */

ngx_module_t  ngx_http_egov_page_map_module = {
    NGX_MODULE_V1,
    &ngx_http_egov_page_map_module_ctx,    /* module context */
    NULL,                                  /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    NULL,                                  /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_http_output_body_filter_pt  ngx_http_next_body_filter;

/* process memory, made in the worker: nothing of a cycle */
static ngx_http_egov_page_map_t  ngx_http_egov_page_maps[NGX_HTTP_EGOV_MAPS];


void
ngx_http_egov_file_version(ngx_file_info_t *fi,
    ngx_http_egov_file_version_t *v)
{
    v->dev = fi->st_dev;
    v->ino = fi->st_ino;
    v->size = ngx_file_size(fi);
    v->mtime = ngx_file_mtime(fi);
    v->ctime = fi->st_ctime;
#if (NGX_LINUX)
    v->mtime_ns = fi->st_mtim.tv_nsec;
    v->ctime_ns = fi->st_ctim.tv_nsec;
#else
    v->mtime_ns = 0;
    v->ctime_ns = 0;
#endif
}


ngx_uint_t
ngx_http_egov_file_version_eq(ngx_http_egov_file_version_t *a,
    ngx_http_egov_file_version_t *b)
{
    return a->dev == b->dev && a->ino == b->ino && a->size == b->size
           && a->mtime == b->mtime && a->mtime_ns == b->mtime_ns
           && a->ctime == b->ctime && a->ctime_ns == b->ctime_ns;
}


/*
 * The map of the page in "in", when it is a whole static file that no
 * other filter reads: NGX_OK, a map to send from (held until the request
 * ends); NGX_DECLINED, none, and *map, when not NULL, is to be recorded
 * as the page is read (held too).
 */

ngx_int_t
ngx_http_egov_page_map_get(ngx_http_request_t *r, ngx_chain_t *in,
    ngx_http_egov_page_map_t **map)
{
    ngx_buf_t                     *b;
    ngx_file_info_t                fi;
    ngx_http_egov_page_map_t      *m;
    ngx_http_egov_file_version_t   v;

    *map = NULL;

    /*
     * A filter that changes the page (sub_filter, ssi, charset) reads it.
     * (r->main_filter_need_in_memory is TLS's and gzip's: they read what
     * the consent filter sends, which a map sends from memory anyway.)
     */

    if (in == NULL || in->next != NULL
        || r->filter_need_in_memory || r->filter_need_temporary)
    {
        return NGX_DECLINED;
    }

    b = in->buf;

    if (!b->in_file || ngx_buf_in_memory(b) || b->file == NULL
        || !b->last_buf || b->file_pos != 0 || b->file_last <= 0
        || b->file_last > NGX_HTTP_EGOV_MAP_PAGE_MAX)
    {
        return NGX_DECLINED;
    }

    if (ngx_fd_info(b->file->fd, &fi) == NGX_FILE_ERROR) {
        return NGX_DECLINED;    /* the page is read, and that says why */
    }

    ngx_http_egov_file_version(&fi, &v);

    if (v.size != b->file_last) {
        return NGX_DECLINED;
    }

    m = &ngx_http_egov_page_maps[(v.ino ^ v.dev) % NGX_HTTP_EGOV_MAPS];

    if (m->unmappable && ngx_http_egov_file_version_eq(&m->version, &v)) {
        /* more places than a map keeps: scanned as it streams */
        return NGX_DECLINED;
    }

    if (m->used && ngx_http_egov_file_version_eq(&m->version, &v)) {
        if (ngx_http_egov_page_map_hold(r, m) != NGX_OK) {
            return NGX_ERROR;
        }

        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "egov consent: \"%V\" sent from its map",
                       &b->file->name);

        *map = m;
        return NGX_OK;
    }

    if (m->refs) {
        /* sent or recorded for another request: this one scans */
        return NGX_DECLINED;
    }

    if (m->cap < (size_t) v.size) {
        if (m->page) {
            ngx_free(m->page);
        }

        m->cap = 0;
        m->page = ngx_alloc((size_t) v.size, r->connection->log);
        if (m->page == NULL) {
            return NGX_DECLINED;
        }

        m->cap = (size_t) v.size;
    }

    if (m->sealed) {
        (void) close(m->fd);
        m->sealed = 0;
    }

    m->version = v;
    m->len = 0;
    m->nplaces = 0;
    m->nmarks = 0;
    m->niframes = 0;
    m->npieces = 0;
    m->categories = NULL;
    m->used = 0;
    m->failed = 0;
    m->unmappable = 0;
    m->recording = 1;

    if (ngx_http_egov_page_map_hold(r, m) != NGX_OK) {
        m->recording = 0;
        return NGX_ERROR;
    }

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "egov consent: \"%V\" recorded as it is read",
                   &b->file->name);

    *map = m;

    return NGX_DECLINED;
}


/* the page's bytes as they pass the consent filter, in order */

void
ngx_http_egov_page_map_add(ngx_http_egov_page_map_t *map, const u_char *p,
    size_t len)
{
    if (map->failed || len > map->cap - map->len) {
        map->failed = 1;
        return;
    }

    ngx_memcpy(map->page + map->len, p, len);
    map->len += len;
}


/* the page's end: whole, its places found, it may be sent from memory */

void
ngx_http_egov_page_map_done(ngx_http_request_t *r,
    ngx_http_egov_page_map_t *map)
{
    ngx_log_t  *log;

    map->recording = 0;

    if (map->failed || map->len != (size_t) map->version.size) {
        ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "egov consent: page not recorded");
        return;
    }

    log = ngx_http_egov_quiet_log(r);

    if (ngx_http_egov_page_map_scan(map, log) != NGX_OK
        || ngx_http_egov_page_map_marks(map, log) != NGX_OK)
    {
        /* this version is not recorded again on every request */
        map->unmappable = 1;

        ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "egov consent: page not recorded: too many places");
        return;
    }

    map->used = 1;

    ngx_http_egov_page_map_seal(map, log);

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "egov consent: page recorded: %uz bytes, %ui places",
                   map->len, map->nplaces);
}


/*
 * A copy of the page in a sealed memory file, which nothing can change:
 * its long runs go by sendfile (ngx_http_egov_page_replay.c), never
 * from the page's own file, which may be rewritten meanwhile.  Without
 * one, the page goes from memory.
 */

static void
ngx_http_egov_page_map_seal(ngx_http_egov_page_map_t *map, ngx_log_t *log)
{
#if (NGX_LINUX) && defined(MFD_ALLOW_SEALING) && defined(F_ADD_SEALS)
    size_t    done;
    ssize_t   n;
    ngx_fd_t  fd;

    fd = memfd_create("egov-page-map", MFD_CLOEXEC|MFD_ALLOW_SEALING);
    if (fd == -1) {
        ngx_log_debug0(NGX_LOG_DEBUG_HTTP, log, ngx_errno,
                       "egov consent: memfd_create() failed");
        return;
    }

    for (done = 0; done < map->len; done += n) {
        n = write(fd, map->page + done, map->len - done);

        if (n <= 0) {
            (void) close(fd);
            return;
        }
    }

    if (fcntl(fd, F_ADD_SEALS,
              F_SEAL_SHRINK|F_SEAL_GROW|F_SEAL_WRITE|F_SEAL_SEAL)
        == -1)
    {
        (void) close(fd);
        return;
    }

    map->fd = fd;
    map->sealed = 1;
#endif
}


static ngx_int_t
ngx_http_egov_page_map_hold(ngx_http_request_t *r,
    ngx_http_egov_page_map_t *map)
{
    ngx_pool_cleanup_t  *cln;

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NGX_ERROR;
    }

    map->refs++;
    cln->handler = ngx_http_egov_page_map_release;
    cln->data = map;

    return NGX_OK;
}


/* a request ends; one that ended before the page's end recorded nothing */

static void
ngx_http_egov_page_map_release(void *data)
{
    ngx_http_egov_page_map_t  *map = data;

    map->refs--;

    if (map->recording) {
        map->recording = 0;
        map->used = 0;
    }
}


/*
 * The page read whole, as the consent filter reads it, with every kind of
 * place looked for: what a request does not look for is left out when it
 * is sent.  Looking for more kinds changes no state of the reader, only
 * what it reports (ngx_egov_html_scan.c): a reported start tag of ours
 * would otherwise have been a nonce's place, which "nonce" keeps.
 */

static ngx_int_t
ngx_http_egov_page_map_scan(ngx_http_egov_page_map_t *map, ngx_log_t *log)
{
    int                          rc;
    const u_char                *pos, *end, *at;
    ngx_egov_html_t              h;
    ngx_http_egov_page_place_t  *pl, *places;

    ngx_egov_html_init(&h);

    pos = map->page;
    end = map->page + map->len;
    map->nplaces = 0;

    for ( ;; ) {
        at = NULL;
        rc = ngx_egov_html_next(&h, &pos, end, NGX_HTTP_EGOV_MAP_FLAGS, &at);

        if (rc == NGX_EGOV_HTML_PARTIAL
            || (rc == NGX_EGOV_HTML_END && ngx_egov_html_in_tag(&h)))
        {
            /* it ends in a tag: the streaming filter drops it */
            return NGX_DECLINED;
        }

        if (rc == NGX_EGOV_HTML_END) {
            return NGX_OK;
        }

        if (at == NULL || (rc == NGX_EGOV_HTML_TAG && h.lt == NULL)) {
            return NGX_DECLINED;   /* never in one range; not trusted */
        }

        places = ngx_http_egov_page_map_room(map->places, map->nplaces,
                                             &map->places_cap, 1,
                                             sizeof(ngx_http_egov_page_place_t),
                                             NGX_HTTP_EGOV_MAP_PLACES_MAX, log);
        if (places == NULL) {
            return NGX_DECLINED;
        }

        map->places = places;

        pl = &map->places[map->nplaces++];
        ngx_memzero(pl, sizeof(ngx_http_egov_page_place_t));

        pl->kind = (uint8_t) rc;
        pl->pending = h.pending;

        switch (rc) {

        case NGX_EGOV_HTML_BODY:
            pl->lt = (uint32_t) (at - map->page);
            break;

        case NGX_EGOV_HTML_NONCE:
            pl->gt = (uint32_t) (at - map->page);
            break;

        default: /* NGX_EGOV_HTML_TAG */
            pl->lt = (uint32_t) (h.lt - map->page);
            pl->gt = (uint32_t) (at - map->page);
            pl->tag = h.tag;
            pl->foreign = h.foreign;
            pl->nonce = (h.tag == NGX_EGOV_TAG_SCRIPT
                         || h.tag == NGX_EGOV_TAG_STYLE)
                        && !h.has_nonce && !h.foreign;
        }
    }
}


/*
 * The page's <script> and <iframe> tags that markup gating may rewrite,
 * read once: what each says is kept, so that a request only looks up what
 * its visitor gets (ngx_http_egov_markup_mapped)
 */

static ngx_int_t
ngx_http_egov_page_map_marks(ngx_http_egov_page_map_t *map, ngx_log_t *log)
{
    ngx_uint_t                   k;
    ngx_egov_html_tag_t          t, *iframes;
    ngx_http_egov_page_mark_t   *mk, *marks;
    ngx_http_egov_page_place_t  *pl;

    map->nmarks = 0;
    map->niframes = 0;
    map->npieces = 0;
    map->categories = NULL;

    for (k = 0; k < map->nplaces; k++) {
        pl = &map->places[k];

        if (pl->kind != NGX_EGOV_HTML_TAG
            || (pl->tag != NGX_EGOV_TAG_SCRIPT
                && pl->tag != NGX_EGOV_TAG_IFRAME))
        {
            continue;
        }

        marks = ngx_http_egov_page_map_room(map->marks, map->nmarks,
                                            &map->marks_cap, 1,
                                            sizeof(ngx_http_egov_page_mark_t),
                                            NGX_HTTP_EGOV_MAP_PLACES_MAX, log);
        if (marks == NULL) {
            return NGX_DECLINED;
        }

        map->marks = marks;

        mk = &map->marks[map->nmarks++];
        ngx_memzero(mk, sizeof(ngx_http_egov_page_mark_t));

        /* places are at most NGX_HTTP_EGOV_MAP_PLACES_MAX: it fits */
        pl->mark = (uint16_t) map->nmarks;

        if (!ngx_egov_html_tag_read(map->page + pl->lt, pl->gt + 1 - pl->lt,
                                    &t)
            || t.consent.name == NULL)
        {
            continue;             /* the scanner said more: as written */
        }

        mk->marked = 1;
        mk->iframe = t.iframe;

        if (t.iframe) {
            /* its placeholder is made per request, of what it says */

            iframes = ngx_http_egov_page_map_room(map->iframes,
                                            map->niframes, &map->iframes_cap,
                                            1, sizeof(ngx_egov_html_tag_t),
                                            NGX_HTTP_EGOV_MAP_PLACES_MAX, log);
            if (iframes == NULL) {
                return NGX_DECLINED;
            }

            map->iframes = iframes;

            map->iframes[map->niframes++] = t;
            mk->iframe_tag = (uint32_t) map->niframes;
        }

        if (t.consent.value) {
            mk->valued = 1;
            mk->consent = (uint32_t) (t.consent.value - map->page);
            mk->consent_len = (uint32_t) t.consent.value_len;
        }
    }

    return NGX_OK;
}


/*
 * A marked tag's rewrite, kept with the page: *at is where it begins in
 * the map's pieces, + 1.  NGX_DECLINED: no more room, made per request.
 */

ngx_int_t
ngx_http_egov_page_map_pieces(ngx_http_egov_page_map_t *map,
    ngx_egov_html_piece_t *pieces, size_t n, uint32_t *at)
{
    ngx_egov_html_piece_t  *p;

    p = ngx_http_egov_page_map_room(map->pieces, map->npieces,
                                    &map->pieces_cap, n,
                                    sizeof(ngx_egov_html_piece_t),
                                    NGX_HTTP_EGOV_MAP_PIECES_MAX,
                                    ngx_cycle->log);
    if (p == NULL) {
        return NGX_DECLINED;
    }

    map->pieces = p;

    ngx_memcpy(&map->pieces[map->npieces], pieces,
               n * sizeof(ngx_egov_html_piece_t));

    *at = (uint32_t) (map->npieces + 1);
    map->npieces += n;

    return NGX_OK;
}


/*
 * An array of a map (process memory, kept from version to version) with
 * room for "more" elements after its "n": itself, or a copy twice as
 * large or more, up to "max" elements; NULL when there is no room
 */

static void *
ngx_http_egov_page_map_room(void *elts, ngx_uint_t n, ngx_uint_t *cap,
    ngx_uint_t more, size_t size, ngx_uint_t max, ngx_log_t *log)
{
    void        *p;
    ngx_uint_t   c;

    if (more <= *cap - n) {
        return elts;
    }

    if (more > max - n) {
        return NULL;
    }

    for (c = *cap ? *cap * 2 : 16; c < n + more; c *= 2) { /* void */ }

    c = ngx_min(c, max);

    p = ngx_alloc(c * size, log);
    if (p == NULL) {
        return NULL;
    }

    if (elts) {
        ngx_memcpy(p, elts, n * size);
        ngx_free(elts);
    }

    *cap = c;

    return p;
}


static ngx_int_t
ngx_http_egov_page_map_body_filter(ngx_http_request_t *r, ngx_chain_t *in)
{
    if (ngx_http_egov_banner_early(r, &in) != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_http_next_body_filter(r, in);
}


static ngx_int_t
ngx_http_egov_page_map_init(ngx_conf_t *cf)
{
    ngx_http_next_body_filter = ngx_http_top_body_filter;
    ngx_http_top_body_filter = ngx_http_egov_page_map_body_filter;

    return NGX_OK;
}
