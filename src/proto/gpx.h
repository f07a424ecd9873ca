/* gpx.h - GPX 1.1 (and 1.0) track points for `phoihop positions import`: a pure
 * parser of a file's bytes, with libxml2 told never to load anything from the
 * network nor to substitute entities, and a document type refused outright. */
#ifndef PH_PROTO_GPX_H
#define PH_PROTO_GPX_H
#include <stddef.h>
#include <stdint.h>
#include "util/err.h"
struct arena;

#define GPX_MAX_BYTES ((size_t)64 << 20) /* a file */
#define GPX_MAX_POINTS 2000000           /* track points in a file */

/* One <trkpt>: time UTC ms (0 when absent), WGS84 degrees, elevation in metres
 * (NaN when absent). error names what is wrong with this point ("lat", "lon",
 * "time", "ele"; static), or NULL: a bad point is reported, not dropped. */
struct gpx_point {
    int64_t at;
    double lat, lon, ele;
    const char *error;
};

struct gpx_result {
    struct gpx_point *points; /* document order; lives in the arena */
    size_t n;
    const char *name;         /* the first <trk><name>, NFC, or NULL */
};

/* Parse data[0..len). PH_ETOOBIG over GPX_MAX_BYTES or GPX_MAX_POINTS; PH_EPARSE
 * when it is not well-formed XML, has a document type, or its root is not <gpx>
 * (*why, static, says which). Strings and arrays live in a. */
ph_err gpx_parse(const char *data, size_t len, struct arena *a, struct gpx_result *out,
                 const char **why) __attribute__((warn_unused_result));
#endif
