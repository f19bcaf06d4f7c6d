/* sources: ngx_egov_module/ngx_egov_html_scan.c */

#include <stdlib.h>
#include "tap.h"
#include "ngx_egov_html_scan.h"


/*
 * What is found in a page read in ranges of "chunk" bytes (0: at once):
 * "n12 " for a nonce before the ">" at offset 12, "b40 " where "</body"
 * begins, "t3-20 " a start tag reported from its "<" to its ">" (a
 * PARTIAL's held bytes give the offset when the tag began earlier).
 */

static unsigned  scan_flags = NGX_EGOV_HTML_F_NONCE|NGX_EGOV_HTML_F_BODY;


static const char *
found(const char *page, size_t chunk)
{
    int              rc;
    unsigned         flags;
    size_t           len, start, n, held, o;
    const u_char    *p, *pos, *end, *at;
    ngx_egov_html_t  h;

    static char      out[4096];

    ngx_egov_html_init(&h);
    len = strlen(page);
    o = 0;
    out[0] = '\0';
    held = 0;
    flags = scan_flags;

    for (start = 0; start < len; start += n) {
        n = (chunk && chunk < len - start) ? chunk : len - start;
        p = (const u_char *) page + start;
        pos = p;
        end = p + n;

        for ( ;; ) {
            at = NULL;
            rc = ngx_egov_html_next(&h, &pos, end, flags, &at);

            if (rc == NGX_EGOV_HTML_END) {
                break;
            }

            if (rc == NGX_EGOV_HTML_PARTIAL) {
                if (at) {
                    held = start + (at - p);
                }
                break;
            }

            if (rc == NGX_EGOV_HTML_BODY) {
                flags &= ~NGX_EGOV_HTML_F_BODY;
            }

            if (rc == NGX_EGOV_HTML_TAG) {
                o += snprintf(out + o, sizeof(out) - o, "t%zu-%zu ",
                              h.lt ? start + (size_t) (h.lt - p) : held,
                              start + (size_t) (at - p));
                continue;
            }

            o += snprintf(out + o, sizeof(out) - o, "%c%zu ",
                          rc == NGX_EGOV_HTML_NONCE ? 'n' : 'b',
                          at ? start + (size_t) (at - p) : held);
        }
    }

    return out;
}


static int
same_in_chunks(const char *page)
{
    size_t       chunk;
    char         whole[4096];

    snprintf(whole, sizeof(whole), "%s", found(page, 0));

    for (chunk = 1; chunk <= 9; chunk++) {
        if (strcmp(found(page, chunk), whole) != 0) {
            printf("# chunk %zu: \"%s\", at once: \"%s\"\n", chunk,
                   found(page, chunk), whole);
            return 0;
        }
    }

    return 1;
}


#define T(page, want, what)                                                  \
    do {                                                                     \
        ok(strcmp(found(page, 0), want) == 0, what);                         \
        if (strcmp(found(page, 0), want) != 0) {                             \
            printf("#   got \"%s\", want \"%s\"\n", found(page, 0), want);   \
        }                                                                    \
        ok(same_in_chunks(page), what ": the same in any chunks");           \
    } while (0)


int
main(void)
{
    /* offsets:    0         1         2         3         4         5 */
    /*             0123456789012345678901234567890123456789012345678901 */
    T("<script>x</script></body>", "n7 b18 ", "a script, then </body");
    T("<STYLE type=\"text/css\">a{}</STYLE></BODY >",
      "n22 b34 ", "upper case, attributes");
    T("<script nonce=\"abc\">x</script>", "",
      "a tag with a nonce gets none");
    T("<script NONCE=abc src=a.js></script>", "",
      "an unquoted nonce, any case");
    T("<script src=\"a.js\" data-nonce=\"x\">", "n33 ",
      "data-nonce is another attribute");
    T("<!-- <script> </body> -->x", "", "nothing in a comment");
    T("<!--><script>", "n12 ", "\"<!-->\" ends the comment at once");
    T("<!---><script>", "n13 ", "so does \"<!--->\"");
    T("<!-- a -- b --><style>", "n21 ", "dashes inside a comment");
    T("<!-- x --!><script>", "n18 ", "\"--!>\" ends a comment too");
    T("<!--!><script>-->", "", "\"<!--!>\" does not");
    T("<!-- --!-><script>-->", "", "nor \"--!->\"");
    T("<!-- --!--><script>", "n18 ", "\"--!-->\" does");
    T("<!-- ---><script>", "n16 ", "\"--->\" does");
    T("<!-- -!-><script>-->", "", "\"-!->\" does not");
    T("<p><?a<style></p><script>x</script>", "n24 ",
      "\"<?\" begins a comment that ends at the first \">\"");
    T("<a title=\"<script>\" href='</body>'>x</a>", "",
      "nothing in attribute values");
    T("<script>document.write(\"<script></body>\")</script><style>",
      "n7 n56 ", "nothing in a script's text");
    T("<script>if (a</scriptx) {}</script ><style/>", "n7 n43 ",
      "a script ends at </script and a delimiter only");
    T("<style>p{}</style><script/></body>", "n6 n26 ",
      "<script/> gets one, and is raw text on (as in browsers)");
    T("<script src=x/></script>", "n14 ", "an unquoted value then />");

    /* a script's text escaped by "<!--" (WHATWG's script data states) */
    T("<script><!--<script></script><script src=x></script>--></script>"
      "<style>", "n7 n70 ",
      "\"<script\" in escaped text: its \"</script>\" ends no script");
    T("<script><!--<script></script>var s='<textarea>';</script><style>",
      "n7 n63 ", "then the next \"</script>\" does");
    T("<script><!--\ndocument.write('<script src=x></script>');\n//-->"
      "</script><style>", "n7 n76 ", "a legacy escaped script");
    T("<script><!--</script><style>", "n7 n27 ",
      "escaped text ends at \"</script>\"");
    T("<script><!--><script></script><style>", "n7 n36 ",
      "\"<!-->\" ends the escape at once");
    T("<script><!--<scriptx></script><style>", "n7 n36 ",
      "\"<scriptx\" is not \"<script\"");
    T("<script><!--<script>--></script><style>", "n7 n38 ",
      "\"-->\" ends a double escape too");
    T("<style><!--<script></style><style>", "n6 n33 ",
      "only a script's text is escaped");
    T("<!DOCTYPE html><html><body><p>a < b</p></body></html>",
      "b39 ", "a doctype, a lone <");
    T("</bodyx></body\n>", "b8 ", "</bodyx is another tag");
    T("<scripts></scripts><scrip>", "", "other names");
    T("<p>no end", "", "no </body");
    T("<a b =c d= 'e>' f><script>", "n25 ",
      "other tags: spaces around \"=\", a \">\" quoted");
    T("<div a\"b=<script>>x", "", "a quote in a name opens no value");
    T("<a b='>' <script>x</script>", "", "a \">\" in a value ends nothing");
    T("<a b=\">\" <script>x</script>", "", "nor in double quotes");
    T("<p =x><style>", "n12 ", "a name may begin with \"=\"");
    T("<d&= x=\"><style>", "", "a tag's name runs to a space: \"<d&=\"");
    T("<p =\"><style>\">", "n12 ", "a name \"=\\\"\" opens no value");
    T("<a x=><style>", "n12 ", "\"x=>\" ends the tag");
    T("<a/b='>'/><script>", "n17 ", "\"/\" between attributes");
    T("<td\tclass = \"a\"\n><script>", "n24 ", "tabs and line feeds");
    T("<p>a bc=<script>x</script><P></p>\n<Title><TEXTAREA><xmp>", "n15 ",
      "text right after a tag is text; names that may be ours are read");
    T("</body></body>", "b0 ", "</body once");
    T("<scr\"ipt>", "", "a quote in a tag name");

    /* another origin's script gets no nonce: its host decides (CSP) */
    T("<script src=\"https://t.example/a.js\"></script>", "",
      "a src on another origin: no nonce");
    T("<script src=\"//t.example/a.js\"></script>", "",
      "a scheme-relative src: no nonce");
    T("<script src=' \\/t.example/a.js'></script>", "",
      "leading space, backslash and slash: another origin");
    T("<script src=HTTP:x></script>", "", "an unquoted scheme, upper case");
    T("<script src=\"data:text/javascript,1\"></script>", "",
      "data: is not this origin");
    T("<script src=\"/js/a.js\"></script>", "n22 ", "a path: a nonce");
    T("<script src=\"js/app.bundle.min.js\"></script>", "n34 ",
      "a relative name with dots: a nonce");
    T("<script src=\"./a:b.js\"></script>", "n22 ",
      "a colon after a dot is no scheme");
    T("<script src=a.js src=\"https://t.example/\"></script>", "n41 ",
      "the first src counts");
    T("<script data-src=\"https://t.example/\"></script>", "n37 ",
      "data-src is another attribute");
    T("<script src=\"https://t/a\"></script><script>x</script>", "n42 ",
      "the next script gets its nonce");
    T("<style src=\"https://t/\"></style>", "", "a style's src, as a script's");
    T("<script src=\"https&#58;//evil.example/x.js\"></script>", "",
      "a colon written as a character reference: another origin");
    T("<script src=\"&#x2F;/evil.example/x.js\"></script>", "",
      "a slash written as a character reference: another origin");
    T("<script src=\"&sol;/evil.example/x.js\"></script>", "",
      "a named reference first: another origin");
    T("<script src=\"/\t/evil.example/x.js\"></script>", "",
      "a tab between the slashes (dropped by the URL parser)");
    T("<script src=\"ht\ntps://evil.example/x.js\"></script>", "",
      "a line break in the scheme (dropped by the URL parser)");
    T("<script src=\"\x01//evil.example/x.js\"></script>", "",
      "a leading control byte (stripped by the URL parser)");
    T("<script src=\"/js/a.js?a=1&amp;b=2\"></script>", "n34 ",
      "a reference after the path's start: still this origin's");

    /* text that is not markup: iframes, titles, text areas */
    T("<title><script></title><textarea></body></textarea><script>",
      "n58 ", "nothing in a title or a text area");
    T("<iframe><script></iframe ><noembed><style></noembed></body>",
      "b52 ", "nothing in an iframe or noembed");

    /* marked tags, reported whole; other tags as before */
    scan_flags = NGX_EGOV_HTML_F_NONCE|NGX_EGOV_HTML_F_BODY
                 |NGX_EGOV_HTML_F_GATE;
    T("<script type=\"text/plain\" data-egov-consent=\"a\">x</script>",
      "t0-47 ", "a marked script is reported whole, not for a nonce");
    T("<p><SCRIPT DATA-CATEGORY=a src=\"https://t/\"></script>",
      "t3-43 ", "data-category, any case, another origin's");
    T("<iframe title=\"v\" data-egov-consent=m data-src=\"/v\"></iframe>"
      "<script>x</script></body>",
      "t0-51 n68 b79 ", "an iframe, then others");
    T("<script data-egov-consentx=a>x</script><div data-category=a>",
      "n28 ", "other names and other tags are not reported");
    T("<script title='data-egov-consent=\"a\"'>", "n37 ",
      "not in a value");
    T("<script/data-category=a/>x</script>", "t0-24 ", "slashes between");
    T("</body><script data-category=a>", "b0 t7-30 ",
      "a tag after an end tag, cut after its \"<\" (found by fuzzing)");

    scan_flags = NGX_EGOV_HTML_F_BODY|NGX_EGOV_HTML_F_HTML;
    T("<!doctype html><HTML lang=\"ar\" dir=rtl><body><script></script></body>",
      "t15-38 b62 ", "<html> when asked, no nonces when not");
    T("<htmlx><html/></html>", "t7-13 ", "html, not htmlx; an end tag");

    return done_testing();
}
