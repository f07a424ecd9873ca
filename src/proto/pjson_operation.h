/* pjson_operation.h - the API's JSON shapes of operations, their results log and
 * summary, assets, and the coverage statistics (docs/API.md, "Operations"), in
 * proto/pjson.h's conventions: encoders return a new reference; decoders apply
 * the members present onto a record (one decoder for create and PATCH), refuse
 * unknown members and wrong JSON types with PH_EINVAL and *field naming the
 * member, and leave values (ranges, existence, the clock) to core. Strings they
 * set live in the arena given, text in NFC. */
#ifndef PH_PROTO_PJSON_OPERATION_H
#define PH_PROTO_PJSON_OPERATION_H
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include "util/err.h"
struct arena;
struct asset;
struct coverage_area;
struct operation;
struct operation_log_entry;
struct operation_summary;

/* An operation: "geometry" as the GeoJSON object it is (null when with_geometry
 * is false: lists leave it out unless asked), "bbox": [min_lon, min_lat, max_lon,
 * max_lat], classification by name, times RFC 3339, "units" (the owner first,
 * with code, name, force and role), "unit_ids" (the same ids), people_ids,
 * asset_ids, area_ids. */
json_t *pjson_operation(const struct operation *o, bool with_geometry);
/* {"operation_id", "entries", "people_checked", "vehicles_checked",
 * "vessels_checked", "violations", "incidents", "duration_ms", "duration_hours"}. */
json_t *pjson_operation_summary(int64_t operation_id, const struct operation_summary *s);
/* A results log entry: "location": {"lat","lon"} or null, "incident_id" or null. */
json_t *pjson_operation_log_entry(const struct operation_log_entry *e);
json_t *pjson_asset(const struct asset *a);
/* One area of the coverage figures: "hours_by_force": {"police", "military",
 * "border_guard"}, "longest_gap_hours", "longest_gap_days", "last_covered_at". */
json_t *pjson_coverage_area(const struct coverage_area *c);

/* Apply the members of an operation request. "geometry" must be a JSON object
 * (kept as its compact text for core to check); "owner_unit_id" is taken only
 * when creating (afterwards it is read-only, as are status, times set by the
 * workflow and everything computed). */
ph_err pjson_apply_operation(json_t *obj, struct arena *a, struct operation *inout, bool creating,
                             const char **field) __attribute__((warn_unused_result));

/* The body of POST /operations/{id}/status. */
struct pjson_operation_status {
    const char *status, *reason; /* reason: NULL when absent or null */
    int64_t at;                  /* 0 when absent or null */
    int64_t version;             /* as If-Match; 0 when absent */
};
ph_err pjson_apply_operation_status(json_t *obj, struct arena *a, struct pjson_operation_status *out,
                                    const char **field) __attribute__((warn_unused_result));

/* Apply a results log entry request. "incident" (an object, or null for none)
 * is not decoded here: *incident gets it (borrowed from obj; NULL when absent or
 * null) for the caller to apply as an incident (pjson_apply_incident). */
ph_err pjson_apply_operation_log(json_t *obj, struct arena *a, struct operation_log_entry *inout,
                                 json_t **incident, const char **field) __attribute__((warn_unused_result));

ph_err pjson_apply_asset(json_t *obj, struct arena *a, struct asset *inout, const char **field) __attribute__((warn_unused_result));
#endif
