/*
 * The parent's stop-aware deadline (sandbox_wait.c), shared by the one-shot
 * child (decode_sandbox.c) and the long-lived workers (sandbox_worker.c):
 * reads from a contained process's pipe that give up when its time is up.
 */
#ifndef CONVTOOL_SANDBOX_WAIT_H
#define CONVTOOL_SANDBOX_WAIT_H

#include <stddef.h>
#include <time.h>

/*
 * The time a contained process has left: ms of this process running
 * (unlimited when !limited), and, when cpu_limited, the CPU time it may use
 * on its own clock (a worker's RLIMIT_CPU would count all its jobs, so the
 * parent charges each job from the worker's CPU clock instead).
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

#endif
