/* req.h - reading a request: path parameters, query parameters, headers, and the
 * list filters every list endpoint shares. */
#ifndef PH_HTTP_REQ_H
#define PH_HTTP_REQ_H
#include <stdbool.h>
#include <stdint.h>
#include "util/err.h"
struct req;

/* The captured path segment name as a positive id; PH_ENOTFOUND when not a number
 * (an id that cannot exist). */
ph_err req_path_id(struct req *r, const char *name, int64_t *out);
/* Query parameter (percent-decoded, in r's arena) or NULL when absent. */
const char *req_query(struct req *r, const char *name);
/* Text query parameter (absent or empty: NULL); PH_EPARSE when not clean UTF-8 or
 * longer than a name. */
ph_err req_query_text(struct req *r, const char *name, const char **out);
/* An RFC 3339 query parameter into *ms (untouched when absent); PH_EPARSE when
 * it is not one. */
ph_err req_query_time(struct req *r, const char *name, int64_t *ms);
/* Integer query parameter; PH_EPARSE when present but malformed. */
ph_err req_query_i64(struct req *r, const char *name, int64_t *out, bool *present);
/* Boolean query parameter: "1", "true" -> true; "0", "false" -> false. */
ph_err req_query_bool(struct req *r, const char *name, bool *out);
/* ?cursor= and ?limit= ; PH_EPARSE with *field set when malformed. */
ph_err req_page(struct req *r, int64_t *after_id, int *limit, const char **field);
/* A member of the JSON body that must be a non-empty string of at most max bytes;
 * copied into a. PH_EINVAL otherwise. */
ph_err req_body_string(struct req *r, const char *name, size_t max, struct arena *a,
                       const char **out);
/* A request header's value (NUL-terminated copy) or NULL. */
const char *req_header(struct req *r, const char *name);
/* A list endpoint's filters: each parameter parsed into *out by its type (QP_TEXT
 * and QP_DATE: const char *, QP_ID: int64_t > 0, QP_BOOL: bool), then ?cursor and
 * ?limit. PH_EPARSE with *field naming the first bad parameter. */
enum query_type { QP_TEXT, QP_DATE, QP_ID, QP_BOOL };
struct query_param {
    const char *name;
    enum query_type type;
    void *out;
};
ph_err req_list_query(struct req *r, const struct query_param *params, size_t n, int64_t *after_id,
                      int *limit, const char **field);
/* If-Match: "<version>" -> *version (0 when absent). PH_EPARSE when malformed. */
ph_err req_if_match(struct req *r, int64_t *version);
#endif
