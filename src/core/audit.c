/* audit.c - appending to and verifying the hash-chained audit log. Appends run
 * inside the caller's write transaction (the writer thread's), so reading the last
 * entry and inserting the next cannot interleave with another append. */
#include "util/base.h"
#include <sodium.h>
#include "core/access.h"
#include "core/audit.h"
#include "security/audit_chain.h"
#include "store/store.h"
#include "util/arena.h"

/* Entries read per page by audit_verify: bounds memory for any log size. */
#define AUDIT_VERIFY_PAGE 1000

ph_err audit_record(struct core_ctx *cx, const char *action, const char *item_kind, int64_t item_id,
                    json_t *detail)
{
    char *text = NULL;
    ph_err rc = PH_EINVAL;

    if (detail != NULL) {
        /* Sorted keys and no white space: the same object always hashes the same. */
        text = json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS);
        if (text == NULL)
            goto out;
    }
    rc = audit_record_text(cx, action, item_kind, item_id, text);
out:
    free(text);
    json_decref(detail);
    return rc;
}

ph_err audit_read(struct core_ctx *cx, const char *item_kind, int64_t item_id, int classification)
{
    char action[64];
    const char *name = clearance_name(classification);

    if (name == NULL || item_kind == NULL ||
        (size_t)snprintf(action, sizeof(action), "%s.read", item_kind) >= sizeof(action))
        return PH_EINVAL;
    return audit_record(cx, action, item_kind, item_id, json_pack("{s:s}", "classification", name));
}

ph_err audit_record_text(struct core_ctx *cx, const char *action, const char *item_kind,
                         int64_t item_id, const char *text)
{
    const struct core_user *u = cx->user;
    struct audit_entry e = {0};
    int64_t last_seq = 0;
    ph_err rc;

    rc = store_audit_last(cx->st, &last_seq, e.prev_hash);
    if (rc != PH_OK)
        return rc;
    e.seq = last_seq + 1;
    e.at = cx->now_ms;
    if (u->is_system || u->person_id == 0) {
        e.actor_id = 0;
        e.actor = "system";
    } else {
        e.actor_id = u->person_id;
        e.actor = u->username != NULL ? u->username : "";
    }
    e.action = action;
    e.item_kind = item_kind != NULL ? item_kind : "";
    e.item_id = item_id;
    e.client = cx->client != NULL ? cx->client : "";
    e.detail = text != NULL ? text : "";
    audit_chain_hash(e.prev_hash, &e, e.hash);
    return store_audit_insert(cx->st, &e);
}

/* The first problem of e given the entry before it (seq prev_seq, hash prev), or NULL. */
static const char *check_entry(const struct audit_entry *e, int64_t prev_seq,
                               const uint8_t prev[32])
{
    uint8_t h[32];

    if (e->seq != prev_seq + 1)
        return "missing before";
    if (sodium_memcmp(e->prev_hash, prev, 32) != 0)
        return "inserted or reordered";
    audit_chain_hash(prev, e, h);
    if (sodium_memcmp(h, e->hash, 32) != 0)
        return "altered";
    return NULL;
}

ph_err audit_verify(struct store *st, struct audit_verify_result *r,
                    void (*progress)(void *ctx, int64_t done, int64_t total), void *progress_ctx)
{
    return audit_verify_expect(st, NULL, r, progress, progress_ctx);
}

ph_err audit_verify_expect(struct store *st, const uint8_t expect[32],
                           struct audit_verify_result *r,
                           void (*progress)(void *ctx, int64_t done, int64_t total),
                           void *progress_ctx)
{
    struct audit_verify_result res = {0};
    uint8_t prev[32] = {0};
    int64_t prev_seq = 0, total = 0;
    size_t n = 0;
    ph_err rc = store_audit_count(st, &total);

    if (rc != PH_OK)
        return rc;
    do {
        struct arena a;
        struct audit_entry *items = NULL;

        arena_init(&a);
        rc = store_audit_page(st, &a, prev_seq, AUDIT_VERIFY_PAGE, &items, &n);
        for (size_t i = 0; rc == PH_OK && i < n; i++) {
            const struct audit_entry *e = &items[i];
            const char *problem = res.first_bad_seq == 0 ? check_entry(e, prev_seq, prev) : NULL;
            if (problem != NULL) {
                res.first_bad_seq = e->seq;
                res.problem = problem;
            }
            if (expect != NULL && res.expected_seq == 0 && sodium_memcmp(e->hash, expect, 32) == 0)
                res.expected_seq = e->seq;
            /* Go on from the stored hash: the walk still counts every entry and
             * ends on the real head. */
            memcpy(prev, e->hash, 32);
            prev_seq = e->seq;
            res.entries++;
        }
        arena_release(&a);
        if (rc != PH_OK)
            return rc;
        if (progress != NULL)
            progress(progress_ctx, res.entries, total > res.entries ? total : res.entries);
    } while (n == AUDIT_VERIFY_PAGE);
    memcpy(res.head_hash, prev, 32);
    *r = res;
    return PH_OK;
}
