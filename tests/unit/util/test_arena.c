/* test_arena.c - the region allocator: alignment, large blocks, the copying helpers,
 * and arenas backed by an allocation hook (as the HTTP door backs them with h2o's
 * request pool), whose memory arena_release must leave alone. */
#include "util/base.h"
#include <sanitizer/asan_interface.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include "testutil.h"
#include "util/arena.h"

#define ALIGN 16

static bool aligned(const void *p)
{
    return (uintptr_t)p % ALIGN == 0;
}

static void test_arena_alignment(void **state)
{
    struct arena a;
    char *prev = NULL;
    size_t prev_n = 0;

    (void)state;
    arena_init(&a);
    /* Odd sizes, over several blocks: each result aligned and clear of the last. */
    for (size_t i = 0; i < 3000; i++) {
        size_t n = i % 97;
        char *p = arena_alloc(&a, n);
        assert_non_null(p);
        if (!aligned(p))
            fail_msg("allocation %zu (%zu bytes) at %p is not %d-aligned", i, n, (void *)p, ALIGN);
        memset(p, (int)(i & 0xff), n); /* ASan: n bytes really are ours */
        if (prev != NULL && prev_n != 0)
            assert_int_equal((unsigned char)prev[prev_n - 1], (unsigned char)((i - 1) & 0xff));
        prev = p;
        prev_n = n;
    }
    /* Types that need the strictest alignment can live there. */
    long double *ld = arena_alloc(&a, sizeof(long double) * 3);
    ld[2] = 1.5L;
    assert_true(ld[2] == 1.5L);
    assert_true(aligned(ld));
    arena_release(&a);
    assert_null(a.head);
}

static void test_arena_large(void **state)
{
    struct arena a;

    (void)state;
    arena_init(&a);
    char *small1 = arena_alloc(&a, 10);
    memset(small1, 'a', 10);
    /* Bigger than a block: its own block, fully usable. */
    size_t big_n = 1u << 20;
    char *big = arena_alloc(&a, big_n);
    assert_true(aligned(big));
    memset(big, 'b', big_n);
    char *small2 = arena_alloc(&a, 10);
    memset(small2, 'c', 10);
    /* ... and neither disturbed what came before. */
    for (int i = 0; i < 10; i++)
        assert_int_equal(small1[i], 'a');
    assert_int_equal(big[0], 'b');
    assert_int_equal(big[big_n - 1], 'b');
    for (int i = 0; i < 200; i++) { /* many mid-sized ones */
        char *p = arena_alloc(&a, 3000 + (size_t)i);
        assert_true(aligned(p));
        memset(p, 'd', 3000 + (size_t)i);
    }
    arena_release(&a);
    /* A released arena can be used again. */
    char *again = arena_alloc(&a, 100);
    memset(again, 'e', 100);
    arena_release(&a);
}

static void test_arena_zalloc(void **state)
{
    struct arena a;

    (void)state;
    arena_init(&a);
    for (size_t n = 1; n < 20000; n = n * 3 + 1) {
        unsigned char *p = arena_zalloc(&a, n);
        for (size_t i = 0; i < n; i++)
            if (p[i] != 0)
                fail_msg("arena_zalloc(%zu): byte %zu is %u", n, i, p[i]);
        memset(p, 0xff, n);
    }
    arena_release(&a);
}

static void test_arena_strings(void **state)
{
    struct arena a;
    char src[] = "Đồn Biên phòng Ba Lai";

    (void)state;
    arena_init(&a);
    assert_null(arena_strdup(&a, NULL));
    assert_null(arena_strndup(&a, NULL, 4));

    char *d = arena_strdup(&a, src);
    assert_string_equal(d, src);
    assert_ptr_not_equal(d, src);
    src[0] = 'X'; /* a copy, not a reference */
    assert_string_equal(d, "Đồn Biên phòng Ba Lai");

    char *e = arena_strdup(&a, "");
    assert_non_null(e);
    assert_string_equal(e, "");

    /* strndup copies n bytes of a buffer that need not be NUL-terminated. */
    const char raw[6] = {'8', '3', '/', '8', '2', '9'};
    char *n3 = arena_strndup(&a, raw, 3);
    assert_string_equal(n3, "83/");
    assert_int_equal(n3[3], '\0');
    assert_string_equal(arena_strndup(&a, raw, 0), "");
    assert_string_equal(arena_strndup(&a, raw, sizeof(raw)), "83/829");
    arena_release(&a);
}

static char *call_vprintf(struct arena *a, const char *fmt, ...) PH_PRINTF(2, 3);
static char *call_vprintf(struct arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = arena_vprintf(a, fmt, ap);
    va_end(ap);
    return s;
}

static void test_arena_printf(void **state)
{
    struct arena a;

    (void)state;
    arena_init(&a);
    assert_string_equal(arena_printf(&a, "%s-%03d", "Bến Tre", 83), "Bến Tre-083");
    assert_string_equal(arena_printf(&a, "%s", ""), "");
    assert_string_equal(arena_printf(&a, "%lld", (long long)INT64_MIN), "-9223372036854775808");
    assert_string_equal(call_vprintf(&a, "/%d/%d/", 1, 23), "/1/23/");
    /* Longer than a block: the size is measured first, nothing is cut. */
    char *long_s = arena_printf(&a, "%20000d|", 7);
    assert_int_equal(strlen(long_s), 20001);
    assert_int_equal(long_s[19999], '7');
    assert_int_equal(long_s[20000], '|');
    char *v = call_vprintf(&a, "%s:%.*s", "x", 3000, long_s);
    assert_int_equal(strlen(v), 3002);
    arena_release(&a);
}

/* ---- hook-backed arenas ------------------------------------------------------ */

/* A pool that hands out 16-aligned pieces of a static buffer (as h2o's pool does)
 * and records what it was asked for. Static memory: should arena_release ever free
 * it, AddressSanitizer stops the test ("free of a non-malloc'd address"). */
struct fake_pool {
    _Alignas(16) unsigned char mem[1 << 21];
    size_t used;
    int calls;
    size_t last_n;
};
static struct fake_pool pool;

static void *pool_alloc(void *ctx, size_t n)
{
    struct fake_pool *p = ctx;
    size_t at = (p->used + 15) & ~(size_t)15;

    assert_true(at + n <= sizeof(p->mem));
    p->used = at + n;
    p->calls++;
    p->last_n = n;
    return p->mem + at;
}

static bool in_pool(const void *q, size_t n)
{
    const unsigned char *c = q;
    return c >= pool.mem && c + n <= pool.mem + pool.used;
}

static void test_arena_hook(void **state)
{
    struct arena a;

    (void)state;
    memset(&pool, 0xaa, sizeof(pool)); /* dirty: zalloc must really clear */
    pool.used = 0;
    pool.calls = 0;
    arena_init_hook(&a, pool_alloc, &pool);

    char *s = arena_alloc(&a, 40);
    assert_true(pool.calls >= 1);
    assert_true(in_pool(s, 40));
    assert_true(aligned(s));
    unsigned char *z = arena_zalloc(&a, 300);
    assert_true(in_pool(z, 300));
    for (int i = 0; i < 300; i++)
        assert_int_equal(z[i], 0);
    char *d = arena_strdup(&a, "Công an tỉnh");
    assert_true(in_pool(d, strlen(d) + 1));
    assert_string_equal(d, "Công an tỉnh");
    char *f = arena_printf(&a, "%d/%s", 5, "Ba Tri");
    assert_true(in_pool(f, strlen(f) + 1));

    /* A large allocation comes from the hook as well, of at least the size asked. */
    int calls = pool.calls;
    char *big = arena_alloc(&a, 100000);
    assert_int_equal(pool.calls, calls + 1);
    assert_true(pool.last_n >= 100000);
    assert_true(in_pool(big, 100000));
    assert_true(aligned(big));
    memset(big, 1, 100000);

    /* Many small ones: all inside the pool, none from malloc. */
    for (int i = 0; i < 2000; i++) {
        char *p = arena_alloc(&a, (size_t)(i % 50) + 1);
        assert_true(in_pool(p, (size_t)(i % 50) + 1));
        assert_true(aligned(p));
    }
    assert_null(a.head);                    /* nothing of the arena's own to free */
    arena_release(&a);                      /* must not free() pool memory (ASan would abort) */
    assert_string_equal(d, "Công an tỉnh"); /* the pool's memory is untouched */
}

/* A request no allocator can satisfy must abort, never come back as a small block
 * (the size rounding or the block header would wrap around SIZE_MAX). Runs in a
 * child process; returns true when the child died instead of returning. */
static bool dies(size_t n)
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct arena a;
        arena_init(&a);
        /* Silence the expected out-of-memory report. */
        if (freopen("/dev/null", "w", stderr) == NULL)
            _exit(3);
        char *p = arena_alloc(&a, n);
        p[0] = 'x';
        _exit(0); /* returned: a bug */
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_arena_huge_aborts(void **state)
{
    (void)state;
    assert_true(dies(SIZE_MAX));
    assert_true(dies(SIZE_MAX - 7));
    assert_true(dies(SIZE_MAX - 20));
    assert_true(dies(SIZE_MAX / 2 + 1));
}

/* The tests are built with AddressSanitizer: the bytes just past an allocation
 * are poisoned even when the block has room after it, and an allocation from a
 * hook (memory its owner reuses) is never poisoned. */
static void *bump_alloc(void *ctx, size_t n)
{
    struct {
        char *base;
        size_t *used;
    } *b = ctx;
    char *p = b->base + *b->used;
    *b->used += (n + 15) & ~(size_t)15;
    return p;
}

static void test_arena_poisons_neighbours(void **state)
{
    struct arena a;
    (void)state;
    arena_init(&a);
    char *p = arena_alloc(&a, 10);
    char *q = arena_alloc(&a, 10);
    assert_false(__asan_address_is_poisoned(p + 9));
    assert_true(__asan_address_is_poisoned(p + 10)); /* inside the 16-byte slot */
    assert_true(__asan_address_is_poisoned(q + 10));
    assert_true(__asan_region_is_poisoned(q + 16, 64) != NULL); /* the block's unused rest */
    arena_release(&a);

    static char backing[4096] __attribute__((aligned(16)));
    size_t used = 0;
    struct bump {
        char *base;
        size_t *used;
    } bump = {backing, &used};
    arena_init_hook(&a, bump_alloc, &bump);
    p = arena_alloc(&a, 10);
    assert_false(__asan_address_is_poisoned(p + 10));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arena_alignment),   cmocka_unit_test(test_arena_large),
        cmocka_unit_test(test_arena_zalloc),      cmocka_unit_test(test_arena_strings),
        cmocka_unit_test(test_arena_printf),      cmocka_unit_test(test_arena_hook),
        cmocka_unit_test(test_arena_huge_aborts), cmocka_unit_test(test_arena_poisons_neighbours),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
