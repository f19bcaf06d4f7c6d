
/*
 * egov_status: what the module is doing, for people and for monitoring.
 * JSON by default; the Prometheus text format with ?format=prometheus or
 * "Accept: text/plain; version=0.0.4"; a bilingual HTML page with
 * ?format=html.  Counters are shared by all workers (egov_stats zone);
 * limit zones, bans and the Redis connection are read as they are now.
 */


#include "ngx_http_egov_limit.h"
#include "ngx_egov_redis.h"
#include "ngx_egov_lang.h"


#define NGX_HTTP_EGOV_STATUS_JSON        0
#define NGX_HTTP_EGOV_STATUS_PROMETHEUS  1
#define NGX_HTTP_EGOV_STATUS_HTML        2
#define NGX_HTTP_EGOV_STATUS_UNKNOWN     3   /* format= none of those */


typedef struct {
    ngx_flag_t                  enable;
} ngx_http_egov_status_loc_conf_t;


/* what the page shows, gathered once per request */
typedef struct {
    ngx_uint_t                  bans;
    ngx_uint_t                  blocks;
    ngx_egov_redis_info_t       redis;
    ngx_array_t                *zones;       /* limit zones */
} ngx_http_egov_status_t;


static ngx_int_t ngx_http_egov_status_handler(ngx_http_request_t *r);
static ngx_uint_t ngx_http_egov_status_format(ngx_http_request_t *r);
static ngx_int_t ngx_http_egov_status_gather(ngx_http_request_t *r,
    ngx_http_egov_status_t *st);
static ngx_int_t ngx_http_egov_status_json(ngx_http_request_t *r,
    ngx_http_egov_status_t *st, ngx_str_t *out);
static ngx_int_t ngx_http_egov_status_prometheus(ngx_http_request_t *r,
    ngx_http_egov_status_t *st, ngx_str_t *out);
static ngx_int_t ngx_http_egov_status_html(ngx_http_request_t *r,
    ngx_http_egov_status_t *st, ngx_str_t *out);
static ngx_uint_t ngx_http_egov_zone_use(ngx_http_egov_limit_zone_t *zone);
static ngx_atomic_uint_t ngx_http_egov_zone_refused(
    ngx_http_egov_limit_zone_t *zone);
static u_char *ngx_http_egov_label(u_char *p, ngx_str_t *value);
static size_t ngx_http_egov_utf8_len(u_char *p, u_char *end);
static ngx_uint_t ngx_http_egov_stat_family(ngx_egov_stat_info_t *info,
    const char *family, ngx_str_t *label);
static u_char *ngx_http_egov_refused_by(u_char *p, ngx_http_egov_status_t *st,
    ngx_uint_t stat, ngx_str_t *reason);
static char *ngx_http_egov_status(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static void *ngx_http_egov_status_create_loc_conf(ngx_conf_t *cf);


static ngx_command_t  ngx_http_egov_status_commands[] = {

    { ngx_string("egov_status"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_egov_status,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_egov_status_module_ctx = {
    NULL,                                  /* preconfiguration */
    NULL,                                  /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_egov_status_create_loc_conf,  /* create location configuration */
    NULL                                   /* merge location configuration */
};


ngx_module_t  ngx_http_egov_status_module = {
    NGX_MODULE_V1,
    &ngx_http_egov_status_module_ctx,      /* module context */
    ngx_http_egov_status_commands,         /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    NULL,                                  /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_str_t  ngx_http_egov_status_types[] = {
    ngx_string("application/json"),
    ngx_string("text/plain; version=0.0.4; charset=utf-8"),
    ngx_string("text/html; charset=utf-8")
};


/* the refusals the page groups by reason: counter, reason */

static struct {
    ngx_egov_stat_e             stat;
    char                       *reason;
    char                       *ar;
} ngx_http_egov_status_refusals[] = {
    { NGX_EGOV_STAT_REFUSED_BLOCKLIST, "block list", "قائمة الحظر" },
    { NGX_EGOV_STAT_REFUSED_DYNAMIC, "dynamic block-list entry",
      "حظر مضاف" },
    { NGX_EGOV_STAT_REFUSED_BAN, "ban", "حظر مؤقت" },
    { NGX_EGOV_STAT_REFUSED_SIGNATURE, "scanner or probe", "أداة فحص" },
    { NGX_EGOV_STAT_REFUSED_LIMIT, "rate limit", "تجاوز المعدل" },
    { NGX_EGOV_STAT_REFUSED_UNAVAILABLE, "fleet limit unknown",
      "حد غير معروف" },
    { 0, NULL, NULL }
};


static ngx_int_t
ngx_http_egov_status_handler(ngx_http_request_t *r)
{
    ngx_int_t                rc;
    ngx_str_t                body;
    ngx_uint_t               format;
    ngx_http_egov_status_t   st;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    format = ngx_http_egov_status_format(r);

    if (format == NGX_HTTP_EGOV_STATUS_UNKNOWN) {
        /* a typo must not look like an answer a monitor could read */
        ngx_str_set(&body, "{\"error\":\"format= is json, prometheus or "
                           "html\"}\n");
        return ngx_http_egov_send(r, NGX_HTTP_BAD_REQUEST,
                   &ngx_http_egov_status_types[NGX_HTTP_EGOV_STATUS_JSON],
                   &body);
    }

    if (ngx_http_egov_status_gather(r, &st) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    switch (format) {
    case NGX_HTTP_EGOV_STATUS_PROMETHEUS:
        rc = ngx_http_egov_status_prometheus(r, &st, &body);
        break;
    case NGX_HTTP_EGOV_STATUS_HTML:
        rc = ngx_http_egov_status_html(r, &st, &body);
        break;
    default:
        rc = ngx_http_egov_status_json(r, &st, &body);
    }

    if (rc != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_egov_send(r, NGX_HTTP_OK,
                              &ngx_http_egov_status_types[format], &body);
}


/* the JSON view, for the admin API's .../stats (egovctl stats) */

ngx_int_t
ngx_http_egov_status_json_body(ngx_http_request_t *r, ngx_str_t *out)
{
    ngx_http_egov_status_t  st;

    if (ngx_http_egov_status_gather(r, &st) != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_http_egov_status_json(r, &st, out);
}


static ngx_uint_t
ngx_http_egov_status_format(ngx_http_request_t *r)
{
    ngx_str_t         value;
    ngx_table_elt_t  *h;

    if (ngx_http_arg(r, (u_char *) "format", 6, &value) == NGX_OK) {
        if (value.len == 10
            && ngx_strncmp(value.data, "prometheus", 10) == 0)
        {
            return NGX_HTTP_EGOV_STATUS_PROMETHEUS;
        }

        if (value.len == 4 && ngx_strncmp(value.data, "html", 4) == 0) {
            return NGX_HTTP_EGOV_STATUS_HTML;
        }

        if (value.len == 4 && ngx_strncmp(value.data, "json", 4) == 0) {
            return NGX_HTTP_EGOV_STATUS_JSON;
        }

        return NGX_HTTP_EGOV_STATUS_UNKNOWN;
    }

    h = ngx_http_egov_header_in(r, (u_char *) "accept", 6);

    if (h && ngx_strlcasestrn(h->value.data, h->value.data + h->value.len,
                              (u_char *) "version=0.0.4", 13 - 1))
    {
        return NGX_HTTP_EGOV_STATUS_PROMETHEUS;
    }

    return NGX_HTTP_EGOV_STATUS_JSON;
}


static ngx_int_t
ngx_http_egov_status_gather(ngx_http_request_t *r, ngx_http_egov_status_t *st)
{
    ngx_http_egov_protect_main_conf_t  *pmcf;

    ngx_memzero(st, sizeof(ngx_http_egov_status_t));

    ngx_http_egov_entry_count(&st->bans, &st->blocks);

    ngx_egov_redis_info(&st->redis);

    pmcf = ngx_http_get_module_main_conf(r, ngx_http_egov_protect_module);
    st->zones = &pmcf->zones;

    return NGX_OK;
}


/* percent of a zone's pages in use */

static ngx_uint_t
ngx_http_egov_zone_use(ngx_http_egov_limit_zone_t *zone)
{
    ngx_uint_t  pages, used;

    if (zone->shpool == NULL) {
        return 0;
    }

    pages = (zone->shpool->end - (u_char *) zone->shpool) / ngx_pagesize;

    if (pages == 0) {
        return 0;
    }

    used = pages - ngx_min(zone->shpool->pfree, pages);

    return used * 100 / pages;
}


/* the requests a zone refused, since nginx started */

static ngx_atomic_uint_t
ngx_http_egov_zone_refused(ngx_http_egov_limit_zone_t *zone)
{
    return zone->sh ? zone->sh->refused : 0;
}


static ngx_int_t
ngx_http_egov_status_json(ngx_http_request_t *r, ngx_http_egov_status_t *st,
    ngx_str_t *out)
{
    u_char                       *p;
    size_t                        len;
    ngx_uint_t                    i;
    ngx_egov_stat_info_t         *info;
    ngx_http_egov_limit_zone_t  **zone;

    zone = st->zones->elts;

    len = sizeof("{\"version\":\"\",\"nginx\":\"\",\"host\":\"\","
                 "\"started\":,\"time\":,\"counters\":{},"
                 "\"limit_zones\":[],\"bans\":{\"active\":,"
                 "\"blocked\":},\"redis\":{\"state\":\"\",\"master\":\"\","
                 "\"rtt_ms\":.000,\"since\":,\"error\":\"\"}}")
          + sizeof(NGX_HTTP_EGOV_VERSION) + sizeof(NGINX_VERSION)
          + ngx_cycle->hostname.len * 6 + 10 * NGX_INT64_LEN
          + st->redis.master.len + st->redis.error.len * 6;

    for (i = 0; i < NGX_EGOV_STAT_MAX; i++) {
        len += ngx_http_egov_stat_info(i)->name.len + 4 + NGX_ATOMIC_T_LEN;
    }

    for (i = 0; i < st->zones->nelts; i++) {
        len += zone[i]->name.len + 112 + 4 * NGX_INT64_LEN;
    }

    out->data = ngx_pnalloc(r->pool, len);
    if (out->data == NULL) {
        return NGX_ERROR;
    }

    p = ngx_sprintf(out->data, "{\"version\":\"%s\",\"nginx\":\"%s\","
                    "\"host\":\"", NGX_HTTP_EGOV_VERSION, NGINX_VERSION);
    p = (u_char *) ngx_escape_json(p, ngx_cycle->hostname.data,
                                   ngx_cycle->hostname.len);
    p = ngx_sprintf(p, "\",\"started\":%T,\"time\":%T,\"counters\":{",
                    ngx_http_egov_stats_started(), ngx_time());

    for (i = 0; i < NGX_EGOV_STAT_MAX; i++) {
        info = ngx_http_egov_stat_info(i);
        p = ngx_sprintf(p, "%s\"%V\":%uA", i ? "," : "", &info->name,
                        ngx_http_egov_stat_get(i));
    }

    p = ngx_cpymem(p, "},\"limit_zones\":[", sizeof("},\"limit_zones\":[")
                                            - 1);

    for (i = 0; i < st->zones->nelts; i++) {
        p = ngx_sprintf(p, "%s{\"name\":\"%V\",\"rate\":%ui,\"per\":%ui,"
                        "\"scope\":\"%s\",\"use_percent\":%ui,"
                        "\"refused\":%uA}",
                        i ? "," : "", &zone[i]->name, zone[i]->rate,
                        zone[i]->period,
                        zone[i]->strict ? "fleet-strict"
                        : zone[i]->fleet ? "fleet" : "local",
                        ngx_http_egov_zone_use(zone[i]),
                        ngx_http_egov_zone_refused(zone[i]));
    }

    p = ngx_sprintf(p, "],\"bans\":{\"active\":%ui,\"blocked\":%ui},",
                    st->bans, st->blocks);

    /* without egov_redis there is nothing to know: null */

    if (st->redis.state == NGX_EGOV_REDIS_STATE_OFF) {
        p = ngx_cpymem(p, "\"redis\":null}", sizeof("\"redis\":null}") - 1);

    } else {
        p = ngx_sprintf(p, "\"redis\":{\"state\":\"%s\",\"master\":\"%V\","
                        "\"rtt_ms\":%ui.%03ui,\"since\":%T,\"error\":\"",
                        ngx_egov_redis_state_text(st->redis.state),
                        &st->redis.master, st->redis.rtt_us / 1000,
                        st->redis.rtt_us % 1000, st->redis.since);

        p = (u_char *) ngx_escape_json(p, st->redis.error.data,
                                       st->redis.error.len);
        p = ngx_cpymem(p, "\"}}", 3);
    }

    out->len = p - out->data;

    return NGX_OK;
}


/*
 * The text exposition format 0.0.4: for each family, HELP and TYPE once,
 * then its samples; names egov_*, counters ending in _total.
 */

static ngx_int_t
ngx_http_egov_status_prometheus(ngx_http_request_t *r,
    ngx_http_egov_status_t *st, ngx_str_t *out)
{
    u_char                       *p;
    size_t                        len;
    ngx_str_t                     label;
    ngx_uint_t                    i;
    ngx_egov_stat_info_t         *info;
    ngx_http_egov_limit_zone_t  **zone;

    zone = st->zones->elts;

    len = 4096 + sizeof(NGINX_VERSION)
          + NGX_HTTP_EGOV_LABELS_MAX * (2 * 64 + 96 + NGX_ATOMIC_T_LEN);

    for (i = 0; i < NGX_EGOV_STAT_MAX; i++) {
        info = ngx_http_egov_stat_info(i);
        len += 3 * info->name.len + info->help.len + 64 + NGX_ATOMIC_T_LEN;
    }

    for (i = 0; i < st->zones->nelts; i++) {
        len += 6 * zone[i]->name.len + 192 + 3 * NGX_ATOMIC_T_LEN;
    }

    out->data = ngx_pnalloc(r->pool, len);
    if (out->data == NULL) {
        return NGX_ERROR;
    }

    p = out->data;

    p = ngx_sprintf(p, "# HELP egov_build_info The module's and nginx's "
                    "versions\n# TYPE egov_build_info gauge\n"
                    "egov_build_info{version=\"%s\",nginx_version=\"%s\"} 1\n"
                    "# HELP egov_start_time_seconds When nginx started "
                    "counting (Unix time; kept across reloads)\n"
                    "# TYPE egov_start_time_seconds gauge\n"
                    "egov_start_time_seconds %T\n",
                    NGX_HTTP_EGOV_VERSION, NGINX_VERSION,
                    ngx_http_egov_stats_started());

    /*
     * Refusals by reason and consent decisions by kind are one family
     * each, with a label, as Prometheus users sum and graph them; the
     * other counters are one sample each
     */

    p = ngx_sprintf(p, "# HELP egov_requests_refused_total Requests "
                    "refused, by reason\n"
                    "# TYPE egov_requests_refused_total counter\n");

    for (i = 0; i < NGX_EGOV_STAT_MAX; i++) {
        info = ngx_http_egov_stat_info(i);

        if (!ngx_http_egov_stat_family(info, "refused_", &label)) {
            continue;
        }

        /* by the list, the signature, the zone that refused, when known */

        p = ngx_http_egov_refused_by(p, st, i, &label);
    }

    p = ngx_sprintf(p, "# HELP egov_consent_decisions_total Consent "
                    "decisions, by decision\n"
                    "# TYPE egov_consent_decisions_total counter\n");

    for (i = 0; i < NGX_EGOV_STAT_MAX; i++) {
        info = ngx_http_egov_stat_info(i);

        if (i == NGX_EGOV_STAT_CONSENT_ACCEPT
            || i == NGX_EGOV_STAT_CONSENT_REJECT
            || i == NGX_EGOV_STAT_CONSENT_CHOOSE)
        {
            (void) ngx_http_egov_stat_family(info, "consent_", &label);
            p = ngx_sprintf(p, "egov_consent_decisions_total{decision="
                            "\"%V\"} %uA\n", &label,
                            ngx_http_egov_stat_get(i));
        }
    }

    for (i = 0; i < NGX_EGOV_STAT_MAX; i++) {
        info = ngx_http_egov_stat_info(i);

        if (ngx_http_egov_stat_family(info, "refused_", &label)
            || i == NGX_EGOV_STAT_CONSENT_ACCEPT
            || i == NGX_EGOV_STAT_CONSENT_REJECT
            || i == NGX_EGOV_STAT_CONSENT_CHOOSE)
        {
            continue;
        }

        p = ngx_sprintf(p, "# HELP egov_%V %V\n# TYPE egov_%V counter\n"
                        "egov_%V %uA\n", &info->name, &info->help,
                        &info->name, &info->name, ngx_http_egov_stat_get(i));
    }

    p = ngx_sprintf(p, "# HELP egov_bans_active Addresses banned now\n"
                    "# TYPE egov_bans_active gauge\n"
                    "egov_bans_active %ui\n"
                    "# HELP egov_blocked_active Dynamic block-list entries "
                    "now\n"
                    "# TYPE egov_blocked_active gauge\n"
                    "egov_blocked_active %ui\n",
                    st->bans, st->blocks);

    if (st->zones->nelts) {
        p = ngx_sprintf(p, "# HELP egov_limit_zone_use_ratio Share of a "
                        "limit zone's memory in use\n"
                        "# TYPE egov_limit_zone_use_ratio gauge\n");

        for (i = 0; i < st->zones->nelts; i++) {
            p = ngx_cpymem(p, "egov_limit_zone_use_ratio{zone=\"",
                           sizeof("egov_limit_zone_use_ratio{zone=\"") - 1);
            p = ngx_http_egov_label(p, &zone[i]->name);
            p = ngx_sprintf(p, "\"} %ui.%02ui\n",
                            ngx_http_egov_zone_use(zone[i]) / 100,
                            ngx_http_egov_zone_use(zone[i]) % 100);
        }

        p = ngx_sprintf(p, "# HELP egov_limit_refused_total Requests a "
                        "limit zone refused\n"
                        "# TYPE egov_limit_refused_total counter\n");

        for (i = 0; i < st->zones->nelts; i++) {
            p = ngx_cpymem(p, "egov_limit_refused_total{zone=\"",
                           sizeof("egov_limit_refused_total{zone=\"") - 1);
            p = ngx_http_egov_label(p, &zone[i]->name);
            p = ngx_sprintf(p, "\"} %uA\n",
                            ngx_http_egov_zone_refused(zone[i]));
        }
    }

    if (ngx_http_egov_consent_key_state() >= 0) {
        p = ngx_sprintf(p, "# HELP egov_consent_key_from_file Whether the "
                        "consent key is read from egov_consent_key (1) or "
                        "was made at start (0: choices do not survive a "
                        "restart nor cross a fleet)\n"
                        "# TYPE egov_consent_key_from_file gauge\n"
                        "egov_consent_key_from_file %i\n",
                        ngx_http_egov_consent_key_state());
    }

    if (st->redis.state != NGX_EGOV_REDIS_STATE_OFF) {
        p = ngx_sprintf(p, "# HELP egov_redis_up Whether Redis is usable "
                        "(1) or not (0)\n"
                        "# TYPE egov_redis_up gauge\n"
                        "egov_redis_up %d\n"
                        "# HELP egov_redis_rtt_seconds The last round trip "
                        "to Redis\n"
                        "# TYPE egov_redis_rtt_seconds gauge\n"
                        "egov_redis_rtt_seconds %ui.%06ui\n",
                        st->redis.state == NGX_EGOV_REDIS_STATE_UP,
                        st->redis.rtt_us / 1000000,
                        st->redis.rtt_us % 1000000);
    }

    out->len = p - out->data;

    return NGX_OK;
}


/* for people: bilingual, readable at a glance, no script, no style file */

static ngx_int_t
ngx_http_egov_status_html(ngx_http_request_t *r, ngx_http_egov_status_t *st,
    ngx_str_t *out)
{
    u_char                       *p;
    size_t                        len;
    ngx_str_t                     nonce;
    ngx_uint_t                    i, refused;
    ngx_http_egov_limit_zone_t  **zone;

    zone = st->zones->elts;

    len = 8192 + st->zones->nelts * 256 + st->redis.master.len
          + st->redis.error.len * 6 + ngx_http_egov_status_charts_len();

    for (i = 0; i < st->zones->nelts; i++) {
        len += zone[i]->name.len * 6;
    }

    out->data = ngx_pnalloc(r->pool, len);
    if (out->data == NULL) {
        return NGX_ERROR;
    }

    /* with egov_security_headers, the CSP allows this nonce's style */
    if (ngx_http_egov_csp_nonce(r, &nonce) != NGX_OK) {
        nonce.len = 0;
    }

    refused = 0;

    for (i = 0; ngx_http_egov_status_refusals[i].reason; i++) {
        refused += ngx_http_egov_stat_get(
                                     ngx_http_egov_status_refusals[i].stat);
    }

    p = ngx_sprintf(out->data,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
        "<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, "
        "initial-scale=1\">\n"
        "<title>ngx_egov_module status</title>\n"
        "<style%s%V%s>body{font:1rem/1.5 system-ui,Tahoma,sans-serif;"
        "margin:1rem auto;max-width:60rem;padding:0 1rem;color:#1b1f24}"
        "table{border-collapse:collapse;margin:0 0 1.5rem;width:100%%}"
        "th,td{border:1px solid #8a8f98;padding:.3rem .6rem;"
        "text-align:start}th{background:#eef0f3}"
        "td.n{text-align:end;font-variant-numeric:tabular-nums}"
        "[lang=ar]{font-family:\"Noto Naskh Arabic\",Tahoma,sans-serif}"
        ".charts{display:flex;flex-wrap:wrap;gap:1rem 2rem}"
        "figure{margin:0 0 1rem}figcaption{font-size:.9rem}"
        "</style>\n</head>\n<body>\n<main>\n"
        "<h1>ngx_egov_module status <span lang=\"ar\" dir=\"rtl\">"
        "— حالة الوحدة</span></h1>\n"
        "<p>Version %s. Counters since the server started; all workers.</p>\n"
        "<h2>Totals <span lang=\"ar\" dir=\"rtl\">— الإجماليات</span></h2>\n"
        "<table>\n<tr><th scope=\"col\">What</th>"
        "<th scope=\"col\" lang=\"ar\" dir=\"rtl\">البند</th>"
        "<th scope=\"col\">Count</th></tr>\n"
        "<tr><td>Responses</td><td lang=\"ar\" dir=\"rtl\">الاستجابات</td>"
        "<td class=\"n\">%uA</td></tr>\n"
        "<tr><td>Requests refused</td><td lang=\"ar\" dir=\"rtl\">"
        "الطلبات المرفوضة</td><td class=\"n\">%ui</td></tr>\n"
        "<tr><td>Bans active</td><td lang=\"ar\" dir=\"rtl\">"
        "الحظر الساري</td><td class=\"n\">%ui</td></tr>\n"
        "<tr><td>Dynamic block-list entries</td><td lang=\"ar\" "
        "dir=\"rtl\">إدخالات الحظر المضافة</td><td class=\"n\">%ui</td>"
        "</tr>\n"
        "<tr><td>Consent banners shown</td><td lang=\"ar\" dir=\"rtl\">"
        "مرات عرض شريط الموافقة</td><td class=\"n\">%uA</td></tr>\n"
        "<tr><td>Cookies held back</td><td lang=\"ar\" dir=\"rtl\">"
        "ملفات تعريف الارتباط المحجوبة</td><td class=\"n\">%uA</td></tr>\n"
        "</table>\n"
        "<h2>Refusals by reason <span lang=\"ar\" dir=\"rtl\">— أسباب "
        "الرفض</span></h2>\n"
        "<table>\n<tr><th scope=\"col\">Reason</th>"
        "<th scope=\"col\" lang=\"ar\" dir=\"rtl\">السبب</th>"
        "<th scope=\"col\">Requests</th></tr>\n",
        nonce.len ? " nonce=\"" : "", &nonce, nonce.len ? "\"" : "",
        NGX_HTTP_EGOV_VERSION,
        ngx_http_egov_stat_get(NGX_EGOV_STAT_RESPONSES), refused,
        st->bans, st->blocks,
        ngx_http_egov_stat_get(NGX_EGOV_STAT_CONSENT_BANNERS),
        ngx_http_egov_stat_get(NGX_EGOV_STAT_CONSENT_HELD_BACK));

    for (i = 0; ngx_http_egov_status_refusals[i].reason; i++) {
        p = ngx_sprintf(p, "<tr><td>%s</td><td lang=\"ar\" dir=\"rtl\">%s"
                        "</td><td class=\"n\">%uA</td></tr>\n",
                        ngx_http_egov_status_refusals[i].reason,
                        ngx_http_egov_status_refusals[i].ar,
                        ngx_http_egov_stat_get(
                                     ngx_http_egov_status_refusals[i].stat));
    }

    p = ngx_cpymem(p, "</table>\n", sizeof("</table>\n") - 1);
    p = ngx_http_egov_status_charts(p);

    p = ngx_sprintf(p, "<h2>Rate limit zones <span lang=\"ar\" "
                    "dir=\"rtl\">— مناطق تحديد المعدل</span></h2>\n"
                    "<table>\n<tr><th scope=\"col\">Zone</th>"
                    "<th scope=\"col\">Rate</th><th scope=\"col\">Scope</th>"
                    "<th scope=\"col\">Memory used</th></tr>\n");

    for (i = 0; i < st->zones->nelts; i++) {
        p = ngx_sprintf(p, "<tr><td>");
        p = (u_char *) ngx_escape_html(p, zone[i]->name.data,
                                       zone[i]->name.len);
        p = ngx_sprintf(p, "</td><td class=\"n\">%ui r/%s</td><td>%s</td>"
                        "<td class=\"n\">%ui%%</td></tr>\n",
                        zone[i]->rate,
                        zone[i]->period == 1 ? "s"
                        : zone[i]->period == 60 ? "m" : "h",
                        zone[i]->strict ? "fleet, strict"
                        : zone[i]->fleet ? "fleet" : "this server",
                        ngx_http_egov_zone_use(zone[i]));
    }

    p = ngx_sprintf(p, "</table>\n<h2>Redis <span lang=\"ar\" dir=\"rtl\">"
                    "— Redis</span></h2>\n<table>\n"
                    "<tr><th scope=\"row\">State</th><td>%s</td></tr>\n"
                    "<tr><th scope=\"row\">Master</th><td>",
                    ngx_egov_redis_state_text(st->redis.state));

    p = (u_char *) ngx_escape_html(p, st->redis.master.data,
                                   st->redis.master.len);

    p = ngx_sprintf(p, "</td></tr>\n<tr><th scope=\"row\">Round trip</th>"
                    "<td class=\"n\">%ui.%03ui ms</td></tr>\n"
                    "<tr><th scope=\"row\">Last error</th><td>",
                    st->redis.rtt_us / 1000, st->redis.rtt_us % 1000);

    p = (u_char *) ngx_escape_html(p, st->redis.error.data,
                                   st->redis.error.len);

    p = ngx_sprintf(p, "</td></tr>\n</table>\n<p>Machine-readable: "
                    "<a href=\"?format=json\">JSON</a>, "
                    "<a href=\"?format=prometheus\">Prometheus</a>.</p>\n"
                    "</main>\n</body>\n</html>\n");

    out->len = p - out->data;

    return NGX_OK;
}


static char *
ngx_http_egov_status(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_egov_status_loc_conf_t *slcf = conf;

    ngx_http_core_loc_conf_t  *clcf;

    if (slcf->enable) {
        return "is duplicate";
    }

    slcf->enable = 1;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_egov_status_handler;

    return NGX_CONF_OK;
}


static void *
ngx_http_egov_status_create_loc_conf(ngx_conf_t *cf)
{
    return ngx_pcalloc(cf->pool, sizeof(ngx_http_egov_status_loc_conf_t));
}


/*
 * A counter of a family: "refused_limit_total" is the family "refused_"'s
 * sample "limit"
 */

static ngx_uint_t
ngx_http_egov_stat_family(ngx_egov_stat_info_t *info, const char *family,
    ngx_str_t *label)
{
    size_t  n;

    n = ngx_strlen(family);

    if (info->name.len <= n + sizeof("_total") - 1
        || ngx_strncmp(info->name.data, family, n) != 0
        || ngx_strncmp(info->name.data + info->name.len - 6, "_total", 6)
           != 0)
    {
        return 0;
    }

    label->data = info->name.data + n;
    label->len = info->name.len - n - 6;

    return 1;
}


/*
 * The length of the UTF-8 character at "p", or 0 when none begins there:
 * no stray continuation, no overlong form, no surrogate, nothing beyond
 * U+10FFFF (nginx's ngx_utf8_decode() lets some through: a third review)
 */

static size_t
ngx_http_egov_utf8_len(u_char *p, u_char *end)
{
    size_t  i, n;
    u_char  c, lo, hi;

    c = p[0];
    lo = 0x80;
    hi = 0xbf;

    if (c < 0x80) {
        return 1;
    }

    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;

    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        lo = (c == 0xe0) ? 0xa0 : 0x80;
        hi = (c == 0xed) ? 0x9f : 0xbf;

    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        lo = (c == 0xf0) ? 0x90 : 0x80;
        hi = (c == 0xf4) ? 0x8f : 0xbf;

    } else {
        return 0;
    }

    if ((size_t) (end - p) < n || p[1] < lo || p[1] > hi) {
        return 0;
    }

    for (i = 2; i < n; i++) {
        if (p[i] < 0x80 || p[i] > 0xbf) {
            return 0;
        }
    }

    return n;
}


/*
 * a label value, escaped as the exposition format asks: \\, \", \n; and
 * UTF-8, as it must be: a byte that begins no character is "?" (one bad
 * byte made Prometheus refuse the whole scrape)
 */

static u_char *
ngx_http_egov_label(u_char *p, ngx_str_t *value)
{
    size_t   i, n;
    u_char  *end;

    end = value->data + value->len;

    for (i = 0; i < value->len; i++) {

        if (value->data[i] >= 0x80) {
            n = ngx_http_egov_utf8_len(value->data + i, end);

            if (n == 0) {
                *p++ = '?';
                continue;
            }

            p = ngx_cpymem(p, value->data + i, n);
            i += n - 1;
            continue;
        }

        switch (value->data[i]) {
        case '\\':
            *p++ = '\\';
            *p++ = '\\';
            break;
        case '"':
            *p++ = '\\';
            *p++ = '"';
            break;
        case '\n':
            *p++ = '\\';
            *p++ = 'n';
            break;
        default:
            *p++ = value->data[i];
        }
    }

    return p;
}


/*
 * A reason's samples: one per block list, signature or zone that refused
 * (their sum is the reason's total), and what no name accounts for (the
 * names beyond NGX_HTTP_EGOV_LABELS_MAX); a reason without names, one
 */

static u_char *
ngx_http_egov_refused_by(u_char *p, ngx_http_egov_status_t *st,
    ngx_uint_t stat, ngx_str_t *reason)
{
    ngx_str_t                     name;
    ngx_uint_t                    i, family, n;
    const char                   *key;
    ngx_atomic_uint_t             total, sum, count;
    ngx_http_egov_limit_zone_t  **zone;

    total = ngx_http_egov_stat_get(stat);
    sum = 0;
    n = 0;

    if (stat == NGX_EGOV_STAT_REFUSED_LIMIT) {
        zone = st->zones->elts;

        for (i = 0; i < st->zones->nelts; i++) {
            count = ngx_http_egov_zone_refused(zone[i]);
            p = ngx_sprintf(p, "egov_requests_refused_total{reason=\"%V\","
                            "zone=\"", reason);
            p = ngx_http_egov_label(p, &zone[i]->name);
            p = ngx_sprintf(p, "\"} %uA\n", count);
            sum += count;
            n++;
        }

    } else if (stat == NGX_EGOV_STAT_REFUSED_BLOCKLIST
               || stat == NGX_EGOV_STAT_REFUSED_SIGNATURE)
    {
        key = (stat == NGX_EGOV_STAT_REFUSED_BLOCKLIST) ? "list"
                                                         : "signature";

        for (i = 0; i < NGX_HTTP_EGOV_LABELS_MAX; i++) {
            if (ngx_http_egov_label_get(i, &family, &name, &count) != NGX_OK
                || family != ((stat == NGX_EGOV_STAT_REFUSED_BLOCKLIST)
                              ? NGX_HTTP_EGOV_LABEL_LIST
                              : NGX_HTTP_EGOV_LABEL_SIGNATURE))
            {
                continue;
            }

            p = ngx_sprintf(p, "egov_requests_refused_total{reason=\"%V\","
                            "%s=\"", reason, key);
            p = ngx_http_egov_label(p, &name);
            p = ngx_sprintf(p, "\"} %uA\n", count);
            sum += count;
            n++;
        }
    }

    if (n == 0 || total > sum) {
        p = ngx_sprintf(p, "egov_requests_refused_total{reason=\"%V\"} %uA\n",
                        reason, (n && total > sum) ? total - sum : total);
    }

    return p;
}
