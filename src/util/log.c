/* log.c - stderr logging; one fprintf per line so threads do not interleave. */
#include "util/base.h"
#include <stdarg.h>
#include <time.h>
#include "util/log.h"

static enum log_level min_level = LOG_INFO;

void log_set_level(enum log_level lv) { min_level = lv; }

int log_level_parse(const char *s)
{
    static const char *names[] = {"debug", "info", "warn", "error"};
    for (size_t i = 0; i < PH_NELEM(names); i++)
        if (strcmp(s, names[i]) == 0)
            return (int)i;
    return -1;
}

void log_msg(enum log_level lv, const char *fmt, ...)
{
    static const char *tag[] = {"debug", "info", "warn", "error"};
    if (lv < min_level)
        return;
    char line[2048];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    int n = snprintf(line, sizeof(line), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                     tm.tm_sec, ts.tv_nsec / 1000000, tag[lv]);
    va_list ap;
    va_start(ap, fmt);
    if (n > 0 && (size_t)n < sizeof(line))
        vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s\n", line);
}
