/* cot_server.c - the Cursor-on-Target listener: TAK clients over TCP, TLS and UDP;
 * here its start and stop, its thread and event loop, and the listening sockets.
 *
 * One thread, one h2o event loop. Every CoT connection, the UDP socket, the batch
 * of positions on its way to the writer and the relay to other clients live on
 * it, so the fan-out of a fix to every connection is a walk over a local list,
 * with no locking. Other threads reach the loop only through its multithread
 * queue: the writer's done() of our jobs, the live-position hub's fixes and the
 * event bus's batches, and the welcome thread's pictures: what a connection gets
 * once it is a person is read and rendered there (cot_welcome.c), so that no
 * read of many rows holds the loop and the relay. The rest of the listener, by
 * concern (cot_int.h):
 *
 *   client --bytes--> cot_conn.c (cot_tls.c) frame, rate --> cot_inbound.c parse,
 *      dispatch --> writer jobs --commit--> livepos_publish / the bus
 *   hub, bus --> cot_outbound.c --> each connection its person may see
 *   identified --> cot_welcome.c (its thread) --> the picture, to that connection
 *   cot_ident.c who each connection is; cot_udp.c datagrams; cot_metrics.c counts
 *
 * Limits, each counted (cot_server_metrics): connections (max_clients, refused
 * at accept), idle connections (idle_timeout_s), TLS handshakes that do not
 * finish, the per-connection rate, unsent output (a slow reader is cut off), the
 * event size, parse errors, UDP per source address and for all sources together,
 * the writer's backlog and the relay's.
 *
 * Stopping. The hub and the bus cannot unsubscribe, so they call a tap that
 * outlives the listener; stop clears it first, under its mutex, so no tap posts
 * afterwards. Then no new connections or events, and nothing accepted lost: the
 * waiting batch goes to the writer, and the loop runs until every job came back.
 * The queue is dismantled only once no other thread is inside a send to it
 * (s->posting): h2o_multithread_send_message writes its wake-up byte after
 * releasing the queue's lock, so the message can arrive, and the loop finish,
 * while the sender still holds the queue's address and pipe. */
#include "util/base.h"
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <unistd.h>
#include "net/cot_int.h"
#include "core/session.h"
#include "events/bus.h"
#include "events/livepos.h"
#include "store/store.h"
#include "util/log.h"
#include "util/dsn.h"

static pthread_mutex_t retired_mu = PTHREAD_MUTEX_INITIALIZER;
static struct cot_tap *retired_taps;

/* ---- the loop ------------------------------------------------------------------------------- */

/* Once a second: the rate windows, and identities whose person or device changed. */
static void on_tick(h2o_timeout_entry_t *entry)
{
    struct cot_server *s = H2O_STRUCT_FROM_MEMBER(struct cot_server, tick_entry, entry);

    cot_conn_tick(s);
    cot_ident_recheck(s);
    cot_conn_flush_all(s);
    h2o_timeout_link(s->loop, &s->tick_to, &s->tick_entry);
}

/* Stop's wake-up carries no message: the loop sees s->stopping. */
static void on_stop(h2o_multithread_receiver_t *rx, h2o_linklist_t *messages)
{
    (void)rx;
    while (!h2o_linklist_is_empty(messages))
        h2o_linklist_unlink(messages->next);
}

static h2o_socket_t *listen_on(struct cot_server *s, int fd, h2o_socket_cb cb)
{
    h2o_socket_t *sock;
    if (fd < 0)
        return NULL;
    sock = h2o_evloop_socket_create(s->loop, fd, H2O_SOCKET_FLAG_DONT_READ);
    sock->data = s;
    h2o_socket_read_start(sock, cb);
    return sock;
}

static void close_listener(h2o_socket_t **l)
{
    if (*l == NULL)
        return;
    h2o_socket_read_stop(*l);
    h2o_socket_close(*l);
    *l = NULL;
}

static void unlink_timer(h2o_timeout_entry_t *e)
{
    if (h2o_timeout_is_linked(e))
        h2o_timeout_unlink(e);
}

static void loop_init(struct cot_server *s)
{
    uint64_t idle_ms = (uint64_t)s->idle_timeout_s * 1000;

    s->loop = h2o_evloop_create();
    s->queue = h2o_multithread_create_queue(s->loop);
    h2o_multithread_register_receiver(s->queue, &s->stop_rx, on_stop);
    h2o_multithread_register_receiver(s->queue, &s->done_rx, cot_inbound_on_done);
    h2o_multithread_register_receiver(s->queue, &s->fix_rx, cot_outbound_on_fixes);
    h2o_multithread_register_receiver(s->queue, &s->bus_rx, cot_outbound_on_bus_events);
    h2o_multithread_register_receiver(s->queue, &s->welcome_rx, cot_welcome_on_done);
    h2o_timeout_init(s->loop, &s->idle_to, idle_ms);
    h2o_timeout_init(s->loop, &s->handshake_to,
                     idle_ms < COT_TLS_HANDSHAKE_MS ? idle_ms : COT_TLS_HANDSHAKE_MS);
    h2o_timeout_init(s->loop, &s->batch_to, COT_BATCH_DELAY_MS);
    h2o_timeout_init(s->loop, &s->tick_to, 1000);
    h2o_timeout_init(s->loop, &s->reap_to, 0);
    h2o_timeout_init(s->loop, &s->backlog_to, 0);
    s->backlog_entry.cb = cot_conn_on_backlog;
    s->batch_entry.cb = cot_inbound_on_batch_timer;
    s->tick_entry.cb = on_tick;
    s->reap_entry.cb = cot_conn_on_reap;
    h2o_timeout_link(s->loop, &s->tick_to, &s->tick_entry);
    s->tcp_l = listen_on(s, s->tcp_fd, cot_conn_on_accept);
    s->tls_l = listen_on(s, s->tls_fd, cot_conn_on_accept);
    s->udp_sock = listen_on(s, s->udp_fd, cot_udp_on_read);
    s->generation = session_generation();
}

/* Nothing new comes in; what was accepted reaches the writer and comes back. */
static void loop_drain(struct cot_server *s)
{
    h2o_linklist_t *node, *next;

    close_listener(&s->tcp_l);
    close_listener(&s->tls_l);
    close_listener(&s->udp_sock);
    for (node = s->conns.next; node != &s->conns; node = next) {
        next = node->next;
        cot_conn_close(H2O_STRUCT_FROM_MEMBER(struct cot_conn, link, node), -1);
    }
    cot_welcome_stop(s); /* its last picture, if any, is freed by the turns below */
    cot_inbound_batch_flush(s, true);
    while (s->jobs_in_flight > 0 || s->batch != NULL) {
        h2o_evloop_run(s->loop, 10);
        cot_inbound_batch_flush(s, true);
    }
    while (atomic_load(&s->posting) > 0) /* a done() or stop still inside its send */
        h2o_evloop_run(s->loop, 1);
    h2o_evloop_run(s->loop, 0); /* messages already queued, sockets to free */
}

static void loop_destroy(struct cot_server *s)
{
    unlink_timer(&s->tick_entry);
    unlink_timer(&s->batch_entry);
    unlink_timer(&s->reap_entry);
    unlink_timer(&s->backlog_entry);
    cot_conn_reap(s);
    h2o_multithread_unregister_receiver(s->queue, &s->stop_rx);
    h2o_multithread_unregister_receiver(s->queue, &s->done_rx);
    h2o_multithread_unregister_receiver(s->queue, &s->fix_rx);
    h2o_multithread_unregister_receiver(s->queue, &s->bus_rx);
    h2o_multithread_unregister_receiver(s->queue, &s->welcome_rx);
    h2o_multithread_destroy_queue(s->queue);
    h2o_evloop_run(s->loop, 0);
    /* h2o 2.2.5's evloop build closes the queue's socket but never frees the
     * queue itself (h2o_multithread_create_queue allocated it with malloc). */
    free(s->queue);
    s->queue = NULL;
    h2o_timeout_dispose(s->loop, &s->idle_to);
    h2o_timeout_dispose(s->loop, &s->handshake_to);
    h2o_timeout_dispose(s->loop, &s->batch_to);
    h2o_timeout_dispose(s->loop, &s->tick_to);
    h2o_timeout_dispose(s->loop, &s->reap_to);
    h2o_timeout_dispose(s->loop, &s->backlog_to);
    h2o_evloop_destroy(s->loop);
}

static void *cot_main(void *arg)
{
    struct cot_server *s = arg;

    loop_init(s);
    pthread_barrier_wait(&s->ready);
    while (!atomic_load(&s->stopping))
        h2o_evloop_run(s->loop, INT32_MAX);
    loop_drain(s);
    loop_destroy(s);
    return NULL;
}

/* ---- sockets ----------------------------------------------------------------------------------
 */

static ph_err split_host_port(const char *text, char *host, size_t hsize, char *port, size_t psize)
{
    const char *colon = strrchr(text, ':');
    size_t hl;

    if (colon == NULL || colon == text || colon[1] == '\0')
        return PH_EINVAL;
    hl = (size_t)(colon - text);
    if (text[0] == '[' && hl >= 2 && text[hl - 1] == ']') { /* [::1]:8087 */
        text++;
        hl -= 2;
    }
    if (hl >= hsize || strlen(colon + 1) >= psize)
        return PH_EINVAL;
    memcpy(host, text, hl);
    host[hl] = '\0';
    snprintf(port, psize, "%s", colon + 1);
    return PH_OK;
}

/* A bound socket (listening when stream) on text "HOST:PORT"; *bound gets the
 * address with the port the kernel chose. */
static ph_err open_socket(const char *what, const char *text, bool stream, int *fd_out, char *bound,
                          size_t bsize)
{
    char host[256], port[16];
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = stream ? SOCK_STREAM : SOCK_DGRAM,
                             .ai_flags = AI_PASSIVE};
    struct addrinfo *ai = NULL;
    struct sockaddr_storage addr;
    socklen_t alen = sizeof(addr);
    int fd = -1, on = 1, gai, p;
    ph_err rc = PH_EINVAL;

    if (split_host_port(text, host, sizeof(host), port, sizeof(port)) != PH_OK) {
        log_error("cot: --%s wants HOST:PORT, got '%s'", what, text);
        goto out;
    }
    if ((gai = getaddrinfo(host, port, &hints, &ai)) != 0) {
        log_error("cot: cannot resolve %s: %s", text, gai_strerror(gai));
        goto out;
    }
    rc = PH_EIO;
    fd = socket(ai->ai_family, (stream ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC | SOCK_NONBLOCK,
                0);
    if (fd < 0 || (stream && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0) ||
        bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || (stream && listen(fd, SOMAXCONN) != 0) ||
        getsockname(fd, (struct sockaddr *)&addr, &alen) != 0) {
        log_error("cot: cannot listen on %s: %s", text, strerror(errno));
        goto out;
    }
    p = ntohs(addr.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&addr)->sin6_port
                                         : ((struct sockaddr_in *)&addr)->sin_port);
    snprintf(bound, bsize, addr.ss_family == AF_INET6 ? "[%s]:%d" : "%s:%d", host, p);
    *fd_out = fd;
    fd = -1;
    rc = PH_OK;
out:
    if (fd >= 0)
        close(fd);
    if (ai != NULL)
        freeaddrinfo(ai);
    return rc;
}

/* Where each listener is bound ("" when off), for the lines tests read. */
struct bound {
    char tcp[300], tls[300], udp[300];
};

static ph_err open_listeners(struct cot_server *s, const struct cot_config *cfg, struct bound *at)
{
    ph_err rc = PH_OK;

    if (cfg->listen != NULL)
        rc = open_socket("cot-listen", cfg->listen, true, &s->tcp_fd, at->tcp, sizeof(at->tcp));
    if (rc == PH_OK && cfg->tls_listen != NULL) {
        rc = cot_tls_ctx_new(cfg, &s->ssl_ctx);
        if (rc == PH_OK)
            rc = open_socket("cot-tls-listen", cfg->tls_listen, true, &s->tls_fd, at->tls,
                             sizeof(at->tls));
    }
    if (rc == PH_OK && cfg->udp_listen != NULL)
        rc = open_socket("cot-udp-listen", cfg->udp_listen, false, &s->udp_fd, at->udp,
                         sizeof(at->udp));
    return rc;
}

static void print_listening(const struct cot_server *s, const struct bound *at)
{
    if (at->tcp[0] != '\0')
        printf("phoihop: cot listening on tcp://%s\n", at->tcp);
    if (at->udp[0] != '\0')
        printf("phoihop: cot listening on udp://%s\n", at->udp);
    if (at->tls[0] != '\0')
        printf("phoihop: cot listening on tls://%s\n", at->tls);
    fflush(stdout);
    log_info("cot: listening%s%s%s%s%s%s (rate %d/s, idle %d s, at most %d clients)",
             at->tcp[0] ? " tcp " : "", at->tcp, at->udp[0] ? " udp " : "", at->udp,
             at->tls[0] ? " tls " : "", at->tls, s->rate_per_s, s->idle_timeout_s, s->max_clients);
}

/* ---- start and stop
 * ------------------------------------------------------------------------------ */

static struct cot_server *server_new(const struct cot_config *cfg, struct writer *w, struct bus *b,
                                     struct livepos *lp)
{
    struct cot_server *s = xcalloc(1, sizeof(*s));

    s->tcp_fd = s->tls_fd = s->udp_fd = -1;
    s->max_clients = cfg->max_clients > 0 ? cfg->max_clients : 1000;
    s->idle_timeout_s = cfg->idle_timeout_s > 0 ? cfg->idle_timeout_s : 120;
    s->rate_per_s = cfg->rate_per_s > 0 ? cfg->rate_per_s : 50;
    s->stale_ms = (int64_t)(cfg->stale_s > 0 ? cfg->stale_s : 120) * 1000;
    s->writer = w;
    s->bus = b;
    s->hub = lp;
    h2o_linklist_init_anchor(&s->conns);
    h2o_linklist_init_anchor(&s->dead);
    h2o_linklist_init_anchor(&s->backlog);
    cot_udp_init(s);
    return s;
}

static void server_free(struct cot_server *s)
{
    if (s == NULL)
        return;
    /* Once the thread ran, the listeners' h2o sockets closed the descriptors. */
    if (s->tcp_fd >= 0 && !s->started)
        close(s->tcp_fd);
    if (s->tls_fd >= 0 && !s->started)
        close(s->tls_fd);
    if (s->udp_fd >= 0 && !s->started)
        close(s->udp_fd);
    cot_welcome_stop(s); /* when the loop never ran */
    store_close(s->st);
    SSL_CTX_free(s->ssl_ctx);
    cot_udp_release(s);
    free(s);
}

static ph_err start_thread(struct cot_server *s)
{
    pthread_barrier_init(&s->ready, NULL, 2);
    if (pthread_create(&s->thread, NULL, cot_main, s) != 0) {
        pthread_barrier_destroy(&s->ready);
        return PH_EIO;
    }
    s->started = true;
    pthread_barrier_wait(&s->ready);
    pthread_barrier_destroy(&s->ready);
    return PH_OK;
}

static void subscribe(struct cot_server *s)
{
    s->tap = xcalloc(1, sizeof(*s->tap));
    pthread_mutex_init(&s->tap->mu, NULL);
    s->tap->s = s;
    if (s->hub != NULL)
        livepos_subscribe(s->hub, cot_outbound_on_hub, s->tap);
    if (s->bus != NULL)
        bus_subscribe(s->bus, cot_outbound_on_bus, s->tap);
}

ph_err cot_server_start(const struct cot_config *cfg, const char *dsn, struct writer *w,
                        struct bus *b, struct livepos *lp, struct cot_server **out)
{
    struct cot_server *s;
    struct bound at = {"", "", ""};
    ph_err rc;

    cot_init();
    s = server_new(cfg, w, b, lp);
    rc = open_listeners(s, cfg, &at);
    if (rc == PH_OK && store_open(dsn, &s->st) != PH_OK) {
        char shown[512];
        log_error("cot: cannot open the database %s", dsn_redact(dsn, shown, sizeof(shown)));
        rc = PH_ESTORE;
    }
    if (rc == PH_OK)
        rc = cot_welcome_start(s, dsn);
    if (rc == PH_OK)
        rc = start_thread(s);
    if (rc != PH_OK)
        goto out;
    subscribe(s);
    print_listening(s, &at);
    *out = s;
    s = NULL;
out:
    server_free(s);
    return rc;
}

/* No call from the hub or the bus reaches s after this. */
static void retire_tap(struct cot_tap *tap)
{
    pthread_mutex_lock(&tap->mu);
    tap->s = NULL;
    pthread_mutex_unlock(&tap->mu);
    pthread_mutex_lock(&retired_mu);
    tap->next = retired_taps;
    retired_taps = tap;
    pthread_mutex_unlock(&retired_mu);
}

void cot_server_stop(struct cot_server *s)
{
    if (s == NULL)
        return;
    if (s->tap != NULL)
        retire_tap(s->tap);
    if (s->started) {
        atomic_fetch_add(&s->posting, 1); /* before stopping: the loop must wait for this send */
        atomic_store(&s->stopping, true);
        h2o_multithread_send_message(&s->stop_rx, NULL);
        atomic_fetch_sub(&s->posting, 1);
        pthread_join(s->thread, NULL);
    }
    server_free(s);
}
