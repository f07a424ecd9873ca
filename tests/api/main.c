/* main.c - the API test driver: starts `phoihop serve` on a fresh database, runs
 * every group of tests against it over HTTP, then checks the audit chain and that
 * the server shuts down cleanly on SIGTERM.
 *
 *   PHOIHOP_BIN=build/san/phoihop build/san/test_api
 *
 * Environment: PHOIHOP_BIN (the binary, default build/san/phoihop),
 * PHOIHOP_ADMIN_USER (the account init makes, default "admin"), PHOIHOP_KEEP_TMP
 * (keep the temporary databases), TEST_API_ONLY (run only the group of that name:
 * auth, areas, categories, units, people, errors, ops, stream, incidents, rules,
 * attachments, bulletins, messages, cot, static, hotspots, areahistory). When
 * LSAN_OPTIONS is unset the servers get tests/lsan.supp, as under `make check`. */
#include "util/base.h"
#include <curl/curl.h>
#include "harness.h"

int run_stream_tests(void); /* test_stream.c */
int run_incident_tests(void); /* test_incidents.c */
int run_rule_tests(void); /* test_rules.c */
int run_attachment_tests(void); /* test_attachments.c */
int run_bulletin_tests(void); /* test_bulletins.c */
int run_cot_tests(void); /* test_cot.c */
int run_message_tests(void); /* test_messages.c */
int run_position_tests(void); /* test_positions.c */
int run_static_tests(void); /* test_static.c */
int run_operation_tests(void); /* test_operations.c */
int run_hotspot_tests(void); /* test_hotspots.c */
int run_area_history_tests(void); /* test_area_history.c */
int run_area_import_tests(void);  /* test_area_import.c */

struct group {
    const char *name;
    int (*run)(void);
};

static const struct group groups[] = {
    {"auth", run_auth_tests},     {"areas", run_area_tests},   {"categories", run_category_tests},
    {"units", run_unit_tests},    {"people", run_people_tests}, {"errors", run_error_tests},
    {"ops", run_ops_tests},
    {"stream", run_stream_tests},
    {"incidents", run_incident_tests},
    {"rules", run_rule_tests},
    {"attachments", run_attachment_tests},
    {"bulletins", run_bulletin_tests},
    {"cot", run_cot_tests},
    {"messages", run_message_tests},
    {"positions", run_position_tests},
    {"static", run_static_tests},
    {"operations", run_operation_tests},
    {"hotspots", run_hotspot_tests},
    {"areahistory", run_area_history_tests},
    {"areaimport", run_area_import_tests},
};

int main(void)
{
    const char *only = getenv("TEST_API_ONLY");
    int failed = 0;

    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "test_api: curl_global_init failed\n");
        return 1;
    }
    if (srv_start(&g_main_srv) != 0) {
        fprintf(stderr, "test_api: could not start %s serve\n", h_bin());
        srv_cleanup(&g_main_srv);
        curl_global_cleanup();
        return 1;
    }
    printf("test_api: %s serving %s on %s\n", h_bin(), g_main_srv.db, g_main_srv.base);
    if (srv_audit_verify(&g_main_srv, &g_audit_entries_at_start) != 0)
        fprintf(stderr, "test_api: audit verify failed on the fresh database\n");
    for (size_t i = 0; i < PH_NELEM(groups); i++) {
        if (only == NULL || strcmp(only, groups[i].name) == 0)
            failed += groups[i].run();
    }
    failed += run_final_tests(); /* stops the main server */
    if (g_main_srv.pid > 0)
        (void)srv_stop(&g_main_srv);
    world_release(&g_main_srv.w);
    srv_cleanup(&g_main_srv);
    curl_global_cleanup();
    return failed != 0 ? 1 : 0;
}
