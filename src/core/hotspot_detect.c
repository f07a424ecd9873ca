/* hotspot_detect.c - the early-warning run (core/hotspot.h, hotspot_detect):
 * emerging hot spots over the recent window, as the system over every actual
 * incident, and a record for each new place that becomes a new or intensifying
 * hot spot, sent to the units responsible for its area.
 *
 * Two phases, so that the single writer is held only for the inserts: find
 * (hotspot_detect_find) reads only, on any connection (the scheduler's own, or
 * one opened on a worker-pool thread), runs the whole analysis and keeps every
 * record it would create in a hotspot_found; record (hotspot_detect_record), a
 * short writer job, reads the open records again, drops what one of them now
 * covers (made between the phases, by another run) and inserts the rest with
 * their audit entries and events. find reads through several statements in
 * one read snapshot (store_read_begin), so every pass sees the same incidents.
 *
 * Category groups: every category together, and each active category with at
 * least DETECT_MIN_CATEGORY incidents in the window (fewer give a cube too
 * sparse for Gi* per slice). One pass counts the categories while it fills the
 * all-together cube; then one pass per category that has enough. The grid and
 * its mask are made once and shared by every group. Single categories go first,
 * so that a place is recorded under its most specific group; the all-together
 * analysis then adds what only the sum shows.
 *
 * Groups of cells: cells classed new_hot or intensifying_hot, connected when
 * their centres are at most 1.5 cells apart (the 8 neighbours of a square, the 6
 * of a hexagon). A group with fewer than DETECT_MIN_GROUP incidents in the window
 * is left out. A group overlapping an open record (watch or confirmed) of any
 * group, or one found earlier in the same run, is skipped: a cell of it lies
 * within half a cell of a cell of that record. Resolved records do not count, so
 * a place that flares again after being resolved is recorded again. record
 * applies the same test against the open records it reads, so that running it
 * twice on the same hotspot_found creates nothing the second time.
 *
 * A record: the hottest cell (highest last-slice z) gives its centre, z, p and
 * trend; its area is the deepest area holding that centre; its incidents are
 * those in its cells over the window (a second pass). Its classification is the
 * highest of every incident within the band of its cells (the neighbours whose
 * counts made its z-scores, not only its own cells'), so that the record is
 * never shown to someone who could not see what shaped it. It is sent to the
 * unit responsible for that area (store_unit_responsible: the deepest unit
 * linked to the area or an area above it, else the force's province unit) of
 * each force that received at least one of its incidents (as lead or informed
 * unit), not to every force: a force hears of a place only through incidents it
 * was sent. All of that is read by find. Each record is audited
 * ("hotspot.detect", with "started_by" when a person started the run) and
 * announced ("hotspot.detected") to those units by record. */
#include "util/base.h"
#include <math.h>
#include "core/audit.h"
#include "core/category.h"
#include "core/ctx.h"
#include "core/fields.h"
#include "core/geo.h"
#include "core/hotspot.h"
#include "core/hotspot_int.h"
#include "core/incident.h"
#include "core/outbox.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/limits.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/time.h"

#define DETECT_MIN_CATEGORY 20
#define DETECT_MIN_GROUP 5
#define DETECT_MAX_CATEGORIES 64
#define DEFAULT_WINDOW_MS (12 * 7 * HOTSPOT_MS_PER_DAY)

static const char *const forces[] = {"police", "military", "border_guard"};

/* A group of connected hot cells. */
struct group {
    size_t *cells;
    size_t n_cells;
    size_t hottest;
    double count;
    bool skip;
    /* From the second pass: */
    int64_t *incident_ids;
    size_t n_incidents, cap_incidents;
    int classification;
};

struct centre {
    double lon, lat, cell_m;
};

/* What the run has seen so far: the cells of open records and of new ones. */
struct known {
    struct centre *c;
    size_t n, cap;
};

static void known_add(struct known *k, double lon, double lat, double cell_m)
{
    if (k->n == k->cap) {
        k->cap = k->cap ? 2 * k->cap : 256;
        k->c = xrealloc(k->c, k->cap * sizeof(*k->c));
    }
    k->c[k->n++] = (struct centre){lon, lat, cell_m};
}

/* The centres of a stored record ("lon,lat lon,lat ..."). */
static void known_add_text(struct known *k, const char *cells, double cell_m)
{
    const char *p = cells;

    while (p != NULL && *p != '\0') {
        char *end = NULL;
        double lon = strtod(p, &end);
        if (end == p || *end != ',')
            break;
        p = end + 1;
        double lat = strtod(p, &end);
        if (end == p)
            break;
        known_add(k, lon, lat, cell_m);
        p = end;
        while (*p == ' ')
            p++;
    }
}

static bool known_overlaps(const struct known *k, double lon, double lat, double cell_m)
{
    for (size_t i = 0; i < k->n; i++) {
        double r = 0.5 * fmax(cell_m, k->c[i].cell_m);
        if (fabs(k->c[i].lat - lat) > 0.1 || fabs(k->c[i].lon - lon) > 0.1)
            continue;
        if (geo_distance_m(lat, lon, k->c[i].lat, k->c[i].lon) < r)
            return true;
    }
    return false;
}

static bool is_trigger(uint8_t c)
{
    return c == HS_NEW_HOT || c == HS_INTENSIFYING_HOT;
}

/* Connected groups of the trigger cells (arrays in the arena). */
static size_t make_groups(struct core_ctx *cx, const struct hotspot_study *s,
                          const struct hs_emerging_cell *trend, double cell_m,
                          struct group **out)
{
    size_t n_hot = 0, n_groups = 0;
    size_t *hot, *comp, *stack;
    double *lon, *lat;

    for (size_t c = 0; c < s->n_cells; c++)
        n_hot += is_trigger(trend[c].trend_class);
    *out = NULL;
    if (n_hot == 0)
        return 0;
    hot = arena_alloc(cx->arena, n_hot * sizeof(*hot));
    comp = arena_alloc(cx->arena, n_hot * sizeof(*comp));
    stack = arena_alloc(cx->arena, n_hot * sizeof(*stack));
    lon = arena_alloc(cx->arena, n_hot * sizeof(*lon));
    lat = arena_alloc(cx->arena, n_hot * sizeof(*lat));
    n_hot = 0;
    for (size_t c = 0; c < s->n_cells; c++)
        if (is_trigger(trend[c].trend_class)) {
            hs_grid_centre(s->grid, c, &lon[n_hot], &lat[n_hot]);
            comp[n_hot] = SIZE_MAX;
            hot[n_hot++] = c;
        }
    /* Hot cells are few (FDR keeps them so): a quadratic walk is fine. */
    for (size_t i = 0; i < n_hot; i++) {
        if (comp[i] != SIZE_MAX)
            continue;
        size_t top = 0;
        comp[i] = n_groups;
        stack[top++] = i;
        while (top > 0) {
            size_t a = stack[--top];
            for (size_t b = 0; b < n_hot; b++)
                if (comp[b] == SIZE_MAX &&
                    geo_distance_m(lat[a], lon[a], lat[b], lon[b]) <= 1.5 * cell_m) {
                    comp[b] = n_groups;
                    stack[top++] = b;
                }
        }
        n_groups++;
    }
    struct group *g = arena_zalloc(cx->arena, n_groups * sizeof(*g));
    for (size_t i = 0; i < n_hot; i++)
        g[comp[i]].n_cells++;
    for (size_t k = 0; k < n_groups; k++) {
        g[k].cells = arena_alloc(cx->arena, g[k].n_cells * sizeof(size_t));
        g[k].n_cells = 0;
    }
    for (size_t i = 0; i < n_hot; i++) {
        struct group *gr = &g[comp[i]];
        size_t c = hot[i];
        if (gr->n_cells == 0 || trend[c].last_z > trend[gr->hottest].last_z)
            gr->hottest = c;
        gr->cells[gr->n_cells++] = c;
        gr->count += trend[c].count;
    }
    *out = g;
    return n_groups;
}

/* ---- the second pass: the incidents of the groups -------------------------------------- */

static void on_member(void *ctx, int32_t group, const struct store_incident_point *p)
{
    struct group *g = &((struct group *)ctx)[group];

    if (g->n_incidents == g->cap_incidents) {
        g->cap_incidents = g->cap_incidents ? 2 * g->cap_incidents : 64;
        g->incident_ids = xrealloc(g->incident_ids, g->cap_incidents * sizeof(int64_t));
    }
    g->incident_ids[g->n_incidents++] = p->id;
    if (p->classification > g->classification)
        g->classification = p->classification;
}

/* ---- what find keeps -------------------------------------------------------------------- */

/* A record found: all of it but its id, version and times, in the found's arena. */
struct found_record {
    struct store_hotspot sh;
    double *lon, *lat; /* the centres of its cells, for the overlap test */
};

struct hotspot_found {
    struct arena arena;
    struct found_record *items; /* malloc'd */
    size_t n, cap;
};

static struct hotspot_found *found_new(void)
{
    struct hotspot_found *found = xcalloc(1, sizeof(*found));
    arena_init(&found->arena);
    return found;
}

size_t hotspot_found_count(const struct hotspot_found *found)
{
    return found != NULL ? found->n : 0;
}

void hotspot_found_free(struct hotspot_found *found)
{
    if (found == NULL)
        return;
    free(found->items);
    arena_release(&found->arena);
    free(found);
}

/* n int64 copied into a (NULL when n is 0). */
static int64_t *ids_dup(struct arena *a, const int64_t *ids, size_t n)
{
    int64_t *out;

    if (n == 0)
        return NULL;
    out = arena_alloc(a, n * sizeof(*out));
    memcpy(out, ids, n * sizeof(*out));
    return out;
}

/* The cells as a GeoJSON MultiPolygon, as "lon,lat ..." centres (the store's
 * form, which the overlap test reads back) and as numbers, all in a. */
static ph_err cells_text(struct arena *a, const struct hotspot_study *s, const struct group *g,
                         const char **geojson, const char **centres, double *lon, double *lat)
{
    json_t *mp = json_array();
    char *text;
    size_t cap = g->n_cells * 32 + 1, len = 0;
    char *c = arena_alloc(a, cap);

    c[0] = '\0';
    for (size_t i = 0; i < g->n_cells; i++) {
        double ring[HS_RING_MAX][2];
        size_t n = hs_grid_ring(s->grid, g->cells[i], ring);
        json_t *r = json_array();
        for (size_t k = 0; k < n; k++)
            json_array_append_new(r, json_pack("[f, f]", ring[k][0], ring[k][1]));
        json_array_append_new(mp, json_pack("[o]", r));
        hs_grid_centre(s->grid, g->cells[i], &lon[i], &lat[i]);
        len += (size_t)snprintf(c + len, cap - len, "%s%.6f,%.6f", i > 0 ? " " : "", lon[i],
                                lat[i]);
    }
    json_t *geom = json_pack("{s:s, s:o}", "type", "MultiPolygon", "coordinates", mp);
    text = geom != NULL ? json_dumps(geom, JSON_COMPACT | JSON_REAL_PRECISION(9)) : NULL;
    json_decref(geom);
    if (text == NULL)
        return PH_EIO;
    *geojson = arena_strdup(a, text);
    free(text);
    *centres = c;
    return PH_OK;
}

/* Which forces received (as lead or informed unit) at least one of g's
 * incidents: told[f] for forces[f]. One read per incident, stopping when every
 * force is found (find runs off the loops and the writer). */
static ph_err forces_told(struct core_ctx *cx, const struct group *g, bool told[])
{
    size_t n_told = 0;

    for (size_t i = 0; i < g->n_incidents && n_told < PH_NELEM(forces); i++) {
        struct incident_recipient *rs = NULL;
        size_t n = 0;
        ph_err rc = store_incident_recipients(cx->st, cx->arena, g->incident_ids[i], &rs, &n);
        if (rc != PH_OK)
            return rc;
        for (size_t k = 0; k < n; k++) {
            if (rs[k].force == NULL || rs[k].role == NULL ||
                (strcmp(rs[k].role, INCIDENT_ROLE_LEAD) != 0 &&
                 strcmp(rs[k].role, INCIDENT_ROLE_INFORMED) != 0))
                continue;
            for (size_t f = 0; f < PH_NELEM(forces); f++)
                if (!told[f] && strcmp(rs[k].force, forces[f]) == 0) {
                    told[f] = true;
                    n_told++;
                }
        }
    }
    return PH_OK;
}

/* Raise each kept group's classification to the highest of the cells within
 * band_m of one of its cells (cell_class: each cell's highest). Distances are
 * between cell centres, with a little slack so that the rim of the band is in:
 * counting a cell too many only makes the record stricter. */
static void band_classification(const struct hotspot_study *s, const int8_t *cell_class,
                                double band_m, double cell_m, struct group *groups,
                                size_t n_groups)
{
    double reach = band_m * 1.001 + 0.01 * cell_m;

    for (size_t c = 0; c < s->n_cells; c++) {
        double lon = 0, lat = 0;
        bool have = false;
        if (cell_class[c] <= 0)
            continue;
        for (size_t k = 0; k < n_groups; k++) {
            struct group *g = &groups[k];
            if (g->skip || cell_class[c] <= g->classification)
                continue;
            if (!have) {
                hs_grid_centre(s->grid, c, &lon, &lat);
                have = true;
            }
            for (size_t i = 0; i < g->n_cells; i++) {
                double glon, glat;
                hs_grid_centre(s->grid, g->cells[i], &glon, &glat);
                if (geo_distance_m(lat, lon, glat, glon) <= reach) {
                    g->classification = cell_class[c];
                    break;
                }
            }
        }
    }
}

/* Keep group g as a record to create: its centre, area, responsible units (read
 * through cx), cells and incidents. */
static ph_err found_add(struct core_ctx *cx, struct hotspot_found *found,
                        const struct hotspot_query *q, const struct hotspot_study *s,
                        const struct hs_emerging_cell *trend, const char *categories,
                        const struct group *g)
{
    struct arena *a = &found->arena;
    struct found_record fr;
    struct hotspot *h = &fr.sh.h;
    int64_t unit_ids[PH_NELEM(forces)];
    size_t n_units = 0;
    char today[11];
    ph_err rc;

    memset(&fr, 0, sizeof(fr));
    hs_grid_centre(s->grid, g->hottest, &h->lon, &h->lat);
    bool told[PH_NELEM(forces)] = {false};
    hotspot_local_date(cx->now_ms, today);
    if ((rc = geo_resolve_area(cx, h->lat, h->lon, today, &h->area_id)) != PH_OK)
        return rc;
    if ((rc = forces_told(cx, g, told)) != PH_OK)
        return rc;
    for (size_t f = 0; f < PH_NELEM(forces); f++) {
        int64_t u = 0;
        if (!told[f])
            continue;
        rc = store_unit_responsible(cx->st, forces[f], h->area_id, &u);
        if (rc == PH_ENOTFOUND)
            continue;
        if (rc != PH_OK)
            return rc;
        bool seen = false;
        for (size_t k = 0; k < n_units; k++)
            seen = seen || unit_ids[k] == u;
        if (!seen)
            unit_ids[n_units++] = u;
    }
    fr.lon = arena_alloc(a, g->n_cells * sizeof(*fr.lon));
    fr.lat = arena_alloc(a, g->n_cells * sizeof(*fr.lat));
    if ((rc = cells_text(a, s, g, &h->cells_geojson, &fr.sh.cells, fr.lon, fr.lat)) != PH_OK)
        return rc;
    h->status = HOTSPOT_WATCH;
    h->trend = hs_trend_name((enum hs_trend_class)trend[g->hottest].trend_class);
    h->categories = arena_strdup(a, categories); /* the caller's lives in cx->arena */
    h->z = trend[g->hottest].last_z;
    h->p = trend[g->hottest].last_p;
    h->cell_m = q->cell_m;
    h->n_cells = (int)g->n_cells;
    h->incident_count = (int)g->n_incidents;
    h->classification = g->classification;
    h->window_from = q->since;
    h->window_to = q->until;
    h->incident_ids = ids_dup(a, g->incident_ids, g->n_incidents);
    h->n_incidents = g->n_incidents;
    fr.sh.unit_ids = ids_dup(a, unit_ids, n_units);
    fr.sh.n_units = n_units;
    if (found->n == found->cap) {
        found->cap = found->cap ? 2 * found->cap : 8;
        found->items = xrealloc(found->items, found->cap * sizeof(*found->items));
    }
    found->items[found->n++] = fr;
    return PH_OK;
}

/* ---- one category group ---------------------------------------------------------------- */

/* Analyse one group (category_id 0: all together; its cube is given already
 * filled when cube is not NULL) and keep its new places in found. */
static ph_err run_group(struct core_ctx *cx, const struct hotspot_query *q,
                        const struct hotspot_study *s, const struct hs_emerging_params *ep,
                        int64_t category_id, const char *categories, double *cube,
                        struct known *known, struct hotspot_found *found)
{
    struct hs_emerging_cell *trend = NULL;
    struct group *groups = NULL;
    int32_t *cell_group = NULL;
    int8_t *cell_class = NULL;
    bool own_cube = cube == NULL;
    size_t n_groups = 0;
    ph_err rc = PH_OK;

    if (own_cube) {
        struct hotspot_pass pass = {
            .category_ids = &category_id,
            .n_categories = 1,
            .slice_ms = q->slice_ms,
        };
        cube = xcalloc(s->n_cells * s->n_slices + 1, sizeof(*cube));
        pass.values = cube;
        if ((rc = hotspot_study_pass(cx, q, s, NULL, &pass, NULL)) != PH_OK)
            goto out;
    }
    trend = xmalloc((s->n_cells + 1) * sizeof(*trend));
    if ((rc = hs_emerging(s->grid, cube, s->n_slices, ep, trend)) != PH_OK)
        goto out;
    n_groups = make_groups(cx, s, trend, q->cell_m, &groups);
    if (n_groups == 0)
        goto out;
    cell_group = xmalloc(s->n_cells * sizeof(*cell_group));
    for (size_t c = 0; c < s->n_cells; c++)
        cell_group[c] = -1;
    size_t wanted = 0;
    for (size_t k = 0; k < n_groups; k++) {
        struct group *g = &groups[k];
        g->skip = g->count < DETECT_MIN_GROUP;
        for (size_t i = 0; i < g->n_cells && !g->skip; i++) {
            double lon, lat;
            hs_grid_centre(s->grid, g->cells[i], &lon, &lat);
            g->skip = known_overlaps(known, lon, lat, q->cell_m);
        }
        if (g->skip)
            continue;
        wanted++;
        for (size_t i = 0; i < g->n_cells; i++)
            cell_group[g->cells[i]] = (int32_t)k;
    }
    if (wanted == 0)
        goto out;
    cell_class = xcalloc(s->n_cells + 1, 1);
    struct hotspot_pass members = {
        .category_ids = category_id != 0 ? &category_id : NULL,
        .n_categories = category_id != 0 ? 1 : 0,
        .cell_group = cell_group,
        .on_member = on_member,
        .member_ctx = groups,
        .cell_class = cell_class,
    };
    if ((rc = hotspot_study_pass(cx, q, s, NULL, &members, NULL)) != PH_OK)
        goto out;
    band_classification(s, cell_class, q->gi.band_m, q->cell_m, groups, n_groups);
    for (size_t k = 0; k < n_groups && rc == PH_OK; k++) {
        struct group *g = &groups[k];
        if (g->skip)
            continue;
        rc = found_add(cx, found, q, s, trend, categories, g);
        for (size_t i = 0; rc == PH_OK && i < g->n_cells; i++) {
            double lon, lat;
            hs_grid_centre(s->grid, g->cells[i], &lon, &lat);
            known_add(known, lon, lat, q->cell_m);
        }
    }
out:
    for (size_t k = 0; k < n_groups; k++)
        free(groups[k].incident_ids);
    free(cell_group);
    free(cell_class);
    free(trend);
    if (own_cube)
        free(cube);
    return rc;
}

/* ---- find ------------------------------------------------------------------------------ */

static ph_err find_in_snapshot(struct core_ctx *cx, const struct hotspot_detect_params *p,
                               struct hotspot_found **out)
{
    struct hotspot_detect_params d = p != NULL ? *p : (struct hotspot_detect_params){0};
    struct hotspot_found *found = NULL;
    struct hotspot_study s = {0};
    struct known known = {0};
    struct store_hotspot *open = NULL;
    struct category *cats = NULL;
    int64_t cat_ids[DETECT_MAX_CATEGORIES], counts[DETECT_MAX_CATEGORIES] = {0};
    size_t n_open = 0, n_cats = 0;
    bool more = false;
    double *cube = NULL;
    const char *field = NULL;
    ph_err rc;

    *out = NULL;
    if (!cx->user->is_system)
        return PH_EPERM;
    if (d.window_ms <= 0)
        d.window_ms = DEFAULT_WINDOW_MS;
    if (d.slice_ms <= 0)
        d.slice_ms = 7 * HOTSPOT_MS_PER_DAY;
    struct hotspot_query q = {
        .since = cx->now_ms - d.window_ms,
        .until = cx->now_ms,
        .cell_m = d.cell_m,
        .gi = {.weights = HS_DISTANCE_BAND, .band_m = d.band_m, .alpha = d.alpha},
        .slice_ms = d.slice_ms,
        .time_neighbours = 1,
    };
    found = found_new();
    rc = hotspot_study_open(cx, &q, HOTSPOT_KIND_EMERGING, &s, &field);
    if (rc == PH_EINVAL && field != NULL && strcmp(field, "area") == 0) {
        rc = PH_OK; /* no area has an outline yet: nothing to study */
        goto out;
    }
    if (rc != PH_OK) {
        log_warn("core/hotspot: early warning: bad parameters (%s)", field ? field : "?");
        goto out;
    }
    struct hs_emerging_params ep = {.gi = q.gi, .time_neighbours = q.time_neighbours};

    struct category_filter cf = {.limit = DETECT_MAX_CATEGORIES};
    if ((rc = store_category_list(cx->st, cx->arena, &cf, &cats, &n_cats, &more)) != PH_OK)
        goto out;
    for (size_t i = 0; i < n_cats; i++)
        cat_ids[i] = cats[i].id;
    if ((rc = store_hotspot_open(cx->st, cx->arena, &open, &n_open)) != PH_OK)
        goto out;
    for (size_t i = 0; i < n_open; i++)
        known_add_text(&known, open[i].cells, open[i].h.cell_m);

    /* The all-together cube, counting the categories on the way. */
    cube = xcalloc(s.n_cells * s.n_slices + 1, sizeof(*cube));
    struct hotspot_pass all = {
        .slice_ms = q.slice_ms,
        .values = cube,
        .count_ids = cat_ids,
        .counts = counts,
        .n_count = n_cats,
    };
    if ((rc = hotspot_study_pass(cx, &q, &s, NULL, &all, NULL)) != PH_OK)
        goto out;
    for (size_t i = 0; i < n_cats && rc == PH_OK; i++) {
        if (counts[i] < DETECT_MIN_CATEGORY)
            continue;
        if (d.should_stop != NULL && d.should_stop(d.stop_ctx))
            rc = PH_EBUSY;
        else
            rc = run_group(cx, &q, &s, &ep, cat_ids[i], cats[i].code, NULL, &known, found);
    }
    if (rc == PH_OK && d.should_stop != NULL && d.should_stop(d.stop_ctx))
        rc = PH_EBUSY;
    if (rc == PH_OK)
        rc = run_group(cx, &q, &s, &ep, 0, "", cube, &known, found);
out:
    free(cube);
    free(known.c);
    hotspot_study_close(&s);
    if (rc == PH_OK)
        *out = found;
    else
        hotspot_found_free(found);
    return rc;
}

/* ---- record ---------------------------------------------------------------------------- */

/* Create one found record: the store, the audit entry and the event. */
static ph_err record_one(struct core_ctx *cx, const struct found_record *fr, int *created)
{
    struct store_hotspot sh = fr->sh;
    const struct hotspot *h = &sh.h;
    struct store_hotspot after;
    struct access_item scope;
    int64_t id = 0;
    ph_err rc;

    sh.h.detected_at = cx->now_ms;
    sh.h.updated_at = cx->now_ms;
    if ((rc = store_hotspot_insert(cx->st, &sh, &id)) != PH_OK)
        return rc;
    if ((rc = store_hotspot_get(cx->st, cx->arena, id, false, &after)) != PH_OK)
        return rc;
    json_t *detail =
        json_pack("{s:s, s:s, s:f, s:f, s:i, s:i, s:o, s:I, s:I}", "trend", h->trend, "categories",
                  h->categories, "z", h->z, "p", h->p, "n_cells", h->n_cells, "incident_count",
                  h->incident_count, "area_id",
                  h->area_id != 0 ? json_integer(h->area_id) : json_null(), "window_from",
                  (json_int_t)h->window_from, "window_to", (json_int_t)h->window_to);
    /* A run started by a person (POST /api/v1/hotspots/detect) runs as the system
     * (the entry's actor) with that person's id and name kept: say who. */
    if (detail != NULL && cx->user->person_id != 0)
        json_object_set_new(detail, "started_by",
                            json_pack("{s:I, s:o}", "person_id", (json_int_t)cx->user->person_id,
                                      "username", fields_jstr(cx->user->username)));
    rc = audit_record(cx, "hotspot.detect", "hotspot", id, detail);
    if (rc != PH_OK)
        return rc;
    hotspot_access_item(&after, &scope);
    rc = outbox_emit_scoped(cx, "hotspot.detected", "hotspot", id,
                            hotspot_event_payload(&after.h), &scope);
    if (rc == PH_OK)
        (*created)++;
    return rc;
}

ph_err hotspot_detect_record(struct core_ctx *cx, const struct hotspot_found *found, int *created)
{
    struct known known = {0};
    struct store_hotspot *open = NULL;
    size_t n_open = 0;
    ph_err rc;

    *created = 0;
    if (!cx->user->is_system)
        return PH_EPERM;
    if (found == NULL || found->n == 0)
        return PH_OK;
    /* Read again in this transaction: a record made since find (another run, the
     * HTTP route) covers what it found there. */
    if ((rc = store_hotspot_open(cx->st, cx->arena, &open, &n_open)) != PH_OK)
        return rc;
    for (size_t i = 0; i < n_open; i++)
        known_add_text(&known, open[i].cells, open[i].h.cell_m);
    for (size_t i = 0; i < found->n && rc == PH_OK; i++) {
        const struct found_record *fr = &found->items[i];
        const size_t n_cells = (size_t)fr->sh.h.n_cells;
        bool covered = false;
        for (size_t c = 0; c < n_cells && !covered; c++)
            covered = known_overlaps(&known, fr->lon[c], fr->lat[c], fr->sh.h.cell_m);
        if (covered)
            continue;
        rc = record_one(cx, fr, created);
        for (size_t c = 0; rc == PH_OK && c < n_cells; c++)
            known_add(&known, fr->lon[c], fr->lat[c], fr->sh.h.cell_m);
    }
    free(known.c);
    return rc;
}

/* ---- both on one connection ------------------------------------------------------------ */

ph_err hotspot_detect(struct core_ctx *cx, const struct hotspot_detect_params *p, int *created)
{
    struct hotspot_found *found = NULL;
    ph_err rc = hotspot_detect_find(cx, p, &found);

    *created = 0;
    if (rc == PH_OK)
        rc = hotspot_detect_record(cx, found, created);
    hotspot_found_free(found);
    return rc;
}

/* The passes over the incidents (all categories, then each group, then the
 * members) read one snapshot: an incident filed meanwhile is in all of them or
 * in none (a no-op inside the caller's transaction). */
ph_err hotspot_detect_find(struct core_ctx *cx, const struct hotspot_detect_params *p,
                           struct hotspot_found **out)
{
    ph_err rc = store_read_begin(cx->st);

    if (rc != PH_OK)
        return rc;
    rc = find_in_snapshot(cx, p, out);
    (void)store_read_end(cx->st);
    return rc;
}
