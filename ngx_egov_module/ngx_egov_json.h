
/*
 * A small strict JSON parser (RFC 8259) for the admin API's requests and
 * egovctl's reading of its answers: the whole text is parsed into a flat
 * array of nodes, or refused with the byte offset and what is wrong.
 * Plain C over (pointer, length), no nginx types: unit-tested and fuzzed.
 */


#ifndef _NGX_EGOV_JSON_H_INCLUDED_
#define _NGX_EGOV_JSON_H_INCLUDED_


#include <sys/types.h>
#include <stddef.h>


#define NGX_EGOV_JSON_MAX_DEPTH  16


typedef enum {
    NGX_EGOV_JSON_NULL = 0,
    NGX_EGOV_JSON_FALSE,
    NGX_EGOV_JSON_TRUE,
    NGX_EGOV_JSON_NUMBER,
    NGX_EGOV_JSON_STRING,
    NGX_EGOV_JSON_ARRAY,
    NGX_EGOV_JSON_OBJECT
} ngx_egov_json_type_e;


/*
 * Nodes in document order.  An object's members follow it as pairs (a
 * string node for the name, then the value and its own nodes); "size" is
 * how many members or elements a container has, "next" the index of the
 * node after the whole value.
 */
typedef struct {
    ngx_egov_json_type_e    type;
    const u_char           *start;     /* the text of the value */
    size_t                  len;       /* strings: without the quotes */
    size_t                  size;
    size_t                  next;
    int                     escaped;   /* a string holding "\" escapes */
} ngx_egov_json_node_t;


typedef struct {
    ngx_egov_json_node_t   *nodes;
    size_t                  n;         /* used */
    size_t                  max;       /* room */
    size_t                  error_at;  /* where parsing stopped */
    const char             *error;     /* why, or NULL */
} ngx_egov_json_t;


/* 0 when "text" is one JSON value (and only whitespace around it) */
int ngx_egov_json_parse(ngx_egov_json_t *json, const u_char *text,
    size_t len);

/* the value of member "name" of the object at node "obj", or -1 */
long ngx_egov_json_member(ngx_egov_json_t *json, size_t obj,
    const char *name);

/* a string node's text with escapes decoded ("out" has room for len);
 * returns the length, or -1 for \u escapes outside ASCII or bad ones */
long ngx_egov_json_string(ngx_egov_json_node_t *node, u_char *out);

/* a number node as a non-negative integer, or -1 */
long long ngx_egov_json_uint(ngx_egov_json_node_t *node);


#endif /* _NGX_EGOV_JSON_H_INCLUDED_ */
