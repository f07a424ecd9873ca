/* access.h - who may do what to which item. One pure function decides, from the
 * caller's roles, unit (own unit, units below, units an item was sent to) and
 * clearance (unclassified < confidential < secret < top_secret). Every service of
 * every later concept calls access_allows() before it reads or writes. */
#ifndef PH_CORE_ACCESS_H
#define PH_CORE_ACCESS_H
#include <stdbool.h>
#include <stddef.h>
#include "core/ctx.h"
#include "util/err.h"

enum role {
    ROLE_VIEWER = 1u << 0,
    ROLE_REPORTER = 1u << 1,
    ROLE_DUTY_OFFICER = 1u << 2,
    ROLE_COMMANDER = 1u << 3,
    ROLE_COORDINATOR = 1u << 4,
    ROLE_ADMIN = 1u << 5,
};
#define ROLE_ALL 0x3fu
#define ROLE_COUNT 6

enum clearance {
    CLEARANCE_UNCLASSIFIED = 0,
    CLEARANCE_CONFIDENTIAL = 1,
    CLEARANCE_SECRET = 2,
    CLEARANCE_TOP_SECRET = 3,
};

enum access_action {
    ACCESS_READ,
    ACCESS_CREATE,
    ACCESS_UPDATE,
    ACCESS_DELETE,
    ACCESS_ACKNOWLEDGE, /* confirm receipt of something sent to the unit */
    ACCESS_APPROVE,     /* a commander's decision */
};

enum item_kind {
    ITEM_AREA,      /* reference data: read by all, written by top-level admins */
    ITEM_UNIT,      /* directory: read by all, written by admins over their subtree */
    ITEM_PERSON,    /* directory: read by all, written by admins over their subtree */
    ITEM_AUDIT,     /* the audit log: admins */
    ITEM_OPERATIONAL, /* incidents, bulletins, operations, ...: the general rule */
};

/* What access needs to know of an item. Paths are units' materialised paths
 * ("/1/5/23/"): a unit is at or above another when its path is a prefix. */
struct access_item {
    enum item_kind kind;
    const char *owner_path;  /* owning unit; NULL for areas */
    const char *owner_force; /* owning unit's force; NULL for areas */
    int classification;      /* CLEARANCE_*; the caller's clearance must reach it */
    const char *const *sent_to_paths; /* units the item was sent to */
    size_t n_sent_to;
};

/* May who do act on item? On false, *why (if not NULL) gets a static reason:
 * "role", "clearance", "unit", "force". Pure: no I/O. */
bool access_allows(const struct core_user *who, enum access_action act,
                   const struct access_item *item, const char **why);
/* access_allows as a service answers it for an item that exists: PH_ENOTFOUND
 * when who may not read item (so that its existence does not leak), PH_EPERM
 * when who may read it but not act on it, PH_OK otherwise. */
ph_err access_check(const struct core_user *who, enum access_action act,
                    const struct access_item *item) __attribute__((warn_unused_result));
/* True when ancestor_path is a prefix of path (same unit or above it). */
bool access_path_covers(const char *ancestor_path, const char *path);
/* True when who acts without a unit scope: the system, or an admin with no unit or
 * with a top-level unit. */
bool access_is_global_admin(const struct core_user *who);

/* Names: "viewer", "reporter", "duty_officer", "commander", "coordinator", "admin". */
const char *role_name(enum role r);
/* The role bit for name, 0 when unknown. */
unsigned role_parse(const char *name);
/* "unclassified", "confidential", "secret", "top_secret". */
const char *clearance_name(int c);
/* The clearance for name, -1 when unknown. */
int clearance_parse(const char *name);
#endif
