/* cluster_pos.c - position fixes as NOTIFY payloads between nodes (cluster.h):
 *
 *   {"n":"<node id>","f":[{"d":device_id,"u":uid,"c":callsign,"p":person_id,
 *    "un":unit_id,"up":unit_path,"fo":force,"t":at,"la":lat,"lo":lon,"s":speed,
 *    "co":course,"al":alt,"b":battery,"so":source}, ...]}
 *
 * JSON because the strings (a device's uid and callsign) are whatever devices
 * send, and a payload must be valid text. A real left out is NaN (not given), a
 * string null is NULL, a battery left out is -1. */
#include "util/base.h"
#include <jansson.h>
#include <math.h>
#include "events/cluster.h"
#include "events/livepos.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/jsonw.h"

/* PH_EINVAL for a fix the other side could not take (jsonw leaves out a string
 * that is not UTF-8, and the uid is needed). */
static ph_err encode_fix(const struct livepos_fix *f, struct buf *b)
{
    struct jsonw w = {.b = b};

    if (f->uid == NULL || !jsonw_utf8_ok(f->uid))
        return PH_EINVAL;
    jsonw_open(&w, "{");
    jsonw_int_member(&w, "d", f->device_id);
    jsonw_str_member(&w, "u", f->uid);
    jsonw_str_member(&w, "c", f->callsign);
    jsonw_int_member(&w, "p", f->person_id);
    jsonw_int_member(&w, "un", f->unit_id);
    jsonw_str_member(&w, "up", f->unit_path);
    jsonw_str_member(&w, "fo", f->force);
    jsonw_int_member(&w, "t", f->at);
    jsonw_real_member(&w, "la", f->lat);
    jsonw_real_member(&w, "lo", f->lon);
    jsonw_real_member(&w, "s", f->speed);
    jsonw_real_member(&w, "co", f->course);
    jsonw_real_member(&w, "al", f->alt);
    if (f->battery >= 0)
        jsonw_int_member(&w, "b", f->battery);
    jsonw_str_member(&w, "so", f->source);
    jsonw_close(&w, "}");
    return w.rc;
}

size_t cluster_pos_encode(const char *node, const struct livepos_fix *fixes, size_t n,
                          struct buf *out)
{
    static const char tail[] = "]}";
    struct buf one;
    size_t taken = 0;
    ph_err rc;

    buf_reset(out);
    if (n == 0)
        return 0;
    rc = buf_printf(out, "{\"n\":\"%s\",\"f\":[", node);
    buf_init(&one, CLUSTER_PAYLOAD_MAX);
    for (; rc == PH_OK && taken < n; taken++) {
        buf_reset(&one);
        if (encode_fix(&fixes[taken], &one) != PH_OK)
            break;
        size_t need = (taken > 0 ? 1 : 0) + one.len + sizeof(tail) - 1;
        if (out->len + need > CLUSTER_PAYLOAD_MAX)
            break;
        if (taken > 0)
            rc = buf_puts(out, ",");
        if (rc == PH_OK)
            rc = buf_append(out, one.data, one.len);
    }
    buf_release(&one);
    if (rc != PH_OK || taken == 0 || buf_puts(out, tail) != PH_OK) {
        buf_reset(out);
        return 0;
    }
    return taken;
}

/* ---- decoding ---------------------------------------------------------------------- */

static const char *get_str(struct arena *a, json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? arena_strdup(a, json_string_value(v)) : NULL;
}

static int64_t get_int(json_t *o, const char *key, int64_t absent)
{
    json_t *v = json_object_get(o, key);
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : absent;
}

static double get_real(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

ph_err cluster_pos_decode(const char *payload, struct arena *a, char node[CLUSTER_NODE_ID_BYTES],
                          struct livepos_fix **fixes, size_t *n)
{
    json_t *root = json_loads(payload, JSON_REJECT_DUPLICATES, NULL);
    json_t *id = json_object_get(root, "n"), *list = json_object_get(root, "f");
    ph_err rc = PH_EPARSE;

    if (!json_is_string(id) || !json_is_array(list) ||
        json_string_length(id) != CLUSTER_NODE_ID_BYTES - 1)
        goto out;
    memcpy(node, json_string_value(id), CLUSTER_NODE_ID_BYTES);
    size_t count = json_array_size(list);
    struct livepos_fix *out = arena_zalloc(a, (count > 0 ? count : 1) * sizeof(*out));
    for (size_t i = 0; i < count; i++) {
        json_t *o = json_array_get(list, i);
        struct livepos_fix *f = &out[i];
        if (!json_is_object(o))
            goto out;
        f->device_id = get_int(o, "d", 0);
        f->uid = get_str(a, o, "u");
        f->callsign = get_str(a, o, "c");
        f->person_id = get_int(o, "p", 0);
        f->unit_id = get_int(o, "un", 0);
        f->unit_path = get_str(a, o, "up");
        f->force = get_str(a, o, "fo");
        f->at = get_int(o, "t", 0);
        f->lat = get_real(o, "la");
        f->lon = get_real(o, "lo");
        f->speed = get_real(o, "s");
        f->course = get_real(o, "co");
        f->alt = get_real(o, "al");
        f->battery = (int)get_int(o, "b", -1);
        f->source = get_str(a, o, "so");
        /* A fix without its device or place is of no use to anyone. */
        if (f->uid == NULL || !isfinite(f->lat) || !isfinite(f->lon))
            goto out;
    }
    *fixes = out;
    *n = count;
    rc = PH_OK;
out:
    json_decref(root);
    return rc;
}
