/* test_pg_kept.c - what a PostgreSQL connection keeps between round trips
 * (store/pg_int.h) is never stale, and writes sent without waiting answer
 * where they should:
 *  - categories, settings and areas read in one write transaction and changed
 *    by another connection are read anew in the next (schema 014's ref_rev
 *    triggers), and a change made in the same transaction is seen at once;
 *  - the audit chain's head and the incident number kept in a transaction
 *    follow a savepoint's rollback (the next entry and number are the ones
 *    the database holds, not the ones undone);
 *  - a failed write sent without waiting (pg_write_later) fails the next
 *    statement that waits, the transaction then rolls back cleanly, and the
 *    connection serves the next transaction; inside an operation it fails the
 *    operation alone; more of them than a pipeline holds all land.
 * Runs only with PHOIHOP_TEST_PG set (a PostgreSQL server's URL ending in '/',
 * as for the core tests); without it the test says so and passes. */
#include "util/base.h"
#include <libpq-fe.h>
#include "testutil.h"
#include "core/audit.h"
#include "core/category.h"
#include "security/audit_chain.h"
#include "store/pg_int.h"
#include "store/store.h"
#include "util/arena.h"

struct two {
    struct store *a, *b; /* two connections to one database */
    struct arena ar;
};

static int setup(void **state)
{
    char dsn[256];
    struct two *t;

    if (!tu_pg_dsn(dsn, sizeof(dsn))) {
        *state = NULL;
        return 0;
    }
    t = calloc(1, sizeof(*t));
    if (t == NULL || store_open(dsn, &t->a) != PH_OK || store_open(dsn, &t->b) != PH_OK)
        return -1;
    arena_init(&t->ar);
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    struct two *t = *state;

    if (t == NULL)
        return 0;
    store_close(t->a);
    store_close(t->b);
    arena_release(&t->ar);
    free(t);
    return 0;
}

#define NEED_PG(t)                                                                                 \
    do {                                                                                           \
        if ((t) == NULL) {                                                                         \
            print_message("PHOIHOP_TEST_PG not set: nothing to test\n");                           \
            return;                                                                                \
        }                                                                                          \
    } while (0)

/* How many answers st keeps (pg_get_kept). */
static int kept_answers(struct store *st)
{
    int n = 0;
    for (int i = 0; i < PG_RESULTS_KEPT; i++)
        n += store_pg_of(st)->results_kept[i].res != NULL;
    return n;
}

/* The name of category code as connection st reads it in a write transaction. */
static const char *category_name_in_tx(struct two *t, struct store *st, const char *code)
{
    struct category c;

    assert_int_equal(store_tx_begin(st), PH_OK);
    assert_int_equal(store_category_get_by_code(st, &t->ar, code, &c), PH_OK);
    /* Twice: the second is the kept answer. */
    assert_int_equal(store_category_get_by_code(st, &t->ar, code, &c), PH_OK);
    assert_int_equal(store_tx_commit(st), PH_OK);
    return c.name_en;
}

static void rename_category(struct two *t, struct store *st, const char *code, const char *name_en)
{
    struct category c;

    assert_int_equal(store_category_get_by_code(st, &t->ar, code, &c), PH_OK);
    c.name_en = name_en;
    c.version = 0; /* whatever the version */
    assert_int_equal(store_category_update(st, &c, "crime"), PH_OK);
}

static void test_category_change_is_seen(void **state)
{
    struct two *t = *state;
    NEED_PG(t);

    assert_int_equal(kept_answers(t->a), 0);
    assert_string_equal(category_name_in_tx(t, t->a, "crime"), "Crime");
    assert_int_equal(kept_answers(t->a), 1); /* read once, kept */
    assert_int_equal(store_pg_of(t->a)->kept_hits, 1); /* and the second read was it */
    /* Another connection (another node) renames it: the next transaction sees it. */
    rename_category(t, t->b, "crime", "Crimes");
    assert_string_equal(category_name_in_tx(t, t->a, "crime"), "Crimes");

    /* A's own change in its open transaction is seen at once, and kept by
     * nothing once it rolls back. */
    struct category c;
    assert_int_equal(store_tx_begin(t->a), PH_OK);
    assert_int_equal(store_category_get_by_code(t->a, &t->ar, "crime", &c), PH_OK);
    rename_category(t, t->a, "crime", "Offences");
    assert_int_equal(store_category_get_by_code(t->a, &t->ar, "crime", &c), PH_OK);
    assert_string_equal(c.name_en, "Offences");
    assert_int_equal(store_tx_rollback(t->a), PH_OK);
    assert_string_equal(category_name_in_tx(t, t->a, "crime"), "Crimes");
}

static const char *setting_in_tx(struct two *t, struct store *st, const char *key)
{
    const char *v = NULL;

    assert_int_equal(store_tx_begin(st), PH_OK);
    ph_err rc = store_setting_get(st, &t->ar, key, &v);
    assert_int_equal(store_setting_get(st, &t->ar, key, &v), rc);
    assert_int_equal(store_tx_commit(st), PH_OK);
    return rc == PH_OK ? v : NULL;
}

static void test_setting_change_is_seen(void **state)
{
    struct two *t = *state;
    NEED_PG(t);

    /* Not there, and that answer is kept too: until someone sets it. */
    assert_null(setting_in_tx(t, t->a, "incident_ref_prefix"));
    assert_int_equal(store_setting_set(t->b, "incident_ref_prefix", "BT"), PH_OK);
    assert_string_equal(setting_in_tx(t, t->a, "incident_ref_prefix"), "BT");
    assert_int_equal(store_setting_set(t->b, "incident_ref_prefix", "VL"), PH_OK);
    assert_string_equal(setting_in_tx(t, t->a, "incident_ref_prefix"), "VL");
}

static void test_area_change_is_seen(void **state)
{
    struct two *t = *state;
    struct area a = {.code = "83", .name = "Tỉnh Bến Tre", .level = "province",
                     .kind = "coastal", .valid_from = "2020-01-01"};
    struct area got;
    NEED_PG(t);

    assert_int_equal(store_area_insert(t->b, &a, "tinh ben tre", &a.id), PH_OK);
    assert_int_equal(store_tx_begin(t->a), PH_OK);
    assert_int_equal(store_area_get(t->a, &t->ar, a.id, &got), PH_OK);
    assert_string_equal(got.kind, "coastal");
    assert_int_equal(store_tx_commit(t->a), PH_OK);
    a.kind = "border";
    assert_int_equal(store_area_update(t->b, &a, "tinh ben tre"), PH_OK);
    assert_int_equal(store_tx_begin(t->a), PH_OK);
    assert_int_equal(store_area_get(t->a, &t->ar, a.id, &got), PH_OK);
    assert_string_equal(got.kind, "border");
    assert_int_equal(store_tx_commit(t->a), PH_OK);
}

/* An audit entry chained to the head st reads now. */
static ph_err append_audit(struct store *st, int64_t item_id, struct audit_entry *e)
{
    memset(e, 0, sizeof(*e));
    e->at = 1;
    e->actor = "test";
    e->action = "test.kept";
    e->item_kind = "test";
    e->item_id = item_id;
    e->client = "test";
    e->detail = "";
    ph_err rc = store_audit_last(st, &e->seq, e->prev_hash);
    if (rc != PH_OK)
        return rc;
    e->seq++;
    audit_chain_hash(e->prev_hash, e, e->hash);
    return store_audit_insert(st, e);
}

static void test_numbers_follow_a_rollback(void **state)
{
    struct two *t = *state;
    struct audit_entry e1, e2, e3;
    int64_t n1 = 0, n2 = 0, n3 = 0;
    NEED_PG(t);

    assert_int_equal(store_tx_begin(t->a), PH_OK);
    assert_int_equal(append_audit(t->a, 1, &e1), PH_OK);
    assert_int_equal(store_incident_ref_next(t->a, "BT", 2026, &n1), PH_OK);
    assert_int_equal(store_savepoint(t->a), PH_OK);
    assert_int_equal(append_audit(t->a, 2, &e2), PH_OK);
    assert_int_equal(store_incident_ref_next(t->a, "BT", 2026, &n2), PH_OK);
    assert_int_equal(e2.seq, e1.seq + 1);
    assert_int_equal(n2, n1 + 1);
    assert_int_equal(store_savepoint_rollback(t->a), PH_OK);
    /* Undone: the next entry and number take their places again. */
    assert_int_equal(append_audit(t->a, 3, &e3), PH_OK);
    assert_int_equal(store_incident_ref_next(t->a, "BT", 2026, &n3), PH_OK);
    assert_int_equal(e3.seq, e1.seq + 1);
    assert_memory_equal(e3.prev_hash, e1.hash, 32);
    assert_int_equal(n3, n1 + 1);
    assert_int_equal(store_tx_commit(t->a), PH_OK);

    /* What the other connection reads is what was committed. */
    int64_t seq = 0, n = 0;
    uint8_t head[32];
    assert_int_equal(store_audit_last(t->b, &seq, head), PH_OK);
    assert_int_equal(seq, e3.seq);
    assert_memory_equal(head, e3.hash, 32);
    assert_int_equal(store_tx_begin(t->b), PH_OK);
    assert_int_equal(store_incident_ref_next(t->b, "BT", 2026, &n), PH_OK);
    assert_int_equal(store_tx_commit(t->b), PH_OK);
    assert_int_equal(n, n3 + 1);
}

static void test_unwaited_write_fails_the_next_wait(void **state)
{
    struct two *t = *state;
    struct audit_entry e1, clash;
    int64_t seq = 0;
    uint8_t head[32];
    NEED_PG(t);

    assert_int_equal(store_tx_begin(t->a), PH_OK);
    assert_int_equal(append_audit(t->a, 1, &e1), PH_OK);
    assert_true(store_pg_of(t->a)->n_later > 0); /* sent, not answered */
    clash = e1; /* the same seq: a key clash */
    assert_int_equal(store_audit_insert(t->a, &clash), PH_OK); /* not answered yet either */
    /* The next statement that waits (a read) answers for both: the clash. */
    assert_int_equal(store_audit_count(t->a, &seq), PH_ECONFLICT);
    assert_int_equal(store_pg_of(t->a)->n_later, 0);
    assert_int_equal(store_tx_rollback(t->a), PH_OK);
    assert_int_equal(PQtransactionStatus(store_pg_of(t->a)->conn), PQTRANS_IDLE);
    /* Nothing of it was committed, and the connection goes on. */
    assert_int_equal(store_audit_last(t->b, &seq, head), PH_OK);
    assert_int_equal(seq, 0);
    assert_int_equal(store_tx_begin(t->a), PH_OK);
    assert_int_equal(append_audit(t->a, 2, &e1), PH_OK);
    assert_int_equal(store_tx_commit(t->a), PH_OK);
    assert_int_equal(store_audit_last(t->b, &seq, head), PH_OK);
    assert_int_equal(seq, 1);

    assert_int_equal(PQpipelineStatus(store_pg_of(t->a)->conn), PQ_PIPELINE_OFF);
    /* Outside a transaction such a write answers at once. */
    clash = e1;
    assert_int_equal(store_audit_insert(t->a, &clash), PH_ECONFLICT);
    assert_int_equal(store_pg_of(t->a)->n_later, 0);
}

/* More writes sent ahead than one pipeline holds (PG_LATER_MAX), then a read
 * that waits: every write lands, in order. */
static void test_many_unwaited_writes(void **state)
{
    struct two *t = *state;
    struct audit_entry e;
    int64_t n = 0;
    NEED_PG(t);

    assert_int_equal(store_tx_begin(t->a), PH_OK);
    for (int i = 1; i <= 2 * PG_LATER_MAX + 3; i++) {
        assert_int_equal(append_audit(t->a, i, &e), PH_OK);
        assert_true(store_pg_of(t->a)->n_later <= PG_LATER_MAX);
    }
    assert_int_equal(store_audit_count(t->a, &n), PH_OK);
    assert_int_equal(n, 2 * PG_LATER_MAX + 3);
    assert_int_equal(store_tx_commit(t->a), PH_OK);
    struct audit_verify_result vr;
    assert_int_equal(audit_verify(t->b, &vr, NULL, NULL), PH_OK);
    assert_int_equal(vr.entries, 2 * PG_LATER_MAX + 3);
    assert_int_equal(vr.first_bad_seq, 0);
}

/* A write sent ahead inside an operation (pg_op_begin) fails the operation at
 * its end, which undoes it alone: the transaction goes on. */
static void test_unwaited_write_fails_its_operation(void **state)
{
    struct two *t = *state;
    struct store_pg *p;
    struct audit_entry e1, clash;
    int64_t n = 0;
    NEED_PG(t);
    p = store_pg_of(t->a);

    assert_int_equal(store_tx_begin(t->a), PH_OK);
    assert_int_equal(append_audit(t->a, 1, &e1), PH_OK);
    assert_int_equal(pg_op_begin(p), PH_OK);
    clash = e1;
    assert_int_equal(store_audit_insert(t->a, &clash), PH_OK); /* sent, not answered */
    assert_int_equal(pg_op_end(p, PH_OK), PH_ECONFLICT);
    assert_int_equal(store_audit_count(t->a, &n), PH_OK); /* the transaction lives */
    assert_int_equal(n, 1);
    assert_int_equal(append_audit(t->a, 2, &e1), PH_OK); /* the head was forgotten, read again */
    assert_int_equal(e1.seq, 2);
    assert_int_equal(store_tx_commit(t->a), PH_OK);
    struct audit_verify_result vr;
    assert_int_equal(audit_verify(t->b, &vr, NULL, NULL), PH_OK);
    assert_int_equal(vr.entries, 2);
    assert_int_equal(vr.first_bad_seq, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_category_change_is_seen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_setting_change_is_seen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_area_change_is_seen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_numbers_follow_a_rollback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unwaited_write_fails_the_next_wait, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_unwaited_writes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unwaited_write_fails_its_operation, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
