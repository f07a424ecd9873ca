/* livepos.c - the live-position hub (events/livepos.h): a list of subscribers
 * under a read-write lock. Publishing takes the read side, so publishers on
 * several threads (the HTTP loops after their writes, the CoT listener) run
 * at once; subscribing takes the write side, which happens at start-up. */
#include "util/base.h"
#include <pthread.h>
#include <stdatomic.h>
#include "core/access.h"
#include "events/livepos.h"
#include "util/mem.h"

struct livepos_sub {
    livepos_fn fn;
    void *ctx;
};

struct livepos {
    pthread_rwlock_t lock;
    struct livepos_sub *subs;
    size_t n_subs, cap;
    atomic_uint_fast64_t published;
};

struct livepos *livepos_create(void)
{
    struct livepos *h = xcalloc(1, sizeof(*h));

    pthread_rwlock_init(&h->lock, NULL);
    atomic_init(&h->published, 0);
    return h;
}

void livepos_subscribe(struct livepos *h, livepos_fn fn, void *ctx)
{
    pthread_rwlock_wrlock(&h->lock);
    if (h->n_subs == h->cap) {
        h->cap = h->cap ? 2 * h->cap : 8;
        h->subs = xrealloc(h->subs, h->cap * sizeof(*h->subs));
    }
    h->subs[h->n_subs++] = (struct livepos_sub){fn, ctx};
    pthread_rwlock_unlock(&h->lock);
}

void livepos_publish(struct livepos *h, const struct livepos_fix *fixes, size_t n)
{
    if (h == NULL || n == 0)
        return;
    pthread_rwlock_rdlock(&h->lock);
    for (size_t i = 0; i < h->n_subs; i++)
        h->subs[i].fn(h->subs[i].ctx, fixes, n);
    pthread_rwlock_unlock(&h->lock);
    atomic_fetch_add(&h->published, (uint64_t)n);
}

uint64_t livepos_published(struct livepos *h)
{
    return h != NULL ? atomic_load(&h->published) : 0;
}

void livepos_destroy(struct livepos *h)
{
    if (h == NULL)
        return;
    pthread_rwlock_destroy(&h->lock);
    free(h->subs);
    free(h);
}

bool livepos_visible(const struct core_user *who, const struct livepos_fix *fix)
{
    struct access_item item = {
        .kind = ITEM_OPERATIONAL,
        .owner_path = fix->unit_path,
        .owner_force = fix->force,
        .classification = CLEARANCE_UNCLASSIFIED,
    };

    /* A fix without its unit's path is nobody's: only the system sees it. */
    if (fix->unit_path == NULL)
        return who != NULL && who->is_system;
    return access_allows(who, ACCESS_READ, &item, NULL);
}
