/* pjson_hotspot.c - JSON shapes of hotspot records and notes
 * (proto/pjson_hotspot.h). A record's geometry is stored as GeoJSON text made by
 * core (a MultiPolygon of its cells); it is parsed back here so that the Feature
 * carries it as an object, and a text that does not parse gives null. */
#include "util/base.h"
#include "proto/pjson_hotspot.h"
#include "core/access.h"
#include "core/fields.h"
#include "core/hotspot.h"
#include "proto/pjson.h"

static json_t *str_or_null(const char *s)
{
    return s != NULL ? json_string(s) : json_null();
}

/* "drugs smuggling" -> ["drugs", "smuggling"]; "" or NULL -> []. */
static json_t *codes_json(const char *codes)
{
    json_t *arr = json_array();
    const char *p = codes;

    while (p != NULL && *p != '\0') {
        const char *end = strchr(p, ' ');
        size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
        if (len > 0)
            json_array_append_new(arr, json_stringn(p, len));
        p = end != NULL ? end + 1 : NULL;
    }
    return arr;
}

json_t *pjson_hotspot_properties(const struct hotspot *h)
{
    json_t *o = json_object();

    json_object_set_new(o, "id", json_integer(h->id));
    json_object_set_new(o, "version", json_integer(h->version));
    json_object_set_new(o, "status", str_or_null(h->status));
    json_object_set_new(o, "trend", str_or_null(h->trend));
    json_object_set_new(o, "area_id", h->area_id != 0 ? json_integer(h->area_id) : json_null());
    json_object_set_new(o, "area_name", str_or_null(h->area_name));
    json_object_set_new(o, "categories", codes_json(h->categories));
    json_object_set_new(o, "lat", json_real(h->lat));
    json_object_set_new(o, "lon", json_real(h->lon));
    json_object_set_new(o, "z", json_real(h->z));
    json_object_set_new(o, "p", json_real(h->p));
    json_object_set_new(o, "cell_m", json_real(h->cell_m));
    json_object_set_new(o, "n_cells", json_integer(h->n_cells));
    json_object_set_new(o, "incident_count", json_integer(h->incident_count));
    json_object_set_new(o, "classification", fields_jstr(clearance_name(h->classification)));
    json_object_set_new(o, "window_from", pjson_time(h->window_from));
    json_object_set_new(o, "window_to", pjson_time(h->window_to));
    json_object_set_new(o, "detected_at", pjson_time(h->detected_at));
    json_object_set_new(o, "updated_at", pjson_time(h->updated_at));
    if (h->incident_ids != NULL || h->n_incidents > 0) {
        json_t *ids = json_array();
        for (size_t i = 0; i < h->n_incidents; i++)
            json_array_append_new(ids, json_integer(h->incident_ids[i]));
        json_object_set_new(o, "incident_ids", ids);
    }
    return o;
}

json_t *pjson_hotspot_feature(const struct hotspot *h)
{
    json_t *o = json_object();
    json_t *geom = NULL;

    if (h->cells_geojson != NULL)
        geom = json_loads(h->cells_geojson, JSON_REJECT_DUPLICATES, NULL);
    json_object_set_new(o, "type", json_string("Feature"));
    json_object_set_new(o, "id", json_integer(h->id));
    json_object_set_new(o, "geometry", geom != NULL ? geom : json_null());
    json_object_set_new(o, "properties", pjson_hotspot_properties(h));
    return o;
}

json_t *pjson_hotspot_note(const struct hotspot_note *n)
{
    json_t *o = json_object();

    json_object_set_new(o, "id", json_integer(n->id));
    json_object_set_new(o, "hotspot_id", json_integer(n->hotspot_id));
    json_object_set_new(o, "at", pjson_time(n->at));
    json_object_set_new(o, "person_id", n->person_id != 0 ? json_integer(n->person_id) : json_null());
    json_object_set_new(o, "person_name", str_or_null(n->person_name));
    json_object_set_new(o, "status_from", str_or_null(n->status_from));
    json_object_set_new(o, "status_to", str_or_null(n->status_to));
    json_object_set_new(o, "text", str_or_null(n->text));
    return o;
}
