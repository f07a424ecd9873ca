/* incident_cache.c - the per-loop cache of incident answers (incident_cache.h).
 *
 * Slots are direct-mapped by id: ids are dense and recent ones are read most, so
 * id modulo a power of two spreads them with no hash and no chain, and an
 * incident pushes out only the one 4096 ids away. Each entry is one allocation
 * (the access item's pointer array, then the JSON, then the paths), so dropping
 * it is one free(). A byte budget bounds the whole: when a new entry would pass
 * it, entries are dropped in slot order from a moving hand (a clock without the
 * reference bit: the budget is only reached by unusually large incidents). */
#include "util/base.h"
#include <pthread.h>
#include "http/incident_cache.h"
#include "core/access.h"
#include "core/ctx.h"
#include "core/incident.h"
#include "proto/pjson.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/mem.h"

struct entry {
    int64_t id;                    /* 0: empty slot */
    struct store_incident_rev rev; /* the freshness it was rendered at */
    int64_t from_ms, until_ms;     /* current for now_ms in [from_ms, until_ms] */
    int64_t version;
    const char *json;
    size_t len;
    /* The access item (core/access.h), its strings in block. */
    enum item_kind kind;
    int classification;
    const char *owner_path, *owner_force;
    const char **sent_to;
    size_t n_sent_to;
    char *block; /* everything above that is not a scalar; freed with the entry */
    size_t bytes;
};

struct incident_cache {
    struct store *st; /* the database the entries were read from */
    struct entry *slots;
    size_t mask;        /* slot count - 1 */
    size_t max_bytes;   /* budget of blocks */
    size_t hand;        /* next slot to drop when over budget */
    struct buf scratch; /* where renderings are written */
    struct incident_cache_stats stats;
};

/* The most one rendering may take (an incident is far smaller: 32 KiB of
 * description, escaped, and its recipients), and the most its buffer keeps. */
#define SCRATCH_MAX_BYTES (4u << 20)
#define SCRATCH_KEEP_BYTES (256u << 10)

/* ---- entries ------------------------------------------------------------------- */

static void entry_drop(struct incident_cache *c, struct entry *e)
{
    if (e->id == 0)
        return;
    c->stats.bytes -= e->bytes;
    c->stats.entries--;
    free(e->block);
    memset(e, 0, sizeof(*e));
}

static void drop_all(struct incident_cache *c)
{
    for (size_t i = 0; i <= c->mask; i++)
        entry_drop(c, &c->slots[i]);
}

static struct entry *slot_of(struct incident_cache *c, int64_t id)
{
    return &c->slots[(uint64_t)id & c->mask];
}

static bool same_rev(const struct store_incident_rev *a, const struct store_incident_rev *b)
{
    return a->rev == b->rev && a->n_recipients == b->n_recipients && a->dir_rev == b->dir_rev;
}

/* The last time at which a rendering made at now_ms still says what incident_get
 * would say. Only "overdue" depends on the time: it is whether some stage still
 * owed has a deadline before now. Between now_ms and a later time t that answer
 * can change only if a deadline d lies in [now_ms, t), so the rendering holds
 * until the earliest deadline at or after now_ms, whoever owes it: counting
 * deadlines that no longer bind (a stage done, a refusal) only ends an entry
 * early, and keeps the rule of what is owed in one place (the store). */
static int64_t valid_until(const struct incident *inc, int64_t now_ms)
{
    int64_t until = INT64_MAX;

    for (size_t i = 0; i < inc->n_recipients; i++) {
        const struct incident_recipient *r = &inc->recipients[i];
        if (r->ack_due_at >= now_ms && r->ack_due_at < until)
            until = r->ack_due_at;
        if (r->verify_due_at >= now_ms && r->verify_due_at < until)
            until = r->verify_due_at;
    }
    return until;
}

static size_t str_bytes(const char *s)
{
    return s != NULL ? strlen(s) + 1 : 0;
}

/* Copy s (may be NULL) to *p, advancing it. */
static const char *put_str(char **p, const char *s)
{
    if (s == NULL)
        return NULL;
    size_t n = strlen(s) + 1;
    char *at = *p;
    memcpy(at, s, n);
    *p += n;
    return at;
}

/* Keep json[0..len), the rendering of inc at freshness rev and time now_ms, in
 * inc's slot. An entry above a sixteenth of the budget is not kept (it would
 * empty the cache of others for one incident). */
static void keep(struct incident_cache *c, const struct incident *inc,
                 const struct store_incident_rev *rev, int64_t now_ms, const char *json, size_t len)
{
    struct access_item item;
    struct entry *e = slot_of(c, inc->id);
    size_t need;
    char *p;

    incident_access_item(inc, &item);
    need = item.n_sent_to * sizeof(char *) + len + 1 + str_bytes(item.owner_path) +
           str_bytes(item.owner_force);
    for (size_t i = 0; i < item.n_sent_to; i++)
        need += str_bytes(item.sent_to_paths[i]);
    entry_drop(c, e);
    if (need > c->max_bytes / 16)
        return;
    while (c->stats.bytes + need > c->max_bytes) {
        struct entry *victim = &c->slots[c->hand];
        c->hand = (c->hand + 1) & c->mask;
        if (victim->id != 0) {
            entry_drop(c, victim);
            c->stats.evicted++;
        }
    }

    e->block = xmalloc(need);
    e->sent_to = (const char **)(void *)e->block; /* malloc aligns for pointers */
    p = e->block + item.n_sent_to * sizeof(char *);
    memcpy(p, json, len);
    p[len] = '\0';
    e->json = p;
    e->len = len;
    p += len + 1;
    e->owner_path = put_str(&p, item.owner_path);
    e->owner_force = put_str(&p, item.owner_force);
    for (size_t i = 0; i < item.n_sent_to; i++)
        e->sent_to[i] = put_str(&p, item.sent_to_paths[i]);
    e->n_sent_to = item.n_sent_to;
    e->kind = item.kind;
    e->classification = item.classification;
    e->id = inc->id;
    e->rev = *rev;
    e->from_ms = now_ms;
    e->until_ms = valid_until(inc, now_ms);
    e->version = inc->version;
    e->bytes = need;
    c->stats.bytes += need;
    c->stats.entries++;
}

static bool entry_allows(const struct entry *e, const struct core_user *who)
{
    const struct access_item item = {
        .kind = e->kind,
        .owner_path = e->owner_path,
        .owner_force = e->owner_force,
        .classification = e->classification,
        .sent_to_paths = e->sent_to,
        .n_sent_to = e->n_sent_to,
    };
    return access_allows(who, ACCESS_READ, &item, NULL);
}

/* ---- the cache ----------------------------------------------------------------- */

struct incident_cache *incident_cache_new(size_t slots, size_t max_bytes)
{
    struct incident_cache *c = xcalloc(1, sizeof(*c));
    size_t n = 1;

    while (n < slots)
        n <<= 1;
    c->slots = xcalloc(n, sizeof(*c->slots));
    c->mask = n - 1;
    c->max_bytes = max_bytes;
    buf_init(&c->scratch, SCRATCH_MAX_BYTES);
    return c;
}

void incident_cache_free(struct incident_cache *c)
{
    if (c == NULL)
        return;
    drop_all(c);
    buf_release(&c->scratch);
    free(c->slots);
    free(c);
}

static pthread_key_t local_key;
static pthread_once_t local_once = PTHREAD_ONCE_INIT;

static void on_thread_exit(void *c)
{
    incident_cache_free(c);
}

static void make_local_key(void)
{
    if (pthread_key_create(&local_key, on_thread_exit) != 0)
        abort(); /* only when the process is out of keys: nothing would work */
}

struct incident_cache *incident_cache_local(void)
{
    struct incident_cache *c;

    pthread_once(&local_once, make_local_key);
    c = pthread_getspecific(local_key);
    if (c == NULL) {
        c = incident_cache_new(INCIDENT_CACHE_SLOTS, INCIDENT_CACHE_MAX_BYTES);
        if (pthread_setspecific(local_key, c) != 0)
            abort();
    }
    return c;
}

/* Render incident id for cx (incident_get checks access) into cx->arena, and keep
 * it as of rev. */
static ph_err render(struct incident_cache *c, struct core_ctx *cx, int64_t id,
                     const struct store_incident_rev *rev, struct incident_view *out)
{
    struct incident inc;
    char *copy;
    ph_err rc = incident_get(cx, id, &inc);

    if (rc != PH_OK)
        return rc;
    buf_reset(&c->scratch);
    rc = pjson_incident_write(&inc, true, &c->scratch);
    if (rc == PH_OK) {
        copy = arena_alloc(cx->arena, c->scratch.len + 1);
        memcpy(copy, c->scratch.data, c->scratch.len + 1);
        keep(c, &inc, rev, cx->now_ms, c->scratch.data, c->scratch.len);
        c->stats.renders++;
        *out = (struct incident_view){.json = copy,
                                      .len = c->scratch.len,
                                      .version = inc.version,
                                      .classification = inc.classification};
    }
    /* One very large incident does not keep its buffer. */
    if (c->scratch.cap > SCRATCH_KEEP_BYTES)
        buf_release(&c->scratch);
    return rc;
}

ph_err incident_cache_get(struct incident_cache *c, struct core_ctx *cx, int64_t id,
                          struct incident_view *out)
{
    struct store_incident_rev rev;
    struct entry *e;
    ph_err rc;

    if (id <= 0)
        return PH_ENOTFOUND;
    if (c->st != cx->st) {
        drop_all(c);
        c->st = cx->st;
    }
    /* Before any rendering: see incident_cache.h on why the order matters. */
    rc = store_incident_rev(cx->st, id, &rev);
    if (rc != PH_OK)
        return rc;
    e = slot_of(c, id);
    /* A clock set back is a time the entry was not made for, too. */
    if (e->id == id && same_rev(&e->rev, &rev) && cx->now_ms >= e->from_ms &&
        cx->now_ms <= e->until_ms) {
        if (!entry_allows(e, cx->user)) {
            c->stats.denied++;
            return PH_ENOTFOUND;
        }
        c->stats.hits++;
        *out = (struct incident_view){.json = e->json,
                                      .len = e->len,
                                      .version = e->version,
                                      .classification = e->classification};
        return PH_OK;
    }
    if (e->id == id) {
        c->stats.stale++;
        entry_drop(c, e);
    }
    return render(c, cx, id, &rev, out);
}

void incident_cache_stats(const struct incident_cache *c, struct incident_cache_stats *out)
{
    *out = c->stats;
}
