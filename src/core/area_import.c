/* area_import.c - importing Vietnam's official administrative units (see
 * area_import.h; the files are parsed by proto/dvhcvn.c).
 *
 * The areas are written through the store directly rather than through
 * area_create/area_update, after the same validation (area_validate: NFC names,
 * levels, parents, GeoJSON), because an import is one domain action: one access
 * check, one audit entry with the counts and one outbox event "areas.imported"
 * for the whole file. Ten thousand "area.created" events would flood every
 * client's stream and the audit log for what an administrator did once; the
 * area_imports row (and the audit entry pointing at it) says what changed.
 *
 * Matching. The areas valid on the effective date are read once into a hash of
 * (level, code), so a whole-country list (10,800 units) costs one insert or one
 * comparison per unit, never a search. A reorganisation reads two maps: the old
 * one (areas valid the day before) and the areas opening on the effective day;
 * a new unit matches only an area of the second kind, since the July 2025 codes
 * reuse old codes for other units (the new commune 00004 "Phường Ba Đình" is not
 * the old 00004 "Phường Trúc Bạch").
 *
 * Kind. The files do not say which units are on the sea. New areas of a list are
 * inland and a list never changes the kind of an area it matches (an admin's or
 * the demo's "coastal" stays). A boundaries import sets "coastal" on the units
 * the table known_coastal below names (Bến Tre and its three districts on the
 * sea, as the demo province has them); other provinces' coastal units are set
 * by an admin (PUT /api/v1/areas/:id). A unit made by a reorganisation is
 * coastal when one of the old units merged into it was, else border when one
 * was, else inland.
 *
 * A dry run does the whole import inside a savepoint that is then rolled back,
 * so its counts are the real ones; only its area_imports row stays. */
#include "util/base.h"
#include <jansson.h>
#include <sodium.h>
#include "core/access.h"
#include "core/area.h"
#include "core/area_import.h"
#include "core/audit.h"
#include "core/ctx.h"
#include "core/geo.h"
#include "core/outbox.h"
#include "proto/dvhcvn.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/limits.h"
#include "util/text.h"
#include "util/time.h"

/* The progress callback runs every this many units (and at the end). */
#define IMPORT_PROGRESS_EVERY 256

static const char *const kind_names[] = {"list", "boundaries", "reorganisation"};
static const char *const level_names[] = {"", "province", "district", "commune"};

/* Units known to lie on the sea (see the top of the file). */
static const char *const known_coastal[] = {"83", "835", "836", "837"};

const char *area_import_kind_name(enum area_import_kind k)
{
    return (size_t)k < PH_NELEM(kind_names) ? kind_names[k] : "?";
}

bool area_import_kind_parse(const char *s, enum area_import_kind *out)
{
    for (size_t i = 0; s != NULL && i < PH_NELEM(kind_names); i++) {
        if (strcmp(s, kind_names[i]) == 0) {
            *out = (enum area_import_kind)i;
            return true;
        }
    }
    return false;
}

/* ---- a map of areas by (level, code) -------------------------------------------- */

struct amap {
    struct area *areas; /* by id */
    size_t n;
    size_t *slots; /* index + 1 into areas; 0 empty */
    size_t mask;
};

static uint64_t hash_key(const char *level, const char *code)
{
    uint64_t h = 1469598103934665603ull;

    for (const char *s = level; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    h = (h ^ ':') * 1099511628211ull;
    for (const char *s = code; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* Every area valid on date (opening on it too when only_opening), without
 * outlines, hashed by (level, code); the first (lowest id) wins a clash. */
static ph_err amap_load(struct core_ctx *cx, const char *date, bool only_opening, struct amap *m)
{
    struct area_filter f = {.at = date, .limit = LIST_MAX_LIMIT};
    size_t cap = 0, nslots = 16;
    bool more = true;
    ph_err rc = PH_OK;

    memset(m, 0, sizeof(*m));
    while (more) {
        struct area *items = NULL;
        size_t n = 0;
        rc = store_area_list(cx->st, cx->arena, &f, &items, &n, &more);
        if (rc != PH_OK)
            return rc;
        if (n == 0)
            break;
        f.after_id = items[n - 1].id;
        for (size_t i = 0; i < n; i++) {
            if (only_opening && strcmp(items[i].valid_from, date) != 0)
                continue;
            if (m->n == cap) {
                struct area *grown;
                cap = cap == 0 ? 1024 : 2 * cap;
                grown = arena_alloc(cx->arena, cap * sizeof(*grown));
                if (m->n > 0)
                    memcpy(grown, m->areas, m->n * sizeof(*grown));
                m->areas = grown;
            }
            m->areas[m->n++] = items[i];
        }
    }
    while (nslots < 2 * m->n)
        nslots *= 2;
    m->slots = arena_zalloc(cx->arena, nslots * sizeof(*m->slots));
    m->mask = nslots - 1;
    for (size_t i = 0; i < m->n; i++) {
        size_t k = (size_t)hash_key(m->areas[i].level, m->areas[i].code) & m->mask;
        bool clash = false;
        while (m->slots[k] != 0 && !clash) {
            const struct area *o = &m->areas[m->slots[k] - 1];
            clash =
                strcmp(o->level, m->areas[i].level) == 0 && strcmp(o->code, m->areas[i].code) == 0;
            if (!clash)
                k = (k + 1) & m->mask;
        }
        if (!clash)
            m->slots[k] = i + 1;
    }
    return rc;
}

static struct area *amap_find(const struct amap *m, const char *level, const char *code)
{
    size_t k;

    if (m->slots == NULL)
        return NULL;
    k = (size_t)hash_key(level, code) & m->mask;
    while (m->slots[k] != 0) {
        struct area *a = &m->areas[m->slots[k] - 1];
        if (strcmp(a->level, level) == 0 && strcmp(a->code, code) == 0)
            return a;
        k = (k + 1) & m->mask;
    }
    return NULL;
}

/* The area of id in m (areas are in id order), or NULL. */
static struct area *amap_by_id(const struct amap *m, int64_t id)
{
    size_t lo = 0, hi = m->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->areas[mid].id == id)
            return &m->areas[mid];
        if (m->areas[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* The code of the province a (of m) lies in; NULL when the chain breaks. */
static const char *province_of(const struct amap *m, const struct area *a)
{
    for (int i = 0; a != NULL && i < STORE_AREA_CHAIN_MAX; i++) {
        if (strcmp(a->level, "province") == 0)
            return a->code;
        a = a->parent_id != 0 ? amap_by_id(m, a->parent_id) : NULL;
    }
    return NULL;
}

/* The level of an old unit by the length of its code (dvhcvn.h). */
static const char *level_of_code(const char *code)
{
    size_t n = strlen(code);

    return n == 2 ? "province" : n == 3 ? "district" : "commune";
}

/* ---- the run ---------------------------------------------------------------------- */

struct run {
    struct core_ctx *cx;
    const struct area_import_opts *opts;
    const char *effective;
    struct dvhcvn_file file;
    struct area_import_report rep;
    const char *problem; /* PH_EINVAL: what is wrong, in cx->arena */
    const char *field;
    size_t done, total;
};

static void progress(struct run *r, bool last)
{
    r->done++;
    if (r->opts->progress != NULL && (last || r->done % IMPORT_PROGRESS_EVERY == 0))
        r->opts->progress(r->opts->progress_ctx, r->done, r->total);
}

static ph_err bad_unit(struct run *r, const struct dvhcvn_unit *u, const char *what, const char *f)
{
    r->field = "file";
    r->problem = arena_printf(r->cx->arena, "unit %s (%s): %s %s", u->code, u->name,
                              f != NULL ? f : "", what);
    return PH_EINVAL;
}

/* Insert a new area (validated). */
static ph_err create_area(struct run *r, const struct dvhcvn_unit *u, struct area *a, int64_t *id)
{
    const char *f = NULL;
    ph_err rc = area_validate(r->cx, a, &f);

    if (rc == PH_EINVAL)
        return bad_unit(r, u, "is not valid", f);
    if (rc != PH_OK)
        return rc;
    a->version = 1;
    a->created_at = a->updated_at = r->cx->now_ms;
    rc = store_area_insert(r->cx->st, a, text_fold(r->cx->arena, a->name), id);
    if (rc == PH_OK)
        r->rep.created++;
    return rc;
}

/* Write area a (its id, a full row: outline included) over the stored one. */
static ph_err update_area(struct run *r, struct area *a)
{
    a->version = 0; /* the import holds the writer: nothing moved it since we read it */
    a->updated_at = r->cx->now_ms;
    return store_area_update(r->cx->st, a, text_fold(r->cx->arena, a->name));
}

/* Create the unit's area, or bring the matching one (ex, from a map: no outline)
 * to the name, parent and kind given. kind NULL keeps ex's. */
static ph_err put_area(struct run *r, const struct dvhcvn_unit *u, const char *level,
                       int64_t parent_id, const char *kind, struct area *ex, int64_t *id)
{
    struct area a = {.code = u->code,
                     .name = u->name,
                     .level = level,
                     .kind = kind != NULL ? kind
                             : ex != NULL ? ex->kind
                                          : "inland",
                     .parent_id = parent_id,
                     .valid_from = ex != NULL ? ex->valid_from : r->effective,
                     .valid_to = ex != NULL ? ex->valid_to : NULL};
    struct area full;
    const char *f = NULL;
    ph_err rc;

    if (ex == NULL)
        return create_area(r, u, &a, id);
    /* Checked without the outline (the stored one was checked when stored). */
    rc = area_validate(r->cx, &a, &f);
    if (rc == PH_EINVAL)
        return bad_unit(r, u, "is not valid", f);
    if (rc != PH_OK)
        return rc;
    *id = ex->id;
    if (strcmp(a.name, ex->name) == 0 && a.parent_id == ex->parent_id &&
        strcmp(a.kind, ex->kind) == 0) {
        r->rep.unchanged++;
        return PH_OK;
    }
    rc = store_area_get(r->cx->st, r->cx->arena, ex->id, &full);
    if (rc != PH_OK)
        return rc;
    full.name = a.name;
    full.parent_id = a.parent_id;
    full.kind = a.kind;
    rc = update_area(r, &full);
    if (rc == PH_OK)
        r->rep.updated++;
    return rc;
}

/* The province code the options select, checked against the file's provinces. */
static ph_err check_province(struct run *r)
{
    const char *p = r->opts->province;

    if (p == NULL)
        return PH_OK;
    for (size_t i = 0; i < r->file.n_units; i++) {
        const struct dvhcvn_unit *u = &r->file.units[i];
        if (u->level != 1)
            continue;
        if (r->opts->kind != AREA_IMPORT_REORGANISATION && strcmp(u->code, p) == 0)
            return PH_OK;
        for (size_t k = 0; r->opts->kind == AREA_IMPORT_REORGANISATION && k < u->n_merges; k++)
            if (strcmp(u->merges[k].old_id, p) == 0)
                return PH_OK;
    }
    r->field = "province";
    r->problem = arena_printf(r->cx->arena, "province %s is not in the file", p);
    return PH_EINVAL;
}

/* Is unit i in the selected province (list, boundaries)? */
static bool selected(const struct run *r, size_t i)
{
    const struct dvhcvn_unit *u = &r->file.units[i];

    if (r->opts->province == NULL)
        return true;
    while (u->parent != DVHCVN_NO_PARENT)
        u = &r->file.units[u->parent];
    return strcmp(u->code, r->opts->province) == 0;
}

/* ---- list ------------------------------------------------------------------------- */

static ph_err import_list(struct run *r)
{
    struct amap m;
    int64_t *ids = arena_zalloc(r->cx->arena, r->file.n_units * sizeof(*ids));
    ph_err rc = amap_load(r->cx, r->effective, false, &m);

    for (size_t i = 0; i < r->file.n_units; i++)
        r->total += selected(r, i);
    r->rep.units = r->total;
    for (size_t i = 0; rc == PH_OK && i < r->file.n_units; i++) {
        const struct dvhcvn_unit *u = &r->file.units[i];
        const char *level = level_names[u->level];
        int64_t parent = u->parent != DVHCVN_NO_PARENT ? ids[u->parent] : 0;
        if (!selected(r, i))
            continue;
        rc = put_area(r, u, level, parent, NULL, amap_find(&m, level, u->code), &ids[i]);
        progress(r, r->done + 1 == r->total);
    }
    return rc;
}

/* ---- boundaries ------------------------------------------------------------------- */

static bool is_known_coastal(const char *code)
{
    for (size_t i = 0; i < PH_NELEM(known_coastal); i++)
        if (strcmp(code, known_coastal[i]) == 0)
            return true;
    return false;
}

static ph_err import_boundaries(struct run *r)
{
    struct amap m;
    ph_err rc = amap_load(r->cx, r->effective, false, &m);

    r->total = r->rep.units = r->file.n_units;
    for (size_t i = 0; rc == PH_OK && i < r->file.n_units; i++) {
        const struct dvhcvn_unit *u = &r->file.units[i];
        struct area *ex = amap_find(&m, level_names[u->level], u->code);
        struct geo_shape shape;
        struct area full;
        const char *why = NULL, *f = NULL, *old_geometry;
        bool same_kind;

        rc = geo_shape_parse(r->cx->arena, u->geometry, strlen(u->geometry), &shape, &why);
        if (rc == PH_EINVAL)
            rc = bad_unit(r, u, why, "coordinates:");
        if (rc != PH_OK)
            break;
        if (ex == NULL) {
            r->rep.not_found++;
            progress(r, i + 1 == r->file.n_units);
            continue;
        }
        rc = store_area_get(r->cx->st, r->cx->arena, ex->id, &full);
        if (rc != PH_OK)
            break;
        old_geometry = full.geometry;
        full.geometry = u->geometry;
        same_kind = !is_known_coastal(u->code) || strcmp(full.kind, "coastal") == 0;
        if (!same_kind)
            full.kind = "coastal";
        rc = area_validate(r->cx, &full, &f);
        if (rc == PH_EINVAL)
            rc = bad_unit(r, u, "is not valid", f);
        if (rc != PH_OK)
            break;
        if (same_kind && old_geometry != NULL && strcmp(old_geometry, full.geometry) == 0) {
            r->rep.unchanged++;
        } else {
            rc = update_area(r, &full);
            r->rep.updated++;
            if (old_geometry == NULL || strcmp(old_geometry, full.geometry) != 0)
                r->rep.geometries++;
        }
        progress(r, i + 1 == r->file.n_units);
    }
    return rc;
}

/* ---- reorganisation --------------------------------------------------------------- */

/* Is merge k of u an old unit of the selected province (old map m)? */
static bool merge_selected(const struct run *r, const struct amap *m, const struct dvhcvn_merge *mg)
{
    const struct area *old;
    const char *p;

    if (r->opts->province == NULL)
        return true;
    if (strlen(mg->old_id) == 2)
        return strcmp(mg->old_id, r->opts->province) == 0;
    old = amap_find(m, level_of_code(mg->old_id), mg->old_id);
    p = old != NULL ? province_of(m, old) : NULL;
    return p != NULL && strcmp(p, r->opts->province) == 0;
}

/* The kind of a new unit: from the old units merged into it. */
static const char *kind_from(const struct amap *m, const struct dvhcvn_unit *u)
{
    bool border = false;

    for (size_t k = 0; k < u->n_merges; k++) {
        const struct area *old =
            amap_find(m, level_of_code(u->merges[k].old_id), u->merges[k].old_id);
        if (old != NULL && strcmp(old->kind, "coastal") == 0)
            return "coastal";
        border = border || (old != NULL && strcmp(old->kind, "border") == 0);
    }
    return border ? "border" : "inland";
}

/* Mark the old areas to close: those merged (selected), and every area below a
 * closing one (a province's districts and communes). */
static void mark_closing(const struct amap *old, bool *closing)
{
    /* Areas come in id order and a parent is older than its children in every
     * import, but not necessarily in hand-made data: repeat until stable (two
     * passes for three levels in the usual case). */
    for (bool moved = true; moved;) {
        moved = false;
        for (size_t i = 0; i < old->n; i++) {
            const struct area *pa;
            if (closing[i] || old->areas[i].parent_id == 0)
                continue;
            pa = amap_by_id(old, old->areas[i].parent_id);
            if (pa != NULL && closing[pa - old->areas]) {
                closing[i] = true;
                moved = true;
            }
        }
    }
}

static ph_err import_reorganisation(struct run *r)
{
    struct amap old, fresh;
    char day_before[TIME_RFC3339_BYTES];
    int64_t ms = 0, province_id = 0;
    bool *closing, *take;
    ph_err rc;

    rc = time_parse_rfc3339(arena_printf(r->cx->arena, "%sT00:00:00Z", r->effective), &ms);
    if (rc != PH_OK)
        return rc;
    time_format_utc(ms - 86400000, day_before);
    day_before[10] = '\0';
    rc = amap_load(r->cx, day_before, false, &old);
    if (rc == PH_OK)
        rc = amap_load(r->cx, r->effective, true, &fresh);
    if (rc != PH_OK)
        return rc;
    closing = arena_zalloc(r->cx->arena, (old.n > 0 ? old.n : 1) * sizeof(*closing));
    take = arena_zalloc(r->cx->arena, r->file.n_units * sizeof(*take));

    /* Which new units: with a province, those some of its old units went into. */
    for (size_t i = 0; i < r->file.n_units; i++) {
        const struct dvhcvn_unit *u = &r->file.units[i];
        for (size_t k = 0; !take[i] && k < u->n_merges; k++)
            take[i] = merge_selected(r, &old, &u->merges[k]);
        /* Without the old units in the store, a commune of the selected new
         * province cannot be placed: it counts as not found below. */
        r->total += take[i];
    }
    r->rep.units = r->total;

    for (size_t i = 0; rc == PH_OK && i < r->file.n_units; i++) {
        const struct dvhcvn_unit *u = &r->file.units[i];
        const char *level = u->level == 1 ? "province" : "commune";
        int64_t id = 0;
        if (!take[i])
            continue;
        if (u->level == 1)
            province_id = 0;
        if (u->level == 2 && province_id == 0) {
            /* Its province was not taken: cannot happen, a taken commune's merges
             * name an old unit of the selected province, which went into it. */
            r->rep.not_found++;
            continue;
        }
        rc = put_area(r, u, level, u->level == 1 ? 0 : province_id, kind_from(&old, u),
                      amap_find(&fresh, level, u->code), &id);
        if (rc != PH_OK)
            break;
        if (u->level == 1)
            province_id = id;
        for (size_t k = 0; rc == PH_OK && k < u->n_merges; k++) {
            const struct dvhcvn_merge *mg = &u->merges[k];
            struct area *oa;
            bool changed = false;
            if (!merge_selected(r, &old, mg))
                continue;
            oa = amap_find(&old, level_of_code(mg->old_id), mg->old_id);
            if (oa == NULL) {
                r->rep.not_found++;
                continue;
            }
            closing[oa - old.areas] = true;
            rc = store_area_succession_put(r->cx->st, id, oa->id, mg->is_full ? "full" : "partial",
                                           r->effective, &changed);
            r->rep.successions += changed;
        }
        progress(r, r->done + 1 == r->total);
    }
    if (rc != PH_OK)
        return rc;

    /* Close the old areas: valid_to = effective (those already closed that day
     * are left alone; one closed another day is closed again on this one). */
    mark_closing(&old, closing);
    for (size_t i = 0; rc == PH_OK && i < old.n; i++) {
        struct area full;
        if (!closing[i] ||
            (old.areas[i].valid_to != NULL && strcmp(old.areas[i].valid_to, r->effective) == 0))
            continue;
        rc = store_area_get(r->cx->st, r->cx->arena, old.areas[i].id, &full);
        if (rc != PH_OK)
            break;
        full.valid_to = r->effective;
        rc = update_area(r, &full);
        r->rep.closed++;
    }
    return rc;
}

/* ---- the import ------------------------------------------------------------------- */

static json_t *counts_json(const struct area_import_report *rep)
{
    return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "units", (json_int_t)rep->units,
                     "created", (json_int_t)rep->created, "updated", (json_int_t)rep->updated,
                     "unchanged", (json_int_t)rep->unchanged, "closed", (json_int_t)rep->closed,
                     "successions", (json_int_t)rep->successions, "geometries",
                     (json_int_t)rep->geometries, "not_found", (json_int_t)rep->not_found);
}

static ph_err parse_file(struct run *r, const char *json, size_t len)
{
    const char *why = NULL;
    ph_err rc;

    switch (r->opts->kind) {
    case AREA_IMPORT_LIST:
        rc = dvhcvn_parse_list(r->cx->arena, json, len, &r->file, &why);
        break;
    case AREA_IMPORT_BOUNDARIES:
        rc = dvhcvn_parse_gis(r->cx->arena, json, len, &r->file, &why);
        break;
    case AREA_IMPORT_REORGANISATION:
        rc = dvhcvn_parse_merges(r->cx->arena, json, len, &r->file, &why);
        break;
    default:
        r->field = "kind";
        r->problem = "kind must be list, boundaries or reorganisation";
        return PH_EINVAL;
    }
    if (rc != PH_OK) {
        r->field = "file";
        r->problem = arena_printf(r->cx->arena, "not a %s file: %s",
                                  area_import_kind_name(r->opts->kind), why != NULL ? why : "?");
        if (rc == PH_ETOOBIG)
            rc = PH_EINVAL;
    }
    return rc;
}

static ph_err check_options(struct run *r, char today[11])
{
    const struct area_import_opts *o = r->opts;

    if ((unsigned)o->kind >= PH_NELEM(kind_names)) {
        r->field = "kind";
        r->problem = "kind must be list, boundaries or reorganisation";
        return PH_EINVAL;
    }
    if (o->province != NULL &&
        (strlen(o->province) != 2 || o->province[0] < '0' || o->province[0] > '9' ||
         o->province[1] < '0' || o->province[1] > '9')) {
        r->field = "province";
        r->problem = "province must be a two-digit code such as 83";
        return PH_EINVAL;
    }
    if (o->effective != NULL && !time_is_date(o->effective)) {
        r->field = "effective";
        r->problem = "effective must be a date YYYY-MM-DD";
        return PH_EINVAL;
    }
    if (o->effective == NULL && o->kind == AREA_IMPORT_REORGANISATION) {
        r->field = "effective";
        r->problem = "a reorganisation needs its effective date";
        return PH_EINVAL;
    }
    time_today_vn(today);
    r->effective = o->effective;
    return PH_OK;
}

ph_err area_import(struct core_ctx *cx, const char *json, size_t len,
                   const struct area_import_opts *opts, struct area_import_report *out,
                   const char **field)
{
    struct access_item item = {.kind = ITEM_AREA};
    struct run r = {.cx = cx, .opts = opts};
    struct store_area_import row = {0};
    char today[11], *counts = NULL;
    bool in_savepoint = false;
    json_t *cj = NULL;
    ph_err rc;

    if (!access_allows(cx->user, ACCESS_CREATE, &item, NULL) ||
        !access_allows(cx->user, ACCESS_UPDATE, &item, NULL)) {
        rc = PH_EPERM;
        goto out;
    }
    rc = check_options(&r, today);
    if (rc == PH_OK)
        rc = parse_file(&r, json, len);
    if (rc == PH_OK)
        rc = check_province(&r);
    if (rc != PH_OK)
        goto out;
    /* A list says which day it describes: its areas open that day unless told. */
    if (r.effective == NULL)
        r.effective = r.file.data_date != NULL ? r.file.data_date : arena_strdup(cx->arena, today);

    r.rep.effective = r.effective;
    rc = store_savepoint(cx->st);
    if (rc != PH_OK)
        goto out;
    in_savepoint = true;
    switch (opts->kind) {
    case AREA_IMPORT_LIST:
        rc = import_list(&r);
        break;
    case AREA_IMPORT_BOUNDARIES:
        rc = import_boundaries(&r);
        break;
    case AREA_IMPORT_REORGANISATION:
        rc = import_reorganisation(&r);
        break;
    }
    if (rc != PH_OK)
        goto out;
    /* A failed release leaves the savepoint to roll back (store.h). */
    if (opts->dry_run) {
        in_savepoint = false;
        rc = store_savepoint_rollback(cx->st);
    } else if ((rc = store_savepoint_release(cx->st)) == PH_OK)
        in_savepoint = false;
    if (rc != PH_OK)
        goto out;

    row.kind = area_import_kind_name(opts->kind);
    row.province = opts->province;
    row.effective = r.effective;
    crypto_hash_sha256(row.sha256, (const unsigned char *)json, len);
    row.dry_run = opts->dry_run;
    row.person_id = cx->user->person_id;
    row.at = cx->now_ms;
    rc = store_area_import_seen(cx->st, row.kind, row.province, row.effective, row.sha256,
                                &r.rep.same_file_again);
    if (rc != PH_OK)
        goto out;
    cj = counts_json(&r.rep);
    counts = json_dumps(cj, JSON_COMPACT | JSON_SORT_KEYS);
    if (counts == NULL) {
        rc = PH_ESTORE;
        goto out;
    }
    row.counts = counts;
    rc = store_area_import_insert(cx->st, &row, &r.rep.import_id);
    if (rc != PH_OK || opts->dry_run)
        goto out;
    /* One audit entry and one event for the whole import (see the top). */
    json_object_set_new(cj, "kind", json_string(row.kind));
    json_object_set_new(cj, "effective", json_string(row.effective));
    json_object_set_new(cj, "province",
                        opts->province != NULL ? json_string(opts->province) : json_null());
    rc = audit_record(cx, "area.import", "area_import", r.rep.import_id, json_incref(cj));
    if (rc != PH_OK)
        goto out;
    rc = outbox_emit(cx, "areas.imported", "area_import", r.rep.import_id, json_incref(cj));
out:
    if (in_savepoint)
        (void)store_savepoint_rollback(cx->st); /* the caller's transaction fails anyway */
    json_decref(cj);
    free(counts);
    if (rc == PH_OK)
        *out = r.rep;
    else if (rc == PH_EINVAL) {
        if (field != NULL)
            *field = r.field;
        if (out != NULL)
            out->problem = r.problem;
    }
    return rc;
}
