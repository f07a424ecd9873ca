/* api_area_import.c - POST /api/v1/areas/import: Vietnam's official administrative
 * units (core/area_import.h; docs/API.md, "Area import"). The file is the body, as
 * sent (the whole country's list is 2.2 MB, over the 1 MiB of a JSON body: the
 * route takes a raw body up to AREA_IMPORT_MAX_BODY_BYTES, the size h2o already
 * buffers for attachments); the options are query parameters: kind, province,
 * effective, dry_run. The import is one writer job; the answer is the report.
 *
 * Only those who may write areas (admins without a unit or at a top-level unit)
 * get that far: the access check runs before the body is copied, so that anyone
 * else gets 403 at once. */
#include "util/base.h"
#include "http/async.h"
#include "http/http_int.h"
#include "http/req.h"
#include "http/resp.h"
#include "http/router.h"
#include "core/access.h"
#include "core/area_import.h"
#include "util/arena.h"
#include "util/limits.h"

/* h2o buffers bodies up to HTTP_MAX_ENTITY_BYTES (server.c); this route takes
 * what that leaves after its margin. */
#define AREA_IMPORT_MAX_BODY_BYTES (HTTP_MAX_ENTITY_BYTES - HTTP_ENTITY_MARGIN_BYTES)

struct import_job {
    const char *json;
    size_t len;
    struct area_import_opts opts;
    struct area_import_report rep;
    const char *field;
};

static ph_err run_import(struct core_ctx *cx, void *arg)
{
    struct import_job *j = arg;

    return area_import(cx, j->json, j->len, &j->opts, &j->rep, &j->field);
}

static int finish_import(struct req *r, struct http_write *w)
{
    struct import_job *j = w->arg;
    const struct area_import_report *p = &j->rep;

    if (w->job.rc == PH_EINVAL && p->problem != NULL)
        return resp_error_extra(r, PH_EINVAL, j->field, p->problem, p->problem, NULL);
    if (w->job.rc != PH_OK)
        return resp_error(r, w->job.rc, j->field);
    return resp_json(
        r, 200,
        json_pack(
            "{s:I, s:s, s:o, s:o, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:b}", "import_id",
            (json_int_t)p->import_id, "kind", area_import_kind_name(j->opts.kind), "province",
            j->opts.province != NULL ? json_string(j->opts.province) : json_null(), "effective",
            json_string(p->effective), "dry_run", j->opts.dry_run, "units", (json_int_t)p->units,
            "created", (json_int_t)p->created, "updated", (json_int_t)p->updated, "unchanged",
            (json_int_t)p->unchanged, "closed", (json_int_t)p->closed, "successions",
            (json_int_t)p->successions, "geometries", (json_int_t)p->geometries, "not_found",
            (json_int_t)p->not_found, "same_file_again", p->same_file_again));
}

static int import_areas(struct req *r)
{
    h2o_iovec_t body = r->h2o->entity;
    struct access_item item = {.kind = ITEM_AREA};
    const char *kind = NULL, *province = NULL, *effective = NULL;
    struct http_write *w;
    struct import_job *j;
    enum area_import_kind k;
    bool dry_run = false;
    char *copy;

    if (!access_allows(r->cx.user, ACCESS_CREATE, &item, NULL))
        return resp_error(r, PH_EPERM, NULL);
    if (body.len > AREA_IMPORT_MAX_BODY_BYTES)
        return resp_error(r, PH_ETOOBIG, "file");
    if (req_query_text(r, "kind", &kind) != PH_OK || !area_import_kind_parse(kind, &k))
        return resp_error_extra(r, PH_EINVAL, "kind",
                                "kind must be list, boundaries or reorganisation",
                                "kind phải là list, boundaries hoặc reorganisation", NULL);
    if (req_query_text(r, "province", &province) != PH_OK)
        return resp_error(r, PH_EINVAL, "province");
    if (req_query_text(r, "effective", &effective) != PH_OK)
        return resp_error(r, PH_EINVAL, "effective");
    if (req_query_bool(r, "dry_run", &dry_run) != PH_OK)
        return resp_error(r, PH_EINVAL, "dry_run");
    if (body.base == NULL || body.len == 0)
        return resp_error_extra(r, PH_EINVAL, "file", "the file is the request body",
                                "tệp cần nhập là nội dung của yêu cầu", NULL);

    w = http_write_begin(r);
    j = arena_zalloc(&w->job.arena, sizeof(*j));
    w->arg = j;
    copy = arena_alloc(&w->job.arena, body.len);
    memcpy(copy, body.base, body.len);
    j->json = copy;
    j->len = body.len;
    j->opts.kind = k;
    j->opts.province = province != NULL ? arena_strdup(&w->job.arena, province) : NULL;
    j->opts.effective = effective != NULL ? arena_strdup(&w->job.arena, effective) : NULL;
    j->opts.dry_run = dry_run;
    return http_write_submit(w, NULL, run_import, j, finish_import);
}

const struct route api_area_import_routes[] = {
    {"POST", "/api/v1/areas/import", import_areas, ROUTE_USER, ROUTE_RAW_BODY},
    {NULL, NULL, NULL, 0, 0},
};
