/* poscsv.h - position reports as CSV for `phoihop positions import`: a pure
 * parser of a file's bytes (RFC 4180: commas, double quotes, CRLF or LF).
 *
 * The first row names the columns, in any order: uid, time, lat, lon are
 * required; speed, course, alt, battery may follow; an empty optional cell is
 * "not given". time is RFC 3339 or UTC ms. */
#ifndef PH_PROTO_POSCSV_H
#define PH_PROTO_POSCSV_H
#include <stddef.h>
#include "core/position.h"
#include "util/err.h"
struct arena;

#define POSCSV_MAX_BYTES ((size_t)256 << 20) /* a file */
#define POSCSV_MAX_ROWS 5000000
#define POSCSV_MAX_FIELD_BYTES 1024

/* One data row: the report (source POSITION_SOURCE_IMPORT; strings in the
 * arena), its line number (from 1, the header being line 1), and error: NULL,
 * or the column at fault (static): such a row is reported, not dropped. */
struct poscsv_row {
    struct position_report r;
    size_t line;
    const char *error;
};

/* Parse data[0..len) into (*rows)[0..*n) in a. PH_ETOOBIG over the limits;
 * PH_EPARSE when there is no header, a column is unknown, repeated or missing,
 * or a quote is not closed (*why names the column or "header" / "quote"). */
ph_err poscsv_parse(const char *data, size_t len, struct arena *a, struct poscsv_row **rows,
                    size_t *n, const char **why) __attribute__((warn_unused_result));
#endif
