/* pjson.c - JSON shapes of areas, units, people and the caller (docs/API.md).
 *
 * Decoders walk the members of the request object: each known member is checked
 * for its JSON type and copied (NFC) into the record; an unknown member is an
 * error, so that a typo ("fullname") is reported instead of silently ignored. */
#include "util/base.h"
#include "proto/pjson.h"
#include "core/access.h"
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

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *id_or_null(int64_t id)
{
    return id ? json_integer(id) : json_null();
}

static json_t *roles_array(unsigned roles)
{
    json_t *arr = json_array();
    for (int i = 0; i < ROLE_COUNT; i++)
        if (roles & (1u << i))
            json_array_append_new(arr, json_string(role_name((enum role)(1u << i))));
    return arr;
}

json_t *pjson_area(const struct area *a, bool with_geometry)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(a->id));
    json_object_set_new(o, "code", str_or_null(a->code));
    json_object_set_new(o, "name", str_or_null(a->name));
    json_object_set_new(o, "level", str_or_null(a->level));
    json_object_set_new(o, "kind", str_or_null(a->kind));
    json_object_set_new(o, "parent_id", id_or_null(a->parent_id));
    json_object_set_new(o, "valid_from", str_or_null(a->valid_from));
    json_object_set_new(o, "valid_to", str_or_null(a->valid_to));
    if (with_geometry) {
        json_t *g = a->geometry ? json_loads(a->geometry, 0, NULL) : NULL;
        json_object_set_new(o, "geometry", g ? g : json_null());
    }
    json_object_set_new(o, "version", json_integer(a->version));
    json_object_set_new(o, "created_at", pjson_time(a->created_at));
    json_object_set_new(o, "updated_at", pjson_time(a->updated_at));
    return o;
}

json_t *pjson_unit(const struct unit *u)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(u->id));
    json_object_set_new(o, "code", str_or_null(u->code));
    json_object_set_new(o, "name", str_or_null(u->name));
    json_object_set_new(o, "force", str_or_null(u->force));
    json_object_set_new(o, "parent_id", id_or_null(u->parent_id));
    json_object_set_new(o, "level", str_or_null(u->level));
    json_object_set_new(o, "path", str_or_null(u->path));
    json_object_set_new(o, "phone", str_or_null(u->phone));
    json_object_set_new(o, "is_active", json_boolean(u->is_active));
    json_t *areas = json_array();
    for (size_t i = 0; i < u->n_areas; i++)
        json_array_append_new(areas, json_integer(u->area_ids[i]));
    json_object_set_new(o, "area_ids", areas);
    json_object_set_new(o, "version", json_integer(u->version));
    json_object_set_new(o, "created_at", pjson_time(u->created_at));
    json_object_set_new(o, "updated_at", pjson_time(u->updated_at));
    return o;
}

json_t *pjson_person(const struct person *p)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(p->id));
    json_object_set_new(o, "username", str_or_null(p->username));
    json_object_set_new(o, "full_name", str_or_null(p->full_name));
    json_object_set_new(o, "rank", str_or_null(p->rank));
    json_object_set_new(o, "position", str_or_null(p->position));
    json_object_set_new(o, "unit_id", id_or_null(p->unit_id));
    json_object_set_new(o, "roles", roles_array(p->roles));
    json_object_set_new(o, "clearance", json_string(clearance_name(p->clearance)));
    json_object_set_new(o, "phone", str_or_null(p->phone));
    json_object_set_new(o, "email", str_or_null(p->email));
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
    json_object_set_new(o, "username", str_or_null(u->username));
    json_object_set_new(o, "full_name", str_or_null(u->full_name));
    json_object_set_new(o, "roles", roles_array(u->roles));
    json_object_set_new(o, "clearance", json_string(clearance_name(u->clearance)));
    json_object_set_new(o, "unit_id", id_or_null(u->unit_id));
    json_object_set_new(o, "unit_path", str_or_null(u->unit_path));
    json_object_set_new(o, "unit_level", str_or_null(u->unit_level));
    json_object_set_new(o, "force", str_or_null(u->force));
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
    if (s == NULL || s[0] != 'c' || s[1] == '\0' || strlen(s) > 13)
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

ph_err pjson_apply_area(json_t *obj, struct arena *a, struct area *inout, const char **field)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        ph_err rc;
        if (strcmp(key, "code") == 0)
            rc = get_text(v, a, false, &inout->code);
        else if (strcmp(key, "name") == 0)
            rc = get_text(v, a, false, &inout->name);
        else if (strcmp(key, "level") == 0)
            rc = get_text(v, a, false, &inout->level);
        else if (strcmp(key, "kind") == 0)
            rc = get_text(v, a, false, &inout->kind);
        else if (strcmp(key, "parent_id") == 0)
            rc = get_id(v, true, &inout->parent_id);
        else if (strcmp(key, "geometry") == 0)
            rc = get_geometry(v, a, &inout->geometry);
        else if (strcmp(key, "valid_from") == 0)
            rc = get_text(v, a, false, &inout->valid_from);
        else if (strcmp(key, "valid_to") == 0)
            rc = get_text(v, a, true, &inout->valid_to);
        else if (strcmp(key, "version") == 0)
            rc = get_id(v, false, &inout->version);
        else if (strcmp(key, "id") == 0 || strcmp(key, "created_at") == 0 ||
                 strcmp(key, "updated_at") == 0)
            rc = PH_OK; /* read-only: a client may send back what it got */
        else
            rc = PH_EINVAL;
        if (rc != PH_OK) {
            *field = arena_strdup(a, key);
            return rc;
        }
    }
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

ph_err pjson_apply_unit(json_t *obj, struct arena *a, struct unit *inout, const char **field)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        ph_err rc;
        if (strcmp(key, "code") == 0)
            rc = get_text(v, a, false, &inout->code);
        else if (strcmp(key, "name") == 0)
            rc = get_text(v, a, false, &inout->name);
        else if (strcmp(key, "force") == 0)
            rc = get_text(v, a, false, &inout->force);
        else if (strcmp(key, "parent_id") == 0)
            rc = get_id(v, true, &inout->parent_id);
        else if (strcmp(key, "level") == 0)
            rc = get_text(v, a, false, &inout->level);
        else if (strcmp(key, "phone") == 0)
            rc = get_text(v, a, true, &inout->phone);
        else if (strcmp(key, "is_active") == 0)
            rc = get_bool(v, &inout->is_active);
        else if (strcmp(key, "area_ids") == 0)
            rc = get_area_ids(v, a, &inout->area_ids, &inout->n_areas);
        else if (strcmp(key, "version") == 0)
            rc = get_id(v, false, &inout->version);
        else if (strcmp(key, "id") == 0 || strcmp(key, "path") == 0 ||
                 strcmp(key, "created_at") == 0 || strcmp(key, "updated_at") == 0)
            rc = PH_OK;
        else
            rc = PH_EINVAL;
        if (rc != PH_OK) {
            *field = arena_strdup(a, key);
            return rc;
        }
    }
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

ph_err pjson_apply_person(json_t *obj, struct arena *a, struct person *inout, const char **password,
                          const char **field)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        ph_err rc;
        if (strcmp(key, "username") == 0)
            rc = get_text(v, a, false, &inout->username);
        else if (strcmp(key, "full_name") == 0)
            rc = get_text(v, a, false, &inout->full_name);
        else if (strcmp(key, "rank") == 0)
            rc = get_text(v, a, true, &inout->rank);
        else if (strcmp(key, "position") == 0)
            rc = get_text(v, a, true, &inout->position);
        else if (strcmp(key, "unit_id") == 0)
            rc = get_id(v, true, &inout->unit_id);
        else if (strcmp(key, "roles") == 0)
            rc = get_roles(v, &inout->roles);
        else if (strcmp(key, "clearance") == 0)
            rc = get_clearance(v, &inout->clearance);
        else if (strcmp(key, "phone") == 0)
            rc = get_text(v, a, true, &inout->phone);
        else if (strcmp(key, "email") == 0)
            rc = get_text(v, a, true, &inout->email);
        else if (strcmp(key, "is_disabled") == 0)
            rc = get_bool(v, &inout->is_disabled);
        else if (strcmp(key, "password") == 0 && password != NULL)
            rc = get_text(v, a, false, password);
        else if (strcmp(key, "version") == 0)
            rc = get_id(v, false, &inout->version);
        else if (strcmp(key, "id") == 0 || strcmp(key, "has_password") == 0 ||
                 strcmp(key, "locked_until") == 0 || strcmp(key, "created_at") == 0 ||
                 strcmp(key, "updated_at") == 0)
            rc = PH_OK;
        else
            rc = PH_EINVAL;
        if (rc != PH_OK) {
            *field = arena_strdup(a, key);
            return rc;
        }
    }
    return PH_OK;
}
