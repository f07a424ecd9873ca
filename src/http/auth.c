/* auth.c - bearer tokens to users, through a per-loop cache.
 *
 * The cache is keyed by the token's BLAKE2b hash (never the token itself) and
 * holds a copy of the user for at most AUTH_CACHE_TTL_MS, never past the token's
 * expiry, and only while session_generation() is unchanged: any revocation or
 * account change anywhere in the process empties every cache on its next use. */
#include "util/base.h"
#include "http/auth.h"
#include "http/http_int.h"
#include "core/session.h"
#include "security/token.h"
#include "util/mem.h"

#define AUTH_CACHE_SLOTS 1024 /* power of two */
#define AUTH_CACHE_TTL_MS 5000

struct auth_entry {
    uint8_t hash[32];
    uint64_t generation;
    int64_t until_ms;
    int64_t session_id;
    struct core_user user;
    char *strings; /* one block holding user's strings */
};

struct auth_cache {
    struct auth_entry slots[AUTH_CACHE_SLOTS];
};

struct auth_cache *auth_cache_new(void)
{
    return xcalloc(1, sizeof(struct auth_cache));
}

static void entry_clear(struct auth_entry *e)
{
    free(e->strings);
    memset(e, 0, sizeof(*e));
}

void auth_cache_free(struct auth_cache *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < AUTH_CACHE_SLOTS; i++)
        free(c->slots[i].strings);
    free(c);
}

/* Copy the user's strings into one malloc'd block owned by the entry. */
static void entry_fill(struct auth_entry *e, const struct core_user *u)
{
    const char *src[] = {u->username, u->full_name, u->unit_path, u->unit_level, u->force};
    size_t total = 0;
    for (size_t i = 0; i < PH_NELEM(src); i++)
        total += src[i] ? strlen(src[i]) + 1 : 0;
    char *p = e->strings = xmalloc(total ? total : 1);
    const char **dst[] = {&e->user.username, &e->user.full_name, &e->user.unit_path,
                          &e->user.unit_level, &e->user.force};
    e->user = *u;
    for (size_t i = 0; i < PH_NELEM(src); i++) {
        if (src[i] == NULL) {
            *dst[i] = NULL;
            continue;
        }
        size_t n = strlen(src[i]) + 1;
        memcpy(p, src[i], n);
        *dst[i] = p;
        p += n;
    }
}

static const char *bearer_token(struct req *r)
{
    h2o_req_t *h = r->h2o;
    ssize_t i = h2o_find_header(&h->headers, H2O_TOKEN_AUTHORIZATION, -1);
    if (i < 0)
        return NULL;
    h2o_iovec_t v = h->headers.entries[i].value;
    if (v.len < 8 || strncasecmp(v.base, "bearer ", 7) != 0)
        return NULL;
    size_t off = 7;
    while (off < v.len && v.base[off] == ' ')
        off++;
    return arena_strndup(&r->arena, v.base + off, v.len - off);
}

ph_err auth_request(struct req *r)
{
    const char *token = bearer_token(r);
    if (token == NULL || !token_well_formed(token))
        return PH_EAUTH;
    r->token = token;
    uint8_t hash[32];
    token_hash(token, hash);
    struct auth_cache *c = r->t->auth;
    uint64_t gen = session_generation();
    struct auth_entry *e = &c->slots[(hash[0] | (unsigned)hash[1] << 8) & (AUTH_CACHE_SLOTS - 1)];
    if (e->strings != NULL && memcmp(e->hash, hash, 32) == 0 && e->generation == gen &&
        e->until_ms > r->cx.now_ms) {
        /* Copies: the entry may be replaced while this request waits on the writer. */
        core_user_copy(&r->arena, &r->user, &e->user);
        r->session_id = e->session_id;
        return PH_OK;
    }
    int64_t expires_at = 0;
    ph_err rc = session_authenticate(&r->cx, token, &r->user, &r->session_id, &expires_at);
    if (rc != PH_OK)
        return rc;
    entry_clear(e);
    memcpy(e->hash, hash, 32);
    e->generation = gen;
    e->until_ms = r->cx.now_ms + AUTH_CACHE_TTL_MS;
    if (expires_at > 0 && expires_at < e->until_ms)
        e->until_ms = expires_at;
    e->session_id = r->session_id;
    entry_fill(e, &r->user);
    return PH_OK;
}
