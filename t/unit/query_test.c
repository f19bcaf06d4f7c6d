/* sources: ngx_egov_module/ngx_egov_query.c */

#include "tap.h"
#include "ngx_egov_query.h"


static const char *
arg(const char *args, const char *name, size_t size)
{
    int            rc;
    size_t         len;
    u_char         out[64];
    static char    text[80];

    rc = ngx_egov_query_arg((const u_char *) args, strlen(args), name, out,
                            size, &len);

    if (rc == NGX_EGOV_QUERY_ABSENT) {
        return "(absent)";
    }

    if (rc == NGX_EGOV_QUERY_TOO_LONG) {
        return "(too long)";
    }

    snprintf(text, sizeof(text), "[%.*s]", (int) len, out);
    return text;
}


#define A(args, name, want, what)                                            \
    do {                                                                     \
        const char *got_ = arg(args, name, 48);                              \
        ok(strcmp(got_, want) == 0, what);                                   \
        if (strcmp(got_, want) != 0) {                                       \
            printf("#   got %s, want %s\n", got_, want);                     \
        }                                                                    \
    } while (0)


int
main(void)
{
    size_t  len;
    u_char  out[4];

    A("address=192.0.2.0%2F24&kind=ban", "address", "[192.0.2.0/24]",
      "decoded");
    A("address=192.0.2.0%2F24&kind=ban", "kind", "[ban]", "the second");
    A("kind=block", "address", "(absent)", "absent");
    A("xaddress=1&address=2", "address", "[2]", "a longer name is another");
    A("address=1&address=2", "address", "[1]", "the first of two");
    A("address", "address", "(absent)", "a name without a value");
    A("address=", "address", "[]", "an empty value");
    A("address=%zz%4&b", "address", "[%zz%4]", "malformed escapes kept");
    A("address=a+b%20c", "address", "[a+b c]", "+ stays, %%20 is a space");
    A("address=%3A%3a1", "address", "[::1]", "hex of either case");
    A("ADDRESS=1", "address", "(absent)", "names as sent");
    A("a=1&&address=3&", "address", "[3]", "empty pieces");

    ok(ngx_egov_query_arg((const u_char *) "address=%00", 11, "address", out,
                          sizeof(out), &len) == NGX_EGOV_QUERY_FOUND
       && len == 1 && out[0] == '\0',
       "%%00 is a NUL byte (the reader refuses it)");
    ok(ngx_egov_query_arg((const u_char *) "k=12345", 7, "k", out,
                          sizeof(out), &len) == NGX_EGOV_QUERY_TOO_LONG,
       "a value longer than the buffer: said, not cut");
    ok(ngx_egov_query_arg((const u_char *) "k=%31%32%33%34", 14, "k", out,
                          sizeof(out), &len) == NGX_EGOV_QUERY_FOUND
       && len == 4 && memcmp(out, "1234", 4) == 0,
       "decoded, it fits exactly");

    return done_testing();
}
