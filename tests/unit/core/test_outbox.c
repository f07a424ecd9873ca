/* test_outbox.c - events land in the outbox with the context's time, a compact
 * payload, and go away with a rolled-back transaction. */
#include "util/base.h"
#include <jansson.h>
#include "testutil.h"
#include "core/outbox.h"

static void test_outbox_emit(void **state)
{
    struct store *st = tu_store();
    struct arena a;
    struct store_outbox_event *items = NULL;
    size_t n = 0;
    (void)state;
    arena_init(&a);
    struct core_ctx cx = tu_ctx(st, &a, &core_system_user);

    assert_int_equal(store_tx_begin(st), PH_OK);
    assert_int_equal(
        outbox_emit(&cx, "person.created", "person", 42,
                    json_pack("{s:I,s:s}", "id", (json_int_t)42, "name", "Lê Thị Hồng")),
        PH_OK);
    assert_int_equal(outbox_emit(&cx, "unit.deleted", "unit", 5, NULL), PH_OK);
    assert_int_equal(store_tx_commit(st), PH_OK);

    assert_int_equal(store_tx_begin(st), PH_OK);
    assert_int_equal(outbox_emit(&cx, "area.created", "area", 9, json_object()), PH_OK);
    assert_int_equal(store_tx_rollback(st), PH_OK);

    assert_int_equal(store_outbox_after(st, &a, 0, 10, &items, &n), PH_OK);
    assert_int_equal(n, 2);
    assert_string_equal(items[0].topic, "person.created");
    assert_string_equal(items[0].item_kind, "person");
    assert_int_equal(items[0].item_id, 42);
    assert_int_equal(items[0].at, cx.now_ms);
    json_error_t err;
    json_t *p = json_loads(items[0].payload, 0, &err);
    assert_non_null(p);
    assert_int_equal(json_integer_value(json_object_get(p, "id")), 42);
    assert_string_equal(json_string_value(json_object_get(p, "name")), "Lê Thị Hồng");
    json_decref(p);
    assert_null(strstr(items[0].payload, "\": ")); /* compact */
    assert_null(strstr(items[0].payload, ", \""));
    assert_string_equal(items[1].topic, "unit.deleted");
    assert_null(items[1].payload);
    store_close(st);
    arena_release(&a);
}

/* The access scope goes with the event: kind, classification, and the paths with
 * the owner first (an empty first slot when the item has none). */
static void test_outbox_scope(void **state)
{
    struct store *st = tu_store();
    struct arena a;
    struct store_outbox_event *items = NULL;
    size_t n = 0;
    const char *sent[] = {"/2/7/", "/3/"};
    struct access_item owned = {.kind = ITEM_OPERATIONAL, .owner_path = "/1/5/", .classification = 2,
                                .sent_to_paths = sent, .n_sent_to = 2};
    struct access_item ownerless = {.kind = ITEM_OPERATIONAL, .sent_to_paths = sent, .n_sent_to = 2};
    struct access_item alone = {.kind = ITEM_OPERATIONAL, .owner_path = "/1/"};
    (void)state;
    arena_init(&a);
    struct core_ctx cx = tu_ctx(st, &a, &core_system_user);

    assert_int_equal(store_tx_begin(st), PH_OK);
    assert_int_equal(outbox_emit_scoped(&cx, "incident.created", "incident", 1, NULL, &owned), PH_OK);
    assert_int_equal(outbox_emit_scoped(&cx, "incident.updated", "incident", 1, NULL, &ownerless), PH_OK);
    assert_int_equal(outbox_emit_scoped(&cx, "incident.status", "incident", 1, NULL, &alone), PH_OK);
    assert_int_equal(outbox_emit(&cx, "person.created", "person", 3, NULL), PH_OK);
    assert_int_equal(store_tx_commit(st), PH_OK);

    assert_int_equal(store_outbox_after(st, &a, 0, 10, &items, &n), PH_OK);
    assert_int_equal(n, 4);
    assert_int_equal(items[0].access_kind, ITEM_OPERATIONAL);
    assert_int_equal(items[0].classification, 2);
    assert_string_equal(items[0].scope_paths, "/1/5/ /2/7/ /3/");
    assert_string_equal(items[1].scope_paths, " /2/7/ /3/");
    assert_string_equal(items[2].scope_paths, "/1/");
    assert_int_equal(items[3].access_kind, ITEM_PERSON);
    assert_null(items[3].scope_paths);
    store_close(st);
    arena_release(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_outbox_emit),
        cmocka_unit_test(test_outbox_scope),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
