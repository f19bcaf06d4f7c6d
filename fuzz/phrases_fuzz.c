/* sources: ngx_egov_module/ngx_egov_phrases.c */

/*
 * Each input is up to 32 phrases, one per line, then a NUL byte, then a
 * value: the automaton must say what a naive search says (a phrase found
 * is one the value contains; none found means none is there).
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "ngx_egov_phrases.h"

static int
lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c | 0x20 : c;
}

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

static void *
alloc(void *data, size_t size)
{
    void  **list = data, *p;

    p = malloc(size + sizeof(void *));
    if (p == NULL) {
        return NULL;
    }

    /* chained, to be freed after the input */
    *(void **) p = *list;
    *list = p;

    return (char *) p + sizeof(void *);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int                  expect;
    long                 hit;
    size_t               n, i, lens[32];
    void                *list, *next;
    const u_char        *p, *end, *value, *phrases[32];
    ngx_egov_phrases_t   ph;

    end = memchr(data, '\0', size);
    if (end == NULL) {
        return 0;
    }

    value = end + 1;
    n = 0;

    for (p = data; p < end && n < 32; n++) {
        const u_char *nl = memchr(p, '\n', end - p);
        const u_char *q = nl ? nl : end;

        phrases[n] = p;
        lens[n] = q - p;
        p = q + 1;
    }

    list = NULL;

    if (ngx_egov_phrases_build(&ph, phrases, lens, n, alloc, &list) == 0) {
        hit = ngx_egov_phrases_find(&ph, value, data + size - value);

        expect = 0;
        for (i = 0; i < n; i++) {
            expect |= naive(value, data + size - value, phrases[i], lens[i]);
        }

        if ((hit >= 0) != expect) {
            abort();
        }

        if (hit >= 0
            && !naive(value, data + size - value, phrases[hit], lens[hit]))
        {
            abort();
        }
    }

    while (list) {
        next = *(void **) list;
        free(list);
        list = next;
    }

    return 0;
}
