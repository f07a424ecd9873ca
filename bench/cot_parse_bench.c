/* cot_parse_bench.c - what one CoT event costs to frame and to parse (proto/cot.h),
 * on one core: the 64 events of the real FreeTAKServer stream
 * (../shared/interop/cot/samples/freetakserver/stream-first-60s-64-events.xml,
 * or the file named by the first argument) framed and parsed over and over, for
 * at most ROUNDS rounds or about SECONDS seconds, whichever comes first. Prints
 * one line per case: name, events, ns per event, events per second.
 *
 *   build/bench/cot_parse_bench [STREAM] [ROUNDS]
 *
 * The CoT listener must take 20,000 events/s with room left for storage and
 * relay (issue 4); this is the codec's share of that. */
#include "util/base.h"
#include "proto/cot.h"
#include "util/arena.h"
#include "util/time.h"

#define DEFAULT_STREAM "../shared/interop/cot/samples/freetakserver/stream-first-60s-64-events.xml"
#define DEFAULT_ROUNDS 5000
#define SECONDS 10

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *data = NULL;
    size_t cap = 0, n = 0, k;

    if (f == NULL)
        return NULL;
    do {
        if (n == cap) {
            cap = cap ? cap * 2 : 65536;
            char *p = realloc(data, cap);
            if (p == NULL) {
                free(data);
                fclose(f);
                return NULL;
            }
            data = p;
        }
        k = fread(data + n, 1, cap - n, f);
        n += k;
    } while (k > 0);
    fclose(f);
    *len = n;
    return data;
}

static void report(const char *name, long events, uint64_t ns)
{
    double per = events > 0 ? (double)ns / (double)events : 0;
    printf("%-12s n=%-8ld %8.0f ns/op %10.0f events/s\n", name, events, per, per > 0 ? 1e9 / per : 0);
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : DEFAULT_STREAM;
    long rounds = argc > 2 ? strtol(argv[2], NULL, 10) : DEFAULT_ROUNDS;
    size_t len = 0, starts[256], ends[256], n_ev = 0;
    char *data = read_file(path, &len);
    struct arena a;

    if (data == NULL) {
        fprintf(stderr, "cot_parse_bench: %s: %s\n", path, strerror(errno));
        return 1;
    }
    if (rounds <= 0)
        rounds = DEFAULT_ROUNDS;
    cot_init();
    arena_init(&a);

    /* Frame once to find the events, checking each parses. */
    for (size_t off = 0; n_ev < PH_NELEM(starts);) {
        struct cot_framer f = {0};
        size_t s, e;
        if (cot_frame(&f, data + off, len - off, &s, &e) != PH_OK || e == 0)
            break;
        starts[n_ev] = off + s;
        ends[n_ev] = off + e;
        struct cot_event ev;
        const char *why = NULL;
        if (cot_parse(data + off + s, e - s, &a, &ev, &why) != PH_OK) {
            fprintf(stderr, "cot_parse_bench: event %zu refused: %s\n", n_ev, why);
            return 1;
        }
        n_ev++;
        off += e;
    }
    arena_release(&a);
    if (n_ev == 0) {
        fprintf(stderr, "cot_parse_bench: no event in %s\n", path);
        return 1;
    }
    printf("cot_parse_bench: %zu events, %zu bytes\n", n_ev, len);

    /* Framing: the whole stream, event by event. */
    uint64_t deadline = time_mono_ns() + SECONDS * 1000000000ull / 2, t0 = time_mono_ns();
    long done = 0;
    for (long r = 0; r < rounds && time_mono_ns() < deadline; r++) {
        size_t off = 0, s, e;
        struct cot_framer f = {0};
        while (cot_frame(&f, data + off, len - off, &s, &e) == PH_OK && e != 0) {
            off += e;
            done++;
        }
    }
    report("cot_frame", done, time_mono_ns() - t0);

    /* Parsing: each event into a fresh arena, as the listener does. */
    deadline = time_mono_ns() + SECONDS * 1000000000ull / 2;
    t0 = time_mono_ns();
    done = 0;
    long ok = 0;
    for (long r = 0; r < rounds && time_mono_ns() < deadline; r++) {
        for (size_t i = 0; i < n_ev; i++) {
            struct cot_event ev;
            const char *why = NULL;
            arena_init(&a);
            ok += cot_parse(data + starts[i], ends[i] - starts[i], &a, &ev, &why) == PH_OK;
            arena_release(&a);
            done++;
        }
    }
    report("cot_parse", done, time_mono_ns() - t0);
    free(data);
    return ok == done ? 0 : 1;
}
