/* unit.h - units (đơn vị) of the three forces: a tree per force (province ->
 * district -> commune level), each with areas of responsibility. Units carry a
 * materialised path ("/1/5/23/") that access decisions use. */
#ifndef PH_CORE_UNIT_H
#define PH_CORE_UNIT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "util/err.h"
struct core_ctx;

struct unit {
    int64_t id;
    const char *code;      /* unique short code, e.g. "CA-BT", "BP-DBP-BD" */
    const char *name;      /* "Công an tỉnh Bến Tre" */
    const char *force;     /* "police" | "military" | "border_guard" */
    int64_t parent_id;     /* 0 for a top-level unit */
    const char *level;     /* "province" | "district" | "commune" */
    const char *path;      /* set by the store: "/<ancestor ids>/<id>/" */
    const char *phone;     /* duty phone, or NULL */
    bool is_active;
    int64_t *area_ids;     /* areas of responsibility */
    size_t n_areas;
    int64_t version;
    int64_t created_at, updated_at;
};

struct unit_filter {
    const char *force, *level; /* exact, or NULL */
    int64_t parent_id;         /* 0: any */
    int64_t area_id;           /* responsible for this area; 0: any */
    int64_t within_id;         /* the unit and everything below it; 0: any */
    const char *q;             /* folded name/code contains, or NULL */
    bool include_inactive;
    int64_t after_id;
    int limit;
};

ph_err unit_validate(struct core_ctx *cx, struct unit *u, const char **field) __attribute__((warn_unused_result));
/* Create: the caller must administer the parent's subtree (or be a global admin
 * for a top-level unit), the parent must be of the same force. */
ph_err unit_create(struct core_ctx *cx, struct unit *u, const char **field) __attribute__((warn_unused_result));
/* Update; a new parent must keep the force and not be the unit or below it. */
ph_err unit_update(struct core_ctx *cx, struct unit *u, const char **field) __attribute__((warn_unused_result));
/* Delete; PH_ECONFLICT while people or child units refer to it. */
ph_err unit_delete(struct core_ctx *cx, int64_t id) __attribute__((warn_unused_result));
ph_err unit_get(struct core_ctx *cx, int64_t id, struct unit *out) __attribute__((warn_unused_result));
/* The unit id another record names (an owner, an addressee): no access check
 * (units are directory data), PH_EINVAL when id is not a stored, active unit (the
 * caller names its field), PH_ESTORE when the store fails. *out in cx->arena. */
ph_err unit_get_active(struct core_ctx *cx, int64_t id, struct unit *out) __attribute__((warn_unused_result));
ph_err unit_list(struct core_ctx *cx, const struct unit_filter *f, struct unit **items, size_t *n,
                 bool *has_more) __attribute__((warn_unused_result));
/* "police", "military", "border_guard" are the forces; true when name is one. */
bool force_is_valid(const char *name);
/* True for "province", "district", "commune". */
bool level_is_valid(const char *level);
/* Rank of a level: province 0, district 1, commune 2; -1 when unknown. */
int level_rank(const char *level);
#endif
