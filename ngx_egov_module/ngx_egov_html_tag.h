
/*
 * One whole start tag, read as browsers read it (WHATWG's attribute
 * states: the first of two attributes of one name counts), and rewritten
 * for consent: a <script> or <iframe> marked with data-egov-consent (or
 * vanilla-cookieconsent's data-category) is made inert for a visitor who
 * has not granted its categories and active for one who has.  The rewrite
 * is a list of pieces, slices of the tag and literal text, so that a tag
 * in a buffer is not copied.  Plain C, no allocation: unit-tested and
 * fuzzed.
 */


#ifndef _NGX_EGOV_HTML_TAG_H_INCLUDED_
#define _NGX_EGOV_HTML_TAG_H_INCLUDED_


#include <sys/types.h>
#include <stddef.h>


typedef struct {
    const u_char   *start;       /* the name's first byte */
    const u_char   *end;         /* after the value and its quote */
    const u_char   *name;
    size_t          name_len;
    const u_char   *value;       /* NULL: none */
    size_t          value_len;
} ngx_egov_html_attr_t;


typedef struct {
    const u_char   *data;
    size_t          len;
} ngx_egov_html_piece_t;


/* what a marked tag says, the first of each attribute */
typedef struct {
    const u_char   *tag;
    size_t          len;
    const u_char   *attrs;       /* after the tag's name */
    unsigned        iframe:1;
    unsigned        has_nonce:1;
    ngx_egov_html_attr_t  consent;   /* data-egov-consent, or data-category */
    ngx_egov_html_attr_t  type;
    ngx_egov_html_attr_t  data_type;
    ngx_egov_html_attr_t  src;
    ngx_egov_html_attr_t  data_src;
    ngx_egov_html_attr_t  title;
    ngx_egov_html_attr_t  lang;
} ngx_egov_html_tag_t;


/* a rewrite has at most this many pieces; a longer one is not made */
#define NGX_EGOV_HTML_PIECES_MAX  48


/*
 * Reads a whole start tag, "<" to ">" included; returns 0 when it is not
 * one (the caller's scanner said it was: a defect, not input).
 */
/* where a tag's name that goes on from p ends: a space, "/", ">" or end */
const u_char *ngx_egov_html_name_end(const u_char *p, const u_char *end);

int ngx_egov_html_tag_read(const u_char *tag, size_t len,
    ngx_egov_html_tag_t *t);

/* the next attribute from *p; 0 at the tag's end */
int ngx_egov_html_attr_next(const u_char **p, const u_char *end,
    ngx_egov_html_attr_t *a);

/*
 * The next category of a data-egov-consent value ("analytics marketing",
 * "analytics,marketing"); 0 when there is none left
 */
int ngx_egov_html_category_next(const u_char **p, const u_char *end,
    const u_char **name, size_t *len);

/*
 * The tag as a visitor gets it: "allowed" when the visitor granted every
 * category it names.  "nonce" (may be empty) goes in before the ">".
 * Allowed: a script written inert loses its types and its data-type
 * becomes its type; an iframe's data-src becomes its src (other srcs
 * go).  Not allowed: a script gets type="text/plain" first (a type it had
 * becomes data-type), an iframe gets "hidden" first and keeps no src or
 * srcdoc (a src becomes data-src).  Attributes "go" by a prefix to their
 * names (data-egov-src): nothing is taken out of the tag or put in it that
 * would change how a browser reads the rest (fuzzed).  Returns the number
 * of pieces.
 */
size_t ngx_egov_html_gate(ngx_egov_html_tag_t *t, int allowed,
    const u_char *nonce, size_t nonce_len, ngx_egov_html_piece_t *out);

/* is a value (trimmed, any case) this word */
int ngx_egov_html_value_is(ngx_egov_html_attr_t *a, const char *word);


#endif /* _NGX_EGOV_HTML_TAG_H_INCLUDED_ */
