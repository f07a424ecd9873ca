/* demo_ops.c - the demo's joint operations (see demo.h): a year of patrols,
 * control and checkpoints by the three forces, with the patrol staff, vehicles,
 * vessels and devices they use, their results logs, and the positions the
 * devices reported along the way.
 *
 * What happens (the demo year, today and the coming week):
 *   - joint sea patrols (tuần tra chung tuyến biển): twice a week per coastal
 *     district, the district's two border posts in turn, with its military
 *     command (some nights the post alone, now and then the district police
 *     too; the military in their own boat now and then); out of the river mouth
 *     nearest the post, a loop through the post's stretch of the sea strip and
 *     back; mostly at night, 4 to 8 hours; at 7 to 12 knots with stops to
 *     inspect fishing boats or to lie at anchor and watch;
 *   - river patrols (domain river), weekly on each of the four east-west
 *     rivers of the grid (Tiền on the north edge, Ba Lai and Hàm Luông between
 *     the rows, Cổ Chiên on the south edge), one column's stretch a week, by the
 *     police of one bank in their canoe, mostly with the military of the other;
 *   - control of a coastal commune (a Polygon: the commune) every two or three
 *     weeks per border post, with the district police and military: a car
 *     between stops, on foot around each;
 *   - checkpoints (a Point) on the main roads for three days each in the weeks
 *     around Tết (or, in a year without Tết, around 2 September), staffed in
 *     shifts;
 *   - a few cancelled with a reason (weather, mostly in the north-east monsoon
 *     and the storm season), the rest completed; ONE sea patrol of the first
 *     border post active now (started about two hours before the generation),
 *     and the operations planned for the next days already on the books.
 * Each is planned by the owner unit's commander one to four days ahead, started
 * and completed by its duty officer, and logged by its members (people, vehicles,
 * vessels checked, violations, items seized); a few entries become incidents
 * (illegal fishing, smuggling, drugs) through operation_log_add, which then get
 * the acknowledgements and status changes of the incidents' own reports
 * (demo_incident_adopt).
 *
 * Staff: each border post gets 8 patrol members, each district police and
 * military command 6 (leaders, a boat's captain and engineer, soldiers), so
 * that the officers on duty stay at their desks; no person or vessel is ever on
 * two operations at once (the plan keeps per person and per asset the intervals
 * taken). Leaders and captains carry an ATAK phone, about half the others do;
 * every vessel has a tracker. All are created when the year starts.
 *
 * Tracks: when an operation completes, the positions of its devices (the
 * members' phones, the vessels' trackers) along its legs (moves at a constant
 * speed, stops with a slow drift or a walk around) go in through position_ingest
 * in batches of POSITION_BATCH_MAX: every 10 s in the last 30 days, every 60 s
 * before (to keep the demo fast: some 1.5 million positions; retention thins
 * older ones much the same way), a few metres of GPS noise, phone batteries
 * running down, checkpoint phones only on their shift. The active patrol's
 * positions up to now go in last. Everything runs in the incidents' queue at its
 * simulated time, so that audit entries and events come in time order. */
#include "util/base.h"
#include <math.h>
#include <time.h>
#include "core/access.h"
#include "core/ctx.h"
#include "core/demo_int.h"
#include "core/incident.h"
#include "core/operation.h"
#include "core/person.h"
#include "core/position.h"
#include "util/arena.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/time.h"

#define OPS_SEED 0x4f5045524154494eull /* "OPERATIN" */
#define OPS_STAFF_POST 8
#define OPS_STAFF_DISTRICT 6
#define OPS_RECENT_MS (30 * MS_DAY) /* positions every 10 s from now - 30 days */
#define OPS_RECENT_STEP_MS 10000
#define OPS_OLD_STEP_MS 60000
#define OPS_AHEAD_DAYS 7 /* planned operations reach this far */
#define OPS_MAX_UNITS 4
#define OPS_MAX_MEMBERS 10
#define OPS_MAX_ASSETS 2
#define OPS_MAX_ENTRIES 4
#define OPS_MAX_POINTS 48        /* of a route */
#define OPS_GAP_MS (45 * MS_MIN) /* between two operations of a person or asset */
#define OPS_CHECKPOINT_DAYS 3
#define KNOT_MS (KM_PER_NMI * 1000.0 / 3600.0) /* m/s */

enum { K_SEA, K_RIVER, K_CONTROL, K_CHECKPOINT };
enum { END_COMPLETED, END_CANCELLED, END_ACTIVE, END_PLANNED };
enum {
    EV_OPS_SETUP = EV_OPS_FIRST, /* the staff, assets and devices */
    EV_OPS_CREATE,
    EV_OPS_START,
    EV_OPS_LOG, /* what: the entry */
    EV_OPS_END, /* the track, then completed */
    EV_OPS_CANCEL,
    EV_OPS_LIVE, /* the active one's track up to now */
};

/* ---- the plan ------------------------------------------------------------------------- */

/* A patrol member the part adds (index into demo.people), with the phone they
 * carry (uid NULL: none) and the intervals they are taken. */
struct ops_member {
    int person, unit;
    bool is_leader, is_crew; /* crew: a boat's captain or engineer */
    const char *uid, *callsign;
    int64_t *busy; /* [from, to) pairs */
    size_t n_busy, cap_busy;
};

struct ops_asset {
    struct asset a;          /* kind, code, name; id once created */
    int unit;                /* index into demo.units */
    const char *tracker_uid; /* vessels */
    int64_t *busy;
    size_t n_busy, cap_busy;
};

/* The patrol members of one unit: ops->members[first, first + n). */
struct ops_pool {
    int unit;
    int first, n;
};

/* One piece of a track: a move from (x0, y0) to (x1, y1), or a stop at (x0, y0)
 * drifting or walking around within wander_m. */
struct ops_leg {
    int64_t t0, t1;
    double x0, y0, x1, y1; /* lon, lat */
    double wander_m;
    bool is_stop, is_foot; /* foot: each person walks their own way */
};

struct ops_entry {
    int64_t at;
    double lat, lon;
    int writer; /* index into the operation's members */
    const char *text, *items;
    int people, vehicles, vessels, violations;
    int incident; /* -1: none; planning: its enum demo_cat, then its demo.incidents index */
    const char *inc_title, *inc_description;
    int inc_people, inc_vehicles, inc_vessels;
};

struct ops_op {
    unsigned char kind, end;
    int site;            /* sea, control: the post's pool; river: the river; checkpoint: site */
    int district, other; /* district indices (0..8) concerned; other -1 */
    int area;            /* control: the commune */
    int owner;           /* index into demo.units */
    int units[OPS_MAX_UNITS];
    int n_units;
    int members[OPS_MAX_MEMBERS];    /* indices into ops->members; [0] commands */
    int64_t lag_ms[OPS_MAX_MEMBERS]; /* on the second boat: behind the first */
    int n_members;
    int assets[OPS_MAX_ASSETS];
    int n_assets;
    int64_t created_at, planned_start, planned_end, started_at, ended_at, cancel_at;
    const char *title, *description, *geometry, *cancel_reason;
    struct ops_leg *legs;
    int n_legs;
    struct ops_entry entries[OPS_MAX_ENTRIES];
    int n_entries;
    uint64_t seed;
    int64_t id;
    bool is_live; /* the one active now */
};

struct demo_ops {
    struct ops_member *members;
    size_t n_members, cap_members;
    struct ops_pool *pools; /* by unit index; n 0: none */
    struct ops_asset *assets;
    size_t n_assets, cap_assets;
    struct ops_op *ops;
    size_t n_ops, cap_ops;
    struct position_report *buf;
    struct position_result *results;
    bool refused; /* a position was: said once */
    int64_t sum_ops, sum_joint, sum_completed, sum_cancelled, sum_started, sum_entries;
    int64_t sum_incidents, sum_devices, sum_assets, sum_positions, sum_staff;
};

/* ---- geography ------------------------------------------------------------------------ */

#define DW ((LAND_EAST - LAND_WEST) / GRID)
#define DH ((LAND_NORTH - LAND_SOUTH) / GRID)

/* The east-west rivers of the grid: on the north edge, between the rows, on the
 * south edge; the districts of the rows on either bank (-1: outside). */
static const struct river {
    const char *name;
    double lat;
    int row_north, row_south;
    double phase;
} rivers[] = {
    {"sông Tiền", LAND_NORTH - 0.008, -1, 0, 0.3},
    {"sông Ba Lai", LAND_NORTH - DH, 0, 1, 1.7},
    {"sông Hàm Luông", LAND_NORTH - 2 * DH, 1, 2, 4.1},
    {"sông Cổ Chiên", LAND_SOUTH + 0.008, 2, -1, 5.2},
};

/* Its latitude at lon: a gentle meander of at most 0.0034 degrees. */
static double river_lat(const struct river *r, double lon)
{
    return r->lat + 0.0022 * sin(lon * 95.0 + r->phase) + 0.0012 * sin(lon * 260.0 + 2 * r->phase);
}

/* Checkpoint sites on the main roads: a district (by code) and where in its box. */
static const struct site {
    const char *road, *where, *district;
    double fx, fy; /* 0 west/north .. 1 east/south */
} sites[] = {
    {"Quốc lộ 60", "đầu cầu Rạch Miễu", "831", 0.85, 0.12},
    {"Quốc lộ 60", "cửa ngõ phía bắc thành phố", "829", 0.30, 0.45},
    {"Quốc lộ 57", "ngã ba Chợ Lách", "832", 0.55, 0.50},
    {"Quốc lộ 60", "đầu cầu Cổ Chiên", "833", 0.40, 0.88},
    {"Đường tỉnh 885", "ngã tư Giồng Trôm", "834", 0.50, 0.40},
    {"Đường tỉnh 883", "cửa ngõ trung tâm huyện", "835", 0.45, 0.55},
};

/* Short names for callsigns, by district code. */
static const struct {
    const char *code, *abbrev;
} district_abbrev[] = {
    {"829", "TPBT"}, {"831", "CT"}, {"832", "CL"}, {"833", "MCN"}, {"838", "MCB"},
    {"834", "GT"},   {"835", "BĐ"}, {"836", "BT"}, {"837", "TP"},
};

/* Lunar new year days (local dates) the demo may meet. */
static const struct {
    int y, m, d;
} tet_days[] = {
    {2024, 2, 10}, {2025, 1, 29}, {2026, 2, 17}, {2027, 2, 6},  {2028, 1, 26}, {2029, 2, 13},
    {2030, 2, 3},  {2031, 1, 23}, {2032, 2, 11}, {2033, 1, 31}, {2034, 2, 19}, {2035, 2, 8},
    {2036, 1, 28}, {2037, 2, 15}, {2038, 2, 4},  {2039, 1, 24}, {2040, 2, 12},
};

static double dist_m(double x0, double y0, double x1, double y1)
{
    double dx = (x1 - x0) * KM_PER_DEG_LON * 1000.0, dy = (y1 - y0) * KM_PER_DEG_LAT * 1000.0;
    return sqrt(dx * dx + dy * dy);
}

static const struct box *district_box(const struct demo *d, int i)
{
    return &d->areas[d->area_district[i]].box;
}

static int district_col(const struct demo *d, int i)
{
    return (int)lround((district_box(d, i)->w - LAND_WEST) / DW);
}

static int district_row(const struct demo *d, int i)
{
    return (int)lround((LAND_NORTH - district_box(d, i)->n) / DH);
}

static int district_at(const struct demo *d, int col, int row)
{
    for (int i = 0; i < DEMO_N_DISTRICTS; i++)
        if (district_col(d, i) == col && district_row(d, i) == row)
            return i;
    return -1;
}

/* "Ba Tri" of "Huyện Ba Tri", "Bến Tre" of "Thành phố Bến Tre". */
static const char *bare_name(const char *name)
{
    static const char *const leads[] = {"Huyện ", "Thành phố ", "Xã "};
    for (size_t i = 0; i < PH_NELEM(leads); i++)
        if (strncmp(name, leads[i], strlen(leads[i])) == 0)
            return name + strlen(leads[i]);
    return name;
}

/* "huyện Ba Tri", "thành phố Bến Tre", "xã An Thủy": inside a sentence. */
static const char *in_sentence(struct arena *a, const char *name)
{
    if (strncmp(name, "Huyện ", strlen("Huyện ")) == 0)
        return arena_printf(a, "huyện %s", bare_name(name));
    if (strncmp(name, "Thành phố ", strlen("Thành phố ")) == 0)
        return arena_printf(a, "thành phố %s", bare_name(name));
    if (strncmp(name, "Xã ", strlen("Xã ")) == 0)
        return arena_printf(a, "xã %s", bare_name(name));
    return name;
}

static const char *district_name(const struct demo *d, int i)
{
    return d->areas[d->area_district[i]].area.name;
}

/* The district index of area (a district or a commune), or -1. */
static int district_of_area(const struct demo *d, int area)
{
    for (int i = 0; i < DEMO_N_DISTRICTS; i++)
        if (d->area_district[i] == area || d->areas[area].parent == d->area_district[i])
            return i;
    return -1;
}

/* ---- time ------------------------------------------------------------------------------ */

static int64_t local_day(int64_t ms) /* days since 1970-01-01, local */
{
    int64_t t = ms + (int64_t)TIME_VN_OFFSET_S * 1000;
    return t >= 0 ? t / MS_DAY : (t - MS_DAY + 1) / MS_DAY;
}

static int weekday(int64_t day0) /* Monday 0 .. Sunday 6 */
{
    return (int)((local_day(day0) + 3) % 7);
}

/* UTC ms of local midnight starting y-m-d. */
static int64_t local_midnight(int y, int m, int dd)
{
    /* Days from civil (proleptic Gregorian), after H. Hinnant's algorithm. */
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + dd - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = era * 146097 + doe - 719468;
    return days * MS_DAY - (int64_t)TIME_VN_OFFSET_S * 1000;
}

static int local_month(int64_t ms) /* 0 January .. 11 */
{
    time_t t = (time_t)(ms / 1000) + TIME_VN_OFFSET_S;
    struct tm tm;
    gmtime_r(&t, &tm);
    return tm.tm_mon;
}

static int local_year(int64_t ms)
{
    time_t t = (time_t)(ms / 1000) + TIME_VN_OFFSET_S;
    struct tm tm;
    gmtime_r(&t, &tm);
    return tm.tm_year + 1900;
}

static const char *date_text(struct arena *a, int64_t ms) /* "dd/mm/yyyy" */
{
    time_t t = (time_t)(ms / 1000) + TIME_VN_OFFSET_S;
    struct tm tm;
    gmtime_r(&t, &tm);
    return arena_printf(a, "%02d/%02d/%04d", tm.tm_mday, tm.tm_mon + 1, tm.tm_year + 1900);
}

/* ---- staff, assets, devices ------------------------------------------------------------ */

/* The positions of a unit's patrol members, leaders first. */
struct staff_role {
    const char *position;
    const char *ranks[3];
    bool is_leader, is_crew;
};
static const struct staff_role post_staff[OPS_STAFF_POST] = {
    {"Đội trưởng Đội tuần tra, kiểm soát", {"Đại úy", "Thiếu tá", "Đại úy"}, true, false},
    {"Phó Đội trưởng Đội tuần tra, kiểm soát", {"Thượng úy", "Đại úy", "Trung úy"}, true, false},
    {"Thuyền trưởng", {"Trung úy", "Thượng úy", "Thiếu úy"}, false, true},
    {"Máy trưởng", {"Thượng sĩ", "Thiếu úy", "Thượng sĩ"}, false, true},
    {"Chiến sĩ", {"Trung sĩ", "Thượng sĩ", "Hạ sĩ"}, false, false},
    {"Chiến sĩ", {"Trung sĩ", "Hạ sĩ", "Thượng sĩ"}, false, false},
    {"Chiến sĩ", {"Hạ sĩ", "Trung sĩ", "Binh nhất"}, false, false},
    {"Nhân viên trinh sát", {"Thiếu úy", "Trung úy", "Thượng sĩ"}, false, false},
};
static const struct staff_role police_staff[OPS_STAFF_DISTRICT] = {
    {"Đội trưởng Đội Cảnh sát giao thông - trật tự", {"Đại úy", "Thiếu tá", "Đại úy"}, true, false},
    {"Cán bộ Cảnh sát cơ động", {"Thượng úy", "Trung úy", "Đại úy"}, true, false},
    {"Cán bộ Cảnh sát đường thủy", {"Trung úy", "Thiếu úy", "Thượng úy"}, false, true},
    {"Chiến sĩ", {"Thượng sĩ", "Trung sĩ", "Hạ sĩ"}, false, false},
    {"Chiến sĩ", {"Trung sĩ", "Hạ sĩ", "Thượng sĩ"}, false, false},
    {"Chiến sĩ", {"Hạ sĩ", "Trung sĩ", "Thượng sĩ"}, false, false},
};
static const struct staff_role military_staff[OPS_STAFF_DISTRICT] = {
    {"Trợ lý Tác chiến", {"Đại úy", "Thiếu tá", "Thượng úy"}, true, false},
    {"Trung đội trưởng Dân quân cơ động", {"Trung úy", "Thượng úy", "Thiếu úy"}, true, false},
    {"Thuyền trưởng", {"Thượng sĩ", "Thiếu úy", "Trung úy"}, false, true},
    {"Chiến sĩ", {"Trung sĩ", "Hạ sĩ", "Binh nhất"}, false, false},
    {"Chiến sĩ", {"Hạ sĩ", "Binh nhất", "Trung sĩ"}, false, false},
    {"Chiến sĩ", {"Binh nhất", "Trung sĩ", "Hạ sĩ"}, false, false},
};

/* "TK" of "Đồn Biên phòng Thới Khánh": the first letter of each word. */
static const char *initials(struct arena *a, const char *name)
{
    char out[32];
    size_t n = 0;
    bool at_start = true;
    for (const char *p = name; *p != '\0' && n + 4 < sizeof(out); p++) {
        if (*p == ' ') {
            at_start = true;
            continue;
        }
        if (!at_start)
            continue;
        /* One UTF-8 character: the lead byte and its continuation bytes. */
        out[n++] = *p;
        while ((p[1] & 0xc0) == 0x80 && n + 1 < sizeof(out))
            out[n++] = *++p;
        at_start = false;
    }
    out[n] = '\0';
    return arena_strdup(a, out);
}

static const char *unit_abbrev(struct demo *d, int u)
{
    const struct plan_unit *pu = &d->units[u];
    if (pu->force == FORCE_BORDER_GUARD)
        return initials(&d->arena, pu->unit.name + strlen("Đồn Biên phòng "));
    const char *code = d->areas[pu->areas[0]].area.code;
    for (size_t i = 0; i < PH_NELEM(district_abbrev); i++)
        if (strcmp(district_abbrev[i].code, code) == 0)
            return district_abbrev[i].abbrev;
    return code;
}

static void add_staff(struct demo *d, int u, const struct staff_role *roles, int n,
                      const char *prefix, const char *abbrev)
{
    struct demo_ops *o = d->ops;
    o->pools[u] = (struct ops_pool){u, (int)o->n_members, n};
    for (int k = 0; k < n; k++) {
        const struct staff_role *r = &roles[k];
        int p = demo_add_person(d, u, ROLE_REPORTER);
        struct plan_person *pp = &d->people[p];
        pp->person.rank = r->ranks[rng_next(&d->rng) % 3];
        pp->person.position = r->position;
        pp->person.clearance = r->is_leader ? CLEARANCE_CONFIDENTIAL : CLEARANCE_UNCLASSIFIED;
        o->members = grow(o->members, &o->cap_members, o->n_members, sizeof(*o->members));
        struct ops_member *m = &o->members[o->n_members++];
        memset(m, 0, sizeof(*m));
        m->person = p;
        m->unit = u;
        m->is_leader = r->is_leader;
        m->is_crew = r->is_crew;
        if (r->is_leader || r->is_crew || chance(&d->rng, 50)) {
            m->uid =
                arena_printf(&d->arena, "ANDROID-%016llx", (unsigned long long)rng_next(&d->rng));
            m->callsign = arena_printf(&d->arena, "%s-%s-%02d", prefix, abbrev, k + 1);
        }
        o->sum_staff++;
    }
}

static int add_asset(struct demo *d, int u, const char *kind, const char *code, const char *name)
{
    struct demo_ops *o = d->ops;
    o->assets = grow(o->assets, &o->cap_assets, o->n_assets, sizeof(*o->assets));
    struct ops_asset *a = &o->assets[o->n_assets];
    memset(a, 0, sizeof(*a));
    a->a.kind = kind;
    a->a.code = code;
    a->a.name = name;
    a->a.is_active = true;
    a->unit = u;
    if (strcmp(kind, "vessel") == 0)
        a->tracker_uid = arena_printf(&d->arena, "TRACKER-%s", code);
    return (int)o->n_assets++;
}

/* "71A-123.45": a plate not given before. */
static const char *plate(struct demo *d, const char *series)
{
    for (;;) {
        const char *p = arena_printf(&d->arena, "%s-%03d.%02d", series,
                                     (int)between(&d->rng, 100, 999), (int)between(&d->rng, 0, 99));
        bool is_new = true;
        for (size_t i = 0; i < d->ops->n_assets && is_new; i++)
            is_new = strcmp(d->ops->assets[i].a.code, p) != 0;
        if (is_new)
            return p;
    }
}

/* The asset of unit u of kind whose name starts with what, or -1. */
static int asset_of(const struct demo *d, int u, const char *kind, const char *what)
{
    for (size_t i = 0; i < d->ops->n_assets; i++) {
        const struct ops_asset *a = &d->ops->assets[i];
        if (a->unit == u && strcmp(a->a.kind, kind) == 0 &&
            strncmp(a->a.name, what, strlen(what)) == 0)
            return (int)i;
    }
    return -1;
}

static bool is_coastal_district(const struct demo *d, int i)
{
    return district_col(d, i) == GRID - 1;
}

/* Staff and assets: every border post, district police and military command. */
static void plan_staff(struct demo *d)
{
    int post_no = 11;
    for (int i = 0; i < DEMO_N_DISTRICTS; i++) {
        int da = d->area_district[i];
        int ca = d->area_unit[FORCE_POLICE][da], qs = d->area_unit[FORCE_MILITARY][da];
        if (ca >= 0) {
            add_staff(d, ca, police_staff, OPS_STAFF_DISTRICT, "CA", unit_abbrev(d, ca));
            const char *p = plate(d, "71A");
            add_asset(d, ca, "vehicle", p, arena_printf(&d->arena, "Xe tuần tra %s", p));
            const char *code = arena_printf(&d->arena, "CA-%s-01", d->areas[da].area.code);
            add_asset(d, ca, "vessel", code, arena_printf(&d->arena, "Ca nô %s", code));
        }
        if (qs >= 0) {
            add_staff(d, qs, military_staff, OPS_STAFF_DISTRICT, "QS", unit_abbrev(d, qs));
            const char *p = plate(d, "71C");
            add_asset(d, qs, "vehicle", p, arena_printf(&d->arena, "Xe chỉ huy %s", p));
            if (is_coastal_district(d, i)) {
                const char *code = arena_printf(&d->arena, "QS-%s-01", d->areas[da].area.code);
                add_asset(d, qs, "vessel", code,
                          arena_printf(&d->arena, "Xuồng tuần tra %s", code));
            }
        }
    }
    for (size_t u = 0; u < d->n_units; u++) {
        const struct plan_unit *pu = &d->units[u];
        if (pu->force != FORCE_BORDER_GUARD || strcmp(pu->unit.level, "district") != 0)
            continue;
        const char *ab = unit_abbrev(d, (int)u);
        for (size_t k = 0; k < u; k++) /* two posts with the same initials: number them */
            if (d->ops->pools[k].n > 0 && d->units[k].force == FORCE_BORDER_GUARD &&
                strcmp(unit_abbrev(d, (int)k), ab) == 0)
                ab = arena_printf(&d->arena, "%s%d", ab, post_no - 10);
        add_staff(d, (int)u, post_staff, OPS_STAFF_POST, "BP", ab);
        const char *c1 = arena_printf(&d->arena, "BP-%02d-01", post_no);
        const char *c2 = arena_printf(&d->arena, "BP-%02d-02", post_no);
        add_asset(d, (int)u, "vessel", c1, arena_printf(&d->arena, "Tàu tuần tra %s", c1));
        add_asset(d, (int)u, "vessel", c2, arena_printf(&d->arena, "Xuồng cao tốc %s", c2));
        post_no++;
    }
}

/* ---- who is free ------------------------------------------------------------------------ */

static bool is_free(const int64_t *busy, size_t n, int64_t from, int64_t to)
{
    for (size_t i = 0; i < n; i += 2)
        if (busy[i] < to + OPS_GAP_MS && from < busy[i + 1] + OPS_GAP_MS)
            return false;
    return true;
}

static void take(int64_t **busy, size_t *n, size_t *cap, int64_t from, int64_t to)
{
    *busy = grow(*busy, cap, *n + 1, sizeof(**busy));
    (*busy)[(*n)++] = from;
    (*busy)[(*n)++] = to;
}

/* The interval an operation holds its people and assets: its plan, stretched by
 * what happened. */
static void held(const struct ops_op *op, int64_t *from, int64_t *to)
{
    *from = op->planned_start < op->started_at || op->started_at == 0 ? op->planned_start
                                                                      : op->started_at;
    *to = op->ended_at > op->planned_end ? op->ended_at : op->planned_end;
}

static bool is_member(const struct ops_op *op, int mi)
{
    for (int j = 0; j < op->n_members; j++)
        if (op->members[j] == mi)
            return true;
    return false;
}

/* Add up to n free members of unit u's pool to op, on the boat lag_ms behind the
 * first: with leader, one leader first (none free: nobody, 0); with crew, a
 * boat's crew before the others; leaders last. How many were added. */
static int pick(struct demo *d, struct ops_op *op, int u, int n, bool leader, bool crew,
                int64_t lag_ms)
{
    struct demo_ops *o = d->ops;
    const struct ops_pool *pl = &o->pools[u];
    int64_t from, to;
    int added = 0;

    if (pl->n == 0 || n <= 0)
        return 0;
    held(op, &from, &to);
    int start = (int)between(&d->rng, 0, pl->n - 1);
    for (int pass = 0; pass < 4 && added < n; pass++) {
        for (int k = 0; k < pl->n && added < n && op->n_members < OPS_MAX_MEMBERS; k++) {
            int mi = pl->first + (start + k) % pl->n;
            const struct ops_member *m = &o->members[mi];
            bool wanted = pass == 0   ? leader && m->is_leader
                          : pass == 1 ? crew && m->is_crew
                          : pass == 2 ? !m->is_leader && !m->is_crew
                                      : true;
            if (!wanted || is_member(op, mi) || !is_free(m->busy, m->n_busy, from, to))
                continue;
            op->lag_ms[op->n_members] = lag_ms;
            op->members[op->n_members++] = mi;
            added++;
            if (pass == 0)
                break; /* one leader */
        }
        if (pass == 0 && leader && added == 0)
            return 0;
    }
    return added;
}

static bool add_asset_to(struct demo *d, struct ops_op *op, int a)
{
    int64_t from, to;
    if (a < 0 || op->n_assets >= OPS_MAX_ASSETS)
        return false;
    const struct ops_asset *as = &d->ops->assets[a];
    held(op, &from, &to);
    if (!is_free(as->busy, as->n_busy, from, to))
        return false;
    op->assets[op->n_assets++] = a;
    return true;
}

static void take_all(struct demo *d, const struct ops_op *op)
{
    int64_t from, to;
    held(op, &from, &to);
    for (int k = 0; k < op->n_members; k++) {
        struct ops_member *m = &d->ops->members[op->members[k]];
        take(&m->busy, &m->n_busy, &m->cap_busy, from, to);
    }
    for (int k = 0; k < op->n_assets; k++) {
        struct ops_asset *a = &d->ops->assets[op->assets[k]];
        take(&a->busy, &a->n_busy, &a->cap_busy, from, to);
    }
}

/* ---- routes and legs -------------------------------------------------------------------- */

struct route {
    double x[OPS_MAX_POINTS], y[OPS_MAX_POINTS];
    bool stop[OPS_MAX_POINTS]; /* a stop at this point */
    int n;
};

static void route_add(struct route *r, double x, double y, bool is_stop)
{
    if (r->n < OPS_MAX_POINTS) {
        r->x[r->n] = x;
        r->y[r->n] = y;
        r->stop[r->n] = is_stop;
        r->n++;
    }
}

static double route_length(const struct route *r)
{
    double l = 0;
    for (int i = 1; i < r->n; i++)
        l += dist_m(r->x[i - 1], r->y[i - 1], r->x[i], r->y[i]);
    return l;
}

/* A GeoJSON LineString of points [from, to) of r. */
static const char *line_json(struct arena *a, const struct route *r, int from, int to)
{
    char buf[64 * OPS_MAX_POINTS];
    size_t n = 0;
    n += (size_t)snprintf(buf + n, sizeof(buf) - n, "{\"type\":\"LineString\",\"coordinates\":[");
    for (int i = from; i < to && n < sizeof(buf); i++)
        n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s[%.6f,%.6f]", i > from ? "," : "",
                              r->x[i], r->y[i]);
    if (n < sizeof(buf))
        snprintf(buf + n, sizeof(buf) - n, "]}");
    return arena_strdup(a, buf);
}

static void add_leg(struct ops_op *op, int64_t t0, int64_t t1, double x0, double y0, double x1,
                    double y1, double wander_m, bool is_foot)
{
    struct ops_leg *l = &op->legs[op->n_legs++];
    *l = (struct ops_leg){.t0 = t0,
                          .t1 = t1,
                          .x0 = x0,
                          .y0 = y0,
                          .x1 = x1,
                          .y1 = y1,
                          .wander_m = wander_m,
                          .is_stop = x0 == x1 && y0 == y1,
                          .is_foot = is_foot};
}

/* Legs along r between t0 and t1 at speed v_ms, the time left over shared among
 * the stops (weighted at random). */
static void route_legs(struct demo *d, struct ops_op *op, const struct route *r, int64_t t0,
                       int64_t t1, double v_ms, double wander_m, bool is_foot)
{
    double weights[OPS_MAX_POINTS], total_w = 0, length = route_length(r);
    int64_t moving = (int64_t)(length / v_ms * 1000.0), spare;
    int n_stops = 0;

    for (int i = 0; i < r->n; i++) {
        weights[i] = r->stop[i] ? 0.5 + unif(&d->rng) : 0;
        total_w += weights[i];
        n_stops += r->stop[i];
    }
    if (moving > (t1 - t0) * 9 / 10) /* faster, rather than no stop at all */
        moving = (t1 - t0) * 9 / 10;
    spare = t1 - t0 - moving;
    op->legs = arena_alloc(&d->arena, (size_t)(2 * r->n + 1) * sizeof(*op->legs));
    op->n_legs = 0;
    int64_t t = t0;
    for (int i = 0; i < r->n; i++) {
        if (i > 0) {
            double l = dist_m(r->x[i - 1], r->y[i - 1], r->x[i], r->y[i]);
            int64_t dt = length > 0 ? (int64_t)((double)moving * l / length) : 0;
            add_leg(op, t, t + dt, r->x[i - 1], r->y[i - 1], r->x[i], r->y[i], 0, false);
            t += dt;
        }
        if (r->stop[i] && total_w > 0) {
            int64_t dt = (int64_t)((double)spare * weights[i] / total_w);
            add_leg(op, t, t + dt, r->x[i], r->y[i], r->x[i], r->y[i], wander_m, is_foot);
            t += dt;
        }
    }
    if (n_stops == 0 || total_w <= 0) /* time left over at the end: a stop there */
        add_leg(op, t, t1, r->x[r->n - 1], r->y[r->n - 1], r->x[r->n - 1], r->y[r->n - 1], wander_m,
                is_foot);
    op->legs[op->n_legs - 1].t1 = t1; /* rounding */
}

/* ---- texts ------------------------------------------------------------------------------ */

static const char *const sea_cancel[] = {
    "Thời tiết xấu, gió mạnh cấp 6, cấp 7, biển động, không bảo đảm an toàn cho phương tiện",
    "Ảnh hưởng của áp thấp nhiệt đới, có lệnh cấm tàu thuyền ra khơi",
    "Gió mùa Đông Bắc mạnh, sóng cao 2-3 m, tạm dừng tuần tra trên biển",
};
static const char *const land_cancel[] = {
    "Mưa lớn kéo dài kèm triều cường, lực lượng tập trung hỗ trợ nhân dân",
    "Lực lượng tham gia ứng phó sạt lở bờ sông, lùi lịch tuần tra",
    "Điều chỉnh lực lượng phục vụ nhiệm vụ đột xuất theo chỉ đạo của cấp trên",
};

static void entry_at_stop(struct demo *d, struct ops_op *op, struct ops_entry *e,
                          const struct ops_leg *stop)
{
    memset(e, 0, sizeof(*e));
    e->at = stop->t0 + (int64_t)((double)(stop->t1 - stop->t0) * (0.2 + 0.6 * unif(&d->rng)));
    e->lat = stop->y0;
    e->lon = stop->x0;
    e->incident = -1;
    /* The commander mostly; now and then another member with a phone. */
    e->writer = 0;
    if (chance(&d->rng, 30)) {
        int k = (int)between(&d->rng, 1, op->n_members - 1);
        if (k > 0 && k < op->n_members && d->ops->members[op->members[k]].uid != NULL)
            e->writer = k;
    }
}

/* An entry's texts by kind; with_incident: the violation that becomes one. */
static void entry_texts(struct demo *d, struct ops_op *op, struct ops_entry *e, int nth,
                        bool with_incident)
{
    struct arena *a = &d->arena;
    uint64_t *s = &d->rng;
    const char *place = op->district >= 0 ? in_sentence(a, district_name(d, op->district)) : "";

    switch (op->kind) {
    case K_SEA: {
        int nmi = (int)lround((e->lon - LAND_EAST) * KM_PER_DEG_LON / KM_PER_NMI);
        nmi = nmi < 1 ? 1 : nmi;
        if (with_incident && chance(s, 60)) {
            int hull = (int)between(s, 90001, 99999);
            e->vessels = 1;
            e->people = (int)between(s, 4, 12);
            e->violations = 1;
            e->text = arena_printf(a,
                                   "Phát hiện tàu cá BT-%05d-TS khai thác thủy sản bằng lưới kéo "
                                   "trong vùng cấm, cách bờ khoảng %d hải lý; lập biên bản, dẫn "
                                   "giải tàu về bến để xử lý.",
                                   hull, nmi);
            e->inc_title = arena_printf(
                a, "Tàu cá BT-%05d-TS khai thác thủy sản bằng lưới kéo trái phép ngoài khơi %s",
                hull, place);
            e->inc_people = e->people;
            e->inc_vessels = 1;
            e->incident = C_FISHING;
        } else if (with_incident) {
            int litres = (int)between(s, 8, 60) * 500;
            e->vessels = 1;
            e->people = (int)between(s, 2, 6);
            e->violations = 1;
            e->items = arena_printf(a, "%d lít dầu DO", litres);
            e->text = arena_printf(a,
                                   "Phát hiện tàu không số hiệu chở khoảng %d lít dầu DO không rõ "
                                   "nguồn gốc, cách bờ khoảng %d hải lý; tạm giữ phương tiện, hàng "
                                   "hóa.",
                                   litres, nmi);
            e->inc_title = arena_printf(
                a, "Tàu chở khoảng %d lít dầu DO không rõ nguồn gốc ngoài khơi %s", litres, place);
            e->inc_people = e->people;
            e->inc_vessels = 1;
            e->incident = C_SMUGGLING;
        } else if (nth == 0 || chance(s, 60)) {
            e->vessels = (int)between(s, 2, 9);
            e->people = e->vessels * (int)between(s, 3, 8);
            if (chance(s, 20)) {
                e->violations = (int)between(s, 1, 2);
                e->text = arena_printf(a,
                                       "Kiểm tra %d tàu cá, %d thuyền viên cách bờ khoảng %d hải "
                                       "lý; lập biên bản %d tàu không duy trì kết nối thiết bị "
                                       "giám sát hành trình.",
                                       e->vessels, e->people, nmi, e->violations);
            } else {
                e->text = arena_printf(a,
                                       "Kiểm tra %d tàu cá, %d thuyền viên cách bờ khoảng %d hải "
                                       "lý; giấy tờ, thiết bị giám sát hành trình đầy đủ.",
                                       e->vessels, e->people, nmi);
            }
        } else if (chance(s, 50)) {
            e->people = (int)between(s, 10, 40);
            e->text = arena_printf(a,
                                   "Tuyên truyền %d thuyền viên về quy định chống khai thác IUU, "
                                   "không vi phạm vùng biển nước ngoài; phát tờ rơi.",
                                   e->people);
        } else {
            e->text = "Neo đậu quan sát trên biển, không phát hiện dấu hiệu sang mạn hàng hóa "
                      "trái phép.";
        }
        break;
    }
    case K_RIVER: {
        const char *river = rivers[op->site].name;
        if (with_incident) {
            int bags = (int)between(s, 40, 300);
            e->vessels = 1;
            e->people = (int)between(s, 2, 4);
            e->violations = 1;
            e->items = arena_printf(a, "%d bao đường cát (50 kg/bao)", bags);
            e->text = arena_printf(a,
                                   "Phát hiện ghe chở %d bao đường cát nhập lậu trên %s; tạm giữ "
                                   "phương tiện, hàng hóa.",
                                   bags, river);
            e->inc_title =
                arena_printf(a, "Ghe chở %d bao đường cát nhập lậu trên %s", bags, river);
            e->inc_people = e->people;
            e->inc_vessels = 1;
            e->incident = C_SMUGGLING;
        } else if (chance(s, 25)) {
            e->vessels = (int)between(s, 1, 3);
            e->people = e->vessels * (int)between(s, 2, 4);
            e->violations = e->vessels;
            e->text = arena_printf(a,
                                   "Phát hiện %d phương tiện hút cát ngoài khu vực được cấp phép "
                                   "trên %s; lập biên bản, yêu cầu di chuyển khỏi khu vực.",
                                   e->vessels, river);
        } else {
            e->vessels = (int)between(s, 3, 15);
            e->people = e->vessels * (int)between(s, 1, 4);
            e->violations = chance(s, 40) ? (int)between(s, 1, 3) : 0;
            e->text = e->violations > 0
                          ? arena_printf(a,
                                         "Kiểm tra %d phương tiện thủy, %d người; nhắc nhở %d ghe "
                                         "chở quá tải, không trang bị phao cứu sinh.",
                                         e->vessels, e->people, e->violations)
                          : arena_printf(a,
                                         "Kiểm tra %d phương tiện thủy, %d người; giấy tờ, giấy "
                                         "phép vận chuyển hợp lệ.",
                                         e->vessels, e->people);
        }
        break;
    }
    case K_CONTROL: {
        const char *commune = in_sentence(a, d->areas[op->area].area.name);
        if (with_incident) {
            int cartons = (int)between(s, 50, 800);
            e->people = (int)between(s, 1, 3);
            e->violations = 1;
            e->items = arena_printf(a, "%d cây thuốc lá điếu", cartons);
            e->text = arena_printf(a,
                                   "Phát hiện điểm tập kết %d cây thuốc lá điếu nhập lậu tại nhà "
                                   "kho ven sông; lập biên bản, tạm giữ tang vật.",
                                   cartons);
            e->inc_title =
                arena_printf(a, "Tập kết %d cây thuốc lá điếu nhập lậu tại %s", cartons, commune);
            e->inc_people = e->people;
            e->inc_vehicles = (int)between(s, 0, 1);
            e->incident = C_SMUGGLING;
        } else if (nth == 0) {
            int homes = (int)between(s, 8, 40);
            e->people = homes * (int)between(s, 2, 4);
            e->violations = chance(s, 50) ? (int)between(s, 1, 4) : 0;
            e->text = arena_printf(a,
                                   "Kiểm tra hành chính %d hộ, %d nhân khẩu; %d trường hợp tạm trú "
                                   "chưa khai báo, đã hướng dẫn đăng ký.",
                                   homes, e->people, e->violations);
        } else if (chance(s, 50)) {
            e->vehicles = (int)between(s, 2, 12);
            e->vessels = (int)between(s, 1, 8);
            e->text = arena_printf(a,
                                   "Kiểm tra bến bãi, cửa sông: %d phương tiện bộ, %d phương tiện "
                                   "thủy; không phát hiện dấu hiệu tập kết hàng lậu.",
                                   e->vehicles, e->vessels);
        } else {
            e->people = (int)between(s, 15, 60);
            e->text = arena_printf(a,
                                   "Tuyên truyền, vận động %d người dân ven biển tham gia phát "
                                   "hiện, tố giác tội phạm, buôn lậu, xuất nhập cảnh trái phép.",
                                   e->people);
        }
        break;
    }
    default: { /* K_CHECKPOINT: a daily summary */
        const struct site *st = &sites[op->site];
        if (with_incident && chance(s, 60)) {
            int kg = (int)between(s, 20, 300);
            e->vehicles = 1;
            e->people = (int)between(s, 1, 3);
            e->violations = 1;
            e->items = arena_printf(a, "%d kg pháo nổ", kg);
            e->text = arena_printf(a,
                                   "Phát hiện xe tải biển số 71C-%03d.%02d vận chuyển %d kg pháo "
                                   "nổ trái phép; tạm giữ người, phương tiện.",
                                   (int)between(s, 100, 999), (int)between(s, 0, 99), kg);
            e->inc_title = arena_printf(a, "Vận chuyển %d kg pháo nổ trái phép qua chốt %s, %s", kg,
                                        st->road, place);
            e->inc_people = e->people;
            e->inc_vehicles = 1;
            e->incident = C_SMUGGLING;
        } else if (with_incident) {
            e->vehicles = 1;
            e->people = (int)between(s, 1, 2);
            e->violations = e->people;
            e->items = arena_printf(a, "%d,%d gam ma túy tổng hợp", (int)between(s, 1, 30),
                                    (int)between(s, 0, 9));
            e->text = arena_printf(a,
                                   "Phát hiện %d đối tượng đi xe máy tàng trữ trái phép chất ma "
                                   "túy tổng hợp; bàn giao Công an huyện điều tra.",
                                   e->people);
            e->inc_title = arena_printf(
                a, "Tàng trữ trái phép chất ma túy phát hiện tại chốt %s, %s", st->road, place);
            e->inc_people = e->people;
            e->inc_vehicles = 1;
            e->incident = C_DRUGS;
        } else {
            e->vehicles = (int)between(s, 120, 600);
            e->people = e->vehicles + (int)between(s, 20, 200);
            int alcohol = (int)between(s, 0, 12), bulky = (int)between(s, 0, 6);
            e->violations = alcohol + bulky;
            e->text = arena_printf(a,
                                   "Tổng hợp trong ngày: kiểm tra %d phương tiện, %d người; xử lý "
                                   "%d trường hợp vi phạm nồng độ cồn, %d trường hợp chở hàng cồng "
                                   "kềnh, quá khổ.",
                                   e->vehicles, e->people, alcohol, bulky);
        }
        break;
    }
    }
    if (e->incident >= 0)
        e->inc_description = arena_printf(
            a,
            "Tổ công tác phát hiện trong khi làm nhiệm vụ \"%s\": %s Lực lượng đã lập biên bản, "
            "báo cáo chỉ huy và phối hợp xử lý theo quy định.",
            op->title, e->text);
}

/* ---- planning: the operations ------------------------------------------------------------- */

static struct ops_op *new_op(struct demo *d, int kind, int64_t start, int64_t duration)
{
    struct demo_ops *o = d->ops;
    o->ops = grow(o->ops, &o->cap_ops, o->n_ops, sizeof(*o->ops));
    struct ops_op *op = &o->ops[o->n_ops++];
    memset(op, 0, sizeof(*op));
    op->kind = (unsigned char)kind;
    op->district = op->other = op->area = -1;
    op->planned_start = start;
    op->planned_end = start + duration;
    op->seed = rng_next(&d->rng);
    return op;
}

/* The border posts, in plan order, with the district each is in. */
static int posts_of(const struct demo *d, int *posts, int *districts, int max)
{
    int n = 0;
    for (size_t u = 0; u < d->n_units && n < max; u++) {
        const struct plan_unit *pu = &d->units[u];
        if (pu->force != FORCE_BORDER_GUARD || strcmp(pu->unit.level, "district") != 0)
            continue;
        posts[n] = (int)u;
        districts[n] = district_of_area(d, pu->areas[0]);
        n++;
    }
    return n;
}

/* The day's patrols by kind: candidates, given people and routes later. */
static void plan_calendar(struct demo *d, int64_t from, int days)
{
    int posts[16], post_district[16];
    int n_posts = posts_of(d, posts, post_district, 16);
    int sea_turn[DEMO_N_DISTRICTS] = {0}, control_turn[16] = {0};
    int64_t next_control[16];

    for (int k = 0; k < n_posts; k++)
        next_control[k] = from + between(&d->rng, 2, 16) * MS_DAY;
    for (int day = 0; day < days; day++) {
        int64_t day0 = from + day * MS_DAY;
        int wd = weekday(day0);
        /* Sea: twice a week per coastal district, its posts in turn. */
        int coastal = 0;
        for (int i = 0; i < DEMO_N_DISTRICTS; i++) {
            if (!is_coastal_district(d, i))
                continue;
            int j = coastal++;
            if (wd != j && wd != j + 3)
                continue;
            int mine[4], n_mine = 0;
            for (int k = 0; k < n_posts && n_mine < 4; k++)
                if (post_district[k] == i)
                    mine[n_mine++] = k;
            if (n_mine == 0)
                continue;
            int k = mine[sea_turn[i]++ % n_mine];
            bool is_night = chance(&d->rng, 80);
            int64_t start =
                day0 +
                (is_night ? between(&d->rng, 37, 44) : between(&d->rng, 10, 14)) * 30 * MS_MIN;
            struct ops_op *op = new_op(d, K_SEA, start, between(&d->rng, 8, 16) * 30 * MS_MIN);
            op->site = k;
            op->owner = posts[k];
            op->district = i;
        }
        /* Rivers: one a weekday (Monday to Thursday), one column's stretch a week. */
        if (wd < (int)PH_NELEM(rivers)) {
            int r = wd, col = (int)((local_day(day0) / 7) % GRID);
            const struct river *rv = &rivers[r];
            int north = rv->row_north >= 0 ? district_at(d, col, rv->row_north) : -1;
            int south = rv->row_south >= 0 ? district_at(d, col, rv->row_south) : -1;
            bool is_day = chance(&d->rng, 70);
            int64_t start =
                day0 + (is_day ? between(&d->rng, 15, 18) : between(&d->rng, 37, 40)) * 30 * MS_MIN;
            struct ops_op *op = new_op(d, K_RIVER, start, between(&d->rng, 6, 10) * 30 * MS_MIN);
            op->site = r;
            op->district = north >= 0 ? north : south;
            op->other = north >= 0 && south >= 0 ? south : -1;
        }
        /* Control of a coastal commune every two or three weeks per post. */
        for (int k = 0; k < n_posts; k++) {
            if (day0 < next_control[k] || day0 >= next_control[k] + MS_DAY)
                continue;
            const struct plan_unit *pu = &d->units[posts[k]];
            int coastal_areas[64], n = 0;
            for (size_t a = 0; a < pu->n_areas && n < 64; a++)
                if (d->areas[pu->areas[a]].is_coastal_commune)
                    coastal_areas[n++] = pu->areas[a];
            next_control[k] += between(&d->rng, 14, 21) * MS_DAY;
            if (n == 0)
                continue;
            int64_t start = day0 + between(&d->rng, 15, 18) * 30 * MS_MIN;
            struct ops_op *op = new_op(d, K_CONTROL, start, between(&d->rng, 6, 10) * 30 * MS_MIN);
            op->site = k;
            op->owner = posts[k];
            op->area = coastal_areas[control_turn[k]++ % n];
            op->district = post_district[k];
        }
    }
}

/* The checkpoint campaign: Tết in the year (else 2 September), three rounds of
 * three days at each site in the three weeks before it and the week after. */
static void plan_checkpoints(struct demo *d, int64_t from, int64_t to, const char **campaign)
{
    int64_t day = 0;
    for (size_t i = 0; i < PH_NELEM(tet_days) && day == 0; i++) {
        int64_t t = local_midnight(tet_days[i].y, tet_days[i].m, tet_days[i].d);
        if (t >= from + 21 * MS_DAY && t < to) {
            day = t;
            *campaign = arena_printf(&d->arena, "cao điểm Tết Nguyên đán %d", tet_days[i].y);
        }
    }
    if (day == 0) { /* 2 September of the year inside the window */
        int y = local_year(from);
        day = local_midnight(y, 9, 2);
        if (day < from + 21 * MS_DAY)
            day = local_midnight(y + 1, 9, 2);
        *campaign = arena_printf(&d->arena, "cao điểm bảo đảm an ninh, trật tự dịp Quốc khánh 2/9");
    }
    static const int rounds[] = {-20, -11, -3};
    for (size_t s = 0; s < PH_NELEM(sites); s++) {
        int di = -1;
        for (int i = 0; i < DEMO_N_DISTRICTS; i++)
            if (strcmp(d->areas[d->area_district[i]].area.code, sites[s].district) == 0)
                di = i;
        if (di < 0)
            continue;
        for (size_t r = 0; r < PH_NELEM(rounds); r++) {
            if (chance(&d->rng, 15))
                continue; /* not every site every round */
            int64_t start =
                day + (rounds[r] + (int64_t)between(&d->rng, 0, 1)) * MS_DAY + 6 * MS_HOUR;
            struct ops_op *op = new_op(d, K_CHECKPOINT, start, OPS_CHECKPOINT_DAYS * MS_DAY);
            op->site = (int)s;
            op->district = di;
        }
    }
}

static int cmp_start(const void *pa, const void *pb)
{
    const struct ops_op *a = pa, *b = pb;
    if (a->planned_start != b->planned_start)
        return a->planned_start < b->planned_start ? -1 : 1;
    return a->seed < b->seed ? -1 : a->seed > b->seed;
}

/* When it is planned, starts, ends or is called off; END_* as of now. */
static void plan_times(struct demo *d, struct ops_op *op, int64_t now)
{
    int month = local_month(op->planned_start);
    bool rough = month == 11 || month <= 1 || (month >= 8 && month <= 10); /* monsoon, storms */
    double cancel_pct = op->kind == K_SEA ? (rough ? 9 : 2) : op->kind == K_CHECKPOINT ? 0 : 2;
    int64_t ahead = op->kind == K_CHECKPOINT ? between(&d->rng, 5, 8) : between(&d->rng, 1, 4);

    /* Planned in office hours, one to four days ahead (a week for checkpoints). */
    op->created_at = local_day(op->planned_start) * MS_DAY - (int64_t)TIME_VN_OFFSET_S * 1000 -
                     ahead * MS_DAY + between(&d->rng, 15, 21) * 30 * MS_MIN;
    if (op->created_at < d->inc_from - MS_HOUR)
        op->created_at = d->inc_from - MS_HOUR + between(&d->rng, 1, 30) * MS_MIN;
    if (chance(&d->rng, cancel_pct)) {
        op->end = END_CANCELLED;
        op->cancel_at = op->planned_start - between(&d->rng, 2 * 60, 10 * 60) * MS_MIN;
        if (op->cancel_at < op->created_at + MS_HOUR)
            op->cancel_at = op->created_at + MS_HOUR;
        op->cancel_reason = op->kind == K_SEA
                                ? sea_cancel[rng_next(&d->rng) % PH_NELEM(sea_cancel)]
                                : land_cancel[rng_next(&d->rng) % PH_NELEM(land_cancel)];
        if (op->cancel_at > now)
            op->end = END_PLANNED;
        return;
    }
    op->started_at = op->planned_start + between(&d->rng, -10, 20) * MS_MIN;
    op->ended_at = op->planned_end + between(&d->rng, -20, 40) * MS_MIN;
    if (op->ended_at - op->started_at < MS_HOUR)
        op->ended_at = op->started_at + MS_HOUR;
    op->end = op->planned_start > now ? END_PLANNED : END_COMPLETED;
}

/* The units, members and assets of op; false when it cannot be manned. */
static bool man(struct demo *d, struct ops_op *op)
{
    int di = op->district;
    int da = di >= 0 ? d->area_district[di] : -1;
    int ca = da >= 0 ? d->area_unit[FORCE_POLICE][da] : -1;
    int qs = da >= 0 ? d->area_unit[FORCE_MILITARY][da] : -1;

    switch (op->kind) {
    case K_SEA: {
        /* Mostly with the district's military, now and then its police too; some
         * nights the post goes out alone. */
        bool alone = chance(&d->rng, 15), two_boats = chance(&d->rng, 35);
        bool with_police = chance(&d->rng, 30);
        int boat = asset_of(d, op->owner, "vessel", chance(&d->rng, 70) ? "Tàu" : "Xuồng");
        if (!add_asset_to(d, op, boat) &&
            !add_asset_to(d, op, asset_of(d, op->owner, "vessel", "Tàu")) &&
            !add_asset_to(d, op, asset_of(d, op->owner, "vessel", "Xuồng")))
            return false;
        if (pick(d, op, op->owner, 1, true, false, 0) == 0)
            return false;
        pick(d, op, op->owner, (int)between(&d->rng, 1, 2), false, true, 0);
        pick(d, op, op->owner, (int)between(&d->rng, 1, 2), false, false, 0);
        int64_t lag = 0;
        if (two_boats && qs >= 0 && add_asset_to(d, op, asset_of(d, qs, "vessel", "Xuồng")))
            lag = between(&d->rng, 25, 60) * 1000;
        if (!alone && qs >= 0 && pick(d, op, qs, 1, true, false, lag) > 0) {
            op->units[op->n_units++] = qs;
            pick(d, op, qs, lag > 0 ? 2 : (int)between(&d->rng, 0, 1), false, lag > 0, lag);
        } else if (lag > 0) {
            op->n_assets--; /* nobody for the second boat */
        }
        if (!alone && with_police && ca >= 0 && pick(d, op, ca, 1, true, false, 0) > 0)
            op->units[op->n_units++] = ca;
        return true;
    }
    case K_RIVER: {
        int oda = op->other >= 0 ? d->area_district[op->other] : da;
        int owner = ca, other = d->area_unit[FORCE_MILITARY][oda];
        if (owner < 0 || other < 0)
            return false;
        op->owner = owner;
        if (!add_asset_to(d, op, asset_of(d, owner, "vessel", "Ca nô")))
            return false;
        if (pick(d, op, owner, 1, true, false, 0) == 0)
            return false;
        pick(d, op, owner, 1, false, true, 0);
        pick(d, op, owner, (int)between(&d->rng, 0, 1), false, false, 0);
        /* The waterway police alone now and then; else with the other bank's military. */
        if (chance(&d->rng, 20) || pick(d, op, other, 1, true, false, 0) == 0)
            return true;
        pick(d, op, other, (int)between(&d->rng, 1, 2), false, false, 0);
        op->units[op->n_units++] = other;
        return true;
    }
    case K_CONTROL: {
        int cca = d->area_unit[FORCE_POLICE][op->area],
            cqs = d->area_unit[FORCE_MILITARY][op->area];
        if (pick(d, op, op->owner, 1, true, false, 0) == 0)
            return false;
        pick(d, op, op->owner, (int)between(&d->rng, 1, 2), false, false, 0);
        if (ca >= 0 && pick(d, op, ca, 1, chance(&d->rng, 50), false, 0) > 0) {
            op->units[op->n_units++] = ca;
            add_asset_to(d, op, asset_of(d, ca, "vehicle", "Xe"));
        }
        if (qs >= 0 && pick(d, op, qs, 1, false, false, 0) > 0)
            op->units[op->n_units++] = qs;
        /* The commune's own police and militia take part; their people stay on duty. */
        if (cca >= 0 && op->n_units < OPS_MAX_UNITS)
            op->units[op->n_units++] = cca;
        if (cqs >= 0 && op->n_units < OPS_MAX_UNITS)
            op->units[op->n_units++] = cqs;
        return true;
    }
    default: /* K_CHECKPOINT */
        if (ca < 0 || qs < 0)
            return false;
        op->owner = ca;
        if (pick(d, op, ca, 1, true, false, 0) == 0)
            return false;
        pick(d, op, ca, (int)between(&d->rng, 1, 2), false, false, 0);
        if (pick(d, op, qs, 1, chance(&d->rng, 50), false, 0) > 0)
            op->units[op->n_units++] = qs;
        add_asset_to(d, op, asset_of(d, ca, "vehicle", "Xe"));
        return true;
    }
}

/* Route, geometry, title, description and legs of op. */
static void shape(struct demo *d, struct ops_op *op, const char *campaign)
{
    struct arena *a = &d->arena;
    struct route r = {.n = 0};
    int64_t t0 = op->started_at != 0 ? op->started_at : op->planned_start;
    int64_t t1 = op->ended_at != 0 ? op->ended_at : op->planned_end;
    const char *when = date_text(a, op->planned_start);
    int hour = (int)(((op->planned_start + (int64_t)TIME_VN_OFFSET_S * 1000) % MS_DAY) / MS_HOUR);
    const char *day_or_night = hour >= 17 || hour < 4 ? "đêm" : "ngày";
    bool is_joint = false;
    for (int k = 0; k < op->n_units; k++)
        is_joint = is_joint || d->units[op->units[k]].force != d->units[op->owner].force;

    switch (op->kind) {
    case K_SEA: {
        const struct plan_unit *pu = &d->units[op->owner];
        const struct box *cb = &d->areas[pu->areas[0]].box; /* the post's first coastal commune */
        double cy = (cb->n + cb->s) / 2, best = 1e9;
        const struct river *mouth = &rivers[0];
        for (size_t i = 0; i < PH_NELEM(rivers); i++)
            if (fabs(rivers[i].lat - cy) < best) {
                best = fabs(rivers[i].lat - cy);
                mouth = &rivers[i];
            }
        double hx = LAND_EAST - 0.012, ex = LAND_EAST + 0.006;
        double s = fmax(cb->s - 0.04, LAND_SOUTH + 0.01), n = fmin(cb->n + 0.04, LAND_NORTH - 0.01);
        double v = (7.0 + 5.0 * unif(&d->rng)) * KNOT_MS;
        double target = v * (double)(t1 - t0) / 1000.0 * 0.7;
        route_add(&r, hx, river_lat(mouth, hx), false);
        route_add(&r, ex, river_lat(mouth, ex), false);
        double cx_ = r.x[1], cy_ = r.y[1], length = dist_m(r.x[0], r.y[0], cx_, cy_);
        int stops = 0, want_stops = (int)between(&d->rng, 2, 4);
        while (r.n < OPS_MAX_POINTS - 3) {
            double x = LAND_EAST + 0.015 + unif(&d->rng) * (SEA_EAST - 0.01 - LAND_EAST - 0.015);
            double y = s + unif(&d->rng) * (n - s);
            double step = dist_m(cx_, cy_, x, y),
                   back = dist_m(x, y, r.x[1], r.y[1]) + dist_m(r.x[1], r.y[1], r.x[0], r.y[0]);
            if (r.n > 2 && length + step + back > target)
                break;
            bool is_stop = stops < want_stops && chance(&d->rng, 60);
            stops += is_stop;
            route_add(&r, x, y, is_stop);
            length += step;
            cx_ = x;
            cy_ = y;
        }
        if (stops == 0)
            r.stop[2] = true;
        route_add(&r, r.x[1], r.y[1], false);
        route_add(&r, r.x[0], r.y[0], false);
        op->geometry = line_json(a, &r, 0, r.n);
        route_legs(d, op, &r, t0, t1, v, 60.0, false);
        op->title = arena_printf(a, "Tuần tra %stuyến biển %s %s %s", is_joint ? "chung " : "",
                                 bare_name(district_name(d, op->district)), day_or_night, when);
        op->description = arena_printf(
            a,
            "Tuần tra %strên vùng biển %s: kiểm tra, kiểm soát tàu cá và phương tiện ra vào cửa "
            "biển, phòng chống buôn lậu, gian lận thương mại và khai thác thủy sản bất hợp pháp, "
            "không báo cáo và không theo quy định (IUU). Xuất phát từ cửa %s.",
            is_joint ? "chung " : "", in_sentence(a, district_name(d, op->district)),
            mouth->name + strlen("sông "));
        break;
    }
    case K_RIVER: {
        const struct river *rv = &rivers[op->site];
        const struct box *b = district_box(d, op->district);
        double xa = b->w + 0.02,
               xb = b->e - (district_col(d, op->district) == GRID - 1 ? 0.01 : 0.02);
        int n = 0;
        for (double x = xa; x < xb && n < OPS_MAX_POINTS - 1; x += 0.012, n++)
            route_add(&r, x, river_lat(rv, x), false);
        route_add(&r, xb, river_lat(rv, xb), false);
        op->geometry = line_json(a, &r, 0, r.n);
        /* Out and back, stopping on the way. */
        struct route full = {.n = 0};
        for (int i = 0; i < r.n; i++)
            route_add(&full, r.x[i], r.y[i], i > 0 && i < r.n - 1 && chance(&d->rng, 12));
        for (int i = r.n - 2; i >= 0 && full.n < OPS_MAX_POINTS; i--)
            route_add(&full, r.x[i], r.y[i], i > 0 && chance(&d->rng, 6));
        full.stop[r.n / 2] = true;
        route_legs(d, op, &full, t0, t1, (8.0 + 4.0 * unif(&d->rng)) * KNOT_MS, 30.0, false);
        const char *banks =
            op->other >= 0 ? arena_printf(a, "%s – %s", bare_name(district_name(d, op->district)),
                                          bare_name(district_name(d, op->other)))
                           : in_sentence(a, district_name(d, op->district));
        op->title = arena_printf(a, "Tuần tra %strên %s (%s) %s %s", is_joint ? "chung " : "",
                                 rv->name, banks, day_or_night, when);
        op->description = arena_printf(
            a,
            "Tuần tra %strên %s, đoạn qua %s: kiểm soát phương tiện thủy, phòng chống khai thác "
            "cát trái phép, vận chuyển hàng lậu và bảo đảm trật tự, an toàn giao thông đường thủy.",
            is_joint ? "chung " : "", rv->name, banks);
        break;
    }
    case K_CONTROL: {
        const struct plan_area *pa = &d->areas[op->area];
        const struct box *b = &pa->box;
        double mx = (b->e - b->w) * 0.03, my = (b->n - b->s) * 0.03;
        double hx = (b->w + b->e) / 2, hy = (b->n + b->s) / 2;
        op->geometry = arena_printf(
            a,
            "{\"type\":\"Polygon\",\"coordinates\":[[[%.6f,%.6f],[%.6f,%.6f],[%.6f,%.6f],"
            "[%.6f,%.6f],[%.6f,%.6f]]]}",
            b->w + mx, b->s + my, b->e - mx, b->s + my, b->e - mx, b->n - my, b->w + mx, b->n - my,
            b->w + mx, b->s + my);
        route_add(&r, hx, hy, false);
        int stops = (int)between(&d->rng, 2, 4);
        for (int k = 0; k < stops; k++)
            route_add(&r, b->w + 3 * mx + unif(&d->rng) * (b->e - b->w - 6 * mx),
                      b->s + 3 * my + unif(&d->rng) * (b->n - b->s - 6 * my), true);
        route_add(&r, hx, hy, false);
        route_legs(d, op, &r, t0, t1, (7.0 + 4.0 * unif(&d->rng)), 60.0 + 60.0 * unif(&d->rng),
                   true);
        op->title =
            arena_printf(a, "Kiểm soát địa bàn %s, %s ngày %s", in_sentence(a, pa->area.name),
                         in_sentence(a, district_name(d, op->district)), when);
        op->description = arena_printf(
            a,
            "Kiểm soát địa bàn %s ven biển: kiểm tra hành chính, các bến bãi, cửa sông, nắm tình "
            "hình người lạ đến địa bàn; phòng chống buôn lậu, xuất nhập cảnh trái phép.",
            in_sentence(a, pa->area.name));
        break;
    }
    default: { /* K_CHECKPOINT */
        const struct site *st = &sites[op->site];
        const struct box *b = district_box(d, op->district);
        double x = b->w + st->fx * (b->e - b->w), y = b->n - st->fy * (b->n - b->s);
        int area = demo_area_at(d, y, x);
        op->geometry = arena_printf(a, "{\"type\":\"Point\",\"coordinates\":[%.6f,%.6f]}", x, y);
        op->legs = arena_alloc(a, sizeof(*op->legs));
        op->n_legs = 0;
        add_leg(op, t0, t1, x, y, x, y, 12.0, true);
        const char *place =
            area >= 0 ? arena_printf(a, "%s, %s", in_sentence(a, d->areas[area].area.name),
                                     in_sentence(a, district_name(d, op->district)))
                      : in_sentence(a, district_name(d, op->district));
        op->title =
            arena_printf(a, "Chốt chặn %s, %s (%s) từ %s", st->road, st->where, place, when);
        op->description = arena_printf(
            a,
            "Chốt chặn trên %s tại %s (%s), %s: kiểm tra, kiểm soát phương tiện, phòng chống vận "
            "chuyển pháo nổ, hàng cấm, ma túy; xử lý vi phạm nồng độ cồn. Các tổ trực theo ca.",
            st->road, st->where, place, campaign);
        break;
    }
    }
}

/* The log entries of op (none before it starts, none after now). */
static void plan_entries(struct demo *d, struct ops_op *op, int64_t now)
{
    if (op->started_at == 0)
        return;
    /* An incident now and then, only in the year (the incidents' own window). */
    static const double incident_pct[] = {
        [K_SEA] = 7, [K_RIVER] = 5, [K_CONTROL] = 5, [K_CHECKPOINT] = 15};
    bool with_incident = op->end == END_COMPLETED && op->ended_at < d->inc_to &&
                         chance(&d->rng, incident_pct[op->kind]);
    int want =
        op->kind == K_CHECKPOINT ? OPS_MAX_ENTRIES : (int)between(&d->rng, 2, OPS_MAX_ENTRIES);

    if (op->kind == K_CHECKPOINT) { /* a summary at 20:00 every day */
        const struct ops_leg *l = &op->legs[0];
        for (int64_t day0 = local_day(l->t0) * MS_DAY - (int64_t)TIME_VN_OFFSET_S * 1000;
             day0 < l->t1 && op->n_entries < want; day0 += MS_DAY) {
            int64_t at = day0 + 20 * MS_HOUR + between(&d->rng, 0, 40) * MS_MIN;
            if (at <= l->t0 || at >= l->t1 || at > now)
                continue;
            struct ops_entry *e = &op->entries[op->n_entries];
            entry_at_stop(d, op, e, l);
            e->at = at;
            entry_texts(d, op, e, op->n_entries, with_incident && op->n_entries == 1);
            op->n_entries++;
        }
        return;
    }
    for (int i = 0; i < op->n_legs && op->n_entries < want; i++) {
        const struct ops_leg *l = &op->legs[i];
        if (!l->is_stop || l->t1 - l->t0 < 5 * MS_MIN)
            continue;
        struct ops_entry *e = &op->entries[op->n_entries];
        entry_at_stop(d, op, e, l);
        if (e->at > now)
            break;
        entry_texts(d, op, e, op->n_entries, with_incident && op->n_entries == 1);
        op->n_entries++;
    }
    /* Under way with no stop yet: what the patrol reports on its way out. */
    if (op->is_live && op->n_entries == 0 && now - op->started_at > 30 * MS_MIN) {
        struct ops_entry *e = &op->entries[op->n_entries];
        const struct ops_leg *l = &op->legs[0];
        entry_at_stop(d, op, e, l);
        e->at = now - between(&d->rng, 5, 25) * MS_MIN;
        for (int i = 0; i < op->n_legs && op->legs[i].t0 <= e->at; i++)
            l = &op->legs[i];
        double f = l->t1 > l->t0 ? (double)(e->at - l->t0) / (double)(l->t1 - l->t0) : 0;
        f = f < 0 ? 0 : f > 1 ? 1 : f;
        e->lon = l->x0 + f * (l->x1 - l->x0);
        e->lat = l->y0 + f * (l->y1 - l->y0);
        entry_texts(d, op, e, 0, false);
        op->n_entries++;
    }
}

/* The plan_incident of each entry that becomes an incident, from demo.n_incidents on. */
static void plan_entry_incidents(struct demo *d)
{
    struct demo_ops *o = d->ops;
    size_t extra = 0;

    for (size_t i = 0; i < o->n_ops; i++)
        for (int k = 0; k < o->ops[i].n_entries; k++)
            extra += o->ops[i].entries[k].incident >= 0;
    size_t next = demo_incidents_reserve(d, extra);
    for (size_t i = 0; i < o->n_ops; i++) {
        struct ops_op *op = &o->ops[i];
        for (int k = 0; k < op->n_entries; k++) {
            struct ops_entry *e = &op->entries[k];
            if (e->incident < 0)
                continue;
            struct plan_incident *pi = &d->incidents[next];
            memset(pi, 0, sizeof(*pi));
            pi->reported_at = e->at;
            pi->detected_at = e->at - between(&d->rng, 2, 10) * MS_MIN;
            pi->occurred_at = pi->detected_at - between(&d->rng, 0, 30) * MS_MIN;
            pi->lat = e->lat;
            pi->lon = e->lon;
            pi->seed = rng_next(&d->rng);
            pi->area = demo_area_at(d, e->lat, e->lon);
            pi->area = pi->area >= 0 ? pi->area : d->area_sea;
            pi->reporter = o->members[op->members[e->writer]].unit;
            pi->dup_of = -1;
            pi->cat = (signed char)e->incident;
            pi->severity = (signed char)(e->incident == C_DRUGS ? 3 : 2);
            pi->classification = CLEARANCE_UNCLASSIFIED;
            pi->cluster = -1;
            pi->cap = CAP_ACTUAL;
            pi->has_location = true;
            e->incident = (int)next++;
        }
    }
}

/* The sea patrol of the first border post under way now: out for about two hours. */
static void plan_live(struct demo *d, int64_t now)
{
    int posts[16], post_district[16];
    int n_posts = posts_of(d, posts, post_district, 16), k = 0;

    for (int i = 0; i < n_posts; i++)
        if (posts[i] == d->slot_unit[SLOT_BP_POST])
            k = i;
    if (n_posts == 0)
        return;
    int64_t start = now - between(&d->rng, 100, 140) * MS_MIN;
    start -= start % (5 * MS_MIN);
    struct ops_op *op = new_op(d, K_SEA, start, 6 * MS_HOUR);
    op->is_live = true;
    op->site = k;
    op->owner = posts[k];
    op->district = post_district[k];
    op->end = END_ACTIVE;
    op->started_at = start + between(&d->rng, 1, 6) * MS_MIN;
    op->created_at =
        local_day(start) * MS_DAY - (int64_t)TIME_VN_OFFSET_S * 1000 - 2 * MS_DAY + 9 * MS_HOUR;
}

/* Is op under way (or about to be) at now? Only the live one may be. */
static bool spans_now(const struct ops_op *op, int64_t now)
{
    int64_t from, to;
    held(op, &from, &to);
    return from - 30 * MS_MIN <= now && now <= to + 30 * MS_MIN;
}

size_t demo_ops_plan(struct demo *d)
{
    struct demo_ops *o = xcalloc(1, sizeof(*o));
    uint64_t saved = d->rng;
    int64_t now = d->cx->now_ms, ahead = now + OPS_AHEAD_DAYS * MS_DAY;
    const char *campaign = "";
    size_t kept = 0;

    /* A generator of its own: the earlier parts' records do not depend on this one. */
    d->ops = o;
    d->rng = OPS_SEED;
    o->pools = xcalloc(d->n_units + 1, sizeof(*o->pools));
    o->buf = xmalloc(POSITION_BATCH_MAX * sizeof(*o->buf));
    o->results = xmalloc(POSITION_BATCH_MAX * sizeof(*o->results));
    plan_staff(d);
    plan_calendar(d, d->inc_from, (int)((ahead - d->inc_from) / MS_DAY) + 1);
    plan_checkpoints(d, d->inc_from, now - 8 * MS_DAY, &campaign);
    for (size_t i = 0; i < o->n_ops; i++)
        plan_times(d, &o->ops[i], now);
    plan_live(d, now);
    qsort(o->ops, o->n_ops, sizeof(*o->ops), cmp_start);
    /* The live one is manned first: the calendar works around it. */
    for (size_t i = 0; i < o->n_ops; i++) {
        struct ops_op *op = &o->ops[i];
        if (!op->is_live)
            continue;
        if (man(d, op)) {
            take_all(d, op);
        } else {
            op->is_live = false;
            op->created_at = INT64_MAX; /* dropped below */
        }
    }
    for (size_t i = 0; i < o->n_ops; i++) {
        struct ops_op *op = &o->ops[i];
        if (op->is_live) {
            o->ops[kept++] = *op;
            continue;
        }
        if (op->created_at == INT64_MAX || op->created_at > now || op->planned_start > ahead ||
            op->planned_start < d->inc_from || spans_now(op, now) || !man(d, op))
            continue;
        take_all(d, op);
        o->ops[kept++] = *op;
    }
    o->n_ops = kept;
    for (size_t i = 0; i < o->n_ops; i++) {
        struct ops_op *op = &o->ops[i];
        shape(d, op, campaign);
        if (op->end == END_COMPLETED || op->end == END_ACTIVE)
            plan_entries(d, op, now);
    }
    plan_entry_incidents(d);

    demo_ev_push(d, d->inc_from - 2 * MS_HOUR, EV_OPS_SETUP, 0, 0, 0);
    for (size_t i = 0; i < o->n_ops; i++) {
        const struct ops_op *op = &o->ops[i];
        uint32_t k = (uint32_t)i;
        demo_ev_push(d, op->created_at, EV_OPS_CREATE, k, 0, 0);
        if (op->cancel_at != 0) {
            demo_ev_push(d, op->cancel_at, EV_OPS_CANCEL, k, 0, 0);
            continue;
        }
        demo_ev_push(d, op->started_at, EV_OPS_START, k, 0, 0);
        for (int e = 0; e < op->n_entries; e++)
            demo_ev_push(d, op->entries[e].at, EV_OPS_LOG, k, 0, (unsigned)e);
        if (op->is_live)
            demo_ev_push(d, now, EV_OPS_LIVE, k, 0, 0);
        else
            demo_ev_push(d, op->ended_at, EV_OPS_END, k, 0, 0);
    }
    d->rng = saved;
    return o->n_ops;
}

/* ---- tracks ---------------------------------------------------------------------------- */

/* One device on an operation: where it is relative to the operation's legs. */
struct dev_track {
    const char *uid, *source;
    int64_t lag_ms;      /* on the second boat */
    double off_e, off_n; /* metres: where aboard, or where one stands */
    double ph[4];        /* a person's own walk around a stop on foot */
    double noise_m;
    bool is_phone;
    int battery0;
    double drain_h; /* percent an hour */
    int shift;      /* checkpoints: 0..2 (8 hours each from 06:00), else -1 */
};

static int leg_at(const struct ops_op *op, int hint, int64_t t)
{
    int i = hint;
    while (i > 0 && t < op->legs[i].t0)
        i--;
    while (i < op->n_legs - 1 && t >= op->legs[i].t1)
        i++;
    return i;
}

/* Where the legs put a device at t (no noise): moves at constant speed; at a
 * stop a drift (a boat, all aboard alike) or a walk (on foot, each their own),
 * easing in and out over five minutes. */
static void leg_pos(const struct ops_leg *l, int64_t t, const double op_ph[4],
                    const struct dev_track *dv, double *x, double *y)
{
    if (!l->is_stop) {
        double f = l->t1 > l->t0 ? (double)(t - l->t0) / (double)(l->t1 - l->t0) : 1.0;
        f = f < 0 ? 0 : f > 1 ? 1 : f;
        *x = l->x0 + f * (l->x1 - l->x0);
        *y = l->y0 + f * (l->y1 - l->y0);
        return;
    }
    const double *ph = l->is_foot ? dv->ph : op_ph;
    double scale = l->is_foot ? 1.0 : 3.0, sec = (double)(t - l->t0) / 1000.0;
    double edge = (double)(t - l->t0 < l->t1 - t ? t - l->t0 : l->t1 - t) / (5.0 * MS_MIN);
    double r = l->wander_m * (edge < 0 ? 0 : edge > 1 ? 1 : edge);
    double e = r * (0.6 * sin(2 * M_PI * sec / (540 * scale) + ph[0]) +
                    0.4 * sin(2 * M_PI * sec / (1560 * scale) + ph[1]));
    double n = r * (0.6 * cos(2 * M_PI * sec / (660 * scale) + ph[2]) +
                    0.4 * sin(2 * M_PI * sec / (1860 * scale) + ph[3]));
    *x = l->x0 + e / (KM_PER_DEG_LON * 1000.0);
    *y = l->y0 + n / (KM_PER_DEG_LAT * 1000.0);
}

static bool on_shift(int64_t t, int shift)
{
    int h = (int)(((t + (int64_t)TIME_VN_OFFSET_S * 1000) % MS_DAY) / MS_HOUR);
    return ((h - 6 - 8 * shift) % 24 + 24) % 24 < 8;
}

/* Store what is in the buffer (its own arena: a batch's lookups are big). */
static ph_err flush(struct core_ctx *cx, struct demo_ops *o, size_t *n, bool *refused)
{
    struct core_ctx fcx = *cx;
    struct arena a;
    ph_err rc;

    if (*n == 0)
        return PH_OK;
    arena_init(&a);
    fcx.arena = &a;
    rc = position_ingest(&fcx, o->buf, *n, o->results, NULL, NULL);
    for (size_t i = 0; rc == PH_OK && i < *n; i++) {
        if (o->results[i].rc == PH_OK) {
            o->sum_positions++;
        } else if (!*refused) { /* once is enough to see what is wrong */
            *refused = true;
            log_warn("demo: position of %s refused: %s%s%s", o->buf[i].uid,
                     err_str(o->results[i].rc), o->results[i].field != NULL ? ", field " : "",
                     o->results[i].field != NULL ? o->results[i].field : "");
        }
    }
    arena_release(&a);
    *n = 0;
    return rc;
}

/* The reports of one device along op, from its start up to until. */
static ph_err device_track(struct core_ctx *cx, struct demo *d, const struct ops_op *op,
                           const struct dev_track *dv, uint64_t *s, int64_t until, size_t *n_buf)
{
    struct demo_ops *o = d->ops;
    int64_t recent = d->cx->now_ms - OPS_RECENT_MS, t0 = op->started_at;
    int64_t end = op->ended_at != 0 && op->ended_at < until ? op->ended_at : until;
    double op_ph[4];
    int hint = 0;
    ph_err rc = PH_OK;

    uint64_t ps = op->seed;
    for (int k = 0; k < 4; k++)
        op_ph[k] = 2 * M_PI * unif(&ps);
    for (int64_t t = t0 + between(s, 0, 9999); t <= end && rc == PH_OK;
         t += t >= recent ? OPS_RECENT_STEP_MS : OPS_OLD_STEP_MS) {
        if (dv->shift >= 0 && !on_shift(t, dv->shift))
            continue;
        int64_t tt = t - dv->lag_ms < t0 ? t0 : t - dv->lag_ms;
        double x, y, px, py;
        hint = leg_at(op, hint, tt);
        leg_pos(&op->legs[hint], tt, op_ph, dv, &x, &y);
        int64_t tp = tt - 5000 < t0 ? t0 : tt - 5000;
        leg_pos(&op->legs[leg_at(op, hint, tp)], tp, op_ph, dv, &px, &py);
        double de = (x - px) * KM_PER_DEG_LON * 1000.0, dn = (y - py) * KM_PER_DEG_LAT * 1000.0;
        double speed = tt > tp ? sqrt(de * de + dn * dn) / ((double)(tt - tp) / 1000.0) : 0;
        struct position_report *r = &o->buf[(*n_buf)++];
        memset(r, 0, sizeof(*r));
        r->uid = dv->uid;
        r->at = t;
        r->lon = x + (dv->off_e + dv->noise_m * gauss(s)) / (KM_PER_DEG_LON * 1000.0);
        r->lat = y + (dv->off_n + dv->noise_m * gauss(s)) / (KM_PER_DEG_LAT * 1000.0);
        r->speed = fmax(0.0, speed * (1.0 + 0.05 * gauss(s)) + 0.1 * gauss(s));
        r->course = speed > 0.3 ? fmod(atan2(de, dn) * 180.0 / M_PI + 360.0, 360.0) : NAN;
        r->alt = dv->is_phone ? -2.0 + 1.5 * gauss(s) : NAN;
        r->battery = -1;
        if (dv->is_phone) {
            double h = fmod((double)(t - t0) / (double)MS_HOUR, 10.0); /* charged every 10 h */
            int b = (int)lround(dv->battery0 - dv->drain_h * h);
            r->battery = b < 5 ? 5 : b;
        }
        r->source = dv->source;
        if (*n_buf == POSITION_BATCH_MAX)
            rc = flush(cx, o, n_buf, &o->refused);
    }
    return rc;
}

/* The positions of every device of op up to until: the members' phones, the
 * vessels' trackers. cx: the demo's own user at the time of the batch. */
static ph_err ingest_track(struct core_ctx *cx, struct demo *d, const struct ops_op *op,
                           int64_t until)
{
    struct demo_ops *o = d->ops;
    uint64_t s = op->seed ^ 0x545241434bull; /* "TRACK": its own generator */
    size_t n_buf = 0;
    ph_err rc = PH_OK;

    if (op->n_legs == 0 || op->started_at == 0)
        return PH_OK;
    for (int k = 0; k < op->n_members + op->n_assets && rc == PH_OK; k++) {
        struct dev_track dv = {.shift = -1};
        if (k < op->n_members) {
            const struct ops_member *m = &o->members[op->members[k]];
            if (m->uid == NULL)
                continue;
            dv.uid = m->uid;
            dv.source = POSITION_SOURCE_COT;
            dv.lag_ms = op->lag_ms[k];
            dv.is_phone = true;
            dv.noise_m = 3.5;
            dv.battery0 = (int)between(&s, 70, 100);
            dv.drain_h = 4.0 + 5.0 * unif(&s);
            if (op->kind == K_CHECKPOINT)
                dv.shift = k % 3;
        } else {
            const struct ops_asset *a = &o->assets[op->assets[k - op->n_members]];
            if (a->tracker_uid == NULL)
                continue;
            dv.uid = a->tracker_uid;
            dv.source = POSITION_SOURCE_API;
            /* The second vessel keeps behind the first. */
            dv.lag_ms = k - op->n_members > 0 ? op->lag_ms[op->n_members - 1] : 0;
            dv.noise_m = 2.0;
        }
        dv.off_e = (op->kind == K_SEA || op->kind == K_RIVER ? 4.0 : 2.0) * gauss(&s);
        dv.off_n = (op->kind == K_SEA || op->kind == K_RIVER ? 4.0 : 2.0) * gauss(&s);
        for (int j = 0; j < 4; j++)
            dv.ph[j] = 2 * M_PI * unif(&s);
        rc = device_track(cx, d, op, &dv, &s, until, &n_buf);
    }
    if (rc == PH_OK)
        rc = flush(cx, o, &n_buf, &o->refused);
    return rc;
}

/* ---- running ---------------------------------------------------------------------------- */

static ph_err failed(const char *what, const struct ops_op *op, ph_err rc, const char *field)
{
    log_error("demo: operation %s (%s): %s%s%s", what, op->title, err_str(rc),
              field != NULL ? ", field " : "", field != NULL ? field : "");
    return rc;
}

/* The patrol staff, the vehicles and vessels, the phones and trackers. */
static ph_err run_setup(struct core_ctx *cx, struct demo *d, int64_t at)
{
    struct demo_ops *o = d->ops;
    struct core_ctx ecx;
    const char *field = NULL;
    ph_err rc = demo_event_ctx(cx, d, -1, at, &ecx, NULL);

    for (size_t i = 0; rc == PH_OK && i < o->n_members; i++) {
        struct plan_person *pp = &d->people[o->members[i].person];
        struct person p = pp->person;
        p.unit_id = d->units[pp->unit].unit.id;
        rc = person_create(&ecx, &p, NULL, &field);
        pp->person.id = p.id;
        if (rc != PH_OK)
            log_error("demo: patrol member %s: %s%s%s", pp->person.username, err_str(rc),
                      field != NULL ? ", field " : "", field != NULL ? field : "");
    }
    for (size_t i = 0; rc == PH_OK && i < o->n_assets; i++) {
        struct ops_asset *oa = &o->assets[i];
        struct asset a = oa->a;
        a.unit_id = d->units[oa->unit].unit.id;
        rc = asset_create(&ecx, &a, &field);
        oa->a.id = a.id;
        o->sum_assets += rc == PH_OK;
        if (rc != PH_OK)
            log_error("demo: asset %s: %s%s%s", oa->a.code, err_str(rc),
                      field != NULL ? ", field " : "", field != NULL ? field : "");
        if (rc == PH_OK && oa->tracker_uid != NULL) {
            struct device dv = {.uid = oa->tracker_uid,
                                .callsign = oa->a.code,
                                .kind = "tracker",
                                .unit_id = a.unit_id,
                                .asset_id = a.id,
                                .is_active = true};
            rc = device_create(&ecx, &dv, &field);
            o->sum_devices += rc == PH_OK;
        }
    }
    for (size_t i = 0; rc == PH_OK && i < o->n_members; i++) {
        const struct ops_member *m = &o->members[i];
        if (m->uid == NULL)
            continue;
        struct device dv = {.uid = m->uid,
                            .callsign = m->callsign,
                            .kind = "tak",
                            .person_id = d->people[m->person].person.id,
                            .is_active = true};
        rc = device_create(&ecx, &dv, &field);
        o->sum_devices += rc == PH_OK;
    }
    if (rc != PH_OK && field != NULL)
        log_error("demo: devices: %s, field %s", err_str(rc), field);
    return rc;
}

static ph_err run_create_op(struct core_ctx *cx, struct demo *d, struct ops_op *op, int64_t at)
{
    static const char *const kinds[] = {[K_SEA] = OPERATION_PATROL,
                                        [K_RIVER] = OPERATION_PATROL,
                                        [K_CONTROL] = OPERATION_CONTROL,
                                        [K_CHECKPOINT] = OPERATION_CHECKPOINT};
    static const char *const domains[] = {
        [K_SEA] = "sea", [K_RIVER] = "river", [K_CONTROL] = "land", [K_CHECKPOINT] = "land"};
    struct demo_ops *o = d->ops;
    struct operation x;
    struct core_ctx ecx;
    struct core_user who;
    const char *field = NULL;
    int64_t conflict = 0;
    ph_err rc = demo_event_ctx(cx, d, demo_person_of(d, op->owner, true), at, &ecx, &who);

    if (rc != PH_OK)
        return rc;
    memset(&x, 0, sizeof(x));
    x.kind = kinds[op->kind];
    x.domain = domains[op->kind];
    x.title = op->title;
    x.description = op->description;
    x.geometry = op->geometry;
    x.planned_start = op->planned_start;
    x.planned_end = op->planned_end;
    x.owner_unit_id = d->units[op->owner].unit.id;
    x.unit_ids = arena_alloc(cx->arena, (OPS_MAX_UNITS + 1) * sizeof(*x.unit_ids));
    for (int k = 0; k < op->n_units; k++)
        x.unit_ids[x.n_units++] = d->units[op->units[k]].unit.id;
    x.people_ids = arena_alloc(cx->arena, (OPS_MAX_MEMBERS + 1) * sizeof(*x.people_ids));
    for (int k = 0; k < op->n_members; k++)
        x.people_ids[x.n_people++] = d->people[o->members[op->members[k]].person].person.id;
    x.commander_id = x.people_ids[0];
    x.asset_ids = arena_alloc(cx->arena, (OPS_MAX_ASSETS + 1) * sizeof(*x.asset_ids));
    for (int k = 0; k < op->n_assets; k++)
        x.asset_ids[x.n_assets++] = o->assets[op->assets[k]].a.id;
    x.classification = CLEARANCE_UNCLASSIFIED;
    rc = operation_create(&ecx, &x, &field, &conflict);
    if (rc != PH_OK) {
        if (conflict != 0)
            log_error("demo: operation conflicts with operation %lld", (long long)conflict);
        return failed("plan", op, rc, field);
    }
    op->id = x.id;
    o->sum_ops++;
    o->sum_joint += x.is_joint;
    return PH_OK;
}

static ph_err run_status(struct core_ctx *cx, struct demo *d, struct ops_op *op, int64_t at,
                         const char *status)
{
    bool is_cancel = strcmp(status, OPERATION_CANCELLED) == 0;
    struct core_ctx ecx;
    struct core_user who;
    const char *field = NULL;
    ph_err rc = demo_event_ctx(cx, d, demo_person_of(d, op->owner, is_cancel), at, &ecx, &who);

    if (rc == PH_OK)
        rc = operation_set_status(&ecx, op->id, 0, status, 0, is_cancel ? op->cancel_reason : NULL,
                                  &field);
    if (rc != PH_OK)
        return failed(status, op, rc, field);
    d->ops->sum_started += strcmp(status, OPERATION_ACTIVE) == 0;
    d->ops->sum_completed += strcmp(status, OPERATION_COMPLETED) == 0;
    d->ops->sum_cancelled += is_cancel;
    return PH_OK;
}

/* Entry k of op, by the member who writes it; perhaps with its incident. */
static ph_err run_log(struct core_ctx *cx, struct demo *d, struct ops_op *op, int k)
{
    struct demo_ops *o = d->ops;
    const struct ops_entry *e = &op->entries[k];
    struct operation_log_entry le;
    struct incident inc;
    struct core_ctx ecx;
    struct core_user who;
    const char *field = NULL;
    int writer = o->members[op->members[e->writer]].person;
    ph_err rc = demo_event_ctx(cx, d, writer, e->at, &ecx, &who);

    if (rc != PH_OK)
        return rc;
    memset(&le, 0, sizeof(le));
    le.at = e->at;
    le.has_location = true;
    le.lat = e->lat;
    le.lon = e->lon;
    le.text = e->text;
    le.items_seized = e->items;
    le.people_checked = e->people;
    le.vehicles_checked = e->vehicles;
    le.vessels_checked = e->vessels;
    le.violations = e->violations;
    memset(&inc, 0, sizeof(inc));
    if (e->incident >= 0) {
        const struct plan_incident *pi = &d->incidents[e->incident];
        inc.category_id = d->cat_id[pi->cat];
        inc.severity = pi->severity;
        inc.title = e->inc_title;
        inc.description = e->inc_description;
        inc.occurred_at = pi->occurred_at;
        inc.detected_at = pi->detected_at;
        inc.has_location = true;
        inc.lat = pi->lat;
        inc.lon = pi->lon;
        inc.reporting_unit_id = d->units[pi->reporter].unit.id;
        inc.people_involved = e->inc_people;
        inc.vehicles_involved = e->inc_vehicles;
        inc.vessels_involved = e->inc_vessels;
        inc.classification = pi->classification;
        inc.cap_status = "actual";
    }
    rc = operation_log_add(&ecx, op->id, &le, e->incident >= 0 ? &inc : NULL, &field);
    if (rc != PH_OK)
        return failed("log", op, rc, field);
    o->sum_entries++;
    if (e->incident < 0)
        return PH_OK;
    if (inc.recipients == NULL) { /* create need not fill them */
        rc = incident_get(&ecx, inc.id, &inc);
        if (rc != PH_OK)
            return failed("incident", op, rc, NULL);
    }
    demo_incident_adopt(d, (uint32_t)e->incident, &inc, d->incidents[e->incident].seed);
    o->sum_incidents++;
    return PH_OK;
}

ph_err demo_ops_event(struct core_ctx *cx, struct demo *d, const struct demo_ev *ev)
{
    struct ops_op *op = ev->kind != EV_OPS_SETUP ? &d->ops->ops[ev->inc] : NULL;
    struct core_ctx ecx;
    ph_err rc;

    switch (ev->kind) {
    case EV_OPS_SETUP:
        return run_setup(cx, d, ev->at);
    case EV_OPS_CREATE:
        return run_create_op(cx, d, op, ev->at);
    case EV_OPS_START:
        return run_status(cx, d, op, ev->at, OPERATION_ACTIVE);
    case EV_OPS_LOG:
        return run_log(cx, d, op, ev->what);
    case EV_OPS_CANCEL:
        return run_status(cx, d, op, ev->at, OPERATION_CANCELLED);
    case EV_OPS_END:
    case EV_OPS_LIVE:
        rc = demo_event_ctx(cx, d, -1, ev->at, &ecx, NULL);
        if (rc == PH_OK)
            rc = ingest_track(&ecx, d, op, ev->at);
        if (rc != PH_OK)
            return failed("track", op, rc, NULL);
        return ev->kind == EV_OPS_END ? run_status(cx, d, op, ev->at, OPERATION_COMPLETED) : PH_OK;
    default:
        return PH_OK;
    }
}

/* The operations ran in the incidents' queue: count them done. */
ph_err demo_ops_run(struct demo *d, size_t n)
{
    d->done += (int64_t)n;
    if (d->progress != NULL)
        d->progress(d->pctx, d->done, d->total);
    return PH_OK;
}

void demo_ops_summarise(const struct demo *d, struct demo_summary *out)
{
    const struct demo_ops *o = d->ops;
    if (o == NULL)
        return;
    out->operations = o->sum_ops;
    out->operations_joint = o->sum_joint;
    out->operations_completed = o->sum_completed;
    out->operations_cancelled = o->sum_cancelled;
    out->operations_active = o->sum_started - o->sum_completed;
    out->operations_planned = o->sum_ops - o->sum_started - o->sum_cancelled;
    out->operation_log_entries = o->sum_entries;
    out->operation_incidents = o->sum_incidents;
    out->patrol_staff = o->sum_staff;
    out->assets = o->sum_assets;
    out->devices = o->sum_devices;
    out->positions = o->sum_positions;
}

void demo_ops_free(struct demo *d)
{
    struct demo_ops *o = d->ops;
    if (o == NULL)
        return;
    for (size_t i = 0; i < o->n_members; i++)
        free(o->members[i].busy);
    for (size_t i = 0; i < o->n_assets; i++)
        free(o->assets[i].busy);
    free(o->members);
    free(o->assets);
    free(o->pools);
    free(o->ops);
    free(o->buf);
    free(o->results);
    free(o);
    d->ops = NULL;
}
