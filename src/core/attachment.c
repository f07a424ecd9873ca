/* attachment.c - photos and documents attached to incidents (core/attachment.h):
 * the type decided from the bytes by libmagic, the size limit, clean file names,
 * content-addressed storage under the SHA-256, and the services the doors call.
 *
 * Why the bytes and never the client: a file claimed to be "image/png" that is
 * really HTML or SVG would run script in the browser of whoever opens it from
 * our origin. Only types that browsers display without running anything are
 * taken, and the HTTP door serves them with the stored type and nosniff.
 *
 * libmagic: a magic_t is not thread-safe, and loading the database costs some
 * milliseconds, so each thread that sniffs opens its own once, on first use,
 * and a pthread key closes it when the thread ends. */
#include "util/base.h"
#include <jansson.h>
#include <magic.h>
#include <pthread.h>
#include <sodium.h>
#include "core/access.h"
#include "core/attachment.h"
#include "core/audit.h"
#include "core/ctx.h"
#include "core/fields.h"
#include "core/incident.h"
#include "core/incident_int.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/limits.h"
#include "util/log.h"

/* h2o buffers any body up to HTTP_MAX_ENTITY_BYTES before routing; with the
 * default attachment limit that must be the limit plus the margin (server.c
 * raises it with the environment's limit). */
_Static_assert(HTTP_MAX_ENTITY_BYTES == ATTACHMENT_MAX_BYTES + HTTP_ENTITY_MARGIN_BYTES,
               "HTTP_MAX_ENTITY_BYTES is the default attachment limit plus the margin");

/* The types taken, as libmagic's MAGIC_MIME_TYPE names them. */
static const char *const allowed_types[] = {
    "image/jpeg", "image/png", "image/webp", "application/pdf", "video/mp4", "text/plain",
};

/* ---- libmagic, one per thread ------------------------------------------------------ */

/* MAGIC_NO_CHECK_COMPRESS: never decompress what a client sent to look inside. */
#define MAGIC_FLAGS (MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS)

static pthread_once_t magic_once = PTHREAD_ONCE_INIT;
static pthread_key_t magic_key;
static bool magic_key_made;
static _Thread_local magic_t tl_magic;
static _Thread_local bool tl_magic_logged;

static void close_magic(void *m)
{
    magic_close(m);
}

static void make_magic_key(void)
{
    magic_key_made = pthread_key_create(&magic_key, close_magic) == 0;
}

/* This thread's magic_t, or NULL (logged once per thread) when libmagic cannot
 * load its database (libmagic-mgc not installed). */
static magic_t thread_magic(void)
{
    magic_t m;

    if (tl_magic != NULL)
        return tl_magic;
    pthread_once(&magic_once, make_magic_key);
    m = magic_open(MAGIC_FLAGS);
    if (m == NULL || magic_load(m, NULL) != 0) {
        if (!tl_magic_logged)
            log_error("attachment: libmagic cannot load its database: %s",
                      m != NULL && magic_error(m) != NULL ? magic_error(m) : strerror(errno));
        tl_magic_logged = true;
        if (m != NULL)
            magic_close(m);
        return NULL;
    }
    /* The key closes it at thread exit; tl_magic is the fast path. */
    if (magic_key_made)
        pthread_setspecific(magic_key, m);
    tl_magic = m;
    return m;
}

/* The allowed type of data, or NULL; *failed when libmagic could not look. */
static const char *sniff(const void *data, size_t len, bool *failed)
{
    const char *t;
    magic_t m;

    *failed = false;
    if (data == NULL || len == 0)
        return NULL;
    m = thread_magic();
    if (m == NULL) {
        *failed = true;
        return NULL;
    }
    t = magic_buffer(m, data, len);
    if (t == NULL) {
        log_warn("attachment: libmagic: %s", magic_error(m) != NULL ? magic_error(m) : "failed");
        return NULL;
    }
    /* Our own copy of the name: libmagic's buffer is overwritten by its next call. */
    for (size_t i = 0; i < PH_NELEM(allowed_types); i++)
        if (strcmp(t, allowed_types[i]) == 0)
            return allowed_types[i];
    return NULL;
}

const char *attachment_sniff(const void *data, size_t len)
{
    bool failed;
    return sniff(data, len, &failed);
}

/* ---- the size limit ------------------------------------------------------------------ */

static pthread_once_t limit_once = PTHREAD_ONCE_INIT;
static size_t limit_bytes = ATTACHMENT_MAX_BYTES;

/* PHOIHOP_ATTACHMENT_MAX_BYTES: a number of bytes, or of KiB or MiB with a K or
 * M after it ("20M"), from 1 to ATTACHMENT_MAX_BYTES_CEILING. Anything else is
 * logged and the default stays. */
static void read_limit(void)
{
    const char *v = getenv("PHOIHOP_ATTACHMENT_MAX_BYTES");
    unsigned long long n = 0, unit = 1;
    char *end = NULL;

    if (v == NULL || v[0] == '\0')
        return;
    errno = 0;
    if (v[0] >= '0' && v[0] <= '9')
        n = strtoull(v, &end, 10);
    if (end != NULL && (*end == 'K' || *end == 'k'))
        unit = 1024;
    else if (end != NULL && (*end == 'M' || *end == 'm'))
        unit = 1024 * 1024;
    if (unit > 1)
        end++;
    if (end == NULL || *end != '\0' || errno != 0 || n == 0 ||
        n > ATTACHMENT_MAX_BYTES_CEILING / unit) {
        log_warn("attachment: PHOIHOP_ATTACHMENT_MAX_BYTES=%s is not a size from 1 to %d bytes; "
                 "keeping %d",
                 v, ATTACHMENT_MAX_BYTES_CEILING, ATTACHMENT_MAX_BYTES);
        return;
    }
    limit_bytes = (size_t)(n * unit);
}

size_t attachment_max_bytes(void)
{
    pthread_once(&limit_once, read_limit);
    return limit_bytes;
}

/* ---- validation ----------------------------------------------------------------------- */

/* The code point at s (valid UTF-8, as fields_clean_text leaves it); *n its bytes. */
static uint32_t next_cp(const unsigned char *s, size_t *n)
{
    if (s[0] < 0x80) {
        *n = 1;
        return s[0];
    }
    if (s[0] < 0xe0) {
        *n = 2;
        return (uint32_t)(s[0] & 0x1f) << 6 | (s[1] & 0x3f);
    }
    if (s[0] < 0xf0) {
        *n = 3;
        return (uint32_t)(s[0] & 0x0f) << 12 | (uint32_t)(s[1] & 0x3f) << 6 | (s[2] & 0x3f);
    }
    *n = 4;
    return (uint32_t)(s[0] & 0x07) << 18 | (uint32_t)(s[1] & 0x3f) << 12 |
           (uint32_t)(s[2] & 0x3f) << 6 | (s[3] & 0x3f);
}

/* Code points a file name may not hold: path separators (a name is never a
 * path, whatever saves it), controls (C0, DEL, C1: they break headers and
 * logs), and the invisible characters that make "tệp" U+202E "fdp.exe" display
 * as "tệpexe.pdf" (bidirectional overrides, isolates and marks) or break lines. */
static bool cp_forbidden(uint32_t c)
{
    return c == '/' || c == '\\' || c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x061c ||
           c == 0x200e || c == 0x200f || (c >= 0x2028 && c <= 0x202e) ||
           (c >= 0x2066 && c <= 0x2069);
}

/* in trimmed, clean UTF-8, NFC, 1..ATTACHMENT_NAME_MAX_BYTES, without what
 * cp_forbidden() refuses, and not "." or "..". */
static ph_err clean_filename(struct arena *a, const char *in, const char **out)
{
    const char *s = NULL;
    size_t n;

    if (fields_clean_text(a, in, ATTACHMENT_NAME_MAX_BYTES, true, &s) != PH_OK)
        return PH_EINVAL;
    if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
        return PH_EINVAL;
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p += n)
        if (cp_forbidden(next_cp(p, &n)))
            return PH_EINVAL;
    *out = s;
    return PH_OK;
}

/* ---- access ---------------------------------------------------------------------------- */

/* core/attachment.h: the update right over the incident, or the right to file
 * one for its reporting unit. */
static bool may_attach(const struct core_user *who, const struct incident *inc)
{
    struct access_item item, reporting = {.kind = ITEM_OPERATIONAL};

    incident_access_item(inc, &item);
    if (access_allows(who, ACCESS_UPDATE, &item, NULL))
        return true;
    if (inc->reporting_unit_path == NULL)
        return false;
    reporting.owner_path = inc->reporting_unit_path;
    reporting.classification = inc->classification;
    return access_allows(who, ACCESS_CREATE, &reporting, NULL);
}

/* ---- services -------------------------------------------------------------------------- */

void attachment_bytes_examine(const void *data, size_t len, struct attachment_bytes *b)
{
    memset(b, 0, sizeof(*b));
    b->data = data;
    b->len = len;
    b->examined = true;
    if (data == NULL || len == 0 || len > attachment_max_bytes())
        return;
    b->content_type = sniff(data, len, &b->magic_failed);
    crypto_hash_sha256(b->sha256, data, len);
}

static json_t *attachment_detail(const struct attachment *at, const char *hex)
{
    return json_pack("{s:I, s:o, s:s, s:I, s:s}", "attachment_id", (json_int_t)at->id, "filename",
                     fields_jstr(at->filename), "content_type", at->content_type, "size",
                     (json_int_t)at->size, "sha256", hex);
}

static ph_err field_err(const char **field, const char *name, ph_err rc)
{
    if (field != NULL)
        *field = name;
    return rc;
}

/* attachment_check() with the incident loaded into *inc. */
static ph_err check(struct core_ctx *cx, int64_t incident_id, struct incident *inc,
                    const char **field)
{
    int64_t count = 0;
    ph_err rc = incident_load_for(cx, incident_id, ACCESS_READ, inc);

    if (rc != PH_OK)
        return rc;
    if (!may_attach(cx->user, inc))
        return PH_EPERM;
    if (strcmp(inc->status, INCIDENT_ST_CLOSED) == 0 ||
        strcmp(inc->status, INCIDENT_ST_MERGED) == 0)
        return field_err(field, "status", PH_ECONFLICT);
    rc = store_attachment_count(cx->st, incident_id, &count);
    if (rc == PH_OK && count >= ATTACHMENT_MAX_PER_INCIDENT)
        rc = field_err(field, "file", PH_ECONFLICT);
    return rc;
}

ph_err attachment_check(struct core_ctx *cx, int64_t incident_id, const char **field)
{
    struct incident inc;
    return check(cx, incident_id, &inc, field);
}

ph_err attachment_add_bytes(struct core_ctx *cx, int64_t incident_id,
                            const struct attachment_bytes *b, const char *filename,
                            const char *note, struct attachment *out, const char **field)
{
    struct attachment_bytes local;
    struct attachment at = {0};
    struct incident inc;
    char hex[65];
    int64_t id = 0;
    json_t *d = NULL;
    ph_err rc;

    rc = check(cx, incident_id, &inc, field);
    if (rc != PH_OK)
        goto out;
    if (b->len == 0 || b->data == NULL) {
        rc = field_err(field, "file", PH_EINVAL);
        goto out;
    }
    if (b->len > attachment_max_bytes()) {
        rc = field_err(field, "file", PH_ETOOBIG);
        goto out;
    }
    if (clean_filename(cx->arena, filename, &at.filename) != PH_OK) {
        rc = field_err(field, "filename", PH_EINVAL);
        goto out;
    }
    rc = incident_clean_note(cx, note, &at.note, field);
    if (rc != PH_OK)
        goto out;
    if (!b->examined) {
        attachment_bytes_examine(b->data, b->len, &local);
        b = &local;
    }
    if (b->magic_failed) {
        rc = PH_EIO;
        goto out;
    }
    if (b->content_type == NULL) {
        rc = field_err(field, "file", PH_EINVAL);
        goto out;
    }

    at.incident_id = incident_id;
    at.content_type = b->content_type;
    at.size = (int64_t)b->len;
    memcpy(at.sha256, b->sha256, sizeof(at.sha256));
    at.created_by = cx->user->person_id;
    at.created_at = cx->now_ms;
    rc = store_attachment_blob_put(cx->st, at.sha256, b->data, b->len, cx->now_ms, NULL);
    if (rc != PH_OK)
        goto out;
    rc = store_attachment_insert(cx->st, &at, &id);
    if (rc != PH_OK)
        goto out;
    at.id = id;

    sodium_bin2hex(hex, sizeof(hex), at.sha256, sizeof(at.sha256));
    d = attachment_detail(&at, hex);
    rc = incident_log_event(cx, incident_id, "attachment", 0, json_deep_copy(d));
    if (rc != PH_OK)
        goto out;
    json_object_set_new(d, "ref", fields_jstr(inc.ref));
    if (at.note != NULL)
        json_object_set_new(d, "note", json_string(at.note));
    rc = audit_record(cx, "incident.attach", "incident", incident_id, d);
    d = NULL;
    if (rc != PH_OK)
        goto out;
    /* Attaching changes no member of the incident: inc as loaded is as it is now. */
    rc = incident_emit_for(cx, "incident.attachment", &inc,
                           json_pack("{s:o}", "attachment", attachment_detail(&at, hex)), NULL);
    if (rc == PH_OK && out != NULL)
        *out = at;
out:
    json_decref(d);
    return rc;
}

ph_err attachment_add(struct core_ctx *cx, int64_t incident_id, const void *data, size_t len,
                      const char *filename, const char *note, struct attachment *out,
                      const char **field)
{
    /* Unexamined: attachment_add_bytes looks at the bytes only once the caller
     * may attach, so nobody hashes megabytes for a caller who is refused. */
    struct attachment_bytes b = {.data = data, .len = len};

    return attachment_add_bytes(cx, incident_id, &b, filename, note, out, field);
}

ph_err attachment_list(struct core_ctx *cx, int64_t incident_id, struct attachment **items,
                       size_t *n)
{
    struct incident inc;
    ph_err rc = incident_load_for(cx, incident_id, ACCESS_READ, &inc);

    if (rc == PH_OK)
        rc = store_attachment_list(cx->st, cx->arena, incident_id, items, n);
    return rc;
}

ph_err attachment_get(struct core_ctx *cx, int64_t incident_id, int64_t id, struct attachment *meta,
                      const void **data, size_t *len)
{
    struct incident inc;
    ph_err rc = incident_load_for(cx, incident_id, ACCESS_READ, &inc);

    if (rc == PH_OK && id <= 0)
        rc = PH_ENOTFOUND;
    if (rc == PH_OK)
        rc = store_attachment_get(cx->st, cx->arena, incident_id, id, meta, data, len);
    return rc;
}
