/* sources: ngx_egov_module/ngx_egov_json.c */

/*
 * Each input is a JSON text: parsed or refused, never beyond its bounds;
 * what parses has consistent nodes, and every string decodes within its
 * length.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "ngx_egov_json.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t                 i;
    u_char                *out;
    ngx_egov_json_node_t   nodes[256];
    ngx_egov_json_t        json = { nodes, 0, 256, 0, NULL };

    if (ngx_egov_json_parse(&json, data, size) != 0) {
        if (json.error == NULL || json.error_at > size) {
            abort();
        }
        return 0;
    }

    out = malloc(size + 1);

    for (i = 0; i < json.n; i++) {
        if (nodes[i].next <= i || nodes[i].next > json.n) {
            abort();
        }

        if (nodes[i].type == NGX_EGOV_JSON_STRING
            && ngx_egov_json_string(&nodes[i], out) > (long) nodes[i].len)
        {
            abort();
        }

        if (nodes[i].type == NGX_EGOV_JSON_OBJECT) {
            (void) ngx_egov_json_member(&json, i, "address");
        }
    }

    free(out);
    return 0;
}
