/* router.c - a flat table of routes matched segment by segment. There are few
 * routes; a linear scan over pre-split patterns costs well under a microsecond. */
#include "util/base.h"
#include "http/http_int.h"
#include "http/router.h"
#include "util/arena.h"

extern const struct route api_auth_routes[], api_area_routes[], api_unit_routes[],
    api_person_routes[], api_ops_routes[], api_category_routes[];
extern const struct route api_incident_routes[], api_rule_routes[], api_stats_routes[];
extern const struct route api_stream_routes[];
extern const struct route api_attachment_routes[];
extern const struct route api_bulletin_routes[];
extern const struct route api_static_routes[];
extern const struct route api_position_routes[];
extern const struct route api_operation_routes[];
extern const struct route api_message_routes[];
extern const struct route api_analytics_routes[], api_hotspot_routes[];
extern const struct route api_area_history_routes[]; /* issue 8 */
extern const struct route api_area_import_routes[];  /* issue 8 */

static const struct route *const route_tables[] = {
    api_ops_routes, api_auth_routes, api_area_routes, api_unit_routes, api_person_routes,
    api_category_routes, api_incident_routes, api_rule_routes, api_stats_routes,
    api_stream_routes, api_attachment_routes, api_bulletin_routes,
    api_static_routes, /* the web application (static.c) */
    api_position_routes, api_operation_routes,
    api_message_routes,
    api_analytics_routes, api_hotspot_routes, /* hot spots (issue 6) */
    api_area_history_routes, /* area history (issue 8) */
    api_area_import_routes,  /* area import (issue 8) */
};

static const struct route *routes[ROUTER_MAX_ROUTES];
static size_t n_routes;

void router_init(void)
{
    if (n_routes != 0)
        return;
    for (size_t t = 0; t < PH_NELEM(route_tables); t++)
        for (const struct route *r = route_tables[t]; r->method != NULL; r++)
            if (n_routes < ROUTER_MAX_ROUTES)
                routes[n_routes++] = r;
}

size_t router_count(void)
{
    return n_routes;
}

const struct route *router_get(size_t i)
{
    return i < n_routes ? routes[i] : NULL;
}

/* Match path against pattern; captures go to r when r is not NULL. */
static bool match_path(const char *pattern, const char *path, size_t len, struct req *r)
{
    const char *p = pattern, *s = path, *end = path + len;
    int n = 0;
    while (*p && s < end) {
        /* A final "*" takes the rest of the path, at least one byte of it. */
        if (p[0] == '*' && p[1] == '\0') {
            if (r != NULL)
                r->n_params = n;
            return true;
        }
        if (*p == ':') {
            const char *name = ++p;
            while (*p && *p != '/')
                p++;
            const char *seg = s;
            while (s < end && *s != '/')
                s++;
            if (s == seg || n >= 4)
                return false;
            if (r != NULL) {
                r->param_names[n] = arena_strndup(&r->arena, name, (size_t)(p - name));
                r->param_values[n] = arena_strndup(&r->arena, seg, (size_t)(s - seg));
            }
            n++;
            continue;
        }
        if (*p != *s)
            return false;
        p++;
        s++;
    }
    /* A trailing slash is tolerated ("/api/v1/units/"). */
    if (s < end && s + 1 == end && *s == '/' && *p == '\0')
        s++;
    if (*p != '\0' || s != end)
        return false;
    if (r != NULL)
        r->n_params = n;
    return true;
}

int router_match(struct req *r, const char *method, size_t method_len, const char *path,
                 size_t path_len, bool *path_known, char *allow, size_t allow_size)
{
    *path_known = false;
    allow[0] = '\0';
    size_t used = 0;
    /* HEAD is GET without the body (h2o leaves the body out). */
    if (method_len == 4 && memcmp(method, "HEAD", 4) == 0) {
        method = "GET";
        method_len = 3;
    }
    for (size_t i = 0; i < n_routes; i++) {
        const struct route *rt = routes[i];
        if (!match_path(rt->pattern, path, path_len, NULL))
            continue;
        if (strlen(rt->method) == method_len && memcmp(rt->method, method, method_len) == 0) {
            match_path(rt->pattern, path, path_len, r);
            return (int)i;
        }
        *path_known = true;
        int k = snprintf(allow + used, allow_size - used, "%s%s", used ? ", " : "", rt->method);
        if (k > 0 && (size_t)k < allow_size - used)
            used += (size_t)k;
    }
    return -1;
}
