/* sources: ngx_egov_module/ngx_egov_json.c */

/* The admin API's parser: what it takes, what it refuses, and why. */

#include <stdlib.h>
#include "tap.h"
#include "ngx_egov_json.h"

static ngx_egov_json_node_t  nodes[64];
static ngx_egov_json_t       json = { nodes, 0, 64, 0, NULL };


static int
parses(const char *text)
{
    return ngx_egov_json_parse(&json, (const u_char *) text, strlen(text)) == 0;
}


static int
refused(const char *text, const char *why)
{
    if (parses(text)) {
        printf("# %s: parsed\n", text);
        return 0;
    }

    if (strcmp(json.error, why) != 0) {
        printf("# %s: %s at %zu\n", text, json.error, json.error_at);
        return 0;
    }

    return 1;
}


int
main(void)
{
    long     v;
    u_char   buf[64];
    long     n;

    ok(parses("{\"address\":\"192.0.2.0/24\",\"ttl\":3600,\"reason\":\"scan\"}"),
       "an admin request");
    v = ngx_egov_json_member(&json, 0, "ttl");
    ok(v > 0 && ngx_egov_json_uint(&nodes[v]) == 3600, "its ttl");
    v = ngx_egov_json_member(&json, 0, "address");
    n = ngx_egov_json_string(&nodes[v], buf);
    ok(n == 12 && memcmp(buf, "192.0.2.0/24", 12) == 0, "its address");
    ok(ngx_egov_json_member(&json, 0, "missing") == -1, "a missing member");

    ok(parses(" [ {\"a\":[1,2,{\"b\":null}]}, true, false, -1.5e+3, \"x\" ] "),
       "nested values and every type");
    is_int(nodes[0].size, 5, "the array's size");
    ok(parses("{\"a\":{\"x\":1},\"b\":2}") && nodes[ngx_egov_json_member(&json, 0, "b")].type
       == NGX_EGOV_JSON_NUMBER, "members after a nested object");
    ok(parses("\"a\\\"b\\u0041\\n\""), "escapes");
    n = ngx_egov_json_string(&nodes[0], buf);
    ok(n == 5 && memcmp(buf, "a\"bA\n", 5) == 0, "decoded");
    ok(parses("\"\\u00e9\"") && ngx_egov_json_string(&nodes[0], buf) == -1,
       "non-ASCII \\u refused by the decoder");
    ok(parses("0") && ngx_egov_json_uint(&nodes[0]) == 0, "zero");
    ok(parses("-5") && ngx_egov_json_uint(&nodes[0]) == -1, "negative: not a uint");
    ok(parses("1.5") && ngx_egov_json_uint(&nodes[0]) == -1, "fraction: not a uint");

    ok(refused("", "a value was expected"), "empty");
    ok(refused("{\"a\":1,}", "a member name was expected"), "trailing comma");
    ok(refused("[1,]", "a value was expected"), "trailing comma in an array");
    ok(refused("{'a':1}", "a member name was expected"), "single quotes");
    ok(refused("{\"a\" 1}", "\":\" was expected"), "no colon");
    ok(refused("{\"a\":1} x", "text after the value"), "trailing text");
    ok(refused("\"abc", "a string without its end"), "unterminated string");
    ok(refused("\"a\x01\"", "a control character in a string"), "control character");
    ok(refused("\"\\x\"", "a bad escape"), "bad escape");
    ok(refused("\"\\u12\"", "a short \\u escape"), "short \\u");
    ok(refused("\"\\u12zz\"", "a bad \\u escape"), "bad \\u");
    ok(refused("01", "text after the value"), "leading zero");
    ok(refused("1.", "a digit was expected"), "1.");
    ok(refused("tru", "an unknown word"), "tru");
    ok(refused("[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]", "nested too deep"), "depth");
    {
        char  big[400];
        int   i;
        big[0] = '[';
        for (i = 0; i < 100; i++) {
            memcpy(big + 1 + 2 * i, "1,", 2);
        }
        big[200] = '1';
        big[201] = ']';
        big[202] = '\0';
        ok(refused(big, "too many values"), "more values than room");
    }

    return done_testing();
}
