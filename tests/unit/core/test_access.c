/* test_access.c - the access decision, one table row per rule (see the comment at
 * the top of src/core/access.c), plus paths and names. */
#include "util/base.h"
#include "testutil.h"
#include "core/access.h"

/* A province with two forces: police "/1/" (district "/1/5/" with communes
 * "/1/5/23/" and "/1/5/24/", district "/1/6/"), military "/2/" (district "/2/7/"). */
/* clang-format off */
#define U(name, r, c, path, frc)                                                                   \
    static const struct core_user name = {.person_id = __LINE__,                                   \
                                          .username = #name,                                       \
                                          .roles = (r),                                            \
                                          .clearance = (c),                                        \
                                          .unit_id = (path) != NULL ? __LINE__ : 0,                \
                                          .unit_path = (path),                                     \
                                          .force = (frc)}
U(viewer_commune, ROLE_VIEWER, CLEARANCE_CONFIDENTIAL, "/1/5/23/", "police");
U(reporter_commune, ROLE_REPORTER, CLEARANCE_CONFIDENTIAL, "/1/5/23/", "police");
U(duty_commune_24, ROLE_DUTY_OFFICER, CLEARANCE_CONFIDENTIAL, "/1/5/24/", "police");
U(duty_district, ROLE_DUTY_OFFICER, CLEARANCE_SECRET, "/1/5/", "police");
U(duty_district_6, ROLE_DUTY_OFFICER, CLEARANCE_SECRET, "/1/6/", "police");
U(cmd_district, ROLE_COMMANDER, CLEARANCE_SECRET, "/1/5/", "police");
U(coord_province, ROLE_COORDINATOR, CLEARANCE_SECRET, "/1/", "police");
U(admin_global, ROLE_ADMIN, CLEARANCE_TOP_SECRET, NULL, NULL);
U(admin_global_low, ROLE_ADMIN, CLEARANCE_UNCLASSIFIED, NULL, NULL);
U(admin_police, ROLE_ADMIN, CLEARANCE_SECRET, "/1/", "police");
U(admin_police_district, ROLE_ADMIN, CLEARANCE_SECRET, "/1/5/", "police");
U(admin_military, ROLE_ADMIN, CLEARANCE_SECRET, "/2/", "military");
U(viewer_no_unit, ROLE_VIEWER, CLEARANCE_SECRET, NULL, NULL);
U(no_roles, 0, CLEARANCE_SECRET, "/1/", "police");
U(all_roles_district, ROLE_ALL, CLEARANCE_TOP_SECRET, "/1/5/", "police");
#undef U
/* clang-format on */

static const char *const to_district_5[] = {"/1/5/"};
static const char *const to_two[] = {"/1/6/", "/1/5/23/"};

static const struct access_item area = {.kind = ITEM_AREA};
static const struct access_item area_secret = {.kind = ITEM_AREA,
                                               .classification = CLEARANCE_SECRET};
static const struct access_item unit_district = {ITEM_UNIT, "/1/5/", "police", 0, NULL, 0};
static const struct access_item unit_commune = {ITEM_UNIT, "/1/5/23/", "police", 0, NULL, 0};
static const struct access_item unit_province = {ITEM_UNIT, "/1/", "police", 0, NULL, 0};
static const struct access_item unit_military = {ITEM_UNIT, "/2/7/", "military", 0, NULL, 0};
/* A record claiming a police path but another force: the force rule still holds. */
static const struct access_item unit_odd_force = {ITEM_UNIT, "/1/5/99/", "military", 0, NULL, 0};
static const struct access_item unit_top_new = {ITEM_UNIT, NULL, "police", 0, NULL, 0};
static const struct access_item person_commune = {ITEM_PERSON, "/1/5/23/", "police", 0, NULL, 0};
static const struct access_item person_military = {ITEM_PERSON, "/2/7/", "military", 0, NULL, 0};
static const struct access_item audit_police = {ITEM_AUDIT, "/1/", "police", 0, NULL, 0};
static const struct access_item audit_all = {ITEM_AUDIT, NULL, NULL, 0, NULL, 0};
static const struct access_item op_commune = {ITEM_OPERATIONAL,       "/1/5/23/", "police",
                                              CLEARANCE_CONFIDENTIAL, NULL,       0};
static const struct access_item op_district_secret = {ITEM_OPERATIONAL, "/1/5/", "police",
                                                      CLEARANCE_SECRET, NULL,    0};
static const struct access_item op_top_secret = {ITEM_OPERATIONAL,     "/1/5/", "police",
                                                 CLEARANCE_TOP_SECRET, NULL,    0};
/* Owned by a military district, sent to police district 5. */
static const struct access_item op_sent = {ITEM_OPERATIONAL, "/2/7/", "military", 0,
                                           to_district_5,    1};
static const struct access_item op_sent_two = {ITEM_OPERATIONAL, "/2/7/", "military", 0, to_two, 2};

#define R ACCESS_READ
#define C ACCESS_CREATE
#define UP ACCESS_UPDATE
#define D ACCESS_DELETE
#define ACK ACCESS_ACKNOWLEDGE
#define APP ACCESS_APPROVE

static const struct {
    int line;
    const struct core_user *who;
    enum access_action act;
    const struct access_item *item;
    bool want;
    const char *why; /* expected reason when denied */
} cases[] = {
/* clang-format off */
#define CASE(who, act, item, want, why) {__LINE__, who, act, item, want, why}
    /* 1. nobody, the system */
    CASE(NULL, R, &area, false, "role"),
    CASE(&core_system_user, D, &unit_military, true, NULL),
    CASE(&core_system_user, C, &unit_top_new, true, NULL),
    CASE(&core_system_user, APP, &op_top_secret, true, NULL),
    CASE(&core_system_user, UP, &area, true, NULL),

    /* 2. clearance blocks everyone, admins and all roles included */
    CASE(&admin_global_low, R, &op_commune, false, "clearance"),
    CASE(&admin_global_low, D, &op_commune, false, "clearance"),
    CASE(&admin_global_low, R, &area_secret, false, "clearance"),
    CASE(&admin_global, R, &op_top_secret, true, NULL),
    CASE(&viewer_commune, R, &op_district_secret, false, "clearance"),
    CASE(&duty_district, R, &op_top_secret, false, "clearance"),
    CASE(&duty_district, R, &op_district_secret, true, NULL),
    CASE(&all_roles_district, APP, &op_top_secret, true, NULL),

    /* 3. areas: all read; writes by global admins only */
    CASE(&viewer_commune, R, &area, true, NULL),
    CASE(&viewer_no_unit, R, &area, true, NULL),
    CASE(&no_roles, R, &area, false, "role"),
    CASE(&viewer_commune, C, &area, false, "role"),
    CASE(&coord_province, UP, &area, false, "role"),
    CASE(&admin_global, C, &area, true, NULL),
    CASE(&admin_police, UP, &area, true, NULL),   /* top-level unit */
    CASE(&admin_military, D, &area, true, NULL),  /* top-level unit */
    CASE(&admin_police_district, C, &area, false, "unit"),
    CASE(&admin_global, ACK, &area, false, "role"),

    /* 3. directory: all read everything; writes by admins */
    CASE(&viewer_commune, R, &unit_military, true, NULL),
    CASE(&viewer_commune, R, &person_military, true, NULL),
    CASE(&viewer_no_unit, R, &unit_commune, true, NULL),
    CASE(&no_roles, R, &unit_commune, false, "role"),
    CASE(&viewer_commune, UP, &unit_commune, false, "role"),
    CASE(&cmd_district, C, &unit_commune, false, "role"),
    CASE(&cmd_district, UP, &person_commune, false, "role"),
    CASE(&admin_police, APP, &unit_commune, false, "role"),

    /* 4. directory writes: subtree and force */
    CASE(&admin_police, C, &unit_commune, true, NULL),
    CASE(&admin_police, UP, &unit_province, true, NULL), /* own unit */
    CASE(&admin_police_district, UP, &unit_district, true, NULL),
    CASE(&admin_police_district, D, &unit_commune, true, NULL),
    CASE(&admin_police_district, UP, &unit_province, false, "unit"), /* above */
    CASE(&admin_police_district, UP, &person_commune, true, NULL),
    CASE(&admin_police, UP, &unit_military, false, "force"),
    CASE(&admin_police, D, &person_military, false, "force"),
    CASE(&admin_police, C, &unit_odd_force, false, "force"),
    CASE(&admin_military, UP, &unit_district, false, "force"),
    CASE(&admin_military, UP, &person_commune, false, "force"),
    CASE(&admin_global, UP, &unit_military, true, NULL),
    CASE(&admin_global, C, &unit_top_new, true, NULL),
    CASE(&admin_police, C, &unit_top_new, false, "unit"), /* top level: no-unit admin only */
    CASE(&admin_police_district, C, &unit_top_new, false, "unit"),

    /* 3+4. audit log: admins over their subtree */
    CASE(&viewer_commune, R, &audit_police, false, "role"),
    CASE(&coord_province, R, &audit_police, false, "role"),
    CASE(&admin_police, R, &audit_police, true, NULL),
    CASE(&admin_police_district, R, &audit_police, false, "unit"),
    CASE(&admin_military, R, &audit_police, false, "unit"),
    CASE(&admin_global, R, &audit_all, true, NULL),
    CASE(&admin_police, R, &audit_all, false, "unit"),
    CASE(&admin_global, D, &audit_all, false, "role"),
    CASE(&admin_global, UP, &audit_police, false, "role"),

    /* 3. operational roles */
    CASE(&viewer_commune, R, &op_commune, true, NULL),
    CASE(&viewer_commune, C, &op_commune, false, "role"),
    CASE(&viewer_commune, UP, &op_commune, false, "role"),
    CASE(&viewer_commune, ACK, &op_commune, false, "role"),
    CASE(&reporter_commune, C, &op_commune, true, NULL),
    CASE(&reporter_commune, UP, &op_commune, false, "role"),
    CASE(&reporter_commune, ACK, &op_commune, false, "role"),
    CASE(&duty_district, C, &op_commune, true, NULL),
    CASE(&duty_district, UP, &op_commune, true, NULL),
    CASE(&duty_district, ACK, &op_commune, true, NULL),
    CASE(&duty_district, APP, &op_commune, false, "role"),
    CASE(&duty_district, D, &op_commune, false, "role"),
    CASE(&cmd_district, APP, &op_commune, true, NULL),
    CASE(&cmd_district, UP, &op_commune, true, NULL),
    CASE(&coord_province, UP, &op_commune, true, NULL),
    CASE(&coord_province, APP, &op_commune, false, "role"),
    /* separation of duties: an admin is not an operator */
    CASE(&admin_police, C, &op_commune, false, "role"),
    CASE(&admin_police, UP, &op_commune, false, "role"),
    CASE(&admin_global, ACK, &op_commune, false, "role"),
    CASE(&admin_global, APP, &op_commune, false, "role"),
    CASE(&admin_police, D, &op_commune, true, NULL),
    CASE(&admin_police, R, &op_commune, true, NULL),
    CASE(&admin_global, D, &op_commune, true, NULL),
    CASE(&admin_military, D, &op_commune, false, "unit"),

    /* 4. operational scope: own unit and below */
    CASE(&cmd_district, R, &op_district_secret, true, NULL),
    CASE(&coord_province, R, &op_district_secret, true, NULL),
    CASE(&duty_commune_24, R, &op_commune, false, "unit"),   /* sibling commune */
    CASE(&duty_commune_24, UP, &op_commune, false, "unit"),
    CASE(&duty_district_6, R, &op_commune, false, "unit"),   /* other district */
    CASE(&viewer_no_unit, R, &op_commune, false, "unit"),     /* no unit, not admin */
    CASE(&duty_district, C, &op_district_secret, true, NULL),
    CASE(&reporter_commune, C, &op_district_secret, false, "clearance"),

    /* 4. sent to: the recipient and units above it may read and acknowledge */
    CASE(&duty_district, R, &op_sent, true, NULL),
    CASE(&duty_district, ACK, &op_sent, true, NULL),
    CASE(&coord_province, R, &op_sent, true, NULL),   /* above the recipient */
    CASE(&coord_province, ACK, &op_sent, true, NULL),
    CASE(&viewer_commune, R, &op_sent, false, "unit"), /* below the recipient */
    CASE(&duty_commune_24, ACK, &op_sent, false, "unit"),
    CASE(&duty_district_6, R, &op_sent, false, "unit"), /* sibling of the recipient */
    CASE(&duty_district, UP, &op_sent, false, "unit"),  /* sent to is not ownership */
    CASE(&cmd_district, APP, &op_sent, false, "unit"),
    CASE(&duty_district_6, R, &op_sent_two, true, NULL), /* any of several recipients */
    CASE(&viewer_commune, R, &op_sent_two, true, NULL),
    CASE(&duty_commune_24, R, &op_sent_two, false, "unit"),
    CASE(&duty_district, R, &op_sent_two, true, NULL),  /* above "/1/5/23/" */
    CASE(&admin_military, R, &op_sent, true, NULL),    /* owner side */
#undef CASE
    /* clang-format on */
};

static void test_access_allows_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < PH_NELEM(cases); i++) {
        const char *why = NULL;
        bool got = access_allows(cases[i].who, cases[i].act, cases[i].item, &why);
        if (got != cases[i].want)
            fail_msg("case at line %d: got %s (%s)", cases[i].line, got ? "allow" : "deny",
                     why != NULL ? why : "-");
        if (!got && strcmp(why, cases[i].why) != 0)
            fail_msg("case at line %d: reason %s, want %s", cases[i].line, why, cases[i].why);
        /* why is optional */
        assert_int_equal(access_allows(cases[i].who, cases[i].act, cases[i].item, NULL), got);
    }
}

static void test_access_path_covers(void **state)
{
    static const struct {
        const char *anc, *path;
        bool want;
    } pc[] = {
        /* clang-format off */
        {"/1/", "/1/", true},         {"/1/", "/1/5/", true},     {"/1/5/", "/1/5/23/", true},
        {"/1/5/", "/1/", false},      {"/1/", "/12/", false},     {"/1/5/", "/1/6/", false},
        {"/1/5/", "/1/50/", false},   {NULL, "/1/", false},       {"/1/", NULL, false},
        {"", "/1/", false},           {"/", "/1/", false},        {"/1", "/12/", false},
        {"/1//", "/1//2/", false},    {"/a/", "/a/1/", false},
        /* clang-format on */
    };
    (void)state;
    for (size_t i = 0; i < PH_NELEM(pc); i++) {
        if (access_path_covers(pc[i].anc, pc[i].path) != pc[i].want)
            fail_msg("covers(%s, %s) != %d", pc[i].anc ? pc[i].anc : "NULL",
                     pc[i].path ? pc[i].path : "NULL", pc[i].want);
    }
}

static void test_access_is_global_admin(void **state)
{
    (void)state;
    assert_true(access_is_global_admin(&core_system_user));
    assert_true(access_is_global_admin(&admin_global));
    assert_true(access_is_global_admin(&admin_police));
    assert_true(access_is_global_admin(&admin_military));
    assert_false(access_is_global_admin(&admin_police_district));
    assert_false(access_is_global_admin(&viewer_no_unit));
    assert_false(access_is_global_admin(&coord_province));
    assert_false(access_is_global_admin(NULL));
    struct core_user bad = {.roles = ROLE_ADMIN, .unit_path = "/"};
    assert_false(access_is_global_admin(&bad));
}

static void test_access_names(void **state)
{
    static const char *const roles[] = {"viewer",    "reporter",    "duty_officer",
                                        "commander", "coordinator", "admin"};
    static const char *const levels[] = {"unclassified", "confidential", "secret", "top_secret"};
    (void)state;
    unsigned all = 0;
    for (int i = 0; i < ROLE_COUNT; i++) {
        unsigned bit = role_parse(roles[i]);
        assert_int_equal(bit, 1u << i);
        assert_string_equal(role_name((enum role)bit), roles[i]);
        all |= bit;
    }
    assert_int_equal(all, ROLE_ALL);
    assert_int_equal(role_parse("Admin"), 0);
    assert_int_equal(role_parse(""), 0);
    assert_int_equal(role_parse(NULL), 0);
    assert_null(role_name((enum role)(ROLE_ADMIN | ROLE_VIEWER)));
    assert_null(role_name((enum role)0));
    for (int c = 0; c < 4; c++) {
        assert_int_equal(clearance_parse(levels[c]), c);
        assert_string_equal(clearance_name(c), levels[c]);
    }
    assert_int_equal(clearance_parse("top secret"), -1);
    assert_int_equal(clearance_parse(NULL), -1);
    assert_null(clearance_name(4));
    assert_null(clearance_name(-1));
    assert_int_equal(core_system_user.roles, ROLE_ALL);
    assert_int_equal(core_system_user.clearance, CLEARANCE_TOP_SECRET);
    assert_string_equal(core_system_user.username, "system");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_access_allows_table),
        cmocka_unit_test(test_access_path_covers),
        cmocka_unit_test(test_access_is_global_admin),
        cmocka_unit_test(test_access_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
