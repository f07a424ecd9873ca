/* api_analytics.c - GET /api/v1/analytics/gistar, /emerging and /density: the
 * hot-spot analyses (core/hotspot.h) over the incidents the caller may see, as
 * GeoJSON FeatureCollections (docs/API.md, "Hot spots").
 *
 * The parameters are read by proto/hsquery.c (the CLI's parser too) on the loop;
 * the ranges that need the store (categories, area, the grid's size) are the
 * core's, checked with the analysis: 422 naming the parameter either way. The
 * analysis takes up to a second of CPU (and its checks read and parse area
 * outlines), so all of it runs on the worker pool (http_read_submit), on a read
 * connection of its own (a loop's connection serves only its loop), and the
 * FeatureCollection is written there too by proto/geojson_cells.c, straight
 * into a buffer, and compressed there when the client takes gzip (up to
 * ANALYTICS_MAX_BYTES: tens of milliseconds that a loop must not spend); the
 * loop only sends it (resp_text_encoded). At most ANALYSIS_GATE_MAX analyses
 * and detection runs are in flight per server (http/analysis_gate.h: 429
 * beyond), so that they cannot take every pool thread from logins; with a
 * database in memory, which a connection of its own would see empty, they are
 * refused (503). Nothing here is classified as an
 * item: a cell shows a count, never an incident, so no read is audited; what a
 * caller may not see is not counted at all (the core's rule). */
#include "util/base.h"
#include "http/analysis_gate.h"
#include "http/async.h"
#include "http/http_int.h"
#include "http/req.h"
#include "http/resp.h"
#include "http/router.h"
#include "core/hotspot.h"
#include "proto/geojson_cells.h"
#include "proto/hsquery.h"
#include "util/arena.h"
#include "util/buf.h"

/* Without ?since, the last 90 days before ?until (or now). */
#define ANALYTICS_DEFAULT_PERIOD_MS (90LL * 24 * 3600 * 1000)
/* The largest answer: about 250,000 square cells with a count. Beyond, 413
 * naming "cell" (a coarser grid, or a smaller area, answers). */
#define ANALYTICS_MAX_BYTES (64u << 20)

struct analysis_job {
    struct http_write *w; /* the caller and the arena */
    enum geojson_cells_analysis analysis;
    struct hsquery hq;
    const char *dsn;
    int64_t now_ms;
    ph_err rc;
    const char *field;
    struct buf body;
    bool gzip;          /* the client takes gzip: compress on the pool */
    unsigned char *gz;  /* the compressed body (malloc'd), or NULL */
    size_t gz_len;
    bool gated;         /* holds a place of analysis_gate */
};

/* The parameter the answer names for a field of hotspot_query_check. */
static const char *param_name(const char *field)
{
    if (field != NULL && strcmp(field, "area") == 0)
        return "area_id";
    return field;
}

static const char *query_get(void *ctx, const char *name)
{
    const char *v = req_query(ctx, name);
    return v != NULL && *v != '\0' ? v : NULL; /* "?cell=" as an empty form field sends it */
}

static ph_err run_analysis(struct core_ctx *cx, void *arg)
{
    struct analysis_job *j = arg;
    struct hotspot_surface s;
    ph_err rc;

    memset(&s, 0, sizeof(s));
    switch (j->analysis) {
    case GEOJSON_CELLS_GISTAR:
        rc = hotspot_gistar(cx, &j->hq.q, &s, &j->field);
        break;
    case GEOJSON_CELLS_EMERGING:
        rc = hotspot_emerging(cx, &j->hq.q, &s, &j->field);
        break;
    default:
        rc = hotspot_density(cx, &j->hq.q, &s, &j->field);
        break;
    }
    if (rc == PH_OK) {
        const struct geojson_cells_meta m = {j->analysis, &j->hq.q, j->hq.slice};
        rc = geojson_cells_write(&j->body, &s, &m);
        if (rc == PH_ETOOBIG)
            j->field = "cell";
    }
    hotspot_surface_free(&s);
    return rc;
}

/* On a pool thread: the analysis on a connection of its own, and its answer. */
static void analyse(void *arg)
{
    struct analysis_job *j = arg;

    j->rc = http_pool_read(j->w, j->dsn, j->now_ms, "an analysis", run_analysis, j);
    if (j->rc == PH_OK && j->gzip)
        j->gz = resp_gzip(j->body.data, j->body.len, &j->gz_len);
    /* Done with the pool thread: the next analysis may start. */
    if (j->gated) {
        j->gated = false;
        analysis_gate_leave();
    }
}

static int finish_analysis(struct req *r, struct http_write *w)
{
    struct analysis_job *j = w->arg;
    if (w->job.rc != PH_OK)
        return resp_error(r, w->job.rc, NULL);
    if (j->rc != PH_OK)
        return resp_error(r, j->rc, param_name(j->field));
    if (j->gz != NULL)
        return resp_text_encoded(r, 200, "application/geo+json", "gzip", (const char *)j->gz,
                                 j->gz_len);
    return resp_text_encoded(r, 200, "application/geo+json", NULL, j->body.data, j->body.len);
}

/* On the loop, whatever happened (also when the pool never ran the job). */
static void analysis_cleanup(void *arg)
{
    struct analysis_job *j = arg;
    buf_release(&j->body);
    free(j->gz);
    j->gz = NULL;
    if (j->gated) {
        j->gated = false;
        analysis_gate_leave();
    }
}

static int analysis(struct req *r, enum geojson_cells_analysis which)
{
    struct http_write *w = http_write_begin(r);
    struct analysis_job *j = arena_zalloc(&w->job.arena, sizeof(*j));
    struct hotspot_query *q = &j->hq.q;
    const char *field = NULL;
    bool has_since = false, has_until = false;
    ph_err rc;

    w->arg = j;
    j->w = w;
    j->analysis = which;
    j->now_ms = r->cx.now_ms;
    j->dsn = arena_strdup(&w->job.arena, r->t->cfg->dsn);
    buf_init(&j->body, ANALYTICS_MAX_BYTES);
    w->cleanup = analysis_cleanup;

    if (req_query_time(r, "since", &q->since) != PH_OK) {
        rc = PH_EINVAL;
        field = "since";
        goto out;
    }
    has_since = req_query(r, "since") != NULL && q->since != 0;
    if (req_query_time(r, "until", &q->until) != PH_OK) {
        rc = PH_EINVAL;
        field = "until";
        goto out;
    }
    has_until = req_query(r, "until") != NULL && q->until != 0;
    if (!has_until)
        q->until = r->cx.now_ms + 1; /* [since, until): now included */
    if (!has_since)
        q->since = q->until - ANALYTICS_DEFAULT_PERIOD_MS;
    /* Every parameter parsed into the job's arena: the request may be gone by the
     * time the pool runs it. */
    rc = hsquery_parse(query_get, r, &w->job.arena, &j->hq, &field);
    if (rc != PH_OK)
        goto out;
    if (which == GEOJSON_CELLS_EMERGING && j->hq.slice == NULL) {
        j->hq.slice = "week";
        q->slice_ms = 7 * HSQUERY_DAY_MS;
    }
    if (analysis_gate_dsn_in_memory(j->dsn)) {
        rc = PH_ESTORE;
        goto out;
    }
    if (!analysis_gate_enter()) {
        resp_header(r, "retry-after", ANALYSIS_GATE_RETRY_S);
        rc = PH_EBUSY;
        goto out;
    }
    j->gated = true;
    j->gzip = resp_accepts_gzip(r);
out:
    if (rc != PH_OK) {
        int ans = resp_error(r, rc, field);
        http_write_abandon(w);
        return ans;
    }
    return http_read_submit(w, analyse, j, finish_analysis);
}

static int get_gistar(struct req *r)
{
    return analysis(r, GEOJSON_CELLS_GISTAR);
}

static int get_emerging(struct req *r)
{
    return analysis(r, GEOJSON_CELLS_EMERGING);
}

static int get_density(struct req *r)
{
    return analysis(r, GEOJSON_CELLS_DENSITY);
}

const struct route api_analytics_routes[] = {
    {"GET", "/api/v1/analytics/gistar", get_gistar, ROUTE_USER, false},
    {"GET", "/api/v1/analytics/emerging", get_emerging, ROUTE_USER, false},
    {"GET", "/api/v1/analytics/density", get_density, ROUTE_USER, false},
    {NULL, NULL, NULL, 0, false},
};
