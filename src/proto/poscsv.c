/* poscsv.c - position reports as CSV (proto/poscsv.h).
 *
 *   uid,time,lat,lon,speed,course,alt,battery
 *   ANDROID-3f2a,2026-03-02T01:30:00Z,10.245,106.375,4.2,270,3.5,81
 *   ANDROID-3f2a,1772415010000,10.2451,106.3752,,,,
 *
 * A field is bare (no quote, comma or line break inside) or quoted, with "" for
 * a quote; a quote inside a bare field or text after a closing quote makes the
 * row bad ("quote" at its column), not the file, unless a quote is never closed
 * (the rest of the file would be one field). Blank lines are skipped. */
#include "util/base.h"
#include <math.h>
#include "proto/poscsv.h"
#include "util/arena.h"
#include "util/text.h"
#include "util/time.h"

enum col { C_UID, C_TIME, C_LAT, C_LON, C_SPEED, C_COURSE, C_ALT, C_BATTERY, C_COUNT };
static const char *const col_names[C_COUNT] = {"uid",   "time",   "lat", "lon",
                                               "speed", "course", "alt", "battery"};
#define MAX_COLS C_COUNT

struct cursor {
    const char *p, *end;
    size_t line;
};

/* Read one field into buf (at most POSCSV_MAX_FIELD_BYTES, NUL-terminated).
 * *last: it ended its row. Returns false on an unclosed quote (the file is bad);
 * *bad: the field is malformed or too long. */
static bool read_field(struct cursor *c, char *buf, bool *last, bool *bad)
{
    size_t n = 0;
    bool quoted = c->p < c->end && *c->p == '"';

    *bad = false;
    *last = false;
    if (quoted) {
        c->p++;
        for (;;) {
            if (c->p >= c->end)
                return false;
            char ch = *c->p++;
            if (ch == '"') {
                if (c->p < c->end && *c->p == '"') {
                    c->p++;
                } else {
                    break;
                }
            } else if (ch == '\n') {
                c->line++;
            }
            if (n < POSCSV_MAX_FIELD_BYTES)
                buf[n++] = ch;
            else
                *bad = true;
        }
    }
    while (c->p < c->end && *c->p != ',' && *c->p != '\n') {
        char ch = *c->p++;
        if (ch == '\r' && (c->p == c->end || *c->p == '\n'))
            continue;
        if (quoted || ch == '"')
            *bad = true; /* text after a closing quote, or a quote in a bare field */
        if (n < POSCSV_MAX_FIELD_BYTES)
            buf[n++] = ch;
        else
            *bad = true;
    }
    buf[n] = '\0';
    if (c->p >= c->end || *c->p == '\n') {
        *last = true;
        if (c->p < c->end)
            c->line++;
    }
    if (c->p < c->end)
        c->p++; /* the comma or the line break */
    return true;
}

static bool blank_line(const struct cursor *c)
{
    return c->p < c->end && (*c->p == '\n' || (*c->p == '\r' && c->p + 1 < c->end && c->p[1] == '\n'));
}

static bool parse_double(const char *s, double *out)
{
    char *end;
    if (*s == '\0')
        return false;
    errno = 0;
    *out = strtod(s, &end);
    return errno == 0 && *end == '\0' && isfinite(*out);
}

static bool parse_i64(const char *s, long long *out)
{
    char *end;
    if (*s == '\0' || (*s != '-' && (*s < '0' || *s > '9')))
        return false;
    errno = 0;
    *out = strtoll(s, &end, 10);
    return errno == 0 && *end == '\0';
}

/* Field text of column k into row r; false when it is malformed. */
static bool take(struct arena *a, struct poscsv_row *row, enum col k, const char *v)
{
    struct position_report *r = &row->r;
    long long i;
    char *nfc;

    switch (k) {
    case C_UID:
        if (!text_is_clean_utf8(v, strlen(v)) || text_nfc(a, v, &nfc) != PH_OK)
            return false;
        r->uid = nfc;
        return true;
    case C_TIME:
        if (strchr(v, '-') == NULL && parse_i64(v, &i)) {
            r->at = i;
            return true;
        }
        return time_parse_rfc3339(v, &r->at) == PH_OK;
    case C_LAT:
        return parse_double(v, &r->lat);
    case C_LON:
        return parse_double(v, &r->lon);
    case C_SPEED:
        return *v == '\0' || parse_double(v, &r->speed);
    case C_COURSE:
        return *v == '\0' || parse_double(v, &r->course);
    case C_ALT:
        return *v == '\0' || parse_double(v, &r->alt);
    case C_BATTERY:
        if (*v == '\0')
            return true;
        if (!parse_i64(v, &i) || i < -1 || i > 1000)
            return false;
        r->battery = (int)i;
        return true;
    case C_COUNT:
        break;
    }
    return false;
}

ph_err poscsv_parse(const char *data, size_t len, struct arena *a, struct poscsv_row **rows,
                    size_t *n, const char **why)
{
    struct cursor c = {.p = data, .end = data + len, .line = 1};
    char *buf = arena_alloc(a, POSCSV_MAX_FIELD_BYTES + 1);
    int cols[MAX_COLS];
    size_t n_cols = 0, count = 0, cap = 0;
    bool seen[C_COUNT] = {false}, last = false, bad;
    struct poscsv_row *out = NULL;

    *why = "size";
    if (len > POSCSV_MAX_BYTES)
        return PH_ETOOBIG;
    /* A byte order mark some spreadsheets write. */
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        c.p += 3;
    *why = "header";
    while (!last) {
        if (c.p >= c.end || n_cols == MAX_COLS)
            return PH_EPARSE;
        if (!read_field(&c, buf, &last, &bad) || bad)
            return PH_EPARSE;
        char *name = text_trim(a, buf);
        int k = -1;
        for (int j = 0; j < C_COUNT; j++)
            if (strcmp(name, col_names[j]) == 0)
                k = j;
        if (k < 0 || seen[k]) {
            *why = k < 0 ? "header" : col_names[k];
            return PH_EPARSE;
        }
        seen[k] = true;
        cols[n_cols++] = k;
    }
    for (int k = C_UID; k <= C_LON; k++)
        if (!seen[k]) {
            *why = col_names[k];
            return PH_EPARSE;
        }
    while (c.p < c.end) {
        if (blank_line(&c)) {
            c.p += *c.p == '\r' ? 2 : 1;
            c.line++;
            continue;
        }
        if (count == POSCSV_MAX_ROWS) {
            *why = "rows";
            return PH_ETOOBIG;
        }
        if (count == cap) {
            size_t ncap = cap ? 2 * cap : 256;
            struct poscsv_row *grown = arena_alloc(a, ncap * sizeof(*grown));
            if (count > 0)
                memcpy(grown, out, count * sizeof(*grown));
            out = grown;
            cap = ncap;
        }
        struct poscsv_row *row = &out[count++];
        *row = (struct poscsv_row){.line = c.line};
        row->r = (struct position_report){.speed = NAN, .course = NAN, .alt = NAN, .battery = -1,
                                          .source = POSITION_SOURCE_IMPORT};
        last = false;
        for (size_t i = 0; !last; i++) {
            if (!read_field(&c, buf, &last, &bad)) {
                *why = "quote";
                return PH_EPARSE;
            }
            if (i >= n_cols) {
                if (row->error == NULL)
                    row->error = "columns"; /* more fields than the header names */
                continue;
            }
            if (row->error == NULL && (bad || !take(a, row, (enum col)cols[i], buf)))
                row->error = col_names[cols[i]];
            if (last && i + 1 < n_cols && row->error == NULL)
                row->error = col_names[cols[i + 1]]; /* a short row */
        }
    }
    *rows = out;
    *n = count;
    *why = NULL;
    return PH_OK;
}
