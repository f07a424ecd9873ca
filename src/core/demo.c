/* demo.c - the demo province (see demo.h).
 *
 * The generator runs in two passes over a table of parts (areas, units, people,
 * incidents, bulletins, operations in demo_ops.c; later issues append plans ...):
 * each part's plan function builds its records in memory, referring to earlier
 * records by index, and returns how many it made; then each part's create function
 * turns record i into one core call, run in batches of DEMO_BATCH_RECORDS per write
 * transaction. Planning everything first gives the progress bar its total and keeps
 * the creation loop free of logic. A part whose records are followed by events over
 * simulated time (the incidents: acknowledgements, status changes, deadline runs)
 * has a run function instead, which replays them in time order (see "part:
 * incidents"). What the parts share is in demo_int.h.
 *
 * Geography (approximate, WGS84): the land is the box lon 105.95-106.70, lat
 * 9.80-10.35, cut into a 3 x 3 grid of districts, west to east and north to south;
 * the eastern column (Bình Đại, Ba Tri, Thạnh Phú) faces the sea, a strip out to lon
 * 106.85. Each district is tiled by a grid of communes; the communes in a coastal
 * district's eastern column are "coastal". Polygons are rectangles: enough for maps,
 * point-in-area tests and hot-spot grids, and obviously not survey data.
 *
 * Everything is drawn from one seeded PRNG (splitmix64) in a fixed order, so a
 * scale always gives the same names, ranks and clearances; each incident's texts
 * and follow-ups from a PRNG seeded from that one. The incidents' times depend on
 * the day the demo is generated (the year before it). */
#include "util/base.h"
#include <math.h>
#include <time.h>
#include "core/demo.h"
#include "core/demo_int.h"
#include "core/access.h"
#include "core/area.h"
#include "core/bulletin.h"
#include "core/category.h"
#include "core/ctx.h"
#include "core/incident.h"
#include "core/person.h"
#include "core/unit.h"
#include "core/writer.h"
#include "security/password.h"
#include "util/arena.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/text.h"
#include "util/time.h"

#define DEMO_BATCH_RECORDS 100
#define DEMO_SEED 0x50484f49484f5031ull /* "PHOIHOP1" */
#define DEMO_VALID_FROM "2020-01-01"
#define DEMO_COMMUNES_PER_DISTRICT 8 /* times the scale */
#define DEMO_COMMUNE_CODE_BASE 28600
#define DEMO_POSTS_PER_COASTAL_DISTRICT 2
#define DEMO_FEMALE_PERCENT 15

static const char *const force_codes[N_FORCES] = {"police", "military", "border_guard"};
static const char *const force_prefix[N_FORCES] = {"CA", "QS", "BP"};

/* Districts in the order the province lists them, with their official codes and
 * their cell in the grid (col 0 west .. 2 east on the coast, row 0 north). */
static const struct demo_district {
    const char *code, *name;
    bool is_city; /* "Thành phố" rather than "Huyện" */
    int col, row;
} demo_districts[] = {
    {"829", "Bến Tre", true, 1, 0},     {"831", "Châu Thành", false, 0, 0},
    {"832", "Chợ Lách", false, 0, 1},   {"833", "Mỏ Cày Nam", false, 1, 2},
    {"838", "Mỏ Cày Bắc", false, 0, 2}, {"834", "Giồng Trôm", false, 1, 1},
    {"835", "Bình Đại", false, 2, 0},   {"836", "Ba Tri", false, 2, 1},
    {"837", "Thạnh Phú", false, 2, 2},
};
#define N_DISTRICTS PH_NELEM(demo_districts)
_Static_assert(N_DISTRICTS == DEMO_N_DISTRICTS, "DEMO_N_DISTRICTS counts demo_districts");
#define SEA_CODE "839"
#define SEA_NAME "Vùng biển tỉnh Bến Tre"

/* Commune names are two syllables drawn from these (shuffled once, never twice the
 * same name); past the combinations a compass word is appended. */
static const char *const commune_first[] = {
    "An",   "Bình", "Tân",  "Phú",  "Mỹ",    "Thạnh", "Hòa", "Long", "Phước", "Thới",
    "Hưng", "Vĩnh", "Định", "Quới", "Tường", "Lương", "Sơn", "Hữu",  "Đại",   "Thành",
};
static const char *const commune_second[] = {
    "Thắng", "Thới",  "Lợi",  "Hòa",   "Thạnh", "Phú",   "Định",  "Điền",
    "Hưng",  "Khánh", "Đông", "Tây",   "Nhơn",  "Thuận", "Phước", "Mỹ",
    "Long",  "Lộc",   "An",   "Trung", "Xuân",  "Hội",   "Tân",   "Bình",
};
static const char *const commune_suffix[] = {"",     " Đông", " Tây",    " Trung",
                                             " Nam", " Bắc",  " Thượng", " Hạ"};

/* Names: family names with rough weights for the Mekong delta. */
static const struct {
    const char *name;
    int weight;
} family_names[] = {
    {"Nguyễn", 31}, {"Trần", 11},  {"Lê", 9},   {"Phạm", 7}, {"Huỳnh", 5}, {"Võ", 5},
    {"Phan", 4},    {"Trương", 3}, {"Bùi", 2},  {"Đặng", 2}, {"Đỗ", 2},    {"Ngô", 2},
    {"Hồ", 2},      {"Dương", 2},  {"Lý", 1},   {"Đoàn", 1}, {"Lâm", 1},   {"Châu", 1},
    {"Tô", 1},      {"Hà", 1},     {"Đinh", 1}, {"Mai", 1},  {"Cao", 1},   {"Lương", 1},
};
static const char *const middle_male[] = {"Văn",   "Văn",   "Văn",  "Hữu",  "Minh",  "Quốc",
                                          "Thanh", "Đức",   "Công", "Tấn",  "Hoàng", "Ngọc",
                                          "Thành", "Trọng", "Chí",  "Phước"};
static const char *const middle_female[] = {"Thị", "Thị", "Thị", "Ngọc", "Thanh",
                                            "Kim", "Mỹ",  "Thu", "Bích", "Phương"};
static const char *const given_male[] = {
    "An",    "Bảo",   "Bình",  "Cường", "Dũng", "Duy",   "Đạt",  "Hải",  "Hậu",  "Hiếu", "Hòa",
    "Hùng",  "Huy",   "Khang", "Khoa",  "Kiệt", "Lâm",   "Lộc",  "Long", "Luân", "Minh", "Nam",
    "Nghĩa", "Nhân",  "Phát",  "Phong", "Phúc", "Quang", "Sang", "Sơn",  "Tài",  "Tâm",  "Thắng",
    "Thành", "Thiện", "Thịnh", "Toàn",  "Trí",  "Trung", "Tuấn", "Tùng", "Vinh", "Vũ",
};
static const char *const given_female[] = {
    "Anh",    "Châu",  "Diễm", "Dung", "Giang", "Hà",    "Hạnh",  "Hằng",  "Hoa",
    "Hương",  "Lan",   "Linh", "Loan", "Mai",   "My",    "Ngân",  "Nhung", "Oanh",
    "Phượng", "Quyên", "Thảo", "Thủy", "Trang", "Trinh", "Tuyết", "Vân",   "Yến",
};

/* ---- the fixed demo accounts --------------------------------------------------------- */

static const struct {
    const char *username;
    enum demo_slot slot;
    unsigned role;
} demo_logins[] = {
    {"demo.admin.ca", SLOT_CA_PROVINCE, ROLE_ADMIN},
    {"demo.admin.qs", SLOT_QS_PROVINCE, ROLE_ADMIN},
    {"demo.admin.bp", SLOT_BP_PROVINCE, ROLE_ADMIN},
    {"demo.commander", SLOT_CA_PROVINCE, ROLE_COMMANDER},
    {"demo.duty", SLOT_CA_DISTRICT, ROLE_DUTY_OFFICER},
    {"demo.reporter", SLOT_CA_COMMUNE, ROLE_REPORTER},
    {"demo.viewer", SLOT_CA_PROVINCE, ROLE_VIEWER},
    {"demo.coordinator", SLOT_QS_PROVINCE, ROLE_COORDINATOR},
    {"demo.bp.duty", SLOT_BP_POST, ROLE_DUTY_OFFICER},
};

/* ---- the plan ------------------------------------------------------------------------- */

/* ---- small helpers ------------------------------------------------------------------- */

static size_t rng_below(struct demo *d, size_t n)
{
    return (size_t)(rng_next(&d->rng) % n);
}

/* "[[w,s],[e,s],[e,n],[w,n],[w,s]]" counter-clockwise, as RFC 7946 asks of an
 * exterior ring. */
static const char *rectangle(struct demo *d, struct box b)
{
    return arena_printf(&d->arena,
                        "{\"type\":\"Polygon\",\"coordinates\":[[[%.5f,%.5f],[%.5f,%.5f],"
                        "[%.5f,%.5f],[%.5f,%.5f],[%.5f,%.5f]]]}",
                        b.w, b.s, b.e, b.s, b.e, b.n, b.w, b.n, b.w, b.s);
}

static struct box box_of(double w, double s, double e, double n)
{
    struct box b = {w, s, e, n};
    return b;
}

static int add_area(struct demo *d, const char *code, const char *name, const char *level,
                    const char *kind, int parent, struct box b)
{
    d->areas = grow(d->areas, &d->cap_areas, d->n_areas, sizeof(*d->areas));
    struct plan_area *pa = &d->areas[d->n_areas];
    memset(pa, 0, sizeof(*pa));
    pa->area.code = code;
    pa->area.name = name;
    pa->area.level = level;
    pa->area.kind = kind;
    pa->area.geometry = rectangle(d, b);
    pa->area.valid_from = DEMO_VALID_FROM;
    pa->parent = parent;
    pa->box = b;
    return (int)d->n_areas++;
}

static int add_unit(struct demo *d, int force, const char *code, const char *name,
                    const char *level, int parent, const int *areas, size_t n_areas)
{
    d->units = grow(d->units, &d->cap_units, d->n_units, sizeof(*d->units));
    struct plan_unit *pu = &d->units[d->n_units];
    memset(pu, 0, sizeof(*pu));
    pu->unit.code = code;
    pu->unit.name = name;
    pu->unit.force = force_codes[force];
    pu->unit.level = level;
    pu->unit.is_active = true;
    /* Duty phones in Bến Tre's area code 0275, made up. */
    pu->unit.phone = arena_printf(&d->arena, "0275 3%03u %03u", (unsigned)rng_below(d, 1000),
                                  (unsigned)rng_below(d, 1000));
    pu->parent = parent;
    pu->force = force;
    pu->areas = arena_alloc(&d->arena, (n_areas != 0 ? n_areas : 1) * sizeof(int));
    memcpy(pu->areas, areas, n_areas * sizeof(int));
    pu->n_areas = n_areas;
    return (int)d->n_units++;
}

/* The bare name of commune index k (without "Xã "): a permutation of all
 * first x second combinations, then the same with a compass word. */
struct name_pool {
    const char **names;
    size_t n;
};

static void name_pool_init(struct demo *d, struct name_pool *np)
{
    size_t cap = PH_NELEM(commune_first) * PH_NELEM(commune_second);
    np->names = arena_alloc(&d->arena, cap * sizeof(*np->names));
    np->n = 0;
    for (size_t i = 0; i < PH_NELEM(commune_first); i++)
        for (size_t j = 0; j < PH_NELEM(commune_second); j++)
            if (strcmp(commune_first[i], commune_second[j]) != 0)
                np->names[np->n++] =
                    arena_printf(&d->arena, "%s %s", commune_first[i], commune_second[j]);
    for (size_t i = np->n; i > 1; i--) { /* Fisher-Yates */
        size_t j = rng_below(d, i);
        const char *t = np->names[i - 1];
        np->names[i - 1] = np->names[j];
        np->names[j] = t;
    }
}

static const char *name_pool_get(struct demo *d, const struct name_pool *np, size_t k)
{
    size_t round = k / np->n;
    if (round < PH_NELEM(commune_suffix))
        return arena_printf(&d->arena, "%s%s", np->names[k % np->n], commune_suffix[round]);
    return arena_printf(&d->arena, "%s %zu", np->names[k % np->n], round);
}

/* A Vietnamese full name. */
static const char *person_name(struct demo *d)
{
    int total = 0, pick;
    const char *family = family_names[0].name;
    bool is_female = rng_below(d, 100) < DEMO_FEMALE_PERCENT;

    for (size_t i = 0; i < PH_NELEM(family_names); i++)
        total += family_names[i].weight;
    pick = (int)rng_below(d, (size_t)total);
    for (size_t i = 0; i < PH_NELEM(family_names); i++) {
        if (pick < family_names[i].weight) {
            family = family_names[i].name;
            break;
        }
        pick -= family_names[i].weight;
    }
    if (is_female)
        return arena_printf(&d->arena, "%s %s %s", family,
                            middle_female[rng_below(d, PH_NELEM(middle_female))],
                            given_female[rng_below(d, PH_NELEM(given_female))]);
    return arena_printf(&d->arena, "%s %s %s", family,
                        middle_male[rng_below(d, PH_NELEM(middle_male))],
                        given_male[rng_below(d, PH_NELEM(given_male))]);
}

/* "nguyen.van.an.17": the folded name and a sequence number, so usernames are
 * unique and still say whose they are. */
static const char *username_for(struct demo *d, const char *full_name, size_t seq)
{
    char *folded = text_fold(&d->arena, full_name);
    for (char *c = folded; *c != '\0'; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9')))
            *c = '.';
    return arena_printf(&d->arena, "%s.%zu", folded, seq);
}

/* ---- part: areas ------------------------------------------------------------------------ */

static size_t plan_areas(struct demo *d)
{
    const double dw = (LAND_EAST - LAND_WEST) / GRID, dh = (LAND_NORTH - LAND_SOUTH) / GRID;
    int n = DEMO_COMMUNES_PER_DISTRICT * d->scale;
    struct name_pool np;
    size_t commune_seq = 0;

    /* Communes of a district: rows x cols with rows the largest divisor <= sqrt(n),
     * so that the cells stay close to square. */
    d->comm_rows = 1;
    for (int r = 1; r * r <= n; r++)
        if (n % r == 0)
            d->comm_rows = r;
    d->comm_cols = n / d->comm_rows;

    name_pool_init(d, &np);
    d->area_province = add_area(d, DEMO_PROVINCE_CODE, DEMO_PROVINCE_NAME, "province", "inland", -1,
                                box_of(LAND_WEST, LAND_SOUTH, LAND_EAST, LAND_NORTH));
    for (size_t i = 0; i < N_DISTRICTS; i++) {
        const struct demo_district *dd = &demo_districts[i];
        double w = LAND_WEST + dw * dd->col, nn = LAND_NORTH - dh * dd->row;
        double e = w + dw, s = nn - dh;
        const char *name =
            arena_printf(&d->arena, "%s %s", dd->is_city ? "Thành phố" : "Huyện", dd->name);
        d->area_district[i] = add_area(d, dd->code, name, "district", "inland", d->area_province,
                                       box_of(w, s, e, nn));
        d->first_commune[i] = (int)d->n_areas;
        d->n_communes[i] = n;
        for (int k = 0; k < n; k++, commune_seq++) {
            int row = k / d->comm_cols, col = k % d->comm_cols;
            double cw = (e - w) / d->comm_cols, ch = (nn - s) / d->comm_rows;
            double c_w = w + cw * col, c_n = nn - ch * row;
            bool is_coastal = dd->col == GRID - 1 && col == d->comm_cols - 1;
            const char *code =
                arena_printf(&d->arena, "%05zu", DEMO_COMMUNE_CODE_BASE + commune_seq);
            const char *cname =
                arena_printf(&d->arena, "Xã %s", name_pool_get(d, &np, commune_seq));
            /* Snap the last column and row to the district's edge: no slivers from
             * floating-point sums. */
            double c_e = col == d->comm_cols - 1 ? e : c_w + cw;
            double c_s = row == d->comm_rows - 1 ? s : c_n - ch;
            int idx = add_area(d, code, cname, "commune", is_coastal ? "coastal" : "inland",
                               d->area_district[i], box_of(c_w, c_s, c_e, c_n));
            d->areas[idx].is_coastal_commune = is_coastal;
        }
    }
    d->area_sea = add_area(d, SEA_CODE, SEA_NAME, "district", "sea", d->area_province,
                           box_of(LAND_EAST, LAND_SOUTH, SEA_EAST, LAND_NORTH));
    return d->n_areas;
}

static ph_err create_area(struct core_ctx *cx, struct demo *d, size_t i)
{
    struct plan_area *pa = &d->areas[i];
    struct area a = pa->area;
    const char *field = NULL;
    ph_err rc;

    a.parent_id = pa->parent >= 0 ? d->areas[pa->parent].area.id : 0;
    rc = area_create(cx, &a, &field);
    if (rc != PH_OK) {
        log_error("demo: area %s (%s): %s%s%s", pa->area.code, pa->area.name, err_str(rc),
                  field != NULL ? ", field " : "", field != NULL ? field : "");
        return rc;
    }
    pa->area.id = a.id;
    return PH_OK;
}

/* ---- part: units ------------------------------------------------------------------------- */

/* "Công an", "Ban Chỉ huy Quân sự": a force's unit at district or commune level,
 * followed by "huyện X", "thành phố X" or "xã X". */
static const char *const district_unit_prefix[N_FORCES] = {"Công an", "Ban Chỉ huy Quân sự", NULL};
static const char *const province_unit_name[N_FORCES] = {
    "Công an tỉnh Bến Tre",
    "Bộ Chỉ huy Quân sự tỉnh Bến Tre",
    "Bộ Chỉ huy Bộ đội Biên phòng tỉnh Bến Tre",
};

/* Police and military: a province unit, one per district, one per commune. */
static void plan_force_tree(struct demo *d, int force)
{
    int prov = add_unit(d, force,
                        arena_printf(&d->arena, "%s-%s", force_prefix[force], DEMO_PROVINCE_CODE),
                        province_unit_name[force], "province", -1, &d->area_province, 1);
    d->slot_unit[force == FORCE_POLICE ? SLOT_CA_PROVINCE : SLOT_QS_PROVINCE] = prov;
    for (size_t i = 0; i < N_DISTRICTS; i++) {
        const struct demo_district *dd = &demo_districts[i];
        const struct plan_area *da = &d->areas[d->area_district[i]];
        int du =
            add_unit(d, force, arena_printf(&d->arena, "%s-%s", force_prefix[force], da->area.code),
                     arena_printf(&d->arena, "%s %s %s", district_unit_prefix[force],
                                  dd->is_city ? "thành phố" : "huyện", dd->name),
                     "district", prov, &d->area_district[i], 1);
        if (force == FORCE_POLICE && i == 0)
            d->slot_unit[SLOT_CA_DISTRICT] = du;
        for (int k = 0; k < d->n_communes[i]; k++) {
            int ci = d->first_commune[i] + k;
            const struct plan_area *ca = &d->areas[ci];
            /* "Xã Bình Thắng" -> "Công an xã Bình Thắng" */
            int cu = add_unit(d, force,
                              arena_printf(&d->arena, "%s-%s", force_prefix[force], ca->area.code),
                              arena_printf(&d->arena, "%s xã %s", district_unit_prefix[force],
                                           ca->area.name + strlen("Xã ")),
                              "commune", du, &ci, 1);
            if (force == FORCE_POLICE && i == 0 && k == 0)
                d->slot_unit[SLOT_CA_COMMUNE] = cu;
        }
    }
}

/* Border guard: the province command, responsible for the sea and every coastal
 * commune, and border posts (district level) each holding a stretch of the coast
 * and the sea, named after the first commune of their stretch. */
static void plan_border_guard(struct demo *d)
{
    int *all = arena_alloc(&d->arena, (d->n_areas + 1) * sizeof(int));
    size_t n_all = 0;

    all[n_all++] = d->area_sea;
    for (size_t i = 0; i < d->n_areas; i++)
        if (d->areas[i].is_coastal_commune)
            all[n_all++] = (int)i;
    int prov = add_unit(d, FORCE_BORDER_GUARD, "BP-" DEMO_PROVINCE_CODE,
                        province_unit_name[FORCE_BORDER_GUARD], "province", -1, all, n_all);
    d->slot_unit[SLOT_BP_PROVINCE] = prov;
    d->slot_unit[SLOT_BP_POST] = -1;
    for (size_t i = 0; i < N_DISTRICTS; i++) {
        int *coastal = arena_alloc(&d->arena, (size_t)d->n_communes[i] * sizeof(int));
        int n_coastal = 0;
        for (int k = 0; k < d->n_communes[i]; k++)
            if (d->areas[d->first_commune[i] + k].is_coastal_commune)
                coastal[n_coastal++] = d->first_commune[i] + k;
        if (n_coastal == 0)
            continue;
        int posts = n_coastal < DEMO_POSTS_PER_COASTAL_DISTRICT ? n_coastal
                                                                : DEMO_POSTS_PER_COASTAL_DISTRICT;
        for (int p = 0; p < posts; p++) {
            int from = n_coastal * p / posts, to = n_coastal * (p + 1) / posts;
            int *areas = arena_alloc(&d->arena, (size_t)(to - from + 1) * sizeof(int));
            size_t n = 0;
            for (int k = from; k < to; k++)
                areas[n++] = coastal[k];
            areas[n++] = d->area_sea;
            const struct plan_area *first = &d->areas[coastal[from]];
            int post = add_unit(
                d, FORCE_BORDER_GUARD, arena_printf(&d->arena, "BP-DBP-%s", first->area.code),
                arena_printf(&d->arena, "Đồn Biên phòng %s", first->area.name + strlen("Xã ")),
                "district", prov, areas, n);
            if (d->slot_unit[SLOT_BP_POST] < 0)
                d->slot_unit[SLOT_BP_POST] = post;
        }
    }
}

static size_t plan_units(struct demo *d)
{
    size_t before = d->n_units;
    plan_force_tree(d, FORCE_POLICE);
    plan_force_tree(d, FORCE_MILITARY);
    plan_border_guard(d);
    return d->n_units - before;
}

static ph_err create_unit(struct core_ctx *cx, struct demo *d, size_t i)
{
    struct plan_unit *pu = &d->units[i];
    struct unit u = pu->unit;
    const char *field = NULL;
    ph_err rc;

    u.parent_id = pu->parent >= 0 ? d->units[pu->parent].unit.id : 0;
    u.area_ids = arena_alloc(cx->arena, (pu->n_areas + 1) * sizeof(*u.area_ids));
    for (size_t k = 0; k < pu->n_areas; k++)
        u.area_ids[k] = d->areas[pu->areas[k]].area.id;
    u.n_areas = pu->n_areas;
    rc = unit_create(cx, &u, &field);
    if (rc != PH_OK) {
        log_error("demo: unit %s (%s): %s%s%s", pu->unit.code, pu->unit.name, err_str(rc),
                  field != NULL ? ", field " : "", field != NULL ? field : "");
        return rc;
    }
    pu->unit.id = u.id;
    return PH_OK;
}

/* ---- part: people ------------------------------------------------------------------------ */

/* Ranks by level (province, district, commune) and role, senior first: each person
 * gets one of the two. Military commune units are militia: no rank. */
struct rank_pair {
    unsigned role;
    const char *rank[3][2];
};
static const struct rank_pair ranks[] = {
    {ROLE_COMMANDER, {{"Đại tá", "Đại tá"}, {"Thượng tá", "Trung tá"}, {"Thiếu tá", "Đại úy"}}},
    {ROLE_COORDINATOR, {{"Thượng tá", "Trung tá"}, {"Trung tá", "Thiếu tá"}, {"Đại úy", "Đại úy"}}},
    {ROLE_ADMIN, {{"Trung tá", "Thiếu tá"}, {"Thiếu tá", "Đại úy"}, {"Đại úy", "Đại úy"}}},
    {ROLE_DUTY_OFFICER,
     {{"Trung tá", "Thiếu tá"}, {"Thiếu tá", "Đại úy"}, {"Đại úy", "Thượng úy"}}},
    {ROLE_REPORTER, {{"Thiếu tá", "Đại úy"}, {"Đại úy", "Thượng úy"}, {"Thượng úy", "Trung úy"}}},
    {ROLE_VIEWER, {{"Đại úy", "Thượng úy"}, {"Thượng úy", "Trung úy"}, {"Trung úy", "Trung úy"}}},
};

static const char *rank_for(struct demo *d, const struct plan_unit *pu, unsigned role)
{
    int lv = level_rank(pu->unit.level);
    if (lv < 0 || (pu->force == FORCE_MILITARY && lv == 2))
        return NULL;
    for (size_t i = 0; i < PH_NELEM(ranks); i++)
        if (ranks[i].role == role)
            return ranks[i].rank[lv][rng_below(d, 2)];
    return NULL;
}

static const char *position_for(const struct plan_unit *pu, unsigned role)
{
    int lv = level_rank(pu->unit.level);
    switch (role) {
    case ROLE_COMMANDER:
        if (pu->force == FORCE_POLICE && lv == 0)
            return "Giám đốc";
        if (pu->force == FORCE_POLICE)
            return strstr(pu->unit.name, "thành phố") != NULL ? "Trưởng Công an thành phố"
                                                              : "Trưởng Công an huyện";
        if (pu->force == FORCE_BORDER_GUARD && lv > 0)
            return "Đồn trưởng";
        return "Chỉ huy trưởng";
    case ROLE_COORDINATOR:
        return "Trợ lý phối hợp";
    case ROLE_ADMIN:
        return "Quản trị hệ thống";
    case ROLE_DUTY_OFFICER:
        return "Trực ban";
    case ROLE_REPORTER:
        return "Cán bộ tổng hợp";
    default:
        return "Cán bộ";
    }
}

/* Clearances: commanders high, viewers low, the rest in between with variation. */
static int clearance_for(struct demo *d, const struct plan_unit *pu, unsigned role)
{
    int lv = level_rank(pu->unit.level), r = (int)rng_below(d, 2);
    switch (role) {
    case ROLE_COMMANDER:
        return lv == 0 ? CLEARANCE_TOP_SECRET : CLEARANCE_SECRET;
    case ROLE_COORDINATOR:
    case ROLE_ADMIN:
        return CLEARANCE_SECRET;
    case ROLE_DUTY_OFFICER:
        return lv == 2 ? CLEARANCE_CONFIDENTIAL : CLEARANCE_CONFIDENTIAL + r;
    case ROLE_REPORTER:
        return CLEARANCE_UNCLASSIFIED + r;
    default:
        return r != 0 && lv == 0 ? CLEARANCE_CONFIDENTIAL : CLEARANCE_UNCLASSIFIED;
    }
}

int demo_add_person(struct demo *d, int unit, unsigned role)
{
    const struct plan_unit *pu = &d->units[unit];
    d->people = grow(d->people, &d->cap_people, d->n_people, sizeof(*d->people));
    struct plan_person *pp = &d->people[d->n_people];
    memset(pp, 0, sizeof(*pp));
    pp->unit = unit;
    pp->person.full_name = person_name(d);
    pp->person.rank = rank_for(d, pu, role);
    pp->person.position = position_for(pu, role);
    pp->person.roles = role;
    pp->person.clearance = clearance_for(d, pu, role);
    pp->person.username = username_for(d, pp->person.full_name, d->n_people + 1);
    for (size_t i = 0; i < PH_NELEM(demo_logins); i++)
        if (d->slot_unit[demo_logins[i].slot] == unit && demo_logins[i].role == role) {
            pp->person.username = demo_logins[i].username;
            pp->password = d->password;
        }
    return (int)d->n_people++;
}

static size_t plan_people(struct demo *d)
{
    static const unsigned province_roles[] = {ROLE_COMMANDER, ROLE_DUTY_OFFICER, ROLE_REPORTER,
                                              ROLE_VIEWER,    ROLE_COORDINATOR,  ROLE_ADMIN};
    static const unsigned district_roles[] = {ROLE_COMMANDER, ROLE_DUTY_OFFICER, ROLE_REPORTER,
                                              ROLE_VIEWER};
    static const unsigned commune_roles[] = {ROLE_DUTY_OFFICER, ROLE_REPORTER};
    size_t before = d->n_people;

    for (size_t u = 0; u < d->n_units; u++) {
        int lv = level_rank(d->units[u].unit.level);
        const unsigned *roles = lv == 0 ? province_roles : lv == 1 ? district_roles : commune_roles;
        size_t n = lv == 0   ? PH_NELEM(province_roles)
                   : lv == 1 ? PH_NELEM(district_roles)
                             : PH_NELEM(commune_roles);
        for (size_t r = 0; r < n; r++)
            demo_add_person(d, (int)u, roles[r]);
    }
    return d->n_people - before;
}

static ph_err create_person(struct core_ctx *cx, struct demo *d, size_t i)
{
    struct plan_person *pp = &d->people[i];
    struct person p = pp->person;
    const char *field = NULL;
    ph_err rc;

    p.unit_id = d->units[pp->unit].unit.id;
    rc = person_create(cx, &p, pp->password, &field);
    if (rc != PH_OK) {
        log_error("demo: person %s: %s%s%s", pp->person.username, err_str(rc),
                  field != NULL ? ", field " : "", field != NULL ? field : "");
        return rc;
    }
    pp->person.id = p.id;
    return PH_OK;
}

/* ---- part: incidents -------------------------------------------------------------------- *
 *
 * Planning draws every report of the year in memory (when, where, what, who reports
 * it), day by day: a Poisson number per commune and at sea from base rates by area
 * kind and month, the storms, and the clusters. Running merges the reports, in
 * report-time order, with a queue (a binary heap on time) of what follows each
 * report: acknowledgements, status changes, transfers and merges, each drawn from
 * the incident's own generator when the incident is created (so that they depend
 * only on the seed), and with the scheduler's deadline runs whenever a deadline
 * passed before the next event. DEMO_INCIDENT_BATCH core calls share a write
 * transaction. A later part (periodic bulletins) is meant to push its events
 * (bulletins due daily at 07:00, their acknowledgements) into the same queue. */

#define DEMO_INCIDENT_BATCH 2000 /* core calls per write transaction */
#define DEMO_DEADLINE_LIMIT 500  /* stages one deadline run marks at most */

enum { KIND_INLAND, KIND_COASTAL, KIND_SEA, N_KINDS };
static const char *const cap_names[] = {"actual", "exercise", "test"};

/* Categories as MISSION.md lists them (002_categories.sql seeds the codes): how
 * often each happens inland, on the coast and at sea, who usually finds it, and
 * titles ("%s" is the place). */
/* clang-format off */
static const struct demo_category {
    const char *code;
    int severity;            /* the usual one; some are a step lower or higher */
    int finder;              /* FORCE_* whose unit usually reports it */
    bool is_night;           /* mostly between 19:00 and 05:00 */
    int weight[N_KINDS];     /* relative frequency inland, coastal, at sea */
    const char *titles[5];   /* on land (NULL-terminated) */
    const char *sea_titles[3]; /* at sea, when they differ */
} demo_cats[N_CATS] = {
    [C_CRIME] = {"crime", 3, FORCE_POLICE, true, {24, 14, 0},
                 {"Trộm cắp tài sản tại %s", "Cướp giật tài sản trên tuyến đường qua %s",
                  "Cố ý gây thương tích tại %s", "Trộm cắp gia súc tại %s",
                  "Tổ chức đánh bạc tại %s"}, {NULL}},
    [C_DRUGS] = {"drugs", 3, FORCE_POLICE, true, {17, 12, 1},
                 {"Tàng trữ trái phép chất ma túy tại %s", "Mua bán trái phép chất ma túy tại %s",
                  "Phát hiện nhóm đối tượng sử dụng ma túy tại %s",
                  "Tụ điểm nghi sử dụng ma túy tổng hợp tại %s", NULL},
                 {"Phát hiện bao nghi chứa ma túy trôi dạt tại %s", NULL}},
    [C_SMUGGLING] = {"smuggling", 2, FORCE_BORDER_GUARD, true, {2, 16, 20},
                     {"Vận chuyển thuốc lá điếu nhập lậu tại %s",
                      "Ghe chở đường cát nhập lậu tại %s",
                      "Vận chuyển xăng dầu không rõ nguồn gốc tại %s",
                      "Tập kết hàng hóa nhập lậu tại %s", NULL},
                     {"Tàu chở dầu DO không rõ nguồn gốc tại %s",
                      "Sang mạn hàng hóa trái phép trên biển tại %s", NULL}},
    [C_BORDER] = {"illegal_border_crossing", 2, FORCE_BORDER_GUARD, true, {0, 5, 5},
                  {"Nghi vấn tổ chức đưa người xuất cảnh trái phép tại %s",
                   "Phát hiện người nhập cảnh trái phép bằng đường biển tại %s", NULL},
                  {"Tàu chở người xuất cảnh trái phép tại %s", NULL}},
    [C_FISHING] = {"illegal_fishing", 2, FORCE_BORDER_GUARD, true, {0, 10, 40},
                   {"Tàu cá khai thác thủy sản trái phép bằng lưới kéo tại %s",
                    "Tàu cá mất kết nối thiết bị giám sát hành trình tại %s",
                    "Khai thác thủy sản bằng xung điện tại %s",
                    "Tàu cá hoạt động sai vùng khai thác tại %s", NULL}, {NULL}},
    [C_ORDER] = {"public_order", 1, FORCE_POLICE, true, {18, 12, 0},
                 {"Gây rối trật tự công cộng tại %s", "Hỗn chiến giữa hai nhóm thanh niên tại %s",
                  "Tụ tập đua xe trái phép trên tuyến đường qua %s",
                  "Gây mất trật tự tại quán karaoke ở %s", NULL}, {NULL}},
    [C_GATHERING] = {"mass_gathering", 2, FORCE_POLICE, false, {4, 3, 0},
                     {"Tụ tập đông người khiếu kiện về đất đai tại %s",
                      "Người dân tụ tập phản đối ô nhiễm môi trường tại %s", NULL}, {NULL}},
    [C_POLITICAL] = {"political_security", 3, FORCE_POLICE, false, {2, 2, 0},
                     {"Phát hiện tài liệu có nội dung xấu, độc được phát tán tại %s",
                      "Đối tượng tuyên truyền, lôi kéo người dân tại %s", NULL}, {NULL}},
    /* Titles by season: natural_disaster_title(). */
    [C_DISASTER] = {"natural_disaster", 3, FORCE_MILITARY, false, {5, 7, 3}, {NULL},
                    {"Áp thấp nhiệt đới gây gió mạnh, sóng lớn tại %s", NULL}},
    [C_RESCUE] = {"search_rescue", 3, FORCE_MILITARY, false, {1, 3, 10},
                  {"Tìm kiếm người mất tích trên sông tại %s", "Đuối nước tại %s", NULL},
                  {"Tàu cá gặp nạn cần cứu hộ tại %s", "Tìm kiếm ngư dân mất tích tại %s", NULL}},
    [C_EPIDEMIC] = {"epidemic", 2, FORCE_POLICE, false, {2, 2, 0},
                    {"Ổ dịch sốt xuất huyết tại %s", "Dịch tả lợn châu Phi tại %s", NULL}, {NULL}},
    [C_FIRE] = {"fire_explosion", 2, FORCE_POLICE, true, {8, 6, 0},
                {"Cháy nhà dân tại %s", "Cháy kho chứa hàng tại %s",
                 "Nổ bình gas tại quán ăn ở %s", NULL}, {NULL}},
    [C_ACCIDENT] = {"accident", 2, FORCE_POLICE, false, {12, 8, 0},
                    {"Tai nạn giao thông giữa xe máy và ô tô tải tại %s",
                     "Tai nạn giao thông đường thủy, chìm ghe tại %s",
                     "Tai nạn lao động tại công trình xây dựng ở %s", NULL}, {NULL}},
    [C_MARITIME] = {"maritime", 2, FORCE_BORDER_GUARD, false, {0, 3, 20},
                    {"Tàu cá hỏng máy, trôi dạt tại %s", "Va chạm giữa tàu cá và tàu hàng tại %s",
                     "Phát hiện vật thể lạ trôi dạt tại %s", NULL}, {NULL}},
    [C_OTHER] = {"other", 1, FORCE_POLICE, false, {5, 3, 1},
                 {"Phát hiện vật liệu nổ còn sót lại sau chiến tranh tại %s",
                  "Tin báo đối tượng lạ xuất hiện tại %s", NULL},
                 {"Phát hiện vật thể lạ trôi dạt tại %s", NULL}},
};
/* clang-format on */

/* The dry season brings saline intrusion and drought, the rainy season (May to
 * November) storms, high tides and river-bank erosion. */
static const char *const disaster_dry[] = {"Xâm nhập mặn ảnh hưởng sản xuất tại %s",
                                           "Sạt lở bờ sông tại %s",
                                           "Hạn hán, thiếu nước sinh hoạt tại %s"};
static const char *const disaster_wet[] = {
    "Mưa lớn kèm lốc xoáy làm tốc mái nhà dân tại %s", "Triều cường gây ngập úng tại %s",
    "Sạt lở bờ sông tại %s", "Bão gây gió giật mạnh, đổ cây, tốc mái nhà tại %s"};
/* natural_disaster's weight by month (January first): the rainy season peaks in
 * October and November; February to April is the saline season. */
static const double disaster_season[12] = {0.3, 0.8, 1.0, 1.0, 0.7, 1.0,
                                           1.3, 1.5, 1.8, 2.4, 2.2, 1.0};

/* Incidents per day of one commune (inland, coastal) or of the sea area at scale 1. */
static const double base_rate[N_KINDS] = {0.062, 0.09, 0.45};
#define DEMO_STORMS 3            /* storm days, between September and November */
#define DEMO_DUPLICATE_PCT 1.5   /* reports that repeat one made a little earlier */
#define DEMO_EXERCISE_PCT 0.8    /* drills */
#define DEMO_TEST_PCT 0.3        /* tests of the reporting line */
#define DEMO_NO_LOCATION_PCT 4.0 /* reported by phone, with the commune only */

const struct demo_cluster demo_clusters[] = {
    {"Điểm nóng ma túy ven thành phố Bến Tre", "drugs", "crime", 10.2450, 106.3750, 1200, 60, 1.1,
     false},
    {"Buôn lậu qua cửa biển Ba Tri", "smuggling", "illegal_border_crossing", 10.0500, 106.6900,
     1500, 120, 0.9, false},
    {"Khai thác thủy sản trái phép ngoài khơi Thạnh Phú", "illegal_fishing", "maritime", 9.8800,
     106.7800, 2500, 0, 1.0, true},
    {"Trộm cắp, gây rối quanh thị trấn Mỏ Cày", "crime", "public_order", 9.9000, 106.3200, 1000,
     210, 1.2, false},
};
const size_t demo_n_clusters = PH_NELEM(demo_clusters);

static const char *const refusal_reasons[] = {
    "Không thuộc địa bàn, lĩnh vực phụ trách của đơn vị",
    "Gửi nhầm đơn vị, đề nghị chuyển đơn vị có thẩm quyền",
    "Vụ việc ngoài phạm vi nhiệm vụ của đơn vị",
};
static const char *const detectors_land[] = {"tổ tuần tra", "quần chúng nhân dân", "tổ công tác",
                                             "lực lượng làm nhiệm vụ",
                                             "camera an ninh và tổ tuần tra"};
static const char *const detectors_sea[] = {"tổ tuần tra Biên phòng", "tàu kiểm ngư", "ngư dân",
                                            "trạm ra đa và tổ tuần tra"};

/* What is known of a report once it is created. */
struct run_incident {
    int64_t id, lead_unit_id;
    uint64_t rng;
};

/* A step that follows a report, due at time at. */
enum { EV_ACK, EV_REFUSE, EV_STATUS, EV_TRANSFER, EV_MERGE };
enum { ST_RESPONDING, ST_RESOLVED, ST_CLOSED };
static const char *const stage_names[] = {ACK_RECEIVED, ACK_VERIFIED, ACK_AGREED};
static const char *const status_names[] = {"responding", "resolved", "closed"};
static const char *const status_notes[] = {
    "Đã cử lực lượng đến hiện trường, triển khai biện pháp xử lý",
    "Đã xử lý xong, tình hình ổn định",
    "Kết thúc vụ việc, lưu hồ sơ",
};

/* ---- random draws on a generator of their own --------------------------------------- */

/* A delay whose median is median_ms and whose spread is sigma (log scale): delays
 * people take are skewed like this, mostly short with a long tail. */
static int64_t lognormal(uint64_t *s, double median_ms, double sigma)
{
    return (int64_t)(median_ms * exp(sigma * gauss(s)));
}

static int poisson(uint64_t *s, double lambda)
{
    if (lambda <= 0)
        return 0;
    if (lambda > 30) { /* a normal is close enough, and exp(-lambda) would underflow */
        double x = lambda + sqrt(lambda) * gauss(s) + 0.5;
        return x < 0 ? 0 : (int)x;
    }
    double limit = exp(-lambda), p = 1.0;
    int k = 0;
    do {
        k++;
        p *= unif(s);
    } while (p > limit);
    return k - 1;
}

static size_t count_titles(const char *const *t, size_t max)
{
    size_t n = 0;
    while (n < max && t[n] != NULL)
        n++;
    return n;
}

/* The month (0 January .. 11) of ms in Asia/Ho_Chi_Minh. */
static int vn_month(int64_t ms)
{
    time_t t = (time_t)(ms / 1000) + TIME_VN_OFFSET_S;
    struct tm tm;
    gmtime_r(&t, &tm);
    return tm.tm_mon;
}

/* ---- planning --------------------------------------------------------------------------- */

static int area_kind(const struct demo *d, int area)
{
    if (area == d->area_sea)
        return KIND_SEA;
    return d->areas[area].is_coastal_commune ? KIND_COASTAL : KIND_INLAND;
}

/* The commune (or the sea) containing the point, from the grid the areas were made
 * on; -1 outside the province and its sea. */
int demo_area_at(const struct demo *d, double lat, double lon)
{
    const double dw = (LAND_EAST - LAND_WEST) / GRID, dh = (LAND_NORTH - LAND_SOUTH) / GRID;
    if (lat <= LAND_SOUTH || lat >= LAND_NORTH || lon <= LAND_WEST || lon >= SEA_EAST)
        return -1;
    if (lon >= LAND_EAST)
        return d->area_sea;
    int col = (int)((lon - LAND_WEST) / dw), row = (int)((LAND_NORTH - lat) / dh);
    col = col < GRID ? col : GRID - 1;
    row = row < GRID ? row : GRID - 1;
    for (size_t i = 0; i < N_DISTRICTS; i++) {
        if (demo_districts[i].col != col || demo_districts[i].row != row)
            continue;
        const struct box *b = &d->areas[d->area_district[i]].box;
        int cc = (int)((lon - b->w) / ((b->e - b->w) / d->comm_cols));
        int cr = (int)((b->n - lat) / ((b->n - b->s) / d->comm_rows));
        cc = cc < 0 ? 0 : cc < d->comm_cols ? cc : d->comm_cols - 1;
        cr = cr < 0 ? 0 : cr < d->comm_rows ? cr : d->comm_rows - 1;
        return d->first_commune[i] + cr * d->comm_cols + cc;
    }
    return -1;
}

/* A point inside area's rectangle, off its edges (so that it resolves to it). */
static void point_in(struct demo *d, int area, double *lat, double *lon)
{
    const struct box *b = &d->areas[area].box;
    double mw = (b->e - b->w) * 0.02, mh = (b->n - b->s) * 0.02;
    *lon = b->w + mw + unif(&d->rng) * (b->e - b->w - 2 * mw);
    *lat = b->s + mh + unif(&d->rng) * (b->n - b->s - 2 * mh);
}

/* The border post holding the coast nearest to lat: the sea is shared by all. */
static int post_for_sea(const struct demo *d, double lat)
{
    int best = d->slot_unit[SLOT_BP_PROVINCE];
    double best_dist = 1e9;
    for (size_t u = 0; u < d->n_units; u++) {
        const struct plan_unit *pu = &d->units[u];
        if (pu->force != FORCE_BORDER_GUARD || strcmp(pu->unit.level, "district") != 0)
            continue;
        const struct box *b = &d->areas[pu->areas[0]].box; /* its first coastal commune */
        double dist = fabs((b->n + b->s) / 2 - lat);
        if (dist < best_dist) {
            best_dist = dist;
            best = (int)u;
        }
    }
    return best;
}

/* Who reports category cat in area: the unit of the finder's force there (the
 * border guard only on the coast and at sea), now and then the district police. */
static int reporter_for(struct demo *d, int area, int cat, double lat, bool is_duplicate, int first)
{
    int force = demo_cats[cat].finder, kind = area_kind(d, area), u = -1;

    if (kind == KIND_SEA)
        force = FORCE_BORDER_GUARD;
    else if (force == FORCE_BORDER_GUARD && kind != KIND_COASTAL)
        force = FORCE_POLICE;
    if (is_duplicate) {
        /* Someone else heard of it too: another force, or the border guard's command. */
        int first_force = d->units[first].force;
        if (kind == KIND_SEA)
            return d->slot_unit[SLOT_BP_PROVINCE];
        force = first_force == FORCE_POLICE ? FORCE_MILITARY : FORCE_POLICE;
    }
    if (kind == KIND_SEA)
        return post_for_sea(d, lat);
    if (force == FORCE_POLICE && !is_duplicate && rng_below(d, 100) < 10)
        u = d->area_unit[FORCE_POLICE][d->areas[area].parent]; /* the district's investigators */
    if (u < 0)
        u = d->area_unit[force][area];
    return u >= 0 ? u : d->slot_unit[force == FORCE_MILITARY ? SLOT_QS_PROVINCE : SLOT_CA_PROVINCE];
}

static int pick_category(struct demo *d, int kind, int month, bool is_storm)
{
    double w[N_CATS], total = 0;
    for (int c = 0; c < N_CATS; c++) {
        w[c] = demo_cats[c].weight[kind];
        if (c == C_DISASTER)
            w[c] *= is_storm ? 40.0 : disaster_season[month];
        if (c == C_RESCUE && (is_storm || (month >= 4 && month <= 10)))
            w[c] *= is_storm ? 6.0 : 1.3;
        /* Around Tết (January, February) crime, brawls, fires and road accidents rise. */
        if ((c == C_CRIME || c == C_ORDER || c == C_FIRE || c == C_ACCIDENT) && month <= 1)
            w[c] *= 1.3;
        total += w[c];
    }
    double r = unif(&d->rng) * total;
    for (int c = 0; c < N_CATS; c++) {
        if (r < w[c])
            return c;
        r -= w[c];
    }
    return C_OTHER;
}

static int category_by_code(const char *code)
{
    for (int c = 0; c < N_CATS; c++)
        if (strcmp(demo_cats[c].code, code) == 0)
            return c;
    return C_OTHER;
}

/* The time of day: night categories mostly 19:00-05:00, the others 06:00-18:00. */
static int64_t time_of_day(struct demo *d, int cat)
{
    if (unif(&d->rng) < 0.3)
        return between(&d->rng, 0, MS_DAY - 1);
    if (demo_cats[cat].is_night)
        return (19 * MS_HOUR + between(&d->rng, 0, 10 * MS_HOUR - 1)) % MS_DAY;
    return 6 * MS_HOUR + between(&d->rng, 0, 12 * MS_HOUR - 1);
}

/* Add a report of category cat at (lat, lon) in area on the day starting at day0;
 * its index, or -1 when it would be reported after the demo year. */
static int add_incident(struct demo *d, int area, int cat, double lat, double lon, int64_t day0,
                        int cluster, int dup_of)
{
    struct plan_incident pi;
    memset(&pi, 0, sizeof(pi));
    pi.area = area;
    pi.cat = (signed char)cat;
    pi.lat = lat;
    pi.lon = lon;
    pi.cluster = (signed char)cluster;
    pi.dup_of = dup_of;
    pi.seed = rng_next(&d->rng);
    pi.has_location = dup_of >= 0 || !chance(&d->rng, DEMO_NO_LOCATION_PCT);
    if (dup_of >= 0) {
        const struct plan_incident *first = &d->incidents[dup_of];
        pi.occurred_at = first->occurred_at;
        pi.reported_at = first->reported_at + between(&d->rng, 10 * MS_MIN, 50 * MS_MIN);
        pi.detected_at = first->detected_at + between(&d->rng, 0, 30 * MS_MIN);
        if (pi.detected_at > pi.reported_at - MS_MIN) /* nobody reports what they have not seen */
            pi.detected_at = pi.reported_at - MS_MIN;
        pi.severity = first->severity;
        pi.classification = first->classification;
        pi.reporter = reporter_for(d, area, cat, lat, true, first->reporter);
    } else {
        pi.occurred_at = day0 + time_of_day(d, cat);
        /* Found at once by whoever was there, or later (patrols, investigation). */
        double u = unif(&d->rng);
        pi.detected_at = pi.occurred_at + (u < 0.6   ? between(&d->rng, 0, 15 * MS_MIN)
                                           : u < 0.9 ? between(&d->rng, 15 * MS_MIN, 2 * MS_HOUR)
                                                     : between(&d->rng, 2 * MS_HOUR, MS_DAY));
        /* Most reports go out within the hour; some are late, a few very late. */
        u = unif(&d->rng);
        int64_t delay = u < 0.86   ? lognormal(&d->rng, 15 * MS_MIN, 0.7)
                        : u < 0.95 ? between(&d->rng, 70 * MS_MIN, 4 * MS_HOUR)
                                   : between(&d->rng, 5 * MS_HOUR, 30 * MS_HOUR);
        delay = delay < 2 * MS_MIN ? 2 * MS_MIN : delay;
        pi.severity = (signed char)demo_cats[cat].severity;
        u = unif(&d->rng);
        pi.severity += u < 0.2 ? -1 : u > 0.88 ? 1 : 0;
        pi.severity = pi.severity < 1 ? 1 : pi.severity > 4 ? 4 : pi.severity;
        if (pi.severity == 4)
            delay /= 2; /* the gravest are reported fastest */
        pi.reported_at = pi.detected_at + delay;
        pi.classification = cat == C_POLITICAL                          ? CLEARANCE_CONFIDENTIAL
                            : cat == C_DRUGS && chance(&d->rng, 25)     ? CLEARANCE_CONFIDENTIAL
                            : cat == C_SMUGGLING && chance(&d->rng, 10) ? CLEARANCE_CONFIDENTIAL
                                                                        : CLEARANCE_UNCLASSIFIED;
        pi.reporter = reporter_for(d, area, cat, lat, false, -1);
    }
    pi.cap = CAP_ACTUAL;
    if (dup_of < 0 && chance(&d->rng, DEMO_EXERCISE_PCT))
        pi.cap = CAP_EXERCISE;
    else if (dup_of < 0 && chance(&d->rng, DEMO_TEST_PCT))
        pi.cap = CAP_TEST;
    if (pi.reported_at >= d->inc_to)
        return -1;
    d->incidents = grow(d->incidents, &d->cap_incidents, d->n_incidents, sizeof(*d->incidents));
    d->incidents[d->n_incidents] = pi;
    int idx = (int)d->n_incidents++;
    if (dup_of < 0 && pi.cap == CAP_ACTUAL && chance(&d->rng, DEMO_DUPLICATE_PCT))
        (void)add_incident(d, area, cat, lat, lon, day0, cluster, idx);
    return idx;
}

/* A background report in area on the day starting at day0. */
static void add_background(struct demo *d, int area, int64_t day0, int month, bool is_storm)
{
    double lat, lon;
    int cat = pick_category(d, area_kind(d, area), month, is_storm);
    point_in(d, area, &lat, &lon);
    (void)add_incident(d, area, cat, lat, lon, day0, -1, -1);
}

/* A report of cluster j: normal around its centre, inside the province or its sea
 * (at sea only, for a cluster at sea). */
static void add_clustered(struct demo *d, int j, int64_t day0)
{
    const struct demo_cluster *c = &demo_clusters[j];
    double lat = c->lat, lon = c->lon;
    int area = demo_area_at(d, lat, lon);
    for (int tries = 0; tries < 20; tries++) {
        double la = c->lat + gauss(&d->rng) * c->sigma_m / 1000.0 / KM_PER_DEG_LAT;
        double lo = c->lon + gauss(&d->rng) * c->sigma_m / 1000.0 / KM_PER_DEG_LON;
        int a = demo_area_at(d, la, lo);
        if (a >= 0 && (!c->is_at_sea || a == d->area_sea)) {
            lat = la;
            lon = lo;
            area = a;
            break;
        }
    }
    int cat = category_by_code(chance(&d->rng, 75) ? c->category : c->secondary);
    (void)add_incident(d, area, cat, lat, lon, day0, j, -1);
}

static int cmp_report_time(const void *pa, const void *pb, void *ctx)
{
    const struct demo *d = ctx;
    const struct plan_incident *a = &d->incidents[*(const uint32_t *)pa];
    const struct plan_incident *b = &d->incidents[*(const uint32_t *)pb];
    if (a->reported_at != b->reported_at)
        return a->reported_at < b->reported_at ? -1 : 1;
    return *(const uint32_t *)pa < *(const uint32_t *)pb ? -1 : 1;
}

/* Each area's unit of each force: a commune's own, a district's, the border post
 * holding a coastal commune. */
static void map_area_units(struct demo *d)
{
    for (int f = 0; f < N_FORCES; f++) {
        d->area_unit[f] = xmalloc((d->n_areas + 1) * sizeof(int));
        for (size_t a = 0; a < d->n_areas; a++)
            d->area_unit[f][a] = -1;
    }
    for (size_t u = 0; u < d->n_units; u++) {
        const struct plan_unit *pu = &d->units[u];
        if (strcmp(pu->unit.level, "province") == 0)
            continue;
        for (size_t k = 0; k < pu->n_areas; k++)
            if (pu->areas[k] != d->area_sea)
                d->area_unit[pu->force][pu->areas[k]] = (int)u;
    }
}

static size_t plan_incidents(struct demo *d)
{
    int storm[DEMO_STORMS];
    int n_storms = 0;

    map_area_units(d);

    /* The year ends at the midnight (Asia/Ho_Chi_Minh) before the generation. */
    int64_t vn_now = d->cx->now_ms + (int64_t)TIME_VN_OFFSET_S * 1000;
    d->inc_to = vn_now - vn_now % MS_DAY - (int64_t)TIME_VN_OFFSET_S * 1000;
    d->inc_from = d->inc_to - DEMO_DAYS * MS_DAY;
    /* Storms in September to November, on different days. */
    while (n_storms < DEMO_STORMS) {
        int day = (int)rng_below(d, DEMO_DAYS), m = vn_month(d->inc_from + day * MS_DAY);
        bool is_new = m >= 8 && m <= 10;
        for (int k = 0; k < n_storms && is_new; k++)
            is_new = abs(storm[k] - day) > 7;
        if (is_new)
            storm[n_storms++] = day;
    }
    for (int day = 0; day < DEMO_DAYS; day++) {
        int64_t day0 = d->inc_from + day * MS_DAY;
        int month = vn_month(day0);
        bool is_storm = false;
        for (int k = 0; k < n_storms; k++)
            is_storm = is_storm || storm[k] == day;
        for (size_t i = 0; i < N_DISTRICTS; i++)
            for (int k = 0; k < d->n_communes[i]; k++) {
                int area = d->first_commune[i] + k;
                int n = poisson(&d->rng, base_rate[area_kind(d, area)]);
                for (int e = 0; e < n; e++)
                    add_background(d, area, day0, month, false);
                /* A storm hits the coastal districts hardest. */
                if (is_storm) {
                    n = poisson(&d->rng, demo_districts[i].col == GRID - 1 ? 0.7 : 0.15);
                    for (int e = 0; e < n; e++)
                        add_background(d, area, day0, month, true);
                }
            }
        int n = poisson(&d->rng, base_rate[KIND_SEA] * d->scale * (is_storm ? 4 : 1));
        for (int e = 0; e < n; e++)
            add_background(d, d->area_sea, day0, month, is_storm);
        for (size_t j = 0; j < demo_n_clusters; j++) {
            const struct demo_cluster *c = &demo_clusters[j];
            if (day < c->start_day)
                continue;
            double x = (double)(day - c->start_day) / (double)(DEMO_DAYS - 1 - c->start_day);
            n = poisson(&d->rng, c->peak_per_day * d->scale * pow(x, 1.5));
            for (int e = 0; e < n; e++)
                add_clustered(d, (int)j, day0);
        }
    }
    d->inc_order = xmalloc((d->n_incidents + 1) * sizeof(*d->inc_order));
    for (size_t i = 0; i < d->n_incidents; i++)
        d->inc_order[i] = (uint32_t)i;
    qsort_r(d->inc_order, d->n_incidents, sizeof(*d->inc_order), cmp_report_time, d);
    d->inc_run = xcalloc(d->n_incidents + 1, sizeof(*d->inc_run));
    return d->n_incidents;
}

/* ---- texts ------------------------------------------------------------------------------- */

/* "xã Bình Thắng, huyện Ba Tri", or at sea "vùng biển tỉnh Bến Tre, cách bờ khoảng 5
 * hải lý". */
static const char *place_text(struct arena *a, const struct demo *d, const struct plan_incident *pi)
{
    if (pi->area == d->area_sea) {
        double nmi = (pi->lon - LAND_EAST) * KM_PER_DEG_LON / KM_PER_NMI;
        return arena_printf(a, "vùng biển tỉnh Bến Tre, cách bờ khoảng %d hải lý",
                            nmi < 1 ? 1 : (int)(nmi + 0.5));
    }
    const struct plan_area *c = &d->areas[pi->area], *dist = &d->areas[c->parent];
    const char *dn = dist->area.name; /* "Huyện Ba Tri" / "Thành phố Bến Tre" */
    bool is_city = strncmp(dn, "Thành phố ", strlen("Thành phố ")) == 0;
    return arena_printf(a, "xã %s, %s %s", c->area.name + strlen("Xã "),
                        is_city ? "thành phố" : "huyện",
                        dn + strlen(is_city ? "Thành phố " : "Huyện "));
}

static const char *title_for(struct arena *a, const struct demo *d, const struct plan_incident *pi,
                             uint64_t *s, const char *place)
{
    const struct demo_category *c = &demo_cats[pi->cat];
    const char *tmpl;
    bool is_sea = pi->area == d->area_sea;
    size_t n_sea = count_titles(c->sea_titles, PH_NELEM(c->sea_titles));

    if (is_sea && n_sea > 0) {
        tmpl = c->sea_titles[rng_next(s) % n_sea];
    } else if (pi->cat == C_DISASTER) {
        int m = vn_month(pi->occurred_at);
        bool is_wet = m >= 4 && m <= 10;
        tmpl = is_wet ? disaster_wet[rng_next(s) % PH_NELEM(disaster_wet)]
                      : disaster_dry[rng_next(s) % PH_NELEM(disaster_dry)];
    } else {
        tmpl = c->titles[rng_next(s) % count_titles(c->titles, PH_NELEM(c->titles))];
    }
    const char *mark = strstr(tmpl, "%s"); /* every template has one */
    const char *title = arena_printf(a, "%.*s%s%s", (int)(mark - tmpl), tmpl, place, mark + 2);
    if (pi->cap == CAP_EXERCISE)
        title = arena_printf(a, "Diễn tập: %s", title);
    return title;
}

/* The counts, the damage and the description of a report, from its generator. */
static void describe(struct arena *a, const struct demo *d, const struct plan_incident *pi,
                     uint64_t *s, const char *place, struct incident *inc)
{
    bool is_sea = pi->area == d->area_sea;
    char when[TIME_RFC3339_BYTES];
    const char *detail = "", *by;

    time_format_vn(pi->occurred_at, when); /* "29/11/2026 06:34" */
    by = is_sea ? detectors_sea[rng_next(s) % PH_NELEM(detectors_sea)]
                : detectors_land[rng_next(s) % PH_NELEM(detectors_land)];
    switch (pi->cat) {
    case C_CRIME:
    case C_DRUGS:
    case C_POLITICAL:
        inc->people_involved = (int)between(s, 1, pi->cat == C_DRUGS ? 5 : 3);
        inc->vehicles_involved = (int)between(s, 0, 1);
        detail = arena_printf(a, "Liên quan %d đối tượng. ", inc->people_involved);
        break;
    case C_ORDER:
    case C_GATHERING:
        inc->people_involved =
            (int)between(s, pi->cat == C_ORDER ? 2 : 10, pi->cat == C_ORDER ? 15 : 80);
        detail = arena_printf(a, "Khoảng %d người tham gia. ", inc->people_involved);
        break;
    case C_SMUGGLING:
    case C_BORDER:
    case C_FISHING:
    case C_MARITIME:
        inc->people_involved = (int)between(s, 1, pi->cat == C_BORDER ? 12 : 6);
        if (is_sea || pi->cat == C_FISHING || pi->cat == C_MARITIME) {
            inc->vessels_involved = (int)between(s, 1, 2);
            detail = arena_printf(a, "Tàu cá số hiệu BT-%05d-TS, %d thuyền viên. ",
                                  (int)between(s, 90001, 99999), inc->people_involved);
        } else {
            inc->vehicles_involved = (int)between(s, 1, 2);
            detail = arena_printf(a, "Liên quan %d đối tượng, %d phương tiện. ",
                                  inc->people_involved, inc->vehicles_involved);
        }
        break;
    case C_ACCIDENT:
    case C_FIRE:
    case C_DISASTER:
    case C_RESCUE:
        inc->casualties_dead = chance(s, pi->cat == C_RESCUE ? 35 : 8) ? (int)between(s, 1, 2) : 0;
        inc->casualties_injured = pi->cat == C_RESCUE ? 0 : (int)between(s, 0, 3);
        if (pi->cat == C_FIRE || pi->cat == C_DISASTER) {
            inc->damage =
                arena_printf(a, "Thiệt hại ước tính %d triệu đồng", (int)between(s, 5, 800));
            detail = arena_printf(a, "%s. ", inc->damage);
        }
        if (inc->casualties_dead > 0 && inc->casualties_injured > 0)
            detail = arena_printf(a, "%sLàm %d người chết, %d người bị thương. ", detail,
                                  inc->casualties_dead, inc->casualties_injured);
        else if (inc->casualties_dead > 0)
            detail = arena_printf(a, "%sLàm %d người chết. ", detail, inc->casualties_dead);
        else if (inc->casualties_injured > 0)
            detail = arena_printf(a, "%sLàm %d người bị thương. ", detail, inc->casualties_injured);
        break;
    default:
        break;
    }
    if (pi->cap == CAP_TEST) {
        inc->description = "Báo cáo thử nghiệm đường truyền, không phải vụ việc thật.";
        return;
    }
    if (pi->dup_of >= 0) {
        inc->description = arena_printf(a,
                                        "Tin báo của %s về vụ việc tại %s. %sĐang phối hợp "
                                        "xác minh.",
                                        d->units[pi->reporter].unit.name, place, detail);
        return;
    }
    inc->description = arena_printf(
        a,
        "%sKhoảng %s ngày %.10s, %s phát hiện vụ việc tại %s. %sĐơn vị đã cử lực lượng đến "
        "hiện trường, xác minh ban đầu và báo cáo theo quy định.",
        pi->cap == CAP_EXERCISE ? "Tình huống giả định trong diễn tập phương án phối hợp. " : "",
        when + 11, when, by, place, detail);
}

/* ---- running ------------------------------------------------------------------------------ */

/* The bulletins' steps in the same queue (see "part: bulletins"). */
static bool is_bulletin_event(const struct demo_ev *ev);
static ph_err run_bulletin_event(struct core_ctx *cx, struct demo *d, const struct demo_ev *ev);
static ph_err bulletin_run_at(struct core_ctx *cx, struct demo *d, int64_t at);

static bool ev_before(const struct demo_ev *a, const struct demo_ev *b)
{
    return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

void demo_ev_push(struct demo *d, int64_t at, unsigned kind, uint32_t inc, int64_t unit_id,
                  unsigned what)
{
    struct demo_ev ev = {at, d->ev_seq++, unit_id, inc, (unsigned char)kind, (unsigned char)what};
    d->heap = grow(d->heap, &d->cap_heap, d->n_heap, sizeof(*d->heap));
    size_t i = d->n_heap++;
    while (i > 0 && ev_before(&ev, &d->heap[(i - 1) / 2])) {
        d->heap[i] = d->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    d->heap[i] = ev;
}

static struct demo_ev ev_pop(struct demo *d)
{
    struct demo_ev top = d->heap[0], last = d->heap[--d->n_heap];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= d->n_heap)
            break;
        if (c + 1 < d->n_heap && ev_before(&d->heap[c + 1], &d->heap[c]))
            c++;
        if (!ev_before(&d->heap[c], &last))
            break;
        d->heap[i] = d->heap[c];
        i = c;
    }
    if (d->n_heap > 0)
        d->heap[i] = last;
    return top;
}

/* The plan index of unit id: units were created in plan order, so ids ascend. */
static int unit_index(const struct demo *d, int64_t id)
{
    size_t lo = 0, hi = d->n_units;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (d->units[mid].unit.id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < d->n_units && d->units[lo].unit.id == id ? (int)lo : -1;
}

/* Person p (index into demo.people) as a caller: a login would give the same. */
static ph_err actor(struct core_ctx *cx, struct demo *d, int p, struct core_user *who)
{
    const struct plan_person *pp = &d->people[p];
    struct plan_unit *pu = &d->units[pp->unit];
    if (pu->path == NULL) {
        struct unit u;
        ph_err rc = unit_get(cx, pu->unit.id, &u);
        if (rc != PH_OK)
            return rc;
        pu->path = arena_strdup(&d->arena, u.path);
    }
    memset(who, 0, sizeof(*who));
    who->person_id = pp->person.id;
    who->username = pp->person.username;
    who->full_name = pp->person.full_name;
    who->roles = pp->person.roles;
    who->clearance = pp->person.clearance;
    who->unit_id = pu->unit.id;
    who->unit_path = pu->path;
    who->unit_level = pu->unit.level;
    who->force = pu->unit.force;
    return PH_OK;
}

/* The duty officer of unit u (an index), or a commander of u or of a unit above it
 * for what needs one (closing). -1 when there is none. */
int demo_person_of(const struct demo *d, int u, bool is_commander)
{
    while (u >= 0) {
        int p = is_commander ? d->unit_commander[u] : d->unit_duty[u];
        if (p >= 0)
            return p;
        u = d->units[u].parent;
    }
    return -1;
}

/* A context for one event: at its time, as person p (the demo's own user when p is
 * negative). */
ph_err demo_event_ctx(struct core_ctx *cx, struct demo *d, int p, int64_t at, struct core_ctx *ecx,
                      struct core_user *who)
{
    *ecx = *cx;
    ecx->now_ms = at;
    if (p < 0)
        return PH_OK;
    ph_err rc = actor(cx, d, p, who);
    if (rc == PH_OK)
        ecx->user = who;
    return rc;
}

static void note_due(struct demo *d, const struct incident_recipient *r)
{
    int64_t due[2] = {r->received_at == 0 ? r->ack_due_at : 0,
                      r->verified_at == 0 ? r->verify_due_at : 0};
    for (int k = 0; k < 2; k++)
        if (due[k] != 0 && (d->next_due == 0 || due[k] < d->next_due))
            d->next_due = due[k];
}

/* How long a unit takes for a stage allowed span ms (0: no deadline): mostly well
 * within it, late_pct percent late. */
static int64_t stage_delay(uint64_t *s, int64_t span, double late_pct)
{
    if (span <= 0) {
        int64_t t = lognormal(s, 25 * MS_MIN, 0.8);
        return t < MS_MIN ? MS_MIN : t > 12 * MS_HOUR ? 12 * MS_HOUR : t;
    }
    if (chance(s, late_pct))
        return span + (int64_t)((double)span * (0.1 + 2.0 * unif(s)));
    int64_t t = lognormal(s, (double)span * 0.3, 0.6);
    return t < MS_MIN ? MS_MIN : t > span * 97 / 100 ? span * 97 / 100 : t;
}

/* Plan the acknowledgements of recipient r (sent at r->sent_at): received (unless
 * it has, as a reporting unit that leads has), then perhaps verified and agreed
 * (only received when only_received). The lead always answers; an informed unit
 * may refuse (*refused is set) or never answer. *recv gets the time of "received"
 * (0: none); returns the time of the last one. */
static int64_t plan_acks(struct demo *d, uint32_t i, uint64_t *s,
                         const struct incident_recipient *r, bool is_lead, bool only_received,
                         bool *refused, int64_t *recv)
{
    int64_t span = r->ack_due_at != 0 ? r->ack_due_at - r->sent_at : 0;
    int64_t vspan = r->verify_due_at != 0 ? r->verify_due_at - r->sent_at : 0;
    int u = unit_index(d, r->unit_id);

    *recv = r->received_at;
    /* Sent by mistake: refused with a reason (a province command cannot refuse: it
     * is where refusals go). */
    if (!is_lead && !*refused && u >= 0 && strcmp(d->units[u].unit.level, "province") != 0 &&
        chance(s, 3)) {
        *refused = true;
        int64_t at = r->sent_at + between(s, 10 * MS_MIN, 90 * MS_MIN);
        demo_ev_push(d, at, EV_REFUSE, i, r->unit_id,
                     (unsigned)(rng_next(s) % PH_NELEM(refusal_reasons)));
        return at;
    }
    if (!is_lead && chance(s, 2))
        return r->sent_at; /* never answers: it stays overdue */
    if (*recv == 0) {      /* a reporting unit that leads has received it by reporting it */
        *recv = r->sent_at + stage_delay(s, span, 5);
        demo_ev_push(d, *recv, EV_ACK, i, r->unit_id, 0);
    }
    if (only_received || !chance(s, is_lead ? 96 : 90))
        return *recv;
    int64_t ver = r->sent_at + stage_delay(s, vspan, 5);
    ver = ver > *recv + 5 * MS_MIN ? ver : *recv + between(s, 5 * MS_MIN, 90 * MS_MIN);
    demo_ev_push(d, ver, EV_ACK, i, r->unit_id, 1);
    /* Agreeing on the assessment is for the serious cases. */
    bool is_serious = d->incidents[i].severity >= 3;
    if (!chance(s, is_lead ? (is_serious ? 70 : 25) : (is_serious ? 40 : 10)))
        return ver;
    int64_t agr = ver + between(s, 30 * MS_MIN, 12 * MS_HOUR);
    demo_ev_push(d, agr, EV_ACK, i, r->unit_id, 2);
    return agr;
}

/* The district police a serious crime or drugs case found by a commune's police
 * (which leads it) goes to, or 0. */
static int64_t transfer_target(const struct demo *d, const struct plan_incident *pi,
                               const struct incident *inc, uint64_t *s)
{
    int lead = unit_index(d, inc->lead_unit_id);
    if (lead < 0 || d->units[lead].force != FORCE_POLICE ||
        strcmp(d->units[lead].unit.level, "commune") != 0 || d->units[lead].parent < 0 ||
        !(pi->cat == C_CRIME || pi->cat == C_DRUGS) || pi->severity < 3 || pi->cap != CAP_ACTUAL ||
        !chance(s, 25))
        return 0;
    int64_t to = d->units[d->units[lead].parent].unit.id;
    for (size_t k = 0; k < inc->n_recipients; k++)
        if (inc->recipients[k].unit_id == to)
            return 0;
    return to;
}

/* What follows the creation of report i (inc as created, with its recipients). */
static void plan_followups(struct demo *d, uint32_t i, const struct incident *inc)
{
    const struct plan_incident *pi = &d->incidents[i];
    uint64_t *s = &d->inc_run[i].rng;
    int64_t now = inc->reported_at, last = now, base = now, recv = 0;
    bool refused = false;

    if (pi->dup_of >= 0) { /* the first report's lead notices and merges it */
        demo_ev_push(d, now + between(s, 20 * MS_MIN, 2 * MS_HOUR), EV_MERGE, i, 0, 0);
        return;
    }
    int64_t transfer_to = transfer_target(d, pi, inc, s);
    for (size_t k = 0; k < inc->n_recipients; k++) {
        const struct incident_recipient *r = &inc->recipients[k];
        bool is_lead = strcmp(r->role, INCIDENT_ROLE_LEAD) == 0;
        if (!(is_lead || strcmp(r->role, INCIDENT_ROLE_INFORMED) == 0))
            continue;
        int64_t t = plan_acks(d, i, s, r, is_lead, is_lead && transfer_to != 0, &refused, &recv);
        last = t > last ? t : last;
        if (is_lead && r->received_at == 0)
            base = recv;
    }
    if (transfer_to != 0) {
        /* The new lead gets the incident's deadlines; 30 minutes is the usual. */
        struct incident_recipient nr = {.unit_id = transfer_to};
        nr.sent_at = base + between(s, 30 * MS_MIN, 3 * MS_HOUR);
        nr.ack_due_at = nr.sent_at + 30 * MS_MIN;
        demo_ev_push(d, nr.sent_at, EV_TRANSFER, i, transfer_to, 0);
        int64_t t = plan_acks(d, i, s, &nr, true, false, &refused, &base);
        last = t > last ? t : last;
    }
    /* The lead responds and resolves; a commander closes. Some stay open. */
    double u = unif(s);
    if (u < 0.07)
        return;
    int64_t resolved;
    if (u < 0.17) {
        resolved = base + between(s, MS_HOUR, 2 * MS_DAY);
    } else {
        int64_t responding = base + between(s, 5 * MS_MIN, 90 * MS_MIN);
        demo_ev_push(d, responding, EV_STATUS, i, 0, ST_RESPONDING);
        if (chance(s, 8))
            return; /* still being worked on */
        resolved = responding + (pi->cat == C_ORDER || pi->cat == C_ACCIDENT
                                     ? between(s, 2 * MS_HOUR, 2 * MS_DAY)
                                     : between(s, 6 * MS_HOUR, 10 * MS_DAY));
    }
    /* Not before the units have answered (a refused item meets its fallback first). */
    int64_t floor_at = last + between(s, 10 * MS_MIN, 2 * MS_HOUR) + (refused ? MS_DAY : 0);
    resolved = resolved > floor_at ? resolved : floor_at;
    demo_ev_push(d, resolved, EV_STATUS, i, 0, ST_RESOLVED);
    if (chance(s, 85))
        demo_ev_push(d, resolved + between(s, MS_DAY, 14 * MS_DAY), EV_STATUS, i, 0, ST_CLOSED);
}

/* Mark what became overdue before time at, as the scheduler would have, at the
 * deadlines (a minute after each, its wake-up latency). */
static ph_err run_deadlines(struct core_ctx *cx, struct demo *d, int64_t at, int *calls)
{
    while (d->next_due != 0 && d->next_due < at) {
        struct core_ctx ecx;
        int64_t when = d->next_due + MS_MIN < at ? d->next_due + MS_MIN : at, next = 0;
        int marked = 0;
        ph_err rc = demo_event_ctx(cx, d, -1, when, &ecx, NULL);
        if (rc == PH_OK)
            rc = incident_deadlines_run(&ecx, DEMO_DEADLINE_LIMIT, &next, &marked);
        if (rc != PH_OK) {
            log_error("demo: deadline run: %s", err_str(rc));
            return rc;
        }
        (*calls)++;
        d->sum_overdue += marked;
        /* No progress would loop for ever; the next report's deadlines restart it. */
        d->next_due = next > d->next_due || (next != 0 && marked > 0) ? next : 0;
    }
    return PH_OK;
}

/* Create report i as a duty officer of its reporting unit, at its report time. */
static ph_err run_create(struct core_ctx *cx, struct demo *d, uint32_t i)
{
    const struct plan_incident *pi = &d->incidents[i];
    struct core_ctx ecx;
    struct core_user who;
    struct incident inc;
    const char *field = NULL, *place;
    uint64_t s = pi->seed;
    bool replayed = false;
    ph_err rc;

    memset(&inc, 0, sizeof(inc));
    rc = demo_event_ctx(cx, d, demo_person_of(d, pi->reporter, false), pi->reported_at, &ecx, &who);
    if (rc != PH_OK)
        return rc;
    place = place_text(cx->arena, d, pi);
    if (pi->dup_of >= 0) { /* the same event, in the words of its first report */
        uint64_t fs = d->incidents[pi->dup_of].seed;
        inc.title = title_for(cx->arena, d, &d->incidents[pi->dup_of], &fs, place);
        (void)title_for(cx->arena, d, pi, &s, place);
    } else {
        inc.title = title_for(cx->arena, d, pi, &s, place);
    }
    describe(cx->arena, d, pi, &s, place, &inc);
    inc.category_id = d->cat_id[pi->cap == CAP_TEST ? C_OTHER : pi->cat];
    if (pi->cap == CAP_TEST)
        inc.title = "Kiểm tra kỹ thuật đường truyền báo cáo vụ việc";
    inc.severity = pi->cap == CAP_TEST ? 1 : pi->severity;
    inc.occurred_at = pi->occurred_at;
    inc.detected_at = pi->detected_at;
    inc.has_location = pi->has_location;
    inc.lat = pi->lat;
    inc.lon = pi->lon;
    inc.area_id = pi->has_location ? 0 : d->areas[pi->area].area.id; /* else found from the point */
    inc.reporting_unit_id = d->units[pi->reporter].unit.id;
    inc.classification = pi->classification;
    inc.cap_status = cap_names[pi->cap];
    rc = incident_create(&ecx, &inc, NULL, &replayed, &field);
    if (rc != PH_OK) {
        log_error("demo: incident %u (%s): %s%s%s", i, inc.title, err_str(rc),
                  field != NULL ? ", field " : "", field != NULL ? field : "");
        return rc;
    }
    if (inc.recipients == NULL) { /* create need not fill them */
        rc = incident_get(&ecx, inc.id, &inc);
        if (rc != PH_OK)
            return rc;
    }
    demo_incident_adopt(d, i, &inc, s);
    return PH_OK;
}

void demo_incident_adopt(struct demo *d, uint32_t i, const struct incident *inc, uint64_t s)
{
    const struct plan_incident *pi = &d->incidents[i];
    struct run_incident *ri = &d->inc_run[i];

    ri->id = inc->id;
    ri->lead_unit_id = inc->lead_unit_id;
    ri->rng = s;
    d->sum_incidents++;
    d->sum_late += inc->report_late;
    d->sum_exercise += pi->cap == CAP_EXERCISE;
    d->sum_test += pi->cap == CAP_TEST;
    d->sum_clustered += pi->cluster >= 0;
    for (size_t k = 0; k < inc->n_recipients; k++)
        note_due(d, &inc->recipients[k]);
    plan_followups(d, i, inc);
}

size_t demo_incidents_reserve(struct demo *d, size_t n)
{
    size_t first = d->n_incidents + d->n_inc_extra, total = first + n + 1;

    d->incidents = xrealloc(d->incidents, total * sizeof(*d->incidents));
    d->cap_incidents = total;
    d->inc_run = xrealloc(d->inc_run, total * sizeof(*d->inc_run));
    memset(&d->inc_run[first], 0, (n + 1) * sizeof(*d->inc_run));
    memset(&d->incidents[first], 0, (n + 1) * sizeof(*d->incidents));
    d->n_inc_extra += n;
    return first;
}

/* After a refusal: plan the answers of the unit the incident went to instead. */
static ph_err plan_fallback(struct core_ctx *cx, struct demo *d, uint32_t i, int64_t refused_by,
                            int64_t at)
{
    struct incident inc;
    ph_err rc = incident_get(cx, d->inc_run[i].id, &inc);
    if (rc != PH_OK)
        return rc;
    for (size_t k = 0; k < inc.n_recipients; k++) {
        const struct incident_recipient *r = &inc.recipients[k];
        bool no_refusal = true;
        int64_t recv = 0;
        note_due(d, r);
        if (r->unit_id == refused_by || r->sent_at != at || r->received_at != 0 ||
            strcmp(r->role, INCIDENT_ROLE_INFORMED) != 0)
            continue;
        (void)plan_acks(d, i, &d->inc_run[i].rng, r, false, false, &no_refusal, &recv);
    }
    return PH_OK;
}

static ph_err run_event(struct core_ctx *cx, struct demo *d, const struct demo_ev *ev)
{
    if (ev->kind >= EV_OPS_FIRST)
        return demo_ops_event(cx, d, ev);
    if (is_bulletin_event(ev))
        return run_bulletin_event(cx, d, ev);
    struct run_incident *ri = &d->inc_run[ev->inc];
    struct core_ctx ecx;
    struct core_user who;
    struct incident_ack ack;
    const char *field = NULL, *what = "";
    int p = -1;
    ph_err rc;

    if (ev->kind == EV_ACK || ev->kind == EV_REFUSE) {
        int u = unit_index(d, ev->unit_id);
        p = u >= 0 ? demo_person_of(d, u, false) : -1;
    } else {
        int u = unit_index(d, ri->lead_unit_id);
        p = u >= 0 ? demo_person_of(d, u, ev->kind == EV_STATUS && ev->what == ST_CLOSED) : -1;
    }
    rc = demo_event_ctx(cx, d, p, ev->at, &ecx, &who);
    if (rc != PH_OK)
        return rc;
    switch (ev->kind) {
    case EV_ACK:
        what = stage_names[ev->what];
        rc = incident_acknowledge(&ecx, ri->id, ev->unit_id, what, NULL, &ack, &field);
        if (rc == PH_OK) {
            d->sum_acks++;
            d->sum_acks_late += !ack.on_time;
        }
        break;
    case EV_REFUSE:
        what = ACK_REFUSED;
        rc = incident_acknowledge(&ecx, ri->id, ev->unit_id, what, refusal_reasons[ev->what], &ack,
                                  &field);
        if (rc == PH_OK) {
            d->sum_refusals++;
            rc = plan_fallback(&ecx, d, ev->inc, ev->unit_id, ev->at);
        }
        break;
    case EV_STATUS:
        what = status_names[ev->what];
        rc = incident_set_status(&ecx, ri->id, 0, what, status_notes[ev->what], &field);
        d->sum_closed += rc == PH_OK && ev->what == ST_CLOSED;
        break;
    case EV_TRANSFER:
        what = "transfer";
        rc = incident_transfer(&ecx, ri->id, 0, ev->unit_id,
                               "Chuyển Công an cấp huyện thụ lý theo thẩm quyền", &field);
        if (rc == PH_OK) {
            struct incident inc;
            ri->lead_unit_id = ev->unit_id;
            d->sum_transfers++;
            rc = incident_get(&ecx, ri->id, &inc);
            for (size_t k = 0; rc == PH_OK && k < inc.n_recipients; k++)
                note_due(d, &inc.recipients[k]);
        }
        break;
    case EV_MERGE: {
        /* By the lead both reports share, else by the demo's own user. */
        const struct run_incident *first = &d->inc_run[d->incidents[ev->inc].dup_of];
        what = "merge";
        if (first->lead_unit_id != ri->lead_unit_id) {
            ecx.user = cx->user;
        }
        rc =
            incident_merge(&ecx, ri->id, 0, first->id, "Trùng với vụ việc đã được báo cáo", &field);
        d->sum_merges += rc == PH_OK;
        break;
    }
    default:
        break;
    }
    if (rc != PH_OK)
        log_error("demo: incident %lld: %s: %s%s%s", (long long)ri->id, what, err_str(rc),
                  field != NULL ? ", field " : "", field != NULL ? field : "");
    return rc;
}

/* One write transaction: the next events in time order, reports and what follows
 * them, up to DEMO_INCIDENT_BATCH core calls. Sets d->is_done after the last one
 * before the generation's own time. */
static ph_err incident_batch(struct core_ctx *cx, void *arg)
{
    struct demo *d = arg;
    ph_err rc = PH_OK;

    for (int calls = 0; rc == PH_OK && calls < DEMO_INCIDENT_BATCH; calls++) {
        bool has_report = d->inc_next < d->n_incidents;
        int64_t report_at = has_report ? d->incidents[d->inc_order[d->inc_next]].reported_at : 0;
        bool is_report = has_report && (d->n_heap == 0 || report_at <= d->heap[0].at);
        int64_t at = is_report ? report_at : d->n_heap > 0 ? d->heap[0].at : 0;
        if ((!has_report && d->n_heap == 0) || at > d->cx->now_ms) {
            d->is_done = true;
            break;
        }
        rc = run_deadlines(cx, d, at, &calls);
        if (rc != PH_OK)
            break;
        if (is_report) {
            rc = run_create(cx, d, d->inc_order[d->inc_next++]);
        } else {
            struct demo_ev ev = ev_pop(d);
            rc = run_event(cx, d, &ev);
        }
    }
    if (rc == PH_OK && d->is_done) { /* and what is overdue by now */
        int runs = 0;
        if (d->next_due == 0)
            d->next_due = d->inc_from;
        rc = run_deadlines(cx, d, d->cx->now_ms + 1, &runs);
        if (rc == PH_OK)
            rc = bulletin_run_at(cx, d, d->cx->now_ms);
    }
    return rc;
}

/* Lookups the running needs, once the units and people exist: the category ids,
 * each unit's duty officer and commander. Then the reference prefix. */
static ph_err incidents_prepare(struct core_ctx *cx, void *arg)
{
    struct demo *d = arg;
    ph_err rc;

    for (int c = 0; c < N_CATS; c++) {
        struct category cat;
        rc = category_get_by_code(cx, demo_cats[c].code, &cat);
        if (rc != PH_OK) {
            log_error("demo: category %s: %s", demo_cats[c].code, err_str(rc));
            return rc;
        }
        d->cat_id[c] = cat.id;
    }
    for (size_t u = 1; u < d->n_units; u++)
        if (d->units[u].unit.id <= d->units[u - 1].unit.id) {
            log_error("demo: unit ids do not follow the plan's order");
            return PH_EINVAL;
        }
    d->unit_duty = xmalloc((d->n_units + 1) * sizeof(int));
    d->unit_commander = xmalloc((d->n_units + 1) * sizeof(int));
    for (size_t u = 0; u < d->n_units; u++)
        d->unit_duty[u] = d->unit_commander[u] = -1;
    for (size_t p = 0; p < d->n_people; p++) {
        const struct plan_person *pp = &d->people[p];
        if ((pp->person.roles & ROLE_DUTY_OFFICER) && d->unit_duty[pp->unit] < 0)
            d->unit_duty[pp->unit] = (int)p;
        if ((pp->person.roles & ROLE_COMMANDER) && d->unit_commander[pp->unit] < 0)
            d->unit_commander[pp->unit] = (int)p;
    }
    rc = incident_ref_prefix_set(cx, DEMO_REF_PREFIX);
    if (rc != PH_OK)
        log_error("demo: reference prefix: %s", err_str(rc));
    return rc;
}

static ph_err run_incidents(struct demo *d, size_t n)
{
    int64_t done_before = d->done;
    ph_err rc = writer_run_sync(d->cx, incidents_prepare, d);

    while (rc == PH_OK && !d->is_done) {
        /* A fresh arena per batch: results of core calls pile up otherwise. */
        struct arena ba;
        struct core_ctx bcx = *d->cx;
        arena_init(&ba);
        bcx.arena = &ba;
        rc = writer_run_sync(&bcx, incident_batch, d);
        arena_release(&ba);
        d->done = done_before + (int64_t)d->inc_next;
        if (d->is_done)
            d->done = done_before + (int64_t)n; /* reports after now are never made */
        if (rc == PH_OK && d->progress != NULL)
            d->progress(d->pctx, d->done, d->total);
    }
    if (rc != PH_OK)
        log_error("demo: creating incidents failed: %s", err_str(rc));
    return rc;
}

/* ---- part: bulletins --------------------------------------------------------------------- *
 *
 * Periodic situation reports (báo cáo tình hình) through the demo year and today:
 * a daily one from every district-level unit to its province command, due at
 * 07:00, and a weekly one from every province command to the other two forces'
 * province commands, due on Mondays at 08:00. Planning draws, per schedule and
 * period, when its report is sent: mostly in the two hours before it is due, a few
 * late, a few never. Running creates the schedules (by the province commanders,
 * the evening before the year starts) and sends each report at its time through
 * bulletin_send(), in the incidents' queue, so that everything happens in time
 * order; what follows a report (its acknowledgements: mostly within half an hour,
 * a few late, a few never) is drawn when it is sent, from its own generator. The
 * scheduler's bulletin runs (bulletin_deadlines_run) happen a minute after a due
 * time at which something is late, as the scheduler would have woken then; at the
 * other due times a run would find nothing, and skipping them keeps the demo
 * fast. Its core calls share the incidents' write transactions, so the part's own
 * run only counts it done. */

#define DEMO_BUL_SEED_MIX 0x42554c4c4554494eull /* "BULLETIN" */
#define DEMO_DAILY_DUE_MIN (7 * 60)
#define DEMO_WEEKLY_DUE_MIN (8 * 60)
#define DEMO_DAILY_ACK_MIN 120
#define DEMO_WEEKLY_ACK_MIN 240
#define DEMO_BUL_NEVER_PCT 0.3 /* reports never sent */
#define DEMO_BUL_LATE_PCT 1.2  /* reports sent after their due time */
#define DEMO_BUL_ACK_NEVER_PCT 0.4
#define DEMO_BUL_ACK_LATE_PCT 3.0

enum { EV_BUL_SCHEDULES = EV_BUL_FIRST, EV_BUL_SEND, EV_BUL_ACK, EV_BUL_RUN };

/* A schedule of the plan: unit reports daily (to its parent) or weekly (to the
 * other forces' province commands). */
struct plan_schedule {
    int unit; /* index into demo.units */
    bool is_weekly;
    int64_t id; /* once created */
};

/* A report of the plan; sent_at after due_at: late. */
struct plan_bulletin {
    int64_t sent_at, due_at;
    uint64_t rng;    /* its texts and what follows it */
    int schedule;    /* index into demo.schedules */
    int64_t id;      /* once sent */
    int64_t ack_due; /* once sent: its recipients' deadline */
};

static const char *const force_matter[N_FORCES] = {
    "an ninh chính trị, trật tự an toàn xã hội",
    "quốc phòng, an ninh",
    "biên giới biển, an ninh vùng biển",
};

static const char *const bul_assessments[] = {
    "Tình hình cơ bản ổn định; tiềm ẩn nguy cơ trộm cắp tài sản, tai nạn giao thông.",
    "Cần chú ý hoạt động khai thác thủy sản trái phép và buôn lậu qua các cửa biển.",
    "Thời tiết diễn biến phức tạp, nguy cơ sạt lở bờ sông, xâm nhập mặn ảnh hưởng sản xuất.",
    "Tình hình tụ tập đông người, khiếu kiện có chiều hướng giảm; tiếp tục theo dõi chặt chẽ.",
    "Hoạt động của các đối tượng ma túy có biểu hiện gia tăng ở khu vực giáp ranh.",
    "Không phát sinh vụ việc phức tạp; các lực lượng duy trì nghiêm chế độ trực.",
};

static const char *const bul_proposals[] = {
    "Đề nghị tăng cường phối hợp tuần tra, kiểm soát trên các tuyến giáp ranh.",
    "Đề nghị hỗ trợ lực lượng, phương tiện khi xảy ra tình huống thiên tai, tìm kiếm cứu nạn.",
    "Đề nghị chỉ đạo các đơn vị duy trì nghiêm chế độ trực, thông tin kịp thời.",
    "Đề nghị các lực lượng tiếp tục trao đổi thông tin, phối hợp xử lý vụ việc giáp ranh.",
};

static const char *const bul_ack_notes[] = {
    "Đã nhận, đã báo cáo chỉ huy đơn vị",
    "Đã nhận, chuyển các bộ phận liên quan",
    "Đã nhận đủ nội dung",
};

static bool is_bulletin_event(const struct demo_ev *ev)
{
    return ev->kind >= EV_BUL_SCHEDULES;
}

static int province_of(const struct demo *d, int force)
{
    return d->slot_unit[force == FORCE_POLICE     ? SLOT_CA_PROVINCE
                        : force == FORCE_MILITARY ? SLOT_QS_PROVINCE
                                                  : SLOT_BP_PROVINCE];
}

/* Monday of the local day starting at day0 (a local midnight)? */
static bool is_monday(int64_t day0)
{
    int64_t day = (day0 + (int64_t)TIME_VN_OFFSET_S * 1000) / MS_DAY;
    return (day + 3) % 7 == 0; /* day 0, 1970-01-01, was a Thursday */
}

static size_t plan_bulletins(struct demo *d)
{
    uint64_t s = DEMO_SEED ^ DEMO_BUL_SEED_MIX;
    size_t before = d->n_bulletins;

    for (size_t u = 0; u < d->n_units; u++) {
        const struct plan_unit *pu = &d->units[u];
        bool is_weekly = strcmp(pu->unit.level, "province") == 0;
        if (!is_weekly && strcmp(pu->unit.level, "district") != 0)
            continue;
        d->schedules = grow(d->schedules, &d->cap_schedules, d->n_schedules, sizeof(*d->schedules));
        d->schedules[d->n_schedules++] = (struct plan_schedule){(int)u, is_weekly, 0};
    }
    /* The year, and today as far as now (the queue stops there). */
    for (int day = 0; day <= DEMO_DAYS; day++) {
        int64_t day0 = d->inc_from + day * MS_DAY;
        bool monday = is_monday(day0), run_daily = false, run_weekly = false;
        for (size_t k = 0; k < d->n_schedules; k++) {
            const struct plan_schedule *ps = &d->schedules[k];
            if (ps->is_weekly && !monday)
                continue;
            int64_t due =
                day0 + (ps->is_weekly ? DEMO_WEEKLY_DUE_MIN : DEMO_DAILY_DUE_MIN) * MS_MIN;
            double u = unif(&s) * 100.0;
            bool never = u < DEMO_BUL_NEVER_PCT,
                 late = !never && u < DEMO_BUL_NEVER_PCT + DEMO_BUL_LATE_PCT;
            int64_t at = late ? due + between(&s, 5 * MS_MIN, 3 * MS_HOUR)
                              : due - between(&s, 10 * MS_MIN, 2 * MS_HOUR);
            if (never || late) {
                run_daily = run_daily || !ps->is_weekly;
                run_weekly = run_weekly || ps->is_weekly;
                /* Not there by now: missing when the demo ends. */
                d->sum_bul_not_sent += due <= d->cx->now_ms && (never || at > d->cx->now_ms);
            }
            uint64_t seed = rng_next(&s);
            if (never)
                continue;
            d->bulletins =
                grow(d->bulletins, &d->cap_bulletins, d->n_bulletins, sizeof(*d->bulletins));
            d->bulletins[d->n_bulletins] = (struct plan_bulletin){at, due, seed, (int)k, 0, 0};
            demo_ev_push(d, at, EV_BUL_SEND, (uint32_t)d->n_bulletins, 0, 0);
            d->n_bulletins++;
        }
        if (run_daily)
            demo_ev_push(d, day0 + DEMO_DAILY_DUE_MIN * MS_MIN + MS_MIN, EV_BUL_RUN, 0, 0, 0);
        if (run_weekly)
            demo_ev_push(d, day0 + DEMO_WEEKLY_DUE_MIN * MS_MIN + MS_MIN, EV_BUL_RUN, 0, 0, 0);
    }
    demo_ev_push(d, d->inc_from - MS_HOUR, EV_BUL_SCHEDULES, 0, 0, 0);
    return d->n_bulletins - before;
}

/* "Huyện Ba Tri" -> "huyện Ba Tri": an area's name inside a sentence. */
static const char *in_sentence(struct arena *a, const char *name)
{
    static const struct {
        const char *from, *to;
    } leads[] = {{"Huyện ", "huyện "}, {"Thành phố ", "thành phố "}, {"Xã ", "xã "}};
    for (size_t i = 0; i < PH_NELEM(leads); i++)
        if (strncmp(name, leads[i].from, strlen(leads[i].from)) == 0)
            return arena_printf(a, "%s%s", leads[i].to, name + strlen(leads[i].from));
    return name;
}

/* The local date of ms as "dd/mm/yyyy". */
static const char *vn_date_text(struct arena *a, int64_t ms)
{
    time_t t = (time_t)(ms / 1000) + TIME_VN_OFFSET_S;
    struct tm tm;
    gmtime_r(&t, &tm);
    return arena_printf(a, "%02d/%02d/%04d", tm.tm_mday, tm.tm_mon + 1, tm.tm_year + 1900);
}

/* The texts of report i, drawn from its generator. */
static void bulletin_texts(struct arena *a, const struct demo *d, const struct plan_bulletin *pb,
                           uint64_t *s, struct bulletin *b)
{
    const struct plan_schedule *ps = &d->schedules[pb->schedule];
    const struct plan_unit *pu = &d->units[ps->unit];
    const char *place = pu->n_areas > 0 ? in_sentence(a, d->areas[pu->areas[0]].area.name) : "";
    int f = pu->force;

    if (ps->is_weekly) {
        b->title = arena_printf(a, "Báo cáo tình hình tuần từ %s", vn_date_text(a, pb->due_at));
        b->situation = arena_printf(
            a,
            "Trong tuần, tình hình %s trên địa bàn tỉnh cơ bản ổn định. Các đơn vị trực thuộc "
            "báo cáo đầy đủ, kịp thời; tổng hợp %d vụ việc đã tiếp nhận, xử lý và %d lượt tuần "
            "tra, kiểm soát.",
            force_matter[f], (int)between(s, 5, 40), (int)between(s, 20, 120));
        b->proposals = bul_proposals[PH_NELEM(bul_proposals) - 1];
        b->classification = CLEARANCE_CONFIDENTIAL;
    } else {
        b->title = arena_printf(a, "Báo cáo tình hình ngày %s", vn_date_text(a, pb->due_at));
        if (f == FORCE_POLICE)
            b->situation = arena_printf(
                a,
                "Trong 24 giờ qua, tình hình %s trên địa bàn %s cơ bản ổn định. Tiếp nhận %d tin "
                "báo về tội phạm, vi phạm pháp luật, đã phân loại, xử lý %d tin; tổ chức %d lượt "
                "tuần tra, kiểm soát trên các tuyến trọng điểm.",
                force_matter[f], place, (int)between(s, 0, 6), (int)between(s, 0, 4),
                (int)between(s, 2, 12));
        else if (f == FORCE_MILITARY)
            b->situation = arena_printf(
                a,
                "Trong 24 giờ qua, tình hình %s trên địa bàn %s ổn định. Duy trì nghiêm chế độ "
                "trực sẵn sàng chiến đấu; dân quân tự vệ phối hợp tuần tra %d lượt.",
                force_matter[f], place, (int)between(s, 1, 8));
        else
            b->situation = arena_printf(
                a,
                "Trong 24 giờ qua, tình hình %s khu vực %s phụ trách ổn định. Kiểm tra, kiểm soát "
                "%d lượt phương tiện, %d lượt người ra vào cửa biển; phát hiện, xử lý %d trường "
                "hợp vi phạm.",
                force_matter[f], pu->unit.name, (int)between(s, 10, 80), (int)between(s, 30, 300),
                (int)between(s, 0, 2));
        if (chance(s, 50))
            b->proposals = bul_proposals[rng_next(s) % (PH_NELEM(bul_proposals) - 1)];
    }
    b->assessment = bul_assessments[rng_next(s) % PH_NELEM(bul_assessments)];
}

/* The schedules, each made by its force's province commander. */
static ph_err create_schedules(struct core_ctx *cx, struct demo *d, int64_t at)
{
    for (size_t k = 0; k < d->n_schedules; k++) {
        struct plan_schedule *ps = &d->schedules[k];
        const struct plan_unit *pu = &d->units[ps->unit];
        const char *others[N_FORCES - 1];
        int64_t parent[1] = {0};
        struct bulletin_schedule s = {.unit_id = pu->unit.id, .is_active = true};
        struct core_ctx ecx;
        struct core_user who;
        const char *field = NULL;
        size_t n_others = 0;
        ph_err rc;

        if (ps->is_weekly) {
            for (int f = 0; f < N_FORCES; f++)
                if (f != pu->force)
                    others[n_others++] = force_codes[f];
            s.title = "Báo cáo tình hình tuần";
            s.period = BULLETIN_WEEKLY;
            s.due_local = "08:00";
            s.due_day = 1;
            s.to_forces = others;
            s.n_to_forces = n_others;
            s.ack_minutes = DEMO_WEEKLY_ACK_MIN;
        } else {
            parent[0] = d->units[pu->parent].unit.id;
            s.title = "Báo cáo tình hình ngày";
            s.period = BULLETIN_DAILY;
            s.due_local = "07:00";
            s.to_unit_ids = parent;
            s.n_to_units = 1;
            s.ack_minutes = DEMO_DAILY_ACK_MIN;
        }
        rc = demo_event_ctx(cx, d, demo_person_of(d, province_of(d, pu->force), true), at, &ecx,
                            &who);
        if (rc == PH_OK)
            rc = bulletin_schedule_create(&ecx, &s, &field);
        if (rc != PH_OK) {
            log_error("demo: bulletin schedule of %s: %s%s%s", pu->unit.name, err_str(rc),
                      field != NULL ? ", field " : "", field != NULL ? field : "");
            return rc;
        }
        ps->id = s.id;
        d->sum_schedules++;
    }
    return PH_OK;
}

/* Send report i by a duty officer of its unit, and plan what follows it. */
static ph_err send_report(struct core_ctx *cx, struct demo *d, uint32_t i)
{
    struct plan_bulletin *pb = &d->bulletins[i];
    const struct plan_schedule *ps = &d->schedules[pb->schedule];
    struct bulletin b = {.schedule_id = ps->id};
    struct core_ctx ecx;
    struct core_user who;
    const char *field = NULL;
    uint64_t *s = &pb->rng;
    ph_err rc = demo_event_ctx(cx, d, demo_person_of(d, ps->unit, false), pb->sent_at, &ecx, &who);

    if (rc != PH_OK)
        return rc;
    bulletin_texts(cx->arena, d, pb, s, &b);
    rc = bulletin_send(&ecx, &b, &field);
    if (rc != PH_OK) {
        log_error("demo: bulletin %s of %s: %s%s%s", b.title, d->units[ps->unit].unit.name,
                  err_str(rc), field != NULL ? ", field " : "", field != NULL ? field : "");
        return rc;
    }
    pb->id = b.id;
    d->sum_bulletins++;
    d->sum_bul_late += pb->sent_at > pb->due_at;
    for (size_t k = 0; k < b.n_recipients; k++) {
        const struct bulletin_recipient *r = &b.recipients[k];
        int64_t span = r->ack_due_at - b.sent_at;
        pb->ack_due = r->ack_due_at;
        if (chance(s, DEMO_BUL_ACK_NEVER_PCT)) { /* never answers: found late, and stays so */
            demo_ev_push(d, r->ack_due_at + MS_MIN, EV_BUL_RUN, i, 0, 0);
            continue;
        }
        int64_t delay = stage_delay(s, span, DEMO_BUL_ACK_LATE_PCT);
        demo_ev_push(d, b.sent_at + delay, EV_BUL_ACK, i, r->unit_id, 0);
        if (delay > span)
            demo_ev_push(d, r->ack_due_at + MS_MIN, EV_BUL_RUN, i, 0, 0);
    }
    return PH_OK;
}

static ph_err acknowledge_report(struct core_ctx *cx, struct demo *d, const struct demo_ev *ev)
{
    struct plan_bulletin *pb = &d->bulletins[ev->inc];
    int u = unit_index(d, ev->unit_id);
    const char *field = NULL, *note = NULL;
    struct core_ctx ecx;
    struct core_user who;
    ph_err rc =
        demo_event_ctx(cx, d, u >= 0 ? demo_person_of(d, u, false) : -1, ev->at, &ecx, &who);

    if (rc != PH_OK)
        return rc;
    if (chance(&pb->rng, 25))
        note = bul_ack_notes[rng_next(&pb->rng) % PH_NELEM(bul_ack_notes)];
    rc = bulletin_acknowledge(&ecx, pb->id, ev->unit_id, note, &field);
    if (rc != PH_OK) {
        log_error("demo: bulletin %lld: acknowledge: %s%s%s", (long long)pb->id, err_str(rc),
                  field != NULL ? ", field " : "", field != NULL ? field : "");
        return rc;
    }
    d->sum_bul_acks++;
    d->sum_bul_acks_late += ev->at > pb->ack_due;
    return PH_OK;
}

/* The scheduler's bulletin run at time at, as often as a full batch asks. */
static ph_err bulletin_run_at(struct core_ctx *cx, struct demo *d, int64_t at)
{
    struct core_ctx ecx;
    int marked = DEMO_DEADLINE_LIMIT;
    ph_err rc = demo_event_ctx(cx, d, -1, at, &ecx, NULL);

    while (rc == PH_OK && marked >= DEMO_DEADLINE_LIMIT) {
        int64_t next = 0;
        marked = 0;
        rc = bulletin_deadlines_run(&ecx, DEMO_DEADLINE_LIMIT, &next, &marked);
        d->sum_bul_marked += rc == PH_OK ? marked : 0;
    }
    if (rc != PH_OK)
        log_error("demo: bulletin deadline run: %s", err_str(rc));
    return rc;
}

static ph_err run_bulletin_event(struct core_ctx *cx, struct demo *d, const struct demo_ev *ev)
{
    switch (ev->kind) {
    case EV_BUL_SCHEDULES:
        return create_schedules(cx, d, ev->at);
    case EV_BUL_SEND:
        return send_report(cx, d, ev->inc);
    case EV_BUL_ACK:
        return acknowledge_report(cx, d, ev);
    case EV_BUL_RUN:
        return bulletin_run_at(cx, d, ev->at);
    default:
        return PH_OK;
    }
}

/* The reports were sent while the incidents ran (one queue): count them done. */
static ph_err run_bulletins(struct demo *d, size_t n)
{
    d->done += (int64_t)n;
    if (d->progress != NULL)
        d->progress(d->pctx, d->done, d->total);
    return PH_OK;
}

/* ---- the parts and the batch runner ------------------------------------------------------ */

static const struct demo_part {
    const char *name;
    size_t (*plan)(struct demo *d); /* build the records in memory; how many */
    ph_err (*create)(struct core_ctx *cx, struct demo *d, size_t i); /* record i of the part */
    ph_err (*run)(struct demo *d, size_t n); /* instead of create: a part that runs itself */
} demo_parts[] = {
    {"areas", plan_areas, create_area, NULL},
    {"units", plan_units, create_unit, NULL},
    {"people", plan_people, create_person, NULL},
    {"incidents", plan_incidents, NULL, run_incidents},
    {"bulletins", plan_bulletins, NULL, run_bulletins},
    {"operations", demo_ops_plan, NULL, demo_ops_run},
};

struct batch {
    struct demo *d;
    const struct demo_part *part;
    size_t from, to;
};

static ph_err run_batch(struct core_ctx *cx, void *arg)
{
    struct batch *b = arg;
    for (size_t i = b->from; i < b->to; i++) {
        ph_err rc = b->part->create(cx, b->d, i);
        if (rc != PH_OK)
            return rc;
    }
    return PH_OK;
}

static ph_err run_part(struct demo *d, const struct demo_part *part, size_t n)
{
    for (size_t from = 0; from < n; from += DEMO_BATCH_RECORDS) {
        struct batch b = {d, part, from,
                          from + DEMO_BATCH_RECORDS < n ? from + DEMO_BATCH_RECORDS : n};
        /* A fresh arena per batch: results of core calls pile up otherwise. */
        struct arena ba;
        struct core_ctx bcx = *d->cx;
        arena_init(&ba);
        bcx.arena = &ba;
        ph_err rc = writer_run_sync(&bcx, run_batch, &b);
        arena_release(&ba);
        if (rc != PH_OK) {
            log_error("demo: creating %s failed: %s", part->name, err_str(rc));
            return rc;
        }
        d->done += (int64_t)(b.to - b.from);
        if (d->progress != NULL)
            d->progress(d->pctx, d->done, d->total);
    }
    return PH_OK;
}

/* ---- entry point ------------------------------------------------------------------------ */

static ph_err check_absent(struct core_ctx *cx)
{
    struct area_filter f = {.code = DEMO_PROVINCE_CODE, .limit = 1};
    struct area *items = NULL;
    size_t n = 0;
    bool has_more = false;
    ph_err rc = area_list(cx, &f, &items, &n, &has_more);
    if (rc != PH_OK)
        return rc;
    return n > 0 ? PH_ECONFLICT : PH_OK;
}

static void summarise(struct demo *d, struct demo_summary *out)
{
    memset(out, 0, sizeof(*out));
    out->scale = d->scale;
    out->province = DEMO_PROVINCE_NAME;
    out->areas = (int64_t)d->n_areas;
    for (size_t i = 0; i < d->n_areas; i++) {
        const struct area *a = &d->areas[i].area;
        if (strcmp(a->kind, "sea") == 0)
            out->sea_areas++;
        else if (strcmp(a->level, "district") == 0)
            out->districts++;
        else if (strcmp(a->level, "commune") == 0)
            out->communes++;
        if (d->areas[i].is_coastal_commune)
            out->coastal_communes++;
    }
    out->units = (int64_t)d->n_units;
    for (size_t i = 0; i < d->n_units; i++) {
        int f = d->units[i].force;
        out->units_police += f == FORCE_POLICE;
        out->units_military += f == FORCE_MILITARY;
        out->units_border_guard += f == FORCE_BORDER_GUARD;
    }
    out->people = (int64_t)d->n_people;
    struct demo_account *acc = arena_zalloc(d->cx->arena, PH_NELEM(demo_logins) * sizeof(*acc));
    for (size_t k = 0; k < PH_NELEM(demo_logins); k++) /* in the table's order */
        for (size_t i = 0; i < d->n_people; i++) {
            const struct plan_person *pp = &d->people[i];
            if (pp->password == NULL || strcmp(pp->person.username, demo_logins[k].username) != 0)
                continue;
            acc[out->n_accounts].username = demo_logins[k].username;
            acc[out->n_accounts].role = role_name(pp->person.roles);
            acc[out->n_accounts].unit = arena_strdup(d->cx->arena, d->units[pp->unit].unit.name);
            out->n_accounts++;
            break;
        }
    out->accounts = acc;
    out->is_password_from_env = getenv("PHOIHOP_DEMO_PASSWORD") != NULL;
    out->ref_prefix = DEMO_REF_PREFIX;
    out->incidents_from = d->inc_from;
    out->incidents_to = d->inc_to;
    out->incidents = d->sum_incidents;
    out->incidents_late = d->sum_late;
    out->incidents_exercise = d->sum_exercise;
    out->incidents_test = d->sum_test;
    out->incidents_clustered = d->sum_clustered;
    out->incidents_closed = d->sum_closed;
    out->transfers = d->sum_transfers;
    out->merges = d->sum_merges;
    out->acknowledgements = d->sum_acks;
    out->acknowledgements_late = d->sum_acks_late;
    out->refusals = d->sum_refusals;
    out->overdue_marked = d->sum_overdue;
    out->bulletin_schedules = d->sum_schedules;
    out->bulletins = d->sum_bulletins;
    out->bulletins_late = d->sum_bul_late;
    out->bulletins_not_sent = d->sum_bul_not_sent;
    out->bulletin_acks = d->sum_bul_acks;
    out->bulletin_acks_late = d->sum_bul_acks_late;
    out->bulletin_deadline_marks = d->sum_bul_marked;
    demo_ops_summarise(d, out);
}

ph_err demo_generate(struct core_ctx *cx, int scale,
                     void (*progress)(void *ctx, int64_t done, int64_t total), void *pctx,
                     struct demo_summary *out)
{
    struct demo d;
    size_t counts[PH_NELEM(demo_parts)];
    const char *why = NULL;
    ph_err rc;

    if (scale < 1 || scale > DEMO_MAX_SCALE)
        return PH_EINVAL;
    memset(&d, 0, sizeof(d));
    arena_init(&d.arena);
    d.cx = cx;
    d.scale = scale;
    d.rng = DEMO_SEED;
    d.progress = progress;
    d.pctx = pctx;
    d.password = getenv("PHOIHOP_DEMO_PASSWORD");
    if (d.password == NULL)
        d.password = DEMO_DEFAULT_PASSWORD;
    if (password_check_policy(d.password, &why) != PH_OK) {
        log_error("demo: PHOIHOP_DEMO_PASSWORD: %s", why != NULL ? why : "not acceptable");
        rc = PH_EINVAL;
        goto out;
    }
    rc = check_absent(cx);
    if (rc != PH_OK)
        goto out;
    for (size_t p = 0; p < PH_NELEM(demo_parts); p++) {
        counts[p] = demo_parts[p].plan(&d);
        d.total += (int64_t)counts[p];
    }
    if (progress != NULL)
        progress(pctx, 0, d.total);
    for (size_t p = 0; p < PH_NELEM(demo_parts); p++) {
        rc = demo_parts[p].run != NULL ? demo_parts[p].run(&d, counts[p])
                                       : run_part(&d, &demo_parts[p], counts[p]);
        if (rc != PH_OK)
            goto out;
    }
    summarise(&d, out);
out:
    free(d.areas);
    free(d.units);
    free(d.people);
    free(d.incidents);
    free(d.inc_order);
    free(d.inc_run);
    free(d.heap);
    free(d.unit_duty);
    free(d.unit_commander);
    free(d.schedules);
    free(d.bulletins);
    demo_ops_free(&d);
    for (int f = 0; f < N_FORCES; f++)
        free(d.area_unit[f]);
    arena_release(&d.arena);
    return rc;
}
