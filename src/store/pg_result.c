/* pg_result.c - reading a PostgreSQL result's columns: NULL, integers,
 * floats, booleans, text into an arena, bytea (hex form) and 32-byte hashes. */
#include "util/base.h"
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "store/pg_int.h"
#include "util/arena.h"
#include "util/log.h"

/* ---- reading results -------------------------------------------------------------- */

bool pg_col_null(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) != 0;
}

int64_t pg_col_i64(const PGresult *res, int row, int col)
{
    if (PQgetisnull(res, row, col))
        return 0;
    return strtoll(PQgetvalue(res, row, col), NULL, 10);
}

int pg_col_int(const PGresult *res, int row, int col)
{
    return (int)pg_col_i64(res, row, col);
}

double pg_col_f64(const PGresult *res, int row, int col)
{
    if (PQgetisnull(res, row, col))
        return 0;
    return strtod(PQgetvalue(res, row, col), NULL);
}

bool pg_col_bool(const PGresult *res, int row, int col)
{
    if (PQgetisnull(res, row, col))
        return false;
    const char *v = PQgetvalue(res, row, col);
    if (v[0] == 't')
        return true;
    if (v[0] == 'f')
        return false;
    return strtoll(v, NULL, 10) != 0;
}

char *pg_col_text(struct arena *ar, const PGresult *res, int row, int col)
{
    if (PQgetisnull(res, row, col))
        return NULL;
    return arena_strndup(ar, PQgetvalue(res, row, col), (size_t)PQgetlength(res, row, col));
}

/* bytea in text format is "\x" and two hex digits a byte (bytea_output hex,
 * set at connect). Decodes into out (room for (len - 2) / 2 bytes); -1 when the
 * text is not that. */
static long decode_bytea(const char *v, size_t len, uint8_t *out)
{
    size_t n = 0;

    if (len < 2 || v[0] != '\\' || v[1] != 'x' || (len - 2) % 2 != 0)
        return -1;
    if (sodium_hex2bin(out, (len - 2) / 2, v + 2, len - 2, NULL, &n, NULL) != 0 ||
        n != (len - 2) / 2)
        return -1;
    return (long)n;
}

void *pg_col_bytes(struct arena *ar, const PGresult *res, int row, int col, size_t *len)
{
    *len = 0;
    if (PQgetisnull(res, row, col))
        return NULL;
    size_t tlen = (size_t)PQgetlength(res, row, col);
    uint8_t *out = arena_alloc(ar, tlen / 2 + 1);
    long n = decode_bytea(PQgetvalue(res, row, col), tlen, out);
    if (n < 0) {
        log_error("store/postgres: a bytea column came back not as hex");
        return NULL;
    }
    *len = (size_t)n;
    return out;
}

bool pg_col_hash(const PGresult *res, int row, int col, uint8_t out[32])
{
    size_t tlen = PQgetisnull(res, row, col) ? 0 : (size_t)PQgetlength(res, row, col);

    if (tlen != 2 + 64 || decode_bytea(PQgetvalue(res, row, col), tlen, out) != 32) {
        memset(out, 0, 32);
        return false;
    }
    return true;
}
