/* sources: ngx_egov_module/ngx_egov_cidr.c */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include "tap.h"
#include "ngx_egov_cidr.h"

#define S(s)  (const u_char *) (s), sizeof(s) - 1


static int
parses_to(const char *in, int rc_want, const char *want)
{
    int              rc;
    u_char           buf[64];
    ngx_egov_cidr_t  c;

    rc = ngx_egov_cidr_parse_line((const u_char *) in, strlen(in), &c);
    if (rc != rc_want) {
        printf("# %s: rc %d\n", in, rc);
        return 0;
    }
    if (rc != NGX_EGOV_CIDR_OK) {
        return 1;
    }
    ngx_egov_cidr_format(&c, buf, sizeof(buf));
    if (strcmp((char *) buf, want) != 0) {
        printf("# %s: got %s want %s\n", in, buf, want);
        return 0;
    }
    return 1;
}


static ngx_egov_cidr_t
addr(const char *text)
{
    ngx_egov_cidr_t  c;

    if (ngx_egov_cidr_parse((const u_char *) text, strlen(text), &c)
        != NGX_EGOV_CIDR_OK)
    {
        printf("# bad test address %s\n", text);
        exit(2);
    }
    return c;
}


static int
in_set(ngx_egov_ipset_t *set, const char *text)
{
    ngx_egov_cidr_t  a = addr(text);

    return ngx_egov_ipset_contains(set, &a);
}


int
main(void)
{
    size_t              i;
    uint32_t            x;
    ngx_egov_cidr_t     c;
    ngx_egov_ipset_t   *set, *big;
    struct sockaddr_in6 sin6;
    struct sockaddr_in  sin;
    u_char              text[64];

    /* lines */
    ok(parses_to("192.0.2.0/24", 0, "192.0.2.0/24"), "IPv4 prefix");
    ok(parses_to("192.0.2.7", 0, "192.0.2.7"), "IPv4 address");
    ok(parses_to("192.0.2.7/24", NGX_EGOV_CIDR_HOST, ""), "host bits: a line cut short");
    ok(parses_to("100.64.10.0/2", NGX_EGOV_CIDR_HOST, ""), "... a /24 cut to /2");
    ok(parses_to("2a06:e480::/2", NGX_EGOV_CIDR_HOST, ""), "... a v6 /29 cut to /2");
    ok(parses_to("192.0.2.7/32", 0, "192.0.2.7"), "an address with its /32");
    ok(parses_to("  10.0.0.0/8\t ; SBL123456\r", 0, "10.0.0.0/8"),
       "Spamhaus DROP line");
    ok(parses_to("1.2.3.0/24#note", 0, "1.2.3.0/24"), "comment right after");
    ok(parses_to("# FireHOL header", 1, ""), "comment line");
    ok(parses_to("; Spamhaus header", 1, ""), "semicolon comment line");
    ok(parses_to("   \t\r", 1, ""), "blank line");
    ok(parses_to("", 1, ""), "empty line");
    ok(parses_to("2001:db8::/32", 0, "2001:db8::/32"), "IPv6 prefix");
    ok(parses_to("2001:DB8:0:0:1::1", 0, "2001:db8::1:0:0:1"), "IPv6 forms");
    ok(parses_to("::ffff:192.0.2.1", 0, "192.0.2.1"), "mapped IPv6 is IPv4");
    ok(parses_to("::ffff:192.0.2.0/120", 0, "192.0.2.0/24"),
       "mapped prefix is IPv4 prefix");
    ok(parses_to("::ffff:0:0/95", NGX_EGOV_CIDR_HOST, ""), "short mapped prefix stays IPv6, its bits beyond refused");
    ok(parses_to("::fffe:0:0/95", 0, "::fffe:0:0/95"), "short mapped prefix stays IPv6");
    ok(parses_to("0.0.0.0/0", NGX_EGOV_CIDR_ALL, ""), "everything v4: refused");
    ok(parses_to("::/0", NGX_EGOV_CIDR_ALL, ""), "everything v6: refused");
    ok(parses_to("1.2.3.4/0", NGX_EGOV_CIDR_ALL, ""), "a /0 with bits: every address");
    ok(parses_to("0.0.0.0/1", 0, "0.0.0.0/1"), "half of v4");
    ok(parses_to("1.2.3.4/33", -1, ""), "prefix too long");
    ok(parses_to("2001:db8::/129", -1, ""), "v6 prefix too long");
    ok(parses_to("1.2.3.4/", -1, ""), "empty prefix");
    ok(parses_to("1.2.3.4/024", -1, ""), "leading zero prefix");
    ok(parses_to("1.2.3.4/+8", -1, ""), "signed prefix");
    ok(parses_to("1.2.3", -1, ""), "short IPv4");
    ok(parses_to("1.2.3.256", -1, ""), "octet too big");
    ok(parses_to("01.2.3.4", -1, ""), "leading zero octet");
    ok(parses_to("1.2.3.4 5.6.7.8", -1, ""), "two addresses");
    ok(parses_to("example.com", -1, ""), "a name");
    ok(parses_to("2001:db8:::1", -1, ""), "bad IPv6");
    ok(parses_to("/24", -1, ""), "prefix alone");
    ok(parses_to("1.2.3.4/8/8", -1, ""), "two slashes");
    ok(parses_to("fe80::1%eth0", -1, ""), "zone index refused");
    ok(parses_to("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128", 0,
                 "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), "longest form");
    ok(parses_to("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.2550", -1, ""),
       "one character too many");

    ok(ngx_egov_cidr_parse(S("1.2.3.4\0junk"), &c) == NGX_EGOV_CIDR_BAD,
       "a NUL byte refused (inet_pton would stop at it)");
    ok(ngx_egov_cidr_parse_line(S("1.2.3.4\0 # x"), &c) == NGX_EGOV_CIDR_BAD,
       "a list line with a NUL byte refused");

    /* bits beyond the prefix */
    c = addr("192.0.2.7/24");
    ok(ngx_egov_cidr_host_bits(S("192.0.2.7/24"), &c), "192.0.2.7/24 has");
    c = addr("192.0.2.0/24");
    ok(!ngx_egov_cidr_host_bits(S("192.0.2.0/24"), &c), "192.0.2.0/24 not");
    c = addr("192.0.2.7");
    ok(!ngx_egov_cidr_host_bits(S("192.0.2.7"), &c), "an address has none");
    c = addr("2001:db8::1/32");
    ok(ngx_egov_cidr_host_bits(S("2001:db8::1/32"), &c), "IPv6 has");
    c = addr("::ffff:192.0.2.0/120");
    ok(!ngx_egov_cidr_host_bits(S("::ffff:192.0.2.0/120"), &c),
       "a mapped prefix without");
    c = addr("::ffff:192.0.2.9/120");
    ok(ngx_egov_cidr_host_bits(S("::ffff:192.0.2.9/120"), &c),
       "a mapped prefix with");
    c = addr("::ffff:0.0.0.0/64");
    ok(ngx_egov_cidr_host_bits(S("::ffff:0.0.0.0/64"), &c),
       "a short mapped prefix with (the ffff)");
    c = addr("0.0.0.0/0");
    ok(!ngx_egov_cidr_host_bits(S("0.0.0.0/0"), &c), "0.0.0.0/0 not");

    /* contains */
    c = addr("10.1.0.0/16");
    {
        ngx_egov_cidr_t  a = addr("10.1.200.3"), b = addr("10.2.0.1");
        ok(ngx_egov_cidr_contains(&c, &a), "contains");
        ok(!ngx_egov_cidr_contains(&c, &b), "does not contain");
    }

    /* sockaddr */
    memset(&sin6, 0, sizeof(sin6));
    sin6.sin6_family = AF_INET6;
    inet_pton(AF_INET6, "::ffff:203.0.113.9", &sin6.sin6_addr);
    ok(ngx_egov_cidr_from_sockaddr((struct sockaddr *) &sin6, &c) == 0
       && c.family == AF_INET && c.prefix == 32, "mapped client is IPv4");
    ngx_egov_cidr_format(&c, text, sizeof(text));
    ok(strcmp((char *) text, "203.0.113.9") == 0, "mapped client address");
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    inet_pton(AF_INET, "198.51.100.1", &sin.sin_addr);
    ok(ngx_egov_cidr_from_sockaddr((struct sockaddr *) &sin, &c) == 0
       && c.prefix == 32, "IPv4 client");
    {
        struct sockaddr  un;
        memset(&un, 0, sizeof(un));
        un.sa_family = AF_UNIX;
        ok(ngx_egov_cidr_from_sockaddr(&un, &c) == NGX_EGOV_CIDR_BAD,
           "unix socket has no address");
    }

    /* small set: overlapping, adjacent and nested prefixes */
    set = ngx_egov_ipset_create();
    c = addr("10.0.0.0/8");        ngx_egov_ipset_add(set, &c);
    c = addr("10.20.0.0/16");      ngx_egov_ipset_add(set, &c);
    c = addr("192.0.2.0/25");      ngx_egov_ipset_add(set, &c);
    c = addr("192.0.2.128/25");    ngx_egov_ipset_add(set, &c);
    c = addr("198.51.100.7");      ngx_egov_ipset_add(set, &c);
    c = addr("255.255.255.255");   ngx_egov_ipset_add(set, &c);
    c = addr("255.255.255.0/24");  ngx_egov_ipset_add(set, &c);
    c = addr("2001:db8::/32");     ngx_egov_ipset_add(set, &c);
    c = addr("2001:db8:1::/48");   ngx_egov_ipset_add(set, &c);
    c = addr("::1");               ngx_egov_ipset_add(set, &c);
    c = addr("ffff::/16");         ngx_egov_ipset_add(set, &c);
    ok(ngx_egov_ipset_freeze(set) == 0, "freeze");
    is_int(ngx_egov_ipset_entries(set), 11, "entries counted");
    is_int(ngx_egov_ipset_ranges(set), 7, "merged into 7 ranges");
    ok(in_set(set, "10.255.255.255"), "end of /8");
    ok(in_set(set, "10.0.0.0"), "start of /8");
    ok(!in_set(set, "11.0.0.0"), "after /8");
    ok(!in_set(set, "9.255.255.255"), "before /8");
    ok(in_set(set, "192.0.2.200"), "adjacent halves merged");
    ok(!in_set(set, "192.0.3.0"), "after merged /24");
    ok(in_set(set, "198.51.100.7"), "single address");
    ok(!in_set(set, "198.51.100.8"), "next address");
    ok(in_set(set, "255.255.255.255"), "top of IPv4");
    ok(in_set(set, "2001:db8:ffff::1"), "in /32");
    ok(!in_set(set, "2001:db9::"), "after /32");
    ok(in_set(set, "::1"), "::1");
    ok(!in_set(set, "::2"), "::2");
    ok(!in_set(set, "::"), "::");
    ok(in_set(set, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
       "top of IPv6");
    ok(!in_set(set, "0.0.0.0"), "0.0.0.0");
    ngx_egov_ipset_free(set);

    /* empty set */
    set = ngx_egov_ipset_create();
    ngx_egov_ipset_freeze(set);
    ok(!in_set(set, "1.2.3.4") && !in_set(set, "::1"), "empty set");
    ngx_egov_ipset_free(set);

    /* a large set with the index, against a plain check */
    big = ngx_egov_ipset_create();
    srand(7);
    for (i = 0; i < 200000; i++) {
        x = ((uint32_t) rand() << 16) ^ (uint32_t) rand();
        x &= ~0xffu;                  /* only .0 addresses, /32 */
        c.family = AF_INET;
        c.prefix = 32;
        memset(c.addr, 0, 16);
        c.addr[0] = x >> 24; c.addr[1] = x >> 16; c.addr[2] = x >> 8;
        ngx_egov_ipset_add(big, &c);
    }
    c = addr("172.16.0.0/12");
    ngx_egov_ipset_add(big, &c);
    ngx_egov_ipset_freeze(big);
    {
        int  bad = 0;
        srand(7);
        for (i = 0; i < 200000; i++) {
            x = ((uint32_t) rand() << 16) ^ (uint32_t) rand();
            x &= ~0xffu;
            c.addr[0] = x >> 24; c.addr[1] = x >> 16; c.addr[2] = x >> 8;
            c.addr[3] = 0;
            c.family = AF_INET;
            c.prefix = 32;
            if (!ngx_egov_ipset_contains(big, &c)) {
                bad++;
            }
            c.addr[3] = 1;
            if (ngx_egov_ipset_contains(big, &c)
                && !(c.addr[0] == 172 && (c.addr[1] & 0xf0) == 16))
            {
                bad++;
            }
        }
        is_int(bad, 0, "indexed set agrees with what was added");
    }
    ok(in_set(big, "172.31.255.255") && in_set(big, "172.20.1.1"),
       "prefix across many buckets");
    ok(ngx_egov_ipset_memory(big) < 200000 * 8 * 2 + 600000,
       "memory stays compact (%zu bytes)", ngx_egov_ipset_memory(big));
    ngx_egov_ipset_free(big);

    /* merging: adjacent ranges become one, a gap of one address stays */
    set = ngx_egov_ipset_create();
    c = addr("192.0.2.1");
    ngx_egov_ipset_add(set, &c);
    c = addr("192.0.2.3");
    ngx_egov_ipset_add(set, &c);
    c = addr("192.0.2.4");
    ngx_egov_ipset_add(set, &c);
    c = addr("2001:db8::1");
    ngx_egov_ipset_add(set, &c);
    c = addr("2001:db8::3");
    ngx_egov_ipset_add(set, &c);
    /* a range ending at a 64-bit boundary, and the next one: the carry */
    c = addr("2001:db8:0:1::/64");
    ngx_egov_ipset_add(set, &c);
    c = addr("2001:db8:0:2::/64");
    ngx_egov_ipset_add(set, &c);
    c = addr("2001:db8:0:3::1");
    ngx_egov_ipset_add(set, &c);
    ngx_egov_ipset_freeze(set);
    ok(!in_set(set, "192.0.2.2"), "IPv4: one address between two entries "
       "is not listed");
    ok(in_set(set, "192.0.2.1") && in_set(set, "192.0.2.3")
       && in_set(set, "192.0.2.4") && !in_set(set, "192.0.2.5"),
       "IPv4: the entries are, adjacent ones merged");
    is_int(ngx_egov_ipset_ranges(set) >= 2 + 2 + 2, 1,
           "ranges: the gaps kept (%zu)", ngx_egov_ipset_ranges(set));
    ok(!in_set(set, "2001:db8::2"), "IPv6: one address between two entries "
       "is not listed");
    ok(in_set(set, "2001:db8:0:1:ffff:ffff:ffff:ffff")
       && in_set(set, "2001:db8:0:2::"), "IPv6: adjacent /64s merge "
       "across the carry");
    ok(!in_set(set, "2001:db8:0:3::"), "IPv6: the address after them, "
       "before the next entry, is not listed");
    ok(in_set(set, "2001:db8:0:3::1"), "IPv6: that entry is");
    ngx_egov_ipset_free(set);

    return done_testing();
}
