/* rng.h - a seeded pseudo-random sequence (splitmix64) for made-up data: the demo
 * province, tests and benchmarks. Reproducible on every platform, unlike rand();
 * not for anything secret (security/token.h draws from libsodium). Written here
 * because it is eight lines and no library call gives a sequence fixed by a seed. */
#ifndef PH_UTIL_RNG_H
#define PH_UTIL_RNG_H
#include <stdint.h>

/* The next 64 bits of the sequence whose state is *s (any value, 0 included). */
static inline uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Uniform in [0, 1), 53 bits. */
static inline double rng_unif(uint64_t *s)
{
    return (double)(rng_next(s) >> 11) * 0x1.0p-53;
}
#endif
