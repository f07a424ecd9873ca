/* req.c - path captures, query parameters (percent-decoded), headers, paging. */
#include "util/base.h"
#include <sodium.h>
#include "http/http_int.h"
#include "http/req.h"
#include "proto/pjson.h"
#include "util/limits.h"
#include "util/text.h"
#include "util/time.h"

static bool parse_i64(const char *s, int64_t *out)
{
    /* strtoll would also take leading blanks and '+': ids and limits are plain digits. */
    if (s == NULL || !((*s >= '0' && *s <= '9') || (*s == '-' && s[1] >= '0' && s[1] <= '9')))
        return false;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return false;
    *out = v;
    return true;
}

ph_err req_path_id(struct req *r, const char *name, int64_t *out)
{
    for (int i = 0; i < r->n_params; i++) {
        if (strcmp(r->param_names[i], name) != 0)
            continue;
        int64_t v;
        if (!parse_i64(r->param_values[i], &v) || v <= 0)
            return PH_ENOTFOUND;
        *out = v;
        return PH_OK;
    }
    return PH_ENOTFOUND;
}

/* The byte of the two hex digits at p (either case, libsodium's decoder); false
 * when they are not two hex digits. */
static bool pct_byte(const char *p, char *out)
{
    unsigned char byte;
    size_t len = 0;

    if (sodium_hex2bin(&byte, 1, p, 2, NULL, &len, NULL) != 0 || len != 1)
        return false;
    *out = (char)byte;
    return true;
}

/* Percent-decode s[0..n) into a; NULL when the result would hold a NUL byte (which
 * would silently cut the value short). */
static char *decode(struct arena *a, const char *s, size_t n)
{
    char *d = arena_alloc(a, n + 1), *w = d;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '+') {
            *w++ = ' ';
        } else if (s[i] == '%' && i + 2 < n && pct_byte(s + i + 1, w)) {
            if (*w++ == '\0')
                return NULL;
            i += 2;
        } else {
            *w++ = s[i];
        }
    }
    *w = '\0';
    return d;
}

/* The raw lookup: *bad is set when the value decodes to something with a NUL. */
static const char *query_lookup(struct req *r, const char *name, bool *bad)
{
    *bad = false;
    h2o_req_t *h = r->h2o;
    if (h->query_at == SIZE_MAX)
        return NULL;
    const char *q = h->path.base + h->query_at + 1, *end = h->path.base + h->path.len;
    size_t nl = strlen(name);
    while (q < end) {
        const char *amp = memchr(q, '&', (size_t)(end - q));
        const char *pe = amp ? amp : end;
        const char *eq = memchr(q, '=', (size_t)(pe - q));
        const char *ke = eq ? eq : pe;
        if ((size_t)(ke - q) == nl && memcmp(q, name, nl) == 0) {
            const char *v = eq ? decode(&r->arena, eq + 1, (size_t)(pe - eq - 1)) : "";
            *bad = v == NULL;
            return v;
        }
        q = pe + 1;
    }
    return NULL;
}

const char *req_query(struct req *r, const char *name)
{
    bool bad;
    return query_lookup(r, name, &bad);
}

ph_err req_query_i64(struct req *r, const char *name, int64_t *out, bool *present)
{
    bool bad;
    const char *v = query_lookup(r, name, &bad);
    *present = v != NULL || bad;
    if (bad)
        return PH_EPARSE;
    if (v == NULL)
        return PH_OK;
    return parse_i64(v, out) ? PH_OK : PH_EPARSE;
}

ph_err req_query_bool(struct req *r, const char *name, bool *out)
{
    bool bad;
    const char *v = query_lookup(r, name, &bad);
    if (bad)
        return PH_EPARSE;
    if (v == NULL)
        return PH_OK;
    if (strcmp(v, "1") == 0 || strcmp(v, "true") == 0 || *v == '\0')
        *out = true;
    else if (strcmp(v, "0") == 0 || strcmp(v, "false") == 0)
        *out = false;
    else
        return PH_EPARSE;
    return PH_OK;
}

ph_err req_page(struct req *r, int64_t *after_id, int *limit, const char **field)
{
    bool bad;
    const char *c = query_lookup(r, "cursor", &bad);
    *after_id = 0;
    *limit = LIST_DEFAULT_LIMIT;
    if (bad || (c != NULL && *c != '\0' && pjson_cursor_decode(c, after_id) != PH_OK)) {
        *field = "cursor";
        return PH_EPARSE;
    }
    int64_t l;
    bool present;
    if (req_query_i64(r, "limit", &l, &present) != PH_OK || (present && (l < 1 || l > LIST_MAX_LIMIT))) {
        *field = "limit";
        return PH_EPARSE;
    }
    if (present)
        *limit = (int)l;
    return PH_OK;
}

ph_err req_body_string(struct req *r, const char *name, size_t max, struct arena *a,
                       const char **out)
{
    json_t *v = json_object_get(r->body, name);
    if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > max)
        return PH_EINVAL;
    *out = arena_strndup(a, json_string_value(v), json_string_length(v));
    return PH_OK;
}

const char *req_header(struct req *r, const char *name)
{
    h2o_req_t *h = r->h2o;
    ssize_t i = h2o_find_header_by_str(&h->headers, name, strlen(name), -1);
    if (i < 0)
        return NULL;
    h2o_iovec_t v = h->headers.entries[i].value;
    return arena_strndup(&r->arena, v.base, v.len);
}

ph_err req_if_match(struct req *r, int64_t *version)
{
    const char *v = req_header(r, "if-match");
    *version = 0;
    if (v == NULL || strcmp(v, "*") == 0) /* "*": any current version */
        return PH_OK;
    size_t n = strlen(v);
    if (n >= 2 && v[0] == 'W' && v[1] == '/') { /* a weak tag names the same version */
        v += 2;
        n -= 2;
    }
    if (n < 3 || v[0] != '"' || v[n - 1] != '"')
        return PH_EPARSE;
    char num[24];
    if (n - 2 >= sizeof(num))
        return PH_EPARSE;
    memcpy(num, v + 1, n - 2);
    num[n - 2] = '\0';
    return parse_i64(num, version) && *version > 0 ? PH_OK : PH_EPARSE;
}

ph_err req_query_text(struct req *r, const char *name, const char **out)
{
    bool bad;
    const char *v = query_lookup(r, name, &bad);
    *out = NULL;
    if (bad)
        return PH_EPARSE;
    if (v == NULL || *v == '\0')
        return PH_OK;
    if (!text_is_clean_utf8(v, strlen(v)) || strlen(v) > TEXT_MAX_NAME_BYTES)
        return PH_EPARSE;
    *out = v;
    return PH_OK;
}

ph_err req_list_query(struct req *r, const struct query_param *params, size_t n, int64_t *after_id,
                      int *limit, const char **field)
{
    for (size_t i = 0; i < n; i++) {
        const struct query_param *p = &params[i];
        ph_err rc = PH_OK;
        bool present;
        switch (p->type) {
        case QP_TEXT:
            rc = req_query_text(r, p->name, (const char **)p->out);
            break;
        case QP_DATE:
            rc = req_query_text(r, p->name, (const char **)p->out);
            if (rc == PH_OK && *(const char **)p->out != NULL && !time_is_date(*(const char **)p->out))
                rc = PH_EPARSE;
            break;
        case QP_ID:
            rc = req_query_i64(r, p->name, (int64_t *)p->out, &present);
            if (rc == PH_OK && present && *(int64_t *)p->out <= 0)
                rc = PH_EPARSE;
            break;
        case QP_BOOL:
            rc = req_query_bool(r, p->name, (bool *)p->out);
            break;
        }
        if (rc != PH_OK) {
            *field = p->name;
            return PH_EPARSE;
        }
    }
    return req_page(r, after_id, limit, field);
}

ph_err req_query_time(struct req *r, const char *name, int64_t *ms)
{
    const char *v;
    ph_err rc = req_query_text(r, name, &v);
    if (rc != PH_OK || v == NULL)
        return rc;
    return time_parse_rfc3339(v, ms) == PH_OK ? PH_OK : PH_EPARSE;
}
