/* ctx.h - the context every core service takes: who is calling, through which
 * store connection, from where, and the arena results live in. */
#ifndef PH_CORE_CTX_H
#define PH_CORE_CTX_H
#include <stdbool.h>
#include <stdint.h>
struct store;
struct arena;

/* The authenticated caller as access decisions need it. Strings are borrowed;
 * valid for the duration of the call that receives the struct. */
struct core_user {
    int64_t person_id;     /* 0 for the system itself (CLI set-up, demo) */
    const char *username;
    const char *full_name;
    unsigned roles;        /* ROLE_* bits (core/access.h) */
    int clearance;         /* CLEARANCE_* (core/access.h) */
    int64_t unit_id;       /* 0: no unit (a system administrator) */
    const char *unit_path; /* "/1/5/23/" of unit_id, NULL when unit_id is 0 */
    const char *unit_level; /* "province", "district", "commune"; NULL without unit */
    const char *force;     /* "police", "military", "border_guard"; NULL without unit */
    bool is_system;        /* the CLI acting as the installation itself: all allowed */
};

struct core_ctx {
    struct store *st;            /* this thread's connection; writes need a transaction */
    struct arena *arena;         /* results and temporaries live here */
    const struct core_user *user; /* never NULL inside a service */
    const char *client;          /* "127.0.0.1", "cli", ...: recorded in the audit log */
    int64_t now_ms;              /* the time of the request, UTC ms */
};

/* *dst = *src with every string copied into arena a (so that dst outlives the
 * memory src's strings live in). */
void core_user_copy(struct arena *a, struct core_user *dst, const struct core_user *src);

/* The user the CLI acts as for set-up commands (init, demo, people add). */
extern const struct core_user core_system_user;
#endif
