
/*
 * A static page's map: per worker and per version of its file, the page's
 * bytes and the places where the consent filter changes it.
 */


#ifndef _NGX_HTTP_EGOV_PAGE_MAP_H_INCLUDED_
#define _NGX_HTTP_EGOV_PAGE_MAP_H_INCLUDED_


#include "ngx_http_egov_consent.h"
#include "ngx_egov_html_scan.h"


/* what a version of a file is: it changes when its bytes may have */
typedef struct {
    dev_t                       dev;
    ino_t                       ino;
    off_t                       size;
    time_t                      mtime;
    long                        mtime_ns;
    time_t                      ctime;       /* nobody can set it back */
    long                        ctime_ns;
} ngx_http_egov_file_version_t;


/* a place, found with every kind looked for (NGX_EGOV_HTML_F_*) */
typedef struct {
    uint32_t                    lt;          /* TAG, BODY: its "<" */
    uint32_t                    gt;          /* NONCE, TAG: its ">" */
    uint8_t                     kind;        /* NGX_EGOV_HTML_NONCE, ... */
    uint8_t                     tag;         /* TAG: NGX_EGOV_TAG_* */
    uint8_t                     foreign;     /* its src is another origin's */
    uint8_t                     pending;     /* it ends at "name=>" */
    uint8_t                     nonce;       /* a TAG that, not reported,
                                                would get a nonce */
    uint16_t                    mark;        /* TAG: in marks, + 1 */
} ngx_http_egov_page_place_t;


/* what a visitor gets of a marked tag: allowed or not, a nonce or not */
#define NGX_HTTP_EGOV_MARK_REWRITES  4


/*
 * A tag of the page that markup gating rewrites, read once per version of
 * the page; its categories and its rewrites are made when first asked for
 * (ngx_http_egov_consent_markup.c)
 */
typedef struct {
    uint32_t                    consent;     /* its categories: at */
    uint32_t                    consent_len; /* ... this long */
    ngx_uint_t                  bits;        /* for map->categories */
    uint32_t                    rewrite[NGX_HTTP_EGOV_MARK_REWRITES];
                                             /* in pieces, + 1; 0: none */
    uint8_t                     nrewrite[NGX_HTTP_EGOV_MARK_REWRITES];
    uint32_t                    iframe_tag;  /* in iframes, + 1: what its
                                                placeholder shows */
    unsigned                    marked:1;    /* else it is left as written */
    unsigned                    iframe:1;
    unsigned                    valued:1;    /* its consent has a value */
    unsigned                    resolved:1;  /* bits and named are known */
    unsigned                    named:1;     /* declared categories only */
} ngx_http_egov_page_mark_t;


typedef struct {
    ngx_http_egov_file_version_t  version;
    u_char                       *page;
    size_t                        len;
    size_t                        cap;
    ngx_http_egov_page_place_t   *places;
    ngx_uint_t                    nplaces;
    ngx_uint_t                    places_cap;
    ngx_http_egov_page_mark_t    *marks;
    ngx_uint_t                    nmarks;
    ngx_uint_t                    marks_cap;
    ngx_egov_html_tag_t          *iframes;   /* marked iframes, read */
    ngx_uint_t                    niframes;
    ngx_uint_t                    iframes_cap;
    ngx_egov_html_piece_t        *pieces;    /* the marks' rewrites */
    ngx_uint_t                    npieces;
    ngx_uint_t                    pieces_cap;
    void                         *categories; /* the marks' bits are for */
    ngx_uint_t                    refs;      /* responses sending it */
    ngx_fd_t                      fd;        /* a sealed copy, when sealed */
    unsigned                      used:1;    /* recorded whole */
    unsigned                      recording:1;
    unsigned                      sealed:1;  /* fd: its bytes, for sendfile */
    unsigned                      failed:1;  /* the bytes did not fit */
    unsigned                      unmappable:1; /* this version: too many
                                                   places */
} ngx_http_egov_page_map_t;


void ngx_http_egov_file_version(ngx_file_info_t *fi,
    ngx_http_egov_file_version_t *v);
ngx_uint_t ngx_http_egov_file_version_eq(ngx_http_egov_file_version_t *a,
    ngx_http_egov_file_version_t *b);

ngx_int_t ngx_http_egov_page_map_get(ngx_http_request_t *r,
    ngx_chain_t *in, ngx_http_egov_page_map_t **map);
void ngx_http_egov_page_map_add(ngx_http_egov_page_map_t *map,
    const u_char *p, size_t len);
void ngx_http_egov_page_map_done(ngx_http_request_t *r,
    ngx_http_egov_page_map_t *map);

ngx_int_t ngx_http_egov_page_map_pieces(ngx_http_egov_page_map_t *map,
    ngx_egov_html_piece_t *pieces, size_t n, uint32_t *at);

/* ngx_http_egov_consent_markup.c */
ngx_int_t ngx_http_egov_markup_mapped(ngx_http_request_t *r,
    ngx_http_egov_page_map_t *map, ngx_http_egov_page_place_t *pl,
    ngx_uint_t granted, ngx_str_t *nonce_attr, ngx_egov_html_piece_t *out,
    size_t *n);

/* ngx_http_egov_page_replay.c */
ngx_int_t ngx_http_egov_banner_early(ngx_http_request_t *r,
    ngx_chain_t **in);


#endif /* _NGX_HTTP_EGOV_PAGE_MAP_H_INCLUDED_ */
