/* sources: ngx_egov_module/ngx_egov_lang.c */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "ngx_egov_lang.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    u_char          *copy;
    ngx_egov_lang_e  lang;

    /* an exact-size copy, so any read past the end is caught */
    copy = malloc(size ? size : 1);
    memcpy(copy, data, size);

    lang = ngx_egov_lang_negotiate(copy, size, NGX_EGOV_LANG_AR);
    if ((unsigned) lang >= NGX_EGOV_LANG_MAX) {
        abort();
    }

    free(copy);
    return 0;
}
