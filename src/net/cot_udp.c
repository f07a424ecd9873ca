/* cot_udp.c - CoT over UDP: one event per datagram (TAK's SA broadcast), positions
 * only; chat and markers need a stream.
 *
 * Read with recvfrom from a readiness callback (a socket created with
 * H2O_SOCKET_FLAG_DONT_READ): h2o's own read path appends whatever read()
 * returns to one buffer, 4 KiB at a time, which loses the datagram boundaries and
 * truncates a longer datagram. MSG_TRUNC gives a datagram's real length, so one
 * over COT_EVENT_MAX_BYTES is dropped whole. At most COT_UDP_READS datagrams per
 * wake-up, so TCP gets its turn.
 *
 * Limits: a token bucket per source address (direct-mapped, COT_UDP_PEERS) and
 * one for all sources together (COT_UDP_ALL_FACTOR times the rate). A source that
 * collides with another in the table starts afresh, and source addresses can be
 * forged, so the per-source bucket is evaded easily: the global one is the bound.
 * UDP cannot wait as TCP does, so reports over the writer's capacity are dropped
 * and counted (cot_inbound.c).
 *
 * Identity: a datagram is the person its device uid is bound to (cached for
 * COT_UID_TTL_MS), else anonymous. Nothing authenticates the sender: whoever can
 * send to the port and knows a bound device's uid reports as that device
 * (docs/SECURITY.md, "CoT listener"). It can do no more: a datagram writes only the
 * position of the uid it names, and nothing is ever sent back over UDP. */
#include "util/base.h"
#include <netinet/in.h>
#include "net/cot_int.h"
#include "util/time.h"

void cot_udp_init(struct cot_server *s)
{
    s->udp_buf = xmalloc(COT_EVENT_MAX_BYTES + 1);
    s->peers = xcalloc(COT_UDP_PEERS, sizeof(*s->peers));
    s->uids = xcalloc(COT_UID_CACHE, sizeof(*s->uids));
    for (size_t i = 0; i < COT_UID_CACHE; i++)
        arena_init(&s->uids[i].arena);
    s->udp_tokens = (double)s->rate_per_s * COT_UDP_ALL_FACTOR;
}

void cot_udp_release(struct cot_server *s)
{
    for (size_t i = 0; s->uids != NULL && i < COT_UID_CACHE; i++) {
        free(s->uids[i].uid);
        arena_release(&s->uids[i].arena);
    }
    free(s->uids);
    free(s->peers);
    free(s->udp_buf);
    s->uids = NULL;
    s->peers = NULL;
    s->udp_buf = NULL;
}

static uint64_t hash_bytes(const void *p, size_t n)
{
    const unsigned char *b = p;
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ULL;
    return h;
}

/* The address as hashed and compared: family, port and address only. */
static size_t addr_key(const struct sockaddr_storage *ss, unsigned char key[20])
{
    if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
        memcpy(key, &a->sin6_addr, 16);
        memcpy(key + 16, &a->sin6_port, 2);
        return 18;
    }
    const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
    memcpy(key, &a->sin_addr, 4);
    memcpy(key + 4, &a->sin_port, 2);
    return 6;
}

/* Add what rate_per_s earned since *at_ms, up to cap. The loop's clock follows
 * the wall clock: one set back must not wrap the unsigned difference. */
static void refill(double *tokens, uint64_t *at_ms, uint64_t now, double rate_per_s, double cap)
{
    if (now > *at_ms)
        *tokens += (double)(now - *at_ms) * rate_per_s / 1000.0;
    if (*tokens > cap)
        *tokens = cap;
    *at_ms = now;
}

static bool admit(struct cot_server *s, const struct sockaddr_storage *from, socklen_t len)
{
    unsigned char key[20], other[20];
    size_t kl = addr_key(from, key);
    struct cot_udp_peer *p = &s->peers[hash_bytes(key, kl) % COT_UDP_PEERS];
    uint64_t now = cot_now_ms(s);
    double rate = s->rate_per_s, all = rate * COT_UDP_ALL_FACTOR;

    if (p->len == 0 || addr_key(&p->addr, other) != kl || memcmp(key, other, kl) != 0) {
        memcpy(&p->addr, from, sizeof(*from));
        p->len = len;
        p->tokens = rate;
        p->at_ms = now;
    }
    refill(&p->tokens, &p->at_ms, now, rate, rate);
    refill(&s->udp_tokens, &s->udp_at_ms, now, all, all);
    if (p->tokens < 1.0 || s->udp_tokens < 1.0) {
        cot_count(s, COT_C_DROP_UDP_RATE, 1);
        return false;
    }
    p->tokens -= 1.0;
    s->udp_tokens -= 1.0;
    return true;
}

/* The person of device uid, cached; the anonymous user when none. */
static const struct core_user *uid_user(struct cot_server *s, const char *uid)
{
    struct cot_uid_ident *e = &s->uids[hash_bytes(uid, strlen(uid)) % COT_UID_CACHE];
    int64_t now = time_now_ms();
    int64_t device_id = 0;

    if (e->uid != NULL && strcmp(e->uid, uid) == 0 && now - e->at < COT_UID_TTL_MS)
        return e->has_user ? &e->user : &cot_ident_anonymous;
    free(e->uid);
    arena_release(&e->arena);
    arena_init(&e->arena);
    e->uid = xstrdup(uid);
    e->at = now;
    e->has_user = cot_ident_device_person(s, &e->arena, uid, &device_id, &e->user);
    return e->has_user ? &e->user : &cot_ident_anonymous;
}

static void on_datagram(struct cot_server *s, const char *data, size_t len)
{
    struct cot_event ev;
    const char *why = NULL;
    struct arena a;

    arena_init(&a);
    if (cot_parse(data, len, &a, &ev, &why) != PH_OK) {
        cot_count(s, COT_C_PARSE_ERRORS, 1);
        goto out;
    }
    cot_inbound_count_class(s, ev.cls);
    if (ev.cls == COT_PLI)
        cot_inbound_pli(s, uid_user(s, ev.uid), &ev);
out:
    arena_release(&a);
}

void cot_udp_on_read(h2o_socket_t *sock, const char *err)
{
    struct cot_server *s = sock->data;

    if (err != NULL)
        return;
    for (int i = 0; i < COT_UDP_READS; i++) {
        struct sockaddr_storage from;
        socklen_t fl = sizeof(from);
        ssize_t n = recvfrom(s->udp_fd, s->udp_buf, COT_EVENT_MAX_BYTES + 1, MSG_TRUNC,
                             (struct sockaddr *)&from, &fl);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        cot_count(s, COT_C_DATAGRAMS, 1);
        if ((size_t)n > COT_EVENT_MAX_BYTES) {
            cot_count(s, COT_C_DROP_UDP_TOO_BIG, 1);
            continue;
        }
        if (admit(s, &from, fl))
            on_datagram(s, s->udp_buf, (size_t)n);
    }
}
