
/*
 * The last banner a worker rendered from a template, kept for the next
 * request that needs the same one.  Visitor after visitor, a page's banner
 * differs only in its nonce, which has the same length each time and is
 * written over the kept one where the template placed it; everything else
 * it depends on is the template itself (of one language, and of one level
 * or of levels with the same categories) or the memo's key: the consent's
 * state (categories granted, chosen or signalled) and the return path.  A return path longer than the memo holds, or a template
 * with more nonces than it records, is rendered each time.
 *
 * Per worker: the memo is allocated on first use and lives as long as the
 * worker (a reload starts new workers with new templates).
 */


#include "ngx_http_egov_consent.h"


struct ngx_http_egov_banner_memo_s {
    ngx_http_egov_memo_key_t    key;
    u_char                      ret[NGX_HTTP_EGOV_MEMO_RET];
    u_char                     *text;
    size_t                      len;
    size_t                      cap;
    size_t                      nonce_at[NGX_HTTP_EGOV_MEMO_NONCES];
    ngx_uint_t                  nonces;
};


static ngx_uint_t ngx_http_egov_banner_memo_same(
    ngx_http_egov_memo_key_t *kept, ngx_http_egov_memo_key_t *key);


/*
 * NGX_OK with the banner in out (allocated from the pool, the nonce
 * written in), NGX_DECLINED when the memo holds another one
 */

ngx_int_t
ngx_http_egov_banner_memo_get(ngx_http_egov_tpl_t *tpl,
    ngx_http_egov_memo_key_t *key, ngx_str_t *nonce, ngx_pool_t *pool,
    ngx_str_t *out)
{
    ngx_uint_t                    i;
    ngx_http_egov_banner_memo_t  *memo;

    memo = tpl->memo;

    if (memo == NULL || memo->len == 0
        || !ngx_http_egov_banner_memo_same(&memo->key, key))
    {
        return NGX_DECLINED;
    }

    out->data = ngx_pnalloc(pool, memo->len);
    if (out->data == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(out->data, memo->text, memo->len);
    out->len = memo->len;

    for (i = 0; i < memo->nonces; i++) {
        ngx_memcpy(out->data + memo->nonce_at[i], nonce->data, nonce->len);
    }

    return NGX_OK;
}


/*
 * Keeps a banner just rendered: nonce_at[] are where its nonces begin;
 * a banner that cannot be kept leaves the memo empty, never stale
 */

void
ngx_http_egov_banner_memo_put(ngx_http_egov_tpl_t *tpl,
    ngx_http_egov_memo_key_t *key, ngx_str_t *text, size_t *nonce_at,
    ngx_uint_t nonces, ngx_log_t *log)
{
    u_char                       *p;
    ngx_http_egov_banner_memo_t  *memo;

    memo = tpl->memo;

    if (memo == NULL) {
        memo = ngx_calloc(sizeof(ngx_http_egov_banner_memo_t), log);
        if (memo == NULL) {
            return;
        }

        tpl->memo = memo;
    }

    memo->len = 0;

    if (key->ret.len > NGX_HTTP_EGOV_MEMO_RET
        || nonces > NGX_HTTP_EGOV_MEMO_NONCES
        || text->len == 0)
    {
        return;
    }

    if (text->len > memo->cap) {
        p = ngx_alloc(text->len, log);
        if (p == NULL) {
            return;
        }

        ngx_free(memo->text);
        memo->text = p;
        memo->cap = text->len;
    }

    ngx_memcpy(memo->text, text->data, text->len);
    ngx_memcpy(memo->nonce_at, nonce_at, nonces * sizeof(size_t));
    memo->nonces = nonces;

    memo->key = *key;
    memo->key.ret.data = memo->ret;
    ngx_memcpy(memo->ret, key->ret.data, key->ret.len);

    memo->len = text->len;
}


static ngx_uint_t
ngx_http_egov_banner_memo_same(ngx_http_egov_memo_key_t *kept,
    ngx_http_egov_memo_key_t *key)
{
    return kept->granted == key->granted
           && kept->state == key->state
           && kept->nonce_len == key->nonce_len
           && kept->ret.len == key->ret.len
           && ngx_memcmp(kept->ret.data, key->ret.data, key->ret.len) == 0;
}
