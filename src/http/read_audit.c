/* read_audit.c - holding an answer until its classified reads are audited
 * (read_audit.h). */
#include "util/base.h"
#include <string.h>
#include "http/async.h"
#include "http/incident_cache.h"
#include "http/read_audit.h"
#include "http/resp.h"
#include "core/audit.h"
#include "util/arena.h"

struct read_note {
    const char *kind;
    int64_t id;
    int classification;
};

/* The notes of a request, in its arena (they die with it). */
struct read_notes {
    struct read_note items[READ_AUDIT_MAX_ITEMS];
    size_t n;
    bool overflow;
};

/* The job: copies of the notes and of the body, in the job's arena. */
struct read_job {
    struct read_note *items;
    size_t n;
    int status;
    const char *content_type;
    char *body;
    size_t len;
};

void req_note_read(struct req *r, const char *kind, int64_t id, int classification)
{
    struct read_notes *rn;

    if (classification <= 0)
        return;
    if (r->reads == NULL)
        r->reads = arena_zalloc(&r->arena, sizeof(*r->reads));
    rn = r->reads;
    if (rn->n == READ_AUDIT_MAX_ITEMS) {
        rn->overflow = true;
        return;
    }
    rn->items[rn->n++] = (struct read_note){kind, id, classification};
}

ph_err req_note_incident_read(struct req *r, int64_t id)
{
    struct incident_view v;
    ph_err rc = incident_cache_get(incident_cache_local(), &r->cx, id, &v);
    if (rc == PH_OK)
        req_note_read(r, "incident", id, v.classification);
    return rc;
}

bool req_reads_pending(const struct req *r)
{
    return r->reads != NULL && (r->reads->n > 0 || r->reads->overflow);
}

static ph_err run_reads(struct core_ctx *cx, void *arg)
{
    struct read_job *j = arg;
    for (size_t i = 0; i < j->n; i++) {
        ph_err rc = audit_read(cx, j->items[i].kind, j->items[i].id, j->items[i].classification);
        if (rc != PH_OK)
            return rc;
    }
    return PH_OK;
}

static int finish_reads(struct req *r, struct http_write *w)
{
    struct read_job *j = w->arg;
    if (w->job.rc != PH_OK)
        return resp_error(r, w->job.rc, NULL);
    return resp_text(r, j->status, j->content_type, j->body, j->len);
}

int read_audit_answer(struct req *r, int status, const char *content_type, const char *body,
                      size_t len)
{
    struct read_notes *rn = r->reads;
    struct http_write *w;
    struct read_job *j;

    /* From here on the answer is the job's: resp_text in finish_reads must send it. */
    r->reads = NULL;
    if (rn->overflow)
        return resp_error(r, PH_EIO, NULL);
    w = http_write_begin(r);
    j = arena_zalloc(&w->job.arena, sizeof(*j));
    j->n = rn->n;
    j->items = arena_alloc(&w->job.arena, rn->n * sizeof(*j->items));
    memcpy(j->items, rn->items, rn->n * sizeof(*j->items));
    j->status = status;
    j->content_type = arena_strdup(&w->job.arena, content_type);
    j->body = arena_alloc(&w->job.arena, len + 1);
    memcpy(j->body, body, len);
    j->body[len] = '\0';
    j->len = len;
    return http_write_submit(w, NULL, run_reads, j, finish_reads);
}
