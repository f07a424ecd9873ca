/* pjson.c - JSON shapes of areas, categories, units, people and the caller (docs/API.md).
 *
 * Decoders walk the members of the request object: each known member is checked
 * for its JSON type and copied (NFC) into the record; an unknown member is an
 * error, so that a typo ("fullname") is reported instead of silently ignored. */
#include "util/base.h"
#include <limits.h>
#include "proto/pjson.h"
#include "core/access.h"
#include "core/fields.h"
#include "util/arena.h"
#include "util/text.h"
#include "util/time.h"

/* ---- encoding ------------------------------------------------------------------ */

json_t *pjson_time(int64_t ms)
{
    if (ms == 0)
        return json_null();
    char s[TIME_RFC3339_BYTES];
    time_format_utc(ms, s);
    return json_string(s);
}

static json_t *id_or_null(int64_t id)
{
    return id ? json_integer(id) : json_null();
}

json_t *pjson_area(const struct area *a, bool with_geometry)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(a->id));
    json_object_set_new(o, "code", fields_jstr(a->code));
    json_object_set_new(o, "name", fields_jstr(a->name));
    json_object_set_new(o, "level", fields_jstr(a->level));
    json_object_set_new(o, "kind", fields_jstr(a->kind));
    json_object_set_new(o, "parent_id", id_or_null(a->parent_id));
    json_object_set_new(o, "valid_from", fields_jstr(a->valid_from));
    json_object_set_new(o, "valid_to", fields_jstr(a->valid_to));
    if (with_geometry) {
        json_t *g = a->geometry ? json_loads(a->geometry, 0, NULL) : NULL;
        json_object_set_new(o, "geometry", g ? g : json_null());
    }
    json_object_set_new(o, "version", json_integer(a->version));
    json_object_set_new(o, "created_at", pjson_time(a->created_at));
    json_object_set_new(o, "updated_at", pjson_time(a->updated_at));
    return o;
}

json_t *pjson_category(const struct category *c)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(c->id));
    json_object_set_new(o, "code", fields_jstr(c->code));
    json_object_set_new(o, "name_vi", fields_jstr(c->name_vi));
    json_object_set_new(o, "name_en", fields_jstr(c->name_en));
    json_object_set_new(o, "default_severity", json_integer(c->default_severity));
    json_object_set_new(o, "lead_force", fields_jstr(c->lead_force));
    json_object_set_new(o, "is_active", json_boolean(c->is_active));
    json_object_set_new(o, "sort_order", json_integer(c->sort_order));
    json_object_set_new(o, "version", json_integer(c->version));
    json_object_set_new(o, "created_at", pjson_time(c->created_at));
    json_object_set_new(o, "updated_at", pjson_time(c->updated_at));
    return o;
}

json_t *pjson_unit(const struct unit *u)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(u->id));
    json_object_set_new(o, "code", fields_jstr(u->code));
    json_object_set_new(o, "name", fields_jstr(u->name));
    json_object_set_new(o, "force", fields_jstr(u->force));
    json_object_set_new(o, "parent_id", id_or_null(u->parent_id));
    json_object_set_new(o, "level", fields_jstr(u->level));
    json_object_set_new(o, "path", fields_jstr(u->path));
    json_object_set_new(o, "phone", fields_jstr(u->phone));
    json_object_set_new(o, "is_active", json_boolean(u->is_active));
    json_object_set_new(o, "area_ids", fields_ids_json(u->area_ids, u->n_areas));
    json_object_set_new(o, "version", json_integer(u->version));
    json_object_set_new(o, "created_at", pjson_time(u->created_at));
    json_object_set_new(o, "updated_at", pjson_time(u->updated_at));
    return o;
}

json_t *pjson_person(const struct person *p)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(p->id));
    json_object_set_new(o, "username", fields_jstr(p->username));
    json_object_set_new(o, "full_name", fields_jstr(p->full_name));
    json_object_set_new(o, "rank", fields_jstr(p->rank));
    json_object_set_new(o, "position", fields_jstr(p->position));
    json_object_set_new(o, "unit_id", id_or_null(p->unit_id));
    json_object_set_new(o, "roles", fields_roles_json(p->roles));
    json_object_set_new(o, "clearance", json_string(clearance_name(p->clearance)));
    json_object_set_new(o, "phone", fields_jstr(p->phone));
    json_object_set_new(o, "email", fields_jstr(p->email));
    json_object_set_new(o, "is_disabled", json_boolean(p->is_disabled));
    json_object_set_new(o, "has_password", json_boolean(p->has_password));
    json_object_set_new(o, "locked_until", pjson_time(p->locked_until));
    json_object_set_new(o, "version", json_integer(p->version));
    json_object_set_new(o, "created_at", pjson_time(p->created_at));
    json_object_set_new(o, "updated_at", pjson_time(p->updated_at));
    return o;
}

json_t *pjson_user(const struct core_user *u)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(u->person_id));
    json_object_set_new(o, "username", fields_jstr(u->username));
    json_object_set_new(o, "full_name", fields_jstr(u->full_name));
    json_object_set_new(o, "roles", fields_roles_json(u->roles));
    json_object_set_new(o, "clearance", json_string(clearance_name(u->clearance)));
    json_object_set_new(o, "unit_id", id_or_null(u->unit_id));
    json_object_set_new(o, "unit_path", fields_jstr(u->unit_path));
    json_object_set_new(o, "unit_level", fields_jstr(u->unit_level));
    json_object_set_new(o, "force", fields_jstr(u->force));
    return o;
}

static void cursor_encode(int64_t id, char out[24])
{
    char digits[16];
    int n = 0;
    uint64_t v = (uint64_t)id;
    do {
        int d = (int)(v % 36);
        digits[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
        v /= 36;
    } while (v && n < (int)sizeof(digits));
    out[0] = 'c';
    for (int i = 0; i < n; i++)
        out[1 + i] = digits[n - 1 - i];
    out[1 + n] = '\0';
}

json_t *pjson_page(json_t *items, bool has_more, int64_t last_id)
{
    json_t *o = json_object();
    json_object_set_new(o, "items", items);
    if (has_more) {
        char c[24];
        cursor_encode(last_id, c);
        json_object_set_new(o, "next_cursor", json_string(c));
    } else {
        json_object_set_new(o, "next_cursor", json_null());
    }
    return o;
}

ph_err pjson_cursor_decode(const char *s, int64_t *after_id)
{
    /* INT64_MAX takes 13 base-36 digits ("c1y2p0ij32e8e7"); the overflow check
     * below refuses larger values of that length. */
    if (s == NULL || s[0] != 'c' || s[1] == '\0' || strlen(s) > 1 + 13)
        return PH_EINVAL;
    int64_t v = 0;
    for (const char *p = s + 1; *p; p++) {
        int d;
        if (*p >= '0' && *p <= '9')
            d = *p - '0';
        else if (*p >= 'a' && *p <= 'z')
            d = *p - 'a' + 10;
        else
            return PH_EINVAL;
        if (v > (INT64_MAX - d) / 36)
            return PH_EINVAL;
        v = v * 36 + d;
    }
    *after_id = v;
    return PH_OK;
}

/* ---- decoding ------------------------------------------------------------------ */

/* A string member (or null when nullable) copied to the arena in NFC. */
static ph_err get_text(json_t *v, struct arena *a, bool nullable, const char **out)
{
    if (json_is_null(v) && nullable) {
        *out = NULL;
        return PH_OK;
    }
    if (!json_is_string(v))
        return PH_EINVAL;
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (strlen(s) != n || !text_is_clean_utf8(s, n)) /* embedded NUL or control chars */
        return PH_EINVAL;
    char *nfc;
    if (text_nfc(a, s, &nfc) != PH_OK)
        return PH_EINVAL;
    *out = nfc;
    return PH_OK;
}

static ph_err get_id(json_t *v, bool nullable, int64_t *out)
{
    if (json_is_null(v) && nullable) {
        *out = 0;
        return PH_OK;
    }
    if (!json_is_integer(v) || json_integer_value(v) <= 0)
        return PH_EINVAL;
    *out = json_integer_value(v);
    return PH_OK;
}

/* Any integer that fits an int; ranges are core's to check. */
static ph_err get_int(json_t *v, int *out)
{
    if (!json_is_integer(v) || json_integer_value(v) < INT_MIN || json_integer_value(v) > INT_MAX)
        return PH_EINVAL;
    *out = (int)json_integer_value(v);
    return PH_OK;
}

static ph_err get_bool(json_t *v, bool *out)
{
    if (!json_is_boolean(v))
        return PH_EINVAL;
    *out = json_is_true(v);
    return PH_OK;
}

/* The geometry member: an object serialised compactly, or null. */
static ph_err get_geometry(json_t *v, struct arena *a, const char **out)
{
    if (json_is_null(v)) {
        *out = NULL;
        return PH_OK;
    }
    if (!json_is_object(v))
        return PH_EINVAL;
    char *s = json_dumps(v, JSON_COMPACT);
    if (s == NULL)
        return PH_EINVAL;
    *out = arena_strdup(a, s);
    free(s);
    return PH_OK;
}

static ph_err get_area_ids(json_t *v, struct arena *a, int64_t **ids, size_t *n)
{
    if (!json_is_array(v) || json_array_size(v) > 10000)
        return PH_EINVAL;
    size_t k = json_array_size(v);
    int64_t *out = arena_alloc(a, (k ? k : 1) * sizeof(*out));
    for (size_t i = 0; i < k; i++)
        if (get_id(json_array_get(v, i), false, &out[i]) != PH_OK)
            return PH_EINVAL;
    *ids = out;
    *n = k;
    return PH_OK;
}

static ph_err get_roles(json_t *v, unsigned *out)
{
    if (!json_is_array(v))
        return PH_EINVAL;
    unsigned roles = 0;
    size_t i;
    json_t *r;
    json_array_foreach(v, i, r) {
        unsigned bit = json_is_string(r) ? role_parse(json_string_value(r)) : 0;
        if (bit == 0)
            return PH_EINVAL;
        roles |= bit;
    }
    *out = roles;
    return PH_OK;
}

static ph_err get_clearance(json_t *v, int *out)
{
    int c = json_is_string(v) ? clearance_parse(json_string_value(v)) : -1;
    if (c < 0)
        return PH_EINVAL;
    *out = c;
    return PH_OK;
}

/* What a member of a request object is, and so how it is read. */
enum member_kind {
    KIND_TEXT,         /* string, NFC */
    KIND_TEXT_OR_NULL, /* string, or null for none */
    KIND_ID,           /* positive integer */
    KIND_ID_OR_NULL,   /* positive integer, or null for 0 */
    KIND_INT,          /* integer that fits an int */
    KIND_BOOL,         /* true or false */
    KIND_GEOMETRY,     /* object (kept as compact text), or null */
    KIND_ROLES,        /* array of role names, into ROLE_* bits */
    KIND_CLEARANCE,    /* clearance name, into CLEARANCE_* */
    KIND_IDS,          /* array of positive integers, with its count at off_n */
    KIND_PASSWORD,     /* string, into the password slot (create only) */
    KIND_READ_ONLY,    /* ignored: a client may send back what it got */
};

/* One member of a record's request object: its name, its kind, and where the
 * kind writes in the record (offsets; off_n only for KIND_IDS). */
struct member {
    const char *name;
    enum member_kind kind;
    size_t off, off_n;
};

/* offsetof(struct rec, f), and a compile-time error unless f has type t: the
 * table cannot send a kind to a field of another C type. */
/* clang-format off */
#define FIELD_AT(rec, f, t) \
    (offsetof(struct rec, f) + 0 * sizeof(char[_Generic(((struct rec *)0)->f, t: 1, default: -1)]))
#define M_TEXT(rec, f) {#f, KIND_TEXT, FIELD_AT(rec, f, const char *), 0}
#define M_TEXT_OR_NULL(rec, f) {#f, KIND_TEXT_OR_NULL, FIELD_AT(rec, f, const char *), 0}
#define M_ID(rec, f) {#f, KIND_ID, FIELD_AT(rec, f, int64_t), 0}
#define M_ID_OR_NULL(rec, f) {#f, KIND_ID_OR_NULL, FIELD_AT(rec, f, int64_t), 0}
#define M_INT(rec, f) {#f, KIND_INT, FIELD_AT(rec, f, int), 0}
#define M_BOOL(rec, f) {#f, KIND_BOOL, FIELD_AT(rec, f, bool), 0}
#define M_GEOMETRY(rec, f) {#f, KIND_GEOMETRY, FIELD_AT(rec, f, const char *), 0}
#define M_ROLES(rec, f) {#f, KIND_ROLES, FIELD_AT(rec, f, unsigned), 0}
#define M_CLEARANCE(rec, f) {#f, KIND_CLEARANCE, FIELD_AT(rec, f, int), 0}
#define M_IDS(rec, f, n) {#f, KIND_IDS, FIELD_AT(rec, f, int64_t *), FIELD_AT(rec, n, size_t)}
#define M_PASSWORD {"password", KIND_PASSWORD, 0, 0}
#define M_READ_ONLY(name) {name, KIND_READ_ONLY, 0, 0}

static const struct member area_members[] = {
    M_TEXT(area, code),
    M_TEXT(area, name),
    M_TEXT(area, level),
    M_TEXT(area, kind),
    M_ID_OR_NULL(area, parent_id),
    M_GEOMETRY(area, geometry),
    M_TEXT(area, valid_from),
    M_TEXT_OR_NULL(area, valid_to),
    M_ID(area, version),
    M_READ_ONLY("id"),
    M_READ_ONLY("created_at"),
    M_READ_ONLY("updated_at"),
};

static const struct member category_members[] = {
    M_TEXT(category, code),
    M_TEXT(category, name_vi),
    M_TEXT(category, name_en),
    M_INT(category, default_severity),
    M_TEXT_OR_NULL(category, lead_force),
    M_BOOL(category, is_active),
    M_INT(category, sort_order),
    M_ID(category, version),
    M_READ_ONLY("id"),
    M_READ_ONLY("created_at"),
    M_READ_ONLY("updated_at"),
};

static const struct member unit_members[] = {
    M_TEXT(unit, code),
    M_TEXT(unit, name),
    M_TEXT(unit, force),
    M_ID_OR_NULL(unit, parent_id),
    M_TEXT(unit, level),
    M_TEXT_OR_NULL(unit, phone),
    M_BOOL(unit, is_active),
    M_IDS(unit, area_ids, n_areas),
    M_ID(unit, version),
    M_READ_ONLY("id"),
    M_READ_ONLY("path"),
    M_READ_ONLY("created_at"),
    M_READ_ONLY("updated_at"),
};

static const struct member person_members[] = {
    M_TEXT(person, username),
    M_TEXT(person, full_name),
    M_TEXT_OR_NULL(person, rank),
    M_TEXT_OR_NULL(person, position),
    M_ID_OR_NULL(person, unit_id),
    M_ROLES(person, roles),
    M_CLEARANCE(person, clearance),
    M_TEXT_OR_NULL(person, phone),
    M_TEXT_OR_NULL(person, email),
    M_BOOL(person, is_disabled),
    M_PASSWORD,
    M_ID(person, version),
    M_READ_ONLY("id"),
    M_READ_ONLY("has_password"),
    M_READ_ONLY("locked_until"),
    M_READ_ONLY("created_at"),
    M_READ_ONLY("updated_at"),
};
/* clang-format on */

/* Read v as member m into the record at rec (password: the slot for KIND_PASSWORD). */
static ph_err apply_member(const struct member *m, json_t *v, struct arena *a, char *rec,
                           const char **password)
{
    void *at = rec + m->off;

    switch (m->kind) {
    case KIND_TEXT:
        return get_text(v, a, false, at);
    case KIND_TEXT_OR_NULL:
        return get_text(v, a, true, at);
    case KIND_ID:
        return get_id(v, false, at);
    case KIND_ID_OR_NULL:
        return get_id(v, true, at);
    case KIND_INT:
        return get_int(v, at);
    case KIND_BOOL:
        return get_bool(v, at);
    case KIND_GEOMETRY:
        return get_geometry(v, a, at);
    case KIND_ROLES:
        return get_roles(v, at);
    case KIND_CLEARANCE:
        return get_clearance(v, at);
    case KIND_IDS:
        return get_area_ids(v, a, at, (void *)(rec + m->off_n));
    case KIND_PASSWORD:
        return get_text(v, a, false, password);
    case KIND_READ_ONLY:
        return PH_OK;
    }
    return PH_EINVAL;
}

/* Apply each member of obj onto rec through its table: an unknown member (and
 * "password" when there is no password slot) is PH_EINVAL, with *field naming
 * the first member that failed. */
static ph_err apply(json_t *obj, struct arena *a, void *rec, const struct member *members,
                    size_t n_members, const char **password, const char **field)
{
    const char *key;
    json_t *v;

    json_object_foreach(obj, key, v) {
        ph_err rc = PH_EINVAL;
        for (size_t i = 0; i < n_members; i++) {
            const struct member *m = &members[i];
            if (strcmp(key, m->name) == 0 && (m->kind != KIND_PASSWORD || password != NULL)) {
                rc = apply_member(m, v, a, rec, password);
                break;
            }
        }
        if (rc != PH_OK) {
            *field = arena_strdup(a, key);
            return rc;
        }
    }
    return PH_OK;
}

ph_err pjson_apply_area(json_t *obj, struct arena *a, struct area *inout, const char **field)
{
    return apply(obj, a, inout, area_members, PH_NELEM(area_members), NULL, field);
}

ph_err pjson_apply_category(json_t *obj, struct arena *a, struct category *inout,
                            const char **field)
{
    return apply(obj, a, inout, category_members, PH_NELEM(category_members), NULL, field);
}

ph_err pjson_apply_unit(json_t *obj, struct arena *a, struct unit *inout, const char **field)
{
    return apply(obj, a, inout, unit_members, PH_NELEM(unit_members), NULL, field);
}

ph_err pjson_apply_person(json_t *obj, struct arena *a, struct person *inout, const char **password,
                          const char **field)
{
    if (password != NULL)
        *password = NULL; /* absent unless the object has it (pjson.h) */
    return apply(obj, a, inout, person_members, PH_NELEM(person_members), password, field);
}
