
/*
 * Counters shared by all workers of one server, in the "egov_stats" shared
 * memory zone.  The zone is found again on reload, so counts survive
 * "nginx -s reload" as limiter states do.
 */


#include "ngx_http_egov_module.h"


#define NGX_HTTP_EGOV_STATS_SIZE  (64 * 1024)


typedef struct {
    ngx_atomic_t                counter[NGX_EGOV_STAT_MAX];
    time_t                      started;     /* nginx started counting */
} ngx_http_egov_stats_shm_t;


static ngx_int_t ngx_http_egov_stats_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);


static ngx_http_egov_stats_shm_t  *ngx_http_egov_stats;

/* names follow Prometheus conventions; order matches ngx_egov_stat_e */
static ngx_egov_stat_info_t  ngx_http_egov_stat_infos[NGX_EGOV_STAT_MAX] = {
    { ngx_string("responses_total"),
      ngx_string("Responses seen by the module's header filter") },
    { ngx_string("security_headers_set_total"),
      ngx_string("Security headers written into responses") },
    { ngx_string("leaky_headers_removed_total"),
      ngx_string("Headers removed because they reveal software versions") },
    { ngx_string("header_values_refused_total"),
      ngx_string("Header values refused at run time (control characters)") },
    { ngx_string("csp_nonces_total"),
      ngx_string("Content-Security-Policy nonces generated") },
    { ngx_string("allowlisted_total"),
      ngx_string("Requests from allowlisted addresses, let through") },
    { ngx_string("refused_blocklist_total"),
      ngx_string("Requests refused: address on a block list") },
    { ngx_string("refused_dynamic_total"),
      ngx_string("Requests refused: address on a dynamic block-list entry") },
    { ngx_string("refused_ban_total"),
      ngx_string("Requests refused: address banned") },
    { ngx_string("refused_signature_total"),
      ngx_string("Requests refused: scanner or probe signature") },
    { ngx_string("refused_limit_total"),
      ngx_string("Requests refused: over a rate limit") },
    { ngx_string("refused_unavailable_total"),
      ngx_string("Requests refused: fleet limit unknown (on_redis_error)") },
    { ngx_string("delayed_limit_total"),
      ngx_string("Requests delayed by a rate limit") },
    { ngx_string("dry_run_total"),
      ngx_string("Requests a dry-run rule would have refused or delayed") },
    { ngx_string("bans_total"),
      ngx_string("Bans made after repeated violations") },
    { ngx_string("ban_zone_full_total"),
      ngx_string("Bans or entries not recorded: ban zone full") },
    { ngx_string("limit_evictions_total"),
      ngx_string("Rate limiter keys evicted to make room") },
    { ngx_string("consent_banners_total"),
      ngx_string("Consent banners shown") },
    { ngx_string("consent_accept_total"),
      ngx_string("Consent decisions: accept all") },
    { ngx_string("consent_reject_total"),
      ngx_string("Consent decisions: reject optional cookies") },
    { ngx_string("consent_choose_total"),
      ngx_string("Consent decisions: categories chosen one by one") },
    { ngx_string("cookies_held_back_total"),
      ngx_string("Set-Cookie headers held back for lack of consent") },
    { ngx_string("cookies_expired_total"),
      ngx_string("Cookies of refused categories expired on withdrawal") },
    { ngx_string("consent_proofs_total"),
      ngx_string("Proof-of-consent records Redis took") },
    { ngx_string("consent_proofs_lost_total"),
      ngx_string("Proof-of-consent records Redis did not take") },

    { ngx_string("redis_commands_total"),
      ngx_string("Commands sent to Redis") },
    { ngx_string("redis_replies_total"),
      ngx_string("Replies received from Redis, error replies included") },
    { ngx_string("redis_errors_total"),
      ngx_string("Redis error replies and commands lost with a connection") },
    { ngx_string("redis_timeouts_total"),
      ngx_string("Redis commands not answered within their timeout") },
    { ngx_string("redis_rejected_total"),
      ngx_string("Redis commands refused at once (circuit open, no link)") },
    { ngx_string("redis_reconnects_total"),
      ngx_string("Attempts to connect to Redis again after a failure") },
    { ngx_string("redis_circuit_opens_total"),
      ngx_string("Times the Redis circuit breaker opened") },
    { ngx_string("redis_messages_total"),
      ngx_string("Pub/sub messages received from Redis") },
    { ngx_string("redis_failovers_total"),
      ngx_string("Redis master changes followed through Sentinel") },
    { ngx_string("fleet_entries_sent_total"),
      ngx_string("Ban and block-list entry changes sent to the fleet") },
    { ngx_string("fleet_entries_applied_total"),
      ngx_string("Ban and block-list entry changes of the fleet applied") },
    { ngx_string("fleet_entries_invalid_total"),
      ngx_string("Malformed fleet messages and shared entries ignored") },
    { ngx_string("fleet_limit_synced_total"),
      ngx_string("Fleet limiter key counts sent to Redis") },
    { ngx_string("fleet_limit_others_total"),
      ngx_string("Requests other servers accepted, learnt from Redis") },
    { ngx_string("anon_addresses_total"),
      ngx_string("Client addresses anonymized (computed, not cached)") },
    { ngx_string("anon_queries_total"),
      ngx_string("Query strings redacted for logs") },
    { ngx_string("anon_error_lines_total"),
      ngx_string("Error log lines written without the client's data") },
    { ngx_string("fleet_limit_strict_total"),
      ngx_string("Strict fleet limit checks answered by Redis") },
    { ngx_string("fleet_limit_fallbacks_total"),
      ngx_string("Strict fleet limit checks decided by on_redis_error") },
    { ngx_string("fleet_limit_over_sent_total"),
      ngx_string("Keys over a fleet limit, published to the fleet") },
    { ngx_string("fleet_limit_over_applied_total"),
      ngx_string("Keys over a fleet limit, learnt from the fleet") },
    { ngx_string("fleet_limit_held_total"),
      ngx_string("Strict fleet limit refusals repeated without asking "
                 "Redis") },
    { ngx_string("regex_limits_total"),
      ngx_string("Signature or cookie pattern matches that reached PCRE2's "
                 "match or depth limit") },
    { ngx_string("admin_auth_failed_total"),
      ngx_string("Admin API requests without a valid bearer token") },
    { ngx_string("admin_auth_refused_total"),
      ngx_string("Admin API requests refused: too many failed tokens from "
                 "the address") },
    { ngx_string("bans_evicted_total"),
      ngx_string("Automatic bans evicted from a full ban zone to make room") },
    { ngx_string("bans_aggregated_total"),
      ngx_string("IPv6 /48 bans made from many /64 bans in them") },
    { ngx_string("fleet_forged_total"),
      ngx_string("Fleet messages, entries and keys from Redis dropped: not "
                 "made with the fleet secret") },
    { ngx_string("fleet_stale_total"),
      ngx_string("Signed fleet messages dropped: older or newer than the "
                 "replay window") },
    { ngx_string("redis_replies_too_large_total"),
      ngx_string("Redis links closed for a reply larger than max_reply") },
    { ngx_string("consent_markup_inert_total"),
      ngx_string("Marked scripts and embeds served inert (no consent)") },
    { ngx_string("consent_markup_active_total"),
      ngx_string("Marked scripts and embeds activated (consent given)") },
    { ngx_string("challenges_shown_total"),
      ngx_string("Proof-of-work challenge pages sent instead of a refusal") },
    { ngx_string("challenges_solved_total"),
      ngx_string("Challenges answered right: a pass cookie given") },
    { ngx_string("challenges_failed_total"),
      ngx_string("Challenge answers refused: wrong, late, forged or from "
                 "another network") },
    { ngx_string("challenge_passed_total"),
      ngx_string("Requests let through a limit or a challenge by a valid "
                 "pass") },
    { ngx_string("redis_replies_unexpected_total"),
      ngx_string("Redis links closed for a reply no command waits for, or "
                 "a pub/sub reply not shaped as Redis sends them") },
};


ngx_int_t
ngx_http_egov_stats_init_conf(ngx_conf_t *cf)
{
    ngx_str_t        name = ngx_string("egov_stats");
    ngx_shm_zone_t  *shm_zone;

    shm_zone = ngx_shared_memory_add(cf, &name, NGX_HTTP_EGOV_STATS_SIZE,
                                     &ngx_http_egov_module);
    if (shm_zone == NULL) {
        return NGX_ERROR;
    }

    shm_zone->init = ngx_http_egov_stats_init_zone;

    return NGX_OK;
}


static ngx_int_t
ngx_http_egov_stats_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_slab_pool_t  *shpool;

    if (data) {
        shm_zone->data = data;
        ngx_http_egov_stats = data;
        return NGX_OK;
    }

    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (shm_zone->shm.exists) {
        shm_zone->data = shpool->data;
        ngx_http_egov_stats = shpool->data;
        return NGX_OK;
    }

    ngx_http_egov_stats = ngx_slab_calloc(shpool,
                                          sizeof(ngx_http_egov_stats_shm_t));
    if (ngx_http_egov_stats == NULL) {
        return NGX_ERROR;
    }

    ngx_http_egov_stats->started = ngx_time();

    shpool->data = ngx_http_egov_stats;
    shm_zone->data = ngx_http_egov_stats;

    return NGX_OK;
}


/* when the counters began: nginx's start, kept across reloads */

time_t
ngx_http_egov_stats_started(void)
{
    return ngx_http_egov_stats ? ngx_http_egov_stats->started : 0;
}


void
ngx_http_egov_stat_add(ngx_egov_stat_e stat, ngx_atomic_int_t n)
{
    if (ngx_http_egov_stats == NULL || stat >= NGX_EGOV_STAT_MAX) {
        return;
    }

    (void) ngx_atomic_fetch_add(&ngx_http_egov_stats->counter[stat], n);
}


ngx_atomic_uint_t
ngx_http_egov_stat_get(ngx_egov_stat_e stat)
{
    if (ngx_http_egov_stats == NULL || stat >= NGX_EGOV_STAT_MAX) {
        return 0;
    }

    return ngx_http_egov_stats->counter[stat];
}


ngx_egov_stat_info_t *
ngx_http_egov_stat_info(ngx_egov_stat_e stat)
{
    if (stat >= NGX_EGOV_STAT_MAX) {
        return NULL;
    }

    return &ngx_http_egov_stat_infos[stat];
}
