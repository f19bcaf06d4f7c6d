
/*
 * Where "</body" begins in HTML bytes (any case), for the consent banner's
 * body filter, which reads every byte of every page that gets a banner:
 * 32 places at a time with AVX2 where the CPU has it, 16 with SSE2, else
 * every "<".  Plain C: no nginx types, so it can be unit-tested and fuzzed
 * against a byte-by-byte search, at every level.
 */


#ifndef _NGX_EGOV_BODY_FIND_H_INCLUDED_
#define _NGX_EGOV_BODY_FIND_H_INCLUDED_


#include <sys/types.h>


#define NGX_EGOV_FIND_PLAIN  0
#define NGX_EGOV_FIND_SSE2   1
#define NGX_EGOV_FIND_AVX2   2


/* the widest level this build and this CPU can use (asks the CPU) */
int ngx_egov_find_level(void);

/*
 * The first "</body" in [p, end), or the beginning of one cut by the end
 * (then *partial is 1, else 0); NULL if neither.  "level" is at most what
 * ngx_egov_find_level() said.
 */
u_char *ngx_egov_find_close_body(u_char *p, u_char *end, int *partial,
    int level);


#endif /* _NGX_EGOV_BODY_FIND_H_INCLUDED_ */
