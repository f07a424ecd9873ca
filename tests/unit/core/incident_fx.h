/* incident_fx.h - the fixture test_incident.c and test_incident_flow.c share: a
 * small province with areas of each kind and units of the three forces, people
 * to escalate to, callers of each force, role and clearance, and helpers to file
 * incidents. Static inline, like testutil.h.
 *
 * Areas (valid from 2020-01-01):
 *   P  province, coastal, geometry [105.5, 107] x [9.5, 10.5]
 *   D  district of P, coastal, geometry [105.9, 106.5] x [9.9, 10.3]
 *   C1 commune of D, inland, geometry [106.0, 106.1] x [10.0, 10.1]
 *   C2 commune of D, border, geometry [106.2, 106.3] x [10.0, 10.1]
 *   C3 commune of D, inland, no geometry
 * Units (areas of responsibility in brackets):
 *   police:        ca [P] > ca_h [D] > ca_x1 [C1], ca_x2 [C2]
 *   military:      qs [P] > qs_h [D]
 *   border guard:  bp [P] > bp_don [C2]
 * With the seeded rules: crime in C1 is led by ca_x1 (qs_h, bp informed); crime
 * in C2 (border belt) by bp_don (ca_x2, qs_h informed); a natural disaster in C3
 * by qs_h (ca_h, bp informed). */
#ifndef PH_TESTS_INCIDENT_FX_H
#define PH_TESTS_INCIDENT_FX_H
#include "testutil.h"
#include "core/area.h"
#include "core/category.h"
#include "core/incident.h"
#include "core/person.h"
#include "core/unit.h"

#define IFX_MIN 60000LL

struct ifx {
    struct tu_fx tu;                                      /* first, for tu_fx_teardown() */
    int64_t p, d, c1, c2, c3;                             /* areas */
    int64_t ca, ca_h, ca_x1, ca_x2, qs, qs_h, bp, bp_don; /* units */
    int64_t cat_crime, cat_disaster, cat_drugs, cat_other, cat_off; /* categories */
    int64_t cmd_ca_h, cmd_qs, cmd_bp, duty_ca_h;                    /* stored people */
    struct core_user x1, x1_reporter, x1_viewer, x2, h, h_cmd, h_low, qs_duty, qs_cmd, qs_top,
        bp_duty, bp_don_duty;
};

static inline int64_t ifx_area(struct core_ctx *sys, const char *code, const char *name,
                               const char *level, const char *kind, int64_t parent,
                               const char *geometry)
{
    struct area a = {.code = code,
                     .name = name,
                     .level = level,
                     .kind = kind,
                     .parent_id = parent,
                     .geometry = geometry,
                     .valid_from = "2020-01-01"};
    const char *field = NULL;
    ph_err rc = TX(sys, area_create(sys, &a, &field));
    if (rc != PH_OK)
        fail_msg("area %s: %d (%s)", code, rc, field != NULL ? field : "");
    return a.id;
}

static inline int64_t ifx_unit(struct core_ctx *sys, const char *code, const char *name,
                               const char *force, const char *level, int64_t parent, int64_t area)
{
    struct unit u = tu_unit(code, name, force, level, parent);
    int64_t areas[1] = {area};
    u.area_ids = areas;
    u.n_areas = 1;
    return tu_unit_create(sys, u);
}

static inline int64_t ifx_person(struct core_ctx *sys, const char *username, const char *name,
                                 int64_t unit_id, unsigned roles)
{
    struct person p = {.username = username,
                       .full_name = name,
                       .unit_id = unit_id,
                       .roles = roles,
                       .clearance = CLEARANCE_SECRET};
    const char *field = NULL;
    ph_err rc = TX(sys, person_create(sys, &p, NULL, &field));
    if (rc != PH_OK)
        fail_msg("person %s: %d (%s)", username, rc, field != NULL ? field : "");
    return p.id;
}

static inline int64_t ifx_category(struct core_ctx *sys, const char *code)
{
    struct category c;
    assert_int_equal(category_get_by_code(sys, code, &c), PH_OK);
    return c.id;
}

#define IFX_SQUARE(x0, y0, x1, y1)                                                                 \
    "{\"type\":\"Polygon\",\"coordinates\":[[[" #x0 "," #y0 "],[" #x1 "," #y0 "],[" #x1 "," #y1    \
    "],[" #x0 "," #y1 "],[" #x0 "," #y0 "]]]}"

static inline int ifx_setup(void **state)
{
    struct ifx *f = calloc(1, sizeof(*f));
    struct core_ctx *sys;
    struct category off = {.code = "old_kind",
                           .name_vi = "loại cũ",
                           .name_en = "Old kind",
                           .default_severity = 2,
                           .is_active = true,
                           .sort_order = 5};
    const char *field = NULL;
    unsigned duty = ROLE_DUTY_OFFICER | ROLE_REPORTER;

    if (f == NULL)
        return -1;
    tu_fx_open(&f->tu);
    sys = &f->tu.sys;
    f->p = ifx_area(sys, "83", "Tỉnh Bến Tre", "province", "coastal", 0,
                    IFX_SQUARE(105.5, 9.5, 107, 10.5));
    f->d = ifx_area(sys, "829", "Huyện Bình Đại", "district", "coastal", f->p,
                    IFX_SQUARE(105.9, 9.9, 106.5, 10.3));
    f->c1 = ifx_area(sys, "28753", "Xã Bình Thắng", "commune", "inland", f->d,
                     IFX_SQUARE(106.0, 10.0, 106.1, 10.1));
    f->c2 = ifx_area(sys, "28756", "Xã Thạnh Phước", "commune", "border", f->d,
                     IFX_SQUARE(106.2, 10.0, 106.3, 10.1));
    f->c3 = ifx_area(sys, "28759", "Xã Thới Lai", "commune", "inland", f->d, NULL);

    f->ca = ifx_unit(sys, "CA-BT", "Công an tỉnh Bến Tre", "police", "province", 0, f->p);
    f->ca_h = ifx_unit(sys, "CA-H-BD", "Công an huyện Bình Đại", "police", "district", f->ca, f->d);
    f->ca_x1 =
        ifx_unit(sys, "CA-X-BT", "Công an xã Bình Thắng", "police", "commune", f->ca_h, f->c1);
    f->ca_x2 =
        ifx_unit(sys, "CA-X-TP", "Công an xã Thạnh Phước", "police", "commune", f->ca_h, f->c2);
    f->qs = ifx_unit(sys, "QS-BT", "Bộ CHQS tỉnh Bến Tre", "military", "province", 0, f->p);
    f->qs_h =
        ifx_unit(sys, "QS-H-BD", "Ban CHQS huyện Bình Đại", "military", "district", f->qs, f->d);
    f->bp =
        ifx_unit(sys, "BP-BT", "Bộ Chỉ huy BĐBP tỉnh Bến Tre", "border_guard", "province", 0, f->p);
    f->bp_don = ifx_unit(sys, "BP-DON-TP", "Đồn Biên phòng Thạnh Phước", "border_guard", "district",
                         f->bp, f->c2);

    f->cat_crime = ifx_category(sys, "crime");
    f->cat_disaster = ifx_category(sys, "natural_disaster");
    f->cat_drugs = ifx_category(sys, "drugs");
    f->cat_other = ifx_category(sys, "other");
    assert_int_equal(TX(sys, category_create(sys, &off, &field)), PH_OK);
    off.is_active = false;
    assert_int_equal(TX(sys, category_update(sys, &off, &field)), PH_OK);
    f->cat_off = off.id;

    f->cmd_ca_h = ifx_person(sys, "chihuy.ca.bd", "Nguyễn Văn Cường", f->ca_h, ROLE_COMMANDER);
    f->duty_ca_h = ifx_person(sys, "trucban.ca.bd", "Trần Thị Lan", f->ca_h, ROLE_DUTY_OFFICER);
    f->cmd_qs = ifx_person(sys, "chihuy.qs.bt", "Lê Văn Hùng", f->qs, ROLE_COMMANDER | ROLE_VIEWER);
    f->cmd_bp = ifx_person(sys, "chihuy.bp.bt", "Phạm Văn Đức", f->bp, ROLE_COMMANDER);

    f->x1 = tu_user_at(sys, f->ca_x1, duty, CLEARANCE_CONFIDENTIAL);
    f->x1_reporter = tu_user_at(sys, f->ca_x1, ROLE_REPORTER, CLEARANCE_CONFIDENTIAL);
    f->x1_viewer = tu_user_at(sys, f->ca_x1, ROLE_VIEWER, CLEARANCE_TOP_SECRET);
    f->x2 = tu_user_at(sys, f->ca_x2, duty, CLEARANCE_CONFIDENTIAL);
    f->h = tu_user_at(sys, f->ca_h, duty, CLEARANCE_SECRET);
    f->h_cmd = tu_user_at(sys, f->ca_h, ROLE_COMMANDER | ROLE_DUTY_OFFICER, CLEARANCE_TOP_SECRET);
    f->h_low = tu_user_at(sys, f->ca_h, duty, CLEARANCE_UNCLASSIFIED);
    f->qs_duty = tu_user_at(sys, f->qs_h, duty, CLEARANCE_SECRET);
    f->qs_cmd = tu_user_at(sys, f->qs_h, ROLE_COMMANDER | ROLE_DUTY_OFFICER, CLEARANCE_TOP_SECRET);
    f->qs_top = tu_user_at(sys, f->qs, ROLE_COMMANDER | ROLE_DUTY_OFFICER, CLEARANCE_TOP_SECRET);
    f->bp_duty = tu_user_at(sys, f->bp, duty, CLEARANCE_SECRET);
    f->bp_don_duty = tu_user_at(sys, f->bp_don, duty, CLEARANCE_SECRET);
    *state = f;
    return 0;
}

#define IFX_TEST(t) cmocka_unit_test_setup_teardown(t, ifx_setup, tu_fx_teardown)

/* A valid report of category cat in area (0: none), 10 minutes ago. */
static inline struct incident ifx_inc(struct core_ctx *cx, int64_t cat, int64_t area,
                                      const char *title)
{
    struct incident inc = {.category_id = cat,
                           .title = title,
                           .area_id = area,
                           .occurred_at = cx->now_ms - 10 * IFX_MIN};
    return inc;
}

/* File inc as cx's user in a transaction; its id (*inc is the stored incident). */
static inline int64_t ifx_create(struct core_ctx *cx, struct incident *inc)
{
    const char *field = NULL;
    ph_err rc = TX(cx, incident_create(cx, inc, NULL, NULL, &field));
    if (rc != PH_OK)
        fail_msg("create %s: %d (%s)", inc->title, rc, field != NULL ? field : "");
    assert_true(inc->id > 0);
    return inc->id;
}

/* The recipient row of unit_id in inc (filled by incident_get), or NULL. */
static inline const struct incident_recipient *ifx_rcpt(const struct incident *inc, int64_t unit_id)
{
    for (size_t i = 0; i < inc->n_recipients; i++)
        if (inc->recipients[i].unit_id == unit_id)
            return &inc->recipients[i];
    return NULL;
}

/* The incident id as the system sees it. */
static inline struct incident ifx_get(struct ifx *f, int64_t id)
{
    struct incident inc;
    assert_int_equal(incident_get(&f->tu.sys, id, &inc), PH_OK);
    return inc;
}

/* The newest timeline entry of incident id. */
static inline struct incident_event ifx_last_event(struct ifx *f, int64_t id)
{
    struct incident_event *items = NULL;
    size_t n = 0;
    assert_int_equal(incident_timeline(&f->tu.sys, id, &items, &n), PH_OK);
    assert_true(n > 0);
    return items[n - 1];
}
#endif
