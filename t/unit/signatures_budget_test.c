/* sources: ngx_egov_module/ngx_egov_signatures_builtin.c libs: -lpcre2-8 */

/*
 * Every built-in signature must match in time linear in its input: each is
 * run on 8 KB inputs made of a repeated prefix of each of its alternatives
 * (what makes a backtracking pattern work hardest), and the work PCRE2 does
 * (its auto-callouts: one per pattern item tried, backtracking included)
 * must stay within a fixed budget per byte.
 */

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include "tap.h"
#include "ngx_egov_signatures_builtin.h"

#define INPUT   8192
#define BUDGET  (64 * INPUT)       /* steps for an 8 KB input */
#define MAX_LIT 64
#define MAX_SEEN 4096

static unsigned long  steps;
static unsigned long  worst;
static char           worst_unit[MAX_LIT + 2];

/* the units run already for this pattern: many alternatives share them */
static char          *seen[MAX_SEEN];
static size_t         nseen;


static int
count(pcre2_callout_block *b, void *data)
{
    (void) b;
    (void) data;
    steps++;
    return 0;
}


/* the end of the group or class that starts at p */

static const char *
closing(const char *p, const char *end)
{
    int  depth = 0, class = 0;

    for ( /* void */ ; p < end; p++) {
        if (*p == '\\') {
            p++;
        } else if (class) {
            class = (*p != ']');
        } else if (*p == '[') {
            class = 1;
        } else if (*p == '(') {
            depth++;
        } else if (*p == ')' && --depth == 0) {
            return p;
        }
    }

    return end;
}


static const char *
next_alt(const char *p, const char *end)
{
    for ( /* void */ ; p < end; p++) {
        if (*p == '\\') {
            p++;
        } else if (*p == '(' || *p == '[') {
            p = closing(p, end);
        } else if (*p == '|') {
            return p;
        }
    }

    return end;
}


static unsigned long
run(pcre2_code *re, pcre2_match_data *md, pcre2_match_context *mc,
    const char *unit, size_t len)
{
    char    buf[INPUT];
    size_t  n;

    for (n = 0; n < nseen; n++) {
        if (strlen(seen[n]) == len && memcmp(seen[n], unit, len) == 0) {
            return 0;
        }
    }

    if (nseen < MAX_SEEN) {
        seen[nseen] = strndup(unit, len);
        nseen++;
    }

    for (n = 0; n + len <= INPUT; n += len) {
        memcpy(buf + n, unit, len);
    }

    steps = 0;
    (void) pcre2_match(re, (PCRE2_SPTR) buf, n, 0, 0, md, mc);

    if (steps > worst) {
        worst = steps;
        snprintf(worst_unit, sizeof(worst_unit), "%.*s", (int) len, unit);
    }

    return steps;
}


/* every prefix of a literal, alone and followed by a byte that breaks it */

static void
try_literal(pcre2_code *re, pcre2_match_data *md, pcre2_match_context *mc,
    const char *lit, size_t len)
{
    char    unit[MAX_LIT + 1];
    size_t  k;

    for (k = 1; k <= len; k++) {
        memcpy(unit, lit, k);
        run(re, md, mc, unit, k);
        unit[k] = 'x';
        run(re, md, mc, unit, k + 1);
        unit[k] = '/';
        run(re, md, mc, unit, k + 1);
    }
}


/*
 * The literal text each alternative of p..end starts with, a group's
 * alternatives expanded, up to anything that is not plain text
 */

static void
literals(pcre2_code *re, pcre2_match_data *md, pcre2_match_context *mc,
    const char *p, const char *end, char *lit, size_t len)
{
    const char  *alt, *e, *g, *q;
    size_t       n;

    for (alt = p; alt <= end; alt = e + 1) {
        e = next_alt(alt, end);
        n = len;

        for (q = alt; q < e && n < MAX_LIT; /* void */) {

            /* a lookaround matches no text: past it */

            if (q[0] == '(' && q[1] == '?'
                && (q[2] == '=' || q[2] == '!'
                    || (q[2] == '<' && (q[3] == '=' || q[3] == '!'))))
            {
                q = closing(q, e) + 1;
                continue;
            }

            if (*q == '(') {
                g = closing(q, e);
                if (g + 1 < e && strchr("?*+{", g[1])) {
                    break;
                }
                q += (q[1] == '?' && q[2] == ':') ? 3 : 1;
                literals(re, md, mc, q, g, lit, n);
                n = len;            /* emitted within the group */
                q = e;
                break;
            }

            if (*q == '\\' && q + 1 < e
                && !((q[1] >= 'a' && q[1] <= 'z')
                     || (q[1] >= 'A' && q[1] <= 'Z')
                     || (q[1] >= '0' && q[1] <= '9')))
            {
                if (q + 2 < e && strchr("?*+{", q[2])) {
                    break;
                }
                lit[n++] = q[1];
                q += 2;
                continue;
            }

            if (strchr("\\[.^$?*+{|", *q)) {
                break;
            }

            if (q + 1 < e && strchr("?*+{", q[1])) {
                break;
            }

            lit[n++] = *q++;
        }

        if (n > len) {
            try_literal(re, md, mc, lit, n);
        }
    }
}


static void
forget(void)
{
    while (nseen) {
        free(seen[--nseen]);
    }
}


static pcre2_code *
compile(const char *pattern)
{
    int          err;
    PCRE2_SIZE   off;

    return pcre2_compile((PCRE2_SPTR) pattern, PCRE2_ZERO_TERMINATED,
                         PCRE2_CASELESS | PCRE2_AUTO_CALLOUT, &err, &off,
                         NULL);
}


int
main(void)
{
    char                            lit[MAX_LIT + 1];
    pcre2_code                     *re;
    pcre2_match_data               *md;
    pcre2_match_context            *mc;
    const ngx_egov_sig_builtin_t   *b;

    md = pcre2_match_data_create(1, NULL);
    mc = pcre2_match_context_create(NULL);
    pcre2_set_callout(mc, count, NULL);

    /* the budget tells a backtracking pattern from a linear one */
    re = compile("/phpunit/.*eval-stdin\\.php");
    worst = 0;
    literals(re, md, mc, "/phpunit/x", "/phpunit/x" + 10, lit, 0);
    ok(worst > BUDGET, "the old probe-path alternative is over budget: "
       "%lu steps on \"%s\"...", worst, worst_unit);
    pcre2_code_free(re);
    forget();

    for (b = ngx_egov_sig_builtins; b->name; b++) {
        re = compile(b->regex);
        ok(re != NULL, "%s compiles", b->name);
        if (re == NULL) {
            continue;
        }

        worst = 0;
        worst_unit[0] = '\0';
        literals(re, md, mc, b->regex, b->regex + strlen(b->regex), lit, 0);
        ok(worst <= BUDGET && worst > 0, "%s: at most %lu steps on 8 KB "
           "(%lu on \"%s\"...)", b->name, (unsigned long) BUDGET, worst,
           worst_unit);

        pcre2_code_free(re);
        forget();
    }

    pcre2_match_context_free(mc);
    pcre2_match_data_free(md);

    return done_testing();
}
