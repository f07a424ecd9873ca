/* progress.h - progress of long CLI work (demo generation, audit verification) on
 * stderr. On a terminal: one bar "[#####     ] 45% label" redrawn in place at most
 * about ten times a second. Otherwise (logs, pipes, tests): plain lines
 * "label: 45% (n/total)" at most one per 10%, never a carriage return. */
#ifndef PH_UTIL_PROGRESS_H
#define PH_UTIL_PROGRESS_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct progress {
    FILE *out;             /* where to draw; stderr unless progress_init_file() said */
    bool is_tty;           /* draw a bar (true) or plain lines */
    bool is_active;        /* between begin and end */
    const char *label;     /* borrowed; valid until progress_end() */
    int64_t total, done;   /* total 0: unknown, only the count is shown */
    uint64_t last_draw_ns; /* terminal: time of the last redraw */
    int last_decile;       /* plain lines: the last 10% step printed, -1 before any */
};

/* Draw on stderr, as a bar when stderr is a terminal. */
void progress_init(struct progress *p);
/* Draw on out, as a bar when is_tty (tests use this). */
void progress_init_file(struct progress *p, FILE *out, bool is_tty);
/* Start a task of total steps named label (borrowed until progress_end()). */
void progress_begin(struct progress *p, const char *label, int64_t total);
/* done steps of the task are finished (done only grows; smaller values are kept). */
void progress_update(struct progress *p, int64_t done);
/* The task is over: the final state is drawn, the terminal line is ended. */
void progress_end(struct progress *p);
/* Adapter for services that report progress as (ctx, done, total): ctx is a struct
 * progress already begun; a changed total replaces the old one. */
void progress_callback(void *ctx, int64_t done, int64_t total);
#endif
