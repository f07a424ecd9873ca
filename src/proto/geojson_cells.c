/* geojson_cells.c - hot-spot surfaces as GeoJSON FeatureCollections
 * (geojson_cells.h). Rings come from the grid (hs_grid_ring), so squares and
 * hexagons are drawn as the analysis counted them. */
#include "util/base.h"
#include <math.h>
#include "proto/geojson_cells.h"
#include "proto/hsquery.h"
#include "util/buf.h"
#include "util/jsonw.h"

static const char *const analysis_names[] = {"gistar", "emerging", "density"};

const char *geojson_cells_kind(int sig)
{
    return sig > 0 ? "hot" : sig < 0 ? "cold" : NULL;
}

bool geojson_cells_shown(const struct hotspot_surface *s, enum geojson_cells_analysis analysis,
                         size_t c)
{
    switch (analysis) {
    case GEOJSON_CELLS_GISTAR:
        return (s->value != NULL && s->value[c] > 0) || (s->sig != NULL && s->sig[c] != 0);
    case GEOJSON_CELLS_EMERGING:
        return s->trend != NULL &&
               (s->trend[c].count > 0 || s->trend[c].trend_class != HS_NO_PATTERN);
    case GEOJSON_CELLS_DENSITY:
        return s->density != NULL && s->density[c] > 0;
    }
    return false;
}

/* A coordinate with 7 decimals, trailing zeros dropped ("106.4", "10.2000001"). */
static void put_coord(struct jsonw *w, double v)
{
    char tmp[40];
    int n = snprintf(tmp, sizeof(tmp), "%.7f", v);
    if (n <= 0 || (size_t)n >= sizeof(tmp))
        return;
    while (n > 1 && tmp[n - 1] == '0')
        n--;
    if (tmp[n - 1] == '.')
        n--;
    jsonw_put(w, tmp, (size_t)n);
}

static void null_member(struct jsonw *w, const char *key)
{
    jsonw_key(w, key);
    JSONW_LIT(w, "null");
}

/* A Gi*, trend or density value: null when not finite (the analysis could not
 * say), rather than a member that is sometimes missing. */
static void real_or_null(struct jsonw *w, const char *key, double v)
{
    if (isfinite(v))
        jsonw_real_member(w, key, v);
    else
        null_member(w, key);
}

static void write_geometry(struct jsonw *w, const struct hs_grid *g, size_t c)
{
    double ring[HS_RING_MAX][2];
    size_t n = hs_grid_ring(g, c, ring);

    jsonw_key(w, "geometry");
    JSONW_LIT(w, "{\"type\":\"Polygon\",\"coordinates\":[[");
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            JSONW_LIT(w, ",");
        JSONW_LIT(w, "[");
        put_coord(w, ring[i][0]);
        JSONW_LIT(w, ",");
        put_coord(w, ring[i][1]);
        JSONW_LIT(w, "]");
    }
    JSONW_LIT(w, "]]}");
    w->comma = true;
}

static void write_properties(struct jsonw *w, const struct hotspot_surface *s,
                             enum geojson_cells_analysis analysis, size_t c)
{
    jsonw_key(w, "properties");
    jsonw_open(w, "{");
    jsonw_int_member(w, "cell", (int64_t)c);
    switch (analysis) {
    case GEOJSON_CELLS_GISTAR: {
        const char *kind = geojson_cells_kind(s->sig[c]);
        jsonw_int_member(w, "count", llround(s->value[c]));
        real_or_null(w, "z", s->z[c]);
        real_or_null(w, "p", s->p[c]);
        jsonw_bool_member(w, "significant", s->sig[c] != 0);
        jsonw_str_member(w, "kind", kind);
        break;
    }
    case GEOJSON_CELLS_EMERGING: {
        const struct hs_emerging_cell *e = &s->trend[c];
        jsonw_int_member(w, "count", e->count);
        jsonw_str_member(w, "trend", hs_trend_name((enum hs_trend_class)e->trend_class));
        real_or_null(w, "trend_z", e->trend_z);
        real_or_null(w, "trend_p", e->trend_p);
        real_or_null(w, "last_z", e->last_z);
        real_or_null(w, "last_p", e->last_p);
        jsonw_int_member(w, "hot_slices", e->hot_slices);
        jsonw_int_member(w, "cold_slices", e->cold_slices);
        break;
    }
    case GEOJSON_CELLS_DENSITY:
        jsonw_int_member(w, "count", s->value != NULL ? llround(s->value[c]) : 0);
        real_or_null(w, "density", s->density[c]);
        break;
    }
    jsonw_close(w, "}");
}

static void write_meta(struct jsonw *w, const struct hotspot_surface *s,
                       const struct geojson_cells_meta *m)
{
    const struct hotspot_query *q = m->q;
    int64_t in_study = 0, hot = 0, cold = 0;
    double max = 0;

    for (size_t c = 0; c < s->n_cells; c++) {
        if (hs_grid_in_study(s->grid, c))
            in_study++;
        if (s->sig != NULL) {
            hot += s->sig[c] > 0;
            cold += s->sig[c] < 0;
        }
        if (s->trend != NULL) {
            hot += hs_trend_is_hot((enum hs_trend_class)s->trend[c].trend_class);
            cold += s->trend[c].trend_class != HS_NO_PATTERN &&
                    !hs_trend_is_hot((enum hs_trend_class)s->trend[c].trend_class);
        }
        if (s->density != NULL && s->density[c] > max)
            max = s->density[c];
    }
    jsonw_key(w, "meta");
    jsonw_open(w, "{");
    jsonw_str_member(w, "analysis", analysis_names[m->analysis]);
    jsonw_int_member(w, "cells", in_study);
    jsonw_int_member(w, "incidents", s->incidents);
    jsonw_real_member(w, "cell_m", q->cell_m);
    jsonw_str_member(w, "shape", hsquery_shape_name(q->shape));
    jsonw_str_member(w, "weight", q->weight_by_severity ? "severity" : "count");
    jsonw_key(w, "categories");
    jsonw_open(w, "[");
    for (size_t i = 0; i < q->n_categories; i++) {
        if (i > 0)
            JSONW_LIT(w, ",");
        jsonw_string(w, q->categories[i]);
    }
    jsonw_close(w, "]");
    jsonw_str_member(w, "force", q->force);
    jsonw_id_member(w, "area_id", q->area_id);
    jsonw_time_member(w, "since", q->since);
    jsonw_time_member(w, "until", q->until);
    if (m->analysis == GEOJSON_CELLS_DENSITY) {
        jsonw_real_member(w, "bandwidth_m", q->bandwidth_m);
        jsonw_real_member(w, "max", max);
    } else {
        bool knn = q->gi.weights == HS_KNN;
        jsonw_str_member(w, "weights", hsquery_weights_name(q->gi.weights));
        if (knn)
            null_member(w, "band_m");
        else
            jsonw_real_member(w, "band_m", q->gi.band_m);
        if (knn)
            jsonw_int_member(w, "k", q->gi.k);
        else
            null_member(w, "k");
        jsonw_real_member(w, "alpha", q->gi.alpha);
        jsonw_int_member(w, "hot", hot);
        jsonw_int_member(w, "cold", cold);
    }
    if (m->analysis == GEOJSON_CELLS_EMERGING) {
        jsonw_int_member(w, "slices", (int64_t)s->n_slices);
        if (m->slice != NULL)
            jsonw_str_member(w, "slice", m->slice);
        else
            null_member(w, "slice");
        jsonw_int_member(w, "slice_ms", q->slice_ms);
        jsonw_int_member(w, "time_neighbours", q->time_neighbours);
    }
    jsonw_close(w, "}");
}

ph_err geojson_cells_write(struct buf *b, const struct hotspot_surface *s,
                           const struct geojson_cells_meta *m)
{
    struct jsonw w = {.b = b};

    jsonw_open(&w, "{");
    jsonw_str_member(&w, "type", "FeatureCollection");
    write_meta(&w, s, m);
    jsonw_key(&w, "features");
    jsonw_open(&w, "[");
    for (size_t c = 0; c < s->n_cells && w.rc == PH_OK; c++) {
        if (!geojson_cells_shown(s, m->analysis, c))
            continue;
        if (w.comma)
            JSONW_LIT(&w, ",");
        jsonw_open(&w, "{");
        jsonw_str_member(&w, "type", "Feature");
        jsonw_int_member(&w, "id", (int64_t)c);
        write_geometry(&w, s->grid, c);
        write_properties(&w, s, m->analysis, c);
        jsonw_close(&w, "}");
    }
    jsonw_close(&w, "]");
    jsonw_close(&w, "}");
    return w.rc;
}
