
/*
 * hiredis's asynchronous API on the nginx event loop: a link is one
 * hiredis context whose socket is an ngx_connection_t with level-triggered
 * events (hiredis reads 16 KiB at a time and expects to be called again
 * while data is left), a connect timer (hiredis 0.14 has none), a
 * handshake, and a retry delay with backoff.
 *
 * hiredis owns the socket: it closes it when it frees the context, and
 * calls our cleanup hook just before, which gives the ngx_connection_t
 * back without closing anything.  A context may be freed inside
 * redisAsyncHandleRead()/Write(), so nothing is touched after those calls.
 *
 * Whoever can write to Redis chooses what a reply holds, and hiredis 0.14
 * bounds nothing: a reply's bytes waiting to be parsed and the objects
 * made of it are counted against egov_redis max_reply=, and a reply over
 * it closes the link (an array's header alone would otherwise allocate
 * eight bytes an element it announces).
 */


#include "ngx_egov_redis_int.h"


static void ngx_egov_redis_link_timer(ngx_event_t *ev);
static void ngx_egov_redis_read_handler(ngx_event_t *rev);
static void ngx_egov_redis_write_handler(ngx_event_t *wev);
static void ngx_egov_redis_add_read(void *privdata);
static void ngx_egov_redis_del_read(void *privdata);
static void ngx_egov_redis_add_write(void *privdata);
static void ngx_egov_redis_del_write(void *privdata);
static void ngx_egov_redis_cleanup(void *privdata);
static void ngx_egov_redis_on_connect(const redisAsyncContext *ac,
    int status);
static ngx_int_t ngx_egov_redis_reply_grow(const redisReadTask *task,
    size_t size);
static ngx_int_t ngx_egov_redis_reply_expected(const redisReadTask *task,
    int elements, const char *str, size_t len);
static void *ngx_egov_redis_create_string(const redisReadTask *task,
    char *str, size_t len);
static void *ngx_egov_redis_create_array(const redisReadTask *task,
    int elements);
static void *ngx_egov_redis_create_integer(const redisReadTask *task,
    long long value);
static void *ngx_egov_redis_create_nil(const redisReadTask *task);
static void ngx_egov_redis_free_object(void *reply);


/* hiredis's own, which ours call once a reply is within bounds */
static redisReplyObjectFunctions  *ngx_egov_redis_hiredis_fns;

static redisReplyObjectFunctions  ngx_egov_redis_bounded_fns = {
    ngx_egov_redis_create_string,
    ngx_egov_redis_create_array,
    ngx_egov_redis_create_integer,
    ngx_egov_redis_create_nil,
    ngx_egov_redis_free_object
};


void
ngx_egov_redis_link_init(ngx_egov_redis_link_t *link, const char *role,
    ngx_log_t *log)
{
    link->role = role;

    link->timer.handler = ngx_egov_redis_link_timer;
    link->timer.data = link;
    link->timer.log = log;
    link->timer.cancelable = 1;
}


void
ngx_egov_redis_connect(ngx_egov_redis_link_t *link)
{
    ngx_connection_t         *c;
    redisAsyncContext        *ac;
    ngx_egov_redis_addr_t    *addr;
    ngx_egov_redis_worker_t  *w;

    w = ngx_egov_redis;
    addr = link->addr;

    if (link->ac || w->exiting || addr == NULL) {
        return;
    }

    if (link->timer.timer_set) {
        ngx_del_timer(&link->timer);
    }

    link->error[0] = '\0';
    link->state = NGX_EGOV_REDIS_LINK_HANDSHAKE;

    ngx_log_debug2(NGX_LOG_DEBUG_EVENT, w->log, 0,
                   "egov %s: connecting to %s", link->role, addr->text);

    /* numeric addresses only (resolved when the configuration was read):
     * hiredis's getaddrinfo() then has nothing to look up */

    if (addr->port) {
        ac = redisAsyncConnect(addr->host, addr->port);

    } else {
        ac = redisAsyncConnectUnix(addr->host);
    }

    if (ac == NULL) {
        ngx_cpystrn(link->error, (u_char *) "out of memory",
                    sizeof(link->error));
        goto failed;
    }

    if (ac->err) {
        ngx_cpystrn(link->error, (u_char *) ac->errstr, sizeof(link->error));
        ngx_egov_redis_printable(link->error);
        redisAsyncFree(ac);
        goto failed;
    }

    c = ngx_get_connection(ac->c.fd, w->log);
    if (c == NULL) {
        ngx_cpystrn(link->error, (u_char *) "no free connection",
                    sizeof(link->error));
        redisAsyncFree(ac);
        goto failed;
    }

    c->data = link;
    c->read->handler = ngx_egov_redis_read_handler;
    c->write->handler = ngx_egov_redis_write_handler;
    c->read->log = w->log;
    c->write->log = w->log;
    c->number = ngx_atomic_fetch_add(ngx_connection_counter, 1);

    link->ac = ac;
    link->conn = c;
    link->closing = 0;
    link->too_large = 0;
    link->unexpected = 0;
    link->reply_bytes = 0;

    if (ngx_egov_redis_hiredis_fns == NULL) {
        ngx_egov_redis_hiredis_fns = ac->c.reader->fn;
    }

    ac->c.reader->fn = &ngx_egov_redis_bounded_fns;
    ac->c.reader->privdata = link;

    ac->data = link;
    ac->ev.data = link;
    ac->ev.addRead = ngx_egov_redis_add_read;
    ac->ev.delRead = ngx_egov_redis_del_read;
    ac->ev.addWrite = ngx_egov_redis_add_write;
    ac->ev.delWrite = ngx_egov_redis_del_write;
    ac->ev.cleanup = ngx_egov_redis_cleanup;

    /* only now: setting it asks the hooks for the first write event */
    (void) redisAsyncSetConnectCallback(ac, ngx_egov_redis_on_connect);

    ngx_add_timer(&link->timer, w->conf->connect_timeout);

    link->handshake(link);

    return;

failed:

    link->state = NGX_EGOV_REDIS_LINK_IDLE;
    link->down(link, NGX_EGOV_REDIS_LINK_HANDSHAKE);
}


/*
 * Text from Redis (an error reply, hiredis's message about it) goes into
 * the error log: a line end or an escape in it would forge lines there or
 * act on the terminal that shows them
 */

void
ngx_egov_redis_printable(u_char *text)
{
    for ( /* void */ ; *text; text++) {
        if (*text < 0x20 || *text == 0x7f) {
            *text = '?';
        }
    }
}


/* frees the context: now, or when the hiredis callback running returns */

void
ngx_egov_redis_close(ngx_egov_redis_link_t *link, const char *reason)
{
    if (link->ac == NULL || link->closing) {
        return;
    }

    ngx_cpystrn(link->error, (u_char *) reason, sizeof(link->error));
    ngx_egov_redis_printable(link->error);
    link->closing = 1;

    redisAsyncFree(link->ac);
}


static void
ngx_egov_redis_link_timer(ngx_event_t *ev)
{
    ngx_egov_redis_link_t  *link;

    link = ev->data;

    if (link->state == NGX_EGOV_REDIS_LINK_HANDSHAKE) {
        ngx_snprintf(link->error, sizeof(link->error) - 1,
                     "no answer within connect_timeout (%Mms)%Z",
                     ngx_egov_redis->conf->connect_timeout);
        ngx_egov_redis_close(link, (char *) link->error);
        return;
    }

    if (ngx_exiting || ngx_terminate || ngx_egov_redis->exiting) {
        return;
    }

    /* not yet due: now only if another worker of this server is back */

    if (link->retry_at
        && (ngx_msec_int_t) (link->retry_at - ngx_current_msec) > 0
        && (ngx_egov_redis->shared == NULL
            || ngx_egov_redis->shared->comebacks == link->comebacks))
    {
        ngx_add_timer(&link->timer,
                      ngx_min((ngx_msec_t) (link->retry_at
                                            - ngx_current_msec),
                              NGX_EGOV_REDIS_PEER_POLL));
        return;
    }

    if (link->retry_at
        && (ngx_msec_int_t) (link->retry_at - ngx_current_msec) > 0)
    {
        ngx_log_error(NGX_LOG_INFO, ev->log, 0,
                      "egov %s: another worker has Redis again: "
                      "reconnecting now", link->role);
    }

    link->retry_at = 0;
    link->retry(link);
}


void
ngx_egov_redis_schedule(ngx_egov_redis_link_t *link, ngx_msec_t delay)
{
    if (link->timer.timer_set) {
        ngx_del_timer(&link->timer);
    }

    link->retry_at = delay ? ngx_current_msec + delay : 0;
    link->comebacks = ngx_egov_redis->shared
                      ? ngx_egov_redis->shared->comebacks : 0;

    ngx_add_timer(&link->timer, ngx_min(delay, NGX_EGOV_REDIS_PEER_POLL));
}


/*
 * This worker's state for the others: up when both links are ready; a
 * worker coming up counts a comeback, which wakes those waiting to retry
 */

void
ngx_egov_redis_share(void)
{
    ngx_uint_t                up;
    ngx_egov_redis_worker_t  *w;

    w = ngx_egov_redis;

    if (w == NULL || w->shared == NULL || w->exiting || ngx_exiting
        || ngx_worker >= NGX_EGOV_REDIS_WORKERS_MAX)
    {
        return;
    }

    up = (w->state == NGX_EGOV_REDIS_STATE_UP
          && w->cmd.state == NGX_EGOV_REDIS_LINK_READY
          && w->sub.state == NGX_EGOV_REDIS_LINK_READY);

    if (up == w->shared_up) {
        return;
    }

    w->shared_up = up;
    w->shared->up[ngx_worker] = up;

    if (up) {
        (void) ngx_atomic_fetch_add(&w->shared->comebacks, 1);
    }
}


ngx_msec_t
ngx_egov_redis_backoff(ngx_egov_redis_link_t *link)
{
    ngx_msec_t  delay;

    delay = link->backoff ? link->backoff * 2 : NGX_EGOV_REDIS_BACKOFF_MIN;

    if (delay > NGX_EGOV_REDIS_BACKOFF_MAX) {
        delay = NGX_EGOV_REDIS_BACKOFF_MAX;
    }

    link->backoff = delay;

    /* servers and workers that lost Redis together do not retry in step */
    return delay - delay / 4 + (ngx_msec_t) ngx_random() % (delay / 2 + 1);
}


/* a handshake reply that makes the link unusable: say why, and close */

void
ngx_egov_redis_link_error(ngx_egov_redis_link_t *link, const char *what,
    redisReply *reply)
{
    size_t  len;

    len = 0;

    if (reply && reply->str) {
        len = ngx_min(reply->len, sizeof(link->error) - 64);
    }

    ngx_snprintf(link->error, sizeof(link->error) - 1, "%s%s%*s%Z",
                 what, len ? ": " : "", len, reply ? reply->str : "");

    ngx_egov_redis_close(link, (char *) link->error);
}


static void
ngx_egov_redis_read_handler(ngx_event_t *rev)
{
    ngx_connection_t       *c;
    ngx_egov_redis_link_t  *link;

    c = rev->data;
    link = c->data;

    if (c->close) {
        /* worker_shutdown_timeout closes every connection: so do we, all
         * of them, quietly, and for good */
        ngx_egov_redis->exiting = 1;
        ngx_egov_redis->state = NGX_EGOV_REDIS_STATE_OFF;

        ngx_egov_redis_close(link, "worker shutdown");
        return;
    }

    if (link->ac->c.reader->len - link->ac->c.reader->pos
        > ngx_egov_redis->conf->max_reply)
    {
        /* a bulk string too long to wait for */
        link->too_large = 1;
        ngx_egov_redis_close(link, "a reply larger than max_reply");
        return;
    }

    /* may free the context and the connection: touch nothing after */
    redisAsyncHandleRead(link->ac);
}


/*
 * A reply's size as it is parsed: reset by each reply's first object, what
 * each object holds added; over max_reply, no object is made, which
 * hiredis takes as an error and closes the link
 */

static ngx_int_t
ngx_egov_redis_reply_grow(const redisReadTask *task, size_t size)
{
    ngx_egov_redis_link_t  *link;

    link = task->privdata;

    if (link == NULL) {
        return NGX_OK;
    }

    if (task->parent == NULL) {
        link->reply_bytes = 0;
    }

    link->reply_bytes += sizeof(redisReply) + size;

    if (size > ngx_egov_redis->conf->max_reply
        || link->reply_bytes > ngx_egov_redis->conf->max_reply)
    {
        link->too_large = 1;
        return NGX_ERROR;
    }

    return NGX_OK;
}


/*
 * hiredis 0.14 gives a reply no command waits for to the pub/sub callbacks
 * and asserts its shape there: a reply a link was not subscribed for, an
 * array of fewer than 2 elements, a type or channel that is not a string,
 * an unsubscribe without its count abort the worker (or read past the
 * array).  A Redis, or whatever answers in its place, is refused such a
 * reply as it is parsed: no object is made, and the link is closed.
 */

static ngx_int_t
ngx_egov_redis_reply_expected(const redisReadTask *task, int elements,
    const char *str, size_t len)
{
    redisAsyncContext      *ac;
    ngx_egov_redis_link_t  *link;

    link = task->privdata;

    if (link == NULL || link->ac == NULL) {
        return NGX_OK;
    }

    ac = link->ac;

    if (task->parent == NULL) {
        link->pubsub = 0;
        link->unsubscribe = 0;

        /* a command's reply, or an error hiredis closes the link for */

        if (ac->replies.head != NULL || task->type == REDIS_REPLY_ERROR) {
            return NGX_OK;
        }

        if (!(ac->c.flags & REDIS_SUBSCRIBED)) {
            goto unexpected;
        }

        /* not an array: a command's sent while subscribed */

        if (task->type != REDIS_REPLY_ARRAY) {
            return NGX_OK;
        }

        if (elements < 2) {
            goto unexpected;
        }

        link->pubsub = 1;
        return NGX_OK;
    }

    if (!link->pubsub || task->parent->parent != NULL) {
        return NGX_OK;
    }

    switch (task->idx) {

    case 0:
        if (task->type != REDIS_REPLY_STRING) {
            goto unexpected;
        }

        if (len && (str[0] == 'p' || str[0] == 'P')) {
            str++;
            len--;
        }

        link->unsubscribe = (len == sizeof("unsubscribe") - 1
                             && ngx_strncasecmp((u_char *) str,
                                                (u_char *) "unsubscribe",
                                                len)
                                == 0);

        if (link->unsubscribe && task->parent->elements < 3) {
            goto unexpected;
        }

        break;

    case 1:
        if (task->type != REDIS_REPLY_STRING) {
            goto unexpected;
        }

        break;

    case 2:
        if (link->unsubscribe && task->type != REDIS_REPLY_INTEGER) {
            goto unexpected;
        }

        break;
    }

    return NGX_OK;

unexpected:

    link->unexpected = 1;

    return NGX_ERROR;
}


static void *
ngx_egov_redis_create_string(const redisReadTask *task, char *str,
    size_t len)
{
    if (ngx_egov_redis_reply_grow(task, len) != NGX_OK
        || ngx_egov_redis_reply_expected(task, 0, str, len) != NGX_OK)
    {
        return NULL;
    }

    return ngx_egov_redis_hiredis_fns->createString(task, str, len);
}


static void *
ngx_egov_redis_create_array(const redisReadTask *task, int elements)
{
    if (elements < 0
        || ngx_egov_redis_reply_grow(task,
                                     (size_t) elements * sizeof(redisReply *))
           != NGX_OK
        || ngx_egov_redis_reply_expected(task, elements, NULL, 0) != NGX_OK)
    {
        return NULL;
    }

    return ngx_egov_redis_hiredis_fns->createArray(task, elements);
}


static void *
ngx_egov_redis_create_integer(const redisReadTask *task, long long value)
{
    if (ngx_egov_redis_reply_grow(task, 0) != NGX_OK
        || ngx_egov_redis_reply_expected(task, 0, NULL, 0) != NGX_OK)
    {
        return NULL;
    }

    return ngx_egov_redis_hiredis_fns->createInteger(task, value);
}


static void *
ngx_egov_redis_create_nil(const redisReadTask *task)
{
    if (ngx_egov_redis_reply_grow(task, 0) != NGX_OK
        || ngx_egov_redis_reply_expected(task, 0, NULL, 0) != NGX_OK)
    {
        return NULL;
    }

    return ngx_egov_redis_hiredis_fns->createNil(task);
}


static void
ngx_egov_redis_free_object(void *reply)
{
    ngx_egov_redis_hiredis_fns->freeObject(reply);
}


static void
ngx_egov_redis_write_handler(ngx_event_t *wev)
{
    ngx_connection_t       *c;
    ngx_egov_redis_link_t  *link;

    c = wev->data;
    link = c->data;

    /* the link outlives its context: the flag may be reset after */
    link->writing = 1;
    redisAsyncHandleWrite(link->ac);
    link->writing = 0;
}


/*
 * Level-triggered: hiredis reads at most 16 KiB per call and relies on
 * being called again while data is left.  The hooks are idempotent, as
 * hiredis wants; an nginx failure to add an event is logged by nginx, and
 * the connect or command timers then close the link.
 */

static void
ngx_egov_redis_add_read(void *privdata)
{
    ngx_egov_redis_link_t *link = privdata;

    if (!link->conn->read->active) {
        (void) ngx_add_event(link->conn->read, NGX_READ_EVENT,
                             NGX_LEVEL_EVENT);
    }
}


static void
ngx_egov_redis_del_read(void *privdata)
{
    ngx_egov_redis_link_t *link = privdata;

    if (link->conn->read->active) {
        (void) ngx_del_event(link->conn->read, NGX_READ_EVENT,
                             NGX_LEVEL_EVENT);
    }
}


/*
 * A connected socket is nearly always writable: a command is written when
 * this turn of the event loop ends (a posted event), which saves a pair of
 * epoll_ctl() calls and a turn per command batch.  Only a connect in
 * progress, or a write left unfinished (asked from within the write
 * handler), waits for the write event.
 */

static void
ngx_egov_redis_add_write(void *privdata)
{
    ngx_egov_redis_link_t *link = privdata;

    ngx_event_t  *wev;

    wev = link->conn->write;

    if (wev->active || wev->posted) {
        return;
    }

    if (!link->writing && (link->ac->c.flags & REDIS_CONNECTED)) {
        ngx_post_event(wev, &ngx_posted_events);
        return;
    }

    (void) ngx_add_event(wev, NGX_WRITE_EVENT, NGX_LEVEL_EVENT);
}


static void
ngx_egov_redis_del_write(void *privdata)
{
    ngx_egov_redis_link_t *link = privdata;

    ngx_event_t  *wev;

    wev = link->conn->write;

    if (wev->posted) {
        ngx_delete_posted_event(wev);
    }

    if (wev->active) {
        (void) ngx_del_event(wev, NGX_WRITE_EVENT, NGX_LEVEL_EVENT);
    }
}


/*
 * hiredis is freeing the context: pending callbacks have run (with NULL
 * replies), and the socket is closed right after we return.  The
 * connection goes back to nginx without closing anything.
 */

static void
ngx_egov_redis_cleanup(void *privdata)
{
    ngx_egov_redis_link_t *link = privdata;

    ngx_connection_t             *c;
    redisAsyncContext            *ac;
    ngx_egov_redis_link_state_e   prev;

    c = link->conn;
    ac = link->ac;

    if (link->too_large) {
        ngx_http_egov_stat_inc(NGX_EGOV_STAT_REDIS_TOO_LARGE);
        ngx_snprintf(link->error, sizeof(link->error) - 1,
                     "a reply larger than max_reply (%uz bytes)%Z",
                     ngx_egov_redis->conf->max_reply);

    } else if (link->unexpected) {
        ngx_http_egov_stat_inc(NGX_EGOV_STAT_REDIS_UNEXPECTED);
        ngx_cpystrn(link->error,
                    (u_char *) "a reply no command waits for, or a pub/sub "
                    "reply not shaped as Redis sends them",
                    sizeof(link->error));

    } else if (!link->closing) {
        /* hiredis gave up by itself: an I/O error, EOF, a protocol error */
        ngx_cpystrn(link->error,
                    (u_char *) ((ac && ac->err && ac->errstr)
                                ? ac->errstr : "connection closed"),
                    sizeof(link->error));
        ngx_egov_redis_printable(link->error);
    }

    if (c) {
        if (ngx_del_conn) {
            (void) ngx_del_conn(c, NGX_CLOSE_EVENT);

        } else {
            if (c->read->active) {
                (void) ngx_del_event(c->read, NGX_READ_EVENT,
                                     NGX_CLOSE_EVENT);
            }

            if (c->write->active) {
                (void) ngx_del_event(c->write, NGX_WRITE_EVENT,
                                     NGX_CLOSE_EVENT);
            }
        }

        if (c->read->posted) {
            ngx_delete_posted_event(c->read);
        }

        if (c->write->posted) {
            ngx_delete_posted_event(c->write);
        }

        c->read->closed = 1;
        c->write->closed = 1;

        ngx_free_connection(c);

        /* hiredis closes the socket; nginx must not, nor see it as open */
        c->fd = (ngx_socket_t) -1;
    }

    prev = link->state;

    link->ac = NULL;
    link->conn = NULL;
    link->closing = 0;
    link->state = NGX_EGOV_REDIS_LINK_IDLE;

    if (link->timer.timer_set) {
        ngx_del_timer(&link->timer);
    }

    link->down(link, prev);

    ngx_egov_redis_share();
}


static void
ngx_egov_redis_on_connect(const redisAsyncContext *ac, int status)
{
    ngx_egov_redis_link_t  *link;

    /* a failed connect is seen by the cleanup hook: nothing to do here */

    link = ac->data;

    ngx_log_debug3(NGX_LOG_DEBUG_EVENT, ngx_cycle->log, 0,
                   "egov %s: tcp connect to %s: %s", link->role,
                   link->addr->text, status == REDIS_OK ? "ok" : "failed");
}


void
ngx_egov_redis_handshake_reply(redisAsyncContext *ac, void *r,
    void *privdata)
{
    redisReply             *reply = r;
    uintptr_t               step;
    ngx_egov_redis_link_t  *link;

    static const char  *what[] = { "", "AUTH", "SELECT", "CLIENT SETNAME",
                                   "ROLE", "PING",
                                   "SENTINEL get-master-addr-by-name" };

    link = ac->data;
    step = (uintptr_t) privdata;

    if (reply == NULL || link->ac != ac || link->closing) {
        return;
    }

    if (reply->type == REDIS_REPLY_ERROR) {

        if (step == NGX_EGOV_REDIS_STEP_NAME) {
            /* only a convenience for the Redis operator */
            return;
        }

        ngx_egov_redis_link_error(link, what[step], reply);
        return;
    }

    switch (step) {

    case NGX_EGOV_REDIS_STEP_ROLE:

        if (reply->type != REDIS_REPLY_ARRAY || reply->elements == 0
            || reply->element[0]->type != REDIS_REPLY_STRING
            || reply->element[0]->len != 6
            || ngx_strncmp(reply->element[0]->str, "master", 6) != 0)
        {
            ngx_egov_redis_link_error(link,
                "not a master (ROLE), the sentinels will be asked again",
                NULL);
        }

        break;

    case NGX_EGOV_REDIS_STEP_PING:
        ngx_egov_redis_link_ready(link);
        break;

    case NGX_EGOV_REDIS_STEP_MASTER:
        ngx_egov_redis_master_reply(link, reply);
        break;

    default:
        break;
    }
}


/* handshake commands more than one link sends */

void
ngx_egov_redis_auth(ngx_egov_redis_link_t *link, ngx_str_t *user,
    ngx_str_t *password)
{
    if (password->len && user && user->len) {
        /* an ACL user (Redis 6 and later) */
        (void) redisAsyncCommand(link->ac, ngx_egov_redis_handshake_reply,
                                 ngx_egov_redis_step(AUTH), "AUTH %b %b",
                                 user->data, user->len,
                                 password->data, password->len);

    } else if (password->len) {
        (void) redisAsyncCommand(link->ac, ngx_egov_redis_handshake_reply,
                                 ngx_egov_redis_step(AUTH), "AUTH %b",
                                 password->data, password->len);
    }
}


void
ngx_egov_redis_set_name(ngx_egov_redis_link_t *link)
{
    /* "CLIENT LIST" on the Redis side tells which server and worker */

    (void) redisAsyncCommand(link->ac, ngx_egov_redis_handshake_reply,
                             ngx_egov_redis_step(NAME), "CLIENT SETNAME %b",
                             ngx_egov_redis->name.data,
                             ngx_egov_redis->name.len);
}


void
ngx_egov_redis_script_loaded(redisAsyncContext *ac, void *r, void *privdata)
{
    redisReply               *reply = r;
    ngx_egov_redis_script_t  *script = privdata;

    u_char                    text[201];

    if (reply == NULL || reply->type != REDIS_REPLY_ERROR) {
        return;
    }

    /* a script the module ships does not compile: a bug, said loudly */

    ngx_cpystrn(text, (u_char *) reply->str,
                ngx_min(reply->len + 1, sizeof(text)));
    ngx_egov_redis_printable(text);

    ngx_log_error(NGX_LOG_ERR, ngx_egov_redis->log, 0,
                  "egov redis: SCRIPT LOAD of script %*s failed: %s",
                  (size_t) 12, script->sha, text);
}


void
ngx_egov_redis_link_ready(ngx_egov_redis_link_t *link)
{
    if (link->timer.timer_set) {
        ngx_del_timer(&link->timer);
    }

    link->state = NGX_EGOV_REDIS_LINK_READY;
    link->backoff = 0;
    link->error[0] = '\0';

    link->ready(link);

    ngx_egov_redis_share();
}
