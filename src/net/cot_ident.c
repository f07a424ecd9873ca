/* cot_ident.c - who a CoT connection is: the person whose rights filter what it
 * receives and under whom its events are written.
 *
 * A TLS connection is the person whose username its client certificate names
 * (cot_tls.c). A plain TCP connection is the person the device of its first PLI
 * is bound to (device_by_uid as the system; an inactive device or a disabled
 * account is nobody); until one is found, retried every COT_IDENT_RETRY_MS, it is
 * anonymous: it receives nothing and its reports are written with no person, so
 * position_ingest takes only those of devices an administrator bound.
 *
 * Identities go stale: once a second (the tick) those whose person may have
 * changed (session_generation() moved since they were loaded) are reloaded, and a
 * plain TCP connection's device is verified again every COT_IDENT_RETRY_MS (an
 * administrator deactivating a lost phone or binding it to someone else does not
 * move the generation). A disabled account, or a device no longer active and
 * bound to the same person, cuts the connection off (revoked).
 *
 * The generation is read before the person is loaded: read after, a change
 * committed in between would be taken as seen while the old rights stay. */
#include "util/base.h"
#include "net/cot_int.h"
#include "core/person.h"
#include "core/position.h"
#include "core/session.h"
#include "core/unit.h"
#include "util/log.h"
#include "util/time.h"

const struct core_user cot_ident_anonymous = {.username = "cot"};

const struct core_user *cot_ident_user(const struct cot_conn *c)
{
    return c->identified ? &c->user : &cot_ident_anonymous;
}

static struct core_ctx system_cx(struct cot_server *s, struct arena *a)
{
    return (struct core_ctx){.st = s->st,
                             .arena = a,
                             .user = &core_system_user,
                             .client = "cot",
                             .now_ms = time_now_ms()};
}

/* The core_user of a person (by id, or by username when username is not NULL),
 * strings in a. False when there is none or the account is disabled. */
static bool load_person_user(struct cot_server *s, struct arena *a, int64_t person_id,
                             const char *username, struct core_user *out)
{
    struct core_ctx cx = system_cx(s, a);
    struct person p;
    struct unit u;
    ph_err rc = username != NULL ? person_get_by_username(&cx, username, &p)
                                 : person_get(&cx, person_id, &p);

    if (rc != PH_OK || p.is_disabled)
        return false;
    memset(&u, 0, sizeof(u));
    if (p.unit_id != 0 && unit_get(&cx, p.unit_id, &u) != PH_OK)
        return false;
    memset(out, 0, sizeof(*out));
    out->person_id = p.id;
    out->username = p.username;
    out->full_name = p.full_name;
    out->roles = p.roles;
    out->clearance = p.clearance;
    out->unit_id = p.unit_id;
    out->unit_path = u.path;
    out->unit_level = u.level;
    out->force = u.force;
    return true;
}

bool cot_ident_device_person(struct cot_server *s, struct arena *a, const char *uid,
                             int64_t *device_id, struct core_user *out)
{
    struct core_ctx cx = system_cx(s, a);
    struct device d;

    if (device_by_uid(&cx, uid, &d) != PH_OK)
        return false;
    *device_id = d.id;
    if (d.person_id == 0 || !d.is_active)
        return false;
    return load_person_user(s, a, d.person_id, NULL, out);
}

/* Make u (loaded when session_generation() was gen) c's identity. The first
 * time, c gets the picture (cot_welcome_request: read off the loop). */
static void set_identity(struct cot_conn *c, const struct core_user *u, uint64_t gen)
{
    struct core_user tmp = *u;
    bool was = c->identified;
    struct arena fresh;

    /* u may live in c->user_arena: copy out through a fresh arena. */
    arena_init(&fresh);
    core_user_copy(&fresh, &c->user, &tmp);
    arena_release(&c->user_arena);
    c->user_arena = fresh;
    c->generation = gen;
    if (!was) {
        c->identified = true;
        atomic_fetch_add(&c->s->n_identified, 1);
        log_info("cot: %s %s is %s", cot_transport(c), c->peer, c->user.username);
        cot_welcome_request(c);
    }
}

void cot_ident_release(struct cot_conn *c)
{
    if (c->identified) {
        atomic_fetch_sub(&c->s->n_identified, 1);
        c->identified = false;
    }
    arena_release(&c->user_arena);
    arena_init(&c->user_arena);
    memset(&c->user, 0, sizeof(c->user));
}

/* ---- plain TCP: by device -------------------------------------------------------------- */

static void identify_by_device(struct cot_conn *c, const char *uid)
{
    uint64_t gen = session_generation();
    struct arena a;
    struct core_user u;
    int64_t device_id = 0;

    c->ident_tried_at = time_now_ms();
    arena_init(&a);
    if (cot_ident_device_person(c->s, &a, uid, &device_id, &u)) {
        free(c->ident_uid);
        c->ident_uid = xstrdup(uid);
        set_identity(c, &u, gen);
    }
    if (device_id != 0)
        c->device_id = device_id;
    arena_release(&a);
}

void cot_ident_on_pli(struct cot_conn *c, const char *uid)
{
    if (c->identified || c->is_tls)
        return;
    if (c->ident_tried_at == 0 || time_now_ms() - c->ident_tried_at >= COT_IDENT_RETRY_MS)
        identify_by_device(c, uid);
}

/* ---- TLS: by username --------------------------------------------------------------------- */

bool cot_ident_by_username(struct cot_conn *c, const char *username)
{
    uint64_t gen = session_generation();
    struct arena a;
    struct core_user u;
    bool ok;

    arena_init(&a);
    ok = person_username_valid(username) && load_person_user(c->s, &a, 0, username, &u);
    if (ok)
        set_identity(c, &u, gen);
    arena_release(&a);
    return ok;
}

/* ---- staying who one is ----------------------------------------------------------------- */

/* Load c's person again (through its device for plain TCP, which must still be
 * active and bound to the same person); false when c is nobody now. */
static bool reload(struct cot_conn *c, uint64_t gen)
{
    struct arena a;
    struct core_user u;
    int64_t device_id = 0;
    bool ok;

    arena_init(&a);
    if (c->ident_uid != NULL)
        ok = cot_ident_device_person(c->s, &a, c->ident_uid, &device_id, &u) &&
             u.person_id == c->user.person_id;
    else
        ok = load_person_user(c->s, &a, c->user.person_id, NULL, &u);
    if (ok)
        set_identity(c, &u, gen);
    arena_release(&a);
    return ok;
}

void cot_ident_recheck(struct cot_server *s)
{
    uint64_t gen = session_generation();
    int64_t now = time_now_ms();
    h2o_linklist_t *node, *next;

    s->generation = gen;
    for (node = s->conns.next; node != &s->conns; node = next) {
        struct cot_conn *c = H2O_STRUCT_FROM_MEMBER(struct cot_conn, link, node);
        bool device_due = c->ident_uid != NULL && now - c->ident_tried_at >= COT_IDENT_RETRY_MS;
        next = node->next;
        if (!c->identified || (c->generation == gen && !device_due))
            continue;
        if (c->ident_uid != NULL)
            c->ident_tried_at = now;
        if (!reload(c, gen))
            cot_conn_close(c, COT_C_CUT_REVOKED);
    }
}
