/* test_pjson.c - the API's JSON shapes (docs/API.md): encoders give every member with
 * its JSON type and never a password hash; decoders apply the members present, refuse
 * unknown members and wrong types naming the member, and store text in NFC; list
 * cursors survive a round trip and malformed ones are refused. */
#include "util/base.h"
#include "testutil.h"
#include "core/access.h"
#include "proto/pjson.h"
#include "util/arena.h"

#define T_2026_11_28_233405 1795908845000LL /* 2026-11-28T23:34:05Z */

/* ---- helpers ------------------------------------------------------------------- */

struct want_member {
    const char *name;
    json_type type;
};

/* o has exactly these members, each of this JSON type. */
static void expect_shape(json_t *o, const struct want_member *w, size_t n, const char *what)
{
    assert_non_null(o);
    assert_true(json_is_object(o));
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_object_get(o, w[i].name);
        if (v == NULL)
            fail_msg("%s: member \"%s\" missing", what, w[i].name);
        if (json_typeof(v) != w[i].type)
            fail_msg("%s: member \"%s\" has JSON type %d, want %d", what, w[i].name,
                     (int)json_typeof(v), (int)w[i].type);
    }
    if (json_object_size(o) != n) {
        const char *key;
        json_t *v;
        json_object_foreach(o, key, v)
        {
            size_t i = 0;
            while (i < n && strcmp(w[i].name, key) != 0)
                i++;
            if (i == n)
                fail_msg("%s: unexpected member \"%s\"", what, key);
        }
    }
}

static const char *str_member(json_t *o, const char *name)
{
    json_t *v = json_object_get(o, name);
    assert_non_null(v);
    assert_true(json_is_string(v));
    return json_string_value(v);
}

static json_int_t int_member(json_t *o, const char *name)
{
    json_t *v = json_object_get(o, name);
    assert_non_null(v);
    assert_true(json_is_integer(v));
    return json_integer_value(v);
}

/* Compact text of j with sorted keys, in a; takes j. */
static const char *dump(struct arena *a, json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    const char *out = arena_strdup(a, s);
    free(s);
    json_decref(j);
    return out;
}

static json_t *parse(const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text, 0, &e);
    if (j == NULL)
        fail_msg("test JSON does not parse: %s (%s)", text, e.text);
    return j;
}

/* "Nguyễn" decomposed (e, combining circumflex, combining tilde) and composed. */
#define NGUYEN_NFD "Nguye\xcc\x82\xcc\x83n"
#define NGUYEN_NFC "Nguy\xe1\xbb\x85n"

/* ---- encoders ------------------------------------------------------------------- */

static void test_pjson_time(void **state)
{
    struct arena *a = *state;

    assert_string_equal(dump(a, pjson_time(0)), "null");
    assert_string_equal(dump(a, pjson_time(T_2026_11_28_233405)), "\"2026-11-28T23:34:05Z\"");
    assert_string_equal(dump(a, pjson_time(T_2026_11_28_233405 + 5)),
                        "\"2026-11-28T23:34:05.005Z\"");
    assert_string_equal(dump(a, pjson_time(-1)), "\"1969-12-31T23:59:59.999Z\"");
}

static void test_pjson_area(void **state)
{
    static const struct want_member full[] = {
        {"id", JSON_INTEGER},        {"code", JSON_STRING},       {"name", JSON_STRING},
        {"level", JSON_STRING},      {"kind", JSON_STRING},       {"parent_id", JSON_INTEGER},
        {"valid_from", JSON_STRING}, {"valid_to", JSON_STRING},   {"geometry", JSON_OBJECT},
        {"version", JSON_INTEGER},   {"created_at", JSON_STRING}, {"updated_at", JSON_STRING},
    };
    static const struct want_member sparse[] = {
        {"id", JSON_INTEGER},        {"code", JSON_STRING},     {"name", JSON_STRING},
        {"level", JSON_STRING},      {"kind", JSON_STRING},     {"parent_id", JSON_NULL},
        {"valid_from", JSON_STRING}, {"valid_to", JSON_NULL},   {"version", JSON_INTEGER},
        {"created_at", JSON_NULL},   {"updated_at", JSON_NULL},
    };
    struct area ar = {
        .id = 12,
        .code = "28753",
        .name = "Xã Bình Thắng",
        .level = "commune",
        .kind = "coastal",
        .parent_id = 3,
        .geometry = "{\"type\":\"Polygon\",\"coordinates\":[[[106.6,10.1],[106.7,10.1],"
                    "[106.7,10.2],[106.6,10.1]]]}",
        .valid_from = "2020-01-01",
        .valid_to = "2025-07-01",
        .version = 4,
        .created_at = T_2026_11_28_233405,
        .updated_at = T_2026_11_28_233405 + 120,
    };

    (void)state;
    json_t *o = pjson_area(&ar, true);
    expect_shape(o, full, PH_NELEM(full), "area");
    assert_int_equal(int_member(o, "id"), 12);
    assert_string_equal(str_member(o, "name"), "Xã Bình Thắng");
    assert_string_equal(str_member(o, "code"), "28753");
    assert_string_equal(str_member(o, "level"), "commune");
    assert_string_equal(str_member(o, "kind"), "coastal");
    assert_int_equal(int_member(o, "parent_id"), 3);
    assert_string_equal(str_member(o, "valid_from"), "2020-01-01");
    assert_string_equal(str_member(o, "valid_to"), "2025-07-01");
    assert_int_equal(int_member(o, "version"), 4);
    assert_string_equal(str_member(o, "created_at"), "2026-11-28T23:34:05Z");
    assert_string_equal(str_member(o, "updated_at"), "2026-11-28T23:34:05.120Z");
    json_t *g = json_object_get(o, "geometry"); /* an object, not a string of JSON */
    assert_string_equal(json_string_value(json_object_get(g, "type")), "Polygon");
    assert_int_equal(json_array_size(json_object_get(g, "coordinates")), 1);
    json_decref(o);

    /* Lists leave geometry out; zero ids, NULL strings and times become null. */
    ar.parent_id = 0;
    ar.valid_to = NULL;
    ar.created_at = ar.updated_at = 0;
    o = pjson_area(&ar, false);
    expect_shape(o, sparse, PH_NELEM(sparse), "area without geometry");
    json_decref(o);
    ar.geometry = NULL;
    o = pjson_area(&ar, true);
    assert_true(json_is_null(json_object_get(o, "geometry")));
    json_decref(o);
}

static void test_pjson_unit(void **state)
{
    static const struct want_member full[] = {
        {"id", JSON_INTEGER},        {"code", JSON_STRING},       {"name", JSON_STRING},
        {"force", JSON_STRING},      {"parent_id", JSON_INTEGER}, {"level", JSON_STRING},
        {"path", JSON_STRING},       {"phone", JSON_STRING},      {"is_active", JSON_TRUE},
        {"area_ids", JSON_ARRAY},    {"version", JSON_INTEGER},   {"created_at", JSON_STRING},
        {"updated_at", JSON_STRING},
    };
    static const struct want_member sparse[] = {
        {"id", JSON_INTEGER},      {"code", JSON_STRING},     {"name", JSON_STRING},
        {"force", JSON_STRING},    {"parent_id", JSON_NULL},  {"level", JSON_STRING},
        {"path", JSON_NULL},       {"phone", JSON_NULL},      {"is_active", JSON_FALSE},
        {"area_ids", JSON_ARRAY},  {"version", JSON_INTEGER}, {"created_at", JSON_NULL},
        {"updated_at", JSON_NULL},
    };
    int64_t areas[] = {3, 9000000000};
    struct unit u = {
        .id = 5,
        .code = "CA-H-BD",
        .name = "Công an huyện Bình Đại",
        .force = "police",
        .parent_id = 1,
        .level = "district",
        .path = "/1/5/",
        .phone = "0275 3851 234",
        .is_active = true,
        .area_ids = areas,
        .n_areas = 2,
        .version = 1,
        .created_at = T_2026_11_28_233405,
        .updated_at = T_2026_11_28_233405,
    };
    struct arena *a = *state;

    json_t *o = pjson_unit(&u);
    expect_shape(o, full, PH_NELEM(full), "unit");
    assert_string_equal(str_member(o, "name"), "Công an huyện Bình Đại");
    assert_string_equal(str_member(o, "force"), "police");
    assert_string_equal(str_member(o, "path"), "/1/5/");
    assert_string_equal(str_member(o, "phone"), "0275 3851 234");
    assert_int_equal(int_member(o, "parent_id"), 1);
    assert_string_equal(dump(a, json_incref(json_object_get(o, "area_ids"))), "[3,9000000000]");
    json_decref(o);

    u.parent_id = 0;
    u.path = NULL;
    u.phone = NULL;
    u.is_active = false;
    u.area_ids = NULL;
    u.n_areas = 0;
    u.created_at = u.updated_at = 0;
    o = pjson_unit(&u);
    expect_shape(o, sparse, PH_NELEM(sparse), "unit, sparse");
    assert_int_equal(json_array_size(json_object_get(o, "area_ids")), 0);
    json_decref(o);
}

static void test_pjson_person(void **state)
{
    static const struct want_member full[] = {
        {"id", JSON_INTEGER},          {"username", JSON_STRING},  {"full_name", JSON_STRING},
        {"rank", JSON_STRING},         {"position", JSON_STRING},  {"unit_id", JSON_INTEGER},
        {"roles", JSON_ARRAY},         {"clearance", JSON_STRING}, {"phone", JSON_STRING},
        {"email", JSON_STRING},        {"is_disabled", JSON_TRUE}, {"has_password", JSON_TRUE},
        {"locked_until", JSON_STRING}, {"version", JSON_INTEGER},  {"created_at", JSON_STRING},
        {"updated_at", JSON_STRING},
    };
    static const struct want_member sparse[] = {
        {"id", JSON_INTEGER},        {"username", JSON_STRING},   {"full_name", JSON_STRING},
        {"rank", JSON_NULL},         {"position", JSON_NULL},     {"unit_id", JSON_NULL},
        {"roles", JSON_ARRAY},       {"clearance", JSON_STRING},  {"phone", JSON_NULL},
        {"email", JSON_NULL},        {"is_disabled", JSON_FALSE}, {"has_password", JSON_FALSE},
        {"locked_until", JSON_NULL}, {"version", JSON_INTEGER},   {"created_at", JSON_NULL},
        {"updated_at", JSON_NULL},
    };
    static const char hash[] = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo";
    struct person p = {
        .id = 7,
        .username = "nguyen.van.a",
        .full_name = "Nguyễn Văn A",
        .rank = "Thiếu tá",
        .position = "Trực ban",
        .unit_id = 5,
        .roles = ROLE_DUTY_OFFICER | ROLE_ADMIN,
        .clearance = CLEARANCE_CONFIDENTIAL,
        .phone = "0912345678",
        .email = "a@example.vn",
        .is_disabled = true,
        .has_password = true,
        .failed_logins = 3,
        .locked_until = T_2026_11_28_233405,
        .version = 2,
        .created_at = T_2026_11_28_233405,
        .updated_at = T_2026_11_28_233405,
        .password_hash = hash,
    };
    struct arena *a = *state;

    json_t *o = pjson_person(&p);
    expect_shape(o, full, PH_NELEM(full), "person");
    assert_string_equal(str_member(o, "full_name"), "Nguyễn Văn A");
    assert_string_equal(str_member(o, "rank"), "Thiếu tá");
    assert_string_equal(str_member(o, "clearance"), "confidential");
    assert_string_equal(str_member(o, "locked_until"), "2026-11-28T23:34:05Z");
    assert_int_equal(int_member(o, "unit_id"), 5);
    assert_string_equal(dump(a, json_incref(json_object_get(o, "roles"))),
                        "[\"duty_officer\",\"admin\"]");
    /* The hash leaves under no name, and the text nowhere. */
    assert_null(json_object_get(o, "password_hash"));
    assert_null(json_object_get(o, "password"));
    assert_null(json_object_get(o, "failed_logins"));
    const char *text = dump(a, o);
    assert_null(strstr(text, "argon2"));
    assert_null(strstr(text, "c2FsdHNhbHQ"));

    struct person bare = {
        .id = 8, .username = "tran.b", .full_name = "Trần B", .version = 1, .password_hash = hash};
    o = pjson_person(&bare);
    expect_shape(o, sparse, PH_NELEM(sparse), "person, sparse");
    assert_int_equal(json_array_size(json_object_get(o, "roles")), 0);
    assert_string_equal(str_member(o, "clearance"), "unclassified");
    assert_null(strstr(dump(a, o), "argon2"));
}

static void test_pjson_user(void **state)
{
    static const struct want_member full[] = {
        {"id", JSON_INTEGER},       {"username", JSON_STRING},   {"full_name", JSON_STRING},
        {"roles", JSON_ARRAY},      {"clearance", JSON_STRING},  {"unit_id", JSON_INTEGER},
        {"unit_path", JSON_STRING}, {"unit_level", JSON_STRING}, {"force", JSON_STRING},
    };
    static const struct want_member sparse[] = {
        {"id", JSON_INTEGER},     {"username", JSON_STRING},  {"full_name", JSON_STRING},
        {"roles", JSON_ARRAY},    {"clearance", JSON_STRING}, {"unit_id", JSON_NULL},
        {"unit_path", JSON_NULL}, {"unit_level", JSON_NULL},  {"force", JSON_NULL},
    };
    struct core_user u = {
        .person_id = 9,
        .username = "le.c",
        .full_name = "Lê C",
        .roles = ROLE_COMMANDER,
        .clearance = CLEARANCE_TOP_SECRET,
        .unit_id = 5,
        .unit_path = "/1/5/",
        .unit_level = "district",
        .force = "border_guard",
    };
    struct arena *a = *state;

    json_t *o = pjson_user(&u);
    expect_shape(o, full, PH_NELEM(full), "user");
    assert_int_equal(int_member(o, "id"), 9);
    assert_string_equal(str_member(o, "clearance"), "top_secret");
    assert_string_equal(str_member(o, "force"), "border_guard");
    assert_string_equal(str_member(o, "unit_path"), "/1/5/");
    assert_string_equal(dump(a, json_incref(json_object_get(o, "roles"))), "[\"commander\"]");
    json_decref(o);

    struct core_user admin = {.person_id = 1,
                              .username = "admin",
                              .full_name = "Quản trị",
                              .roles = ROLE_ADMIN,
                              .clearance = CLEARANCE_SECRET};
    o = pjson_user(&admin);
    expect_shape(o, sparse, PH_NELEM(sparse), "user without unit");
    json_decref(o);
}

/* ---- pages and cursors ------------------------------------------------------------ */

static void test_pjson_page_cursor(void **state)
{
    static const struct {
        int64_t id;
        const char *cursor;
    } cases[] = {
        {1, "c1"},
        {35, "cz"},
        {36, "c10"},
        {1LL << 40, "ce13wu1og"},
        {4738381338321616895LL, "czzzzzzzzzzzz"}, /* 36^12 - 1: the longest of 12 digits */
        {4738381338321616896LL, "c1000000000000"},
        {INT64_MAX, "c1y2p0ij32e8e7"},
    };

    (void)state;
    for (size_t i = 0; i < PH_NELEM(cases); i++) {
        json_t *items = json_array();
        json_array_append_new(items, json_integer(cases[i].id));
        json_t *page = pjson_page(items, true, cases[i].id);
        assert_ptr_equal(json_object_get(page, "items"), items); /* took the reference */
        assert_int_equal(json_object_size(page), 2);
        const char *c = str_member(page, "next_cursor");
        assert_string_equal(c, cases[i].cursor);
        int64_t back = -1;
        if (pjson_cursor_decode(c, &back) != PH_OK)
            fail_msg("cursor %s of id %lld does not decode", c, (long long)cases[i].id);
        assert_int_equal(back, cases[i].id);
        json_decref(page);
    }
    /* Every id up to a few thousand, and around each power of 36. */
    for (int64_t id = 1; id < 5000; id++) {
        json_t *page = pjson_page(json_array(), true, id);
        int64_t back = -1;
        assert_int_equal(pjson_cursor_decode(str_member(page, "next_cursor"), &back), PH_OK);
        assert_int_equal(back, id);
        json_decref(page);
    }
    for (int64_t p = 36; p <= INT64_MAX / 36; p *= 36) {
        for (int64_t id = p - 1; id <= p + 1; id++) {
            json_t *page = pjson_page(json_array(), true, id);
            int64_t back = -1;
            assert_int_equal(pjson_cursor_decode(str_member(page, "next_cursor"), &back), PH_OK);
            assert_int_equal(back, id);
            json_decref(page);
        }
    }

    json_t *last = pjson_page(json_array(), false, 77);
    assert_true(json_is_null(json_object_get(last, "next_cursor")));
    assert_true(json_is_array(json_object_get(last, "items")));
    assert_int_equal(json_object_size(last), 2);
    json_decref(last);
}

static void test_pjson_cursor_malformed(void **state)
{
    static const char *const cases[] = {
        "",
        "x1",
        "c",
        "c-1",
        "c+1",
        "cZZ", /* lower-case digits only */
        "C1",
        "c 1",
        "c1 ",
        "c1.5",
        "c\xc3\xa9",
        "c000000000000001", /* longer than any cursor the server makes */
        "c1y2p0ij32e8e8",   /* INT64_MAX + 1 */
        "czzzzzzzzzzzzz",   /* 36^13 - 1 */
        "c1000000000000000000",
    };

    (void)state;
    for (size_t i = 0; i < PH_NELEM(cases); i++) {
        int64_t v = 42;
        if (pjson_cursor_decode(cases[i], &v) != PH_EINVAL)
            fail_msg("cursor \"%s\" accepted as %lld", cases[i], (long long)v);
        assert_int_equal(v, 42); /* untouched on failure */
    }
    int64_t v = 42;
    assert_int_equal(pjson_cursor_decode(NULL, &v), PH_EINVAL);
    assert_int_equal(v, 42);
}

/* ---- decoders ------------------------------------------------------------------- */

static void test_pjson_apply_area(void **state)
{
    struct arena *a = *state;
    struct area ar = {.id = 12,
                      .code = "old",
                      .name = "cũ",
                      .version = 1,
                      .parent_id = 9,
                      .valid_to = "2030-01-01",
                      .created_at = 5};
    const char *field = NULL;

    json_t *o = parse("{\"code\": \"28753\", \"name\": \"X\\u00e3 B\\u00ecnh Th\\u1eafng\","
                      " \"level\": \"commune\", \"kind\": \"coastal\", \"parent_id\": 3,"
                      " \"geometry\": {\"type\": \"Polygon\", \"coordinates\": [[[1, 2], [3, 4]]]},"
                      " \"valid_from\": \"2020-01-01\", \"valid_to\": null, \"version\": 4,"
                      " \"id\": 999, \"created_at\": \"2000-01-01T00:00:00Z\", \"updated_at\": 7}");
    assert_int_equal(pjson_apply_area(o, a, &ar, &field), PH_OK);
    assert_string_equal(ar.code, "28753");
    assert_string_equal(ar.name, "Xã Bình Thắng");
    assert_string_equal(ar.level, "commune");
    assert_string_equal(ar.kind, "coastal");
    assert_int_equal(ar.parent_id, 3);
    assert_string_equal(ar.valid_from, "2020-01-01");
    assert_null(ar.valid_to);
    assert_int_equal(ar.version, 4);
    /* Read-only members are accepted and ignored. */
    assert_int_equal(ar.id, 12);
    assert_int_equal(ar.created_at, 5);
    /* The geometry is kept as JSON text that means the same object. */
    assert_non_null(ar.geometry);
    json_t *g = parse(ar.geometry);
    assert_true(json_equal(g, json_object_get(o, "geometry")));
    json_decref(g);
    json_decref(o);

    /* PATCH: only the members present change; null clears what may be cleared. */
    o = parse("{\"parent_id\": null, \"geometry\": null}");
    assert_int_equal(pjson_apply_area(o, a, &ar, &field), PH_OK);
    assert_int_equal(ar.parent_id, 0);
    assert_null(ar.geometry);
    assert_string_equal(ar.name, "Xã Bình Thắng");
    assert_string_equal(ar.code, "28753");
    json_decref(o);

    o = json_object(); /* an empty object changes nothing */
    assert_int_equal(pjson_apply_area(o, a, &ar, &field), PH_OK);
    assert_string_equal(ar.code, "28753");
    json_decref(o);
}

static void test_pjson_apply_unit(void **state)
{
    struct arena *a = *state;
    struct unit u = {.id = 5, .path = "/1/5/", .is_active = true};
    const char *field = NULL;

    json_t *o = parse("{\"code\": \"BP-BD\", \"name\": \"\\u0110\\u1ed3n Bi\\u00ean ph\\u00f2ng\","
                      " \"force\": \"border_guard\", \"parent_id\": 1, \"level\": \"commune\","
                      " \"phone\": \"0275\", \"is_active\": false, \"area_ids\": [3, 9000000000],"
                      " \"version\": 2, \"path\": \"/9/\", \"id\": 77}");
    assert_int_equal(pjson_apply_unit(o, a, &u, &field), PH_OK);
    assert_string_equal(u.code, "BP-BD");
    assert_string_equal(u.name, "Đồn Biên phòng");
    assert_string_equal(u.force, "border_guard");
    assert_int_equal(u.parent_id, 1);
    assert_string_equal(u.level, "commune");
    assert_string_equal(u.phone, "0275");
    assert_false(u.is_active);
    assert_int_equal(u.n_areas, 2);
    assert_int_equal(u.area_ids[0], 3);
    assert_int_equal(u.area_ids[1], 9000000000LL);
    assert_int_equal(u.version, 2);
    assert_string_equal(u.path, "/1/5/"); /* read-only */
    assert_int_equal(u.id, 5);
    json_decref(o);

    o = parse("{\"area_ids\": [], \"phone\": null, \"is_active\": true}");
    assert_int_equal(pjson_apply_unit(o, a, &u, &field), PH_OK);
    assert_int_equal(u.n_areas, 0);
    assert_null(u.phone);
    assert_true(u.is_active);
    json_decref(o);
}

static void test_pjson_apply_person(void **state)
{
    struct arena *a = *state;
    struct person p = {.id = 7, .has_password = false, .failed_logins = 2, .locked_until = 9};
    const char *field = NULL;

    json_t *o =
        parse("{\"username\": \"nguyen.van.a\", \"full_name\": \"Nguy\\u1ec5n V\\u0103n A\","
              " \"rank\": \"Thi\\u1ebfu t\\u00e1\", \"position\": null, \"unit_id\": 5,"
              " \"roles\": [\"viewer\", \"admin\", \"viewer\"], \"clearance\": \"secret\","
              " \"phone\": \"0912\", \"email\": null, \"is_disabled\": true,"
              " \"version\": 3, \"id\": 1, \"has_password\": true, \"locked_until\": null,"
              " \"created_at\": null, \"updated_at\": null}");
    assert_int_equal(pjson_apply_person(o, a, &p, NULL, &field), PH_OK);
    assert_string_equal(p.username, "nguyen.van.a");
    assert_string_equal(p.full_name, "Nguyễn Văn A");
    assert_string_equal(p.rank, "Thiếu tá");
    assert_null(p.position);
    assert_int_equal(p.unit_id, 5);
    assert_int_equal(p.roles, ROLE_VIEWER | ROLE_ADMIN);
    assert_int_equal(p.clearance, CLEARANCE_SECRET);
    assert_string_equal(p.phone, "0912");
    assert_null(p.email);
    assert_true(p.is_disabled);
    assert_int_equal(p.version, 3);
    /* Read-only members change nothing. */
    assert_int_equal(p.id, 7);
    assert_false(p.has_password);
    assert_int_equal(p.locked_until, 9);
    json_decref(o);

    static const struct {
        const char *json;
        unsigned roles;
        int clearance;
    } grants[] = {
        {"{\"roles\": [], \"clearance\": \"unclassified\"}", 0, CLEARANCE_UNCLASSIFIED},
        {"{\"roles\": [\"reporter\", \"duty_officer\", \"commander\", \"coordinator\"],"
         " \"clearance\": \"top_secret\"}",
         ROLE_REPORTER | ROLE_DUTY_OFFICER | ROLE_COMMANDER | ROLE_COORDINATOR,
         CLEARANCE_TOP_SECRET},
        {"{\"clearance\": \"confidential\", \"roles\": [\"viewer\"]}", ROLE_VIEWER,
         CLEARANCE_CONFIDENTIAL},
    };
    for (size_t i = 0; i < PH_NELEM(grants); i++) {
        o = parse(grants[i].json);
        assert_int_equal(pjson_apply_person(o, a, &p, NULL, &field), PH_OK);
        assert_int_equal(p.roles, grants[i].roles);
        assert_int_equal(p.clearance, grants[i].clearance);
        json_decref(o);
    }
}

static void test_pjson_apply_password(void **state)
{
    struct arena *a = *state;
    struct person p = {0};
    const char *field = NULL, *password = NULL;

    /* With a slot: taken (NFC like any text), and kept out of the record. */
    json_t *o =
        parse("{\"username\": \"x.y\", \"password\": \"m\\u1eadt kh\\u1ea9u " NGUYEN_NFD "\"}");
    assert_int_equal(pjson_apply_person(o, a, &p, &password, &field), PH_OK);
    assert_non_null(password);
    assert_string_equal(password, "mật khẩu " NGUYEN_NFC);
    assert_null(p.password_hash);
    json_decref(o);

    /* Absent: the slot is NULL, whatever it held before. */
    password = "stale";
    o = parse("{\"username\": \"x.y\"}");
    assert_int_equal(pjson_apply_person(o, a, &p, &password, &field), PH_OK);
    assert_null(password);
    json_decref(o);

    /* Without a slot (updates), "password" is an unknown member. */
    o = parse("{\"username\": \"x.z\", \"password\": \"secret-secret\"}");
    field = NULL;
    assert_int_equal(pjson_apply_person(o, a, &p, NULL, &field), PH_EINVAL);
    assert_non_null(field);
    assert_string_equal(field, "password");
    json_decref(o);

    static const char *const bad[] = {"{\"password\": 1234567890}", "{\"password\": null}",
                                      "{\"password\": [\"x\"]}"};
    for (size_t i = 0; i < PH_NELEM(bad); i++) {
        o = parse(bad[i]);
        field = NULL;
        assert_int_equal(pjson_apply_person(o, a, &p, &password, &field), PH_EINVAL);
        assert_string_equal(field, "password");
        json_decref(o);
    }
    /* The hash is never a member a client can set. */
    o = parse("{\"password_hash\": \"$argon2id$v=19$m=1,t=1,p=1$AAAA$AAAA\"}");
    field = NULL;
    assert_int_equal(pjson_apply_person(o, a, &p, &password, &field), PH_EINVAL);
    assert_string_equal(field, "password_hash");
    assert_null(p.password_hash);
    json_decref(o);
}

/* One member of a decoder that must be refused: the JSON text of the object, and
 * which record it is applied to. */
enum rec_kind { REC_AREA, REC_UNIT, REC_PERSON };

static ph_err apply_to(enum rec_kind k, json_t *o, struct arena *a, const char **field)
{
    struct area ar = {0};
    struct unit u = {0};
    struct person p = {0};
    const char *password = NULL;

    switch (k) {
    case REC_AREA:
        return pjson_apply_area(o, a, &ar, field);
    case REC_UNIT:
        return pjson_apply_unit(o, a, &u, field);
    case REC_PERSON:
        return pjson_apply_person(o, a, &p, &password, field);
    }
    return PH_OK;
}

static void test_pjson_apply_refused(void **state)
{
    static const struct {
        enum rec_kind rec;
        const char *json;
        const char *field;
    } cases[] = {
        /* unknown members, typos included */
        {REC_AREA, "{\"nmae\": \"x\"}", "nmae"},
        {REC_AREA, "{\"name\": \"ok\", \"colour\": \"red\"}", "colour"},
        {REC_UNIT, "{\"area_id\": [1]}", "area_id"},
        {REC_UNIT, "{\"password\": \"secret-secret\"}", "password"},
        {REC_PERSON, "{\"fullname\": \"A\"}", "fullname"},
        {REC_PERSON, "{\"failed_logins\": 0}", "failed_logins"},
        {REC_PERSON, "{\"Username\": \"a\"}", "Username"}, /* names are case-sensitive */
        {REC_PERSON, "{\"\": 1}", ""},
        /* text members: strings only; null only where the member may be empty */
        {REC_AREA, "{\"code\": 28753}", "code"},
        {REC_AREA, "{\"name\": null}", "name"},
        {REC_AREA, "{\"name\": true}", "name"},
        {REC_AREA, "{\"level\": [\"commune\"]}", "level"},
        {REC_AREA, "{\"kind\": {}}", "kind"},
        {REC_AREA, "{\"valid_from\": null}", "valid_from"},
        {REC_AREA, "{\"valid_to\": 20300101}", "valid_to"},
        {REC_UNIT, "{\"phone\": 275}", "phone"},
        {REC_UNIT, "{\"force\": null}", "force"},
        {REC_PERSON, "{\"username\": null}", "username"},
        {REC_PERSON, "{\"rank\": 3}", "rank"},
        {REC_PERSON, "{\"email\": false}", "email"},
        /* ids: positive integers (null only where optional) */
        {REC_AREA, "{\"parent_id\": \"3\"}", "parent_id"},
        {REC_AREA, "{\"parent_id\": 0}", "parent_id"},
        {REC_AREA, "{\"parent_id\": -3}", "parent_id"},
        {REC_AREA, "{\"parent_id\": 3.0}", "parent_id"},
        {REC_AREA, "{\"version\": null}", "version"},
        {REC_AREA, "{\"version\": 0}", "version"},
        {REC_UNIT, "{\"parent_id\": true}", "parent_id"},
        {REC_PERSON, "{\"unit_id\": [5]}", "unit_id"},
        {REC_PERSON, "{\"version\": \"1\"}", "version"},
        /* booleans: true or false, nothing truthy */
        {REC_UNIT, "{\"is_active\": 1}", "is_active"},
        {REC_UNIT, "{\"is_active\": \"true\"}", "is_active"},
        {REC_UNIT, "{\"is_active\": null}", "is_active"},
        {REC_PERSON, "{\"is_disabled\": 0}", "is_disabled"},
        /* geometry: an object or null */
        {REC_AREA, "{\"geometry\": \"{\\\"type\\\":\\\"Polygon\\\"}\"}", "geometry"},
        {REC_AREA, "{\"geometry\": [1, 2]}", "geometry"},
        {REC_AREA, "{\"geometry\": 5}", "geometry"},
        /* area ids: an array of positive integers */
        {REC_UNIT, "{\"area_ids\": null}", "area_ids"},
        {REC_UNIT, "{\"area_ids\": 3}", "area_ids"},
        {REC_UNIT, "{\"area_ids\": [1, \"2\"]}", "area_ids"},
        {REC_UNIT, "{\"area_ids\": [0]}", "area_ids"},
        {REC_UNIT, "{\"area_ids\": [1, -2]}", "area_ids"},
        {REC_UNIT, "{\"area_ids\": [[1]]}", "area_ids"},
        {REC_UNIT, "{\"area_ids\": {\"0\": 1}}", "area_ids"},
        /* roles and clearance: known names only */
        {REC_PERSON, "{\"roles\": \"admin\"}", "roles"},
        {REC_PERSON, "{\"roles\": [\"boss\"]}", "roles"},
        {REC_PERSON, "{\"roles\": [\"viewer\", \"Admin\"]}", "roles"},
        {REC_PERSON, "{\"roles\": [1]}", "roles"},
        {REC_PERSON, "{\"roles\": [null]}", "roles"},
        {REC_PERSON, "{\"roles\": null}", "roles"},
        {REC_PERSON, "{\"clearance\": \"topsecret\"}", "clearance"},
        {REC_PERSON, "{\"clearance\": 2}", "clearance"},
        {REC_PERSON, "{\"clearance\": null}", "clearance"},
        /* text that is not clean: control characters */
        {REC_PERSON, "{\"full_name\": \"a\\u0001b\"}", "full_name"},
        {REC_AREA, "{\"name\": \"\\u001b[31mred\"}", "name"},
        /* the first bad member is named, even after good ones */
        {REC_UNIT, "{\"code\": \"OK\", \"name\": \"t\\u00ean\", \"level\": 1}", "level"},
    };
    struct arena *a = *state;

    for (size_t i = 0; i < PH_NELEM(cases); i++) {
        json_t *o = parse(cases[i].json);
        const char *field = NULL;
        ph_err rc = apply_to(cases[i].rec, o, a, &field);
        if (rc != PH_EINVAL)
            fail_msg("%s: rc %d, want PH_EINVAL", cases[i].json, rc);
        if (field == NULL || strcmp(field, cases[i].field) != 0)
            fail_msg("%s: field \"%s\", want \"%s\"", cases[i].json, field ? field : "(null)",
                     cases[i].field);
        json_decref(o);
    }
}

/* Text members: NFD becomes NFC; an embedded NUL or bytes that are not UTF-8 (which
 * jansson can hold when built by hand) are refused; tab and newline are kept. */
static void test_pjson_apply_text(void **state)
{
    struct arena *a = *state;
    struct person p = {0};
    const char *field = NULL;

    json_t *o = json_object();
    json_object_set_new(o, "full_name", json_string(NGUYEN_NFD " V\xc4\x83n A"));
    json_object_set_new(o, "position",
                        json_string("Tru\xcc\x9b\xcc\x80ng ca")); /* u, horn, grave */
    json_object_set_new(o, "rank", json_string("a\tb\nc"));
    assert_int_equal(pjson_apply_person(o, a, &p, NULL, &field), PH_OK);
    assert_string_equal(p.full_name, NGUYEN_NFC " V\xc4\x83n A");
    assert_string_equal(p.position, "Tr\xe1\xbb\xabng ca"); /* U+1EEB */
    assert_string_equal(p.rank, "a\tb\nc");
    json_decref(o);

    static const struct {
        const char *bytes;
        size_t n;
    } bad[] = {
        {"a\0b", 3}, /* "a\u0000b": would be cut to "a" by C string handling */
        {"\0", 1},       {"ab\0", 3}, {"\xff", 1}, /* not UTF-8 */
        {"\xc0\xaf", 2},                           /* overlong */
    };
    for (size_t i = 0; i < PH_NELEM(bad); i++) {
        o = json_object();
        json_object_set_new(o, "full_name", json_stringn_nocheck(bad[i].bytes, bad[i].n));
        struct person q = {.full_name = "unchanged"};
        field = NULL;
        assert_int_equal(pjson_apply_person(o, a, &q, NULL, &field), PH_EINVAL);
        assert_string_equal(field, "full_name");
        assert_string_equal(q.full_name, "unchanged");
        json_decref(o);
    }
    /* The same through the parser, as a client would send it. */
    json_error_t e;
    o = json_loads("{\"name\": \"a\\u0000b\"}", JSON_ALLOW_NUL, &e);
    assert_non_null(o);
    struct area ar = {0};
    field = NULL;
    assert_int_equal(pjson_apply_area(o, a, &ar, &field), PH_EINVAL);
    assert_string_equal(field, "name");
    json_decref(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TU_ARENA_TEST(test_pjson_time),
        cmocka_unit_test(test_pjson_area),
        TU_ARENA_TEST(test_pjson_unit),
        TU_ARENA_TEST(test_pjson_person),
        TU_ARENA_TEST(test_pjson_user),
        cmocka_unit_test(test_pjson_page_cursor),
        cmocka_unit_test(test_pjson_cursor_malformed),
        TU_ARENA_TEST(test_pjson_apply_area),
        TU_ARENA_TEST(test_pjson_apply_unit),
        TU_ARENA_TEST(test_pjson_apply_person),
        TU_ARENA_TEST(test_pjson_apply_password),
        TU_ARENA_TEST(test_pjson_apply_refused),
        TU_ARENA_TEST(test_pjson_apply_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
