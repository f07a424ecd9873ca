/* analysis_gate.c - the count of hot-spot analyses in flight (analysis_gate.h):
 * one atomic counter for the whole process (every loop shares the worker pool). */
#include "util/base.h"
#include <stdatomic.h>
#include "http/analysis_gate.h"

static atomic_int in_flight;

bool analysis_gate_enter(void)
{
    int n = atomic_load(&in_flight);
    while (n < ANALYSIS_GATE_MAX)
        if (atomic_compare_exchange_weak(&in_flight, &n, n + 1))
            return true;
    return false;
}

void analysis_gate_leave(void)
{
    atomic_fetch_sub(&in_flight, 1);
}

bool analysis_gate_dsn_in_memory(const char *dsn)
{
    if (dsn == NULL)
        return false;
    if (strncmp(dsn, "sqlite:", 7) == 0)
        dsn += 7;
    if (strcmp(dsn, ":memory:") == 0)
        return true;
    return strncmp(dsn, "file:", 5) == 0 &&
           (strstr(dsn, "mode=memory") != NULL || strncmp(dsn + 5, ":memory:", 8) == 0);
}
