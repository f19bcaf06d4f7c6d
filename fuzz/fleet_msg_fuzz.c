/* sources: ngx_egov_module/ngx_egov_fleet_msg.c ngx_egov_module/ngx_egov_cidr.c */

/*
 * Messages and hash values from Redis, whoever wrote them: what parses
 * holds to the admin API's rules (no new /0, no host bits, known kinds,
 * a printable reason of 64 bytes inside the input).
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "ngx_egov_fleet_msg.h"


static void
check(const ngx_egov_fleet_msg_t *m, const uint8_t *data, size_t size)
{
    size_t  i;

    if (m->add && (m->cidr.prefix == 0 || m->kind < 1 || m->kind > 2)) {
        abort();
    }

    if (m->bans > NGX_EGOV_FLEET_BANS_MAX
        || m->reason_len > NGX_EGOV_FLEET_REASON_MAX)
    {
        abort();
    }

    if (m->reason_len
        && (m->reason < data || m->reason + m->reason_len > data + size))
    {
        abort();
    }

    for (i = 0; i < m->reason_len; i++) {
        if (m->reason[i] < 0x20 || m->reason[i] > 0x7e) {
            abort();
        }
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t                split;
    ngx_egov_fleet_msg_t  m;

    if (ngx_egov_fleet_msg_parse(data, size, &m) == NGX_EGOV_FLEET_OK) {
        check(&m, data, size);
    }

    /* the first byte says where the field ends and the value begins */

    if (size > 1) {
        split = 1 + data[0] % (size - 1);

        if (ngx_egov_fleet_entry_parse(data + 1, split - 1, data + split,
                                       size - split, &m)
            == NGX_EGOV_FLEET_OK)
        {
            check(&m, data, size);
        }
    }

    return 0;
}
