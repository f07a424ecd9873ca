/* demo.h - the demo province: a synthetic coastal province of Military Region 9
 * modelled on Bến Tre, with its districts and communes (inland, coastal, and the sea),
 * the units of the three forces with their areas of responsibility, and people in
 * every role. Names of places and units are real-style; every record is synthetic.
 *
 * Generated through the same core services as everything else (validated, audited),
 * one write transaction per batch of records. Deterministic: the same scale gives
 * the same records. A fixed set of demo accounts can log in with the password from
 * the environment variable PHOIHOP_DEMO_PASSWORD, else DEMO_DEFAULT_PASSWORD; all
 * other generated people have no password. */
#ifndef PH_CORE_DEMO_H
#define PH_CORE_DEMO_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "util/err.h"
struct core_ctx;

#define DEMO_PROVINCE_CODE "83"
#define DEMO_PROVINCE_NAME "Tỉnh Bến Tre"
#define DEMO_DEFAULT_PASSWORD "phoihop-demo"
#define DEMO_MAX_SCALE 900 /* communes get 5-digit codes: 9 * 8 * scale of them must fit */

/* One account of the demo that can log in. */
struct demo_account {
    const char *username; /* "demo.duty" */
    const char *role;     /* "duty_officer" */
    const char *unit;     /* the unit's name, "Công an thành phố Bến Tre" */
};

struct demo_summary {
    int scale;
    const char *province; /* DEMO_PROVINCE_NAME */
    int64_t areas;        /* all of them: the province, districts, communes, sea */
    int64_t districts, communes, coastal_communes, sea_areas;
    int64_t units, units_police, units_military, units_border_guard;
    int64_t people;
    const struct demo_account *accounts; /* lives in cx->arena */
    size_t n_accounts;
    bool is_password_from_env; /* PHOIHOP_DEMO_PASSWORD was used */
};

/* Create the demo province at scale (1..DEMO_MAX_SCALE: 8 * scale communes per
 * district) through the core services acting as cx->user (the CLI passes
 * core_system_user), each batch of records in its own writer_run_sync()
 * transaction. progress (may be NULL) is called with records done and the total
 * after every batch. PH_ECONFLICT (nothing written) when an area with code
 * DEMO_PROVINCE_CODE exists; PH_EINVAL when scale is out of range or
 * PHOIHOP_DEMO_PASSWORD breaks the password policy; otherwise the error of the
 * first core call that failed (batches committed before it stay). On PH_OK *out is
 * filled; its strings live in cx->arena or are static. */
ph_err demo_generate(struct core_ctx *cx, int scale,
                     void (*progress)(void *ctx, int64_t done, int64_t total), void *pctx,
                     struct demo_summary *out) __attribute__((warn_unused_result));
#endif
