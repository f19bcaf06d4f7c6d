# Issue 6: a log line using every $egov_anon_* variable vs the same line
# with the raw variables; target 0.95.  As the target is worded, both sides
# run nginx with the module loaded and differ only in the log line
# (anon-log-vs-plain.pl compares with nginx without the module, the
# module's presence included).  The request carries a query with
# personal data, a Referer, a User-Agent and an X-Forwarded-For, so every
# variable has work to do; the address is anonymized with Crypto-PAn (the
# costliest mode: 32 AES blocks per IPv4 address).
{
    title    => 'access log: every $egov_anon_* variable vs the raw ones',
    target   => 0.95,
    baseline_module => 1,
    path     => '/page?q=me%40example.com&page=2&id=96891234567',
    headers  => [
        'Referer: https://search.example.com/results?q=my+name',
        'User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) '
        . 'AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 '
        . 'Safari/537.36',
        'X-Forwarded-For: 203.0.113.7, 198.51.100.23',
    ],
    http_baseline => 'log_format raw \'$remote_addr "$request_uri" $args '
                   . '"$http_referer" "$http_user_agent" '
                   . '"$http_x_forwarded_for"\';',
    http_module => 'egov_anon_addr prefix;
                    log_format anon \'$egov_anon_addr "$egov_anon_uri" '
                 . '$egov_anon_args "$egov_anon_referer" "$egov_anon_ua" '
                 . '"$egov_anon_xff"\';',
    baseline => 'access_log logs/bench.log raw;
                 location / { return 200 "ok\n"; }',
    module   => 'access_log logs/bench.log anon;
                 location / { return 200 "ok\n"; }',
};
