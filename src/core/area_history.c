/* area_history.c - areas across time (core/area_history.h): the successions a
 * reorganisation recorded, an area seen on another day's map, incidents counted
 * by another day's areas, units whose areas of responsibility closed, and the
 * routing rules that name closed areas.
 *
 * Seeing an area on day `at` walks the successions one step at a time:
 * - an area valid on `at` is itself;
 * - one closed by `at` goes forward: to its full successor (the whole area went
 *   there), else among its partial successors to the one whose outline holds the
 *   location (the successor's own outline, or, when it has none, that of what it
 *   became on `at`); with no location, or one no successor holds, it is
 *   ambiguous. Several successors that all end in the same area need no
 *   location; a lone partial successor does (the rest went somewhere else);
 * - one that opened after `at` goes backward the same way: a single predecessor
 *   holds it all, several need the location.
 * Chains are followed up to HIST_MAX_STEPS steps (more means a cycle in the data).
 *
 * Counting at a level (province, district, commune) takes the ancestor at that
 * level of the area found. When that cannot be done, the area above is tried:
 * it holds the whole of the area below, so when it maps without a location its
 * answer is sound at any level at or above it (an old commune split between two
 * new communes of one province still counts for that province). This relies on
 * the data saying "partial" for a parent whenever one of its children went
 * partly elsewhere, as the official mapping does. An area that closed with no
 * successor (the districts abolished in July 2025) and a result coarser than
 * the level use the location on that day's map (geo_resolve_area) when there
 * is one.
 *
 * Speed: a count keeps every area it met (row, successions, parsed outline) in
 * a table by id, and the answer without a location for each incident area, so
 * a year of incidents in fully merged areas costs one table lookup each; only
 * incidents of partial merges test points against outlines.
 *
 * Operations are counted the same way from the areas they touched when planned
 * (no location: a partial merge leaves them ambiguous); positions by their
 * location on that day's map, the commune that held a device's last point
 * tried first. */
#include "util/base.h"
#include <jansson.h>
#include <time.h>
#include "core/access.h"
#include "core/area.h"
#include "core/area_history.h"
#include "core/audit.h"
#include "core/ctx.h"
#include "core/fields.h"
#include "core/geo.h"
#include "core/incident.h"
#include "core/outbox.h"
#include "core/position_int.h"
#include "core/routing.h"
#include "core/unit.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/limits.h"
#include "util/mem.h"
#include "util/time.h"

/* Successions followed from one area before giving up (a cycle in the data). */
#define HIST_MAX_STEPS 32
/* Areas climbed when an area cannot be placed (three levels, with margin). */
#define HIST_MAX_CLIMB 8
/* Scratch memory of location lookups is given back this often (bytes). */
#define HIST_SCRATCH_BYTES ((size_t)4 << 20)

/* ---- helpers ---------------------------------------------------------------------- */

/* The day of ms in Asia/Ho_Chi_Minh (UTC+7, no daylight saving). */
static void vn_date(int64_t ms, char out[11])
{
    time_t t = (time_t)(ms / 1000) + 7 * 3600;
    struct tm tm;

    if (gmtime_r(&t, &tm) == NULL || strftime(out, 11, "%Y-%m-%d", &tm) != 10)
        snprintf(out, 11, "1970-01-01");
}

/* at, or today (cx->now_ms) when NULL, into cx->arena; NULL when at is no date. */
static const char *date_or_today(struct core_ctx *cx, const char *at)
{
    char today[11];

    if (at != NULL)
        return time_is_date(at) ? at : NULL;
    vn_date(cx->now_ms, today);
    return arena_strdup(cx->arena, today);
}

static bool is_admin(const struct core_user *u)
{
    return u->is_system || (u->roles & ROLE_ADMIN) != 0;
}

/* May the caller administer the unit at path, of force? */
static bool may_admin_unit(struct core_ctx *cx, const char *path, const char *force)
{
    struct access_item item = {.kind = ITEM_UNIT, .owner_path = path, .owner_force = force};

    return access_allows(cx->user, ACCESS_UPDATE, &item, NULL);
}

static ph_err check_area_read(struct core_ctx *cx)
{
    struct access_item item = {.kind = ITEM_AREA};

    return access_allows(cx->user, ACCESS_READ, &item, NULL) ? PH_OK : PH_EPERM;
}

/* ---- the walk --------------------------------------------------------------------- */

enum walk_end { WALK_AREA, WALK_NONE, WALK_AMBIGUOUS };

struct hist_loc {
    double lat, lon;
};

/* One area as walks meet it; kept for the whole count. */
struct hist_node {
    int64_t id;
    struct area a;
    struct area_succession *succ, *pred; /* loaded on first use */
    size_t n_succ, n_pred;
    bool has_succ, has_pred;
    int shape_state; /* 0: not parsed yet, 1: usable, -1: none or unusable */
    struct geo_shape shape;
    /* Walking without a location, once done. */
    bool walked;
    enum walk_end walk_end;
    int64_t walk_to;
    /* The row of an incident of this area without a location (0: ambiguous). */
    bool targeted;
    int64_t target_row;
};

/* Open addressing by id; the table grows at half full. */
struct hist_table {
    struct hist_node **slots;
    size_t cap, n;
};

struct hist {
    struct core_ctx *cx;
    const char *at;
    int level;        /* level_rank of the level counted at; -1: the deepest */
    struct arena *ar; /* nodes, successions, outlines */
    struct hist_table t;
    struct arena scratch; /* location lookups' candidates */
    size_t scratch_calls;
};

static size_t slot_of(int64_t id, size_t cap)
{
    uint64_t h = (uint64_t)id * 0x9e3779b97f4a7c15ull;
    return (size_t)(h >> 17) & (cap - 1);
}

static void table_put(struct hist_table *t, struct hist_node *node)
{
    if (2 * (t->n + 1) > t->cap) {
        size_t cap = t->cap != 0 ? 2 * t->cap : 256;
        struct hist_node **slots = xcalloc(cap, sizeof(*slots));
        for (size_t i = 0; i < t->cap; i++) {
            struct hist_node *e = t->slots[i];
            if (e == NULL)
                continue;
            size_t j = slot_of(e->id, cap);
            while (slots[j] != NULL)
                j = (j + 1) & (cap - 1);
            slots[j] = e;
        }
        free(t->slots);
        t->slots = slots;
        t->cap = cap;
    }
    size_t j = slot_of(node->id, t->cap);
    while (t->slots[j] != NULL)
        j = (j + 1) & (t->cap - 1);
    t->slots[j] = node;
    t->n++;
}

static struct hist_node *table_get(const struct hist_table *t, int64_t id)
{
    if (t->cap == 0)
        return NULL;
    for (size_t j = slot_of(id, t->cap);; j = (j + 1) & (t->cap - 1)) {
        if (t->slots[j] == NULL)
            return NULL;
        if (t->slots[j]->id == id)
            return t->slots[j];
    }
}

static void hist_init(struct hist *h, struct core_ctx *cx, const char *at, int level)
{
    memset(h, 0, sizeof(*h));
    h->cx = cx;
    h->at = at;
    h->level = level;
    h->ar = cx->arena;
    arena_init(&h->scratch);
}

static void hist_release(struct hist *h)
{
    free(h->t.slots);
    arena_release(&h->scratch);
}

/* The node of area id (read on first use). PH_ENOTFOUND when there is no such area. */
static ph_err node_of(struct hist *h, int64_t id, struct hist_node **out)
{
    struct hist_node *node = table_get(&h->t, id);
    ph_err rc;

    if (node == NULL) {
        node = arena_zalloc(h->ar, sizeof(*node));
        rc = store_area_get(h->cx->st, h->ar, id, &node->a);
        if (rc != PH_OK)
            return rc;
        node->id = id;
        table_put(&h->t, node);
    }
    *out = node;
    return PH_OK;
}

static ph_err successors(struct hist *h, struct hist_node *node)
{
    ph_err rc = PH_OK;

    if (!node->has_succ) {
        rc = store_area_successions(h->cx->st, h->ar, node->id, false, &node->succ, &node->n_succ);
        node->has_succ = rc == PH_OK;
    }
    return rc;
}

static ph_err predecessors(struct hist *h, struct hist_node *node)
{
    ph_err rc = PH_OK;

    if (!node->has_pred) {
        rc = store_area_successions(h->cx->st, h->ar, node->id, true, &node->pred, &node->n_pred);
        node->has_pred = rc == PH_OK;
    }
    return rc;
}

/* Does node's outline hold loc? *known false when it has no usable outline. */
static bool node_contains(struct hist *h, struct hist_node *node, const struct hist_loc *loc,
                          bool *known)
{
    if (node->shape_state == 0) {
        const char *why = NULL;
        node->shape_state = -1;
        if (node->a.geometry != NULL &&
            geo_shape_parse(h->ar, node->a.geometry, strlen(node->a.geometry), &node->shape,
                            &why) == PH_OK)
            node->shape_state = 1;
    }
    *known = node->shape_state == 1;
    return *known && geo_shape_contains(&node->shape, loc->lon, loc->lat);
}

static bool valid_on(const struct area *a, const char *at)
{
    return a->valid_from != NULL && strcmp(a->valid_from, at) <= 0 &&
           (a->valid_to == NULL || strcmp(at, a->valid_to) < 0);
}

static ph_err walk(struct hist *h, int64_t id, const struct hist_loc *loc, int steps,
                   enum walk_end *end, int64_t *to);

/* Among the areas ids (an area's partial successors, or several predecessors),
 * the one loc lies in, walked on to `at`. */
static ph_err choose(struct hist *h, const int64_t *ids, size_t n, const struct hist_loc *loc,
                     int steps, enum walk_end *end, int64_t *to)
{
    int64_t same = 0;
    bool all_same;
    ph_err rc;

    /* Several candidates that all end in one area need no location; a lone
     * partial successor does (the rest of the area went somewhere unrecorded). */
    all_same = n >= 2;
    for (size_t i = 0; i < n && all_same; i++) {
        enum walk_end e;
        int64_t t = 0;
        rc = walk(h, ids[i], NULL, steps + 1, &e, &t);
        if (rc != PH_OK)
            return rc;
        if (e != WALK_AREA || (i > 0 && t != same))
            all_same = false;
        same = t;
    }
    if (all_same) {
        *end = WALK_AREA;
        *to = same;
        return PH_OK;
    }
    *end = WALK_AMBIGUOUS;
    *to = 0;
    if (loc == NULL)
        return PH_OK;
    for (size_t i = 0; i < n; i++) {
        struct hist_node *c;
        bool known = false, inside;
        rc = node_of(h, ids[i], &c);
        if (rc != PH_OK)
            return rc;
        inside = node_contains(h, c, loc, &known);
        if (!known) {
            /* No outline of its own: that of what it became on `at`. */
            enum walk_end e;
            int64_t t = 0;
            struct hist_node *tn;
            rc = walk(h, ids[i], loc, steps + 1, &e, &t);
            if (rc != PH_OK)
                return rc;
            if (e != WALK_AREA)
                continue;
            rc = node_of(h, t, &tn);
            if (rc != PH_OK)
                return rc;
            inside = node_contains(h, tn, loc, &known);
        }
        if (inside)
            return walk(h, ids[i], loc, steps + 1, end, to);
    }
    return PH_OK;
}

/* Area id seen on h->at: *end and (for WALK_AREA) *to. */
static ph_err walk(struct hist *h, int64_t id, const struct hist_loc *loc, int steps,
                   enum walk_end *end, int64_t *to)
{
    struct hist_node *node;
    int64_t *ids;
    ph_err rc;

    *end = WALK_AMBIGUOUS;
    *to = 0;
    if (steps > HIST_MAX_STEPS)
        return PH_OK;
    rc = node_of(h, id, &node);
    if (rc != PH_OK)
        return rc;
    if (loc == NULL && node->walked) {
        *end = node->walk_end;
        *to = node->walk_to;
        return PH_OK;
    }
    if (valid_on(&node->a, h->at)) {
        *end = WALK_AREA;
        *to = id;
    } else if (node->a.valid_to != NULL && strcmp(node->a.valid_to, h->at) <= 0) {
        rc = successors(h, node);
        if (rc != PH_OK)
            return rc;
        *end = WALK_NONE;
        for (size_t i = 0; i < node->n_succ && *end == WALK_NONE; i++)
            if (strcmp(node->succ[i].kind, "full") == 0)
                rc = walk(h, node->succ[i].new_area_id, loc, steps + 1, end, to);
        if (rc == PH_OK && *end == WALK_NONE && node->n_succ > 0) {
            ids = arena_alloc(h->ar, node->n_succ * sizeof(*ids));
            for (size_t i = 0; i < node->n_succ; i++)
                ids[i] = node->succ[i].new_area_id;
            rc = choose(h, ids, node->n_succ, loc, steps, end, to);
        }
    } else {
        rc = predecessors(h, node);
        if (rc != PH_OK)
            return rc;
        *end = WALK_NONE;
        if (node->n_pred == 1) {
            rc = walk(h, node->pred[0].old_area_id, loc, steps + 1, end, to);
        } else if (node->n_pred > 1) {
            ids = arena_alloc(h->ar, node->n_pred * sizeof(*ids));
            for (size_t i = 0; i < node->n_pred; i++)
                ids[i] = node->pred[i].old_area_id;
            rc = choose(h, ids, node->n_pred, loc, steps, end, to);
        }
    }
    /* A walk cut short by the step limit is not kept: from another start it may end. */
    if (rc == PH_OK && loc == NULL && steps == 0) {
        node->walked = true;
        node->walk_end = *end;
        node->walk_to = *to;
    }
    return rc;
}

/* ---- levels and locations ---------------------------------------------------------- */

/* The ancestor of id (itself included) at h->level; 0 when id lies above it. */
static ph_err ancestor_at(struct hist *h, int64_t id, int64_t *out)
{
    *out = 0;
    for (int i = 0; id != 0 && i < HIST_MAX_CLIMB; i++) {
        struct hist_node *node;
        ph_err rc = node_of(h, id, &node);
        if (rc != PH_OK)
            return rc;
        int rank = level_rank(node->a.level);
        if (h->level < 0 || rank == h->level) {
            *out = id;
            return PH_OK;
        }
        if (rank < h->level)
            return PH_OK;
        id = node->a.parent_id;
    }
    return PH_OK;
}

/* The area of day h->at whose outline holds loc, at h->level (0: none). */
static ph_err resolve_at(struct hist *h, const struct hist_loc *loc, int64_t *row)
{
    struct core_ctx sub = *h->cx;
    int64_t id = 0;
    ph_err rc;

    *row = 0;
    if (!geo_point_valid(loc->lat, loc->lon))
        return PH_OK;
    /* The candidates (outlines included) land in scratch memory, given back
     * now and then, so that a year of lookups does not pile up. */
    if (++h->scratch_calls % 64 == 0) {
        arena_release(&h->scratch);
        arena_init(&h->scratch);
    }
    sub.arena = &h->scratch;
    rc = geo_resolve_area(&sub, loc->lat, loc->lon, h->at, &id);
    if (rc != PH_OK || id == 0)
        return rc;
    return ancestor_at(h, id, row);
}

/* The row (an area of day h->at at h->level) of an item in area id at loc
 * (NULL: unknown); 0 when that cannot be decided. */
static ph_err target(struct hist *h, int64_t id, const struct hist_loc *loc, int64_t *row)
{
    *row = 0;
    for (int i = 0; id != 0 && i < HIST_MAX_CLIMB; i++) {
        struct hist_node *node;
        enum walk_end end;
        int64_t to = 0;
        ph_err rc = walk(h, id, loc, 0, &end, &to);
        if (rc != PH_OK)
            return rc;
        if (end == WALK_AREA) {
            rc = ancestor_at(h, to, row);
            if (rc != PH_OK || *row != 0)
                return rc;
            /* Coarser than the level: only a location can place it below. */
            return loc != NULL ? resolve_at(h, loc, row) : PH_OK;
        }
        if (end == WALK_NONE && loc != NULL) {
            /* Closed with no successor: the location on that day's map. */
            rc = resolve_at(h, loc, row);
            if (rc != PH_OK || *row != 0)
                return rc;
        }
        /* The area above holds all of this one: its answer without a location
         * is sound (a location no successor held is not tried again). */
        rc = node_of(h, id, &node);
        if (rc != PH_OK)
            return rc;
        id = node->a.parent_id;
        loc = NULL;
    }
    return PH_OK;
}

/* ---- successions and the map of a day ------------------------------------------------ */

ph_err area_successions(struct core_ctx *cx, int64_t area_id, bool as_new,
                        struct area_succession **items, size_t *n)
{
    struct area a;
    ph_err rc = check_area_read(cx);

    if (rc == PH_OK)
        rc = store_area_get(cx->st, cx->arena, area_id, &a);
    if (rc == PH_OK)
        rc = store_area_successions(cx->st, cx->arena, area_id, as_new, items, n);
    return rc;
}

ph_err area_map_to(struct core_ctx *cx, int64_t area_id, bool has_location, double lat, double lon,
                   const char *at, int64_t *to_id, bool *ambiguous)
{
    struct hist h;
    struct hist_loc loc = {.lat = lat, .lon = lon};
    enum walk_end end = WALK_NONE;
    int64_t to = 0;
    ph_err rc = check_area_read(cx);

    if (rc != PH_OK)
        return rc;
    at = date_or_today(cx, at);
    if (at == NULL || (has_location && !geo_point_valid(lat, lon)))
        return PH_EINVAL;
    hist_init(&h, cx, at, -1);
    rc = walk(&h, area_id, has_location ? &loc : NULL, 0, &end, &to);
    hist_release(&h);
    if (rc != PH_OK)
        return rc;
    *to_id = end == WALK_AREA ? to : 0;
    *ambiguous = end == WALK_AMBIGUOUS;
    return PH_OK;
}

/* ---- counting incidents by another day's areas ------------------------------------- */

struct count_row {
    int64_t area_id, count;
};

struct count_run {
    struct hist h;
    ph_err rc;              /* the first failure; rows after it are skipped */
    struct count_row *rows; /* open addressing by area id, cap a power of two */
    size_t cap, n;
    int64_t total, ambiguous, no_area;
    int64_t *amb_ids;
    size_t n_amb;
    /* Operations: the one whose rows are coming, its rows so far (each once). */
    int64_t op_id;
    int64_t *op_rows;
    size_t n_op_rows, cap_op_rows;
    bool op_has_area, op_ambiguous;
    /* Positions: the device of the last one and the commune that held it. */
    int64_t pos_device, pos_area;
};

static void count_add(struct count_run *c, int64_t area_id)
{
    if (2 * (c->n + 1) > c->cap) {
        size_t cap = c->cap != 0 ? 2 * c->cap : 256;
        struct count_row *rows = xcalloc(cap, sizeof(*rows));
        for (size_t i = 0; i < c->cap; i++) {
            if (c->rows[i].area_id == 0)
                continue;
            size_t j = slot_of(c->rows[i].area_id, cap);
            while (rows[j].area_id != 0)
                j = (j + 1) & (cap - 1);
            rows[j] = c->rows[i];
        }
        free(c->rows);
        c->rows = rows;
        c->cap = cap;
    }
    size_t j = slot_of(area_id, c->cap);
    while (c->rows[j].area_id != 0 && c->rows[j].area_id != area_id)
        j = (j + 1) & (c->cap - 1);
    if (c->rows[j].area_id == 0) {
        c->rows[j].area_id = area_id;
        c->n++;
    }
    c->rows[j].count++;
}

static void on_incident(void *ctx, const struct store_area_incident *inc)
{
    struct count_run *c = ctx;
    struct hist_loc loc = {.lat = inc->lat, .lon = inc->lon};
    struct hist_node *node;
    int64_t row = 0;
    ph_err rc;

    if (c->rc != PH_OK)
        return;
    c->total++;
    if (inc->area_id == 0) {
        c->no_area++;
        return;
    }
    rc = node_of(&c->h, inc->area_id, &node);
    if (rc == PH_OK && !node->targeted) {
        rc = target(&c->h, inc->area_id, NULL, &node->target_row);
        node->targeted = rc == PH_OK;
    }
    if (rc == PH_OK) {
        row = node->target_row;
        if (row == 0 && inc->has_location)
            rc = target(&c->h, inc->area_id, &loc, &row);
    }
    if (rc != PH_OK) {
        c->rc = rc;
        return;
    }
    if (row != 0) {
        count_add(c, row);
        return;
    }
    c->ambiguous++;
    if (c->n_amb < AREA_AMBIGUOUS_IDS_MAX)
        c->amb_ids[c->n_amb++] = inc->id;
}

static int count_cmp(const void *x, const void *y)
{
    const struct area_count *a = x, *b = y;
    int d;

    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    d = strcmp(a->code != NULL ? a->code : "", b->code != NULL ? b->code : "");
    if (d != 0)
        return d;
    return a->area_id < b->area_id ? -1 : a->area_id > b->area_id;
}

/* Check a count's arguments (a period of at most max_ms when not 0) and set c
 * up for day `at`. PH_EINVAL with *field. */
static ph_err count_begin(struct core_ctx *cx, struct count_run *c, int64_t from, int64_t to,
                          const char *at, const char *level, int64_t max_ms,
                          struct area_count_result *out, const char **field)
{
    const char *f = "to";
    ph_err rc = PH_EINVAL;

    memset(c, 0, sizeof(*c));
    memset(out, 0, sizeof(*out));
    if (from < 0 || to <= from || (max_ms > 0 && to - from > max_ms))
        goto out;
    f = "at";
    at = date_or_today(cx, at);
    if (at == NULL)
        goto out;
    f = "level";
    if (level != NULL && !level_is_valid(level))
        goto out;
    hist_init(&c->h, cx, at, level != NULL ? level_rank(level) : -1);
    c->amb_ids = arena_alloc(cx->arena, AREA_AMBIGUOUS_IDS_MAX * sizeof(*c->amb_ids));
    rc = PH_OK;
out:
    if (rc == PH_EINVAL && field != NULL)
        *field = f;
    return rc;
}

/* The answer of a count that streamed with rc, and c given back. */
static ph_err count_end(struct core_ctx *cx, struct count_run *c, ph_err rc,
                        struct area_count_result *out)
{
    if (rc == PH_OK)
        rc = c->rc;
    if (rc == PH_OK) {
        struct area_count *rows = arena_zalloc(cx->arena, (c->n + 1) * sizeof(*rows));
        size_t k = 0;
        for (size_t i = 0; i < c->cap && rc == PH_OK; i++) {
            struct hist_node *node;
            if (c->rows[i].area_id == 0)
                continue;
            rc = node_of(&c->h, c->rows[i].area_id, &node);
            if (rc != PH_OK)
                break;
            rows[k].area_id = node->id;
            rows[k].code = node->a.code;
            rows[k].name = node->a.name;
            rows[k].count = c->rows[i].count;
            k++;
        }
        if (rc == PH_OK) {
            qsort(rows, k, sizeof(*rows), count_cmp);
            out->rows = rows;
            out->n = k;
            out->total = c->total;
            out->ambiguous = c->ambiguous;
            out->no_area = c->no_area;
            out->ambiguous_ids = c->amb_ids;
            out->n_ambiguous_ids = c->n_amb;
        }
    }
    free(c->rows);
    free(c->op_rows);
    hist_release(&c->h);
    return rc;
}

static ph_err count_in_snapshot(struct core_ctx *cx, int64_t from, int64_t to, const char *at,
                                const char *level, struct area_count_result *out, const char **field)
{
    struct count_run c;
    struct incident_scope scope;
    ph_err rc = count_begin(cx, &c, from, to, at, level, 0, out, field);

    if (rc != PH_OK)
        return rc;
    incident_scope_of(cx->user, &scope);
    /* One who sees no incident gets nothing counted. */
    if (scope.clearance >= 0)
        rc = store_area_incidents(cx->st, from, to, &scope, on_incident, &c);
    return count_end(cx, &c, rc, out);
}

/* ---- counting operations and positions ----------------------------------------------- */

/* The operation whose rows came last, into the count. */
static void operation_done(struct count_run *c)
{
    if (c->op_id == 0)
        return;
    c->total++;
    if (!c->op_has_area)
        c->no_area++;
    for (size_t i = 0; i < c->n_op_rows; i++)
        count_add(c, c->op_rows[i]);
    if (c->op_ambiguous) {
        c->ambiguous++;
        if (c->n_amb < AREA_AMBIGUOUS_IDS_MAX)
            c->amb_ids[c->n_amb++] = c->op_id;
    }
    c->op_id = 0;
    c->n_op_rows = 0;
    c->op_has_area = c->op_ambiguous = false;
}

static void on_operation(void *ctx, const struct store_area_operation *op)
{
    struct count_run *c = ctx;
    struct hist_node *node;
    ph_err rc;

    if (c->rc != PH_OK)
        return;
    if (op->id != c->op_id) {
        operation_done(c);
        c->op_id = op->id;
    }
    if (op->area_id == 0)
        return;
    c->op_has_area = true;
    /* No location: an operation covers a line or a surface, not a point. */
    rc = node_of(&c->h, op->area_id, &node);
    if (rc == PH_OK && !node->targeted) {
        rc = target(&c->h, op->area_id, NULL, &node->target_row);
        node->targeted = rc == PH_OK;
    }
    if (rc != PH_OK) {
        c->rc = rc;
        return;
    }
    if (node->target_row == 0) {
        c->op_ambiguous = true;
        return;
    }
    for (size_t i = 0; i < c->n_op_rows; i++)
        if (c->op_rows[i] == node->target_row)
            return; /* counted once per area */
    if (c->n_op_rows == c->cap_op_rows) {
        c->cap_op_rows = c->cap_op_rows != 0 ? 2 * c->cap_op_rows : 16;
        c->op_rows = xrealloc(c->op_rows, c->cap_op_rows * sizeof(*c->op_rows));
    }
    c->op_rows[c->n_op_rows++] = node->target_row;
}

static ph_err count_operations_in_snapshot(struct core_ctx *cx, int64_t from, int64_t to,
                                           const char *at, const char *level,
                                           struct area_count_result *out, const char **field)
{
    struct count_run c;
    struct incident_scope scope;
    ph_err rc = count_begin(cx, &c, from, to, at, level, 0, out, field);

    if (rc != PH_OK)
        return rc;
    /* operation_list's scope: that of incidents. */
    incident_scope_of(cx->user, &scope);
    if (scope.clearance >= 0) {
        rc = store_area_operations(cx->st, from, to, &scope, on_operation, &c);
        if (rc == PH_OK && c.rc == PH_OK)
            operation_done(&c);
    }
    return count_end(cx, &c, rc, out);
}

static void on_position(void *ctx, const struct store_area_position *p)
{
    struct count_run *c = ctx;
    struct hist_loc loc = {.lat = p->lat, .lon = p->lon};
    int64_t deep = 0, row = 0;
    ph_err rc = PH_OK;

    if (c->rc != PH_OK)
        return;
    c->total++;
    if (!geo_point_valid(p->lat, p->lon)) {
        c->no_area++;
        return;
    }
    /* A device mostly stays in one commune between reports: when the last
     * commune it was found in still holds the point, no lookup is needed (a
     * commune has no area below it, so the lookup would answer the same). */
    if (p->device_id == c->pos_device && c->pos_area != 0) {
        struct hist_node *node;
        bool known = false;
        rc = node_of(&c->h, c->pos_area, &node);
        if (rc == PH_OK && node_contains(&c->h, node, &loc, &known))
            deep = c->pos_area;
    }
    if (rc == PH_OK && deep == 0) {
        struct core_ctx sub = *c->h.cx;
        if (++c->h.scratch_calls % 64 == 0) {
            arena_release(&c->h.scratch);
            arena_init(&c->h.scratch);
        }
        sub.arena = &c->h.scratch;
        rc = geo_resolve_area(&sub, p->lat, p->lon, c->h.at, &deep);
    }
    if (rc == PH_OK && deep != 0)
        rc = ancestor_at(&c->h, deep, &row);
    if (rc != PH_OK) {
        c->rc = rc;
        return;
    }
    c->pos_device = p->device_id;
    c->pos_area = 0;
    if (deep != 0) {
        struct hist_node *node;
        if (node_of(&c->h, deep, &node) == PH_OK && level_rank(node->a.level) == 2)
            c->pos_area = deep;
    }
    if (row == 0) {
        c->no_area++;
        return;
    }
    count_add(c, row);
}

static ph_err count_positions_in_snapshot(struct core_ctx *cx, int64_t from, int64_t to,
                                          const char *at, const char *level,
                                          struct area_count_result *out, const char **field)
{
    struct count_run c;
    const char *scope = NULL;
    ph_err rc = count_begin(cx, &c, from, to, at, level,
                            (int64_t)AREA_POSITIONS_MAX_DAYS * 24 * 3600 * 1000, out, field);

    if (rc != PH_OK)
        return rc;
    /* The devices of position_latest and tracks: the caller's unit and below. */
    if (position_scope(cx->user, &scope))
        rc = store_area_positions(cx->st, from, to, scope, on_position, &c);
    return count_end(cx, &c, rc, out);
}

/* ---- units follow the map ------------------------------------------------------------ */

static bool status_valid(const char *s)
{
    return s != NULL && (strcmp(s, "proposed") == 0 || strcmp(s, "confirmed") == 0 ||
                         strcmp(s, "rejected") == 0);
}

static json_t *proposal_json(const struct unit_area_proposal *p)
{
    return json_pack("{s:I, s:I, s:I, s:I, s:o, s:o}", "id", (json_int_t)p->id, "unit_id",
                     (json_int_t)p->unit_id, "old_area_id", (json_int_t)p->old_area_id,
                     "new_area_id", (json_int_t)p->new_area_id, "kind", fields_jstr(p->kind),
                     "status", fields_jstr(p->status));
}

/* The areas valid on h->at that old area id went into, each once, with whether
 * the whole way there was full: successors followed through later closures. */
struct leaf_set {
    int64_t *ids;
    bool *full;
    size_t n, cap;
};

static ph_err leaves(struct hist *h, int64_t id, bool full, int steps, struct leaf_set *out)
{
    struct hist_node *node;
    ph_err rc;

    if (steps > HIST_MAX_STEPS)
        return PH_OK;
    rc = node_of(h, id, &node);
    if (rc != PH_OK)
        return rc;
    if (steps > 0 && valid_on(&node->a, h->at)) {
        for (size_t i = 0; i < out->n; i++)
            if (out->ids[i] == id) {
                out->full[i] = out->full[i] || full;
                return PH_OK;
            }
        if (out->n == out->cap) {
            out->cap = out->cap != 0 ? 2 * out->cap : 8;
            out->ids = xrealloc(out->ids, out->cap * sizeof(*out->ids));
            out->full = xrealloc(out->full, out->cap * sizeof(*out->full));
        }
        out->ids[out->n] = id;
        out->full[out->n++] = full;
        return PH_OK;
    }
    if (node->a.valid_to == NULL || strcmp(node->a.valid_to, h->at) > 0)
        return PH_OK; /* not closed by then (or not open yet): nothing to follow */
    rc = successors(h, node);
    for (size_t i = 0; i < node->n_succ && rc == PH_OK; i++)
        rc = leaves(h, node->succ[i].new_area_id, full && strcmp(node->succ[i].kind, "full") == 0,
                    steps + 1, out);
    return rc;
}

ph_err unit_area_propose(struct core_ctx *cx, const char *at, int *created)
{
    struct store_unit_area *links = NULL;
    struct leaf_set ls = {0};
    struct hist h;
    size_t n = 0;
    int made = 0;
    ph_err rc;

    if (!is_admin(cx->user))
        return PH_EPERM;
    at = date_or_today(cx, at);
    if (at == NULL)
        return PH_EINVAL;
    rc = store_unit_closed_areas(cx->st, cx->arena, at, &links, &n);
    if (rc != PH_OK)
        return rc;
    hist_init(&h, cx, at, -1);
    for (size_t i = 0; i < n && rc == PH_OK; i++) {
        if (!may_admin_unit(cx, links[i].unit_path, links[i].unit_force))
            continue;
        ls.n = 0;
        rc = leaves(&h, links[i].area_id, true, 0, &ls);
        for (size_t k = 0; k < ls.n && rc == PH_OK; k++) {
            struct unit_area_proposal p = {.unit_id = links[i].unit_id,
                                           .old_area_id = links[i].area_id,
                                           .new_area_id = ls.ids[k],
                                           .kind = ls.full[k] ? "full" : "partial",
                                           .status = "proposed",
                                           .created_at = cx->now_ms};
            rc = store_unit_area_proposal_put(cx->st, &p, &p.id);
            if (rc != PH_OK || p.id == 0)
                continue;
            made++;
            rc = audit_record(cx, "unit_area_proposal.create", "unit_area_proposal", p.id,
                              proposal_json(&p));
            if (rc == PH_OK)
                rc = outbox_emit(cx, "unit_area_proposal.created", "unit_area_proposal", p.id,
                                 proposal_json(&p));
        }
    }
    free(ls.ids);
    free(ls.full);
    hist_release(&h);
    if (rc == PH_OK && created != NULL)
        *created = made;
    return rc;
}

ph_err unit_area_proposals(struct core_ctx *cx, const char *status, int64_t unit_id,
                           struct unit_area_proposal **items, size_t *n)
{
    struct store_unit_area_proposal *rows = NULL;
    struct unit_area_proposal *list;
    const char *scope = NULL;
    size_t k = 0;
    ph_err rc;

    if (!is_admin(cx->user))
        return PH_EPERM;
    if (status != NULL && !status_valid(status))
        return PH_EINVAL;
    if (!access_is_global_admin(cx->user))
        scope = cx->user->unit_path;
    rc = store_unit_area_proposal_list(cx->st, cx->arena, status, unit_id, scope, &rows, n);
    if (rc != PH_OK)
        return rc;
    list = arena_zalloc(cx->arena, (*n + 1) * sizeof(*list));
    for (size_t i = 0; i < *n; i++)
        list[k++] = rows[i].p;
    *items = list;
    *n = k;
    return PH_OK;
}

ph_err unit_area_decide(struct core_ctx *cx, int64_t id, bool confirm, const char **field)
{
    struct store_unit_area_proposal sp;
    struct unit u;
    const char *status = confirm ? "confirmed" : "rejected";
    ph_err rc;

    if (!is_admin(cx->user))
        return PH_EPERM;
    rc = store_unit_area_proposal_get(cx->st, cx->arena, id, &sp);
    if (rc != PH_OK)
        return rc;
    rc = store_unit_get(cx->st, cx->arena, sp.p.unit_id, &u);
    if (rc != PH_OK)
        return rc;
    if (!may_admin_unit(cx, u.path, u.force))
        return access_is_global_admin(cx->user) ? PH_EPERM : PH_ENOTFOUND;
    if (strcmp(sp.p.status, "proposed") != 0) {
        if (field != NULL)
            *field = "status";
        return PH_ECONFLICT;
    }
    rc = store_unit_area_proposal_decide(cx->st, id, status, cx->now_ms, cx->user->person_id);
    if (rc == PH_ECONFLICT && field != NULL)
        *field = "status";
    if (rc != PH_OK)
        return rc;
    sp.p.status = status;
    sp.p.decided_at = cx->now_ms;
    sp.p.decided_by = cx->user->person_id;
    rc = audit_record(cx, confirm ? "unit_area_proposal.confirm" : "unit_area_proposal.reject",
                      "unit_area_proposal", id, proposal_json(&sp.p));
    if (rc == PH_OK)
        rc = outbox_emit(cx, "unit_area_proposal.decided", "unit_area_proposal", id,
                         proposal_json(&sp.p));
    if (rc == PH_OK && confirm) {
        /* The old area out, the new one in (once), through the unit's own update:
         * its checks, its audit entry and its "unit.updated" event. */
        int64_t *ids = arena_alloc(cx->arena, (u.n_areas + 1) * sizeof(*ids));
        size_t k = 0;
        bool has_new = false;
        for (size_t i = 0; i < u.n_areas; i++) {
            if (u.area_ids[i] == sp.p.old_area_id)
                continue;
            has_new = has_new || u.area_ids[i] == sp.p.new_area_id;
            ids[k++] = u.area_ids[i];
        }
        if (!has_new)
            ids[k++] = sp.p.new_area_id;
        u.area_ids = ids;
        u.n_areas = k;
        rc = unit_update(cx, &u, field);
    }
    return rc;
}

/* ---- routing rules on closed areas ----------------------------------------------------- */

ph_err routing_rules_on_closed_areas(struct core_ctx *cx, const char *at, int64_t **rule_ids,
                                     size_t *n)
{
    struct routing_rule_filter f = {.limit = LIST_MAX_LIMIT};
    int64_t *ids = NULL;
    size_t k = 0, cap = 0;
    bool more = true;
    ph_err rc = PH_OK;

    at = date_or_today(cx, at);
    if (at == NULL)
        return PH_EINVAL;
    while (more && rc == PH_OK) {
        struct routing_rule *items = NULL;
        size_t m = 0;
        rc = routing_rule_list(cx, &f, &items, &m, &more);
        for (size_t i = 0; i < m && rc == PH_OK; i++) {
            struct area a;
            f.after_id = items[i].id;
            if (items[i].area_id == 0)
                continue;
            rc = store_area_get(cx->st, cx->arena, items[i].area_id, &a);
            if (rc == PH_ENOTFOUND)
                rc = PH_OK; /* areas are not deleted while a rule names them */
            if (rc != PH_OK || a.valid_to == NULL || strcmp(a.valid_to, at) > 0)
                continue;
            if (k == cap) {
                int64_t *grown;
                cap = cap != 0 ? 2 * cap : 16;
                grown = arena_alloc(cx->arena, cap * sizeof(*grown));
                if (k > 0)
                    memcpy(grown, ids, k * sizeof(*ids));
                ids = grown;
            }
            ids[k++] = items[i].id;
        }
        if (m == 0)
            break;
    }
    if (rc != PH_OK)
        return rc;
    *rule_ids = ids;
    *n = k;
    return PH_OK;
}

typedef ph_err (*count_fn)(struct core_ctx *cx, int64_t from, int64_t to, const char *at,
                           const char *level, struct area_count_result *out, const char **field);

/* One read snapshot for the items and the many area lookups: one commit counted
 * throughout, and SQLite's read lock taken once (docs/PERFORMANCE.md, "Area
 * lookup"). */
static ph_err count_in_read_snapshot(count_fn count, struct core_ctx *cx, int64_t from, int64_t to,
                                     const char *at, const char *level, struct area_count_result *out,
                                     const char **field)
{
    ph_err rc = store_read_begin(cx->st);

    if (rc != PH_OK)
        return rc;
    rc = count(cx, from, to, at, level, out, field);
    (void)store_read_end(cx->st);
    return rc;
}

ph_err area_count_incidents(struct core_ctx *cx, int64_t from, int64_t to, const char *at,
                            const char *level, struct area_count_result *out, const char **field)
{
    return count_in_read_snapshot(count_in_snapshot, cx, from, to, at, level, out, field);
}

ph_err area_count_operations(struct core_ctx *cx, int64_t from, int64_t to, const char *at,
                             const char *level, struct area_count_result *out, const char **field)
{
    return count_in_read_snapshot(count_operations_in_snapshot, cx, from, to, at, level, out, field);
}

ph_err area_count_positions(struct core_ctx *cx, int64_t from, int64_t to, const char *at,
                            const char *level, struct area_count_result *out, const char **field)
{
    return count_in_read_snapshot(count_positions_in_snapshot, cx, from, to, at, level, out, field);
}
