/* resp.h - answers: JSON bodies, empty answers, and the one error shape
 * {"error":{"code","message","field"}} (only this file writes it). Each returns 0 so
 * handlers can `return resp_...(r, ...)`. */
#ifndef PH_HTTP_RESP_H
#define PH_HTTP_RESP_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include "util/err.h"
struct req;

/* Send body (stolen reference) with status. */
int resp_json(struct req *r, int status, json_t *body);
/* A body of another type (copied). */
int resp_text(struct req *r, int status, const char *content_type, const char *body, size_t len);
/* Whether r's client takes gzip (its Accept-Encoding). */
bool resp_accepts_gzip(struct req *r);
/* The gzip of body (malloc'd, *out_len bytes) as the answers above compress, or
 * NULL when it does not pay (small, or no smaller). Touches no request: for a
 * worker-pool thread, so that a large answer is not compressed on a loop. */
unsigned char *resp_gzip(const char *body, size_t len, size_t *out_len);
/* A body already encoded (encoding "gzip", or NULL for none; copied), sent as it
 * is with Content-Encoding and Vary: Accept-Encoding, never compressed again.
 * For answers that note no reads (the read audit would hold a plain body). */
int resp_text_encoded(struct req *r, int status, const char *content_type, const char *encoding,
                      const char *body, size_t len);
/* 204 No Content (or another status with no body). */
int resp_empty(struct req *r, int status);
/* The error for rc; field (may be NULL) names the member, parameter or header. */
int resp_error(struct req *r, ph_err rc, const char *field);
/* An error with an explicit status, code and message (405, 415, ...), in English or
 * Vietnamese as the client's Accept-Language prefers (Vietnamese by default). */
int resp_error_raw(struct req *r, int status, const char *code, const char *message_en,
                   const char *message_vi, const char *field);
/* The error for rc with its own message (English and Vietnamese) and more
 * members for "error" (extra: an object, stolen, may be NULL; "code", "message"
 * and "field" stay ours), e.g. the operation a conflict is with. */
int resp_error_extra(struct req *r, ph_err rc, const char *field, const char *message_en,
                     const char *message_vi, json_t *extra);
/* Add a response header (value copied into the request's pool). */
void resp_header(struct req *r, const char *name, const char *value);
/* The request's path as the access log may show it: the value of every
 * access_token query parameter replaced by REDACTED (in r->arena). */
const char *resp_log_path(struct req *r);
#endif
