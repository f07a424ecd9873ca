/* outbox.c - events stored in the same transaction as the change they announce
 * (the transactional outbox): after a crash there is never a committed change
 * without its event, nor an event for a change that was rolled back. */
#include "util/base.h"
#include "core/outbox.h"
#include "store/store.h"

ph_err outbox_emit(struct core_ctx *cx, const char *topic, const char *item_kind, int64_t item_id,
                   json_t *payload)
{
    struct store_outbox_event ev = {
        .at = cx->now_ms,
        .topic = topic,
        .item_kind = item_kind,
        .item_id = item_id,
    };
    char *text = NULL;
    int64_t id;
    ph_err rc = PH_EINVAL;

    if (payload != NULL && (text = json_dumps(payload, JSON_COMPACT)) == NULL)
        goto out;
    ev.payload = text;
    rc = store_outbox_insert(cx->st, &ev, &id);
out:
    free(text);
    json_decref(payload);
    return rc;
}
