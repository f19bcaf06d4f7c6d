/* sources: ngx_egov_module/ngx_egov_json.c ngx_egov_module/ngx_egov_cidr.c libs: -lssl -lcrypto */

/*
 * egovctl's configuration file ("url =", "token_file =", "timeout =",
 * comments), whatever is in it: read without a crash or a leak, each value
 * trimmed, one line at most.
 */

#define _GNU_SOURCE
#include <stdint.h>

#define main  egovctl_main
#include "../tools/egovctl/egovctl.c"
#undef main


static void
value_ok(const char *v)
{
    size_t  len;

    if (v == NULL) {
        return;
    }

    len = strlen(v);

    if (strchr(v, '\n') || (len && (v[0] == ' ' || v[0] == '\t'
                                    || v[len - 1] == ' '
                                    || v[len - 1] == '\t'
                                    || v[len - 1] == '\r')))
    {
        abort();
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int   fd = -1;
    static char  path[] = "/tmp/egovctl-fuzz-XXXXXX";

    if (fd == -1) {
        fd = mkstemp(path);
        if (fd == -1) {
            abort();
        }

        unlink(path);
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        setenv("EGOVCTL_CONFIG", path, 1);
        unsetenv("EGOV_ADMIN_URL");
        unsetenv("EGOV_ADMIN_TOKEN_FILE");
        unsetenv("EGOV_ADMIN_TIMEOUT");
        unsetenv("EGOV_ADMIN_CA_FILE");
    }

    if (ftruncate(fd, 0) != 0
        || pwrite(fd, data, size, 0) != (ssize_t) size)
    {
        abort();
    }

    memset(&opt, 0, sizeof(opt));
    read_config();

    value_ok(opt.url);
    value_ok(opt.token_file);
    value_ok(opt.timeout);
    value_ok(opt.ca_file);

    free(opt.url);
    free(opt.token_file);
    free(opt.timeout);
    free(opt.ca_file);

    return 0;
}
