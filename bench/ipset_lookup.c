/*
 * Cost of one block-list lookup as the list grows: random IPv4 lookups in
 * sets of 10 to 1,000,000 entries built like a real list (addresses and
 * /24s).  Prints nanoseconds per lookup, load time and memory per size.
 * Built and run by "make bench".
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "ngx_egov_cidr.h"

#define LOOKUPS  5000000

static double
now(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint32_t
rnd(void)
{
    static uint64_t  x = 88172645463325252ULL;

    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return (uint32_t) x;
}

int
main(void)
{
    size_t             sizes[] = { 10, 1000, 100000, 1000000 }, s, i;
    uint32_t          *probe, a;
    double             t0, t1, t2;
    volatile unsigned  hits;
    ngx_egov_cidr_t    c;
    ngx_egov_ipset_t  *set;

    probe = malloc(LOOKUPS * sizeof(uint32_t));

    for (i = 0; i < LOOKUPS; i++) {
        probe[i] = rnd();
    }

    printf("%10s %12s %10s %10s %12s\n", "entries", "ranges", "KiB",
           "load ms", "ns/lookup");

    for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        t0 = now();
        set = ngx_egov_ipset_create();

        for (i = 0; i < sizes[s]; i++) {
            a = rnd();
            memset(&c, 0, sizeof(c));
            c.family = AF_INET;
            c.prefix = (i % 10) ? 32 : 24;
            c.addr[0] = a >> 24; c.addr[1] = a >> 16; c.addr[2] = a >> 8;
            c.addr[3] = (i % 10) ? (u_char) a : 0;
            ngx_egov_ipset_add(set, &c);
        }

        ngx_egov_ipset_freeze(set);
        t1 = now();

        hits = 0;
        memset(&c, 0, sizeof(c));
        c.family = AF_INET;
        c.prefix = 32;

        for (i = 0; i < LOOKUPS; i++) {
            c.addr[0] = probe[i] >> 24; c.addr[1] = probe[i] >> 16;
            c.addr[2] = probe[i] >> 8; c.addr[3] = (u_char) probe[i];
            hits += ngx_egov_ipset_contains(set, &c);
        }

        t2 = now();

        printf("%10zu %12zu %10zu %10.1f %12.1f\n", sizes[s],
               ngx_egov_ipset_ranges(set), ngx_egov_ipset_memory(set) / 1024,
               (t1 - t0) * 1000, (t2 - t1) * 1e9 / LOOKUPS);

        ngx_egov_ipset_free(set);
    }

    free(probe);
    return 0;
}
