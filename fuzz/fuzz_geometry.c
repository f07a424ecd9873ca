/* fuzz_geometry.c - the GeoJSON check of area boundaries (core/area.h), which takes
 * text straight from API bodies and imports. Besides crashes it checks that a
 * rejection says why, and that nothing accepted is other than JSON with a type. */
#include "util/base.h"
#include <jansson.h>
#include "core/area.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_cstr(data, size);
    const char *why = NULL;

    if (area_geometry_valid(s, &why)) {
        json_error_t jerr;
        json_t *g = json_loads(s, 0, &jerr);
        FUZZ_CHECK(json_is_object(g));
        const char *type = json_string_value(json_object_get(g, "type"));
        FUZZ_CHECK(type != NULL && (strcmp(type, "Polygon") == 0 ||
                                    strcmp(type, "MultiPolygon") == 0 ||
                                    strcmp(type, "Feature") == 0));
        json_decref(g);
    } else {
        FUZZ_CHECK(why != NULL);
    }
    free(s);
    return 0;
}
