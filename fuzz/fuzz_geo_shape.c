/* fuzz_geo_shape.c - the GeoJSON parser of core/geo.h, which reads every area
 * outline when a location is resolved. Besides crashes it checks what callers
 * rely on: a rejection says why; an accepted shape has polygons of closed rings
 * of at least four in-range positions inside its bounding box; every vertex of
 * an outline counts as inside (it lies on an edge), and nothing outside the box
 * does; and any outline area.c accepts for storage parses here too. */
#include "util/base.h"
#include "core/area.h"
#include "core/geo.h"
#include "util/arena.h"
#include "fuzz.h"

static void check_shape(const struct geo_shape *s)
{
    const struct geo_bbox *b = &s->bbox;

    FUZZ_CHECK(s->n_polys >= 1);
    FUZZ_CHECK(b->min_lon <= b->max_lon && b->min_lat <= b->max_lat);
    for (size_t p = 0; p < s->n_polys; p++) {
        FUZZ_CHECK(s->polys[p].n_rings >= 1);
        for (size_t r = 0; r < s->polys[p].n_rings; r++) {
            const struct geo_ring *ring = &s->polys[p].rings[r];
            FUZZ_CHECK(ring->n >= 4);
            FUZZ_CHECK(ring->xy[0] == ring->xy[2 * (ring->n - 1)] &&
                       ring->xy[1] == ring->xy[2 * (ring->n - 1) + 1]);
            for (size_t i = 0; i < ring->n; i++) {
                double lon = ring->xy[2 * i], lat = ring->xy[2 * i + 1];
                FUZZ_CHECK(geo_point_valid(lat, lon));
                FUZZ_CHECK(lon >= b->min_lon && lon <= b->max_lon && lat >= b->min_lat &&
                           lat <= b->max_lat);
                /* An outline's vertex is on its edge. (Not a hole's: nothing
                 * keeps a hole inside its outline.) Bounded work: the first
                 * vertices are enough. */
                if (r == 0 && i < 16)
                    FUZZ_CHECK(geo_shape_contains(s, lon, lat));
            }
        }
    }
    FUZZ_CHECK(!geo_shape_contains(s, b->min_lon - 0.001, b->min_lat));
    FUZZ_CHECK(!geo_shape_contains(s, b->max_lon, b->max_lat + 0.001));
    /* Any answer will do for these; they must merely not crash. */
    (void)geo_shape_contains(s, (b->min_lon + b->max_lon) / 2, (b->min_lat + b->max_lat) / 2);
    (void)geo_shape_contains(s, b->min_lon, (b->min_lat + b->max_lat) / 2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena a;
    struct geo_shape s;
    const char *why = NULL;
    char *text = fuzz_cstr(data, size);
    ph_err rc;

    arena_init(&a);
    /* The bytes as given: geo_shape_parse takes a length, NULs included. */
    rc = geo_shape_parse(&a, (const char *)data, size, &s, &why);
    if (rc == PH_OK)
        check_shape(&s);
    else
        FUZZ_CHECK(rc == PH_EINVAL && why != NULL);
    /* As a C string (what area.c validates and the store keeps). */
    if (strlen(text) == size) {
        bool stored = area_geometry_valid(text, NULL);
        FUZZ_CHECK(!stored || rc == PH_OK);
    }
    arena_release(&a);
    free(text);
    return 0;
}
