/* sources: ngx_egov_module/ngx_egov_body_find.c */

#include <stdlib.h>

#include "tap.h"
#include "ngx_egov_body_find.h"


/* the reference: every place, byte by byte */

static u_char *
naive(u_char *p, u_char *end, int *partial)
{
    size_t  i, n;

    for ( /* void */ ; p < end; p++) {
        n = (size_t) (end - p) < 6 ? (size_t) (end - p) : 6;

        for (i = 0; i < n; i++) {
            u_char c = p[i];
            if (c >= 'A' && c <= 'Z') {
                c |= 0x20;
            }
            if (c != (u_char) "</body"[i]) {
                break;
            }
        }

        if (i == n) {
            *partial = (n < 6);
            return p;
        }
    }

    return NULL;
}


/* every level this CPU has agrees with the reference */

static int
agrees(u_char *p, size_t len, int best)
{
    int      level, want_partial, got_partial;
    u_char  *want, *got;

    want_partial = 0;
    want = naive(p, p + len, &want_partial);

    for (level = NGX_EGOV_FIND_PLAIN; level <= best; level++) {
        got = ngx_egov_find_close_body(p, p + len, &got_partial, level);

        if (got != want || (want && got_partial != want_partial)) {
            printf("# level %d: at %ld, want %ld (partial %d, %d)\n", level,
                   got ? (long) (got - p) : -1L, want ? (long) (want - p) : -1L,
                   got_partial, want_partial);
            return 0;
        }
    }

    return 1;
}


int
main(void)
{
    int            best, i, bad, partial;
    size_t         len, at, real;
    u_char        *hit;
    static u_char  buf[300];
    static const char  alphabet[] = "</bBoOdDyY> x";
    static const char  page[] =
        "<p>a</p></b></B> </br></bo> </BOD <p>filler text</p>"
        "<p>filler text</p><p>filler text</p></BoDy></html>";

    best = ngx_egov_find_level();
    ok(best >= NGX_EGOV_FIND_PLAIN && best <= NGX_EGOV_FIND_AVX2,
       "level %d", best);

    len = strlen(page);
    memcpy(buf, page, len);
    real = (size_t) (strstr(page, "</BoDy") - page);

    hit = ngx_egov_find_close_body(buf, buf + len, &partial, best);
    ok(hit == buf + real && !partial, "after false starts: the real one");

    for (at = 0; at < 6; at++) {
        hit = ngx_egov_find_close_body(buf + real - 5, buf + real + 1 + at,
                                       &partial, best);
        ok(hit == buf + real && partial == (at < 5),
           "cut by the end after %zu of its bytes", at + 1);
    }

    hit = ngx_egov_find_close_body(buf, buf, &partial, best);
    ok(hit == NULL, "no bytes");

    /* a "</body" at each place of a 100-byte filler, at every level */

    bad = 0;

    for (at = 0; at + 6 <= 100; at++) {
        memset(buf, 'x', 100);
        memcpy(buf + at, "</BODY", 6);
        bad += !agrees(buf, 100, best);
    }

    ok(bad == 0, "a \"</BODY\" at each of 95 places");

    /* random bytes made of its letters, all lengths to 300 */

    srandom(7);
    bad = 0;

    for (i = 0; i < 20000; i++) {
        len = (size_t) (random() % 300);

        for (at = 0; at < len; at++) {
            buf[at] = (u_char) alphabet[random() % (sizeof(alphabet) - 1)];
        }

        bad += !agrees(buf, len, best);
    }

    ok(bad == 0, "20000 random inputs: every level as the reference");

    return done_testing();
}
