/* audit.h - the audit log: every change and every login is an entry whose
 * BLAKE2b hash covers the previous entry's hash and the entry's canonical content
 * (security/audit_chain.h), so that altering, removing or inserting an entry breaks
 * the chain at that entry. */
#ifndef PH_CORE_AUDIT_H
#define PH_CORE_AUDIT_H
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include "core/ctx.h"
#include "util/err.h"
struct store;

/* Append an entry in the current write transaction: actor and client from cx,
 * action like "person.create", the item, and detail (a JSON object, stolen; may be
 * NULL) serialised canonically (sorted keys, compact). */
ph_err audit_record(struct core_ctx *cx, const char *action, const char *item_kind, int64_t item_id,
                    json_t *detail) __attribute__((warn_unused_result));
/* As audit_record, with detail already serialised canonically (json_dumps with
 * JSON_COMPACT | JSON_SORT_KEYS; NULL: none): for a caller that stores the same
 * object elsewhere too and serialises it once. */
ph_err audit_record_text(struct core_ctx *cx, const char *action, const char *item_kind,
                         int64_t item_id, const char *detail) __attribute__((warn_unused_result));

/* A read of a classified item (classification above unclassified; MISSION.md:
 * "every read of a classified item ... is in the audit log"): an entry
 * "<item_kind>.read" with the classification, in the caller's write transaction.
 * Callers answer only after it is committed. */
ph_err audit_read(struct core_ctx *cx, const char *item_kind, int64_t item_id,
                  int classification) __attribute__((warn_unused_result));

struct audit_verify_result {
    int64_t entries;      /* entries checked */
    int64_t first_bad_seq; /* 0 when the chain is intact */
    const char *problem;  /* static: "altered", "missing before", "inserted or reordered" */
    uint8_t head_hash[32]; /* hash of the last entry (record it elsewhere to detect truncation) */
    int64_t expected_seq; /* audit_verify_expect(): the entry with the expected hash; 0: none */
};

/* Walk the whole chain on st. progress (may be NULL) is called now and then with
 * entries done and the total. Returns PH_OK when the walk finished (check
 * r->first_bad_seq), PH_ESTORE on a database error. */
ph_err audit_verify(struct store *st, struct audit_verify_result *r,
                    void (*progress)(void *ctx, int64_t done, int64_t total), void *progress_ctx) __attribute__((warn_unused_result));
/* audit_verify, and also look for the entry whose hash is expect (a head recorded
 * earlier; may be NULL): r->expected_seq gets its seq, 0 when no entry has it. An
 * intact chain without it lost its newest entries since expect was recorded. */
ph_err audit_verify_expect(struct store *st, const uint8_t expect[32], struct audit_verify_result *r,
                           void (*progress)(void *ctx, int64_t done, int64_t total),
                           void *progress_ctx) __attribute__((warn_unused_result));
#endif
