/* test_audit.c - recording entries (actor, canonical detail, chain), verifying an
 * intact chain, and detecting tampering done behind phoihop's back with the
 * backend's own connection (tu_raw_sql, SQLite or PostgreSQL): an altered field, a deleted entry, two entries
 * swapped; and the removal of the newest entries, which only a head recorded
 * earlier reveals. */
#include "util/base.h"
#include <jansson.h>
#include <unistd.h>
#include "testutil.h"
#include "core/access.h"
#include "core/audit.h"

static const struct core_user someone = {
    .person_id = 7,
    .username = "nguyen.van.a",
    .full_name = "Nguyễn Văn A",
    .roles = ROLE_ADMIN,
    .clearance = CLEARANCE_SECRET,
};

/* Append n entries in one transaction, alternating the system and a person. */
static void record_n(struct store *st, int n)
{
    struct arena a;
    arena_init(&a);
    assert_int_equal(store_tx_begin(st), PH_OK);
    for (int i = 1; i <= n; i++) {
        struct core_ctx cx = tu_ctx(st, &a, i % 2 != 0 ? &core_system_user : &someone);
        cx.now_ms += i;
        json_t *detail =
            i % 3 == 0 ? NULL : json_pack("{s:i,s:s}", "i", i, "tên", "Đặng Văn Cường");
        assert_int_equal(audit_record(&cx, "test.record", "test", i, detail), PH_OK);
    }
    assert_int_equal(store_tx_commit(st), PH_OK);
    arena_release(&a);
}

static void progress_cb(void *ctx, int64_t done, int64_t total)
{
    int64_t *last = ctx;
    assert_true(done <= total);
    assert_true(done >= last[0]);
    last[0] = done;
    last[1] = total;
}

static void test_audit_record_fields(void **state)
{
    struct store *st = tu_store();
    struct arena a;
    struct audit_entry *items = NULL;
    size_t n = 0;
    (void)state;
    arena_init(&a);
    assert_int_equal(store_tx_begin(st), PH_OK);
    struct core_ctx cx = tu_ctx(st, &a, &someone);
    /* Keys out of order and non-ASCII text: stored sorted, compact, still UTF-8. */
    assert_int_equal(audit_record(&cx, "person.create", "person", 42,
                                  json_pack("{s:s,s:i,s:[i,i]}", "z", "Đặng", "a", 1, "m", 1, 2)),
                     PH_OK);
    cx = tu_ctx(st, &a, &core_system_user);
    cx.client = "cli";
    cx.now_ms += 1000;
    assert_int_equal(audit_record(&cx, "auth.login", "person", 0, NULL), PH_OK);
    assert_int_equal(store_tx_commit(st), PH_OK);

    assert_int_equal(store_audit_page(st, &a, 0, 10, &items, &n), PH_OK);
    assert_int_equal(n, 2);
    assert_int_equal(items[0].seq, 1);
    assert_int_equal(items[0].at, 1764000000000);
    assert_int_equal(items[0].actor_id, 7);
    assert_string_equal(items[0].actor, "nguyen.van.a");
    assert_string_equal(items[0].action, "person.create");
    assert_string_equal(items[0].item_kind, "person");
    assert_int_equal(items[0].item_id, 42);
    assert_string_equal(items[0].client, "test");
    assert_string_equal(items[0].detail, "{\"a\":1,\"m\":[1,2],\"z\":\"Đặng\"}");
    uint8_t zero[32] = {0}, h[32];
    assert_memory_equal(items[0].prev_hash, zero, 32);
    audit_chain_hash(zero, &items[0], h);
    assert_memory_equal(items[0].hash, h, 32);

    assert_int_equal(items[1].seq, 2);
    assert_int_equal(items[1].actor_id, 0);
    assert_string_equal(items[1].actor, "system");
    assert_string_equal(items[1].client, "cli");
    assert_true(items[1].detail == NULL || items[1].detail[0] == '\0');
    assert_memory_equal(items[1].prev_hash, items[0].hash, 32);
    store_close(st);
    arena_release(&a);
}

static void test_audit_verify_intact(void **state)
{
    struct store *st = tu_store();
    struct audit_verify_result r;
    int64_t seen[2] = {0, 0}, last_seq = 0;
    uint8_t last_hash[32], zero[32] = {0};
    (void)state;

    /* Empty log: nothing to check, a zero head. */
    assert_int_equal(audit_verify(st, &r, NULL, NULL), PH_OK);
    assert_int_equal(r.entries, 0);
    assert_int_equal(r.first_bad_seq, 0);
    assert_memory_equal(r.head_hash, zero, 32);

    record_n(st, 2500); /* more than two pages */
    assert_int_equal(audit_verify(st, &r, progress_cb, seen), PH_OK);
    assert_int_equal(r.entries, 2500);
    assert_int_equal(r.first_bad_seq, 0);
    assert_null(r.problem);
    assert_int_equal(seen[0], 2500);
    assert_int_equal(seen[1], 2500);
    assert_int_equal(store_audit_last(st, &last_seq, last_hash), PH_OK);
    assert_int_equal(last_seq, 2500);
    assert_memory_equal(r.head_hash, last_hash, 32);
    store_close(st);
}

/* ---- tampering under the store (tu_raw_sql) ---------------------------------- */

static struct tu_tmpdb tmp; /* the database file of the tampering cases */

static int file_setup(void **state)
{
    struct store *st = NULL;
    (void)state;
    if (tu_tmpdb_make(&tmp, "audit") != 0)
        return -1;
    if (store_open(tmp.dsn, &st) != PH_OK)
        return -1;
    record_n(st, 10);
    store_close(st);
    return 0;
}

static int file_teardown(void **state)
{
    (void)state;
    (void)tu_tmpdb_remove(&tmp);
    return 0;
}

/* sql_pg: the PostgreSQL spelling when it differs (NULL: the same). */
static void tamper2(const char *sql, const char *sql_pg)
{
    struct store *st = NULL;
    assert_int_equal(store_open(tmp.dsn, &st), PH_OK);
    int64_t changed = tu_raw_sql(st, sql, sql_pg);
    store_close(st);
    assert_true(changed > 0);
}

static void tamper(const char *sql)
{
    tamper2(sql, NULL);
}

static void verify_file(struct audit_verify_result *r)
{
    struct store *st = NULL;
    assert_int_equal(store_open(tmp.dsn, &st), PH_OK);
    assert_int_equal(audit_verify(st, r, NULL, NULL), PH_OK);
    store_close(st);
}

static void test_audit_verify_file_intact(void **state)
{
    struct audit_verify_result r;
    (void)state;
    verify_file(&r);
    assert_int_equal(r.entries, 10);
    assert_int_equal(r.first_bad_seq, 0);
}

static void test_audit_verify_altered(void **state)
{
    struct audit_verify_result r;
    (void)state;
    tamper("UPDATE audit_log SET detail = '{\"i\":3,\"tên\":\"ai đó\"}' WHERE seq = 3");
    verify_file(&r);
    assert_int_equal(r.first_bad_seq, 3);
    assert_string_equal(r.problem, "altered");
    assert_int_equal(r.entries, 10);
}

static void test_audit_verify_altered_actor(void **state)
{
    struct audit_verify_result r;
    (void)state;
    tamper("UPDATE audit_log SET actor = 'someone.else' WHERE seq = 6");
    verify_file(&r);
    assert_int_equal(r.first_bad_seq, 6);
    assert_string_equal(r.problem, "altered");
}

static void test_audit_verify_deleted(void **state)
{
    struct audit_verify_result r;
    (void)state;
    tamper("DELETE FROM audit_log WHERE seq = 3");
    verify_file(&r);
    assert_int_equal(r.first_bad_seq, 4);
    assert_string_equal(r.problem, "missing before");
    assert_int_equal(r.entries, 9);
}

static void test_audit_verify_deleted_first(void **state)
{
    struct audit_verify_result r;
    (void)state;
    tamper("DELETE FROM audit_log WHERE seq = 1");
    verify_file(&r);
    assert_int_equal(r.first_bad_seq, 2);
    assert_string_equal(r.problem, "missing before");
}

static void test_audit_verify_swapped(void **state)
{
    struct audit_verify_result r;
    (void)state;
    tamper("UPDATE audit_log SET seq = -4 WHERE seq = 4;"
           "UPDATE audit_log SET seq = 4 WHERE seq = 3;"
           "UPDATE audit_log SET seq = 3 WHERE seq = -4;");
    verify_file(&r);
    assert_int_equal(r.first_bad_seq, 3);
    assert_string_equal(r.problem, "inserted or reordered");
}

static void test_audit_verify_rehashed_entry(void **state)
{
    struct audit_verify_result r;
    struct store *st = NULL;
    struct arena a;
    struct audit_entry *items = NULL;
    size_t n = 0;
    (void)state;

    /* An attacker who alters entry 5 and recomputes its hash still breaks entry 6,
     * whose prev_hash no longer matches. */
    tamper("UPDATE audit_log SET action = 'forged' WHERE seq = 5");
    arena_init(&a);
    assert_int_equal(store_open(tmp.dsn, &st), PH_OK);
    assert_int_equal(store_audit_page(st, &a, 4, 1, &items, &n), PH_OK);
    assert_int_equal(n, 1);
    uint8_t h[32];
    audit_chain_hash(items[0].prev_hash, &items[0], h);
    store_close(st);

    /* The recomputed hash as a literal of each dialect (our bytes, not input). */
    char hex[65], sql[128], sql_pg[128];
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", h[i]);
    snprintf(sql, sizeof(sql), "UPDATE audit_log SET hash = X'%s' WHERE seq = 5", hex);
    snprintf(sql_pg, sizeof(sql_pg), "UPDATE audit_log SET hash = '\\x%s'::bytea WHERE seq = 5", hex);
    tamper2(sql, sql_pg);
    arena_release(&a);

    verify_file(&r);
    assert_int_equal(r.first_bad_seq, 6);
    assert_string_equal(r.problem, "inserted or reordered");
}

static void test_audit_verify_expect_truncated(void **state)
{
    struct audit_verify_result r;
    struct store *st = NULL;
    uint8_t head[32], middle[32], other[32];
    (void)state;

    verify_file(&r);
    memcpy(head, r.head_hash, 32);
    assert_int_equal(r.expected_seq, 0); /* nothing was expected */
    assert_int_equal(store_open(tmp.dsn, &st), PH_OK);
    assert_int_equal(audit_verify_expect(st, head, &r, NULL, NULL), PH_OK);
    assert_int_equal(r.expected_seq, 10);
    assert_int_equal(r.first_bad_seq, 0);
    store_close(st);

    /* Removing the newest entries leaves an intact chain, but not the recorded head;
     * an older recorded head is still found. */
    tamper("DELETE FROM audit_log WHERE seq >= 9");
    assert_int_equal(store_open(tmp.dsn, &st), PH_OK);
    assert_int_equal(audit_verify_expect(st, head, &r, NULL, NULL), PH_OK);
    assert_int_equal(r.first_bad_seq, 0);
    assert_int_equal(r.entries, 8);
    assert_int_equal(r.expected_seq, 0);
    memcpy(middle, r.head_hash, 32);
    memset(other, 0xab, sizeof(other));
    assert_int_equal(audit_verify_expect(st, middle, &r, NULL, NULL), PH_OK);
    assert_int_equal(r.expected_seq, 8);
    assert_int_equal(audit_verify_expect(st, other, &r, NULL, NULL), PH_OK);
    assert_int_equal(r.expected_seq, 0);
    store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_audit_record_fields),
        cmocka_unit_test(test_audit_verify_intact),
        cmocka_unit_test_setup_teardown(test_audit_verify_file_intact, file_setup, file_teardown),
        cmocka_unit_test_setup_teardown(test_audit_verify_altered, file_setup, file_teardown),
        cmocka_unit_test_setup_teardown(test_audit_verify_altered_actor, file_setup, file_teardown),
        cmocka_unit_test_setup_teardown(test_audit_verify_deleted, file_setup, file_teardown),
        cmocka_unit_test_setup_teardown(test_audit_verify_deleted_first, file_setup, file_teardown),
        cmocka_unit_test_setup_teardown(test_audit_verify_swapped, file_setup, file_teardown),
        cmocka_unit_test_setup_teardown(test_audit_verify_rehashed_entry, file_setup,
                                        file_teardown),
        cmocka_unit_test_setup_teardown(test_audit_verify_expect_truncated, file_setup,
                                        file_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
