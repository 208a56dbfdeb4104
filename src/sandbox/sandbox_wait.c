/* The stop-aware deadline (see sandbox_wait.h). */
#include <errno.h>
#include <poll.h>
#include <unistd.h>

#include "sandbox/sandbox_wait.h"

/* The deadline is charged in slices of at most this many ms (see wait_readable). */
#define SLICE_MS 100

static long long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

long long sandbox_cpu_ms(clockid_t clock)
{
    struct timespec t;
    if (clock_gettime(clock, &t) != 0)
        return 0;
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/*
 * Waits up to one slice for fd to be readable, and charges the slice's time.
 * A slice that took far longer than it was asked to was a stop of this
 * process (Ctrl-Z, SIGSTOP, a suspended machine): the child was stopped too
 * (Ctrl-Z stops the job) or finished meanwhile, so only the slice asked for
 * is charged, and a stop never uses up the child's time. Neither a busy
 * machine (a late wake-up is charged at most one slice more) nor this skew
 * lets a decoder run long: its CPU time is bounded too (the worker's CPU
 * clock, checked here), and the deadline is for a
 * child that waits on nothing, out of CPU's sight. Returns whether fd is
 * readable (or closed).
 */
int sandbox_wait_io(int fd, int out_fd, struct time_left *left)
{
    int limited = left->limited || left->cpu_limited;
    int wait = !limited ? -1 : left->limited && left->ms < SLICE_MS ? (int)left->ms : SLICE_MS;
    struct pollfd p[2] = {{fd, POLLIN, 0}, {out_fd, POLLOUT, 0}};
    long long start = now_ms();
    int r = poll(p, out_fd >= 0 ? 2 : 1, wait);
    if (left->limited) {
        long long spent = now_ms() - start;
        left->ms -= spent > (long long)wait + SLICE_MS ? wait : spent;
    }
    if (r <= 0 && left->cpu_limited && sandbox_cpu_ms(left->cpu_clock) >= left->cpu_end_ms)
        left->limited = 1, left->ms = 0; /* its CPU time is spent: as good as timed out */
    if (r <= 0)
        return 0;
    return (p[0].revents ? SANDBOX_READABLE : 0) |
           (out_fd >= 0 && p[1].revents ? SANDBOX_WRITABLE : 0);
}

static int wait_readable(int fd, struct time_left *left)
{
    return sandbox_wait_io(fd, -1, left) & SANDBOX_READABLE;
}

size_t sandbox_read_full(int fd, unsigned char *buf, size_t size, struct time_left *left)
{
    size_t got = 0;
    while (got < size) {
        if (left->limited && left->ms <= 0)
            break;
        if (!wait_readable(fd, left))
            continue; /* a timeout or a signal: the time left is checked above */
        ssize_t n = read(fd, buf + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    return got;
}
