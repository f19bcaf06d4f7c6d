/* sources: ngx_egov_module/ngx_egov_fleet_msg.c ngx_egov_module/ngx_egov_cidr.c */

#include "tap.h"
#include "ngx_egov_fleet_msg.h"

#define S(s)  (const u_char *) (s), sizeof(s) - 1


static int
msg(const char *text, ngx_egov_fleet_msg_t *m)
{
    return ngx_egov_fleet_msg_parse((const u_char *) text, strlen(text), m)
           == NGX_EGOV_FLEET_OK;
}


int
main(void)
{
    ngx_egov_fleet_msg_t  m;

    ok(msg("+ 192.0.2.0/24 2 1700000000000 1800000000000 0 incident 42", &m),
       "an entry");
    ok(m.add && m.kind == 2 && m.cidr.prefix == 24
       && m.created == 1700000000000ULL && m.expires == 1800000000000ULL
       && m.bans == 0 && m.reason_len == 11
       && memcmp(m.reason, "incident 42", 11) == 0, "... its fields");
    ok(msg("+ 2001:db8::/32 1 1 0 3 ", &m) && m.reason_len == 0,
       "IPv6, an empty reason");
    ok(msg("+ 198.51.100.7 1 1 2 0", &m) && m.cidr.prefix == 32,
       "an address, no reason at all");
    ok(msg("- 192.0.2.0/24 2", &m) && !m.add && m.kind == 2, "a removal");
    ok(msg("- 0.0.0.0/0 0", &m), "a removal of a /0 (of any kind) is valid");

    ok(!msg("+ 0.0.0.0/0 2 1 0 0 all", &m), "a new /0: refused");
    ok(!msg("+ ::/0 2 1 0 0 all", &m), "a new IPv6 /0: refused");
    ok(!msg("+ 192.0.2.7/24 2 1 0 0 x", &m), "bits beyond the prefix");
    ok(msg("+ 192.0.2.1 3 1 0 1 soc", &m) && m.kind == 1 && m.by_operator,
       "kind 3: a ban an operator made");
    ok(msg("+ 192.0.2.1 1 1 0 1 soc", &m) && m.kind == 1 && !m.by_operator,
       "kind 1: an automatic one");
    ok(!msg("+ 192.0.2.1 4 1 0 0 x", &m), "an unknown kind");
    ok(!msg("- 192.0.2.1 3", &m), "an unknown kind to remove");
    ok(!msg("- 192.0.2.1", &m), "a removal without a kind");
    ok(msg("- 192.0.2.0/24 2 1700000000000", &m) && !m.add && m.kind == 2
       && m.created == 1700000000000ULL, "a removal of the entry made then");
    ok(msg("- 192.0.2.0/24 2", &m) && m.created == 0, "... or of any (no time)");
    ok(!msg("- 192.0.2.0/24 2 0", &m), "a removal's time of 0");
    ok(!msg("- 192.0.2.0/24 2 17x", &m), "a removal's time that is not a number");
    ok(!msg("- 192.0.2.0/24 2 1 2", &m), "a removal with two times");
    ok(!msg("- 192.0.2.0/24 2 ", &m), "a removal with a space and no time");
    ok(!msg("+ 192.0.2.1 2 1 0 1001 x", &m), "too many bans");
    ok(!msg("+ 192.0.2.1 2 1 99999999999999999999 0 x", &m),
       "a number too large");
    ok(!msg("+ 192.0.2.1 2 1 0 0 a\x1b[2J", &m), "a control byte");
    ok(!msg("+ 192.0.2.1 2 1 0 0 \x80", &m), "a byte over 0x7e");
    ok(!msg("+ 192.0.2.1 2 1 0 0 "
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            &m), "a reason of 65 bytes");
    ok(msg("+ 192.0.2.1 2 1 0 0 "
           "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
           &m), "one of 64");
    ok(!msg("+ 192.0.2.1 2 1 x 0 y", &m), "a word for a number");
    ok(!msg("* 192.0.2.1 2", &m), "an unknown operation");
    ok(!msg("+192.0.2.1 2 1 0 0 x", &m), "no space after the operation");
    ok(!msg("+ 192.0.2.1", &m), "no value");
    ok(!msg("", &m), "empty");

    ok(ngx_egov_fleet_entry_parse(S("192.0.2.0/24"), S("1 5 6 2 scan"), &m)
       == NGX_EGOV_FLEET_OK && m.kind == 1 && m.bans == 2,
       "a hash field and value");
    ok(ngx_egov_fleet_entry_parse(S("192.0.2.0/24"), S("3 5 6 2 soc"), &m)
       == NGX_EGOV_FLEET_OK && m.kind == 1 && m.by_operator,
       "an operator's ban in the hash");
    ok(ngx_egov_fleet_entry_parse(S("192.0.2.0/24"), S("- 3 5 6"), &m)
       != NGX_EGOV_FLEET_OK, "a removal's mark is of kind 1 or 2, not 3");
    ok(ngx_egov_fleet_entry_parse(S("0.0.0.0/0"), S("1 5 6 2 all"), &m)
       == NGX_EGOV_FLEET_BAD, "a /0 in the hash: refused");
    ok(ngx_egov_fleet_entry_parse(S("10.0.0.1\0"), S("1 5 6 2 x"), &m)
       == NGX_EGOV_FLEET_BAD, "a NUL in the field");

    ok(ngx_egov_fleet_entry_parse(S("192.0.2.0/24"), S("- 1 5 9"), &m)
       == NGX_EGOV_FLEET_OK && !m.add && m.kind == 1 && m.created == 5
       && m.expires == 9, "a removal's mark");
    ok(ngx_egov_fleet_entry_parse(S("192.0.2.0/24"), S("- 0 5 9"), &m)
       == NGX_EGOV_FLEET_OK && m.kind == 0, "... of any kind");
    ok(ngx_egov_fleet_entry_parse(S("192.0.2.0/24"), S("- 1 5 0"), &m)
       == NGX_EGOV_FLEET_BAD, "... that never expires: refused");
    ok(ngx_egov_fleet_entry_parse(S("192.0.2.0/24"), S("- 3 5 9"), &m)
       == NGX_EGOV_FLEET_BAD, "... of an unknown kind: refused");
    ok(ngx_egov_fleet_entry_parse(S("192.0.2.0/24"), S("- 1 5 9 x"), &m)
       == NGX_EGOV_FLEET_BAD, "... with more after it: refused");
    ok(ngx_egov_fleet_entry_parse(S("192.0.2.0/24"), S("- 1 5"), &m)
       == NGX_EGOV_FLEET_BAD, "... without its expiry: refused");
    ok(ngx_egov_fleet_entry_parse(S("192.0.2.1/24"), S("- 1 5 9"), &m)
       == NGX_EGOV_FLEET_BAD, "... for a prefix with bits beyond it");
    ok(ngx_egov_fleet_entry_parse(S("192.0.2.0/24"), S("-"), &m)
       == NGX_EGOV_FLEET_BAD, "a lone dash: refused");

    return done_testing();
}
