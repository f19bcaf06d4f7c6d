/* sources: ngx_egov_module/ngx_egov_redis_resp.c libs: -lhiredis */

#include <hiredis/hiredis.h>

#include "tap.h"
#include "ngx_egov_redis_resp.h"


/* ours and hiredis's, byte for byte */

static void
same_as_hiredis(int argc, const char **argv, const size_t *lens,
    const char *what)
{
    int    n, m;
    char  *ours, *theirs;

    n = ngx_egov_redis_resp_argv(&ours, argc, argv, lens);
    m = redisFormatCommandArgv(&theirs, argc, argv, lens);

    ok(n == m && n > 0 && memcmp(ours, theirs, n) == 0, "%s", what);

    free(ours);
    redisFreeCommand(theirs);
}


int
main(void)
{
    int          i, n;
    char        *cmd, big[100000];
    size_t       lens[300];
    const char  *argv[300];
    static const char  binary[] = { 'k', 0, '\r', '\n', (char) 0xff, '$' };

    argv[0] = "PING";
    lens[0] = 4;
    n = ngx_egov_redis_resp_argv(&cmd, 1, argv, lens);
    is_int(n, 14, "PING: its length");
    ok(n == 14 && memcmp(cmd, "*1\r\n$4\r\nPING\r\n", 14) == 0,
       "PING: its text");
    free(cmd);

    same_as_hiredis(1, argv, lens, "one argument");

    argv[0] = "SET";
    lens[0] = 3;
    argv[1] = binary;
    lens[1] = sizeof(binary);
    argv[2] = "";
    lens[2] = 0;
    same_as_hiredis(3, argv, lens, "binary bytes and an empty argument");

    memset(big, 'x', sizeof(big));
    argv[2] = big;
    lens[2] = sizeof(big);
    same_as_hiredis(3, argv, lens, "a 100000-byte argument");

    /* a strict limit batch: EVALSHA, the sha, a key count, 3 per key */

    for (i = 0; i < 300; i++) {
        argv[i] = big + i;
        lens[i] = (size_t) (i * 37 % 1000);
    }

    same_as_hiredis(300, argv, lens, "300 arguments of lengths 0 to 999");

    same_as_hiredis(0, argv, lens, "no argument");

    is_int(ngx_egov_redis_resp_argv(&cmd, -1, argv, lens), -1,
           "a negative count is refused");

    lens[0] = (size_t) 1 << 40;
    is_int(ngx_egov_redis_resp_argv(&cmd, 1, argv, lens), -1,
           "a length over an int is refused");

    return done_testing();
}
