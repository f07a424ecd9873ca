/* dvhcvn.h - parsers of the three files of Vietnam's official administrative units
 * that core/area_import.h imports (../shared/geo/README.md): the Statistics
 * Office's three-level list, one province's boundaries from the government's map,
 * and the July 2025 reorganisation with, for each new unit, the old units merged
 * into it. Pure codecs (no I/O, no store): JSON text in, plain structs out, every
 * field checked, and a refusal that names the unit and the member at fault. */
#ifndef PH_PROTO_DVHCVN_H
#define PH_PROTO_DVHCVN_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "util/err.h"
struct arena;

/* Files larger than this are refused before parsing (the whole country's list is
 * 2.2 MB, the reorganisation 1.8 MB). */
#define DVHCVN_MAX_BYTES (64 * 1024 * 1024)
#define DVHCVN_NO_PARENT ((size_t)-1)

/* An old unit merged into a new one (reorganisation files). */
struct dvhcvn_merge {
    const char *old_id; /* the old unit's code: 2 digits a province, 3 a district, 5 a commune */
    const char *name;   /* as the file gives it */
    bool is_full;       /* "full": all of it went into the new unit; "partial": a part */
};

struct dvhcvn_unit {
    int level;            /* 1 province, 2 district (list, boundaries) or commune
                             (reorganisation: the new communes sit under the
                             province), 3 commune (list) */
    const char *code;     /* digits: 2 (level 1), 3 (a district), 5 (a commune) */
    const char *name;     /* "Tỉnh Bến Tre", as given (the importer makes it NFC) */
    const char *type;     /* list: "Tỉnh", "Huyện", "Xã", ...; NULL elsewhere */
    size_t parent;        /* index of the parent in the file's units; DVHCVN_NO_PARENT */
    const char *geometry; /* boundaries: {"type":..,"coordinates":..} text; else NULL */
    const struct dvhcvn_merge *merges; /* reorganisation: at least one */
    size_t n_merges;
};

struct dvhcvn_file {
    struct dvhcvn_unit *units; /* every unit, each parent before its children */
    size_t n_units;
    const char *data_date; /* list: its "data_date" as "YYYY-MM-DD", or NULL */
};

/* Parse json[0..len) as the three-level list ({"data":[{"level1_id", "name",
 * "type", "level2s":[{"level2_id", ..., "level3s":[{"level3_id", ...}]}]}]}),
 * one province's boundaries ({"level1_id", "name", "coordinates", "type",
 * "level2s":[{"level2_id", "name", "coordinates", "type"}]}, coordinates the
 * rings of a GeoJSON Polygon or MultiPolygon as "type" says), or the
 * reorganisation ({"data":[{"level1_id", "name", "merges":[{"old_id", "name",
 * "type"}], "level2s":[{"level2_id", "name", "merges"}]}]}). Members the formats
 * do not name are ignored. Everything lives in arena a. PH_EINVAL with *why (in
 * a) naming the unit and the member when the text is not JSON, not of that
 * format, a code is malformed or repeated, a name empty or too long, or a merge
 * type neither "full" nor "partial"; PH_ETOOBIG over DVHCVN_MAX_BYTES. Rings
 * are checked for shape (arrays of arrays of numbers) only: the importer checks
 * them as outlines (core/geo.h, geo_shape_parse). */
ph_err dvhcvn_parse_list(struct arena *a, const char *json, size_t len, struct dvhcvn_file *out,
                         const char **why) __attribute__((warn_unused_result));
ph_err dvhcvn_parse_gis(struct arena *a, const char *json, size_t len, struct dvhcvn_file *out,
                        const char **why) __attribute__((warn_unused_result));
ph_err dvhcvn_parse_merges(struct arena *a, const char *json, size_t len, struct dvhcvn_file *out,
                           const char **why) __attribute__((warn_unused_result));
#endif
