/* test_area_import.c - POST /api/v1/areas/import (docs/API.md, "Area import") on a
 * fresh server: Bến Tre's list from ../shared/geo/ (the body is the 2.2 MB file,
 * over the 1 MiB of a JSON body) as a dry run that writes no area, then for real
 * (the report's counts, the areas listed after), a re-run that changes nothing,
 * 403 for someone who is not an administrator, 422 naming the field for a bad
 * kind, province, effective date or file, and 413 for a body over the route's
 * limit. Skipped, saying so, when ../shared/geo/ is missing; the refusals that
 * need no real file run all the same. */
#include "util/base.h"
#include "harness.h"

int run_area_import_tests(void); /* the group, run by main.c */

#define LIST_FILE "../shared/geo/dvhcvn-2025-03-01.json"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;

    if (f == NULL)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0) {
        buf = malloc((size_t)n + 1);
        assert_non_null(buf);
        if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
            free(buf);
            buf = NULL;
        } else {
            *len = (size_t)n;
        }
    }
    fclose(f);
    return buf;
}

static struct resp *import(const char *token, const char *query, const char *body, size_t len)
{
    return api_raw("POST", tfmt("/api/v1/areas/import%s", query), token, body, len,
                   "application/json", NULL);
}

static void test_area_import_refusals(void **state)
{
    const char *admin = g_srv->w.admin;
    static const char bad_code[] =
        "{\"data\":[{\"level1_id\":\"83\",\"name\":\"A\",\"type\":\"Tỉnh\","
        "\"level2s\":[{\"level2_id\":\"8290\",\"name\":\"B\",\"type\":\"Huyện\","
        "\"level3s\":[]}]}]}";
    char *user, *viewer;
    struct resp *r;
    (void)state;

    /* Not an administrator: 403 before the body is looked at. */
    mk_person(admin, g_srv->w.u_pd, "viewer", "unclassified", &user);
    viewer = login_ok(user, H_PASSWORD);
    EXPECT_ERROR(import(viewer, "?kind=list", bad_code, strlen(bad_code)), 403, "forbidden", NULL);
    EXPECT_ERROR(import(NULL, "?kind=list", bad_code, strlen(bad_code)), 401, "unauthenticated",
                 NULL);

    EXPECT_ERROR(import(admin, "", bad_code, strlen(bad_code)), 422, "invalid", "kind");
    EXPECT_ERROR(import(admin, "?kind=atlas", bad_code, strlen(bad_code)), 422, "invalid", "kind");
    EXPECT_ERROR(import(admin, "?kind=list", NULL, 0), 422, "invalid", "file");
    EXPECT_ERROR(import(admin, "?kind=list&province=8", bad_code, strlen(bad_code)), 422, "invalid",
                 "province");
    EXPECT_ERROR(import(admin, "?kind=list&effective=2025-02-30", bad_code, strlen(bad_code)), 422,
                 "invalid", "effective");
    EXPECT_ERROR(import(admin, "?kind=reorganisation", bad_code, strlen(bad_code)), 422, "invalid",
                 "effective");
    EXPECT_ERROR(import(admin, "?kind=list&dry_run=maybe", bad_code, strlen(bad_code)), 422,
                 "invalid", "dry_run");
    /* A bad file: the message says which unit and which member. */
    r = import(admin, "?kind=list", bad_code, strlen(bad_code));
    EXPECT_ERROR(r, 422, "invalid", "file");
    assert_non_null(
        strstr(json_string_value(json_object_get(json_object_get(r->json, "error"), "message")),
               "\"level2_id\" must be 3 digits"));
    EXPECT_ERROR(import(admin, "?kind=list", "{\"data\": [", 10), 422, "invalid", "file");
    EXPECT_ERROR(import(admin, "?kind=boundaries", bad_code, strlen(bad_code)), 422, "invalid",
                 "file");
    /* Over the route's limit (10 MiB): 413, from us or from h2o. */
    {
        size_t big = (size_t)10 * 1024 * 1024 + 1;
        char *body = malloc(big);
        assert_non_null(body);
        memset(body, ' ', big);
        r = import(admin, "?kind=list", body, big);
        free(body);
        EXPECT_STATUS(r, 413);
    }
    /* None of it wrote an area. */
    assert_int_equal(list_count("/api/v1/areas?code=83", admin), 0);
}

static void test_area_import_list(void **state)
{
    const char *admin = g_srv->w.admin;
    struct resp *r;
    char *list;
    size_t len = 0;
    (void)state;

    list = slurp(LIST_FILE, &len);
    if (list == NULL) {
        print_message("skipped: %s not found (the real data lives in ../shared/geo/)\n", LIST_FILE);
        skip();
    }
    /* A dry run: the counts, and nothing written. */
    r = import(admin, "?kind=list&province=83&dry_run=1", list, len);
    EXPECT_STATUS(r, 200);
    assert_int_equal(JINT(r->json, "units"), 158);
    assert_int_equal(JINT(r->json, "created"), 158);
    assert_true(json_is_true(json_object_get(r->json, "dry_run")));
    assert_true(JINT(r->json, "import_id") > 0);
    assert_int_equal(list_count("/api/v1/areas?code=83", admin), 0);

    /* For real. */
    r = import(admin, "?kind=list&province=83", list, len);
    EXPECT_STATUS(r, 200);
    assert_string_equal(JSTR(r->json, "kind"), "list");
    assert_string_equal(JSTR(r->json, "province"), "83");
    assert_string_equal(JSTR(r->json, "effective"), "2025-03-01");
    assert_int_equal(JINT(r->json, "units"), 158);
    assert_int_equal(JINT(r->json, "created"), 158);
    assert_int_equal(JINT(r->json, "unchanged"), 0);
    assert_true(json_is_false(json_object_get(r->json, "same_file_again")));
    assert_int_equal(list_count("/api/v1/areas?code=83&at=2025-03-01", admin), 1);
    assert_int_equal(list_count("/api/v1/areas?level=commune&at=2025-03-01&q=phu%20khuong", admin),
                     1);
    {
        json_t *items = list_items("/api/v1/areas?code=837", admin);
        assert_int_equal(json_array_size(items), 1);
        assert_string_equal(JSTR(json_array_get(items, 0), "name"), "Huyện Thạnh Phú");
    }

    /* Again: unchanged. */
    r = import(admin, "?kind=list&province=83", list, len);
    EXPECT_STATUS(r, 200);
    assert_int_equal(JINT(r->json, "unchanged"), 158);
    assert_int_equal(JINT(r->json, "created"), 0);
    assert_true(json_is_true(json_object_get(r->json, "same_file_again")));
    /* An unknown province of a real file. */
    EXPECT_ERROR(import(admin, "?kind=list&province=99", list, len), 422, "invalid", "province");
    free(list);
}

int run_area_import_tests(void)
{
    const struct CMUnitTest fresh[] = {
        T_FRESH(test_area_import_refusals),
        T_FRESH(test_area_import_list),
    };
    return cmocka_run_group_tests_name("areaimport", fresh, NULL, NULL);
}
