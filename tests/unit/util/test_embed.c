/* test_embed.c - the files tools/embed.c compiles in: every schema migration, byte
 * for byte, NUL-terminated, in a sorted table that embed_find() searches. */
#include "util/base.h"
#include <glob.h>
#include "testutil.h"
#include "util/embed.h"

#define FOUNDATION "src/store/schema/sqlite/001_foundation.sql"

static void test_embed_foundation(void **state)
{
    (void)state;
    const struct embedded_file *f = embed_find(FOUNDATION);
    assert_non_null(f);
    assert_string_equal(f->name, FOUNDATION);
    assert_non_null(f->data);
    assert_true(f->len > 100);
    assert_int_equal(f->data[f->len], '\0');                 /* usable as a C string */
    assert_int_equal(strlen((const char *)f->data), f->len); /* ... with no NUL inside */
    assert_non_null(strstr((const char *)f->data, "CREATE TABLE"));
}

static void test_embed_table(void **state)
{
    size_t n = 0;

    (void)state;
    for (const struct embedded_file *f = embedded_files; f->name != NULL; f++, n++) {
        assert_non_null(f->data);
        assert_int_equal(f->data[f->len], '\0');
        if (n > 0 && strcmp(f[-1].name, f->name) >= 0)
            fail_msg("embedded_files not strictly sorted: \"%s\" before \"%s\"", f[-1].name,
                     f->name);
        assert_ptr_equal(embed_find(f->name), f);
    }
    assert_true(n >= 1);
    assert_null(embedded_files[n].data);
    assert_int_equal(embedded_files[n].len, 0);
}

static void test_embed_unknown(void **state)
{
    static const char *const names[] = {
        "",
        "nope.sql",
        "001_foundation.sql",                     /* names are full paths */
        "src/store/schema/sqlite/001_foundation", /* a prefix is not a match */
        FOUNDATION "x",
        "SRC/store/schema/sqlite/001_foundation.sql", /* exact case */
        "/" FOUNDATION,
    };

    (void)state;
    for (size_t i = 0; i < PH_NELEM(names); i++)
        assert_null(embed_find(names[i]));
}

/* Every migration in the source tree is embedded with its exact bytes (the tests run
 * from the repository root; elsewhere this part is skipped). */
static void test_embed_matches_sources(void **state)
{
    glob_t g;

    (void)state;
    if (glob("src/store/schema/*/*.sql", 0, NULL, &g) != 0)
        skip();
    for (size_t i = 0; i < g.gl_pathc; i++) {
        const char *path = g.gl_pathv[i];
        const struct embedded_file *f = embed_find(path);
        if (f == NULL)
            fail_msg("%s is not embedded", path);
        FILE *in = fopen(path, "rb");
        assert_non_null(in);
        size_t len = 0;
        int c;
        while ((c = fgetc(in)) != EOF) {
            if (len >= f->len || f->data[len] != (unsigned char)c)
                fail_msg("%s differs from its embedded copy at byte %zu", path, len);
            len++;
        }
        fclose(in);
        assert_int_equal(len, f->len);
    }
    globfree(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_embed_foundation),
        cmocka_unit_test(test_embed_table),
        cmocka_unit_test(test_embed_unknown),
        cmocka_unit_test(test_embed_matches_sources),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
