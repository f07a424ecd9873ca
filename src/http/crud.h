/* crud.h - the create/read/update/delete shape shared by the directory resources
 * (areas, units, people): each api_<resource>.c describes its record with a
 * struct crud_resource of small adapters, and these handlers do the HTTP part the
 * same way for all (ETag, If-Match, Location, errors, the async write). */
#ifndef PH_HTTP_CRUD_H
#define PH_HTTP_CRUD_H
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include "core/ctx.h"
#include "util/err.h"
struct req;

struct crud_resource {
    const char *path;   /* "/api/v1/units": Location is path + "/" + id */
    size_t rec_size;    /* the record the adapters below work on */
    void (*init)(void *rec); /* defaults for a create */
    ph_err (*get)(struct core_ctx *cx, int64_t id, void *rec);
    ph_err (*apply)(json_t *obj, struct arena *a, void *rec, bool creating, const char **field);
    json_t *(*encode)(const void *rec);
    ph_err (*create)(struct core_ctx *cx, void *rec, const char **field);
    ph_err (*update)(struct core_ctx *cx, void *rec, const char **field);
    ph_err (*remove)(struct core_ctx *cx, int64_t id);
    size_t id_at;      /* where the record keeps its id (offsetof) */
    size_t version_at; /* ... and its version */
    bool changes_sessions; /* updates may revoke sessions: flush the auth caches */
    /* Optional CPU-heavy step of a create (e.g. hashing a password), run on the
     * worker pool before the writer; its error answers the request. */
    ph_err (*prepare)(void *rec, struct arena *a, const char **field);
    /* Optional, on the loop before prepare runs: refuse early what the caller may not
     * do, so that no one can keep the worker pool busy with refused work. */
    ph_err (*precheck)(struct core_ctx *cx, void *rec, const char **field);
    /* Optional: wipe secrets of rec when the job is freed, on every path. */
    void (*wipe)(void *rec);
    /* Optional: note a read of rec (http/read_audit.h) when GET answers it, so that
     * a classified record is sent only after its read is audited. */
    void (*note_read)(struct req *r, const void *rec);
};

int crud_get(struct req *r, const struct crud_resource *res);
int crud_create(struct req *r, const struct crud_resource *res);
int crud_update(struct req *r, const struct crud_resource *res);
int crud_delete(struct req *r, const struct crud_resource *res);
/* Answer a list page: n items of stride bytes (each starting with the core record
 * that res->encode and res->id_at read), encoded with res->encode. */
int crud_list_answer(struct req *r, const struct crud_resource *res, void *items, size_t stride,
                     size_t n, bool has_more);
#endif
