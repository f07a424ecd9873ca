/* jsonw.h - JSON written straight into a buffer: for answers and records that
 * would otherwise be built as a jansson tree (one allocation per value) only to
 * be dumped at once (a walk that validates and escapes every string again).
 *
 * The bytes are exactly those of json_dumps with JSON_COMPACT (and
 * JSON_REAL_PRECISION(15) for reals: PJSON_DUMP_FLAGS) of the same values in
 * the same order, and test_pjson_incident.c holds the incident's writer to that
 * against jansson (2.14's dump.c and utf8.c): strings escaped as jansson escapes
 * them (", \, and control characters, with upper-case \u00XX), a string member
 * that is not valid UTF-8 left out (as json_object_set_new does with the NULL
 * json_string gives), and reals as "%.15g" with ".0" added to integral values and
 * the exponent's '+' and leading zeros dropped (a non-finite real also leaves its
 * member out). Keys are the caller's own names, written as given. Members come
 * in the order written: a caller that needs jansson's JSON_SORT_KEYS writes them
 * sorted. */
#ifndef PH_UTIL_JSONW_H
#define PH_UTIL_JSONW_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "util/err.h"
struct buf;

struct jsonw {
    struct buf *b;
    ph_err rc;  /* the first failure (PH_ETOOBIG from the buffer's cap) */
    bool comma; /* the next member or element needs a comma first */
};

/* Append n bytes as they are (after a failure, nothing more is written). */
void jsonw_put(struct jsonw *w, const char *s, size_t n);
#define JSONW_LIT(w, lit) jsonw_put((w), (lit), sizeof(lit) - 1)
/* "{" or "[", and "}" or "]". */
void jsonw_open(struct jsonw *w, const char *bracket);
void jsonw_close(struct jsonw *w, const char *bracket);
/* The start of a member: a comma when needed, "key": */
void jsonw_key(struct jsonw *w, const char *key);
/* Whether jansson takes s as a string (valid UTF-8 by its rules). */
bool jsonw_utf8_ok(const char *s);
/* s, valid UTF-8, as a JSON string. */
void jsonw_string(struct jsonw *w, const char *s);
void jsonw_i64(struct jsonw *w, int64_t v);
/* Members: a string (null for NULL; left out when not valid UTF-8), an integer,
 * an id (null for 0), a boolean, a time (RFC 3339 UTC, null for 0) and a real
 * (left out when not finite). */
void jsonw_str_member(struct jsonw *w, const char *key, const char *s);
void jsonw_int_member(struct jsonw *w, const char *key, int64_t v);
void jsonw_id_member(struct jsonw *w, const char *key, int64_t id);
void jsonw_bool_member(struct jsonw *w, const char *key, bool v);
void jsonw_time_member(struct jsonw *w, const char *key, int64_t ms);
void jsonw_real_member(struct jsonw *w, const char *key, double v);
/* An array of n integers (empty for n 0). */
void jsonw_ids_member(struct jsonw *w, const char *key, const int64_t *ids, size_t n);
#endif
