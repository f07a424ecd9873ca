/* base.h - included first by every .c file of phoihop: feature macros, the common
 * system headers, PH_MUST_USE and friends, then banned.h. */
#ifndef PH_UTIL_BASE_H
#define PH_UTIL_BASE_H
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PH_MUST_USE __attribute__((warn_unused_result))
#define PH_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define PH_UNUSED __attribute__((unused))
#define PH_NELEM(a) (sizeof(a) / sizeof((a)[0]))

#include "util/banned.h"
#endif
