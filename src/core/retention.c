/* retention.c - position retention (core/position.h, position_retention_run;
 * the decision and its arithmetic are in docs/PERFORMANCE.md and migration 008).
 *
 * Positions older than keep_full are thinned once, device by device, a day at a
 * time (a "piece": [start, start + span), span a whole number of thin
 * intervals, so that no thin interval straddles two pieces):
 *   - outside the active intervals of the operations the device's person was
 *     assigned to, the first point of each thin interval is kept;
 *   - inside such an interval, the points the track needs: its first and last,
 *     and those Douglas-Peucker keeps at the tolerance. The distance it measures
 *     is the time-synchronised one (from a point to where the simplified track
 *     puts the device at that point's time), so a stop, a turn and a change of
 *     speed all survive, and the kept track is everywhere within the tolerance
 *     of the full one, in space and in time. A straight run at constant speed
 *     keeps its two ends.
 * An interval cut by a piece's edge is simplified piece by piece, each with its
 * ends kept: a few more points, never a worse shape.
 *
 * Progress is stored (position_retention: the pass's window, the devices done,
 * how far the current device is), so each call examines at most max_rows rows
 * and the next call goes on where it stopped; every point is examined once.
 * Stretches with no points (a phone switched off for weeks) are skipped with one
 * index seek (store_position_first). */
#include "util/base.h"
#include <math.h>
#include "core/ctx.h"
#include "core/position.h"
#include "store/store.h"
#include "util/arena.h"

#define MS_PER_DAY (24LL * 60 * 60 * 1000)
/* Metres per degree of latitude (mean Earth radius 6,371,008.8 m). */
#define M_PER_DEG (6371008.8 * 3.14159265358979323846 / 180.0)
/* Devices read per store call. */
#define DEVICES_PAGE 64

static int64_t floor_to(int64_t t, int64_t step)
{
    int64_t q = t / step;
    return (t % step != 0 && t < 0 ? q - 1 : q) * step;
}

/* ---- the shape of a track --------------------------------------------------------- */

/* Metres between where p is and where the segment a -> b puts the device at p's
 * time (a local flat projection: tracks are kilometres, not continents). */
static double sync_dist_m(const struct position_point *a, const struct position_point *b,
                          const struct position_point *p)
{
    double f = b->at > a->at ? (double)(p->at - a->at) / (double)(b->at - a->at) : 0.0;
    double lat = a->lat + f * (b->lat - a->lat), lon = a->lon + f * (b->lon - a->lon);
    double dy = (p->lat - lat) * M_PER_DEG;
    double dx = (p->lon - lon) * M_PER_DEG * cos(p->lat * 3.14159265358979323846 / 180.0);
    return sqrt(dx * dx + dy * dy);
}

/* Mark keep[] for the points of pts[lo..hi] Douglas-Peucker keeps at tol_m (ends
 * included). An explicit stack of index pairs: a day at one fix per second is
 * 86,400 points, too deep for recursion. */
static void simplify(struct arena *a, const struct position_point *pts, size_t lo, size_t hi,
                     double tol_m, bool *keep)
{
    size_t cap = 64, top = 0;
    size_t *stack = arena_alloc(a, cap * 2 * sizeof(*stack));

    keep[lo] = keep[hi] = true;
    stack[top++] = lo;
    stack[top++] = hi;
    while (top > 0) {
        size_t j = stack[--top], i = stack[--top], far = 0;
        double dmax = -1;
        for (size_t k = i + 1; k < j; k++) {
            double d = sync_dist_m(&pts[i], &pts[j], &pts[k]);
            if (d > dmax) {
                dmax = d;
                far = k;
            }
        }
        if (j <= i + 1 || dmax <= tol_m)
            continue;
        keep[far] = true;
        if (top + 4 > cap * 2) {
            size_t *grown = arena_alloc(a, cap * 4 * sizeof(*grown));
            memcpy(grown, stack, top * sizeof(*stack));
            stack = grown;
            cap *= 2;
        }
        stack[top++] = i;
        stack[top++] = far;
        stack[top++] = far;
        stack[top++] = j;
    }
}

/* Thin one piece [start, *end) of device_id (of person_id, 0: none), reading at
 * most about limit rows: when there are more, *end comes back to the start of
 * the thin interval of the last row read (the rest is the next piece's), but
 * never below the end of the first interval, so that each piece moves on.
 * *examined and *deleted get the rows read and removed. */
static ph_err thin_piece(struct core_ctx *cx, const struct position_retention *p,
                         int64_t device_id, int64_t person_id, int64_t start, int64_t *end,
                         int limit, int64_t *examined, int64_t *deleted)
{
    struct position_point *pts = NULL;
    struct store_interval *ivs = NULL;
    size_t n = 0, n_ivs = 0, n_del = 0;
    ph_err rc = store_position_range(cx->st, cx->arena, device_id, start, *end, limit, &pts, &n);

    *examined = (int64_t)n;
    *deleted = 0;
    if (rc == PH_OK && n > 0 && n == (size_t)limit) {
        int64_t cut = floor_to(pts[n - 1].at, p->thin_interval_ms);
        if (cut <= start) { /* one interval holds more than limit: take it whole */
            *end = start + p->thin_interval_ms < *end ? start + p->thin_interval_ms : *end;
            rc = store_position_range(cx->st, cx->arena, device_id, start, *end, 0, &pts, &n);
        } else {
            *end = cut < *end ? cut : *end;
            while (n > 0 && pts[n - 1].at >= *end) /* the rows read are a prefix */
                n--;
        }
        *examined = (int64_t)n;
    }
    if (rc != PH_OK || n == 0)
        return rc;
    if (person_id != 0)
        rc = store_retention_intervals(cx->st, cx->arena, person_id, start, *end, &ivs, &n_ivs);
    if (rc != PH_OK)
        return rc;
    bool *keep = arena_zalloc(cx->arena, n * sizeof(*keep));
    bool *in_op = arena_zalloc(cx->arena, n * sizeof(*in_op));

    /* Inside operations: the shape. Intervals come by start; points by time. */
    for (size_t v = 0; v < n_ivs; v++) {
        size_t lo = 0, hi;
        while (lo < n && pts[lo].at < ivs[v].start)
            lo++;
        if (lo == n || pts[lo].at > ivs[v].end)
            continue;
        for (hi = lo; hi + 1 < n && pts[hi + 1].at <= ivs[v].end; hi++)
            ;
        for (size_t k = lo; k <= hi; k++)
            in_op[k] = true;
        simplify(cx->arena, pts, lo, hi, p->tolerance_m, keep);
    }
    /* Outside: the first point of each thin interval. */
    int64_t bucket = INT64_MIN;
    for (size_t k = 0; k < n; k++) {
        if (in_op[k])
            continue;
        int64_t bk = floor_to(pts[k].at, p->thin_interval_ms);
        if (bk != bucket) {
            keep[k] = true;
            bucket = bk;
        }
    }
    int64_t *gone = arena_alloc(cx->arena, n * sizeof(*gone));
    for (size_t k = 0; k < n; k++)
        if (!keep[k])
            gone[n_del++] = pts[k].at;
    if (n_del > 0)
        rc = store_position_delete_at(cx->st, device_id, gone, n_del);
    if (rc == PH_OK)
        *deleted = (int64_t)n_del;
    return rc;
}

/* ---- expiry ----------------------------------------------------------------------- */

/* Delete points older than keep_ms, at most *budget rows; *budget goes down by
 * what was deleted. *done false when the budget ran out first. */
static ph_err expire(struct core_ctx *cx, const struct position_retention *p, int64_t *budget,
                     int64_t *deleted, bool *done)
{
    int64_t before = cx->now_ms - p->keep_ms, after = 0;
    ph_err rc = PH_OK;

    *done = true;
    for (;;) {
        int64_t *ids = NULL, *people = NULL;
        size_t n = 0;
        rc = store_retention_devices(cx->st, cx->arena, after, DEVICES_PAGE, &ids, &people, &n);
        if (rc != PH_OK || n == 0)
            return rc;
        for (size_t i = 0; i < n; i++) {
            int gone = 0;
            if (*budget <= 0) {
                *done = false;
                return PH_OK;
            }
            rc = store_position_expire(cx->st, ids[i], before,
                                       *budget > INT32_MAX ? INT32_MAX : (int)*budget, &gone);
            if (rc != PH_OK)
                return rc;
            *budget -= gone;
            *deleted += gone;
            if (*budget <= 0) {
                *done = false;
                return PH_OK;
            }
        }
        after = ids[n - 1];
    }
}

/* ---- the run ---------------------------------------------------------------------- */

ph_err position_retention_run(struct core_ctx *cx, const struct position_retention *p,
                              int64_t *deleted, bool *more)
{
    struct store_retention st;
    int64_t budget, del = 0, span, cutoff;
    bool expired_all = true;
    ph_err rc;

    *deleted = 0;
    *more = false;
    if (p->thin_interval_ms <= 0 || p->keep_full_ms < 0 || p->keep_ms < 0 || p->max_rows <= 0 ||
        !(p->tolerance_m >= 0) || (p->keep_ms > 0 && p->keep_ms < p->keep_full_ms))
        return PH_EINVAL;
    budget = p->max_rows;
    /* A piece: about a day, a whole number of thin intervals. */
    span = (MS_PER_DAY + p->thin_interval_ms - 1) / p->thin_interval_ms * p->thin_interval_ms;
    cutoff = floor_to(cx->now_ms - p->keep_full_ms, p->thin_interval_ms);

    rc = store_retention_get(cx->st, &st);
    if (rc != PH_OK)
        return rc;
    if (p->keep_ms > 0)
        rc = expire(cx, p, &budget, &del, &expired_all);
    if (rc != PH_OK)
        return rc;
    if (st.window_end == 0 && cutoff > st.thinned_until) {
        /* A new pass over [thinned_until, cutoff). */
        st.window_end = cutoff;
        st.device_after = 0;
        st.device_until = st.thinned_until;
    }
    while (rc == PH_OK && st.window_end != 0 && budget > 0) {
        int64_t *ids = NULL, *people = NULL;
        size_t n = 0;
        rc = store_retention_devices(cx->st, cx->arena, st.device_after, DEVICES_PAGE, &ids,
                                     &people, &n);
        if (rc != PH_OK)
            break;
        if (n == 0) { /* every device is done: the pass is */
            st.thinned_until = st.window_end;
            st.window_end = st.device_after = st.device_until = 0;
            break;
        }
        for (size_t i = 0; rc == PH_OK && i < n && budget > 0; i++) {
            int64_t from = st.device_until > st.thinned_until ? st.device_until : st.thinned_until;
            while (rc == PH_OK && budget > 0) {
                int64_t first = 0, examined = 0, gone = 0;
                rc = store_position_first(cx->st, ids[i], from, &first);
                if (rc == PH_ENOTFOUND || (rc == PH_OK && first >= st.window_end)) {
                    rc = PH_OK;
                    from = st.window_end; /* nothing more to thin here */
                    break;
                }
                if (rc != PH_OK)
                    break;
                int64_t start = floor_to(first, p->thin_interval_ms);
                if (start < from)
                    start = from;
                int64_t end = start + span < st.window_end ? start + span : st.window_end;
                rc = thin_piece(cx, p, ids[i], people[i], start, &end,
                                budget > INT32_MAX ? INT32_MAX : (int)budget, &examined, &gone);
                budget -= examined > 0 ? examined : 1;
                del += gone;
                from = end;
            }
            if (rc != PH_OK)
                break;
            if (from >= st.window_end) {
                st.device_after = ids[i];
                st.device_until = 0;
            } else {
                st.device_until = from; /* out of budget inside this device */
            }
        }
    }
    if (rc != PH_OK)
        return rc;
    st.runs++;
    st.deleted += del;
    rc = store_retention_put(cx->st, &st);
    if (rc != PH_OK)
        return rc;
    *deleted = del;
    *more = !expired_all || st.window_end != 0;
    return PH_OK;
}
