/* pjson_decode.c - the readers and the member-table loop every pjson decoder
 * shares (pjson_int.h). One copy, so that a type is accepted or refused the same
 * way in every record of the API. */
#include "util/base.h"
#include <limits.h>
#include "proto/pjson_int.h"
#include "core/access.h"
#include "util/arena.h"
#include "util/text.h"
#include "util/time.h"

ph_err pjson_get_text(json_t *v, struct arena *a, bool nullable, const char **out)
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

ph_err pjson_get_id(json_t *v, bool nullable, int64_t *out)
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

ph_err pjson_get_int(json_t *v, bool nullable, int *out)
{
    if (json_is_null(v) && nullable) {
        *out = 0;
        return PH_OK;
    }
    if (!json_is_integer(v) || json_integer_value(v) < INT_MIN || json_integer_value(v) > INT_MAX)
        return PH_EINVAL;
    *out = (int)json_integer_value(v);
    return PH_OK;
}

ph_err pjson_get_bool(json_t *v, bool *out)
{
    if (!json_is_boolean(v))
        return PH_EINVAL;
    *out = json_is_true(v);
    return PH_OK;
}

ph_err pjson_get_time(json_t *v, bool nullable, int64_t *out)
{
    if (json_is_null(v) && nullable) {
        *out = 0;
        return PH_OK;
    }
    if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
        return PH_EINVAL;
    int64_t ms;
    if (time_parse_rfc3339(json_string_value(v), &ms) != PH_OK)
        return PH_EINVAL;
    *out = ms;
    return PH_OK;
}

ph_err pjson_get_clearance(json_t *v, int *out)
{
    int c = json_is_string(v) ? clearance_parse(json_string_value(v)) : -1;
    if (c < 0)
        return PH_EINVAL;
    *out = c;
    return PH_OK;
}

ph_err pjson_get_ids(json_t *v, struct arena *a, int64_t **ids, size_t *n)
{
    if (!json_is_array(v) || json_array_size(v) > PJSON_ARRAY_MAX_ITEMS)
        return PH_EINVAL;
    size_t k = json_array_size(v);
    int64_t *out = arena_alloc(a, (k ? k : 1) * sizeof(*out));
    for (size_t i = 0; i < k; i++)
        if (pjson_get_id(json_array_get(v, i), false, &out[i]) != PH_OK)
            return PH_EINVAL;
    *ids = out;
    *n = k;
    return PH_OK;
}

ph_err pjson_get_strings(json_t *v, struct arena *a, const char ***strs, size_t *n)
{
    if (!json_is_array(v) || json_array_size(v) > PJSON_ARRAY_MAX_ITEMS)
        return PH_EINVAL;
    size_t k = json_array_size(v);
    const char **out = arena_alloc(a, (k ? k : 1) * sizeof(*out));
    for (size_t i = 0; i < k; i++)
        if (pjson_get_text(json_array_get(v, i), a, false, &out[i]) != PH_OK)
            return PH_EINVAL;
    *strs = out;
    *n = k;
    return PH_OK;
}

/* Read v as a member of kind k (m's own, or its kind_create) into the record at rec. */
static ph_err apply_kind(const struct pjson_member *m, enum pjson_kind k, json_t *v,
                         struct arena *a, char *rec, const char **slot)
{
    void *at = rec + m->off;

    switch (k) {
    case PJSON_KIND_TEXT:
        return pjson_get_text(v, a, false, at);
    case PJSON_KIND_TEXT_OR_NULL:
        return pjson_get_text(v, a, true, at);
    case PJSON_KIND_ID:
        return pjson_get_id(v, false, at);
    case PJSON_KIND_ID_OR_NULL:
        return pjson_get_id(v, true, at);
    case PJSON_KIND_INT:
        return pjson_get_int(v, false, at);
    case PJSON_KIND_INT_OR_NULL:
        return pjson_get_int(v, true, at);
    case PJSON_KIND_BOOL:
        return pjson_get_bool(v, at);
    case PJSON_KIND_TIME:
        return pjson_get_time(v, false, at);
    case PJSON_KIND_TIME_OR_NULL:
        return pjson_get_time(v, true, at);
    case PJSON_KIND_CLEARANCE:
        return pjson_get_clearance(v, at);
    case PJSON_KIND_IDS:
        return pjson_get_ids(v, a, at, (void *)(rec + m->off_n));
    case PJSON_KIND_STRINGS:
        return pjson_get_strings(v, a, at, (void *)(rec + m->off_n));
    case PJSON_KIND_SLOT:
        return slot != NULL ? pjson_get_text(v, a, false, slot) : PH_EINVAL;
    case PJSON_KIND_CUSTOM:
        return m->read(v, a, at);
    case PJSON_KIND_FIXED:
    case PJSON_KIND_READ_ONLY:
        return PH_OK;
    }
    return PH_EINVAL;
}

ph_err pjson_apply_members(json_t *obj, struct arena *a, void *rec,
                           const struct pjson_member *members, size_t n_members, bool creating,
                           const char **slot, const char **field)
{
    const char *key;
    json_t *v;

    json_object_foreach(obj, key, v)
    {
        ph_err rc = PH_EINVAL;
        for (size_t i = 0; i < n_members; i++) {
            const struct pjson_member *m = &members[i];
            if (strcmp(key, m->name) != 0)
                continue;
            enum pjson_kind k = m->kind;
            if (k == PJSON_KIND_FIXED)
                k = creating ? m->kind_create : PJSON_KIND_READ_ONLY;
            rc = apply_kind(m, k, v, a, rec, slot);
            break;
        }
        if (rc != PH_OK) {
            *field = arena_strdup(a, key);
            return rc;
        }
    }
    return PH_OK;
}
