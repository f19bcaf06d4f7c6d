
/*
 * egov_signatures_data DIR: the OWASP Core Rule Set's data files (Debian's
 * modsecurity-crs installs them in /usr/share/modsecurity-crs/rules), read
 * at configuration time, so that the scanner lists stay current through
 * apt, not through us.  Each file the module knows becomes a signature of
 * its own, matched as CRS's @pmFromFile matches it (any of its phrases,
 * ignoring case: ngx_egov_phrases.c, linear in the input) over the field
 * CRS reads it against:
 *
 *   scanners-user-agents.data  crs-scanner-ua       User-Agent (913100)
 *   scanners-urls.data         crs-scanner-url      the path (913120)
 *   restricted-files.data      crs-restricted-file  the path (930130)
 *
 * Files of the directory the module does not know are not read.  A
 * directory is read once, however many levels name it.
 */


#include "ngx_http_egov_signatures.h"
#include "ngx_egov_signatures_builtin.h"


#define NGX_HTTP_EGOV_DATA_FILE_MAX   (1024 * 1024)
#define NGX_HTTP_EGOV_DATA_PHRASE_MAX 256


typedef struct {
    ngx_str_t                   file;
    ngx_uint_t                  field;
    ngx_str_t                   name;
} ngx_http_egov_data_file_t;


typedef struct {
    ngx_str_t                   dir;
    ngx_array_t                 sigs;        /* ngx_http_egov_sig_t */
} ngx_http_egov_data_set_t;


static ngx_array_t *ngx_http_egov_data_load(ngx_conf_t *cf, ngx_str_t *dir);
static ngx_int_t ngx_http_egov_data_file(ngx_conf_t *cf, ngx_str_t *path,
    ngx_http_egov_sig_t *sig, ngx_uint_t *count);
static void *ngx_http_egov_data_alloc(void *data, size_t size);


static ngx_http_egov_data_file_t  ngx_http_egov_data_files[] = {
    { ngx_string("scanners-user-agents.data"), NGX_EGOV_SIG_UA,
      ngx_string("crs-scanner-ua") },
    { ngx_string("scanners-urls.data"), NGX_EGOV_SIG_URI,
      ngx_string("crs-scanner-url") },
    { ngx_string("restricted-files.data"), NGX_EGOV_SIG_URI,
      ngx_string("crs-restricted-file") },
    { ngx_null_string, 0, ngx_null_string }
};


char *
ngx_http_egov_signatures_data(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_egov_protect_loc_conf_t *plcf = conf;

    ngx_str_t            *value;
    ngx_uint_t            i;
    ngx_array_t          *data;
    ngx_http_egov_sig_t  *sig, *have;

    value = cf->args->elts;

    data = ngx_http_egov_data_load(cf, &value[1]);
    if (data == NULL) {
        return NGX_CONF_ERROR;
    }

    sig = data->elts;

    for (i = 0; i < data->nelts; i++) {
        have = ngx_http_egov_sig_push(cf, plcf, &sig[i].name);
        if (have == NULL) {
            return NGX_CONF_ERROR;
        }

        *have = sig[i];
    }

    return NGX_CONF_OK;
}


/* the signatures of a directory, read once per configuration */

static ngx_array_t *
ngx_http_egov_data_load(ngx_conf_t *cf, ngx_str_t *name)
{
    u_char                             *p;
    ngx_str_t                           dir, path;
    ngx_uint_t                          i, count;
    ngx_http_egov_sig_t                *sig;
    ngx_http_egov_data_set_t           *set;
    ngx_http_egov_data_file_t          *f;
    ngx_http_egov_protect_main_conf_t  *pmcf;

    dir = *name;

    if (ngx_conf_full_name(cf->cycle, &dir, 1) != NGX_OK) {
        return NULL;
    }

    pmcf = ngx_http_conf_get_module_main_conf(cf,
                                              ngx_http_egov_protect_module);

    if (pmcf->sig_data == NULL) {
        pmcf->sig_data = ngx_array_create(cf->pool, 1,
                                          sizeof(ngx_http_egov_data_set_t));
        if (pmcf->sig_data == NULL) {
            return NULL;
        }
    }

    set = pmcf->sig_data->elts;

    for (i = 0; i < pmcf->sig_data->nelts; i++) {
        if (set[i].dir.len == dir.len
            && ngx_strncmp(set[i].dir.data, dir.data, dir.len) == 0)
        {
            return &set[i].sigs;
        }
    }

    set = ngx_array_push(pmcf->sig_data);
    if (set == NULL) {
        return NULL;
    }

    set->dir = dir;

    if (ngx_array_init(&set->sigs, cf->pool, 3, sizeof(ngx_http_egov_sig_t))
        != NGX_OK)
    {
        return NULL;
    }

    for (f = ngx_http_egov_data_files; f->file.len; f++) {

        path.len = dir.len + 1 + f->file.len;
        path.data = ngx_pnalloc(cf->pool, path.len + 1);
        if (path.data == NULL) {
            return NULL;
        }

        p = ngx_cpymem(path.data, dir.data, dir.len);
        *p++ = '/';
        p = ngx_cpymem(p, f->file.data, f->file.len);
        *p = '\0';

        sig = ngx_array_push(&set->sigs);
        if (sig == NULL) {
            return NULL;
        }

        ngx_memzero(sig, sizeof(ngx_http_egov_sig_t));
        sig->name = f->name;
        sig->field = f->field;

        switch (ngx_http_egov_data_file(cf, &path, sig, &count)) {

        case NGX_OK:
            if (!(ngx_test_config && ngx_quiet_mode)) {
                ngx_log_error(NGX_LOG_INFO, cf->log, 0,
                              "egov: signatures \"%V\": %ui phrases from "
                              "\"%V\"", &sig->name, count, &path);
            }
            break;

        case NGX_DECLINED:
            set->sigs.nelts--;      /* not in this directory */
            break;

        default:
            return NULL;
        }
    }

    if (set->sigs.nelts == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "egov_signatures_data: \"%V\" has none of "
                           "scanners-user-agents.data, scanners-urls.data, "
                           "restricted-files.data (Debian's modsecurity-crs "
                           "installs them in "
                           "/usr/share/modsecurity-crs/rules)", &dir);
        return NULL;
    }

    return &set->sigs;
}


/*
 * A data file: a phrase per line, blank lines and "#" comments skipped,
 * spaces around a phrase trimmed.  NGX_DECLINED if it does not exist.
 */

static ngx_int_t
ngx_http_egov_data_file(ngx_conf_t *cf, ngx_str_t *path,
    ngx_http_egov_sig_t *sig, ngx_uint_t *count)
{
    u_char           *text, *p, *q, *last, *start, *end, *eol, *next;
    size_t           *lens;
    ssize_t           n;
    ngx_int_t         rc;
    ngx_err_t         err;
    ngx_uint_t        line, phrases;
    ngx_file_t        file;
    ngx_file_info_t   fi;
    const u_char    **list;

    ngx_memzero(&file, sizeof(ngx_file_t));
    file.name = *path;
    file.log = cf->log;

    rc = ngx_http_egov_conf_open(cf, path->data, &file.fd, &fi);

    if (rc == NGX_DECLINED) {
        err = ngx_errno;

        if (err == NGX_ENOENT) {
            return NGX_DECLINED;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, err,
                           ngx_open_file_n " \"%V\" failed", path);
        return NGX_ERROR;
    }

    if (rc != NGX_OK) {
        return NGX_ERROR;
    }

    if (ngx_file_size(&fi) > NGX_HTTP_EGOV_DATA_FILE_MAX) {
        ngx_close_file(file.fd);
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "egov_signatures_data \"%V\": not a file of "
                           "%d bytes at most", path,
                           NGX_HTTP_EGOV_DATA_FILE_MAX);
        return NGX_ERROR;
    }

    text = ngx_pnalloc(cf->temp_pool, ngx_file_size(&fi) + 1);
    if (text == NULL) {
        ngx_close_file(file.fd);
        return NGX_ERROR;
    }

    n = ngx_read_file(&file, text, ngx_file_size(&fi), 0);

    ngx_close_file(file.fd);

    if (n != ngx_file_size(&fi)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           ngx_read_file_n " \"%V\" failed", path);
        return NGX_ERROR;
    }

    last = text + n;

    /* as many phrases as lines at most */

    phrases = 1;

    for (p = text; p < last; p++) {
        phrases += (*p == '\n');
    }

    list = ngx_palloc(cf->temp_pool, phrases * sizeof(u_char *));
    lens = ngx_palloc(cf->temp_pool, phrases * sizeof(size_t));
    if (list == NULL || lens == NULL) {
        return NGX_ERROR;
    }

    phrases = 0;
    line = 0;

    for (p = text; p < last; p = next) {
        line++;

        eol = ngx_strlchr(p, last, '\n');
        next = eol ? eol + 1 : last;

        start = p;
        end = eol ? eol : last;

        while (start < end && (*start == ' ' || *start == '\t')) {
            start++;
        }

        while (end > start
               && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
        {
            end--;
        }

        if (end == start || *start == '#') {
            continue;
        }

        if (end - start > NGX_HTTP_EGOV_DATA_PHRASE_MAX) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "egov_signatures_data \"%V\", line %ui: a "
                               "phrase longer than %d bytes", path, line,
                               NGX_HTTP_EGOV_DATA_PHRASE_MAX);
            return NGX_ERROR;
        }

        for (q = start; q < end; q++) {
            if (*q < 0x20 || *q == 0x7f) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "egov_signatures_data \"%V\", line %ui: "
                                   "a control byte in a phrase", path, line);
                return NGX_ERROR;
            }
        }

        list[phrases] = start;
        lens[phrases] = end - start;
        phrases++;
    }

    if (phrases == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "egov_signatures_data \"%V\": no phrase in it",
                           path);
        return NGX_ERROR;
    }

    sig->phrases = ngx_palloc(cf->pool, sizeof(ngx_egov_phrases_t));
    if (sig->phrases == NULL) {
        return NGX_ERROR;
    }

    if (ngx_egov_phrases_build(sig->phrases, list, lens, phrases,
                               ngx_http_egov_data_alloc, cf->pool)
        != 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "egov_signatures_data \"%V\": too many phrases, "
                           "or no memory for them", path);
        return NGX_ERROR;
    }

    *count = phrases;

    return NGX_OK;
}


static void *
ngx_http_egov_data_alloc(void *data, size_t size)
{
    return ngx_palloc(data, size);
}
