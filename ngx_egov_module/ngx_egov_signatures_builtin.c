
/*
 * The built-in signatures (docs/protection.md lists them).  Every pattern
 * must match in time linear in its input: no unbounded repeat followed by
 * something that may fail ("/phpunit/.*eval-stdin" took 37 ms on 7 KB of
 * repeated "/phpunit/x"); t/unit/signatures_budget_test.c holds each to a
 * budget on adversarial input.
 */


#include <stddef.h>

#include "ngx_egov_signatures_builtin.h"


const ngx_egov_sig_builtin_t  ngx_egov_sig_builtins[] = {

    /* tools that scan sites for weaknesses, by their own User-Agent */
    { "scanner-ua", NGX_EGOV_SIG_UA,
      "nikto|sqlmap|\\bnmap\\b|nmap scripting engine|masscan|zgrab|nuclei|"
      "acunetix|nessus|openvas|w3af|wpscan|dirbuster|gobuster|\\bffuf\\b|"
      "fuzz faster u fool|feroxbuster|wfuzz|netsparker|arachni|skipfish|"
      "jaeles|commix|havij|zmeu|joomscan|whatweb|morfeus" },

    /* files and consoles that only a probe asks a portal for */
    { "probe-path", NGX_EGOV_SIG_URI,
      "/\\.(?:env|git|svn|hg|bzr|aws|ssh|docker|htpasswd|htaccess|DS_Store"
      "|bash_history|npmrc|vscode|idea)(?:[/.]|$)"
      "|/id_(?:rsa|dsa|ecdsa|ed25519)(?:\\.pub)?$|/sftp-config\\.json$"
      "|/web\\.config$|\\.(?:php|aspx?|jsp)(?:~|\\.(?:bak|old|orig|save|swp))$"
      "|/(?:backup|dump|database|db|wwwroot)"
      "\\.(?:sql|sql\\.gz|zip|rar|7z|tar|tar\\.gz|tgz)$"
      "|/wp-(?:login|config)\\.php|/xmlrpc\\.php|/wp-admin(?:/|$)"
      "|/php-?my-?admin|/pma/|/myadmin/|/eval-stdin\\.php(?:/|$)"
      "|/phpinfo\\.php$|/_ignition/execute-solution|/remote/fgt_lang"
      "|/cgi-bin/luci|/boaform/|/HNAP1(?:/|$)|/actuator/(?:env|heapdump)"
      "|/etc/(?:passwd|shadow)|/proc/self/" },

    /* ../ in any encoding, in the path or the query string */
    { "path-traversal", NGX_EGOV_SIG_RAW,
      "(?:\\.\\.|%2e%2e|%2e\\.|\\.%2e|%252e%252e)(?:/|\\\\|%2f|%5c|%252f)" },

    /* system files named in the query string */
    { "sensitive-file", NGX_EGOV_SIG_ARGS,
      "etc(?:/|%2f)(?:passwd|shadow)|proc(?:/|%2f)self(?:/|%2f)environ"
      "|win\\.ini|boot\\.ini" },

    { NULL, 0, NULL }
};
