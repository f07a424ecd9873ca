/* outbox.h - events written in the same transaction as the change they announce;
 * after commit the event bus (a later issue: SSE, scheduler, publishers) reads them. */
#ifndef PH_CORE_OUTBOX_H
#define PH_CORE_OUTBOX_H
#include <jansson.h>
#include <stdint.h>
#include "core/ctx.h"
#include "util/err.h"

struct access_item;

/* topic like "person.created"; payload is a JSON object (stolen; may be NULL).
 * The event is seen by whoever may read reference data (areas, categories, the
 * directory): item_kind "person" and "unit" as ITEM_PERSON / ITEM_UNIT, anything
 * else as ITEM_AREA. */
ph_err outbox_emit(struct core_ctx *cx, const char *topic, const char *item_kind, int64_t item_id,
                   json_t *payload) __attribute__((warn_unused_result));
/* The same for an operational item: the stream shows the event only to those
 * access_allows() lets read scope (kind, classification, owner and sent-to paths
 * are stored with the event). */
ph_err outbox_emit_scoped(struct core_ctx *cx, const char *topic, const char *item_kind, int64_t item_id,
                          json_t *payload, const struct access_item *scope) __attribute__((warn_unused_result));
/* outbox_emit_scoped with the payload already serialised (compact JSON, or NULL
 * for none). */
ph_err outbox_emit_text(struct core_ctx *cx, const char *topic, const char *item_kind,
                        int64_t item_id, const char *payload, const struct access_item *scope)
    __attribute__((warn_unused_result));
#endif
