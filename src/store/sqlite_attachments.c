/* sqlite_attachments.c - the SQLite backend's incident attachments
 * (core/attachment.h): content-addressed blobs, stored once per SHA-256, and the
 * rows that attach them to incidents. See sqlite_int.h and migration 005.
 *
 * Blobs are bound SQLITE_STATIC (the caller's buffer outlives the statement's
 * use, which store_sq_done ends), so a 10 MiB upload is not copied on its way
 * in; on the way out the bytes are copied once, into the caller's arena, since
 * what sqlite3_column_blob points at is gone at the next step or reset. */
#include "util/base.h"
#include "store/sqlite_int.h"
#include "store/store.h"
#include "util/arena.h"

#define ATTACH_COLS                                                                                \
    "a.id, a.incident_id, a.filename, a.content_type, a.size, a.sha256, a.note, a.created_by, "    \
    "a.created_at"

ph_err store_sq_attachment_blob_put(struct store *st, const uint8_t sha256[32], const void *data,
                                    size_t len, int64_t at, bool *stored)
{
    struct store_sq *s = store_sq_of(st);
    /* The same bytes twice is the one blob: the second put changes nothing. */
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_ATTACH_BLOB_PUT,
        "INSERT INTO attachment_blobs (sha256, size, created_at, data) VALUES (?1, ?2, ?3, ?4) "
        "ON CONFLICT (sha256) DO NOTHING");
    int changes = 0, e;
    ph_err rc;

    if (stmt == NULL)
        return PH_ESTORE;
    e = sqlite3_bind_blob(stmt, 1, sha256, 32, SQLITE_STATIC) |
        sqlite3_bind_int64(stmt, 2, (sqlite3_int64)len) |
        sqlite3_bind_int64(stmt, 3, store_time_or_now(at)) |
        sqlite3_bind_blob64(stmt, 4, data, (sqlite3_uint64)len, SQLITE_STATIC);
    rc = store_sq_write(s, stmt, e, "store attachment blob", &changes);
    if (rc == PH_OK && stored != NULL)
        *stored = changes > 0;
    return rc;
}

ph_err store_sq_attachment_insert(struct store *st, const struct attachment *a, int64_t *id)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_ATTACH_INSERT,
        "INSERT INTO attachments (incident_id, filename, content_type, size, sha256, note, "
        "created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    int e;

    if (stmt == NULL)
        return PH_ESTORE;
    e = sqlite3_bind_int64(stmt, 1, a->incident_id) | store_sq_bind_text(stmt, 2, a->filename) |
        store_sq_bind_text(stmt, 3, a->content_type) | sqlite3_bind_int64(stmt, 4, a->size) |
        sqlite3_bind_blob(stmt, 5, a->sha256, 32, SQLITE_STATIC) |
        store_sq_bind_text(stmt, 6, a->note) | sqlite3_bind_int64(stmt, 7, a->created_by) |
        sqlite3_bind_int64(stmt, 8, store_time_or_now(a->created_at));
    return store_sq_insert(s, stmt, e, "insert attachment", id);
}

static void read_count(struct arena *ar, sqlite3_stmt *stmt, void *row)
{
    (void)ar;
    *(int64_t *)row = sqlite3_column_int64(stmt, 0);
}

ph_err store_sq_attachment_count(struct store *st, int64_t incident_id, int64_t *n)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(s, SQ_ATTACH_COUNT,
                                       "SELECT count(*) FROM attachments WHERE incident_id = ?1");
    int64_t count = 0;
    ph_err rc;

    if (stmt == NULL)
        return PH_ESTORE;
    rc = store_sq_get(s, NULL, stmt, sqlite3_bind_int64(stmt, 1, incident_id), "count attachments",
                      read_count, &count);
    if (rc == PH_OK)
        *n = count;
    return rc;
}

static void read_attachment(struct arena *ar, sqlite3_stmt *stmt, void *row)
{
    struct attachment *out = row;

    memset(out, 0, sizeof(*out));
    out->id = sqlite3_column_int64(stmt, 0);
    out->incident_id = sqlite3_column_int64(stmt, 1);
    out->filename = store_sq_col_text(ar, stmt, 2);
    out->content_type = store_sq_col_text(ar, stmt, 3);
    out->size = sqlite3_column_int64(stmt, 4);
    (void)store_sq_col_hash(stmt, 5, out->sha256);
    out->note = store_sq_col_text(ar, stmt, 6);
    out->created_by = sqlite3_column_int64(stmt, 7);
    out->created_at = sqlite3_column_int64(stmt, 8);
}

ph_err store_sq_attachment_list(struct store *st, struct arena *ar, int64_t incident_id,
                                struct attachment **items, size_t *n)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(s, SQ_ATTACH_LIST,
                                       "SELECT " ATTACH_COLS " FROM attachments AS a "
                                       "WHERE a.incident_id = ?1 ORDER BY a.id");
    void *list = NULL;
    ph_err rc;

    if (stmt == NULL)
        return PH_ESTORE;
    rc = store_sq_rows(s, ar, stmt, sqlite3_bind_int64(stmt, 1, incident_id), "list attachments",
                       sizeof(**items), 0, read_attachment, &list, n, NULL);
    if (rc == PH_OK)
        *items = list;
    return rc;
}

/* An attachment with its bytes (column 9), for store_sq_get. */
struct attachment_row {
    struct attachment meta;
    void *data;
    size_t len;
    bool size_ok; /* the blob is as long as the row says */
};

static void read_attachment_data(struct arena *ar, sqlite3_stmt *stmt, void *row)
{
    struct attachment_row *out = row;
    /* sqlite3_column_blob first: sqlite3_column_bytes after it gives its length. */
    const void *blob = sqlite3_column_blob(stmt, 9);
    int n = sqlite3_column_bytes(stmt, 9);

    read_attachment(ar, stmt, &out->meta);
    out->len = n > 0 ? (size_t)n : 0;
    out->size_ok = blob != NULL && (int64_t)out->len == out->meta.size;
    out->data = arena_alloc(ar, out->len > 0 ? out->len : 1);
    if (out->size_ok)
        memcpy(out->data, blob, out->len);
}

ph_err store_sq_attachment_get(struct store *st, struct arena *ar, int64_t incident_id, int64_t id,
                               struct attachment *out, const void **data, size_t *len)
{
    struct store_sq *s = store_sq_of(st);
    struct attachment_row row;
    sqlite3_stmt *stmt;
    ph_err rc;
    int e;

    if (data == NULL) {
        stmt = store_sq_stmt(s, SQ_ATTACH_GET,
                             "SELECT " ATTACH_COLS " FROM attachments AS a "
                             "WHERE a.id = ?1 AND a.incident_id = ?2");
        if (stmt == NULL)
            return PH_ESTORE;
        e = sqlite3_bind_int64(stmt, 1, id) | sqlite3_bind_int64(stmt, 2, incident_id);
        return store_sq_get(s, ar, stmt, e, "get attachment", read_attachment, out);
    }
    stmt = store_sq_stmt(s, SQ_ATTACH_GET_DATA,
                         "SELECT " ATTACH_COLS ", b.data FROM attachments AS a "
                         "JOIN attachment_blobs AS b ON b.sha256 = a.sha256 "
                         "WHERE a.id = ?1 AND a.incident_id = ?2");
    if (stmt == NULL)
        return PH_ESTORE;
    e = sqlite3_bind_int64(stmt, 1, id) | sqlite3_bind_int64(stmt, 2, incident_id);
    rc = store_sq_get(s, ar, stmt, e, "get attachment data", read_attachment_data, &row);
    if (rc == PH_OK && !row.size_ok) {
        /* The schema's checks make this corruption (or out of memory in SQLite):
         * never serve a truncated file as if it were the one stored. */
        rc = store_sq_fail(s, SQLITE_CORRUPT, "attachment blob size");
    }
    if (rc != PH_OK)
        return rc;
    *out = row.meta;
    *data = row.data;
    *len = row.len;
    return PH_OK;
}
