/* sqlite_people.c - the SQLite backend's units (with their materialised paths and
 * areas of responsibility), people and login tokens. See sqlite_int.h. */
#include "util/base.h"
#include "store/sqlite_int.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/log.h"
#include "util/mem.h"

/* ---- units --------------------------------------------------------------- */

#define UNIT_COLS                                                                                  \
    "id, code, name, force, parent_id, level, path, phone, is_active, version, created_at, "       \
    "updated_at"
#define SQL_UNIT_PATH "SELECT path FROM units WHERE id = ?1"

static void read_unit(struct arena *ar, sqlite3_stmt *stmt, void *row)
{
    struct unit *out = row;

    memset(out, 0, sizeof(*out));
    out->id = sqlite3_column_int64(stmt, 0);
    out->code = store_sq_col_text(ar, stmt, 1);
    out->name = store_sq_col_text(ar, stmt, 2);
    out->force = store_sq_col_text(ar, stmt, 3);
    out->parent_id = sqlite3_column_int64(stmt, 4);
    out->level = store_sq_col_text(ar, stmt, 5);
    out->path = store_sq_col_text(ar, stmt, 6);
    out->phone = store_sq_col_text(ar, stmt, 7);
    out->is_active = sqlite3_column_int(stmt, 8) != 0;
    out->version = sqlite3_column_int64(stmt, 9);
    out->created_at = sqlite3_column_int64(stmt, 10);
    out->updated_at = sqlite3_column_int64(stmt, 11);
}

static void read_id(struct arena *ar, sqlite3_stmt *stmt, void *row)
{
    *(int64_t *)row = sqlite3_column_int64(stmt, 0);
}

/* Fill u->area_ids (in ar, ascending) from unit_areas. */
static ph_err read_unit_areas(struct store_sq *s, struct arena *ar, struct unit *u)
{
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_UNIT_AREAS_GET, "SELECT area_id FROM unit_areas WHERE unit_id = ?1 ORDER BY area_id");
    void *ids = NULL;
    size_t count = 0;
    ph_err rc;

    if (stmt == NULL)
        return PH_ESTORE;
    rc = store_sq_rows(s, ar, stmt, sqlite3_bind_int64(stmt, 1, u->id), "read unit areas",
                       sizeof(*u->area_ids), 0, read_id, &ids, &count, NULL);
    if (rc == PH_OK) {
        u->area_ids = ids;
        u->n_areas = count;
    }
    return rc;
}

/* Replace the areas of unit id with u's. Repeated ids count once; an unknown
 * area is a foreign-key violation (PH_ECONFLICT). */
static ph_err write_unit_areas(struct store_sq *s, int64_t id, const struct unit *u)
{
    sqlite3_stmt *clear =
        store_sq_stmt(s, SQ_UNIT_AREAS_CLEAR, "DELETE FROM unit_areas WHERE unit_id = ?1");
    sqlite3_stmt *add = store_sq_stmt(
        s, SQ_UNIT_AREAS_ADD,
        "INSERT INTO unit_areas (unit_id, area_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING");
    ph_err rc;

    if (clear == NULL || add == NULL)
        return PH_ESTORE;
    rc = store_sq_write(s, clear, sqlite3_bind_int64(clear, 1, id), "clear unit areas", NULL);
    for (size_t i = 0; i < u->n_areas && rc == PH_OK; i++)
        rc = store_sq_write(
            s, add, sqlite3_bind_int64(add, 1, id) | sqlite3_bind_int64(add, 2, u->area_ids[i]),
            "add unit area", NULL);
    return rc;
}

static void read_path(struct arena *ar, sqlite3_stmt *stmt, void *row)
{
    *(char **)row = xstrdup((const char *)sqlite3_column_text(stmt, 0));
}

/* The path of unit id, a copy the caller frees; PH_ENOTFOUND when no such unit. */
static ph_err unit_path(struct store_sq *s, int64_t id, char **path)
{
    sqlite3_stmt *stmt = store_sq_stmt(s, SQ_UNIT_PATH, SQL_UNIT_PATH);

    if (stmt == NULL)
        return PH_ESTORE;
    return store_sq_get(s, NULL, stmt, sqlite3_bind_int64(stmt, 1, id), "read unit path", read_path,
                        path);
}

/* Set the path of unit id (cur NULL: a new unit), or replace the prefix cur by
 * path in the unit and its whole subtree. */
static ph_err write_path(struct store_sq *s, int64_t id, const char *path, const char *cur)
{
    /* Paths hold only digits and '/', so cur needs no LIKE escaping. */
    sqlite3_stmt *stmt =
        cur == NULL ? store_sq_stmt(s, SQ_UNIT_SET_PATH, "UPDATE units SET path = ?1 WHERE id = ?3")
                    : store_sq_stmt(s, SQ_UNIT_MOVE_SUBTREE,
                                    "UPDATE units SET path = ?1 || substr(path, length(?2) + 1) "
                                    "WHERE path LIKE ?2 || '%'");

    if (stmt == NULL)
        return PH_ESTORE;
    return store_sq_write(
        s, stmt,
        store_sq_bind_text(stmt, 1, path) |
            (cur == NULL ? sqlite3_bind_int64(stmt, 3, id) : store_sq_bind_text(stmt, 2, cur)),
        "write unit path", NULL);
}

/* Give unit id its path below parent_id ("/<id>/" at the top). cur is the path
 * it has (NULL for a new unit); when the path changes the whole subtree moves
 * with it, since every path below starts with cur. */
static ph_err place_unit(struct store_sq *s, int64_t id, int64_t parent_id, const char *cur)
{
    char *parent_path = NULL, *path = NULL;
    ph_err rc = PH_OK;

    if (parent_id != 0 && (rc = unit_path(s, parent_id, &parent_path)) != PH_OK) {
        if (rc == PH_ENOTFOUND) /* the foreign key has been checked; kept for safety */
            rc = PH_ECONFLICT;
        goto out;
    }
    if (cur != NULL && parent_path != NULL && strncmp(parent_path, cur, strlen(cur)) == 0) {
        log_warn("store/sqlite: unit %lld cannot move below itself", (long long)id);
        rc = PH_EINVAL;
        goto out;
    }
    size_t n = (parent_path != NULL ? strlen(parent_path) : 1) + 24;
    path = xmalloc(n);
    snprintf(path, n, "%s%lld/", parent_path != NULL ? parent_path : "/", (long long)id);
    if (cur == NULL || strcmp(cur, path) != 0)
        rc = write_path(s, id, path, cur);
out:
    free(parent_path);
    free(path);
    return rc;
}

/* The columns insert and update share, ?2 to ?9. */
static int bind_unit(sqlite3_stmt *stmt, const struct unit *u, const char *name_folded)
{
    return store_sq_bind_text(stmt, 2, u->code) | store_sq_bind_text(stmt, 3, u->name) |
           store_sq_bind_text(stmt, 4, name_folded) | store_sq_bind_text(stmt, 5, u->force) |
           store_sq_bind_id(stmt, 6, u->parent_id) | store_sq_bind_text(stmt, 7, u->level) |
           store_sq_bind_text(stmt, 8, u->phone) | sqlite3_bind_int(stmt, 9, u->is_active);
}

ph_err store_sq_unit_insert(struct store *st, const struct unit *u, const char *name_folded,
                            int64_t *id)
{
    struct store_sq *s = store_sq_of(st);
    /* The path needs the new id: inserted empty, set at once in the same savepoint. */
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_UNIT_INSERT,
        "INSERT INTO units (code, name, name_folded, force, parent_id, level, path, phone, "
        "is_active, version, created_at, updated_at) "
        "VALUES (?2, ?3, ?4, ?5, ?6, ?7, '', ?8, ?9, 1, ?10, ?11)");
    int64_t new_id = 0;
    ph_err rc;

    if (stmt == NULL)
        return PH_ESTORE;
    /* Units and their areas are reference data (responsible units). */
    store_sq_ref_changed(s);
    if ((rc = store_sq_op_begin(s)) != PH_OK)
        return rc;
    rc = store_sq_insert(s, stmt,
                         bind_unit(stmt, u, name_folded) |
                             store_sq_bind_created(stmt, 10, u->created_at, u->updated_at),
                         "insert unit", &new_id);
    if (rc == PH_OK)
        rc = place_unit(s, new_id, u->parent_id, NULL);
    if (rc == PH_OK)
        rc = write_unit_areas(s, new_id, u);
    rc = store_sq_op_end(s, rc);
    if (rc == PH_OK)
        *id = new_id;
    return rc;
}

ph_err store_sq_unit_update(struct store *st, const struct unit *u, const char *name_folded)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_UNIT_UPDATE,
        "UPDATE units SET code = ?2, name = ?3, name_folded = ?4, force = ?5, parent_id = ?6, "
        "level = ?7, phone = ?8, is_active = ?9, updated_at = ?10, version = version + 1 "
        "WHERE id = ?1 AND (?11 = 0 OR version = ?11)");
    char *cur = NULL;
    ph_err rc;

    if (stmt == NULL)
        return PH_ESTORE;
    store_sq_ref_changed(s);
    /* The UPDATE comes first: it takes the write lock before anything is read. */
    if ((rc = store_sq_op_begin(s)) != PH_OK)
        return rc;
    rc = store_sq_update_versioned(
        s, stmt,
        sqlite3_bind_int64(stmt, 1, u->id) | bind_unit(stmt, u, name_folded) |
            sqlite3_bind_int64(stmt, 10, store_time_or_now(u->updated_at)) |
            sqlite3_bind_int64(stmt, 11, u->version),
        "update unit", SQ_UNIT_PATH, SQL_UNIT_PATH, u->id);
    if (rc == PH_OK)
        rc = unit_path(s, u->id, &cur);
    if (rc == PH_OK)
        rc = place_unit(s, u->id, u->parent_id, cur);
    if (rc == PH_OK)
        rc = write_unit_areas(s, u->id, u);
    free(cur);
    return store_sq_op_end(s, rc);
}

ph_err store_sq_unit_delete(struct store *st, int64_t id)
{
    struct store_sq *s = store_sq_of(st);
    /* Areas links go by cascade; child units and people make it a conflict. */
    sqlite3_stmt *stmt = store_sq_stmt(s, SQ_UNIT_DELETE, "DELETE FROM units WHERE id = ?1");

    if (stmt == NULL)
        return PH_ESTORE;
    store_sq_ref_changed(s);
    return store_sq_write_one(s, stmt, sqlite3_bind_int64(stmt, 1, id), "delete unit");
}

/* *dst = *src with its strings and area ids copied into ar. */
static void unit_copy(struct arena *ar, struct unit *dst, const struct unit *src)
{
    *dst = *src;
    dst->code = arena_strdup(ar, src->code);
    dst->name = arena_strdup(ar, src->name);
    dst->force = arena_strdup(ar, src->force);
    dst->level = arena_strdup(ar, src->level);
    dst->path = arena_strdup(ar, src->path);
    dst->phone = arena_strdup(ar, src->phone);
    dst->area_ids = NULL;
    if (src->n_areas > 0) {
        dst->area_ids = arena_alloc(ar, src->n_areas * sizeof(*dst->area_ids));
        memcpy(dst->area_ids, src->area_ids, src->n_areas * sizeof(*dst->area_ids));
    }
}

ph_err store_sq_unit_get(struct store *st, struct arena *ar, int64_t id, struct unit *out)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt =
        store_sq_stmt(s, SQ_UNIT_GET, "SELECT " UNIT_COLS " FROM units WHERE id = ?1");
    struct store_sq_unit_kept *k = NULL;
    int64_t version = 0;
    bool usable = false;
    struct unit u;
    ph_err rc;

    if (stmt == NULL)
        return PH_ESTORE;
    /* A new incident reads its reporting unit and every recipient's: kept
     * (struct store_sq says when), each caller getting its own copy. */
    if ((rc = store_sq_ref_check(s, &usable, &version)) != PH_OK)
        return rc;
    if (usable && id > 0) {
        k = &s->unit_kept[(uint64_t)id % STORE_SQ_UNIT_KEPT];
        if (k->epoch == s->ref_epoch && k->data_version == version && k->unit.id == id) {
            unit_copy(ar, out, &k->unit);
            return PH_OK;
        }
    }
    rc = store_sq_get(s, ar, stmt, sqlite3_bind_int64(stmt, 1, id), "get unit", read_unit, &u);
    if (rc == PH_OK)
        rc = read_unit_areas(s, ar, &u);
    if (rc != PH_OK)
        return rc;
    if (k != NULL) {
        arena_release(&k->arena);
        unit_copy(&k->arena, &k->unit, &u);
        k->epoch = s->ref_epoch;
        k->data_version = version;
    }
    *out = u;
    return PH_OK;
}

ph_err store_sq_unit_list(struct store *st, struct arena *ar, const struct unit_filter *f,
                          struct unit **items, size_t *n, bool *has_more)
{
    struct store_sq *s = store_sq_of(st);
    /* As for areas: absent filters bind NULL or 0. within_id matches the unit's
     * own path as a prefix; an unknown unit gives a NULL pattern and no rows. */
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_UNIT_LIST,
        "SELECT " UNIT_COLS " FROM units u "
        "WHERE id > ?1 AND (?2 IS NULL OR force = ?2) AND (?3 IS NULL OR level = ?3) "
        "AND (?4 = 0 OR parent_id = ?4) "
        "AND (?5 = 0 OR EXISTS (SELECT 1 FROM unit_areas ua "
        "WHERE ua.unit_id = u.id AND ua.area_id = ?5)) "
        "AND (?6 = 0 OR path LIKE (SELECT w.path FROM units w WHERE w.id = ?6) || '%') "
        "AND (?7 IS NULL OR name_folded LIKE '%' || ?7 || '%' ESCAPE '\\' "
        "OR lower(code) LIKE '%' || ?7 || '%' ESCAPE '\\') "
        "AND (?8 <> 0 OR is_active <> 0) "
        "ORDER BY id LIMIT ?9");
    int limit = store_list_limit(f->limit);
    void *list = NULL;
    struct unit *units;
    size_t count = 0;
    bool more = false;
    ph_err rc;
    int e;

    if (stmt == NULL)
        return PH_ESTORE;
    e = sqlite3_bind_int64(stmt, 1, f->after_id) | store_sq_bind_text(stmt, 2, f->force) |
        store_sq_bind_text(stmt, 3, f->level) | sqlite3_bind_int64(stmt, 4, f->parent_id) |
        sqlite3_bind_int64(stmt, 5, f->area_id) | sqlite3_bind_int64(stmt, 6, f->within_id) |
        store_sq_bind_text(stmt, 7, store_like_escape(ar, f->q)) |
        sqlite3_bind_int(stmt, 8, f->include_inactive) | sqlite3_bind_int(stmt, 9, limit + 1);
    rc = store_sq_rows(s, ar, stmt, e, "list units", sizeof(*units), limit, read_unit, &list,
                       &count, &more);
    units = list;
    /* Areas after the list statement is reset; a handful of rows per unit. */
    for (size_t i = 0; i < count && rc == PH_OK; i++)
        rc = read_unit_areas(s, ar, &units[i]);
    if (rc == PH_OK) {
        *items = units;
        *n = count;
        *has_more = more;
    }
    return rc;
}

/* The area's parent (0: none) and, of force's active units linked to the area,
 * the deepest level then the lowest id, as one number: level rank (commune 0,
 * district 1, province 2) times 2^48 plus the id (ids stay far below 2^48). An
 * aggregate rather than ORDER BY .. LIMIT 1, which would build a temporary
 * b-tree on every call. Column 1 is NULL when no unit is linked. */
#define UNIT_RANK_SHIFT 48
#define SQL_AREA_LINKED_UNIT                                                                       \
    "SELECT a.parent_id, (SELECT min((CASE u.level WHEN 'commune' THEN 0 WHEN 'district' THEN 1 "  \
    "ELSE 2 END << 48) + u.id) FROM unit_areas AS ua JOIN units AS u ON u.id = ua.unit_id "        \
    "WHERE ua.area_id = a.id AND u.force = ?2 AND u.is_active <> 0) "                              \
    "FROM areas AS a WHERE a.id = ?1"

struct area_step {
    int64_t parent_id, unit_key; /* unit_key 0: no unit linked */
};

static void read_area_step(struct arena *ar, sqlite3_stmt *stmt, void *row)
{
    struct area_step *out = row;

    out->parent_id = sqlite3_column_int64(stmt, 0);
    out->unit_key = sqlite3_column_type(stmt, 1) == SQLITE_NULL ? 0 : sqlite3_column_int64(stmt, 1);
}

ph_err store_sq_unit_responsible(struct store *st, const char *force, int64_t area_id,
                                 int64_t *unit_id)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *step = store_sq_stmt(s, SQ_UNIT_RESPONSIBLE, SQL_AREA_LINKED_UNIT);
    /* min(id) rather than ORDER BY id LIMIT 1, for the same reason. */
    sqlite3_stmt *top =
        store_sq_stmt(s, SQ_UNIT_FORCE_TOP,
                      "SELECT min(id) FROM units WHERE force = ?1 AND level = 'province' "
                      "AND is_active <> 0");
    int64_t cur = area_id, found = 0, version = 0;
    struct store_sq_unit_memo *m = NULL;
    bool usable = false;
    ph_err rc = PH_OK;

    _Static_assert(UNIT_RANK_SHIFT == 48, "SQL_AREA_LINKED_UNIT shifts by 48");
    if (step == NULL || top == NULL)
        return PH_ESTORE;
    /* Kept answers first (struct store_sq says when they hold). */
    if ((rc = store_sq_ref_check(s, &usable, &version)) != PH_OK)
        return rc;
    if (usable && force != NULL && strlen(force) < sizeof(m->force)) {
        m = &s->unit_memo[((uint64_t)area_id * 31 + (unsigned char)force[0]) % STORE_SQ_UNIT_MEMO];
        if (m->epoch == s->ref_epoch && m->data_version == version && m->area_id == area_id &&
            strcmp(m->force, force) == 0) {
            *unit_id = m->unit_id;
            return PH_OK;
        }
    }
    /* Up the chain of areas that exist, nearest first, until one has a unit. */
    for (int depth = 0; cur > 0 && depth < STORE_AREA_CHAIN_MAX && found == 0; depth++) {
        struct area_step a = {0};
        rc = store_sq_get(s, NULL, step,
                          sqlite3_bind_int64(step, 1, cur) | store_sq_bind_text(step, 2, force),
                          "responsible unit", read_area_step, &a);
        if (rc == PH_ENOTFOUND) {
            rc = PH_OK;
            break;
        }
        if (rc != PH_OK)
            return rc;
        found = a.unit_key & (((int64_t)1 << UNIT_RANK_SHIFT) - 1);
        cur = a.parent_id;
    }
    /* None on the way: the force's provincial command. */
    if (found == 0) {
        rc = store_sq_get(s, NULL, top, store_sq_bind_text(top, 1, force), "force's top unit",
                          read_id, &found);
        if (rc == PH_OK && found == 0)
            rc = PH_ENOTFOUND;
    }
    if (rc == PH_OK && m != NULL) {
        m->epoch = s->ref_epoch;
        m->data_version = version;
        m->area_id = area_id;
        snprintf(m->force, sizeof(m->force), "%s", force);
        m->unit_id = found;
    }
    if (rc == PH_OK)
        *unit_id = found;
    return rc;
}

/* ---- people -------------------------------------------------------------- */

/* Column 17 is password_hash where core needs it (get, get_by_username), NULL
 * in lists: hashes stay out of arenas that do not need them. */
#define PERSON_COLS                                                                                \
    "p.id, p.username, p.full_name, p.rank, p.position, p.unit_id, p.roles, p.clearance, "         \
    "p.phone, p.email, p.is_disabled, p.password_hash IS NOT NULL, p.failed_logins, "              \
    "p.locked_until, p.version, p.created_at, p.updated_at"
#define SQL_PERSON_EXISTS "SELECT 1 FROM people WHERE id = ?1"

static void read_person(struct arena *ar, sqlite3_stmt *stmt, void *row)
{
    struct person *out = row;

    memset(out, 0, sizeof(*out));
    out->id = sqlite3_column_int64(stmt, 0);
    out->username = store_sq_col_text(ar, stmt, 1);
    out->full_name = store_sq_col_text(ar, stmt, 2);
    out->rank = store_sq_col_text(ar, stmt, 3);
    out->position = store_sq_col_text(ar, stmt, 4);
    out->unit_id = sqlite3_column_int64(stmt, 5);
    out->roles = (unsigned)sqlite3_column_int64(stmt, 6);
    out->clearance = sqlite3_column_int(stmt, 7);
    out->phone = store_sq_col_text(ar, stmt, 8);
    out->email = store_sq_col_text(ar, stmt, 9);
    out->is_disabled = sqlite3_column_int(stmt, 10) != 0;
    out->has_password = sqlite3_column_int(stmt, 11) != 0;
    out->failed_logins = sqlite3_column_int(stmt, 12);
    out->locked_until = sqlite3_column_int64(stmt, 13);
    out->version = sqlite3_column_int64(stmt, 14);
    out->created_at = sqlite3_column_int64(stmt, 15);
    out->updated_at = sqlite3_column_int64(stmt, 16);
    out->password_hash = store_sq_col_text(ar, stmt, 17);
}

/* The columns insert and update share, ?2 to ?12. */
static int bind_person(sqlite3_stmt *stmt, const struct person *p, const char *name_folded)
{
    return store_sq_bind_text(stmt, 2, p->username) | store_sq_bind_text(stmt, 3, p->full_name) |
           store_sq_bind_text(stmt, 4, name_folded) | store_sq_bind_text(stmt, 5, p->rank) |
           store_sq_bind_text(stmt, 6, p->position) | store_sq_bind_id(stmt, 7, p->unit_id) |
           sqlite3_bind_int64(stmt, 8, (int64_t)p->roles) |
           sqlite3_bind_int(stmt, 9, p->clearance) | store_sq_bind_text(stmt, 10, p->phone) |
           store_sq_bind_text(stmt, 11, p->email) | sqlite3_bind_int(stmt, 12, p->is_disabled);
}

ph_err store_sq_person_insert(struct store *st, const struct person *p, const char *name_folded,
                              int64_t *id)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_PERSON_INSERT,
        "INSERT INTO people (username, full_name, name_folded, rank, position, unit_id, roles, "
        "clearance, phone, email, is_disabled, password_hash, failed_logins, locked_until, "
        "version, created_at, updated_at) "
        "VALUES (?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, 0, 0, 1, ?14, ?15)");

    if (stmt == NULL)
        return PH_ESTORE;
    return store_sq_insert(s, stmt,
                           bind_person(stmt, p, name_folded) |
                               store_sq_bind_text(stmt, 13, p->password_hash) |
                               store_sq_bind_created(stmt, 14, p->created_at, p->updated_at),
                           "insert person", id);
}

ph_err store_sq_person_update(struct store *st, const struct person *p, const char *name_folded)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_PERSON_UPDATE,
        "UPDATE people SET username = ?2, full_name = ?3, name_folded = ?4, rank = ?5, "
        "position = ?6, unit_id = ?7, roles = ?8, clearance = ?9, phone = ?10, email = ?11, "
        "is_disabled = ?12, updated_at = ?13, version = version + 1 "
        "WHERE id = ?1 AND (?14 = 0 OR version = ?14)");

    if (stmt == NULL)
        return PH_ESTORE;
    return store_sq_update_versioned(
        s, stmt,
        sqlite3_bind_int64(stmt, 1, p->id) | bind_person(stmt, p, name_folded) |
            sqlite3_bind_int64(stmt, 13, store_time_or_now(p->updated_at)) |
            sqlite3_bind_int64(stmt, 14, p->version),
        "update person", SQ_PERSON_EXISTS, SQL_PERSON_EXISTS, p->id);
}

/* One person by id (username NULL) or by username. */
static ph_err get_person(struct store_sq *s, struct arena *ar, sqlite3_stmt *stmt, int64_t id,
                         const char *username, struct person *out)
{
    if (stmt == NULL)
        return PH_ESTORE;
    return store_sq_get(s, ar, stmt,
                        username != NULL ? store_sq_bind_text(stmt, 1, username)
                                         : sqlite3_bind_int64(stmt, 1, id),
                        "get person", read_person, out);
}

ph_err store_sq_person_get(struct store *st, struct arena *ar, int64_t id, struct person *out)
{
    struct store_sq *s = store_sq_of(st);
    return get_person(s, ar,
                      store_sq_stmt(s, SQ_PERSON_GET,
                                    "SELECT " PERSON_COLS ", p.password_hash FROM people p "
                                    "WHERE p.id = ?1"),
                      id, NULL, out);
}

ph_err store_sq_person_get_by_username(struct store *st, struct arena *ar, const char *username,
                                       struct person *out)
{
    struct store_sq *s = store_sq_of(st);
    if (username == NULL)
        return PH_ENOTFOUND;
    return get_person(s, ar,
                      store_sq_stmt(s, SQ_PERSON_GET_BY_USERNAME,
                                    "SELECT " PERSON_COLS ", p.password_hash FROM people p "
                                    "WHERE p.username = ?1"),
                      0, username, out);
}

ph_err store_sq_person_list(struct store *st, struct arena *ar, const struct person_filter *f,
                            struct person **items, size_t *n, bool *has_more)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_PERSON_LIST,
        "SELECT " PERSON_COLS ", NULL FROM people p LEFT JOIN units u ON u.id = p.unit_id "
        "WHERE p.id > ?1 AND (?2 = 0 OR p.unit_id = ?2) "
        "AND (?3 = 0 OR u.path LIKE (SELECT w.path FROM units w WHERE w.id = ?3) || '%') "
        "AND (?4 IS NULL OR u.force = ?4) AND (?5 = 0 OR (p.roles & ?5) <> 0) "
        "AND (?6 IS NULL OR p.name_folded LIKE '%' || ?6 || '%' ESCAPE '\\' "
        "OR p.username LIKE '%' || ?6 || '%' ESCAPE '\\') "
        "AND (?7 <> 0 OR p.is_disabled = 0) "
        "ORDER BY p.id LIMIT ?8");
    int limit = store_list_limit(f->limit);
    void *list = NULL;
    ph_err rc;
    int e;

    if (stmt == NULL)
        return PH_ESTORE;
    e = sqlite3_bind_int64(stmt, 1, f->after_id) | sqlite3_bind_int64(stmt, 2, f->unit_id) |
        sqlite3_bind_int64(stmt, 3, f->within_unit_id) | store_sq_bind_text(stmt, 4, f->force) |
        sqlite3_bind_int64(stmt, 5, (int64_t)f->role) |
        store_sq_bind_text(stmt, 6, store_like_escape(ar, f->q)) |
        sqlite3_bind_int(stmt, 7, f->include_disabled) | sqlite3_bind_int(stmt, 8, limit + 1);
    rc = store_sq_rows(s, ar, stmt, e, "list people", sizeof(**items), limit, read_person, &list, n,
                       has_more);
    if (rc == PH_OK)
        *items = list;
    return rc;
}

ph_err store_sq_person_set_password(struct store *st, int64_t id, const char *password_hash)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(s, SQ_PERSON_SET_PASSWORD,
                                       "UPDATE people SET password_hash = ?2 WHERE id = ?1");
    if (stmt == NULL)
        return PH_ESTORE;
    return store_sq_write_one(
        s, stmt, sqlite3_bind_int64(stmt, 1, id) | store_sq_bind_text(stmt, 2, password_hash),
        "set password");
}

ph_err store_sq_person_set_login_state(struct store *st, int64_t id, int failed_logins,
                                       int64_t locked_until)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt =
        store_sq_stmt(s, SQ_PERSON_SET_LOGIN_STATE,
                      "UPDATE people SET failed_logins = ?2, locked_until = ?3 WHERE id = ?1");
    if (stmt == NULL)
        return PH_ESTORE;
    return store_sq_write_one(s, stmt,
                              sqlite3_bind_int64(stmt, 1, id) |
                                  sqlite3_bind_int(stmt, 2, failed_logins) |
                                  sqlite3_bind_int64(stmt, 3, locked_until),
                              "set login state");
}

/* ---- tokens -------------------------------------------------------------- */

/* expires_at and revoked_at are 0 in C for "never" / "live", NULL in SQL. */

ph_err store_sq_token_insert(struct store *st, const struct store_token *t, int64_t *id)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_TOKEN_INSERT,
        "INSERT INTO tokens (person_id, kind, name, hash, created_at, expires_at, client) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    int e;

    if (stmt == NULL)
        return PH_ESTORE;
    e = sqlite3_bind_int64(stmt, 1, t->person_id) | store_sq_bind_text(stmt, 2, t->kind) |
        store_sq_bind_text(stmt, 3, t->name) |
        sqlite3_bind_blob(stmt, 4, t->hash, 32, SQLITE_STATIC) |
        sqlite3_bind_int64(stmt, 5, store_time_or_now(t->created_at)) |
        store_sq_bind_id(stmt, 6, t->expires_at) | store_sq_bind_text(stmt, 7, t->client);
    return store_sq_insert(s, stmt, e, "insert token", id);
}

static void read_auth(struct arena *ar, sqlite3_stmt *stmt, void *row)
{
    struct store_auth *out = row;

    memset(out, 0, sizeof(*out));
    out->token_id = sqlite3_column_int64(stmt, 0);
    out->person_id = sqlite3_column_int64(stmt, 1);
    out->expires_at = sqlite3_column_int64(stmt, 2);
    out->revoked_at = sqlite3_column_int64(stmt, 3);
    out->kind = store_sq_col_text(ar, stmt, 4);
    out->username = store_sq_col_text(ar, stmt, 5);
    out->full_name = store_sq_col_text(ar, stmt, 6);
    out->roles = (unsigned)sqlite3_column_int64(stmt, 7);
    out->clearance = sqlite3_column_int(stmt, 8);
    out->is_disabled = sqlite3_column_int(stmt, 9) != 0;
    out->unit_id = sqlite3_column_int64(stmt, 10);
    out->unit_path = store_sq_col_text(ar, stmt, 11);
    out->unit_level = store_sq_col_text(ar, stmt, 12);
    out->force = store_sq_col_text(ar, stmt, 13);
}

ph_err store_sq_token_lookup(struct store *st, struct arena *ar, const uint8_t hash[32],
                             struct store_auth *out)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_TOKEN_LOOKUP,
        "SELECT t.id, t.person_id, t.expires_at, t.revoked_at, t.kind, p.username, p.full_name, "
        "p.roles, p.clearance, p.is_disabled, p.unit_id, u.path, u.level, u.force "
        "FROM tokens t JOIN people p ON p.id = t.person_id "
        "LEFT JOIN units u ON u.id = p.unit_id WHERE t.hash = ?1");

    if (stmt == NULL)
        return PH_ESTORE;
    return store_sq_get(s, ar, stmt, sqlite3_bind_blob(stmt, 1, hash, 32, SQLITE_STATIC),
                        "look up token", read_auth, out);
}

#define SQL_TOKEN_EXISTS "SELECT 1 FROM tokens WHERE id = ?1"

ph_err store_sq_token_revoke(struct store *st, int64_t id, int64_t at)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt =
        store_sq_stmt(s, SQ_TOKEN_REVOKE,
                      "UPDATE tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL");
    bool found = true;
    int changes = 0;
    ph_err rc;

    if (stmt == NULL)
        return PH_ESTORE;
    rc = store_sq_write(s, stmt,
                        sqlite3_bind_int64(stmt, 1, id) |
                            sqlite3_bind_int64(stmt, 2, store_time_or_now(at)),
                        "revoke token", &changes);
    if (rc == PH_OK && changes == 0) /* already revoked (keeps its time), or absent */
        rc = store_sq_exists(s, SQ_TOKEN_EXISTS, SQL_TOKEN_EXISTS, id, &found);
    if (rc == PH_OK && !found)
        rc = PH_ENOTFOUND;
    return rc;
}

ph_err store_sq_token_revoke_person(struct store *st, int64_t person_id, int64_t at, int *n)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_TOKEN_REVOKE_PERSON,
        "UPDATE tokens SET revoked_at = ?2 WHERE person_id = ?1 AND revoked_at IS NULL");

    if (stmt == NULL)
        return PH_ESTORE;
    return store_sq_write(s, stmt,
                          sqlite3_bind_int64(stmt, 1, person_id) |
                              sqlite3_bind_int64(stmt, 2, store_time_or_now(at)),
                          "revoke tokens of person", n);
}

static void read_token(struct arena *ar, sqlite3_stmt *stmt, void *row)
{
    struct store_token *out = row;

    memset(out, 0, sizeof(*out));
    out->id = sqlite3_column_int64(stmt, 0);
    out->person_id = sqlite3_column_int64(stmt, 1);
    out->kind = store_sq_col_text(ar, stmt, 2);
    out->name = store_sq_col_text(ar, stmt, 3);
    (void)store_sq_col_hash(stmt, 4, out->hash);
    out->created_at = sqlite3_column_int64(stmt, 5);
    out->expires_at = sqlite3_column_int64(stmt, 6);
    out->client = store_sq_col_text(ar, stmt, 7);
}

ph_err store_sq_token_get(struct store *st, struct arena *ar, int64_t id, struct store_token *out)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(s, SQ_TOKEN_GET,
                                       "SELECT id, person_id, kind, name, hash, created_at, "
                                       "expires_at, client FROM tokens WHERE id = ?1");

    if (stmt == NULL)
        return PH_ESTORE;
    return store_sq_get(s, ar, stmt, sqlite3_bind_int64(stmt, 1, id), "get token", read_token, out);
}
