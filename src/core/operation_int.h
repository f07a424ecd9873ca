/* operation_int.h - what the files of core/operation.h share (operation.c: plans
 * and the workflow; operation_log.c: the results log; coverage.c: geometry, the
 * areas an operation covers, and the coverage figures). Internal to core/. */
#ifndef PH_CORE_OPERATION_INT_H
#define PH_CORE_OPERATION_INT_H
#include <jansson.h>
#include "core/access.h"
#include "core/operation.h"
#include "util/err.h"

/* Operation id as the caller may act on it (act): PH_ENOTFOUND when it does not
 * exist or the caller may not read it, PH_EPERM when the caller may read it but
 * not act. *out (units filled) lives in cx->arena. */
ph_err operation_load(struct core_ctx *cx, int64_t id, enum access_action act,
                      struct operation *out) __attribute__((warn_unused_result));
/* Emit topic for o (as stored after the change) with its access scope; the
 * members of extra (stolen; may be NULL) are merged into the payload. */
ph_err operation_emit(struct core_ctx *cx, const char *topic, const struct operation *o,
                      json_t *extra) __attribute__((warn_unused_result));

/* Check o->geometry (see coverage.c): a GeoJSON Point, LineString or Polygon
 * geometry object, coordinates in range, a route of 2 points or more, rings
 * closed with 4 points or more, at most OPERATION_GEOMETRY_MAX_BYTES. On PH_OK
 * o->geometry is its compact text, o->geometry_kind and the bounding box are
 * set (strings in cx->arena); PH_EINVAL otherwise. */
ph_err operation_geometry_check(struct core_ctx *cx, struct operation *o) __attribute__((warn_unused_result));
/* The areas o's (checked) geometry covers, into o->area_ids (cx->arena). */
ph_err operation_areas_resolve(struct core_ctx *cx, struct operation *o) __attribute__((warn_unused_result));
#endif
