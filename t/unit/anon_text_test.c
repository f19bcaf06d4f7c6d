/* sources: ngx_egov_module/ngx_egov_anon_text.c */

#define _GNU_SOURCE

/*
 * Query redaction (names, values, encodings, repeated and bare arguments,
 * malformed percent-encoding, long strings), Referer origins, User-Agent
 * families.
 */

#include <stdlib.h>
#include "tap.h"
#include "ngx_egov_anon_text.h"


static ngx_egov_anon_name_t  extra[] = {
    { (const u_char *) "casenumber", 10 }
};


/* a query or a path redacted, against what is wanted */

typedef size_t (*size_pt)(const u_char *in, size_t len);
typedef size_t (*redact_pt)(const u_char *in, size_t len, u_char *out,
    u_char *scratch, const ngx_egov_anon_name_t *extra, size_t nextra);

static int
redacts_to(size_pt size, redact_pt redact, const char *in, const char *want)
{
    size_t   len, n;
    u_char  *out, *scratch;
    int      rc;

    len = strlen(in);
    out = malloc(size((const u_char *) in, len) + 1);
    scratch = malloc(len + 1);

    n = redact((const u_char *) in, len, out, scratch, extra, 1);
    out[n] = '\0';

    rc = strcmp((char *) out, want) == 0;
    if (!rc) {
        printf("# %s\n#   got  %s\n#   want %s\n", in, out, want);
    }

    free(out);
    free(scratch);
    return rc;
}

#define query_is(in, want)                                                    \
    redacts_to(ngx_egov_anon_query_size, ngx_egov_anon_query, in, want)
#define path_is(in, want)                                                     \
    redacts_to(ngx_egov_anon_path_size, ngx_egov_anon_path, in, want)


static int
origin_is(const char *in, const char *want)
{
    u_char  out[256];
    size_t  n;

    n = ngx_egov_anon_origin((const u_char *) in, strlen(in), out);
    out[n] = '\0';

    if (strcmp((char *) out, want) != 0) {
        printf("# %s: got \"%s\" want \"%s\"\n", in, out, want);
        return 0;
    }

    return 1;
}


static int
ua_is(const char *in, const char *want)
{
    u_char  out[NGX_EGOV_ANON_UA_LEN + 1];
    size_t  n;

    n = ngx_egov_anon_ua((const u_char *) in, strlen(in), out);
    out[n] = '\0';

    if (n > NGX_EGOV_ANON_UA_LEN || strcmp((char *) out, want) != 0) {
        printf("# %s: got \"%s\" want \"%s\"\n", in, out, want);
        return 0;
    }

    return 1;
}


int
main(void)
{
    char   *big;
    size_t  i;

    /* addresses, numbers written otherwise, other scripts, tokens */
    ok(query_is("q=2001:db8:1234:5678::42&a=1", "q=[redacted]&a=1"),
       "query: an IPv6 address");
    ok(query_is("host=10.1.2.3", "host=[redacted]")
       && query_is("to=10.1.2.3:8080", "to=[redacted]")
       && path_is("/x/10.1.2.3/", "/x/[redacted]/"),
       "an IPv4 address (with a port, in a path)");
    ok(query_is("at=fe80::1%25eth0", "at=[redacted]"),
       "an IPv6 address with a zone");
    ok(query_is("q=%2B968%209123%20-%204567", "q=[redacted]")
       && query_is("q=9123+-+4567", "q=[redacted]"),
       "a phone number with spaced dashes");
    ok(query_is("q=9912%2034%2056", "q=[redacted]"),
       "four, two and two digits that are no date");
    ok(query_is("q=%D9%A9%D9%A1%D9%A2%D9%A3%D9%A4%D9%A5%D9%A6%D9%A7",
                "q=[redacted]")
       && path_is("/x/%D9%A9%D9%A1%D9%A2%D9%A3%D9%A4%D9%A5%D9%A6%D9%A7",
                  "/x/[redacted]"),
       "Arabic-Indic digits");
    ok(query_is("q=9123%E2%80%8B4567", "q=[redacted]"),
       "digits split by a zero-width space");
    ok(query_is("%D8%A7%D9%84%D8%A7%D8%B3%D9%85=%D8%A3%D8%AD%D9%85%D8%AF",
                "%D8%A7%D9%84%D8%A7%D8%B3%D9%85=[redacted]"),
       "a name in Arabic: its value goes");
    ok(query_is("jwt=abc&ticket=ST-1&sig=x", "jwt=[redacted]&ticket=[redacted]"
                "&sig=[redacted]"), "token names");
    ok(path_is("/reset/eyJhbGciOi.eyJzdWIiOiIx.c2lnbmF0dXJl",
               "/reset/[redacted]"), "a JWT in a path");
    ok(query_is("r=Zx9Kq2LmN8pQ4rS7tU1vW3xY5zA6bC0dE", "r=[redacted]"),
       "a long random token under any name");
    ok(query_is("e=alice%25252540example.com", "e=[redacted]"),
       "an address encoded three times");
    ok(query_is("e=alice%EF%BC%A0example.com", "e=[redacted]"),
       "an address with a full-width at");
    /* found by a helper's review: each of these was kept */
    ok(query_is("q=someone%2525252540example.com", "q=[redacted]")
       && query_is("%2525252570assword=x&a=1", "[redacted]&a=1"),
       "encoded more times than the decoder goes: hidden");
    ok(query_is("q=%EF%BC%99%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95"
                "%EF%BC%96%EF%BC%97", "q=[redacted]")
       && query_is("q=a@b%E3%80%82om", "q=[redacted]")
       && query_is("q=a@b%EF%BC%8Eom", "q=[redacted]"),
       "full-width digits, ideographic and full-width full stops");
    ok(query_is("q=9123%E2%80%8F4567", "q=[redacted]")
       && query_is("q=9123%E2%80%8E4567", "q=[redacted]")
       && query_is("q=9123%D8%9C4567", "q=[redacted]")
       && query_is("q=9123%E2%81%A64567", "q=[redacted]")
       && query_is("q=9123%C2%AD4567", "q=[redacted]"),
       "direction marks, isolates and the soft hyphen between digits");
    ok(query_is("q=9123%094567", "q=[redacted]"),
       "tabs between digits");
    /* found by a second review: each of these was kept */
    ok(query_is("q=9123%C2%A04567", "q=[redacted]")
       && query_is("q=%D9%A9%D9%A1%D9%A2%D9%A3%C2%A0%D9%A4%D9%A5%D9%A6%D9%A7",
                   "q=[redacted]")
       && query_is("q=9123%E2%80%AF4567", "q=[redacted]")
       && query_is("q=9123%E2%80%894567", "q=[redacted]")
       && query_is("q=9123%E3%80%804567", "q=[redacted]"),
       "no-break, narrow, thin and ideographic spaces between digits");
    ok(query_is("q=9123%E2%80%904567", "q=[redacted]")
       && query_is("q=9123%E2%80%914567", "q=[redacted]")
       && query_is("q=9123%E2%80%934567", "q=[redacted]")
       && query_is("q=9123%E2%88%924567", "q=[redacted]")
       && query_is("q=9123%EF%BC%8D4567", "q=[redacted]"),
       "hyphens, dashes, the minus sign between digits");
    ok(query_is("q=9123%E2%81%A24567", "q=[redacted]")
       && query_is("q=9123%CD%8F4567", "q=[redacted]"),
       "invisible operators and the combining grapheme joiner");
    ok(query_is("q=a@b%EF%BD%A1com", "q=[redacted]")
       && query_is("q=a@b%E2%80%A4com", "q=[redacted]")
       && query_is("q=someone%C1%80example.com", "q=[redacted]")
       && query_is("q=%F0%9D%9F%8F%F0%9D%9F%90%F0%9D%9F%91%F0%9D%9F%92"
                   "%F0%9D%9F%93%F0%9D%9F%94%F0%9D%9F%95%F0%9D%9F%96",
                   "q=[redacted]"),
       "halfwidth and leader dots, an overlong @, mathematical digits");
    ok(query_is("price=12,500,000&ll=23.5880,58.3829&ids=12,15,18,22,31,40",
                "price=12,500,000&ll=23.5880,58.3829&ids=12,15,18,22,31,40")
       && query_is("range=2024-11-01,2024-11-30&d=2024-11-01_2024-11-30",
                   "range=2024-11-01,2024-11-30&d=2024-11-01_2024-11-30"),
       "prices, coordinates, lists of ids and date ranges stay "
       "(commas and underscores separate no phone number)");
    ok(query_is("year=2023-2024&r=2024-01-01..2024-12-31&s=2024-01-01/2024-12-31",
                "year=2023-2024&r=2024-01-01..2024-12-31&s=2024-01-01/2024-12-31")
       && query_is("q=2023-9123", "q=[redacted]")
       && query_is("q=2024-13-01..2024-12-31", "q=[redacted]"),
       "academic years and date ranges stay; numbers that only look so go");
    ok(path_is("/downloads/app-1.2.0.1.apk", "/downloads/app-1.2.0.1.apk")
       && path_is("/laws/article-3.1.2.4", "/laws/article-3.1.2.4")
       && query_is("doc=guide-1.2.0.1.pdf", "doc=guide-1.2.0.1.pdf"),
       "four-part versions within words stay");
    ok(query_is("msg=from+10.1.2.3.", "msg=[redacted]")
       && query_is("note=ip:10.1.2.3", "note=[redacted]")
       && query_is("q=host-10.0.0.5", "q=[redacted]")
       && path_is("/users/10.1.2.3.", "/users/[redacted]"),
       "an IPv4 address within a word, or ending a sentence");
    ok(query_is("given_name=Ahmed&customer_name=A&nameAr=%D8%A3&fname=A&lname=B",
                "given_name=[redacted]&customer_name=[redacted]"
                "&nameAr=[redacted]&fname=[redacted]&lname=[redacted]"),
       "names of people's names");
    ok(query_is("filename=report.pdf&hostname=www&service_name=visa"
                "&categoryName=health&v=1.2.3.4.5",
                "filename=report.pdf&hostname=www&service_name=visa"
                "&categoryName=health&v=1.2.3.4.5"),
       "names of things' names, and a five-part version, stay");
    ok(query_is("filenameOwner=A&hostname_of_user=B&sort_name=C",
                "filenameOwner=[redacted]&hostname_of_user=[redacted]"
                "&sort_name=[redacted]"),
       "a thing's name followed by more, and a person's sort name");
    ok(query_is("v=1.2.3&t=12:30:45&d=2024-11-24&n=std::vector&page=2",
                "v=1.2.3&t=12:30:45&d=2024-11-24&n=std::vector&page=2")
       && path_is("/annual-report-2024-final-version-for-citizens",
                  "/annual-report-2024-final-version-for-citizens")
       && path_is("/static/app.3f9a8b7c9d0e1f2a3b4c5d6e7f8a9b0c.js",
                  "/static/app.3f9a8b7c9d0e1f2a3b4c5d6e7f8a9b0c.js"),
       "versions, times, dates, words, slugs and hashes stay");

    /* paths */
    ok(path_is("/users/me@example.com/profile", "/users/[redacted]/profile"),
       "path: an e-mail address in a segment");
    ok(path_is("/users/me%40example.com/", "/users/[redacted]/"),
       "path: an encoded one, the trailing slash kept");
    ok(path_is("/citizens/96891234567/documents",
               "/citizens/[redacted]/documents"), "path: a long digit run");
    ok(path_is("/call/%2B968%209123%204567", "/call/[redacted]"),
       "path: a phone number, encoded");
    ok(path_is("/news/2024/11/24/budget", "/news/2024/11/24/budget"),
       "path: a date in segments stays");
    ok(path_is("/static/app.3f9a8b7c.js", "/static/app.3f9a8b7c.js"),
       "path: a content hash stays");
    ok(path_is("/cart;jsessionid=ABC123/items",
               "/cart;jsessionid=[redacted]/items"),
       "path: a session in a segment's parameters");
    ok(path_is("/x;v=2;CaseNumber=7", "/x;v=2;CaseNumber=[redacted]"),
       "path: parameters, extra names too");
    ok(path_is("/", "/") && path_is("", "") && path_is("//a//", "//a//"),
       "path: empty segments");
    ok(ngx_egov_anon_path_plain((const u_char *) "/a/b/2024", 9)
       && !ngx_egov_anon_path_plain((const u_char *) "/a@b", 4)
       && !ngx_egov_anon_path_plain((const u_char *) "/a%40", 5)
       && !ngx_egov_anon_path_plain((const u_char *) "/x;s=1", 6)
       && !ngx_egov_anon_path_plain((const u_char *) "/12345678", 9),
       "path: plain only without @, escapes, parameters or 8 digits");
    ok(!ngx_egov_anon_path_plain((const u_char *) "/t=eyJa.b.c", 11)
       && path_is("/t=eyJa.b.c", "/[redacted]")
       && !ngx_egov_anon_path_plain((const u_char *) "/(eyJa.b.c", 10),
       "path: a token that begins a word, not a segment, is not plain "
       "(fuzzed: the variables skipped its redaction)");
    ok(!ngx_egov_anon_path_plain((const u_char *) "/a+eyJa.b.c", 11)
       && path_is("/a+eyJa.b.c", "/[redacted]"),
       "path: after a '+', which decodes to a space, a token begins a "
       "word too (fuzzed again: the variables logged it unredacted)");

    ok(query_is("a=1&b=2", "a=1&b=2"), "nothing sensitive: unchanged");
    ok(query_is("", ""), "empty");
    ok(query_is("password=hunter2&page=3", "password=[redacted]&page=3"),
       "a sensitive name");
    ok(query_is("Pass_Word=x&ACCESS-TOKEN=y", "Pass_Word=[redacted]&ACCESS-TOKEN=[redacted]"),
       "names in any case and spelling");
    ok(query_is("pass%77ord=x", "pass%77ord=[redacted]"), "an encoded name");
    ok(query_is("user_email_address=x", "user_email_address=[redacted]"),
       "a name containing a sensitive word");
    ok(query_is("casenumber=77&case=1", "casenumber=[redacted]&case=1"),
       "egov_anon_redact_args names");
    ok(query_is("q=me@example.com", "q=[redacted]"), "an e-mail value");
    ok(query_is("q=me%40example.com", "q=[redacted]"), "percent-encoded");
    ok(query_is("q=me%2540example.com", "q=[redacted]"), "encoded twice");
    ok(query_is("q=a+me@example.com+b", "q=[redacted]"), "with + for spaces");
    ok(query_is("q=96891234567", "q=[redacted]"), "a long digit run");
    ok(query_is("q=%2B968+9123-4567", "q=[redacted]"), "a phone number with separators");
    ok(query_is("q=(968)%2091234567", "q=[redacted]"), "with parentheses");
    ok(query_is("page=1234567&year=2024", "page=1234567&year=2024"),
       "seven digits are not an ID");
    ok(query_is("from=2024-11-24&to=2024-12-01", "from=2024-11-24&to=2024-12-01"),
       "dates are not IDs");
    ok(query_is("q=a&q=me@x.org&q=b", "q=a&q=[redacted]&q=b"), "repeated arguments");
    ok(query_is("me@example.com", "[redacted]"), "a bare value");
    ok(query_is("me@example.com=1&a=2", "[redacted]&a=2"),
       "a name that is an address: nothing of it stays");
    ok(query_is("me%40example.com=1", "[redacted]"), "encoded too");
    ok(query_is("30101123456789=1&a=2", "[redacted]&a=2"),
       "a name that is a long number (a national ID): nothing of it stays");
    ok(query_is("a=1;token=x;b", "a=1;token=[redacted];b"), "; separators");
    ok(query_is("q=%zz%4&x=%", "q=%zz%4&x=%"), "malformed percent-encoding kept");
    ok(query_is("&&=&a", "&&=&a"), "empty pieces");
    ok(query_is("q=@.&r=a@b", "q=@.&r=a@b"), "not e-mail addresses");

    big = malloc(1 << 20);
    for (i = 0; i + 20 < (1 << 20); i += 20) {
        memcpy(big + i, "x=1&email=a@b.cc&y=", 19);
        big[i + 19] = '&';
    }
    big[i] = '\0';
    {
        size_t   len = strlen(big), n;
        u_char  *out = malloc(ngx_egov_anon_query_size((u_char *) big, len));
        u_char  *scratch = malloc(len);

        n = ngx_egov_anon_query((u_char *) big, len, out, scratch, NULL, 0);
        ok(n <= ngx_egov_anon_query_size((u_char *) big, len)
           && memmem(out, n, "a@b", 3) == NULL,
           "a 1 MiB query string: bounded, nothing left");
        free(out);
        free(scratch);
    }
    free(big);

    ok(origin_is("https://www.example.com/path?q=1#f", "https://www.example.com"),
       "the origin only");
    ok(origin_is("HTTP://User:Pw@Example.COM:8080/x", "http://example.com:8080"),
       "no user, lower case");
    ok(origin_is("https://[2001:db8::1]:443/", "https://[2001:db8::1]:443"), "IPv6 host");
    ok(origin_is("https://a.example?x", "https://a.example"), "query right after the host");
    ok(origin_is("ftp://example.com/", ""), "not http(s)");
    ok(origin_is("https:///path", ""), "no host");
    ok(origin_is("https://exa mple.com/", ""), "a bad host");
    ok(origin_is("android-app://com.example", ""), "an app");

    ok(ua_is("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
             "(KHTML, like Gecko) Chrome/120.0.6099.130 Safari/537.36",
             "Chrome 120 / Windows"), "Chrome on Windows");
    ok(ua_is("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
             "(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91",
             "Edge 120 / Windows"), "Edge");
    ok(ua_is("Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
             "Firefox 121 / Linux"), "Firefox on Linux");
    ok(ua_is("Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 "
             "(KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1",
             "Safari 17 / iOS"), "Safari on an iPhone");
    ok(ua_is("Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like "
             "Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36",
             "Samsung Internet 23 / Android"), "Samsung on Android");
    ok(ua_is("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
             "(KHTML, like Gecko) Version/17.1 Safari/605.1.15", "Safari 17 / macOS"),
       "Safari on a Mac");
    ok(ua_is("Mozilla/5.0 (Windows NT 10.0; Trident/7.0; rv:11.0) like Gecko",
             "Internet Explorer 11 / Windows"), "IE 11");
    ok(ua_is("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
             "Bot / Other"), "a crawler");
    ok(ua_is("curl/8.4.0", "curl 8 / Other"), "curl");
    ok(ua_is("", "Other / Other"), "empty");
    ok(ua_is("Chrome/99999999999999", "Chrome 99999 / Other"), "a long version is cut");

    return done_testing();
}
