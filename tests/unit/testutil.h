/* testutil.h - shared helpers for the cmocka unit tests: a fresh SQLite store (in
 * memory, or in a temporary file) and core contexts for made-up callers. */
#ifndef PH_TESTS_TESTUTIL_H
#define PH_TESTS_TESTUTIL_H
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "core/ctx.h"
#include "store/store.h"
#include "util/arena.h"

/* A fresh in-memory store with the schema applied; fails the test when it cannot. */
static inline struct store *tu_store(void)
{
    struct store *st = NULL;
    assert_int_equal(store_open("sqlite::memory:", &st), PH_OK);
    return st;
}

/* A context acting as user on st, allocating in a (both owned by the caller). */
static inline struct core_ctx tu_ctx(struct store *st, struct arena *a, const struct core_user *user)
{
    struct core_ctx cx = {.st = st, .arena = a, .user = user, .client = "test", .now_ms = 1764000000000};
    return cx;
}
#endif
