
/*
 * A whole start tag's attributes, and the consent rewrite of a marked
 * <script> or <iframe> (see ngx_egov_html_tag.h).
 */


#include "ngx_egov_html_tag.h"

#include <string.h>
#include <strings.h>


#define ngx_egov_tag_space(c)                                                \
    ((c) == ' ' || (c) == '\t' || (c) == '\n' || (c) == '\r' || (c) == '\f')


typedef struct {
    ngx_egov_html_piece_t  *out;
    size_t                  n;
    const u_char           *cur;     /* the tag is copied from here on */
    int                     full;
} ngx_egov_gate_t;


static int ngx_egov_html_name_is(ngx_egov_html_attr_t *a, const char *name);
static void ngx_egov_gate_piece(ngx_egov_gate_t *g, const u_char *p,
    size_t len);
static void ngx_egov_gate_insert(ngx_egov_gate_t *g, const u_char *at,
    const char *text);
static void ngx_egov_gate_skip(ngx_egov_gate_t *g, const u_char *from,
    const u_char *to);
static size_t ngx_egov_gate_inert(ngx_egov_html_tag_t *t,
    ngx_egov_html_piece_t *out);


const u_char *
ngx_egov_html_name_end(const u_char *p, const u_char *end)
{
    for ( /* void */ ; p < end; p++) {
        if (ngx_egov_tag_space(*p) || *p == '/' || *p == '>') {
            break;
        }
    }

    return p;
}


int
ngx_egov_html_tag_read(const u_char *tag, size_t len, ngx_egov_html_tag_t *t)
{
    const u_char          *p, *end;
    ngx_egov_html_attr_t   a, *slot;

    memset(t, 0, sizeof(ngx_egov_html_tag_t));

    if (len < 3 || tag[0] != '<' || tag[len - 1] != '>') {
        return 0;
    }

    t->tag = tag;
    t->len = len;
    end = tag + len;

    p = ngx_egov_html_name_end(tag + 1, end);

    t->attrs = p;
    t->iframe = (p - tag == 7 && strncasecmp((char *) tag + 1, "iframe", 6)
                                 == 0);

    while (ngx_egov_html_attr_next(&p, end, &a)) {

        slot = NULL;

        if (ngx_egov_html_name_is(&a, "data-egov-consent")) {
            /* it wins over data-category, wherever it is */
            if (t->consent.name == NULL
                || !ngx_egov_html_name_is(&t->consent, "data-egov-consent"))
            {
                t->consent = a;
            }

        } else if (ngx_egov_html_name_is(&a, "data-category")) {
            if (t->consent.name == NULL) {
                t->consent = a;
            }

        } else if (ngx_egov_html_name_is(&a, "type")) {
            slot = &t->type;

        } else if (ngx_egov_html_name_is(&a, "data-type")) {
            slot = &t->data_type;

        } else if (ngx_egov_html_name_is(&a, "src")) {
            slot = &t->src;

        } else if (ngx_egov_html_name_is(&a, "data-src")) {
            slot = &t->data_src;

        } else if (ngx_egov_html_name_is(&a, "title")) {
            slot = &t->title;

        } else if (ngx_egov_html_name_is(&a, "lang")) {
            slot = &t->lang;

        } else if (ngx_egov_html_name_is(&a, "nonce")) {
            t->has_nonce = 1;
        }

        /* the first of two attributes of one name counts */

        if (slot && slot->name == NULL) {
            *slot = a;
        }
    }

    return 1;
}


/*
 * As the tokenizer: spaces and "/" between attributes; a name runs to a
 * space, "/", "=" or ">" (its first byte may be "="); a value is quoted or
 * runs to a space or ">"
 */

int
ngx_egov_html_attr_next(const u_char **p, const u_char *end,
    ngx_egov_html_attr_t *a)
{
    u_char         q;
    const u_char  *s;

    s = *p;

    while (s < end && (ngx_egov_tag_space(*s) || *s == '/')) {
        s++;
    }

    if (s >= end || *s == '>') {
        *p = s;
        return 0;
    }

    memset(a, 0, sizeof(ngx_egov_html_attr_t));
    a->start = s;
    a->name = s;

    for (s++; s < end; s++) {
        if (ngx_egov_tag_space(*s) || *s == '/' || *s == '=' || *s == '>') {
            break;
        }
    }

    a->name_len = s - a->name;
    a->end = s;

    while (s < end && ngx_egov_tag_space(*s)) {
        s++;
    }

    if (s >= end || *s != '=') {
        *p = a->end;
        return 1;
    }

    for (s++; s < end && ngx_egov_tag_space(*s); s++) { /* void */ }

    if (s < end && (*s == '"' || *s == '\'')) {
        q = *s++;
        a->value = s;

        while (s < end && *s != q) {
            s++;
        }

        a->value_len = s - a->value;
        a->end = (s < end) ? s + 1 : s;

    } else if (s < end && *s != '>') {
        a->value = s;

        while (s < end && !ngx_egov_tag_space(*s) && *s != '>') {
            s++;
        }

        a->value_len = s - a->value;
        a->end = s;

    } else {
        /* "name=>": an empty value */
        a->value = s;
        a->end = s;
    }

    *p = a->end;

    return 1;
}


int
ngx_egov_html_category_next(const u_char **p, const u_char *end,
    const u_char **name, size_t *len)
{
    const u_char  *s;

    s = *p;

    while (s < end && (ngx_egov_tag_space(*s) || *s == ',')) {
        s++;
    }

    if (s >= end) {
        *p = s;
        return 0;
    }

    *name = s;

    while (s < end && !ngx_egov_tag_space(*s) && *s != ',') {
        s++;
    }

    *len = s - *name;
    *p = s;

    return 1;
}


size_t
ngx_egov_html_gate(ngx_egov_html_tag_t *t, int allowed, const u_char *nonce,
    size_t nonce_len, ngx_egov_html_piece_t *out)
{
    int                    inert, pending;
    const u_char          *p, *end, *gt;
    ngx_egov_gate_t        g;
    ngx_egov_html_attr_t   a;

    /* a script written inert, as it should be: type="text/plain" first */
    inert = (t->type.name && ngx_egov_html_value_is(&t->type, "text/plain"));

    g.out = out;
    g.n = 0;
    g.cur = t->tag;
    g.full = 0;

    end = t->tag + t->len;
    gt = end - 1;

    if (!allowed) {
        if (t->iframe) {
            /* a value of its own: a "=" after it stays the next name's */
            ngx_egov_gate_insert(&g, t->attrs, " hidden=\"\"");

        } else if (!inert) {
            ngx_egov_gate_insert(&g, t->attrs, " type=\"text/plain\"");
        }
    }

    pending = 0;

    for (p = t->attrs; ngx_egov_html_attr_next(&p, gt, &a); /* void */) {

        /* "name=" right before ">": what goes in there would be its value */
        pending = (a.value && a.value_len == 0 && a.value == gt);

        if (t->iframe) {
            if (ngx_egov_html_name_is(&a, "srcdoc") && !allowed) {
                ngx_egov_gate_insert(&g, a.start, "data-egov-");

            } else if (ngx_egov_html_name_is(&a, "src")) {
                if (allowed && t->data_src.name == NULL) {
                    continue;
                }

                if (!allowed && t->data_src.name == NULL
                    && a.start == t->src.start)
                {
                    /* kept for the placeholder and for activation */
                    ngx_egov_gate_insert(&g, a.start, "data-");
                    continue;
                }

                ngx_egov_gate_insert(&g, a.start, "data-egov-");

            } else if (allowed && a.start == t->data_src.start) {
                ngx_egov_gate_skip(&g, a.start, a.start + 5);
            }

            continue;
        }

        /* a script */

        if (allowed) {
            /* inert as written: its types go, data-type becomes one */

            if (!inert) {
                continue;
            }

            if (ngx_egov_html_name_is(&a, "type")) {
                ngx_egov_gate_insert(&g, a.start, "data-egov-");

            } else if (a.start == t->data_type.start) {
                ngx_egov_gate_skip(&g, a.start, a.start + 5);
            }

        } else if (a.start == t->type.start && t->data_type.name == NULL
                   && !inert)
        {
            /* the type it had, for activation in the page */
            ngx_egov_gate_insert(&g, a.start, "data-");
        }
    }

    if (nonce_len) {
        ngx_egov_gate_piece(&g, g.cur, gt - g.cur);

        if (pending) {
            ngx_egov_gate_piece(&g, (const u_char *) "\"\"", 2);
        }

        ngx_egov_gate_piece(&g, nonce, nonce_len);
        g.cur = gt;
    }

    ngx_egov_gate_piece(&g, g.cur, end - g.cur);

    if (g.full) {
        /* too many changes to make: the tag, inert, without attributes */

        if (allowed) {
            return ngx_egov_html_gate(t, 0, nonce, nonce_len, out);
        }

        return ngx_egov_gate_inert(t, out);
    }

    return g.n;
}


int
ngx_egov_html_value_is(ngx_egov_html_attr_t *a, const char *word)
{
    size_t         n;
    const u_char  *v, *e;

    if (a->value == NULL) {
        return 0;
    }

    v = a->value;
    e = a->value + a->value_len;

    while (v < e && ngx_egov_tag_space(*v)) {
        v++;
    }

    while (e > v && ngx_egov_tag_space(e[-1])) {
        e--;
    }

    n = strlen(word);

    return (size_t) (e - v) == n && strncasecmp((char *) v, word, n) == 0;
}


static int
ngx_egov_html_name_is(ngx_egov_html_attr_t *a, const char *name)
{
    size_t  n;

    n = strlen(name);

    return a->name_len == n && strncasecmp((char *) a->name, name, n) == 0;
}


static void
ngx_egov_gate_piece(ngx_egov_gate_t *g, const u_char *p, size_t len)
{
    if (len == 0) {
        return;
    }

    if (g->n == NGX_EGOV_HTML_PIECES_MAX) {
        g->full = 1;
        return;
    }

    g->out[g->n].data = p;
    g->out[g->n].len = len;
    g->n++;
}


static void
ngx_egov_gate_insert(ngx_egov_gate_t *g, const u_char *at, const char *text)
{
    ngx_egov_gate_piece(g, g->cur, at - g->cur);
    ngx_egov_gate_piece(g, (const u_char *) text, strlen(text));
    g->cur = at;
}


static void
ngx_egov_gate_skip(ngx_egov_gate_t *g, const u_char *from, const u_char *to)
{
    ngx_egov_gate_piece(g, g->cur, from - g->cur);
    g->cur = to;
}


/* "<script" or "<iframe", what makes it inert, the ">" */

static size_t
ngx_egov_gate_inert(ngx_egov_html_tag_t *t, ngx_egov_html_piece_t *out)
{
    out[0].data = t->tag;
    out[0].len = t->attrs - t->tag;
    out[1].data = (const u_char *) (t->iframe ? " hidden=\"\">"
                                              : " type=\"text/plain\">");
    out[1].len = strlen((const char *) out[1].data);

    return 2;
}
