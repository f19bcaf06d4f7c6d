
/*
 * The small files directives name (keys, secrets, tokens, pages), read
 * whole at configuration time, one way for all of them.
 */


#include "ngx_http_egov_module.h"


/*
 * "name" relative to the configuration's directory; "min" to "max" bytes.
 * A trailing newline is the editor's, not the content's: it is dropped
 * with NGX_HTTP_EGOV_FILE_TRIM and must not count towards "min".  A secret
 * (NGX_HTTP_EGOV_FILE_SECRET: tokens, keys) that others can read is
 * warned about: any local user could then use it.  Errors are said with the
 * file and line, as "what \"PATH\": ...".
 */

/*
 * Any file a directive names is opened so that nothing can hold nginx -t
 * or a reload: without blocking (a FIFO waited for a writer for ever; a
 * fifth review), and only a regular file is read (a FIFO, a directory, a
 * device is said to be none; /dev/null is taken, as an empty file).
 * NGX_DECLINED: open() failed, its errno kept for the caller to say;
 * NGX_ERROR: said here.
 */

ngx_int_t
ngx_http_egov_conf_open(ngx_conf_t *cf, u_char *path, ngx_fd_t *fd,
    ngx_file_info_t *fi)
{
    ngx_str_t  *directive;

    directive = cf->args->elts;

    *fd = ngx_open_file(path, NGX_FILE_RDONLY|NGX_FILE_NONBLOCK,
                        NGX_FILE_OPEN, 0);

    if (*fd == NGX_INVALID_FILE) {
        return NGX_DECLINED;
    }

    if (ngx_fd_info(*fd, fi) == NGX_FILE_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "%V \"%s\": " ngx_fd_info_n " failed",
                           &directive[0], path);
        ngx_close_file(*fd);
        return NGX_ERROR;
    }

    /* /dev/null: an empty list kept in place of a real one */

    if (!ngx_is_file(fi)
        && !(S_ISCHR(fi->st_mode)
             && ngx_strcmp(path, "/dev/null") == 0))
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "%V \"%s\": not a regular file", &directive[0],
                           path);
        ngx_close_file(*fd);
        return NGX_ERROR;
    }

    return NGX_OK;
}


/*
 * Who can change a secret file: anyone (others may write it: a token of
 * their own, a key they know) is refused; its group, or an owner that is
 * neither root nor the user reading the configuration, is warned about
 */

ngx_int_t
ngx_http_egov_conf_file_writers(ngx_conf_t *cf, ngx_file_info_t *fi,
    const char *what, u_char *path)
{
    if (fi->st_mode & S_IWOTH) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "%s \"%s\": others can write this secret "
                           "(mode %ui%ui%ui): chmod o-w it", what, path,
                           (ngx_uint_t) (fi->st_mode >> 6) & 7,
                           (ngx_uint_t) (fi->st_mode >> 3) & 7,
                           (ngx_uint_t) fi->st_mode & 7);
        return NGX_ERROR;
    }

    if (fi->st_mode & S_IWGRP) {
        ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                           "%s \"%s\": its group can write this secret "
                           "(mode %ui%ui%ui): chmod g-w it", what, path,
                           (ngx_uint_t) (fi->st_mode >> 6) & 7,
                           (ngx_uint_t) (fi->st_mode >> 3) & 7,
                           (ngx_uint_t) fi->st_mode & 7);
    }

    if (fi->st_uid != 0 && fi->st_uid != geteuid()) {
        ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                           "%s \"%s\": owned by user %ui, who can change "
                           "this secret: chown root it", what, path,
                           (ngx_uint_t) fi->st_uid);
    }

    return NGX_OK;
}


char *
ngx_http_egov_conf_file(ngx_conf_t *cf, ngx_str_t *name, size_t min,
    size_t max, ngx_uint_t flags, const char *what, ngx_str_t *out)
{
    ssize_t           n;
    ngx_int_t         rc;
    ngx_str_t         path;
    ngx_file_t        file;
    ngx_file_info_t   fi;

    path = *name;

    if (ngx_conf_full_name(cf->cycle, &path, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(&file, sizeof(ngx_file_t));
    file.name = path;
    file.log = cf->log;

    rc = ngx_http_egov_conf_open(cf, path.data, &file.fd, &fi);

    if (rc == NGX_DECLINED) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           ngx_open_file_n " \"%V\" failed", &path);
        return NGX_CONF_ERROR;
    }

    if (rc != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    if ((size_t) ngx_file_size(&fi) < min
        || (size_t) ngx_file_size(&fi) > max)
    {
        ngx_close_file(file.fd);
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "%s \"%V\": the file must hold %uz to %uz bytes",
                           what, &path, min, max);
        return NGX_CONF_ERROR;
    }

    if ((flags & NGX_HTTP_EGOV_FILE_SECRET) && (fi.st_mode & S_IROTH)) {
        ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                           "%s \"%V\": others can read this secret "
                           "(mode %ui%ui%ui): chmod o-r it", what, &path,
                           (ngx_uint_t) (fi.st_mode >> 6) & 7,
                           (ngx_uint_t) (fi.st_mode >> 3) & 7,
                           (ngx_uint_t) fi.st_mode & 7);
    }

    if ((flags & NGX_HTTP_EGOV_FILE_SECRET)
        && ngx_http_egov_conf_file_writers(cf, &fi, what, path.data)
           != NGX_OK)
    {
        ngx_close_file(file.fd);
        return NGX_CONF_ERROR;
    }

    out->len = ngx_file_size(&fi);
    out->data = ngx_pnalloc(cf->pool, out->len);
    if (out->data == NULL) {
        ngx_close_file(file.fd);
        return NGX_CONF_ERROR;
    }

    n = ngx_read_file(&file, out->data, out->len, 0);

    ngx_close_file(file.fd);

    if (n != (ssize_t) out->len) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           ngx_read_file_n " \"%V\" failed", &path);
        return NGX_CONF_ERROR;
    }

    if (!(flags & NGX_HTTP_EGOV_FILE_TRIM)) {
        return NGX_CONF_OK;
    }

    while (out->len
           && (out->data[out->len - 1] == '\n'
               || out->data[out->len - 1] == '\r'))
    {
        out->len--;
    }

    if (out->len < min) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "%s \"%V\": it must have at least %uz bytes "
                           "besides its final newline", what, &path, min);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}
