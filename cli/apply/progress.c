/*
 * The batch progress line on stderr: count/total, rate, ETA and the file
 * being started. On a terminal one line is redrawn in place with '\r' and
 * spaces (no escape sequences, no colour: nothing for NO_COLOR or a dumb
 * terminal to object to); elsewhere (--progress into a log) a plain line
 * is printed every few seconds. All state is touched with stderr locked,
 * the lock cli_error holds while calling the hook, so a message from any
 * thread first clears the line and then puts it back. A mutex, always taken
 * after stderr's lock, guards the state too: flockfile orders memory as well,
 * but ThreadSanitizer cannot see that.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "apply/batch.h"
#include "common/messages.h"

#define BAR_WIDTH 20
#define TTY_REDRAW_SECONDS 0.1
#define LOG_LINE_SECONDS 5.0

struct progress {
    size_t total, done;
    int rows; /* one image's rows, not files */
    int tty, columns;
    double start, last_draw;
    size_t shown; /* characters of the line now on the terminal */
    char current[256];
};

static struct progress *active;
static pthread_mutex_t state_lock = PTHREAD_MUTEX_INITIALIZER;

/* stderr first, then the state: the order cli_error's hook call imposes. */
static void lock_all(void)
{
    flockfile(stderr);
    pthread_mutex_lock(&state_lock);
}

static void unlock_all(void)
{
    pthread_mutex_unlock(&state_lock);
    funlockfile(stderr);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void format_duration(char *out, size_t size, double seconds)
{
    unsigned long s = (unsigned long)(seconds + 0.5);
    if (s >= 3600)
        snprintf(out, size, "%lu:%02lu:%02lu", s / 3600, s / 60 % 60, s % 60);
    else
        snprintf(out, size, "%lu:%02lu", s / 60, s % 60);
}

/* The text of the line, cut to the terminal's width. */
static size_t format_line(const struct progress *p, char *line, size_t size)
{
    double elapsed = now_seconds() - p->start;
    double rate = elapsed > 0 ? (double)p->done / elapsed : 0;
    char bar[BAR_WIDTH + 1], eta[32] = "--:--";
    size_t filled = p->total ? p->done * BAR_WIDTH / p->total : BAR_WIDTH;
    for (size_t i = 0; i < BAR_WIDTH; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[BAR_WIDTH] = '\0';
    if (rate > 0)
        format_duration(eta, sizeof eta, (double)(p->total - p->done) / rate);
    int n = p->rows ? snprintf(line, size, "convtool: [%s] %zu/%zu rows %.0f rows/s ETA %s %s", bar,
                               p->done, p->total, rate, eta, p->current)
                    : snprintf(line, size, "convtool: [%s] %zu/%zu %.1f/s ETA %s %s", bar, p->done,
                               p->total, rate, eta, p->current);
    size_t len = n < 0 ? 0 : (size_t)n >= size ? size - 1 : (size_t)n;
    if (p->tty && p->columns > 1 && len > (size_t)p->columns - 1)
        len = (size_t)p->columns - 1; /* a wrapped line could not be redrawn in place */
    line[len] = '\0';
    return len;
}

static void draw(struct progress *p)
{
    char line[512];
    size_t len = format_line(p, line, sizeof line);
    p->last_draw = now_seconds();
    if (!p->tty) {
        fprintf(stderr, "%s\n", line);
        return;
    }
    fprintf(stderr, "\r%s", line);
    for (size_t i = len; i < p->shown; i++)
        fputc(' ', stderr);
    p->shown = len > p->shown ? len : p->shown;
    fflush(stderr);
}

static void clear(struct progress *p)
{
    if (!p->tty || p->shown == 0)
        return;
    fputc('\r', stderr);
    for (size_t i = 0; i < p->shown; i++)
        fputc(' ', stderr);
    fputc('\r', stderr);
    p->shown = 0;
}

/* Called with stderr locked. */
static void message_hook(int redraw)
{
    pthread_mutex_lock(&state_lock);
    if (active && active->tty && redraw)
        draw(active);
    else if (active && active->tty)
        clear(active);
    pthread_mutex_unlock(&state_lock);
}

static int terminal_columns(void)
{
    struct winsize ws;
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    return 80;
}

struct progress *progress_start(size_t total, int tty)
{
    struct progress *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->total = total;
    p->tty = tty;
    p->columns = tty ? terminal_columns() : 0;
    p->start = now_seconds();
    lock_all();
    active = p;
    cli_progress_hook = message_hook;
    if (tty)
        draw(p);
    unlock_all();
    return p;
}

struct progress *progress_start_rows(size_t rows, int tty, const char *input)
{
    struct progress *p = progress_start(rows, 0); /* drawn from the first rows on */
    if (!p)
        return NULL;
    lock_all();
    p->rows = 1;
    p->tty = tty;
    p->columns = tty ? terminal_columns() : 0;
    cli_escape(input, p->current, sizeof p->current);
    unlock_all();
    return p;
}

void progress_rows_done(struct progress *p, size_t done)
{
    if (!p)
        return;
    lock_all();
    p->done = done;
    double wait = p->tty ? TTY_REDRAW_SECONDS : LOG_LINE_SECONDS;
    if (p->done == p->total || now_seconds() - p->last_draw >= wait)
        draw(p);
    unlock_all();
}

void progress_file_started(struct progress *p, const char *input)
{
    if (!p)
        return;
    lock_all();
    cli_escape(input, p->current, sizeof p->current); /* no raw control bytes on the tty */
    if (p->tty && now_seconds() - p->last_draw >= TTY_REDRAW_SECONDS)
        draw(p);
    unlock_all();
}

void progress_file_done(struct progress *p)
{
    if (!p)
        return;
    lock_all();
    p->done++;
    double wait = p->tty ? TTY_REDRAW_SECONDS : LOG_LINE_SECONDS;
    if (p->done == p->total || now_seconds() - p->last_draw >= wait)
        draw(p);
    unlock_all();
}

void progress_finish(struct progress *p)
{
    if (!p)
        return;
    lock_all();
    clear(p);
    cli_progress_hook = NULL;
    active = NULL;
    unlock_all();
    free(p);
}
