/* cot_outbound.c - what CoT clients are sent, each connection with its person's
 * access (a connection that is nobody yet gets nothing):
 *
 *   on identification: the active operations and the open incidents of the last
 *      day it may read (cot_outbound_picture, read on cot_welcome.c's thread)
 *   hub (any thread publishing committed fixes) --copy--> queue --> per
 *      connection: livepos_visible, not its own device --> cot_write_position
 *      (rendered once for every connection)
 *   bus (committed outbox rows) --ref--> queue --> per connection:
 *      bus_event_visible --> incident_get / operation_get / the message, read under
 *      the connection's person on this thread's store connection --> CoT
 *
 * The taps run on the publishers' threads under the tap's mutex (cot_server.c
 * clears tap->s under it at stop, so no post reaches a stopped listener) and
 * post nothing while no connection is a person. Fixes waiting to be relayed are
 * bounded (COT_RELAY_PENDING_MAX): if this thread falls behind, a fix is dropped
 * and counted (relay_backlog) rather than let the queue grow; positions are live
 * data, the next fix replaces it.
 *
 * A render is reused between connections only when they are the same person
 * loaded at the same session generation: the same rights, so the same answer. */
#include "util/base.h"
#include "net/cot_int.h"
#include "net/cot_chat.h"
#include "core/incident.h"
#include "core/message.h"
#include "core/operation.h"
#include "events/bus.h"
#include "events/livepos.h"
#include "util/time.h"

/* Fixes copied off the publisher's thread. */
struct fix_msg {
    h2o_multithread_message_t msg;
    size_t n;
    struct livepos_fix fixes[];
};

struct bus_msg {
    h2o_multithread_message_t msg;
    size_t n;
    struct bus_event *evs[];
};

static struct core_ctx user_cx(struct cot_server *s, struct cot_conn *c, struct arena *a,
                               int64_t now)
{
    return (struct core_ctx){
        .st = s->st, .arena = a, .user = &c->user, .client = "cot", .now_ms = now};
}

/* ---- incidents and operations as CoT ------------------------------------------------------ */

static bool is_gone_status(const char *status)
{
    static const char *const gone[] = {"closed", "merged", "resolved", OPERATION_COMPLETED,
                                       OPERATION_CANCELLED};
    for (size_t i = 0; status != NULL && i < PH_NELEM(gone); i++)
        if (strcmp(status, gone[i]) == 0)
            return true;
    return false;
}

static ph_err render_incident(struct cot_server *s, const struct incident *inc, int64_t now,
                              struct buf *b)
{
    if (!inc->has_location)
        return PH_EINVAL;
    return cot_write_incident(b, inc, now,
                              is_gone_status(inc->status) ? COT_GONE_STALE_MS : s->stale_ms);
}

static ph_err render_operation(struct cot_server *s, const struct operation *o, int64_t now,
                               struct buf *b)
{
    if (o->status == NULL || strcmp(o->status, OPERATION_PLANNED) == 0)
        return PH_EINVAL; /* only active operations are on the map */
    return cot_write_operation(b, o, now,
                               is_gone_status(o->status) ? COT_GONE_STALE_MS : s->stale_ms);
}

/* ---- the picture on identification ---------------------------------------------------------- */

/* Read by cot_welcome.c's thread on its own connection: nothing of the loop's. */
struct picture {
    struct cot_server *s;
    void (*add)(void *ctx, const char *data, size_t len);
    void *ctx;
};

static void picture_operations(const struct picture *p, struct core_ctx *cx, struct buf *b)
{
    struct operation_filter f = {.status = OPERATION_ACTIVE, .limit = COT_WELCOME_MAX};
    struct operation *ops = NULL;
    size_t n = 0;
    bool more = false;

    if (operation_list(cx, &f, &ops, &n, &more) != PH_OK)
        return;
    for (size_t i = 0; i < n; i++) {
        struct operation o;
        buf_reset(b);
        if (operation_get(cx, ops[i].id, &o) == PH_OK &&
            render_operation(p->s, &o, cx->now_ms, b) == PH_OK)
            p->add(p->ctx, b->data, b->len);
    }
}

/* The upper bound is no filter (no incident occurs later than the clock skew
 * allows) but a closed range: with it SQLite walks the occurred_at index over
 * the day's few incidents; with from alone it scanned every incident the person
 * may see, newest first (70 ms over 69,000 incidents, docs/PERFORMANCE.md). */
static void picture_incidents(const struct picture *p, struct core_ctx *cx, struct buf *b)
{
    struct incident_filter f = {.from = cx->now_ms - COT_WELCOME_WINDOW_MS,
                                .to = cx->now_ms + INCIDENT_FUTURE_SKEW_MS + 1,
                                .limit = COT_WELCOME_MAX};
    struct incident *incs = NULL;
    size_t n = 0;
    bool more = false;

    if (incident_list(cx, &f, &incs, &n, &more) != PH_OK)
        return;
    for (size_t i = 0; i < n; i++) {
        buf_reset(b);
        if (!is_gone_status(incs[i].status) &&
            render_incident(p->s, &incs[i], cx->now_ms, b) == PH_OK)
            p->add(p->ctx, b->data, b->len);
    }
}

void cot_outbound_picture(struct cot_server *s, struct store *st, const struct core_user *user,
                          int64_t now, void (*add)(void *ctx, const char *data, size_t len),
                          void *ctx)
{
    struct picture p = {.s = s, .add = add, .ctx = ctx};
    struct arena a;
    struct core_ctx cx;
    struct buf b;

    arena_init(&a);
    buf_init(&b, COT_RENDER_MAX_BYTES);
    cx = (struct core_ctx){.st = st, .arena = &a, .user = user, .client = "cot", .now_ms = now};
    picture_operations(&p, &cx, &b);
    picture_incidents(&p, &cx, &b);
    buf_release(&b);
    arena_release(&a);
}

/* ---- positions from the hub -------------------------------------------------------------------
 */

static size_t str_size(const char *p)
{
    return p != NULL ? strlen(p) + 1 : 0;
}

static const char *str_put(char **at, const char *p)
{
    char *d;
    size_t n;
    if (p == NULL)
        return NULL;
    n = strlen(p) + 1;
    d = *at;
    memcpy(d, p, n);
    *at += n;
    return d;
}

/* One allocation holding the fixes and their strings. */
static struct fix_msg *copy_fixes(const struct livepos_fix *fixes, size_t n)
{
    size_t strs = 0;
    struct fix_msg *m;
    char *at;

    for (size_t i = 0; i < n; i++)
        strs += str_size(fixes[i].uid) + str_size(fixes[i].callsign) +
                str_size(fixes[i].unit_path) + str_size(fixes[i].force) + str_size(fixes[i].source);
    m = xmalloc(sizeof(*m) + n * sizeof(m->fixes[0]) + strs);
    memset(&m->msg, 0, sizeof(m->msg));
    m->n = n;
    at = (char *)&m->fixes[n];
    for (size_t i = 0; i < n; i++) {
        struct livepos_fix *f = &m->fixes[i];
        *f = fixes[i];
        f->uid = str_put(&at, fixes[i].uid);
        f->callsign = str_put(&at, fixes[i].callsign);
        f->unit_path = str_put(&at, fixes[i].unit_path);
        f->force = str_put(&at, fixes[i].force);
        f->source = str_put(&at, fixes[i].source);
    }
    return m;
}

/* On the publisher's thread. */
void cot_outbound_on_hub(void *ctx, const struct livepos_fix *fixes, size_t n)
{
    struct cot_tap *tap = ctx;
    struct cot_server *s;

    if (n == 0)
        return;
    pthread_mutex_lock(&tap->mu);
    s = tap->s;
    if (s == NULL || atomic_load(&s->n_identified) == 0)
        goto out;
    if (n > COT_RELAY_PENDING_MAX) {
        cot_count(s, COT_C_DROP_RELAY, n);
        goto out;
    }
    if (atomic_fetch_add(&s->relay_pending, (int)n) + (int64_t)n > COT_RELAY_PENDING_MAX) {
        atomic_fetch_sub(&s->relay_pending, (int)n);
        cot_count(s, COT_C_DROP_RELAY, n);
        goto out;
    }
    h2o_multithread_send_message(&s->fix_rx, &copy_fixes(fixes, n)->msg);
out:
    pthread_mutex_unlock(&tap->mu);
}

/* May c see f? Connections of one person in a row (a team on one account) ask
 * once: *memo_person and *memo_visible carry the last answer. */
static bool fix_visible(struct cot_server *s, const struct cot_conn *c, const struct livepos_fix *f,
                        int64_t *memo_person, bool *memo_visible)
{
    bool current = c->generation == s->generation;

    if (*memo_person != 0 && current && c->user.person_id == *memo_person)
        return *memo_visible;
    *memo_visible = livepos_visible(&c->user, f);
    *memo_person = current ? c->user.person_id : 0;
    return *memo_visible;
}

static void relay_fix(struct cot_server *s, const struct livepos_fix *f, int64_t now, struct buf *b)
{
    struct cot_blob *bl = NULL;
    h2o_linklist_t *node, *next;
    int64_t memo_person = 0;
    bool memo_visible = false;

    for (node = s->conns.next; node != &s->conns; node = next) {
        struct cot_conn *c = H2O_STRUCT_FROM_MEMBER(struct cot_conn, link, node);
        next = node->next;
        if (!c->identified || cot_conn_is_own(c, f->uid) ||
            !fix_visible(s, c, f, &memo_person, &memo_visible))
            continue;
        if (bl == NULL) { /* rendered once for every connection */
            buf_reset(b);
            if (cot_write_position(b, f, NULL, now, s->stale_ms) != PH_OK)
                break;
            bl = cot_blob_new(b->data, b->len);
        }
        cot_conn_send(c, bl);
    }
    cot_blob_unref(bl);
}

void cot_outbound_on_fixes(h2o_multithread_receiver_t *rx, h2o_linklist_t *messages)
{
    struct cot_server *s = H2O_STRUCT_FROM_MEMBER(struct cot_server, fix_rx, rx);
    struct buf b;

    buf_init(&b, COT_EVENT_MAX_BYTES);
    while (!h2o_linklist_is_empty(messages)) {
        h2o_multithread_message_t *msg =
            H2O_STRUCT_FROM_MEMBER(h2o_multithread_message_t, link, messages->next);
        struct fix_msg *m = H2O_STRUCT_FROM_MEMBER(struct fix_msg, msg, msg);
        int64_t now = time_now_ms();
        h2o_linklist_unlink(&msg->link);
        if (!atomic_load(&s->stopping)) {
            cot_count(s, COT_C_FIXES_IN, m->n);
            for (size_t i = 0; i < m->n; i++)
                relay_fix(s, &m->fixes[i], now, &b);
        }
        atomic_fetch_sub(&s->relay_pending, (int)m->n);
        free(m);
    }
    buf_release(&b);
    cot_conn_flush_all(s);
}

/* ---- incidents, operations and chat from the bus
 * ------------------------------------------------- */

static bool topic_relayed(const char *topic)
{
    return topic != NULL &&
           (strncmp(topic, "incident.", 9) == 0 || strncmp(topic, "operation.", 10) == 0 ||
            strcmp(topic, "message.sent") == 0);
}

/* On the bus thread. */
void cot_outbound_on_bus(void *ctx, struct bus_event *const *evs, size_t n)
{
    struct cot_tap *tap = ctx;
    struct bus_msg *m = NULL;
    size_t k = 0;

    pthread_mutex_lock(&tap->mu);
    if (tap->s == NULL || atomic_load(&tap->s->n_identified) == 0) {
        pthread_mutex_unlock(&tap->mu);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (!topic_relayed(evs[i]->topic))
            continue;
        if (m == NULL) {
            m = xmalloc(sizeof(*m) + n * sizeof(m->evs[0]));
            memset(&m->msg, 0, sizeof(m->msg));
        }
        bus_event_ref(evs[i]);
        m->evs[k++] = evs[i];
    }
    if (m != NULL) {
        m->n = k;
        h2o_multithread_send_message(&tap->s->bus_rx, &m->msg);
    }
    pthread_mutex_unlock(&tap->mu);
}

/* The message id as cx's person may read it. */
static ph_err message_for(struct core_ctx *cx, int64_t id, struct message *out)
{
    struct message_filter f = {.before_id = id + 1, .limit = 1};
    struct message *items = NULL;
    size_t n = 0;
    bool more = false;
    ph_err rc = message_list(cx, &f, &items, &n, &more);

    if (rc != PH_OK)
        return rc;
    if (n == 0 || items[0].id != id)
        return PH_ENOTFOUND;
    *out = items[0];
    return PH_OK;
}

/* A chat line for c; *skip when c's person sent it from a TAK client, which
 * shows it already. */
static ph_err render_message(struct cot_server *s, struct cot_conn *c, struct core_ctx *cx,
                             int64_t id, struct buf *b, bool *skip)
{
    struct message m;
    ph_err rc = message_for(cx, id, &m);

    if (rc == PH_OK && m.from_person_id != 0 && m.from_person_id == c->user.person_id &&
        m.source != NULL && strcmp(m.source, "cot") == 0) {
        *skip = true;
        return PH_OK;
    }
    return rc == PH_OK ? cot_chat_write(b, &m, cx->now_ms, s->stale_ms) : rc;
}

/* ev as CoT for c (read under c's person), into b; PH_OK when there is something
 * to send, unless *skip. */
static ph_err render_event(struct cot_server *s, struct cot_conn *c, const struct bus_event *ev,
                           int64_t now, struct buf *b, bool *skip)
{
    struct arena a;
    struct core_ctx cx;
    ph_err rc = PH_EINVAL;

    *skip = false;
    arena_init(&a);
    cx = user_cx(s, c, &a, now);
    if (strncmp(ev->topic, "incident.", 9) == 0) {
        struct incident inc;
        rc = incident_get(&cx, ev->item_id, &inc);
        if (rc == PH_OK)
            rc = render_incident(s, &inc, now, b);
    } else if (strncmp(ev->topic, "operation.", 10) == 0) {
        struct operation o;
        rc = operation_get(&cx, ev->item_id, &o);
        if (rc == PH_OK)
            rc = render_operation(s, &o, now, b);
    } else if (strcmp(ev->topic, "message.sent") == 0) {
        rc = render_message(s, c, &cx, ev->item_id, b, skip);
    }
    arena_release(&a);
    return rc;
}

static void relay_event(struct cot_server *s, const struct bus_event *ev, struct buf *b)
{
    int64_t now = time_now_ms();
    struct cot_blob *bl = NULL;
    int64_t bl_person = -1;
    uint64_t bl_generation = 0;
    h2o_linklist_t *node, *next;

    for (node = s->conns.next; node != &s->conns; node = next) {
        struct cot_conn *c = H2O_STRUCT_FROM_MEMBER(struct cot_conn, link, node);
        bool skip = false;
        next = node->next;
        if (!c->identified || !bus_event_visible(&c->user, ev))
            continue;
        if (bl == NULL || bl_person != c->user.person_id || bl_generation != c->generation) {
            cot_blob_unref(bl);
            bl = NULL;
            buf_reset(b);
            if (render_event(s, c, ev, now, b, &skip) != PH_OK || skip)
                continue;
            bl = cot_blob_new(b->data, b->len);
            bl_person = c->user.person_id;
            bl_generation = c->generation;
        }
        cot_conn_send(c, bl);
    }
    cot_blob_unref(bl);
}

void cot_outbound_on_bus_events(h2o_multithread_receiver_t *rx, h2o_linklist_t *messages)
{
    struct cot_server *s = H2O_STRUCT_FROM_MEMBER(struct cot_server, bus_rx, rx);
    struct buf b;

    buf_init(&b, COT_RENDER_MAX_BYTES);
    while (!h2o_linklist_is_empty(messages)) {
        h2o_multithread_message_t *msg =
            H2O_STRUCT_FROM_MEMBER(h2o_multithread_message_t, link, messages->next);
        struct bus_msg *m = H2O_STRUCT_FROM_MEMBER(struct bus_msg, msg, msg);
        h2o_linklist_unlink(&msg->link);
        for (size_t i = 0; i < m->n; i++) {
            if (!atomic_load(&s->stopping))
                relay_event(s, m->evs[i], &b);
            bus_event_unref(m->evs[i]);
        }
        free(m);
    }
    buf_release(&b);
    cot_conn_flush_all(s);
}
