
/*
 * The fleet's entry messages and hash values, read as strictly as the
 * admin API reads the same fields: no /0 for a new entry (a published
 * "+ 0.0.0.0/0" once refused every client of every server), no bits beyond
 * a prefix's length, known kinds, bounded numbers, a printable reason of
 * NGX_EGOV_FLEET_REASON_MAX bytes at most.
 */


#include "ngx_egov_fleet_msg.h"

#include <string.h>


static int ngx_egov_fleet_cidr(const u_char *p, size_t len,
    ngx_egov_cidr_t *cidr, int add);
static int ngx_egov_fleet_value(const u_char *p, const u_char *last,
    ngx_egov_fleet_msg_t *m);
static const u_char *ngx_egov_fleet_number(const u_char *p,
    const u_char *last, uint64_t *n);


int
ngx_egov_fleet_msg_parse(const u_char *p, size_t len, ngx_egov_fleet_msg_t *m)
{
    uint64_t       kind;
    const u_char  *last, *field, *q;

    memset(m, 0, sizeof(ngx_egov_fleet_msg_t));

    last = p + len;

    if (len < 4 || (p[0] != '+' && p[0] != '-') || p[1] != ' ') {
        return NGX_EGOV_FLEET_BAD;
    }

    m->add = (p[0] == '+');
    field = p + 2;

    for (q = field; q < last && *q != ' '; q++) { /* void */ }

    if (q == last
        || ngx_egov_fleet_cidr(field, q - field, &m->cidr, m->add)
           != NGX_EGOV_FLEET_OK)
    {
        return NGX_EGOV_FLEET_BAD;
    }

    if (m->add) {
        return ngx_egov_fleet_value(q + 1, last, m);
    }

    q = ngx_egov_fleet_number(q + 1, last, &kind);

    if (q == NULL || kind > NGX_EGOV_FLEET_BLOCK) {
        return NGX_EGOV_FLEET_BAD;
    }

    m->kind = (unsigned) kind;

    /* the removed entry's creation time, when the sender says it */

    if (q < last
        && (ngx_egov_fleet_number(q + 1, last, &m->created) != last
            || m->created == 0))
    {
        return NGX_EGOV_FLEET_BAD;
    }

    return NGX_EGOV_FLEET_OK;
}


int
ngx_egov_fleet_entry_parse(const u_char *field, size_t field_len,
    const u_char *value, size_t value_len, ngx_egov_fleet_msg_t *m)
{
    uint64_t       kind;
    const u_char  *p, *last;

    memset(m, 0, sizeof(ngx_egov_fleet_msg_t));

    m->add = !(value_len >= 2 && value[0] == '-' && value[1] == ' ');

    if (ngx_egov_fleet_cidr(field, field_len, &m->cidr, m->add)
        != NGX_EGOV_FLEET_OK)
    {
        return NGX_EGOV_FLEET_BAD;
    }

    if (m->add) {
        return ngx_egov_fleet_value(value, value + value_len, m);
    }

    /* a removal's mark: "- KIND REMOVED EXPIRES", always expiring */

    last = value + value_len;

    p = ngx_egov_fleet_number(value + 2, last, &kind);
    if (p == NULL || p == last || kind > NGX_EGOV_FLEET_BLOCK) {
        return NGX_EGOV_FLEET_BAD;
    }

    p = ngx_egov_fleet_number(p + 1, last, &m->created);
    if (p == NULL || p == last) {
        return NGX_EGOV_FLEET_BAD;
    }

    p = ngx_egov_fleet_number(p + 1, last, &m->expires);
    if (p != last || m->expires == 0) {
        return NGX_EGOV_FLEET_BAD;
    }

    m->kind = (unsigned) kind;

    return NGX_EGOV_FLEET_OK;
}


static int
ngx_egov_fleet_cidr(const u_char *p, size_t len, ngx_egov_cidr_t *cidr,
    int add)
{
    if (ngx_egov_cidr_parse(p, len, cidr) != NGX_EGOV_CIDR_OK
        || ngx_egov_cidr_host_bits(p, len, cidr)
        || (add && cidr->prefix == 0))
    {
        return NGX_EGOV_FLEET_BAD;
    }

    return NGX_EGOV_FLEET_OK;
}


/* "KIND CREATED EXPIRES BANS REASON"; the reason may be empty */

static int
ngx_egov_fleet_value(const u_char *p, const u_char *last,
    ngx_egov_fleet_msg_t *m)
{
    uint64_t       kind, bans;
    const u_char  *q;

    p = ngx_egov_fleet_number(p, last, &kind);

    if (p == NULL || p == last
        || (kind != NGX_EGOV_FLEET_BAN && kind != NGX_EGOV_FLEET_BLOCK
            && kind != NGX_EGOV_FLEET_OPERATOR))
    {
        return NGX_EGOV_FLEET_BAD;
    }

    p = ngx_egov_fleet_number(p + 1, last, &m->created);
    if (p == NULL || p == last) {
        return NGX_EGOV_FLEET_BAD;
    }

    p = ngx_egov_fleet_number(p + 1, last, &m->expires);
    if (p == NULL || p == last) {
        return NGX_EGOV_FLEET_BAD;
    }

    p = ngx_egov_fleet_number(p + 1, last, &bans);
    if (p == NULL || bans > NGX_EGOV_FLEET_BANS_MAX) {
        return NGX_EGOV_FLEET_BAD;
    }

    if (p < last) {
        p++;
    }

    if ((size_t) (last - p) > NGX_EGOV_FLEET_REASON_MAX) {
        return NGX_EGOV_FLEET_BAD;
    }

    for (q = p; q < last; q++) {
        if (*q < 0x20 || *q > 0x7e) {
            return NGX_EGOV_FLEET_BAD;
        }
    }

    m->by_operator = (kind == NGX_EGOV_FLEET_OPERATOR);
    m->kind = m->by_operator ? NGX_EGOV_FLEET_BAN : (unsigned) kind;
    m->bans = (unsigned) bans;
    m->reason = p;
    m->reason_len = last - p;

    return NGX_EGOV_FLEET_OK;
}


/* a decimal number up to the next space or the end; NULL if malformed */

static const u_char *
ngx_egov_fleet_number(const u_char *p, const u_char *last, uint64_t *n)
{
    const u_char  *start;

    *n = 0;
    start = p;

    while (p < last && *p >= '0' && *p <= '9') {
        if (*n > (UINT64_MAX - 9) / 10) {
            return NULL;
        }

        *n = *n * 10 + (*p++ - '0');
    }

    if (p == start || (p < last && *p != ' ')) {
        return NULL;
    }

    return p;
}
