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

/* The body a route takes. The tables' false and true are ROUTE_NO_BODY and
 * ROUTE_JSON_BODY. Every route but ROUTE_RAW_BODY ones refuses a body over
 * HTTP_MAX_JSON_BODY_BYTES (413) before its handler runs. */
enum route_body {
    ROUTE_NO_BODY = 0,   /* none read (a body sent is ignored) */
    ROUTE_JSON_BODY = 1, /* a JSON object (400/413/415 before the handler): r->body */
    ROUTE_RAW_BODY = 2,  /* the bytes as sent, any Content-Type, up to the route's own
                          * limit (attachments): the handler reads r->h2o->entity */
};

struct route {
    const char *method;  /* "GET", "POST", "PATCH", "DELETE" */
    const char *pattern; /* segments; ":name" captures one segment; a final "*"
                          * matches the rest of the path (one byte or more) */
    int (*handler)(struct req *r);
    enum route_auth auth;
    enum route_body json_body; /* what body it takes (the name is from when JSON was all) */
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
