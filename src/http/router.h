/* router.h - the route table: method + path pattern ("/api/v1/units/:id") -> handler,
 * with whether the route needs an authenticated caller. One table per resource file
 * (api_<resource>.c); the router concatenates them at start-up. */
#ifndef PH_HTTP_ROUTER_H
#define PH_HTTP_ROUTER_H
#include <stdbool.h>
#include <stddef.h>
struct req;

enum route_auth {
    ROUTE_PUBLIC,   /* no token needed */
    ROUTE_USER,     /* any authenticated person; record access is core's */
};

struct route {
    const char *method;  /* "GET", "POST", "PATCH", "DELETE" */
    const char *pattern; /* segments; ":name" captures one segment */
    int (*handler)(struct req *r);
    enum route_auth auth;
    bool json_body;      /* requires a JSON object body */
};

#define ROUTER_MAX_ROUTES 128

/* Build the table from every api_*.c; call once before serving. */
void router_init(void);
/* Number of routes (indexes 0..n-1; n is "no route" in metrics). */
size_t router_count(void);
const struct route *router_get(size_t i);
/* Match: returns the route index, or -1 with *path_known true when the path exists
 * for another method (405; *allow gets "GET, POST"), or -1 with it false (404).
 * Captured values go to names/values (at most 4; strings in r's arena). */
int router_match(struct req *r, const char *method, size_t method_len, const char *path,
                 size_t path_len, bool *path_known, char *allow, size_t allow_size);
#endif
