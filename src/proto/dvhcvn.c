/* dvhcvn.c - the official administrative-unit files (see dvhcvn.h).
 *
 * The formats, as ../shared/geo/ holds them (compiled by the public repositories
 * daohoangson/dvhcvn and dvhcvn/20250701 from the Statistics Office's catalogue,
 * the Government portal's map and the Standing Committee's resolutions):
 *
 *   list            {"data_date": "DD/MM/YYYY", "data": [{"level1_id": "83",
 *                    "name": "Tỉnh Bến Tre", "type": "Tỉnh", "level2s": [{
 *                    "level2_id": "829", "name", "type", "level3s": [{
 *                    "level3_id": "28756", "name", "type"}]}]}]}
 *   boundaries      {"level1_id", "name", "type": "MultiPolygon", "coordinates":
 *                    [...], "bbox", "level2s": [{"level2_id", "name", "type",
 *                    "coordinates", "bbox"}]}: "coordinates" are the rings of a
 *                    GeoJSON geometry of that type (RFC 7946 §3.1.6-7), lon/lat
 *   reorganisation  {"data": [{"level1_id": "86", "name", "merges": [{"old_id":
 *                    "83", "name", "type": "full"}], "level2s": [{"level2_id":
 *                    "28756", "name", "merges": [...]}]}]}: after July 2025 there
 *                    are no districts, so level2s are the new communes
 *
 * Codes are the Statistics Office's: two digits for a province, three for a
 * district, five for a commune; an old_id of any of the three. Other members
 * (stats, bbox, generate_date) are ignored. One pass over the parsed tree, a
 * hash set of codes for duplicates: the whole country's list is 10,800 units and
 * parses in well under a second. */
#include "util/base.h"
#include <jansson.h>
#include "proto/dvhcvn.h"
#include "util/arena.h"
#include "util/limits.h"
#include "util/time.h"

enum file_kind { KIND_LIST, KIND_GIS, KIND_MERGES };

/* A set of (level, code) seen, open addressing; sized for the file's units. */
struct codeset {
    const char **codes;
    int *levels;
    size_t mask;
};

struct parser {
    struct arena *a;
    enum file_kind kind;
    struct dvhcvn_unit *units;
    size_t n, cap;
    struct codeset seen;
    const char *why;
};

/* ---- helpers ------------------------------------------------------------------ */

static uint64_t hash_code(const char *s, int level)
{
    uint64_t h = 1469598103934665603ull ^ (uint64_t)level;

    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static void codeset_init(struct arena *a, struct codeset *cs, size_t n)
{
    size_t cap = 16;

    while (cap < 2 * n)
        cap *= 2;
    cs->codes = arena_zalloc(a, cap * sizeof(*cs->codes));
    cs->levels = arena_zalloc(a, cap * sizeof(*cs->levels));
    cs->mask = cap - 1;
}

/* Add (level, code); false when it was there already. */
static bool codeset_add(struct codeset *cs, const char *code, int level)
{
    size_t i = (size_t)hash_code(code, level) & cs->mask;

    while (cs->codes[i] != NULL) {
        if (cs->levels[i] == level && strcmp(cs->codes[i], code) == 0)
            return false;
        i = (i + 1) & cs->mask;
    }
    cs->codes[i] = code;
    cs->levels[i] = level;
    return true;
}

/* *why = where, then "member" (when not NULL), then what. */
static ph_err fail(struct parser *p, const char *where, const char *member, const char *what)
{
    if (member != NULL)
        p->why = arena_printf(p->a, "%s\"%s\" %s", where, member, what);
    else
        p->why = arena_printf(p->a, "%s%s", where, what);
    return PH_EINVAL;
}

static bool all_digits(const char *s, size_t n)
{
    if (strlen(s) != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* A string member, non-empty and at most max bytes, copied into the arena. */
static ph_err get_text(struct parser *p, const json_t *obj, const char *member, size_t max,
                       const char *where, const char **out)
{
    const json_t *v = json_object_get(obj, member);
    size_t n;

    if (v == NULL)
        return fail(p, where, member, "missing");
    if (!json_is_string(v))
        return fail(p, where, member, "must be a string");
    n = json_string_length(v);
    if (n == 0 || n > max)
        return fail(p, where, member, "must be 1 to 512 bytes");
    /* jansson accepts "\u0000"; no name or code may hold it. */
    if (memchr(json_string_value(v), '\0', n) != NULL)
        return fail(p, where, member, "holds a NUL");
    *out = arena_strndup(p->a, json_string_value(v), n);
    return PH_OK;
}

/* The code member of a unit of this level: digits, as many as the level says. */
static ph_err get_code(struct parser *p, const json_t *obj, const char *member, size_t digits,
                       const char *where, const char **out)
{
    ph_err rc = get_text(p, obj, member, TEXT_MAX_NAME_BYTES, where, out);

    if (rc != PH_OK)
        return rc;
    if (!all_digits(*out, digits))
        return fail(p, where, member,
                    digits == 2   ? "must be 2 digits"
                    : digits == 3 ? "must be 3 digits"
                                  : "must be 5 digits");
    return PH_OK;
}

static ph_err get_array(struct parser *p, const json_t *obj, const char *member, bool required,
                        const char *where, const json_t **out)
{
    const json_t *v = json_object_get(obj, member);

    if (v == NULL && !required) {
        *out = NULL;
        return PH_OK;
    }
    if (v == NULL)
        return fail(p, where, member, "missing");
    if (!json_is_array(v))
        return fail(p, where, member, "must be an array");
    *out = v;
    return PH_OK;
}

/* ---- geometry ------------------------------------------------------------------- */

/* Nested arrays down to positions of at least two numbers, depth levels deep
 * (1: a ring, 2: a polygon, 3: a multipolygon), none empty. */
static bool coords_shaped(const json_t *v, int depth)
{
    if (!json_is_array(v) || json_array_size(v) == 0)
        return false;
    if (depth == 0) {
        return json_array_size(v) >= 2 && json_is_number(json_array_get(v, 0)) &&
               json_is_number(json_array_get(v, 1));
    }
    for (size_t i = 0; i < json_array_size(v); i++)
        if (!coords_shaped(json_array_get(v, i), depth - 1))
            return false;
    return true;
}

static ph_err get_geometry(struct parser *p, const json_t *obj, const char *where, const char **out)
{
    const json_t *type = json_object_get(obj, "type");
    const json_t *coords = json_object_get(obj, "coordinates");
    const char *t = json_string_value(type);
    json_t *g;
    char *text;
    int depth;

    if (t == NULL)
        return fail(p, where, "type", "must be \"Polygon\" or \"MultiPolygon\"");
    if (strcmp(t, "Polygon") == 0)
        depth = 2;
    else if (strcmp(t, "MultiPolygon") == 0)
        depth = 3;
    else
        return fail(p, where, "type", "must be \"Polygon\" or \"MultiPolygon\"");
    if (coords == NULL)
        return fail(p, where, "coordinates", "missing");
    if (!coords_shaped(coords, depth))
        return fail(p, where, "coordinates", "are not the rings of the type given");
    /* The geometry object the store keeps (core/area.c's subset): 15 significant
     * digits, as area_validate writes it, so that a re-import compares equal. */
    g = json_pack("{s:s, s:O}", "type", t, "coordinates", coords);
    text = g != NULL ? json_dumps(g, JSON_COMPACT | JSON_REAL_PRECISION(15)) : NULL;
    json_decref(g);
    if (text == NULL)
        return fail(p, where, "coordinates", "cannot be written back as GeoJSON");
    *out = arena_strdup(p->a, text);
    free(text);
    return PH_OK;
}

/* ---- merges --------------------------------------------------------------------- */

static ph_err get_merges(struct parser *p, const json_t *obj, const char *where,
                         struct dvhcvn_unit *u)
{
    const json_t *arr;
    struct dvhcvn_merge *m;
    ph_err rc = get_array(p, obj, "merges", true, where, &arr);

    if (rc != PH_OK)
        return rc;
    if (json_array_size(arr) == 0)
        return fail(p, where, "merges", "is empty");
    m = arena_zalloc(p->a, json_array_size(arr) * sizeof(*m));
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const json_t *e = json_array_get(arr, i);
        const char *w = arena_printf(p->a, "%smerges[%zu]: ", where, i);
        const char *type = NULL;
        if (!json_is_object(e))
            return fail(p, w, NULL, "not an object");
        rc = get_text(p, e, "old_id", TEXT_MAX_NAME_BYTES, w, &m[i].old_id);
        if (rc != PH_OK)
            return rc;
        if (!all_digits(m[i].old_id, 2) && !all_digits(m[i].old_id, 3) &&
            !all_digits(m[i].old_id, 5))
            return fail(p, w, "old_id", "must be 2, 3 or 5 digits");
        rc = get_text(p, e, "name", TEXT_MAX_NAME_BYTES, w, &m[i].name);
        if (rc == PH_OK)
            rc = get_text(p, e, "type", TEXT_MAX_NAME_BYTES, w, &type);
        if (rc != PH_OK)
            return rc;
        if (strcmp(type, "full") != 0 && strcmp(type, "partial") != 0)
            return fail(p, w, "type", "must be \"full\" or \"partial\"");
        m[i].is_full = strcmp(type, "full") == 0;
        for (size_t k = 0; k < i; k++)
            if (strcmp(m[k].old_id, m[i].old_id) == 0)
                return fail(p, w, "old_id", "repeats an earlier merge");
    }
    u->merges = m;
    u->n_merges = json_array_size(arr);
    return PH_OK;
}

/* ---- units ---------------------------------------------------------------------- */

static const char *const id_member[] = {"", "level1_id", "level2_id", "level3_id"};
static const char *const children_member[] = {"", "level2s", "level3s", ""};

/* Digits of a code at this level of this kind of file. */
static size_t code_digits(enum file_kind kind, int level)
{
    if (level == 1)
        return 2;
    if (level == 2)
        return kind == KIND_MERGES ? 5 : 3;
    return 5;
}

static ph_err parse_unit(struct parser *p, const json_t *obj, int level, size_t parent,
                         const char *where)
{
    struct dvhcvn_unit *u;
    const json_t *kids = NULL;
    size_t self;
    const char *w;
    ph_err rc;

    if (!json_is_object(obj))
        return fail(p, where, NULL, "not an object");
    if (p->n == p->cap)
        return fail(p, where, NULL, "more units than counted"); /* cannot happen */
    self = p->n++;
    u = &p->units[self];
    memset(u, 0, sizeof(*u));
    u->level = level;
    u->parent = parent;
    rc = get_code(p, obj, id_member[level], code_digits(p->kind, level), where, &u->code);
    if (rc != PH_OK)
        return rc;
    /* From here on the unit's code says which one is at fault. */
    w = arena_printf(p->a, "%s(%s) ", where, u->code);
    rc = get_text(p, obj, "name", TEXT_MAX_NAME_BYTES, w, &u->name);
    if (rc != PH_OK)
        return rc;
    w = arena_printf(p->a, "%s(%s %s): ", where, u->code, u->name);
    if (!codeset_add(&p->seen, u->code, level))
        return fail(p, w, id_member[level], "repeats another unit's code");
    switch (p->kind) {
    case KIND_LIST:
        rc = get_text(p, obj, "type", TEXT_MAX_NAME_BYTES, w, &u->type);
        break;
    case KIND_GIS:
        rc = get_geometry(p, obj, w, &u->geometry);
        break;
    case KIND_MERGES:
        rc = get_merges(p, obj, w, u);
        break;
    }
    if (rc != PH_OK)
        return rc;
    if (children_member[level][0] == '\0' || (p->kind != KIND_LIST && level == 2))
        return PH_OK;
    rc = get_array(p, obj, children_member[level], true, w, &kids);
    for (size_t i = 0; rc == PH_OK && kids != NULL && i < json_array_size(kids); i++)
        rc = parse_unit(p, json_array_get(kids, i), level + 1, self,
                        arena_printf(p->a, "%s%s[%zu] ", w, children_member[level], i));
    return rc;
}

/* Units in the tree below obj (obj included) of a unit at this level. */
static size_t count_units(const json_t *obj, int level, enum file_kind kind)
{
    const json_t *kids;
    size_t n = 1;

    if (!json_is_object(obj) || children_member[level][0] == '\0' ||
        (kind != KIND_LIST && level == 2))
        return n;
    kids = json_object_get(obj, children_member[level]);
    for (size_t i = 0; json_is_array(kids) && i < json_array_size(kids); i++)
        n += count_units(json_array_get(kids, i), level + 1, kind);
    return n;
}

/* "DD/MM/YYYY" as "YYYY-MM-DD" in a; NULL when it is not a date. */
static const char *date_of(struct arena *a, const char *s)
{
    char *d;

    if (strlen(s) != 10 || s[2] != '/' || s[5] != '/')
        return NULL;
    d = arena_printf(a, "%.4s-%.2s-%.2s", s + 6, s + 3, s);
    return time_is_date(d) ? d : NULL;
}

static ph_err parse(struct arena *a, enum file_kind kind, const char *json, size_t len,
                    struct dvhcvn_file *out, const char **why)
{
    struct parser p = {.a = a, .kind = kind};
    json_error_t jerr;
    json_t *root = NULL;
    const json_t *data = NULL;
    const char *date = NULL;
    ph_err rc = PH_EINVAL;

    if (len > DVHCVN_MAX_BYTES) {
        p.why = "the file is too large";
        rc = PH_ETOOBIG;
        goto out;
    }
    /* JSON nests at most six deep here plus the rings' four; jansson's own limit
     * (2048) keeps the recursion below bounded, and count_units/parse_unit stop
     * at level 3. */
    root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        p.why =
            arena_printf(a, "not JSON: line %d, column %d: %s", jerr.line, jerr.column, jerr.text);
        goto out;
    }
    if (!json_is_object(root)) {
        p.why = "the file must be a JSON object";
        goto out;
    }
    if (kind == KIND_GIS) {
        if (json_object_get(root, "level1_id") == NULL) {
            p.why = "not a boundaries file: \"level1_id\" missing at the top";
            goto out;
        }
        p.cap = count_units(root, 1, kind);
    } else {
        data = json_object_get(root, "data");
        if (!json_is_array(data)) {
            p.why = kind == KIND_LIST ? "not a list of units: \"data\" must be an array"
                                      : "not a reorganisation: \"data\" must be an array";
            goto out;
        }
        for (size_t i = 0; i < json_array_size(data); i++)
            p.cap += count_units(json_array_get(data, i), 1, kind);
    }
    if (kind == KIND_LIST && json_object_get(root, "data_date") != NULL) {
        const char *s = json_string_value(json_object_get(root, "data_date"));
        date = s != NULL ? date_of(a, s) : NULL;
        if (date == NULL) {
            p.why = "\"data_date\" must be DD/MM/YYYY";
            goto out;
        }
    }
    p.units = arena_alloc(a, (p.cap > 0 ? p.cap : 1) * sizeof(*p.units));
    codeset_init(a, &p.seen, p.cap);
    if (kind == KIND_GIS) {
        rc = parse_unit(&p, root, 1, DVHCVN_NO_PARENT, "");
    } else {
        rc = PH_OK;
        for (size_t i = 0; rc == PH_OK && i < json_array_size(data); i++)
            rc = parse_unit(&p, json_array_get(data, i), 1, DVHCVN_NO_PARENT,
                            arena_printf(a, "data[%zu] ", i));
    }
    if (rc != PH_OK)
        goto out;
    if (p.n == 0) {
        p.why = "the file holds no unit";
        rc = PH_EINVAL;
        goto out;
    }
    out->units = p.units;
    out->n_units = p.n;
    out->data_date = date;
out:
    json_decref(root);
    if (rc != PH_OK && why != NULL)
        *why = p.why;
    return rc;
}

ph_err dvhcvn_parse_list(struct arena *a, const char *json, size_t len, struct dvhcvn_file *out,
                         const char **why)
{
    return parse(a, KIND_LIST, json, len, out, why);
}

ph_err dvhcvn_parse_gis(struct arena *a, const char *json, size_t len, struct dvhcvn_file *out,
                        const char **why)
{
    return parse(a, KIND_GIS, json, len, out, why);
}

ph_err dvhcvn_parse_merges(struct arena *a, const char *json, size_t len, struct dvhcvn_file *out,
                           const char **why)
{
    return parse(a, KIND_MERGES, json, len, out, why);
}
