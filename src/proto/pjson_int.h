/* pjson_int.h - decoding machinery shared by the pjson*.c files (internal to
 * proto/): readers for one JSON value of each member type, and member tables with
 * the loop that applies a request object onto a record through one.
 *
 * A reader checks the value's JSON type (never its range: that is core's), writes
 * *out only on PH_OK and returns PH_EINVAL otherwise. "nullable" also accepts JSON
 * null, read as NULL or 0. Strings it sets live in arena a, text in NFC. */
#ifndef PH_PROTO_PJSON_INT_H
#define PH_PROTO_PJSON_INT_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "util/err.h"
struct arena;

/* Arrays in a request (ids, force codes): far above any core limit, low enough
 * that a body cannot make us allocate much for them. */
#define PJSON_ARRAY_MAX_ITEMS 10000

/* A string without NUL or control characters, copied to a in NFC. */
ph_err pjson_get_text(json_t *v, struct arena *a, bool nullable, const char **out) PH_MUST_USE;
/* A positive integer. */
ph_err pjson_get_id(json_t *v, bool nullable, int64_t *out) PH_MUST_USE;
/* Any integer that fits an int. */
ph_err pjson_get_int(json_t *v, bool nullable, int *out) PH_MUST_USE;
ph_err pjson_get_bool(json_t *v, bool *out) PH_MUST_USE;
/* An RFC 3339 time, into UTC ms. */
ph_err pjson_get_time(json_t *v, bool nullable, int64_t *out) PH_MUST_USE;
/* A clearance name, into CLEARANCE_* (core/access.h). */
ph_err pjson_get_clearance(json_t *v, int *out) PH_MUST_USE;
/* An array of at most PJSON_ARRAY_MAX_ITEMS positive integers; *ids lives in a. */
ph_err pjson_get_ids(json_t *v, struct arena *a, int64_t **ids, size_t *n) PH_MUST_USE;
/* An array of at most PJSON_ARRAY_MAX_ITEMS strings, each as pjson_get_text. */
ph_err pjson_get_strings(json_t *v, struct arena *a, const char ***strs, size_t *n) PH_MUST_USE;

/* What a member of a request object is, and so how it is read. */
enum pjson_kind {
    PJSON_KIND_TEXT,         /* string, NFC */
    PJSON_KIND_TEXT_OR_NULL, /* ... or null for none */
    PJSON_KIND_ID,           /* positive integer */
    PJSON_KIND_ID_OR_NULL,   /* ... or null for 0 */
    PJSON_KIND_INT,          /* integer that fits an int */
    PJSON_KIND_INT_OR_NULL,  /* ... or null for 0 */
    PJSON_KIND_BOOL,         /* true or false */
    PJSON_KIND_TIME,         /* RFC 3339 string */
    PJSON_KIND_TIME_OR_NULL, /* ... or null for 0 */
    PJSON_KIND_CLEARANCE,    /* clearance name, into CLEARANCE_* */
    PJSON_KIND_IDS,          /* array of positive integers, with its count at off_n */
    PJSON_KIND_STRINGS,      /* array of strings, with its count at off_n */
    PJSON_KIND_SLOT,         /* string, into the caller's slot (unknown without one) */
    PJSON_KIND_CUSTOM,       /* read by the member's own reader */
    PJSON_KIND_FIXED,        /* on create like kind_create; afterwards read-only */
    PJSON_KIND_READ_ONLY,    /* ignored: a client may send back what it got */
};

/* One member of a record's request object: its name, its kind, and where the
 * kind writes in the record (offsets; off_n only for the array kinds). */
struct pjson_member {
    const char *name;
    enum pjson_kind kind;
    size_t off, off_n;
    enum pjson_kind kind_create; /* PJSON_KIND_FIXED only */
    /* PJSON_KIND_CUSTOM only: read v into the record at rec + off. */
    ph_err (*read)(json_t *v, struct arena *a, void *at);
};

/* offsetof(struct rec, f), and a compile-time error unless f has type t: a table
 * cannot send a kind to a field of another C type. */
/* clang-format off */
#define PJSON_FIELD_AT(rec, f, t) \
    (offsetof(struct rec, f) + 0 * sizeof(char[_Generic(((struct rec *)0)->f, t: 1, default: -1)]))
#define PJSON_M_(name_, k, off_) {.name = (name_), .kind = (k), .off = (off_)}
#define PJSON_M_TEXT(rec, f) PJSON_M_(#f, PJSON_KIND_TEXT, PJSON_FIELD_AT(rec, f, const char *))
#define PJSON_M_TEXT_OR_NULL(rec, f) \
    PJSON_M_(#f, PJSON_KIND_TEXT_OR_NULL, PJSON_FIELD_AT(rec, f, const char *))
#define PJSON_M_ID(rec, f) PJSON_M_(#f, PJSON_KIND_ID, PJSON_FIELD_AT(rec, f, int64_t))
#define PJSON_M_ID_OR_NULL(rec, f) PJSON_M_(#f, PJSON_KIND_ID_OR_NULL, PJSON_FIELD_AT(rec, f, int64_t))
#define PJSON_M_INT(rec, f) PJSON_M_(#f, PJSON_KIND_INT, PJSON_FIELD_AT(rec, f, int))
#define PJSON_M_INT_OR_NULL(rec, f) PJSON_M_(#f, PJSON_KIND_INT_OR_NULL, PJSON_FIELD_AT(rec, f, int))
#define PJSON_M_BOOL(rec, f) PJSON_M_(#f, PJSON_KIND_BOOL, PJSON_FIELD_AT(rec, f, bool))
#define PJSON_M_TIME(rec, f) PJSON_M_(#f, PJSON_KIND_TIME, PJSON_FIELD_AT(rec, f, int64_t))
#define PJSON_M_TIME_OR_NULL(rec, f) \
    PJSON_M_(#f, PJSON_KIND_TIME_OR_NULL, PJSON_FIELD_AT(rec, f, int64_t))
#define PJSON_M_CLEARANCE(rec, f) PJSON_M_(#f, PJSON_KIND_CLEARANCE, PJSON_FIELD_AT(rec, f, int))
#define PJSON_M_IDS(rec, f, n) \
    {.name = #f, .kind = PJSON_KIND_IDS, .off = PJSON_FIELD_AT(rec, f, int64_t *), \
     .off_n = PJSON_FIELD_AT(rec, n, size_t)}
#define PJSON_M_STRINGS(rec, f, n) \
    {.name = #f, .kind = PJSON_KIND_STRINGS, .off = PJSON_FIELD_AT(rec, f, const char **), \
     .off_n = PJSON_FIELD_AT(rec, n, size_t)}
#define PJSON_M_FIXED_ID_OR_NULL(rec, f) \
    {.name = #f, .kind = PJSON_KIND_FIXED, .off = PJSON_FIELD_AT(rec, f, int64_t), \
     .kind_create = PJSON_KIND_ID_OR_NULL}
#define PJSON_M_FIXED_IDS(rec, f, n) \
    {.name = #f, .kind = PJSON_KIND_FIXED, .off = PJSON_FIELD_AT(rec, f, int64_t *), \
     .off_n = PJSON_FIELD_AT(rec, n, size_t), .kind_create = PJSON_KIND_IDS}
/* fn reads into field f, of type t. */
#define PJSON_M_CUSTOM(rec, f, t, fn) \
    {.name = #f, .kind = PJSON_KIND_CUSTOM, .off = PJSON_FIELD_AT(rec, f, t), .read = (fn)}
#define PJSON_M_SLOT(name_) {.name = (name_), .kind = PJSON_KIND_SLOT}
#define PJSON_M_READ_ONLY(name_) {.name = (name_), .kind = PJSON_KIND_READ_ONLY}
/* clang-format on */

/* Apply each member of obj onto rec through its table (anything but an object has
 * no members: PH_OK, rec untouched). creating picks kind_create for the FIXED
 * members; slot receives a PJSON_KIND_SLOT member. A member not in the table (or
 * a SLOT member when slot is NULL) or refused by its reader is PH_EINVAL, with
 * *field naming the first such member (lives in a); members before it are
 * already applied. */
ph_err pjson_apply_members(json_t *obj, struct arena *a, void *rec,
                           const struct pjson_member *members, size_t n_members, bool creating,
                           const char **slot, const char **field) PH_MUST_USE;

#endif
