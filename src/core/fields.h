/* fields.h - what core's record services (area.c, unit.c, person.c) do alike with
 * the members of their records: clean a text member, compare members, normalise
 * the members every list filter has, and write members as the JSON the audit log
 * and events carry, including the {"old": ..., "new": ...} pair of a changed one
 * (proto/pjson.c writes member values with the same encoders). Knows no record
 * type and no rule of one: those stay with their module. */
#ifndef PH_CORE_FIELDS_H
#define PH_CORE_FIELDS_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "util/err.h"
struct arena;

/* Trim, check clean UTF-8, NFC, then check the size (max bytes). NULL or empty
 * after trimming gives *out NULL and PH_OK when optional, PH_EINVAL when
 * required; any other failure is PH_EINVAL. *out lives in arena a. */
ph_err fields_clean_text(struct arena *a, const char *in, size_t max, bool required,
                         const char **out) __attribute__((warn_unused_result));
/* Trim *s (an ASCII identifier: a code, a username) into arena a and check it
 * with valid. False, *s untouched, for NULL. */
bool fields_trim_valid(struct arena *a, const char **s, bool (*valid)(const char *s));
/* A client's key (a CoT uid, a message id): 1..max bytes of clean UTF-8 with no
 * control character at all (no tab or line break either: it is a key, not
 * text), into *out in NFC (arena a), still at most max bytes. False otherwise. */
bool fields_clean_key(struct arena *a, const char *in, size_t max, const char **out);
/* Equal strings; NULL equals only NULL. */
bool fields_str_eq(const char *x, const char *y);

/* The members every list filter has: *limit clamped to 1..LIST_MAX_LIMIT
 * (LIST_DEFAULT_LIMIT when <= 0), and *q (NULL: no search) folded with
 * text_fold() into arena a, NULL when it folds to nothing. */
void fields_list_filter(struct arena *a, int *limit, const char **q);

/* New references: s as a JSON string, JSON null for NULL; ids as an array of
 * integers; roles (ROLE_* bits) as an array of role names, lowest bit first. */
json_t *fields_jstr(const char *s);
json_t *fields_ids_json(const int64_t *ids, size_t n);
json_t *fields_roles_json(unsigned roles);

/* Set member key of the change detail d to {"old": old, "new": new_}; takes both
 * references. */
void fields_diff_set(json_t *d, const char *key, json_t *old, json_t *new_);
/* fields_diff_set when the values differ, nothing when they are equal. */
void fields_diff_str(json_t *d, const char *key, const char *old, const char *new_);
void fields_diff_int(json_t *d, const char *key, int64_t old, int64_t new_);
void fields_diff_bool(json_t *d, const char *key, bool old, bool new_);
#endif
