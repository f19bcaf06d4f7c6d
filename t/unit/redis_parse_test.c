/* sources: ngx_egov_module/ngx_egov_redis_parse.c */

#include "tap.h"
#include "ngx_egov_redis_parse.h"

#define S(s)  (const u_char *) (s), sizeof(s) - 1

static int
word_is(const u_char *p, size_t len, const char *want)
{
    return len == strlen(want) && memcmp(p, want, len) == 0;
}

int
main(void)
{
    ngx_egov_redis_switch_t  sw;

    is_int(ngx_egov_redis_parse_switch(
               S("portal 10.0.0.1 6379 10.0.0.2 6380"), &sw), 0,
           "a +switch-master message");
    ok(word_is(sw.name, sw.name_len, "portal"), "master name");
    ok(word_is(sw.host, sw.host_len, "10.0.0.2"), "new host");
    is_int(sw.port, 6380, "new port");

    is_int(ngx_egov_redis_parse_switch(
               S("m ::1 6379 fe80::1:2 26379"), &sw), 0, "IPv6 hosts");
    ok(word_is(sw.host, sw.host_len, "fe80::1:2"), "IPv6 new host");

    is_int(ngx_egov_redis_parse_switch(
               S("  m  1.1.1.1 1   2.2.2.2   2 "), &sw), 0,
           "extra spaces are separators");
    is_int(sw.port, 2, "port after spaces");

    is_int(ngx_egov_redis_parse_switch(S("m 1.1.1.1 1 2.2.2.2"), &sw), -1,
           "four words");
    is_int(ngx_egov_redis_parse_switch(S("m 1.1.1.1 1 2.2.2.2 2 x"), &sw),
           -1, "six words");
    is_int(ngx_egov_redis_parse_switch(S("m 1.1.1.1 1 host.example 2"), &sw),
           -1, "a host name is refused");
    is_int(ngx_egov_redis_parse_switch(S("m 1.1.1.1 1 2.2.2.2 65536"), &sw),
           -1, "port out of range");
    is_int(ngx_egov_redis_parse_switch(S("m 1.1.1.1 x 2.2.2.2 1"), &sw),
           -1, "bad old port");
    is_int(ngx_egov_redis_parse_switch(S(""), &sw), -1, "empty");
    is_int(ngx_egov_redis_parse_switch(
               (const u_char *) "m 1.1.1.1 1 2.2.2.2 6380", 22, &sw), 0,
           "length respected, not NUL");
    is_int(sw.port, 63, "port cut by the length");

    is_int(ngx_egov_redis_parse_port(S("1")), 1, "port 1");
    is_int(ngx_egov_redis_parse_port(S("65535")), 65535, "port 65535");
    is_int(ngx_egov_redis_parse_port(S("0")), -1, "port 0");
    is_int(ngx_egov_redis_parse_port(S("065535")), -1, "six digits");
    is_int(ngx_egov_redis_parse_port(S("-1")), -1, "sign");
    is_int(ngx_egov_redis_parse_port(S("")), -1, "empty port");

    ok(ngx_egov_redis_numeric_host(S("127.0.0.1")), "IPv4 is numeric");
    ok(ngx_egov_redis_numeric_host(S("2001:db8::1")), "IPv6 is numeric");
    ok(!ngx_egov_redis_numeric_host(S("redis.local")), "a name is not");
    ok(!ngx_egov_redis_numeric_host(S("")), "empty is not");
    ok(!ngx_egov_redis_numeric_host(S("cafe.db")),
       "a name of hex letters and dots is not (hiredis would resolve it)");
    ok(!ngx_egov_redis_numeric_host(S("dead:beef")), "nor one with a colon");
    ok(!ngx_egov_redis_numeric_host(S("1.2.3")), "nor a short IPv4");
    ok(!ngx_egov_redis_numeric_host(S("::1\0x")), "nor one with a NUL");
    ok(ngx_egov_redis_numeric_host(S("::ffff:192.0.2.1")),
       "an IPv4-mapped IPv6 address is");
    ok(!ngx_egov_redis_numeric_host(
           S("1111:2222:3333:4444:5555:6666:7777:8888:9999:0")),
       "too long is not");

    is_int(ngx_egov_redis_secret(S("s3cret")), 6, "a password");
    is_int(ngx_egov_redis_secret(S("s3cret\n")), 6, "final newline dropped");
    is_int(ngx_egov_redis_secret(S("s3cret\r\n\n")), 6,
           "CRLF and an empty line dropped");
    is_int(ngx_egov_redis_secret(S("two words")), 9, "spaces are kept");
    is_int(ngx_egov_redis_secret(S("")), NGX_EGOV_REDIS_SECRET_EMPTY,
           "empty file");
    is_int(ngx_egov_redis_secret(S("\n")), NGX_EGOV_REDIS_SECRET_EMPTY,
           "only a newline");
    is_int(ngx_egov_redis_secret(S("a\nb\n")), NGX_EGOV_REDIS_SECRET_LINES,
           "two lines");
    is_int(ngx_egov_redis_secret(S("a\tb")), NGX_EGOV_REDIS_SECRET_CONTROL,
           "a tab");
    is_int(ngx_egov_redis_secret((const u_char *) "a\0b", 3),
           NGX_EGOV_REDIS_SECRET_CONTROL, "a NUL");

    {
        u_char  big[NGX_EGOV_REDIS_SECRET_MAX + 1];

        memset(big, 'x', sizeof(big));
        is_int(ngx_egov_redis_secret(big, sizeof(big)),
               NGX_EGOV_REDIS_SECRET_LONG, "too long");
        is_int(ngx_egov_redis_secret(big, sizeof(big) - 1),
               NGX_EGOV_REDIS_SECRET_MAX, "the longest accepted");
    }

    return done_testing();
}
