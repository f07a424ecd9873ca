/* test_pjson_incident.c - pjson_incident_write prints exactly what jansson prints
 * for pjson_incident (json_dumps, JSON_COMPACT): incidents made up at random, with
 * strings of every kind (plain, Vietnamese, quotes, backslashes, control
 * characters, four-byte code points, and invalid UTF-8 of each kind jansson
 * refuses, which leaves the member out), reals of every size (and non-finite ones,
 * also left out), extreme integers, times and nulls; with and without recipients;
 * and the buffer's cap. */
#include "util/base.h"
#include <math.h>
#include "testutil.h"
#include "core/incident.h"
#include "proto/pjson.h"
#include "util/buf.h"

static uint64_t rng = 0x2545F4914F6CDD1DULL;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static int pick(int n)
{
    return (int)(next() % (uint64_t)n);
}

/* Pieces strings are made of: each kind of byte sequence jansson treats apart. */
static const char *const pieces[] = {
    "a",
    "Z",
    "7",
    " ",
    "/",
    "'",
    "\"",
    "\\",
    "\b",
    "\f",
    "\n",
    "\r",
    "\t",
    "\x01",
    "\x1f",
    "\x7f",
    "é",
    "Đặng Thạch",
    "Biên phòng",
    "\xe2\x80\xa8",     /* U+2028: not escaped */
    "\xf0\x9f\x9a\x93", /* U+1F693, four bytes */
    "\xef\xbf\xbf",     /* U+FFFF */
    "\xf4\x8f\xbf\xbf", /* U+10FFFF */
    /* Invalid: */
    "\x80",
    "\xbf",
    "\xc0\x80",
    "\xc1\xbf",
    "\xc3",
    "\xe0\x80\x80",
    "\xe0\x9f\xbf",
    "\xed\xa0\x80",
    "\xed\xbf\xbf",
    "\xf0\x80\x80\x80",
    "\xf0\x8f\xbf\xbf",
    "\xf4\x90\x80\x80",
    "\xf5\x80\x80\x80",
    "\xff",
    "\xe2\x82",
    "\xf0\x9f\x9a",
};
#define N_VALID_PIECES 23

/* A string in a (NULL one time in eight); valid UTF-8 most of the time. */
static const char *rand_str(struct arena *a)
{
    char buf[256];
    size_t len = 0;
    int n = pick(12);
    bool valid_only = pick(4) != 0;

    if (pick(8) == 0)
        return NULL;
    for (int i = 0; i < n; i++) {
        const char *p = pieces[pick(valid_only ? N_VALID_PIECES : (int)PH_NELEM(pieces))];
        size_t k = strlen(p);
        if (len + k >= sizeof(buf))
            break;
        memcpy(buf + len, p, k);
        len += k;
    }
    buf[len] = '\0';
    return arena_strdup(a, buf);
}

static int64_t rand_i64(void)
{
    static const int64_t special[] = {0, 1, -1, INT64_MAX, INT64_MIN, 9, 10, 99, 100, -100};
    switch (pick(4)) {
    case 0:
        return special[pick((int)PH_NELEM(special))];
    case 1:
        return (int64_t)(next() % 100000);
    case 2:
        return (int64_t)next();
    default:
        return 0;
    }
}

/* Times from 1900 to 2100, or 0 (null), now and then on a whole second. */
static int64_t rand_time(void)
{
    if (pick(3) == 0)
        return 0;
    int64_t t = -2208988800000LL + (int64_t)(next() % 6311390400000ULL);
    return pick(2) ? t : t - t % 1000;
}

static double rand_real(void)
{
    static const double special[] = {0.0,
                                     -0.0,
                                     1.0,
                                     -1.0,
                                     10.0,
                                     106.05,
                                     9.9,
                                     1e22,
                                     1e-7,
                                     5e-324,
                                     1.7976931348623157e308,
                                     0.1,
                                     1.0 / 3.0,
                                     123456789012345678.0,
                                     1e16,
                                     1e17};
    uint64_t bits;
    double d;
    switch (pick(5)) {
    case 0:
        return special[pick((int)PH_NELEM(special))];
    case 1:
        return (double)(int64_t)(next() % 2000000) / 10000.0 - 100.0; /* lat/lon-like */
    case 2:
        bits = next();
        memcpy(&d, &bits, sizeof(d)); /* anything, NaN and infinities included */
        return d;
    case 3:
        return pick(2) ? NAN : -INFINITY;
    default:
        return ((double)next() / 18446744073709551616.0) * 360.0 - 180.0;
    }
}

static struct incident rand_incident(struct arena *a)
{
    struct incident inc = {
        .id = rand_i64(),
        .ref = rand_str(a),
        .category_id = rand_i64(),
        .category_code = rand_str(a),
        .severity = (int)rand_i64(),
        .title = rand_str(a),
        .description = rand_str(a),
        .occurred_at = rand_time(),
        .detected_at = rand_time(),
        .reported_at = rand_time(),
        .has_location = pick(3) != 0,
        .lat = rand_real(),
        .lon = rand_real(),
        .area_id = rand_i64(),
        .reporting_unit_id = rand_i64(),
        .lead_unit_id = rand_i64(),
        .people_involved = (int)rand_i64(),
        .vehicles_involved = pick(2),
        .vessels_involved = INT32_MAX,
        .casualties_dead = INT32_MIN,
        .casualties_injured = (int)rand_i64(),
        .damage = rand_str(a),
        .classification = pick(6) - 1, /* -1 and 4 have no name: null */
        .status = rand_str(a),
        .cap_status = rand_str(a),
        .merged_into_id = rand_i64(),
        .rule_id = rand_i64(),
        .report_due_at = rand_time(),
        .report_late = pick(2),
        .overdue = pick(2),
        .created_by = rand_i64(),
        .version = rand_i64(),
        .created_at = rand_time(),
        .updated_at = rand_time(),
    };
    inc.n_informed = (size_t)pick(4);
    inc.informed_unit_ids = arena_alloc(a, (inc.n_informed + 1) * sizeof(int64_t));
    for (size_t i = 0; i < inc.n_informed; i++)
        inc.informed_unit_ids[i] = rand_i64();
    inc.n_recipients = (size_t)pick(5);
    inc.recipients = arena_zalloc(a, (inc.n_recipients + 1) * sizeof(*inc.recipients));
    for (size_t i = 0; i < inc.n_recipients; i++) {
        struct incident_recipient *r = &inc.recipients[i];
        r->unit_id = rand_i64();
        r->role = rand_str(a);
        r->unit_code = rand_str(a);
        r->unit_name = rand_str(a);
        r->unit_path = rand_str(a);
        r->force = rand_str(a);
        r->sent_at = rand_time();
        r->ack_due_at = rand_time();
        r->verify_due_at = rand_time();
        r->received_at = rand_time();
        r->verified_at = rand_time();
        r->agreed_at = rand_time();
        r->refused_at = rand_time();
        r->received_by = rand_i64();
        r->verified_by = rand_i64();
        r->agreed_by = rand_i64();
        r->refused_by = rand_i64();
        r->refused_reason = rand_str(a);
        r->ack_overdue_at = rand_time();
        r->verify_overdue_at = rand_time();
        r->escalated_at = rand_time();
    }
    return inc;
}

static void check_same(const struct incident *inc, bool with_recipients, size_t i)
{
    json_t *tree = pjson_incident(inc, with_recipients);
    char *want = json_dumps(tree, PJSON_DUMP_FLAGS);
    struct buf b;

    json_decref(tree);
    assert_non_null(want);
    buf_init(&b, 1u << 20);
    assert_int_equal(pjson_incident_write(inc, with_recipients, &b), PH_OK);
    if (b.len != strlen(want) || memcmp(b.data, want, b.len) != 0)
        fail_msg("incident %zu (recipients %d):\njansson %s\nwriter  %s", i, with_recipients, want,
                 b.data);
    buf_release(&b);
    free(want);
}

static void test_pjson_incident_write_matches_jansson(void **state)
{
    struct arena a;

    (void)state;
    arena_init(&a);
    for (size_t i = 0; i < 20000; i++) {
        struct incident inc = rand_incident(&a);
        check_same(&inc, true, i);
        check_same(&inc, false, i);
        if (i % 256 == 255) {
            arena_release(&a);
            arena_init(&a);
        }
    }
    arena_release(&a);
}

static void test_pjson_incident_write_plain(void **state)
{
    int64_t informed[] = {7, 9};
    struct incident_recipient r = {.unit_id = 7,
                                   .role = "informed",
                                   .unit_code = "QS-H",
                                   .unit_name = "Ban CHQS huyện",
                                   .force = "military",
                                   .sent_at = 1764000000000,
                                   .ack_due_at = 1764001800000};
    struct incident inc = {.id = 42,
                           .ref = "BT-2026-000042",
                           .category_code = "crime",
                           .category_id = 3,
                           .severity = 3,
                           .title = "Trộm \"xe\"\n",
                           .occurred_at = 1764000000123,
                           .has_location = true,
                           .lat = 10.25,
                           .lon = 106.5,
                           .lead_unit_id = 5,
                           .informed_unit_ids = informed,
                           .n_informed = 2,
                           .classification = CLEARANCE_CONFIDENTIAL,
                           .status = "new",
                           .cap_status = "actual",
                           .version = 1,
                           .recipients = &r,
                           .n_recipients = 1};
    struct buf b;

    (void)state;
    buf_init(&b, 1u << 16);
    assert_int_equal(pjson_incident_write(&inc, true, &b), PH_OK);
    assert_non_null(
        strstr(b.data, "{\"id\":42,\"ref\":\"BT-2026-000042\",\"category\":\"crime\","));
    assert_non_null(strstr(b.data, "\"title\":\"Trộm \\\"xe\\\"\\n\""));
    assert_non_null(strstr(b.data, "\"occurred_at\":\"2025-11-24T16:00:00.123Z\""));
    assert_non_null(strstr(b.data, "\"location\":{\"lat\":10.25,\"lon\":106.5}"));
    assert_non_null(strstr(b.data, "\"informed_unit_ids\":[7,9]"));
    assert_non_null(strstr(b.data, "\"classification\":\"confidential\""));
    assert_non_null(strstr(b.data, "\"recipients\":[{\"unit_id\":7,\"role\":\"informed\""));
    check_same(&inc, true, 0);
    /* Appended: what the buffer held stays. */
    buf_reset(&b);
    assert_int_equal(buf_puts(&b, "x"), PH_OK);
    assert_int_equal(pjson_incident_write(&inc, false, &b), PH_OK);
    assert_int_equal(b.data[0], 'x');
    assert_int_equal(b.data[1], '{');
    buf_release(&b);

    /* Past the cap: PH_ETOOBIG. */
    buf_init(&b, 64);
    assert_int_equal(pjson_incident_write(&inc, true, &b), PH_ETOOBIG);
    buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pjson_incident_write_matches_jansson),
        cmocka_unit_test(test_pjson_incident_write_plain),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
