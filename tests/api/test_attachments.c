/* test_attachments.c - /api/v1/incidents/{id}/attachments: an upload and its
 * download byte for byte with the headers a browser needs to stay safe
 * (stored type, Content-Disposition with the UTF-8 name, nosniff, the SHA-256
 * as ETag, private caching), the type decided from the bytes whatever the
 * request claims (422 naming "file"), names and notes, who may attach, 404 for
 * whoever may not see the incident on every path, the timeline entry, and the
 * size limit with its 413s on a server started with a small
 * PHOIHOP_ATTACHMENT_MAX_BYTES.
 *
 * The incidents are filed in the world's commune (its polygon): a crime there
 * is led by the commune police (u_pc) and reported by the police district
 * (u_pd), whose people attach; the military province (u_mp) is informed, so its
 * viewer sees but may not attach, and a military district made here below it
 * sees nothing. */
#include "util/base.h"
#include <sodium.h>
#include <time.h>
#include "harness.h"

int run_attachment_tests(void); /* the group, run by main.c */

#define SMALL_LIMIT 4096 /* the fresh server's PHOIHOP_ATTACHMENT_MAX_BYTES */

static const unsigned char png_head[] = {
    0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I',  'H',  'D',  'R',  0,
    0,    0,   1,   0,   0,    0,    1,    8,    6, 0, 0, 0,  0x1f, 0x15, 0xc4, 0x89,
};
static const char pdf[] =
    "%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< >>\n%%EOF\n";

/* ---- helpers ---------------------------------------------------------------------- */

static char *iso_ago(long seconds_ago)
{
    time_t t = time(NULL) - seconds_ago;
    struct tm tm;
    gmtime_r(&t, &tm);
    return tfmt("%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* A crime in the world's commune, filed by token; its id. */
static int64_t mk_incident(const char *token, const char *title)
{
    json_t *b = json_pack("{s:s, s:s, s:s, s:{s:f, s:f}}", "category", "crime", "title", title,
                          "occurred_at", iso_ago(600), "location", "lat", 10.2, "lon", 106.7);
    struct resp *r = api_json("POST", "/api/v1/incidents", token, b);
    EXPECT_STATUS(r, 201);
    return JINT(r->json, "id");
}

static char *att_path(int64_t incident_id)
{
    return tfmt("/api/v1/incidents/%lld/attachments", (long long)incident_id);
}

/* POST data as token with ?filename=name (URL-encoded; NULL: none) and the
 * request Content-Type ctype (NULL: none). */
static struct resp *upload(const char *token, int64_t incident_id, const void *data, size_t len,
                           const char *name, const char *ctype, const char *note)
{
    char *path = att_path(incident_id);
    if (name != NULL)
        path = tfmt("%s?filename=%s", path, urlenc(name));
    if (note != NULL)
        path = tfmt("%s%cnote=%s", path, name != NULL ? '&' : '?', urlenc(note));
    return api_raw("POST", path, token, data, len, ctype, NULL);
}

/* A PNG of len bytes: the signature and IHDR, then every byte value (NULs too). */
static unsigned char *png_of(size_t len)
{
    unsigned char *p = malloc(len);
    assert_non_null(p);
    assert_true(len >= sizeof(png_head));
    memcpy(p, png_head, sizeof(png_head));
    for (size_t i = sizeof(png_head); i < len; i++)
        p[i] = (unsigned char)(i * 7 + (i >> 9));
    return p;
}

static char *hex_of(const unsigned char *data, size_t len)
{
    unsigned char h[32];
    char hex[65];
    crypto_hash_sha256(h, data, len);
    sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
    return tfmt("%s", hex);
}

/* A person of role at a new military district below the world's military
 * province (a unit no incident here is ever sent to); their token. */
static char *outsider_token(void)
{
    struct world *w = &g_srv->w;
    char *x = uniq_word(), *user = NULL;
    int64_t u = mk_unit(w->admin, tfmt("QS-H-%s", x), tfmt("Ban CHQS huyện %s", x), "military",
                        "district", w->u_mp, 0);
    mk_person(w->admin, u, "duty_officer", "top_secret", &user);
    return login_ok(user, H_PASSWORD);
}

/* ---- round trip -------------------------------------------------------------------- */

static void test_attachment_round_trip(void **state)
{
    struct world *w = &g_srv->w;
    const char *name = "Ảnh hiện trường \"số 1\" 100%.png";
    size_t len = 200 * 1024 + 3;
    unsigned char *png = png_of(len);
    int64_t id = mk_incident(w->t_reporter, tfmt("Trộm cắp %s", uniq_word()));
    char *sha = hex_of(png, len), *url, *cd;
    struct resp *r;
    json_t *m;

    /* The request's Content-Type says nothing that counts. */
    r = upload(w->t_reporter, id, png, len, name, "application/octet-stream",
               "Chụp lúc 7 giờ sáng");
    free(png);
    EXPECT_STATUS(r, 201);
    m = r->json;
    assert_true(JINT(m, "id") > 0);
    assert_int_equal(JINT(m, "incident_id"), id);
    assert_string_equal(JSTR(m, "filename"), name);
    assert_string_equal(JSTR(m, "content_type"), "image/png");
    assert_int_equal(JINT(m, "size"), (int64_t)len);
    assert_string_equal(JSTR(m, "sha256"), sha);
    assert_string_equal(JSTR(m, "note"), "Chụp lúc 7 giờ sáng");
    assert_int_equal(JINT(m, "created_by"), w->p_reporter);
    assert_non_null(JSTR(m, "created_at"));
    url = tfmt("%s/%lld", att_path(id), (long long)JINT(m, "id"));
    assert_string_equal(JSTR(m, "url"), url);
    EXPECT_LOCATION(r, url);

    /* Download: the same bytes, and the headers. */
    png = png_of(len);
    r = api_get(url, w->t_viewer);
    EXPECT_STATUS(r, 200);
    assert_int_equal(r->len, len);
    assert_memory_equal(r->body, png, len);
    free(png);
    assert_string_equal(resp_header(r, "content-type"), "image/png");
    assert_string_equal(resp_header(r, "content-length"), tfmt("%zu", len));
    assert_string_equal(resp_header(r, "x-content-type-options"), "nosniff");
    assert_string_equal(resp_header(r, "etag"), tfmt("\"%s\"", sha));
    assert_string_equal(resp_header(r, "cache-control"), "private");
    cd = resp_header(r, "content-disposition");
    assert_non_null(cd);
    assert_true(strncmp(cd, "attachment;", 11) == 0);
    /* RFC 5987: UTF-8, percent-encoded, quotes and '%' too. */
    assert_non_null(strstr(cd,
                           "filename*=UTF-8''%E1%BA%A2nh%20hi%E1%BB%87n%20tr%C6%B0%E1%BB%9Dng%20"
                           "%22s%E1%BB%91%201%22%20100%25.png"));
    /* The ASCII fallback carries no quote that would end it early. */
    assert_non_null(strstr(cd, "filename=\"_nh hi_n tr__ng _s_ 1_ 100_.png\""));
    /* Unchanged since: 304. */
    r = api_raw("GET", url, w->t_viewer, NULL, 0, NULL, tfmt("If-None-Match: \"%s\"", sha));
    EXPECT_STATUS(r, 304);

    /* The list and the timeline show it. */
    r = api_get(att_path(id), w->t_duty);
    EXPECT_STATUS(r, 200);
    assert_int_equal(json_array_size(items_of(r)), 1);
    assert_string_equal(JSTR(json_array_get(items_of(r), 0), "sha256"), sha);
    {
        json_t *tl =
            list_items(tfmt("/api/v1/incidents/%lld/timeline", (long long)id), w->t_viewer);
        json_t *last = json_array_get(tl, json_array_size(tl) - 1);
        json_t *d = json_object_get(last, "detail");
        assert_string_equal(JSTR(last, "kind"), "attachment");
        assert_string_equal(JSTR(d, "sha256"), sha);
        assert_string_equal(JSTR(d, "filename"), name);
    }
}

/* A PDF and a text file, a second upload of the same bytes, and a plain file name. */
static void test_attachment_types_and_duplicates(void **state)
{
    struct world *w = &g_srv->w;
    int64_t id = mk_incident(w->t_duty, tfmt("Gây rối %s", uniq_word()));
    const char *txt = "Biên bản: đã xác minh tại hiện trường.\n";
    struct resp *r;

    r = upload(w->t_duty, id, pdf, strlen(pdf), "bien-ban.pdf", NULL, NULL);
    EXPECT_STATUS(r, 201);
    assert_string_equal(JSTR(r->json, "content_type"), "application/pdf");
    assert_true(json_is_null(json_object_get(r->json, "note")));
    r = upload(w->t_duty, id, txt, strlen(txt), "ghi-chu.txt", "text/plain", NULL);
    EXPECT_STATUS(r, 201);
    assert_string_equal(JSTR(r->json, "content_type"), "text/plain");
    r = upload(w->t_reporter, id, pdf, strlen(pdf), "ban-sao.pdf", "application/pdf", NULL);
    EXPECT_STATUS(r, 201);
    assert_string_equal(JSTR(r->json, "sha256"), hex_of((const unsigned char *)pdf, strlen(pdf)));
    r = api_get(JSTR(r->json, "url"), w->t_reporter);
    EXPECT_STATUS(r, 200);
    assert_string_equal(resp_header(r, "content-type"), "application/pdf");
    assert_int_equal(r->len, strlen(pdf));
    assert_memory_equal(r->body, pdf, r->len);
    assert_int_equal(list_count(att_path(id), w->t_reporter), 3);
}

/* ---- refusals ---------------------------------------------------------------------- */

static void test_attachment_forbidden_types(void **state)
{
    struct world *w = &g_srv->w;
    static const char elf[] = "\x7f"
                              "ELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"
                              "\x02\x00\x3e\x00\x01\x00\x00\x00";
    static const char gif[] = "GIF89a\x01\x00\x01\x00\x00\x00\x00;";
    static const struct {
        const char *body;
        size_t len; /* 0: strlen */
        const char *name, *ctype;
    } cases[] = {
        {"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>\n", 0, "anh.jpg",
         "image/jpeg"},
        {"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>\n", 0, "anh.png",
         "image/png"},
        {elf, sizeof(elf) - 1, "bao-cao.pdf", "application/pdf"},
        {"#!/bin/sh\necho pwned\n", 0, "ghi-chu.txt", "text/plain"},
        {gif, sizeof(gif) - 1, "anh.gif", NULL},
    };
    int64_t id = mk_incident(w->t_duty, tfmt("Tệp lạ %s", uniq_word()));

    for (size_t i = 0; i < PH_NELEM(cases); i++) {
        size_t len = cases[i].len != 0 ? cases[i].len : strlen(cases[i].body);
        struct resp *r =
            upload(w->t_duty, id, cases[i].body, len, cases[i].name, cases[i].ctype, NULL);
        EXPECT_ERROR(r, 422, "invalid", "file");
    }
    /* Empty. */
    EXPECT_ERROR(upload(w->t_duty, id, "", 0, "rong.txt", NULL, NULL), 422, "invalid", "file");
    assert_int_equal(list_count(att_path(id), w->t_duty), 0);
}

static void test_attachment_bad_names(void **state)
{
    struct world *w = &g_srv->w;
    static const char *const names[] = {"a/b.png", "..\\b.png", "..", "a\tb.png",
                                        "t\xe1\xbb\x87p\xe2\x80\xae"
                                        "fdp.exe"};
    int64_t id = mk_incident(w->t_duty, tfmt("Tên tệp %s", uniq_word()));
    char *note = tfmt("%04100d", 0);
    struct resp *r;

    /* No name at all, an empty one, one that decodes to a NUL. */
    EXPECT_ERROR(upload(w->t_duty, id, pdf, strlen(pdf), NULL, NULL, NULL), 422, "invalid",
                 "filename");
    EXPECT_ERROR(upload(w->t_duty, id, pdf, strlen(pdf), "", NULL, NULL), 422, "invalid",
                 "filename");
    r = api_raw("POST", tfmt("%s?filename=a%%00.pdf", att_path(id)), w->t_duty, pdf, strlen(pdf),
                NULL, NULL);
    EXPECT_ERROR(r, 422, "invalid", "filename");
    for (size_t i = 0; i < PH_NELEM(names); i++)
        EXPECT_ERROR(upload(w->t_duty, id, pdf, strlen(pdf), names[i], NULL, NULL), 422, "invalid",
                     "filename");
    EXPECT_ERROR(upload(w->t_duty, id, pdf, strlen(pdf), "a.pdf", NULL, note), 422, "invalid",
                 "note");
    assert_int_equal(list_count(att_path(id), w->t_duty), 0);
}

/* Who may attach, and who sees nothing at all. */
static void test_attachment_access(void **state)
{
    struct world *w = &g_srv->w;
    int64_t id = mk_incident(w->t_reporter, tfmt("Ma túy %s", uniq_word()));
    char *outsider = outsider_token(), *url;
    struct resp *r;

    r = upload(w->t_reporter, id, pdf, strlen(pdf), "a.pdf", NULL, NULL);
    EXPECT_STATUS(r, 201);
    url = tfmt("%s", JSTR(r->json, "url"));
    /* The viewers of the reporting unit and of an informed force see it ... */
    EXPECT_STATUS(api_get(url, w->t_viewer), 200);
    EXPECT_STATUS(api_get(url, w->t_mil_viewer), 200);
    assert_int_equal(list_count(att_path(id), w->t_mil_viewer), 1);
    /* ... and may not attach. */
    EXPECT_ERROR(upload(w->t_viewer, id, pdf, strlen(pdf), "b.pdf", NULL, NULL), 403, "forbidden",
                 NULL);
    EXPECT_ERROR(upload(w->t_mil_viewer, id, pdf, strlen(pdf), "b.pdf", NULL, NULL), 403,
                 "forbidden", NULL);
    /* Someone the incident was never sent to: 404 on every path. */
    EXPECT_ERROR(api_get(att_path(id), outsider), 404, "not_found", NULL);
    EXPECT_ERROR(api_get(url, outsider), 404, "not_found", NULL);
    EXPECT_ERROR(upload(outsider, id, pdf, strlen(pdf), "c.pdf", NULL, NULL), 404, "not_found",
                 NULL);
    /* Unknown incidents and attachments, and an attachment under another incident. */
    {
        int64_t other = mk_incident(w->t_reporter, tfmt("Khác %s", uniq_word()));
        char *aid = strrchr(url, '/') + 1;
        EXPECT_ERROR(api_get(tfmt("%s/%s", att_path(other), aid), w->t_reporter), 404, "not_found",
                     NULL);
        EXPECT_ERROR(api_get(tfmt("%s/999999999", att_path(id)), w->t_reporter), 404, "not_found",
                     NULL);
        EXPECT_ERROR(api_get(tfmt("%s/abc", att_path(id)), w->t_reporter), 404, "not_found", NULL);
        EXPECT_ERROR(api_get(att_path(999999999), w->t_reporter), 404, "not_found", NULL);
    }
    /* No token. */
    EXPECT_ERROR(api_get(url, NULL), 401, "unauthenticated", "Authorization");
    assert_int_equal(list_count(att_path(id), w->t_reporter), 1);
}

/* ---- the size limit, on a server of its own ------------------------------------------ */

static int small_limit_setup(void **state)
{
    int rc;
    setenv("PHOIHOP_ATTACHMENT_MAX_BYTES", tfmt("%d", SMALL_LIMIT), 1);
    rc = h_fresh_setup(state);
    unsetenv("PHOIHOP_ATTACHMENT_MAX_BYTES"); /* the child has it; later servers do not */
    return rc;
}

static void test_attachment_size_limit(void **state)
{
    struct world *w = &g_srv->w;
    char *user = NULL, *token;
    unsigned char *big = png_of(2 * 1024 * 1024);
    int64_t id;
    struct resp *r;

    mk_person(w->admin, w->u_pd, "duty_officer", "secret", &user);
    token = login_ok(user, H_PASSWORD);
    id = mk_incident(token, "Ảnh quá lớn");
    /* Exactly the limit is taken; one byte more is our 413, naming the file. */
    r = upload(token, id, big, SMALL_LIMIT, "vua.png", "image/png", NULL);
    EXPECT_STATUS(r, 201);
    assert_int_equal(JINT(r->json, "size"), SMALL_LIMIT);
    r = upload(token, id, big, SMALL_LIMIT + 1, "lon.png", "image/png", NULL);
    EXPECT_ERROR(r, 413, "too_large", "file");
    /* Far beyond what h2o buffers (the JSON limit plus the margin here): its plain
     * 413, perhaps as a reset while we still send. */
    r = upload(token, id, big, 2 * 1024 * 1024, "rat-lon.png", "image/png", NULL);
    if (r->status != 0)
        assert_int_equal(r->status, 413);
    free(big);
    assert_int_equal(list_count(att_path(id), token), 1);
    EXPECT_STATUS(api_get("/api/v1/auth/me", token), 200);
}

int run_attachment_tests(void)
{
    const struct CMUnitTest tests[] = {
        T(test_attachment_round_trip),
        T(test_attachment_types_and_duplicates),
        T(test_attachment_forbidden_types),
        T(test_attachment_bad_names),
        T(test_attachment_access),
        cmocka_unit_test_setup_teardown(test_attachment_size_limit, small_limit_setup,
                                        h_fresh_teardown),
    };
    return cmocka_run_group_tests_name("attachments", tests, h_group_setup, h_gc);
}
