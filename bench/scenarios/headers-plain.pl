# Issue 3: the recommended set on a small "return 200" (nginx's default
# text/plain): the headers every response gets.
{
    title    => 'security headers on, small return 200 (text/plain)',
    target   => 0.97,
    path     => '/',
    baseline => 'location / { return 200 "ok\n"; }',
    module   => 'egov_security_headers on;
                 location / { return 200 "ok\n"; }',
};
