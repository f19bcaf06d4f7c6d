
/*
 * The consent body filter's own parts (private to it): the filter's state
 * of a response, and what ngx_http_egov_banner_filter.c shares with the
 * page replay (ngx_http_egov_page_replay.c) and the include reader
 * (ngx_http_egov_banner_include.c).
 */


#ifndef _NGX_HTTP_EGOV_BANNER_FILTER_H_INCLUDED_
#define _NGX_HTTP_EGOV_BANNER_FILTER_H_INCLUDED_


#include "ngx_http_egov_page_map.h"


/* the beginning of a "</body" cut by the end of a buffer waits here */
#define NGX_HTTP_EGOV_HOLD_MAX  8

/*
 * A marked start tag cut by the end of a buffer waits whole for its end:
 * up to this long.  A longer one goes on as written (marked tags are
 * written inert, so that is safe) and is logged.
 */
#define NGX_HTTP_EGOV_TAG_MAX   8192


/* the filter's state of a response (and of each include: subs) */
typedef struct {
    ngx_str_t                   insert;      /* banner or link, rendered */
    ngx_str_t                   nonce_attr;  /* ' nonce="..."' */
    u_char                     *hold;        /* bytes waiting for more */
    size_t                      hold_len;
    size_t                      hold_cap;
    u_char                      hold_small[NGX_HTTP_EGOV_HOLD_MAX];
    off_t                       remaining;   /* of the page, or -1 */
    ngx_egov_html_t             html;        /* with nonces: where it is */
    ngx_chain_t                *free;        /* views of the input, */
    ngx_chain_t                *busy;        /* reused once sent */
    ngx_buf_t                  *waiting;     /* a page's end being read */
    u_char                     *tail;        /* ... into this */
    ngx_file_info_t             fi;          /* ... of this version */
    ngx_http_egov_page_map_t   *map;         /* the page recorded */
    ngx_array_t                *subs;        /* includes' states */
    unsigned                    inserted:1;
    unsigned                    reading:1;
    unsigned                    scan:1;      /* the whole page is read */
    unsigned                    markup:1;    /* marked tags rewritten */
    unsigned                    html_lang:1; /* <html lang> looked for */
    unsigned                    decided:1;   /* read into memory, or mapped */
} ngx_http_egov_banner_filter_t;


ngx_int_t ngx_http_egov_banner_next(ngx_http_request_t *r, ngx_chain_t *in);
ngx_int_t ngx_http_egov_banner_insert(ngx_http_request_t *r,
    ngx_http_egov_banner_filter_t *f, ngx_chain_t ***last);
void ngx_http_egov_banner_html_lang(ngx_http_request_t *r,
    ngx_http_egov_banner_filter_t *f, const u_char *tag, size_t len);
ngx_int_t ngx_http_egov_banner_pass(ngx_http_request_t *r,
    ngx_buf_t *b, ngx_chain_t ***last);
void ngx_http_egov_banner_cork(ngx_http_request_t *r);
ngx_int_t ngx_http_egov_banner_rewrite(ngx_http_request_t *r,
    ngx_http_egov_banner_filter_t *f, ngx_buf_t *b, ngx_chain_t ***last);
ngx_int_t ngx_http_egov_banner_split(ngx_http_request_t *r,
    ngx_http_egov_banner_filter_t *f, ngx_buf_t *b, ngx_chain_t ***last);
ngx_int_t ngx_http_egov_banner_include_end(ngx_http_request_t *r,
    ngx_http_egov_banner_filter_t *f, ngx_chain_t ***last);
ngx_int_t ngx_http_egov_banner_link(ngx_http_request_t *r,
    u_char *data, size_t len, ngx_chain_t ***last);
void ngx_http_egov_banner_recycle(ngx_http_request_t *r,
    ngx_http_egov_banner_filter_t *f, ngx_chain_t *out);

/* ngx_http_egov_page_replay.c: declared in ngx_http_egov_page_map.h */

/* ngx_http_egov_banner_include.c */
ngx_int_t ngx_http_egov_banner_include(ngx_http_request_t *r,
    ngx_chain_t *in);


#endif /* _NGX_HTTP_EGOV_BANNER_FILTER_H_INCLUDED_ */
