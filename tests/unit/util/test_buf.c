/* test_buf.c - the capped byte buffer: its cap is hard (PH_ETOOBIG leaves the
 * contents as they were), it stays NUL-terminated, and reset/release reuse it. */
#include "util/base.h"
#include "testutil.h"
#include "util/buf.h"

static void test_buf_append(void **state)
{
    struct buf b;

    (void)state;
    buf_init(&b, 1000);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.max, 1000);
    assert_int_equal(buf_puts(&b, "Bến "), PH_OK);
    assert_int_equal(buf_append(&b, "Tre!!", 3), PH_OK); /* only n bytes */
    assert_int_equal(buf_printf(&b, ", %d/%s", 83, "829"), PH_OK);
    assert_string_equal(b.data, "Bến Tre, 83/829");
    assert_int_equal(b.len, strlen("Bến Tre, 83/829"));
    assert_int_equal(buf_append(&b, "", 0), PH_OK);
    assert_int_equal(buf_printf(&b, "%s", ""), PH_OK);
    assert_int_equal(b.len, strlen("Bến Tre, 83/829"));
    /* Bytes are bytes: an embedded NUL counts, and a NUL still ends the data. */
    assert_int_equal(buf_append(&b, "x\0y", 3), PH_OK);
    assert_int_equal(b.len, strlen("Bến Tre, 83/829") + 3);
    assert_memory_equal(b.data + b.len - 3, "x\0y", 3);
    assert_int_equal(b.data[b.len], '\0');
    buf_release(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
}

static void test_buf_grow(void **state)
{
    struct buf b;
    char piece[37];

    (void)state;
    buf_init(&b, 1 << 20);
    for (size_t i = 0; i < sizeof(piece); i++)
        piece[i] = (char)('a' + i % 26);
    /* Many appends across every growth step: each byte where it belongs. */
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(buf_append(&b, piece, sizeof(piece)), PH_OK);
        assert_int_equal(b.data[b.len], '\0');
        assert_true(b.cap > b.len);
    }
    assert_int_equal(b.len, 1000 * sizeof(piece));
    for (size_t i = 0; i < b.len; i++)
        assert_int_equal(b.data[i], piece[i % sizeof(piece)]);
    assert_int_equal(buf_printf(&b, "%5000d", 1), PH_OK); /* one printf bigger than cap */
    assert_int_equal(b.len, 1000 * sizeof(piece) + 5000);
    assert_int_equal(b.data[b.len - 1], '1');
    buf_release(&b);
}

static void test_buf_cap(void **state)
{
    struct buf b;

    (void)state;
    buf_init(&b, 8);
    assert_int_equal(buf_puts(&b, "12345"), PH_OK);
    assert_int_equal(buf_puts(&b, "6789"), PH_ETOOBIG); /* 9 > 8 */
    assert_int_equal(b.len, 5);
    assert_string_equal(b.data, "12345");
    assert_int_equal(buf_printf(&b, "%d", 6789), PH_ETOOBIG);
    assert_int_equal(b.len, 5);
    assert_string_equal(b.data, "12345");
    /* An absurd size fails cleanly (no wrap-around in len + n); p is not read. */
    assert_int_equal(buf_append(&b, "", SIZE_MAX), PH_ETOOBIG);
    assert_int_equal(buf_append(&b, "", SIZE_MAX - 4), PH_ETOOBIG);
    assert_string_equal(b.data, "12345");
    /* Exactly up to the cap is allowed, not one byte more. */
    assert_int_equal(buf_puts(&b, "678"), PH_OK);
    assert_int_equal(b.len, 8);
    assert_string_equal(b.data, "12345678");
    assert_int_equal(buf_append(&b, "9", 1), PH_ETOOBIG);
    assert_int_equal(buf_printf(&b, "%s", "9"), PH_ETOOBIG);
    assert_int_equal(buf_append(&b, "", 0), PH_OK);
    assert_string_equal(b.data, "12345678");
    buf_release(&b);
    assert_int_equal(b.max, 8); /* release keeps the cap: the buffer is reusable */
    assert_int_equal(buf_puts(&b, "abcdefghi"), PH_ETOOBIG);
    assert_int_equal(buf_puts(&b, "abcdefgh"), PH_OK);
    assert_string_equal(b.data, "abcdefgh");
    buf_release(&b);

    buf_init(&b, 0);
    assert_int_equal(buf_puts(&b, "a"), PH_ETOOBIG);
    assert_int_equal(b.len, 0);
    buf_release(&b);
}

static void test_buf_reset(void **state)
{
    struct buf b;

    (void)state;
    buf_init(&b, 10);
    buf_reset(&b); /* before any data: harmless */
    assert_int_equal(b.len, 0);
    assert_int_equal(buf_puts(&b, "0123456789"), PH_OK);
    buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.data, "");
    /* The cap counts what the buffer holds now, not what it ever held. */
    assert_int_equal(buf_puts(&b, "abcdefghij"), PH_OK);
    assert_string_equal(b.data, "abcdefghij");
    buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf_append),
        cmocka_unit_test(test_buf_grow),
        cmocka_unit_test(test_buf_cap),
        cmocka_unit_test(test_buf_reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
