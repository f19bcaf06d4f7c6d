/*
 * A few TAP macros for the C unit tests of the module's plain parsers
 * (functions over pointer and length, no nginx types), run by t/20-unit.t.
 */

#ifndef _EGOV_TAP_H_INCLUDED_
#define _EGOV_TAP_H_INCLUDED_

#include <stdio.h>
#include <string.h>

static int  tap_n, tap_failed;

#define ok(cond, ...)                                                        \
    do {                                                                     \
        int tap_ok_ = (cond) ? 1 : 0;                                        \
        printf("%sok %d - ", tap_ok_ ? "" : "not ", ++tap_n);                \
        printf(__VA_ARGS__);                                                 \
        printf("\n");                                                        \
        if (!tap_ok_) {                                                      \
            tap_failed++;                                                    \
            printf("#   at %s line %d\n", __FILE__, __LINE__);               \
        }                                                                    \
    } while (0)

#define is_int(got, want, ...)                                               \
    do {                                                                     \
        long tap_g_ = (long) (got), tap_w_ = (long) (want);                  \
        ok(tap_g_ == tap_w_, __VA_ARGS__);                                   \
        if (tap_g_ != tap_w_) {                                              \
            printf("#   got %ld, want %ld\n", tap_g_, tap_w_);               \
        }                                                                    \
    } while (0)

#define done_testing()                                                       \
    (printf("1..%d\n", tap_n), tap_failed ? 1 : 0)

#endif
