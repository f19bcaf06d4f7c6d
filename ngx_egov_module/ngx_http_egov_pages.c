
/*
 * The pages a refused visitor sees: 403 (blocked) and 429 (too many
 * requests), in Arabic and English with the visitor's language first, an
 * incident reference to quote, and nothing about which rule matched.
 * JSON instead for clients that prefer it.  egov_block_page and
 * egov_limit_page replace the HTML with the operator's own file, where
 * {{incident}}, {{retry_after}}, {{status}} and {{nonce}} are filled in.
 */


#include "ngx_http_egov_protect.h"


typedef struct {
    char                       *title;
    char                       *body;
} ngx_http_egov_page_text_t;


static ngx_int_t ngx_http_egov_render(ngx_http_request_t *r,
    ngx_str_t *template, ngx_str_t *out, ngx_str_t *incident,
    ngx_msec_t retry_after, ngx_uint_t status);


/*
 * [kind][lang]: kind 0 is 403, kind 1 is 429 (egov_limit_status), kind 2
 * is 503 (a fleet limit cannot be checked); the sources are UTF-8
 */

static ngx_http_egov_page_text_t  ngx_http_egov_page_texts[3][2] = {
    {
        { "Access refused",
          "<p>This service cannot be reached from your internet connection "
          "at the moment.</p>\n"
          "<p>If you think this is a mistake, contact the portal's support "
          "and quote the reference below.</p>" },
        { "تم رفض الوصول",
          "<p>لا يمكن الوصول إلى هذه الخدمة من اتصالك بالإنترنت في الوقت "
          "الحالي.</p>\n"
          "<p>إذا كنت تعتقد أن هذا خطأ، فتواصل مع دعم البوابة واذكر الرقم "
          "المرجعي أدناه.</p>" }
    },
    {
        { "Too many requests",
          "<p>Your internet connection sent too many requests in a short "
          "time.</p>\n"
          "<p>Please wait {{retry_after}} seconds, then try again.</p>" },
        { "طلبات كثيرة جداً",
          "<p>أرسل اتصالك بالإنترنت طلبات كثيرة في وقت قصير.</p>\n"
          "<p>يرجى الانتظار {{retry_after}} ثانية ثم المحاولة مرة أخرى.</p>" }
    },
    {
        { "Service temporarily unavailable",
          "<p>This service cannot take your request at the moment.</p>\n"
          "<p>Please wait {{retry_after}} seconds, then try again.</p>" },
        { "الخدمة غير متاحة مؤقتاً",
          "<p>لا يمكن لهذه الخدمة تلبية طلبك في الوقت الحالي.</p>\n"
          "<p>يرجى الانتظار {{retry_after}} ثانية ثم المحاولة مرة أخرى.</p>" }
    }
};

static char  *ngx_http_egov_page_error[3] = {
    "forbidden", "too_many_requests", "service_unavailable"
};

static char  *ngx_http_egov_page_reference[2] = {
    "Reference",
    "الرقم المرجعي"
};


static ngx_str_t  ngx_http_egov_html_type =
    ngx_string("text/html; charset=utf-8");
static ngx_str_t  ngx_http_egov_json_type =
    ngx_string("application/json");


/* egov_block_page PATH; egov_limit_page PATH; */

char *
ngx_http_egov_page(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    char  *p = conf;

    ngx_str_t   *value, **field, *page;

    field = (ngx_str_t **) (p + cmd->offset);

    if (*field != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    page = ngx_palloc(cf->pool, sizeof(ngx_str_t));
    if (page == NULL) {
        return NGX_CONF_ERROR;
    }

    if (ngx_http_egov_conf_file(cf, &value[1], 1, 1024 * 1024, 0,
                                (char *) cmd->name.data, page)
        != NGX_CONF_OK)
    {
        return NGX_CONF_ERROR;
    }

    *field = page;

    return NGX_CONF_OK;
}


ngx_int_t
ngx_http_egov_refuse(ngx_http_request_t *r, ngx_uint_t status,
    ngx_str_t *custom, ngx_str_t *incident, ngx_msec_t retry_after)
{
    u_char                     *p;
    size_t                      len;
    ngx_str_t                   body, template;
    ngx_uint_t                  kind, first, lang, i;
    ngx_http_egov_page_text_t  *t;

    kind = (status == NGX_HTTP_FORBIDDEN) ? 0
           : (status == NGX_HTTP_SERVICE_UNAVAILABLE) ? 2 : 1;

    if (kind) {
        if (ngx_http_egov_retry_after(r, retry_after) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    first = ngx_http_egov_request_lang(r, NGX_EGOV_LANG_AR);

    if (ngx_http_egov_prefers_json(r)) {
        t = &ngx_http_egov_page_texts[kind][NGX_EGOV_LANG_EN];

        len = sizeof("{\"status\":,\"error\":\"service_unavailable\","
                     "\"message\":\"\",\"incident\":\"\","
                     "\"retry_after\":}") - 1
              + NGX_INT_T_LEN * 2 + ngx_strlen(t->title) + incident->len;

        body.data = ngx_pnalloc(r->pool, len);
        if (body.data == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        p = ngx_sprintf(body.data, "{\"status\":%ui,\"error\":\"%s\","
                        "\"message\":\"%s\",\"incident\":\"%V\"",
                        status, ngx_http_egov_page_error[kind],
                        t->title, incident);

        if (kind) {
            p = ngx_sprintf(p, ",\"retry_after\":%M", retry_after);
        }

        *p++ = '}';
        body.len = p - body.data;

        return ngx_http_egov_send(r, status, &ngx_http_egov_json_type,
                                  &body);
    }

    if (custom) {
        template = *custom;

    } else {
        /* both languages, the visitor's first */

        len = 1024;

        for (i = 0; i < 2; i++) {
            len += ngx_strlen(ngx_http_egov_page_texts[kind][i].title) * 2
                   + ngx_strlen(ngx_http_egov_page_texts[kind][i].body)
                   + ngx_strlen(ngx_http_egov_page_reference[i]);
        }

        template.data = ngx_pnalloc(r->pool, len);
        if (template.data == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        t = ngx_http_egov_page_texts[kind];
        lang = first;

        p = ngx_sprintf(template.data,
            "<!doctype html>\n<html lang=\"%s\" dir=\"%s\">\n<head>\n"
            "<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, "
            "initial-scale=1\">\n<meta name=\"robots\" content=\"noindex\">\n"
            "<title>%s \xe2\x80\x94 %s</title>\n"
            "<style nonce=\"{{nonce}}\">\n"
            "body{margin:0;font-family:\"Noto Sans\",\"Noto Naskh Arabic\","
            "Tahoma,Arial,sans-serif;color:#1b1f24;background:#fff;"
            "line-height:1.6}\n"
            "main{max-width:40rem;margin:3rem auto;padding:0 1.25rem}\n"
            "section{border-inline-start:4px solid #7a1022;"
            "padding:.25rem 1.25rem;margin:0 0 2rem}\n"
            "h1,h2{font-size:1.5rem;margin:.5rem 0}\n"
            "p{margin:.5rem 0}\n"
            ".ref{font-family:monospace;font-size:1.15rem;"
            "letter-spacing:.05em}\n"
            "</style>\n</head>\n<body>\n<main>\n",
            ngx_egov_lang_code(lang), lang == NGX_EGOV_LANG_AR ? "rtl" : "ltr",
            t[lang].title, t[lang ^ 1].title);

        for (i = 0; i < 2; i++) {
            lang = i ? first ^ 1 : first;

            p = ngx_sprintf(p,
                "<section lang=\"%s\" dir=\"%s\">\n<%s>%s</%s>\n%s\n"
                "<p>%s: <strong class=\"ref\">{{incident}}</strong></p>\n"
                "</section>\n",
                ngx_egov_lang_code(lang),
                lang == NGX_EGOV_LANG_AR ? "rtl" : "ltr",
                i ? "h2" : "h1", t[lang].title, i ? "h2" : "h1",
                t[lang].body, ngx_http_egov_page_reference[lang]);
        }

        p = ngx_cpymem(p, "</main>\n</body>\n</html>\n",
                       sizeof("</main>\n</body>\n</html>\n") - 1);

        template.len = p - template.data;
    }

    if (ngx_http_egov_render(r, &template, &body, incident, retry_after,
                             status)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_egov_send(r, status, &ngx_http_egov_html_type, &body);
}


static ngx_int_t
ngx_http_egov_render(ngx_http_request_t *r, ngx_str_t *template,
    ngx_str_t *out, ngx_str_t *incident, ngx_msec_t retry_after,
    ngx_uint_t status)
{
    u_char     *p, *last, *o;
    size_t      len;
    ngx_str_t   nonce, value;
    u_char      num[NGX_INT_T_LEN];

    nonce.len = 0;

    if (ngx_strlcasestrn(template->data, template->data + template->len,
                         (u_char *) "{{nonce}}", sizeof("{{nonce}}") - 2)
        && ngx_http_egov_csp_nonce(r, &nonce) != NGX_OK)
    {
        return NGX_ERROR;
    }

    /*
     * a placeholder has at least 9 bytes and its value at most 24 (the
     * nonce): the page can grow by at most 15 bytes per 9
     */
    len = template->len * 3 + 64;

    out->data = ngx_pnalloc(r->pool, len);
    if (out->data == NULL) {
        return NGX_ERROR;
    }

    o = out->data;
    p = template->data;
    last = template->data + template->len;

    while (p < last) {

        if (*p != '{' || last - p < 4 || p[1] != '{') {
            *o++ = *p++;
            continue;
        }

        if (last - p >= 12 && ngx_strncmp(p, "{{incident}}", 12) == 0) {
            value = *incident;
            p += 12;

        } else if (last - p >= 15
                   && ngx_strncmp(p, "{{retry_after}}", 15) == 0)
        {
            value.data = num;
            value.len = ngx_sprintf(num, "%M", retry_after) - num;
            p += 15;

        } else if (last - p >= 10 && ngx_strncmp(p, "{{status}}", 10) == 0) {
            value.data = num;
            value.len = ngx_sprintf(num, "%ui", status) - num;
            p += 10;

        } else if (last - p >= 9 && ngx_strncmp(p, "{{nonce}}", 9) == 0) {
            value = nonce;
            p += 9;

        } else {
            *o++ = *p++;
            continue;
        }

        if ((size_t) (o - out->data) + value.len > len) {
            return NGX_ERROR;
        }

        o = ngx_cpymem(o, value.data, value.len);
    }

    out->len = o - out->data;

    return NGX_OK;
}
