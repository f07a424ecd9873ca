/* stats.c - timeliness figures: per unit and per force, the share of first
 * reports made within the rule's deadline, the share of "received"
 * acknowledgements made within theirs, and the median and 90th-percentile
 * delays.
 *
 * The store gives one row per report and per acknowledgement due, already cut to
 * the period, to "actual" incidents (drills and tests never count) and to what
 * the caller may see; here they are only counted. Any role may ask: the scope,
 * not the role, limits what is counted, so a commune sees its own figures and
 * the province sees everyone's.
 *
 * An acknowledgement still pending has no delay yet: it is left out of the
 * delays but counted, as late once its deadline has passed (the row's on_time
 * says which), so that not answering never looks better than answering late. */
#include "util/base.h"
#include "core/access.h"
#include "core/ctx.h"
#include "core/incident.h"
#include "core/stats.h"
#include "core/unit.h"
#include "store/store.h"
#include "util/arena.h"

static const char *const stats_forces[] = {"police", "military", "border_guard"};

/* The delays of one group, before ranking. */
struct delays {
    int64_t *v;
    size_t n;
};

static int cmp_i64(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;

    return (a > b) - (a < b);
}

/* Nearest rank: the smallest value with at least pct percent of the values at or
 * below it, i.e. the ceil(pct/100 * n)-th in ascending order. Sorts d. */
static int64_t percentile(struct delays *d, int pct)
{
    size_t rank;

    if (d->n == 0)
        return 0;
    qsort(d->v, d->n, sizeof(*d->v), cmp_i64);
    rank = ((size_t)pct * d->n + 99) / 100;
    if (rank < 1)
        rank = 1;
    return d->v[rank - 1];
}

/* Add row r to the figures *t, its delay to the report or ack delays. */
static void count_row(const struct store_timeliness_row *r, struct stats_timeliness *t,
                      struct delays *report, struct delays *ack)
{
    if (strcmp(r->kind, "report") == 0) {
        t->reports++;
        t->reports_on_time += r->on_time;
        if (r->delay_ms >= 0)
            report->v[report->n++] = r->delay_ms;
    } else if (strcmp(r->kind, "ack") == 0) {
        t->acks++;
        t->acks_on_time += r->on_time;
        if (!r->pending && r->delay_ms >= 0)
            ack->v[ack->n++] = r->delay_ms;
    }
}

static void finish(struct stats_timeliness *t, struct delays *report, struct delays *ack)
{
    t->report_delay_p50_ms = percentile(report, 50);
    t->report_delay_p90_ms = percentile(report, 90);
    t->ack_delay_p50_ms = percentile(ack, 50);
    t->ack_delay_p90_ms = percentile(ack, 90);
}

/* Rows by unit id (then as they came, for a stable grouping). */
static int cmp_row_unit(const void *x, const void *y)
{
    const struct store_timeliness_row *a = *(const struct store_timeliness_row *const *)x;
    const struct store_timeliness_row *b = *(const struct store_timeliness_row *const *)y;

    return (a->unit_id > b->unit_id) - (a->unit_id < b->unit_id);
}

ph_err stats_timeliness(struct core_ctx *cx, const struct stats_period *p,
                        struct stats_timeliness **units, size_t *n_units,
                        struct stats_timeliness **forces, size_t *n_forces)
{
    struct access_item item = {.kind = ITEM_AREA}; /* readable by every role */
    struct incident_scope scope;
    struct store_timeliness_row *rows = NULL, **by_unit;
    struct stats_timeliness *u_out, *f_out;
    struct delays report, ack;
    size_t n = 0, nu = 0, nf = 0;
    ph_err rc;

    if (!access_allows(cx->user, ACCESS_READ, &item, NULL))
        return PH_EPERM;
    if ((p->to != 0 && p->to < p->from) || (p->force != NULL && !force_is_valid(p->force)) ||
        p->unit_id < 0 || (p->to != 0 ? p->to : cx->now_ms) - p->from > STATS_MAX_PERIOD_MS)
        return PH_EINVAL;
    incident_scope_of(cx->user, &scope);
    if (scope.clearance < 0) {
        /* A caller who may see no incident (no unit, not an administrator). */
        *units = *forces = NULL;
        *n_units = *n_forces = 0;
        return PH_OK;
    }
    rc = store_timeliness_rows(cx->st, cx->arena, p, &scope, cx->now_ms, &rows, &n);
    if (rc != PH_OK)
        return rc;

    /* Scratch for one group's delays: no group has more rows than there are. */
    report.v = arena_alloc(cx->arena, (n + 1) * sizeof(*report.v));
    ack.v = arena_alloc(cx->arena, (n + 1) * sizeof(*ack.v));

    by_unit = arena_alloc(cx->arena, (n + 1) * sizeof(*by_unit));
    for (size_t i = 0; i < n; i++)
        by_unit[i] = &rows[i];
    if (n > 1)
        qsort(by_unit, n, sizeof(*by_unit), cmp_row_unit);
    u_out = arena_zalloc(cx->arena, (n + 1) * sizeof(*u_out));
    for (size_t i = 0; i < n;) {
        struct stats_timeliness *t = &u_out[nu++];
        size_t j = i;
        t->unit_id = by_unit[i]->unit_id;
        t->unit_name = by_unit[i]->unit_name;
        t->force = by_unit[i]->force;
        report.n = ack.n = 0;
        for (; j < n && by_unit[j]->unit_id == t->unit_id; j++)
            count_row(by_unit[j], t, &report, &ack);
        finish(t, &report, &ack);
        i = j;
    }

    f_out = arena_zalloc(cx->arena, PH_NELEM(stats_forces) * sizeof(*f_out));
    for (size_t k = 0; k < PH_NELEM(stats_forces); k++) {
        struct stats_timeliness *t = &f_out[nf];
        report.n = ack.n = 0;
        for (size_t i = 0; i < n; i++)
            if (rows[i].force != NULL && strcmp(rows[i].force, stats_forces[k]) == 0)
                count_row(&rows[i], t, &report, &ack);
        if (t->reports == 0 && t->acks == 0)
            continue;
        t->force = stats_forces[k];
        finish(t, &report, &ack);
        nf++;
    }

    *units = u_out;
    *n_units = nu;
    *forces = f_out;
    *n_forces = nf;
    return PH_OK;
}

/* ---- incident counts ------------------------------------------------------------------- */

ph_err stats_incident_counts(struct core_ctx *cx, int64_t from, int64_t to,
                             struct stats_incident_counts *out)
{
    struct access_item item = {.kind = ITEM_AREA}; /* readable by every role */
    struct incident_scope scope;
    struct store_incident_count *rows = NULL;
    size_t n = 0;
    ph_err rc;

    if (!access_allows(cx->user, ACCESS_READ, &item, NULL))
        return PH_EPERM;
    if ((to != 0 && to <= from) || (to != 0 ? to : cx->now_ms) - from > STATS_MAX_PERIOD_MS)
        return PH_EINVAL;
    memset(out, 0, sizeof(*out));
    out->from = from;
    out->to = to;
    for (size_t k = 0; k < PH_NELEM(stats_forces); k++)
        out->by_force[k].force = stats_forces[k];
    incident_scope_of(cx->user, &scope);
    if (scope.clearance < 0)
        return PH_OK; /* a caller who may see no incident */
    rc = store_incident_counts(cx->st, cx->arena, from, to, &scope, &rows, &n);
    if (rc != PH_OK)
        return rc;

    out->cells = arena_zalloc(cx->arena, (n + 1) * sizeof(*out->cells));
    out->by_category = arena_zalloc(cx->arena, (n + 1) * sizeof(*out->by_category));
    /* Rows come in category id order: a category's total closes when the id changes. */
    for (size_t i = 0; i < n; i++) {
        const struct store_incident_count *r = &rows[i];
        struct stats_count *c;
        if (r->n <= 0)
            continue;
        out->cells[out->n_cells++] = (struct stats_count){
            .category_id = r->category_id, .category = r->category, .force = r->force, .count = r->n};
        c = out->n_by_category > 0 ? &out->by_category[out->n_by_category - 1] : NULL;
        if (c == NULL || c->category_id != r->category_id) {
            c = &out->by_category[out->n_by_category++];
            c->category_id = r->category_id;
            c->category = r->category;
        }
        c->count += r->n;
        for (size_t k = 0; k < PH_NELEM(stats_forces); k++)
            if (r->force != NULL && strcmp(r->force, stats_forces[k]) == 0)
                out->by_force[k].count += r->n;
        out->total += r->n;
    }
    return PH_OK;
}
