
/*
 * The last renderings a worker made from a template (a banner, a settings
 * page, a held back embed's place), kept for the next request that needs
 * the same one.  Visitor after visitor, a page's banner differs only in its
 * nonce, which has the same length each time and is written over the kept
 * one where the template placed it; everything else it depends on is the
 * template itself (of one language, and of one level or of levels with the
 * same categories) or the memo's key: the consent's state, the return path
 * and, for an embed, what the page wrote of it.  A key longer than a slot
 * holds, or a template with more nonces than it records, is rendered each
 * time.  A few slots a template, replaced in turn: a page with two embeds
 * has both kept.
 *
 * Per worker: the memo is allocated on first use and lives as long as the
 * worker (a reload starts new workers with new templates).
 */


#include "ngx_http_egov_consent.h"


typedef struct {
    ngx_http_egov_memo_key_t    key;
    u_char                      room[NGX_HTTP_EGOV_MEMO_ROOM]; /* key's */
    u_char                     *text;
    size_t                      len;         /* 0: empty */
    size_t                      cap;
    size_t                      nonce_at[NGX_HTTP_EGOV_MEMO_NONCES];
    ngx_uint_t                  nonces;
} ngx_http_egov_memo_slot_t;


struct ngx_http_egov_banner_memo_s {
    ngx_http_egov_memo_slot_t   slots[NGX_HTTP_EGOV_MEMO_SLOTS];
    ngx_uint_t                  next;        /* the slot replaced next */
};


static ngx_uint_t ngx_http_egov_banner_memo_same(
    ngx_http_egov_memo_key_t *kept, ngx_http_egov_memo_key_t *key);
static ngx_uint_t ngx_http_egov_banner_memo_str(ngx_str_t *kept,
    ngx_str_t *str);
static u_char *ngx_http_egov_banner_memo_copy(ngx_str_t *kept,
    u_char *room, ngx_str_t *str);


/*
 * NGX_OK with the rendering in out (allocated from the pool, the nonce
 * written in), NGX_DECLINED when the memo does not hold it
 */

ngx_int_t
ngx_http_egov_banner_memo_get(ngx_http_egov_tpl_t *tpl,
    ngx_http_egov_memo_key_t *key, ngx_str_t *nonce, ngx_pool_t *pool,
    ngx_str_t *out)
{
    ngx_uint_t                  i;
    ngx_http_egov_memo_slot_t  *slot;

    if (tpl->memo == NULL) {
        return NGX_DECLINED;
    }

    for (i = 0; i < NGX_HTTP_EGOV_MEMO_SLOTS; i++) {
        slot = &tpl->memo->slots[i];

        if (slot->len && ngx_http_egov_banner_memo_same(&slot->key, key)) {
            break;
        }
    }

    if (i == NGX_HTTP_EGOV_MEMO_SLOTS) {
        return NGX_DECLINED;
    }

    out->data = ngx_pnalloc(pool, slot->len);
    if (out->data == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(out->data, slot->text, slot->len);
    out->len = slot->len;

    for (i = 0; i < slot->nonces; i++) {
        ngx_memcpy(out->data + slot->nonce_at[i], nonce->data, nonce->len);
    }

    return NGX_OK;
}


/*
 * Keeps a rendering just made, in place of the oldest: nonce_at[] are
 * where its nonces begin; a slot that cannot take it (no memory) is left
 * empty, never stale
 */

void
ngx_http_egov_banner_memo_put(ngx_http_egov_tpl_t *tpl,
    ngx_http_egov_memo_key_t *key, ngx_str_t *text, size_t *nonce_at,
    ngx_uint_t nonces, ngx_log_t *log)
{
    u_char                     *p;
    ngx_http_egov_memo_slot_t  *slot;

    /* one that could never be kept (a long URL) takes no one's slot */

    if (key->ret.len + key->title.len + key->src.len
        > NGX_HTTP_EGOV_MEMO_ROOM
        || nonces > NGX_HTTP_EGOV_MEMO_NONCES
        || text->len == 0)
    {
        return;
    }

    if (tpl->memo == NULL) {
        tpl->memo = ngx_calloc(sizeof(ngx_http_egov_banner_memo_t), log);
        if (tpl->memo == NULL) {
            return;
        }
    }

    slot = &tpl->memo->slots[tpl->memo->next];
    tpl->memo->next = (tpl->memo->next + 1) % NGX_HTTP_EGOV_MEMO_SLOTS;

    slot->len = 0;

    if (text->len > slot->cap) {
        p = ngx_alloc(text->len, log);
        if (p == NULL) {
            return;
        }

        ngx_free(slot->text);
        slot->text = p;
        slot->cap = text->len;
    }

    ngx_memcpy(slot->text, text->data, text->len);
    ngx_memcpy(slot->nonce_at, nonce_at, nonces * sizeof(size_t));
    slot->nonces = nonces;

    slot->key = *key;

    p = ngx_http_egov_banner_memo_copy(&slot->key.ret, slot->room,
                                       &key->ret);
    p = ngx_http_egov_banner_memo_copy(&slot->key.title, p, &key->title);
    (void) ngx_http_egov_banner_memo_copy(&slot->key.src, p, &key->src);

    slot->len = text->len;
}


static u_char *
ngx_http_egov_banner_memo_copy(ngx_str_t *kept, u_char *room, ngx_str_t *str)
{
    kept->data = room;
    kept->len = str->len;

    if (str->len == 0) {
        return room;
    }

    return ngx_cpymem(room, str->data, str->len);
}


static ngx_uint_t
ngx_http_egov_banner_memo_same(ngx_http_egov_memo_key_t *kept,
    ngx_http_egov_memo_key_t *key)
{
    return kept->granted == key->granted
           && kept->state == key->state
           && kept->nonce_len == key->nonce_len
           && kept->categories == key->categories
           && kept->refused == key->refused
           && ngx_http_egov_banner_memo_str(&kept->ret, &key->ret)
           && ngx_http_egov_banner_memo_str(&kept->title, &key->title)
           && ngx_http_egov_banner_memo_str(&kept->src, &key->src);
}


static ngx_uint_t
ngx_http_egov_banner_memo_str(ngx_str_t *kept, ngx_str_t *str)
{
    return kept->len == str->len
           && (str->len == 0
               || ngx_memcmp(kept->data, str->data, str->len) == 0);
}
