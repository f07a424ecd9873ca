/* fields.c - the member helpers of core's record services; see fields.h. */
#include "util/base.h"
#include "core/fields.h"
#include "core/access.h"
#include "util/arena.h"
#include "util/limits.h"
#include "util/text.h"

ph_err fields_clean_text(struct arena *a, const char *in, size_t max, bool required,
                         const char **out)
{
    char *t, *nfc;

    if (in == NULL) {
        *out = NULL;
        return required ? PH_EINVAL : PH_OK;
    }
    t = text_trim(a, in);
    if (t[0] == '\0') {
        *out = NULL;
        return required ? PH_EINVAL : PH_OK;
    }
    if (!text_is_clean_utf8(t, strlen(t)) || text_nfc(a, t, &nfc) != PH_OK)
        return PH_EINVAL;
    if (strlen(nfc) > max)
        return PH_EINVAL;
    *out = nfc;
    return PH_OK;
}

bool fields_trim_valid(struct arena *a, const char **s, bool (*valid)(const char *s))
{
    if (*s == NULL)
        return false;
    *s = text_trim(a, *s);
    return valid(*s);
}

bool fields_clean_key(struct arena *a, const char *in, size_t max, const char **out)
{
    size_t n = in != NULL ? strlen(in) : 0;
    char *nfc = NULL;

    if (n == 0 || n > max || !text_is_clean_utf8(in, n))
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)in[i] < 0x20 || in[i] == 0x7f)
            return false;
    if (text_nfc(a, in, &nfc) != PH_OK || strlen(nfc) > max)
        return false;
    *out = nfc;
    return true;
}

bool fields_str_eq(const char *x, const char *y)
{
    if (x == NULL || y == NULL)
        return x == y;
    return strcmp(x, y) == 0;
}

void fields_list_filter(struct arena *a, int *limit, const char **q)
{
    if (*limit <= 0)
        *limit = LIST_DEFAULT_LIMIT;
    if (*limit > LIST_MAX_LIMIT)
        *limit = LIST_MAX_LIMIT;
    if (*q != NULL) {
        char *folded = text_fold(a, *q);
        *q = folded[0] != '\0' ? folded : NULL;
    }
}

json_t *fields_jstr(const char *s)
{
    return s != NULL ? json_string(s) : json_null();
}

json_t *fields_ids_json(const int64_t *ids, size_t n)
{
    json_t *arr = json_array();

    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, json_integer((json_int_t)ids[i]));
    return arr;
}

json_t *fields_roles_json(unsigned roles)
{
    json_t *arr = json_array();

    for (int i = 0; i < ROLE_COUNT; i++)
        if (roles & (1u << i))
            json_array_append_new(arr, fields_jstr(role_name((enum role)(1u << i))));
    return arr;
}

void fields_diff_set(json_t *d, const char *key, json_t *old, json_t *new_)
{
    /* json_pack rather than two sets: a value that could not be made (NULL) drops
     * the whole pair, never leaves half of one. */
    json_object_set_new(d, key, json_pack("{s:o, s:o}", "old", old, "new", new_));
}

void fields_diff_str(json_t *d, const char *key, const char *old, const char *new_)
{
    if (!fields_str_eq(old, new_))
        fields_diff_set(d, key, fields_jstr(old), fields_jstr(new_));
}

void fields_diff_int(json_t *d, const char *key, int64_t old, int64_t new_)
{
    if (old != new_)
        fields_diff_set(d, key, json_integer((json_int_t)old), json_integer((json_int_t)new_));
}

void fields_diff_bool(json_t *d, const char *key, bool old, bool new_)
{
    if (old != new_)
        fields_diff_set(d, key, json_boolean(old), json_boolean(new_));
}
