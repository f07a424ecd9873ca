/* pg_args.c - the parameters of a PostgreSQL statement (struct pg_args of
 * pg_int.h): text, numbers, ids (0 as NULL), bytes, id and text arrays, access
 * scopes, as libpq's text or binary values. */
#include "util/base.h"
#include <stdio.h>
#include <string.h>
#include "store/pg_int.h"
#include "util/arena.h"

/* ---- parameters ------------------------------------------------------------------- */

static bool arg_slot(struct pg_args *a)
{
    if (a->n >= PG_ARGS_MAX) {
        a->overflow = true;
        return false;
    }
    a->len[a->n] = 0;
    a->fmt[a->n] = 0;
    return true;
}

void pg_arg_text(struct pg_args *a, const char *text)
{
    if (arg_slot(a))
        a->v[a->n++] = text;
}

void pg_arg_i64(struct pg_args *a, int64_t v)
{
    if (!arg_slot(a))
        return;
    snprintf(a->num[a->n], sizeof(a->num[a->n]), "%lld", (long long)v);
    a->v[a->n] = a->num[a->n];
    a->n++;
}

void pg_arg_id(struct pg_args *a, int64_t id)
{
    if (id == 0)
        pg_arg_null(a);
    else
        pg_arg_i64(a, id);
}

void pg_arg_f64(struct pg_args *a, double v)
{
    if (!arg_slot(a))
        return;
    /* 17 significant digits give the same double back. */
    snprintf(a->num[a->n], sizeof(a->num[a->n]), "%.17g", v);
    a->v[a->n] = a->num[a->n];
    a->n++;
}

void pg_arg_null(struct pg_args *a)
{
    if (arg_slot(a))
        a->v[a->n++] = NULL;
}

void pg_arg_bytes(struct pg_args *a, const void *data, size_t len)
{
    if (!arg_slot(a))
        return;
    a->v[a->n] = data;
    a->len[a->n] = (int)len;
    a->fmt[a->n] = 1; /* binary: the bytes as they are */
    a->n++;
}

void pg_arg_ids(struct pg_args *a, struct arena *ar, const int64_t *ids, size_t n)
{
    /* "{1,2,3}": at most 20 digits, a sign and a comma each. */
    char *lit = arena_alloc(ar, n * 22 + 3), *o = lit;
    *o++ = '{';
    for (size_t i = 0; i < n; i++)
        o += snprintf(o, 23, "%s%lld", i > 0 ? "," : "", (long long)ids[i]);
    *o++ = '}';
    *o = '\0';
    pg_arg_text(a, lit);
}

void pg_arg_texts(struct pg_args *a, struct arena *ar, const char *const *texts, size_t n)
{
    /* Each element double-quoted, with " and \ escaped by \; NULL is NULL. */
    size_t size = 3;
    for (size_t i = 0; i < n; i++)
        size += texts[i] != NULL ? 2 * strlen(texts[i]) + 3 : 5;
    char *lit = arena_alloc(ar, size), *o = lit;
    *o++ = '{';
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            *o++ = ',';
        if (texts[i] == NULL) {
            memcpy(o, "NULL", 4);
            o += 4;
            continue;
        }
        *o++ = '"';
        for (const char *p = texts[i]; *p != '\0'; p++) {
            if (*p == '"' || *p == '\\')
                *o++ = '\\';
            *o++ = *p;
        }
        *o++ = '"';
    }
    *o++ = '}';
    *o = '\0';
    pg_arg_text(a, lit);
}

int pg_arg_range(struct pg_args *a, struct arena *ar, const char *path)
{
    int first = a->n + 1;
    bool any = path != NULL && path[0] != '\0';

    pg_arg_text(a, any ? path : NULL);
    pg_arg_text(a, any ? store_path_upper(ar, path) : NULL);
    return first;
}

int pg_arg_scope(struct pg_args *a, struct arena *ar, const struct incident_scope *scope)
{
    int first = a->n + 1;

    /* The system's NULL scope sees every classification (4 is the highest). */
    pg_arg_i64(a, scope != NULL ? scope->clearance : 1000);
    (void)pg_arg_range(a, ar, scope != NULL ? scope->unit_path : NULL);
    return first;
}

void pg_arg_created(struct pg_args *a, int64_t created_at, int64_t updated_at)
{
    int64_t created = store_time_or_now(created_at);

    pg_arg_i64(a, created);
    pg_arg_i64(a, updated_at != 0 ? updated_at : created);
}
