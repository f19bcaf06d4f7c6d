
/*
 * The places the consent filter changes in a page, by a reduced HTML
 * tokenizer (WHATWG's states for tags, attributes, comments and the raw
 * text of script and style; character references, CDATA and the escaped
 * states of script data are not needed to find tags).
 */


#include "ngx_egov_html_scan.h"

#include <string.h>


enum {
    NGX_EGOV_S_DATA = 0,
    NGX_EGOV_S_TAG_OPEN,          /* "<" */
    NGX_EGOV_S_END_TAG_OPEN,      /* "</" */
    NGX_EGOV_S_TAG_NAME,
    NGX_EGOV_S_BEFORE_ATTR,
    NGX_EGOV_S_ATTR_NAME,
    NGX_EGOV_S_AFTER_ATTR_NAME,
    NGX_EGOV_S_BEFORE_VALUE,
    NGX_EGOV_S_VALUE_DQ,
    NGX_EGOV_S_VALUE_SQ,
    NGX_EGOV_S_VALUE_UNQ,
    NGX_EGOV_S_MARKUP,            /* "<!" */
    NGX_EGOV_S_COMMENT_START,     /* "<!-" */
    NGX_EGOV_S_COMMENT,
    NGX_EGOV_S_BOGUS,
    NGX_EGOV_S_RAW,               /* inside <script> or <style> */
    NGX_EGOV_S_RAW_LT,
    NGX_EGOV_S_RAW_BANG,          /* "<!" and dashes in a script */
    NGX_EGOV_S_RAW_DOUBLE,        /* "<" and a name in escaped script */
    NGX_EGOV_S_RAW_END            /* "</" and part of the raw tag's name */
};


/*
 * A script's text escaped by "<!--" (h->esc), as WHATWG's script data
 * states read it: "-->" ends the escape; "<script" in it makes a
 * "</script>" that follows end that inner one, not the script
 */
enum {
    NGX_EGOV_ESC_NONE = 0,
    NGX_EGOV_ESC_ONCE,
    NGX_EGOV_ESC_TWICE
};



#define ngx_egov_html_space(c)                                               \
    (ngx_egov_html_ends[(u_char) (c)] & NGX_EGOV_END_SPACE)
#define ngx_egov_html_alpha(c)                                               \
    (((c) | 0x20) >= 'a' && ((c) | 0x20) <= 'z')
#define ngx_egov_html_lower(c)                                               \
    (((c) >= 'A' && (c) <= 'Z') ? ((c) | 0x20) : (c))


/* by NGX_EGOV_TAG_*: the tags whose text is not markup, then the others */
static const char  *ngx_egov_html_tag_names[] = {
    "", "script", "style", "iframe", "title", "textarea", "xmp", "noembed",
    "noframes", "body", "html"
};

static const uint8_t  ngx_egov_html_tag_lens[] = {
    0, 6, 5, 6, 5, 8, 3, 7, 8, 4, 4
};

#define ngx_egov_html_raw_tag(t)                                             \
    ((t) >= NGX_EGOV_TAG_SCRIPT && (t) <= NGX_EGOV_TAG_NOFRAMES)

/*
 * Can a name that begins with the letter c be one of ngx_egov_html_tag_names:
 * b(ody), h(tml), i(frame), n(oembed, oframes), s(cript, tyle),
 * t(itle, extarea), x(mp), in either case
 */
#define NGX_EGOV_HTML_OURS_FIRST                                             \
    ((1u << ('b' - 'a')) | (1u << ('h' - 'a')) | (1u << ('i' - 'a'))         \
     | (1u << ('n' - 'a')) | (1u << ('s' - 'a')) | (1u << ('t' - 'a'))      \
     | (1u << ('x' - 'a')))
#define ngx_egov_html_may_be_ours(c)                                         \
    ((NGX_EGOV_HTML_OURS_FIRST >> (((c) | 0x20) - 'a')) & 1)

#define ngx_egov_html_is(h, s)                                               \
    ((h)->len == sizeof(s) - 1 && memcmp((h)->name, s, sizeof(s) - 1) == 0)


/*
 * What ends what, by byte, for the fast way through a tag: 1 a space (tab,
 * line feed, form feed, carriage return, space), 2 a tag's name (and "/",
 * ">"), 4 an attribute's name (and "="), 8 an unquoted value (a space, ">")
 */
static const uint8_t  ngx_egov_html_ends[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 15, 15, 0, 15, 15, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    15, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 6,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 14, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
};

#define NGX_EGOV_END_SPACE   1
#define NGX_EGOV_END_NAME    2
#define NGX_EGOV_END_ATTR    4
#define NGX_EGOV_END_VALUE   8

/* where a comment is in its "-->" (h->dashes), as WHATWG's states */
enum {
    NGX_EGOV_C_TEXT = 0,
    NGX_EGOV_C_END_DASH,          /* "-" */
    NGX_EGOV_C_END,               /* "--" */
    NGX_EGOV_C_END_BANG,          /* "--!" */
    NGX_EGOV_C_START,             /* right after "<!--" */
    NGX_EGOV_C_START_DASH         /* "<!---" */
};


/* what a src value's start says, read a byte at a time */
enum {
    NGX_EGOV_SRC_START = 0,       /* leading spaces, or nothing yet */
    NGX_EGOV_SRC_SLASH,           /* "/" or "\\" */
    NGX_EGOV_SRC_SCHEME,          /* letters that may end in ":" */
    NGX_EGOV_SRC_DONE
};

#define NGX_EGOV_SRC_SCHEME_MAX  32


static const u_char *ngx_egov_html_skip(const u_char *lt,
    const u_char *end);
static void ngx_egov_html_src(ngx_egov_html_t *h, u_char c);
static int ngx_egov_html_tag_kind(ngx_egov_html_t *h);
static int ngx_egov_html_reported(ngx_egov_html_t *h, unsigned flags);
static int ngx_egov_html_tag_end(ngx_egov_html_t *h, const u_char *q,
    unsigned flags, const u_char **at);
static const u_char *ngx_egov_html_skip_attrs(const u_char *p,
    const u_char *end);
static int ngx_egov_html_holds(ngx_egov_html_t *h, unsigned flags);
static void ngx_egov_html_name(ngx_egov_html_t *h, u_char c);


void
ngx_egov_html_init(ngx_egov_html_t *h)
{
    memset(h, 0, sizeof(ngx_egov_html_t));
}


int
ngx_egov_html_in_tag(const ngx_egov_html_t *h)
{
    if (h->state == NGX_EGOV_S_TAG_NAME) {
        return 1;
    }

    return (h->state > NGX_EGOV_S_TAG_NAME
            && h->state <= NGX_EGOV_S_VALUE_UNQ) ? 2 : 0;
}


void
ngx_egov_html_drop(ngx_egov_html_t *h)
{
    h->dropped = 1;
}


int
ngx_egov_html_next(ngx_egov_html_t *h, const u_char **pos,
    const u_char *end, unsigned flags, const u_char **at)
{
    int            rc;
    u_char         c;
    const u_char  *p, *q;

    for (p = *pos; p < end; p++) {

        c = *p;

        switch (h->state) {

        case NGX_EGOV_S_DATA:

            /* "<p>", "</div>", "<br/>": read at once, when whole here */

            for ( ;; ) {
                /* "</p>\n<p>": the next tag is often a byte or two on */

                if (*p == '<') {
                    q = p;

                } else if (p + 1 < end && p[1] == '<') {
                    q = p + 1;

                } else {
                    q = memchr(p, '<', end - p);
                }

                if (q == NULL) {
                    p = end - 1;
                    break;
                }

                p = ngx_egov_html_skip(q, end);

                if (p == NULL) {
                    /* the states read it */
                    h->lt = q;
                    p = q;
                    h->state = NGX_EGOV_S_TAG_OPEN;
                    break;
                }

                if (++p == end) {
                    p--;
                    break;
                }
            }

            break;

        case NGX_EGOV_S_TAG_OPEN:
            if (c == '!') {
                h->state = NGX_EGOV_S_MARKUP;

            } else if (c == '/') {
                h->state = NGX_EGOV_S_END_TAG_OPEN;

            } else if (ngx_egov_html_alpha(c)) {
                h->state = NGX_EGOV_S_TAG_NAME;
                h->end_tag = 0;
                h->dropped = 0;
                h->len = 0;
                ngx_egov_html_name(h, c);

            } else if (c == '?') {
                /* "<?xml ...>": a comment to the first ">", as browsers */
                h->state = NGX_EGOV_S_BOGUS;

            } else {
                h->state = NGX_EGOV_S_DATA;
                p--;                              /* read it again */
            }

            break;

        case NGX_EGOV_S_END_TAG_OPEN:
            if (ngx_egov_html_alpha(c)) {
                h->state = NGX_EGOV_S_TAG_NAME;
                h->end_tag = 1;
                h->len = 0;
                ngx_egov_html_name(h, c);

            } else {
                h->state = (c == '>') ? NGX_EGOV_S_DATA : NGX_EGOV_S_BOGUS;
            }

            break;

        case NGX_EGOV_S_TAG_NAME:
            if (!ngx_egov_html_space(c) && c != '/' && c != '>') {
                ngx_egov_html_name(h, c);
                break;
            }

            h->tag = (uint8_t) ngx_egov_html_tag_kind(h);
            h->has_nonce = 0;
            h->src = 0;
            h->src_seen = 0;
            h->foreign = 0;
            h->gated = 0;

            if (h->end_tag && h->tag == NGX_EGOV_TAG_BODY
                && (flags & NGX_EGOV_HTML_F_BODY))
            {
                h->state = NGX_EGOV_S_BEFORE_ATTR;
                *at = h->lt;
                *pos = p;                         /* c is read again */
                return NGX_EGOV_HTML_BODY;
            }

            if (c == '>') {
                goto tag_end;
            }

            h->state = NGX_EGOV_S_BEFORE_ATTR;
            break;

        case NGX_EGOV_S_BEFORE_ATTR:
            if (ngx_egov_html_space(c) || c == '/') {
                break;
            }

            if (c == '>') {
                goto tag_end;
            }

            h->state = NGX_EGOV_S_ATTR_NAME;
            h->len = 0;
            ngx_egov_html_name(h, c);
            break;

        case NGX_EGOV_S_ATTR_NAME:
            if (!ngx_egov_html_space(c) && c != '/' && c != '=' && c != '>') {
                ngx_egov_html_name(h, c);
                break;
            }

            if (ngx_egov_html_is(h, "nonce")) {
                h->has_nonce = 1;

            } else if (ngx_egov_html_is(h, "data-egov-consent")
                       || ngx_egov_html_is(h, "data-category"))
            {
                h->gated = 1;
            }

            /* the first src counts, as browsers read it */
            h->src = (h->len == 3 && memcmp(h->name, "src", 3) == 0
                      && !h->src_seen);

            if (h->src) {
                h->src_seen = 1;
                h->src_state = NGX_EGOV_SRC_START;
            }

            if (c == '>') {
                goto tag_end;
            }

            h->state = (c == '=') ? NGX_EGOV_S_BEFORE_VALUE
                       : (c == '/') ? NGX_EGOV_S_BEFORE_ATTR
                       : NGX_EGOV_S_AFTER_ATTR_NAME;
            break;

        case NGX_EGOV_S_AFTER_ATTR_NAME:
            if (ngx_egov_html_space(c)) {
                break;
            }

            if (c == '=') {
                h->state = NGX_EGOV_S_BEFORE_VALUE;

            } else if (c == '/') {
                h->state = NGX_EGOV_S_BEFORE_ATTR;

            } else if (c == '>') {
                goto tag_end;

            } else {
                h->state = NGX_EGOV_S_ATTR_NAME;
                h->len = 0;
                h->src = 0;
                ngx_egov_html_name(h, c);
            }

            break;

        case NGX_EGOV_S_BEFORE_VALUE:
            if (ngx_egov_html_space(c)) {
                break;
            }

            if (c == '"') {
                h->state = NGX_EGOV_S_VALUE_DQ;

            } else if (c == '\'') {
                h->state = NGX_EGOV_S_VALUE_SQ;

            } else if (c == '>') {
                goto tag_end;

            } else {
                h->state = NGX_EGOV_S_VALUE_UNQ;
                ngx_egov_html_src(h, c);
            }

            break;

        case NGX_EGOV_S_VALUE_DQ:
        case NGX_EGOV_S_VALUE_SQ:
            if (h->src && h->src_state != NGX_EGOV_SRC_DONE) {
                /* a src's first bytes, one at a time */
                if (c == ((h->state == NGX_EGOV_S_VALUE_DQ) ? '"' : '\'')) {
                    h->src = 0;
                    h->state = NGX_EGOV_S_BEFORE_ATTR;

                } else {
                    ngx_egov_html_src(h, c);
                }

                break;
            }

            q = memchr(p, (h->state == NGX_EGOV_S_VALUE_DQ) ? '"' : '\'',
                       end - p);
            if (q == NULL) {
                p = end - 1;
                break;
            }

            p = q;
            h->src = 0;
            h->state = NGX_EGOV_S_BEFORE_ATTR;
            break;

        case NGX_EGOV_S_VALUE_UNQ:
            if (ngx_egov_html_space(c)) {
                h->src = 0;
                h->state = NGX_EGOV_S_BEFORE_ATTR;

            } else if (c == '>') {
                goto tag_end;

            } else if (h->src) {
                ngx_egov_html_src(h, c);
            }

            break;

        case NGX_EGOV_S_MARKUP:
            if (c == '-') {
                h->state = NGX_EGOV_S_COMMENT_START;

            } else {
                h->state = (c == '>') ? NGX_EGOV_S_DATA : NGX_EGOV_S_BOGUS;
            }

            break;

        case NGX_EGOV_S_COMMENT_START:
            if (c == '-') {
                h->state = NGX_EGOV_S_COMMENT;
                h->dashes = NGX_EGOV_C_START;

            } else {
                h->state = (c == '>') ? NGX_EGOV_S_DATA : NGX_EGOV_S_BOGUS;
            }

            break;

        case NGX_EGOV_S_COMMENT:

            /* WHATWG's comment states, by where the "-->" is (h->dashes) */

            switch (h->dashes) {

            case NGX_EGOV_C_START:
            case NGX_EGOV_C_START_DASH:
                /* "<!-->" and "<!--->" end at once, as browsers read them */

                if (c == '>') {
                    h->state = NGX_EGOV_S_DATA;

                } else if (c != '-') {
                    h->dashes = NGX_EGOV_C_TEXT;

                } else {
                    h->dashes = (h->dashes == NGX_EGOV_C_START)
                                ? NGX_EGOV_C_START_DASH : NGX_EGOV_C_END;
                }

                break;

            case NGX_EGOV_C_TEXT:
                q = memchr(p, '-', end - p);
                if (q == NULL) {
                    p = end - 1;
                    break;
                }

                p = q;
                h->dashes = NGX_EGOV_C_END_DASH;
                break;

            case NGX_EGOV_C_END_DASH:
                h->dashes = (c == '-') ? NGX_EGOV_C_END : NGX_EGOV_C_TEXT;
                break;

            case NGX_EGOV_C_END:
                /* "-->", and "--!>" too; "--->" */

                if (c == '>') {
                    h->state = NGX_EGOV_S_DATA;

                } else if (c == '!') {
                    h->dashes = NGX_EGOV_C_END_BANG;

                } else if (c != '-') {
                    h->dashes = NGX_EGOV_C_TEXT;
                }

                break;

            default: /* NGX_EGOV_C_END_BANG */
                if (c == '>') {
                    h->state = NGX_EGOV_S_DATA;

                } else {
                    h->dashes = (c == '-') ? NGX_EGOV_C_END_DASH
                                           : NGX_EGOV_C_TEXT;
                }

                break;
            }

            break;

        case NGX_EGOV_S_BOGUS:
            q = memchr(p, '>', end - p);
            if (q == NULL) {
                p = end - 1;
                break;
            }

            p = q;
            h->state = NGX_EGOV_S_DATA;
            break;

        case NGX_EGOV_S_RAW:
            if (h->esc == NGX_EGOV_ESC_NONE) {
                q = memchr(p, '<', end - p);
                if (q == NULL) {
                    p = end - 1;
                    break;
                }

                p = q;
                h->lt = q;
                h->state = NGX_EGOV_S_RAW_LT;
                break;
            }

            /* escaped script text: "-->" ends the escape, "<" may matter */

            if (c == '<') {
                h->lt = p;
                h->state = NGX_EGOV_S_RAW_LT;

            } else if (c == '-') {
                if (h->dashes < 2) {
                    h->dashes++;
                }

            } else if (c == '>' && h->dashes == 2) {
                h->esc = NGX_EGOV_ESC_NONE;

            } else {
                h->dashes = 0;
            }

            break;

        case NGX_EGOV_S_RAW_LT:
            h->dashes = 0;
            h->len = 0;

            if (c == '/') {
                h->state = NGX_EGOV_S_RAW_END;

            } else if (h->raw == NGX_EGOV_TAG_SCRIPT
                       && h->esc == NGX_EGOV_ESC_NONE && c == '!')
            {
                /* "<!--" escapes a script's text (WHATWG) */
                h->state = NGX_EGOV_S_RAW_BANG;

            } else if (h->raw == NGX_EGOV_TAG_SCRIPT
                       && h->esc == NGX_EGOV_ESC_ONCE
                       && ngx_egov_html_alpha(c))
            {
                /* "<script" in escaped text: "</script>" then ends none */
                h->state = NGX_EGOV_S_RAW_DOUBLE;
                p--;

            } else {
                h->state = NGX_EGOV_S_RAW;
                p--;
            }

            break;

        case NGX_EGOV_S_RAW_BANG:
            if (c == '-' && ++h->len == 2) {
                /* as after "--": "<!-->" ends the escape at once */
                h->esc = NGX_EGOV_ESC_ONCE;
                h->dashes = 2;
                h->state = NGX_EGOV_S_RAW;

            } else if (c != '-') {
                h->state = NGX_EGOV_S_RAW;
                p--;
            }

            break;

        case NGX_EGOV_S_RAW_DOUBLE:
            if (h->len < 6) {
                if (ngx_egov_html_lower(c) == (u_char) "script"[h->len]) {
                    h->len++;

                } else {
                    h->state = NGX_EGOV_S_RAW;
                    p--;
                }

                break;
            }

            if (ngx_egov_html_space(c) || c == '/' || c == '>') {
                h->esc = NGX_EGOV_ESC_TWICE;

            } else {
                p--;
            }

            h->state = NGX_EGOV_S_RAW;
            break;

        default: /* NGX_EGOV_S_RAW_END */

            if (h->len < ngx_egov_html_tag_lens[h->raw]) {
                if (ngx_egov_html_lower(c)
                    == (u_char) ngx_egov_html_tag_names[h->raw][h->len])
                {
                    h->len++;

                } else {
                    h->state = NGX_EGOV_S_RAW;
                    p--;
                }

                break;
            }

            if ((ngx_egov_html_space(c) || c == '/' || c == '>')
                && h->esc == NGX_EGOV_ESC_TWICE)
            {
                /* "</script>" of a "<script" in escaped text */
                h->esc = NGX_EGOV_ESC_ONCE;
                h->state = NGX_EGOV_S_RAW;

            } else if (ngx_egov_html_space(c) || c == '/' || c == '>') {
                /* the raw text's end tag */
                h->raw = 0;
                h->esc = NGX_EGOV_ESC_NONE;
                h->end_tag = 1;
                h->tag = NGX_EGOV_TAG_OTHER;
                h->state = (c == '>') ? NGX_EGOV_S_DATA
                                      : NGX_EGOV_S_BEFORE_ATTR;

            } else {
                h->state = NGX_EGOV_S_RAW;
                p--;
            }

            break;
        }

        continue;

    tag_end:

        /* the ">" of a tag: its place is found when it gets a nonce */

        rc = ngx_egov_html_tag_end(h, p, flags, at);

        if (rc != NGX_EGOV_HTML_END) {
            *pos = p + 1;
            return rc;
        }
    }

    *pos = end;

    /* the end within what may be "</body": its bytes wait */

    rc = NGX_EGOV_HTML_END;

    if (ngx_egov_html_holds(h, flags)) {
        *at = h->lt;
        rc = NGX_EGOV_HTML_PARTIAL;
    }

    h->lt = NULL;

    return rc;
}


/*
 * The fast way through most tags: a tag whose name is none of ours, whole
 * in this range ("<p>", "</div>", "<a href=\"/x\" class=y>"), read as the
 * states read it but with nothing kept, none of its attributes being of
 * interest, nor anything of it once it ends (the states set what they use
 * of a tag when they begin one).  Returns its ">"; NULL leaves the tag to
 * the states, which read it the same way, byte by byte.
 */

static const u_char *
ngx_egov_html_skip(const u_char *lt, const u_char *end)
{
    const u_char     *p, *name;
    ngx_egov_html_t   t;

    p = lt + 1;

    if (p < end && *p == '/') {
        p++;
    }

    if (p >= end || !ngx_egov_html_alpha(*p)) {
        return NULL;
    }

    name = p;

    /* a tag's name runs to a space, "/" or ">" ("<a=b>" is named "a=b") */

    while (p < end && !(ngx_egov_html_ends[*p] & NGX_EGOV_END_NAME)) {
        p++;
    }

    if (p == end) {
        /* its end is not here */
        return NULL;
    }

    if (ngx_egov_html_may_be_ours(*name) && p - name <= 8) {
        /* none of ours is longer than 8 */

        t.len = 0;

        while (name < p) {
            ngx_egov_html_name(&t, *name++);
        }

        if (ngx_egov_html_tag_kind(&t) != NGX_EGOV_TAG_OTHER) {
            return NULL;
        }
    }

    if (*p != '>') {
        /* "<br/>", "<a href=x>" */
        p = ngx_egov_html_skip_attrs(p, end);
    }

    return p;
}


/*
 * The attributes of a tag that is none of ours, from its name's end, read
 * as the attribute states read them (names, "=", quoted and unquoted
 * values) with nothing kept: the ">" that ends it, or NULL when that is
 * not in this range
 */

static const u_char *
ngx_egov_html_skip_attrs(const u_char *p, const u_char *end)
{
    u_char  q;

    for ( ;; ) {

        /* before a name: spaces and "/" */

        while (p < end
               && (ngx_egov_html_ends[*p] & NGX_EGOV_END_SPACE || *p == '/'))
        {
            p++;
        }

        if (p == end || *p == '>') {
            break;
        }

        /* a name: its first byte may be anything ("=", a quote) */

        for (p++; p < end && !(ngx_egov_html_ends[*p] & NGX_EGOV_END_ATTR);
             p++)
        { /* void */ }

        while (p < end && (ngx_egov_html_ends[*p] & NGX_EGOV_END_SPACE)) {
            p++;
        }

        if (p == end || *p == '>') {
            break;
        }

        if (*p != '=') {
            /* "/", or the next name */
            continue;
        }

        /* a value */

        for (p++; p < end && (ngx_egov_html_ends[*p] & NGX_EGOV_END_SPACE);
             p++)
        { /* void */ }

        if (p == end || *p == '>') {
            break;
        }

        if (*p == '"' || *p == '\'') {
            q = *p++;

            p = memchr(p, q, end - p);
            if (p == NULL) {
                return NULL;
            }

            p++;
            continue;
        }

        while (p < end && !(ngx_egov_html_ends[*p] & NGX_EGOV_END_VALUE)) {
            p++;
        }

        if (p == end || *p == '>') {
            break;
        }
    }

    return (p == end) ? NULL : p;
}


/*
 * Does the range end within what may be "</body" or a start tag to be
 * reported: its bytes must then wait for the rest
 */

static int
ngx_egov_html_holds(ngx_egov_html_t *h, unsigned flags)
{
    size_t  n;

    if ((flags & NGX_EGOV_HTML_F_BODY)
        && (h->state == NGX_EGOV_S_TAG_OPEN
            || h->state == NGX_EGOV_S_END_TAG_OPEN
            || (h->state == NGX_EGOV_S_TAG_NAME && h->end_tag
                && h->len <= 4 && memcmp(h->name, "body", h->len) == 0)))
    {
        return 1;
    }

    if (!(flags & (NGX_EGOV_HTML_F_GATE|NGX_EGOV_HTML_F_HTML))) {
        return 0;
    }

    /* a "<": what follows decides (end_tag and dropped are the last tag's) */

    if (h->state == NGX_EGOV_S_TAG_OPEN) {
        return 1;
    }

    if (h->dropped || h->end_tag) {
        return 0;
    }

    switch (h->state) {

    case NGX_EGOV_S_TAG_NAME:
        /* a name that may still become one of those reported */
        n = h->len;

        return ((flags & NGX_EGOV_HTML_F_GATE)
                && ((n <= 6 && memcmp(h->name, "script", n) == 0)
                    || (n <= 6 && memcmp(h->name, "iframe", n) == 0)))
               || ((flags & NGX_EGOV_HTML_F_HTML)
                   && n <= 4 && memcmp(h->name, "html", n) == 0);

    case NGX_EGOV_S_BEFORE_ATTR:
    case NGX_EGOV_S_ATTR_NAME:
    case NGX_EGOV_S_AFTER_ATTR_NAME:
    case NGX_EGOV_S_BEFORE_VALUE:
    case NGX_EGOV_S_VALUE_DQ:
    case NGX_EGOV_S_VALUE_SQ:
    case NGX_EGOV_S_VALUE_UNQ:
        return ((flags & NGX_EGOV_HTML_F_GATE)
                && (h->tag == NGX_EGOV_TAG_SCRIPT
                    || h->tag == NGX_EGOV_TAG_IFRAME))
               || ((flags & NGX_EGOV_HTML_F_HTML)
                   && h->tag == NGX_EGOV_TAG_HTML);

    default:
        return 0;
    }
}


/*
 * The ">" of a tag: a start tag to report, or a nonce for a script or
 * style start tag without one
 */

static int
ngx_egov_html_tag_end(ngx_egov_html_t *h, const u_char *q, unsigned flags,
    const u_char **at)
{
    h->pending = (h->state == NGX_EGOV_S_BEFORE_VALUE);
    h->state = NGX_EGOV_S_DATA;

    if (h->end_tag) {
        return NGX_EGOV_HTML_END;
    }

    if (ngx_egov_html_raw_tag(h->tag)) {
        h->raw = h->tag;
        h->esc = NGX_EGOV_ESC_NONE;
        h->dashes = 0;
        h->state = NGX_EGOV_S_RAW;
    }

    if (ngx_egov_html_reported(h, flags)) {
        *at = q;
        return NGX_EGOV_HTML_TAG;
    }

    if ((flags & NGX_EGOV_HTML_F_NONCE)
        && (h->tag == NGX_EGOV_TAG_SCRIPT || h->tag == NGX_EGOV_TAG_STYLE)
        && !h->has_nonce && !h->foreign)
    {
        *at = q;
        return NGX_EGOV_HTML_NONCE;
    }

    return NGX_EGOV_HTML_END;
}


static int
ngx_egov_html_reported(ngx_egov_html_t *h, unsigned flags)
{
    if (h->dropped) {
        return 0;
    }

    if ((flags & NGX_EGOV_HTML_F_GATE) && h->gated
        && (h->tag == NGX_EGOV_TAG_SCRIPT || h->tag == NGX_EGOV_TAG_IFRAME))
    {
        return 1;
    }

    return (flags & NGX_EGOV_HTML_F_HTML) && h->tag == NGX_EGOV_TAG_HTML;
}


/*
 * Does a src name another origin: "//" (any mix of "/" and "\\", as URL
 * parsers read them) or a scheme ("https:", "data:"), after leading spaces?
 * A path ("/js/a.js", "a.js", "./a.js") is this origin's.
 */

static void
ngx_egov_html_src(ngx_egov_html_t *h, u_char c)
{
    if (!h->src || h->src_state == NGX_EGOV_SRC_DONE) {
        return;
    }

    /* a browser's URL parser drops tabs and line breaks anywhere */

    if (c == '\t' || c == '\n' || c == '\r') {
        return;
    }

    /*
     * a character reference may hide a ":" or a "/" ("https&#58;//",
     * "&sol;/"): not read here, so taken as another origin's
     */

    if (c == '&') {
        h->foreign = 1;
        h->src_state = NGX_EGOV_SRC_DONE;
        return;
    }

    switch (h->src_state) {

    case NGX_EGOV_SRC_START:
        /* and leading C0 controls and spaces */
        if (c <= 0x20) {
            return;
        }

        if (c == '/' || c == '\\') {
            h->src_state = NGX_EGOV_SRC_SLASH;

        } else if (ngx_egov_html_alpha(c)) {
            h->src_state = NGX_EGOV_SRC_SCHEME;
            h->len = 1;

        } else {
            h->src_state = NGX_EGOV_SRC_DONE;
        }

        return;

    case NGX_EGOV_SRC_SLASH:
        h->foreign = (c == '/' || c == '\\');
        h->src_state = NGX_EGOV_SRC_DONE;
        return;

    case NGX_EGOV_SRC_SCHEME:
        if (c == ':') {
            h->foreign = 1;
            h->src_state = NGX_EGOV_SRC_DONE;

        } else if ((ngx_egov_html_alpha(c) || (c >= '0' && c <= '9')
                    || c == '+' || c == '-' || c == '.')
                   && h->len < NGX_EGOV_SRC_SCHEME_MAX)
        {
            h->len++;

        } else {
            h->src_state = NGX_EGOV_SRC_DONE;
        }

        return;

    default:
        return;
    }
}


static int
ngx_egov_html_tag_kind(ngx_egov_html_t *h)
{
    int  t;

    /* by length first: most tags (p, a, div, span, li) are none of ours */

    switch (h->len) {
    case 3:
        t = NGX_EGOV_TAG_XMP;
        break;
    case 4:
        t = (h->name[0] == 'b') ? NGX_EGOV_TAG_BODY : NGX_EGOV_TAG_HTML;
        break;
    case 5:
        t = (h->name[1] == 't') ? NGX_EGOV_TAG_STYLE : NGX_EGOV_TAG_TITLE;
        break;
    case 6:
        t = (h->name[0] == 's') ? NGX_EGOV_TAG_SCRIPT : NGX_EGOV_TAG_IFRAME;
        break;
    case 7:
        t = NGX_EGOV_TAG_NOEMBED;
        break;
    case 8:
        t = (h->name[0] == 't') ? NGX_EGOV_TAG_TEXTAREA
                                : NGX_EGOV_TAG_NOFRAMES;
        break;
    default:
        return NGX_EGOV_TAG_OTHER;
    }

    return (memcmp(h->name, ngx_egov_html_tag_names[t], h->len) == 0)
           ? t : NGX_EGOV_TAG_OTHER;
}


/* a name's first bytes, lower case; a longer name matches none of ours */

static void
ngx_egov_html_name(ngx_egov_html_t *h, u_char c)
{
    if (h->len < sizeof(h->name)) {
        h->name[h->len] = ngx_egov_html_lower(c);
    }

    if (h->len < 255) {
        h->len++;
    }
}
