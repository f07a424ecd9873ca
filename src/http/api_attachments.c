/* api_attachments.c - /api/v1/incidents/:id/attachments: photos and documents of
 * an incident (core/attachment.h, docs/API.md "Attachments").
 *
 * Upload: the body is the file itself, any Content-Type (the type is decided from
 * the bytes, never from what the client says), ?filename= and ?note= beside it.
 * The route takes a raw body (ROUTE_RAW_BODY): server.c's JSON checks do not
 * apply, the attachment limit does. Before anything is copied the caller's right
 * is checked on the loop's connection, so a refused caller costs no copy and no
 * hash; then the bytes are copied into the job (the request may vanish while it
 * runs), typed and hashed on the worker pool, and written by the writer, which
 * checks everything again in its transaction.
 *
 * Download: the stored bytes with the stored type, as an attachment (a browser
 * saves it rather than showing it in our origin), nosniff, a sandboxing
 * Content-Security-Policy, and the SHA-256 as the ETag. */
#include "util/base.h"
#include "http/async.h"
#include "http/http_int.h"
#include "http/req.h"
#include "http/read_audit.h"
#include "http/resp.h"
#include "http/router.h"
#include "core/attachment.h"
#include "proto/pjson.h"
#include "util/arena.h"

/* ---- helpers ------------------------------------------------------------------- */

/* Query parameter name into *out (NULL when absent). req_query() gives NULL also
 * for a value that decodes to a NUL; req_query_i64() reports such a one present,
 * which tells the two apart: PH_EINVAL for it. */
static ph_err query_param(struct req *r, const char *name, const char **out)
{
    int64_t ignored;
    bool present = false;

    *out = req_query(r, name);
    if (*out != NULL)
        return PH_OK;
    (void)req_query_i64(r, name, &ignored, &present);
    return present ? PH_EINVAL : PH_OK;
}

/* RFC 5987 attr-char: what an ext-value keeps as it is; the rest becomes %XX. */
static bool attr_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c != '\0' && strchr("!#$&+-.^_`|~", c) != NULL);
}

static char *put(char *o, const char *s)
{
    size_t n = strlen(s);
    memcpy(o, s, n);
    return o + n;
}

/* Content-Disposition (RFC 6266) for name: attachment, an ASCII fallback for
 * clients that know only filename= (each character but printable ASCII, and
 * quotes, backslashes and '%', as one '_'), then filename*=UTF-8''<percent-
 * encoded> (RFC 5987), which clients that know it prefer. In r's arena. */
static const char *disposition(struct req *r, const char *name)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(name);
    char *out = arena_alloc(&r->arena, 64 + 4 * n), *o = out;
    const unsigned char *p;

    o = put(o, "attachment; filename=\"");
    for (p = (const unsigned char *)name; *p != '\0'; p++) {
        if (*p >= 0x80 && *p < 0xc0)
            continue; /* a UTF-8 continuation byte: its character has its '_' */
        *o++ = *p < 0x20 || *p >= 0x7f || *p == '"' || *p == '\\' || *p == '%' ? '_' : (char)*p;
    }
    o = put(o, "\"; filename*=UTF-8''");
    for (p = (const unsigned char *)name; *p != '\0'; p++) {
        if (attr_char(*p)) {
            *o++ = (char)*p;
        } else {
            *o++ = '%';
            *o++ = hex[*p >> 4];
            *o++ = hex[*p & 0x0f];
        }
    }
    *o = '\0';
    return out;
}

/* ---- POST /api/v1/incidents/:id/attachments ------------------------------------ */

struct upload_job {
    int64_t incident_id;
    struct attachment_bytes bytes; /* data: the job's copy of the body */
    const char *filename, *note;
    struct attachment out;
    const char *field;
};

/* On the worker pool: the type and the SHA-256. */
static void examine_upload(void *arg)
{
    struct upload_job *j = arg;
    attachment_bytes_examine(j->bytes.data, j->bytes.len, &j->bytes);
}

static ph_err run_upload(struct core_ctx *cx, void *arg)
{
    struct upload_job *j = arg;
    return attachment_add_bytes(cx, j->incident_id, &j->bytes, j->filename, j->note, &j->out,
                                &j->field);
}

static int finish_upload(struct req *r, struct http_write *w)
{
    struct upload_job *j = w->arg;
    json_t *o;

    if (w->job.rc != PH_OK)
        return resp_error(r, w->job.rc, j->field);
    o = pjson_attachment(&j->out);
    resp_header(r, "location", json_string_value(json_object_get(o, "url")));
    return resp_json(r, 201, o);
}

static int upload(struct req *r)
{
    h2o_iovec_t body = r->h2o->entity;
    const char *filename = NULL, *note = NULL, *field = NULL;
    struct http_write *w;
    struct upload_job *j;
    int64_t id;
    void *copy;
    ph_err rc;

    rc = req_path_id(r, "id", &id);
    if (rc != PH_OK)
        return resp_error(r, rc, NULL);
    /* h2o refuses more than the limit plus a margin; the margin is ours to refuse. */
    if (body.len > attachment_max_bytes())
        return resp_error(r, PH_ETOOBIG, "file");
    rc = attachment_check(&r->cx, id, &field);
    if (rc != PH_OK)
        return resp_error(r, rc, field);
    if (query_param(r, "filename", &filename) != PH_OK || filename == NULL)
        return resp_error(r, PH_EINVAL, "filename");
    if (query_param(r, "note", &note) != PH_OK)
        return resp_error(r, PH_EINVAL, "note");
    if (body.base == NULL || body.len == 0)
        return resp_error(r, PH_EINVAL, "file");

    w = http_write_begin(r);
    j = arena_zalloc(&w->job.arena, sizeof(*j));
    w->arg = j;
    j->incident_id = id;
    j->filename = arena_strdup(&w->job.arena, filename);
    j->note = arena_strdup(&w->job.arena, note);
    copy = arena_alloc(&w->job.arena, body.len);
    memcpy(copy, body.base, body.len);
    j->bytes.data = copy;
    j->bytes.len = body.len;
    return http_write_submit(w, examine_upload, run_upload, j, finish_upload);
}

/* ---- GET /api/v1/incidents/:id/attachments -------------------------------------- */

static int list(struct req *r)
{
    struct attachment *items = NULL;
    size_t n = 0;
    int64_t id;
    json_t *arr;
    ph_err rc = req_path_id(r, "id", &id);

    if (rc == PH_OK)
        rc = attachment_list(&r->cx, id, &items, &n);
    if (rc == PH_OK)
        rc = req_note_incident_read(r, id);
    if (rc != PH_OK)
        return resp_error(r, rc, NULL);
    arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, pjson_attachment(&items[i]));
    return resp_json(r, 200, pjson_page(arr, false, 0));
}

/* ---- GET /api/v1/incidents/:id/attachments/:aid ---------------------------------- */

/* Does If-None-Match name etag (or say "*")? A list of tags is searched as text:
 * our tags are 64 hex digits in quotes, which no other tag contains. */
static bool not_modified(struct req *r, const char *etag)
{
    const char *inm = req_header(r, "if-none-match");
    return inm != NULL && (strcmp(inm, "*") == 0 || strstr(inm, etag) != NULL);
}

static int download(struct req *r)
{
    struct attachment a;
    const void *data = NULL;
    size_t len = 0;
    int64_t id, aid;
    char hex[65], etag[68];
    ph_err rc = req_path_id(r, "id", &id);

    if (rc == PH_OK)
        rc = req_path_id(r, "aid", &aid);
    if (rc == PH_OK)
        rc = attachment_get(&r->cx, id, aid, &a, &data, &len);
    if (rc == PH_OK)
        rc = req_note_incident_read(r, id);
    if (rc != PH_OK)
        return resp_error(r, rc, NULL);
    pjson_sha256_hex(a.sha256, hex);
    snprintf(etag, sizeof(etag), "\"%s\"", hex);
    resp_header(r, "etag", etag);
    /* private: a shared cache must not keep what only some people may see. */
    resp_header(r, "cache-control", "private");
    resp_header(r, "x-content-type-options", "nosniff");
    if (not_modified(r, etag))
        return resp_empty(r, 304);
    resp_header(r, "content-disposition", disposition(r, a.filename));
    /* Should a browser show it anyway, it runs nothing and loads nothing. */
    resp_header(r, "content-security-policy", "default-src 'none'; sandbox");
    return resp_text(r, 200, a.content_type, data, len);
}

const struct route api_attachment_routes[] = {
    {"GET", "/api/v1/incidents/:id/attachments", list, ROUTE_USER, ROUTE_NO_BODY},
    {"POST", "/api/v1/incidents/:id/attachments", upload, ROUTE_USER, ROUTE_RAW_BODY},
    {"GET", "/api/v1/incidents/:id/attachments/:aid", download, ROUTE_USER, ROUTE_NO_BODY},
    {NULL, NULL, NULL, 0, ROUTE_NO_BODY},
};
