/* sse_bench.c - the live-feed benchmark: CLIENTS connections hold GET
 * /api/v1/stream open while POSTERS connections create incidents at RATE per
 * second for SECONDS. Each incident's title carries its sequence number ("bench-sse
 * <seq> <time>"); this process notes when each POST was sent and when its 201 was
 * read, and every client notes when it read each "incident.created" event.
 *
 * The commit of an incident lies between its POST's sending and the 201 (nothing
 * is answered before its group commit), so its commit -> delivery time lies
 * between (event read - 201 read) and (event read - POST sent). Reported over every
 * (event, client) pair: the upper bound, "delivery" (it also holds the request's
 * parsing, queueing and the group commit itself, and the time this one thread takes
 * to read a thousand sockets), and the lower bound, "after_201" (negative when the
 * event arrived before the answer). The reference measured in the same run is the
 * latency of the POSTs themselves (sent -> 201 read).
 *
 * Usage: sse_bench HOST PORT STREAM_TOKENS POST_TOKEN CLIENTS POSTERS RATE SECONDS
 *   STREAM_TOKENS: bearer tokens separated by commas, given to the clients in
 *   turn (people who all may see the posted incidents).
 * Output: one line "sse: clients=... missing=... delivery_p99_ms=..." of key=value
 * pairs (counts, p50/p99/max of the latencies). Exit 1 when the run could not be
 * done: a connection failed, a stream did not start or was closed, a POST was not
 * 201, or an event did not reach every client.
 *
 * Bounded: streams get 30 s to start (posting begins once every stream has its
 * opening block, so that every event is owed to every client), posting stops after
 * SECONDS, and the drain of the last events after at most 10 s more. Loopback only
 * (HOST should be 127.0.0.1). Plain POSIX sockets and epoll, HTTP/1.1 with a
 * chunked-body decoder of its own: no phoihop code, no HTTP library.
 *
 * Posts keep to the schedule (post k is due at k / RATE s) as long as a poster
 * connection is free; with too few posters the rate falls behind, which the
 * output shows (posted against asked). */
#include "util/base.h"
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MARK "bench-sse "
#define MAX_POSTS 1000000
#define MAX_TOKENS 16
#define HEAD_MAX 8192             /* response headers */
#define SSE_BUF (64 * 1024)       /* undecoded events of one client */
#define START_TIMEOUT_US 30000000 /* for every stream to start */
#define DRAIN_TIMEOUT_US 10000000 /* for the last events after posting */

/* Where a response is in its HTTP/1.1 framing. */
enum phase {
    PH_HEAD,       /* the status line and headers, up to the blank line */
    PH_CHUNK_SIZE, /* a chunk-size line */
    PH_CHUNK_DATA, /* inside a chunk */
    PH_CHUNK_CRLF, /* the line end after a chunk's data */
    PH_TRAILER,    /* the blank line after the last chunk (posters) */
    PH_BODY,       /* a Content-Length body (posters) */
    PH_RAW,        /* a stream's body without chunks: up to the connection's end */
};

struct conn {
    int fd;
    bool is_poster;
    enum phase phase;
    char head[HEAD_MAX]; /* the response's headers (and the chunk-size line) so far */
    size_t head_len;
    long long left; /* bytes left in the chunk (streams) or body (posters) */
    /* Streams: decoded body bytes not yet split into events. */
    char *sse;
    size_t sse_len;
    bool is_started; /* the opening "retry:/id:" block arrived */
    long got;        /* marked incident.created events read */
    /* Posters: when the POST in flight was sent (0: idle), and its status. */
    int64_t sent_us;
    long seq;
    int status;
    struct conn *next_idle;
};

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Per post (by its sequence number): when it was sent and when its answer was
 * read (0: not yet). Per delivery: which post, and when a client read it. */
static int64_t *post_sent, *post_answered;
struct delivery {
    int64_t at;
    long seq;
};
static struct delivery *deliveries;
static size_t n_delivery, cap_delivery;
static long n_answered, n_not_201, n_streams_started;

static void add_delivery(long seq, int64_t at)
{
    if (n_delivery == cap_delivery) {
        cap_delivery = cap_delivery ? cap_delivery * 2 : 1 << 20;
        deliveries = realloc(deliveries, cap_delivery * sizeof(*deliveries));
        if (deliveries == NULL)
            abort();
    }
    deliveries[n_delivery++] = (struct delivery){at, seq};
}

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Percentile p (0..1) of the sorted v, nearest rank, in ms. */
static double pct_ms(const int64_t *v, size_t n, double p)
{
    if (n == 0)
        return 0;
    size_t i = (size_t)(p * (double)n + 0.999999);
    if (i == 0)
        i = 1;
    return (double)v[(i > n ? n : i) - 1] / 1000.0;
}

static void fail(const char *what)
{
    fprintf(stderr, "sse_bench: %s\n", what);
    exit(1);
}

static int connect_to(const char *host, int port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

    if (fd < 0 || inet_pton(AF_INET, host, &sa.sin_addr) != 1 ||
        connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        perror("sse_bench: connect");
        exit(1);
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

/* Write all of s; the socket may be non-blocking, so wait for room when full. */
static void write_all(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w < 0 && (errno == EINTR || errno == EAGAIN)) {
            if (errno == EAGAIN)
                usleep(100);
            continue;
        }
        if (w <= 0) {
            perror("sse_bench: write");
            exit(1);
        }
        s += w;
        n -= (size_t)w;
    }
}

static void post_one(struct conn *c, const char *host, int port, const char *token, long seq)
{
    char body[512], req[2048];
    int64_t t = now_us();
    int nb = snprintf(body, sizeof(body),
                      "{\"category\":\"public_order\",\"severity\":2,\"title\":\"" MARK
                      "%ld %lld\",\"occurred_at\":\"2026-01-01T01:30:00Z\"}",
                      seq, (long long)t);
    int nr = snprintf(req, sizeof(req),
                      "POST /api/v1/incidents HTTP/1.1\r\nHost: %s:%d\r\n"
                      "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
                      "Content-Length: %d\r\n\r\n%s",
                      host, port, token, nb, body);
    if (nb < 0 || nr < 0 || (size_t)nr >= sizeof(req))
        fail("request too long");
    c->sent_us = t;
    c->seq = seq;
    post_sent[seq] = t;
    c->phase = PH_HEAD;
    c->head_len = 0;
    write_all(c->fd, req, (size_t)nr);
}

/* ---- responses ----------------------------------------------------------------------- */

/* The value of header name in the NUL-terminated head, or NULL. */
static const char *header(const char *head, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = strstr(head, "\r\n"); p != NULL; p = strstr(p + 2, "\r\n")) {
        if (strncasecmp(p + 2, name, n) == 0 && p[2 + n] == ':') {
            const char *v = p + 3 + n;
            while (*v == ' ')
                v++;
            return v;
        }
    }
    return NULL;
}

/* Headers complete in c->head (NUL-terminated): status and framing. */
static void on_head(struct conn *c)
{
    const char *te = header(c->head, "Transfer-Encoding");
    const char *cl = header(c->head, "Content-Length");

    c->status = (int)strtol(c->head + 9, NULL, 10);
    if (strncmp(c->head, "HTTP/1.1 ", 9) != 0 || c->status == 0)
        fail("not an HTTP/1.1 answer");
    if (te != NULL && strncasecmp(te, "chunked", 7) == 0)
        c->phase = PH_CHUNK_SIZE;
    else if (c->is_poster)
        c->phase = PH_BODY;
    else
        c->phase = PH_RAW;
    c->left = cl != NULL ? strtoll(cl, NULL, 10) : 0;
    c->head_len = 0;
    if (!c->is_poster && c->status != 200) {
        fprintf(stderr, "sse_bench: the stream answered %d\n", c->status);
        exit(1);
    }
}

/* A poster's answer is complete. */
static void on_answer(struct conn *c, int64_t at)
{
    if (c->status != 201)
        n_not_201++;
    post_answered[c->seq] = at;
    n_answered++;
    c->sent_us = 0;
    c->phase = PH_HEAD;
}

/* Split a stream's decoded bytes into events (blank-line separated) and time the
 * marked incident.created ones. */
static void on_sse(struct conn *c, int64_t at)
{
    size_t start = 0;

    for (;;) {
        char *blk = c->sse + start;
        char *end = memmem(blk, c->sse_len - start, "\n\n", 2);
        if (end == NULL)
            break;
        *end = '\0';
        if (!c->is_started && (strncmp(blk, "retry:", 6) == 0 || strncmp(blk, "id:", 3) == 0)) {
            c->is_started = true;
            n_streams_started++;
        }
        if (strstr(blk, "event: incident.created\n") != NULL) {
            const char *m = strstr(blk, MARK);
            if (m != NULL) {
                long seq = strtol(m + sizeof(MARK) - 1, NULL, 10);
                if (seq >= 0 && seq < MAX_POSTS) {
                    add_delivery(seq, at);
                    c->got++;
                }
            }
        }
        start = (size_t)(end - c->sse) + 2;
    }
    memmove(c->sse, c->sse + start, c->sse_len - start);
    c->sse_len -= start;
}

static void sse_append(struct conn *c, const char *p, size_t n)
{
    if (c->sse_len + n > SSE_BUF)
        fail("an event larger than the buffer");
    memcpy(c->sse + c->sse_len, p, n);
    c->sse_len += n;
}

/* Feed bytes read from c through its framing. */
static void feed(struct conn *c, const char *p, size_t n, int64_t at)
{
    while (n > 0) {
        switch (c->phase) {
        case PH_HEAD:
        case PH_CHUNK_SIZE:
        case PH_CHUNK_CRLF:
        case PH_TRAILER: {
            /* Line-oriented parts: copy up to the end of what is wanted. */
            const char *want = c->phase == PH_HEAD ? "\r\n\r\n" : "\r\n";
            size_t wl = strlen(want), k = 0;
            bool done = false;
            while (k < n && !done) {
                if (c->head_len + 1 >= HEAD_MAX)
                    fail("a header or chunk line too long");
                c->head[c->head_len++] = p[k++];
                done = c->head_len >= wl && memcmp(c->head + c->head_len - wl, want, wl) == 0;
            }
            p += k;
            n -= k;
            if (!done)
                break;
            c->head[c->head_len] = '\0';
            if (c->phase == PH_HEAD) {
                on_head(c);
                if (c->is_poster && c->phase == PH_BODY && c->left == 0)
                    on_answer(c, at);
            } else if (c->phase == PH_CHUNK_CRLF) {
                c->phase = PH_CHUNK_SIZE;
                c->head_len = 0;
            } else if (c->phase == PH_TRAILER) {
                on_answer(c, at);
            } else {
                c->left = strtoll(c->head, NULL, 16);
                c->head_len = 0;
                if (c->left == 0) { /* the last chunk: the response is over */
                    if (c->is_poster)
                        c->phase = PH_TRAILER;
                    else
                        fail("a stream was ended by the server");
                } else {
                    c->phase = PH_CHUNK_DATA;
                }
            }
            break;
        }
        case PH_CHUNK_DATA:
        case PH_BODY: {
            size_t k = (long long)n < c->left ? n : (size_t)c->left;
            if (!c->is_poster && k > SSE_BUF / 2)
                k = SSE_BUF / 2; /* decoded bytes go through a bounded buffer */
            if (!c->is_poster) {
                sse_append(c, p, k);
                on_sse(c, at);
            }
            p += k;
            n -= k;
            c->left -= (long long)k;
            if (c->left == 0) {
                if (c->phase == PH_CHUNK_DATA) {
                    c->phase = PH_CHUNK_CRLF;
                } else {
                    on_answer(c, at);
                }
            }
            break;
        }
        case PH_RAW: {
            size_t k = n < SSE_BUF / 2 ? n : SSE_BUF / 2;
            sse_append(c, p, k);
            on_sse(c, at);
            p += k;
            n -= k;
            break;
        }
        }
    }
}

/* ---- main ------------------------------------------------------------------------------ */

static long arg_long(const char *s, long lo, long hi)
{
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (end == s || *end != '\0' || v < lo || v > hi) {
        fprintf(stderr, "sse_bench: bad number %s\n", s);
        exit(2);
    }
    return v;
}

/* Append c to the queue of idle posters. */
static void idle_push(struct conn **head, struct conn **tail, struct conn *c)
{
    c->next_idle = NULL;
    if (*tail != NULL)
        (*tail)->next_idle = c;
    else
        *head = c;
    *tail = c;
}

int main(int argc, char **argv)
{
    if (argc != 9) {
        fprintf(stderr, "usage: sse_bench HOST PORT STREAM_TOKENS POST_TOKEN CLIENTS POSTERS RATE "
                        "SECONDS\n");
        return 2;
    }
    const char *host = argv[1], *tok_post = argv[4];
    int port = (int)arg_long(argv[2], 1, 65535);
    int clients = (int)arg_long(argv[5], 1, 100000), posters = (int)arg_long(argv[6], 1, 1000);
    double rate = strtod(argv[7], NULL), seconds = strtod(argv[8], NULL);
    char *tokens[MAX_TOKENS], *toks = strdup(argv[3]);
    int n_tokens = 0;
    struct rlimit rl;
    int ep = epoll_create1(0);
    struct conn *conns = calloc((size_t)(clients + posters), sizeof(*conns));
    /* Idle posters, first in first out: each is used in turn, so none sits idle for
     * the server's keep-alive timeout (10 s) while the others do the work. */
    struct conn *idle = NULL, *idle_tail = NULL;
    static char rbuf[65536];

    if (rate <= 0 || rate > 100000 || seconds <= 0 || seconds > 3600 || conns == NULL ||
        toks == NULL || ep < 0) {
        fprintf(stderr, "sse_bench: bad arguments\n");
        return 2;
    }
    for (char *save = NULL, *t = strtok_r(toks, ",", &save); t != NULL && n_tokens < MAX_TOKENS;
         t = strtok_r(NULL, ",", &save))
        tokens[n_tokens++] = t;
    if (n_tokens == 0)
        fail("no stream token");
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)(clients + posters + 64)) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        if (rl.rlim_cur < (rlim_t)(clients + posters + 64))
            fail("too few file descriptors (ulimit -n)");
    }
    post_sent = calloc(MAX_POSTS, sizeof(*post_sent));
    post_answered = calloc(MAX_POSTS, sizeof(*post_answered));
    if (post_sent == NULL || post_answered == NULL)
        abort();
    for (int i = 0; i < clients + posters; i++) {
        struct conn *c = &conns[i];
        char req[1024];
        c->fd = connect_to(host, port);
        c->is_poster = i >= clients;
        c->phase = PH_HEAD;
        if (!c->is_poster) {
            int n = snprintf(req, sizeof(req),
                             "GET /api/v1/stream HTTP/1.1\r\nHost: %s:%d\r\n"
                             "Authorization: Bearer %s\r\nAccept: text/event-stream\r\n\r\n",
                             host, port, tokens[i % n_tokens]);
            if (n < 0 || (size_t)n >= sizeof(req))
                fail("token too long");
            write_all(c->fd, req, (size_t)n);
            c->sse = malloc(SSE_BUF);
            if (c->sse == NULL)
                abort();
        } else {
            idle_push(&idle, &idle_tail, c);
        }
        fcntl(c->fd, F_SETFL, O_NONBLOCK);
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) != 0)
            fail("epoll_ctl");
    }

    /* Post only once every stream is live: an event committed before a stream
     * started is not owed to it. */
    int64_t t_start = now_us(), t0 = 0, end_post = 0, hard_end = 0;
    long total = (long)(seconds * rate + 0.5), posted = 0;
    bool is_posting = false;
    if (total > MAX_POSTS)
        total = MAX_POSTS;
    for (;;) {
        int64_t t = now_us();
        if (!is_posting) {
            if (n_streams_started == clients) {
                is_posting = true;
                t0 = t;
                end_post = t0 + (int64_t)(seconds * 1e6);
                hard_end = end_post + DRAIN_TIMEOUT_US;
            } else if (t - t_start > START_TIMEOUT_US) {
                fprintf(stderr, "sse_bench: %ld of %d streams started in 30 s\n", n_streams_started,
                        clients);
                return 1;
            }
        }
        int timeout_ms = 50;
        if (is_posting) {
            long due = (long)((double)(t - t0) * rate / 1e6) + 1;
            if (due > total)
                due = total;
            while (posted < due && idle != NULL) {
                struct conn *c = idle;
                idle = c->next_idle;
                if (idle == NULL)
                    idle_tail = NULL;
                post_one(c, host, port, tok_post, posted++);
            }
            if (idle == NULL) {
                timeout_ms = 50; /* every poster busy: wait for an answer */
            } else if (posted < total) {
                int64_t next = t0 + (int64_t)((double)posted * 1e6 / rate);
                timeout_ms = next > t ? (int)((next - t + 999) / 1000) : 0;
            }
            if ((posted == total && n_answered == posted &&
                 (long)n_delivery >= n_answered * clients) ||
                t > hard_end)
                break;
        }
        struct epoll_event evs[256];
        int n = epoll_wait(ep, evs, 256, timeout_ms);
        for (int k = 0; k < n; k++) {
            struct conn *c = evs[k].data.ptr;
            ssize_t r;
            while ((r = read(c->fd, rbuf, sizeof(rbuf))) > 0) {
                bool was_busy = c->is_poster && c->sent_us != 0;
                feed(c, rbuf, (size_t)r, now_us());
                if (was_busy && c->sent_us == 0)
                    idle_push(&idle, &idle_tail, c);
            }
            if (r == 0)
                fail(c->is_poster ? "a poster connection was closed by the server"
                                  : "a stream was closed by the server");
            if (r < 0 && errno != EAGAIN && errno != EINTR)
                fail("read failed");
        }
    }
    /* The commit lies between a POST's sending and its answer, so commit ->
     * delivery lies between (read - answered) and (read - sent). */
    int64_t *up = malloc((n_delivery + 1) * sizeof(*up));
    int64_t *low = malloc((n_delivery + 1) * sizeof(*low));
    int64_t *lat_post = malloc(((size_t)posted + 1) * sizeof(*lat_post));
    size_t n_low = 0, n_post = 0;
    if (up == NULL || low == NULL || lat_post == NULL)
        abort();
    for (size_t i = 0; i < n_delivery; i++) {
        const struct delivery *d = &deliveries[i];
        up[i] = d->at - post_sent[d->seq];
        if (post_answered[d->seq] != 0)
            low[n_low++] = d->at - post_answered[d->seq];
    }
    for (long i = 0; i < posted; i++)
        if (post_answered[i] != 0)
            lat_post[n_post++] = post_answered[i] - post_sent[i];
    qsort(up, n_delivery, sizeof(*up), cmp64);
    qsort(low, n_low, sizeof(*low), cmp64);
    qsort(lat_post, n_post, sizeof(*lat_post), cmp64);
    long missing = 0;
    for (int i = 0; i < clients; i++)
        if (conns[i].got < n_answered)
            missing += n_answered - conns[i].got;
    printf("sse: clients=%d tokens=%d posters=%d asked_per_s=%.0f seconds=%.1f posted=%ld "
           "answered=%ld not_201=%ld deliveries=%zu missing=%ld delivery_p50_ms=%.2f "
           "delivery_p99_ms=%.2f delivery_max_ms=%.2f after_201_p50_ms=%.2f "
           "after_201_p99_ms=%.2f post_p50_ms=%.2f post_p99_ms=%.2f post_max_ms=%.2f\n",
           clients, n_tokens, posters, rate, seconds, posted, n_answered, n_not_201, n_delivery,
           missing, pct_ms(up, n_delivery, 0.5), pct_ms(up, n_delivery, 0.99),
           pct_ms(up, n_delivery, 1.0), pct_ms(low, n_low, 0.5), pct_ms(low, n_low, 0.99),
           pct_ms(lat_post, n_post, 0.5), pct_ms(lat_post, n_post, 0.99),
           pct_ms(lat_post, n_post, 1.0));
    return n_not_201 == 0 && missing == 0 && n_answered == total ? 0 : 1;
}
