/* limits.h - sizes that bound what outside input can make phoihop hold. */
#ifndef PH_UTIL_LIMITS_H
#define PH_UTIL_LIMITS_H
#define HTTP_MAX_JSON_BODY_BYTES (1024 * 1024)   /* a JSON request body */
/* Any body h2o buffers, before routing or authentication: the largest body a
 * route takes (an attachment: ATTACHMENT_MAX_BYTES of core/attachment.h, 10 MiB,
 * which core/attachment.c checks against this) plus a margin. server.c raises
 * it with PHOIHOP_ATTACHMENT_MAX_BYTES; every route but the attachment upload
 * still refuses bodies over HTTP_MAX_JSON_BODY_BYTES. */
#define HTTP_ENTITY_MARGIN_BYTES (64 * 1024)
#define HTTP_MAX_ENTITY_BYTES (10 * 1024 * 1024 + HTTP_ENTITY_MARGIN_BYTES)
#define TEXT_MAX_NAME_BYTES 512                  /* names, titles */
#define TEXT_MAX_SHORT_BYTES 128                 /* codes, usernames, ranks */
#define GEOJSON_MAX_BYTES (8 * 1024 * 1024)      /* one area's geometry */
#define GEOJSON_MAX_DEPTH 8
#define LIST_DEFAULT_LIMIT 50
#define LIST_MAX_LIMIT 500
#define PASSWORD_MIN_BYTES 10
#define PASSWORD_MAX_BYTES 256
#endif
