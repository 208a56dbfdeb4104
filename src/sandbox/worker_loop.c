/*
 * The worker's loop (see worker_loop.h): read a request, run the job, end
 * its answer. Runs under the seccomp filter: read on the request pipe,
 * write and vmsplice on the reply pipe, memory management, exit.
 */
#define _GNU_SOURCE /* vmsplice */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "sandbox/sanitized.h"
#include "sandbox/worker_loop.h"

struct sandbox_out {
    int fd;
    size_t reply_size;
    int replied;
    int retire;
    int in_fd;        /* a streamed job's request pipe */
    uint64_t in_left; /* its input bytes not read yet */
};

static void write_all(int fd, const void *data, size_t size)
{
    const unsigned char *p = data;
    while (size > 0) {
        ssize_t n = write(fd, p, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            _exit(125); /* the parent is gone or gave up on us */
        p += n;
        size -= (size_t)n;
    }
}

/* Whether size bytes came; EOF (the parent closed the pipe or exited) ends the worker. */
static void read_all(int fd, void *data, size_t size)
{
    unsigned char *p = data;
    while (size > 0) {
        ssize_t n = read(fd, p, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            _exit(0);
        p += n;
        size -= (size_t)n;
    }
}

static void send_frame(int fd, uint32_t kind, uint32_t retire, uint64_t size)
{
    struct worker_frame f = {kind, retire, size};
    write_all(fd, &f, sizeof f);
}

void sandbox_out_reply(struct sandbox_out *out, const void *reply, size_t size)
{
    if (out->replied || size != out->reply_size)
        _exit(124); /* a job's bug: the parent sees a worker that died */
    send_frame(out->fd, FRAME_REPLY, 0, size);
    write_all(out->fd, reply, size);
    out->replied = 1;
}

/*
 * By reference: vmsplice puts the pages into the pipe and the parent's read
 * is the only copy (write() would copy twice); what it leaves goes by write().
 */
void sandbox_out_data(struct sandbox_out *out, const void *data, size_t size)
{
    static const unsigned char none[SANDBOX_REPLY_MAX];
    if (!out->replied)
        sandbox_out_reply(out, none, out->reply_size);
    if (size == 0)
        return; /* no empty frames: the parent refuses them */
    send_frame(out->fd, FRAME_DATA, 0, size);
    const unsigned char *p = data;
    while (size > 0) {
        struct iovec v = {(void *)p, size};
        ssize_t n = vmsplice(out->fd, &v, 1, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        p += n;
        size -= (size_t)n;
    }
    write_all(out->fd, p, size);
}

void sandbox_out_data_copy(struct sandbox_out *out, const void *data, size_t size)
{
    static const unsigned char none[SANDBOX_REPLY_MAX];
    if (!out->replied)
        sandbox_out_reply(out, none, out->reply_size);
    if (size == 0)
        return;
    send_frame(out->fd, FRAME_DATA, 0, size);
    write_all(out->fd, data, size);
}

size_t sandbox_in_read(struct sandbox_out *out, void *dst, size_t n)
{
    if (n > out->in_left)
        n = (size_t)out->in_left;
    for (;;) {
        if (n == 0)
            return 0;
        ssize_t got = read(out->in_fd, dst, n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            _exit(0); /* the parent is gone or gave up on the job */
        out->in_left -= (uint64_t)got;
        return (size_t)got;
    }
}

void sandbox_out_retire(struct sandbox_out *out)
{
    out->retire = 1;
}

/* One job: its request's parameters and input, the function, the end of its answer. */
static void run_job(int request_fd, int reply_fd)
{
    static unsigned char params[SANDBOX_PARAMS_MAX];
    static const unsigned char none[SANDBOX_REPLY_MAX];
    struct worker_request rq;
    read_all(request_fd, &rq, sizeof rq);
    if (rq.params_size > sizeof params || rq.reply_size > SANDBOX_REPLY_MAX ||
        rq.input_len > SIZE_MAX)
        _exit(123);
    read_all(request_fd, params, rq.params_size);
    struct sandbox_out out = {reply_fd, rq.reply_size, 0, 0, request_fd, 0};
    if (rq.streamed) {
        out.in_left = rq.input_len;
        ((sandbox_job_fn)rq.fn)(params, NULL, (size_t)rq.input_len, &out);
        if (out.in_left)
            out.retire = 1;
    } else {
        unsigned char *input = malloc(rq.input_len ? (size_t)rq.input_len : 1);
        if (!input)
            _exit(122); /* out of memory before the job: the parent sees a worker that died */
        read_all(request_fd, input, (size_t)rq.input_len);
        ((sandbox_job_fn)rq.fn)(params, input, (size_t)rq.input_len, &out);
        free(input);
    }
    if (!out.replied)
        sandbox_out_reply(&out, none, rq.reply_size);
    send_frame(reply_fd, FRAME_END, (uint32_t)out.retire, 0);
    if (out.retire)
        _exit(0);
}

/*
 * Under the sanitizers, a fork while another thread is inside their
 * allocator leaves its lock taken in the child (GCC 12's runtime has no fork
 * handler), and the first allocation hangs. The worker allocates from every
 * size class first and then says it is ready: the parent retries a worker
 * that does not (sandbox_worker.c). glibc's malloc needs none of this.
 */
static void say_ready(int reply_fd)
{
#if SANITIZED
    /*
     * More blocks of each size class than the thread's cache holds (at most 2·128
     * blocks, fewer of bigger classes: 2·64 KiB/size), so it must be refilled from
     * the shared allocator, the part whose lock may have been copied taken. Every
     * class: 16 bytes apart up to 256, then finer than the allocator's four classes
     * per power of two, up to its largest (128 KiB); one block past it for the
     * large-block allocator (one lock). A class skipped here once hung a streamed
     * decode's first calloc.
     */
    enum { PER_SIZE = 300, PRIMARY_MAX = 128 << 10 };
    static void *held[PER_SIZE];
    for (size_t size = 16; size <= PRIMARY_MAX; size += size <= 256 ? 16 : size / 16) {
        size_t cached = (65536 / size) < 128 ? 65536 / size : 128;
        size_t n = 2 * (cached ? cached : 1) + 16;
        for (size_t i = 0; i < n; i++)
            held[i] = malloc(size);
        for (size_t i = 0; i < n; i++)
            free(held[i]);
    }
    free(malloc((size_t)PRIMARY_MAX * 2));
    send_frame(reply_fd, FRAME_READY, 0, 0);
#else
    (void)reply_fd;
#endif
}

void worker_loop(int request_fd, int reply_fd)
{
    say_ready(reply_fd);
    for (;;)
        run_job(request_fd, reply_fd);
}
