
/*
 * The built-in signatures (docs/protection.md lists them).  Every pattern
 * must match in time linear in its input: no unbounded repeat followed by
 * something that may fail ("/phpunit/.*eval-stdin" took 37 ms on 7 KB of
 * repeated "/phpunit/x"); t/unit/signatures_budget_test.c holds each to a
 * budget on adversarial input.
 */


#include <stddef.h>

#include "ngx_egov_signatures_builtin.h"


/*
 * a name's end: the path's, a ";" or ":", or trailing dots and spaces
 * (Windows strips both)
 */
#define NGX_EGOV_SIG_END  "(?:$|[;:]|[. ](?:$|[/\\\\. ;:]))"

/* a dot in any encoding */
#define NGX_EGOV_SIG_DOT                                                     \
    "(?:\\.|%2e|%252e|%25252e|%c0%ae|%e0%80%ae|%u002e)"


const ngx_egov_sig_builtin_t  ngx_egov_sig_builtins[] = {

    /* tools that scan sites for weaknesses, by their own User-Agent */
    { "scanner-ua", NGX_EGOV_SIG_UA,
      "nikto|sqlmap|\\bnmap\\b|nmap scripting engine|masscan|zgrab|nuclei|"
      "acunetix|nessus|openvas|w3af|wpscan|dirbuster|gobuster|\\bffuf\\b|"
      "fuzz faster u fool|feroxbuster|wfuzz|netsparker|arachni|skipfish|"
      "jaeles|commix|havij|zmeu|joomscan|whatweb|morfeus" },

    /*
     * files and consoles that only a probe asks a portal for; a name ends
     * the path, or goes on as servers that strip what follows it read it:
     * a ";" parameter (Tomcat, Spring), ":" (an NTFS stream, "::$DATA"),
     * trailing dots (Windows), "/" (PATH_INFO) where it runs a script.
     * Written as a tree of the names' first letters after one "/": PCRE2
     * tries alternatives one by one at each "/" of the path (a path of
     * four directories cost 1,336 instructions as a flat list, 1,090 so)
     */
    { "probe-path", NGX_EGOV_SIG_URI,
      "/(?:\\.(?:(?:env|git|svn|hg|bzr|aws|ssh|docker|htpasswd|htaccess"
      "|DS_Store|bash_history|npmrc|vscode|idea)"
      "(?:[/.;:\\\\]|[ ](?:$|[/\\\\. ;:])|$)|\\.;)"
      "|id_(?:rsa|dsa|ecdsa|ed25519)(?:\\.pub)?" NGX_EGOV_SIG_END
      "|sftp-config\\.json" NGX_EGOV_SIG_END
      "|w(?:eb\\.config" NGX_EGOV_SIG_END
      "|p-(?:(?:login|config)\\.php|admin(?:[/;]|$)))|xmlrpc\\.php"
      "|p(?:hp(?:-?my-?admin|info\\.php(?:/|" NGX_EGOV_SIG_END "))"
      "|roc/self/)"
      "|e(?:val-stdin\\.php(?:[/;]|$)|tc/(?:passwd|shadow))"
      "|_ignition/execute-solution|remote/fgt_lang"
      "|cgi-bin/luci|boaform/|HNAP1(?:[/;]|$)"
      "|actuator(?:;[^/]{0,256})?/(?:;[^/]{0,256}/){0,8}(?:env|heapdump))"
      "|\\.(?:php|aspx?|jsp)(?:~|\\.(?:bak|old|orig|save|swp))"
      NGX_EGOV_SIG_END
      "|^/(?:(?:backup|dump|database|db|wwwroot)"
      "\\.(?:sql|sql\\.gz|zip|rar|7z|tar|tar\\.gz|tgz)" NGX_EGOV_SIG_END
      "|pma/|myadmin/)" },

    /*
     * ../ in any encoding, in the path or the query string: percent-encoded
     * once, twice or three times, mixed, overlong UTF-8, %u; a backslash
     * after it; not the last two dots of a word's ellipsis ("Loading...
     * /more"), but "..././" and "....//" (made to survive a filter that
     * takes "../" out once) are traversal.  Tomcat's
     * "..;/" is a probe-path, in the decoded path only: a query's "...;)"
     * is a smile
     */
    { "path-traversal", NGX_EGOV_SIG_RAW,
      "(?<![a-z0-9\\x80-\\xff!?)]\\.)" NGX_EGOV_SIG_DOT NGX_EGOV_SIG_DOT
      "(?:/|\\\\|%2f|%5c|%252f|%255c|%25252f|%c0%af|%e0%80%af|%c1%9c"
      "|%u002f|%u005c)" },

    /* system files named in the query string (matched decoded too) */
    { "sensitive-file", NGX_EGOV_SIG_ARGS,
      "etc(?:/|%2f|\\./)+(?:passwd|shadow)"
      "|proc(?:/|%2f)+self(?:/|%2f)+environ"
      "|(?<![a-z0-9_])(?:win|boot)\\.ini(?![a-z0-9_])" },

    { NULL, 0, NULL }
};
