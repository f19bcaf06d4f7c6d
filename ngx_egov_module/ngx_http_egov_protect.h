
/*
 * Edge protection: allowlist, block lists, bans, scanner signatures and
 * rate limits, checked in that order for each request; the first refusal
 * wins and an allowlisted address skips everything.
 *
 * The functions marked "API" are the way other features (the admin API,
 * the Redis fleet layer) read and change the protection state.
 */


#ifndef _NGX_HTTP_EGOV_PROTECT_H_INCLUDED_
#define _NGX_HTTP_EGOV_PROTECT_H_INCLUDED_


#include "ngx_http_egov_module.h"
#include "ngx_egov_cidr.h"


#define NGX_HTTP_EGOV_REASON_LEN      64
#define NGX_HTTP_EGOV_INCIDENT_LEN    10

/* what decided a request's fate, for $egov_block_reason and counters */
typedef enum {
    NGX_HTTP_EGOV_DECISION_NONE = 0,
    NGX_HTTP_EGOV_DECISION_ALLOWLIST,
    NGX_HTTP_EGOV_DECISION_BLOCKLIST,
    NGX_HTTP_EGOV_DECISION_DYNAMIC,
    NGX_HTTP_EGOV_DECISION_BAN,
    NGX_HTTP_EGOV_DECISION_SIGNATURE,
    NGX_HTTP_EGOV_DECISION_LIMIT,
    NGX_HTTP_EGOV_DECISION_CHALLENGE
} ngx_http_egov_decision_e;

/* $egov_limit_status, as nginx's $limit_req_status */
typedef enum {
    NGX_HTTP_EGOV_LIMIT_NONE = 0,
    NGX_HTTP_EGOV_LIMIT_PASSED,
    NGX_HTTP_EGOV_LIMIT_DELAYED,
    NGX_HTTP_EGOV_LIMIT_REJECTED,
    NGX_HTTP_EGOV_LIMIT_DELAYED_DRY_RUN,
    NGX_HTTP_EGOV_LIMIT_REJECTED_DRY_RUN
} ngx_http_egov_limit_status_e;

#define NGX_HTTP_EGOV_SIG_OFF      0
#define NGX_HTTP_EGOV_SIG_ON       1
#define NGX_HTTP_EGOV_SIG_DRY_RUN  2

/* entries of the ban zone */
#define NGX_HTTP_EGOV_ENTRY_BAN    1     /* temporary, from bans */
#define NGX_HTTP_EGOV_ENTRY_BLOCK  2     /* a dynamic block-list entry */

#define NGX_HTTP_EGOV_ORIGIN_ESCALATOR  1
#define NGX_HTTP_EGOV_ORIGIN_ADMIN      2
#define NGX_HTTP_EGOV_ORIGIN_FLEET      3


typedef struct ngx_http_egov_list_s       ngx_http_egov_list_t;
typedef struct ngx_http_egov_sigset_s     ngx_http_egov_sigset_t;
typedef struct ngx_http_egov_limit_zone_s ngx_http_egov_limit_zone_t;


typedef struct {
    ngx_http_egov_list_t       *list;
    ngx_str_t                   name;
    ngx_flag_t                  dry_run;
} ngx_http_egov_blocklist_t;


typedef struct {
    ngx_http_egov_limit_zone_t *zone;
    ngx_uint_t                  burst;
    ngx_uint_t                  delay;       /* requests without delay */
    ngx_uint_t                  methods;     /* 0: every method */
    ngx_flag_t                  dry_run;
    ngx_flag_t                  challenge;   /* action=challenge */
    ngx_str_t                   strict_interval; /* strict: the script's */
    ngx_str_t                   strict_tau;      /* arguments, as text */
} ngx_http_egov_limit_t;


typedef struct {
    ngx_uint_t                  after;
    ngx_msec_t                  within;
    ngx_msec_t                  duration;
    ngx_uint_t                  factor;      /* x1000 */
    ngx_msec_t                  max;
    ngx_flag_t                  challenge;   /* action=challenge */
    u_char                     *file;        /* where it is written */
    ngx_uint_t                  line;
} ngx_http_egov_ban_policy_t;


typedef struct ngx_http_egov_ban_on_s  ngx_http_egov_ban_on_t;


/* the address checks of one level: compared by pointer to skip repeats */
typedef struct {
    ngx_array_t                *blocklists;  /* ngx_http_egov_blocklist_t */
    ngx_array_t                *allowlists;  /* ngx_egov_ipset_t * */
    ngx_http_egov_sigset_t     *signatures;
} ngx_http_egov_rules_t;


typedef struct {
    ngx_http_egov_rules_t      *rules;

    /* what the directives of this level gave, then merged */
    ngx_array_t                *blocklists;
    ngx_array_t                *allowlists;
    ngx_array_t                *custom_signatures;
    ngx_uint_t                  signature_mode;

    ngx_array_t                *limits;      /* ngx_http_egov_limit_t */
    ngx_uint_t                  limit_status;
    ngx_flag_t                  limit_headers;
    ngx_uint_t                  log_level;
    ngx_http_egov_ban_policy_t *ban;
    ngx_http_egov_ban_on_t     *ban_on;      /* egov_ban_on */
    ngx_str_t                  *block_page;  /* NULL: built-in */
    ngx_str_t                  *limit_page;

    /* an egov_admin location: dynamic entries do not refuse it, outer
     * levels' limits do not apply (not inherited: set on the location) */
    ngx_flag_t                  admin;

    ngx_flag_t                  challenge;   /* egov_challenge on */
} ngx_http_egov_protect_loc_conf_t;


typedef struct {
    ngx_array_t                 lists;       /* ngx_http_egov_list_t * */
    ngx_array_t                 allowsets;   /* ngx_egov_ipset_t *, inline */
    ngx_array_t                 zones;       /* limit zones */
    ngx_array_t                 pending;     /* egov_limits before their
                                                zone: ..._limit_pending_t */
    ngx_shm_zone_t             *ban_zone;
    ngx_http_egov_sigset_t     *builtin;     /* compiled once */
    ngx_array_t                *sig_data;    /* egov_signatures_data,
                                                read once per directory */
    ngx_uint_t                  challenge_bits;  /* egov_challenge_... */
    time_t                      challenge_ttl;
    ngx_flag_t                  challenge_key_set;
    u_char                      challenge_key[32];
    ngx_egov_ipset_t           *challenge_networks; /* NULL: any */
    ngx_str_t                   over_channel; /* fleet limits' "over" */
} ngx_http_egov_protect_main_conf_t;


/* one entry of the ban zone, as the API hands it out */
typedef struct {
    ngx_egov_cidr_t             cidr;
    ngx_uint_t                  kind;
    ngx_uint_t                  origin;
    ngx_uint_t                  by_operator; /* a ban an operator made,
                                                here or elsewhere (with a
                                                fleet secret): never
                                                evicted */
    uint64_t                    created;     /* epoch ms */
    uint64_t                    expires;     /* epoch ms, 0: never */
    ngx_uint_t                  bans;        /* bans so far (escalation) */
    ngx_str_t                   reason;
    u_char                      reason_data[NGX_HTTP_EGOV_REASON_LEN];
} ngx_http_egov_entry_t;


typedef enum {
    NGX_HTTP_EGOV_ENTRY_ADDED = 1,
    NGX_HTTP_EGOV_ENTRY_REMOVED
} ngx_http_egov_entry_event_e;

/*
 * Called after a change made on this server, so that the fleet layer can
 * publish it, and after a removal learnt from the fleet (origin
 * NGX_HTTP_EGOV_ORIGIN_FLEET), so that it can remember it; not for an
 * entry learnt from the fleet.
 */
typedef void (*ngx_http_egov_entry_observer_pt)(
    ngx_http_egov_entry_event_e event, ngx_http_egov_entry_t *entry);


/* one address's status, for the admin API */
typedef struct {
    ngx_uint_t                  allowlisted;
    ngx_str_t                   listed;      /* block list name, or empty */
    ngx_uint_t                  blocked;     /* dynamic entry or ban */
    ngx_http_egov_entry_t       entry;
    ngx_uint_t                  violations;  /* in the current window */
} ngx_http_egov_addr_status_t;


extern ngx_module_t  ngx_http_egov_protect_module;


/* ngx_http_egov_protect.c */
uint64_t ngx_http_egov_now_ms(void);

/* ngx_http_egov_lists.c */
char *ngx_http_egov_blocklist(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_egov_allowlist(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
ngx_int_t ngx_http_egov_rules_merge(ngx_conf_t *cf,
    ngx_http_egov_protect_loc_conf_t *prev,
    ngx_http_egov_protect_loc_conf_t *conf);
ngx_uint_t ngx_http_egov_allowlisted(ngx_http_egov_rules_t *rules,
    ngx_egov_cidr_t *addr);
ngx_http_egov_blocklist_t *ngx_http_egov_blocklisted(
    ngx_http_egov_rules_t *rules, ngx_egov_cidr_t *addr);
ngx_int_t ngx_http_egov_lists_status(ngx_egov_cidr_t *addr,
    ngx_http_egov_addr_status_t *status);

/* ngx_http_egov_signatures.c */
char *ngx_http_egov_signatures(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
/* ngx_http_egov_lists.c: a list file's addresses, read once */
ngx_egov_ipset_t *ngx_http_egov_list_set(ngx_conf_t *cf, ngx_str_t *file);

char *ngx_http_egov_challenge_networks(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

/* ngx_http_egov_limit.c: a limit of these has action=challenge */
ngx_uint_t ngx_http_egov_limits_challenge(ngx_array_t *limits);

/* ngx_http_egov_challenge.c */
ngx_uint_t ngx_http_egov_challenge_passed(ngx_http_request_t *r);
ngx_int_t ngx_http_egov_challenge(ngx_http_request_t *r, ngx_uint_t status,
    ngx_msec_t retry_after, ngx_int_t *rc);
ngx_int_t ngx_http_egov_challenge_answer(ngx_http_request_t *r,
    ngx_int_t *rc);
char *ngx_http_egov_challenge_key(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_egov_challenge_difficulty(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
ngx_int_t ngx_http_egov_challenge_init_main(ngx_conf_t *cf,
    ngx_http_egov_protect_main_conf_t *pmcf);

/* ngx_http_egov_limit.c: "methods=GET,POST" of a directive */
ngx_int_t ngx_http_egov_methods_parse(ngx_conf_t *cf, ngx_str_t *value,
    const char *directive, ngx_uint_t *methods);

char *ngx_http_egov_signatures_data(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_egov_signature(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
ngx_http_egov_sigset_t *ngx_http_egov_sigset_compile(ngx_conf_t *cf,
    ngx_uint_t mode, ngx_array_t *custom);
ngx_str_t *ngx_http_egov_signatures_match(ngx_http_request_t *r,
    ngx_http_egov_sigset_t *set);
ngx_uint_t ngx_http_egov_sigset_dry_run(ngx_http_egov_sigset_t *set);

/* ngx_http_egov_limit.c */
char *ngx_http_egov_limit_zone(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_egov_limit(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
ngx_int_t ngx_http_egov_limits_check(ngx_http_request_t *r,
    ngx_array_t *limits, ngx_http_egov_limit_status_e *status,
    ngx_msec_t *delay, ngx_msec_t *retry_after,
    ngx_http_egov_limit_t **rejected);
ngx_int_t ngx_http_egov_limit_headers(ngx_http_request_t *r,
    ngx_http_egov_limit_t *rejected);
ngx_str_t *ngx_http_egov_limit_name(ngx_http_egov_limit_t *limit);

/* ngx_http_egov_limit_fleet.c: sync=strict limits, one round trip each */
#define NGX_HTTP_EGOV_STRICT_PASSED       0
#define NGX_HTTP_EGOV_STRICT_REFUSED      1
#define NGX_HTTP_EGOV_STRICT_UNAVAILABLE  2   /* Redis failed, "deny" */
#define NGX_HTTP_EGOV_STRICT_DRY_RUN      3   /* passed; a dry run refused */

ngx_int_t ngx_http_egov_limits_strict(ngx_http_request_t *r,
    ngx_array_t *limits, ngx_uint_t *result, ngx_msec_t *retry_after,
    ngx_http_egov_limit_t **rejected);

/* ngx_http_egov_bans.c */
char *ngx_http_egov_ban_zone(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_egov_ban(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
ngx_int_t ngx_http_egov_bans_find(ngx_egov_cidr_t *addr,
    ngx_http_egov_entry_t *found);
ngx_int_t ngx_http_egov_ban_threshold(ngx_str_t *arg, ngx_uint_t *after,
    ngx_msec_t *within);

/* ngx_http_egov_ban_on.c */
char *ngx_http_egov_ban_on(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
ngx_int_t ngx_http_egov_ban_on_merge(ngx_conf_t *cf,
    ngx_http_egov_protect_loc_conf_t *prev,
    ngx_http_egov_protect_loc_conf_t *conf);
ngx_int_t ngx_http_egov_ban_on_handler(ngx_http_request_t *r);
void ngx_http_egov_protect_ban(ngx_http_request_t *r,
    ngx_http_egov_ban_policy_t *policy, ngx_egov_cidr_t *addr,
    ngx_str_t *key);

ngx_int_t ngx_http_egov_bans_violation(ngx_log_t *log,
    ngx_http_egov_ban_policy_t *policy, ngx_egov_cidr_t *addr,
    ngx_str_t *key, ngx_http_egov_entry_t *banned);

/* API */
ngx_int_t ngx_http_egov_entry_add(ngx_log_t *log, ngx_http_egov_entry_t *e);
ngx_int_t ngx_http_egov_entry_remove(ngx_log_t *log, ngx_egov_cidr_t *cidr,
    ngx_uint_t kind, ngx_uint_t origin);
ngx_array_t *ngx_http_egov_entry_list(ngx_pool_t *pool, ngx_uint_t kind);
void ngx_http_egov_entry_count(ngx_uint_t *bans, ngx_uint_t *blocks);
ngx_uint_t ngx_http_egov_entry_changing(void);
ngx_int_t ngx_http_egov_entry_remove_older(ngx_log_t *log,
    ngx_egov_cidr_t *cidr, ngx_uint_t kind, uint64_t created,
    ngx_uint_t origin);
ngx_int_t ngx_http_egov_addr_status(ngx_egov_cidr_t *addr,
    ngx_http_egov_addr_status_t *status);
void ngx_http_egov_entry_set_observer(ngx_http_egov_entry_observer_pt obs);
ngx_uint_t ngx_http_egov_bans_configured(void);

/* ngx_http_egov_pages.c */
char *ngx_http_egov_page(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
ngx_int_t ngx_http_egov_refuse(ngx_http_request_t *r, ngx_uint_t status,
    ngx_str_t *custom, ngx_str_t *incident, ngx_msec_t retry_after);


#endif /* _NGX_HTTP_EGOV_PROTECT_H_INCLUDED_ */
