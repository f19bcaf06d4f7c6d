package EgovTest::Consent;

# Consent cookies made the way the module makes them, with a key the test
# gives the module (egov_consent_key), so tests can present any choice.
# The module signs with that key bound to the location's categories, in
# order ("categories", "analytics preferences marketing" unless given).

use strict;
use warnings;
use Digest::SHA qw(hmac_sha256);
use MIME::Base64 qw(encode_base64);
use Exporter 'import';

our @EXPORT_OK = qw(consent_cookie $KEY);

# 32 bytes, also written to the key file of the tests
our $KEY = 'test-key-0123456789abcdef-0123456';

sub consent_cookie {
    my (%c) = @_;
    my $signed = sprintf '1.%d.%d.%x.%s.', $c{version} // 1,
        $c{time} // time, $c{granted} // 0, $c{receipt} // 'ABCDEFGHJKMN';
    my $cats = $c{categories} // 'analytics preferences marketing';
    my $key = hmac_sha256('egov-consent-categories:'
                          . join('', map { "$_ " } split ' ', $cats),
                          $c{key} // $KEY);
    my $mac = encode_base64(substr(hmac_sha256($signed, $key), 0, 16), '');
    $mac =~ tr{+/}{-_};
    $mac =~ s/=+$//;
    return $signed . $mac;
}

1;
