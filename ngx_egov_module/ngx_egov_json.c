
/*
 * Recursive descent, depth bounded, every byte checked: no trailing
 * commas, no comments, no control characters in strings, numbers as the
 * RFC spells them.
 */


#include <string.h>

#include "ngx_egov_json.h"


typedef struct {
    ngx_egov_json_t    *json;
    const u_char       *p;
    const u_char       *start;
    const u_char       *end;
} ngx_egov_json_parser_t;


static int ngx_egov_json_value(ngx_egov_json_parser_t *ps, int depth);
static int ngx_egov_json_string_token(ngx_egov_json_parser_t *ps,
    size_t node);
static int ngx_egov_json_number(ngx_egov_json_parser_t *ps);
static long ngx_egov_json_node(ngx_egov_json_parser_t *ps,
    ngx_egov_json_type_e type);
static void ngx_egov_json_space(ngx_egov_json_parser_t *ps);
static int ngx_egov_json_fail(ngx_egov_json_parser_t *ps, const char *why);


int
ngx_egov_json_parse(ngx_egov_json_t *json, const u_char *text, size_t len)
{
    ngx_egov_json_parser_t  ps;

    json->n = 0;
    json->error = NULL;
    json->error_at = 0;

    ps.json = json;
    ps.p = text;
    ps.start = text;
    ps.end = text + len;

    ngx_egov_json_space(&ps);

    if (ngx_egov_json_value(&ps, 0) != 0) {
        return -1;
    }

    ngx_egov_json_space(&ps);

    if (ps.p != ps.end) {
        return ngx_egov_json_fail(&ps, "text after the value");
    }

    return 0;
}


static int
ngx_egov_json_value(ngx_egov_json_parser_t *ps, int depth)
{
    long    node;
    size_t  count;

    if (ps->p == ps->end) {
        return ngx_egov_json_fail(ps, "a value was expected");
    }

    if (depth > NGX_EGOV_JSON_MAX_DEPTH) {
        return ngx_egov_json_fail(ps, "nested too deep");
    }

    switch (*ps->p) {

    case '{':
    case '[':
        node = ngx_egov_json_node(ps, (*ps->p == '{') ? NGX_EGOV_JSON_OBJECT
                                                      : NGX_EGOV_JSON_ARRAY);
        if (node < 0) {
            return -1;
        }

        ps->p++;
        ngx_egov_json_space(ps);
        count = 0;

        if (ps->p < ps->end
            && *ps->p == (ps->json->nodes[node].type == NGX_EGOV_JSON_OBJECT
                          ? '}' : ']'))
        {
            ps->p++;

        } else {
            for ( ;; ) {
                if (ps->json->nodes[node].type == NGX_EGOV_JSON_OBJECT) {
                    if (ps->p == ps->end || *ps->p != '"') {
                        return ngx_egov_json_fail(ps, "a member name was "
                                                  "expected");
                    }

                    if (ngx_egov_json_value(ps, depth + 1) != 0) {
                        return -1;
                    }

                    ngx_egov_json_space(ps);

                    if (ps->p == ps->end || *ps->p != ':') {
                        return ngx_egov_json_fail(ps, "\":\" was expected");
                    }

                    ps->p++;
                    ngx_egov_json_space(ps);
                }

                if (ngx_egov_json_value(ps, depth + 1) != 0) {
                    return -1;
                }

                count++;
                ngx_egov_json_space(ps);

                if (ps->p < ps->end && *ps->p == ',') {
                    ps->p++;
                    ngx_egov_json_space(ps);
                    continue;
                }

                if (ps->p < ps->end
                    && *ps->p == (ps->json->nodes[node].type
                                  == NGX_EGOV_JSON_OBJECT ? '}' : ']'))
                {
                    ps->p++;
                    break;
                }

                return ngx_egov_json_fail(ps, "\",\" or the end of the "
                                          "object or array was expected");
            }
        }

        ps->json->nodes[node].size = count;
        ps->json->nodes[node].len = ps->p - ps->json->nodes[node].start;
        ps->json->nodes[node].next = ps->json->n;
        return 0;

    case '"':
        node = ngx_egov_json_node(ps, NGX_EGOV_JSON_STRING);
        if (node < 0) {
            return -1;
        }

        return ngx_egov_json_string_token(ps, node);

    case 't':
    case 'f':
    case 'n':
        if ((size_t) (ps->end - ps->p) >= 4
            && memcmp(ps->p, "true", 4) == 0)
        {
            node = ngx_egov_json_node(ps, NGX_EGOV_JSON_TRUE);
            ps->p += 4;

        } else if ((size_t) (ps->end - ps->p) >= 5
                   && memcmp(ps->p, "false", 5) == 0)
        {
            node = ngx_egov_json_node(ps, NGX_EGOV_JSON_FALSE);
            ps->p += 5;

        } else if ((size_t) (ps->end - ps->p) >= 4
                   && memcmp(ps->p, "null", 4) == 0)
        {
            node = ngx_egov_json_node(ps, NGX_EGOV_JSON_NULL);
            ps->p += 4;

        } else {
            return ngx_egov_json_fail(ps, "an unknown word");
        }

        if (node < 0) {
            return -1;
        }

        ps->json->nodes[node].len = ps->p - ps->json->nodes[node].start;
        ps->json->nodes[node].next = ps->json->n;
        return 0;

    default:
        return ngx_egov_json_number(ps);
    }
}


static int
ngx_egov_json_string_token(ngx_egov_json_parser_t *ps, size_t node)
{
    int           i;
    u_char        c;
    const u_char  *start;

    start = ++ps->p;

    while (ps->p < ps->end) {
        c = *ps->p;

        if (c == '"') {
            ps->json->nodes[node].start = start;
            ps->json->nodes[node].len = ps->p - start;
            ps->json->nodes[node].next = ps->json->n;
            ps->p++;
            return 0;
        }

        if (c < 0x20) {
            return ngx_egov_json_fail(ps, "a control character in a string");
        }

        if (c == '\\') {
            ps->json->nodes[node].escaped = 1;

            if (ps->p + 1 == ps->end) {
                break;
            }

            c = ps->p[1];

            if (c == 'u') {
                if (ps->end - ps->p < 6) {
                    return ngx_egov_json_fail(ps, "a short \\u escape");
                }

                for (i = 2; i < 6; i++) {
                    c = ps->p[i] | 0x20;
                    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                        return ngx_egov_json_fail(ps, "a bad \\u escape");
                    }
                }

                ps->p += 6;
                continue;
            }

            if (strchr("\"\\/bfnrt", c) == NULL || c == '\0') {
                return ngx_egov_json_fail(ps, "a bad escape");
            }

            ps->p += 2;
            continue;
        }

        ps->p++;
    }

    return ngx_egov_json_fail(ps, "a string without its end");
}


static int
ngx_egov_json_number(ngx_egov_json_parser_t *ps)
{
    long          node;
    const u_char  *start;

    start = ps->p;

    if (ps->p < ps->end && *ps->p == '-') {
        ps->p++;
    }

    if (ps->p == ps->end || *ps->p < '0' || *ps->p > '9') {
        ps->p = start;
        return ngx_egov_json_fail(ps, "a value was expected");
    }

    if (*ps->p == '0') {
        ps->p++;

    } else {
        while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
            ps->p++;
        }
    }

    if (ps->p < ps->end && *ps->p == '.') {
        ps->p++;

        if (ps->p == ps->end || *ps->p < '0' || *ps->p > '9') {
            return ngx_egov_json_fail(ps, "a digit was expected");
        }

        while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
            ps->p++;
        }
    }

    if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
        ps->p++;

        if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-')) {
            ps->p++;
        }

        if (ps->p == ps->end || *ps->p < '0' || *ps->p > '9') {
            return ngx_egov_json_fail(ps, "a digit was expected");
        }

        while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
            ps->p++;
        }
    }

    node = ngx_egov_json_node(ps, NGX_EGOV_JSON_NUMBER);
    if (node < 0) {
        return -1;
    }

    ps->json->nodes[node].start = start;
    ps->json->nodes[node].len = ps->p - start;
    ps->json->nodes[node].next = ps->json->n;

    return 0;
}


static long
ngx_egov_json_node(ngx_egov_json_parser_t *ps, ngx_egov_json_type_e type)
{
    ngx_egov_json_node_t  *n;

    if (ps->json->n == ps->json->max) {
        ngx_egov_json_fail(ps, "too many values");
        return -1;
    }

    n = &ps->json->nodes[ps->json->n];
    memset(n, 0, sizeof(ngx_egov_json_node_t));
    n->type = type;
    n->start = ps->p;

    return (long) ps->json->n++;
}


static void
ngx_egov_json_space(ngx_egov_json_parser_t *ps)
{
    while (ps->p < ps->end
           && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n'
               || *ps->p == '\r'))
    {
        ps->p++;
    }
}


static int
ngx_egov_json_fail(ngx_egov_json_parser_t *ps, const char *why)
{
    if (ps->json->error == NULL) {
        ps->json->error = why;
        ps->json->error_at = ps->p - ps->start;
    }

    return -1;
}


long
ngx_egov_json_member(ngx_egov_json_t *json, size_t obj, const char *name)
{
    size_t                 i, k, len;
    ngx_egov_json_node_t  *o, *key;

    if (obj >= json->n || json->nodes[obj].type != NGX_EGOV_JSON_OBJECT) {
        return -1;
    }

    o = &json->nodes[obj];
    len = strlen(name);
    i = obj + 1;

    for (k = 0; k < o->size && i < json->n; k++) {
        key = &json->nodes[i];

        if (!key->escaped && key->len == len
            && memcmp(key->start, name, len) == 0)
        {
            return (long) (i + 1);
        }

        /* past the name, then past the value */
        i = json->nodes[i + 1].next;
    }

    return -1;
}


long
ngx_egov_json_string(ngx_egov_json_node_t *node, u_char *out)
{
    size_t        i, n;
    unsigned      v;
    u_char        c;
    const u_char  *p;

    if (node->type != NGX_EGOV_JSON_STRING) {
        return -1;
    }

    p = node->start;

    for (i = 0, n = 0; i < node->len; i++) {
        c = p[i];

        if (c != '\\') {
            out[n++] = c;
            continue;
        }

        c = p[++i];

        switch (c) {
        case 'b': out[n++] = '\b'; break;
        case 'f': out[n++] = '\f'; break;
        case 'n': out[n++] = '\n'; break;
        case 'r': out[n++] = '\r'; break;
        case 't': out[n++] = '\t'; break;
        case 'u':
            for (v = 0, c = 1; c <= 4; c++) {
                u_char  h = p[i + c] | 0x20;
                v = v * 16 + ((h <= '9') ? (unsigned) (h - '0')
                                         : (unsigned) (h - 'a' + 10));
            }

            if (v == 0 || v > 0x7f) {
                return -1;
            }

            out[n++] = (u_char) v;
            i += 4;
            break;
        default:
            out[n++] = c;
        }
    }

    return (long) n;
}


long long
ngx_egov_json_uint(ngx_egov_json_node_t *node)
{
    size_t     i;
    long long  v;

    if (node->type != NGX_EGOV_JSON_NUMBER || node->len == 0
        || node->len > 15)
    {
        return -1;
    }

    for (i = 0, v = 0; i < node->len; i++) {
        if (node->start[i] < '0' || node->start[i] > '9') {
            return -1;
        }

        v = v * 10 + (node->start[i] - '0');
    }

    return v;
}
