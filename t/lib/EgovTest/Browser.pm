package EgovTest::Browser;

# Runs a script of t/browser/ (playwright-core driving Debian's chromium)
# and returns the JSON object it prints.

use strict;
use warnings;

use Cwd qw(abs_path);
use JSON::PP qw(decode_json);

my $DIR = abs_path(__FILE__ . '/../../../browser');

sub why_not {
    return 'node not installed' unless system('sh', '-c', 'command -v node >/dev/null') == 0;
    return 'chromium not installed' unless -x ($ENV{EGOV_CHROMIUM} || '/usr/bin/chromium');
    return 'npm packages missing: run tools/test-setup.sh'
        unless -d "$DIR/node_modules/playwright-core";
    return '';
}

# Browser tests are part of the suite: missing tools fail them unless
# EGOV_ALLOW_SKIP_BROWSER is set (for a quick run without chromium).
sub available {
    my $why = why_not();
    return 1 if $why eq '';
    return 0 if $ENV{EGOV_ALLOW_SKIP_BROWSER};
    die "browser tests cannot run: $why\n";
}

sub run {
    my ($script, @args) = @_;
    my @cmd = ('node', "$DIR/$script", @args);
    open my $fh, '-|', @cmd or return { error => "cannot run node: $!" };
    local $/;
    my $out = <$fh>;
    close $fh;
    my ($line) = grep { /^\{/ } reverse split /\n/, ($out || '');
    return { error => "no JSON from $script: " . ($out || '') } unless $line;
    my $res = eval { decode_json($line) };
    return $res || { error => "bad JSON from $script: $line" };
}

1;
