/* demo.c - the demo province (see demo.h).
 *
 * The generator runs in two passes over a table of parts (areas, units, people; later
 * issues append incidents, patrols, plans ...): each part's plan function builds its
 * records in memory, referring to earlier records by index, and returns how many it
 * made; then each part's create function turns record i into one core call, run in
 * batches of DEMO_BATCH_RECORDS per write transaction. Planning everything first
 * gives the progress bar its total and keeps the creation loop free of logic.
 *
 * Geography (approximate, WGS84): the land is the box lon 105.95-106.70, lat
 * 9.80-10.35, cut into a 3 x 3 grid of districts, west to east and north to south;
 * the eastern column (Bình Đại, Ba Tri, Thạnh Phú) faces the sea, a strip out to lon
 * 106.85. Each district is tiled by a grid of communes; the communes in a coastal
 * district's eastern column are "coastal". Polygons are rectangles: enough for maps,
 * point-in-area tests and hot-spot grids, and obviously not survey data.
 *
 * Everything is drawn from one seeded PRNG (splitmix64) in a fixed order, so a
 * scale always gives the same names, ranks and clearances. */
#include "util/base.h"
#include "core/demo.h"
#include "core/access.h"
#include "core/area.h"
#include "core/ctx.h"
#include "core/person.h"
#include "core/unit.h"
#include "core/writer.h"
#include "security/password.h"
#include "util/arena.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/text.h"

#define DEMO_BATCH_RECORDS 100
#define DEMO_SEED 0x50484f49484f5031ull /* "PHOIHOP1" */
#define DEMO_VALID_FROM "2020-01-01"
#define DEMO_COMMUNES_PER_DISTRICT 8 /* times the scale */
#define DEMO_COMMUNE_CODE_BASE 28600
#define DEMO_POSTS_PER_COASTAL_DISTRICT 2
#define DEMO_FEMALE_PERCENT 15

/* The province box and the sea strip east of it. */
#define LAND_WEST 105.95
#define LAND_EAST 106.70
#define SEA_EAST 106.85
#define LAND_NORTH 10.35
#define LAND_SOUTH 9.80
#define GRID 3 /* districts per row and per column */

enum { FORCE_POLICE, FORCE_MILITARY, FORCE_BORDER_GUARD, N_FORCES };

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

struct plan_area {
    struct area area;
    int parent; /* index into demo.areas, -1 for none */
    bool is_coastal_commune;
};

struct plan_unit {
    struct unit unit;
    int parent; /* index into demo.units, -1 for none */
    int force;  /* FORCE_* */
    int *areas; /* indices into demo.areas */
    size_t n_areas;
};

struct plan_person {
    struct person person;
    int unit;             /* index into demo.units */
    const char *password; /* demo accounts only */
};

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
    int area_district[N_DISTRICTS];
    int first_commune[N_DISTRICTS], n_communes[N_DISTRICTS]; /* communes are contiguous */
    int comm_cols, comm_rows;                                /* the commune grid of a district */
    int slot_unit[N_SLOTS];

    void (*progress)(void *ctx, int64_t done, int64_t total);
    void *pctx;
    int64_t done, total;
};

/* ---- small helpers ------------------------------------------------------------------- */

static uint64_t rng_next(uint64_t *s)
{
    /* splitmix64: tiny, fast, and good enough for made-up names. */
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static size_t rng_below(struct demo *d, size_t n)
{
    return (size_t)(rng_next(&d->rng) % n);
}

static void *grow(void *p, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap)
        return p;
    *cap = *cap != 0 ? *cap * 2 : 64;
    return xrealloc(p, *cap * elem);
}

static int add_area(struct demo *d, const char *code, const char *name, const char *level,
                    const char *kind, int parent, const char *geometry)
{
    d->areas = grow(d->areas, &d->cap_areas, d->n_areas, sizeof(*d->areas));
    struct plan_area *pa = &d->areas[d->n_areas];
    memset(pa, 0, sizeof(*pa));
    pa->area.code = code;
    pa->area.name = name;
    pa->area.level = level;
    pa->area.kind = kind;
    pa->area.geometry = geometry;
    pa->area.valid_from = DEMO_VALID_FROM;
    pa->parent = parent;
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

/* "[[w,s],[e,s],[e,n],[w,n],[w,s]]" counter-clockwise, as RFC 7946 asks of an
 * exterior ring. */
static const char *rectangle(struct demo *d, double w, double s, double e, double n)
{
    return arena_printf(&d->arena,
                        "{\"type\":\"Polygon\",\"coordinates\":[[[%.5f,%.5f],[%.5f,%.5f],"
                        "[%.5f,%.5f],[%.5f,%.5f],[%.5f,%.5f]]]}",
                        w, s, e, s, e, n, w, n, w, s);
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
                                rectangle(d, LAND_WEST, LAND_SOUTH, LAND_EAST, LAND_NORTH));
    for (size_t i = 0; i < N_DISTRICTS; i++) {
        const struct demo_district *dd = &demo_districts[i];
        double w = LAND_WEST + dw * dd->col, nn = LAND_NORTH - dh * dd->row;
        double e = w + dw, s = nn - dh;
        const char *name =
            arena_printf(&d->arena, "%s %s", dd->is_city ? "Thành phố" : "Huyện", dd->name);
        d->area_district[i] = add_area(d, dd->code, name, "district", "inland", d->area_province,
                                       rectangle(d, w, s, e, nn));
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
                               d->area_district[i], rectangle(d, c_w, c_s, c_e, c_n));
            d->areas[idx].is_coastal_commune = is_coastal;
        }
    }
    d->area_sea = add_area(d, SEA_CODE, SEA_NAME, "district", "sea", d->area_province,
                           rectangle(d, LAND_EAST, LAND_SOUTH, SEA_EAST, LAND_NORTH));
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

static void add_person(struct demo *d, int unit, unsigned role)
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
    d->n_people++;
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
            add_person(d, (int)u, roles[r]);
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

/* ---- the parts and the batch runner ------------------------------------------------------ */

static const struct demo_part {
    const char *name;
    size_t (*plan)(struct demo *d); /* build the records in memory; how many */
    ph_err (*create)(struct core_ctx *cx, struct demo *d, size_t i); /* record i of the part */
} demo_parts[] = {
    {"areas", plan_areas, create_area},
    {"units", plan_units, create_unit},
    {"people", plan_people, create_person},
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
        rc = run_part(&d, &demo_parts[p], counts[p]);
        if (rc != PH_OK)
            goto out;
    }
    summarise(&d, out);
out:
    free(d.areas);
    free(d.units);
    free(d.people);
    arena_release(&d.arena);
    return rc;
}
