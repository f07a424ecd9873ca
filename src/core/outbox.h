/* outbox.h - events written in the same transaction as the change they announce;
 * after commit the event bus (a later issue: SSE, scheduler, publishers) reads them. */
#ifndef PH_CORE_OUTBOX_H
#define PH_CORE_OUTBOX_H
#include <jansson.h>
#include <stdint.h>
#include "core/ctx.h"
#include "util/err.h"

/* topic like "person.created"; payload is a JSON object (stolen; may be NULL). */
ph_err outbox_emit(struct core_ctx *cx, const char *topic, const char *item_kind, int64_t item_id,
                   json_t *payload) __attribute__((warn_unused_result));
#endif
