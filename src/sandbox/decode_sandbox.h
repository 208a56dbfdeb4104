/*
 * Containment for decoders: a function run in a forked child process (no
 * exec: the input is already in memory) under memory, CPU, file-size and
 * descriptor limits and a seccomp-BPF syscall allowlist, which answers with a
 * small reply and then its bulk result (the pixels) through a pipe, read
 * straight into the parent's buffer. A child that crashes, is killed by the
 * filter or a limit, or outlives its time is a clean CONVTOOL_EHOSTILE.
 *
 * Why a pipe and not a MAP_SHARED region: shared anonymous pages cannot be
 * transparent huge pages here, and faulting 48 MB of them in (the parent
 * zeroing, the child writing, the parent reading) cost some 80 ms for a
 * 4096² RGB image; the pipe costs one copy at memory speed.
 *
 * Safe to call from several threads at once (batch mode): the child only
 * runs the function given, with all signal handlers reset to their defaults.
 */
#ifndef CONVTOOL_DECODE_SANDBOX_H
#define CONVTOOL_DECODE_SANDBOX_H

#include <stddef.h>
#include <stdint.h>

#include "convtool/convtool.h"
#include "sandbox/sandbox_child.h"

/*
 * Runs fn(ctx, reply) in the child, which then sends reply_size bytes of
 * *reply (at most 512) back, copied into *reply, and, when fn returned data,
 * bulk_size bytes of it, read into bulk (*got_bulk says whether they came).
 * The child may make only memory-management syscalls (mmap, munmap, mremap,
 * brk, madvise, mprotect, futex, rt_sigprocmask), write to the pipe and
 * exit. Returns CONVTOOL_OK when everything arrived and the child exited
 * normally; EHOSTILE when it crashed, was killed or timed out; EMFILE when
 * no descriptor was left for the pipe; ENOMEM/EIO when it could not start.
 * limits->wall_ms counts only time this process runs: a stop (Ctrl-Z,
 * SIGSTOP) longer than it does not fail the decode.
 */
struct sandbox_call {
    const void *(*fn)(void *ctx, void *reply); /* returns bulk_size bytes to send, or NULL */
    void *ctx;
    void *reply;
    size_t reply_size;
    void *bulk;
    size_t bulk_size;
    int got_bulk;
};
convtool_status sandbox_run(struct sandbox_call *call, const struct sandbox_limits *limits);

/* Whether decoding is contained: opts->no_sandbox unset and CONVTOOL_SANDBOX is not "0". */
int sandbox_wanted(const convtool_load_options *opts);

#endif
