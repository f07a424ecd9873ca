/* fuzz_pjson.c - request bodies of the API (proto/pjson.h): any bytes are loaded
 * with jansson as the HTTP door does, and a JSON object is applied to an area, a
 * unit, a person and a category, each both fresh (create) and already filled in (PATCH). What a
 * decoder accepts must encode again without trouble. Also list cursors, which come
 * from query strings: a decoded cursor must round-trip through pjson_page. */
#include "util/base.h"
#include "core/access.h"
#include "proto/pjson.h"
#include "util/arena.h"
#include "fuzz.h"

/* The records a PATCH starts from: what the store would have returned. */
static const struct area stored_area = {
    .id = 12, .code = "28753", .name = "Xã Bình Thắng", .level = "commune",
    .kind = "coastal", .parent_id = 3, .valid_from = "2020-01-01",
    .geometry = "{\"type\":\"Polygon\",\"coordinates\":[[[106,10],[107,10],[107,11],[106,10]]]}",
    .version = 2, .created_at = 1764000000000, .updated_at = 1764000000000,
};

static void apply_area(json_t *obj, struct arena *a, bool fresh)
{
    struct area ar;
    const char *field = NULL;

    if (fresh)
        memset(&ar, 0, sizeof(ar));
    else
        ar = stored_area;
    if (pjson_apply_area(obj, a, &ar, &field) == PH_OK) {
        json_decref(pjson_area(&ar, true));
        json_decref(pjson_area(&ar, false));
    } else {
        FUZZ_CHECK(field != NULL);
    }
}

static const struct category stored_category = {
    .id = 2, .code = "drugs", .name_vi = "ma túy", .name_en = "Drugs", .default_severity = 3,
    .lead_force = "police", .is_active = true, .sort_order = 2, .version = 1,
    .created_at = 1764000000000, .updated_at = 1764000000000,
};

static void apply_category(json_t *obj, struct arena *a, bool fresh)
{
    struct category c;
    const char *field = NULL;

    if (fresh)
        memset(&c, 0, sizeof(c));
    else
        c = stored_category;
    if (pjson_apply_category(obj, a, &c, &field) == PH_OK)
        json_decref(pjson_category(&c));
    else
        FUZZ_CHECK(field != NULL);
}

static void apply_unit(json_t *obj, struct arena *a, bool fresh)
{
    static int64_t stored_area_ids[] = {3, 12};
    struct unit u;
    const char *field = NULL;

    memset(&u, 0, sizeof(u));
    if (!fresh) {
        u = (struct unit){
            .id = 5, .code = "CA-H-BD", .name = "Công an huyện Bình Đại", .force = "police",
            .parent_id = 1, .level = "district", .path = "/1/5/", .is_active = true,
            .area_ids = stored_area_ids, .n_areas = PH_NELEM(stored_area_ids), .version = 1,
        };
    }
    if (pjson_apply_unit(obj, a, &u, &field) == PH_OK) {
        FUZZ_CHECK(u.n_areas == 0 || u.area_ids != NULL);
        json_decref(pjson_unit(&u));
    } else {
        FUZZ_CHECK(field != NULL);
    }
}

static void apply_person(json_t *obj, struct arena *a, bool fresh)
{
    struct person p;
    const char *field = NULL, *password = NULL;

    memset(&p, 0, sizeof(p));
    if (!fresh) {
        p = (struct person){
            .id = 7, .username = "nguyen.van.a", .full_name = "Nguyễn Văn A", .rank = "Thiếu tá",
            .position = "Trực ban", .unit_id = 5, .roles = ROLE_DUTY_OFFICER,
            .clearance = CLEARANCE_CONFIDENTIAL, .has_password = true, .version = 1,
            .password_hash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA",
        };
    }
    /* Create passes a password slot; PATCH does not, making "password" unknown. */
    if (pjson_apply_person(obj, a, &p, fresh ? &password : NULL, &field) == PH_OK) {
        json_t *j = pjson_person(&p);
        /* The hash never leaves core, whatever the body said. */
        FUZZ_CHECK(j == NULL || json_object_get(j, "password_hash") == NULL);
        FUZZ_CHECK(j == NULL || json_object_get(j, "password") == NULL);
        json_decref(j);
        FUZZ_CHECK(fresh || password == NULL);
    } else {
        FUZZ_CHECK(field != NULL);
    }
}

static void check_cursor(const uint8_t *data, size_t size)
{
    char *s = fuzz_cstr(data, size);
    int64_t after_id = -1, again = -1;

    if (pjson_cursor_decode(s, &after_id) == PH_OK && after_id > 0) {
        json_t *page = pjson_page(json_array(), true, after_id);
        json_t *next = json_object_get(page, "next_cursor");
        FUZZ_CHECK(json_is_string(next));
        FUZZ_CHECK(pjson_cursor_decode(json_string_value(next), &again) == PH_OK);
        FUZZ_CHECK(again == after_id);
        json_decref(page);
    }
    free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t jerr;
    json_t *obj = json_loadb((const char *)data, size, 0, &jerr);

    if (json_is_object(obj)) {
        struct arena a;
        arena_init(&a);
        apply_area(obj, &a, true);
        apply_area(obj, &a, false);
        apply_unit(obj, &a, true);
        apply_unit(obj, &a, false);
        apply_person(obj, &a, true);
        apply_person(obj, &a, false);
        apply_category(obj, &a, true);
        apply_category(obj, &a, false);
        arena_release(&a);
    }
    json_decref(obj); /* NULL-safe */
    check_cursor(data, size);
    return 0;
}
