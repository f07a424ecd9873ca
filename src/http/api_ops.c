/* api_ops.c - what operators and monitoring use: /healthz, /metrics, and a small
 * landing page at / until the web application (a later issue) is served there. */
#include "util/base.h"
#include "http/http_int.h"
#include "http/metrics.h"
#include "http/resp.h"
#include "http/router.h"
#include "store/store.h"
#include "util/buf.h"

static int healthz(struct req *r)
{
    int version = 0;
    if (store_schema_version(r->t->st, &version) != PH_OK)
        return resp_error(r, PH_ESTORE, NULL);
    json_t *o = json_object();
    json_object_set_new(o, "status", json_string("ok"));
    json_object_set_new(o, "schema_version", json_integer(version));
    return resp_json(r, 200, o);
}

static int metrics(struct req *r)
{
    struct buf b;
    buf_init(&b, 4 * 1024 * 1024);
    ph_err rc = metrics_render(r->t, &b);
    if (rc != PH_OK) {
        buf_release(&b);
        return resp_error(r, rc, NULL);
    }
    resp_text(r, 200, "text/plain; version=0.0.4; charset=utf-8", b.data, b.len);
    buf_release(&b);
    return 0;
}

static const char landing[] =
    "<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>phoihop</title></head>"
    "<body><h1>phoihop — Hệ thống thông tin phối hợp</h1>"
    "<p>Công an · Quân sự · Biên phòng. API: <a href=\"/api/v1/auth/me\">/api/v1</a>, "
    "trạng thái: <a href=\"/healthz\">/healthz</a>.</p>"
    "<p lang=\"en\">Coordination information system of the three forces. The web application "
    "arrives in a later release; the JSON API is at /api/v1.</p></body></html>";

static int root(struct req *r)
{
    return resp_text(r, 200, "text/html; charset=utf-8", landing, sizeof(landing) - 1);
}

const struct route api_ops_routes[] = {
    {"GET", "/healthz", healthz, ROUTE_PUBLIC, false},
    {"GET", "/metrics", metrics, ROUTE_PUBLIC, false},
    {"GET", "/", root, ROUTE_PUBLIC, false},
    {NULL, NULL, NULL, 0, false},
};
