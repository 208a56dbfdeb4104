/*
 * Long-lived contained workers (sandbox_worker.c): the decoder sandbox of
 * decode_sandbox.h paid once per thread instead of once per file. A worker
 * is forked on a thread's first job (no exec), locked down as a one-shot
 * child is (rlimits, the seccomp allowlist, plus read on its request pipe),
 * and then takes job after job: the parent writes a request (the job's
 * function, its parameters, the input bytes) into the request pipe, the
 * worker answers in frames on the reply pipe.
 *
 * The reply is a stream of frames, so that a decoder can later send rows as
 * it makes them: one REPLY frame (the job's small answer), then any number
 * of DATA frames (the bulk result in order, in pieces of any size), then END.
 * Today's callers read all the DATA into one buffer.
 *
 * Per-file limits stay per file: the memory budget is the job's (the
 * caller's arena cap; the worker's address-space limit covers the largest
 * job so far, and a bigger job gets a new worker); the deadline and the CPU
 * time (read from the worker's CPU clock) are charged per job. RLIMIT_CPU,
 * which counts every job, caps a worker's lifetime instead (a backstop for
 * time between jobs, when nobody watches): a job that could cross it gets a
 * new worker. A worker that
 * crashes, is killed, times out, talks nonsense or says its job failed is
 * killed and reaped, that job fails (EHOSTILE for the first four), and the
 * next job gets a fresh worker: a worker is never reused after a failure.
 *
 * Why pipes and not a MAP_SHARED region for the pixels: shared anonymous
 * pages cannot be transparent huge pages here, and faulting 48 MB of them in
 * (the parent zeroing, the worker writing, the parent reading) cost some 80
 * ms for a 4096² RGB image; the pipe costs one copy at memory speed (the
 * worker's pages go by reference, vmsplice). For a thumbnail the whole round
 * trip costs some 0.04 ms (bench/RESULTS.md), so shared memory has nothing
 * to win there either.
 *
 * One worker per thread (batch threads decode at once, each with its own);
 * it is ended when its thread exits (thread-specific data, and
 * PR_SET_PDEATHSIG, which follows the forking thread), and dies when the
 * process does (its request pipe reaches EOF, PR_SET_PDEATHSIG kills it).
 */
#ifndef CONVTOOL_SANDBOX_WORKER_H
#define CONVTOOL_SANDBOX_WORKER_H

#include <stddef.h>
#include <sys/types.h>

#include "convtool/convtool.h"
#include "sandbox/sandbox_child.h"
#include "sandbox/worker_loop.h"

struct sandbox_job {
    sandbox_job_fn fn;
    const void *params;
    size_t params_size; /* at most SANDBOX_PARAMS_MAX */
    const unsigned char *input;
    size_t input_len;
    void *reply;
    size_t reply_size; /* at most SANDBOX_REPLY_MAX; copied into *reply on success */
    void *bulk;
    size_t bulk_size; /* room in bulk; more data is EHOSTILE */
    size_t got_bulk;  /* the data that came */
};

/*
 * Runs job->fn in this thread's worker (started or restarted as needed),
 * with limits->memory the job's address-space need, limits->cpu_seconds its
 * CPU time and limits->wall_ms its deadline (stops not counted; 0 = none).
 * Returns CONVTOOL_OK when the whole answer arrived; EHOSTILE when the
 * worker crashed, was killed, timed out or broke the protocol; EMFILE when
 * no descriptor was left for the pipes; ENOMEM/EIO when it could not start.
 */
convtool_status sandbox_worker_run(struct sandbox_job *job, const struct sandbox_limits *limits);

/*
 * A streamed job: its input is pulled from the parent's feed (up to n bytes
 * into dst; returns how many, ≤ 0 when it cannot read any) while the worker
 * reads it (sandbox_in_read), and the answer's data is read as the caller
 * wants it, so neither side holds the whole input or the whole answer.
 *
 * sandbox_stream_open: job->input must be NULL and job->input_len the
 * input's total; sends the request and returns once the job's REPLY came
 * (copied into job->reply; bulk is not used). sandbox_stream_read: exactly n
 * more bytes of DATA. sandbox_stream_close(complete = 1) after the last byte
 * the job sends: expects END; complete = 0 abandons the job (the worker is
 * killed). Failures: EHOSTILE (crash, timeout, nonsense: the worker is
 * killed), EIO (feed failed), ECORRUPT (feed ended early), as
 * sandbox_worker_run otherwise. While a stream is open, this thread's other
 * jobs (sandbox_worker_run, another stream) are refused with EINVAL: the
 * worker is the thread's, and busy. The deadline
 * and CPU time of `limits` run from open to close.
 */
typedef ssize_t (*sandbox_feed_fn)(void *ctx, unsigned char *dst, size_t n);
struct sandbox_stream;
convtool_status sandbox_stream_open(struct sandbox_job *job, sandbox_feed_fn feed, void *feed_ctx,
                                    const struct sandbox_limits *limits,
                                    struct sandbox_stream **out);
convtool_status sandbox_stream_read(struct sandbox_stream *s, void *dst, size_t n);
convtool_status sandbox_stream_close(struct sandbox_stream *s, int complete);
/*
 * For a caller whose reads run in another thread: kills the worker, so a
 * sandbox_stream_read waiting on it returns EHOSTILE at once. Only read may
 * run in another thread; open, cancel and close belong to the opening
 * thread (its worker is that thread's).
 */
void sandbox_stream_cancel(struct sandbox_stream *s);
/*
 * The errno of a feed that failed (EIO); a feed that ended before input_len
 * bytes is ECORRUPT (the file got shorter). Read it in the opening thread
 * after the failing read returned there (errno is per thread).
 */
int sandbox_stream_errno(const struct sandbox_stream *s);

/* Ends this thread's worker, if any (kills and reaps it). Thread exit does this too. */
void sandbox_worker_end(void);

/* This thread's worker's process id, 0 if none (for tests). */
int sandbox_worker_pid(void);

#endif
