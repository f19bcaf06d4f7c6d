/* sources: ngx_egov_module/ngx_egov_phrases.c */

#include "tap.h"
#include "ngx_egov_phrases.h"

#include <stdlib.h>


/* an arena, emptied before each build */
static unsigned long long  arena[1 << 18];
static size_t              used;

static void *
alloc(void *data, size_t size)
{
    void  *p;

    (void) data;
    size = (size + 7) / 8;

    if (used + size > sizeof(arena) / 8) {
        return NULL;
    }

    p = &arena[used];
    used += size;

    return p;
}


static int
lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c | 0x20 : c;
}


/* does [p, p + len) contain phrase, ignoring ASCII case: the naive way */
static int
naive(const u_char *p, size_t len, const u_char *phrase, size_t plen)
{
    size_t  i, j;

    for (i = 0; plen && i + plen <= len; i++) {
        for (j = 0; j < plen && lower(p[i + j]) == lower(phrase[j]); j++) {
            /* void */
        }

        if (j == plen) {
            return 1;
        }
    }

    return 0;
}


static long
find(ngx_egov_phrases_t *ph, const char *s)
{
    return ngx_egov_phrases_find(ph, (const u_char *) s, strlen(s));
}


int
main(void)
{
    size_t               i, j, k, n, lens[16], any;
    long                 hit;
    u_char               text[64], *ps[16];
    const u_char        *phrases[16];
    ngx_egov_phrases_t   ph;

    const char  *words[] = { "nikto", "sqlmap", "Nmap Scripting", "he",
                             "she", "his", "hers", ".git/", "" };

    for (n = 0; words[n][0]; n++) {
        phrases[n] = (const u_char *) words[n];
        lens[n] = strlen(words[n]);
    }

    ok(ngx_egov_phrases_build(&ph, phrases, lens, n, alloc, NULL) == 0,
       "built");
    ok(find(&ph, "Mozilla/5.0 (compatible; Nikto/2.1.6)") == 0,
       "a phrase, in another case");
    ok(find(&ph, "sqlmap/1.7") == 1, "at the start");
    ok(find(&ph, "x nmap scripting engine") == 2, "with a space, lower");
    ok(find(&ph, "ushers") == 4, "overlapping (she before hers)");
    ok(find(&ph, "/app/.GIT/config") == 7, "punctuation and case");
    ok(find(&ph, "Mozilla/5.0 (X11; Linux x86_64)") == -1, "none");
    ok(find(&ph, "") == -1, "empty value");
    ok(find(&ph, "nikt") == -1, "a phrase cut short");

    used = 0;
    ok(ngx_egov_phrases_build(&ph, phrases, lens, 0, alloc, NULL) == 0
       && find(&ph, "anything") == -1, "no phrases: nothing matches");

    /* random phrases over a small alphabet against the naive search */

    srand(7);
    any = 0;

    for (k = 0; k < 2000; k++) {
        n = 1 + rand() % 8;

        for (i = 0; i < n; i++) {
            lens[i] = 1 + rand() % 4;
            ps[i] = malloc(lens[i]);
            for (j = 0; j < lens[i]; j++) {
                ps[i][j] = "abAB.\xff"[rand() % 6];
            }
            phrases[i] = ps[i];
        }

        used = 0;
        ngx_egov_phrases_build(&ph, phrases, lens, n, alloc, NULL);

        for (j = 0; j < sizeof(text); j++) {
            text[j] = "abcABC.\xff\x00"[rand() % 9];
        }

        size_t tl = rand() % sizeof(text);
        hit = ngx_egov_phrases_find(&ph, text, tl);

        int expect = 0;
        for (i = 0; i < n; i++) {
            expect |= naive(text, tl, phrases[i], lens[i]);
        }

        if ((hit >= 0) != expect
            || (hit >= 0 && !naive(text, tl, phrases[hit], lens[hit])))
        {
            ok(0, "random case %zu: found %ld, expected %d", k, hit, expect);
            return done_testing();
        }

        any += expect;
        for (i = 0; i < n; i++) {
            free(ps[i]);
        }
    }

    ok(any > 100 && any < 1900, "2000 random cases agree with the naive "
       "search (%zu with a match)", any);

    return done_testing();
}
