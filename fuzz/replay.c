/* replay.c - a main() for the fuzz harnesses when they are built without libFuzzer
 * (gcc, ASan+UBSan, by `make test`): runs LLVMFuzzerTestOneInput once on each file
 * named on the command line and on each regular file of each directory named, in
 * name order. Arguments starting with '-' (libFuzzer flags) are ignored, so the same
 * command line works with both builds.
 *
 * Each input is copied into a buffer of exactly its size so that AddressSanitizer
 * catches a harness or parser reading one byte past the end, as libFuzzer would. */
#include "util/base.h"
#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Provided by the sanitizers' runtime; weak so that a build without them links too. */
void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));

/* Named by on_death when an input crashes; volatile because a signal handler reads it. */
static const char *volatile current_input;

/* Called by the sanitizer runtime before it exits, and on SIGABRT (a failed
 * FUZZ_CHECK, or abort_on_error): only async-signal-safe calls here. */
static void on_death(void)
{
    const char *p = current_input;
    if (p == NULL)
        return;
    current_input = NULL; /* the runtime's own abort() must not print it twice */
    static const char head[] = "replay: crashed on input ";
    (void)!write(STDERR_FILENO, head, sizeof(head) - 1);
    (void)!write(STDERR_FILENO, p, strlen(p));
    (void)!write(STDERR_FILENO, "\n", 1);
}

static void on_abort(int sig)
{
    on_death();
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Reads path whole into a fresh buffer of exactly its size; NULL on error. */
static uint8_t *read_input(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    uint8_t *data = NULL;
    size_t cap = 0, n = 0;

    if (f == NULL)
        return NULL;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 4096;
            uint8_t *p = realloc(data, cap);
            if (p == NULL)
                goto fail;
            data = p;
        }
        size_t k = fread(data + n, 1, cap - n, f);
        n += k;
        if (k == 0)
            break;
    }
    if (ferror(f))
        goto fail;
    fclose(f);
    /* Shrink to the exact size; malloc(0) may give NULL, so keep one byte then. */
    uint8_t *exact = malloc(n ? n : 1);
    if (exact == NULL) {
        free(data);
        return NULL;
    }
    memcpy(exact, data, n);
    free(data);
    *size = n;
    return exact;
fail:
    free(data);
    fclose(f);
    return NULL;
}

static int run_file(const char *path)
{
    size_t size = 0;
    uint8_t *data = read_input(path, &size);

    if (data == NULL) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno ? errno : EIO));
        return 1;
    }
    current_input = path;
    LLVMFuzzerTestOneInput(data, size);
    current_input = NULL;
    free(data);
    return 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Runs every regular, non-hidden file directly in dir; adds the count to *n_run. */
static int run_dir(const char *dir, long *n_run)
{
    DIR *d = opendir(dir);
    char **names = NULL;
    size_t n = 0, cap = 0;
    int failed = 0;
    struct dirent *e;

    if (d == NULL) {
        fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
        return 1;
    }
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **p = realloc(names, cap * sizeof(*names));
            if (p == NULL) {
                failed = 1;
                break;
            }
            names = p;
        }
        size_t len = strlen(dir) + 1 + strlen(e->d_name) + 1;
        names[n] = malloc(len);
        if (names[n] == NULL) {
            failed = 1;
            break;
        }
        snprintf(names[n], len, "%s/%s", dir, e->d_name);
        n++;
    }
    closedir(d);
    if (n > 0)
        qsort(names, n, sizeof(*names), cmp_names);
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (!failed && stat(names[i], &st) == 0 && S_ISREG(st.st_mode)) {
            failed |= run_file(names[i]);
            (*n_run)++;
        }
        free(names[i]);
    }
    free(names);
    return failed;
}

int main(int argc, char **argv)
{
    long n_run = 0;
    int failed = 0;

    if (__sanitizer_set_death_callback != NULL)
        __sanitizer_set_death_callback(on_death);
    signal(SIGABRT, on_abort);
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (argv[i][0] == '-')
            continue;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
            failed = 1;
        } else if (S_ISDIR(st.st_mode)) {
            failed |= run_dir(argv[i], &n_run);
        } else {
            failed |= run_file(argv[i]);
            n_run++;
        }
    }
    fprintf(stderr, "replay: %s: %ld input%s %s\n", argv[0], n_run, n_run == 1 ? "" : "s",
            failed ? "with errors" : "ok");
    return failed;
}
