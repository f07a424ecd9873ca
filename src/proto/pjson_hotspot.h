/* pjson_hotspot.h - the API's JSON shapes of hotspot records and their notes
 * (docs/API.md, "Hot spots"), in proto/pjson.h's conventions: encoders return a
 * new reference. One Feature shape serves GET /api/v1/hotspots, one hotspot,
 * and the inbox's hotspot items. */
#ifndef PH_PROTO_PJSON_HOTSPOT_H
#define PH_PROTO_PJSON_HOTSPOT_H
#include <jansson.h>
struct hotspot;
struct hotspot_note;

/* The properties of a record: id, version, status, trend, area_id, area_name,
 * categories (an array of codes; [] means all), lat, lon, z, p, cell_m,
 * n_cells, incident_count, classification (the number 0..3), window_from,
 * window_to, detected_at, updated_at (RFC 3339); with h->incident_ids (set by
 * hotspot_get only) also "incident_ids". */
json_t *pjson_hotspot_properties(const struct hotspot *h);
/* {"type":"Feature","id":ID,"geometry":<the cells' MultiPolygon, or null>,
 * "properties":pjson_hotspot_properties(h)}. */
json_t *pjson_hotspot_feature(const struct hotspot *h);
/* {"id","at","person_name","status_from","status_to","text"} (null when unset). */
json_t *pjson_hotspot_note(const struct hotspot_note *n);
#endif
