/* api_ops.c - what operators and monitoring use: /healthz and /metrics. (The web
 * application at / is static.c's.) */
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

const struct route api_ops_routes[] = {
    {"GET", "/healthz", healthz, ROUTE_PUBLIC, false},
    {"GET", "/metrics", metrics, ROUTE_PUBLIC, false},
    {NULL, NULL, NULL, 0, false},
};
