
/*
 * Block lists and allowlists: files of addresses and prefixes compiled at
 * configuration time into read-only sets.  A file named in several places
 * is read once per configuration.
 */


#include "ngx_http_egov_protect.h"

#include <sys/time.h>


/* bad lines reported one by one before only the count is given */
#define NGX_HTTP_EGOV_LIST_REPORT  10


struct ngx_http_egov_list_s {
    ngx_str_t                   path;
    ngx_str_t                   name;        /* file name, no extension */
    ngx_egov_ipset_t           *set;
    unsigned                    blocklist:1;
    unsigned                    allowlist:1;
};


static ngx_http_egov_list_t *ngx_http_egov_list_load(ngx_conf_t *cf,
    ngx_str_t *file);
static ngx_int_t ngx_http_egov_list_parse(ngx_conf_t *cf,
    ngx_http_egov_list_t *list, u_char *data, size_t size);
static ngx_int_t ngx_http_egov_list_read(ngx_conf_t *cf, u_char *path,
    u_char **data, size_t *size);
static void ngx_http_egov_ipset_cleanup(void *data);
static ngx_egov_ipset_t *ngx_http_egov_ipset_new(ngx_conf_t *cf);
static ngx_uint_t ngx_http_egov_looks_like_address(ngx_str_t *s);
static ngx_int_t ngx_http_egov_list_check_empty(ngx_conf_t *cf,
    ngx_http_egov_list_t *list, ngx_uint_t empty_ok);
static ngx_uint_t ngx_http_egov_is_empty_ok(ngx_str_t *arg);
static ngx_int_t ngx_http_egov_inline_prefix_check(ngx_conf_t *cf,
    ngx_str_t *text, ngx_egov_cidr_t *cidr);


char *
ngx_http_egov_blocklist(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_egov_protect_loc_conf_t *plcf = conf;

    ngx_str_t                  *value;
    ngx_uint_t                  i, empty_ok;
    ngx_http_egov_list_t       *list;
    ngx_http_egov_blocklist_t  *bl;

    value = cf->args->elts;
    empty_ok = 0;

    if (plcf->blocklists == NULL) {
        plcf->blocklists = ngx_array_create(cf->pool, 2,
                                          sizeof(ngx_http_egov_blocklist_t));
        if (plcf->blocklists == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    bl = ngx_array_push(plcf->blocklists);
    if (bl == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(bl, sizeof(ngx_http_egov_blocklist_t));

    for (i = 2; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "name=", 5) == 0) {
            bl->name.data = value[i].data + 5;
            bl->name.len = value[i].len - 5;

            if (bl->name.len == 0 || bl->name.len > 32) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "egov_blocklist: name must have 1 to 32 "
                                   "characters, not \"%V\"", &value[i]);
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (value[i].len == 7 && ngx_strncmp(value[i].data, "dry_run", 7) == 0)
        {
            bl->dry_run = 1;
            continue;
        }

        if (ngx_http_egov_is_empty_ok(&value[i])) {
            empty_ok = 1;
            continue;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "egov_blocklist: invalid parameter \"%V\"",
                           &value[i]);
        return NGX_CONF_ERROR;
    }

    list = ngx_http_egov_list_load(cf, &value[1]);
    if (list == NULL) {
        return NGX_CONF_ERROR;
    }

    if (ngx_http_egov_list_check_empty(cf, list, empty_ok) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    list->blocklist = 1;
    bl->list = list;

    if (bl->name.len == 0) {
        bl->name = list->name;
    }

    return NGX_CONF_OK;
}


static ngx_uint_t
ngx_http_egov_is_empty_ok(ngx_str_t *arg)
{
    return arg->len == sizeof("empty=ok") - 1
           && ngx_strncmp(arg->data, "empty=ok", arg->len) == 0;
}


/*
 * A list that holds nothing is most often a failed download (an empty file,
 * an HTML error page): loading it would silently take the protection away
 * on the next reload.  Only a list said to be allowed empty may be.
 */

static ngx_int_t
ngx_http_egov_list_check_empty(ngx_conf_t *cf, ngx_http_egov_list_t *list,
    ngx_uint_t empty_ok)
{
    ngx_str_t  *value;

    if (empty_ok || ngx_egov_ipset_entries(list->set) != 0) {
        return NGX_OK;
    }

    value = cf->args->elts;

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "%V: the list \"%V\" holds no address or prefix "
                       "(an empty file or a failed download?); add "
                       "\"empty=ok\" if it may be empty",
                       &value[0], &list->path);

    return NGX_ERROR;
}


/*
 * "10.0.0.300", "10.0.0.1/40", "2001:db8::/200": meant as an address, not
 * a file name (that it did not parse is then the error to report): digits,
 * dots and slashes from a digit on, or hex digits with a colon
 */

static ngx_uint_t
ngx_http_egov_looks_like_address(ngx_str_t *s)
{
    u_char      c;
    ngx_uint_t  i, colon, hex;

    if (s->len == 0) {
        return 0;
    }

    colon = 0;
    hex = 0;

    for (i = 0; i < s->len; i++) {
        c = s->data[i];

        if (c == ':') {
            colon = 1;

        } else if ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) {
            hex = 1;

        } else if (!(c >= '0' && c <= '9') && c != '.' && c != '/') {
            return 0;
        }
    }

    return colon || (!hex && s->data[0] >= '0' && s->data[0] <= '9');
}


/* "egov_allowlist 10.0.0.0/8 ::1 /etc/nginx/allow.txt;" */


/*
 * An address or prefix written in the configuration is held to what a
 * list file's line is: a /0 (every address, IPv4-mapped included) and a
 * prefix with bits beyond its length (10.0.0.1/8) are refused, not
 * widened (a fifth review: an allowlisted 0.0.0.0/0 switched every check
 * off without a word)
 */

static ngx_int_t
ngx_http_egov_inline_prefix_check(ngx_conf_t *cf, ngx_str_t *text,
    ngx_egov_cidr_t *cidr)
{
    u_char     *slash;
    size_t      n;
    ngx_str_t  *name;
    u_char      net[NGX_SOCKADDR_STRLEN + 4];

    name = cf->args->elts;

    if (cidr->prefix == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "%V: \"%V\" is every address (a /0)",
                           &name[0], text);
        return NGX_ERROR;
    }

    if (!ngx_egov_cidr_host_bits(text->data, text->len, cidr)) {
        return NGX_OK;
    }

    slash = ngx_strlchr(text->data, text->data + text->len, '/');
    n = ngx_egov_cidr_format(cidr, net, sizeof(net));

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "%V: \"%V\" has bits set beyond the prefix's length "
                       "(%*s/%d, or %*s?)",
                       &name[0], text,
                       slash ? (size_t) (slash - text->data) : text->len,
                       text->data,
                       (cidr->family == AF_INET) ? 32 : 128, n, net);

    return NGX_ERROR;
}


char *
ngx_http_egov_allowlist(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_egov_protect_loc_conf_t *plcf = conf;

    ngx_str_t                          *value;
    ngx_uint_t                          i, empty_ok;
    ngx_egov_cidr_t                     cidr;
    ngx_egov_ipset_t                   *inline_set, **set;
    ngx_http_egov_list_t               *list;
    ngx_http_egov_protect_main_conf_t  *pmcf;

    value = cf->args->elts;
    inline_set = NULL;
    empty_ok = 0;

    for (i = 1; i < cf->args->nelts; i++) {
        if (ngx_http_egov_is_empty_ok(&value[i])) {
            empty_ok = 1;
        }
    }

    if (plcf->allowlists == NULL) {
        plcf->allowlists = ngx_array_create(cf->pool, 2,
                                            sizeof(ngx_egov_ipset_t *));
        if (plcf->allowlists == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    for (i = 1; i < cf->args->nelts; i++) {

        if (ngx_http_egov_is_empty_ok(&value[i])) {
            continue;
        }

        if (ngx_egov_cidr_parse(value[i].data, value[i].len, &cidr)
            == NGX_EGOV_CIDR_OK)
        {
            if (ngx_http_egov_inline_prefix_check(cf, &value[i], &cidr)
                != NGX_OK)
            {
                return NGX_CONF_ERROR;
            }

            if (inline_set == NULL) {
                inline_set = ngx_http_egov_ipset_new(cf);
                if (inline_set == NULL) {
                    return NGX_CONF_ERROR;
                }
            }

            if (ngx_egov_ipset_add(inline_set, &cidr) != NGX_EGOV_CIDR_OK) {
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (ngx_http_egov_looks_like_address(&value[i])) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "egov_allowlist: \"%V\" is not a valid "
                               "address or prefix", &value[i]);
            return NGX_CONF_ERROR;
        }

        /* a path: absolute, relative to the configuration, or "./..." */

        if (ngx_strlchr(value[i].data, value[i].data + value[i].len, '/')
            == NULL
            && ngx_strlchr(value[i].data, value[i].data + value[i].len, '.')
               == NULL)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "egov_allowlist: \"%V\" is neither an "
                               "address, a prefix nor a file path",
                               &value[i]);
            return NGX_CONF_ERROR;
        }

        list = ngx_http_egov_list_load(cf, &value[i]);
        if (list == NULL) {
            return NGX_CONF_ERROR;
        }

        if (ngx_http_egov_list_check_empty(cf, list, empty_ok) != NGX_OK) {
            return NGX_CONF_ERROR;
        }

        list->allowlist = 1;

        set = ngx_array_push(plcf->allowlists);
        if (set == NULL) {
            return NGX_CONF_ERROR;
        }

        *set = list->set;
    }

    if (inline_set) {
        if (ngx_egov_ipset_freeze(inline_set) != NGX_EGOV_CIDR_OK) {
            return NGX_CONF_ERROR;
        }

        set = ngx_array_push(plcf->allowlists);
        if (set == NULL) {
            return NGX_CONF_ERROR;
        }

        *set = inline_set;

        pmcf = ngx_http_conf_get_module_main_conf(cf,
                                                ngx_http_egov_protect_module);
        set = ngx_array_push(&pmcf->allowsets);
        if (set == NULL) {
            return NGX_CONF_ERROR;
        }

        *set = inline_set;
    }

    return NGX_CONF_OK;
}


ngx_uint_t
ngx_http_egov_allowlisted(ngx_http_egov_rules_t *rules, ngx_egov_cidr_t *addr)
{
    ngx_uint_t          i;
    ngx_egov_ipset_t  **set;

    if (rules->allowlists == NULL) {
        return 0;
    }

    set = rules->allowlists->elts;

    for (i = 0; i < rules->allowlists->nelts; i++) {
        if (ngx_egov_ipset_contains(set[i], addr)) {
            return 1;
        }
    }

    return 0;
}


ngx_http_egov_blocklist_t *
ngx_http_egov_blocklisted(ngx_http_egov_rules_t *rules, ngx_egov_cidr_t *addr)
{
    ngx_uint_t                  i;
    ngx_http_egov_blocklist_t  *bl;

    if (rules->blocklists == NULL) {
        return NULL;
    }

    bl = rules->blocklists->elts;

    for (i = 0; i < rules->blocklists->nelts; i++) {
        if (ngx_egov_ipset_contains(bl[i].list->set, addr)) {
            return &bl[i];
        }
    }

    return NULL;
}


/* for the admin API: every list of the configuration, wherever it is used */

ngx_int_t
ngx_http_egov_lists_status(ngx_egov_cidr_t *addr,
    ngx_http_egov_addr_status_t *status)
{
    ngx_uint_t                          i;
    ngx_egov_ipset_t                  **set;
    ngx_http_egov_list_t              **list;
    ngx_http_egov_protect_main_conf_t  *pmcf;

    pmcf = ngx_http_cycle_get_module_main_conf(ngx_cycle,
                                               ngx_http_egov_protect_module);
    if (pmcf == NULL) {
        return NGX_DECLINED;
    }

    list = pmcf->lists.elts;

    for (i = 0; i < pmcf->lists.nelts; i++) {
        if (!ngx_egov_ipset_contains(list[i]->set, addr)) {
            continue;
        }

        if (list[i]->allowlist) {
            status->allowlisted = 1;
        }

        if (list[i]->blocklist && status->listed.len == 0) {
            status->listed = list[i]->name;
        }
    }

    set = pmcf->allowsets.elts;

    for (i = 0; i < pmcf->allowsets.nelts; i++) {
        if (ngx_egov_ipset_contains(set[i], addr)) {
            status->allowlisted = 1;
        }
    }

    return NGX_OK;
}


/*
 * Address rules are inherited as nginx's allow/deny are: a level with none
 * of its own takes its parent's.  Levels whose rules end up the same share
 * one ngx_http_egov_rules_t, and its compiled signatures.
 */

ngx_int_t
ngx_http_egov_rules_merge(ngx_conf_t *cf,
    ngx_http_egov_protect_loc_conf_t *prev,
    ngx_http_egov_protect_loc_conf_t *conf)
{
    ngx_uint_t              own;
    ngx_http_egov_rules_t  *rules;

    if (prev->rules == NULL) {
        /* the http{} level is never merged: its rules are its own */

        rules = ngx_pcalloc(cf->pool, sizeof(ngx_http_egov_rules_t));
        if (rules == NULL) {
            return NGX_ERROR;
        }

        rules->blocklists = prev->blocklists;
        rules->allowlists = prev->allowlists;
        rules->signatures = ngx_http_egov_sigset_compile(cf,
                                                     prev->signature_mode,
                                                     prev->custom_signatures);
        if (rules->signatures == NGX_CONF_ERROR) {
            return NGX_ERROR;
        }

        prev->rules = rules;
    }

    own = 0;

    if (conf->blocklists) {
        own = 1;

    } else {
        conf->blocklists = prev->blocklists;
    }

    if (conf->allowlists) {
        own = 1;

    } else {
        conf->allowlists = prev->allowlists;
    }

    if (conf->custom_signatures || conf->signature_mode != NGX_CONF_UNSET_UINT)
    {
        own = 1;
    }

    if (conf->custom_signatures == NULL) {
        conf->custom_signatures = prev->custom_signatures;
    }

    ngx_conf_merge_uint_value(conf->signature_mode, prev->signature_mode,
                              NGX_CONF_UNSET_UINT);

    if (!own) {
        conf->rules = prev->rules;
        return NGX_OK;
    }

    rules = ngx_pcalloc(cf->pool, sizeof(ngx_http_egov_rules_t));
    if (rules == NULL) {
        return NGX_ERROR;
    }

    rules->blocklists = conf->blocklists;
    rules->allowlists = conf->allowlists;

    if (conf->custom_signatures == prev->custom_signatures
        && conf->signature_mode == prev->signature_mode)
    {
        rules->signatures = prev->rules->signatures;

    } else {
        rules->signatures = ngx_http_egov_sigset_compile(cf,
                                                     conf->signature_mode,
                                                     conf->custom_signatures);
        if (rules->signatures == NGX_CONF_ERROR) {
            return NGX_ERROR;
        }
    }

    conf->rules = rules;

    return NGX_OK;
}


/* the addresses of a list file, for a feature of its own */

ngx_egov_ipset_t *
ngx_http_egov_list_set(ngx_conf_t *cf, ngx_str_t *file)
{
    ngx_http_egov_list_t  *list;

    list = ngx_http_egov_list_load(cf, file);

    return list ? list->set : NULL;
}


/* a list file, read once per configuration however many use it */

static ngx_http_egov_list_t *
ngx_http_egov_list_load(ngx_conf_t *cf, ngx_str_t *file)
{
    u_char                             *data, *p, *dot;
    size_t                              size;
    ngx_str_t                           path;
    ngx_uint_t                          i;
    ngx_http_egov_list_t               *list, **cached;
    ngx_http_egov_protect_main_conf_t  *pmcf;

    pmcf = ngx_http_conf_get_module_main_conf(cf,
                                              ngx_http_egov_protect_module);

    path = *file;

    if (ngx_conf_full_name(cf->cycle, &path, 1) != NGX_OK) {
        return NULL;
    }

    cached = pmcf->lists.elts;

    for (i = 0; i < pmcf->lists.nelts; i++) {
        if (cached[i]->path.len == path.len
            && ngx_strncmp(cached[i]->path.data, path.data, path.len) == 0)
        {
            return cached[i];
        }
    }

    list = ngx_pcalloc(cf->pool, sizeof(ngx_http_egov_list_t));
    if (list == NULL) {
        return NULL;
    }

    /* a NUL-terminated copy for open() */

    list->path.len = path.len;
    list->path.data = ngx_pnalloc(cf->pool, path.len + 1);
    if (list->path.data == NULL) {
        return NULL;
    }

    ngx_memcpy(list->path.data, path.data, path.len);
    list->path.data[path.len] = '\0';

    /* its name: the file name without directory and extension */

    p = list->path.data + path.len;

    while (p > list->path.data && p[-1] != '/') {
        p--;
    }

    dot = ngx_strlchr(p, list->path.data + path.len, '.');
    list->name.data = p;
    list->name.len = (dot && dot > p ? dot : list->path.data + path.len) - p;

    list->set = ngx_http_egov_ipset_new(cf);
    if (list->set == NULL) {
        return NULL;
    }

    if (ngx_http_egov_list_read(cf, list->path.data, &data, &size) != NGX_OK)
    {
        return NULL;
    }

    if (ngx_http_egov_list_parse(cf, list, data, size) != NGX_OK) {
        ngx_free(data);
        return NULL;
    }

    ngx_free(data);

    cached = ngx_array_push(&pmcf->lists);
    if (cached == NULL) {
        return NULL;
    }

    *cached = list;

    return list;
}


static ngx_int_t
ngx_http_egov_list_read(ngx_conf_t *cf, u_char *path, u_char **data,
    size_t *size)
{
    ssize_t          n;
    size_t           done;
    ngx_fd_t         fd;
    ngx_int_t        rc;
    ngx_file_info_t  fi;

    rc = ngx_http_egov_conf_open(cf, path, &fd, &fi);

    if (rc == NGX_DECLINED) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           ngx_open_file_n " \"%s\" failed", path);
        return NGX_ERROR;
    }

    if (rc != NGX_OK) {
        return NGX_ERROR;
    }

    *size = ngx_file_size(&fi);

    *data = ngx_alloc(*size ? *size : 1, cf->log);
    if (*data == NULL) {
        goto failed;
    }

    for (done = 0; done < *size; done += n) {
        n = ngx_read_fd(fd, *data + done, *size - done);

        if (n <= 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                               ngx_read_fd_n " \"%s\" failed", path);
            ngx_free(*data);
            goto failed;
        }
    }

    ngx_close_file(fd);

    return NGX_OK;

failed:

    ngx_close_file(fd);

    return NGX_ERROR;
}


static ngx_int_t
ngx_http_egov_list_parse(ngx_conf_t *cf, ngx_http_egov_list_t *list,
    u_char *data, size_t size)
{
    int              rc;
    u_char          *p, *end, *nl;
    size_t           i, shown;
    ngx_uint_t       line, bad;
    u_char           text[65];
    ngx_msec_int_t   ms;
    struct timeval   start, done;
    ngx_egov_cidr_t  cidr;

    ngx_gettimeofday(&start);

    line = 0;
    bad = 0;
    end = data + size;

    for (p = data; p < end; p = nl + 1) {

        nl = ngx_strlchr(p, end, '\n');
        if (nl == NULL) {
            nl = end;
        }

        line++;

        rc = ngx_egov_cidr_parse_line(p, nl - p, &cidr);

        if (rc == NGX_EGOV_CIDR_EMPTY) {
            continue;
        }

        /*
         * the last line, without its line end, and wider than the admin
         * API takes without "force": a download cut short may have left
         * "64.0.0.0/2" of "64.0.0.0/24", which parses
         */

        if (rc == NGX_EGOV_CIDR_OK && nl == end
            && cidr.prefix < ((cidr.family == AF_INET)
                              ? NGX_EGOV_CIDR_V4_WIDEST
                              : NGX_EGOV_CIDR_V6_WIDEST))
        {
            rc = NGX_EGOV_CIDR_CUT;
        }

        if (rc != NGX_EGOV_CIDR_OK) {

            /*
             * a line cut short (a /24 read as a /2) or a /0 would refuse,
             * or let through, far more than the list meant: skipped, as a
             * line that is not an address is; the line is shown with its
             * bytes that are not printable escaped
             */

            if (++bad <= NGX_HTTP_EGOV_LIST_REPORT) {
                shown = ngx_min((size_t) (nl - p), 64);

                while (shown && (p[shown - 1] == '\r')) {
                    shown--;
                }

                for (i = 0; i < shown; i++) {
                    text[i] = (p[i] < 0x20 || p[i] >= 0x7f) ? '?' : p[i];
                }

                text[shown] = '\0';

                ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                                   "%V:%ui: %s: \"%s\", line skipped",
                                   &list->path, line,
                                   (rc == NGX_EGOV_CIDR_CUT)
                                   ? "the last line, without its line end, "
                                     "is a prefix wider than /8 or /16 (a "
                                     "download cut short?)"
                                   : (rc == NGX_EGOV_CIDR_HOST)
                                   ? "bits set beyond the prefix's length "
                                     "(a line cut short?)"
                                   : (rc == NGX_EGOV_CIDR_ALL)
                                   ? "a /0 is every address (\"deny all\" "
                                     "and \"allow all\" say so)"
                                   : "not an address or prefix", text);
            }

            continue;
        }

        if (ngx_egov_ipset_add(list->set, &cidr) != NGX_EGOV_CIDR_OK) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "%V: out of memory at line %ui",
                               &list->path, line);
            return NGX_ERROR;
        }
    }

    if (ngx_egov_ipset_freeze(list->set) != NGX_EGOV_CIDR_OK) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "%V: out of memory", &list->path);
        return NGX_ERROR;
    }

    ngx_gettimeofday(&done);
    ms = (done.tv_sec - start.tv_sec) * 1000
         + (done.tv_usec - start.tv_usec) / 1000;

    if (bad) {
        ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                           "%V: %ui invalid lines skipped", &list->path, bad);
    }

    /*
     * Information: not shown at a start (nginx logs notice and up then),
     * shown by "nginx -t" (info and up) but not by "nginx -t -q", which
     * systemd runs before every start and reload
     */

    if (ngx_test_config && ngx_quiet_mode) {
        return NGX_OK;
    }

    ngx_log_error(NGX_LOG_INFO, cf->log, 0,
                  "egov: list \"%V\": %uz entries, %uz ranges, %uz KiB, "
                  "loaded in %M ms", &list->path,
                  ngx_egov_ipset_entries(list->set),
                  ngx_egov_ipset_ranges(list->set),
                  ngx_egov_ipset_memory(list->set) / 1024, ms);

    return NGX_OK;
}


static ngx_egov_ipset_t *
ngx_http_egov_ipset_new(ngx_conf_t *cf)
{
    ngx_egov_ipset_t    *set;
    ngx_pool_cleanup_t  *cln;

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NULL;
    }

    set = ngx_egov_ipset_create();
    if (set == NULL) {
        return NULL;
    }

    cln->handler = ngx_http_egov_ipset_cleanup;
    cln->data = set;

    return set;
}


static void
ngx_http_egov_ipset_cleanup(void *data)
{
    ngx_egov_ipset_free(data);
}
