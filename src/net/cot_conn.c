/* cot_conn.c - one CoT connection's life on the listener's thread: accept, read
 * and frame (plain TCP here; TLS decrypts in cot_tls.c and frames here), the
 * per-connection rate, the output queue, the idle and slow-reader cut-offs, and
 * the backlog that takes turns between connections.
 *
 * Rate: a token bucket of rate_per_s events holding a second's worth; events over
 * it are dropped before parsing. COT_FLOOD_FACTOR times the rate dropped in one
 * second, or drops in COT_RATE_CUTOFF_S seconds in a row, cut the connection off.
 *
 * Output: blobs (shared by every connection they go to) in a FIFO; at most
 * COT_IOV_MAX of them per socket write. A client with more than
 * COT_OUT_MAX_BYTES unsent is cut off: it is not reading.
 *
 * Fairness and backpressure: a connection hands over at most COT_TURN_EVENTS
 * events per turn, then stops being read and waits behind the others (defer); so
 * does every connection while the writer's next batch is full. TCP makes those
 * clients wait: nothing is dropped.
 *
 * Closing: a closed connection leaves every list at once but is freed on the
 * next turn of the loop (reap), since callers up the stack may still hold it. */
#include "util/base.h"
#include <inttypes.h>
#include "net/cot_int.h"
#include "util/log.h"

static void on_write_done(h2o_socket_t *sock, const char *err);

/* ---- output -------------------------------------------------------------------- */

void cot_conn_queue(struct cot_conn *c, struct cot_blob *b)
{
    if (c->q_head + c->q_len == c->q_cap) {
        if (c->q_head > 0) {
            memmove(c->q, c->q + c->q_head, c->q_len * sizeof(*c->q));
            c->q_head = 0;
        } else {
            c->q_cap = c->q_cap != 0 ? c->q_cap * 2 : 16;
            c->q = xrealloc(c->q, c->q_cap * sizeof(*c->q));
        }
    }
    c->q[c->q_head + c->q_len++] = b;
    c->out_bytes += b->len;
}

void cot_conn_flush(struct cot_conn *c)
{
    size_t n = 0;

    if (c->is_closed || c->is_writing)
        return;
    if (c->q_len == 0) {
        if (c->close_after_flush)
            cot_conn_close(c, -1);
        return;
    }
    while (n < COT_IOV_MAX && c->q_len > 0) {
        struct cot_blob *b = c->q[c->q_head++];
        c->q_len--;
        c->inflight[n] = b;
        c->iov[n] = h2o_iovec_init(b->data, b->len);
        n++;
    }
    if (c->q_len == 0)
        c->q_head = 0;
    c->n_inflight = n;
    c->is_writing = true;
    h2o_socket_write(c->sock, c->iov, n, on_write_done);
}

static void release_inflight(struct cot_conn *c)
{
    for (size_t i = 0; i < c->n_inflight; i++) {
        c->out_bytes -= c->inflight[i]->len;
        cot_blob_unref(c->inflight[i]);
    }
    c->n_inflight = 0;
}

static void on_write_done(h2o_socket_t *sock, const char *err)
{
    struct cot_conn *c = sock->data;

    c->is_writing = false;
    release_inflight(c);
    if (err != NULL) {
        cot_conn_close(c, -1);
        return;
    }
    cot_conn_flush(c);
}

void cot_conn_send(struct cot_conn *c, struct cot_blob *b)
{
    if (c->is_closed)
        return;
    if (c->ssl != NULL) {
        if (!cot_tls_write(c, b->data, b->len)) {
            cot_conn_close(c, -1);
            return;
        }
    } else {
        b->refs++;
        cot_conn_queue(c, b);
    }
    cot_count(c->s, COT_C_SENT, 1);
    if (c->out_bytes > COT_OUT_MAX_BYTES)
        cot_conn_close(c, COT_C_CUT_SLOW);
}

void cot_conn_send_buf(struct cot_conn *c, const struct buf *b)
{
    struct cot_blob *bl;
    if (b->len == 0)
        return;
    bl = cot_blob_new(b->data, b->len);
    cot_conn_send(c, bl);
    cot_blob_unref(bl);
}

void cot_conn_flush_all(struct cot_server *s)
{
    h2o_linklist_t *node, *next;
    for (node = s->conns.next; node != &s->conns; node = next) {
        struct cot_conn *c = H2O_STRUCT_FROM_MEMBER(struct cot_conn, link, node);
        next = node->next;
        if (c->q_len > 0)
            cot_conn_flush(c);
    }
}

/* ---- closing --------------------------------------------------------------------- */

static void unlink_timer(h2o_timeout_entry_t *e)
{
    if (h2o_timeout_is_linked(e))
        h2o_timeout_unlink(e);
}

void cot_conn_close(struct cot_conn *c, int reason)
{
    struct cot_server *s = c->s;

    if (c->is_closed)
        return;
    c->is_closed = true;
    if (reason >= 0) {
        cot_count(s, (enum cot_counter)reason, 1);
        log_info("cot: %s %s cut off: %s", cot_transport(c), c->peer,
                 cot_metrics_labels((enum cot_counter)reason));
    }
    unlink_timer(&c->idle_entry);
    unlink_timer(&c->handshake_entry);
    if (h2o_linklist_is_linked(&c->backlog_link))
        h2o_linklist_unlink(&c->backlog_link);
    h2o_linklist_unlink(&c->link);
    h2o_linklist_insert(&s->dead, &c->link);
    s->n_conns--;
    atomic_fetch_sub(&s->clients[c->is_tls ? 1 : 0], 1);
    cot_welcome_forget(c);
    cot_ident_release(c);
    /* After h2o_socket_close h2o reads none of our buffers again. */
    h2o_socket_close(c->sock);
    c->sock = NULL;
    release_inflight(c);
    while (c->q_len > 0) {
        cot_blob_unref(c->q[c->q_head++]);
        c->q_len--;
    }
    if (!h2o_timeout_is_linked(&s->reap_entry))
        h2o_timeout_link(s->loop, &s->reap_to, &s->reap_entry);
}

static void conn_free(struct cot_conn *c)
{
    for (size_t i = 0; i < c->n_own; i++)
        free(c->own_uids[i]);
    free(c->ident_uid);
    free(c->q);
    if (c->ssl != NULL)
        SSL_free(c->ssl); /* frees both BIOs */
    buf_release(&c->in);
    arena_release(&c->user_arena);
    free(c);
}

void cot_conn_reap(struct cot_server *s)
{
    while (!h2o_linklist_is_empty(&s->dead)) {
        struct cot_conn *c = H2O_STRUCT_FROM_MEMBER(struct cot_conn, link, s->dead.next);
        h2o_linklist_unlink(&c->link);
        conn_free(c);
    }
}

void cot_conn_on_reap(h2o_timeout_entry_t *entry)
{
    cot_conn_reap(H2O_STRUCT_FROM_MEMBER(struct cot_server, reap_entry, entry));
}

static void on_idle(h2o_timeout_entry_t *entry)
{
    struct cot_conn *c = H2O_STRUCT_FROM_MEMBER(struct cot_conn, idle_entry, entry);
    cot_conn_close(c, COT_C_CUT_IDLE);
}

void cot_conn_touch(struct cot_conn *c)
{
    unlink_timer(&c->idle_entry);
    h2o_timeout_link(c->s->loop, &c->s->idle_to, &c->idle_entry);
}

/* ---- what a connection reported ------------------------------------------------------ */

void cot_conn_remember_uid(struct cot_conn *c, const char *uid)
{
    if (cot_conn_is_own(c, uid))
        return;
    if (c->n_own < COT_OWN_UIDS)
        c->own_uids[c->n_own++] = xstrdup(uid);
}

bool cot_conn_is_own(const struct cot_conn *c, const char *uid)
{
    for (size_t i = 0; uid != NULL && i < c->n_own; i++)
        if (strcmp(c->own_uids[i], uid) == 0)
            return true;
    return false;
}

/* ---- the rate ------------------------------------------------------------------------ */

/* A token bucket of rate_per_s, holding a second's worth. */
static bool take_token(struct cot_conn *c)
{
    struct cot_server *s = c->s;
    uint64_t now = cot_now_ms(s);
    double rate = s->rate_per_s;

    if (c->tokens_at_ms == 0) {
        c->tokens = rate;
    } else if (now > c->tokens_at_ms) {
        c->tokens += (double)(now - c->tokens_at_ms) * rate / 1000.0;
        if (c->tokens > rate)
            c->tokens = rate;
    }
    c->tokens_at_ms = now;
    if (c->tokens >= 1.0) {
        c->tokens -= 1.0;
        return true;
    }
    cot_count(s, COT_C_DROP_RATE, 1);
    /* 64 bits: rate_per_s is any int a caller of cot_server_start passes. */
    if (++c->dropped_this_s > (uint64_t)s->rate_per_s * COT_FLOOD_FACTOR)
        cot_conn_close(c, COT_C_CUT_FLOOD);
    return false;
}

void cot_conn_tick(struct cot_server *s)
{
    h2o_linklist_t *node, *next;

    for (node = s->conns.next; node != &s->conns; node = next) {
        struct cot_conn *c = H2O_STRUCT_FROM_MEMBER(struct cot_conn, link, node);
        next = node->next;
        c->over_s = c->dropped_this_s > 0 ? c->over_s + 1 : 0;
        c->dropped_this_s = 0;
        if (c->over_s >= COT_RATE_CUTOFF_S)
            cot_conn_close(c, COT_C_CUT_RATE);
    }
}

/* ---- reading ------------------------------------------------------------------------- */

size_t cot_conn_frame_events(struct cot_conn *c, const char *data, size_t len, bool *stopped)
{
    size_t used = 0;
    int turn = 0;

    *stopped = false;
    while (!c->is_closed && used < len) {
        size_t start = 0, end = 0;
        ph_err rc;
        if (cot_inbound_writer_is_full(c->s) || turn == COT_TURN_EVENTS) {
            *stopped = true;
            break;
        }
        rc = cot_frame(&c->framer, data + used, len - used, &start, &end);
        if (rc == PH_ETOOBIG) {
            cot_conn_close(c, COT_C_CUT_TOO_BIG);
            break;
        }
        if (rc != PH_OK) {
            cot_count(c->s, COT_C_PARSE_ERRORS, 1);
            cot_conn_close(c, COT_C_CUT_GARBAGE);
            break;
        }
        if (end == 0)
            break;
        if (take_token(c))
            cot_inbound_event(c, data + used + start, end - start);
        used += end;
        turn++;
        memset(&c->framer, 0, sizeof(c->framer));
    }
    return used;
}

static void on_read_tcp(h2o_socket_t *sock, const char *err)
{
    struct cot_conn *c = sock->data;
    bool stopped = false;
    size_t used;

    if (err != NULL) {
        cot_conn_close(c, -1);
        return;
    }
    cot_conn_touch(c);
    used = cot_conn_frame_events(c, sock->input->bytes, sock->input->size, &stopped);
    if (c->is_closed)
        return;
    h2o_buffer_consume(&sock->input, used);
    if (stopped)
        cot_conn_defer(c);
    cot_conn_flush(c);
}

static h2o_socket_cb read_cb(const struct cot_conn *c)
{
    return c->is_tls ? cot_tls_on_read : on_read_tcp;
}

/* ---- taking turns ---------------------------------------------------------------------- */

void cot_conn_defer(struct cot_conn *c)
{
    struct cot_server *s = c->s;

    if (c->is_closed)
        return;
    h2o_socket_read_stop(c->sock);
    if (!h2o_linklist_is_linked(&c->backlog_link))
        h2o_linklist_insert(&s->backlog, &c->backlog_link);
    if (!cot_inbound_writer_is_full(s) && !h2o_timeout_is_linked(&s->backlog_entry))
        h2o_timeout_link(s->loop, &s->backlog_to, &s->backlog_entry);
}

/* Those deferred again during the walk go to the end and wait for the next. */
void cot_conn_run_backlog(struct cot_server *s)
{
    size_t n = 0;
    h2o_linklist_t *node;

    for (node = s->backlog.next; node != &s->backlog; node = node->next)
        n++;
    while (n-- > 0 && !h2o_linklist_is_empty(&s->backlog) && !cot_inbound_writer_is_full(s)) {
        struct cot_conn *c = H2O_STRUCT_FROM_MEMBER(struct cot_conn, backlog_link, s->backlog.next);
        h2o_linklist_unlink(&c->backlog_link);
        h2o_socket_read_start(c->sock, read_cb(c));
        read_cb(c)(c->sock, NULL);
    }
    cot_conn_flush_all(s);
}

void cot_conn_on_backlog(h2o_timeout_entry_t *entry)
{
    cot_conn_run_backlog(H2O_STRUCT_FROM_MEMBER(struct cot_server, backlog_entry, entry));
}

/* ---- accepting ------------------------------------------------------------------------- */

static void name_peer(struct cot_conn *c)
{
    struct sockaddr_storage ss;
    socklen_t sl = h2o_socket_getpeername(c->sock, (struct sockaddr *)&ss);

    if (sl == 0 || h2o_socket_getnumerichost((struct sockaddr *)&ss, sl, c->peer) == SIZE_MAX)
        snprintf(c->peer, sizeof(c->peer), "unknown");
    else
        snprintf(c->peer + strlen(c->peer), sizeof(c->peer) - strlen(c->peer), ":%d",
                 (int)h2o_socket_getport((struct sockaddr *)&ss));
}

static struct cot_conn *conn_new(struct cot_server *s, h2o_socket_t *sock, bool is_tls)
{
    struct cot_conn *c = xcalloc(1, sizeof(*c));

    c->s = s;
    c->sock = sock;
    c->is_tls = is_tls;
    sock->data = c;
    arena_init(&c->user_arena);
    buf_init(&c->in, 2 * COT_EVENT_MAX_BYTES + COT_TLS_READ_BYTES);
    c->idle_entry.cb = on_idle;
    name_peer(c);
    h2o_linklist_insert(&s->conns, &c->link);
    s->n_conns++;
    atomic_fetch_add(&s->clients[is_tls ? 1 : 0], 1);
    cot_count(s, is_tls ? COT_C_CONN_TLS : COT_C_CONN_TCP, 1);
    return c;
}

void cot_conn_on_accept(h2o_socket_t *listener, const char *err)
{
    struct cot_server *s = listener->data;
    bool is_tls = listener == s->tls_l;
    h2o_socket_t *sock;
    struct cot_conn *c;

    if (err != NULL)
        return;
    sock = h2o_evloop_socket_accept(listener);
    if (sock == NULL)
        return;
    if (s->n_conns >= s->max_clients) {
        cot_count(s, COT_C_REFUSED_MAX, 1);
        h2o_socket_close(sock);
        return;
    }
    c = conn_new(s, sock, is_tls);
    if (is_tls && !cot_tls_conn_init(c)) {
        cot_conn_close(c, -1);
        return;
    }
    cot_conn_touch(c);
    h2o_socket_read_start(sock, read_cb(c));
}
