/* sources: ngx_egov_module/ngx_egov_html_tag.c */

#include <stdlib.h>
#include "tap.h"
#include "ngx_egov_html_tag.h"


/* the tag as a visitor gets it, with or without the category */

static const char *
gate(const char *tag, int allowed, const char *nonce)
{
    size_t                 i, n, o;
    ngx_egov_html_tag_t    t;
    ngx_egov_html_piece_t  pieces[NGX_EGOV_HTML_PIECES_MAX];

    static char            out[8192];

    if (!ngx_egov_html_tag_read((const u_char *) tag, strlen(tag), &t)) {
        return "(not a tag)";
    }

    n = ngx_egov_html_gate(&t, allowed, (const u_char *) nonce,
                           strlen(nonce), pieces);

    for (o = 0, i = 0; i < n; i++) {
        if (o + pieces[i].len >= sizeof(out)) {
            abort();
        }

        memcpy(out + o, pieces[i].data, pieces[i].len);
        o += pieces[i].len;
    }

    out[o] = '\0';

    return out;
}


#define G(tag, allowed, nonce, want, what)                                   \
    do {                                                                     \
        const char *got_ = gate(tag, allowed, nonce);                        \
        ok(strcmp(got_, want) == 0, what);                                   \
        if (strcmp(got_, want) != 0) {                                       \
            printf("#   got  %s\n#   want %s\n", got_, want);                \
        }                                                                    \
    } while (0)


static const char *
value(const char *tag, int which)
{
    ngx_egov_html_tag_t    t;
    ngx_egov_html_attr_t  *a;

    static char            out[256];

    ngx_egov_html_tag_read((const u_char *) tag, strlen(tag), &t);

    a = which == 0 ? &t.consent : which == 1 ? &t.src : &t.title;

    if (a->value == NULL) {
        return "(none)";
    }

    snprintf(out, sizeof(out), "%.*s", (int) a->value_len, a->value);

    return out;
}


int
main(void)
{
    int            n;
    size_t         len;
    const u_char  *p, *end, *name;
    char           big[4096];

    /* a script written inert, as portals write it */

    G("<script type=\"text/plain\" data-egov-consent=\"analytics\" "
      "src=\"https://t/a.js\">", 1, "",
      "<script data-egov-type=\"text/plain\" data-egov-consent=\"analytics\" "
      "src=\"https://t/a.js\">",
      "allowed: the type goes (by a prefix to its name)");
    G("<script type=\"text/plain\" data-egov-consent=\"analytics\" "
      "src=\"https://t/a.js\">", 0, "",
      "<script type=\"text/plain\" data-egov-consent=\"analytics\" "
      "src=\"https://t/a.js\">",
      "not allowed: unchanged");
    G("<script type='TEXT/PLAIN ' data-category=a data-type=module>", 1,
      " nonce=\"N\"",
      "<script data-egov-type='TEXT/PLAIN ' data-category=a type=module "
      "nonce=\"N\">",
      "allowed: data-type becomes the type, the nonce goes in");
    G("<script type=text/plain type=module data-category=a>", 1, "",
      "<script data-egov-type=text/plain data-egov-type=module "
      "data-category=a>", "allowed: every type goes");
    G("<script data-egov-consent=a>x", 0, "", "(not a tag)",
      "what is no tag is refused");

    /* a script written live: made inert */

    G("<script data-egov-consent=a src=/a.js>", 0, "",
      "<script type=\"text/plain\" data-egov-consent=a src=/a.js>",
      "not allowed, no type: text/plain first");
    G("<script type=module data-egov-consent=a>", 0, " nonce=\"N\"",
      "<script type=\"text/plain\" data-type=module data-egov-consent=a "
      "nonce=\"N\">",
      "not allowed, another type: kept as data-type");
    G("<script type=module data-type=x data-egov-consent=a>", 0, "",
      "<script type=\"text/plain\" type=module data-type=x "
      "data-egov-consent=a>",
      "... unless it has a data-type (the first type wins)");
    G("<script type=module data-egov-consent=a>", 1, "",
      "<script type=module data-egov-consent=a>",
      "allowed, written live: unchanged");

    /* iframes */

    G("<iframe title=\"Map\" data-egov-consent=marketing "
      "data-src=\"https://m/e\" src=\"about:blank\">", 1, "",
      "<iframe title=\"Map\" data-egov-consent=marketing "
      "src=\"https://m/e\" data-egov-src=\"about:blank\">",
      "allowed: data-src becomes src, other srcs go");
    G("<iframe title=\"Map\" data-egov-consent=marketing "
      "data-src=\"https://m/e\">", 0, "",
      "<iframe hidden=\"\" title=\"Map\" data-egov-consent=marketing "
      "data-src=\"https://m/e\">",
      "not allowed: hidden, nothing to load");
    G("<iframe data-egov-consent=m src=\"https://m/e\" src=x "
      "srcdoc=\"<p>\">", 0, "",
      "<iframe hidden=\"\" data-egov-consent=m data-src=\"https://m/e\" "
      "data-egov-src=x data-egov-srcdoc=\"<p>\">",
      "not allowed, written live: src kept as data-src, others go");
    G("<iframe data-egov-consent=m src=\"https://m/e\">", 1, "",
      "<iframe data-egov-consent=m src=\"https://m/e\">",
      "allowed, written live: unchanged");

    /* what goes in never changes how the rest is read (found by fuzzing) */

    G("<iframe a src=b =c data-category=m>", 0, "",
      "<iframe hidden=\"\" a data-src=b =c data-category=m>",
      "an attribute between a name and \"=c\" is renamed, never taken out");

    G("<iframe =\"a src=b\" data-category=m>", 0, "",     /* src: b" */
      "<iframe hidden=\"\" =\"a data-src=b\" data-category=m>",
      "hidden gets a value: a \"=\" after it stays the next name's");
    G("<script type=text/plain data-category=a src= >", 1, " nonce=\"N\"",
      "<script data-egov-type=text/plain data-category=a src= \"\" "
      "nonce=\"N\">",
      "after \"src=\" an empty value, then the nonce (not src's value)");

    /* attributes as browsers read them */

    ok(strcmp(value("<script data-category=a data-egov-consent=\"b c\">", 0),
              "b c") == 0, "data-egov-consent wins over data-category");
    ok(strcmp(value("<script data-egov-consent=b data-egov-consent=c>", 0),
              "b") == 0, "the first of two counts");
    ok(strcmp(value("<iframe src = 'x y' src=z>", 1), "x y") == 0,
      "spaces around =, single quotes");
    ok(strcmp(value("<iframe/title=\"t\"/src=s/>", 1), "s/") == 0,
      "slashes between; an unquoted value takes a slash");
    ok(strcmp(value("<iframe title=\"a>b\" src=s>", 2), "a>b") == 0,
      "a > in a quoted value");
    ok(strcmp(value("<iframe src= >", 1), "") == 0, "an empty value");
    ok(strcmp(value("<iframe =src=s>", 1), "(none)") == 0,
      "a name may begin with =");
    ok(strcmp(value("<iframe src=\"unterminated>", 1), "unterminated>")
       == 0, "an unterminated quote runs to the end");

    /* categories */

    p = (const u_char *) " analytics,marketing  x";
    end = p + strlen((const char *) p);
    n = 0;

    while (ngx_egov_html_category_next(&p, end, &name, &len)) {
        n++;
    }

    is_int(n, 3, "categories between spaces and commas");

    /* a tag with more changes than pieces: inert, bare */

    strcpy(big, "<iframe data-category=a data-src=x");
    for (n = 0; n < 60; n++) {
        strcat(big, " src=y");
    }
    strcat(big, ">");

    G(big, 0, "", "<iframe hidden=\"\">",
      "too many changes, not allowed: bare and inert");

    strcpy(big, "<script type=text/plain data-category=a");
    for (n = 0; n < 60; n++) {
        strcat(big, " type=x");
    }
    strcat(big, ">");

    ok(strcmp(gate(big, 1, ""), big) == 0,
       "too many changes, allowed: left inert as written");

    return done_testing();
}
