
/*
 * The fleet's messages about bans and block-list entries, and the values
 * of its Redis hash, as a server reads them: "+ CIDR KIND CREATED EXPIRES
 * BANS REASON" (an entry), "- CIDR KIND [CREATED]" (a removal, of the
 * entry created then if it says: created 0 when not), and a hash value
 * "KIND CREATED EXPIRES BANS REASON" or "- KIND REMOVED EXPIRES" (a
 * removal's mark, with a fleet secret).  An entry's KIND 3 is a ban (1)
 * that an operator made, kept from eviction where it is learnt.  Every
 * field is held to what the admin API takes for it.  Plain C over
 * (pointer, length): unit-tested and fuzzed.
 */


#ifndef _NGX_EGOV_FLEET_MSG_H_INCLUDED_
#define _NGX_EGOV_FLEET_MSG_H_INCLUDED_


#include "ngx_egov_cidr.h"


#define NGX_EGOV_FLEET_OK        0
#define NGX_EGOV_FLEET_BAD      -1

#define NGX_EGOV_FLEET_BAN        1     /* the kinds, as the module's */
#define NGX_EGOV_FLEET_BLOCK      2
#define NGX_EGOV_FLEET_OPERATOR   3     /* an entry's: an operator's ban */
#define NGX_EGOV_FLEET_REASON_MAX 64
#define NGX_EGOV_FLEET_BANS_MAX   1000


typedef struct {
    int               add;          /* 1: "+", 0: "-" */
    ngx_egov_cidr_t   cidr;
    unsigned          kind;         /* a removal's may be 0: any */
    unsigned          by_operator;  /* an entry's KIND was 3: a ban */
    uint64_t          created;      /* epoch ms */
    uint64_t          expires;      /* epoch ms, 0: never */
    unsigned          bans;
    const u_char     *reason;       /* printable ASCII, in the input */
    size_t            reason_len;
} ngx_egov_fleet_msg_t;


/* a pub/sub message */
int ngx_egov_fleet_msg_parse(const u_char *p, size_t len,
    ngx_egov_fleet_msg_t *m);

/*
 * a field (the prefix) and its value from the hash: an entry to add, or
 * the mark a removal left there ("- KIND REMOVED EXPIRES": add 0, created
 * the removal's time, expires when the mark goes)
 */
int ngx_egov_fleet_entry_parse(const u_char *field, size_t field_len,
    const u_char *value, size_t value_len, ngx_egov_fleet_msg_t *m);


#endif /* _NGX_EGOV_FLEET_MSG_H_INCLUDED_ */
