
/*
 * The consent banner: templates compiled when the configuration is read,
 * rendered per request (nonce, return path), and the banner's own style
 * and script served at egov_consent_path.  The body filter that inserts it
 * is in ngx_http_egov_banner_filter.c.
 */


#include "ngx_http_egov_consent.h"


#define NGX_HTTP_EGOV_TPL_LITERAL     0
#define NGX_HTTP_EGOV_TPL_NONCE       1
#define NGX_HTTP_EGOV_TPL_RETURN      2
#define NGX_HTTP_EGOV_TPL_RETURN_Q    3
#define NGX_HTTP_EGOV_TPL_CATEGORIES  4
#define NGX_HTTP_EGOV_TPL_CURRENT     5
#define NGX_HTTP_EGOV_TPL_EMBED_TITLE 6
#define NGX_HTTP_EGOV_TPL_EMBED_CAT   7
#define NGX_HTTP_EGOV_TPL_EMBED_SRC   8
#define NGX_HTTP_EGOV_TPL_EMBED_IN    9
#define NGX_HTTP_EGOV_TPL_EMBED_IF    10
#define NGX_HTTP_EGOV_TPL_EMBED_END   11
#define NGX_HTTP_EGOV_TPL_ALLOW_IF    12
#define NGX_HTTP_EGOV_TPL_ALLOW_END   13



typedef struct {
    ngx_uint_t                  kind;
    ngx_str_t                   text;
} ngx_http_egov_tpl_part_t;


typedef struct {
    ngx_str_t                   key;
    ngx_str_t                   value;
} ngx_http_egov_text_t;


/* what a compilation knows: the level, the language, the texts */
typedef struct {
    ngx_conf_t                         *cf;
    ngx_http_egov_consent_loc_conf_t   *clcf;
    ngx_egov_lang_e                     lang;
    ngx_array_t                        *texts[NGX_EGOV_LANG_MAX];
    ngx_uint_t                          page;
    ngx_uint_t                          embed;
    ngx_str_t                           name;    /* for error messages */
} ngx_http_egov_tpl_ctx_t;


static ngx_int_t ngx_http_egov_tpl_compile(ngx_http_egov_tpl_ctx_t *tc,
    ngx_str_t *source, ngx_http_egov_tpl_t *tpl);
static ngx_int_t ngx_http_egov_tpl_literal(ngx_http_egov_tpl_ctx_t *tc,
    ngx_http_egov_tpl_t *tpl, u_char *data, size_t len);
static ngx_int_t ngx_http_egov_tpl_part(ngx_http_egov_tpl_ctx_t *tc,
    ngx_http_egov_tpl_t *tpl, ngx_uint_t kind);
static ngx_str_t *ngx_http_egov_text(ngx_http_egov_tpl_ctx_t *tc,
    ngx_egov_lang_e lang, u_char *key, size_t len);
static ngx_array_t *ngx_http_egov_texts_parse(ngx_conf_t *cf,
    ngx_str_t *source);
static ngx_int_t ngx_http_egov_texts_fill(ngx_http_egov_tpl_ctx_t *tc);
static ngx_int_t ngx_http_egov_categories_html(ngx_pool_t *pool,
    ngx_http_egov_consent_loc_conf_t *clcf, ngx_egov_lang_e lang,
    ngx_uint_t checked, ngx_str_t *out);
static ngx_int_t ngx_http_egov_current_html(ngx_http_request_t *r,
    ngx_http_egov_consent_loc_conf_t *clcf, ngx_http_egov_consent_ctx_t *ctx,
    ngx_str_t *out);
static size_t ngx_http_egov_html_escape(u_char *dst, u_char *src,
    size_t len);
static ngx_int_t ngx_http_egov_render(ngx_http_request_t *r,
    ngx_http_egov_consent_loc_conf_t *clcf, ngx_http_egov_consent_ctx_t *ctx,
    ngx_http_egov_tpl_t *tpl, ngx_http_egov_embed_t *embed, ngx_str_t *out);
static ngx_int_t ngx_http_egov_embed_parts(ngx_http_request_t *r,
    ngx_http_egov_consent_loc_conf_t *clcf, ngx_http_egov_consent_ctx_t *ctx,
    ngx_http_egov_embed_t *embed, ngx_str_t *values);
static size_t ngx_http_egov_text_escape(u_char *dst, const u_char *src,
    size_t len);
static size_t ngx_http_egov_escape(u_char *dst, const u_char *src,
    size_t len, ngx_uint_t amp);


/* the texts that name the other language on the settings page */
static ngx_str_t  ngx_http_egov_lang_names[NGX_EGOV_LANG_MAX] = {
    ngx_string("English"),
    ngx_string("العربية")
};


ngx_int_t
ngx_http_egov_banner_compile(ngx_conf_t *cf,
    ngx_http_egov_consent_loc_conf_t *clcf)
{
    ngx_str_t                 *banner, *link, *page, *embed;
    ngx_uint_t                 lang;
    ngx_http_egov_tpl_ctx_t    tc;

    ngx_memzero(&tc, sizeof(ngx_http_egov_tpl_ctx_t));
    tc.cf = cf;
    tc.clcf = clcf;

    tc.texts[NGX_EGOV_LANG_EN] = ngx_http_egov_texts_parse(cf,
                                            ngx_http_egov_asset("en.txt"));
    tc.texts[NGX_EGOV_LANG_AR] = ngx_http_egov_texts_parse(cf,
                                            ngx_http_egov_asset("ar.txt"));

    if (tc.texts[NGX_EGOV_LANG_EN] == NULL
        || tc.texts[NGX_EGOV_LANG_AR] == NULL)
    {
        return NGX_ERROR;
    }

    clcf->texts = ngx_pcalloc(cf->pool, NGX_EGOV_LANG_MAX
                                  * sizeof(ngx_http_egov_consent_texts_t));
    if (clcf->texts == NULL) {
        return NGX_ERROR;
    }

    if (ngx_http_egov_texts_fill(&tc) != NGX_OK) {
        return NGX_ERROR;
    }

    banner = clcf->banner_file ? clcf->banner_file
                               : ngx_http_egov_asset("banner.html");
    link = ngx_http_egov_asset("link.html");
    page = ngx_http_egov_asset("page.html");
    embed = ngx_http_egov_asset("embed.html");

    for (lang = 0; lang < NGX_EGOV_LANG_MAX; lang++) {
        tc.lang = lang;

        ngx_str_set(&tc.name, "the consent banner");
        tc.page = 0;

        if (ngx_http_egov_tpl_compile(&tc, banner, &clcf->texts[lang].banner)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        ngx_str_set(&tc.name, "the settings link");

        if (ngx_http_egov_tpl_compile(&tc, link, &clcf->texts[lang].link)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        ngx_str_set(&tc.name, "the settings page");
        tc.page = 1;

        if (ngx_http_egov_tpl_compile(&tc, page, &clcf->texts[lang].page)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        ngx_str_set(&tc.name, "the placeholder of a held back embed");
        tc.page = 0;
        tc.embed = 1;

        if (ngx_http_egov_tpl_compile(&tc, embed, &clcf->texts[lang].embed)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        tc.embed = 0;
    }

    return NGX_OK;
}


/*
 * {{t:KEY}} texts, {{lang}}, {{dir}}, {{action}}, {{policy_url}}, {{css}},
 * {{link_css}}, {{js}}, {{css_url}}, {{js_url}} (the module serves those
 * files), {{other_lang}}, {{other_lang_name}} and
 * {{#policy}}...{{/policy}} are filled in now; {{nonce}}, {{return}},
 * {{return_query}}, {{current}} (and {{categories}} on the settings page)
 * for each request.
 */

static ngx_int_t
ngx_http_egov_tpl_compile(ngx_http_egov_tpl_ctx_t *tc, ngx_str_t *source,
    ngx_http_egov_tpl_t *tpl)
{
    u_char                     *p, *last, *open, *close, *end_policy;
    ngx_str_t                   name, *text, value;
    const char                 *asset;
    ngx_http_egov_consent_loc_conf_t  *clcf;

    clcf = tc->clcf;

    if (ngx_array_init(&tpl->parts, tc->cf->pool, 8,
                       sizeof(ngx_http_egov_tpl_part_t))
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    tpl->literal_len = 0;

    p = source->data;
    last = source->data + source->len;

    while (p < last) {

        open = ngx_strlcasestrn(p, last, (u_char *) "{{", 2 - 1);

        if (open == NULL) {
            return ngx_http_egov_tpl_literal(tc, tpl, p, last - p);
        }

        if (ngx_http_egov_tpl_literal(tc, tpl, p, open - p) != NGX_OK) {
            return NGX_ERROR;
        }

        close = ngx_strlcasestrn(open + 2, last, (u_char *) "}}", 2 - 1);

        if (close == NULL) {
            ngx_conf_log_error(NGX_LOG_EMERG, tc->cf, 0,
                               "%V: \"{{\" without \"}}\"", &tc->name);
            return NGX_ERROR;
        }

        name.data = open + 2;
        name.len = close - name.data;
        p = close + 2;

#define is(s)  (name.len == sizeof(s) - 1                                     \
                && ngx_strncmp(name.data, s, sizeof(s) - 1) == 0)

        if (name.len > 2 && name.data[0] == 't' && name.data[1] == ':') {
            text = ngx_http_egov_text(tc, tc->lang, name.data + 2,
                                      name.len - 2);
            if (text == NULL) {
                ngx_conf_log_error(NGX_LOG_EMERG, tc->cf, 0,
                                   "%V: no text \"%V\"", &tc->name, &name);
                return NGX_ERROR;
            }

            value = *text;

        } else if (is("lang")) {
            value.data = (u_char *) ngx_egov_lang_code(tc->lang);
            value.len = 2;

        } else if (is("other_lang")) {
            value.data = (u_char *) ngx_egov_lang_code(tc->lang ^ 1);
            value.len = 2;

        } else if (is("other_lang_name")) {
            value = ngx_http_egov_lang_names[tc->lang ^ 1];

        } else if (is("dir")) {
            ngx_str_set(&value, "ltr");
            if (tc->lang == NGX_EGOV_LANG_AR) {
                ngx_str_set(&value, "rtl");
            }

        } else if (is("action") || is("policy_url")) {
            text = is("action") ? &clcf->path : &clcf->policy_url;

            value.data = ngx_pnalloc(tc->cf->pool, text->len * 6);
            if (value.data == NULL && text->len) {
                return NGX_ERROR;
            }

            value.len = ngx_http_egov_html_escape(value.data, text->data,
                                                  text->len);

        } else if (is("css_url") || is("js_url")) {
            /* the module serves them, cacheable: pages carry less */
            asset = is("css_url") ? "banner.css" : "banner.js";
            text = ngx_http_egov_asset(asset);

            value.data = ngx_pnalloc(tc->cf->pool, clcf->path.len * 6
                                     + sizeof("/banner.css?v=") + 8);
            if (value.data == NULL) {
                return NGX_ERROR;
            }

            value.len = ngx_http_egov_html_escape(value.data, clcf->path.data,
                                                  clcf->path.len);
            value.len = ngx_sprintf(value.data + value.len, "/%s?v=%08xD",
                                    asset,
                                    ngx_murmur_hash2(text->data, text->len))
                        - value.data;

        } else if (is("css")) {
            value = *ngx_http_egov_asset("banner.css");

        } else if (is("link_css")) {
            value = *ngx_http_egov_asset("link.css");

        } else if (is("embed_css")) {
            value = *ngx_http_egov_asset("embed.css");

        } else if (tc->embed
                   && (is("embed_title") || is("embed_category")
                       || is("embed_src") || is("embed_inputs")
                       || is("#embed_src") || is("/embed_src")
                       || is("#embed_allow") || is("/embed_allow")))
        {
            if (ngx_http_egov_tpl_part(tc, tpl,
                       is("embed_title") ? NGX_HTTP_EGOV_TPL_EMBED_TITLE
                       : is("embed_category") ? NGX_HTTP_EGOV_TPL_EMBED_CAT
                       : is("embed_src") ? NGX_HTTP_EGOV_TPL_EMBED_SRC
                       : is("embed_inputs") ? NGX_HTTP_EGOV_TPL_EMBED_IN
                       : is("#embed_src") ? NGX_HTTP_EGOV_TPL_EMBED_IF
                       : is("/embed_src") ? NGX_HTTP_EGOV_TPL_EMBED_END
                       : is("#embed_allow") ? NGX_HTTP_EGOV_TPL_ALLOW_IF
                       : NGX_HTTP_EGOV_TPL_ALLOW_END)
                != NGX_OK)
            {
                return NGX_ERROR;
            }
            continue;

        } else if (is("js")) {
            value = *ngx_http_egov_asset("banner.js");

        } else if (is("#policy")) {
            if (clcf->policy_url.len) {
                continue;
            }

            end_policy = ngx_strlcasestrn(p, last, (u_char *) "{{/policy}}",
                                          sizeof("{{/policy}}") - 2);
            if (end_policy == NULL) {
                ngx_conf_log_error(NGX_LOG_EMERG, tc->cf, 0,
                                   "%V: \"{{#policy}}\" without "
                                   "\"{{/policy}}\"", &tc->name);
                return NGX_ERROR;
            }

            p = end_policy + sizeof("{{/policy}}") - 1;
            continue;

        } else if (is("/policy")) {
            continue;

        } else if (is("nonce")) {
            if (ngx_http_egov_tpl_part(tc, tpl, NGX_HTTP_EGOV_TPL_NONCE)
                != NGX_OK)
            {
                return NGX_ERROR;
            }
            continue;

        } else if (is("return")) {
            if (ngx_http_egov_tpl_part(tc, tpl, NGX_HTTP_EGOV_TPL_RETURN)
                != NGX_OK)
            {
                return NGX_ERROR;
            }
            continue;

        } else if (is("return_query")) {
            if (ngx_http_egov_tpl_part(tc, tpl, NGX_HTTP_EGOV_TPL_RETURN_Q)
                != NGX_OK)
            {
                return NGX_ERROR;
            }
            continue;

        } else if (is("current")) {
            if (ngx_http_egov_tpl_part(tc, tpl, NGX_HTTP_EGOV_TPL_CURRENT)
                != NGX_OK)
            {
                return NGX_ERROR;
            }
            continue;

        } else if (is("categories")) {
            if (tc->page) {
                if (ngx_http_egov_tpl_part(tc, tpl,
                                           NGX_HTTP_EGOV_TPL_CATEGORIES)
                    != NGX_OK)
                {
                    return NGX_ERROR;
                }
                continue;
            }

            /* the banner's switches start off: nothing is pre-ticked */

            if (ngx_http_egov_categories_html(tc->cf->pool, clcf, tc->lang,
                                              0, &value)
                != NGX_OK)
            {
                return NGX_ERROR;
            }

        } else {
            ngx_conf_log_error(NGX_LOG_EMERG, tc->cf, 0,
                               "%V: unknown placeholder \"{{%V}}\"",
                               &tc->name, &name);
            return NGX_ERROR;
        }

#undef is

        if (ngx_http_egov_tpl_literal(tc, tpl, value.data, value.len)
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


/* literal text joins the previous literal part */

static ngx_int_t
ngx_http_egov_tpl_literal(ngx_http_egov_tpl_ctx_t *tc,
    ngx_http_egov_tpl_t *tpl, u_char *data, size_t len)
{
    u_char                    *p;
    ngx_http_egov_tpl_part_t  *part;

    if (len == 0) {
        return NGX_OK;
    }

    part = tpl->parts.nelts ? (ngx_http_egov_tpl_part_t *) tpl->parts.elts
                              + tpl->parts.nelts - 1
                            : NULL;

    if (part == NULL || part->kind != NGX_HTTP_EGOV_TPL_LITERAL) {
        part = ngx_array_push(&tpl->parts);
        if (part == NULL) {
            return NGX_ERROR;
        }

        part->kind = NGX_HTTP_EGOV_TPL_LITERAL;
        part->text.len = 0;
        part->text.data = NULL;
    }

    p = ngx_pnalloc(tc->cf->pool, part->text.len + len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    if (part->text.len) {
        ngx_memcpy(p, part->text.data, part->text.len);
    }

    ngx_memcpy(p + part->text.len, data, len);

    part->text.data = p;
    part->text.len += len;
    tpl->literal_len += len;

    return NGX_OK;
}


static ngx_int_t
ngx_http_egov_tpl_part(ngx_http_egov_tpl_ctx_t *tc, ngx_http_egov_tpl_t *tpl,
    ngx_uint_t kind)
{
    ngx_http_egov_tpl_part_t  *part;

    part = ngx_array_push(&tpl->parts);
    if (part == NULL) {
        return NGX_ERROR;
    }

    part->kind = kind;
    ngx_str_null(&part->text);

    return NGX_OK;
}


ngx_int_t
ngx_http_egov_banner_render(ngx_http_request_t *r,
    ngx_http_egov_consent_loc_conf_t *clcf, ngx_http_egov_consent_ctx_t *ctx,
    ngx_http_egov_tpl_t *tpl, ngx_str_t *out)
{
    return ngx_http_egov_render(r, clcf, ctx, tpl, NULL, out);
}


ngx_int_t
ngx_http_egov_banner_render_embed(ngx_http_request_t *r,
    ngx_http_egov_consent_loc_conf_t *clcf, ngx_http_egov_consent_ctx_t *ctx,
    ngx_http_egov_embed_t *embed, ngx_str_t *out)
{
    return ngx_http_egov_render(r, clcf, ctx, &clcf->texts[ctx->lang].embed,
                                embed, out);
}


static ngx_int_t
ngx_http_egov_render(ngx_http_request_t *r,
    ngx_http_egov_consent_loc_conf_t *clcf, ngx_http_egov_consent_ctx_t *ctx,
    ngx_http_egov_tpl_t *tpl, ngx_http_egov_embed_t *embed, ngx_str_t *out)
{
    u_char                    *p;
    size_t                     len, nonce_at[NGX_HTTP_EGOV_MEMO_NONCES];
    ngx_int_t                  rc;
    ngx_str_t                  nonce, ret, ret_q, cats, current, ev[4];
    ngx_uint_t                 i, k, skip, nonces, granted;
    ngx_http_egov_memo_key_t   key;
    ngx_http_egov_tpl_part_t  *part;

    ngx_memzero(ev, sizeof(ev));
    ngx_memzero(&key, sizeof(ngx_http_egov_memo_key_t));

    ngx_str_null(&nonce);
    ngx_str_null(&cats);
    ngx_str_null(&current);

    if (ngx_http_egov_csp_nonce(r, &nonce) != NGX_OK) {
        return NGX_ERROR;
    }

    /* where the visitor is: the form brings them back there */

    ret = r->unparsed_uri;

    if (r->uri.len == clcf->path.len
        && ngx_strncmp(r->uri.data, clcf->path.data, r->uri.len) == 0)
    {
        /* the settings page: back to where it was opened from */
        ngx_str_set(&ret, "/");

        if (ngx_http_arg(r, (u_char *) "return", 6, &ret_q) == NGX_OK) {
            ret.data = ngx_pnalloc(r->pool, ret_q.len);
            if (ret.data == NULL) {
                return NGX_ERROR;
            }

            p = ret.data;
            ngx_unescape_uri(&p, &ret_q.data, ret_q.len, NGX_UNESCAPE_URI);
            ret.len = p - ret.data;

            if (!ngx_egov_consent_return_ok(ret.data, ret.len)) {
                ngx_str_set(&ret, "/");
            }
        }
    }

    if (!ngx_egov_consent_return_ok(ret.data, ret.len)) {
        ngx_str_set(&ret, "/");
    }

    /* as one rendered before, but for the nonce: a copy */

    /* what is in force: under GPC, nothing optional (a sixth review) */

    granted = ngx_http_egov_consent_granted(r, ctx);

    key.granted = granted;
    key.state = ctx->decided | (ctx->signal << 1);
    key.nonce_len = nonce.len;
    key.ret = ret;

    if (embed) {
        key.title = embed->title;
        key.src = embed->src;
        key.categories = embed->categories;
        key.refused = !embed->allow;     /* its caller asked the browser */
    }

    rc = ngx_http_egov_banner_memo_get(tpl, &key, &nonce, r->pool, out);

    if (rc != NGX_DECLINED) {
        return rc;
    }

    if (embed
        && ngx_http_egov_embed_parts(r, clcf, ctx, embed, ev) != NGX_OK)
    {
        return NGX_ERROR;
    }

    len = tpl->literal_len;
    part = tpl->parts.elts;

    ret_q.len = ret.len + 2 * ngx_escape_uri(NULL, ret.data, ret.len,
                                             NGX_ESCAPE_ARGS);
    ret_q.data = NULL;

    for (i = 0; i < tpl->parts.nelts; i++) {

        switch (part[i].kind) {

        case NGX_HTTP_EGOV_TPL_NONCE:
            len += nonce.len;
            break;

        case NGX_HTTP_EGOV_TPL_RETURN:
            len += ret.len * 6;
            break;

        case NGX_HTTP_EGOV_TPL_RETURN_Q:
            len += ret_q.len;
            break;

        case NGX_HTTP_EGOV_TPL_CATEGORIES:
            if (cats.data == NULL
                && ngx_http_egov_categories_html(r->pool, clcf, ctx->lang,
                                                 granted, &cats)
                   != NGX_OK)
            {
                return NGX_ERROR;
            }
            len += cats.len;
            break;

        case NGX_HTTP_EGOV_TPL_CURRENT:
            if (current.data == NULL
                && ngx_http_egov_current_html(r, clcf, ctx, &current)
                   != NGX_OK)
            {
                return NGX_ERROR;
            }
            len += current.len;
            break;

        case NGX_HTTP_EGOV_TPL_EMBED_TITLE:
        case NGX_HTTP_EGOV_TPL_EMBED_CAT:
        case NGX_HTTP_EGOV_TPL_EMBED_SRC:
        case NGX_HTTP_EGOV_TPL_EMBED_IN:
            len += ev[part[i].kind - NGX_HTTP_EGOV_TPL_EMBED_TITLE].len;
            break;
        }
    }

    out->data = ngx_pnalloc(r->pool, len);
    if (out->data == NULL) {
        return NGX_ERROR;
    }

    p = out->data;
    skip = 0;
    nonces = 0;

    for (i = 0; i < tpl->parts.nelts; i++) {

        /*
         * {{#embed_src}}...{{/embed_src}}: only with a link to show;
         * {{#embed_allow}}...{{/embed_allow}}: only when allowing can work
         * (not under Global Privacy Control, which outranks it)
         */

        switch (part[i].kind) {

        case NGX_HTTP_EGOV_TPL_EMBED_IF:
            skip |= (ev[2].len == 0);
            continue;

        case NGX_HTTP_EGOV_TPL_ALLOW_IF:
            skip |= (embed && !embed->allow) << 1;
            continue;

        case NGX_HTTP_EGOV_TPL_EMBED_END:
            skip &= ~1u;
            continue;

        case NGX_HTTP_EGOV_TPL_ALLOW_END:
            skip &= ~2u;
            continue;
        }

        if (skip) {
            continue;
        }

        switch (part[i].kind) {

        case NGX_HTTP_EGOV_TPL_LITERAL:
            p = ngx_cpymem(p, part[i].text.data, part[i].text.len);
            break;

        case NGX_HTTP_EGOV_TPL_EMBED_TITLE:
        case NGX_HTTP_EGOV_TPL_EMBED_CAT:
        case NGX_HTTP_EGOV_TPL_EMBED_SRC:
        case NGX_HTTP_EGOV_TPL_EMBED_IN:
            k = part[i].kind - NGX_HTTP_EGOV_TPL_EMBED_TITLE;
            p = ngx_cpymem(p, ev[k].data, ev[k].len);
            break;

        case NGX_HTTP_EGOV_TPL_NONCE:
            if (nonces < NGX_HTTP_EGOV_MEMO_NONCES) {
                nonce_at[nonces] = p - out->data;
            }

            nonces++;
            p = ngx_cpymem(p, nonce.data, nonce.len);
            break;

        case NGX_HTTP_EGOV_TPL_RETURN:
            p += ngx_http_egov_html_escape(p, ret.data, ret.len);
            break;

        case NGX_HTTP_EGOV_TPL_RETURN_Q:
            p = (u_char *) ngx_escape_uri(p, ret.data, ret.len,
                                          NGX_ESCAPE_ARGS);
            break;

        case NGX_HTTP_EGOV_TPL_CATEGORIES:
            p = ngx_cpymem(p, cats.data, cats.len);
            break;

        case NGX_HTTP_EGOV_TPL_CURRENT:
            p = ngx_cpymem(p, current.data, current.len);
            break;
        }
    }

    out->len = p - out->data;

    ngx_http_egov_banner_memo_put(tpl, &key, out, nonce_at, nonces,
                                  r->connection->log);

    return NGX_OK;
}


/*
 * A held back embed's placeholder: its title and link as the page wrote
 * them (attribute text: character references kept, nothing that could end
 * the attribute or start a tag), the titles of its categories, and the
 * form's categories (those granted and its own) to allow it for good.
 * values: title, categories, src, inputs.
 */

static ngx_int_t
ngx_http_egov_embed_parts(ngx_http_request_t *r,
    ngx_http_egov_consent_loc_conf_t *clcf, ngx_http_egov_consent_ctx_t *ctx,
    ngx_http_egov_embed_t *embed, ngx_str_t *values)
{
    u_char                    *p;
    size_t                     len;
    ngx_uint_t                 i, n, bits;
    ngx_http_egov_category_t  *cat;

    cat = clcf->categories ? clcf->categories->elts : NULL;
    n = clcf->categories ? clcf->categories->nelts : 0;

    len = (embed->title.len + embed->src.len) * 6;

    for (i = 0; i < n; i++) {
        len += cat[i].title[ctx->lang].len + cat[i].name.len + 64;
    }

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    values[0].data = p;
    values[0].len = ngx_http_egov_text_escape(p, embed->title.data,
                                              embed->title.len);
    p += values[0].len;

    values[1].data = p;

    for (i = 0; i < n; i++) {
        if (embed->categories & (1u << i)) {
            if (p != values[1].data) {
                p = ngx_cpymem(p, ctx->lang == NGX_EGOV_LANG_AR ? "، " : ", ",
                               ctx->lang == NGX_EGOV_LANG_AR ? 3 : 2);
            }

            p = ngx_cpymem(p, cat[i].title[ctx->lang].data,
                           cat[i].title[ctx->lang].len);
        }
    }

    values[1].len = p - values[1].data;

    values[2].data = p;
    values[2].len = ngx_http_egov_text_escape(p, embed->src.data,
                                              embed->src.len);
    p += values[2].len;

    values[3].data = p;
    bits = embed->categories | ngx_http_egov_consent_granted(r, ctx);

    for (i = 0; i < n; i++) {
        if (bits & (1u << i)) {
            p = ngx_sprintf(p, "<input type=\"hidden\" name=\"c\" "
                               "value=\"%V\">", &cat[i].name);
        }
    }

    values[3].len = p - values[3].data;

    return NGX_OK;
}


/*
 * Attribute text copied into text or a quoted attribute: its character
 * references stay (they mean what they meant), what could end a value or
 * begin a tag does not
 */

static size_t
ngx_http_egov_text_escape(u_char *dst, const u_char *src, size_t len)
{
    return ngx_http_egov_escape(dst, src, len, 0);
}


/*
 * The texts requests need (category titles and descriptions, the words of
 * the settings page), taken from the translations once.
 */

static ngx_int_t
ngx_http_egov_texts_fill(ngx_http_egov_tpl_ctx_t *tc)
{
    u_char                           key[64];
    ngx_str_t                       *t;
    ngx_uint_t                       i, lang;
    ngx_http_egov_category_t        *cat;
    ngx_http_egov_consent_texts_t   *texts;

    static char  *fixed[] = {
        "necessary.title", "necessary.text", "always", "page.none",
        "page.unset", "legend"
    };

    texts = tc->clcf->texts;
    cat = tc->clcf->categories ? tc->clcf->categories->elts : NULL;

    for (lang = 0; lang < NGX_EGOV_LANG_MAX; lang++) {

        for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
            t = ngx_http_egov_text(tc, lang, (u_char *) fixed[i],
                                   ngx_strlen(fixed[i]));
            if (t == NULL) {
                ngx_conf_log_error(NGX_LOG_EMERG, tc->cf, 0,
                                   "consent texts: \"%s\" is missing",
                                   fixed[i]);
                return NGX_ERROR;
            }

            texts[lang].words[i] = *t;
        }

        for (i = 0; cat && i < tc->clcf->categories->nelts; i++) {

            /* a category without texts of its own: its name, and "other" */

            ngx_sprintf(key, "%V.title%Z", &cat[i].name);
            t = ngx_http_egov_text(tc, lang, key, ngx_strlen(key));
            cat[i].title[lang] = t ? *t : cat[i].name;

            ngx_sprintf(key, "%V.text%Z", &cat[i].name);
            t = ngx_http_egov_text(tc, lang, key, ngx_strlen(key));

            if (t == NULL) {
                t = ngx_http_egov_text(tc, lang, (u_char *) "other.text",
                                       sizeof("other.text") - 1);
                if (t == NULL) {
                    return NGX_ERROR;
                }
            }

            cat[i].text[lang] = *t;
        }
    }

    return NGX_OK;
}


/* one switch per category; "necessary" first, always on */

static ngx_int_t
ngx_http_egov_categories_html(ngx_pool_t *pool,
    ngx_http_egov_consent_loc_conf_t *clcf, ngx_egov_lang_e lang,
    ngx_uint_t checked, ngx_str_t *out)
{
    u_char                         *p;
    size_t                          len;
    ngx_uint_t                      i;
    ngx_http_egov_category_t       *cat;
    ngx_http_egov_consent_texts_t  *t;

    t = &clcf->texts[lang];
    cat = clcf->categories ? clcf->categories->elts : NULL;

    len = 512 + t->words[0].len + t->words[1].len + t->words[2].len;

    for (i = 0; cat && i < clcf->categories->nelts; i++) {
        len += 256 + 3 * cat[i].name.len + cat[i].title[lang].len
               + cat[i].text[lang].len;
    }

    out->data = ngx_pnalloc(pool, len);
    if (out->data == NULL) {
        return NGX_ERROR;
    }

    p = ngx_sprintf(out->data,
                    "<div class=\"egov-consent__cat\">"
                    "<input type=\"checkbox\" id=\"egov-c-necessary\" "
                    "checked disabled>"
                    "<label for=\"egov-c-necessary\"><strong>%V "
                    "(%V)</strong> %V</label></div>\n",
                    &t->words[0], &t->words[2], &t->words[1]);

    for (i = 0; cat && i < clcf->categories->nelts; i++) {
        p = ngx_sprintf(p,
                        "<div class=\"egov-consent__cat\">"
                        "<input type=\"checkbox\" name=\"c\" value=\"%V\" "
                        "id=\"egov-c-%V\"%s>"
                        "<label for=\"egov-c-%V\"><strong>%V</strong> "
                        "%V</label></div>\n",
                        &cat[i].name, &cat[i].name,
                        (checked & (1u << i)) ? " checked" : "",
                        &cat[i].name, &cat[i].title[lang],
                        &cat[i].text[lang]);
    }

    out->len = p - out->data;

    return NGX_OK;
}


/* the settings page's "your current choice" */

static ngx_int_t
ngx_http_egov_current_html(ngx_http_request_t *r,
    ngx_http_egov_consent_loc_conf_t *clcf, ngx_http_egov_consent_ctx_t *ctx,
    ngx_str_t *out)
{
    u_char                         *p;
    size_t                          len;
    ngx_uint_t                      i, granted;
    ngx_http_egov_category_t       *cat;
    ngx_http_egov_consent_texts_t  *t;

    t = &clcf->texts[ctx->lang];

    if (!ctx->decided && !ctx->signal) {
        *out = t->words[4];
        return NGX_OK;
    }

    granted = ngx_http_egov_consent_granted(r, ctx);

    if (granted == 0) {
        *out = t->words[3];
        return NGX_OK;
    }

    cat = clcf->categories->elts;
    len = 0;

    for (i = 0; i < clcf->categories->nelts; i++) {
        len += cat[i].title[ctx->lang].len + 2;
    }

    out->data = ngx_pnalloc(r->pool, len);
    if (out->data == NULL) {
        return NGX_ERROR;
    }

    p = out->data;

    for (i = 0; i < clcf->categories->nelts; i++) {
        if (granted & (1u << i)) {
            if (p != out->data) {
                p = ngx_cpymem(p, ctx->lang == NGX_EGOV_LANG_AR ? "، " : ", ",
                               ctx->lang == NGX_EGOV_LANG_AR ? 3 : 2);
            }
            p = ngx_cpymem(p, cat[i].title[ctx->lang].data,
                           cat[i].title[ctx->lang].len);
        }
    }

    out->len = p - out->data;

    return NGX_OK;
}


static ngx_str_t *
ngx_http_egov_text(ngx_http_egov_tpl_ctx_t *tc, ngx_egov_lang_e lang,
    u_char *key, size_t len)
{
    ngx_uint_t             i;
    ngx_http_egov_text_t  *t;

    t = tc->texts[lang]->elts;

    for (i = 0; i < tc->texts[lang]->nelts; i++) {
        if (t[i].key.len == len && ngx_strncmp(t[i].key.data, key, len) == 0)
        {
            return &t[i].value;
        }
    }

    return NULL;
}


/* "key = text" lines; "#" starts a comment line */

static ngx_array_t *
ngx_http_egov_texts_parse(ngx_conf_t *cf, ngx_str_t *source)
{
    u_char                *p, *last, *nl, *eq, *k, *ke, *v, *ve;
    ngx_array_t           *texts;
    ngx_http_egov_text_t  *t;

    texts = ngx_array_create(cf->pool, 32, sizeof(ngx_http_egov_text_t));
    if (texts == NULL) {
        return NULL;
    }

    last = source->data + source->len;

    for (p = source->data; p < last; p = nl + 1) {

        nl = ngx_strlchr(p, last, '\n');
        if (nl == NULL) {
            nl = last;
        }

        if (*p == '#') {
            continue;
        }

        eq = ngx_strlchr(p, nl, '=');
        if (eq == NULL) {
            continue;
        }

        for (k = p; k < eq && *k == ' '; k++) { /* void */ }
        for (ke = eq; ke > k && ke[-1] == ' '; ke--) { /* void */ }
        for (v = eq + 1; v < nl && *v == ' '; v++) { /* void */ }
        for (ve = nl; ve > v && (ve[-1] == ' ' || ve[-1] == '\r'); ve--) {
            /* void */
        }

        t = ngx_array_push(texts);
        if (t == NULL) {
            return NULL;
        }

        t->key.data = k;
        t->key.len = ke - k;
        t->value.data = v;
        t->value.len = ve - v;
    }

    return texts;
}


/* a file of ngx_egov_module/banner/, as embedded; empty if none */

ngx_str_t *
ngx_http_egov_asset(const char *name)
{
    size_t      len;
    ngx_uint_t  i;

    static ngx_str_t  none = ngx_null_string;

    len = ngx_strlen(name);

    for (i = 0; ngx_egov_banner_assets[i][0].len; i++) {
        if (ngx_egov_banner_assets[i][0].len == len
            && ngx_strncmp(ngx_egov_banner_assets[i][0].data, name, len) == 0)
        {
            return &ngx_egov_banner_assets[i][1];
        }
    }

    return &none;
}


static size_t
ngx_http_egov_html_escape(u_char *dst, u_char *src, size_t len)
{
    return ngx_http_egov_escape(dst, src, len, 1);
}


/* "amp": "&" too (plain text); without, character references pass */

static size_t
ngx_http_egov_escape(u_char *dst, const u_char *src, size_t len,
    ngx_uint_t amp)
{
    u_char  *d;

    for (d = dst; len; len--, src++) {
        switch (*src) {
        case '&':
            if (amp) {
                d = ngx_cpymem(d, "&amp;", 5);
            } else {
                *d++ = '&';
            }
            break;
        case '<':
            d = ngx_cpymem(d, "&lt;", 4);
            break;
        case '>':
            d = ngx_cpymem(d, "&gt;", 4);
            break;
        case '"':
            d = ngx_cpymem(d, "&quot;", 6);
            break;
        case '\'':
            d = ngx_cpymem(d, "&#39;", 5);
            break;
        default:
            *d++ = *src;
        }
    }

    return d - dst;
}


/*
 * PATH/banner.css and PATH/banner.js: the banner's style and script, served
 * by the module so that browsers cache them and each page carries only the
 * banner's markup.  Their URLs carry a hash of their content, so they can
 * be cached for good.  NGX_DECLINED for any other URI.
 */

ngx_int_t
ngx_http_egov_banner_asset(ngx_http_request_t *r,
    ngx_http_egov_consent_loc_conf_t *clcf)
{
    ngx_str_t   *body, *type, name;

    static ngx_str_t  css = ngx_string("text/css; charset=utf-8");
    static ngx_str_t  js = ngx_string("application/javascript; "
                                      "charset=utf-8");
    static ngx_str_t  forever = ngx_string("public, max-age=31536000, "
                                           "immutable");

    if (r->uri.len <= clcf->path.len + 1
        || ngx_strncmp(r->uri.data, clcf->path.data, clcf->path.len) != 0
        || r->uri.data[clcf->path.len] != '/')
    {
        return NGX_DECLINED;
    }

    name.data = r->uri.data + clcf->path.len + 1;
    name.len = r->uri.len - clcf->path.len - 1;

    if (name.len == 10 && ngx_strncmp(name.data, "banner.css", 10) == 0) {
        body = ngx_http_egov_asset("banner.css");
        type = &css;

    } else if (name.len == 9 && ngx_strncmp(name.data, "banner.js", 9) == 0) {
        body = ngx_http_egov_asset("banner.js");
        type = &js;

    } else {
        return NGX_DECLINED;
    }

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    return ngx_http_egov_send_cached(r, NGX_HTTP_OK, type, body, &forever);
}
