
/*
 * A subrequest's part of the page (an SSI include, the addition module's
 * parts): what the page says through an include is the page's, so its
 * marked tags and scripts are rewritten as the page's are, each include
 * read with a state of its own.
 */


#include "ngx_http_egov_banner_filter.h"


/* a subrequest's part of the page (an SSI include), read on its own */
typedef struct {
    ngx_http_request_t             *r;
    ngx_http_egov_banner_filter_t  *f;
} ngx_http_egov_banner_include_t;


static ngx_http_egov_banner_filter_t *ngx_http_egov_banner_include_state(
    ngx_http_request_t *r, ngx_http_egov_banner_filter_t *mf);


/*
 * A subrequest's part of the page (an SSI include): its marked tags and
 * scripts are the page's, rewritten as the page's are, read with a state
 * of their own (an include begins between tags, where the page's SSI
 * command was); the banner is the main request's.
 */

ngx_int_t
ngx_http_egov_banner_include(ngx_http_request_t *r, ngx_chain_t *in)
{
    ngx_int_t                       rc;
    ngx_uint_t                      end;
    ngx_chain_t                    *cl, *out, **last;
    ngx_http_egov_consent_ctx_t    *ctx;
    ngx_http_egov_banner_filter_t  *mf, *f;

    ctx = ngx_http_get_module_ctx(r->main, ngx_http_egov_consent_module);
    mf = ctx ? ctx->filter : NULL;

    /*
     * the banner alone, in a sliced page (the slice module's subrequests
     * are the page's own bytes, in order): its last bytes are searched for
     * </body> as the page's are; else the banner went after </html>
     */

    if (mf && !mf->scan && !mf->inserted && r->subrequest_ranges
        && r->parent == r->main)
    {
        out = NULL;
        last = &out;

        for (cl = in; cl; cl = cl->next) {

            /* a slice from a cache's file is not read (no worker waits) */

            rc = (ngx_buf_in_memory(cl->buf) || ngx_buf_size(cl->buf) == 0)
                 ? ngx_http_egov_banner_split(r, mf, cl->buf, &last)
                 : ngx_http_egov_banner_pass(r, cl->buf, &last);

            if (rc != NGX_OK) {
                return NGX_ERROR;
            }
        }

        return ngx_http_egov_banner_next(r, out);
    }

    /*
     * an include of a script's text or a style is not read; any other is,
     * whatever type its location gives it (fragments of HTML often go as
     * default_type: text/plain, application/octet-stream)
     */

    if (mf == NULL || (!mf->markup && mf->nonce_attr.len == 0)
        || ngx_http_egov_is_script_or_style(r))
    {
        return ngx_http_egov_banner_next(r, in);
    }

    /*
     * the slices of one response (the slice module's subrequests, the
     * only ones it marks with subrequest_ranges) are one page, in order:
     * read with the page's own state, a tag going on from one slice to
     * the next.  Any other subrequest (SSI, addition) is an include.
     */

    f = (r->subrequest_ranges && r->parent == r->main)
        ? mf : ngx_http_egov_banner_include_state(r, mf);
    if (f == NULL) {
        return NGX_ERROR;
    }

    out = NULL;
    last = &out;

    for (cl = in; cl; cl = cl->next) {

        if (ngx_buf_size(cl->buf) && !ngx_buf_in_memory(cl->buf)) {
            /* ngx_http_egov_banner_early asked for memory */
            ngx_log_error(NGX_LOG_ALERT, ngx_http_egov_quiet_log(r), 0,
                          "egov consent: an include's response is not in "
                          "memory");
            return NGX_ERROR;
        }

        end = cl->buf->last_in_chain || cl->buf->last_buf;

        if (ngx_http_egov_banner_rewrite(r, f, cl->buf, &last) != NGX_OK) {
            return NGX_ERROR;
        }

        if (end && f->hold_len && f != mf) {
            /* the include ended within what might have been a tag */

            if (ngx_http_egov_banner_include_end(r, f, &last) != NGX_OK) {
                return NGX_ERROR;
            }
        }
    }

    rc = ngx_http_egov_banner_next(r, out);

    ngx_http_egov_banner_recycle(r, f, out);

    return rc;
}


static ngx_http_egov_banner_filter_t *
ngx_http_egov_banner_include_state(ngx_http_request_t *r,
    ngx_http_egov_banner_filter_t *mf)
{
    ngx_uint_t                      i;
    ngx_http_egov_banner_include_t     *s;
    ngx_http_egov_banner_filter_t  *f;

    if (mf->subs == NULL) {
        mf->subs = ngx_array_create(r->main->pool, 4,
                                    sizeof(ngx_http_egov_banner_include_t));
        if (mf->subs == NULL) {
            return NULL;
        }
    }

    s = mf->subs->elts;

    for (i = 0; i < mf->subs->nelts; i++) {
        if (s[i].r == r) {
            return s[i].f;
        }
    }

    f = ngx_pcalloc(r->pool, sizeof(ngx_http_egov_banner_filter_t));
    if (f == NULL) {
        return NULL;
    }

    f->nonce_attr = mf->nonce_attr;
    f->markup = mf->markup;
    f->inserted = 1;
    f->scan = 1;
    f->decided = 1;
    f->remaining = -1;
    f->hold = f->hold_small;
    f->hold_cap = NGX_HTTP_EGOV_HOLD_MAX;

    s = ngx_array_push(mf->subs);
    if (s == NULL) {
        return NULL;
    }

    s->r = r;
    s->f = f;

    return f;
}
