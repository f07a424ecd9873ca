/* time.c - UTC milliseconds, RFC 3339, and Vietnam local time (fixed UTC+7). */
#include "util/base.h"
#include <time.h>
#include "util/time.h"

int64_t time_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t time_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && ((a < 0) != (b < 0)));
}

/* Fields of tm squeezed into their printed widths: the compiler cannot know that a
 * year has four digits, and -Wformat-truncation would complain. */
struct tm_fields {
    unsigned y, mo, d, h, mi, s;
};

static struct tm_fields fields(const struct tm *tm)
{
    return (struct tm_fields){(unsigned)(tm->tm_year + 1900) % 10000u, (unsigned)(tm->tm_mon + 1) % 100u,
                              (unsigned)tm->tm_mday % 100u, (unsigned)tm->tm_hour % 100u,
                              (unsigned)tm->tm_min % 100u, (unsigned)tm->tm_sec % 100u};
}

/* Civil date of a day count since 1970-01-01 (proleptic Gregorian; the inverse of
 * days_from_civil below), by eras of 400 years: no table, no division by a
 * variable, exact for every int64 day count a millisecond time can give. */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = floor_div(z, 146097);
    unsigned doe = (unsigned)(z - era * 146097);                          /* [0, 146096] */
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* [0, 365] */
    unsigned mp = (5 * doy + 2) / 153;                                    /* [0, 11] */
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static char *put2(char *p, unsigned v)
{
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
    return p + 2;
}

/* Every JSON time goes through here (a list page prints thousands), so it does its
 * own arithmetic instead of gmtime_r and snprintf: a tenth of their cost or less. The
 * output is what the snprintf version printed, byte for byte (test_time.c checks
 * it against gmtime_r), the year modulo 10000 included. */
void time_format_utc(int64_t ms, char out[TIME_RFC3339_BYTES])
{
    int64_t s = floor_div(ms, 1000), days = floor_div(s, 86400);
    unsigned frac = (unsigned)(ms - s * 1000), sod = (unsigned)(s - days * 86400);
    int64_t y;
    unsigned mo, d, yy;
    char *p = out;

    civil_from_days(days, &y, &mo, &d);
    /* As (unsigned)(tm_year + 1900) % 10000 did for the int year gmtime gives. */
    yy = (unsigned)(int)y % 10000u;
    p = put2(p, yy / 100);
    p = put2(p, yy % 100);
    *p++ = '-';
    p = put2(p, mo);
    *p++ = '-';
    p = put2(p, d);
    *p++ = 'T';
    p = put2(p, sod / 3600);
    *p++ = ':';
    p = put2(p, sod / 60 % 60);
    *p++ = ':';
    p = put2(p, sod % 60);
    if (frac) {
        *p++ = '.';
        *p++ = (char)('0' + frac / 100);
        p = put2(p, frac % 100);
    }
    *p++ = 'Z';
    *p = '\0';
}

void time_format_vn(int64_t ms, char out[TIME_RFC3339_BYTES])
{
    time_t s = (time_t)floor_div(ms, 1000) + TIME_VN_OFFSET_S;
    struct tm tm;
    gmtime_r(&s, &tm);
    struct tm_fields f = fields(&tm);
    snprintf(out, TIME_RFC3339_BYTES, "%02u/%02u/%04u %02u:%02u", f.d, f.mo, f.y, f.h, f.mi);
}

void time_today_vn(char out[11])
{
    time_t s = (time_t)(time_now_ms() / 1000) + TIME_VN_OFFSET_S;
    struct tm tm;
    gmtime_r(&s, &tm);
    struct tm_fields f = fields(&tm);
    snprintf(out, 11, "%04u-%02u-%02u", f.y, f.mo, f.d);
}

static int days_in_month(int y, int m)
{
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : d[m - 1];
}

static bool digits(const char *s, int n, int *v)
{
    *v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        *v = *v * 10 + (s[i] - '0');
    }
    return true;
}

static bool parse_date(const char *s, int *y, int *m, int *d)
{
    return digits(s, 4, y) && s[4] == '-' && digits(s + 5, 2, m) && s[7] == '-' &&
           digits(s + 8, 2, d) && *y >= 1900 && *m >= 1 && *m <= 12 && *d >= 1 &&
           *d <= days_in_month(*y, *m);
}

bool time_is_date(const char *s)
{
    int y, m, d;
    return strlen(s) == 10 && parse_date(s, &y, &m, &d);
}

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

ph_err time_parse_rfc3339(const char *s, int64_t *ms)
{
    int y, mo, d, h, mi, se, frac = 0;
    size_t n = strlen(s);
    if (n < 20 || !parse_date(s, &y, &mo, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
        !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' ||
        !digits(s + 17, 2, &se) || h > 23 || mi > 59 || se > 60)
        return PH_EINVAL;
    const char *p = s + 19;
    if (*p == '.') {
        int k = 0;
        for (p++; *p >= '0' && *p <= '9'; p++, k++)
            if (k < 3)
                frac = frac * 10 + (*p - '0');
        if (k == 0)
            return PH_EINVAL;
        for (; k < 3; k++)
            frac *= 10;
    }
    int64_t off_s = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om;
        if (!digits(p + 1, 2, &oh) || p[3] != ':' || !digits(p + 4, 2, &om) || oh > 23 || om > 59)
            return PH_EINVAL;
        off_s = (int64_t)(oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
        p += 6;
    } else {
        return PH_EINVAL;
    }
    if (*p != '\0')
        return PH_EINVAL;
    int64_t secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + (se == 60 ? 59 : se);
    *ms = (secs - off_s) * 1000 + frac;
    return PH_OK;
}
