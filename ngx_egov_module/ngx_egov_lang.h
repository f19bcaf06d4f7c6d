
/*
 * Accept-Language negotiation between the languages the module speaks.
 * Plain C over (pointer, length): no nginx types, so it can be unit-tested
 * and fuzzed on its own.
 */


#ifndef _NGX_EGOV_LANG_H_INCLUDED_
#define _NGX_EGOV_LANG_H_INCLUDED_


#include <sys/types.h>
#include <stddef.h>


typedef enum {
    NGX_EGOV_LANG_EN = 0,
    NGX_EGOV_LANG_AR,

    NGX_EGOV_LANG_MAX
} ngx_egov_lang_e;


/*
 * Returns the language the client prefers among those we have, by
 * RFC 9110 quality values; ties go to the one listed first, and a header
 * naming none of ours (or absent, len == 0) gives "fallback".
 */
ngx_egov_lang_e ngx_egov_lang_negotiate(const u_char *p, size_t len,
    ngx_egov_lang_e fallback);

/*
 * The language a page says it is in (Content-Language, <html lang>): the
 * first tag's primary subtag ("ar", "ar-OM", " en, ar"), or -1 when it is
 * none of ours
 */
int ngx_egov_lang_of_page(const u_char *p, size_t len);

/* "en", "ar" */
const char *ngx_egov_lang_code(ngx_egov_lang_e lang);


#endif /* _NGX_EGOV_LANG_H_INCLUDED_ */
