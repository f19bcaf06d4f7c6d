# Issue 21: the built-in signatures on an 8 KB path made to make a
# backtracking pattern work hardest (the old probe-path alternative
# "/phpunit/.*eval-stdin" took 37 ms a request on it), against a benign
# path of the same length; the module and its signatures on both sides.
# Target: within 2x (ratio >= 0.5); linear patterns and the JIT give ~1.
my $unit = '/phpunit/x';
my $adversarial = $unit x int(8000 / length $unit);
my $benign = '/abcdefghi' x int(8000 / length $unit);
my $conf = 'location / {
                egov_signatures on;
                return 200 "ok\n";
            }';
{
    title           => 'signatures: an adversarial 8 KB path vs a benign one',
    target          => 0.5,
    baseline_module => 1,
    path_baseline   => $benign,
    path_module     => $adversarial,
    http_config     => 'large_client_header_buffers 4 16k;',
    baseline        => $conf,
    module          => $conf,
};
