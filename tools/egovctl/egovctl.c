/*
 * egovctl: the security team's command line for ngx_egov_module's admin
 * API (egov_admin).  Plain C, no nginx headers: HTTP/1.0 over TCP or a
 * unix socket, the module's own JSON parser and address parser.
 *
 * Exit codes (scripts rely on them):
 *   0 done   1 usage   2 cannot reach the API   3 token refused
 *   4 request refused (bad input)   5 not found   6 server error
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "ngx_egov_cidr.h"
#include "ngx_egov_json.h"


/* the module's version (the Makefile passes NGX_HTTP_EGOV_VERSION's) */
#ifndef EGOVCTL_VERSION
#define EGOVCTL_VERSION  "unknown"
#endif


#define EXIT_USAGE      1
#define EXIT_CONNECT    2
#define EXIT_AUTH       3
#define EXIT_REFUSED    4
#define EXIT_NOT_FOUND  5
#define EXIT_SERVER     6

#define MAX_NODES       65536
#define MAX_NODES_GROWN (4 * 1024 * 1024)   /* about 240,000 entries */
#define MAX_ANSWER      (64 * 1024 * 1024)


typedef struct {
    char           *url;           /* http://host:port/prefix/ */
    char           *token_file;
    char           *ca_file;       /* https: the CAs to trust */
    char           *token;
    int             json;
    int             dry_run;
    int             force;      /* a prefix wider than the API takes */
    char           *kind;
    long            ttl;
    char           *reason;
    char           *timeout;       /* seconds, as given */
} options_t;


typedef struct {
    int             status;
    char           *body;
    size_t          len;
} response_t;


static options_t  opt;

/* the URL's host (and port) as written, for the Host header */
static char      *authority = "localhost";


static void
die(int code, const char *fmt, ...)
{
    va_list  ap;

    va_start(ap, fmt);
    fprintf(stderr, "egovctl: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);

    exit(code);
}


/* allocations that cannot fail: out of memory, the command stops */

static void *
xrealloc(void *p, size_t size)
{
    p = realloc(p, size);

    if (p == NULL) {
        die(EXIT_CONNECT, "out of memory");
    }

    return p;
}


static char *
xstrdup(const char *s)
{
    return strcpy(xrealloc(NULL, strlen(s) + 1), s);
}


static void
usage(const char *command, int code)
{
    FILE  *f = code ? stderr : stdout;

    if (command == NULL) {
        fprintf(f,
"usage: egovctl [--url URL] [--token-file FILE] [--timeout SECONDS]\n"
"               [--ca-file FILE] [--json] COMMAND ...\n"
"       egovctl --version\n"
"\n"
"Commands (egovctl COMMAND --help for each):\n"
"  ban ADDRESS|CIDR    ban, or with --kind block add a block-list entry\n"
"  unban ADDRESS|CIDR  remove a ban or entry\n"
"  list                the active bans and entries\n"
"  status ADDRESS      is it allowlisted, listed, banned, and why\n"
"  import FILE         add every address of a FireHOL or Spamhaus list\n"
"  stats               the module's counters\n"
"\n"
"The API's address and token: --url and --token-file, or EGOV_ADMIN_URL\n"
"and EGOV_ADMIN_TOKEN_FILE, or \"url =\" and \"token_file =\" lines in\n"
"$EGOVCTL_CONFIG (default /etc/egovctl.conf).  URL: https://HOST:PORT/PATH/\n"
"(its certificate verified: the system's CAs, or --ca-file, EGOV_ADMIN_CA_FILE,\n"
"\"ca_file =\"), http:// to this machine only, or unix:/SOCKET:/PATH/; PATH\n"
"the egov_admin location.  --timeout (or\n"
"EGOV_ADMIN_TIMEOUT, \"timeout =\"): how long to wait to connect, send and\n"
"read, in seconds (default 10).\n"
"\n"
"Exit codes: 0 done, 1 usage, 2 cannot reach the API (nothing answers,\n"
"or what answers is not the admin API: check --url), 3 token refused,\n"
"4 request refused, 5 not found, 6 server error.\n");

    } else if (strcmp(command, "ban") == 0) {
        fprintf(f,
"usage: egovctl ban ADDRESS|CIDR [--kind ban|block] [--ttl DURATION]\n"
"                                [--reason TEXT] [--force]\n"
"A ban lasts --ttl (default 1h; 90, 90s, 15m, 1h, 7d, 1h30m, as nginx\n"
"writes times); a block (--kind block) lasts forever unless --ttl is\n"
"given.  Every server of a fleet applies it.  A prefix wider than an\n"
"IPv4 /8 or an IPv6 /16 needs --force.\n");

    } else if (strcmp(command, "unban") == 0) {
        fprintf(f,
"usage: egovctl unban ADDRESS|CIDR [--kind ban|block]\n"
"Removes the ban or entry of exactly that address or prefix.\n");

    } else if (strcmp(command, "list") == 0) {
        fprintf(f, "usage: egovctl list [--kind ban|block]\n");

    } else if (strcmp(command, "status") == 0) {
        fprintf(f, "usage: egovctl status ADDRESS\n");

    } else if (strcmp(command, "import") == 0) {
        fprintf(f,
"usage: egovctl import FILE [--kind block|ban] [--ttl DURATION]\n"
"                           [--reason TEXT] [--dry-run] [--force]\n"
"FILE: one address or prefix per line, \"#\" and \";\" comments (FireHOL\n"
".netset, Spamhaus DROP).  --dry-run reports what would change.\n"
"Default kind: block.  Prefixes wider than an IPv4 /8 or an IPv6 /16\n"
"(a bogon list's 224.0.0.0/3) are refused without --force.\n");

    } else if (strcmp(command, "stats") == 0) {
        fprintf(f, "usage: egovctl stats\n");

    } else {
        fprintf(f, "egovctl: unknown command \"%s\"\n", command);
        code = EXIT_USAGE;
    }

    exit(code);
}


static char *
trim(char *s)
{
    char  *e;

    while (*s == ' ' || *s == '\t') {
        s++;
    }

    e = s + strlen(s);

    while (e > s && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' '
                     || e[-1] == '\t'))
    {
        *--e = '\0';
    }

    return s;
}


/* what goes into a request line or a header as it is: no space, no control */

static int
visible_ascii(const char *s)
{
    for ( /* void */ ; *s; s++) {
        if ((unsigned char) *s <= ' ' || (unsigned char) *s >= 0x7f) {
            return 0;
        }
    }

    return 1;
}


static void
read_config(void)
{
    int          line_no;
    FILE        *f;
    char         line[1024], *p, *v;
    const char  *path;

    line_no = 0;

    if (opt.url == NULL) {
        opt.url = getenv("EGOV_ADMIN_URL");
    }

    if (opt.token_file == NULL) {
        opt.token_file = getenv("EGOV_ADMIN_TOKEN_FILE");
    }

    if (opt.timeout == NULL) {
        opt.timeout = getenv("EGOV_ADMIN_TIMEOUT");
    }

    if (opt.ca_file == NULL) {
        opt.ca_file = getenv("EGOV_ADMIN_CA_FILE");
    }

    path = getenv("EGOVCTL_CONFIG");
    f = fopen(path ? path : "/etc/egovctl.conf", "r");

    if (f == NULL) {
        return;
    }

    while (fgets(line, sizeof(line), f)) {
        line_no++;
        p = trim(line);

        if (*p == '\0' || *p == '#') {
            continue;
        }

        if ((v = strchr(p, '=')) == NULL) {
            fprintf(stderr, "egovctl: %s:%d: not \"key = value\", "
                    "ignored\n", path ? path : "/etc/egovctl.conf", line_no);
            continue;
        }

        *v++ = '\0';
        p = trim(p);
        v = trim(v);

        if (strcmp(p, "url") == 0 && opt.url == NULL) {
            opt.url = xstrdup(v);

        } else if (strcmp(p, "token_file") == 0 && opt.token_file == NULL) {
            opt.token_file = xstrdup(v);

        } else if (strcmp(p, "timeout") == 0) {
            if (opt.timeout == NULL) {
                opt.timeout = xstrdup(v);
            }

        } else if (strcmp(p, "ca_file") == 0) {
            if (opt.ca_file == NULL) {
                opt.ca_file = xstrdup(v);
            }

        } else if (strcmp(p, "url") && strcmp(p, "token_file")) {
            fprintf(stderr, "egovctl: %s:%d: unknown key \"%s\" ignored "
                    "(url, token_file, timeout, ca_file)\n",
                    path ? path : "/etc/egovctl.conf", line_no, p);
        }
    }

    fclose(f);
}


/* the first token of the file: "name:token" or a bare token */

static void
read_token(void)
{
    FILE  *f;
    char   line[4096], *p, *colon;

    if (opt.token_file == NULL) {
        die(EXIT_USAGE, "no token file: --token-file, EGOV_ADMIN_TOKEN_FILE "
            "or token_file in the config file");
    }

    f = fopen(opt.token_file, "r");
    if (f == NULL) {
        die(EXIT_USAGE, "cannot open %s: %s", opt.token_file,
            strerror(errno));
    }

    while (fgets(line, sizeof(line), f)) {
        p = trim(line);

        if (*p == '\0' || *p == '#') {
            continue;
        }

        colon = strchr(p, ':');
        opt.token = xstrdup(colon ? colon + 1 : p);
        break;
    }

    fclose(f);

    if (opt.token == NULL) {
        die(EXIT_USAGE, "%s has no token", opt.token_file);
    }

    /* it goes into a header line: nothing that could end or extend it */

    if (!visible_ascii(opt.token)) {
        die(EXIT_USAGE, "the token in %s may hold only visible ASCII "
            "characters", opt.token_file);
    }
}


/*
 * Sends and reads may not wait longer than the timeout (Linux applies
 * SO_SNDTIMEO to connect() too): a hung server or a dropped packet during
 * an incident must not hang the security team's scripts
 */

static void
set_timeout(int fd)
{
    long            sec;
    char           *end;
    struct timeval  tv;

    sec = strtol(opt.timeout ? opt.timeout : "10", &end, 10);

    if (*end != '\0' || sec < 1 || sec > 3600) {
        die(EXIT_USAGE, "the timeout is whole seconds, 1 to 3600, not "
            "\"%s\"", opt.timeout);
    }

    tv.tv_sec = sec;
    tv.tv_usec = 0;

    if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == -1
        || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1)
    {
        die(EXIT_CONNECT, "setsockopt(): %s", strerror(errno));
    }
}


/* the path goes into the request line as written */

static void
check_url_path(const char *path)
{
    if (!visible_ascii(path)) {
        die(EXIT_USAGE, "the URL's path may not hold spaces or control "
            "characters");
    }
}


/* a connection to the API: a socket, with TLS for https:// */
typedef struct {
    int             fd;
    SSL            *ssl;
} conn_t;


/* a host a plain-HTTP URL may name: this machine only */

static int
loopback(const char *host)
{
    struct in_addr   a4;
    struct in6_addr  a6;

    if (strcmp(host, "localhost") == 0) {
        return 1;
    }

    if (inet_pton(AF_INET, host, &a4) == 1) {
        return (ntohl(a4.s_addr) >> 24) == 127;
    }

    return inet_pton(AF_INET6, host, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}


/*
 * TLS to a remote node: the certificate verified against the system's CAs
 * or --ca-file, and the name (or address) in the URL checked against it
 */

static SSL *
start_tls(int fd, const char *host)
{
    SSL              *ssl;
    long              v;
    SSL_CTX          *ctx;
    struct in_addr    a4;
    struct in6_addr   a6;
    X509_VERIFY_PARAM  *param;

    ctx = SSL_CTX_new(TLS_client_method());

    if (ctx == NULL
        || !SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION))
    {
        die(EXIT_CONNECT, "cannot set up TLS");
    }

    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);

    if (opt.ca_file) {
        if (SSL_CTX_load_verify_locations(ctx, opt.ca_file, NULL) != 1) {
            die(EXIT_USAGE, "cannot load the CA file %s", opt.ca_file);
        }

    } else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
        die(EXIT_CONNECT, "cannot load the system's CA certificates");
    }

    ssl = SSL_new(ctx);
    SSL_CTX_free(ctx);

    if (ssl == NULL || SSL_set_fd(ssl, fd) != 1) {
        die(EXIT_CONNECT, "cannot set up TLS");
    }

    param = SSL_get0_param(ssl);

    if (inet_pton(AF_INET, host, &a4) == 1
        || inet_pton(AF_INET6, host, &a6) == 1)
    {
        if (X509_VERIFY_PARAM_set1_ip_asc(param, host) != 1) {
            die(EXIT_CONNECT, "cannot set up TLS");
        }

    } else if (SSL_set_tlsext_host_name(ssl, host) != 1
               || SSL_set1_host(ssl, host) != 1)
    {
        die(EXIT_CONNECT, "cannot set up TLS");
    }

    if (SSL_connect(ssl) != 1) {
        v = SSL_get_verify_result(ssl);

        if (v != X509_V_OK) {
            die(EXIT_CONNECT, "the API's certificate is not trusted: %s "
                "(--ca-file)", X509_verify_cert_error_string(v));
        }

        die(EXIT_CONNECT, "TLS with %s failed: %s", host,
            ERR_reason_error_string(ERR_get_error())
            ? ERR_reason_error_string(ERR_get_error()) : "no handshake");
    }

    return ssl;
}


static void
conn_write(conn_t *c, const char *p, size_t len)
{
    ssize_t  n;

    for ( /* void */ ; len; p += n, len -= n) {
        n = c->ssl ? SSL_write(c->ssl, p, (int) len) : write(c->fd, p, len);

        if (n <= 0) {
            die(EXIT_CONNECT, "cannot send the request: %s",
                (errno == EAGAIN || errno == EWOULDBLOCK) ? "timed out"
                                                          : strerror(errno));
        }
    }
}


/* bytes read; 0 at the end */

static ssize_t
conn_read(conn_t *c, char *p, size_t len)
{
    int      err;
    ssize_t  n;

    if (c->ssl == NULL) {
        return read(c->fd, p, len);
    }

    n = SSL_read(c->ssl, p, (int) len);

    if (n > 0) {
        return n;
    }

    err = SSL_get_error(c->ssl, (int) n);

    if (err == SSL_ERROR_ZERO_RETURN
        || (err == SSL_ERROR_SYSCALL && errno == 0))
    {
        return 0;
    }

    if (errno == 0) {
        errno = EPROTO;
    }

    return -1;
}


static void
conn_close(conn_t *c)
{
    if (c->ssl) {
        (void) SSL_shutdown(c->ssl);
        SSL_free(c->ssl);
    }

    close(c->fd);
}


static conn_t
connect_api(char **path)
{
    int                  fd, tls;
    char                *u, *host, *port, *slash, *colon;
    conn_t               c;
    struct addrinfo      hints, *ai, *a;
    struct sockaddr_un   sun;

    c.ssl = NULL;

    if (opt.url == NULL) {
        die(EXIT_USAGE, "no API address: --url, EGOV_ADMIN_URL or url in "
            "the config file");
    }

    u = xstrdup(opt.url);

    if (strncmp(u, "unix:", 5) == 0) {
        colon = strchr(u + 5, ':');
        if (colon == NULL) {
            die(EXIT_USAGE, "a unix URL is unix:/SOCKET:/PATH/");
        }

        *colon = '\0';
        *path = colon + 1;

        check_url_path(*path);

        memset(&sun, 0, sizeof(sun));
        sun.sun_family = AF_UNIX;
        strncpy(sun.sun_path, u + 5, sizeof(sun.sun_path) - 1);

        fd = socket(AF_UNIX, SOCK_STREAM, 0);
        if (fd != -1) {
            set_timeout(fd);
        }

        if (fd == -1 || connect(fd, (struct sockaddr *) &sun, sizeof(sun))
                        == -1)
        {
            die(EXIT_CONNECT, "cannot connect to %s: %s", u + 5,
                strerror(errno));
        }

        c.fd = fd;
        return c;
    }

    if (strncmp(u, "https://", 8) == 0) {
        tls = 1;
        host = u + 8;

    } else if (strncmp(u, "http://", 7) == 0) {
        tls = 0;
        host = u + 7;

    } else {
        die(EXIT_USAGE, "the URL must start with https://, http:// or unix:");
    }

    slash = strchr(host, '/');
    *path = slash ? xstrdup(slash) : "/";

    check_url_path(*path);

    /*
     * the server block the URL names: name-based virtual hosts tell one
     * from the other by Host (a token sent to another, a portal's default
     * server, goes on to its application)
     */

    authority = slash ? strndup(host, slash - host) : xstrdup(host);

    if (authority == NULL) {
        die(EXIT_CONNECT, "out of memory");
    }

    if (authority[0] == '\0' || strpbrk(authority, " \t\r\n@") != NULL) {
        die(EXIT_USAGE, "a bad host in the URL");
    }

    if (slash) {
        *slash = '\0';
    }

    port = tls ? "443" : "80";

    if (host[0] == '[') {
        host++;
        colon = strchr(host, ']');
        if (colon == NULL) {
            die(EXIT_USAGE, "a bad IPv6 host in the URL");
        }

        *colon = '\0';
        if (colon[1] == ':') {
            port = colon + 2;
        }

    } else if ((colon = strrchr(host, ':')) != NULL) {
        *colon = '\0';
        port = colon + 1;
    }

    /* a bearer token never crosses a network in clear */

    if (!tls && !loopback(host)) {
        die(EXIT_USAGE, "http:// only to this machine (127.0.0.1, ::1, "
            "localhost): the token would cross the network in clear; use "
            "https:// for %s", host);
    }

    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;

    if (getaddrinfo(host, port, &hints, &ai) != 0) {
        die(EXIT_CONNECT, "cannot resolve %s", host);
    }

    fd = -1;

    for (a = ai; a; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);

        if (fd != -1) {
            set_timeout(fd);
        }

        if (fd != -1 && connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
            break;
        }

        if (fd != -1) {
            close(fd);
            fd = -1;
        }
    }

    freeaddrinfo(ai);

    if (fd == -1) {
        die(EXIT_CONNECT, "cannot connect to %s:%s: %s", host, port,
            errno == EINPROGRESS ? "timed out" : strerror(errno));
    }

    c.fd = fd;

    if (tls) {
        c.ssl = start_tls(fd, host);
    }

    return c;
}


static response_t
call(const char *method, const char *route, const char *body)
{
    char        *path, *req, *end;
    conn_t       c;
    size_t       cap, len;
    ssize_t      n;
    response_t   res;

    c = connect_api(&path);

    len = strlen(path);
    if (asprintf(&req, "%s %s%s%s HTTP/1.0\r\nHost: %s\r\n"
                 "Authorization: Bearer %s\r\n"
                 "Accept: application/json\r\n"
                 "Content-Type: application/json\r\n"
                 "Content-Length: %zu\r\n\r\n%s",
                 method, path, (len && path[len - 1] == '/') ? "" : "/",
                 route, authority, opt.token, body ? strlen(body) : 0,
                 body ? body : "") < 0)
    {
        die(EXIT_CONNECT, "out of memory");
    }

    conn_write(&c, req, strlen(req));

    free(req);

    cap = 65536;
    len = 0;
    res.body = xrealloc(NULL, cap + 1);

    for ( ;; ) {
        if (len == cap) {
            if (cap >= MAX_ANSWER) {
                die(EXIT_SERVER, "the answer is larger than %d MiB",
                    MAX_ANSWER / 1024 / 1024);
            }

            cap *= 2;
            res.body = xrealloc(res.body, cap + 1);
        }

        n = conn_read(&c, res.body + len, cap - len);

        if (n < 0) {
            die(EXIT_CONNECT, "cannot read the answer: %s",
                (errno == EAGAIN || errno == EWOULDBLOCK)
                ? "no answer within the timeout (--timeout)"
                : strerror(errno));
        }

        if (n == 0) {
            break;
        }

        len += n;
    }

    conn_close(&c);
    res.body[len] = '\0';

    if (sscanf(res.body, "HTTP/1.%*d %d", &res.status) != 1) {
        die(EXIT_CONNECT, "not an HTTP answer");
    }

    end = strstr(res.body, "\r\n\r\n");
    if (end == NULL) {
        die(EXIT_CONNECT, "an HTTP answer without a body");
    }

    res.len = len - (end + 4 - res.body);
    memmove(res.body, end + 4, res.len + 1);

    return res;
}


static ngx_egov_json_t *parse_maybe(response_t *res);


static ngx_egov_json_t *
parse(response_t *res)
{
    ngx_egov_json_t  *json;

    json = parse_maybe(res);

    if (json == NULL) {
        die(EXIT_SERVER, "the API answered something that is not JSON");
    }

    return json;
}


/* the answer's JSON, or NULL when it is not JSON */

static ngx_egov_json_t *
parse_maybe(response_t *res)
{
    static size_t           room;
    static ngx_egov_json_t  json;

    if (json.nodes == NULL) {
        room = MAX_NODES;
        json.nodes = xrealloc(NULL, room * sizeof(ngx_egov_json_node_t));
    }

    /*
     * a long list has more values than the room: more, up to what the
     * answer's length can hold (a value takes at least a byte and a comma)
     */

    for ( ;; ) {
        json.max = room;

        if (ngx_egov_json_parse(&json, (u_char *) res->body, res->len) == 0) {
            return &json;
        }

        if (json.n < room || room > res->len / 2 + 16
            || room >= MAX_NODES_GROWN)
        {
            return NULL;
        }

        room *= 2;
        json.nodes = xrealloc(json.nodes,
                              room * sizeof(ngx_egov_json_node_t));
    }
}


/*
 * What the server sent, fit for a terminal: control bytes and bytes
 * beyond ASCII (escape sequences, a forged line) are shown as "?"
 */

static char *
shown(char *s)
{
    char  *p;

    for (p = s; *p; p++) {
        if ((unsigned char) *p < 0x20 || (unsigned char) *p >= 0x7f) {
            *p = '?';
        }
    }

    return s;
}


/* a member's text (strings, numbers, true/false/null), or "" */

static char *
member(ngx_egov_json_t *json, size_t obj, const char *name)
{
    long     v;
    char    *s;
    size_t   n;

    v = ngx_egov_json_member(json, obj, name);

    if (v < 0) {
        return "";
    }

    s = xrealloc(NULL, json->nodes[v].len + 1);

    if (json->nodes[v].type == NGX_EGOV_JSON_STRING) {
        n = ngx_egov_json_string(&json->nodes[v], (u_char *) s);

    } else {
        n = json->nodes[v].len;
        memcpy(s, json->nodes[v].start, n);
    }

    s[(long) n < 0 ? 0 : n] = '\0';

    return shown(s);
}


/* the exit code of an answer; the error said on stderr */

static int
check(response_t *res)
{
    const char       *p;
    ngx_egov_json_t  *json;

    /* the API answers JSON, an object: another page is not the API's (a
     * wrong path that a "location /" answers), however long the list */

    if (res->status < 300) {
        p = res->body;

        while (p < res->body + res->len && isspace((unsigned char) *p)) {
            p++;
        }

        if (p < res->body + res->len && *p == '{') {
            return 0;
        }

        fprintf(stderr, "egovctl: %d: the answer is not the admin API's "
                "(not JSON): check --url\n", res->status);
        return EXIT_CONNECT;
    }

    /* a refusal of the API's own says why; another (a proxy's, nginx's
     * "deny") is reported by its status */

    json = parse_maybe(res);

    if (json) {
        fprintf(stderr, "egovctl: %d: %s\n", res->status,
                member(json, 0, "error"));

    } else {
        /* a wrong path, a proxy's page, nginx's own "deny": whatever it
         * is, the API was not reached */
        fprintf(stderr, "egovctl: %d: the answer is not the admin API's "
                "(not JSON): check --url and what stands in front of it\n",
                res->status);
        return EXIT_CONNECT;
    }

    switch (res->status) {
    case 401:
        return EXIT_AUTH;
    case 404:
        return EXIT_NOT_FOUND;
    default:
        return res->status >= 500 ? EXIT_SERVER : EXIT_REFUSED;
    }
}


static char *
when(const char *epoch)
{
    static char  buf[64];
    time_t       t;
    struct tm    tm;

    t = (time_t) atoll(epoch);

    if (t == 0) {
        return "never";
    }

    gmtime_r(&t, &tm);
    strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &tm);

    return buf;
}


#define ENTRY_FORMAT  "%-40s %-5s %-23s %-9s %s\n"

static void
print_entry(ngx_egov_json_t *json, size_t obj)
{
    printf(ENTRY_FORMAT, member(json, obj, "address"),
           member(json, obj, "kind"), when(member(json, obj, "expires")),
           member(json, obj, "origin"), member(json, obj, "reason"));
}


static char *
json_string(const char *s)
{
    char    *out, *o;
    size_t   i;

    out = xrealloc(NULL, strlen(s) * 6 + 3);
    o = out;
    *o++ = '"';

    for (i = 0; s[i]; i++) {
        if (s[i] == '"' || s[i] == '\\') {
            *o++ = '\\';
            *o++ = s[i];

        } else if ((unsigned char) s[i] < 0x20) {
            o += sprintf(o, "\\u%04x", s[i]);

        } else {
            *o++ = s[i];
        }
    }

    *o++ = '"';
    *o = '\0';

    return out;
}


/*
 * An address or prefix as the module's own parser reads it, checked before
 * any request is built: an argument is never spliced into a request line
 * (a line break in it once smuggled a second request carrying the token).
 * The bytes are not echoed: they may be a terminal's escape sequences.
 */

static void
check_address(const char *address)
{
    ngx_egov_cidr_t  cidr;

    if (ngx_egov_cidr_parse((const u_char *) address, strlen(address), &cidr)
        != NGX_EGOV_CIDR_OK)
    {
        die(EXIT_USAGE, "not an IPv4 or IPv6 address or prefix");
    }
}


/* a query string's value: all but RFC 3986's unreserved bytes escaped */

static char *
url_encode(const char *s)
{
    char    *out, *o;
    size_t   i;

    out = xrealloc(NULL, strlen(s) * 3 + 1);

    for (i = 0, o = out; s[i]; i++) {
        if (isalnum((unsigned char) s[i]) || strchr("-._~", s[i])) {
            *o++ = s[i];

        } else {
            o += sprintf(o, "%%%02X", (unsigned char) s[i]);
        }
    }

    *o = '\0';

    return out;
}


static int
add(const char *address, const char *kind, int quiet)
{
    char        *body, ttl[32];
    int          rc;
    response_t   res;

    ttl[0] = '\0';

    if (opt.ttl >= 0) {
        snprintf(ttl, sizeof(ttl), ",\"ttl\":%ld", opt.ttl);
    }

    if (asprintf(&body, "{\"address\":%s,\"kind\":\"%s\"%s,\"reason\":%s%s}",
                 json_string(address), kind, ttl,
                 json_string(opt.reason ? opt.reason : "egovctl"),
                 opt.force ? ",\"force\":true" : "") < 0)
    {
        die(EXIT_CONNECT, "out of memory");
    }

    res = call("POST", "entries", body);
    rc = check(&res);

    if (rc == 0 && !quiet) {
        if (opt.json) {
            printf("%s\n", res.body);

        } else {
            print_entry(parse(&res), 0);
        }
    }

    return rc;
}


/*
 * GET a route: NULL after printing the answer raw (--json) or saying why it
 * failed (*rc then its exit code); else the answer, parsed.
 */

static ngx_egov_json_t *
get_json(const char *route, int *rc)
{
    response_t  res;

    res = call("GET", route, NULL);
    *rc = check(&res);

    if (*rc) {
        return NULL;
    }

    if (opt.json) {
        printf("%s\n", res.body);
        return NULL;
    }

    return parse(&res);
}


static int
cmd_list(void)
{
    int               rc;
    char              route[64];
    size_t            i, k, n;
    long              v;
    ngx_egov_json_t  *json;

    snprintf(route, sizeof(route), "entries%s%s", opt.kind ? "?kind=" : "",
             opt.kind ? opt.kind : "");

    json = get_json(route, &rc);

    if (json == NULL) {
        return rc;
    }

    v = ngx_egov_json_member(json, 0, "entries");
    n = (v < 0) ? 0 : json->nodes[v].size;

    if (n) {
        /* BY: the escalator, an admin (API, egovctl), another server */
        printf(ENTRY_FORMAT, "ADDRESS", "KIND", "EXPIRES", "BY", "REASON");
    }

    for (i = v + 1, k = 0; k < n; k++) {
        print_entry(json, i);
        i = json->nodes[i].next;
    }

    if (n == 0) {
        printf("no bans or entries\n");
    }

    return 0;
}


static int
cmd_status(const char *address)
{
    int               rc;
    long              v;
    char             *route;
    ngx_egov_json_t  *json;

    check_address(address);

    if (asprintf(&route, "address?address=%s", url_encode(address)) < 0) {
        die(EXIT_CONNECT, "out of memory");
    }

    json = get_json(route, &rc);

    if (json == NULL) {
        return rc;
    }

    printf("address:      %s\n", member(json, 0, "address"));
    printf("allowlisted:  %s\n", member(json, 0, "allowlisted"));
    printf("block list:   %s\n", member(json, 0, "listed"));
    printf("violations:   %s\n", member(json, 0, "violations"));
    printf("bans so far:  %s\n", member(json, 0, "bans_so_far"));

    v = ngx_egov_json_member(json, 0, "entry");

    if (v >= 0 && json->nodes[v].type == NGX_EGOV_JSON_OBJECT) {
        printf("entry:        ");
        print_entry(json, v);

    } else {
        printf("entry:        none\n");
    }

    return 0;
}


static int
cmd_unban(const char *address)
{
    int          rc;
    char        *route;
    response_t   res;

    check_address(address);

    if (asprintf(&route, "entries?address=%s%s%s", url_encode(address),
                 opt.kind ? "&kind=" : "", opt.kind ? opt.kind : "") < 0)
    {
        die(EXIT_CONNECT, "out of memory");
    }

    res = call("DELETE", route, NULL);
    rc = check(&res);

    if (rc == 0) {
        printf(opt.json ? "%s\n" : "removed %s\n",
               opt.json ? res.body : address);
    }

    return rc;
}


/* what the file adds: addresses not already active, as the API lists */

static int
cmd_import(const char *file)
{
    FILE             *f;
    int               rc, failed;
    char              line[4096], text[64], *listed, *addr;
    size_t            i, k, n, len, cap, lineno, bad, same, added;
    long              v;
    response_t        res;
    ngx_egov_json_t  *json;
    ngx_egov_cidr_t   cidr;

    f = fopen(file, "r");
    if (f == NULL) {
        die(EXIT_USAGE, "cannot open %s: %s", file, strerror(errno));
    }

    res = call("GET", "entries", NULL);
    rc = check(&res);

    if (rc) {
        return rc;
    }

    json = parse(&res);
    v = ngx_egov_json_member(json, 0, "entries");
    n = (v < 0) ? 0 : json->nodes[v].size;

    /* "|a|b|...|" of the active addresses, as the API spells them */
    cap = 2;
    listed = xrealloc(NULL, cap);
    strcpy(listed, "|");

    for (i = v + 1, k = 0, len = 1; k < n; k++) {
        addr = member(json, i, "address");
        cap = len + strlen(addr) + 2;
        listed = xrealloc(listed, cap);

        len += sprintf(listed + len, "%s|", addr);
        i = json->nodes[i].next;
    }

    bad = 0;
    same = 0;
    added = 0;
    failed = 0;
    lineno = 0;

    while (fgets(line, sizeof(line), f)) {
        lineno++;
        len = strlen(line);

        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r')) {
            line[--len] = '\0';
        }

        rc = ngx_egov_cidr_parse_line((u_char *) line, len, &cidr);

        if (rc == NGX_EGOV_CIDR_EMPTY) {
            continue;
        }

        if (rc != NGX_EGOV_CIDR_OK) {
            fprintf(stderr, "%s:%zu: %s, skipped\n", file, lineno,
                    (rc == NGX_EGOV_CIDR_HOST)
                    ? "bits set beyond the prefix's length (a line cut "
                      "short?)"
                    : (rc == NGX_EGOV_CIDR_ALL) ? "a /0 (every address)"
                    : "not an address or prefix");
            bad++;
            continue;
        }

        text[0] = '|';
        len = ngx_egov_cidr_format(&cidr, (u_char *) text + 1,
                                   sizeof(text) - 2);
        text[len + 1] = '|';
        text[len + 2] = '\0';

        if (strstr(listed, text)) {
            same++;
            continue;
        }

        text[len + 1] = '\0';

        if (opt.dry_run) {
            /* what the API would refuse (ngx_http_egov_admin.c) */

            if (cidr.prefix == 0
                || (!opt.force
                    && cidr.prefix < ((cidr.family == AF_INET)
                                      ? NGX_EGOV_CIDR_V4_WIDEST
                                      : NGX_EGOV_CIDR_V6_WIDEST)))
            {
                fprintf(stderr, "%s:%zu: %s would be refused: %s\n",
                        file, lineno, text + 1,
                        cidr.prefix ? "too wide without --force" : "a /0");
                failed++;
                continue;
            }

            printf("would add %s\n", text + 1);
            added++;
            continue;
        }

        if (add(text + 1, opt.kind ? opt.kind : "block", 1) == 0) {
            added++;

        } else {
            failed++;
        }
    }

    fclose(f);

    if (opt.json) {
        printf("{\"%s\":%zu,\"unchanged\":%zu,\"invalid\":%zu,"
               "\"failed\":%d}\n", opt.dry_run ? "would_add" : "added",
               added, same, bad, failed);

    } else {
        printf("%s %zu, unchanged %zu, invalid lines %zu%s\n",
               opt.dry_run ? "would add" : "added", added, same, bad,
               failed ? (opt.dry_run ? ", some would be refused (see above)"
                                     : ", some failed (see above)")
                      : "");
    }

    return failed ? EXIT_REFUSED : 0;
}


static int
cmd_stats(void)
{
    int               rc;
    long              v;
    char             *name, *value;
    size_t            i, k;
    ngx_egov_json_t  *json;

    json = get_json("stats", &rc);

    if (json == NULL) {
        return rc;
    }

    v = ngx_egov_json_member(json, 0, "counters");

    if (v < 0) {
        die(EXIT_SERVER, "no counters in the answer");
    }

    for (i = v + 1, k = 0; k < json->nodes[v].size; k++) {
        name = shown(strndup((char *) json->nodes[i].start,
                             json->nodes[i].len));
        value = shown(strndup((char *) json->nodes[i + 1].start,
                              json->nodes[i + 1].len));

        if (name == NULL || value == NULL) {
            die(EXIT_CONNECT, "out of memory");
        }

        printf("%-36s %s\n", name, value);
        free(name);
        free(value);
        i = json->nodes[i + 1].next;
    }

    return 0;
}


/*
 * A duration as nginx writes times: "90" (seconds), "90s", "15m", "1h",
 * "7d", "1w", and sums such as "1h30m"; -1 when it is not one (or beyond a
 * year)
 */

static long
duration(const char *s)
{
    long   total, n, unit;
    char  *end;

    if (*s == '\0') {
        return -1;
    }

    total = 0;

    while (*s) {
        if (!isdigit((unsigned char) *s)) {
            return -1;
        }

        errno = 0;
        n = strtol(s, &end, 10);

        if (errno || n > 366L * 86400) {
            return -1;
        }

        switch (*end) {
        case '\0': unit = 1; break;
        case 's': unit = 1; end++; break;
        case 'm': unit = 60; end++; break;
        case 'h': unit = 3600; end++; break;
        case 'd': unit = 86400; end++; break;
        case 'w': unit = 7 * 86400; end++; break;
        default: return -1;
        }

        total += n * unit;

        if (total > 366L * 86400) {
            return -1;
        }

        s = end;
    }

    return total;
}


int
main(int argc, char **argv)
{
    int          c, help;
    char        *command;

    static struct option  longopts[] = {
        { "url", required_argument, NULL, 'u' },
        { "token-file", required_argument, NULL, 't' },
        { "json", no_argument, NULL, 'j' },
        { "dry-run", no_argument, NULL, 'n' },
        { "force", no_argument, NULL, 'F' },
        { "kind", required_argument, NULL, 'k' },
        { "ttl", required_argument, NULL, 'T' },
        { "reason", required_argument, NULL, 'r' },
        { "timeout", required_argument, NULL, 'w' },
        { "ca-file", required_argument, NULL, 'c' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 }
    };

    opt.ttl = -1;
    help = 0;

    while ((c = getopt_long(argc, argv, "+u:t:jnk:T:r:w:c:hV", longopts, NULL))
           != -1)
    {
        switch (c) {
        case 'u': opt.url = optarg; break;
        case 't': opt.token_file = optarg; break;
        case 'w': opt.timeout = optarg; break;
        case 'c': opt.ca_file = optarg; break;
        case 'j': opt.json = 1; break;
        case 'h': help = 1; break;
        case 'V':
            printf("egovctl %s (ngx_egov_module)\n", EGOVCTL_VERSION);
            return 0;
        default: usage(NULL, EXIT_USAGE);
        }
    }

    if (optind == argc) {
        usage(NULL, help ? 0 : EXIT_USAGE);
    }

    command = argv[optind++];

    /* the real mistake first: an unknown command, before any file */

    if (strcmp(command, "ban") && strcmp(command, "unban")
        && strcmp(command, "list") && strcmp(command, "status")
        && strcmp(command, "import") && strcmp(command, "stats"))
    {
        usage(command, EXIT_USAGE);
    }

    /* the command's own options, anywhere after it */

    {
        char  *args[argc + 1];
        int    n = 0, i;

        args[n++] = command;
        for (i = optind; i < argc; i++) {
            args[n++] = argv[i];
        }
        args[n] = NULL;

        optind = 0;     /* GNU getopt: start afresh */

        while ((c = getopt_long(n, args, "u:t:jnFk:T:r:h", longopts, NULL))
               != -1)
        {
            switch (c) {
            case 'u': opt.url = optarg; break;
            case 't': opt.token_file = optarg; break;
            case 'j': opt.json = 1; break;
            case 'n': opt.dry_run = 1; break;
            case 'F': opt.force = 1; break;
            case 'k':
                if (strcmp(optarg, "ban") && strcmp(optarg, "block")) {
                    die(EXIT_USAGE, "--kind is ban or block");
                }
                opt.kind = optarg;
                break;
            case 'T':
                opt.ttl = duration(optarg);
                if (opt.ttl < 0) {
                    die(EXIT_USAGE, "--ttl is a duration: 90, 90s, 15m, 1h, "
                        "7d or 1h30m, not \"%s\"", optarg);
                }
                break;
            case 'r': opt.reason = optarg; break;
            case 'h': help = 1; break;
            default: usage(command, EXIT_USAGE);
            }
        }

        if (help) {
            usage(command, 0);
        }

        read_config();
        read_token();

        if (strcmp(command, "list") == 0 && optind == n) {
            return cmd_list();
        }

        if (strcmp(command, "stats") == 0 && optind == n) {
            return cmd_stats();
        }

        if (optind != n - 1) {
            usage(command, EXIT_USAGE);
        }

        if (strcmp(command, "ban") == 0) {
            check_address(args[optind]);
            return add(args[optind], opt.kind ? opt.kind : "ban", 0);
        }

        if (strcmp(command, "unban") == 0) {
            return cmd_unban(args[optind]);
        }

        if (strcmp(command, "status") == 0) {
            return cmd_status(args[optind]);
        }

        if (strcmp(command, "import") == 0) {
            return cmd_import(args[optind]);
        }

        usage(command, EXIT_USAGE);
    }

    return 0;
}
