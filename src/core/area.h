/* area.h - areas (địa bàn): the administrative hierarchy province -> district ->
 * commune (and sea areas), each with an official code, a kind, an optional GeoJSON
 * geometry and a validity period so that reorganisations keep history. */
#ifndef PH_CORE_AREA_H
#define PH_CORE_AREA_H
#include <stdbool.h>
#include <stdint.h>
#include "util/err.h"
struct core_ctx;

struct area {
    int64_t id;             /* 0 until stored */
    const char *code;       /* official code, e.g. "83" (province), "829" (district) */
    const char *name;       /* "Xã Bình Thắng", NFC */
    const char *level;      /* "province" | "district" | "commune" */
    const char *kind;       /* "inland" | "coastal" | "border" | "sea" */
    int64_t parent_id;      /* 0 for a province */
    const char *geometry;   /* GeoJSON Polygon/MultiPolygon text, or NULL */
    const char *valid_from; /* "YYYY-MM-DD" */
    const char *valid_to;   /* "YYYY-MM-DD" (exclusive) or NULL while valid */
    int64_t version;        /* starts at 1, +1 per update */
    int64_t created_at, updated_at; /* UTC ms */
};

struct area_filter {
    const char *level, *kind, *code; /* exact, or NULL */
    int64_t parent_id;               /* 0: any */
    const char *q;                   /* folded name contains (text_fold()), or NULL */
    const char *at;                  /* "YYYY-MM-DD": only areas valid that day, or NULL */
    bool with_geometry;              /* lists omit geometry unless asked */
    int64_t after_id;                /* keyset cursor: ids > after_id */
    int limit;                       /* 1..LIST_MAX_LIMIT */
};

/* Validate in place (NFC names, known level/kind, dates, GeoJSON shape, parent
 * level above child). On PH_EINVAL *field names the first bad field. */
ph_err area_validate(struct core_ctx *cx, struct area *a, const char **field) __attribute__((warn_unused_result));
/* Create: access, validate, insert, audit, outbox; in a write transaction.
 * *field is set on PH_EINVAL. PH_ECONFLICT when code+valid_from exists. */
ph_err area_create(struct core_ctx *cx, struct area *a, const char **field) __attribute__((warn_unused_result));
/* Update all fields of a->id; a->version must match (PH_ESTALE otherwise, unless 0). */
ph_err area_update(struct core_ctx *cx, struct area *a, const char **field) __attribute__((warn_unused_result));
/* Delete; PH_ECONFLICT when children, units or later records refer to it. */
ph_err area_delete(struct core_ctx *cx, int64_t id) __attribute__((warn_unused_result));
ph_err area_get(struct core_ctx *cx, int64_t id, struct area *out) __attribute__((warn_unused_result));
/* Up to f->limit areas into *items (array in cx->arena); *has_more when more follow. */
ph_err area_list(struct core_ctx *cx, const struct area_filter *f, struct area **items, size_t *n,
                 bool *has_more) __attribute__((warn_unused_result));
/* Lightweight GeoJSON check: a Polygon or MultiPolygon geometry (or a Feature with
 * one) whose rings are closed arrays of [lon, lat] in range. *why says what is wrong. */
bool area_geometry_valid(const char *geojson, const char **why);
#endif
