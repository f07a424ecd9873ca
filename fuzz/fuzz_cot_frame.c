/* fuzz_cot_frame.c - the TAK streaming framer (proto/cot.h, cot_frame) on any
 * bytes a TCP client may send. The input is framed twice: whole, and fed in
 * chunks of sizes drawn from a generator seeded by the input itself (1 byte at a
 * time up to a few hundred), as a connection's reads would come. Both must give
 * the same events, byte for byte, and the same final state (waiting, garbage or
 * too big); every event found starts with '<', ends with '>', lies within the
 * input and within COT_EVENT_MAX_BYTES, and goes through cot_parse. */
#include "util/base.h"
#include "proto/cot.h"
#include "util/arena.h"
#include "util/buf.h"
#include "fuzz.h"

#define MAX_EVENTS 4096

struct run {
    size_t start[MAX_EVENTS], end[MAX_EVENTS]; /* offsets in the whole input */
    size_t n;
    ph_err last;                               /* PH_OK: waiting for more */
};

static uint64_t next(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

/* Feed data as a connection would: all at once, or in chunks. */
static void frame(const char *data, size_t size, uint64_t seed, bool chunked, struct run *r,
                  struct arena *a)
{
    struct cot_framer f;
    size_t base = 0, avail = 0; /* pending bytes: data[base .. avail) */

    memset(&f, 0, sizeof(f));
    r->n = 0;
    r->last = PH_OK;
    do {
        if (chunked) {
            /* Mostly single bytes and short reads, sometimes up to 300 bytes. */
            size_t k = 1 + next(&seed) % (next(&seed) % 4 == 0 ? 1 : 300);
            avail = avail + k > size ? size : avail + k;
        } else {
            avail = size;
        }
        for (;;) {
            size_t s = 0, e = 0;
            ph_err rc = cot_frame(&f, data + base, avail - base, &s, &e);
            if (rc != PH_OK) {
                FUZZ_CHECK(rc == PH_EPARSE || rc == PH_ETOOBIG);
                r->last = rc;
                return;
            }
            if (e == 0)
                break;
            FUZZ_CHECK(s < e && base + e <= avail && e - s <= COT_EVENT_MAX_BYTES);
            FUZZ_CHECK(data[base + s] == '<' && data[base + e - 1] == '>');
            if (r->n < MAX_EVENTS) {
                r->start[r->n] = base + s;
                r->end[r->n] = base + e;
                r->n++;
            }
            if (!chunked) {
                struct cot_event ev;
                const char *why = NULL;
                if (cot_parse(data + base + s, e - s, a, &ev, &why) != PH_OK)
                    FUZZ_CHECK(why != NULL);
            }
            base += e;
        }
    } while (avail < size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct run whole, parts;
    struct arena a;
    uint64_t seed = 0x9e3779b97f4a7c15ULL ^ size;

    for (size_t i = 0; i < size && i < 16; i++)
        seed = seed * 131 + data[i];
    if (seed == 0)
        seed = 1;
    arena_init(&a);
    frame((const char *)data, size, seed, false, &whole, &a);
    frame((const char *)data, size, seed, true, &parts, &a);
    FUZZ_CHECK(whole.n == parts.n);
    FUZZ_CHECK(whole.last == parts.last);
    for (size_t i = 0; i < whole.n && i < MAX_EVENTS; i++)
        FUZZ_CHECK(whole.start[i] == parts.start[i] && whole.end[i] == parts.end[i]);
    arena_release(&a);
    return 0;
}
