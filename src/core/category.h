/* category.h - incident categories (loại vụ việc) as data: MISSION.md's defaults,
 * seeded by the schema, and whatever an administrator adds. A category is never
 * deleted (incidents refer to it); it is deactivated instead. Reference data like
 * areas: every role reads, only a global administrator writes. */
#ifndef PH_CORE_CATEGORY_H
#define PH_CORE_CATEGORY_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "util/err.h"
struct core_ctx;

/* Codes are 2..CATEGORY_CODE_MAX of [a-z0-9_]; sort_order 0..CATEGORY_SORT_MAX. */
#define CATEGORY_CODE_MAX 32
#define CATEGORY_SORT_MAX 1000000

struct category {
    int64_t id;             /* 0 until stored */
    const char *code;       /* "drugs"; fixed once created (rules and clients use it) */
    const char *name_vi;    /* "ma túy", NFC */
    const char *name_en;    /* "Drugs" */
    int default_severity;   /* 1 (low) .. 4 (critical): the default of a new incident */
    const char *lead_force; /* "police" | "military" | "border_guard", or NULL: the
                             * category's default only; routing rules decide */
    bool is_active;         /* false: kept for old incidents, offered for no new one */
    int sort_order;         /* the order user interfaces offer categories in */
    int64_t version;        /* starts at 1, +1 per update */
    int64_t created_at, updated_at; /* UTC ms */
};

struct category_filter {
    bool include_inactive; /* false: active categories only */
    const char *q;         /* folded name (Vietnamese or English) contains, or NULL */
    int64_t after_id;      /* keyset cursor: ids > after_id */
    int limit;             /* 1..LIST_MAX_LIMIT */
};

/* Validate in place (trimmed code, NFC names, severity and force ranges). On
 * PH_EINVAL *field names the first bad field. */
ph_err category_validate(struct core_ctx *cx, struct category *c, const char **field) __attribute__((warn_unused_result));
/* Create: access, validate, insert, audit "category.create", outbox
 * "category.created"; in the caller's write transaction. PH_ECONFLICT when the
 * code exists. */
ph_err category_create(struct core_ctx *cx, struct category *c, const char **field) __attribute__((warn_unused_result));
/* Update all fields of c->id; c->version must match (PH_ESTALE otherwise, unless
 * 0). The code cannot change (PH_EINVAL, field "code"). Audit "category.update"
 * with the changed fields, outbox "category.updated". */
ph_err category_update(struct core_ctx *cx, struct category *c, const char **field) __attribute__((warn_unused_result));
/* Strings in *out live in cx->arena. */
ph_err category_get(struct core_ctx *cx, int64_t id, struct category *out) __attribute__((warn_unused_result));
ph_err category_get_by_code(struct core_ctx *cx, const char *code, struct category *out) __attribute__((warn_unused_result));
/* Up to f->limit categories in id order into *items (array in cx->arena);
 * *has_more when more follow. */
ph_err category_list(struct core_ctx *cx, const struct category_filter *f, struct category **items,
                     size_t *n, bool *has_more) __attribute__((warn_unused_result));
#endif
