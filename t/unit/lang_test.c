/* sources: ngx_egov_module/ngx_egov_lang.c */

#include "tap.h"
#include "ngx_egov_lang.h"

#define S(s)  (const u_char *) (s), sizeof(s) - 1

int
main(void)
{
    const ngx_egov_lang_e  EN = NGX_EGOV_LANG_EN, AR = NGX_EGOV_LANG_AR;

    is_int(ngx_egov_lang_negotiate(S(""), EN), EN, "empty header: fallback");
    is_int(ngx_egov_lang_negotiate(S(""), AR), AR, "empty header: fallback ar");
    is_int(ngx_egov_lang_negotiate(S("ar"), EN), AR, "ar");
    is_int(ngx_egov_lang_negotiate(S("AR-om"), EN), AR, "region and case");
    is_int(ngx_egov_lang_negotiate(S("ar_OM"), EN), AR, "underscore region");
    is_int(ngx_egov_lang_negotiate(S("en-US,en;q=0.9"), AR), EN, "en first");
    is_int(ngx_egov_lang_negotiate(S("ar-OM,ar;q=0.9,en-US;q=0.8,en;q=0.7"),
                                   EN), AR, "typical Omani browser");
    is_int(ngx_egov_lang_negotiate(S("en;q=0.5, ar;q=0.8"), EN), AR,
           "q decides, not order");
    is_int(ngx_egov_lang_negotiate(S("ar;q=0.8, en;q=0.8"), EN), AR,
           "equal q: first listed wins");
    is_int(ngx_egov_lang_negotiate(S("fr-FR,fr;q=0.9"), AR), AR,
           "none of ours: fallback");
    is_int(ngx_egov_lang_negotiate(S("fr, en;q=0.1"), AR), EN,
           "low q still beats absent");
    is_int(ngx_egov_lang_negotiate(S("ar;q=0, en"), AR), EN, "q=0 refuses");
    is_int(ngx_egov_lang_negotiate(S("en;q=0"), AR), AR, "only refusal");
    is_int(ngx_egov_lang_negotiate(S("*"), AR), AR, "wildcard: fallback");
    is_int(ngx_egov_lang_negotiate(S("arn, ar-"), EN), AR,
           "arn is not ar; ar- is");
    is_int(ngx_egov_lang_negotiate(S("en;q=abc, ar;q=0.2"), EN), AR,
           "malformed q ignores the element");
    is_int(ngx_egov_lang_negotiate(S("en;Q=1.000"), AR), EN, "Q upper case");
    is_int(ngx_egov_lang_negotiate(S("en;q=1.5, ar;q=0.999"), AR), EN,
           "q above 1 capped");
    is_int(ngx_egov_lang_negotiate(S(" , ;;, ar ; q=0.3 ,"), EN), AR,
           "stray separators and spaces");
    is_int(ngx_egov_lang_negotiate(S("e"), AR), AR, "one letter");
    is_int(ngx_egov_lang_negotiate((const u_char *) "ar", 1, EN), EN,
           "length respected, not NUL");

    ok(strcmp(ngx_egov_lang_code(EN), "en") == 0, "code en");
    ok(strcmp(ngx_egov_lang_code(AR), "ar") == 0, "code ar");
    ok(strcmp(ngx_egov_lang_code((ngx_egov_lang_e) 99), "en") == 0,
       "bad code falls back to en");

    return done_testing();
}
