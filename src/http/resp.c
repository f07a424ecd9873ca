/* resp.c - every answer leaves through here, so this is also where each request is
 * counted for /metrics and logged when the access log is on. */
#include "util/base.h"
#include <zlib.h>
#include "http/http_int.h"
#include "http/metrics.h"
#include "http/read_audit.h"
#include "http/resp.h"
#include "http/static.h"
#include "proto/pjson.h"
#include "util/arena.h"
#include "util/log.h"
#include "util/time.h"

static const char *reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 412: return "Precondition Failed";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 503: return "Service Unavailable";
    default: return status < 400 ? "OK" : "Error";
    }
}

void resp_header(struct req *r, const char *name, const char *value)
{
    h2o_req_t *h = r->h2o;
    size_t vl = strlen(value), nl = strlen(name);
    char *v = h2o_mem_alloc_pool(&h->pool, vl + 1);
    memcpy(v, value, vl + 1);
    char *n = h2o_mem_alloc_pool(&h->pool, nl + 1);
    for (size_t i = 0; i <= nl; i++) /* h2o wants lower-case names */
        n[i] = (char)((name[i] >= 'A' && name[i] <= 'Z') ? name[i] + 32 : name[i]);
    h2o_add_header_by_str(&h->pool, &h->res.headers, n, nl, 1, NULL, v, vl);
}

const char *resp_log_path(struct req *r)
{
    h2o_req_t *h = r->h2o;
    const char *base = h->path.base, *end = base + h->path.len, *p = base, *at;
    /* Each "access_token=" (13 bytes) gains at most "REDACTED" (8): < 2x the path. */
    char *out = arena_alloc(&r->arena, 2 * h->path.len + 1), *o = out;

    /* A token in a query string (EventSource clients send ?access_token=) must never
     * reach a log: its value is replaced wherever the parameter appears. */
    while (p < end) {
        at = h->query_at == SIZE_MAX ? NULL : memmem(p, (size_t)(end - p), "access_token=", 13);
        if (at == NULL) {
            memcpy(o, p, (size_t)(end - p));
            o += end - p;
            break;
        }
        memcpy(o, p, (size_t)(at - p) + 13);
        o += (at - p) + 13;
        p = at + 13;
        if (at > base + h->query_at && (at[-1] == '?' || at[-1] == '&')) {
            memcpy(o, "REDACTED", 8);
            o += 8;
            while (p < end && *p != '&')
                p++;
        }
    }
    *o = '\0';
    return out;
}

/* JSON answers from this size up are compressed when the client takes gzip:
 * below it the gzip header and the CPU cost outweigh what is saved. */
#define GZIP_MIN_BYTES 1024
#define GZIP_LEVEL 5 /* most of level 9's gain on JSON at a fraction of its time */

/* Whether an answer of this type may be compressed here: JSON (and GeoJSON) built
 * by the handlers. Not the web application's files (already compressed at build
 * time, with a Content-Encoding of their own), not attachments (sent as they are,
 * with a Content-Disposition, whatever their type), not the live feed (which
 * must flush each event: it never passes through finish()). */
static bool compressible(struct req *r, const char *content_type)
{
    h2o_req_t *h = r->h2o;
    if (strncmp(content_type, "application/json", 16) != 0 &&
        strncmp(content_type, "application/geo+json", 20) != 0)
        return false;
    return h2o_find_header(&h->res.headers, H2O_TOKEN_CONTENT_ENCODING, -1) < 0 &&
           h2o_find_header(&h->res.headers, H2O_TOKEN_CONTENT_DISPOSITION, -1) < 0;
}

/* The gzip of body (malloc'd, *out_len bytes), or NULL when it does not pay. */
static unsigned char *gzip_body(const char *body, size_t len, size_t *out_len)
{
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    if (deflateInit2(&zs, GZIP_LEVEL, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return NULL;
    uLong cap = deflateBound(&zs, (uLong)len);
    unsigned char *out = malloc(cap);
    if (out == NULL) {
        deflateEnd(&zs);
        return NULL;
    }
    zs.next_in = (Bytef *)(uintptr_t)body;
    zs.avail_in = (uInt)len;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    int e = deflate(&zs, Z_FINISH);
    *out_len = zs.total_out;
    deflateEnd(&zs);
    if (e != Z_STREAM_END || *out_len >= len) {
        free(out);
        return NULL;
    }
    return out;
}

static void finish(struct req *r, int status, const char *body, size_t len, bool may_compress)
{
    h2o_req_t *h = r->h2o;
    unsigned char *gz = NULL;
    if (may_compress) {
        /* Caches must key on the encoding whichever one this answer has. */
        h2o_add_header(&h->pool, &h->res.headers, H2O_TOKEN_VARY, NULL,
                       H2O_STRLIT("Accept-Encoding"));
        ssize_t ai = h2o_find_header(&h->headers, H2O_TOKEN_ACCEPT_ENCODING, -1);
        size_t gz_len = 0;
        if (len >= GZIP_MIN_BYTES && len <= UINT32_MAX && ai >= 0 &&
            static_accepts(h->headers.entries[ai].value.base, h->headers.entries[ai].value.len,
                           "gzip") &&
            (gz = gzip_body(body, len, &gz_len)) != NULL) {
            h2o_add_header(&h->pool, &h->res.headers, H2O_TOKEN_CONTENT_ENCODING, NULL,
                           H2O_STRLIT("gzip"));
            body = (const char *)gz;
            len = gz_len;
        }
    }
    h->res.status = status;
    h->res.reason = reason(status);
    h->res.content_length = len; /* else h2o falls back to chunked encoding */
    uint64_t dur = time_mono_ns() - r->start_ns;
    metrics_observe(r->t->metrics, r->route_index, status, dur);
    if (r->t->cfg->access_log)
        log_info("%s %.*s %s %d %zu %.3fms", r->client, (int)h->method.len, h->method.base,
                 resp_log_path(r), status, len, (double)dur / 1e6);
    h2o_send_inline(h, body, len);
    free(gz);
}

int resp_json(struct req *r, int status, json_t *body)
{
    h2o_req_t *h = r->h2o;
    char *s = json_dumps(body, PJSON_DUMP_FLAGS);
    json_decref(body);
    if (s == NULL)
        return resp_error(r, PH_EIO, NULL);
    size_t n = strlen(s);
    if (status < 300 && req_reads_pending(r)) {
        int done = read_audit_answer(r, status, "application/json; charset=utf-8", s, n);
        free(s);
        return done;
    }
    /* h2o_send_inline copies the body into the pool. */
    h2o_add_header(&h->pool, &h->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                   H2O_STRLIT("application/json; charset=utf-8"));
    finish(r, status, s, n, true);
    free(s);
    return 0;
}

int resp_text(struct req *r, int status, const char *content_type, const char *body, size_t len)
{
    if (status < 300 && req_reads_pending(r))
        return read_audit_answer(r, status, content_type, body, len);
    h2o_add_header(&r->h2o->pool, &r->h2o->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, content_type,
                   strlen(content_type));
    finish(r, status, body, len, compressible(r, content_type));
    return 0;
}

bool resp_accepts_gzip(struct req *r)
{
    h2o_req_t *h = r->h2o;
    ssize_t ai = h2o_find_header(&h->headers, H2O_TOKEN_ACCEPT_ENCODING, -1);
    return ai >= 0 && static_accepts(h->headers.entries[ai].value.base,
                                     h->headers.entries[ai].value.len, "gzip");
}

unsigned char *resp_gzip(const char *body, size_t len, size_t *out_len)
{
    if (len < GZIP_MIN_BYTES || len > UINT32_MAX)
        return NULL;
    return gzip_body(body, len, out_len);
}

int resp_text_encoded(struct req *r, int status, const char *content_type, const char *encoding,
                      const char *body, size_t len)
{
    h2o_req_t *h = r->h2o;
    h2o_add_header(&h->pool, &h->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, content_type,
                   strlen(content_type));
    /* As finish() does for what it compresses: caches key on the encoding. */
    h2o_add_header(&h->pool, &h->res.headers, H2O_TOKEN_VARY, NULL, H2O_STRLIT("Accept-Encoding"));
    if (encoding != NULL)
        h2o_add_header(&h->pool, &h->res.headers, H2O_TOKEN_CONTENT_ENCODING, NULL, encoding,
                       strlen(encoding));
    finish(r, status, body, len, false);
    return 0;
}

int resp_empty(struct req *r, int status)
{
    finish(r, status, "", 0, false);
    return 0;
}

/* Vietnamese first: English only when the client prefers it. */
static bool wants_english(struct req *r)
{
    ssize_t i = h2o_find_header(&r->h2o->headers, H2O_TOKEN_ACCEPT_LANGUAGE, -1);
    if (i < 0)
        return false;
    h2o_iovec_t v = r->h2o->headers.entries[i].value;
    return v.len >= 2 && strncasecmp(v.base, "en", 2) == 0;
}

int resp_error_raw(struct req *r, int status, const char *code, const char *message_en,
                   const char *message_vi, const char *field)
{
    const char *message = wants_english(r) ? message_en : message_vi;
    json_t *e = json_object();
    json_object_set_new(e, "code", json_string(code));
    json_object_set_new(e, "message", json_string(message));
    if (field != NULL)
        json_object_set_new(e, "field", json_string(field));
    json_t *o = json_object();
    json_object_set_new(o, "error", e);
    return resp_json(r, status, o);
}

int resp_error_extra(struct req *r, ph_err rc, const char *field, const char *message_en,
                     const char *message_vi, json_t *extra)
{
    const char *message = wants_english(r) ? message_en : message_vi;
    json_t *e = json_object();
    json_object_set_new(e, "code", json_string(err_code(rc)));
    json_object_set_new(e, "message", json_string(message));
    if (field != NULL)
        json_object_set_new(e, "field", json_string(field));
    if (json_is_object(extra))
        json_object_update_missing(e, extra);
    json_decref(extra);
    json_t *o = json_object();
    json_object_set_new(o, "error", e);
    return resp_json(r, err_http_status(rc), o);
}

int resp_error(struct req *r, ph_err rc, const char *field)
{
    char msg[256];
    const char *text = wants_english(r) ? err_str(rc) : err_str_vi(rc);
    if (field != NULL)
        snprintf(msg, sizeof(msg), "%s: %s", field, text);
    else
        snprintf(msg, sizeof(msg), "%s", text);
    return resp_error_raw(r, err_http_status(rc), err_code(rc), msg, msg, field);
}
