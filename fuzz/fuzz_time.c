/* fuzz_time.c - RFC 3339 timestamps and calendar dates from API bodies and query
 * strings (util/time.h). Besides crashes it checks that what parses survives a
 * format/parse round trip and that every valid date is the start of a valid time. */
#include "util/base.h"
#include "util/time.h"
#include "fuzz.h"

/* 1900-01-02 and 9999-12-31 UTC in ms: inside these any offset keeps the year in the
 * parser's 1900..9999 range, so the formatted text must parse back. */
#define MIN_SAFE_MS (-2208902400000LL)
#define MAX_SAFE_MS (253402214400000LL)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_cstr(data, size);
    char out[TIME_RFC3339_BYTES];
    int64_t ms = 0, again = 0;

    if (time_parse_rfc3339(s, &ms) == PH_OK) {
        time_format_utc(ms, out);
        if (ms >= MIN_SAFE_MS && ms < MAX_SAFE_MS) {
            FUZZ_CHECK(time_parse_rfc3339(out, &again) == PH_OK);
            FUZZ_CHECK(again == ms);
        }
        time_format_vn(ms, out); /* must not overflow its buffer for any parsed time */
    }
    if (time_is_date(s)) {
        char full[32];
        FUZZ_CHECK(strlen(s) == 10);
        snprintf(full, sizeof(full), "%sT00:00:00Z", s);
        FUZZ_CHECK(time_parse_rfc3339(full, &ms) == PH_OK);
        time_format_utc(ms, out);
        FUZZ_CHECK(memcmp(out, s, 10) == 0);
    }
    free(s);
    return 0;
}
