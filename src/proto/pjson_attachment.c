/* pjson_attachment.c - the JSON shape of an incident attachment's metadata
 * (docs/API.md, "Attachments"). The bytes themselves never travel in JSON: url
 * names where they are served. */
#include "util/base.h"
#include "proto/pjson.h"
#include "core/attachment.h"
#include "core/fields.h"

void pjson_sha256_hex(const uint8_t sha256[32], char out[65])
{
    static const char digits[] = "0123456789abcdef";

    for (size_t i = 0; i < 32; i++) {
        out[2 * i] = digits[sha256[i] >> 4];
        out[2 * i + 1] = digits[sha256[i] & 0x0f];
    }
    out[64] = '\0';
}

json_t *pjson_attachment(const struct attachment *a)
{
    json_t *o = json_object();
    char hex[65], url[96];

    pjson_sha256_hex(a->sha256, hex);
    snprintf(url, sizeof(url), "/api/v1/incidents/%lld/attachments/%lld", (long long)a->incident_id,
             (long long)a->id);
    json_object_set_new(o, "id", json_integer(a->id));
    json_object_set_new(o, "incident_id", json_integer(a->incident_id));
    json_object_set_new(o, "filename", fields_jstr(a->filename));
    json_object_set_new(o, "content_type", fields_jstr(a->content_type));
    json_object_set_new(o, "size", json_integer(a->size));
    json_object_set_new(o, "sha256", json_string(hex));
    json_object_set_new(o, "note", fields_jstr(a->note));
    json_object_set_new(o, "created_by", a->created_by ? json_integer(a->created_by) : json_null());
    json_object_set_new(o, "created_at", pjson_time(a->created_at));
    json_object_set_new(o, "url", json_string(url));
    return o;
}
