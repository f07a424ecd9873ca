/* test_sqlite.c - the store contract on the SQLite backend: every op, on an
 * in-memory database and on a file in a temporary directory, plus what only the
 * SQLite backend does (pragmas, migrations, concurrent opens). */
#include "util/base.h"
#include <pthread.h>
#include <sqlite3.h>
#include <unistd.h>
#include "testutil.h"
#include "store/sqlite_int.h"
#include "util/log.h"
#include "util/text.h"

/* ---- fixture: one store per test, in memory or on file ------------------- */

struct fx {
    bool on_file;
    struct tu_tmpdb db; /* when on_file */
    struct store *st;
    struct arena a;
};

static const bool in_memory = false, on_file = true;

static int fx_setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    const char *dsn = "sqlite::memory:";
    f->on_file = *(const bool *)*state;
    if (f->on_file) {
        assert_int_equal(tu_tmpdb_make(&f->db, "sqlite"), 0);
        dsn = f->db.dsn;
    }
    if (store_open(dsn, &f->st) != PH_OK) {
        free(f);
        return -1;
    }
    arena_init(&f->a);
    *state = f;
    return 0;
}

static int fx_teardown(void **state)
{
    struct fx *f = *state;
    store_close(f->st);
    arena_release(&f->a);
    if (f->on_file)
        assert_int_equal(tu_tmpdb_remove(&f->db), 0);
    free(f);
    return 0;
}

/* ---- builders ------------------------------------------------------------ */

static const char *const square =
    "{\"type\":\"Polygon\",\"coordinates\":[[[106,10],[106.1,10],[106.1,10.1],[106,10]]]}";

static int64_t add_area(struct fx *f, const char *code, const char *name, const char *level,
                        const char *kind, int64_t parent_id, const char *from, const char *to)
{
    struct area a = {.code = code,
                     .name = name,
                     .level = level,
                     .kind = kind,
                     .parent_id = parent_id,
                     .geometry = square,
                     .valid_from = from,
                     .valid_to = to,
                     .created_at = 1000,
                     .updated_at = 1000};
    int64_t id = 0;
    assert_int_equal(store_area_insert(f->st, &a, text_fold(&f->a, name), &id), PH_OK);
    assert_true(id > 0);
    return id;
}

static int64_t add_unit_areas(struct fx *f, const char *code, const char *name, const char *force,
                              int64_t parent_id, const char *level, int64_t *areas, size_t n)
{
    struct unit u = {.code = code,
                     .name = name,
                     .force = force,
                     .parent_id = parent_id,
                     .level = level,
                     .phone = "0275 3822 113",
                     .is_active = true,
                     .area_ids = areas,
                     .n_areas = n};
    int64_t id = 0;
    assert_int_equal(store_unit_insert(f->st, &u, text_fold(&f->a, name), &id), PH_OK);
    assert_true(id > 0);
    return id;
}

static int64_t add_unit(struct fx *f, const char *code, const char *name, const char *force,
                        int64_t parent_id, const char *level)
{
    return add_unit_areas(f, code, name, force, parent_id, level, NULL, 0);
}

static int64_t add_person(struct fx *f, const char *username, const char *full_name,
                          int64_t unit_id, unsigned roles, bool is_disabled)
{
    struct person p = {.username = username,
                       .full_name = full_name,
                       .rank = "Thiếu tá",
                       .position = "Trực ban",
                       .unit_id = unit_id,
                       .roles = roles,
                       .clearance = 1,
                       .phone = "0912345678",
                       .email = NULL,
                       .is_disabled = is_disabled,
                       .password_hash = "$argon2id$v=19$x"};
    int64_t id = 0;
    assert_int_equal(store_person_insert(f->st, &p, text_fold(&f->a, full_name), &id), PH_OK);
    assert_true(id > 0);
    return id;
}

static char *unit_path_of(struct fx *f, int64_t id)
{
    struct unit u;
    assert_int_equal(store_unit_get(f->st, &f->a, id, &u), PH_OK);
    return (char *)u.path;
}

/* ---- connection ---------------------------------------------------------- */

static int64_t pragma_int(struct store *st, const char *sql)
{
    sqlite3_stmt *stmt = NULL;
    assert_int_equal(sqlite3_prepare_v2(store_sq_of(st)->db, sql, -1, &stmt, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return v;
}

static void test_sqlite_open_settings(void **state)
{
    struct fx *f = *state;
    int version = 0;
    int64_t size = 0;
    assert_int_equal(store_schema_version(f->st, &version), PH_OK);
    assert_int_equal(version, STORE_SCHEMA_VERSION);
    assert_int_equal(pragma_int(f->st, "PRAGMA foreign_keys"), 1);
    assert_int_equal(pragma_int(f->st, "PRAGMA busy_timeout"), 5000);
    if (f->on_file) {
        sqlite3_stmt *stmt = NULL;
        assert_int_equal(
            sqlite3_prepare_v2(store_sq_of(f->st)->db, "PRAGMA journal_mode", -1, &stmt, NULL),
            SQLITE_OK);
        assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
        assert_string_equal((const char *)sqlite3_column_text(stmt, 0), "wal");
        sqlite3_finalize(stmt);
        assert_int_equal(pragma_int(f->st, "PRAGMA synchronous"), 2); /* FULL */
    }
    assert_int_equal(store_db_size(f->st, &size), PH_OK);
    assert_true(size > 0);
}

static void test_sqlite_force_list(void **state)
{
    struct fx *f = *state;
    struct store_force *forces = NULL;
    size_t n = 0;
    assert_int_equal(store_force_list(f->st, &f->a, &forces, &n), PH_OK);
    assert_int_equal(n, 3);
    assert_string_equal(forces[0].code, "border_guard");
    assert_string_equal(forces[0].name_vi, "Biên phòng");
    assert_string_equal(forces[1].code, "military");
    assert_string_equal(forces[1].name_en, "Military Command");
    assert_string_equal(forces[2].code, "police");
    assert_string_equal(forces[2].name_vi, "Công an");
}

/* ---- areas --------------------------------------------------------------- */

static void test_sqlite_area_crud(void **state)
{
    struct fx *f = *state;
    struct area a;
    int64_t prov = add_area(f, "83", "Tỉnh Bến Tre", "province", "coastal", 0, "2020-01-01", NULL);
    int64_t dist =
        add_area(f, "829", "Huyện Ba Tri", "district", "coastal", prov, "2020-01-01", NULL);

    assert_int_equal(store_area_get(f->st, &f->a, dist, &a), PH_OK);
    assert_int_equal(a.id, dist);
    assert_string_equal(a.code, "829");
    assert_string_equal(a.name, "Huyện Ba Tri");
    assert_string_equal(a.level, "district");
    assert_string_equal(a.kind, "coastal");
    assert_int_equal(a.parent_id, prov);
    assert_string_equal(a.geometry, square);
    assert_string_equal(a.valid_from, "2020-01-01");
    assert_null(a.valid_to);
    assert_int_equal(a.version, 1);
    assert_int_equal(a.created_at, 1000);
    assert_int_equal(a.updated_at, 1000);
    assert_int_equal(store_area_get(f->st, &f->a, 9999, &a), PH_ENOTFOUND);

    /* update: version must match unless 0; ESTALE vs ENOTFOUND */
    a.name = "Huyện Ba Tri mới";
    a.valid_to = "2025-07-01";
    a.geometry = NULL;
    a.updated_at = 2000;
    assert_int_equal(store_area_update(f->st, &a, "huyen ba tri moi"), PH_OK);
    assert_int_equal(store_area_update(f->st, &a, "huyen ba tri moi"), PH_ESTALE); /* still 1 */
    a.version = 0;
    assert_int_equal(store_area_update(f->st, &a, "huyen ba tri moi"), PH_OK);
    a.id = 9999;
    assert_int_equal(store_area_update(f->st, &a, "x"), PH_ENOTFOUND);
    assert_int_equal(store_area_get(f->st, &f->a, dist, &a), PH_OK);
    assert_int_equal(a.version, 3);
    assert_string_equal(a.name, "Huyện Ba Tri mới");
    assert_string_equal(a.valid_to, "2025-07-01");
    assert_null(a.geometry);
    assert_int_equal(a.created_at, 1000);
    assert_int_equal(a.updated_at, 2000);
    a.updated_at = 0; /* 0: the store uses the current time */
    assert_int_equal(store_area_update(f->st, &a, "x"), PH_OK);
    assert_int_equal(store_area_get(f->st, &f->a, dist, &a), PH_OK);
    assert_true(a.updated_at > 1700000000000);

    /* (code, valid_from) is unique; the same code later is a new row */
    struct area dup = {.code = "829",
                       .name = "Trùng",
                       .level = "district",
                       .kind = "inland",
                       .parent_id = prov,
                       .valid_from = "2020-01-01"};
    int64_t id = 0;
    assert_int_equal(store_area_insert(f->st, &dup, "trung", &id), PH_ECONFLICT);
    dup.valid_from = "2025-07-01";
    assert_int_equal(store_area_insert(f->st, &dup, "trung", &id), PH_OK);
    /* an unknown parent is a foreign-key violation */
    dup.valid_from = "2026-01-01";
    dup.parent_id = 4242;
    assert_int_equal(store_area_insert(f->st, &dup, "trung", &id), PH_ECONFLICT);

    /* delete: refused while children or units refer to it */
    assert_int_equal(store_area_delete(f->st, prov), PH_ECONFLICT);
    int64_t links[] = {dist};
    int64_t unit =
        add_unit_areas(f, "CA-BT", "Công an huyện Ba Tri", "police", 0, "district", links, 1);
    assert_int_equal(store_area_delete(f->st, dist), PH_ECONFLICT);
    assert_int_equal(store_unit_delete(f->st, unit), PH_OK); /* the link goes with the unit */
    assert_int_equal(store_area_delete(f->st, dist), PH_OK);
    assert_int_equal(store_area_delete(f->st, dist), PH_ENOTFOUND);
    assert_int_equal(store_area_get(f->st, &f->a, dist, &a), PH_ENOTFOUND);

    /* ids are never given again, even the highest after a delete */
    int64_t last = add_area(f, "900", "Tạm", "commune", "inland", 0, "2020-01-01", NULL);
    assert_int_equal(store_area_delete(f->st, last), PH_OK);
    assert_true(add_area(f, "901", "Mới", "commune", "inland", 0, "2020-01-01", NULL) > last);
}

static void test_sqlite_area_list(void **state)
{
    struct fx *f = *state;
    struct area *items = NULL;
    size_t n = 0;
    bool more = false;
    int64_t prov = add_area(f, "83", "Tỉnh Bến Tre", "province", "coastal", 0, "2020-01-01", NULL);
    int64_t d1 =
        add_area(f, "829", "Huyện Ba Tri", "district", "coastal", prov, "2020-01-01", NULL);
    int64_t d2 = add_area(f, "831", "Huyện Chợ Lách", "district", "inland", prov, "2020-01-01",
                          "2025-07-01");
    int64_t c1 = add_area(f, "28807", "Xã Bảo Thạnh", "commune", "coastal", d1, "2020-01-01", NULL);
    int64_t s1 =
        add_area(f, "S1", "Vùng biển 100%_đặc biệt", "province", "sea", 0, "2020-01-01", NULL);

    struct area_filter all = {.limit = 50};
    assert_int_equal(store_area_list(f->st, &f->a, &all, &items, &n, &more), PH_OK);
    assert_int_equal(n, 5);
    assert_false(more);
    assert_int_equal(items[0].id, prov);
    assert_null(items[0].geometry); /* omitted unless asked */
    all.with_geometry = true;
    assert_int_equal(store_area_list(f->st, &f->a, &all, &items, &n, &more), PH_OK);
    assert_string_equal(items[0].geometry, square);

    static const struct {
        struct area_filter f;
        size_t n;
        int first; /* index into ids below */
    } cases[] = {
        {{.level = "district", .limit = 10}, 2, 1},
        {{.kind = "coastal", .limit = 10}, 3, 0},
        {{.code = "831", .limit = 10}, 1, 2},
        {{.parent_id = -1, .limit = 10}, 2, 1}, /* parent_id filled in below */
        {{.q = "ba tri", .limit = 10}, 1, 1},
        {{.q = "bao", .limit = 10}, 1, 3},
        {{.q = "100%_", .limit = 10}, 1, 4}, /* % and _ match themselves */
        {{.q = "1%0", .limit = 10}, 0, 0},
        {{.q = "_", .limit = 10}, 1, 4},
        {{.at = "2024-12-31", .limit = 10}, 5, 0},
        {{.at = "2025-07-01", .limit = 10}, 4, 0},
        {{.at = "2019-12-31", .limit = 10}, 0, 0},
        {{.level = "district", .kind = "inland", .limit = 10}, 1, 2},
    };
    int64_t ids[] = {prov, d1, d2, c1, s1};
    for (size_t i = 0; i < PH_NELEM(cases); i++) {
        struct area_filter flt = cases[i].f;
        if (flt.parent_id == -1)
            flt.parent_id = prov;
        assert_int_equal(store_area_list(f->st, &f->a, &flt, &items, &n, &more), PH_OK);
        assert_int_equal(n, cases[i].n);
        assert_false(more);
        if (n > 0)
            assert_int_equal(items[0].id, ids[cases[i].first]);
    }

    /* keyset paging */
    struct area_filter page = {.limit = 2};
    assert_int_equal(store_area_list(f->st, &f->a, &page, &items, &n, &more), PH_OK);
    assert_int_equal(n, 2);
    assert_true(more);
    assert_int_equal(items[1].id, d1);
    page.after_id = items[1].id;
    assert_int_equal(store_area_list(f->st, &f->a, &page, &items, &n, &more), PH_OK);
    assert_int_equal(n, 2);
    assert_true(more);
    assert_int_equal(items[0].id, d2);
    page.after_id = items[1].id;
    assert_int_equal(store_area_list(f->st, &f->a, &page, &items, &n, &more), PH_OK);
    assert_int_equal(n, 1);
    assert_false(more);
    assert_int_equal(items[0].id, s1);
    page.after_id = s1;
    assert_int_equal(store_area_list(f->st, &f->a, &page, &items, &n, &more), PH_OK);
    assert_int_equal(n, 0);
    assert_false(more);
    page = (struct area_filter){.limit = 0}; /* 0: the default limit */
    assert_int_equal(store_area_list(f->st, &f->a, &page, &items, &n, &more), PH_OK);
    assert_int_equal(n, 5);
}

/* ---- units --------------------------------------------------------------- */

static void test_sqlite_unit_crud(void **state)
{
    struct fx *f = *state;
    struct unit u;
    int64_t a1 = add_area(f, "83", "Tỉnh Bến Tre", "province", "coastal", 0, "2020-01-01", NULL);
    int64_t a2 = add_area(f, "829", "Huyện Ba Tri", "district", "coastal", a1, "2020-01-01", NULL);
    int64_t a3 = add_area(f, "831", "Huyện Chợ Lách", "district", "inland", a1, "2020-01-01", NULL);
    int64_t areas[] = {a2, a1, a2}; /* repeated ids count once */
    int64_t top =
        add_unit_areas(f, "CA-BT", "Công an tỉnh Bến Tre", "police", 0, "province", areas, 3);

    assert_int_equal(store_unit_get(f->st, &f->a, top, &u), PH_OK);
    assert_string_equal(u.code, "CA-BT");
    assert_string_equal(u.name, "Công an tỉnh Bến Tre");
    assert_string_equal(u.force, "police");
    assert_int_equal(u.parent_id, 0);
    assert_string_equal(u.level, "province");
    assert_string_equal(u.phone, "0275 3822 113");
    assert_true(u.is_active);
    assert_int_equal(u.version, 1);
    assert_true(u.created_at > 0);
    char want[64];
    snprintf(want, sizeof(want), "/%lld/", (long long)top);
    assert_string_equal(u.path, want);
    assert_int_equal(u.n_areas, 2);
    assert_int_equal(u.area_ids[0], a1);
    assert_int_equal(u.area_ids[1], a2);
    assert_int_equal(store_unit_get(f->st, &f->a, 777, &u), PH_ENOTFOUND);

    /* update replaces the areas and bumps the version */
    int64_t new_areas[] = {a3};
    u.area_ids = new_areas;
    u.n_areas = 1;
    u.name = "Công an tỉnh Bến Tre (mới)";
    u.is_active = false;
    u.phone = NULL;
    assert_int_equal(store_unit_update(f->st, &u, "cong an tinh ben tre (moi)"), PH_OK);
    assert_int_equal(store_unit_update(f->st, &u, "x"), PH_ESTALE);
    u.id = 777;
    assert_int_equal(store_unit_update(f->st, &u, "x"), PH_ENOTFOUND);
    assert_int_equal(store_unit_get(f->st, &f->a, top, &u), PH_OK);
    assert_int_equal(u.version, 2);
    assert_false(u.is_active);
    assert_null(u.phone);
    assert_int_equal(u.n_areas, 1);
    assert_int_equal(u.area_ids[0], a3);
    assert_string_equal(u.path, want);
    u.n_areas = 0;
    u.version = 0;
    assert_int_equal(store_unit_update(f->st, &u, "x"), PH_OK);
    assert_int_equal(store_unit_get(f->st, &f->a, top, &u), PH_OK);
    assert_int_equal(u.n_areas, 0);
    assert_null(u.area_ids);

    /* unique code, unknown force, parent or area */
    struct unit bad = {.code = "CA-BT",
                       .name = "Trùng",
                       .force = "police",
                       .level = "district",
                       .is_active = true};
    int64_t id = 0;
    assert_int_equal(store_unit_insert(f->st, &bad, "trung", &id), PH_ECONFLICT);
    bad.code = "X1";
    bad.force = "navy";
    assert_int_equal(store_unit_insert(f->st, &bad, "trung", &id), PH_ECONFLICT);
    bad.force = "police";
    bad.parent_id = 4242;
    assert_int_equal(store_unit_insert(f->st, &bad, "trung", &id), PH_ECONFLICT);
    bad.parent_id = top;
    int64_t missing[] = {a1, 4242};
    bad.area_ids = missing;
    bad.n_areas = 2;
    assert_int_equal(store_unit_insert(f->st, &bad, "trung", &id), PH_ECONFLICT);
    /* all or nothing: no unit X1 was left behind */
    struct unit_filter flt = {.q = "x1", .include_inactive = true, .limit = 10};
    struct unit *items = NULL;
    size_t n = 0;
    bool more = false;
    assert_int_equal(store_unit_list(f->st, &f->a, &flt, &items, &n, &more), PH_OK);
    assert_int_equal(n, 0);

    /* delete: refused with children or people */
    int64_t child = add_unit(f, "CA-BT-BT", "Công an huyện Ba Tri", "police", top, "district");
    assert_int_equal(store_unit_delete(f->st, top), PH_ECONFLICT);
    int64_t person = add_person(f, "nva", "Nguyễn Văn An", child, 1, false);
    assert_int_equal(store_unit_delete(f->st, child), PH_ECONFLICT);
    struct person p;
    assert_int_equal(store_person_get(f->st, &f->a, person, &p), PH_OK);
    p.unit_id = 0;
    assert_int_equal(store_person_update(f->st, &p, "nguyen van an"), PH_OK);
    assert_int_equal(store_unit_delete(f->st, child), PH_OK);
    assert_int_equal(store_unit_delete(f->st, child), PH_ENOTFOUND);
    assert_int_equal(store_unit_delete(f->st, top), PH_OK);
}

static void test_sqlite_unit_paths(void **state)
{
    struct fx *f = *state;
    char want[128];
    /* police: A > B > C, A > E; military: D */
    int64_t a = add_unit(f, "A", "Tỉnh A", "police", 0, "province");
    int64_t b = add_unit(f, "B", "Huyện B", "police", a, "district");
    int64_t c = add_unit(f, "C", "Xã C", "police", b, "commune");
    int64_t d = add_unit(f, "D", "Tỉnh D", "police", 0, "province");
    int64_t e = add_unit(f, "E", "Huyện E", "police", a, "district");

    snprintf(want, sizeof(want), "/%lld/%lld/%lld/", (long long)a, (long long)b, (long long)c);
    assert_string_equal(unit_path_of(f, c), want);

    /* move B (with C) under D */
    struct unit u;
    assert_int_equal(store_unit_get(f->st, &f->a, b, &u), PH_OK);
    u.parent_id = d;
    assert_int_equal(store_unit_update(f->st, &u, "huyen b"), PH_OK);
    snprintf(want, sizeof(want), "/%lld/%lld/", (long long)d, (long long)b);
    assert_string_equal(unit_path_of(f, b), want);
    snprintf(want, sizeof(want), "/%lld/%lld/%lld/", (long long)d, (long long)b, (long long)c);
    assert_string_equal(unit_path_of(f, c), want);
    snprintf(want, sizeof(want), "/%lld/%lld/", (long long)a, (long long)e);
    assert_string_equal(unit_path_of(f, e), want); /* siblings stay */

    /* B to the top */
    assert_int_equal(store_unit_get(f->st, &f->a, b, &u), PH_OK);
    u.parent_id = 0;
    assert_int_equal(store_unit_update(f->st, &u, "huyen b"), PH_OK);
    snprintf(want, sizeof(want), "/%lld/%lld/", (long long)b, (long long)c);
    assert_string_equal(unit_path_of(f, c), want);

    /* B below its own child C, or below itself: refused, nothing changes */
    assert_int_equal(store_unit_get(f->st, &f->a, b, &u), PH_OK);
    int64_t version = u.version;
    u.parent_id = c;
    assert_int_equal(store_unit_update(f->st, &u, "huyen b"), PH_EINVAL);
    u.parent_id = b;
    assert_int_equal(store_unit_update(f->st, &u, "huyen b"), PH_EINVAL);
    assert_int_equal(store_unit_get(f->st, &f->a, b, &u), PH_OK);
    assert_int_equal(u.version, version);
    assert_int_equal(u.parent_id, 0);
    assert_string_equal(unit_path_of(f, c), want);

    /* within_id follows the moved tree */
    struct unit_filter flt = {.within_id = b, .limit = 10};
    struct unit *items = NULL;
    size_t n = 0;
    bool more = false;
    assert_int_equal(store_unit_list(f->st, &f->a, &flt, &items, &n, &more), PH_OK);
    assert_int_equal(n, 2);
    assert_int_equal(items[0].id, b);
    assert_int_equal(items[1].id, c);
    flt.within_id = a;
    assert_int_equal(store_unit_list(f->st, &f->a, &flt, &items, &n, &more), PH_OK);
    assert_int_equal(n, 2);
    assert_int_equal(items[1].id, e);
}

static void test_sqlite_unit_list(void **state)
{
    struct fx *f = *state;
    struct unit *items = NULL;
    size_t n = 0;
    bool more = false;
    int64_t ar = add_area(f, "83", "Tỉnh Bến Tre", "province", "coastal", 0, "2020-01-01", NULL);
    int64_t links[] = {ar};
    int64_t p1 =
        add_unit_areas(f, "CA-BT", "Công an tỉnh Bến Tre", "police", 0, "province", links, 1);
    int64_t p2 = add_unit(f, "CA-BT-BT", "Công an huyện Ba Tri", "police", p1, "district");
    int64_t m1 =
        add_unit_areas(f, "QS-BT", "Bộ Chỉ huy Quân sự tỉnh", "military", 0, "province", links, 1);
    int64_t b1 = add_unit(f, "BP-DBP-BD", "Đồn Biên phòng Bình Đại", "border_guard", 0, "district");
    struct unit off = {.code = "CA-OLD",
                       .name = "Công an xã cũ",
                       .force = "police",
                       .parent_id = p2,
                       .level = "commune",
                       .is_active = false};
    int64_t p3 = 0;
    assert_int_equal(store_unit_insert(f->st, &off, "cong an xa cu", &p3), PH_OK);

    static const struct {
        struct unit_filter f;
        size_t n;
        int first; /* index into ids below */
    } cases[] = {
        {{.limit = 10}, 4, 0},
        {{.include_inactive = true, .limit = 10}, 5, 0},
        {{.force = "police", .limit = 10}, 2, 0},
        {{.force = "police", .include_inactive = true, .limit = 10}, 3, 0},
        {{.level = "district", .limit = 10}, 2, 1},
        {{.parent_id = -1, .include_inactive = true, .limit = 10}, 1, 4},
        {{.area_id = -2, .limit = 10}, 2, 0},
        {{.within_id = -3, .include_inactive = true, .limit = 10}, 2, 1},
        {{.q = "ba tri", .limit = 10}, 1, 1},
        {{.q = "bien phong", .limit = 10}, 1, 3},
        {{.q = "qs-bt", .limit = 10}, 1, 2}, /* by code */
        {{.q = "ca-bt", .limit = 10}, 2, 0},
        {{.q = "%", .limit = 10}, 0, 0},
    };
    int64_t ids[] = {p1, p2, m1, b1, p3};
    for (size_t i = 0; i < PH_NELEM(cases); i++) {
        struct unit_filter flt = cases[i].f;
        if (flt.parent_id == -1)
            flt.parent_id = p2;
        if (flt.area_id == -2)
            flt.area_id = ar;
        if (flt.within_id == -3)
            flt.within_id = p2;
        assert_int_equal(store_unit_list(f->st, &f->a, &flt, &items, &n, &more), PH_OK);
        assert_int_equal(n, cases[i].n);
        assert_false(more);
        if (n > 0)
            assert_int_equal(items[0].id, ids[cases[i].first]);
    }
    /* lists carry the areas too */
    struct unit_filter flt = {.force = "military", .limit = 10};
    assert_int_equal(store_unit_list(f->st, &f->a, &flt, &items, &n, &more), PH_OK);
    assert_int_equal(items[0].n_areas, 1);
    assert_int_equal(items[0].area_ids[0], ar);
    /* an unknown within_id matches nothing */
    flt = (struct unit_filter){.within_id = 999, .limit = 10};
    assert_int_equal(store_unit_list(f->st, &f->a, &flt, &items, &n, &more), PH_OK);
    assert_int_equal(n, 0);

    struct unit_filter page = {.limit = 3};
    assert_int_equal(store_unit_list(f->st, &f->a, &page, &items, &n, &more), PH_OK);
    assert_int_equal(n, 3);
    assert_true(more);
    page.after_id = items[2].id;
    assert_int_equal(store_unit_list(f->st, &f->a, &page, &items, &n, &more), PH_OK);
    assert_int_equal(n, 1);
    assert_false(more);
    assert_int_equal(items[0].id, b1);
}

/* ---- people -------------------------------------------------------------- */

static void test_sqlite_person_crud(void **state)
{
    struct fx *f = *state;
    struct person p;
    int64_t unit = add_unit(f, "CA-BT", "Công an tỉnh Bến Tre", "police", 0, "province");
    int64_t id = add_person(f, "nvcuong", "Nguyễn Văn Cường", unit, 1u << 2 | 1u << 0, false);

    assert_int_equal(store_person_get(f->st, &f->a, id, &p), PH_OK);
    assert_string_equal(p.username, "nvcuong");
    assert_string_equal(p.full_name, "Nguyễn Văn Cường");
    assert_string_equal(p.rank, "Thiếu tá");
    assert_string_equal(p.position, "Trực ban");
    assert_int_equal(p.unit_id, unit);
    assert_int_equal(p.roles, 5);
    assert_int_equal(p.clearance, 1);
    assert_string_equal(p.phone, "0912345678");
    assert_null(p.email);
    assert_false(p.is_disabled);
    assert_true(p.has_password);
    assert_string_equal(p.password_hash, "$argon2id$v=19$x");
    assert_int_equal(p.failed_logins, 0);
    assert_int_equal(p.locked_until, 0);
    assert_int_equal(p.version, 1);
    assert_int_equal(store_person_get(f->st, &f->a, 999, &p), PH_ENOTFOUND);
    assert_int_equal(store_person_get_by_username(f->st, &f->a, "nobody", &p), PH_ENOTFOUND);
    assert_int_equal(store_person_get_by_username(f->st, &f->a, "nvcuong", &p), PH_OK);
    assert_int_equal(p.id, id);

    /* login state and password are separate from update, which leaves them alone */
    assert_int_equal(store_person_set_login_state(f->st, id, 3, 123456), PH_OK);
    assert_int_equal(store_person_set_password(f->st, id, NULL), PH_OK);
    assert_int_equal(store_person_set_password(f->st, 999, "h"), PH_ENOTFOUND);
    assert_int_equal(store_person_set_login_state(f->st, 999, 0, 0), PH_ENOTFOUND);
    assert_int_equal(store_person_get(f->st, &f->a, id, &p), PH_OK);
    assert_false(p.has_password);
    assert_null(p.password_hash);
    assert_int_equal(p.failed_logins, 3);
    assert_int_equal(p.locked_until, 123456);
    assert_int_equal(p.version, 1);
    assert_int_equal(store_person_set_password(f->st, id, "$argon2id$new"), PH_OK);
    p.email = "cuong@bentre.gov.vn";
    p.roles = 1u << 5;
    p.clearance = 3;
    p.is_disabled = true;
    p.password_hash = "ignored";
    assert_int_equal(store_person_update(f->st, &p, "nguyen van cuong"), PH_OK);
    assert_int_equal(store_person_update(f->st, &p, "nguyen van cuong"), PH_ESTALE);
    p.id = 999;
    assert_int_equal(store_person_update(f->st, &p, "nguyen van cuong"), PH_ENOTFOUND);
    assert_int_equal(store_person_get(f->st, &f->a, id, &p), PH_OK);
    assert_int_equal(p.version, 2);
    assert_string_equal(p.email, "cuong@bentre.gov.vn");
    assert_int_equal(p.roles, 32);
    assert_int_equal(p.clearance, 3);
    assert_true(p.is_disabled);
    assert_string_equal(p.password_hash, "$argon2id$new");
    assert_int_equal(p.failed_logins, 3);

    /* unique username, unknown unit */
    struct person dup = {.username = "nvcuong", .full_name = "X", .roles = 1};
    int64_t other = 0;
    assert_int_equal(store_person_insert(f->st, &dup, "x", &other), PH_ECONFLICT);
    dup.username = "other";
    dup.unit_id = 4242;
    assert_int_equal(store_person_insert(f->st, &dup, "x", &other), PH_ECONFLICT);
    dup.unit_id = 0;
    assert_int_equal(store_person_insert(f->st, &dup, "x", &other), PH_OK);
    p.username = "other";
    p.version = 0;
    p.id = id;
    assert_int_equal(store_person_update(f->st, &p, "x"), PH_ECONFLICT);
}

static void test_sqlite_person_list(void **state)
{
    struct fx *f = *state;
    struct person *items = NULL;
    size_t n = 0;
    bool more = false;
    int64_t top = add_unit(f, "CA-BT", "Công an tỉnh Bến Tre", "police", 0, "province");
    int64_t sub = add_unit(f, "CA-BT-BT", "Công an huyện Ba Tri", "police", top, "district");
    int64_t mil = add_unit(f, "QS-BT", "Bộ Chỉ huy Quân sự tỉnh", "military", 0, "province");
    int64_t p1 = add_person(f, "admin", "Quản trị hệ thống", 0, 1u << 5, false);
    int64_t p2 = add_person(f, "nvcuong", "Nguyễn Văn Cường", top, 1u << 2, false);
    int64_t p3 = add_person(f, "ltb.hong", "Lê Thị Bích Hồng", sub, 1u << 0 | 1u << 1, false);
    int64_t p4 = add_person(f, "tvdung", "Trần Văn Dũng", mil, 1u << 3, false);
    int64_t p5 = add_person(f, "old_user", "Phạm Cũ", sub, 1u << 0, true);

    static const struct {
        struct person_filter f;
        size_t n;
        int first;
    } cases[] = {
        {{.limit = 10}, 4, 0},
        {{.include_disabled = true, .limit = 10}, 5, 0},
        {{.unit_id = -1, .limit = 10}, 1, 2},
        {{.unit_id = -1, .include_disabled = true, .limit = 10}, 2, 2},
        {{.within_unit_id = -2, .limit = 10}, 2, 1},
        {{.force = "police", .limit = 10}, 2, 1},
        {{.force = "military", .limit = 10}, 1, 3},
        {{.role = 1u << 0, .include_disabled = true, .limit = 10}, 2, 2},
        {{.role = 1u << 5, .limit = 10}, 1, 0},
        {{.q = "bich hong", .limit = 10}, 1, 2},
        {{.q = "nvcuong", .limit = 10}, 1, 1}, /* by username */
        {{.q = "van", .limit = 10}, 2, 1},
        {{.q = "_", .include_disabled = true, .limit = 10}, 1, 4},
        {{.q = "ltb.", .limit = 10}, 1, 2},
    };
    int64_t ids[] = {p1, p2, p3, p4, p5};
    for (size_t i = 0; i < PH_NELEM(cases); i++) {
        struct person_filter flt = cases[i].f;
        if (flt.unit_id == -1)
            flt.unit_id = sub;
        if (flt.within_unit_id == -2)
            flt.within_unit_id = top;
        assert_int_equal(store_person_list(f->st, &f->a, &flt, &items, &n, &more), PH_OK);
        assert_int_equal(n, cases[i].n);
        assert_false(more);
        if (n > 0)
            assert_int_equal(items[0].id, ids[cases[i].first]);
    }
    /* lists say whether a password is set but do not carry the hash */
    struct person_filter page = {.limit = 2, .include_disabled = true};
    assert_int_equal(store_person_list(f->st, &f->a, &page, &items, &n, &more), PH_OK);
    assert_int_equal(n, 2);
    assert_true(more);
    assert_true(items[0].has_password);
    assert_null(items[0].password_hash);
    page.after_id = items[1].id;
    assert_int_equal(store_person_list(f->st, &f->a, &page, &items, &n, &more), PH_OK);
    assert_int_equal(n, 2);
    assert_true(more);
    page.after_id = items[1].id;
    assert_int_equal(store_person_list(f->st, &f->a, &page, &items, &n, &more), PH_OK);
    assert_int_equal(n, 1);
    assert_false(more);
    assert_int_equal(items[0].id, p5);
}

/* ---- tokens -------------------------------------------------------------- */

static void test_sqlite_tokens(void **state)
{
    struct fx *f = *state;
    struct store_auth au;
    struct store_token tk;
    int64_t unit = add_unit(f, "CA-BT", "Công an tỉnh Bến Tre", "police", 0, "province");
    int64_t p1 = add_person(f, "nvcuong", "Nguyễn Văn Cường", unit, 4, false);
    int64_t p2 = add_person(f, "admin", "Quản trị", 0, 32, false);
    struct store_token t = {.person_id = p1,
                            .kind = "session",
                            .created_at = 1000,
                            .expires_at = 5000,
                            .client = "127.0.0.1"};
    int64_t s1 = 0, s2 = 0, api = 0, s3 = 0;
    memset(t.hash, 0x11, 32);
    assert_int_equal(store_token_insert(f->st, &t, &s1), PH_OK);
    assert_int_equal(store_token_insert(f->st, &t, &s2), PH_ECONFLICT); /* same hash */
    t.hash[31] = 0x22;
    assert_int_equal(store_token_insert(f->st, &t, &s2), PH_OK);
    struct store_token at = {.person_id = p2,
                             .kind = "api",
                             .name = "Nhập liệu CAP",
                             .created_at = 1000,
                             .client = "cli"};
    memset(at.hash, 0x33, 32);
    assert_int_equal(store_token_insert(f->st, &at, &api), PH_OK);
    at.person_id = 4242;
    at.hash[0] = 0;
    assert_int_equal(store_token_insert(f->st, &at, &s3), PH_ECONFLICT); /* unknown person */

    assert_int_equal(store_token_get(f->st, &f->a, api, &tk), PH_OK);
    assert_int_equal(tk.person_id, p2);
    assert_string_equal(tk.kind, "api");
    assert_string_equal(tk.name, "Nhập liệu CAP");
    uint8_t h[32];
    memset(h, 0x33, 32);
    assert_memory_equal(tk.hash, h, 32);
    assert_int_equal(tk.created_at, 1000);
    assert_int_equal(tk.expires_at, 0);
    assert_string_equal(tk.client, "cli");
    assert_int_equal(store_token_get(f->st, &f->a, 999, &tk), PH_ENOTFOUND);

    memset(h, 0x11, 32);
    assert_int_equal(store_token_lookup(f->st, &f->a, h, &au), PH_OK);
    assert_int_equal(au.token_id, s1);
    assert_int_equal(au.person_id, p1);
    assert_int_equal(au.expires_at, 5000);
    assert_int_equal(au.revoked_at, 0);
    assert_string_equal(au.kind, "session");
    assert_string_equal(au.username, "nvcuong");
    assert_string_equal(au.full_name, "Nguyễn Văn Cường");
    assert_int_equal(au.roles, 4);
    assert_int_equal(au.clearance, 1);
    assert_false(au.is_disabled);
    assert_int_equal(au.unit_id, unit);
    char want[32];
    snprintf(want, sizeof(want), "/%lld/", (long long)unit);
    assert_string_equal(au.unit_path, want);
    assert_string_equal(au.unit_level, "province");
    assert_string_equal(au.force, "police");
    memset(h, 0x33, 32);
    assert_int_equal(store_token_lookup(f->st, &f->a, h, &au), PH_OK);
    assert_int_equal(au.unit_id, 0); /* a person without a unit */
    assert_null(au.unit_path);
    assert_null(au.unit_level);
    assert_null(au.force);
    memset(h, 0x44, 32);
    assert_int_equal(store_token_lookup(f->st, &f->a, h, &au), PH_ENOTFOUND);

    /* revoke keeps the first time; revoke_person counts only live tokens */
    assert_int_equal(store_token_revoke(f->st, s1, 7000), PH_OK);
    assert_int_equal(store_token_revoke(f->st, s1, 8000), PH_OK);
    assert_int_equal(store_token_revoke(f->st, 999, 8000), PH_ENOTFOUND);
    memset(h, 0x11, 32);
    assert_int_equal(store_token_lookup(f->st, &f->a, h, &au), PH_OK);
    assert_int_equal(au.revoked_at, 7000);
    int n = -1;
    assert_int_equal(store_token_revoke_person(f->st, p1, 9000, &n), PH_OK);
    assert_int_equal(n, 1);
    assert_int_equal(store_token_revoke_person(f->st, p1, 9000, &n), PH_OK);
    assert_int_equal(n, 0);
    assert_int_equal(store_token_revoke_person(f->st, p1, 9000, NULL), PH_OK);
    h[31] = 0x22;
    assert_int_equal(store_token_lookup(f->st, &f->a, h, &au), PH_OK);
    assert_int_equal(au.token_id, s2);
    assert_int_equal(au.revoked_at, 9000);
}

/* ---- audit and outbox ---------------------------------------------------- */

static void test_sqlite_audit(void **state)
{
    struct fx *f = *state;
    struct audit_entry *items = NULL;
    size_t n = 0;
    int64_t seq = -1, count = -1;
    uint8_t hash[32], zero[32] = {0};
    memset(hash, 0xff, 32);
    assert_int_equal(store_audit_last(f->st, &seq, hash), PH_OK);
    assert_int_equal(seq, 0);
    assert_memory_equal(hash, zero, 32);
    assert_int_equal(store_audit_count(f->st, &count), PH_OK);
    assert_int_equal(count, 0);

    for (int i = 1; i <= 3; i++) {
        struct audit_entry e = {.seq = i,
                                .at = 1000 * i,
                                .actor_id = i == 1 ? 0 : 7,
                                .actor = i == 1 ? "system" : "nvcuong",
                                .action = "person.create",
                                .item_kind = "person",
                                .item_id = 40 + i,
                                .client = "cli",
                                .detail = i == 3 ? "" : "{\"full_name\":\"Lê Thị Hồng\"}"};
        memset(e.prev_hash, i - 1, 32);
        memset(e.hash, i, 32);
        assert_int_equal(store_audit_insert(f->st, &e), PH_OK);
        if (i == 3)
            assert_int_equal(store_audit_insert(f->st, &e), PH_ECONFLICT); /* seq taken */
    }
    assert_int_equal(store_audit_last(f->st, &seq, hash), PH_OK);
    assert_int_equal(seq, 3);
    assert_int_equal(hash[0], 3);
    assert_int_equal(hash[31], 3);
    assert_int_equal(store_audit_count(f->st, &count), PH_OK);
    assert_int_equal(count, 3);

    assert_int_equal(store_audit_page(f->st, &f->a, 1, 10, &items, &n), PH_OK);
    assert_int_equal(n, 2);
    assert_int_equal(items[0].seq, 2);
    assert_int_equal(items[0].at, 2000);
    assert_int_equal(items[0].actor_id, 7);
    assert_string_equal(items[0].actor, "nvcuong");
    assert_string_equal(items[0].action, "person.create");
    assert_string_equal(items[0].item_kind, "person");
    assert_int_equal(items[0].item_id, 42);
    assert_string_equal(items[0].client, "cli");
    assert_string_equal(items[0].detail, "{\"full_name\":\"Lê Thị Hồng\"}");
    assert_int_equal(items[0].prev_hash[5], 1);
    assert_int_equal(items[0].hash[5], 2);
    assert_string_equal(items[1].detail, "");
    assert_int_equal(store_audit_page(f->st, &f->a, 0, 2, &items, &n), PH_OK);
    assert_int_equal(n, 2);
    assert_int_equal(items[0].seq, 1);
    assert_int_equal(items[0].actor_id, 0);
    assert_int_equal(store_audit_page(f->st, &f->a, 3, 10, &items, &n), PH_OK);
    assert_int_equal(n, 0);
}

static void test_sqlite_outbox(void **state)
{
    struct fx *f = *state;
    struct store_outbox_event *items = NULL;
    size_t n = 0;
    int64_t id1 = 0, id2 = 0, id3 = 0;
    struct store_outbox_event ev = {.at = 5000,
                                    .topic = "unit.created",
                                    .item_kind = "unit",
                                    .item_id = 3,
                                    .payload = "{\"id\":3}"};
    assert_int_equal(store_outbox_insert(f->st, &ev, &id1), PH_OK);
    ev.topic = "unit.deleted";
    ev.payload = NULL;
    assert_int_equal(store_outbox_insert(f->st, &ev, &id2), PH_OK);
    ev.at = 0;
    assert_int_equal(store_outbox_insert(f->st, &ev, &id3), PH_OK);
    assert_true(id1 < id2 && id2 < id3);

    assert_int_equal(store_outbox_after(f->st, &f->a, 0, 2, &items, &n), PH_OK);
    assert_int_equal(n, 2);
    assert_int_equal(items[0].id, id1);
    assert_int_equal(items[0].at, 5000);
    assert_string_equal(items[0].topic, "unit.created");
    assert_string_equal(items[0].item_kind, "unit");
    assert_int_equal(items[0].item_id, 3);
    assert_string_equal(items[0].payload, "{\"id\":3}");
    assert_null(items[1].payload);
    assert_int_equal(store_outbox_after(f->st, &f->a, id2, 10, &items, &n), PH_OK);
    assert_int_equal(n, 1);
    assert_true(items[0].at > 1700000000000); /* 0: the current time */
}

/* ---- transactions -------------------------------------------------------- */

/* By code: a rolled-back insert's id can be given again to the next one. */
static bool area_exists(struct fx *f, const char *code)
{
    struct area_filter flt = {.code = code, .limit = 10};
    struct area *items = NULL;
    size_t n = 0;
    bool more = false;
    assert_int_equal(store_area_list(f->st, &f->a, &flt, &items, &n, &more), PH_OK);
    return n == 1;
}

static void test_sqlite_transactions(void **state)
{
    struct fx *f = *state;

    /* a rolled-back savepoint's insert is gone, the rest commits */
    assert_int_equal(store_tx_begin(f->st), PH_OK);
    (void)add_area(f, "1", "Một", "province", "inland", 0, "2020-01-01", NULL);
    assert_int_equal(store_savepoint(f->st), PH_OK);
    (void)add_area(f, "2", "Hai", "province", "inland", 0, "2020-01-01", NULL);
    assert_int_equal(store_savepoint_rollback(f->st), PH_OK);
    assert_int_equal(store_savepoint(f->st), PH_OK);
    (void)add_area(f, "3", "Ba", "province", "inland", 0, "2020-01-01", NULL);
    assert_int_equal(store_savepoint_release(f->st), PH_OK);
    assert_int_equal(store_tx_commit(f->st), PH_OK);
    assert_true(area_exists(f, "1"));
    assert_false(area_exists(f, "2"));
    assert_true(area_exists(f, "3"));

    /* a failed op inside a savepoint leaves the transaction usable */
    assert_int_equal(store_tx_begin(f->st), PH_OK);
    assert_int_equal(store_savepoint(f->st), PH_OK);
    struct unit bad = {
        .code = "X", .name = "X", .force = "police", .level = "province", .parent_id = 4242};
    int64_t id = 0;
    assert_int_equal(store_unit_insert(f->st, &bad, "x", &id), PH_ECONFLICT);
    assert_int_equal(store_savepoint_rollback(f->st), PH_OK);
    (void)add_area(f, "4", "Bốn", "province", "inland", 0, "2020-01-01", NULL);
    assert_int_equal(store_tx_commit(f->st), PH_OK);
    assert_true(area_exists(f, "4"));

    /* rollback undoes the whole transaction; a second rollback is harmless */
    assert_int_equal(store_tx_begin(f->st), PH_OK);
    (void)add_area(f, "5", "Năm", "province", "inland", 0, "2020-01-01", NULL);
    assert_int_equal(store_tx_rollback(f->st), PH_OK);
    assert_int_equal(store_tx_rollback(f->st), PH_OK);
    assert_false(area_exists(f, "5"));
    assert_int_equal(store_tx_commit(f->st), PH_ESTORE); /* nothing to commit */
}

/* ---- SQLite only: migrations and concurrent opens ------------------------ */

static void test_sqlite_refuses_newer_schema(void **state)
{
    struct tu_tmpdb tmp;
    struct store *st = NULL;
    sqlite3 *db = NULL;
    (void)state;
    assert_int_equal(tu_tmpdb_make(&tmp, "sqlite"), 0);
    assert_int_equal(store_open(tmp.dsn, &st), PH_OK);
    store_close(st);
    st = NULL;

    assert_int_equal(sqlite3_open(tmp.path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_close(db), SQLITE_OK);

    assert_int_equal(store_open(tmp.dsn, &st), PH_ESCHEMA);
    assert_null(st);
    /* the database is left as it was */
    assert_int_equal(sqlite3_open(tmp.path, &db), SQLITE_OK);
    sqlite3_stmt *stmt = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(stmt, 0), 99);
    sqlite3_finalize(stmt);
    assert_int_equal(sqlite3_close(db), SQLITE_OK);
    assert_int_equal(tu_tmpdb_remove(&tmp), 0);
}

static void test_sqlite_reopen_keeps_data(void **state)
{
    struct tu_tmpdb tmp;
    struct store *st = NULL;
    struct arena a;
    struct area out;
    int64_t id = 0;
    (void)state;
    arena_init(&a);
    assert_int_equal(tu_tmpdb_make(&tmp, "sqlite"), 0);
    assert_int_equal(store_open(tmp.dsn, &st), PH_OK);
    struct area ar = {.code = "83",
                      .name = "Tỉnh Bến Tre",
                      .level = "province",
                      .kind = "coastal",
                      .valid_from = "2020-01-01"};
    assert_int_equal(store_area_insert(st, &ar, "tinh ben tre", &id), PH_OK);
    store_close(st);
    assert_int_equal(store_open(tmp.dsn, &st), PH_OK); /* no migration to apply again */
    assert_int_equal(store_area_get(st, &a, id, &out), PH_OK);
    assert_string_equal(out.name, "Tỉnh Bến Tre");
    store_close(st);
    arena_release(&a);
    assert_int_equal(tu_tmpdb_remove(&tmp), 0);
}

#define OPENERS 6

struct opener {
    const char *dsn;
    pthread_barrier_t *start;
    ph_err rc;
    int version;
};

static void *open_concurrently(void *arg)
{
    struct opener *o = arg;
    struct store *st = NULL;
    pthread_barrier_wait(o->start);
    o->rc = store_open(o->dsn, &st);
    if (o->rc == PH_OK) {
        o->rc = store_schema_version(st, &o->version);
        store_close(st);
    }
    return NULL;
}

/* Several threads opening a fresh file at once: one migrates, all succeed. */
static void test_sqlite_concurrent_open(void **state)
{
    struct tu_tmpdb tmp;
    pthread_t threads[OPENERS];
    struct opener openers[OPENERS];
    pthread_barrier_t start;
    (void)state;
    assert_int_equal(tu_tmpdb_make(&tmp, "sqlite"), 0);
    assert_int_equal(pthread_barrier_init(&start, NULL, OPENERS), 0);
    for (int i = 0; i < OPENERS; i++) {
        openers[i] = (struct opener){.dsn = tmp.dsn, .start = &start, .rc = PH_ESTORE};
        assert_int_equal(pthread_create(&threads[i], NULL, open_concurrently, &openers[i]), 0);
    }
    for (int i = 0; i < OPENERS; i++) {
        assert_int_equal(pthread_join(threads[i], NULL), 0);
        assert_int_equal(openers[i].rc, PH_OK);
        assert_int_equal(openers[i].version, STORE_SCHEMA_VERSION);
    }
    pthread_barrier_destroy(&start);
    assert_int_equal(tu_tmpdb_remove(&tmp), 0);
}

/* ---- main ---------------------------------------------------------------- */

#define BOTH(t)                                                                                    \
    cmocka_unit_test_prestate_setup_teardown(t, fx_setup, fx_teardown, (void *)&in_memory),        \
        cmocka_unit_test_prestate_setup_teardown(t, fx_setup, fx_teardown, (void *)&on_file)

int main(void)
{
    log_set_level(LOG_ERROR);
    const struct CMUnitTest tests[] = {
        BOTH(test_sqlite_open_settings),
        BOTH(test_sqlite_force_list),
        BOTH(test_sqlite_area_crud),
        BOTH(test_sqlite_area_list),
        BOTH(test_sqlite_unit_crud),
        BOTH(test_sqlite_unit_paths),
        BOTH(test_sqlite_unit_list),
        BOTH(test_sqlite_person_crud),
        BOTH(test_sqlite_person_list),
        BOTH(test_sqlite_tokens),
        BOTH(test_sqlite_audit),
        BOTH(test_sqlite_outbox),
        BOTH(test_sqlite_transactions),
        cmocka_unit_test(test_sqlite_refuses_newer_schema),
        cmocka_unit_test(test_sqlite_reopen_keeps_data),
        cmocka_unit_test(test_sqlite_concurrent_open),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
