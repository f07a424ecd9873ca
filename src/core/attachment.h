/* attachment.h - photos and documents attached to an incident: stored with their
 * SHA-256 (identical content is kept once), their content type decided from the
 * bytes (libmagic), never from what the client claims, limited in size
 * (ATTACHMENT_MAX_BYTES by default, configurable), and served only to people who
 * may see the incident. Adding one is a change of the incident like any other:
 * access (update right over the lead unit, or the reporting unit's own reporters
 * and duty officers), a timeline entry "attachment", an audit entry
 * "incident.attach", an outbox event "incident.attachment" — in one transaction.
 *
 * Access in full: the caller must see the incident (else PH_ENOTFOUND), and then
 * either have the update right over it (ACCESS_UPDATE on the incident's access
 * item: a duty officer, commander or coordinator of the lead unit or above it)
 * or the right to file an incident for its reporting unit (ACCESS_CREATE on an
 * item owned by the reporting unit: a reporter, duty officer, commander or
 * coordinator of that unit or above it), who may add the photos of what they
 * reported. A viewer never attaches (PH_EPERM).
 *
 * Allowed types, as libmagic names them from the bytes: image/jpeg, image/png,
 * image/webp, application/pdf, video/mp4, text/plain. Everything else (HTML, SVG,
 * executables, archives, office documents, unknown data) is refused, whatever
 * the client says it is. */
#ifndef PH_CORE_ATTACHMENT_H
#define PH_CORE_ATTACHMENT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "util/err.h"
struct core_ctx;

#define ATTACHMENT_MAX_BYTES (10 * 1024 * 1024) /* default; PHOIHOP_ATTACHMENT_MAX_BYTES */
#define ATTACHMENT_NAME_MAX_BYTES 255
#define ATTACHMENT_MAX_PER_INCIDENT 50
/* The highest PHOIHOP_ATTACHMENT_MAX_BYTES taken (h2o holds a body in memory). */
#define ATTACHMENT_MAX_BYTES_CEILING (512 * 1024 * 1024)

struct attachment {
    int64_t id, incident_id;
    const char *filename;     /* as given (NFC, no path separators), for display and download */
    const char *content_type; /* detected: "image/jpeg", "image/png", "image/webp",
                               * "application/pdf", "video/mp4", "text/plain" */
    int64_t size;
    uint8_t sha256[32];
    const char *note;         /* or NULL */
    int64_t created_by, created_at;
};

/* The content type of data as libmagic sees it, if it is one of the allowed
 * types above; NULL otherwise (a forbidden or unknown type). Thread-safe. */
const char *attachment_sniff(const void *data, size_t len);
/* The size limit in force (ATTACHMENT_MAX_BYTES or the environment's). */
size_t attachment_max_bytes(void);
/* What attachment_add learns from the bytes alone. */
struct attachment_bytes {
    const void *data;         /* borrowed */
    size_t len;
    const char *content_type; /* attachment_sniff's answer; NULL: forbidden or not examined */
    uint8_t sha256[32];
    bool examined;            /* set by attachment_bytes_examine */
    bool magic_failed;        /* libmagic could not run (no database?): PH_EIO, not the
                               * client's fault */
};
/* Fill b for data (len bytes): the type and the SHA-256 (not when len is 0 or
 * over the limit: those are refused anyway). Pure CPU work, safe on any thread:
 * the HTTP door runs it on the worker pool, so that the writer thread does not
 * hash megabytes inside a group commit. */
void attachment_bytes_examine(const void *data, size_t len, struct attachment_bytes *b);
/* attachment_add with the bytes examined beforehand (b as
 * attachment_bytes_examine filled it; examined here when b->examined is false). */
ph_err attachment_add_bytes(struct core_ctx *cx, int64_t incident_id,
                            const struct attachment_bytes *b, const char *filename,
                            const char *note, struct attachment *out,
                            const char **field) __attribute__((warn_unused_result));

/* Attach data (len bytes) to incident_id. PH_EINVAL with *field: "file" (empty,
 * or a forbidden type), "filename", "note"; PH_ETOOBIG when over the limit;
 * PH_ENOTFOUND when the caller may not see the incident; PH_EPERM when they may
 * see but not attach; PH_ECONFLICT when the incident is closed or merged or has
 * ATTACHMENT_MAX_PER_INCIDENT already (*field "status" / "file"); PH_EIO when
 * libmagic cannot run (its database missing: logged). out->id etc. set on PH_OK. */
ph_err attachment_add(struct core_ctx *cx, int64_t incident_id, const void *data, size_t len,
                      const char *filename, const char *note, struct attachment *out,
                      const char **field) __attribute__((warn_unused_result));
/* The checks of attachment_add that need no bytes: the caller may see incident_id
 * (PH_ENOTFOUND), may attach to it (PH_EPERM), and it is open and below
 * ATTACHMENT_MAX_PER_INCIDENT (PH_ECONFLICT, *field "status" or "file"). Read
 * only: a door makes them before it copies and hashes megabytes; attachment_add
 * makes them again in its transaction. */
ph_err attachment_check(struct core_ctx *cx, int64_t incident_id,
                        const char **field) __attribute__((warn_unused_result));
/* The attachments of an incident the caller may see (metadata only). */
ph_err attachment_list(struct core_ctx *cx, int64_t incident_id, struct attachment **items, size_t *n) __attribute__((warn_unused_result));
/* One attachment's metadata and bytes (in cx->arena), if the caller may see its
 * incident (PH_ENOTFOUND otherwise). */
ph_err attachment_get(struct core_ctx *cx, int64_t incident_id, int64_t id, struct attachment *meta,
                      const void **data, size_t *len) __attribute__((warn_unused_result));
#endif
