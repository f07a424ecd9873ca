/* test_sqlite_attachments.c - the SQLite backend's attachments: blobs stored once
 * per SHA-256, rows that refer to them, the count, the list in id order, get with
 * and without the bytes (byte-exact, large ones too), an attachment asked for
 * under another incident, and the schema's refusals (a row without its blob, an
 * unknown content type, a hash that is not 32 bytes). */
#include "util/base.h"
#include <sodium.h>
#include <sqlite3.h>
#include "testutil.h"
#include "store/sqlite_int.h"
#include "util/log.h"

#define T0 1764000000000LL /* 2025-11-24T16:00:00Z */

struct fx {
    struct store *st;
    struct arena a;
    int64_t unit, inc1, inc2;
};

static int64_t add_incident(struct fx *f, const char *ref)
{
    struct category c;
    struct incident inc = {.ref = ref,
                           .severity = 2,
                           .title = ref,
                           .occurred_at = T0,
                           .detected_at = T0,
                           .reported_at = T0,
                           .reporting_unit_id = f->unit,
                           .lead_unit_id = f->unit,
                           .status = "new",
                           .cap_status = "actual",
                           .created_at = T0};
    int64_t id = 0;

    assert_int_equal(store_category_get_by_code(f->st, &f->a, "crime", &c), PH_OK);
    inc.category_id = c.id;
    assert_int_equal(store_incident_insert(f->st, &inc, &id), PH_OK);
    return id;
}

static int fx_setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct unit u = {
        .code = "CA", .name = "CA", .force = "police", .level = "province", .is_active = true};

    if (f == NULL || store_open("sqlite::memory:", &f->st) != PH_OK) {
        free(f);
        return -1;
    }
    arena_init(&f->a);
    assert_int_equal(store_unit_insert(f->st, &u, "ca", &f->unit), PH_OK);
    f->inc1 = add_incident(f, "PH-2025-000001");
    f->inc2 = add_incident(f, "PH-2025-000002");
    *state = f;
    return 0;
}

static int fx_teardown(void **state)
{
    struct fx *f = *state;
    store_close(f->st);
    arena_release(&f->a);
    free(f);
    return 0;
}

#define FX_TEST(t) cmocka_unit_test_setup_teardown(t, fx_setup, fx_teardown)

/* A row for incident_id naming the blob of data (hashed here). */
static struct attachment row(int64_t incident_id, const char *filename, const void *data,
                             size_t len)
{
    struct attachment at = {.incident_id = incident_id,
                            .filename = filename,
                            .content_type = "text/plain",
                            .size = (int64_t)len,
                            .created_by = 7,
                            .created_at = T0};
    crypto_hash_sha256(at.sha256, data, len);
    return at;
}

static int64_t blob_count(struct fx *f)
{
    struct store_sq *s = store_sq_of(f->st);
    sqlite3_stmt *stmt = NULL;
    int64_t n = -1;

    assert_int_equal(
        sqlite3_prepare_v2(s->db, "SELECT count(*) FROM attachment_blobs", -1, &stmt, NULL),
        SQLITE_OK);
    if (sqlite3_step(stmt) == SQLITE_ROW)
        n = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return n;
}

static void test_sqlite_attachment_blob_once(void **state)
{
    struct fx *f = *state;
    static const char text[] = "Báo cáo hiện trường\n";
    struct attachment a1 = row(f->inc1, "a.txt", text, strlen(text));
    struct attachment a2 = row(f->inc2, "b.txt", text, strlen(text));
    bool stored = false;
    int64_t id1 = 0, id2 = 0;

    assert_int_equal(store_attachment_blob_put(f->st, a1.sha256, text, strlen(text), T0, &stored),
                     PH_OK);
    assert_true(stored);
    assert_int_equal(store_attachment_insert(f->st, &a1, &id1), PH_OK);
    /* The same bytes again, for another incident: the blob is there already. */
    assert_int_equal(store_attachment_blob_put(f->st, a2.sha256, text, strlen(text), T0, &stored),
                     PH_OK);
    assert_false(stored);
    assert_int_equal(store_attachment_blob_put(f->st, a2.sha256, text, strlen(text), T0, NULL),
                     PH_OK);
    assert_int_equal(store_attachment_insert(f->st, &a2, &id2), PH_OK);
    assert_true(id2 > id1);
    assert_int_equal(blob_count(f), 1);
}

static void test_sqlite_attachment_list_count_get(void **state)
{
    struct fx *f = *state;
    static const char *const texts[] = {"một", "hai", "ba"};
    struct attachment *items = NULL, got;
    int64_t ids[3], n64 = -1;
    const void *data = NULL;
    size_t n = 0, len = 0;

    for (size_t i = 0; i < 3; i++) {
        struct attachment at = row(f->inc1, texts[i], texts[i], strlen(texts[i]));
        at.note = i == 1 ? "ảnh chụp từ flycam" : NULL;
        assert_int_equal(
            store_attachment_blob_put(f->st, at.sha256, texts[i], strlen(texts[i]), T0, NULL),
            PH_OK);
        assert_int_equal(store_attachment_insert(f->st, &at, &ids[i]), PH_OK);
    }
    assert_int_equal(store_attachment_count(f->st, f->inc1, &n64), PH_OK);
    assert_int_equal(n64, 3);
    assert_int_equal(store_attachment_count(f->st, f->inc2, &n64), PH_OK);
    assert_int_equal(n64, 0);

    assert_int_equal(store_attachment_list(f->st, &f->a, f->inc1, &items, &n), PH_OK);
    assert_int_equal(n, 3);
    for (size_t i = 0; i < 3; i++) {
        struct attachment want = row(f->inc1, texts[i], texts[i], strlen(texts[i]));
        assert_int_equal(items[i].id, ids[i]);
        assert_int_equal(items[i].incident_id, f->inc1);
        assert_string_equal(items[i].filename, texts[i]);
        assert_string_equal(items[i].content_type, "text/plain");
        assert_int_equal(items[i].size, (int64_t)strlen(texts[i]));
        assert_memory_equal(items[i].sha256, want.sha256, 32);
        assert_int_equal(items[i].created_by, 7);
        assert_int_equal(items[i].created_at, T0);
    }
    assert_null(items[0].note);
    assert_string_equal(items[1].note, "ảnh chụp từ flycam");
    assert_int_equal(store_attachment_list(f->st, &f->a, f->inc2, &items, &n), PH_OK);
    assert_int_equal(n, 0);

    /* With the bytes, then metadata only. */
    assert_int_equal(store_attachment_get(f->st, &f->a, f->inc1, ids[2], &got, &data, &len), PH_OK);
    assert_int_equal(got.id, ids[2]);
    assert_int_equal(len, strlen("ba"));
    assert_memory_equal(data, "ba", len);
    memset(&got, 0, sizeof(got));
    assert_int_equal(store_attachment_get(f->st, &f->a, f->inc1, ids[1], &got, NULL, NULL), PH_OK);
    assert_string_equal(got.filename, "hai");
    /* Under another incident, or unknown: not found. */
    assert_int_equal(store_attachment_get(f->st, &f->a, f->inc2, ids[0], &got, &data, &len),
                     PH_ENOTFOUND);
    assert_int_equal(store_attachment_get(f->st, &f->a, f->inc2, ids[0], &got, NULL, NULL),
                     PH_ENOTFOUND);
    assert_int_equal(store_attachment_get(f->st, &f->a, f->inc1, 999, &got, &data, &len),
                     PH_ENOTFOUND);
}

/* A few megabytes of every byte value come back exactly. */
static void test_sqlite_attachment_large(void **state)
{
    struct fx *f = *state;
    size_t big = 3 * 1024 * 1024 + 17;
    unsigned char *buf = malloc(big);
    struct attachment at, got;
    const void *data = NULL;
    size_t len = 0;
    int64_t id = 0;

    assert_non_null(buf);
    for (size_t i = 0; i < big; i++)
        buf[i] = (unsigned char)(i * 131 + (i >> 13));
    at = row(f->inc2, "video.mp4", buf, big);
    at.content_type = "video/mp4";
    assert_int_equal(store_attachment_blob_put(f->st, at.sha256, buf, big, T0, NULL), PH_OK);
    assert_int_equal(store_attachment_insert(f->st, &at, &id), PH_OK);
    assert_int_equal(store_attachment_get(f->st, &f->a, f->inc2, id, &got, &data, &len), PH_OK);
    assert_int_equal(len, big);
    assert_int_equal(got.size, (int64_t)big);
    assert_string_equal(got.content_type, "video/mp4");
    assert_memory_equal(data, buf, big);
    free(buf);
}

static void test_sqlite_attachment_schema_refuses(void **state)
{
    struct fx *f = *state;
    static const char text[] = "nội dung";
    struct attachment at = row(f->inc1, "x.txt", text, strlen(text));
    uint8_t short_hash[32] = {0};
    int64_t id = 0;

    log_set_level(LOG_ERROR + 1); /* the refusals below are logged as store failures */
    /* No blob with that hash yet: the foreign key refuses the row. */
    assert_int_not_equal(store_attachment_insert(f->st, &at, &id), PH_OK);
    assert_int_equal(store_attachment_blob_put(f->st, at.sha256, text, strlen(text), T0, NULL),
                     PH_OK);
    /* A type the server never takes. */
    at.content_type = "text/html";
    assert_int_not_equal(store_attachment_insert(f->st, &at, &id), PH_OK);
    at.content_type = "text/plain";
    /* An empty blob. */
    short_hash[0] = 1;
    assert_int_not_equal(store_attachment_blob_put(f->st, short_hash, "", 0, T0, NULL), PH_OK);
    log_set_level(LOG_ERROR);
    assert_int_equal(store_attachment_insert(f->st, &at, &id), PH_OK);
}

int main(void)
{
    log_set_level(LOG_ERROR);
    const struct CMUnitTest tests[] = {
        FX_TEST(test_sqlite_attachment_blob_once),
        FX_TEST(test_sqlite_attachment_list_count_get),
        FX_TEST(test_sqlite_attachment_large),
        FX_TEST(test_sqlite_attachment_schema_refuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
