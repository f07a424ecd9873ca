/* position_int.h - what the files of core/position.h share (device.c,
 * position.c, retention.c). Nothing outside core/ includes this. */
#ifndef PH_CORE_POSITION_INT_H
#define PH_CORE_POSITION_INT_H
#include <stdbool.h>
#include "core/position.h"
struct access_item;
struct arena;
struct core_user;

/* "phone", "tak", "tracker". */
bool position_kind_valid(const char *kind);
/* 1..POSITION_UID_MAX_BYTES bytes of clean UTF-8 without control characters or
 * spaces at either end. */
bool position_uid_valid(const char *uid);
/* The folded search key of a device (uid and callsign), in a. */
const char *position_search_key(struct arena *a, const char *uid, const char *callsign);
/* The access item of device d (owner: its unit; force may be NULL). */
void position_device_item(const struct device *d, const char *force, struct access_item *out);
/* May who read d (and its positions)? */
bool position_device_readable(const struct core_user *who, const struct device *d);
/* The unit scope of who's device reads: *scope_path NULL for no limit, else the
 * caller's unit path. False when who may see no device at all. */
bool position_scope(const struct core_user *who, const char **scope_path);
#endif
