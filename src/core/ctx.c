/* ctx.c - the system user: the installation acting on itself (CLI set-up, demo
 * data). access_allows() lets it do everything; the audit log names it "system". */
#include "util/base.h"
#include "core/access.h"
#include "core/ctx.h"
#include "util/arena.h"

const struct core_user core_system_user = {
    .person_id = 0,
    .username = "system",
    .full_name = "phoihop",
    .roles = ROLE_ALL,
    .clearance = CLEARANCE_TOP_SECRET,
    .is_system = true,
};

void core_user_copy(struct arena *a, struct core_user *dst, const struct core_user *src)
{
    *dst = *src;
    dst->username = arena_strdup(a, src->username);
    dst->full_name = arena_strdup(a, src->full_name);
    dst->unit_path = arena_strdup(a, src->unit_path);
    dst->unit_level = arena_strdup(a, src->unit_level);
    dst->force = arena_strdup(a, src->force);
}
