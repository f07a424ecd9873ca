/* auth.h - bearer-token authentication for the router, with a small per-loop cache
 * so that a busy client costs a hash lookup rather than a database query. Entries
 * expire after a few seconds and whenever session_generation() moves (a logout,
 * a disabled account, a role change), so revocation takes effect at once. */
#ifndef PH_HTTP_AUTH_H
#define PH_HTTP_AUTH_H
#include "util/err.h"
struct req;
struct auth_cache;

struct auth_cache *auth_cache_new(void);
void auth_cache_free(struct auth_cache *c);
/* Authenticate r from its Authorization header; fills r->user and r->session_id.
 * PH_EAUTH when missing or not valid. */
ph_err auth_request(struct req *r);
#endif
