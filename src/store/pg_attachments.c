/* pg_attachments.c - the PostgreSQL twin of sqlite_attachments.c (pg_int.h):
 * incident attachments (core/attachment.h), content-addressed blobs stored once
 * per SHA-256 as bytea, and the rows that attach them to incidents.
 *
 * Blobs go in as binary parameters (pg_arg_bytes borrows the caller's buffer,
 * so an upload is not copied on its way in) and come back decoded into the
 * caller's arena. */
#include "util/base.h"
#include "store/pg_int.h"
#include "util/arena.h"
#include "util/log.h"

#define ATTACH_COLS                                                                                \
    "a.id, a.incident_id, a.filename, a.content_type, a.size, a.sha256, a.note, a.created_by, "    \
    "a.created_at"

ph_err store_pg_attachment_blob_put(struct store *st, const uint8_t sha256[32], const void *data,
                                    size_t len, int64_t at, bool *stored)
{
    struct pg_args a = {0};
    int changes = 0;
    ph_err rc;

    /* The same bytes twice is the one blob: the second put changes nothing. */
    pg_arg_bytes(&a, sha256, 32);
    pg_arg_i64(&a, (int64_t)len);
    pg_arg_i64(&a, store_time_or_now(at));
    pg_arg_bytes(&a, data, len);
    rc = pg_write(store_pg_of(st),
                  "INSERT INTO attachment_blobs (sha256, size, created_at, data) "
                  "VALUES ($1, $2, $3, $4) ON CONFLICT (sha256) DO NOTHING",
                  &a, "store attachment blob", &changes);
    if (rc == PH_OK && stored != NULL)
        *stored = changes > 0;
    return rc;
}

ph_err store_pg_attachment_insert(struct store *st, const struct attachment *a, int64_t *id)
{
    struct pg_args args = {0};

    pg_arg_i64(&args, a->incident_id);
    pg_arg_text(&args, a->filename);
    pg_arg_text(&args, a->content_type);
    pg_arg_i64(&args, a->size);
    pg_arg_bytes(&args, a->sha256, 32);
    pg_arg_text(&args, a->note);
    pg_arg_i64(&args, a->created_by);
    pg_arg_i64(&args, store_time_or_now(a->created_at));
    return pg_insert(store_pg_of(st),
                     "INSERT INTO attachments (incident_id, filename, content_type, size, sha256, "
                     "note, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
                     "RETURNING id",
                     &args, "insert attachment", id);
}

ph_err store_pg_attachment_count(struct store *st, int64_t incident_id, int64_t *n)
{
    struct pg_args a = {0};

    pg_arg_i64(&a, incident_id);
    return pg_get_i64(store_pg_of(st), "SELECT count(*) FROM attachments WHERE incident_id = $1",
                      &a, "count attachments", n);
}

static void read_attachment(struct arena *ar, const PGresult *res, int row, void *o)
{
    struct attachment *out = o;

    memset(out, 0, sizeof(*out));
    out->id = pg_col_i64(res, row, 0);
    out->incident_id = pg_col_i64(res, row, 1);
    out->filename = pg_col_text(ar, res, row, 2);
    out->content_type = pg_col_text(ar, res, row, 3);
    out->size = pg_col_i64(res, row, 4);
    (void)pg_col_hash(res, row, 5, out->sha256);
    out->note = pg_col_text(ar, res, row, 6);
    out->created_by = pg_col_i64(res, row, 7);
    out->created_at = pg_col_i64(res, row, 8);
}

ph_err store_pg_attachment_list(struct store *st, struct arena *ar, int64_t incident_id,
                                struct attachment **items, size_t *n)
{
    struct pg_args a = {0};
    void *list = NULL;
    ph_err rc;

    pg_arg_i64(&a, incident_id);
    rc = pg_rows(store_pg_of(st), ar,
                 "SELECT " ATTACH_COLS " FROM attachments AS a WHERE a.incident_id = $1 "
                 "ORDER BY a.id",
                 &a, "list attachments", sizeof(**items), 0, read_attachment, &list, n, NULL);
    if (rc == PH_OK)
        *items = list;
    return rc;
}

/* An attachment with its bytes (column 9), for pg_get. */
struct attachment_row {
    struct attachment meta;
    void *data;
    size_t len;
    bool size_ok; /* the blob is as long as the row says */
};

static void read_attachment_data(struct arena *ar, const PGresult *res, int row, void *o)
{
    struct attachment_row *out = o;

    read_attachment(ar, res, row, &out->meta);
    out->len = 0;
    out->data = pg_col_bytes(ar, res, row, 9, &out->len);
    out->size_ok = out->data != NULL && (int64_t)out->len == out->meta.size;
    if (out->data == NULL)
        out->data = arena_alloc(ar, 1);
}

ph_err store_pg_attachment_get(struct store *st, struct arena *ar, int64_t incident_id, int64_t id,
                               struct attachment *out, const void **data, size_t *len)
{
    struct pg_args a = {0};
    struct attachment_row row;
    ph_err rc;

    pg_arg_i64(&a, id);
    pg_arg_i64(&a, incident_id);
    if (data == NULL)
        return pg_get(store_pg_of(st), ar,
                      "SELECT " ATTACH_COLS " FROM attachments AS a "
                      "WHERE a.id = $1 AND a.incident_id = $2",
                      &a, "get attachment", read_attachment, out);
    rc = pg_get(store_pg_of(st), ar,
                "SELECT " ATTACH_COLS ", b.data FROM attachments AS a "
                "JOIN attachment_blobs AS b ON b.sha256 = a.sha256 "
                "WHERE a.id = $1 AND a.incident_id = $2",
                &a, "get attachment data", read_attachment_data, &row);
    if (rc == PH_OK && !row.size_ok) {
        /* The schema's checks make this corruption (or a failed decode): never
         * serve a truncated file as if it were the one stored. */
        log_error("store/postgres: attachment %lld: blob size %zu, row says %lld", (long long)id,
                  row.len, (long long)row.meta.size);
        rc = PH_ESTORE;
    }
    if (rc != PH_OK)
        return rc;
    *out = row.meta;
    *data = row.data;
    *len = row.len;
    return PH_OK;
}
