/*
 * The worker's lockdown (sandbox_child.c): the limits the parent
 * (sandbox_worker.c) gives it, and the one call that locks it down, right
 * after the fork. It needs nothing of its parent's header, so the two files
 * do not include each other.
 */
#ifndef CONVTOOL_SANDBOX_CHILD_H
#define CONVTOOL_SANDBOX_CHILD_H

#include <stdint.h>

struct sandbox_limits {
    uint64_t memory;      /* address space the child may add to the parent's; 0 = no limit */
    unsigned cpu_seconds; /* RLIMIT_CPU; 0 = none */
    unsigned wall_ms;     /* a job is killed after this long (stops not counted); 0 = none */
};

/*
 * In the child, before any job runs, with signals blocked: resets signal
 * handlers, closes every descriptor but request_fd, reply_fd and stderr in
 * sanitizer builds, sets the resource limits (the
 * address space to what the child holds, measured there without /proc, plus
 * limits->memory) and installs the syscall filter (read on request_fd only,
 * write on reply_fd only). Async-signal-safe. Returns 0, or -1 if a step failed.
 */
int sandbox_enter(int request_fd, int reply_fd, const struct sandbox_limits *limits);

#endif
