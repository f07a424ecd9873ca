/* server.c - the HTTP door's engine: one h2o event loop per core, each accepting on
 * its own SO_REUSEPORT socket (the kernel spreads connections), one shared writer
 * thread (group commit), a small worker pool (argon2id), the event bus (committed
 * events to every loop's live feed) and the deadline scheduler. Signals are taken
 * by the main thread with sigwait(), which then wakes every loop through its
 * multithread queue, so no handler runs in signal context. */
#include "util/base.h"
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sodium.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "http/http_int.h"
#include "http/async.h"
#include "http/auth.h"
#include "http/metrics.h"
#include "http/req.h"
#include "http/resp.h"
#include "http/router.h"
#include "core/attachment.h"
#include "core/workpool.h"
#include "core/writer.h"
#include "events/bus.h"
#include "events/cluster.h"
#include "events/livepos.h"
#include "events/scheduler.h"
#include "net/cot_server.h"
#include "security/password.h"
#include "store/store.h"
#include "util/dsn.h"
#include "util/limits.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/time.h"

static h2o_globalconf_t globalconf;
/* The loops' state outlives http_serve(): connections still open at shutdown keep
 * pointers into it until the process exits. */
static struct http_thread *volatile loop_threads;

void *http_pool_alloc(void *pool, size_t n)
{
    return h2o_mem_alloc_pool((h2o_mem_pool_t *)pool, n);
}

static void dispose_json_body(void *p)
{
    json_t **slot = p;
    json_decref(*slot);
}

static void client_address(h2o_req_t *h, char *out, size_t size)
{
    struct sockaddr_storage ss;
    socklen_t len = h->conn->callbacks->get_peername(h->conn, (struct sockaddr *)&ss);
    snprintf(out, size, "unknown");
    if (len == 0)
        return;
    if (ss.ss_family == AF_INET)
        inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, out, (socklen_t)size);
    else if (ss.ss_family == AF_INET6)
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, out, (socklen_t)size);
}

static bool is_json_content_type(h2o_req_t *h)
{
    ssize_t i = h2o_find_header(&h->headers, H2O_TOKEN_CONTENT_TYPE, -1);
    if (i < 0)
        return false;
    h2o_iovec_t v = h->headers.entries[i].value;
    static const char want[] = "application/json";
    if (v.len < sizeof(want) - 1 || strncasecmp(v.base, want, sizeof(want) - 1) != 0)
        return false;
    /* Allow parameters ("; charset=utf-8"), nothing else glued on. */
    return v.len == sizeof(want) - 1 || v.base[sizeof(want) - 1] == ';' ||
           v.base[sizeof(want) - 1] == ' ';
}

/* Parse the JSON object body into r->body; answers and returns false on error. */
static bool read_json_body(struct req *r)
{
    h2o_req_t *h = r->h2o;
    if (h->entity.base == NULL || h->entity.len == 0) {
        resp_error_raw(r, 400, "malformed", "a JSON object body is required",
                       "cần nội dung là một đối tượng JSON", NULL);
        return false;
    }
    if (!is_json_content_type(h)) {
        resp_error_raw(r, 415, "unsupported_media_type", "the body must be application/json",
                       "nội dung phải là application/json", "Content-Type");
        return false;
    }
    if (h->entity.len > HTTP_MAX_JSON_BODY_BYTES) {
        resp_error(r, PH_ETOOBIG, NULL);
        return false;
    }
    json_error_t jerr;
    /* jansson rejects invalid UTF-8 and NUL in strings unless told otherwise. */
    json_t *body = json_loadb(h->entity.base, h->entity.len, JSON_REJECT_DUPLICATES, &jerr);
    /* Bodies carry passwords: the raw copy is not needed once parsed. */
    sodium_memzero((void *)h->entity.base, h->entity.len);
    if (body == NULL) {
        char msg[240], msg_vi[240];
        snprintf(msg, sizeof(msg), "malformed JSON at line %d column %d: %s", jerr.line,
                 jerr.column, jerr.text);
        snprintf(msg_vi, sizeof(msg_vi), "JSON sai định dạng tại dòng %d cột %d: %s", jerr.line,
                 jerr.column, jerr.text);
        resp_error_raw(r, 400, "malformed", msg, msg_vi, NULL);
        return false;
    }
    /* Linked to the pool: json_decref runs when the request is disposed. */
    json_t **slot = h2o_mem_alloc_shared(&h->pool, sizeof(*slot), dispose_json_body);
    *slot = body;
    if (!json_is_object(body)) {
        resp_error_raw(r, 400, "malformed", "the body must be a JSON object",
                       "nội dung phải là một đối tượng JSON", NULL);
        return false;
    }
    r->body = body;
    return true;
}

static int on_req(h2o_handler_t *self, h2o_req_t *h)
{
    /* The context is embedded in our thread state. */
    struct http_thread *t = H2O_STRUCT_FROM_MEMBER(struct http_thread, ctx, h->conn->ctx);
    struct req *r = h2o_mem_alloc_pool(&h->pool, sizeof(*r));
    memset(r, 0, sizeof(*r));
    r->h2o = h;
    r->t = t;
    r->start_ns = time_mono_ns();
    r->route_index = (int)router_count();
    arena_init_hook(&r->arena, http_pool_alloc, &h->pool);
    client_address(h, r->client, sizeof(r->client));
    r->cx = (struct core_ctx){.st = t->st, .arena = &r->arena, .user = &r->user,
                              .client = r->client, .now_ms = time_now_ms()};

    bool path_known = false;
    char allow[64];
    int idx = router_match(r, h->method.base, h->method.len, h->path_normalized.base,
                           h->path_normalized.len, &path_known, allow, sizeof(allow));
    if (idx < 0) {
        if (path_known) {
            resp_header(r, "allow", allow);
            return resp_error_raw(r, 405, "method_not_allowed", "method not allowed here",
                                  "phương thức không được phép ở đây", NULL);
        }
        return resp_error_raw(r, 404, "not_found", "no such resource", "không có tài nguyên này",
                              NULL);
    }
    r->route_index = idx;
    r->route = router_get((size_t)idx);
    if (r->route->auth == ROUTE_USER) {
        api_stream_query_token(r);
        ph_err rc = auth_request(r);
        if (rc != PH_OK) {
            resp_header(r, "www-authenticate", "Bearer");
            return resp_error(r, rc, "Authorization");
        }
    }
    if (r->route->json_body == ROUTE_JSON_BODY && !read_json_body(r))
        return 0;
    /* h2o takes bodies up to the attachment limit; no other route takes more than
     * a JSON body may be. A raw-body route checks its own limit. */
    if (r->route->json_body != ROUTE_RAW_BODY && h->entity.len > HTTP_MAX_JSON_BODY_BYTES)
        return resp_error(r, PH_ETOOBIG, NULL);
    return r->route->handler(r);
}

/* ---- loops ------------------------------------------------------------------- */

static void on_accept(h2o_socket_t *listener, const char *err);

static void on_accept_resume(h2o_timeout_entry_t *entry)
{
    struct http_thread *t = H2O_STRUCT_FROM_MEMBER(struct http_thread, accept_resume, entry);
    if (t->listener != NULL)
        h2o_socket_read_start(t->listener, on_accept);
}

static void on_accept(h2o_socket_t *listener, const char *err)
{
    struct http_thread *t = listener->data;
    if (err != NULL)
        return;
    h2o_socket_t *sock = h2o_evloop_socket_accept(listener);
    if (sock == NULL) {
        /* Out of descriptors, the connection stays queued and the listener stays
         * readable: without a pause the loop would spin. */
        if (errno == EMFILE || errno == ENFILE) {
            h2o_socket_read_stop(listener);
            if (!h2o_timeout_is_linked(&t->accept_resume))
                h2o_timeout_link(t->ctx.loop, &t->accept_backoff, &t->accept_resume);
        }
        return;
    }
    h2o_accept(&t->accept_ctx, sock);
}

static void close_listener(struct http_thread *t)
{
    if (t->listener == NULL)
        return;
    if (h2o_timeout_is_linked(&t->accept_resume))
        h2o_timeout_unlink(&t->accept_resume);
    h2o_socket_read_stop(t->listener);
    h2o_socket_close(t->listener);
    t->listener = NULL;
}

/* The main thread only wakes the loop (no messages); loop_main looks at the flags. */
static void on_stop(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages)
{
    (void)receiver;
    while (!h2o_linklist_is_empty(messages))
        h2o_linklist_unlink(messages->next);
}

struct thread_start {
    struct http_thread *t;
    int fd;
    pthread_barrier_t *ready;
};

static void *loop_main(void *arg)
{
    struct thread_start *ts = arg;
    struct http_thread *t = ts->t;
    h2o_context_init(&t->ctx, h2o_evloop_create(), &globalconf);
    t->accept_ctx.ctx = &t->ctx;
    t->accept_ctx.hosts = globalconf.hosts;
    t->queue = h2o_multithread_create_queue(t->ctx.loop);
    h2o_multithread_register_receiver(t->queue, &t->done_receiver, http_async_on_done);
    h2o_multithread_register_receiver(t->queue, &t->stop_receiver, on_stop);
    api_stream_loop_init(t);
    h2o_timeout_init(t->ctx.loop, &t->accept_backoff, 100);
    t->accept_resume.cb = on_accept_resume;
    t->listener = h2o_evloop_socket_create(t->ctx.loop, ts->fd, H2O_SOCKET_FLAG_DONT_READ);
    t->listener->data = t;
    h2o_socket_read_start(t->listener, on_accept);
    pthread_barrier_wait(ts->ready);

    /* The main thread's wake-ups make h2o_evloop_run return (a message-less wake-up
     * calls no receiver): the flags are checked here. */
    while (!atomic_load(&t->stopping)) {
        h2o_evloop_run(t->ctx.loop, INT32_MAX);
        if (atomic_load(&t->closing)) {
            close_listener(t);
            /* Live feeds never end by themselves: end them now, or keep-alive
             * clients would hold connections through the drain. */
            api_stream_close_all(t);
        }
    }

    close_listener(t);
    api_stream_close_all(t);
    /* Let answers already queued go out, briefly (and the bus's last batches reach
     * this loop's receiver, which drops their references). */
    uint64_t until = time_mono_ns() + 200000000u;
    while (time_mono_ns() < until)
        h2o_evloop_run(t->ctx.loop, 20);
    return NULL;
}

/* ---- listening sockets -------------------------------------------------------- */

static ph_err split_listen(const char *listen, char *host, size_t hsize, char *port, size_t psize)
{
    const char *colon = strrchr(listen, ':');
    if (colon == NULL || colon == listen || colon[1] == '\0')
        return PH_EINVAL;
    size_t hl = (size_t)(colon - listen);
    if (listen[0] == '[' && hl >= 2 && listen[hl - 1] == ']') { /* [::1]:8080 */
        listen++;
        hl -= 2;
    }
    if (hl >= hsize || strlen(colon + 1) >= psize)
        return PH_EINVAL;
    memcpy(host, listen, hl);
    host[hl] = '\0';
    snprintf(port, psize, "%s", colon + 1);
    return PH_OK;
}

/* Open n SO_REUSEPORT sockets on the same address; port 0 is resolved by the
 * first so the others join it. */
static ph_err open_listeners(const char *addr_text, int n, int *fds, char *bound, size_t bsize)
{
    char host[256], port[16];
    if (split_listen(addr_text, host, sizeof(host), port, sizeof(port)) != PH_OK) {
        log_error("http: --listen wants HOST:PORT, got '%s'", addr_text);
        return PH_EINVAL;
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
    struct addrinfo *ai = NULL;
    int gai = getaddrinfo(host, port, &hints, &ai);
    if (gai != 0) {
        log_error("http: cannot resolve %s: %s", addr_text, gai_strerror(gai));
        return PH_EINVAL;
    }
    struct sockaddr_storage addr;
    socklen_t alen = (socklen_t)ai->ai_addrlen;
    memcpy(&addr, ai->ai_addr, ai->ai_addrlen);
    int family = ai->ai_family;
    freeaddrinfo(ai);
    /* SO_REUSEPORT would let us share a port with another phoihop (or anything of
     * the same user) and silently split its connections: first make sure the port
     * is free with a plain socket. Port 0 asks the kernel for a free one anyway. */
    if (strcmp(port, "0") != 0) {
        int probe = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0), on = 1;
        if (probe < 0 || setsockopt(probe, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0 ||
            bind(probe, (struct sockaddr *)&addr, alen) != 0) {
            log_error("http: cannot listen on %s: %s", addr_text, strerror(errno));
            if (probe >= 0)
                close(probe);
            return PH_EIO;
        }
        close(probe);
    }
    for (int i = 0; i < n; i++) {
        int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0), on = 1;
        if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0 ||
            setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) != 0 ||
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) != 0 ||
            bind(fd, (struct sockaddr *)&addr, alen) != 0 || listen(fd, SOMAXCONN) != 0) {
            log_error("http: cannot listen on %s: %s", addr_text, strerror(errno));
            if (fd >= 0)
                close(fd);
            for (int k = 0; k < i; k++)
                close(fds[k]);
            return PH_EIO;
        }
        if (i == 0) /* learn the port the kernel chose, for the others and the banner */
            getsockname(fd, (struct sockaddr *)&addr, &alen);
        fds[i] = fd;
    }
    int p = ntohs(family == AF_INET6 ? ((struct sockaddr_in6 *)&addr)->sin6_port
                                     : ((struct sockaddr_in *)&addr)->sin_port);
    snprintf(bound, bsize, family == AF_INET6 ? "[%s]:%d" : "%s:%d", host, p);
    return PH_OK;
}

/* The writer stops announcing commits, then the bus stops: no more batches to
 * the loops or to the scheduler, which it calls. Either may be NULL. */
static void stop_bus(struct writer *writer, struct bus **bus)
{
    if (writer != NULL)
        writer_set_on_commit(writer, NULL, NULL);
    metrics_register_bus(NULL); /* the loops still answer /metrics */
    bus_stop(*bus);
    *bus = NULL;
}

/* Seconds a shutdown waits for writes in flight (systemd's stop timeout is 30 s). */
#define HTTP_DRAIN_S 20

/* Every connection is a descriptor: take the hard limit, not the usual 1024. */
static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

int http_serve(const struct http_config *cfg)
{
    int nthreads = cfg->threads > 0 ? cfg->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (nthreads < 1)
        nthreads = 1;
    if (nthreads > 64)
        nthreads = 64;
    int status = 1;
    char dsn_buf[512];
    const char *dsn_shown = dsn_redact(cfg->dsn, dsn_buf, sizeof(dsn_buf)); /* no password in logs */
    struct writer *writer = NULL;
    struct workpool *pool = NULL;
    struct bus *bus = NULL;
    struct scheduler *sched = NULL;
    struct cluster *cluster = NULL; /* other nodes on the same database (events/cluster.h) */
    struct cot_server *cot = NULL; /* the CoT listener: started last, stopped first */
    struct livepos *livepos = livepos_create(); /* committed positions to the live feeds */
    struct http_thread *threads = loop_threads = xcalloc((size_t)nthreads, sizeof(*threads));
    struct metrics_thread **mt = xcalloc((size_t)nthreads, sizeof(*mt));
    int *fds = xcalloc((size_t)nthreads, sizeof(*fds));
    pthread_t *tids = xcalloc((size_t)nthreads, sizeof(*tids));
    struct thread_start *starts = xcalloc((size_t)nthreads, sizeof(*starts));
    int opened = 0, started = 0;
    char bound[300];
    sigset_t sigs;

    /* Signals go to sigwait below, never to another thread: block them before the
     * first thread (the writer, the workers, the loops) starts. */
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);
    raise_fd_limit();

    session_configure(&cfg->session);
    router_init();
    api_stream_configure();
    if (password_lib_init() != PH_OK)
        goto out;
    /* Open (and migrate) the database before anything listens. */
    for (; opened < nthreads; opened++) {
        if (store_open(cfg->dsn, &threads[opened].st) != PH_OK) {
            log_error("http: cannot open the database %s", dsn_shown);
            goto out;
        }
    }
    if (writer_start(cfg->dsn, &writer) != PH_OK) {
        log_error("http: cannot start the writer on %s", dsn_shown);
        goto out;
    }
    /* The bus starts after the writer and at the outbox's current end; from now on
     * every commit wakes it. */
    if (bus_start(cfg->dsn, &bus) != PH_OK) {
        log_error("http: cannot start the event bus on %s", dsn_shown);
        goto out;
    }
    bus_attach(bus, writer);
    /* Other nodes' commits wake the bus too, and positions go both ways. */
    if (store_shared(threads[0].st)) {
        if (cluster_start(cfg->dsn, bus, livepos, &cluster) != PH_OK) {
            log_error("http: cannot join the other nodes on %s", dsn_shown);
            goto out;
        }
        metrics_register_cluster(cluster);
    }
    if (scheduler_start(cfg->dsn, writer, bus, &sched) != PH_OK) {
        log_error("http: cannot start the deadline scheduler on %s", dsn_shown);
        goto out;
    }
    scheduler_set_retention(sched, &cfg->retention);
    scheduler_set_hotspots(sched, NULL, cfg->hotspot_interval_ms);
    if (workpool_start(cfg->workers > 0 ? cfg->workers : 2, 1024, &pool) != PH_OK)
        goto out;
    if (open_listeners(cfg->listen, nthreads, fds, bound, sizeof(bound)) != PH_OK) {
        memset(fds, -1, (size_t)nthreads * sizeof(*fds));
        goto out;
    }

    h2o_config_init(&globalconf);
    globalconf.server_name = h2o_iovec_init(H2O_STRLIT("phoihop"));
    /* h2o buffers a body before routing or authentication, so this is what an
     * anonymous client can make us hold per request: the largest body a route
     * takes (an attachment) plus a margin, HTTP_MAX_ENTITY_BYTES by default.
     * Bodies between a route's limit and this get our JSON 413; larger ones
     * h2o's plain-text 413. */
    size_t body_max = attachment_max_bytes();
    if (body_max < HTTP_MAX_JSON_BODY_BYTES)
        body_max = HTTP_MAX_JSON_BODY_BYTES;
    globalconf.max_request_entity_size = body_max + HTTP_ENTITY_MARGIN_BYTES;
    globalconf.http2.max_concurrent_requests_per_connection = 32;
    h2o_hostconf_t *host = h2o_config_register_host(&globalconf, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    h2o_pathconf_t *path = h2o_config_register_path(host, "/", 0);
    h2o_handler_t *handler = h2o_create_handler(path, sizeof(*handler));
    handler->on_req = on_req;

    for (int i = 0; i < nthreads; i++) {
        struct http_thread *t = &threads[i];
        t->index = i;
        t->writer = writer;
        t->workpool = pool;
        t->scheduler = sched;
        t->auth = auth_cache_new();
        t->metrics = mt[i] = metrics_thread_new();
        t->cfg = cfg;
        t->livepos = livepos;
    }
    metrics_register(mt, nthreads);
    metrics_register_bus(bus);
    /* One subscription per loop; a loop without streams is skipped by it. */
    for (int i = 0; i < nthreads; i++) {
        threads[i].bus = bus;
        bus_subscribe(bus, api_stream_deliver, &threads[i]);
    }
    for (int i = 0; i < nthreads; i++)
        livepos_subscribe(livepos, api_stream_positions, &threads[i]);
    /* CoT after the writer, the bus and the hub it uses; its "cot listening" lines
     * come before ours. No address at all: --no-cot. */
    if (cfg->cot.listen != NULL || cfg->cot.udp_listen != NULL || cfg->cot.tls_listen != NULL) {
        if (cot_server_start(&cfg->cot, cfg->dsn, writer, bus, livepos, &cot) != PH_OK) {
            log_error("http: cannot start the CoT listener");
            goto out;
        }
        metrics_register_cot(cot);
    }

    pthread_barrier_t ready;
    pthread_barrier_init(&ready, NULL, (unsigned)nthreads + 1);
    for (; started < nthreads; started++) {
        starts[started] = (struct thread_start){&threads[started], fds[started], &ready};
        h2o_multithread_create_thread(&tids[started], NULL, loop_main, &starts[started]);
    }
    pthread_barrier_wait(&ready);
    pthread_barrier_destroy(&ready);
    printf("phoihop: listening on http://%s\n", bound);
    fflush(stdout);
    log_info("http: %d event loops on %s, database %s", nthreads, bound, dsn_shown);

    int sig = 0;
    sigwait(&sigs, &sig);
    log_info("http: signal %d, shutting down", sig);
    /* TAK clients first: their last reports go to the writer, which still runs. */
    metrics_register_cot(NULL);
    cot_server_stop(cot);
    cot = NULL;
    /* Stop accepting and refuse new writes, but keep the loops running until every
     * write already submitted has committed and been answered (or a deadline). */
    http_async_drain();
    for (int i = 0; i < nthreads; i++) {
        atomic_store(&threads[i].closing, 1);
        h2o_multithread_send_message(&threads[i].stop_receiver, NULL);
    }
    uint64_t deadline = time_mono_ns() + (uint64_t)HTTP_DRAIN_S * 1000000000u;
    while (http_async_in_flight() > 0 && time_mono_ns() < deadline) {
        struct timespec pause = {0, 10 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    if (http_async_in_flight() > 0) {
        log_warn("http: %ld writes still running after %d s; stopping anyway",
                 http_async_in_flight(), HTTP_DRAIN_S);
        http_async_abandon(); /* queued CPU work is dropped, not done for nobody */
    }
    /* The bus stops while the loops still run, so that they take its last batches
     * (and drop their references); the scheduler after the loops (/metrics reads
     * it), its last job still going through the writer, which stops last. The
     * cluster's listener wakes the bus: it stops first. */
    metrics_register_cluster(NULL);
    cluster_stop(cluster);
    cluster = NULL;
    stop_bus(writer, &bus);
    for (int i = 0; i < nthreads; i++) {
        atomic_store(&threads[i].stopping, 1);
        h2o_multithread_send_message(&threads[i].stop_receiver, NULL);
    }
    for (int i = 0; i < started; i++)
        pthread_join(tids[i], NULL);
    status = 0;
out:
    cot_server_stop(cot); /* after a failed start; done already otherwise */
    metrics_register_cluster(NULL);
    cluster_stop(cluster); /* the same */
    stop_bus(writer, &bus); /* after a failed start; done already otherwise */
    scheduler_stop(sched);
    /* Workers and the writer finish what is queued before they stop. */
    if (pool)
        workpool_stop(pool);
    if (writer)
        writer_stop(writer);
    for (int i = 0; i < started; i++)
        api_stream_loop_free(&threads[i]);
    livepos_destroy(livepos);
    for (int i = 0; i < nthreads; i++) {
        store_close(threads[i].st);
        auth_cache_free(threads[i].auth);
        metrics_thread_free(threads[i].metrics);
        threads[i].st = NULL;
    }
    if (started == 0)
        for (int i = 0; i < nthreads; i++)
            if (fds[i] > 0)
                close(fds[i]);
    free(starts);
    free(tids);
    free(fds);
    free(mt);
    if (started == 0) {
        free(threads);
        loop_threads = NULL;
    }
    return status;
}
