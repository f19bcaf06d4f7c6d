package EgovTest::Axe;

# Checks a page with axe-core in Chromium: no serious or critical WCAG 2.0
# or 2.1 (A and AA) violation.

use strict;
use warnings;
use Test::More;
use EgovTest::Browser;

sub check_page {
    my ($url, $lang, $label, %want) = @_;
    my $res = EgovTest::Browser::run('axe.js', $url, $lang || ());
    ok(!$res->{error}, "$label: axe ran") or return diag $res->{error};
    is($res->{status}, $want{status}, "$label: status") if $want{status};
    is($res->{lang}, $want{lang}, "$label: lang") if $want{lang};
    is($res->{dir}, $want{dir}, "$label: dir") if $want{dir};
    my @bad = grep { ($_->{impact} || '') =~ /^(serious|critical)$/ }
              @{ $res->{violations} || [] };
    is(scalar @bad, 0, "$label: no serious or critical WCAG 2.1 AA violation")
        or diag join "\n", map { "$_->{id} ($_->{impact}): $_->{help} @{$_->{nodes}}" } @bad;
    my @minor = grep { ($_->{impact} || '') !~ /^(serious|critical)$/ }
                @{ $res->{violations} || [] };
    note "minor: $_->{id} ($_->{impact})" for @minor;
    return $res;
}

1;
