/* demo.h - the demo province: a synthetic coastal province of Military Region 9
 * modelled on Bến Tre, with its districts and communes (inland, coastal, and the sea),
 * the units of the three forces with their areas of responsibility, and people in
 * every role. Names of places and units are real-style; every record is synthetic.
 *
 * Generated through the same core services as everything else (validated, audited),
 * one write transaction per batch of records. Deterministic: the same scale gives
 * the same records. A fixed set of demo accounts can log in with the password from
 * the environment variable PHOIHOP_DEMO_PASSWORD, else DEMO_DEFAULT_PASSWORD; all
 * other generated people have no password.
 *
 * A year of incidents (vụ việc) follows, reference numbers prefixed DEMO_REF_PREFIX:
 * the 365 days (Asia/Ho_Chi_Minh) that end at the midnight before the generation,
 * each incident created through incident_create() at its simulated report time
 * (cx->now_ms set to it) by a duty officer of the reporting unit, so that routing,
 * deadlines, the timeline, the audit log and the outbox are the real ones. Then,
 * in time order with them, what the units do: acknowledgements in stages with
 * realistic delays (some late, a few refusals with a reason), the lead moving the
 * incident on to responding, resolved and closed (closed by a commander), a few
 * transfers to the district and merges of duplicate reports, and the scheduler's
 * overdue marks and escalations (incident_deadlines_run) at the times they would
 * have run. Events after the generation's own time are left undone: the newest
 * incidents still wait in the inboxes.
 *
 * Where: background incidents in every commune and at sea, with a category mix by
 * area kind (illegal fishing and smuggling at sea and on the coast, drugs, crime
 * and public order inland, natural disasters in the rainy season and with a few
 * storms, saline intrusion in the dry season), plus the growing clusters of
 * demo_clusters below (hot spots for the analytics to find). About 2,400
 * incidents at scale 1; the scale multiplies them.
 *
 * Periodic bulletins through the same year, in time order with the incidents:
 * every district-level unit (district police and military commands, border
 * posts) sends a daily situation report to its province command, due at 07:00;
 * every province command a weekly one to the other two forces' province
 * commands, due on Mondays at 08:00 (schedules made by the province commanders
 * the evening before the year starts). Most come in the hour or two before they
 * are due, a few late, a few never (the scheduler's runs record those missing);
 * the recipients' duty officers acknowledge them, mostly within half an hour, a
 * few late, a few never. About 9,000 reports, whatever the scale.
 *
 * Joint operations through the same year, today and the coming week (demo_ops.c),
 * in time order with the rest: sea patrols of the border posts with the district
 * military (and police) twice a week per coastal district, mostly at night;
 * weekly river patrols on the four east-west rivers (Tiền, Ba Lai, Hàm Luông, Cổ
 * Chiên) by the police of one bank with the military of the other; control of
 * the coastal communes; three-day checkpoints on the main roads around Tết. Each
 * planned a few days ahead by the owner unit's commander, started and completed
 * by its duty officer, manned by patrol members added to the border posts and
 * district commands (156 people, none on two operations at once) with the posts'
 * boats, the canoes and cars; a few cancelled for the weather, one sea patrol of
 * the first border post active now, a few planned; results log entries by the
 * members, a few of which become incidents (illegal fishing, smuggling, drugs)
 * followed up like the others. Every member's ATAK phone and every vessel's
 * tracker reports positions along the operation's route (position_ingest):
 * every 10 s in the last 30 days, every 60 s before. About 650 operations and 1.5
 * million positions, whatever the scale. */
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
#define DEMO_MAX_SCALE 900   /* communes get 5-digit codes: 9 * 8 * scale of them must fit */
#define DEMO_REF_PREFIX "BT" /* incident reference numbers: BT-2026-000123 */

/* A growing cluster of incidents (a hot spot in the making): from start_day of the
 * demo year its rate grows from nothing to peak_per_day (times the scale) on the
 * last day, as ((day - start_day) / (364 - start_day))^1.5; locations are normal
 * around the centre with sigma_m metres in each direction. 75% of its incidents
 * are of category, the rest of secondary. The centres, for the hot-spot analytics
 * to be checked against (at scale 1, each lies in one commune, or at sea):
 *   1. drugs, from day 60:   10.2450 N 106.3750 E  ven thành phố Bến Tre
 *   2. smuggling, day 120:   10.0500 N 106.6900 E  cửa biển Ba Tri (coastal commune)
 *   3. illegal_fishing, 0:    9.8800 N 106.7800 E  ngoài khơi Thạnh Phú (sea area)
 *   4. crime, from day 210:   9.9000 N 106.3200 E  Mỏ Cày Nam (an emerging hot spot)
 */
struct demo_cluster {
    const char *name;      /* Vietnamese, NFC */
    const char *category;  /* category code of most of its incidents */
    const char *secondary; /* category code of the rest */
    double lat, lon;       /* centre, WGS84 */
    double sigma_m;
    int start_day;       /* 0..364: days after the first day of the demo year */
    double peak_per_day; /* incidents per day on the last day, at scale 1 */
    bool is_at_sea;      /* its incidents are all at sea (else anywhere but outside the province) */
};
extern const struct demo_cluster demo_clusters[];
extern const size_t demo_n_clusters;

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
    /* Incidents (all of them, exercises and tests included) and what happened to them. */
    const char *ref_prefix;               /* DEMO_REF_PREFIX */
    int64_t incidents_from, incidents_to; /* the demo year: [from, to) UTC ms */
    int64_t incidents, incidents_late;    /* created; first report late */
    int64_t incidents_exercise, incidents_test;
    int64_t incidents_clustered; /* from demo_clusters */
    int64_t incidents_closed, transfers, merges;
    int64_t acknowledgements, acknowledgements_late, refusals; /* stages recorded */
    int64_t overdue_marked; /* stages the deadline runs found late */
    /* Periodic bulletins: the schedules, the reports sent (those sent after their
     * due time), the periods whose report never came (by now), acknowledgements
     * (those late), and what the bulletin deadline runs recorded (late
     * acknowledgements and missing reports, each once). */
    int64_t bulletin_schedules, bulletins, bulletins_late, bulletins_not_sent;
    int64_t bulletin_acks, bulletin_acks_late, bulletin_deadline_marks;
    /* Joint operations (demo_ops.c): the operations planned (joint: units of two
     * or more forces), how they stand (completed, cancelled, active now, planned
     * ahead), their results log entries and the incidents made from them, the
     * patrol staff added (counted in people too), the vehicles and vessels, the
     * devices (ATAK phones, boat trackers) and the positions they reported. */
    int64_t operations, operations_joint, operations_completed, operations_cancelled;
    int64_t operations_active, operations_planned;
    int64_t operation_log_entries, operation_incidents;
    int64_t patrol_staff, assets, devices, positions;
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
