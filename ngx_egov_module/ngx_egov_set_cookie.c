
/*
 * A Set-Cookie header's lifetime, read as RFC 6265 section 5.2 tells a
 * browser to read it.  The consent gate lets a deletion through without
 * consent: what a deletion is must be what the browser will do, or an
 * attribute written twice ("Max-Age=0; Max-Age=63072000") or a value that
 * merely contains "max-age=0" passes a two-year cookie through the gate.
 */


#include "ngx_egov_set_cookie.h"


#define ngx_egov_wsp(c)    ((c) == ' ' || (c) == '\t')
#define ngx_egov_digit(c)  ((c) >= '0' && (c) <= '9')

/* RFC 6265 5.1.1: %x09 / %x20-2F / %x3B-40 / %x5B-60 / %x7B-7E */
#define ngx_egov_date_delimiter(c)                                           \
    ((c) == 0x09 || ((c) >= 0x20 && (c) <= 0x2f)                             \
     || ((c) >= 0x3b && (c) <= 0x40) || ((c) >= 0x5b && (c) <= 0x60)         \
     || ((c) >= 0x7b && (c) <= 0x7e))

/* far beyond any date a browser keeps a cookie until */
#define NGX_EGOV_MAX_AGE_CAP  ((int64_t) 400 * 24 * 3600 * 1000)


typedef struct {
    int64_t   max_age;      /* -1: none seen; else seconds, 0 if <= 0 */
    int       max_age_seen;
    int64_t   expires;      /* epoch seconds of the last valid Expires */
    int       expires_seen;
    time_t    now;
    int       doubtful;     /* a Max-Age that alone deletes nothing */
    int       expires_doubtful;   /* an Expires that alone deletes nothing */
} ngx_egov_set_cookie_attrs_t;


static int ngx_egov_set_cookie_read(const u_char *p, size_t len, time_t now,
    ngx_egov_set_cookie_attrs_t *a);
static void ngx_egov_set_cookie_attr(const u_char *p, const u_char *end,
    ngx_egov_set_cookie_attrs_t *a);
static int ngx_egov_digit_run(const u_char *p, const u_char *end,
    size_t max);
static int ngx_egov_name_is(const u_char *p, size_t len, const char *name);
static int ngx_egov_max_age(const u_char *p, size_t len, int64_t *seconds);
static size_t ngx_egov_date_digits(const u_char *p, size_t len, size_t min,
    size_t max, int *value);
static int64_t ngx_egov_days_from_civil(int64_t y, int m, int d);


int
ngx_egov_set_cookie_lifetime(const u_char *p, size_t len, time_t now)
{
    ngx_egov_set_cookie_attrs_t  a;

    return ngx_egov_set_cookie_read(p, len, now, &a);
}


/*
 * Browsers read attributes their own ways (Chromium keeps the last
 * Max-Age even when it is no number, takes "+", and 5-digit years): a
 * header that would be a deletion to one reader and a cookie to another
 * is no deletion here (a fifth review: "Max-Age=0; Max-Age=abc" stored a
 * session cookie in Chromium, "Expires=... 20990 1970 ..." a 400-day one)
 */

int
ngx_egov_set_cookie_deletes(const u_char *p, size_t len, time_t now)
{
    ngx_egov_set_cookie_attrs_t  a;

    /*
     * every browser reads a valid last Max-Age before any Expires: an
     * Expires counts only without one (a sixth review: "Max-Age=0;
     * Expires=<the backend's now>", as Werkzeug and Express write a
     * removal, was held back when the backend's clock was ahead)
     */

    return ngx_egov_set_cookie_read(p, len, now, &a)
               == NGX_EGOV_SET_COOKIE_DELETES
           && !a.doubtful
           && (a.max_age_seen || !a.expires_doubtful);
}


static int
ngx_egov_set_cookie_read(const u_char *p, size_t len, time_t now,
    ngx_egov_set_cookie_attrs_t *attrs)
{
    const u_char                 *end, *semi;
    ngx_egov_set_cookie_attrs_t   a;

    a.max_age = 0;
    a.max_age_seen = 0;
    a.expires = 0;
    a.expires_seen = 0;
    a.now = now;
    a.doubtful = 0;
    a.expires_doubtful = 0;

    end = p + len;

    /* the name-value pair ends at the first ';': its bytes are no attribute */

    for (semi = p; semi < end && *semi != ';'; semi++) { /* void */ }

    for (p = semi; p < end; p = semi) {
        p++;                                      /* the ';' */

        for (semi = p; semi < end && *semi != ';'; semi++) { /* void */ }

        ngx_egov_set_cookie_attr(p, semi, &a);
    }

    *attrs = a;

    if (a.max_age_seen) {
        return a.max_age <= 0 ? NGX_EGOV_SET_COOKIE_DELETES
                              : NGX_EGOV_SET_COOKIE_KEEPS;
    }

    if (a.expires_seen) {
        return a.expires <= (int64_t) now ? NGX_EGOV_SET_COOKIE_DELETES
                                          : NGX_EGOV_SET_COOKIE_KEEPS;
    }

    return NGX_EGOV_SET_COOKIE_SESSION;
}


/* one cookie-av: "name[=value]", each trimmed of spaces and tabs */

static void
ngx_egov_set_cookie_attr(const u_char *p, const u_char *end,
    ngx_egov_set_cookie_attrs_t *a)
{
    int64_t        v;
    const u_char  *name_end, *value, *value_end;

    for (name_end = p; name_end < end && *name_end != '='; name_end++) {
        /* void */
    }

    value = (name_end < end) ? name_end + 1 : end;
    value_end = end;

    while (p < name_end && ngx_egov_wsp(*p)) {
        p++;
    }

    while (name_end > p && ngx_egov_wsp(name_end[-1])) {
        name_end--;
    }

    while (value < value_end && ngx_egov_wsp(*value)) {
        value++;
    }

    while (value_end > value && ngx_egov_wsp(value_end[-1])) {
        value_end--;
    }

    if (ngx_egov_name_is(p, name_end - p, "max-age")) {
        if (ngx_egov_max_age(value, value_end - value, &v)) {
            a->max_age = v;
            a->max_age_seen = 1;
            a->doubtful |= (v > 0);

        } else {
            a->doubtful = 1;
        }

        return;
    }

    if (ngx_egov_name_is(p, name_end - p, "expires")) {
        v = ngx_egov_cookie_date(value, value_end - value);

        if (v != -1) {
            a->expires = v;
            a->expires_seen = 1;
            a->expires_doubtful |= (v > (int64_t) a->now
                                    || ngx_egov_digit_run(value, value_end,
                                                          4));

        } else {
            a->expires_doubtful = 1;
        }
    }
}


/* does p .. end hold a run of more than "max" digits */

static int
ngx_egov_digit_run(const u_char *p, const u_char *end, size_t max)
{
    size_t  run;

    for (run = 0; p < end; p++) {
        run = ngx_egov_digit(*p) ? run + 1 : 0;

        if (run > max) {
            return 1;
        }
    }

    return 0;
}


static int
ngx_egov_name_is(const u_char *p, size_t len, const char *name)
{
    size_t  i;
    u_char  c;

    for (i = 0; i < len; i++) {
        if (name[i] == '\0') {
            return 0;
        }

        c = p[i];

        if (c >= 'A' && c <= 'Z') {
            c |= 0x20;
        }

        if (c != (u_char) name[i]) {
            return 0;
        }
    }

    return name[len] == '\0';
}


/*
 * RFC 6265 5.2.2: a DIGIT or "-" first, DIGITs after (one at least here:
 * "-" alone is no number); a value <= 0 expires at once.  Large values are
 * capped: only their sign matters to what the cookie does.
 */

static int
ngx_egov_max_age(const u_char *p, size_t len, int64_t *seconds)
{
    size_t   i;
    int      negative;
    int64_t  v;

    if (len == 0 || !(ngx_egov_digit(p[0]) || p[0] == '-')) {
        return 0;
    }

    negative = (p[0] == '-');
    i = negative ? 1 : 0;

    if (i == len) {
        return 0;
    }

    for (v = 0; i < len; i++) {
        if (!ngx_egov_digit(p[i])) {
            return 0;
        }

        if (v < NGX_EGOV_MAX_AGE_CAP) {
            v = v * 10 + (p[i] - '0');
        }
    }

    *seconds = negative ? -v : v;

    return 1;
}


/*
 * RFC 6265 5.1.1: the date's tokens are runs of non-delimiters; the first
 * token that is a time gives the time, the first 1-2 digit one the day,
 * the first starting with a month's name the month, the first 2-4 digit
 * one the year, each followed by nothing or by a non-digit.
 */

int64_t
ngx_egov_cookie_date(const u_char *p, size_t len)
{
    int            found_time, found_day, found_month, found_year;
    int            hour, minute, second, day, month, year, i, mdays;
    size_t         n, k, tl;
    const u_char  *end, *t;

    static const char  months[] = "janfebmaraprmayjunjulaugsepoctnovdec";
    static const int   days[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
                                  30, 31 };

    found_time = found_day = found_month = found_year = 0;
    hour = minute = second = day = month = year = 0;
    end = p + len;

    while (p < end) {

        while (p < end && ngx_egov_date_delimiter(*p)) {
            p++;
        }

        for (t = p; p < end && !ngx_egov_date_delimiter(*p); p++) {
            /* void */
        }

        tl = p - t;

        if (tl == 0) {
            continue;
        }

        if (!found_time) {
            n = ngx_egov_date_digits(t, tl, 1, 2, &hour);

            if (n && n < tl && t[n] == ':') {
                k = n + 1;
                n = ngx_egov_date_digits(t + k, tl - k, 1, 2, &minute);

                if (n && k + n < tl && t[k + n] == ':') {
                    k += n + 1;
                    n = ngx_egov_date_digits(t + k, tl - k, 1, 2, &second);

                    if (n) {
                        found_time = 1;
                        continue;
                    }
                }
            }
        }

        if (!found_day && ngx_egov_date_digits(t, tl, 1, 2, &day)) {
            found_day = 1;
            continue;
        }

        if (!found_month && tl >= 3) {
            for (i = 0; i < 12; i++) {
                if (((t[0] | 0x20) == months[i * 3])
                    && ((t[1] | 0x20) == months[i * 3 + 1])
                    && ((t[2] | 0x20) == months[i * 3 + 2]))
                {
                    month = i + 1;
                    found_month = 1;
                    break;
                }
            }

            if (found_month) {
                continue;
            }
        }

        if (!found_year && ngx_egov_date_digits(t, tl, 2, 4, &year)) {
            found_year = 1;
            continue;
        }
    }

    if (!(found_time && found_day && found_month && found_year)) {
        return -1;
    }

    if (year >= 70 && year <= 99) {
        year += 1900;

    } else if (year >= 0 && year <= 69) {
        year += 2000;
    }

    if (day < 1 || day > 31 || year < 1601 || hour > 23 || minute > 59
        || second > 59)
    {
        return -1;
    }

    mdays = days[month - 1];

    if (month == 2
        && !((year % 4 == 0 && year % 100 != 0) || year % 400 == 0))
    {
        mdays = 28;
    }

    if (day > mdays) {
        return -1;
    }

    return ngx_egov_days_from_civil(year, month, day) * 86400
           + hour * 3600 + minute * 60 + second;
}


/*
 * "min" to "max" digits at the start of the token, followed by its end or
 * a non-digit: how many, or 0
 */

static size_t
ngx_egov_date_digits(const u_char *p, size_t len, size_t min, size_t max,
    int *value)
{
    size_t  n;
    int     v;

    for (n = 0, v = 0; n < len && ngx_egov_digit(p[n]); n++) {
        if (n == max) {
            return 0;
        }

        v = v * 10 + (p[n] - '0');
    }

    if (n < min) {
        return 0;
    }

    *value = v;

    return n;
}


/* days since 1970-01-01 of a proleptic Gregorian date */

static int64_t
ngx_egov_days_from_civil(int64_t y, int m, int d)
{
    int64_t  era, yoe, doy, doe;

    y -= (m <= 2);
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

    return era * 146097 + doe - 719468;
}
