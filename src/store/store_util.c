/* store_util.c - see store_util.h. */
#include "util/base.h"
#include "store/store_util.h"
#include <string.h>
#include "core/routing.h"
#include "util/arena.h"
#include "util/limits.h"
#include "util/time.h"

const char *store_like_escape(struct arena *ar, const char *q)
{
    if (q == NULL || q[0] == '\0')
        return NULL;
    size_t n = strlen(q);
    char *out = arena_alloc(ar, 2 * n + 1), *o = out;
    for (const char *p = q; *p != '\0'; p++) {
        if (*p == '%' || *p == '_' || *p == '\\')
            *o++ = '\\';
        *o++ = *p;
    }
    *o = '\0';
    return out;
}

int store_list_limit(int limit)
{
    if (limit <= 0)
        return LIST_DEFAULT_LIMIT;
    return limit > LIST_MAX_LIMIT ? LIST_MAX_LIMIT : limit;
}

int64_t store_time_or_now(int64_t t)
{
    return t != 0 ? t : time_now_ms();
}

const char **store_split_words(struct arena *ar, const char *text, size_t *n)
{
    const char **out = NULL;
    size_t count = 0, cap = 0;

    for (const char *p = text; p != NULL && *p != '\0';) {
        size_t len = strcspn(p, " ");
        if (len > 0) {
            if (count == cap) {
                cap = cap == 0 ? 4 : 2 * cap;
                const char **grown = arena_alloc(ar, cap * sizeof(*grown));
                if (count > 0)
                    memcpy(grown, out, count * sizeof(*grown));
                out = grown;
            }
            out[count++] = arena_strndup(ar, p, len);
        }
        p += len;
        while (*p == ' ')
            p++;
    }
    *n = count;
    return out;
}

int64_t *store_split_ids(struct arena *ar, const char *text, size_t *n)
{
    size_t count = 0;
    const char **words = store_split_words(ar, text, &count);
    int64_t *ids = count > 0 ? arena_alloc(ar, count * sizeof(*ids)) : NULL;

    /* The text is group_concat of integer ids: strtoll cannot fail on it. */
    for (size_t i = 0; i < count; i++)
        ids[i] = strtoll(words[i], NULL, 10);
    *n = count;
    return ids;
}

const char *store_path_upper(struct arena *ar, const char *prefix)
{
    if (prefix == NULL || prefix[0] == '\0')
        return NULL;
    size_t n = strlen(prefix);
    char *hi = arena_strndup(ar, prefix, n);
    /* A last byte of 0xff would wrap; valid UTF-8 (paths, folded words) has
     * none, and NULL leaves such a range empty rather than wrong. */
    if ((unsigned char)hi[n - 1] == 0xff)
        return NULL;
    hi[n - 1] = (char)((unsigned char)hi[n - 1] + 1);
    return hi;
}

struct routing_rule *store_rules_copy(struct arena *ar, const struct routing_rule *rules, size_t n)
{
    struct routing_rule *out = n > 0 ? arena_alloc(ar, n * sizeof(*out)) : NULL;

    for (size_t i = 0; i < n; i++) {
        const struct routing_rule *r = &rules[i];
        struct routing_rule *c = &out[i];
        *c = *r;
        c->name = arena_strdup(ar, r->name);
        c->area_kind = arena_strdup(ar, r->area_kind);
        c->lead_force = arena_strdup(ar, r->lead_force);
        c->inform_forces = NULL;
        c->inform_unit_ids = NULL;
        if (r->n_inform_forces > 0) {
            c->inform_forces = arena_alloc(ar, r->n_inform_forces * sizeof(*c->inform_forces));
            for (size_t j = 0; j < r->n_inform_forces; j++)
                c->inform_forces[j] = arena_strdup(ar, r->inform_forces[j]);
        }
        if (r->n_inform_units > 0) {
            c->inform_unit_ids = arena_alloc(ar, r->n_inform_units * sizeof(*c->inform_unit_ids));
            memcpy(c->inform_unit_ids, r->inform_unit_ids,
                   r->n_inform_units * sizeof(*c->inform_unit_ids));
        }
    }
    return out;
}
