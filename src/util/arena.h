/* arena.h - a region allocator: many small allocations freed together. Each HTTP
 * request, CLI command and core call works in one. The HTTP door backs it with the
 * request's h2o pool (through the alloc hook) so core code never sees h2o. */
#ifndef PH_UTIL_ARENA_H
#define PH_UTIL_ARENA_H
#include <stdarg.h>
#include <stddef.h>

struct arena_block;
struct arena {
    struct arena_block *head; /* blocks we malloc'd, freed by arena_release */
    /* Optional external allocator (e.g. an h2o pool); when set, blocks come from it
     * and arena_release frees nothing. */
    void *(*alloc_hook)(void *hook_ctx, size_t n);
    void *hook_ctx;
    char *cur, *end;
};

void arena_init(struct arena *a);
void arena_init_hook(struct arena *a, void *(*alloc)(void *, size_t), void *ctx);
/* Free every block (only those the arena allocated itself). */
void arena_release(struct arena *a);
/* n bytes aligned for any type; never NULL (aborts on out-of-memory). */
void *arena_alloc(struct arena *a, size_t n);
void *arena_zalloc(struct arena *a, size_t n);
/* Copies that live in a. NULL gives NULL. */
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *arena_vprintf(struct arena *a, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
#endif
