/* ctx.c - the system user: the installation acting on itself (CLI set-up, demo
 * data). access_allows() lets it do everything; the audit log names it "system". */
#include "util/base.h"
#include "core/access.h"
#include "core/ctx.h"

const struct core_user core_system_user = {
    .person_id = 0,
    .username = "system",
    .full_name = "phoihop",
    .roles = ROLE_ALL,
    .clearance = CLEARANCE_TOP_SECRET,
    .is_system = true,
};
