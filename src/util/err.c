/* err.c - names and HTTP statuses of ph_err values. */
#include "util/base.h"
#include "util/err.h"

static const struct {
    int status;
    const char *code;
    const char *text;
} table[] = {
    [PH_OK] = {200, "ok", "ok"},
    [PH_EPARSE] = {400, "malformed", "the request is malformed"},
    [PH_EAUTH] = {401, "unauthenticated", "authentication required or credentials wrong"},
    [PH_EPERM] = {403, "forbidden", "not allowed"},
    [PH_ENOTFOUND] = {404, "not_found", "no such object"},
    [PH_ECONFLICT] = {409, "conflict", "conflicts with the current state"},
    [PH_ETOOBIG] = {413, "too_large", "over the size limit"},
    [PH_EINVAL] = {422, "invalid", "a field is invalid"},
    [PH_EBUSY] = {429, "too_many_requests", "too many requests; retry later"},
    [PH_EIO] = {500, "io_error", "input/output error"},
    [PH_ESTORE] = {503, "store_unavailable", "the database is unavailable"},
    [PH_ESCHEMA] = {503, "schema_too_new", "the database schema is newer than this program"},
    [PH_ELOCKED] = {429, "account_locked", "account locked after repeated failed logins"},
    [PH_ESTALE] = {412, "stale", "the object changed since it was read"},
};

int err_http_status(ph_err rc)
{
    return (unsigned)rc < PH_NELEM(table) ? table[rc].status : 500;
}

const char *err_code(ph_err rc)
{
    return (unsigned)rc < PH_NELEM(table) ? table[rc].code : "internal";
}

const char *err_str(ph_err rc)
{
    return (unsigned)rc < PH_NELEM(table) ? table[rc].text : "internal error";
}
