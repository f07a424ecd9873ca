/* fuzz_pjson_operation.c - operation request bodies (proto/pjson_operation.h) and
 * the GeoJSON geometry check (core/coverage.c): any bytes are loaded with
 * jansson as the HTTP door does, and a JSON object is applied as an operation
 * (create, and PATCH over one already filled in), a status body, a results log
 * entry (with its "incident" handed back) and an asset. What a decoder accepts
 * must encode again; a refusal must name the member at fault; a PATCH never
 * moves an operation to another unit. The "geometry" member, and the whole
 * input as text, go through the geometry check, which must either refuse or
 * give a kind and a bounding box inside WGS84. */
#include "util/base.h"
#include "core/access.h"
#include "core/ctx.h"
#include "core/operation.h"
#include "core/operation_int.h"
#include "proto/pjson_operation.h"
#include "util/arena.h"
#include "fuzz.h"

static int64_t stored_units[] = {5, 9};
static int64_t stored_people[] = {12, 14};

static void check_geometry(struct arena *a, const char *text)
{
    struct core_ctx cx = {.arena = a};
    struct operation o = {.geometry = text};

    if (operation_geometry_check(&cx, &o) != PH_OK)
        return;
    FUZZ_CHECK(o.geometry_kind != NULL && o.geometry != NULL);
    FUZZ_CHECK(strlen(o.geometry) <= OPERATION_GEOMETRY_MAX_BYTES);
    FUZZ_CHECK(o.min_lat >= -90 && o.max_lat <= 90 && o.min_lat <= o.max_lat);
    FUZZ_CHECK(o.min_lon >= -180 && o.max_lon <= 180 && o.min_lon <= o.max_lon);
}

static void apply_operation(json_t *obj, struct arena *a, bool creating)
{
    struct operation o;
    const char *field = NULL;

    memset(&o, 0, sizeof(o));
    if (!creating)
        o = (struct operation){
            .id = 7,
            .kind = OPERATION_PATROL,
            .domain = "sea",
            .title = "Tuần tra vùng biển",
            .geometry = "{\"type\":\"Point\",\"coordinates\":[106.5,9.9]}",
            .geometry_kind = "point",
            .planned_start = 1764000000000,
            .planned_end = 1764014400000,
            .owner_unit_id = 5,
            .unit_ids = stored_units,
            .n_units = PH_NELEM(stored_units),
            .people_ids = stored_people,
            .n_people = PH_NELEM(stored_people),
            .status = OPERATION_ACTIVE,
            .version = 3,
        };
    if (pjson_apply_operation(obj, a, &o, creating, &field) == PH_OK) {
        FUZZ_CHECK(creating || o.owner_unit_id == 5);
        FUZZ_CHECK(o.n_units == 0 || o.unit_ids != NULL);
        FUZZ_CHECK(o.n_people == 0 || o.people_ids != NULL);
        FUZZ_CHECK(o.n_assets == 0 || o.asset_ids != NULL);
        if (o.geometry != NULL)
            check_geometry(a, o.geometry);
        json_t *j = pjson_operation(&o, true);
        FUZZ_CHECK(j != NULL);
        char *s = json_dumps(j, JSON_COMPACT);
        FUZZ_CHECK(s != NULL);
        free(s);
        json_decref(j);
    } else {
        FUZZ_CHECK(field != NULL);
    }
}

static void apply_others(json_t *obj, struct arena *a)
{
    struct pjson_operation_status st;
    struct operation_log_entry e;
    struct asset as = {.id = 3, .kind = "vessel", .code = "BP-1", .name = "Tàu", .version = 1};
    json_t *inc = NULL;
    const char *field = NULL;

    if (pjson_apply_operation_status(obj, a, &st, &field) != PH_OK)
        FUZZ_CHECK(field != NULL);
    field = NULL;
    memset(&e, 0, sizeof(e));
    if (pjson_apply_operation_log(obj, a, &e, &inc, &field) == PH_OK) {
        FUZZ_CHECK(inc == NULL || json_is_object(inc));
        json_decref(pjson_operation_log_entry(&e));
    } else {
        FUZZ_CHECK(field != NULL);
    }
    field = NULL;
    if (pjson_apply_asset(obj, a, &as, &field) == PH_OK)
        json_decref(pjson_asset(&as));
    else
        FUZZ_CHECK(field != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t jerr;
    json_t *obj = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);
    struct arena a;
    char *text = fuzz_cstr(data, size);

    arena_init(&a);
    check_geometry(&a, text);
    if (json_is_object(obj)) {
        apply_operation(obj, &a, true);
        apply_operation(obj, &a, false);
        apply_others(obj, &a);
    }
    arena_release(&a);
    free(text);
    json_decref(obj); /* NULL-safe */
    return 0;
}
