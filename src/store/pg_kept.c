/* pg_kept.c - kept answers (pg_get_kept): rows that change rarely (categories,
 * settings, areas by id) kept per connection by statement and parameters,
 * within a byte budget, and dropped when the reference revision moves
 * (pg_ref_check). */
#include "util/base.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store/pg_int.h"
#include "util/mem.h"

/* ---- kept answers (pg_get_kept) ---------------------------------------------------- */

/* The parameters as one string: each value's length, then the value ("-" for
 * NULL), so that no two lists give the same key. NULL when one is binary. */
static char *kept_key(const struct pg_args *a)
{
    size_t size = 1;
    int n = a != NULL ? a->n : 0;

    for (int i = 0; i < n; i++) {
        if (a->fmt[i] != 0)
            return NULL;
        size += a->v[i] != NULL ? strlen(a->v[i]) + 22 : 2;
    }
    char *key = xmalloc(size);
    size_t at = 0;
    key[0] = '\0';
    for (int i = 0; i < n; i++)
        at += (size_t)(a->v[i] != NULL
                           ? snprintf(key + at, size - at, "%zu:%s", strlen(a->v[i]), a->v[i])
                           : snprintf(key + at, size - at, "-;"));
    return key;
}

static size_t kept_slot(const char *sql, const char *key)
{
    uint64_t h = (uint64_t)(uintptr_t)sql * 0x9e3779b97f4a7c15ULL;
    for (const char *c = key; *c != '\0'; c++)
        h = (h ^ (unsigned char)*c) * 0x100000001b3ULL;
    return (size_t)(h >> 32) % PG_RESULTS_KEPT;
}

static size_t result_bytes(const PGresult *res)
{
    size_t n = 0;
    for (int r = 0; r < PQntuples(res); r++)
        for (int c = 0; c < PQnfields(res); c++)
            n += (size_t)PQgetlength(res, r, c);
    return n;
}

void pg_kept_clear(struct store_pg *p, struct pg_result_kept *k)
{
    p->kept_bytes -= k->bytes;
    PQclear(k->res);
    free(k->key);
    memset(k, 0, sizeof(*k));
}

ph_err pg_get_kept(struct store_pg *p, struct arena *ar, const char *sql, const struct pg_args *a,
                   const char *what, pg_read_fn read, void *out)
{
    bool usable = false;
    int64_t rev = 0;
    char *key = NULL;
    PGresult *res = NULL;
    ph_err rc = pg_ref_check(p, &usable, &rev);

    if (rc != PH_OK)
        return rc;
    if (!usable || (key = kept_key(a)) == NULL)
        return pg_get(p, ar, sql, a, what, read, out);
    struct pg_result_kept *k = &p->results_kept[kept_slot(sql, key)];
    if (k->epoch == p->ref_epoch && k->rev == rev && k->sql == sql && strcmp(k->key, key) == 0) {
        free(key);
        p->kept_hits++;
        return pg_first_row(k->res, ar, read, out);
    }
    if ((rc = pg_exec(p, sql, a, what, &res)) != PH_OK) {
        free(key);
        return rc;
    }
    rc = pg_first_row(res, ar, read, out);
    pg_kept_clear(p, k);
    size_t bytes = result_bytes(res) + strlen(key);
    if (p->kept_bytes + bytes > PG_KEPT_BUDGET) {
        PQclear(res);
        free(key);
        return rc;
    }
    *k = (struct pg_result_kept){.epoch = p->ref_epoch, .rev = rev, .sql = sql, .key = key,
                                 .res = res, .bytes = bytes};
    p->kept_bytes += bytes;
    return rc;
}
