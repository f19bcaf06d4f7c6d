/* sources: ngx_egov_module/ngx_egov_html_tag.c */

/*
 * Any start tag, rewritten for a visitor without consent, read again as a
 * browser would: a script's first type is text/plain, an iframe has no src
 * or srcdoc and is hidden.  Rewritten with consent, it is still one tag.
 * Pieces stay within the tag or in literal text.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "ngx_egov_html_tag.h"


static size_t
join(ngx_egov_html_piece_t *pieces, size_t n, u_char *out, size_t max)
{
    size_t  i, o;

    for (o = 0, i = 0; i < n; i++) {
        if (pieces[i].len > max - o) {
            abort();
        }

        memcpy(out + o, pieces[i].data, pieces[i].len);
        o += pieces[i].len;
    }

    return o;
}


static int
attr_is(ngx_egov_html_attr_t *a, const char *name)
{
    return a->name_len == strlen(name)
           && strncasecmp((const char *) a->name, name, a->name_len) == 0;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t                 n, len;
    const u_char          *p, *end;
    ngx_egov_html_tag_t    t, again;
    ngx_egov_html_attr_t   a;
    ngx_egov_html_piece_t  pieces[NGX_EGOV_HTML_PIECES_MAX];
    static u_char          tag[4096 + 16], out[4 * 4096 + 512];

    if (size < 1 || size > 4096) {
        return 0;
    }

    /* "<script" or "<iframe", the input, ">" */

    len = 0;
    memcpy(tag, (data[0] & 1) ? "<iframe" : "<script", 7);
    len = 7;
    memcpy(tag + len, data + 1, size - 1);
    len += size - 1;
    tag[len++] = '>';

    /* a ">" inside would end the tag sooner: the scanner never gives one */
    if (memchr(tag, '>', len - 1)) {
        return 0;
    }

    if (!ngx_egov_html_tag_read(tag, len, &t)) {
        abort();
    }

    /* nor an unterminated quote: the ">" would be in its value */

    end = tag + len - 1;

    for (p = t.attrs; ngx_egov_html_attr_next(&p, end, &a); ) {
        if (a.value && a.value > tag
            && (a.value[-1] == '"' || a.value[-1] == '\'')
            && a.value + a.value_len == end)
        {
            return 0;
        }
    }

    n = ngx_egov_html_gate(&t, 0, (const u_char *) " nonce=\"N\"", 10,
                           pieces);
    len = join(pieces, n, out, sizeof(out));

    if (!ngx_egov_html_tag_read(out, len, &again)) {
        abort();
    }

    if (again.iframe) {
        end = out + len - 1;

        for (p = again.attrs; ngx_egov_html_attr_next(&p, end, &a); ) {
            if (attr_is(&a, "src") || attr_is(&a, "srcdoc")) {
                abort();
            }
        }

        if (memcmp(out, "<iframe hidden", 14) != 0) {
            abort();
        }

    } else if (again.type.name == NULL
               || !ngx_egov_html_value_is(&again.type, "text/plain"))
    {
        abort();
    }

    n = ngx_egov_html_gate(&t, 1, NULL, 0, pieces);
    len = join(pieces, n, out, sizeof(out));

    if (!ngx_egov_html_tag_read(out, len, &again)) {
        abort();
    }

    return 0;
}
