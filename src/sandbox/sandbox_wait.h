/*
 * The parent's stop-aware deadline (sandbox_wait.c) for a worker's job
 * (sandbox_worker.c): reads from its reply pipe that give up when the job's
 * time is up.
 */
#ifndef CONVTOOL_SANDBOX_WAIT_H
#define CONVTOOL_SANDBOX_WAIT_H

#include <stddef.h>
#include <time.h>

/*
 * The time a job has left: ms of this process running (unlimited when
 * !limited), and, when cpu_limited, the CPU time it may use on the worker's
 * clock (the worker's RLIMIT_CPU counts all its jobs, so the parent charges
 * each job from the clock).
 */
struct time_left {
    long long ms;
    int limited;
    int cpu_limited;
    clockid_t cpu_clock;
    long long cpu_end_ms; /* the clock's reading at which the job's CPU time is spent */
};

/* The CPU clock's reading in ms (0 if it cannot be read: the process is gone). */
long long sandbox_cpu_ms(clockid_t clock);

/*
 * Reads size bytes from fd until they are all there, EOF, or the time is
 * up. Returns the bytes read.
 */
size_t sandbox_read_full(int fd, unsigned char *buf, size_t size, struct time_left *left);

/*
 * Waits up to one slice of the time left (charged as sandbox_read_full
 * charges it) for fd to be readable or, when out_fd ≥ 0, out_fd writable.
 * Returns SANDBOX_READABLE | SANDBOX_WRITABLE bits (closed or failed
 * descriptors count as ready), 0 when the slice passed with neither.
 */
enum { SANDBOX_READABLE = 1, SANDBOX_WRITABLE = 2 };
int sandbox_wait_io(int fd, int out_fd, struct time_left *left);

#endif
