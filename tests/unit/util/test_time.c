/* test_time.c - RFC 3339 parsing and printing, Vietnam local time (UTC+7), calendar
 * dates. Expected instants were computed independently (GNU date -u -d ... +%s). */
#include "util/base.h"
#include <time.h>
#include "testutil.h"
#include "util/time.h"

#define T_2026_11_28_233405 1795908845000LL /* 2026-11-28T23:34:05Z */
#define T_2016_12_31_235959 1483228799000LL /* the day of the last leap second */
#define T_2024_02_29 1709164800000LL
#define T_2000_02_29_12 951825600000LL
#define T_1900_01_01 (-2208988800000LL)
#define T_9999_12_31_235959 253402300799000LL

static void test_time_parse_valid(void **state)
{
    static const struct {
        const char *s;
        int64_t want;
    } cases[] = {
        {"1970-01-01T00:00:00Z", 0},
        {"2026-11-28T23:34:05Z", T_2026_11_28_233405},
        {"2026-11-28t23:34:05z", T_2026_11_28_233405}, /* RFC 3339 5.6: case-insensitive */
        {"2026-11-28 23:34:05Z", T_2026_11_28_233405}, /* 5.6 NOTE: space for T */
        {"2026-11-29T06:34:05+07:00", T_2026_11_28_233405},
        {"2026-11-28T22:34:05-01:00", T_2026_11_28_233405},
        {"2026-11-28T23:34:05+00:00", T_2026_11_28_233405},
        {"2026-11-28T23:34:05-00:00", T_2026_11_28_233405},
        {"2026-11-29T05:04:05+05:30", T_2026_11_28_233405},
        {"2026-11-28T23:04:05-00:30", T_2026_11_28_233405},
        {"2026-11-29T23:33:05+23:59", T_2026_11_28_233405},
        {"2026-11-28T00:00:05-23:34", T_2026_11_28_233405},
        /* Fractions: any count of digits, milliseconds kept, the rest dropped. */
        {"2026-11-28T23:34:05.1Z", T_2026_11_28_233405 + 100},
        {"2026-11-28T23:34:05.12Z", T_2026_11_28_233405 + 120},
        {"2026-11-28T23:34:05.123Z", T_2026_11_28_233405 + 123},
        {"2026-11-28T23:34:05.1234Z", T_2026_11_28_233405 + 123},
        {"2026-11-28T23:34:05.12345Z", T_2026_11_28_233405 + 123},
        {"2026-11-28T23:34:05.123456Z", T_2026_11_28_233405 + 123},
        {"2026-11-28T23:34:05.1234567Z", T_2026_11_28_233405 + 123},
        {"2026-11-28T23:34:05.12345678Z", T_2026_11_28_233405 + 123},
        {"2026-11-28T23:34:05.123456789Z", T_2026_11_28_233405 + 123},
        {"2026-11-28T23:34:05.999999999Z", T_2026_11_28_233405 + 999}, /* truncated */
        {"2026-11-28T23:34:05.007Z", T_2026_11_28_233405 + 7},
        {"2026-11-28T23:34:05.000Z", T_2026_11_28_233405},
        {"2026-11-29T06:34:05.250+07:00", T_2026_11_28_233405 + 250},
        /* A leap second is accepted and counted as :59 (Unix time has no :60). */
        {"2016-12-31T23:59:60Z", T_2016_12_31_235959},
        {"2016-12-31T23:59:60.500Z", T_2016_12_31_235959 + 500},
        {"2024-02-29T00:00:00Z", T_2024_02_29},
        {"2000-02-29T12:00:00Z", T_2000_02_29_12},
        {"1900-01-01T00:00:00Z", T_1900_01_01},
        {"1969-12-31T23:59:59.999Z", -1},
        {"9999-12-31T23:59:59Z", T_9999_12_31_235959},
        {"2026-12-31T23:59:59Z", 1798761599000LL},
        {"2027-01-01T00:00:00Z", 1798761600000LL},
    };

    (void)state;
    for (size_t i = 0; i < PH_NELEM(cases); i++) {
        int64_t ms = 42;
        ph_err rc = time_parse_rfc3339(cases[i].s, &ms);
        if (rc != PH_OK || ms != cases[i].want)
            fail_msg("%s: rc %d, ms %lld, want %lld", cases[i].s, rc, (long long)ms,
                     (long long)cases[i].want);
    }
}

static void test_time_parse_invalid(void **state)
{
    static const char *const cases[] = {
        "",
        "2026-11-28",             /* a date is not a time */
        "2026-11-28T23:34:05",    /* no zone */
        "2026-11-28T23:34Z",      /* no seconds */
        "2026-11-28T23:34:05.Z",  /* a dot with no digits */
        "2026-11-28T23:34:05,5Z", /* comma fractions are ISO 8601, not RFC 3339 */
        "2026-02-29T00:00:00Z",   /* not a leap year */
        "1900-02-29T00:00:00Z",   /* century, not a leap year */
        "2026-04-31T00:00:00Z",
        "2026-13-01T00:00:00Z",
        "2026-00-10T00:00:00Z",
        "2026-11-00T00:00:00Z",
        "2026-11-32T00:00:00Z",
        "2026-11-28T24:00:00Z",
        "2026-11-28T23:60:00Z",
        "2026-11-28T23:59:61Z",
        "2026-1-28T23:34:05Z",
        "26-11-28T23:34:05Z",
        "+2026-11-28T23:34:05Z",
        "2026/11/28T23:34:05Z",
        "2026-11-28X23:34:05Z",
        "2026-11-28T23.34.05Z",
        "2026-11-28T2a:34:05Z",
        "2026-11-28T23:34:05Zx", /* trailing junk */
        "2026-11-28T23:34:05Z ",
        "2026-11-28T23:34:05+07:00 ",
        "2026-11-28T23:34:05+07:001",
        "2026-11-28T23:34:05.123Zjunk",
        "2026-11-28T23:34:05+0700", /* offsets need the colon */
        "2026-11-28T23:34:05+07",
        "2026-11-28T23:34:05+7:00",
        "2026-11-28T23:34:05+24:00",
        "2026-11-28T23:34:05+07:60",
        "2026-11-28T23:34:05 +07:00",
        "2026-11-28T23:34:05UTC",
        "2026-11-28T23:34:05.1.2Z",
        " 2026-11-28T23:34:05Z",
    };

    (void)state;
    for (size_t i = 0; i < PH_NELEM(cases); i++) {
        int64_t ms = 42;
        ph_err rc = time_parse_rfc3339(cases[i], &ms);
        if (rc == PH_OK)
            fail_msg("\"%s\" was accepted as %lld", cases[i], (long long)ms);
        assert_int_equal(ms, 42); /* no output on failure */
    }
}

static void test_time_format_utc(void **state)
{
    static const struct {
        int64_t ms;
        const char *want;
    } cases[] = {
        {0, "1970-01-01T00:00:00Z"},
        {1, "1970-01-01T00:00:00.001Z"},
        {T_2026_11_28_233405, "2026-11-28T23:34:05Z"}, /* no ".000" */
        {T_2026_11_28_233405 + 120, "2026-11-28T23:34:05.120Z"},
        {T_2026_11_28_233405 + 7, "2026-11-28T23:34:05.007Z"},
        {-1, "1969-12-31T23:59:59.999Z"}, /* floor, not truncation toward zero */
        {-1000, "1969-12-31T23:59:59Z"},
        {-1001, "1969-12-31T23:59:58.999Z"},
        {T_1900_01_01, "1900-01-01T00:00:00Z"},
        {T_2024_02_29, "2024-02-29T00:00:00Z"},
        {T_9999_12_31_235959 + 999, "9999-12-31T23:59:59.999Z"},
    };

    (void)state;
    for (size_t i = 0; i < PH_NELEM(cases); i++) {
        char out[TIME_RFC3339_BYTES];
        time_format_utc(cases[i].ms, out);
        assert_string_equal(out, cases[i].want);
    }
}

/* What time_format_utc printed before it did its own arithmetic: gmtime_r and
 * snprintf. The fast one must print the same bytes for any time. */
static void reference_format(int64_t ms, char out[TIME_RFC3339_BYTES])
{
    int64_t s = ms / 1000 - (ms % 1000 < 0);
    unsigned frac = (unsigned)(ms - s * 1000);
    time_t t = (time_t)s;
    struct tm tm;
    assert_non_null(gmtime_r(&t, &tm));
    unsigned y = (unsigned)(tm.tm_year + 1900) % 10000u, mo = (unsigned)(tm.tm_mon + 1) % 100u,
             d = (unsigned)tm.tm_mday % 100u, h = (unsigned)tm.tm_hour % 100u,
             mi = (unsigned)tm.tm_min % 100u, se = (unsigned)tm.tm_sec % 100u;
    if (frac)
        snprintf(out, TIME_RFC3339_BYTES, "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ", y, mo, d, h, mi,
                 se, frac);
    else
        snprintf(out, TIME_RFC3339_BYTES, "%04u-%02u-%02uT%02u:%02u:%02uZ", y, mo, d, h, mi, se);
}

static void check_against_reference(int64_t ms)
{
    char got[TIME_RFC3339_BYTES], want[TIME_RFC3339_BYTES];
    time_format_utc(ms, got);
    reference_format(ms, want);
    if (strcmp(got, want) != 0)
        fail_msg("%lld: got %s, want %s", (long long)ms, got, want);
}

static void test_time_format_utc_matches_gmtime(void **state)
{
    /* Every day boundary, month end and leap day from 1600 to 2500 (around each
     * midnight: the millisecond before, at and after), then pseudo-random instants
     * over years 0..9999 and beyond (the year is printed modulo 10000). */
    static const int64_t day = 86400000LL;
    uint64_t x = 0x9E3779B97F4A7C15u;

    (void)state;
    for (int64_t d = -135140; d <= 193530; d++) { /* 1600-01-01 .. 2499-11-xx */
        check_against_reference(d * day - 1);
        check_against_reference(d * day);
        check_against_reference(d * day + 1);
    }
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        /* years -2000 .. 12000 */
        int64_t lo = -125000000000000LL, span = 440000000000000LL;
        check_against_reference(lo + (int64_t)(x % (uint64_t)span));
    }
    check_against_reference(T_9999_12_31_235959 + 1000); /* year 10000 prints 0000 */
}

static void test_time_round_trip(void **state)
{
    static const int64_t cases[] = {
        0,
        1,
        999,
        1000,
        1001,
        -1,
        -999,
        -1000,
        -86400000,
        T_1900_01_01,
        T_2024_02_29 - 1,
        T_2024_02_29,
        T_2026_11_28_233405 + 123,
        T_9999_12_31_235959 + 999,
        1764000000000,
    };

    (void)state;
    for (size_t i = 0; i < PH_NELEM(cases); i++) {
        char out[TIME_RFC3339_BYTES];
        int64_t back = 42;
        time_format_utc(cases[i], out);
        assert_int_equal(time_parse_rfc3339(out, &back), PH_OK);
        if (back != cases[i])
            fail_msg("%lld -> %s -> %lld", (long long)cases[i], out, (long long)back);
    }
    /* Every millisecond of a second, and a day's worth of odd steps. */
    for (int64_t ms = T_2026_11_28_233405; ms < T_2026_11_28_233405 + 1000; ms++) {
        char out[TIME_RFC3339_BYTES];
        int64_t back = 0;
        time_format_utc(ms, out);
        assert_int_equal(time_parse_rfc3339(out, &back), PH_OK);
        assert_int_equal(back, ms);
    }
    for (int64_t ms = -86400000LL * 800; ms < 86400000LL * 800; ms += 86400000LL / 7 + 13) {
        char out[TIME_RFC3339_BYTES];
        int64_t back = 0;
        time_format_utc(ms, out);
        assert_int_equal(time_parse_rfc3339(out, &back), PH_OK);
        assert_int_equal(back, ms);
    }
}

static void test_time_format_vn(void **state)
{
    static const struct {
        int64_t ms;
        const char *want;
    } cases[] = {
        {T_2026_11_28_233405, "29/11/2026 06:34"},                  /* next day in Viet Nam */
        {T_2026_11_28_233405 - 23 * 3600000LL, "28/11/2026 07:34"}, /* 00:34 UTC: same day */
        {1798736400000LL, "01/01/2027 00:00"}, /* 2026-12-31T17:00Z: new year */
        {1798736400000LL - 1, "31/12/2026 23:59"},
        {T_2024_02_29 - 7 * 3600000LL, "29/02/2024 00:00"},
        {0, "01/01/1970 07:00"},
        {-7 * 3600000LL - 1, "31/12/1969 23:59"},
        {T_2026_11_28_233405 + 59999, "29/11/2026 06:35"}, /* 06:35:04.999: not rounded */
    };

    (void)state;
    for (size_t i = 0; i < PH_NELEM(cases); i++) {
        char out[TIME_RFC3339_BYTES];
        time_format_vn(cases[i].ms, out);
        assert_string_equal(out, cases[i].want);
    }
}

static void test_time_is_date(void **state)
{
    static const struct {
        const char *s;
        bool want;
    } cases[] = {
        {"2026-11-28", true},   {"2024-02-29", true},
        {"2000-02-29", true},   {"2026-12-31", true},
        {"2026-01-01", true},   {"2026-02-29", false},
        {"1900-02-29", false},  {"2026-04-31", false},
        {"2026-13-01", false},  {"2026-00-10", false},
        {"2026-11-00", false},  {"2026-11-32", false},
        {"2026-1-28", false},   {"2026-11-8", false},
        {"20261128", false},    {"2026/11/28", false},
        {"2026-11-28T", false}, {"2026-11-28 ", false},
        {" 2026-11-28", false}, {"", false},
        {"abcd-ef-gh", false},  {"2026-11-28T00:00:00Z", false},
    };

    (void)state;
    for (size_t i = 0; i < PH_NELEM(cases); i++)
        if (time_is_date(cases[i].s) != cases[i].want)
            fail_msg("time_is_date(\"%s\") should be %d", cases[i].s, cases[i].want);
}

static void test_time_today_vn(void **state)
{
    char today[11], vn[TIME_RFC3339_BYTES], want[11];

    (void)state;
    for (int attempt = 0; attempt < 3; attempt++) {
        int64_t before = time_now_ms();
        time_today_vn(today);
        time_format_vn(time_now_ms(), vn); /* "dd/mm/yyyy hh:mm" */
        assert_int_equal(strlen(today), 10);
        assert_true(time_is_date(today));
        assert_true(before > 1735689600000LL); /* the clock is past 2025-01-01 */
        snprintf(want, sizeof(want), "%.4s-%.2s-%.2s", vn + 6, vn + 3, vn);
        if (strcmp(today, want) == 0)
            return;
        /* Only midnight in Viet Nam between the two readings excuses a difference. */
    }
    fail_msg("time_today_vn gave %s, time_format_vn of now %s", today, vn);
}

static void test_time_clocks(void **state)
{
    (void)state;
    uint64_t a = time_mono_ns();
    int64_t w = time_now_ms();
    uint64_t b = time_mono_ns();
    assert_true(b >= a);
    assert_true(w > 1735689600000LL && w < T_9999_12_31_235959);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time_parse_valid), cmocka_unit_test(test_time_parse_invalid),
        cmocka_unit_test(test_time_format_utc),
        cmocka_unit_test(test_time_format_utc_matches_gmtime),
        cmocka_unit_test(test_time_round_trip),
        cmocka_unit_test(test_time_format_vn),   cmocka_unit_test(test_time_is_date),
        cmocka_unit_test(test_time_today_vn),    cmocka_unit_test(test_time_clocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
