/* hsquery.c - the parameters of a hot-spot analysis from text (hsquery.h).
 * Numbers are read strictly: strtod and strtoll alone would take leading blanks,
 * "+", hexadecimal floats, "inf" and "nan", none of which a caller means. */
#include "util/base.h"
#include <math.h>
#include "proto/hsquery.h"
#include "util/arena.h"

/* A plain decimal number: an optional '-', digits, an optional fraction and
 * exponent, finite. */
static bool parse_real(const char *s, double *out)
{
    const char *p = s;
    char *end;

    if (*p == '-')
        p++;
    if (!(*p >= '0' && *p <= '9') && !(*p == '.' && p[1] >= '0' && p[1] <= '9'))
        return false;
    for (const char *c = p; *c != '\0'; c++)
        if (!((*c >= '0' && *c <= '9') || *c == '.' || *c == 'e' || *c == 'E' || *c == '-' ||
              *c == '+'))
            return false;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || *end != '\0' || !isfinite(v))
        return false;
    *out = v;
    return true;
}

static bool parse_int(const char *s, int64_t *out)
{
    char *end;

    if (!(*s >= '0' && *s <= '9'))
        return false;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return false;
    *out = v;
    return true;
}

/* A positive real parameter into *out (untouched when absent). */
static bool positive_param(hsquery_get_fn get, void *ctx, const char *name, double *out)
{
    const char *v = get(ctx, name);
    double d;

    if (v == NULL)
        return true;
    if (!parse_real(v, &d) || !(d > 0))
        return false;
    *out = d;
    return true;
}

static bool code_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/* "theft,robbery" into codes (in a). */
static bool parse_categories(const char *s, struct arena *a, const char *const **out, size_t *n)
{
    const char **codes = arena_alloc(a, HOTSPOT_CATEGORIES_MAX * sizeof(*codes));
    size_t k = 0;
    const char *p = s;

    for (;;) {
        const char *start = p;
        while (*p != '\0' && *p != ',') {
            if (!code_char(*p))
                return false;
            p++;
        }
        size_t len = (size_t)(p - start);
        if (len == 0 || len > HSQUERY_CODE_MAX_BYTES || k == HOTSPOT_CATEGORIES_MAX)
            return false;
        codes[k++] = arena_strndup(a, start, len);
        if (*p == '\0')
            break;
        p++; /* the comma; a trailing one leaves an empty code, refused above */
    }
    *out = codes;
    *n = k;
    return true;
}

ph_err hsquery_parse(hsquery_get_fn get, void *ctx, struct arena *a, struct hsquery *out,
                     const char **field)
{
    struct hotspot_query *q = &out->q;
    const char *v;
    int64_t i;
    ph_err rc = PH_EINVAL;

    *field = NULL;
    if ((v = get(ctx, "category")) != NULL &&
        !parse_categories(v, a, &q->categories, &q->n_categories)) {
        *field = "category";
        goto out;
    }
    if ((v = get(ctx, "force")) != NULL) {
        if (*v == '\0' || strlen(v) > HSQUERY_CODE_MAX_BYTES) {
            *field = "force";
            goto out;
        }
        q->force = arena_strdup(a, v);
    }
    if ((v = get(ctx, "area_id")) != NULL) {
        if (!parse_int(v, &i) || i <= 0) {
            *field = "area_id";
            goto out;
        }
        q->area_id = i;
    }
    if ((v = get(ctx, "weight")) != NULL) {
        if (strcmp(v, "severity") != 0 && strcmp(v, "count") != 0) {
            *field = "weight";
            goto out;
        }
        q->weight_by_severity = strcmp(v, "severity") == 0;
    }
    if ((v = get(ctx, "shape")) != NULL) {
        if (strcmp(v, "hexagon") != 0 && strcmp(v, "square") != 0) {
            *field = "shape";
            goto out;
        }
        q->shape = strcmp(v, "hexagon") == 0 ? HS_HEXAGON : HS_SQUARE;
    }
    if (!positive_param(get, ctx, "cell", &q->cell_m)) {
        *field = "cell";
        goto out;
    }
    const char *weights = get(ctx, "weights"), *k = get(ctx, "k");
    if (weights != NULL && strcmp(weights, "band") != 0 && strcmp(weights, "knn") != 0) {
        *field = "weights";
        goto out;
    }
    q->gi.weights = (weights != NULL ? strcmp(weights, "knn") == 0 : k != NULL) ? HS_KNN
                                                                               : HS_DISTANCE_BAND;
    if (k != NULL) {
        if (!parse_int(k, &i) || i < 1 || i > HS_KNN_MAX) {
            *field = "k";
            goto out;
        }
        q->gi.k = (int)i;
    }
    if (!positive_param(get, ctx, "band", &q->gi.band_m)) {
        *field = "band";
        goto out;
    }
    if (!positive_param(get, ctx, "alpha", &q->gi.alpha) || !(q->gi.alpha < 1)) {
        *field = "alpha";
        goto out;
    }
    if ((v = get(ctx, "slice")) != NULL) {
        static const struct {
            const char *name;
            int64_t days;
        } slices[] = {{"day", 1}, {"week", 7}, {"month", 30}};
        out->slice = NULL;
        for (size_t s = 0; s < PH_NELEM(slices); s++)
            if (strcmp(v, slices[s].name) == 0) {
                out->slice = slices[s].name;
                q->slice_ms = slices[s].days * HSQUERY_DAY_MS;
            }
        if (out->slice == NULL) {
            *field = "slice";
            goto out;
        }
    }
    if ((v = get(ctx, "time_neighbours")) != NULL) {
        /* 0 would be "unset" to the core (its default, 1), not "space only". */
        if (!parse_int(v, &i) || i < 1 || i > HSQUERY_TIME_NEIGHBOURS_MAX) {
            *field = "time_neighbours";
            goto out;
        }
        q->time_neighbours = (int)i;
    }
    if (!positive_param(get, ctx, "bandwidth", &q->bandwidth_m)) {
        *field = "bandwidth";
        goto out;
    }
    rc = PH_OK;
out:
    return rc;
}

const char *hsquery_shape_name(enum hs_shape s)
{
    return s == HS_HEXAGON ? "hexagon" : "square";
}

const char *hsquery_weights_name(enum hs_weights w)
{
    return w == HS_KNN ? "knn" : "band";
}
