/* harness.h - the API test driver's shared parts: running `phoihop serve` on a
 * fresh database, HTTP requests with libcurl, assertions on the JSON error shape,
 * and the "world" every test builds on (areas, units of the three forces, people
 * with each role, logged in).
 *
 * Memory: everything the request helpers return (responses, formatted strings)
 * is kept on a garbage list that h_gc() frees; tests use it as their teardown, so
 * a failed assertion (which longjmps out of the test) leaks nothing. */
#ifndef PH_TESTS_API_HARNESS_H
#define PH_TESTS_API_HARNESS_H
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <sys/types.h>
#include <cmocka.h>
#include <jansson.h>

#define H_ADMIN_PASSWORD "Quan-tri-vien-2026!"
#define H_PASSWORD "Mat-khau-thu-nghiem-1" /* every person the tests create */
#define H_READY_TIMEOUT_S 20
#define H_STOP_TIMEOUT_S 20

/* ---- the server under test ----------------------------------------------------- */

/* The data every test may use (never modify: tests make their own records). */
struct world {
    int built;
    char *admin; /* token of the global administrator made by init */
    int64_t admin_id;
    /* areas: province > district > commune (the commune has a polygon) */
    int64_t a_prov, a_dist, a_comm;
    /* units: police province > district > commune; military and border guard
     * province units */
    int64_t u_pp, u_pd, u_pc, u_mp, u_bp;
    /* people at the police district unit, one per role, and their tokens */
    int64_t p_viewer, p_reporter, p_duty, p_commander, p_coordinator;
    char *t_viewer, *t_reporter, *t_duty, *t_commander, *t_coordinator;
    /* administrators: police district (scoped, clearance secret), police
     * province (a top-level unit, top_secret), military province (secret) */
    int64_t p_adm_pd, p_adm_pp, p_adm_mp;
    char *t_adm_pd, *t_adm_pp, *t_adm_mp;
    /* a viewer at the military province unit */
    int64_t p_mil_viewer;
    char *t_mil_viewer;
};

struct server {
    pid_t pid;
    int port;
    int out_fd; /* the server's stdout, drained by a thread */
    int drain_started;
    pthread_t drain;
    char dir[256]; /* the temporary directory holding db */
    char db[300];  /* a file path, or a PostgreSQL URL (PHOIHOP_TEST_PG) */
    char base[64]; /* "http://127.0.0.1:PORT" */
    struct world w;
    /* The CoT listener's ports from its "phoihop: cot listening on" lines (0: none). */
    int cot_tcp_port, cot_udp_port, cot_tls_port;
};

/* The server the request helpers talk to. */
extern struct server *g_srv;
/* The long-running server most tests share. */
extern struct server g_main_srv;

/* The store URL of s's database: "sqlite:PATH", or the PostgreSQL URL itself. */
const char *srv_dsn(const struct server *s);
/* Path of the binary under test: $PHOIHOP_BIN or build/san/phoihop. */
const char *h_bin(void);
/* The administrator's username: $PHOIHOP_ADMIN_USER or "admin". */
const char *h_admin_user(void);
/* Make a fresh database (phoihop init) and start serving it. 0 when ready,
 * -1 (with a message on stderr) otherwise. */
int srv_start(struct server *s);
/* As srv_start, with extra arguments for `serve` (NULL-terminated; NULL: none),
 * e.g. the CoT TLS files. Every server gets --cot-listen and --cot-udp-listen on
 * port 0, so that parallel runs never collide on 8087. */
int srv_start_args(struct server *s, const char *const *extra);
/* The port of s's CoT listener for scheme "tcp", "udp" or "tls"; 0 when it has none. */
int srv_cot_port(const struct server *s, const char *scheme);
/* SIGTERM, wait; returns the exit status (0 for a clean shutdown), or -1 when the
 * server died of a signal or had to be killed. Removes nothing. */
int srv_stop(struct server *s);
/* Remove the server's temporary directory (unless $PHOIHOP_KEEP_TMP is set). */
void srv_cleanup(struct server *s);
/* Run `phoihop audit verify --db <db>`; returns its exit status (-1 on a signal).
 * *entries gets the "N entries" it reports, -1 when it reports none. */
int srv_audit_verify(const struct server *s, long *entries);
/* The audit entry count reported right after the main server started. */
extern long g_audit_entries_at_start;

/* Build g_srv's world through the API (once per server). full: also people with
 * each role, logged in. Fails the current test when the API refuses. */
void world_build(int full);
/* Free the tokens the world holds. */
void world_release(struct world *w);

/* cmocka fixtures. */
int h_gc(void **state);             /* teardown: frees the garbage list */
int h_group_setup(void **state);    /* the full world on the main server */
int h_fresh_setup(void **state);    /* a fresh server (minimal world) as g_srv */
int h_fresh_teardown(void **state); /* stop it (must exit 0), back to the main one */

#define T(f) cmocka_unit_test_teardown(f, h_gc)
#define T_FRESH(f) cmocka_unit_test_setup_teardown(f, h_fresh_setup, h_fresh_teardown)

/* ---- HTTP ----------------------------------------------------------------------- */

struct resp {
    long status; /* 0 when the transfer failed */
    char *body;  /* NUL-terminated */
    size_t len;
    json_t *json;  /* the parsed body, NULL when it is not JSON */
    char *headers; /* header block of the final response */
    char method[16];
    char *path;
};

/* One request to g_srv. token: bearer token or NULL; body of len bytes or NULL;
 * ctype: Content-Type or NULL (none is sent); extra_header: "Name: value" or NULL. */
struct resp *api_raw(const char *method, const char *path, const char *token, const char *body,
                     size_t len, const char *ctype, const char *extra_header);
/* As api_raw with a NUL-terminated body. */
struct resp *api_req(const char *method, const char *path, const char *token, const char *body,
                     const char *ctype, const char *extra_header);
/* A JSON body (takes the reference; NULL sends no body) as application/json. */
struct resp *api_json(const char *method, const char *path, const char *token, json_t *body);
/* As api_json with an extra header. */
struct resp *api_json_h(const char *method, const char *path, const char *token, json_t *body,
                        const char *extra_header);
struct resp *api_get(const char *path, const char *token);

/* The value of header name (case-insensitive), on the garbage list; NULL if absent. */
char *resp_header(const struct resp *r, const char *name);

/* A printf-formatted string on the garbage list. */
char *tfmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A URL-encoded copy of s on the garbage list. */
char *urlenc(const char *s);
/* A word of lower-case letters never returned before in this process ("kqbz"), for
 * unique names that diacritic folding leaves alone. */
char *uniq_word(void);
/* A decimal string never returned before in this process (for area codes). */
char *uniq_num(void);

/* ---- assertions ------------------------------------------------------------------ */

#define EXPECT_STATUS(r, st) expect_status_((r), (st), __FILE__, __LINE__)
/* status, error.code, non-empty error.message; error.field when field is not NULL. */
#define EXPECT_ERROR(r, st, code, field)                                                           \
    expect_error_((r), (st), (code), (field), __FILE__, __LINE__)
/* As EXPECT_ERROR, but field may be either of two names (where API.md leaves it open). */
#define EXPECT_ERROR2(r, st, code, f1, f2)                                                         \
    expect_error2_((r), (st), (code), (f1), (f2), __FILE__, __LINE__)
void expect_status_(const struct resp *r, long status, const char *file, int line);
void expect_error_(const struct resp *r, long status, const char *code, const char *field,
                   const char *file, int line);
void expect_error2_(const struct resp *r, long status, const char *code, const char *f1,
                    const char *f2, const char *file, int line);

/* Members of a JSON object, failing the test when absent or of another type. */
#define JSTR(o, k) jstr_((o), (k), __FILE__, __LINE__)
#define JINT(o, k) jint_((o), (k), __FILE__, __LINE__)
const char *jstr_(const json_t *o, const char *key, const char *file, int line);
int64_t jint_(const json_t *o, const char *key, const char *file, int line);
/* True when the JSON array arr holds an object whose "id" is id. */
int json_has_id(const json_t *arr, int64_t id);
/* The "items" array of a list response (fails the test when missing). */
json_t *items_of(const struct resp *r);

/* GET path as token; fails unless 200 with a list; the items array. */
json_t *list_items(const char *path, const char *token);
/* The number of items of GET path (one page; fails unless 200). */
size_t list_count(const char *path, const char *token);
/* Walk the list at query (a path with '?' and a filter that selects exactly the n
 * records ids, given in creation order) with limit=2 and the cursors, and with
 * limit=n, limit=n-1 and the default limit; fails unless every page is right. */
void check_paging(const char *query, const int64_t *ids, size_t n, const char *token);

/* GET path as token must list exactly the records ids (in any order). */
#define EXPECT_IDS(path, token, ...)                                                               \
    do {                                                                                           \
        const int64_t want_[] = {__VA_ARGS__};                                                     \
        expect_ids_((path), (token), want_, sizeof(want_) / sizeof(want_[0]), __FILE__, __LINE__); \
    } while (0)
#define EXPECT_ID_ARRAY(path, token, arr, n)                                                       \
    expect_ids_((path), (token), (arr), (n), __FILE__, __LINE__)
void expect_ids_(const char *path, const char *token, const int64_t *ids, size_t n,
                 const char *file, int line);

/* The Location header of r must end in path ("/api/v1/areas/12"). */
#define EXPECT_LOCATION(r, path) expect_location_((r), (path), __FILE__, __LINE__)
void expect_location_(const struct resp *r, const char *path, const char *file, int line);

/* One invalid member of a create request. */
struct bad_member {
    const char *member;
    const char *value;  /* JSON text; NULL removes the member */
    const char *field;  /* expected error.field */
    const char *field2; /* or this one, where API.md leaves it open; NULL: field only */
};
/* Apply c to body (a valid create request, taken), POST it to collection as token:
 * 422 "invalid" naming c's field. case_no names the case in the messages. */
#define EXPECT_BAD_MEMBER(collection, token, body, c, case_no)                                     \
    expect_bad_member_((collection), (token), (body), (c), (case_no), __FILE__, __LINE__)
void expect_bad_member_(const char *collection, const char *token, json_t *body,
                        const struct bad_member *c, size_t case_no, const char *file, int line);

/* Bad limit and cursor on the collection path ("/api/v1/areas"): 400 malformed
 * (limit out of 1..500: 400 or 422), with field "limit" / "cursor". */
void check_list_params(const char *collection, const char *token);

/* ---- making records (each fails the test unless the API answers 201) ------------ */

int64_t mk_area(const char *token, const char *code, const char *name, const char *level,
                const char *kind, int64_t parent_id, json_t *geometry /* stolen, or NULL */);
int64_t mk_unit(const char *token, const char *code, const char *name, const char *force,
                const char *level, int64_t parent_id, int64_t area_id /* 0: none */);
/* A person with one role, clearance, password H_PASSWORD; username returned on the
 * garbage list in *username when not NULL. */
int64_t mk_person(const char *token, int64_t unit_id, const char *role, const char *clearance,
                  char **username);
/* Log in; fails the test unless 200. The token is on the garbage list. */
char *login_ok(const char *username, const char *password);
/* A closed square GeoJSON polygon around (lon, lat). New reference. */
json_t *geo_square(double lon, double lat, double half_deg);

/* ---- groups (one per file) -------------------------------------------------------- */
int run_auth_tests(void);
int run_area_tests(void);
int run_category_tests(void);
int run_unit_tests(void);
int run_people_tests(void);
int run_error_tests(void);
int run_ops_tests(void);
int run_final_tests(void);
#endif
