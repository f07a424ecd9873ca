/* store_util.h - helpers every backend's files share that touch no database:
 * LIKE operands, list limits, space-separated lists as the queries aggregate
 * them, the byte range of a path prefix, and copies of kept routing rules.
 * Nothing here leaves store/. */
#ifndef PH_STORE_STORE_UTIL_H
#define PH_STORE_STORE_UTIL_H
#include <stddef.h>
#include <stdint.h>
struct arena;
struct routing_rule;

/* A LIKE operand for "contains q": q with %, _ and \ escaped by \ (the queries
 * say ESCAPE '\'), in ar. NULL and "" give NULL (no filter). */
const char *store_like_escape(struct arena *ar, const char *q);
/* A list limit clamped to 1..LIST_MAX_LIMIT (LIST_DEFAULT_LIMIT when <= 0). */
int store_list_limit(int limit);
/* t when non-zero, else the current time. */
int64_t store_time_or_now(int64_t t);

/* Space-separated lists, as group_concat(x, ' ') gives them (paths, ids, force
 * codes: none holds a space). NULL or "" gives n 0 and NULL; arrays in ar. */
const char **store_split_words(struct arena *ar, const char *text, size_t *n);
int64_t *store_split_ids(struct arena *ar, const char *text, size_t *n);
/* The upper end of the half-open range of texts that start with prefix:
 * [prefix, upper) with upper the prefix whose last byte is one more ('/' becomes
 * '0'), in ar. Texts compare as bytes, so the range of "/1/5/" holds "/1/5/7/"
 * and not "/1/50/". Unit paths and search words use it instead of LIKE. NULL
 * and "" give NULL. */
const char *store_path_upper(struct arena *ar, const char *prefix);

/* rules[0..n) with every string and array copied into ar (NULL for n 0): the
 * active rules each backend keeps per connection, handed out as a copy. */
struct routing_rule *store_rules_copy(struct arena *ar, const struct routing_rule *rules, size_t n);
#endif
