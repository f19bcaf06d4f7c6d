
/*
 * Addresses, prefixes, list-file lines and compiled address sets.
 */


#include "ngx_egov_cidr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* sets this large get a direct index on their top bits */
#define NGX_EGOV_IPSET_INDEX_MIN   64
#define NGX_EGOV_IPSET_INDEX_BITS  16     /* at most 2^16 buckets, 512 KiB */


typedef struct {
    uint32_t        start;
    uint32_t        end;
} ngx_egov_range4_t;


typedef struct {
    uint64_t        start_hi;
    uint64_t        start_lo;
    uint64_t        end_hi;
    uint64_t        end_lo;
} ngx_egov_range6_t;


/*
 * The index has about as many buckets as the set has ranges (a power of
 * two, up to 2^16: beyond, a larger index only trades cache misses in the
 * ranges for cache and TLB misses in the index), keyed by the top bits.
 * For bucket b, the ranges that can hold an address of b are those from
 * lo (the first range ending in b or after) up to hi (the first range
 * starting after b); both sit in one 8-byte pair, so a lookup costs one
 * read of the index and one or two of the ranges, whatever the size.
 */
typedef struct {
    uint32_t        lo;
    uint32_t        hi;
} ngx_egov_ipset_bucket_t;


typedef struct {
    ngx_egov_ipset_bucket_t  *buckets;
    size_t                    n;
    unsigned                  shift;     /* address bits below the key */
} ngx_egov_ipset_index_t;


struct ngx_egov_ipset_s {
    ngx_egov_range4_t       *v4;
    size_t                   nv4;
    size_t                   cap4;
    ngx_egov_range6_t       *v6;
    size_t                   nv6;
    size_t                   cap6;
    size_t                   entries;
    ngx_egov_ipset_index_t   index4;
    ngx_egov_ipset_index_t   index6;
    int                      frozen;
};


static int ngx_egov_cidr_space(u_char c);
static int ngx_egov_cidr_parse_prefix(const u_char *p, size_t len,
    unsigned max, unsigned *prefix);
static void ngx_egov_cidr_unmap(ngx_egov_cidr_t *cidr);
static uint32_t ngx_egov_get32(const u_char *p);
static uint64_t ngx_egov_get64(const u_char *p);
static int ngx_egov_range4_cmp(const void *a, const void *b);
static int ngx_egov_range6_cmp(const void *a, const void *b);
static int ngx_egov_u128_cmp(uint64_t ahi, uint64_t alo, uint64_t bhi,
    uint64_t blo);
static int ngx_egov_ipset_index(ngx_egov_ipset_index_t *index, size_t n,
    const void *ranges, int v6);


int
ngx_egov_cidr_parse(const u_char *p, size_t len, ngx_egov_cidr_t *cidr)
{
    size_t          alen;
    unsigned        max, prefix;
    const u_char   *slash;
    char            text[INET6_ADDRSTRLEN + 1];

    if (memchr(p, '\0', len)) {
        return NGX_EGOV_CIDR_BAD;           /* inet_pton would stop there */
    }

    slash = memchr(p, '/', len);
    alen = slash ? (size_t) (slash - p) : len;

    if (alen == 0 || alen > INET6_ADDRSTRLEN) {
        return NGX_EGOV_CIDR_BAD;
    }

    memcpy(text, p, alen);
    text[alen] = '\0';

    memset(cidr, 0, sizeof(ngx_egov_cidr_t));

    if (memchr(text, ':', alen)) {
        if (inet_pton(AF_INET6, text, cidr->addr) != 1) {
            return NGX_EGOV_CIDR_BAD;
        }

        cidr->family = AF_INET6;
        max = 128;

    } else {
        if (inet_pton(AF_INET, text, cidr->addr) != 1) {
            return NGX_EGOV_CIDR_BAD;
        }

        cidr->family = AF_INET;
        max = 32;
    }

    prefix = max;

    if (slash
        && ngx_egov_cidr_parse_prefix(slash + 1, len - alen - 1, max, &prefix)
           != NGX_EGOV_CIDR_OK)
    {
        return NGX_EGOV_CIDR_BAD;
    }

    ngx_egov_cidr_mask(cidr, prefix);
    ngx_egov_cidr_unmap(cidr);

    return NGX_EGOV_CIDR_OK;
}


int
ngx_egov_cidr_host_bits(const u_char *p, size_t len,
    const ngx_egov_cidr_t *net)
{
    const u_char     *slash;
    ngx_egov_cidr_t   addr;

    slash = memchr(p, '/', len);

    if (slash == NULL
        || ngx_egov_cidr_parse(p, slash - p, &addr) != NGX_EGOV_CIDR_OK)
    {
        return 0;
    }

    /* the address as written, unmapped as the prefix was, against it */

    return addr.family != net->family
           || memcmp(addr.addr, net->addr, sizeof(addr.addr)) != 0;
}


int
ngx_egov_cidr_parse_line(const u_char *p, size_t len, ngx_egov_cidr_t *cidr)
{
    const u_char  *end, *token;

    end = p + len;

    while (p < end && ngx_egov_cidr_space(*p)) {
        p++;
    }

    if (p == end || *p == '#' || *p == ';') {
        return NGX_EGOV_CIDR_EMPTY;
    }

    token = p;

    while (p < end && !ngx_egov_cidr_space(*p) && *p != '#' && *p != ';') {
        p++;
    }

    if (ngx_egov_cidr_parse(token, p - token, cidr) != NGX_EGOV_CIDR_OK) {
        return NGX_EGOV_CIDR_BAD;
    }

    while (p < end && ngx_egov_cidr_space(*p)) {
        p++;
    }

    if (p < end && *p != '#' && *p != ';') {
        return NGX_EGOV_CIDR_BAD;
    }

    if (cidr->prefix == 0) {
        return NGX_EGOV_CIDR_ALL;
    }

    if (ngx_egov_cidr_host_bits(token, p - token, cidr)) {
        return NGX_EGOV_CIDR_HOST;
    }

    return NGX_EGOV_CIDR_OK;
}


int
ngx_egov_cidr_from_sockaddr(const struct sockaddr *sa, ngx_egov_cidr_t *cidr)
{
    memset(cidr, 0, sizeof(ngx_egov_cidr_t));

    switch (sa->sa_family) {

    case AF_INET:
        cidr->family = AF_INET;
        cidr->prefix = 32;
        memcpy(cidr->addr, &((const struct sockaddr_in *) sa)->sin_addr, 4);
        return NGX_EGOV_CIDR_OK;

    case AF_INET6:
        cidr->family = AF_INET6;
        cidr->prefix = 128;
        memcpy(cidr->addr, &((const struct sockaddr_in6 *) sa)->sin6_addr,
               16);
        ngx_egov_cidr_unmap(cidr);
        return NGX_EGOV_CIDR_OK;
    }

    /* unix-domain sockets have no address to check */
    return NGX_EGOV_CIDR_BAD;
}


void
ngx_egov_cidr_mask(ngx_egov_cidr_t *cidr, unsigned prefix)
{
    unsigned  i, len;

    len = (cidr->family == AF_INET) ? 4 : 16;

    for (i = 0; i < len; i++) {
        if (prefix >= (i + 1) * 8) {
            continue;
        }

        if (prefix > i * 8) {
            cidr->addr[i] &= (u_char) (0xff << (8 - (prefix - i * 8)));

        } else {
            cidr->addr[i] = 0;
        }
    }

    for ( /* void */ ; i < 16; i++) {
        cidr->addr[i] = 0;
    }

    cidr->prefix = prefix;
}


int
ngx_egov_cidr_contains(const ngx_egov_cidr_t *net, const ngx_egov_cidr_t *addr)
{
    ngx_egov_cidr_t  masked;

    if (net->family != addr->family || addr->prefix < net->prefix) {
        return 0;
    }

    masked = *addr;
    ngx_egov_cidr_mask(&masked, net->prefix);

    return memcmp(masked.addr, net->addr, 16) == 0;
}


size_t
ngx_egov_cidr_format(const ngx_egov_cidr_t *cidr, u_char *buf, size_t size)
{
    int     i, d;
    size_t  len;
    char    text[NGX_EGOV_CIDR_TEXT_LEN + 1];

    if (cidr->family == AF_INET) {
        /* by hand: glibc's inet_ntop() goes through sprintf() */

        len = 0;

        for (i = 0; i < 4; i++) {
            d = cidr->addr[i];

            if (d >= 100) {
                text[len++] = (char) ('0' + d / 100);
            }

            if (d >= 10) {
                text[len++] = (char) ('0' + d / 10 % 10);
            }

            text[len++] = (char) ('0' + d % 10);
            text[len++] = '.';
        }

        text[--len] = '\0';

    } else {
        if (inet_ntop(cidr->family, cidr->addr, text, sizeof(text)) == NULL) {
            return 0;
        }

        len = strlen(text);
    }

    if (cidr->prefix != (cidr->family == AF_INET ? 32u : 128u)) {
        len += snprintf(text + len, sizeof(text) - len, "/%u", cidr->prefix);
    }

    if (len >= size) {
        return 0;
    }

    memcpy(buf, text, len + 1);

    return len;
}


static int
ngx_egov_cidr_space(u_char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v'
           || c == '\f';
}


static int
ngx_egov_cidr_parse_prefix(const u_char *p, size_t len, unsigned max,
    unsigned *prefix)
{
    size_t    i;
    unsigned  n;

    if (len == 0 || len > 3 || (len > 1 && p[0] == '0')) {
        return NGX_EGOV_CIDR_BAD;
    }

    n = 0;

    for (i = 0; i < len; i++) {
        if (p[i] < '0' || p[i] > '9') {
            return NGX_EGOV_CIDR_BAD;
        }

        n = n * 10 + (p[i] - '0');
    }

    if (n > max) {
        return NGX_EGOV_CIDR_BAD;
    }

    *prefix = n;

    return NGX_EGOV_CIDR_OK;
}


/* ::ffff:192.0.2.1 is 192.0.2.1: lists and clients must agree on which */

static void
ngx_egov_cidr_unmap(ngx_egov_cidr_t *cidr)
{
    static const u_char  mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                        0xff, 0xff };

    if (cidr->family != AF_INET6 || cidr->prefix < 96
        || memcmp(cidr->addr, mapped, 12) != 0)
    {
        return;
    }

    memmove(cidr->addr, cidr->addr + 12, 4);
    memset(cidr->addr + 4, 0, 12);
    cidr->family = AF_INET;
    cidr->prefix -= 96;
}


static uint32_t
ngx_egov_get32(const u_char *p)
{
    return ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16)
           | ((uint32_t) p[2] << 8) | p[3];
}


static uint64_t
ngx_egov_get64(const u_char *p)
{
    return ((uint64_t) ngx_egov_get32(p) << 32) | ngx_egov_get32(p + 4);
}


ngx_egov_ipset_t *
ngx_egov_ipset_create(void)
{
    return calloc(1, sizeof(ngx_egov_ipset_t));
}


int
ngx_egov_ipset_add(ngx_egov_ipset_t *set, const ngx_egov_cidr_t *cidr)
{
    size_t              cap;
    uint64_t            hi, lo, mhi, mlo;
    uint32_t            a, mask;
    ngx_egov_range4_t  *r4;
    ngx_egov_range6_t  *r6;

    if (set->frozen) {
        return NGX_EGOV_CIDR_BAD;
    }

    if (cidr->family == AF_INET) {

        if (set->nv4 == set->cap4) {
            cap = set->cap4 ? set->cap4 * 2 : 64;
            r4 = realloc(set->v4, cap * sizeof(ngx_egov_range4_t));
            if (r4 == NULL) {
                return NGX_EGOV_CIDR_BAD;
            }

            set->v4 = r4;
            set->cap4 = cap;
        }

        a = ngx_egov_get32(cidr->addr);
        mask = (cidr->prefix == 0) ? 0xffffffffu
               : (cidr->prefix == 32) ? 0 : 0xffffffffu >> cidr->prefix;

        set->v4[set->nv4].start = a;
        set->v4[set->nv4].end = a | mask;
        set->nv4++;

    } else {

        if (set->nv6 == set->cap6) {
            cap = set->cap6 ? set->cap6 * 2 : 16;
            r6 = realloc(set->v6, cap * sizeof(ngx_egov_range6_t));
            if (r6 == NULL) {
                return NGX_EGOV_CIDR_BAD;
            }

            set->v6 = r6;
            set->cap6 = cap;
        }

        hi = ngx_egov_get64(cidr->addr);
        lo = ngx_egov_get64(cidr->addr + 8);

        /* host bits as a 128-bit mask */

        if (cidr->prefix >= 64) {
            mhi = 0;
            mlo = (cidr->prefix == 128) ? 0 : ~0ULL >> (cidr->prefix - 64);

        } else {
            mhi = (cidr->prefix == 0) ? ~0ULL : ~0ULL >> cidr->prefix;
            mlo = ~0ULL;
        }

        r6 = &set->v6[set->nv6++];
        r6->start_hi = hi;
        r6->start_lo = lo;
        r6->end_hi = hi | mhi;
        r6->end_lo = lo | mlo;
    }

    set->entries++;

    return NGX_EGOV_CIDR_OK;
}


int
ngx_egov_ipset_freeze(ngx_egov_ipset_t *set)
{
    size_t              i, n;
    ngx_egov_range4_t  *r4;
    ngx_egov_range6_t  *r6;

    if (set->frozen) {
        return NGX_EGOV_CIDR_OK;
    }

    /* sort, then merge overlapping and adjacent ranges */

    if (set->nv4) {
        qsort(set->v4, set->nv4, sizeof(ngx_egov_range4_t),
              ngx_egov_range4_cmp);

        r4 = set->v4;
        n = 0;

        for (i = 1; i < set->nv4; i++) {
            if (r4[n].end == 0xffffffffu || r4[i].start <= r4[n].end + 1) {
                if (r4[i].end > r4[n].end) {
                    r4[n].end = r4[i].end;
                }
                continue;
            }

            r4[++n] = r4[i];
        }

        set->nv4 = n + 1;
    }

    if (set->nv6) {
        qsort(set->v6, set->nv6, sizeof(ngx_egov_range6_t),
              ngx_egov_range6_cmp);

        r6 = set->v6;
        n = 0;

        for (i = 1; i < set->nv6; i++) {
            uint64_t  nhi, nlo;

            /* end + 1, unless the range reaches the top of the space */

            nlo = r6[n].end_lo + 1;
            nhi = r6[n].end_hi + (nlo == 0);

            if ((r6[n].end_hi == ~0ULL && r6[n].end_lo == ~0ULL)
                || ngx_egov_u128_cmp(r6[i].start_hi, r6[i].start_lo,
                                     nhi, nlo) <= 0)
            {
                if (ngx_egov_u128_cmp(r6[i].end_hi, r6[i].end_lo,
                                      r6[n].end_hi, r6[n].end_lo) > 0)
                {
                    r6[n].end_hi = r6[i].end_hi;
                    r6[n].end_lo = r6[i].end_lo;
                }
                continue;
            }

            r6[++n] = r6[i];
        }

        set->nv6 = n + 1;
    }

    if (set->nv4 >= NGX_EGOV_IPSET_INDEX_MIN
        && ngx_egov_ipset_index(&set->index4, set->nv4, set->v4, 0)
           != NGX_EGOV_CIDR_OK)
    {
        return NGX_EGOV_CIDR_BAD;
    }

    if (set->nv6 >= NGX_EGOV_IPSET_INDEX_MIN
        && ngx_egov_ipset_index(&set->index6, set->nv6, set->v6, 1)
           != NGX_EGOV_CIDR_OK)
    {
        return NGX_EGOV_CIDR_BAD;
    }

    set->frozen = 1;

    return NGX_EGOV_CIDR_OK;
}


static int
ngx_egov_ipset_index(ngx_egov_ipset_index_t *index, size_t n,
    const void *ranges, int v6)
{
    size_t                    i, b, bucket;
    unsigned                  bits;
    const ngx_egov_range4_t  *r4;
    const ngx_egov_range6_t  *r6;

    for (bits = 8; bits < NGX_EGOV_IPSET_INDEX_BITS && ((size_t) 1 << bits) < n;
         bits++)
    {
        /* void */
    }

    index->n = (size_t) 1 << bits;
    index->shift = (v6 ? 64 : 32) - bits;
    index->buckets = malloc(index->n * sizeof(ngx_egov_ipset_bucket_t));

    if (index->buckets == NULL) {
        return NGX_EGOV_CIDR_BAD;
    }

    r4 = ranges;
    r6 = ranges;

    /* lo: the first range whose end is in bucket b or after */

    b = 0;

    for (i = 0; i < n; i++) {
        bucket = v6 ? (size_t) (r6[i].end_hi >> index->shift)
                    : (size_t) (r4[i].end >> index->shift);

        while (b <= bucket) {
            index->buckets[b++].lo = (uint32_t) i;
        }
    }

    while (b < index->n) {
        index->buckets[b++].lo = (uint32_t) n;
    }

    /* hi: the first range whose start is in a bucket after b */

    b = 0;

    for (i = 0; i < n; i++) {
        bucket = v6 ? (size_t) (r6[i].start_hi >> index->shift)
                    : (size_t) (r4[i].start >> index->shift);

        while (b < bucket) {
            index->buckets[b++].hi = (uint32_t) i;
        }
    }

    while (b < index->n) {
        index->buckets[b++].hi = (uint32_t) n;
    }

    return NGX_EGOV_CIDR_OK;
}


int
ngx_egov_ipset_contains(const ngx_egov_ipset_t *set,
    const ngx_egov_cidr_t *addr)
{
    size_t                    lo, hi, mid, b;
    uint32_t                  a;
    uint64_t                  ahi, alo;
    const ngx_egov_range4_t  *r4;
    const ngx_egov_range6_t  *r6;

    if (addr->family == AF_INET) {

        if (set->nv4 == 0) {
            return 0;
        }

        a = ngx_egov_get32(addr->addr);
        r4 = set->v4;

        if (set->index4.buckets) {
            b = a >> set->index4.shift;
            lo = set->index4.buckets[b].lo;
            hi = set->index4.buckets[b].hi;

        } else {
            lo = 0;
            hi = set->nv4;
        }

        /* the last range starting at or before a, in [lo, hi) */

        while (lo < hi) {
            mid = lo + (hi - lo) / 2;

            if (r4[mid].start <= a) {
                lo = mid + 1;

            } else {
                hi = mid;
            }
        }

        return lo > 0 && r4[lo - 1].start <= a && a <= r4[lo - 1].end;
    }

    if (set->nv6 == 0) {
        return 0;
    }

    ahi = ngx_egov_get64(addr->addr);
    alo = ngx_egov_get64(addr->addr + 8);
    r6 = set->v6;

    if (set->index6.buckets) {
        b = (size_t) (ahi >> set->index6.shift);
        lo = set->index6.buckets[b].lo;
        hi = set->index6.buckets[b].hi;

    } else {
        lo = 0;
        hi = set->nv6;
    }

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;

        if (ngx_egov_u128_cmp(r6[mid].start_hi, r6[mid].start_lo, ahi, alo)
            <= 0)
        {
            lo = mid + 1;

        } else {
            hi = mid;
        }
    }

    return lo > 0
           && ngx_egov_u128_cmp(r6[lo - 1].start_hi, r6[lo - 1].start_lo,
                                ahi, alo) <= 0
           && ngx_egov_u128_cmp(ahi, alo, r6[lo - 1].end_hi,
                                r6[lo - 1].end_lo) <= 0;
}


size_t
ngx_egov_ipset_entries(const ngx_egov_ipset_t *set)
{
    return set->entries;
}


size_t
ngx_egov_ipset_ranges(const ngx_egov_ipset_t *set)
{
    return set->nv4 + set->nv6;
}


size_t
ngx_egov_ipset_memory(const ngx_egov_ipset_t *set)
{
    size_t  size;

    size = sizeof(ngx_egov_ipset_t)
           + set->cap4 * sizeof(ngx_egov_range4_t)
           + set->cap6 * sizeof(ngx_egov_range6_t);

    size += (set->index4.n + set->index6.n) * sizeof(ngx_egov_ipset_bucket_t);

    return size;
}


void
ngx_egov_ipset_free(ngx_egov_ipset_t *set)
{
    if (set == NULL) {
        return;
    }

    free(set->v4);
    free(set->v6);
    free(set->index4.buckets);
    free(set->index6.buckets);
    free(set);
}


static int
ngx_egov_range4_cmp(const void *a, const void *b)
{
    const ngx_egov_range4_t  *ra = a, *rb = b;

    if (ra->start != rb->start) {
        return ra->start < rb->start ? -1 : 1;
    }

    return 0;
}


static int
ngx_egov_range6_cmp(const void *a, const void *b)
{
    const ngx_egov_range6_t  *ra = a, *rb = b;

    return ngx_egov_u128_cmp(ra->start_hi, ra->start_lo,
                             rb->start_hi, rb->start_lo);
}


static int
ngx_egov_u128_cmp(uint64_t ahi, uint64_t alo, uint64_t bhi, uint64_t blo)
{
    if (ahi != bhi) {
        return ahi < bhi ? -1 : 1;
    }

    if (alo != blo) {
        return alo < blo ? -1 : 1;
    }

    return 0;
}
