
/*
 * Phrase matching: an Aho-Corasick automaton turned into a DFA over byte
 * classes (see ngx_egov_phrases.h).
 */


#include "ngx_egov_phrases.h"

#include <string.h>


#define ngx_egov_lower(c)  (((c) >= 'A' && (c) <= 'Z') ? (c) | 0x20 : (c))


int
ngx_egov_phrases_build(ngx_egov_phrases_t *ph, const u_char **phrase,
    const size_t *len, size_t n, ngx_egov_phrases_alloc_pt alloc,
    void *data)
{
    size_t     i, j, total, nstate, head, tail, c;
    u_char     b;
    uint32_t   s, t, f, *queue, *fail;

    memset(ph, 0, sizeof(ngx_egov_phrases_t));

    /* the classes: 0 for any byte no phrase has, a letter as its lower */

    ph->nclass = 1;
    total = 1;

    for (i = 0; i < n; i++) {
        total += len[i];

        for (j = 0; j < len[i]; j++) {
            b = ngx_egov_lower(phrase[i][j]);

            if (ph->cls[b] == 0) {
                if (ph->nclass == 256) {
                    return -1;
                }

                ph->cls[b] = (uint8_t) ph->nclass++;
            }
        }
    }

    for (c = 'A'; c <= 'Z'; c++) {
        ph->cls[c] = ph->cls[c | 0x20];
    }

    if (total > NGX_EGOV_PHRASES_MAX_STATES) {
        return -1;
    }

    ph->next = alloc(data, total * ph->nclass * sizeof(uint32_t));
    ph->out = alloc(data, total * sizeof(int32_t));
    fail = alloc(data, total * sizeof(uint32_t));
    queue = alloc(data, total * sizeof(uint32_t));

    if (ph->next == NULL || ph->out == NULL || fail == NULL || queue == NULL)
    {
        return -1;
    }

    memset(ph->next, 0, total * ph->nclass * sizeof(uint32_t));
    memset(ph->out, 0xff, total * sizeof(int32_t));

    /* the trie: state 0 is the root, 0 in "next" means no edge yet */

    nstate = 1;

    for (i = 0; i < n; i++) {
        if (len[i] == 0) {
            continue;
        }

        s = 0;

        for (j = 0; j < len[i]; j++) {
            c = ph->cls[phrase[i][j]];
            t = ph->next[s * ph->nclass + c];

            if (t == 0) {
                t = (uint32_t) nstate++;
                ph->next[s * ph->nclass + c] = t;
            }

            s = t;
        }

        if (ph->out[s] < 0) {
            ph->out[s] = (int32_t) i;
        }
    }

    /*
     * failure links breadth first; a missing edge becomes the edge of the
     * failure state, so each byte is one step; a state that a phrase ends
     * in by its failure chain reports that phrase
     */

    head = 0;
    tail = 0;

    for (c = 0; c < ph->nclass; c++) {
        t = ph->next[c];

        if (t) {
            fail[t] = 0;
            queue[tail++] = t;
        }
    }

    while (head < tail) {
        s = queue[head++];
        f = fail[s];

        if (ph->out[s] < 0) {
            ph->out[s] = ph->out[f];
        }

        for (c = 0; c < ph->nclass; c++) {
            t = ph->next[s * ph->nclass + c];

            if (t) {
                fail[t] = ph->next[f * ph->nclass + c];
                queue[tail++] = t;

            } else {
                ph->next[s * ph->nclass + c] = ph->next[f * ph->nclass + c];
            }
        }
    }

    ph->nstate = nstate;

    return 0;
}


long
ngx_egov_phrases_find(const ngx_egov_phrases_t *ph, const u_char *p,
    size_t len)
{
    size_t    i;
    uint32_t  s;

    if (ph->nstate == 0) {
        return -1;
    }

    s = 0;

    for (i = 0; i < len; i++) {
        s = ph->next[s * ph->nclass + ph->cls[p[i]]];

        if (ph->out[s] >= 0) {
            return ph->out[s];
        }
    }

    return -1;
}
