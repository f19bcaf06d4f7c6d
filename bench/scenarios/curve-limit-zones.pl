# Issue 16: the cost of a request checked against 1 to 16 limit zones on
# its location (none refusing): flat per zone is not asked, but it must not
# grow more than the work (one lookup per zone).
sub zones_variant {
    my ($count) = @_;
    return { label => "$count zone" . ($count > 1 ? 's' : ''),
             http_module => join("\n", map {
                 "egov_limit_zone name=z$_ key=\$binary_remote_addr "
                 . "rate=1000000r/s size=1m;" } 1 .. $count),
             module => "location / {\n"
                 . join('', map { "egov_limit zone=z$_ burst=1000000 nodelay;\n" }
                        1 .. $count)
                 . "return 200 \"ok\\n\";\n}" };
}
{
    title    => 'curve: limit zones on one location',
    path     => '/',
    baseline => 'location / { return 200 "ok\n"; }',
    variants => [ map { zones_variant($_) } 1, 4, 16 ],
};
