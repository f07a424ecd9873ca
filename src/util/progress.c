/* progress.c - a progress bar on a terminal, sparse plain lines elsewhere. Plain
 * lines matter as much as the bar: `phoihop demo` runs under make, systemd and CI,
 * where a carriage-return bar turns into one enormous log line. */
#include "util/base.h"
#include <unistd.h>
#include "util/progress.h"
#include "util/time.h"

#define PROGRESS_BAR_WIDTH 30
#define PROGRESS_REDRAW_NS (100u * 1000u * 1000u) /* at most ~10 redraws a second */

static int percent_of(const struct progress *p)
{
    if (p->total <= 0)
        return 0;
    int64_t done = p->done > p->total ? p->total : p->done;
    /* 'done * 100' cannot overflow for any count a database holds (< 2^56). */
    return (int)(done * 100 / p->total);
}

static void draw_bar(struct progress *p)
{
    char bar[PROGRESS_BAR_WIDTH + 1];
    int pct = percent_of(p);
    int fill = pct * PROGRESS_BAR_WIDTH / 100;

    for (int i = 0; i < PROGRESS_BAR_WIDTH; i++)
        bar[i] = i < fill ? '#' : ' ';
    bar[PROGRESS_BAR_WIDTH] = '\0';
    /* "\033[K" clears what a longer earlier line left behind. */
    if (p->total > 0)
        fprintf(p->out, "\r[%s] %3d%% %s\033[K", bar, pct, p->label);
    else
        fprintf(p->out, "\r%s: %lld\033[K", p->label, (long long)p->done);
    fflush(p->out);
    p->last_draw_ns = time_mono_ns();
}

static void print_line(struct progress *p)
{
    if (p->total > 0)
        fprintf(p->out, "%s: %d%% (%lld/%lld)\n", p->label, percent_of(p), (long long)p->done,
                (long long)p->total);
    else
        fprintf(p->out, "%s: %lld\n", p->label, (long long)p->done);
    fflush(p->out);
}

void progress_init_file(struct progress *p, FILE *out, bool is_tty)
{
    memset(p, 0, sizeof(*p));
    p->out = out;
    p->is_tty = is_tty;
    p->last_decile = -1;
}

void progress_init(struct progress *p)
{
    progress_init_file(p, stderr, isatty(STDERR_FILENO) == 1);
}

void progress_begin(struct progress *p, const char *label, int64_t total)
{
    p->label = label != NULL ? label : "";
    p->total = total > 0 ? total : 0;
    p->done = 0;
    p->last_decile = -1;
    p->is_active = true;
    if (p->is_tty)
        draw_bar(p);
    /* Plain output waits for the first update: a task that ends at once then prints
     * one line, not two. */
}

void progress_update(struct progress *p, int64_t done)
{
    if (!p->is_active || done < p->done)
        return;
    p->done = done;
    if (p->is_tty) {
        if (time_mono_ns() - p->last_draw_ns >= PROGRESS_REDRAW_NS)
            draw_bar(p);
        return;
    }
    if (p->total <= 0)
        return; /* an unknown total prints only at the end */
    int decile = percent_of(p) / 10;
    if (decile > p->last_decile && decile < 10) {
        p->last_decile = decile;
        print_line(p);
    }
}

void progress_end(struct progress *p)
{
    if (!p->is_active)
        return;
    if (p->is_tty) {
        draw_bar(p);
        fputc('\n', p->out);
        fflush(p->out);
    } else {
        print_line(p);
    }
    p->is_active = false;
}

void progress_callback(void *ctx, int64_t done, int64_t total)
{
    struct progress *p = ctx;
    if (p == NULL)
        return;
    if (total > 0)
        p->total = total;
    progress_update(p, done);
}
