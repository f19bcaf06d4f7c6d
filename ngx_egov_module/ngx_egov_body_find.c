
/*
 * Where "</body" begins (see ngx_egov_body_find.h).  The wide searches
 * only find places that begin with "</b" (few places in a page do); one
 * loop checks the rest, and the last bytes are left to the plain search.
 */


#include <stdint.h>
#include <string.h>

#include "ngx_egov_body_find.h"

#if (defined __SSE2__ && defined __GNUC__)
#include <emmintrin.h>
#define NGX_EGOV_FIND_HAVE_SSE2  1
#endif

#if (defined __x86_64__ && defined __GNUC__)
#include <immintrin.h>
#define NGX_EGOV_FIND_HAVE_AVX2  1
#endif


static int ngx_egov_find_match(const u_char *q, size_t n);
#if (NGX_EGOV_FIND_HAVE_SSE2)
static u_char *ngx_egov_find_next16(u_char **start, u_char *end);
#endif
#if (NGX_EGOV_FIND_HAVE_AVX2)
static u_char *ngx_egov_find_next32(u_char **start, u_char *end)
    __attribute__((target("avx2")));
#endif


static const u_char  ngx_egov_close_body[] = "</body";


int
ngx_egov_find_level(void)
{
#if (NGX_EGOV_FIND_HAVE_AVX2)
    __builtin_cpu_init();

    if (__builtin_cpu_supports("avx2")) {
        return NGX_EGOV_FIND_AVX2;
    }
#endif

#if (NGX_EGOV_FIND_HAVE_SSE2)
    return NGX_EGOV_FIND_SSE2;
#else
    return NGX_EGOV_FIND_PLAIN;
#endif
}


u_char *
ngx_egov_find_close_body(u_char *p, u_char *end, int *partial, int level)
{
    u_char  *q;
    size_t   n;

    *partial = 0;

    for ( ;; ) {
        q = NULL;

#if (NGX_EGOV_FIND_HAVE_AVX2)
        if (level >= NGX_EGOV_FIND_AVX2) {
            q = ngx_egov_find_next32(&p, end);
        }
#endif

#if (NGX_EGOV_FIND_HAVE_SSE2)
        if (q == NULL && level >= NGX_EGOV_FIND_SSE2) {
            q = ngx_egov_find_next16(&p, end);
        }
#endif

        if (q == NULL || end - q < 6) {
            /* the last bytes, a "</b" among them */
            p = q ? q : p;
            break;
        }

        if (ngx_egov_find_match(q, 6)) {
            return q;
        }

        p = q + 1;
    }

    /* the end of the bytes, or no wide search: every "<" */

    for ( /* void */ ; p < end; p = q + 1) {

        q = memchr(p, '<', end - p);
        if (q == NULL) {
            return NULL;
        }

        n = (size_t) (end - q) < 6 ? (size_t) (end - q) : 6;

        if (ngx_egov_find_match(q, n)) {
            *partial = (n < 6);
            return q;
        }
    }

    return NULL;
}


/* the first n bytes of "</body", any case */

static int
ngx_egov_find_match(const u_char *q, size_t n)
{
    size_t  i;
    u_char  c;

    for (i = 0; i < n; i++) {
        c = q[i];

        if (c >= 'A' && c <= 'Z') {
            c |= 0x20;
        }

        if (c != ngx_egov_close_body[i]) {
            return 0;
        }
    }

    return 1;
}


#if (NGX_EGOV_FIND_HAVE_SSE2)

/*
 * The next place that begins with "</b" (any case), 16 places at a time,
 * each with the 3 bytes it needs; NULL with *start where fewer than 18
 * bytes are left.
 */

static u_char *
ngx_egov_find_next16(u_char **start, u_char *end)
{
    int      mask;
    u_char  *p;
    __m128i  lt, slash, b, lower, m;

    lt = _mm_set1_epi8('<');
    slash = _mm_set1_epi8('/');
    b = _mm_set1_epi8('b');
    lower = _mm_set1_epi8(0x20);

    for (p = *start; end - p >= 18; p += 16) {
        m = _mm_and_si128(
                _mm_cmpeq_epi8(_mm_loadu_si128((__m128i *) p), lt),
                _mm_cmpeq_epi8(_mm_loadu_si128((__m128i *) (p + 1)), slash));
        m = _mm_and_si128(m,
                _mm_cmpeq_epi8(
                    _mm_or_si128(_mm_loadu_si128((__m128i *) (p + 2)), lower),
                    b));

        mask = _mm_movemask_epi8(m);

        if (mask) {
            return p + __builtin_ctz(mask);
        }
    }

    *start = p;

    return NULL;
}

#endif


#if (NGX_EGOV_FIND_HAVE_AVX2)

/* the same, 32 places at a time; NULL where fewer than 34 bytes are left */

static u_char *
ngx_egov_find_next32(u_char **start, u_char *end)
{
    u_char    *p;
    uint32_t   mask;
    __m256i    lt, slash, b, lower, m;

    lt = _mm256_set1_epi8('<');
    slash = _mm256_set1_epi8('/');
    b = _mm256_set1_epi8('b');
    lower = _mm256_set1_epi8(0x20);

    for (p = *start; end - p >= 34; p += 32) {
        m = _mm256_and_si256(
                _mm256_cmpeq_epi8(_mm256_loadu_si256((__m256i *) p), lt),
                _mm256_cmpeq_epi8(_mm256_loadu_si256((__m256i *) (p + 1)),
                                  slash));
        m = _mm256_and_si256(m,
                _mm256_cmpeq_epi8(
                    _mm256_or_si256(_mm256_loadu_si256((__m256i *) (p + 2)),
                                    lower),
                    b));

        mask = (uint32_t) _mm256_movemask_epi8(m);

        if (mask) {
            return p + __builtin_ctz(mask);
        }
    }

    *start = p;

    return NULL;
}

#endif
