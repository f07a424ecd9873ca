/* arena.c - bump allocation in blocks; big requests get a block of their own. */
#include "util/base.h"
#include <stdarg.h>
#include "util/arena.h"
#include "util/mem.h"

/* Under AddressSanitizer the unused rest of each block we own is poisoned and each
 * allocation unpoisoned to its exact size, so an overflow into a neighbour in the
 * same block is caught, not only one past the block. Blocks from a hook (an h2o
 * pool) are left alone: their owner reuses them. */
#if defined(__SANITIZE_ADDRESS__)
#define ARENA_POISONING 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ARENA_POISONING 1
#endif
#endif
#ifdef ARENA_POISONING
#include <sanitizer/asan_interface.h>
#define POISON(a, p, n) ((a)->alloc_hook == NULL ? ASAN_POISON_MEMORY_REGION((p), (n)) : (void)0)
#define UNPOISON(a, p, n) ((a)->alloc_hook == NULL ? ASAN_UNPOISON_MEMORY_REGION((p), (n)) : (void)0)
#else
#define POISON(a, p, n) ((void)(a), (void)(p), (void)(n))
#define UNPOISON(a, p, n) ((void)(a), (void)(p), (void)(n))
#endif

#define ARENA_BLOCK_BYTES 8192
#define ARENA_ALIGN 16

struct arena_block {
    struct arena_block *next;
    max_align_t data[];
};

void arena_init(struct arena *a)
{
    memset(a, 0, sizeof(*a));
}

void arena_init_hook(struct arena *a, void *(*alloc)(void *, size_t), void *ctx)
{
    arena_init(a);
    a->alloc_hook = alloc;
    a->hook_ctx = ctx;
}

void arena_release(struct arena *a)
{
    struct arena_block *b = a->head, *next;
    for (; b != NULL; b = next) {
        next = b->next;
        /* free() itself reads nothing of data[]; unpoisoning is not needed. */
        free(b);
    }
    a->head = NULL;
    a->cur = a->end = NULL;
}

static char *new_block(struct arena *a, size_t n)
{
    if (a->alloc_hook != NULL)
        return a->alloc_hook(a->hook_ctx, n);
    struct arena_block *b = xmalloc(sizeof(*b) + n);
    b->next = a->head;
    a->head = b;
    POISON(a, b->data, n);
    return (char *)b->data;
}

void *arena_alloc(struct arena *a, size_t n)
{
    /* No allocator can give more than PTRDIFF_MAX bytes; closer to SIZE_MAX the
     * rounding below (or the block header) would wrap and hand back a tiny block. */
    if (n > PTRDIFF_MAX) {
        fprintf(stderr, "phoihop: out of memory (%zu bytes)\n", n);
        abort();
    }
    size_t want = n;
    n = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (n == 0)
        n = ARENA_ALIGN;
    void *p;
    if ((size_t)(a->end - a->cur) >= n) {
        p = a->cur;
        a->cur += n;
    } else if (n > ARENA_BLOCK_BYTES / 4) { /* large: its own block, keep the current one */
        p = new_block(a, n);
    } else {
        a->cur = new_block(a, ARENA_BLOCK_BYTES);
        a->end = a->cur + ARENA_BLOCK_BYTES;
        p = a->cur;
        a->cur += n;
    }
    UNPOISON(a, p, want);
    return p;
}

void *arena_zalloc(struct arena *a, size_t n)
{
    return memset(arena_alloc(a, n), 0, n);
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
    if (s == NULL)
        return NULL;
    char *d = arena_alloc(a, n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *arena_strdup(struct arena *a, const char *s)
{
    return s == NULL ? NULL : arena_strndup(a, s, strlen(s));
}

char *arena_vprintf(struct arena *a, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        n = 0;
    char *d = arena_alloc(a, (size_t)n + 1);
    vsnprintf(d, (size_t)n + 1, fmt, ap);
    return d;
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *d = arena_vprintf(a, fmt, ap);
    va_end(ap);
    return d;
}
