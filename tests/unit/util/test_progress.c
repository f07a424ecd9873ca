/* test_progress.c - progress output without a terminal (plain lines: at most one per
 * 10%, never a carriage return) and the bar mode's redraw limit, both written to a
 * temporary file through progress_init_file(). */
#include "util/base.h"
#include <unistd.h>
#include "testutil.h"
#include "util/progress.h"
#include "util/time.h"

/* Everything written to f so far, as a string in a (f is rewound and truncated). */
static char *drain(FILE *f, struct arena *a)
{
    fflush(f);
    long n = ftell(f);
    assert_true(n >= 0);
    char *s = arena_alloc(a, (size_t)n + 1);
    rewind(f);
    assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = '\0';
    rewind(f);
    assert_int_equal(ftruncate(fileno(f), 0), 0);
    return s;
}

/* Each case writes to a temporary file and reads it back into an arena. */
struct fx {
    struct arena a;
    FILE *f;
};

static int setup(void **state)
{
    struct fx *x = calloc(1, sizeof(*x));
    if (x == NULL)
        return -1;
    x->f = tmpfile();
    if (x->f == NULL) {
        free(x);
        return -1;
    }
    arena_init(&x->a);
    *state = x;
    return 0;
}

static int teardown(void **state)
{
    struct fx *x = *state;
    fclose(x->f);
    arena_release(&x->a);
    free(x);
    return 0;
}

static size_t count(const char *s, char c)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == c;
    return n;
}

static void test_progress_plain_lines(void **state)
{
    struct fx *x = *state;
    struct arena *a = &x->a;
    FILE *f = x->f;
    struct progress p;

    progress_init_file(&p, f, false);
    progress_begin(&p, "Tạo sự kiện", 1000);
    for (int64_t i = 1; i <= 1000; i++)
        progress_update(&p, i);
    progress_end(&p);
    const char *out = drain(f, a);
    assert_null(strchr(out, '\r'));
    assert_string_equal(out, "Tạo sự kiện: 0% (1/1000)\n"
                             "Tạo sự kiện: 10% (100/1000)\n"
                             "Tạo sự kiện: 20% (200/1000)\n"
                             "Tạo sự kiện: 30% (300/1000)\n"
                             "Tạo sự kiện: 40% (400/1000)\n"
                             "Tạo sự kiện: 50% (500/1000)\n"
                             "Tạo sự kiện: 60% (600/1000)\n"
                             "Tạo sự kiện: 70% (700/1000)\n"
                             "Tạo sự kiện: 80% (800/1000)\n"
                             "Tạo sự kiện: 90% (900/1000)\n"
                             "Tạo sự kiện: 100% (1000/1000)\n");
    assert_false(p.is_active);

    /* Big jumps print once per jump, not once per decile crossed. */
    progress_begin(&p, "x", 10);
    progress_update(&p, 3);
    progress_update(&p, 9);
    progress_update(&p, 10);
    progress_end(&p);
    assert_string_equal(drain(f, a), "x: 30% (3/10)\nx: 90% (9/10)\nx: 100% (10/10)\n");

    /* A task that ends at once prints one line. */
    progress_begin(&p, "y", 5);
    progress_end(&p);
    assert_string_equal(drain(f, a), "y: 0% (0/5)\n");
}

static void test_progress_plain_edges(void **state)
{
    struct fx *x = *state;
    struct arena *a = &x->a;
    FILE *f = x->f;
    struct progress p;

    progress_init_file(&p, f, false);

    /* Nothing before begin or after end. */
    progress_update(&p, 5);
    progress_end(&p);
    assert_string_equal(drain(f, a), "");

    /* Unknown total: only the final count. */
    progress_begin(&p, "Kiểm tra", 0);
    for (int64_t i = 1; i <= 57; i++)
        progress_update(&p, i);
    assert_string_equal(drain(f, a), "");
    progress_end(&p);
    assert_string_equal(drain(f, a), "Kiểm tra: 57\n");
    progress_update(&p, 99);
    progress_end(&p);
    assert_string_equal(drain(f, a), "");

    /* done never goes back. */
    progress_begin(&p, "z", 100);
    progress_update(&p, 50);
    progress_update(&p, 10);
    progress_end(&p);
    assert_string_equal(drain(f, a), "z: 50% (50/100)\nz: 50% (50/100)\n");

    /* The callback adapter: a new total replaces the old; NULL ctx is ignored. */
    progress_begin(&p, "cb", 0);
    progress_callback(&p, 1, 4);
    progress_callback(&p, 2, 0); /* 0: total unchanged */
    progress_callback(&p, 4, 4);
    progress_callback(NULL, 1, 1);
    progress_end(&p);
    assert_string_equal(drain(f, a), "cb: 25% (1/4)\ncb: 50% (2/4)\ncb: 100% (4/4)\n");
}

static void test_progress_bar(void **state)
{
    struct fx *x = *state;
    struct arena *a = &x->a;
    FILE *f = x->f;
    struct progress p;

    progress_init_file(&p, f, true);
    uint64_t t0 = time_mono_ns();
    progress_begin(&p, "Demo", 100000);
    for (int64_t i = 1; i <= 100000; i++)
        progress_update(&p, i);
    progress_end(&p);
    uint64_t elapsed_ms = (time_mono_ns() - t0) / 1000000u;
    const char *out = drain(f, a);
    /* Redrawn in place, ended with one newline, and at most ~10 times a second
     * (begin and end draw regardless). */
    size_t draws = count(out, '\r');
    assert_true(draws >= 2);
    assert_true(draws <= 2 + elapsed_ms / 100 + 1);
    assert_int_equal(count(out, '\n'), 1);
    assert_int_equal(out[strlen(out) - 1], '\n');
    assert_non_null(strstr(out, "100% Demo"));
    assert_non_null(strstr(out, "[##############################]"));
}

/* progress_init() draws on stderr, in plain lines when stderr is not a terminal. */
static void test_progress_stderr(void **state)
{
    struct fx *x = *state;
    struct arena *a = &x->a;
    FILE *f = x->f;
    struct progress p;

    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    assert_true(saved >= 0);
    assert_true(dup2(fileno(f), STDERR_FILENO) >= 0);
    progress_init(&p);
    progress_begin(&p, "s", 2);
    progress_update(&p, 1);
    progress_update(&p, 2);
    progress_end(&p);
    fflush(stderr);
    assert_true(dup2(saved, STDERR_FILENO) >= 0);
    close(saved);
    assert_ptr_equal(p.out, stderr);
    assert_false(p.is_tty);
    fseek(f, 0, SEEK_END); /* the writes went through the shared descriptor */
    assert_string_equal(drain(f, a), "s: 50% (1/2)\ns: 100% (2/2)\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_progress_plain_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_progress_plain_edges, setup, teardown),
        cmocka_unit_test_setup_teardown(test_progress_bar, setup, teardown),
        cmocka_unit_test_setup_teardown(test_progress_stderr, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
