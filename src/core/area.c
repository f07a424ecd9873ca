/* area.c - areas (địa bàn): validation of the administrative hierarchy and of the
 * GeoJSON outlines, and the services every door calls.
 *
 * Our GeoJSON subset (RFC 7946 §3.1.6, §3.1.7, §3.2): a Polygon or MultiPolygon
 * geometry object, or a Feature whose "geometry" is one. Every linear ring is an
 * array of at least four positions whose first and last are equal; a position is
 * [lon, lat] (further members, such as altitude, are allowed and ignored) with lon
 * in [-180, 180] and lat in [-90, 90]. Ring orientation is not checked: RFC 7946
 * asks parsers not to reject rings for it. Only the geometry object is stored, as
 * compact JSON; a Feature's properties are dropped. */
#include "util/base.h"
#include <jansson.h>
#include "core/access.h"
#include "core/area.h"
#include "core/audit.h"
#include "core/ctx.h"
#include "core/fields.h"
#include "core/outbox.h"
#include "core/unit.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/limits.h"
#include "util/text.h"
#include "util/time.h"

#define AREA_CODE_MAX 32
/* Levels are three deep; a longer chain of parents means corrupt data, not a tree. */
#define AREA_MAX_ANCESTORS 16

static const char *const area_kinds[] = {"inland", "coastal", "border", "sea"};

/* ---- helpers -------------------------------------------------------------------- */

static bool code_valid(const char *s)
{
    size_t n = 0;

    if (s == NULL || s[0] == '\0')
        return false;
    for (; s[n] != '\0'; n++) {
        char c = s[n];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
            return false;
    }
    return n <= AREA_CODE_MAX;
}

static bool kind_valid(const char *kind)
{
    if (kind == NULL)
        return false;
    for (size_t i = 0; i < PH_NELEM(area_kinds); i++)
        if (strcmp(kind, area_kinds[i]) == 0)
            return true;
    return false;
}

/* ---- GeoJSON -------------------------------------------------------------------- */

/* jansson nests up to 2048 levels; our shapes need six, so anything deeper is
 * refused before parsing. Counts brackets outside strings. */
static bool depth_ok(const char *s, size_t n)
{
    int depth = 0;
    bool in_str = false;

    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = false;
        } else if (c == '"') {
            in_str = true;
        } else if (c == '[' || c == '{') {
            if (++depth > GEOJSON_MAX_DEPTH)
                return false;
        } else if (c == ']' || c == '}') {
            depth--;
        }
    }
    return true;
}

static bool position_valid(const json_t *pos, const char **why)
{
    double lon, lat;

    if (!json_is_array(pos) || json_array_size(pos) < 2 || !json_is_number(json_array_get(pos, 0)) ||
        !json_is_number(json_array_get(pos, 1))) {
        *why = "a position must be [lon, lat]";
        return false;
    }
    lon = json_number_value(json_array_get(pos, 0));
    lat = json_number_value(json_array_get(pos, 1));
    if (!(lon >= -180.0 && lon <= 180.0) || !(lat >= -90.0 && lat <= 90.0)) {
        *why = "a position is out of range";
        return false;
    }
    return true;
}

static bool ring_valid(const json_t *ring, const char **why)
{
    size_t n = json_array_size(ring);
    const json_t *first, *last;

    if (!json_is_array(ring) || n < 4) {
        *why = "a ring needs at least four positions";
        return false;
    }
    for (size_t i = 0; i < n; i++)
        if (!position_valid(json_array_get(ring, i), why))
            return false;
    first = json_array_get(ring, 0);
    last = json_array_get(ring, n - 1);
    if (json_number_value(json_array_get(first, 0)) != json_number_value(json_array_get(last, 0)) ||
        json_number_value(json_array_get(first, 1)) != json_number_value(json_array_get(last, 1))) {
        *why = "a ring must end where it starts";
        return false;
    }
    return true;
}

static bool polygon_valid(const json_t *rings, const char **why)
{
    if (!json_is_array(rings) || json_array_size(rings) == 0) {
        *why = "a polygon needs at least one ring";
        return false;
    }
    for (size_t i = 0; i < json_array_size(rings); i++)
        if (!ring_valid(json_array_get(rings, i), why))
            return false;
    return true;
}

static bool geometry_object_valid(const json_t *g, const char **why)
{
    const char *type = json_string_value(json_object_get(g, "type"));
    const json_t *coords = json_object_get(g, "coordinates");

    if (!json_is_object(g) || type == NULL) {
        *why = "not a GeoJSON object";
        return false;
    }
    if (strcmp(type, "Polygon") == 0)
        return polygon_valid(coords, why);
    if (strcmp(type, "MultiPolygon") == 0) {
        if (!json_is_array(coords) || json_array_size(coords) == 0) {
            *why = "a MultiPolygon needs at least one polygon";
            return false;
        }
        for (size_t i = 0; i < json_array_size(coords); i++)
            if (!polygon_valid(json_array_get(coords, i), why))
                return false;
        return true;
    }
    *why = "only Polygon and MultiPolygon are accepted";
    return false;
}

/* Parse and check text; on success *geom is a new reference to the geometry object
 * (the Feature's geometry for a Feature). */
static bool geometry_parse(const char *text, json_t **geom, const char **why)
{
    size_t n = text != NULL ? strlen(text) : 0;
    json_t *root, *g;
    json_error_t jerr;
    const char *type;

    if (text == NULL) {
        *why = "no geometry";
        return false;
    }
    if (n > GEOJSON_MAX_BYTES) {
        *why = "geometry too large";
        return false;
    }
    if (!depth_ok(text, n)) {
        *why = "geometry nested too deeply";
        return false;
    }
    root = json_loadb(text, n, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        *why = "geometry is not JSON";
        return false;
    }
    g = root;
    type = json_string_value(json_object_get(root, "type"));
    if (type != NULL && strcmp(type, "Feature") == 0)
        g = json_object_get(root, "geometry");
    if (!geometry_object_valid(g, why)) {
        json_decref(root);
        return false;
    }
    json_incref(g);
    json_decref(root);
    *geom = g;
    return true;
}

bool area_geometry_valid(const char *geojson, const char **why)
{
    const char *dummy;
    json_t *g = NULL;

    if (why == NULL)
        why = &dummy;
    if (!geometry_parse(geojson, &g, why))
        return false;
    json_decref(g);
    return true;
}

/* ---- validation ------------------------------------------------------------------ */

ph_err area_validate(struct core_ctx *cx, struct area *a, const char **field)
{
    const char *f = NULL;
    ph_err rc = PH_EINVAL;

    f = "code";
    if (!fields_trim_valid(cx->arena, &a->code, code_valid))
        goto out;
    f = "name";
    if (fields_clean_text(cx->arena, a->name, TEXT_MAX_NAME_BYTES, true, &a->name) != PH_OK)
        goto out;
    f = "level";
    if (!level_is_valid(a->level))
        goto out;
    f = "kind";
    if (!kind_valid(a->kind))
        goto out;

    f = "parent_id";
    if (a->parent_id < 0)
        goto out;
    if (a->parent_id > 0) {
        struct area parent;
        rc = store_area_get(cx->st, cx->arena, a->parent_id, &parent);
        if (rc == PH_ENOTFOUND)
            rc = PH_EINVAL;
        if (rc != PH_OK)
            goto out;
        rc = PH_EINVAL;
        if (level_rank(parent.level) < 0 || level_rank(parent.level) >= level_rank(a->level))
            goto out;
    }

    f = "valid_from";
    if (a->valid_from == NULL) {
        char today[11];
        time_today_vn(today);
        a->valid_from = arena_strdup(cx->arena, today);
    }
    if (!time_is_date(a->valid_from))
        goto out;
    f = "valid_to";
    if (a->valid_to != NULL &&
        (!time_is_date(a->valid_to) || strcmp(a->valid_to, a->valid_from) <= 0))
        goto out;

    f = "geometry";
    if (a->geometry != NULL) {
        const char *why = NULL;
        json_t *g = NULL;
        char *s;
        if (!geometry_parse(a->geometry, &g, &why))
            goto out;
        /* 15 significant digits keep coordinates to ~1e-10 degrees without the
         * noise %.17g prints for decimal inputs such as 106.1. */
        s = json_dumps(g, JSON_COMPACT | JSON_REAL_PRECISION(15));
        json_decref(g);
        if (s == NULL) {
            rc = PH_ESTORE;
            goto out;
        }
        a->geometry = arena_strdup(cx->arena, s);
        free(s);
    }
    f = NULL;
    rc = PH_OK;
out:
    if (rc == PH_EINVAL && field != NULL)
        *field = f;
    return rc;
}

/* ---- services ---------------------------------------------------------------------- */

static ph_err check_access(struct core_ctx *cx, enum access_action act)
{
    struct access_item item = {.kind = ITEM_AREA};

    return access_allows(cx->user, act, &item, NULL) ? PH_OK : PH_EPERM;
}

static json_t *area_summary(const struct area *a)
{
    return json_pack("{s:I, s:o, s:o, s:o, s:o, s:I, s:o, s:o, s:b, s:I}", "id", (json_int_t)a->id,
                     "code", fields_jstr(a->code), "name", fields_jstr(a->name), "level",
                     fields_jstr(a->level), "kind", fields_jstr(a->kind), "parent_id",
                     (json_int_t)a->parent_id, "valid_from", fields_jstr(a->valid_from), "valid_to",
                     fields_jstr(a->valid_to), "has_geometry", a->geometry != NULL, "version",
                     (json_int_t)a->version);
}

ph_err area_create(struct core_ctx *cx, struct area *a, const char **field)
{
    char *folded;
    int64_t id = 0;
    ph_err rc;

    rc = check_access(cx, ACCESS_CREATE);
    if (rc != PH_OK)
        goto out;
    rc = area_validate(cx, a, field);
    if (rc != PH_OK)
        goto out;
    folded = text_fold(cx->arena, a->name);
    a->version = 1;
    a->created_at = a->updated_at = cx->now_ms;
    rc = store_area_insert(cx->st, a, folded, &id);
    if (rc != PH_OK)
        goto out;
    a->id = id;
    rc = audit_record(cx, "area.create", "area", id, area_summary(a));
    if (rc != PH_OK)
        goto out;
    rc = outbox_emit(cx, "area.created", "area", id, area_summary(a));
out:
    return rc;
}

/* PH_EINVAL when new_parent is a (the area itself) or lies below it. */
static ph_err check_not_ancestor(struct core_ctx *cx, int64_t id, int64_t new_parent)
{
    int64_t cur = new_parent;

    for (int i = 0; cur != 0; i++) {
        struct area p;
        ph_err rc;
        if (cur == id || i >= AREA_MAX_ANCESTORS)
            return PH_EINVAL;
        rc = store_area_get(cx->st, cx->arena, cur, &p);
        if (rc != PH_OK)
            return rc == PH_ENOTFOUND ? PH_EINVAL : rc;
        cur = p.parent_id;
    }
    return PH_OK;
}

/* PH_EINVAL when a child of id would no longer be of a lower level than rank. */
static ph_err check_children_below(struct core_ctx *cx, int64_t id, int rank)
{
    struct area_filter f = {.parent_id = id, .limit = LIST_MAX_LIMIT};
    bool more = true;

    while (more) {
        struct area *items = NULL;
        size_t n = 0;
        ph_err rc = store_area_list(cx->st, cx->arena, &f, &items, &n, &more);
        if (rc != PH_OK)
            return rc;
        for (size_t i = 0; i < n; i++) {
            if (level_rank(items[i].level) <= rank)
                return PH_EINVAL;
            f.after_id = items[i].id;
        }
        if (n == 0)
            break;
    }
    return PH_OK;
}

ph_err area_update(struct core_ctx *cx, struct area *a, const char **field)
{
    struct area old;
    json_t *d = NULL;
    char *folded;
    ph_err rc;

    rc = store_area_get(cx->st, cx->arena, a->id, &old);
    if (rc != PH_OK)
        goto out;
    rc = check_access(cx, ACCESS_UPDATE);
    if (rc != PH_OK)
        goto out;
    rc = area_validate(cx, a, field);
    if (rc != PH_OK)
        goto out;
    if (a->parent_id != old.parent_id) {
        rc = check_not_ancestor(cx, a->id, a->parent_id);
        if (rc != PH_OK) {
            if (rc == PH_EINVAL && field != NULL)
                *field = "parent_id";
            goto out;
        }
    }
    if (!fields_str_eq(a->level, old.level)) {
        rc = check_children_below(cx, a->id, level_rank(a->level));
        if (rc != PH_OK) {
            if (rc == PH_EINVAL && field != NULL)
                *field = "level";
            goto out;
        }
    }
    folded = text_fold(cx->arena, a->name);
    a->created_at = old.created_at;
    a->updated_at = cx->now_ms;
    rc = store_area_update(cx->st, a, folded);
    if (rc != PH_OK)
        goto out;
    a->version = old.version + 1;

    d = json_object();
    fields_diff_str(d, "code", old.code, a->code);
    fields_diff_str(d, "name", old.name, a->name);
    fields_diff_str(d, "level", old.level, a->level);
    fields_diff_str(d, "kind", old.kind, a->kind);
    fields_diff_int(d, "parent_id", old.parent_id, a->parent_id);
    fields_diff_str(d, "valid_from", old.valid_from, a->valid_from);
    fields_diff_str(d, "valid_to", old.valid_to, a->valid_to);
    /* Outlines can be megabytes: the log says that it changed, not how. */
    if (!fields_str_eq(old.geometry, a->geometry))
        fields_diff_set(d, "geometry", json_boolean(old.geometry != NULL),
                        json_boolean(a->geometry != NULL));
    rc = audit_record(cx, "area.update", "area", a->id, d);
    if (rc != PH_OK)
        goto out;
    rc = outbox_emit(cx, "area.updated", "area", a->id, area_summary(a));
out:
    return rc;
}

ph_err area_delete(struct core_ctx *cx, int64_t id)
{
    struct area old;
    ph_err rc;

    rc = store_area_get(cx->st, cx->arena, id, &old);
    if (rc != PH_OK)
        goto out;
    rc = check_access(cx, ACCESS_DELETE);
    if (rc != PH_OK)
        goto out;
    rc = store_area_delete(cx->st, id);
    if (rc != PH_OK)
        goto out;
    rc = audit_record(
        cx, "area.delete", "area", id,
        json_pack("{s:o, s:o}", "code", fields_jstr(old.code), "name", fields_jstr(old.name)));
    if (rc != PH_OK)
        goto out;
    rc = outbox_emit(cx, "area.deleted", "area", id, json_pack("{s:I}", "id", (json_int_t)id));
out:
    return rc;
}

ph_err area_get(struct core_ctx *cx, int64_t id, struct area *out)
{
    ph_err rc = check_access(cx, ACCESS_READ);

    if (rc == PH_OK)
        rc = store_area_get(cx->st, cx->arena, id, out);
    return rc;
}

ph_err area_list(struct core_ctx *cx, const struct area_filter *f, struct area **items, size_t *n,
                 bool *has_more)
{
    struct area_filter g = *f;
    ph_err rc = check_access(cx, ACCESS_READ);

    if (rc != PH_OK)
        return rc;
    fields_list_filter(cx->arena, &g.limit, &g.q);
    return store_area_list(cx->st, cx->arena, &g, items, n, has_more);
}
