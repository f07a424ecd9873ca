/* api_stats.c - what a unit must act on and how timely the units are
 * (docs/API.md): GET /api/v1/inbox (incidents sent to the caller's unit awaiting
 * its acknowledgement, overdue first) and GET /api/v1/stats/timeliness (share of
 * reports and acknowledgements on time, median and 90th-percentile delays, per
 * unit and per force). Both count only what the caller may see (core). The
 * inbox also lists the bulletins awaiting the unit's acknowledgement: each item
 * says its "kind", "incident" or "bulletin"; then the open (watch) hot spots of
 * the unit's area, "kind" "hotspot", awaiting confirmation. GET /api/v1/stats/incidents: counts of
 * the incidents the caller may see by category and lead force, for a period. */
#include "util/base.h"
#include "http/http_int.h"
#include "http/req.h"
#include "http/read_audit.h"
#include "http/resp.h"
#include "http/router.h"
#include "core/bulletin.h"
#include "core/hotspot.h"
#include "core/incident.h"
#include "core/stats.h"
#include "core/unit.h"
#include "proto/pjson.h"
#include "proto/pjson_hotspot.h"
#include "util/limits.h"
#include "util/time.h"

/* Without ?from, the timeliness period is the last 30 days before ?to (or now). */
#define STATS_DEFAULT_PERIOD_MS (30LL * 24 * 3600 * 1000)

/* ---- GET /api/v1/inbox ------------------------------------------------------------- */

/* Does the incident item come before the bulletin item? Overdue first, then by
 * due time (items without one last), then the one sent first. */
static bool incident_first(const struct incident_inbox_item *a, const struct bulletin_inbox_item *b)
{
    int64_t da = a->due_at, db = b->rcpt.ack_due_at;
    if (a->overdue != b->overdue)
        return a->overdue;
    if ((da == 0) != (db == 0))
        return da != 0;
    if (da != db)
        return da < db;
    return a->rcpt.sent_at <= b->b.sent_at;
}

static int get_inbox(struct req *r)
{
    int64_t unit_id = 0, limit = LIST_DEFAULT_LIMIT, v;
    bool present = false;

    if (req_query_i64(r, "unit_id", &v, &present) != PH_OK || (present && v <= 0))
        return resp_error(r, PH_EPARSE, "unit_id");
    if (present)
        unit_id = v;
    if (req_query_i64(r, "limit", &v, &present) != PH_OK ||
        (present && (v < 1 || v > LIST_MAX_LIMIT)))
        return resp_error(r, PH_EPARSE, "limit");
    if (present)
        limit = v;

    struct incident_inbox_item *items = NULL;
    struct bulletin_inbox_item *bitems = NULL;
    size_t n = 0, nb = 0;
    ph_err rc = incident_inbox(&r->cx, unit_id, (int)limit, &items, &n);
    if (rc == PH_OK)
        rc = bulletin_inbox(&r->cx, unit_id, (int)limit, &bitems, &nb);
    if (rc != PH_OK)
        return resp_error(r, rc, NULL);
    /* Both lists come in the inbox's order: merge them, and keep one page. */
    json_t *arr = json_array();
    size_t i = 0, k = 0;
    while ((i < n || k < nb) && json_array_size(arr) < (size_t)limit) {
        if (k >= nb || (i < n && incident_first(&items[i], &bitems[k]))) {
            req_note_read(r, "incident", items[i].inc.id, items[i].inc.classification);
            json_t *o = pjson_inbox_item(&items[i++]);
            json_object_set_new(o, "kind", json_string("incident"));
            json_array_append_new(arr, o);
        } else {
            req_note_read(r, "bulletin", bitems[k].b.id, bitems[k].b.classification);
            json_array_append_new(arr, pjson_bulletin_inbox_item(&bitems[k++]));
        }
    }
    /* Open hot spots of the unit's area have no deadline: after the incidents and
     * bulletins, newest first, in what is left of the page. */
    if (json_array_size(arr) < (size_t)limit) {
        struct hotspot *hs = NULL;
        size_t nh = 0;
        rc = hotspot_inbox(&r->cx, unit_id, (int)(limit - (int64_t)json_array_size(arr)), &hs,
                           &nh);
        if (rc != PH_OK) {
            json_decref(arr);
            return resp_error(r, rc, NULL);
        }
        for (size_t h = 0; h < nh; h++) {
            req_note_read(r, "hotspot", hs[h].id, hs[h].classification);
            json_t *o = json_pack("{s:s, s:o, s:s, s:n, s:b}", "kind", "hotspot", "hotspot",
                                  pjson_hotspot_properties(&hs[h]), "awaiting", "confirmation",
                                  "due_at", "overdue", 0);
            json_array_append_new(arr, o);
        }
    }
    /* One page, most urgent first: the inbox is a work list, not an archive. */
    return resp_json(r, 200, pjson_page(arr, false, 0));
}

/* ---- GET /api/v1/stats/timeliness ----------------------------------------------------- */

/* An RFC 3339 query parameter into *ms; *present says whether it was given. */
static ph_err query_time(struct req *r, const char *name, int64_t *ms, bool *present)
{
    const char *v;
    *present = false;
    if (req_query_text(r, name, &v) != PH_OK)
        return PH_EPARSE;
    if (v == NULL)
        return PH_OK;
    *present = true;
    return time_parse_rfc3339(v, ms) == PH_OK ? PH_OK : PH_EPARSE;
}

static json_t *rows_json(const struct stats_timeliness *rows, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, pjson_timeliness(&rows[i]));
    return arr;
}

static int get_timeliness(struct req *r)
{
    struct stats_period p = {0};
    bool has_from, has_to, present = false;
    int64_t v;

    if (query_time(r, "to", &p.to, &has_to) != PH_OK)
        return resp_error(r, PH_EPARSE, "to");
    if (query_time(r, "from", &p.from, &has_from) != PH_OK)
        return resp_error(r, PH_EPARSE, "from");
    if (!has_to)
        p.to = r->cx.now_ms + 1; /* [from, to): now included */
    if (!has_from)
        p.from = p.to - STATS_DEFAULT_PERIOD_MS;
    if (p.from >= p.to || p.to - p.from > STATS_MAX_PERIOD_MS)
        return resp_error(r, PH_EINVAL, "from");
    if (req_query_text(r, "force", &p.force) != PH_OK ||
        (p.force != NULL && !force_is_valid(p.force)))
        return resp_error(r, PH_EPARSE, "force");
    if (req_query_i64(r, "unit_id", &v, &present) != PH_OK || (present && v <= 0))
        return resp_error(r, PH_EPARSE, "unit_id");
    if (present)
        p.unit_id = v;

    struct stats_timeliness *units = NULL, *forces = NULL;
    size_t n_units = 0, n_forces = 0;
    ph_err rc = stats_timeliness(&r->cx, &p, &units, &n_units, &forces, &n_forces);
    if (rc != PH_OK)
        return resp_error(r, rc, NULL);
    json_t *o = json_object();
    json_object_set_new(o, "from", pjson_time(p.from));
    json_object_set_new(o, "to", pjson_time(p.to));
    json_object_set_new(o, "units", rows_json(units, n_units));
    json_object_set_new(o, "forces", rows_json(forces, n_forces));
    return resp_json(r, 200, o);
}

/* ---- GET /api/v1/stats/incidents --------------------------------------------------------- */

/* with: 'c' category, 'f' force, 'b' both. */
static json_t *count_json(const struct stats_count *c, char with)
{
    json_t *o = json_object();
    if (with != 'f') {
        json_object_set_new(o, "category", c->category ? json_string(c->category) : json_null());
        json_object_set_new(o, "category_id", json_integer(c->category_id));
    }
    if (with != 'c')
        json_object_set_new(o, "force", c->force != NULL ? json_string(c->force) : json_null());
    json_object_set_new(o, "count", json_integer(c->count));
    return o;
}

static json_t *counts_json(const struct stats_count *c, size_t n, char with)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, count_json(&c[i], with));
    return arr;
}

static int get_incident_counts(struct req *r)
{
    int64_t from, to;
    bool has_from, has_to;
    struct stats_incident_counts c;

    if (query_time(r, "to", &to, &has_to) != PH_OK)
        return resp_error(r, PH_EPARSE, "to");
    if (query_time(r, "from", &from, &has_from) != PH_OK)
        return resp_error(r, PH_EPARSE, "from");
    if (!has_to)
        to = r->cx.now_ms + 1; /* [from, to): now included */
    if (!has_from)
        from = to - STATS_DEFAULT_PERIOD_MS;
    if (from >= to || to - from > STATS_MAX_PERIOD_MS)
        return resp_error(r, PH_EINVAL, "from");
    ph_err rc = stats_incident_counts(&r->cx, from, to, &c);
    if (rc != PH_OK)
        return resp_error(r, rc, rc == PH_EINVAL ? "from" : NULL);
    json_t *o = json_object();
    json_object_set_new(o, "from", pjson_time(c.from));
    json_object_set_new(o, "to", pjson_time(c.to));
    json_object_set_new(o, "total", json_integer(c.total));
    json_object_set_new(o, "by_category", counts_json(c.by_category, c.n_by_category, 'c'));
    json_object_set_new(o, "by_force", counts_json(c.by_force, PH_NELEM(c.by_force), 'f'));
    json_object_set_new(o, "items", counts_json(c.cells, c.n_cells, 'b'));
    return resp_json(r, 200, o);
}

const struct route api_stats_routes[] = {
    {"GET", "/api/v1/inbox", get_inbox, ROUTE_USER, false},
    {"GET", "/api/v1/stats/timeliness", get_timeliness, ROUTE_USER, false},
    {"GET", "/api/v1/stats/incidents", get_incident_counts, ROUTE_USER, false},
    {NULL, NULL, NULL, 0, false},
};
