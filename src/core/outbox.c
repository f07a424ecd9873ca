/* outbox.c - events stored in the same transaction as the change they announce
 * (the transactional outbox): after a crash there is never a committed change
 * without its event, nor an event for a change that was rolled back. Each event
 * carries who may see it, so that the stream can filter without reading the item
 * again. */
#include "util/base.h"
#include "core/access.h"
#include "core/outbox.h"
#include "store/store.h"
#include "util/arena.h"

/* "owner sent1 sent2": the paths of scope, space-separated, in cx->arena. */
static const char *scope_paths(struct core_ctx *cx, const struct access_item *scope)
{
    size_t len = 0;
    char *s, *p;

    /* Each path and its separator, and the NUL; without an owner the string
     * starts with the separator of the empty first slot. */
    len = scope->owner_path != NULL ? strlen(scope->owner_path) + 1 : 1;
    for (size_t i = 0; i < scope->n_sent_to; i++)
        len += scope->sent_to_paths[i] != NULL ? strlen(scope->sent_to_paths[i]) + 1 : 0;
    if (len == 1)
        return NULL;
    p = s = arena_alloc(cx->arena, len);
    /* An item without an owner keeps an empty first slot, so that the first path
     * is always the owner's. */
    if (scope->owner_path != NULL)
        p += snprintf(p, len, "%s", scope->owner_path);
    for (size_t i = 0; i < scope->n_sent_to; i++) {
        if (scope->sent_to_paths[i] != NULL)
            p += snprintf(p, len - (size_t)(p - s), " %s", scope->sent_to_paths[i]);
    }
    return s;
}

ph_err outbox_emit_text(struct core_ctx *cx, const char *topic, const char *item_kind,
                        int64_t item_id, const char *payload, const struct access_item *scope)
{
    struct store_outbox_event ev = {
        .at = cx->now_ms,
        .topic = topic,
        .item_kind = item_kind,
        .item_id = item_id,
        .payload = payload,
        .access_kind = (int)scope->kind,
        .classification = scope->classification,
        .scope_paths = scope_paths(cx, scope),
    };

    return store_outbox_insert(cx->st, &ev, NULL); /* its id is not needed */
}

ph_err outbox_emit_scoped(struct core_ctx *cx, const char *topic, const char *item_kind, int64_t item_id,
                          json_t *payload, const struct access_item *scope)
{
    char *text = NULL;
    ph_err rc = PH_EINVAL;

    if (payload != NULL && (text = json_dumps(payload, JSON_COMPACT)) == NULL)
        goto out;
    rc = outbox_emit_text(cx, topic, item_kind, item_id, text, scope);
out:
    free(text);
    json_decref(payload);
    return rc;
}

ph_err outbox_emit(struct core_ctx *cx, const char *topic, const char *item_kind, int64_t item_id,
                   json_t *payload)
{
    struct access_item scope = {.kind = ITEM_AREA};

    if (item_kind != NULL && strcmp(item_kind, "person") == 0)
        scope.kind = ITEM_PERSON;
    else if (item_kind != NULL && strcmp(item_kind, "unit") == 0)
        scope.kind = ITEM_UNIT;
    return outbox_emit_scoped(cx, topic, item_kind, item_id, payload, &scope);
}
