/* pg_people.c - the PostgreSQL twin of sqlite_people.c: units (with their
 * materialised paths and areas of responsibility), people and login tokens
 * (pg_int.h). As the SQLite store, it keeps units and responsible units per
 * connection (struct store_pg says when they are used); a unit's areas are
 * read with the unit, in the same statement. */
#include "util/base.h"
#include "store/pg_int.h"
#include "util/arena.h"
#include "util/log.h"

/* ---- units --------------------------------------------------------------- */

/* Column 12: the unit's area ids, ascending and space-separated (NULL: none). */
#define UNIT_COLS                                                                                  \
    "u.id, u.code, u.name, u.force, u.parent_id, u.level, u.path, u.phone, u.is_active, "          \
    "u.version, u.created_at, u.updated_at, (SELECT string_agg(ua.area_id::text, ' ' "             \
    "ORDER BY ua.area_id) FROM unit_areas AS ua WHERE ua.unit_id = u.id)"
#define SQL_UNIT_PATH "SELECT path FROM units WHERE id = $1"

static void read_unit(struct arena *ar, const PGresult *res, int row, void *out)
{
    struct unit *u = out;

    memset(u, 0, sizeof(*u));
    u->id = pg_col_i64(res, row, 0);
    u->code = pg_col_text(ar, res, row, 1);
    u->name = pg_col_text(ar, res, row, 2);
    u->force = pg_col_text(ar, res, row, 3);
    u->parent_id = pg_col_i64(res, row, 4);
    u->level = pg_col_text(ar, res, row, 5);
    u->path = pg_col_text(ar, res, row, 6);
    u->phone = pg_col_text(ar, res, row, 7);
    u->is_active = pg_col_int(res, row, 8) != 0;
    u->version = pg_col_i64(res, row, 9);
    u->created_at = pg_col_i64(res, row, 10);
    u->updated_at = pg_col_i64(res, row, 11);
    u->area_ids = store_split_ids(ar, pg_col_text(ar, res, row, 12), &u->n_areas);
}

/* Replace the areas of unit id with u's. Repeated ids count once; an unknown
 * area is a foreign-key violation (PH_ECONFLICT). */
static ph_err write_unit_areas(struct store_pg *p, struct arena *ar, int64_t id,
                               const struct unit *u)
{
    struct pg_args args = {0};
    ph_err rc;

    pg_arg_i64(&args, id);
    rc = pg_write(p, "DELETE FROM unit_areas WHERE unit_id = $1", &args, "clear unit areas", NULL);
    if (rc != PH_OK || u->n_areas == 0)
        return rc;
    pg_arg_ids(&args, ar, u->area_ids, u->n_areas);
    return pg_write(p,
                    "INSERT INTO unit_areas (unit_id, area_id) "
                    "SELECT $1, a FROM unnest($2::bigint[]) AS a ON CONFLICT DO NOTHING",
                    &args, "add unit areas", NULL);
}

static void read_path(struct arena *ar, const PGresult *res, int row, void *out)
{
    *(char **)out = pg_col_text(ar, res, row, 0);
}

/* The path of unit id, in ar; PH_ENOTFOUND when no such unit. */
static ph_err unit_path(struct store_pg *p, struct arena *ar, int64_t id, char **path)
{
    struct pg_args args = {0};

    pg_arg_i64(&args, id);
    return pg_get(p, ar, SQL_UNIT_PATH, &args, "read unit path", read_path, path);
}

/* Set the path of unit id (cur NULL: a new unit), or replace the prefix cur by
 * path in the unit and its whole subtree (the byte range of cur's prefix). */
static ph_err write_path(struct store_pg *p, struct arena *ar, int64_t id, const char *path,
                         const char *cur)
{
    struct pg_args args = {0};

    pg_arg_text(&args, path);
    if (cur == NULL) {
        pg_arg_i64(&args, id);
        return pg_write(p, "UPDATE units SET path = $1 WHERE id = $2", &args, "write unit path",
                        NULL);
    }
    pg_arg_text(&args, cur);
    (void)pg_arg_range(&args, ar, cur);
    return pg_write(p,
                    "UPDATE units SET path = $1::text || substr(path, length($2::text) + 1) "
                    "WHERE path >= $3::text AND path < $4::text",
                    &args, "move unit subtree", NULL);
}

/* Give unit id its path below parent_id ("/<id>/" at the top). cur is the path
 * it has (NULL for a new unit); when the path changes the whole subtree moves
 * with it, since every path below starts with cur. */
static ph_err place_unit(struct store_pg *p, struct arena *ar, int64_t id, int64_t parent_id,
                         const char *cur)
{
    char *parent_path = NULL;
    ph_err rc;

    if (parent_id != 0 && (rc = unit_path(p, ar, parent_id, &parent_path)) != PH_OK)
        return rc == PH_ENOTFOUND ? PH_ECONFLICT : rc; /* the foreign key has been checked */
    if (cur != NULL && parent_path != NULL && strncmp(parent_path, cur, strlen(cur)) == 0) {
        log_warn("store/postgres: unit %lld cannot move below itself", (long long)id);
        return PH_EINVAL;
    }
    char *path =
        arena_printf(ar, "%s%lld/", parent_path != NULL ? parent_path : "/", (long long)id);
    if (cur != NULL && strcmp(cur, path) == 0)
        return PH_OK;
    return write_path(p, ar, id, path, cur);
}

/* The columns insert and update share, $1 to $8. */
static void arg_unit(struct pg_args *args, const struct unit *u, const char *name_folded)
{
    pg_arg_text(args, u->code);
    pg_arg_text(args, u->name);
    pg_arg_text(args, name_folded);
    pg_arg_text(args, u->force);
    pg_arg_id(args, u->parent_id);
    pg_arg_text(args, u->level);
    pg_arg_text(args, u->phone);
    pg_arg_i64(args, u->is_active ? 1 : 0);
}

ph_err store_pg_unit_insert(struct store *st, const struct unit *u, const char *name_folded,
                            int64_t *id)
{
    struct store_pg *p = store_pg_of(st);
    struct pg_args args = {0};
    struct arena ar;
    int64_t new_id = 0;
    ph_err rc;

    arg_unit(&args, u, name_folded);
    pg_arg_created(&args, u->created_at, u->updated_at);
    /* Units and their areas are reference data (kept: responsible units). */
    pg_ref_changed(p);
    if ((rc = pg_op_begin(p)) != PH_OK)
        return rc;
    arena_init(&ar);
    /* The path needs the new id: inserted empty, set at once in the same savepoint. */
    rc = pg_insert(p,
                   "INSERT INTO units (code, name, name_folded, force, parent_id, level, path, "
                   "phone, is_active, version, created_at, updated_at) "
                   "VALUES ($1, $2, $3, $4, $5, $6, '', $7, $8, 1, $9, $10) RETURNING id",
                   &args, "insert unit", &new_id);
    if (rc == PH_OK)
        rc = place_unit(p, &ar, new_id, u->parent_id, NULL);
    if (rc == PH_OK)
        rc = write_unit_areas(p, &ar, new_id, u);
    arena_release(&ar);
    rc = pg_op_end(p, rc);
    if (rc == PH_OK)
        *id = new_id;
    return rc;
}

ph_err store_pg_unit_update(struct store *st, const struct unit *u, const char *name_folded)
{
    struct store_pg *p = store_pg_of(st);
    struct pg_args args = {0};
    struct arena ar;
    char *cur = NULL;
    ph_err rc;

    arg_unit(&args, u, name_folded);
    pg_arg_i64(&args, store_time_or_now(u->updated_at));
    pg_arg_i64(&args, u->version);
    pg_arg_i64(&args, u->id);
    pg_ref_changed(p);
    if ((rc = pg_op_begin(p)) != PH_OK)
        return rc;
    arena_init(&ar);
    /* The UPDATE comes first: it locks the row before its path is read. */
    rc = pg_update_versioned(
        p,
        "UPDATE units SET code = $1, name = $2, name_folded = $3, force = $4, parent_id = $5, "
        "level = $6, phone = $7, is_active = $8, updated_at = $9, version = version + 1 "
        "WHERE id = $11 AND ($10::bigint = 0 OR version = $10)",
        &args, "update unit", SQL_UNIT_PATH, u->id);
    if (rc == PH_OK)
        rc = unit_path(p, &ar, u->id, &cur);
    if (rc == PH_OK)
        rc = place_unit(p, &ar, u->id, u->parent_id, cur);
    if (rc == PH_OK)
        rc = write_unit_areas(p, &ar, u->id, u);
    arena_release(&ar);
    return pg_op_end(p, rc);
}

ph_err store_pg_unit_delete(struct store *st, int64_t id)
{
    struct store_pg *p = store_pg_of(st);
    struct pg_args args = {0};

    /* Area links go by cascade; child units and people make it a conflict. */
    pg_arg_i64(&args, id);
    pg_ref_changed(p);
    return pg_write_one(p, "DELETE FROM units WHERE id = $1", &args, "delete unit");
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

ph_err store_pg_unit_get(struct store *st, struct arena *ar, int64_t id, struct unit *out)
{
    struct store_pg *p = store_pg_of(st);
    struct pg_args args = {0};
    struct pg_unit_kept *k = NULL;
    int64_t rev = 0;
    bool usable = false;
    struct unit u;
    ph_err rc;

    /* A new incident reads its reporting unit and every recipient's: kept
     * (struct store_pg says when), each caller getting its own copy. */
    if ((rc = pg_ref_check(p, &usable, &rev)) != PH_OK)
        return rc;
    if (usable && id > 0) {
        k = &p->unit_kept[(uint64_t)id % PG_UNIT_KEPT];
        if (k->epoch == p->ref_epoch && k->rev == rev && k->unit.id == id) {
            unit_copy(ar, out, &k->unit);
            return PH_OK;
        }
    }
    pg_arg_i64(&args, id);
    rc = pg_get(p, ar, "SELECT " UNIT_COLS " FROM units AS u WHERE u.id = $1", &args, "get unit",
                read_unit, &u);
    if (rc != PH_OK)
        return rc;
    if (k != NULL) {
        arena_release(&k->arena);
        unit_copy(&k->arena, &k->unit, &u);
        k->epoch = p->ref_epoch;
        k->rev = rev;
    }
    *out = u;
    return PH_OK;
}

ph_err store_pg_unit_list(struct store *st, struct arena *ar, const struct unit_filter *f,
                          struct unit **items, size_t *n, bool *has_more)
{
    /* As for areas: absent filters bind NULL or 0. within_id matches the unit's
     * own path as a prefix (paths hold only digits and '/': no LIKE escaping);
     * an unknown unit gives a NULL pattern and no rows. */
    static const char sql[] =
        "SELECT " UNIT_COLS " FROM units AS u "
        "WHERE u.id > $1::bigint AND ($2::text IS NULL OR u.force = $2) "
        "AND ($3::text IS NULL OR u.level = $3) AND ($4::bigint = 0 OR u.parent_id = $4) "
        "AND ($5::bigint = 0 OR EXISTS (SELECT 1 FROM unit_areas AS fa "
        "WHERE fa.unit_id = u.id AND fa.area_id = $5)) "
        "AND ($6::bigint = 0 OR u.path LIKE "
        "(SELECT w.path FROM units AS w WHERE w.id = $6) || '%') "
        "AND ($7::text IS NULL OR u.name_folded ILIKE '%' || $7 || '%' ESCAPE '\\' "
        "OR u.code ILIKE '%' || $7 || '%' ESCAPE '\\') "
        "AND ($8::int <> 0 OR u.is_active <> 0) "
        "ORDER BY u.id LIMIT $9";
    int limit = store_list_limit(f->limit);
    struct pg_args args = {0};
    void *list = NULL;
    ph_err rc;

    pg_arg_i64(&args, f->after_id);
    pg_arg_text(&args, f->force);
    pg_arg_text(&args, f->level);
    pg_arg_i64(&args, f->parent_id);
    pg_arg_i64(&args, f->area_id);
    pg_arg_i64(&args, f->within_id);
    pg_arg_text(&args, store_like_escape(ar, f->q));
    pg_arg_i64(&args, f->include_inactive ? 1 : 0);
    pg_arg_i64(&args, limit + 1);
    rc = pg_rows(store_pg_of(st), ar, sql, &args, "list units", sizeof(**items), limit, read_unit,
                 &list, n, has_more);
    if (rc == PH_OK)
        *items = list;
    return rc;
}

/* The responsible unit in one statement: up the chain of areas that exist
 * (at most STORE_AREA_CHAIN_MAX, nearest first), the first with an active unit
 * of the force linked, and of those the deepest level then the lowest id; when
 * none on the way has one, the force's provincial command (lowest id). NULL
 * when there is none. */
#define SQL_UNIT_RESPONSIBLE                                                                       \
    "WITH RECURSIVE chain (id, parent_id, depth) AS ("                                             \
    "SELECT id, parent_id, 0 FROM areas WHERE id = $1 "                                            \
    "UNION ALL SELECT a.id, a.parent_id, c.depth + 1 FROM areas AS a "                             \
    "JOIN chain AS c ON a.id = c.parent_id WHERE c.depth + 1 < 16) "                               \
    "SELECT coalesce((SELECT u.id FROM chain AS c "                                                \
    "JOIN unit_areas AS ua ON ua.area_id = c.id JOIN units AS u ON u.id = ua.unit_id "             \
    "WHERE u.force = $2 AND u.is_active <> 0 ORDER BY c.depth, "                                   \
    "CASE u.level WHEN 'commune' THEN 0 WHEN 'district' THEN 1 ELSE 2 END, u.id LIMIT 1), "        \
    "(SELECT min(id) FROM units WHERE force = $2 AND level = 'province' AND is_active <> 0))"

ph_err store_pg_unit_responsible(struct store *st, const char *force, int64_t area_id,
                                 int64_t *unit_id)
{
    struct store_pg *p = store_pg_of(st);
    struct pg_args args = {0};
    struct pg_unit_memo *m = NULL;
    int64_t found = 0, rev = 0;
    bool usable = false;
    ph_err rc;

    _Static_assert(STORE_AREA_CHAIN_MAX == 16, "SQL_UNIT_RESPONSIBLE walks 16 areas");
    /* Kept answers first (struct store_pg says when they hold): each new
     * incident asks for every force it informs. */
    if ((rc = pg_ref_check(p, &usable, &rev)) != PH_OK)
        return rc;
    if (usable && force != NULL && strlen(force) < sizeof(m->force)) {
        m = &p->unit_memo[((uint64_t)area_id * 31 + (unsigned char)force[0]) % PG_UNIT_MEMO];
        if (m->epoch == p->ref_epoch && m->rev == rev && m->area_id == area_id &&
            strcmp(m->force, force) == 0) {
            *unit_id = m->unit_id;
            return PH_OK;
        }
    }
    pg_arg_i64(&args, area_id);
    pg_arg_text(&args, force);
    rc = pg_get_i64(p, SQL_UNIT_RESPONSIBLE, &args, "responsible unit", &found);
    if (rc == PH_OK && found == 0)
        rc = PH_ENOTFOUND;
    if (rc != PH_OK)
        return rc;
    if (m != NULL) {
        m->epoch = p->ref_epoch;
        m->rev = rev;
        m->area_id = area_id;
        snprintf(m->force, sizeof(m->force), "%s", force);
        m->unit_id = found;
    }
    *unit_id = found;
    return PH_OK;
}

/* ---- people -------------------------------------------------------------- */

/* Column 17 is password_hash where core needs it (get, get_by_username), NULL
 * in lists: hashes stay out of arenas that do not need them. */
#define PERSON_COLS                                                                                \
    "p.id, p.username, p.full_name, p.rank, p.position, p.unit_id, p.roles, p.clearance, "         \
    "p.phone, p.email, p.is_disabled, p.password_hash IS NOT NULL, p.failed_logins, "              \
    "p.locked_until, p.version, p.created_at, p.updated_at"
#define SQL_PERSON_EXISTS "SELECT 1 FROM people WHERE id = $1"

static void read_person(struct arena *ar, const PGresult *res, int row, void *out)
{
    struct person *o = out;

    memset(o, 0, sizeof(*o));
    o->id = pg_col_i64(res, row, 0);
    o->username = pg_col_text(ar, res, row, 1);
    o->full_name = pg_col_text(ar, res, row, 2);
    o->rank = pg_col_text(ar, res, row, 3);
    o->position = pg_col_text(ar, res, row, 4);
    o->unit_id = pg_col_i64(res, row, 5);
    o->roles = (unsigned)pg_col_i64(res, row, 6);
    o->clearance = pg_col_int(res, row, 7);
    o->phone = pg_col_text(ar, res, row, 8);
    o->email = pg_col_text(ar, res, row, 9);
    o->is_disabled = pg_col_int(res, row, 10) != 0;
    o->has_password = pg_col_bool(res, row, 11);
    o->failed_logins = pg_col_int(res, row, 12);
    o->locked_until = pg_col_i64(res, row, 13);
    o->version = pg_col_i64(res, row, 14);
    o->created_at = pg_col_i64(res, row, 15);
    o->updated_at = pg_col_i64(res, row, 16);
    o->password_hash = pg_col_text(ar, res, row, 17);
}

/* The columns insert and update share, $1 to $11. */
static void arg_person(struct pg_args *args, const struct person *p, const char *name_folded)
{
    pg_arg_text(args, p->username);
    pg_arg_text(args, p->full_name);
    pg_arg_text(args, name_folded);
    pg_arg_text(args, p->rank);
    pg_arg_text(args, p->position);
    pg_arg_id(args, p->unit_id);
    pg_arg_i64(args, (int64_t)p->roles);
    pg_arg_i64(args, p->clearance);
    pg_arg_text(args, p->phone);
    pg_arg_text(args, p->email);
    pg_arg_i64(args, p->is_disabled ? 1 : 0);
}

ph_err store_pg_person_insert(struct store *st, const struct person *p, const char *name_folded,
                              int64_t *id)
{
    struct pg_args args = {0};

    arg_person(&args, p, name_folded);
    pg_arg_text(&args, p->password_hash);
    pg_arg_created(&args, p->created_at, p->updated_at);
    return pg_insert(store_pg_of(st),
                     "INSERT INTO people (username, full_name, name_folded, rank, position, "
                     "unit_id, roles, clearance, phone, email, is_disabled, password_hash, "
                     "failed_logins, locked_until, version, created_at, updated_at) "
                     "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 0, 0, 1, $13, "
                     "$14) RETURNING id",
                     &args, "insert person", id);
}

ph_err store_pg_person_update(struct store *st, const struct person *p, const char *name_folded)
{
    struct pg_args args = {0};

    arg_person(&args, p, name_folded);
    pg_arg_i64(&args, store_time_or_now(p->updated_at));
    pg_arg_i64(&args, p->version);
    pg_arg_i64(&args, p->id);
    return pg_update_versioned(
        store_pg_of(st),
        "UPDATE people SET username = $1, full_name = $2, name_folded = $3, rank = $4, "
        "position = $5, unit_id = $6, roles = $7, clearance = $8, phone = $9, email = $10, "
        "is_disabled = $11, updated_at = $12, version = version + 1 "
        "WHERE id = $14 AND ($13::bigint = 0 OR version = $13)",
        &args, "update person", SQL_PERSON_EXISTS, p->id);
}

ph_err store_pg_person_get(struct store *st, struct arena *ar, int64_t id, struct person *out)
{
    struct pg_args args = {0};

    pg_arg_i64(&args, id);
    return pg_get(store_pg_of(st), ar,
                  "SELECT " PERSON_COLS ", p.password_hash FROM people AS p WHERE p.id = $1", &args,
                  "get person", read_person, out);
}

ph_err store_pg_person_get_by_username(struct store *st, struct arena *ar, const char *username,
                                       struct person *out)
{
    struct pg_args args = {0};

    if (username == NULL)
        return PH_ENOTFOUND;
    pg_arg_text(&args, username);
    return pg_get(store_pg_of(st), ar,
                  "SELECT " PERSON_COLS ", p.password_hash FROM people AS p WHERE p.username = $1",
                  &args, "get person", read_person, out);
}

ph_err store_pg_person_list(struct store *st, struct arena *ar, const struct person_filter *f,
                            struct person **items, size_t *n, bool *has_more)
{
    /* SQLite's LIKE ignores ASCII case: ILIKE (usernames may have capitals). */
    static const char sql[] =
        "SELECT " PERSON_COLS ", NULL::text FROM people AS p "
        "LEFT JOIN units AS u ON u.id = p.unit_id "
        "WHERE p.id > $1::bigint AND ($2::bigint = 0 OR p.unit_id = $2) "
        "AND ($3::bigint = 0 OR u.path LIKE "
        "(SELECT w.path FROM units AS w WHERE w.id = $3) || '%') "
        "AND ($4::text IS NULL OR u.force = $4) AND ($5::bigint = 0 OR (p.roles & $5) <> 0) "
        "AND ($6::text IS NULL OR p.name_folded ILIKE '%' || $6 || '%' ESCAPE '\\' "
        "OR p.username ILIKE '%' || $6 || '%' ESCAPE '\\') "
        "AND ($7::int <> 0 OR p.is_disabled = 0) "
        "ORDER BY p.id LIMIT $8";
    int limit = store_list_limit(f->limit);
    struct pg_args args = {0};
    void *list = NULL;
    ph_err rc;

    pg_arg_i64(&args, f->after_id);
    pg_arg_i64(&args, f->unit_id);
    pg_arg_i64(&args, f->within_unit_id);
    pg_arg_text(&args, f->force);
    pg_arg_i64(&args, (int64_t)f->role);
    pg_arg_text(&args, store_like_escape(ar, f->q));
    pg_arg_i64(&args, f->include_disabled ? 1 : 0);
    pg_arg_i64(&args, limit + 1);
    rc = pg_rows(store_pg_of(st), ar, sql, &args, "list people", sizeof(**items), limit,
                 read_person, &list, n, has_more);
    if (rc == PH_OK)
        *items = list;
    return rc;
}

ph_err store_pg_person_set_password(struct store *st, int64_t id, const char *password_hash)
{
    struct pg_args args = {0};

    pg_arg_i64(&args, id);
    pg_arg_text(&args, password_hash);
    return pg_write_one(store_pg_of(st), "UPDATE people SET password_hash = $2 WHERE id = $1",
                        &args, "set password");
}

ph_err store_pg_person_set_login_state(struct store *st, int64_t id, int failed_logins,
                                       int64_t locked_until)
{
    struct pg_args args = {0};

    pg_arg_i64(&args, id);
    pg_arg_i64(&args, failed_logins);
    pg_arg_i64(&args, locked_until);
    return pg_write_one(store_pg_of(st),
                        "UPDATE people SET failed_logins = $2, locked_until = $3 WHERE id = $1",
                        &args, "set login state");
}

/* ---- tokens -------------------------------------------------------------- */

/* expires_at and revoked_at are 0 in C for "never" / "live", NULL in SQL. The
 * hash is bytea, bound as binary. */

ph_err store_pg_token_insert(struct store *st, const struct store_token *t, int64_t *id)
{
    struct pg_args args = {0};

    pg_arg_i64(&args, t->person_id);
    pg_arg_text(&args, t->kind);
    pg_arg_text(&args, t->name);
    pg_arg_bytes(&args, t->hash, 32);
    pg_arg_i64(&args, store_time_or_now(t->created_at));
    pg_arg_id(&args, t->expires_at);
    pg_arg_text(&args, t->client);
    return pg_insert(store_pg_of(st),
                     "INSERT INTO tokens (person_id, kind, name, hash, created_at, expires_at, "
                     "client) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                     &args, "insert token", id);
}

static void read_auth(struct arena *ar, const PGresult *res, int row, void *out)
{
    struct store_auth *o = out;

    memset(o, 0, sizeof(*o));
    o->token_id = pg_col_i64(res, row, 0);
    o->person_id = pg_col_i64(res, row, 1);
    o->expires_at = pg_col_i64(res, row, 2);
    o->revoked_at = pg_col_i64(res, row, 3);
    o->kind = pg_col_text(ar, res, row, 4);
    o->username = pg_col_text(ar, res, row, 5);
    o->full_name = pg_col_text(ar, res, row, 6);
    o->roles = (unsigned)pg_col_i64(res, row, 7);
    o->clearance = pg_col_int(res, row, 8);
    o->is_disabled = pg_col_int(res, row, 9) != 0;
    o->unit_id = pg_col_i64(res, row, 10);
    o->unit_path = pg_col_text(ar, res, row, 11);
    o->unit_level = pg_col_text(ar, res, row, 12);
    o->force = pg_col_text(ar, res, row, 13);
}

ph_err store_pg_token_lookup(struct store *st, struct arena *ar, const uint8_t hash[32],
                             struct store_auth *out)
{
    struct pg_args args = {0};

    pg_arg_bytes(&args, hash, 32);
    return pg_get(store_pg_of(st), ar,
                  "SELECT t.id, t.person_id, t.expires_at, t.revoked_at, t.kind, p.username, "
                  "p.full_name, p.roles, p.clearance, p.is_disabled, p.unit_id, u.path, u.level, "
                  "u.force FROM tokens AS t JOIN people AS p ON p.id = t.person_id "
                  "LEFT JOIN units AS u ON u.id = p.unit_id WHERE t.hash = $1::bytea",
                  &args, "look up token", read_auth, out);
}

ph_err store_pg_token_revoke(struct store *st, int64_t id, int64_t at)
{
    struct store_pg *p = store_pg_of(st);
    struct pg_args args = {0};
    bool found = true;
    int changes = 0;
    ph_err rc;

    pg_arg_i64(&args, id);
    pg_arg_i64(&args, store_time_or_now(at));
    rc = pg_write(p, "UPDATE tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
                  &args, "revoke token", &changes);
    if (rc == PH_OK && changes == 0) /* already revoked (keeps its time), or absent */
        rc = pg_exists(p, "SELECT 1 FROM tokens WHERE id = $1", id, &found);
    if (rc == PH_OK && !found)
        rc = PH_ENOTFOUND;
    return rc;
}

ph_err store_pg_token_revoke_person(struct store *st, int64_t person_id, int64_t at, int *n)
{
    struct pg_args args = {0};

    pg_arg_i64(&args, person_id);
    pg_arg_i64(&args, store_time_or_now(at));
    return pg_write(store_pg_of(st),
                    "UPDATE tokens SET revoked_at = $2 WHERE person_id = $1 AND revoked_at IS NULL",
                    &args, "revoke tokens of person", n);
}

static void read_token(struct arena *ar, const PGresult *res, int row, void *out)
{
    struct store_token *o = out;

    memset(o, 0, sizeof(*o));
    o->id = pg_col_i64(res, row, 0);
    o->person_id = pg_col_i64(res, row, 1);
    o->kind = pg_col_text(ar, res, row, 2);
    o->name = pg_col_text(ar, res, row, 3);
    (void)pg_col_hash(res, row, 4, o->hash);
    o->created_at = pg_col_i64(res, row, 5);
    o->expires_at = pg_col_i64(res, row, 6);
    o->client = pg_col_text(ar, res, row, 7);
}

ph_err store_pg_token_get(struct store *st, struct arena *ar, int64_t id, struct store_token *out)
{
    struct pg_args args = {0};

    pg_arg_i64(&args, id);
    return pg_get(store_pg_of(st), ar,
                  "SELECT id, person_id, kind, name, hash, created_at, expires_at, client "
                  "FROM tokens WHERE id = $1",
                  &args, "get token", read_token, out);
}
