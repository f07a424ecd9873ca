/* time.h - times are int64 milliseconds since the Unix epoch, UTC, everywhere inside
 * phoihop; the API speaks RFC 3339 UTC; people see Asia/Ho_Chi_Minh (UTC+7, no DST). */
#ifndef PH_UTIL_TIME_H
#define PH_UTIL_TIME_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "util/err.h"

#define TIME_VN_OFFSET_S (7 * 3600)
#define TIME_RFC3339_BYTES 32

/* Wall clock, ms since the epoch. */
int64_t time_now_ms(void);
/* Monotonic clock in ns, for durations. */
uint64_t time_mono_ns(void);
/* "2026-11-28T23:34:05.123Z" (milliseconds shown only when non-zero) into out. */
void time_format_utc(int64_t ms, char out[TIME_RFC3339_BYTES]);
/* "29/11/2026 06:34" in Asia/Ho_Chi_Minh, for documents and CLI output. */
void time_format_vn(int64_t ms, char out[TIME_RFC3339_BYTES]);
/* Parse RFC 3339 with Z or an offset ("2026-11-28T23:34:05Z", "...+07:00"). */
ph_err time_parse_rfc3339(const char *s, int64_t *ms) __attribute__((warn_unused_result));
/* True when s is a real calendar date "YYYY-MM-DD". */
bool time_is_date(const char *s);
/* Today's date in Asia/Ho_Chi_Minh as "YYYY-MM-DD". */
void time_today_vn(char out[11]);
#endif
