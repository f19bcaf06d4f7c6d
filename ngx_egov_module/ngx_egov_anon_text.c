
/*
 * Query strings, Referer and User-Agent, made fit for an anonymized log.
 */


#ifndef _GNU_SOURCE
#define _GNU_SOURCE              /* memmem() */
#endif
#include <string.h>
#include <strings.h>

#include "ngx_egov_anon_text.h"


static size_t ngx_egov_anon_decode(const u_char *src, size_t len,
    u_char *dst);
static void ngx_egov_anon_names_index(void);
static int ngx_egov_anon_name_sensitive(const u_char *name, size_t len,
    u_char *scratch, const ngx_egov_anon_name_t *extra, size_t nextra);
static int ngx_egov_anon_value_sensitive(const u_char *value, size_t len,
    u_char *scratch);
static size_t ngx_egov_anon_fold(u_char *p, size_t len);
static int ngx_egov_anon_thing_name(const u_char *p, size_t len);
static int ngx_egov_anon_encoded(const u_char *p, size_t len);
static int ngx_egov_anon_has_email(const u_char *p, size_t len);
static int ngx_egov_anon_has_ipv4(const u_char *p, size_t len);
static int ngx_egov_anon_has_digits(const u_char *p, size_t len);
static int ngx_egov_anon_dates(size_t groups, size_t *group, size_t *value);
#define ngx_egov_anon_digit(c)  ((c) >= '0' && (c) <= '9')
#define ngx_egov_anon_hex(c)                                                 \
    (((c) >= '0' && (c) <= '9') || (((c) | 0x20) >= 'a' && ((c) | 0x20) <= 'f'))

/* where a word of the text ends, for the token and address finders */
#define ngx_egov_anon_word_end(c)                                            \
    ((c) <= ' ' || (c) == '/' || (c) == '=' || (c) == '&' || (c) == ','      \
     || (c) == ';' || (c) == '"' || (c) == '\'' || (c) == '(' || (c) == ')'  \
     || (c) == '<' || (c) == '>' || (c) == '[' || (c) == ']' || (c) == '?')


static int ngx_egov_anon_has_token(const u_char *p, size_t len);
static int ngx_egov_anon_is_address(const u_char *p, size_t len);
static int ngx_egov_anon_is_secret(const u_char *p, size_t len);
static const u_char *ngx_egov_anon_find(const u_char *p, size_t len,
    const char *what);
static int ngx_egov_anon_find_nocase(const u_char *p, size_t len,
    const char *what);
static size_t ngx_egov_anon_version(const u_char *p, const u_char *end,
    u_char *out);


/* a token: so long a run of base64url characters, mixed */
#define NGX_EGOV_ANON_SECRET_LEN  32


/* normalized: lower case, letters and digits only */

#define S(s)  { s, sizeof(s) - 1 }


typedef struct {
    const char     *data;
    size_t          len;
} ngx_egov_anon_word_t;


static ngx_egov_anon_word_t  ngx_egov_anon_names[] = {
    S("password"), S("passwd"), S("pwd"), S("pass"), S("passphrase"),
    S("pin"), S("otp"), S("token"), S("accesstoken"), S("refreshtoken"),
    S("idtoken"), S("authtoken"), S("auth"), S("authorization"), S("apikey"),
    S("key"), S("secret"), S("clientsecret"), S("session"), S("sessionid"),
    S("sid"), S("jsessionid"), S("phpsessid"), S("code"), S("email"),
    S("mail"), S("emailaddress"), S("phone"), S("phonenumber"), S("mobile"),
    S("mobilenumber"), S("tel"), S("telephone"), S("msisdn"), S("whatsapp"),
    S("civilid"), S("civilnumber"), S("civilno"), S("nationalid"),
    S("nationalnumber"), S("nid"), S("idnumber"), S("idno"), S("identity"),
    S("ssn"), S("passport"), S("passportnumber"), S("iban"), S("account"),
    S("accountnumber"), S("card"), S("cardnumber"), S("cc"), S("ccnumber"),
    S("cvv"), S("cvc"), S("dob"), S("dateofbirth"), S("birthdate"),
    S("birthday"), S("name"), S("firstname"), S("lastname"), S("fullname"),
    S("fname"), S("lname"), S("mname"),
    S("surname"), S("username"), S("user"), S("login"), S("address"),
    S("street"), S("jwt"), S("ticket"), S("sig"), S("signature"),
    S("nonce"), S("assertion"), S("samlresponse"), S("samlrequest"),
    S("credential"), S("ip"), S("ipaddress"), S("clientip"), { NULL, 0 }
};

/* the names above by length: their indexes, each length's first */

#define NGX_EGOV_ANON_NAME_LEN  32

static u_char  ngx_egov_anon_name_order[sizeof(ngx_egov_anon_names)
                                        / sizeof(ngx_egov_anon_word_t)];
static u_char  ngx_egov_anon_name_first[NGX_EGOV_ANON_NAME_LEN + 2];
static int     ngx_egov_anon_name_indexed;


/* a name containing one of these is sensitive whatever else it says */

static ngx_egov_anon_word_t  ngx_egov_anon_words[] = {
    S("password"), S("passwd"), S("token"), S("secret"), S("email"),
    S("phone"), S("mobile"), S("passport"), S("national"), S("civil"),
    S("apikey"), S("session"), S("signature"), S("ticket"), S("jwt"),
    S("name"), { NULL, 0 }
};

/*
 * "name" is in many names of things, not people: a name holding one of
 * these before "name" ("filename", "hostname") is not sensitive for it
 */

static ngx_egov_anon_word_t  ngx_egov_anon_thing_names[] = {
    S("filename"), S("hostname"), S("pathname"), S("classname"),
    S("typename"), S("servername"), S("domainname"), S("tagname"),
    S("fieldname"), S("columnname"), S("tablename"), S("eventname"),
    S("appname"), S("fontname"), S("pagename"), S("servicename"),
    S("categoryname"), S("productname"), S("itemname"), S("brandname"),
    S("modelname"), S("projectname"), S("groupname"), S("rolename"),
    S("departmentname"), S("cityname"), S("countryname"),
    S("regionname"), { NULL, 0 }
};

#undef S


size_t
ngx_egov_anon_query_size(const u_char *args, size_t len)
{
    size_t  i, n;

    for (i = 0, n = 1; i < len; i++) {
        if (args[i] == '&' || args[i] == ';') {
            n++;
        }
    }

    return len + n * NGX_EGOV_ANON_MARKER_LEN;
}


size_t
ngx_egov_anon_query(const u_char *args, size_t len, u_char *out,
    u_char *scratch, const ngx_egov_anon_name_t *extra, size_t nextra)
{
    int            rc;
    u_char        *o;
    const u_char  *p, *q, *end, *eq;

    o = out;
    p = args;
    end = args + len;

    while (p <= end) {

        /* the argument's end, and its first "=", in one pass */

        eq = NULL;

        for (q = p; q < end && *q != '&' && *q != ';'; q++) {
            if (*q == '=' && eq == NULL) {
                eq = q;
            }
        }

        rc = eq ? ngx_egov_anon_name_sensitive(p, eq - p, scratch, extra,
                                               nextra)
                : 0;

        if (rc == 2) {
            /* the name is personal data: nothing of it stays */
            memcpy(o, NGX_EGOV_ANON_MARKER, NGX_EGOV_ANON_MARKER_LEN);
            o += NGX_EGOV_ANON_MARKER_LEN;

        } else if (eq
                   && (rc
                       || ngx_egov_anon_value_sensitive(eq + 1, q - eq - 1,
                                                        scratch)))
        {
            memcpy(o, p, eq + 1 - p);
            o += eq + 1 - p;
            memcpy(o, NGX_EGOV_ANON_MARKER, NGX_EGOV_ANON_MARKER_LEN);
            o += NGX_EGOV_ANON_MARKER_LEN;

        } else if (eq == NULL && q > p
                   && ngx_egov_anon_value_sensitive(p, q - p, scratch))
        {
            /* a bare "?someone@example.com" */
            memcpy(o, NGX_EGOV_ANON_MARKER, NGX_EGOV_ANON_MARKER_LEN);
            o += NGX_EGOV_ANON_MARKER_LEN;

        } else {
            memcpy(o, p, q - p);
            o += q - p;
        }

        if (q == end) {
            break;
        }

        *o++ = *q;
        p = q + 1;
    }

    return o - out;
}


/*
 * A path's segments: one that holds an e-mail address or a long digit
 * run (decoded) becomes the marker; ";name=value" parameters of a segment
 * ("/x;jsessionid=...") are redacted as a query's arguments are.
 */

size_t
ngx_egov_anon_path_size(const u_char *path, size_t len)
{
    size_t  i, n;

    for (i = 0, n = 1; i < len; i++) {
        if (path[i] == '/' || path[i] == ';' || path[i] == '&') {
            n++;
        }
    }

    return len + n * NGX_EGOV_ANON_MARKER_LEN;
}


int
ngx_egov_anon_path_plain(const u_char *path, size_t len)
{
    size_t  i, digits, word;

    /*
     * no "@", no escape, no parameter, no ":" (an IPv6 address), no byte
     * of another script (Arabic-Indic digits), too few digits for a run, no
     * word long enough for a token
     */

    for (i = 0, digits = 0, word = 0; i < len; i++) {

        word = (path[i] == '/') ? 0 : word + 1;

        if (word >= NGX_EGOV_ANON_SECRET_LEN || path[i] >= 0x80) {
            return 0;
        }

        /*
         * a word that may be a JSON Web Token: "eyJ..." where the token
         * finder (ngx_egov_anon_has_token) begins a word, not only a
         * segment: "/x=eyJ..." is one, and "/x+eyJ...", whose "+" it
         * reads decoded, as a space
         */
        if (path[i] == 'e'
            && (i == 0 || ngx_egov_anon_word_end(path[i - 1])
                || path[i - 1] == '+')
            && i + 2 < len && path[i + 1] == 'y' && path[i + 2] == 'J')
        {
            return 0;
        }

        switch (path[i]) {
        case '@':
        case '%':
        case ';':
        case ':':
            return 0;

        case '.':
            /* "10.1.2.3" */
            if (i && path[i - 1] >= '0' && path[i - 1] <= '9'
                && i + 1 < len && path[i + 1] >= '0' && path[i + 1] <= '9')
            {
                return 0;
            }

            break;

        default:
            if (path[i] >= '0' && path[i] <= '9') {
                digits++;
            }
        }
    }

    return digits < NGX_EGOV_ANON_DIGITS;
}


size_t
ngx_egov_anon_path(const u_char *path, size_t len, u_char *out,
    u_char *scratch, const ngx_egov_anon_name_t *extra, size_t nextra)
{
    u_char        *o;
    const u_char  *p, *q, *end, *semi, *name_end;

    o = out;
    p = path;
    end = path + len;

    for ( ;; ) {
        q = memchr(p, '/', end - p);

        if (q == NULL) {
            q = end;
        }

        /* the segment's name, then its ";" parameters */

        semi = memchr(p, ';', q - p);
        name_end = semi ? semi : q;

        if (ngx_egov_anon_value_sensitive(p, name_end - p, scratch)) {
            memcpy(o, NGX_EGOV_ANON_MARKER, NGX_EGOV_ANON_MARKER_LEN);
            o += NGX_EGOV_ANON_MARKER_LEN;

        } else {
            memcpy(o, p, name_end - p);
            o += name_end - p;
        }

        if (semi) {
            *o++ = ';';
            o += ngx_egov_anon_query(semi + 1, q - semi - 1, o, scratch,
                                     extra, nextra);
        }

        if (q == end) {
            break;
        }

        *o++ = '/';
        p = q + 1;
    }

    return o - out;
}


size_t
ngx_egov_anon_normalize(u_char *name, size_t len)
{
    size_t  i, n;
    u_char  c;

    for (i = 0, n = 0; i < len; i++) {
        c = name[i];

        if (c >= 'A' && c <= 'Z') {
            name[n++] = (u_char) (c | 0x20);

        } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            name[n++] = c;
        }
    }

    return n;
}


/*
 * Percent-encoding and "+" decoded, again while the result still has "%"
 * (at most NGX_EGOV_ANON_DECODES times), so that "%2540" and "%25252540"
 * are "@" too; a malformed "%" stays as it is.
 */

#define NGX_EGOV_ANON_DECODES  4

static size_t
ngx_egov_anon_decode(const u_char *src, size_t len, u_char *dst)
{
    int           pass;
    size_t        i, n;
    u_char        c, h, l;
    const u_char  *s;

    s = src;

    for (pass = 0; pass < NGX_EGOV_ANON_DECODES; pass++) {

        for (i = 0, n = 0; i < len; i++) {
            c = s[i];

            if (c == '+') {
                dst[n++] = ' ';
                continue;
            }

            if (c == '%' && i + 2 < len) {
                h = s[i + 1];
                l = s[i + 2];

                h = (h >= '0' && h <= '9') ? h - '0'
                    : ((h | 0x20) >= 'a' && (h | 0x20) <= 'f')
                      ? (h | 0x20) - 'a' + 10 : 0xff;
                l = (l >= '0' && l <= '9') ? l - '0'
                    : ((l | 0x20) >= 'a' && (l | 0x20) <= 'f')
                      ? (l | 0x20) - 'a' + 10 : 0xff;

                if (h != 0xff && l != 0xff) {
                    dst[n++] = (u_char) (h * 16 + l);
                    i += 2;
                    continue;
                }
            }

            dst[n++] = c;
        }

        if (memchr(dst, '%', n) == NULL) {
            return n;
        }

        /* again, in place: decoding never makes it longer */
        s = dst;
        len = n;
    }

    return len;
}


/* still percent-encoded after NGX_EGOV_ANON_DECODES passes */

static int
ngx_egov_anon_encoded(const u_char *p, size_t len)
{
    size_t  i;

    for (i = 0; i + 2 < len; i++) {
        if (p[i] == '%' && ngx_egov_anon_hex(p[i + 1])
            && ngx_egov_anon_hex(p[i + 2]))
        {
            return 1;
        }
    }

    return 0;
}


/* once: the built-in names ordered by length (none is longer than 32) */

static void
ngx_egov_anon_names_index(void)
{
    size_t  i, k, len;

    k = 0;

    for (len = 0; len <= NGX_EGOV_ANON_NAME_LEN; len++) {
        ngx_egov_anon_name_first[len] = (u_char) k;

        for (i = 0; ngx_egov_anon_names[i].data; i++) {
            if (ngx_egov_anon_names[i].len == len) {
                ngx_egov_anon_name_order[k++] = (u_char) i;
            }
        }
    }

    ngx_egov_anon_name_first[NGX_EGOV_ANON_NAME_LEN + 1] = (u_char) k;
    ngx_egov_anon_name_indexed = 1;
}


static int
ngx_egov_anon_name_sensitive(const u_char *name, size_t len,
    u_char *scratch, const ngx_egov_anon_name_t *extra, size_t nextra)
{
    size_t  i, k, n, w;

    n = ngx_egov_anon_decode(name, len, scratch);

    /* encoded more times than any form does: what it hides is unknown */

    if (ngx_egov_anon_encoded(scratch, n)) {
        return 2;
    }

    n = ngx_egov_anon_fold(scratch, n);

    /* the name itself may be an address: "?me@example.com=1" */

    if (ngx_egov_anon_has_email(scratch, n)
        || ngx_egov_anon_has_digits(scratch, n)
        || ngx_egov_anon_has_token(scratch, n))
    {
        return 2;
    }

    /*
     * a name in another script ("الاسم", "رقم_الهاتف"): no list of ours can
     * say it is harmless, its value goes
     */

    for (i = 0; i < n; i++) {
        if (scratch[i] >= 0x80) {
            return 1;
        }
    }

    n = ngx_egov_anon_normalize(scratch, n);

    if (n == 0) {
        return 0;
    }

    /* only the built-in names of that length are compared */

    if (!ngx_egov_anon_name_indexed) {
        ngx_egov_anon_names_index();
    }

    if (n <= NGX_EGOV_ANON_NAME_LEN) {
        for (k = ngx_egov_anon_name_first[n];
             k < ngx_egov_anon_name_first[n + 1];
             k++)
        {
            w = ngx_egov_anon_name_order[k];

            if (ngx_egov_anon_names[w].data[0] == scratch[0]
                && memcmp(ngx_egov_anon_names[w].data, scratch, n) == 0)
            {
                return 1;
            }
        }
    }

    for (i = 0; i < nextra; i++) {
        if (extra[i].len == n && memcmp(extra[i].data, scratch, n) == 0) {
            return 1;
        }
    }

    /* names shorter than every word need no search */

    for (i = 0; n > 3 && ngx_egov_anon_words[i].data; i++) {
        w = ngx_egov_anon_words[i].len;

        if (w <= n
            && memmem(scratch, n, ngx_egov_anon_words[i].data, w) != NULL
            && !(w == 4 && memcmp(ngx_egov_anon_words[i].data, "name", 4) == 0
                 && ngx_egov_anon_thing_name(scratch, n)))
        {
            return 1;
        }
    }

    return 0;
}


/*
 * the normalized name ends in a thing's name, and holds "name" nowhere
 * else ("filename"; not "filenameowner", "hostnameofuser")
 */

static int
ngx_egov_anon_thing_name(const u_char *p, size_t len)
{
    size_t         i, k, w;
    const u_char  *at;

    for (i = 0; i + 4 <= len; i++) {
        at = memmem(p + i, len - i, "name", 4);
        if (at == NULL) {
            return 1;
        }

        i = at - p;

        if (i + 4 != len) {
            return 0;
        }

        for (k = 0; ngx_egov_anon_thing_names[k].data; k++) {
            w = ngx_egov_anon_thing_names[k].len;

            if (i + 4 >= w
                && memcmp(p + i + 4 - w, ngx_egov_anon_thing_names[k].data,
                          w)
                   == 0)
            {
                break;
            }
        }

        if (ngx_egov_anon_thing_names[k].data == NULL) {
            return 0;
        }
    }

    return 1;
}


static int
ngx_egov_anon_value_sensitive(const u_char *value, size_t len,
    u_char *scratch)
{
    size_t  n;

    n = ngx_egov_anon_decode(value, len, scratch);

    if (ngx_egov_anon_encoded(scratch, n)) {
        return 1;
    }

    n = ngx_egov_anon_fold(scratch, n);

    return ngx_egov_anon_has_email(scratch, n)
           || ngx_egov_anon_has_digits(scratch, n)
           || ngx_egov_anon_has_token(scratch, n);
}


/*
 * In place: what a reader sees as "@", ".", "-", a space or a digit
 * becomes one (the full-width and small commercial at and an overlong
 * "@"; the full-width and mathematical digits; the full-width, small,
 * halfwidth ideographic and ideographic full stops and the one dot
 * leader; hyphens, dashes and the minus sign; the no-break, narrow,
 * typographic and ideographic spaces), and invisible characters go
 * (zero-width spaces and joiners, the word joiner, the byte order mark,
 * the soft hyphen, the direction marks, embeddings and isolates that
 * Arabic input puts between digits, invisible operators, the combining
 * grapheme joiner), so that none hides an address or a number.
 */

static size_t
ngx_egov_anon_fold(u_char *p, size_t len)
{
    size_t  i, n;
    u_char  c, d;

    for (i = 0, n = 0; i < len; i++) {

        /* mathematical digits, U+1D7CE..1D7FF: five styles of 0-9 */

        if (i + 3 < len && p[i] == 0xf0 && p[i + 1] == 0x9d
            && p[i + 2] == 0x9f && p[i + 3] >= 0x8e && p[i + 3] <= 0xbf)
        {
            p[n++] = (u_char) ('0' + (p[i + 3] - 0x8e) % 10);
            i += 3;
            continue;
        }

        if (i + 2 < len && p[i] == 0xef) {
            c = p[i + 1];
            d = p[i + 2];

            if ((c == 0xbc && d == 0xa0) || (c == 0xb9 && d == 0xab)) {
                p[n++] = '@';
                i += 2;
                continue;
            }

            if ((c == 0xbc && d == 0x8d) || (c == 0xb9 && d == 0xa3)) {
                p[n++] = '-';
                i += 2;
                continue;
            }

            if (c == 0xbd && d == 0xa1) {
                p[n++] = '.';
                i += 2;
                continue;
            }

            if (c == 0xbc && d >= 0x90 && d <= 0x99) {
                p[n++] = (u_char) ('0' + (d - 0x90));
                i += 2;
                continue;
            }

            if ((c == 0xbc && d == 0x8e) || (c == 0xb9 && d == 0x92)) {
                p[n++] = '.';
                i += 2;
                continue;
            }

            if (c == 0xbb && d == 0xbf) {
                i += 2;
                continue;
            }
        }

        if (i + 2 < len && p[i] == 0xe2) {
            c = p[i + 1];
            d = p[i + 2];

            /* invisible: zero-width, direction marks, embeddings,
               isolates, invisible operators */

            if ((c == 0x80 && ((d >= 0x8b && d <= 0x8f)
                               || (d >= 0xaa && d <= 0xae)))
                || (c == 0x81 && (d == 0xa0 || (d >= 0xa1 && d <= 0xa4)
                                  || (d >= 0xa6 && d <= 0xa9))))
            {
                i += 2;
                continue;
            }

            /* spaces: en quad to hair space, narrow no-break space */

            if (c == 0x80 && ((d >= 0x80 && d <= 0x8a) || d == 0xaf)) {
                p[n++] = ' ';
                i += 2;
                continue;
            }

            /* hyphens and dashes, the minus sign */

            if ((c == 0x80 && d >= 0x90 && d <= 0x95)
                || (c == 0x88 && d == 0x92))
            {
                p[n++] = '-';
                i += 2;
                continue;
            }

            /* the one dot leader */

            if (c == 0x80 && d == 0xa4) {
                p[n++] = '.';
                i += 2;
                continue;
            }
        }

        if (i + 2 < len && p[i] == 0xe3 && p[i + 1] == 0x80
            && (p[i + 2] == 0x82 || p[i + 2] == 0x80))
        {
            p[n++] = (p[i + 2] == 0x82) ? '.' : ' ';
            i += 2;
            continue;
        }

        if (i + 1 < len) {
            c = p[i];
            d = p[i + 1];

            /* the soft hyphen, the Arabic letter mark, the combining
               grapheme joiner: invisible */

            if ((c == 0xc2 && d == 0xad) || (c == 0xd8 && d == 0x9c)
                || (c == 0xcd && d == 0x8f))
            {
                i += 1;
                continue;
            }

            /* the no-break space; "@" written as two bytes (overlong) */

            if (c == 0xc2 && d == 0xa0) {
                p[n++] = ' ';
                i += 1;
                continue;
            }

            if (c == 0xc1 && d == 0x80) {
                p[n++] = '@';
                i += 1;
                continue;
            }
        }

        p[n++] = p[i];
    }

    return n;
}


/* "x@y.z": something before "@", a dot after it with something after */

static int
ngx_egov_anon_has_email(const u_char *p, size_t len)
{
    size_t  i, j;
    u_char  c;

    for (i = 1; i + 3 < len; i++) {
        if (p[i] != '@') {
            continue;
        }

        c = p[i - 1];

        if (c == ' ' || c == '/' || c == ':' || c == '@') {
            continue;
        }

        for (j = i + 2; j + 1 < len; j++) {
            c = p[j];

            if (c == ' ' || c == '/' || c == '@' || c == '&') {
                break;
            }

            if (c == '.' && p[j - 1] != '@') {
                return 1;
            }
        }
    }

    return 0;
}


/*
 * A run of NGX_EGOV_ANON_DIGITS digits, up to three spaces, dashes, dots,
 * slashes, parentheses or tabs between them (not commas nor underscores:
 * prices, coordinates, lists of ids and date ranges use them) ("+968 9123 - 4567", "(968)
 * 91234567"); Arabic-Indic digits count as digits.  A date alone
 * ("2024-11-24": a year, a month, a day) is not one.
 */

#define NGX_EGOV_ANON_SEPARATORS  3

static int
ngx_egov_anon_has_digits(const u_char *p, size_t len)
{
    size_t  i, w, digits, groups, sep, group[6], value[6];
    u_char  c;

    digits = 0;
    groups = 0;
    sep = 0;

    for (i = 0; i <= len; i += w) {
        c = (i < len) ? p[i] : '\0';
        w = 1;

        /* U+0660..0669 and U+06F0..06F9: the digit's value */

        if (i + 1 < len
            && ((c == 0xd9 && p[i + 1] >= 0xa0 && p[i + 1] <= 0xa9)
                || (c == 0xdb && p[i + 1] >= 0xb0 && p[i + 1] <= 0xb9)))
        {
            c = (u_char) ('0' + (p[i + 1] & 0x0f));
            w = 2;
        }

        if (c >= '0' && c <= '9') {
            if (digits == 0 || sep) {
                if (groups < 6) {
                    group[groups] = 0;
                    value[groups] = 0;
                }

                groups++;
            }

            if (groups <= 6) {
                group[groups - 1]++;
                value[groups - 1] = value[groups - 1] * 10 + (c - '0');
            }

            digits++;
            sep = 0;
            continue;
        }

        if (digits && sep < NGX_EGOV_ANON_SEPARATORS
            && (c == ' ' || c == '-' || c == '.' || c == '/' || c == '('
                || c == ')' || c == '\t'))
        {
            sep++;
            continue;
        }

        /* the run ends */

        if (digits >= NGX_EGOV_ANON_DIGITS
            && !ngx_egov_anon_dates(groups, group, value))
        {
            return 1;
        }

        digits = 0;
        groups = 0;
        sep = 0;
    }

    return 0;
}


/*
 * A run that is dates, not a number: a date ("2024-11-24": a year, a
 * month and a day that can be), two of them ("2024-01-01..2024-12-31",
 * "2024-01-01/2024-12-31"), or two years ("2023-2024")
 */

static int
ngx_egov_anon_dates(size_t groups, size_t *group, size_t *value)
{
    size_t  k;

    if (groups == 2) {
        return group[0] == 4 && group[1] == 4
               && value[0] >= 1900 && value[0] <= 2199
               && value[1] >= 1900 && value[1] <= 2199;
    }

    if (groups != 3 && groups != 6) {
        return 0;
    }

    for (k = 0; k < groups; k += 3) {
        if (!(group[k] == 4 && group[k + 1] == 2 && group[k + 2] == 2
              && value[k + 1] >= 1 && value[k + 1] <= 12
              && value[k + 2] >= 1 && value[k + 2] <= 31))
        {
            return 0;
        }
    }

    return 1;
}


/*
 * Words of the text (between spaces and punctuation that no address or
 * token holds): an IP address, or a token (a JWT, a long random string)
 */

static int
ngx_egov_anon_has_token(const u_char *p, size_t len)
{
    size_t  i, start;
    u_char  c;

    if (ngx_egov_anon_has_ipv4(p, len)) {
        return 1;
    }

    start = 0;

    for (i = 0; i <= len; i++) {
        c = (i < len) ? p[i] : ' ';

        if (!ngx_egov_anon_word_end(c)) {
            continue;
        }

        if (i > start
            && (ngx_egov_anon_is_address(p + start, i - start)
                || ngx_egov_anon_is_secret(p + start, i - start)))
        {
            return 1;
        }

        start = i + 1;
    }

    return 0;
}


/*
 * A dotted IPv4 address within a word too ("ip:10.1.2.3", "host-10.0.0.5",
 * "10.1.2.3." ending a sentence): four groups of one to three digits with
 * no digit, and no dot and digit, on either side ("1.2.3" and "1.2.3.4.5"
 * are versions)
 */

static int
ngx_egov_anon_has_ipv4(const u_char *p, size_t len)
{
    size_t  i, j, groups, run, wide;
    u_char  c;

    for (i = 0; i < len; i++) {

        if (!ngx_egov_anon_digit(p[i])
            || (i && (ngx_egov_anon_digit(p[i - 1]) || p[i - 1] == '.')))
        {
            continue;
        }

        groups = 0;
        run = 0;
        wide = 0;

        for (j = i; j < len; j++) {

            if (ngx_egov_anon_digit(p[j])) {
                if (++run > 3) {
                    break;
                }

                wide |= (run > 1);
                continue;
            }

            if (p[j] == '.' && run && groups < 3 && j + 1 < len
                && ngx_egov_anon_digit(p[j + 1]))
            {
                groups++;
                run = 0;
                continue;
            }

            break;
        }

        if (groups != 3 || run < 1 || run > 3) {
            continue;
        }

        /* a version or a file's ("1.2.3.4.5", "guide-1.2.0.1.pdf") */

        if (j + 1 < len && p[j] == '.'
            && (ngx_egov_anon_digit(p[j + 1])
                || ((p[j + 1] | 0x20) >= 'a' && (p[j + 1] | 0x20) <= 'z')))
        {
            continue;
        }

        /* within a word, only with a group of two digits or more
           ("host-10.0.0.5", not "article-3.1.2.4") */

        c = i ? p[i - 1] : ' ';

        if (wide || !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                      || c == '-' || c == '_'))
        {
            return 1;
        }
    }

    return 0;
}


/*
 * "10.1.2.3" (with a port or not); an IPv6 address: hex digits and
 * colons with "::" or at least three colons, perhaps a zone ("%eth0") or
 * an IPv4 end ("::ffff:10.1.2.3")
 */

static int
ngx_egov_anon_is_address(const u_char *p, size_t len)
{
    size_t  i, colons, dots, run, hex;
    int     double_colon;
    u_char  c;

    /* IPv4: four groups of 1 to 3 digits */

    dots = 0;
    run = 0;

    for (i = 0; i < len; i++) {
        c = p[i];

        if (c >= '0' && c <= '9' && run < 3) {
            run++;
            continue;
        }

        if (c == '.' && run && dots < 3) {
            dots++;
            run = 0;
            continue;
        }

        break;
    }

    if (dots == 3 && run && (i == len || p[i] == ':')) {
        return 1;
    }

    /* IPv6 */

    colons = 0;
    hex = 0;
    double_colon = 0;

    for (i = 0; i < len && p[i] != '%'; i++) {
        c = p[i];

        if (c == ':') {
            colons++;
            double_colon |= (i && p[i - 1] == ':');
            continue;
        }

        if ((c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
            || c == '.')
        {
            hex += (c != '.');
            continue;
        }

        return 0;
    }

    return hex && (double_colon || colons >= 3);
}


/*
 * A JSON Web Token ("eyJ" and two dots), or NGX_EGOV_ANON_SECRET_LEN or
 * more characters of base64url with digits, capitals and small letters
 * mixed: no word, no slug ("annual-report-2024"), no hex hash (no
 * capitals) is one
 */

static int
ngx_egov_anon_is_secret(const u_char *p, size_t len)
{
    size_t  i, dots;
    u_char  c, kinds;

    if (len > 3 && p[0] == 'e' && p[1] == 'y' && p[2] == 'J') {
        for (i = 3, dots = 0; i < len; i++) {
            dots += (p[i] == '.');
        }

        if (dots == 2) {
            return 1;
        }
    }

    if (len < NGX_EGOV_ANON_SECRET_LEN) {
        return 0;
    }

    kinds = 0;

    for (i = 0; i < len; i++) {
        c = p[i];

        if (c >= '0' && c <= '9') {
            kinds |= 1;

        } else if (c >= 'A' && c <= 'Z') {
            kinds |= 2;

        } else if (c >= 'a' && c <= 'z') {
            kinds |= 4;

        } else if (c != '-' && c != '_' && c != '.' && c != '~') {
            return 0;
        }
    }

    return kinds == 7;
}


static int
ngx_egov_anon_find_nocase(const u_char *p, size_t len, const char *what)
{
    size_t  i, n;

    n = strlen(what);

    for (i = 0; i + n <= len; i++) {
        if (strncasecmp((const char *) p + i, what, n) == 0) {
            return 1;
        }
    }

    return 0;
}


static const u_char *
ngx_egov_anon_find(const u_char *p, size_t len, const char *what)
{
    return memmem(p, len, what, strlen(what));
}


size_t
ngx_egov_anon_origin(const u_char *url, size_t len, u_char *out)
{
    size_t         i, scheme;
    u_char        *o, c;
    const u_char  *host, *end, *at;

    if (len >= 7 && strncasecmp((const char *) url, "http://", 7) == 0) {
        scheme = 4;

    } else if (len >= 8 && strncasecmp((const char *) url, "https://", 8) == 0)
    {
        scheme = 5;

    } else {
        return 0;
    }

    host = url + scheme + 3;

    for (end = host; end < url + len; end++) {
        if (*end == '/' || *end == '?' || *end == '#') {
            break;
        }
    }

    /* no "user:password@" */

    for (at = end; at > host && at[-1] != '@'; at--) { /* void */ }

    if (at > host) {
        host = at;
    }

    if (host == end) {
        return 0;
    }

    o = out;

    for (i = 0; i < scheme; i++) {
        *o++ = (u_char) (url[i] | 0x20);
    }

    o = memcpy(o, "://", 3);
    o += 3;

    for ( /* void */ ; host < end; host++) {
        c = *host;

        if (c >= 'A' && c <= 'Z') {
            c |= 0x20;

        } else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                     || c == '-' || c == '.' || c == ':' || c == '['
                     || c == ']' || c == '_'))
        {
            return 0;
        }

        *o++ = c;
    }

    return o - out;
}


typedef struct {
    const char     *token;        /* what the User-Agent holds */
    const char     *name;         /* what the log says */
    const char     *version;      /* where the version follows */
} ngx_egov_anon_browser_t;


/* first match wins: the ones that also say "Chrome" or "Safari" first */

static ngx_egov_anon_browser_t  ngx_egov_anon_browsers[] = {
    { "Edg/", "Edge", "Edg/" },
    { "Edge/", "Edge", "Edge/" },
    { "EdgA/", "Edge", "EdgA/" },
    { "EdgiOS/", "Edge", "EdgiOS/" },
    { "OPR/", "Opera", "OPR/" },
    { "SamsungBrowser/", "Samsung Internet", "SamsungBrowser/" },
    { "YaBrowser/", "Yandex", "YaBrowser/" },
    { "FxiOS/", "Firefox", "FxiOS/" },
    { "Firefox/", "Firefox", "Firefox/" },
    { "CriOS/", "Chrome", "CriOS/" },
    { "Chromium/", "Chromium", "Chromium/" },
    { "Chrome/", "Chrome", "Chrome/" },
    { "Version/", "Safari", "Version/" },
    { "MSIE ", "Internet Explorer", "MSIE " },
    { "Trident/", "Internet Explorer", "rv:" },
    { "curl/", "curl", "curl/" },
    { "Wget/", "Wget", "Wget/" },
    { "python-requests/", "python-requests", "python-requests/" },
    { NULL, NULL, NULL }
};


static const char  *ngx_egov_anon_systems[][2] = {
    { "Windows", "Windows" },
    { "Android", "Android" },
    { "iPhone", "iOS" },
    { "iPad", "iOS" },
    { "iPod", "iOS" },
    { "CrOS", "ChromeOS" },
    { "Macintosh", "macOS" },
    { "Mac OS X", "macOS" },
    { "Linux", "Linux" },
    { NULL, NULL }
};


size_t
ngx_egov_anon_ua(const u_char *ua, size_t len, u_char *out)
{
    size_t                    i, n;
    u_char                   *o;
    const u_char             *p, *v;
    const char               *os;
    ngx_egov_anon_browser_t  *b;

    o = out;

    for (b = ngx_egov_anon_browsers; b->token; b++) {
        if (ngx_egov_anon_find(ua, len, b->token)) {
            break;
        }
    }

    if (b->token == NULL) {
        /* crawlers say so, in any case */

        if (ngx_egov_anon_find_nocase(ua, len, "bot")
            || ngx_egov_anon_find_nocase(ua, len, "spider")
            || ngx_egov_anon_find_nocase(ua, len, "crawler"))
        {
            memcpy(o, "Bot", 3);
            o += 3;

        } else {
            memcpy(o, "Other", 5);
            o += 5;
        }

    } else {
        n = strlen(b->name);
        memcpy(o, b->name, n);
        o += n;

        p = ngx_egov_anon_find(ua, len, b->version);

        if (p) {
            v = p + strlen(b->version);

            if (v < ua + len && *v >= '0' && *v <= '9') {
                *o++ = ' ';
                o += ngx_egov_anon_version(v, ua + len, o);
            }
        }
    }

    os = "Other";

    for (i = 0; ngx_egov_anon_systems[i][0]; i++) {
        if (ngx_egov_anon_find(ua, len, ngx_egov_anon_systems[i][0])) {
            os = ngx_egov_anon_systems[i][1];
            break;
        }
    }

    memcpy(o, " / ", 3);
    o += 3;
    n = strlen(os);
    memcpy(o, os, n);
    o += n;

    return o - out;
}


/* the major version: at most 5 digits */

static size_t
ngx_egov_anon_version(const u_char *p, const u_char *end, u_char *out)
{
    size_t  n;

    for (n = 0; p < end && n < 5 && *p >= '0' && *p <= '9'; n++) {
        out[n] = *p++;
    }

    return n;
}
