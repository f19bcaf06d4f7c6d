package EgovBenchPages;

# The markup-gating benchmarks' page: about 100 KB of paragraphs with 10
# marked scripts (5 in the head, 5 inline in the body) and one marked
# iframe, as a portal with analytics and an embedded map writes it.

use strict;
use warnings;

sub marked_page {
    my $para = "<p>Government services, applications and renewals online, "
             . "in Arabic and English, for citizens and residents.</p>\n";
    return "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
         . "<title>Portal</title>\n"
         . join('', map { "<script type=\"text/plain\" data-egov-consent="
                          . "\"analytics\" src=\"/js/tag$_.js\" async>"
                          . "</script>\n" } 1 .. 5)
         . "</head><body><main>\n"
         . join('', map { ($para x 170)
                          . "<script type=\"text/plain\" data-category="
                          . "\"marketing\">window.m$_=1;</script>\n" } 1 .. 5)
         . "<iframe title=\"Map\" data-egov-consent=\"marketing\" "
         . "data-src=\"https://maps.example/embed\"></iframe>\n"
         . "</main></body></html>\n";
}

1;
