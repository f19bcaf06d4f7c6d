
/*
 * The status page's "last hour": small charts drawn on the server as SVG
 * (no script, nothing the page's CSP must allow), one bar a minute, from
 * the notes ngx_http_egov_history.c keeps.  Each chart has its caption in
 * both languages and a text alternative with its numbers.
 */


#include "ngx_http_egov_module.h"


#define NGX_HTTP_EGOV_CHART_W     240        /* 4 px a minute */
#define NGX_HTTP_EGOV_CHART_H     48

/* what one chart can take: 60 bars of at most ~80 bytes, and its texts */
#define NGX_HTTP_EGOV_CHART_LEN   (60 * 80 + 1024)


typedef struct {
    ngx_uint_t                  series;
    const char                 *en;
    const char                 *ar;
    const char                 *color;
} ngx_http_egov_chart_t;


static u_char *ngx_http_egov_chart_counter(u_char *p, ngx_uint_t n,
    ngx_http_egov_chart_t *chart, ngx_atomic_uint_t minute);
static u_char *ngx_http_egov_chart_redis(u_char *p, ngx_uint_t n,
    ngx_atomic_uint_t minute);


static ngx_http_egov_chart_t  ngx_http_egov_charts[] = {
    { NGX_HTTP_EGOV_HISTORY_REFUSED, "Requests refused, per minute",
      "الطلبات المرفوضة في الدقيقة", "#0b4f6c" },
    { NGX_HTTP_EGOV_HISTORY_BANS, "Bans made, per minute",
      "حالات الحظر في الدقيقة", "#7a3e00" },
    { NGX_HTTP_EGOV_HISTORY_DECISIONS, "Consent decisions, per minute",
      "قرارات الموافقة في الدقيقة", "#4b2e83" },
    { 0, NULL, NULL, NULL }
};


size_t
ngx_http_egov_status_charts_len(void)
{
    return 4 * NGX_HTTP_EGOV_CHART_LEN + 512;
}


u_char *
ngx_http_egov_status_charts(u_char *p)
{
    ngx_uint_t          i;
    ngx_atomic_uint_t   minute;

    minute = (ngx_atomic_uint_t) (ngx_time() / 60);

    p = ngx_sprintf(p, "<h2>The last hour <span lang=\"ar\" dir=\"rtl\">"
                    "— الساعة الأخيرة</span></h2>\n"
                    "<div class=\"charts\">\n");

    for (i = 0; ngx_http_egov_charts[i].en; i++) {
        p = ngx_http_egov_chart_counter(p, i, &ngx_http_egov_charts[i],
                                        minute);
    }

    p = ngx_http_egov_chart_redis(p, i, minute);

    return ngx_sprintf(p, "</div>\n");
}


/*
 * A counter's bars: what it grew by in each of the last 60 minutes (the
 * current one so far); a minute with no note on either side has no bar
 */

static u_char *
ngx_http_egov_chart_counter(u_char *p, ngx_uint_t n,
    ngx_http_egov_chart_t *chart, ngx_atomic_uint_t minute)
{
    uint64_t    a[NGX_HTTP_EGOV_HISTORY_SERIES], b[NGX_HTTP_EGOV_HISTORY_SERIES];
    uint64_t    v[NGX_HTTP_EGOV_HISTORY_MINUTES], max, total;
    ngx_int_t   ra, rb;
    ngx_uint_t  k, s, h;

    s = chart->series;
    max = 0;
    total = 0;

    for (k = 0; k < NGX_HTTP_EGOV_HISTORY_MINUTES; k++) {
        ra = ngx_http_egov_history_at(minute - 59 + k, a);

        if (k + 1 == NGX_HTTP_EGOV_HISTORY_MINUTES) {
            ngx_http_egov_history_now(b);
            rb = NGX_OK;

        } else {
            rb = ngx_http_egov_history_at(minute - 58 + k, b);
        }

        v[k] = (ra == NGX_OK && rb == NGX_OK && b[s] >= a[s])
               ? b[s] - a[s] : 0;

        total += v[k];

        if (v[k] > max) {
            max = v[k];
        }
    }

    p = ngx_sprintf(p, "<figure>\n<figcaption id=\"egov-chart-%ui\">%s "
                    "<span lang=\"ar\" dir=\"rtl\">— %s</span></figcaption>\n"
                    "<svg role=\"img\" aria-labelledby=\"egov-chart-%ui "
                    "egov-chart-%ui-d\" viewBox=\"0 0 %d %d\" width=\"%d\" "
                    "height=\"%d\">\n<desc id=\"egov-chart-%ui-d\">Last hour: "
                    "%uL in all, at most %uL in one minute.</desc>\n",
                    n, chart->en, chart->ar, n, n,
                    NGX_HTTP_EGOV_CHART_W, NGX_HTTP_EGOV_CHART_H + 2,
                    NGX_HTTP_EGOV_CHART_W, NGX_HTTP_EGOV_CHART_H + 2, n,
                    total, max);

    for (k = 0; k < NGX_HTTP_EGOV_HISTORY_MINUTES; k++) {
        if (v[k] == 0) {
            continue;
        }

        h = (ngx_uint_t) (v[k] * NGX_HTTP_EGOV_CHART_H / max);
        h = ngx_max(h, 1);

        p = ngx_sprintf(p, "<rect x=\"%ui\" y=\"%ui\" width=\"3\" "
                        "height=\"%ui\" fill=\"%s\"/>\n",
                        k * 4, NGX_HTTP_EGOV_CHART_H - h, h, chart->color);
    }

    return ngx_sprintf(p, "<line x1=\"0\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
                       "stroke=\"#5c6370\"/>\n</svg>\n</figure>\n",
                       NGX_HTTP_EGOV_CHART_H + 1, NGX_HTTP_EGOV_CHART_W,
                       NGX_HTTP_EGOV_CHART_H + 1);
}


/* Redis, a minute at a time: up (full bar), down (short red bar) */

static u_char *
ngx_http_egov_chart_redis(u_char *p, ngx_uint_t n, ngx_atomic_uint_t minute)
{
    uint64_t    a[NGX_HTTP_EGOV_HISTORY_SERIES];
    ngx_uint_t  k, up, down, h;

    up = 0;
    down = 0;

    p = ngx_sprintf(p, "<figure>\n<figcaption id=\"egov-chart-%ui\">Redis, "
                    "each minute <span lang=\"ar\" dir=\"rtl\">— Redis في "
                    "كل دقيقة</span></figcaption>\n"
                    "<svg role=\"img\" aria-labelledby=\"egov-chart-%ui "
                    "egov-chart-%ui-d\" viewBox=\"0 0 %d %d\" width=\"%d\" "
                    "height=\"%d\">\n",
                    n, n, n,
                    NGX_HTTP_EGOV_CHART_W, NGX_HTTP_EGOV_CHART_H + 2,
                    NGX_HTTP_EGOV_CHART_W, NGX_HTTP_EGOV_CHART_H + 2);

    for (k = 0; k < NGX_HTTP_EGOV_HISTORY_MINUTES; k++) {
        if (k + 1 == NGX_HTTP_EGOV_HISTORY_MINUTES) {
            ngx_http_egov_history_now(a);

        } else if (ngx_http_egov_history_at(minute - 59 + k, a) != NGX_OK) {
            continue;
        }

        if (a[NGX_HTTP_EGOV_HISTORY_REDIS] == 0) {
            continue;
        }

        if (a[NGX_HTTP_EGOV_HISTORY_REDIS] == 2) {
            up++;
            h = NGX_HTTP_EGOV_CHART_H;

        } else {
            down++;
            h = NGX_HTTP_EGOV_CHART_H / 3;
        }

        p = ngx_sprintf(p, "<rect x=\"%ui\" y=\"%ui\" width=\"3\" "
                        "height=\"%ui\" fill=\"%s\"/>\n", k * 4,
                        NGX_HTTP_EGOV_CHART_H - h, h,
                        (h == NGX_HTTP_EGOV_CHART_H) ? "#1a7f37" : "#b42318");
    }

    if (up + down == 0) {
        p = ngx_sprintf(p, "<desc id=\"egov-chart-%ui-d\">No Redis "
                        "configured, or no minute noted yet.</desc>\n", n);

    } else {
        p = ngx_sprintf(p, "<desc id=\"egov-chart-%ui-d\">Last hour: up %ui "
                        "minutes, down %ui minutes.</desc>\n", n, up, down);
    }

    return ngx_sprintf(p, "<line x1=\"0\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
                       "stroke=\"#5c6370\"/>\n</svg>\n</figure>\n",
                       NGX_HTTP_EGOV_CHART_H + 1, NGX_HTTP_EGOV_CHART_W,
                       NGX_HTTP_EGOV_CHART_H + 1);
}
