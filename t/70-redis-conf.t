#!/usr/bin/perl
# egov_redis, egov_redis_sentinel, egov_redis_health: what the
# configuration accepts, and every invalid form refused by "nginx -t" with
# the directive, the file and the line.

use strict;
use warnings;
use lib 't/lib';
use EgovTest;

# the line of nginx.conf that holds "text" (the config is written before
# the expectations are evaluated)
sub line_of {
    my ($prefix, $text) = @_;
    open my $fh, '<', "$prefix/conf/nginx.conf" or die $!;
    while (my $line = <$fh>) {
        return $. if index($line, $text) >= 0;
    }
    return 0;
}

run_tests();

__DATA__

=== TEST 1: a name is resolved when the configuration is read
--- redis: 1
--- http_config
    egov_redis localhost:$TEST_NGINX_REDIS_PORT;
--- config
    location /health { egov_redis_health; }
--- request
GET /health
--- error_code: 200
--- response_body_like: ^\{"redis":"up","rtt_ms":\d+\.\d{3},"master":"127\.0\.0\.1:\d+"\}$

=== TEST 2: every option at once (password= in t/71); health asked a second after the start (a loaded machine once asked before the worker had connected)
--- redis: 1
--- http_config
    egov_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT db=0 prefix=portal:
               connect_timeout=2s timeout=250ms;
--- config
    location /health { egov_redis_health ping timeout=100ms; }
    location / { return 200 "started\n"; }
--- request eval
["GET /", "GET /health"]
--- pause: 1
--- error_code eval
[200, 200]
--- response_body_like eval
["started", '"redis":"up"']

=== TEST 3: the default port is 6379
--- http_config
    egov_redis 127.0.0.1;
--- config
    location /health { egov_redis_health; }
--- request
GET /health
--- response_body_like: "master":"127\.0\.0\.1:6379"

=== TEST 4: no arguments
--- http_config
    egov_redis;
--- must_die
--- error_log eval
[qr{invalid number of arguments in "egov_redis" directive in \S+nginx.conf:${\ main::line_of('$TEST_NGINX_PREFIX', 'egov_redis;') }}]

=== TEST 5: http level only
--- config
    egov_redis 127.0.0.1:6379;
--- must_die
--- error_log eval
[qr{"egov_redis" directive is not allowed here in \S+nginx.conf:\d+}]

=== TEST 6: twice
--- http_config
    egov_redis 127.0.0.1:6379;
    egov_redis 127.0.0.1:6380;
--- must_die
--- error_log eval
[qr{"egov_redis" directive is duplicate in \S+nginx.conf:${\ main::line_of('$TEST_NGINX_PREFIX', '6380') }}]

=== TEST 7: a port out of range
--- http_config
    egov_redis 127.0.0.1:99999;
--- must_die
--- error_log eval
[qr{egov_redis: invalid port in "127.0.0.1:99999" in \S+nginx.conf:${\ main::line_of('$TEST_NGINX_PREFIX', '99999') }}]

=== TEST 8: a name that does not resolve
--- http_config
    egov_redis no-such-host.invalid:6379;
--- must_die
--- error_log eval
[qr{egov_redis: host not found in "no-such-host.invalid:6379" in \S+nginx.conf:\d+}]

=== TEST 9: a URI is not an address
--- http_config
    egov_redis 127.0.0.1:6379/0;
--- must_die
--- error_log eval
[qr{egov_redis: invalid host in "127.0.0.1:6379/0" in \S+nginx.conf:\d+}]

=== TEST 10: an empty unix socket path
--- http_config
    egov_redis unix:;
--- must_die
--- error_log eval
[qr{egov_redis: invalid unix socket path in "unix:" in \S+nginx.conf:\d+}]

=== TEST 11: db must be a number
--- http_config
    egov_redis 127.0.0.1 db=one;
--- must_die
--- error_log eval
[qr{egov_redis: invalid db "one", a database number is expected in \S+nginx.conf:${\ main::line_of('$TEST_NGINX_PREFIX', 'db=one') }}]

=== TEST 12: db is not negative
--- http_config
    egov_redis 127.0.0.1 db=-1;
--- must_die
--- error_log eval
[qr{egov_redis: invalid db "-1"}]

=== TEST 13: a prefix with a space
--- http_config
    egov_redis 127.0.0.1 "prefix=a b";
--- must_die
--- error_log eval
[qr{egov_redis: invalid character in the prefix "a b" in \S+nginx.conf:\d+}]

=== TEST 14: a prefix too long
--- http_config eval
"    egov_redis 127.0.0.1 prefix=" . ('p' x 65) . ";\n"
--- must_die
--- error_log eval
[qr{egov_redis: the prefix must have 1 to 64 characters in \S+nginx.conf:\d+}]

=== TEST 15: connect_timeout above 0
--- http_config
    egov_redis 127.0.0.1 connect_timeout=0;
--- must_die
--- error_log eval
[qr{egov_redis: invalid time "0" in "connect_timeout=0", a time above 0 is expected in \S+nginx.conf:\d+}]

=== TEST 16: timeout must be a time
--- http_config
    egov_redis 127.0.0.1 timeout=soon;
--- must_die
--- error_log eval
[qr{egov_redis: invalid time "soon" in "timeout=soon"}]

=== TEST 17: an unknown parameter
--- http_config
    egov_redis 127.0.0.1 pool=4;
--- must_die
--- error_log eval
[qr{egov_redis: invalid parameter "pool=4" in \S+nginx.conf:${\ main::line_of('$TEST_NGINX_PREFIX', 'pool=4') }}]

=== TEST 18: a password file that is not there
--- http_config
    egov_redis 127.0.0.1 password=missing.pw;
--- must_die
--- error_log eval
[qr{egov_redis: cannot open the password file "\S+/conf/missing.pw" \(2: No such file or directory\) in \S+nginx.conf:\d+}]

=== TEST 19: an empty password file
--- user_files
>>> empty.pw
--- http_config
    egov_redis 127.0.0.1 password=$TEST_NGINX_HTML_DIR/empty.pw;
--- must_die
--- error_log eval
[qr{egov_redis: the password file "\S+/html/empty.pw" is empty in \S+nginx.conf:\d+}]

=== TEST 20: a password file of two lines
--- user_files
>>> two.pw
first
second
--- http_config
    egov_redis 127.0.0.1 password=$TEST_NGINX_HTML_DIR/two.pw;
--- must_die
--- error_log eval
[qr{egov_redis: the password file "\S+/html/two.pw" has more than one line in \S+nginx.conf:\d+}]

=== TEST 21: password= without a file
--- http_config
    egov_redis 127.0.0.1 password=;
--- must_die
--- error_log eval
[qr{egov_redis: "password=" needs a file name in \S+nginx.conf:\d+}]

=== TEST 22: egov_redis_sentinel needs master=
--- http_config
    egov_redis_sentinel 127.0.0.1:26379;
--- must_die
--- error_log eval
[qr{egov_redis_sentinel: master=NAME is missing in \S+nginx.conf:${\ main::line_of('$TEST_NGINX_PREFIX', 'egov_redis_sentinel') }}]

=== TEST 23: egov_redis_sentinel needs an address
--- http_config
    egov_redis_sentinel master=portal;
--- must_die
--- error_log eval
[qr{egov_redis_sentinel: no sentinel address in \S+nginx.conf:\d+}]

=== TEST 24: egov_redis_sentinel with an unknown parameter
--- http_config
    egov_redis_sentinel 127.0.0.1 master=portal quorum=2;
--- must_die
--- error_log eval
[qr{egov_redis_sentinel: invalid parameter "quorum=2" in \S+nginx.conf:\d+}]

=== TEST 25: a master name with a quote
--- http_config
    egov_redis_sentinel 127.0.0.1 'master=a"b';
--- must_die
--- error_log eval
[qr{egov_redis_sentinel: invalid character in the master name "a"b"}]

=== TEST 26: a sentinel address out of range
--- http_config
    egov_redis_sentinel 127.0.0.1:0 master=portal;
--- must_die
--- error_log eval
[qr{egov_redis_sentinel: invalid port in "127.0.0.1:0" in \S+nginx.conf:\d+}]

=== TEST 27: egov_redis_sentinel twice
--- http_config
    egov_redis_sentinel 127.0.0.1 master=a;
    egov_redis_sentinel 127.0.0.2 master=a;
--- must_die
--- error_log eval
[qr{"egov_redis_sentinel" directive is duplicate in \S+nginx.conf:${\ main::line_of('$TEST_NGINX_PREFIX', '127.0.0.2') }}]

=== TEST 28: a fixed address, then sentinels
--- http_config
    egov_redis 127.0.0.1:6379;
    egov_redis_sentinel 127.0.0.1 master=portal;
--- must_die
--- error_log eval
[qr{egov_redis_sentinel: egov_redis \(in \S+nginx.conf:${\ main::line_of('$TEST_NGINX_PREFIX', 'egov_redis 127') }\) names a fixed address; write "egov_redis sentinel ..." to take the master from the sentinels in \S+nginx.conf:${\ main::line_of('$TEST_NGINX_PREFIX', 'egov_redis_sentinel') }}]

=== TEST 29: sentinels, then a fixed address
--- http_config
    egov_redis_sentinel 127.0.0.1 master=portal;
    egov_redis 127.0.0.1:6379;
--- must_die
--- error_log eval
[qr{egov_redis: "127.0.0.1:6379" is a fixed address, but egov_redis_sentinel is set \(in \S+nginx.conf:${\ main::line_of('$TEST_NGINX_PREFIX', 'egov_redis_sentinel') }\)}]

=== TEST 30: "egov_redis sentinel" without sentinels
--- http_config
    egov_redis sentinel db=2;
--- must_die
--- error_log eval
[qr{"egov_redis sentinel" needs egov_redis_sentinel at the http level, in \S+nginx.conf:${\ main::line_of('$TEST_NGINX_PREFIX', 'egov_redis sentinel') }}]

=== TEST 31: sentinels with the options of egov_redis
--- http_config
    egov_redis sentinel db=2 timeout=100ms;
    egov_redis_sentinel 127.0.0.1:1 [::1]:2 master=portal;
--- config
    location /health { egov_redis_health; }
--- request
GET /health
--- error_code: 503
--- response_body_like: ^\{"redis":"(connecting|down)","rtt_ms":null,"master":null,"error":".+"\}$

=== TEST 32: egov_redis_health without egov_redis
--- config
    location /health { egov_redis_health; }
--- must_die
--- error_log eval
[qr{egov_redis_health needs egov_redis at the http level, in \S+nginx.conf:${\ main::line_of('$TEST_NGINX_PREFIX', 'egov_redis_health') }}]

=== TEST 33: egov_redis_health with an unknown parameter
--- http_config
    egov_redis 127.0.0.1;
--- config
    location /health { egov_redis_health pong; }
--- must_die
--- error_log eval
[qr{egov_redis_health: invalid parameter "pong" in \S+nginx.conf:${\ main::line_of('$TEST_NGINX_PREFIX', 'pong') }}]

=== TEST 34: egov_redis_health timeout above 0
--- http_config
    egov_redis 127.0.0.1;
--- config
    location /health { egov_redis_health timeout=0ms; }
--- must_die
--- error_log eval
[qr{egov_redis_health: invalid time "0ms", a time above 0 is expected in \S+nginx.conf:\d+}]

=== TEST 35: egov_redis_health only in a location
--- http_config
    egov_redis 127.0.0.1;
--- config
    egov_redis_health;
--- must_die
--- error_log eval
[qr{"egov_redis_health" directive is not allowed here in \S+nginx.conf:\d+}]

=== TEST 36: egov_redis_health twice in a location
--- http_config
    egov_redis 127.0.0.1;
--- config
    location /health { egov_redis_health; egov_redis_health write; }
--- must_die
--- error_log eval
[qr{"egov_redis_health" directive is duplicate in \S+nginx.conf:\d+}]
