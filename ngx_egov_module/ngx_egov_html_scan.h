
/*
 * Where the consent filter may change a page, found by reading it as an
 * HTML tokenizer does (a small part of it: tags, attributes, comments, the
 * raw text of <script> and <style>), buffer after buffer, in one pass:
 * the ">" that ends a <script> or <style> start tag with no nonce, and the
 * "</body" end tag, and (when asked) the whole start tags of <script> and
 * <iframe> marked for consent (data-egov-consent, data-category) and of
 * <html>.  A script whose src is another origin's (a scheme, or "//") gets
 * no nonce: a nonce would let any origin's script run, and
 * egov_consent_source lets the CSP's host sources decide instead.  Text in
 * comments, in attribute values and inside scripts, styles, iframes,
 * titles and text areas is not markup.  Plain C over (pointer, length), no
 * allocation: unit-tested and fuzzed (a page split anywhere gives the same
 * places).
 */


#ifndef _NGX_EGOV_HTML_SCAN_H_INCLUDED_
#define _NGX_EGOV_HTML_SCAN_H_INCLUDED_


#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>


#define NGX_EGOV_HTML_END      0   /* the range is read; nothing found */
#define NGX_EGOV_HTML_NONCE    1   /* *at: the ">" of a tag to get one */
#define NGX_EGOV_HTML_BODY     2   /* *at: "</body" begins, NULL: it began
                                      in an earlier range (held bytes) */
#define NGX_EGOV_HTML_PARTIAL  3   /* the range ends within what may be
                                      "</body" or a start tag to report:
                                      *at its "<", NULL: it began in an
                                      earlier range */
#define NGX_EGOV_HTML_TAG      4   /* *at: the ">" of a start tag to report
                                      (h->tag, h->gated say which); it
                                      begins at h->lt, or, when that is
                                      NULL, in an earlier range */

/* what may still be "</body" is at most this long: "</body" */
#define NGX_EGOV_HTML_HOLD_MAX  6

/* what to look for, besides nonces */
#define NGX_EGOV_HTML_F_BODY    0x01   /* "</body" */
#define NGX_EGOV_HTML_F_GATE    0x02   /* marked <script> and <iframe> */
#define NGX_EGOV_HTML_F_HTML    0x04   /* <html> */
#define NGX_EGOV_HTML_F_NONCE   0x08   /* script and style tags for one */

/* h->tag */
#define NGX_EGOV_TAG_OTHER      0
#define NGX_EGOV_TAG_SCRIPT     1
#define NGX_EGOV_TAG_STYLE      2
#define NGX_EGOV_TAG_IFRAME     3
#define NGX_EGOV_TAG_TITLE      4
#define NGX_EGOV_TAG_TEXTAREA   5
#define NGX_EGOV_TAG_XMP        6
#define NGX_EGOV_TAG_NOEMBED    7
#define NGX_EGOV_TAG_NOFRAMES   8
#define NGX_EGOV_TAG_BODY       9
#define NGX_EGOV_TAG_HTML       10


typedef struct {
    uint8_t         state;
    uint8_t         tag;           /* the tag being read */
    uint8_t         raw;           /* in the raw text of this tag */
    uint8_t         esc;           /* a script's text escaped by "<!--" */
    uint8_t         end_tag;       /* the tag being read is an end tag */
    uint8_t         has_nonce;
    uint8_t         src;           /* reading the first src's value */
    uint8_t         src_seen;      /* the tag has had a src */
    uint8_t         src_state;     /* what its start is, so far */
    uint8_t         foreign;       /* src names another origin */
    uint8_t         gated;         /* data-egov-consent, data-category */
    uint8_t         dropped;       /* the tag is not to be reported */
    uint8_t         pending;       /* it ended at "name=>": what goes in
                                      before its ">" would be a value */
    uint8_t         len;           /* of name[] */
    uint8_t         dashes;        /* how far into a comment's end */
    u_char          name[20];      /* lower case, the first 20 bytes */
    const u_char   *lt;            /* the "<" of the tag, in this range */
} ngx_egov_html_t;


void ngx_egov_html_init(ngx_egov_html_t *h);

/*
 * Reads [*pos, end) until something is found: returns it (with *at), and
 * *pos where reading goes on; NGX_EGOV_HTML_END with *pos = end when the
 * range is read.  "flags": NGX_EGOV_HTML_F_*, what is looked for.
 */
int ngx_egov_html_next(ngx_egov_html_t *h, const u_char **pos,
    const u_char *end, unsigned flags, const u_char **at);

/* the start tag being read is too long to hold: not to be reported */
void ngx_egov_html_drop(ngx_egov_html_t *h);

/*
 * Whether what was read ends inside a tag: 0 no, 1 in its name, 2 past it
 * (its attributes).  At the end of a page, browsers drop such a tag
 * (WHATWG's "eof-in-tag").
 */
int ngx_egov_html_in_tag(const ngx_egov_html_t *h);


#endif /* _NGX_EGOV_HTML_SCAN_H_INCLUDED_ */
