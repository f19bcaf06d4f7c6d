
/*
 * Phrase matching as ModSecurity's @pm / @pmFromFile does it: does a value
 * contain any of a set of phrases, ignoring ASCII case?  An Aho-Corasick
 * automaton built once (at configuration time), then one table step per
 * byte of the value, whatever the number of phrases: linear in the input,
 * no backtracking.  Bytes are mapped to classes (those that occur in a
 * phrase, and "any other"), so the table stays small.  Plain C: no nginx
 * types, so it can be unit-tested and fuzzed against a naive search.
 */


#ifndef _NGX_EGOV_PHRASES_H_INCLUDED_
#define _NGX_EGOV_PHRASES_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>


#define NGX_EGOV_PHRASES_MAX_STATES  (1 << 20)


typedef struct {
    uint8_t           cls[256];     /* byte -> class, 0: none of ours */
    size_t            nclass;
    size_t            nstate;
    uint32_t         *next;         /* nstate * nclass: the DFA */
    int32_t          *out;          /* per state: a phrase ending, or -1 */
} ngx_egov_phrases_t;


typedef void *(*ngx_egov_phrases_alloc_pt)(void *data, size_t size);


/*
 * Builds the automaton for n phrases (none empty), with memory from
 * alloc(data, size) (never freed here: a pool's).  0, or -1 when memory
 * ran out or the phrases need more than NGX_EGOV_PHRASES_MAX_STATES states.
 */
int ngx_egov_phrases_build(ngx_egov_phrases_t *ph, const u_char **phrase,
    const size_t *len, size_t n, ngx_egov_phrases_alloc_pt alloc,
    void *data);

/* the index of a phrase [p, p + len) contains, or -1 */
long ngx_egov_phrases_find(const ngx_egov_phrases_t *ph, const u_char *p,
    size_t len);


#endif /* _NGX_EGOV_PHRASES_H_INCLUDED_ */
