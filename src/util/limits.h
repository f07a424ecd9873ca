/* limits.h - sizes that bound what outside input can make phoihop hold. */
#ifndef PH_UTIL_LIMITS_H
#define PH_UTIL_LIMITS_H
#define HTTP_MAX_JSON_BODY_BYTES (1024 * 1024)   /* a JSON request body */
#define HTTP_MAX_ENTITY_BYTES (2 * 1024 * 1024)  /* any body h2o buffers, before routing */
#define TEXT_MAX_NAME_BYTES 512                  /* names, titles */
#define TEXT_MAX_SHORT_BYTES 128                 /* codes, usernames, ranks */
#define GEOJSON_MAX_BYTES (8 * 1024 * 1024)      /* one area's geometry */
#define GEOJSON_MAX_DEPTH 8
#define LIST_DEFAULT_LIMIT 50
#define LIST_MAX_LIMIT 500
#define PASSWORD_MIN_BYTES 10
#define PASSWORD_MAX_BYTES 256
#endif
