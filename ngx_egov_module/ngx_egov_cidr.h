
/*
 * IPv4 and IPv6 addresses and prefixes, list-file lines, and compiled
 * address sets.  Plain C over (pointer, length), no nginx types: the list
 * files it reads come from outside, so it is unit-tested and fuzzed alone.
 */


#ifndef _NGX_EGOV_CIDR_H_INCLUDED_
#define _NGX_EGOV_CIDR_H_INCLUDED_


#include <sys/types.h>
#include <sys/socket.h>
#include <stddef.h>
#include <stdint.h>


#define NGX_EGOV_CIDR_OK      0
#define NGX_EGOV_CIDR_EMPTY   1      /* blank line or comment */
#define NGX_EGOV_CIDR_BAD    -1
#define NGX_EGOV_CIDR_HOST   -2      /* a line: bits beyond its prefix */
#define NGX_EGOV_CIDR_ALL    -3      /* a line: a /0, every address */
#define NGX_EGOV_CIDR_CUT    -4      /* a list's wide last line, no end */

/*
 * The widest prefixes the admin API adds without "force" (egovctl checks
 * them too): an IPv4 /8 is the largest block a registry allocates, an
 * IPv6 /16 wider than any registry's allocation to one network
 */
#define NGX_EGOV_CIDR_V4_WIDEST  8
#define NGX_EGOV_CIDR_V6_WIDEST  16

/* longest text form: full IPv6 with an embedded IPv4 and "/128" */
#define NGX_EGOV_CIDR_TEXT_LEN  (sizeof("ffff:ffff:ffff:ffff:ffff:ffff:"   \
                                        "255.255.255.255/128") - 1)


typedef struct {
    int             family;        /* AF_INET or AF_INET6 */
    unsigned        prefix;        /* 0-32 or 0-128 */
    u_char          addr[16];      /* network order, host bits zero;
                                      IPv4 in the first 4 bytes */
} ngx_egov_cidr_t;


typedef struct ngx_egov_ipset_s  ngx_egov_ipset_t;


/*
 * "192.0.2.0/24", "192.0.2.1", "2001:db8::/32", "::1": one token, nothing
 * around it.  Host bits beyond the prefix are cleared; an IPv4-mapped IPv6
 * prefix (::ffff:192.0.2.0/120) becomes the IPv4 one.
 */
int ngx_egov_cidr_parse(const u_char *p, size_t len, ngx_egov_cidr_t *cidr);

/*
 * Did the text "net" was parsed from set bits beyond its prefix
 * (192.0.2.7/24)?  Lists take such prefixes as their network; the admin
 * API refuses them.
 */
int ngx_egov_cidr_host_bits(const u_char *p, size_t len,
    const ngx_egov_cidr_t *net);

/*
 * One line of a list file: blank lines and comments ("#" or ";" to the end
 * of the line, as FireHOL .netset and Spamhaus DROP files have) give
 * NGX_EGOV_CIDR_EMPTY; one address or prefix, possibly followed by a
 * comment, gives NGX_EGOV_CIDR_OK; a prefix with bits set beyond its
 * length (a line cut short: 100.64.10.0/2 of a /24) NGX_EGOV_CIDR_HOST,
 * a /0 NGX_EGOV_CIDR_ALL (cidr is filled for both); anything else
 * NGX_EGOV_CIDR_BAD.
 */
int ngx_egov_cidr_parse_line(const u_char *p, size_t len,
    ngx_egov_cidr_t *cidr);

/* the client's address as a /32 or /128; IPv4-mapped IPv6 becomes IPv4 */
int ngx_egov_cidr_from_sockaddr(const struct sockaddr *sa,
    ngx_egov_cidr_t *cidr);

/* clears the bits beyond "prefix" (which must not exceed the family's) */
void ngx_egov_cidr_mask(ngx_egov_cidr_t *cidr, unsigned prefix);

/* does "net" contain "addr" (same family, addr's prefix >= net's) */
int ngx_egov_cidr_contains(const ngx_egov_cidr_t *net,
    const ngx_egov_cidr_t *addr);

/* "192.0.2.0/24"; the prefix is left out when it is the full length */
size_t ngx_egov_cidr_format(const ngx_egov_cidr_t *cidr, u_char *buf,
    size_t size);


/*
 * A set of prefixes, built once and then read-only: the union of the
 * prefixes as sorted, disjoint ranges, with a direct index on the top bits
 * (about one range per bucket) once the set is large, so a lookup costs a
 * few memory reads whether the set holds ten prefixes or a million.
 */
ngx_egov_ipset_t *ngx_egov_ipset_create(void);
int ngx_egov_ipset_add(ngx_egov_ipset_t *set, const ngx_egov_cidr_t *cidr);
int ngx_egov_ipset_freeze(ngx_egov_ipset_t *set);
int ngx_egov_ipset_contains(const ngx_egov_ipset_t *set,
    const ngx_egov_cidr_t *addr);
size_t ngx_egov_ipset_entries(const ngx_egov_ipset_t *set);
size_t ngx_egov_ipset_ranges(const ngx_egov_ipset_t *set);
size_t ngx_egov_ipset_memory(const ngx_egov_ipset_t *set);
void ngx_egov_ipset_free(ngx_egov_ipset_t *set);


#endif /* _NGX_EGOV_CIDR_H_INCLUDED_ */
