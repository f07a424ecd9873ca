/* err.h - the one error type of phoihop and its mapping to HTTP statuses and
 * API error codes. */
#ifndef PH_UTIL_ERR_H
#define PH_UTIL_ERR_H

typedef enum ph_err {
    PH_OK = 0,
    PH_EPARSE,    /* body or parameter malformed        -> 400 */
    PH_EAUTH,     /* no or bad credentials              -> 401 */
    PH_EPERM,     /* not allowed for this user/record   -> 403 */
    PH_ENOTFOUND, /* no such object                     -> 404 */
    PH_ECONFLICT, /* unique key or version clash        -> 409 */
    PH_ETOOBIG,   /* over a limit in util/limits.h      -> 413 */
    PH_EINVAL,    /* well formed, a field is invalid    -> 422 */
    PH_EBUSY,     /* rate limit or queue full           -> 429 */
    PH_EIO,       /* socket or file error; errno logged -> 500 */
    PH_ESTORE,    /* backend failed; detail is logged   -> 503 */
    PH_ESCHEMA,   /* database schema newer than the binary (open refuses) */
    PH_ELOCKED,   /* account locked after repeated failures -> 429 */
    PH_ESTALE,    /* If-Match version is stale          -> 412 */
} ph_err;

/* HTTP status for rc (500 for unknown values). */
int err_http_status(ph_err rc);
/* Stable machine-readable code for rc, e.g. "not_found"; a static string. */
const char *err_code(ph_err rc);
/* A short English description of rc; a static string. */
const char *err_str(ph_err rc);
/* The same in Vietnamese (UTF-8); a static string. */
const char *err_str_vi(ph_err rc);
#endif
