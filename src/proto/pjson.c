/* pjson.c - JSON shapes of areas, categories, units, people and the caller (docs/API.md).
 *
 * Decoders walk the members of the request object: each known member is checked
 * for its JSON type and copied (NFC) into the record; an unknown member is an
 * error, so that a typo ("fullname") is reported instead of silently ignored. The
 * readers and the loop over a record's member table are shared with the other
 * pjson_*.c files (pjson_int.h, pjson_decode.c). */
#include "util/base.h"
#include "proto/pjson.h"
#include "proto/pjson_int.h"
#include "core/access.h"
#include "core/fields.h"
#include "util/arena.h"
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

/* The geometry member: an object serialised compactly, or null. */
static ph_err get_geometry(json_t *v, struct arena *a, void *at)
{
    const char **out = at;
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

/* An array of role names, into ROLE_* bits. */
static ph_err get_roles(json_t *v, struct arena *a, void *at)
{
    (void)a;
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
    *(unsigned *)at = roles;
    return PH_OK;
}

/* Member tables (pjson_int.h); "password" is the caller's slot, on create only. */
/* clang-format off */
static const struct pjson_member area_members[] = {
    PJSON_M_TEXT(area, code),
    PJSON_M_TEXT(area, name),
    PJSON_M_TEXT(area, level),
    PJSON_M_TEXT(area, kind),
    PJSON_M_ID_OR_NULL(area, parent_id),
    PJSON_M_CUSTOM(area, geometry, const char *, get_geometry),
    PJSON_M_TEXT(area, valid_from),
    PJSON_M_TEXT_OR_NULL(area, valid_to),
    PJSON_M_ID(area, version),
    PJSON_M_READ_ONLY("id"),
    PJSON_M_READ_ONLY("created_at"),
    PJSON_M_READ_ONLY("updated_at"),
};

static const struct pjson_member category_members[] = {
    PJSON_M_TEXT(category, code),
    PJSON_M_TEXT(category, name_vi),
    PJSON_M_TEXT(category, name_en),
    PJSON_M_INT(category, default_severity),
    PJSON_M_TEXT_OR_NULL(category, lead_force),
    PJSON_M_BOOL(category, is_active),
    PJSON_M_INT(category, sort_order),
    PJSON_M_ID(category, version),
    PJSON_M_READ_ONLY("id"),
    PJSON_M_READ_ONLY("created_at"),
    PJSON_M_READ_ONLY("updated_at"),
};

static const struct pjson_member unit_members[] = {
    PJSON_M_TEXT(unit, code),
    PJSON_M_TEXT(unit, name),
    PJSON_M_TEXT(unit, force),
    PJSON_M_ID_OR_NULL(unit, parent_id),
    PJSON_M_TEXT(unit, level),
    PJSON_M_TEXT_OR_NULL(unit, phone),
    PJSON_M_BOOL(unit, is_active),
    PJSON_M_IDS(unit, area_ids, n_areas),
    PJSON_M_ID(unit, version),
    PJSON_M_READ_ONLY("id"),
    PJSON_M_READ_ONLY("path"),
    PJSON_M_READ_ONLY("created_at"),
    PJSON_M_READ_ONLY("updated_at"),
};

static const struct pjson_member person_members[] = {
    PJSON_M_TEXT(person, username),
    PJSON_M_TEXT(person, full_name),
    PJSON_M_TEXT_OR_NULL(person, rank),
    PJSON_M_TEXT_OR_NULL(person, position),
    PJSON_M_ID_OR_NULL(person, unit_id),
    PJSON_M_CUSTOM(person, roles, unsigned, get_roles),
    PJSON_M_CLEARANCE(person, clearance),
    PJSON_M_TEXT_OR_NULL(person, phone),
    PJSON_M_TEXT_OR_NULL(person, email),
    PJSON_M_BOOL(person, is_disabled),
    PJSON_M_SLOT("password"),
    PJSON_M_ID(person, version),
    PJSON_M_READ_ONLY("id"),
    PJSON_M_READ_ONLY("has_password"),
    PJSON_M_READ_ONLY("locked_until"),
    PJSON_M_READ_ONLY("created_at"),
    PJSON_M_READ_ONLY("updated_at"),
};
/* clang-format on */

ph_err pjson_apply_area(json_t *obj, struct arena *a, struct area *inout, const char **field)
{
    return pjson_apply_members(obj, a, inout, area_members, PH_NELEM(area_members), true, NULL,
                               field);
}

ph_err pjson_apply_category(json_t *obj, struct arena *a, struct category *inout,
                            const char **field)
{
    return pjson_apply_members(obj, a, inout, category_members, PH_NELEM(category_members), true,
                               NULL, field);
}

ph_err pjson_apply_unit(json_t *obj, struct arena *a, struct unit *inout, const char **field)
{
    return pjson_apply_members(obj, a, inout, unit_members, PH_NELEM(unit_members), true, NULL,
                               field);
}

ph_err pjson_apply_person(json_t *obj, struct arena *a, struct person *inout, const char **password,
                          const char **field)
{
    if (password != NULL)
        *password = NULL; /* absent unless the object has it (pjson.h) */
    /* Without a password slot "password" is an unknown member (pjson_int.h). */
    return pjson_apply_members(obj, a, inout, person_members, PH_NELEM(person_members), true,
                               password, field);
}
