/* read_audit.h - classified reads are audited before they are answered
 * (docs/SECURITY.md): a handler notes every classified item it puts into an
 * answer (req_note_read), and the answer functions of resp.h, seeing notes on a
 * 2xx answer, hold the body back, write one audit entry "<kind>.read" per noted
 * item in one writer job (core/audit.h audit_read), and send the body only once
 * that job has committed. An answer with nothing classified goes out at once,
 * as before; a failed audit answers the error instead of the body. */
#ifndef PH_HTTP_READ_AUDIT_H
#define PH_HTTP_READ_AUDIT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "util/err.h"
struct req;

/* The most items one answer notes (a list page is at most LIST_MAX_LIMIT items;
 * an inbox merges two such pages). Notes beyond are refused with 500, never
 * dropped: a read that cannot be audited is not answered. */
#define READ_AUDIT_MAX_ITEMS 512

/* Note that r's answer shows item (kind "incident", "bulletin", ...) of
 * classification; unclassified items are not noted. kind must be a static string. */
void req_note_read(struct req *r, const char *kind, int64_t id, int classification);
/* Note incident id's classification (from the loop's incident cache, which also
 * checks that the caller may see it: PH_ENOTFOUND otherwise), for answers that
 * show part of an incident (its timeline, acknowledgements, attachments). */
ph_err req_note_incident_read(struct req *r, int64_t id) __attribute__((warn_unused_result));
/* Does r's answer carry noted reads? */
bool req_reads_pending(const struct req *r);
/* Answer r with body after its noted reads are audited (resp.h calls this). The
 * body is copied; headers already set on r stay. Returns 0 like the resp_*
 * functions. */
int read_audit_answer(struct req *r, int status, const char *content_type, const char *body,
                      size_t len);
#endif
