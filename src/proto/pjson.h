/* pjson.h - the API's JSON shapes of phoihop's records (jansson). Encoders return a
 * new reference; decoders apply the members present in a JSON object onto a record
 * (so one decoder serves create and PATCH), rejecting unknown members and wrong
 * types with PH_EINVAL and *field naming the member. Strings they set live in the
 * arena given; text is NFC-normalised. Validation of values is core's job. */
#ifndef PH_PROTO_PJSON_H
#define PH_PROTO_PJSON_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/area.h"
#include "core/category.h"
#include "core/ctx.h"
#include "core/person.h"
#include "core/unit.h"
#include "util/err.h"
struct arena;

json_t *pjson_area(const struct area *a, bool with_geometry);
json_t *pjson_category(const struct category *c);
json_t *pjson_unit(const struct unit *u);
/* Never includes the password hash. */
json_t *pjson_person(const struct person *p);
/* The caller as /auth/me shows it. */
json_t *pjson_user(const struct core_user *u);
/* {"items":[...], "next_cursor": "..." | null}; takes the items reference. */
json_t *pjson_page(json_t *items, bool has_more, int64_t last_id);
/* An RFC 3339 UTC string for ms, or JSON null for 0. */
json_t *pjson_time(int64_t ms);

ph_err pjson_apply_area(json_t *obj, struct arena *a, struct area *inout, const char **field) __attribute__((warn_unused_result));
ph_err pjson_apply_category(json_t *obj, struct arena *a, struct category *inout, const char **field) __attribute__((warn_unused_result));
ph_err pjson_apply_unit(json_t *obj, struct arena *a, struct unit *inout, const char **field) __attribute__((warn_unused_result));
/* Also extracts "password" (create only: *password NULL when absent or when
 * password is NULL, which makes the member unknown). */
ph_err pjson_apply_person(json_t *obj, struct arena *a, struct person *inout, const char **password,
                          const char **field) __attribute__((warn_unused_result));

/* Cursors are opaque to clients: "c" + base-36 id. PH_EINVAL when malformed. */
ph_err pjson_cursor_decode(const char *s, int64_t *after_id) __attribute__((warn_unused_result));
#endif
