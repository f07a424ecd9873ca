/* test_dsn.c - database URLs shown in logs and messages lose their password. */
#include "util/base.h"
#include "testutil.h"
#include "util/dsn.h"

static void test_dsn_password_hidden(void **state)
{
    char buf[256];
    (void)state;
    assert_string_equal(dsn_redact("postgres://phoihop:s3cr3t@db1.example:5432/phoihop", buf,
                                   sizeof(buf)),
                        "postgres://phoihop:***@db1.example:5432/phoihop");
    /* Several hosts, options after the path: only the password goes. */
    assert_string_equal(dsn_redact("postgresql://u:p%40ss@h1,h2/db?target_session_attrs=read-write",
                                   buf, sizeof(buf)),
                        "postgresql://u:***@h1,h2/db?target_session_attrs=read-write");
}

static void test_dsn_without_password_unchanged(void **state)
{
    char buf[256];
    (void)state;
    const char *plain[] = {"postgres://postgres@127.0.0.1:5432/db", "postgres://db1.example/db",
                           "sqlite:/var/lib/phoihop/phoihop.db", "phoihop.db",
                           "postgres://h:5432/db", /* a port is no password: no '@' */
                           "sqlite:/tmp/a:b@c.db"};
    for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
        assert_string_equal(dsn_redact(plain[i], buf, sizeof(buf)), plain[i]);
    assert_null(dsn_redact(NULL, buf, sizeof(buf)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dsn_password_hidden),
        cmocka_unit_test(test_dsn_without_password_unchanged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
