
/*
 * Markup gating (egov_consent_markup): a <script> or <iframe> the page
 * marks with data-egov-consent="CATEGORY ..." (or data-category, as
 * vanilla-cookieconsent writes it) is served inert to a visitor who has not
 * granted every category it names, and active to one who has, by the
 * consent body filter as the page streams by.  A held back iframe gets a
 * placeholder before it: what it is, which cookies it would set, a button
 * to allow it for good (a form: no JavaScript needed) and a link to show
 * it once.  The tag's rewrite is ngx_egov_html_tag.c's.
 */


#include "ngx_http_egov_page_map.h"


static ngx_uint_t ngx_http_egov_markup_categories(ngx_http_request_t *r,
    ngx_http_egov_consent_loc_conf_t *clcf, ngx_egov_html_attr_t *a,
    ngx_uint_t *bits);
static ngx_int_t ngx_http_egov_markup_placeholder(ngx_http_request_t *r,
    ngx_http_egov_consent_loc_conf_t *clcf, ngx_http_egov_consent_ctx_t *ctx,
    ngx_egov_html_tag_t *t, ngx_uint_t bits, ngx_egov_html_piece_t *out);
static ngx_uint_t ngx_http_egov_markup_link_ok(const u_char *p, size_t len);


/* where a rewrite kept with a page takes a request's nonce */
static const u_char  ngx_http_egov_markup_nonce[] = "";


/*
 * The pieces a marked tag becomes (at most NGX_EGOV_HTML_PIECES_MAX + 1,
 * a placeholder first): slices of the tag and text of ours.  "foreign":
 * its src is another origin's (no nonce, as for any script).
 */

ngx_int_t
ngx_http_egov_markup_tag(ngx_http_request_t *r, const u_char *tag,
    size_t len, ngx_uint_t foreign, ngx_str_t *nonce_attr,
    ngx_egov_html_piece_t *out, size_t *n)
{
    size_t                             k;
    ngx_uint_t                         bits, allowed;
    ngx_egov_html_tag_t                t;
    ngx_http_egov_consent_ctx_t       *ctx;
    ngx_http_egov_consent_loc_conf_t  *clcf;

    ctx = ngx_http_get_module_ctx(r->main, ngx_http_egov_consent_module);
    clcf = ngx_http_get_module_loc_conf(r, ngx_http_egov_consent_module);

    if (ctx == NULL
        || !ngx_egov_html_tag_read(tag, len, &t)
        || t.consent.name == NULL)
    {
        /* the scanner reports no other tag: left as it is */
        out[0].data = tag;
        out[0].len = len;
        *n = 1;
        return NGX_OK;
    }

    allowed = ngx_http_egov_markup_categories(r, clcf, &t.consent, &bits)
              && (bits & ~ngx_http_egov_consent_granted(r, ctx)) == 0;

    ngx_http_egov_stat_inc(allowed ? NGX_EGOV_STAT_CONSENT_MARKUP_ACTIVE
                                   : NGX_EGOV_STAT_CONSENT_MARKUP_INERT);

    k = 0;

    if (t.iframe && !allowed) {
        if (ngx_http_egov_markup_placeholder(r, clcf, ctx, &t, bits, out)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        k = 1;
    }

    /* a nonce as any script of this origin gets one */

    if (t.iframe || t.has_nonce || foreign) {
        nonce_attr = NULL;
    }

    *n = k + ngx_egov_html_gate(&t, allowed,
                                nonce_attr ? nonce_attr->data : NULL,
                                nonce_attr ? nonce_attr->len : 0, out + k);

    return NGX_OK;
}


/*
 * A marked tag of a page sent from its map (ngx_http_egov_page_map.c),
 * as ngx_http_egov_markup_tag makes it: its categories are resolved once
 * per location's list, and its rewrite for each kind of visitor (allowed
 * or not, a nonce or not) is made once and kept with the page, with a
 * place for the nonce.  A held back iframe's placeholder is the visitor's
 * language and state: made per request.  "granted": this visitor's.
 */

ngx_int_t
ngx_http_egov_markup_mapped(ngx_http_request_t *r,
    ngx_http_egov_page_map_t *map, ngx_http_egov_page_place_t *pl,
    ngx_uint_t granted, ngx_str_t *nonce_attr, ngx_egov_html_piece_t *out,
    size_t *n)
{
    size_t                             i, k, len;
    uint32_t                           at;
    ngx_uint_t                         v, allowed, nonce;
    const u_char                      *tag;
    ngx_egov_html_tag_t                t;
    ngx_egov_html_attr_t               a;
    ngx_http_egov_page_mark_t         *mk;
    ngx_http_egov_consent_ctx_t       *ctx;
    ngx_http_egov_consent_loc_conf_t  *clcf;

    tag = map->page + pl->lt;
    len = pl->gt + 1 - pl->lt;
    mk = pl->mark ? &map->marks[pl->mark - 1] : NULL;

    if (mk == NULL || !mk->marked) {
        out[0].data = tag;
        out[0].len = len;
        *n = 1;
        return NGX_OK;
    }

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_egov_consent_module);

    if (map->categories != (void *) clcf->categories) {
        /* another location's list: its bits are resolved again */

        for (i = 0; i < map->nmarks; i++) {
            map->marks[i].resolved = 0;
        }

        map->categories = clcf->categories;
    }

    if (!mk->resolved) {
        ngx_memzero(&a, sizeof(ngx_egov_html_attr_t));
        a.value = mk->valued ? map->page + mk->consent : NULL;
        a.value_len = mk->consent_len;

        mk->named = ngx_http_egov_markup_categories(r, clcf, &a, &mk->bits);
        mk->resolved = 1;
    }

    allowed = mk->named && (mk->bits & ~granted) == 0;

    ngx_http_egov_stat_inc(allowed ? NGX_EGOV_STAT_CONSENT_MARKUP_ACTIVE
                                   : NGX_EGOV_STAT_CONSENT_MARKUP_INERT);

    k = 0;

    if (mk->iframe && !allowed) {
        ctx = ngx_http_get_module_ctx(r->main, ngx_http_egov_consent_module);

        if (ctx == NULL
            || ngx_http_egov_markup_placeholder(r, clcf, ctx,
                                   &map->iframes[mk->iframe_tag - 1],
                                   mk->bits, out)
               != NGX_OK)
        {
            return NGX_ERROR;
        }

        k = 1;
    }

    nonce = (nonce_attr != NULL && nonce_attr->len != 0);
    v = allowed * 2 + nonce;

    if (mk->nrewrite[v]) {
        *n = mk->nrewrite[v];
        ngx_memcpy(out + k, &map->pieces[mk->rewrite[v] - 1],
                   *n * sizeof(ngx_egov_html_piece_t));

    } else {
        if (!ngx_egov_html_tag_read(tag, len, &t)) {
            return NGX_ERROR;            /* it was read with the page */
        }

        nonce = nonce && !(t.iframe || t.has_nonce || pl->foreign);

        *n = ngx_egov_html_gate(&t, allowed,
                                nonce ? ngx_http_egov_markup_nonce : NULL,
                                nonce ? 1 : 0, out + k);

        if (ngx_http_egov_page_map_pieces(map, out + k, *n, &at) == NGX_OK) {
            mk->rewrite[v] = at;
            mk->nrewrite[v] = (uint8_t) *n;
        }
    }

    *n += k;

    for (i = k; i < *n; i++) {
        if (out[i].data == ngx_http_egov_markup_nonce) {
            out[i].data = nonce_attr->data;
            out[i].len = nonce_attr->len;
        }
    }

    return NGX_OK;
}


/*
 * A held back iframe's placeholder, the first piece of its rewrite: what
 * it is (its title, else its link), its categories, a form to allow them
 * and a link to show it once
 */

static ngx_int_t
ngx_http_egov_markup_placeholder(ngx_http_request_t *r,
    ngx_http_egov_consent_loc_conf_t *clcf, ngx_http_egov_consent_ctx_t *ctx,
    ngx_egov_html_tag_t *t, ngx_uint_t bits, ngx_egov_html_piece_t *out)
{
    ngx_str_t               place;
    ngx_egov_html_attr_t   *src;
    ngx_http_egov_embed_t   embed;

    src = t->data_src.name ? &t->data_src : &t->src;

    embed.categories = bits;
    embed.allow = !ngx_http_egov_consent_refused(r, ctx);
    embed.title.data = (u_char *) (t->title.value ? t->title.value
                                                  : src->value);
    embed.title.len = t->title.value ? t->title.value_len : src->value_len;
    embed.src.data = (u_char *) src->value;
    embed.src.len = src->value_len;

    if (embed.title.data == NULL) {
        embed.title.len = 0;
    }

    if (src->value == NULL
        || !ngx_http_egov_markup_link_ok(src->value, src->value_len))
    {
        embed.src.len = 0;
    }

    if (ngx_http_egov_banner_render_embed(r, clcf, ctx, &embed, &place)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    out->data = place.data;
    out->len = place.len;

    return NGX_OK;
}


/*
 * The categories a marked tag names, as bits: 0 when one is not declared
 * (it can never be granted) or none is named
 */

static ngx_uint_t
ngx_http_egov_markup_categories(ngx_http_request_t *r,
    ngx_http_egov_consent_loc_conf_t *clcf, ngx_egov_html_attr_t *a,
    ngx_uint_t *bits)
{
    size_t                     len;
    ngx_uint_t                 i, found;
    const u_char              *p, *end, *name;
    ngx_http_egov_category_t  *cat;

    *bits = 0;

    if (a->value == NULL || clcf->categories == NULL) {
        return 0;
    }

    cat = clcf->categories->elts;
    p = a->value;
    end = a->value + a->value_len;

    while (ngx_egov_html_category_next(&p, end, &name, &len)) {

        found = 0;

        for (i = 0; i < clcf->categories->nelts; i++) {
            if (cat[i].name.len == len
                && ngx_strncasecmp(cat[i].name.data, (u_char *) name, len)
                   == 0)
            {
                *bits |= 1u << i;
                found = 1;
                break;
            }
        }

        if (!found) {
            ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                           "egov consent: a marked tag names \"%*s\", "
                           "no declared category: held back", len, name);
            return 0;
        }
    }

    return *bits != 0;
}


/*
 * A link the placeholder may show: http, https, a path or "//host"; no
 * other scheme (javascript:, data:), not even hidden behind a character
 * reference or a control character
 */

static ngx_uint_t
ngx_http_egov_markup_link_ok(const u_char *p, size_t len)
{
    size_t  i, scheme;

    while (len && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'
                   || *p == '\f'))
    {
        p++;
        len--;
    }

    if (len == 0) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        if (p[i] < 0x20 || p[i] == 0x7f) {
            return 0;
        }
    }

    for (scheme = 0; scheme < len; scheme++) {
        if (p[scheme] == '/' || p[scheme] == '?' || p[scheme] == '#') {
            return 1;                  /* a path, "//host": no scheme */
        }

        if (p[scheme] == '&' || p[scheme] == '\\') {
            return 0;
        }

        if (p[scheme] == ':') {
            break;
        }
    }

    if (scheme == len) {
        return 1;                      /* "page.html" */
    }

    return (scheme == 4 && ngx_strncasecmp((u_char *) p, (u_char *) "http", 4)
                           == 0)
           || (scheme == 5
               && ngx_strncasecmp((u_char *) p, (u_char *) "https", 5) == 0);
}
