/* demo_int.h - what the files of the demo generator share (demo.c: the province,
 * its people, incidents and bulletins; demo_ops.c: joint operations with their
 * tracks). Internal to core/: the plan (struct demo and the records it holds),
 * the geography of the demo province, the one event queue everything after the
 * people runs in, and the seeded generators. See demo.c's opening comment. */
#ifndef PH_CORE_DEMO_INT_H
#define PH_CORE_DEMO_INT_H
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/area.h"
#include "core/demo.h"
#include "core/person.h"
#include "core/unit.h"
#include "util/arena.h"
#include "util/err.h"
#include "util/mem.h"
#include "util/rng.h"
struct core_ctx;
struct core_user;
struct incident;

/* The province box and the sea strip east of it (a 3 x 3 grid of districts). */
#define LAND_WEST 105.95
#define LAND_EAST 106.70
#define SEA_EAST 106.85
#define LAND_NORTH 10.35
#define LAND_SOUTH 9.80
#define GRID 3             /* districts per row and per column */
#define DEMO_N_DISTRICTS 9 /* GRID * GRID; demo.c checks its table against it */
#define KM_PER_DEG_LAT 110.6
#define KM_PER_DEG_LON 109.6 /* at 10 degrees north */
#define KM_PER_NMI 1.852

#define DEMO_DAYS 365 /* the demo year: the days before the generation's midnight */
#define MS_MIN INT64_C(60000)
#define MS_HOUR (60 * MS_MIN)
#define MS_DAY (24 * MS_HOUR)

enum { FORCE_POLICE, FORCE_MILITARY, FORCE_BORDER_GUARD, N_FORCES };

/* Units the demo accounts belong to, found while planning the units. */
enum demo_slot {
    SLOT_CA_PROVINCE,
    SLOT_QS_PROVINCE,
    SLOT_BP_PROVINCE,
    SLOT_CA_DISTRICT, /* the first district's police */
    SLOT_CA_COMMUNE,  /* the first commune's police */
    SLOT_BP_POST,     /* the first border post */
    N_SLOTS,
};

/* The categories incidents are drawn from (demo.c's demo_cats, by code). */
enum demo_cat {
    C_CRIME,
    C_DRUGS,
    C_SMUGGLING,
    C_BORDER,
    C_FISHING,
    C_ORDER,
    C_GATHERING,
    C_POLITICAL,
    C_DISASTER,
    C_RESCUE,
    C_EPIDEMIC,
    C_FIRE,
    C_ACCIDENT,
    C_MARITIME,
    C_OTHER,
    N_CATS,
};
enum { CAP_ACTUAL, CAP_EXERCISE, CAP_TEST };

/* A box of longitudes and latitudes: every demo area is one. */
struct box {
    double w, s, e, n;
};

struct plan_area {
    struct area area;
    int parent; /* index into demo.areas, -1 for none */
    bool is_coastal_commune;
    struct box box; /* the rectangle its geometry is */
};

struct plan_unit {
    struct unit unit;
    int parent; /* index into demo.units, -1 for none */
    int force;  /* FORCE_* */
    int *areas; /* indices into demo.areas */
    size_t n_areas;
    const char *path; /* the store's, once an incident needs it */
};

struct plan_person {
    struct person person;
    int unit;             /* index into demo.units */
    const char *password; /* demo accounts only */
};

/* One report of the plan. Indices from demo.n_incidents on are reports another
 * part makes itself (an operation's log entry): not in inc_order, created by
 * that part, then handed to demo_incident_adopt() for what follows them. */
struct plan_incident {
    int64_t occurred_at, detected_at, reported_at;
    double lat, lon;
    uint64_t seed; /* its texts and what follows it draw from their own generator */
    int area;      /* the commune or the sea (index into demo.areas) */
    int reporter;  /* the reporting unit (index into demo.units) */
    int dup_of;    /* the report it repeats (index into demo.incidents), or -1 */
    signed char cat, severity, classification, cluster; /* cluster: -1 for background */
    unsigned char cap;                                  /* CAP_* */
    bool has_location;
};

/* A step in the one queue (a binary heap on time) that runs after the people:
 * kinds below EV_BUL_FIRST are an incident's, from EV_BUL_FIRST the bulletins',
 * from EV_OPS_FIRST the operations' (demo_ops_event). */
#define EV_BUL_FIRST 16
#define EV_OPS_FIRST 32
struct demo_ev {
    int64_t at;
    uint64_t seq;             /* ties in at go in the order they were planned */
    int64_t unit_id;          /* EV_ACK, EV_REFUSE: the unit; EV_TRANSFER: the new lead */
    uint32_t inc;             /* index into demo.incidents (a bulletin's, an operation's) */
    unsigned char kind, what; /* what: stage (EV_ACK) or status (EV_STATUS) index */
};

struct demo_ops; /* demo_ops.c's plan */

struct demo {
    struct core_ctx *cx;
    struct arena arena; /* the plan lives here until demo_generate returns */
    uint64_t rng;
    int scale;
    const char *password;

    struct plan_area *areas;
    size_t n_areas, cap_areas;
    struct plan_unit *units;
    size_t n_units, cap_units;
    struct plan_person *people;
    size_t n_people, cap_people;

    /* Landmarks later parts need. */
    int area_province, area_sea;
    int area_district[DEMO_N_DISTRICTS];
    int first_commune[DEMO_N_DISTRICTS], n_communes[DEMO_N_DISTRICTS]; /* contiguous */
    int comm_cols, comm_rows; /* the commune grid of a district */
    int slot_unit[N_SLOTS];

    /* Incidents: the plan, in generation order, and report-time order. */
    struct plan_incident *incidents;
    size_t n_incidents, cap_incidents;
    size_t n_inc_extra; /* reports of other parts, after the n_incidents */
    uint32_t *inc_order;
    struct run_incident *inc_run;    /* by plan index, as they are created */
    int64_t inc_from, inc_to;        /* the demo year, UTC ms */
    int *area_unit[N_FORCES];        /* by area: the force's unit there (commune, district, post) */
    int *unit_duty, *unit_commander; /* by unit: a person of the role, or -1 */
    int64_t cat_id[N_CATS];          /* by enum demo_cat: the category's id */
    /* Running: the queue of what follows the reports. */
    struct demo_ev *heap;
    size_t n_heap, cap_heap;
    uint64_t ev_seq;
    size_t inc_next;  /* reports created so far (index into inc_order) */
    int64_t next_due; /* earliest deadline the deadline runs may find passed; 0: none */
    bool is_done;
    int64_t sum_incidents, sum_late, sum_exercise, sum_test, sum_clustered, sum_closed;
    int64_t sum_transfers, sum_merges, sum_acks, sum_acks_late, sum_refusals, sum_overdue;
    /* Bulletins: the schedules and the reports of the plan; they run in the
     * incidents' queue. */
    struct plan_schedule *schedules;
    size_t n_schedules, cap_schedules;
    struct plan_bulletin *bulletins;
    size_t n_bulletins, cap_bulletins;
    int64_t sum_schedules, sum_bulletins, sum_bul_late, sum_bul_not_sent, sum_bul_acks;
    int64_t sum_bul_acks_late, sum_bul_marked;
    /* Operations (demo_ops.c); they run in the same queue. */
    struct demo_ops *ops;

    void (*progress)(void *ctx, int64_t done, int64_t total);
    void *pctx;
    int64_t done, total;
};

/* ---- seeded draws (splitmix64: tiny, fast, and good enough for made-up data) ---- */

static inline double unif(uint64_t *s) /* [0, 1): util/rng.h */
{
    return rng_unif(s);
}

static inline bool chance(uint64_t *s, double pct)
{
    return unif(s) * 100.0 < pct;
}

static inline int64_t between(uint64_t *s, int64_t lo, int64_t hi) /* [lo, hi] */
{
    return hi <= lo ? lo : lo + (int64_t)(rng_next(s) % (uint64_t)(hi - lo + 1));
}

static inline double gauss(uint64_t *s)
{
    /* Box-Muller; 1 - unif() keeps log() away from 0. */
    double u = 1.0 - unif(s), v = unif(s);
    return sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v);
}

/* Room for element n of an array of capacity *cap (doubling). */
static inline void *grow(void *p, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap)
        return p;
    *cap = *cap != 0 ? *cap * 2 : 64;
    return xrealloc(p, *cap * elem);
}

/* ---- demo.c's services to the other parts ---- */

/* Queue an event at time at (see struct demo_ev). */
void demo_ev_push(struct demo *d, int64_t at, unsigned kind, uint32_t inc, int64_t unit_id,
                  unsigned what);
/* A context for one event: at its time, as person p (index into demo.people; the
 * demo's own user when p is negative). who is filled for ecx->user. */
ph_err demo_event_ctx(struct core_ctx *cx, struct demo *d, int p, int64_t at, struct core_ctx *ecx,
                      struct core_user *who) PH_MUST_USE;
/* The duty officer of unit u (an index), or with is_commander a commander, of u
 * or of the nearest unit above it that has one; -1 when there is none. */
int demo_person_of(const struct demo *d, int u, bool is_commander);
/* Plan a person of role in unit u (name, rank, position and clearance drawn from
 * d->rng as for the people part); its index into demo.people. */
int demo_add_person(struct demo *d, int unit, unsigned role);
/* The commune (or the sea) containing the point; -1 outside the province and its
 * sea. */
int demo_area_at(const struct demo *d, double lat, double lon);
/* Report i (an index from demo.n_incidents on) was created as inc (recipients
 * filled): record it and plan what follows it (acknowledgements, status
 * changes) from the generator state s, as for the incidents' own reports. */
void demo_incident_adopt(struct demo *d, uint32_t i, const struct incident *inc, uint64_t s);
/* Room for n more reports after the plan's (see struct plan_incident): the index
 * of the first, whose records the caller fills. */
size_t demo_incidents_reserve(struct demo *d, size_t n);

/* ---- demo_ops.c: the operations part ---- */
size_t demo_ops_plan(struct demo *d);
ph_err demo_ops_run(struct demo *d, size_t n) PH_MUST_USE;
ph_err demo_ops_event(struct core_ctx *cx, struct demo *d, const struct demo_ev *ev) PH_MUST_USE;
void demo_ops_summarise(const struct demo *d, struct demo_summary *out);
void demo_ops_free(struct demo *d);
#endif
