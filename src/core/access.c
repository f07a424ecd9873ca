/* access.c - the access decision. The rules, in the order they are applied:
 *
 * 1. No caller: deny. The system user (CLI set-up, demo): allow.
 * 2. Clearance: a caller whose clearance is below the item's classification is
 *    denied ("clearance"), whatever the action and whatever the roles (admins too).
 * 3. Roles, per kind and action (missing role: "role"):
 *    - areas: read, any role; create/update/delete, admin acting globally (no unit,
 *      or a top-level unit; otherwise "unit"). Areas are reference data shared by
 *      every force, so no unit scope applies to them.
 *    - units, people (the directory): read, any role, no unit scope;
 *      create/update/delete, admin.
 *    - audit log: read, admin.
 *    - operational items: read, any role; create, reporter, duty officer, commander
 *      or coordinator; update and acknowledge, duty officer, commander or
 *      coordinator; approve, commander; delete, admin. Admin alone gives no
 *      operational create/update: administrators run the directory, not the
 *      operations (separation of duties).
 *    Actions not listed for a kind are denied ("role").
 * 4. Unit scope (everything but areas and directory reads):
 *    - an admin with no unit acts globally: allow;
 *    - writes to units and people need the item's force to be the caller's when
 *      both are known ("force"): no admin ever changes another force's directory;
 *    - allow when the caller's unit is the owning unit or above it;
 *    - for read and acknowledge, also when the caller's unit is a unit the item was
 *      sent to or above one (a district sees what was sent to its communes; a
 *      commune does not see what was sent to its district);
 *    - otherwise deny ("unit"). An item without an owner (a new top-level unit)
 *      is therefore writable only by an admin with no unit.
 */
#include "util/base.h"
#include "core/access.h"

static const char *const role_names[ROLE_COUNT] = {
    "viewer", "reporter", "duty_officer", "commander", "coordinator", "admin",
};

static const char *const clearance_names[] = {
    "unclassified",
    "confidential",
    "secret",
    "top_secret",
};

#define OPS_WRITERS (ROLE_DUTY_OFFICER | ROLE_COMMANDER | ROLE_COORDINATOR)

static bool deny(const char **why, const char *reason)
{
    if (why != NULL)
        *why = reason;
    return false;
}

/* The roles that allow act on kind: 0 when no role does. */
static unsigned roles_needed(enum item_kind kind, enum access_action act)
{
    switch (kind) {
    case ITEM_AREA:
    case ITEM_UNIT:
    case ITEM_PERSON:
        if (act == ACCESS_READ)
            return ROLE_ALL;
        if (act == ACCESS_CREATE || act == ACCESS_UPDATE || act == ACCESS_DELETE)
            return ROLE_ADMIN;
        return 0;
    case ITEM_AUDIT:
        return act == ACCESS_READ ? ROLE_ADMIN : 0;
    case ITEM_OPERATIONAL:
        switch (act) {
        case ACCESS_READ:
            return ROLE_ALL;
        case ACCESS_CREATE:
            return ROLE_REPORTER | OPS_WRITERS;
        case ACCESS_UPDATE:
        case ACCESS_ACKNOWLEDGE:
            return OPS_WRITERS;
        case ACCESS_APPROVE:
            return ROLE_COMMANDER;
        case ACCESS_DELETE:
            return ROLE_ADMIN;
        }
        return 0;
    }
    return 0;
}

/* A materialised path: "/", then one or more "<id>/". Anything else covers nothing,
 * so that a bad or empty path can never widen access. */
static bool path_is_valid(const char *p, size_t *len)
{
    size_t n = strlen(p);
    if (n < 3 || p[0] != '/' || p[n - 1] != '/')
        return false;
    for (size_t i = 1; i < n; i++) {
        if (p[i] == '/' ? p[i - 1] == '/' : (p[i] < '0' || p[i] > '9'))
            return false;
    }
    *len = n;
    return true;
}

bool access_path_covers(const char *ancestor_path, const char *path)
{
    size_t n;
    if (ancestor_path == NULL || path == NULL || !path_is_valid(ancestor_path, &n))
        return false;
    return strncmp(ancestor_path, path, n) == 0;
}

bool access_is_global_admin(const struct core_user *who)
{
    size_t n;
    if (who == NULL)
        return false;
    if (who->is_system)
        return true;
    if ((who->roles & ROLE_ADMIN) == 0)
        return false;
    if (who->unit_path == NULL)
        return true;
    if (!path_is_valid(who->unit_path, &n))
        return false;
    return memchr(who->unit_path + 1, '/', n - 1) == who->unit_path + n - 1; /* "/3/" */
}

static bool is_write(enum access_action act)
{
    return act == ACCESS_CREATE || act == ACCESS_UPDATE || act == ACCESS_DELETE;
}

static bool in_scope(const struct core_user *who, enum access_action act,
                     const struct access_item *item, const char **why)
{
    if (who->unit_path == NULL)
        return (who->roles & ROLE_ADMIN) != 0 ? true : deny(why, "unit");
    if ((item->kind == ITEM_UNIT || item->kind == ITEM_PERSON) && is_write(act) &&
        item->owner_force != NULL && who->force != NULL &&
        strcmp(item->owner_force, who->force) != 0)
        return deny(why, "force");
    if (access_path_covers(who->unit_path, item->owner_path))
        return true;
    if (act == ACCESS_READ || act == ACCESS_ACKNOWLEDGE) {
        for (size_t i = 0; i < item->n_sent_to; i++) {
            if (access_path_covers(who->unit_path, item->sent_to_paths[i]))
                return true;
        }
    }
    return deny(why, "unit");
}

bool access_allows(const struct core_user *who, enum access_action act,
                   const struct access_item *item, const char **why)
{
    if (who == NULL)
        return deny(why, "role");
    if (who->is_system)
        return true;
    if (item == NULL)
        return deny(why, "unit");
    if (who->clearance < item->classification)
        return deny(why, "clearance");
    if ((who->roles & roles_needed(item->kind, act)) == 0)
        return deny(why, "role");
    if (item->kind == ITEM_AREA)
        return act == ACCESS_READ || access_is_global_admin(who) ? true : deny(why, "unit");
    if ((item->kind == ITEM_UNIT || item->kind == ITEM_PERSON) && act == ACCESS_READ)
        return true;
    return in_scope(who, act, item, why);
}

ph_err access_check(const struct core_user *who, enum access_action act,
                    const struct access_item *item)
{
    if (!access_allows(who, ACCESS_READ, item, NULL))
        return PH_ENOTFOUND;
    if (act != ACCESS_READ && !access_allows(who, act, item, NULL))
        return PH_EPERM;
    return PH_OK;
}

const char *role_name(enum role r)
{
    for (int i = 0; i < ROLE_COUNT; i++) {
        if ((unsigned)r == 1u << i)
            return role_names[i];
    }
    return NULL;
}

unsigned role_parse(const char *name)
{
    for (int i = 0; name != NULL && i < ROLE_COUNT; i++) {
        if (strcmp(name, role_names[i]) == 0)
            return 1u << i;
    }
    return 0;
}

const char *clearance_name(int c)
{
    if (c < CLEARANCE_UNCLASSIFIED || c > CLEARANCE_TOP_SECRET)
        return NULL;
    return clearance_names[c];
}

int clearance_parse(const char *name)
{
    for (int i = 0; name != NULL && i < (int)PH_NELEM(clearance_names); i++) {
        if (strcmp(name, clearance_names[i]) == 0)
            return i;
    }
    return -1;
}
