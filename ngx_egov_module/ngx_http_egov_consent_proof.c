
/*
 * Proof-of-consent records in a Redis stream ("egov_consent_log redis"),
 * so that a fleet keeps one record of what visitors chose: XADD to
 * PREFIX "consent" with MAXLEN ~ N, one field "proof" holding the same
 * JSON as a file log line.  Sent without waiting; a record Redis did not
 * take is counted (consent_proofs_lost_total), never retried late.
 */


#include "ngx_http_egov_consent.h"
#include "ngx_egov_redis.h"


static void ngx_http_egov_consent_proof_sent(ngx_egov_redis_status_e status,
    redisReply *reply, void *data);


static ngx_str_t  ngx_http_egov_consent_stream = ngx_string("consent");


void
ngx_http_egov_consent_proof_redis(ngx_http_request_t *r, ngx_uint_t maxlen,
    u_char *proof, size_t len)
{
    size_t        lens[8];
    ngx_str_t     key;
    const char   *argv[8];
    u_char        max[NGX_INT_T_LEN];

    if (ngx_egov_redis_key(r->pool, &ngx_http_egov_consent_stream, &key)
        != NGX_OK)
    {
        ngx_http_egov_stat_inc(NGX_EGOV_STAT_CONSENT_PROOFS_LOST);
        return;
    }

    /* XADD KEY MAXLEN ~ N * proof JSON */

    argv[0] = "XADD";
    lens[0] = sizeof("XADD") - 1;
    argv[1] = (const char *) key.data;
    lens[1] = key.len;
    argv[2] = "MAXLEN";
    lens[2] = sizeof("MAXLEN") - 1;
    argv[3] = "~";
    lens[3] = 1;
    argv[4] = (const char *) max;
    lens[4] = ngx_sprintf(max, "%ui", maxlen) - max;
    argv[5] = "*";
    lens[5] = 1;
    argv[6] = "proof";
    lens[6] = sizeof("proof") - 1;
    argv[7] = (const char *) proof;
    lens[7] = len;

    if (ngx_egov_redis_command_argv(0, ngx_http_egov_consent_proof_sent,
                                    NULL, 8, argv, lens)
        != NGX_OK)
    {
        ngx_http_egov_stat_inc(NGX_EGOV_STAT_CONSENT_PROOFS_LOST);
    }
}


static void
ngx_http_egov_consent_proof_sent(ngx_egov_redis_status_e status,
    redisReply *reply, void *data)
{
    if (status == NGX_EGOV_REDIS_OK) {
        ngx_http_egov_stat_inc(NGX_EGOV_STAT_CONSENT_PROOFS);
        return;
    }

    ngx_http_egov_stat_inc(NGX_EGOV_STAT_CONSENT_PROOFS_LOST);
}
