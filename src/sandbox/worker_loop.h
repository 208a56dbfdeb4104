/*
 * The worker's side of a long-lived contained worker (worker_loop.c; the
 * parent's side is sandbox_worker.c): the wire format both sides speak, the
 * loop that takes job after job, and the calls a job answers with.
 */
#ifndef CONVTOOL_WORKER_LOOP_H
#define CONVTOOL_WORKER_LOOP_H

#include <stddef.h>
#include <stdint.h>

#define SANDBOX_PARAMS_MAX 512
#define SANDBOX_REPLY_MAX 512

/* In the worker: where a job's answer goes. */
struct sandbox_out;

/*
 * A job, run in the worker: params (the caller's, copied), the input bytes.
 * Answers with sandbox_out_reply() once (a zeroed reply is sent if it does
 * not), then sandbox_out_data() for the bulk result, in order, in pieces of
 * any size. Data goes by reference (vmsplice): it must stay unchanged until
 * the function's next call, by which time the parent has read it all.
 */
typedef void (*sandbox_job_fn)(const void *params, const unsigned char *input, size_t input_len,
                               struct sandbox_out *out);

void sandbox_out_reply(struct sandbox_out *out, const void *reply, size_t size);
void sandbox_out_data(struct sandbox_out *out, const void *data, size_t size);
/* sandbox_out_data by copy (write), for a buffer the job reuses at once (rows of a strip). */
void sandbox_out_data_copy(struct sandbox_out *out, const void *data, size_t size);
/*
 * A streamed job's input (input is NULL, input_len its total): the next bytes,
 * up to n, as the parent sends them; 0 once all input_len bytes were read. A
 * job that returns before reading them all retires its worker (the parent
 * stops sending at END; what is left in the pipe would be the next request).
 */
size_t sandbox_in_read(struct sandbox_out *out, void *dst, size_t n);
/* The job failed: the worker exits after answering, and the next job gets a fresh one. */
void sandbox_out_retire(struct sandbox_out *out);

/* A request: this header, params_size bytes of parameters, input_len bytes of input. */
struct worker_request {
    uintptr_t fn; /* a sandbox_job_fn: the worker is a fork, so addresses agree */
    uint32_t params_size;
    uint32_t reply_size;
    uint64_t input_len;
    uint32_t streamed; /* input read by the job as it goes (sandbox_in_read) */
    uint32_t unused;
};

/* READY: sent once, before the first job, in sanitizer builds only (see worker_loop.c). */
enum { FRAME_REPLY = 1, FRAME_DATA = 2, FRAME_END = 3, FRAME_READY = 4 };

/* An answer's frame: its kind, size bytes after it (none for END; retire for END). */
struct worker_frame {
    uint32_t kind;
    uint32_t retire;
    uint64_t size;
};

/* The worker, after sandbox_enter(): jobs until the request pipe's EOF. Never returns. */
void worker_loop(int request_fd, int reply_fd);

#endif
