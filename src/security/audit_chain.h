/* audit_chain.h - the hash of one audit entry: BLAKE2b-256 over the previous
 * entry's hash and the entry's canonical content. Canonical content is each field
 * as a 4-byte big-endian length and its bytes, in this order: seq, at (decimal),
 * actor_id (decimal), actor, action, item_kind, item_id (decimal), client, detail. */
#ifndef PH_SECURITY_AUDIT_CHAIN_H
#define PH_SECURITY_AUDIT_CHAIN_H
#include <stdint.h>

struct audit_entry {
    int64_t seq;         /* 1, 2, 3, ...: no gaps */
    int64_t at;          /* UTC ms */
    int64_t actor_id;    /* person id, 0 for the system */
    const char *actor;   /* username or "system" */
    const char *action;  /* "person.create", "auth.login", ... */
    const char *item_kind;
    int64_t item_id;
    const char *client;  /* address or "cli" */
    const char *detail;  /* canonical JSON, or "" */
    uint8_t prev_hash[32];
    uint8_t hash[32];
};

/* The hash of e given prev (all zero for the first entry). */
void audit_chain_hash(const uint8_t prev[32], const struct audit_entry *e, uint8_t out[32]);
#endif
