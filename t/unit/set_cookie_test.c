/* sources: ngx_egov_module/ngx_egov_set_cookie.c */

#include "tap.h"
#include "ngx_egov_set_cookie.h"

/* 2026-12-02 12:00:00 UTC */
#define NOW  1796212800

#define DELETES  NGX_EGOV_SET_COOKIE_DELETES
#define KEEPS    NGX_EGOV_SET_COOKIE_KEEPS
#define SESSION  NGX_EGOV_SET_COOKIE_SESSION


static int
lifetime(const char *h)
{
    return ngx_egov_set_cookie_lifetime((const u_char *) h, strlen(h), NOW);
}


static int
deletes(const char *h)
{
    return ngx_egov_set_cookie_deletes((const u_char *) h, strlen(h), NOW);
}


static long
date(const char *d)
{
    return (long) ngx_egov_cookie_date((const u_char *) d, strlen(d));
}


int
main(void)
{
    /* what the gate once took for deletions */
    is_int(lifetime("_ga=GA1.2.3; Max-Age=0; Max-Age=63072000"), KEEPS,
           "the last Max-Age wins: a two-year cookie, not a deletion");
    is_int(lifetime("_gid=v; Max-Age=3600; Comment=max-age=0"), KEEPS,
           "max-age=0 inside another attribute's value is no Max-Age");
    is_int(lifetime("_gid=max-age=0; Path=/"), SESSION,
           "max-age=0 in the cookie's value is no Max-Age");
    is_int(lifetime("x=1; Max-Age=0; Expires=Fri, 01 Jan 2038 00:00:00 GMT"),
           DELETES, "Max-Age beats a later Expires wherever it stands");
    is_int(lifetime("x=1; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=60"),
           KEEPS, "... and an Expires in the past");

    /* what the gate once held back */
    is_int(lifetime("sid=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT"),
           DELETES, "an Express-style deletion (Expires in 1970)");
    is_int(lifetime("sid=; expires=Wed, 01-Dec-2026 10:00:00 GMT"), DELETES,
           "an Expires yesterday, RFC 850 style");

    /* deletions */
    is_int(lifetime("a=; Max-Age=0"), DELETES, "Max-Age=0");
    is_int(lifetime("a=; max-age = -1 "), DELETES,
           "a negative one, names without case, spaces around");
    is_int(lifetime("a=b;MAX-AGE=0"), DELETES, "no space after ';'");
    is_int(lifetime("a=b; Max-Age=0\t"), DELETES, "a tab trimmed");
    is_int(lifetime("a=b; Expires=Wed, 02 Dec 2026 12:00:00 GMT"), DELETES,
           "an Expires equal to now");

    /* no deletion */
    is_int(lifetime("a=b"), SESSION, "no attribute: a session cookie");
    is_int(lifetime("a=b; Max-Age=1"), KEEPS, "Max-Age=1");
    is_int(lifetime("a=b; Max-Age=99999999999999999999999"), KEEPS,
           "a huge Max-Age");
    is_int(lifetime("a=b; Max-Age=-"), SESSION, "'-' alone is ignored");
    is_int(lifetime("a=b; Max-Age=0x0"), SESSION, "not a number: ignored");
    is_int(lifetime("a=b; Max-Age= 0 0"), SESSION,
           "digits with a space inside: ignored");
    is_int(lifetime("a=b; Max-Age=+0"), SESSION, "'+' is no sign here");
    is_int(lifetime("a=b; Max-Age=0; Max-Age=x"), DELETES,
           "an invalid later Max-Age does not replace a valid one");
    is_int(lifetime("a=b; Max-Age"), SESSION, "Max-Age without a value");
    is_int(lifetime("a=b; Max-Ages=0"), SESSION, "another name");
    is_int(lifetime("a=b; Expires=soon"), SESSION, "a bad Expires: ignored");
    is_int(lifetime("a=b; Expires=Fri, 01 Jan 2038 00:00:00 GMT"), KEEPS,
           "an Expires ahead");
    is_int(lifetime("a=b; Expires=Thu, 01 Jan 1970 00:00:00 GMT; "
                    "Expires=Fri, 01 Jan 2038 00:00:00 GMT"), KEEPS,
           "the last Expires wins");
    is_int(lifetime(""), SESSION, "empty");
    is_int(lifetime(";;;;"), SESSION, "only separators");

    /* a deletion to every reader (Chromium keeps the last Max-Age even
     * when it is no number, takes "+" and five-digit years) */
    is_int(deletes("a=; Max-Age=0"), 1, "Max-Age=0 deletes surely");
    is_int(deletes("a=; Max-Age=-1; Expires=Thu, 01 Jan 1970 00:00:00 GMT"),
           1, "... with an Expires in the past");
    is_int(deletes("a=; Expires=Thu, 01 Jan 1970 00:00:00 GMT"), 1,
           "an Expires in 1970 alone");
    is_int(deletes("a=B; Max-Age=0; Max-Age=abc"), 0,
           "a later Max-Age that is no number: doubtful");
    is_int(deletes("a=D; Max-Age=0; Max-Age="), 0, "... an empty one");
    is_int(deletes("a=Y; Max-Age=-1; Max-Age=1 0"), 0,
           "... one with a space within");
    is_int(deletes("a=C; Max-Age=+63072000; "
                   "Expires=Thu, 01 Jan 1970 00:00:00 GMT"), 0,
           "a Max-Age with '+'");
    is_int(deletes("a=X; Expires=Thu, 01 Jan 1970 00:00:00 GMT; "
                   "Expires=soon"), 0, "an Expires that is no date");
    is_int(deletes("a=G; Expires=Thu, 01 Jan 20990 1970 00:00:00 GMT"), 0,
           "a year of five digits");
    is_int(deletes("a=; Max-Age=0; Expires=Fri, 01 Jan 2038 00:00:00 GMT"),
           1, "an Expires ahead after a valid Max-Age=0: every browser reads "
           "the Max-Age");
    is_int(deletes("a=; Max-Age=0; Expires=0"), 1,
           "... an Expires that is no date too");
    is_int(deletes("a=; Expires=Fri, 01 Jan 2038 00:00:00 GMT; "
                   "Expires=Thu, 01 Jan 1970 00:00:00 GMT"), 0,
           "without Max-Age, an Expires ahead before one in the past: doubtful");
    is_int(deletes("a=; Max-Age=60; Max-Age=0"), 0,
           "a Max-Age ahead before Max-Age=0: doubtful");
    is_int(deletes("a=b; Max-Age=60"), 0, "no deletion at all");
    is_int(deletes("a=b"), 0, "no attribute");

    /* cookie-dates */
    is_int(date("Thu, 01 Jan 1970 00:00:00 GMT"), 0, "the epoch");
    is_int(date("Wed, 02 Dec 2026 12:00:00 GMT"), NOW, "RFC 1123");
    is_int(date("Wednesday, 02-Dec-26 12:00:00 GMT"), NOW,
           "RFC 850, a two-digit year");
    is_int(date("Wed Dec  2 12:00:00 2026"), NOW, "asctime");
    is_int(date("2 dec 2026 12:00:00"), NOW, "any order, month without case");
    is_int(date("Thu, 01 Jan 70 00:00:00 GMT"), 0, "70 is 1970");
    is_int(date("Sat, 01 Jan 2000 00:00:00 GMT"), 946684800, "2000");
    is_int(date("Thu, 29 Feb 2024 00:00:00 GMT"), 1709164800, "a leap day");
    is_int(date("Thu, 29 Feb 2025 00:00:00 GMT"), -1, "no such leap day");
    is_int(date("Thu, 31 Apr 2025 00:00:00 GMT"), -1, "no 31 April");
    is_int(date("Thu, 00 Jan 2025 00:00:00 GMT"), -1, "day 0");
    is_int(date("Thu, 01 Jan 1600 00:00:00 GMT"), -1, "before 1601");
    is_int(date("Thu, 01 Jan 2025 24:00:00 GMT"), -1, "hour 24");
    is_int(date("Thu, 01 Jan 2025 00:60:00 GMT"), -1, "minute 60");
    is_int(date("Thu, 01 Jan 2025 00:00 GMT"), -1, "no seconds: no time");
    is_int(date("01 Jan 00:00:00"), -1, "no year");
    is_int(date("Thu, 001 Jan 2025 00:00:00 GMT"), -1,
           "a 3-digit day is no day (and 2025 then the day: too big)");
    is_int(date("Thu, 01 Jan 12025 00:00:00 GMT"), -1, "a 5-digit year");
    is_int(date("01 Jan 2025 1:2:3"), 1735693323, "1-digit time fields");
    is_int(date(""), -1, "empty");

    return done_testing();
}
