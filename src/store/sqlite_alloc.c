/* sqlite_alloc.c - SQLite's memory allocator: glibc malloc behind a small cache
 * of freed blocks per thread and size class.
 *
 * Why: a new incident makes about 220 SQLite allocations (statement journal
 * pieces of 1 KiB, four per page a savepoint journals, records, cursors, pages),
 * and they are freed in bursts, when a statement or savepoint ends. glibc keeps
 * only 7 freed blocks per size in its per-thread cache, so most of a burst goes
 * back to its bins and the next burst takes the slow path: malloc and free were
 * 16% of the writer's instructions per incident (docs/PERFORMANCE.md, "Writer
 * cost"). Here a freed block goes to its thread's list for its size class and the
 * next allocation of that class takes it back, a few instructions each way.
 *
 * Each block is a glibc block of the class's size plus a 16-byte header holding
 * that size (SQLite asks a block's size: xSize). A thread keeps at most
 * CACHE_BYTES of freed blocks; past that, and for blocks over CLASS_MAX, free()
 * is called at once. A block freed by another thread than the one that took it
 * joins the freeing thread's lists. A thread's lists are freed when it ends.
 * Under AddressSanitizer nothing is cached, so that a use after free of SQLite
 * memory is still caught. */
#include "util/base.h"
#include <pthread.h>
#include <sqlite3.h>
#include "store/sqlite_int.h"

#if defined(__SANITIZE_ADDRESS__)
#define ALLOC_CACHE 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ALLOC_CACHE 0
#endif
#endif
#ifndef ALLOC_CACHE
#define ALLOC_CACHE 1
#endif

#define HDR 16           /* keeps glibc's 16-byte alignment for the caller */
#define CLASS_STEP 64    /* sizes are rounded up to a multiple of this */
#define CLASS_MAX 8192   /* larger blocks are not cached */
#define CLASSES (CLASS_MAX / CLASS_STEP)
#define CACHE_BYTES (4 << 20)

struct free_block {
    struct free_block *next;
};

struct alloc_cache {
    struct free_block *head[CLASSES + 1];
    size_t bytes;
    bool registered;
};

#if ALLOC_CACHE
static _Thread_local struct alloc_cache cache;
static pthread_key_t cache_key;
#endif

/* The size a request of n bytes gets (what SQLite's xRoundup asks). */
static size_t class_size(size_t n)
{
    if (n <= CLASS_MAX)
        return n == 0 ? CLASS_STEP : (n + CLASS_STEP - 1) / CLASS_STEP * CLASS_STEP;
    return (n + 15) & ~(size_t)15;
}

static void *block_new(size_t size)
{
    char *raw = malloc(HDR + size);

    if (raw == NULL)
        return NULL;
    *(size_t *)raw = size;
    return raw + HDR;
}

static size_t block_size(void *p)
{
    return *(size_t *)((char *)p - HDR);
}

#if ALLOC_CACHE
static void cache_drop(void *arg)
{
    struct alloc_cache *c = arg;

    for (size_t i = 0; i <= CLASSES; i++) {
        while (c->head[i] != NULL) {
            struct free_block *b = c->head[i];
            c->head[i] = b->next;
            free((char *)b - HDR);
        }
    }
    c->bytes = 0;
    c->registered = false; /* a later free registers the thread again */
}
#endif

static void *x_malloc(int n)
{
    size_t size = class_size(n > 0 ? (size_t)n : 0);
#if ALLOC_CACHE
    if (size <= CLASS_MAX) {
        struct free_block *b = cache.head[size / CLASS_STEP];
        if (b != NULL) {
            cache.head[size / CLASS_STEP] = b->next;
            cache.bytes -= size;
            return b;
        }
    }
#endif
    return block_new(size);
}

static void x_free(void *p)
{
    if (p == NULL)
        return;
#if ALLOC_CACHE
    size_t size = block_size(p);
    if (size <= CLASS_MAX && cache.bytes + size <= CACHE_BYTES) {
        if (!cache.registered) {
            /* The key's destructor frees the lists when the thread ends. */
            cache.registered = true;
            (void)pthread_setspecific(cache_key, &cache);
        }
        struct free_block *b = p;
        b->next = cache.head[size / CLASS_STEP];
        cache.head[size / CLASS_STEP] = b;
        cache.bytes += size;
        return;
    }
#endif
    free((char *)p - HDR);
}

static int x_size(void *p)
{
    return p != NULL ? (int)block_size(p) : 0;
}

static void *x_realloc(void *p, int n)
{
    size_t size = class_size(n > 0 ? (size_t)n : 0);
    void *q;

    if (p == NULL)
        return x_malloc(n);
    if (block_size(p) == size)
        return p;
    if ((q = block_new(size)) == NULL)
        return NULL;
    memcpy(q, p, block_size(p) < size ? block_size(p) : size);
    x_free(p);
    return q;
}

static int x_roundup(int n)
{
    return (int)class_size(n > 0 ? (size_t)n : 0);
}

static int x_init(void *arg)
{
    (void)arg;
    return SQLITE_OK;
}

static void x_shutdown(void *arg)
{
    (void)arg;
}

static const sqlite3_mem_methods methods = {
    .xMalloc = x_malloc,
    .xFree = x_free,
    .xRealloc = x_realloc,
    .xSize = x_size,
    .xRoundup = x_roundup,
    .xInit = x_init,
    .xShutdown = x_shutdown,
};

void store_sq_alloc_install(void)
{
#if ALLOC_CACHE
    if (pthread_key_create(&cache_key, cache_drop) != 0)
        return; /* SQLite keeps its default allocator */
#endif
    (void)sqlite3_config(SQLITE_CONFIG_MALLOC, &methods);
}
