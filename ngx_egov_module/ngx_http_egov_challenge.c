
/*
 * A proof-of-work challenge instead of a refusal, where a person may be
 * behind the address (a carrier's NAT, a ministry's office): a browser
 * over a limit with action=challenge, or anywhere under "egov_challenge
 * on", gets a small bilingual page whose script finds a number whose
 * SHA-256 over "TOKEN.NUMBER" begins with egov_challenge_difficulty zero
 * bits, and asks the page again with "egov_pow=TOKEN.NUMBER".  The answer
 * is checked with one hash, and a cookie signed for the client's network
 * (/24, or /64 for IPv6) lets that visitor pass the limit or the
 * challenge for egov_challenge_ttl.  Stateless: the token and the cookie
 * carry an expiry and an HMAC (egov_challenge_key, or a key made at start)
 * over it and the network; neither holds the address.
 *
 * Clients that are not browsers (no text/html in Accept, JSON preferred,
 * a method other than GET or HEAD) get the refusal as before: never a page
 * they cannot solve.
 */


#include "ngx_http_egov_protect.h"
#include "ngx_http_egov_consent.h"
#include "ngx_egov_consent_cookie.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>


#define NGX_HTTP_EGOV_CHALLENGE_TOKEN_TTL  300    /* s to solve a token */
#define NGX_HTTP_EGOV_CHALLENGE_MAC_LEN    16     /* bytes, hex in text */
#define NGX_HTTP_EGOV_CHALLENGE_RAND_LEN   8
#define NGX_HTTP_EGOV_CHALLENGE_NONCE_MAX  20
/* "EXPIRES.RAND.MAC" */
#define NGX_HTTP_EGOV_CHALLENGE_TOKEN_LEN                                    \
    (NGX_TIME_T_LEN + 1 + 2 * NGX_HTTP_EGOV_CHALLENGE_RAND_LEN + 1           \
     + 2 * NGX_HTTP_EGOV_CHALLENGE_MAC_LEN)


/* egov_pass cookies of a request looked at, at most */
#define NGX_HTTP_EGOV_PASS_TRIES           2


static ngx_int_t ngx_http_egov_challenge_pow(ngx_http_request_t *r,
    ngx_str_t *value);
static u_char *ngx_http_egov_challenge_here(ngx_http_request_t *r,
    u_char *end);
static size_t ngx_http_egov_challenge_net(ngx_http_request_t *r,
    u_char *net);
static ngx_int_t ngx_http_egov_challenge_mac(
    ngx_http_egov_protect_main_conf_t *pmcf, const char *what, u_char *text,
    size_t len, u_char *net, size_t net_len, u_char *hex);
static ngx_int_t ngx_http_egov_challenge_solved(ngx_http_request_t *r,
    ngx_http_egov_protect_main_conf_t *pmcf, ngx_str_t *answer);
static ngx_int_t ngx_http_egov_challenge_redirect(ngx_http_request_t *r,
    ngx_http_egov_protect_main_conf_t *pmcf);
static ngx_int_t ngx_http_egov_challenge_page(ngx_http_request_t *r,
    ngx_http_egov_protect_main_conf_t *pmcf, ngx_uint_t status,
    ngx_msec_t retry_after);
static u_char *ngx_http_egov_challenge_fill(ngx_http_request_t *r,
    u_char *p, const char *text, ngx_msec_t retry_after);


/* [lang], as ngx_egov_lang_e; the sources are UTF-8 */

static char  *ngx_http_egov_challenge_title[2] = {
    "Checking that you are a person",
    "نتحقق من أنك إنسان"
};

static char  *ngx_http_egov_challenge_text[2] = {
    "<p>Many requests came from your internet connection, which other "
    "people may share. Your browser is doing a short calculation (about a "
    "second), then the page you asked for opens.</p>\n"
    "<p>Only a cookie for this connection is kept, for a limited time: "
    "nothing about you.</p>",
    "<p>وصلت طلبات كثيرة من اتصالك بالإنترنت، الذي قد يشاركه آخرون. يُجري "
    "متصفحك عملية حسابية قصيرة (نحو ثانية)، ثم تُفتح الصفحة التي "
    "طلبتها.</p>\n"
    "<p>لا يُحفظ سوى ملف تعريف ارتباط لهذا الاتصال لمدة محدودة: لا شيء "
    "عنك.</p>"
};

static char  *ngx_http_egov_challenge_noscript[2][2] = {
    {
        "<p>This check needs JavaScript, which is off in your browser: turn "
        "it on, then <a href=\"{{here}}\">open the page again</a>.</p>",
        "<p>This check needs JavaScript, which is off in your browser: turn "
        "it on, then <a href=\"{{here}}\">open the page again</a>. Or wait "
        "{{retry_after}} seconds: the page then opens without the "
        "check.</p>"
    },
    {
        "<p>يتطلب هذا التحقق JavaScript، وهو معطّل في متصفحك: فعّله ثم "
        "<a href=\"{{here}}\">افتح الصفحة مرة أخرى</a>.</p>",
        "<p>يتطلب هذا التحقق JavaScript، وهو معطّل في متصفحك: فعّله ثم "
        "<a href=\"{{here}}\">افتح الصفحة مرة أخرى</a>. أو انتظر "
        "{{retry_after}} ثانية: تُفتح الصفحة حينها دون تحقق.</p>"
    }
};


/*
 * Does the visitor hold a valid pass, "EXPIRES.MAC" for its network?  At
 * most NGX_HTTP_EGOV_PASS_TRIES of the request's egov_pass cookies are
 * looked at: made-up ones cost an HMAC each.
 */

ngx_uint_t
ngx_http_egov_challenge_passed(ngx_http_request_t *r)
{
    size_t                              nl, vl, net_len;
    time_t                              expires;
    ngx_uint_t                          i, tries;
    ngx_table_elt_t                    *h;
    const u_char                       *pos, *end, *n, *v, *dot;
    ngx_http_egov_protect_main_conf_t  *pmcf;
    u_char                              net[17];
    u_char                  hex[2 * NGX_HTTP_EGOV_CHALLENGE_MAC_LEN];

    pmcf = ngx_http_get_module_main_conf(r, ngx_http_egov_protect_module);

    net_len = ngx_http_egov_challenge_net(r, net);
    tries = 0;

    for (i = 0; net_len && (h = ngx_http_egov_cookie_header(r, i)); i++) {

        pos = h->value.data;
        end = h->value.data + h->value.len;

        while (ngx_egov_cookie_next(&pos, end, &n, &nl, &v, &vl)) {

            if (nl != sizeof(NGX_HTTP_EGOV_PASS_COOKIE) - 1
                || ngx_strncmp(n, NGX_HTTP_EGOV_PASS_COOKIE, nl) != 0)
            {
                continue;
            }

            if (tries++ == NGX_HTTP_EGOV_PASS_TRIES) {
                return 0;
            }

            dot = ngx_strlchr((u_char *) v, (u_char *) v + vl, '.');

            if (dot == NULL
                || v + vl - (dot + 1) != 2 * NGX_HTTP_EGOV_CHALLENGE_MAC_LEN)
            {
                continue;
            }

            expires = ngx_atotm((u_char *) v, dot - v);

            if (expires == NGX_ERROR || expires <= ngx_time()) {
                continue;
            }

            if (ngx_http_egov_challenge_mac(pmcf, "pass", (u_char *) v,
                                            dot - v, net, net_len, hex)
                == NGX_OK
                && CRYPTO_memcmp(hex, dot + 1, sizeof(hex)) == 0)
            {
                ngx_http_egov_stat_inc(NGX_EGOV_STAT_CHALLENGE_PASSED);
                return 1;
            }
        }
    }

    return 0;
}


/*
 * Over a limit with action=challenge, or under egov_challenge on: NGX_OK
 * when the visitor holds a valid pass (let through), else the challenge
 * page for a browser (its status, 429 or 403), else NGX_DECLINED: refuse
 * as before.
 */

ngx_int_t
ngx_http_egov_challenge(ngx_http_request_t *r, ngx_uint_t status,
    ngx_msec_t retry_after, ngx_int_t *rc)
{
    size_t                              net_len;
    ngx_http_egov_protect_main_conf_t  *pmcf;
    u_char                              net[17];

    if (ngx_http_egov_challenge_passed(r)) {
        return NGX_OK;
    }

    pmcf = ngx_http_get_module_main_conf(r, ngx_http_egov_protect_module);
    net_len = ngx_http_egov_challenge_net(r, net);

    /* no network (a unix socket without realip): no answer could count */

    if (net_len == 0
        || !(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))
        || !ngx_http_egov_accepts_html(r)
        || ngx_http_egov_prefers_json(r))
    {
        return NGX_DECLINED;
    }

    ngx_http_egov_stat_inc(NGX_EGOV_STAT_CHALLENGES_SHOWN);

    *rc = ngx_http_egov_challenge_page(r, pmcf, status, retry_after);

    return NGX_DONE;
}


/*
 * The last "egov_pow=" of the query (in any case): an earlier one, a stale
 * answer or a link's, must not keep the visitor solving for ever.  The
 * query as the browser sent it: an internal redirect to the location that
 * challenges ("try_files $uri /index.php") may have left it behind (found
 * by a helper's review: the answer was never seen, the browser solved for
 * ever)
 */

static ngx_int_t
ngx_http_egov_challenge_pow(ngx_http_request_t *r, ngx_str_t *value)
{
    u_char  *p, *last, *amp;

    value->data = NULL;
    value->len = 0;

    last = r->unparsed_uri.data + r->unparsed_uri.len;
    p = ngx_strlchr(r->unparsed_uri.data, last, '?');

    if (p == NULL) {
        return NGX_DECLINED;
    }

    p++;

    while (p < last) {
        amp = ngx_strlchr(p, last, '&');
        if (amp == NULL) {
            amp = last;
        }

        if (amp - p >= 9 && ngx_strncasecmp(p, (u_char *) "egov_pow=", 9) == 0)
        {
            value->data = p + 9;
            value->len = amp - (p + 9);
        }

        p = amp + 1;
    }

    return value->data ? NGX_OK : NGX_DECLINED;
}


/*
 * "egov_pow=TOKEN.NUMBER" in the query: NGX_DONE with the redirect sent
 * (rc) when it is a right answer, made for this network, in time; else
 * NGX_DECLINED (counted as failed when it was one of ours at all).
 */

ngx_int_t
ngx_http_egov_challenge_answer(ngx_http_request_t *r, ngx_int_t *rc)
{
    ngx_str_t                           answer;
    ngx_http_egov_protect_main_conf_t  *pmcf;

    if (ngx_http_egov_challenge_pow(r, &answer) != NGX_OK) {
        return NGX_DECLINED;
    }

    pmcf = ngx_http_get_module_main_conf(r, ngx_http_egov_protect_module);

    if (ngx_http_egov_challenge_solved(r, pmcf, &answer) != NGX_OK) {
        ngx_http_egov_stat_inc(NGX_EGOV_STAT_CHALLENGES_FAILED);
        return NGX_DECLINED;
    }

    ngx_http_egov_stat_inc(NGX_EGOV_STAT_CHALLENGES_SOLVED);

    *rc = ngx_http_egov_challenge_redirect(r, pmcf);

    return NGX_DONE;
}


static ngx_int_t
ngx_http_egov_challenge_solved(ngx_http_request_t *r,
    ngx_http_egov_protect_main_conf_t *pmcf, ngx_str_t *answer)
{
    u_char       *p, *last, *dot1, *dot2, *dot3;
    size_t        net_len;
    time_t        expires;
    ngx_uint_t    i, bits;
    u_char        net[17];
    u_char        hex[2 * NGX_HTTP_EGOV_CHALLENGE_MAC_LEN];
    u_char        md[SHA256_DIGEST_LENGTH];

    /* EXPIRES.RAND.MAC.NUMBER */

    p = answer->data;
    last = p + answer->len;

    if (answer->len > NGX_HTTP_EGOV_CHALLENGE_TOKEN_LEN + 1
                      + NGX_HTTP_EGOV_CHALLENGE_NONCE_MAX)
    {
        return NGX_DECLINED;
    }

    dot1 = ngx_strlchr(p, last, '.');
    dot2 = dot1 ? ngx_strlchr(dot1 + 1, last, '.') : NULL;
    dot3 = dot2 ? ngx_strlchr(dot2 + 1, last, '.') : NULL;

    if (dot3 == NULL
        || dot2 - (dot1 + 1) != 2 * NGX_HTTP_EGOV_CHALLENGE_RAND_LEN
        || dot3 - (dot2 + 1) != 2 * NGX_HTTP_EGOV_CHALLENGE_MAC_LEN
        || last - (dot3 + 1) < 1
        || last - (dot3 + 1) > NGX_HTTP_EGOV_CHALLENGE_NONCE_MAX)
    {
        return NGX_DECLINED;
    }

    for (p = dot3 + 1; p < last; p++) {
        if (*p < '0' || *p > '9') {
            return NGX_DECLINED;
        }
    }

    expires = ngx_atotm(answer->data, dot1 - answer->data);

    if (expires == NGX_ERROR || ngx_time() >= expires) {
        return NGX_DECLINED;
    }

    net_len = ngx_http_egov_challenge_net(r, net);
    if (net_len == 0) {
        return NGX_DECLINED;
    }

    if (ngx_http_egov_challenge_mac(pmcf, "token", answer->data,
                                    dot2 - answer->data, net, net_len, hex)
        != NGX_OK
        || CRYPTO_memcmp(hex, dot2 + 1, sizeof(hex)) != 0)
    {
        return NGX_DECLINED;
    }

    /* the work: SHA-256 of "TOKEN.NUMBER" begins with "bits" zero bits */

    if (SHA256(answer->data, answer->len, md) == NULL) {
        return NGX_DECLINED;
    }

    bits = pmcf->challenge_bits;

    for (i = 0; i < bits / 8; i++) {
        if (md[i] != 0) {
            return NGX_DECLINED;
        }
    }

    if (bits % 8 && (md[i] >> (8 - bits % 8)) != 0) {
        return NGX_DECLINED;
    }

    return NGX_OK;
}


/* 303 to the same page without the answer, with the pass for the network */

static ngx_int_t
ngx_http_egov_challenge_redirect(ngx_http_request_t *r,
    ngx_http_egov_protect_main_conf_t *pmcf)
{
    u_char           *p, *q, *last, *amp, *expires_at, *start;
    size_t            net_len, len;
    ngx_int_t         rc;
    ngx_uint_t        first;
    ngx_table_elt_t  *cookie, *location;
    u_char            net[17];

    /*
     * a body sent with the answer is read and dropped: left on a kept
     * connection, it would be read as the next request
     */

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    net_len = ngx_http_egov_challenge_net(r, net);

    cookie = ngx_list_push(&r->headers_out.headers);
    if (cookie == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    len = sizeof(NGX_HTTP_EGOV_PASS_COOKIE "=.; Path=/; Max-Age=; HttpOnly; "
                 "SameSite=Lax; Secure") - 1
          + 2 * NGX_TIME_T_LEN + 2 * NGX_HTTP_EGOV_CHALLENGE_MAC_LEN;

    cookie->value.data = ngx_pnalloc(r->pool, len);
    if (cookie->value.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_cpymem(cookie->value.data, NGX_HTTP_EGOV_PASS_COOKIE "=",
                   sizeof(NGX_HTTP_EGOV_PASS_COOKIE "=") - 1);
    expires_at = p;
    p = ngx_sprintf(p, "%T", ngx_time() + pmcf->challenge_ttl);
    if (net_len == 0
        || ngx_http_egov_challenge_mac(pmcf, "pass", expires_at,
                                       p - expires_at, net, net_len, p + 1)
           != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    *p = '.';
    p += 1 + 2 * NGX_HTTP_EGOV_CHALLENGE_MAC_LEN;
    p = ngx_sprintf(p, "; Path=/; Max-Age=%T; HttpOnly; SameSite=Lax",
                    pmcf->challenge_ttl);

#if (NGX_HTTP_SSL)
    if (r->connection->ssl) {
        p = ngx_cpymem(p, "; Secure", sizeof("; Secure") - 1);
    }
#endif

    cookie->value.len = p - cookie->value.data;
    cookie->hash = 1;
    ngx_str_set(&cookie->key, "Set-Cookie");
    cookie->lowcase_key = (u_char *) "set-cookie";

    /* the path and the query without egov_pow: this site's own page */

    location = ngx_list_push(&r->headers_out.headers);
    if (location == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    location->value.data = ngx_pnalloc(r->pool, r->unparsed_uri.len + 1);
    if (location->value.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    last = r->unparsed_uri.data + r->unparsed_uri.len;
    q = ngx_strlchr(r->unparsed_uri.data, last, '?');

    if (q == NULL) {
        q = last;
    }

    start = ngx_http_egov_challenge_here(r, q);

    p = location->value.data;

    if (*start != '/') {
        *p++ = '/';        /* an absolute URI as the request's target */
        start = q;
    }

    p = ngx_cpymem(p, start, q - start);
    first = 1;

    while (q < last) {
        q++;

        amp = ngx_strlchr(q, last, '&');
        if (amp == NULL) {
            amp = last;
        }

        if (amp > q
            && !(amp - q >= 9
                 && ngx_strncasecmp(q, (u_char *) "egov_pow=", 9) == 0))
        {
            *p++ = first ? '?' : '&';
            first = 0;
            p = ngx_cpymem(p, q, amp - q);
        }

        q = amp;
    }

    location->value.len = p - location->value.data;
    location->hash = 1;
    ngx_str_set(&location->key, "Location");
    location->lowcase_key = (u_char *) "location";

    r->headers_out.location = location;
    r->headers_out.status = NGX_HTTP_SEE_OTHER;
    r->headers_out.content_length_n = 0;
    r->header_only = 1;

    return ngx_http_send_header(r);
}



/*
 * The page: both languages, the visitor's first; the script inline with
 * the response's CSP nonce; without JavaScript, what to do instead
 */

static ngx_int_t
ngx_http_egov_challenge_page(ngx_http_request_t *r,
    ngx_http_egov_protect_main_conf_t *pmcf, ngx_uint_t status,
    ngx_msec_t retry_after)
{
    u_char           *p;
    size_t            len, net_len, here_len;
    ngx_str_t         nonce, body, *script;
    ngx_uint_t        i, first, lang;
    u_char            net[17], rand[NGX_HTTP_EGOV_CHALLENGE_RAND_LEN];
    u_char            token[NGX_HTTP_EGOV_CHALLENGE_TOKEN_LEN], *t;

    static ngx_str_t  html = ngx_string("text/html; charset=utf-8");

    if (ngx_http_egov_csp_nonce(r, &nonce) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    script = ngx_http_egov_asset("challenge.js");
    if (script->len == 0) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* the token: EXPIRES.RAND.MAC, the MAC over them and the network */

    net_len = ngx_http_egov_challenge_net(r, net);

    if (ngx_http_egov_random(ngx_http_egov_quiet_log(r), rand,
                                 sizeof(rand))
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    t = ngx_sprintf(token, "%T.",
                    ngx_time() + NGX_HTTP_EGOV_CHALLENGE_TOKEN_TTL);
    t = ngx_hex_dump(t, rand, sizeof(rand));
    if (ngx_http_egov_challenge_mac(pmcf, "token", token, t - token, net,
                                    net_len, t + 1)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    *t = '.';
    t += 1 + 2 * NGX_HTTP_EGOV_CHALLENGE_MAC_LEN;

    /* "try again": this page's own address, escaped */

    here_len = r->unparsed_uri.len
               + ngx_escape_html(NULL, r->unparsed_uri.data,
                                 r->unparsed_uri.len);

    first = ngx_http_egov_request_lang(r, NGX_EGOV_LANG_AR);

    len = 2048 + script->len + nonce.len * 2 + (t - token) + 2 * here_len;

    for (i = 0; i < 2; i++) {
        len += ngx_strlen(ngx_http_egov_challenge_title[i]) * 2
               + ngx_strlen(ngx_http_egov_challenge_text[i])
               + ngx_strlen(ngx_http_egov_challenge_noscript[i][1]);
    }

    body.data = ngx_pnalloc(r->pool, len);
    if (body.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    lang = first;

    p = ngx_sprintf(body.data,
        "<!doctype html>\n<html lang=\"%s\" dir=\"%s\">\n<head>\n"
        "<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, "
        "initial-scale=1\">\n<meta name=\"robots\" content=\"noindex\">\n"
        "<title>%s \xe2\x80\x94 %s</title>\n"
        "<style nonce=\"%V\">\n"
        "body{margin:0;font-family:\"Noto Sans\",\"Noto Naskh Arabic\","
        "Tahoma,Arial,sans-serif;color:#1b1f24;background:#fff;"
        "line-height:1.6}\n"
        "main{max-width:40rem;margin:3rem auto;padding:0 1.25rem}\n"
        "section{border-inline-start:4px solid #0b5d3b;"
        "padding:.25rem 1.25rem;margin:0 0 2rem}\n"
        "h1,h2{font-size:1.5rem;margin:.5rem 0}\n"
        "p{margin:.5rem 0}\n"
        "progress{width:100%%;height:1.25rem}\n"
        "a{color:#0b4a8b}\n"
        "</style>\n</head>\n<body>\n<main>\n",
        ngx_egov_lang_code(lang), lang == NGX_EGOV_LANG_AR ? "rtl" : "ltr",
        ngx_http_egov_challenge_title[lang],
        ngx_http_egov_challenge_title[lang ^ 1], &nonce);

    for (i = 0; i < 2; i++) {
        lang = i ? first ^ 1 : first;

        p = ngx_sprintf(p,
            "<section lang=\"%s\" dir=\"%s\">\n<%s>%s</%s>\n%s\n",
            ngx_egov_lang_code(lang),
            lang == NGX_EGOV_LANG_AR ? "rtl" : "ltr",
            i ? "h2" : "h1", ngx_http_egov_challenge_title[lang],
            i ? "h2" : "h1", ngx_http_egov_challenge_text[lang]);

        /* without JavaScript: its paragraph, with the wait and the link */

        p = ngx_cpymem(p, "<noscript>", sizeof("<noscript>") - 1);
        p = ngx_http_egov_challenge_fill(r, p,
                                         ngx_http_egov_challenge_noscript
                                             [lang][retry_after > 0],
                                         retry_after);
        p = ngx_cpymem(p, "</noscript>\n</section>\n",
                       sizeof("</noscript>\n</section>\n") - 1);
    }

    p = ngx_sprintf(p,
        "<form id=\"egov-challenge\" data-token=\"%*s\" data-bits=\"%ui\" "
        "hidden>\n"
        "<label for=\"egov-progress\">Progress \xe2\x80\x94 "
        "\xd8\xa7\xd9\x84\xd8\xaa\xd9\x82\xd8\xaf\xd9\x85</label>\n"
        "<progress id=\"egov-progress\" max=\"1\" value=\"0\"></progress>\n"
        "<p id=\"egov-status\" role=\"status\" "
        "data-start=\"Checking\xe2\x80\xa6 \xe2\x80\x94 "
        "\xd8\xac\xd8\xa7\xd8\xb1\xd9\x8d \xd8\xa7\xd9\x84\xd8\xaa\xd8\xad"
        "\xd9\x82\xd9\x82\xe2\x80\xa6\" "
        "data-working=\"{{percent}}%% \xe2\x80\x94 {{percent}}\xd9\xaa\" "
        "data-done=\"Done, opening the page\xe2\x80\xa6 \xe2\x80\x94 "
        "\xd8\xaa\xd9\x85\xd8\x8c \xd8\xac\xd8\xa7\xd8\xb1\xd9\x8d \xd9\x81"
        "\xd8\xaa\xd8\xad \xd8\xa7\xd9\x84\xd8\xb5\xd9\x81\xd8\xad\xd8\xa9"
        "\xe2\x80\xa6\"></p>\n"
        "</form>\n</main>\n<script nonce=\"%V\">\n%V</script>\n"
        "</body>\n</html>\n",
        t - token, token, pmcf->challenge_bits, &nonce, script);

    body.len = p - body.data;

    if (status != NGX_HTTP_FORBIDDEN) {
        if (ngx_http_egov_retry_after(r, retry_after) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    return ngx_http_egov_send(r, status, &html, &body);
}


/* a text with {{retry_after}} and {{here}} (the page, escaped) filled in */

static u_char *
ngx_http_egov_challenge_fill(ngx_http_request_t *r, u_char *p,
    const char *text, ngx_msec_t retry_after)
{
    u_char      *here;
    const char  *s;

    for (s = text; *s; ) {

        if (ngx_strncmp(s, "{{retry_after}}", 15) == 0) {
            p = ngx_sprintf(p, "%M", retry_after);
            s += 15;

        } else if (ngx_strncmp(s, "{{here}}", 8) == 0) {
            here = ngx_http_egov_challenge_here(r, r->unparsed_uri.data
                                                   + r->unparsed_uri.len);
            p = (u_char *) ngx_escape_html(p, here, r->unparsed_uri.data
                                                 + r->unparsed_uri.len
                                                 - here);
            s += 8;

        } else {
            *p++ = (u_char) *s++;
        }
    }

    return p;
}


/*
 * Where the request's target starts, one "/" first: "//host/" or
 * "/\\host/" would send the visitor to another site (a redirect where
 * absolute_redirect is off, a link); "end": where its path ends
 */

static u_char *
ngx_http_egov_challenge_here(ngx_http_request_t *r, u_char *end)
{
    u_char  *start;

    start = r->unparsed_uri.data;

    while (end - start > 1 && (start[1] == '/' || start[1] == '\\')) {
        start++;
    }

    return start;
}


/* the client's network: the family, then its /24 or /64; 0 if none */

static size_t
ngx_http_egov_challenge_net(ngx_http_request_t *r, u_char *net)
{
    ngx_egov_cidr_t  addr;

    if (ngx_egov_cidr_from_sockaddr(r->connection->sockaddr, &addr)
        != NGX_EGOV_CIDR_OK)
    {
        return 0;
    }

    if (addr.family == AF_INET) {
        net[0] = 4;
        ngx_memcpy(net + 1, addr.addr, 3);
        return 4;
    }

    net[0] = 6;
    ngx_memcpy(net + 1, addr.addr, 8);

    return 9;
}


/* the hex of the first bytes of HMAC-SHA256(key, WHAT, TEXT, NET) */

static ngx_int_t
ngx_http_egov_challenge_mac(ngx_http_egov_protect_main_conf_t *pmcf,
    const char *what, u_char *text, size_t len, u_char *net, size_t net_len,
    u_char *hex)
{
    int            ok;
    unsigned int   md_len;
    HMAC_CTX      *ctx;
    u_char         md[EVP_MAX_MD_SIZE];
    u_char         sep = '|';

    ctx = HMAC_CTX_new();
    if (ctx == NULL) {
        return NGX_ERROR;
    }

    ok = !(0
        || !HMAC_Init_ex(ctx, pmcf->challenge_key, sizeof(pmcf->challenge_key),
                         EVP_sha256(), NULL)
        || !HMAC_Update(ctx, (u_char *) what, ngx_strlen(what))
        || !HMAC_Update(ctx, &sep, 1)
        || !HMAC_Update(ctx, text, len)
        || !HMAC_Update(ctx, &sep, 1)
        || !HMAC_Update(ctx, net, net_len)
        || !HMAC_Final(ctx, md, &md_len));

    HMAC_CTX_free(ctx);

    if (!ok) {
        return NGX_ERROR;
    }

    ngx_hex_dump(hex, md, NGX_HTTP_EGOV_CHALLENGE_MAC_LEN);

    return NGX_OK;
}


/* egov_challenge_difficulty BITS; (8 to 32) */

char *
ngx_http_egov_challenge_difficulty(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_egov_protect_main_conf_t *pmcf = conf;

    ngx_int_t    n;
    ngx_str_t   *value;
    ngx_uint_t   secs;

    if (pmcf->challenge_bits != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;
    n = ngx_atoi(value[1].data, value[1].len);

    if (n < 8 || n > 32) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "egov_challenge_difficulty: \"%V\" must be a "
                           "number of bits from 8 to 32 (16: about a second "
                           "on a mid-range phone)", &value[1]);
        return NGX_CONF_ERROR;
    }

    pmcf->challenge_bits = n;

    /*
     * 16 bits take about a second on a mid-range phone, each bit doubles
     * it, and one visitor in twenty needs three times the average: past
     * the token's life, visitors may solve for ever (a fifth review)
     */

    secs = (ngx_uint_t) 1 << (n > 16 ? n - 16 : 0);

    if (3 * secs > NGX_HTTP_EGOV_CHALLENGE_TOKEN_TTL) {
        ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                           "egov_challenge_difficulty %i: a mid-range phone "
                           "needs about %ui s on average, %ui s for one "
                           "visitor in twenty; a challenge's token lasts "
                           "%d s", n, secs, 3 * secs,
                           NGX_HTTP_EGOV_CHALLENGE_TOKEN_TTL);
    }

    return NGX_CONF_OK;
}


/*
 * egov_challenge_key FILE; 32 bytes or more, hashed into the key: the same
 * file on every server of a fleet makes passes good on all of them, and
 * across reloads
 */

char *
ngx_http_egov_challenge_key(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_egov_protect_main_conf_t *pmcf = conf;

    ngx_str_t  *value, key;

    if (pmcf->challenge_key_set) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_http_egov_conf_file(cf, &value[1], 32, 4096,
                                NGX_HTTP_EGOV_FILE_TRIM
                                |NGX_HTTP_EGOV_FILE_SECRET,
                                "egov_challenge_key", &key)
        != NGX_CONF_OK)
    {
        return NGX_CONF_ERROR;
    }

    if (SHA256(key.data, key.len, pmcf->challenge_key) == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_explicit_memzero(key.data, key.len);
    pmcf->challenge_key_set = 1;

    return NGX_CONF_OK;
}


/*
 * egov_challenge_networks FILE; the networks whose bans are challenged
 * (egov_ban action=challenge): carriers' NAT ranges, a ministry's
 * offices; a list file as egov_blocklist reads it
 */

char *
ngx_http_egov_challenge_networks(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_egov_protect_main_conf_t *pmcf = conf;

    ngx_str_t  *value;

    if (pmcf->challenge_networks) {
        return "is duplicate";
    }

    value = cf->args->elts;

    pmcf->challenge_networks = ngx_http_egov_list_set(cf, &value[1]);
    if (pmcf->challenge_networks == NULL) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* defaults; without egov_challenge_key, a key made now (per start) */

ngx_int_t
ngx_http_egov_challenge_init_main(ngx_conf_t *cf,
    ngx_http_egov_protect_main_conf_t *pmcf)
{
    ngx_conf_init_uint_value(pmcf->challenge_bits, 16);
    ngx_conf_init_value(pmcf->challenge_ttl, 3600);

    if (!pmcf->challenge_key_set
        && ngx_http_egov_random(cf->log, pmcf->challenge_key,
                                sizeof(pmcf->challenge_key))
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}
