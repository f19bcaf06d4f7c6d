
/*
 * Accept-Language negotiation (RFC 9110, section 12.5.4).
 */


#include "ngx_egov_lang.h"


#define NGX_EGOV_LANG_Q_UNSET  -1


static const char  *ngx_egov_lang_codes[NGX_EGOV_LANG_MAX] = { "en", "ar" };


static int ngx_egov_lang_lower(u_char c);
static int ngx_egov_lang_match(const u_char *tag, size_t len);
static int ngx_egov_lang_parse_q(const u_char *p, const u_char *end);


ngx_egov_lang_e
ngx_egov_lang_negotiate(const u_char *p, size_t len, ngx_egov_lang_e fallback)
{
    int             lang, q, best_q;
    const u_char   *end, *tag, *tag_end;
    ngx_egov_lang_e best;

    best = fallback;
    best_q = 0;
    end = p + len;

    while (p < end) {

        /* one element: SP* tag SP* [; SP* q=VALUE] SP* (,|end) */

        while (p < end && (*p == ' ' || *p == '\t' || *p == ',')) {
            p++;
        }

        tag = p;

        while (p < end && *p != ';' && *p != ',' && *p != ' '
               && *p != '\t')
        {
            p++;
        }

        tag_end = p;
        q = 1000;

        while (p < end && *p != ',') {

            if (*p == ';') {
                p++;

                while (p < end && (*p == ' ' || *p == '\t')) {
                    p++;
                }

                if (end - p >= 2 && ngx_egov_lang_lower(p[0]) == 'q'
                    && p[1] == '=')
                {
                    q = ngx_egov_lang_parse_q(p + 2, end);
                }

                continue;
            }

            p++;
        }

        if (tag_end == tag || q <= 0) {
            continue;
        }

        lang = ngx_egov_lang_match(tag, tag_end - tag);

        if (lang >= 0 && q > best_q) {
            best = (ngx_egov_lang_e) lang;
            best_q = q;
        }
    }

    return best;
}


const char *
ngx_egov_lang_code(ngx_egov_lang_e lang)
{
    if ((unsigned) lang >= NGX_EGOV_LANG_MAX) {
        lang = NGX_EGOV_LANG_EN;
    }

    return ngx_egov_lang_codes[lang];
}


static int
ngx_egov_lang_lower(u_char c)
{
    return (c >= 'A' && c <= 'Z') ? (c | 0x20) : c;
}


/* "ar", "AR", "ar-OM", "ar_OM" match "ar"; "arn" does not */

static int
ngx_egov_lang_match(const u_char *tag, size_t len)
{
    int          i;
    const char  *code;

    if (len < 2 || (len > 2 && tag[2] != '-' && tag[2] != '_')) {
        return -1;
    }

    for (i = 0; i < NGX_EGOV_LANG_MAX; i++) {
        code = ngx_egov_lang_codes[i];

        if (ngx_egov_lang_lower(tag[0]) == code[0]
            && ngx_egov_lang_lower(tag[1]) == code[1])
        {
            return i;
        }
    }

    return -1;
}


/* qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), x1000 */

static int
ngx_egov_lang_parse_q(const u_char *p, const u_char *end)
{
    int  q, scale;

    if (p >= end || (*p != '0' && *p != '1')) {
        return NGX_EGOV_LANG_Q_UNSET;
    }

    q = (*p++ - '0') * 1000;

    if (p < end && *p == '.') {
        p++;

        for (scale = 100; p < end && scale > 0 && *p >= '0' && *p <= '9';
             scale /= 10)
        {
            q += (*p++ - '0') * scale;
        }
    }

    if (q > 1000) {
        q = 1000;
    }

    return q;
}


int
ngx_egov_lang_of_page(const u_char *p, size_t len)
{
    const u_char  *last;

    last = p + len;

    while (p < last && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'
                        || *p == '\f'))
    {
        p++;
    }

    if (last - p < 2
        || (last - p > 2 && p[2] != '-' && p[2] != ',' && p[2] != ' '
            && p[2] != ';' && p[2] != '_'))
    {
        return -1;
    }

    if ((p[0] | 0x20) == 'a' && (p[1] | 0x20) == 'r') {
        return NGX_EGOV_LANG_AR;
    }

    if ((p[0] | 0x20) == 'e' && (p[1] | 0x20) == 'n') {
        return NGX_EGOV_LANG_EN;
    }

    return -1;
}
