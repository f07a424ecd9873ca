/* cot_bench.c - the CoT ingest benchmark of issue 4: "200 TCP clients each sending
 * a PLI every second plus a burst test: at least 20,000 events/s parsed and
 * stored, with relay latency p99 under 100 ms".
 *
 * Against a running `phoihop serve` (bench/run.sh starts it with --cot-rate high
 * enough for the burst and binds the devices first):
 *
 *   steady  STEADY clients, each the device "<steady prefix><i>" of one person (so
 *           that every client may see every other), connect and send a PLI once a
 *           second, spread evenly over the second, for SECONDS. Each PLI's time is
 *           the moment it is sent (ms); the server relays every committed fix to
 *           the other clients with that time, so LISTENERS of the clients note,
 *           for every relayed PLI they read, now - time: send -> stored (group
 *           commit) -> published -> relayed -> read. Every client reads all it is
 *           sent (200 fixes/s to 199 clients: ~40,000 events/s out).
 *   burst   BURST more clients, the devices "<burst prefix><i>" (bound to a unit
 *           the steady person cannot see, so nothing is relayed to the steady
 *           clients, and anonymous connections, so nothing is relayed to them),
 *           each send COUNT PLIs as fast as TCP takes them, while the steady
 *           clients go on. Reported: the PLIs parsed (phoihop_cot_events_total
 *           {class="pli"}) and stored (phoihop_cot_positions_total
 *           {result="stored"}) per second, from the first byte sent until /metrics
 *           counts every burst PLI stored; and the relay latency of the steady
 *           clients during the burst.
 *   ref     the reference, measured in this process before the clients start:
 *           cot_parse of the same PLI text in a loop for one second (one core, no
 *           sockets, no database).
 *
 * Usage: cot_bench HOST COT_PORT HTTP_PORT STEADY_PREFIX STEADY SECONDS
 *                  BURST_PREFIX BURST COUNT
 * Output: one line "cot: key=value ..." (counts, rates, latency percentiles).
 * With COT_BENCH_SAMPLES=FILE, every timed relay also goes to FILE as a line
 * "PHASE SENT_MS LATENCY_MS FD UID" (phase 1 steady, 2 burst; SENT_MS the PLI's
 * time, UTC ms): when a tail happens says more than how long it is (a stall of
 * the whole listener delays everything sent in one window; a slow client only
 * its own fixes).
 * Exit 1 when the run could not be done (a connection failed or was closed, the
 * burst was not stored within 120 s). Loopback only; everything bounded in time. */
#include "util/base.h"
#include <arpa/inet.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "proto/cot.h"
#include "util/arena.h"
#include "util/time.h"

#define LISTENERS 4
#define WARMUP_MS 3000
#define BURST_TIMEOUT_MS 120000

struct conn {
    int fd;
    bool is_listener, is_burst;
    char uid[64];
    char *out; /* bytes not written yet */
    size_t out_len, out_off, out_cap;
    char *in; /* listeners: bytes not parsed yet */
    size_t in_len, in_cap;
    int64_t next_ms; /* steady: when its next PLI is due */
};

struct samples {
    double *v;
    size_t n, cap;
};

static const char *host;
static int cot_port, http_port;
static struct samples lat_steady, lat_burst;
static int phase; /* 0 warm-up, 1 steady, 2 burst, 3 done */
static uint64_t relayed;
static FILE *samples_out; /* COT_BENCH_SAMPLES (see the top) */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void die(const char *what)
{
    fprintf(stderr, "cot_bench: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void add_sample(struct samples *s, double v)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 4096;
        s->v = realloc(s->v, s->cap * sizeof(*s->v));
        if (s->v == NULL)
            die("realloc");
    }
    s->v[s->n++] = v;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(struct samples *s, double p)
{
    if (s->n == 0)
        return NAN;
    qsort(s->v, s->n, sizeof(*s->v), cmp_double);
    size_t i = (size_t)ceil(p * (double)s->n) - 1;
    return s->v[i < s->n ? i : s->n - 1];
}

static int tcp_connect(int port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
    if (fd < 0 || inet_pton(AF_INET, host, &a.sin_addr) != 1)
        die("socket");
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0)
        die("connect");
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

/* One PLI of uid at time t (ms). */
static int pli(char *out, size_t size, const char *uid, int64_t t, double lat, double lon)
{
    char at[TIME_RFC3339_BYTES], stale[TIME_RFC3339_BYTES];
    time_format_utc(t, at);
    time_format_utc(t + 120000, stale);
    return snprintf(out, size,
                    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
                    "<event version=\"2.0\" uid=\"%s\" type=\"a-f-G-U-C\" time=\"%s\" start=\"%s\" "
                    "stale=\"%s\" how=\"m-g\"><point lat=\"%.6f\" lon=\"%.6f\" hae=\"5.0\" ce=\"9.9\" "
                    "le=\"9999999.0\"/><detail><contact callsign=\"%s\" endpoint=\"*:-1:stcp\"/>"
                    "<__group name=\"Cyan\" role=\"Team Member\"/><status battery=\"80\"/>"
                    "<track speed=\"3.10\" course=\"87.00\"/><takv platform=\"ATAK-CIV\" "
                    "version=\"4.10\"/></detail></event>\n",
                    uid, at, at, stale, lat, lon, uid);
}

static void queue_out(struct conn *c, const char *p, size_t n)
{
    if (c->out_len + n > c->out_cap) {
        c->out_cap = (c->out_len + n) * 2;
        c->out = realloc(c->out, c->out_cap);
        if (c->out == NULL)
            die("realloc");
    }
    memcpy(c->out + c->out_len, p, n);
    c->out_len += n;
}

/* Write what we can; true when all is written. */
static bool flush_out(struct conn *c)
{
    while (c->out_off < c->out_len) {
        ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR)
                return false;
            die("send (the server closed a client?)");
        }
        c->out_off += (size_t)n;
    }
    c->out_off = c->out_len = 0;
    return true;
}

/* Listeners: each relayed PLI of a steady device, now - its time. */
static void parse_in(struct conn *c, const char *steady_prefix)
{
    size_t used = 0;
    char *p;
    while ((p = memmem(c->in + used, c->in_len - used, "</event>", 8)) != NULL) {
        size_t end = (size_t)(p - c->in) + 8;
        char *ev = c->in + used, save = c->in[end];
        c->in[end] = '\0';
        char *u = strstr(ev, " uid=\""), *t = strstr(ev, " time=\"");
        if (u != NULL && t != NULL && strncmp(u + 6, steady_prefix, strlen(steady_prefix)) == 0) {
            char ts[40];
            int64_t ms;
            char *q = strchr(t + 7, '"');
            if (q != NULL && (size_t)(q - (t + 7)) < sizeof(ts)) {
                memcpy(ts, t + 7, (size_t)(q - (t + 7)));
                ts[q - (t + 7)] = '\0';
                if (time_parse_rfc3339(ts, &ms) == PH_OK) {
                    double l = (double)(now_ms() - ms);
                    if (samples_out != NULL && phase > 0) {
                        char *ue = strchr(u + 6, '"');
                        fprintf(samples_out, "%d %lld %.0f %d %.*s\n", phase, (long long)ms, l,
                                c->fd, ue != NULL ? (int)(ue - (u + 6)) : 0, u + 6);
                    }
                    if (phase == 1)
                        add_sample(&lat_steady, l);
                    else if (phase == 2)
                        add_sample(&lat_burst, l);
                    relayed++;
                }
            }
        }
        c->in[end] = save;
        used = end;
    }
    memmove(c->in, c->in + used, c->in_len - used);
    c->in_len -= used;
}

static void on_readable(struct conn *c, const char *steady_prefix)
{
    char tmp[65536];
    for (;;) {
        ssize_t n = recv(c->fd, tmp, sizeof(tmp), MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        if (n <= 0) {
            fprintf(stderr, "cot_bench: the server closed %s\n", c->uid);
            exit(1);
        }
        if (!c->is_listener)
            continue;
        if (c->in_len + (size_t)n + 1 > c->in_cap) {
            c->in_cap = (c->in_len + (size_t)n + 1) * 2;
            c->in = realloc(c->in, c->in_cap);
            if (c->in == NULL)
                die("realloc");
        }
        memcpy(c->in + c->in_len, tmp, (size_t)n);
        c->in_len += (size_t)n;
        parse_in(c, steady_prefix);
    }
}

/* GET /metrics, the value of series ("name{labels}"); -1 on failure. */
static double metric(const char *series)
{
    static char buf[1 << 20];
    size_t n = 0, sl = strlen(series);
    int fd = tcp_connect(http_port);
    const char *req = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    double v = -1;
    if (send(fd, req, strlen(req), MSG_NOSIGNAL) < 0)
        die("send /metrics");
    for (;;) {
        ssize_t r = recv(fd, buf + n, sizeof(buf) - 1 - n, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0 || n + (size_t)r >= sizeof(buf) - 1)
            break;
        n += (size_t)r;
    }
    close(fd);
    buf[n] = '\0';
    for (char *p = buf; (p = strstr(p, series)) != NULL; p += sl)
        if (p[-1] == '\n' && p[sl] == ' ') {
            v = strtod(p + sl + 1, NULL);
            break;
        }
    return v;
}

/* The reference: cot_parse of one PLI, as often as it goes in a second. */
static double parse_rate(void)
{
    char ev[2048];
    int len = pli(ev, sizeof(ev), "REF-1", now_ms(), 10.2, 106.7);
    int64_t start = mono_ms();
    uint64_t n = 0;
    cot_init();
    while (mono_ms() - start < 1000) {
        for (int i = 0; i < 100; i++) {
            struct arena a;
            struct cot_event e;
            const char *why = NULL;
            arena_init(&a);
            if (cot_parse(ev, (size_t)len, &a, &e, &why) != PH_OK) {
                fprintf(stderr, "cot_bench: the reference event does not parse: %s\n", why);
                exit(1);
            }
            arena_release(&a);
            n++;
        }
    }
    return (double)n * 1000.0 / (double)(mono_ms() - start);
}

int main(int argc, char **argv)
{
    if (argc != 10) {
        fprintf(stderr, "usage: cot_bench HOST COT_PORT HTTP_PORT STEADY_PREFIX STEADY SECONDS "
                        "BURST_PREFIX BURST COUNT\n");
        return 2;
    }
    host = argv[1];
    cot_port = (int)strtol(argv[2], NULL, 10);
    http_port = (int)strtol(argv[3], NULL, 10);
    const char *steady_prefix = argv[4], *burst_prefix = argv[7];
    int n_steady = (int)strtol(argv[5], NULL, 10), seconds = (int)strtol(argv[6], NULL, 10);
    int n_burst = (int)strtol(argv[8], NULL, 10), count = (int)strtol(argv[9], NULL, 10);
    int n_all = n_steady + n_burst;
    struct conn *conns = calloc((size_t)n_all, sizeof(*conns));
    int ep = epoll_create1(EPOLL_CLOEXEC);
    uint64_t steady_sent = 0, steady_sent_burst = 0;
    char ev[2048];

    if (conns == NULL || ep < 0 || n_steady < LISTENERS + 1 || seconds < 1 || n_burst < 0 || count < 1)
        die("arguments");
    double ref = parse_rate();
    const char *samples_path = getenv("COT_BENCH_SAMPLES");
    if (samples_path != NULL && (samples_out = fopen(samples_path, "w")) == NULL)
        die("COT_BENCH_SAMPLES");

    /* Steady clients: connect, identify (first PLI), then one PLI a second. */
    int64_t t0 = mono_ms();
    for (int i = 0; i < n_steady; i++) {
        struct conn *c = &conns[i];
        struct epoll_event e = {.events = EPOLLIN, .data.ptr = c};
        c->fd = tcp_connect(cot_port);
        c->is_listener = i < LISTENERS;
        snprintf(c->uid, sizeof(c->uid), "%s%d", steady_prefix, i);
        c->next_ms = t0 + 1000 + (int64_t)i * 1000 / n_steady;
        int len = pli(ev, sizeof(ev), c->uid, now_ms(), 10.0 + i * 0.001, 106.0 + i * 0.001);
        queue_out(c, ev, (size_t)len);
        flush_out(c);
        steady_sent++;
        if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &e) != 0)
            die("epoll_ctl");
    }

    int64_t steady_start = t0 + WARMUP_MS, steady_end = steady_start + (int64_t)seconds * 1000;
    int64_t burst_start = 0, burst_done = 0, next_poll = 0;
    double stored0 = 0, parsed0 = 0, stored_end = 0, parsed_end = 0;
    uint64_t burst_total = (uint64_t)n_burst * (uint64_t)count;
    int burst_flushed = 0;

    while (phase < 3) {
        struct epoll_event evs[256];
        int64_t now = mono_ms();
        int64_t wait = 1000;
        if (phase == 0 && now >= steady_start)
            phase = 1;
        if (phase == 1 && now >= steady_end) {
            /* The burst: render every event first, then connect and send. */
            phase = 2;
            stored0 = metric("phoihop_cot_positions_total{result=\"stored\"}");
            parsed0 = metric("phoihop_cot_events_total{class=\"pli\"}");
            int64_t base = now_ms() - count; /* times in the past, one ms apart: unique per device */
            for (int b = 0; b < n_burst; b++) {
                struct conn *c = &conns[n_steady + b];
                c->is_burst = true;
                snprintf(c->uid, sizeof(c->uid), "%s%d", burst_prefix, b);
                for (int k = 0; k < count; k++) {
                    int len = pli(ev, sizeof(ev), c->uid, base + k, 9.0 + k * 1e-5, 105.0 + b * 0.01);
                    queue_out(c, ev, (size_t)len);
                }
            }
            burst_start = mono_ms();
            for (int b = 0; b < n_burst; b++) {
                struct conn *c = &conns[n_steady + b];
                struct epoll_event e = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};
                c->fd = tcp_connect(cot_port);
                if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &e) != 0)
                    die("epoll_ctl");
            }
            next_poll = burst_start + 100;
            now = mono_ms();
        }
        if (phase == 2 && now >= next_poll) {
            next_poll = now + 100;
            double stored = metric("phoihop_cot_positions_total{result=\"stored\"}");
            if (getenv("COT_BENCH_DEBUG") != NULL)
                fprintf(stderr, "cot_bench: +%lld ms stored %.0f flushed %d\n", (long long)(now - burst_start),
                        stored - stored0, burst_flushed);
            if (burst_flushed == n_burst && stored - stored0 - (double)steady_sent_burst >= (double)burst_total) {
                burst_done = mono_ms();
                stored_end = stored;
                parsed_end = metric("phoihop_cot_events_total{class=\"pli\"}");
                phase = 3;
                break;
            }
            if (now - burst_start > BURST_TIMEOUT_MS) {
                fprintf(stderr, "cot_bench: the burst was not stored within %d s (stored %.0f of %llu)\n",
                        BURST_TIMEOUT_MS / 1000, stored - stored0, (unsigned long long)burst_total);
                return 1;
            }
        }
        /* Steady PLIs that are due. */
        for (int i = 0; i < n_steady; i++) {
            struct conn *c = &conns[i];
            if (c->next_ms > now)
                continue;
            int len = pli(ev, sizeof(ev), c->uid, now_ms(), 10.0 + i * 0.001 + (double)(now % 1000) * 1e-6,
                          106.0 + i * 0.001);
            queue_out(c, ev, (size_t)len);
            flush_out(c);
            c->next_ms += 1000;
            steady_sent++;
            if (phase == 2)
                steady_sent_burst++;
        }
        for (int i = 0; i < n_steady; i++)
            if (conns[i].next_ms - now < wait)
                wait = conns[i].next_ms - now;
        if (phase == 2 && next_poll - now < wait)
            wait = next_poll - now;
        if (phase == 0 && steady_start - now < wait)
            wait = steady_start - now;
        if (phase == 1 && steady_end - now < wait)
            wait = steady_end - now;
        int n = epoll_wait(ep, evs, 256, wait > 0 ? (int)wait : 0);
        for (int k = 0; k < n; k++) {
            struct conn *c = evs[k].data.ptr;
            if (evs[k].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
                on_readable(c, steady_prefix);
            if ((evs[k].events & EPOLLOUT) && c->is_burst && c->out_len > 0 && flush_out(c)) {
                struct epoll_event e = {.events = EPOLLIN, .data.ptr = c};
                epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &e);
                burst_flushed++;
            }
        }
    }

    double secs = (double)(burst_done - burst_start) / 1000.0;
    double stored_rate = (stored_end - stored0) / secs, parsed_rate = (parsed_end - parsed0) / secs;
    size_t n_lat = lat_steady.n, n_lat_b = lat_burst.n;
    printf("cot: steady_clients=%d seconds=%d steady_sent=%llu relayed_read=%llu "
           "relay_samples=%zu relay_p50_ms=%.0f relay_p99_ms=%.0f relay_max_ms=%.0f "
           "burst_clients=%d burst_events=%llu burst_seconds=%.2f stored_per_s=%.0f parsed_per_s=%.0f "
           "burst_relay_samples=%zu burst_relay_p50_ms=%.0f burst_relay_p99_ms=%.0f "
           "ref_parse_per_s=%.0f\n",
           n_steady, seconds, (unsigned long long)steady_sent, (unsigned long long)relayed, n_lat,
           pct(&lat_steady, 0.5), pct(&lat_steady, 0.99), pct(&lat_steady, 1.0), n_burst,
           (unsigned long long)burst_total, secs, stored_rate, parsed_rate, n_lat_b, pct(&lat_burst, 0.5),
           pct(&lat_burst, 0.99), ref);
    for (int i = 0; i < n_all; i++) {
        close(conns[i].fd);
        free(conns[i].out);
        free(conns[i].in);
    }
    free(conns);
    free(lat_steady.v);
    free(lat_burst.v);
    close(ep);
    if (samples_out != NULL)
        fclose(samples_out);
    return n_lat == 0 ? 1 : 0;
}
